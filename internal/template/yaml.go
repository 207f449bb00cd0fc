package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Limits that keep hostile input (alias bombs, deep nesting) from taking
// unbounded time or memory.
const (
	maxNodes     = 1_000_000 // nodes in the template once aliases are expanded
	maxDepth     = 10_000    // nesting depth once aliases are expanded
	maxErrors    = 1000      // errors kept in one ErrorList
	maxProduced  = 128 << 20 // bytes of values and strings that evaluation may produce
	maxEvalDepth = 20_000    // nested evaluations (functions, references, conditions)
)

// nodeKind is the shape of a raw template node.
type nodeKind uint8

const (
	nInvalid nodeKind = iota // an error was reported where it was read
	nScalar
	nSeq
	nMap
	nFunc // an intrinsic function call: fn applied to arg
)

// node is the raw template, read from YAML or JSON: scalars with their kind,
// ordered maps, and intrinsic function calls (short tags and long forms alike).
// Nodes are immutable once read and may be shared (YAML aliases).
type node struct {
	kind nodeKind
	sk   Kind   // scalar kind (Null, Bool, Number, String)
	text string // scalar text
	// items of a sequence
	items []*node
	// entries of a map, in document order
	ents []entry
	idx  map[string]int
	// function call
	fn    string // "Ref", "Condition" or "Fn::Name"
	arg   *node
	short bool // written as a YAML tag (!Ref)

	// file is the file the node was read from: "" for the template itself,
	// else the path of a file that AWS::Include inserted.
	file      string
	line, col int

	// expanded size and depth (aliases counted each time they are used),
	// saturating above the limits
	size, depth int
}

type entry struct {
	key       string
	file      string // where the key was read ("" for the template itself)
	line, col int
	val       *node
}

// pos is where the key of the entry is written.
func (e *entry) pos() Pos { return Pos{File: e.file, Line: e.line, Col: e.col} }

// at is a node that only locates the key of the entry, for errors about the
// property it names.
func (e *entry) at() *node { return &node{kind: nInvalid, file: e.file, line: e.line, col: e.col} }

// get returns the value of a map entry, or nil.
func (n *node) get(key string) *node {
	if e := n.entry(key); e != nil {
		return e.val
	}
	return nil
}

func (n *node) entry(key string) *entry {
	if n == nil || n.kind != nMap {
		return nil
	}
	if i, ok := n.idx[key]; ok {
		return &n.ents[i]
	}
	return nil
}

func (n *node) isString() bool {
	return n != nil && n.kind == nScalar && n.sk == String
}

// describe names the shape of a node for messages.
func (n *node) describe() string {
	if n == nil {
		return "nothing"
	}
	switch n.kind {
	case nScalar:
		return "a " + n.sk.String()
	case nSeq:
		return "a list"
	case nMap:
		return "a map"
	case nFunc:
		return "the function " + n.fn
	}
	return "an invalid value"
}

// shortTags maps a YAML short-form tag (without "!") to the function it calls.
var shortTags = map[string]string{
	"Ref":          "Ref",
	"Condition":    "Condition",
	"Sub":          "Fn::Sub",
	"GetAtt":       "Fn::GetAtt",
	"Join":         "Fn::Join",
	"Select":       "Fn::Select",
	"Split":        "Fn::Split",
	"If":           "Fn::If",
	"Equals":       "Fn::Equals",
	"And":          "Fn::And",
	"Or":           "Fn::Or",
	"Not":          "Fn::Not",
	"FindInMap":    "Fn::FindInMap",
	"Base64":       "Fn::Base64",
	"GetAZs":       "Fn::GetAZs",
	"Cidr":         "Fn::Cidr",
	"ImportValue":  "Fn::ImportValue",
	"Transform":    "Fn::Transform",
	"Length":       "Fn::Length",
	"ToJsonString": "Fn::ToJsonString",
}

// where locates a raw node for errors found while reading it.
type where struct {
	section string // top-level key
	id      string // logical ID under Resources, Parameters, Outputs, Conditions, Mappings
	path    *path  // below the logical ID (or below the section for other sections)
	inFn    bool   // inside the arguments of a function: the path stays at the call
}

func (w where) key(k string) where {
	switch {
	case w.inFn:
		return w
	case w.section == "":
		return where{section: k}
	case w.id == "" && hasLogicalIDs(w.section):
		return where{section: w.section, id: k}
	}
	return where{section: w.section, id: w.id, path: w.path.key(k)}
}

