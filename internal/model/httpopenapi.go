package model

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/template"
)

// OpenAPI bodies of HTTP APIs (AWS::ApiGatewayV2::Api Body, or
// BodyS3Location as a local file), decoded into the same HTTPAPI the
// AWS::ApiGatewayV2 resources make, as API Gateway imports them ("Working
// with OpenAPI definitions for HTTP APIs"):
//
//   - each operation of paths is a route: paths./items/{id}.get is
//     "GET /items/{id}", x-amazon-apigateway-any-method is ANY, and the
//     path $default with x-amazon-apigateway-any-method is the route
//     $default; operationId is its OperationName;
//   - x-amazon-apigateway-integration (inline, or a $ref to
//     components.x-amazon-apigateway-integrations) is its integration;
//   - components.securitySchemes with x-amazon-apigateway-authorizer are
//     the JWT and REQUEST authorizers, x-amazon-apigateway-authtype
//     awsSigv4 is IAM; security (the operation's, else the document's)
//     sets the route's authorization;
//   - x-amazon-apigateway-cors is the API's CORS unless the template's
//     CorsConfiguration is given (it overrides the body's).
//
// The body's elements carry the API's logical ID, and their Props locate
// each property in the body by its OpenAPI path (the CloudFormation names
// Validate uses mapped onto the body's), so messages name the file, the
// line and "Properties.Body.paths./items.get.x-amazon-apigateway-integration.uri".
// Stages still come from AWS::ApiGatewayV2::Stage (and Deployment)
// resources; Routes, Integrations and Authorizers declared as resources
// for a body API are refused, as API Gateway does not support the
// combination.

// oaHTTPDoc is one HTTP API body being decoded; it reads the document with
// the REST decoder's machinery (oaDoc).
type oaHTTPDoc struct {
	*oaDoc
	hapi    *HTTPAPI
	schemes map[string]*oaHTTPScheme
	// integs are the shared integrations (components.x-amazon-apigateway-integrations,
	// and any other $ref target) by the OpenAPI path they are at.
	integs map[string]*HTTPIntegration
}

// oaHTTPScheme is one security scheme of an HTTP API body.
type oaHTTPScheme struct {
	kind string // "authorizer", "iam", "other"
	typ  string // the scheme's type, for notes
	auth *HTTPAuthorizer
}

type oaHTTPIntegration struct {
	Type                 string                       `cfn:"type"`
	URI                  string                       `cfn:"uri"`
	HTTPMethod           string                       `cfn:"httpMethod"`
	PayloadFormatVersion string                       `cfn:"payloadFormatVersion"`
	TimeoutInMillis      *int                         `cfn:"timeoutInMillis"`
	RequestParameters    map[string]string            `cfn:"requestParameters"`
	ResponseParameters   map[string]map[string]string `cfn:"responseParameters"`
	ConnectionType       string                       `cfn:"connectionType"`
	ConnectionID         string                       `cfn:"connectionId"`
	Credentials          string                       `cfn:"credentials"`
	IntegrationSubtype   string                       `cfn:"integrationSubtype"`
	TLSConfig            *template.Value              `cfn:"tlsConfig"`
	Description          string                       `cfn:"description"`
	// Written in AWS's own HTTP API examples; HTTP APIs have no mapping
	// templates, so it changes nothing (noted).
	PassthroughBehavior string `cfn:"passthroughBehavior"`
}

type oaHTTPAuthorizer struct {
	Type                           string          `cfn:"type,required"`
	AuthorizerURI                  string          `cfn:"authorizerUri"`
	AuthorizerCredentials          string          `cfn:"authorizerCredentials"`
	AuthorizerPayloadFormatVersion string          `cfn:"authorizerPayloadFormatVersion"`
	EnableSimpleResponses          bool            `cfn:"enableSimpleResponses"`
	IdentitySource                 *template.Value `cfn:"identitySource"`
	JWTConfiguration               *struct {
		Issuer   string   `cfn:"issuer"`
		Audience []string `cfn:"audience"`
	} `cfn:"jwtConfiguration"`
	AuthorizerResultTtlInSeconds *int   `cfn:"authorizerResultTtlInSeconds"`
	IdentityValidationExpression string `cfn:"identityValidationExpression"`
}

