package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func policyMethod(name, auth string) string {
	return `  ` + name + `Res:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: ` + strings.ToLower(name) + `}
  ` + name + `:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref ` + name + `Res
      HttpMethod: GET
      AuthorizationType: ` + auth + `
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
`
}

// resourcePolicyTemplate: a policy that allows /open from loopback, denies
// /denied to everyone, allows /lan only from 10.0.0.0/8, and denies the
// IAM user dev on /iamdenied; /other and /iam have no Allow.
var resourcePolicyTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: policy
      Policy:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/prod/GET/open', Condition: {IpAddress: {'aws:SourceIp': ['127.0.0.0/8', '::1']}}}
          - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*/GET/denied'}
          - {Effect: Deny, Principal: '*', Action: 'execute-api:Invoke', Resource: !Sub 'arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*/GET/denied'}
          - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/prod/GET/lan', Condition: {IpAddress: {'aws:SourceIp': 10.0.0.0/8}}}
          - {Effect: Deny, Principal: {AWS: 'arn:aws:iam::123456789012:user/dev'}, Action: 'execute-api:*', Resource: 'execute-api:/prod/GET/iamdenied'}
` + policyMethod("Open", "NONE") + policyMethod("Denied", "NONE") + policyMethod("Lan", "NONE") + policyMethod("Other", "NONE") +
	policyMethod("Iam", "AWS_IAM") + policyMethod("IamDenied", "AWS_IAM") + `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [Open, Denied, Lan, Other, Iam, IamDenied]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

// TestResourcePolicy: a RestApi's Policy is evaluated with the
// authorization type, with API Gateway's 403 messages.
func TestResourcePolicy(t *testing.T) {
	creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
	in := startAPIGW(t, writeFile(t, "policy.yaml", resourcePolicyTemplate), "--iam-credentials", creds)
	arn := func(path string) string { return "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/" + path }
	denied := func(who, path, suffix string) string {
		return `{"Message":"User: ` + who + ` is not authorized to perform: execute-api:Invoke on resource: ` + arn(path) + suffix + `"}`
	}
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"open", 200, `{"ok":true}`},
		{"denied", 403, denied("anonymous", "denied", " with an explicit deny")},
		{"lan", 403, denied("anonymous", "lan", "")},
		{"other", 403, denied("anonymous", "other", "")},
	} {
		t.Run(c.path, func(t *testing.T) {
			r := get(t, in.URL("/prod/"+c.path))
			if r.Status != c.status || string(r.Body) != c.body {
				t.Errorf("%d %s, want %d %s", r.Status, r.Body, c.status, c.body)
			}
			if c.status == 403 && r.Header.Get("x-amzn-ErrorType") != "AccessDeniedException" {
				t.Errorf("x-amzn-ErrorType %q", r.Header.Get("x-amzn-ErrorType"))
			}
		})
	}
	// AWS_IAM: an identity passes without an Allow (IAM allows it), and an
	// explicit Deny of that user refuses it.
	status, _, body := sendHTTP(t, signedRequest(t, "GET", in.URL("/prod/iam"), "", iamKeyID, iamSecret, time.Now()))
	if status != 200 {
		t.Errorf("a signed call without a policy Allow: %d %s", status, body)
	}
	status, h, body := sendHTTP(t, signedRequest(t, "GET", in.URL("/prod/iamdenied"), "", iamKeyID, iamSecret, time.Now()))
	if status != 403 || body != denied("arn:aws:iam::123456789012:user/dev", "iamdenied", " with an explicit deny") || h.Get("x-amzn-ErrorType") != "AccessDeniedException" {
		t.Errorf("a denied IAM user: %d %s", status, body)
	}
	if r, _ := http.Get(in.URL("/prod/iam")); r.StatusCode != 403 {
		t.Errorf("unsigned to an AWS_IAM method: %d", r.StatusCode)
	}
}
