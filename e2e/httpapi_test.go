package e2e

// HTTP APIs (AWS::ApiGatewayV2::Api, ProtocolType HTTP) on the real binary:
// payload 2.0 and 1.0 Lambda events from python and node functions, the 2.0
// output rules, routing (most specific route first, $default last, stages,
// Host), JWT and Lambda authorizers, CORS from CorsConfiguration, HTTP_PROXY
// with parameter mapping, throttling and template errors. Templates and
// functions are in testdata/httpapi/. Expected values are AWS's
// (../../shared/aws-reference.md §1, §2.3, §3.4, §7, §8.4, §13), not what
// apigw happens to do.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// httpTime is the layout of requestContext.time in payload 2.0 events.
const httpTime = "02/Jan/2006:15:04:05 +0000"

// HTTP API error bodies (aws-reference §2.3, §13): no space after the
// colon, capitalised words.
const (
	httpNotFound     = `{"message":"Not Found"}`
	httpUnauthorized = `{"message":"Unauthorized"}`
	httpForbidden    = `{"message":"Forbidden"}`
	httpInternal     = `{"message":"Internal Server Error"}`
	httpUnavailable  = `{"message":"Service Unavailable"}`
	httpThrottled    = `{"message":"Too Many Requests"}`
)

// httpData is the path of a file in testdata/httpapi/.
func httpData(name string) string { return testdata(filepath.Join("httpapi", name)) }

// httpHost is the Host header that names an HTTP API.
func httpHost(apiID string) string { return apiID + ".execute-api.localhost" }

// httpV2Event is a payload 2.0 event as AWS documents it
// (AGW-DG:http-api-develop-integrations-lambda).
type httpV2Event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	PathParameters        map[string]string `json:"pathParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	Body                  *string           `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	RequestContext        struct {
		AccountID    string `json:"accountId"`
		APIID        string `json:"apiId"`
		DomainName   string `json:"domainName"`
		DomainPrefix string `json:"domainPrefix"`
		HTTP         struct {
			Method    string `json:"method"`
			Path      string `json:"path"`
			Protocol  string `json:"protocol"`
			SourceIP  string `json:"sourceIp"`
			UserAgent string `json:"userAgent"`
		} `json:"http"`
		RequestID  string          `json:"requestId"`
		RouteKey   string          `json:"routeKey"`
		Stage      string          `json:"stage"`
		Time       string          `json:"time"`
		TimeEpoch  int64           `json:"timeEpoch"`
		Authorizer json.RawMessage `json:"authorizer"`
	} `json:"requestContext"`
	// raw is every top-level member, to check which are left out.
	raw map[string]json.RawMessage
}

// httpEvent decodes the event an echo function answered with 200.
func httpEvent(t *testing.T, r *response) *httpV2Event {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("got %d, want 200 with the event\n%s", r.Status, r)
	}
	var ev httpV2Event
	rtDecode(t, r, &ev)
	rtDecode(t, r, &ev.raw)
	return &ev
}

// httpAssertRequestID checks the request id headers of an HTTP API answer:
// apigw-requestid, and no x-amzn-RequestId (aws-reference §2.3).
func httpAssertRequestID(t *testing.T, r *response) {
	t.Helper()
	if r.Header.Get("apigw-requestid") == "" {
		t.Errorf("no apigw-requestid header\n%s", r)
	}
	if v := r.Header.Get("x-amzn-RequestId"); v != "" {
		t.Errorf("x-amzn-RequestId %q on an HTTP API answer, AWS sends apigw-requestid only", v)
	}
}

// httpAssertError checks an HTTP API error: status, body byte for byte,
// Content-Type application/json and the request id headers.
func httpAssertError(t *testing.T, r *response, status int, body string) {
	t.Helper()
	assertStatusBody(t, r, status, body)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	httpAssertRequestID(t, r)
}

// ---------------------------------------------------------------------------
// 1. payload 2.0 events

