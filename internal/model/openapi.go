package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
	"github.com/apigw/apigw/internal/template"
	"go.yaml.in/yaml/v3"
)

// OpenAPI and Swagger bodies of REST APIs (RestApi Body, or BodyS3Location
// as a local file): the second decoder into the same model. paths become
// Resources and Methods, x-amazon-apigateway-integration their
// Integrations, security schemes Authorizers, definitions and
// components.schemas DataModels, and the top-level extensions the API's
// settings, as API Gateway imports them. What the body says in OpenAPI terms
// is translated into the CloudFormation terms the resource decoder uses
// (cfnIntegration, cfnAuthorizer, ...), with Props that locate each
// property in the body by its OpenAPI path, so Validate's messages name
// "Properties.Body.paths./users/{id}.get.x-amazon-apigateway-integration.uri"
// and its line. Elements made from a body have the API's logical ID.
// HTTP APIs' bodies are read the same way (readBody) and decoded by
// httpopenapi.go into the HTTP API kind.

// oaDoc is one body being decoded.
type oaDoc struct {
	b    *builder
	r    *template.Resource
	api  *RestAPI
	root *template.Value
	at   Prop // the document: Body, or BodyS3Location's file
	v3   bool
	// modelRef prefixes a model's $ref: "#/definitions/" or
	// "#/components/schemas/"; models are the document's model names.
	modelRef string
	models   map[string]bool
	res      map[string]*Resource
	schemes  map[string]*oaScheme
	// validators by name; defValidator the document's default one.
	validators   map[string]*RequestValidator
	defValidator string
	defValAt     Prop
	// failOnWarnings is the API's FailOnWarnings: what API Gateway's
	// import warns about (and otherwise ignores) fails the import.
	failOnWarnings bool
}

// oaScheme is one security scheme (securityDefinitions,
// components.securitySchemes).
type oaScheme struct {
	kind string // "apikey", "iam", "authorizer", "other"
	typ  string // the scheme's type, for notes
	auth *Authorizer
}

var oaMethods = map[string]string{"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
	"head": "HEAD", "patch": "PATCH", "x-amazon-apigateway-any-method": "ANY"}

// openAPIDoc reads a RestApi's Body or BodyS3Location and applies the
// document's top-level settings to p where the properties leave them
// unset (props then locate them in the body). nil after reporting why the
// document cannot be read.
func (b *builder) openAPIDoc(r *template.Resource, props Props, p *cfnRestAPI) *oaDoc {
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	o := &oaDoc{b: b, r: r, res: map[string]*Resource{}, schemes: map[string]*oaScheme{}, validators: map[string]*RequestValidator{}, models: map[string]bool{}}
	if !o.readBody(props, p.Body, p.BodyS3Location) {
		return nil
	}
	o.failOnWarnings = p.FailOnWarnings
	sw, oa := o.root.Get("swagger"), o.root.Get("openapi")
	switch {
	case oa != nil && oa.IsScalar() && strings.HasPrefix(oa.Str, "3."):
		o.v3, o.modelRef = true, "#/components/schemas/"
	case sw != nil && sw.IsScalar() && sw.Str == "2.0" && oa == nil:
		o.modelRef = "#/definitions/"
	default:
		o.errAt(o.at, "not an OpenAPI 3.0/3.1 or Swagger 2.0 document: it needs openapi: 3.x or swagger: \"2.0\"")
		return nil
	}
	if bp, ok := p.Parameters["basepath"]; ok && bp != "ignore" {
		b.errAt(r, at("Parameters.basepath"), "basepath %s is not supported: apigw imports bodies as API Gateway does by default (basepath ignore)", bp)
	}
	for i, k := range o.root.Keys {
		v, kat := o.root.Vals[k], o.key(o.root, i, o.at)
		switch k {
		case "swagger", "openapi", "paths", "definitions", "components", "securityDefinitions", "security", "parameters", "responses",
			"host", "schemes", "consumes", "produces", "tags", "externalDocs", "servers", "jsonSchemaDialect", "webhooks":
		case "basePath":
			if s := str(v); s != "" && s != "/" {
				b.note("%s: the body's basePath %s is ignored, as API Gateway ignores it by default: the paths are served as written", r.LogicalID, s)
			}
		case "info":
			if t := v.Get("title"); t != nil && t.IsScalar() && p.Name == "" {
				p.Name = t.Str
			}
		case "x-amazon-apigateway-api-key-source":
			if p.ApiKeySourceType == "" {
				p.ApiKeySourceType = str(v)
				props["ApiKeySourceType"] = kat
				if !v.IsScalar() {
					o.errAt(kat, "expected HEADER or AUTHORIZER, got a %s", v.Kind)
				}
			}
		case "x-amazon-apigateway-binary-media-types":
			if v.Kind != template.List {
				o.errAt(kat, "expected a list of media types, got a %s", v.Kind)
				continue
			}
			for _, it := range v.List {
				if t := str(it); t != "" && !slices.Contains(p.BinaryMediaTypes, t) {
					p.BinaryMediaTypes = append(p.BinaryMediaTypes, t)
				}
			}
		case "x-amazon-apigateway-minimum-compression-size":
			if p.MinimumCompressionSize == nil {
				n, err := v.Int()
				if err != nil {
					o.errAt(kat, "%v", err)
					continue
				}
				size := int(n)
				p.MinimumCompressionSize = &size
				props["MinimumCompressionSize"] = kat
			}
		case "x-amazon-apigateway-policy":
			if p.Policy == nil {
				p.Policy = v
				props["Policy"] = kat
			}
		case "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-request-validators", "x-amazon-apigateway-request-validator":
			// decode, once the API is
		case "x-amazon-apigateway-documentation", "x-amazon-apigateway-endpoint-configuration", "x-amazon-apigateway-importexport-version",
			"x-amazon-apigateway-tag-value", "x-amazon-apigateway-security-policy", "x-amazon-apigateway-endpoint-access-mode":
			// Nothing a client of the local API sees.
		case "x-amazon-apigateway-cors", "x-amazon-apigateway-integrations":
			o.errAt(kat, "%s applies to HTTP APIs, not to REST APIs (a REST API answers CORS preflights with OPTIONS methods)", k)
		default:
			o.extOrUnknown(kat, k, "the document")
		}
	}
	return o
}

