package lambdaproxy

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Lambda proxy payload format 2.0 (HTTP APIs, PayloadFormatVersion "2.0").
//
// Sources (../../../shared/aws-reference.md §3.4, §12.5-6):
//   - AWS's documented shape and the response rules: API Gateway Developer
//     Guide, "Create AWS Lambda proxy integrations for HTTP APIs"
//     (http-api-develop-integrations-lambda).
//   - Captures from AWS: aws-lambda-go events/testdata/apigw-v2-request-no-
//     authorizer.json (curl GET, 2020-04) and the Lambda Developer Guide's
//     sample-apps/nodejs-apig/event-v2.json (browser GET, 2020-03). Both
//     list headers lower-cased and sorted, carry "content-length": "0" for
//     a GET the client sent without Content-Length, put the Cookie header's
//     pairs in "cookies" (and not in headers), and leave out every empty
//     member (cookies, queryStringParameters, pathParameters,
//     stageVariables, body).
//   - Request body encoding verified against AWS by ministack PR #766.
//   - Response: multiValueHeaders is not read for 2.0 (the API Gateway team,
//     quoted in aws/serverless-java-container#377; results carrying it
//     still succeed, without those headers).

// V2Request is what AppendV2Event needs to know about one HTTP API request.
type V2Request struct {
	// RouteKey is the matched route: "GET /pets/{id}", "ANY /{proxy+}" or
	// "$default". Written as routeKey and requestContext.routeKey.
	RouteKey string
	// RawPath is the request path as sent (percent-encoding kept),
	// including the stage segment for a named stage and without it for
	// $default.
	RawPath string
	// RawQueryString is the query as sent, without '?'.
	RawQueryString string
	// Headers in arrival order, names as sent; a repeated header appears
	// several times. AppendV2Event lower-cases the names, sorts them, joins
	// repeated ones with ",", moves Cookie headers to "cookies", drops the
	// hop-by-hop ones and writes content-length itself (len(Body)).
	Headers []Header
	// PathParameters in template order; the key of a greedy {proxy+}
	// segment is "proxy". Empty: the member is left out.
	PathParameters []KV
	// StageVariables: nil or empty leaves the member out. Written sorted.
	StageVariables map[string]string
	// Body is the request body; empty leaves "body" out. It is sent
	// base64-encoded (isBase64Encoded true) unless the request's
	// Content-Type is textual (V2TextContentType).
	Body    []byte
	Context V2RequestContext
}

// V2RequestContext is the event's requestContext (minus routeKey, which is
// V2Request.RouteKey).
type V2RequestContext struct {
	AccountID    string
	APIID        string
	DomainName   string
	DomainPrefix string
	// RequestID is requestId (also the apigw-requestid response header).
	RequestID string
	// Stage is "$default" or the stage name.
	Stage string
	HTTP  V2HTTP
	// Time gives time ("02/Jan/2006:15:04:05 +0000", UTC) and timeEpoch
	// (Unix milliseconds).
	Time time.Time
	// Authorizer: nil leaves requestContext.authorizer out.
	Authorizer *V2Authorizer
}

// V2HTTP is requestContext.http.
type V2HTTP struct {
	Method string
	// Path: empty means RawPath (equal in every capture).
	Path string
	// Protocol, e.g. "HTTP/1.1".
	Protocol string
	SourceIP string
	// UserAgent: empty means the request's User-Agent header (as joined
	// into headers), or "" when it has none.
	UserAgent string
}

// V2Authorizer is requestContext.authorizer: one of its members is set,
// by the kind of authorizer the route uses.
type V2Authorizer struct {
	// JWT: {"jwt":{"claims":{...},"scopes":[...]}}.
	JWT *V2JWT
	// Lambda is a Lambda authorizer's context: {"lambda":{...}}, keys
	// sorted. A non-nil empty map is written as {}.
	Lambda map[string]any
	// IAM: {"iam":{...}} for AWS_IAM routes.
	IAM *V2IAM
}

// V2JWT is what a JWT authorizer passes on.
type V2JWT struct {
	// Claims of the token, every value a string (aws-lambda-go's type is
	// map[string]string); written sorted by key.
	Claims map[string]string
	// Scopes: nil is written as null (unconfirmed), otherwise a list.
	Scopes []string
}

