package template

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// noValue is what !Ref AWS::NoValue evaluates to: the map entry or list item
// that holds it is removed. It never leaves the package.
var noValue = &Value{Kind: Null}

// ctx is where an evaluation happens, for errors and dependencies.
type ctx struct {
	id     string    // logical ID of the resource, output, condition or parameter
	res    *resState // resource whose values are being resolved (dependencies); nil elsewhere
	inCond bool      // inside the Conditions section: resources cannot be referenced
	path   *path
}

func (c ctx) at(p *path) ctx { c.path = p; return c }

func (s *state) errAt(n *node, c ctx, format string, args ...any) {
	file, line, col := "", 0, 0
	if n != nil {
		file, line, col = n.file, n.line, n.col
	}
	s.add(&Error{File: file, Line: line, Col: col, LogicalID: c.id, Property: c.path.String(), Msg: fmt.Sprintf(format, args...)})
}

// spend accounts for produced data and stops evaluation past the limit.
func (s *state) spend(n *node, c ctx, bytes int) bool {
	if s.aborted {
		return false
	}
	s.produced += int64(bytes)
	if s.produced > maxProduced {
		s.errAt(n, c, "the template expands to more than %d MB of values (references or aliases used too many times)", maxProduced>>20)
		s.aborted = true
		return false
	}
	return true
}

const valueCost = 128

// eval resolves a raw node into a Value. It returns nil when an error was
// reported (here or earlier) and noValue for AWS::NoValue.
func (s *state) eval(n *node, c ctx) *Value {
	if s.aborted || n == nil {
		return nil
	}
	s.evalDepth++
	defer func() { s.evalDepth-- }()
	if s.evalDepth > maxEvalDepth {
		s.errAt(n, c, "functions and references are nested more than %d levels deep", maxEvalDepth)
		s.aborted = true
		return nil
	}
	switch n.kind {
	case nScalar:
		if !s.spend(n, c, valueCost+len(n.text)) {
			return nil
		}
		return &Value{Kind: n.sk, Str: n.text, File: n.file, Line: n.line, Col: n.col}
	case nSeq:
		if !s.spend(n, c, valueCost) {
			return nil
		}
		v := &Value{Kind: List, List: make([]*Value, 0, len(n.items)), File: n.file, Line: n.line, Col: n.col}
		ok := true
		for i, it := range n.items {
			iv := s.eval(it, c.at(c.path.index(i)))
			switch iv {
			case nil:
				ok = false
			case noValue:
			default:
				v.List = append(v.List, iv)
			}
		}
		if !ok {
			return nil
		}
		return v
	case nMap:
		if !s.spend(n, c, valueCost) {
			return nil
		}
		v := &Value{Kind: Map, Vals: make(map[string]*Value, len(n.ents)), File: n.file, Line: n.line, Col: n.col}
		ok := true
		for i := range n.ents {
			e := &n.ents[i]
			if e.key == "Fn::Transform" {
				s.add(&Error{File: e.file, Line: e.line, Col: e.col, LogicalID: c.id, Property: c.path.String(), Msg: macroMessage(e.val)})
				ok = false
				continue
			}
			if strings.HasPrefix(e.key, "Fn::") {
				s.add(&Error{File: e.file, Line: e.line, Col: e.col, LogicalID: c.id, Property: c.path.key(e.key).String(), Msg: fmt.Sprintf("%s must be the only key of its map (it is an intrinsic function)", e.key)})
				ok = false
				continue
			}
			ev := s.eval(e.val, c.at(c.path.key(e.key)))
			switch ev {
			case nil:
				ok = false
			case noValue:
			default:
				v.Keys = append(v.Keys, e.key)
				v.KeyPos = append(v.KeyPos, e.pos())
				v.Vals[e.key] = ev
			}
		}
		if !ok {
			return nil
		}
		return v
	case nFunc:
		return s.call(n, c)
	}
	return nil
}

var knownFunctions = []string{
	"Ref", "Condition", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Fn::Select", "Fn::Split",
	"Fn::If", "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::FindInMap", "Fn::Base64",
	"Fn::GetAZs", "Fn::Cidr", "Fn::ImportValue", "Fn::Transform", "Fn::Length", "Fn::ToJsonString",
}

