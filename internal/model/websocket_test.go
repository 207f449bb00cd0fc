package model

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/template"
)

// wsHead is a WebSocket API that builds; line 33 onwards is free for each
// case.
const wsHead = `Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: ws
      ProtocolType: WEBSOCKET
      RouteSelectionExpression: $request.body.action
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
  Integ:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Ws
      RouteKey: $connect
      Target: !Sub integrations/${Integ}
  Deployment:
    Type: AWS::ApiGatewayV2::Deployment
    Properties: {ApiId: !Ref Ws}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Ws, StageName: prod, DeploymentId: !Ref Deployment}
`

// wsRoute is a route of Ws with extra properties (flow map entries).
func wsRoute(name, key, extra string) string {
	if extra != "" {
		extra = ", " + extra
	}
	return "  " + name + ":\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {ApiId: !Ref Ws, RouteKey: '" + key + "', Target: !Sub 'integrations/${Integ}'" + extra + "}\n"
}

func TestWebSocketErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int    // the error's line in t.yaml
		marker    string // its column: where marker starts on that line
		want      string // the rest of the message
	}{
		{name: "missing RouteSelectionExpression", src: strings.Replace(wsHead, "      RouteSelectionExpression: $request.body.action\n", "      Description: d\n", 1),
			line: 4, marker: "Properties", want: "Ws.Properties.RouteSelectionExpression: required for a WebSocket API"},
		{name: "selection from a header", src: strings.Replace(wsHead, "$request.body.action", "$request.header.action", 1),
			line: 7, marker: "RouteSelectionExpression", want: `Ws.Properties.RouteSelectionExpression: "$request.header.action": a WebSocket route is selected from the message body`},
		{name: "HTTP API selection", src: strings.Replace(wsHead, "$request.body.action", "'${request.method} ${request.path}'", 1),
			line: 7, marker: "RouteSelectionExpression", want: "is HTTP APIs' route selection"},
		{name: "bare $ in text", src: strings.Replace(wsHead, "$request.body.action", "'do-$x'", 1),
			line: 7, marker: "RouteSelectionExpression", want: `write \$ for a literal $`},
		{name: "empty body path", src: strings.Replace(wsHead, "$request.body.action", "'${request.body.}'", 1),
			line: 7, marker: "RouteSelectionExpression", want: `"" is not a JSON path of the message body`},
		{name: "api key selection", src: strings.Replace(wsHead, "      Name: ws\n", "      Name: ws\n      ApiKeySelectionExpression: $request.header.key\n", 1),
			line: 6, marker: "ApiKeySelectionExpression", want: "Ws.Properties.ApiKeySelectionExpression: must be $request.header.x-api-key or $context.authorizer.usageIdentifierKey"},
		{name: "missing ProtocolType", src: strings.Replace(wsHead, "      ProtocolType: WEBSOCKET\n", "", 1),
			line: 4, marker: "Properties", want: "Ws.Properties.ProtocolType: required property ProtocolType is missing"},
		{name: "bad ProtocolType", src: strings.Replace(wsHead, "ProtocolType: WEBSOCKET", "ProtocolType: websocket", 1),
			line: 6, marker: "ProtocolType", want: `Ws.Properties.ProtocolType: must be WEBSOCKET or HTTP, not "websocket"`},
		{name: "HTTP API from an OpenAPI body", src: wsHead + "  Http:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      Body: {openapi: 3.0.1}\n",
			line: 33, marker: "Http", want: "Http: the OpenAPI definition has no operations under paths"},
		{name: "missing Name", src: strings.Replace(wsHead, "      Name: ws\n", "", 1),
			line: 4, marker: "Properties", want: "Ws.Properties.Name: required property Name is missing"},
		{name: "HTTP API property", src: strings.Replace(wsHead, "      Name: ws\n", "      Name: ws\n      CorsConfiguration: {AllowOrigins: ['*']}\n", 1),
			line: 6, marker: "CorsConfiguration", want: "Ws.Properties.CorsConfiguration: CorsConfiguration is a property of HTTP APIs"},
		{name: "same API id", src: wsHead + `  WS:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ws2, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.a}
`, line: 33, marker: "WS", want: `WS: its API id "ws" (the logical ID in lower case) is the same as Ws's`},
		{name: "duplicate route key", src: wsHead + wsRoute("Connect2", "$connect", ""),
			line: 35, marker: "RouteKey", want: `Connect2.Properties.RouteKey: route key "$connect" of Ws is also declared by Connect`},
		{name: "reserved route key", src: wsHead + wsRoute("Bad", "$message", ""),
			line: 35, marker: "RouteKey", want: `Bad.Properties.RouteKey: "$message": the route keys that start with $ are $connect, $disconnect and $default`},
		{name: "missing route key", src: wsHead + "  R:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {ApiId: !Ref Ws}\n",
			line: 35, marker: "Properties", want: "R.Properties.RouteKey: required property RouteKey is missing"},
		{name: "target not integrations/ID", src: wsHead + "  R:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {ApiId: !Ref Ws, RouteKey: x, Target: !Ref Integ}\n",
			line: 35, marker: "Target", want: `" must be integrations/ID (!Join`},
		{name: "target names nothing", src: wsHead + "  R:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {ApiId: !Ref Ws, RouteKey: x, Target: integrations/abc}\n",
			line: 35, marker: "Target", want: `R.Properties.Target: "integrations/abc" names no AWS::ApiGatewayV2::Integration of this template`},
		{name: "target of another API", src: wsHead + `  Ws2:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ws2, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.a}
  Integ2:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Ws2, IntegrationType: MOCK}
  R:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: x, Target: !Join ['/', [integrations, !Ref Integ2]]}
`, line: 41, marker: "Target", want: "R.Properties.Target: integration Integ2 belongs to Ws2, not to Ws"},
		{name: "authorization on a message route", src: wsHead + wsRoute("Send", "send", "AuthorizationType: AWS_IAM"),
			line: 35, marker: "AuthorizationType", want: `Send.Properties.AuthorizationType: authorization is restricted to the $connect route (as in API Gateway); route "send" must have AuthorizationType NONE`},
		{name: "JWT on a route", src: strings.Replace(wsHead, "      RouteKey: $connect\n", "      RouteKey: $connect\n      AuthorizationType: JWT\n", 1),
			line: 26, marker: "AuthorizationType", want: "Connect.Properties.AuthorizationType: JWT authorization is HTTP APIs'"},
		{name: "unknown authorization type", src: strings.Replace(wsHead, "      RouteKey: $connect\n", "      RouteKey: $connect\n      AuthorizationType: COGNITO_USER_POOLS\n", 1),
			line: 26, marker: "AuthorizationType", want: `Connect.Properties.AuthorizationType: "COGNITO_USER_POOLS" is not an authorization type (NONE, AWS_IAM or CUSTOM)`},
		{name: "CUSTOM without an authorizer", src: strings.Replace(wsHead, "      RouteKey: $connect\n", "      RouteKey: $connect\n      AuthorizationType: CUSTOM\n", 1),
			line: 23, marker: "Properties", want: "Connect.Properties.AuthorizerId: a CUSTOM route needs an AuthorizerId"},
		{name: "CUSTOM with an unknown authorizer", src: strings.Replace(wsHead, "      RouteKey: $connect\n", "      RouteKey: $connect\n      AuthorizationType: CUSTOM\n      AuthorizerId: abc\n", 1),
			line: 27, marker: "AuthorizerId", want: `Connect.Properties.AuthorizerId: "abc" is not an Authorizer of this template`},
		{name: "AuthorizationScopes", src: wsHead + wsRoute("Send", "send", "AuthorizationScopes: [a]"),
			line: 35, marker: "AuthorizationScopes", want: "Send.Properties.AuthorizationScopes: AuthorizationScopes are for JWT authorizers of HTTP APIs"},
		{name: "JWT authorizer", src: wsHead + `  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Ws
      AuthorizerType: JWT
      Name: jwt
      JwtConfiguration: {Issuer: https://issuer}
`, line: 37, marker: "AuthorizerType", want: "Auth.Properties.AuthorizerType: JWT authorizers are HTTP APIs'"},
		{name: "HTTP identity source", src: wsHead + `  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Ws
      AuthorizerType: REQUEST
      Name: a
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
      IdentitySource: [$request.header.Auth]
`, line: 40, marker: "IdentitySource", want: `Auth.Properties.IdentitySource: "$request.header.Auth" (item 0) is not a WebSocket identity source`},
		{name: "authorizer function not declared", src: wsHead + `  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Ws
      AuthorizerType: REQUEST
      Name: a
      AuthorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
`, line: 39, marker: "AuthorizerUri", want: `Auth.Properties.AuthorizerUri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared in the template`},
		{name: "authorizer without a URI", src: wsHead + "  Auth:\n    Type: AWS::ApiGatewayV2::Authorizer\n    Properties: {ApiId: !Ref Ws, AuthorizerType: REQUEST, Name: a}\n",
			line: 35, marker: "Properties", want: "Auth.Properties.AuthorizerUri: a Lambda authorizer needs an AuthorizerUri"},
		{name: "authorizer caching", src: wsHead + "  Auth:\n    Type: AWS::ApiGatewayV2::Authorizer\n    Properties: {ApiId: !Ref Ws, AuthorizerType: REQUEST, Name: a, AuthorizerResultTtlInSeconds: 300}\n",
			line: 35, marker: "AuthorizerResultTtlInSeconds", want: "Auth.Properties.AuthorizerResultTtlInSeconds: AuthorizerResultTtlInSeconds is a property of HTTP APIs' authorizers"},
		{name: "HTTP integration", src: strings.Replace(wsHead, "IntegrationType: AWS_PROXY", "IntegrationType: HTTP", 1),
			line: 19, marker: "IntegrationType", want: "Integ.Properties.IntegrationType: HTTP integrations are not supported yet for WebSocket APIs"},
		{name: "AWS integration", src: strings.Replace(wsHead, "IntegrationType: AWS_PROXY", "IntegrationType: AWS", 1),
			line: 19, marker: "IntegrationType", want: "Integ.Properties.IntegrationType: AWS integrations are not supported yet for WebSocket APIs"},
		{name: "missing integration type", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "", 1),
			line: 17, marker: "Properties", want: "Integ.Properties.IntegrationType: required property IntegrationType is missing"},
		{name: "integration timeout", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "      IntegrationType: AWS_PROXY\n      TimeoutInMillis: 30000\n", 1),
			line: 20, marker: "TimeoutInMillis", want: "Integ.Properties.TimeoutInMillis: must be from 50 to 29000 milliseconds, not 30000"},
		{name: "function not declared", src: strings.Replace(wsHead, "${Fn.Arn}", "arn:aws:lambda:us-east-1:123456789012:function:nope", 1),
			line: 20, marker: "IntegrationUri", want: `Integ.Properties.IntegrationUri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API`},
		{name: "function ARN not declared", src: strings.Replace(wsHead, "!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations", "arn:aws:lambda:us-east-1:123456789012:function:nope", 1),
			line: 20, marker: "IntegrationUri", want: `Integ.Properties.IntegrationUri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared`},
		{name: "not a Lambda URI", src: strings.Replace(wsHead, "!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations", "http://example.com", 1),
			line: 20, marker: "IntegrationUri", want: `Integ.Properties.IntegrationUri: "http://example.com" is not a Lambda invocation URI`},
		{name: "AWS_PROXY with GET", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "      IntegrationType: AWS_PROXY\n      IntegrationMethod: GET\n", 1),
			line: 20, marker: "IntegrationMethod", want: `Integ.Properties.IntegrationMethod: must be POST for AWS_PROXY`},
		{name: "HTTP_PROXY without a method", src: wsHead + "  Http:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties: {ApiId: !Ref Ws, IntegrationType: HTTP_PROXY, IntegrationUri: 'ftp://x'}\n",
			line: 35, marker: "Properties", want: "Http.Properties.IntegrationMethod: required for HTTP_PROXY integrations"},
		{name: "HTTP_PROXY with a bad URI", src: wsHead + "  Http:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties: {ApiId: !Ref Ws, IntegrationType: HTTP_PROXY, IntegrationMethod: POST, IntegrationUri: 'ftp://x'}\n",
			line: 35, marker: "IntegrationUri", want: `Http.Properties.IntegrationUri: "ftp://x" is not an http:// or https:// URL`},
		{name: "payload format 2.0", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "      IntegrationType: AWS_PROXY\n      PayloadFormatVersion: '2.0'\n", 1),
			line: 20, marker: "PayloadFormatVersion", want: `Integ.Properties.PayloadFormatVersion: must be 1.0 for a WebSocket API`},
		{name: "HTTP API integration property", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "      IntegrationType: AWS_PROXY\n      IntegrationSubtype: SQS-SendMessage\n", 1),
			line: 20, marker: "IntegrationSubtype", want: "Integ.Properties.IntegrationSubtype: IntegrationSubtype is a property of HTTP APIs' integrations"},
		{name: "REST property name", src: strings.Replace(wsHead, "      IntegrationType: AWS_PROXY\n", "      IntegrationType: AWS_PROXY\n      Uri: x\n", 1),
			line: 20, marker: "Uri", want: "Integ.Properties.Uri: unknown property Uri: the integration's URI is IntegrationUri"},
		{name: "$default stage", src: strings.Replace(wsHead, "StageName: prod", "StageName: $default", 1),
			line: 32, marker: "StageName", want: "Stage.Properties.StageName: $default stages are HTTP APIs'"},
		{name: "bad stage name", src: strings.Replace(wsHead, "StageName: prod", "StageName: 'pr od'", 1),
			line: 32, marker: "StageName", want: `Stage.Properties.StageName: stage name "pr od" may hold only letters, digits, '-' and '_'`},
		{name: "missing stage name", src: strings.Replace(wsHead, "StageName: prod, ", "", 1),
			line: 32, marker: "Properties", want: "Stage.Properties.StageName: required property StageName is missing"},
		{name: "stage without deployment", src: strings.Replace(wsHead, ", DeploymentId: !Ref Deployment", "", 1),
			line: 32, marker: "Properties", want: "Stage.Properties.DeploymentId: the stage has no DeploymentId and AutoDeploy is not true"},
		{name: "stage with an unknown deployment", src: strings.Replace(wsHead, "DeploymentId: !Ref Deployment", "DeploymentId: abc", 1),
			line: 32, marker: "DeploymentId", want: `Stage.Properties.DeploymentId: "abc" is not an AWS::ApiGatewayV2::Deployment of this template`},
		{name: "duplicate stage", src: wsHead + "  Stage2:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Ws, StageName: prod, AutoDeploy: true}\n",
			line: 35, marker: "StageName", want: `Stage2.Properties.StageName: stage "prod" of Ws is also declared by Stage`},
		{name: "stage variables", src: wsHead + "  Stage2:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Ws, StageName: dev, AutoDeploy: true, StageVariables: {a-b: x}}\n",
			line: 35, marker: "a-b", want: "Stage2.Properties.StageVariables.a-b: stage variable names may hold only letters, digits and '_'"},
		{name: "REST stage property", src: wsHead + "  Stage2:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Ws, StageName: dev, AutoDeploy: true, Variables: {a: x}}\n",
			line: 35, marker: "Variables", want: "Stage2.Properties.Variables: unknown property Variables: AWS::ApiGatewayV2::Stage calls them StageVariables"},
		{name: "route settings of no route", src: wsHead + `  Stage2:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Ws
      StageName: dev
      AutoDeploy: true
      RouteSettings:
        send: {ThrottlingRateLimit: 5}
`, line: 40, marker: "send", want: `Stage2.Properties.RouteSettings.send: "send" is not a route key of Ws`},
		{name: "negative throttling", src: wsHead + `  Stage2:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Ws
      StageName: dev
      AutoDeploy: true
      DefaultRouteSettings: {ThrottlingBurstLimit: -5}
`, line: 39, marker: "DefaultRouteSettings", want: "Stage2.Properties.DefaultRouteSettings: throttling limits are not negative"},
		{name: "route response key", src: wsHead + "  Resp:\n    Type: AWS::ApiGatewayV2::RouteResponse\n    Properties: {ApiId: !Ref Ws, RouteId: !Ref Connect, RouteResponseKey: ok}\n",
			line: 35, marker: "RouteResponseKey", want: `Resp.Properties.RouteResponseKey: must be $default, the only route response key API Gateway supports, not "ok"`},
		{name: "route response of no route", src: wsHead + "  Resp:\n    Type: AWS::ApiGatewayV2::RouteResponse\n    Properties: {ApiId: !Ref Ws, RouteId: abc, RouteResponseKey: $default}\n",
			line: 35, marker: "RouteId", want: `Resp.Properties.RouteId: "abc" is not a Route of this template`},
		{name: "integration response of no integration", src: wsHead + "  Resp:\n    Type: AWS::ApiGatewayV2::IntegrationResponse\n    Properties: {ApiId: !Ref Ws, IntegrationId: abc, IntegrationResponseKey: $default}\n",
			line: 35, marker: "IntegrationId", want: `Resp.Properties.IntegrationId: "abc" is not an Integration of this template`},
		{name: "ApiId of a REST API", src: wsHead + `  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: r}
  R:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Rest, RouteKey: x}
`, line: 38, marker: "ApiId", want: "R.Properties.ApiId: Rest is an AWS::ApiGateway::RestApi; AWS::ApiGatewayV2::Route belongs to an AWS::ApiGatewayV2::Api"},
		{name: "ApiId of nothing", src: wsHead + "  R:\n    Type: AWS::ApiGatewayV2::Route\n    Properties: {ApiId: abc, RouteKey: x}\n",
			line: 35, marker: "ApiId", want: `R.Properties.ApiId: "abc" is not an AWS::ApiGatewayV2::Api of this template`},
		{name: "usage plan with per-method throttles of a WebSocket API", src: wsHead + "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties: {ApiStages: [{ApiId: !Ref Ws, Stage: prod, Throttle: {/x/GET: {RateLimit: 1}}}]}\n",
			line: 35, marker: "Throttle", want: "Plan.Properties.ApiStages[0].Throttle: per-method throttles apply to REST APIs; Ws is a WebSocket API"},
		{name: "usage plan of a WebSocket API's unknown stage", src: wsHead + "  Plan:\n    Type: AWS::ApiGateway::UsagePlan\n    Properties: {ApiStages: [{ApiId: !Ref Ws, Stage: nope}]}\n",
			line: 35, marker: "Stage: nope", want: "Plan.Properties.ApiStages[0].Stage: API Ws has no stage \"nope\""},
		{name: "no routes", src: strings.Replace(wsHead, "    Type: AWS::ApiGatewayV2::Route\n", "    Type: AWS::ApiGatewayV2::Model\n", 1),
			line: 2, marker: "Ws", want: "Ws: the API has no routes, so API Gateway cannot deploy it"},
		{name: "no stage", src: strings.Replace(wsHead, "    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Ws, StageName: prod, DeploymentId: !Ref Deployment}\n", "    Type: AWS::IAM::Role\n", 1),
			line: 2, marker: "Ws", want: "Ws: the API has no stage, so nothing can be served"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			var list template.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err %v, want an ErrorList", err)
			}
			lines := strings.Split(c.src, "\n")
			if c.line > len(lines) {
				t.Fatalf("t.yaml has no line %d", c.line)
			}
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

