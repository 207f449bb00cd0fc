package template

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
)

// Options are the values a template is resolved with.
type Options struct {
	Params    map[string]string   // --param NAME=VALUE overrides
	Region    string              // AWS::Region (default "us-east-1" when empty)
	AccountID string              // AWS::AccountId (default "123456789012")
	StackName string              // AWS::StackName (default: file base name without extension)
	Types     map[string]TypeSpec // what each resource type returns for Ref/GetAtt
	// ReadFile reads a file that the template includes (AWS::Include with a
	// local Location), given its path: the Location joined to the folder of
	// the template file. nil: the file is read from disk with inputfile's
	// limits, as the template is. Tests and fuzzing give files from memory.
	ReadFile func(path string) ([]byte, error)
}

// TypeSpec says how a resource type behaves. A type absent from Options.Types
// is an error ("unsupported resource type AWS::X::Y") naming the logical ID,
// "Type" and the line.
type TypeSpec struct {
	// Ignored types are accepted but not served (IAM roles, log groups,
	// permissions...): Template.Notes gets a line for each such resource.
	Ignored bool
	// Refused, when not empty, says why a type that changes what clients
	// see is not supported: the resource is an error at its Type, and
	// references to it still resolve, so the rest of the template is checked.
	Refused string
	// Ref returns what !Ref returns for a resource of this type. nil: the
	// default "<StackName>-<LogicalID>".
	Ref func(rc *RefContext) (string, error)
	// GetAtt returns the attribute value (a String, or a List for list
	// attributes). nil: any attribute gives a placeholder ARN
	// "arn:<partition>:<service>:<region>:<account>:<lower(type name)>/<LogicalID>"
	// where service is the lower-cased second part of the type
	// (AWS::IAM::Role -> iam). An error (e.g. unknown attribute) is reported
	// at the !GetAtt with the logical ID and property path.
	GetAtt func(rc *RefContext, attr string) (*Value, error)
}

// customResourceSpec is a custom resource's (Custom::X,
// AWS::CloudFormation::CustomResource; CDK makes them for bucket
// deployments and auto-deleted buckets): accepted and noted, as its code
// runs inside CloudFormation; its attributes, which that code makes, cannot
// be known.
var customResourceSpec = TypeSpec{Ignored: true, GetAtt: func(rc *RefContext, attr string) (*Value, error) {
	return nil, fmt.Errorf("%s is a custom resource: its attribute %s is made by code that runs inside CloudFormation, which apigw does not run; give the value another way (a Parameter)", rc.LogicalID, attr)
}}

// RefContext is what TypeSpec.Ref and TypeSpec.GetAtt see of the resource
// that is referenced.
type RefContext struct {
	LogicalID, Type                                    string
	Region, AccountID, StackName, Partition, URLSuffix string
	// Prop resolves one top-level property of the referenced resource (nil,
	// nil when absent), e.g. FunctionName for a Lambda function's Ref.
	// Resolution is lazy and cycle-checked. An error means the property could
	// not be resolved; it has been reported already, so return it unchanged
	// (or wrapped with %w) rather than making a new message of it.
	Prop func(name string) (*Value, error)
}

// Template is a resolved CloudFormation template.
type Template struct {
	File        string
	Description string
	Resources   []*Resource  // document order; resources whose Condition is false are left out
	Outputs     []*Output    // resolved; outputs whose Condition is false are left out
	Parameters  []*Parameter // declared parameters with their final values
	Notes       []string     // e.g. "LambdaExecutionRole (AWS::IAM::Role): accepted, not served"
	Includes    []string     // the files that AWS::Include inserted, in the order read (to watch with the template)
}

// Resource is one resource with its properties resolved.
type Resource struct {
	LogicalID, Type string
	Line, Col       int    // where the logical ID (the resource's key) is written
	File            string // where Line is when not Template.File: a file AWS::Include inserted
	Properties      *Value // resolved Map, never nil (empty map when absent); AWS::NoValue entries removed
	// PropertiesAt is where the Properties key is written (Line 0 when the
	// resource has none): where a missing top-level property is reported.
	PropertiesAt Pos
	DependsOn    []string
	Metadata     *Value // resolved or nil
	// Generated: made by the SAM transform, not written in the template
	// (roles, versions, permissions, usage plans' keys): notes about it
	// would name something the user cannot find.
	Generated bool
}

