package lambdaproxy

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Header is one HTTP header field, its name as the client (or the function)
// spelled it.
type Header struct{ Name, Value string }

// KV is one key/value pair, for ordered small maps such as path parameters.
type KV struct{ Key, Value string }

// Request is what AppendEvent needs to know about one client request.
type Request struct {
	HTTPMethod string
	// Path is the request path WITHOUT the stage, percent-encoded exactly as
	// the client sent it (API Gateway does not decode it).
	Path string
	// Resource is the resource path template, e.g. "/users/{id}".
	Resource string
	// Headers in arrival order; a repeated header appears several times.
	Headers []Header
	// RawQuery is the query string as sent, without '?'.
	RawQuery string
	// PathParameters in template order, values as matched (not decoded);
	// the key of a greedy {proxy+} segment is "proxy". Empty -> null.
	PathParameters []KV
	// StageVariables: nil or empty -> null.
	StageVariables map[string]string
	Body           []byte
	// HasBody false -> "body": null.
	HasBody bool
	// Base64Body is set when the request Content-Type matched the API's
	// binaryMediaTypes: the body is sent base64-encoded with
	// isBase64Encoded true.
	Base64Body bool
	Context    RequestContext
}

// RequestContext is the event's requestContext object.
type RequestContext struct {
	AccountID, APIID, DeploymentID, DomainName, DomainPrefix, ExtendedRequestID string
	HTTPMethod                                                                  string
	// Path is the request path WITH the stage, as sent.
	Path         string
	Protocol     string
	RequestID    string
	ResourceID   string
	ResourcePath string
	Stage        string
	// OperationName is omitted from the event when empty.
	OperationName string
	// RequestTime gives requestTime ("02/Jan/2006:15:04:05 +0000", UTC)
	// and requestTimeEpoch (Unix milliseconds).
	RequestTime time.Time
	Identity    Identity
	// Authorizer: nil -> the key is omitted. Filled by authorizers
	// (principalId, claims, context keys); keys are written sorted.
	Authorizer map[string]any
}

// Identity is requestContext.identity. Empty strings are written as JSON
// null, except SourceIP which is always a string. The apiKey and apiKeyId
// keys are present only when APIKey or APIKeyID is set (AWS omits them when
// the method does not require a key).
type Identity struct {
	SourceIP, UserAgent                                           string
	APIKey, APIKeyID, AccessKey, AccountID, Caller, User, UserArn string
	CognitoIdentityPoolID, CognitoIdentityID, CognitoAuthenticationType,
	CognitoAuthenticationProvider, PrincipalOrgID string
}

// requestTimeLayout is Java's "dd/MMM/yyyy:HH:mm:ss Z" for UTC.
const requestTimeLayout = "02/Jan/2006:15:04:05 +0000"

// AppendEvent appends the JSON event (payload format 1.0, the REST API
// shape) for r to dst and returns the extended buffer.
//
// Keys come in the order AWS sends them. requestContext and identity are
// Java HashMaps on AWS's side; their key orders below are what that map
// yields for these key sets (the recorded events match it exactly).
func AppendEvent(dst []byte, r *Request) []byte {
	dst = append(dst, `{"resource":`...)
	dst = appendString(dst, r.Resource)
	dst = append(dst, `,"path":`...)
	dst = appendString(dst, r.Path)
	dst = append(dst, `,"httpMethod":`...)
	dst = appendString(dst, r.HTTPMethod)
	dst = append(dst, ',')
	dst = appendHeaders(dst, r.Headers)
	dst = append(dst, ',')
	dst = appendQuery(dst, r.RawQuery)
	dst = append(dst, `,"pathParameters":`...)
	dst = appendPathParameters(dst, r.PathParameters)
	dst = append(dst, `,"stageVariables":`...)
	dst = appendStringMap(dst, r.StageVariables)
	dst = append(dst, `,"requestContext":`...)
	dst = appendRequestContext(dst, &r.Context)
	dst = append(dst, `,"body":`...)
	switch {
	case !r.HasBody:
		dst = append(dst, "null"...)
	case r.Base64Body:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, r.Body)
		dst = append(dst, '"')
	default:
		dst = appendBytesString(dst, r.Body)
	}
	if r.Base64Body {
		dst = append(dst, `,"isBase64Encoded":true}`...)
	} else {
		dst = append(dst, `,"isBase64Encoded":false}`...)
	}
	return dst
}

