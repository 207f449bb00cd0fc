package template

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

type paramKind uint8

const (
	pString paramKind = iota
	pNumber
	pList       // CommaDelimitedList, List<...>
	pNumberList // List<Number>
)

type paramState struct {
	name      string
	file      string
	line, col int
	typ       string
	kind      paramKind
	ssm       bool // AWS::SSM::Parameter::Value<...>
	noEcho    bool
	value     *Value
	failed    bool // an error was reported; references stay silent
	ssmNoVal  bool // SSM parameter without --param: an error where it is used
	used      bool
	fromParam bool
}

var paramAttributes = []string{
	"Type", "Default", "AllowedValues", "AllowedPattern", "MinLength", "MaxLength",
	"MinValue", "MaxValue", "NoEcho", "Description", "ConstraintDescription",
}

var paramTypeNames = []string{
	"String", "Number", "CommaDelimitedList", "List<Number>", "List<String>",
	"AWS::SSM::Parameter::Name", "AWS::SSM::Parameter::Value<String>",
}

// classifyParamType returns how values of a parameter type are read.
func classifyParamType(typ string) (kind paramKind, ssm, ok bool) {
	if inner, found := strings.CutPrefix(typ, "AWS::SSM::Parameter::Value<"); found {
		if !strings.HasSuffix(inner, ">") {
			return 0, false, false
		}
		k, innerSSM, ok := classifyParamType(strings.TrimSuffix(inner, ">"))
		return k, true, ok && !innerSSM
	}
	switch {
	case typ == "String", typ == "AWS::SSM::Parameter::Name":
		return pString, false, true
	case typ == "Number":
		return pNumber, false, true
	case typ == "CommaDelimitedList":
		return pList, false, true
	case typ == "List<Number>":
		return pNumberList, false, true
	case strings.HasPrefix(typ, "List<") && strings.HasSuffix(typ, ">") && len(typ) > 6:
		inner := typ[5 : len(typ)-1]
		if inner == "String" || strings.HasPrefix(inner, "AWS::") {
			return pList, false, true
		}
		return 0, false, false
	case strings.HasPrefix(typ, "AWS::") && strings.Count(typ, "::") >= 2 && !strings.ContainsAny(typ, "<> "):
		return pString, false, true
	}
	return 0, false, false
}

var numberRE = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// readParameters reads the Parameters section of the template (its
// transforms run) and checks the --param overrides against it. The section
// may have been read already, for a transform's parameters
// (earlyParameters): it is read again only when a transform changed it.
func (s *state) readParameters() {
	sec := s.section("Parameters")
	if !s.paramsRead || sec != s.paramSec {
		s.readParameterSection(sec)
	}
	var names []string
	for k := range s.opts.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	declared := make([]string, 0, len(s.paramList))
	for _, p := range s.paramList {
		declared = append(declared, p.name)
	}
	for _, k := range names {
		if _, ok := s.params[k]; !ok {
			s.add(&Error{Msg: fmt.Sprintf("--param %s: the template declares no parameter %s%s", k, k, didYouMean(k, declared))})
		}
	}
}

// earlyParameters reads the Parameters section as the template is written,
// before its transforms run: CloudFormation resolves the parameters of a
// transform (an AWS::Include Location given with Ref or Fn::Sub) before it
// runs the transform. AWS::Include cannot be used in the Parameters section,
// so the section read here is the one that resolve sees, and it is not read
// twice. The --param overrides are checked by readParameters only: a
// transform's output may declare parameters.
func (s *state) earlyParameters() {
	if s.paramsRead || s.rawRoot == nil {
		return
	}
	root := s.root
	s.root = s.rawRoot
	s.readParameterSection(s.section("Parameters"))
	s.root = root
}

// readParameterSection reads the declared parameters of sec (nil: none),
// in place of any read before.
func (s *state) readParameterSection(sec *node) {
	used := map[string]bool{}
	for _, p := range s.paramList {
		used[p.name] = p.used
	}
	s.params = map[string]*paramState{}
	s.paramList = nil
	s.paramsRead, s.paramSec = true, sec
	if sec == nil {
		return
	}
	for _, pe := range sec.ents {
		s.readParameter(pe)
	}
	for _, p := range s.paramList {
		p.used = p.used || used[p.name]
	}
}

