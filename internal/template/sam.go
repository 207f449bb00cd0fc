package template

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// The SAM transform (Transform: AWS::Serverless-2016-10-31) as a pass: it
// turns the AWS::Serverless::* resources of the template into the
// CloudFormation resources AWS's translator (samtranslator) produces for
// them, for what apigw serves: functions, REST APIs (a Swagger 2.0 or
// OpenAPI 3 Body), HTTP APIs (an OpenAPI 3 Body), WebSocket APIs, their
// stages, deployments, usage plans and keys. The model then reads those
// resources as it reads any template. Logical IDs users refer to are SAM's
// (ServerlessRestApi, <Fn>Role, <Api><Stage>Stage, ...), and so are SAM's
// own references (!Ref MyApi.Stage, MyFunction.Alias, ...). What SAM
// properties apigw does not act on is noted by name.

const samTransform = "AWS::Serverless-2016-10-31"

func init() {
	registerTransform(samTransform, transformPass{run: samPass, sectionOnly: true})
}

// samT is one run of the SAM transform.
type samT struct {
	s    *state
	frag *node

	globals   map[string]*node // Globals sections by resource type (AWS::Serverless::Function, ...)
	globalsAt map[string]Pos
	res       map[string]*samRes // SAM resources by logical ID
	list      []*samRes
	ids       map[string]bool // every logical ID of the template, and those generated

	// generated resources, after the SAM resource that makes them (by its
	// logical ID)
	out map[string][]ment

	rest     map[string]*restAPI
	restList []*restAPI
	http     map[string]*httpAPI
	httpList []*httpAPI
	shared   *sharedPlan

	refs       map[string]samRef // "MyApi.Stage" -> what it refers to
	conditions []ment            // conditions the transform adds
	notes      []string

	aliasServed bool // the model serves AWS::Lambda::Alias
	failed      bool
}

// samRes is one AWS::Serverless::* resource.
type samRes struct {
	id       string
	typ      string
	key      Pos   // where the logical ID is
	decl     *node // the resource's map
	props    *node // Properties with Globals merged in (a map)
	propsAt  Pos   // where Properties is (the logical ID when absent)
	cond     *node // the Condition value, passed on to what it generates
	notApply []string
}

// samRef is what a SAM reference (MyApi.Stage) becomes: a resource, or for
// an alias that is not served, a Sub of the function's ARN and the alias.
type samRef struct {
	id    string
	alias string // Fn::Sub "${fn.Arn}:alias" instead (fn in id)
}

// samPass runs the SAM transform on the template (without its Transform
// section).
func samPass(s *state, call *transformCall, frag *node) *node {
	t := &samT{
		s: s, frag: frag,
		globals: map[string]*node{}, globalsAt: map[string]Pos{},
		res: map[string]*samRes{}, ids: map[string]bool{}, out: map[string][]ment{},
		rest: map[string]*restAPI{}, http: map[string]*httpAPI{}, refs: map[string]samRef{},
	}
	if spec, ok := s.opts.Types["AWS::Lambda::Alias"]; ok && spec.Refused == "" && !spec.Ignored {
		t.aliasServed = true
	}
	return t.run()
}

// hasServerless reports whether a template (its node tree) declares
// AWS::Serverless::* resources or a Globals section: SAM's tools treat it as
// SAM without a Transform line.
func hasServerless(root *node) bool {
	if root.entry("Globals") != nil {
		return true
	}
	res := root.get("Resources")
	if res == nil || res.kind != nMap {
		return false
	}
	for _, e := range res.ents {
		if ty := e.val.get("Type"); ty.isString() && strings.HasPrefix(ty.text, "AWS::Serverless::") {
			return true
		}
	}
	return false
}

// errAt reports a problem with a SAM resource's property (prop, a path
// below the logical ID) at p.
func (t *samT) errAt(p Pos, id, prop, format string, args ...any) {
	t.s.add(&Error{File: p.File, Line: p.Line, Col: p.Col, LogicalID: id, Property: prop, Msg: fmt.Sprintf(format, args...)})
	t.failed = true
}

func (t *samT) note(format string, args ...any) {
	t.notes = append(t.notes, fmt.Sprintf(format, args...))
}

