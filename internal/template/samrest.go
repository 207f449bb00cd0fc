package template

import (
	"regexp"
	"sort"
	"strings"
)

// samAPIProps are AWS::Serverless::Api's properties.
var samAPIProps = map[string]samProp{
	"Name": propActed, "StageName": propActed, "DefinitionBody": propActed, "DefinitionUri": propActed,
	"MergeDefinitions": propActed, "CacheClusterEnabled": propActed, "CacheClusterSize": propActed, "Variables": propActed,
	"EndpointConfiguration": propActed, "MethodSettings": propActed, "BinaryMediaTypes": propActed,
	"MinimumCompressionSize": propActed, "Cors": propActed, "Auth": propActed, "GatewayResponses": propActed,
	"Models": propActed, "OpenApiVersion": propActed, "Description": propActed, "ApiKeySourceType": propActed,
	"Policy": propActed, "DisableExecuteApiEndpoint": propActed, "FailOnWarnings": propActed, "Mode": propActed,
	"Tags": propActed, "AccessLogSetting": propPass, "TracingEnabled": propPass, "CanarySetting": propPass,
	"Domain": propNoted, "AlwaysDeploy": propNoted, "PropagateTags": propNoted, "SecurityPolicy": propNoted,
	"EndpointAccessMode": propNoted,
}

// restAPI is an AWS::Serverless::Api, explicit or the implicit
// ServerlessRestApi.
type restAPI struct {
	id       string
	r        *samRes
	owner    string // the SAM resource its resources follow
	body     *mnode // the definition (nil with DefinitionUri)
	managed  bool   // SAM writes its body: events add their paths
	merge    bool   // MergeDefinitions: events merge into the user's body
	stageID  string
	implicit bool

	conds    map[string]bool // conditions of the functions whose events it serves
	uncond   bool            // an event from a function without a condition
	condOps  []condOp
	hasPaths bool
}

// condOp is a method of a function with a Condition: it is in the body only
// when the condition holds.
type condOp struct {
	item   *mnode
	method string
	cond   *node
}

var openAPI3RE = regexp.MustCompile(`^3\.\d+(\.\d+)?$`)
var openAPIVersionRE = regexp.MustCompile(`^[23]\.\d+(\.\d+)?$`)

// swaggerSkeleton is the body SAM starts from.
func swaggerSkeleton(p Pos, openapi string) *mnode {
	b := mmap(p)
	info := b.set("info", p, mmap(p))
	info.set("version", p, mstr(p, "1.0"))
	info.set("title", p, mref(p, "AWS::StackName"))
	b.set("paths", p, mmap(p))
	if openapi != "" {
		b.set("openapi", p, mstr(p, openapi))
	} else {
		b.set("swagger", p, mstr(p, "2.0"))
	}
	return b
}

func (t *samT) declareRestAPI(r *samRes) {
	t.checkProps(r, samAPIProps)
	a := &restAPI{id: r.id, r: r, owner: r.id, conds: map[string]bool{}}
	sn, sp := r.prop("StageName")
	if sn == nil {
		t.errAt(r.propsAt, r.id, "Properties.StageName", "Missing required property 'StageName'.")
	}
	a.stageID = stageLogicalID(r.id, sn, t)
	t.setupRestBody(a, sp)
	t.rest[r.id] = a
	t.restList = append(t.restList, a)
}

// stageLogicalID is SAM's: <Api><StageName>Stage for an alphanumeric name,
// else <Api>Stage with a hash of the name.
func stageLogicalID(api string, name *node, t *samT) string {
	s := ""
	if name != nil && name.kind == nScalar {
		s = name.text
	}
	if s != "" && isAlphanumeric(s) {
		return api + s + "Stage"
	}
	if s == "" {
		return api + "Stage"
	}
	return api + "Stage" + hashOf(s)[:10]
}

func (t *samT) setupRestBody(a *restAPI, _ Pos) {
	r := a.r
	db, dbp := r.prop("DefinitionBody")
	du, dup := r.prop("DefinitionUri")
	version := ""
	if v, vp := r.prop("OpenApiVersion"); v != nil {
		s, ok := t.literal(v)
		if !ok || !openAPIVersionRE.MatchString(s) {
			t.errAt(vp, r.id, "Properties.OpenApiVersion", "The OpenApiVersion value must be of the format '3.0.0'.")
		} else if openAPI3RE.MatchString(s) {
			version = s
		}
	}
	if m := r.props.get("MergeDefinitions"); isTrue(m) {
		a.merge = true
	}
	switch {
	case db != nil && du != nil:
		t.errAt(dup, r.id, "Properties.DefinitionUri", "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.")
	case db != nil:
		if db.kind != nMap {
			if db.kind != nInvalid {
				t.errAt(dbp, r.id, "Properties.DefinitionBody", "DefinitionBody must be a map (an OpenAPI or Swagger document; AWS::Include inserts one from a file), not %s", db.describe())
			}
			return
		}
		a.body = thaw(db)
		if version != "" && a.body.get("swagger") != nil {
			// SAM's Globals plugin: OpenApiVersion 3 turns swagger into openapi
			i := a.body.index("swagger")
			a.body.ents[i] = ment{key: "openapi", p: a.body.ents[i].p, val: mstr(a.body.ents[i].p, version)}
		}
	case du != nil:
		if a.merge {
			t.errAt(dup, r.id, "Properties.MergeDefinitions", "Cannot set 'MergeDefinitions' to True when using `DefinitionUri`.")
		}
	default:
		a.body = swaggerSkeleton(r.key, version)
		a.managed = true
	}
}

// implicitAPIs creates ServerlessRestApi and ServerlessHttpApi when events
// need them, with the Globals' settings.
func (t *samT) implicitAPIs() {
	for _, r := range t.list {
		if r.typ != "AWS::Serverless::Function" {
			continue
		}
		evs := r.props.get("Events")
		if evs == nil || evs.kind != nMap {
			continue
		}
		for _, e := range evs.ents {
			ty := e.val.get("Type")
			props := e.val.get("Properties")
			if !ty.isString() {
				continue
			}
			switch {
			case ty.text == "Api" && props.get("RestApiId") == nil && t.rest["ServerlessRestApi"] == nil:
				t.implicitRest(r, e.pos())
			case ty.text == "HttpApi" && props.get("ApiId") == nil && t.http["ServerlessHttpApi"] == nil:
				t.implicitHTTP(r, e.pos())
			}
		}
	}
}

func (t *samT) implicitRest(owner *samRes, p Pos) {
	const id = "ServerlessRestApi"
	local := mmap(p)
	local.set("StageName", p, mstr(p, "Prod"))
	props := local.freeze()
	if g := t.globals["AWS::Serverless::Api"]; g != nil {
		props = mergeGlobals(g, props)
	}
	r := &samRes{id: id, typ: "AWS::Serverless::Api", key: p, decl: mmap(p).freeze(), props: props, propsAt: p}
	for _, e := range props.ents {
		if samAPIProps[e.key] == propNoted {
			r.notApply = append(r.notApply, e.key)
		}
	}
	a := &restAPI{id: id, r: r, owner: owner.id, conds: map[string]bool{}, implicit: true, stageID: id + "ProdStage"}
	if du := props.entry("DefinitionUri"); du != nil {
		t.errAt(du.pos(), "", "Globals.Api.DefinitionUri", "the implicit API ServerlessRestApi (made for Api events without RestApiId) cannot take DefinitionUri from Globals: SAM writes its definition")
		return
	}
	t.setupRestBody(a, p)
	t.rest[id] = a
	t.restList = append(t.restList, a)
	t.list = append(t.list, r)
}

