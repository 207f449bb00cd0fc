package template

import (
	"regexp"
	"strings"
)

// samHTTPAPIProps are AWS::Serverless::HttpApi's properties.
var samHTTPAPIProps = map[string]samProp{
	"Name": propActed, "StageName": propActed, "DefinitionBody": propActed, "DefinitionUri": propActed,
	"StageVariables": propActed, "CorsConfiguration": propActed, "DefaultRouteSettings": propActed,
	"RouteSettings": propActed, "Auth": propActed, "Description": propActed, "FailOnWarnings": propActed,
	"DisableExecuteApiEndpoint": propActed, "Tags": propActed, "AccessLogSettings": propPass,
	"Domain": propNoted, "PropagateTags": propNoted,
}

// httpAPI is an AWS::Serverless::HttpApi, explicit or the implicit
// ServerlessHttpApi.
type httpAPI struct {
	id       string
	r        *samRes
	owner    string
	body     *mnode
	managed  bool
	stageID  string
	implicit bool
	condOps  []condOp
	routeSet []ment // RouteSettings of events, by route key
}

func httpSkeleton(p Pos) *mnode {
	b := mmap(p)
	info := b.set("info", p, mmap(p))
	info.set("version", p, mstr(p, "1.0"))
	info.set("title", p, mref(p, "AWS::StackName"))
	b.set("paths", p, mmap(p))
	b.set("openapi", p, mstr(p, "3.0.1"))
	return b
}

func (t *samT) declareHTTPAPI(r *samRes) {
	t.checkProps(r, samHTTPAPIProps)
	t.newHTTPAPI(r, r.id, false)
}

func (t *samT) newHTTPAPI(r *samRes, owner string, implicit bool) {
	a := &httpAPI{id: r.id, r: r, owner: owner, implicit: implicit}
	sn := r.props.get("StageName")
	switch {
	case sn == nil:
		a.stageID = r.id + "ApiGatewayDefaultStage"
	case sn.kind == nScalar && sn.text == "$default":
		a.stageID = r.id + "ApiGatewayDefaultStage"
	default:
		a.stageID = stageLogicalID(r.id, sn, t)
	}
	db, dbp := r.prop("DefinitionBody")
	du, dup := r.prop("DefinitionUri")
	switch {
	case db != nil && du != nil:
		t.errAt(dup, r.id, "Properties.DefinitionUri", "Specify either 'DefinitionUri' or 'DefinitionBody' property and not both.")
	case db != nil:
		if db.kind != nMap {
			if db.kind != nInvalid {
				t.errAt(dbp, r.id, "Properties.DefinitionBody", "DefinitionBody must be a map (an OpenAPI 3 document), not %s", db.describe())
			}
			return
		}
		a.body = thaw(db)
	case du != nil:
	default:
		a.body = httpSkeleton(r.key)
		a.managed = true
	}
	t.http[r.id] = a
	t.httpList = append(t.httpList, a)
}

func (t *samT) implicitHTTP(owner *samRes, p Pos) {
	const id = "ServerlessHttpApi"
	props := mmap(p).freeze()
	if g := t.globals["AWS::Serverless::HttpApi"]; g != nil {
		props = mergeGlobals(g, props)
	}
	r := &samRes{id: id, typ: "AWS::Serverless::HttpApi", key: p, decl: mmap(p).freeze(), props: props, propsAt: p}
	for _, e := range props.ents {
		if samHTTPAPIProps[e.key] == propNoted {
			r.notApply = append(r.notApply, e.key)
		}
	}
	t.newHTTPAPI(r, owner.id, true)
	t.list = append(t.list, r)
}

var httpEventProps = map[string]samProp{
	"Path": propActed, "Method": propActed, "ApiId": propActed, "Auth": propActed, "TimeoutInMillis": propActed,
	"RouteSettings": propActed, "PayloadFormatVersion": propActed, "Stage": propIgnored,
}

var pathParamRE = regexp.MustCompile(`{([^}]*)}`)