// V2IAM is requestContext.authorizer.iam. Empty strings are written as
// null (unconfirmed); keys are in aws-lambda-go's (alphabetical) order.
type V2IAM struct {
	AccessKey, AccountID, CallerID, PrincipalOrgID, UserARN, UserID string
	// CognitoIdentity: nil is written as null.
	CognitoIdentity *V2CognitoIdentity
}

// V2CognitoIdentity is iam.cognitoIdentity.
type V2CognitoIdentity struct {
	AMR                        []string
	IdentityID, IdentityPoolID string
}

// V2TextContentType reports whether an HTTP API passes a request body with
// this Content-Type to a 2.0 function as text (isBase64Encoded false):
// text/*, application/json, application/xml and application/javascript,
// parameters ignored and matched case-insensitively. Everything else,
// including no Content-Type, application/x-www-form-urlencoded and
// application/*+json, is base64-encoded (verified against AWS by ministack
// PR #766; the +json suffix types are not in its table: unconfirmed).
func V2TextContentType(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	if len(mt) > 5 && asciiEqualFold(mt[:5], "text/") {
		return true
	}
	return asciiEqualFold(mt, "application/json") || asciiEqualFold(mt, "application/xml") ||
		asciiEqualFold(mt, "application/javascript")
}

// V2InternalServerError is the body of HTTP API's 500, sent for a function
// error, a timeout-free invoke failure or a result ParseV2Response rejects
// (AGW-DG:http-api-troubleshooting-lambda; capitalised, unlike REST).
const V2InternalServerError = `{"message":"Internal Server Error"}`

