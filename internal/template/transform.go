package template

import (
	"fmt"
	"strings"
)

// Transforms (CloudFormation macros) that apigw runs itself are passes
// between reading the template and resolving it. CloudFormation's order is
// kept: Fn::Transform calls from the most deeply nested outward, then the
// Transform section's transforms in the order listed. A transform that is
// not registered stays an error: macros run only inside CloudFormation.
//
// A pass is registered by its transform name:
//
//	registerTransform("AWS::Include", transformPass{run: includePass})
//	registerTransform("AWS::Serverless-2016-10-31", transformPass{run: samPass, sectionOnly: true})
type transformPass struct {
	// run processes frag, the template content the transform sees, and
	// returns what replaces it, or nil after reporting why it cannot. For
	// the Transform section, frag is the whole template without its
	// Transform section; for Fn::Transform, it is the map that holds the call
	// without the Fn::Transform key (an empty map when the key was alone).
	// frag is shared: run returns a new node rather than change it.
	run func(s *state, call *transformCall, frag *node) *node
	// sectionOnly: the transform processes whole templates and can only be
	// named in the Transform section (as SAM's).
	sectionOnly bool
}

// transformCall is one transform to run and where it was named.
type transformCall struct {
	name   string
	params *node // the Parameters map (nil when there is none)
	pos    *node // where the call is, for errors: Fn::Transform or the Transform section
	posW   where // what errors at pos (and in the parameters) name
	index  int   // where the call is among frag's entries: what the transform adds goes there
	w      where // where frag is, for errors
}

// transforms holds the registered passes by transform name.
var transforms = map[string]transformPass{}

func registerTransform(name string, p transformPass) {
	if _, dup := transforms[name]; dup {
		panic("template: transform " + name + " registered twice")
	}
	transforms[name] = p
}

// transformCalls reads the value of the Transform section or of
// Fn::Transform: a name, a {Name, Parameters} map, or a list of them. unknown
// lists the names no pass is registered for; ok is false when the value has
// another shape.
func transformCalls(v, pos *node) (calls []*transformCall, unknown []string, ok bool) {
	items := []*node{v}
	if v.kind == nSeq {
		items = v.items
	}
	ok = len(items) > 0
	for _, it := range items {
		c := &transformCall{pos: pos}
		switch {
		case it.isString() && it.text != "":
			c.name = it.text
		case it.kind == nMap && it.get("Name").isString() && it.get("Name").text != "":
			c.name = it.get("Name").text
			c.params = it.get("Parameters")
		default:
			ok = false
			continue
		}
		if _, found := transforms[c.name]; !found {
			unknown = append(unknown, c.name)
		}
		calls = append(calls, c)
	}
	return calls, unknown, ok
}

// transformMessage is the error for a Transform section that names
// transforms apigw does not run (unknown), or that is not a name or a list.
func transformMessage(unknown []string, v *node) string {
	name := strings.Join(unknown, ", ")
	if name == "" {
		name = "(" + v.describe() + ")"
	}
	return fmt.Sprintf("Transform %s is not supported: transforms and macros run only inside CloudFormation", name)
}

// macroMessage is the error for an Fn::Transform that apigw leaves to
// CloudFormation (a macro, or a transform that runs on whole templates).
func macroMessage(arg *node) string {
	var names []string
	if arg != nil {
		calls, _, _ := transformCalls(arg, arg)
		for _, c := range calls {
			if c.name != "AWS::Include" {
				names = append(names, c.name)
			}
		}
	}
	if len(names) == 0 {
		return "Fn::Transform takes {Name: AWS::Include, Parameters: {Location: PATH}} (apigw runs no other transform), not " + argDescribe(arg)
	}
	return fmt.Sprintf("Fn::Transform %s is not supported: macros run only inside CloudFormation (apigw runs AWS::Include only); write what the macro produces into the template", strings.Join(names, ", "))
}

// runTransforms is the passes stage: it runs the template's Fn::Transform
// calls, then its Transform section. nil when the template cannot be
// resolved.
func (s *state) runTransforms(root *node) *node {
	te := root.entry("Transform")
	var calls []*transformCall
	if te != nil {
		var unknown []string
		var ok bool
		calls, unknown, ok = transformCalls(te.val, &node{file: te.file, line: te.line, col: te.col})
		if !ok || len(unknown) > 0 {
			s.checkSections(root)
			s.add(&Error{File: te.file, Line: te.line, Col: te.col, Property: "Transform", Msg: transformMessage(unknown, te.val)})
			return nil
		}
	}
	root = s.expand(root, where{})
	if s.aborted {
		return nil
	}
	samRan := false
	if te != nil {
		at := root.idx["Transform"]
		frag := withoutEntry(root, at)
		for _, c := range calls {
			samRan = samRan || c.name == samTransform
			c.index, c.w, c.posW = at, where{}, where{section: "Transform"}
			before := len(frag.ents)
			frag = transforms[c.name].run(s, c, frag)
			if frag == nil || s.aborted {
				return nil
			}
			if frag.kind != nMap {
				s.add(&Error{File: te.file, Line: te.line, Col: te.col, Property: "Transform", Msg: fmt.Sprintf("internal error: transform %s returned %s", c.name, frag.describe())})
				return nil
			}
			at += len(frag.ents) - before
		}
		root = frag
	}
	if !samRan && hasServerless(root) {
		// SAM's tools treat a template with AWS::Serverless::* resources
		// (or Globals) as SAM without the Transform line; so does apigw.
		s.notes = append(s.notes, "the template has AWS::Serverless::* resources but no Transform: AWS::Serverless-2016-10-31: apigw runs the SAM transform on it, as SAM's tools do")
		call := &transformCall{name: samTransform, posW: where{section: "Transform"}}
		if te != nil {
			call.pos = &node{file: te.file, line: te.line, col: te.col}
		} else {
			call.pos = &node{line: 1, col: 1}
		}
		root = samPass(s, call, root)
		if root == nil || s.aborted {
			return nil
		}
	}
	if root.size > maxNodes || root.depth > maxDepth {
		s.add(&Error{Msg: fmt.Sprintf("the template expands to more than %d values or %d levels once AWS::Include has inserted its files", maxNodes, maxDepth)})
		return nil
	}
	return root
}