func versionOf(body *mnode) string {
	if s, ok := body.get("openapi").str(); ok {
		return s
	}
	return ""
}

var restEventProps = map[string]samProp{
	"Path": propActed, "Method": propActed, "RestApiId": propActed, "Auth": propActed, "RequestModel": propActed,
	"RequestParameters": propActed, "TimeoutInMillis": propActed, "Stage": propIgnored, "ResponseTransferMode": propNoted,
}

// normMethod is the body's key for an event's Method.
func normMethod(m string) string {
	m = strings.ToLower(m)
	if m == "any" {
		return "x-amazon-apigateway-any-method"
	}
	return m
}

// restEvent adds an Api event's path and method to its API.
func (t *samT) restEvent(ev *samEvent) {
	t.checkEventProps(ev, "Api", restEventProps)
	apiID := "ServerlessRestApi"
	if n, p := ev.get("RestApiId"); n != nil {
		id, ok := refName(n)
		switch {
		case !ok:
			t.evErr(ev, p, "RestApiId", "RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template (a !Ref or its logical ID), not %s", n.describe())
			return
		case t.rest[id] == nil && t.ids[id]:
			t.evErr(ev, p, "RestApiId", "RestApiId must be a valid reference to an 'AWS::Serverless::Api' resource in same template: %s is not one (SAM adds events to its own APIs only)", id)
			return
		case t.rest[id] == nil:
			t.evErr(ev, p, "RestApiId", "RestApiId names %s, which is not a resource of this template%s", id, didYouMean(id, t.restNames()))
			return
		}
		apiID = id
	}
	a := t.rest[apiID]
	if a == nil {
		return // the implicit API could not be made (reported)
	}
	pathN, pp := ev.get("Path")
	methodN, mp := ev.get("Method")
	path, pok := t.literal(pathN)
	method, mok := t.literal(methodN)
	switch {
	case pathN == nil:
		t.evErr(ev, ev.key, "Path", "Missing required property 'Path'.")
	case !pok || !strings.HasPrefix(path, "/"):
		t.evErr(ev, pp, "Path", "Path must be a literal path starting with /, not %s", pathN.describe())
	}
	switch {
	case methodN == nil:
		t.evErr(ev, ev.key, "Method", "Missing required property 'Method'.")
	case !mok:
		t.evErr(ev, mp, "Method", "Method must be a literal HTTP method (get, post, any, ...), not %s", methodN.describe())
	}
	if !pok || !mok || path == "" || method == "" {
		return
	}
	fn := ev.fn
	suffix := "Prod"
	if !a.implicit {
		suffix = "Stage"
		if sn := a.r.props.get("StageName"); sn != nil && sn.kind == nScalar {
			suffix = sn.text
		}
		suffix = strings.Map(func(c rune) rune {
			if c < 128 && isAlphanumeric(string(c)) {
				return c
			}
			return -1
		}, suffix)
	}
	t.permission(ev, apiID, suffix, method, path)
	if fn.cond == nil {
		a.uncond = true
	} else if c, ok := fn.cond.text, fn.cond.isString(); ok {
		a.conds[c] = true
	}
	if a.body == nil || !a.managed && !a.merge {
		// OverrideApiAuth: the event's Auth goes on the definition's own
		// method, which SAM requires to exist (add_auth_to_swagger).
		if auth, ap := ev.get("Auth"); auth != nil && a.body != nil && overridesAPIAuth(auth) {
			if op := a.bodyOperation(path, normMethod(method)); op != nil {
				t.restEventAuth(ev, a, op, auth, ap, path, strings.ToLower(method))
				return
			}
			t.evErr(ev, ap, "Auth.OverrideApiAuth", "OverrideApiAuth needs %s %s in the API's DefinitionBody, which has none", strings.ToUpper(method), path)
			return
		}
		what := "has DefinitionUri"
		if a.body != nil {
			what = "has its own DefinitionBody"
		}
		t.note("%s: Events.%s: %s %s, so (as in SAM) the event adds no route to it: the definition must have %s %s (or set MergeDefinitions: true)", fn.id, ev.name, apiID, what, method, path)
		return
	}
	m := normMethod(method)
	paths := a.body.child("paths", a.r.key)
	if paths == nil {
		t.errAt(a.r.key, a.id, "Properties.DefinitionBody.paths", "paths must be a map")
		return
	}
	item := paths.child(path, pp)
	if item == nil {
		t.evErr(ev, pp, "Path", "the definition's paths.%s is not a map", path)
		return
	}
	op := item.get(m)
	if op != nil && op.isMap() && op.get("x-amazon-apigateway-integration") != nil && a.managed {
		t.evErr(ev, mp, "Method", "API method \"%s\" defined multiple times for path \"%s\".", strings.ToLower(method), path)
		return
	}
	if op == nil || !op.isMap() {
		op = item.set(m, mp, mmap(mp))
	}
	op.mutable()
	integ := mmap(ev.key)
	integ.set("httpMethod", ev.key, mstr(ev.key, "POST"))
	integ.set("type", ev.key, mstr(ev.key, "aws_proxy"))
	integ.set("uri", ev.key, msub(ev.key, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+ev.target+"/invocations"))
	op.set("x-amazon-apigateway-integration", ev.key, integ)
	if op.get("responses") == nil {
		op.set("responses", ev.key, mmap(ev.key))
	}
	a.hasPaths = true
	if fn.cond != nil {
		a.condOps = append(a.condOps, condOp{item: item, method: m, cond: fn.cond})
	}
	if auth, ap := ev.get("Auth"); auth != nil {
		t.restEventAuth(ev, a, op, auth, ap, path, strings.ToLower(method))
	}
	if to, tp := ev.get("TimeoutInMillis"); to != nil {
		integ.set("timeoutInMillis", tp, leaf(to))
	}
	if rm, rp := ev.get("RequestModel"); rm != nil {
		t.requestModel(ev, a, op, rm, rp, path, strings.ToLower(method))
	}
	if rps, rp := ev.get("RequestParameters"); rps != nil {
		t.requestParameters(ev, op, integ, rps, rp)
	}
}

// definitionLocation is an Api's or HttpApi's DefinitionUri as the
// BodyS3Location SAM makes of it: a path or URI as written, or {Bucket,
// Key, Version}.
func definitionLocation(du *node) *mnode {
	if du.kind != nMap {
		return leaf(du)
	}
	m := mmap(nodePos(du))
	for _, k := range []string{"Bucket", "Key", "Version"} {
		if e := du.entry(k); e != nil {
			m.set(k, e.pos(), leaf(e.val))
		}
	}
	return m
}

// overridesAPIAuth reports an event Auth with OverrideApiAuth: true.
func overridesAPIAuth(auth *node) bool {
	if auth.kind != nMap {
		return false
	}
	v := auth.get("OverrideApiAuth")
	return v != nil && v.kind == nScalar && strings.EqualFold(v.text, "true")
}

// bodyOperation is the definition's operation for path and method (a
// swagger key: get, x-amazon-apigateway-any-method), made mutable; nil
// when the definition has none.
func (a *restAPI) bodyOperation(path, method string) *mnode {
	paths := a.body.get("paths")
	if paths == nil || !paths.isMap() {
		return nil
	}
	item := paths.get(path)
	if item == nil || !item.isMap() {
		return nil
	}
	op := item.get(method)
	if op == nil || !op.isMap() {
		return nil
	}
	a.body.child("paths", a.r.key).child(path, a.r.key)
	return op.mutable()
}