// AppendV2Event appends the payload format 2.0 event for r to dst and
// returns the extended buffer.
//
// Top-level keys come in the order of AWS's documented example (which both
// captures follow): version, routeKey, rawPath, rawQueryString, cookies,
// headers, queryStringParameters, requestContext, body, pathParameters,
// isBase64Encoded, stageVariables. requestContext is alphabetical, as
// documented and captured.
//
// Decisions where AWS is silent: queryStringParameters decodes as REST's
// queryStringParameters does (query.go: '+' is a space, a key without '='
// has the value "", empty keys skipped) and lists keys in order of first
// appearance; a Cookie header is split at ';' and each pair trimmed of
// spaces, empty pairs dropped; the Content-Type deciding the body encoding
// is the first Content-Type header's value; an empty body is left out with
// isBase64Encoded false whatever the Content-Type (aws-lambda-go's curl
// capture; ministack. The Lambda guide's 2020-03 capture shows true for a
// bodyless GET without Content-Type, an earlier behaviour).
func AppendV2Event(dst []byte, r *V2Request) []byte {
	var (
		contentType   string
		haveCT        bool
		cookieHeaders int
	)
	var keptBuf [48]Header
	hs := keptBuf[:0]
	for _, h := range r.Headers {
		switch {
		case isHopByHop(h.Name):
			continue
		case asciiEqualFold(h.Name, "cookie"):
			cookieHeaders++
			continue
		case asciiEqualFold(h.Name, "content-type"):
			if !haveCT {
				contentType, haveCT = h.Value, true
			}
		}
		hs = append(hs, h)
	}
	// content-length is written by AWS's front end for every request (both
	// captures show "0" for bodyless GETs whose clients sent none).
	hs = append(hs, Header{Name: "content-length"})
	slices.SortStableFunc(hs, func(a, b Header) int { return compareFold(a.Name, b.Name) })

	base64Body := len(r.Body) > 0 && !V2TextContentType(contentType)

	dst = append(dst, `{"version":"2.0","routeKey":`...)
	routeKey := len(dst)
	dst = appendString(dst, r.RouteKey)
	routeKeyEnd := len(dst)
	dst = append(dst, `,"rawPath":`...)
	rawPath := len(dst)
	dst = appendString(dst, r.RawPath)
	rawPathEnd := len(dst)
	dst = append(dst, `,"rawQueryString":`...)
	dst = appendString(dst, r.RawQueryString)
	if cookieHeaders > 0 {
		dst = appendV2Cookies(dst, r.Headers)
	}
	dst = append(dst, `,"headers":{`...)
	uaValue, uaValueEnd := -1, -1
	for i := 0; i < len(hs); {
		j := i + 1
		for j < len(hs) && asciiEqualFold(hs[j].Name, hs[i].Name) {
			j++
		}
		if i > 0 {
			dst = append(dst, ',')
		}
		name := len(dst)
		dst = appendString(dst, hs[i].Name)
		lowerASCII(dst[name:])
		dst = append(dst, ':')
		if hs[i].Name == "content-length" { // only ours: the client's was dropped
			dst = append(dst, '"')
			dst = strconv.AppendInt(dst, int64(len(r.Body)), 10)
			dst = append(dst, '"')
		} else {
			isUA := asciiEqualFold(hs[i].Name, "user-agent")
			if isUA {
				uaValue = len(dst)
			}
			dst = appendJoined(dst, hs[i:j])
			if isUA {
				uaValueEnd = len(dst)
			}
		}
		i = j
	}
	dst = append(dst, '}')
	dst = appendV2Query(dst, r.RawQueryString)

	c := &r.Context
	dst = append(dst, `,"requestContext":{"accountId":`...)
	dst = appendString(dst, c.AccountID)
	dst = append(dst, `,"apiId":`...)
	dst = appendString(dst, c.APIID)
	if c.Authorizer != nil {
		dst = append(dst, `,"authorizer":`...)
		dst = appendV2Authorizer(dst, c.Authorizer)
	}
	dst = append(dst, `,"domainName":`...)
	dst = appendString(dst, c.DomainName)
	dst = append(dst, `,"domainPrefix":`...)
	dst = appendString(dst, c.DomainPrefix)
	dst = append(dst, `,"http":{"method":`...)
	dst = appendString(dst, c.HTTP.Method)
	dst = append(dst, `,"path":`...)
	if c.HTTP.Path != "" {
		dst = appendString(dst, c.HTTP.Path)
	} else {
		dst = append(dst, dst[rawPath:rawPathEnd]...)
	}
	dst = append(dst, `,"protocol":`...)
	dst = appendString(dst, c.HTTP.Protocol)
	dst = append(dst, `,"sourceIp":`...)
	dst = appendString(dst, c.HTTP.SourceIP)
	dst = append(dst, `,"userAgent":`...)
	switch {
	case c.HTTP.UserAgent != "":
		dst = appendString(dst, c.HTTP.UserAgent)
	case uaValue >= 0:
		dst = append(dst, dst[uaValue:uaValueEnd]...)
	default:
		dst = append(dst, `""`...)
	}
	dst = append(dst, `},"requestId":`...)
	dst = appendString(dst, c.RequestID)
	dst = append(dst, `,"routeKey":`...)
	dst = append(dst, dst[routeKey:routeKeyEnd]...)
	dst = append(dst, `,"stage":`...)
	dst = appendString(dst, c.Stage)
	t := c.Time.UTC()
	dst = append(dst, `,"time":"`...)
	dst = t.AppendFormat(dst, requestTimeLayout)
	dst = append(dst, `","timeEpoch":`...)
	dst = strconv.AppendInt(dst, t.UnixMilli(), 10)
	dst = append(dst, '}')

	if len(r.Body) > 0 {
		dst = append(dst, `,"body":`...)
		if base64Body {
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, r.Body)
			dst = append(dst, '"')
		} else {
			dst = appendBytesString(dst, r.Body)
		}
	}
	if len(r.PathParameters) > 0 {
		dst = append(dst, `,"pathParameters":`...)
		dst = appendPathParameters(dst, r.PathParameters)
	}
	if base64Body {
		dst = append(dst, `,"isBase64Encoded":true`...)
	} else {
		dst = append(dst, `,"isBase64Encoded":false`...)
	}
	if len(r.StageVariables) > 0 {
		dst = append(dst, `,"stageVariables":`...)
		dst = appendStringMap(dst, r.StageVariables)
	}
	return append(dst, '}')
}

// lowerASCII lower-cases the ASCII letters of b in place. Applied to a
// JSON string written by appendString it lower-cases the name it encodes:
// escapes use lower-case letters only, and non-ASCII bytes are untouched.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// appendJoined writes the values of hs as one JSON string, joined with ","
// (no space: AWS's "header2": "value1,value2").
func appendJoined(dst []byte, hs []Header) []byte {
	if len(hs) == 1 {
		return appendString(dst, hs[0].Value)
	}
	dst = append(dst, '"')
	for k, h := range hs {
		if k > 0 {
			dst = append(dst, ',')
		}
		s := len(dst)
		dst = appendString(dst, h.Value)
		// drop the quotes appendString added
		copy(dst[s:], dst[s+1:len(dst)-1])
		dst = dst[:len(dst)-2]
	}
	return append(dst, '"')
}

