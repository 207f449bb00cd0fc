package template

import (
	"fmt"
	"strings"
)

// testTypes is a registry like the one the model package passes in: enough
// resource types for the fixtures, with Ref and GetAtt behaviours of each kind
// (default Ref, Ref from a property, attribute tables, list attributes,
// unknown attributes, ignored types, placeholder ARNs).
func testTypes() map[string]TypeSpec {
	lowerID := func(rc *RefContext) (string, error) { return strings.ToLower(rc.LogicalID), nil }
	attrs := func(table map[string]func(rc *RefContext) (*Value, error)) func(rc *RefContext, attr string) (*Value, error) {
		return func(rc *RefContext, attr string) (*Value, error) {
			f, ok := table[attr]
			if !ok {
				names := make([]string, 0, len(table))
				for k := range table {
					names = append(names, k)
				}
				sortStrings(names)
				return nil, fmt.Errorf("%s has no attribute %s (it has %s)", rc.Type, attr, strings.Join(names, ", "))
			}
			return f(rc)
		}
	}
	str := func(s string) *Value { return &Value{Kind: String, Str: s} }
	idAttr := func(rc *RefContext) (*Value, error) { return str(strings.ToLower(rc.LogicalID)), nil }
	functionName := func(rc *RefContext) (string, error) {
		v, err := rc.Prop("FunctionName")
		if err != nil {
			return "", err
		}
		if v != nil {
			if !v.IsScalar() {
				return "", fmt.Errorf("FunctionName is a %s", v.Kind)
			}
			return v.Str, nil
		}
		return rc.StackName + "-" + rc.LogicalID, nil
	}
	return map[string]TypeSpec{
		"AWS::ApiGateway::RestApi": {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){
			"RestApiId":      idAttr,
			"RootResourceId": func(rc *RefContext) (*Value, error) { return str(strings.ToLower(rc.LogicalID) + "-root"), nil },
		})},
		"AWS::ApiGateway::Resource": {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){"ResourceId": idAttr})},
		"AWS::ApiGateway::Method":   {Ref: lowerID},
		"AWS::ApiGateway::Deployment": {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){
			"DeploymentId": idAttr,
		})},
		"AWS::ApiGateway::Stage": {Ref: func(rc *RefContext) (string, error) {
			v, err := rc.Prop("StageName")
			if err != nil || v == nil {
				return rc.LogicalID, err
			}
			return v.Str, nil
		}},
		"AWS::ApiGateway::ApiKey":       {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){"APIKeyId": idAttr})},
		"AWS::ApiGateway::UsagePlan":    {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){"Id": idAttr})},
		"AWS::ApiGateway::UsagePlanKey": {Ref: lowerID},
		"AWS::ApiGateway::Authorizer":   {Ref: lowerID},
		"AWS::ApiGateway::Model":        {},
		"AWS::ApiGatewayV2::Api": {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){"ApiId": idAttr, "ApiEndpoint": func(rc *RefContext) (*Value, error) {
			return str("ws://" + strings.ToLower(rc.LogicalID) + ".execute-api.localhost"), nil
		}})},
		"AWS::ApiGatewayV2::Route":       {Ref: lowerID},
		"AWS::ApiGatewayV2::Integration": {Ref: lowerID},
		"AWS::ApiGatewayV2::Deployment":  {Ref: lowerID},
		"AWS::ApiGatewayV2::Stage":       {Ref: lowerID},
		"AWS::Lambda::Function": {Ref: functionName, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){
			"Arn": func(rc *RefContext) (*Value, error) {
				name, err := functionName(rc)
				if err != nil {
					return nil, err
				}
				return str(fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", rc.Partition, rc.Region, rc.AccountID, name)), nil
			},
		})},
		"AWS::Lambda::Permission": {Ignored: true},
		"AWS::IAM::Role":          {Ignored: true},
		"AWS::Logs::LogGroup":     {Ignored: true},
		"AWS::DynamoDB::Table":    {Ignored: true},
		"AWS::Cognito::UserPool": {Ref: lowerID, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){
			"Arn": func(rc *RefContext) (*Value, error) {
				return str(fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", rc.Partition, rc.Region, rc.AccountID, strings.ToLower(rc.LogicalID))), nil
			},
			"ProviderName": func(rc *RefContext) (*Value, error) {
				return str(fmt.Sprintf("cognito-idp.%s.%s/%s", rc.Region, rc.URLSuffix, strings.ToLower(rc.LogicalID))), nil
			},
		})},
		"AWS::Cognito::UserPoolClient": {Ref: lowerID},
		"AWS::EC2::VPC": {Ignored: true, GetAtt: attrs(map[string]func(*RefContext) (*Value, error){
			"CidrBlockAssociations": func(rc *RefContext) (*Value, error) {
				return &Value{Kind: List, List: []*Value{str("assoc-1"), str("assoc-2")}}, nil
			},
			"CidrBlock": func(rc *RefContext) (*Value, error) { return str("10.0.0.0/16"), nil },
		})},
		"AWS::SNS::Topic":     {Ignored: true},
		"AWS::CDK::Metadata":  {Ignored: true},
		"AWS::S3::Bucket":     {Ignored: true},
		"AWS::SQS::Queue":     {Ignored: true},
		"AWS::Test::Failing":  {Ref: func(rc *RefContext) (string, error) { return "", fmt.Errorf("cannot be referenced") }},
		"AWS::Test::ListAttr": {GetAtt: func(rc *RefContext, attr string) (*Value, error) { return nil, nil }},
	}
}
