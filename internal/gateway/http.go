package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/memtrim"
	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// httpIntegration is an HTTP or HTTP_PROXY backend. The client is fasthttp's
// HostClient: it writes and reads on the calling goroutine, which DESIGN.md
// measured as the difference between net/http's Transport and nginx.
type httpIntegration struct {
	proxy     bool
	method    string // "" passes the client's method through (ANY)
	host      string // Host header for the backend
	client    *fasthttp.HostClient
	path      uriTemplate // path and query of the URI, with {placeholders}
	static    []byte      // the path and query when there are no placeholders
	hasQuery  bool        // the URI has a query of its own: more parameters join with '&'
	mappings  []model.ParamMapping
	timeout   time.Duration
	responses *responseMapper // HTTP (non-proxy) only
	templates map[string]string
	passthru  string
	// contentHandling converts a passed-through request body;
	// binaryTypes are the API's binaryMediaTypes (HTTP non-proxy only).
	contentHandling string
	binaryTypes     []string
}

// get returns the connection pool of a backend: the previous generation's
// when it had one (warm connections survive a reload), else a new one.
func (cs *clientSet) get(scheme, host string) *fasthttp.HostClient {
	key := scheme + "://" + host
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c := cs.m[key]; c != nil {
		return c
	}
	if cs.prevPool != nil {
		if c := cs.prevPool.snapshotOne(key); c != nil {
			cs.m[key] = c
			return c
		}
	}
	addr := host
	if !strings.Contains(strings.TrimPrefix(host, "["), ":") || strings.HasSuffix(host, "]") {
		if scheme == "https" {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	c := &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         scheme == "https",
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		// Past MaxConns, requests wait for a connection (bounded by their
		// own integration timeout) instead of failing at once.
		MaxConns:            2048,
		MaxConnWaitTimeout:  29 * time.Second,
		MaxIdleConnDuration: 60 * time.Second,
		MaxResponseBodySize: MaxBodySize,
		ReadBufferSize:      16 << 10,
		RetryIfErr:          func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	cs.m[key] = c
	return c
}

func (cs *clientSet) snapshotOne(key string) *fasthttp.HostClient {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.m[key]
}

func newHTTPIntegration(m *model.Method, uri string, st *stage, clients *clientSet) (*httpIntegration, error) {
	in := m.Integration
	scheme, host, rest, err := splitURL(uri)
	if err != nil {
		return nil, &compileError{"Properties.Integration.Uri", in.Line, err.Error()}
	}
	if strings.ContainsAny(host, "{}") {
		return nil, &compileError{"Properties.Integration.Uri", in.Line, "a {placeholder} in the host is not supported"}
	}
	h := &httpIntegration{
		proxy:    in.Type == model.HTTPProxy,
		host:     host,
		client:   clients.get(scheme, host),
		path:     parseURITemplate(rest),
		mappings: in.RequestParameters,
		timeout:  in.Timeout,
		passthru: in.PassthroughBehavior,
	}
	if in.HTTPMethod != "ANY" {
		h.method = in.HTTPMethod
	}
	if !h.path.hasParams() {
		h.static = []byte(rest)
	}
	h.hasQuery = strings.Contains(rest, "?")
	if !h.proxy {
		h.responses = newResponseMapper(in.Responses, st.api.binaryMediaTypes)
		h.templates = in.RequestTemplates
		h.contentHandling = in.ContentHandling
		h.binaryTypes = st.api.binaryMediaTypes
	}
	return h, nil
}

// hopByHop are request headers a proxy does not forward (RFC 9110 §7.6.1),
// plus those the client library sets itself, and Content-Encoding: the
// body was decoded (compress.go) and API Gateway's HTTP_PROXY does not pass
// the header on (recorded on AWS: LocalStack's header-remapping snapshot).
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect", "Proxy-Connection",
	"Content-Encoding"}

var strConnection = []byte("Connection")

// connectionTokens are the header names a request's Connection header lists:
// hop-by-hop for this connection only, so a proxy removes them too (RFC 9110
// §7.6.1). Most requests list none or only close/keep-alive.
type connectionTokens struct {
	names [][]byte
}

func (t *connectionTokens) add(value []byte) {
	for len(value) > 0 {
		var tok []byte
		if i := bytes.IndexByte(value, ','); i >= 0 {
			tok, value = value[:i], value[i+1:]
		} else {
			tok, value = value, nil
		}
		tok = bytes.TrimSpace(tok)
		if len(tok) > 0 && !bytes.EqualFold(tok, []byte("close")) && !bytes.EqualFold(tok, []byte("keep-alive")) {
			t.names = append(t.names, tok)
		}
	}
}

func (t *connectionTokens) has(name []byte) bool {
	for _, n := range t.names {
		if bytes.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// remove deletes the listed headers from a backend request, whatever their
// case (the request keeps names as the client sent them).
func (t *connectionTokens) remove(h *fasthttp.RequestHeader) {
	var names []string
	for k := range h.All() {
		if t.has(k) {
			names = append(names, string(k))
		}
	}
	for _, n := range names {
		h.Del(n)
	}
}

// remapped are backend response headers API Gateway does not pass as they
// are: it renames them x-amzn-Remapped-<name> and sets its own.
var remapped = []string{"Authorization", "Connection", "Content-Length", "Content-MD5", "Date", "Server",
	"WWW-Authenticate", "Proxy-Authenticate", "Max-Forwards", "TE", "Trailer", "Upgrade"}

var remappedAs = func() map[string]string {
	m := map[string]string{}
	for _, h := range remapped {
		m[h] = "x-amzn-Remapped-" + h
	}
	return m
}()

// dropped are backend response headers that describe the backend connection.
var dropped = []string{"Transfer-Encoding", "Keep-Alive"}

// headerIn finds a header name in a list, ignoring case, without allocating.
func headerIn(list []string, name []byte) (string, bool) {
	for _, h := range list {
		if len(h) == len(name) && bytes.EqualFold([]byte(h), name) {
			return h, true
		}
	}
	return "", false
}

// remappedName is the x-amzn-Remapped- name of a response header, if API Gateway remaps it.
func remappedName(name []byte) (string, bool) {
	h, ok := headerIn(remapped, name)
	if !ok {
		return "", false
	}
	return remappedAs[h], true
}

func (h *httpIntegration) Serve(c *Call) *Error {
	ctx := c.ctx
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.DisableNormalizing()
	req.UseHostHeader = true
	// Requests and answers without a Content-Type must not gain fasthttp's default.
	req.Header.SetNoDefaultContentType(true)
	resp.Header.SetNoDefaultContentType(true)

	method := h.method
	if method == "" {
		req.Header.SetMethodBytes(ctx.Method())
	} else {
		req.Header.SetMethod(method)
	}
	if e := h.buildURI(c, req); e != nil {
		return e
	}
	req.Header.SetHost(h.host)
	if h.proxy {
		forwardRequestHeaders(req, ctx)
		req.SetBodyRaw(ctx.Request.Body())
	} else {
		if e := h.nonProxyBody(c, req); e != nil {
			return e
		}
	}
	for _, pm := range h.mappings {
		if pm.Target == "header" {
			if v, ok := mappingValue(c, pm); ok {
				req.Header.Set(pm.TargetName, v)
			}
		}
	}

	err := h.client.DoDeadline(req, resp, c.start.Add(h.timeout))
	if err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) {
			return &Error{Type: IntegrationTimeout, Cause: err}
		}
		return &Error{Type: IntegrationFailure, Cause: err}
	}
	if !h.proxy {
		return h.responses.write(c, resp.StatusCode(), &backendResponse{resp: resp, body: resp.Body()})
	}
	out := &ctx.Response
	out.SetStatusCode(resp.StatusCode())
	for k, v := range resp.Header.All() {
		if _, skip := headerIn(dropped, k); skip {
			continue
		}
		if r, ok := remappedName(k); ok {
			out.Header.SetBytesV(r, v)
			continue
		}
		out.Header.AddBytesKV(k, v)
	}
	// API Gateway gives a response without a Content-Type application/json.
	if len(out.Header.ContentType()) == 0 {
		out.Header.SetContentType("application/json")
	}
	if len(resp.Body()) > memtrim.LargeBody {
		// Hand the buffer over rather than copy it into a pooled one.
		out.SetBodyRaw(resp.SwapBody(nil))
	} else {
		out.SetBody(resp.Body())
	}
	return nil
}

// buildURI fills the backend request URI: the integration URI's path with
// its placeholders mapped, and for HTTP_PROXY the client's query string.
func (h *httpIntegration) buildURI(c *Call, req *fasthttp.Request) *Error {
	var arr [512]byte
	b := arr[:0]
	if h.static != nil {
		b = append(b, h.static...)
	} else {
		for _, p := range h.path.parts {
			if p.literal != "" {
				b = append(b, p.literal...)
				continue
			}
			v, ok := pathMapping(c, h.mappings, p.param)
			if !ok {
				return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("no value for {%s} in the integration URI", p.param)}
			}
			b = append(b, v...)
		}
	}
	sep := byte('?')
	if h.hasQuery {
		sep = '&'
	}
	if h.proxy && c.rawQuery != "" {
		b = append(b, sep)
		b = append(b, c.rawQuery...)
		sep = '&'
	}
	for _, pm := range h.mappings {
		if pm.Target != "querystring" {
			continue
		}
		if v, ok := mappingValue(c, pm); ok {
			b = append(b, sep)
			b = append(b, url.QueryEscape(pm.TargetName)...)
			b = append(b, '=')
			b = append(b, url.QueryEscape(v)...)
			sep = '&'
		}
	}
	req.Header.SetRequestURIBytes(b)
	return nil
}