// appendV2Cookies writes ,"cookies":[...] from the Cookie headers: every
// "name=value" pair, in order, as its own element. Nothing is written when
// the headers hold no pair.
func appendV2Cookies(dst []byte, hs []Header) []byte {
	mark := len(dst)
	dst = append(dst, `,"cookies":[`...)
	n := 0
	for _, h := range hs {
		if !asciiEqualFold(h.Name, "cookie") {
			continue
		}
		rest := h.Value
		for rest != "" {
			var pair string
			pair, rest, _ = strings.Cut(rest, ";")
			pair = strings.Trim(pair, " \t")
			if pair == "" {
				continue
			}
			if n > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, pair)
			n++
		}
	}
	if n == 0 {
		return dst[:mark]
	}
	return append(dst, ']')
}

// appendV2Query writes ,"queryStringParameters":{...}: decoded keys in
// order of first appearance, repeated keys' values joined with ",".
// Nothing is written when the query has no parameter.
func appendV2Query(dst []byte, raw string) []byte {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	var pairBuf [32]KV
	pairs := parseQuery(pairBuf[:0], raw)
	if len(pairs) == 0 {
		return dst
	}
	var gb groupBuf
	g := gb.group(len(pairs), func(i int) string { return pairs[i].Key }, false)
	dst = append(dst, `,"queryStringParameters":{`...)
	for n := range g.first {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, pairs[g.first[n]].Key)
		dst = append(dst, ':')
		if g.first[n] == g.last[n] {
			dst = appendString(dst, pairs[g.first[n]].Value)
			continue
		}
		dst = append(dst, '"')
		for k := g.first[n]; k <= g.last[n]; k++ {
			if g.of[k] != int32(n) {
				continue
			}
			if k != g.first[n] {
				dst = append(dst, ',')
			}
			s := len(dst)
			dst = appendString(dst, pairs[k].Value)
			copy(dst[s:], dst[s+1:len(dst)-1])
			dst = dst[:len(dst)-2]
		}
		dst = append(dst, '"')
	}
	return append(dst, '}')
}