type oaHTTPCors struct {
	AllowOrigins     []string `cfn:"allowOrigins"`
	AllowMethods     []string `cfn:"allowMethods"`
	AllowHeaders     []string `cfn:"allowHeaders"`
	ExposeHeaders    []string `cfn:"exposeHeaders"`
	MaxAge           *int     `cfn:"maxAge"`
	AllowCredentials bool     `cfn:"allowCredentials"`
}

type oaHTTPAuth struct {
	Type string `cfn:"type,required"`
}

var (
	oaHTTPIntegrationNames = map[string]string{"type": "IntegrationType", "uri": "IntegrationUri", "httpMethod": "IntegrationMethod",
		"payloadFormatVersion": "PayloadFormatVersion", "timeoutInMillis": "TimeoutInMillis", "requestParameters": "RequestParameters",
		"responseParameters": "ResponseParameters", "connectionType": "ConnectionType", "connectionId": "ConnectionId",
		"credentials": "CredentialsArn", "integrationSubtype": "IntegrationSubtype", "tlsConfig": "TlsConfig"}
	oaHTTPAuthorizerNames = map[string]string{"type": "AuthorizerType", "authorizerUri": "AuthorizerUri", "authorizerCredentials": "AuthorizerCredentialsArn",
		"authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion", "enableSimpleResponses": "EnableSimpleResponses",
		"identitySource": "IdentitySource", "jwtConfiguration": "JwtConfiguration", "authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds",
		"identityValidationExpression": "IdentityValidationExpression"}
	oaHTTPCorsNames = map[string]string{"allowOrigins": "AllowOrigins", "allowMethods": "AllowMethods", "allowHeaders": "AllowHeaders",
		"exposeHeaders": "ExposeHeaders", "maxAge": "MaxAge", "allowCredentials": "AllowCredentials"}
)

func init() {
	for k, v := range map[string]string{
		"oaHTTPIntegration.requestTemplates":   "mapping templates are REST APIs'; an HTTP API's integration is AWS_PROXY or HTTP_PROXY",
		"oaHTTPIntegration.responses":          "integration responses are REST APIs'; an HTTP API maps responses with responseParameters by status code",
		"oaHTTPIntegration.contentHandling":    "it applies to REST APIs only",
		"oaHTTPIntegration.cacheKeyParameters": "HTTP APIs have no stage cache",
		"oaHTTPIntegration.cacheNamespace":     "HTTP APIs have no stage cache",
		"oaHTTPAuthorizer.providerARNs":        "cognito_user_pools authorizers are REST APIs'; an HTTP API checks Cognito tokens with a jwt authorizer (jwtConfiguration.issuer https://cognito-idp.REGION.amazonaws.com/POOL_ID)",
		"oaHTTPCors.allowOrigin":               "the property is allowOrigins (a list)",
		"oaHTTPCors.allowMethod":               "the property is allowMethods (a list)",
		"oaHTTPCors.allowHeader":               "the property is allowHeaders (a list)",
	} {
		oaHints[k] = v
	}
}

// renamePresent re-keys the written properties of props (by OpenAPI name,
// as decodeInto returns them) by CloudFormation name below prefix into
// out, as rename does, without placing the ones not written: Validate
// tells a written property by its entry.
func renamePresent(out, props Props, names map[string]string, prefix string) {
	for k, pr := range props {
		if k == "" {
			continue
		}
		i := strings.IndexAny(k, ".[")
		head, rest := k, ""
		if i >= 0 {
			head, rest = k[:i], k[i:]
		}
		if n, ok := names[head]; ok {
			out[join(prefix, n+rest)] = pr
		}
	}
}

// placeAbsent locates the CloudFormation properties cfn (OpenAPI name ->
// CloudFormation name) that are not written at root, with their OpenAPI
// paths, so that a message about a missing one names it as the body would.
func placeAbsent(out Props, root Prop, cfn map[string]string) {
	for oa, n := range cfn {
		if _, ok := out[n]; !ok {
			out[n] = Prop{Path: root.Path + "." + oa, Pos: root.Pos}
		}
	}
}

