package model

import "time"

// HTTPAPI is an AWS::ApiGatewayV2::Api with ProtocolType HTTP (API kind
// HTTP): routes by method and path ("GET /items/{id}", "$default"), each
// with its integration and authorization, served on stages ($default at
// the root, named ones under /{stage}). The gateway serves them
// (internal/gateway/httpapi.go). The routes, integrations and authorizers
// come from AWS::ApiGatewayV2 resources, or from the API's OpenAPI
// definition (Body, BodyS3Location: httpopenapi.go), whose elements carry
// the API's logical ID and whose Props locate them in the definition.
type HTTPAPI struct {
	ID        string // the logical ID in lower case, as REST APIs' (CONTRACT.md)
	LogicalID string
	Name      string
	Line, Col int
	File      string
	Props     Props
	// Description as declared; RouteSelection is RouteSelectionExpression
	// ("" or its only value, "${request.method} ${request.path}").
	Description    string
	RouteSelection string
	// Cors is CorsConfiguration (else the definition's
	// x-amazon-apigateway-cors), nil when the API has none.
	Cors *CorsConfiguration
	// DisableExecuteAPIEndpoint as declared (noted: apigw serves the API at
	// its own address all the same).
	DisableExecuteAPIEndpoint bool
	// QuickCreate: the API's Target made a route (RouteKey, "$default" when
	// unset), its integration and an auto-deployed $default stage, as API
	// Gateway's quick create does; they are in Routes, Integrations and
	// Stages with the API's logical ID, as an
	// AWS::ApiGatewayV2::ApiGatewayManagedOverrides leaves them (its
	// overridden properties located at it). CredentialsArn is quick
	// create's (noted, not used).
	QuickCreate    bool
	CredentialsArn string
	// Routes by route key; RouteList is every route in declaration order,
	// including those Validate refuses (two for one key).
	Routes       map[string]*HTTPRoute
	RouteList    []*HTTPRoute
	Integrations []*HTTPIntegration
	Authorizers  []*HTTPAuthorizer
	Stages       []*HTTPStage
}

// CorsConfiguration is an HTTP API's CORS: API Gateway answers preflight
// requests itself and adds the headers to the integrations' responses.
type CorsConfiguration struct {
	AllowOrigins, AllowMethods, AllowHeaders, ExposeHeaders []string
	// MaxAge in seconds; nil when unset (no Access-Control-Max-Age).
	MaxAge           *int
	AllowCredentials bool
}

// HTTPRoute is one AWS::ApiGatewayV2::Route of an HTTP API (or the route
// quick create makes).
type HTTPRoute struct {
	LogicalID string
	ID        string
	// Key is RouteKey as written: "GET /items/{id}", "ANY /{proxy+}",
	// "$default". Method and Path are its parts ("" for $default, and when
	// the key does not parse: Validate reports it).
	Key          string
	Method, Path string
	Line, Col    int
	File         string
	Props        Props
	// AuthorizationType NONE (default), JWT, CUSTOM (a Lambda authorizer)
	// or AWS_IAM; Authorizer is what AuthorizerId names (Validate checks it
	// is of the same API and of the right type). AuthorizationScopes are
	// for JWT.
	AuthorizationType   string
	AuthorizerID        string
	Authorizer          *HTTPAuthorizer
	AuthorizationScopes []string
	// Target as written ("integrations/abc1234"); Integration what it
	// names, nil when nothing.
	Target        string
	Integration   *HTTPIntegration
	OperationName string
}

// HTTPIntegration is one AWS::ApiGatewayV2::Integration of an HTTP API.
type HTTPIntegration struct {
	LogicalID string
	ID        string
	Line, Col int
	File      string
	Props     Props
	// Type is IntegrationType: AWS_PROXY (Lambda) or HTTP_PROXY; Validate
	// refuses the others (MOCK, AWS and HTTP are not HTTP APIs').
	Type IntegrationType
	// Subtype is IntegrationSubtype (AWS service integrations: refused).
	Subtype string
	URI     string // IntegrationUri
	// Function, Target, Qualifier and Remote as Integration's (AWS_PROXY).
	Function  string
	Target    *Function
	Qualifier string
	Remote    bool
	Method    string // IntegrationMethod in upper case (HTTP_PROXY; ANY passes the client's)
	// PayloadFormatVersion "1.0" or "2.0" ("" when unset: required for
	// AWS_PROXY; HTTP_PROXY's is 1.0).
	PayloadFormatVersion string
	Timeout              time.Duration // TimeoutInMillis, 50 ms to 30 s, default 30 s
	// RequestParameters are the parameter mappings, in key order;
	// ResponseParameters those of each status code ("200", "404").
	RequestParameters  []HTTPParamMapping
	ResponseParameters map[string][]HTTPParamMapping
	ConnectionType     string
}

// HTTPParamMapping is one parameter mapping of an HTTP API integration:
// "append:header.x" -> "$request.header.y".
type HTTPParamMapping struct {
	// Key as written; Op is append, overwrite or remove; Target header,
	// querystring, path (requests) or statuscode (responses); Name the
	// header or query string parameter ("" for path and statuscode).
	Key, Op, Target, Name string
	// Value as written: static text and $request.* / $response.* /
	// $context.* / $stageVariables.* variables.
	Value string
}

// HTTPAuthorizer is an AWS::ApiGatewayV2::Authorizer of an HTTP API: JWT
// or REQUEST (a Lambda authorizer).
type HTTPAuthorizer struct {
	LogicalID string
	ID        string
	Name      string
	Line, Col int
	File      string
	Props     Props
	Type      string // AuthorizerType: JWT or REQUEST
	// IdentitySource as written, each entry ("$request.header.Authorization",
	// the default for JWT, "$request.querystring.token", "$context.x",
	// "$stageVariables.y").
	IdentitySource []string
	// JWT: JwtConfiguration.
	Issuer   string
	Audience []string
	// REQUEST: AuthorizerUri and the function it names, as
	// WSAuthorizer's; PayloadFormatVersion is
	// AuthorizerPayloadFormatVersion ("1.0", "2.0"); SimpleResponses is
	// EnableSimpleResponses; TTL is AuthorizerResultTtlInSeconds (0, the
	// default: no caching).
	URI                  string
	Function             string
	Target               *Function
	Remote               bool
	PayloadFormatVersion string
	SimpleResponses      bool
	TTL                  time.Duration
}

// HTTPStage is an AWS::ApiGatewayV2::Stage of an HTTP API; Name may be
// $default (served at the root).
type HTTPStage struct {
	Name      string
	LogicalID string
	Line, Col int
	File      string
	Props     Props
	Variables map[string]string // StageVariables
	// Throttle is DefaultRouteSettings' throttling (nil: none);
	// RouteThrottles RouteSettings' by route key.
	Throttle       *Throttle
	RouteThrottles map[string]Throttle
	// DeploymentID, AutoDeploy and Description as WSStage's.
	DeploymentID string
	AutoDeploy   bool
	Description  string
}