// mapItems returns a list with f applied to each item: n itself when no
// item changes, else a copy (nodes are shared, so none is changed).
func mapItems(n *node, f func(i int, it *node) *node) *node {
	var items []*node // nil until an item changes
	for i, it := range n.items {
		x := f(i, it)
		if x != it && items == nil {
			items = append(make([]*node, 0, len(n.items)), n.items[:i]...)
		}
		if items != nil {
			items = append(items, x)
		}
	}
	if items == nil {
		return n
	}
	c := *n
	c.items = items
	c.resize()
	return &c
}

// mapValues is mapItems for the values of a map.
func mapValues(n *node, f func(e entry) *node) *node {
	var ents []entry // nil until a value changes
	for i, e := range n.ents {
		x := f(e)
		if x != e.val && ents == nil {
			ents = append(make([]entry, 0, len(n.ents)), n.ents[:i]...)
		}
		if ents != nil {
			e.val = x
			ents = append(ents, e)
		}
	}
	if ents == nil {
		return n
	}
	c := *n
	c.ents = ents
	c.resize()
	return &c
}

// expand runs the Fn::Transform calls in n, innermost first, and returns n,
// or a copy of n with what they produced in their place. Nodes are shared
// (YAML aliases), so none is changed.
func (s *state) expand(n *node, w where) *node {
	if s.aborted {
		return n
	}
	switch n.kind {
	case nSeq:
		return mapItems(n, func(i int, it *node) *node { return s.expand(it, w.index(i)) })
	case nMap:
		m := mapValues(n, func(e entry) *node {
			// The Transform section is run as a whole after the rest; what
			// Fn::Transform is given is passed on as written.
			if w.section == "" && e.key == "Transform" || e.key == "Fn::Transform" {
				return e.val
			}
			return s.expand(e.val, w.key(e.key))
		})
		if i, ok := m.idx["Fn::Transform"]; ok {
			e := m.ents[i]
			return s.fnTransform(m, withoutEntry(m, i), i, e.val, &node{file: e.file, line: e.line, col: e.col}, w)
		}
		return m
	case nFunc:
		if n.fn == "Fn::Transform" {
			empty := &node{kind: nMap, idx: map[string]int{}, file: n.file, line: n.line, col: n.col, size: 1, depth: 1}
			return s.fnTransform(n, empty, 0, n.arg, n, w)
		}
		aw := w
		aw.inFn = true
		arg := s.expand(n.arg, aw)
		if arg == n.arg {
			return n
		}
		c := *n
		c.arg = arg
		c.resize()
		return &c
	}
	return n
}

// fnTransform runs the transforms that an Fn::Transform names (arg) on frag,
// the map that holds it, and returns what replaces orig (the map, or the
// Fn::Transform call when it was alone). A call apigw does not run is left
// in place: evaluation reports it.
func (s *state) fnTransform(orig, frag *node, index int, arg, pos *node, w where) *node {
	calls, unknown, ok := transformCalls(arg, pos)
	runs := ok && len(unknown) == 0
	for _, c := range calls {
		runs = runs && !transforms[c.name].sectionOnly
	}
	if !runs {
		if orig.kind == nFunc {
			return orig // evaluation reports it where it is used
		}
		// Beside other keys, evaluation would take it for a property.
		if arg.kind != nInvalid {
			s.errWhere(pos.file, pos.line, pos.col, w, "%s", macroMessage(arg))
		}
		return frag
	}
	for _, c := range calls {
		c.index, c.w, c.posW = index, w, w
		before := len(frag.ents)
		out := transforms[c.name].run(s, c, frag)
		if out == nil {
			// Reported. The call's siblings stay, so that the rest of the
			// template is still checked; a call alone leaves nothing to check.
			if len(frag.ents) == 0 {
				return &node{kind: nInvalid, file: pos.file, line: pos.line, col: pos.col}
			}
			return frag
		}
		if out.kind != nMap {
			return out
		}
		frag = out
		index += len(frag.ents) - before
	}
	return frag
}

// withoutEntry returns a copy of map m without its i-th entry.
func withoutEntry(m *node, i int) *node {
	c := *m
	c.ents = append(append(make([]entry, 0, len(m.ents)-1), m.ents[:i]...), m.ents[i+1:]...)
	c.reindex()
	c.resize()
	return &c
}

// reindex rebuilds a map's key index.
func (n *node) reindex() {
	n.idx = make(map[string]int, len(n.ents))
	for i, e := range n.ents {
		n.idx[e.key] = i
	}
}

// resize computes the expanded size and depth of a node from its children.
func (n *node) resize() {
	n.size, n.depth = 1, 1
	switch n.kind {
	case nSeq:
		for _, it := range n.items {
			n.grow(it)
		}
	case nMap:
		for _, e := range n.ents {
			n.grow(e.val)
		}
	case nFunc:
		n.grow(n.arg)
	}
}
