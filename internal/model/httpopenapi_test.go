package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

// httpBodyHead declares a function, a $default stage and an HTTP API
// whose Body starts at line 11; each case adds the body's keys (line 14
// on).
const httpBodyHead = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: index.handler, Role: r, Code: {ZipFile: 'x'}}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Body:
        openapi: 3.0.1
        info: {title: t, version: '1'}
`

// httpFnRoute is a valid route (paths at line 14, the route at 16).
const httpFnRoute = `        paths:
          /items:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !GetAtt Fn.Arn, payloadFormatVersion: '2.0'}
`

// Each bad input of an HTTP API body is reported with the file, the line
// and column, and the OpenAPI path of what is wrong.
func TestHTTPOpenAPIErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown integration type", httpBodyHead + `        paths:
          /items:
            get:
              x-amazon-apigateway-integration: {type: bogus}
`, []string{`t.yaml:17:49: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.type: "BOGUS" is not an integration type of HTTP APIs (AWS_PROXY, HTTP_PROXY)`}},
		{"REST integration types refused by name", httpBodyHead + `        paths:
          /items:
            get:
              x-amazon-apigateway-integration: {type: mock}
            post:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItem
            put:
              x-amazon-apigateway-integration: {type: http, uri: 'https://backend.example.com', httpMethod: PUT}
