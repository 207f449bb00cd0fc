package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// rawPayload is a handler result written to the Invoke API response as it is.
type rawPayload string

// proxyHandler is an aws-lambda-go style handler for API Gateway proxy
// events; it may return events.APIGatewayProxyResponse, any other value
// (marshalled to JSON), or rawPayload.
type proxyHandler func(ctx context.Context, name string, ev events.APIGatewayProxyRequest) (any, error)

// invocation is one call the Invoke API received.
type invocation struct {
	Name    string // the function name in the URL
	Header  http.Header
	Payload []byte
	Event   events.APIGatewayProxyRequest
}

// invokeAPI is a real Lambda Invoke API (POST
// /2015-03-31/functions/{name}/invocations) that runs a handler in-process,
// with Lambda's answers: 200 and the result, or 200 with
// X-Amz-Function-Error: Unhandled and an aws-lambda-go error payload.
type invokeAPI struct {
	*httptest.Server
	handler proxyHandler
	mu      sync.Mutex
	calls   []invocation
}

var invokePath = regexp.MustCompile(`^/2015-03-31/functions/([^/]+)/invocations$`)

func newInvokeAPI(t *testing.T, h proxyHandler) *invokeAPI {
	t.Helper()
	api := &invokeAPI{handler: h}
	api.Server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.Server.Close)
	return api
}

func (api *invokeAPI) serve(w http.ResponseWriter, r *http.Request) {
	m := invokePath.FindStringSubmatch(r.URL.EscapedPath())
	if r.Method != http.MethodPost || m == nil {
		w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"Type":"User","Message":"Function not found: %s"}`, r.URL.Path)
		return
	}
	payload, _ := io.ReadAll(r.Body)
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		w.Header().Set("X-Amzn-ErrorType", "InvalidRequestContentException")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"Type":"User","message":"Could not parse request body into json: %s"}`, err)
		return
	}
	api.mu.Lock()
	api.calls = append(api.calls, invocation{Name: m[1], Header: r.Header.Clone(), Payload: payload, Event: ev})
	api.mu.Unlock()

	out, err := api.handler(r.Context(), m[1], ev)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		b, _ := json.Marshal(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
		w.Write(b)
		return
	}
	if raw, ok := out.(rawPayload); ok {
		w.Write([]byte(raw))
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		fmt.Fprintf(w, `{"errorMessage":%q,"errorType":"MarshalerError"}`, err.Error())
		return
	}
	w.Write(b)
}

func (api *invokeAPI) last(t *testing.T) invocation {
	t.Helper()
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.calls) == 0 {
		t.Fatalf("the function was not invoked")
	}
	return api.calls[len(api.calls)-1]
}

func (api *invokeAPI) count() int {
	api.mu.Lock()
	defer api.mu.Unlock()
	return len(api.calls)
}

// writeConfig writes a --config file that sends each function to endpoint.
func writeConfig(t *testing.T, endpoint string, functions ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("functions:\n")
	for _, f := range functions {
		fmt.Fprintf(&b, "  %s: {endpoint: %s}\n", f, endpoint)
	}
	return writeFile(t, "apigw.yaml", b.String())
}

