package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

const (
	iamKeyID  = "AKIDEXAMPLE"
	iamSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// iamTemplate has an AWS_IAM MOCK method and an AWS_IAM Lambda proxy
// method whose function answers the caller's requestContext.identity.
const iamTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: iam}
  Secure:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: secure}
  WhoAmI:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: whoami}
  GetSecure:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Secure
      HttpMethod: ANY
      AuthorizationType: AWS_IAM
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"secret":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetWhoAmI:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref WhoAmI
      HttpMethod: GET
      AuthorizationType: AWS_IAM
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${WhoFn.Arn}/invocations'
  WhoFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: whoami
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps(event["requestContext"]["identity"])}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetSecure, GetWhoAmI]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

// signedRequest signs a request with the AWS SDK's v4 signer, as an AWS
// client calling execute-api does.
func signedRequest(t *testing.T, method, url, body, keyID, secret string, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

func sendHTTP(t *testing.T, r *http.Request) (int, http.Header, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestIAMMethods: AWS_IAM methods verify SigV4 against --iam-credentials,
// with API Gateway's answers for each failure, and pass the identity to
// the function.
func TestIAMMethods(t *testing.T) {
	rtRequireInterpreters(t)
	creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
	in := startAPIGW(t, writeFile(t, "iam.yaml", iamTemplate), "--iam-credentials", creds)
	url := in.URL("/prod/secure")
	now := time.Now()

	cases := []struct {
		name     string
		req      *http.Request
		status   int
		errType  string
		contains string
	}{
		{"unsigned", func() *http.Request { r, _ := http.NewRequest("GET", url, nil); return r }(), 403, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`},
		{"signed", signedRequest(t, "GET", url, "", iamKeyID, iamSecret, now), 200, "", `{"secret":true}`},
		{"signed POST with a body and a query", signedRequest(t, "POST", url+"?a=1&b=x%20y", `{"x":1}`, iamKeyID, iamSecret, now), 200, "", `{"secret":true}`},
		{"wrong secret", signedRequest(t, "GET", url, "", iamKeyID, "wrong", now), 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided."},
		{"unknown key", signedRequest(t, "GET", url, "", "AKIDUNKNOWN", iamSecret, now), 403, "", "The security token included in the request is invalid."},
		{"expired", signedRequest(t, "GET", url, "", iamKeyID, iamSecret, now.Add(-10*time.Minute)), 403, "InvalidSignatureException", "Signature expired:"},
		{"not SigV4", func() *http.Request {
			r, _ := http.NewRequest("GET", url, nil)
			r.Header.Set("Authorization", "Bearer x")
			return r
		}(), 403, "", "Authorization header requires 'Credential' parameter."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, h, body := sendHTTP(t, c.req)
			if status != c.status || !strings.Contains(body, c.contains) {
				t.Errorf("%d %s, want %d containing %q", status, body, c.status, c.contains)
			}
			if c.errType != "" && h.Get("x-amzn-ErrorType") != c.errType {
				t.Errorf("x-amzn-ErrorType %q, want %q", h.Get("x-amzn-ErrorType"), c.errType)
			}
		})
	}

	// A presigned URL works too.
	r, _ := http.NewRequest("GET", url, nil)
	presigned, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: iamKeyID, SecretAccessKey: iamSecret},
		r, hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }()), "execute-api", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := http.NewRequest("GET", presigned, nil)
	if status, _, body := sendHTTP(t, pr); status != 200 {
		t.Errorf("presigned: %d %s", status, body)
	}

	// The function sees who called.
	status, _, body := sendHTTP(t, signedRequest(t, "GET", in.URL("/prod/whoami"), "", iamKeyID, iamSecret, time.Now()))
	var id map[string]any
	if status != 200 || json.Unmarshal([]byte(body), &id) != nil {
		t.Fatalf("whoami: %d %s", status, body)
	}
	if id["accessKey"] != iamKeyID || id["userArn"] != "arn:aws:iam::123456789012:user/dev" || id["accountId"] != "123456789012" {
		t.Errorf("requestContext.identity: %v", id)
	}

	// With --iam-credentials the Invoke API takes signed calls only.
	out, err := rtLambdaClient(in).Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("whoami"), Payload: []byte(`{"requestContext":{"identity":{}}}`)})
	if err != nil || out.StatusCode != 200 {
		t.Errorf("signed Invoke: %v", err)
	}
	resp, err := http.Post(in.URL("/2015-03-31/functions/whoami/invocations"), "application/json", bytes.NewReader([]byte(`{}`)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("unsigned Invoke: %d, want 403", resp.StatusCode)
	}
	_, err = rtLambdaClient(in, func(o *awslambda.Options) {
		o.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: iamKeyID, SecretAccessKey: "wrong"}, nil
		}))
	}).Invoke(context.Background(), &awslambda.InvokeInput{FunctionName: aws.String("whoami")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidSignatureException" {
		t.Errorf("Invoke with a wrong secret: %v, want InvalidSignatureException", err)
	}
}

// TestIAMWithoutCredentials: without --iam-credentials every AWS_IAM call
// is refused, signed or not (CONTRACT.md), and the Invoke API takes
// unsigned calls.
func TestIAMWithoutCredentials(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, writeFile(t, "iam.yaml", iamTemplate))
	url := in.URL("/prod/secure")
	if status, _, body := sendHTTP(t, signedRequest(t, "GET", url, "", iamKeyID, iamSecret, time.Now())); status != 403 ||
		!strings.Contains(body, "The security token included in the request is invalid.") {
		t.Errorf("signed, no identities configured: %d %s", status, body)
	}
	resp, err := http.Post(in.URL("/2015-03-31/functions/whoami/invocations"), "application/json", strings.NewReader(`{"requestContext":{"identity":{}}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("unsigned Invoke without --iam-credentials: %d", resp.StatusCode)
	}
}
