package gateway

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

const validationTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: api}
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: pets}
  Pet:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Pets, PathPart: '{id}'}
  All:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, ValidateRequestBody: true, ValidateRequestParameters: true}
  ParamsOnly:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, ValidateRequestParameters: true}
  PetModel:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Pet
      ContentType: application/json
      Schema:
        $schema: http://json-schema.org/draft-04/schema#
        type: object
        required: [name, age]
        properties:
          name: {type: string}
          age: {type: integer, minimum: 0}
  PetList:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: PetList
      Schema: !Sub '{"type": "array", "items": {"$ref": "https://apigateway.amazonaws.com/restapis/${Api}/models/Pet"}}'
  PutPet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pet
      HttpMethod: PUT
      RequestValidatorId: !Ref All
      RequestModels: {application/json: !Ref PetModel, text/csv: PetList}
      RequestParameters:
        method.request.path.id: true
        method.request.path.issuer: true
        method.request.querystring.qs1: true
        method.request.header.X-Header-Param: true
        method.request.querystring.optional: false
      Integration: &mock
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}', text/csv: '{"statusCode": 200}', text/plain: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok": true}'}}]
      MethodResponses: [{StatusCode: 200}]
  PostPets:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: POST
      RequestValidatorId: !Ref All
      RequestModels: {$default: PetList}
      Integration: *mock
      MethodResponses: [{StatusCode: 200}]
  GetPets:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pets
      HttpMethod: GET
      RequestValidatorId: !Ref ParamsOnly
      RequestModels: {application/json: Pet}
      RequestParameters: {method.request.header.x-api-tag: true, method.request.querystring.q: true}
      Integration: *mock
      MethodResponses: [{StatusCode: 200}]
  PatchPet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pet
      HttpMethod: PATCH
      RequestModels: {application/json: Pet}
      RequestParameters: {method.request.querystring.q: true}
      Integration: *mock
      MethodResponses: [{StatusCode: 200}]
  BadBody:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: BAD_REQUEST_BODY
      StatusCode: '422'
      ResponseTemplates:
        application/json: '{"error": "$context.error.message", "details": "$context.error.validationErrorString", "type": "$context.error.responseType"}'
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PutPet, PostPets, GetPets, PatchPet]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

func validationGateway(t *testing.T) *Gateway {
	t.Helper()
	gen, err := Compile(benchModel(t, validationTemplate, nil), Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewEmpty(nil)
	g.Swap(gen)
	return g
}

func TestValidationStage(t *testing.T) {
	g := validationGateway(t)
	type answer struct {
		status int
		body   string
	}
	do := func(method, uri, ct, body string, headers ...string) answer {
		var req fasthttp.Request
		req.Header.SetMethod(method)
		req.SetRequestURI(uri)
		req.Header.SetHost("127.0.0.1:8080")
		if ct != "" {
			req.Header.SetContentType(ct)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		req.SetBodyString(body)
		var ctx fasthttp.RequestCtx
		serveRequest(g, &ctx, &req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555})
		return answer{ctx.Response.StatusCode(), string(ctx.Response.Body())}
	}
	ok := answer{200, `{"ok": true}`}
	badBody := func(details string) answer {
		return answer{422, `{"error": "Invalid request body", "details": "` + details + `", "type": "BAD_REQUEST_BODY"}`}
	}
	hdr := []string{"x-header-param", "v"}
	cases := []struct {
		name string
		got  answer
		want answer
	}{
		// PUT requires /{issuer}, which its path does not have: always missing.
		{"parameters first, in AWS's order", do("PUT", "/prod/pets/1", "", `{`),
			answer{400, `{"message": "Missing required request parameters: [X-Header-Param, issuer, qs1]"}`}},
		{"header in any case", do("PUT", "/prod/pets/1?qs1=a", "", "", hdr...),
			answer{400, `{"message": "Missing required request parameters: [issuer]"}`}},
		{"blank is missing", do("GET", "/prod/pets?q=", "", "", "X-Api-Tag", " "),
			answer{400, `{"message": "Missing required request parameters: [x-api-tag, q]"}`}},
		{"parameters only: the body is not checked", do("GET", "/prod/pets?q=1", "", `not json`, "X-Api-Tag", "t"), ok},
		{"no validator, nothing checked", do("PATCH", "/prod/pets/1", "", `[]`), ok},
		{"$default model, valid", do("POST", "/prod/pets", "text/plain", `[{"name": "rex", "age": 3}]`), ok},
		{"$default model for every content type", do("POST", "/prod/pets", "application/xml", `{}`),
			badBody(`[instance type (object) does not match any allowed primitive type (allowed: [\"array\"])]`)},
		{"$default model via $ref, invalid", do("POST", "/prod/pets", "text/plain", `[{"name": "rex"}]`),
			badBody(`[object has missing required properties ([\"age\"])]`)},
		{"type mismatch", do("POST", "/prod/pets", "", `[{"name": 1, "age": -1}]`),
			badBody(`[instance type (integer) does not match any allowed primitive type (allowed: [\"string\"]), numeric instance is lower than the required minimum (minimum: 0, found: -1)]`)},
		{"not JSON is a 400", do("POST", "/prod/pets", "application/json; charset=utf-8", `{"name": `), badBody(`[Invalid JSON: unexpected EOF]`)},
		{"an empty body is {}", do("POST", "/prod/pets", "", ``),
			badBody(`[instance type (object) does not match any allowed primitive type (allowed: [\"array\"])]`)},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: %d %s\nwant %d %s", c.name, c.got.status, c.got.body, c.want.status, c.want.body)
		}
	}
}

