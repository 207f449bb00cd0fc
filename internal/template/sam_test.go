package template_test

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/template"
)

// The SAM transform's tests run the template engine with the model's type
// registry, and build the model from the result: what the transform makes
// must be what the model serves.

func samOpts() template.Options { return template.Options{Types: model.Types(), StackName: "app"} }

// samParse parses src as dir/template.yaml (dir holds the code folders).
func samParse(t *testing.T, dir, src string) (*template.Template, template.ErrorList) {
	t.Helper()
	tpl, err := template.Parse(filepath.Join(dir, "template.yaml"), []byte(src), samOpts())
	if err == nil {
		return tpl, nil
	}
	var list template.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Parse: %v", err)
	}
	for _, e := range list {
		if strings.Contains(e.Msg, "internal error") {
			t.Fatalf("internal error: %v", e)
		}
	}
	return nil, list
}

// codeDir is a folder with a src/ code folder.
func codeDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "app.py"), []byte("def handler(e, c):\n    return {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func samBuild(t *testing.T, tpl *template.Template) *model.Model {
	t.Helper()
	m, err := model.Build(tpl, model.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "app"})
	if err != nil {
		t.Fatalf("model.Build: %v", err)
	}
	return m
}

// val walks a resolved value by a path of keys and list indexes, "/"
// separated (keys hold dots and braces: paths./items/{id} is written
// "paths|/items/{id}|post" with "|").
func val(t *testing.T, v *template.Value, path string) *template.Value {
	t.Helper()
	for _, seg := range strings.Split(path, "|") {
		if v == nil {
			t.Fatalf("%s: nil before %q", path, seg)
		}
		switch v.Kind {
		case template.Map:
			next, ok := v.Vals[seg]
			if !ok {
				t.Fatalf("%s: no key %q (keys %v)", path, seg, v.Keys)
			}
			v = next
		case template.List:
			i := -1
			for j := range v.List {
				if seg == strings.Repeat("#", j+1) {
					i = j
				}
			}
			if i < 0 {
				t.Fatalf("%s: %q in a list of %d (index with #, ##, ...)", path, seg, len(v.List))
			}
			v = v.List[i]
		default:
			t.Fatalf("%s: %q of a %s", path, seg, v.Kind)
		}
	}
	return v
}

func resource(t *testing.T, tpl *template.Template, id, typ string) *template.Resource {
	t.Helper()
	r := tpl.Resource(id)
	if r == nil {
		var ids []string
		for _, r := range tpl.Resources {
			ids = append(ids, r.LogicalID)
		}
		t.Fatalf("no resource %s (have %v)", id, ids)
	}
	if typ != "" && r.Type != typ {
		t.Fatalf("%s is a %s, want %s", id, r.Type, typ)
	}
	return r
}

func resourceWithPrefix(t *testing.T, tpl *template.Template, prefix, typ string) *template.Resource {
	t.Helper()
	for _, r := range tpl.Resources {
		if strings.HasPrefix(r.LogicalID, prefix) && r.Type == typ {
			return r
		}
	}
	t.Fatalf("no %s resource named %s...", typ, prefix)
	return nil
}

func output(t *testing.T, tpl *template.Template, id string) string {
	t.Helper()
	for _, o := range tpl.Outputs {
		if o.LogicalID == id {
			return o.Value.Str
		}
	}
	t.Fatalf("no output %s", id)
	return ""
}

func hasNote(notes []string, sub string) bool {
	for _, n := range notes {
		if strings.Contains(n, sub) {
			return true
		}
	}
	return false
}

