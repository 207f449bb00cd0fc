package model

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/funcref"
	"github.com/apigw/apigw/internal/template"
)

// The decoder of WebSocket APIs: AWS::ApiGatewayV2::* resources whose Api
// has ProtocolType WEBSOCKET. HTTP APIs (ProtocolType HTTP) and their
// resources are httpbuild.go's.

// WSRouteID is what !Ref of an AWS::ApiGatewayV2::Route returns.
func WSRouteID(logicalID string) string { return shortID("v2route/"+logicalID, 7) }

// WSIntegrationID is what !Ref of an AWS::ApiGatewayV2::Integration returns.
func WSIntegrationID(logicalID string) string { return shortID("v2integration/"+logicalID, 7) }

// WSAuthorizerID is what !Ref of an AWS::ApiGatewayV2::Authorizer returns.
func WSAuthorizerID(logicalID string) string { return shortID("v2authorizer/"+logicalID, 6) }

// WSDeploymentID is what !Ref of an AWS::ApiGatewayV2::Deployment returns.
func WSDeploymentID(logicalID string) string { return shortID("v2deployment/"+logicalID, 6) }

// v2Types adds the ApiGatewayV2 types apigw decodes to the registry.
func v2Types(t map[string]template.TypeSpec) {
	apiID := ident(APIID)
	endpoint := func(rc *template.RefContext) (string, error) {
		scheme := "wss"
		if v, err := rc.Prop("ProtocolType"); err == nil && v != nil && str(v) == "HTTP" {
			scheme = "https"
		}
		return fmt.Sprintf("%s://%s.execute-api.%s.%s", scheme, APIID(rc.LogicalID), rc.Region, rc.URLSuffix), nil
	}
	type attrFuncs = map[string]func(*template.RefContext) (string, error)
	t["AWS::ApiGatewayV2::Api"] = template.TypeSpec{Ref: apiID, GetAtt: attrs(attrFuncs{"ApiId": apiID, "ApiEndpoint": endpoint})}
	t["AWS::ApiGatewayV2::Route"] = template.TypeSpec{Ref: ident(WSRouteID), GetAtt: attrs(attrFuncs{"RouteId": ident(WSRouteID)})}
	t["AWS::ApiGatewayV2::Integration"] = template.TypeSpec{Ref: ident(WSIntegrationID), GetAtt: attrs(attrFuncs{"IntegrationId": ident(WSIntegrationID)})}
	t["AWS::ApiGatewayV2::Authorizer"] = template.TypeSpec{Ref: ident(WSAuthorizerID), GetAtt: attrs(attrFuncs{"AuthorizerId": ident(WSAuthorizerID)})}
	t["AWS::ApiGatewayV2::Deployment"] = template.TypeSpec{Ref: ident(WSDeploymentID), GetAtt: attrs(attrFuncs{"DeploymentId": ident(WSDeploymentID)})}
	t["AWS::ApiGatewayV2::Stage"] = template.TypeSpec{
		Ref:    propOr("StageName", func(rc *template.RefContext) (string, error) { return rc.LogicalID, nil }),
		GetAtt: attrs(nil),
	}
	t["AWS::ApiGatewayV2::RouteResponse"] = template.TypeSpec{Ref: idOf("v2routeresponse/", 6), GetAtt: attrs(attrFuncs{"RouteResponseId": idOf("v2routeresponse/", 6)})}
	t["AWS::ApiGatewayV2::IntegrationResponse"] = template.TypeSpec{Ref: idOf("v2integrationresponse/", 6), GetAtt: attrs(attrFuncs{"IntegrationResponseId": idOf("v2integrationresponse/", 6)})}
	t["AWS::ApiGatewayV2::Model"] = template.TypeSpec{Ref: idOf("v2model/", 6), GetAtt: attrs(attrFuncs{"ModelId": idOf("v2model/", 6)})}
	// HTTP APIs' (httpbuild.go); its Ref is not documented: an id.
	t[managedOverridesType] = template.TypeSpec{Ref: idOf(managedOverridesType+"/", 10), GetAtt: attrs(nil)}
}

// The CloudFormation property sets of the ApiGatewayV2 types (aws-reference
// §10.2). Properties of HTTP APIs only are listed so that the message can
// say so.

type cfnV2API struct {
	Name                      string          `cfn:"Name"`
	ProtocolType              string          `cfn:"ProtocolType"`
	RouteSelectionExpression  string          `cfn:"RouteSelectionExpression"`
	ApiKeySelectionExpression string          `cfn:"ApiKeySelectionExpression"`
	Description               string          `cfn:"Description"`
	Tags                      *template.Value `cfn:"Tags"`
	DisableExecuteApiEndpoint bool            `cfn:"DisableExecuteApiEndpoint"`
	DisableSchemaValidation   bool            `cfn:"DisableSchemaValidation"`
	FailOnWarnings            bool            `cfn:"FailOnWarnings"`
	Version                   string          `cfn:"Version"`
	IpAddressType             string          `cfn:"IpAddressType"`
	// HTTP APIs only.
	CorsConfiguration *template.Value `cfn:"CorsConfiguration"`
	Body              *template.Value `cfn:"Body"`
	BodyS3Location    *template.Value `cfn:"BodyS3Location"`
	BasePath          string          `cfn:"BasePath"`
	Target            string          `cfn:"Target"`
	RouteKey          string          `cfn:"RouteKey"`
	CredentialsArn    string          `cfn:"CredentialsArn"`
}