// emit adds a generated resource after the SAM resource owner.
func (t *samT) emit(owner, id string, p Pos, typ string, props *mnode, attrs ...ment) *mnode {
	r := mmap(p)
	r.set("Type", p, mstr(p, typ))
	for _, a := range attrs {
		if a.val != nil {
			r.set(a.key, a.p, a.val)
		}
	}
	if props != nil {
		r.set("Properties", props.p, props)
	}
	t.out[owner] = append(t.out[owner], ment{key: id, p: p, val: r})
	t.ids[id] = true
	if id != owner {
		// what SAM adds (a role, a stage...) is not noted as the user's;
		// the resource that keeps the SAM resource's logical ID is
		if t.s.samGenerated == nil {
			t.s.samGenerated = map[string]bool{}
		}
		t.s.samGenerated[id] = true
	}
	return r
}

// condAttr passes a SAM resource's Condition on to what it generates.
func (r *samRes) condAttr() ment {
	if r.cond == nil {
		return ment{}
	}
	return ment{key: "Condition", p: nodePos(r.cond), val: leaf(r.cond)}
}

func dependsAttr(p Pos, ids ...string) ment {
	items := make([]*mnode, len(ids))
	for i, id := range ids {
		items[i] = mstr(p, id)
	}
	return ment{key: "DependsOn", p: p, val: mseq(p, items...)}
}

func (t *samT) run() *node {
	resEntry := t.frag.entry("Resources")
	if resEntry == nil || resEntry.val.kind != nMap {
		return t.withoutGlobals(nil) // resolve reports what is wrong with Resources
	}
	resources := resEntry.val
	for _, e := range resources.ents {
		t.ids[e.key] = true
	}
	t.readGlobals()
	for i := range resources.ents {
		e := &resources.ents[i]
		d := e.val
		if d.kind != nMap {
			continue
		}
		ty := d.get("Type")
		if !ty.isString() || !strings.HasPrefix(ty.text, "AWS::Serverless::") {
			continue
		}
		r := &samRes{id: e.key, typ: ty.text, key: e.pos(), decl: d, propsAt: e.pos()}
		if pe := d.entry("Properties"); pe != nil {
			r.propsAt = pe.pos()
		}
		if c := d.get("Condition"); c != nil {
			r.cond = c
		}
		props := d.get("Properties")
		switch {
		case props == nil, props.kind == nScalar && props.sk == Null:
			props = &node{kind: nMap, idx: map[string]int{}, file: r.propsAt.File, line: r.propsAt.Line, col: r.propsAt.Col, size: 1, depth: 1}
		case props.kind == nInvalid:
			continue
		case props.kind != nMap:
			t.errAt(r.propsAt, r.id, "Properties", "the Properties of a SAM resource must be a map, not %s", props.describe())
			continue
		}
		if g := t.globals[r.typ]; g != nil && d.get("IgnoreGlobals") == nil {
			props = mergeGlobals(g, props)
		}
		r.props = props
		t.res[r.id] = r
		t.list = append(t.list, r)
	}
	// APIs first (their settings are needed by the functions' events),
	// then functions and the rest, in template order.
	for _, r := range t.list {
		switch r.typ {
		case "AWS::Serverless::Api":
			t.declareRestAPI(r)
		case "AWS::Serverless::HttpApi":
			t.declareHTTPAPI(r)
		}
	}
	t.implicitAPIs()
	for _, r := range t.list {
		switch r.typ {
		case "AWS::Serverless::Function":
			t.function(r)
		case "AWS::Serverless::Api", "AWS::Serverless::HttpApi":
		case "AWS::Serverless::WebSocketApi":
			t.webSocketAPI(r)
		case "AWS::Serverless::SimpleTable":
			t.simpleTable(r)
		case "AWS::Serverless::LayerVersion":
			t.layerVersion(r)
		case "AWS::Serverless::StateMachine":
			t.stateMachine(r)
		case "AWS::Serverless::Connector":
			t.checkAttrs(r)
			t.note("%s (AWS::Serverless::Connector): accepted, not applied (it grants IAM permissions, which apigw does not enforce between resources)", r.id)
		default:
			t.errAt(nodePos(r.decl.get("Type")), r.id, "Type", "%s is not supported by apigw's SAM transform (it translates AWS::Serverless::Function, Api, HttpApi, WebSocketApi, SimpleTable, LayerVersion, StateMachine and Connector)", r.typ)
		}
	}
	for _, a := range t.restList {
		t.finishRestAPI(a)
	}
	for _, a := range t.httpList {
		t.finishHTTPAPI(a)
	}
	if t.failed || t.s.aborted {
		return nil
	}
	for _, r := range t.list {
		if len(r.notApply) > 0 {
			t.note("%s (%s): %s accepted, not applied locally", r.id, r.typ, strings.Join(r.notApply, ", "))
		}
	}
	// The new Resources section: each SAM resource replaced by what it
	// generates, in place.
	nr := mmap(nodePos(resources))
	genBy := map[string]string{} // generated logical ID -> the SAM resource
	for owner, gs := range t.out {
		for _, g := range gs {
			genBy[g.key] = owner
		}
	}
	for _, e := range resources.ents {
		if _, isSAM := t.res[e.key]; !isSAM {
			if d := e.val; d.kind == nMap && d.get("Type").isString() && strings.HasPrefix(d.get("Type").text, "AWS::Serverless::") {
				continue // reported
			}
			if owner, clash := genBy[e.key]; clash {
				if e.key != "ServerlessRestApi" && e.key != "ServerlessHttpApi" {
					t.errAt(e.pos(), e.key, "", "the SAM transform generates a resource with this logical ID from %s: rename this one", owner)
				}
				continue // SAM's implicit API replaces the user's
			}
			nr.ents = append(nr.ents, ment{key: e.key, p: e.pos(), val: leaf(e.val)})
			continue
		}
		for _, g := range t.out[e.key] {
			if i := nr.index(g.key); i >= 0 {
				nr.ents[i] = g // ServerlessRestApi declared by the user: SAM's replaces it
				continue
			}
			nr.ents = append(nr.ents, g)
		}
	}
	if t.failed {
		return nil
	}
	t.s.notes = append(t.s.notes, t.notes...)
	return t.withoutGlobals(nr)
}

