package websocket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/auth/lambdaauth"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// Lambda REQUEST authorizers of $connect (AuthorizationType CUSTOM), as
// API Gateway runs them (AGW-DG:apigateway-websocket-api-lambda-auth): an
// identity source missing or empty refuses the handshake with 401 without
// a call; otherwise the function gets the CONNECT event with "type":
// "REQUEST" and the methodArn arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/
// $connect, and its policy must Allow execute-api:Invoke on that ARN.
// Failing with "Unauthorized" is 401, a Deny or no matching Allow 403, any
// other failure or a malformed answer 500. The result's principalId,
// integrationLatency and context keys are requestContext.authorizer in
// every later event of the connection. No caching: AuthorizerResultTtlInSeconds
// is HTTP APIs' only (CFN:aws-resource-apigatewayv2-authorizer), so a
// WebSocket authorizer runs at each connection.

// authorizerTimeout bounds an authorizer invocation (API Gateway's
// integration limit).
const authorizerTimeout = 29 * time.Second

// authDenial is a refused handshake's answer: the REST API bodies of the
// same gateway responses (aws-reference §2).
type authDenial struct {
	status  int
	errType string
	body    string
}

var (
	denyUnauthorized = &authDenial{fasthttp.StatusUnauthorized, "UnauthorizedException", `{"message":"Unauthorized"}`}
	denyExplicit     = &authDenial{fasthttp.StatusForbidden, "AccessDeniedException", `{"Message":"User is not authorized to access this resource with an explicit deny"}`}
	denyNotAllowed   = &authDenial{fasthttp.StatusForbidden, "AccessDeniedException", `{"Message":"User is not authorized to access this resource"}`}
	denyConfig       = &authDenial{fasthttp.StatusInternalServerError, "AuthorizerConfigurationException", `{"message":null}`}
)

// authorize runs the $connect route's authorizer for a handshake whose
// CONNECT event is e: the authorizer context for the connection's events,
// or the denial to answer (and why, for the log).
//
// usageKey is the authorizer's usageIdentifierKey, the API key when the
// API's ApiKeySelectionExpression is $context.authorizer.usageIdentifierKey.
func (s *Server) authorize(ctx *fasthttp.RequestCtx, st *stage, a *model.WSAuthorizer, e *lambdaproxy.WSEvent) (auth map[string]any, usageKey string, deny *authDenial, err error) {
	if a == nil || s.invoker == nil {
		return nil, "", denyConfig, fmt.Errorf("the $connect route has no authorizer to run")
	}
	for _, src := range a.IdentitySource {
		if identityValue(ctx, st, e, src) == "" {
			return nil, "", denyUnauthorized, nil
		}
	}
	arn := "arn:" + model.Partition(s.region) + ":execute-api:" + s.region + ":" + s.account + ":" + st.api.id + "/" + st.name + "/$connect"
	fn := a.Function
	for k, v := range st.vars {
		fn = strings.ReplaceAll(fn, "${stageVariables."+k+"}", v)
	}
	ictx, cancel := context.WithTimeout(context.Background(), authorizerTimeout)
	start := time.Now()
	out, err := s.invoker.Invoke(ictx, fn, authorizerEvent(e, arn))
	latency := time.Since(start)
	cancel()
	switch {
	case err != nil:
		return nil, "", denyConfig, fmt.Errorf("authorizer %s: %v", a.LogicalID, err)
	case out.FunctionError != "":
		// Failing with the message "Unauthorized" is the documented way
		// to refuse; any other error is 500.
		var fe struct {
			ErrorMessage string `json:"errorMessage"`
		}
		json.Unmarshal(out.Payload, &fe)
		if fe.ErrorMessage == "Unauthorized" {
			return nil, "", denyUnauthorized, nil
		}
		return nil, "", denyConfig, fmt.Errorf("authorizer %s failed: %.300s", a.LogicalID, out.Payload)
	}
	res, err := lambdaauth.Parse(out.Payload)
	if err != nil {
		return nil, "", denyConfig, fmt.Errorf("authorizer %s: %v", a.LogicalID, err)
	}
	switch res.Evaluate(arn) {
	case lambdaauth.ExplicitDeny:
		return nil, "", denyExplicit, nil
	case lambdaauth.NotAllowed:
		return nil, "", denyNotAllowed, nil
	}
	auth = make(map[string]any, len(res.Context)+2)
	for k, v := range res.Context {
		auth[k] = v
	}
	auth["principalId"] = res.PrincipalID
	auth["integrationLatency"] = latency.Milliseconds()
	return auth, res.UsageKey, nil, nil
}

// identityValue reads one identity source: route.request.header.NAME
// (case-insensitive), route.request.querystring.NAME (case-sensitive),
// stageVariables.NAME or context.NAME.
func identityValue(ctx *fasthttp.RequestCtx, st *stage, e *lambdaproxy.WSEvent, src string) string {
	if name, ok := strings.CutPrefix(src, "route.request.header."); ok {
		if v := ctx.Request.Header.Peek(name); v != nil {
			return string(v)
		}
		for k, v := range ctx.Request.Header.All() {
			if strings.EqualFold(string(k), name) {
				return string(v)
			}
		}
		return ""
	}
	if name, ok := strings.CutPrefix(src, "route.request.querystring."); ok {
		for _, kv := range lambdaproxy.ParseQuery(e.RawQuery) {
			if kv.Key == name {
				return kv.Value
			}
		}
		return ""
	}
	if name, ok := strings.CutPrefix(src, "stageVariables."); ok {
		return st.vars[name]
	}
	if name, ok := strings.CutPrefix(src, "context."); ok {
		switch name {
		case "routeKey":
			return e.RouteKey
		case "eventType":
			return e.EventType
		case "connectionId":
			return e.ConnectionID
		case "requestId", "extendedRequestId":
			return e.RequestID
		case "apiId":
			return e.APIID
		case "stage":
			return e.Stage
		case "domainName":
			return e.DomainName
		case "messageDirection":
			return "IN"
		case "identity.sourceIp":
			return e.Identity.SourceIP
		case "identity.userAgent":
			return e.Identity.UserAgent
		}
	}
	return ""
}

// authorizerEvent is the authorizer's input: "type" and "methodArn", then
// the CONNECT event's members without isBase64Encoded (the documented
// example's order).
func authorizerEvent(e *lambdaproxy.WSEvent, arn string) []byte {
	ev := lambdaproxy.AppendWSEvent(nil, e)
	ev = bytes.TrimSuffix(ev, []byte(`,"isBase64Encoded":false}`))
	b := make([]byte, 0, len(ev)+len(arn)+48)
	b = append(b, `{"type":"REQUEST","methodArn":`...)
	q, _ := json.Marshal(arn)
	b = append(b, q...)
	b = append(b, ',')
	b = append(b, ev[1:]...)
	return append(b, '}')
}