// payloadVersion is a payload format version as API Gateway reads it: a
// number (payloadFormatVersion: 1.0, as AWS's own examples write it) is
// the version it names.
func payloadVersion(v *template.Value, s string) string {
	if v != nil && v.Kind == template.Number {
		if f, err := strconv.ParseFloat(s, 64); err == nil && (f == 1 || f == 2) {
			return strconv.FormatFloat(f, 'f', 1, 64)
		}
	}
	return s
}

// httpOpenAPIDoc reads an HTTP API's Body or BodyS3Location and applies
// the document's info to p where the properties leave them unset. nil
// after reporting why the document cannot be read.
func (b *builder) httpOpenAPIDoc(r *template.Resource, props Props, p *cfnHTTPAPI) *oaHTTPDoc {
	o := &oaHTTPDoc{oaDoc: &oaDoc{b: b, r: r, res: map[string]*Resource{}, schemes: map[string]*oaScheme{}, validators: map[string]*RequestValidator{},
		models: map[string]bool{}}, schemes: map[string]*oaHTTPScheme{}, integs: map[string]*HTTPIntegration{}}
	if !o.readBody(props, p.Body, p.BodyS3Location) {
		return nil
	}
	sw, oa := o.root.Get("swagger"), o.root.Get("openapi")
	switch {
	case oa != nil && oa.IsScalar() && strings.HasPrefix(oa.Str, "3."):
		o.v3 = true
	case sw != nil:
		// "HTTP APIs support only the OpenAPI 3.0 specification" (AWS,
		// Working with OpenAPI definitions for HTTP APIs: an error).
		o.errAt(o.child(o.root, "swagger", o.at), "an HTTP API's OpenAPI definition is OpenAPI 3.0 (openapi: 3.0.1); API Gateway does not import Swagger 2.0 documents into HTTP APIs")
		return nil
	default:
		o.errAt(o.at, "not an OpenAPI 3.0 document: it needs openapi: 3.x")
		return nil
	}
	if info := o.root.Get("info"); info != nil && info.Kind == template.Map {
		if t := info.Get("title"); t != nil && t.IsScalar() && p.Name == "" {
			p.Name = t.Str
		}
		if d := info.Get("description"); d != nil && d.IsScalar() && p.Description == "" {
			p.Description = d.Str
		}
	}
	return o
}

// decode makes the API's authorizers, integrations and routes from the
// document, and its CORS from x-amazon-apigateway-cors.
func (o *oaHTTPDoc) decode(api *HTTPAPI) {
	o.hapi = api
	for i, k := range o.root.Keys {
		v, kat := o.root.Vals[k], o.key(o.root, i, o.at)
		switch k {
		case "openapi", "info", "paths", "components", "security", "tags", "externalDocs", "jsonSchemaDialect", "webhooks":
		case "servers":
			o.servers(v, kat)
		case "x-amazon-apigateway-cors":
			o.cors(v, kat)
		case "x-amazon-apigateway-importexport-version", "x-amazon-apigateway-tag-value", "x-amazon-apigateway-endpoint-configuration":
			// Nothing a client of the local API sees.
		case "x-amazon-apigateway-api-key-source", "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-minimum-compression-size",
			"x-amazon-apigateway-policy", "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-request-validators",
			"x-amazon-apigateway-request-validator", "x-amazon-apigateway-documentation", "x-amazon-apigateway-security-policy",
			"x-amazon-apigateway-endpoint-access-mode":
			o.b.note("%s: %s: %s applies to REST APIs; API Gateway ignores it when it imports an HTTP API", o.r.LogicalID, kat.Path, k)
		default:
			o.extOrUnknown(kat, k, "the document")
		}
	}
	o.components()
	o.securitySchemes()
	o.paths()
}

