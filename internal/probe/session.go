package probe

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// session is what the http probes of one run share, as one client
// keeps it between its requests: the values captured from answers (an id
// the server chose, used in the next request's path) and the cookies the
// server set (a session). Each run starts a new one, so that the traced
// run, the verify and a second run of the original each ask with their
// own server's values.
type session struct {
	vars    map[string]string
	cookies map[string]string
}

func newSession() *session {
	return &session{vars: map[string]string{}, cookies: map[string]string{}}
}

// request is p's request with the captured values in place of their
// ${NAME} and the cookies set so far.
func (s *session) request(p Probe) (Request, error) {
	req := Request{Kind: "http", Port: p.Port, Method: p.Method}
	var err error
	if req.Path, err = s.expand(p.Path); err != nil {
		return req, err
	}
	if p.Body != nil {
		body, err := s.expand(string(p.Body))
		if err != nil {
			return req, err
		}
		req.Body = []byte(body)
	}
	if len(p.Header) > 0 || len(s.cookies) > 0 {
		req.Header = map[string]string{}
	}
	for k, v := range p.Header {
		if req.Header[k], err = s.expand(v); err != nil {
			return req, err
		}
	}
	if len(s.cookies) > 0 {
		if _, set := req.Header["Cookie"]; !set {
			names := make([]string, 0, len(s.cookies))
			for n := range s.cookies {
				names = append(names, n)
			}
			sort.Strings(names)
			var parts []string
			for _, n := range names {
				parts = append(parts, n+"="+s.cookies[n])
			}
			req.Header["Cookie"] = strings.Join(parts, "; ")
		}
	}
	return req, nil
}

// expand replaces each ${NAME} of text with the value captured as NAME.
// Only that form is read: a JSON body's "$ref" or a shell's $HOME stay.
func (s *session) expand(text string) (string, error) {
	var missing string
	out := placeholder.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := s.vars[name]
		if !ok && missing == "" {
			missing = name
		}
		return v
	})
	if missing != "" {
		return "", fmt.Errorf("${%s}: no earlier probe captured %s", missing, missing)
	}
	return out, nil
}

// answer fills o from the helper's answer, keeps the cookies it sets,
// and captures the values o's probe names.
func (s *session) answer(o *Outcome, a Answer) {
	o.Status, o.Body, o.ContentType, o.Location, o.Error = a.Status, a.Body, a.ContentType, a.Location, a.Error
	for _, line := range a.SetCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			continue
		}
		if c.MaxAge < 0 {
			delete(s.cookies, c.Name)
		} else {
			s.cookies[c.Name] = c.Value
		}
	}
	if o.Error != "" || len(o.Probe.Capture) == 0 {
		return
	}
	var doc any
	if err := json.Unmarshal(a.Body, &doc); err != nil {
		o.Error = fmt.Sprintf("capturing %s: the answer is not JSON (%v)", captureNames(o.Probe.Capture), err)
		return
	}
	for _, name := range sortedKeys(o.Probe.Capture) {
		path := o.Probe.Capture[name]
		v, err := lookupJSON(doc, path)
		if err != nil {
			o.Error = fmt.Sprintf("capturing %s: %v", name, err)
			return
		}
		s.vars[name] = v
	}
}

func captureNames(m map[string]string) string { return strings.Join(sortedKeys(m), ", ") }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// lookupJSON is the value at path ($.a.b[0].c) of a decoded JSON
// document, as text: a string as it is, anything else as JSON.
func lookupJSON(doc any, path string) (string, error) {
	steps, err := parseJSONPath(path)
	if err != nil {
		return "", err
	}
	v := doc
	for _, st := range steps {
		switch {
		case st.key != "":
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("%s: no object at .%s", path, st.key)
			}
			if v, ok = m[st.key]; !ok {
				return "", fmt.Errorf("%s: the answer has no %q", path, st.key)
			}
		case st.index == anyIndex:
			return "", fmt.Errorf("%s: [*] names many values, a capture one", path)
		default:
			a, ok := v.([]any)
			if !ok || st.index >= len(a) {
				return "", fmt.Errorf("%s: no element [%d]", path, st.index)
			}
			v = a[st.index]
		}
	}
	if str, ok := v.(string); ok {
		return str, nil
	}
	b, _ := json.Marshal(v)
	return string(b), nil
}

// A jsonStep is one step of a JSON path: a key, an index, or [*].
type jsonStep struct {
	key   string
	index int
}

const anyIndex = -1

// parseJSONPath reads the JSON paths of captures and masks: $ then .key,
// ["key"] and [N] or [*] steps.
func parseJSONPath(path string) ([]jsonStep, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("JSON path %q: want one starting with $, such as $.id", path)
	}
	var steps []jsonStep
	rest := path[1:]
	for rest != "" {
		switch rest[0] {
		case '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key := rest[1 : 1+end]
			if key == "" {
				return nil, fmt.Errorf("JSON path %q: empty key", path)
			}
			steps = append(steps, jsonStep{key: key})
			rest = rest[1+end:]
		case '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("JSON path %q: [ without ]", path)
			}
			in := rest[1:end]
			rest = rest[end+1:]
			switch {
			case in == "*":
				steps = append(steps, jsonStep{index: anyIndex})
			case len(in) >= 2 && in[0] == '"':
				var key string
				if err := json.Unmarshal([]byte(in), &key); err != nil || key == "" {
					return nil, fmt.Errorf("JSON path %q: bad key %s", path, in)
				}
				steps = append(steps, jsonStep{key: key})
			default:
				n := 0
				for _, c := range in {
					if c < '0' || c > '9' || n > 1<<24 {
						return nil, fmt.Errorf("JSON path %q: bad index [%s]", path, in)
					}
					n = n*10 + int(c-'0')
				}
				if in == "" {
					return nil, fmt.Errorf("JSON path %q: empty []", path)
				}
				steps = append(steps, jsonStep{index: n})
			}
		default:
			return nil, fmt.Errorf("JSON path %q: unexpected %q", path, rest[:1])
		}
	}
	return steps, nil
}

// jsonPathString writes steps back as a path: $.items[*].id, with a key
// that is not a plain name quoted ($["a b"]).
func jsonPathString(steps []jsonStep) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, st := range steps {
		switch {
		case st.key != "" && plainKey(st.key):
			b.WriteString("." + st.key)
		case st.key != "":
			q, _ := json.Marshal(st.key)
			b.WriteString("[" + string(q) + "]")
		case st.index == anyIndex:
			b.WriteString("[*]")
		default:
			fmt.Fprintf(&b, "[%d]", st.index)
		}
	}
	return b.String()
}

func plainKey(k string) bool {
	for i, c := range k {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return k != ""
}