// TestHTTPAPIPayloadV2Event: the python and node functions get AWS's 2.0
// event, field by field, on the $default stage (no stage in the path) and
// on the named stage dev (the stage segment in rawPath and http.path).
func TestHTTPAPIPayloadV2Event(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("events.yaml"))
	const query = "b=2&a=1&a=x%20y&empty="
	cases := []struct {
		name, prefix, path, routeKey, stage string
		pathParams, stageVars               map[string]string
	}{
		{"python $default", "", "/py/42", "ANY /py/{id}", "$default", map[string]string{"id": "42"}, map[string]string{"env": "default", "color": "blue"}},
		{"python dev", "/dev", "/py/42", "ANY /py/{id}", "dev", map[string]string{"id": "42"}, map[string]string{"env": "dev"}},
		{"node $default", "", "/node/a/b/c", "ANY /node/{proxy+}", "$default", map[string]string{"proxy": "a/b/c"}, map[string]string{"env": "default", "color": "blue"}},
		{"node dev", "/dev", "/node/a/b/c", "ANY /node/{proxy+}", "dev", map[string]string{"proxy": "a/b/c"}, map[string]string{"env": "dev"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := time.Now()
			r := do(t, req{URL: in.URL(c.prefix + c.path + "?" + query), Host: httpHost("http"),
				Header: map[string]string{"User-Agent": "e2e-agent/1.0"},
				Add:    [][2]string{{"X-Multi", "one"}, {"X-Multi", "two"}, {"Cookie", "c1=v1; c2=v2"}, {"Cookie", "c3=v3"}}})
			after := time.Now()
			ev := httpEvent(t, r)
			httpAssertRequestID(t, r)
			rawPath := c.prefix + c.path
			rc := &ev.RequestContext
			for _, f := range []struct{ field, got, want string }{
				{"version", ev.Version, "2.0"},
				{"routeKey", ev.RouteKey, c.routeKey},
				{"rawPath", ev.RawPath, rawPath},
				{"rawQueryString", ev.RawQueryString, query},
				{"requestContext.accountId", rc.AccountID, "123456789012"},
				{"requestContext.apiId", rc.APIID, "http"},
				{"requestContext.domainName", rc.DomainName, httpHost("http")},
				{"requestContext.domainPrefix", rc.DomainPrefix, "http"},
				{"requestContext.http.method", rc.HTTP.Method, "GET"},
				{"requestContext.http.path", rc.HTTP.Path, rawPath},
				{"requestContext.http.protocol", rc.HTTP.Protocol, "HTTP/1.1"},
				{"requestContext.http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1"},
				{"requestContext.http.userAgent", rc.HTTP.UserAgent, "e2e-agent/1.0"},
				{"requestContext.requestId", rc.RequestID, r.Header.Get("apigw-requestid")},
				{"requestContext.routeKey", rc.RouteKey, c.routeKey},
				{"requestContext.stage", rc.Stage, c.stage},
				{"headers.x-multi", ev.Headers["x-multi"], "one,two"},
				{"headers.user-agent", ev.Headers["user-agent"], "e2e-agent/1.0"},
				{"headers.host", ev.Headers["host"], httpHost("http")},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.field, f.got, f.want)
				}
			}
			if rc.RequestID == "" {
				t.Errorf("requestContext.requestId is empty")
			}
			if want := []string{"c1=v1", "c2=v2", "c3=v3"}; !slices.Equal(ev.Cookies, want) {
				t.Errorf("cookies = %q, want %q", ev.Cookies, want)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) {
					t.Errorf("header name %q is not lower case", k)
				}
				if k == "cookie" {
					t.Errorf("the Cookie header is in headers; AWS moves it to cookies")
				}
			}
			if want := map[string]string{"b": "2", "a": "1,x y", "empty": ""}; !reflect.DeepEqual(ev.QueryStringParameters, want) {
				t.Errorf("queryStringParameters = %v, want %v", ev.QueryStringParameters, want)
			}
			if !reflect.DeepEqual(ev.PathParameters, c.pathParams) {
				t.Errorf("pathParameters = %v, want %v", ev.PathParameters, c.pathParams)
			}
			if !reflect.DeepEqual(ev.StageVariables, c.stageVars) {
				t.Errorf("stageVariables = %v, want %v", ev.StageVariables, c.stageVars)
			}
			tm, err := time.Parse(httpTime, rc.Time)
			if err != nil {
				t.Errorf("requestContext.time %q is not in the format %q: %v", rc.Time, httpTime, err)
			} else if tm.Before(before.Add(-2*time.Second)) || tm.After(after.Add(2*time.Second)) {
				t.Errorf("requestContext.time %s is not the time of the request (%s)", rc.Time, before.UTC().Format(httpTime))
			}
			if epoch := time.UnixMilli(rc.TimeEpoch); epoch.Before(before.Add(-time.Second)) || epoch.After(after.Add(time.Second)) {
				t.Errorf("requestContext.timeEpoch %d is not the request's time in milliseconds (%d)", rc.TimeEpoch, before.UnixMilli())
			} else if got := epoch.UTC().Format(httpTime); got != rc.Time {
				t.Errorf("requestContext.time %q and timeEpoch %d (%s) disagree", rc.Time, rc.TimeEpoch, got)
			}
			if ev.Body != nil || ev.IsBase64Encoded {
				t.Errorf("a GET without a body: body %v, isBase64Encoded %v; want no body, false", ev.Body, ev.IsBase64Encoded)
			}
		})
	}

	// Members without content are left out (AWS: cookies and
	// queryStringParameters are omitted when the request has none).
	t.Run("no cookies, no query", func(t *testing.T) {
		ev := httpEvent(t, get(t, in.URL("/py/7")))
		for _, k := range []string{"cookies", "queryStringParameters"} {
			if v, ok := ev.raw[k]; ok {
				t.Errorf("%s = %s in an event of a request that has none, AWS leaves it out", k, v)
			}
		}
		if ev.RawQueryString != "" || ev.RawPath != "/py/7" {
			t.Errorf("rawPath %q rawQueryString %q", ev.RawPath, ev.RawQueryString)
		}
	})

	// Bodies: text for text/* and application/json, base64 otherwise
	// (aws-reference §3.4, §12.5).
	bodies := []struct {
		name, contentType, body string
		base64                  bool
	}{
		{"json", "application/json", `{"a":1,"b":"two"}`, false},
		{"text", "text/plain; charset=utf-8", "hello, world", false},
		{"octet-stream", "application/octet-stream", "\x00\x01\xfebinary\xff", true},
		{"form", "application/x-www-form-urlencoded", "a=1&b=two+words", true},
		{"xml", "application/xml", "<a>1</a>", false},
		{"no Content-Type", "", "raw bytes", true},
	}
	for _, fn := range []string{"/py/1", "/node/upload"} {
		for _, b := range bodies {
			t.Run("body "+b.name+" "+fn, func(t *testing.T) {
				h := map[string]string{}
				if b.contentType != "" {
					h["Content-Type"] = b.contentType
				}
				r := do(t, req{Method: "POST", URL: in.URL(fn), Body: b.body, Header: h})
				ev := httpEvent(t, r)
				if ev.Body == nil {
					t.Fatalf("no body in the event")
				}
				got := *ev.Body
				if b.base64 {
					dec, err := base64.StdEncoding.DecodeString(got)
					if err != nil {
						t.Fatalf("body %q is not base64: %v", got, err)
					}
					got = string(dec)
				}
				if got != b.body || ev.IsBase64Encoded != b.base64 {
					t.Errorf("body %q isBase64Encoded %v, want %q %v", *ev.Body, ev.IsBase64Encoded, b.body, b.base64)
				}
				if ct, ok := ev.Headers["content-type"]; ct != b.contentType || ok != (b.contentType != "") {
					t.Errorf("headers.content-type = %q, want %q", ev.Headers["content-type"], b.contentType)
				}
				if ev.RequestContext.HTTP.Method != "POST" {
					t.Errorf("http.method = %q", ev.RequestContext.HTTP.Method)
				}
			})
		}
	}
}