// readBody reads an API's Body or BodyS3Location (a local file) into
// o.root, o.at locating the document; false after reporting why it cannot
// be read. REST and HTTP APIs' bodies are read alike.
func (o *oaDoc) readBody(props Props, body, s3 *template.Value) bool {
	at := func(name string) Prop { return props.At(name, rpos(o.r)) }
	switch {
	case body != nil && s3 != nil:
		o.b.errAt(o.r, at("BodyS3Location"), "give Body or BodyS3Location, not both")
		return false
	case body != nil:
		o.at = at("Body")
		switch v := body; v.Kind {
		case template.Map:
			o.root = v
		case template.String:
			// A JSON or YAML document in a string: its lines are counted
			// from the string's (a block scalar's start on the next line).
			line := func(l, _ int) (int, int) {
				if v.Line == 0 {
					return 0, 0
				}
				if strings.Contains(strings.TrimSpace(v.Str), "\n") {
					return v.Line + l, 0
				}
				return v.Line, v.Col
			}
			root, err := yamlValue([]byte(v.Str), v.File, line)
			if err != nil {
				o.b.errAt(o.r, o.at, "the body is not a JSON or YAML document: %v", err)
				return false
			}
			o.root = root
		default:
			o.b.errAt(o.r, o.at, "expected an OpenAPI document (a map, or a JSON or YAML string), got a %s", v.Kind)
			return false
		}
	default:
		o.at = at("BodyS3Location")
		v := s3
		if v.Kind != template.String {
			hint := "./openapi.yaml"
			if k := v.Get("Key"); k != nil && k.IsScalar() {
				hint = "./" + filepath.Base(k.Str)
				if bk := v.Get("Bucket"); bk != nil && bk.IsScalar() {
					hint = fmt.Sprintf("%s (aws s3 cp s3://%s/%s %s)", hint, bk.Str, k.Str, hint)
				}
			}
			o.b.errAt(o.r, o.at, "apigw reads local files only: download the document and give its path relative to the template, BodyS3Location: %s", hint)
			return false
		}
		file, ok := o.bodyFile(v)
		if !ok {
			return false
		}
		data, err := inputfile.Read(file, inputfile.MaxSize)
		if err != nil {
			o.b.errAt(o.r, o.at, "BodyS3Location %s: cannot read %s: %v", v.Str, file, err)
			return false
		}
		if !slices.Contains(o.b.tpl.Includes, file) && file != o.b.tpl.File {
			o.b.tpl.Includes = append(o.b.tpl.Includes, file) // watched with the template
		}
		root, err := yamlValue(data, file, func(l, c int) (int, int) { return l, c })
		if err != nil {
			o.b.errs = append(o.b.errs, &template.Error{File: file, LogicalID: o.r.LogicalID, Property: "BodyS3Location", Msg: fmt.Sprintf("not a JSON or YAML document: %v", err)})
			return false
		}
		o.root = root
		o.at = Prop{Path: "BodyS3Location", Pos: Pos{Line: 1, Col: 1, File: file}}
	}
	if o.root.Kind != template.Map {
		o.errAt(o.at, "expected an OpenAPI document (a map), got a %s", o.root.Kind)
		return false
	}
	return true
}