func appendRequestContext(dst []byte, c *RequestContext) []byte {
	dst = append(dst, `{"resourceId":`...)
	dst = appendString(dst, c.ResourceID)
	if c.Authorizer != nil {
		dst = append(dst, `,"authorizer":`...)
		dst = appendAny(dst, c.Authorizer, 0)
	}
	dst = append(dst, `,"resourcePath":`...)
	dst = appendString(dst, c.ResourcePath)
	if c.OperationName != "" {
		dst = append(dst, `,"operationName":`...)
		dst = appendString(dst, c.OperationName)
	}
	dst = append(dst, `,"httpMethod":`...)
	dst = appendString(dst, c.HTTPMethod)
	dst = append(dst, `,"extendedRequestId":`...)
	dst = appendString(dst, c.ExtendedRequestID)
	dst = append(dst, `,"requestTime":"`...)
	t := c.RequestTime.UTC()
	dst = t.AppendFormat(dst, requestTimeLayout)
	dst = append(dst, `","path":`...)
	dst = appendString(dst, c.Path)
	dst = append(dst, `,"accountId":`...)
	dst = appendString(dst, c.AccountID)
	dst = append(dst, `,"protocol":`...)
	dst = appendString(dst, c.Protocol)
	dst = append(dst, `,"stage":`...)
	dst = appendString(dst, c.Stage)
	dst = append(dst, `,"domainPrefix":`...)
	dst = appendString(dst, c.DomainPrefix)
	dst = append(dst, `,"requestTimeEpoch":`...)
	dst = strconv.AppendInt(dst, t.UnixMilli(), 10)
	dst = append(dst, `,"requestId":`...)
	dst = appendString(dst, c.RequestID)
	dst = append(dst, `,"identity":`...)
	dst = appendIdentity(dst, &c.Identity)
	dst = append(dst, `,"domainName":`...)
	dst = appendString(dst, c.DomainName)
	dst = append(dst, `,"deploymentId":`...)
	dst = appendString(dst, c.DeploymentID)
	dst = append(dst, `,"apiId":`...)
	dst = appendString(dst, c.APIID)
	return append(dst, '}')
}

