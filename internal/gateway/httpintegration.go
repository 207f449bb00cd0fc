package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/memtrim"
	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// The integrations of HTTP API routes: AWS_PROXY with payload format 2.0
// or 1.0, and HTTP_PROXY with parameter mapping. Their failures are HTTP
// API answers (writeHTTPAPIError): 500 for a failed or malformed function
// or an unreachable backend, 503 for a timeout.

func newHTTPAPIIntegration(mr *model.HTTPRoute, st *httpStage, gen *Generation) (Integration, string, error) {
	deps := &gen.deps
	in := mr.Integration
	timeout := in.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	switch in.Type {
	case model.AWSProxy:
		fn, ok := substituteStageVars(in.Function, st.vars)
		if !ok {
			reason := fmt.Sprintf("%s: function %q uses a stage variable that stage %s does not define", in.LogicalID, in.Function, st.name)
			deps.Logger.Warn("route will answer 500", "reason", reason)
			return brokenIntegration{reason}, "AWS_PROXY " + in.Function + " (undefined stage variable)", nil
		}
		if in.Target != nil {
			fn = in.Target.Name
		}
		if deps.Invoker == nil {
			return nil, "", fmt.Errorf("no way to invoke Lambda function %s", fn)
		}
		l := &httpLambda{invoker: deps.Invoker, function: fn, timeout: timeout, v2: in.PayloadFormatVersion != "1.0",
			routeKey: mr.Key, routePath: cmpOr(mr.Path, "$default"), routeID: mr.ID, operation: mr.OperationName}
		return l, "AWS_PROXY lambda:" + fn + " (payload " + cmpOr(in.PayloadFormatVersion, "2.0") + ")", nil
	case model.HTTPProxy:
		uri, ok := substituteStageVars(in.URI, st.vars)
		if !ok {
			reason := fmt.Sprintf("%s: IntegrationUri %q uses a stage variable that stage %s does not define", in.LogicalID, in.URI, st.name)
			deps.Logger.Warn("route will answer 500", "reason", reason)
			return brokenIntegration{reason}, "HTTP_PROXY " + in.URI + " (undefined stage variable)", nil
		}
		p, err := newHTTPAPIProxy(in, uri, timeout, gen.clients)
		if err != nil {
			return nil, "", err
		}
		return p, "HTTP_PROXY " + uri, nil
	}
	return nil, "", &compileError{"Properties.IntegrationType", in.Line, fmt.Sprintf("integration type %s is not served for HTTP APIs", in.Type)}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// httpLambda is an AWS_PROXY integration of an HTTP API route.
type httpLambda struct {
	invoker                                 lambda.Invoker
	function                                string
	timeout                                 time.Duration
	v2                                      bool
	routeKey, routePath, routeID, operation string
}

// forwardedHeaders are the request headers plus those API Gateway's front
// end adds to a Lambda event (in both captures of AWS's 2.0 events).
func forwardedHeaders(c *Call, dst []lambdaproxy.Header) []lambdaproxy.Header {
	ctx := c.ctx
	forwardedFor := ""
	for k, v := range ctx.Request.Header.AllInOrder() {
		if equalFold(string(k), "X-Forwarded-For") {
			forwardedFor = string(v) + ", "
			continue
		}
		dst = append(dst, lambdaproxy.Header{Name: string(k), Value: string(v)})
	}
	port := listenerPort(ctx)
	return append(dst,
		lambdaproxy.Header{Name: "X-Amzn-Trace-Id", Value: traceID(c.start)},
		lambdaproxy.Header{Name: "X-Forwarded-For", Value: forwardedFor + string(appendRemoteIP(nil, ctx))},
		lambdaproxy.Header{Name: "X-Forwarded-Port", Value: port},
		lambdaproxy.Header{Name: "X-Forwarded-Proto", Value: "http"})
}

func pathParams(c *Call) []lambdaproxy.KV {
	if len(c.params) == 0 {
		return nil
	}
	out := make([]lambdaproxy.KV, len(c.params))
	for i, p := range c.params {
		out[i] = lambdaproxy.KV{Key: p.Name, Value: p.Value}
	}
	return out
}

func domainPrefix(host string) string {
	if i := strings.IndexByte(host, '.'); i >= 0 {
		return host[:i]
	}
	return host
}

// v2Request is the payload format 2.0 request of a call (also the base of
// a 2.0 Lambda authorizer's event).
func v2Request(c *Call, routeKey string, body []byte) *lambdaproxy.V2Request {
	ctx := c.ctx
	st := c.hstage
	host := string(ctx.Host())
	return &lambdaproxy.V2Request{
		RouteKey:       routeKey,
		RawPath:        c.rawPath,
		RawQueryString: c.rawQuery,
		Headers:        forwardedHeaders(c, nil),
		PathParameters: pathParams(c),
		StageVariables: st.vars,
		Body:           body,
		Context: lambdaproxy.V2RequestContext{
			AccountID:    st.api.account,
			APIID:        st.api.id,
			DomainName:   host,
			DomainPrefix: domainPrefix(host),
			RequestID:    string(c.apigwID[:]),
			Stage:        st.name,
			HTTP: lambdaproxy.V2HTTP{
				Method:   string(ctx.Method()),
				Protocol: protocol(ctx),
				SourceIP: ctx.RemoteIP().String(),
			},
			Time:       c.start,
			Authorizer: c.v2auth,
		},
	}
}

// v1Request is the payload format 1.0 request of an HTTP API call: REST's
// event shape with the HTTP API's values (the path as sent, stage
// included for a named stage; the route's path as the resource).
func v1Request(c *Call, resource, resourceID, operation string) lambdaproxy.Request {
	ctx := c.ctx
	st := c.hstage
	host := string(ctx.Host())
	r := lambdaproxy.Request{
		HTTPMethod:     string(ctx.Method()),
		Path:           c.rawPath,
		Resource:       resource,
		RawQuery:       c.rawQuery,
		Headers:        forwardedHeaders(c, nil),
		PathParameters: pathParams(c),
		StageVariables: st.vars,
		Body:           ctx.Request.Body(),
		HasBody:        len(ctx.Request.Body()) > 0,
		// HTTP APIs have no binary media types: what 2.0 sends as base64,
		// 1.0 sends as base64 too.
		Base64Body: len(ctx.Request.Body()) > 0 && !lambdaproxy.V2TextContentType(string(ctx.Request.Header.ContentType())),
		Context: lambdaproxy.RequestContext{
			AccountID:         st.api.account,
			APIID:             st.api.id,
			DomainName:        host,
			DomainPrefix:      domainPrefix(host),
			ExtendedRequestID: string(c.apigwID[:]),
			HTTPMethod:        string(ctx.Method()),
			Path:              c.rawPath,
			Protocol:          protocol(ctx),
			RequestID:         string(c.apigwID[:]),
			ResourceID:        resourceID,
			ResourcePath:      resource,
			Stage:             st.name,
			OperationName:     operation,
			RequestTime:       c.start,
			Identity: lambdaproxy.Identity{
				SourceIP:  ctx.RemoteIP().String(),
				UserAgent: string(ctx.UserAgent()),
			},
		},
	}
	if a := c.v2auth; a != nil {
		switch {
		case a.JWT != nil:
			claims := make(map[string]any, len(a.JWT.Claims))
			for k, v := range a.JWT.Claims {
				claims[k] = v
			}
			var scopes any
			if a.JWT.Scopes != nil {
				scopes = a.JWT.Scopes
			}
			r.Context.Authorizer = map[string]any{"claims": claims, "scopes": scopes}
		case a.Lambda != nil:
			r.Context.Authorizer = a.Lambda
		case a.IAM != nil:
			id := &r.Context.Identity
			id.AccessKey, id.AccountID, id.Caller, id.User, id.UserArn = a.IAM.AccessKey, a.IAM.AccountID, a.IAM.CallerID, a.IAM.UserID, a.IAM.UserARN
		}
	}
	return r
}

func (l *httpLambda) Serve(c *Call) *Error {
	ctx := c.ctx
	bp := eventBufPool.Get().(*[]byte)
	var payload []byte
	if l.v2 {
		payload = lambdaproxy.AppendV2Event((*bp)[:0], v2Request(c, l.routeKey, ctx.Request.Body()))
	} else {
		// An HTTP API's 1.0 event is REST's with "version": "1.0" first
		// (AGW-DG:http-api-develop-integrations-lambda, aws-reference §3.1).
		const version = `{"version":"1.0",`
		r := v1Request(c, l.routePath, l.routeID, l.operation)
		payload = lambdaproxy.AppendEvent(append((*bp)[:0], version...), &r)
		payload = append(payload[:len(version)], payload[len(version)+1:]...) // AppendEvent's own '{'
	}
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
		return &Error{Type: RequestTooLarge, Cause: err}
	case errors.Is(err, lambda.ErrTimeout) || err != nil && ictx.Err() != nil:
		return &Error{Type: IntegrationTimeout, Cause: err}
	case err != nil:
		return &Error{Type: APIConfigurationError, Cause: err}
	case res.FunctionError != "":
		return &Error{Type: Default5XX, Cause: fmt.Errorf("function %s failed (%s): %s", l.function, res.FunctionError, truncate(res.Payload, 512))}
	}
	resp := &ctx.Response
	if l.v2 {
		out, err := lambdaproxy.ParseV2Response(res.Payload)
		if err != nil {
			return &Error{Type: Default5XX, Cause: fmt.Errorf("function %s returned a malformed response: %v", l.function, err)}
		}
		resp.SetStatusCode(out.StatusCode)
		writeFunctionHeaders(resp, out.Headers)
		resp.SetBodyRaw(out.Body)
		return nil
	}
	out, err := lambdaproxy.ParseResponse(res.Payload, true)
	if err != nil {
		return &Error{Type: Default5XX, Cause: fmt.Errorf("function %s returned a malformed response: %v", l.function, err)}
	}
	resp.SetStatusCode(out.StatusCode)
	writeFunctionHeaders(resp, out.Headers)
	resp.SetBodyRaw(out.Body)
	return nil
}

