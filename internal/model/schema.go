package model

import "github.com/apigw/apigw/internal/template"

// The CloudFormation property sets apigw reads, one struct per resource type
// or property type, named as in the CloudFormation reference. Decoding is
// strict: a property not listed here is an error, so apigw never ignores a
// setting silently. Properties listed but not acted on are noted by the model.

type cfnRestAPI struct {
	Name                      string             `cfn:"Name"`
	Description               string             `cfn:"Description"`
	Body                      *template.Value    `cfn:"Body"`
	BodyS3Location            *template.Value    `cfn:"BodyS3Location"`
	BinaryMediaTypes          []string           `cfn:"BinaryMediaTypes"`
	ApiKeySourceType          string             `cfn:"ApiKeySourceType"`
	EndpointConfiguration     *cfnEndpointConfig `cfn:"EndpointConfiguration"`
	MinimumCompressionSize    *int               `cfn:"MinimumCompressionSize"`
	Policy                    *template.Value    `cfn:"Policy"`
	DisableExecuteApiEndpoint bool               `cfn:"DisableExecuteApiEndpoint"`
	FailOnWarnings            bool               `cfn:"FailOnWarnings"`
	Parameters                map[string]string  `cfn:"Parameters"`
	CloneFrom                 string             `cfn:"CloneFrom"`
	Mode                      string             `cfn:"Mode"`
	Tags                      *template.Value    `cfn:"Tags"`
}

type cfnEndpointConfig struct {
	Types          []string `cfn:"Types"`
	VpcEndpointIds []string `cfn:"VpcEndpointIds"`
	IpAddressType  string   `cfn:"IpAddressType"`
}

type cfnResource struct {
	ParentId  string `cfn:"ParentId,required"`
	PathPart  string `cfn:"PathPart,required"`
	RestApiId string `cfn:"RestApiId,required"`
}

type cfnMethod struct {
	HttpMethod          string            `cfn:"HttpMethod,required"`
	ResourceId          string            `cfn:"ResourceId,required"`
	RestApiId           string            `cfn:"RestApiId,required"`
	AuthorizationType   string            `cfn:"AuthorizationType"`
	AuthorizerId        string            `cfn:"AuthorizerId"`
	AuthorizationScopes []string          `cfn:"AuthorizationScopes"`
	ApiKeyRequired      bool              `cfn:"ApiKeyRequired"`
	Integration         *cfnIntegration   `cfn:"Integration"`
	MethodResponses     []cfnMethodResp   `cfn:"MethodResponses"`
	RequestParameters   map[string]bool   `cfn:"RequestParameters"`
	RequestModels       map[string]string `cfn:"RequestModels"`
	RequestValidatorId  string            `cfn:"RequestValidatorId"`
	OperationName       string            `cfn:"OperationName"`
}

type cfnIntegration struct {
	Type                  string            `cfn:"Type"`
	Uri                   string            `cfn:"Uri"`
	IntegrationHttpMethod string            `cfn:"IntegrationHttpMethod"`
	Credentials           string            `cfn:"Credentials"`
	RequestParameters     map[string]string `cfn:"RequestParameters"`
	RequestTemplates      map[string]string `cfn:"RequestTemplates"`
	PassthroughBehavior   string            `cfn:"PassthroughBehavior"`
	ContentHandling       string            `cfn:"ContentHandling"`
	IntegrationResponses  []cfnIntegResp    `cfn:"IntegrationResponses"`
	TimeoutInMillis       *int              `cfn:"TimeoutInMillis"`
	CacheKeyParameters    []string          `cfn:"CacheKeyParameters"`
	CacheNamespace        string            `cfn:"CacheNamespace"`
	ConnectionType        string            `cfn:"ConnectionType"`
	ConnectionId          string            `cfn:"ConnectionId"`
	TlsConfig             *template.Value   `cfn:"TlsConfig"`
	IntegrationTarget     string            `cfn:"IntegrationTarget"`
	ResponseTransferMode  string            `cfn:"ResponseTransferMode"`
}