func (s *state) readParameter(pe entry) {
	p := &paramState{name: pe.key, file: pe.file, line: pe.line, col: pe.col}
	s.params[p.name] = p
	s.paramList = append(s.paramList, p)
	perr := func(n *node, prop, format string, args ...any) {
		file, line, col := p.file, p.line, p.col
		if n != nil {
			file, line, col = n.file, n.line, n.col
		}
		s.add(&Error{File: file, Line: line, Col: col, LogicalID: p.name, Property: prop, Msg: fmt.Sprintf(format, args...)})
		p.failed = true
	}
	if !isAlphanumeric(p.name) {
		perr(nil, "", "a logical ID must be alphanumeric (A-Z, a-z, 0-9)")
	}
	d := pe.val
	if d.kind != nMap {
		if d.kind != nInvalid {
			perr(nil, "", "a parameter must be a map with Type (and Default, AllowedValues, ...), not %s", d.describe())
		}
		p.failed = true
		return
	}
	for _, a := range d.ents {
		known := false
		for _, k := range paramAttributes {
			known = known || a.key == k
		}
		if !known {
			perr(&node{file: a.file, line: a.line, col: a.col}, a.key, "unknown parameter attribute %s%s", a.key, didYouMean(a.key, paramAttributes))
		}
		if a.val.kind == nFunc {
			perr(a.at(), a.key, "%s must be a literal value: parameters are read before any function runs", a.key)
		}
	}
	if p.failed {
		return
	}
	if ne := d.get("NoEcho"); ne != nil && ne.kind == nScalar {
		p.noEcho = strings.EqualFold(ne.text, "true")
	}
	te := d.entry("Type")
	switch {
	case te == nil:
		perr(nil, "Type", "the parameter has no Type")
		return
	case !te.val.isString():
		perr(te.at(), "Type", "Type must be a parameter type name such as String, not %s", te.val.describe())
		return
	}
	p.typ = te.val.text
	kind, ssm, ok := classifyParamType(p.typ)
	if !ok {
		perr(te.at(), "Type", "unknown parameter type %s%s", p.typ, didYouMean(p.typ, paramTypeNames))
		return
	}
	p.kind, p.ssm = kind, ssm

	// the raw value: --param, else Default
	var raw string
	var at *node    // where the value was written (nil for --param)
	var atKey *node // where its key is: errors about the Default point there
	if v, ok := s.opts.Params[p.name]; ok {
		raw, p.fromParam = v, true
	} else if de := d.entry("Default"); de != nil {
		dn := de.val
		atKey = de.at()
		switch {
		case dn.kind == nScalar:
			raw = dn.text
		case dn.kind == nSeq && (kind == pList || kind == pNumberList):
			texts := make([]string, 0, len(dn.items))
			for _, it := range dn.items {
				if it.kind != nScalar {
					perr(atKey, "Default", "Default must be a string, not a list of %s", it.describe())
					return
				}
				texts = append(texts, it.text)
			}
			raw = strings.Join(texts, ",")
		default:
			perr(atKey, "Default", "Default must be a string, not %s", dn.describe())
			return
		}
		at = dn
	} else {
		perr(nil, "", "parameter %s has no value: pass --param %s=...", p.name, p.name)
		return
	}
	if p.ssm && !p.fromParam {
		// The default names an SSM parameter, which apigw cannot read. That is
		// an error only where the parameter is used.
		p.ssmNoVal = true
		return
	}
	file, line, col := "", 0, 0
	if at != nil {
		file, line, col = at.file, at.line, at.col
	}
	// where constraint errors point: the Default key, or the parameter for --param
	where, prop := atKey, "Default"
	if p.fromParam {
		where, prop = nil, ""
	}
	show := func(v string) string {
		if p.noEcho {
			return "the value"
		}
		return strconv.Quote(v)
	}
	source := "value"
	if p.fromParam {
		source = "--param value"
	} else {
		source = "Default"
	}

	var items []string
	switch p.kind {
	case pList, pNumberList:
		if raw != "" {
			for _, it := range strings.Split(raw, ",") {
				items = append(items, strings.TrimSpace(it))
			}
		} else {
			items = []string{}
		}
	default:
		items = []string{raw}
	}
	if p.kind == pNumber || p.kind == pNumberList {
		for _, it := range items {
			if !numberRE.MatchString(strings.TrimSpace(it)) {
				perr(where, prop, "parameter %s is a %s: %s %s is not a number", p.name, p.typ, source, show(it))
				return
			}
		}
	}
	if !s.checkConstraints(p, d, items, where, prop, show, perr) {
		return
	}
	switch p.kind {
	case pString:
		p.value = &Value{Kind: String, Str: raw, File: file, Line: line, Col: col}
	case pNumber:
		p.value = &Value{Kind: Number, Str: strings.TrimSpace(raw), File: file, Line: line, Col: col}
	default:
		k := String
		if p.kind == pNumberList {
			k = Number
		}
		p.value = &Value{Kind: List, List: make([]*Value, 0, len(items)), File: file, Line: line, Col: col}
		for _, it := range items {
			p.value.List = append(p.value.List, &Value{Kind: k, Str: it, File: file, Line: line, Col: col})
		}
		s.produced += int64(valueCost * len(items))
	}
}