// TestHTTPAPIPayloadV2Response: the 2.0 output rules (AGW-DG:http-api-
// develop-integrations-lambda): a bare string or an object without
// statusCode is a 200 JSON body; cookies become set-cookie headers;
// isBase64Encoded bodies are decoded; a function that throws is a 500.
func TestHTTPAPIPayloadV2Response(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("events.yaml"))
	binary := make([]byte, 256)
	for i := range binary {
		binary[i] = byte(i)
	}
	cases := []struct {
		name        string
		r           req
		status      int
		body        string // byte for byte unless jsonBody
		jsonBody    bool
		contentType string
		cookies     []string
	}{
		{"a bare string", req{URL: in.URL("/shape/string")}, 200, "Hello", false, "application/json", nil},
		{"an object without statusCode", req{URL: in.URL("/shape/object")}, 200, `{"hello": "world", "n": 1}`, true, "application/json", nil},
		{"cookies", req{URL: in.URL("/shape/cookies")}, 201, "cookies", false, "text/plain", []string{"a=1; Path=/", "b=2; HttpOnly"}},
		{"isBase64Encoded", req{URL: in.URL("/shape/base64")}, 200, string(binary), false, "application/octet-stream", nil},
		{"python throws", req{URL: in.URL("/shape/throw")}, 500, httpInternal, false, "application/json", nil},
		{"node throws", req{URL: in.URL("/node/x"), Header: map[string]string{"x-throw": "1"}}, 500, httpInternal, false, "application/json", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, c.r)
			if c.jsonBody {
				if r.Status != c.status || !rtJSONEqual(r.Body, []byte(c.body)) {
					t.Errorf("got %d %q, want %d and the JSON %s", r.Status, r.Body, c.status, c.body)
				}
			} else {
				assertStatusBody(t, r, c.status, c.body)
			}
			if ct := r.Header.Get("Content-Type"); ct != c.contentType {
				t.Errorf("Content-Type = %q, want %q", ct, c.contentType)
			}
			if got := r.Header.Values("Set-Cookie"); !slices.Equal(got, c.cookies) && (len(got) > 0 || len(c.cookies) > 0) {
				t.Errorf("set-cookie = %q, want %q", got, c.cookies)
			}
			httpAssertRequestID(t, r)
		})
	}
}

// ---------------------------------------------------------------------------
// 2. payload 1.0 on an HTTP API

// TestHTTPAPIPayloadV1Event: an integration with PayloadFormatVersion 1.0
// sends REST's event shape (AGW-DG:http-api-develop-integrations-lambda,
// aws-reference §3.1) with version "1.0".
func TestHTTPAPIPayloadV1Event(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("events.yaml"))
	for _, c := range []struct{ name, prefix, stage string }{{"$default", "", "$default"}, {"dev", "/dev", "dev"}} {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, req{URL: in.URL(c.prefix + "/v1/7?q=1")})
			if r.Status != 200 {
				t.Fatalf("%s", r)
			}
			var ev struct {
				rtEvent
				Version string `json:"version"`
			}
			rtDecode(t, r, &ev)
			var raw map[string]any
			rtDecode(t, r, &raw)
			if _, ok := raw["routeKey"]; ok {
				t.Errorf("a 1.0 event has routeKey (a 2.0 member)")
			}
			if ev.Version != "1.0" || ev.HTTPMethod != "GET" || ev.Resource != "/v1/{id}" || ev.RequestContext.Stage != c.stage {
				t.Errorf("version %q httpMethod %q resource %q requestContext.stage %q; want 1.0 GET /v1/{id} %s",
					ev.Version, ev.HTTPMethod, ev.Resource, ev.RequestContext.Stage, c.stage)
			}
			if c.stage == "$default" && ev.Path != "/v1/7" {
				t.Errorf("path = %q, want /v1/7", ev.Path)
			}
			if !strings.HasSuffix(ev.Path, "/v1/7") {
				t.Errorf("path = %q, want it to end in /v1/7", ev.Path)
			}
			if !reflect.DeepEqual(ev.PathParameters, map[string]string{"id": "7"}) || !reflect.DeepEqual(ev.QueryStringParameters, map[string]string{"q": "1"}) {
				t.Errorf("pathParameters %v queryStringParameters %v", ev.PathParameters, ev.QueryStringParameters)
			}
			if ev.Body != nil || ev.IsBase64Encoded {
				t.Errorf("body %v isBase64Encoded %v for a GET", ev.Body, ev.IsBase64Encoded)
			}
			if ev.RequestContext.RequestID == "" || ev.RequestContext.RequestID != r.Header.Get("apigw-requestid") {
				t.Errorf("requestContext.requestId %q, apigw-requestid %q", ev.RequestContext.RequestID, r.Header.Get("apigw-requestid"))
			}
			httpAssertRequestID(t, r)
		})
	}
}

// ---------------------------------------------------------------------------
// 3. routing

