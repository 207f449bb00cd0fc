package websocket

import (
	"encoding/json"
	"fmt"
	"strings"
)

// selection is a compiled route selection expression: literal text and
// $request.body paths, evaluated against each message's JSON
// (AGW-DG: websocket-api-develop-routes, apigateway-websocket-api-selection-expressions).
type selection struct {
	parts []selectionPart
	// usesBody: the expression reads the body, so a message that is not
	// JSON goes to $default.
	usesBody bool
}

type selectionPart struct {
	literal string
	path    []string // $request.body.a.b -> ["a", "b"]; nil for a literal
}

// parseSelection compiles "$request.body.action",
// "${request.body.service}/${request.body.action}" or static text.
func parseSelection(expr string) (*selection, error) {
	s := &selection{}
	rest := expr
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, `\$`):
			s.literal("$")
			rest = rest[2:]
		case strings.HasPrefix(rest, "${"):
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("%q: ${ without }", expr)
			}
			if err := s.variable(rest[2:end]); err != nil {
				return nil, fmt.Errorf("%q: %v", expr, err)
			}
			rest = rest[end+1:]
		case strings.HasPrefix(rest, "$"):
			// $request.body.x runs to the end or to the next character
			// that cannot be in a path.
			end := strings.IndexAny(rest[1:], " /${}")
			v := rest[1:]
			if end >= 0 {
				v = rest[1 : 1+end]
			}
			if err := s.variable(v); err != nil {
				return nil, fmt.Errorf("%q: %v", expr, err)
			}
			rest = rest[1+len(v):]
		default:
			end := strings.IndexAny(rest, `$\`)
			if end < 0 {
				end = len(rest)
			} else if end == 0 {
				end = 1 // a lone backslash
			}
			s.literal(rest[:end])
			rest = rest[end:]
		}
	}
	return s, nil
}

func (s *selection) literal(t string) {
	if n := len(s.parts); n > 0 && s.parts[n-1].path == nil {
		s.parts[n-1].literal += t
		return
	}
	s.parts = append(s.parts, selectionPart{literal: t})
}

func (s *selection) variable(v string) error {
	p, ok := strings.CutPrefix(v, "request.body")
	if !ok {
		return fmt.Errorf("%s: only $request.body.* selects WebSocket routes", v)
	}
	p = strings.TrimPrefix(p, ".")
	var path []string
	if p != "" {
		path = strings.Split(p, ".")
	}
	s.parts = append(s.parts, selectionPart{path: append([]string{}, path...)})
	s.usesBody = true
	return nil
}

// eval evaluates the expression against a message; ok is false for a
// message that is not a JSON object when the expression reads the body.
func (s *selection) eval(msg []byte) (string, bool) {
	var body any
	if s.usesBody {
		var obj map[string]any
		if json.Unmarshal(msg, &obj) != nil || obj == nil {
			return "", false
		}
		body = obj
	}
	var b strings.Builder
	for _, p := range s.parts {
		if p.path == nil {
			b.WriteString(p.literal)
			continue
		}
		b.WriteString(stringify(lookup(body, p.path)))
	}
	return b.String(), true
}

func lookup(v any, path []string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// stringify renders a selected value: a missing one is "" (as API
// Gateway's), scalars as text, others as JSON.
func stringify(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64, bool:
		b, _ := json.Marshal(x)
		return string(b)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