func TestWebSocketDecode(t *testing.T) {
	src := wsHead + wsRoute("Send", "send", "RouteResponseSelectionExpression: $default, ApiKeyRequired: true") + `  SendResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: {ApiId: !Ref Ws, RouteId: !Ref Send, RouteResponseKey: $default}
  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Ws
      AuthorizerType: REQUEST
      Name: a
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
      IdentitySource: ['route.request.header.Auth, route.request.querystring.token']
  Dev:
    Type: AWS::ApiGatewayV2::Stage
    Properties:
      ApiId: !Ref Ws
      StageName: dev
      AutoDeploy: true
      StageVariables:
        endpoint: !GetAtt Ws.ApiEndpoint
        id: !GetAtt Ws.ApiId
        ref: !Ref Ws
        route: !Ref Send
        routeAtt: !GetAtt Send.RouteId
        integ: !Ref Integ
        auth: !Ref Auth
        deployment: !Ref Deployment
        stage: !Ref Stage
      RouteSettings:
        send: {ThrottlingBurstLimit: 10}
  Deployment2:
    Type: AWS::ApiGatewayV2::Deployment
    Properties: {ApiId: !Ref Ws, StageName: test}
  Deployment3:
    Type: AWS::ApiGatewayV2::Deployment
    Properties: {ApiId: !Ref Ws, StageName: prod}
`
	src = strings.Replace(src, "      RouteKey: $connect\n", "      RouteKey: $connect\n      AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Auth\n", 1)
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.RestAPIs) != 0 || len(m.WebSocketAPIs) != 1 {
		t.Fatalf("%d REST and %d WebSocket APIs", len(m.RestAPIs), len(m.WebSocketAPIs))
	}
	api := m.WebSocketAPIs[0]
	if api.ID != "ws" || api.LogicalID != "Ws" || api.Name != "ws" || api.RouteSelection != "$request.body.action" || api.Line != 2 || api.Col != 3 {
		t.Errorf("api %+v", api)
	}
	in := api.Integrations[0]
	if in.ID != WSIntegrationID("Integ") || in.Type != AWSProxy || in.Timeout != 29*time.Second || in.Target == nil || in.Target.LogicalID != "Fn" {
		t.Errorf("integration %+v", in)
	}
	conn, send := api.Routes["$connect"], api.Routes["send"]
	if conn == nil || send == nil || len(api.RouteList) != 2 || api.RouteList[0] != conn {
		t.Fatalf("routes %v", api.Routes)
	}
	if conn.Integration != in || conn.AuthorizationType != "CUSTOM" || conn.Authorizer != api.Authorizers[0] || conn.TwoWay || conn.Target != "integrations/"+in.ID {
		t.Errorf("$connect %+v", conn)
	}
	if send.Integration != in || !send.TwoWay || send.ResponseSelection != "$default" || !send.APIKeyRequired || send.AuthorizationType != "NONE" || send.ID != WSRouteID("Send") {
		t.Errorf("send %+v", send)
	}
	a := api.Authorizers[0]
	if a.ID != WSAuthorizerID("Auth") || a.Target == nil || a.Target.LogicalID != "Fn" || a.Remote ||
		!reflect.DeepEqual(a.IdentitySource, []string{"route.request.header.Auth", "route.request.querystring.token"}) {
		t.Errorf("authorizer %+v", a)
	}
	var names []string
	for _, st := range api.Stages {
		names = append(names, st.Name+"/"+st.LogicalID)
	}
	// Deployment3 names prod, which Stage declares: no second prod.
	if want := []string{"prod/Stage", "dev/Dev", "test/Deployment2"}; !reflect.DeepEqual(names, want) {
		t.Errorf("stages %v, want %v", names, want)
	}
	dev := api.Stages[1]
	wantVars := map[string]string{
		"endpoint": "wss://ws.execute-api.us-east-1.amazonaws.com", "id": "ws", "ref": "ws",
		"route": WSRouteID("Send"), "routeAtt": WSRouteID("Send"), "integ": WSIntegrationID("Integ"), "auth": WSAuthorizerID("Auth"),
		"deployment": WSDeploymentID("Deployment"), "stage": "prod",
	}
	if !reflect.DeepEqual(dev.Variables, wantVars) {
		t.Errorf("vars %v, want %v", dev.Variables, wantVars)
	}
	if !dev.AutoDeploy || dev.Throttle != nil || !reflect.DeepEqual(dev.RouteThrottles, map[string]Throttle{"send": {Rate: -1, Burst: 10}}) {
		t.Errorf("dev %+v", dev)
	}
	if prod := api.Stages[0]; prod.DeploymentID != WSDeploymentID("Deployment") {
		t.Errorf("prod %+v", prod)
	}
	if test := api.Stages[2]; test.DeploymentID != WSDeploymentID("Deployment2") || test.Props.At("StageName", Pos{}).Line == 0 {
		t.Errorf("test %+v", test)
	}
	if !strings.Contains(strings.Join(m.Notes, "\n"), "Send: ApiKeyRequired applies to $connect only") {
		t.Errorf("notes %q", m.Notes)
	}
}

