package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/auth/policy"
	"github.com/apigw/apigw/internal/funcref"
	"github.com/apigw/apigw/internal/template"
)

// FunctionOverrides come from apigw's --config file: a function's local code
// or a remote Invoke API endpoint, by logical ID or function name.
type FunctionOverride struct {
	Code     string // local folder or .zip, absolute
	Endpoint string // Lambda Invoke API base URL
}

// Options are the settings the model needs beyond the template.
type Options struct {
	Region, AccountID, StackName string // as given to the template engine
	Functions                    map[string]FunctionOverride
}

// Build turns a resolved template into a model: it decodes the
// CloudFormation resources (Decode), then checks the model's meaning
// (Validate). The error, when not nil, is a template.ErrorList naming every
// problem both found, in line order.
func Build(tpl *template.Template, opts Options) (*Model, error) {
	m, derrs := decode(tpl, opts)
	errs := derrs
	for _, e := range validate(m) {
		if e.Msg == nothingToServe && e.LogicalID == "" && len(derrs) > 0 {
			continue // the APIs that failed to decode are reported
		}
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		// The template's errors first, then those of the files it includes
		// in the order they were read, each in line order.
		rank := map[string]int{tpl.File: 0}
		for i, f := range tpl.Includes {
			if _, ok := rank[f]; !ok {
				rank[f] = i + 1
			}
		}
		fileRank := func(f string) int {
			if r, ok := rank[f]; ok {
				return r
			}
			return len(rank)
		}
		slices.SortStableFunc(errs, func(x, y *template.Error) int {
			return cmp.Or(fileRank(x.File)-fileRank(y.File), x.Line-y.Line, x.Col-y.Col)
		})
		return nil, errs
	}
	return m, nil
}

// Decode turns a resolved template's resources into a model without
// checking its meaning; the error, when not nil, is a template.ErrorList of
// the template's syntax problems (properties, types, references). The
// model is returned either way, holding what could be decoded: call
// Validate before serving it.
func Decode(tpl *template.Template, opts Options) (*Model, error) {
	m, errs := decode(tpl, opts)
	if len(errs) > 0 {
		return m, errs
	}
	return m, nil
}

// builder is the CloudFormation decoder.
type builder struct {
	tpl  *template.Template
	opts Options
	errs template.ErrorList
	m    *Model

	apis      map[string]*RestAPI  // by logical ID
	apiByID   map[string]*RestAPI  // by id (Ref value)
	resByID   map[string]*Resource // resource ids, roots included
	resAPI    map[*Resource]*RestAPI
	deployAPI map[string]*RestAPI  // deployment id -> API
	funcs     map[string]*Function // by name, logical ID and ARN (the first declared)
	// validators by id (Ref value)
	validators map[string]*RequestValidator
	// ws is what the WebSocket APIs' decoder keeps (wsbuild.go), http
	// the HTTP APIs' (httpbuild.go).
	ws   wsState
	http httpState
}

func decode(tpl *template.Template, opts Options) (*Model, template.ErrorList) {
	b := &builder{
		tpl: tpl, opts: opts,
		m:         &Model{File: tpl.File, Region: opts.Region, AccountID: opts.AccountID},
		apis:      map[string]*RestAPI{},
		apiByID:   map[string]*RestAPI{},
		resByID:   map[string]*Resource{},
		resAPI:    map[*Resource]*RestAPI{},
		deployAPI: map[string]*RestAPI{},
		funcs:     map[string]*Function{},
	}
	b.m.Notes = append(b.m.Notes, tpl.Notes...)
	byType := map[string][]*template.Resource{}
	for _, r := range tpl.Resources {
		byType[r.Type] = append(byType[r.Type], r)
	}
	// Decoded in this order: each type refers to the ones before it
	// (methods to resources, plans to stages and keys, ...).
	steps := []struct {
		typ    string
		decode func(*template.Resource)
	}{
		{"AWS::Lambda::Function", b.function},
		{"AWS::Cognito::UserPool", b.userPool},
		{"AWS::Cognito::UserPoolClient", b.userPoolClient},
		{"AWS::ApiGateway::RestApi", b.restAPI},
		// WebSocket APIs' other types: b.webSockets, after these.
		{"AWS::ApiGatewayV2::Api", b.v2API},
		{"AWS::ApiGateway::Resource", nil}, // all at once: parents first
		{"AWS::ApiGateway::RequestValidator", b.requestValidator},
		{"AWS::ApiGateway::Model", nil}, // all at once: they $ref each other
		{"AWS::ApiGateway::Method", b.method},
		{"AWS::ApiGateway::Deployment", b.deployment},
		{"AWS::ApiGateway::Stage", b.stage},
		{"AWS::ApiGateway::Authorizer", b.authorizer},
		{"AWS::ApiGateway::GatewayResponse", b.gatewayResponse},
		{"AWS::ApiGateway::ApiKey", b.apiKey},
		{"AWS::ApiGateway::UsagePlan", b.usagePlan},
		{"AWS::ApiGateway::UsagePlanKey", b.usagePlanKey},
	}
	for _, st := range steps {
		if st.decode == nil {
			if st.typ == "AWS::ApiGateway::Model" {
				b.dataModels(byType[st.typ])
			} else {
				b.resources(byType[st.typ])
			}
			continue
		}
		for _, r := range byType[st.typ] {
			st.decode(r)
		}
	}
	b.webSockets(b.httpAPIs(byType))
	b.noteUnusedAuthorizers()
	b.noteAccepted(byType)
	return b.m, b.errs
}

