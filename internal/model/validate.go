package model

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/funcref"
	"github.com/apigw/apigw/internal/router"
	"github.com/apigw/apigw/internal/template"
)

// Validate checks a model's meaning, whatever produced it (CloudFormation
// resources today; OpenAPI bodies and SAM later): every API has a stage and
// a kind apigw serves; routes do not conflict; methods use no access control
// apigw does not enforce yet (fail closed: such a method is refused, never
// served open); integrations have sane types, URIs, targets, timeouts,
// mappings and templates; stages and functions are well named. The error,
// when not nil, is a template.ErrorList whose entries name the file, line,
// column, logical ID and property (from the elements' Line, Col and Props).
//
// Validate does not change the model, and reports nothing about the
// source's syntax: that is the decoder's.
func Validate(m *Model) error {
	if errs := validate(m); len(errs) > 0 {
		return errs
	}
	return nil
}

// nothingToServe is the error of a model without APIs; Build leaves it out
// when decoding failed.
const nothingToServe = "the template declares no API (AWS::ApiGateway::RestApi, or AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET or HTTP): nothing to serve"

type validator struct {
	m    *Model
	errs template.ErrorList
}

func validate(m *Model) template.ErrorList {
	v := &validator{m: m}
	if len(m.RestAPIs) == 0 && len(m.WebSocketAPIs) == 0 && len(m.HTTPAPIs) == 0 {
		v.errs = append(v.errs, &template.Error{File: m.File, Msg: nothingToServe})
	}
	for _, api := range m.RestAPIs {
		v.api(api)
	}
	v.webSocketAPIs()
	v.httpAPIs()
	v.functions()
	v.usage()
	v.authorizers()
	v.gatewayResponses()
	return v.errs
}

