// Package gateway serves the REST APIs of a model on the data-plane listener
// with API Gateway's behaviour: API and stage selection, routing on the
// resource tree, integrations, and the gateway-response catalogue. The whole
// request path is compiled once per load and swapped atomically.
package gateway

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/memtrim"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/router"
	"github.com/valyala/fasthttp"
)

// API Gateway's limits (aws-reference.md; AGW-DG:limits).
const (
	MaxBodySize       = 10 << 20 // 10 MB payload
	MaxHeaderSize     = 10240    // request line and headers
	hostSuffix        = ".execute-api.localhost"
	maxMethodARN      = 1600
	readBufferSize    = 16 << 10 // above MaxHeaderSize so the limit is ours, not a read error
	defaultReadTimout = 30 * time.Second
)

// Deps are what the gateway needs from outside.
type Deps struct {
	Logger  *slog.Logger
	Invoker lambda.Invoker // for AWS_PROXY integrations; nil if none are used
	Region  string
	Account string
	// Extra handlers for data-plane paths outside the APIs (the Lambda
	// Invoke API, @connections); tried before API routing when Match says so.
	Extra []Extra
}

// Extra is a data-plane handler outside the API routes.
type Extra struct {
	Match   func(path string) bool
	Handler fasthttp.RequestHandler
}

// Gateway serves the compiled APIs.
type Gateway struct {
	deps  Deps
	table atomic.Pointer[table]
	stats Stats
}

// Stats are counters the admin listener exports.
type Stats struct {
	Requests  atomic.Uint64
	Status2xx atomic.Uint64
	Status3xx atomic.Uint64
	Status4xx atomic.Uint64
	Status5xx atomic.Uint64
}

// New compiles a model into a gateway.
func New(m *model.Model, deps Deps) (*Gateway, error) {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	g := &Gateway{deps: deps}
	if err := g.Load(m); err != nil {
		return nil, err
	}
	return g, nil
}

// Load compiles a model and swaps it in; on error the old one stays.
func (g *Gateway) Load(m *model.Model) error {
	t, err := compile(m, &g.deps)
	if err != nil {
		return err
	}
	g.table.Store(t)
	return nil
}

// Routes lists the served routes, for start-up output.
func (g *Gateway) Routes() []Route { return g.table.Load().routes }

// Stats returns the gateway's counters.
func (g *Gateway) Stats() *Stats { return &g.stats }

// Server returns the fasthttp server for the data plane, with API Gateway's
// limits and error answers.
func (g *Gateway) Server() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                       g.Handle,
		ErrorHandler:                  g.handleReadError,
		Name:                          "",
		NoDefaultServerHeader:         true,
		NoDefaultContentType:          true,
		DisableHeaderNamesNormalizing: true,
		DisablePreParseMultipartForm:  true,
		MaxRequestBodySize:            MaxBodySize,
		ReadBufferSize:                readBufferSize,
		ReadTimeout:                   defaultReadTimout,
		WriteTimeout:                  60 * time.Second,
		IdleTimeout:                   120 * time.Second,
		StreamRequestBody:             false,
		CloseOnShutdown:               true,
		Logger:                        slogAdapter{g.deps.Logger},
	}
}

type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Printf(format string, args ...any) {
	a.l.Debug("data plane", "msg", strings.TrimSpace(sprintf(format, args...)))
}

// handleReadError answers requests fasthttp could not read, as API
// Gateway's front end does.
func (g *Gateway) handleReadError(ctx *fasthttp.RequestCtx, err error) {
	c := acquireCall()
	newRequestID(c)
	ctx.Response.Header.Set("x-amzn-RequestId", c.requestID)
	ctx.Response.Header.SetBytesV("x-amz-apigw-id", c.apigwID[:])
	releaseCall(c)
	switch {
	case errors.Is(err, errBareLF):
		writeError(ctx, errBadRequest)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ctx.Response.SetStatusCode(413)
		ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
		ctx.Response.SetBodyString("HTTP content length exceeded 10485760 bytes.")
	case isSmallBuffer(err):
		writeError(ctx, errHeaderTooLarge)
	default:
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			writeError(ctx, errReadTimeout)
			break
		}
		writeError(ctx, errBadRequest)
	}
	ctx.SetConnectionClose()
	dropLargeBodies(ctx)
}

// dropLargeBodies keeps a large request body's buffer out of fasthttp's
// pool (integrations give large response bodies as raw slices, which are
// not pooled either), and has the memory trimmed once large bodies stop
// coming: a burst of 10 MB uploads must not keep apigw at its peak.
func dropLargeBodies(ctx *fasthttp.RequestCtx) {
	large := false
	if len(ctx.Request.Body()) > memtrim.LargeBody {
		ctx.Request.SwapBody(nil)
		large = true
	}
	if large || len(ctx.Response.Body()) > memtrim.LargeBody {
		memtrim.Note()
	}
}

func isSmallBuffer(err error) bool {
	s := err.Error()
	return strings.Contains(s, "small read buffer") || strings.Contains(s, "too big")
}

// Handle serves one data-plane request.
func (g *Gateway) Handle(ctx *fasthttp.RequestCtx) {
	g.stats.Requests.Add(1)
	c := acquireCall()
	c.ctx = ctx
	c.start = time.Now()
	newRequestID(c)
	h := &ctx.Response.Header
	h.Set("x-amzn-RequestId", c.requestID)
	h.SetBytesV("x-amz-apigw-id", c.apigwID[:])
	if e := g.serve(c); e != nil {
		if e.Cause != nil && catalogue[e.Type].Is5xx {
			g.deps.Logger.Warn("request failed", "requestId", c.requestID, "error", e.Error())
		}
		writeError(ctx, e)
	}
	dropLargeBodies(ctx)
	switch s := ctx.Response.StatusCode(); {
	case s >= 500:
		g.stats.Status5xx.Add(1)
	case s >= 400:
		g.stats.Status4xx.Add(1)
	case s >= 300:
		g.stats.Status3xx.Add(1)
	default:
		g.stats.Status2xx.Add(1)
	}
	releaseCall(c)
}

