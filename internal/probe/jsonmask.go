package probe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

func bothJSON(a, b []byte) (any, any, bool) {
	ja, errA := decodeJSON(a)
	jb, errB := decodeJSON(b)
	return ja, jb, errA == nil && errB == nil
}

// decodeJSON decodes an object or array (a scalar answer is text),
// keeping numbers as they were written.
func decodeJSON(b []byte) (any, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 || (t[0] != '{' && t[0] != '[') {
		return nil, fmt.Errorf("not a JSON object or array")
	}
	d := json.NewDecoder(bytes.NewReader(t))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// jsonNoise adds to paths where a and b differ: a value, a key present in
// one only, an array whose length changed. Indexes are [*]: the id of
// every item of a list is noise when any is.
func jsonNoise(a, b any, at []jsonStep, paths *[]string) {
	add := func(p []jsonStep) {
		s := jsonPathString(p)
		for _, x := range *paths {
			if x == s {
				return
			}
		}
		*paths = append(*paths, s)
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			add(at)
			return
		}
		for _, k := range sortedKeys(av) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			if bx, ok := bv[k]; ok {
				jsonNoise(av[k], bx, child, paths)
			} else {
				add(child)
			}
		}
		for _, k := range sortedKeys(bv) {
			if _, ok := av[k]; !ok {
				add(append(at[:len(at):len(at)], jsonStep{key: k}))
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			add(at)
			return
		}
		child := append(at[:len(at):len(at)], jsonStep{index: anyIndex})
		for i := range av {
			jsonNoise(av[i], bv[i], child, paths)
		}
	default:
		if !reflect.DeepEqual(a, b) {
			add(at)
		}
	}
}

// jsonMatch compares a and b outside the masked paths; at is "" when
// they match, else the first path where they do not, with the two sides.
func jsonMatch(a, b any, at []jsonStep, masks map[string]bool) (string, string, string) {
	here := jsonPathString(at)
	if masks[here] {
		return "", "", ""
	}
	show := func(v any) string {
		s, _ := json.Marshal(v)
		return excerpt(s, 200)
	}
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return here, show(a), show(b)
		}
		for _, k := range sortedKeys(av) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			bx, ok := bv[k]
			switch {
			case ok:
				if p, x, y := jsonMatch(av[k], bx, child, masks); p != "" {
					return p, x, y
				}
			case !masks[jsonPathString(child)]:
				return jsonPathString(child), show(av[k]), "missing"
			}
		}
		for _, k := range sortedKeys(bv) {
			child := append(at[:len(at):len(at)], jsonStep{key: k})
			if _, ok := av[k]; !ok && !masks[jsonPathString(child)] {
				return jsonPathString(child), "missing", show(bv[k])
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return here, show(a), show(b)
		}
		child := append(at[:len(at):len(at)], jsonStep{index: anyIndex})
		for i := range av {
			if p, x, y := jsonMatch(av[i], bv[i], child, masks); p != "" {
				return strings.Replace(p, jsonPathString(child), jsonPathString(append(at[:len(at):len(at)], jsonStep{index: i})), 1), x, y
			}
		}
	default:
		if !reflect.DeepEqual(a, b) {
			return here, show(a), show(b)
		}
	}
	return "", "", ""
}