func unsupportedReason(typ string) string {
	switch {
	case typ == "AWS::ApiGatewayV2::VpcLink":
		return "VPC links cannot be reproduced locally"
	case strings.HasPrefix(typ, "AWS::ApiGatewayV2::"):
		return fmt.Sprintf("HTTP APIs (API kind %s) come in a later version of apigw", KindHTTP)
	case typ == "AWS::ApiGateway::VpcLink":
		return "VPC links cannot be reproduced locally"
	case typ == "AWS::Lambda::Url":
		return "function URLs are not served"
	case typ == "AWS::Lambda::Alias":
		return "aliases come with the local Lambda runtime"
	}
	return "not implemented"
}

// rpos is where a resource is declared: its logical ID.
func rpos(r *template.Resource) Pos { return Pos{Line: r.Line, Col: r.Col, File: r.File} }

// propsPos is where a resource's Properties key is, or the resource's
// position when it has none: where a missing top-level property is.
func propsPos(r *template.Resource) Pos {
	if r.PropertiesAt.Line > 0 {
		return tpos(r.PropertiesAt)
	}
	return rpos(r)
}

// errAt reports a problem with a resource's property.
func (b *builder) errAt(r *template.Resource, at Prop, format string, args ...any) {
	b.errs = append(b.errs, &template.Error{File: cmp.Or(at.File, b.tpl.File), Line: at.Line, Col: at.Col, LogicalID: r.LogicalID, Property: at.Path, Msg: fmt.Sprintf(format, args...)})
}

// decode reads a resource's Properties into out and returns where each
// property is.
func (b *builder) decode(r *template.Resource, out any) Props {
	d := &decoder{file: b.tpl.File, logicalID: r.LogicalID, errs: &b.errs, hints: hints}
	d.decode(r.Properties, "Properties", propsPos(r), out)
	return d.props
}

func (b *builder) note(format string, args ...any) {
	b.m.Notes = append(b.m.Notes, fmt.Sprintf(format, args...))
}

