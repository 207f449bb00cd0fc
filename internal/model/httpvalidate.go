package model

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/funcref"
)

// httpRouteMethods are the methods of HTTP API route keys.
var httpRouteMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}

var (
	httpParamRe      = regexp.MustCompile(`^\{([A-Za-z0-9._-]+)(\+?)\}$`)
	httpStaticSegRe  = regexp.MustCompile(`^[A-Za-z0-9\-._~:@!$&'()*,;=%]+$`)
	httpIdentityRe   = regexp.MustCompile(`^\$(?:request\.(?:header|querystring)\.[^\s,$]+|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)$`)
	httpMappingVarRe = regexp.MustCompile(`\$(request\.(?:header|querystring|path|body)(?:\.[^\s$]+)?|response\.(?:header|body)(?:\.[^\s$]+)?|context\.[A-Za-z0-9_.]+|stageVariables\.[A-Za-z0-9_]+)`)
)

// ParseHTTPRouteKey reads an HTTP API route key: "$default", or "METHOD
// /path" whose METHOD is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or
// ANY and whose path segments are text or {param}, a greedy {name+} last.
// Method and path are "" for $default.
func ParseHTTPRouteKey(key string) (method, path string, err error) {
	if key == "$default" {
		return "", "", nil
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		return "", "", fmt.Errorf("%q is not a route key: write METHOD /path (GET /items/{id}) or $default", key)
	}
	if !slices.Contains(httpRouteMethods, method) {
		if slices.Contains(httpRouteMethods, strings.ToUpper(method)) {
			return "", "", fmt.Errorf("%q: the method is written in upper case (%s)", key, strings.ToUpper(method))
		}
		return "", "", fmt.Errorf("%q: %q is not a route method (%s)", key, method, strings.Join(httpRouteMethods, ", "))
	}
	if err := checkHTTPPath(path); err != nil {
		return "", "", fmt.Errorf("%q: %v", key, err)
	}
	return method, path, nil
}

// checkHTTPPath checks the path of an HTTP API route key (an OpenAPI
// body's paths too): it starts with /, and its segments are text or
// {param}, a greedy {name+} last.
func checkHTTPPath(path string) error {
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("the path must start with /")
	}
	if path == "/" {
		return nil
	}
	segs := strings.Split(path[1:], "/")
	seen := map[string]bool{}
	for i, seg := range segs {
		if seg == "" {
			return fmt.Errorf("the path has an empty segment")
		}
		if m := httpParamRe.FindStringSubmatch(seg); m != nil {
			if m[2] == "+" && i != len(segs)-1 {
				return fmt.Errorf("the greedy path variable %s must be the last segment", seg)
			}
			if seen[m[1]] {
				return fmt.Errorf("path variable {%s} appears twice", m[1])
			}
			seen[m[1]] = true
			continue
		}
		if strings.ContainsAny(seg, "{}") {
			return fmt.Errorf("%q: a path variable is a whole segment, {name} or {name+}", seg)
		}
		if !httpStaticSegRe.MatchString(seg) {
			return fmt.Errorf("%q holds characters a path segment may not", seg)
		}
	}
	return nil
}

// ParseHTTPMappingKey reads a parameter mapping key of an HTTP API
// integration: OP:header.NAME, OP:querystring.NAME (OP append, overwrite
// or remove) and overwrite:path for requests; OP:header.NAME and
// overwrite:statuscode for responses.
func ParseHTTPMappingKey(key string, response bool) (op, target, name string, err error) {
	op, rest, ok := strings.Cut(key, ":")
	if !ok || (op != "append" && op != "overwrite" && op != "remove") {
		return "", "", "", fmt.Errorf("%q: a mapping key starts with append:, overwrite: or remove:", key)
	}
	if response && rest == "statuscode" || !response && rest == "path" {
		if op != "overwrite" {
			return "", "", "", fmt.Errorf("%q: %s can only be overwritten (overwrite:%s)", key, rest, rest)
		}
		return op, rest, "", nil
	}
	target, name, ok = strings.Cut(rest, ".")
	switch {
	case target == "header" || target == "querystring" && !response:
	case response:
		return "", "", "", fmt.Errorf("%q: a response mapping changes header.NAME or statuscode", key)
	default:
		return "", "", "", fmt.Errorf("%q: a request mapping changes header.NAME, querystring.NAME or path", key)
	}
	if !ok || name == "" {
		return "", "", "", fmt.Errorf("%q: the %s's name is missing (%s:%s.NAME)", key, target, op, target)
	}
	if target == "header" && reservedHTTPHeader(name) {
		return "", "", "", fmt.Errorf("%q: %s is a reserved header API Gateway does not let mappings change", key, name)
	}
	return op, target, name, nil
}