`, []string{
			`t.yaml:17:49: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.type: MOCK integrations are REST and WebSocket APIs'; an HTTP API's integration is AWS_PROXY (Lambda) or HTTP_PROXY`,
			`t.yaml:20:17: Api.Properties.Body.paths./items.post.x-amazon-apigateway-integration.type: AWS integrations are REST and WebSocket APIs'`,
			`t.yaml:24:49: Api.Properties.Body.paths./items.put.x-amazon-apigateway-integration.type: HTTP integrations are REST and WebSocket APIs'`}},
		{"paths API Gateway refuses", httpBodyHead + `        paths:
          /items//x:
            get: {}
          /a/{b+}/c:
            get: {}
          /a/x{id}:
            get: {}
          $default:
            get: {}
`, []string{
			`t.yaml:15:11: Api.Properties.Body.paths./items//x: API Gateway refuses the path "/items//x": the path has an empty segment`,
			`t.yaml:17:11: Api.Properties.Body.paths./a/{b+}/c: API Gateway refuses the path "/a/{b+}/c": the greedy path variable {b+} must be the last segment`,
			`t.yaml:19:11: Api.Properties.Body.paths./a/x{id}: API Gateway refuses the path "/a/x{id}": "x{id}": a path variable is a whole segment`,
			`t.yaml:22:13: Api.Properties.Body.paths.$default.get: the path $default is the catch-all route $default: it takes x-amazon-apigateway-any-method only, not get`}},
		{"uri names no function of the template", httpBodyHead + `        paths:
          /items:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                payloadFormatVersion: '2.0'
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
`, []string{`t.yaml:20:17: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.uri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared in the template`}},
		{"payload format version required", httpBodyHead + `        paths:
          /items:
            get:
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !GetAtt Fn.Arn}
            post:
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !GetAtt Fn.Arn, payloadFormatVersion: '3.0'}
`, []string{
			`t.yaml:17:15: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.payloadFormatVersion: required for an HTTP API's Lambda integration: 1.0 or 2.0`,
			`t.yaml:19:87: Api.Properties.Body.paths./items.post.x-amazon-apigateway-integration.payloadFormatVersion: must be 1.0 or 2.0, not "3.0"`}},
		{"integration subtype refused", httpBodyHead + `        paths:
          /items:
            post:
              x-amazon-apigateway-integration:
                type: aws_proxy
                integrationSubtype: SQS-SendMessage
                payloadFormatVersion: '1.0'
                requestParameters: {QueueUrl: q, MessageBody: $request.body}
`, []string{`t.yaml:19:17: Api.Properties.Body.paths./items.post.x-amazon-apigateway-integration.integrationSubtype: AWS service integrations (SQS-SendMessage) are not supported yet`}},
		{"REST properties and mappings", httpBodyHead + `        paths:
          /items:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                uri: https://backend.example.com
                requestTemplates: {application/json: '{}'}
                requestParameters: {overwrite:header.Authorization: x, integration.request.header.x: method.request.header.y}
                responseParameters: {'700': {overwrite:statuscode: '200'}}
                timeoutInMillis: 40000
`, []string{
			`t.yaml:20:17: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.requestTemplates: unknown property requestTemplates: mapping templates are REST APIs'`,
			`t.yaml:21:37: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.requestParameters.overwrite:header.Authorization: "overwrite:header.Authorization": Authorization is a reserved header`,
			`t.yaml:21:72: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.requestParameters.integration.request.header.x: "integration.request.header.x": a mapping key starts with append:, overwrite: or remove:`,
			`t.yaml:22:38: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.responseParameters.700: "700" is not a status code from 200 to 599`,
			`t.yaml:23:17: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.timeoutInMillis: must be from 50 to 30000 milliseconds, not 40000`}},
		{"malformed security references", httpBodyHead + `        components:
          securitySchemes:
            sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
            jwt:
              type: oauth2
              x-amazon-apigateway-authorizer: {type: jwt, jwtConfiguration: {issuer: 'https://issuer.example.com', audience: [a]}}
        paths:
          /items:
            get:
              security: [{nope: []}]
              x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://backend.example.com'}
            post:
              security: [{sigv4: [], jwt: []}]
              x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://backend.example.com'}
            put:
              security: [{sigv4: []}, {jwt: []}]
              x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://backend.example.com'}
            patch:
              security: {jwt: []}
              x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://backend.example.com'}
            delete:
              security: [{sigv4: [read]}]
              x-amazon-apigateway-integration: {type: http_proxy, uri: 'https://backend.example.com'}
`, []string{
			`t.yaml:23:27: Api.Properties.Body.paths./items.get.security[0].nope: "nope" is not a security scheme of the document (components.securitySchemes: jwt, sigv4)`,
			`t.yaml:26:38: Api.Properties.Body.paths./items.post.security[0].jwt: API Gateway gives a route one authorization (IAM, a Lambda authorizer or a JWT authorizer): sigv4 and jwt are both required here`,
			`t.yaml:29:40: Api.Properties.Body.paths./items.put.security[1].jwt: API Gateway gives a route one authorization`,
			`t.yaml:32:15: Api.Properties.Body.paths./items.patch.security: expected a list of security requirements, got a map`,
			`t.yaml:35:27: Api.Properties.Body.paths./items.delete.security[0].sigv4: AuthorizationScopes are for JWT routes; the route's AuthorizationType is AWS_IAM`}},
		{"authorizers", httpBodyHead + `        components:
          securitySchemes:
            tok:
              type: apiKey
              x-amazon-apigateway-authorizer: {type: token, authorizerUri: x}
            cup:
              type: apiKey
              x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: [arn]}
            jwt:
              type: oauth2
              x-amazon-apigateway-authorizer: {type: jwt, jwtConfiguration: {audience: [a]}}
            lam:
              type: apiKey
              x-amazon-apigateway-authorizer:
                type: request
                authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
                identitySource: $request.header.x
                authorizerResultTtlInSeconds: 5000
` + httpFnRoute, []string{
			`t.yaml:21:48: Api.Properties.Body.components.securitySchemes.cup.x-amazon-apigateway-authorizer.type: must be JWT or REQUEST for an HTTP API, not "COGNITO_USER_POOLS"`,
			`t.yaml:18:48: Api.Properties.Body.components.securitySchemes.tok.x-amazon-apigateway-authorizer.type: must be JWT or REQUEST for an HTTP API, not "TOKEN"`,
			`t.yaml:21:74: Api.Properties.Body.components.securitySchemes.cup.x-amazon-apigateway-authorizer.providerARNs: unknown property providerARNs: cognito_user_pools authorizers are REST APIs'`,
			`t.yaml:24:59: Api.Properties.Body.components.securitySchemes.jwt.x-amazon-apigateway-authorizer.jwtConfiguration.issuer: a JWT authorizer needs JwtConfiguration.Issuer`,
			`t.yaml:29:17: Api.Properties.Body.components.securitySchemes.lam.x-amazon-apigateway-authorizer.authorizerUri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared in the template`,
			`t.yaml:27:15: Api.Properties.Body.components.securitySchemes.lam.x-amazon-apigateway-authorizer.authorizerPayloadFormatVersion: required for an HTTP API's Lambda authorizer: 1.0 or 2.0`,
			`t.yaml:31:17: Api.Properties.Body.components.securitySchemes.lam.x-amazon-apigateway-authorizer.authorizerResultTtlInSeconds: must be from 0 to 3600 seconds, not 5000`}},
		{"integration $ref", httpBodyHead + `        components:
          x-amazon-apigateway-integrations:
            fn: {type: aws_proxy, uri: !GetAtt Fn.Arn}
        paths:
          /items:
            get:
              x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/nope'}
            post:
              x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/fn'}
            put:
              x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/fn'}
`, []string{
			`t.yaml:16:13: Api.Properties.Body.components.x-amazon-apigateway-integrations.fn.payloadFormatVersion: required for an HTTP API's Lambda integration`,
			`t.yaml:20:49: Api.Properties.Body.paths./items.get.x-amazon-apigateway-integration.$ref: $ref "#/components/x-amazon-apigateway-integrations/nope" names nothing in the document`}},
		{"CORS", httpBodyHead + `        x-amazon-apigateway-cors: {allowOrigins: ['*'], allowCredentials: true, maxAge: 90000, allowMethods: [GET, FETCH]}
` + httpFnRoute, []string{
			`t.yaml:14:57: Api.Properties.Body.x-amazon-apigateway-cors.allowCredentials: AllowCredentials cannot be true when AllowOrigins holds *`,
			`t.yaml:14:81: Api.Properties.Body.x-amazon-apigateway-cors.maxAge: must be from -1 to 86400 seconds, not 90000`,
			`t.yaml:14:116: Api.Properties.Body.x-amazon-apigateway-cors.allowMethods[1]: "FETCH" is not an HTTP method (or *)`}},
		{"Swagger 2.0 refused", strings.Replace(httpBodyHead, "openapi: 3.0.1", "swagger: '2.0'", 1) + httpFnRoute,
			[]string{`t.yaml:12:9: Api.Properties.Body.swagger: an HTTP API's OpenAPI definition is OpenAPI 3.0 (openapi: 3.0.1); API Gateway does not import Swagger 2.0 documents into HTTP APIs`}},
		{"no operations", httpBodyHead + "        paths: {}\n",
			[]string{`t.yaml:8:3: Api: the OpenAPI definition has no operations under paths, so API Gateway has nothing to serve`}},
		{"quick create and a body", strings.Replace(httpBodyHead, "    Properties:\n      Body:", "    Properties:\n      Target: !GetAtt Fn.Arn\n      Body:", 1) + httpFnRoute,
			[]string{`t.yaml:11:7: Api.Properties.Target: Target is quick create, which makes the API's route, integration and stage; an API with an OpenAPI definition takes them from the definition`}},
		{"route resources with a body", httpBodyHead + httpFnRoute + `  Auth:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties: {ApiId: !Ref Api, AuthorizerType: JWT, Name: j, JwtConfiguration: {Issuer: 'https://issuer.example.com'}}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: GET /x}
`, []string{
			`t.yaml:20:18: Auth.Properties.ApiId: Api takes its routes, integrations and authorizers from its OpenAPI definition; API Gateway does not combine one with AWS::ApiGatewayV2::Authorizer resources`,
			`t.yaml:23:18: Route.Properties.ApiId: Api takes its routes, integrations and authorizers from its OpenAPI definition; API Gateway does not combine one with AWS::ApiGatewayV2::Route resources`}},
		{"BasePath", strings.Replace(httpBodyHead, "    Properties:\n      Body:", "    Properties:\n      BasePath: prepend\n      Body:", 1) + httpFnRoute,
			[]string{`t.yaml:11:7: Api.Properties.BasePath: BasePath prepend is not supported`}},
		{"no stage", strings.Replace(httpBodyHead, "AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}", "AWS::IAM::Role\n    Properties: {}", 1) + httpFnRoute,
			[]string{`t.yaml:8:3: Api: the API has no stage, so nothing can be served`}},
		{"unknown key", httpBodyHead + "        bogus: 1\n" + httpFnRoute,
			[]string{`t.yaml:14:9: Api.Properties.Body.bogus: unknown key bogus in the document`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
		})
	}
}

