package e2e

import (
	"strings"
	"testing"
)

// keyFromAuthorizerTemplate: ApiKeySourceType AUTHORIZER, a TOKEN
// authorizer whose usageIdentifierKey is the token after "key:".
const keyFromAuthorizerTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: k, ApiKeySourceType: AUTHORIZER}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: tok
      Type: TOKEN
      RestApiId: !Ref Api
      IdentitySource: method.request.header.Authorization
      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations'
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Auth
      ApiKeyRequired: true
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          def handler(event, context):
              key = event["authorizationToken"].split("key:", 1)[-1]
              return {"principalId": "u", "usageIdentifierKey": key,
                      "policyDocument": {"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: ` + goodKey + `}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties: {ApiStages: [{ApiId: !Ref Api, Stage: prod}]}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`

// TestAPIKeyFromAuthorizer: with ApiKeySourceType AUTHORIZER the key is
// the Lambda authorizer's usageIdentifierKey; x-api-key is not read.
func TestAPIKeyFromAuthorizer(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, writeFile(t, "k.yaml", keyFromAuthorizerTemplate))
	url := in.URL("/prod/items")
	if r := do(t, req{URL: url, Header: map[string]string{"Authorization": "key:" + goodKey}}); r.Status != 200 || string(r.Body) != `{"ok":true}` {
		t.Errorf("the plan's key from the authorizer: %s", r)
	}
	assertGatewayError(t, do(t, req{URL: url, Header: map[string]string{"Authorization": "key:unknownunknownunknown0"}}), 403, forbiddenBody, "ForbiddenException")
	assertGatewayError(t, do(t, req{URL: url, Header: map[string]string{"Authorization": "key:", "x-api-key": goodKey}}), 403, forbiddenBody, "ForbiddenException")
	// Without an authorizer no request could carry a key: refused.
	noAuth := strings.Replace(keyFromAuthorizerTemplate, "      AuthorizationType: CUSTOM\n      AuthorizerId: !Ref Auth\n", "      AuthorizationType: NONE\n", 1)
	if _, stderr, code := runValidate(t, writeFile(t, "n.yaml", noAuth)); code != 1 || !strings.Contains(stderr, "ApiKeySourceType AUTHORIZER") {
		t.Errorf("AUTHORIZER key source without an authorizer: exit %d %q", code, stderr)
	}
}