// reservedHTTPHeader reports the headers HTTP API parameter mappings may
// not change.
// Source: AWS, Transforming API requests and responses (HTTP APIs), "Reserved headers".
func reservedHTTPHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "connection", "content-encoding", "content-length", "content-location", "forwarded", "keep-alive", "origin",
		"proxy-authenticate", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade", "via",
		"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto":
		return true
	}
	return strings.HasPrefix(n, "x-amz-") || strings.HasPrefix(n, "x-amzn-") || strings.HasPrefix(n, "apigw-") || strings.HasPrefix(n, "access-control-")
}

// httpAPIs checks the HTTP APIs as API Gateway would before deploying
// them, then refuses each (apigw does not serve them yet).
func (v *validator) httpAPIs() {
	for _, api := range v.m.HTTPAPIs {
		v.httpAPI(api)
	}
}

func (v *validator) httpAPI(api *HTTPAPI) {
	pos := Pos{Line: api.Line, Col: api.Col, File: api.File}
	fail := func(name, format string, args ...any) { v.errAt(api.LogicalID, api.Props, pos, name, format, args...) }
	if api.RouteSelection != "" && api.RouteSelection != "${request.method} ${request.path}" {
		fail("RouteSelectionExpression", "an HTTP API's RouteSelectionExpression is ${request.method} ${request.path} (its default), not %q", api.RouteSelection)
	}
	if c := api.Cors; c != nil {
		for i, m := range c.AllowMethods {
			if m != "*" && !slices.Contains(httpMethods, strings.ToUpper(m)) {
				fail(fmt.Sprintf("CorsConfiguration.AllowMethods[%d]", i), "%q is not an HTTP method (or *)", m)
			}
		}
		// Source: API Gateway's own 400, "allow-credentials is not supported if 'allow-origin' is *" (aws/aws-cdk#9076).
		if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
			fail("CorsConfiguration.AllowCredentials", "AllowCredentials cannot be true when AllowOrigins holds *: name the origins")
		}
		// Source: the API Gateway V2 API model, Cors.MaxAge is IntegerWithLengthBetweenMinus1And86400.
		if c.MaxAge != nil && (*c.MaxAge < -1 || *c.MaxAge > 86400) {
			fail("CorsConfiguration.MaxAge", "must be from -1 to 86400 seconds, not %d", *c.MaxAge)
		}
	}
	routes := api.httpRouteList()
	_, body := api.Props["Body"]
	_, s3 := api.Props["BodyS3Location"]
	switch {
	case len(routes) > 0:
	case body || s3:
		fail("", "the OpenAPI definition has no operations under paths, so API Gateway has nothing to serve")
	default:
		fail("", "the API has no routes, so API Gateway has nothing to serve: add AWS::ApiGatewayV2::Routes (GET /items, $default, ...) or a Target (quick create)")
	}
	if len(api.Stages) == 0 {
		fail("", "the API has no stage, so nothing can be served: add an AWS::ApiGatewayV2::Stage ($default with AutoDeploy: true, say)")
	}
	v.httpStages(api, routes)
	for _, in := range api.Integrations {
		v.httpIntegration(api, in)
	}
	for _, a := range api.Authorizers {
		v.httpAuthorizer(a)
	}
	for _, rt := range routes {
		v.httpRoute(api, rt)
	}
}

