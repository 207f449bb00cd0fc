// Package router matches request paths against an API Gateway resource tree:
// static path parts, one {param} per level and a greedy {proxy+} that must be
// last. It knows nothing of methods beyond a caller-supplied predicate, so the
// gateway can ask "the most specific resource that has this method".
package router

import (
	"fmt"
	"slices"
	"strings"
)

// Tree is a resource tree holding one value per resource. It is built once at
// load time and only read afterwards, so lookups take no locks.
type Tree[T any] struct {
	root node[T]
}

type node[T any] struct {
	part     string // the path part as declared ("users", "{id}", "{proxy+}")
	static   map[string]*node[T]
	param    *node[T] // {name}
	greedy   *node[T] // {name+}
	name     string   // parameter name for param and greedy nodes
	value    T
	hasValue bool
}

// Param is one matched path parameter. Values are not percent-decoded.
type Param struct {
	Name, Value string
}

// Params collects the parameters of one match; reuse it across lookups.
type Params []Param

// SplitPath splits a resource path such as "/users/{id}" into parts.
// The root is "/" and has no parts.
func SplitPath(path string) []string {
	var parts []string
	for _, p := range strings.Split(path, "/") {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// kind reports what a declared path part is.
func kind(part string) (name string, param, greedy bool) {
	if len(part) > 2 && part[0] == '{' && part[len(part)-1] == '}' {
		inner := part[1 : len(part)-1]
		if strings.HasSuffix(inner, "+") {
			return inner[:len(inner)-1], false, true
		}
		return inner, true, false
	}
	return "", false, false
}

// ValidatePart checks one PathPart as API Gateway does.
func ValidatePart(part string) error {
	if part == "" {
		return fmt.Errorf("path part is empty")
	}
	name, param, greedy := kind(part)
	if param || greedy {
		if name == "" {
			return fmt.Errorf("path part %q has an empty parameter name", part)
		}
		for _, c := range name {
			if !(c == '_' || c == '-' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return fmt.Errorf("path part %q: parameter names may hold letters, digits, '-', '_' and '.'", part)
			}
		}
		return nil
	}
	for _, c := range part {
		if c == '/' || c == '{' || c == '}' || c == '?' || c == '#' || c == '%' || c < 0x21 || c == 0x7f {
			return fmt.Errorf("path part %q holds %q, which API Gateway does not allow in a path part", part, c)
		}
	}
	return nil
}

// Insert adds a value at a resource path. Intermediate resources are created
// without values. It refuses what API Gateway refuses: a child under a greedy
// part, two different {param} names at one level, duplicates.
func (t *Tree[T]) Insert(path string, v T) error {
	n := &t.root
	parts := SplitPath(path)
	for i, part := range parts {
		if err := ValidatePart(part); err != nil {
			return err
		}
		if i > 0 && isGreedy(parts[i-1]) {
			return fmt.Errorf("cannot create a child of a resource with a greedy path variable: %s", parts[i-1])
		}
		name, param, greedy := kind(part)
		switch {
		case greedy:
			if i != len(parts)-1 {
				return fmt.Errorf("greedy path part %s must be the last part of %s", part, path)
			}
			if n.greedy != nil && n.greedy.name != name {
				return fmt.Errorf("a sibling (%s) of %s already has a greedy path part; only one is allowed", n.greedy.part, part)
			}
			if n.greedy == nil {
				n.greedy = &node[T]{part: part, name: name}
			}
			n = n.greedy
		case param:
			if n.param != nil && n.param.name != name {
				return fmt.Errorf("a sibling (%s) of %s already has a variable path part; only one is allowed", n.param.part, part)
			}
			if n.param == nil {
				n.param = &node[T]{part: part, name: name}
			}
			n = n.param
		default:
			if n.static == nil {
				n.static = make(map[string]*node[T])
			}
			c := n.static[part]
			if c == nil {
				c = &node[T]{part: part}
				n.static[part] = c
			}
			n = c
		}
	}
	if n.hasValue {
		return fmt.Errorf("resource path %s is declared twice", canonical(parts))
	}
	n.value, n.hasValue = v, true
	return nil
}

func isGreedy(part string) bool { _, _, g := kind(part); return g }

func canonical(parts []string) string { return "/" + strings.Join(parts, "/") }

// Lookup finds the most specific resource for path that accept takes: at each
// level a static part before {param} before {proxy+}, backing up to a less
// specific sibling when the more specific branch has no accepted resource
// (API Gateway routes on the resource and method together). Empty segments
// and a trailing slash are ignored for matching; a greedy parameter's value
// is the rest of the path as sent, without the trailing slash.
// Params are appended to *ps (reset by the caller).
func (t *Tree[T]) Lookup(path string, accept func(T) bool, ps *Params) (T, bool) {
	mark := len(*ps)
	if v, ok := t.root.match(path, accept, ps); ok {
		return v, true
	}
	*ps = (*ps)[:mark]
	var zero T
	return zero, false
}

// nextSegment returns the next non-empty segment of p and the rest after it.
func nextSegment(p string) (seg, rest string, ok bool) {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	if p == "" {
		return "", "", false
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return p, "", true
	}
	return p[:i], p[i:], true
}

func (n *node[T]) match(p string, accept func(T) bool, ps *Params) (T, bool) {
	seg, rest, ok := nextSegment(p)
	if !ok {
		if n.hasValue && accept(n.value) {
			return n.value, true
		}
		var zero T
		return zero, false
	}
	if c := n.static[seg]; c != nil {
		if v, ok := c.match(rest, accept, ps); ok {
			return v, true
		}
	}
	if c := n.param; c != nil {
		mark := len(*ps)
		*ps = append(*ps, Param{Name: c.name, Value: seg})
		if v, ok := c.match(rest, accept, ps); ok {
			return v, true
		}
		*ps = (*ps)[:mark]
	}
	if c := n.greedy; c != nil && c.hasValue && accept(c.value) {
		// The greedy value starts at this segment and keeps inner empty
		// segments as sent; only the trailing slash goes.
		start := strings.TrimLeft(p, "/")
		start = strings.TrimRight(start, "/")
		*ps = append(*ps, Param{Name: c.name, Value: start})
		return c.value, true
	}
	var zero T
	return zero, false
}

// Walk calls fn for every resource that has a value, in path order
// (static parts sorted, then {param}, then {proxy+}).
func (t *Tree[T]) Walk(fn func(path string, v T)) {
	t.root.walk("", fn)
}

func (n *node[T]) walk(prefix string, fn func(string, T)) {
	path := prefix
	if path == "" {
		path = "/"
	}
	if n.hasValue {
		fn(path, n.value)
	}
	keys := make([]string, 0, len(n.static))
	for k := range n.static {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		n.static[k].walk(prefix+"/"+k, fn)
	}
	if n.param != nil {
		n.param.walk(prefix+"/"+n.param.part, fn)
	}
	if n.greedy != nil {
		n.greedy.walk(prefix+"/"+n.greedy.part, fn)
	}
}
