package model

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/apigw/apigw/internal/template"
)

// APIID is what !Ref returns for an API: its logical ID in lower case.
func APIID(logicalID string) string { return strings.ToLower(logicalID) }

// shortID derives a stable AWS-looking id (lower-case base36) from a seed,
// so ids are the same on every load of the same template.
func shortID(seed string, n int) string {
	h := fnv.New64a()
	h.Write([]byte(seed))
	x := h.Sum64()
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[x%36]
		x /= 36
		if x == 0 {
			h.Write([]byte{byte(i)})
			x = h.Sum64()
		}
	}
	return string(b)
}

// ResourceID is the id of an AWS::ApiGateway::Resource.
func ResourceID(logicalID string) string { return shortID("resource/"+logicalID, 6) }

// RootResourceID is the id of an API's root resource.
func RootResourceID(apiLogicalID string) string { return shortID("root/"+apiLogicalID, 10) }

// DeploymentID is the id of an AWS::ApiGateway::Deployment.
func DeploymentID(logicalID string) string { return shortID("deployment/"+logicalID, 6) }

func str(v *template.Value) string {
	if v.IsScalar() {
		return v.Str
	}
	return ""
}

// physicalName is CloudFormation's generated name for a resource without an
// explicit name: AWS appends a random suffix; apigw leaves it out so names are
// stable across runs. Characters a name may not hold (a stack name taken
// from a file name may have '.' or ' ') become '-', as a stack name cannot
// have them in AWS.
func physicalName(rc *template.RefContext, max int) string {
	n := []byte(rc.StackName + "-" + rc.LogicalID)
	for i, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			n[i] = '-'
		}
	}
	if len(n) > max {
		n = n[:max]
	}
	return string(n)
}

func scalar(s string) *template.Value { return &template.Value{Kind: template.String, Str: s} }

func attrs(m map[string]func(rc *template.RefContext) (string, error)) func(*template.RefContext, string) (*template.Value, error) {
	return func(rc *template.RefContext, attr string) (*template.Value, error) {
		f, ok := m[attr]
		if !ok {
			var names []string
			for k := range m {
				names = append(names, k)
			}
			return nil, fmt.Errorf("%s has no attribute %s (it has: %s)", rc.Type, attr, strings.Join(sorted(names), ", "))
		}
		s, err := f(rc)
		if err != nil {
			return nil, err
		}
		return scalar(s), nil
	}
}

