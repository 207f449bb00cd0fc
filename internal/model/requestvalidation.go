package model

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/apigw/apigw/internal/template"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// RequestValidator is one AWS::ApiGateway::RequestValidator: what a
// method that names it checks before its integration.
type RequestValidator struct {
	ID        string // what !Ref returns
	LogicalID string
	Name      string
	API       *RestAPI
	// Body: the body against the method's model for its content type;
	// Params: the method's required request parameters.
	Body, Params bool
	Line, Col    int
	File         string
	Props        Props
}

// DataModel is one AWS::ApiGateway::Model of a REST API (a JSON schema,
// draft 4), or one of the models API Gateway gives every REST API (Empty,
// Error; Builtin).
type DataModel struct {
	LogicalID   string // "" for a built-in model
	Name        string // unique in its API; what !Ref returns
	API         *RestAPI
	ContentType string
	Description string
	// Schema is the schema as JSON text; Compiled is it compiled (nil when
	// it could not be: the decoder reported why). $refs to
	// https://apigateway.amazonaws.com/restapis/{api}/models/{name} name the
	// API's other models.
	Schema   string
	Compiled *jsonschema.Schema
	Builtin  bool
	tried    bool // compileModels has compiled it, or reported why not
	Line     int
	Col      int
	File     string
	Props    Props
}

// ModelURL is the address a schema uses to $ref a model of an API.
func ModelURL(apiID, name string) string {
	return "https://apigateway.amazonaws.com/restapis/" + apiID + "/models/" + name
}

// builtinModels are the models API Gateway creates in every REST API (as
// GetModels shows them on AWS: LS-validated
// test_api_gateway_request_validator_with_ref_models).
var builtinModels = map[string]string{
	"Empty": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Empty Schema","type":"object"}`,
	"Error": `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Error Schema","type":"object","properties":{"message":{"type":"string"}}}`,
}

type cfnRequestValidator struct {
	RestApiId                 string `cfn:"RestApiId,required"`
	Name                      string `cfn:"Name"`
	ValidateRequestBody       bool   `cfn:"ValidateRequestBody"`
	ValidateRequestParameters bool   `cfn:"ValidateRequestParameters"`
}

type cfnModel struct {
	RestApiId   string          `cfn:"RestApiId,required"`
	Name        string          `cfn:"Name"`
	ContentType string          `cfn:"ContentType"`
	Description string          `cfn:"Description"`
	Schema      *template.Value `cfn:"Schema"`
}

// RequestValidatorID is the id of an AWS::ApiGateway::RequestValidator
// (its !Ref).
func RequestValidatorID(logicalID string) string { return shortID("validator/"+logicalID, 6) }

