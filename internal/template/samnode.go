package template

import "strconv"

// The SAM transform builds CloudFormation from the user's nodes. Nodes are
// immutable and may be shared, so what it edits (a DefinitionBody it adds
// paths and authorizers to, the resources it generates) is an mnode: a
// mutable copy whose maps and lists can change, turned back into nodes
// (freeze) once done. Every generated node carries a position in the user's
// template (the SAM resource, event or property it comes from), so that an
// error found later points there.

// mnode is a mutable node: a map or a list, or a leaf (n: a scalar, a
// function call, or a subtree kept as is).
type mnode struct {
	n     *node
	kind  nodeKind // nMap or nSeq when n is nil
	ents  []ment
	items []*mnode
	p     Pos
}

type ment struct {
	key string
	p   Pos
	val *mnode
}

func nodePos(n *node) Pos { return Pos{File: n.file, Line: n.line, Col: n.col} }

// leaf keeps n as it is.
func leaf(n *node) *mnode { return &mnode{n: n, p: nodePos(n)} }

func mmap(p Pos) *mnode { return &mnode{kind: nMap, p: p} }

func mseq(p Pos, items ...*mnode) *mnode { return &mnode{kind: nSeq, p: p, items: items} }

func scalarNode(p Pos, sk Kind, text string) *node {
	return &node{kind: nScalar, sk: sk, text: text, file: p.File, line: p.Line, col: p.Col, size: 1, depth: 1}
}

func mstr(p Pos, s string) *mnode { return leaf(scalarNode(p, String, s)) }

func mbool(p Pos, b bool) *mnode { return leaf(scalarNode(p, Bool, strconv.FormatBool(b))) }

func mnum(p Pos, s string) *mnode { return leaf(scalarNode(p, Number, s)) }

// fnNode is a call of an intrinsic function (long form).
func fnNode(p Pos, fn string, arg *node) *node {
	f := &node{kind: nFunc, fn: fn, arg: arg, file: p.File, line: p.Line, col: p.Col}
	f.resize()
	return f
}

func mfn(p Pos, fn string, arg *mnode) *mnode { return leaf(fnNode(p, fn, arg.freeze())) }

// mref is !Ref name.
func mref(p Pos, name string) *mnode { return mfn(p, "Ref", mstr(p, name)) }

// mgetatt is !GetAtt [name, attr].
func mgetatt(p Pos, name, attr string) *mnode {
	return mfn(p, "Fn::GetAtt", mseq(p, mstr(p, name), mstr(p, attr)))
}

// msub is !Sub text.
func msub(p Pos, text string) *mnode { return mfn(p, "Fn::Sub", mstr(p, text)) }

// thaw makes n mutable, deeply: maps and lists become mnodes, scalars and
// function calls stay leaves.
func thaw(n *node) *mnode {
	switch n.kind {
	case nMap:
		m := &mnode{kind: nMap, p: nodePos(n), ents: make([]ment, 0, len(n.ents))}
		for _, e := range n.ents {
			m.ents = append(m.ents, ment{key: e.key, p: e.pos(), val: thaw(e.val)})
		}
		return m
	case nSeq:
		m := &mnode{kind: nSeq, p: nodePos(n), items: make([]*mnode, 0, len(n.items))}
		for _, it := range n.items {
			m.items = append(m.items, thaw(it))
		}
		return m
	}
	return leaf(n)
}

// isMap: a map (mutable or a leaf that is one).
func (m *mnode) isMap() bool {
	return m != nil && (m.n == nil && m.kind == nMap || m.n != nil && m.n.kind == nMap)
}

func (m *mnode) isSeq() bool {
	return m != nil && (m.n == nil && m.kind == nSeq || m.n != nil && m.n.kind == nSeq)
}

// mutable turns a leaf map or list into a mutable one (one level).
func (m *mnode) mutable() *mnode {
	if m.n != nil && (m.n.kind == nMap || m.n.kind == nSeq) {
		t := thaw(m.n)
		*m = *t
	}
	return m
}

func (m *mnode) index(k string) int {
	if m == nil || !m.isMap() {
		return -1
	}
	m.mutable()
	for i := range m.ents {
		if m.ents[i].key == k {
			return i
		}
	}
	return -1
}

// get returns a map's value for k, or nil.
func (m *mnode) get(k string) *mnode {
	if i := m.index(k); i >= 0 {
		return m.ents[i].val
	}
	return nil
}

// set replaces the value of k (keeping its position) or adds k at the end.
func (m *mnode) set(k string, p Pos, v *mnode) *mnode {
	m.mutable()
	if i := m.index(k); i >= 0 {
		m.ents[i].val = v
		return v
	}
	m.ents = append(m.ents, ment{key: k, p: p, val: v})
	return v
}

func (m *mnode) del(k string) {
	if i := m.index(k); i >= 0 {
		m.ents = append(m.ents[:i], m.ents[i+1:]...)
	}
}

// child returns the map at k, made mutable, creating it (at p) when absent.
// nil when k holds something else than a map.
func (m *mnode) child(k string, p Pos) *mnode {
	c := m.get(k)
	if c == nil {
		return m.set(k, p, mmap(p))
	}
	if !c.isMap() {
		return nil
	}
	return c.mutable()
}

// list returns the items of a list (made mutable), nil when m is no list.
func (m *mnode) list() []*mnode {
	if !m.isSeq() {
		return nil
	}
	return m.mutable().items
}

func (m *mnode) keys() []string {
	if !m.isMap() {
		return nil
	}
	m.mutable()
	ks := make([]string, len(m.ents))
	for i, e := range m.ents {
		ks[i] = e.key
	}
	return ks
}

// str returns the text of a string scalar leaf.
func (m *mnode) str() (string, bool) {
	if m == nil || m.n == nil || !m.n.isString() {
		return "", false
	}
	return m.n.text, true
}

// freeze turns m back into nodes.
func (m *mnode) freeze() *node {
	if m.n != nil {
		return m.n
	}
	n := &node{kind: m.kind, file: m.p.File, line: m.p.Line, col: m.p.Col}
	switch m.kind {
	case nMap:
		n.ents = make([]entry, 0, len(m.ents))
		for _, e := range m.ents {
			n.ents = append(n.ents, entry{key: e.key, file: e.p.File, line: e.p.Line, col: e.p.Col, val: e.val.freeze()})
		}
		n.reindex()
	case nSeq:
		n.items = make([]*node, 0, len(m.items))
		for _, it := range m.items {
			n.items = append(n.items, it.freeze())
		}
	}
	n.resize()
	return n
}

// clone copies m deeply (leaves are shared: nodes are immutable).
func (m *mnode) clone() *mnode {
	if m == nil {
		return nil
	}
	if m.n != nil {
		return &mnode{n: m.n, p: m.p}
	}
	c := &mnode{kind: m.kind, p: m.p}
	for _, e := range m.ents {
		c.ents = append(c.ents, ment{key: e.key, p: e.p, val: e.val.clone()})
	}
	for _, it := range m.items {
		c.items = append(c.items, it.clone())
	}
	return c
}