// Output is one resolved output.
type Output struct {
	LogicalID   string
	Value       *Value
	Description string
	Line        int
	File        string // where Line is when not Template.File: a file AWS::Include inserted
}

// Parameter is one declared parameter and its final value.
type Parameter struct {
	Name, Type string
	Value      *Value // nil when it has none (an error, or an unused SSM parameter)
	Line       int
	File       string // where Line is when not Template.File: a file AWS::Include inserted
}

// Resource lookup by logical ID.
func (t *Template) Resource(id string) *Resource {
	for _, r := range t.Resources {
		if r.LogicalID == id {
			return r
		}
	}
	return nil
}

// Load reads a template file, then parses it. The error is an ErrorList.
func Load(path string, opts Options) (*Template, error) {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: "cannot read the template: " + err.Error()}}
	}
	return Parse(path, data, opts)
}

// Parse reads a template (YAML or JSON) and resolves it. file names it in
// errors and gives the default stack name. The error is an ErrorList holding
// every problem found; the template is nil then.
func Parse(file string, data []byte, opts Options) (t *Template, err error) {
	s := newState(file, opts)
	defer func() {
		if p := recover(); p != nil {
			s.errs = append(s.errs, &Error{File: file, Msg: fmt.Sprintf("internal error: panic: %v\n%s", p, debug.Stack())})
			t, err = nil, s.errs
		}
	}()
	t = s.run(data)
	if t == nil && len(s.errs) == 0 {
		s.errs = append(s.errs, &Error{File: file, Msg: "internal error: no template and no error"})
	}
	if len(s.errs) > 0 {
		sort.SliceStable(s.errs, func(i, j int) bool {
			a, b := s.errs[i], s.errs[j]
			if ra, rb := s.rank(a.File), s.rank(b.File); ra != rb {
				return ra < rb
			}
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, s.errs
	}
	return t, nil
}

// sentinel errors between RefContext.Prop and the Ref/GetAtt that called it.
var (
	errReported = errors.New("the property could not be resolved (reported where it is)")
	errCycle    = errors.New("circular dependency")
)

type state struct {
	file string
	opts Options

	stackName, region, account, partition, urlSuffix, stackID string

	errs    ErrorList
	seen    map[Error]bool
	tooMany bool

	root       *node
	rawRoot    *node // the template as written, before its transforms run
	params     map[string]*paramState
	paramList  []*paramState
	paramsRead bool  // params holds the parameters of paramSec
	paramSec   *node // the Parameters section they were read from (nil: none)
	mappings   *node
	badMapping map[*node]bool // mapping values that hold functions (reported)
	condStack  []string
	conds      map[string]*condState
	condList   []*condState
	res        map[string]*resState
	resList    []*resState

	produced  int64
	aborted   bool
	evalDepth int
	notes     []string

	// what the transforms read
	fileRank   map[string]int          // the template 0, then included files in the order read (errors are sorted so)
	snippets   map[string]*snippetFile // included files by path, read once
	inputBytes int64                   // bytes of the template and the files it includes
	inserted   int                     // values that AWS::Include inserted, counting each use
	// samGenerated: the resources the SAM transform generated (their
	// "accepted, not served" notes are left out: the transform notes what
	// the user wrote instead)
	samGenerated map[string]bool
}

func newState(file string, opts Options) *state {
	s := &state{
		file:   file,
		opts:   opts,
		seen:   map[Error]bool{},
		params: map[string]*paramState{},
		conds:  map[string]*condState{},
		res:    map[string]*resState{},

		fileRank: map[string]int{file: 0},
		snippets: map[string]*snippetFile{},
	}
	s.region = opts.Region
	if s.region == "" {
		s.region = "us-east-1"
	}
	s.account = opts.AccountID
	if s.account == "" {
		s.account = "123456789012"
	}
	s.stackName = opts.StackName
	if s.stackName == "" {
		base := filepath.Base(file)
		s.stackName = strings.TrimSuffix(base, filepath.Ext(base))
		if s.stackName == "" || s.stackName == "." || s.stackName == string(filepath.Separator) {
			s.stackName = "stack"
		}
	}
	s.partition, s.urlSuffix = partitionOf(s.region)
	s.stackID = fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/51af3dc0-da77-11e4-872e-1234567db123", s.partition, s.region, s.account, s.stackName)
	return s
}

// partitionOf returns AWS::Partition and AWS::URLSuffix for a region.
func partitionOf(region string) (partition, urlSuffix string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn", "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov", "amazonaws.com"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b", "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso", "c2s.ic.gov"
	}
	return "aws", "amazonaws.com"
}

// rank orders errors by file: the template first, then the files it
// includes in the order they were read.
func (s *state) rank(file string) int {
	if r, ok := s.fileRank[file]; ok {
		return r
	}
	return len(s.fileRank)
}

// lineRef names a line for messages: "line 12", or "line 12 of x.yaml" in
// a file that the template includes.
func (s *state) lineRef(file string, line int) string {
	if file == "" || file == s.file {
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d of %s", line, file)
}

func (s *state) add(e *Error) {
	if e.File == "" {
		e.File = s.file
	}
	if s.seen[*e] {
		return
	}
	s.seen[*e] = true
	if len(s.errs) >= maxErrors {
		if !s.tooMany {
			s.tooMany = true
			s.errs = append(s.errs, &Error{File: e.File, Line: e.Line, Msg: fmt.Sprintf("too many errors (more than %d); stopping", maxErrors)})
		}
		s.aborted = true
		return
	}
	s.errs = append(s.errs, e)
}

var sections = []string{
	"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
	"Mappings", "Conditions", "Transform", "Resources", "Outputs",
}

// run reads the template, runs its transforms, and resolves it:
//
//	read (decode YAML or JSON into the node tree)
//	 -> passes (the transforms: Fn::Transform calls, then the Transform section)
//	 -> resolve (parameters, mappings, conditions, resources, outputs)
//
// Each stage reports its errors; a stage that cannot give the next one a
// template returns nil.
func (s *state) run(data []byte) *Template {
	root := s.readTemplate(data)
	if root == nil {
		return nil
	}
	s.rawRoot = root
	root = s.runTransforms(root)
	if root == nil || s.aborted {
		return nil
	}
	return s.resolve(root)
}

// readTemplate decodes the template into the node tree: a map of sections,
// or nil after reporting why not.
func (s *state) readTemplate(data []byte) *node {
	s.inputBytes = int64(len(data))
	doc := s.decode("", data, "the template")
	if doc == nil {
		return nil
	}
	root := s.newReader("").read(doc, where{})
	if root.kind == nInvalid {
		return nil
	}
	if root.kind == nScalar && root.sk == Null {
		s.add(&Error{Msg: "the template is empty"})
		return nil
	}
	if root.kind != nMap {
		s.add(&Error{Line: root.line, Col: root.col, Msg: fmt.Sprintf("a template is a map of sections (Resources, Parameters, ...), not %s", root.describe())})
		return nil
	}
	return root
}

// checkSections reports the top-level keys that are not sections.
func (s *state) checkSections(root *node) {
	for _, e := range root.ents {
		known := false
		for _, k := range sections {
			if e.key == k {
				known = true
			}
		}
		if !known && e.key == "Globals" {
			// SAM's section: the SAM transform (run on any template that
			// has it) takes it out; it is left only when another transform
			// failed first.
		} else if !known {
			s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: e.key, Msg: fmt.Sprintf("unknown top-level section %s%s", e.key, didYouMean(e.key, sections))})
		}
	}
}