type cfnWSRoute struct {
	ApiId                            string          `cfn:"ApiId,required"`
	RouteKey                         string          `cfn:"RouteKey"` // required: Validate says so
	Target                           string          `cfn:"Target"`
	AuthorizationType                string          `cfn:"AuthorizationType"`
	AuthorizerId                     string          `cfn:"AuthorizerId"`
	ApiKeyRequired                   bool            `cfn:"ApiKeyRequired"`
	RouteResponseSelectionExpression string          `cfn:"RouteResponseSelectionExpression"`
	OperationName                    string          `cfn:"OperationName"`
	ModelSelectionExpression         string          `cfn:"ModelSelectionExpression"`
	RequestModels                    *template.Value `cfn:"RequestModels"`
	RequestParameters                *template.Value `cfn:"RequestParameters"`
	AuthorizationScopes              []string        `cfn:"AuthorizationScopes"` // HTTP APIs (JWT)
}

type cfnWSIntegration struct {
	ApiId                       string            `cfn:"ApiId,required"`
	IntegrationType             string            `cfn:"IntegrationType"` // required: Validate says so
	IntegrationUri              string            `cfn:"IntegrationUri"`
	IntegrationMethod           string            `cfn:"IntegrationMethod"`
	PayloadFormatVersion        string            `cfn:"PayloadFormatVersion"`
	TimeoutInMillis             *int              `cfn:"TimeoutInMillis"`
	CredentialsArn              string            `cfn:"CredentialsArn"`
	Description                 string            `cfn:"Description"`
	RequestParameters           map[string]string `cfn:"RequestParameters"`
	RequestTemplates            map[string]string `cfn:"RequestTemplates"`
	TemplateSelectionExpression string            `cfn:"TemplateSelectionExpression"`
	ContentHandlingStrategy     string            `cfn:"ContentHandlingStrategy"`
	PassthroughBehavior         string            `cfn:"PassthroughBehavior"`
	ConnectionType              string            `cfn:"ConnectionType"`
	ConnectionId                string            `cfn:"ConnectionId"`
	// HTTP APIs only.
	IntegrationSubtype string          `cfn:"IntegrationSubtype"`
	ResponseParameters *template.Value `cfn:"ResponseParameters"`
	TlsConfig          *template.Value `cfn:"TlsConfig"`
}

type cfnWSAuthorizer struct {
	ApiId                        string   `cfn:"ApiId,required"`
	AuthorizerType               string   `cfn:"AuthorizerType,required"`
	Name                         string   `cfn:"Name,required"`
	AuthorizerUri                string   `cfn:"AuthorizerUri"`
	AuthorizerCredentialsArn     string   `cfn:"AuthorizerCredentialsArn"`
	IdentitySource               []string `cfn:"IdentitySource"`
	IdentityValidationExpression string   `cfn:"IdentityValidationExpression"`
	// HTTP APIs only.
	JwtConfiguration               *template.Value `cfn:"JwtConfiguration"`
	AuthorizerPayloadFormatVersion string          `cfn:"AuthorizerPayloadFormatVersion"`
	AuthorizerResultTtlInSeconds   *int            `cfn:"AuthorizerResultTtlInSeconds"`
	EnableSimpleResponses          *bool           `cfn:"EnableSimpleResponses"`
}

type cfnWSRouteSettings struct {
	ThrottlingBurstLimit   *int     `cfn:"ThrottlingBurstLimit"`
	ThrottlingRateLimit    *float64 `cfn:"ThrottlingRateLimit"`
	DataTraceEnabled       bool     `cfn:"DataTraceEnabled"`
	DetailedMetricsEnabled bool     `cfn:"DetailedMetricsEnabled"`
	LoggingLevel           string   `cfn:"LoggingLevel"`
}

type cfnWSStage struct {
	ApiId                string                        `cfn:"ApiId,required"`
	StageName            string                        `cfn:"StageName"` // required: Validate says so
	DeploymentId         string                        `cfn:"DeploymentId"`
	AutoDeploy           bool                          `cfn:"AutoDeploy"`
	Description          string                        `cfn:"Description"`
	StageVariables       map[string]string             `cfn:"StageVariables"`
	DefaultRouteSettings *cfnWSRouteSettings           `cfn:"DefaultRouteSettings"`
	RouteSettings        map[string]cfnWSRouteSettings `cfn:"RouteSettings"`
	AccessLogSettings    *template.Value               `cfn:"AccessLogSettings"`
	ClientCertificateId  string                        `cfn:"ClientCertificateId"`
	AccessPolicyId       string                        `cfn:"AccessPolicyId"`
	Tags                 *template.Value               `cfn:"Tags"`
}