func (w where) index(i int) where {
	if w.inFn {
		return w
	}
	return where{section: w.section, id: w.id, path: w.path.index(i)}
}

func hasLogicalIDs(section string) bool {
	switch section {
	case "Resources", "Parameters", "Outputs", "Conditions", "Mappings":
		return true
	}
	return false
}

// reader turns yaml.v3 nodes into raw template nodes.
type reader struct {
	s    *state
	file string // "" for the template itself, else the included file being read
	// snippet: the file is an AWS::Include snippet, which CloudFormation
	// reads without short-form functions (!Ref) and without transforms.
	snippet bool
	memo    map[*yaml.Node]*node // anchored nodes, read once and shared
	busy    map[*yaml.Node]bool  // anchors being read (an alias inside its own anchor)
	depth   int
	failed  bool // a limit was hit; stop reading
}

// newReader reads the template (file "") or an included file.
func (s *state) newReader(file string) *reader {
	return &reader{s: s, file: file, memo: map[*yaml.Node]*node{}, busy: map[*yaml.Node]bool{}}
}

func (r *reader) errAt(line, col int, w where, format string, args ...any) {
	r.s.errWhere(r.file, line, col, w, format, args...)
}

// errWhere reports an error found before evaluation (while reading, or in a
// transform) at a place that w names.
func (s *state) errWhere(file string, line, col int, w where, format string, args ...any) {
	prop := w.path.String()
	if w.id == "" && w.section != "" {
		if prop == "" {
			prop = w.section
		} else if !hasLogicalIDs(w.section) {
			prop = w.section + "." + prop
		}
	}
	s.add(&Error{File: file, Line: line, Col: col, LogicalID: w.id, Property: prop, Msg: fmt.Sprintf(format, args...)})
}

func (r *reader) read(y *yaml.Node, w where) *node {
	if r.failed {
		return &node{kind: nInvalid, file: r.file, line: y.Line, col: y.Column}
	}
	if y.Kind == yaml.AliasNode {
		target := y.Alias
		if target == nil {
			r.errAt(y.Line, y.Column, w, "alias *%s has no anchor", y.Value)
			return &node{kind: nInvalid, file: r.file, line: y.Line, col: y.Column}
		}
		if n, ok := r.memo[target]; ok {
			return n
		}
		if r.busy[target] {
			r.errAt(y.Line, y.Column, w, "alias *%s is used inside its own anchor", y.Value)
			return &node{kind: nInvalid, file: r.file, line: y.Line, col: y.Column}
		}
		return r.read(target, w)
	}
	if y.Anchor != "" {
		if n, ok := r.memo[y]; ok {
			return n
		}
		r.busy[y] = true
		defer delete(r.busy, y)
	}
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxDepth {
		r.failed = true
		r.errAt(y.Line, y.Column, w, "the template is nested more than %d levels deep", maxDepth)
		return &node{kind: nInvalid, file: r.file, line: y.Line, col: y.Column}
	}
	n := r.readNode(y, w)
	if y.Anchor != "" {
		r.memo[y] = n
	}
	return n
}

