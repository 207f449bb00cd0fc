package gateway

import (
	"bytes"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// The request pipeline, in API Gateway's order. This file is the one place
// that order is written; each stage lives in its own file and knows nothing
// of the others.
//
//	listener         framing.go: bare-LF header blocks refused at once
//	front end        fasthttp's limits (Server); read errors -> handleReadError
//	request checks   frontEnd: request target, percent-encoding, dot segments, header size
//	extra handlers   the generation's Extra (Lambda Invoke API, later @connections)
//	decompression    compress.go: a body's Content-Encoding gzip/deflate decoded (every API), 415, 413
//	API and stage    selectStage: Host {apiId}.execute-api.localhost, else the stage name
//	route            route: resource tree lookup, method (ANY), method ARN limit
//	                 (an HTTP API's stage goes to serveHTTPAPI: httpapi.go has its own order)
//	--- per method: the chain compiled by buildChain, methodStages in order ---
//	authorizer       iam.go: AWS_IAM (SigV4); cognito.go: COGNITO_USER_POOLS; custom.go: Lambda (TOKEN, REQUEST)
//	resource policy  resourcepolicy.go: the API's Policy, with the caller the authorizer found
//	API key          access.go: x-api-key of a usage plan of the stage, else 403
//	throttle         access.go: usage plan (method, plan), stage method settings, account
//	quota            access.go: the key's quota in its usage plan
//	validation       validation.go: the method's RequestValidator: required parameters, 400; the body against its model, 400
//	cache            cache.go: the stage cache (a hit answers; a miss stores the integration's answer)
//	integration      integration.go: HTTP/HTTP_PROXY, MOCK, AWS_PROXY, with response mapping
//	--- back in Handle ---
//	gateway response writeError, with the API's gateway responses (responses.go)
//	compression      compress.go: the integration response, with the API's MinimumCompressionSize
//	access log, metrics  Handle: counters by status class (access logs: later)

// Handler serves a call at one point of a method's chain: it writes the
// answer into the request context, or returns the gateway error to answer.
type Handler func(c *Call) *Error

// methodStage is one stage of the per-method chain. build returns the
// stage's wrapper for a method that uses it, and nil for one that does
// not: such a method's chain does not hold the stage, which then costs it
// nothing.
type methodStage struct {
	name  string
	build func(m *method) func(next Handler) Handler
}

// methodStages are the per-method stages before the integration, in API
// Gateway's order (the list above). Each capability adds its entry at its
// place.
func methodStages(gen *Generation) []methodStage {
	deps := &gen.deps
	acc := deps.Access
	return []methodStage{
		{"authorizer: AWS_IAM", iamStage(deps.IAM)},
		{"authorizer: COGNITO_USER_POOLS", cognitoStage(deps.UserPools)},
		{"authorizer: CUSTOM", customStage(gen)},
		{"resource policy", resourcePolicyStage},
		{"api key", apiKeyStage},
		{"throttle", throttleStage(acc)},
		{"quota", quotaStage(acc)},
		{"request validation", validationStage},
		{"cache", cacheStage},
	}
}

// buildChain compiles a method's chain: the stages it uses, in order,
// around its integration.
func buildChain(m *method, stages []methodStage) Handler {
	h := Handler(m.integ.Serve)
	for i := len(stages) - 1; i >= 0; i-- {
		if wrap := stages[i].build(m); wrap != nil {
			h = wrap(h)
			m.stages = append([]string{stages[i].name}, m.stages...)
		}
	}
	return h
}

// serve runs the method's chain; a method that uses no stage calls its
// integration directly, without the closure.
func (m *method) serve(c *Call) *Error {
	if len(m.stages) == 0 {
		return m.integ.Serve(c)
	}
	return m.chain(c)
}

// Handle serves one data-plane request on the current generation.
func (g *Gateway) Handle(ctx *fasthttp.RequestCtx) {
	g.stats.Requests.Add(1)
	c := acquireCall()
	c.ctx = ctx
	c.start = time.Now()
	c.gen = g.gen.Load() // the request finishes on this generation
	newRequestID(c)
	h := &ctx.Response.Header
	h.Set("x-amzn-RequestId", c.requestID)
	h.SetBytesV("x-amz-apigw-id", c.apigwID[:])
	if e := c.gen.serve(c); e != nil {
		if e.Cause != nil && catalogue[e.Type].Is5xx {
			g.logger.Warn("request failed", "requestId", c.requestID, "error", e.Error())
		}
		if c.httpAPI {
			writeHTTPAPIError(ctx, e)
		} else {
			writeError(ctx, c.stage, e)
		}
	} else if st := c.stage; st != nil && st.api.minCompress >= 0 {
		compressResponse(ctx, st.api.minCompress)
	}
	if ctx.Hijacked() {
		stopFraming(ctx.Conn())
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

// serve runs the request-level stages, then the method's chain.
func (gen *Generation) serve(c *Call) *Error {
	if e := frontEnd(c); e != nil {
		return e
	}
	if x := gen.extraFor(c); x != nil {
		// Not API Gateway: the handler gives its own ids (Lambda's Invoke
		// API has x-amzn-RequestId, not x-amz-apigw-id).
		c.ctx.Response.Header.Del("x-amz-apigw-id")
		c.ctx.Response.Header.Del("x-amzn-RequestId")
		x(c.ctx)
		return nil
	}
	// API Gateway decodes a compressed body for every API, before it
	// knows the API and stage (AWS: "The error is not logged ... if it
	// occurs in the early phase of decompression before your API and stage
	// are identified"): so before the route and every per-method stage,
	// and its 415/413 are the default gateway responses. Not for the extra
	// handlers, which are not API Gateway.
	if e := decodeRequestBody(c.ctx); e != nil {
		return e
	}
	if e := gen.selectStage(c); e != nil {
		return e
	}
	if c.hstage != nil {
		return serveHTTPAPI(c)
	}
	if e := route(c); e != nil {
		return e
	}
	return c.method.serve(c)
}

// frontEnd reads the request target: path and query, checked as API
// Gateway's front end checks them.
func frontEnd(c *Call) *Error {
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
	c.rawPath, c.rawQuery = rawPath, rawQuery
	return nil
}

// extraFor finds the extra handler of a path; a Host that names an API
// always goes to the API.
func (gen *Generation) extraFor(c *Call) fasthttp.RequestHandler {
	if len(gen.deps.Extra) == 0 {
		return nil
	}
	named := hostNamesAPI(c.ctx.Host())
	for _, x := range gen.deps.Extra {
		switch {
		case x.Claims != nil:
			if x.Claims(c.ctx, c.rawPath) {
				return x.Handler
			}
		case !named && x.Match(c.rawPath):
			return x.Handler
		}
	}
	return nil
}

// selectStage finds the API and stage: from the Host when it names an API,
// else the one API with a stage of that name.
func (gen *Generation) selectStage(c *Call) *Error {
	ctx := c.ctx
	t := gen.table
	rawPath := c.rawPath
	// The stage is the first segment; API Gateway tolerates extra leading slashes.
	trimmed := strings.TrimLeft(rawPath, "/")
	stageName, rest, _ := strings.Cut(trimmed, "/")
	var st *stage
	var idBuf [64]byte
	hostID := hostAPIID(ctx.Host(), &idBuf)
	if a := t.apis[string(hostID)]; hostID != nil && a != nil {
		st = a.stages[stageName]
	} else if ha := t.httpAPIs[string(hostID)]; hostID != nil && ha != nil {
		return selectHTTPStage(c, ha, trimmed, stageName, rest)
	} else if hostID != nil {
		return errMissingToken
	} else if apis := t.byStage[stageName]; len(apis) == 1 {
		st = apis[0].stages[stageName]
	} else if len(apis) == 0 && len(t.httpAPIs) > 0 {
		// Not a REST API's stage: an HTTP API's named stage, else the
		// one $default stage (CONTRACT.md). A template of HTTP APIs only
		// answers what none takes as they do.
		if ha := t.httpAPIForPath(stageName); ha != nil {
			return selectHTTPStage(c, ha, trimmed, stageName, rest)
		}
		if len(t.apis) == 0 {
			enterHTTPAPI(c)
			return errHTTPNotFound
		}
	}
	if st == nil {
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
	return nil
}

// route finds the method on the stage's resource tree.
func route(c *Call) *Error {
	accept, ok := acceptFor[string(c.ctx.Method())]
	if !ok {
		return errMissingToken
	}
	st := c.stage
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
	return nil
}

// hostAPIID is the API id a Host header names ({apiId}.execute-api.localhost,
// a port allowed), lower-cased into buf; nil when it names none. It does
// not allocate: every request asks.
func hostAPIID(host []byte, buf *[64]byte) []byte {
	h := host
	if i := bytes.LastIndexByte(h, ':'); i >= 0 && !bytes.HasSuffix(h, []byte("]")) {
		h = h[:i]
	}
	if len(h) <= len(hostSuffix) || !bytes.EqualFold(h[len(h)-len(hostSuffix):], []byte(hostSuffix)) {
		return nil
	}
	id := h[:len(h)-len(hostSuffix)]
	if len(id) > len(buf) {
		return bytes.ToLower(id)
	}
	out := buf[:len(id)]
	for i, c := range id {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func hostNamesAPI(host []byte) bool {
	var buf [64]byte
	return hostAPIID(host, &buf) != nil
}
