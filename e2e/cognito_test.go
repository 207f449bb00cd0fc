package e2e

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const unauthorizedBody = `{"message":"Unauthorized"}`

// poolTokens asks apigw's local issuer of a user pool for tokens.
func poolTokens(t *testing.T, in *Instance, pool string, body string) (idToken, accessToken string) {
	t.Helper()
	r := do(t, req{Method: "POST", URL: in.AdminURL + "/userpools/" + pool + "/tokens", Body: body})
	var out struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if r.Status != 200 || json.Unmarshal(r.Body, &out) != nil || out.IDToken == "" || out.ExpiresIn != 3600 {
		t.Fatalf("tokens of %s: %s", pool, r)
	}
	return out.IDToken, out.AccessToken
}

// TestCognitoExample: the guide's Cognito template as written: no token,
// a wrong one, a tampered one get 401 Unauthorized; the local issuer's ID
// token (raw or after "Bearer ") is let through, also after a restart on
// the same --data.
func TestCognitoExample(t *testing.T) {
	rtRequireInterpreters(t)
	data := t.TempDir()
	in := startAPIGW(t, example("cognito.yaml"), "--data", data)
	url := in.URL("/prod/users")
	assertGatewayError(t, get(t, url), 401, unauthorizedBody, "UnauthorizedException")
	idToken, accessToken := poolTokens(t, in, "UserPool", `{"username": "ada", "groups": ["admin"]}`)
	tampered := idToken[:len(idToken)-4] + "AAAA"
	for _, c := range []struct {
		name, auth string
		status     int
	}{
		{"garbage", "not-a-token", 401},
		{"tampered signature", tampered, 401},
		{"an access token where the method has no scopes", accessToken, 401},
		{"the ID token", idToken, 200},
		{"the ID token after Bearer", "Bearer " + idToken, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, req{URL: url, Header: map[string]string{"Authorization": c.auth}})
			if c.status == 401 {
				assertGatewayError(t, r, 401, unauthorizedBody, "UnauthorizedException")
			} else if r.Status != 200 || string(r.Body) != `{"users": []}` {
				t.Errorf("%s", r)
			}
		})
	}
	var jwks struct{ Keys []struct{ Kid, Alg string } }
	if r := get(t, in.AdminURL+"/userpools/UserPool/.well-known/jwks.json"); r.Status != 200 || json.Unmarshal(r.Body, &jwks) != nil || len(jwks.Keys) != 1 || jwks.Keys[0].Alg != "RS256" {
		t.Fatalf("JWKS: %s", r)
	}
	if code, err := in.Stop(); err != nil || code != 0 {
		t.Fatalf("stop: %d %v", code, err)
	}
	again := startAPIGW(t, example("cognito.yaml"), "--data", data)
	if r := do(t, req{URL: again.URL("/prod/users"), Header: map[string]string{"Authorization": idToken}}); r.Status != 200 {
		t.Errorf("a token issued before a restart: %s", r)
	}
}

