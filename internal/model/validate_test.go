package model

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/template"
)

// TestErrorPositions pins the file, line and column of representative
// errors. Each points at the key of the property its message names (the
// marker on that line), never at its value nor, for a block map or list, at
// the value's first entry; a property that is not written is located at its
// parent's key: the Properties key, or the resource's logical ID when it
// has no Properties. An error in a file that AWS::Include inserts names that
// file and its line and column.
func TestErrorPositions(t *testing.T) {
	cases := []struct {
		name, src string
		files     map[string]string // the files the template includes
		file      string            // the error's file ("" for t.yaml)
		line      int               // the error's line in that file
		marker    string            // its column: where marker starts on that line
		want      string            // the rest of the message
	}{
		{name: "unknown property in a block map", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: MOCK
        Timeout: 5
`, line: 25, marker: "Timeout", want: "Get.Properties.Integration.Timeout: unknown property Timeout: the integration timeout is TimeoutInMillis"},
		{name: "unknown property in a flow map", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration: {Type: MOCK, Timeout: 5}
`, line: 23, marker: "Timeout", want: "Get.Properties.Integration.Timeout: unknown property Timeout: the integration timeout is TimeoutInMillis"},
		{name: "wrong type", src: head + `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: r
      Code: {ZipFile: x}
      Timeout: soon
`, line: 22, marker: "Timeout", want: `Fn.Properties.Timeout: expected an integer, got "soon"`},
		{name: "wrong type: a block map for a list", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      MethodResponses:
        StatusCode: 200
      Integration: {Type: MOCK}
`, line: 23, marker: "MethodResponses", want: "Get.Properties.MethodResponses: expected a list, got a map"},
		{name: "wrong type: a flow map for a list", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      MethodResponses: {StatusCode: 200}
      Integration: {Type: MOCK}
`, line: 23, marker: "MethodResponses", want: "Get.Properties.MethodResponses: expected a list, got a map"},
		{name: "wrong type: a block list for a string", src: head + `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: r
      Code: {ZipFile: x}
      Handler:
        - index.handler
`, line: 22, marker: "Handler", want: "Fn.Properties.Handler: expected a string, got a list"},
		{name: "wrong type: a block list for a map of properties", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        - Type: MOCK
`, line: 23, marker: "Integration", want: "Get.Properties.Integration: expected a map of properties, got a list"},
		{name: "refused AuthorizationType", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: BOGUS
      Integration: {Type: MOCK}
`, line: 23, marker: "AuthorizationType", want: "Get.Properties.AuthorizationType: \"BOGUS\" is not an authorization type"},
		{name: "missing required property", src: head + `  Part:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Users
`, line: 19, marker: "Properties", want: "Part.Properties.PathPart: required property PathPart is missing"},
		{name: "missing required property without Properties", src: head + `  Part:
    Type: AWS::ApiGateway::Resource
`, line: 17, marker: "Part", want: "Part.Properties.RestApiId: required property RestApiId is missing"},
		{name: "missing required property in a list item", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration: {Type: MOCK}
      MethodResponses:
        - ResponseModels: {}
`, line: 25, marker: "ResponseModels", want: "Get.Properties.MethodResponses[0].StatusCode: required property StatusCode is missing"},
		{name: "method without integration", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
`, line: 19, marker: "Properties", want: "Get.Properties.Integration: the method has no Integration"},
		{name: "missing integration type", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Uri: 'http://example.com'
`, line: 23, marker: "Integration", want: "Get.Properties.Integration.Type: required property Type is missing"},
		{name: "bad MOCK template", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{"statusCode": 700}'
`, line: 26, marker: "application/json", want: "Get.Properties.Integration.RequestTemplates.application/json: statusCode 700 is not an HTTP status"},
		{name: "duplicate route", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref Users, HttpMethod: GET, Integration: {Type: MOCK}}
  Get2:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref Users, HttpMethod: get, Integration: {Type: MOCK}}
`, line: 22, marker: "HttpMethod", want: "Get2.Properties.HttpMethod: GET /users is already declared by Get"},
		{name: "unknown property in an included snippet", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Fn::Transform: {Name: AWS::Include, Parameters: {Location: integration.yaml}}
`, files: map[string]string{"integration.yaml": "AuthorizationType: BOGUS\nIntegration:\n  Type: MOCK\n  Timeout: 5\n"},
			file: "integration.yaml", line: 4, marker: "Timeout", want: "Get.Properties.Integration.Timeout: unknown property Timeout"},
		{name: "refused AuthorizationType in an included snippet", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Fn::Transform: {Name: AWS::Include, Parameters: {Location: integration.yaml}}
`, files: map[string]string{"integration.yaml": "Integration: {Type: MOCK}\nAuthorizationType: BOGUS\n"},
			file: "integration.yaml", line: 2, marker: "AuthorizationType", want: "Get.Properties.AuthorizationType: \"BOGUS\" is not an authorization type"},
		{name: "missing property of Properties included whole", src: head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      Fn::Transform: {Name: AWS::Include, Parameters: {Location: props.yaml}}
`, files: map[string]string{"props.yaml": "RestApiId: {Ref: Api}\nResourceId: {Ref: Users}\nIntegration: {Type: MOCK}\n"},
			line: 19, marker: "Properties", want: "Get.Properties.HttpMethod: required property HttpMethod is missing"},
		{name: "resource in an included snippet", src: head + `  Fn::Transform: {Name: AWS::Include, Parameters: {Location: resources.yaml}}
`, files: map[string]string{"resources.yaml": "Part:\n  Type: AWS::ApiGateway::Resource\n  Properties:\n    RestApiId: {Ref: Api}\n    ParentId: {Ref: Users}\n"},
			file: "resources.yaml", line: 3, marker: "Properties", want: "Part.Properties.PathPart: required property PathPart is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := buildFiles(t, "t.yaml", c.src, c.files, Options{})
			var list template.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err %v, want an ErrorList", err)
			}
			file, src := "t.yaml", c.src
			if c.file != "" {
				file, src = c.file, c.files[c.file]
			}
			lines := strings.Split(src, "\n")
			if c.line > len(lines) {
				t.Fatalf("%s has no line %d", file, c.line)
			}
			col := strings.Index(lines[c.line-1], c.marker) + 1
			if col == 0 {
				t.Fatalf("no %q on line %d of %s", c.marker, c.line, file)
			}
			for _, e := range list {
				if strings.Contains(e.Error(), c.want) {
					if e.File != file || e.Line != c.line || e.Col != col {
						t.Errorf("%s at %s:%d:%d, want %s:%d:%d", c.want, e.File, e.Line, e.Col, file, c.line, col)
					}
					return
				}
			}
			t.Errorf("no error %q in:\n%v", c.want, err)
		})
	}
}