// resolve turns the node tree (its transforms run) into a Template.
func (s *state) resolve(root *node) *Template {
	s.root = root
	t := &Template{File: s.file}
	s.checkSections(root)
	if e := root.entry("AWSTemplateFormatVersion"); e != nil {
		if v := e.val; v.kind != nScalar || v.text != "2010-09-09" {
			s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: "AWSTemplateFormatVersion", Msg: "AWSTemplateFormatVersion must be 2010-09-09"})
		}
	}
	if e := root.entry("Description"); e != nil {
		if v := e.val; v.kind != nScalar || v.sk == Null {
			if v.kind != nInvalid && !(v.kind == nScalar && v.sk == Null) {
				s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: "Description", Msg: "Description must be a string, not " + v.describe()})
			}
		} else {
			t.Description = v.text
		}
	}
	for _, k := range []string{"Metadata", "Rules"} {
		if e := root.entry(k); e != nil && e.val.kind != nMap && e.val.kind != nInvalid && !(e.val.kind == nScalar && e.val.sk == Null) {
			s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: k, Msg: fmt.Sprintf("%s must be a map, not %s", k, e.val.describe())})
		}
	}
	if v := root.get("Rules"); v != nil && v.kind == nMap && len(v.ents) > 0 {
		s.notes = append(s.notes, "Rules: not evaluated (apigw checks parameters against their own constraints only)")
	}

	s.readParameters()
	s.readMappings()
	s.readConditions()
	s.readResources()
	if s.aborted {
		return nil
	}
	s.evalConditions()
	s.includeResources()
	s.checkDependsOn()
	t.Parameters = s.parameterList()
	t.Resources = s.resolveResources()
	t.Outputs = s.resolveOutputs()
	s.checkCycles()
	s.unusedSSMNotes()
	t.Notes = s.notes
	t.Includes = make([]string, len(s.fileRank)-1)
	for f, r := range s.fileRank {
		if r > 0 {
			t.Includes[r-1] = f
		}
	}
	return t
}