// withoutGlobals returns the template without its Globals section, with
// Resources replaced by res (when not nil), the conditions the transform
// adds, and SAM's references rewritten.
func (t *samT) withoutGlobals(res *mnode) *node {
	c := *t.frag
	c.ents = make([]entry, 0, len(t.frag.ents)+1)
	hasConds := false
	for _, e := range t.frag.ents {
		switch e.key {
		case "Globals":
			continue
		case "Resources":
			if res != nil {
				e.val = res.freeze()
			}
		case "Conditions":
			if len(t.conditions) > 0 && e.val.kind == nMap {
				m := thaw(e.val)
				m.ents = append(m.ents, t.conditions...)
				e.val = m.freeze()
				hasConds = true
			}
		}
		c.ents = append(c.ents, e)
	}
	if len(t.conditions) > 0 && !hasConds && t.frag.entry("Conditions") == nil {
		m := mmap(t.conditions[0].p)
		m.ents = t.conditions
		p := t.conditions[0].p
		c.ents = append(c.ents, entry{key: "Conditions", file: p.File, line: p.Line, col: p.Col, val: m.freeze()})
	}
	c.reindex()
	c.resize()
	if len(t.refs) == 0 {
		return &c
	}
	return t.rewrite(&c)
}

// ---- Globals ----

// samGlobals lists what the Globals section takes, by section.
var samGlobals = map[string][]string{
	"Function": {"Handler", "Runtime", "CodeUri", "DeadLetterQueue", "Description", "MemorySize", "Timeout", "VpcConfig",
		"Environment", "Tags", "PropagateTags", "Tracing", "KmsKeyArn", "AutoPublishAlias", "AutoPublishAliasAllProperties",
		"Layers", "DeploymentPreference", "RolePath", "PermissionsBoundary", "ReservedConcurrentExecutions",
		"ProvisionedConcurrencyConfig", "AssumeRolePolicyDocument", "EventInvokeConfig", "FileSystemConfigs",
		"CodeSigningConfigArn", "Architectures", "SnapStart", "EphemeralStorage", "FunctionUrlConfig",
		"RuntimeManagementConfig", "LoggingConfig", "RecursiveLoop", "SourceKMSKeyArn", "TenancyConfig", "DurableConfig",
		"CapacityProviderConfig", "FunctionScalingConfig", "PublishToLatestPublished", "VersionDeletionPolicy"},
	"Api": {"Auth", "Name", "DefinitionUri", "CacheClusterEnabled", "CacheClusterSize", "MergeDefinitions", "Variables",
		"EndpointConfiguration", "MethodSettings", "BinaryMediaTypes", "MinimumCompressionSize", "Cors", "GatewayResponses",
		"AccessLogSetting", "CanarySetting", "TracingEnabled", "OpenApiVersion", "Domain", "AlwaysDeploy", "PropagateTags",
		"SecurityPolicy", "EndpointAccessMode"},
	"HttpApi": {"Auth", "AccessLogSettings", "StageVariables", "Tags", "CorsConfiguration", "DefaultRouteSettings",
		"Domain", "RouteSettings", "FailOnWarnings", "PropagateTags"},
	"SimpleTable":      {"SSESpecification"},
	"StateMachine":     {"PropagateTags"},
	"LayerVersion":     {"PublishLambdaVersion"},
	"WebSocketApi":     {"AccessLogSettings", "ApiKeySelectionExpression", "DefaultRouteSettings", "DisableExecuteApiEndpoint", "DisableSchemaValidation", "Domain", "FailOnWarnings", "IpAddressType", "PropagateTags", "RouteSelectionExpression", "RouteSettings", "StageVariables", "Tags"},
	"CapacityProvider": {"VpcConfig", "OperatorRole", "Tags", "InstanceRequirements", "ScalingConfig", "KmsKeyArn", "PropagateTags"},
}