// servers notes a base path the servers' URLs give: API Gateway ignores it
// by default (BasePath ignore).
func (o *oaHTTPDoc) servers(v *template.Value, at Prop) {
	if v.Kind != template.List {
		return
	}
	for _, s := range v.List {
		u := str(s.Get("url"))
		if _, rest, ok := strings.Cut(u, "://"); ok {
			u = rest
			if i := strings.IndexByte(u, '/'); i >= 0 {
				u = u[i:]
			} else {
				u = ""
			}
		}
		if u != "" && u != "/" {
			o.b.note("%s: %s: the server URL's base path is ignored, as API Gateway ignores it by default (BasePath ignore): the paths are served as written", o.r.LogicalID, at.Path)
			return
		}
	}
}

// cors reads x-amazon-apigateway-cors into the API's CORS, unless the
// template's CorsConfiguration gives it.
func (o *oaHTTPDoc) cors(v *template.Value, at Prop) {
	if o.hapi.Cors != nil {
		o.b.note("%s: CorsConfiguration overrides the body's x-amazon-apigateway-cors", o.r.LogicalID)
		return
	}
	if v.Kind != template.Map {
		o.errAt(at, "expected a CORS configuration (a map), got a %s", v.Kind)
		return
	}
	var c oaHTTPCors
	raw := o.decodeInto(v, at, &c)
	rename(o.hapi.Props, raw, oaHTTPCorsNames, "CorsConfiguration")
	o.hapi.Cors = &CorsConfiguration{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
		ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge, AllowCredentials: c.AllowCredentials}
}

// components reads the integrations of components.x-amazon-apigateway-integrations
// (operations $ref them) and checks the other components' names.
func (o *oaHTTPDoc) components() {
	c := o.root.Get("components")
	if c == nil || c.Kind == template.Null {
		return
	}
	cat := o.child(o.root, "components", o.at)
	if c.Kind != template.Map {
		o.errAt(cat, "expected a map, got a %s", c.Kind)
		return
	}
	for i, k := range c.Keys {
		kat := o.key(c, i, cat)
		switch k {
		case "schemas", "responses", "parameters", "examples", "requestBodies", "headers", "securitySchemes", "links", "callbacks", "pathItems":
		case "x-amazon-apigateway-integrations":
			integs := c.Vals[k]
			if integs.Kind != template.Map {
				o.errAt(kat, "expected a map of integrations by name, got a %s", integs.Kind)
				continue
			}
			for j, name := range integs.Keys {
				o.integration(integs.Vals[name], o.key(integs, j, kat), "components/"+name)
			}
		default:
			o.extOrUnknown(kat, k, "components")
		}
	}
}

// securitySchemes reads components.securitySchemes: JWT and Lambda
// (REQUEST) authorizers (x-amazon-apigateway-authorizer) and IAM
// (x-amazon-apigateway-authtype awsSigv4).
func (o *oaHTTPDoc) securitySchemes() {
	defs, dat := o.section("securityDefinitions") // components.securitySchemes
	if defs == nil {
		return
	}
	for i, name := range defs.Keys {
		v, at := defs.Vals[name], o.key(defs, i, dat)
		if v.Kind != template.Map {
			o.errAt(at, "expected a security scheme (a map), got a %s", v.Kind)
			continue
		}
		s := &oaHTTPScheme{kind: "other", typ: str(v.Get("type"))}
		o.schemes[name] = s
		for j, k := range v.Keys {
			switch k {
			case "type", "name", "in", "description", "scheme", "bearerFormat", "flows", "openIdConnectUrl",
				"x-amazon-apigateway-authtype", "x-amazon-apigateway-authorizer":
			default:
				o.extOrUnknown(o.key(v, j, at), k, "security scheme "+name)
			}
		}
		authtype := str(v.Get("x-amazon-apigateway-authtype"))
		switch ext := v.Get("x-amazon-apigateway-authorizer"); {
		case ext != nil:
			s.kind = "authorizer"
			s.auth = o.authorizer(name, v, ext, o.child(v, "x-amazon-apigateway-authorizer", at), at)
		case strings.EqualFold(authtype, "awsSigv4"):
			s.kind = "iam"
		case authtype != "":
			o.errAt(o.child(v, "x-amazon-apigateway-authtype", at), "x-amazon-apigateway-authtype %s needs an x-amazon-apigateway-authorizer (or is awsSigv4, for IAM)", authtype)
		}
	}
}