// What a body declares lands in the model as the resources would put it:
// routes with their integrations (shared through $ref), authorizers and
// authorization, operation names, CORS; Props locate each in the body.
func TestHTTPOpenAPIFeatures(t *testing.T) {
	src, err := os.ReadFile("testdata/http-openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, err := build(t, "http-openapi.yaml", string(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := m.HTTPAPIs[0]
	if api.Name != "items" || api.Description != "from the body" || api.QuickCreate {
		t.Errorf("api: %q %q %v", api.Name, api.Description, api.QuickCreate)
	}
	get, del, post, legacy, def := api.Routes["GET /items/{id}"], api.Routes["DELETE /items/{id}"], api.Routes["POST /items"], api.Routes["ANY /legacy/{proxy+}"], api.Routes["$default"]
	if get == nil || del == nil || post == nil || legacy == nil || def == nil || len(api.RouteList) != 5 {
		t.Fatalf("routes: %v", api.Routes)
	}
	if get.OperationName != "getItem" || get.AuthorizationType != "JWT" || get.Authorizer == nil || get.Authorizer.Name != "jwt" ||
		get.AuthorizerID != get.Authorizer.ID || strings.Join(get.AuthorizationScopes, ",") != "items/read" {
		t.Errorf("GET: %+v", get)
	}
	if get.Integration == nil || get.Target != "integrations/"+get.Integration.ID || get.Integration.Timeout.Milliseconds() != 5000 ||
		!strings.HasSuffix(get.Integration.URI, "/invocations") || get.Integration.Target == nil || get.Integration.Target.LogicalID != "Fn" {
		t.Errorf("GET's integration: %+v", get.Integration)
	}
	if del.Integration == nil || del.Integration != post.Integration || del.AuthorizationType != "CUSTOM" || del.Authorizer.Name != "lam" || post.AuthorizationType != "AWS_IAM" {
		t.Errorf("the component integration is not shared, or authorization: %+v %+v", del, post)
	}
	if legacy.AuthorizationType != "NONE" || legacy.Integration.Type != HTTPProxy || legacy.Integration.Method != "ANY" || legacy.Integration.PayloadFormatVersion != "1.0" {
		t.Errorf("legacy (security: [] overrides the document's): %+v %+v", legacy, legacy.Integration)
	}
	if def.Key != "$default" || def.Method != "" || def.Path != "" || def.Integration.PayloadFormatVersion != "1.0" {
		t.Errorf("$default: %+v", def)
	}
	if len(api.Integrations) != 4 || len(api.Authorizers) != 3 {
		t.Errorf("%d integrations, %d authorizers", len(api.Integrations), len(api.Authorizers))
	}
	if a := api.Authorizers[1]; a.Name != "oidc" || a.Issuer != "https://issuer.example.com" || a.Props.At("JwtConfiguration.Issuer", Pos{}).Path != "Properties.Body.components.securitySchemes.oidc.openIdConnectUrl" {
		t.Errorf("openIdConnectUrl: %+v", a)
	}
	for _, c := range []struct {
		props     Props
		name      string
		path      string
		line, col int
	}{
		{get.Props, "RouteKey", "Properties.Body.paths./items/{id}", 17, 11},
		{get.Props, "AuthorizationScopes", "Properties.Body.security[0].jwt", 15, 21},
		{get.Props, "OperationName", "Properties.Body.paths./items/{id}.get.operationId", 19, 15},
		{get.Integration.Props, "IntegrationUri", "Properties.Body.paths./items/{id}.get.x-amazon-apigateway-integration.uri", 23, 17},
		{get.Integration.Props, "PayloadFormatVersion", "Properties.Body.paths./items/{id}.get.x-amazon-apigateway-integration.payloadFormatVersion", 24, 17},
		{del.Props, "AuthorizerId", "Properties.Body.paths./items/{id}.delete.security[0].lam", 27, 27},
		{del.Integration.Props, "IntegrationUri", "Properties.Body.components.x-amazon-apigateway-integrations.fn.uri", 57, 15},
		{legacy.Integration.Props, "RequestParameters.overwrite:path", "Properties.Body.paths./legacy/{proxy+}.x-amazon-apigateway-any-method.x-amazon-apigateway-integration.requestParameters.overwrite:path", 41, 19},
		{api.Props, "CorsConfiguration.MaxAge", "Properties.Body.x-amazon-apigateway-cors.maxAge", 13, 11},
	} {
		if at := c.props.At(c.name, Pos{}); at.Path != c.path || at.Line != c.line || at.Col != c.col {
			t.Errorf("%s at %s %d:%d, want %s %d:%d", c.name, at.Path, at.Line, at.Col, c.path, c.line, c.col)
		}
	}

	// The template's CorsConfiguration overrides the body's; extensions of
	// REST APIs and unknown ones are noted; x-amazon-apigateway-auth.
	src2 := strings.Replace(httpBodyHead, "    Properties:\n      Body:", "    Properties:\n      CorsConfiguration: {AllowOrigins: ['https://a.example.com']}\n      Body:", 1) +
		`        x-amazon-apigateway-cors: {allowOrigins: ['*']}
        x-amazon-apigateway-binary-media-types: [image/png]
        x-amazon-apigateway-something-new: 1
        paths:
          /items:
            get:
              x-amazon-apigateway-auth: {type: aws_iam}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'https://backend.example.com'}
`
	m, err = build(t, "t.yaml", src2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	api = m.HTTPAPIs[0]
	if api.Cors == nil || strings.Join(api.Cors.AllowOrigins, ",") != "https://a.example.com" {
		t.Errorf("cors: %+v", api.Cors)
	}
	if rt := api.Routes["GET /items"]; rt == nil || rt.AuthorizationType != "AWS_IAM" || rt.Integration.Method != "GET" {
		t.Errorf("route: %+v", rt)
	}
	notes := strings.Join(m.Notes, "\n")
	for _, w := range []string{"Api: CorsConfiguration overrides the body's x-amazon-apigateway-cors",
		"x-amazon-apigateway-binary-media-types applies to REST APIs; API Gateway ignores it when it imports an HTTP API",
		"the extension x-amazon-apigateway-something-new is not known to apigw and is ignored"} {
		if !strings.Contains(notes, w) {
			t.Errorf("no note %q in:\n%s", w, notes)
		}
	}
}

// A Body may be a JSON document (in a string, or a JSON template's
// object); BodyS3Location names a local file whose errors name it and
// its line.
func TestHTTPOpenAPIFiles(t *testing.T) {
	const doc = `{
  "openapi": "3.0.1",
  "info": {"title": "json", "version": "1"},
  "paths": {
    "/pets": {"get": {"x-amazon-apigateway-integration": {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "http://petstore.example.com/pets", "payloadFormatVersion": 1.0}}},
    "$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "AWS_PROXY", "uri": "arn:aws:lambda:us-east-1:123456789012:function:stack-Fn", "payloadFormatVersion": "2.0"}}}
  }
}`
	check := func(t *testing.T, m *Model) {
		t.Helper()
		api := m.HTTPAPIs[0]
		pets, def := api.Routes["GET /pets"], api.Routes["$default"]
		if api.Name != "json" || pets == nil || def == nil || pets.Integration.PayloadFormatVersion != "1.0" || def.Integration.Target == nil {
			t.Errorf("api: %+v", api)
		}
	}
	stage := "  Stage:\n    Type: AWS::ApiGatewayV2::Stage\n    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}\n" +
		"  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: python3.12, Handler: index.handler, Role: r, Code: {ZipFile: 'x'}}\n"
	// A JSON string.
	m, err := build(t, "t.yaml", "Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      Body: '"+strings.ReplaceAll(doc, "\n", "")+"'\n"+stage, Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, m)
	// A JSON template's object.
	jsonTpl := `{"Resources": {
  "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Body": ` + doc + `}},
  "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": true}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12", "Handler": "index.handler", "Role": "r", "Code": {"ZipFile": "x"}}}
}}`
	if m, err = build(t, "t.json", jsonTpl, Options{}); err != nil {
		t.Fatal(err)
	}
	check(t, m)

	// BodyS3Location: a local file, relative to the template.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "openapi.json"), []byte(doc), 0o644)
	bad := strings.Replace(doc, `"type": "HTTP_PROXY"`, `"type": "MOCK"`, 1)
	os.WriteFile(filepath.Join(dir, "bad.json"), []byte(bad), 0o644)
	for _, c := range []struct{ file, want string }{
		{"./openapi.json", ""},
		{"bad.json", filepath.Join(dir, "bad.json") + `:5:59: Api.BodyS3Location.paths./pets.get.x-amazon-apigateway-integration.type: MOCK integrations are REST and WebSocket APIs'`},
		{"s3://bucket/openapi.json", "t.yaml:5:7: Api.Properties.BodyS3Location: BodyS3Location s3://bucket/openapi.json: apigw reads local files only"},
	} {
		file := filepath.Join(dir, "t.yaml")
		tpl, err := template.Parse(file, []byte("Resources:\n  Api:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      BodyS3Location: "+c.file+"\n"+stage),
			template.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "stack", Types: Types()})
		if err != nil {
			t.Fatal(err)
		}
		m, err := Build(tpl, Options{Region: "us-east-1", AccountID: "123456789012", StackName: "stack"})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.file, err)
		case c.want == "":
			check(t, m)
			if len(tpl.Includes) != 1 || tpl.Includes[0] != filepath.Join(dir, "openapi.json") {
				t.Errorf("the file is not watched: %v", tpl.Includes)
			}
		case err == nil || !strings.Contains(err.Error(), strings.Replace(c.want, "t.yaml", file, 1)):
			t.Errorf("%s: got %v, want %s", c.file, err, c.want)
		}
	}
}