func (t *samT) readGlobals() {
	ge := t.frag.entry("Globals")
	if ge == nil {
		return
	}
	g := ge.val
	switch {
	case g.kind == nInvalid:
		return
	case g.kind != nMap || len(g.ents) == 0:
		t.errAt(ge.pos(), "", "Globals", "'Globals' section is invalid. It must be a non-empty map (Function, Api, HttpApi, SimpleTable, ...)")
		return
	}
	sections := make([]string, 0, len(samGlobals))
	for k := range samGlobals {
		sections = append(sections, k)
	}
	sort.Strings(sections)
	for _, e := range g.ents {
		props, ok := samGlobals[e.key]
		if !ok {
			t.errAt(e.pos(), "", "Globals."+e.key, "'Globals' section is invalid. '%s' is not supported (Globals takes %s)%s", e.key, strings.Join(sections, ", "), didYouMean(e.key, sections))
			continue
		}
		v := e.val
		if v.kind != nMap {
			if v.kind != nInvalid {
				t.errAt(e.pos(), "", "Globals."+e.key, "'Globals' section is invalid. Value of %s must be a map, not %s", e.key, v.describe())
			}
			continue
		}
		for _, pe := range v.ents {
			found := false
			for _, p := range props {
				found = found || p == pe.key
			}
			if !found {
				msg := fmt.Sprintf("'Globals' section is invalid. '%s' is not a supported property of '%s'%s", pe.key, e.key, didYouMean(pe.key, props))
				switch {
				case e.key == "Api" && pe.key == "StageName":
					msg += " (SAM takes StageName on each AWS::Serverless::Api; the implicit API's stage is Prod)"
				case e.key == "Api" && pe.key == "DefinitionBody":
					msg += " (SAM does not merge definition bodies)"
				case e.key == "Function" && (pe.key == "Role" || pe.key == "Policies" || pe.key == "FunctionName" || pe.key == "Events"):
					msg += " (SAM takes it on each function)"
				}
				t.errAt(pe.pos(), "", "Globals."+e.key+"."+pe.key, "%s", msg)
			}
		}
		t.globals["AWS::Serverless::"+e.key] = v
		t.globalsAt["AWS::Serverless::"+e.key] = e.pos()
	}
}

// mergeGlobals merges a Globals section into a resource's Properties as
// SAM does: maps are merged key by key (the resource's values win), lists
// are the global items then the resource's, anything else (scalars,
// intrinsic functions) is the resource's.
func mergeGlobals(global, local *node) *node {
	return mergeGlobal(global, local)
}

func mergeGlobal(g, l *node) *node {
	switch {
	case g.kind == nMap && l.kind == nMap:
		m := thaw(g)
		// a thawed copy: the Globals' values keep their positions
		for _, e := range l.ents {
			if i := m.index(e.key); i >= 0 {
				m.ents[i].val = leaf(mergeGlobal(g.ents[g.idx[e.key]].val, e.val))
				m.ents[i].p = e.pos()
				continue
			}
			m.ents = append(m.ents, ment{key: e.key, p: e.pos(), val: leaf(e.val)})
		}
		n := m.freeze()
		// the merged map is where the resource's is
		n.file, n.line, n.col = l.file, l.line, l.col
		return n
	case g.kind == nSeq && l.kind == nSeq:
		c := *l
		c.items = append(append(make([]*node, 0, len(g.items)+len(l.items)), g.items...), l.items...)
		c.resize()
		return &c
	}
	return l
}

// ---- resource properties ----

type samProp int