const mockMethod = `  Get:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref Users, HttpMethod: GET, Integration: {Type: MOCK}}
`

func TestEmptyPolicyIsNone(t *testing.T) {
	for _, policy := range []string{`""`, `{}`, `{Version: "2012-10-17", Statement: []}`, `'{"Version": "2012-10-17", "Statement": []}'`, `'{}'`, `null`} {
		src := strings.Replace(head, "      Name: api\n", "      Name: api\n      Policy: "+policy+"\n", 1) + mockMethod
		m, err := build(t, "t.yaml", src, Options{})
		if err != nil {
			t.Errorf("Policy: %s: %v", policy, err)
			continue
		}
		if m.RestAPIs[0].Policy != "" {
			t.Errorf("Policy: %s: kept as %q", policy, m.RestAPIs[0].Policy)
		}
		if !strings.Contains(strings.Join(m.Notes, "\n"), "the Policy is empty") {
			t.Errorf("Policy: %s: no note in %q", policy, m.Notes)
		}
	}
	// A policy apigw can evaluate is served; one it cannot is refused at
	// the Policy key, saying why.
	good := `{Version: "2012-10-17", Statement: [{Effect: Deny, Principal: "*", Action: "execute-api:Invoke", Resource: "*"}]}`
	m, err := build(t, "t.yaml", strings.Replace(head, "      Name: api\n", "      Name: api\n      Policy: "+good+"\n", 1)+mockMethod, Options{})
	if err != nil || m.RestAPIs[0].ResourcePolicy == nil {
		t.Errorf("Policy %s: %v", good, err)
	}
	for policy, want := range map[string]string{
		`'{"Statement": [{"Effect": "Allow"}]}'`: "the statement has no Principal",
		`{Statement: {Effect: Allow}}`:           "the statement has no Principal",
		`"not json"`:                             "the policy is not a JSON document",
		`{Statement: [{Effect: Allow, Principal: "*", Action: "*", Resource: "*", Condition: {StringEquals: {"aws:SourceVpce": vpce-1}}}]}`: "cannot be evaluated locally",
	} {
		src := strings.Replace(head, "      Name: api\n", "      Name: api\n      Policy: "+policy+"\n", 1) + mockMethod
		_, err := build(t, "t.yaml", src, Options{})
		if err == nil || !strings.Contains(err.Error(), "t.yaml:6:7: Api.Properties.Policy: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("Policy: %s: err %v, want it refused at 6:7 with %q", policy, err, want)
		}
	}
}

