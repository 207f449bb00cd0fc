// Package observe carries OpenTelemetry traces on fasthttp, which otelhttp
// (net/http only) does not: W3C trace context read from and written to
// fasthttp headers through propagation.TextMapCarrier adapters, and server
// spans started and ended by hand around a fasthttp request.
//
// Tracing off costs nothing: with a nil or no-op tracer StartServerSpan
// reads no header and allocates nothing, and the request's headers (a
// traceparent too) pass through untouched.
package observe

import (
	"context"
	"iter"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// RequestCarrier adapts a fasthttp request header (a server's incoming
// request or a client's outgoing one) to a propagator. Get matches names
// case-insensitively, also on a server with DisableHeaderNamesNormalizing
// (the data plane's), where fasthttp's Peek is an exact match and a client's
// "Traceparent" (Go's net/http spelling) would not be found as "traceparent".
func RequestCarrier(h *fasthttp.RequestHeader) propagation.TextMapCarrier {
	return headerCarrier[*fasthttp.RequestHeader]{h}
}

// ResponseCarrier adapts a fasthttp response header (an upstream's answer, or
// the answer written to the client) to a propagator.
func ResponseCarrier(h *fasthttp.ResponseHeader) propagation.TextMapCarrier {
	return headerCarrier[*fasthttp.ResponseHeader]{h}
}

// fasthttpHeader is what the carrier needs of fasthttp's request and
// response headers.
type fasthttpHeader interface {
	*fasthttp.RequestHeader | *fasthttp.ResponseHeader
	Peek(key string) []byte
	Set(key, value string)
	All() iter.Seq2[[]byte, []byte]
}

// headerCarrier holds one pointer, so it fits in an interface without
// allocating.
type headerCarrier[H fasthttpHeader] struct{ h H }

func (c headerCarrier[H]) Get(key string) string {
	if v := c.h.Peek(key); len(v) > 0 {
		return string(v)
	}
	for k, v := range c.h.All() {
		if equalFold(k, key) {
			return string(v)
		}
	}
	return ""
}

func (c headerCarrier[H]) Set(key, value string) { c.h.Set(key, value) }

func (c headerCarrier[H]) Keys() []string {
	var keys []string
	for k := range c.h.All() {
		keys = append(keys, string(k))
	}
	return keys
}

// equalFold is ASCII case-insensitive equality without converting b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Enabled reports whether spans from t can be recorded: false for nil and
// for the no-op tracer (go.opentelemetry.io/otel/trace/noop), which is what
// the data plane should hold when no exporter is configured. The global
// tracer (otel.Tracer) is never reported as disabled, since a provider may
// be installed later; it costs header parsing on every request.
func Enabled(t trace.Tracer) bool {
	switch t.(type) {
	case nil, noop.Tracer, *noop.Tracer:
		return false
	}
	return true
}

// StartServerSpan starts the server span for a fasthttp request with the
// global propagator (otel.SetTextMapPropagator). See StartServerSpanWith.
func StartServerSpan(ctx context.Context, tracer trace.Tracer, rc *fasthttp.RequestCtx, name string) (context.Context, trace.Span) {
	return StartServerSpanWith(ctx, tracer, otel.GetTextMapPropagator(), rc, name)
}

// StartServerSpanWith starts the server span for a fasthttp request: the
// remote parent and trace state come from the request's headers through
// prop (W3C traceparent and tracestate with propagation.TraceContext), and
// the span carries the HTTP server semantic conventions known before
// routing, given at start so that samplers see them. name is the span name
// (semantic conventions: "{method} {route}" once the route is known, or the
// method alone). The caller sets http.route when it has one and ends the span
// with EndServerSpan. With a nil or no-op tracer nothing is read or
// allocated: the span returned is ctx's (a no-op span).
func StartServerSpanWith(ctx context.Context, tracer trace.Tracer, prop propagation.TextMapPropagator, rc *fasthttp.RequestCtx, name string) (context.Context, trace.Span) {
	if !Enabled(tracer) {
		return ctx, trace.SpanFromContext(ctx)
	}
	if prop != nil {
		ctx = prop.Extract(ctx, RequestCarrier(&rc.Request.Header))
	}
	return tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(serverAttributes(rc)...))
}