// httpRouteList is every route of the API: RouteList, and those only in
// Routes (a model a decoder made without RouteList), by key.
func (api *HTTPAPI) httpRouteList() []*HTTPRoute { return allRoutes(api.RouteList, api.Routes) }

// httpOwner is the HTTP API that holds an integration or an authorizer.
func (v *validator) httpOwner(in *HTTPIntegration, a *HTTPAuthorizer) string {
	for _, api := range v.m.HTTPAPIs {
		if in != nil && slices.Contains(api.Integrations, in) || a != nil && slices.Contains(api.Authorizers, a) {
			return api.LogicalID
		}
	}
	return "another API"
}

func (v *validator) httpRoute(api *HTTPAPI, rt *HTTPRoute) {
	pos := Pos{Line: rt.Line, Col: rt.Col, File: rt.File}
	fail := func(name, format string, args ...any) { v.errAt(rt.LogicalID, rt.Props, pos, name, format, args...) }
	if rt.Key == "" {
		fail("RouteKey", "required property RouteKey is missing")
	} else if _, _, err := ParseHTTPRouteKey(rt.Key); err != nil {
		fail("RouteKey", "%v", err)
	} else if other := api.Routes[rt.Key]; other != nil && other != rt {
		fail("RouteKey", "route key %q of %s is also declared by %s", rt.Key, api.LogicalID, other.LogicalID)
	}
	if rt.Target != "" {
		id, ok := strings.CutPrefix(rt.Target, "integrations/")
		switch {
		case !ok || id == "":
			fail("Target", "%q must be integrations/ID (!Join ['/', [integrations, !Ref Integration]] or !Sub integrations/${Integration})", rt.Target)
		case rt.Integration == nil:
			fail("Target", "%q names no AWS::ApiGatewayV2::Integration of this template's HTTP APIs", rt.Target)
		case !slices.Contains(api.Integrations, rt.Integration):
			fail("Target", "integration %s belongs to %s, not to %s", rt.Integration.LogicalID, v.httpOwner(rt.Integration, nil), api.LogicalID)
		}
	}
	want := ""
	switch rt.AuthorizationType {
	case "NONE", "AWS_IAM":
	case "JWT":
		want = "JWT"
	case "CUSTOM":
		want = "REQUEST"
	default:
		fail("AuthorizationType", "%q is not an authorization type of HTTP APIs (NONE, JWT, CUSTOM or AWS_IAM)", rt.AuthorizationType)
	}
	if want != "" {
		switch {
		case rt.AuthorizerID == "":
			fail("AuthorizerId", "a %s route needs an AuthorizerId", rt.AuthorizationType)
		case rt.Authorizer == nil:
			fail("AuthorizerId", "%q is not an Authorizer of this template's HTTP APIs (use !Ref of an AWS::ApiGatewayV2::Authorizer)", rt.AuthorizerID)
		case !slices.Contains(api.Authorizers, rt.Authorizer):
			fail("AuthorizerId", "authorizer %s belongs to %s, not to %s", rt.Authorizer.LogicalID, v.httpOwner(nil, rt.Authorizer), api.LogicalID)
		case rt.Authorizer.Type != want:
			fail("AuthorizationType", "a %s route takes a %s authorizer; %s is %s", rt.AuthorizationType, want, rt.Authorizer.LogicalID, rt.Authorizer.Type)
		}
	}
	if len(rt.AuthorizationScopes) > 0 {
		if rt.AuthorizationType != "JWT" {
			fail("AuthorizationScopes", "AuthorizationScopes are for JWT routes; the route's AuthorizationType is %s", rt.AuthorizationType)
		} else if len(rt.AuthorizationScopes) > 10 {
			fail("AuthorizationScopes", "a route has at most 10 scopes, not %d", len(rt.AuthorizationScopes))
		}
	}
}

