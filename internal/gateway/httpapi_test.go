package gateway

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// httpRoutingTemplate has AWS's route-priority example
// (AGW-DG:http-api-develop-routes) as HTTP_PROXY routes whose backend
// echoes the path it got, a named stage and a $default stage.
const httpRoutingTemplate = `
Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP}
%s
  Dev:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: dev, AutoDeploy: true}
  Default:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true}
`

func httpRouteYAML(name, key string) string {
	return `  I` + name + `:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: HTTP_PROXY, IntegrationMethod: ANY, PayloadFormatVersion: "1.0", IntegrationUri: !Sub "${Backend}/` + name + `"}
  R` + name + `:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: "` + key + `", Target: !Sub "integrations/${I` + name + `}"}
`
}

// nameBackend answers the path it was called with.
func nameBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.URL.Path) })}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

func httpGateway(t *testing.T, routes string) *Gateway {
	t.Helper()
	backend := nameBackend(t)
	m := benchModel(t, strings.Replace(httpRoutingTemplate, "%s", routes, 1), map[string]string{"Backend": backend})
	g, err := New(m, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func serveOnce(g *Gateway, method, target string, headers ...string) *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(target)
	ctx.Request.Header.SetHost("127.0.0.1")
	for i := 0; i+1 < len(headers); i += 2 {
		ctx.Request.Header.Set(headers[i], headers[i+1])
	}
	g.Handle(&ctx)
	return &ctx
}

// TestHTTPRoutePriority: the most specific route takes the request, a
// method's own before ANY, $default last (AWS's table).
func TestHTTPRoutePriority(t *testing.T) {
	g := httpGateway(t, httpRouteYAML("exact", "GET /pets/dog/1")+httpRouteYAML("param", "GET /pets/dog/{id}")+
		httpRouteYAML("greedy", "GET /pets/{proxy+}")+httpRouteYAML("anygreedy", "ANY /{proxy+}")+
		httpRouteYAML("postpets", "POST /pets")+httpRouteYAML("default", "$default"))
	cases := []struct{ method, path, want string }{
		{"GET", "/pets/dog/1", "/exact"},
		{"GET", "/pets/dog/2", "/param"},
		{"GET", "/pets/cat/1", "/greedy"},
		{"GET", "/other/x", "/anygreedy"},
		{"POST", "/pets/dog/1", "/anygreedy"},
		{"POST", "/pets", "/postpets"},
		{"GET", "/pets", "/anygreedy"},
		{"GET", "/", "/default"},
		{"BREW", "/pets/dog/1", "/anygreedy"},
		// The named stage's segment is not part of the route path.
		{"GET", "/dev/pets/dog/1", "/exact"},
	}
	for _, c := range cases {
		ctx := serveOnce(g, c.method, c.path)
		if got := string(ctx.Response.Body()); ctx.Response.StatusCode() != 200 || got != c.want {
			t.Errorf("%s %s: %d %q, want %q", c.method, c.path, ctx.Response.StatusCode(), got, c.want)
		}
		if len(ctx.Response.Header.Peek("apigw-requestid")) != 16 || ctx.Response.Header.Peek("x-amzn-RequestId") != nil {
			t.Errorf("%s %s: request id headers %q", c.method, c.path, ctx.Response.Header.String())
		}
	}
}

// TestHTTPNotFound: without $default, what no route takes is 404 Not
// Found, HTTP API's body.
func TestHTTPNotFound(t *testing.T) {
	g := httpGateway(t, httpRouteYAML("items", "GET /items"))
	for _, target := range []string{"/nothing", "/items/1", "/dev/nothing"} {
		ctx := serveOnce(g, "GET", target)
		if ctx.Response.StatusCode() != 404 || string(ctx.Response.Body()) != `{"message":"Not Found"}` {
			t.Errorf("%s: %d %s", target, ctx.Response.StatusCode(), ctx.Response.Body())
		}
		if ctx.Response.Header.Peek("x-amzn-ErrorType") != nil {
			t.Errorf("%s: x-amzn-ErrorType on an HTTP API error", target)
		}
	}
	if ctx := serveOnce(g, "POST", "/items"); ctx.Response.StatusCode() != 404 {
		t.Errorf("POST /items: %d", ctx.Response.StatusCode())
	}
}

func TestHTTPAPIErrorAnswers(t *testing.T) {
	cases := []struct {
		err    *Error
		status int
		body   string
	}{
		{errHTTPNotFound, 404, `{"message":"Not Found"}`},
		{errHTTPUnauthorized, 401, `{"message":"Unauthorized"}`},
		{errHTTPForbidden, 403, `{"message":"Forbidden"}`},
		{errHTTPThrottled, 429, `{"message":"Too Many Requests"}`},
		{errHTTPInternal, 500, `{"message":"Internal Server Error"}`},
		{&Error{Type: IntegrationTimeout}, 503, `{"message":"Service Unavailable"}`},
		{&Error{Type: IntegrationFailure}, 500, `{"message":"Internal Server Error"}`},
		{&Error{Type: AuthorizerFailure}, 500, `{"message":"Internal Server Error"}`},
		{errBadRequest, 400, `{"message":"Bad Request"}`},
	}
	for _, c := range cases {
		var ctx fasthttp.RequestCtx
		writeHTTPAPIError(&ctx, c.err)
		if ctx.Response.StatusCode() != c.status || string(ctx.Response.Body()) != c.body {
			t.Errorf("%v: %d %s, want %d %s", c.err, ctx.Response.StatusCode(), ctx.Response.Body(), c.status, c.body)
		}
	}
	// 503's body is the 33 bytes recorded from AWS.
	if n := len(`{"message":"Service Unavailable"}`); n != 33 {
		t.Fatalf("%d", n)
	}
}

func TestParseMappingValue(t *testing.T) {
	cases := []struct {
		in   string
		want []valuePart
	}{
		{"static", []valuePart{{static: "static"}}},
		{"$request.header.x-user", []valuePart{{kind: "request.header", name: "x-user"}}},
		{"/v2$request.path", []valuePart{{static: "/v2"}, {kind: "request.path"}}},
		{"${request.path.id}/items", []valuePart{{kind: "request.path", name: "id"}, {static: "/items"}}},
		{"$context.requestId-$stageVariables.env", []valuePart{{kind: "context", name: "requestId"}, {static: "-"}, {kind: "stageVariables", name: "env"}}},
		{"cost $5", []valuePart{{static: "cost $5"}}},
	}
	for _, c := range cases {
		got := parseMappingValue(c.in)
		if len(got) != len(c.want) {
			t.Errorf("%q: %+v, want %+v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%q: part %d %+v, want %+v", c.in, i, got[i], c.want[i])
			}
		}
	}
}

