// Package model is apigw's typed view of what a template declares: APIs,
// stages, resources, methods, integrations and functions. It knows nothing
// of HTTP serving; the gateway compiles the model into its request path.
//
// Two steps make a model. A decoder turns a source into model structs and
// reports what is wrong with the source's syntax: unknown properties, wrong
// types, missing required properties, references that do not resolve
// (Decode, in build.go, reads CloudFormation resources; openapi.go a REST
// API's OpenAPI or Swagger Body; SAM comes later). Validate then checks the model's meaning, whatever produced
// it: stages, routes, integrations, and the features apigw does not enforce
// yet, which it refuses (fail closed) rather than serve unprotected.
package model

import (
	"regexp"

	"github.com/apigw/apigw/internal/auth/policy"
	"time"
)

// Model is everything a template declares that apigw serves.
type Model struct {
	File      string
	Region    string
	AccountID string
	// RestAPIs are the APIs, every kind (each says its Kind; REST only, for
	// now).
	RestAPIs []*RestAPI
	// WebSocketAPIs are the AWS::ApiGatewayV2::Api resources with
	// ProtocolType WEBSOCKET (websocket.go).
	WebSocketAPIs []*WebSocketAPI
	// HTTPAPIs are those with ProtocolType HTTP (httpapi.go): decoded and
	// checked, not served yet (Validate refuses each).
	HTTPAPIs  []*HTTPAPI
	Functions []*Function
	// APIKeys and UsagePlans are the template's keys and plans (REST).
	APIKeys    []*APIKey
	UsagePlans []*UsagePlan
	// UserPools and Authorizers are the Cognito user pools and the
	// REST APIs' authorizers.
	UserPools   []*UserPool
	Authorizers []*Authorizer
	// GatewayResponses customise the APIs' gateway errors.
	GatewayResponses []*GatewayResponse
	// RequestValidators and DataModels are the REST APIs' request
	// validators and models (AWS::ApiGateway::Model; the built-in Empty
	// and Error of an API once a method names them).
	RequestValidators []*RequestValidator
	DataModels        []*DataModel
	// Notes are things the template declares that apigw accepts but does not
	// act on (yet); validate prints them and serve logs them.
	Notes []string
}

// APIKind is the kind of an API: API Gateway's REST APIs (version 1), and
// its HTTP and WebSocket APIs (version 2).
type APIKind string

const (
	// KindREST is a REST API (AWS::ApiGateway::RestApi): resources, methods,
	// integrations, stages through deployments.
	KindREST APIKind = "REST"
	// KindHTTP is an HTTP API (AWS::ApiGatewayV2::Api, ProtocolType HTTP):
	// Model.HTTPAPIs (httpapi.go), decoded and checked, not served yet.
	KindHTTP APIKind = "HTTP"
	// KindWebSocket is a WebSocket API (AWS::ApiGatewayV2::Api, ProtocolType
	// WEBSOCKET): Model.WebSocketAPIs (websocket.go).
	KindWebSocket APIKind = "WEBSOCKET"
)

// Supported reports whether apigw serves APIs of the kind.
func (k APIKind) Supported() bool { return k == KindREST || k == KindWebSocket || k == KindHTTP }

// RestAPI is one API; its Kind says which (REST for
// AWS::ApiGateway::RestApi, the only kind decoded and served yet). The
// Resource/Method/Integration tree below is a REST API's.
type RestAPI struct {
	ID        string // the logical ID in lower case (CONTRACT.md)
	LogicalID string
	Kind      APIKind
	Name      string
	// Line and Col locate the declaration (the logical ID), in File when
	// it is not Model.File (a file the template includes); Props its
	// properties.
	Line, Col int
	File      string
	Props     Props
	// BinaryMediaTypes as written ("image/png", "*/*"; SAM's "~1" is decoded).
	BinaryMediaTypes []string
	// MinimumCompressionSize turns on response compression for bodies of
	// at least that many bytes (0 to 10485760); nil leaves it off.
	MinimumCompressionSize *int
	// APIKeySource is ApiKeySourceType: HEADER (the default) or AUTHORIZER.
	APIKeySource string
	// Policy is the resource policy as JSON, "" when there is none (an
	// empty policy, "", {} or no statements, is none); ResourcePolicy is
	// it parsed, nil when there is none.
	Policy         string
	ResourcePolicy *policy.Policy
	Root           *Resource
	Resources      []*Resource // every resource, root first, in path order
	// Methods are every method of the API in declaration order, including
	// those Validate refuses (two for one route); Resource.Methods holds the
	// first for each route.
	Methods []*Method
	Stages  []*Stage
}