func appendV2Authorizer(dst []byte, a *V2Authorizer) []byte {
	dst = append(dst, '{')
	n := 0
	if a.JWT != nil {
		dst = append(dst, `"jwt":{"claims":`...)
		if len(a.JWT.Claims) == 0 {
			dst = append(dst, "{}"...)
		} else {
			dst = appendStringMap(dst, a.JWT.Claims)
		}
		dst = append(dst, `,"scopes":`...)
		if a.JWT.Scopes == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendStringList(dst, a.JWT.Scopes)
		}
		dst = append(dst, '}')
		n++
	}
	if a.Lambda != nil {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"lambda":`...)
		dst = appendAny(dst, a.Lambda, 0)
		n++
	}
	if a.IAM != nil {
		if n > 0 {
			dst = append(dst, ',')
		}
		m := a.IAM
		dst = append(dst, `"iam":{"accessKey":`...)
		dst = appendNullable(dst, m.AccessKey)
		dst = append(dst, `,"accountId":`...)
		dst = appendNullable(dst, m.AccountID)
		dst = append(dst, `,"callerId":`...)
		dst = appendNullable(dst, m.CallerID)
		dst = append(dst, `,"cognitoIdentity":`...)
		if ci := m.CognitoIdentity; ci == nil {
			dst = append(dst, "null"...)
		} else {
			dst = append(dst, `{"amr":`...)
			if ci.AMR == nil {
				dst = append(dst, "[]"...)
			} else {
				dst = appendStringList(dst, ci.AMR)
			}
			dst = append(dst, `,"identityId":`...)
			dst = appendString(dst, ci.IdentityID)
			dst = append(dst, `,"identityPoolId":`...)
			dst = appendString(dst, ci.IdentityPoolID)
			dst = append(dst, '}')
		}
		dst = append(dst, `,"principalOrgId":`...)
		dst = appendNullable(dst, m.PrincipalOrgID)
		dst = append(dst, `,"userArn":`...)
		dst = appendNullable(dst, m.UserARN)
		dst = append(dst, `,"userId":`...)
		dst = appendNullable(dst, m.UserID)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendStringList writes ss as a JSON list of strings.
func appendStringList(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// ---- results ----

// V2Response is a 2.0 function result as an HTTP API returns it.
type V2Response struct {
	StatusCode int
	// Headers in order: one Set-Cookie per cookies element, then the
	// headers entries (a Set-Cookie among them comes after the cookies
	// array's, as ministack recorded from AWS), then Content-Type:
	// application/json when no Content-Type was given.
	Headers []Header
	// Body is the body to send (base64-decoded when isBase64Encoded).
	Body []byte
}

// ParseV2Response reads a function's result as an HTTP API does for a
// payload format 2.0 integration. Any error wraps ErrMalformed; API
// Gateway then answers 500 V2InternalServerError (as it does for a
// function error). A body that is not valid base64 under isBase64Encoded
// gives an error that also wraps ErrBase64 (the answer is the same 500).
//
// Rules (AGW-DG:http-api-develop-integrations-lambda):
//   - The result must be valid JSON.
//   - Anything but an object with a statusCode key (a string, number,
//     array, null, or an object without statusCode) is a 200 with
//     Content-Type: application/json whose body is the result: a JSON
//     string's value (`"Hello"` gives Hello), otherwise the JSON text as
//     the function returned it (outer whitespace trimmed).
//   - An object with statusCode: statusCode, headers (values strings,
//     numbers or booleans), cookies (each element a Set-Cookie header),
//     body, isBase64Encoded (true: the body is always decoded, there is no
//     binaryMediaTypes negotiation in HTTP APIs; ministack PR #766, SAM
//     CLI). multiValueHeaders is not read (the API Gateway team, aws/
//     serverless-java-container#377).
//
// Decisions where AWS is silent (shared with ParseResponse where they
// apply): other keys are ignored, whatever their value; null statusCode,
// headers, cookies, body or isBase64Encoded counts as absent (a null
// statusCode still makes the result structured: 200); statusCode is an
// integral number or a string of digits in 100-599; a non-string body, a
// non-list cookies, a cookie that is not a string (null elements are
// skipped), a header value that is an object or list, an invalid header
// name and a control character in a header or cookie value are errors; a
// duplicated key: the last one wins.
func ParseV2Response(payload []byte) (*V2Response, error) {
	p := reader{data: payload}
	p.skipWS()
	start := p.pos
	structured := false
	if p.peek() == '{' {
		var err error
		if structured, err = p.skipTopObject(); err != nil {
			return nil, err
		}
	} else if err := p.skipValue(0); err != nil {
		return nil, err
	}
	end := p.pos
	p.skipWS()
	if p.pos != len(p.data) {
		return nil, p.syntax("data after the result")
	}
	if !structured {
		resp := &V2Response{StatusCode: 200, Headers: []Header{{Name: "Content-Type", Value: "application/json"}}}
		if payload[start] == '"' {
			q := reader{data: payload, pos: start}
			s, err := q.readString()
			if err != nil {
				return nil, err
			}
			resp.Body = append([]byte(nil), s...)
		} else {
			resp.Body = append([]byte(nil), payload[start:end]...)
		}
		return resp, nil
	}
	return parseV2Structured(payload[start:end])
}

// skipTopObject skips the object at p.pos, validating its syntax, and
// reports whether it has a statusCode key.
func (p *reader) skipTopObject() (hasStatus bool, err error) {
	p.pos++
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
		return false, nil
	}
	for {
		p.skipWS()
		key, err := p.readString()
		if err != nil {
			return false, err
		}
		if string(key) == "statusCode" {
			hasStatus = true
		}
		p.skipWS()
		if p.peek() != ':' {
			return false, p.syntax("expected ':' after object key")
		}
		p.pos++
		p.skipWS()
		if err := p.skipValue(1); err != nil {
			return false, err
		}
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			return hasStatus, nil
		}
		return false, p.syntax("expected ',' or '}' in object")
	}
}

// maxV2Depth bounds nesting, as encoding/json does (10000).
const maxV2Depth = 10000

// skipValue consumes one JSON value of any type, checking its syntax.
func (p *reader) skipValue(depth int) error {
	if depth > maxV2Depth {
		return malformed("JSON nested too deeply")
	}
	switch p.peek() {
	case '{':
		p.pos++
		p.skipWS()
		if p.peek() == '}' {
			p.pos++
			return nil
		}
		for {
			p.skipWS()
			if _, err := p.readString(); err != nil {
				return err
			}
			p.skipWS()
			if p.peek() != ':' {
				return p.syntax("expected ':' after object key")
			}
			p.pos++
			p.skipWS()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipWS()
			switch p.peek() {
			case ',':
				p.pos++
				continue
			case '}':
				p.pos++
				return nil
			}
			return p.syntax("expected ',' or '}' in object")
		}
	case '[':
		p.pos++
		p.skipWS()
		if p.peek() == ']' {
			p.pos++
			return nil
		}
		for {
			p.skipWS()
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			p.skipWS()
			switch p.peek() {
			case ',':
				p.pos++
				continue
			case ']':
				p.pos++
				return nil
			}
			return p.syntax("expected ',' or ']' in list")
		}
	case '"':
		_, err := p.readString() // checks the escapes too
		return err
	default:
		ok, err := p.skipScalarOrFail()
		if err == nil && !ok {
			return p.syntax("expected a value")
		}
		return err
	}
}

// parseV2Structured reads a result object that has a statusCode key; its
// JSON syntax is already checked.
func parseV2Structured(data []byte) (*V2Response, error) {
	p := reader{data: data}
	var (
		status    = 200
		body      []byte
		bodyAlias bool
		isBase64  bool
		headers   []entry
		cookies   []string
	)
	p.pos++ // '{'
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
	} else {
		for {
			p.skipWS()
			key, err := p.readString()
			if err != nil {
				return nil, err
			}
			p.skipWS()
			p.pos++ // ':'
			p.skipWS()
			switch string(key) {
			case "statusCode":
				if status, err = p.readStatus(); err != nil {
					return nil, err
				}
			case "body":
				if body, bodyAlias, err = p.readBody(); err != nil {
					return nil, err
				}
			case "isBase64Encoded":
				if isBase64, err = p.readBool(); err != nil {
					return nil, err
				}
			case "headers":
				if headers, err = p.readHeaders(); err != nil {
					return nil, err
				}
			case "cookies":
				if cookies, err = p.readCookies(); err != nil {
					return nil, err
				}
			default:
				if err := p.skipValue(1); err != nil {
					return nil, err
				}
			}
			p.skipWS()
			if p.peek() == ',' {
				p.pos++
				continue
			}
			p.pos++ // '}'
			break
		}
	}
	resp := &V2Response{StatusCode: status, Body: body}
	switch {
	case isBase64:
		dec, err := decodeBase64Body(body)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, ErrBase64)
		}
		resp.Body = dec
	case bodyAlias:
		resp.Body = append(make([]byte, 0, len(body)), body...)
	}
	out := make([]Header, 0, len(cookies)+len(headers)+1)
	for _, c := range cookies {
		out = append(out, Header{Name: "Set-Cookie", Value: c})
	}
	haveCT := false
	for _, h := range headers {
		out = append(out, Header{Name: h.name, Value: h.value})
		if !haveCT && asciiEqualFold(h.name, "content-type") {
			haveCT = true
		}
	}
	if !haveCT {
		out = append(out, Header{Name: "Content-Type", Value: "application/json"})
	}
	resp.Headers = out
	return resp, nil
}

// readCookies reads the cookies member: a list of strings, or null.
func (p *reader) readCookies() ([]string, error) {
	switch p.peek() {
	case 'n':
		return nil, p.literal("null")
	case '[':
	default:
		if _, err := p.skipScalarOrFail(); err != nil {
			return nil, err
		}
		return nil, malformed("cookies must be a list of strings")
	}
	p.pos++
	p.skipWS()
	var out []string
	if p.peek() == ']' {
		p.pos++
		return out, nil
	}
	for {
		p.skipWS()
		switch p.peek() {
		case 'n':
			if err := p.literal("null"); err != nil {
				return nil, err
			}
		case '"':
			s, err := p.readString()
			if err != nil {
				return nil, err
			}
			if err := checkHeader("Set-Cookie", string(s)); err != nil {
				return nil, err
			}
			out = append(out, string(s))
		default:
			return nil, malformed("cookies must be a list of strings")
		}
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case ']':
			p.pos++
			return out, nil
		}
		return nil, p.syntax("expected ',' or ']' in list")
	}
}
