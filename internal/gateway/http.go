package gateway

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

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
	mappings  []model.ParamMapping
	timeout   time.Duration
	responses *responseMapper // HTTP (non-proxy) only
	templates map[string]string
	passthru  string
}

// hostClients shares one connection pool per backend scheme and host.
var hostClients sync.Map // "scheme://host" -> *fasthttp.HostClient

func hostClient(scheme, host string) *fasthttp.HostClient {
	key := scheme + "://" + host
	if c, ok := hostClients.Load(key); ok {
		return c.(*fasthttp.HostClient)
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
		MaxConns:                      1024,
		MaxIdleConnDuration:           60 * time.Second,
		MaxResponseBodySize:           MaxBodySize,
		ReadBufferSize:                16 << 10,
		RetryIfErr:                    func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	actual, _ := hostClients.LoadOrStore(key, c)
	return actual.(*fasthttp.HostClient)
}

func newHTTPIntegration(m *model.Method, uri string, st *stage) (*httpIntegration, error) {
	in := m.Integration
	scheme, host, rest, err := splitURL(uri)
	if err != nil {
		return nil, fmt.Errorf("%s: Integration.Uri: %v", m.LogicalID, err)
	}
	if strings.ContainsAny(host, "{}") {
		return nil, fmt.Errorf("%s: Integration.Uri: a {placeholder} in the host is not supported", m.LogicalID)
	}
	h := &httpIntegration{
		proxy:    in.Type == model.HTTPProxy,
		host:     host,
		client:   hostClient(scheme, host),
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
	if !h.proxy {
		h.responses = newResponseMapper(in.Responses)
		h.templates = in.RequestTemplates
	}
	return h, nil
}

// hopByHop are request headers a proxy does not forward (RFC 9110 §7.6.1),
// plus those the client library sets itself.
var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-authenticate": true, "proxy-authorization": true,
	"te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "host": true,
	"content-length": true, "expect": true, "proxy-connection": true,
}

// remapped are backend response headers API Gateway does not pass as they
// are: it renames them x-amzn-Remapped-<name> and sets its own.
var remapped = map[string]string{
	"authorization": "x-amzn-Remapped-Authorization", "connection": "x-amzn-Remapped-Connection",
	"content-length": "x-amzn-Remapped-Content-Length", "content-md5": "x-amzn-Remapped-Content-MD5",
	"date": "x-amzn-Remapped-Date", "server": "x-amzn-Remapped-Server",
	"www-authenticate": "x-amzn-Remapped-WWW-Authenticate", "proxy-authenticate": "x-amzn-Remapped-Proxy-Authenticate",
	"max-forwards": "x-amzn-Remapped-Max-Forwards", "te": "x-amzn-Remapped-TE", "trailer": "x-amzn-Remapped-Trailer",
	"upgrade": "x-amzn-Remapped-Upgrade",
}

// dropped are backend response headers that describe the backend connection.
var dropped = map[string]bool{"transfer-encoding": true, "keep-alive": true}

func lower(b []byte) string {
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return strings.ToLower(string(b))
		}
	}
	return string(b)
}

func (h *httpIntegration) Serve(c *Call) *Error {
	ctx := c.ctx
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.DisableNormalizing()
	req.UseHostHeader = true

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
		for k, v := range ctx.Request.Header.All() {
			if hopByHop[lower(k)] {
				continue
			}
			req.Header.AddBytesKV(k, v)
		}
		appendForwardedFor(req, ctx)
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
		name := lower(k)
		if dropped[name] {
			continue
		}
		if r, ok := remapped[name]; ok {
			out.Header.SetBytesV(r, v)
			continue
		}
		out.Header.AddBytesKV(k, v)
	}
	out.SetBody(resp.Body())
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
	if strings.IndexByte(string(b), '?') >= 0 {
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
	if ct := c.ctx.Request.Header.ContentType(); len(ct) > 0 {
		req.Header.SetContentTypeBytes(ct)
	}
	req.SetBodyRaw(c.ctx.Request.Body())
	return nil
}

func appendForwardedFor(req *fasthttp.Request, ctx *fasthttp.RequestCtx) {
	ip := ctx.RemoteIP().String()
	if prior := req.Header.Peek("X-Forwarded-For"); len(prior) > 0 {
		req.Header.Set("X-Forwarded-For", string(prior)+", "+ip)
		return
	}
	req.Header.Set("X-Forwarded-For", ip)
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