// lambdaCases are the function's answers for GET /prod/cases/{case} and
// what API Gateway makes of them (aws-reference §3.2, AWS-recorded).
var lambdaCases = []struct {
	name   string
	result any // what the handler returns; error for a function error
	status int
	body   string
	header map[string]string // expected response headers ("" = absent)
}{
	{"go response", events.APIGatewayProxyResponse{StatusCode: 202, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "hi"},
		202, "hi", map[string]string{"Content-Type": "text/plain"}},
	{"go response json", events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json", "X-Req": "1"}, Body: `{"users":[]}`},
		200, `{"users":[]}`, map[string]string{"Content-Type": "application/json", "X-Req": "1"}},
	{"statusCode as string", rawPayload(`{"statusCode":"201","body":"created"}`), 201, "created", nil},
	{"no statusCode", rawPayload(`{"headers":{"X-A":"1"},"body":"nostatus"}`), 200, "nostatus", map[string]string{"X-A": "1"}},
	{"only statusCode", rawPayload(`{"statusCode":200}`), 200, "", map[string]string{"Content-Type": "application/json"}},
	{"null headers", rawPayload(`{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":"x"}`), 200, "x", nil},
	{"boolean header", rawPayload(`{"statusCode":200,"headers":{"X-Bool":true,"X-False":false}}`), 200, "",
		map[string]string{"X-Bool": "true", "X-False": "false"}},
	{"multiValueHeaders", rawPayload(`{"statusCode":200,"multiValueHeaders":{"X-Multi":["a","b"]}}`), 200, "",
		map[string]string{"X-Multi": "a, b"}},
	{"multi and single", rawPayload(`{"statusCode":200,"multiValueHeaders":{"test-multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}`), 200, "",
		map[string]string{"test-multi": "value-multi, value-solo"}},
	{"several cookies", rawPayload(`{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1; Path=/","b=2; Path=/"]}}`), 200, "", nil},
	{"base64 without binary media types", rawPayload(`{"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true}`), 200, "dGVzdC1kYXRh", nil},
	{"status 404 from the function", rawPayload(`{"statusCode":404,"body":"{\"message\":\"nope\"}"}`), 404, `{"message":"nope"}`,
		map[string]string{"x-amzn-ErrorType": ""}},
	// malformed responses and function errors: 502 Internal server error
	{"unknown key", rawPayload(`{"statusCode":200,"wrongValue":"value"}`), 502, internalErrBody, nil},
	{"not JSON", rawPayload(`not json`), 502, internalErrBody, nil},
	{"JSON string", rawPayload(`"justAString"`), 502, internalErrBody, nil},
	{"statusCode not a number", rawPayload(`{"statusCode":"test"}`), 502, internalErrBody, nil},
	{"multiValueHeaders not a list", rawPayload(`{"statusCode":200,"multiValueHeaders":{"x":"value1"}}`), 502, internalErrBody, nil},
	{"function error", errors.New("boom"), 502, internalErrBody, nil},
}

func lambdaHandler(ctx context.Context, name string, ev events.APIGatewayProxyRequest) (any, error) {
	switch ev.Resource {
	case "/slow":
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: "too late"}, nil
	case "/cases/{case}":
		for _, c := range lambdaCases {
			if strings.ReplaceAll(c.name, " ", "-") == ev.PathParameters["case"] {
				if err, ok := c.result.(error); ok {
					return nil, err
				}
				return c.result, nil
			}
		}
		return nil, fmt.Errorf("no case %q", ev.PathParameters["case"])
	}
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"},
		Body: fmt.Sprintf(`{"resource":%q,"method":%q}`, ev.Resource, ev.HTTPMethod)}, nil
}

