package model

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/funcref"
)

// webSocketAPIs checks the WebSocket APIs: the route selection expression,
// routes (keys, targets, authorization), integrations, authorizers and
// stages, as API Gateway would before deploying them.
func (v *validator) webSocketAPIs() {
	for _, api := range v.m.WebSocketAPIs {
		v.webSocketAPI(api)
	}
}

func (v *validator) webSocketAPI(api *WebSocketAPI) {
	pos := Pos{Line: api.Line, Col: api.Col, File: api.File}
	fail := func(name, format string, args ...any) { v.errAt(api.LogicalID, api.Props, pos, name, format, args...) }
	if _, err := ParseRouteSelection(api.RouteSelection); err != nil {
		fail("RouteSelectionExpression", "%v", err)
	}
	switch api.APIKeySelection {
	case "", "$request.header.x-api-key", "$context.authorizer.usageIdentifierKey":
	default:
		fail("ApiKeySelectionExpression", "must be $request.header.x-api-key or $context.authorizer.usageIdentifierKey, not %q", api.APIKeySelection)
	}
	routes := api.routeList()
	if len(routes) == 0 {
		fail("", "the API has no routes, so API Gateway cannot deploy it: add AWS::ApiGatewayV2::Routes ($connect, $disconnect, $default or your own keys)")
	}
	if len(api.Stages) == 0 {
		fail("", "the API has no stage, so nothing can be served: add an AWS::ApiGatewayV2::Stage (with a DeploymentId, or AutoDeploy: true)")
	}
	v.wsStages(api)
	for _, in := range api.Integrations {
		v.wsIntegration(in)
	}
	for _, a := range api.Authorizers {
		v.wsAuthorizer(a)
	}
	for _, rt := range routes {
		v.wsRoute(api, rt)
	}
}

// routeList is every route of the API: RouteList, and those only in Routes
// (a model a decoder made without RouteList), by key.
func (api *WebSocketAPI) routeList() []*WSRoute { return allRoutes(api.RouteList, api.Routes) }

// allRoutes is list, then the routes of byKey it does not hold, by key.
func allRoutes[R comparable](list []R, byKey map[string]R) []R {
	out := slices.Clone(list)
	for _, k := range sortedKeys(byKey) {
		if rt := byKey[k]; !slices.Contains(out, rt) {
			out = append(out, rt)
		}
	}
	return out
}

// wsOwner is the WebSocket API that holds an integration or an authorizer.
func (v *validator) wsOwner(in *WSIntegration, a *WSAuthorizer) *WebSocketAPI {
	for _, api := range v.m.WebSocketAPIs {
		if in != nil && slices.Contains(api.Integrations, in) || a != nil && slices.Contains(api.Authorizers, a) {
			return api
		}
	}
	return nil
}

func (v *validator) wsRoute(api *WebSocketAPI, rt *WSRoute) {
	pos := Pos{Line: rt.Line, Col: rt.Col, File: rt.File}
	fail := func(name, format string, args ...any) { v.errAt(rt.LogicalID, rt.Props, pos, name, format, args...) }
	switch {
	case rt.Key == "":
		fail("RouteKey", "required property RouteKey is missing")
		return
	case strings.HasPrefix(rt.Key, "$") && rt.Key != "$connect" && rt.Key != "$disconnect" && rt.Key != "$default":
		fail("RouteKey", "%q: the route keys that start with $ are $connect, $disconnect and $default; custom keys may not start with $", rt.Key)
	}
	if other := api.Routes[rt.Key]; other != nil && other != rt {
		fail("RouteKey", "route key %q of %s is also declared by %s", rt.Key, api.LogicalID, other.LogicalID)
	}
	if rt.Target != "" {
		id, ok := strings.CutPrefix(rt.Target, "integrations/")
		switch {
		case !ok || id == "":
			fail("Target", "%q must be integrations/ID (!Join ['/', [integrations, !Ref Integration]] or !Sub integrations/${Integration})", rt.Target)
		case rt.Integration == nil:
			fail("Target", "%q names no AWS::ApiGatewayV2::Integration of this template", rt.Target)
		case !slices.Contains(api.Integrations, rt.Integration):
			owner := "another API"
			if o := v.wsOwner(rt.Integration, nil); o != nil {
				owner = o.LogicalID
			}
			fail("Target", "integration %s belongs to %s, not to %s", rt.Integration.LogicalID, owner, api.LogicalID)
		}
	}
	switch rt.AuthorizationType {
	case "NONE":
	case "AWS_IAM", "CUSTOM":
		if rt.Key != "$connect" {
			fail("AuthorizationType", "authorization is restricted to the $connect route (as in API Gateway); route %q must have AuthorizationType NONE", rt.Key)
		}
	case "JWT":
		fail("AuthorizationType", "JWT authorization is HTTP APIs'; a WebSocket route takes NONE, AWS_IAM or CUSTOM")
	default:
		fail("AuthorizationType", "%q is not an authorization type (NONE, AWS_IAM or CUSTOM)", rt.AuthorizationType)
	}
	if rt.AuthorizationType == "CUSTOM" {
		switch {
		case rt.AuthorizerID == "":
			fail("AuthorizerId", "a CUSTOM route needs an AuthorizerId")
		case rt.Authorizer == nil:
			fail("AuthorizerId", "%q is not an Authorizer of this template (use !Ref of an AWS::ApiGatewayV2::Authorizer)", rt.AuthorizerID)
		case !slices.Contains(api.Authorizers, rt.Authorizer):
			owner := "another API"
			if o := v.wsOwner(nil, rt.Authorizer); o != nil {
				owner = o.LogicalID
			}
			fail("AuthorizerId", "authorizer %s belongs to %s, not to %s", rt.Authorizer.LogicalID, owner, api.LogicalID)
		}
	}
}