type cfnWSDeployment struct {
	ApiId       string `cfn:"ApiId,required"`
	StageName   string `cfn:"StageName"`
	Description string `cfn:"Description"`
}

type cfnWSRouteResponse struct {
	ApiId                    string          `cfn:"ApiId,required"`
	RouteId                  string          `cfn:"RouteId,required"`
	RouteResponseKey         string          `cfn:"RouteResponseKey,required"`
	ModelSelectionExpression string          `cfn:"ModelSelectionExpression"`
	ResponseModels           *template.Value `cfn:"ResponseModels"`
	ResponseParameters       *template.Value `cfn:"ResponseParameters"`
}

type cfnWSIntegrationResponse struct {
	ApiId                       string            `cfn:"ApiId,required"`
	IntegrationId               string            `cfn:"IntegrationId,required"`
	IntegrationResponseKey      string            `cfn:"IntegrationResponseKey,required"`
	ResponseTemplates           map[string]string `cfn:"ResponseTemplates"`
	TemplateSelectionExpression string            `cfn:"TemplateSelectionExpression"`
	ResponseParameters          *template.Value   `cfn:"ResponseParameters"`
	ContentHandlingStrategy     string            `cfn:"ContentHandlingStrategy"`
}

type cfnWSModel struct {
	ApiId       string          `cfn:"ApiId,required"`
	Name        string          `cfn:"Name,required"`
	Schema      *template.Value `cfn:"Schema,required"`
	ContentType string          `cfn:"ContentType"`
	Description string          `cfn:"Description"`
}

var wsHints = map[string]string{
	"cfnWSRoute.RestApiId":                   "ApiGatewayV2 resources name their API with ApiId",
	"cfnWSIntegration.RestApiId":             "ApiGatewayV2 resources name their API with ApiId",
	"cfnWSStage.RestApiId":                   "ApiGatewayV2 resources name their API with ApiId",
	"cfnWSDeployment.RestApiId":              "ApiGatewayV2 resources name their API with ApiId",
	"cfnWSAuthorizer.RestApiId":              "ApiGatewayV2 resources name their API with ApiId",
	"cfnWSIntegration.Type":                  "the integration type is IntegrationType",
	"cfnWSIntegration.Uri":                   "the integration's URI is IntegrationUri",
	"cfnWSIntegration.IntegrationHttpMethod": "the integration's method is IntegrationMethod",
	"cfnWSIntegration.Timeout":               "the integration timeout is TimeoutInMillis",
	"cfnWSStage.Variables":                   "AWS::ApiGatewayV2::Stage calls them StageVariables",
	"cfnWSStage.MethodSettings":              "ApiGatewayV2 stages have DefaultRouteSettings and RouteSettings (by route key)",
	"cfnWSStage.ThrottlingBurstLimit":        "stage throttling goes in DefaultRouteSettings (or RouteSettings by route key)",
	"cfnWSStage.ThrottlingRateLimit":         "stage throttling goes in DefaultRouteSettings (or RouteSettings by route key)",
	"cfnWSAuthorizer.Type":                   "the authorizer type is AuthorizerType",
	"cfnWSRoute.Integration":                 "a route names its integration with Target: integrations/ID",
	"cfnWSRoute.IntegrationId":               "a route names its integration with Target: integrations/ID",
}

func init() {
	for k, v := range wsHints {
		hints[k] = v
	}
}

// wsState is what the decoder keeps of the ApiGatewayV2 resources.
type wsState struct {
	apis      map[string]*WebSocketAPI // by id (Ref value)
	skipped   map[string]string        // ids of APIs not decoded (HTTP, or failed) -> logical ID
	integs    map[string]*WSIntegration
	integAPI  map[*WSIntegration]*WebSocketAPI
	routes    map[string]*WSRoute
	routeAPI  map[*WSRoute]*WebSocketAPI
	auths     map[string]*WSAuthorizer
	deployAPI map[string]*WebSocketAPI // deployment id -> API
}

func (b *builder) wsInit() {
	if b.ws.apis == nil {
		b.ws = wsState{apis: map[string]*WebSocketAPI{}, skipped: map[string]string{}, integs: map[string]*WSIntegration{},
			integAPI: map[*WSIntegration]*WebSocketAPI{}, routes: map[string]*WSRoute{}, routeAPI: map[*WSRoute]*WebSocketAPI{},
			auths: map[string]*WSAuthorizer{}, deployAPI: map[string]*WebSocketAPI{}}
	}
}