func (r *reader) readNode(y *yaml.Node, w where) *node {
	n := &node{file: r.file, line: y.Line, col: y.Column}
	tag := y.Tag
	fn := ""
	if strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		name, ok := shortTags[tag[1:]]
		if ok && r.snippet {
			long := name
			if long == "Ref" || long == "Condition" {
				long += ":"
			} else {
				long += ": ..."
			}
			r.errAt(y.Line, y.Column, w, "%s is a short-form function, which CloudFormation does not accept in a file that AWS::Include inserts: write it in long form (%s)", tag, long)
			n.kind = nInvalid
			return n
		}
		if !ok {
			msg := fmt.Sprintf("unknown YAML tag %s", tag)
			if strings.Contains(tag[1:], "::") {
				msg += " (a pre-processor such as Rain must expand it before apigw reads the template)"
			} else if s := suggest(tag[1:], shortTagNames()); s != "" {
				msg += fmt.Sprintf("; did you mean !%s?", s)
			}
			r.errAt(y.Line, y.Column, w, "%s", msg)
			n.kind = nInvalid
			return n
		}
		fn = name
		tag = ""
	}
	switch y.Kind {
	case yaml.ScalarNode:
		n.kind = nScalar
		n.text = y.Value
		if fn != "" {
			n.sk = String
			break
		}
		switch tag {
		case "!!str", "!!timestamp", "!!binary", "!!merge", "":
			n.sk = String
		case "!!int", "!!float":
			n.sk = Number
		case "!!bool":
			n.sk = Bool
			n.text = strings.ToLower(y.Value)
		case "!!null":
			n.sk = Null
			n.text = ""
		default:
			r.errAt(y.Line, y.Column, w, "unsupported YAML tag %s", y.Tag)
			n.kind = nInvalid
			return n
		}
		n.size, n.depth = 1, 1
	case yaml.SequenceNode:
		if tag != "" && tag != "!!seq" {
			r.errAt(y.Line, y.Column, w, "unsupported YAML tag %s on a list", y.Tag)
			n.kind = nInvalid
			return n
		}
		n.kind = nSeq
		n.items = make([]*node, 0, len(y.Content))
		n.size, n.depth = 1, 1
		if fn != "" {
			w.inFn = true
		}
		for i, c := range y.Content {
			item := r.read(c, w.index(i))
			n.items = append(n.items, item)
			n.grow(item)
		}
	case yaml.MappingNode:
		if tag != "" && tag != "!!map" {
			r.errAt(y.Line, y.Column, w, "unsupported YAML tag %s on a map", y.Tag)
			n.kind = nInvalid
			return n
		}
		if fn != "" || (len(y.Content) == 2 && isFnKey(y.Content[0].Value)) {
			w.inFn = true
		}
		r.readMap(n, y, w)
	case yaml.DocumentNode:
		if len(y.Content) == 0 {
			n.kind = nScalar
			n.sk = Null
			return n
		}
		return r.read(y.Content[0], w)
	default:
		n.kind = nInvalid
		return n
	}
	if r.checkLimits(n, w) {
		return &node{kind: nInvalid, file: r.file, line: y.Line, col: y.Column}
	}
	if fn != "" {
		f := &node{kind: nFunc, fn: fn, arg: n, short: true, file: r.file, line: y.Line, col: y.Column}
		f.size, f.depth = n.size+1, n.depth+1
		return f
	}
	if n.kind == nMap && len(n.ents) == 1 {
		if e := n.ents[0]; isFnKey(e.key) {
			// A long-form call is where its function key is (in a flow map
			// or JSON, after the brace).
			f := &node{kind: nFunc, fn: e.key, arg: e.val, file: r.file, line: e.line, col: e.col}
			f.size, f.depth = n.size, n.depth
			return f
		}
	}
	return n
}

func (n *node) grow(c *node) {
	n.size = satAdd(n.size, c.size)
	if c.depth+1 > n.depth {
		n.depth = c.depth + 1
	}
}

func satAdd(a, b int) int {
	if a+b > maxNodes+1 || a+b < 0 {
		return maxNodes + 1
	}
	return a + b
}

// checkLimits reports a node that expands beyond the limits.
func (r *reader) checkLimits(n *node, w where) bool {
	if n.size > maxNodes {
		r.failed = true
		r.errAt(n.line, n.col, w, "the template expands to more than %d values (aliases used too many times)", maxNodes)
		return true
	}
	if n.depth > maxDepth {
		r.failed = true
		r.errAt(n.line, n.col, w, "the template is nested more than %d levels deep once aliases are expanded", maxDepth)
		return true
	}
	return false
}

func isFnKey(k string) bool {
	return k == "Ref" || strings.HasPrefix(k, "Fn::")
}