func (t *samT) restNames() []string {
	var names []string
	for _, a := range t.restList {
		names = append(names, a.id)
	}
	return names
}

// apiAuth returns the API's Auth map (nil when none).
func (a *restAPI) auth() *node {
	if n := a.r.props.get("Auth"); n != nil && n.kind == nMap {
		return n
	}
	return nil
}

func (a *restAPI) authorizers() *node {
	if au := a.auth(); au != nil {
		if m := au.get("Authorizers"); m != nil && m.kind == nMap {
			return m
		}
	}
	return nil
}

// restEventAuth checks an Api event's Auth and adds its security to the
// method, as SAM's add_auth_to_swagger.
func (t *samT) restEventAuth(ev *samEvent, a *restAPI, op *mnode, auth *node, ap Pos, path, method string) {
	if auth.kind != nMap {
		t.evErr(ev, ap, "Auth", "Auth must be a map (Authorizer, ApiKeyRequired, AuthorizationScopes), not %s", auth.describe())
		return
	}
	known := []string{"Authorizer", "ApiKeyRequired", "AuthorizationScopes", "ResourcePolicy", "InvokeRole", "OverrideApiAuth"}
	for _, e := range auth.ents {
		found := false
		for _, k := range known {
			found = found || k == e.key
		}
		switch {
		case !found:
			t.evErr(ev, e.pos(), "Auth."+e.key, "Auth takes %s, not %s%s", strings.Join(known, ", "), e.key, didYouMean(e.key, known))
		case e.key == "ResourcePolicy" || e.key == "InvokeRole":
			t.note("%s: Events.%s: Auth.%s accepted, not applied locally", ev.fn.id, ev.name, e.key)
		}
	}
	apiAuth := a.auth()
	authorizers := a.authorizers()
	authN, authP := auth.get("Authorizer"), ap
	if e := auth.entry("Authorizer"); e != nil {
		authP = e.pos()
	}
	name := ""
	if authN != nil {
		s, ok := t.literal(authN)
		if !ok {
			t.evErr(ev, authP, "Auth.Authorizer", "Authorizer must be the name of one of the API's Authorizers (or AWS_IAM, NONE), not %s", authN.describe())
			return
		}
		name = s
		switch {
		case name == "AWS_IAM":
		case name == "NONE":
			if apiAuth == nil || apiAuth.get("DefaultAuthorizer") == nil {
				t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer on API method [%s] for path [%s] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified.", method, path)
				return
			}
		case authorizers == nil:
			t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because the related API does not define any Authorizers.", name, method, path)
			return
		case authorizers.get(name) == nil:
			t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Authorizers.%s", name, method, path, didYouMean(name, entKeys(authorizers)))
			return
		}
	}
	scopes := auth.get("AuthorizationScopes")
	if scopes != nil {
		if scopes.kind != nSeq {
			t.evErr(ev, ap, "Auth.AuthorizationScopes", "AuthorizationScopes must be a list, not %s", scopes.describe())
			return
		}
		if name == "" {
			t.evErr(ev, ap, "Auth.AuthorizationScopes", "AuthorizationScopes works only when Authorizer is set")
			return
		}
	}
	akr := auth.get("ApiKeyRequired")
	if isFalse(akr) && (apiAuth == nil || !isTrue(apiAuth.get("ApiKeyRequired"))) {
		t.evErr(ev, ap, "Auth.ApiKeyRequired", "Unable to set ApiKeyRequired [False] on API method [%s] for path [%s] because the related API does not specify any ApiKeyRequired.", method, path)
		return
	}
	if name != "" {
		sec := mmap(authP)
		var sc *mnode = mseq(authP)
		if name != "NONE" && authorizers != nil {
			if az := authorizers.get(name); az != nil && az.kind == nMap {
				if s := az.get("AuthorizationScopes"); s != nil {
					sc = leaf(s)
				}
			}
		}
		if scopes != nil {
			sc = leaf(scopes)
		}
		if name == "NONE" || name == "AWS_IAM" {
			sc = mseq(authP)
		}
		sec.set(name, authP, sc)
		appendSecurity(op, authP, sec)
		if name == "AWS_IAM" {
			addIAMScheme(a.body, authP)
		}
	}
	if akr != nil {
		p := ap
		if e := auth.entry("ApiKeyRequired"); e != nil {
			p = e.pos()
		}
		sec := mmap(p)
		if isTrue(akr) {
			sec.set("api_key", p, mseq(p))
			addAPIKeyScheme(a.body, p)
		} else {
			sec.set("api_key_false", p, mseq(p))
		}
		appendSecurity(op, p, sec)
	}
}

func appendSecurity(op *mnode, p Pos, sec *mnode) {
	l := op.get("security")
	if l == nil || !l.isSeq() {
		l = op.set("security", p, mseq(p))
	}
	l.mutable()
	l.items = append(l.items, sec)
}

// securityDefs returns where a body's security schemes go.
func securityDefs(body *mnode, p Pos) *mnode {
	return body.child("securityDefinitions", p)
}

func addIAMScheme(body *mnode, p Pos) {
	defs := securityDefs(body, p)
	if defs == nil || defs.get("AWS_IAM") != nil {
		return
	}
	s := mmap(p)
	s.set("x-amazon-apigateway-authtype", p, mstr(p, "awsSigv4"))
	s.set("type", p, mstr(p, "apiKey"))
	s.set("name", p, mstr(p, "Authorization"))
	s.set("in", p, mstr(p, "header"))
	defs.set("AWS_IAM", p, s)
}

func addAPIKeyScheme(body *mnode, p Pos) {
	defs := securityDefs(body, p)
	if defs == nil || defs.get("api_key") != nil {
		return
	}
	s := mmap(p)
	s.set("type", p, mstr(p, "apiKey"))
	s.set("name", p, mstr(p, "x-api-key"))
	s.set("in", p, mstr(p, "header"))
	defs.set("api_key", p, s)
}