// v2API decodes an AWS::ApiGatewayV2::Api: a WebSocket API, or an HTTP API
// (httpAPI).
func (b *builder) v2API(r *template.Resource) {
	b.wsInit()
	id := APIID(r.LogicalID)
	pt := r.Properties.Get("ProtocolType")
	body := r.Properties.Get("Body") != nil || r.Properties.Get("BodyS3Location") != nil
	if pt != nil && pt.IsScalar() && pt.Str == string(KindHTTP) || pt == nil && body {
		// An OpenAPI body declares an HTTP API (API Gateway imports only
		// those into version 2): httpbuild.go.
		b.httpAPI(r)
		return
	}
	var p cfnV2API
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	switch p.ProtocolType {
	case string(KindWebSocket):
	case "":
		b.errAt(r, at("ProtocolType"), "required property ProtocolType is missing (WEBSOCKET or HTTP)")
		b.ws.skipped[id] = r.LogicalID
		return
	default:
		b.errAt(r, at("ProtocolType"), "must be WEBSOCKET or HTTP, not %q", p.ProtocolType)
		b.ws.skipped[id] = r.LogicalID
		return
	}
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
		return
	}
	api := &WebSocketAPI{ID: id, LogicalID: r.LogicalID, Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		RouteSelection: p.RouteSelectionExpression, APIKeySelection: p.ApiKeySelectionExpression, Description: p.Description,
		Routes: map[string]*WSRoute{}}
	if p.Name == "" {
		b.errAt(r, at("Name"), "required property Name is missing")
	}
	for _, name := range []string{"CorsConfiguration", "Body", "BodyS3Location", "BasePath", "Target", "RouteKey", "CredentialsArn"} {
		if _, ok := props[name]; ok {
			b.errAt(r, at(name), "%s is a property of HTTP APIs; a WebSocket API does not take it", name)
		}
	}
	if p.DisableExecuteApiEndpoint {
		b.note("%s: DisableExecuteApiEndpoint is accepted; apigw serves the API at its own address all the same", r.LogicalID)
	}
	if p.DisableSchemaValidation {
		b.note("%s: DisableSchemaValidation is accepted; apigw does not validate messages against models", r.LogicalID)
	}
	b.ws.apis[id] = api
	b.m.WebSocketAPIs = append(b.m.WebSocketAPIs, api)
}

// wsAPIRef finds the WebSocket API an ApiGatewayV2 resource's ApiId names;
// nil (and no error) for one of an API that was refused.
func (b *builder) wsAPIRef(r *template.Resource, props Props) *WebSocketAPI {
	b.wsInit()
	v := r.Properties.Get("ApiId")
	if v == nil || !v.IsScalar() {
		return nil // the decoder reported it
	}
	if api := b.ws.apis[v.Str]; api != nil {
		return api
	}
	if _, ok := b.ws.skipped[v.Str]; ok {
		return nil // the API is reported
	}
	at := props.At("ApiId", rpos(r))
	if a := b.apiByID[v.Str]; a != nil {
		b.errAt(r, at, "%s is an AWS::ApiGateway::RestApi; %s belongs to an AWS::ApiGatewayV2::Api", a.LogicalID, r.Type)
		return nil
	}
	b.errAt(r, at, "%q is not an AWS::ApiGatewayV2::Api of this template (use !Ref of one)", v.Str)
	return nil
}

// webSockets decodes the resources of the WebSocket APIs, each type after
// those it refers to.
func (b *builder) webSockets(byType map[string][]*template.Resource) {
	b.wsInit()
	for _, r := range byType["AWS::ApiGatewayV2::Authorizer"] {
		b.wsAuthorizer(r)
	}
	for _, r := range byType["AWS::ApiGatewayV2::Integration"] {
		b.wsIntegration(r)
	}
	for _, r := range byType["AWS::ApiGatewayV2::Route"] {
		b.wsRoute(r)
	}
	for _, r := range byType["AWS::ApiGatewayV2::RouteResponse"] {
		b.wsRouteResponse(r)
	}
	for _, r := range byType["AWS::ApiGatewayV2::IntegrationResponse"] {
		b.wsIntegrationResponse(r)
	}
	for _, r := range byType["AWS::ApiGatewayV2::Model"] {
		var p cfnWSModel
		props := b.decode(r, &p)
		if b.wsAPIRef(r, props) != nil {
			b.note("%s (AWS::ApiGatewayV2::Model): accepted; apigw does not validate WebSocket messages against models yet", r.LogicalID)
		}
	}
	// Deployments first (stages name them), then stages, then the stages
	// that deployments' StageName create.
	type pendingDeployment struct {
		r     *template.Resource
		p     cfnWSDeployment
		props Props
		api   *WebSocketAPI
	}
	var deps []pendingDeployment
	for _, r := range byType["AWS::ApiGatewayV2::Deployment"] {
		var pd pendingDeployment
		pd.r = r
		pd.props = b.decode(r, &pd.p)
		if pd.api = b.wsAPIRef(r, pd.props); pd.api != nil {
			b.ws.deployAPI[WSDeploymentID(r.LogicalID)] = pd.api
			deps = append(deps, pd)
		}
	}
	for _, r := range byType["AWS::ApiGatewayV2::Stage"] {
		b.wsStage(r)
	}
	for _, pd := range deps {
		if pd.p.StageName == "" {
			continue
		}
		if slices.ContainsFunc(pd.api.Stages, func(st *WSStage) bool { return st.Name == pd.p.StageName }) {
			continue
		}
		// CloudFormation creates the stage a deployment names.
		sp := Props{"": pd.props[""]}
		if pr, ok := pd.props["StageName"]; ok {
			sp["StageName"] = pr
		}
		pd.api.Stages = append(pd.api.Stages, &WSStage{Name: pd.p.StageName, LogicalID: pd.r.LogicalID, Line: pd.r.Line, Col: pd.r.Col, File: pd.r.File,
			Props: sp, DeploymentID: WSDeploymentID(pd.r.LogicalID), Description: pd.p.Description})
	}
}