func (b *builder) restAPI(r *template.Resource) {
	var p cfnRestAPI
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := &RestAPI{ID: APIID(r.LogicalID), LogicalID: r.LogicalID, Kind: KindREST, Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if other, ok := b.apiByID[api.ID]; ok {
		b.errAt(r, Prop{Pos: rpos(r)}, "its API id %q (the logical ID in lower case) is the same as %s's", api.ID, other.LogicalID)
		return
	}
	var body *oaDoc
	if p.Body != nil || p.BodyS3Location != nil {
		// OpenAPI and Swagger bodies: openapi.go, a second decoder into
		// the same model; its top-level settings fill the properties left
		// unset.
		body = b.openAPIDoc(r, props, &p)
		api.Name = p.Name
	}
	if p.Name == "" && p.Body == nil && p.BodyS3Location == nil {
		b.errAt(r, at("Name"), "required property Name is missing")
	}
	if p.CloneFrom != "" {
		b.errAt(r, at("CloneFrom"), "CloneFrom is not supported: apigw cannot copy an API from an AWS account")
	}
	api.APIKeySource = "HEADER"
	switch p.ApiKeySourceType {
	case "", "HEADER":
	case "AUTHORIZER":
		api.APIKeySource = p.ApiKeySourceType
	default:
		b.errAt(r, at("ApiKeySourceType"), "must be HEADER or AUTHORIZER, not %q", p.ApiKeySourceType)
	}
	if p.Policy != nil {
		api.Policy = policyJSON(p.Policy)
		if policyEmpty(api.Policy) {
			b.note("%s: the Policy is empty (no statements): the API has no resource policy", r.LogicalID)
			api.Policy = ""
		} else {
			region, account := cmpOr(b.opts.Region, "us-east-1"), cmpOr(b.opts.AccountID, "123456789012")
			prefix := "arn:" + Partition(region) + ":execute-api:" + region + ":" + account + ":" + api.ID
			pol, err := policy.Parse(api.Policy, prefix)
			if err != nil {
				b.errAt(r, at("Policy"), "%v", err)
			}
			api.ResourcePolicy = pol
		}
	}
	for _, t := range p.BinaryMediaTypes {
		api.BinaryMediaTypes = append(api.BinaryMediaTypes, strings.ReplaceAll(t, "~1", "/"))
	}
	if v := p.MinimumCompressionSize; v != nil {
		if *v < 0 || *v > MaxMinimumCompressionSize {
			b.errAt(r, at("MinimumCompressionSize"), "must be between 0 and %d, not %d", MaxMinimumCompressionSize, *v)
		} else {
			api.MinimumCompressionSize = v
		}
	}
	api.Root = &Resource{ID: RootResourceID(r.LogicalID), Path: "/", Line: r.Line, Col: r.Col, File: r.File, Methods: map[string]*Method{}}
	b.resByID[api.Root.ID] = api.Root
	b.resAPI[api.Root] = api
	b.apis[r.LogicalID] = api
	b.apiByID[api.ID] = api
	b.m.RestAPIs = append(b.m.RestAPIs, api)
	if body != nil {
		body.decode(api)
	}
}

// policyJSON is a Policy property as JSON text: a string as written (the
// property may be a JSON string), anything else encoded.
func policyJSON(v *template.Value) string {
	if v.Kind == template.String {
		return v.Str
	}
	out, err := json.Marshal(plain(v))
	if err != nil {
		return v.Str
	}
	return string(out)
}

// plain is a resolved value as Go's JSON values.
func plain(v *template.Value) any {
	switch v.Kind {
	case template.Map:
		m := make(map[string]any, len(v.Keys))
		for _, k := range v.Keys {
			m[k] = plain(v.Vals[k])
		}
		return m
	case template.List:
		l := make([]any, len(v.List))
		for i, it := range v.List {
			l[i] = plain(it)
		}
		return l
	case template.Number:
		if json.Valid([]byte(v.Str)) {
			return json.RawMessage(v.Str)
		}
		return v.Str
	case template.Bool:
		b, _ := v.Boolean()
		return b
	case template.String:
		return v.Str
	}
	return nil
}

// apiRef finds the API a RestApiId property names.
func (b *builder) apiRef(r *template.Resource, props Props, prop string) *RestAPI {
	v := r.Properties.Get(prop)
	if v == nil || !v.IsScalar() {
		return nil // the decoder reported it
	}
	if api := b.apiByID[v.Str]; api != nil {
		return api
	}
	b.errAt(r, props.At(prop, rpos(r)), "%q is not a RestApi of this template (use !Ref of an AWS::ApiGateway::RestApi)", v.Str)
	return nil
}

type pendingResource struct {
	r     *template.Resource
	p     cfnResource
	props Props
	res   *Resource
	api   *RestAPI
}

// resources links AWS::ApiGateway::Resources to their APIs and parents and
// gives each its path; Validate checks the trees.
func (b *builder) resources(rs []*template.Resource) {
	var pending []*pendingResource
	for _, r := range rs {
		pr := &pendingResource{r: r}
		pr.props = b.decode(r, &pr.p)
		pr.api = b.apiRef(r, pr.props, "RestApiId")
		pr.res = &Resource{ID: ResourceID(r.LogicalID), LogicalID: r.LogicalID, PathPart: pr.p.PathPart, Line: r.Line, Col: r.Col, File: r.File,
			Props: pr.props, Methods: map[string]*Method{}}
		b.resByID[pr.res.ID] = pr.res
		pending = append(pending, pr)
	}
	// Link parents, then compute paths (parents may come after children).
	for _, pr := range pending {
		if pr.api == nil || pr.p.ParentId == "" {
			continue
		}
		parent := b.resByID[pr.p.ParentId]
		at := pr.props.At("ParentId", rpos(pr.r))
		switch {
		case parent == nil:
			b.errAt(pr.r, at, "%q is not a resource of this template (use !GetAtt Api.RootResourceId or !Ref of an AWS::ApiGateway::Resource)", pr.p.ParentId)
			continue
		case parent.LogicalID == "" && b.resAPI[parent] != pr.api:
			b.errAt(pr.r, at, "the parent is the root of another API (%s) than RestApiId (%s)", b.resAPI[parent].LogicalID, pr.api.LogicalID)
			continue
		}
		pr.res.Parent = parent
		b.resAPI[pr.res] = pr.api
	}
	for _, pr := range pending {
		if pr.res.Parent == nil {
			continue
		}
		var parts []string
		seen := map[*Resource]bool{}
		n := pr.res
		for n != nil && n.LogicalID != "" {
			if seen[n] {
				b.errAt(pr.r, pr.props.At("ParentId", rpos(pr.r)), "the resource is its own ancestor")
				parts = nil
				break
			}
			seen[n] = true
			parts = append(parts, n.PathPart)
			n = n.Parent
		}
		if n == nil || parts == nil {
			continue
		}
		if api := b.resAPI[n]; api != pr.api {
			b.errAt(pr.r, pr.props.At("ParentId", rpos(pr.r)), "the parent belongs to another API than RestApiId")
			continue
		}
		slices.Reverse(parts)
		pr.res.Path = "/" + strings.Join(parts, "/")
	}
	for _, api := range b.m.RestAPIs {
		var list []*Resource
		for _, pr := range pending {
			if pr.api == api && pr.res.Path != "" {
				list = append(list, pr.res)
			}
		}
		if len(api.Resources) == 0 { // a body's resources are there already
			api.Resources = []*Resource{api.Root}
		}
		api.Resources = append(api.Resources, list...)
		slices.SortStableFunc(api.Resources[1:], func(a, c *Resource) int { return strings.Compare(a.Path, c.Path) })
	}
}

func (b *builder) method(r *template.Resource) {
	var p cfnMethod
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	res := b.resByID[p.ResourceId]
	if res == nil || b.resAPI[res] != api {
		if p.ResourceId != "" {
			b.errAt(r, at("ResourceId"), "%q is not a resource of API %s (use !Ref of an AWS::ApiGateway::Resource or !GetAtt %s.RootResourceId)", p.ResourceId, api.LogicalID, api.LogicalID)
		}
		return
	}
	m := &Method{LogicalID: r.LogicalID, ID: shortID("method/"+r.LogicalID, 10), Line: r.Line, Col: r.Col, File: r.File, Props: props,
		HTTPMethod: strings.ToUpper(p.HttpMethod), Resource: res, AuthorizationType: p.AuthorizationType,
		AuthorizerID: p.AuthorizerId, AuthorizationScopes: p.AuthorizationScopes, APIKeyRequired: p.ApiKeyRequired,
		RequestValidatorID: p.RequestValidatorId, OperationName: p.OperationName, RequestParameters: p.RequestParameters,
		MethodResponses: map[int]*MethodResponse{}}
	if m.AuthorizationType == "" {
		m.AuthorizationType = "NONE"
	}
	if m.AuthorizationType == "NONE" && (p.AuthorizerId != "" || len(p.AuthorizationScopes) > 0) {
		b.note("%s: AuthorizerId/AuthorizationScopes are set but AuthorizationType is NONE: the method is open, as in API Gateway", r.LogicalID)
	}
	for i, mr := range p.MethodResponses {
		prop := fmt.Sprintf("MethodResponses[%d]", i)
		code, err := statusCode(mr.StatusCode)
		if err != nil {
			b.errAt(r, at(prop+".StatusCode"), "%v", err)
			continue
		}
		resp := &MethodResponse{StatusCode: code, Headers: map[string]bool{}}
		for k, req := range mr.ResponseParameters {
			name, ok := strings.CutPrefix(k, "method.response.header.")
			if !ok || name == "" {
				b.errAt(r, at(prop+".ResponseParameters."+k), "must look like method.response.header.NAME")
				continue
			}
			resp.Headers[name] = req
		}
		m.MethodResponses[code] = resp
	}
	b.methodValidation(r, api, m, p.RequestModels)
	if p.Integration != nil {
		m.Integration = b.integration(r, m, p.Integration)
	}
	api.Methods = append(api.Methods, m)
	if res.Methods[m.HTTPMethod] == nil {
		res.Methods[m.HTTPMethod] = m
	}
}

func statusCode(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("status code %q must be a number from 100 to 599", s)
	}
	return n, nil
}