// errAt reports a problem with the property name of an element declared
// by logicalID at pos.
func (v *validator) errAt(logicalID string, props Props, pos Pos, name, format string, args ...any) {
	at := Prop{Pos: pos}
	if name != "" {
		at = props.At(name, pos)
	}
	v.errs = append(v.errs, &template.Error{File: cmp.Or(at.File, v.m.File), Line: at.Line, Col: at.Col, LogicalID: logicalID, Property: at.Path,
		Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) api(api *RestAPI) {
	pos := Pos{Line: api.Line, Col: api.Col, File: api.File}
	switch {
	case api.Kind == "":
		v.errAt(api.LogicalID, api.Props, pos, "", "the API has no kind (REST, HTTP or WEBSOCKET)")
		return
	case !api.Kind.Supported():
		v.errAt(api.LogicalID, api.Props, pos, "", "%s APIs are not supported yet", api.Kind)
		return
	case api.Kind == KindHTTP:
		v.errAt(api.LogicalID, api.Props, pos, "", "an HTTP API is not a REST API: the model holds it in HTTPAPIs")
		return
	case api.Kind != KindREST:
		v.errAt(api.LogicalID, api.Props, pos, "", "a %s API is not a REST API: the model holds it in WebSocketAPIs", api.Kind)
		return
	}
	if !policyEmpty(api.Policy) && api.ResourcePolicy == nil {
		v.errAt(api.LogicalID, api.Props, pos, "Policy", "the resource policy was not parsed (policy.Parse); apigw refuses to serve an API whose policy it cannot apply")
	}
	if len(api.Stages) == 0 {
		v.errAt(api.LogicalID, api.Props, pos, "",
			"the API has no stage, so nothing can be served: add an AWS::ApiGateway::Deployment with a StageName (or an AWS::ApiGateway::Stage)")
	}
	v.stages(api)
	// The rest is a REST API's: resources, methods, integrations.
	v.resources(api)
	for _, m := range api.Methods {
		v.method(api, m)
	}
}

var stageNameRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
var stageVarNameRe = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
var stageVarValueRe = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)

func (v *validator) stages(api *RestAPI) {
	seen := map[string]*Stage{}
	for _, st := range api.Stages {
		pos := Pos{Line: st.Line, Col: st.Col, File: st.File}
		if !stageNameRe.MatchString(st.Name) {
			v.errAt(st.LogicalID, st.Props, pos, "StageName", "stage name %q may hold only letters, digits, '-' and '_' (up to 128)", st.Name)
			continue
		}
		checkStageVariables(st.Variables, "Variables.", func(name, format string, args ...any) {
			v.errAt(st.LogicalID, st.Props, pos, name, format, args...)
		})
		if other := seen[st.Name]; other != nil {
			v.errAt(st.LogicalID, st.Props, pos, "StageName", "stage %q of %s is also declared by %s", st.Name, api.LogicalID, other.LogicalID)
			continue
		}
		seen[st.Name] = st
		v.stageCache(st, pos)
	}
}

// checkStageVariables checks a stage's variables' names and values
// (every API kind's); prop prefixes the property named in messages.
func checkStageVariables(vars map[string]string, prop string, fail func(name, format string, args ...any)) {
	for _, k := range sortedKeys(vars) {
		if !stageVarNameRe.MatchString(k) {
			fail(prop+k, "stage variable names may hold only letters, digits and '_' (up to 64)")
		}
		if val := vars[k]; !stageVarValueRe.MatchString(val) {
			fail(prop+k, "stage variable value %q may hold only letters, digits and -._~:/?#&=, (1 to 512)", val)
		}
	}
}

// cacheClusterSizes are API Gateway's cache sizes in GB.
var cacheClusterSizes = map[string]float64{"0.5": 0.5, "1.6": 1.6, "6.1": 6.1, "13.5": 13.5, "28.4": 28.4, "58.2": 58.2, "118": 118, "237": 237}

// MaxCacheTTL is the longest CacheTtlInSeconds API Gateway accepts.
const MaxCacheTTL = 3600

func (v *validator) stageCache(st *Stage, pos Pos) {
	if c := st.Cache; c != nil {
		gb, ok := cacheClusterSizes[c.Size]
		if !ok {
			v.errAt(st.LogicalID, st.Props, pos, "CacheClusterSize", "%q is not a cache size API Gateway offers (0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237 GB)", c.Size)
		}
		c.Bytes = uint64(gb * (1 << 30))
	}
	for _, mc := range st.Caching {
		if mc.TTL != nil && (*mc.TTL < 0 || *mc.TTL > MaxCacheTTL) {
			name := "CacheTtlInSeconds"
			if mc.Prop != "" {
				name = mc.Prop + "." + name
			}
			v.errAt(st.LogicalID, st.Props, pos, name, "%d is not from 0 to %d seconds", *mc.TTL, MaxCacheTTL)
		}
	}
}

// resources checks each API's tree as API Gateway would: valid path parts,
// one {param} per level, {proxy+} last, no path twice.
func (v *validator) resources(api *RestAPI) {
	var tree router.Tree[*Resource]
	for _, res := range api.Resources {
		if res.LogicalID == "" {
			continue // the root
		}
		pos := Pos{Line: res.Line, Col: res.Col, File: res.File}
		if err := router.ValidatePart(res.PathPart); err != nil {
			v.errAt(res.LogicalID, res.Props, pos, "PathPart", "%v", err)
			continue
		}
		if err := tree.Insert(res.Path, res); err != nil {
			v.errAt(res.LogicalID, res.Props, pos, "PathPart", "%s", err)
		}
	}
}

var httpMethods = []string{"ANY", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}

var requestParamRe = regexp.MustCompile(`^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.\s][^\s]*$`)

func (v *validator) method(api *RestAPI, m *Method) {
	pos := Pos{Line: m.Line, Col: m.Col, File: m.File}
	fail := func(name, format string, args ...any) { v.errAt(m.LogicalID, m.Props, pos, name, format, args...) }
	if !slices.Contains(httpMethods, m.HTTPMethod) {
		fail("HttpMethod", "%q is not an HTTP method API Gateway accepts (%s)", m.HTTPMethod, strings.Join(httpMethods, ", "))
		return
	}
	if other := m.Resource.Methods[m.HTTPMethod]; other != nil && other != m {
		fail("HttpMethod", "%s %s is already declared by %s", m.HTTPMethod, m.Resource.Path, other.LogicalID)
		return
	}
	// Fail closed: a method whose access control apigw does not enforce yet
	// is refused, never served open.
	switch m.AuthorizationType {
	case "NONE", "AWS_IAM", "COGNITO_USER_POOLS", "CUSTOM": // the authorizer is checked by authorizers()
	default:
		fail("AuthorizationType", "%q is not an authorization type (NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS)", m.AuthorizationType)
	}
	if m.APIKeyRequired && api.APIKeySource == "AUTHORIZER" && m.AuthorizationType != "CUSTOM" {
		fail("ApiKeyRequired", "the API's keys come from a Lambda authorizer (ApiKeySourceType AUTHORIZER), and the method has none (AuthorizationType %s): no request could carry a key", m.AuthorizationType)
	}
	v.validation(api, m, fail)
	for _, k := range sortedKeys(m.RequestParameters) {
		if !requestParamRe.MatchString(k) {
			fail("RequestParameters."+k, "must look like method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME")
		}
	}
	if m.Integration == nil {
		fail("Integration", "the method has no Integration; API Gateway cannot deploy a method without one")
		return
	}
	v.integration(m, m.Integration)
}

func (v *validator) integration(m *Method, in *Integration) {
	pos := Pos{Line: m.Line, Col: m.Col, File: m.File}
	fail := func(name, format string, args ...any) {
		v.errAt(m.LogicalID, m.Props, pos, "Integration."+name, format, args...)
	}
	if in.Timeout < 50*time.Millisecond || in.Timeout > 29*time.Second {
		fail("TimeoutInMillis", "must be from 50 to 29000 milliseconds, not %d", in.Timeout.Milliseconds())
	}
	if in.ConnectionType == "VPC_LINK" {
		fail("ConnectionType", "VPC_LINK integrations cannot be reproduced locally")
	}
	for i, k := range in.CacheKeyParameters {
		switch {
		case !requestParamRe.MatchString(k):
			fail(fmt.Sprintf("CacheKeyParameters[%d]", i), "%q must look like method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.NAME", k)
		case !hasKey(m.RequestParameters, k):
			// API Gateway: "to be valid values for cacheKeyParameters, these
			// parameters must also be specified for Method requestParameters".
			fail(fmt.Sprintf("CacheKeyParameters[%d]", i), "%s is not declared in the method's RequestParameters, as API Gateway requires of a cache key parameter", k)
		}
	}
	switch in.Type {
	case HTTPProxy, HTTP:
		if in.HTTPMethod == "" {
			fail("IntegrationHttpMethod", "required for %s integrations", in.Type)
		} else if !slices.Contains(httpMethods, in.HTTPMethod) {
			fail("IntegrationHttpMethod", "%q is not an HTTP method", in.HTTPMethod)
		}
		u, err := url.Parse(strings.NewReplacer("${", "", "}", "", "{", "", "}", "").Replace(in.URI))
		if in.URI == "" {
			fail("Uri", "required for %s integrations", in.Type)
		} else if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.HasPrefix(in.URI, "${stageVariables.")) {
			fail("Uri", "%q is not an http:// or https:// URL", in.URI)
		}
	case AWSProxy:
		// Another HTTP method is deployed and answers 500 (Broken, noted by
		// the decoder); none or one API Gateway does not know is refused.
		if in.HTTPMethod != "POST" && (in.Broken == "" || !slices.Contains(httpMethods, in.HTTPMethod)) {
			fail("IntegrationHttpMethod", "must be POST for AWS_PROXY (Lambda is invoked with POST), not %q", in.HTTPMethod)
		}
		v.lambdaTarget(fail, in)
	case Mock:
	case "AWS":
		fail("Type", "AWS service integrations (including non-proxy Lambda) are not supported yet; use AWS_PROXY for Lambda")
	case "":
		fail("Type", "required property Type is missing")
	default:
		fail("Type", "%q is not an integration type (AWS, AWS_PROXY, HTTP, HTTP_PROXY, MOCK)", in.Type)
	}
	for _, pm := range in.RequestParameters {
		if err := checkMapping(pm, m); err != nil {
			fail("RequestParameters.integration.request."+pm.Target+"."+pm.TargetName, "%v", err)
		}
	}
	if in.Type == HTTP || in.Type == HTTPProxy {
		// Every {name} in the URI must be mapped, as API Gateway requires.
		for _, name := range uriPlaceholders(in.URI) {
			if !slices.ContainsFunc(in.RequestParameters, func(pm ParamMapping) bool { return pm.Target == "path" && pm.TargetName == name }) {
				fail("Uri", "the URI has {%s} but RequestParameters maps no integration.request.path.%s (add integration.request.path.%s: method.request.path.%s)", name, name, name, name)
			}
		}
	}
	if in.Type == Mock || in.Type == HTTP {
		for _, ct := range sortedKeys(in.RequestTemplates) {
			t := in.RequestTemplates[ct]
			if isVTL(t) {
				fail("RequestTemplates."+ct, "VTL mapping templates are not supported yet; only static templates are")
				continue
			}
			if in.Type == Mock {
				if _, err := MockStatus(t); err != nil {
					fail("RequestTemplates."+ct, "%v (a MOCK request template selects the integration response with its statusCode)", err)
				}
			}
		}
	}
	if in.PassthroughBehavior != "" && !slices.Contains([]string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"}, in.PassthroughBehavior) {
		fail("PassthroughBehavior", "must be WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER, not %q", in.PassthroughBehavior)
	}
	switch in.ContentHandling {
	case "", "CONVERT_TO_TEXT", "CONVERT_TO_BINARY":
	default:
		fail("ContentHandling", "%q is not CONVERT_TO_TEXT or CONVERT_TO_BINARY", in.ContentHandling)
	}

	if in.Type != HTTPProxy && in.Type != AWSProxy {
		for _, ir := range in.Responses {
			v.integrationResponse(m, ir)
		}
	}
}