// TestLambdaProxyEvent checks the event apigw sends (payload format 1.0).
func TestLambdaProxyEvent(t *testing.T) {
	fn := newInvokeAPI(t, lambdaHandler)
	in := startAPIGW(t, testdata("lambda.yaml"), "--config", writeConfig(t, fn.URL, "Fn"))

	t.Run("GET with path and query parameters", func(t *testing.T) {
		before := time.Now()
		r := do(t, req{URL: in.URL("/prod/users/42?x=1&x=2&y=a%2Bb&z=foo+bar"),
			Header: map[string]string{"User-Agent": "e2e-test", "Connection": "keep-alive"},
			Add:    [][2]string{{"X-Custom", "v1"}, {"X-Custom", "v2"}}})
		assertStatusBody(t, r, 200, `{"resource":"/users/{id}","method":"GET"}`)
		assertHeader(t, r.Header, "Content-Type", "application/json")
		assertAWSHeaders(t, r)
		if r.Header.Get("X-Amzn-Trace-Id") == "" {
			t.Errorf("X-Amzn-Trace-Id missing on a Lambda proxy response")
		}
		call := fn.last(t)
		if ct := call.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
			t.Errorf("Invoke API request Content-Type %q", ct)
		}
		if it := call.Header.Get("X-Amz-Invocation-Type"); it != "" && it != "RequestResponse" {
			t.Errorf("X-Amz-Invocation-Type %q, want RequestResponse", it)
		}
		ev := call.Event
		checks := []struct {
			what      string
			got, want any
		}{
			{"resource", ev.Resource, "/users/{id}"},
			{"path", ev.Path, "/users/42"},
			{"httpMethod", ev.HTTPMethod, "GET"},
			{"headers[X-Custom]", ev.Headers["X-Custom"], "v2"},
			{"multiValueHeaders[X-Custom]", ev.MultiValueHeaders["X-Custom"], []string{"v1", "v2"}},
			{"headers[User-Agent]", ev.Headers["User-Agent"], "e2e-test"},
			{"headers[Host]", ev.Headers["Host"], in.Addr},
			{"headers[X-Forwarded-For]", ev.Headers["X-Forwarded-For"], "127.0.0.1"},
			{"headers[X-Forwarded-Proto]", ev.Headers["X-Forwarded-Proto"], "http"},
			{"headers[X-Forwarded-Port]", ev.Headers["X-Forwarded-Port"], in.Addr[strings.LastIndexByte(in.Addr, ':')+1:]},
			{"headers[X-Amzn-Trace-Id] is the response's", ev.Headers["X-Amzn-Trace-Id"], r.Header.Get("X-Amzn-Trace-Id")},
			{"queryStringParameters", ev.QueryStringParameters, map[string]string{"x": "2", "y": "a+b", "z": "foo bar"}},
			{"multiValueQueryStringParameters", ev.MultiValueQueryStringParameters, map[string][]string{"x": {"1", "2"}, "y": {"a+b"}, "z": {"foo bar"}}},
			{"pathParameters", ev.PathParameters, map[string]string{"id": "42"}},
			{"stageVariables", ev.StageVariables, map[string]string{"env": "test", "color": "blue"}},
			{"isBase64Encoded", ev.IsBase64Encoded, false},
			{"requestContext.path", ev.RequestContext.Path, "/prod/users/42"},
			{"requestContext.stage", ev.RequestContext.Stage, "prod"},
			{"requestContext.resourcePath", ev.RequestContext.ResourcePath, "/users/{id}"},
			{"requestContext.httpMethod", ev.RequestContext.HTTPMethod, "GET"},
			{"requestContext.requestId", ev.RequestContext.RequestID, r.Header.Get("x-amzn-RequestId")},
			{"requestContext.apiId", ev.RequestContext.APIID, "api"},
			{"requestContext.accountId", ev.RequestContext.AccountID, "123456789012"},
			{"requestContext.protocol", ev.RequestContext.Protocol, "HTTP/1.1"},
			{"requestContext.identity.sourceIp", ev.RequestContext.Identity.SourceIP, "127.0.0.1"},
			{"requestContext.identity.userAgent", ev.RequestContext.Identity.UserAgent, "e2e-test"},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("event %s = %#v, want %#v", c.what, c.got, c.want)
			}
		}
		for _, h := range []string{"Connection", "Content-Length"} {
			if _, ok := ev.Headers[h]; ok {
				t.Errorf("event headers include %s", h)
			}
		}
		if e := ev.RequestContext.RequestTimeEpoch; e < before.Add(-time.Minute).UnixMilli() || e > time.Now().Add(time.Minute).UnixMilli() {
			t.Errorf("requestContext.requestTimeEpoch = %d, want now in ms", e)
		}
		if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", ev.RequestContext.RequestTime); err != nil {
			t.Errorf("requestContext.requestTime %q: %v", ev.RequestContext.RequestTime, err)
		}
		raw := rawFields(t, call.Payload)
		if got := string(raw["body"]); got != "null" {
			t.Errorf("event body on a GET = %s, want null", got)
		}
	})

	t.Run("POST with a body, no parameters", func(t *testing.T) {
		r := do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `{"name":"Ada"}`,
			Header: map[string]string{"Content-Type": "application/json"}})
		assertStatusBody(t, r, 200, `{"resource":"/users","method":"POST"}`)
		call := fn.last(t)
		if call.Event.Body != `{"name":"Ada"}` || call.Event.HTTPMethod != "POST" || call.Event.Path != "/users" {
			t.Errorf("event %s %s body %q", call.Event.HTTPMethod, call.Event.Path, call.Event.Body)
		}
		if call.Event.Headers["Content-Type"] != "application/json" {
			t.Errorf("event headers[Content-Type] = %q", call.Event.Headers["Content-Type"])
		}
		raw := rawFields(t, call.Payload)
		for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters"} {
			if got := string(raw[k]); got != "null" {
				t.Errorf("event %s = %s, want null", k, got)
			}
		}
	})

	t.Run("stage without variables", func(t *testing.T) {
		r := get(t, in.URL("/bare/users"))
		assertStatusBody(t, r, 200, `{"resource":"/users","method":"GET"}`)
		call := fn.last(t)
		raw := rawFields(t, call.Payload)
		if got := string(raw["stageVariables"]); got != "null" {
			t.Errorf("event stageVariables = %s, want null", got)
		}
		if call.Event.RequestContext.Stage != "bare" || call.Event.RequestContext.Path != "/bare/users" || call.Event.Path != "/users" {
			t.Errorf("event stage %q, requestContext.path %q, path %q", call.Event.RequestContext.Stage, call.Event.RequestContext.Path, call.Event.Path)
		}
	})
}

