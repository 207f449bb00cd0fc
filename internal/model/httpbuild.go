package model

import (
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
	ApiId                string                       `cfn:"ApiId,required"`
	IntegrationType      string                       `cfn:"IntegrationType"` // required: Validate says so
	IntegrationSubtype   string                       `cfn:"IntegrationSubtype"`
	IntegrationUri       string                       `cfn:"IntegrationUri"`
	IntegrationMethod    string                       `cfn:"IntegrationMethod"`
	PayloadFormatVersion string                       `cfn:"PayloadFormatVersion"`
	TimeoutInMillis      *int                         `cfn:"TimeoutInMillis"`
	CredentialsArn       string                       `cfn:"CredentialsArn"`
	Description          string                       `cfn:"Description"`
	RequestParameters    map[string]string            `cfn:"RequestParameters"`
	ResponseParameters   map[string]map[string]string `cfn:"ResponseParameters"`
	ConnectionType       string                       `cfn:"ConnectionType"`
	ConnectionId         string                       `cfn:"ConnectionId"`
	TlsConfig            *template.Value              `cfn:"TlsConfig"`
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
}

func (b *builder) httpInit() {
	if b.http.apis == nil {
		b.http = httpState{apis: map[string]*HTTPAPI{}, integs: map[string]*HTTPIntegration{}, integAPI: map[*HTTPIntegration]*HTTPAPI{},
			auths: map[string]*HTTPAuthorizer{}, deployAPI: map[string]*HTTPAPI{}}
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
	api := &HTTPAPI{ID: id, LogicalID: r.LogicalID, Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		Description: p.Description, RouteSelection: p.RouteSelectionExpression, DisableExecuteAPIEndpoint: p.DisableExecuteApiEndpoint,
		CredentialsArn: p.CredentialsArn, Routes: map[string]*HTTPRoute{}}
	body := p.Body != nil || p.BodyS3Location != nil
	if body {
		name := "Body"
		if p.Body == nil {
			name = "BodyS3Location"
		}
		b.errAt(r, at(name), "an HTTP API's OpenAPI definition (%s) is not supported yet: declare its routes, integrations and stages as AWS::ApiGatewayV2 resources (OpenAPI bodies of HTTP APIs come in a later version of apigw)", name)
	} else if p.Name == "" {
		b.errAt(r, at("Name"), "required property Name is missing")
	}
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
	if !body && (p.BasePath != "" || p.FailOnWarnings) {
		b.note("%s: BasePath and FailOnWarnings apply to an OpenAPI Body; without one they do nothing", r.LogicalID)
	}
	if p.Target == "" {
		for _, name := range []string{"RouteKey", "CredentialsArn"} {
			if _, ok := props[name]; ok {
				b.errAt(r, at(name), "%s is part of quick create: it needs the API's Target (a Lambda function ARN or an HTTP URL)", name)
			}
		}
	} else {
		b.quickCreate(r, api, &p, props)
	}
	b.http.apis[id] = api
	b.m.HTTPAPIs = append(b.m.HTTPAPIs, api)
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
	return rest
}

func hasHTTPStage(api *HTTPAPI, name string) bool {
	for _, st := range api.Stages {
		if st.Name == name {
			return true
		}
	}
	return false
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
		ms := p.ResponseParameters[code]
		list := []HTTPParamMapping{}
		for _, k := range sortedKeys(ms) {
			list = append(list, httpMapping(k, ms[k], true))
		}
		in.ResponseParameters[code] = list
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