func (t *samT) requestModel(ev *samEvent, a *restAPI, op *mnode, rm *node, rp Pos, path, method string) {
	if rm.kind != nMap {
		t.evErr(ev, rp, "RequestModel", "RequestModel must be a map (Model, Required, ValidateBody, ValidateParameters), not %s", rm.describe())
		return
	}
	model, ok := t.literal(rm.get("Model"))
	if !ok {
		t.evErr(ev, rp, "RequestModel.Model", "RequestModel needs Model, the name of one of the API's Models")
		return
	}
	models := a.r.props.get("Models")
	if models == nil || models.kind != nMap {
		t.evErr(ev, rp, "RequestModel", "Unable to set RequestModel [%s] on API method [%s] for path [%s] because the related API does not define any Models.", model, method, path)
		return
	}
	if models.get(model) == nil {
		t.evErr(ev, rp, "RequestModel", "Unable to set RequestModel [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Models.%s", model, method, path, didYouMean(model, entKeys(models)))
		return
	}
	name := strings.ToLower(model)
	if versionOf(a.body) != "" {
		rb := op.set("requestBody", rp, mmap(rp))
		ct := rb.set("content", rp, mmap(rp)).set("application/json", rp, mmap(rp))
		ct.set("schema", rp, mmap(rp)).set("$ref", rp, mstr(rp, "#/components/schemas/"+name))
		if req := rm.get("Required"); req != nil {
			rb.set("required", rp, leaf(req))
		}
	} else {
		param := mmap(rp)
		param.set("in", rp, mstr(rp, "body"))
		param.set("name", rp, mstr(rp, name))
		param.set("schema", rp, mmap(rp)).set("$ref", rp, mstr(rp, "#/definitions/"+name))
		if req := rm.get("Required"); req != nil {
			param.set("required", rp, leaf(req))
		}
		l := op.get("parameters")
		if l == nil || !l.isSeq() {
			l = op.set("parameters", rp, mseq(rp))
		}
		l.mutable()
		l.items = append(l.items, param)
	}
	vb, vp := rm.get("ValidateBody"), rm.get("ValidateParameters")
	if vb == nil && vp == nil {
		return
	}
	body, params := isTrue(vb), isTrue(vp)
	vname := "body-and-params"
	switch {
	case body && !params:
		vname = "body-only"
	case !body && params:
		vname = "params-only"
	case !body && !params:
		vname = "no-validation"
	}
	vs := a.body.child("x-amazon-apigateway-request-validators", rp)
	if vs != nil && vs.get(vname) == nil {
		v := mmap(rp)
		v.set("validateRequestBody", rp, mbool(rp, body))
		v.set("validateRequestParameters", rp, mbool(rp, params))
		vs.set(vname, rp, v)
	}
	op.set("x-amazon-apigateway-request-validator", rp, mstr(rp, vname))
}

var requestParamRE = regexp.MustCompile(`^method\.request\.(querystring|path|header)\.(.+)$`)

func (t *samT) requestParameters(ev *samEvent, op, integ *mnode, rps *node, rp Pos) {
	if rps.kind != nSeq {
		t.evErr(ev, rp, "RequestParameters", "RequestParameters must be a list, not %s", rps.describe())
		return
	}
	for i, it := range rps.items {
		var name string
		required, caching := (*node)(nil), (*node)(nil)
		p := nodePos(it)
		switch {
		case it.isString():
			name = it.text
		case it.kind == nMap && len(it.ents) == 1:
			name = it.ents[0].key
			v := it.ents[0].val
			if v.kind != nMap {
				t.evErr(ev, p, "RequestParameters", "Invalid value for 'RequestParameters' property. Values must be an object, e.g { Required: true, Caching: false }")
				continue
			}
			for _, e := range v.ents {
				switch e.key {
				case "Required":
					required = e.val
				case "Caching":
					caching = e.val
				default:
					t.evErr(ev, e.pos(), "RequestParameters", "Invalid value for 'RequestParameters' property. Values must be an object, e.g { Required: true, Caching: false }")
				}
			}
		default:
			t.evErr(ev, p, "RequestParameters", "Invalid value for 'RequestParameters' property. Property must be either a string or an object")
			continue
		}
		m := requestParamRE.FindStringSubmatch(name)
		if m == nil {
			t.evErr(ev, p, "RequestParameters", "Invalid value for 'RequestParameters' property. Keys must be in the format 'method.request.[querystring|path|header].{value}', e.g 'method.request.header.Authorization'.")
			continue
		}
		_ = i
		in := m[1]
		if in == "querystring" {
			in = "query"
		}
		param := mmap(p)
		if required != nil {
			param.set("required", p, leaf(required))
		} else {
			param.set("required", p, mbool(p, false))
		}
		param.set("type", p, mstr(p, "string"))
		param.set("name", p, mstr(p, m[2]))
		param.set("in", p, mstr(p, in))
		l := op.get("parameters")
		if l == nil || !l.isSeq() {
			l = op.set("parameters", rp, mseq(rp))
		}
		l.mutable()
		l.items = append(l.items, param)
		if isTrue(caching) {
			ck := integ.get("cacheKeyParameters")
			if ck == nil {
				ck = integ.set("cacheKeyParameters", p, mseq(p))
			}
			ck.mutable()
			ck.items = append(ck.items, mstr(p, name))
		}
	}
}

// ---- the API's own settings ----

// methodsOf lists a path item's methods that have an integration (as SAM's
// iter_on_all_methods_for_path), by key.
func methodsOf(item *mnode) []ment {
	var out []ment
	if !item.isMap() {
		return nil
	}
	for _, e := range item.mutable().ents {
		switch e.key {
		case "summary", "description", "parameters":
			continue
		}
		if e.val.isMap() && e.val.get("x-amazon-apigateway-integration") != nil {
			out = append(out, e)
		}
	}
	return out
}

