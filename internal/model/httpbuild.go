package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/template"
)

// The decoder of HTTP APIs: AWS::ApiGatewayV2::Api with ProtocolType HTTP
// (quick create included), and the Routes, Integrations, Authorizers,
// Deployments and Stages whose ApiId names one. httpvalidate.go checks
// them; apigw does not serve them yet.

type cfnHTTPAPI struct {
	Name                      string          `cfn:"Name"`
	ProtocolType              string          `cfn:"ProtocolType"`
	RouteSelectionExpression  string          `cfn:"RouteSelectionExpression"`
	Description               string          `cfn:"Description"`
	Tags                      *template.Value `cfn:"Tags"`
	DisableExecuteApiEndpoint bool            `cfn:"DisableExecuteApiEndpoint"`
	FailOnWarnings            bool            `cfn:"FailOnWarnings"`
	Version                   string          `cfn:"Version"`
	IpAddressType             string          `cfn:"IpAddressType"`
	CorsConfiguration         *struct {
		AllowOrigins     []string `cfn:"AllowOrigins"`
		AllowMethods     []string `cfn:"AllowMethods"`
		AllowHeaders     []string `cfn:"AllowHeaders"`
		ExposeHeaders    []string `cfn:"ExposeHeaders"`
		MaxAge           *int     `cfn:"MaxAge"`
		AllowCredentials bool     `cfn:"AllowCredentials"`
	} `cfn:"CorsConfiguration"`
	Body           *template.Value `cfn:"Body"`
	BodyS3Location *template.Value `cfn:"BodyS3Location"`
	BasePath       string          `cfn:"BasePath"`
	// Quick create.
	Target         string `cfn:"Target"`
	RouteKey       string `cfn:"RouteKey"`
	CredentialsArn string `cfn:"CredentialsArn"`
	// WebSocket APIs only.
	ApiKeySelectionExpression *template.Value `cfn:"ApiKeySelectionExpression"`
	DisableSchemaValidation   *template.Value `cfn:"DisableSchemaValidation"`
}

type cfnHTTPRoute struct {
	ApiId               string   `cfn:"ApiId,required"`
	RouteKey            string   `cfn:"RouteKey"` // required: Validate says so
	Target              string   `cfn:"Target"`
	AuthorizationType   string   `cfn:"AuthorizationType"`
	AuthorizerId        string   `cfn:"AuthorizerId"`
	AuthorizationScopes []string `cfn:"AuthorizationScopes"`
	OperationName       string   `cfn:"OperationName"`
	// WebSocket APIs only.
	ApiKeyRequired                   bool            `cfn:"ApiKeyRequired"`
	RouteResponseSelectionExpression *template.Value `cfn:"RouteResponseSelectionExpression"`
	ModelSelectionExpression         *template.Value `cfn:"ModelSelectionExpression"`
	RequestModels                    *template.Value `cfn:"RequestModels"`
	RequestParameters                *template.Value `cfn:"RequestParameters"`
}

type cfnHTTPIntegration struct {
	ApiId                string                     `cfn:"ApiId,required"`
	IntegrationType      string                     `cfn:"IntegrationType"` // required: Validate says so
	IntegrationSubtype   string                     `cfn:"IntegrationSubtype"`
	IntegrationUri       string                     `cfn:"IntegrationUri"`
	IntegrationMethod    string                     `cfn:"IntegrationMethod"`
	PayloadFormatVersion string                     `cfn:"PayloadFormatVersion"`
	TimeoutInMillis      *int                       `cfn:"TimeoutInMillis"`
	CredentialsArn       string                     `cfn:"CredentialsArn"`
	Description          string                     `cfn:"Description"`
	RequestParameters    map[string]string          `cfn:"RequestParameters"`
	ResponseParameters   map[string]*template.Value `cfn:"ResponseParameters"` // by status code: httpResponseParameters
	ConnectionType       string                     `cfn:"ConnectionType"`
	ConnectionId         string                     `cfn:"ConnectionId"`
	TlsConfig            *template.Value            `cfn:"TlsConfig"`
	// WebSocket APIs only.
	RequestTemplates            *template.Value `cfn:"RequestTemplates"`
	TemplateSelectionExpression *template.Value `cfn:"TemplateSelectionExpression"`
	ContentHandlingStrategy     *template.Value `cfn:"ContentHandlingStrategy"`
	PassthroughBehavior         *template.Value `cfn:"PassthroughBehavior"`
}