func (r *reader) readMap(n *node, y *yaml.Node, w where) {
	n.kind = nMap
	n.size, n.depth = 1, 1
	n.idx = make(map[string]int, len(y.Content)/2)
	type merge struct {
		at  int // index in ents where the merged entries go
		src *node
	}
	var merges []merge
	explicit := make(map[string]bool, len(y.Content)/2)
	for i := 0; i+1 < len(y.Content); i += 2 {
		ky, vy := y.Content[i], y.Content[i+1]
		if ky.Kind == yaml.AliasNode && ky.Alias != nil {
			ky = ky.Alias
		}
		if ky.Kind != yaml.ScalarNode {
			r.errAt(ky.Line, ky.Column, w, "a map key must be a string, not a %s", yamlKindName(ky.Kind))
			continue
		}
		if ky.Tag == "!!merge" && ky.Style == 0 {
			src := r.read(vy, w.key("<<"))
			merges = append(merges, merge{at: len(n.ents), src: src})
			n.grow(src)
			continue
		}
		if strings.HasPrefix(ky.Tag, "!") && !strings.HasPrefix(ky.Tag, "!!") {
			r.errAt(ky.Line, ky.Column, w, "a map key cannot be a function (%s)", ky.Tag)
			continue
		}
		key := ky.Value
		cw := w.key(key)
		if r.snippet && key == "Fn::Transform" {
			r.errAt(ky.Line, ky.Column, cw, "Fn::Transform in a file that AWS::Include inserts: CloudFormation runs no transform there (an included file cannot include another)")
			continue
		}
		if explicit[key] {
			first := n.ents[n.idx[key]]
			if first.line == ky.Line {
				r.errAt(ky.Line, ky.Column, cw, "duplicate key %s (first at line %d, column %d)", key, first.line, first.col)
			} else {
				r.errAt(ky.Line, ky.Column, cw, "duplicate key %s (first at line %d)", key, first.line)
			}
			// still read the value for its own errors
			r.read(vy, cw)
			continue
		}
		explicit[key] = true
		v := r.read(vy, cw)
		n.idx[key] = len(n.ents)
		n.ents = append(n.ents, entry{key: key, file: r.file, line: ky.Line, col: ky.Column, val: v})
		n.grow(v)
	}
	if len(merges) == 0 {
		return
	}
	// Merge keys (<<): explicit keys win, then earlier merges over later ones.
	ents := make([]entry, 0, len(n.ents))
	idx := make(map[string]int, len(n.ents))
	add := func(e entry) {
		if _, dup := idx[e.key]; dup {
			return
		}
		idx[e.key] = len(ents)
		ents = append(ents, e)
	}
	mi := 0
	for i := 0; i <= len(n.ents); i++ {
		for mi < len(merges) && merges[mi].at == i {
			src := merges[mi].src
			var maps []*node
			switch src.kind {
			case nMap:
				maps = []*node{src}
			case nSeq:
				maps = src.items
			case nInvalid:
			default:
				r.errAt(src.line, src.col, w, "the merge key << needs a map or a list of maps, not %s", src.describe())
			}
			for _, m := range maps {
				if m.kind != nMap {
					if m.kind != nInvalid {
						r.errAt(m.line, m.col, w, "the merge key << needs a map or a list of maps, not %s", m.describe())
					}
					continue
				}
				for _, e := range m.ents {
					if !explicit[e.key] {
						add(e)
					}
				}
			}
			mi++
		}
		if i < len(n.ents) {
			add(n.ents[i])
		}
	}
	n.ents, n.idx = ents, idx
}

func yamlKindName(k yaml.Kind) string {
	switch k {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "map"
	case yaml.AliasNode:
		return "alias"
	}
	return "scalar"
}

func shortTagNames() []string {
	names := make([]string, 0, len(shortTags))
	for k := range shortTags {
		names = append(names, k)
	}
	sortStrings(names)
	return names
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode parses YAML or JSON into a yaml.v3 document node. Syntax errors are
// reported with the best line that can be found. file is "" for the template
// itself, else an included file; what names it in messages ("the template").
func (s *state) decode(file string, data []byte, what string) *yaml.Node {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line, col := invalidUTF8Pos(data)
		s.add(&Error{File: file, Line: line, Col: col, Msg: what + " is not valid UTF-8"})
		return nil
	}
	name := file
	if name == "" {
		name = s.file
	}
	if looksJSON(data) {
		if err := checkJSON(data, what); err != nil {
			// Not JSON; unless the file says it is JSON, it may still be YAML
			// in flow style.
			if !strings.EqualFold(filepath.Ext(name), ".json") {
				if doc, yerr := yamlDecode(data); yerr == nil {
					return doc
				}
			}
			err.File = file
			s.add(err)
			return nil
		}
		data = fixJSONEscapes(data)
	}
	doc, err := yamlDecode(data)
	if err != nil {
		if err == io.EOF {
			if file != "" {
				// an included file: the caller says where it is included
				return &yaml.Node{Kind: yaml.DocumentNode}
			}
			s.add(&Error{File: file, Msg: what + " is empty"})
			return nil
		}
		e := yamlSyntaxError(data, err)
		e.File = file
		s.add(e)
		return nil
	}
	return doc
}

func yamlDecode(data []byte) (doc *yaml.Node, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: the YAML parser failed: %v", p)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var n yaml.Node
	if err := dec.Decode(&n); err != nil {
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("yaml: line %d: a template is one YAML document; found a second one", max(extra.Line-1, 1))
	} else if err != io.EOF {
		return nil, err
	}
	return &n, nil
}