func (b *builder) wsIntegration(r *template.Resource) {
	var p cfnWSIntegration
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.wsAPIRef(r, props)
	if api == nil {
		return
	}
	in := &WSIntegration{LogicalID: r.LogicalID, ID: WSIntegrationID(r.LogicalID), Line: r.Line, Col: r.Col, File: r.File, Props: props,
		Type: IntegrationType(strings.ToUpper(p.IntegrationType)), URI: p.IntegrationUri, Method: strings.ToUpper(p.IntegrationMethod),
		Timeout: 29 * time.Second, RequestTemplates: p.RequestTemplates, TemplateSelection: p.TemplateSelectionExpression}
	if p.TimeoutInMillis != nil {
		in.Timeout = time.Duration(*p.TimeoutInMillis) * time.Millisecond
	}
	if in.Type == AWSProxy {
		b.wsLambdaTarget(r, in)
	}
	for _, name := range []string{"IntegrationSubtype", "ResponseParameters", "TlsConfig"} {
		if _, ok := props[name]; ok {
			b.errAt(r, at(name), "%s is a property of HTTP APIs' integrations; a WebSocket API's integration does not take it", name)
		}
	}
	switch p.PayloadFormatVersion {
	case "", "1.0":
	default:
		b.errAt(r, at("PayloadFormatVersion"), "must be 1.0 for a WebSocket API (payload format %s is HTTP APIs'), not %q", p.PayloadFormatVersion, p.PayloadFormatVersion)
	}
	if p.ConnectionType == "VPC_LINK" {
		b.errAt(r, at("ConnectionType"), "VPC_LINK integrations cannot be reproduced locally")
	}
	var noted []string
	for _, name := range []string{"RequestParameters", "RequestTemplates", "TemplateSelectionExpression", "ContentHandlingStrategy", "PassthroughBehavior"} {
		if _, ok := props[name]; ok {
			noted = append(noted, name)
		}
	}
	if len(noted) > 0 {
		b.note("%s: %s accepted, not applied yet", r.LogicalID, strings.Join(noted, ", "))
	}
	if p.CredentialsArn != "" {
		b.note("%s: CredentialsArn is accepted; apigw invokes the integration with its own credentials", r.LogicalID)
	}
	api.Integrations = append(api.Integrations, in)
	b.ws.integs[in.ID] = in
	b.ws.integAPI[in] = api
}

// WSLambdaFunction is the function a WebSocket API's AWS_PROXY integration
// URI names: from a Lambda invocation URI (as REST's), or the URI itself
// when it is a function ARN (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME).
func WSLambdaFunction(uri string) (string, error) {
	fn, err := funcref.InvocationFunction(uri)
	if err == nil {
		return fn, nil
	}
	if p := strings.SplitN(uri, ":", 4); len(p) == 4 && p[0] == "arn" && p[2] == "lambda" {
		if _, perr := funcref.Parse(uri); perr == nil || strings.Contains(uri, "${stageVariables.") {
			return uri, nil
		}
	}
	return "", err
}

// wsLambdaTarget finds the function an AWS_PROXY integration calls, as
// lambdaTarget does REST's.
func (b *builder) wsLambdaTarget(r *template.Resource, in *WSIntegration) {
	in.Function, in.Target, in.Qualifier, in.Remote = b.v2LambdaTarget(r, in.URI)
}