// httpRouted is what testdata/httpapi/py/app.py's route function answers.
type httpRouted struct {
	API            string            `json:"api"`
	Stage          string            `json:"stage"`
	RouteKey       string            `json:"routeKey"`
	RawPath        string            `json:"rawPath"`
	PathParameters map[string]string `json:"pathParameters"`
}

// TestHTTPAPIRouting: AWS's route priority (AGW-DG:http-api-develop-routes:
// the most specific path first, a method's route before ANY, $default
// last); named stages under /{stage}, $default at the root and for paths
// whose first segment is no stage; the Host header picks one of two APIs
// with $default stages; a miss without $default route is 404 Not Found.
func TestHTTPAPIRouting(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("routing.yaml"))
	alpha, bravo := httpHost("alpha"), httpHost("bravo")+":"+strings.Split(in.Addr, ":")[1]
	cases := []struct {
		name, method, path, host string
		want                     httpRouted
	}{
		{"exact path", "GET", "/pets/dog/1", alpha, httpRouted{"alpha", "$default", "GET /pets/dog/1", "/pets/dog/1", nil}},
		{"path variable", "GET", "/pets/dog/2", alpha, httpRouted{"alpha", "$default", "GET /pets/dog/{id}", "/pets/dog/2", map[string]string{"id": "2"}}},
		{"greedy under /pets", "GET", "/pets/cat/1", alpha, httpRouted{"alpha", "$default", "GET /pets/{proxy+}", "/pets/cat/1", map[string]string{"proxy": "cat/1"}}},
		{"another method: ANY /{proxy+}", "POST", "/pets/cat/1", alpha, httpRouted{"alpha", "$default", "ANY /{proxy+}", "/pets/cat/1", map[string]string{"proxy": "pets/cat/1"}}},
		{"POST on an exact GET path", "POST", "/pets/dog/1", alpha, httpRouted{"alpha", "$default", "ANY /{proxy+}", "/pets/dog/1", map[string]string{"proxy": "pets/dog/1"}}},
		{"the root: $default", "GET", "/", alpha, httpRouted{"alpha", "$default", "$default", "/", nil}},
		{"POST /items over ANY /items", "POST", "/items", alpha, httpRouted{"alpha", "$default", "POST /items", "/items", nil}},
		{"GET /items: ANY /items", "GET", "/items", alpha, httpRouted{"alpha", "$default", "ANY /items", "/items", nil}},
		{"DELETE /items: ANY /items", "DELETE", "/items", alpha, httpRouted{"alpha", "$default", "ANY /items", "/items", nil}},
		{"named stage", "GET", "/beta/pets/dog/1", alpha, httpRouted{"alpha", "beta", "GET /pets/dog/1", "/beta/pets/dog/1", nil}},
		{"named stage, variable", "GET", "/beta/pets/dog/9", alpha, httpRouted{"alpha", "beta", "GET /pets/dog/{id}", "/beta/pets/dog/9", map[string]string{"id": "9"}}},
		{"not a stage: $default stage", "GET", "/gamma/pets/dog/1", alpha, httpRouted{"alpha", "$default", "ANY /{proxy+}", "/gamma/pets/dog/1", map[string]string{"proxy": "gamma/pets/dog/1"}}},
		{"Host picks bravo (port allowed)", "GET", "/only", bravo, httpRouted{"bravo", "$default", "GET /only", "/only", nil}},
		{"Host picks alpha", "GET", "/only", alpha, httpRouted{"alpha", "$default", "ANY /{proxy+}", "/only", map[string]string{"proxy": "only"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := do(t, req{Method: c.method, URL: in.URL(c.path), Host: c.host})
			if r.Status != 200 {
				t.Fatalf("%s %s (Host %s): %s", c.method, c.path, c.host, r)
			}
			var got httpRouted
			rtDecode(t, r, &got)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s %s (Host %s):\n got %+v\nwant %+v", c.method, c.path, c.host, got, c.want)
			}
			httpAssertRequestID(t, r)
		})
	}
	// Bravo has no $default route: what no route takes is 404.
	for _, c := range []struct{ method, path string }{{"GET", "/nothing"}, {"POST", "/only"}, {"GET", "/"}, {"GET", "/only/more"}} {
		t.Run("bravo 404 "+c.method+" "+c.path, func(t *testing.T) {
			httpAssertError(t, do(t, req{Method: c.method, URL: in.URL(c.path), Host: bravo}), 404, httpNotFound)
		})
	}
}

// TestHTTPAPIBesideRESTAPI: a REST API (stage prod) and an HTTP API
// ($default stage) in one template: /prod/... is the REST API's (with its
// errors), everything else goes to the HTTP API's $default stage.
func TestHTTPAPIBesideRESTAPI(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("mixed.yaml"))
	r := get(t, in.URL("/prod/hello"))
	if r.Status != 200 || !rtJSONEqual(r.Body, []byte(`{"from": "rest"}`)) {
		t.Errorf("GET /prod/hello (REST MOCK): %s", r)
	}
	assertAWSHeaders(t, r)
	assertMissingToken(t, get(t, in.URL("/prod/nothing")))
	assertMissingToken(t, get(t, in.URL("/prod")))
	for _, p := range []string{"/hello", "/production/hello", "/dev/x", "/"} {
		t.Run(p, func(t *testing.T) {
			r := get(t, in.URL(p))
			if r.Status != 200 {
				t.Fatalf("GET %s: %s", p, r)
			}
			var got httpRouted
			rtDecode(t, r, &got)
			if want := (httpRouted{"web", "$default", "$default", p, nil}); !reflect.DeepEqual(got, want) {
				t.Errorf("GET %s:\n got %+v\nwant %+v", p, got, want)
			}
			httpAssertRequestID(t, r)
		})
	}
}