// yamlSyntaxError turns a yaml.v3 error into an Error. yaml.v3 often reports
// the line where the enclosing block starts (or no line at all), so the line is
// found again as the shortest prefix of the document that fails the same way.
func yamlSyntaxError(data []byte, err error) *Error {
	msg := err.Error()
	line := 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	fails := func(k int) bool {
		prefix := bytes.Join(lines[:k], nil)
		_, perr := yamlDecode(prefix)
		if perr == nil || perr == io.EOF {
			return false
		}
		pm := perr.Error()
		if m := yamlLineRE.FindStringSubmatch(pm); m != nil {
			pm = m[2]
		} else {
			pm = strings.TrimPrefix(pm, "yaml: ")
		}
		return pm == msg
	}
	if len(lines) > 1 || line == 0 {
		lo, hi := 1, len(lines)
		for lo < hi {
			mid := (lo + hi) / 2
			if fails(mid) {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		if lo <= len(lines) && fails(lo) {
			line = lo
		}
	}
	text := "YAML syntax error: " + msg
	if line > 0 && line <= len(lines) && twoTagsRE.Match(lines[line-1]) {
		text += " (two short-form functions cannot be nested directly, as in !Base64 !Sub: write the outer one in long form, e.g. Fn::Base64: !Sub ...)"
	}
	return &Error{Line: line, Msg: text}
}

var twoTagsRE = regexp.MustCompile(`![A-Za-z][A-Za-z0-9:]*\s+![A-Za-z]`)

func invalidUTF8Pos(data []byte) (line, col int) {
	line, col = 1, 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		data = data[size:]
	}
	return line, col
}

func looksJSON(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}

// checkJSON validates JSON text and reports a syntax error with its position.
func checkJSON(data []byte, what string) *Error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			off := dec.InputOffset()
			line, col := offsetPos(data, int(off))
			return &Error{Line: line, Col: col, Msg: "JSON syntax error: unexpected text after " + what}
		}
		return nil
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := offsetPos(data, int(se.Offset))
		return &Error{Line: line, Col: col, Msg: "JSON syntax error: " + se.Error()}
	}
	line, col := offsetPos(data, len(data))
	return &Error{Line: line, Col: col, Msg: "JSON syntax error: " + err.Error()}
}

func offsetPos(data []byte, off int) (line, col int) {
	if off > len(data) {
		off = len(data)
	}
	if off < 0 {
		off = 0
	}
	line = 1 + bytes.Count(data[:off], []byte("\n"))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	col = utf8.RuneCount(data[start:off])
	if col < 1 {
		col = 1
	}
	return line, col
}

// fixJSONEscapes rewrites the JSON escapes that YAML does not accept: \/ and
// UTF-16 surrogate pairs. The data is valid JSON.
func fixJSONEscapes(data []byte) []byte {
	if !bytes.Contains(data, []byte(`\/`)) && !bytes.Contains(data, []byte(`\u`)) && !bytes.Contains(data, []byte(`\U`)) {
		return data
	}
	out := make([]byte, 0, len(data))
	inStr := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inStr {
			if c == '"' {
				inStr = true
			}
			out = append(out, c)
			continue
		}
		switch c {
		case '"':
			inStr = false
			out = append(out, c)
		case '\\':
			if i+1 >= len(data) {
				out = append(out, c)
				continue
			}
			next := data[i+1]
			switch next {
			case '/':
				out = append(out, '/')
				i++
			case 'u':
				if i+6 > len(data) {
					out = append(out, data[i:]...)
					return out
				}
				r1, ok := hex4(data[i+2 : i+6])
				if !ok {
					out = append(out, data[i:i+6]...)
					i += 5
					continue
				}
				switch {
				case r1 >= 0xD800 && r1 < 0xDC00:
					if i+12 <= len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						if r2, ok := hex4(data[i+8 : i+12]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
							r := 0x10000 + (r1-0xD800)<<10 + (r2 - 0xDC00)
							out = append(out, fmt.Sprintf(`\U%08X`, r)...)
							i += 11
							continue
						}
					}
					out = append(out, `\uFFFD`...)
					i += 5
				case r1 >= 0xDC00 && r1 < 0xE000:
					out = append(out, `\uFFFD`...)
					i += 5
				default:
					out = append(out, data[i:i+6]...)
					i += 5
				}
			default:
				out = append(out, c, next)
				i++
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

func hex4(b []byte) (rune, bool) {
	v, err := strconv.ParseUint(string(b), 16, 32)
	return rune(v), err == nil
}

type yamlNode = yaml.Node