// section returns a top-level section when it is a map; null counts as
// absent, and anything else is reported.
func (s *state) section(name string) *node {
	e := s.root.entry(name)
	if e == nil {
		return nil
	}
	v := e.val
	switch {
	case v.kind == nMap:
		return v
	case v.kind == nInvalid:
	case v.kind == nScalar && v.sk == Null:
	default:
		s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: name, Msg: fmt.Sprintf("%s must be a map, not %s", name, v.describe())})
	}
	return nil
}

// ---- resources ----

type resState struct {
	id, typ   string
	file      string // where the logical ID was read ("" for the template itself)
	line, col int
	decl      *node
	spec      TypeSpec
	hasSpec   bool
	condName  string
	condNode  *node // the Condition key (where a problem with it is reported)
	included  bool
	silent    bool // left out because its condition failed: references are not reported again
	props     *node
	propsKey  *entry // the Properties entry
	propVals  map[string]*propState
	whole     *propState
	dependsOn []dependsRef
	edges     []edge
	edgeSet   map[string]bool
}

type dependsRef struct {
	name      string
	file      string
	line, col int
	path      *path
}

type propState struct {
	busy, done bool
	val        *Value
}

type edge struct {
	to        string
	file      string
	line, col int
	path      *path
	kind      string // "Ref", "GetAtt", "Sub", "DependsOn"
}

var resourceAttributes = []string{
	"Type", "Properties", "DependsOn", "Condition", "Metadata", "DeletionPolicy",
	"UpdateReplacePolicy", "UpdatePolicy", "CreationPolicy",
}

