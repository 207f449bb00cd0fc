package websocket

import (
	"time"

	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/valyala/fasthttp"
)

// The Lambda events of WebSocket routes, in API Gateway's shape
// (lambdaproxy.AppendWSEvent).

func (s *Server) baseEvent(st *stage, c *Conn, eventType, routeKey, requestID string, now time.Time) *lambdaproxy.WSEvent {
	return &lambdaproxy.WSEvent{
		EventType:      eventType,
		RouteKey:       routeKey,
		ConnectionID:   c.id,
		RequestID:      requestID,
		APIID:          st.api.id,
		Stage:          st.name,
		DomainName:     c.domain,
		ConnectedAt:    c.connectedAt,
		RequestTime:    now,
		Identity:       lambdaproxy.Identity{SourceIP: c.sourceIP, UserAgent: c.userAgent, APIKey: c.apiKey, APIKeyID: c.apiKeyID},
		StageVariables: st.vars,
		Authorizer:     c.authorizer,
	}
}

// connectEvent is the handshake's CONNECT event (the authorizer's input
// too, with its type and methodArn).
func (s *Server) connectEvent(ctx *fasthttp.RequestCtx, st *stage, c *Conn, now time.Time) *lambdaproxy.WSEvent {
	e := s.baseEvent(st, c, lambdaproxy.WSConnect, "$connect", newID(), now)
	for k, v := range ctx.Request.Header.All() {
		e.Headers = append(e.Headers, lambdaproxy.Header{Name: string(k), Value: string(v)})
	}
	e.RawQuery = string(ctx.URI().QueryString())
	return e
}

func (s *Server) messageEvent(st *stage, c *Conn, routeKey, requestID string, msg []byte) []byte {
	e := s.baseEvent(st, c, lambdaproxy.WSMessage, routeKey, requestID, time.Now())
	e.MessageID = newID()
	e.Body = msg
	return lambdaproxy.AppendWSEvent(nil, e)
}

func (s *Server) disconnectEvent(st *stage, c *Conn, code int, reason string) []byte {
	e := s.baseEvent(st, c, lambdaproxy.WSDisconnect, "$disconnect", newID(), time.Now())
	e.DisconnectStatusCode = code
	e.DisconnectReason = reason
	return lambdaproxy.AppendWSEvent(nil, e)
}