// ApiGatewayManagedOverrides override what quick create made
// (testdata/http-overrides.yaml); anything else is an error naming the
// property.
func TestHTTPManagedOverrides(t *testing.T) {
	const quick = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: index.handler, Role: r, Code: {ZipFile: 'x'}}
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: q, ProtocolType: HTTP, Target: !GetAtt Fn.Arn}
  Lam:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Quick
      AuthorizerType: REQUEST
      Name: lam
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
      AuthorizerPayloadFormatVersion: '2.0'
`
	const others = `  Plain:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: p, ProtocolType: HTTP}
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: w, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
`
	m, err := build(t, "t.yaml", quick+`  Ov:
    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides
    Properties:
      ApiId: !Ref Quick
      Route: {AuthorizationType: CUSTOM, AuthorizerId: !Ref Lam, OperationName: all}
      Integration: {IntegrationMethod: post, TimeoutInMillis: 2000}
      Stage: {AutoDeploy: false, RouteSettings: {$default: {ThrottlingRateLimit: 3, ThrottlingBurstLimit: 4}}}
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := m.HTTPAPIs[0]
	rt, in, st := api.RouteList[0], api.Integrations[0], api.Stages[0]
	if rt.AuthorizationType != "CUSTOM" || rt.Authorizer == nil || rt.Authorizer.Name != "lam" || rt.OperationName != "all" || rt.Integration != in {
		t.Errorf("route: %+v", rt)
	}
	if in.Method != "POST" || in.Timeout.Milliseconds() != 2000 || in.PayloadFormatVersion != "2.0" {
		t.Errorf("integration: %+v", in)
	}
	if st.AutoDeploy || st.RouteThrottles["$default"] != (Throttle{Rate: 3, Burst: 4}) {
		t.Errorf("stage: %+v", st)
	}
	for _, c := range []struct{ name, src, want string }{
		{"not quick-created", quick + others + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Plain, Route: {AuthorizationType: AWS_IAM}}\n",
			"t.yaml:24:37: Ov.Properties.Route: Plain has no quick create (no Target), so there is no route of API Gateway's to override: declare the route as an AWS::ApiGatewayV2::Route"},
		{"WebSocket API", quick + others + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Ws, Stage: {Description: d}}\n",
			"t.yaml:24:18: Ov.Properties.ApiId: Ws is a WebSocket API: ApiGatewayManagedOverrides override what quick create makes for an HTTP API (one with a Target)"},
		{"two overrides", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Stage: {Description: d}}\n" +
			"  Ov2:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Stage: {Description: e}}\n",
			"t.yaml:21:18: Ov2.Properties.ApiId: Quick's quick-created resources are already overridden by Ov"},
		{"authorizer of the wrong type", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Route: {AuthorizationType: JWT, AuthorizerId: !Ref Lam}}\n",
			"t.yaml:18:45: Quick.Ov.Properties.Route.AuthorizationType: a JWT route takes a JWT authorizer; Lam is REQUEST"},
		{"unknown authorizer", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Route: {AuthorizationType: JWT, AuthorizerId: abc}}\n",
			`t.yaml:18:69: Quick.Ov.Properties.Route.AuthorizerId: "abc" is not an Authorizer of this template's HTTP APIs`},
		{"payload version", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Integration: {PayloadFormatVersion: '3.0'}}\n",
			`t.yaml:18:51: Quick.Ov.Properties.Integration.PayloadFormatVersion: must be 1.0 or 2.0, not "3.0"`},
		{"JWT without an authorizer", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Route: {AuthorizationType: JWT}}\n",
			"t.yaml:18:37: Quick.Ov.Properties.Route.AuthorizerId: a JWT route needs an AuthorizerId"},
		{"unknown property", quick + "  Ov:\n    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides\n    Properties: {ApiId: !Ref Quick, Route: {RouteKey: GET /}}\n",
			"t.yaml:18:45: Ov.Properties.Route.RouteKey: unknown property RouteKey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
}