// v2LambdaTarget finds the function an ApiGatewayV2 AWS_PROXY integration's
// URI names (WebSocket and HTTP APIs): its name or ARN, the template's
// function, the qualifier, and whether --config makes it remote. All are
// zero when the URI names no function (Validate reports it).
func (b *builder) v2LambdaTarget(r *template.Resource, uri string) (fn string, target *Function, qualifier string, remote bool) {
	fn, err := WSLambdaFunction(uri)
	if err != nil {
		return "", nil, "", false
	}
	if strings.Contains(fn, "${stageVariables.") {
		return fn, nil, "", false
	}
	target = b.lookupFunction(fn)
	remote = b.remoteFunction(fn)
	if ref, err := funcref.Parse(fn); err == nil {
		qualifier = ref.Qualifier
	}
	if target != nil && !remote && qualifier != "" && qualifier != funcref.Latest {
		if o, ok := b.override(target); !ok || o.Endpoint == "" {
			b.note("%s: the integration calls %s:%s; apigw runs one version of %s (its code), whatever the qualifier", r.LogicalID, target.Name, qualifier, target.LogicalID)
		}
	}
	return fn, target, qualifier, remote
}

func (b *builder) wsAuthorizer(r *template.Resource) {
	var p cfnWSAuthorizer
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.wsAPIRef(r, props)
	if api == nil {
		return
	}
	a := &WSAuthorizer{LogicalID: r.LogicalID, ID: WSAuthorizerID(r.LogicalID), Name: p.Name, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		URI: p.AuthorizerUri}
	switch p.AuthorizerType {
	case "REQUEST":
	case "JWT":
		b.errAt(r, at("AuthorizerType"), "JWT authorizers are HTTP APIs'; a WebSocket API's authorizer is REQUEST (a Lambda authorizer)")
	default:
		b.errAt(r, at("AuthorizerType"), "must be REQUEST for a WebSocket API, not %q", p.AuthorizerType)
	}
	for _, name := range []string{"JwtConfiguration", "AuthorizerPayloadFormatVersion", "AuthorizerResultTtlInSeconds", "EnableSimpleResponses"} {
		if _, ok := props[name]; !ok {
			continue
		}
		if name == "AuthorizerResultTtlInSeconds" && (p.AuthorizerResultTtlInSeconds == nil || *p.AuthorizerResultTtlInSeconds == 0) {
			continue // no caching: what a WebSocket authorizer does
		}
		b.errAt(r, at(name), "%s is a property of HTTP APIs' authorizers; a WebSocket API's authorizer does not take it", name)
	}
	a.IdentitySource = identitySources(p.IdentitySource)
	a.Function, a.Target, a.Remote = b.v2AuthorizerFunction(r, p.AuthorizerUri, p.IdentityValidationExpression, p.AuthorizerCredentialsArn)
	api.Authorizers = append(api.Authorizers, a)
	b.ws.auths[a.ID] = a
}