func TestCorsPolicy(t *testing.T) {
	age := 300
	p := newCorsPolicy(&model.CorsConfiguration{AllowOrigins: []string{"https://a.example.com", "https://*.b.example.com"},
		AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"content-type"}, MaxAge: &age, AllowCredentials: true})
	cases := []struct{ origin, want string }{
		{"https://a.example.com", "https://a.example.com"},
		{"https://A.example.com", "https://A.example.com"},
		{"https://x.b.example.com", "https://x.b.example.com"},
		{"https://b.example.com", ""},
		{"http://a.example.com", ""},
		{"", ""},
	}
	for _, c := range cases {
		if got := p.allowOrigin([]byte(c.origin)); got != c.want {
			t.Errorf("%q: %q, want %q", c.origin, got, c.want)
		}
	}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.Set("Origin", "https://a.example.com")
	ctx.Request.Header.Set("Access-Control-Request-Method", "DELETE")
	p.preflight(&ctx)
	if ctx.Response.StatusCode() != 204 || ctx.Response.Header.Peek("access-control-allow-origin") != nil {
		t.Errorf("a method not allowed: %s", ctx.Response.Header.String())
	}
	any := newCorsPolicy(&model.CorsConfiguration{AllowOrigins: []string{"*"}})
	if got := any.allowOrigin([]byte("https://z")); got != "*" {
		t.Errorf("*: %q", got)
	}
}
