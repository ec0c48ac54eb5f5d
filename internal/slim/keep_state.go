package slim

import (
	"path"
	"sort"

	"github.com/dietimg/diet/internal/rootfs"
	"github.com/dietimg/diet/internal/why"
)

// systemDirs are never kept whole as state: a program that writes one
// file into /etc or /usr/bin does not keep its state there, and keeping
// them would keep the image.
var systemDirs = map[string]bool{
	"/": true, "/bin": true, "/sbin": true, "/lib": true, "/lib32": true, "/lib64": true, "/libx32": true,
	"/usr": true, "/usr/bin": true, "/usr/sbin": true, "/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true,
	"/usr/libexec": true, "/usr/share": true, "/usr/local": true, "/usr/local/bin": true, "/usr/local/lib": true,
	"/usr/local/share": true, "/etc": true, "/var": true, "/var/lib": true, "/opt": true, "/home": true,
	"/root": true, "/srv": true, "/mnt": true, "/media": true,
}

// addState keeps the directory dir whole, every file under it with its
// owner and mode: a program's state (a database's data directory, a
// spool, a cache) is not code to trim. The directory is resolved as the
// program would reach it.
func (k *keeper) addState(name string, r why.Reason) {
	res, err := rootfs.Resolve(k.fsys, name)
	if err != nil {
		return
	}
	dir := res.Path
	if n := k.t.nodes[dir]; n == nil || !n.Mode.IsDir() || systemDirs[dir] || isPseudo(dir) || k.isLibDir(dir) ||
		path.Base(dir) == "__pycache__" { // a cache of compiled modules, not state: what was read of it is kept
		return
	}
	// The way the program named it: /var/lock/x is /run/lock/x through
	// the /var/lock symlink, which the slim needs as much as the directory.
	k.add(name, r)
	if _, ok := k.states[dir]; ok {
		return
	}
	k.states[dir] = r
	for _, p := range k.t.under(dir) {
		k.one(p, r)
	}
}

// StateDir is a directory kept whole, with every file under it.
type StateDir struct {
	Dir    string     `json:"dir"`
	Reason why.Reason `json:"reason"`
	Files  int        `json:"files"` // regular files under it
}

func (k *keeper) stateDirs() []StateDir {
	var out []StateDir
	for d, r := range k.states {
		sd := StateDir{Dir: d, Reason: r}
		for _, p := range k.t.under(d) {
			if k.t.nodes[p].Mode.IsRegular() {
				sd.Files++
			}
		}
		out = append(out, sd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out
}
