package lambdaproxy

import (
	"slices"
	"strconv"
	"time"
)

// WebSocket API events and results (Lambda proxy integration).
//
// Shapes (AWS-recorded; sources in ../../../shared/aws-reference.md §4.3
// and the comments below):
//
//   - CONNECT: headers, multiValueHeaders, queryStringParameters and
//     multiValueQueryStringParameters (only when the URL has a query),
//     requestContext, isBase64Encoded. No body.
//   - MESSAGE: requestContext (with messageId), body, isBase64Encoded. No
//     headers.
//   - DISCONNECT: four fixed headers (Host, x-api-key, X-Forwarded-For,
//     x-restapi; all but Host empty), requestContext (with
//     disconnectStatusCode and disconnectReason), isBase64Encoded.
//
// Since 2022 AWS leaves null members out of WebSocket events: the
// "messageId": null, "disconnectStatusCode": null, "disconnectReason": null
// and the twelve null identity keys of the 2020-2021 captures are gone
// (AWS's own 2024 example in "Set up a WebSocket API integration request",
// apigateway-websocket-api-integration-requests.html; captures of 2022,
// 2023 and 2024: aws-lambda-go events/testdata/apigw-websocket-request-
// {send-message,disconnect}.json, aws-lambda-rust-runtime fixtures).
//
// requestContext and identity are Java HashMaps with 32 buckets on AWS's
// side; the key orders below are the bucket orders, which every capture
// matches (including where "authorizer" and "apiKey"/"apiKeyId" land).

// WSEvent is what AppendWSEvent needs to know about one WebSocket event.
type WSEvent struct {
	// EventType is "CONNECT", "MESSAGE" or "DISCONNECT".
	EventType string
	// RouteKey is "$connect", "$disconnect", "$default" or a custom key.
	RouteKey     string
	ConnectionID string
	// MessageID is written for MESSAGE events only.
	MessageID string
	// RequestID is both requestId and extendedRequestId (equal in every
	// WebSocket capture).
	RequestID  string
	APIID      string
	Stage      string
	DomainName string
	// ConnectedAt is when the connection was accepted (connectedAt, ms).
	ConnectedAt time.Time
	// RequestTime gives requestTime ("02/Jan/2006:15:04:05 +0000", UTC) and
	// requestTimeEpoch (ms).
	RequestTime time.Time
	// Identity is requestContext.identity. Empty fields are left out (AWS
	// omits nulls in WebSocket events); sourceIp is always written. The
	// connection's identity: the same in all of its events.
	Identity Identity
	// Headers of the upgrade request in arrival order (CONNECT only; the
	// runtime adds X-Forwarded-For/-Port/-Proto and X-Amzn-Trace-Id as API
	// Gateway's front end does). Connection, Upgrade and the other
	// hop-by-hop headers are dropped; the rest are written sorted by name,
	// ASCII case-insensitively, as AWS does (a case-insensitive TreeMap:
	// every capture is sorted, whatever order the client sent).
	Headers []Header
	// RawQuery is the upgrade request's query string as sent, without '?'
	// (CONNECT only). Decoded as for REST events (query.go). No parameters:
	// both query members are left out.
	RawQuery string
	// StageVariables: nil or empty -> the member is left out.
	StageVariables map[string]string
	// Authorizer is the $connect authorizer's context (principalId,
	// integrationLatency and the context keys), nil when the API has no
	// authorizer. API Gateway passes it in every event of the connection.
	// Keys are written sorted.
	Authorizer map[string]any
	// Body is the message (MESSAGE only; text frames: always a string).
	Body []byte
	// DisconnectStatusCode and DisconnectReason are the close code and
	// reason (DISCONNECT only). Code 0 means the close frame carried no
	// status and is written as 1005; with 1005 an empty reason is written
	// as AWS does, "Client-side close frame status not set".
	DisconnectStatusCode int
	DisconnectReason     string
}