// ---------------------------------------------------------------------------
// 4. JWT authorizer

// TestHTTPAPIJWTAuthorizer: a JWT authorizer whose Issuer is a template
// user pool's cognito-idp URL verifies the local issuer's tokens
// (aws-reference §8.4, §2.3, §13): missing or invalid 401 with
// www-authenticate, a token without the route's scope 403, claims and
// scopes in requestContext.authorizer.jwt.
func TestHTTPAPIJWTAuthorizer(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, httpData("jwt.yaml"))
	idToken, withScope := poolTokens(t, in, "UserPool", `{"username": "ada", "groups": ["admin"], "scopes": ["orders/read"]}`)
	_, otherScope := poolTokens(t, in, "UserPool", `{"username": "bob", "scopes": ["profile"]}`)
	_, otherPool := poolTokens(t, in, "OtherPool", `{"username": "eve", "scopes": ["orders/read"]}`)
	tampered := withScope[:len(withScope)-4] + "AAAA"
	if tampered == withScope {
		tampered = withScope[:len(withScope)-4] + "BBBB"
	}

	type outcome int
	const (
		ok outcome = iota
		unauthorized
		forbidden
	)
	cases := []struct {
		name, path, auth string
		want             outcome
	}{
		{"no token", "/claims", "", unauthorized},
		{"garbage", "/claims", "not-a-token", unauthorized},
		{"tampered signature", "/claims", tampered, unauthorized},
		{"access token with the route's scope", "/claims", withScope, ok},
		{"after Bearer", "/claims", "Bearer " + withScope, ok},
		{"without the route's scope", "/claims", otherScope, forbidden},
		{"another pool's issuer", "/claims", otherPool, unauthorized},
		{"another pool's issuer, no scopes", "/me", otherPool, unauthorized},
		{"route without scopes", "/me", otherScope, ok},
		{"ID token (aud is the client)", "/me", idToken, ok},
		{"wrong audience", "/wrongaud", withScope, unauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.auth != "" {
				h["Authorization"] = c.auth
			}
			r := do(t, req{URL: in.URL(c.path), Header: h})
			switch c.want {
			case unauthorized:
				httpAssertError(t, r, 401, httpUnauthorized)
				if wa := r.Header.Get("www-authenticate"); !strings.HasPrefix(wa, "Bearer") {
					t.Errorf("www-authenticate = %q, want a Bearer challenge", wa)
				}
			case forbidden:
				httpAssertError(t, r, 403, httpForbidden)
			case ok:
				httpEvent(t, r)
			}
		})
	}

	t.Run("claims and scopes reach the function", func(t *testing.T) {
		ev := httpEvent(t, do(t, req{URL: in.URL("/claims"), Header: map[string]string{"Authorization": "Bearer " + withScope}}))
		var auth struct {
			JWT *struct {
				Claims map[string]any `json:"claims"`
				Scopes []string       `json:"scopes"`
			} `json:"jwt"`
		}
		if err := json.Unmarshal(ev.RequestContext.Authorizer, &auth); err != nil || auth.JWT == nil {
			t.Fatalf("requestContext.authorizer = %s, want {\"jwt\": {...}} (%v)", ev.RequestContext.Authorizer, err)
		}
		c := auth.JWT.Claims
		if c["username"] != "ada" || c["token_use"] != "access" || c["scope"] != "orders/read" || c["client_id"] == "" || c["client_id"] == nil {
			t.Errorf("claims = %v", c)
		}
		if iss, _ := c["iss"].(string); !strings.HasPrefix(iss, "https://cognito-idp.us-east-1.amazonaws.com/") {
			t.Errorf("claims.iss = %q, want the pool's cognito-idp URL", iss)
		}
		for k, v := range c {
			if _, isString := v.(string); !isString {
				t.Errorf("claim %s is %T; API Gateway passes every claim as a string", k, v)
			}
		}
		if !slices.Equal(auth.JWT.Scopes, []string{"orders/read"}) {
			t.Errorf("scopes = %q, want [orders/read]", auth.JWT.Scopes)
		}
	})

	t.Run("identity source $request.querystring.access_token", func(t *testing.T) {
		httpEvent(t, get(t, in.URL("/query?access_token="+url.QueryEscape(withScope))))
		httpAssertError(t, get(t, in.URL("/query")), 401, httpUnauthorized)
		// The header is not this authorizer's identity source.
		httpAssertError(t, do(t, req{URL: in.URL("/query"), Header: map[string]string{"Authorization": withScope}}), 401, httpUnauthorized)
	})
}

// ---------------------------------------------------------------------------
// 5. Lambda (REQUEST) authorizers

// httpAuthCalls counts the authorizer invocations recorded for a route key
// in dir/auth.log (testdata/httpapi/py/app.py writes one line per call).
func httpAuthCalls(t *testing.T, dir, routeKey string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "auth.log"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, routeKey+"\t") {
			n++
		}
	}
	return n
}