// TestLambdaProxyPaths: how the request path and query string appear in
// the event, for a greedy resource (aws-reference §1, AWS-recorded with
// resource /{proxy+}; here /files/{proxy+}).
func TestLambdaProxyPaths(t *testing.T) {
	fn := newInvokeAPI(t, lambdaHandler)
	in := startAPIGW(t, testdata("lambda.yaml"), "--config", writeConfig(t, fn.URL, "Fn"))

	cases := []struct {
		target                   string
		path, proxy, contextPath string
	}{
		{"/prod/files/proxy-value", "/files/proxy-value", "proxy-value", "/prod/files/proxy-value"},
		{"/prod/files/proxy-value/", "/files/proxy-value/", "proxy-value", "/prod/files/proxy-value/"},
		{"/prod/files/proxy-value//double-slash", "/files/proxy-value//double-slash", "proxy-value//double-slash", "/prod/files/proxy-value//double-slash"},
		{"//prod/files/proxy-value", "/files/proxy-value", "proxy-value", "/prod/files/proxy-value"},
		{"/prod//files/proxy-value", "/files/proxy-value", "proxy-value", "/prod//files/proxy-value"},
		{"/prod/files/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"/files/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"/prod/files/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			r := rawRequest(t, in.Addr, simpleRequest(in, "GET", c.target))
			assertStatusBody(t, r, 200, `{"resource":"/files/{proxy+}","method":"GET"}`)
			ev := fn.last(t).Event
			if ev.Path != c.path || ev.PathParameters["proxy"] != c.proxy || ev.RequestContext.Path != c.contextPath {
				t.Errorf("event path %q, pathParameters.proxy %q, requestContext.path %q; want %q, %q, %q",
					ev.Path, ev.PathParameters["proxy"], ev.RequestContext.Path, c.path, c.proxy, c.contextPath)
			}
			if ev.Resource != "/files/{proxy+}" || ev.RequestContext.ResourcePath != "/files/{proxy+}" {
				t.Errorf("event resource %q, resourcePath %q", ev.Resource, ev.RequestContext.ResourcePath)
			}
		})
	}

	t.Run("query strings are decoded", func(t *testing.T) {
		r := rawRequest(t, in.Addr, simpleRequest(in, "GET",
			"/prod/files/q?email=test%2Balias@gmail.com&plus=test+alias@gmail.com&whitespace=foo%20bar&category=electronics&category=books"))
		assertStatusBody(t, r, 200, `{"resource":"/files/{proxy+}","method":"GET"}`)
		ev := fn.last(t).Event
		wantSingle := map[string]string{"email": "test+alias@gmail.com", "plus": "test alias@gmail.com", "whitespace": "foo bar", "category": "books"}
		wantMulti := map[string][]string{"email": {"test+alias@gmail.com"}, "plus": {"test alias@gmail.com"}, "whitespace": {"foo bar"}, "category": {"electronics", "books"}}
		if !reflect.DeepEqual(ev.QueryStringParameters, wantSingle) {
			t.Errorf("queryStringParameters = %v, want %v", ev.QueryStringParameters, wantSingle)
		}
		if !reflect.DeepEqual(ev.MultiValueQueryStringParameters, wantMulti) {
			t.Errorf("multiValueQueryStringParameters = %v, want %v", ev.MultiValueQueryStringParameters, wantMulti)
		}
	})

	t.Run("ANY passes the real method", func(t *testing.T) {
		for _, m := range []string{"DELETE", "PUT", "PATCH", "OPTIONS"} {
			r := do(t, req{Method: m, URL: in.URL("/prod/files/x"), Body: map[bool]string{true: "data"}[m == "PUT"]})
			assertStatusBody(t, r, 200, fmt.Sprintf(`{"resource":"/files/{proxy+}","method":%q}`, m))
			if ev := fn.last(t).Event; ev.HTTPMethod != m || ev.RequestContext.HTTPMethod != m {
				t.Errorf("event httpMethod %q, requestContext.httpMethod %q; want %s", ev.HTTPMethod, ev.RequestContext.HTTPMethod, m)
			}
		}
	})
}