// TestDecodeThenValidate: Decode reports the source's syntax, Validate the
// model's meaning, and Build both.
func TestDecodeThenValidate(t *testing.T) {
	src := head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref Users, HttpMethod: GET, ApiKeyRequired: true, AuthorizationType: BOGUS, Integration: {Type: MOCK}}
`
	tpl, err := template.Parse("t.yaml", []byte(src), template.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "s", Types: Types()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := Decode(tpl, Options{Region: "us-east-1", AccountID: "123456789012", StackName: "s"})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	api := m.RestAPIs[0]
	if api.Kind != KindREST || len(api.Methods) != 1 || !api.Methods[0].APIKeyRequired {
		t.Fatalf("decoded %+v", api)
	}
	err = Validate(m)
	if err == nil || !strings.Contains(err.Error(), "t.yaml:19:") || !strings.Contains(err.Error(), `Get.Properties.AuthorizationType: "BOGUS" is not an authorization type`) {
		t.Errorf("Validate: %v", err)
	}

	bad := strings.Replace(src, "ApiKeyRequired: true", "ApiKeyRequired: maybe", 1)
	tpl, err = template.Parse("t.yaml", []byte(bad), template.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "s", Types: Types()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(tpl, Options{}); err == nil || !strings.Contains(err.Error(), `ApiKeyRequired: expected a boolean, got "maybe"`) {
		t.Errorf("Decode: %v", err)
	}
}

// TestValidateBuiltModel validates a model no template produced, as an
// OpenAPI or SAM decoder would make one.
func TestValidateBuiltModel(t *testing.T) {
	root := &Resource{ID: "r", Path: "/", Methods: map[string]*Method{}}
	users := &Resource{ID: "u", LogicalID: "users", Path: "/users", PathPart: "users", Parent: root, Line: 4, Col: 3, Methods: map[string]*Method{}}
	get := &Method{LogicalID: "getUsers", Line: 7, Col: 5, HTTPMethod: "GET", Resource: users, AuthorizationType: "BOGUS",
		Props:       Props{"AuthorizationType": {Path: "paths./users.get.security", Pos: Pos{Line: 9, Col: 7}}},
		Integration: &Integration{Type: AWSProxy, HTTPMethod: "POST", Timeout: 29 * time.Second, URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations"}}
	users.Methods["GET"] = get
	api := &RestAPI{ID: "a", LogicalID: "openapi", Kind: KindREST, Line: 1, Col: 1, Root: root, Resources: []*Resource{root, users}, Methods: []*Method{get},
		Stages: []*Stage{{Name: "prod", Line: 1, Col: 1}}}
	m := &Model{File: "api.json", RestAPIs: []*RestAPI{api}}
	err := Validate(m)
	for _, want := range []string{
		"api.json:9:7: getUsers.paths./users.get.security: \"BOGUS\" is not an authorization type",
		`api.json:7:5: getUsers.Integration.Uri: function "arn:aws:lambda:us-east-1:123456789012:function:nope" is not declared`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}

	api.Kind = KindHTTP
	if err := Validate(m); err == nil || !strings.Contains(err.Error(), "api.json:1:1: openapi: an HTTP API is not a REST API: the model holds it in HTTPAPIs") {
		t.Errorf("HTTP API: %v", err)
	}
	api.Kind = KindWebSocket
	if err := Validate(m); err == nil || !strings.Contains(err.Error(), "api.json:1:1: openapi: a WEBSOCKET API is not a REST API") {
		t.Errorf("WebSocket API as a RestAPI: %v", err)
	}
	api.Kind = ""
	if err := Validate(m); err == nil || !strings.Contains(err.Error(), "the API has no kind") {
		t.Errorf("API without a kind: %v", err)
	}
	if err := Validate(&Model{File: "x"}); err == nil || !strings.Contains(err.Error(), "nothing to serve") {
		t.Errorf("empty model: %v", err)
	}
}

func TestLookupFunction(t *testing.T) {
	f := &Function{Name: "fn", LogicalID: "Fn", ARN: "arn:aws:lambda:us-east-1:123456789012:function:fn"}
	funcs := map[string]*Function{f.Name: f, f.LogicalID: f, f.ARN: f}
	for _, ref := range []string{"fn", "Fn", "fn:live", "fn:$LATEST", f.ARN, f.ARN + ":3", "123456789012:function:fn", "123456789012:function:fn:live"} {
		if LookupFunction(funcs, ref) != f {
			t.Errorf("%q not found", ref)
		}
	}
	for _, ref := range []string{"other", "fn:a:b", "arn:aws:lambda:us-east-1:1234:function:fn", "x/function:fn", ""} {
		if LookupFunction(funcs, ref) != nil {
			t.Errorf("%q found", ref)
		}
	}
}

func TestLambdaQualifierAndNames(t *testing.T) {
	fn := `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: FN_NAME
      Role: r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: URI