// MaxMinimumCompressionSize is the largest MinimumCompressionSize API
// Gateway accepts (10 MB, its payload limit).
const MaxMinimumCompressionSize = 10485760

// Resource is one path in an API's resource tree.
type Resource struct {
	ID        string
	LogicalID string // "" for the root
	Path      string // "/users/{id}"
	PathPart  string
	Parent    *Resource
	Line, Col int    // the declaration (the logical ID)
	File      string // where Line is when not Model.File
	Props     Props
	Methods   map[string]*Method // by HTTP method; "ANY" for ANY
}

// Method is one AWS::ApiGateway::Method.
type Method struct {
	LogicalID  string
	ID         string
	Line, Col  int    // the declaration (the logical ID)
	File       string // where Line is when not Model.File
	Props      Props  // the method's properties, its Integration's included ("Integration.Uri")
	HTTPMethod string // upper case; "ANY"
	Resource   *Resource
	// AuthorizationType as declared ("NONE" when not). Validate refuses
	// every other value, as apigw does not enforce authorization yet: nothing
	// reaches the gateway unprotected.
	AuthorizationType   string
	AuthorizerID        string
	Authorizer          *Authorizer // linked by Validate for COGNITO_USER_POOLS
	AuthorizationScopes []string
	// APIKeyRequired: the method needs an API key of a usage plan of its
	// stage.
	APIKeyRequired bool
	// RequestValidatorID names the method's validator (Validator, linked
	// by the decoder); RequestModels are its models by content type as
	// declared ("application/json", "$default").
	RequestValidatorID string
	Validator          *RequestValidator
	RequestModels      map[string]*DataModel
	OperationName      string
	// RequestParameters are the method.request.* parameters declared, with
	// whether each is required.
	RequestParameters map[string]bool
	MethodResponses   map[int]*MethodResponse
	Integration       *Integration
}

// MethodResponse declares a status code and the headers it may carry.
type MethodResponse struct {
	StatusCode int
	Headers    map[string]bool // header names (as declared) -> required
}

// IntegrationType is the Integration.Type of a method.
type IntegrationType string

const (
	HTTPProxy IntegrationType = "HTTP_PROXY"
	HTTP      IntegrationType = "HTTP"
	Mock      IntegrationType = "MOCK"
	AWSProxy  IntegrationType = "AWS_PROXY"
)

// Integration is a method's backend.
type Integration struct {
	Type IntegrationType
	// URI for HTTP types, with {name} placeholders and ${stageVariables.x}.
	URI string
	// HTTPMethod is IntegrationHttpMethod in upper case; "ANY" passes the
	// client's method through.
	HTTPMethod string
	// Function is the Lambda function an AWS_PROXY integration calls: its
	// name, ARN or partial ARN as taken from the URI (may hold
	// ${stageVariables.x}); Target is the template's function when the name
	// resolves to one at load time; Qualifier is the reference's version or
	// alias ("" when none or unknown until a stage is); Remote says --config
	// names an Invoke API endpoint for it.
	Function  string
	Target    *Function
	Qualifier string
	Remote    bool
	// RequestParameters maps integration.request.{path,querystring,header}.X
	// to its source, in a stable order.
	RequestParameters []ParamMapping
	// RequestTemplates by content type; static text only (no VTL yet).
	RequestTemplates map[string]string
	// MockStatus is the statusCode each MOCK request template gives, by
	// content type.
	MockStatus          map[string]int
	PassthroughBehavior string
	// ConnectionType (INTERNET, VPC_LINK) and ContentHandling
	// (CONVERT_TO_TEXT, CONVERT_TO_BINARY, "") as declared; Validate
	// refuses VPC links.
	ConnectionType  string
	ContentHandling string
	Responses       []*IntegrationResponse
	Timeout         time.Duration
	// CacheKeyParameters are the method.request.* parameters whose values
	// key the stage cache with CacheNamespace (the resource's id when
	// unset).
	CacheKeyParameters []string
	CacheNamespace     string
	// Broken, when not "", says why the integration cannot work although
	// API Gateway deploys it (an AWS_PROXY integration whose
	// IntegrationHttpMethod is not POST): the method answers 500 Internal
	// server error (an API configuration error) when called.
	Broken string
	// Line and Col of the Integration property (its key), in File when
	// not Model.File, for messages; its properties are in the method's
	// Props ("Integration.Uri").
	Line, Col int
	File      string
}