// TestWebSocketLambdaTargets: an AWS_PROXY integration names its function
// by invocation URI or by function ARN, local, remote (--config) or with a
// qualifier, as REST's.
func TestWebSocketLambdaTargets(t *testing.T) {
	for uri, want := range map[string]struct {
		fn, target, qualifier string
		remote                bool
	}{
		"!GetAtt Fn.Arn": {"arn:aws:lambda:us-east-1:123456789012:function:stack-Fn", "Fn", "", false},
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/stack-Fn:live/invocations": {"stack-Fn:live", "Fn", "live", false},
		"arn:aws:lambda:us-east-1:123456789012:function:other":                                    {"arn:aws:lambda:us-east-1:123456789012:function:other", "", "", true},
	} {
		src := strings.Replace(wsHead, "!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations", uri, 1)
		m, err := build(t, "t.yaml", src, Options{Functions: map[string]FunctionOverride{"other": {Endpoint: "http://127.0.0.1:9"}}})
		if err != nil {
			t.Errorf("%s: %v", uri, err)
			continue
		}
		in := m.WebSocketAPIs[0].Integrations[0]
		target := ""
		if in.Target != nil {
			target = in.Target.LogicalID
		}
		if in.Function != want.fn || target != want.target || in.Qualifier != want.qualifier || in.Remote != want.remote {
			t.Errorf("%s: function %q target %q qualifier %q remote %v, want %+v", uri, in.Function, target, in.Qualifier, in.Remote, want)
		}
		if want.qualifier != "" && !strings.Contains(strings.Join(m.Notes, "\n"), "Integ: the integration calls stack-Fn:live") {
			t.Errorf("%s: notes %q", uri, m.Notes)
		}
	}
}