// authorizer makes the authorizer of a security scheme.
func (o *oaHTTPDoc) authorizer(name string, scheme, ext *template.Value, at, schemeAt Prop) *HTTPAuthorizer {
	if ext.Kind != template.Map {
		o.errAt(at, "expected an authorizer (a map), got a %s", ext.Kind)
		return nil
	}
	var p oaHTTPAuthorizer
	raw := o.decodeInto(ext, at, &p)
	props := Props{"": at}
	renamePresent(props, raw, oaHTTPAuthorizerNames, "")
	api := o.hapi
	a := &HTTPAuthorizer{LogicalID: o.r.LogicalID, ID: shortID("v2authorizer/"+api.LogicalID+"/"+name, 6), Name: name, Line: at.Line, Col: at.Col,
		File: at.File, Props: props, Type: strings.ToUpper(p.Type), URI: p.AuthorizerURI,
		PayloadFormatVersion: payloadVersion(ext.Get("authorizerPayloadFormatVersion"), p.AuthorizerPayloadFormatVersion),
		SimpleResponses:      p.EnableSimpleResponses}
	if v := p.IdentitySource; v != nil {
		// A comma-separated list ("$request.header.a, $request.querystring.b").
		switch v.Kind {
		case template.List:
			var list []string
			for _, it := range v.List {
				list = append(list, str(it))
			}
			a.IdentitySource = identitySources(list)
		default:
			if !v.IsScalar() {
				o.errAt(props.At("IdentitySource", at.Pos), "expected a comma-separated list of identity sources, got a %s", v.Kind)
			}
			a.IdentitySource = identitySources([]string{str(v)})
		}
	}
	if j := p.JWTConfiguration; j != nil {
		a.Issuer, a.Audience = j.Issuer, j.Audience
	}
	if p.AuthorizerResultTtlInSeconds != nil {
		a.TTL = time.Duration(*p.AuthorizerResultTtlInSeconds) * time.Second
	}
	switch a.Type {
	case "JWT":
		// Validate names JwtConfiguration.Issuer and .Audience, written
		// or not, by the body's names.
		jat, ok := raw["jwtConfiguration"]
		if !ok {
			jat = Prop{Path: at.Path + ".jwtConfiguration", Pos: at.Pos}
		}
		for oa, n := range map[string]string{"issuer": "Issuer", "audience": "Audience"} {
			delete(props, "JwtConfiguration."+oa)
			if pr, ok := raw["jwtConfiguration."+oa]; ok {
				props["JwtConfiguration."+n] = pr
			} else {
				props["JwtConfiguration."+n] = Prop{Path: jat.Path + "." + oa, Pos: jat.Pos}
			}
		}
		if u := str(scheme.Get("openIdConnectUrl")); a.Issuer == "" && u != "" {
			// The issuer is the one the OpenID Connect discovery URL is
			// of (AWS's x-amazon-apigateway-authorizer example:
			// openIdConnectUrl ISSUER/.well-known/openid-configuration).
			uat := o.child(scheme, "openIdConnectUrl", schemeAt)
			if iss, ok := strings.CutSuffix(u, "/.well-known/openid-configuration"); ok {
				a.Issuer = iss
				props["JwtConfiguration.Issuer"] = uat
			} else {
				o.errAt(uat, "%q: API Gateway reads the issuer from a full openIdConnectUrl (ISSUER/.well-known/openid-configuration)", u)
			}
		}
		if len(a.IdentitySource) == 0 {
			a.IdentitySource = []string{"$request.header.Authorization"}
		}
		placeAbsent(props, at, map[string]string{"identitySource": "IdentitySource"})
	case "REQUEST":
		placeAbsent(props, at, map[string]string{"authorizerUri": "AuthorizerUri", "authorizerPayloadFormatVersion": "AuthorizerPayloadFormatVersion",
			"authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds", "enableSimpleResponses": "EnableSimpleResponses", "identitySource": "IdentitySource"})
	}
	a.Function, a.Target, a.Remote = o.b.v2AuthorizerFunction(o.r, p.AuthorizerURI, p.IdentityValidationExpression, p.AuthorizerCredentials)
	api.Authorizers = append(api.Authorizers, a)
	o.b.http.auths[a.ID] = a
	return a
}