// WebSocket event types.
const (
	WSConnect    = "CONNECT"
	WSMessage    = "MESSAGE"
	WSDisconnect = "DISCONNECT"
)

// noStatusReason is AWS's disconnectReason for close code 1005 (recorded
// in 2022-2024 captures and AWS's documentation example).
const noStatusReason = "Client-side close frame status not set"

// AppendWSEvent appends the Lambda proxy event for e to dst and returns the
// extended buffer. The members present depend on e.EventType (see the
// comment at the top of this file); an unknown type is written like
// MESSAGE. isBase64Encoded is always false: API Gateway passes text frames
// only (binary frames close the connection with 1003).
func AppendWSEvent(dst []byte, e *WSEvent) []byte {
	dst = append(dst, '{')
	switch e.EventType {
	case WSConnect:
		dst = appendWSHeaders(dst, e.Headers)
		mark := len(dst)
		dst = append(dst, ',')
		dst = appendQuery(dst, e.RawQuery)
		if string(dst[mark:]) == `,"queryStringParameters":null,"multiValueQueryStringParameters":null` {
			dst = dst[:mark]
		}
		dst = append(dst, ',')
	case WSDisconnect:
		// Recorded (2022-2024, every capture): these four, Host being the
		// API's domain and the others empty, whatever the client sent.
		dst = append(dst, `"headers":{"Host":`...)
		host := len(dst)
		dst = appendString(dst, e.DomainName)
		hostEnd := len(dst)
		dst = append(dst, `,"x-api-key":"","X-Forwarded-For":"","x-restapi":""},"multiValueHeaders":{"Host":[`...)
		dst = append(dst, dst[host:hostEnd]...)
		dst = append(dst, `],"x-api-key":[""],"X-Forwarded-For":[""],"x-restapi":[""]},`...)
	}
	if len(e.StageVariables) > 0 {
		// Position as in REST events (before requestContext): unconfirmed
		// for WebSocket events.
		dst = append(dst, `"stageVariables":`...)
		dst = appendStringMap(dst, e.StageVariables)
		dst = append(dst, ',')
	}
	dst = append(dst, `"requestContext":`...)
	dst = appendWSContext(dst, e)
	if e.EventType != WSConnect && e.EventType != WSDisconnect {
		dst = append(dst, `,"body":`...)
		dst = appendBytesString(dst, e.Body)
	}
	return append(dst, `,"isBase64Encoded":false}`...)
}

// appendWSContext writes requestContext: the key order is the bucket order
// of AWS's 32-bucket HashMap (routeKey 4, disconnectStatusCode 5,
// authorizer 5, messageId 9, eventType 11, extendedRequestId 13,
// requestTime 16, messageDirection 17, disconnectReason 17, stage 20,
// connectedAt 21, requestTimeEpoch 21, identity 22, requestId 22,
// domainName 23, connectionId 25, apiId 30). Within a bucket the recorded
// order is kept; authorizer after disconnectStatusCode is a guess (no
// capture has both).
func appendWSContext(dst []byte, e *WSEvent) []byte {
	dst = append(dst, `{"routeKey":`...)
	dst = appendString(dst, e.RouteKey)
	if e.EventType == WSDisconnect {
		code := e.DisconnectStatusCode
		if code == 0 {
			code = 1005
		}
		dst = append(dst, `,"disconnectStatusCode":`...)
		dst = strconv.AppendInt(dst, int64(code), 10)
	}
	if e.Authorizer != nil {
		dst = append(dst, `,"authorizer":`...)
		dst = appendAny(dst, e.Authorizer, 0)
	}
	if e.EventType != WSConnect && e.EventType != WSDisconnect {
		dst = append(dst, `,"messageId":`...)
		dst = appendString(dst, e.MessageID)
	}
	dst = append(dst, `,"eventType":`...)
	dst = appendString(dst, e.EventType)
	dst = append(dst, `,"extendedRequestId":`...)
	reqID := len(dst)
	dst = appendString(dst, e.RequestID)
	reqIDEnd := len(dst)
	dst = append(dst, `,"requestTime":"`...)
	t := e.RequestTime.UTC()
	dst = t.AppendFormat(dst, requestTimeLayout)
	dst = append(dst, `","messageDirection":"IN"`...)
	if e.EventType == WSDisconnect {
		reason := e.DisconnectReason
		if (e.DisconnectStatusCode == 0 || e.DisconnectStatusCode == 1005) && reason == "" {
			reason = noStatusReason
		}
		dst = append(dst, `,"disconnectReason":`...)
		dst = appendString(dst, reason)
	}
	dst = append(dst, `,"stage":`...)
	dst = appendString(dst, e.Stage)
	dst = append(dst, `,"connectedAt":`...)
	dst = strconv.AppendInt(dst, e.ConnectedAt.UnixMilli(), 10)
	dst = append(dst, `,"requestTimeEpoch":`...)
	dst = strconv.AppendInt(dst, t.UnixMilli(), 10)
	dst = append(dst, `,"identity":`...)
	dst = appendWSIdentity(dst, &e.Identity)
	dst = append(dst, `,"requestId":`...)
	dst = append(dst, dst[reqID:reqIDEnd]...)
	dst = append(dst, `,"domainName":`...)
	dst = appendString(dst, e.DomainName)
	dst = append(dst, `,"connectionId":`...)
	dst = appendString(dst, e.ConnectionID)
	dst = append(dst, `,"apiId":`...)
	dst = appendString(dst, e.APIID)
	return append(dst, '}')
}