// TestHTTPAPILambdaAuthorizer: REQUEST authorizers (AGW-DG:http-api-lambda-
// authorizer, aws-reference §2.3, §8.4): simple responses allow (context
// in requestContext.authorizer.lambda) or deny (403); a missing identity
// source is 401 without invoking; an authorizer that fails is 500; results
// are cached for AuthorizerResultTtlInSeconds; a 1.0 authorizer's IAM
// policy allows or denies.
func TestHTTPAPILambdaAuthorizer(t *testing.T) {
	rtRequireInterpreters(t)
	rec := t.TempDir()
	in := startAPIGW(t, httpData("lambda-auth.yaml"), "--param", "RecordDir="+rec)
	call := func(path, token string) *response {
		t.Helper()
		h := map[string]string{}
		if token != "" {
			h["x-token"] = token
		}
		return do(t, req{URL: in.URL(path), Header: h})
	}

	t.Run("simple responses", func(t *testing.T) {
		cases := []struct {
			name, token string
			status      int
			body        string // error body; "" for the event
			invoked     bool
		}{
			{"authorized", "allow-1", 200, "", true},
			{"authorized again (no caching)", "allow-1", 200, "", true},
			{"not authorized", "deny", 403, httpForbidden, true},
			{"no identity source", "", 401, httpUnauthorized, false},
			{"the authorizer raises", "boom", 500, httpInternal, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := httpAuthCalls(t, rec, "GET /simple")
				r := call("/simple", c.token)
				if c.body != "" {
					httpAssertError(t, r, c.status, c.body)
				} else {
					ev := httpEvent(t, r)
					var auth map[string]any
					if err := json.Unmarshal(ev.RequestContext.Authorizer, &auth); err != nil ||
						!reflect.DeepEqual(auth, map[string]any{"lambda": map[string]any{"user": "ada", "token": c.token}}) {
						t.Errorf("requestContext.authorizer = %s, want {\"lambda\": the authorizer's context}", ev.RequestContext.Authorizer)
					}
				}
				want := 0
				if c.invoked {
					want = 1
				}
				if got := httpAuthCalls(t, rec, "GET /simple") - before; got != want {
					t.Errorf("the authorizer was invoked %d times, want %d", got, want)
				}
			})
		}
	})

	t.Run("TTL caching", func(t *testing.T) {
		for i := range 3 {
			if r := call("/cached", "allow-cached"); r.Status != 200 {
				t.Fatalf("request %d: %s", i, r)
			}
		}
		if n := httpAuthCalls(t, rec, "GET /cached"); n != 1 {
			t.Errorf("3 requests with one identity, AuthorizerResultTtlInSeconds 300: %d invocations, want 1", n)
		}
		if r := call("/cached", "allow-other"); r.Status != 200 {
			t.Fatalf("another identity: %s", r)
		}
		if n := httpAuthCalls(t, rec, "GET /cached"); n != 2 {
			t.Errorf("a second identity: %d invocations in all, want 2", n)
		}
		httpAssertError(t, call("/cached", ""), 401, httpUnauthorized)
		if n := httpAuthCalls(t, rec, "GET /cached"); n != 2 {
			t.Errorf("no identity source: %d invocations in all, want still 2", n)
		}
	})

	t.Run("payload 1.0 IAM policy", func(t *testing.T) {
		r := call("/policy", "allow-policy")
		ev := httpEvent(t, r)
		if !bytes.Contains(ev.RequestContext.Authorizer, []byte(`"lambda"`)) || !bytes.Contains(ev.RequestContext.Authorizer, []byte(`"user"`)) {
			t.Errorf("requestContext.authorizer = %s, want the policy's context under lambda", ev.RequestContext.Authorizer)
		}
		httpAssertError(t, call("/policy", "deny-policy"), 403, httpForbidden)
		httpAssertError(t, call("/policy", ""), 401, httpUnauthorized)
		if n := httpAuthCalls(t, rec, "/policy"); n != 2 {
			t.Errorf("the 1.0 authorizer was invoked %d times, want 2 (not for the request without x-token)", n)
		}
	})
}

// ---------------------------------------------------------------------------
// 6. CORS

// httpCORSHeaders are a response's access-control-* headers.
func httpCORSHeaders(h http.Header) map[string][]string {
	out := map[string][]string{}
	for k, v := range h {
		if strings.HasPrefix(strings.ToLower(k), "access-control-") {
			out[strings.ToLower(k)] = v
		}
	}
	return out
}