func sorted(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// FunctionName is what !Ref returns for a Lambda function.
func functionName(rc *template.RefContext) (string, error) {
	v, err := rc.Prop("FunctionName")
	if err != nil {
		return "", err
	}
	if n := str(v); n != "" {
		return n, nil
	}
	return physicalName(rc, 64), nil
}

func functionARN(rc *template.RefContext) (string, error) {
	n, err := functionName(rc)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", rc.Partition, rc.Region, rc.AccountID, n), nil
}

func userPoolID(rc *template.RefContext) (string, error) {
	return rc.Region + "_" + strings.ToUpper(shortID("userpool/"+rc.LogicalID, 9)), nil
}

func ident(f func(logicalID string) string) func(*template.RefContext) (string, error) {
	return func(rc *template.RefContext) (string, error) { return f(rc.LogicalID), nil }
}

func idOf(prefix string, n int) func(*template.RefContext) (string, error) {
	return func(rc *template.RefContext) (string, error) { return shortID(prefix+rc.LogicalID, n), nil }
}

func propOr(name string, fallback func(*template.RefContext) (string, error)) func(*template.RefContext) (string, error) {
	return func(rc *template.RefContext) (string, error) {
		v, err := rc.Prop(name)
		if err != nil {
			return "", err
		}
		if s := str(v); s != "" {
			return s, nil
		}
		return fallback(rc)
	}
}

// Types is the resource-type registry the template engine resolves !Ref and
// !GetAtt with: what AWS returns for each type apigw knows.
func Types() map[string]template.TypeSpec {
	apiID := ident(APIID)
	t := map[string]template.TypeSpec{
		"AWS::ApiGateway::RestApi": {
			Ref: apiID,
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){
				"RestApiId":      apiID,
				"RootResourceId": ident(RootResourceID),
			}),
		},
		"AWS::ApiGateway::Resource": {
			Ref:    ident(ResourceID),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"ResourceId": ident(ResourceID)}),
		},
		"AWS::ApiGateway::Method": {Ref: idOf("method/", 10), GetAtt: attrs(nil)},
		"AWS::ApiGateway::Deployment": {
			Ref:    ident(DeploymentID),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"DeploymentId": ident(DeploymentID)}),
		},
		"AWS::ApiGateway::Stage": {
			Ref:    propOr("StageName", func(rc *template.RefContext) (string, error) { return rc.LogicalID, nil }),
			GetAtt: attrs(nil),
		},
		"AWS::Lambda::Function": {
			Ref: functionName,
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){
				"Arn":                       functionARN,
				"SnapStartResponse.ApplyOn": func(*template.RefContext) (string, error) { return "None", nil },
			}),
		},
		// Accepted so that templates resolve; the model refuses the methods
		// that would need them until their issue lands.
		"AWS::ApiGateway::ApiKey": {
			Ref:    idOf("apikey/", 10),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"APIKeyId": idOf("apikey/", 10)}),
		},
		"AWS::ApiGateway::UsagePlan": {
			Ref:    idOf("usageplan/", 6),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"Id": idOf("usageplan/", 6)}),
		},
		"AWS::ApiGateway::UsagePlanKey": {
			Ref: func(rc *template.RefContext) (string, error) {
				k, err := rc.Prop("KeyId")
				if err != nil {
					return "", err
				}
				p, err := rc.Prop("UsagePlanId")
				if err != nil {
					return "", err
				}
				return str(k) + ":" + str(p), nil
			},
			GetAtt: attrs(nil),
		},
		"AWS::ApiGateway::Authorizer": {
			Ref:    idOf("authorizer/", 6),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"AuthorizerId": idOf("authorizer/", 6)}),
		},
		"AWS::ApiGateway::GatewayResponse":  {Ref: idOf("gatewayresponse/", 6), GetAtt: attrs(nil)},
		"AWS::ApiGateway::RequestValidator": {Ref: idOf("validator/", 6), GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"RequestValidatorId": idOf("validator/", 6)})},
		"AWS::ApiGateway::Model": {
			Ref:    propOr("Name", func(rc *template.RefContext) (string, error) { return rc.LogicalID, nil }),
			GetAtt: attrs(nil),
		},
		"AWS::Cognito::UserPool": {
			Ref: userPoolID,
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){
				"Arn": func(rc *template.RefContext) (string, error) {
					id, _ := userPoolID(rc)
					return fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", rc.Partition, rc.Region, rc.AccountID, id), nil
				},
				"ProviderName": func(rc *template.RefContext) (string, error) {
					id, _ := userPoolID(rc)
					return fmt.Sprintf("cognito-idp.%s.%s/%s", rc.Region, rc.URLSuffix, id), nil
				},
				"ProviderURL": func(rc *template.RefContext) (string, error) {
					id, _ := userPoolID(rc)
					return fmt.Sprintf("https://cognito-idp.%s.%s/%s", rc.Region, rc.URLSuffix, id), nil
				},
				"UserPoolId": userPoolID,
			}),
		},
		"AWS::Cognito::UserPoolClient": {
			Ref:    idOf("client/", 26),
			GetAtt: attrs(map[string]func(*template.RefContext) (string, error){"ClientId": idOf("client/", 26), "Name": propOr("ClientName", idOf("client/", 26))}),
		},
		"AWS::Lambda::Version": {Ref: func(rc *template.RefContext) (string, error) {
			return fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s:1", rc.Partition, rc.Region, rc.AccountID, rc.LogicalID), nil
		}},
	}
	v2Types(t)
	// Types that affect serving but are not implemented yet: known to the
	// template engine so references resolve, refused by the model.
	for _, typ := range unsupportedServing {
		spec := t[typ]
		if spec.Ref == nil {
			spec.Ref = idOf(typ+"/", 10)
		}
		spec.Refused = unsupportedReason(typ)
		t[typ] = spec
	}
	// Types that do not affect serving: accepted, noted, ignored.
	for _, typ := range ignoredTypes {
		t[typ] = template.TypeSpec{Ignored: true}
	}
	return t
}