// appendWSIdentity writes identity without its empty members, in the
// 32-bucket order (the REST identity's 14-key order, event.go): recorded
// {"userAgent","sourceIp"}, {"sourceIp"} and {"apiKey","apiKeyId",
// "sourceIp"}. sourceIp is always written.
func appendWSIdentity(dst []byte, id *Identity) []byte {
	dst = append(dst, '{')
	opt := func(dst []byte, key, v string) []byte {
		if v == "" {
			return dst
		}
		dst = append(dst, '"')
		dst = append(dst, key...)
		dst = append(dst, `":`...)
		dst = appendString(dst, v)
		return append(dst, ',')
	}
	dst = opt(dst, "cognitoIdentityPoolId", id.CognitoIdentityPoolID)
	dst = opt(dst, "cognitoIdentityId", id.CognitoIdentityID)
	dst = opt(dst, "apiKey", id.APIKey)
	dst = opt(dst, "principalOrgId", id.PrincipalOrgID)
	dst = opt(dst, "cognitoAuthenticationType", id.CognitoAuthenticationType)
	dst = opt(dst, "userArn", id.UserArn)
	dst = opt(dst, "apiKeyId", id.APIKeyID)
	dst = opt(dst, "userAgent", id.UserAgent)
	dst = opt(dst, "accountId", id.AccountID)
	dst = opt(dst, "caller", id.Caller)
	dst = append(dst, `"sourceIp":`...)
	dst = appendString(dst, id.SourceIP)
	dst = append(dst, ',')
	dst = opt(dst, "accessKey", id.AccessKey)
	dst = opt(dst, "cognitoAuthenticationProvider", id.CognitoAuthenticationProvider)
	dst = opt(dst, "user", id.User)
	dst[len(dst)-1] = '}'
	return dst
}

// appendWSHeaders writes headers and multiValueHeaders sorted by name,
// ASCII case-insensitively (stable: a repeated header keeps its values'
// order; the first spelling names the group). No headers: both empty
// objects (a real upgrade request always has Host).
func appendWSHeaders(dst []byte, hs []Header) []byte {
	var buf [48]Header
	sorted := buf[:0]
	for _, h := range hs {
		if !isHopByHop(h.Name) {
			sorted = append(sorted, h)
		}
	}
	if len(sorted) == 0 {
		return append(dst, `"headers":{},"multiValueHeaders":{}`...)
	}
	slices.SortStableFunc(sorted, func(a, b Header) int { return compareFold(a.Name, b.Name) })
	return appendHeaders(dst, sorted)
}