// functionDropped are headers of a function's answer that describe the
// connection: the gateway writes its own.
var functionDropped = []string{"Connection", "Content-Length", "Transfer-Encoding", "Keep-Alive"}

func writeFunctionHeaders(resp *fasthttp.Response, hs []lambdaproxy.Header) {
	for _, h := range hs {
		if _, skip := headerIn(functionDropped, []byte(h.Name)); skip {
			continue
		}
		resp.Header.Add(h.Name, h.Value)
	}
}

// ---- HTTP_PROXY ----

// httpAPIProxy is an HTTP_PROXY integration of an HTTP API route: the
// request goes to IntegrationUri (its {name} placeholders filled from the
// route's path parameters) with the client's query string, headers and
// body, changed by the integration's RequestParameters; the answer comes
// back changed by the ResponseParameters of its status code.
type httpAPIProxy struct {
	method   string // "" passes the client's method (ANY)
	host     string
	client   *fasthttp.HostClient
	path     uriTemplate
	static   []byte
	hasQuery bool
	timeout  time.Duration
	// Request mappings by target; response mappings by status code.
	pathOp    *mappingOp
	queryOps  []mappingOp
	headerOps []mappingOp
	responses map[int][]mappingOp
}

// mappingOp is one compiled parameter mapping.
type mappingOp struct {
	op, target, name string
	value            []valuePart
}