// ParamMapping is one integration request parameter mapping.
type ParamMapping struct {
	Target       string // "path", "querystring" or "header"
	TargetName   string
	SourceKind   string // "path", "querystring", "multivaluequerystring", "header", "multivalueheader", "body", "stageVariables", "context", "static"
	SourceName   string // parameter name, context variable, or the static value
	SourceString string // as written
}

// IntegrationResponse maps a backend outcome to a method response.
type IntegrationResponse struct {
	StatusCode int
	// Pattern is the SelectionPattern as written ("" for the default
	// response); Selection matches the whole backend status (or, later, a
	// Lambda error message), as API Gateway's Java matcher does.
	Pattern   string
	Selection *regexp.Regexp
	// Headers to set: method.response.header.X -> a static value or a
	// backend header, in a stable order.
	Headers   []ResponseHeader
	Templates map[string]string // content type -> static body
	// ContentHandling converts the passed-through backend body:
	// CONVERT_TO_TEXT, CONVERT_TO_BINARY, or "" (by binaryMediaTypes).
	ContentHandling string
	// Props locate StatusCode, SelectionPattern, ResponseParameters.NAME and
	// ResponseTemplates.TYPE; "" is the response itself.
	Props Props
}

// ResponseHeader is one method.response.header mapping.
type ResponseHeader struct {
	Name         string
	Static       bool
	Value        string // the static value, without quotes
	SourceHeader string // integration.response.header.X
	// Source is the mapping as written; Validate refuses the sources that
	// are neither Static nor SourceHeader.
	Source string
}

// Stage is a deployed stage of an API.
type Stage struct {
	Name      string
	LogicalID string // the Stage or Deployment that declares it
	Line, Col int    // the declaration (the logical ID)
	File      string // where Line is when not Model.File
	// Props locate StageName and Variables.NAME (a Deployment's are below
	// its StageDescription; the paths say so).
	Props        Props
	DeploymentID string
	Description  string
	Variables    map[string]string
	// Throttles are the stage's throttling settings, stage-wide ("*"
	// paths) and per method, as declared.
	Throttles []MethodThrottle
	// Cache is the stage's cache cluster, nil when CacheClusterEnabled is
	// not true; Caching are the method settings that say which methods use
	// it, stage-wide ("*" path and method) and per method, in order.
	Cache   *StageCache
	Caching []MethodCaching
}

// StageCache is a stage's cache cluster: its size as declared and the byte
// budget apigw gives it.
type StageCache struct {
	Size  string // CacheClusterSize in GB: "0.5" (the default) to "237"
	Bytes uint64 // Size in bytes (GiB taken as 2^30 bytes)
}

// MethodCaching is one method setting's caching: for Path ("*" or a
// resource path) and Method ("*" or an HTTP method). Nil fields are unset
// there and come from the stage-wide setting.
type MethodCaching struct {
	Path, Method string
	Enabled      *bool
	TTL          *int // CacheTtlInSeconds: 0 to 3600; 300 when unset everywhere
	// Prop names the setting in messages ("MethodSettings[1]").
	Prop string
}

// Function is one AWS::Lambda::Function.
type Function struct {
	LogicalID string
	Line, Col int    // the declaration (the logical ID)
	File      string // where Line is when not Model.File
	Props     Props
	// CodeLine and RuntimeLine locate the Code and Runtime properties.
	CodeLine, RuntimeLine int
	Name                  string
	ARN                   string
	Runtime               string
	Handler               string
	Code                  Code
	Timeout               time.Duration // default 3 s
	MemorySize            int           // default 128
	Environment           map[string]string
	// ReservedConcurrency is ReservedConcurrentExecutions; -1 when unset
	// (0 is a valid setting: the function is throttled).
	ReservedConcurrency int
	Architectures       []string
}

// Code says where a function's code is.
type Code struct {
	ZipFile  string // inline source
	Path     string // local folder or .zip (absolute)
	S3Bucket string
	S3Key    string
	ImageURI string
}
