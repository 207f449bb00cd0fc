package gateway

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/apigw/apigw/internal/auth/policy"
	"github.com/apigw/apigw/internal/cache"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/singleflight"
)

// The stage cache (API Gateway's "API cache"): a per-method stage after
// authorization, throttling, quota and validation, so only callers who may
// call the method reach it, around the integration. A hit answers from
// the stage's store; a miss runs the integration and stores its answer.

// Unauthorized Cache-Control strategies (UnauthorizedCacheControlHeaderStrategy).
const (
	CacheControlFail              = "FAIL_WITH_403"
	CacheControlSucceedWithHeader = "SUCCEED_WITH_RESPONSE_HEADER"
	CacheControlSucceedQuietly    = "SUCCEED_WITHOUT_RESPONSE_HEADER"
)

// CacheControl is how a stage treats a client's `Cache-Control: max-age=0`
// (API Gateway's per-method RequireAuthorizationForCacheControl and
// UnauthorizedCacheControlHeaderStrategy, which CloudFormation cannot set:
// apigw takes them from --config). The zero value is API Gateway's default:
// authorization required, unauthorized requests served with a warning
// header.
type CacheControl struct {
	AnyoneMayInvalidate bool   // RequireAuthorizationForCacheControl false
	Strategy            string // "" is SUCCEED_WITH_RESPONSE_HEADER
}

// cacheWarning is the header an unauthorized invalidation gets under
// SUCCEED_WITH_RESPONSE_HEADER. API Gateway documents the header but not
// its text; this is HTTP's Warning header with the "miscellaneous" code.
const cacheWarningName = "Warning"

var cacheWarning = []byte(`199 apigw "Cache-Control: max-age=0 ignored: the caller may not invalidate the cache (execute-api:InvalidateCache)"`)

// methodCache is one method's caching, compiled at load time.
type methodCache struct {
	stage *cache.Stage
	ttl   time.Duration
	// getOnly: caching came from a stage-wide setting, which API Gateway
	// applies to GET requests only.
	getOnly   bool
	namespace string
	keyParams []cacheKeyParam
	control   CacheControl
	policy    *policy.Policy
	flight    singleflight.Group
}

type cacheKeyParam struct {
	kind string // path, querystring, multivaluequerystring, header, multivalueheader
	name string
}

// compileCache resolves a method's caching from its stage's method
// settings: the most specific setting that says so decides, as API
// Gateway's method setting overrides do. Nil when the method is not
// cached.
func compileCache(m *method, control CacheControl) *methodCache {
	st := m.stage
	ms := st.model
	if st.cache == nil {
		return nil
	}
	path, verb := m.model.Resource.Path, m.model.HTTPMethod
	var enabled *bool
	ttl := 300
	explicit := false
	// Least specific first, so later settings override.
	for _, rank := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		for _, mc := range ms.Caching {
			if (mc.Path != "*") != rank[0] || (mc.Method != "*") != rank[1] {
				continue
			}
			if (mc.Path != "*" && mc.Path != path) || (mc.Method != "*" && mc.Method != verb) {
				continue
			}
			if mc.Enabled != nil {
				enabled, explicit = mc.Enabled, mc.Method != "*"
			}
			if mc.TTL != nil {
				ttl = *mc.TTL
			}
		}
	}
	if enabled == nil || !*enabled || ttl == 0 {
		return nil
	}
	// "When you enable caching for a stage, only GET methods have caching
	// enabled by default"; a setting naming the method enables it.
	getOnly := !explicit
	if getOnly && verb != "GET" && verb != "ANY" {
		return nil
	}
	mc := &methodCache{
		stage:     st.cache,
		ttl:       time.Duration(ttl) * time.Second,
		getOnly:   getOnly && verb == "ANY",
		namespace: m.model.Resource.ID,
		control:   control,
		policy:    st.api.model.ResourcePolicy,
	}
	if in := m.model.Integration; in != nil {
		if in.CacheNamespace != "" {
			mc.namespace = in.CacheNamespace
		}
		for _, p := range in.CacheKeyParameters {
			kind, name, _ := cutParam(p)
			mc.keyParams = append(mc.keyParams, cacheKeyParam{kind: kind, name: name})
		}
	}
	return mc
}