// valuePart is static text or one variable of a mapping value.
type valuePart struct {
	static string
	kind   string // "": static; request.header, request.querystring, request.path, request.body, context, stageVariables, response.header, response.body
	name   string
}

func newHTTPAPIProxy(in *model.HTTPIntegration, uri string, timeout time.Duration, clients *clientSet) (*httpAPIProxy, error) {
	scheme, host, rest, err := splitURL(uri)
	if err != nil {
		return nil, &compileError{"Properties.IntegrationUri", in.Line, err.Error()}
	}
	if strings.ContainsAny(host, "{}") {
		return nil, &compileError{"Properties.IntegrationUri", in.Line, "a {placeholder} in the host is not supported"}
	}
	p := &httpAPIProxy{host: host, client: clients.get(scheme, host), path: parseURITemplate(rest), timeout: timeout}
	if in.Method != "" && in.Method != "ANY" {
		p.method = in.Method
	}
	if !p.path.hasParams() {
		p.static = []byte(rest)
	}
	p.hasQuery = strings.Contains(rest, "?")
	for _, m := range in.RequestParameters {
		op := mappingOp{op: m.Op, target: m.Target, name: m.Name, value: parseMappingValue(m.Value)}
		switch m.Target {
		case "path":
			o := op
			p.pathOp = &o
		case "querystring":
			p.queryOps = append(p.queryOps, op)
		case "header":
			p.headerOps = append(p.headerOps, op)
		}
	}
	for code, ms := range in.ResponseParameters {
		status, err := strconv.Atoi(code)
		if err != nil {
			continue // Validate reported it
		}
		if p.responses == nil {
			p.responses = map[int][]mappingOp{}
		}
		for _, m := range ms {
			p.responses[status] = append(p.responses[status], mappingOp{op: m.Op, target: m.Target, name: m.Name, value: parseMappingValue(m.Value)})
		}
	}
	return p, nil
}