// checkConstraints applies AllowedValues, AllowedPattern, Min/MaxLength and
// Min/MaxValue to each item of a parameter value.
func (s *state) checkConstraints(p *paramState, d *node, items []string, where *node, prop string, show func(string) string, perr func(*node, string, string, ...any)) bool {
	hint := ""
	if cd := d.get("ConstraintDescription"); cd != nil && cd.kind == nScalar && cd.text != "" {
		hint = " (" + cd.text + ")"
	}
	ok := true
	fail := func(format string, args ...any) {
		perr(where, prop, "%s", fmt.Sprintf(format, args...)+hint)
		ok = false
	}
	intAttr := func(name string) (int64, bool) {
		e := d.entry(name)
		if e == nil {
			return 0, false
		}
		n := e.val
		v := &Value{Kind: n.sk, Str: n.text}
		if n.kind != nScalar {
			perr(e.at(), name, "%s must be an integer, not %s", name, n.describe())
			ok = false
			return 0, false
		}
		i, err := v.Int()
		if err != nil {
			perr(e.at(), name, "%s: %v", name, err)
			ok = false
			return 0, false
		}
		return i, true
	}
	floatAttr := func(name string) (float64, bool) {
		e := d.entry(name)
		if e == nil {
			return 0, false
		}
		n := e.val
		if n.kind != nScalar || !numberRE.MatchString(strings.TrimSpace(n.text)) {
			perr(e.at(), name, "%s must be a number, not %s", name, n.describe())
			ok = false
			return 0, false
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(n.text), 64)
		return f, true
	}

	var allowed []string
	if ae := d.entry("AllowedValues"); ae != nil {
		switch av := ae.val; av.kind {
		case nSeq:
			for _, it := range av.items {
				if it.kind != nScalar {
					perr(ae.at(), "AllowedValues", "AllowedValues must be a list of strings")
					return false
				}
				allowed = append(allowed, it.text)
			}
		default:
			perr(ae.at(), "AllowedValues", "AllowedValues must be a list, not %s", av.describe())
			return false
		}
	}
	var re *regexp.Regexp
	var pattern string
	if pe := d.entry("AllowedPattern"); pe != nil {
		ap := pe.val
		if ap.kind != nScalar {
			perr(pe.at(), "AllowedPattern", "AllowedPattern must be a string, not %s", ap.describe())
			return false
		}
		pattern = ap.text
		var err error
		re, err = regexp.Compile(`^(?:` + pattern + `)$`)
		if err != nil {
			perr(pe.at(), "AllowedPattern", "AllowedPattern is not a regular expression apigw can use (RE2 syntax): %v", err)
			return false
		}
	}
	minLen, hasMinLen := intAttr("MinLength")
	maxLen, hasMaxLen := intAttr("MaxLength")
	minVal, hasMinVal := floatAttr("MinValue")
	maxVal, hasMaxVal := floatAttr("MaxValue")
	if !ok {
		return false
	}
	isNum := p.kind == pNumber || p.kind == pNumberList
	for _, it := range items {
		if allowed != nil {
			found := false
			for _, a := range allowed {
				found = found || a == it
			}
			if !found {
				fail("parameter %s: %s is not one of the allowed values: %s", p.name, show(it), strings.Join(allowed, ", "))
				continue
			}
		}
		if re != nil && !re.MatchString(it) {
			fail("parameter %s: %s does not match the AllowedPattern %s", p.name, show(it), pattern)
			continue
		}
		if !isNum {
			n := int64(utf8.RuneCountInString(it))
			if hasMinLen && n < minLen {
				fail("parameter %s: %s is shorter than the MinLength %d", p.name, show(it), minLen)
				continue
			}
			if hasMaxLen && n > maxLen {
				fail("parameter %s: %s is longer than the MaxLength %d", p.name, show(it), maxLen)
				continue
			}
		} else {
			f, _ := strconv.ParseFloat(strings.TrimSpace(it), 64)
			if hasMinVal && f < minVal {
				fail("parameter %s: %s is less than the MinValue %s", p.name, show(it), d.get("MinValue").text)
				continue
			}
			if hasMaxVal && f > maxVal {
				fail("parameter %s: %s is greater than the MaxValue %s", p.name, show(it), d.get("MaxValue").text)
				continue
			}
		}
	}
	return ok
}

// paramValue is the value of a parameter where n refers to it.
func (s *state) paramValue(p *paramState, n *node, c ctx) *Value {
	p.used = true
	if p.failed {
		return nil
	}
	if p.ssmNoVal {
		s.errAt(n, c, "parameter %s has type %s and apigw cannot read SSM Parameter Store: pass --param %s=VALUE", p.name, p.typ, p.name)
		return nil
	}
	return p.value
}