const (
	propActed   samProp = iota // translated
	propPass                   // passed on to the CloudFormation resource as it is
	propNoted                  // accepted, noted as not applied
	propIgnored                // SAM's own bookkeeping
)

// checkProps reports the properties of r that SAM does not know, and
// records those apigw does not act on (noted once per resource).
func (t *samT) checkProps(r *samRes, known map[string]samProp) bool {
	ok := true
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, e := range r.props.ents {
		kind, found := known[e.key]
		if !found {
			t.errAt(e.pos(), r.id, "Properties."+e.key, "property %s is not defined for a resource of type %s%s", e.key, r.typ, didYouMean(e.key, names))
			ok = false
			continue
		}
		if kind == propNoted {
			r.notApply = append(r.notApply, e.key)
		}
	}
	t.checkAttrs(r)
	return ok
}

// checkAttrs reports the resource attributes that are not CloudFormation's
// or SAM's.
func (t *samT) checkAttrs(r *samRes) {
	attrs := append(append([]string{}, resourceAttributes...), "IgnoreGlobals")
	for _, a := range r.decl.ents {
		found := false
		for _, k := range attrs {
			found = found || k == a.key
		}
		if !found {
			t.errAt(a.pos(), r.id, a.key, "unknown resource attribute %s%s", a.key, didYouMean(a.key, attrs))
		}
	}
}

// prop returns a property of r and where its key is.
func (r *samRes) prop(name string) (*node, Pos) {
	if e := r.props.entry(name); e != nil {
		return e.val, e.pos()
	}
	return nil, r.propsAt
}

// passProps copies the properties of r that pass unchanged onto the
// CloudFormation resource, under the same name or another (to).
func passProps(r *samRes, out *mnode, names ...string) {
	for _, n := range names {
		to := n
		if a, b, ok := strings.Cut(n, "=>"); ok {
			n, to = a, b
		}
		if e := r.props.entry(n); e != nil {
			out.set(to, e.pos(), leaf(e.val))
		}
	}
}

// literal returns the text of a scalar, or of a Ref to a template
// parameter with a value (as SAM resolves parameters before it translates
// some properties); ok is false for anything else.
func (t *samT) literal(n *node) (string, bool) {
	switch {
	case n == nil:
		return "", false
	case n.kind == nScalar && n.sk != Null:
		return n.text, true
	case n.kind == nFunc && n.fn == "Ref" && n.arg.isString():
		t.s.earlyParameters()
		if p, ok := t.s.params[n.arg.text]; ok && !p.failed && p.value != nil && p.value.IsScalar() {
			p.used = true
			return p.value.Str, true
		}
		if v, ok := t.s.pseudo(n.arg.text); ok {
			return v, true
		}
	}
	return "", false
}

// refName returns the logical ID that a !Ref (or a plain string) names.
func refName(n *node) (string, bool) {
	switch {
	case n == nil:
		return "", false
	case n.isString():
		return n.text, true
	case n.kind == nFunc && n.fn == "Ref" && n.arg.isString():
		return n.arg.text, true
	}
	return "", false
}

// isTrue reports a literal true (boolean or string).
func isTrue(n *node) bool {
	return n != nil && n.kind == nScalar && strings.EqualFold(n.text, "true")
}

func isFalse(n *node) bool {
	return n != nil && n.kind == nScalar && strings.EqualFold(n.text, "false")
}

// hash10 is SAM's logical ID suffix: the first 10 hex digits of a SHA-1.
func hashOf(parts ...string) string {
	h := sha1.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte("||"))
		}
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// canon is a stable text of a node, for hashes.
func canon(n *node) string {
	var b strings.Builder
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case nScalar:
			fmt.Fprintf(&b, "%q", n.text)
		case nSeq:
			b.WriteByte('[')
			for _, it := range n.items {
				walk(it)
				b.WriteByte(',')
			}
			b.WriteByte(']')
		case nMap:
			b.WriteByte('{')
			for _, e := range n.ents {
				fmt.Fprintf(&b, "%q:", e.key)
				walk(e.val)
				b.WriteByte(',')
			}
			b.WriteByte('}')
		case nFunc:
			fmt.Fprintf(&b, "{%q:", n.fn)
			walk(n.arg)
			b.WriteByte('}')
		}
	}
	walk(n)
	return b.String()
}