func appendIdentity(dst []byte, id *Identity) []byte {
	if id.APIKey == "" && id.APIKeyID == "" {
		// 12 keys: the order recorded from AWS.
		dst = append(dst, `{"cognitoIdentityPoolId":`...)
		dst = appendNullable(dst, id.CognitoIdentityPoolID)
		dst = append(dst, `,"accountId":`...)
		dst = appendNullable(dst, id.AccountID)
		dst = append(dst, `,"cognitoIdentityId":`...)
		dst = appendNullable(dst, id.CognitoIdentityID)
		dst = append(dst, `,"caller":`...)
		dst = appendNullable(dst, id.Caller)
		dst = append(dst, `,"sourceIp":`...)
		dst = appendString(dst, id.SourceIP)
		dst = append(dst, `,"principalOrgId":`...)
		dst = appendNullable(dst, id.PrincipalOrgID)
		dst = append(dst, `,"accessKey":`...)
		dst = appendNullable(dst, id.AccessKey)
		dst = append(dst, `,"cognitoAuthenticationType":`...)
		dst = appendNullable(dst, id.CognitoAuthenticationType)
		dst = append(dst, `,"cognitoAuthenticationProvider":`...)
		dst = appendNullable(dst, id.CognitoAuthenticationProvider)
		dst = append(dst, `,"userArn":`...)
		dst = appendNullable(dst, id.UserArn)
		dst = append(dst, `,"userAgent":`...)
		dst = appendNullable(dst, id.UserAgent)
		dst = append(dst, `,"user":`...)
		dst = appendNullable(dst, id.User)
		return append(dst, '}')
	}
	// 14 keys: the map grows to 32 buckets, which reorders it (recorded
	// from an API Gateway test invocation that carried an API key).
	dst = append(dst, `{"cognitoIdentityPoolId":`...)
	dst = appendNullable(dst, id.CognitoIdentityPoolID)
	dst = append(dst, `,"cognitoIdentityId":`...)
	dst = appendNullable(dst, id.CognitoIdentityID)
	dst = append(dst, `,"apiKey":`...)
	dst = appendNullable(dst, id.APIKey)
	dst = append(dst, `,"principalOrgId":`...)
	dst = appendNullable(dst, id.PrincipalOrgID)
	dst = append(dst, `,"cognitoAuthenticationType":`...)
	dst = appendNullable(dst, id.CognitoAuthenticationType)
	dst = append(dst, `,"userArn":`...)
	dst = appendNullable(dst, id.UserArn)
	dst = append(dst, `,"apiKeyId":`...)
	dst = appendNullable(dst, id.APIKeyID)
	dst = append(dst, `,"userAgent":`...)
	dst = appendNullable(dst, id.UserAgent)
	dst = append(dst, `,"accountId":`...)
	dst = appendNullable(dst, id.AccountID)
	dst = append(dst, `,"caller":`...)
	dst = appendNullable(dst, id.Caller)
	dst = append(dst, `,"sourceIp":`...)
	dst = appendString(dst, id.SourceIP)
	dst = append(dst, `,"accessKey":`...)
	dst = appendNullable(dst, id.AccessKey)
	dst = append(dst, `,"cognitoAuthenticationProvider":`...)
	dst = appendNullable(dst, id.CognitoAuthenticationProvider)
	dst = append(dst, `,"user":`...)
	dst = appendNullable(dst, id.User)
	return append(dst, '}')
}

func appendPathParameters(dst []byte, ps []KV) []byte {
	if len(ps) == 0 {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, p.Key)
		dst = append(dst, ':')
		dst = appendString(dst, p.Value)
	}
	return append(dst, '}')
}

// ---- headers ----

// isHopByHop reports whether a request header never reaches the event:
// Content-Length and Connection (AWS-recorded), the other hop-by-hop
// headers of RFC 9110 §7.6.1 and their legacy forms, and Expect (answered
// by the front end).
func isHopByHop(name string) bool {
	switch len(name) {
	case 2:
		return strings.EqualFold(name, "te")
	case 6:
		return strings.EqualFold(name, "expect")
	case 7:
		return strings.EqualFold(name, "trailer") || strings.EqualFold(name, "upgrade")
	case 10:
		return strings.EqualFold(name, "connection") || strings.EqualFold(name, "keep-alive")
	case 14:
		return strings.EqualFold(name, "content-length")
	case 16:
		return strings.EqualFold(name, "proxy-connection")
	case 17:
		return strings.EqualFold(name, "transfer-encoding")
	case 18:
		return strings.EqualFold(name, "proxy-authenticate")
	case 19:
		return strings.EqualFold(name, "proxy-authorization")
	}
	return false
}

// eventHeaderName returns the name a header carries in the event:
// Authorization and User-Agent arrive Title-Cased whatever the client sent
// (both AWS-recorded: "aUThorization" and "user-Agent" were normalised);
// every other name is kept as sent.
func eventHeaderName(name string) string {
	switch len(name) {
	case 13:
		if strings.EqualFold(name, "authorization") {
			return "Authorization"
		}
	case 10:
		if strings.EqualFold(name, "user-agent") {
			return "User-Agent"
		}
	}
	return name
}