func (s *state) parameterList() []*Parameter {
	out := make([]*Parameter, 0, len(s.paramList))
	for _, p := range s.paramList {
		out = append(out, &Parameter{Name: p.name, Type: p.typ, Value: p.value, Line: p.line, File: p.file})
	}
	return out
}

func (s *state) unusedSSMNotes() {
	for _, p := range s.paramList {
		if p.ssmNoVal && !p.used {
			s.notes = append(s.notes, fmt.Sprintf("%s (%s): no value (apigw cannot read SSM Parameter Store); unused", p.name, p.typ))
		}
	}
}

// ---- Mappings ----

func (s *state) readMappings() {
	sec := s.section("Mappings")
	s.mappings = sec
	s.badMapping = map[*node]bool{}
	if sec == nil {
		return
	}
	for _, me := range sec.ents {
		m := me.val
		if m.kind != nMap {
			if m.kind != nInvalid {
				s.add(&Error{File: me.file, Line: me.line, Col: me.col, LogicalID: me.key, Msg: "a mapping must be a map of maps, not " + m.describe()})
			}
			continue
		}
		for _, te := range m.ents {
			t := te.val
			if t.kind != nMap {
				if t.kind != nInvalid {
					s.add(&Error{File: te.file, Line: te.line, Col: te.col, LogicalID: me.key, Property: te.key, Msg: "a mapping's top-level key must hold a map, not " + t.describe()})
				}
				continue
			}
			for _, ve := range t.ents {
				if f := findFunc(ve.val, 0); f != nil {
					s.add(&Error{File: f.file, Line: f.line, Col: f.col, LogicalID: me.key, Property: te.key + "." + ve.key, Msg: fmt.Sprintf("Mappings cannot contain intrinsic functions (found %s)", f.fn)})
					s.badMapping[ve.val] = true
				}
			}
		}
	}
}

// findFunc returns the first function call in a literal value, or nil.
func findFunc(n *node, depth int) *node {
	if n == nil || depth > maxDepth {
		return nil
	}
	switch n.kind {
	case nFunc:
		return n
	case nSeq:
		for _, it := range n.items {
			if f := findFunc(it, depth+1); f != nil {
				return f
			}
		}
	case nMap:
		for _, e := range n.ents {
			if f := findFunc(e.val, depth+1); f != nil {
				return f
			}
		}
	}
	return nil
}

// ---- Conditions ----

type condState struct {
	name      string
	file      string
	line, col int
	expr      *node
	state     uint8 // 0 new, 1 being evaluated, 2 done
	val       bool
	failed    bool
	cyclic    bool
}

func (s *state) readConditions() {
	sec := s.section("Conditions")
	if sec == nil {
		return
	}
	for _, ce := range sec.ents {
		cs := &condState{name: ce.key, file: ce.file, line: ce.line, col: ce.col, expr: ce.val}
		s.conds[cs.name] = cs
		s.condList = append(s.condList, cs)
	}
}

func (s *state) condNames() []string {
	names := make([]string, 0, len(s.condList))
	for _, c := range s.condList {
		names = append(names, c.name)
	}
	return names
}

func (s *state) evalConditions() {
	for _, cs := range s.condList {
		s.evalCondition(cs)
	}
}

func (s *state) evalCondition(cs *condState) (bool, bool) {
	switch cs.state {
	case 2:
		return cs.val, !cs.failed
	case 1:
		start := 0
		for i, name := range s.condStack {
			if name == cs.name {
				start = i
				break
			}
		}
		chain := append(append([]string{}, s.condStack[start:]...), cs.name)
		for _, name := range chain {
			s.conds[name].cyclic = true
		}
		first := s.conds[chain[0]]
		s.add(&Error{File: first.file, Line: first.line, Col: first.col, LogicalID: first.name, Msg: "circular condition: " + strings.Join(chain, " -> ")})
		return false, false
	}
	cs.state = 1
	s.condStack = append(s.condStack, cs.name)
	v, ok := s.evalCond(cs.expr, ctx{id: cs.name, inCond: true})
	s.condStack = s.condStack[:len(s.condStack)-1]
	cs.state, cs.val = 2, v
	cs.failed = !ok || cs.cyclic
	return cs.val, !cs.failed
}

// condByName evaluates the condition that n names.
func (s *state) condByName(name string, n *node, c ctx) (bool, bool) {
	cs, ok := s.conds[name]
	if !ok {
		s.errAt(n, c, "no condition named %s%s", name, didYouMean(name, s.condNames()))
		return false, false
	}
	return s.evalCondition(cs)
}