func (s *state) readResources() {
	e := s.root.entry("Resources")
	if e == nil {
		s.add(&Error{Msg: "the template has no Resources section"})
		return
	}
	sec := s.section("Resources")
	if sec == nil {
		if e.val.kind == nScalar && e.val.sk == Null {
			s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: "Resources", Msg: "the Resources section is empty"})
		}
		return
	}
	if len(sec.ents) == 0 {
		s.add(&Error{File: e.file, Line: e.line, Col: e.col, Property: "Resources", Msg: "the Resources section is empty"})
		return
	}
	for _, re := range sec.ents {
		r := &resState{id: re.key, file: re.file, line: re.line, col: re.col, decl: re.val, propVals: map[string]*propState{}, edgeSet: map[string]bool{}}
		s.res[r.id] = r
		s.resList = append(s.resList, r)
		if !isAlphanumeric(r.id) {
			s.add(&Error{File: re.file, Line: re.line, Col: re.col, LogicalID: r.id, Msg: "a logical ID must be alphanumeric (A-Z, a-z, 0-9)"})
		}
		if p, ok := s.params[r.id]; ok {
			s.add(&Error{File: re.file, Line: re.line, Col: re.col, LogicalID: r.id, Msg: fmt.Sprintf("%s is declared both as a parameter (%s) and as a resource", r.id, s.lineRef(p.file, p.line))})
		}
		d := re.val
		if d.kind != nMap {
			if d.kind != nInvalid {
				s.add(&Error{File: re.file, Line: re.line, Col: re.col, LogicalID: r.id, Msg: "a resource must be a map with Type and Properties, not " + d.describe()})
			}
			continue
		}
		for _, a := range d.ents {
			known := false
			for _, k := range resourceAttributes {
				if a.key == k {
					known = true
				}
			}
			if !known {
				s.add(&Error{File: a.file, Line: a.line, Col: a.col, LogicalID: r.id, Property: a.key, Msg: fmt.Sprintf("unknown resource attribute %s%s", a.key, didYouMean(a.key, resourceAttributes))})
			}
		}
		te := d.entry("Type")
		switch {
		case te == nil:
			s.add(&Error{File: re.file, Line: re.line, Col: re.col, LogicalID: r.id, Property: "Type", Msg: "the resource has no Type"})
		case te.val.kind == nInvalid:
		case !te.val.isString() || te.val.text == "":
			s.add(&Error{File: te.file, Line: te.line, Col: te.col, LogicalID: r.id, Property: "Type", Msg: "Type must be a resource type name such as AWS::ApiGateway::RestApi, not " + te.val.describe()})
		default:
			r.typ = te.val.text
			spec, ok := s.opts.Types[r.typ]
			if !ok && (strings.HasPrefix(r.typ, "Custom::") || r.typ == "AWS::CloudFormation::CustomResource") && len(s.opts.Types) > 0 {
				spec, ok = customResourceSpec, true
			}
			if !ok {
				known := make([]string, 0, len(s.opts.Types))
				for k := range s.opts.Types {
					known = append(known, k)
				}
				sortStrings(known)
				msg := "unsupported resource type " + r.typ + didYouMean(r.typ, known)
				if strings.HasPrefix(r.typ, "AWS::Serverless::") {
					msg += " (apigw's SAM transform does not translate it)"
				} else if strings.HasPrefix(r.typ, "Custom::") || r.typ == "AWS::CloudFormation::CustomResource" {
					msg += " (custom resources run code inside CloudFormation)"
				}
				s.add(&Error{File: te.file, Line: te.line, Col: te.col, LogicalID: r.id, Property: "Type", Msg: msg})
			} else {
				r.spec, r.hasSpec = spec, true
				if spec.Refused != "" {
					s.add(&Error{File: te.file, Line: te.line, Col: te.col, LogicalID: r.id, Property: "Type", Msg: r.typ + " is not supported yet: " + spec.Refused})
				}
			}
		}
		if ce := d.entry("Condition"); ce != nil {
			switch v := ce.val; {
			case v.kind == nInvalid:
			case !v.isString():
				s.add(&Error{File: ce.file, Line: ce.line, Col: ce.col, LogicalID: r.id, Property: "Condition", Msg: "Condition must be the name of a condition, not " + v.describe()})
			default:
				r.condName, r.condNode = v.text, ce.at()
			}
		}
		if de := d.entry("DependsOn"); de != nil {
			v := de.val
			switch v.kind {
			case nInvalid:
			case nScalar:
				if v.sk != String {
					s.add(&Error{File: de.file, Line: de.line, Col: de.col, LogicalID: r.id, Property: "DependsOn", Msg: "DependsOn must be a logical ID or a list of them, not " + v.describe()})
				} else {
					r.dependsOn = append(r.dependsOn, dependsRef{name: v.text, file: de.file, line: de.line, col: de.col, path: (*path)(nil).key("DependsOn")})
				}
			case nSeq:
				for i, it := range v.items {
					if !it.isString() {
						if it.kind != nInvalid {
							s.add(&Error{File: it.file, Line: it.line, Col: it.col, LogicalID: r.id, Property: fmt.Sprintf("DependsOn[%d]", i), Msg: "DependsOn items must be logical IDs, not " + it.describe()})
						}
						continue
					}
					r.dependsOn = append(r.dependsOn, dependsRef{name: it.text, file: it.file, line: it.line, col: it.col, path: (*path)(nil).key("DependsOn").index(i)})
				}
			default:
				s.add(&Error{File: de.file, Line: de.line, Col: de.col, LogicalID: r.id, Property: "DependsOn", Msg: "DependsOn must be a logical ID or a list of them, not " + v.describe()})
			}
		}
		if pe := d.entry("Properties"); pe != nil {
			r.props, r.propsKey = pe.val, pe
		}
	}
}

