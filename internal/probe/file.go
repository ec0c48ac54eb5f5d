package probe

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// A probe file is a YAML (or JSON) list of probes, run in order: the
// http, tcp, cmd, script, wait and openapi ones in one container of the
// image's default command, each exec one in a run of its own. Each entry
// names its kind by one key, with the kind's options beside it:
//
//   - http: POST 8080/items        # [METHOD] PORT/PATH
//     headers: {Authorization: Bearer t0ken}
//     json: {name: apple}          # or body: TEXT, or body_file: FILE
//     status: 201                  # what the original must answer
//     capture: {id: $.id}          # ${id} in later paths, headers, bodies
//   - http: GET 8080/items/${id}
//   - tcp: 6379
//     send: "PING\r\n"
//     expect: "+PONG\r\n"
//   - cmd: redis-cli ping          # or a list of words
//   - exec: --version
//   - script: check.sh             # files are relative to the probe file
//   - wait: 2s
//   - openapi: 8080/openapi.json   # or a file, with port: PORT
//
// ParseFile reads one; every mistake (an unknown key, a bad method, a
// missing file, a ${NAME} no earlier probe captures) is an error naming
// the file, the line and the key, before any container starts.
func ParseFile(name string) ([]Probe, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("probe file: %w", err)
	}
	return parseFile(name, data)
}

// fileKinds are the keys that name an entry's kind, with the other keys
// each kind takes.
var fileKinds = map[string][]string{
	"http":    {"headers", "body", "body_file", "json", "status", "capture"},
	"tcp":     {"send", "expect"},
	"cmd":     nil,
	"exec":    nil,
	"script":  nil,
	"wait":    nil,
	"openapi": {"port"},
}

var (
	httpMethod  = regexp.MustCompile(`^[A-Z]+$`)
	captureName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	placeholder = regexp.MustCompile(`\$\{([^}]*)\}`)
)