type cfnIntegResp struct {
	StatusCode         string            `cfn:"StatusCode,required"`
	SelectionPattern   string            `cfn:"SelectionPattern"`
	ResponseParameters map[string]string `cfn:"ResponseParameters"`
	ResponseTemplates  map[string]string `cfn:"ResponseTemplates"`
	ContentHandling    string            `cfn:"ContentHandling"`
}

type cfnMethodResp struct {
	StatusCode         string            `cfn:"StatusCode,required"`
	ResponseParameters map[string]bool   `cfn:"ResponseParameters"`
	ResponseModels     map[string]string `cfn:"ResponseModels"`
}

type cfnDeployment struct {
	RestApiId                string               `cfn:"RestApiId,required"`
	StageName                string               `cfn:"StageName"`
	StageDescription         *cfnStageDescription `cfn:"StageDescription"`
	Description              string               `cfn:"Description"`
	DeploymentCanarySettings *template.Value      `cfn:"DeploymentCanarySettings"`
}

// stageSettings are the properties a Stage and a Deployment's
// StageDescription share.
type stageSettings struct {
	CacheClusterEnabled  bool               `cfn:"CacheClusterEnabled"`
	CacheClusterSize     string             `cfn:"CacheClusterSize"`
	MethodSettings       []cfnMethodSetting `cfn:"MethodSettings"`
	TracingEnabled       bool               `cfn:"TracingEnabled"`
	AccessLogSetting     *template.Value    `cfn:"AccessLogSetting"`
	CanarySetting        *template.Value    `cfn:"CanarySetting"`
	ClientCertificateId  string             `cfn:"ClientCertificateId"`
	Description          string             `cfn:"Description"`
	DocumentationVersion string             `cfn:"DocumentationVersion"`
	Tags                 *template.Value    `cfn:"Tags"`
	Variables            map[string]string  `cfn:"Variables"`
}

type cfnStageDescription struct {
	stageSettings
	CacheDataEncrypted   bool     `cfn:"CacheDataEncrypted"`
	CacheTtlInSeconds    *int     `cfn:"CacheTtlInSeconds"`
	CachingEnabled       *bool    `cfn:"CachingEnabled"`
	ThrottlingBurstLimit *int     `cfn:"ThrottlingBurstLimit"`
	ThrottlingRateLimit  *float64 `cfn:"ThrottlingRateLimit"`
	LoggingLevel         string   `cfn:"LoggingLevel"`
	MetricsEnabled       bool     `cfn:"MetricsEnabled"`
	DataTraceEnabled     bool     `cfn:"DataTraceEnabled"`
}

type cfnStage struct {
	stageSettings
	RestApiId    string `cfn:"RestApiId,required"`
	StageName    string `cfn:"StageName"`
	DeploymentId string `cfn:"DeploymentId"`
}

type cfnMethodSetting struct {
	ResourcePath         string   `cfn:"ResourcePath"`
	HttpMethod           string   `cfn:"HttpMethod"`
	CachingEnabled       *bool    `cfn:"CachingEnabled"`
	CacheTtlInSeconds    *int     `cfn:"CacheTtlInSeconds"`
	CacheDataEncrypted   bool     `cfn:"CacheDataEncrypted"`
	ThrottlingBurstLimit *int     `cfn:"ThrottlingBurstLimit"`
	ThrottlingRateLimit  *float64 `cfn:"ThrottlingRateLimit"`
	LoggingLevel         string   `cfn:"LoggingLevel"`
	MetricsEnabled       bool     `cfn:"MetricsEnabled"`
	DataTraceEnabled     bool     `cfn:"DataTraceEnabled"`
}