// paths makes the routes.
func (o *oaHTTPDoc) paths() {
	paths, pat := o.section("paths")
	if paths == nil {
		return
	}
	for i, path := range paths.Keys {
		at := o.key(paths, i, pat)
		item := paths.Vals[path]
		if path != "$default" {
			if err := checkHTTPPath(path); err != nil {
				o.errAt(at, "API Gateway refuses the path %q: %v", path, err)
				continue
			}
		}
		if item == nil || item.Kind != template.Map {
			if item != nil && item.Kind != template.Null {
				o.errAt(at, "expected a path item (a map of operations), got a %s", item.Kind)
			}
			continue
		}
		for j, k := range item.Keys {
			kat := o.key(item, j, at)
			if verb, ok := oaMethods[k]; ok {
				if path == "$default" && verb != "ANY" {
					o.errAt(kat, "the path $default is the catch-all route $default: it takes x-amazon-apigateway-any-method only, not %s", k)
					continue
				}
				o.operation(path, verb, item.Vals[k], kat, at)
				continue
			}
			switch k {
			case "parameters", "summary", "description", "servers":
			case "$ref":
				o.errAt(kat, "a path item $ref is not supported: write the operations in the path")
			case "trace":
				o.errAt(kat, "HTTP API routes have no TRACE method")
			default:
				o.extOrUnknown(kat, k, "path "+path)
			}
		}
	}
}

// operation makes a route.
func (o *oaHTTPDoc) operation(path, verb string, op *template.Value, at, pathAt Prop) {
	if op == nil || op.Kind != template.Map {
		o.errAt(at, "expected an operation (a map), got a %s", cmp.Or(op, &template.Value{}).Kind)
		return
	}
	api := o.hapi
	key := verb + " " + path
	if path == "$default" {
		key = "$default"
	}
	iat := o.child(op, "x-amazon-apigateway-integration", at)
	rt := &HTTPRoute{LogicalID: o.r.LogicalID, ID: shortID("v2route/"+api.LogicalID+"/body/"+key, 7), Key: key, Line: at.Line, Col: at.Col, File: at.File,
		Props: Props{"": at, "RouteKey": pathAt, "Target": iat}, AuthorizationType: "NONE"}
	rt.Method, rt.Path, _ = ParseHTTPRouteKey(key)
	if id := op.Get("operationId"); id != nil {
		rt.OperationName = str(id)
		rt.Props["OperationName"] = o.child(op, "operationId", at)
	}
	own := o.security(rt, op, at)
	if v := op.Get("x-amazon-apigateway-auth"); v != nil {
		o.auth(rt, v, o.child(op, "x-amazon-apigateway-auth", at), own)
	}
	if v := op.Get("x-amazon-apigateway-integration"); v != nil {
		if in := o.integration(v, iat, key); in != nil {
			rt.Integration, rt.Target = in, "integrations/"+in.ID
		}
	} else {
		o.b.note("%s: %s: the route has no x-amazon-apigateway-integration: API Gateway answers it 404 Not Found", o.r.LogicalID, at.Path)
	}
	for i, k := range op.Keys {
		switch k {
		case "tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody", "responses", "callbacks",
			"deprecated", "security", "servers", "x-amazon-apigateway-integration", "x-amazon-apigateway-auth":
		case "isDefaultRoute":
			// samtranslator marks the $default route so; API Gateway ignores it
		case "x-amazon-apigateway-request-validator":
			o.b.note("%s: %s: x-amazon-apigateway-request-validator applies to REST APIs; API Gateway ignores it when it imports an HTTP API", o.r.LogicalID, o.key(op, i, at).Path)
		default:
			o.extOrUnknown(o.key(op, i, at), k, at.Path)
		}
	}
	api.RouteList = append(api.RouteList, rt)
	if api.Routes[key] == nil {
		api.Routes[key] = rt
	}
}