func (v *validator) wsIntegration(in *WSIntegration) {
	pos := Pos{Line: in.Line, Col: in.Col, File: in.File}
	fail := func(name, format string, args ...any) { v.errAt(in.LogicalID, in.Props, pos, name, format, args...) }
	if in.Timeout < 50*time.Millisecond || in.Timeout > 29*time.Second {
		fail("TimeoutInMillis", "must be from 50 to 29000 milliseconds, not %d", in.Timeout.Milliseconds())
	}
	switch in.Type {
	case HTTPProxy:
		if in.Method == "" {
			fail("IntegrationMethod", "required for HTTP_PROXY integrations")
		} else if !slices.Contains(httpMethods, in.Method) {
			fail("IntegrationMethod", "%q is not an HTTP method", in.Method)
		}
		u, err := url.Parse(strings.NewReplacer("${", "", "}", "").Replace(in.URI))
		if in.URI == "" {
			fail("IntegrationUri", "required for HTTP_PROXY integrations")
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(in.URI, "${stageVariables.")) {
			fail("IntegrationUri", "%q is not an http:// or https:// URL", in.URI)
		}
	case AWSProxy:
		if in.Method != "" && in.Method != "POST" {
			fail("IntegrationMethod", "must be POST for AWS_PROXY (Lambda is invoked with POST), not %q", in.Method)
		}
		if in.URI == "" {
			fail("IntegrationUri", "required for AWS_PROXY integrations: the function's invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)")
			return
		}
		fn, err := WSLambdaFunction(in.URI)
		switch {
		case err != nil:
			fail("IntegrationUri", "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations) nor a function ARN", in.URI)
		case strings.Contains(fn, "${stageVariables.") || in.Target != nil || in.Remote:
		default:
			if _, err := funcref.Parse(fn); err != nil {
				fail("IntegrationUri", "%v", err)
			} else {
				fail("IntegrationUri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", fn)
			}
		}
	case Mock:
	case HTTP, "AWS":
		fail("IntegrationType", "%s integrations are not supported yet for WebSocket APIs; use AWS_PROXY (Lambda), HTTP_PROXY or MOCK", in.Type)
	case "":
		fail("IntegrationType", "required property IntegrationType is missing")
	default:
		fail("IntegrationType", "%q is not an integration type (AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK)", in.Type)
	}
}

var wsIdentitySourceRe = regexp.MustCompile(`^(?:route\.request\.(?:header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[^\s,]+)$`)

func (v *validator) wsAuthorizer(a *WSAuthorizer) {
	pos := Pos{Line: a.Line, Col: a.Col, File: a.File}
	fail := func(name, format string, args ...any) { v.errAt(a.LogicalID, a.Props, pos, name, format, args...) }
	switch {
	case a.Function == "" && a.URI == "":
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
	for i, s := range a.IdentitySource {
		if !wsIdentitySourceRe.MatchString(s) {
			fail("IdentitySource", "%q (item %d) is not a WebSocket identity source: route.request.header.NAME, route.request.querystring.NAME, stageVariables.NAME or context.NAME", s, i)
		}
	}
}

func (v *validator) wsStages(api *WebSocketAPI) {
	seen := map[string]*WSStage{}
	for _, st := range api.Stages {
		pos := Pos{Line: st.Line, Col: st.Col, File: st.File}
		fail := func(name, format string, args ...any) { v.errAt(st.LogicalID, st.Props, pos, name, format, args...) }
		switch {
		case st.Name == "":
			fail("StageName", "required property StageName is missing")
			continue
		case st.Name == "$default":
			fail("StageName", "$default stages are HTTP APIs'; a WebSocket API's stage has a name of letters, digits, '-' and '_'")
			continue
		case !stageNameRe.MatchString(st.Name):
			fail("StageName", "stage name %q may hold only letters, digits, '-' and '_' (up to 128)", st.Name)
			continue
		}
		if other := seen[st.Name]; other != nil {
			fail("StageName", "stage %q of %s is also declared by %s", st.Name, api.LogicalID, other.LogicalID)
			continue
		}
		seen[st.Name] = st
		checkStageVariables(st.Variables, "StageVariables.", fail)
		if st.Throttle != nil {
			v.throttle(st.LogicalID, st.Props, pos, "DefaultRouteSettings", *st.Throttle)
		}
		for _, key := range sortedKeys(st.RouteThrottles) {
			if !slices.ContainsFunc(api.routeList(), func(rt *WSRoute) bool { return rt.Key == key }) {
				fail("RouteSettings."+key, "%q is not a route key of %s", key, api.LogicalID)
			}
			v.throttle(st.LogicalID, st.Props, pos, "RouteSettings."+key, st.RouteThrottles[key])
		}
	}
}
