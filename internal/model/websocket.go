package model

import "time"

// WebSocketAPI is an AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET
// (API kind WEBSOCKET): routes selected from each message by
// RouteSelectionExpression, each with its integration, served on stages.
type WebSocketAPI struct {
	ID        string // the logical ID in lower case, as REST APIs' (CONTRACT.md)
	LogicalID string
	Name      string
	Line, Col int
	File      string
	Props     Props
	// RouteSelection is RouteSelectionExpression as written
	// ("$request.body.action", "${request.body.service}/${request.body.action}");
	// APIKeySelection is ApiKeySelectionExpression ("" is the default,
	// $request.header.x-api-key).
	RouteSelection  string
	APIKeySelection string
	// Routes by route key ("$connect", "$disconnect", "$default", custom).
	Routes       map[string]*WSRoute
	Integrations []*WSIntegration
	Stages       []*WSStage
	// Description as declared.
	Description string
	// RouteList is every route in declaration order, including those
	// Validate refuses (two for one key); Routes holds the first for each
	// key. Authorizers are the API's AWS::ApiGatewayV2::Authorizers.
	RouteList   []*WSRoute
	Authorizers []*WSAuthorizer
}

// WSRoute is one AWS::ApiGatewayV2::Route of a WebSocket API.
type WSRoute struct {
	LogicalID string
	ID        string
	Key       string // RouteKey
	Line, Col int
	File      string
	Props     Props
	// AuthorizationType NONE (default), AWS_IAM or CUSTOM: $connect only.
	AuthorizationType string
	AuthorizerID      string
	Authorizer        *WSAuthorizer
	APIKeyRequired    bool
	// Integration is the route's Target (integrations/ID) resolved; nil
	// when the route has no target.
	Integration *WSIntegration
	// TwoWay: the route has an AWS::ApiGatewayV2::RouteResponse (key
	// $default), so the integration's answer is sent back to the client.
	TwoWay            bool
	ResponseSelection string // RouteResponseSelectionExpression
	// Target as written ("integrations/abc1234"); Integration is what it
	// names (Validate checks it is of the same API).
	Target        string
	OperationName string
}

// WSIntegration is one AWS::ApiGatewayV2::Integration of a WebSocket API.
type WSIntegration struct {
	LogicalID string
	ID        string
	Line, Col int
	File      string
	Props     Props
	// Type is IntegrationType: AWS_PROXY, HTTP_PROXY or MOCK (served);
	// AWS and HTTP are refused by Validate.
	Type IntegrationType
	URI  string // IntegrationUri
	// Function, Target, Qualifier and Remote as Integration's (AWS_PROXY).
	Function  string
	Target    *Function
	Qualifier string
	Remote    bool
	Method    string        // IntegrationMethod (HTTP_PROXY)
	Timeout   time.Duration // TimeoutInMillis, 50 ms to 29 s, default 29 s
	// RequestTemplates by template selection key and
	// TemplateSelectionExpression, as declared (not evaluated yet).
	RequestTemplates  map[string]string
	TemplateSelection string
}

// WSAuthorizer is a REQUEST Lambda authorizer of a WebSocket API.
type WSAuthorizer struct {
	LogicalID string
	ID        string
	Name      string
	Line, Col int
	File      string
	Props     Props
	// URI is AuthorizerUri; Function and Target the function it names.
	URI      string
	Function string
	Target   *Function
	// Remote says --config names an Invoke API endpoint for Function.
	Remote bool
	// IdentitySource as written ("route.request.header.Auth",
	// "route.request.querystring.token").
	IdentitySource []string
}

// WSStage is an AWS::ApiGatewayV2::Stage of a WebSocket API.
type WSStage struct {
	Name      string
	LogicalID string
	Line, Col int
	File      string
	Props     Props
	Variables map[string]string // StageVariables
	// Throttle is DefaultRouteSettings' throttling (nil: none); RouteThrottles
	// RouteSettings' by route key.
	Throttle       *Throttle
	RouteThrottles map[string]Throttle
	// DeploymentID is the deployment the stage serves ("" with AutoDeploy
	// or for a stage an AWS::ApiGatewayV2::Deployment's StageName made);
	// Description as declared.
	DeploymentID string
	AutoDeploy   bool
	Description  string
}