// identitySources splits an authorizer's IdentitySource: a list whose
// items may themselves be comma-separated.
func identitySources(list []string) []string {
	var out []string
	for _, s := range list {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// v2AuthorizerFunction finds the function a V2 Lambda authorizer's URI
// names (Validate reports a URI that names none), and notes the
// properties apigw accepts without acting on them.
func (b *builder) v2AuthorizerFunction(r *template.Resource, uri, idExpr, credentials string) (fn string, target *Function, remote bool) {
	if idExpr != "" {
		b.note("%s: IdentityValidationExpression is accepted, not applied (API Gateway applies it to TOKEN authorizers of REST APIs only)", r.LogicalID)
	}
	if credentials != "" {
		b.note("%s: AuthorizerCredentialsArn is accepted; apigw invokes the authorizer with its own credentials", r.LogicalID)
	}
	fn, err := funcref.InvocationFunction(uri)
	if err != nil {
		return "", nil, false
	}
	if !strings.Contains(fn, "${stageVariables.") {
		target, remote = b.lookupFunction(fn), b.remoteFunction(fn)
	}
	return fn, target, remote
}

func (b *builder) wsRoute(r *template.Resource) {
	var p cfnWSRoute
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.wsAPIRef(r, props)
	if api == nil {
		return
	}
	rt := &WSRoute{LogicalID: r.LogicalID, ID: WSRouteID(r.LogicalID), Key: p.RouteKey, Line: r.Line, Col: r.Col, File: r.File, Props: props,
		AuthorizationType: cmpOr(p.AuthorizationType, "NONE"), AuthorizerID: p.AuthorizerId, APIKeyRequired: p.ApiKeyRequired,
		ResponseSelection: p.RouteResponseSelectionExpression, Target: p.Target, OperationName: p.OperationName}
	if id, ok := strings.CutPrefix(p.Target, "integrations/"); ok {
		rt.Integration = b.ws.integs[id] // Validate checks it names one of the API's
	}
	if p.AuthorizerId != "" {
		rt.Authorizer = b.ws.auths[p.AuthorizerId]
	}
	if p.Target == "" {
		b.note("%s: the route has no Target: nothing is invoked for it", r.LogicalID)
	}
	if p.ApiKeyRequired && p.RouteKey != "$connect" {
		b.note("%s: ApiKeyRequired applies to $connect only (API Gateway checks the key when the client connects)", r.LogicalID)
	}
	if rt.AuthorizationType == "NONE" && p.AuthorizerId != "" {
		b.note("%s: AuthorizerId is set but AuthorizationType is NONE: the route is open, as in API Gateway", r.LogicalID)
	}
	if _, ok := props["AuthorizationScopes"]; ok {
		b.errAt(r, at("AuthorizationScopes"), "AuthorizationScopes are for JWT authorizers of HTTP APIs; a WebSocket API's route does not take them")
	}
	var noted []string
	for _, name := range []string{"ModelSelectionExpression", "RequestModels", "RequestParameters"} {
		if _, ok := props[name]; ok {
			noted = append(noted, name)
		}
	}
	if len(noted) > 0 {
		b.note("%s: %s accepted, not applied yet (messages are not validated)", r.LogicalID, strings.Join(noted, ", "))
	}
	api.RouteList = append(api.RouteList, rt)
	if api.Routes[rt.Key] == nil {
		api.Routes[rt.Key] = rt
	}
	b.ws.routes[rt.ID] = rt
	b.ws.routeAPI[rt] = api
}

func (b *builder) wsRouteResponse(r *template.Resource) {
	var p cfnWSRouteResponse
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.wsAPIRef(r, props)
	if api == nil || p.RouteId == "" {
		return
	}
	rt := b.ws.routes[p.RouteId]
	switch {
	case rt == nil:
		b.errAt(r, at("RouteId"), "%q is not a Route of this template (use !Ref of an AWS::ApiGatewayV2::Route)", p.RouteId)
		return
	case b.ws.routeAPI[rt] != api:
		b.errAt(r, at("RouteId"), "route %s belongs to %s, not to %s", rt.LogicalID, b.ws.routeAPI[rt].LogicalID, api.LogicalID)
		return
	}
	if p.RouteResponseKey != "$default" {
		if p.RouteResponseKey != "" {
			b.errAt(r, at("RouteResponseKey"), "must be $default, the only route response key API Gateway supports, not %q", p.RouteResponseKey)
		}
		return
	}
	rt.TwoWay = true
	var noted []string
	for _, name := range []string{"ModelSelectionExpression", "ResponseModels", "ResponseParameters"} {
		if _, ok := props[name]; ok {
			noted = append(noted, name)
		}
	}
	if len(noted) > 0 {
		b.note("%s: %s accepted, not applied yet", r.LogicalID, strings.Join(noted, ", "))
	}
}

func (b *builder) wsIntegrationResponse(r *template.Resource) {
	var p cfnWSIntegrationResponse
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	api := b.wsAPIRef(r, props)
	if api == nil || p.IntegrationId == "" {
		return
	}
	in := b.ws.integs[p.IntegrationId]
	switch {
	case in == nil:
		b.errAt(r, at("IntegrationId"), "%q is not an Integration of this template (use !Ref of an AWS::ApiGatewayV2::Integration)", p.IntegrationId)
		return
	case b.ws.integAPI[in] != api:
		b.errAt(r, at("IntegrationId"), "integration %s belongs to %s, not to %s", in.LogicalID, b.ws.integAPI[in].LogicalID, api.LogicalID)
		return
	}
	b.note("%s (AWS::ApiGatewayV2::IntegrationResponse): accepted, not applied yet: %s's answer goes back as the backend gives it", r.LogicalID, in.LogicalID)
}

func (b *builder) wsStage(r *template.Resource) {
	var p cfnWSStage
	props := b.decode(r, &p)
	api := b.wsAPIRef(r, props)
	if api == nil {
		return
	}
	st := &WSStage{Name: p.StageName, LogicalID: r.LogicalID, Line: r.Line, Col: r.Col, File: r.File, Props: props, Variables: p.StageVariables,
		DeploymentID: p.DeploymentId, AutoDeploy: p.AutoDeploy, Description: p.Description}
	owner := ""
	if dapi := b.ws.deployAPI[p.DeploymentId]; dapi != nil {
		owner = dapi.LogicalID
	}
	b.v2StageDeployment(r, props, &p, owner, api.LogicalID, "this template")
	st.Throttle, st.RouteThrottles = b.v2RouteSettings(r, &p)
	if p.ClientCertificateId != "" {
		b.note("%s: ClientCertificateId is accepted; apigw's HTTP_PROXY integrations present no client certificate", r.LogicalID)
	}
	api.Stages = append(api.Stages, st)
}

// v2StageDeployment checks a V2 stage's DeploymentId and AutoDeploy:
// owner is the logical ID of the API the deployment belongs to ("" when it
// is no deployment of those of where), apiLogicalID the stage's API's.
func (b *builder) v2StageDeployment(r *template.Resource, props Props, p *cfnWSStage, owner, apiLogicalID, where string) {
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	switch {
	case p.DeploymentId != "":
		if owner == "" {
			b.errAt(r, at("DeploymentId"), "%q is not an AWS::ApiGatewayV2::Deployment of %s", p.DeploymentId, where)
		} else if owner != apiLogicalID {
			b.errAt(r, at("DeploymentId"), "the deployment belongs to %s, not to %s", owner, apiLogicalID)
		}
		if p.AutoDeploy {
			b.errAt(r, at("AutoDeploy"), "a stage with AutoDeploy takes no DeploymentId (API Gateway deploys it itself)")
		}
	case !p.AutoDeploy:
		b.errAt(r, at("DeploymentId"), "the stage has no DeploymentId and AutoDeploy is not true; API Gateway serves a stage only through a deployment")
	}
}

// v2RouteSettings reads an ApiGatewayV2 stage's throttling (WebSocket and
// HTTP APIs): DefaultRouteSettings' (nil when none), RouteSettings' by
// route key; it notes the logging settings and AccessLogSettings.
func (b *builder) v2RouteSettings(r *template.Resource, p *cfnWSStage) (*Throttle, map[string]Throttle) {
	var throttle *Throttle
	var routes map[string]Throttle
	logging := false
	if s := p.DefaultRouteSettings; s != nil {
		if s.ThrottlingBurstLimit != nil || s.ThrottlingRateLimit != nil {
			t := (&cfnThrottle{BurstLimit: s.ThrottlingBurstLimit, RateLimit: s.ThrottlingRateLimit}).model()
			throttle = &t
		}
		logging = s.DataTraceEnabled || s.DetailedMetricsEnabled || s.LoggingLevel != ""
	}
	for _, key := range sortedKeys(p.RouteSettings) {
		s := p.RouteSettings[key]
		if s.ThrottlingBurstLimit != nil || s.ThrottlingRateLimit != nil {
			if routes == nil {
				routes = map[string]Throttle{}
			}
			routes[key] = (&cfnThrottle{BurstLimit: s.ThrottlingBurstLimit, RateLimit: s.ThrottlingRateLimit}).model()
		}
		logging = logging || s.DataTraceEnabled || s.DetailedMetricsEnabled || s.LoggingLevel != ""
	}
	if logging {
		b.note("%s: LoggingLevel, DataTraceEnabled and DetailedMetricsEnabled are not applied yet", r.LogicalID)
	}
	if p.AccessLogSettings != nil {
		b.note("%s: AccessLogSettings is not applied yet", r.LogicalID)
	}
	return throttle, routes
}

// SelectionPart is one piece of a route selection expression: static text,
// or the value at a JSON path of the message body.
type SelectionPart struct {
	Static   string
	BodyPath string // "action", "service.name"; "" for static text
}

// ParseRouteSelection reads a WebSocket API's RouteSelectionExpression:
// $request.body.PATH as the whole expression, or text in which
// ${request.body.PATH} stand for values of the message (\$ is a literal $).
func ParseRouteSelection(expr string) ([]SelectionPart, error) {
	if expr == "" {
		return nil, fmt.Errorf("required for a WebSocket API ($request.body.action, say)")
	}
	if strings.HasPrefix(expr, "$request.") {
		path, err := selectionPath(expr, strings.TrimPrefix(expr, "$"))
		if err != nil {
			return nil, err
		}
		return []SelectionPart{{BodyPath: path}}, nil
	}
	var parts []SelectionPart
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			parts = append(parts, SelectionPart{Static: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\\' && i+1 < len(expr) && expr[i+1] == '$':
			text.WriteByte('$')
			i++
		case c == '$' && i+1 < len(expr) && expr[i+1] == '{':
			end := strings.IndexByte(expr[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("%q: ${ without its }", expr)
			}
			path, err := selectionPath(expr, expr[i+2:i+end])
			if err != nil {
				return nil, err
			}
			flush()
			parts = append(parts, SelectionPart{BodyPath: path})
			i += end
		case c == '$':
			return nil, fmt.Errorf("%q: a $ starts $request.body.NAME (the whole expression) or ${request.body.NAME}; write \\$ for a literal $", expr)
		default:
			text.WriteByte(c)
		}
	}
	flush()
	return parts, nil
}

// selectionPath checks one variable of a route selection expression,
// "request.body.PATH", and returns PATH.
func selectionPath(expr, v string) (string, error) {
	path, ok := strings.CutPrefix(v, "request.body.")
	if !ok {
		if v == "request.method" || v == "request.path" {
			return "", fmt.Errorf("%q: ${request.method} ${request.path} is HTTP APIs' route selection; a WebSocket route is selected from the message body ($request.body.NAME)", expr)
		}
		return "", fmt.Errorf("%q: a WebSocket route is selected from the message body: $request.body.NAME or ${request.body.NAME}, not %s", expr, v)
	}
	if path == "" || strings.ContainsAny(path, " \t\r\n${}") || strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") || strings.Contains(path, "..") {
		return "", fmt.Errorf("%q: %q is not a JSON path of the message body", expr, path)
	}
	return path, nil
}