// httpSplitList splits a comma-separated header value into its sorted,
// lower-cased, trimmed items.
func httpSplitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// TestHTTPAPICORS: CorsConfiguration (AGW-DG:http-api-cors, aws-reference
// §7): API Gateway answers a preflight no route takes; the configured
// headers are added to the integration's answers and the backend's CORS
// headers ignored; with a $default route preflights reach its integration.
func TestHTTPAPICORS(t *testing.T) {
	be := newBackend(t, "cors", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Max-Age", "99")
		w.Header().Set("x-request-id", "r1")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"method":%q}`, r.Method)
	})
	in := startAPIGW(t, httpData("cors.yaml"), "--param", "BackendUrl="+be.URL)
	const origin = "https://app.example.com"
	preflight := func(host, path, origin string) *response {
		t.Helper()
		return do(t, req{Method: "OPTIONS", URL: in.URL(path), Host: host, Header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-custom"}})
	}

	t.Run("preflight no route takes", func(t *testing.T) {
		r := preflight(httpHost("corsapi"), "/data", origin)
		if r.Status != 204 || len(r.Body) != 0 {
			t.Errorf("preflight: %s, want 204 without a body", r)
		}
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", origin)
		assertHeader(t, r.Header, "Access-Control-Max-Age", "600")
		assertHeader(t, r.Header, "Access-Control-Allow-Credentials", "true")
		if got := httpSplitList(r.Header.Get("Access-Control-Allow-Methods")); !slices.Equal(got, []string{"get", "post"}) {
			t.Errorf("access-control-allow-methods = %q, want GET and POST", r.Header.Get("Access-Control-Allow-Methods"))
		}
		if got := httpSplitList(r.Header.Get("Access-Control-Allow-Headers")); !slices.Equal(got, []string{"content-type", "x-custom"}) {
			t.Errorf("access-control-allow-headers = %q, want content-type and x-custom", r.Header.Get("Access-Control-Allow-Headers"))
		}
		if be.count() != 0 {
			t.Errorf("the backend got %d requests; API Gateway answers the preflight itself", be.count())
		}
	})

	t.Run("preflight from an origin not allowed", func(t *testing.T) {
		r := preflight(httpHost("corsapi"), "/data", "https://evil.example.com")
		if h := httpCORSHeaders(r.Header); len(h) != 0 {
			t.Errorf("CORS headers for an origin the configuration does not allow: %v\n%s", h, r)
		}
		if be.count() != 0 {
			t.Errorf("the backend got %d requests", be.count())
		}
	})

	t.Run("GET with an allowed Origin", func(t *testing.T) {
		r := do(t, req{URL: in.URL("/data"), Host: httpHost("corsapi"), Header: map[string]string{"Origin": origin}})
		if r.Status != 200 || string(r.Body) != `{"method":"GET"}` {
			t.Fatalf("GET /data: %s", r)
		}
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", origin) // the backend's "*" is dropped
		assertHeader(t, r.Header, "Access-Control-Expose-Headers", "x-request-id")
		assertHeader(t, r.Header, "Access-Control-Allow-Credentials", "true")
		assertHeader(t, r.Header, "Access-Control-Max-Age", "") // the backend's, dropped
		assertHeader(t, r.Header, "x-request-id", "r1")
	})

	t.Run("GET from an origin not allowed", func(t *testing.T) {
		r := do(t, req{URL: in.URL("/data"), Host: httpHost("corsapi"), Header: map[string]string{"Origin": "https://evil.example.com"}})
		if r.Status != 200 {
			t.Fatalf("GET /data: %s", r)
		}
		if h := httpCORSHeaders(r.Header); len(h) != 0 {
			t.Errorf("CORS headers (the configuration's or the backend's) for an origin not allowed: %v", h)
		}
	})

	t.Run("preflight with a $default route reaches its integration", func(t *testing.T) {
		be.reset()
		r := preflight(httpHost("corsdefault"), "/anything", origin)
		if be.count() != 1 || be.last(t).Method != "OPTIONS" {
			t.Fatalf("the $default route's backend got %d requests, want the OPTIONS preflight\n%s", be.count(), r)
		}
		if r.Status != 200 || string(r.Body) != `{"method":"OPTIONS"}` {
			t.Errorf("preflight through $default: %s, want the integration's answer", r)
		}
	})
}

// ---------------------------------------------------------------------------
// 7. HTTP_PROXY and parameter mapping

// TestHTTPAPIHTTPProxy: HTTP_PROXY integrations (AGW-DG:http-api-develop-
// integrations-http, AGW-DG:http-api-parameter-mapping): {proxy} filled in
// the URI, the query passed on; RequestParameters change path, query and
// headers ($request.path is the path without the stage); an unreachable
// backend is 500; one slower than TimeoutInMillis 503.
func TestHTTPAPIHTTPProxy(t *testing.T) {
	be := newBackend(t, "svc", nil)
	slow := newBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-r.Context().Done():
		}
		fmt.Fprint(w, "too late")
	})
	down := "http://" + freeAddr(t)
	in := startAPIGW(t, httpData("proxy.yaml"), "--param", "BackendUrl="+be.URL, "--param", "DownUrl="+down, "--param", "SlowUrl="+slow.URL)

	t.Run("path and query", func(t *testing.T) {
		cases := []struct {
			method, target, body, wantURI string
		}{
			{"GET", "/svc/a/b?x=1&y=2", "", "/base/a/b?x=1&y=2"},
			{"POST", "/svc/c", `{"n":1}`, "/base/c"},
			{"DELETE", "/v1/svc/d/e", "", "/base/d/e"},
		}
		for _, c := range cases {
			be.reset()
			r := do(t, req{Method: c.method, URL: in.URL(c.target), Body: c.body})
			if r.Status != 200 || string(r.Body) != echoBody("svc", c.method, c.wantURI) {
				t.Errorf("%s %s: %s\nwant the backend's echo of %s", c.method, c.target, r, c.wantURI)
				continue
			}
			got := be.last(t)
			if string(got.Body) != c.body {
				t.Errorf("%s %s: the backend got body %q, want %q", c.method, c.target, got.Body, c.body)
			}
			httpAssertRequestID(t, r)
		}
	})

	t.Run("request parameters", func(t *testing.T) {
		for _, prefix := range []string{"", "/v1"} {
			be.reset()
			r := do(t, req{URL: in.URL(prefix + "/mapped/p/q?x=1"), Header: map[string]string{
				"x-client": "alice", "x-secret": "s3cr3t", "x-user": "spoofed", "x-other": "kept"}})
			if r.Status != 200 {
				t.Errorf("GET %s/mapped/p/q: %s", prefix, r)
				continue
			}
			got := be.last(t)
			if got.Path != "/mapped/p/q" {
				t.Errorf("%s: overwrite:path $request.path: the backend got path %q, want /mapped/p/q (the request path without the stage)", prefix, got.Path)
			}
			q, err := url.ParseQuery(got.RawQuery)
			if err != nil || !reflect.DeepEqual(q, url.Values{"x": {"1"}, "source": {"static"}}) {
				t.Errorf("%s: the backend got query %q, want x=1 and source=static", prefix, got.RawQuery)
			}
			if v := got.Header.Values("X-User"); !slices.Equal(v, []string{"alice"}) {
				t.Errorf("%s: x-user = %q, want [alice] (overwritten from x-client)", prefix, v)
			}
			if v := got.Header.Values("X-Secret"); len(v) != 0 {
				t.Errorf("%s: x-secret = %q reached the backend, want it removed", prefix, v)
			}
			if v := got.Header.Get("X-Other"); v != "kept" {
				t.Errorf("%s: x-other = %q, want kept", prefix, v)
			}
		}
	})

	t.Run("backend down", func(t *testing.T) {
		httpAssertError(t, get(t, in.URL("/down")), 500, httpInternal)
	})

	t.Run("timeout", func(t *testing.T) {
		start := time.Now()
		r := get(t, in.URL("/slow"))
		httpAssertError(t, r, 503, httpUnavailable)
		if d := time.Since(start); d > 1200*time.Millisecond {
			t.Errorf("the 503 came after %v; TimeoutInMillis is 200", d)
		}
	})
}

// TestHTTPAPIResponseParameters: an HTTP_PROXY integration's
// ResponseParameters by status code: "404" overwrite:statuscode 410, "200"
// append:header.x-from static; written as CloudFormation documents them
// (ResponseParameterMap) and in an OpenAPI Body.
func TestHTTPAPIResponseParameters(t *testing.T) {
	be := newBackend(t, "rp", func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/gone") {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, "gone")
			return
		}
		fmt.Fprint(w, "here")
	})
	for _, tmpl := range []string{"response-parameters.yaml", "response-parameters-openapi.yaml"} {
		t.Run(tmpl, func(t *testing.T) {
			in := startAPIGW(t, httpData(tmpl), "--param", "BackendUrl="+be.URL)
			r := get(t, in.URL("/r/gone"))
			assertStatusBody(t, r, 410, "gone")
			assertHeader(t, r.Header, "x-from", "")
			r = get(t, in.URL("/r/ok"))
			assertStatusBody(t, r, 200, "here")
			assertHeader(t, r.Header, "x-from", "static")
		})
	}
}

// ---------------------------------------------------------------------------
// 8. throttling

// TestHTTPAPIThrottling: DefaultRouteSettings ThrottlingBurstLimit 1,
// ThrottlingRateLimit 1: of a burst of requests some are 429 Too Many
// Requests, and the backend sees only the others.
func TestHTTPAPIThrottling(t *testing.T) {
	be := newBackend(t, "t", nil)
	in := startAPIGW(t, httpData("throttle.yaml"), "--param", "BackendUrl="+be.URL)
	rs := rtParallel(t, 10, req{URL: in.URL("/t")})
	ok, throttled := 0, 0
	for _, r := range rs {
		switch r.Status {
		case 200:
			ok++
		case 429:
			throttled++
			httpAssertError(t, r, 429, httpThrottled)
		default:
			t.Errorf("unexpected answer: %s", r)
		}
	}
	if ok == 0 || throttled == 0 {
		t.Errorf("%d answered, %d throttled of 10 at once with burst 1, rate 1: want both", ok, throttled)
	}
	if be.count() != ok {
		t.Errorf("the backend got %d requests, %d were answered 200", be.count(), ok)
	}
}

// ---------------------------------------------------------------------------
// 9. template errors

// httpBadBase is a valid HTTP API that TestHTTPAPITemplateErrors breaks.
const httpBadBase = `Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: bad, ProtocolType: HTTP}
  Int:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Api
      IntegrationType: AWS_PROXY
      IntegrationUri: !GetAtt Fn.Arn
      PayloadFormatVersion: '2.0'
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /items/{id}
      Target: !Sub 'integrations/${Int}'
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "def handler(e, c): return {}"}
`

// TestHTTPAPITemplateErrors: `apigw validate` refuses an HTTP API it could
// not serve, naming file:line, the logical ID and the property.
func TestHTTPAPITemplateErrors(t *testing.T) {
	if _, stderr, code := runValidate(t, writeFile(t, "good.yaml", httpBadBase)); code != 0 {
		t.Fatalf("the base template does not validate (exit %d):\n%s", code, stderr)
	}
	cases := []struct {
		name, old, new string
		line           int
		where          string // LogicalID.Property
	}{
		{"a route key without a leading slash", "RouteKey: GET /items/{id}", "RouteKey: GET items/{id}", 16, "Route.Properties.RouteKey"},
		{"a route key with an unknown method", "RouteKey: GET /items/{id}", "RouteKey: FETCH /items/{id}", 16, "Route.Properties.RouteKey"},
		{"a greedy variable before the end", "RouteKey: GET /items/{id}", "RouteKey: GET /{proxy+}/items", 16, "Route.Properties.RouteKey"},
		{"a Target naming no integration", "Target: !Sub 'integrations/${Int}'", "Target: integrations/nope123", 17, "Route.Properties.Target"},
		{"an IntegrationUri naming no function", "IntegrationUri: !GetAtt Fn.Arn",
			"IntegrationUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:Missing/invocations'",
			10, "Int.Properties.IntegrationUri"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := strings.Replace(httpBadBase, c.old, c.new, 1)
			if bad == httpBadBase {
				t.Fatal("the edit changed nothing")
			}
			path := writeFile(t, "bad.yaml", bad)
			_, stderr, code := runValidate(t, path)
			if code == 0 {
				t.Fatalf("validate exited 0 on a broken template")
			}
			loc := fmt.Sprintf("%s:%d", path, c.line)
			if !strings.Contains(stderr, loc) || !strings.Contains(stderr, c.where) {
				t.Errorf("stderr %q\nwant an error at %s naming %s", stderr, loc, c.where)
			}
			// serve refuses it too, without listening.
			runServeExpectFail(t, path)
		})
	}
}