// bodyFile is the local file a BodyS3Location string names, relative to
// the template's folder; s3:// and other schemes are refused with a hint,
// as AWS::Include's Location is.
func (o *oaDoc) bodyFile(v *template.Value) (string, bool) {
	text := v.Str
	rest, isFile := strings.CutPrefix(text, "file://")
	scheme, _, hasScheme := strings.Cut(text, "://")
	switch {
	case isFile:
		text = rest
	case strings.EqualFold(scheme, "s3") && hasScheme:
		key := strings.TrimSuffix(text[len("s3://"):], "/")
		local := filepath.Base(key)
		if !strings.Contains(key, "/") || local == "." || local == "/" {
			local = "openapi.yaml"
		}
		o.errAt(o.at, "BodyS3Location %s: apigw reads local files only: download it (aws s3 cp %s ./%s) and give a path relative to the template", v.Str, v.Str, local)
		return "", false
	case hasScheme && !strings.ContainsAny(scheme, `/\`):
		o.errAt(o.at, "BodyS3Location %s: apigw reads local files only: download it and give a path relative to the template", v.Str)
		return "", false
	}
	if text == "" {
		o.errAt(o.at, "BodyS3Location needs the path of a local OpenAPI file")
		return "", false
	}
	file := filepath.FromSlash(text)
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(cmp.Or(v.File, o.r.File, o.b.tpl.File)), file)
	}
	return file, true
}

func (o *oaDoc) errAt(at Prop, format string, args ...any) { o.b.errAt(o.r, at, format, args...) }

// warn reports what API Gateway's import warns about and otherwise
// ignores: a note, or an error when the API sets FailOnWarnings.
func (o *oaDoc) warn(at Prop, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if o.failOnWarnings {
		o.errAt(at, "%s (API Gateway warns and ignores it; FailOnWarnings makes that fail the import)", msg)
		return
	}
	o.b.note("%s: %s: %s: API Gateway's import ignores it with a warning (FailOnWarnings is not set)", o.r.LogicalID, at.Path, msg)
}

// key locates the i-th key of the map v, below parent.
func (o *oaDoc) key(v *template.Value, i int, parent Prop) Prop {
	return Prop{Path: join(parent.Path, v.Keys[i]), Pos: keyPos(v, i, parent.Pos)}
}

// child locates key in the map v (its parent's position when absent).
func (o *oaDoc) child(v *template.Value, key string, parent Prop) Prop {
	if p, ok := v.KeyPosition(key); ok {
		return Prop{Path: join(parent.Path, key), Pos: tpos(p)}
	}
	return Prop{Path: join(parent.Path, key), Pos: parent.Pos}
}

// extOrUnknown reports a key the decoder does not know: an API Gateway
// extension it does not know is noted (API Gateway ignores it too), other
// extensions are the user's, anything else is an error.
func (o *oaDoc) extOrUnknown(at Prop, k, where string) {
	switch {
	case strings.HasPrefix(k, "x-amazon-apigateway-"):
		o.b.note("%s: %s: the extension %s is not known to apigw and is ignored (%s)", o.r.LogicalID, at.Path, k, where)
	case strings.HasPrefix(k, "x-"):
	default:
		o.errAt(at, "unknown key %s in %s", k, where)
	}
}

// decodeInto decodes the map v at at into out (a struct with cfn tags of
// OpenAPI names) and returns where each property is, by OpenAPI name.
func (o *oaDoc) decodeInto(v *template.Value, at Prop, out any) Props {
	d := &decoder{file: o.b.tpl.File, logicalID: o.r.LogicalID, errs: &o.b.errs, hints: oaHints}
	d.decode(v, at.Path, at.Pos, out)
	return d.props
}

var oaHints = map[string]string{
	"oaIntegration.payloadFormatVersion":          "it applies to HTTP APIs only",
	"oaIntegration.integrationSubtype":            "it applies to HTTP APIs only",
	"oaAuthorizer.authorizerPayloadFormatVersion": "it applies to HTTP APIs only",
	"oaAuthorizer.enableSimpleResponses":          "it applies to HTTP APIs only",
	"oaAuthorizer.jwtConfiguration":               "JWT authorizers are HTTP APIs'; a REST API uses cognito_user_pools",
	"oaIntegResp.selectionPattern":                "the response's key is its selection pattern (\"default\" for the default response)",
}

// cfnNames maps the OpenAPI names of an object's properties to the
// CloudFormation names the model's Props use.
var (
	oaIntegrationNames = map[string]string{"type": "Type", "uri": "Uri", "httpMethod": "IntegrationHttpMethod", "requestParameters": "RequestParameters",
		"requestTemplates": "RequestTemplates", "passthroughBehavior": "PassthroughBehavior", "contentHandling": "ContentHandling",
		"timeoutInMillis": "TimeoutInMillis", "cacheKeyParameters": "CacheKeyParameters", "cacheNamespace": "CacheNamespace",
		"connectionType": "ConnectionType", "connectionId": "ConnectionId", "credentials": "Credentials", "tlsConfig": "TlsConfig"}
	oaIntegRespNames = map[string]string{"statusCode": "StatusCode", "responseParameters": "ResponseParameters",
		"responseTemplates": "ResponseTemplates", "contentHandling": "ContentHandling"}
	oaAuthorizerNames = map[string]string{"type": "Type", "authorizerUri": "AuthorizerUri", "authorizerCredentials": "AuthorizerCredentials",
		"authorizerResultTtlInSeconds": "AuthorizerResultTtlInSeconds", "identitySource": "IdentitySource",
		"identityValidationExpression": "IdentityValidationExpression", "providerARNs": "ProviderARNs"}
	oaGatewayResponseNames = map[string]string{"statusCode": "StatusCode", "responseParameters": "ResponseParameters", "responseTemplates": "ResponseTemplates"}
)

// rename re-keys props (by OpenAPI name, as decodeInto returns them) by
// CloudFormation name below prefix into out; a property not written is
// located at the object ("" of props) with its OpenAPI path.
func rename(out, props Props, names map[string]string, prefix string) {
	root := props[""]
	if prefix != "" {
		out[prefix] = root
	}
	for k, pr := range props {
		if k == "" {
			continue
		}
		i := strings.IndexAny(k, ".[")
		head, rest := k, ""
		if i >= 0 {
			head, rest = k[:i], k[i:]
		}
		if n, ok := names[head]; ok {
			out[join(prefix, n+rest)] = pr
		}
	}
	for oa, n := range names {
		if _, ok := out[join(prefix, n)]; !ok {
			out[join(prefix, n)] = Prop{Path: join(root.Path, oa), Pos: root.Pos}
		}
	}
}

type oaIntegration struct {
	Type                 string            `cfn:"type"`
	URI                  string            `cfn:"uri"`
	HTTPMethod           string            `cfn:"httpMethod"`
	Credentials          string            `cfn:"credentials"`
	RequestParameters    map[string]string `cfn:"requestParameters"`
	RequestTemplates     map[string]string `cfn:"requestTemplates"`
	PassthroughBehavior  string            `cfn:"passthroughBehavior"`
	ContentHandling      string            `cfn:"contentHandling"`
	TimeoutInMillis      *int              `cfn:"timeoutInMillis"`
	CacheKeyParameters   []string          `cfn:"cacheKeyParameters"`
	CacheNamespace       string            `cfn:"cacheNamespace"`
	ConnectionType       string            `cfn:"connectionType"`
	ConnectionID         string            `cfn:"connectionId"`
	TLSConfig            *template.Value   `cfn:"tlsConfig"`
	IntegrationTarget    string            `cfn:"integrationTarget"`
	ResponseTransferMode string            `cfn:"responseTransferMode"`
	Responses            *template.Value   `cfn:"responses"`
}

type oaIntegResp struct {
	StatusCode         string            `cfn:"statusCode,required"`
	ResponseParameters map[string]string `cfn:"responseParameters"`
	ResponseTemplates  map[string]string `cfn:"responseTemplates"`
	ContentHandling    string            `cfn:"contentHandling"`
}

type oaAuthorizer struct {
	Type                         string   `cfn:"type,required"`
	AuthorizerURI                string   `cfn:"authorizerUri"`
	AuthorizerCredentials        string   `cfn:"authorizerCredentials"`
	AuthorizerResultTtlInSeconds *int     `cfn:"authorizerResultTtlInSeconds"`
	IdentitySource               string   `cfn:"identitySource"`
	IdentityValidationExpression string   `cfn:"identityValidationExpression"`
	ProviderARNs                 []string `cfn:"providerARNs"`
}

type oaValidator struct {
	ValidateRequestBody       bool `cfn:"validateRequestBody"`
	ValidateRequestParameters bool `cfn:"validateRequestParameters"`
}

type oaGatewayResponse struct {
	StatusCode         string            `cfn:"statusCode"`
	ResponseParameters map[string]string `cfn:"responseParameters"`
	ResponseTemplates  map[string]string `cfn:"responseTemplates"`
}

// decode makes the API's resources, methods, models, validators,
// authorizers and gateway responses from the document.
func (o *oaDoc) decode(api *RestAPI) {
	o.api = api
	api.Resources = []*Resource{api.Root}
	o.dataModels()
	o.requestValidators()
	o.securitySchemes()
	o.gatewayResponses()
	o.paths()
	slices.SortStableFunc(api.Resources[1:], func(a, c *Resource) int { return strings.Compare(a.Path, c.Path) })
	o.b.compileModels(api)
}

// section is a top-level map (or one of components' in OpenAPI 3) and where
// it is; nil when absent or not a map (reported).
func (o *oaDoc) section(name string) (*template.Value, Prop) {
	parent, pat := o.root, o.at
	if o.v3 {
		switch name {
		case "definitions", "securityDefinitions", "parameters", "responses":
			name = map[string]string{"definitions": "schemas", "securityDefinitions": "securitySchemes", "parameters": "parameters", "responses": "responses"}[name]
			c := o.root.Get("components")
			if c == nil {
				return nil, Prop{}
			}
			if c.Kind != template.Map {
				o.errAt(o.child(o.root, "components", o.at), "expected a map, got a %s", c.Kind)
				return nil, Prop{}
			}
			parent, pat = c, o.child(o.root, "components", o.at)
		}
	}
	v := parent.Get(name)
	at := o.child(parent, name, pat)
	if v == nil || v.Kind == template.Null {
		return nil, at
	}
	if v.Kind != template.Map {
		o.errAt(at, "expected a map, got a %s", v.Kind)
		return nil, at
	}
	return v, at
}

// dataModels makes a model of each definition (components.schemas).
func (o *oaDoc) dataModels() {
	defs, dat := o.section("definitions")
	if defs == nil {
		return
	}
	for _, name := range defs.Keys {
		o.models[name] = true
	}
	for i, name := range defs.Keys {
		at := o.key(defs, i, dat)
		if !modelNameRe.MatchString(name) {
			o.errAt(at, "model name %q must be alphanumeric, as API Gateway requires", name)
			continue
		}
		o.addModel(name, defs.Vals[name], at)
	}
}

// addModel adds a model of the API from a schema, its $refs to the
// document's models made model URLs (as API Gateway imports them).
func (o *oaDoc) addModel(name string, schema *template.Value, at Prop) *DataModel {
	doc, ok := o.schema(schema, at)
	if !ok {
		return nil
	}
	s, err := json.Marshal(doc)
	if err != nil {
		o.errAt(at, "the schema cannot be written as JSON: %v", err)
		return nil
	}
	dm := &DataModel{LogicalID: o.r.LogicalID, Name: name, API: o.api, ContentType: "application/json", Schema: string(s),
		Line: at.Line, Col: at.Col, File: at.File, Props: Props{"": at, "Schema": at, "Name": at}}
	o.b.m.DataModels = append(o.b.m.DataModels, dm)
	return dm
}

// schema is a schema as JSON values with its model $refs rewritten.
func (o *oaDoc) schema(v *template.Value, at Prop) (any, bool) {
	ok := true
	var walk func(v *template.Value, at Prop) any
	walk = func(v *template.Value, at Prop) any {
		switch v.Kind {
		case template.Map:
			m := make(map[string]any, len(v.Keys))
			for i, k := range v.Keys {
				kat := o.key(v, i, at)
				if k == "$ref" && v.Vals[k].Kind == template.String {
					name, err := o.modelName(v.Vals[k].Str)
					if err != nil {
						o.errAt(kat, "%v", err)
						ok = false
						continue
					}
					m[k] = ModelURL(o.api.ID, name)
					continue
				}
				m[k] = walk(v.Vals[k], kat)
			}
			return m
		case template.List:
			l := make([]any, len(v.List))
			for i, it := range v.List {
				l[i] = walk(it, Prop{Path: fmt.Sprintf("%s[%d]", at.Path, i), Pos: valuePos(it, at.Pos)})
			}
			return l
		}
		return plain(v)
	}
	doc := walk(v, at)
	return doc, ok
}

// modelName is the model a schema $ref names.
func (o *oaDoc) modelName(ref string) (string, error) {
	name, ok := strings.CutPrefix(ref, o.modelRef)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("$ref %q: a schema may refer to the document's models only (%sNAME), as API Gateway imports them", ref, o.modelRef)
	}
	name = strings.NewReplacer("~1", "/", "~0", "~").Replace(name)
	if !o.models[name] && builtinModels[name] == "" {
		return "", fmt.Errorf("$ref %q: the document has no model %s (%s)", ref, name, strings.TrimSuffix(strings.TrimPrefix(o.modelRef, "#/"), "/"))
	}
	return name, nil
}

// requestValidators reads x-amazon-apigateway-request-validators and the
// document's default x-amazon-apigateway-request-validator.
func (o *oaDoc) requestValidators() {
	if v := o.root.Get("x-amazon-apigateway-request-validators"); v != nil {
		vat := o.child(o.root, "x-amazon-apigateway-request-validators", o.at)
		if v.Kind != template.Map {
			o.errAt(vat, "expected a map of validators by name, got a %s", v.Kind)
		} else {
			for i, name := range v.Keys {
				at := o.key(v, i, vat)
				var p oaValidator
				props := o.decodeInto(v.Vals[name], at, &p)
				rv := &RequestValidator{ID: shortID("validator/"+o.api.LogicalID+"/"+name, 6), LogicalID: o.r.LogicalID, Name: name, API: o.api,
					Body: p.ValidateRequestBody, Params: p.ValidateRequestParameters, Line: at.Line, Col: at.Col, File: at.File, Props: props}
				if o.b.validators == nil {
					o.b.validators = map[string]*RequestValidator{}
				}
				o.b.validators[rv.ID] = rv
				o.validators[name] = rv
				o.b.m.RequestValidators = append(o.b.m.RequestValidators, rv)
			}
		}
	}
	if v := o.root.Get("x-amazon-apigateway-request-validator"); v != nil {
		o.defValAt = o.child(o.root, "x-amazon-apigateway-request-validator", o.at)
		o.defValidator = o.validatorID(v, o.defValAt)
	}
}

// validatorID is the id of the validator v names, "" after reporting.
func (o *oaDoc) validatorID(v *template.Value, at Prop) string {
	if !v.IsScalar() {
		o.errAt(at, "expected the name of a validator, got a %s", v.Kind)
		return ""
	}
	rv := o.validators[v.Str]
	if rv == nil {
		o.errAt(at, "%q is not a validator of x-amazon-apigateway-request-validators (%s)", v.Str, namesOrNone(sortedKeys(o.validators)))
		return ""
	}
	return rv.ID
}

// securitySchemes reads the security schemes: Lambda and Cognito
// authorizers (x-amazon-apigateway-authorizer), IAM (awsSigv4) and the API
// key (an apiKey scheme named x-api-key in the header).
func (o *oaDoc) securitySchemes() {
	defs, dat := o.section("securityDefinitions")
	if defs == nil {
		return
	}
	for i, name := range defs.Keys {
		v, at := defs.Vals[name], o.key(defs, i, dat)
		if v.Kind != template.Map {
			o.errAt(at, "expected a security scheme (a map), got a %s", v.Kind)
			continue
		}
		s := &oaScheme{kind: "other", typ: str(v.Get("type"))}
		o.schemes[name] = s
		authtype := str(v.Get("x-amazon-apigateway-authtype"))
		for j, k := range v.Keys {
			switch k {
			case "type", "name", "in", "description", "scheme", "bearerFormat", "flows", "openIdConnectUrl", "flow", "authorizationUrl", "tokenUrl", "scopes",
				"x-amazon-apigateway-authtype", "x-amazon-apigateway-authorizer":
			default:
				o.extOrUnknown(o.key(v, j, at), k, "security scheme "+name)
			}
		}
		ext := v.Get("x-amazon-apigateway-authorizer")
		switch {
		case ext != nil:
			s.kind = "authorizer"
			s.auth = o.authorizer(name, v, ext, o.child(v, "x-amazon-apigateway-authorizer", at))
		case strings.EqualFold(authtype, "awsSigv4"):
			s.kind = "iam"
		case authtype != "":
			o.errAt(o.child(v, "x-amazon-apigateway-authtype", at), "x-amazon-apigateway-authtype %s needs an x-amazon-apigateway-authorizer (or is awsSigv4, for IAM)", authtype)
		case s.typ == "apiKey" && strings.EqualFold(str(v.Get("name")), "x-api-key") && str(v.Get("in")) == "header":
			s.kind = "apikey"
		}
	}
}

// authorizer makes the authorizer of a security scheme.
func (o *oaDoc) authorizer(name string, scheme, ext *template.Value, at Prop) *Authorizer {
	var p oaAuthorizer
	raw := o.decodeInto(ext, at, &p)
	props := Props{}
	rename(props, raw, oaAuthorizerNames, "")
	props[""] = at
	typ := strings.ToUpper(p.Type)
	if typ == "JWT" {
		o.errAt(props.At("Type", at.Pos), "jwt authorizers are HTTP APIs'; a REST API uses cognito_user_pools")
	}
	ca := cfnAuthorizer{Name: name, Type: typ, AuthorizerUri: p.AuthorizerURI, AuthorizerCredentials: p.AuthorizerCredentials,
		AuthorizerResultTtlInSeconds: p.AuthorizerResultTtlInSeconds, IdentitySource: p.IdentitySource,
		IdentityValidationExpression: p.IdentityValidationExpression, ProviderARNs: p.ProviderARNs}
	if ca.IdentitySource == "" && (typ == "TOKEN" || typ == "COGNITO_USER_POOLS") {
		// The token is in the header the scheme names.
		if h := str(scheme.Get("name")); h != "" && str(scheme.Get("in")) == "header" {
			ca.IdentitySource = "method.request.header." + h
			props["IdentitySource"] = o.child(scheme, "name", Prop{Path: strings.TrimSuffix(at.Path, ".x-amazon-apigateway-authorizer"), Pos: at.Pos})
		}
	}
	a := o.b.newAuthorizer(o.r, o.api, ca, props, o.r.LogicalID, shortID("authorizer/"+o.api.LogicalID+"/"+name, 6))
	a.Line, a.Col, a.File = at.Line, at.Col, at.File
	o.b.m.Authorizers = append(o.b.m.Authorizers, a)
	return a
}

// gatewayResponses reads x-amazon-apigateway-gateway-responses.
func (o *oaDoc) gatewayResponses() {
	v := o.root.Get("x-amazon-apigateway-gateway-responses")
	if v == nil {
		return
	}
	vat := o.child(o.root, "x-amazon-apigateway-gateway-responses", o.at)
	if v.Kind != template.Map {
		o.errAt(vat, "expected a map of gateway responses by type, got a %s", v.Kind)
		return
	}
	for i, typ := range v.Keys {
		at := o.key(v, i, vat)
		var p oaGatewayResponse
		raw := o.decodeInto(v.Vals[typ], at, &p)
		props := Props{}
		rename(props, raw, oaGatewayResponseNames, "")
		props[""], props["ResponseType"] = at, at
		gr := o.b.newGatewayResponse(o.r, o.api, cfnGatewayResponse{ResponseType: typ, StatusCode: p.StatusCode,
			ResponseParameters: p.ResponseParameters, ResponseTemplates: p.ResponseTemplates}, props, o.r.LogicalID)
		gr.Line, gr.Col, gr.File = at.Line, at.Col, at.File
		o.b.m.GatewayResponses = append(o.b.m.GatewayResponses, gr)
	}
}

// paths makes the resources and methods.
func (o *oaDoc) paths() {
	paths, pat := o.section("paths")
	if paths == nil {
		return
	}
	for i, path := range paths.Keys {
		at := o.key(paths, i, pat)
		item := paths.Vals[path]
		if !strings.HasPrefix(path, "/") || (path != "/" && strings.Contains(strings.TrimSuffix(path, "/"), "//")) {
			o.errAt(at, "API Gateway refuses the path %q: a path starts with / and has no empty part", path)
			continue
		}
		// API Gateway's import drops a trailing slash: /items/ is the
		// resource /items (SAM issue 3816 shows /items and /items/
		// colliding on AWS).
		if path != "/" {
			path = strings.TrimSuffix(path, "/")
		}
		if item == nil || item.Kind != template.Map {
			if item != nil && item.Kind != template.Null {
				o.errAt(at, "expected a path item (a map of operations), got a %s", item.Kind)
			}
			continue
		}
		res := o.resource(path, at)
		common := item.Get("parameters")
		for j, k := range item.Keys {
			kat := o.key(item, j, at)
			if verb, ok := oaMethods[k]; ok {
				o.operation(res, verb, item.Vals[k], common, kat, o.child(item, "parameters", at))
				continue
			}
			switch k {
			case "parameters", "summary", "description", "servers":
			case "$ref":
				o.errAt(kat, "a path item $ref is not supported: write the operations in the path")
			case "trace":
				o.errAt(kat, "API Gateway has no TRACE methods")
			default:
				o.extOrUnknown(kat, k, "path "+path)
			}
		}
	}
}

// resource is the API's resource for a path, made with its ancestors.
func (o *oaDoc) resource(path string, at Prop) *Resource {
	if path == "/" {
		return o.api.Root
	}
	if res := o.res[path]; res != nil {
		return res
	}
	i := strings.LastIndex(path, "/")
	parent := o.resource(cmp.Or(path[:i], "/"), at)
	res := &Resource{ID: shortID("resource/"+o.api.LogicalID+path, 6), LogicalID: o.r.LogicalID, Path: path, PathPart: path[i+1:], Parent: parent,
		Line: at.Line, Col: at.Col, File: at.File, Props: Props{"": at, "PathPart": at}, Methods: map[string]*Method{}}
	o.res[path] = res
	o.b.resByID[res.ID] = res
	o.b.resAPI[res] = o.api
	o.api.Resources = append(o.api.Resources, res)
	return res
}

// operation makes a method.
func (o *oaDoc) operation(res *Resource, verb string, op, common *template.Value, at, commonAt Prop) {
	if op == nil || op.Kind != template.Map {
		o.errAt(at, "expected an operation (a map), got a %s", cmp.Or(op, &template.Value{}).Kind)
		return
	}
	api := o.api
	m := &Method{LogicalID: o.r.LogicalID, ID: shortID("method/"+api.LogicalID+"/"+verb+" "+res.Path, 10), Line: at.Line, Col: at.Col, File: at.File,
		Props: Props{"": at, "HttpMethod": at}, HTTPMethod: verb, Resource: res, AuthorizationType: "NONE", MethodResponses: map[int]*MethodResponse{}}
	if id := op.Get("operationId"); id != nil {
		m.OperationName = str(id)
	}
	models := o.parameters(m, op, common, at, commonAt)
	o.security(m, op, at)
	o.methodResponses(m, op, at)
	// The validator: the operation's, else the document's.
	m.Props["RequestValidatorId"] = o.defValAt
	m.RequestValidatorID = o.defValidator
	if v := op.Get("x-amazon-apigateway-request-validator"); v != nil {
		vat := o.child(op, "x-amazon-apigateway-request-validator", at)
		m.Props["RequestValidatorId"] = vat
		m.RequestValidatorID = o.validatorID(v, vat)
	}
	o.b.methodValidation(o.r, api, m, models)
	iat := o.child(op, "x-amazon-apigateway-integration", at)
	m.Props["Integration"] = iat
	if v := op.Get("x-amazon-apigateway-integration"); v != nil {
		if ci := o.integration(m, v, iat); ci != nil {
			m.Integration = o.b.integration(o.r, m, ci)
		}
	}
	for i, k := range op.Keys {
		switch k {
		case "tags", "summary", "description", "externalDocs", "operationId", "consumes", "produces", "parameters", "responses", "schemes",
			"deprecated", "security", "requestBody", "callbacks", "servers", "x-amazon-apigateway-integration", "x-amazon-apigateway-request-validator":
		case "x-amazon-apigateway-auth":
			o.errAt(o.key(op, i, at), "x-amazon-apigateway-auth is not supported for REST APIs here: use a security scheme with x-amazon-apigateway-authtype awsSigv4 for IAM")
		default:
			o.extOrUnknown(o.key(op, i, at), k, at.Path)
		}
	}
	api.Methods = append(api.Methods, m)
	if res.Methods[verb] == nil {
		res.Methods[verb] = m
	}
}

// ref follows a local $ref ("#/a/b") to what it names; v itself when it
// is not a $ref; nil after reporting.
func (o *oaDoc) ref(v *template.Value, at Prop) (*template.Value, Prop) {
	for range 16 {
		r := v.Get("$ref")
		if r == nil {
			return v, at
		}
		rat := o.child(v, "$ref", at)
		s, ok := strings.CutPrefix(str(r), "#/")
		if !ok {
			o.errAt(rat, "$ref %q: only references within the document (#/...) are supported", str(r))
			return nil, at
		}
		cur, cat := o.root, Prop{Path: o.at.Path, Pos: o.at.Pos}
		for part := range strings.SplitSeq(s, "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			next := cur.Get(part)
			if next == nil {
				o.errAt(rat, "$ref %q names nothing in the document", str(r))
				return nil, at
			}
			cat = o.child(cur, part, cat)
			cur = next
		}
		v, at = cur, cat
	}
	o.errAt(at, "$refs nested too deep")
	return nil, at
}

// parameters reads the operation's and its path's parameters into the
// method's request parameters, and returns its request models by content
// type (by name).
func (o *oaDoc) parameters(m *Method, op, common *template.Value, at, commonAt Prop) map[string]string {
	models := map[string]string{}
	type param struct {
		v  *template.Value
		at Prop
	}
	var params []param
	seen := map[string]int{}
	add := func(list *template.Value, lat Prop) {
		if list == nil {
			return
		}
		if list.Kind != template.List {
			o.errAt(lat, "expected a list of parameters, got a %s", list.Kind)
			return
		}
		for i, it := range list.List {
			pat := Prop{Path: fmt.Sprintf("%s[%d]", lat.Path, i), Pos: valuePos(it, lat.Pos)}
			v, vat := o.ref(it, pat)
			if v == nil {
				continue
			}
			if v.Kind != template.Map {
				o.errAt(pat, "expected a parameter (a map), got a %s", v.Kind)
				continue
			}
			key := str(v.Get("in")) + "/" + str(v.Get("name"))
			if j, ok := seen[key]; ok { // the operation's replaces the path's
				params[j] = param{v, vat}
				continue
			}
			seen[key] = len(params)
			params = append(params, param{v, vat})
		}
	}
	add(common, commonAt)
	add(op.Get("parameters"), o.child(op, "parameters", at))
	for _, p := range params {
		name, in := str(p.v.Get("name")), str(p.v.Get("in"))
		req := false
		if r := p.v.Get("required"); r != nil {
			req, _ = r.Boolean()
		}
		kind := ""
		switch in {
		case "path":
			kind, req = "path", true
		case "query":
			kind = "querystring"
		case "header":
			kind = "header"
		case "body":
			if s := p.v.Get("schema"); s != nil && !o.v3 {
				for _, ct := range o.consumes(op) {
					o.requestModel(m, models, ct, s, o.child(p.v, "schema", p.at))
				}
			}
			continue
		case "cookie":
			o.b.note("%s: %s: %s parameters are not request parameters API Gateway checks or maps", o.r.LogicalID, p.at.Path, in)
			continue
		default:
			// API Gateway's import ignores a parameter it cannot use, with
			// a warning ("Parameter type formData for parameter email not
			// supported. Ignoring."), which fails the import under
			// FailOnWarnings.
			desc := "the parameter"
			if name != "" {
				desc = fmt.Sprintf("parameter %q", name)
			}
			switch in {
			case "formData":
				o.warn(p.at, "%s: formData parameters are not request parameters API Gateway checks or maps", desc)
			case "":
				o.warn(p.at, "%s has no in (path, query, header or body)", desc)
			default:
				o.warn(p.at, "%s: in must be path, query, header or body, not %q", desc, in)
			}
			continue
		}
		if name == "" {
			o.errAt(p.at, "the parameter has no name")
			continue
		}
		k := "method.request." + kind + "." + name
		if m.RequestParameters == nil {
			m.RequestParameters = map[string]bool{}
		}
		m.RequestParameters[k] = req
		m.Props["RequestParameters."+k] = p.at
	}
	if rb := op.Get("requestBody"); rb != nil && o.v3 {
		v, vat := o.ref(rb, o.child(op, "requestBody", at))
		if v != nil {
			content := v.Get("content")
			cat := o.child(v, "content", vat)
			if content != nil && content.Kind == template.Map {
				for i, ct := range content.Keys {
					if s := content.Vals[ct].Get("schema"); s != nil {
						o.requestModel(m, models, ct, s, o.child(content.Vals[ct], "schema", o.key(content, i, cat)))
					}
				}
			}
		}
	}
	return models
}

// consumes are the content types of a Swagger operation's body.
func (o *oaDoc) consumes(op *template.Value) []string {
	for _, v := range []*template.Value{op.Get("consumes"), o.root.Get("consumes")} {
		if v != nil && v.Kind == template.List && len(v.List) > 0 {
			var out []string
			for _, it := range v.List {
				if s := str(it); s != "" {
					out = append(out, s)
				}
			}
			return out
		}
	}
	return []string{"application/json"}
}

// requestModel sets the method's model for a content type: the model a
// schema $ref names, or a model made of an inline schema (as API Gateway
// makes one on import).
func (o *oaDoc) requestModel(m *Method, models map[string]string, ct string, s *template.Value, at Prop) {
	m.Props["RequestModels."+ct] = at
	if r := s.Get("$ref"); r != nil && len(s.Keys) == 1 {
		name, err := o.modelName(str(r))
		if err != nil {
			o.errAt(o.child(s, "$ref", at), "%v", err)
			return
		}
		models[ct] = name
		return
	}
	if s.Kind != template.Map || len(s.Keys) == 0 {
		return
	}
	name := "Model" + strings.ToUpper(shortID(m.HTTPMethod+" "+m.Resource.Path+" "+ct, 8))
	for o.models[name] {
		name += "X"
	}
	o.models[name] = true
	if o.addModel(name, s, at) != nil {
		models[ct] = name
	}
}

// security reads the operation's security requirements (the document's
// when it has none).
func (o *oaDoc) security(m *Method, op *template.Value, at Prop) {
	sec, sat := op.Get("security"), o.child(op, "security", at)
	if sec == nil {
		sec, sat = o.root.Get("security"), o.child(o.root, "security", o.at)
	}
	for _, name := range []string{"AuthorizationType", "AuthorizerId", "AuthorizationScopes", "ApiKeyRequired"} {
		m.Props[name] = sat
	}
	if sec == nil {
		return
	}
	if sec.Kind != template.List {
		o.errAt(sat, "expected a list of security requirements, got a %s", sec.Kind)
		return
	}
	authBy := ""
	for i, req := range sec.List {
		rat := Prop{Path: fmt.Sprintf("%s[%d]", sat.Path, i), Pos: valuePos(req, sat.Pos)}
		if req.Kind != template.Map {
			o.errAt(rat, "expected a security requirement (a map of scheme names), got a %s", req.Kind)
			continue
		}
		for j, name := range req.Keys {
			kat := o.key(req, j, rat)
			s := o.schemes[name]
			if s == nil && name == "NONE" {
				continue // SAM's Authorizer: NONE: API Gateway ignores it, the method is open
			}
			if s == nil {
				o.errAt(kat, "%q is not a security scheme of the document (%s)", name, namesOrNone(sortedKeys(o.schemes)))
				continue
			}
			typ := ""
			switch s.kind {
			case "apikey":
				m.APIKeyRequired = true
				m.Props["ApiKeyRequired"] = kat
				continue
			case "iam":
				typ = "AWS_IAM"
			case "authorizer":
				if s.auth == nil {
					continue
				}
				typ = "CUSTOM"
				if s.auth.Type == "COGNITO_USER_POOLS" {
					typ = "COGNITO_USER_POOLS"
				}
			default:
				o.b.note("%s: %s: security scheme %s (type %s) has no x-amazon-apigateway-authorizer: API Gateway does not enforce it, the method is open", o.r.LogicalID, kat.Path, name, s.typ)
				continue
			}
			if authBy != "" {
				o.errAt(kat, "a method has one authorization: %s and %s are both required here", authBy, name)
				continue
			}
			authBy = name
			m.AuthorizationType = typ
			m.Props["AuthorizationType"], m.Props["AuthorizerId"], m.Props["AuthorizationScopes"] = kat, kat, kat
			if s.auth != nil {
				m.AuthorizerID = s.auth.ID
			}
			if scopes := req.Vals[name]; scopes != nil && scopes.Kind == template.List && typ == "COGNITO_USER_POOLS" {
				for _, sc := range scopes.List {
					m.AuthorizationScopes = append(m.AuthorizationScopes, str(sc))
				}
			}
		}
	}
}

// methodResponses reads the operation's responses: status codes and header
// names.
func (o *oaDoc) methodResponses(m *Method, op *template.Value, at Prop) {
	rs := op.Get("responses")
	if rs == nil || rs.Kind != template.Map {
		return
	}
	rsat := o.child(op, "responses", at)
	for i, code := range rs.Keys {
		kat := o.key(rs, i, rsat)
		if code == "default" || strings.HasPrefix(code, "x-") {
			continue
		}
		n, err := statusCode(code)
		if err != nil {
			o.errAt(kat, "%v", err)
			continue
		}
		prop := fmt.Sprintf("MethodResponses[%d]", i)
		m.Props[prop], m.Props[prop+".StatusCode"] = kat, kat
		mr := &MethodResponse{StatusCode: n, Headers: map[string]bool{}}
		v, vat := o.ref(rs.Vals[code], kat)
		if v != nil {
			if hs := v.Get("headers"); hs != nil && hs.Kind == template.Map {
				hat := o.child(v, "headers", vat)
				for j, h := range hs.Keys {
					mr.Headers[h] = false
					m.Props[prop+".ResponseParameters.method.response.header."+h] = o.key(hs, j, hat)
				}
			}
		}
		m.MethodResponses[n] = mr
	}
}

// integration translates x-amazon-apigateway-integration into the
// CloudFormation Integration's terms, its places into the method's Props.
func (o *oaDoc) integration(m *Method, v *template.Value, at Prop) *cfnIntegration {
	if v.Kind != template.Map {
		o.errAt(at, "expected an integration (a map), got a %s", v.Kind)
		return nil
	}
	var p oaIntegration
	raw := o.decodeInto(v, at, &p)
	rename(m.Props, raw, oaIntegrationNames, "Integration")
	if p.ResponseTransferMode != "" && p.ResponseTransferMode != "BUFFERED" {
		o.errAt(o.child(v, "responseTransferMode", at), "responseTransferMode %s is not supported: apigw buffers responses (BUFFERED)", p.ResponseTransferMode)
	}
	ci := &cfnIntegration{Type: strings.ToUpper(p.Type), Uri: p.URI, IntegrationHttpMethod: p.HTTPMethod, Credentials: p.Credentials,
		RequestParameters: p.RequestParameters, RequestTemplates: p.RequestTemplates, PassthroughBehavior: strings.ToUpper(p.PassthroughBehavior),
		ContentHandling: p.ContentHandling, TimeoutInMillis: p.TimeoutInMillis, CacheKeyParameters: p.CacheKeyParameters,
		CacheNamespace: p.CacheNamespace, ConnectionType: p.ConnectionType, ConnectionId: p.ConnectionID}
	if rs := p.Responses; rs != nil {
		rsat := o.child(v, "responses", at)
		if rs.Kind != template.Map {
			o.errAt(rsat, "expected a map of responses by selection pattern, got a %s", rs.Kind)
			return ci
		}
		for i, pattern := range rs.Keys {
			kat := o.key(rs, i, rsat)
			var r oaIntegResp
			rraw := o.decodeInto(rs.Vals[pattern], kat, &r)
			prop := fmt.Sprintf("Integration.IntegrationResponses[%d]", len(ci.IntegrationResponses))
			rename(m.Props, rraw, oaIntegRespNames, prop)
			m.Props[prop+".SelectionPattern"] = kat
			if pattern == "default" {
				pattern = ""
			}
			ci.IntegrationResponses = append(ci.IntegrationResponses, cfnIntegResp{StatusCode: r.StatusCode, SelectionPattern: pattern,
				ResponseParameters: r.ResponseParameters, ResponseTemplates: r.ResponseTemplates, ContentHandling: r.ContentHandling})
		}
	}
	return ci
}

// yamlValue reads a JSON or YAML document (no intrinsic functions, as
// CloudFormation reads a BodyS3Location file) into a value; pos maps a
// node's line and column to the value's.
func yamlValue(data []byte, file string, pos func(line, col int) (int, int)) (*template.Value, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, fmt.Errorf("the document is empty")
	}
	budget := 1 << 20
	var conv func(n *yaml.Node, depth int) (*template.Value, error)
	conv = func(n *yaml.Node, depth int) (*template.Value, error) {
		if budget--; budget < 0 || depth > 200 {
			return nil, fmt.Errorf("line %d: the document is too large or too deep", n.Line)
		}
		line, col := pos(n.Line, n.Column)
		v := &template.Value{Line: line, Col: col, File: file}
		switch n.Kind {
		case yaml.DocumentNode:
			return conv(n.Content[0], depth+1)
		case yaml.AliasNode:
			return conv(n.Alias, depth+1)
		case yaml.MappingNode:
			v.Kind, v.Vals = template.Map, map[string]*template.Value{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, val := n.Content[i], n.Content[i+1]
				if k.Kind != yaml.ScalarNode {
					return nil, fmt.Errorf("line %d: a key must be a string", k.Line)
				}
				if k.Value == "<<" && k.Tag == "!!merge" {
					return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", k.Line)
				}
				if _, dup := v.Vals[k.Value]; dup {
					return nil, fmt.Errorf("line %d: duplicate key %s", k.Line, k.Value)
				}
				cv, err := conv(val, depth+1)
				if err != nil {
					return nil, err
				}
				kl, kc := pos(k.Line, k.Column)
				v.Keys = append(v.Keys, k.Value)
				v.KeyPos = append(v.KeyPos, template.Pos{File: file, Line: kl, Col: kc})
				v.Vals[k.Value] = cv
			}
		case yaml.SequenceNode:
			v.Kind = template.List
			for _, c := range n.Content {
				cv, err := conv(c, depth+1)
				if err != nil {
					return nil, err
				}
				v.List = append(v.List, cv)
			}
		case yaml.ScalarNode:
			v.Str = n.Value
			switch n.Tag {
			case "!!null":
				v.Kind, v.Str = template.Null, ""
			case "!!bool":
				v.Kind = template.Bool
				if b, err := strconv.ParseBool(strings.ToLower(n.Value)); err == nil {
					v.Str = strconv.FormatBool(b)
				}
			case "!!int", "!!float":
				v.Kind = template.Number
			case "!!str", "!!timestamp", "!!binary", "":
				v.Kind = template.String
			default:
				return nil, fmt.Errorf("line %d: tag %s: intrinsic functions are not resolved in an OpenAPI file (CloudFormation does not either); use Body with Fn::Transform AWS::Include to have them resolved", n.Line, n.Tag)
			}
		default:
			return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
		}
		return v, nil
	}
	return conv(&doc, 0)
}

func namesOrNone(names []string) string {
	if len(names) == 0 {
		return "it declares none"
	}
	return strings.Join(names, ", ")
}