// appendHeaders writes the "headers" and "multiValueHeaders" members.
// Headers are grouped by name, ASCII case-insensitively (the first spelling
// names the group), in order of first arrival; "headers" holds the last
// value of a group, "multiValueHeaders" all of them. No headers -> both null.
func appendHeaders(dst []byte, hs []Header) []byte {
	var keptBuf [48]int32
	kept := keptBuf[:0]
	for i := range hs {
		if !isHopByHop(hs[i].Name) {
			kept = append(kept, int32(i))
		}
	}
	if len(kept) == 0 {
		return append(dst, `"headers":null,"multiValueHeaders":null`...)
	}
	var gb groupBuf
	g := gb.group(len(kept), func(i int) string { return hs[kept[i]].Name }, true)

	// Each group's escaped name and last value are written once, into
	// "headers", and copied from there into "multiValueHeaders".
	type span struct{ name, nameEnd, value, valueEnd int }
	var spanBuf [48]span
	spans := spanBuf[:0]
	if len(g.first) > len(spanBuf) {
		spans = make([]span, 0, len(g.first))
	}
	dst = append(dst, `"headers":{`...)
	for n := range g.first {
		if n > 0 {
			dst = append(dst, ',')
		}
		var sp span
		sp.name = len(dst)
		dst = appendString(dst, eventHeaderName(hs[kept[g.first[n]]].Name))
		sp.nameEnd = len(dst)
		dst = append(dst, ':')
		sp.value = len(dst)
		dst = appendString(dst, hs[kept[g.last[n]]].Value)
		sp.valueEnd = len(dst)
		spans = append(spans, sp)
	}
	dst = append(dst, `},"multiValueHeaders":{`...)
	for n, sp := range spans {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, dst[sp.name:sp.nameEnd]...)
		dst = append(dst, ':', '[')
		last := int(g.last[n])
		for k := int(g.first[n]); k < last; k++ {
			if g.of[k] == int32(n) {
				dst = appendString(dst, hs[kept[k]].Value)
				dst = append(dst, ',')
			}
		}
		dst = append(dst, dst[sp.value:sp.valueEnd]...)
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// asciiEqualFold compares header names: ASCII letters case-insensitively,
// every other byte exactly (field names are ASCII tokens; no Unicode folding).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, consistent with asciiEqualFold.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// ---- grouping ----

// groups describes items grouped by key: of[i] is item i's group, and
// first[n]/last[n] are the first and last items of group n. Groups are
// numbered in order of first appearance.
type groups struct {
	of, first, last []int32
}

// groupBuf holds stack space for grouping up to 48 items without allocating.
type groupBuf struct {
	of, first, last [48]int32
}

// linearGroupMax is the item count up to which grouping compares keys
// pairwise; above it a map keeps grouping linear.
const linearGroupMax = 32

func (b *groupBuf) group(n int, key func(int) string, fold bool) groups {
	g := groups{of: b.of[:0], first: b.first[:0], last: b.last[:0]}
	if n <= linearGroupMax {
	items:
		for i := 0; i < n; i++ {
			k := key(i)
			for gi, f := range g.first {
				fk := key(int(f))
				if fk == k || fold && asciiEqualFold(fk, k) {
					g.of = append(g.of, int32(gi))
					g.last[gi] = int32(i)
					continue items
				}
			}
			g.of = append(g.of, int32(len(g.first)))
			g.first = append(g.first, int32(i))
			g.last = append(g.last, int32(i))
		}
		return g
	}
	index := make(map[string]int32, n)
	for i := 0; i < n; i++ {
		k := key(i)
		if fold {
			k = asciiLower(k)
		}
		gi, ok := index[k]
		if !ok {
			gi = int32(len(g.first))
			index[k] = gi
			g.first = append(g.first, int32(i))
			g.last = append(g.last, int32(i))
		}
		g.of = append(g.of, gi)
		g.last[gi] = int32(i)
	}
	return g
}