// TestLambdaProxyResponses checks how function results become responses.
func TestLambdaProxyResponses(t *testing.T) {
	fn := newInvokeAPI(t, lambdaHandler)
	in := startAPIGW(t, testdata("lambda.yaml"), "--config", writeConfig(t, fn.URL, "Fn"))

	for _, c := range lambdaCases {
		t.Run(c.name, func(t *testing.T) {
			r := get(t, in.URL("/prod/cases/"+strings.ReplaceAll(c.name, " ", "-")))
			if c.status == 502 {
				assertGatewayError(t, r, 502, internalErrBody, "InternalServerErrorException")
				return
			}
			assertStatusBody(t, r, c.status, c.body)
			assertAWSHeaders(t, r)
			for h, want := range c.header {
				assertHeader(t, r.Header, h, want)
			}
			// multiValueHeaders exists so that functions can set several
			// cookies: each is its own Set-Cookie header.
			if c.name == "several cookies" {
				if want := []string{"a=1; Path=/", "b=2; Path=/"}; !reflect.DeepEqual(r.Header.Values("Set-Cookie"), want) {
					t.Errorf("Set-Cookie headers %q, want %q", r.Header.Values("Set-Cookie"), want)
				}
			}
		})
	}

	t.Run("function slower than the integration timeout", func(t *testing.T) {
		start := time.Now()
		r := get(t, in.URL("/prod/slow"))
		assertGatewayError(t, r, 504, timeoutBody, "")
		if d := time.Since(start); d < 180*time.Millisecond || d > 1500*time.Millisecond {
			t.Errorf("504 after %v, want about 200ms (TimeoutInMillis)", d)
		}
	})
}

