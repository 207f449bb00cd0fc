package gateway

import (
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

const benchTemplate = `Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: bench}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Proxy:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Items, PathPart: '{proxy+}'}
  AnyProxy:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Proxy
      HttpMethod: ANY
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: ANY
        Uri: !Sub '${Backend}/items/{proxy}'
        RequestParameters: {integration.request.path.proxy: method.request.path.proxy}
  Mock:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [AnyProxy, Mock]
    Properties: {RestApiId: !Ref Api, StageName: prod}
  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: bench-http, ProtocolType: HTTP}
  HttpProxy:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Http, IntegrationType: HTTP_PROXY, IntegrationMethod: ANY, PayloadFormatVersion: "1.0", IntegrationUri: !Sub '${Backend}/items/{proxy}'}
  HttpRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Http, RouteKey: 'ANY /items/{proxy+}', Target: !Sub 'integrations/${HttpProxy}'}
  HttpStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Http, StageName: $default, AutoDeploy: true}
`

func benchGateway(b testing.TB, backend string) *Gateway {
	b.Helper()
	g := NewEmpty(slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.Swap(compileBench(b, backend, nil))
	return g
}

func serveRequest(g *Gateway, ctx *fasthttp.RequestCtx, req *fasthttp.Request, addr net.Addr) {
	ctx.Init(req, addr, nil)
	g.Handle(ctx)
}

// benchBackend serves a fixed ~100-byte JSON answer on a loopback port.
func benchBackend(b *testing.B) net.Listener {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"id":"abc","name":"item","price":12.5,"tags":["a","b"],"stock":3,"updated":"2026-11-29T00:00:00Z"}`)
	go fasthttp.Serve(ln, func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("application/json")
		ctx.SetBody(body)
	})
	b.Cleanup(func() { ln.Close() })
	return ln
}

// benchServe sends one request through the gateway per iteration and
// checks its status.
func benchServe(b *testing.B, g *Gateway, uri string, want int) {
	b.Helper()
	var req fasthttp.Request
	req.SetRequestURI(uri)
	req.Header.SetHost("127.0.0.1:8080")
	req.Header.Set("User-Agent", "bench")
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
	var ctx fasthttp.RequestCtx
	b.ReportAllocs()
	for b.Loop() {
		serveRequest(g, &ctx, &req, addr)
		if ctx.Response.StatusCode() != want {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
		ctx.Response.Reset()
	}
}

// BenchmarkHTTPProxy measures the gateway's own work per HTTP_PROXY request
// (routing, request and response copying) against a loopback backend; the
// figure to compare is BenchmarkBackendDirect in the same run.
func BenchmarkHTTPProxy(b *testing.B) {
	ln := benchBackend(b)
	benchServe(b, benchGateway(b, "http://"+ln.Addr().String()), "/prod/items/abc?x=1", 200)
}

// BenchmarkHTTPAPIProxy is BenchmarkHTTPProxy through an HTTP API route
// (ANY /items/{proxy+} on the $default stage): the same backend call.
func BenchmarkHTTPAPIProxy(b *testing.B) {
	ln := benchBackend(b)
	benchServe(b, benchGateway(b, "http://"+ln.Addr().String()), "/items/abc?x=1", 200)
}

// BenchmarkBackendDirect is the baseline: the same backend call without the gateway.
func BenchmarkBackendDirect(b *testing.B) {
	ln := benchBackend(b)
	c := &fasthttp.HostClient{Addr: ln.Addr().String()}
	var req fasthttp.Request
	var resp fasthttp.Response
	req.SetRequestURI("http://" + ln.Addr().String() + "/items/abc?x=1")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Do(&req, &resp); err != nil || resp.StatusCode() != 200 {
			b.Fatal(err)
		}
	}
}

// BenchmarkMock measures a MOCK method: routing and the gateway's own
// response, no backend.
func BenchmarkMock(b *testing.B) {
	benchServe(b, benchGateway(b, "http://127.0.0.1:9"), "/prod/items", 200)
}

// BenchmarkNotFound measures the 403 Missing Authentication Token path.
func BenchmarkNotFound(b *testing.B) {
	benchServe(b, benchGateway(b, "http://127.0.0.1:9"), "/prod/nothing/here", 403)
}

// BenchmarkHTTPAPINotFound measures an HTTP API's 404 Not Found path.
func BenchmarkHTTPAPINotFound(b *testing.B) {
	benchServe(b, benchGateway(b, "http://127.0.0.1:9"), "/nothing/here", 404)
}
