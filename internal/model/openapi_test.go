package model

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

// bodyHead declares an API whose Body starts at line 6 (the paths at 9)
// and its stage; each case adds the body's paths after it.
const bodyHead = `Resources:
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: '2.0'
        info: {title: t, version: '1'}
`

func TestOpenAPIErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown integration type", bodyHead + `        paths:
          /users/{id}:
            get:
              x-amazon-apigateway-integration: {type: bogus}
`, []string{`t.yaml:14:49: Api.Properties.Body.paths./users/{id}.get.x-amazon-apigateway-integration.type: "BOGUS" is not an integration type`}},
		{"aws refused", bodyHead + `        paths:
          /users:
            post:
              x-amazon-apigateway-integration:
                type: aws
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:dynamodb:action/PutItem
`, []string{"t.yaml:15:17: Api.Properties.Body.paths./users.post.x-amazon-apigateway-integration.type: AWS service integrations"}},
		{"uri names no function", bodyHead + `        paths:
          /users/{id}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
`, []string{`t.yaml:17:17: Api.Properties.Body.paths./users/{id}.get.x-amazon-apigateway-integration.uri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared in the template`}},
		{"bad path", bodyHead + `        paths:
          /users//x:
            get:
              x-amazon-apigateway-integration: {type: mock}
          /a/{b+}/c:
            get:
              x-amazon-apigateway-integration: {type: mock}
`, []string{`t.yaml:12:11: Api.Properties.Body.paths./users//x: API Gateway refuses the path`, `t.yaml:15:11: Api.Properties.Body.paths./a/{b+}/c: greedy path part`}},
		{"unknown model", bodyHead + `        paths:
          /users:
            post:
              parameters:
                - {name: body, in: body, schema: {$ref: '#/definitions/User'}}
              x-amazon-apigateway-integration: {type: mock}
`, []string{`t.yaml:15:51: Api.Properties.Body.paths./users.post.parameters[0].schema.$ref: $ref "#/definitions/User": the document has no model User`}},
		{"no integration", bodyHead + `        paths:
          /users:
            get: {responses: {}}
`, []string{`t.yaml:13:13: Api.Properties.Body.paths./users.get.x-amazon-apigateway-integration: the method has no Integration`}},
		{"unknown key and HTTP API extension", bodyHead + `        x-amazon-apigateway-cors: {allowOrigins: ['*']}
        paths:
          /users:
            get:
              x-amazon-apigateway-integration: {type: mock, payloadFormatVersion: '2.0'}
`, []string{`t.yaml:11:9: Api.Properties.Body.x-amazon-apigateway-cors: x-amazon-apigateway-cors applies to HTTP APIs`,
			`Api.Properties.Body.paths./users.get.x-amazon-apigateway-integration.payloadFormatVersion: unknown property payloadFormatVersion: it applies to HTTP APIs only`}},
		{"unknown security scheme and validator", bodyHead + `        paths:
          /users:
            get:
              security: [{nope: []}]
              x-amazon-apigateway-request-validator: all
              x-amazon-apigateway-integration: {type: mock}
`, []string{`t.yaml:14:27: Api.Properties.Body.paths./users.get.security[0].nope: "nope" is not a security scheme`,
			`t.yaml:15:15: Api.Properties.Body.paths./users.get.x-amazon-apigateway-request-validator: "all" is not a validator`}},
		{"not openapi", `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body: {paths: {}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`, []string{"t.yaml:5:7: Api.Properties.Body: not an OpenAPI 3.0/3.1 or Swagger 2.0 document"}},
		{"s3 refused", `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      BodyS3Location: s3://bucket/apis/openapi.yaml
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`, []string{"t.yaml:5:7: Api.Properties.BodyS3Location: BodyS3Location s3://bucket/apis/openapi.yaml: apigw reads local files only: download it (aws s3 cp s3://bucket/apis/openapi.yaml ./openapi.yaml)"}},
		{"s3 map refused", `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      BodyS3Location: {Bucket: b, Key: k/api.json}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`, []string{"BodyS3Location: ./api.json (aws s3 cp s3://b/k/api.json ./api.json)"}},
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