// refused returns the message for a function apigw knows but does not run.
func refused(fn string) (string, bool) {
	switch {
	case fn == "Fn::ImportValue":
		return "Fn::ImportValue is not supported: apigw serves one stack; pass the value with --param", true
	case fn == "Fn::GetAZs":
		return "Fn::GetAZs is not supported: apigw has no availability zones; pass them with a parameter (List<AWS::EC2::AvailabilityZone::Name>) and --param", true
	case fn == "Fn::Cidr":
		return "Fn::Cidr is not supported: apigw computes no address blocks; pass them with a parameter and --param", true
	case fn == "Fn::Transform":
		return "Fn::Transform is not supported: macros run only inside CloudFormation (apigw runs AWS::Include only)", true
	case fn == "Fn::Length", fn == "Fn::ToJsonString", strings.HasPrefix(fn, "Fn::ForEach"):
		return fn + " is not supported: it needs the AWS::LanguageExtensions transform, which apigw does not run", true
	case fn == "Fn::GetStackOutput":
		return "Fn::GetStackOutput is not supported: apigw serves one stack; pass the value with --param", true
	case fn == "Fn::Contains", fn == "Fn::EachMemberEquals", fn == "Fn::EachMemberIn", fn == "Fn::RefAll", fn == "Fn::ValueOf", fn == "Fn::ValueOfAll", fn == "Fn::Implies":
		return fn + " can only be used in the Rules section, which apigw does not evaluate", true
	}
	return "", false
}

func (s *state) call(n *node, c ctx) *Value {
	if n.arg == nil || n.arg.kind == nInvalid {
		return nil
	}
	switch n.fn {
	case "Ref":
		return s.fnRef(n, c)
	case "Condition":
		b, ok := s.condFn(n, c)
		if !ok {
			return nil
		}
		return s.boolValue(n, c, b)
	case "Fn::Sub":
		return s.fnSub(n, c)
	case "Fn::GetAtt":
		return s.fnGetAtt(n, c)
	case "Fn::Join":
		return s.fnJoin(n, c)
	case "Fn::Select":
		return s.fnSelect(n, c)
	case "Fn::Split":
		return s.fnSplit(n, c)
	case "Fn::Base64":
		return s.fnBase64(n, c)
	case "Fn::FindInMap":
		return s.fnFindInMap(n, c)
	case "Fn::If":
		return s.fnIf(n, c)
	case "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not":
		b, ok := s.condFunc(n, c)
		if !ok {
			return nil
		}
		return s.boolValue(n, c, b)
	}
	if n.fn == "Fn::Transform" {
		// AWS::Include calls were run before evaluation.
		s.errAt(n, c, "%s", macroMessage(n.arg))
		return nil
	}
	if msg, ok := refused(n.fn); ok {
		s.errAt(n, c, "%s", msg)
		return nil
	}
	s.errAt(n, c, "unknown intrinsic function %s%s", n.fn, fnSuggestion(n.fn))
	return nil
}

// fnSuggestion compares function names without their "Fn::" prefix.
func fnSuggestion(fn string) string {
	short := make([]string, len(knownFunctions))
	for i, k := range knownFunctions {
		short[i] = strings.TrimPrefix(k, "Fn::")
	}
	if s := suggest(strings.TrimPrefix(fn, "Fn::"), short); s != "" {
		if s != "Ref" && s != "Condition" {
			s = "Fn::" + s
		}
		return "; did you mean " + s + "?"
	}
	return ""
}

func (s *state) boolValue(n *node, c ctx, b bool) *Value {
	if !s.spend(n, c, valueCost) {
		return nil
	}
	str := "false"
	if b {
		str = "true"
	}
	return &Value{Kind: Bool, Str: str, File: n.file, Line: n.line, Col: n.col}
}

func (s *state) stringValue(n *node, c ctx, str string) *Value {
	if !s.spend(n, c, valueCost+len(str)) {
		return nil
	}
	return &Value{Kind: String, Str: str, File: n.file, Line: n.line, Col: n.col}
}

// copyAt copies a value deeply; every copied value, and every key of a
// copied map, is placed at n (the call that produced it).
func (s *state) copyAt(v *Value, n *node, c ctx) *Value {
	if v == nil {
		return nil
	}
	if !s.spend(n, c, valueCost+len(v.Str)) {
		return nil
	}
	out := &Value{Kind: v.Kind, Str: v.Str, File: n.file, Line: n.line, Col: n.col, RefTo: v.RefTo, Attr: v.Attr}
	switch v.Kind {
	case List:
		out.List = make([]*Value, 0, len(v.List))
		for _, it := range v.List {
			ic := s.copyAt(it, n, c)
			if ic == nil {
				return nil
			}
			out.List = append(out.List, ic)
		}
	case Map:
		out.Keys = make([]string, 0, len(v.Keys))
		out.KeyPos = make([]Pos, 0, len(v.Keys))
		out.Vals = make(map[string]*Value, len(v.Keys))
		for _, k := range v.Keys {
			ic := s.copyAt(v.Vals[k], n, c)
			if ic == nil {
				return nil
			}
			out.Keys = append(out.Keys, k)
			out.KeyPos = append(out.KeyPos, Pos{File: n.file, Line: n.line, Col: n.col})
			out.Vals[k] = ic
		}
	}
	return out
}