// security reads the route's security requirement (the operation's, else
// the document's) and reports whether the operation has its own. API
// Gateway gives an operation one authorization: IAM, a Lambda authorizer
// or a JWT authorizer ("Attempting to model multiple security
// requirements results in an error").
func (o *oaHTTPDoc) security(rt *HTTPRoute, op *template.Value, at Prop) bool {
	sec, sat := op.Get("security"), o.child(op, "security", at)
	own := sec != nil
	if sec == nil {
		sec, sat = o.root.Get("security"), o.child(o.root, "security", o.at)
	}
	for _, name := range []string{"AuthorizationType", "AuthorizerId", "AuthorizationScopes"} {
		rt.Props[name] = sat
	}
	if sec == nil || sec.Kind == template.Null {
		return false
	}
	if sec.Kind != template.List {
		o.errAt(sat, "expected a list of security requirements, got a %s", sec.Kind)
		return own
	}
	authBy := ""
	for i, req := range sec.List {
		rat := Prop{Path: fmt.Sprintf("%s[%d]", sat.Path, i), Pos: valuePos(req, sat.Pos)}
		if req.Kind != template.Map {
			o.errAt(rat, "expected a security requirement (a map of scheme names to scopes), got a %s", req.Kind)
			continue
		}
		for j, name := range req.Keys {
			kat := o.key(req, j, rat)
			s := o.schemes[name]
			if s == nil && name == "NONE" {
				continue // SAM's Authorizer: NONE: API Gateway ignores it, the route is open
			}
			if s == nil {
				o.errAt(kat, "%q is not a security scheme of the document (components.securitySchemes: %s)", name, namesOrNone(sortedKeys(o.schemes)))
				continue
			}
			typ := ""
			switch s.kind {
			case "iam":
				typ = "AWS_IAM"
			case "authorizer":
				if s.auth == nil {
					continue // reported
				}
				switch s.auth.Type {
				case "JWT":
					typ = "JWT"
				case "REQUEST":
					typ = "CUSTOM"
				default:
					continue // Validate reports the authorizer's type
				}
			default:
				o.b.note("%s: %s: security scheme %s (type %s) has no x-amazon-apigateway-authorizer: API Gateway does not enforce it, the route is open", o.r.LogicalID, kat.Path, name, s.typ)
				continue
			}
			if authBy != "" {
				o.errAt(kat, "API Gateway gives a route one authorization (IAM, a Lambda authorizer or a JWT authorizer): %s and %s are both required here", authBy, name)
				continue
			}
			authBy = name
			rt.AuthorizationType = typ
			rt.Props["AuthorizationType"], rt.Props["AuthorizerId"], rt.Props["AuthorizationScopes"] = kat, kat, kat
			if s.auth != nil {
				rt.AuthorizerID, rt.Authorizer = s.auth.ID, s.auth
			}
			switch scopes := req.Vals[name]; {
			case scopes == nil || scopes.Kind == template.Null:
			case scopes.Kind != template.List:
				o.errAt(kat, "expected a list of scopes, got a %s", scopes.Kind)
			default:
				for _, sc := range scopes.List {
					rt.AuthorizationScopes = append(rt.AuthorizationScopes, str(sc))
				}
			}
		}
	}
	return own
}

// auth reads an operation's x-amazon-apigateway-auth (type NONE or
// AWS_IAM, in any case).
func (o *oaHTTPDoc) auth(rt *HTTPRoute, v *template.Value, at Prop, ownSecurity bool) {
	var p oaHTTPAuth
	o.decodeInto(v, at, &p)
	typ := strings.ToUpper(p.Type)
	if typ != "NONE" && typ != "AWS_IAM" {
		if p.Type != "" {
			o.errAt(Prop{Path: at.Path + ".type", Pos: at.Pos}, "x-amazon-apigateway-auth's type is NONE or AWS_IAM, not %q (authorizers go in security)", p.Type)
		}
		return
	}
	if ownSecurity && rt.AuthorizationType != "NONE" && rt.AuthorizationType != typ {
		o.errAt(at, "API Gateway gives a route one authorization: x-amazon-apigateway-auth %s and the operation's security (%s) are both given", typ, rt.AuthorizationType)
		return
	}
	rt.AuthorizationType, rt.AuthorizerID, rt.Authorizer, rt.AuthorizationScopes = typ, "", nil, nil
	rt.Props["AuthorizationType"] = at
}

