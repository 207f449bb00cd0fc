package e2e

// SAM templates (Transform: AWS::Serverless-2016-10-31) on the real binary,
// as `sam local start-api` users run them: the implicit API and its stages,
// Globals, an explicit Api with a Cognito default authorizer, a public
// route and CORS, an HttpApi with a JWT authorizer beside the implicit
// ServerlessHttpApi, an API key with SAM's usage plan, SAM's references
// (!Ref MyApi.Stage, ...), broken SAM input and a template without the
// Transform line. Templates and functions are in testdata/sam/: every
// function answers JSON with the event it got, its APP_* environment
// variables and its settings (src/py/app.py, src/node/app.js). Expected
// values are API Gateway's and Lambda's (../../shared/aws-reference.md),
// not what apigw happens to do.

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// samData is the path of a file in testdata/sam/.
func samData(name string) string { return testdata(filepath.Join("sam", name)) }

// samCopy copies testdata/sam/TEMPLATE and the functions' code (src/) into
// a new folder, applies each edit {old, new} to the template (old must be
// in it), and returns the copy's path.
func samCopy(t *testing.T, template string, edits ...[2]string) string {
	t.Helper()
	dst := t.TempDir()
	src := samData("src")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "__pycache__" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, "src", rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, "src", rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(samData(template))
	if err != nil {
		t.Fatal(err)
	}
	content := string(b)
	for _, e := range edits {
		if !strings.Contains(content, e[0]) {
			t.Fatalf("%s does not contain %q", template, e[0])
		}
		content = strings.Replace(content, e[0], e[1], 1)
	}
	out := filepath.Join(dst, filepath.Base(template))
	if err := os.WriteFile(out, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// samAnswer is what the fixtures' functions answer.
type samAnswer struct {
	Runtime     string            `json:"runtime"`
	Function    string            `json:"function"`
	Memory      string            `json:"memory"`
	RemainingMs int               `json:"remainingMs"`
	Env         map[string]string `json:"env"`
	Event       json.RawMessage   `json:"event"`
}

// samRESTEvent is the part of a payload 1.0 (REST API) event the tests read.
type samRESTEvent struct {
	Version               string            `json:"version"`
	Resource              string            `json:"resource"`
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	Body                  *string           `json:"body"`
	PathParameters        map[string]string `json:"pathParameters"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	RequestContext        struct {
		Stage        string `json:"stage"`
		ResourcePath string `json:"resourcePath"`
		Path         string `json:"path"`
		HTTPMethod   string `json:"httpMethod"`
		APIID        string `json:"apiId"`
		DeploymentID string `json:"deploymentId"`
		RequestID    string `json:"requestId"`
		Authorizer   *struct {
			Claims map[string]any `json:"claims"`
		} `json:"authorizer"`
	} `json:"requestContext"`
}

// samCall sends r, wants 200 from a fixture function and decodes its answer.
func samCall(t *testing.T, r req) (*response, *samAnswer) {
	t.Helper()
	resp := do(t, r)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s %s: got %d, want 200 from the function\n%s", r.Method, r.URL, resp.Status, resp)
	}
	var a samAnswer
	rtDecode(t, resp, &a)
	return resp, &a
}

// restEvent decodes the payload 1.0 event of an answer.
func (a *samAnswer) restEvent(t *testing.T) *samRESTEvent {
	t.Helper()
	var ev samRESTEvent
	if err := json.Unmarshal(a.Event, &ev); err != nil {
		t.Fatalf("event: %v\n%s", err, a.Event)
	}
	return &ev
}

// httpEvent decodes the payload 2.0 event of an answer.
func (a *samAnswer) httpEvent(t *testing.T) *httpV2Event {
	t.Helper()
	var ev httpV2Event
	if err := json.Unmarshal(a.Event, &ev); err != nil {
		t.Fatalf("event: %v\n%s", err, a.Event)
	}
	return &ev
}

// assertEnv checks the function's APP_* variables, all of them.
func assertEnv(t *testing.T, a *samAnswer, want map[string]string) {
	t.Helper()
	if !maps.Equal(a.Env, want) {
		t.Errorf("%s sees APP_* variables %v, want %v", a.Function, a.Env, want)
	}
}

// field is one value of an answer and the value AWS gives.
type field struct {
	what      string
	got, want any
}

func assertFields(t *testing.T, fs ...field) {
	t.Helper()
	for _, f := range fs {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s = %#v, want %#v", f.what, f.got, f.want)
		}
	}
}

// ---------------------------------------------------------------------------
// 1. the implicit API and Globals

// TestSAMImplicitAPI: two functions whose Api events name no RestApiId are
// served by SAM's ServerlessRestApi at /Prod/..., and also at SAM's extra
// stage "Stage"; the event carries stage, resource and path parameters;
// Globals give runtime, handler, timeout, memory and environment, and the
// node function's own values win over them.
func TestSAMImplicitAPI(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, samData("implicit.yaml"))
	assertRouteLines(t, in.Stdout(), "GET /Prod/items/{id}", "GET /Prod/items", "POST /Prod/greet/{name}",
		"ANY /Prod/node/{proxy+}", "GET /Stage/items/{id}", "POST /Stage/greet/{name}")

	var prodDeployment string
	t.Run("python function on Prod", func(t *testing.T) {
		r, a := samCall(t, req{URL: in.URL("/Prod/items/42?color=red")})
		assertHeader(t, r.Header, "Content-Type", "application/json")
		assertHeader(t, r.Header, "X-Runtime", "python")
		assertAWSHeaders(t, r)
		if r.Header.Get("X-Amzn-Trace-Id") == "" {
			t.Errorf("X-Amzn-Trace-Id missing on a Lambda proxy answer")
		}
		ev := a.restEvent(t)
		assertFields(t,
			field{"runtime", a.Runtime, "python"},
			field{"function name", a.Function, "implicit-PyFunction"},
			field{"resource", ev.Resource, "/items/{id}"},
			field{"path", ev.Path, "/items/42"},
			field{"httpMethod", ev.HTTPMethod, "GET"},
			field{"pathParameters", ev.PathParameters, map[string]string{"id": "42"}},
			field{"queryStringParameters", ev.QueryStringParameters, map[string]string{"color": "red"}},
			field{"requestContext.stage", ev.RequestContext.Stage, "Prod"},
			field{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/items/{id}"},
			field{"requestContext.path", ev.RequestContext.Path, "/Prod/items/42"},
			field{"requestContext.apiId", ev.RequestContext.APIID, "serverlessrestapi"},
			field{"requestContext.requestId", ev.RequestContext.RequestID, r.Header.Get("x-amzn-RequestId")},
			// Globals.Function.MemorySize and Timeout (2 s, not Lambda's default 3 s)
			field{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", a.Memory, "256"},
		)
		if a.RemainingMs <= 1000 || a.RemainingMs > 2000 {
			t.Errorf("remaining time %d ms, want just under Globals' Timeout of 2 s", a.RemainingMs)
		}
		assertEnv(t, a, map[string]string{"APP_GREETING": "hello from Globals", "APP_TABLE": "global-table"})
		prodDeployment = ev.RequestContext.DeploymentID
	})

	t.Run("a resource without parameters", func(t *testing.T) {
		_, a := samCall(t, req{URL: in.URL("/Prod/items")})
		ev := a.restEvent(t)
		assertFields(t, field{"resource", ev.Resource, "/items"}, field{"path", ev.Path, "/items"})
		if ev.PathParameters != nil {
			t.Errorf("pathParameters = %v, want null", ev.PathParameters)
		}
	})

	t.Run("SAM's Stage stage", func(t *testing.T) {
		// SAM's implicit deployment has StageName "Stage": API Gateway
		// makes that stage too, with the same deployment as Prod.
		r, a := samCall(t, req{URL: in.URL("/Stage/items/7")})
		assertAWSHeaders(t, r)
		ev := a.restEvent(t)
		assertFields(t,
			field{"requestContext.stage", ev.RequestContext.Stage, "Stage"},
			field{"requestContext.path", ev.RequestContext.Path, "/Stage/items/7"},
			field{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/items/{id}"},
			field{"pathParameters", ev.PathParameters, map[string]string{"id": "7"}},
		)
		if prodDeployment == "" || ev.RequestContext.DeploymentID != prodDeployment {
			t.Errorf("Stage's deploymentId %q, Prod's %q: want one deployment", ev.RequestContext.DeploymentID, prodDeployment)
		}
	})

	t.Run("node function overriding Globals", func(t *testing.T) {
		r, a := samCall(t, req{Method: "POST", URL: in.URL("/Prod/greet/ada"), Body: `{"x":1}`,
			Header: map[string]string{"Content-Type": "application/json"}})
		assertHeader(t, r.Header, "X-Runtime", "node")
		assertAWSHeaders(t, r)
		ev := a.restEvent(t)
		body := ""
		if ev.Body != nil {
			body = *ev.Body
		}
		assertFields(t,
			field{"runtime (Runtime: nodejs20.x over Globals' python3.12)", a.Runtime, "node"},
			field{"function name", a.Function, "implicit-NodeFunction"},
			field{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", a.Memory, "512"},
			field{"httpMethod", ev.HTTPMethod, "POST"},
			field{"body", body, `{"x":1}`},
			field{"resource", ev.Resource, "/greet/{name}"},
			field{"pathParameters", ev.PathParameters, map[string]string{"name": "ada"}},
			field{"requestContext.stage", ev.RequestContext.Stage, "Prod"},
		)
		if a.RemainingMs <= 5000 || a.RemainingMs > 6000 {
			t.Errorf("remaining time %d ms, want just under the function's own Timeout of 6 s", a.RemainingMs)
		}
		// Environment.Variables merge with Globals' key by key; the
		// function's value wins.
		assertEnv(t, a, map[string]string{"APP_GREETING": "hello from NodeFunction", "APP_ONLY_NODE": "yes", "APP_TABLE": "global-table"})
	})

	t.Run("greedy path, any method", func(t *testing.T) {
		_, a := samCall(t, req{Method: "DELETE", URL: in.URL("/Prod/node/a/b/c")})
		ev := a.restEvent(t)
		assertFields(t,
			field{"runtime", a.Runtime, "node"},
			field{"resource", ev.Resource, "/node/{proxy+}"},
			field{"httpMethod", ev.HTTPMethod, "DELETE"},
			field{"pathParameters", ev.PathParameters, map[string]string{"proxy": "a/b/c"}},
		)
	})

	t.Run("Globals' Timeout is enforced, the function's own wins", func(t *testing.T) {
		// 2.5 s: past Globals' 2 s (Lambda's default 3 s would let it through).
		r := do(t, req{URL: in.URL("/Prod/items?sleep=2.5")})
		assertGatewayError(t, r, http.StatusBadGateway, internalErrBody, "InternalServerErrorException")
		_, a := samCall(t, req{Method: "GET", URL: in.URL("/Prod/node/slow?sleep=2.5")})
		if a.Runtime != "node" {
			t.Errorf("runtime %q", a.Runtime)
		}
	})

	t.Run("methods and paths no event declares", func(t *testing.T) {
		assertMissingToken(t, get(t, in.URL("/Prod/greet/ada")))
		assertMissingToken(t, get(t, in.URL("/Prod/nothing")))
		assertMissingToken(t, do(t, req{Method: "POST", URL: in.URL("/Stage/items"), Body: "{}"}))
	})
}

// ---------------------------------------------------------------------------
// 2. an explicit Api with a Cognito default authorizer, a public route, CORS

// TestSAMCognitoAPI: MyApi's DefaultAuthorizer (a Cognito user pool of the
// template) guards /profile: 401 without a token or with an access token,
// 200 with an ID token of the local issuer, whose claims reach the
// function; /health (Authorizer: NONE) is public; Cors answers the
// preflight from SAM's OPTIONS mock methods.
func TestSAMCognitoAPI(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, samData("cognito.yaml"))
	profile := in.URL("/v1/profile")
	idToken, accessToken := poolTokens(t, in, "UserPool", `{"username": "ada", "groups": ["admin", "dev"]}`)

	t.Run("protected route refuses", func(t *testing.T) {
		for name, auth := range map[string]string{
			"no token": "",
			"garbage":  "not-a-token",
			"an access token where no scopes are set": accessToken,
			"a tampered ID token":                     idToken[:len(idToken)-4] + "AAAA",
		} {
			t.Run(name, func(t *testing.T) {
				h := map[string]string{}
				if auth != "" {
					h["Authorization"] = auth
				}
				assertGatewayError(t, do(t, req{URL: profile, Header: h}), 401, unauthorizedBody, "UnauthorizedException")
			})
		}
	})

	t.Run("protected route with an ID token", func(t *testing.T) {
		for _, auth := range []string{idToken, "Bearer " + idToken} {
			r, a := samCall(t, req{URL: profile, Header: map[string]string{"Authorization": auth}})
			assertAWSHeaders(t, r)
			ev := a.restEvent(t)
			assertFields(t,
				field{"function", a.Function, "cognito-ProfileFunction"},
				field{"requestContext.stage", ev.RequestContext.Stage, "v1"},
				field{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/profile"},
				field{"requestContext.apiId", ev.RequestContext.APIID, "myapi"},
			)
			if ev.RequestContext.Authorizer == nil {
				t.Fatalf("no requestContext.authorizer in %s", a.Event)
			}
			c := ev.RequestContext.Authorizer.Claims
			assertFields(t,
				field{"claims.cognito:username", c["cognito:username"], "ada"},
				field{"claims.token_use", c["token_use"], "id"},
				field{"claims.cognito:groups", c["cognito:groups"], "admin,dev"},
			)
			if iss, _ := c["iss"].(string); !strings.HasPrefix(iss, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_") {
				t.Errorf("claims.iss = %q, want the pool's cognito-idp URL", iss)
			}
			if aud, _ := c["aud"].(string); aud == "" {
				t.Errorf("claims.aud missing: %v", c)
			}
			for k, v := range c {
				if _, ok := v.(string); !ok {
					t.Errorf("claim %s is %T, API Gateway passes strings", k, v)
				}
			}
			if exp, _ := c["exp"].(string); !strings.Contains(exp, " UTC ") {
				t.Errorf("claims.exp %q, want Java's date format", exp)
			}
		}
	})

	t.Run("public route", func(t *testing.T) {
		r, a := samCall(t, req{URL: in.URL("/v1/health"), Header: map[string]string{"Origin": "https://app.example.com"}})
		assertAWSHeaders(t, r)
		assertHeader(t, r.Header, "X-Runtime", "node")
		ev := a.restEvent(t)
		assertFields(t, field{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/health"},
			field{"requestContext.stage", ev.RequestContext.Stage, "v1"})
		// SAM's Cors adds OPTIONS methods only: a Lambda proxy answer
		// carries the CORS headers its function sets, here none.
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "")
	})

	t.Run("CORS preflight", func(t *testing.T) {
		for _, path := range []string{"/v1/profile", "/v1/health"} {
			r := do(t, req{Method: "OPTIONS", URL: in.URL(path), Header: map[string]string{
				"Origin":                         "https://app.example.com",
				"Access-Control-Request-Method":  "GET",
				"Access-Control-Request-Headers": "authorization",
			}})
			if r.Status != 200 || strings.TrimSpace(string(r.Body)) != "{}" {
				t.Errorf("OPTIONS %s: got %d %q, want 200 and SAM's mock body {}\n%s", path, r.Status, r.Body, r)
			}
			assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://app.example.com")
			assertHeader(t, r.Header, "Access-Control-Allow-Headers", "Content-Type,Authorization")
			assertHeader(t, r.Header, "Access-Control-Allow-Methods", "GET,OPTIONS")
			assertHeader(t, r.Header, "Access-Control-Max-Age", "600")
			assertHeader(t, r.Header, "Content-Type", "application/json")
			assertAWSHeaders(t, r)
		}
	})

	t.Run("preflight under SAM's default AddDefaultAuthorizerToCorsPreflight", func(t *testing.T) {
		// Without AddDefaultAuthorizerToCorsPreflight: false, SAM puts the
		// default authorizer on the OPTIONS methods too, and API Gateway
		// answers a preflight (which carries no token) with 401.
		tpl := samCopy(t, "cognito.yaml", [2]string{"        AddDefaultAuthorizerToCorsPreflight: false\n", ""})
		in := startAPIGW(t, tpl)
		r := do(t, req{Method: "OPTIONS", URL: in.URL("/v1/profile"), Header: map[string]string{
			"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}})
		assertGatewayError(t, r, 401, unauthorizedBody, "UnauthorizedException")
	})
}

// ---------------------------------------------------------------------------
// 3. an HttpApi with a JWT authorizer, and the implicit ServerlessHttpApi

// TestSAMHttpAPI: OrdersApi's DefaultAuthorizer (JWT, the pool's issuer and
// client) answers 401 without a token, lets an access token through, and
// 403 to one without the route's AuthorizationScopes; a NONE route is
// public. HttpApi events without ApiId are served by ServerlessHttpApi on
// its $default stage at the root, with payload 2.0 (or 1.0 when the event
// says so).
func TestSAMHttpAPI(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, samData("httpapi.yaml"))
	assertRouteLines(t, in.Stdout(), "GET /v2/me", "GET /v2/orders", "GET /v2/status", "GET /hello/{name}", "POST /legacy")
	idToken, withScope := poolTokens(t, in, "UserPool", `{"username": "ada", "scopes": ["orders/read"]}`)
	_, otherScope := poolTokens(t, in, "UserPool", `{"username": "bob", "scopes": ["profile"]}`)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

	t.Run("401 without a valid token", func(t *testing.T) {
		for _, h := range []map[string]string{nil, bearer("not-a-token"), bearer(withScope[:len(withScope)-4] + "AAAA")} {
			r := do(t, req{URL: in.URL("/v2/me"), Header: h})
			httpAssertError(t, r, 401, httpUnauthorized)
			if wa := r.Header.Get("www-authenticate"); !strings.HasPrefix(wa, "Bearer") {
				t.Errorf("www-authenticate = %q, want a Bearer challenge", wa)
			}
		}
	})

	t.Run("an access token passes the default authorizer", func(t *testing.T) {
		r, a := samCall(t, req{URL: in.URL("/v2/me"), Header: bearer(otherScope)})
		httpAssertRequestID(t, r)
		ev := a.httpEvent(t)
		assertFields(t,
			field{"function", a.Function, "httpapi-OrdersFunction"},
			field{"version", ev.Version, "2.0"},
			field{"routeKey", ev.RouteKey, "GET /me"},
			field{"rawPath", ev.RawPath, "/v2/me"},
			field{"requestContext.stage", ev.RequestContext.Stage, "v2"},
			field{"requestContext.apiId", ev.RequestContext.APIID, "ordersapi"},
			field{"requestContext.requestId", ev.RequestContext.RequestID, r.Header.Get("apigw-requestid")},
		)
		var auth struct {
			JWT *struct {
				Claims map[string]any `json:"claims"`
				Scopes []string       `json:"scopes"`
			} `json:"jwt"`
		}
		if err := json.Unmarshal(ev.RequestContext.Authorizer, &auth); err != nil || auth.JWT == nil {
			t.Fatalf("requestContext.authorizer = %s, want {\"jwt\": ...}", ev.RequestContext.Authorizer)
		}
		assertFields(t,
			field{"claims.username", auth.JWT.Claims["username"], "bob"},
			field{"claims.token_use", auth.JWT.Claims["token_use"], "access"},
		)
		if !slices.Equal(auth.JWT.Scopes, []string{"profile"}) {
			t.Errorf("scopes = %q, want [profile]", auth.JWT.Scopes)
		}
		// An ID token's aud is the client: the audience accepts it too.
		samCall(t, req{URL: in.URL("/v2/me"), Header: bearer(idToken)})
	})

	t.Run("the route's AuthorizationScopes", func(t *testing.T) {
		httpAssertError(t, do(t, req{URL: in.URL("/v2/orders"), Header: bearer(otherScope)}), 403, httpForbidden)
		httpAssertError(t, do(t, req{URL: in.URL("/v2/orders")}), 401, httpUnauthorized)
		_, a := samCall(t, req{URL: in.URL("/v2/orders"), Header: bearer(withScope)})
		if ev := a.httpEvent(t); ev.RouteKey != "GET /orders" {
			t.Errorf("routeKey %q", ev.RouteKey)
		}
	})

	t.Run("Authorizer NONE is public", func(t *testing.T) {
		r, a := samCall(t, req{URL: in.URL("/v2/status")})
		httpAssertRequestID(t, r)
		if ev := a.httpEvent(t); ev.RouteKey != "GET /status" || len(ev.RequestContext.Authorizer) != 0 && string(ev.RequestContext.Authorizer) != "null" {
			t.Errorf("routeKey %q, authorizer %s", ev.RouteKey, ev.RequestContext.Authorizer)
		}
	})

	t.Run("implicit ServerlessHttpApi at the root, payload 2.0", func(t *testing.T) {
		r, a := samCall(t, req{URL: in.URL("/hello/ada?x=1"), Header: map[string]string{"User-Agent": "sam-e2e"}})
		httpAssertRequestID(t, r)
		assertHeader(t, r.Header, "X-Runtime", "node")
		assertHeader(t, r.Header, "Content-Type", "application/json")
		ev := a.httpEvent(t)
		assertFields(t,
			field{"function", a.Function, "httpapi-HelloFunction"},
			field{"version", ev.Version, "2.0"},
			field{"routeKey", ev.RouteKey, "GET /hello/{name}"},
			field{"rawPath", ev.RawPath, "/hello/ada"},
			field{"rawQueryString", ev.RawQueryString, "x=1"},
			field{"pathParameters", ev.PathParameters, map[string]string{"name": "ada"}},
			field{"requestContext.stage", ev.RequestContext.Stage, "$default"},
			field{"requestContext.apiId", ev.RequestContext.APIID, "serverlesshttpapi"},
			field{"requestContext.http.method", ev.RequestContext.HTTP.Method, "GET"},
			field{"requestContext.http.path", ev.RequestContext.HTTP.Path, "/hello/ada"},
			field{"headers.user-agent", ev.Headers["user-agent"], "sam-e2e"},
			field{"requestContext.requestId", ev.RequestContext.RequestID, r.Header.Get("apigw-requestid")},
		)
	})

	t.Run("PayloadFormatVersion 1.0 on the implicit API", func(t *testing.T) {
		_, a := samCall(t, req{Method: "POST", URL: in.URL("/legacy"), Body: "hi",
			Header: map[string]string{"Content-Type": "text/plain"}})
		ev := a.restEvent(t)
		body := ""
		if ev.Body != nil {
			body = *ev.Body
		}
		assertFields(t,
			field{"version", ev.Version, "1.0"},
			field{"resource", ev.Resource, "/legacy"},
			field{"httpMethod", ev.HTTPMethod, "POST"},
			field{"body", body, "hi"},
			field{"requestContext.stage", ev.RequestContext.Stage, "$default"},
		)
	})

	t.Run("routes no event declares", func(t *testing.T) {
		httpAssertError(t, get(t, in.URL("/nothing")), 404, httpNotFound)
		httpAssertError(t, do(t, req{Method: "DELETE", URL: in.URL("/hello/ada")}), 404, httpNotFound)
	})
}

// ---------------------------------------------------------------------------
// 4. an API key with SAM's usage plan

// TestSAMAPIKeyUsagePlan: Auth.ApiKeyRequired puts every method behind a
// key; Auth.UsagePlan (CreateUsagePlan: PER_API) makes the plan, a key
// with a generated value and the plan key. Without the key 403; the key
// that `aws apigateway get-api-keys --include-values` lists passes; the
// plan's throttle and quota answer 429.
func TestSAMAPIKeyUsagePlan(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, samData("apikey.yaml"))
	url := in.URL("/prod/reports")
	assertGatewayError(t, get(t, url), 403, forbiddenBody, "ForbiddenException")
	assertGatewayError(t, do(t, req{URL: url, Header: map[string]string{"x-api-key": goodKey}}), 403, forbiddenBody, "ForbiddenException")

	var keys struct {
		Items []struct {
			ID, Value string
			Enabled   bool
			StageKeys []string
		}
	}
	awsAdmin(t, in, &keys, "apigateway", "get-api-keys", "--include-values")
	if len(keys.Items) != 1 || len(keys.Items[0].Value) < 20 || !keys.Items[0].Enabled ||
		strings.Join(keys.Items[0].StageKeys, ",") != "keyedapi/prod" {
		t.Fatalf("get-api-keys: %+v, want SAM's one key, enabled, with a generated value, for keyedapi/prod", keys)
	}
	key := keys.Items[0]
	var plans struct {
		Items []struct {
			ID, Name  string
			ApiStages []struct{ ApiId, Stage string }
			Throttle  struct {
				BurstLimit int
				RateLimit  float64
			}
			Quota struct {
				Limit  int
				Period string
			}
		}
	}
	awsAdmin(t, in, &plans, "apigateway", "get-usage-plans")
	if len(plans.Items) != 1 {
		t.Fatalf("get-usage-plans: %+v, want SAM's one plan", plans)
	}
	plan := plans.Items[0]
	if plan.Name != "sam-plan" || len(plan.ApiStages) != 1 || plan.ApiStages[0].ApiId != "keyedapi" || plan.ApiStages[0].Stage != "prod" ||
		plan.Throttle.BurstLimit != 4 || plan.Throttle.RateLimit != 2 || plan.Quota.Limit != 12 || plan.Quota.Period != "DAY" {
		t.Errorf("get-usage-plans: %+v", plan)
	}

	withKey := req{URL: url, Header: map[string]string{"x-api-key": key.Value}}
	// The plan covers the prod stage only, not SAM's extra Stage stage.
	assertGatewayError(t, do(t, req{URL: in.URL("/Stage/reports"), Header: withKey.Header}), 403, forbiddenBody, "ForbiddenException")

	// Throttle: burst 4, then 2 a second. The function is warmed first
	// through the Invoke API, so that its cold start does not refill the
	// bucket between the quick requests.
	if r := do(t, req{Method: "POST", URL: in.URL("/2015-03-31/functions/apikey-ReportsFunction/invocations"), Body: "{}"}); r.Status != 200 {
		t.Fatalf("warming the function through the Invoke API: %s", r)
	}
	got := map[int]int{}
	var throttled *response
	for range 8 {
		r := do(t, withKey)
		switch r.Status {
		case 200:
			var a samAnswer
			rtDecode(t, r, &a)
			if a.restEvent(t).RequestContext.Stage != "prod" {
				t.Errorf("event of %s", r)
			}
		case 429:
			throttled = r
			if string(r.Body) != throttledBody {
				t.Fatalf("429 %q, want %s", r.Body, throttledBody)
			}
		default:
			t.Fatalf("unexpected answer %s", r)
		}
		got[r.Status]++
	}
	if got[200] < 4 || got[200] > 6 || got[429] < 2 {
		t.Errorf("8 quick requests: %v, want the burst of 4 (give or take the refill) then 429", got)
	}
	if throttled != nil {
		assertGatewayError(t, throttled, 429, throttledBody, "TooManyRequestsException")
	}

	// Quota: 12 a day; throttled requests do not count.
	served := got[200]
	var last *response
	for tries := 0; tries < 100; tries++ {
		r := do(t, withKey)
		if r.Status == 200 {
			served++
			continue
		}
		if r.Status == 429 && string(r.Body) == throttledBody {
			time.Sleep(300 * time.Millisecond)
			continue
		}
		last = r
		break
	}
	if last == nil {
		t.Fatalf("no quota answer after 100 requests (%d served)", served)
	}
	assertGatewayError(t, last, 429, quotaBody, "LimitExceededException")
	if served != 12 {
		t.Errorf("%d requests served before the quota answered, want the plan's 12", served)
	}
	today := time.Now().UTC().Format("2006-01-02")
	var usage struct{ Items map[string][][2]int64 }
	awsAdmin(t, in, &usage, "apigateway", "get-usage", "--usage-plan-id", plan.ID, "--start-date", today, "--end-date", today)
	if u := usage.Items[key.ID]; len(u) != 1 || u[0] != [2]int64{12, 0} {
		t.Errorf("get-usage: %+v, want [[12 0]] for key %s", usage, key.ID)
	}
}

// ---------------------------------------------------------------------------
// 5. SAM's references

// TestSAMReferences: !Ref MyApi.Stage, ${MyApi.Stage} in Fn::Sub,
// !Ref MyApi.Deployment and !GetAtt of generated resources resolve, in a
// function's environment (of a function MyApi does not call: one it calls
// would be a circular dependency) and in Outputs; --param StageName moves
// the stage and what refers to it.
func TestSAMReferences(t *testing.T) {
	rtRequireInterpreters(t)
	if stdout, stderr, code := runValidate(t, samData("cognito.yaml")); code != 0 || !strings.Contains(stdout, "cognito.yaml: OK") {
		t.Fatalf("validate (Outputs with SAM's references): exit %d\n%s%s", code, stdout, stderr)
	}
	in := startAPIGW(t, samData("cognito.yaml"))
	_, health := samCall(t, req{URL: in.URL("/v1/health")})
	deployment := health.restEvent(t).RequestContext.DeploymentID
	_, info := samCall(t, req{URL: in.URL("/Prod/info")})
	if ev := info.restEvent(t); ev.RequestContext.APIID != "serverlessrestapi" || ev.RequestContext.Stage != "Prod" {
		t.Errorf("InfoFunction is served by %s/%s, want the implicit API's Prod", ev.RequestContext.APIID, ev.RequestContext.Stage)
	}
	e := info.Env
	assertFields(t,
		field{"APP_STAGE (!Ref MyApi.Stage)", e["APP_STAGE"], "v1"},
		field{"APP_API (!Ref MyApi)", e["APP_API"], "myapi"},
		field{"APP_URL (${MyApi.Stage} in Fn::Sub)", e["APP_URL"], "https://myapi.execute-api.us-east-1.amazonaws.com/v1/profile"},
		field{"APP_DEPLOYMENT (!Ref MyApi.Deployment) is the stage's deploymentId", e["APP_DEPLOYMENT"], deployment},
	)
	if deployment == "" {
		t.Errorf("no deploymentId in the event of /v1/health")
	}
	if e["APP_ROOT"] == "" {
		t.Errorf("APP_ROOT (!GetAtt MyApi.RootResourceId) is empty: %v", e)
	}
	t.Run("IAM role ARN", func(t *testing.T) {
		// !GetAtt ProfileFunctionRole.Arn: the role SAM makes for a
		// function without Role. IAM ARNs have no region.
		if !regexp.MustCompile(`^arn:aws:iam::123456789012:role/\S*ProfileFunctionRole\S*$`).MatchString(e["APP_ROLE"]) {
			t.Errorf("APP_ROLE (!GetAtt ProfileFunctionRole.Arn) = %q, want arn:aws:iam::123456789012:role/...ProfileFunctionRole...", e["APP_ROLE"])
		}
	})

	t.Run("--param StageName", func(t *testing.T) {
		in := startAPIGW(t, samData("cognito.yaml"), "--param", "StageName=beta")
		_, h := samCall(t, req{URL: in.URL("/beta/health")})
		if st := h.restEvent(t).RequestContext.Stage; st != "beta" {
			t.Errorf("stage %q, want beta", st)
		}
		_, info := samCall(t, req{URL: in.URL("/Prod/info")})
		assertFields(t,
			field{"APP_STAGE", info.Env["APP_STAGE"], "beta"},
			field{"APP_URL", info.Env["APP_URL"], "https://myapi.execute-api.us-east-1.amazonaws.com/beta/profile"},
		)
	})
}

// TestSAMTrailingSlashPath: an Api event's Path with a trailing slash
// (Path: /items/) deploys on AWS: API Gateway imports the path as the
// resource /items (SAM's own CORS code relies on it, aws/serverless-
// application-model#3844), which answers /items and /items/.
func TestSAMTrailingSlashPath(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := samCopy(t, "implicit.yaml", [2]string{"            Path: /items\n", "            Path: /items/\n"})
	if stdout, stderr, code := runValidate(t, tpl); code != 0 {
		t.Fatalf("validate exited %d, want 0\n%s%s", code, stdout, stderr)
	}
	in := startAPIGW(t, tpl)
	for _, path := range []string{"/Prod/items", "/Prod/items/"} {
		_, a := samCall(t, req{URL: in.URL(path)})
		if ev := a.restEvent(t); ev.Resource != "/items" || ev.RequestContext.ResourcePath != "/items" {
			t.Errorf("GET %s: resource %q, resourcePath %q, want /items", path, ev.Resource, ev.RequestContext.ResourcePath)
		}
	}
}

// TestSAMWithoutCodeUri: a function with neither CodeUri nor InlineCode
// runs from the template's folder in `sam local start-api` (SAM CLI's
// DEFAULT_CODEURI is ".", and `sam deploy` packages that folder), as in the
// shape of `sam init`'s web backend quick start.
func TestSAMWithoutCodeUri(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := samData("web-backend/template.yaml")
	if stdout, stderr, code := runValidate(t, tpl); code != 0 {
		t.Fatalf("validate exited %d, want 0\n%s%s", code, stdout, stderr)
	}
	in := startAPIGW(t, tpl)
	for _, path := range []string{"/Prod/", "/Prod"} {
		r := do(t, req{URL: in.URL(path)})
		var got struct{ Table, Method, Resource string }
		if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil || got.Method != "GET" || got.Resource != "/" ||
			!strings.HasPrefix(got.Table, "template-SampleTable") {
			t.Errorf("GET %s: want 200 from the function at resource / with the table's generated name\n%s", path, r)
		}
	}
}

// ---------------------------------------------------------------------------
// 6. broken SAM input

// TestSAMValidateErrors: a broken SAM template gets one error naming the
// SAM resource, the property and its line in the user's template (not in
// generated CloudFormation), from validate (exit 1) and serve (exit 1,
// never listening).
func TestSAMValidateErrors(t *testing.T) {
	cases := []struct {
		name, file, at string // at: the text on the line the error points to
		words          []string
	}{
		{"an event on an undefined API", "bad/undefined-api.yaml", "RestApiId: !Ref OrderApi",
			[]string{"OrdersFunction", "Events.ListOrders", "RestApiId", "OrderApi", "did you mean OrdersApi"}},
		{"a DefaultAuthorizer that Authorizers does not define", "bad/undefined-authorizer.yaml", "DefaultAuthorizer: CognitoAuth",
			[]string{"SecureApi", "Auth.DefaultAuthorizer", "CognitoAuth"}},
		{"a CodeUri folder that does not exist", "bad/missing-codeuri.yaml", "CodeUri: ../src/no-such-folder/",
			[]string{"LostFunction", "CodeUri", "no-such-folder"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := samData(c.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			line := lineOf(t, string(b), c.at)
			base := filepath.Base(path)
			stdout, stderr, code := runValidate(t, path)
			if code != 1 {
				t.Errorf("validate exited %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			assertErrorLine(t, stderr, base, []int{line}, c.words)
			if n := strings.Count(stderr, "error: "); n != 1 {
				t.Errorf("%d errors, want the one (no follow-on errors from generated resources):\n%s", n, stderr)
			}
			if strings.Contains(stderr, "Body.paths") || strings.Contains(stderr, "x-amazon-apigateway") {
				t.Errorf("the error speaks of generated CloudFormation:\n%s", stderr)
			}
			_, serr := runServeExpectFail(t, path)
			assertErrorLine(t, serr, base, []int{line}, c.words)
		})
	}

	t.Run("a function naming the API that calls it", func(t *testing.T) {
		// As in CloudFormation: MyApi's definition refers to the
		// function, the function's environment to MyApi's stage.
		tpl := samCopy(t, "cognito.yaml", [2]string{
			"  ProfileFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n",
			"  ProfileFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      Environment:\n        Variables:\n          APP_STAGE: !Ref MyApi.Stage\n",
		})
		b, _ := os.ReadFile(tpl)
		_, stderr, code := runValidate(t, tpl)
		if code != 1 {
			t.Fatalf("validate exited %d, want 1\n%s", code, stderr)
		}
		assertErrorLine(t, stderr, "cognito.yaml", []int{lineOf(t, string(b), "GetProfile:"), lineOf(t, string(b), "APP_STAGE: !Ref MyApi.Stage")},
			[]string{"circular dependency", "ProfileFunction", "MyApi"})
	})
}

// ---------------------------------------------------------------------------
// 7. no Transform line

// TestSAMWithoutTransform: a template with AWS::Serverless::Function but no
// Transform line is run through the SAM transform, as SAM's tools do, with
// a note saying so.
func TestSAMWithoutTransform(t *testing.T) {
	rtRequireInterpreters(t)
	const note = "the template has AWS::Serverless::* resources but no Transform: AWS::Serverless-2016-10-31"
	stdout, stderr, code := runValidate(t, samData("no-transform.yaml"))
	if code != 0 || !strings.Contains(stdout, "note: "+note) || !strings.Contains(stdout, "no-transform.yaml: OK") {
		t.Errorf("validate: exit %d, want 0 with the note\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	assertRouteLines(t, stdout, "GET /Prod/ping", "GET /Stage/ping")
	in := startAPIGW(t, samData("no-transform.yaml"))
	r, a := samCall(t, req{URL: in.URL("/Prod/ping")})
	assertAWSHeaders(t, r)
	assertEnv(t, a, map[string]string{"APP_MODE": "no-transform"})
	if ev := a.restEvent(t); ev.RequestContext.Stage != "Prod" || ev.Resource != "/ping" || a.Runtime != "node" {
		t.Errorf("runtime %s, stage %q, resource %q", a.Runtime, ev.RequestContext.Stage, ev.Resource)
	}
	if !strings.Contains(in.Stderr(), note) {
		t.Errorf("serve logged no note about the missing Transform:\n%s", in.Stderr())
	}
}

// ---------------------------------------------------------------------------
// SAM CLI's local conventions with a SAM template

// TestSAMLocalConventions: samconfig.toml's parameter_overrides and
// --env-vars apply to a SAM template as they do for `sam local start-api`:
// a variable that Globals declares counts as declared by each function.
func TestSAMLocalConventions(t *testing.T) {
	rtRequireInterpreters(t)
	t.Run("--env-vars over Globals", func(t *testing.T) {
		env := writeFile(t, "env.json", `{"Parameters": {"APP_TABLE": "env-table"},
 "NodeFunction": {"APP_GREETING": "from env-vars", "APP_UNDECLARED": "x"}}`)
		in := startAPIGW(t, samData("implicit.yaml"), "--env-vars", env)
		_, py := samCall(t, req{URL: in.URL("/Prod/items/1")})
		assertEnv(t, py, map[string]string{"APP_GREETING": "hello from Globals", "APP_TABLE": "env-table"})
		_, node := samCall(t, req{Method: "POST", URL: in.URL("/Prod/greet/x")})
		assertEnv(t, node, map[string]string{"APP_GREETING": "from env-vars", "APP_ONLY_NODE": "yes", "APP_TABLE": "env-table"})
	})

	t.Run("samconfig.toml parameter_overrides", func(t *testing.T) {
		tpl := samCopy(t, "cognito.yaml")
		toml := "version = 0.1\n[default.deploy.parameters]\nparameter_overrides = \"StageName=staging\"\n"
		if err := os.WriteFile(filepath.Join(filepath.Dir(tpl), "samconfig.toml"), []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		in := startAPIGW(t, tpl)
		_, h := samCall(t, req{URL: in.URL("/staging/health")})
		if st := h.restEvent(t).RequestContext.Stage; st != "staging" {
			t.Errorf("stage %q, want staging", st)
		}
		_, info := samCall(t, req{URL: in.URL("/Prod/info")})
		if info.Env["APP_STAGE"] != "staging" {
			t.Errorf("APP_STAGE %q, want staging", info.Env["APP_STAGE"])
		}
	})
}

// ---------------------------------------------------------------------------
// hot reload of a SAM application

// TestSAMReload: editing a SAM template (a new event, a changed Global)
// or a function's CodeUri folder reloads, as `sam local start-api` users
// expect; a broken SAM edit is reported against the SAM resource while the
// old configuration keeps serving.
func TestSAMReload(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := samCopy(t, "implicit.yaml")
	in := startAPIGW(t, tpl)
	assertMissingToken(t, get(t, in.URL("/Prod/extra")))
	b, err := os.ReadFile(tpl)
	if err != nil {
		t.Fatal(err)
	}
	edited := rlReplace(t, string(b), "        ListItems:\n",
		"        Extra:\n          Type: Api\n          Properties: {Path: /extra, Method: get}\n        ListItems:\n")
	edited = rlReplace(t, edited, "APP_TABLE: global-table", "APP_TABLE: edited-table")
	rlWriteAtomic(t, tpl, edited)
	rlWaitFor(t, 10*time.Second, "GET /Prod/extra answering 200", func() bool {
		r, err := send(req{URL: in.URL("/Prod/extra")})
		return err == nil && r.Status == 200
	})
	_, a := samCall(t, req{URL: in.URL("/Prod/extra")})
	if ev := a.restEvent(t); ev.Resource != "/extra" || a.Env["APP_TABLE"] != "edited-table" {
		t.Errorf("after the edit: resource %q, env %v", ev.Resource, a.Env)
	}
	_, node := samCall(t, req{Method: "POST", URL: in.URL("/Prod/greet/x")})
	if node.Env["APP_TABLE"] != "edited-table" {
		t.Errorf("the node function's APP_TABLE (from Globals) = %q after the edit", node.Env["APP_TABLE"])
	}

	// A broken edit: the old configuration keeps serving, the error names
	// the SAM resource and property.
	failures := rlFailures(in.Stderr())
	broken := rlReplace(t, edited, "          Properties: {Path: /extra, Method: get}\n",
		"          Properties: {Path: /extra, Method: get, RestApiId: !Ref NoSuchApi}\n")
	rlWriteAtomic(t, tpl, broken)
	rlWaitFailures(t, in, failures, 10*time.Second)
	s := rlAssertStateFailed(t, in, nil)
	if joined := strings.Join(s.Errors, "\n"); !strings.Contains(joined, "PyFunction") || !strings.Contains(joined, "RestApiId") || !strings.Contains(joined, "NoSuchApi") {
		t.Errorf("GET /reload errors %q, want PyFunction, RestApiId and NoSuchApi named", s.Errors)
	}
	samCall(t, req{URL: in.URL("/Prod/extra")})

	// The function's code folder.
	rlWriteAtomic(t, tpl, edited)
	code := filepath.Join(filepath.Dir(tpl), "src", "py", "app.py")
	rlWriteInPlace(t, code, "def handler(event, context):\n    return {\"statusCode\": 200, \"body\": \"edited code\"}\n")
	rlWaitBody(t, in.URL("/Prod/extra"), 200, "edited code", 10*time.Second)
}

// ---------------------------------------------------------------------------
// notes

var samNoteIDRE = regexp.MustCompile(`(?m)^note: ([A-Z][A-Za-z0-9]*)\b`)

// TestSAMNotes: what apigw does not act on is noted by the names the user
// wrote (AutoPublishAlias, Layers of a SAM function), never by the logical
// IDs of resources SAM generated (a version, a usage plan's key), which
// the user's template does not contain.
func TestSAMNotes(t *testing.T) {
	for _, c := range []struct {
		file  string
		notes []string // each must appear in a note
	}{
		{"implicit.yaml", []string{"PyFunction: AutoPublishAlias live", "PyFunction (AWS::Serverless::Function): Layers accepted, not applied locally"}},
		{"apikey.yaml", nil},
		{"cognito.yaml", nil},
		{"httpapi.yaml", nil},
	} {
		t.Run(c.file, func(t *testing.T) {
			b, err := os.ReadFile(samData(c.file))
			if err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runValidate(t, samData(c.file))
			if code != 0 {
				t.Fatalf("validate exited %d\n%s%s", code, stdout, stderr)
			}
			for _, n := range c.notes {
				if !strings.Contains(stdout, "note: "+n) {
					t.Errorf("no note %q:\n%s", n, stdout)
				}
			}
			for _, m := range samNoteIDRE.FindAllStringSubmatch(stdout, -1) {
				if !strings.Contains(string(b), "\n  "+m[1]+":\n") {
					t.Errorf("a note names %s, which %s does not declare (SAM generated it):\n%s", m[1], c.file, stdout)
				}
			}
		})
	}
}