func setProvenance(v *Value, id, attr string) {
	v.RefTo, v.Attr = id, attr
	for _, it := range v.List {
		setProvenance(it, id, attr)
	}
}

// args checks that a function's argument is a list of min..max items.
func (s *state) args(n *node, c ctx, min, max int, form string) []*node {
	a := n.arg
	if a.kind != nSeq || len(a.items) < min || len(a.items) > max {
		s.errAt(n, c, "%s takes %s, not %s", n.fn, form, argDescribe(a))
		return nil
	}
	return a.items
}

// argDescribe names the shape of a function argument for messages.
func argDescribe(a *node) string {
	switch {
	case a.kind == nSeq:
		return fmt.Sprintf("a list of %d", len(a.items))
	case a.kind == nScalar && a.sk == String && a.text == "":
		return "an empty string"
	}
	return a.describe()
}

// scalarArg evaluates an argument that must be a string (or number/boolean).
func (s *state) scalarArg(n *node, c ctx, what string) (*Value, bool) {
	v := s.eval(n, c)
	switch {
	case v == nil:
		return nil, false
	case v == noValue:
		s.errAt(n, c, "%s cannot be AWS::NoValue", what)
		return nil, false
	case !v.IsScalar():
		s.errAt(n, c, "%s must be a string, not a %s", what, v.Kind)
		return nil, false
	}
	return v, true
}

// listArg evaluates an argument that must be a list: a literal list (whose
// AWS::NoValue items are dropped) or a function that returns one.
func (s *state) listArg(n *node, c ctx, what string) ([]*Value, bool) {
	v := s.eval(n, c)
	switch {
	case v == nil:
		return nil, false
	case v == noValue || v.Kind != List:
		kind := "AWS::NoValue"
		if v != noValue {
			kind = "a " + v.Kind.String()
		}
		s.errAt(n, c, "%s must be a list, not %s", what, kind)
		return nil, false
	}
	return v.List, true
}

// ---- Ref ----

var pseudoNames = []string{
	"AWS::AccountId", "AWS::NotificationARNs", "AWS::NoValue", "AWS::Partition",
	"AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix",
}

func (s *state) pseudo(name string) (string, bool) {
	switch name {
	case "AWS::Region":
		return s.region, true
	case "AWS::AccountId":
		return s.account, true
	case "AWS::StackName":
		return s.stackName, true
	case "AWS::StackId":
		return s.stackID, true
	case "AWS::Partition":
		return s.partition, true
	case "AWS::URLSuffix":
		return s.urlSuffix, true
	}
	return "", false
}

func (s *state) fnRef(n *node, c ctx) *Value {
	a := n.arg
	if a.kind != nScalar || a.sk == Null || a.text == "" {
		s.errAt(n, c, "Ref takes the name of a parameter or resource, not %s", argDescribe(a))
		return nil
	}
	return s.ref(a.text, n, c, false)
}

// allNames lists what Ref can name, for suggestions.
func (s *state) allNames() []string {
	names := make([]string, 0, len(s.paramList)+len(s.resList)+len(pseudoNames))
	for _, p := range s.paramList {
		names = append(names, p.name)
	}
	names = append(names, s.resourceNames()...)
	return append(names, pseudoNames...)
}

func (s *state) nameExists(name string) bool {
	if _, ok := s.params[name]; ok {
		return true
	}
	if _, ok := s.res[name]; ok {
		return true
	}
	for _, p := range pseudoNames {
		if p == name {
			return true
		}
	}
	return false
}

func (s *state) unknownName(name string) string {
	if strings.HasPrefix(name, "AWS::") {
		return fmt.Sprintf("unknown pseudo parameter %s%s", name, didYouMean(name, pseudoNames))
	}
	return fmt.Sprintf("unresolved reference %s: no parameter or resource has this name%s", name, didYouMean(name, s.allNames()))
}