// fileError is a mistake at a line of a probe file.
func fileError(name string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("probe file %s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
}

func parseFile(name string, data []byte) ([]Probe, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("probe file %s: %v", name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("probe file %s: no probes in it", name)
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fileError(name, list, "want a list of probes (each entry starting with \"- http:\", \"- cmd:\"...)")
	}
	if len(list.Content) == 0 {
		return nil, fmt.Errorf("probe file %s: no probes in it", name)
	}
	dir := filepath.Dir(name)
	captured := map[string]bool{}
	var probes []Probe
	for _, entry := range list.Content {
		ps, err := parseEntry(name, dir, entry, captured)
		if err != nil {
			return nil, err
		}
		probes = append(probes, ps...)
	}
	return probes, nil
}

// parseEntry reads one entry (an openapi file gives several probes).
func parseEntry(name, dir string, entry *yaml.Node, captured map[string]bool) ([]Probe, error) {
	if entry.Kind != yaml.MappingNode {
		return nil, fileError(name, entry, "a probe is a mapping such as \"http: 80/\", not %s", kindName(entry))
	}
	fields := map[string]*yaml.Node{}
	keyNode := map[string]*yaml.Node{}
	kind := ""
	for i := 0; i+1 < len(entry.Content); i += 2 {
		k, v := entry.Content[i], entry.Content[i+1]
		if _, dup := fields[k.Value]; dup {
			return nil, fileError(name, k, "%s given twice", k.Value)
		}
		fields[k.Value], keyNode[k.Value] = v, k
		if _, ok := fileKinds[k.Value]; ok {
			if kind != "" {
				return nil, fileError(name, k, "one probe per entry: %s and %s (start another with \"- %s:\")", kind, k.Value, k.Value)
			}
			kind = k.Value
		}
	}
	if kind == "" {
		return nil, fileError(name, entry, "no kind of probe: want one of http, tcp, cmd, exec, script, wait, openapi")
	}
	for k := range fields {
		if k != kind && !slices.Contains(fileKinds[kind], k) {
			want := "nothing else"
			if len(fileKinds[kind]) > 0 {
				want = strings.Join(fileKinds[kind], ", ")
			}
			return nil, fileError(name, keyNode[k], "%s: unknown key %q (%s probes take %s)", kind, k, kind, want)
		}
	}
	v := fields[kind]
	str := func(key string, n *yaml.Node) (string, error) {
		if n.Kind != yaml.ScalarNode {
			return "", fileError(name, n, "%s: want text, not %s", key, kindName(n))
		}
		return n.Value, nil
	}
	words := func(n *yaml.Node) ([]string, error) {
		if n.Kind == yaml.SequenceNode {
			var ws []string
			if err := n.Decode(&ws); err != nil {
				return nil, fileError(name, n, "%s: want a list of words: %v", kind, err)
			}
			return ws, nil
		}
		s, err := str(kind, n)
		if err != nil {
			return nil, err
		}
		ws, err := SplitWords(s)
		if err != nil {
			return nil, fileError(name, n, "%s %q: %v", kind, s, err)
		}
		return ws, nil
	}
	switch kind {
	case "exec", "cmd":
		ws, err := words(v)
		if err != nil {
			return nil, err
		}
		if kind == "cmd" && len(ws) == 0 {
			return nil, fileError(name, v, "cmd: no command given")
		}
		return []Probe{{Kind: Kind(kind), Args: ws}}, nil
	case "script":
		s, err := str(kind, v)
		if err != nil {
			return nil, err
		}
		p, err := ParseScript(relTo(dir, s))
		if err != nil {
			return nil, fileError(name, v, "%v", err)
		}
		return []Probe{p}, nil
	case "wait":
		s, err := str(kind, v)
		if err != nil {
			return nil, err
		}
		p, err := ParseWait(s)
		if err != nil {
			return nil, fileError(name, v, "%v", err)
		}
		return []Probe{p}, nil
	case "tcp":
		s, err := str(kind, v)
		if err != nil {
			return nil, err
		}
		p, err := ParseTCP(s, "", "")
		if err != nil {
			return nil, fileError(name, v, "%v", err)
		}
		for key, dst := range map[string]*[]byte{"send": &p.Send, "expect": &p.Expect} {
			if n := fields[key]; n != nil {
				s, err := str(key, n)
				if err != nil {
					return nil, err
				}
				*dst = []byte(s)
			}
		}
		return []Probe{p}, nil
	case "openapi":
		s, err := str(kind, v)
		if err != nil {
			return nil, err
		}
		return parseOpenAPIEntry(name, dir, s, v, fields["port"])
	}
	return parseHTTPEntry(name, dir, v, fields, captured)
}

func parseHTTPEntry(name, dir string, v *yaml.Node, fields map[string]*yaml.Node, captured map[string]bool) ([]Probe, error) {
	if v.Kind != yaml.ScalarNode {
		return nil, fileError(name, v, "http: want [METHOD] PORT/PATH, not %s", kindName(v))
	}
	method, target := "GET", v.Value
	if m, rest, ok := strings.Cut(v.Value, " "); ok {
		method, target = m, strings.TrimSpace(rest)
	}
	if !httpMethod.MatchString(method) {
		return nil, fileError(name, v, "http: bad method %q (want GET, POST, PUT, DELETE, PATCH... in capitals)", method)
	}
	p, err := ParseHTTP(target)
	if err != nil {
		return nil, fileError(name, v, "%v", err)
	}
	p.Method = method
	if err := checkPlaceholders(name, v, p.Path, captured); err != nil {
		return nil, err
	}
	if n := fields["headers"]; n != nil {
		if n.Kind != yaml.MappingNode {
			return nil, fileError(name, n, "headers: want a mapping of NAME: VALUE")
		}
		p.Header = map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, hv := n.Content[i], n.Content[i+1]
			if hv.Kind != yaml.ScalarNode || k.Value == "" || strings.ContainsAny(k.Value, " :\r\n") {
				return nil, fileError(name, k, "headers: want NAME: VALUE, with a name of one word")
			}
			if err := checkPlaceholders(name, hv, hv.Value, captured); err != nil {
				return nil, err
			}
			p.Header[k.Value] = hv.Value
		}
	}
	bodies := 0
	for _, key := range []string{"body", "body_file", "json"} {
		n := fields[key]
		if n == nil {
			continue
		}
		if bodies++; bodies > 1 {
			return nil, fileError(name, n, "http: one of body, body_file and json, not several")
		}
		switch key {
		case "body":
			if n.Kind != yaml.ScalarNode {
				return nil, fileError(name, n, "body: want text (json: takes a structure)")
			}
			p.Body = []byte(n.Value)
		case "body_file":
			if n.Kind != yaml.ScalarNode {
				return nil, fileError(name, n, "body_file: want a file name")
			}
			b, err := os.ReadFile(relTo(dir, n.Value))
			if err != nil {
				return nil, fileError(name, n, "body_file: %v", err)
			}
			p.Body = b
		case "json":
			var val any
			if err := n.Decode(&val); err != nil {
				return nil, fileError(name, n, "json: %v", err)
			}
			b, err := json.Marshal(val)
			if err != nil {
				return nil, fileError(name, n, "json: %v (keys must be text)", err)
			}
			p.Body = b
			if !hasHeader(p.Header, "Content-Type") {
				if p.Header == nil {
					p.Header = map[string]string{}
				}
				p.Header["Content-Type"] = "application/json"
			}
		}
		if err := checkPlaceholders(name, n, string(p.Body), captured); err != nil {
			return nil, err
		}
	}
	if n := fields["status"]; n != nil {
		st, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil || st < 100 || st > 599 {
			return nil, fileError(name, n, "status: want an HTTP status from 100 to 599, not %q", n.Value)
		}
		p.Status = st
	}
	if n := fields["capture"]; n != nil {
		if n.Kind != yaml.MappingNode {
			return nil, fileError(name, n, "capture: want a mapping of NAME: JSON path, such as id: $.id")
		}
		p.Capture = map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, pv := n.Content[i], n.Content[i+1]
			if !captureName.MatchString(k.Value) {
				return nil, fileError(name, k, "capture: %q is not a name (letters, digits, _)", k.Value)
			}
			if _, err := parseJSONPath(pv.Value); pv.Kind != yaml.ScalarNode || err != nil {
				return nil, fileError(name, pv, "capture %s: %v", k.Value, err)
			}
			p.Capture[k.Value] = pv.Value
			captured[k.Value] = true
		}
	}
	return []Probe{p}, nil
}