func (t *samT) finishRestAPI(a *restAPI) {
	r := a.r
	props := r.props
	errBody := func(prop string, p Pos) {
		t.errAt(p, r.id, "Properties."+prop, "%s works only with inline Swagger specified in 'DefinitionBody' property.", prop)
	}
	if c, cp := r.prop("Cors"); c != nil {
		if a.body == nil {
			errBody("Cors", cp)
		} else {
			t.restCors(a, c, cp)
		}
	}
	if au, ap := r.prop("Auth"); au != nil {
		if a.body == nil {
			errBody("Auth", ap)
		} else {
			t.restAuth(a, au, ap)
		}
	}
	if gr, gp := r.prop("GatewayResponses"); gr != nil {
		if a.body == nil {
			errBody("GatewayResponses", gp)
		} else {
			t.gatewayResponses(a, gr, gp)
		}
	}
	if bm, bp := r.prop("BinaryMediaTypes"); bm != nil && a.body != nil {
		a.body.set("x-amazon-apigateway-binary-media-types", bp, thaw(unescapeSlash(bm)))
	}
	if ms, mp := r.prop("Models"); ms != nil {
		if a.body == nil {
			errBody("Models", mp)
		} else if ms.kind != nMap {
			t.errAt(mp, r.id, "Properties.Models", "Invalid value for 'Models' property: it must be a map of schemas, not %s", ms.describe())
		} else {
			defs := a.body.child("definitions", mp)
			for _, e := range ms.ents {
				if e.val.kind != nMap {
					t.errAt(e.pos(), r.id, "Properties.Models."+e.key, "Invalid value for 'Models' property: %s must be a schema (a map)", e.key)
					continue
				}
				if e.val.get("type") == nil {
					t.errAt(e.pos(), r.id, "Properties.Models."+e.key, "'Models' schema is missing 'type'.")
					continue
				}
				if defs != nil {
					defs.set(strings.ToLower(e.key), e.pos(), leaf(e.val))
				}
			}
		}
	}
	if a.body != nil {
		for _, c := range a.condOps {
			if op := c.item.get(c.method); op != nil {
				p := op.p
				c.item.set(c.method, p, mfn(p, "Fn::If", mseq(p, leaf(c.cond), op, mref(p, "AWS::NoValue"))))
			}
		}
		t.openAPI3(a)
	}
	if a.implicit && !a.hasPaths {
		return
	}
	// the RestApi
	p := r.key
	api := mmap(r.propsAt)
	if a.body != nil {
		api.set("Body", p, a.body)
	} else if du, dp := r.prop("DefinitionUri"); du != nil {
		api.set("BodyS3Location", dp, definitionLocation(du))
	}
	passProps(r, api, "Name", "Description", "Mode", "ApiKeySourceType", "Policy", "FailOnWarnings",
		"MinimumCompressionSize", "DisableExecuteApiEndpoint")
	if bm, bp := r.prop("BinaryMediaTypes"); bm != nil {
		api.set("BinaryMediaTypes", bp, leaf(bm))
	}
	if ec, ep := r.prop("EndpointConfiguration"); ec != nil {
		cfg := mmap(ep)
		switch {
		case ec.kind == nMap:
			if ty := ec.get("Type"); ty != nil {
				cfg.set("Types", ep, mseq(ep, leaf(ty)))
			}
			for _, k := range []string{"VPCEndpointIds", "VpcEndpointIds"} {
				if v := ec.get(k); v != nil {
					cfg.set("VpcEndpointIds", ep, leaf(v))
				}
			}
			if v := ec.get("IpAddressType"); v != nil {
				cfg.set("IpAddressType", ep, leaf(v))
			}
		default:
			cfg.set("Types", ep, mseq(ep, leaf(ec)))
		}
		api.set("EndpointConfiguration", ep, cfg)
	}
	cond := r.condAttr()
	attrs := r.userAttrs()
	if a.implicit {
		if c := t.implicitCondition(a); c != nil {
			cond = ment{key: "Condition", p: p, val: c}
		}
		attrs = []ment{cond}
	}
	t.emit(a.owner, a.id, p, "AWS::ApiGateway::RestApi", api, attrs...)
	// the deployment and the stage
	var hashIn string
	if a.body != nil {
		hashIn = canon(a.body.freeze())
	} else if du := props.get("DefinitionUri"); du != nil {
		hashIn = canon(du)
	}
	version := ""
	if v := props.get("OpenApiVersion"); v != nil {
		version, _ = t.literal(v)
	}
	h := hashOf(hashIn, version)
	depID := a.id + "Deployment" + h[:10]
	dep := mmap(p)
	dep.set("Description", p, mstr(p, "RestApi deployment id: "+h))
	dep.set("RestApiId", p, mref(p, a.id))
	if version == "" {
		dep.set("StageName", p, mstr(p, "Stage"))
	}
	t.emit(a.owner, depID, p, "AWS::ApiGateway::Deployment", dep, cond)
	sn, sp := r.prop("StageName")
	stage := mmap(p)
	stage.set("DeploymentId", p, mref(p, depID))
	stage.set("RestApiId", p, mref(p, a.id))
	if sn != nil {
		stage.set("StageName", sp, leaf(sn))
	}
	passProps(r, stage, "CacheClusterEnabled", "CacheClusterSize", "Variables", "MethodSettings", "AccessLogSetting",
		"CanarySetting", "TracingEnabled")
	if tags := props.get("Tags"); tags != nil {
		stage.set("Tags", nodePos(tags), tagList(tags))
	}
	t.emit(a.owner, a.stageID, p, "AWS::ApiGateway::Stage", stage, cond)
	t.refs[a.id+".Stage"] = samRef{id: a.stageID}
	t.refs[a.id+".Deployment"] = samRef{id: depID}
	if au := a.auth(); au != nil {
		if up := au.entry("UsagePlan"); up != nil {
			t.usagePlan(a, up, cond)
		}
	}
}

// implicitCondition is the condition of the implicit API when every event
// it serves comes from a function with a condition: it exists when one of
// them does (SAM's ServerlessRestApiCondition).
func (t *samT) implicitCondition(a *restAPI) *mnode {
	if a.uncond || len(a.conds) == 0 {
		return nil
	}
	p := a.r.key
	names := make([]string, 0, len(a.conds))
	for c := range a.conds {
		names = append(names, c)
	}
	sort.Strings(names)
	if len(names) == 1 {
		return mstr(p, names[0])
	}
	if len(names) > 10 {
		return nil
	}
	or := mseq(p)
	for _, n := range names {
		c := mmap(p)
		c.set("Condition", p, mstr(p, n))
		or.items = append(or.items, c)
	}
	name := a.id + "Condition"
	t.conditions = append(t.conditions, ment{key: name, p: p, val: mfn(p, "Fn::Or", or)})
	return mstr(p, name)
}

// unescapeSlash turns ~1 into / in the strings of n (BinaryMediaTypes).
func unescapeSlash(n *node) *node {
	switch n.kind {
	case nScalar:
		if strings.Contains(n.text, "~1") {
			c := *n
			c.text = strings.ReplaceAll(n.text, "~1", "/")
			return &c
		}
	case nSeq:
		c := *n
		c.items = make([]*node, len(n.items))
		for i, it := range n.items {
			c.items[i] = unescapeSlash(it)
		}
		return &c
	}
	return n
}

var corsKeys = []string{"AllowMethods", "AllowHeaders", "AllowOrigin", "MaxAge", "AllowCredentials"}

const allHTTPMethods = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"

// restCors adds SAM's OPTIONS mock methods.
func (t *samT) restCors(a *restAPI, c *node, cp Pos) {
	r := a.r
	var origin, headers, methods, maxAge *mnode
	creds := false
	switch {
	case c.kind == nScalar || c.kind == nFunc:
		origin = leaf(c)
	case c.kind == nMap:
		for _, e := range c.ents {
			found := false
			for _, k := range corsKeys {
				found = found || k == e.key
			}
			if !found {
				t.errAt(e.pos(), r.id, "Properties.Cors."+e.key, "Invalid key '%s' for 'Cors' property.%s", e.key, didYouMean(e.key, corsKeys))
				continue
			}
			switch e.key {
			case "AllowOrigin":
				origin = leaf(e.val)
			case "AllowHeaders":
				headers = leaf(e.val)
			case "AllowMethods":
				methods = leaf(e.val)
			case "MaxAge":
				maxAge = leaf(e.val)
			case "AllowCredentials":
				creds = isTrue(e.val)
			}
		}
	default:
		t.errAt(cp, r.id, "Properties.Cors", "Invalid value for 'Cors' property: a string (the allowed origin, quoted: \"'*'\") or a map (AllowOrigin, AllowHeaders, AllowMethods, MaxAge, AllowCredentials)")
		return
	}
	if origin == nil {
		origin = mstr(cp, "'*'")
	}
	if o, ok := origin.str(); creds && ok && o == "'*'" {
		t.errAt(cp, r.id, "Properties.Cors", "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set")
		return
	}
	paths := a.body.get("paths")
	if !paths.isMap() {
		return
	}
	seen := map[string]bool{}
	for _, e := range paths.mutable().ents {
		norm := e.key
		if norm != "/" {
			norm = strings.TrimRight(norm, "/")
		}
		if seen[norm] {
			continue
		}
		seen[norm] = true
		item := e.val
		if !item.isMap() || item.get("options") != nil {
			continue
		}
		allow := methods
		if allow == nil {
			allow = mstr(cp, "'"+allowedMethods(item)+"'")
		}
		item.set("options", cp, corsOptions(cp, origin, headers, allow, maxAge, creds))
	}
}

func allowedMethods(item *mnode) string {
	set := map[string]bool{"OPTIONS": true}
	for _, k := range item.keys() {
		switch k {
		case "summary", "description", "parameters", "servers":
			continue
		case "x-amazon-apigateway-any-method":
			return allHTTPMethods
		}
		set[strings.ToUpper(k)] = true
	}
	ms := make([]string, 0, len(set))
	for m := range set {
		ms = append(ms, m)
	}
	sort.Strings(ms)
	return strings.Join(ms, ",")
}

