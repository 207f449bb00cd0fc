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
	c := s.hub.get(id)
	if c == nil || c.stage != st.name || c.apiID != st.api.id {
		// GoneException, with an empty body as API Gateway's.
		ctx.SetStatusCode(fasthttp.StatusGone)
		ctx.Response.Header.Set("x-amzn-ErrorType", "GoneException")
		return
	}
	switch string(ctx.Method()) {
	case fasthttp.MethodPost:
		body := ctx.Request.Body()
		if int64(len(body)) > s.limits.MaxMessage {
			writeJSONError(ctx, fasthttp.StatusRequestEntityTooLarge, "PayloadTooLargeException", `{"message":"Message too long"}`)
			return
		}
		if err := c.write(1, append([]byte(nil), body...)); err != nil {
			ctx.SetStatusCode(fasthttp.StatusGone)
			ctx.Response.Header.Set("x-amzn-ErrorType", "GoneException")
			return
		}
		ctx.SetStatusCode(fasthttp.StatusOK)
	case fasthttp.MethodGet:
		info, err := s.hub.Info(id)
		if err != nil {
			ctx.SetStatusCode(fasthttp.StatusGone)
			ctx.Response.Header.Set("x-amzn-ErrorType", "GoneException")
			return
		}
		ctx.SetContentType("application/json")
		ctx.SetBodyString(mustJSON(map[string]any{
			"connectedAt":  info.ConnectedAt.UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": info.SourceIP, "userAgent": info.UserAgent},
			"lastActiveAt": info.LastActiveAt.UTC().Format(time.RFC3339Nano),
		}))
	case fasthttp.MethodDelete:
		s.hub.Close(id)
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	default:
		writeJSONError(ctx, fasthttp.StatusForbidden, "", `{"message":"Forbidden"}`)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
