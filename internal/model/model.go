// Package model turns resolved CloudFormation resources into typed API
// Gateway APIs, stages, resources, methods, integrations and functions, and
// validates them. It knows nothing of HTTP serving; the gateway compiles the
// model into its request path.
package model

import (
	"regexp"
	"time"
)

// Model is everything a template declares that apigw serves.
type Model struct {
	File      string
	Region    string
	AccountID string
	RestAPIs  []*RestAPI
	Functions []*Function
	// Notes are things the template declares that apigw accepts but does not
	// act on (yet); validate prints them and serve logs them.
	Notes []string
}

// RestAPI is one AWS::ApiGateway::RestApi.
type RestAPI struct {
	ID        string // the logical ID in lower case (CONTRACT.md)
	LogicalID string
	Name      string
	Line      int
	// BinaryMediaTypes as written ("image/png", "*/*"; SAM's "~1" is decoded).
	BinaryMediaTypes []string
	Root             *Resource
	Resources        []*Resource // every resource, root first, in path order
	Stages           []*Stage
}

// Resource is one path in an API's resource tree.
type Resource struct {
	ID        string
	LogicalID string // "" for the root
	Path      string // "/users/{id}"
	PathPart  string
	Parent    *Resource
	Line      int
	Methods   map[string]*Method // by HTTP method; "ANY" for ANY
}

// Method is one AWS::ApiGateway::Method.
type Method struct {
	LogicalID  string
	ID         string
	Line       int
	HTTPMethod string // upper case; "ANY"
	Resource   *Resource
	// AuthorizationType is NONE: apigw refuses methods whose authorization it
	// does not enforce yet, so nothing reaches the gateway unprotected.
	AuthorizationType string
	OperationName     string
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
	// resolves to one at load time.
	Function string
	Target   *Function
	// RequestParameters maps integration.request.{path,querystring,header}.X
	// to its source, in a stable order.
	RequestParameters []ParamMapping
	// RequestTemplates by content type; static text only (no VTL yet).
	RequestTemplates map[string]string
	// MockStatus is the statusCode each MOCK request template gives, by
	// content type.
	MockStatus          map[string]int
	PassthroughBehavior string
	Responses           []*IntegrationResponse
	Timeout             time.Duration
	// Line of the Integration property, for messages.
	Line int
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
}

// ResponseHeader is one method.response.header mapping.
type ResponseHeader struct {
	Name         string
	Static       bool
	Value        string // the static value, without quotes
	SourceHeader string // integration.response.header.X
}

// Stage is a deployed stage of an API.
type Stage struct {
	Name         string
	LogicalID    string // the Stage or Deployment that declares it
	Line         int
	DeploymentID string
	Description  string
	Variables    map[string]string
}

// Function is one AWS::Lambda::Function.
type Function struct {
	LogicalID string
	Line      int
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
