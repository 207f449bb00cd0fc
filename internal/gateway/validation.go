package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/model"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Request validation: a method's AWS::ApiGateway::RequestValidator, after
// the quota and before the integration. Everything is worked out when the
// chain is built; a request only looks its parameters up and, when its
// content type has a model, parses its body once and validates it against
// the schema compiled at load time (model.DataModel.Compiled).
//
// In API Gateway's order (LS-validated test_api_gateway_request_validator):
// the required parameters first, 400 BAD_REQUEST_PARAMETERS
// {"message": "Missing required request parameters: [a, b]"}, then the
// body, 400 BAD_REQUEST_BODY {"message": "Invalid request body"}.

// requestValidation is one method's validation, compiled.
type requestValidation struct {
	params  []requiredParam       // in the order API Gateway names missing ones
	query   bool                  // a query string parameter is required
	bodies  bool                  // the validator checks bodies and the method has models
	models  map[string]*bodyModel // by media type in lower case
	anyType *bodyModel            // the $default model, nil when none
}

type requiredParam struct {
	kind string // path, querystring, multivaluequerystring, header, multivalueheader
	name string
}

type bodyModel struct {
	name   string
	schema *jsonschema.Schema // nil: the model was not compiled (fail closed)
}

// validationStage builds a method's validation, nil for a method without a
// validator or whose validator has nothing to check.
func validationStage(m *method) func(Handler) Handler {
	v := compileValidation(m.model)
	if v == nil {
		return nil
	}
	return func(next Handler) Handler {
		return func(c *Call) *Error {
			if e := v.check(c); e != nil {
				return e
			}
			return next(c)
		}
	}
}

func compileValidation(mm *model.Method) *requestValidation {
	val := mm.Validator
	if val == nil {
		return nil
	}
	v := &requestValidation{}
	if val.Params {
		for _, key := range mm.RequiredParams() {
			kind, name, _ := strings.Cut(strings.TrimPrefix(key, "method.request."), ".")
			v.params = append(v.params, requiredParam{kind: kind, name: name})
			v.query = v.query || kind == "querystring" || kind == "multivaluequerystring"
		}
	}
	if val.Body && len(mm.RequestModels) > 0 {
		v.bodies = true
		v.models = map[string]*bodyModel{}
		for ct, dm := range mm.RequestModels {
			bm := &bodyModel{name: dm.Name, schema: dm.Compiled}
			if ct == "$default" {
				v.anyType = bm
			} else {
				v.models[strings.ToLower(ct)] = bm
			}
		}
	}
	if len(v.params) == 0 && !v.bodies {
		return nil
	}
	return v
}

func (v *requestValidation) check(c *Call) *Error {
	if len(v.params) > 0 {
		if e := v.checkParams(c); e != nil {
			return e
		}
	}
	if v.bodies {
		return v.checkBody(c)
	}
	return nil
}

// blank is how API Gateway reads "included and not blank" (AGW-DG
// api-gateway-method-request-validation).
func blank(s []byte) bool { return len(bytes.TrimSpace(s)) == 0 }