// TestExampleUsersAPI serves examples/users-api.yaml with its two functions
// behind an Invoke API that does what their python code does.
func TestExampleUsersAPI(t *testing.T) {
	fn := newInvokeAPI(t, func(ctx context.Context, name string, ev events.APIGatewayProxyRequest) (any, error) {
		switch {
		case strings.Contains(name, "GetUsers"):
			return rawPayload(`{"statusCode": 200, "body": "{\"users\": []}"}`), nil
		case strings.Contains(name, "CreateUser"):
			var user map[string]any
			if err := json.Unmarshal([]byte(ev.Body), &user); err != nil {
				return map[string]any{"statusCode": 400, "body": `{"message": "body must be JSON"}`}, nil
			}
			user["id"] = "00000000-0000-4000-8000-000000000000"
			b, _ := json.Marshal(user)
			return map[string]any{"statusCode": 201, "headers": map[string]string{"Content-Type": "application/json"}, "body": string(b)}, nil
		}
		return nil, fmt.Errorf("unknown function %s", name)
	})
	cfg := writeConfig(t, fn.URL, "GetUsersFunction", "CreateUserFunction")
	stdout, stderr, code := runValidate(t, example("users-api.yaml"), "--config", cfg)
	if code != 0 {
		t.Fatalf("validate users-api.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	assertRouteLines(t, stdout, "GET /prod/users", "POST /prod/users")

	in := startAPIGW(t, example("users-api.yaml"), "--config", cfg)
	r := get(t, in.URL("/prod/users"))
	assertStatusBody(t, r, 200, `{"users": []}`)
	assertHeader(t, r.Header, "Content-Type", "application/json")
	if name := fn.last(t).Name; !strings.Contains(name, "GetUsers") {
		t.Errorf("GET /users invoked %q, want the GetUsers function", name)
	}

	r = do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `{"name":"Ada"}`, Header: map[string]string{"Content-Type": "application/json"}})
	assertStatusBody(t, r, 201, `{"id":"00000000-0000-4000-8000-000000000000","name":"Ada"}`)
	if name := fn.last(t).Name; !strings.Contains(name, "CreateUser") {
		t.Errorf("POST /users invoked %q, want the CreateUser function", name)
	}
	r = do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `not json`})
	assertStatusBody(t, r, 400, `{"message": "body must be JSON"}`)

	assertMissingToken(t, do(t, req{Method: "DELETE", URL: in.URL("/prod/users")}))
	if n := fn.count(); n != 3 {
		t.Errorf("the functions were invoked %d times, want 3", n)
	}
}

// rawFields splits a JSON object into its raw fields.
func rawFields(t *testing.T, payload []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("event is not a JSON object: %v\n%s", err, payload)
	}
	return m
}

// TestExampleUsersAPILocal serves examples/users-api.yaml as users run it:
// its inline python functions run in apigw's local Lambda runtime.
func TestExampleUsersAPILocal(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Fatal("python3 is not installed (scripts/test.sh installs it)")
	}
	in := startAPIGW(t, example("users-api.yaml"))

	r := get(t, in.URL("/prod/users"))
	assertStatusBody(t, r, 200, `{"users": []}`)
	assertHeader(t, r.Header, "Content-Type", "application/json")
	assertAWSHeaders(t, r)

	r = do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `{"name": "Ada"}`, Header: map[string]string{"Content-Type": "application/json"}})
	if r.Status != 201 {
		t.Fatalf("POST /prod/users: %d, want 201\n%s", r.Status, r)
	}
	var user map[string]string
	if err := json.Unmarshal(r.Body, &user); err != nil || user["name"] != "Ada" || !uuidRE.MatchString(user["id"]) {
		t.Errorf("POST /prod/users body %s: want the user with a UUID id (%v)", r.Body, err)
	}
	r = do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `[1, 2]`})
	assertStatusBody(t, r, 400, `{"message": "body must be a JSON object"}`)
}
