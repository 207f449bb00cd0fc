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
// cannot be used in the Parameters section; the Location can be given with
// Ref or Fn::Sub of template parameters and pseudo parameters, resolved
// before the transform runs. Unlike CloudFormation, which reads s3:// URIs
// only, the Location is a local path, relative to the folder of the
// template.
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
	text, ok := s.locationText(loc, le, w)
	if !ok {
		return "", nil
	}
	// Errors about the Location point at its key, and so do those of
	// readSnippet: at holds the path (its Ref and Fn::Sub resolved), where
	// the key is.
	at := &node{kind: nScalar, sk: String, text: text, file: le.file, line: le.line, col: le.col}
	fail := func(format string, args ...any) (string, *node) {
		s.errWhere(at.file, at.line, at.col, w, "AWS::Include Location %s: "+format, append([]any{at.text}, args...)...)
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
		base := le.file
		if base == "" {
			base = s.file
		}
		file = filepath.Join(filepath.Dir(base), file)
	}
	return file, at
}

// locationText returns the text of an AWS::Include Location (le holds it,
// w names it in errors): a literal string, or Ref or Fn::Sub of template
// parameters and pseudo parameters, which CloudFormation resolves before it
// runs the transform (resources do not exist yet). ok is false after
// reporting why there is none; a parameter with an error reported where it
// is declared makes no other error here.
func (s *state) locationText(loc *node, le *entry, w where) (string, bool) {
	switch {
	case loc.kind == nInvalid:
		return "", false
	case loc.kind == nFunc && (loc.fn == "Ref" || loc.fn == "Fn::Sub"):
		text, ok := s.locationString(loc, w)
		if ok && text == "" {
			s.errWhere(loc.file, loc.line, loc.col, w, "the AWS::Include Location must be the path of a file: %s gives an empty string", loc.fn)
			return "", false
		}
		return text, ok
	case loc.kind == nFunc:
		s.errWhere(le.file, le.line, le.col, w, "the AWS::Include Location must be the path of a file, or Ref or Fn::Sub of template parameters and pseudo parameters (which CloudFormation resolves before it runs the transform), not the function %s", loc.fn)
		return "", false
	case !loc.isString() || loc.text == "":
		what := loc.describe()
		if loc.isString() {
			what = "an empty string"
		}
		s.errWhere(le.file, le.line, le.col, w, "the AWS::Include Location must be the path of a file, not %s", what)
		return "", false
	}
	return loc.text, true
}

// locationString resolves a part of a Location: a literal scalar, or Ref or
// Fn::Sub of template parameters and pseudo parameters.
func (s *state) locationString(n *node, w where) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		s.errWhere(n.file, n.line, n.col, w, "AWS::Include Location: "+format, args...)
		return "", false
	}
	switch {
	case n.kind == nInvalid:
		return "", false
	case n.kind == nScalar && n.sk != Null:
		return n.text, true
	case n.kind == nFunc && n.fn == "Ref":
		a := n.arg
		if a.kind != nScalar || a.sk == Null || a.text == "" {
			return fail("Ref takes the name of a parameter, not %s", argDescribe(a))
		}
		return s.locationRef(a.text, n, w, "Ref "+a.text)
	case n.kind == nFunc && n.fn == "Fn::Sub":
		return s.locationSub(n, w)
	case n.kind == nFunc:
		return fail("a transform's parameters can use Ref and Fn::Sub of template parameters and pseudo parameters only, not the function %s", n.fn)
	}
	return fail("a string is needed, not %s", n.describe())
}