// ref resolves what Ref (or a ${name} in Fn::Sub) returns. In Sub, lists and
// AWS::NoValue are errors.
func (s *state) ref(name string, n *node, c ctx, inSub bool) *Value {
	what := "Ref " + name
	if inSub {
		what = "${" + name + "} in Fn::Sub"
	}
	switch name {
	case "AWS::NoValue":
		if inSub {
			s.errAt(n, c, "%s: AWS::NoValue cannot be part of a string", what)
			return nil
		}
		return noValue
	case "AWS::NotificationARNs":
		if inSub {
			s.errAt(n, c, "%s: AWS::NotificationARNs is a list; Fn::Sub needs a string", what)
			return nil
		}
		if !s.spend(n, c, valueCost) {
			return nil
		}
		return &Value{Kind: List, List: []*Value{}, File: n.file, Line: n.line, Col: n.col}
	}
	if str, ok := s.pseudo(name); ok {
		return s.stringValue(n, c, str)
	}
	if p, ok := s.params[name]; ok {
		v := s.paramValue(p, n, c)
		if v == nil {
			return nil
		}
		if inSub && v.Kind == List {
			s.errAt(n, c, "%s: parameter %s is a list (%s); Fn::Sub needs a string: use Fn::Join", what, name, p.typ)
			return nil
		}
		return s.copyAt(v, n, c)
	}
	if _, ok := s.res[name]; ok {
		r := s.target(name, n, c, "Ref")
		if r == nil {
			return nil
		}
		str := s.stackName + "-" + r.id
		if r.spec.Ref != nil {
			var err error
			str, err = r.spec.Ref(s.refContext(r))
			if err != nil {
				if !errors.Is(err, errReported) && !errors.Is(err, errCycle) {
					s.errAt(n, c, "%s: %v", what, err)
				}
				return nil
			}
		}
		v := s.stringValue(n, c, str)
		if v != nil && !inSub {
			v.RefTo = r.id
		}
		return v
	}
	s.errAt(n, c, "%s", s.unknownName(name))
	return nil
}

// target checks that a resource can be referenced from here and records the
// dependency. nil when it cannot (the error is reported, or was earlier).
func (s *state) target(name string, n *node, c ctx, how string) *resState {
	r := s.res[name]
	if c.inCond {
		s.errAt(n, c, "conditions cannot refer to resources (%s %s): they are evaluated before any resource", how, name)
		return nil
	}
	if !r.included {
		if !r.silent {
			s.errAt(n, c, "Unresolved resource dependency: %s %s, which is left out because its condition %s is false", how, name, r.condName)
		}
		return nil
	}
	if c.res != nil {
		c.res.addEdge(edge{to: name, file: n.file, line: n.line, col: n.col, path: c.path, kind: how})
	}
	if !r.hasSpec {
		return nil // its type was reported as unsupported
	}
	return r
}

// ---- GetAtt ----

func (s *state) fnGetAtt(n *node, c ctx) *Value {
	a := n.arg
	var name, attr string
	switch {
	case a.kind == nScalar && a.sk != Null:
		i := strings.IndexByte(a.text, '.')
		if i <= 0 || i == len(a.text)-1 {
			s.errAt(n, c, "Fn::GetAtt takes LogicalID.Attribute, not %q", a.text)
			return nil
		}
		name, attr = a.text[:i], a.text[i+1:]
	case a.kind == nSeq && len(a.items) == 2 && a.items[0].kind == nScalar && a.items[1].kind == nScalar:
		name, attr = a.items[0].text, a.items[1].text
		if name == "" || attr == "" {
			s.errAt(n, c, "Fn::GetAtt takes [LogicalID, Attribute] with both non-empty")
			return nil
		}
	default:
		s.errAt(n, c, "Fn::GetAtt takes LogicalID.Attribute or [LogicalID, Attribute] (two literal strings), not %s", argDescribe(a))
		return nil
	}
	v := s.getAtt(name, attr, n, c, fmt.Sprintf("Fn::GetAtt %s.%s", name, attr))
	if v != nil {
		setProvenance(v, name, attr)
	}
	return v
}

// getAtt resolves name.attr; what names the call in errors.
func (s *state) getAtt(name, attr string, n *node, c ctx, what string) *Value {
	if _, ok := s.res[name]; !ok {
		if _, isParam := s.params[name]; isParam {
			s.errAt(n, c, "%s: %s is a parameter; GetAtt reads attributes of resources", what, name)
		} else if _, isPseudo := s.pseudo(name); isPseudo {
			s.errAt(n, c, "%s: %s is a pseudo parameter; GetAtt reads attributes of resources", what, name)
		} else {
			s.errAt(n, c, "%s: no resource named %s%s", what, name, didYouMean(name, s.resourceNames()))
		}
		return nil
	}
	r := s.target(name, n, c, "GetAtt")
	if r == nil {
		return nil
	}
	if r.spec.GetAtt == nil {
		return s.stringValue(n, c, placeholderARN(s.partition, s.region, s.account, r.typ, r.id))
	}
	v, err := r.spec.GetAtt(s.refContext(r), attr)
	if err != nil {
		if !errors.Is(err, errReported) && !errors.Is(err, errCycle) {
			s.errAt(n, c, "%s: %v", what, err)
		}
		return nil
	}
	if v == nil {
		s.errAt(n, c, "%s: %s gives no value for attribute %s", what, r.typ, attr)
		return nil
	}
	return s.copyAt(v, n, c)
}