// routes lists an API's methods as "METHOD /path AUTH[+key]".
func restRoutes(m *model.Model, id string) []string {
	var out []string
	for _, a := range m.RestAPIs {
		if a.LogicalID != id {
			continue
		}
		for _, me := range a.Methods {
			s := me.HTTPMethod + " " + me.Resource.Path + " " + me.AuthorizationType
			if me.APIKeyRequired {
				s += "+key"
			}
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func httpRoutes(m *model.Model, id string) []string {
	var out []string
	for _, a := range m.HTTPAPIs {
		if a.LogicalID != id {
			continue
		}
		for _, r := range a.RouteList {
			out = append(out, r.Key+" "+r.AuthorizationType)
		}
	}
	sort.Strings(out)
	return out
}

func stages(m *model.Model, id string) []string {
	var out []string
	for _, a := range m.RestAPIs {
		if a.LogicalID == id {
			for _, s := range a.Stages {
				out = append(out, s.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TestSAMFixture is testdata/sam/app.yaml: an implicit API, an Api with a
// Cognito default authorizer, a public route and an API key in a usage
// plan, an HttpApi with a JWT authorizer, Globals.
func TestSAMFixture(t *testing.T) {
	tpl, err := template.Load(filepath.Join("testdata", "sam", "app.yaml"), samOpts())
	if err != nil {
		t.Fatal(err)
	}
	for id, typ := range map[string]string{
		"ServerlessRestApi":             "AWS::ApiGateway::RestApi",
		"ServerlessRestApiProdStage":    "AWS::ApiGateway::Stage",
		"MyApi":                         "AWS::ApiGateway::RestApi",
		"MyApiv1Stage":                  "AWS::ApiGateway::Stage",
		"MyApiUsagePlan":                "AWS::ApiGateway::UsagePlan",
		"MyApiApiKey":                   "AWS::ApiGateway::ApiKey",
		"MyApiUsagePlanKey":             "AWS::ApiGateway::UsagePlanKey",
		"HelloFunction":                 "AWS::Lambda::Function",
		"HelloFunctionRole":             "AWS::IAM::Role",
		"ItemsFunction":                 "AWS::Lambda::Function",
		"HttpApi":                       "AWS::ApiGatewayV2::Api",
		"HttpApiApiGatewayDefaultStage": "AWS::ApiGatewayV2::Stage",
		"ServerlessHttpApi":             "AWS::ApiGatewayV2::Api",
		"ServerlessHttpApiApiGatewayDefaultStage": "AWS::ApiGatewayV2::Stage",
		"HelloFunctionHelloPermissionProd":        "AWS::Lambda::Permission",
		"ItemsFunctionPrivatePermissionv1":        "AWS::Lambda::Permission",
		"ItemsFunctionThingsPermission":           "AWS::Lambda::Permission",
		"ItemsFunctionCatchallPermission":         "AWS::Lambda::Permission",
	} {
		resource(t, tpl, id, typ)
	}
	if got := val(t, resource(t, tpl, "ItemsFunctionPrivatePermissionv1", "").Properties, "SourceArn").Str; !strings.HasSuffix(got, ":myapi/*/POST/items/*") {
		t.Errorf("permission SourceArn %q", got)
	}
	resourceWithPrefix(t, tpl, "MyApiDeployment", "AWS::ApiGateway::Deployment")
	resourceWithPrefix(t, tpl, "ServerlessRestApiDeployment", "AWS::ApiGateway::Deployment")

	// Globals merged: the function's own map entries join the global ones.
	items := resource(t, tpl, "ItemsFunction", "").Properties
	env := val(t, items, "Environment|Variables")
	if env.Vals["STAGE"].Str != "test" || env.Vals["TABLE"].Str != "items" {
		t.Errorf("Environment.Variables = %v", env.Keys)
	}
	if got := val(t, items, "Timeout").Str; got != "5" {
		t.Errorf("Timeout %s, want 5 (Globals)", got)
	}
	if got := val(t, items, "MemorySize").Str; got != "256" {
		t.Errorf("MemorySize %s", got)
	}
	if got := val(t, items, "Code").Str; got != "src/" {
		t.Errorf("Code %q, want src/ (CodeUri from Globals)", got)
	}

	// SAM's references
	if got := output(t, tpl, "ApiUrl"); !strings.HasSuffix(got, ".amazonaws.com/v1/") {
		t.Errorf("ApiUrl %q: ${MyApi.Stage} should give v1", got)
	}
	if got := output(t, tpl, "ApiKeyId"); got == "" || strings.Contains(got, "MyApi.ApiKey") {
		t.Errorf("ApiKeyId %q", got)
	}

	// the body SAM writes
	body := resource(t, tpl, "MyApi", "").Properties.Get("Body")
	sec := val(t, body, "paths|/items/{id}|post|security")
	if len(sec.List) != 2 || sec.List[0].Vals["CognitoAuth"] == nil || sec.List[1].Vals["api_key"] == nil {
		t.Errorf("POST /items/{id} security %v", sec)
	}
	if s := val(t, body, "paths|/public|get|security"); len(s.List) != 0 {
		t.Errorf("GET /public security should be empty (NONE, ApiKeyRequired false), got %d", len(s.List))
	}
	if got := val(t, body, "paths|/public|options|x-amazon-apigateway-integration|responses|default|responseParameters|method.response.header.Access-Control-Allow-Methods").Str; got != "'GET,OPTIONS'" {
		t.Errorf("CORS allow methods %q", got)
	}
	if got := val(t, body, "securityDefinitions|CognitoAuth|x-amazon-apigateway-authorizer|type").Str; got != "cognito_user_pools" {
		t.Errorf("authorizer type %q", got)
	}

	m := samBuild(t, tpl)
	want := map[string][]string{
		"MyApi":             {"GET /public NONE", "OPTIONS /items/{id} COGNITO_USER_POOLS+key", "OPTIONS /public COGNITO_USER_POOLS+key", "POST /items/{id} COGNITO_USER_POOLS+key"},
		"ServerlessRestApi": {"GET /hello NONE", "OPTIONS /hello NONE"},
	}
	for id, w := range want {
		if got := restRoutes(m, id); strings.Join(got, "; ") != strings.Join(w, "; ") {
			t.Errorf("%s routes:\n got %v\nwant %v", id, got, w)
		}
	}
	if got := stages(m, "ServerlessRestApi"); strings.Join(got, ",") != "Prod,Stage" {
		t.Errorf("ServerlessRestApi stages %v, want Prod and SAM's extra Stage", got)
	}
	if got := httpRoutes(m, "HttpApi"); strings.Join(got, "; ") != "GET /things/{id} JWT" {
		t.Errorf("HttpApi routes %v", got)
	}
	if got := httpRoutes(m, "ServerlessHttpApi"); strings.Join(got, "; ") != "$default NONE" {
		t.Errorf("ServerlessHttpApi routes %v", got)
	}
	if len(m.UsagePlans) != 1 || len(m.APIKeys) != 1 {
		t.Errorf("%d usage plans, %d keys", len(m.UsagePlans), len(m.APIKeys))
	}
	for _, f := range m.Functions {
		if f.Timeout.Seconds() != 5 {
			t.Errorf("%s timeout %v", f.LogicalID, f.Timeout)
		}
	}
	if !hasNote(tpl.Notes, "Nightly (Schedule)") {
		t.Errorf("the Schedule event is not noted: %v", tpl.Notes)
	}
	if hasNote(tpl.Notes, "HelloFunctionRole (AWS::IAM::Role)") {
		t.Errorf("a generated role is noted as the user's: %v", tpl.Notes)
	}
}

// TestSAMErrors: a broken SAM template gets errors that name the SAM
// resource, its property and its line in the user's template.
func TestSAMErrors(t *testing.T) {
	fn := func(events string) string {
		return `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        Authorizers:
          Tok:
            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:auth
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
` + events
	}
	tests := []struct {
		name string
		src  string
		line int
		id   string
		prop string
		msg  string
	}{
		{"undefined API", fn(`        E:
          Type: Api
          Properties:
            RestApiId: !Ref Nope
            Path: /x
            Method: get
`), 21, "Fn", "Properties.Events.E.Properties.RestApiId", "RestApiId names Nope, which is not a resource"},
		{"authorizer not defined", fn(`        E:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /x
            Method: get
            Auth:
              Authorizer: Tok2
`), 25, "Fn", "Properties.Events.E.Properties.Auth.Authorizer", "because it wasn't defined in the API's Authorizers.; did you mean Tok?"},
		{"NONE without default", fn(`        E:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /x
            Method: get
            Auth:
              Authorizer: NONE
`), 25, "Fn", "Properties.Events.E.Properties.Auth.Authorizer", "'NONE' is only a valid value when a DefaultAuthorizer"},
		{"duplicate method", fn(`        E:
          Type: Api
          Properties:
            Path: /x
            Method: get
        F:
          Type: Api
          Properties:
            Path: /x
            Method: GET
`), 27, "Fn", "Properties.Events.F.Properties.Method", `API method "get" defined multiple times for path "/x".`},
		{"unknown event type", fn(`        E:
          Type: Sqs
`), 19, "Fn", "Properties.Events.E.Type", "Event type Sqs is not supported by SAM; did you mean SQS?"},
		{"unknown event property", fn(`        E:
          Type: Api
          Properties:
            Path: /x
            Method: get
            Timeout: 5
`), 23, "Fn", "Properties.Events.E.Properties.Timeout", "property Timeout is not defined for an event of type Api"},
		{"missing code folder", strings.Replace(fn("        {}\n"), "CodeUri: src/", "CodeUri: nowhere/", 1), 16, "Fn", "Properties.CodeUri", "CodeUri nowhere/: no such folder or file"},
		{"unknown property", strings.Replace(fn("        {}\n"), "Runtime: python3.12", "Runtim: python3.12", 1), 14, "Fn", "Properties.Runtim", "property Runtim is not defined for a resource of type AWS::Serverless::Function; did you mean Runtime?"},
		{"default authorizer not defined", strings.Replace(fn("        {}\n"), "      Auth:\n", "      Auth:\n        DefaultAuthorizer: Tak\n", 1), 8, "Api", "Properties.Auth.DefaultAuthorizer", "Unable to set DefaultAuthorizer because 'Tak' was not defined in 'Authorizers'.; did you mean Tok?"},
		{"globals", "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Events: {}\nResources:\n  T:\n    Type: AWS::Serverless::SimpleTable\n", 4, "", "Globals.Function.Events", "'Events' is not a supported property of 'Function'"},
		{"missing StageName", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors: \"'*'\"\n", 5, "Api", "Properties.StageName", "Missing required property 'StageName'."},
		{"cors with DefinitionUri", "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: x\n      DefinitionUri: api.yaml\n      Cors: \"'*'\"\n", 8, "Api", "Properties.Cors", "Cors works only with inline Swagger"},
		{"http authorizer not defined", `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: x
      Events:
        E:
          Type: HttpApi
          Properties:
            Path: /x
            Method: get
            Auth:
              Authorizer: Jwt
`, 16, "Fn", "Properties.Events.E.Properties.Auth.Authorizer", "because the related API does not define any Authorizers."},
		{"unsupported type", "Transform: AWS::Serverless-2016-10-31\nResources:\n  App:\n    Type: AWS::Serverless::Application\n", 4, "App", "Type", "AWS::Serverless::Application is not supported by apigw's SAM transform"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := samParse(t, codeDir(t), tc.src)
			if errs == nil {
				t.Fatalf("no error")
			}
			for _, e := range errs {
				if e.Line == tc.line && e.LogicalID == tc.id && e.Property == tc.prop && strings.Contains(e.Msg, tc.msg) {
					if !strings.HasSuffix(e.File, "template.yaml") {
						t.Errorf("error in %s, want the template", e.File)
					}
					return
				}
			}
			t.Errorf("want line %d %s.%s: %s; got:\n%v", tc.line, tc.id, tc.prop, tc.msg, errs)
		})
	}
}

// TestSAMDownstreamPositions: what the model finds wrong in what the
// transform made points at the SAM resource's lines.
func TestSAMDownstreamPositions(t *testing.T) {
	src := `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Timeout: soon
      Handler: app.handler
      CodeUri: src/
      Events:
        E:
          Type: Api
          Properties:
            Path: /x
            Method: get
`
	tpl, errs := samParse(t, codeDir(t), src)
	if errs != nil {
		t.Fatal(errs)
	}
	_, err := model.Build(tpl, model.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "app"})
	if err == nil {
		t.Fatal("no error for Timeout soon")
	}
	var list template.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("%T: %v", err, err)
	}
	for _, e := range list {
		if e.LogicalID == "Fn" && e.Line == 7 {
			return
		}
	}
	t.Errorf("no error at Fn line 7 (Timeout): %v", list)
}

// TestSAMOutput: what SAM resources and properties become.
func TestSAMOutput(t *testing.T) {
	const head = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
	tests := []struct {
		name  string
		src   string
		check func(t *testing.T, tpl *template.Template, m *model.Model)
	}{
		{"no Transform line", `Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      InlineCode: "def handler(e, c): return {}"
      Events:
        E:
          Type: Api
          Properties:
            Path: /{proxy+}
            Method: any
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			if !hasNote(tpl.Notes, "no Transform: AWS::Serverless-2016-10-31") {
				t.Errorf("notes %v", tpl.Notes)
			}
			if got := restRoutes(m, "ServerlessRestApi"); strings.Join(got, ";") != "ANY /{proxy+} NONE" {
				t.Errorf("routes %v", got)
			}
			wantZip := val(t, resource(t, tpl, "Fn", "").Properties, "Code|ZipFile").Str
			if !strings.HasPrefix(wantZip, "def handler") {
				t.Errorf("ZipFile %q", wantZip)
			}
		}},
		{"AutoPublishAlias", head + `  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      AutoPublishAlias: live
      Events:
        E:
          Type: HttpApi
Outputs:
  Alias:
    Value: !Ref Fn.Alias
  Version:
    Value: !Ref Fn.Version
  Sub:
    Value: !Sub "${Fn.Alias}"
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			resourceWithPrefix(t, tpl, "FnVersion", "AWS::Lambda::Version")
			if got := output(t, tpl, "Alias"); got != "arn:aws:lambda:us-east-1:123456789012:function:app-Fn:live" {
				t.Errorf("Fn.Alias = %q", got)
			}
			if got := output(t, tpl, "Sub"); got != "arn:aws:lambda:us-east-1:123456789012:function:app-Fn:live" {
				t.Errorf("${Fn.Alias} = %q", got)
			}
			if got := output(t, tpl, "Version"); !strings.Contains(got, "FnVersion") {
				t.Errorf("Fn.Version = %q", got)
			}
			uri := val(t, resource(t, tpl, "ServerlessHttpApi", "").Properties, "Body|paths|$default|x-amazon-apigateway-any-method|x-amazon-apigateway-integration|uri").Str
			if !strings.Contains(uri, "function:app-Fn/invocations") {
				t.Errorf("integration uri %q should call the function", uri)
			}
			if !hasNote(tpl.Notes, "AutoPublishAlias live") {
				t.Errorf("notes %v", tpl.Notes)
			}
		}},
		{"OpenApiVersion 3, TOKEN and REQUEST authorizers, gateway responses", head + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev-1
      OpenApiVersion: '3.0.1'
      BinaryMediaTypes: ['image~1png']
      GatewayResponses:
        DEFAULT_4XX:
          StatusCode: 400
          ResponseParameters:
            Headers:
              Access-Control-Allow-Origin: "'*'"
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok:
            FunctionArn: !GetAtt Auth.Arn
            Identity:
              Header: X-Token
              ReauthorizeEvery: 0
          Req:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt Auth.Arn
            Identity:
              Headers: [A]
              QueryStrings: [q]
  Auth:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        A:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /a
            Method: get
        B:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /b
            Method: post
            Auth:
              Authorizer: Req
            RequestParameters:
              - method.request.querystring.q:
                  Required: true
                  Caching: true
            TimeoutInMillis: 5000
Outputs:
  Stage:
    Value: !Ref Api.Stage
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			stage := resourceWithPrefix(t, tpl, "ApiStage", "AWS::ApiGateway::Stage")
			if stage.LogicalID == "ApiStage" || stage.LogicalID == "Apidev-1Stage" {
				t.Errorf("stage logical ID %s: a non-alphanumeric name is hashed", stage.LogicalID)
			}
			if got := output(t, tpl, "Stage"); got != "dev-1" {
				t.Errorf("Api.Stage = %q", got)
			}
			body := resource(t, tpl, "Api", "").Properties.Get("Body")
			if got := val(t, body, "openapi").Str; got != "3.0.1" {
				t.Errorf("openapi %q", got)
			}
			val(t, body, "components|securitySchemes|Req|x-amazon-apigateway-authorizer|identitySource")
			dep := resourceWithPrefix(t, tpl, "ApiDeployment", "AWS::ApiGateway::Deployment")
			if dep.Properties.Get("StageName") != nil {
				t.Errorf("an OpenApiVersion 3 deployment has no extra Stage stage")
			}
			if got := restRoutes(m, "Api"); strings.Join(got, "; ") != "GET /a CUSTOM; POST /b CUSTOM" {
				t.Errorf("routes %v", got)
			}
			if got := stages(m, "Api"); strings.Join(got, ",") != "dev-1" {
				t.Errorf("stages %v", got)
			}
		}},
		{"SHARED usage plan", head + `  A1:
    Type: AWS::Serverless::Api
    Properties:
      StageName: one
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: SHARED
  A2:
    Type: AWS::Serverless::Api
    Properties:
      StageName: two
      Auth:
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: SHARED
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        A:
          Type: Api
          Properties: {RestApiId: !Ref A1, Path: /a, Method: get}
        B:
          Type: Api
          Properties: {RestApiId: !Ref A2, Path: /b, Method: get}
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			plan := resource(t, tpl, "ServerlessUsagePlan", "AWS::ApiGateway::UsagePlan")
			if n := len(val(t, plan.Properties, "ApiStages").List); n != 2 {
				t.Errorf("%d ApiStages", n)
			}
			resource(t, tpl, "ServerlessApiKey", "AWS::ApiGateway::ApiKey")
			resource(t, tpl, "ServerlessUsagePlanKey", "AWS::ApiGateway::UsagePlanKey")
			if got := restRoutes(m, "A2"); strings.Join(got, ";") != "GET /b NONE+key" {
				t.Errorf("routes %v", got)
			}
		}},
		{"HttpApi Lambda authorizer, stage, route settings", head + `  H:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: L
        Authorizers:
          L:
            FunctionArn: !GetAtt Fn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity:
              Headers: [Authorization]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Open:
          Type: HttpApi
          Properties:
            ApiId: !Ref H
            Path: /open
            Method: get
            Auth:
              Authorizer: NONE
            RouteSettings:
              ThrottlingBurstLimit: 5
        Closed:
          Type: HttpApi
          Properties:
            ApiId: !Ref H
            Path: /closed/{id}
            Method: post
            PayloadFormatVersion: "1.0"
Outputs:
  Stage:
    Value: !Ref H.Stage
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			st := resource(t, tpl, "HprodStage", "AWS::ApiGatewayV2::Stage")
			val(t, st.Properties, "RouteSettings|GET /open|ThrottlingBurstLimit")
			if got := output(t, tpl, "Stage"); got != "prod" {
				t.Errorf("H.Stage = %q", got)
			}
			if got := httpRoutes(m, "H"); strings.Join(got, "; ") != "GET /open NONE; POST /closed/{id} CUSTOM" {
				t.Errorf("routes %v", got)
			}
		}},
		{"conditional function on the implicit API", `Transform: AWS::Serverless-2016-10-31
Parameters:
  On:
    Type: String
    Default: "no"
Conditions:
  IsOn: !Equals [!Ref On, "yes"]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Condition: IsOn
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        E:
          Type: Api
          Properties: {Path: /x, Method: get}
  Other:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        E:
          Type: Api
          Properties: {Path: /y, Method: get}
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			if tpl.Resource("Fn") != nil || tpl.Resource("FnRole") != nil {
				t.Errorf("the function and its role follow its condition")
			}
			if got := restRoutes(m, "ServerlessRestApi"); strings.Join(got, ";") != "GET /y NONE" {
				t.Errorf("routes %v", got)
			}
		}},
		{"SimpleTable, LayerVersion, WebSocketApi", head + `  Table:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: pk, Type: Number}
  Layer:
    Type: AWS::Serverless::LayerVersion
    Properties:
      ContentUri: src/
  WS:
    Type: AWS::Serverless::WebSocketApi
    Properties:
      RouteSelectionExpression: $request.body.action
      Routes:
        $connect:
          FunctionArn: !GetAtt Fn.Arn
        send:
          FunctionArn: !GetAtt Fn.Arn
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Layers: [!Ref Layer]
      Environment:
        Variables:
          TABLE: !Ref Table
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			tb := resource(t, tpl, "Table", "AWS::DynamoDB::Table")
			if got := val(t, tb.Properties, "AttributeDefinitions|#|AttributeType").Str; got != "N" {
				t.Errorf("AttributeType %q", got)
			}
			resource(t, tpl, "Layer", "AWS::Lambda::LayerVersion")
			resource(t, tpl, "WSConnectRoute", "AWS::ApiGatewayV2::Route")
			resource(t, tpl, "WSSendIntegration", "AWS::ApiGatewayV2::Integration")
			resource(t, tpl, "WSDefaultStage", "AWS::ApiGatewayV2::Stage")
			if len(m.WebSocketAPIs) != 1 {
				t.Errorf("%d WebSocket APIs", len(m.WebSocketAPIs))
			}
			if !hasNote(tpl.Notes, "Layers") {
				t.Errorf("Layers not noted: %v", tpl.Notes)
			}
		}},
		{"explicit Api with its own DefinitionBody and MergeDefinitions", head + `  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MergeDefinitions: true
      DefinitionBody:
        swagger: "2.0"
        info: {title: own, version: "1"}
        paths:
          /x:
            get:
              summary: mine
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        E:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /x, Method: get}
`, func(t *testing.T, tpl *template.Template, m *model.Model) {
			body := resource(t, tpl, "Api", "").Properties.Get("Body")
			if got := val(t, body, "paths|/x|get|summary").Str; got != "mine" {
				t.Errorf("summary %q", got)
			}
			val(t, body, "paths|/x|get|x-amazon-apigateway-integration|uri")
			if got := restRoutes(m, "Api"); strings.Join(got, ";") != "GET /x NONE" {
				t.Errorf("routes %v", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl, errs := samParse(t, codeDir(t), tc.src)
			if errs != nil {
				t.Fatalf("errors:\n%v", errs)
			}
			tc.check(t, tpl, samBuild(t, tpl))
		})
	}
}