// tagList turns a SAM Tags map into CloudFormation's [{Key, Value}] list.
func tagList(tags *node, extra ...string) *mnode {
	p := nodePos(tags)
	l := mseq(p)
	for i := 0; i+1 < len(extra); i += 2 {
		m := mmap(p)
		m.set("Key", p, mstr(p, extra[i]))
		m.set("Value", p, mstr(p, extra[i+1]))
		l.items = append(l.items, m)
	}
	if tags.kind == nMap {
		for _, e := range tags.ents {
			m := mmap(e.pos())
			m.set("Key", e.pos(), mstr(e.pos(), e.key))
			m.set("Value", e.pos(), leaf(e.val))
			l.items = append(l.items, m)
		}
	}
	return l
}

// ---- references ----

// rewrite replaces SAM's references (Ref MyApi.Stage, GetAtt
// MyApi.Stage.X, ${MyApi.Stage} in Fn::Sub) by references to what they
// name.
func (t *samT) rewrite(n *node) *node {
	switch n.kind {
	case nSeq:
		return mapItems(n, func(_ int, it *node) *node { return t.rewrite(it) })
	case nMap:
		return mapValues(n, func(e entry) *node { return t.rewrite(e.val) })
	case nFunc:
		p := nodePos(n)
		switch n.fn {
		case "Ref":
			if n.arg.isString() {
				if r, ok := t.refs[n.arg.text]; ok {
					if r.alias != "" {
						return fnNode(p, "Fn::Sub", scalarNode(p, String, "${"+r.id+".Arn}:"+r.alias))
					}
					return fnNode(p, "Ref", scalarNode(p, String, r.id))
				}
			}
			return n
		case "Fn::GetAtt":
			a := n.arg
			var name, attr string
			switch {
			case a.isString():
				parts := strings.SplitN(a.text, ".", 3)
				if len(parts) == 3 {
					name, attr = parts[0]+"."+parts[1], parts[2]
				}
			case a.kind == nSeq && len(a.items) == 2 && a.items[0].isString() && a.items[1].kind == nScalar:
				name, attr = a.items[0].text, a.items[1].text
			}
			if r, ok := t.refs[name]; ok && r.alias == "" {
				return fnNode(p, "Fn::GetAtt", &node{kind: nSeq, items: []*node{scalarNode(p, String, r.id), scalarNode(p, String, attr)}, file: p.File, line: p.Line, col: p.Col, size: 3, depth: 2})
			}
			return n
		case "Fn::Sub":
			a := n.arg
			tmpl := a
			if a.kind == nSeq && len(a.items) > 0 {
				tmpl = a.items[0]
			}
			if !tmpl.isString() {
				break
			}
			text, changed := t.rewriteSub(tmpl.text)
			arg := a
			if changed {
				nt := scalarNode(nodePos(tmpl), String, text)
				if a.kind == nSeq {
					c := *a
					c.items = append([]*node{nt}, a.items[1:]...)
					if len(c.items) > 1 {
						c.items[1] = t.rewrite(c.items[1])
					}
					c.resize()
					arg = &c
				} else {
					arg = nt
				}
			} else if a.kind == nSeq && len(a.items) > 1 {
				if v := t.rewrite(a.items[1]); v != a.items[1] {
					c := *a
					c.items = append([]*node{a.items[0]}, v)
					c.resize()
					arg = &c
				}
			}
			if arg == a {
				return n
			}
			c := *n
			c.arg = arg
			c.resize()
			return &c
		}
		arg := t.rewrite(n.arg)
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

// rewriteSub replaces ${MyApi.Stage} (and ${MyApi.Stage.Attr}) in an Fn::Sub
// string.
func (t *samT) rewriteSub(s string) (string, bool) {
	if !strings.Contains(s, "${") {
		return s, false
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "${")
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		end := strings.IndexByte(s[i:], '}')
		if end < 0 || (i+2 < len(s) && s[i+2] == '!') {
			b.WriteString("${")
			i += 2
			continue
		}
		name := strings.TrimSpace(s[i+2 : i+end])
		repl := ""
		parts := strings.SplitN(name, ".", 3)
		if len(parts) >= 2 {
			if r, ok := t.refs[parts[0]+"."+parts[1]]; ok {
				switch {
				case r.alias != "" && len(parts) == 2:
					repl = "${" + r.id + ".Arn}:" + r.alias
				case r.alias == "" && len(parts) == 2:
					repl = "${" + r.id + "}"
				case r.alias == "":
					repl = "${" + r.id + "." + parts[2] + "}"
				}
			}
		}
		if repl == "" {
			b.WriteString(s[i : i+end+1])
		} else {
			b.WriteString(repl)
			changed = true
		}
		i += end + 1
	}
	return b.String(), changed
}