// placeholderARN is the default GetAtt value of a type without a GetAtt function.
func placeholderARN(partition, region, account, typ, id string) string {
	parts := strings.Split(typ, "::")
	service := strings.ToLower(parts[0])
	if len(parts) > 1 {
		service = strings.ToLower(parts[1])
	}
	name := strings.ToLower(parts[len(parts)-1])
	if service == "iam" {
		region = "" // IAM is global: arn:aws:iam::ACCOUNT:role/NAME
	}
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s/%s", partition, service, region, account, name, id)
}

// ---- Sub ----

// apigwPrefixes start API Gateway and VTL expressions that look like
// ${Resource.Attribute} in Fn::Sub.
var apigwPrefixes = map[string]bool{
	"stageVariables": true, "context": true, "request": true, "method": true, "integration": true,
	"input": true, "util": true, "stage": true, "requestContext": true, "event": true,
}

func (s *state) fnSub(n *node, c ctx) *Value {
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
	default:
		s.errAt(n, c, "Fn::Sub takes a string or [string, {Name: value}], not %s", argDescribe(a))
		return nil
	}
	if tmpl.kind == nInvalid {
		return nil
	}
	if tmpl.kind != nScalar || tmpl.sk == Null {
		s.errAt(n, c, "the Fn::Sub string must be a literal string, not %s", tmpl.describe())
		return nil
	}
	parts, err := parseSub(tmpl.text)
	if err != nil {
		s.errAt(n, c, "Fn::Sub: %v", err)
		return nil
	}
	ok := true
	varVals := map[string]*Value{}
	if vars != nil {
		switch {
		case vars.kind == nInvalid:
			return nil
		case vars.kind == nMap:
			for i := range vars.ents {
				e := &vars.ents[i]
				v := s.eval(e.val, c)
				switch {
				case v == nil:
					ok = false
				case v == noValue:
					s.errAt(e.at(), c, "Fn::Sub variable %s is AWS::NoValue; it must be a string", e.key)
					ok = false
				case !v.IsScalar():
					s.errAt(e.at(), c, "Fn::Sub variable %s must be a string, not a %s", e.key, v.Kind)
					ok = false
				default:
					varVals[e.key] = v
				}
			}
		case vars.kind == nScalar && vars.sk == Null:
		default:
			s.errAt(n, c, "the Fn::Sub variables must be a map {Name: value}, not %s", vars.describe())
			return nil
		}
	}
	var b strings.Builder
	for _, p := range parts {
		if !p.isVar {
			b.WriteString(p.text)
			continue
		}
		if vars != nil && vars.kind == nMap && vars.entry(p.text) != nil {
			if v, found := varVals[p.text]; found {
				b.WriteString(v.Str)
			}
			continue
		}
		v := s.subName(p.text, n, c)
		if v == nil {
			ok = false
			continue
		}
		b.WriteString(v.Str)
		if b.Len() > maxProduced {
			s.spend(n, c, b.Len())
			return nil
		}
	}
	if !ok {
		return nil
	}
	return s.stringValue(n, c, b.String())
}

// subName resolves ${name} in Fn::Sub: a Ref, or a GetAtt when it has a dot.
func (s *state) subName(name string, n *node, c ctx) *Value {
	i := strings.IndexByte(name, '.')
	if i < 0 {
		if !s.nameExists(name) {
			s.errAt(n, c, "Fn::Sub: ${%s}: %s", name, s.unknownName(name))
			return nil
		}
		return s.ref(name, n, c, true)
	}
	res, attr := name[:i], name[i+1:]
	if _, ok := s.res[res]; !ok || attr == "" {
		if apigwPrefixes[res] {
			s.errAt(n, c, "Fn::Sub: ${%s} is not a template variable: %s is no resource (write ${!%s} to pass the text through)", name, res, name)
		} else if attr == "" {
			s.errAt(n, c, "Fn::Sub: ${%s} has no attribute after the dot", name)
		} else {
			s.errAt(n, c, "Fn::Sub: ${%s}: no resource named %s%s", name, res, didYouMean(res, s.resourceNames()))
		}
		return nil
	}
	v := s.getAtt(res, attr, n, c, "Fn::Sub: ${"+name+"}")
	if v == nil {
		return nil
	}
	if !v.IsScalar() {
		s.errAt(n, c, "Fn::Sub: ${%s} is a %s; Fn::Sub needs a string", name, v.Kind)
		return nil
	}
	return v
}

