package reach

import (
	"path"
	"sort"
	"strings"
)

// Package exports and imports: the subpath maps, patterns and condition
// objects of package.json that decide which file a name loads.

// nodeConditions are the export conditions kept: any of them may be the
// one Node takes, by how the package is loaded.
var nodeConditions = []string{"node", "import", "require", "module-sync", "default"}

// viaExports resolves the subpath sub of package p through its exports.
func (r *nodeResolver) viaExports(p *nodePkg, sub string) []nodeTarget {
	var out []nodeTarget
	for _, t := range nodeMatchExports(p.exports, "./"+sub, ".") {
		out = r.exportTarget(out, p, t)
	}
	if out != nil {
		out = append(out, nodeTarget{path: path.Join(p.dir, "package.json"), meta: true, name: p.name})
	}
	return out
}

// exportTarget adds the file of the target t ("./lib/x.js") of p when it
// exists inside the package.
func (r *nodeResolver) exportTarget(out []nodeTarget, p *nodePkg, t string) []nodeTarget {
	f := path.Join(p.dir, t)
	if !strings.HasPrefix(t, "./") || !strings.HasPrefix(f, p.dir+"/") || !r.file(f) {
		return out
	}
	for _, o := range out {
		if o.path == f {
			return out
		}
	}
	return append(out, nodeTarget{path: f})
}

// nodeMatchExports finds the targets of sub ("./x", "." or "#x") in an
// exports or imports field: an exact key, else the pattern key ("./*",
// "./lib/*.js") with the longest prefix. Keys start with dot (exports) or
// "#" (imports); exports without such keys are the targets of ".".
func nodeMatchExports(field any, sub, dot string) []string {
	if field == nil {
		return nil
	}
	m, ok := field.(map[string]any)
	if ok {
		ok = false
		for k := range m {
			if strings.HasPrefix(k, dot) {
				ok = true
				break
			}
		}
	}
	if !ok {
		if sub == "./" || sub == "." {
			return nodeCondTargets(nil, field, "", 0)
		}
		return nil
	}
	if sub == "./" {
		sub = "."
	}
	if v, ok := m[sub]; ok {
		return nodeCondTargets(nil, v, "", 0)
	}
	best, star := "", ""
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		i := strings.IndexByte(k, '*')
		if i < 0 {
			continue
		}
		pre, suf := k[:i], k[i+1:]
		if len(sub) >= len(k) && strings.HasPrefix(sub, pre) && strings.HasSuffix(sub, suf) && len(pre) > strings.IndexByte(best+"*", '*') {
			best, star = k, sub[len(pre):len(sub)-len(suf)]
		}
	}
	if best == "" {
		return nil
	}
	return nodeCondTargets(nil, m[best], star, 0)
}

// nodeCondTargets adds the string targets of v, through arrays and the
// conditions Node may take, with * replaced by star.
func nodeCondTargets(out []string, v any, star string, depth int) []string {
	if depth > 16 {
		return out
	}
	switch v := v.(type) {
	case string:
		return append(out, strings.ReplaceAll(v, "*", star))
	case []any:
		for _, e := range v {
			out = nodeCondTargets(out, e, star, depth+1)
		}
	case map[string]any:
		for _, c := range nodeConditions {
			if e, ok := v[c]; ok {
				out = nodeCondTargets(out, e, star, depth+1)
			}
		}
	}
	return out
}