// checkPlaceholders refuses a ${NAME} that no earlier probe captures:
// found at run time, it would be a failure of the original minutes in.
func checkPlaceholders(name string, n *yaml.Node, text string, captured map[string]bool) error {
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !captured[m[1]] {
			return fileError(name, n, "${%s}: no earlier probe captures %s (capture: {%s: $.PATH})", m[1], m[1], m[1])
		}
	}
	return nil
}

// parseOpenAPIEntry reads "openapi: PORT/PATH" (the document is asked
// of the server, and its operations follow) or "openapi: FILE" with
// "port: PORT" (its operations are read now).
func parseOpenAPIEntry(name, dir, value string, v, portNode *yaml.Node) ([]Probe, error) {
	if p, err := ParseHTTP(value); err == nil && portNode == nil {
		p.Kind = KindOpenAPI
		return []Probe{p}, nil
	}
	if portNode == nil {
		return nil, fileError(name, v, "openapi: want PORT/PATH (the document on the server), or a file with port: PORT")
	}
	port, err := strconv.Atoi(portNode.Value)
	if err != nil || port < 1 || port > 65535 {
		return nil, fileError(name, portNode, "port: want a port from 1 to 65535, not %q", portNode.Value)
	}
	file := relTo(dir, value)
	doc, err := os.ReadFile(file)
	if err != nil {
		return nil, fileError(name, v, "openapi: %v", err)
	}
	ps, err := openAPIProbes(doc, port, filepath.Base(file))
	if err != nil {
		return nil, fileError(name, v, "%v", err)
	}
	if len(ps) == 0 {
		return nil, fileError(name, v, "openapi %s: no GET operation that needs no made-up parameter", value)
	}
	return ps, nil
}

// ParseOpenAPI parses the value of --probe-openapi: PORT/PATH, a document
// the server serves, or PORT:FILE, a document on this machine.
func ParseOpenAPI(s string) ([]Probe, error) {
	if p, err := ParseHTTP(s); err == nil && strings.Contains(s, "/") {
		p.Kind = KindOpenAPI
		return []Probe{p}, nil
	}
	port, file, ok := strings.Cut(s, ":")
	n, err := strconv.Atoi(port)
	if !ok || err != nil || n < 1 || n > 65535 || file == "" {
		return nil, fmt.Errorf("probe openapi %q: want PORT/PATH (served) or PORT:FILE", s)
	}
	doc, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("probe openapi: %w", err)
	}
	ps, err := openAPIProbes(doc, n, filepath.Base(file))
	if err == nil && len(ps) == 0 {
		err = fmt.Errorf("probe openapi %s: no GET operation that needs no made-up parameter", file)
	}
	return ps, err
}

func relTo(dir, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(dir, file)
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a value"
}
