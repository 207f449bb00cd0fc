package model

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/router"
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

type builder struct {
	tpl  *template.Template
	opts Options
	errs template.ErrorList
	m    *Model

	apis       map[string]*RestAPI  // by logical ID
	apiByID    map[string]*RestAPI  // by id (Ref value)
	resByID    map[string]*Resource // resource ids, roots included
	resAPI     map[*Resource]*RestAPI
	deployAPI  map[string]*RestAPI // deployment id -> API
	deployLine map[string]int
	funcs      map[string]*Function // by name, logical ID and ARN
}

// Build turns a resolved template into a model. The error, when not nil, is
// a template.ErrorList naming every problem found.
func Build(tpl *template.Template, opts Options) (*Model, error) {
	b := &builder{
		tpl: tpl, opts: opts,
		m:          &Model{File: tpl.File, Region: opts.Region, AccountID: opts.AccountID},
		apis:       map[string]*RestAPI{},
		apiByID:    map[string]*RestAPI{},
		resByID:    map[string]*Resource{},
		resAPI:     map[*Resource]*RestAPI{},
		deployAPI:  map[string]*RestAPI{},
		deployLine: map[string]int{},
		funcs:      map[string]*Function{},
	}
	b.m.Notes = append(b.m.Notes, tpl.Notes...)
	byType := map[string][]*template.Resource{}
	for _, r := range tpl.Resources {
		byType[r.Type] = append(byType[r.Type], r)
	}
	for _, r := range byType["AWS::Lambda::Function"] {
		b.function(r)
	}
	for _, r := range byType["AWS::ApiGateway::RestApi"] {
		b.restAPI(r)
	}
	b.resources(byType["AWS::ApiGateway::Resource"])
	for _, r := range byType["AWS::ApiGateway::Method"] {
		b.method(r)
	}
	for _, r := range byType["AWS::ApiGateway::Deployment"] {
		b.deployment(r)
	}
	for _, r := range byType["AWS::ApiGateway::Stage"] {
		b.stage(r)
	}
	b.noteAccepted(byType)
	for _, api := range b.m.RestAPIs {
		if len(api.Stages) == 0 {
			b.errs = append(b.errs, &template.Error{File: tpl.File, Line: api.Line, LogicalID: api.LogicalID,
				Msg: "the API has no stage, so nothing can be served: add an AWS::ApiGateway::Deployment with a StageName (or an AWS::ApiGateway::Stage)"})
		}
	}
	if len(b.m.RestAPIs) == 0 && len(b.errs) == 0 {
		b.errs = append(b.errs, &template.Error{File: tpl.File, Msg: "the template declares no AWS::ApiGateway::RestApi: nothing to serve"})
	}
	if len(b.errs) > 0 {
		slices.SortStableFunc(b.errs, func(x, y *template.Error) int { return x.Line - y.Line })
		return nil, b.errs
	}
	return b.m, nil
}

func unsupportedReason(typ string) string {
	switch {
	case strings.HasPrefix(typ, "AWS::ApiGatewayV2::"):
		return "WebSocket and HTTP APIs come in a later version of apigw"
	case typ == "AWS::ApiGateway::VpcLink":
		return "VPC links cannot be reproduced locally"
	case typ == "AWS::Lambda::Url":
		return "function URLs are not served"
	case typ == "AWS::Lambda::Alias":
		return "aliases come with the local Lambda runtime"
	}
	return "not implemented"
}