// lambdaTarget checks an AWS_PROXY integration's function: a Lambda
// integration URI naming a function of the template, or one --config sends
// to an Invoke API (Remote), or one a stage variable picks at request time.
func (v *validator) lambdaTarget(fail func(name, format string, args ...any), in *Integration) {
	fn, err := funcref.InvocationFunction(in.URI)
	if err != nil {
		fail("Uri", "%q is not a Lambda invocation URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)", in.URI)
		return
	}
	if strings.Contains(fn, "${stageVariables.") || in.Target != nil || in.Remote {
		return
	}
	if _, err := funcref.Parse(fn); err != nil {
		fail("Uri", "%v", err)
		return
	}
	fail("Uri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", fn)
}

var contextVars = map[string]bool{
	"requestId": true, "extendedRequestId": true, "stage": true, "httpMethod": true, "resourcePath": true,
	"resourceId": true, "path": true, "apiId": true, "accountId": true, "domainName": true, "domainPrefix": true,
	"protocol": true, "requestTime": true, "requestTimeEpoch": true, "deploymentId": true,
	"identity.sourceIp": true, "identity.userAgent": true,
}

// checkMapping checks what a request parameter mapping means for its
// method, and refuses the kinds apigw does not map yet.
func checkMapping(pm ParamMapping, m *Method) error {
	if pm.Target == "multivaluequerystring" || pm.Target == "multivalueheader" {
		return fmt.Errorf("%s mappings are not supported yet", pm.Target)
	}
	src := pm.SourceString
	switch pm.SourceKind {
	case "path":
		if !strings.Contains(m.Resource.Path, "{"+pm.SourceName+"}") && !strings.Contains(m.Resource.Path, "{"+pm.SourceName+"+}") {
			return fmt.Errorf("%s: the resource path %s has no {%s}", src, m.Resource.Path, pm.SourceName)
		}
	case "querystring", "multivaluequerystring", "header", "multivalueheader":
		if _, declared := m.RequestParameters[src]; !declared {
			return fmt.Errorf("%s is not declared in the method's RequestParameters (API Gateway: Invalid mapping expression)", src)
		}
		if pm.SourceKind == "multivaluequerystring" || pm.SourceKind == "multivalueheader" {
			return fmt.Errorf("%s: multi-value sources are not supported yet", src)
		}
	case "body":
		if pm.SourceName != "" {
			return fmt.Errorf("%s: JSONPath body mappings are not supported yet", src)
		}
	case "context":
		if !contextVars[pm.SourceName] {
			return fmt.Errorf("context variable %q is not supported", pm.SourceName)
		}
	case "static", "stageVariables":
	default:
		return fmt.Errorf("%q is not a mapping source ('static', method.request.*, stageVariables.*, context.*)", src)
	}
	return nil
}