func (s *state) includeResources() {
	for _, r := range s.resList {
		r.included = true
		if r.condNode == nil {
			continue
		}
		c, ok := s.conds[r.condName]
		if !ok {
			names := make([]string, 0, len(s.condList))
			for _, c := range s.condList {
				names = append(names, c.name)
			}
			s.add(&Error{File: r.condNode.file, Line: r.condNode.line, Col: r.condNode.col, LogicalID: r.id, Property: "Condition", Msg: fmt.Sprintf("no condition named %s in the Conditions section%s", r.condName, didYouMean(r.condName, names))})
			r.included, r.silent = false, true
			continue
		}
		if c.failed {
			r.included, r.silent = false, true
			continue
		}
		r.included = c.val
	}
}

func (s *state) checkDependsOn() {
	for _, r := range s.resList {
		for _, d := range r.dependsOn {
			t, ok := s.res[d.name]
			if !ok {
				s.add(&Error{File: d.file, Line: d.line, Col: d.col, LogicalID: r.id, Property: d.path.String(), Msg: fmt.Sprintf("DependsOn names %s, which is not a resource in this template%s", d.name, didYouMean(d.name, s.resourceNames()))})
				continue
			}
			if !r.included {
				continue
			}
			if !t.included {
				if !t.silent {
					s.add(&Error{File: d.file, Line: d.line, Col: d.col, LogicalID: r.id, Property: d.path.String(), Msg: fmt.Sprintf("Unresolved resource dependency: DependsOn names %s, which is left out because its condition %s is false", d.name, t.condName)})
				}
				continue
			}
			r.addEdge(edge{to: d.name, file: d.file, line: d.line, col: d.col, path: d.path, kind: "DependsOn"})
		}
	}
}

func (r *resState) addEdge(e edge) {
	if r.edgeSet[e.to] {
		return
	}
	r.edgeSet[e.to] = true
	r.edges = append(r.edges, e)
}

func (s *state) resourceNames() []string {
	names := make([]string, 0, len(s.resList))
	for _, r := range s.resList {
		names = append(names, r.id)
	}
	return names
}

