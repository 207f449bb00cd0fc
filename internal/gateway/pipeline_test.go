package gateway

import (
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/template"
	"github.com/valyala/fasthttp"
)

type recordingIntegration struct{ trail *[]string }

func (r recordingIntegration) Serve(c *Call) *Error {
	*r.trail = append(*r.trail, "integration")
	return nil
}

// TestBuildChain: a method's chain holds the stages it uses, in the list's
// order, then its integration; a stage it does not use is not in it.
func TestBuildChain(t *testing.T) {
	var trail []string
	recorder := func(name string, uses bool) methodStage {
		return methodStage{name: name, build: func(m *method) func(Handler) Handler {
			if !uses {
				return nil
			}
			return func(next Handler) Handler {
				return func(c *Call) *Error { trail = append(trail, name); return next(c) }
			}
		}}
	}
	cases := []struct {
		stages     []methodStage
		wantStages []string
		wantTrail  []string
	}{
		{nil, nil, []string{"integration"}},
		{[]methodStage{recorder("authorizer", true), recorder("api key", false), recorder("throttle", true)},
			[]string{"authorizer", "throttle"}, []string{"authorizer", "throttle", "integration"}},
		{[]methodStage{recorder("authorizer", false), recorder("cache", false)}, nil, []string{"integration"}},
	}
	for _, c := range cases {
		trail = nil
		m := &method{integ: recordingIntegration{&trail}}
		h := buildChain(m, c.stages)
		if e := h(&Call{}); e != nil {
			t.Fatal(e)
		}
		if !slices.Equal(m.stages, c.wantStages) || !slices.Equal(trail, c.wantTrail) {
			t.Errorf("stages %v trail %v, want %v %v", m.stages, trail, c.wantStages, c.wantTrail)
		}
	}
}

// slowBackend answers its name after the request's wait= query milliseconds.
func slowBackend(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go fasthttp.Serve(ln, func(ctx *fasthttp.RequestCtx) {
		if ms, err := ctx.QueryArgs().GetUint("wait"); err == nil {
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		ctx.SetBodyString(name)
	})
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String()
}

// benchModel builds a model from a test template.
func benchModel(t testing.TB, src string, params map[string]string) *model.Model {
	t.Helper()
	opts := template.Options{Params: params, Region: "us-east-1", AccountID: "123456789012", StackName: "bench", Types: model.Types()}
	tpl, err := template.Parse("bench.yaml", []byte(src), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Build(tpl, model.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// compileBench compiles benchTemplate with its backend into a generation.
func compileBench(t testing.TB, backend string, prev *Generation) *Generation {
	t.Helper()
	gen, err := Compile(benchModel(t, benchTemplate, map[string]string{"Backend": backend}), Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, prev)
	if err != nil {
		t.Fatal(err)
	}
	return gen
}

// TestSwapInFlight: a request that started on one generation finishes on
// it after another is swapped in; requests after the swap use the new one.
// A backend both generations use keeps its connection pool.
func TestSwapInFlight(t *testing.T) {
	a, b := slowBackend(t, "a"), slowBackend(t, "b")
	g := NewEmpty(nil)
	first := compileBench(t, a, nil)
	g.Swap(first)
	serve := func(uri string) string {
		var req fasthttp.Request
		req.SetRequestURI(uri)
		req.Header.SetHost("127.0.0.1:8080")
		var ctx fasthttp.RequestCtx
		serveRequest(g, &ctx, &req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555})
		return string(ctx.Response.Body())
	}
	slow := make(chan string, 1)
	go func() { slow <- serve("/prod/items/x?wait=300") }()
	time.Sleep(100 * time.Millisecond)
	second := compileBench(t, b, first)
	if old := g.Swap(second); old != first {
		t.Fatalf("Swap returned %p, want the first generation %p", old, first)
	}
	if got := serve("/prod/items/x"); got != "b" {
		t.Errorf("after the swap: %q, want b", got)
	}
	if got := <-slow; got != "a" {
		t.Errorf("in flight across the swap: %q, want a (its own generation's backend)", got)
	}
	third := compileBench(t, b, second)
	pool := second.clients.snapshot()[b] // keyed "scheme://host"
	if pool == nil || third.clients.snapshot()[b] != pool {
		t.Errorf("a backend both generations use got a new connection pool (%p, %p)", pool, third.clients.snapshot()[b])
	}
}

func TestStageThrottleFor(t *testing.T) {
	ts := []model.MethodThrottle{
		{Path: "*", Method: "*", Throttle: model.Throttle{Rate: 1, Burst: 1}},
		{Path: "/users", Method: "*", Throttle: model.Throttle{Rate: 2, Burst: 2}},
		{Path: "/users", Method: "GET", Throttle: model.Throttle{Rate: 3, Burst: 3}},
	}
	for _, c := range []struct {
		path, method string
		want         float64
	}{{"/users", "GET", 3}, {"/users", "POST", 2}, {"/orders", "GET", 1}} {
		if got, ok := stageThrottleFor(ts, c.path, c.method); !ok || got.Rate != c.want {
			t.Errorf("%s %s: %v %v, want rate %v", c.method, c.path, got, ok, c.want)
		}
	}
	if _, ok := stageThrottleFor(ts[1:], "/orders", "GET"); ok {
		t.Error("a method no setting covers got one")
	}
}