func (v *validator) integrationResponse(m *Method, ir *IntegrationResponse) {
	pos := Pos{Line: m.Line, Col: m.Col, File: m.File}
	fail := func(name, format string, args ...any) { v.errAt(m.LogicalID, ir.Props, pos, name, format, args...) }
	switch ir.ContentHandling {
	case "", "CONVERT_TO_TEXT", "CONVERT_TO_BINARY":
	default:
		fail("ContentHandling", "%q is not CONVERT_TO_TEXT or CONVERT_TO_BINARY", ir.ContentHandling)
	}
	if ir.StatusCode < 100 || ir.StatusCode > 599 {
		fail("StatusCode", "status code %d must be a number from 100 to 599", ir.StatusCode)
		return
	}
	if ir.Pattern != "" {
		if _, err := regexp.Compile(`^(?:` + ir.Pattern + `)$`); err != nil {
			fail("SelectionPattern", "not a valid regular expression: %v", err)
		}
	}
	mr := m.MethodResponses[ir.StatusCode]
	if mr == nil {
		fail("StatusCode", "no MethodResponses entry has StatusCode %d; API Gateway needs the method response before an integration response can use it", ir.StatusCode)
	}
	for _, h := range ir.Headers {
		name := "ResponseParameters.method.response.header." + h.Name
		if mr != nil {
			if _, declared := mr.Headers[h.Name]; !declared {
				fail(name, "method response %d does not declare method.response.header.%s (add it to MethodResponses[].ResponseParameters)", ir.StatusCode, h.Name)
			}
		}
		if !h.Static && h.SourceHeader == "" {
			fail(name, "%q: only 'static' values (in single quotes) and integration.response.header.NAME are supported yet", h.Source)
		}
	}
	for _, ct := range sortedKeys(ir.Templates) {
		if isVTL(ir.Templates[ct]) {
			fail("ResponseTemplates."+ct, "VTL mapping templates are not supported yet; only static templates are")
		}
	}
}