// compareFold orders header names as Java's String.CASE_INSENSITIVE_ORDER
// does for ASCII: by their lower-cased bytes.
func compareFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return int(x) - int(y)
		}
	}
	return len(a) - len(b)
}

// ---- results ----

// WSResponse is a WebSocket route's Lambda proxy result as API Gateway
// uses it.
type WSResponse struct {
	// StatusCode decides a $connect: 2xx accepts the connection, anything
	// else refuses the upgrade with this status (the subprotocol example
	// of the Developer Guide: a 400 gives wscat "Unexpected server
	// response: 400"). Message routes ignore it: the body is sent whatever
	// the status (community: a 500 still reaches the client's onmessage).
	StatusCode int
	// Headers are the result's headers (headers and multiValueHeaders,
	// merged as for REST, without REST's default Content-Type). Only
	// HandshakeHeaders reach a client.
	Headers []Header
	// Body is what a two-way route (one with a $default route response)
	// sends back as one text message; nil is sent as an empty message
	// (community: "statuscode=200 and body=undefined ... still get an empty
	// message at the client"). One-way routes send nothing.
	Body []byte
}

// Accepted reports whether a $connect result accepts the connection.
func (r *WSResponse) Accepted() bool { return r.StatusCode >= 200 && r.StatusCode <= 299 }

// HandshakeHeaders returns the headers a $connect result puts on the 101
// response: Sec-WebSocket-Protocol only. API Gateway forwards neither the
// body nor any other header (AWS's maintainer in aws/chalice#1768: "only
// the Sec-Websocket-Protocol header is sent back to the client").
func (r *WSResponse) HandshakeHeaders() []Header {
	var out []Header
	for _, h := range r.Headers {
		if asciiEqualFold(h.Name, "Sec-WebSocket-Protocol") {
			out = append(out, h)
		}
	}
	return out
}

// ParseWSResponse reads a WebSocket route's Lambda proxy result. It applies
// the REST proxy rules (ParseResponse, base64 never decoded): the result
// must be a JSON object with only statusCode, body, headers,
// multiValueHeaders and isBase64Encoded; a missing statusCode means 200.
// An error wraps ErrMalformed; API Gateway then answers
//   - $connect: the upgrade is refused with 502 (as for a function error);
//   - message routes: the in-band frame AppendWSError(..., "Internal server
//     error", ...), the connection stays open (recorded: a result with
//     extra keys gave {"message": "Internal server error", "connectionId":
//     ..., "requestId": ...}, middyjs/middy#1219);
//   - $disconnect: nothing (the connection is gone).
//
// Not recorded for WebSocket (REST's answer applied): a bare JSON string,
// number, array or null (an error), isBase64Encoded true (the body is sent
// as the base64 text).
func ParseWSResponse(payload []byte) (*WSResponse, error) {
	r, err := parseResponse(payload, false, false)
	if err != nil {
		return nil, err
	}
	return &WSResponse{StatusCode: r.StatusCode, Headers: r.Headers, Body: r.Body}, nil
}

// In-band error messages of WebSocket APIs (aws-reference §2.4).
const (
	// WSForbidden: no route matched and there is no $default route.
	WSForbidden = "Forbidden"
	// WSInternalServerError: the integration failed (function error,
	// malformed result, timeout).
	WSInternalServerError = "Internal server error"
)

// AppendWSError appends API Gateway's in-band error frame,
// {"message": "Forbidden", "connectionId":"...", "requestId":"..."}, with
// AWS's spacing (a space after the first colon only).
func AppendWSError(dst []byte, message, connectionID, requestID string) []byte {
	dst = append(dst, `{"message": `...)
	dst = appendString(dst, message)
	dst = append(dst, `, "connectionId":`...)
	dst = appendString(dst, connectionID)
	dst = append(dst, `, "requestId":`...)
	dst = appendString(dst, requestID)
	return append(dst, '}')
}