type cfnFunction struct {
	Code                         *template.Value `cfn:"Code,required"`
	Role                         string          `cfn:"Role,required"`
	Runtime                      string          `cfn:"Runtime"`
	Handler                      string          `cfn:"Handler"`
	Timeout                      *int            `cfn:"Timeout"`
	MemorySize                   *int            `cfn:"MemorySize"`
	Environment                  *cfnEnvironment `cfn:"Environment"`
	FunctionName                 string          `cfn:"FunctionName"`
	Architectures                []string        `cfn:"Architectures"`
	PackageType                  string          `cfn:"PackageType"`
	Layers                       []string        `cfn:"Layers"`
	EphemeralStorage             *template.Value `cfn:"EphemeralStorage"`
	ReservedConcurrentExecutions *int            `cfn:"ReservedConcurrentExecutions"`
	Description                  string          `cfn:"Description"`
	Tags                         *template.Value `cfn:"Tags"`
	TracingConfig                *template.Value `cfn:"TracingConfig"`
	VpcConfig                    *template.Value `cfn:"VpcConfig"`
	DeadLetterConfig             *template.Value `cfn:"DeadLetterConfig"`
	KmsKeyArn                    string          `cfn:"KmsKeyArn"`
	FileSystemConfigs            *template.Value `cfn:"FileSystemConfigs"`
	ImageConfig                  *template.Value `cfn:"ImageConfig"`
	CodeSigningConfigArn         string          `cfn:"CodeSigningConfigArn"`
	LoggingConfig                *template.Value `cfn:"LoggingConfig"`
	RuntimeManagementConfig      *template.Value `cfn:"RuntimeManagementConfig"`
	SnapStart                    *template.Value `cfn:"SnapStart"`
	RecursiveLoop                string          `cfn:"RecursiveLoop"`
}

type cfnEnvironment struct {
	Variables map[string]string `cfn:"Variables"`
}

// hints point a misplaced property to where it belongs.
var hints = map[string]string{
	"cfnDeployment.CacheClusterEnabled": "it belongs in the Deployment's StageDescription (or an AWS::ApiGateway::Stage)",
	"cfnDeployment.CacheClusterSize":    "it belongs in the Deployment's StageDescription (or an AWS::ApiGateway::Stage)",
	"cfnDeployment.MethodSettings":      "it belongs in the Deployment's StageDescription (or an AWS::ApiGateway::Stage)",
	"cfnDeployment.Variables":           "stage variables belong in the Deployment's StageDescription.Variables (or an AWS::ApiGateway::Stage)",
	"cfnDeployment.StageVariables":      "stage variables belong in the Deployment's StageDescription.Variables",
	"cfnDeployment.TracingEnabled":      "it belongs in the Deployment's StageDescription",
	"cfnStage.StageVariables":           "AWS::ApiGateway::Stage calls them Variables",
	"cfnStage.ThrottlingBurstLimit":     "stage throttling goes in MethodSettings (ResourcePath '/*', HttpMethod '*')",
	"cfnStage.ThrottlingRateLimit":      "stage throttling goes in MethodSettings (ResourcePath '/*', HttpMethod '*')",
	"cfnMethod.Uri":                     "it belongs in the method's Integration",
	"cfnMethod.IntegrationHttpMethod":   "it belongs in the method's Integration",
	"cfnMethod.Type":                    "the integration type belongs in Integration.Type",
	"cfnMethod.TimeoutInMillis":         "it belongs in the method's Integration",
	"cfnIntegration.HttpMethod":         "the integration's method is IntegrationHttpMethod",
	"cfnIntegration.MethodResponses":    "MethodResponses belong to the Method, beside Integration",
	"cfnIntegration.AuthorizationType":  "AuthorizationType belongs to the Method, beside Integration",
	"cfnIntegration.Timeout":            "the integration timeout is TimeoutInMillis",
	"cfnResource.Path":                  "a Resource has a PathPart (one segment) and a ParentId",
	"cfnFunction.CodeUri":               "CodeUri is SAM's (AWS::Serverless::Function); AWS::Lambda::Function takes Code",
	"cfnFunction.InlineCode":            "InlineCode is SAM's; AWS::Lambda::Function takes Code.ZipFile",
	"cfnFunction.Events":                "Events is SAM's (AWS::Serverless::Function)",
	"cfnFunction.Variables":             "environment variables go in Environment.Variables",
}