func (b *builder) requestValidator(r *template.Resource) {
	var p cfnRequestValidator
	props := b.decode(r, &p)
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	v := &RequestValidator{ID: RequestValidatorID(r.LogicalID), LogicalID: r.LogicalID, Name: p.Name, API: api,
		Body: p.ValidateRequestBody, Params: p.ValidateRequestParameters, Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if b.validators == nil {
		b.validators = map[string]*RequestValidator{}
	}
	b.validators[v.ID] = v
	b.m.RequestValidators = append(b.m.RequestValidators, v)
}

var modelNameRe = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// dataModels decodes the AWS::ApiGateway::Models, then compiles each
// schema once, all of an API's models known (they $ref each other).
func (b *builder) dataModels(rs []*template.Resource) {
	for _, r := range rs {
		var p cfnModel
		props := b.decode(r, &p)
		at := func(name string) Prop { return props.At(name, rpos(r)) }
		api := b.apiRef(r, props, "RestApiId")
		if api == nil {
			continue
		}
		dm := &DataModel{LogicalID: r.LogicalID, Name: p.Name, API: api, ContentType: p.ContentType, Description: p.Description,
			Line: r.Line, Col: r.Col, File: r.File, Props: props}
		if dm.Name == "" {
			dm.Name = r.LogicalID // what !Ref gives (CloudFormation would generate a name)
		}
		if !modelNameRe.MatchString(dm.Name) {
			b.errAt(r, at("Name"), "model name %q must be alphanumeric, as API Gateway requires", dm.Name)
			continue
		}
		if other := b.declaredModel(api, dm.Name); other != nil {
			b.errAt(r, at("Name"), "API %s already has a model named %s (%s)", api.LogicalID, dm.Name, other.LogicalID)
			continue
		}
		switch {
		case p.Schema == nil:
			dm.Schema = "{}"
			b.note("%s: the model has no Schema: every body matches it", r.LogicalID)
		case p.Schema.Kind == template.String:
			dm.Schema = p.Schema.Str
		case p.Schema.Kind == template.Map:
			s, err := json.Marshal(plain(p.Schema))
			if err != nil {
				b.errAt(r, at("Schema"), "the schema cannot be written as JSON: %v", err)
				continue
			}
			dm.Schema = string(s)
		default:
			b.errAt(r, at("Schema"), "expected a JSON schema (a map, or a JSON string), got a %s", p.Schema.Kind)
			continue
		}
		b.m.DataModels = append(b.m.DataModels, dm)
	}
	for _, api := range b.m.RestAPIs {
		b.compileModels(api)
	}
}

// modelNamed finds an API's model by name: the template's, else a
// built-in one (Empty, Error), made on first use.
func (b *builder) modelNamed(api *RestAPI, name string) *DataModel {
	if dm := b.declaredModel(api, name); dm != nil {
		return dm
	}
	if doc, ok := builtinModels[name]; ok {
		dm := &DataModel{Name: name, API: api, ContentType: "application/json", Schema: doc, Builtin: true}
		b.m.DataModels = append(b.m.DataModels, dm)
		b.compileModels(api)
		return dm
	}
	return nil
}

// declaredModel finds an API's model by name, built-in ones made so far
// included.
func (b *builder) declaredModel(api *RestAPI, name string) *DataModel {
	for _, dm := range b.m.DataModels {
		if dm.API == api && dm.Name == name {
			return dm
		}
	}
	return nil
}

// compileModels compiles the schemas of an API's models not compiled yet,
// as JSON Schema draft 4 (what API Gateway's models are), with format
// assertions. A $ref may name a model of the same API by its URL
// (ModelURL) or a place in the same schema; nothing is fetched.
func (b *builder) compileModels(api *RestAPI) {
	var models []*DataModel
	for _, dm := range b.m.DataModels {
		if dm.API == api {
			models = append(models, dm)
		}
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.AssertFormat()
	docs := map[string]any{}
	for _, dm := range models {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(dm.Schema))
		if err != nil {
			docs[dm.Name] = nil
			if !dm.tried {
				dm.tried = true
				b.modelErr(dm, "Schema", "the schema is not valid JSON: %v", err)
			}
			continue
		}
		docs[dm.Name] = doc
		if err := c.AddResource(ModelURL(api.ID, dm.Name), doc); err != nil && !dm.tried {
			dm.tried = true
			b.modelErr(dm, "Schema", "%v", err)
		}
	}
	// The built-in models a schema may $ref without a method using them.
	for _, name := range sortedKeys(builtinModels) {
		if _, ok := docs[name]; !ok {
			doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(builtinModels[name]))
			_ = c.AddResource(ModelURL(api.ID, name), doc)
			docs[name] = doc
		}
	}
	for _, dm := range models {
		doc := docs[dm.Name]
		if dm.tried || doc == nil {
			continue
		}
		dm.tried = true
		if msg := checkRefs(doc, api, docs); msg != "" {
			b.modelErr(dm, "Schema", "%s", msg)
			continue
		}
		s, err := c.Compile(ModelURL(api.ID, dm.Name))
		if err != nil {
			b.modelErr(dm, "Schema", "the schema does not compile as JSON Schema draft 4: %s", oneLine(err.Error()))
			continue
		}
		dm.Compiled = s
	}
}