// v2LambdaURI checks the Lambda function an AWS_PROXY integration's URI
// (or a quick create Target) names.
func v2LambdaURI(fail func(name, format string, args ...any), uri string, target *Function, remote bool) {
	if uri == "" {
		fail("IntegrationUri", "required for AWS_PROXY integrations: the function's ARN or invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)")
		return
	}
	fn2, err := WSLambdaFunction(uri)
	switch {
	case err != nil:
		fail("IntegrationUri", "%q is not a Lambda function ARN nor an invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", uri)
	case strings.Contains(fn2, "${stageVariables.") || target != nil || remote:
	default:
		if _, err := funcref.Parse(fn2); err != nil {
			fail("IntegrationUri", "%v", err)
		} else {
			fail("IntegrationUri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", fn2)
		}
	}
}

func (v *validator) httpIntegration(api *HTTPAPI, in *HTTPIntegration) {
	pos := Pos{Line: in.Line, Col: in.Col, File: in.File}
	fail := func(name, format string, args ...any) { v.errAt(in.LogicalID, in.Props, pos, name, format, args...) }
	if in.Timeout < 50*time.Millisecond || in.Timeout > 30*time.Second {
		fail("TimeoutInMillis", "must be from 50 to 30000 milliseconds, not %d", in.Timeout.Milliseconds())
	}
	if in.ConnectionType == "VPC_LINK" {
		fail("ConnectionType", "VPC_LINK integrations cannot be reproduced locally")
	}
	switch in.Type {
	case AWSProxy:
		if in.Subtype != "" {
			fail("IntegrationSubtype", "AWS service integrations (%s) are not supported yet; an HTTP API's AWS_PROXY integration without a subtype calls a Lambda function", in.Subtype)
			break
		}
		switch in.PayloadFormatVersion {
		case "1.0", "2.0":
		case "":
			fail("PayloadFormatVersion", "required for an HTTP API's Lambda integration: 1.0 or 2.0")
		default:
			fail("PayloadFormatVersion", "must be 1.0 or 2.0, not %q", in.PayloadFormatVersion)
		}
		if in.Method != "" && in.Method != "POST" {
			fail("IntegrationMethod", "must be POST for AWS_PROXY (Lambda is invoked with POST), not %q", in.Method)
		}
		v2LambdaURI(fail, in.URI, in.Target, in.Remote)
	case HTTPProxy:
		if in.PayloadFormatVersion != "" && in.PayloadFormatVersion != "1.0" {
			fail("PayloadFormatVersion", "must be 1.0 for HTTP_PROXY integrations (2.0 is Lambda's), not %q", in.PayloadFormatVersion)
		}
		if in.Method == "" {
			fail("IntegrationMethod", "required for HTTP_PROXY integrations (ANY passes the client's method)")
		} else if !slices.Contains(httpMethods, in.Method) {
			fail("IntegrationMethod", "%q is not an HTTP method", in.Method)
		}
		u, err := url.Parse(strings.NewReplacer("${", "", "}", "").Replace(in.URI))
		if in.URI == "" {
			fail("IntegrationUri", "required for HTTP_PROXY integrations")
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(in.URI, "${stageVariables.")) {
			if in.ID == QuickCreateIntegrationID(api.LogicalID) {
				fail("IntegrationUri", "%q is neither a Lambda function ARN nor an http:// or https:// URL", in.URI)
			} else {
				fail("IntegrationUri", "%q is not an http:// or https:// URL", in.URI)
			}
		}
	case Mock:
		fail("IntegrationType", "MOCK integrations are REST and WebSocket APIs'; an HTTP API's integration is AWS_PROXY (Lambda) or HTTP_PROXY")
	case HTTP, "AWS":
		fail("IntegrationType", "%s integrations are REST and WebSocket APIs'; an HTTP API's integration is AWS_PROXY (Lambda) or HTTP_PROXY", in.Type)
	case "":
		fail("IntegrationType", "required property IntegrationType is missing")
	default:
		fail("IntegrationType", "%q is not an integration type of HTTP APIs (AWS_PROXY, HTTP_PROXY)", in.Type)
	}
	for _, m := range in.RequestParameters {
		if in.Subtype != "" {
			break // the AWS service's parameters (QueueUrl, ...), refused with the subtype
		}
		v.httpMapping(fail, "RequestParameters."+m.Key, m, false)
	}
	for _, code := range sortedKeys(in.ResponseParameters) {
		// Source: AWS API reference, CreateIntegration responseParameters: "The selection key must be a valid HTTP status code within the range of 200-599".
		if n, err := strconv.Atoi(code); err != nil || n < 200 || n > 599 || strconv.Itoa(n) != code {
			fail("ResponseParameters."+code, "%q is not a status code from 200 to 599", code)
			continue
		}
		for _, m := range in.ResponseParameters[code] {
			v.httpMapping(fail, "ResponseParameters."+code+"."+m.Key, m, true)
		}
	}
}

