package gateway

import (
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzHandle sends arbitrary request lines and headers through the whole
// request path (a REST API's stage prod, an HTTP API's $default stage): it
// must never panic, and every answer is a valid status with API Gateway's
// request id header (apigw-requestid for the HTTP API).
func FuzzHandle(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/prod/items", "127.0.0.1"},
		{"POST", "/prod/items/a/b/../c?x=%zz", "restapi.execute-api.localhost"},
		{"OPTIONS", "//prod//items/", "api.execute-api.localhost:8080"},
		{"PROPFIND", "/prod/%2e%2e/x", ""},
		{"GET", "http://h/prod/items?#frag", "[::1]:1"},
		{"DELETE", "/items/a//b?q=1&q=2", "http.execute-api.localhost"},
		{"OPTIONS", "/nothing", "127.0.0.1"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	g := benchGateway(f, "http://127.0.0.1:1")
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
	f.Fuzz(func(t *testing.T, method, uri, host string) {
		var req fasthttp.Request
		req.Header.SetMethod(method)
		req.Header.SetRequestURI(uri)
		req.Header.SetHost(host)
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, addr, nil)
		g.Handle(&ctx)
		if s := ctx.Response.StatusCode(); s < 200 || s > 599 {
			t.Fatalf("status %d", s)
		}
		if len(ctx.Response.Header.Peek("x-amzn-RequestId")) != 36 && len(ctx.Response.Header.Peek("apigw-requestid")) != 16 {
			t.Fatalf("no request id")
		}
	})
}

// FuzzParseMappingValue: any HTTP API parameter-mapping value splits into
// parts without panicking, each static part being text of the value.
func FuzzParseMappingValue(f *testing.F) {
	for _, s := range []string{"static", "$request.header.x-user", "/v2$request.path", "${request.path.id}/items",
		"$context.requestId-$stageVariables.env", "cost $5", "${", "$", "${}", "$request.", "$$context.x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		total := 0
		for _, p := range parseMappingValue(v) {
			if p.kind == "" {
				if !strings.Contains(v, p.static) {
					t.Fatalf("static part %q is not in %q", p.static, v)
				}
				total += len(p.static)
			}
		}
		if total > len(v) {
			t.Fatalf("static parts of %q are longer than it", v)
		}
	})
}