func (b *builder) integration(r *template.Resource, m *Method, p *cfnIntegration) *Integration {
	at := func(name string) Prop { return m.Props.At("Integration."+name, rpos(r)) }
	ip := m.Props.At("Integration", rpos(r))
	in := &Integration{Type: IntegrationType(strings.ToUpper(p.Type)), URI: p.Uri, HTTPMethod: strings.ToUpper(p.IntegrationHttpMethod),
		RequestTemplates: p.RequestTemplates, PassthroughBehavior: p.PassthroughBehavior, ConnectionType: p.ConnectionType,
		ContentHandling: p.ContentHandling, Timeout: 29 * time.Second, Line: ip.Line, Col: ip.Col, File: ip.File}
	if p.TimeoutInMillis != nil {
		in.Timeout = time.Duration(*p.TimeoutInMillis) * time.Millisecond
	}
	if in.Type == AWSProxy {
		b.lambdaTarget(r, in)
		if in.HTTPMethod != "POST" && slices.Contains(httpMethods, in.HTTPMethod) {
			// API Gateway creates it; Lambda refuses the call at run time
			// (AWS knowledge center api-gateway-lambda-template-invoke-error).
			// An empty or unknown method is Validate's error.
			in.Broken = fmt.Sprintf("IntegrationHttpMethod is %s: Lambda is invoked with POST only", in.HTTPMethod)
			b.note("%s: %s: an AWS_PROXY integration with IntegrationHttpMethod %s is deployed by API Gateway, but Lambda is invoked with POST only: the method answers 500 Internal server error (API configuration error) when called",
				r.LogicalID, at("IntegrationHttpMethod").Path, in.HTTPMethod)
		}
	}
	// Request parameter mappings (their meaning is Validate's).
	keys := make([]string, 0, len(p.RequestParameters))
	for k := range p.RequestParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		pm, err := ParseMapping(k, p.RequestParameters[k])
		if err != nil {
			b.errAt(r, at("RequestParameters."+k), "%v", err)
			continue
		}
		in.RequestParameters = append(in.RequestParameters, pm)
	}
	if in.Type == Mock {
		for ct, t := range p.RequestTemplates {
			if code, err := MockStatus(t); err == nil && !isVTL(t) {
				if in.MockStatus == nil {
					in.MockStatus = map[string]int{}
				}
				in.MockStatus[ct] = code
			}
		}
		if len(p.IntegrationResponses) == 0 {
			b.note("%s: the MOCK integration has no IntegrationResponses, so every request gets 500 Internal server error (as in API Gateway)", r.LogicalID)
		}
	}
	// Integration responses: API Gateway ignores them for proxy types.
	if in.Type == HTTPProxy || in.Type == AWSProxy {
		if len(p.IntegrationResponses) > 0 {
			b.note("%s: IntegrationResponses are not applied to %s integrations (as in API Gateway): the backend's own status and headers reach the client", r.LogicalID, in.Type)
		}
	} else {
		for i, ir := range p.IntegrationResponses {
			if resp := b.integrationResponse(r, m, ir, fmt.Sprintf("Integration.IntegrationResponses[%d]", i)); resp != nil {
				in.Responses = append(in.Responses, resp)
			}
		}
	}
	in.CacheKeyParameters, in.CacheNamespace = p.CacheKeyParameters, p.CacheNamespace
	if in.ContentHandling != "" && in.Type != HTTP {
		// Proxy integrations pass bodies as they are (Lambda proxies by
		// isBase64Encoded and binaryMediaTypes); MOCK has no body.
		b.note("%s: Integration.ContentHandling is not applied to %s integrations (API Gateway applies it to non-proxy ones)", r.LogicalID, in.Type)
	}
	return in
}