// TestValidationModelByContentType: the model of the request's media type,
// application/json without a Content-Type; none: the body is not checked.
func TestValidationModelByContentType(t *testing.T) {
	src := strings.Replace(validationTemplate, "method.request.path.issuer: true", "method.request.path.issuer: false", 1)
	gen, err := Compile(benchModel(t, src, nil), Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewEmpty(nil)
	g.Swap(gen)
	do := func(ct, body string) int {
		var req fasthttp.Request
		req.Header.SetMethod("PUT")
		req.SetRequestURI("/prod/pets/1?qs1=a")
		req.Header.SetHost("127.0.0.1:8080")
		req.Header.Set("X-HEADER-PARAM", "v")
		if ct != "" {
			req.Header.SetContentType(ct)
		}
		req.SetBodyString(body)
		var ctx fasthttp.RequestCtx
		serveRequest(g, &ctx, &req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555})
		return ctx.Response.StatusCode()
	}
	for _, c := range []struct {
		ct, body string
		want     int
	}{
		{"", `{"name": "rex", "age": 1}`, 200},
		{"", `{"name": "rex"}`, 422},
		{"Application/JSON", `{"name": "rex"}`, 422},
		{"text/csv", `{"name": "rex", "age": 1}`, 422}, // PetList: an array
		{"text/csv", `[{"name": "rex", "age": 1}]`, 200},
		{"text/plain", `anything`, 200}, // no model for text/plain: not validated
	} {
		if got := do(c.ct, c.body); got != c.want {
			t.Errorf("%q %s: %d, want %d", c.ct, c.body, got, c.want)
		}
	}
}

// TestValidationChain: only methods with a validator that checks something
// get the stage, right after the quota.
func TestValidationChain(t *testing.T) {
	gen, err := Compile(benchModel(t, validationTemplate, nil), Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range gen.table.apis {
		for _, st := range a.stages {
			st.tree.Walk(func(path string, res *resource) {
				for name, m := range res.methods {
					has := strings.Contains(strings.Join(m.stages, ","), "request validation")
					if want := name != "PATCH"; has != want {
						t.Errorf("%s %s: stages %v", name, path, m.stages)
					}
				}
			})
		}
	}
}

// FuzzValidationBody: whatever the body and content type, validation
// passes the request or answers 400 Invalid request body: never a 5xx, a
// panic, or another error.
func FuzzValidationBody(f *testing.F) {
	for _, s := range []string{``, `[]`, `[{"name": "a", "age": 1}]`, `{"name": `, `[1e999]`, `"x"`, `null`, "\x00", `[{"age": 1.5}]`} {
		f.Add("application/json", s)
	}
	f.Add("text/plain; charset=x", `[{}]`)
	m := benchModel(f, validationTemplate, nil)
	var post *requestValidation
	for _, mm := range m.RestAPIs[0].Methods {
		if mm.LogicalID == "PostPets" {
			post = compileValidation(mm)
		}
	}
	if post == nil {
		f.Fatal("PostPets has no validation")
	}
	f.Fuzz(func(t *testing.T, ct, body string) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.Header.SetContentType(ct)
		ctx.Request.SetBodyString(body)
		if e := post.check(&Call{ctx: &ctx}); e != nil && (e.Type != BadRequestBody || e.Message != "Invalid request body" || e.Validation == "") {
			t.Fatalf("%+v", e)
		}
	})
}
