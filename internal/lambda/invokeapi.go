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

	"github.com/valyala/fasthttp"
)

// InvokeAPI serves Lambda's Invoke API on the data-plane listener:
// POST /2015-03-31/functions/{FunctionName}/invocations, so the AWS CLI and
// SDKs (with a custom endpoint) can call the local functions.
type InvokeAPI struct {
	Runtime   *Runtime
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

// lambdaError writes an error in Lambda's REST-JSON shape.
func lambdaAPIError(ctx *fasthttp.RequestCtx, status int, errType, msg string) {
	ctx.Response.Reset()
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType("application/json")
	ctx.Response.Header.Set("x-amzn-ErrorType", errType)
	ctx.Response.Header.Set("x-amzn-RequestId", newUUID())
	b, _ := json.Marshal(struct {
		Type    string `json:"Type"`
		Message string `json:"message"`
	}{"User", msg})
	ctx.SetBody(b)
}

// Handle serves one Invoke API request.
func (a *InvokeAPI) Handle(ctx *fasthttp.RequestCtx) {
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
	if a.Runtime == nil {
		lambdaAPIError(ctx, 404, "ResourceNotFoundException", "Function not found: "+a.functionARN(name))
		return
	}
	p, err := a.Runtime.lookup(name)
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
	switch kind := string(ctx.Request.Header.Peek("X-Amz-Invocation-Type")); kind {
	case "", "RequestResponse":
	case "Event":
		go func() {
			rctx, cancel := context.WithTimeout(context.Background(), p.spec.Timeout+initTimeout)
			defer cancel()
			if _, _, err := p.invoke(rctx, payload, nil); err != nil {
				a.Logger.Warn("asynchronous invocation failed", "function", p.spec.Name, "error", err)
			}
		}()
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
	var tail *tailBuffer
	if wantLog {
		tail = &tailBuffer{}
	}
	// A synchronous call waits for the function's own timeout (plus init).
	rctx, cancel := context.WithTimeout(context.Background(), p.spec.Timeout+initTimeout+time.Second)
	defer cancel()
	res, id, err := p.invoke(rctx, payload, tail)
	switch {
	case errors.Is(err, ErrThrottled):
		lambdaAPIError(ctx, 429, "TooManyRequestsException", "Rate Exceeded.")
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
		h.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(tail.bytes()))
	}
	ctx.SetStatusCode(200)
	ctx.SetBody(res.Payload)
}