// httpMapping checks one parameter mapping: its key, and the variables of
// its value.
func (v *validator) httpMapping(fail func(name, format string, args ...any), prop string, m HTTPParamMapping, response bool) {
	if _, _, _, err := ParseHTTPMappingKey(m.Key, response); err != nil {
		fail(prop, "%v", err)
		return
	}
	if m.Op == "remove" {
		return // the value is not used
	}
	if m.Target == "statuscode" {
		if n, err := strconv.Atoi(m.Value); err == nil && (n < 100 || n > 599) {
			fail(prop, "%q is not an HTTP status code", m.Value)
			return
		}
	}
	rest := httpMappingVarRe.ReplaceAllStringFunc(m.Value, func(s string) string {
		if response && strings.HasPrefix(s, "$request.") || !response && strings.HasPrefix(s, "$response.") {
			return s // reported below
		}
		return ""
	})
	if i := strings.IndexByte(rest, '$'); i >= 0 {
		allowed := "$request.header.NAME, $request.querystring.NAME, $request.body.PATH, $request.path, $request.path.NAME, $context.NAME or $stageVariables.NAME"
		if response {
			allowed = "$response.header.NAME, $response.body.PATH, $context.NAME or $stageVariables.NAME"
		}
		fail(prop, "%q: %s is not a mapping variable here (%s)", m.Value, strings.Fields(rest[i:])[0], allowed)
	}
}