// integration makes the integration x-amazon-apigateway-integration
// describes (v at at), or returns the one made for the $ref it is. name
// seeds the integration's id: the route key, or components/NAME.
func (o *oaHTTPDoc) integration(v *template.Value, at Prop, name string) *HTTPIntegration {
	rv, rat := o.ref(v, at)
	if rv == nil {
		return nil
	}
	if in := o.integs[rat.Path]; in != nil {
		return in
	}
	if rv != v && strings.HasPrefix(rat.Path, join(o.at.Path, "components.x-amazon-apigateway-integrations.")) {
		// A component's, made by components(): reported there.
		return nil
	}
	if rv.Kind != template.Map {
		o.errAt(rat, "expected an integration (a map), got a %s", rv.Kind)
		return nil
	}
	var p oaHTTPIntegration
	raw := o.decodeInto(rv, rat, &p)
	props := Props{}
	rename(props, raw, oaHTTPIntegrationNames, "")
	props[""] = rat
	api := o.hapi
	in := &HTTPIntegration{LogicalID: o.r.LogicalID, ID: shortID("v2integration/"+api.LogicalID+"/body/"+name, 7), Line: rat.Line, Col: rat.Col, File: rat.File,
		Props: props, Type: IntegrationType(strings.ToUpper(p.Type)), Subtype: p.IntegrationSubtype, URI: p.URI,
		Method: strings.ToUpper(p.HTTPMethod), PayloadFormatVersion: payloadVersion(rv.Get("payloadFormatVersion"), p.PayloadFormatVersion),
		Timeout: 30 * time.Second, ConnectionType: p.ConnectionType}
	if in.Type == HTTPProxy && in.Method == "" {
		// apigw's choice (not documented): an http_proxy integration
		// without httpMethod passes the client's method, as quick create's.
		in.Method = "ANY"
	}
	// payloadFormatVersion is left as written: "Required for HTTP APIs"
	// (AWS, x-amazon-apigateway-integration object), so Validate refuses
	// an aws_proxy integration without it, as it refuses a resource's.
	if p.TimeoutInMillis != nil {
		in.Timeout = time.Duration(*p.TimeoutInMillis) * time.Millisecond
	}
	if in.Type == AWSProxy && in.Subtype == "" {
		in.Function, in.Target, in.Qualifier, in.Remote = o.b.v2LambdaTarget(o.r, in.URI)
	}
	for _, k := range sortedKeys(p.RequestParameters) {
		in.RequestParameters = append(in.RequestParameters, httpMapping(k, p.RequestParameters[k], false))
	}
	for _, code := range sortedKeys(p.ResponseParameters) {
		if in.ResponseParameters == nil {
			in.ResponseParameters = map[string][]HTTPParamMapping{}
		}
		ms := p.ResponseParameters[code]
		list := []HTTPParamMapping{}
		for _, k := range sortedKeys(ms) {
			list = append(list, httpMapping(k, ms[k], true))
		}
		in.ResponseParameters[code] = list
	}
	if p.Credentials != "" {
		o.b.note("%s: %s: credentials are accepted; apigw invokes the integration with its own credentials", o.r.LogicalID, rat.Path)
	}
	if p.TLSConfig != nil {
		o.b.note("%s: %s: tlsConfig is accepted, not applied (it configures private integrations)", o.r.LogicalID, rat.Path)
	}
	if p.PassthroughBehavior != "" {
		o.b.note("%s: %s: passthroughBehavior applies to mapping templates, which HTTP APIs do not have: ignored", o.r.LogicalID, rat.Path)
	}
	api.Integrations = append(api.Integrations, in)
	o.b.http.integs[in.ID] = in
	o.b.http.integAPI[in] = api
	if rv != v || strings.HasPrefix(name, "components/") {
		o.integs[rat.Path] = in
	}
	return in
}