type cfnHTTPAuthorizer struct {
	ApiId            string   `cfn:"ApiId,required"`
	AuthorizerType   string   `cfn:"AuthorizerType,required"`
	Name             string   `cfn:"Name,required"`
	IdentitySource   []string `cfn:"IdentitySource"`
	JwtConfiguration *struct {
		Audience []string `cfn:"Audience"`
		Issuer   string   `cfn:"Issuer"`
	} `cfn:"JwtConfiguration"`
	AuthorizerUri                  string `cfn:"AuthorizerUri"`
	AuthorizerCredentialsArn       string `cfn:"AuthorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion string `cfn:"AuthorizerPayloadFormatVersion"`
	AuthorizerResultTtlInSeconds   *int   `cfn:"AuthorizerResultTtlInSeconds"`
	EnableSimpleResponses          bool   `cfn:"EnableSimpleResponses"`
	IdentityValidationExpression   string `cfn:"IdentityValidationExpression"`
}

func init() {
	for k, v := range map[string]string{
		"cfnHTTPRoute.RestApiId":                   "ApiGatewayV2 resources name their API with ApiId",
		"cfnHTTPIntegration.RestApiId":             "ApiGatewayV2 resources name their API with ApiId",
		"cfnHTTPAuthorizer.RestApiId":              "ApiGatewayV2 resources name their API with ApiId",
		"cfnHTTPIntegration.Type":                  "the integration type is IntegrationType",
		"cfnHTTPIntegration.Uri":                   "the integration's URI is IntegrationUri",
		"cfnHTTPIntegration.IntegrationHttpMethod": "the integration's method is IntegrationMethod",
		"cfnHTTPAuthorizer.Type":                   "the authorizer type is AuthorizerType",
		"cfnHTTPRoute.Integration":                 "a route names its integration with Target: integrations/ID",
		"cfnHTTPRoute.IntegrationId":               "a route names its integration with Target: integrations/ID",
		"cfnHTTPAPI.Cors":                          "an HTTP API's CORS is CorsConfiguration",
	} {
		hints[k] = v
	}
}

// httpState is what the decoder keeps of the HTTP APIs.
type httpState struct {
	apis      map[string]*HTTPAPI // by id (Ref value)
	integs    map[string]*HTTPIntegration
	integAPI  map[*HTTPIntegration]*HTTPAPI
	auths     map[string]*HTTPAuthorizer
	deployAPI map[string]*HTTPAPI // deployment id -> API
	overrides map[*HTTPAPI]string // API -> its ApiGatewayManagedOverrides' logical ID
}

func (b *builder) httpInit() {
	if b.http.apis == nil {
		b.http = httpState{apis: map[string]*HTTPAPI{}, integs: map[string]*HTTPIntegration{}, integAPI: map[*HTTPIntegration]*HTTPAPI{},
			auths: map[string]*HTTPAuthorizer{}, deployAPI: map[string]*HTTPAPI{}, overrides: map[*HTTPAPI]string{}}
	}
}

// QuickCreateIntegrationID is the id of the integration quick create makes
// for an HTTP API (its Target).
func QuickCreateIntegrationID(apiLogicalID string) string {
	return shortID("v2integration/quickcreate/"+apiLogicalID, 7)
}

// httpAPI decodes an AWS::ApiGatewayV2::Api of an HTTP API (v2API sends
// it here), with what quick create makes.
func (b *builder) httpAPI(r *template.Resource) {
	b.httpInit()
	b.wsInit()
	var p cfnHTTPAPI
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	id := APIID(r.LogicalID)
	other := ""
	if a := b.apiByID[id]; a != nil {
		other = a.LogicalID
	} else if a := b.ws.apis[id]; a != nil {
		other = a.LogicalID
	} else if a := b.http.apis[id]; a != nil {
		other = a.LogicalID
	} else if l, ok := b.ws.skipped[id]; ok {
		other = l
	}
	if other != "" {
		b.errAt(r, Prop{Pos: rpos(r)}, "its API id %q (the logical ID in lower case) is the same as %s's", id, other)
		b.ws.skipped[id] = r.LogicalID
		return
	}
	body := p.Body != nil || p.BodyS3Location != nil
	var doc *oaHTTPDoc
	if body {
		// An OpenAPI definition: httpopenapi.go, decoded into the same
		// model as the resources; its info fills Name and Description
		// when they are unset.
		if doc = b.httpOpenAPIDoc(r, props, &p); doc == nil {
			b.ws.skipped[id] = r.LogicalID // reported; its stages are not
			return
		}
	} else if p.Name == "" {
		b.errAt(r, at("Name"), "required property Name is missing")
	}
	api := &HTTPAPI{ID: id, LogicalID: r.LogicalID, Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		Description: p.Description, RouteSelection: p.RouteSelectionExpression, DisableExecuteAPIEndpoint: p.DisableExecuteApiEndpoint,
		CredentialsArn: p.CredentialsArn, Routes: map[string]*HTTPRoute{}}
	for _, name := range []string{"ApiKeySelectionExpression", "DisableSchemaValidation"} {
		if _, ok := props[name]; ok {
			b.errAt(r, at(name), "%s is a property of WebSocket APIs; an HTTP API does not take it", name)
		}
	}
	if c := p.CorsConfiguration; c != nil {
		api.Cors = &CorsConfiguration{AllowOrigins: c.AllowOrigins, AllowMethods: c.AllowMethods, AllowHeaders: c.AllowHeaders,
			ExposeHeaders: c.ExposeHeaders, MaxAge: c.MaxAge, AllowCredentials: c.AllowCredentials}
	}
	if p.DisableExecuteApiEndpoint {
		b.note("%s: DisableExecuteApiEndpoint is accepted; apigw serves the API at its own address all the same", r.LogicalID)
	}
	switch {
	case !body && (p.BasePath != "" || p.FailOnWarnings):
		b.note("%s: BasePath and FailOnWarnings apply to an OpenAPI Body; without one they do nothing", r.LogicalID)
	case body && p.BasePath != "" && p.BasePath != "ignore":
		// ignore is the default (CloudFormation, AWS::ApiGatewayV2::Api BasePath).
		b.errAt(r, at("BasePath"), "BasePath %s is not supported: apigw imports bodies as API Gateway does by default (BasePath ignore: the paths are served as written)", p.BasePath)
	case body && p.FailOnWarnings:
		b.note("%s: FailOnWarnings is accepted: what API Gateway would warn about, apigw refuses or notes", r.LogicalID)
	}
	switch {
	case p.Target != "" && body:
		b.errAt(r, at("Target"), "Target is quick create, which makes the API's route, integration and stage; an API with an OpenAPI definition takes them from the definition (and its stages from AWS::ApiGatewayV2::Stage): give one or the other")
	case p.Target != "":
		b.quickCreate(r, api, &p, props)
	default:
		for _, name := range []string{"RouteKey", "CredentialsArn"} {
			if _, ok := props[name]; ok {
				b.errAt(r, at(name), "%s is part of quick create: it needs the API's Target (a Lambda function ARN or an HTTP URL)", name)
			}
		}
	}
	b.http.apis[id] = api
	b.m.HTTPAPIs = append(b.m.HTTPAPIs, api)
	if doc != nil {
		doc.decode(api)
	}
}

// httpBodyAPI reports whether an HTTP API is defined by an OpenAPI body.
func httpBodyAPI(api *HTTPAPI) bool {
	_, body := api.Props["Body"]
	_, s3 := api.Props["BodyS3Location"]
	return body || s3
}

// quickCreate makes what API Gateway makes for an HTTP API's Target: a
// route (RouteKey, $default when unset) to an integration (AWS_PROXY with
// payload format 2.0 for a Lambda function, HTTP_PROXY with method ANY for
// a URL) and an auto-deployed $default stage.
func (b *builder) quickCreate(r *template.Resource, api *HTTPAPI, p *cfnHTTPAPI, props Props) {
	api.QuickCreate = true
	root := Props{"": props[""]}
	in := &HTTPIntegration{LogicalID: r.LogicalID, ID: QuickCreateIntegrationID(r.LogicalID), Line: r.Line, Col: r.Col, File: r.File,
		Props: Props{"": props[""], "IntegrationUri": props["Target"]}, URI: p.Target, Timeout: 30 * time.Second}
	if strings.HasPrefix(p.Target, "http://") || strings.HasPrefix(p.Target, "https://") {
		in.Type, in.Method, in.PayloadFormatVersion = HTTPProxy, "ANY", "1.0"
	} else {
		// A Lambda function ARN (Validate says when it is not one).
		in.Type, in.Method, in.PayloadFormatVersion = AWSProxy, "POST", "2.0"
		in.Function, in.Target, in.Qualifier, in.Remote = b.v2LambdaTarget(r, p.Target)
	}
	if p.CredentialsArn != "" {
		b.note("%s: CredentialsArn is accepted; apigw invokes the integration with its own credentials", r.LogicalID)
	}
	key := cmpOr(p.RouteKey, "$default")
	rp := Props{"": props[""]}
	if pr, ok := props["RouteKey"]; ok {
		rp["RouteKey"] = pr
	}
	if pr, ok := props["Target"]; ok {
		rp["Target"] = pr
	}
	rt := &HTTPRoute{LogicalID: r.LogicalID, ID: WSRouteID(r.LogicalID + "/quickcreate"), Key: key, Line: r.Line, Col: r.Col, File: r.File, Props: rp,
		AuthorizationType: "NONE", Target: "integrations/" + in.ID, Integration: in}
	rt.Method, rt.Path, _ = ParseHTTPRouteKey(key)
	api.Integrations = append(api.Integrations, in)
	b.http.integs[in.ID] = in
	b.http.integAPI[in] = api
	api.RouteList = append(api.RouteList, rt)
	api.Routes[key] = rt
	api.Stages = append(api.Stages, &HTTPStage{Name: "$default", LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: root, AutoDeploy: true})
}

// httpAPIs decodes the resources of the HTTP APIs among byType's
// ApiGatewayV2 resources and returns the others (WebSocket APIs').
func (b *builder) httpAPIs(byType map[string][]*template.Resource) map[string][]*template.Resource {
	b.httpInit()
	if len(b.http.apis) == 0 {
		for _, r := range byType[managedOverridesType] {
			b.httpOverrides(r)
		}
		return byType
	}
	rest := map[string][]*template.Resource{}
	mine := map[string][]*template.Resource{}
	for typ, rs := range byType {
		if !strings.HasPrefix(typ, "AWS::ApiGatewayV2::") || typ == "AWS::ApiGatewayV2::Api" {
			rest[typ] = rs
			continue
		}
		for _, r := range rs {
			if b.httpAPIRef(r) != nil {
				mine[typ] = append(mine[typ], r)
			} else {
				rest[typ] = append(rest[typ], r)
			}
		}
	}
	// An API with an OpenAPI definition takes its routes, integrations and
	// authorizers from it: "API Gateway doesn't support the combination of
	// OpenAPI and CloudFormation resources" (CloudFormation,
	// AWS::ApiGatewayV2::Api Body).
	for _, typ := range []string{"AWS::ApiGatewayV2::Authorizer", "AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route"} {
		kept := mine[typ][:0:0]
		for _, r := range mine[typ] {
			if api := b.httpAPIRef(r); httpBodyAPI(api) {
				b.errAt(r, apiIDAt(r), "%s takes its routes, integrations and authorizers from its OpenAPI definition; API Gateway does not combine one with %s resources: declare this in the definition", api.LogicalID, typ)
				continue
			}
			kept = append(kept, r)
		}
		mine[typ] = kept
	}
	for _, r := range mine["AWS::ApiGatewayV2::Authorizer"] {
		b.httpAuthorizer(r)
	}
	for _, r := range mine["AWS::ApiGatewayV2::Integration"] {
		b.httpIntegration(r)
	}
	for _, r := range mine["AWS::ApiGatewayV2::Route"] {
		b.httpRoute(r)
	}
	wsOnly := map[string]any{
		"AWS::ApiGatewayV2::RouteResponse":       &cfnWSRouteResponse{},
		"AWS::ApiGatewayV2::IntegrationResponse": &cfnWSIntegrationResponse{},
		"AWS::ApiGatewayV2::Model":               &cfnWSModel{},
	}
	for _, typ := range []string{"AWS::ApiGatewayV2::RouteResponse", "AWS::ApiGatewayV2::IntegrationResponse", "AWS::ApiGatewayV2::Model"} {
		for _, r := range mine[typ] {
			props := b.decode(r, wsOnly[typ])
			b.errAt(r, props.At("ApiId", rpos(r)), "%s belongs to WebSocket APIs; %s is an HTTP API", typ, b.httpAPIRef(r).LogicalID)
		}
	}
	type pendingDeployment struct {
		r     *template.Resource
		p     cfnWSDeployment
		props Props
		api   *HTTPAPI
	}
	var deps []pendingDeployment
	for _, r := range mine["AWS::ApiGatewayV2::Deployment"] {
		pd := pendingDeployment{r: r, api: b.httpAPIRef(r)}
		pd.props = b.decode(r, &pd.p)
		b.http.deployAPI[WSDeploymentID(r.LogicalID)] = pd.api
		deps = append(deps, pd)
	}
	for _, r := range mine["AWS::ApiGatewayV2::Stage"] {
		b.httpStage(r)
	}
	b.declaredDefaultStages()
	for _, pd := range deps {
		if pd.p.StageName == "" || hasHTTPStage(pd.api, pd.p.StageName) {
			continue
		}
		// CloudFormation creates the stage a deployment names.
		sp := Props{"": pd.props[""]}
		if pr, ok := pd.props["StageName"]; ok {
			sp["StageName"] = pr
		}
		pd.api.Stages = append(pd.api.Stages, &HTTPStage{Name: pd.p.StageName, LogicalID: pd.r.LogicalID, Line: pd.r.Line, Col: pd.r.Col, File: pd.r.File,
			Props: sp, DeploymentID: WSDeploymentID(pd.r.LogicalID), Description: pd.p.Description})
	}
	// Last: they override what quick create made, with the authorizers and
	// integrations above.
	for _, r := range byType[managedOverridesType] {
		b.httpOverrides(r)
	}
	return rest
}

// declaredDefaultStages lets a $default stage the template declares for a
// quick-created API take the place of the one quick create made, as SAM
// CLI's local server does (its own test templates declare one; on AWS,
// quick create has made the stage already).
func (b *builder) declaredDefaultStages() {
	for _, api := range b.m.HTTPAPIs {
		if !api.QuickCreate {
			continue
		}
		declared := slices.IndexFunc(api.Stages, func(st *HTTPStage) bool { return st.Name == "$default" && st.LogicalID != api.LogicalID })
		auto := slices.IndexFunc(api.Stages, func(st *HTTPStage) bool { return st.Name == "$default" && st.LogicalID == api.LogicalID })
		if declared < 0 || auto < 0 {
			continue
		}
		b.note("%s: the $default stage %s is served in place of the one quick create makes (on AWS, quick create has made a $default stage already)",
			api.LogicalID, api.Stages[declared].LogicalID)
		api.Stages = slices.Delete(api.Stages, auto, auto+1)
	}
}

func hasHTTPStage(api *HTTPAPI, name string) bool {
	for _, st := range api.Stages {
		if st.Name == name {
			return true
		}
	}
	return false
}

// apiIDAt locates a resource's ApiId property.
func apiIDAt(r *template.Resource) Prop {
	at := Prop{Path: "Properties.ApiId", Pos: propsPos(r)}
	if p, ok := r.Properties.KeyPosition("ApiId"); ok {
		at.Pos = tpos(p)
	}
	return at
}

// httpAPIRef is the HTTP API an ApiGatewayV2 resource's ApiId names, nil
// when it names none.
func (b *builder) httpAPIRef(r *template.Resource) *HTTPAPI {
	v := r.Properties.Get("ApiId")
	if v == nil || !v.IsScalar() {
		return nil
	}
	return b.http.apis[v.Str]
}

// wsOnlyProps reports the properties of WebSocket APIs a resource of an
// HTTP API declares.
func (b *builder) wsOnlyProps(r *template.Resource, props Props, what string, names ...string) {
	for _, name := range names {
		if _, ok := props[name]; ok {
			b.errAt(r, props.At(name, rpos(r)), "%s is a property of WebSocket APIs' %s; an HTTP API's %s does not take it", name, what, strings.TrimSuffix(what, "s"))
		}
	}
}

func (b *builder) httpIntegration(r *template.Resource) {
	var p cfnHTTPIntegration
	props := b.decode(r, &p)
	api := b.httpAPIRef(r)
	in := &HTTPIntegration{LogicalID: r.LogicalID, ID: WSIntegrationID(r.LogicalID), Line: r.Line, Col: r.Col, File: r.File, Props: props,
		Type: IntegrationType(strings.ToUpper(p.IntegrationType)), Subtype: p.IntegrationSubtype, URI: p.IntegrationUri,
		Method: strings.ToUpper(p.IntegrationMethod), PayloadFormatVersion: p.PayloadFormatVersion, Timeout: 30 * time.Second,
		ConnectionType: p.ConnectionType}
	if p.TimeoutInMillis != nil {
		in.Timeout = time.Duration(*p.TimeoutInMillis) * time.Millisecond
	}
	if in.Type == AWSProxy && in.Subtype == "" {
		in.Function, in.Target, in.Qualifier, in.Remote = b.v2LambdaTarget(r, in.URI)
	}
	for _, k := range sortedKeys(p.RequestParameters) {
		in.RequestParameters = append(in.RequestParameters, httpMapping(k, p.RequestParameters[k], false))
	}
	for _, code := range sortedKeys(p.ResponseParameters) {
		if in.ResponseParameters == nil {
			in.ResponseParameters = map[string][]HTTPParamMapping{}
		}
		in.ResponseParameters[code] = b.httpResponseParameters(r, props, code, p.ResponseParameters[code])
	}
	b.wsOnlyProps(r, props, "integrations", "RequestTemplates", "TemplateSelectionExpression", "ContentHandlingStrategy", "PassthroughBehavior")
	if p.TlsConfig != nil {
		b.note("%s: TlsConfig is accepted, not applied (it configures private integrations)", r.LogicalID)
	}
	if p.CredentialsArn != "" {
		b.note("%s: CredentialsArn is accepted; apigw invokes the integration with its own credentials", r.LogicalID)
	}
	api.Integrations = append(api.Integrations, in)
	b.http.integs[in.ID] = in
	b.http.integAPI[in] = api
}

// httpResponseParameters reads the response parameter mappings of one
// status code, in either form: CloudFormation's ResponseParameterMap
// ({ResponseParameters: [{Destination, Source}]}, as the
// AWS::ApiGatewayV2::Integration reference documents it) or the API's own
// map of mapping key to value. Each mapping is located in props as
// ResponseParameters.CODE.KEY, where Validate looks for it.
func (b *builder) httpResponseParameters(r *template.Resource, props Props, code string, v *template.Value) []HTTPParamMapping {
	at := props.At("ResponseParameters."+code, rpos(r))
	list := []HTTPParamMapping{}
	if v == nil || v.Kind != template.Map {
		if v != nil && v.Kind != template.Null {
			b.errAt(r, at, "expected the response parameters of status code %s (a map), got a %s", code, v.Kind)
		}
		return list
	}
	if l := v.Get("ResponseParameters"); len(v.Keys) == 1 && l != nil {
		lat := Prop{Path: at.Path + ".ResponseParameters", Pos: keyPos(v, 0, at.Pos)}
		if l.Kind != template.List {
			b.errAt(r, lat, "expected a list of {Destination, Source}, got a %s", l.Kind)
			return list
		}
		for i, it := range l.List {
			var rp struct {
				Destination string `cfn:"Destination,required"`
				Source      string `cfn:"Source"`
			}
			d := &decoder{file: b.tpl.File, logicalID: r.LogicalID, errs: &b.errs, hints: hints}
			d.decode(it, fmt.Sprintf("%s[%d]", lat.Path, i), valuePos(it, lat.Pos), &rp)
			if rp.Destination == "" {
				continue
			}
			props["ResponseParameters."+code+"."+rp.Destination] = d.props.At("Destination", lat.Pos)
			list = append(list, httpMapping(rp.Destination, rp.Source, true))
		}
		return list
	}
	for i, k := range v.Keys {
		kat := Prop{Path: at.Path + "." + k, Pos: keyPos(v, i, at.Pos)}
		props["ResponseParameters."+code+"."+k] = kat
		if !v.Vals[k].IsScalar() {
			b.errAt(r, kat, "expected a string, got a %s", v.Vals[k].Kind)
			continue
		}
		list = append(list, httpMapping(k, v.Vals[k].Str, true))
	}
	slices.SortFunc(list, func(x, y HTTPParamMapping) int { return strings.Compare(x.Key, y.Key) })
	return list
}

// httpMapping reads one parameter mapping; Validate checks its syntax
// (ParseHTTPMappingKey).
func httpMapping(key, value string, response bool) HTTPParamMapping {
	m := HTTPParamMapping{Key: key, Value: value}
	m.Op, m.Target, m.Name, _ = ParseHTTPMappingKey(key, response)
	return m
}

func (b *builder) httpAuthorizer(r *template.Resource) {
	var p cfnHTTPAuthorizer
	props := b.decode(r, &p)
	api := b.httpAPIRef(r)
	a := &HTTPAuthorizer{LogicalID: r.LogicalID, ID: WSAuthorizerID(r.LogicalID), Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		Type: p.AuthorizerType, URI: p.AuthorizerUri, PayloadFormatVersion: p.AuthorizerPayloadFormatVersion, SimpleResponses: p.EnableSimpleResponses}
	a.IdentitySource = identitySources(p.IdentitySource)
	if j := p.JwtConfiguration; j != nil {
		a.Issuer, a.Audience = j.Issuer, j.Audience
	}
	if a.Type == "JWT" && len(a.IdentitySource) == 0 {
		a.IdentitySource = []string{"$request.header.Authorization"}
	}
	if p.AuthorizerResultTtlInSeconds != nil {
		a.TTL = time.Duration(*p.AuthorizerResultTtlInSeconds) * time.Second
	}
	a.Function, a.Target, a.Remote = b.v2AuthorizerFunction(r, p.AuthorizerUri, p.IdentityValidationExpression, p.AuthorizerCredentialsArn)
	api.Authorizers = append(api.Authorizers, a)
	b.http.auths[a.ID] = a
}

func (b *builder) httpRoute(r *template.Resource) {
	var p cfnHTTPRoute
	props := b.decode(r, &p)
	api := b.httpAPIRef(r)
	rt := &HTTPRoute{LogicalID: r.LogicalID, ID: WSRouteID(r.LogicalID), Key: p.RouteKey, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		AuthorizationType: cmpOr(p.AuthorizationType, "NONE"), AuthorizerID: p.AuthorizerId, AuthorizationScopes: p.AuthorizationScopes,
		Target: p.Target, OperationName: p.OperationName}
	rt.Method, rt.Path, _ = ParseHTTPRouteKey(p.RouteKey)
	if id, ok := strings.CutPrefix(p.Target, "integrations/"); ok {
		rt.Integration = b.http.integs[id] // Validate checks it names one of the API's
	}
	if p.AuthorizerId != "" {
		rt.Authorizer = b.http.auths[p.AuthorizerId]
	}
	if p.Target == "" {
		b.note("%s: the route has no Target: API Gateway answers it 404 Not Found", r.LogicalID)
	}
	if rt.AuthorizationType == "NONE" && p.AuthorizerId != "" {
		b.note("%s: AuthorizerId is set but AuthorizationType is NONE: the route is open, as in API Gateway", r.LogicalID)
	}
	if p.ApiKeyRequired {
		b.errAt(r, props.At("ApiKeyRequired", rpos(r)), "HTTP APIs have no API keys; ApiKeyRequired is WebSocket APIs'")
	}
	b.wsOnlyProps(r, props, "routes", "RouteResponseSelectionExpression", "ModelSelectionExpression", "RequestModels", "RequestParameters")
	api.RouteList = append(api.RouteList, rt)
	if api.Routes[rt.Key] == nil {
		api.Routes[rt.Key] = rt
	}
}

func (b *builder) httpStage(r *template.Resource) {
	var p cfnWSStage
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.httpAPIRef(r)
	st := &HTTPStage{Name: p.StageName, LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: props, Variables: p.StageVariables,
		DeploymentID: p.DeploymentId, AutoDeploy: p.AutoDeploy, Description: p.Description}
	owner := ""
	if dapi := b.http.deployAPI[p.DeploymentId]; dapi != nil {
		owner = dapi.LogicalID
	}
	b.v2StageDeployment(r, props, &p, owner, api.LogicalID, "this template's HTTP APIs")
	if p.ClientCertificateId != "" {
		b.errAt(r, at("ClientCertificateId"), "ClientCertificateId is a property of WebSocket APIs' stages; an HTTP API's stage does not take it")
	}
	st.Throttle, st.RouteThrottles = b.v2RouteSettings(r, &p)
	api.Stages = append(api.Stages, st)
}

// managedOverridesType overrides what quick create makes.
const managedOverridesType = "AWS::ApiGatewayV2::ApiGatewayManagedOverrides"

// cfnHTTPOverrides is AWS::ApiGatewayV2::ApiGatewayManagedOverrides
// (CloudFormation: RouteOverrides, IntegrationOverrides, StageOverrides).
type cfnHTTPOverrides struct {
	ApiId string `cfn:"ApiId,required"`
	Route *struct {
		AuthorizationScopes []string `cfn:"AuthorizationScopes"`
		AuthorizationType   string   `cfn:"AuthorizationType"`
		AuthorizerId        string   `cfn:"AuthorizerId"`
		OperationName       string   `cfn:"OperationName"`
		Target              string   `cfn:"Target"`
	} `cfn:"Route"`
	Integration *struct {
		Description          string `cfn:"Description"`
		IntegrationMethod    string `cfn:"IntegrationMethod"`
		PayloadFormatVersion string `cfn:"PayloadFormatVersion"`
		TimeoutInMillis      *int   `cfn:"TimeoutInMillis"`
	} `cfn:"Integration"`
	Stage *struct {
		AccessLogSettings    *template.Value               `cfn:"AccessLogSettings"`
		AutoDeploy           *bool                         `cfn:"AutoDeploy"`
		DefaultRouteSettings *cfnWSRouteSettings           `cfn:"DefaultRouteSettings"`
		Description          string                        `cfn:"Description"`
		RouteSettings        map[string]cfnWSRouteSettings `cfn:"RouteSettings"`
		StageVariables       map[string]string             `cfn:"StageVariables"`
	} `cfn:"Stage"`
}

// httpOverrides applies an AWS::ApiGatewayV2::ApiGatewayManagedOverrides
// to the route, integration and $default stage quick create made for its
// API. The properties it overrides are located at the overrides resource,
// their paths prefixed by its logical ID, so that Validate's messages
// point at it.
func (b *builder) httpOverrides(r *template.Resource) {
	var p cfnHTTPOverrides
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	if p.ApiId == "" {
		return // reported
	}
	api := b.http.apis[p.ApiId]
	if api == nil {
		if _, ok := b.ws.skipped[p.ApiId]; ok {
			return // the API is reported
		}
		what := fmt.Sprintf("%q is not an AWS::ApiGatewayV2::Api of this template (use !Ref of one)", p.ApiId)
		if a := b.ws.apis[p.ApiId]; a != nil {
			what = a.LogicalID + " is a WebSocket API"
		} else if a := b.apiByID[p.ApiId]; a != nil {
			what = a.LogicalID + " is an AWS::ApiGateway::RestApi"
		}
		b.errAt(r, at("ApiId"), "%s: ApiGatewayManagedOverrides override what quick create makes for an HTTP API (one with a Target)", what)
		return
	}
	if !api.QuickCreate {
		named := false
		for _, name := range []string{"Route", "Integration", "Stage"} {
			if _, ok := props[name]; ok {
				named = true
				b.errAt(r, at(name), "%s has no quick create (no Target), so there is no %s of API Gateway's to override: declare the %s as an AWS::ApiGatewayV2::%s", api.LogicalID, strings.ToLower(name), strings.ToLower(name), name)
			}
		}
		if !named {
			b.errAt(r, at("ApiId"), "%s has no quick create (no Target): there is nothing of API Gateway's to override", api.LogicalID)
		}
		return
	}
	if other, ok := b.http.overrides[api]; ok {
		b.errAt(r, at("ApiId"), "%s's quick-created resources are already overridden by %s: give one AWS::ApiGatewayV2::ApiGatewayManagedOverrides per API", api.LogicalID, other)
		return
	}
	b.http.overrides[api] = r.LogicalID
	// where locates an overridden property (name below Properties) for
	// the element's Props.
	where := func(name string) Prop {
		pr := at(name)
		pr.Path = r.LogicalID + "." + pr.Path
		return pr
	}
	var rt *HTTPRoute
	for _, x := range api.RouteList {
		if x.ID == WSRouteID(api.LogicalID+"/quickcreate") {
			rt = x
		}
	}
	in := b.http.integs[QuickCreateIntegrationID(api.LogicalID)]
	var st *HTTPStage
	for _, x := range api.Stages {
		if x.LogicalID == api.LogicalID && x.Name == "$default" {
			st = x
		}
	}
	if o := p.Route; o != nil && rt != nil {
		if _, ok := props["Route.AuthorizationType"]; ok {
			rt.AuthorizationType = o.AuthorizationType
			rt.Props["AuthorizationType"] = where("Route.AuthorizationType")
		}
		if _, ok := props["Route.AuthorizerId"]; ok {
			rt.AuthorizerID, rt.Authorizer = o.AuthorizerId, b.http.auths[o.AuthorizerId]
			rt.Props["AuthorizerId"] = where("Route.AuthorizerId")
		} else if _, ok := props["Route.AuthorizationType"]; ok {
			rt.Props["AuthorizerId"] = where("Route.AuthorizerId") // a missing one: at Route
		}
		if _, ok := props["Route.AuthorizationScopes"]; ok {
			rt.AuthorizationScopes = o.AuthorizationScopes
			rt.Props["AuthorizationScopes"] = where("Route.AuthorizationScopes")
		}
		if _, ok := props["Route.OperationName"]; ok {
			rt.OperationName = o.OperationName
			rt.Props["OperationName"] = where("Route.OperationName")
		}
		if _, ok := props["Route.Target"]; ok {
			rt.Target, rt.Integration = o.Target, nil
			if id, ok := strings.CutPrefix(o.Target, "integrations/"); ok {
				rt.Integration = b.http.integs[id] // Validate checks it is the API's
			}
			rt.Props["Target"] = where("Route.Target")
		}
		if rt.AuthorizationType == "NONE" && rt.AuthorizerID != "" {
			b.note("%s: Route.AuthorizerId is set but AuthorizationType is NONE: the route is open, as in API Gateway", r.LogicalID)
		}
	}
	if o := p.Integration; o != nil && in != nil {
		if _, ok := props["Integration.IntegrationMethod"]; ok {
			in.Method = strings.ToUpper(o.IntegrationMethod)
			in.Props["IntegrationMethod"] = where("Integration.IntegrationMethod")
		}
		if _, ok := props["Integration.PayloadFormatVersion"]; ok {
			in.PayloadFormatVersion = o.PayloadFormatVersion
			in.Props["PayloadFormatVersion"] = where("Integration.PayloadFormatVersion")
		}
		if o.TimeoutInMillis != nil {
			in.Timeout = time.Duration(*o.TimeoutInMillis) * time.Millisecond
			in.Props["TimeoutInMillis"] = where("Integration.TimeoutInMillis")
		}
	}
	if o := p.Stage; o != nil && st != nil {
		if o.AutoDeploy != nil {
			st.AutoDeploy = *o.AutoDeploy
			if !st.AutoDeploy {
				b.note("%s: Stage.AutoDeploy false: the $default stage keeps the deployment quick create made; apigw serves the template as it is", r.LogicalID)
			}
		}
		if _, ok := props["Stage.Description"]; ok {
			st.Description = o.Description
		}
		if o.StageVariables != nil {
			st.Variables = o.StageVariables
			for k := range o.StageVariables {
				st.Props["StageVariables."+k] = where("Stage.StageVariables." + k)
			}
		}
		ws := cfnWSStage{DefaultRouteSettings: o.DefaultRouteSettings, RouteSettings: o.RouteSettings, AccessLogSettings: o.AccessLogSettings}
		throttle, routes := b.v2RouteSettings(r, &ws)
		if o.DefaultRouteSettings != nil {
			st.Throttle = throttle
			st.Props["DefaultRouteSettings"] = where("Stage.DefaultRouteSettings")
		}
		if o.RouteSettings != nil {
			st.RouteThrottles = routes
			for k := range o.RouteSettings {
				st.Props["RouteSettings."+k] = where("Stage.RouteSettings." + k)
			}
		}
	}
}
