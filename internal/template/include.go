package template

import (
	pathpkg "path"
	"path/filepath"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
)

func init() {
	registerTransform("AWS::Include", transformPass{run: includePass})
}

// snippetFile is a file that AWS::Include inserts, read once however often
// it is used. root is nil when it could not be read (reported).
type snippetFile struct {
	root *node
}

// includePass runs AWS::Include: it inserts the map in the file at
// Parameters.Location where the call is. In the Transform section the file's
// keys become top-level sections; with Fn::Transform they join the map that
// holds the call (or replace the call when it is alone).
//
// As in CloudFormation: the file is YAML or JSON and holds a map; it cannot
// use short-form functions (!Ref) nor include another file; AWS::Include
// cannot be used in the Parameters section. Unlike CloudFormation, which reads
// s3:// URIs only, the Location is a local path, relative to the folder of
// the template.
func includePass(s *state, call *transformCall, frag *node) *node {
	pos := call.pos
	switch call.w.section {
	case "Parameters", "AWSTemplateFormatVersion":
		s.errWhere(pos.file, pos.line, pos.col, call.posW, "AWS::Include cannot be used in the %s section (CloudFormation does not allow it there)", call.w.section)
		return nil
	}
	file, locNode := s.includeLocation(call)
	if file == "" {
		return nil
	}
	snip := s.readSnippet(file, locNode, call.posW, call.w)
	if snip == nil {
		return nil
	}
	s.inserted = satAdd(s.inserted, snip.size)
	if s.inserted > maxNodes {
		s.errWhere(locNode.file, locNode.line, locNode.col, call.posW, "AWS::Include %s: the files that AWS::Include inserts expand to more than %d values (included too many times)", file, maxNodes)
		s.aborted = true
		return nil
	}
	return s.insertEntries(frag, snip, call.index, call.w)
}

// includeLocation returns the path of the file that an AWS::Include call
// names, and the Location node; "" after reporting why there is none.
func (s *state) includeLocation(call *transformCall) (string, *node) {
	pos, w := call.pos, call.posW
	p := call.params
	if p != nil && p.kind == nMap {
		for _, e := range p.ents {
			if e.key != "Location" {
				s.errWhere(e.file, e.line, e.col, w, "unknown AWS::Include parameter %s%s (it takes Location only)", e.key, didYouMean(e.key, []string{"Location"}))
				return "", nil
			}
		}
	}
	if p == nil || p.kind != nMap || p.get("Location") == nil {
		if p == nil || p.kind != nInvalid {
			s.errWhere(pos.file, pos.line, pos.col, w, "AWS::Include needs Parameters: {Location: PATH}, the file to insert")
		}
		return "", nil
	}
	le := p.entry("Location")
	loc := le.val
	switch {
	case loc.kind == nInvalid:
		return "", nil
	case !loc.isString() || loc.text == "":
		what := loc.describe()
		if loc.isString() {
			what = "an empty string"
		}
		s.errWhere(le.file, le.line, le.col, w, "the AWS::Include Location must be the path of a file, not %s (CloudFormation runs transforms before any function)", what)
		return "", nil
	}
	text := loc.text
	// Errors about the Location point at its key, and so do those of
	// readSnippet: at holds the path as written, where the key is.
	at := &node{kind: nScalar, sk: String, text: loc.text, file: le.file, line: le.line, col: le.col}
	fail := func(format string, args ...any) (string, *node) {
		s.errWhere(at.file, at.line, at.col, w, "AWS::Include Location %s: "+format, append([]any{loc.text}, args...)...)
		return "", nil
	}
	rest, isFile := strings.CutPrefix(text, "file://")
	scheme, _, hasScheme := strings.Cut(text, "://")
	switch {
	case isFile:
		text = rest
	case strings.EqualFold(scheme, "s3") && hasScheme:
		key := strings.TrimSuffix(text[len("s3://"):], "/")
		local := pathpkg.Base(key)
		if !strings.Contains(key, "/") || local == "." || local == "/" {
			local = "snippet.yaml"
		}
		return fail("apigw reads local files only: download it (aws s3 cp %s ./%s) and give a path relative to the template", text, local)
	case hasScheme && !strings.ContainsAny(scheme, `/\`):
		return fail("apigw reads local files only: download it and give a path relative to the template (CloudFormation itself reads s3:// URIs only)")
	}
	if text == "" {
		return fail("no path after file://")
	}
	file := filepath.FromSlash(text)
	if !filepath.IsAbs(file) {
		base := loc.file
		if base == "" {
			base = s.file
		}
		file = filepath.Join(filepath.Dir(base), file)
	}
	return file, at
}

// readSnippet reads an included file (once: later uses share its nodes) and
// returns its map, or nil after reporting why not. at is the Location, atW
// names it in errors; w is where the file's content goes.
func (s *state) readSnippet(file string, at *node, atW, w where) *node {
	if f, ok := s.snippets[file]; ok {
		return f.root
	}
	f := &snippetFile{}
	s.snippets[file] = f
	if file == filepath.Clean(s.file) {
		s.errWhere(at.file, at.line, at.col, atW, "AWS::Include %s: the template cannot include itself", at.text)
		return nil
	}
	var data []byte
	var err error
	if s.opts.ReadFile != nil {
		data, err = s.opts.ReadFile(file)
	} else {
		data, err = inputfile.Read(file, inputfile.MaxSize)
	}
	if err != nil {
		s.errWhere(at.file, at.line, at.col, atW, "AWS::Include Location %s: cannot read %s: %v", at.text, file, err)
		return nil
	}
	s.inputBytes += int64(len(data))
	if s.inputBytes > inputfile.MaxSize {
		s.errWhere(at.file, at.line, at.col, atW, "AWS::Include %s: the template and the files it includes are larger than %d MB together, apigw's limit for an input file", file, inputfile.MaxSize>>20)
		s.aborted = true
		return nil
	}
	if _, ok := s.fileRank[file]; !ok {
		s.fileRank[file] = len(s.fileRank)
	}
	doc := s.decode(file, data, "the included file "+file)
	if doc == nil {
		return nil
	}
	r := s.newReader(file)
	r.snippet = true
	n := r.read(doc, w)
	switch {
	case n.kind == nInvalid:
		return nil
	case n.kind == nScalar && n.sk == Null:
		s.errWhere(at.file, at.line, at.col, atW, "AWS::Include %s: the file is empty; it must hold a map of keys and values", file)
		return nil
	case n.kind != nMap:
		s.errWhere(file, n.line, n.col, w, "a file that AWS::Include inserts must hold a map of keys and values (as CloudFormation requires), not %s", n.describe())
		return nil
	}
	f.root = n
	return n
}

// insertEntries returns a copy of map frag with the entries of snip at
// index at. A key in both is an error, reported in snip.
func (s *state) insertEntries(frag, snip *node, at int, w where) *node {
	if len(frag.ents) == 0 {
		return snip
	}
	c := *frag
	c.ents = make([]entry, 0, len(frag.ents)+len(snip.ents))
	c.ents = append(c.ents, frag.ents[:at]...)
	for _, e := range snip.ents {
		if i, dup := frag.idx[e.key]; dup {
			first := frag.ents[i]
			s.errWhere(e.file, e.line, e.col, w.key(e.key), "duplicate key %s: the map that includes this file has it too (%s)", e.key, s.lineRef(first.file, first.line))
			continue
		}
		c.ents = append(c.ents, e)
	}
	c.ents = append(c.ents, frag.ents[at:]...)
	c.reindex()
	c.resize()
	return &c
}