// parseMappingValue splits a mapping value into static text and
// variables: $request.header.x, ${request.querystring.y}, $context.z,
// $stageVariables.w, $response.header.v (a variable name runs over
// letters, digits and ._-).
func parseMappingValue(s string) []valuePart {
	var parts []valuePart
	for s != "" {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			parts = append(parts, valuePart{static: s})
			break
		}
		var name string
		var after string
		if strings.HasPrefix(s[i:], "${") {
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				parts = append(parts, valuePart{static: s})
				break
			}
			name, after = s[i+2:i+j], s[i+j+1:]
		} else {
			j := i + 1
			for j < len(s) && (isAlnum(s[j]) || s[j] == '.' || s[j] == '_' || s[j] == '-') {
				j++
			}
			name, after = s[i+1:j], s[j:]
		}
		kind, rest := variableKind(name)
		if j := strings.IndexByte(rest, '-'); j >= 0 && (kind == "context" || kind == "stageVariables") && !strings.HasPrefix(s[i:], "${") {
			// Header names take '-'; context and stage variable names do not.
			after = rest[j:] + after
			rest = rest[:j]
		}
		if kind == "" {
			parts = append(parts, valuePart{static: s[:len(s)-len(after)]})
			s = after
			continue
		}
		if i > 0 {
			parts = append(parts, valuePart{static: s[:i]})
		}
		parts = append(parts, valuePart{kind: kind, name: rest})
		s = after
	}
	return parts
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func variableKind(name string) (kind, rest string) {
	for _, k := range []string{"request.header", "request.querystring", "request.path", "request.body", "response.header", "response.body"} {
		if name == k {
			return k, ""
		}
		if r, ok := strings.CutPrefix(name, k+"."); ok {
			return k, r
		}
	}
	if r, ok := strings.CutPrefix(name, "context."); ok {
		return "context", r
	}
	if r, ok := strings.CutPrefix(name, "stageVariables."); ok {
		return "stageVariables", r
	}
	return "", ""
}

