package model

import (
	"strings"
	"testing"
)

// validationHead adds to head a validator, a model and a second API with
// its own validator and model; line 43 onwards is free for each case.
const validationHead = head + `  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, ValidateRequestBody: true, ValidateRequestParameters: true}
  Pet:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Pet
      ContentType: application/json
      Schema:
        type: object
        required: [name]
        properties:
          name: {type: string}
  Other:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: other}
  OtherValidator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Other, ValidateRequestBody: true}
  OtherModel:
    Type: AWS::ApiGateway::Model
    Properties: {RestApiId: !Ref Other, Name: Cat, Schema: {type: object}}
  OtherDeployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Other, StageName: prod}
`

func TestRequestValidationErrors(t *testing.T) {
	method := func(props string) string {
		return validationHead + `  Post:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: POST
      Integration: {Type: MOCK}
` + props
	}
	cases := []struct {
		name, src string
		want      string // with its file, line and column
	}{
		{"unknown validator", method("      RequestValidatorId: nope\n"),
			`t.yaml:50:7: Post.Properties.RequestValidatorId: "nope" is not a RequestValidator of this template`},
		{"validator of another API", method("      RequestValidatorId: !Ref OtherValidator\n"),
			"t.yaml:50:7: Post.Properties.RequestValidatorId: the validator OtherValidator belongs to API Other, not to Api"},
		{"unknown model", method("      RequestModels: {application/json: Dog}\n"),
			"t.yaml:50:23: Post.Properties.RequestModels.application/json: API Api has no model named Dog (declare an AWS::ApiGateway::Model"},
		{"model of another API", method("      RequestModels:\n        application/json: Cat\n"),
			"t.yaml:51:9: Post.Properties.RequestModels.application/json: API Api has no model named Cat (a model of that name belongs to Other)"},
		{"not a content type", method("      RequestModels:\n        json: Pet\n"),
			`t.yaml:51:9: Post.Properties.RequestModels.json: "json" is not a content type`},
		{"schema not JSON", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: '{"type": "object"'
`, "t.yaml:47:7: Bad.Properties.Schema: the schema is not valid JSON"},
		{"schema that does not compile", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: {type: bogus}
`, "t.yaml:47:7: Bad.Properties.Schema: the schema does not compile as JSON Schema draft 4"},
		{"pattern Go cannot compile", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: {type: string, pattern: '^(?!x)'}
`, "t.yaml:47:7: Bad.Properties.Schema: the schema does not compile as JSON Schema draft 4"},
		{"ref to another API", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema:
        type: array
        items: {$ref: !Sub 'https://apigateway.amazonaws.com/restapis/${Other}/models/Cat'}
`, `t.yaml:47:7: Bad.Properties.Schema: $ref "https://apigateway.amazonaws.com/restapis/other/models/Cat" names API "other"; a model may only reference models of its own API (api)`},
		{"ref to an unknown model", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: {$ref: !Sub 'https://apigateway.amazonaws.com/restapis/${Api}/models/Dog'}
`, `t.yaml:47:7: Bad.Properties.Schema: $ref "https://apigateway.amazonaws.com/restapis/api/models/Dog": API Api has no model named Dog`},
		{"ref to the web", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: {$ref: 'https://example.com/schema.json'}
`, `t.yaml:47:7: Bad.Properties.Schema: $ref "https://example.com/schema.json": only references within the schema (#/...) and to a model of the same API`},
		{"model name", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties: {RestApiId: !Ref Api, Name: my-model}
`, `t.yaml:45:39: Bad.Properties.Name: model name "my-model" must be alphanumeric`},
		{"model name twice", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Pet
`, "t.yaml:47:7: Bad.Properties.Name: API Api already has a model named Pet (Pet)"},
		{"schema of the wrong kind", validationHead + `  Bad:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Schema: [1]
`, "t.yaml:47:7: Bad.Properties.Schema: expected a JSON schema (a map, or a JSON string), got a list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want %q in:\n%v", c.want, err)
			}
		})
	}
}

// TestRequestValidationModel: validators and models are linked to their
// methods, schemas compiled once with $refs to the API's models (and the
// built-in Empty), and the required parameters come in API Gateway's order.
func TestRequestValidationModel(t *testing.T) {
	src := validationHead + `  Pets:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Pets
      Schema: !Sub |
        {"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/${Api}/models/Pet"}}
  Post:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: POST
      RequestValidatorId: !Ref Validator
      RequestModels: {application/json: !Ref Pets, text/plain: Empty}
      RequestParameters:
        method.request.querystring.q: true
        method.request.header.X-Id: true
        method.request.path.id: true
        method.request.querystring.opt: false
      Integration: {Type: MOCK}
`
	m, err := build(t, "t.yaml", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var post *Method
	for _, me := range m.RestAPIs[0].Methods {
		if me.LogicalID == "Post" {
			post = me
		}
	}
	if post == nil || post.Validator == nil || post.Validator.LogicalID != "Validator" || !post.Validator.Body || !post.Validator.Params {
		t.Fatalf("validator not linked: %+v", post)
	}
	pets, empty := post.RequestModels["application/json"], post.RequestModels["text/plain"]
	if pets == nil || pets.Name != "Pets" || pets.Compiled == nil || empty == nil || !empty.Builtin || empty.Compiled == nil {
		t.Fatalf("models: %+v", post.RequestModels)
	}
	if err := pets.Compiled.Validate([]any{map[string]any{"name": "rex"}}); err != nil {
		t.Errorf("valid list: %v", err)
	}
	if err := pets.Compiled.Validate([]any{map[string]any{"age": "rex"}}); err == nil {
		t.Errorf("a pet without a name passed")
	}
	got := strings.Join(post.RequiredParams(), " ")
	if want := "method.request.header.X-Id method.request.path.id method.request.querystring.q"; got != want {
		t.Errorf("required params %q, want %q", got, want)
	}
	for _, n := range m.Notes {
		if strings.Contains(n, "accepted, not served") {
			t.Errorf("note %q", n)
		}
	}
}