func (b *builder) errorf(r *template.Resource, line int, prop, format string, args ...any) {
	b.errs = append(b.errs, &template.Error{File: b.tpl.File, Line: line, LogicalID: r.LogicalID, Property: prop, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) errv(r *template.Resource, v *template.Value, prop, format string, args ...any) {
	line := r.Line
	if v != nil && v.Line > 0 {
		line = v.Line
	}
	b.errorf(r, line, prop, format, args...)
}

func (b *builder) decode(r *template.Resource, out any) {
	d := &decoder{file: b.tpl.File, logicalID: r.LogicalID, errs: &b.errs, hints: hints}
	d.decode(r.Properties, "Properties", out)
}

func (b *builder) note(format string, args ...any) {
	b.m.Notes = append(b.m.Notes, fmt.Sprintf(format, args...))
}

func (b *builder) restAPI(r *template.Resource) {
	var p cfnRestAPI
	b.decode(r, &p)
	api := &RestAPI{ID: APIID(r.LogicalID), LogicalID: r.LogicalID, Name: p.Name, Line: r.Line}
	if other, ok := b.apiByID[api.ID]; ok {
		b.errorf(r, r.Line, "", "its API id %q (the logical ID in lower case) is the same as %s's", api.ID, other.LogicalID)
		return
	}
	if p.Body != nil || p.BodyS3Location != nil {
		b.errv(r, r.Properties.Get("Body"), "Properties.Body", "OpenAPI bodies are not supported yet: declare the API with AWS::ApiGateway::Resource and Method resources")
	}
	if p.Name == "" && p.Body == nil {
		b.errorf(r, r.Line, "Properties.Name", "required property Name is missing")
	}
	if p.CloneFrom != "" {
		b.errv(r, r.Properties.Get("CloneFrom"), "Properties.CloneFrom", "CloneFrom is not supported: apigw cannot copy an API from an AWS account")
	}
	if p.ApiKeySourceType != "" && p.ApiKeySourceType != "HEADER" && p.ApiKeySourceType != "AUTHORIZER" {
		b.errv(r, r.Properties.Get("ApiKeySourceType"), "Properties.ApiKeySourceType", "must be HEADER or AUTHORIZER, not %q", p.ApiKeySourceType)
	}
	if p.Policy != nil {
		b.errv(r, p.Policy, "Properties.Policy", "resource policies are not enforced yet; apigw refuses to serve an API whose policy it cannot apply")
	}
	for _, t := range p.BinaryMediaTypes {
		api.BinaryMediaTypes = append(api.BinaryMediaTypes, strings.ReplaceAll(t, "~1", "/"))
	}
	if p.MinimumCompressionSize != nil {
		b.note("%s: MinimumCompressionSize is not applied: apigw does not compress responses", r.LogicalID)
	}
	api.Root = &Resource{ID: RootResourceID(r.LogicalID), Path: "/", Line: r.Line, Methods: map[string]*Method{}}
	b.resByID[api.Root.ID] = api.Root
	b.resAPI[api.Root] = api
	b.apis[r.LogicalID] = api
	b.apiByID[api.ID] = api
	b.m.RestAPIs = append(b.m.RestAPIs, api)
}

// apiRef finds the API a RestApiId property names.
func (b *builder) apiRef(r *template.Resource, prop string) *RestAPI {
	v := r.Properties.Get(prop)
	if v == nil || !v.IsScalar() {
		return nil // the decoder reported it
	}
	if api := b.apiByID[v.Str]; api != nil {
		return api
	}
	b.errv(r, v, "Properties."+prop, "%q is not a RestApi of this template (use !Ref of an AWS::ApiGateway::RestApi)", v.Str)
	return nil
}

type pendingResource struct {
	r   *template.Resource
	p   cfnResource
	res *Resource
	api *RestAPI
}

func (b *builder) resources(rs []*template.Resource) {
	var pending []*pendingResource
	for _, r := range rs {
		pr := &pendingResource{r: r}
		b.decode(r, &pr.p)
		pr.api = b.apiRef(r, "RestApiId")
		pr.res = &Resource{ID: ResourceID(r.LogicalID), LogicalID: r.LogicalID, PathPart: pr.p.PathPart, Line: r.Line, Methods: map[string]*Method{}}
		if err := router.ValidatePart(pr.p.PathPart); err != nil && pr.p.PathPart != "" {
			b.errv(r, r.Properties.Get("PathPart"), "Properties.PathPart", "%v", err)
		}
		b.resByID[pr.res.ID] = pr.res
		pending = append(pending, pr)
	}
	// Link parents, then compute paths (parents may come after children).
	for _, pr := range pending {
		if pr.api == nil || pr.p.ParentId == "" {
			continue
		}
		parent := b.resByID[pr.p.ParentId]
		pv := pr.r.Properties.Get("ParentId")
		switch {
		case parent == nil:
			b.errv(pr.r, pv, "Properties.ParentId", "%q is not a resource of this template (use !GetAtt Api.RootResourceId or !Ref of an AWS::ApiGateway::Resource)", pr.p.ParentId)
			continue
		case parent.LogicalID == "" && b.resAPI[parent] != pr.api:
			b.errv(pr.r, pv, "Properties.ParentId", "the parent is the root of another API (%s) than RestApiId (%s)", b.resAPI[parent].LogicalID, pr.api.LogicalID)
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
				b.errorf(pr.r, pr.r.Line, "Properties.ParentId", "the resource is its own ancestor")
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
			b.errorf(pr.r, pr.r.Line, "Properties.ParentId", "the parent belongs to another API than RestApiId")
			continue
		}
		slices.Reverse(parts)
		pr.res.Path = "/" + strings.Join(parts, "/")
	}
	// Check each API's tree as API Gateway would (one {param} per level,
	// {proxy+} last, no duplicate paths).
	for _, api := range b.m.RestAPIs {
		var tree router.Tree[*Resource]
		var list []*Resource
		for _, pr := range pending {
			if pr.api == api && pr.res.Path != "" {
				list = append(list, pr.res)
			}
		}
		slices.SortStableFunc(list, func(a, c *Resource) int { return strings.Compare(a.Path, c.Path) })
		api.Resources = append(api.Resources, api.Root)
		for _, res := range list {
			if err := tree.Insert(res.Path, res); err != nil {
				b.errs = append(b.errs, &template.Error{File: b.tpl.File, Line: res.Line, LogicalID: res.LogicalID, Property: "Properties.PathPart", Msg: err.Error()})
				continue
			}
			api.Resources = append(api.Resources, res)
		}
	}
}

var httpMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

func (b *builder) method(r *template.Resource) {
	var p cfnMethod
	b.decode(r, &p)
	api := b.apiRef(r, "RestApiId")
	if api == nil {
		return
	}
	res := b.resByID[p.ResourceId]
	if res == nil || b.resAPI[res] != api {
		if p.ResourceId != "" {
			b.errv(r, r.Properties.Get("ResourceId"), "Properties.ResourceId", "%q is not a resource of API %s (use !Ref of an AWS::ApiGateway::Resource or !GetAtt %s.RootResourceId)", p.ResourceId, api.LogicalID, api.LogicalID)
		}
		return
	}
	m := &Method{LogicalID: r.LogicalID, ID: shortID("method/"+r.LogicalID, 10), Line: r.Line, HTTPMethod: strings.ToUpper(p.HttpMethod),
		Resource: res, AuthorizationType: "NONE", OperationName: p.OperationName, RequestParameters: p.RequestParameters,
		MethodResponses: map[int]*MethodResponse{}}
	if !slices.Contains(httpMethods, m.HTTPMethod) {
		b.errv(r, r.Properties.Get("HttpMethod"), "Properties.HttpMethod", "%q is not an HTTP method API Gateway accepts (%s)", p.HttpMethod, strings.Join(httpMethods, ", "))
		return
	}
	if other := res.Methods[m.HTTPMethod]; other != nil {
		b.errorf(r, r.Line, "Properties.HttpMethod", "%s %s is already declared by %s", m.HTTPMethod, res.Path, other.LogicalID)
		return
	}
	// Fail closed: a method whose access control apigw does not enforce yet
	// is refused, never served open.
	switch p.AuthorizationType {
	case "", "NONE":
		if p.AuthorizerId != "" || len(p.AuthorizationScopes) > 0 {
			b.note("%s: AuthorizerId/AuthorizationScopes are set but AuthorizationType is NONE: the method is open, as in API Gateway", r.LogicalID)
		}
	case "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS":
		b.errv(r, r.Properties.Get("AuthorizationType"), "Properties.AuthorizationType",
			"AuthorizationType %s is not enforced yet; apigw refuses to serve the method rather than serve it unauthenticated (use NONE to serve it open on purpose)", p.AuthorizationType)
	default:
		b.errv(r, r.Properties.Get("AuthorizationType"), "Properties.AuthorizationType", "%q is not an authorization type (NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS)", p.AuthorizationType)
	}
	if p.ApiKeyRequired {
		b.errv(r, r.Properties.Get("ApiKeyRequired"), "Properties.ApiKeyRequired",
			"API keys are not enforced yet; apigw refuses to serve the method rather than serve it without its key check")
	}
	if p.RequestValidatorId != "" {
		b.errv(r, r.Properties.Get("RequestValidatorId"), "Properties.RequestValidatorId",
			"request validation is not implemented yet; apigw refuses to serve the method rather than pass unvalidated requests")
	}
	for k := range p.RequestParameters {
		if !requestParamRe.MatchString(k) {
			b.errv(r, r.Properties.Get("RequestParameters").Get(k), "Properties.RequestParameters."+k,
				"must look like method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME")
		}
	}
	for i, mr := range p.MethodResponses {
		code, err := statusCode(mr.StatusCode)
		prop := fmt.Sprintf("Properties.MethodResponses[%d]", i)
		if err != nil {
			b.errv(r, r.Properties.Get("MethodResponses"), prop+".StatusCode", "%v", err)
			continue
		}
		resp := &MethodResponse{StatusCode: code, Headers: map[string]bool{}}
		for k, req := range mr.ResponseParameters {
			name, ok := strings.CutPrefix(k, "method.response.header.")
			if !ok || name == "" {
				b.errv(r, r.Properties.Get("MethodResponses"), prop+".ResponseParameters."+k, "must look like method.response.header.NAME")
				continue
			}
			resp.Headers[name] = req
		}
		m.MethodResponses[code] = resp
	}
	if p.Integration == nil {
		b.errorf(r, r.Line, "Properties.Integration", "the method has no Integration; API Gateway cannot deploy a method without one")
		return
	}
	m.Integration = b.integration(r, m, p.Integration)
	if m.Integration == nil {
		return
	}
	res.Methods[m.HTTPMethod] = m
}

var requestParamRe = regexp.MustCompile(`^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s][^\s]*$`)

func statusCode(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 || n > 599 {
		return 0, fmt.Errorf("status code %q must be a number from 100 to 599", s)
	}
	return n, nil
}

var lambdaURIRe = regexp.MustCompile(`^arn:[a-z-]+:apigateway:[^:]*:lambda:path/2015-03-31/functions/(.+)/invocations$`)

func (b *builder) integration(r *template.Resource, m *Method, p *cfnIntegration) *Integration {
	iv := r.Properties.Get("Integration")
	line := r.Line
	if iv != nil {
		line = iv.Line
	}
	in := &Integration{Type: IntegrationType(strings.ToUpper(p.Type)), URI: p.Uri, HTTPMethod: strings.ToUpper(p.IntegrationHttpMethod),
		RequestTemplates: p.RequestTemplates, PassthroughBehavior: p.PassthroughBehavior, Timeout: 29 * time.Second, Line: line}
	at := func(name string) *template.Value {
		if v := iv.Get(name); v != nil {
			return v
		}
		return iv
	}
	prop := "Properties.Integration."
	ok := true
	fail := func(name, format string, args ...any) {
		b.errv(r, at(name), prop+name, format, args...)
		ok = false
	}
	if p.TimeoutInMillis != nil {
		if *p.TimeoutInMillis < 50 || *p.TimeoutInMillis > 29000 {
			fail("TimeoutInMillis", "must be from 50 to 29000 milliseconds, not %d", *p.TimeoutInMillis)
		}
		in.Timeout = time.Duration(*p.TimeoutInMillis) * time.Millisecond
	}
	if p.ConnectionType == "VPC_LINK" {
		fail("ConnectionType", "VPC_LINK integrations cannot be reproduced locally")
	}
	switch in.Type {
	case HTTPProxy, HTTP:
		if in.HTTPMethod == "" {
			fail("IntegrationHttpMethod", "required for %s integrations", in.Type)
		} else if !slices.Contains(httpMethods, in.HTTPMethod) {
			fail("IntegrationHttpMethod", "%q is not an HTTP method", p.IntegrationHttpMethod)
		}
		u, err := url.Parse(strings.NewReplacer("${", "", "}", "", "{", "", "}", "").Replace(p.Uri))
		if p.Uri == "" {
			fail("Uri", "required for %s integrations", in.Type)
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(p.Uri, "${stageVariables.")) {
			fail("Uri", "%q is not an http:// or https:// URL", p.Uri)
		}
	case AWSProxy:
		if in.HTTPMethod != "POST" {
			fail("IntegrationHttpMethod", "must be POST for AWS_PROXY (Lambda is invoked with POST), not %q", p.IntegrationHttpMethod)
		}
		mm := lambdaURIRe.FindStringSubmatch(p.Uri)
		if mm == nil {
			fail("Uri", "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", p.Uri)
			break
		}
		in.Function = mm[1]
		if !strings.Contains(in.Function, "${stageVariables.") {
			f := b.lookupFunction(in.Function)
			if f == nil && !b.remoteFunction(in.Function) {
				fail("Uri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", in.Function)
			}
			in.Target = f
		}
	case Mock:
		if len(p.IntegrationResponses) == 0 {
			b.note("%s: the MOCK integration has no IntegrationResponses, so every request gets 500 Internal server error (as in API Gateway)", r.LogicalID)
		}
	case "AWS":
		fail("Type", "AWS service integrations (including non-proxy Lambda) are not supported yet; use AWS_PROXY for Lambda")
	case "":
		fail("Type", "required property Type is missing")
	default:
		fail("Type", "%q is not an integration type (AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK)", p.Type)
	}
	// Request parameter mappings.
	keys := make([]string, 0, len(p.RequestParameters))
	for k := range p.RequestParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		pm, err := parseMapping(k, p.RequestParameters[k], m)
		if err != nil {
			b.errv(r, at("RequestParameters").Get(k), prop+"RequestParameters."+k, "%v", err)
			ok = false
			continue
		}
		in.RequestParameters = append(in.RequestParameters, pm)
	}
	if in.Type == HTTP || in.Type == HTTPProxy {
		// Every {name} in the URI must be mapped, as API Gateway requires.
		for _, name := range uriPlaceholders(p.Uri) {
			if !slices.ContainsFunc(in.RequestParameters, func(pm ParamMapping) bool { return pm.Target == "path" && pm.TargetName == name }) {
				fail("Uri", "the URI has {%s} but RequestParameters maps no integration.request.path.%s (add integration.request.path.%s: method.request.path.%s)", name, name, name, name)
			}
		}
	}
	for ct, t := range p.RequestTemplates {
		if in.Type != Mock && in.Type != HTTP {
			continue
		}
		if isVTL(t) {
			b.errv(r, at("RequestTemplates").Get(ct), prop+"RequestTemplates."+ct, "VTL mapping templates are not supported yet; only static templates are")
			ok = false
			continue
		}
		if in.Type == Mock {
			code, err := MockStatus(t)
			if err != nil {
				b.errv(r, at("RequestTemplates").Get(ct), prop+"RequestTemplates."+ct, "%v (a MOCK request template selects the integration response with its statusCode)", err)
				ok = false
				continue
			}
			if in.MockStatus == nil {
				in.MockStatus = map[string]int{}
			}
			in.MockStatus[ct] = code
		}
	}
	if p.PassthroughBehavior != "" && !slices.Contains([]string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"}, p.PassthroughBehavior) {
		fail("PassthroughBehavior", "must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER, not %q", p.PassthroughBehavior)
	}
	if p.ContentHandling != "" {
		fail("ContentHandling", "ContentHandling conversions are not supported yet")
	}
	// Integration responses: API Gateway ignores them for proxy types.
	if in.Type == HTTPProxy || in.Type == AWSProxy {
		if len(p.IntegrationResponses) > 0 {
			b.note("%s: IntegrationResponses are not applied to %s integrations (as in API Gateway): the backend's own status and headers reach the client", r.LogicalID, in.Type)
		}
	} else {
		for i, ir := range p.IntegrationResponses {
			resp, err := b.integrationResponse(r, m, ir, fmt.Sprintf("%sIntegrationResponses[%d]", prop, i), at("IntegrationResponses"))
			if err {
				ok = false
				continue
			}
			in.Responses = append(in.Responses, resp)
		}
	}
	if p.CacheKeyParameters != nil || p.CacheNamespace != "" {
		b.note("%s: CacheKeyParameters/CacheNamespace are not applied: stage caching is not implemented yet", r.LogicalID)
	}
	if !ok {
		return nil
	}
	return in
}

func (b *builder) integrationResponse(r *template.Resource, m *Method, ir cfnIntegResp, prop string, v *template.Value) (*IntegrationResponse, bool) {
	bad := false
	code, err := statusCode(ir.StatusCode)
	if err != nil {
		b.errv(r, v, prop+".StatusCode", "%v", err)
		return nil, true
	}
	resp := &IntegrationResponse{StatusCode: code, Pattern: ir.SelectionPattern, Templates: ir.ResponseTemplates}
	if ir.SelectionPattern != "" {
		re, err := regexp.Compile(`^(?:` + ir.SelectionPattern + `)$`)
		if err != nil {
			b.errv(r, v, prop+".SelectionPattern", "not a valid regular expression: %v", err)
			bad = true
		}
		resp.Selection = re
	}
	mr := m.MethodResponses[code]
	if mr == nil {
		b.errv(r, v, prop+".StatusCode", "no MethodResponses entry has StatusCode %d; API Gateway needs the method response before an integration response can use it", code)
		bad = true
	}
	keys := make([]string, 0, len(ir.ResponseParameters))
	for k := range ir.ResponseParameters {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		src := ir.ResponseParameters[k]
		name, ok := strings.CutPrefix(k, "method.response.header.")
		if !ok || name == "" {
			b.errv(r, v, prop+".ResponseParameters."+k, "must look like method.response.header.NAME")
			bad = true
			continue
		}
		if mr != nil {
			if _, declared := mr.Headers[name]; !declared {
				b.errv(r, v, prop+".ResponseParameters."+k, "method response %d does not declare method.response.header.%s (add it to MethodResponses[].ResponseParameters)", code, name)
				bad = true
			}
		}
		h := ResponseHeader{Name: name}
		switch {
		case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
			h.Static, h.Value = true, src[1:len(src)-1]
		case strings.HasPrefix(src, "integration.response.header."):
			h.SourceHeader = strings.TrimPrefix(src, "integration.response.header.")
		default:
			b.errv(r, v, prop+".ResponseParameters."+k, "%q: only 'static' values (in single quotes) and integration.response.header.NAME are supported yet", src)
			bad = true
			continue
		}
		resp.Headers = append(resp.Headers, h)
	}
	for ct, t := range ir.ResponseTemplates {
		if isVTL(t) {
			b.errv(r, v, prop+".ResponseTemplates."+ct, "VTL mapping templates are not supported yet; only static templates are")
			bad = true
		}
	}
	return resp, bad
}

// isVTL reports whether a mapping template uses Velocity (variables or
// directives), which apigw does not evaluate yet.
func isVTL(t string) bool {
	return strings.ContainsAny(t, "$#")
}

var placeholderRe = regexp.MustCompile(`\{([^{}$]+)\}`)

// uriPlaceholders lists {name} placeholders of a URI, leaving out
// ${stageVariables.x}.
func uriPlaceholders(uri string) []string {
	var out []string
	for _, m := range placeholderRe.FindAllStringSubmatchIndex(uri, -1) {
		if m[0] > 0 && uri[m[0]-1] == '$' {
			continue
		}
		out = append(out, uri[m[2]:m[3]])
	}
	return out
}

var contextVars = map[string]bool{
	"requestId": true, "extendedRequestId": true, "stage": true, "httpMethod": true, "resourcePath": true,
	"resourceId": true, "path": true, "apiId": true, "accountId": true, "domainName": true, "domainPrefix": true,
	"protocol": true, "requestTime": true, "requestTimeEpoch": true, "deploymentId": true,
	"identity.sourceIp": true, "identity.userAgent": true,
}

func parseMapping(key, src string, m *Method) (ParamMapping, error) {
	var pm ParamMapping
	rest, ok := strings.CutPrefix(key, "integration.request.")
	if !ok {
		return pm, fmt.Errorf("must look like integration.request.{path|querystring|header}.NAME")
	}
	pm.Target, pm.TargetName, ok = strings.Cut(rest, ".")
	if !ok || pm.TargetName == "" || !slices.Contains([]string{"path", "querystring", "header", "multivaluequerystring", "multivalueheader"}, pm.Target) {
		return pm, fmt.Errorf("must look like integration.request.{path|querystring|header}.NAME")
	}
	if pm.Target == "multivaluequerystring" || pm.Target == "multivalueheader" {
		return pm, fmt.Errorf("%s mappings are not supported yet", pm.Target)
	}
	pm.SourceString = src
	switch {
	case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
		pm.SourceKind, pm.SourceName = "static", src[1:len(src)-1]
	case strings.HasPrefix(src, "method.request."):
		kind, name, _ := strings.Cut(strings.TrimPrefix(src, "method.request."), ".")
		switch kind {
		case "path":
			if !strings.Contains(m.Resource.Path, "{"+name+"}") && !strings.Contains(m.Resource.Path, "{"+name+"+}") {
				return pm, fmt.Errorf("%s: the resource path %s has no {%s}", src, m.Resource.Path, name)
			}
		case "querystring", "multivaluequerystring", "header", "multivalueheader":
			if _, declared := m.RequestParameters[src]; !declared {
				return pm, fmt.Errorf("%s is not declared in the method's RequestParameters (API Gateway: Invalid mapping expression)", src)
			}
			if kind == "multivaluequerystring" || kind == "multivalueheader" {
				return pm, fmt.Errorf("%s: multi-value sources are not supported yet", src)
			}
		case "body":
			if name != "" {
				return pm, fmt.Errorf("%s: JSONPath body mappings are not supported yet", src)
			}
		default:
			return pm, fmt.Errorf("%q is not a method request parameter (method.request.{path|querystring|header|body}...)", src)
		}
		if kind != "body" && name == "" {
			return pm, fmt.Errorf("%q names no parameter", src)
		}
		pm.SourceKind, pm.SourceName = kind, name
	case strings.HasPrefix(src, "stageVariables."):
		pm.SourceKind, pm.SourceName = "stageVariables", strings.TrimPrefix(src, "stageVariables.")
	case strings.HasPrefix(src, "context."):
		name := strings.TrimPrefix(src, "context.")
		if !contextVars[name] {
			return pm, fmt.Errorf("context variable %q is not supported", name)
		}
		pm.SourceKind, pm.SourceName = "context", name
	default:
		return pm, fmt.Errorf("%q is not a mapping source ('static', method.request.*, stageVariables.*, context.*)", src)
	}
	return pm, nil
}

func (b *builder) function(r *template.Resource) {
	var p cfnFunction
	b.decode(r, &p)
	rc := &template.RefContext{LogicalID: r.LogicalID, StackName: b.opts.StackName}
	f := &Function{LogicalID: r.LogicalID, Line: r.Line, Name: p.FunctionName, Runtime: p.Runtime, Handler: p.Handler,
		Timeout: 3 * time.Second, MemorySize: 128, Architectures: p.Architectures, ReservedConcurrency: -1}
	if f.Name == "" {
		f.Name = physicalName(rc, 64)
	}
	f.CodeLine, f.RuntimeLine = r.Line, r.Line
	if v := r.Properties.Get("Code"); v != nil && v.Line > 0 {
		f.CodeLine = v.Line
	}
	if v := r.Properties.Get("Runtime"); v != nil && v.Line > 0 {
		f.RuntimeLine = v.Line
	}
	f.ARN = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", Partition(b.opts.Region), b.opts.Region, b.opts.AccountID, f.Name)
	if p.Timeout != nil {
		if *p.Timeout < 1 || *p.Timeout > 900 {
			b.errv(r, r.Properties.Get("Timeout"), "Properties.Timeout", "must be from 1 to 900 seconds, not %d", *p.Timeout)
		}
		f.Timeout = time.Duration(*p.Timeout) * time.Second
	}
	if p.MemorySize != nil {
		if *p.MemorySize < 128 || *p.MemorySize > 10240 {
			b.errv(r, r.Properties.Get("MemorySize"), "Properties.MemorySize", "must be from 128 to 10240 MB, not %d", *p.MemorySize)
		}
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
		for _, k := range code.Keys {
			v := code.Vals[k]
			switch k {
			case "ZipFile":
				if v.Kind != template.String {
					b.errv(r, v, "Properties.Code.ZipFile", "expected the function's source as a string, got a %s (a pre-processor directive such as Rain::Embed must run before apigw reads the template)", v.Kind)
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
				b.errv(r, v, "Properties.Code."+k, "unknown property %s (Code takes ZipFile, S3Bucket/S3Key/S3ObjectVersion or ImageUri)", k)
			}
		}
	default:
		b.errv(r, code, "Properties.Code", "expected a map (ZipFile, S3Bucket/S3Key) or a local path, got a %s", code.Kind)
	}
	if o, ok := b.override(f); ok && o.Code != "" {
		f.Code = Code{Path: o.Code}
	}
	for _, key := range []string{f.Name, f.LogicalID, f.ARN} {
		if other := b.funcs[key]; other != nil && other != f {
			b.errorf(r, r.Line, "Properties.FunctionName", "function name %q is also used by %s", f.Name, other.LogicalID)
			return
		}
		b.funcs[key] = f
	}
	b.m.Functions = append(b.m.Functions, f)
}

// remoteFunction reports whether --config names an endpoint for a function
// the template does not declare.
func (b *builder) remoteFunction(ref string) bool {
	name := ref
	if i := strings.Index(ref, "function:"); i >= 0 {
		name, _, _ = strings.Cut(ref[i+len("function:"):], ":")
	}
	for _, key := range []string{ref, name} {
		if o, ok := b.opts.Functions[key]; ok && o.Endpoint != "" {
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

// lookupFunction resolves a function name, ARN or partial ARN (with an
// optional version or alias qualifier) the way Lambda does.
func (b *builder) lookupFunction(ref string) *Function {
	return LookupFunction(b.funcs, ref)
}

// LookupFunction resolves name, ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER])
// or partial ARN (ACCOUNT:function:NAME) against a table by name, logical ID and ARN.
func LookupFunction(funcs map[string]*Function, ref string) *Function {
	if f := funcs[ref]; f != nil {
		return f
	}
	name := ref
	if i := strings.Index(ref, "function:"); i >= 0 {
		name = ref[i+len("function:"):]
		if j := strings.IndexByte(name, ':'); j >= 0 {
			name = name[:j] // qualifier ($LATEST, a version or an alias)
		}
	}
	return funcs[name]
}

func (b *builder) deployment(r *template.Resource) {
	var p cfnDeployment
	b.decode(r, &p)
	api := b.apiRef(r, "RestApiId")
	if api == nil {
		return
	}
	id := DeploymentID(r.LogicalID)
	b.deployAPI[id] = api
	if p.DeploymentCanarySettings != nil {
		b.errv(r, p.DeploymentCanarySettings, "Properties.DeploymentCanarySettings", "canary deployments are not supported")
	}
	if p.StageDescription != nil && p.StageName == "" {
		b.errv(r, r.Properties.Get("StageDescription"), "Properties.StageDescription", "StageDescription needs StageName")
	}
	if p.StageName == "" {
		return
	}
	st := &Stage{Name: p.StageName, LogicalID: r.LogicalID, Line: r.Line, DeploymentID: id}
	if sd := p.StageDescription; sd != nil {
		st.Description = sd.Description
		st.Variables = sd.Variables
		b.stageNotes(r.LogicalID, sd.CacheClusterEnabled || sd.CachingEnabled, sd.MethodSettings, sd.ThrottlingBurstLimit != nil || sd.ThrottlingRateLimit != nil,
			sd.AccessLogSetting != nil, sd.TracingEnabled, sd.CanarySetting != nil)
		if sd.CanarySetting != nil {
			b.errv(r, sd.CanarySetting, "Properties.StageDescription.CanarySetting", "canary settings are not supported")
		}
	}
	b.addStage(r, api, st, r.Properties.Get("StageName"))
}

func (b *builder) stage(r *template.Resource) {
	var p cfnStage
	b.decode(r, &p)
	api := b.apiRef(r, "RestApiId")
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
		b.errorf(r, r.Line, "Properties.DeploymentId", "the stage has no DeploymentId; API Gateway serves a stage only through a deployment")
		return
	}
	if dapi := b.deployAPI[p.DeploymentId]; dapi == nil {
		b.errv(r, r.Properties.Get("DeploymentId"), "Properties.DeploymentId", "%q is not a Deployment of this template", p.DeploymentId)
		return
	} else if dapi != api {
		b.errv(r, r.Properties.Get("DeploymentId"), "Properties.DeploymentId", "the deployment belongs to %s, not to %s", dapi.LogicalID, api.LogicalID)
		return
	}
	st := &Stage{Name: name, LogicalID: r.LogicalID, Line: r.Line, DeploymentID: p.DeploymentId, Description: p.Description, Variables: p.Variables}
	b.stageNotes(r.LogicalID, p.CacheClusterEnabled, p.MethodSettings, false, p.AccessLogSetting != nil, p.TracingEnabled, false)
	if p.CanarySetting != nil {
		b.errv(r, p.CanarySetting, "Properties.CanarySetting", "canary settings are not supported")
	}
	b.addStage(r, api, st, r.Properties.Get("StageName"))
}

var stageNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
var stageVarNameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
var stageVarValueRe = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)

func (b *builder) addStage(r *template.Resource, api *RestAPI, st *Stage, at *template.Value) {
	if !stageNameRe.MatchString(st.Name) {
		b.errv(r, at, "Properties.StageName", "stage name %q may hold only letters, digits, '-' and '_' (up to 128)", st.Name)
		return
	}
	for k, v := range st.Variables {
		if !stageVarNameRe.MatchString(k) {
			b.errorf(r, r.Line, "Variables."+k, "stage variable names may hold only letters, digits and '_' (up to 64)")
		}
		if !stageVarValueRe.MatchString(v) {
			b.errorf(r, r.Line, "Variables."+k, "stage variable value %q may hold only letters, digits and -._~:/?#&=, (1 to 512)", v)
		}
	}
	for _, other := range api.Stages {
		if other.Name == st.Name {
			b.errv(r, at, "Properties.StageName", "stage %q of %s is also declared by %s", st.Name, api.LogicalID, other.LogicalID)
			return
		}
	}
	api.Stages = append(api.Stages, st)
}

func (b *builder) stageNotes(id string, caching bool, ms []cfnMethodSetting, throttle, accessLog, tracing, _ bool) {
	for _, s := range ms {
		caching = caching || s.CachingEnabled
		throttle = throttle || s.ThrottlingBurstLimit != nil || s.ThrottlingRateLimit != nil
	}
	if caching {
		b.note("%s: stage caching is not implemented yet: responses are not cached", id)
	}
	if throttle {
		b.note("%s: stage and method throttling are not enforced yet", id)
	}
	if accessLog {
		b.note("%s: AccessLogSetting is not applied yet", id)
	}
	if tracing {
		b.note("%s: TracingEnabled is not applied yet", id)
	}
}

// noteAccepted records the resources apigw accepts without serving them.
func (b *builder) noteAccepted(byType map[string][]*template.Resource) {
	for _, typ := range []string{"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::UsagePlan", "AWS::ApiGateway::UsagePlanKey"} {
		for _, r := range byType[typ] {
			b.note("%s (%s): API keys and usage plans are not enforced yet (methods with ApiKeyRequired are refused)", r.LogicalID, typ)
		}
	}
	for _, r := range byType["AWS::ApiGateway::Authorizer"] {
		b.note("%s (AWS::ApiGateway::Authorizer): authorizers are not enforced yet (methods that use one are refused)", r.LogicalID)
	}
	for _, r := range byType["AWS::ApiGateway::GatewayResponse"] {
		b.note("%s (AWS::ApiGateway::GatewayResponse): custom gateway responses are not applied yet: errors have API Gateway's default bodies and headers", r.LogicalID)
	}
	for _, typ := range []string{"AWS::ApiGateway::RequestValidator", "AWS::ApiGateway::Model", "AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient", "AWS::Lambda::Version"} {
		for _, r := range byType[typ] {
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
