package gateway

import (
	"net"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzHandle sends arbitrary request lines and headers through the whole
// request path: it must never panic, and every answer is a valid status
// with API Gateway's request id header.
func FuzzHandle(f *testing.F) {
	for _, s := range [][3]string{
		{"GET", "/prod/items", "127.0.0.1"},
		{"POST", "/prod/items/a/b/../c?x=%zz", "restapi.execute-api.localhost"},
		{"OPTIONS", "//prod//items/", "api.execute-api.localhost:8080"},
		{"PROPFIND", "/prod/%2e%2e/x", ""},
		{"GET", "http://h/prod/items?#frag", "[::1]:1"},
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
		if len(ctx.Response.Header.Peek("x-amzn-RequestId")) != 36 {
			t.Fatalf("no request id")
		}
	})
}
