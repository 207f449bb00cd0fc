package observe_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/observe"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

const (
	clientTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	clientSpanID  = "00f067aa0ba902b7"
	traceparent   = "00-" + clientTraceID + "-" + clientSpanID + "-01"
)

func newRecorder(t testing.TB) (*tracetest.InMemoryExporter, trace.Tracer) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return exp, tp.Tracer("github.com/apigw/apigw/internal/observe")
}

// serve runs h on a real fasthttp server on a loopback listener, set up as
// the data plane's (header names as sent, not normalized).
func serve(t *testing.T, h fasthttp.RequestHandler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: h, DisableHeaderNamesNormalizing: true}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); <-done })
	return ln.Addr().String()
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestCarrierRequestHeader(t *testing.T) {
	var h fasthttp.RequestHeader
	h.DisableNormalizing() // as Gateway.Server's requests
	h.Set("Traceparent", traceparent)
	h.Set("TRACESTATE", "vendor=abc")
	h.Set("X-Other", "1")
	c := observe.RequestCarrier(&h)
	if got := c.Get("traceparent"); got != traceparent {
		t.Errorf("Get(traceparent) = %q", got)
	}
	if got := c.Get("tracestate"); got != "vendor=abc" {
		t.Errorf("Get(tracestate) = %q", got)
	}
	if got := c.Get("baggage"); got != "" {
		t.Errorf("Get(baggage) = %q", got)
	}
	c.Set("baggage", "k=v")
	if got := string(h.Peek("baggage")); got != "k=v" {
		t.Errorf("after Set: %q", got)
	}
	keys := c.Keys()
	for _, k := range []string{"Traceparent", "TRACESTATE", "X-Other", "baggage"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys() = %q, missing %s", keys, k)
		}
	}

	// Normalizing on (fasthttp's default, a client's request).
	var n fasthttp.RequestHeader
	nc := observe.RequestCarrier(&n)
	nc.Set("traceparent", traceparent)
	if got := nc.Get("traceparent"); got != traceparent {
		t.Errorf("normalized Get = %q", got)
	}
}

func TestCarrierResponseHeader(t *testing.T) {
	var h fasthttp.ResponseHeader
	h.DisableNormalizing()
	c := observe.ResponseCarrier(&h)
	c.Set("traceresponse", traceparent)
	if got := c.Get("TraceResponse"); got != traceparent {
		t.Errorf("Get = %q", got)
	}
	if keys := c.Keys(); !slices.Contains(keys, "traceresponse") {
		t.Errorf("Keys() = %q", keys)
	}
}

// TestObserveServerSpan: a real server and a net/http client sending a W3C
// traceparent (spelt "Traceparent", as net/http does) and tracestate; the
// exported server span continues the client's trace under its remote parent,
// with the semantic-convention attributes and the right status.
func TestObserveServerSpan(t *testing.T) {
	exp, tracer := newRecorder(t)
	prop := propagation.TraceContext{}
	addr := serve(t, func(rc *fasthttp.RequestCtx) {
		_, span := observe.StartServerSpanWith(context.Background(), tracer, prop, rc, string(rc.Method()))
		observe.SetRoute(span, string(rc.Method()), "/items/{id}")
		status, _ := strconv.Atoi(strings.TrimPrefix(string(rc.Path()), "/items/"))
		rc.SetStatusCode(status)
		observe.EndServerSpan(span, status)
	})

	for _, tc := range []struct {
		method string
		status int
		err    bool
	}{{"GET", 200, false}, {"POST", 404, false}, {"GET", 503, true}, {"PURGE", 500, true}} {
		exp.Reset()
		req, _ := http.NewRequest(tc.method, "http://"+addr+"/items/"+strconv.Itoa(tc.status)+"?secret=x", nil)
		req.Header.Set("traceparent", traceparent) // sent as "Traceparent"
		req.Header.Set("tracestate", "vendor=abc")
		req.Header.Set("User-Agent", "observe-test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Fatalf("status %d", resp.StatusCode)
		}
		spans := exp.GetSpans()
		if len(spans) != 1 {
			t.Fatalf("%d spans", len(spans))
		}
		s := spans[0]
		if got := s.SpanContext.TraceID().String(); got != clientTraceID {
			t.Errorf("trace id %s, want the client's %s", got, clientTraceID)
		}
		if got := s.Parent.SpanID().String(); got != clientSpanID || !s.Parent.IsRemote() {
			t.Errorf("parent %s remote=%v, want the client's %s remote", got, s.Parent.IsRemote(), clientSpanID)
		}
		if got := s.SpanContext.TraceState().String(); got != "vendor=abc" {
			t.Errorf("tracestate %q", got)
		}
		if s.SpanKind != trace.SpanKindServer || s.Name != tc.method+" /items/{id}" {
			t.Errorf("kind %v name %q", s.SpanKind, s.Name)
		}
		a := attrs(s)
		_, port, _ := net.SplitHostPort(addr)
		want := map[attribute.Key]string{
			"http.request.method":       tc.method,
			"url.scheme":                "http",
			"url.path":                  "/items/" + strconv.Itoa(tc.status),
			"server.address":            "127.0.0.1",
			"server.port":               port,
			"client.address":            "127.0.0.1",
			"network.peer.address":      "127.0.0.1",
			"network.protocol.version":  "1.1",
			"user_agent.original":       "observe-test",
			"http.route":                "/items/{id}",
			"http.response.status_code": strconv.Itoa(tc.status),
		}
		if tc.method == "PURGE" {
			want["http.request.method"] = "_OTHER"
			want["http.request.method_original"] = "PURGE"
		}
		if tc.err {
			want["error.type"] = strconv.Itoa(tc.status)
		}
		for k, v := range want {
			if got, ok := a[k]; !ok || got.Emit() != v {
				t.Errorf("%s %d: %s = %q, want %q", tc.method, tc.status, k, got.Emit(), v)
			}
		}
		if _, ok := a["url.query"]; ok {
			t.Error("url.query recorded")
		}
		if tc.err && s.Status.Code != codes.Error || !tc.err && s.Status.Code != codes.Unset {
			t.Errorf("%d: status %v", tc.status, s.Status)
		}
	}
}