// lambdaTarget finds the function an AWS_PROXY integration's URI names:
// one of the template's, or one --config sends to an Invoke API. Whether the
// URI and the function are right is Validate's.
func (b *builder) lambdaTarget(r *template.Resource, in *Integration) {
	fn, err := funcref.InvocationFunction(in.URI)
	if err != nil {
		return
	}
	in.Function = fn
	if strings.Contains(fn, "${stageVariables.") {
		return // known once the stage is
	}
	in.Target = b.lookupFunction(fn)
	in.Remote = b.remoteFunction(fn)
	if ref, err := funcref.Parse(fn); err == nil {
		in.Qualifier = ref.Qualifier
	}
	if in.Target != nil && !in.Remote && in.Qualifier != "" && in.Qualifier != funcref.Latest {
		if o, ok := b.override(in.Target); !ok || o.Endpoint == "" {
			b.note("%s: the integration calls %s:%s; apigw runs one version of %s (its code), whatever the qualifier", r.LogicalID, in.Target.Name, in.Qualifier, in.Target.LogicalID)
		}
	}
}

// sub are the props below prefix, keyed without it; "" is prefix's own.
func sub(props Props, prefix string) Props {
	out := Props{}
	if pr, ok := props[prefix]; ok {
		out[""] = pr
	}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "[")) {
			out[strings.TrimPrefix(rest, ".")] = v
		}
	}
	return out
}