// resolveResources resolves every included resource in document order, and
// checks the names that left-out resources use.
func (s *state) resolveResources() []*Resource {
	var out []*Resource
	for _, r := range s.resList {
		if s.aborted {
			return out
		}
		if !r.included {
			if r.decl != nil && r.decl.kind == nMap {
				for _, k := range []string{"Properties", "Metadata"} {
					if v := r.decl.get(k); v != nil {
						s.check(v, ctx{id: r.id, path: (*path)(nil).key(k)})
					}
				}
			}
			continue
		}
		if r.hasSpec && r.spec.Ignored && !s.samGenerated[r.id] {
			s.notes = append(s.notes, fmt.Sprintf("%s (%s): accepted, not served", r.id, r.typ))
		}
		res := &Resource{LogicalID: r.id, Type: r.typ, File: r.file, Line: r.line, Col: r.col, Generated: s.samGenerated[r.id]}
		if r.propsKey != nil {
			res.PropertiesAt = r.propsKey.pos()
		}
		res.Properties = s.resourceProperties(r)
		for _, d := range r.dependsOn {
			res.DependsOn = append(res.DependsOn, d.name)
		}
		if r.decl != nil && r.decl.kind == nMap {
			if m := r.decl.get("Metadata"); m != nil {
				v := s.eval(m, ctx{id: r.id, res: r, path: (*path)(nil).key("Metadata")})
				if v != nil && v != noValue {
					res.Metadata = v
				}
			}
		}
		out = append(out, res)
	}
	return out
}

// resourceProperties resolves all properties of a resource into a map.
func (s *state) resourceProperties(r *resState) *Value {
	props := &Value{Kind: Map, Vals: map[string]*Value{}}
	if r.props != nil {
		props.File, props.Line, props.Col = r.props.file, r.props.line, r.props.col
	}
	switch {
	case r.props == nil:
	case r.props.kind == nMap:
		props.Keys = make([]string, 0, len(r.props.ents))
		props.KeyPos = make([]Pos, 0, len(r.props.ents))
		for i := range r.props.ents {
			e := &r.props.ents[i]
			v, _ := s.prop(r, e.key)
			if v != nil {
				props.Keys = append(props.Keys, e.key)
				props.KeyPos = append(props.KeyPos, e.pos())
				props.Vals[e.key] = v
			}
		}
	default:
		v, err := s.wholeProps(r)
		if err == nil && v != nil {
			if v.Kind != Map {
				s.add(&Error{File: r.propsKey.file, Line: r.propsKey.line, Col: r.propsKey.col, LogicalID: r.id, Property: "Properties", Msg: "Properties must be a map, not a " + v.Kind.String()})
			} else {
				props = v
			}
		}
	}
	return props
}

// wholeProps resolves Properties when it is not a literal map (a function,
// or null).
func (s *state) wholeProps(r *resState) (*Value, error) {
	if r.whole == nil {
		r.whole = &propState{}
	}
	ps := r.whole
	switch {
	case ps.busy:
		return nil, errCycle
	case ps.done:
		if ps.val == nil {
			return nil, errReported
		}
		return ps.val, nil
	}
	ps.busy = true
	n := r.props
	var v *Value
	if n.kind == nScalar && n.sk == Null {
		v = &Value{Kind: Map, Vals: map[string]*Value{}, File: n.file, Line: n.line, Col: n.col}
	} else {
		v = s.eval(n, ctx{id: r.id, res: r, path: (*path)(nil).key("Properties")})
		if v == noValue {
			v = &Value{Kind: Map, Vals: map[string]*Value{}, File: n.file, Line: n.line, Col: n.col}
		}
	}
	ps.busy, ps.done, ps.val = false, true, v
	if v == nil {
		return nil, errReported
	}
	return v, nil
}

// prop resolves one top-level property of a resource, once.
func (s *state) prop(r *resState, name string) (*Value, error) {
	if r.props == nil {
		return nil, nil
	}
	if r.props.kind != nMap {
		v, err := s.wholeProps(r)
		if err != nil || v == nil || v.Kind != Map {
			return nil, err
		}
		return v.Vals[name], nil
	}
	e := r.props.entry(name)
	if e == nil {
		return nil, nil
	}
	ps := r.propVals[name]
	if ps == nil {
		ps = &propState{}
		r.propVals[name] = ps
	}
	switch {
	case ps.busy:
		return nil, errCycle
	case ps.done:
		if ps.val == nil {
			return nil, errReported
		}
		if ps.val == noValue {
			return nil, nil
		}
		return ps.val, nil
	}
	ps.busy = true
	v := s.eval(e.val, ctx{id: r.id, res: r, path: (*path)(nil).key("Properties").key(name)})
	ps.busy, ps.done, ps.val = false, true, v
	if v == nil {
		return nil, errReported
	}
	if v == noValue {
		return nil, nil
	}
	return v, nil
}