func (t *samT) httpEvent(ev *samEvent) {
	t.checkEventProps(ev, "HttpApi", httpEventProps)
	apiID := "ServerlessHttpApi"
	if n, p := ev.get("ApiId"); n != nil {
		id, ok := refName(n)
		switch {
		case !ok:
			t.evErr(ev, p, "ApiId", "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template (a !Ref or its logical ID), not %s", n.describe())
			return
		case t.http[id] == nil && t.ids[id]:
			t.evErr(ev, p, "ApiId", "ApiId must be a valid reference to an 'AWS::Serverless::HttpApi' resource in same template: %s is not one", id)
			return
		case t.http[id] == nil:
			var names []string
			for _, a := range t.httpList {
				names = append(names, a.id)
			}
			t.evErr(ev, p, "ApiId", "ApiId names %s, which is not a resource of this template%s", id, didYouMean(id, names))
			return
		}
		apiID = id
	}
	a := t.http[apiID]
	if a == nil {
		return
	}
	pathN, pp := ev.get("Path")
	methodN, mp := ev.get("Method")
	path, method := "$default", "x-amazon-apigateway-any-method"
	switch {
	case pathN == nil && methodN == nil:
	case pathN == nil || methodN == nil:
		t.evErr(ev, ev.key, "", "an HttpApi event takes both Path and Method, or neither (the $default route)")
		return
	default:
		var ok1, ok2 bool
		path, ok1 = t.literal(pathN)
		method, ok2 = t.literal(methodN)
		if !ok1 || !strings.HasPrefix(path, "/") {
			t.evErr(ev, pp, "Path", "Path must be a literal path starting with /, not %s", pathN.describe())
			return
		}
		if !ok2 {
			t.evErr(ev, mp, "Method", "Method must be a literal HTTP method (get, post, any, ...), not %s", methodN.describe())
			return
		}
	}
	t.permission(ev, apiID, "", method, path)
	if a.body == nil {
		t.note("%s: Events.%s: %s has DefinitionUri, so (as in SAM) the event adds no route to it", ev.fn.id, ev.name, apiID)
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
	if op != nil && op.isMap() && op.get("x-amazon-apigateway-integration") != nil {
		if a.managed {
			t.evErr(ev, mp, "Method", "API method '%s' defined multiple times for path '%s'.", strings.ToLower(method), path)
		}
		return
	}
	if op == nil || !op.isMap() {
		op = item.set(m, mp, mmap(mp))
	}
	op.mutable()
	p := ev.key
	integ := mmap(p)
	integ.set("httpMethod", p, mstr(p, "POST"))
	integ.set("type", p, mstr(p, "aws_proxy"))
	integ.set("uri", p, msub(p, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"+ev.target+"/invocations"))
	if pf, pfp := ev.get("PayloadFormatVersion"); pf != nil {
		integ.set("payloadFormatVersion", pfp, leaf(pf))
	} else {
		integ.set("payloadFormatVersion", p, mstr(p, "2.0"))
	}
	if to, tp := ev.get("TimeoutInMillis"); to != nil {
		integ.set("timeoutInMillis", tp, leaf(to))
	}
	op.set("x-amazon-apigateway-integration", p, integ)
	if auth, ap := ev.get("Auth"); auth != nil {
		t.httpEventAuth(ev, a, op, auth, ap, path, strings.ToLower(method))
	}
	if params := pathParamRE.FindAllStringSubmatch(path, -1); len(params) > 0 {
		l := op.get("parameters")
		if l == nil || !l.isSeq() {
			l = op.set("parameters", pp, mseq(pp))
		}
		l.mutable()
		for _, pm := range params {
			name := pm[1]
			found := false
			for _, it := range l.items {
				if n, _ := it.get("name").str(); n == name {
					it.set("in", pp, mstr(pp, "path"))
					it.set("required", pp, mbool(pp, true))
					found = true
				}
			}
			if !found {
				prm := mmap(pp)
				prm.set("name", pp, mstr(pp, name))
				prm.set("in", pp, mstr(pp, "path"))
				prm.set("required", pp, mbool(pp, true))
				l.items = append(l.items, prm)
			}
		}
	}
	if op.get("responses") == nil {
		op.set("responses", p, mmap(p))
	}
	if ev.fn.cond != nil {
		a.condOps = append(a.condOps, condOp{item: item, method: m, cond: ev.fn.cond})
	}
	if rs, rsp := ev.get("RouteSettings"); rs != nil {
		key := "$default"
		if path != "$default" {
			mk := strings.ToUpper(method)
			if m == "x-amazon-apigateway-any-method" {
				mk = "ANY"
			}
			key = mk + " " + path
		}
		a.routeSet = append(a.routeSet, ment{key: key, p: rsp, val: leaf(rs)})
	}
}

// httpEventAuth checks an HttpApi event's Auth and sets the route's
// security, as SAM's _add_auth_to_openapi_integration.
func (t *samT) httpEventAuth(ev *samEvent, a *httpAPI, op *mnode, auth *node, ap Pos, path, method string) {
	if auth.kind != nMap {
		t.evErr(ev, ap, "Auth", "Auth must be a map (Authorizer, AuthorizationScopes), not %s", auth.describe())
		return
	}
	for _, e := range auth.ents {
		if e.key != "Authorizer" && e.key != "AuthorizationScopes" {
			t.evErr(ev, e.pos(), "Auth."+e.key, "Auth takes Authorizer and AuthorizationScopes, not %s", e.key)
		}
	}
	apiAuth := a.r.props.get("Auth")
	if apiAuth != nil && apiAuth.kind != nMap {
		apiAuth = nil
	}
	name := ""
	authP := ap
	if e := auth.entry("Authorizer"); e != nil {
		authP = e.pos()
		s, ok := t.literal(e.val)
		if !ok {
			t.evErr(ev, authP, "Auth.Authorizer", "Authorizer must be the name of one of the API's Authorizers (or AWS_IAM, NONE), not %s", e.val.describe())
			return
		}
		name = s
	} else if d, ok := t.literal(apiAuth.get("DefaultAuthorizer")); ok {
		name = d
	} else {
		t.evErr(ev, ap, "Auth", "'Auth' section requires either an explicit 'Authorizer' set or a 'DefaultAuthorizer' configured on the HttpApi.")
		return
	}
	authorizers := apiAuth.get("Authorizers")
	iam := isTrue(apiAuth.get("EnableIamAuthorizer"))
	switch {
	case name == "NONE":
		if apiAuth.get("DefaultAuthorizer") == nil {
			t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer on API method [%s] for path [%s] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified.", method, path)
			return
		}
	case name == "AWS_IAM" && iam:
	case authorizers == nil || authorizers.kind != nMap:
		t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because the related API does not define any Authorizers.", name, method, path)
		return
	case authorizers.get(name) == nil:
		t.evErr(ev, authP, "Auth.Authorizer", "Unable to set Authorizer [%s] on API method [%s] for path [%s] because it wasn't defined in the API's Authorizers.%s", name, method, path, didYouMean(name, entKeys(authorizers)))
		return
	}
	scopes := mseq(authP)
	if name != "NONE" && name != "AWS_IAM" {
		if az := authorizers.get(name); az != nil {
			if s := az.get("AuthorizationScopes"); s != nil {
				scopes = leaf(s)
			}
		}
	}
	if s := auth.get("AuthorizationScopes"); s != nil {
		if s.kind != nSeq {
			t.evErr(ev, ap, "Auth.AuthorizationScopes", "Unable to set Authorizer on API method [%s] for path [%s] because 'AuthorizationScopes' must be a list of strings.", method, path)
			return
		}
		if len(s.items) > 0 && name != "NONE" && name != "AWS_IAM" {
			scopes = leaf(s)
		}
	}
	sec := mmap(authP)
	sec.set(name, authP, scopes)
	appendSecurity(op, authP, sec)
}

var httpAuthKeys = []string{"Authorizers", "DefaultAuthorizer", "EnableIamAuthorizer"}

func (t *samT) finishHTTPAPI(a *httpAPI) {
	r := a.r
	errBody := func(prop string, p Pos) {
		t.errAt(p, r.id, "Properties."+prop, "%s works only with inline OpenApi specified in 'DefinitionBody' property.", prop)
	}
	if c, cp := r.prop("CorsConfiguration"); c != nil {
		if a.body == nil {
			errBody("CorsConfiguration", cp)
		} else {
			t.httpCors(a, c, cp)
		}
	}
	if au, ap := r.prop("Auth"); au != nil {
		if a.body == nil {
			errBody("Auth", ap)
		} else {
			t.httpAuth(a, au, ap)
		}
	}
	// A NONE authorizer keeps a route public: SAM leaves [{NONE: []}] for
	// API Gateway to ignore; apigw writes no security.
	if a.body != nil {
		if paths := a.body.get("paths"); paths.isMap() {
			for _, pe := range paths.mutable().ents {
				for _, me := range methodsOf(pe.val) {
					l := me.val.get("security").list()
					var keep []*mnode
					for _, s := range l {
						if k := s.keys(); len(k) == 1 && k[0] == "NONE" {
							continue
						}
						keep = append(keep, s)
					}
					if len(keep) != len(l) {
						if len(keep) == 0 {
							me.val.del("security")
						} else {
							me.val.set("security", me.val.p, mseq(me.val.p, keep...))
						}
					}
				}
			}
		}
		tags := a.body.get("tags")
		if tags == nil || !tags.isSeq() {
			tags = a.body.set("tags", r.key, mseq(r.key))
		}
		tags.mutable()
		addTag := func(p Pos, name string, v *mnode) {
			for _, it := range tags.items {
				if n, _ := it.get("name").str(); n == name {
					it.set("x-amazon-apigateway-tag-value", p, v)
					return
				}
			}
			m := mmap(p)
			m.set("name", p, mstr(p, name))
			m.set("x-amazon-apigateway-tag-value", p, v)
			tags.items = append(tags.items, m)
		}
		if ut := r.props.get("Tags"); ut != nil && ut.kind == nMap {
			for _, e := range ut.ents {
				addTag(e.pos(), e.key, leaf(e.val))
			}
		}
		addTag(r.key, "httpapi:createdBy", mstr(r.key, "SAM"))
		if n, np := r.prop("Name"); n != nil {
			if info := a.body.child("info", np); info != nil {
				info.set("title", np, leaf(n))
			}
		}
		if d, dp := r.prop("Description"); d != nil {
			if info := a.body.child("info", dp); info != nil && info.get("description") == nil {
				info.set("description", dp, leaf(d))
			}
		}
		for _, c := range a.condOps {
			if op := c.item.get(c.method); op != nil {
				p := op.p
				c.item.set(c.method, p, mfn(p, "Fn::If", mseq(p, leaf(c.cond), op, mref(p, "AWS::NoValue"))))
			}
		}
	}
	if a.implicit && a.body != nil {
		if paths := a.body.get("paths"); !paths.isMap() || len(paths.mutable().ents) == 0 {
			return
		}
	}
	p := r.key
	api := mmap(r.propsAt)
	if a.body != nil {
		api.set("Body", p, a.body)
	} else if du, dp := r.prop("DefinitionUri"); du != nil {
		api.set("BodyS3Location", dp, definitionLocation(du))
	}
	passProps(r, api, "FailOnWarnings", "DisableExecuteApiEndpoint")
	attrs := r.userAttrs()
	if a.implicit {
		attrs = nil
	}
	t.emit(a.owner, a.id, p, "AWS::ApiGatewayV2::Api", api, attrs...)
	stage := mmap(p)
	stage.set("ApiId", p, mref(p, a.id))
	if sn, sp := r.prop("StageName"); sn != nil {
		stage.set("StageName", sp, leaf(sn))
	} else {
		stage.set("StageName", p, mstr(p, "$default"))
	}
	passProps(r, stage, "StageVariables", "AccessLogSettings", "DefaultRouteSettings")
	tags := mmap(p)
	if ut := r.props.get("Tags"); ut != nil && ut.kind == nMap {
		for _, e := range ut.ents {
			tags.set(e.key, e.pos(), leaf(e.val))
		}
	}
	tags.set("httpapi:createdBy", p, mstr(p, "SAM"))
	stage.set("Tags", p, tags)
	stage.set("AutoDeploy", p, mbool(p, true))
	rs, rsp := r.prop("RouteSettings")
	if rs != nil || len(a.routeSet) > 0 {
		m := mmap(rsp)
		if rs != nil {
			if rs.kind == nMap {
				m = thaw(rs)
			} else {
				m = leaf(rs)
			}
		}
		if m.isMap() {
			for _, e := range a.routeSet {
				m.set(e.key, e.p, e.val)
			}
		}
		stage.set("RouteSettings", rsp, m)
	}
	t.emit(a.owner, a.stageID, p, "AWS::ApiGatewayV2::Stage", stage, r.condAttr())
	t.refs[a.id+".Stage"] = samRef{id: a.stageID}
}

var httpCorsKeys = []string{"AllowOrigins", "AllowHeaders", "AllowMethods", "ExposeHeaders", "MaxAge", "AllowCredentials"}

func (t *samT) httpCors(a *httpAPI, c *node, cp Pos) {
	r := a.r
	cfg := a.body.child("x-amazon-apigateway-cors", cp)
	if cfg == nil {
		t.errAt(cp, r.id, "Properties.CorsConfiguration", "the definition's x-amazon-apigateway-cors must be a map")
		return
	}
	switch {
	case c.kind == nScalar && isTrue(c):
		cfg.set("allowOrigins", cp, mseq(cp, mstr(cp, "*")))
	case c.kind == nScalar && isFalse(c):
	case c.kind == nMap:
		creds := false
		for _, e := range c.ents {
			found := false
			for _, k := range httpCorsKeys {
				found = found || k == e.key
			}
			if !found {
				t.errAt(e.pos(), r.id, "Properties.CorsConfiguration."+e.key, "Invalid key '%s' for 'Cors' property.%s", e.key, didYouMean(e.key, httpCorsKeys))
				continue
			}
			if e.key == "AllowCredentials" {
				creds = isTrue(e.val)
				if !creds {
					continue
				}
			}
			cfg.set(strings.ToLower(e.key[:1])+e.key[1:], e.pos(), leaf(e.val))
		}
		origins := c.get("AllowOrigins")
		if creds && (origins == nil || origins.kind == nSeq && len(origins.items) == 1 && origins.items[0].isString() && origins.items[0].text == "*") {
			t.errAt(cp, r.id, "Properties.CorsConfiguration", "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set.")
		}
		if origins == nil {
			cfg.set("allowOrigins", cp, mseq(cp, mstr(cp, "*")))
		}
	default:
		t.errAt(cp, r.id, "Properties.CorsConfiguration", "Invalid value for 'Cors' property: CorsConfiguration is true or a map (AllowOrigins, AllowHeaders, AllowMethods, ExposeHeaders, MaxAge, AllowCredentials), not %s", c.describe())
	}
}

var httpJWTKeys = []string{"AuthorizationScopes", "JwtConfiguration", "IdentitySource"}
var httpLambdaKeys = []string{"FunctionArn", "FunctionInvokeRole", "Identity", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "EnableFunctionDefaultPermissions"}

func (t *samT) httpAuth(a *httpAPI, au *node, ap Pos) {
	r := a.r
	if au.kind != nMap {
		t.errAt(ap, r.id, "Properties.Auth", "Auth must be a map (Authorizers, DefaultAuthorizer, EnableIamAuthorizer), not %s", au.describe())
		return
	}
	for _, e := range au.ents {
		found := false
		for _, k := range httpAuthKeys {
			found = found || k == e.key
		}
		if !found {
			t.errAt(e.pos(), r.id, "Properties.Auth."+e.key, "Invalid value for 'Auth' property: Auth takes %s, not %s%s", strings.Join(httpAuthKeys, ", "), e.key, didYouMean(e.key, httpAuthKeys))
		}
	}
	schemes := func(p Pos) *mnode {
		comp := a.body.child("components", p)
		if comp == nil {
			return nil
		}
		return comp.child("securitySchemes", p)
	}
	names := map[string]*node{}
	if isTrue(au.get("EnableIamAuthorizer")) {
		p := ap
		if s := schemes(p); s != nil {
			m := mmap(p)
			m.set("type", p, mstr(p, "apiKey"))
			m.set("name", p, mstr(p, "Authorization"))
			m.set("in", p, mstr(p, "header"))
			m.set("x-amazon-apigateway-authtype", p, mstr(p, "awsSigv4"))
			s.set("AWS_IAM", p, m)
		}
		names["AWS_IAM"] = &node{kind: nMap}
	}
	if azs := au.get("Authorizers"); azs != nil {
		if azs.kind != nMap {
			t.errAt(ap, r.id, "Properties.Auth.Authorizers", "Authorizers must be a map of authorizers by name, not %s", azs.describe())
			return
		}
		for _, e := range azs.ents {
			if m := t.httpAuthorizer(r, e); m != nil {
				if s := schemes(e.pos()); s != nil {
					s.set(e.key, e.pos(), m)
				}
				names[e.key] = e.val
			}
		}
	}
	de := au.entry("DefaultAuthorizer")
	if de == nil {
		return
	}
	name, ok := t.literal(de.val)
	if !ok {
		t.errAt(de.pos(), r.id, "Properties.Auth.DefaultAuthorizer", "DefaultAuthorizer must be a string, the name of an authorizer")
		return
	}
	if names[name] == nil {
		known := make([]string, 0, len(names))
		for k := range names {
			known = append(known, k)
		}
		t.errAt(de.pos(), r.id, "Properties.Auth.DefaultAuthorizer", "Unable to set DefaultAuthorizer because '%s' was not defined in 'Authorizers'.%s", name, didYouMean(name, known))
		return
	}
	p := de.pos()
	paths := a.body.get("paths")
	if !paths.isMap() {
		return
	}
	for _, pe := range paths.mutable().ents {
		for _, me := range methodsOf(pe.val) {
			if me.key == "options" || me.val.get("security") != nil {
				continue
			}
			sec := mmap(p)
			scopes := mseq(p)
			if az := names[name]; az.kind == nMap {
				if s := az.get("AuthorizationScopes"); s != nil {
					scopes = leaf(s)
				}
			}
			sec.set(name, p, scopes)
			me.val.set("security", p, mseq(p, sec))
		}
	}
}

// httpAuthorizer is the security scheme of one of an HTTP API's
// authorizers; nil after reporting a problem.
func (t *samT) httpAuthorizer(r *samRes, e entry) *mnode {
	prop := "Properties.Auth.Authorizers." + e.key
	az := e.val
	p := e.pos()
	if az.kind != nMap {
		t.errAt(p, r.id, prop, "an authorizer must be a map (JwtConfiguration and IdentitySource for a JWT authorizer, FunctionArn for a Lambda authorizer), not %s", az.describe())
		return nil
	}
	if az.get("OpenIdConnectUrl") != nil {
		t.errAt(p, r.id, prop+".OpenIdConnectUrl", "'OpenIdConnectUrl' is no longer a supported property for authorizer '%s'. Please refer to the AWS SAM documentation.", e.key)
		return nil
	}
	jwt := az.get("JwtConfiguration")
	allowed, kind := httpLambdaKeys, "Lambda Authorizer"
	if jwt != nil {
		allowed, kind = httpJWTKeys, "OAuth2 Authorizer"
	}
	for _, k := range az.ents {
		found := false
		for _, n := range allowed {
			found = found || n == k.key
		}
		if !found {
			other := append(append([]string{}, httpJWTKeys...), httpLambdaKeys...)
			known := false
			for _, n := range other {
				known = known || n == k.key
			}
			if known {
				t.errAt(k.pos(), r.id, prop+"."+k.key, "%s is not supported for a %s.", k.key, kind)
			} else {
				t.errAt(k.pos(), r.id, prop+"."+k.key, "an authorizer takes %s, not %s%s", strings.Join(allowed, ", "), k.key, didYouMean(k.key, allowed))
			}
			return nil
		}
	}
	m := mmap(p)
	x := mmap(p)
	if jwt != nil {
		if jwt.kind != nMap {
			t.errAt(p, r.id, prop+".JwtConfiguration", "JwtConfiguration must be a map (issuer, audience), not %s", jwt.describe())
			return nil
		}
		src := az.get("IdentitySource")
		if src == nil {
			t.errAt(p, r.id, prop, "%s OAuth2 Authorizer must define 'IdentitySource'.", e.key)
			return nil
		}
		m.set("type", p, mstr(p, "oauth2"))
		cfg := mmap(nodePos(jwt))
		for _, k := range jwt.ents {
			cfg.set(strings.ToLower(k.key), k.pos(), leaf(k.val))
		}
		x.set("jwtConfiguration", p, cfg)
		x.set("identitySource", p, leaf(src))
		x.set("type", p, mstr(p, "jwt"))
		m.set("x-amazon-apigateway-authorizer", p, x)
		return m
	}
	fn := az.get("FunctionArn")
	if fn == nil {
		t.errAt(p, r.id, prop, "%s Lambda Authorizer must define 'FunctionArn'.", e.key)
		return nil
	}
	pf := az.get("AuthorizerPayloadFormatVersion")
	if pf == nil {
		t.errAt(p, r.id, prop, "%s Lambda Authorizer must define 'AuthorizerPayloadFormatVersion'.", e.key)
		return nil
	}
	m.set("type", p, mstr(p, "apiKey"))
	m.set("name", p, mstr(p, "Unused"))
	m.set("in", p, mstr(p, "header"))
	x.set("type", p, mstr(p, "request"))
	fa := mmap(p)
	fa.set("__FunctionArn__", p, leaf(fn))
	x.set("authorizerUri", p, mfn(p, "Fn::Sub", mseq(p, mstr(p, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${__FunctionArn__}/invocations"), fa)))
	if role := az.get("FunctionInvokeRole"); role != nil {
		if s, ok := t.literal(role); !ok || s != "NONE" {
			x.set("authorizerCredentials", p, leaf(role))
		}
	}
	if id := az.get("Identity"); id != nil {
		if id.kind != nMap {
			t.errAt(p, r.id, prop+".Identity", "Identity must be a map (Headers, QueryStrings, StageVariables, Context, ReauthorizeEvery), not %s", id.describe())
			return nil
		}
		if re := id.get("ReauthorizeEvery"); re != nil {
			x.set("authorizerResultTtlInSeconds", p, leaf(re))
		}
		src := mseq(p)
		for _, kp := range [][2]string{{"Headers", "$request.header."}, {"QueryStrings", "$request.querystring."}, {"StageVariables", "$stageVariables."}, {"Context", "$context."}} {
			l := id.get(kp[0])
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
				src.items = append(src.items, mstr(nodePos(it), kp[1]+it.text))
			}
		}
		x.set("identitySource", p, src)
	}
	x.set("authorizerPayloadFormatVersion", p, leaf(pf))
	if es := az.get("EnableSimpleResponses"); es != nil && !isFalse(es) {
		x.set("enableSimpleResponses", p, leaf(es))
	}
	m.set("x-amazon-apigateway-authorizer", p, x)
	return m
}

// ---- WebSocket APIs ----

var samWSProps = map[string]samProp{
	"Name": propActed, "RouteSelectionExpression": propActed, "Routes": propActed, "StageName": propActed,
	"StageVariables": propActed, "DefaultRouteSettings": propActed, "RouteSettings": propActed, "Tags": propActed,
	"Description": propActed, "ApiKeySelectionExpression": propActed, "DisableExecuteApiEndpoint": propActed,
	"DisableSchemaValidation": propActed, "IpAddressType": propActed, "Auth": propActed, "AccessLogSettings": propPass,
	"FailOnWarnings": propNoted, "Domain": propNoted, "PropagateTags": propNoted,
}

var wsRouteKeys = []string{"FunctionArn", "IntegrationTimeout", "ApiKeyRequired", "ModelSelectionExpression",
	"OperationName", "RequestModels", "RequestParameters", "RouteResponseSelectionExpression"}

func (t *samT) webSocketAPI(r *samRes) {
	t.checkProps(r, samWSProps)
	p := r.key
	rse, _ := r.prop("RouteSelectionExpression")
	if rse == nil {
		t.errAt(r.propsAt, r.id, "Properties.RouteSelectionExpression", "Missing required property 'RouteSelectionExpression'.")
	}
	routes, rp := r.prop("Routes")
	if routes == nil || routes.kind != nMap || len(routes.ents) == 0 {
		t.errAt(rp, r.id, "Properties.Routes", "WebSocket API must have at least one route.")
		return
	}
	stageName := "default"
	if sn := r.props.get("StageName"); sn != nil {
		s, _ := t.literal(sn)
		if s == "$default" {
			t.errAt(nodePos(sn), r.id, "Properties.StageName", "Stages cannot be named $default for WebSocket APIs.")
			return
		}
		stageName = s
	}
	api := mmap(r.propsAt)
	if n := r.props.entry("Name"); n != nil {
		api.set("Name", n.pos(), leaf(n.val))
	} else {
		api.set("Name", p, mstr(p, r.id))
	}
	api.set("ProtocolType", p, mstr(p, "WEBSOCKET"))
	passProps(r, api, "RouteSelectionExpression", "ApiKeySelectionExpression", "Description", "DisableExecuteApiEndpoint",
		"DisableSchemaValidation", "IpAddressType")
	t.emit(r.id, r.id, p, "AWS::ApiGatewayV2::Api", api, r.userAttrs()...)
	// Auth ($connect)
	var authType, authArn *node
	auth, ap := r.prop("Auth")
	if auth != nil {
		if auth.kind != nMap {
			t.errAt(ap, r.id, "Properties.Auth", "Auth must be a map (AuthType, AuthArn, IdentitySource, InvokeRole, Name), not %s", auth.describe())
			return
		}
		authType, authArn = auth.get("AuthType"), auth.get("AuthArn")
		at, _ := t.literal(authType)
		switch at {
		case "CUSTOM":
			if authArn == nil {
				t.errAt(ap, r.id, "Properties.Auth.AuthArn", "AuthArn must be specified if AuthType is CUSTOM.")
				return
			}
		case "AWS_IAM", "NONE":
		default:
			t.errAt(ap, r.id, "Properties.Auth.AuthType", "AuthType is not one of AWS_IAM, CUSTOM or NONE.")
			return
		}
		if routes.get("$connect") == nil {
			t.errAt(ap, r.id, "Properties.Auth", "Authorization is only available if there is a $connect route.")
			return
		}
	}
	for _, e := range routes.ents {
		key := e.key
		var clean string
		switch {
		case key == "$connect" || key == "$disconnect" || key == "$default":
			clean = strings.ToUpper(key[1:2]) + key[2:]
		case isAlphanumeric(key):
			clean = strings.ToUpper(key[:1]) + strings.ToLower(key[1:])
		default:
			t.errAt(e.pos(), r.id, "Properties.Routes."+key, "Route key '%s' must be alphanumeric. Only $connect, $disconnect, and $default special routes are supported.", key)
			continue
		}
		spec := e.val
		ep := e.pos()
		if spec.kind != nMap || spec.get("FunctionArn") == nil {
			t.errAt(ep, r.id, "Properties.Routes."+key, "Route must have associated function (FunctionArn).")
			continue
		}
		for _, k := range spec.ents {
			found := false
			for _, n := range wsRouteKeys {
				found = found || n == k.key
			}
			if !found {
				t.errAt(k.pos(), r.id, "Properties.Routes."+key+"."+k.key, "a route takes %s, not %s%s", strings.Join(wsRouteKeys, ", "), k.key, didYouMean(k.key, wsRouteKeys))
			}
		}
		intID, routeID := r.id+clean+"Integration", r.id+clean+"Route"
		in := mmap(ep)
		in.set("ApiId", ep, mref(ep, r.id))
		in.set("IntegrationType", ep, mstr(ep, "AWS_PROXY"))
		fa := mmap(ep)
		fa.set("FunctionArn", ep, leaf(spec.get("FunctionArn")))
		in.set("IntegrationUri", ep, mfn(ep, "Fn::Sub", mseq(ep, mstr(ep, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${FunctionArn}/invocations"), fa)))
		if to := spec.entry("IntegrationTimeout"); to != nil {
			in.set("TimeoutInMillis", to.pos(), leaf(to.val))
		}
		t.emit(r.id, intID, ep, "AWS::ApiGatewayV2::Integration", in, r.condAttr())
		rt := mmap(ep)
		rt.set("ApiId", ep, mref(ep, r.id))
		rt.set("RouteKey", ep, mstr(ep, key))
		rt.set("Target", ep, mfn(ep, "Fn::Join", mseq(ep, mstr(ep, "/"), mseq(ep, mstr(ep, "integrations"), mref(ep, intID)))))
		for _, k := range []string{"ApiKeyRequired", "ModelSelectionExpression", "OperationName", "RequestModels", "RequestParameters", "RouteResponseSelectionExpression"} {
			if x := spec.entry(k); x != nil {
				rt.set(k, x.pos(), leaf(x.val))
			}
		}
		if key == "$connect" && auth != nil {
			at, _ := t.literal(authType)
			rt.set("AuthorizationType", ap, mstr(ap, at))
			if at == "CUSTOM" {
				authID := r.id + "ConnectAuthorizer"
				az := mmap(ap)
				az.set("ApiId", ap, mref(ap, r.id))
				if role := auth.entry("InvokeRole"); role != nil {
					az.set("AuthorizerCredentialsArn", role.pos(), leaf(role.val))
				}
				az.set("AuthorizerType", ap, mstr(ap, "REQUEST"))
				aa := mmap(ap)
				aa.set("AuthArn", ap, leaf(authArn))
				az.set("AuthorizerUri", ap, mfn(ap, "Fn::Sub", mseq(ap, mstr(ap, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthArn}/invocations"), aa)))
				if src := auth.entry("IdentitySource"); src != nil {
					az.set("IdentitySource", src.pos(), leaf(src.val))
				}
				if n := auth.entry("Name"); n != nil {
					az.set("Name", n.pos(), leaf(n.val))
				} else {
					az.set("Name", ap, mstr(ap, authID))
				}
				t.emit(r.id, authID, ap, "AWS::ApiGatewayV2::Authorizer", az, r.condAttr())
				rt.set("AuthorizerId", ap, mref(ap, authID))
			}
		}
		t.emit(r.id, routeID, ep, "AWS::ApiGatewayV2::Route", rt, r.condAttr())
	}
	stageID := r.id + "DefaultStage"
	if stageName != "default" {
		stageID = r.id + stageName + "Stage"
		if !isAlphanumeric(stageName) {
			stageID = r.id + "Stage" + hashOf(stageName)[:10]
		}
	}
	st := mmap(p)
	st.set("ApiId", p, mref(p, r.id))
	if sn := r.props.entry("StageName"); sn != nil {
		st.set("StageName", sn.pos(), leaf(sn.val))
	} else {
		st.set("StageName", p, mstr(p, "default"))
	}
	passProps(r, st, "StageVariables", "AccessLogSettings", "DefaultRouteSettings", "RouteSettings")
	tags := mmap(p)
	tags.set("websocketapi:createdBy", p, mstr(p, "SAM"))
	st.set("Tags", p, tags)
	st.set("AutoDeploy", p, mbool(p, true))
	t.emit(r.id, stageID, p, "AWS::ApiGatewayV2::Stage", st, r.condAttr())
	t.refs[r.id+".Stage"] = samRef{id: stageID}
}