`
	src := strings.NewReplacer("FN_NAME", "fn", "URI", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn:live/invocations").Replace(head + fn)
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := m.RestAPIs[0].Resources[1].Methods["GET"].Integration
	if in.Target == nil || in.Target.LogicalID != "Fn" || in.Qualifier != "live" || in.Remote {
		t.Errorf("integration %+v", in)
	}
	if !strings.Contains(strings.Join(m.Notes, "\n"), "Get: the integration calls fn:live") {
		t.Errorf("notes %q", m.Notes)
	}

	src = strings.NewReplacer("FN_NAME", "my.fn", "URI", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:no.such/invocations").Replace(head + fn)
	_, err = build(t, "t.yaml", src, Options{})
	for _, want := range []string{
		`t.yaml:20:7: Fn.Properties.FunctionName: function name "my.fn" must be 1 to 64 letters, digits, '-' or '_'`,
		`t.yaml:34:9: Get.Properties.Integration.Uri: not a Lambda function reference: "arn:aws:lambda:us-east-1:123456789012:function:no.such": function name "no.such"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}

	// A stack name from a file name may hold characters a function name
	// may not: the generated name does not.
	src = strings.NewReplacer("      FunctionName: FN_NAME\n", "", "URI", "!Sub arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations").Replace(head + fn)
	m, err = build(t, "t.yaml", src, Options{Region: "us-east-1", AccountID: "123456789012", StackName: "my.api v2"})
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Functions[0]; f.Name != "my-api-v2-Fn" {
		t.Errorf("generated name %q", f.Name)
	}
}
