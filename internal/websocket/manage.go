package websocket

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/valyala/fasthttp"
)

// The @connections management API (aws-reference §4.5): POST sends the
// body as one message (200), GET describes the connection (200), DELETE
// closes it (204); a connection that is not open is 410 GoneException.
// With a verifier (--iam-credentials) calls must be SigV4-signed for
// execute-api by one of its identities.

// manage serves /{stage}/@connections/{id}.
func (s *Server) manage(ctx *fasthttp.RequestCtx, st *stage, rawID string) {
	// SigV4 signs the path as sent, and the id is read from it too:
	// ctx.Path() is decoded and normalised ("//" in an id %2F%2F would be
	// collapsed).
	rawPath, rawQuery, _ := strings.Cut(string(ctx.Request.Header.RequestURI()), "?")
	if i := strings.Index(rawPath, "connections/"); i >= 0 {
		rawID = rawPath[i+len("connections/"):]
	}
	if v := s.verifier; v != nil {
		if _, f := v.Verify(sigv4.FromFastHTTP(ctx, rawPath, rawQuery)); f != nil {
			ctx.Response.Header.Set("x-amzn-ErrorType", f.ErrorType)
			writeJSONError(ctx, f.Status, "", mustJSON(map[string]string{"message": f.Message}))
			return
		}
	}
	id, err := url.PathUnescape(rawID)
	if err != nil || id == "" {
		writeJSONError(ctx, fasthttp.StatusBadRequest, "BadRequestException", `{"message":"Invalid connectionId"}`)
		return
	}
	// Through Connections, the seam where a shared store would reach a
	// connection another instance holds.
	var conns Connections = s.hub
	info, err := conns.Info(id)
	if err != nil || info.Stage != st.name || info.APIID != st.api.id {
		gone(ctx)
		return
	}
	switch string(ctx.Method()) {
	case fasthttp.MethodPost:
		body := ctx.Request.Body()
		if int64(len(body)) > s.limits.MaxMessage {
			writeJSONError(ctx, fasthttp.StatusRequestEntityTooLarge, "PayloadTooLargeException", `{"message":"Message too long"}`)
			return
		}
		if err := conns.Send(id, append([]byte(nil), body...)); err != nil {
			gone(ctx)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusOK)
	case fasthttp.MethodGet:
		ctx.SetContentType("application/json")
		ctx.SetBodyString(mustJSON(map[string]any{
			"connectedAt":  info.ConnectedAt.UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": info.SourceIP, "userAgent": info.UserAgent},
			"lastActiveAt": info.LastActiveAt.UTC().Format(time.RFC3339Nano),
		}))
	case fasthttp.MethodDelete:
		if conns.Close(id) != nil {
			gone(ctx)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	default:
		writeJSONError(ctx, fasthttp.StatusForbidden, "", `{"message":"Forbidden"}`)
	}
}

// gone answers GoneException, with an empty body as API Gateway's.
func gone(ctx *fasthttp.RequestCtx) {
	ctx.SetStatusCode(fasthttp.StatusGone)
	ctx.Response.Header.Set("x-amzn-ErrorType", "GoneException")
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
