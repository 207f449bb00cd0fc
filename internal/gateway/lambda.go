package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// lambdaProxy is an AWS_PROXY integration: the payload format 1.0 event in,
// the proxy response out, with API Gateway's answers when the function fails.
type lambdaProxy struct {
	invoker  lambda.Invoker
	function string
	timeout  time.Duration
	stage    *stage
	method   *model.Method
	// Fixed parts of every event, built once.
	stageVars map[string]string
	hasParams bool
	operation string
}

func newLambdaProxy(m *model.Method, st *stage, fn string, deps *Deps) *lambdaProxy {
	return &lambdaProxy{
		invoker:   deps.Invoker,
		function:  fn,
		timeout:   m.Integration.Timeout,
		stage:     st,
		method:    m,
		stageVars: st.vars,
		hasParams: strings.Contains(m.Resource.Path, "{"),
		operation: m.OperationName,
	}
}

// maxPooledEvent is the largest event buffer kept for reuse; larger ones
// (large bodies) are left to the garbage collector.
const maxPooledEvent = 256 << 10

var eventBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// proxyRequest is the payload format 1.0 request of a call to a method:
// the Lambda proxy event's content (also a REQUEST authorizer's), with
// the trace id API Gateway adds.
func proxyRequest(c *Call, method *model.Method, st *stage, hasParams bool) (lambdaproxy.Request, string) {
	ctx := c.ctx
	r := lambdaproxy.Request{
		HTTPMethod:     string(ctx.Method()),
		Path:           c.path,
		Resource:       method.Resource.Path,
		RawQuery:       c.rawQuery,
		StageVariables: st.vars,
		Body:           ctx.Request.Body(),
		HasBody:        len(ctx.Request.Body()) > 0,
		Base64Body:     matchesBinary(st.api.binaryMediaTypes, ctx.Request.Header.ContentType()),
	}
	forwardedFor := ""
	for k, v := range ctx.Request.Header.AllInOrder() {
		if equalFold(string(k), "X-Forwarded-For") {
			forwardedFor = string(v) + ", "
			continue
		}
		r.Headers = append(r.Headers, lambdaproxy.Header{Name: string(k), Value: string(v)})
	}
	// The headers API Gateway's front end adds to every Lambda proxy event.
	trace := traceID(c.start)
	r.Headers = append(r.Headers,
		lambdaproxy.Header{Name: "X-Amzn-Trace-Id", Value: trace},
		lambdaproxy.Header{Name: "X-Forwarded-For", Value: forwardedFor + string(appendRemoteIP(nil, ctx))},
		lambdaproxy.Header{Name: "X-Forwarded-Port", Value: st.api.port(ctx)},
		lambdaproxy.Header{Name: "X-Forwarded-Proto", Value: "http"})
	if hasParams {
		for _, p := range c.params {
			r.PathParameters = append(r.PathParameters, lambdaproxy.KV{Key: p.Name, Value: p.Value})
		}
	}
	host := string(ctx.Host())
	prefix := host
	if i := strings.IndexByte(prefix, '.'); i >= 0 {
		prefix = prefix[:i]
	}
	r.Context = lambdaproxy.RequestContext{
		AccountID:         st.api.account,
		APIID:             st.api.id,
		DeploymentID:      st.deploymentID,
		DomainName:        host,
		DomainPrefix:      prefix,
		ExtendedRequestID: string(c.apigwID[:]),
		HTTPMethod:        r.HTTPMethod,
		Path:              c.fullPath,
		Protocol:          protocol(ctx),
		RequestID:         c.requestID,
		ResourceID:        method.Resource.ID,
		ResourcePath:      method.Resource.Path,
		Stage:             st.name,
		OperationName:     method.OperationName,
		RequestTime:       c.start,
		Identity: lambdaproxy.Identity{
			SourceIP:  ctx.RemoteIP().String(),
			UserAgent: string(ctx.UserAgent()),
		},
	}
	if k := c.apiKey; k != nil {
		r.Context.Identity.APIKey, r.Context.Identity.APIKeyID = k.value, k.id
	}
	if c.authorizer != nil {
		r.Context.Authorizer = c.authorizer
	}
	if id := c.identity; id != nil {
		ri := &r.Context.Identity
		ri.AccessKey, ri.AccountID, ri.Caller, ri.User, ri.UserArn = id.AccessKey, id.AccountID, id.Caller, id.User, id.UserARN
	}
	return r, trace
}

