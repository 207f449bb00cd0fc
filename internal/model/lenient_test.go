package model

import (
	"errors"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

// What AWS deploys although it cannot work, or ignores, is a note (and,
// for a broken method, a 500 at call time), not a refusal of the whole
// template; what AWS refuses, or what a method would use, stays an error.
// Each "note" case was refused before.

const lenientFn = `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
`

// lenientCFN is a REST API of resources with one GET method on /items whose
// integration and authorization each case gives (method), plus extra
// resources.
func lenientCFN(method, extra string) string {
	return `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: lenient}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
` + method + `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [Get]
    Properties: {RestApiId: !Ref Api, StageName: prod}
` + lenientFn + extra
}

const lenientProxy = `      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
`

const lenientMissingAuth = `  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: missing
      Type: TOKEN
      IdentitySource: method.request.header.Authorization
      AuthorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
`

// lenientBody is a REST API whose Swagger body has the given
// securityDefinitions and paths (indented under the body), with
// FailOnWarnings when failOnWarnings.
func lenientBody(failOnWarnings bool, body string) string {
	fow := ""
	if failOnWarnings {
		fow = "      FailOnWarnings: true\n"
	}
	return `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
` + fow + `      Body:
        swagger: '2.0'
        info: {title: lenient}
` + body + `  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
` + lenientFn
}

const lenientSwaggerAuth = `        securityDefinitions:
          LambdaTokenAuthorizer:
            type: apiKey
            in: header
            name: Authorization
            x-amazon-apigateway-authtype: custom
            x-amazon-apigateway-authorizer:
              type: token
              authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
`

// lenientOp is a GET operation on path calling Fn with httpMethod, with
// security and parameters lines (indented as an operation's keys) when
// not "".
func lenientOp(path, httpMethod, security, parameters string) string {
	return `        paths:
          ` + path + `:
            get:
` + security + parameters + `              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: ` + httpMethod + `
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
`
}

func TestLenient(t *testing.T) {
	cases := []struct {
		name, src string
		// note is a note the model must have ("" for none); err an error
		// Build must return ("" for none).
		note, err string
	}{
		// 1. An authorizer no method uses, whose function is not the
		// template's: AWS creates it and never invokes it.
		{"CFN authorizer used by no method", lenientCFN(lenientProxy, lenientMissingAuth),
			`Auth: Properties.AuthorizerUri: authorizer missing is used by no method: not checked further (its function "arn:aws:lambda:us-east-1:123456789012:function:auth" is not declared in the template)`, ""},
		{"CFN authorizer a method uses", lenientCFN("      AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Auth\n"+lenientProxy, lenientMissingAuth),
			"", `Auth.Properties.AuthorizerUri: function "arn:aws:lambda:us-east-1:123456789012:function:auth" is not declared in the template`},
		{"Swagger authorizer used by no method", lenientBody(false, lenientSwaggerAuth+lenientOp("/", "POST", "", "")),
			`Api: Properties.Body.securityDefinitions.LambdaTokenAuthorizer.x-amazon-apigateway-authorizer.authorizerUri: authorizer LambdaTokenAuthorizer is used by no method: not checked further`, ""},
		{"Swagger authorizer a method uses", lenientBody(false, lenientSwaggerAuth+lenientOp("/", "POST", "              security: [{LambdaTokenAuthorizer: []}]\n", "")),
			"", `Api.Properties.Body.securityDefinitions.LambdaTokenAuthorizer.x-amazon-apigateway-authorizer.authorizerUri: function "arn:aws:lambda:us-east-1:123456789012:function:auth" is not declared in the template`},

		// 2. AWS_PROXY with another HTTP method than POST: deployed, 500
		// when called.
		{"CFN AWS_PROXY with GET", lenientCFN(strings.Replace(lenientProxy, "POST", "GET", 1), ""),
			"Get: Properties.Integration.IntegrationHttpMethod: an AWS_PROXY integration with IntegrationHttpMethod GET is deployed by API Gateway, but Lambda is invoked with POST only: the method answers 500 Internal server error (API configuration error) when called", ""},
		{"Swagger aws_proxy with GET", lenientBody(false, lenientOp("/", "GET", "", "")),
			"Api: Properties.Body.paths./.get.x-amazon-apigateway-integration.httpMethod: an AWS_PROXY integration with IntegrationHttpMethod GET is deployed", ""},
		{"Swagger aws_proxy with PUT", lenientBody(false, lenientOp("/", "put", "", "")),
			"with IntegrationHttpMethod PUT is deployed", ""},
		{"CFN AWS_PROXY without IntegrationHttpMethod", lenientCFN(strings.Replace(lenientProxy, "        IntegrationHttpMethod: POST\n", "", 1), ""),
			"", `Get.Properties.Integration.IntegrationHttpMethod: must be POST for AWS_PROXY (Lambda is invoked with POST), not ""`},
		{"CFN AWS_PROXY with FETCH", lenientCFN(strings.Replace(lenientProxy, "POST", "FETCH", 1), ""),
			"", `Get.Properties.Integration.IntegrationHttpMethod: must be POST for AWS_PROXY (Lambda is invoked with POST), not "FETCH"`},

		// 3. Parameters API Gateway's import cannot use: ignored with a
		// warning, an error under FailOnWarnings.
		{"path parameter without in", lenientBody(false, `        paths:
          /items/{status}:
            parameters:
              - status: {in: path, name: status, schema: {type: string}}
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
`), "Api: Properties.Body.paths./items/{status}.parameters[0]: the parameter has no in (path, query, header or body): API Gateway's import ignores it with a warning (FailOnWarnings is not set)", ""},
		{"operation parameter with an empty in", lenientBody(false, lenientOp("/items", "POST", "", "              parameters: [{in: '', name: q}]\n")),
			`Api: Properties.Body.paths./items.get.parameters[0]: parameter "q" has no in (path, query, header or body): API Gateway's import ignores it`, ""},
		{"operation parameter with an unknown in", lenientBody(false, lenientOp("/items", "POST", "", "              parameters: [{in: cookies, name: q}]\n")),
			`parameter "q": in must be path, query, header or body, not "cookies": API Gateway's import ignores it`, ""},
		{"formData parameter", lenientBody(false, lenientOp("/items", "POST", "", "              parameters: [{in: formData, name: email, type: string}]\n")),
			`parameter "email": formData parameters are not request parameters API Gateway checks or maps: API Gateway's import ignores it`, ""},
		{"parameter without in, FailOnWarnings", lenientBody(true, lenientOp("/items", "POST", "", "              parameters: [{name: q, type: string}]\n")),
			"", `Api.Properties.Body.paths./items.get.parameters[0]: parameter "q" has no in (path, query, header or body) (API Gateway warns and ignores it; FailOnWarnings makes that fail the import)`},
		{"formData parameter, FailOnWarnings", lenientBody(true, lenientOp("/items", "POST", "", "              parameters: [{in: formData, name: email, type: string}]\n")),
			"", `parameter "email": formData parameters are not request parameters API Gateway checks or maps (API Gateway warns`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := build(t, "t.yaml", c.src, Options{})
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.err != "":
				var list template.ErrorList
				if !errors.As(err, &list) {
					t.Fatalf("error %v (%T), want an ErrorList with %q", err, err, c.err)
				}
				if !strings.Contains(err.Error(), c.err) {
					t.Fatalf("errors:\n%v\nwant one with %q", err, c.err)
				}
				return
			}
			notes := strings.Join(m.Notes, "\n")
			if !strings.Contains(notes, c.note) {
				t.Errorf("notes:\n%s\nwant one with %q", notes, c.note)
			}
		})
	}
}

// TestLenientBroken: an AWS_PROXY method with another HTTP method than POST
// is in the model, its integration Broken (the gateway answers 500), and
// another method of the API is not.
func TestLenientBroken(t *testing.T) {
	src := lenientBody(false, lenientOp("/", "GET", "", "")+`          /ok:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
`)
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]string{}
	for _, meth := range m.RestAPIs[0].Methods {
		broken[meth.Resource.Path] = meth.Integration.Broken
		if meth.Integration.Target == nil {
			t.Errorf("%s: no target function", meth.Resource.Path)
		}
	}
	if want := "IntegrationHttpMethod is GET: Lambda is invoked with POST only"; broken["/"] != want {
		t.Errorf("/: Broken %q, want %q", broken["/"], want)
	}
	if broken["/ok"] != "" {
		t.Errorf("/ok: Broken %q", broken["/ok"])
	}
}