// An integration resource's ResponseParameters may be written as
// CloudFormation documents them (ResponseParameterMap: a list of
// Destination and Source per status code) or as the API's own map; both
// give the same mappings, located where they are written.
func TestHTTPResponseParameterMap(t *testing.T) {
	src := httpHead + `  Proxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Http
      IntegrationType: HTTP_PROXY
      IntegrationMethod: ANY
      IntegrationUri: https://backend.example.com
      ResponseParameters:
        '404':
          ResponseParameters:
            - {Destination: 'overwrite:statuscode', Source: '410'}
            - {Destination: 'append:header.x-from', Source: static}
        '200': {append:header.x-a: a}
`
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := m.HTTPAPIs[0].Integrations[1]
	got := ""
	for _, code := range sortedKeys(in.ResponseParameters) {
		for _, pm := range in.ResponseParameters[code] {
			got += code + " " + pm.Op + ":" + pm.Target + "." + pm.Name + "=" + pm.Value + ";"
		}
	}
	if got != "200 append:header.x-a=a;404 overwrite:statuscode.=410;404 append:header.x-from=static;" {
		t.Errorf("mappings: %s", got)
	}
	bad := strings.Replace(src, "'overwrite:statuscode'", "'overwrite:header.Origin'", 1)
	_, err = build(t, "t.yaml", bad, Options{})
	want := `t.yaml:40:16: Proxy.Properties.ResponseParameters.404.ResponseParameters[0].Destination: "overwrite:header.Origin": Origin is a reserved header`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}
