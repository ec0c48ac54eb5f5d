package probe

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v4"
)

// openAPIProbes reads an OpenAPI document (3.x, or Swagger 2.0; JSON or
// YAML) and returns a GET probe on port for each operation that can be
// asked without inventing anything: every required parameter has an
// example (in the parameter, its schema, or its first examples entry),
// which fills its place in the path or the query. Operations that take
// other methods change state, and are the probe file's to ask. from
// names the document in the probes' From.
func openAPIProbes(doc []byte, port int, from string) ([]Probe, error) {
	var spec struct {
		OpenAPI  string `yaml:"openapi"`
		Swagger  string `yaml:"swagger"`
		BasePath string `yaml:"basePath"`
		Servers  []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
		Paths      map[string]map[string]any `yaml:"paths"`
		Components struct {
			Parameters map[string]map[string]any `yaml:"parameters"`
		} `yaml:"components"`
		Parameters map[string]map[string]any `yaml:"parameters"` // Swagger 2.0
	}
	if err := yaml.Unmarshal(doc, &spec); err != nil {
		return nil, fmt.Errorf("OpenAPI document %s: %v", from, err)
	}
	if spec.OpenAPI == "" && spec.Swagger == "" {
		return nil, fmt.Errorf("OpenAPI document %s: no openapi or swagger version field: not an OpenAPI document", from)
	}
	prefix := strings.TrimSuffix(spec.BasePath, "/")
	if len(spec.Servers) > 0 {
		if u, err := url.Parse(spec.Servers[0].URL); err == nil {
			prefix = strings.TrimSuffix(u.Path, "/")
		}
	}
	refs := spec.Components.Parameters
	if refs == nil {
		refs = spec.Parameters
	}
	resolve := func(p any) map[string]any {
		m, _ := p.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			i := strings.LastIndexByte(ref, '/')
			return refs[ref[i+1:]]
		}
		return m
	}
	var probes []Probe
	for _, path := range sortedKeys(spec.Paths) {
		item := spec.Paths[path]
		get, ok := item["get"].(map[string]any)
		if !ok {
			continue
		}
		var params []any
		if ps, ok := item["parameters"].([]any); ok {
			params = append(params, ps...)
		}
		if ps, ok := get["parameters"].([]any); ok {
			params = append(params, ps...)
		}
		target, query, ok := fillParams(path, params, resolve)
		if !ok {
			continue
		}
		if query != "" {
			target += "?" + query
		}
		probes = append(probes, Probe{Kind: KindHTTP, Port: port, Path: prefix + target, From: "OpenAPI " + from})
	}
	return probes, nil
}

// fillParams puts the examples of an operation's parameters into its
// path and query; ok is false when a required one has no example, or a
// header or cookie parameter is required (the probe would have to make
// its value up).
func fillParams(path string, params []any, resolve func(any) map[string]any) (string, string, bool) {
	q := url.Values{}
	for _, raw := range params {
		p := resolve(raw)
		if p == nil {
			return "", "", false
		}
		name, _ := p["name"].(string)
		in, _ := p["in"].(string)
		required, _ := p["required"].(bool)
		ex, has := example(p)
		if !has {
			if required || in == "path" {
				return "", "", false
			}
			continue
		}
		switch in {
		case "path":
			path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(ex))
		case "query":
			q.Add(name, ex)
		default:
			if required {
				return "", "", false
			}
		}
	}
	if strings.Contains(path, "{") {
		return "", "", false
	}
	return path, q.Encode(), true // Encode sorts by key
}

// example is a parameter's example value as text: its example, its
// schema's example or default, or its first examples entry's value.
func example(p map[string]any) (string, bool) {
	if v, ok := p["example"]; ok {
		return scalar(v)
	}
	if s, ok := p["schema"].(map[string]any); ok {
		if v, ok := s["example"]; ok {
			return scalar(v)
		}
	}
	if exs, ok := p["examples"].(map[string]any); ok {
		for _, k := range sortedKeys(exs) {
			if e, ok := exs[k].(map[string]any); ok {
				if v, ok := e["value"]; ok {
					return scalar(v)
				}
			}
		}
	}
	return "", false
}

func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v), true
	}
	return "", false
}
