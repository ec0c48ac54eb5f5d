package slim

import (
	"errors"
	"strings"

	"github.com/dietimg/diet/internal/dpkg"
	"github.com/dietimg/diet/internal/why"
)

// checkRules refuses keep rules that name nothing in the image: a
// misspelled --keep or --keep-package, said before any container runs.
func (k *keeper) checkRules(keep, packages []string, db *dpkg.DB) error {
	for _, pat := range keep {
		if len(k.t.match(pat)) == 0 {
			return errors.New("--keep " + pat + ": matches nothing in the image")
		}
	}
	for _, name := range packages {
		if db == nil {
			return errors.New("--keep-package " + name + ": the image has no dpkg database")
		}
		if _, ok := db.Package(name); !ok {
			msg := "--keep-package " + name + ": no such package is installed"
			if near := nearPackages(db, name); len(near) > 0 {
				msg += " (installed: " + strings.Join(near, ", ") + ")"
			}
			return errors.New(msg)
		}
	}
	return nil
}

// nearPackages names up to three installed packages that share the
// longest prefix with name, for a misspelled --keep-package.
func nearPackages(db *dpkg.DB, name string) []string {
	best, out := 0, []string(nil)
	for _, p := range db.Packages {
		n := 0
		for n < len(name) && n < len(p.Name) && name[n] == p.Name[n] {
			n++
		}
		switch {
		case n < 3 || n < best:
		case n > best:
			best, out = n, []string{p.Name}
		case len(out) < 3:
			out = append(out, p.Name)
		}
	}
	return out
}

// addRules keeps what the keep rules name (checked by checkRules).
func (k *keeper) addRules(keep, packages []string, db *dpkg.DB) {
	for _, pat := range keep {
		for _, p := range k.t.match(pat) {
			if !k.add(p, why.Reason{Kind: why.Rule, Detail: "--keep " + pat}) {
				k.one(p, why.Reason{Kind: why.Rule, Detail: "--keep " + pat})
			}
		}
	}
	for _, name := range packages {
		for _, p := range k.t.paths {
			if n := k.t.nodes[p]; n.Mode.IsDir() {
				continue
			}
			if pkg, ok := db.Owner(p); ok && pkg.Name == name {
				k.one(p, why.Reason{Kind: why.Rule, Detail: "--keep-package " + name})
			}
		}
	}
}