func (v *requestValidation) checkParams(c *Call) *Error {
	var query []lambdaproxy.KV
	if v.query {
		query = lambdaproxy.ParseQuery(c.rawQuery)
	}
	var missing []string
	for _, p := range v.params {
		found := false
		switch p.kind {
		case "path":
			for _, pp := range c.params {
				if pp.Name == p.name && pp.Value != "" {
					found = true
					break
				}
			}
		case "querystring", "multivaluequerystring":
			for _, kv := range query {
				if kv.Key == p.name && !blank([]byte(kv.Value)) {
					found = true
					break
				}
			}
		case "header", "multivalueheader":
			for k, val := range c.ctx.Request.Header.All() {
				if equalFold(string(k), p.name) && !blank(val) {
					found = true
					break
				}
			}
		}
		if !found {
			missing = append(missing, p.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	msg := "Missing required request parameters: [" + strings.Join(missing, ", ") + "]"
	return &Error{Type: BadRequestParameters, Message: msg, Validation: msg}
}

// modelFor is the model of a request's content type: its media type's,
// else the $default one; a request without Content-Type is
// application/json (AWS-recorded: a GET without a body or Content-Type is
// validated against the application/json model). No model: the body is
// not validated (AGW-DG api-gateway-method-request-validation: "If no
// matching content type is found, request validation is not performed").
func (v *requestValidation) modelFor(c *Call) *bodyModel {
	if bm := v.models[mediaType(c.ctx.Request.Header.ContentType())]; bm != nil {
		return bm
	}
	return v.anyType
}

const errInvalidBody = "Invalid request body"

func (v *requestValidation) checkBody(c *Call) *Error {
	bm := v.modelFor(c)
	if bm == nil {
		return nil
	}
	if bm.schema == nil {
		return &Error{Type: APIConfigurationError, Cause: errorString("model " + bm.name + " has no compiled schema")}
	}
	body := c.ctx.Request.Body()
	var doc any = map[string]any{} // an empty body is validated as {} (as LocalStack reads AWS)
	if len(body) > 0 {
		d, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
		if err != nil {
			return &Error{Type: BadRequestBody, Message: errInvalidBody, Validation: "[Invalid JSON: " + err.Error() + "]"}
		}
		doc = d
	}
	err := bm.schema.Validate(doc)
	if err == nil {
		return nil
	}
	var msgs []string
	if ve, ok := err.(*jsonschema.ValidationError); ok {
		msgs = validationMessages(ve, doc, msgs)
		// The library gathers causes in no fixed order (AWS's order is not
		// documented): sorted, the string is the same for the same body.
		slices.Sort(msgs)
	} else {
		msgs = append(msgs, err.Error())
	}
	return &Error{Type: BadRequestBody, Message: errInvalidBody, Validation: "[" + strings.Join(msgs, ", ") + "]"}
}

type errorString string

func (e errorString) Error() string { return string(e) }

var printer = message.NewPrinter(language.English)

// maxValidationMessages bounds validationErrorString.
const maxValidationMessages = 20

// validationMessages lists what failed, leaves first, in the words of the
// validator API Gateway uses (java-json-tools) where they are known
// (community captures: "object has missing required properties
// ([\"a\",\"b\"])", "instance type (string) does not match any allowed
// primitive type (allowed: [\"integer\"])"), else the library's.
func validationMessages(e *jsonschema.ValidationError, doc any, out []string) []string {
	if len(out) >= maxValidationMessages {
		return out
	}
	switch k := e.ErrorKind.(type) {
	case *kind.Schema, *kind.Group, *kind.Reference, *kind.AllOf:
		for _, cause := range e.Causes {
			out = validationMessages(cause, doc, out)
		}
		return out
	case *kind.Required:
		return append(out, "object has missing required properties ("+jsonText(k.Missing)+")")
	case *kind.Type:
		got := k.Got
		if n, ok := valueAt(doc, e.InstanceLocation).(json.Number); ok && got == "number" {
			if _, err := n.Int64(); err == nil {
				got = "integer" // as draft 4 validators name an integral number
			}
		}
		return append(out, "instance type ("+got+") does not match any allowed primitive type (allowed: "+jsonText(k.Want)+")")
	case *kind.Enum:
		return append(out, "instance value ("+jsonText(k.Got)+") not found in enum (possible values: "+jsonText(k.Want)+")")
	case *kind.AdditionalProperties:
		return append(out, "object instance has properties which are not allowed by the schema: "+jsonText(k.Properties))
	case *kind.Minimum:
		return append(out, "numeric instance is lower than the required minimum (minimum: "+ratText(k.Want)+", found: "+ratText(k.Got)+")")
	case *kind.Maximum:
		return append(out, "numeric instance is greater than the required maximum (maximum: "+ratText(k.Want)+", found: "+ratText(k.Got)+")")
	case *kind.MinLength:
		s, _ := valueAt(doc, e.InstanceLocation).(string)
		return append(out, fmt.Sprintf("string %s is too short (length: %d, required minimum: %d)", jsonText(s), k.Got, k.Want))
	case *kind.MaxLength:
		s, _ := valueAt(doc, e.InstanceLocation).(string)
		return append(out, fmt.Sprintf("string %s is too long (length: %d, maximum allowed: %d)", jsonText(s), k.Got, k.Want))
	case *kind.Pattern:
		return append(out, "ECMA 262 regex "+jsonText(k.Want)+" does not match input string "+jsonText(k.Got))
	}
	return append(out, e.ErrorKind.LocalizedString(printer))
}

// valueAt is the value at an instance location.
func valueAt(doc any, loc []string) any {
	for _, tok := range loc {
		switch d := doc.(type) {
		case map[string]any:
			doc = d[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(d) {
				return nil
			}
			doc = d[i]
		default:
			return nil
		}
	}
	return doc
}

func ratText(r *big.Rat) string {
	if r == nil {
		return ""
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonEscape escapes s to sit inside a JSON string, as a gateway response
// template writes "$context.error.validationErrorString".
func jsonEscape(s string) string {
	if s == "" {
		return ""
	}
	q := jsonText(s)
	return q[1 : len(q)-1]
}