// serverAttributes are the HTTP server span attributes of semantic
// conventions 1.43 known from the request. url.query is left out: API
// Gateway query strings carry credentials as often as not.
func serverAttributes(rc *fasthttp.RequestCtx) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 11)
	method := string(rc.Method())
	if m, ok := knownMethods[method]; ok {
		attrs = append(attrs, m)
	} else {
		attrs = append(attrs, semconv.HTTPRequestMethodOther, semconv.HTTPRequestMethodOriginal(method))
	}
	scheme := "http"
	if rc.IsTLS() {
		scheme = "https"
	}
	path, _, _ := strings.Cut(string(rc.Request.Header.RequestURI()), "?")
	attrs = append(attrs, semconv.URLScheme(scheme), semconv.URLPath(path))
	if host := string(rc.Host()); host != "" {
		h, port := splitHostPort(host)
		attrs = append(attrs, semconv.ServerAddress(h))
		if port > 0 {
			attrs = append(attrs, semconv.ServerPort(port))
		}
	}
	if rc.Request.Header.IsHTTP11() {
		attrs = append(attrs, semconv.NetworkProtocolVersion("1.1"))
	} else {
		attrs = append(attrs, semconv.NetworkProtocolVersion("1.0"))
	}
	if addr := rc.RemoteAddr(); addr != nil {
		h, port := splitHostPort(addr.String())
		attrs = append(attrs, semconv.ClientAddress(h), semconv.NetworkPeerAddress(h))
		if port > 0 {
			attrs = append(attrs, semconv.NetworkPeerPort(port))
		}
	}
	if ua := rc.Request.Header.UserAgent(); len(ua) > 0 {
		attrs = append(attrs, semconv.UserAgentOriginal(string(ua)))
	}
	return attrs
}

var knownMethods = map[string]attribute.KeyValue{
	"CONNECT": semconv.HTTPRequestMethodConnect,
	"DELETE":  semconv.HTTPRequestMethodDelete,
	"GET":     semconv.HTTPRequestMethodGet,
	"HEAD":    semconv.HTTPRequestMethodHead,
	"OPTIONS": semconv.HTTPRequestMethodOptions,
	"PATCH":   semconv.HTTPRequestMethodPatch,
	"POST":    semconv.HTTPRequestMethodPost,
	"PUT":     semconv.HTTPRequestMethodPut,
	"TRACE":   semconv.HTTPRequestMethodTrace,
}

// splitHostPort splits "host:port" and "[v6]:port"; port is 0 when absent
// or not a number.
func splitHostPort(s string) (string, int) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.HasSuffix(s, "]") {
		return strings.Trim(s, "[]"), 0
	}
	port, err := strconv.Atoi(s[i+1:])
	if err != nil {
		return strings.Trim(s, "[]"), 0
	}
	return strings.Trim(s[:i], "[]"), port
}

// SetRoute names the matched route (a resource path template such as
// "/items/{id}") on the span and renames it "{method} {route}".
func SetRoute(span trace.Span, method, route string) {
	if !span.IsRecording() {
		return
	}
	span.SetAttributes(semconv.HTTPRoute(route))
	span.SetName(method + " " + route)
}

// EndServerSpan records the response status and ends the span. As the
// semantic conventions have it for server spans, 5xx is an error (status
// Error, error.type the status code) and 4xx is not.
func EndServerSpan(span trace.Span, status int) {
	if span.IsRecording() {
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		if status >= 500 {
			code := strconv.Itoa(status)
			span.SetAttributes(semconv.ErrorTypeKey.String(code))
			span.SetStatus(codes.Error, code)
		}
	}
	span.End()
}

// Inject writes ctx's trace context into an outgoing fasthttp request's
// headers with the global propagator (HTTP integrations: the backend's spans
// become children of the gateway's).
func Inject(ctx context.Context, h *fasthttp.RequestHeader) {
	InjectWith(ctx, otel.GetTextMapPropagator(), h)
}

// InjectWith is Inject with a given propagator.
func InjectWith(ctx context.Context, prop propagation.TextMapPropagator, h *fasthttp.RequestHeader) {
	if prop == nil {
		return
	}
	prop.Inject(ctx, RequestCarrier(h))
}
