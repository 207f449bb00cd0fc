package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The same API four ways: AWS::ApiGateway::Resource and Method resources,
// a Swagger 2.0 Body, an OpenAPI 3 Body, and a Swagger file named by
// BodyS3Location. Each answers every request exactly as the others do (ids
// aside): HTTP_PROXY with a path mapping and a greedy ANY, a MOCK CORS
// preflight, a python AWS_PROXY function, API Gateway's 403 for no route.

const openAPIFunction = `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: twin-fn
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              return {"statusCode": 201, "headers": {"Content-Type": "application/json", "X-Fn": "yes"},
                      "body": json.dumps({"resource": event["resource"], "path": event["path"], "method": event["httpMethod"],
                                          "params": event["pathParameters"], "stage": event["requestContext"]["stage"]})}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

const openAPIResources = `Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: twins}
  Users:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: users}
  User:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Users, PathPart: '{id}'}
  Files:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: files}
  FilesProxy:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Files, PathPart: '{proxy+}'}
  FnRes:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: fn}
  FnName:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref FnRes, PathPart: '{name}'}
  GetUser:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref User
      HttpMethod: GET
      RequestParameters: {method.request.path.id: true}
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: GET
        Uri: !Sub '${Backend}/people/{id}'
        RequestParameters: {integration.request.path.id: method.request.path.id, integration.request.header.X-From: "'twin'"}
  AnyFiles:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref FilesProxy
      HttpMethod: ANY
      RequestParameters: {method.request.path.proxy: true}
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: ANY
        Uri: !Sub '${Backend}/store/{proxy}'
        RequestParameters: {integration.request.path.proxy: method.request.path.proxy}
  Options:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: OPTIONS
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseParameters:
              method.response.header.Access-Control-Allow-Origin: "'https://example.com'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
            ResponseTemplates: {application/json: '{"cors":true}'}
      MethodResponses:
        - StatusCode: 200
          ResponseParameters: {method.response.header.Access-Control-Allow-Origin: true, method.response.header.Access-Control-Allow-Methods: true}
  GetFn:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref FnName
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
` + openAPIFunction

// openAPISwagger is the Swagger 2.0 document; BACKEND and URI are
// replaced (by !Sub in a Body, by the test in a file).
const openAPISwagger = `swagger: '2.0'
info: {title: twins, version: '1'}
paths:
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, type: string}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: BACKEND/people/{id}
        requestParameters: {integration.request.path.id: method.request.path.id, integration.request.header.X-From: "'twin'"}
  /files/{proxy+}:
    x-amazon-apigateway-any-method:
      parameters: [{name: proxy, in: path, required: true, type: string}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: BACKEND/store/{proxy}
        requestParameters: {integration.request.path.proxy: method.request.path.proxy}
  /users:
    options:
      responses:
        '200':
          description: ok
          headers:
            Access-Control-Allow-Origin: {type: string}
            Access-Control-Allow-Methods: {type: string}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses:
          default:
            statusCode: '200'
            responseParameters:
              method.response.header.Access-Control-Allow-Origin: "'https://example.com'"
              method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
            responseTemplates: {application/json: '{"cors":true}'}
  /fn/{name}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: URI
`

const openAPIv3 = `        openapi: 3.0.1
        info: {title: twins, version: '1'}
        paths:
          /users/{id}:
            get:
              parameters: [{name: id, in: path, required: true, schema: {type: string}}]
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: !Sub '${Backend}/people/{id}'
                requestParameters: {integration.request.path.id: method.request.path.id, integration.request.header.X-From: "'twin'"}
          /files/{proxy+}:
            x-amazon-apigateway-any-method:
              parameters: [{name: proxy, in: path, required: true, schema: {type: string}}]
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: ANY
                uri: !Sub '${Backend}/store/{proxy}'
                requestParameters: {integration.request.path.proxy: method.request.path.proxy}
          /users:
            options:
              responses:
                '200':
                  description: ok
                  headers:
                    Access-Control-Allow-Origin: {schema: {type: string}}
                    Access-Control-Allow-Methods: {schema: {type: string}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses:
                  default:
                    statusCode: '200'
                    responseParameters:
                      method.response.header.Access-Control-Allow-Origin: "'https://example.com'"
                      method.response.header.Access-Control-Allow-Methods: "'GET,OPTIONS'"
                    responseTemplates: {application/json: '{"cors":true}'}
          /fn/{name}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
`

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestOpenAPITwins(t *testing.T) {
	be := newBackend(t, "be", nil)
	param := "Backend=" + be.URL
	head := "Parameters:\n  Backend: {Type: String}\nResources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties:\n"
	swaggerBody := strings.NewReplacer("BACKEND", "${Backend}", "URI", "${Uri}").Replace(openAPISwagger)
	// In the template, the body's placeholders are a !Sub's.
	swaggerTpl := head + "      Body:\n        Fn::Sub:\n          - |\n" + indent(swaggerBody, "            ") +
		"          - Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations\n" + openAPIFunction
	fileDoc := strings.NewReplacer("BACKEND", be.URL, "URI", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:twin-fn/invocations").Replace(openAPISwagger)
	fileTplPath := writeFile(t, "file.yaml", head+"      BodyS3Location: ./swagger.yaml\n"+openAPIFunction)
	if err := os.WriteFile(filepath.Join(filepath.Dir(fileTplPath), "swagger.yaml"), []byte(fileDoc), 0o644); err != nil {
		t.Fatal(err)
	}
	twins := []struct{ name, path string }{
		{"resources", writeFile(t, "resources.yaml", openAPIResources)},
		{"swagger", writeFile(t, "swagger.yaml", swaggerTpl)},
		{"openapi3", writeFile(t, "openapi3.yaml", head+"      Body:\n"+openAPIv3+openAPIFunction)},
		{"bodys3location", fileTplPath},
	}
	requests := []req{
		{Method: "GET", URL: "/prod/users/42?x=1"},
		{Method: "POST", URL: "/prod/files/a/b.txt", Body: "hello", Header: map[string]string{"Content-Type": "text/plain"}},
		{Method: "DELETE", URL: "/prod/files/c"},
		{Method: "OPTIONS", URL: "/prod/users"},
		{Method: "GET", URL: "/prod/fn/abc"},
		{Method: "GET", URL: "/prod/nope"},
		{Method: "POST", URL: "/prod/users/42"},
	}
	type answer struct {
		status                int
		body, ctype, fn, cors string
		backend               string
	}
	var want []answer
	for _, tw := range twins {
		t.Run(tw.name, func(t *testing.T) {
			in := startAPIGW(t, tw.path, "--param", param)
			for i, r := range requests {
				before := be.count()
				r.URL = in.URL(r.URL)
				resp := do(t, r)
				a := answer{status: resp.Status, body: string(resp.Body), ctype: resp.Header.Get("Content-Type"), fn: resp.Header.Get("X-Fn"),
					cors: resp.Header.Get("Access-Control-Allow-Origin") + "|" + resp.Header.Get("Access-Control-Allow-Methods")}
				if be.count() > before {
					last := be.last(t)
					a.backend = last.Method + " " + last.RequestURI + " " + last.Header.Get("X-From") + " " + string(last.Body)
				}
				if want == nil || len(want) <= i {
					want = append(want, a)
					continue
				}
				if a != want[i] {
					t.Errorf("%s %s: %+v, the resource-based twin answered %+v", r.Method, r.URL, a, want[i])
				}
			}
		})
	}
	// What the resource-based API answers is API Gateway's.
	if len(want) == len(requests) {
		checks := []struct {
			i      int
			status int
			has    string
		}{
			{0, http.StatusOK, `"uri":"/people/42?x=1"`}, {1, http.StatusOK, `"uri":"/store/a/b.txt"`}, {2, http.StatusOK, `"method":"DELETE"`},
			{3, http.StatusOK, `{"cors":true}`}, {4, 201, `"resource": "/fn/{name}"`}, {5, http.StatusForbidden, `Missing Authentication Token`},
			{6, http.StatusForbidden, `Missing Authentication Token`},
		}
		for _, c := range checks {
			if want[c.i].status != c.status || !strings.Contains(want[c.i].body, c.has) {
				t.Errorf("request %d: %+v, want %d with %s", c.i, want[c.i], c.status, c.has)
			}
		}
		if want[0].backend != "GET /people/42?x=1 twin " || want[3].cors != "https://example.com|GET,OPTIONS" || want[4].fn != "yes" {
			t.Errorf("answers: %+v", want)
		}
	}
}