func (l *lambdaProxy) Serve(c *Call) *Error {
	ctx := c.ctx
	r, trace := proxyRequest(c, l.method, l.stage, l.hasParams)
	bp := eventBufPool.Get().(*[]byte)
	payload := lambdaproxy.AppendEvent((*bp)[:0], &r)
	defer func() {
		if cap(payload) <= maxPooledEvent {
			*bp = payload[:0]
			eventBufPool.Put(bp)
		}
	}()

	ictx, cancel := context.WithDeadline(context.Background(), c.start.Add(l.timeout))
	defer cancel()
	res, err := l.invoker.Invoke(ictx, l.function, payload)
	switch {
	case errors.Is(err, lambda.ErrRequestTooLarge):
		return errLambdaRequestTooLarge
	case errors.Is(err, lambda.ErrTimeout) || err != nil && ictx.Err() != nil:
		return &Error{Type: IntegrationTimeout, Cause: err}
	case err != nil:
		// The Invoke API refused the call: API Gateway answers 500.
		return &Error{Type: APIConfigurationError, Cause: err}
	case res.FunctionError != "":
		return lambdaError(fmt.Errorf("function %s failed (%s): %s", l.function, res.FunctionError, truncate(res.Payload, 512)))
	}
	decode := acceptsBinary(l.stage.api.binaryMediaTypes, ctx.Request.Header.Peek("Accept"))
	out, err := lambdaproxy.ParseResponse(res.Payload, decode)
	if err != nil {
		if errors.Is(err, lambdaproxy.ErrBase64) {
			return &Error{Type: APIConfigurationError, Cause: err}
		}
		return lambdaError(fmt.Errorf("function %s returned a malformed proxy response: %v", l.function, err))
	}
	resp := &ctx.Response
	// Only answers from the function carry the trace id; API Gateway's
	// error answers do not (aws-reference §2.1).
	resp.Header.Set("X-Amzn-Trace-Id", trace)
	resp.SetStatusCode(out.StatusCode)
	for _, h := range out.Headers {
		if r, ok := remappedName([]byte(h.Name)); ok {
			resp.Header.Set(r, h.Value)
			continue
		}
		if _, skip := headerIn(dropped, []byte(h.Name)); skip {
			continue
		}
		resp.Header.Add(h.Name, h.Value)
	}
	resp.SetBodyRaw(out.Body) // a new slice of ParseResponse's: no copy, nothing pooled
	return nil
}

func protocol(ctx *fasthttp.RequestCtx) string {
	if ctx.Request.Header.IsHTTP11() {
		return "HTTP/1.1"
	}
	return "HTTP/1.0"
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// traceID makes an X-Ray style trace id: Root=1-{epoch hex}-{96 random bits}.
func traceID(t time.Time) string {
	var b [12]byte
	rand.Read(b[:])
	return "Root=1-" + strconv.FormatInt(t.Unix(), 16) + "-" + hex.EncodeToString(b[:])
}

// matchesBinary reports whether a media type is one of the API's binary
// media types (exact, type/* or */*).
func matchesBinary(types []string, contentType []byte) bool {
	if len(types) == 0 || len(contentType) == 0 {
		return false
	}
	mt := mediaType(contentType)
	for _, t := range types {
		t = strings.ToLower(t)
		if t == "*/*" || t == mt {
			return true
		}
		if strings.HasSuffix(t, "/*") && strings.HasPrefix(mt, t[:len(t)-1]) {
			return true
		}
	}
	return false
}

// acceptsBinary applies matchesBinary to the first media type of Accept, as
// API Gateway honours only the first one.
func acceptsBinary(types []string, accept []byte) bool {
	if len(types) == 0 || len(accept) == 0 {
		return false
	}
	first := accept
	for i, c := range accept {
		if c == ',' {
			first = accept[:i]
			break
		}
	}
	return matchesBinary(types, first)
}

// port is the data-plane listener's port, for X-Forwarded-Port.
func (a *api) port(ctx *fasthttp.RequestCtx) string { return listenerPort(ctx) }

func listenerPort(ctx *fasthttp.RequestCtx) string {
	if addr, ok := ctx.LocalAddr().(*net.TCPAddr); ok {
		return strconv.Itoa(addr.Port)
	}
	return "80"
}