func (g *Gateway) serve(c *Call) *Error {
	ctx := c.ctx
	uri := string(ctx.Request.Header.RequestURI())
	// Absolute-form request targets (proxies) carry the scheme and host.
	if strings.HasPrefix(uri, "http://") || strings.HasPrefix(uri, "https://") {
		rest := uri[strings.Index(uri, "//")+2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			uri = rest[i:]
		} else {
			uri = "/"
		}
	}
	rawPath, rawQuery, _ := strings.Cut(uri, "?")
	if i := strings.IndexByte(rawQuery, '#'); i >= 0 {
		rawQuery = rawQuery[:i]
	}
	if e := checkPath(rawPath); e != nil {
		return e
	}
	if len(ctx.Request.Header.RawHeaders())+len(uri) > MaxHeaderSize {
		return errHeaderTooLarge
	}
	// Extra handlers (the Lambda Invoke API) share the listener; a Host
	// that names an API always goes to the API.
	if !hostNamesAPI(ctx.Host()) {
		for _, x := range g.deps.Extra {
			if x.Match(rawPath) {
				// Not API Gateway: the handler gives its own ids (Lambda's
				// Invoke API has x-amzn-RequestId, not x-amz-apigw-id).
				ctx.Response.Header.Del("x-amz-apigw-id")
				ctx.Response.Header.Del("x-amzn-RequestId")
				x.Handler(ctx)
				return nil
			}
		}
	}
	t := g.table.Load()
	// The stage is the first segment; API Gateway tolerates extra leading slashes.
	trimmed := strings.TrimLeft(rawPath, "/")
	stageName, rest, _ := strings.Cut(trimmed, "/")
	var st *stage
	if a := apiFromHost(t, ctx.Host()); a != nil {
		st = a.stages[stageName]
	} else if hostNamesAPI(ctx.Host()) {
		return errMissingToken
	} else if apis := t.byStage[stageName]; len(apis) == 1 {
		st = apis[0].stages[stageName]
	}
	if st == nil {
		return errMissingToken
	}
	accept, ok := acceptFor[string(ctx.Method())]
	if !ok {
		return errMissingToken
	}
	c.stage = st
	// fullPath keeps the path as sent with leading slashes folded; path is
	// what follows the stage, with its leading slashes folded. Substrings
	// of the request line, unless there were slashes to fold.
	if len(rawPath)-len(trimmed) == 1 {
		c.fullPath = rawPath
	} else {
		c.fullPath = "/" + trimmed
	}
	switch restTrimmed := strings.TrimLeft(rest, "/"); {
	case rest == "":
		c.path = "/"
	case len(rest)-len(restTrimmed) == 0:
		// "/stage/x": the slash before x is the one after the stage.
		c.path = trimmed[len(stageName):]
	default:
		c.path = "/" + restTrimmed
	}
	c.rawQuery = rawQuery
	res, found := st.tree.Lookup(c.path, accept.fn, &c.params)
	if !found {
		return errMissingToken
	}
	m := res.lookup(accept.name)
	c.method = m
	// API Gateway limits the method ARN
	// (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH) to 1600 bytes.
	if st.api.arnPrefixLen+len(st.name)+1+len(accept.name)+len(c.path) > maxMethodARN {
		return errURITooLong
	}
	return m.integ.Serve(c)
}

type acceptFunc struct {
	name string
	fn   func(*resource) bool
}

// acceptFor holds one predicate per HTTP method API Gateway routes, made
// once so lookups allocate nothing.
var acceptFor = func() map[string]acceptFunc {
	m := map[string]acceptFunc{}
	for _, name := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"} {
		m[name] = acceptFunc{name: name, fn: func(r *resource) bool { return r.lookup(name) != nil }}
	}
	return m
}()

// checkPath refuses request paths API Gateway would not route: invalid
// percent-encoding, and dot segments, which could climb out of a backend's
// base path through a {proxy+} mapping.
func checkPath(p string) *Error {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return errBadRequest
			}
		}
		if c < 0x20 || c == 0x7f {
			return errBadRequest
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." || strings.EqualFold(seg, "%2e") || strings.EqualFold(seg, "%2e%2e") ||
			strings.EqualFold(seg, ".%2e") || strings.EqualFold(seg, "%2e.") {
			return errBadRequest
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// apiFromHost finds the API a Host header names: {apiId}.execute-api.localhost[:port].
func apiFromHost(t *table, host []byte) *api {
	h := hostWithoutPort(host)
	if len(h) <= len(hostSuffix) || !strings.EqualFold(h[len(h)-len(hostSuffix):], hostSuffix) {
		return nil
	}
	return t.apis[strings.ToLower(h[:len(h)-len(hostSuffix)])]
}

func hostNamesAPI(host []byte) bool {
	h := hostWithoutPort(host)
	return len(h) > len(hostSuffix) && strings.EqualFold(h[len(h)-len(hostSuffix):], hostSuffix)
}

func hostWithoutPort(host []byte) string {
	h := string(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return h
}

// Call is one request on its way through the pipeline.
type Call struct {
	ctx       *fasthttp.RequestCtx
	start     time.Time
	requestID string
	apigwID   [16]byte
	stage     *stage
	method    *method
	fullPath  string // with the stage, as sent (leading slashes folded)
	path      string // without the stage, as sent
	rawQuery  string
	params    router.Params
}