// locationRef resolves what Ref name (or ${name} in Fn::Sub: what names
// the reference in errors) gives in a Location.
func (s *state) locationRef(name string, n *node, w where, what string) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		s.errWhere(n.file, n.line, n.col, w, "AWS::Include Location: %s: "+format, append([]any{what}, args...)...)
		return "", false
	}
	switch name {
	case "AWS::NoValue", "AWS::NotificationARNs":
		return fail("%s is not a string; the Location must be the path of a file", name)
	}
	if str, ok := s.pseudo(name); ok {
		return str, true
	}
	s.earlyParameters()
	if p, ok := s.params[name]; ok {
		p.used = true
		switch {
		case p.failed:
			return "", false // reported where it is declared
		case p.ssmNoVal:
			return fail("parameter %s has type %s and apigw cannot read SSM Parameter Store: pass --param %s=VALUE", p.name, p.typ, p.name)
		case p.value == nil:
			return "", false
		case p.value.Kind == List:
			return fail("parameter %s is a list (%s); the Location must be a string", p.name, p.typ)
		}
		return p.value.Str, true
	}
	if res := s.rawRoot.get("Resources"); res != nil && res.kind == nMap && name != "Fn::Transform" && res.entry(name) != nil {
		return fail("%s is a resource; a transform's parameters can refer to template parameters and pseudo parameters only (CloudFormation resolves them before it runs the transform, before any resource exists)", name)
	}
	if strings.HasPrefix(name, "AWS::") {
		return fail("unknown pseudo parameter %s%s", name, didYouMean(name, pseudoNames))
	}
	names := make([]string, 0, len(s.paramList)+len(pseudoNames))
	for _, p := range s.paramList {
		names = append(names, p.name)
	}
	return fail("the template declares no parameter %s%s", name, didYouMean(name, append(names, pseudoNames...)))
}

// locationSub resolves an Fn::Sub in a Location: Fn::Sub STRING or
// Fn::Sub [STRING, {Name: value}], its ${Name} template parameters, pseudo
// parameters or variables of the map.
func (s *state) locationSub(n *node, w where) (string, bool) {
	fail := func(format string, args ...any) (string, bool) {
		s.errWhere(n.file, n.line, n.col, w, "AWS::Include Location: "+format, args...)
		return "", false
	}
	a := n.arg
	var tmpl, vars *node
	switch {
	case a.kind == nScalar && a.sk != Null:
		tmpl = a
	case a.kind == nSeq && (len(a.items) == 1 || len(a.items) == 2):
		tmpl = a.items[0]
		if len(a.items) == 2 {
			vars = a.items[1]
		}
	case a.kind == nInvalid:
		return "", false
	default:
		return fail("Fn::Sub takes a string or [string, {Name: value}], not %s", argDescribe(a))
	}
	switch {
	case tmpl.kind == nInvalid:
		return "", false
	case tmpl.kind != nScalar || tmpl.sk == Null:
		return fail("the Fn::Sub string must be a literal string, not %s", tmpl.describe())
	}
	parts, err := parseSub(tmpl.text)
	if err != nil {
		return fail("Fn::Sub: %v", err)
	}
	ok := true
	varVals := map[string]string{}
	if vars != nil {
		switch {
		case vars.kind == nInvalid:
			return "", false
		case vars.kind == nMap:
			for i := range vars.ents {
				e := &vars.ents[i]
				v, vok := s.locationString(e.val, w)
				ok = ok && vok
				varVals[e.key] = v
			}
		case vars.kind == nScalar && vars.sk == Null:
		default:
			return fail("the Fn::Sub variables must be a map {Name: value}, not %s", vars.describe())
		}
	}
	var b strings.Builder
	for _, p := range parts {
		if !p.isVar {
			b.WriteString(p.text)
			continue
		}
		if v, found := varVals[p.text]; found {
			b.WriteString(v)
			continue
		}
		what := "Fn::Sub ${" + p.text + "}"
		if res, _, dot := strings.Cut(p.text, "."); dot {
			s.errWhere(n.file, n.line, n.col, w, "AWS::Include Location: %s: a transform's parameters cannot use attributes of resources (%s): CloudFormation resolves template parameters and pseudo parameters only, before it runs the transform", what, res)
			ok = false
			continue
		}
		v, vok := s.locationRef(p.text, n, w, what)
		ok = ok && vok
		b.WriteString(v)
	}
	if !ok {
		return "", false
	}
	return b.String(), true
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