// TestObserveSpanNoParent: without a traceparent the server span is a root.
func TestObserveSpanNoParent(t *testing.T) {
	exp, tracer := newRecorder(t)
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI("/x")
	_, span := observe.StartServerSpanWith(context.Background(), tracer, propagation.TraceContext{}, &rc, "GET")
	observe.EndServerSpan(span, 200)
	s := exp.GetSpans()[0]
	if s.Parent.IsValid() || !s.SpanContext.IsValid() {
		t.Errorf("parent %v, span %v", s.Parent, s.SpanContext)
	}
}

// TestObserveInjectOutgoing: the gateway's span is injected into an
// outgoing fasthttp client request with the global propagator; the
// backend (another fasthttp server) continues that trace under it.
func TestObserveInjectOutgoing(t *testing.T) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator()) })
	exp, tracer := newRecorder(t)
	var sent string
	backend := serve(t, func(rc *fasthttp.RequestCtx) {
		// fasthttp's client sends "Traceparent"; this server does not
		// normalize names, so Peek("traceparent") would miss it.
		sent = observe.RequestCarrier(&rc.Request.Header).Get("traceparent")
		_, span := observe.StartServerSpan(context.Background(), tracer, rc, "backend")
		observe.EndServerSpan(span, 200)
	})

	ctx, gw := tracer.Start(context.Background(), "gateway", trace.WithSpanKind(trace.SpanKindClient))
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI("http://" + backend + "/items")
	observe.Inject(ctx, &req.Header)
	if err := fasthttp.DoTimeout(req, resp, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	gw.End()

	want := "00-" + gw.SpanContext().TraceID().String() + "-" + gw.SpanContext().SpanID().String() + "-01"
	if sent != want {
		t.Errorf("backend got traceparent %q, want %q", sent, want)
	}
	var back tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.Name == "backend" {
			back = s
		}
	}
	if back.SpanContext.TraceID() != gw.SpanContext().TraceID() || back.Parent.SpanID() != gw.SpanContext().SpanID() {
		t.Errorf("backend span %v parent %v, want trace %s parent %s", back.SpanContext, back.Parent, gw.SpanContext().TraceID(), gw.SpanContext().SpanID())
	}

	// No span in ctx: nothing is written.
	var empty fasthttp.RequestHeader
	observe.Inject(context.Background(), &empty)
	if v := empty.Peek("traceparent"); v != nil {
		t.Errorf("traceparent %q without a span", v)
	}
}

// TestObserveSpanOff: with tracing off (nil or no-op tracer) nothing is
// read, nothing allocated, and the context comes back as it was.
func TestObserveSpanOff(t *testing.T) {
	var rc fasthttp.RequestCtx
	rc.Request.SetRequestURI("/items/1")
	rc.Request.Header.Set("traceparent", traceparent)
	ctx := context.Background()
	for _, tracer := range []trace.Tracer{nil, noop.NewTracerProvider().Tracer("")} {
		if observe.Enabled(tracer) {
			t.Errorf("%T enabled", tracer)
		}
		got, span := observe.StartServerSpanWith(ctx, tracer, propagation.TraceContext{}, &rc, "GET")
		if got != ctx || span.IsRecording() || span.SpanContext().IsValid() {
			t.Errorf("%T: a span %v", tracer, span.SpanContext())
		}
		observe.EndServerSpan(span, 500)
		if n := testing.AllocsPerRun(100, func() {
			_, span := observe.StartServerSpanWith(ctx, tracer, propagation.TraceContext{}, &rc, "GET")
			observe.EndServerSpan(span, 200)
		}); n != 0 {
			t.Errorf("%T: %v allocations per request", tracer, n)
		}
	}
}

// BenchmarkServerSpan is the cost of a server span per request: off (nil or
// no-op tracer), the global tracer with no provider installed, and on (the
// SDK, sampled or not, with a traceparent to extract).
func BenchmarkServerSpan(b *testing.B) {
	var rc fasthttp.RequestCtx
	var req fasthttp.Request
	req.Header.DisableNormalizing()
	req.SetRequestURI("/prod/items/abc?x=1")
	req.Header.SetHost("127.0.0.1:8080")
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("traceparent", traceparent)
	rc.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}, nil)
	prop := propagation.TraceContext{}
	sampled := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	dropped := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	for _, bc := range []struct {
		name   string
		tracer trace.Tracer
	}{
		{"off-nil", nil},
		{"off-noop", noop.NewTracerProvider().Tracer("")},
		{"global-no-provider", otel.Tracer("")},
		{"on-not-sampled", dropped.Tracer("")},
		{"on-sampled", sampled.Tracer("")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, span := observe.StartServerSpanWith(context.Background(), bc.tracer, prop, &rc, "GET")
				observe.SetRoute(span, "GET", "/items/{proxy+}")
				observe.EndServerSpan(span, 200)
			}
		})
	}
}
