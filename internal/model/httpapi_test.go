package model

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

// httpHead is a valid HTTP API: a Lambda route, a $default stage (lines
// 1-29); each case appends or replaces.
const httpHead = `Resources:
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: http
      ProtocolType: HTTP
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: '2.0'
  Get:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Http
      RouteKey: GET /items/{id}
      Target: !Sub integrations/${Integ}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Http, StageName: $default, AutoDeploy: true}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
`

func httpRoute(logicalID, key, extra string) string {
	s := "  " + logicalID + ":\n    Type: AWS::ApiGatewayV2::Route\n    Properties:\n      ApiId: !Ref Http\n      RouteKey: " + key + "\n      Target: !Sub integrations/${Integ}\n"
	if extra != "" {
		s += "      " + extra + "\n"
	}
	return s
}

const httpJWT = `  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Http
      AuthorizerType: JWT
      Name: jwt
      JwtConfiguration: {Issuer: 'https://issuer.example.com', Audience: [app]}
`

func TestHTTPAPIErrors(t *testing.T) {
	cases := []struct {
		name, src    string
		line         int
		marker, want string
	}{
		{name: "lower-case method", src: strings.Replace(httpHead, "GET /items", "get /items", 1), line: 18, marker: "RouteKey", want: `Get.Properties.RouteKey: "get /items/{id}": the method is written in upper case`},
		{name: "unknown method", src: strings.Replace(httpHead, "GET /items", "FETCH /items", 1), line: 18, marker: "RouteKey", want: `"FETCH" is not a route method`},
		{name: "no slash", src: strings.Replace(httpHead, "GET /items/{id}", "GET items", 1), line: 18, marker: "RouteKey", want: "the path must start with /"},
		{name: "greedy not last", src: strings.Replace(httpHead, "GET /items/{id}", "GET /{proxy+}/x", 1), line: 18, marker: "RouteKey", want: "the greedy path variable {proxy+} must be the last segment"},
		{name: "partial variable", src: strings.Replace(httpHead, "GET /items/{id}", "GET /items/a{id}", 1), line: 18, marker: "RouteKey", want: "a path variable is a whole segment"},
		{name: "no key", src: strings.Replace(httpHead, "GET /items/{id}", "GET", 1), line: 18, marker: "RouteKey", want: "is not a route key"},
		{name: "duplicate key", src: httpHead + httpRoute("Get2", "GET /items/{id}", ""), line: 34, marker: "RouteKey", want: `Get2.Properties.RouteKey: route key "GET /items/{id}" of Http is also declared by Get`},
		{name: "target of nothing", src: strings.Replace(httpHead, "!Sub integrations/${Integ}", "integrations/abc", 1), line: 19, marker: "Target", want: `Get.Properties.Target: "integrations/abc" names no AWS::ApiGatewayV2::Integration`},
		{name: "JWT without issuer", src: httpHead + strings.Replace(httpJWT, "Issuer: 'https://issuer.example.com', ", "", 1), line: 36, marker: "JwtConfiguration", want: "Jwt.Properties.JwtConfiguration.Issuer: a JWT authorizer needs JwtConfiguration.Issuer"},
		{name: "scopes without JWT", src: httpHead + httpRoute("Scoped", "GET /s", "AuthorizationScopes: [read]"), line: 36, marker: "AuthorizationScopes", want: "Scoped.Properties.AuthorizationScopes: AuthorizationScopes are for JWT routes"},
		{name: "JWT route on a Lambda authorizer", src: httpHead + httpJWT + httpRoute("Custom", "GET /c", "AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Jwt"), line: 43, marker: "AuthorizationType", want: "Custom.Properties.AuthorizationType: a CUSTOM route takes a REQUEST authorizer; Jwt is JWT"},
		{name: "JWT route without authorizer", src: httpHead + httpRoute("J", "GET /j", "AuthorizationType: JWT"), line: 32, marker: "Properties", want: "J.Properties.AuthorizerId: a JWT route needs an AuthorizerId"},
		{name: "MOCK refused", src: strings.Replace(httpHead, "IntegrationType: AWS_PROXY", "IntegrationType: MOCK", 1), line: 11, marker: "IntegrationType", want: "Integ.Properties.IntegrationType: MOCK integrations are REST and WebSocket APIs'"},
		{name: "payload version required", src: strings.Replace(httpHead, "      PayloadFormatVersion: '2.0'\n", "", 1), line: 9, marker: "Properties", want: "Integ.Properties.PayloadFormatVersion: required for an HTTP API's Lambda integration"},
		{name: "payload version", src: strings.Replace(httpHead, "'2.0'", "'3.0'", 1), line: 13, marker: "PayloadFormatVersion", want: `must be 1.0 or 2.0, not "3.0"`},
		{name: "timeout", src: strings.Replace(httpHead, "      PayloadFormatVersion: '2.0'\n", "      PayloadFormatVersion: '2.0'\n      TimeoutInMillis: 30001\n", 1), line: 14, marker: "TimeoutInMillis", want: "must be from 50 to 30000 milliseconds, not 30001"},
		{name: "mapping key", src: httpHead + `  Proxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: https://backend.example.com
      RequestParameters: {'replace:header.x': 'a'}
`, line: 37, marker: "'replace:header.x", want: `Proxy.Properties.RequestParameters.replace:header.x: "replace:header.x": a mapping key starts with append:, overwrite: or remove:`},
		{name: "mapping variable", src: httpHead + `  Proxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: https://backend.example.com
      ResponseParameters:
        '200': {'append:header.x': $request.header.y}
`, line: 38, marker: "'append:header.x", want: "Proxy.Properties.ResponseParameters.200.append:header.x: \"$request.header.y\": $request.header.y is not a mapping variable here"},
		{name: "reserved header", src: httpHead + `  Proxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: https://backend.example.com
      RequestParameters: {'overwrite:header.X-Amz-Date': 'a'}
`, line: 37, marker: "'overwrite:header", want: "X-Amz-Date is a reserved header"},
		{name: "bad stage name", src: strings.Replace(httpHead, "StageName: $default", "StageName: 'my stage'", 1), line: 22, marker: "StageName", want: `Stage.Properties.StageName: stage name "my stage" may hold only`},
		{name: "quick create target", src: strings.Replace(httpHead, "      ProtocolType: HTTP\n", "      ProtocolType: HTTP\n      Target: ftp://x\n", 1), line: 7, marker: "Target", want: `Http.Properties.Target: "ftp://x" is not a Lambda function ARN`},
		{name: "RouteKey without Target", src: strings.Replace(httpHead, "      ProtocolType: HTTP\n", "      ProtocolType: HTTP\n      RouteKey: GET /\n", 1), line: 7, marker: "RouteKey", want: "Http.Properties.RouteKey: RouteKey is part of quick create"},
		{name: "OpenAPI body with route resources", src: strings.Replace(httpHead, "      Name: http\n", "      Name: http\n      Body: {openapi: 3.0.1}\n", 1), line: 11, marker: "ApiId", want: "Integ.Properties.ApiId: Http takes its routes, integrations and authorizers from its OpenAPI definition; API Gateway does not combine one with AWS::ApiGatewayV2::Integration resources"},
		{name: "WebSocket property", src: strings.Replace(httpHead, "      Name: http\n", "      Name: http\n      ApiKeySelectionExpression: $request.header.x-api-key\n", 1), line: 6, marker: "ApiKeySelectionExpression", want: "ApiKeySelectionExpression is a property of WebSocket APIs"},
		{name: "CORS credentials with any origin", src: strings.Replace(httpHead, "      Name: http\n", "      Name: http\n      CorsConfiguration: {AllowOrigins: ['*'], AllowCredentials: true}\n", 1), line: 6, marker: "AllowCredentials", want: "Http.Properties.CorsConfiguration.AllowCredentials: AllowCredentials cannot be true"},
		{name: "route response", src: httpHead + "  Resp:\n    Type: AWS::ApiGatewayV2::RouteResponse\n    Properties: {ApiId: !Ref Http, RouteId: !Ref Get, RouteResponseKey: $default}\n", line: 32, marker: "ApiId", want: "Resp.Properties.ApiId: AWS::ApiGatewayV2::RouteResponse belongs to WebSocket APIs; Http is an HTTP API"},
		{name: "simple responses need 2.0", src: httpHead + `  Lam:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Http
      AuthorizerType: REQUEST
      Name: lam
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
      AuthorizerPayloadFormatVersion: '1.0'
      EnableSimpleResponses: true
`, line: 38, marker: "EnableSimpleResponses", want: "Lam.Properties.EnableSimpleResponses: simple responses need AuthorizerPayloadFormatVersion 2.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			var list template.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not an ErrorList: %v", err, err)
			}
			lines := strings.Split(c.src, "\n")
			col := strings.Index(lines[c.line-1], c.marker) + 1
			if col == 0 {
				t.Fatalf("no %q on line %d: %q", c.marker, c.line, lines[c.line-1])
			}
			for _, e := range list {
				if e.File != "t.yaml" || e.Line == 0 || e.Col == 0 || e.LogicalID == "" {
					t.Errorf("error without a location: %v", e)
				}
			}
			for _, e := range list {
				if strings.Contains(e.Error(), c.want) {
					if e.Line != c.line || e.Col != col {
						t.Errorf("%s at %d:%d, want %d:%d", c.want, e.Line, e.Col, c.line, col)
					}
					return
				}
			}
			t.Errorf("no error %q in:\n%v", c.want, err)
		})
	}
}