// cutParam splits "method.request.KIND.NAME".
func cutParam(p string) (kind, name string, ok bool) {
	rest, ok := cutPrefix(p, "method.request.")
	if !ok {
		return "", "", false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] == '.' {
			return rest[:i], rest[i+1:], true
		}
	}
	return "", "", false
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):], true
	}
	return s, false
}

// cacheStage is the pipeline's cache stage.
func cacheStage(m *method) func(Handler) Handler {
	mc := m.cache
	if mc == nil {
		return nil
	}
	return func(next Handler) Handler {
		return func(c *Call) *Error { return mc.serve(c, next) }
	}
}

func (mc *methodCache) serve(c *Call, next Handler) *Error {
	ctx := c.ctx
	if mc.getOnly && !ctx.IsGet() {
		return next(c)
	}
	key := mc.key(c)
	if revalidationAsked(&ctx.Request.Header) {
		switch {
		case mc.mayInvalidate(c):
			mc.stage.Misses.Add(1)
			return mc.fill(c, key, next, false)
		case mc.control.Strategy == CacheControlFail:
			arn := methodARN(c)
			return &Error{Type: AccessDenied, Message: "User: " + caller(c) + " is not authorized to perform: execute-api:InvalidateCache on resource: " + arn}
		case mc.control.Strategy == "" || mc.control.Strategy == CacheControlSucceedWithHeader:
			ctx.Response.Header.SetBytesV(cacheWarningName, cacheWarning)
		}
	}
	if e, ok := mc.stage.Store.Get(key); ok && e.Fresh(c.start) {
		mc.stage.Hits.Add(1)
		writeEntry(ctx, e)
		return nil
	}
	mc.stage.Misses.Add(1)
	return mc.fill(c, key, next, true)
}

// fill runs the integration for a miss and stores its answer. Concurrent
// misses for one key share the first one's run (share), so the backend
// is called once; a caller whose run could not be stored runs its own.
func (mc *methodCache) fill(c *Call, key string, next Handler, share bool) *Error {
	if !share {
		e := next(c)
		if e == nil {
			mc.store(c, key)
		}
		return e
	}
	var gerr *Error
	ran := false
	v, _, _ := mc.flight.Do(key, func() (any, error) {
		ran = true
		gerr = next(c)
		if gerr != nil {
			return (*cache.Entry)(nil), nil
		}
		return mc.store(c, key), nil
	})
	if ran {
		return gerr
	}
	if e := v.(*cache.Entry); e != nil {
		writeEntry(c.ctx, e)
		return nil
	}
	return next(c)
}

// store keeps the integration's answer in the stage's store; nil when it
// is too big to cache (over 1 MB, or over the budget).
func (mc *methodCache) store(c *Call, key string) *cache.Entry {
	resp := &c.ctx.Response
	body := resp.Body()
	if len(body) > cache.MaxEntrySize {
		return nil
	}
	e := &cache.Entry{Status: resp.StatusCode(), Body: bytes.Clone(body), Expires: time.Now().Add(mc.ttl).UnixNano()}
	for k, v := range resp.Header.All() {
		if skipCachedHeader(k) {
			continue
		}
		e.Headers = append(e.Headers, cache.Header{Name: bytes.Clone(k), Value: bytes.Clone(v)})
	}
	if !mc.stage.Store.Set(key, e) {
		return nil
	}
	return e
}

// skipCachedHeader: headers that belong to one response, not to the
// cached answer (the ids of the request, the transport's own).
func skipCachedHeader(k []byte) bool {
	for _, s := range [...]string{"Content-Length", "Connection", "Date", "Server", "Transfer-Encoding", "x-amzn-RequestId", "x-amz-apigw-id", "X-Amzn-Trace-Id", cacheWarningName} {
		if len(k) == len(s) && bytes.EqualFold(k, []byte(s)) {
			return true
		}
	}
	return false
}

// writeEntry answers from a cached entry.
func writeEntry(ctx *fasthttp.RequestCtx, e *cache.Entry) {
	resp := &ctx.Response
	resp.SetStatusCode(e.Status)
	for _, h := range e.Headers {
		resp.Header.AddBytesKV(h.Name, h.Value)
	}
	resp.SetBodyRaw(e.Body) // entries are never modified once stored
}