type subPart struct {
	text  string
	isVar bool
}

// parseSub splits an Fn::Sub string into literal text and ${variables};
// ${!Literal} stands for the text ${Literal}.
func parseSub(str string) ([]subPart, error) {
	var parts []subPart
	var lit strings.Builder
	for i := 0; i < len(str); {
		j := strings.Index(str[i:], "${")
		if j < 0 {
			lit.WriteString(str[i:])
			break
		}
		lit.WriteString(str[i : i+j])
		i += j
		if i+2 < len(str) && str[i+2] == '!' {
			lit.WriteString("${")
			i += 3
			continue
		}
		end := strings.IndexByte(str[i+2:], '}')
		if end < 0 {
			return nil, fmt.Errorf("unterminated ${ at %q", clip(str[i:], 30))
		}
		name := strings.TrimSpace(str[i+2 : i+2+end])
		if name == "" {
			return nil, fmt.Errorf("empty variable ${} (write ${!} for the text ${})")
		}
		if lit.Len() > 0 {
			parts = append(parts, subPart{text: lit.String()})
			lit.Reset()
		}
		parts = append(parts, subPart{text: name, isVar: true})
		i += 2 + end + 1
	}
	if lit.Len() > 0 {
		parts = append(parts, subPart{text: lit.String()})
	}
	return parts, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ---- Join, Select, Split, Base64 ----

func (s *state) fnJoin(n *node, c ctx) *Value {
	items := s.args(n, c, 2, 2, "[delimiter, [values]]")
	if items == nil {
		return nil
	}
	d, dok := s.scalarArg(items[0], c, "the Fn::Join delimiter")
	list, lok := s.listArg(items[1], c, "the Fn::Join values")
	if !dok || !lok {
		return nil
	}
	var b strings.Builder
	for i, v := range list {
		if !v.IsScalar() {
			s.errAt(n, c, "Fn::Join values must be strings; item %d is a %s", i, v.Kind)
			return nil
		}
		if i > 0 {
			b.WriteString(d.Str)
		}
		b.WriteString(v.Str)
		if b.Len() > maxProduced {
			s.spend(n, c, b.Len())
			return nil
		}
	}
	return s.stringValue(n, c, b.String())
}

func (s *state) fnSelect(n *node, c ctx) *Value {
	items := s.args(n, c, 2, 2, "[index, [values]]")
	if items == nil {
		return nil
	}
	iv, iok := s.scalarArg(items[0], c, "the Fn::Select index")
	list, lok := s.listArg(items[1], c, "the Fn::Select values")
	if !iok || !lok {
		return nil
	}
	idx, err := iv.Int()
	if err != nil {
		s.errAt(items[0], c, "the Fn::Select index: %v", err)
		return nil
	}
	if idx < 0 || idx >= int64(len(list)) {
		s.errAt(n, c, "Fn::Select index %d is out of range for a list of %d items", idx, len(list))
		return nil
	}
	return s.copyAt(list[idx], n, c)
}

func (s *state) fnSplit(n *node, c ctx) *Value {
	items := s.args(n, c, 2, 2, "[delimiter, string]")
	if items == nil {
		return nil
	}
	d, dok := s.scalarArg(items[0], c, "the Fn::Split delimiter")
	src, sok := s.scalarArg(items[1], c, "the Fn::Split source")
	if !dok || !sok {
		return nil
	}
	if d.Str == "" {
		s.errAt(n, c, "the Fn::Split delimiter cannot be empty")
		return nil
	}
	parts := strings.Split(src.Str, d.Str)
	if !s.spend(n, c, valueCost*(len(parts)+1)) {
		return nil
	}
	out := &Value{Kind: List, List: make([]*Value, len(parts)), File: n.file, Line: n.line, Col: n.col}
	for i, p := range parts {
		out.List[i] = &Value{Kind: String, Str: p, File: n.file, Line: n.line, Col: n.col}
	}
	return out
}

func (s *state) fnBase64(n *node, c ctx) *Value {
	v, ok := s.scalarArg(n.arg, c, "the Fn::Base64 value")
	if !ok {
		return nil
	}
	return s.stringValue(n, c, base64.StdEncoding.EncodeToString([]byte(v.Str)))
}

// ---- FindInMap ----

func (s *state) fnFindInMap(n *node, c ctx) *Value {
	items := s.args(n, c, 3, 4, "[MapName, TopLevelKey, SecondLevelKey] (and optionally {DefaultValue: value})")
	if items == nil {
		return nil
	}
	var keys [3]string
	ok := true
	for i, what := range []string{"the mapping name", "the top-level key", "the second-level key"} {
		v, vok := s.scalarArg(items[i], c, "Fn::FindInMap: "+what)
		if !vok {
			ok = false
			continue
		}
		keys[i] = v.Str
	}
	var def *node
	if len(items) == 4 {
		d := items[3]
		if d.kind != nMap || len(d.ents) != 1 || d.ents[0].key != "DefaultValue" {
			if d.kind != nInvalid {
				s.errAt(d, c, "the fourth Fn::FindInMap argument must be {DefaultValue: value}, not %s", d.describe())
			}
			return nil
		}
		def = d.ents[0].val
	}
	if !ok {
		return nil
	}
	m := s.mappings.get(keys[0])
	if m == nil {
		var names []string
		if s.mappings != nil {
			for _, e := range s.mappings.ents {
				names = append(names, e.key)
			}
		}
		s.errAt(n, c, "Fn::FindInMap: no mapping named %s%s", keys[0], didYouMean(keys[0], names))
		return nil
	}
	if m.kind != nMap {
		return nil // reported in Mappings
	}
	top := m.get(keys[1])
	if top == nil {
		if def != nil {
			return s.eval(def, c)
		}
		s.errAt(n, c, "Fn::FindInMap: mapping %s has no top-level key %s%s (keys: %s)", keys[0], keys[1], didYouMean(keys[1], entKeys(m)), keyList(m))
		return nil
	}
	if top.kind != nMap {
		return nil
	}
	v := top.get(keys[2])
	if s.badMapping[v] {
		return nil
	}
	if v == nil {
		if def != nil {
			return s.eval(def, c)
		}
		s.errAt(n, c, "Fn::FindInMap: mapping %s has no key %s under %s%s (keys: %s)", keys[0], keys[2], keys[1], didYouMean(keys[2], entKeys(top)), keyList(top))
		return nil
	}
	lit := s.eval(v, ctx{id: keys[0], path: (*path)(nil).key(keys[1]).key(keys[2])})
	if lit == nil || lit == noValue {
		return nil
	}
	return s.copyAt(lit, n, c)
}

func entKeys(m *node) []string {
	keys := make([]string, 0, len(m.ents))
	for _, e := range m.ents {
		keys = append(keys, e.key)
	}
	return keys
}

func keyList(m *node) string {
	keys := entKeys(m)
	if len(keys) > 10 {
		keys = append(keys[:10:10], "...")
	}
	return strings.Join(keys, ", ")
}

// ---- conditions ----

func (s *state) fnIf(n *node, c ctx) *Value {
	items := s.args(n, c, 3, 3, "[condition name, value if true, value if false]")
	if items == nil {
		return nil
	}
	cn := items[0]
	if cn.kind == nInvalid {
		return nil
	}
	if cn.kind != nScalar || cn.sk == Null {
		s.errAt(n, c, "the first Fn::If argument must be a condition name, not %s", cn.describe())
		return nil
	}
	val, ok := s.condByName(cn.text, n, c)
	if !ok {
		return nil
	}
	if val {
		s.check(items[2], c)
		return s.eval(items[1], c)
	}
	s.check(items[1], c)
	return s.eval(items[2], c)
}

// condFn evaluates the Condition function (!Condition name).
func (s *state) condFn(n *node, c ctx) (bool, bool) {
	a := n.arg
	if a.kind != nScalar || a.sk == Null {
		s.errAt(n, c, "Condition takes a condition name, not %s", a.describe())
		return false, false
	}
	return s.condByName(a.text, n, c)
}

// condFunc evaluates Fn::Equals, Fn::And, Fn::Or and Fn::Not.
func (s *state) condFunc(n *node, c ctx) (bool, bool) {
	switch n.fn {
	case "Fn::Equals":
		items := s.args(n, c, 2, 2, "[value, value]")
		if items == nil {
			return false, false
		}
		a := s.eval(items[0], c)
		b := s.eval(items[1], c)
		if a == nil || b == nil {
			return false, false
		}
		return equalValues(a, b), true
	case "Fn::Not":
		items := s.args(n, c, 1, 1, "[condition]")
		if items == nil {
			return false, false
		}
		v, ok := s.evalCond(items[0], c)
		return !v, ok
	case "Fn::And", "Fn::Or":
		items := s.args(n, c, 2, 10, "a list of 2 to 10 conditions")
		if items == nil {
			return false, false
		}
		and := n.fn == "Fn::And"
		result, allOK := and, true
		for _, it := range items {
			v, ok := s.evalCond(it, c)
			if !ok {
				allOK = false
				continue
			}
			if and {
				result = result && v
			} else {
				result = result || v
			}
		}
		return result, allOK
	}
	return false, false
}

// equalValues compares two values as strings (lists item by item).
func equalValues(a, b *Value) bool {
	if a == noValue || b == noValue {
		return a == b
	}
	if a.Kind == List || b.Kind == List {
		if a.Kind != b.Kind || len(a.List) != len(b.List) {
			return false
		}
		for i := range a.List {
			if !equalValues(a.List[i], b.List[i]) {
				return false
			}
		}
		return true
	}
	if a.Kind == Map || b.Kind == Map {
		if a.Kind != b.Kind || len(a.Keys) != len(b.Keys) {
			return false
		}
		for _, k := range a.Keys {
			bv, ok := b.Vals[k]
			if !ok || !equalValues(a.Vals[k], bv) {
				return false
			}
		}
		return true
	}
	return a.Str == b.Str
}

// evalCond evaluates a condition expression: {Condition: name}, a condition
// function, or anything that resolves to true or false.
func (s *state) evalCond(n *node, c ctx) (bool, bool) {
	if n.kind == nMap && len(n.ents) == 1 && n.ents[0].key == "Condition" {
		ce := &n.ents[0]
		cn := ce.val
		if cn.kind != nScalar || cn.sk == Null {
			if cn.kind != nInvalid {
				s.errAt(ce.at(), c, "Condition takes a condition name, not %s", cn.describe())
			}
			return false, false
		}
		return s.condByName(cn.text, ce.at(), c)
	}
	v := s.eval(n, c)
	if v == nil {
		return false, false
	}
	if v == noValue {
		s.errAt(n, c, "a condition cannot be AWS::NoValue")
		return false, false
	}
	b, err := v.Boolean()
	if err != nil {
		s.errAt(n, c, "a condition must be true or false (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition): %v", err)
		return false, false
	}
	return b, true
}

// ---- static checks of what is not evaluated ----

// check looks at a part of the template that is not evaluated (the branch of
// Fn::If not taken, a resource whose condition is false) for names that
// exist nowhere, as CloudFormation does.
func (s *state) check(n *node, c ctx) {
	if n == nil || s.aborted {
		return
	}
	switch n.kind {
	case nSeq:
		for i, it := range n.items {
			s.check(it, c.at(c.path.index(i)))
		}
	case nMap:
		for _, e := range n.ents {
			s.check(e.val, c.at(c.path.key(e.key)))
		}
	case nFunc:
		a := n.arg
		switch n.fn {
		case "Ref":
			if a.kind == nScalar && !s.nameExists(a.text) {
				s.errAt(n, c, "%s", s.unknownName(a.text))
			}
		case "Fn::GetAtt":
			name := ""
			if a.kind == nScalar {
				name, _, _ = strings.Cut(a.text, ".")
			} else if a.kind == nSeq && len(a.items) > 0 && a.items[0].kind == nScalar {
				name = a.items[0].text
			}
			if _, ok := s.res[name]; name != "" && !ok {
				s.errAt(n, c, "Fn::GetAtt %s: no resource named %s%s", name, name, didYouMean(name, s.resourceNames()))
			}
		case "Fn::Sub":
			tmpl, vars := a, (*node)(nil)
			if a.kind == nSeq && len(a.items) > 0 {
				tmpl = a.items[0]
				if len(a.items) > 1 {
					vars = a.items[1]
				}
			}
			if tmpl.kind == nScalar {
				parts, err := parseSub(tmpl.text)
				if err != nil {
					s.errAt(n, c, "Fn::Sub: %v", err)
				}
				for _, p := range parts {
					if !p.isVar || vars.entry(p.text) != nil {
						continue
					}
					name, _, dotted := strings.Cut(p.text, ".")
					if dotted {
						if _, ok := s.res[name]; !ok {
							s.errAt(n, c, "Fn::Sub: ${%s}: no resource named %s", p.text, name)
						}
					} else if !s.nameExists(name) {
						s.errAt(n, c, "Fn::Sub: ${%s}: %s", p.text, s.unknownName(name))
					}
				}
			}
		case "Fn::If", "Condition":
			cn := a
			if n.fn == "Fn::If" && a.kind == nSeq && len(a.items) > 0 {
				cn = a.items[0]
			}
			if cn.kind == nScalar {
				if _, ok := s.conds[cn.text]; !ok {
					s.errAt(n, c, "no condition named %s%s", cn.text, didYouMean(cn.text, s.condNames()))
				}
			}
		default:
			found := false
			for _, k := range knownFunctions {
				found = found || k == n.fn
			}
			if !found {
				if _, ok := refused(n.fn); !ok {
					s.errAt(n, c, "unknown intrinsic function %s%s", n.fn, fnSuggestion(n.fn))
				}
			}
		}
		s.check(a, c)
	}
}