// unsupportedServing are resource types that change what clients see, which
// apigw does not implement yet; a template that has them is refused with a
// message saying so.
var unsupportedServing = []string{
	// AWS::ApiGatewayV2::Api and the types of its WebSocket and HTTP APIs
	// are decoded (wsbuild.go, httpbuild.go), ApiGatewayManagedOverrides
	// included.
	"AWS::ApiGatewayV2::VpcLink",
	"AWS::ApiGateway::VpcLink",
	"AWS::Lambda::Url", "AWS::Lambda::Alias",
}

// ignoredTypes do not change what API clients see.
var ignoredTypes = []string{
	"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
	"AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey",
	"AWS::Lambda::Permission", "AWS::Lambda::EventSourceMapping", "AWS::Lambda::LayerVersion",
	"AWS::Lambda::LayerVersionPermission", "AWS::Lambda::EventInvokeConfig",
	"AWS::Logs::LogGroup", "AWS::Logs::LogStream", "AWS::Logs::SubscriptionFilter", "AWS::Logs::MetricFilter",
	"AWS::ApiGateway::Account", "AWS::ApiGateway::DocumentationPart", "AWS::ApiGateway::DocumentationVersion",
	"AWS::ApiGateway::ClientCertificate",
	// Custom domains map an API to another host name; the API's own
	// address (http://ADDR/{stage}/...) serves it all the same.
	"AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping",
	"AWS::ApiGateway::DomainNameV2", "AWS::ApiGateway::BasePathMappingV2",
	"AWS::ApiGatewayV2::DomainName", "AWS::ApiGatewayV2::ApiMapping",
	"AWS::Cognito::UserPoolDomain", "AWS::Cognito::UserPoolGroup", "AWS::Cognito::UserPoolUser",
	"AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment",
	"AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::SQS::Queue", "AWS::SQS::QueuePolicy",
	"AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy", "AWS::SSM::Parameter",
	"AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::Events::Rule", "AWS::KMS::Key", "AWS::KMS::Alias",
	"AWS::SecretsManager::Secret", "AWS::CDK::Metadata", "AWS::CloudFormation::WaitConditionHandle",
	"AWS::CloudFormation::WaitCondition", "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation",
	"AWS::Route53::RecordSet", "AWS::CertificateManager::Certificate", "AWS::StepFunctions::StateMachine",
	"AWS::Kinesis::Stream", "AWS::XRay::Group", "AWS::XRay::SamplingRule",
	// What sam init, SAM's Connectors and CDK apps commonly add beside an API.
	"AWS::ResourceGroups::Group", "AWS::ApplicationInsights::Application", "AWS::Events::EventBus",
	"AWS::Scheduler::Schedule", "AWS::Pipes::Pipe", "AWS::S3::AccessPoint", "AWS::DynamoDB::GlobalTable",
	"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
	"AWS::EC2::SecurityGroupEgress", "AWS::EC2::InternetGateway", "AWS::EC2::VPCGatewayAttachment",
	"AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::NatGateway",
	"AWS::EC2::EIP", "AWS::EC2::VPCEndpoint", "AWS::CloudFront::Distribution", "AWS::CloudFront::OriginAccessControl",
	"AWS::CloudFront::CloudFrontOriginAccessIdentity", "AWS::Route53::HostedZone", "AWS::SES::EmailIdentity",
	"AWS::CloudWatch::CompositeAlarm", "AWS::Lambda::CodeSigningConfig", "AWS::Cognito::UserPoolIdentityProvider",
	"AWS::Cognito::UserPoolUserToGroupAttachment", "AWS::Cognito::UserPoolUICustomizationAttachment",
	"AWS::ACMPCA::CertificateAuthority", "AWS::ACMPCA::Certificate", "AWS::ACMPCA::CertificateAuthorityActivation",
	"AWS::Amplify::App", "AWS::Amplify::Branch", "AWS::Amplify::Domain",
}