// cognitoScopesTemplate has a method with AuthorizationScopes whose
// function answers the claims it got, and one without scopes. Its pool
// may be trusted from an external issuer with --config.
const cognitoScopesTemplate = `Resources:
  Pool:
    Type: AWS::Cognito::UserPool
    Properties: {UserPoolName: p, MfaConfiguration: 'OFF'}
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties: {UserPoolId: !Ref Pool, ExplicitAuthFlows: [ALLOW_REFRESH_TOKEN_AUTH]}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: scopes}
  Auth:
    Type: AWS::ApiGateway::Authorizer
    Properties: {Name: a, Type: COGNITO_USER_POOLS, RestApiId: !Ref Api, IdentitySource: method.request.header.Authorization, ProviderARNs: [!GetAtt Pool.Arn]}
  Claims:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: claims}
  GetClaims:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Claims
      HttpMethod: GET
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Auth
      AuthorizationScopes: [orders/read, orders/write]
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ClaimsFn.Arn}/invocations'
  ClaimsFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"])}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetClaims]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

// TestCognitoScopesAndClaims: with AuthorizationScopes the method takes an
// access token holding one of them (not an ID token, not one without
// them), and the function gets the claims as strings.
func TestCognitoScopesAndClaims(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, writeFile(t, "scopes.yaml", cognitoScopesTemplate))
	url := in.URL("/prod/claims")
	idToken, withScope := poolTokens(t, in, "Pool", `{"username": "ada", "groups": ["admin", "dev"], "scopes": ["orders/read"]}`)
	_, otherScope := poolTokens(t, in, "Pool", `{"username": "bob", "scopes": ["profile"]}`)
	for _, tok := range []string{idToken, otherScope} {
		assertGatewayError(t, do(t, req{URL: url, Header: map[string]string{"Authorization": tok}}), 401, unauthorizedBody, "UnauthorizedException")
	}
	r := do(t, req{URL: url, Header: map[string]string{"Authorization": withScope}})
	var got struct{ Claims map[string]any }
	if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil {
		t.Fatalf("access token with a method scope: %s", r)
	}
	c := got.Claims
	if c["username"] != "ada" || c["token_use"] != "access" || c["scope"] != "orders/read" || c["cognito:groups"] != "admin,dev" {
		t.Errorf("claims: %v", c)
	}
	for k, v := range c {
		if _, ok := v.(string); !ok {
			t.Errorf("claim %s is %T, API Gateway passes strings", k, v)
		}
	}
	if exp, _ := c["exp"].(string); !strings.Contains(exp, " UTC ") {
		t.Errorf("exp %q, want Java's date format", exp)
	}
}

// TestCognitoExternalIssuer: --config userPools.X.issuer trusts another
// issuer (here one the test serves) instead of the local one.
func TestCognitoExternalIssuer(t *testing.T) {
	rtRequireInterpreters(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
		"n": base64.RawURLEncoding.EncodeToString(key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes()),
	}}})
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	defer idp.Close()
	cfg := writeFile(t, "apigw.yaml", "userPools:\n  Pool: {issuer: "+idp.URL+", audiences: [my-client]}\n")
	in := startAPIGW(t, writeFile(t, "scopes.yaml", cognitoScopesTemplate), "--config", cfg)
	sign := func(claims jwt.MapClaims, k *rsa.PrivateKey) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		tok.Header["kid"] = "k1"
		s, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	good := jwt.MapClaims{"iss": idp.URL, "token_use": "access", "client_id": "my-client", "scope": "orders/write",
		"sub": "u1", "username": "zed", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if r := do(t, req{URL: in.URL("/prod/claims"), Header: map[string]string{"Authorization": sign(good, key)}}); r.Status != 200 {
		t.Errorf("a token of the external issuer: %s", r)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	expired := jwt.MapClaims{}
	for k, v := range good {
		expired[k] = v
	}
	expired["exp"] = now.Add(-time.Minute).Unix()
	for name, tok := range map[string]string{"signed by another key": sign(good, other), "expired": sign(expired, key)} {
		assertGatewayError(t, do(t, req{URL: in.URL("/prod/claims"), Header: map[string]string{"Authorization": tok}}), 401, unauthorizedBody, "UnauthorizedException")
		_ = name
	}
	// The local issuer is not there for a pool with an external one.
	if r := do(t, req{Method: "POST", URL: in.AdminURL + "/userpools/Pool/tokens", Body: `{"username":"x"}`}); r.Status != 404 {
		t.Errorf("local tokens for an external pool: %s", r)
	}
}

// TestCognitoTemplateErrors: Cognito methods and authorizers apigw cannot
// enforce are refused at validate, naming what is wrong.
func TestCognitoTemplateErrors(t *testing.T) {
	cases := []struct{ name, edit, want string }{
		{"a method without AuthorizerId", strings.Replace(cognitoScopesTemplate, "      AuthorizerId: !Ref Auth\n", "", 1), "a COGNITO_USER_POOLS method needs an AuthorizerId"},
		{"a pool of another account", strings.Replace(cognitoScopesTemplate, "ProviderARNs: [!GetAtt Pool.Arn]", "ProviderARNs: ['arn:aws:cognito-idp:us-east-1:999999999999:userpool/us-east-1_abc']", 1), "is not a user pool of this template"},
		{"a Lambda authorizer for a Cognito method", strings.Replace(cognitoScopesTemplate, "Type: COGNITO_USER_POOLS, RestApiId", "Type: TOKEN, RestApiId", 1), "authorizer Auth is of type TOKEN, not COGNITO_USER_POOLS"},
		{"a query-string identity source", strings.Replace(cognitoScopesTemplate, "IdentitySource: method.request.header.Authorization", "IdentitySource: method.request.querystring.token", 1), "reads the token from a header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.edit == cognitoScopesTemplate {
				t.Fatal("the edit changed nothing")
			}
			_, stderr, code := runValidate(t, writeFile(t, "t.yaml", c.edit))
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, c.want)
			}
		})
	}
	cfg := writeFile(t, "apigw.yaml", "userPools:\n  Nope: {issuer: https://idp.example.com}\n")
	if _, stderr, code := runValidate(t, writeFile(t, "t.yaml", cognitoScopesTemplate), "--config", cfg); code != 1 || !strings.Contains(stderr, "config userPools.Nope: the template declares no AWS::Cognito::UserPool Nope") {
		t.Errorf("an unknown pool in --config: exit %d %q", code, stderr)
	}
}