// A body's security, validators, models, gateway responses and top-level
// settings land in the model as the resources would put them.
func TestOpenAPIFeatures(t *testing.T) {
	src := `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        openapi: 3.0.1
        info: {title: feat, version: '1'}
        x-amazon-apigateway-api-key-source: HEADER
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
        x-amazon-apigateway-request-validator: all
        x-amazon-apigateway-gateway-responses:
          DEFAULT_4XX:
            statusCode: 418
            responseParameters: {gatewayresponse.header.X-Test: "'t'"}
        x-amazon-apigateway-unknown-thing: 1
        components:
          schemas:
            User:
              type: object
              required: [name]
              properties: {name: {type: string}, friend: {$ref: '#/components/schemas/Friend'}}
            Friend: {type: object}
          securitySchemes:
            api_key: {type: apiKey, name: x-api-key, in: header}
            sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
            tok:
              type: apiKey
              name: Authorization
              in: header
              x-amazon-apigateway-authtype: custom
              x-amazon-apigateway-authorizer:
                type: token
                authorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations
                authorizerResultTtlInSeconds: 0
        paths:
          /users/{id}:
            post:
              security: [{api_key: [], tok: []}]
              parameters:
                - {name: id, in: path, required: true, schema: {type: string}}
                - {name: q, in: query, required: true, schema: {type: string}}
              requestBody:
                content:
                  application/json: {schema: {$ref: '#/components/schemas/User'}}
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
            get:
              security: [{sigv4: []}]
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
  Auth:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: index.handler, Role: r, Code: {ZipFile: 'x'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	api := m.RestAPIs[0]
	var post, get *Method
	for _, me := range api.Methods {
		switch me.HTTPMethod {
		case "POST":
			post = me
		case "GET":
			get = me
		}
	}
	if post == nil || get == nil {
		t.Fatalf("methods: %v", api.Methods)
	}
	if post.AuthorizationType != "CUSTOM" || post.Authorizer == nil || post.Authorizer.Type != "TOKEN" || post.Authorizer.IdentityHeader != "Authorization" || post.Authorizer.Target == nil || post.Authorizer.TTL != 0 {
		t.Errorf("post authorization: %+v %+v", post, post.Authorizer)
	}
	if !post.APIKeyRequired || get.APIKeyRequired || get.AuthorizationType != "AWS_IAM" {
		t.Errorf("api key / iam: %v %v %s", post.APIKeyRequired, get.APIKeyRequired, get.AuthorizationType)
	}
	if post.Validator == nil || !post.Validator.Body || !post.Validator.Params || post.Validator.Name != "all" {
		t.Errorf("validator: %+v", post.Validator)
	}
	if !post.RequestParameters["method.request.path.id"] || !post.RequestParameters["method.request.querystring.q"] {
		t.Errorf("params: %v", post.RequestParameters)
	}
	dm := post.RequestModels["application/json"]
	if dm == nil || dm.Name != "User" || dm.Compiled == nil || !strings.Contains(dm.Schema, ModelURL("api", "Friend")) {
		t.Errorf("model: %+v", dm)
	}
	if len(m.GatewayResponses) != 1 || m.GatewayResponses[0].StatusCode != 418 || m.GatewayResponses[0].Headers[0].Value != "t" {
		t.Errorf("gateway responses: %+v", m.GatewayResponses)
	}
	if !strings.Contains(strings.Join(m.Notes, "\n"), "x-amazon-apigateway-unknown-thing") {
		t.Errorf("unknown extension not noted: %v", m.Notes)
	}
}

// BodyS3Location names a local file, relative to the template; errors in
// it name it and its line. A Body may be a JSON string.
func TestOpenAPIFiles(t *testing.T) {
	dir := t.TempDir()
	doc := `{
  "swagger": "2.0",
  "info": {"title": "file", "version": "1"},
  "paths": {
    "/users": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}}},
    "/bad": {"get": {"x-amazon-apigateway-integration": {"type": "nope"}}}
  }
}`
	os.WriteFile(filepath.Join(dir, "openapi.json"), []byte(doc), 0o644)
	tplSrc := `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      BodyS3Location: ./openapi.json
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
	file := filepath.Join(dir, "t.yaml")
	tpl, err := template.Parse(file, []byte(tplSrc), template.Options{Types: Types()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(tpl, Options{Region: "us-east-1", AccountID: "123456789012"})
	want := filepath.Join(dir, "openapi.json") + `:6:58: Api.BodyS3Location.paths./bad.get.x-amazon-apigateway-integration.type: "NOPE" is not an integration type`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %s", err, want)
	}
	if len(tpl.Includes) != 1 || tpl.Includes[0] != filepath.Join(dir, "openapi.json") {
		t.Errorf("the file is not watched: %v", tpl.Includes)
	}
	// A JSON string Body.
	src := `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body: '{"openapi": "3.0.0", "info": {"title": "s", "version": "1"}, "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}'
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.RestAPIs[0].Name != "s" || len(m.RestAPIs[0].Methods) != 1 || m.RestAPIs[0].Methods[0].Resource.Path != "/x" {
		t.Errorf("string body: %+v", m.RestAPIs[0])
	}
}

// FuzzOpenAPI: no body makes the decoder panic or hang.
func FuzzOpenAPI(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil && strings.Contains(string(data), "Body:") {
			f.Add(string(data))
		}
	}
	f.Add(bodyHead + "        paths: {/a/{b}: {get: {x-amazon-apigateway-integration: {type: mock}}}}\n")
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := template.Parse("f.yaml", []byte(src), template.Options{Types: Types(), ReadFile: func(string) ([]byte, error) { return nil, os.ErrNotExist }})
		if err != nil {
			return
		}
		Build(tpl, Options{Region: "us-east-1", AccountID: "123456789012"})
	})
}
