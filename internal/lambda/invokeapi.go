package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/valyala/fasthttp"
)

// InvokeAPI serves Lambda's Invoke API on the data-plane listener:
// POST /2015-03-31/functions/{FunctionName}/invocations, so the AWS CLI and
// SDKs (with a custom endpoint) can call the local functions.
type InvokeAPI struct {
	Functions *Functions // the functions of the template load this handler belongs to
	// Verifier, when set (--iam-credentials), refuses calls not SigV4-signed
	// by one of its identities (service lambda), as Lambda does.
	Verifier  *sigv4.Verifier
	Region    string
	AccountID string
	Logger    *slog.Logger
}

const invokePrefix = "/2015-03-31/functions/"

// Match reports whether a request path is the Invoke API's.
func (a *InvokeAPI) Match(path string) bool {
	return strings.HasPrefix(path, invokePrefix)
}

func (a *InvokeAPI) functionARN(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", a.Region, a.AccountID, name)
}

// lambdaAPIError writes an error in Lambda's REST-JSON shape.
func lambdaAPIError(ctx *fasthttp.RequestCtx, status int, errType, msg string) {
	lambdaAPIErrorReason(ctx, status, errType, "", msg)
}

func lambdaAPIErrorReason(ctx *fasthttp.RequestCtx, status int, errType, reason, msg string) {
	ctx.Response.Reset()
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType("application/json")
	ctx.Response.Header.Set("x-amzn-ErrorType", errType)
	ctx.Response.Header.Set("x-amzn-RequestId", newUUID())
	b, _ := json.Marshal(struct {
		Reason  string `json:"Reason,omitempty"`
		Type    string `json:"Type"`
		Message string `json:"message"`
	}{reason, "User", msg})
	ctx.SetBody(b)
}

// maxAsyncPayload is Lambda's limit for asynchronous (Event) invocations:
// 1 MB since October 2025 (256 KB before).
const maxAsyncPayload = 1 << 20

// throttled is Lambda's answer at a function's reserved concurrency.
func throttled(ctx *fasthttp.RequestCtx) {
	lambdaAPIErrorReason(ctx, 429, "TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded", "Rate Exceeded.")
}

// Handle serves one Invoke API request.
func (a *InvokeAPI) Handle(ctx *fasthttp.RequestCtx) {
	if a.Verifier != nil {
		raw := string(ctx.Request.Header.RequestURI())
		rawPath, rawQuery, _ := strings.Cut(raw, "?")
		if _, f := a.Verifier.Verify(sigv4.FromFastHTTP(ctx, rawPath, rawQuery)); f != nil {
			lambdaAPIError(ctx, f.Status, f.ErrorType, f.Message)
			return
		}
	}
	path := string(ctx.Path())
	rest := strings.TrimPrefix(path, invokePrefix)
	rawName, ok := strings.CutSuffix(rest, "/invocations")
	if !ok || rawName == "" || strings.Contains(rawName, "/") {
		lambdaAPIError(ctx, 404, "UnknownOperationException", "Unknown operation "+string(ctx.Method())+" "+path)
		return
	}
	if !ctx.IsPost() {
		lambdaAPIError(ctx, 405, "MethodNotAllowedException", "The Invoke API takes POST")
		return
	}
	name, err := url.PathUnescape(rawName)
	if err != nil {
		lambdaAPIError(ctx, 400, "InvalidParameterValueException", "invalid function name")
		return
	}
	if q := string(ctx.QueryArgs().Peek("Qualifier")); q != "" {
		name += ":" + q
	}
	p, err := a.Functions.lookupLocal(name)
	if err != nil {
		lambdaAPIError(ctx, 404, "ResourceNotFoundException", "Function not found: "+a.functionARN(name))
		return
	}
	body := ctx.Request.Body()
	if len(body) > maxPayload {
		lambdaAPIError(ctx, 413, "RequestTooLargeException", fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", maxPayload))
		return
	}
	if len(body) == 0 {
		body = []byte("{}")
	} else if !json.Valid(body) {
		lambdaAPIError(ctx, 400, "InvalidRequestContentException", "Could not parse request body into json: Unexpected character")
		return
	}
	payload := append([]byte(nil), body...)
	var opt invokeOptions
	if cc := ctx.Request.Header.Peek("X-Amz-Client-Context"); len(cc) > 0 {
		decoded, err := base64.StdEncoding.DecodeString(string(cc))
		if err != nil || len(cc) > 3583 || !json.Valid(decoded) {
			lambdaAPIError(ctx, 400, "InvalidRequestContentException", "Client context must be a valid Base64-encoded JSON object of 3583 bytes or less")
			return
		}
		opt.clientContext = string(decoded)
	}
	switch kind := string(ctx.Request.Header.Peek("X-Amz-Invocation-Type")); kind {
	case "", "RequestResponse":
	case "Event":
		if len(body) > maxAsyncPayload {
			lambdaAPIError(ctx, 413, "RequestTooLargeException", fmt.Sprintf("Request must be smaller than %d bytes for the InvokeAsync operation", maxAsyncPayload))
			return
		}
		// Lambda passes the client context to synchronous invocations only.
		opt.clientContext = ""
		if err := p.enqueue(payload, opt); err != nil {
			// Lambda's answer when it takes no more asynchronous calls.
			lambdaAPIErrorReason(ctx, 429, "TooManyRequestsException", "CallerRateLimitExceeded", "Rate Exceeded.")
			return
		}
		ctx.SetStatusCode(202)
		ctx.Response.Header.Set("x-amzn-RequestId", newUUID())
		return
	case "DryRun":
		ctx.SetStatusCode(204)
		ctx.Response.Header.Set("x-amzn-RequestId", newUUID())
		return
	default:
		lambdaAPIError(ctx, 400, "InvalidParameterValueException", "Invalid invocation type: "+kind)
		return
	}
	wantLog := string(ctx.Request.Header.Peek("X-Amz-Log-Type")) == "Tail"
	if wantLog {
		opt.tail = &tailBuffer{}
	}
	// A synchronous call waits for the function's own timeout (plus init).
	rctx, cancel := context.WithTimeout(context.Background(), p.spec.Timeout+initTimeout+time.Second)
	defer cancel()
	res, id, err := p.invoke(rctx, payload, opt)
	switch {
	case errors.Is(err, ErrThrottled):
		throttled(ctx)
		return
	case err != nil:
		lambdaAPIError(ctx, 500, "ServiceException", err.Error())
		return
	}
	h := &ctx.Response.Header
	h.SetContentType("application/json")
	h.Set("x-amzn-RequestId", id)
	h.Set("X-Amz-Executed-Version", "$LATEST")
	if res.FunctionError != "" {
		h.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if wantLog {
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(opt.tail.bytes()))
	}
	ctx.SetStatusCode(200)
	ctx.Response.SetBodyRaw(res.Payload) // the invocation's own slice: no copy, nothing pooled
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