func (b *builder) modelErr(dm *DataModel, name, format string, args ...any) {
	at := dm.Props.At(name, Pos{Line: dm.Line, Col: dm.Col, File: dm.File})
	b.errs = append(b.errs, &template.Error{File: cmpOr(at.File, b.tpl.File), Line: at.Line, Col: at.Col, LogicalID: dm.LogicalID, Property: at.Path, Msg: fmt.Sprintf(format, args...)})
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkRefs refuses the $refs apigw cannot resolve: only places in the
// schema itself ("#...") and models of the same API (ModelURL) are.
func checkRefs(doc any, api *RestAPI, docs map[string]any) string {
	var msg string
	var walk func(v any)
	walk = func(v any) {
		if msg != "" {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && !strings.HasPrefix(ref, "#") {
				u, _, _ := strings.Cut(ref, "#")
				rest, ok := strings.CutPrefix(u, "https://apigateway.amazonaws.com/restapis/")
				id, name, found := strings.Cut(rest, "/models/")
				switch {
				case !ok || !found || name == "" || strings.Contains(name, "/"):
					msg = fmt.Sprintf("$ref %q: only references within the schema (#/...) and to a model of the same API (%s) are supported", ref, ModelURL(api.ID, "NAME"))
				case id != api.ID:
					msg = fmt.Sprintf("$ref %q names API %q; a model may only reference models of its own API (%s)", ref, id, api.ID)
				case !hasKey(docs, name):
					msg = fmt.Sprintf("$ref %q: API %s has no model named %s", ref, api.LogicalID, name)
				}
			}
			for _, k := range sortedKeys(v) {
				walk(v[k])
			}
		case []any:
			for _, it := range v {
				walk(it)
			}
		}
	}
	walk(doc)
	return msg
}

// methodValidation links a method's RequestValidatorId and RequestModels:
// the validator must be one of the template's, each model one of the
// API's (by name).
func (b *builder) methodValidation(r *template.Resource, api *RestAPI, m *Method, models map[string]string) {
	at := func(name string) Prop { return m.Props.At(name, rpos(r)) }
	if m.RequestValidatorID != "" {
		m.Validator = b.validators[m.RequestValidatorID]
		if m.Validator == nil {
			b.errAt(r, at("RequestValidatorId"), "%q is not a RequestValidator of this template (use !Ref of an AWS::ApiGateway::RequestValidator)", m.RequestValidatorID)
		}
	}
	for _, ct := range sortedKeys(models) {
		name := models[ct]
		dm := b.modelNamed(api, name)
		if dm == nil {
			var others []string
			for _, o := range b.m.DataModels {
				if o.Name == name && !o.Builtin {
					others = append(others, o.API.LogicalID)
				}
			}
			if len(others) > 0 {
				b.errAt(r, at("RequestModels."+ct), "API %s has no model named %s (a model of that name belongs to %s)", api.LogicalID, name, strings.Join(others, ", "))
			} else {
				b.errAt(r, at("RequestModels."+ct), "API %s has no model named %s (declare an AWS::ApiGateway::Model with that Name, or use Empty)", api.LogicalID, name)
			}
			continue
		}
		if m.RequestModels == nil {
			m.RequestModels = map[string]*DataModel{}
		}
		m.RequestModels[ct] = dm
	}
	if v := m.Validator; v != nil && v.Body && len(m.RequestModels) == 0 {
		b.note("%s: its validator %s checks bodies but the method has no RequestModels: bodies are not checked (as in API Gateway)", r.LogicalID, v.LogicalID)
	}
}

// validation checks a method's request validation: its validator is of its
// API, its models too, and its content types are media types (or
// $default).
func (v *validator) validation(api *RestAPI, m *Method, fail func(name, format string, args ...any)) {
	if val := m.Validator; val != nil && val.API != api {
		fail("RequestValidatorId", "the validator %s belongs to API %s, not to %s", val.LogicalID, val.API.LogicalID, api.LogicalID)
	}
	if m.RequestValidatorID != "" && m.Validator == nil {
		fail("RequestValidatorId", "%q is not a request validator of API %s", m.RequestValidatorID, api.LogicalID)
	}
	for _, ct := range sortedKeys(m.RequestModels) {
		dm := m.RequestModels[ct]
		if dm.API != api {
			fail("RequestModels."+ct, "model %s belongs to API %s, not to %s", dm.Name, dm.API.LogicalID, api.LogicalID)
		}
		if ct != "$default" && !mediaTypeRe.MatchString(ct) {
			fail("RequestModels."+ct, "%q is not a content type (type/subtype, or $default)", ct)
		}
	}
}

var mediaTypeRe = regexp.MustCompile(`^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+*-]+$`)

// RequiredParams are the request parameters a validator checks, in the
// order API Gateway names the missing ones: by their full name
// (method.request.header.* before path before querystring; LS-validated
// test_api_gateway_request_validator records "[x-header-param, issuer,
// qs1]").
func (m *Method) RequiredParams() []string {
	var out []string
	for k, req := range m.RequestParameters {
		if req {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