func (b *builder) integrationResponse(r *template.Resource, m *Method, ir cfnIntegResp, prop string) *IntegrationResponse {
	props := sub(m.Props, prop)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	code, err := statusCode(ir.StatusCode)
	if err != nil {
		b.errAt(r, at("StatusCode"), "%v", err)
		return nil
	}
	resp := &IntegrationResponse{StatusCode: code, Pattern: ir.SelectionPattern, Templates: ir.ResponseTemplates, ContentHandling: ir.ContentHandling, Props: props}
	if ir.SelectionPattern != "" {
		resp.Selection, _ = regexp.Compile(`^(?:` + ir.SelectionPattern + `)$`) // Validate reports a bad one
	}
	keys := make([]string, 0, len(ir.ResponseParameters))
	for k := range ir.ResponseParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	bad := false
	for _, k := range keys {
		src := ir.ResponseParameters[k]
		name, ok := strings.CutPrefix(k, "method.response.header.")
		if !ok || name == "" {
			b.errAt(r, at("ResponseParameters."+k), "must look like method.response.header.NAME")
			bad = true
			continue
		}
		h := ResponseHeader{Name: name, Source: src}
		switch {
		case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
			h.Static, h.Value = true, src[1:len(src)-1]
		case strings.HasPrefix(src, "integration.response.header."):
			h.SourceHeader = strings.TrimPrefix(src, "integration.response.header.")
		}
		resp.Headers = append(resp.Headers, h)
	}
	if bad {
		return nil
	}
	return resp
}

// ParseMapping reads one integration request parameter mapping,
// integration.request.{path|querystring|header|multivalue...}.NAME: SOURCE,
// as API Gateway writes them in CloudFormation and in OpenAPI alike. What
// the mapping means for the method (whether the source is declared, is
// supported yet) is Validate's.
func ParseMapping(key, src string) (ParamMapping, error) {
	var pm ParamMapping
	rest, ok := strings.CutPrefix(key, "integration.request.")
	if !ok {
		return pm, fmt.Errorf("must look like integration.request.{path|querystring|header}.NAME")
	}
	pm.Target, pm.TargetName, ok = strings.Cut(rest, ".")
	if !ok || pm.TargetName == "" || !slices.Contains([]string{"path", "querystring", "header", "multivaluequerystring", "multivalueheader"}, pm.Target) {
		return pm, fmt.Errorf("must look like integration.request.{path|querystring|header}.NAME")
	}
	pm.SourceString = src
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		pm.SourceKind, pm.SourceName = "static", src[1:len(src)-1]
	case strings.HasPrefix(src, "method.request."):
		kind, name, _ := strings.Cut(strings.TrimPrefix(src, "method.request."), ".")
		switch kind {
		case "path", "querystring", "multivaluequerystring", "header", "multivalueheader":
			if name == "" {
				return pm, fmt.Errorf("%q names no parameter", src)
			}
		case "body":
		default:
			return pm, fmt.Errorf("%q is not a method request parameter (method.request.{path|querystring|header|body}...)", src)
		}
		pm.SourceKind, pm.SourceName = kind, name
	case strings.HasPrefix(src, "stageVariables."):
		pm.SourceKind, pm.SourceName = "stageVariables", strings.TrimPrefix(src, "stageVariables.")
	case strings.HasPrefix(src, "context."):
		pm.SourceKind, pm.SourceName = "context", strings.TrimPrefix(src, "context.")
	default:
		return pm, fmt.Errorf("%q is not a mapping source ('static', method.request.*, stageVariables.*, context.*)", src)
	}
	return pm, nil
}