func TestParseRouteSelection(t *testing.T) {
	for expr, want := range map[string][]SelectionPart{
		"$request.body.action":                           {{BodyPath: "action"}},
		"$request.body.message.type":                     {{BodyPath: "message.type"}},
		"${request.body.action}":                         {{BodyPath: "action"}},
		"${request.body.service}/${request.body.action}": {{BodyPath: "service"}, {Static: "/"}, {BodyPath: "action"}},
		"chat-${request.body.a}":                         {{Static: "chat-"}, {BodyPath: "a"}},
		"static":                                         {{Static: "static"}},
		`cost\$`:                                         {{Static: "cost$"}},
	} {
		got, err := ParseRouteSelection(expr)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v %v, want %+v", expr, got, err, want)
		}
	}
	for _, expr := range []string{"", "$request.body", "$request.body.", "$request.header.x", "${request.body.a", "${request.method} ${request.path}", "a$b", "$request.body.a b", "${request.body.a..b}"} {
		if got, err := ParseRouteSelection(expr); err == nil {
			t.Errorf("%q: %+v, want an error", expr, got)
		}
	}
}

// TestValidateBuiltWebSocketModel validates a WebSocket API no template
// produced: messages locate the elements by their Props.
func TestValidateBuiltWebSocketModel(t *testing.T) {
	in := &WSIntegration{LogicalID: "integ", Line: 5, Col: 3, Type: "AWS", Timeout: 29 * time.Second,
		Props: Props{"IntegrationType": {Path: "x-integration.type", Pos: Pos{Line: 6, Col: 5}}}}
	rt := &WSRoute{LogicalID: "send", Key: "send", Line: 9, Col: 3, AuthorizationType: "NONE", Target: "integrations/i", Integration: in}
	api := &WebSocketAPI{ID: "a", LogicalID: "chat", Line: 1, Col: 1, RouteSelection: "$request.body.action",
		Routes: map[string]*WSRoute{"send": rt}, Integrations: []*WSIntegration{in}, Stages: []*WSStage{{Name: "prod", Line: 12, Col: 3}}}
	m := &Model{File: "api.json", WebSocketAPIs: []*WebSocketAPI{api}}
	err := Validate(m)
	if err == nil || !strings.Contains(err.Error(), "api.json:6:5: integ.x-integration.type: AWS integrations are not supported yet for WebSocket APIs") {
		t.Errorf("Validate: %v", err)
	}
	in.Type = Mock
	if err := Validate(m); err != nil {
		t.Errorf("Validate: %v", err)
	}
	api.Stages = nil
	if err := Validate(m); err == nil || !strings.Contains(err.Error(), "api.json:1:1: chat: the API has no stage") {
		t.Errorf("Validate: %v", err)
	}
}