func corsOptions(p Pos, origin, headers, methods, maxAge *mnode, creds bool) *mnode {
	params := mmap(p)
	hdrs := mmap(p)
	add := func(name string, v *mnode, typ string) {
		params.set("method.response.header."+name, v.p, v.clone())
		h := mmap(p)
		h.set("type", p, mstr(p, typ))
		hdrs.set(name, p, h)
	}
	add("Access-Control-Allow-Origin", origin, "string")
	if headers != nil {
		add("Access-Control-Allow-Headers", headers, "string")
	}
	if methods != nil {
		add("Access-Control-Allow-Methods", methods, "string")
	}
	if maxAge != nil {
		add("Access-Control-Max-Age", maxAge, "integer")
	}
	if creds {
		add("Access-Control-Allow-Credentials", mstr(p, "'true'"), "string")
	}
	op := mmap(p)
	op.set("summary", p, mstr(p, "CORS support"))
	op.set("consumes", p, mseq(p, mstr(p, "application/json")))
	op.set("produces", p, mseq(p, mstr(p, "application/json")))
	integ := op.set("x-amazon-apigateway-integration", p, mmap(p))
	integ.set("type", p, mstr(p, "mock"))
	integ.set("requestTemplates", p, mmap(p)).set("application/json", p, mstr(p, "{\n  \"statusCode\" : 200\n}\n"))
	def := integ.set("responses", p, mmap(p)).set("default", p, mmap(p))
	def.set("statusCode", p, mstr(p, "200"))
	def.set("responseParameters", p, params)
	def.set("responseTemplates", p, mmap(p)).set("application/json", p, mstr(p, "{}\n"))
	ok := op.set("responses", p, mmap(p)).set("200", p, mmap(p))
	ok.set("description", p, mstr(p, "Default response for CORS method"))
	ok.set("headers", p, hdrs)
	return op
}

var restAuthKeys = []string{"Authorizers", "DefaultAuthorizer", "InvokeRole", "AddDefaultAuthorizerToCorsPreflight",
	"AddApiKeyRequiredToCorsPreflight", "ApiKeyRequired", "ResourcePolicy", "UsagePlan"}

var restAuthorizerKeys = []string{"UserPoolArn", "FunctionArn", "Identity", "FunctionPayloadType", "FunctionInvokeRole",
	"AuthorizationScopes", "DisableFunctionDefaultPermissions"}

// restAuth adds the API's Auth: its authorizers as security definitions,
// the default authorizer and the API key requirement on every method.
func (t *samT) restAuth(a *restAPI, au *node, ap Pos) {
	r := a.r
	if au.kind != nMap {
		t.errAt(ap, r.id, "Properties.Auth", "Auth must be a map (%s), not %s", strings.Join(restAuthKeys, ", "), au.describe())
		return
	}
	for _, e := range au.ents {
		found := false
		for _, k := range restAuthKeys {
			found = found || k == e.key
		}
		switch {
		case !found:
			t.errAt(e.pos(), r.id, "Properties.Auth."+e.key, "Invalid value for 'Auth' property: Auth takes %s, not %s%s", strings.Join(restAuthKeys, ", "), e.key, didYouMean(e.key, restAuthKeys))
		case e.key == "ResourcePolicy" || e.key == "InvokeRole":
			r.notApply = append(r.notApply, "Auth."+e.key)
		}
	}
	defs := func() *mnode { return securityDefs(a.body, ap) }
	azs := au.get("Authorizers")
	names := map[string]*node{}
	if azs != nil {
		if azs.kind != nMap {
			t.errAt(ap, r.id, "Properties.Auth.Authorizers", "Authorizers must be a map of authorizers by name, not %s", azs.describe())
			return
		}
		for _, e := range azs.ents {
			if s := t.restAuthorizer(r, e); s != nil {
				if d := defs(); d != nil {
					d.set(e.key, e.pos(), s)
				}
				names[e.key] = e.val
			}
		}
	}
	def, dp := au.get("DefaultAuthorizer"), ap
	if e := au.entry("DefaultAuthorizer"); e != nil {
		dp = e.pos()
	}
	paths := a.body.get("paths")
	if def != nil {
		name, ok := t.literal(def)
		switch {
		case !ok:
			t.errAt(dp, r.id, "Properties.Auth.DefaultAuthorizer", "DefaultAuthorizer is not a string.")
			return
		case name == "AWS_IAM":
			addIAMScheme(a.body, dp)
		case names[name] == nil:
			known := make([]string, 0, len(names))
			for k := range names {
				known = append(known, k)
			}
			t.errAt(dp, r.id, "Properties.Auth.DefaultAuthorizer", "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.%s", name, didYouMean(name, known))
			return
		}
		preflight := !isFalse(au.get("AddDefaultAuthorizerToCorsPreflight"))
		if paths.isMap() {
			for _, pe := range paths.mutable().ents {
				for _, me := range methodsOf(pe.val) {
					if me.key == "options" && !preflight {
						continue
					}
					setDefaultAuthorizer(me.val, name, names[name], dp)
				}
			}
		}
	}
	if isTrue(au.get("ApiKeyRequired")) {
		p := ap
		if e := au.entry("ApiKeyRequired"); e != nil {
			p = e.pos()
		}
		addAPIKeyScheme(a.body, p)
		preflight := !isFalse(au.get("AddApiKeyRequiredToCorsPreflight"))
		if paths.isMap() {
			for _, pe := range paths.mutable().ents {
				for _, me := range methodsOf(pe.val) {
					setDefaultAPIKey(me.val, me.key == "options" && !preflight, p)
				}
			}
		}
	}
}