func (s *state) refContext(r *resState) *RefContext {
	return &RefContext{
		LogicalID: r.id, Type: r.typ,
		Region: s.region, AccountID: s.account, StackName: s.stackName,
		Partition: s.partition, URLSuffix: s.urlSuffix,
		Prop: func(name string) (*Value, error) { return s.prop(r, name) },
	}
}

// ---- outputs ----

var outputAttributes = []string{"Value", "Description", "Export", "Condition"}

func (s *state) resolveOutputs() []*Output {
	sec := s.section("Outputs")
	if sec == nil {
		return nil
	}
	var out []*Output
	for _, oe := range sec.ents {
		if s.aborted {
			return out
		}
		id := oe.key
		if !isAlphanumeric(id) {
			s.add(&Error{File: oe.file, Line: oe.line, Col: oe.col, LogicalID: id, Msg: "a logical ID must be alphanumeric (A-Z, a-z, 0-9)"})
		}
		d := oe.val
		if d.kind != nMap {
			if d.kind != nInvalid {
				s.add(&Error{File: oe.file, Line: oe.line, Col: oe.col, LogicalID: id, Msg: "an output must be a map with Value, not " + d.describe()})
			}
			continue
		}
		for _, a := range d.ents {
			known := false
			for _, k := range outputAttributes {
				known = known || a.key == k
			}
			if !known {
				s.add(&Error{File: a.file, Line: a.line, Col: a.col, LogicalID: id, Property: a.key, Msg: fmt.Sprintf("unknown output attribute %s%s", a.key, didYouMean(a.key, outputAttributes))})
			}
		}
		c := ctx{id: id}
		if ce := d.entry("Condition"); ce != nil {
			cn := ce.val
			if !cn.isString() {
				if cn.kind != nInvalid {
					s.add(&Error{File: ce.file, Line: ce.line, Col: ce.col, LogicalID: id, Property: "Condition", Msg: "Condition must be the name of a condition, not " + cn.describe()})
				}
				continue
			}
			val, ok := s.condByName(cn.text, ce.at(), c.at((*path)(nil).key("Condition")))
			if !ok {
				continue
			}
			if !val {
				for _, k := range []string{"Value", "Export", "Description"} {
					if v := d.get(k); v != nil {
						s.check(v, c.at((*path)(nil).key(k)))
					}
				}
				continue
			}
		}
		o := &Output{LogicalID: id, Line: oe.line, File: oe.file}
		ve := d.entry("Value")
		if ve == nil {
			s.add(&Error{File: oe.file, Line: oe.line, Col: oe.col, LogicalID: id, Property: "Value", Msg: "the output has no Value"})
			continue
		}
		v := s.eval(ve.val, c.at((*path)(nil).key("Value")))
		if v == noValue {
			s.add(&Error{File: ve.file, Line: ve.line, Col: ve.col, LogicalID: id, Property: "Value", Msg: "the output's Value is AWS::NoValue"})
			continue
		}
		if v == nil {
			continue
		}
		o.Value = v
		if de := d.entry("Description"); de != nil {
			dv := s.eval(de.val, c.at((*path)(nil).key("Description")))
			if dv != nil && dv != noValue {
				if dv.IsScalar() {
					o.Description = dv.Str
				} else {
					s.add(&Error{File: de.file, Line: de.line, Col: de.col, LogicalID: id, Property: "Description", Msg: "Description must be a string, not a " + dv.Kind.String()})
				}
			}
		}
		if ex := d.get("Export"); ex != nil {
			s.eval(ex, c.at((*path)(nil).key("Export")))
		}
		out = append(out, o)
	}
	return out
}