// TestHTTPAPIValid: the API the error cases start from is valid.
func TestHTTPAPIValid(t *testing.T) {
	m, err := build(t, "t.yaml", httpHead, Options{})
	if err != nil || len(m.HTTPAPIs) != 1 {
		t.Fatalf("want one valid HTTP API, got %v", err)
	}
}

func TestParseHTTPRouteKey(t *testing.T) {
	for key, want := range map[string]string{"$default": " ", "GET /": "GET /", "ANY /{proxy+}": "ANY /{proxy+}", "DELETE /a/{b}/c": "DELETE /a/{b}/c"} {
		m, p, err := ParseHTTPRouteKey(key)
		if err != nil || m+" "+p != want {
			t.Errorf("%q: %q %q %v", key, m, p, err)
		}
	}
	for _, key := range []string{"GET /a//b", "GET /{a}/{a}", "GET  /a", "$connect"} {
		if _, _, err := ParseHTTPRouteKey(key); err == nil {
			t.Errorf("%q: no error", key)
		}
	}
}

// dumpHTTPAPIs writes the HTTP APIs of a model for the goldens.
func dumpHTTPAPIs(b *strings.Builder, m *Model) {
	for _, api := range m.HTTPAPIs {
		fmt.Fprintf(b, "http api %s id=%s name=%q quickcreate=%t\n", api.LogicalID, api.ID, api.Name, api.QuickCreate)
		if c := api.Cors; c != nil {
			fmt.Fprintf(b, "  cors origins=%v methods=%v headers=%v expose=%v maxage=%v credentials=%t\n", c.AllowOrigins, c.AllowMethods, c.AllowHeaders, c.ExposeHeaders, deref(c.MaxAge), c.AllowCredentials)
		}
		for _, st := range api.Stages {
			fmt.Fprintf(b, "  stage %q from=%s deployment=%s autodeploy=%t vars=%v", st.Name, st.LogicalID, st.DeploymentID, st.AutoDeploy, st.Variables)
			if st.Throttle != nil {
				fmt.Fprintf(b, " throttle=%+v", *st.Throttle)
			}
			if len(st.RouteThrottles) > 0 {
				fmt.Fprintf(b, " routes=%+v", st.RouteThrottles)
			}
			b.WriteString("\n")
		}
		for _, a := range api.Authorizers {
			target := "-"
			if a.Target != nil {
				target = a.Target.LogicalID
			}
			fmt.Fprintf(b, "  authorizer %s id=%s %s name=%s identity=%v issuer=%q audience=%v function=%s target=%s payload=%q simple=%t ttl=%s\n",
				a.LogicalID, a.ID, a.Type, a.Name, a.IdentitySource, a.Issuer, a.Audience, a.Function, target, a.PayloadFormatVersion, a.SimpleResponses, a.TTL)
		}
		for _, in := range api.Integrations {
			fmt.Fprintf(b, "  integration %s id=%s %s %s %s payload=%q timeout=%s", in.LogicalID, in.ID, in.Type, in.Method, in.URI, in.PayloadFormatVersion, in.Timeout)
			if in.Function != "" {
				target := "-"
				if in.Target != nil {
					target = in.Target.LogicalID
				}
				fmt.Fprintf(b, " function=%s target=%s qualifier=%q remote=%t", in.Function, target, in.Qualifier, in.Remote)
			}
			b.WriteString("\n")
			for _, pm := range in.RequestParameters {
				fmt.Fprintf(b, "    request %s %s %s <- %q\n", pm.Op, pm.Target, pm.Name, pm.Value)
			}
			for _, code := range sortedKeys(in.ResponseParameters) {
				for _, pm := range in.ResponseParameters[code] {
					fmt.Fprintf(b, "    response %s %s %s %s <- %q\n", code, pm.Op, pm.Target, pm.Name, pm.Value)
				}
			}
		}
		for _, rt := range api.RouteList {
			integ, auth := "-", "-"
			if rt.Integration != nil {
				integ = rt.Integration.LogicalID
			}
			if rt.Authorizer != nil {
				auth = rt.Authorizer.LogicalID
			}
			fmt.Fprintf(b, "  route %q %s id=%s method=%s path=%s integration=%s auth=%s authorizer=%s scopes=%v\n",
				rt.Key, rt.LogicalID, rt.ID, rt.Method, rt.Path, integ, rt.AuthorizationType, auth, rt.AuthorizationScopes)
		}
	}
}

// TestHTTPQuickCreateDeclaredDefaultStage: a $default stage the template
// declares for a quick-created API replaces quick create's, with a note.
func TestHTTPQuickCreateDeclaredDefaultStage(t *testing.T) {
	src := strings.Replace(httpHead, "      ProtocolType: HTTP\n", "      ProtocolType: HTTP\n      Target: !GetAtt Fn.Arn\n", 1)
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	for _, st := range m.HTTPAPIs[0].Stages {
		stages = append(stages, st.Name+"/"+st.LogicalID)
	}
	if len(stages) != 1 || stages[0] != "$default/Stage" {
		t.Errorf("stages %v, want the declared $default stage only", stages)
	}
	noted := false
	for _, n := range m.Notes {
		noted = noted || strings.Contains(n, "served in place of the one quick create makes")
	}
	if !noted {
		t.Errorf("no note in %v", m.Notes)
	}
}