func (v *validator) httpAuthorizer(a *HTTPAuthorizer) {
	pos := Pos{Line: a.Line, Col: a.Col, File: a.File}
	fail := func(name, format string, args ...any) { v.errAt(a.LogicalID, a.Props, pos, name, format, args...) }
	_, hasJWT := a.Props["JwtConfiguration"]
	switch a.Type {
	case "JWT":
		if a.Issuer == "" {
			fail("JwtConfiguration.Issuer", "a JWT authorizer needs JwtConfiguration.Issuer (https://cognito-idp.REGION.amazonaws.com/POOL_ID, say)")
		} else if u, err := url.Parse(a.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
			fail("JwtConfiguration.Issuer", "%q is not an https:// URL", a.Issuer)
		}
		if len(a.Audience) > 50 {
			fail("JwtConfiguration.Audience", "a JWT authorizer has at most 50 audiences, not %d", len(a.Audience))
		}
		if len(a.IdentitySource) != 1 {
			fail("IdentitySource", "a JWT authorizer takes one identity source ($request.header.Authorization, say), not %d", len(a.IdentitySource))
		}
		for _, name := range []string{"AuthorizerUri", "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds", "EnableSimpleResponses", "AuthorizerCredentialsArn"} {
			if _, ok := a.Props[name]; ok {
				fail(name, "%s is a Lambda (REQUEST) authorizer's; a JWT authorizer does not take it", name)
			}
		}
	case "REQUEST":
		if hasJWT {
			fail("JwtConfiguration", "JwtConfiguration is a JWT authorizer's; a REQUEST authorizer does not take it")
		}
		switch {
		case a.URI == "":
			fail("AuthorizerUri", "a Lambda authorizer needs an AuthorizerUri (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)")
		case a.Function == "":
			if _, err := funcref.InvocationFunction(a.URI); err != nil {
				fail("AuthorizerUri", "%v", err)
			}
		case strings.Contains(a.Function, "${stageVariables.") || a.Target != nil || a.Remote:
		default:
			if _, err := funcref.Parse(a.Function); err != nil {
				fail("AuthorizerUri", "%v", err)
			} else {
				fail("AuthorizerUri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", a.Function)
			}
		}
		switch a.PayloadFormatVersion {
		case "1.0", "2.0":
		case "":
			fail("AuthorizerPayloadFormatVersion", "required for an HTTP API's Lambda authorizer: 1.0 or 2.0")
		default:
			fail("AuthorizerPayloadFormatVersion", "must be 1.0 or 2.0, not %q", a.PayloadFormatVersion)
		}
		if a.SimpleResponses && a.PayloadFormatVersion != "2.0" {
			fail("EnableSimpleResponses", "simple responses need AuthorizerPayloadFormatVersion 2.0")
		}
		if a.TTL < 0 || a.TTL > 3600*time.Second {
			fail("AuthorizerResultTtlInSeconds", "must be from 0 to 3600 seconds, not %d", int(a.TTL.Seconds()))
		} else if a.TTL > 0 && len(a.IdentitySource) == 0 {
			fail("IdentitySource", "a Lambda authorizer that caches its results (AuthorizerResultTtlInSeconds %d) needs at least one identity source: they key the cache", int(a.TTL.Seconds()))
		}
	default:
		fail("AuthorizerType", "must be JWT or REQUEST for an HTTP API, not %q", a.Type)
		return
	}
	for i, s := range a.IdentitySource {
		if !httpIdentityRe.MatchString(s) {
			fail("IdentitySource", "%q (item %d) is not an HTTP API identity source: $request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME", s, i)
		}
		if a.Type == "JWT" && !strings.HasPrefix(s, "$request.") {
			fail("IdentitySource", "%q: a JWT authorizer reads its token from $request.header.NAME or $request.querystring.NAME", s)
		}
	}
}

func (v *validator) httpStages(api *HTTPAPI, routes []*HTTPRoute) {
	seen := map[string]*HTTPStage{}
	for _, st := range api.Stages {
		pos := Pos{Line: st.Line, Col: st.Col, File: st.File}
		fail := func(name, format string, args ...any) { v.errAt(st.LogicalID, st.Props, pos, name, format, args...) }
		switch {
		case st.Name == "":
			fail("StageName", "required property StageName is missing")
			continue
		case st.Name == "$default":
		case !stageNameRe.MatchString(st.Name):
			fail("StageName", "stage name %q may hold only letters, digits, '-' and '_' (up to 128), or be $default", st.Name)
			continue
		}
		if other := seen[st.Name]; other != nil {
			if other.LogicalID == api.LogicalID && api.QuickCreate && st.Name == "$default" {
				fail("StageName", "the $default stage of %s is already made by quick create (the API's Target)", api.LogicalID)
			} else {
				fail("StageName", "stage %q of %s is also declared by %s", st.Name, api.LogicalID, other.LogicalID)
			}
			continue
		}
		seen[st.Name] = st
		checkStageVariables(st.Variables, "StageVariables.", fail)
		if st.Throttle != nil {
			v.throttle(st.LogicalID, st.Props, pos, "DefaultRouteSettings", *st.Throttle)
		}
		for _, key := range sortedKeys(st.RouteThrottles) {
			if !slices.ContainsFunc(routes, func(rt *HTTPRoute) bool { return rt.Key == key }) {
				fail("RouteSettings."+key, "%q is not a route key of %s", key, api.LogicalID)
			}
			v.throttle(st.LogicalID, st.Props, pos, "RouteSettings."+key, st.RouteThrottles[key])
		}
	}
}