func (h *httpIntegration) nonProxyBody(c *Call, req *fasthttp.Request) *Error {
	ct := mediaType(c.ctx.Request.Header.ContentType())
	if t, ok := h.templates[ct]; ok {
		req.Header.SetContentType("application/json")
		req.SetBodyString(t)
		return nil
	}
	switch {
	case h.passthru == "NEVER", h.passthru == "WHEN_NO_TEMPLATES" && len(h.templates) > 0:
		return &Error{Type: UnsupportedMediaType}
	}
	rawCT := c.ctx.Request.Header.ContentType()
	if len(rawCT) > 0 {
		req.Header.SetContentTypeBytes(rawCT)
	}
	body, err := convertPayload(c.ctx.Request.Body(), matchesBinary(h.binaryTypes, rawCT), h.contentHandling)
	if err != nil {
		return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("Integration.ContentHandling CONVERT_TO_BINARY: the request body: %v", err)}
	}
	req.SetBodyRaw(body)
	return nil
}

// forwardRequestHeaders copies the client's headers to a proxied request,
// less the hop-by-hop ones and those its Connection header names, and adds
// the client to X-Forwarded-For (REST and HTTP APIs' HTTP_PROXY).
func forwardRequestHeaders(req *fasthttp.Request, ctx *fasthttp.RequestCtx) {
	var nominated connectionTokens
	for k, v := range ctx.Request.Header.All() {
		if _, skip := headerIn(hopByHop, k); skip {
			if len(k) == len("Connection") && bytes.EqualFold(k, strConnection) {
				nominated.add(v)
			}
			continue
		}
		req.Header.AddBytesKV(k, v)
	}
	if len(nominated.names) > 0 {
		nominated.remove(&req.Header)
	}
	appendForwardedFor(req, ctx)
}