// key is the entry's key: the request method, the namespace (the
// resource's id unless CacheNamespace says otherwise) and the values of the
// cache key parameters, each length-prefixed so no two keys run together.
// Nothing else of the request is in it, as in API Gateway: /users/1 and
// /users/2 share an entry unless method.request.path.id is a key parameter.
func (mc *methodCache) key(c *Call) string {
	b := c.scratch[:0]
	b = append(b, c.ctx.Method()...)
	b = append(b, 0)
	b = append(b, mc.namespace...)
	for _, p := range mc.keyParams {
		b = append(b, 0)
		switch p.kind {
		case "path":
			v := ""
			for _, pp := range c.params {
				if pp.Name == p.name {
					v = pp.Value
					break
				}
			}
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case "querystring":
			// The last value, as API Gateway's single-value parameters take.
			var last []byte
			for k, v := range c.ctx.QueryArgs().All() {
				if string(k) == p.name {
					last = v
				}
			}
			b = appendLenValue(b, last)
		case "multivaluequerystring":
			for _, qv := range c.ctx.QueryArgs().PeekMulti(p.name) {
				b = appendLenValue(b, qv)
			}
		case "header":
			// The server keeps header names as sent: any case matches.
			b = appendLenValue(b, peekCaseInsensitive(&c.ctx.Request.Header, p.name))
		case "multivalueheader":
			for k, hv := range c.ctx.Request.Header.All() {
				if equalFold(string(k), p.name) {
					b = appendLenValue(b, hv)
				}
			}
		}
	}
	c.scratch = b
	return string(b)
}

func appendLenValue(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

var cacheControlName = []byte("Cache-Control")

// revalidationAsked reports a Cache-Control request header (its name in
// any case, as the server keeps names as sent; any of them when repeated)
// with max-age=0.
func revalidationAsked(h *fasthttp.RequestHeader) bool {
	for k, v := range h.All() {
		if bytes.EqualFold(k, cacheControlName) && wantsRevalidation(v) {
			return true
		}
	}
	return false
}

// wantsRevalidation reports a Cache-Control value with max-age=0, which
// asks API Gateway to fetch from the integration and replace the entry.
func wantsRevalidation(cc []byte) bool {
	for len(cc) > 0 {
		var part []byte
		if i := bytes.IndexByte(cc, ','); i >= 0 {
			part, cc = cc[:i], cc[i+1:]
		} else {
			part, cc = cc, nil
		}
		part = bytes.TrimSpace(part)
		if len(part) == len("max-age=0") && bytes.EqualFold(part, []byte("max-age=0")) {
			return true
		}
	}
	return false
}

// mayInvalidate: API Gateway lets a caller invalidate when the method does
// not require authorization for it, or when the caller's IAM policy allows
// execute-api:InvalidateCache. apigw has no IAM policies: a caller is
// allowed when the API's resource policy allows it the action, or when it
// signed the request as an identity of --iam-credentials (as apigw allows
// those identities every execute-api action), unless the policy denies it.
func (mc *methodCache) mayInvalidate(c *Call) bool {
	if mc.control.AnyoneMayInvalidate {
		return true
	}
	decision := policy.Implicit
	if mc.policy != nil {
		r := policy.Request{Action: "execute-api:InvalidateCache", MethodARN: methodARN(c), SourceIP: policy.SourceIP(c.ctx.RemoteIP())}
		if id := c.identity; id != nil {
			r.Principal, r.Account = id.UserARN, id.AccountID
		}
		decision = mc.policy.Evaluate(r)
	}
	return decision == policy.Allow || (decision == policy.Implicit && c.identity != nil)
}

func caller(c *Call) string {
	if c.identity != nil {
		return c.identity.UserARN
	}
	return "anonymous"
}

// CacheStages lists the stage caches the generation uses.
func (gen *Generation) CacheStages() []*cache.Stage {
	var out []*cache.Stage
	for _, a := range gen.table.apis {
		for _, st := range a.stages {
			if st.cache != nil {
				out = append(out, st.cache)
			}
		}
	}
	return out
}

// FlushStageCache drops every entry of a stage's cache (API Gateway's
// FlushStageCache). found is false when the API has no such stage; a
// stage without a cache has nothing to flush.
func (g *Gateway) FlushStageCache(apiID, stageName string) (found bool) {
	a := g.gen.Load().table.apis[apiID]
	if a == nil {
		return false
	}
	st := a.stages[stageName]
	if st == nil {
		return false
	}
	if st.cache != nil {
		st.cache.Store.Flush()
	}
	return true
}
