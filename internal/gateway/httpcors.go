package gateway

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// An HTTP API's CorsConfiguration (AGW-DG:http-api-cors): API Gateway
// answers a preflight OPTIONS request that no route takes ($default takes
// every one it sees), adds the configured headers to an integration's
// answer to a request with an Origin, and drops the CORS headers the
// integration set. Decisions where AWS is silent (aws-reference §7): a
// preflight answer is 204 with no body; an origin or requested method the
// configuration does not allow gets the 204 without CORS headers; "*"
// among the origins answers "*" (the request's origin when credentials
// are allowed, since browsers refuse "*" then); "https://*.example.com"
// matches subdomains.
type corsPolicy struct {
	anyOrigin   bool
	origins     []string // exact, lower case
	wildcards   [][2]string
	anyMethod   bool
	methods     []string // upper case
	credentials bool
	// Header values, joined once; "" leaves the header out.
	allowMethods, allowHeaders, exposeHeaders, maxAge string
}

func newCorsPolicy(c *model.CorsConfiguration) *corsPolicy {
	p := &corsPolicy{credentials: c.AllowCredentials}
	for _, o := range c.AllowOrigins {
		o = strings.ToLower(strings.TrimSpace(o))
		switch {
		case o == "*":
			p.anyOrigin = true
		case strings.Contains(o, "://*."):
			i := strings.Index(o, "://*.")
			p.wildcards = append(p.wildcards, [2]string{o[:i+3], o[i+4:]})
		default:
			p.origins = append(p.origins, strings.TrimRight(o, "/"))
		}
	}
	for _, m := range c.AllowMethods {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m == "*" {
			p.anyMethod = true
		}
		p.methods = append(p.methods, m)
	}
	p.allowMethods = strings.Join(c.AllowMethods, ",")
	p.allowHeaders = strings.Join(c.AllowHeaders, ",")
	p.exposeHeaders = strings.Join(c.ExposeHeaders, ",")
	if c.MaxAge != nil && *c.MaxAge >= 0 {
		p.maxAge = strconv.Itoa(*c.MaxAge)
	}
	return p
}

// isPreflight reports a CORS preflight: OPTIONS with Origin and
// Access-Control-Request-Method ("For the OPTIONS method, your request
// must include the origin header and the Access-Control-Request-Method
// header", AGW-DG:http-api-cors).
func isPreflight(ctx *fasthttp.RequestCtx) bool {
	return string(ctx.Method()) == "OPTIONS" &&
		len(peekCaseInsensitive(&ctx.Request.Header, "Origin")) > 0 &&
		len(peekCaseInsensitive(&ctx.Request.Header, "Access-Control-Request-Method")) > 0
}

// allowOrigin is the Access-Control-Allow-Origin value for a request's
// origin, "" when the configuration does not allow it.
func (p *corsPolicy) allowOrigin(origin []byte) string {
	if len(origin) == 0 {
		return ""
	}
	if p.anyOrigin {
		if p.credentials {
			return string(origin)
		}
		return "*"
	}
	o := strings.ToLower(string(origin))
	for _, a := range p.origins {
		if a == o {
			return string(origin)
		}
	}
	for _, w := range p.wildcards {
		if strings.HasPrefix(o, w[0]) && strings.HasSuffix(o, w[1]) && len(o) > len(w[0])+len(w[1]) {
			return string(origin)
		}
	}
	return ""
}

func (p *corsPolicy) allowsMethod(m []byte) bool {
	if p.anyMethod {
		return true
	}
	for _, a := range p.methods {
		if len(a) == len(m) && strings.EqualFold(a, string(m)) {
			return true
		}
	}
	return false
}

// preflight answers a preflight request no route takes.
func (p *corsPolicy) preflight(ctx *fasthttp.RequestCtx) {
	resp := &ctx.Response
	resp.ResetBody()
	resp.SetStatusCode(fasthttp.StatusNoContent)
	h := &ctx.Request.Header
	origin := p.allowOrigin(peekCaseInsensitive(h, "Origin"))
	if origin == "" || !p.allowsMethod(peekCaseInsensitive(h, "Access-Control-Request-Method")) {
		return
	}
	rh := &resp.Header
	rh.Set("access-control-allow-origin", origin)
	if p.allowMethods != "" {
		rh.Set("access-control-allow-methods", p.allowMethods)
	}
	if p.allowHeaders != "" {
		rh.Set("access-control-allow-headers", p.allowHeaders)
	}
	if p.maxAge != "" {
		rh.Set("access-control-max-age", p.maxAge)
	}
	if p.credentials {
		rh.Set("access-control-allow-credentials", "true")
	}
	if p.exposeHeaders != "" {
		rh.Set("access-control-expose-headers", p.exposeHeaders)
	}
}

var corsPrefix = []byte("access-control-")

// addHeaders replaces the CORS headers of an integration's answer with
// the configured ones, for a request with an allowed Origin. A preflight
// that a route took ($default, ANY, OPTIONS) gets the preflight headers
// too, so the browser's check passes as it does for the gateway's own
// preflight answer (which headers AWS adds here is not documented).
func (p *corsPolicy) addHeaders(ctx *fasthttp.RequestCtx) {
	rh := &ctx.Response.Header
	var drop []string
	for k := range rh.All() {
		if len(k) > len(corsPrefix) && bytes.EqualFold(k[:len(corsPrefix)], corsPrefix) {
			drop = append(drop, string(k))
		}
	}
	for _, k := range drop {
		rh.Del(k)
	}
	origin := p.allowOrigin(peekCaseInsensitive(&ctx.Request.Header, "Origin"))
	if origin == "" {
		return
	}
	rh.Set("access-control-allow-origin", origin)
	if p.credentials {
		rh.Set("access-control-allow-credentials", "true")
	}
	if p.exposeHeaders != "" {
		rh.Set("access-control-expose-headers", p.exposeHeaders)
	}
	if isPreflight(ctx) && p.allowsMethod(peekCaseInsensitive(&ctx.Request.Header, "Access-Control-Request-Method")) {
		if p.allowMethods != "" {
			rh.Set("access-control-allow-methods", p.allowMethods)
		}
		if p.allowHeaders != "" {
			rh.Set("access-control-allow-headers", p.allowHeaders)
		}
		if p.maxAge != "" {
			rh.Set("access-control-max-age", p.maxAge)
		}
	}
}