// appendForwardedFor adds the client's address to X-Forwarded-For, as a proxy does.
func appendForwardedFor(req *fasthttp.Request, ctx *fasthttp.RequestCtx) {
	var buf [128]byte
	b := buf[:0]
	if prior := req.Header.Peek("X-Forwarded-For"); len(prior) > 0 {
		b = append(b, prior...)
		b = append(b, ", "...)
	}
	b = appendRemoteIP(b, ctx)
	req.Header.SetBytesV("X-Forwarded-For", b)
}

// appendRemoteIP appends the client's IP address without allocating.
func appendRemoteIP(b []byte, ctx *fasthttp.RequestCtx) []byte {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap().AppendTo(b)
	}
	return append(b, ctx.RemoteIP().String()...)
}

// backendResponse gives response mapping access to the backend's answer.
type backendResponse struct {
	resp *fasthttp.Response
	body []byte
}

func (b *backendResponse) header(name string) string {
	return string(b.resp.Header.Peek(name))
}

func pathMapping(c *Call, ms []model.ParamMapping, name string) (string, bool) {
	for _, pm := range ms {
		if pm.Target == "path" && pm.TargetName == name {
			return mappingValue(c, pm)
		}
	}
	return "", false
}

// mappingValue evaluates one request parameter mapping source.
func mappingValue(c *Call, pm model.ParamMapping) (string, bool) {
	switch pm.SourceKind {
	case "static":
		return pm.SourceName, true
	case "path":
		for _, p := range c.params {
			if p.Name == pm.SourceName {
				return p.Value, true
			}
		}
	case "querystring":
		args := c.ctx.QueryArgs()
		if v := args.Peek(pm.SourceName); v != nil {
			return string(v), true
		}
	case "header":
		if v := c.ctx.Request.Header.Peek(pm.SourceName); v != nil {
			return string(v), true
		}
	case "body":
		return string(c.ctx.Request.Body()), true
	case "stageVariables":
		v, ok := c.stage.vars[pm.SourceName]
		return v, ok
	case "context":
		return contextValue(c, pm.SourceName)
	}
	return "", false
}

func contextValue(c *Call, name string) (string, bool) {
	switch name {
	case "requestId":
		return c.requestID, true
	case "extendedRequestId":
		return string(c.apigwID[:]), true
	case "stage":
		return c.stage.name, true
	case "httpMethod":
		return string(c.ctx.Method()), true
	case "resourcePath":
		return c.method.model.Resource.Path, true
	case "resourceId":
		return c.method.model.Resource.ID, true
	case "path":
		return c.fullPath, true
	case "apiId":
		return c.stage.api.id, true
	case "accountId":
		return c.stage.api.account, true
	case "domainName":
		return string(c.ctx.Host()), true
	case "domainPrefix":
		h := string(c.ctx.Host())
		if i := strings.IndexByte(h, '.'); i >= 0 {
			h = h[:i]
		}
		return h, true
	case "protocol":
		return "HTTP/1.1", true
	case "requestTime":
		return c.start.UTC().Format(clfTime), true
	case "requestTimeEpoch":
		return fmt.Sprint(c.start.UnixMilli()), true
	case "deploymentId":
		return c.stage.deploymentID, true
	case "identity.sourceIp":
		return c.ctx.RemoteIP().String(), true
	case "identity.userAgent":
		return string(c.ctx.UserAgent()), true
	}
	return "", false
}

const clfTime = "02/Jan/2006:15:04:05 -0700"