// eval gives a mapping value for a call (and a backend answer, for
// response mappings).
func (op *mappingOp) eval(c *Call, backend *fasthttp.Response) string {
	if len(op.value) == 1 && op.value[0].kind == "" {
		return op.value[0].static
	}
	var b strings.Builder
	for _, p := range op.value {
		if p.kind == "" {
			b.WriteString(p.static)
			continue
		}
		b.WriteString(variableValue(c, backend, p))
	}
	return b.String()
}

func variableValue(c *Call, backend *fasthttp.Response, p valuePart) string {
	ctx := c.ctx
	switch p.kind {
	case "request.header":
		return string(peekCaseInsensitive(&ctx.Request.Header, p.name))
	case "request.querystring":
		return string(ctx.QueryArgs().Peek(p.name))
	case "request.path":
		if p.name == "" {
			return c.path
		}
		for _, pp := range c.params {
			if pp.Name == p.name {
				return pp.Value
			}
		}
	case "request.body":
		return jsonPathValue(ctx.Request.Body(), p.name)
	case "response.header":
		if backend != nil {
			return string(backend.Header.Peek(p.name))
		}
	case "response.body":
		if backend != nil {
			return jsonPathValue(backend.Body(), p.name)
		}
	case "stageVariables":
		return c.hstage.vars[p.name]
	case "context":
		return httpContextValue(c, p.name)
	}
	return ""
}

// jsonPathValue reads a dotted path ("a.b", "$.a.b") of a JSON body: a
// string as it is, anything else as its JSON text; "" when absent.
func jsonPathValue(body []byte, path string) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	path = strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	if path != "" {
		for _, k := range strings.Split(path, ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return ""
			}
			if v, ok = m[k]; !ok {
				return ""
			}
		}
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// httpContextValue is a $context variable of an HTTP API request.
func httpContextValue(c *Call, name string) string {
	ctx := c.ctx
	st := c.hstage
	switch name {
	case "requestId", "extendedRequestId":
		return string(c.apigwID[:])
	case "apiId":
		return st.api.id
	case "accountId":
		return st.api.account
	case "stage":
		return st.name
	case "routeKey":
		if c.hroute != nil {
			return c.hroute.key
		}
	case "httpMethod":
		return string(ctx.Method())
	case "path":
		return c.rawPath
	case "protocol":
		return protocol(ctx)
	case "domainName":
		return string(ctx.Host())
	case "domainPrefix":
		return domainPrefix(string(ctx.Host()))
	case "identity.sourceIp":
		return ctx.RemoteIP().String()
	case "identity.userAgent":
		return string(ctx.UserAgent())
	case "requestTime":
		return c.start.UTC().Format(clfTime)
	case "requestTimeEpoch":
		return strconv.FormatInt(c.start.UnixMilli(), 10)
	}
	if a := c.v2auth; a != nil {
		if claim, ok := strings.CutPrefix(name, "authorizer.claims."); ok && a.JWT != nil {
			return a.JWT.Claims[claim]
		}
		if key, ok := strings.CutPrefix(name, "authorizer."); ok && a.Lambda != nil {
			if v, ok := a.Lambda[key]; ok {
				if s, ok := v.(string); ok {
					return s
				}
				b, _ := json.Marshal(v)
				return string(b)
			}
		}
	}
	return ""
}

