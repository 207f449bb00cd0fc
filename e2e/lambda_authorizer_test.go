package e2e

// Lambda authorizers (AuthorizationType CUSTOM, AWS::ApiGateway::Authorizer
// of Type TOKEN or REQUEST), aws-reference §2.1 and §8.3. Everything here is
// prefixed with la so that it cannot collide with the rest of the package.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// laTemplate: one python authorizer function behind four authorizers, and
// methods using them. The authorizer appends every event it gets to the file
// named by AUTH_LOG (one JSON line each), so the tests see how often it ran
// and with what. Its answer depends on the token's word before ':' (TOKEN)
// or on the X-User header (REQUEST):
//
//	allow         Allow on the methodArn it got, with a context
//	wildcard      Allow on .../prod/GET/*, with a context
//	deny          Deny on the methodArn
//	allowdeny     Allow on .../prod/* and Deny on the methodArn
//	elsewhere     Allow on .../prod/GET/nothing only
//	unauthorized  raise Exception("Unauthorized")
//	error         raise ValueError
//	notpolicy     return {"hello": "world"}
//	principal     return a principalId without a policyDocument
//	string        return a bare string
//	sleep         sleep past the function's Timeout of 1 s
//	crash         os._exit(1)
//
// /items (AWS_PROXY to EchoFn, which answers requestContext.authorizer) and
// /other (MOCK) use TokenAuth (default TTL, IdentityValidationExpression);
// /nocache uses NoCacheAuth (TTL 0), /short ShortAuth (TTL 1);
// /req/{id} (AWS_PROXY to EchoFn) uses RequestAuth (REQUEST, X-User header
// and tenant query string, default TTL).
const laTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: lambda-authorizers}
  TokenAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: token
      RestApiId: !Ref Api
      Type: TOKEN
      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations'
      IdentitySource: method.request.header.Authorization
      IdentityValidationExpression: '^[a-z]+(:[a-z0-9]+)?$'
  NoCacheAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: nocache
      RestApiId: !Ref Api
      Type: TOKEN
      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations'
      IdentitySource: method.request.header.Authorization
      AuthorizerResultTtlInSeconds: 0
  ShortAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: short
      RestApiId: !Ref Api
      Type: TOKEN
      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations'
      IdentitySource: method.request.header.Authorization
      AuthorizerResultTtlInSeconds: 1
  RequestAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      Name: request
      RestApiId: !Ref Api
      Type: REQUEST
      AuthorizerUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations'
      IdentitySource: 'method.request.header.X-User, method.request.querystring.tenant'
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Other:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: other}
  NoCache:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: nocache}
  Short:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: short}
  Req:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: req}
  ReqID:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Req, PathPart: '{id}'}
  GetItems:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref TokenAuth
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFn.Arn}/invocations'
  GetOther:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Other
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref TokenAuth
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"mock":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetNoCache:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref NoCache
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref NoCacheAuth
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"mock":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetShort:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Short
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref ShortAuth
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"mock":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetReq:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref ReqID
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref RequestAuth
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFn.Arn}/invocations'
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Timeout: 1
      Environment:
        Variables:
          AUTH_LOG: '__AUTH_LOG__'
      Code:
        ZipFile: |
          import json, os, time

          def policy(effect, resource):
              return {"Version": "2012-10-17", "Statement": [
                  {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]}

          def handler(event, context):
              with open(os.environ["AUTH_LOG"], "a") as f:
                  f.write(json.dumps(event) + "\n")
              arn = event["methodArn"]
              prefix = "/".join(arn.split("/")[:2])
              if event.get("type") == "REQUEST":
                  headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
                  user = headers.get("x-user", "")
                  mode = "deny" if user == "deny" else "allow"
                  principal = "req-" + user
              else:
                  token = event["authorizationToken"]
                  mode = token.split(":")[0]
                  principal = "user-" + token
              ctx = {"user": "ada", "n": 1, "ok": True}
              if mode == "allow":
                  return {"principalId": principal, "policyDocument": policy("Allow", arn), "context": ctx}
              if mode == "wildcard":
                  return {"principalId": principal, "policyDocument": policy("Allow", prefix + "/GET/*"), "context": ctx}
              if mode == "deny":
                  return {"principalId": principal, "policyDocument": policy("Deny", arn)}
              if mode == "allowdeny":
                  doc = policy("Allow", prefix + "/*")
                  doc["Statement"].append({"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": arn})
                  return {"principalId": principal, "policyDocument": doc}
              if mode == "elsewhere":
                  return {"principalId": principal, "policyDocument": policy("Allow", prefix + "/GET/nothing")}
              if mode == "error":
                  raise ValueError("authorizer bug")
              if mode == "notpolicy":
                  return {"hello": "world"}
              if mode == "principal":
                  return {"principalId": principal}
              if mode == "string":
                  return "Allow"
              if mode == "sleep":
                  time.sleep(5)
              if mode == "crash":
                  os._exit(1)
              raise Exception("Unauthorized")
  EchoFn:
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
    DependsOn: [GetItems, GetOther, GetNoCache, GetShort, GetReq]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

const (
	laARNPrefix       = "arn:aws:execute-api:us-east-1:123456789012:api/prod"
	laUnauthorizedErr = "UnauthorizedException"
	laDeniedBody      = `{"Message":"User is not authorized to access this resource with an explicit deny"}`
	laNotAllowedBody  = `{"Message":"User is not authorized to access this resource"}`
	laAccessDenied    = "AccessDeniedException"
	laConfigErr       = "AuthorizerConfigurationException"
)

// laEvent is what the authorizer function received (one line of its log).
type laEvent struct {
	Type                            string              `json:"type"`
	AuthorizationToken              string              `json:"authorizationToken"`
	MethodArn                       string              `json:"methodArn"`
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	RequestContext                  struct {
		Stage        string `json:"stage"`
		ResourcePath string `json:"resourcePath"`
		HTTPMethod   string `json:"httpMethod"`
		AccountID    string `json:"accountId"`
		APIID        string `json:"apiId"`
		RequestID    string `json:"requestId"`
	} `json:"requestContext"`
}

// laHeader is a header of a REQUEST event, looked up case-insensitively.
func (e laEvent) laHeader(name string) string {
	for k, v := range e.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// laAPI is one apigw serving laTemplate, and the authorizer's log.
type laAPI struct {
	in  *Instance
	log string
}

// laStart serves laTemplate with the authorizer logging to a fresh file.
func laStart(t *testing.T) *laAPI {
	t.Helper()
	rtRequireInterpreters(t)
	log := filepath.Join(t.TempDir(), "authorizer.log")
	tpl := strings.ReplaceAll(laTemplate, "__AUTH_LOG__", log)
	return &laAPI{in: startAPIGW(t, writeFile(t, "lambda-authorizers.yaml", tpl)), log: log}
}

// events is every event the authorizer function received so far (it writes
// its line before it answers, so a response means its line is there).
func (a *laAPI) events(t *testing.T) []laEvent {
	t.Helper()
	b, err := os.ReadFile(a.log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []laEvent
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		var e laEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("authorizer log line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// tokenEvents is the TOKEN events the authorizer received for token.
func (a *laAPI) tokenEvents(t *testing.T, token string) []laEvent {
	t.Helper()
	var out []laEvent
	for _, e := range a.events(t) {
		if e.Type == "TOKEN" && e.AuthorizationToken == token {
			out = append(out, e)
		}
	}
	return out
}

// requestEvents is the REQUEST events the authorizer received for a user
// and tenant.
func (a *laAPI) requestEvents(t *testing.T, user, tenant string) []laEvent {
	t.Helper()
	var out []laEvent
	for _, e := range a.events(t) {
		if e.Type == "REQUEST" && e.laHeader("X-User") == user && e.QueryStringParameters["tenant"] == tenant {
			out = append(out, e)
		}
	}
	return out
}

// assertInvoked checks how often the authorizer ran for a TOKEN.
func (a *laAPI) assertInvoked(t *testing.T, token string, want int) {
	t.Helper()
	if got := len(a.tokenEvents(t, token)); got != want {
		t.Errorf("authorizer invoked %d times for token %q, want %d", got, token, want)
	}
}

// call sends GET path (under /prod) with an Authorization header (none when
// auth is nil).
func (a *laAPI) call(t *testing.T, path string, auth *string) *response {
	t.Helper()
	r := req{URL: a.in.URL("/prod" + path)}
	if auth != nil {
		r.Header = map[string]string{"Authorization": *auth}
	}
	return do(t, r)
}

// withToken is call with a token.
func (a *laAPI) withToken(t *testing.T, path, token string) *response {
	t.Helper()
	return a.call(t, path, &token)
}

// laAssertAllowed checks that EchoFn answered and saw principalId and the
// authorizer's context in requestContext.authorizer (API Gateway passes
// context values on as strings downstream: "1", "true"; native JSON values
// are accepted too).
func laAssertAllowed(t *testing.T, r *response, principal string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Errorf("got %d, want 200 from the integration\n%s", r.Status, r)
		return
	}
	var got map[string]any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Errorf("body is not requestContext.authorizer (%v)\n%s", err, r)
		return
	}
	if got["principalId"] != principal {
		t.Errorf("requestContext.authorizer.principalId = %v, want %q (all: %v)", got["principalId"], principal, got)
	}
	for k, want := range map[string]string{"user": "ada", "n": "1", "ok": "true"} {
		v, ok := got[k]
		if !ok || fmt.Sprint(v) != want {
			t.Errorf("requestContext.authorizer.%s = %v (present %v), want %q (all: %v)", k, v, ok, want, got)
		}
	}
}

// laAssertMock checks the MOCK integration's answer.
func laAssertMock(t *testing.T, r *response) {
	t.Helper()
	assertStatusBody(t, r, http.StatusOK, `{"mock":true}`)
}

// laAssertConfigError checks a 500 AUTHORIZER_CONFIGURATION_ERROR answer:
// the body's exact bytes are not recorded from AWS (aws-reference §2.1), so
// it is only required to be JSON.
func laAssertConfigError(t *testing.T, r *response) {
	t.Helper()
	if r.Status != http.StatusInternalServerError {
		t.Errorf("got %d, want 500\n%s", r.Status, r)
	}
	if et := r.Header.Get("x-amzn-ErrorType"); et != laConfigErr {
		t.Errorf("x-amzn-ErrorType = %q, want %q", et, laConfigErr)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !json.Valid(r.Body) {
		t.Errorf("body %q is not JSON", r.Body)
	}
	assertAWSHeaders(t, r)
}

func laStr(s string) *string { return &s }

// TestLambdaAuthorizerToken: a TOKEN authorizer's answers on /items, and the
// event it gets. A missing, empty or ill-formed token is refused without
// invoking the function.
func TestLambdaAuthorizerToken(t *testing.T) {
	a := laStart(t)
	cases := []struct {
		name    string
		auth    *string // nil: no Authorization header
		status  int
		body    string // for errors, byte for byte
		errType string
		invoked int // times the function runs for this token
	}{
		{"no Authorization header", nil, 401, unauthorizedBody, laUnauthorizedErr, 0},
		{"an empty Authorization header", laStr(""), 401, unauthorizedBody, laUnauthorizedErr, 0},
		{"a token not matching IdentityValidationExpression", laStr("Bearer allow:x1"), 401, unauthorizedBody, laUnauthorizedErr, 0},
		{"the function raises Unauthorized", laStr("unauthorized:t1"), 401, unauthorizedBody, laUnauthorizedErr, 1},
		{"an explicit Deny of the method", laStr("deny:t1"), 403, laDeniedBody, laAccessDenied, 1},
		{"an Allow of the stage and a Deny of the method", laStr("allowdeny:t1"), 403, laDeniedBody, laAccessDenied, 1},
		// The x-amzn-ErrorType of this one is not recorded from AWS.
		{"an Allow that does not cover the method", laStr("elsewhere:t1"), 403, laNotAllowedBody, "", 1},
		{"an Allow of the method ARN", laStr("allow:t1"), 200, "", "", 1},
		{"an Allow of GET/* of the stage", laStr("wildcard:t1"), 200, "", "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(a.events(t))
			r := a.call(t, "/items", c.auth)
			if c.status == 200 {
				laAssertAllowed(t, r, "user-"+*c.auth)
			} else {
				assertGatewayError(t, r, c.status, c.body, c.errType)
			}
			if c.invoked == 0 {
				if after := a.events(t); len(after) != before {
					t.Errorf("the authorizer was invoked (%d events, %d before): %+v", len(after), before, after[before:])
				}
				return
			}
			evs := a.tokenEvents(t, *c.auth)
			if len(evs) != c.invoked {
				t.Fatalf("authorizer invoked %d times for %q, want %d", len(evs), *c.auth, c.invoked)
			}
			e := evs[0]
			if e.MethodArn != laARNPrefix+"/GET/items" {
				t.Errorf("methodArn = %q, want %q", e.MethodArn, laARNPrefix+"/GET/items")
			}
		})
	}
}

// TestLambdaAuthorizerCache: results are cached by token for
// AuthorizerResultTtlInSeconds (default 300) and shared by the methods of
// the authorizer; a cached policy is evaluated against each method ARN;
// TTL 0 invokes every time; a result expires after its TTL.
func TestLambdaAuthorizerCache(t *testing.T) {
	a := laStart(t)

	t.Run("the same token invokes once", func(t *testing.T) {
		laAssertAllowed(t, a.withToken(t, "/items", "allow:c1"), "user-allow:c1")
		laAssertAllowed(t, a.withToken(t, "/items", "allow:c1"), "user-allow:c1")
		a.assertInvoked(t, "allow:c1", 1)
	})
	t.Run("a cached Allow of GET/items does not cover GET/other", func(t *testing.T) {
		laAssertAllowed(t, a.withToken(t, "/items", "allow:c2"), "user-allow:c2")
		assertGatewayError(t, a.withToken(t, "/other", "allow:c2"), 403, laNotAllowedBody, "")
		a.assertInvoked(t, "allow:c2", 1)
	})
	t.Run("a cached wildcard Allow covers another method", func(t *testing.T) {
		laAssertAllowed(t, a.withToken(t, "/items", "wildcard:c3"), "user-wildcard:c3")
		laAssertMock(t, a.withToken(t, "/other", "wildcard:c3"))
		a.assertInvoked(t, "wildcard:c3", 1)
	})
	t.Run("the cache is keyed by the token", func(t *testing.T) {
		laAssertAllowed(t, a.withToken(t, "/items", "allow:c4"), "user-allow:c4")
		laAssertAllowed(t, a.withToken(t, "/items", "allow:c5"), "user-allow:c5")
		a.assertInvoked(t, "allow:c4", 1)
		a.assertInvoked(t, "allow:c5", 1)
		assertGatewayError(t, a.withToken(t, "/items", "deny:c4"), 403, laDeniedBody, laAccessDenied)
		a.assertInvoked(t, "deny:c4", 1)
	})
	t.Run("TTL 0 invokes every time", func(t *testing.T) {
		for range 3 {
			laAssertMock(t, a.withToken(t, "/nocache", "wildcard:n1"))
		}
		evs := a.tokenEvents(t, "wildcard:n1")
		if len(evs) != 3 {
			t.Fatalf("authorizer invoked %d times for 3 requests with TTL 0, want 3", len(evs))
		}
		if evs[0].MethodArn != laARNPrefix+"/GET/nocache" {
			t.Errorf("methodArn = %q", evs[0].MethodArn)
		}
	})
	t.Run("a result expires after its TTL of 1 s", func(t *testing.T) {
		const token = "wildcard:s1"
		first := time.Now()
		laAssertMock(t, a.withToken(t, "/short", token))
		laAssertMock(t, a.withToken(t, "/short", token))
		if n := len(a.tokenEvents(t, token)); n != 1 {
			t.Fatalf("authorizer invoked %d times for two requests within the TTL, want 1", n)
		}
		deadline := first.Add(6 * time.Second)
		for {
			sent := time.Now()
			laAssertMock(t, a.withToken(t, "/short", token))
			if n := len(a.tokenEvents(t, token)); n >= 2 {
				if d := sent.Sub(first); d < 900*time.Millisecond {
					t.Errorf("invoked again %v after the first request, before the TTL of 1 s", d)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the cached result still used %v after the first request (TTL 1 s)", time.Since(first))
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// TestLambdaAuthorizerRequest: a REQUEST authorizer with a header and a
// query string identity source (caching on).
func TestLambdaAuthorizerRequest(t *testing.T) {
	a := laStart(t)
	call := func(t *testing.T, user *string, query string) *response {
		t.Helper()
		r := req{URL: a.in.URL("/prod/req/42" + query)}
		if user != nil {
			r.Header = map[string]string{"X-User": *user}
		}
		return do(t, r)
	}
	for _, c := range []struct {
		name  string
		user  *string
		query string
	}{
		{"no X-User header", nil, "?tenant=acme"},
		{"an empty X-User header", laStr(""), "?tenant=acme"},
		{"no tenant query", laStr("ada"), ""},
		{"another query but no tenant", laStr("ada"), "?other=acme"},
	} {
		t.Run("missing identity source: "+c.name, func(t *testing.T) {
			before := len(a.events(t))
			assertGatewayError(t, call(t, c.user, c.query), 401, unauthorizedBody, laUnauthorizedErr)
			if after := a.events(t); len(after) != before {
				t.Errorf("the authorizer was invoked (%d events, %d before): %+v", len(after), before, after[before:])
			}
		})
	}

	t.Run("both present: the event, Allow", func(t *testing.T) {
		laAssertAllowed(t, call(t, laStr("ada"), "?tenant=acme&x=1"), "req-ada")
		evs := a.requestEvents(t, "ada", "acme")
		if len(evs) != 1 {
			t.Fatalf("authorizer invoked %d times, want 1 (all events: %+v)", len(evs), a.events(t))
		}
		e := evs[0]
		checks := []struct {
			what      string
			got, want any
		}{
			{"type", e.Type, "REQUEST"},
			{"methodArn", e.MethodArn, laARNPrefix + "/GET/req/42"},
			{"resource", e.Resource, "/req/{id}"},
			{"path", e.Path, "/req/42"},
			{"httpMethod", e.HTTPMethod, "GET"},
			{"headers X-User", e.laHeader("X-User"), "ada"},
			{"queryStringParameters", fmt.Sprint(e.QueryStringParameters), fmt.Sprint(map[string]string{"tenant": "acme", "x": "1"})},
			{"multiValueQueryStringParameters.tenant", fmt.Sprint(e.MultiValueQueryStringParameters["tenant"]), "[acme]"},
			{"pathParameters", fmt.Sprint(e.PathParameters), fmt.Sprint(map[string]string{"id": "42"})},
			{"requestContext.stage", e.RequestContext.Stage, "prod"},
			{"requestContext.resourcePath", e.RequestContext.ResourcePath, "/req/{id}"},
			{"requestContext.httpMethod", e.RequestContext.HTTPMethod, "GET"},
			{"requestContext.accountId", e.RequestContext.AccountID, "123456789012"},
			{"requestContext.apiId", e.RequestContext.APIID, "api"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("event %s = %v, want %v", c.what, c.got, c.want)
			}
		}
		mv := ""
		for k, v := range e.MultiValueHeaders {
			if strings.EqualFold(k, "X-User") {
				mv = fmt.Sprint(v)
			}
		}
		if mv != "[ada]" {
			t.Errorf("event multiValueHeaders X-User = %q, want [ada] (all: %v)", mv, e.MultiValueHeaders)
		}
		if e.RequestContext.RequestID == "" {
			t.Errorf("event requestContext.requestId is empty")
		}
	})

	t.Run("Deny", func(t *testing.T) {
		assertGatewayError(t, call(t, laStr("deny"), "?tenant=acme"), 403, laDeniedBody, laAccessDenied)
	})

	t.Run("the cache is keyed by every identity source", func(t *testing.T) {
		laAssertAllowed(t, call(t, laStr("bob"), "?tenant=acme"), "req-bob")
		laAssertAllowed(t, call(t, laStr("bob"), "?tenant=acme"), "req-bob")
		if n := len(a.requestEvents(t, "bob", "acme")); n != 1 {
			t.Errorf("authorizer invoked %d times for the same identity sources, want 1", n)
		}
		laAssertAllowed(t, call(t, laStr("bob"), "?tenant=globex"), "req-bob")
		if n := len(a.requestEvents(t, "bob", "globex")); n != 1 {
			t.Errorf("authorizer invoked %d times for another tenant, want 1", n)
		}
	})
}

// TestLambdaAuthorizerErrors: an authorizer that fails other than with
// "Unauthorized" is 500 AuthorizerConfigurationException; the failure is not
// cached (the same token invokes it again) and the authorizer answers again
// afterwards.
func TestLambdaAuthorizerErrors(t *testing.T) {
	a := laStart(t)
	cases := []struct{ name, mode string }{
		{"raises ValueError", "error"},
		{"returns something that is not a policy", "notpolicy"},
		{"returns a principalId without a policyDocument", "principal"},
		{"returns a bare string", "string"},
		{"sleeps past its Timeout of 1 s", "sleep"},
		{"calls os._exit(1)", "crash"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			token := fmt.Sprintf("%s:e%d", c.mode, i)
			laAssertConfigError(t, a.withToken(t, "/items", token))
			a.assertInvoked(t, token, 1)
			laAssertConfigError(t, a.withToken(t, "/items", token))
			a.assertInvoked(t, token, 2)
			ok := fmt.Sprintf("allow:after%d", i)
			laAssertAllowed(t, a.withToken(t, "/items", ok), "user-"+ok)
		})
	}
}
