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

	"github.com/apigw/apigw/internal/auth/cognito"
	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/apigw/apigw/internal/cache"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/lambdaproxy"
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

// Deps are what one generation is compiled with.
type Deps struct {
	Logger *slog.Logger
	// Invoker calls the functions of this template load (AWS_PROXY); nil
	// if none are used.
	Invoker lambda.Invoker
	Region  string
	Account string
	// Extra handlers for data-plane paths outside the APIs (the Lambda
	// Invoke API, @connections), of this template load; tried before API
	// routing when Match says so.
	Extra []Extra
	// Access is what API keys, throttling and quotas keep across
	// generations; nil when nothing needs it.
	Access *Access
	// IAM verifies AWS_IAM methods' signatures (--iam-credentials); nil
	// refuses every call to them.
	IAM *sigv4.Verifier
	// UserPools verify the tokens of COGNITO_USER_POOLS methods, by pool
	// id; a pool without one refuses every token.
	UserPools map[string]*cognito.Verifier
	// JWT gives an HTTP API JWT authorizer its verifier (cmd: the local
	// user-pool issuer when Issuer names a pool of the template, else the
	// issuer's keys by OIDC discovery); nil refuses every token.
	JWT func(a *model.HTTPAuthorizer) (JWTVerifier, error)
	// Caches hold the stage caches across generations; nil: no stage is
	// cached. CacheControl says who may invalidate entries.
	Caches       *cache.Stages
	CacheControl CacheControl
}

// Extra is a data-plane handler outside the API routes.
type Extra struct {
	// Match takes a path, unless the Host names an API; Claims, when set
	// instead, decides from the whole request (WebSocket APIs: their own
	// Host names, upgrades on a stage a REST API shares).
	Match   func(path string) bool
	Claims  func(ctx *fasthttp.RequestCtx, path string) bool
	Handler fasthttp.RequestHandler
}

// Gateway serves the current generation. A request takes the generation
// current when it arrives and finishes on it, whatever is swapped in
// meanwhile.
type Gateway struct {
	logger *slog.Logger
	gen    atomic.Pointer[Generation]
	stats  Stats
}

// Stats are counters the admin listener exports.
type Stats struct {
	Requests  atomic.Uint64
	Status2xx atomic.Uint64
	Status3xx atomic.Uint64
	Status4xx atomic.Uint64
	Status5xx atomic.Uint64
}

// New compiles a model into a gateway serving it.
func New(m *model.Model, deps Deps) (*Gateway, error) {
	gen, err := Compile(m, deps, nil)
	if err != nil {
		return nil, err
	}
	g := NewEmpty(deps.Logger)
	g.Swap(gen)
	return g, nil
}

// NewEmpty is a gateway with no generation yet: Swap one in before serving.
func NewEmpty(logger *slog.Logger) *Gateway {
	if logger == nil {
		logger = slog.Default()
	}
	return &Gateway{logger: logger}
}

// Swap makes gen the generation new requests are served by and returns the
// one it replaces (nil at the first swap), whose requests in flight finish
// on it. The old generation's resources are released once they are done.
func (g *Gateway) Swap(gen *Generation) *Generation {
	old := g.gen.Swap(gen)
	if old != nil {
		old.retire(gen)
	}
	return old
}

// Current is the generation new requests are served by.
func (g *Gateway) Current() *Generation { return g.gen.Load() }

// Routes lists the served routes, for start-up output.
func (g *Gateway) Routes() []Route { return g.gen.Load().Routes() }

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
		Logger:                        slogAdapter{g.logger},
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
	// Before the request is read there is no API: the front end's own
	// answers, through the same writer as every gateway response.
	switch {
	case errors.Is(err, errBareLF):
		writeError(ctx, nil, errBadRequest)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		ctx.Response.SetStatusCode(413)
		ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
		ctx.Response.SetBodyString("HTTP content length exceeded 10485760 bytes.")
	case isSmallBuffer(err):
		writeError(ctx, nil, errHeaderTooLarge)
	default:
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			writeError(ctx, nil, errReadTimeout)
			break
		}
		writeError(ctx, nil, errBadRequest)
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

// isSmallBuffer tells a request line and headers that overflow the read
// buffer (sized above MaxHeaderSize), by fasthttp's error types.
func isSmallBuffer(err error) bool {
	var sb *fasthttp.ErrSmallBuffer
	return errors.As(err, &sb) || errors.Is(err, fasthttp.ErrSmallReadBuffer)
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

// Call is one request on its way through the pipeline.
type Call struct {
	ctx        *fasthttp.RequestCtx
	start      time.Time
	requestID  string
	apigwID    [16]byte
	gen        *Generation
	stage      *stage
	method     *method
	apiKey     *stageKey       // the request's API key, when its method needs one
	identity   *sigv4.Identity // the caller of an AWS_IAM method
	authorizer map[string]any  // requestContext.authorizer (Cognito claims, a Lambda authorizer's context)
	usageKey   string          // a Lambda authorizer's usageIdentifierKey
	rawPath    string          // the request target's path, as sent
	fullPath   string          // with the stage, as sent (leading slashes folded)
	path       string          // without the stage, as sent
	rawQuery   string
	params     router.Params
	scratch    []byte // reused between calls: the cache key
	// HTTP APIs (httpapi.go): httpAPI once the call is an HTTP API's (its
	// errors are HTTP API errors); its stage and route; what its
	// authorizer found (requestContext.authorizer).
	httpAPI bool
	hstage  *httpStage
	hroute  *httpRoute
	v2auth  *lambdaproxy.V2Authorizer
}