func (p *httpAPIProxy) Serve(c *Call) *Error {
	ctx := c.ctx
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.DisableNormalizing()
	req.UseHostHeader = true
	req.Header.SetNoDefaultContentType(true)
	resp.Header.SetNoDefaultContentType(true)
	if p.method == "" {
		req.Header.SetMethodBytes(ctx.Method())
	} else {
		req.Header.SetMethod(p.method)
	}
	if e := p.buildURI(c, req); e != nil {
		return e
	}
	req.Header.SetHost(p.host)
	forwardRequestHeaders(req, ctx)
	for i := range p.headerOps {
		op := &p.headerOps[i]
		switch op.op {
		case "remove":
			delHeaderFold(&req.Header, op.name)
		case "overwrite":
			delHeaderFold(&req.Header, op.name)
			req.Header.Set(op.name, op.eval(c, nil))
		case "append":
			req.Header.Add(op.name, op.eval(c, nil))
		}
	}
	req.SetBodyRaw(ctx.Request.Body())

	err := p.client.DoDeadline(req, resp, c.start.Add(p.timeout))
	if err != nil {
		if errors.Is(err, fasthttp.ErrTimeout) {
			return &Error{Type: IntegrationTimeout, Cause: err}
		}
		return &Error{Type: IntegrationFailure, Cause: err}
	}
	out := &ctx.Response
	status := resp.StatusCode()
	for k, v := range resp.Header.All() {
		if _, skip := headerIn(functionDropped, k); skip {
			continue
		}
		out.Header.AddBytesKV(k, v)
	}
	if ops := p.responses[status]; len(ops) > 0 {
		for i := range ops {
			op := &ops[i]
			switch {
			case op.target == "statuscode" && op.op == "overwrite":
				if n, err := strconv.Atoi(strings.TrimSpace(op.eval(c, resp))); err == nil && n >= 100 && n <= 599 {
					status = n
				}
			case op.target == "header" && op.op == "remove":
				out.Header.Del(op.name)
			case op.target == "header" && op.op == "overwrite":
				out.Header.Set(op.name, op.eval(c, resp))
			case op.target == "header" && op.op == "append":
				out.Header.Add(op.name, op.eval(c, resp))
			}
		}
	}
	out.SetStatusCode(status)
	if len(resp.Body()) > memtrim.LargeBody {
		out.SetBodyRaw(resp.SwapBody(nil))
	} else {
		out.SetBody(resp.Body())
	}
	return nil
}

// delHeaderFold deletes a request header whatever the case it was sent in.
func delHeaderFold(h *fasthttp.RequestHeader, name string) {
	var names []string
	for k := range h.All() {
		if equalFold(string(k), name) {
			names = append(names, string(k))
		}
	}
	for _, n := range names {
		h.Del(n)
	}
}

// buildURI fills the backend request target: the URI's path (or what
// overwrite:path gives) with its placeholders filled from the route's path
// parameters, then the client's query string changed by the querystring
// mappings.
func (p *httpAPIProxy) buildURI(c *Call, req *fasthttp.Request) *Error {
	var arr [512]byte
	b := arr[:0]
	switch {
	case p.pathOp != nil:
		v := p.pathOp.eval(c, nil)
		if !strings.HasPrefix(v, "/") {
			b = append(b, '/')
		}
		b = append(b, v...)
	case p.static != nil:
		b = append(b, p.static...)
	default:
		for _, part := range p.path.parts {
			if part.literal != "" {
				b = append(b, part.literal...)
				continue
			}
			v, ok := "", false
			for _, pp := range c.params {
				if pp.Name == part.param || pp.Name+"+" == part.param {
					v, ok = pp.Value, true
					break
				}
			}
			if !ok {
				return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("no path parameter for {%s} in the integration URI", part.param)}
			}
			b = append(b, v...)
		}
	}
	sep := byte('?')
	if p.hasQuery && p.pathOp == nil {
		sep = '&'
	}
	if len(p.queryOps) == 0 {
		if c.rawQuery != "" {
			b = append(b, sep)
			b = append(b, c.rawQuery...)
		}
		req.Header.SetRequestURIBytes(b)
		return nil
	}
	args := fasthttp.AcquireArgs()
	defer fasthttp.ReleaseArgs(args)
	args.Parse(c.rawQuery)
	for i := range p.queryOps {
		op := &p.queryOps[i]
		switch op.op {
		case "remove":
			args.Del(op.name)
		case "overwrite":
			args.Set(op.name, op.eval(c, nil))
		case "append":
			args.Add(op.name, op.eval(c, nil))
		}
	}
	if args.Len() > 0 {
		b = append(b, sep)
		b = args.AppendBytes(b)
	}
	req.Header.SetRequestURIBytes(b)
	return nil
}