// restAuthorizer is the security definition of one of the API's
// authorizers (SAM's ApiGatewayAuthorizer.generate_swagger); nil after
// reporting a problem.
func (t *samT) restAuthorizer(r *samRes, e entry) *mnode {
	prop := "Properties.Auth.Authorizers." + e.key
	az := e.val
	if az.kind != nMap {
		t.errAt(e.pos(), r.id, prop, "an authorizer must be a map (UserPoolArn for Cognito, FunctionArn for a Lambda authorizer), not %s", az.describe())
		return nil
	}
	for _, k := range az.ents {
		found := false
		for _, n := range restAuthorizerKeys {
			found = found || n == k.key
		}
		if !found {
			t.errAt(k.pos(), r.id, prop+"."+k.key, "an authorizer takes %s, not %s%s", strings.Join(restAuthorizerKeys, ", "), k.key, didYouMean(k.key, restAuthorizerKeys))
			return nil
		}
	}
	p := e.pos()
	identity := az.get("Identity")
	if identity != nil && identity.kind != nMap {
		t.errAt(p, r.id, prop+".Identity", "Auth.Authorizers.<Authorizer>.Identity must be a dict (LambdaTokenAuthorizationIdentity, LambdaRequestAuthorizationIdentity or CognitoAuthorizationIdentity).")
		return nil
	}
	pool, fn := az.get("UserPoolArn"), az.get("FunctionArn")
	payload := "TOKEN"
	if pt := az.get("FunctionPayloadType"); pt != nil {
		s, _ := t.literal(pt)
		if s != "TOKEN" && s != "REQUEST" {
			t.errAt(p, r.id, prop+".FunctionPayloadType", "%s Authorizer has invalid 'FunctionPayloadType': %s.", e.key, s)
			return nil
		}
		payload = s
	}
	if pool == nil && fn == nil {
		t.errAt(p, r.id, prop, "the authorizer %s needs UserPoolArn (a Cognito authorizer) or FunctionArn (a Lambda authorizer)", e.key)
		return nil
	}
	header := mstr(p, "Authorization")
	if h := identity.get("Header"); h != nil {
		header = leaf(h)
	}
	s := mmap(p)
	s.set("type", p, mstr(p, "apiKey"))
	if pool == nil && payload == "REQUEST" {
		header = mstr(p, "Unused")
	}
	s.set("name", p, header)
	s.set("in", p, mstr(p, "header"))
	x := mmap(p)
	if pool != nil {
		s.set("x-amazon-apigateway-authtype", p, mstr(p, "cognito_user_pools"))
		x.set("type", p, mstr(p, "cognito_user_pools"))
		arns := leaf(pool)
		if pool.kind != nSeq {
			arns = mseq(p, leaf(pool))
		}
		x.set("providerARNs", p, arns)
	} else {
		s.set("x-amazon-apigateway-authtype", p, mstr(p, "custom"))
		x.set("type", p, mstr(p, strings.ToLower(payload)))
		fa := mmap(p)
		fa.set("__FunctionArn__", p, leaf(fn))
		x.set("authorizerUri", p, mfn(p, "Fn::Sub", mseq(p, mstr(p, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations"), fa)))
		if re := identity.get("ReauthorizeEvery"); re != nil {
			x.set("authorizerResultTtlInSeconds", p, leaf(re))
		}
		if role := az.get("FunctionInvokeRole"); role != nil {
			if s, ok := t.literal(role); !ok || s != "NONE" {
				x.set("authorizerCredentials", p, leaf(role))
			}
		}
		if payload == "REQUEST" {
			var src []string
			for _, kp := range [][2]string{{"Headers", "method.request.header."}, {"QueryStrings", "method.request.querystring."}, {"StageVariables", "stageVariables."}, {"Context", "context."}} {
				l := identity.get(kp[0])
				if l == nil {
					continue
				}
				if l.kind != nSeq {
					t.errAt(p, r.id, prop+".Identity."+kp[0], "Identity.%s must be a list of names", kp[0])
					return nil
				}
				for _, it := range l.items {
					if !it.isString() {
						t.errAt(nodePos(it), r.id, prop+".Identity."+kp[0], "Identity.%s must be a list of names, not %s", kp[0], it.describe())
						return nil
					}
					src = append(src, kp[1]+it.text)
				}
			}
			if len(src) == 0 {
				ttl, _ := t.literal(identity.get("ReauthorizeEvery"))
				if identity == nil || ttl != "0" {
					t.errAt(p, r.id, prop+".Identity", "%s Authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context.", e.key)
					return nil
				}
			} else {
				x.set("identitySource", p, mstr(p, strings.Join(src, ", ")))
			}
		}
	}
	if pool != nil || payload == "TOKEN" {
		if ve := identity.get("ValidationExpression"); ve != nil {
			x.set("identityValidationExpression", p, leaf(ve))
		}
	}
	s.set("x-amazon-apigateway-authorizer", p, x)
	return s
}

// setDefaultAuthorizer applies the API's DefaultAuthorizer to a method, as
// SAM's set_path_default_authorizer: a method's own authorizer wins, NONE
// keeps it public.
func setDefaultAuthorizer(op *mnode, name string, az *node, p Pos) {
	var others, authz []*mnode
	none := false
	for _, s := range op.get("security").list() {
		if !s.isMap() {
			others = append(others, s)
			continue
		}
		keys := s.keys()
		switch {
		case len(keys) == 1 && keys[0] == "NONE":
			none = true
		case isAuthorizerSecurity(keys, name, az):
			authz = append(authz, s)
		default:
			others = append(others, s)
		}
	}
	if !none && len(authz) == 0 {
		sec := mmap(p)
		scopes := mseq(p)
		if az != nil && az.kind == nMap {
			if sc := az.get("AuthorizationScopes"); sc != nil {
				scopes = leaf(sc)
			}
		}
		sec.set(name, p, scopes)
		authz = []*mnode{sec}
	}
	all := append(others, authz...)
	if len(all) > 0 || none {
		op.set("security", p, mseq(p, all...))
	}
}

// isAuthorizerSecurity: a security requirement names an authorizer (not
// api_key or NONE).
func isAuthorizerSecurity(keys []string, _ string, _ *node) bool {
	for _, k := range keys {
		if k != "api_key" && k != "api_key_false" && k != "NONE" {
			return true
		}
	}
	return false
}

// setDefaultAPIKey applies the API's ApiKeyRequired to a method, as SAM's
// set_path_default_apikey_required.
func setDefaultAPIKey(op *mnode, skip bool, p Pos) {
	var others, keys []*mnode
	falseMark := false
	existing := op.get("security").list()
	for _, s := range existing {
		k := s.keys()
		switch {
		case len(k) == 1 && k[0] == "api_key_false":
			falseMark = true
		case len(k) == 1 && k[0] == "api_key":
			keys = append(keys, s)
		default:
			others = append(others, s)
		}
	}
	if !falseMark {
		sec := mmap(p)
		sec.set("api_key", p, mseq(p))
		keys = []*mnode{sec}
	} else {
		keys = nil
	}
	all := append(others, keys...)
	if skip {
		all = others
	}
	if len(all) != len(existing) || falseMark || len(keys) > 0 {
		op.set("security", p, mseq(p, all...))
	}
}

var gatewayResponseKeys = []string{"ResponseParameters", "ResponseTemplates", "StatusCode"}

func (t *samT) gatewayResponses(a *restAPI, gr *node, gp Pos) {
	r := a.r
	if gr.kind != nMap {
		t.errAt(gp, r.id, "Properties.GatewayResponses", "GatewayResponses must be a map of responses by type, not %s", gr.describe())
		return
	}
	out := a.body.child("x-amazon-apigateway-gateway-responses", gp)
	if out == nil {
		return
	}
	for _, e := range gr.ents {
		prop := "Properties.GatewayResponses." + e.key
		v := e.val
		if v.kind != nMap {
			t.errAt(e.pos(), r.id, prop, "Invalid property type '%s' for GatewayResponses. Expected an object of type 'GatewayResponse'.", v.describe())
			continue
		}
		p := e.pos()
		resp := mmap(p)
		params := mmap(p)
		for _, k := range v.ents {
			found := false
			for _, n := range gatewayResponseKeys {
				found = found || n == k.key
			}
			if !found {
				t.errAt(k.pos(), r.id, prop+"."+k.key, "Invalid property '%s' in 'GatewayResponses' property '%s'.%s", k.key, e.key, didYouMean(k.key, gatewayResponseKeys))
			}
		}
		if rp := v.get("ResponseParameters"); rp != nil {
			if rp.kind != nMap {
				t.errAt(p, r.id, prop+".ResponseParameters", "ResponseParameters must be a map (Headers, Paths, QueryStrings)")
				continue
			}
			for _, k := range rp.ents {
				prefix := map[string]string{"Headers": "header.", "Paths": "path.", "QueryStrings": "querystring."}[k.key]
				if prefix == "" {
					t.errAt(k.pos(), r.id, prop+".ResponseParameters."+k.key, "Invalid gateway response parameter '%s'", k.key)
					continue
				}
				if k.val.kind != nMap {
					t.errAt(k.pos(), r.id, prop+".ResponseParameters."+k.key, "%s must be a map of names and values", k.key)
					continue
				}
				for _, h := range k.val.ents {
					params.set("gatewayresponse."+prefix+h.key, h.pos(), leaf(h.val))
				}
			}
		}
		resp.set("responseParameters", p, params)
		if rt := v.get("ResponseTemplates"); rt != nil {
			resp.set("responseTemplates", p, leaf(rt))
		} else {
			resp.set("responseTemplates", p, mmap(p))
		}
		if sc := v.entry("StatusCode"); sc != nil {
			s, ok := t.literal(sc.val)
			if !ok || len(s) > 3 || strings.Trim(s, "0123456789") != "" {
				t.errAt(sc.pos(), r.id, prop+".StatusCode", "Property 'StatusCode' must be numeric")
				continue
			}
			resp.set("statusCode", sc.pos(), mstr(nodePos(sc.val), s))
		}
		out.set(e.key, p, resp)
	}
}

// openAPI3 moves what SAM writes in Swagger terms to OpenAPI 3's places
// when the body is OpenAPI 3 (SAM's _openapi_postprocess).
func (t *samT) openAPI3(a *restAPI) {
	b := a.body
	if b.get("swagger") != nil {
		return
	}
	v, _ := b.get("openapi").str()
	if !openAPI3RE.MatchString(v) {
		return
	}
	if sd := b.get("securityDefinitions"); sd != nil {
		i := b.index("securityDefinitions")
		p := b.ents[i].p
		b.del("securityDefinitions")
		if comp := b.child("components", p); comp != nil {
			comp.set("securitySchemes", p, sd)
		}
	}
	if d := b.get("definitions"); d != nil {
		i := b.index("definitions")
		p := b.ents[i].p
		b.del("definitions")
		if comp := b.child("components", p); comp != nil {
			comp.set("schemas", p, d)
		}
	}
	paths := b.get("paths")
	if !paths.isMap() {
		return
	}
	for _, pe := range paths.mutable().ents {
		opt := pe.val.get("options")
		if !opt.isMap() || opt.n != nil {
			continue // the user's own options, left as written
		}
		opt.del("consumes")
		opt.del("produces")
		h := opt.get("responses").get("200").get("headers")
		if !h.isMap() {
			continue
		}
		for i, e := range h.mutable().ents {
			s := mmap(e.p)
			s.set("schema", e.p, e.val)
			h.ents[i].val = s
		}
	}
}

// ---- usage plans ----

// sharedPlan is SAM's ServerlessUsagePlan, shared by the APIs with
// CreateUsagePlan: SHARED.
type sharedPlan struct {
	stages, keys, depends *mnode
	plan                  *mnode
}

var usagePlanKeys = []string{"CreateUsagePlan", "Description", "Quota", "Tags", "Throttle", "UsagePlanName"}

func (t *samT) usagePlan(a *restAPI, up *entry, cond ment) {
	r := a.r
	prop := "Properties.Auth.UsagePlan"
	v := up.val
	if v.kind != nMap {
		t.errAt(up.pos(), r.id, prop, "'UsagePlan' must be a dictionary")
		return
	}
	for _, e := range v.ents {
		found := false
		for _, k := range usagePlanKeys {
			found = found || k == e.key
		}
		if !found {
			t.errAt(e.pos(), r.id, prop+"."+e.key, "Invalid property for 'UsagePlan': %s (it takes %s)%s", e.key, strings.Join(usagePlanKeys, ", "), didYouMean(e.key, usagePlanKeys))
			return
		}
	}
	ce := v.entry("CreateUsagePlan")
	if ce == nil {
		t.errAt(up.pos(), r.id, prop+".CreateUsagePlan", "'CreateUsagePlan' is a required field for UsagePlan.")
		return
	}
	create, _ := t.literal(ce.val)
	p := ce.pos()
	stageRef := func() *mnode {
		m := mmap(p)
		m.set("ApiId", p, mref(p, a.id))
		m.set("Stage", p, mref(p, a.stageID))
		return m
	}
	stageKey := func() *mnode {
		m := mmap(p)
		m.set("RestApiId", p, mref(p, a.id))
		m.set("StageName", p, mref(p, a.stageID))
		return m
	}
	setPlanProps := func(plan *mnode) {
		for _, k := range []string{"UsagePlanName", "Description", "Quota", "Tags", "Throttle"} {
			if e := v.entry(k); e != nil {
				plan.set(k, e.pos(), leaf(e.val))
			}
		}
	}
	switch create {
	case "NONE":
		return
	case "PER_API":
		planID, keyID, upkID := a.id+"UsagePlan", a.id+"ApiKey", a.id+"UsagePlanKey"
		plan := mmap(p)
		plan.set("ApiStages", p, mseq(p, stageRef()))
		setPlanProps(plan)
		t.emit(a.owner, planID, p, "AWS::ApiGateway::UsagePlan", plan, dependsAttr(p, a.id), cond)
		key := mmap(p)
		key.set("Enabled", p, mbool(p, true))
		key.set("StageKeys", p, mseq(p, stageKey()))
		t.emit(a.owner, keyID, p, "AWS::ApiGateway::ApiKey", key, dependsAttr(p, planID), cond)
		upk := mmap(p)
		upk.set("KeyId", p, mref(p, keyID))
		upk.set("KeyType", p, mstr(p, "API_KEY"))
		upk.set("UsagePlanId", p, mref(p, planID))
		t.emit(a.owner, upkID, p, "AWS::ApiGateway::UsagePlanKey", upk, dependsAttr(p, keyID), cond)
		t.refs[a.id+".UsagePlan"] = samRef{id: planID}
		t.refs[a.id+".ApiKey"] = samRef{id: keyID}
		t.refs[a.id+".UsagePlanKey"] = samRef{id: upkID}
	case "SHARED":
		const planID, keyID, upkID = "ServerlessUsagePlan", "ServerlessApiKey", "ServerlessUsagePlanKey"
		sp := t.shared
		if sp == nil {
			sp = &sharedPlan{stages: mseq(p), keys: mseq(p), depends: mseq(p)}
			t.shared = sp
			plan := mmap(p)
			plan.set("ApiStages", p, sp.stages)
			sp.plan = plan
			t.emit(a.owner, planID, p, "AWS::ApiGateway::UsagePlan", plan, ment{key: "DependsOn", p: p, val: sp.depends})
			key := mmap(p)
			key.set("Enabled", p, mbool(p, true))
			key.set("StageKeys", p, sp.keys)
			t.emit(a.owner, keyID, p, "AWS::ApiGateway::ApiKey", key, dependsAttr(p, planID))
			upk := mmap(p)
			upk.set("KeyId", p, mref(p, keyID))
			upk.set("KeyType", p, mstr(p, "API_KEY"))
			upk.set("UsagePlanId", p, mref(p, planID))
			t.emit(a.owner, upkID, p, "AWS::ApiGateway::UsagePlanKey", upk, dependsAttr(p, keyID))
		}
		sp.depends.items = append(sp.depends.items, mstr(p, a.id))
		sp.stages.items = append(sp.stages.items, stageRef())
		sp.keys.items = append(sp.keys.items, stageKey())
		setPlanProps(sp.plan)
		t.refs[a.id+".UsagePlan"] = samRef{id: planID}
		t.refs[a.id+".ApiKey"] = samRef{id: keyID}
		t.refs[a.id+".UsagePlanKey"] = samRef{id: upkID}
	default:
		t.errAt(p, r.id, prop+".CreateUsagePlan", "'CreateUsagePlan' accepts one of ['SHARED', 'PER_API', 'NONE'].")
	}
}