func (b *builder) function(r *template.Resource) {
	var p cfnFunction
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	rc := &template.RefContext{LogicalID: r.LogicalID, StackName: b.opts.StackName}
	f := &Function{LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: props, Name: p.FunctionName, Runtime: p.Runtime, Handler: p.Handler,
		Timeout: 3 * time.Second, MemorySize: 128, Architectures: p.Architectures, ReservedConcurrency: -1}
	if f.Name == "" {
		f.Name = physicalName(rc, 64)
	}
	f.CodeLine, f.RuntimeLine = at("Code").Line, at("Runtime").Line
	f.ARN = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", Partition(b.opts.Region), b.opts.Region, b.opts.AccountID, f.Name)
	if p.Timeout != nil {
		f.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	if p.MemorySize != nil {
		f.MemorySize = *p.MemorySize
	}
	if p.ReservedConcurrentExecutions != nil {
		f.ReservedConcurrency = *p.ReservedConcurrentExecutions
	}
	if p.Environment != nil {
		f.Environment = p.Environment.Variables
	}
	code := p.Code
	switch {
	case code == nil:
	case code.Kind == template.String:
		f.Code.Path = b.localPath(code.Str)
	case code.Kind == template.Map:
		for i, k := range code.Keys {
			v := code.Vals[k]
			kat := Prop{Path: "Properties.Code." + k, Pos: keyPos(code, i, at("Code").Pos)}
			switch k {
			case "ZipFile":
				if v.Kind != template.String {
					b.errAt(r, kat, "expected the function's source as a string, got a %s (a pre-processor directive such as Rain::Embed must run before apigw reads the template)", v.Kind)
					continue
				}
				f.Code.ZipFile = v.Str
			case "S3Bucket":
				f.Code.S3Bucket = str(v)
			case "S3Key":
				f.Code.S3Key = str(v)
			case "ImageUri":
				f.Code.ImageURI = str(v)
			case "S3ObjectVersion", "SourceKMSKeyArn":
			default:
				b.errAt(r, kat, "unknown property %s (Code takes ZipFile, S3Bucket/S3Key/S3ObjectVersion or ImageUri)", k)
			}
		}
	default:
		b.errAt(r, at("Code"), "expected a map (ZipFile, S3Bucket/S3Key) or a local path, got a %s", code.Kind)
	}
	if o, ok := b.override(f); ok && o.Code != "" {
		f.Code = Code{Path: o.Code}
	}
	for _, key := range []string{f.Name, f.LogicalID, f.ARN} {
		if b.funcs[key] == nil {
			b.funcs[key] = f // Validate refuses the names two functions share
		}
	}
	b.m.Functions = append(b.m.Functions, f)
}

// remoteFunction reports whether --config names an endpoint for a function
// reference (its name, logical ID or ARN as written).
func (b *builder) remoteFunction(ref string) bool {
	keys := []string{ref}
	if r, err := funcref.Parse(ref); err == nil {
		keys = append(keys, r.Name)
	}
	for _, key := range keys {
		if o, ok := b.opts.Functions[key]; ok && o.Endpoint != "" {
			return true
		}
	}
	if f := b.lookupFunction(ref); f != nil {
		if o, ok := b.override(f); ok && o.Endpoint != "" {
			return true
		}
	}
	return false
}

// override finds a function's --config entry, by logical ID or name.
func (b *builder) override(f *Function) (FunctionOverride, bool) {
	if o, ok := b.opts.Functions[f.LogicalID]; ok {
		return o, true
	}
	o, ok := b.opts.Functions[f.Name]
	return o, ok
}

// localPath makes a code path from the template absolute: relative paths are
// relative to the template's folder.
func (b *builder) localPath(p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(filepath.Dir(b.tpl.File), p)
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return p
}

func (b *builder) lookupFunction(ref string) *Function {
	return LookupFunction(b.funcs, ref)
}

// LookupFunction resolves a function reference against a table by name,
// logical ID and ARN: the reference as written first, then the name
// funcref.Parse finds in it (a name, NAME:QUALIFIER, an ARN or a partial ARN,
// with or without a qualifier; the qualifier is not checked here).
func LookupFunction(funcs map[string]*Function, ref string) *Function {
	if f := funcs[ref]; f != nil {
		return f
	}
	r, err := funcref.Parse(ref)
	if err != nil {
		return nil
	}
	return funcs[r.Name]
}

func (b *builder) deployment(r *template.Resource) {
	var p cfnDeployment
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	id := DeploymentID(r.LogicalID)
	b.deployAPI[id] = api
	if p.DeploymentCanarySettings != nil {
		b.errAt(r, at("DeploymentCanarySettings"), "canary deployments are not supported")
	}
	if p.StageDescription != nil && p.StageName == "" {
		b.errAt(r, at("StageDescription"), "StageDescription needs StageName")
	}
	if p.StageName == "" {
		return
	}
	// The stage's props: StageName, and its StageDescription's as its own.
	sp := sub(props, "StageDescription")
	delete(sp, "")
	sp[""] = props[""]
	if pr, ok := props["StageName"]; ok {
		sp["StageName"] = pr
	}
	st := &Stage{Name: p.StageName, LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: sp, DeploymentID: id}
	if sd := p.StageDescription; sd != nil {
		st.Description = sd.Description
		st.Variables = sd.Variables
		var stageWide *Throttle
		if sd.ThrottlingBurstLimit != nil || sd.ThrottlingRateLimit != nil {
			t := (&cfnThrottle{BurstLimit: sd.ThrottlingBurstLimit, RateLimit: sd.ThrottlingRateLimit}).model()
			stageWide = &t
		}
		st.Throttles = stageThrottles(stageWide, sd.MethodSettings)
		// A StageDescription's CachingEnabled and CacheTtlInSeconds are
		// the stage-wide method setting ("/*/*").
		var stageWideCaching *MethodCaching
		if sd.CachingEnabled != nil || sd.CacheTtlInSeconds != nil {
			stageWideCaching = &MethodCaching{Path: "*", Method: "*", Enabled: sd.CachingEnabled, TTL: sd.CacheTtlInSeconds}
		}
		b.stageCache(r, st, &sd.stageSettings, stageWideCaching, sd.CacheDataEncrypted)
		b.stageNotes(r.LogicalID, sd.AccessLogSetting != nil, sd.TracingEnabled)
		if sd.CanarySetting != nil {
			b.errAt(r, at("StageDescription.CanarySetting"), "canary settings are not supported")
		}
	}
	api.Stages = append(api.Stages, st)
}

func (b *builder) stage(r *template.Resource) {
	var p cfnStage
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	name := p.StageName
	if name == "" {
		// CloudFormation generates a name; apigw uses the logical ID.
		name = r.LogicalID
		b.note("%s: the stage has no StageName; apigw serves it as /%s/", r.LogicalID, name)
	}
	if p.DeploymentId == "" {
		b.errAt(r, at("DeploymentId"), "the stage has no DeploymentId; API Gateway serves a stage only through a deployment")
		return
	}
	if dapi := b.deployAPI[p.DeploymentId]; dapi == nil {
		b.errAt(r, at("DeploymentId"), "%q is not a Deployment of this template", p.DeploymentId)
		return
	} else if dapi != api {
		b.errAt(r, at("DeploymentId"), "the deployment belongs to %s, not to %s", dapi.LogicalID, api.LogicalID)
		return
	}
	st := &Stage{Name: name, LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: props, DeploymentID: p.DeploymentId, Description: p.Description, Variables: p.Variables,
		Throttles: stageThrottles(nil, p.MethodSettings)}
	b.stageCache(r, st, &p.stageSettings, nil, false)
	b.stageNotes(r.LogicalID, p.AccessLogSetting != nil, p.TracingEnabled)
	if p.CanarySetting != nil {
		b.errAt(r, at("CanarySetting"), "canary settings are not supported")
	}
	api.Stages = append(api.Stages, st)
}

// stageCache reads a stage's cache cluster and the method settings that
// use it. Sizes and TTLs are Validate's.
func (b *builder) stageCache(r *template.Resource, st *Stage, ss *stageSettings, stageWide *MethodCaching, encrypted bool) {
	if stageWide != nil {
		st.Caching = append(st.Caching, *stageWide)
	}
	for i, s := range ss.MethodSettings {
		encrypted = encrypted || s.CacheDataEncrypted
		if s.CachingEnabled == nil && s.CacheTtlInSeconds == nil {
			continue
		}
		path, method := methodSettingKey(s.ResourcePath, s.HttpMethod)
		prop := fmt.Sprintf("MethodSettings[%d]", i)
		st.Caching = append(st.Caching, MethodCaching{Path: path, Method: method, Enabled: s.CachingEnabled, TTL: s.CacheTtlInSeconds, Prop: prop})
	}
	if ss.CacheClusterEnabled {
		size := ss.CacheClusterSize
		if size == "" {
			size = "0.5"
		}
		st.Cache = &StageCache{Size: size}
		if encrypted {
			b.note("%s: CacheDataEncrypted: apigw's stage cache is in memory and never written out, so there is nothing to encrypt", r.LogicalID)
		}
	} else if slices.ContainsFunc(st.Caching, func(mc MethodCaching) bool { return mc.Enabled != nil && *mc.Enabled }) {
		b.note("%s: CachingEnabled without CacheClusterEnabled: the stage has no cache, so nothing is cached (as in API Gateway)", r.LogicalID)
	}
}

func (b *builder) stageNotes(id string, accessLog, tracing bool) {
	if accessLog {
		b.note("%s: AccessLogSetting is not applied yet", id)
	}
	if tracing {
		b.note("%s: TracingEnabled is not applied yet", id)
	}
}

// noteAccepted records the resources apigw accepts without serving them.
func (b *builder) noteAccepted(byType map[string][]*template.Resource) {
	for _, typ := range []string{"AWS::Lambda::Version"} {
		for _, r := range byType[typ] {
			if r.Generated {
				continue
			}
			b.note("%s (%s): accepted, not served", r.LogicalID, typ)
		}
	}
}

// Partition is AWS::Partition for a region.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