// functions checks the functions' settings and that no two share a name,
// a logical ID or an ARN.
func (v *validator) functions() {
	seen := map[string]*Function{}
	for _, f := range v.m.Functions {
		pos := Pos{Line: f.Line, Col: f.Col, File: f.File}
		fail := func(name, format string, args ...any) { v.errAt(f.LogicalID, f.Props, pos, name, format, args...) }
		if !funcref.ValidName(f.Name) {
			fail("FunctionName", "function name %q must be 1 to 64 letters, digits, '-' or '_'", f.Name)
		}
		if f.Timeout < time.Second || f.Timeout > 900*time.Second {
			fail("Timeout", "must be from 1 to 900 seconds, not %d", int64(f.Timeout/time.Second))
		}
		if f.MemorySize < 128 || f.MemorySize > 10240 {
			fail("MemorySize", "must be from 128 to 10240 MB, not %d", f.MemorySize)
		}
		for _, key := range []string{f.Name, f.LogicalID, f.ARN} {
			if other := seen[key]; other != nil && other != f {
				fail("FunctionName", "function name %q is also used by %s", f.Name, other.LogicalID)
				break
			}
		}
		for _, key := range []string{f.Name, f.LogicalID, f.ARN} {
			if seen[key] == nil {
				seen[key] = f
			}
		}
	}
}

// policyEmpty reports whether a resource policy document grants or denies
// nothing: "", "{}", or a document whose Statement is missing, null or an
// empty list (what the Serverless Framework writes when none is set).
func policyEmpty(doc string) bool {
	doc = strings.TrimSpace(doc)
	if doc == "" {
		return true
	}
	var d map[string]json.RawMessage
	if json.Unmarshal([]byte(doc), &d) != nil {
		return false
	}
	st, ok := d["Statement"]
	if !ok {
		return true
	}
	var list []json.RawMessage
	s := strings.TrimSpace(string(st))
	return s == "null" || (json.Unmarshal(st, &list) == nil && len(list) == 0)
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

func hasKey[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
