package lambdaproxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// wsTime is a fixed clock for the cases: 06/Dec/2026:10:00:00 +0000.
var wsTime = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// wscatHeaders are the upgrade request headers of wscat plus what the
// runtime adds as API Gateway's front end does, in arrival order.
func wscatHeaders() []Header {
	return []Header{
		{"Sec-WebSocket-Version", "13"},
		{"Sec-WebSocket-Key", "X/MA+DSRXZ8WnITjBpxm3g=="},
		{"Connection", "Upgrade"},
		{"Upgrade", "websocket"},
		{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
		{"Host", "abcd1234.execute-api.localhost"},
		{"X-Amzn-Trace-Id", "Root=1-6932ff20-0a47130e4ff50bbf715025c0"},
		{"X-Forwarded-For", "127.0.0.1"},
		{"X-Forwarded-Port", "8080"},
		{"X-Forwarded-Proto", "http"},
	}
}

func wsBase(eventType, routeKey string) WSEvent {
	return WSEvent{
		EventType:    eventType,
		RouteKey:     routeKey,
		ConnectionID: "R1kmxc2VNjMCFIA=",
		RequestID:    "R1knPH17NjMFftw=",
		APIID:        "abcd1234",
		Stage:        "prod",
		DomainName:   "abcd1234.execute-api.localhost",
		ConnectedAt:  wsTime.Add(-1500 * time.Millisecond),
		RequestTime:  wsTime,
		Identity:     Identity{SourceIP: "127.0.0.1"},
	}
}

// wsCases are the golden cases: testdata/wsevents/NAME.golden.
func wsCases() map[string]*WSEvent {
	cases := map[string]*WSEvent{}
	add := func(name string, e WSEvent) { cases[name] = &e } // a copy each

	e := wsBase(WSConnect, "$connect")
	e.Headers = wscatHeaders()
	add("connect-wscat", e)

	e = wsBase(WSConnect, "$connect")
	e.Headers = append([]Header{
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/123.0"},
		{"Origin", "http://localhost:3000"},
		{"Sec-WebSocket-Protocol", "chat, superchat"},
		{"accept-language", "en-US"},
		{"Cookie", "a=1"},
		{"cookie", "b=2"},
		{"Auth", "secret"},
	}, wscatHeaders()...)
	e.RawQuery = "token=abc%2Bdef&room=a&room=b&flag"
	e.StageVariables = map[string]string{"env": "dev", "table": "connections"}
	e.Authorizer = map[string]any{"principalId": "user-1", "integrationLatency": 12, "role": "admin", "n": 2.5, "ok": true}
	e.Identity.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/123.0"
	add("connect-browser-authorizer", e)

	e = wsBase(WSConnect, "$connect")
	e.Headers = append(wscatHeaders(), Header{"x-api-key", "k3y"})
	e.Identity.APIKey, e.Identity.APIKeyID = "k3y", "abc123def4"
	add("connect-apikey", e)

	e = wsBase(WSConnect, "$connect")
	add("connect-no-headers", e)

	e = wsBase(WSMessage, "$default")
	e.MessageID = "R1knPc2ntjMCFIA="
	e.Identity.UserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
	e.Body = []byte("{\r\n\t\"a\": 1\r\n}")
	add("message-default", e)

	e = wsBase(WSMessage, "sendmessage")
	e.MessageID = "R1knPc2ntjMCFIA="
	e.Body = []byte(`{"action":"sendmessage","data":"h\u00e9llo \"you\"` + "\u2028\x01" + `"}`)
	e.StageVariables = map[string]string{"env": "dev"}
	e.Authorizer = map[string]any{"principalId": "user-1", "integrationLatency": 12, "role": "admin"}
	add("message-custom-route", e)

	e = wsBase(WSMessage, "$default")
	e.MessageID = "R1knPc2ntjMCFIA="
	add("message-empty", e)

	e = wsBase(WSDisconnect, "$disconnect")
	e.DisconnectStatusCode = 1001
	e.Identity.UserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"
	add("disconnect-going-away", e)

	e = wsBase(WSDisconnect, "$disconnect")
	add("disconnect-no-status", e)

	e = wsBase(WSDisconnect, "$disconnect")
	e.DisconnectStatusCode = 4000
	e.DisconnectReason = "bye \"now\""
	e.Authorizer = map[string]any{"principalId": "user-1", "integrationLatency": 12}
	add("disconnect-authorizer", e)
	return cases
}

// TestGoldenWSEvents: each case gives exactly testdata/wsevents/NAME.golden
// (stored indented, compared compact: key order and escapes byte for byte).
func TestGoldenWSEvents(t *testing.T) {
	for name, e := range wsCases() {
		t.Run(name, func(t *testing.T) {
			out := AppendWSEvent(nil, e)
			if !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			var indented bytes.Buffer
			if err := json.Indent(&indented, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			indented.WriteByte('\n')
			golden := filepath.Join("testdata", "wsevents", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, indented.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatalf("%s: %v", golden, err)
			}
			if !bytes.Equal(out, compact.Bytes()) {
				t.Errorf("event differs from %s (run with -update to accept)\n got %s\nwant %s", golden, indented.Bytes(), want)
			}
		})
	}
}

// TestWSEventRecorded: built from the values of real captures, the event
// is the captured one byte for byte (key order included).
func TestWSEventRecorded(t *testing.T) {
	connected := time.UnixMilli(1705751697419)
	// aws-lambda-go events/testdata/apigw-websocket-request-send-message.json
	// (January 2024; its apiId differs from the domain's in the capture).
	msg := &WSEvent{
		EventType: WSMessage, RouteKey: "$default", ConnectionID: "R1kmxc2VNjMCFIA=",
		MessageID: "R1knPc2ntjMCFIA=", RequestID: "R1knPH17NjMFftw=", APIID: "gy415nuibc", Stage: "prod",
		DomainName: "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com", ConnectedAt: connected,
		RequestTime: time.UnixMilli(1705751700453),
		Identity: Identity{
			UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36",
			SourceIP:  "49.105.91.154",
		},
		Body: []byte("{\r\n\t\"a\": 1\r\n}"),
	}
	wantMsg := `{"requestContext":{"routeKey":"$default","messageId":"R1knPc2ntjMCFIA=","eventType":"MESSAGE","extendedRequestId":"R1knPH17NjMFftw=","requestTime":"20/Jan/2024:11:55:00 +0000","messageDirection":"IN","stage":"prod","connectedAt":1705751697419,"requestTimeEpoch":1705751700453,"identity":{"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36","sourceIp":"49.105.91.154"},"requestId":"R1knPH17NjMFftw=","domainName":"dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com","connectionId":"R1kmxc2VNjMCFIA=","apiId":"gy415nuibc"},"body":"{\r\n\t\"a\": 1\r\n}","isBase64Encoded":false}`
	if got := string(AppendWSEvent(nil, msg)); got != wantMsg {
		t.Errorf("MESSAGE\n got %s\nwant %s", got, wantMsg)
	}

	// aws-lambda-go events/testdata/apigw-websocket-request-disconnect.json.
	disc := *msg
	disc.EventType, disc.RouteKey, disc.MessageID, disc.Body = WSDisconnect, "$disconnect", "", nil
	disc.RequestID, disc.APIID, disc.RequestTime = "R1koeHsUtjMFbRw=", "dl7ptocha9", time.UnixMilli(1705751708326)
	disc.DisconnectStatusCode = 1001
	wantDisc := `{"headers":{"Host":"dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com","x-api-key":"","X-Forwarded-For":"","x-restapi":""},"multiValueHeaders":{"Host":["dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com"],"x-api-key":[""],"X-Forwarded-For":[""],"x-restapi":[""]},"requestContext":{"routeKey":"$disconnect","disconnectStatusCode":1001,"eventType":"DISCONNECT","extendedRequestId":"R1koeHsUtjMFbRw=","requestTime":"20/Jan/2024:11:55:08 +0000","messageDirection":"IN","disconnectReason":"","stage":"prod","connectedAt":1705751697419,"requestTimeEpoch":1705751708326,"identity":{"userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36","sourceIp":"49.105.91.154"},"requestId":"R1koeHsUtjMFbRw=","domainName":"dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com","connectionId":"R1kmxc2VNjMCFIA=","apiId":"dl7ptocha9"},"isBase64Encoded":false}`
	if got := string(AppendWSEvent(nil, &disc)); got != wantDisc {
		t.Errorf("DISCONNECT\n got %s\nwant %s", got, wantDisc)
	}

	// AWS's own example, "Input from the $connect route" (Developer Guide,
	// apigateway-websocket-api-integration-requests, February 2024; wscat,
	// so no User-Agent).
	conn := &WSEvent{
		EventType: WSConnect, RouteKey: "$connect", ConnectionID: "AAAA1234=", RequestID: "ABCD1234=",
		APIID: "abcd1234", Stage: "prod", DomainName: "abcd1234.execute-api.us-east-1.amazonaws.com",
		ConnectedAt: time.UnixMilli(1707502303419), RequestTime: time.UnixMilli(1707502303420),
		Identity: Identity{SourceIP: "192.0.2.1"},
		Headers: []Header{
			{"Host", "abcd123.execute-api.us-east-1.amazonaws.com"},
			{"Connection", "Upgrade"}, {"Upgrade", "websocket"},
			{"Sec-WebSocket-Version", "13"},
			{"Sec-WebSocket-Key", "..."},
			{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"},
			{"X-Amzn-Trace-Id", "..."},
			{"X-Forwarded-For", "192.0.2.1"},
			{"X-Forwarded-Port", "443"},
			{"X-Forwarded-Proto", "https"},
		},
	}
	wantConn := `{"headers":{"Host":"abcd123.execute-api.us-east-1.amazonaws.com","Sec-WebSocket-Extensions":"permessage-deflate; client_max_window_bits","Sec-WebSocket-Key":"...","Sec-WebSocket-Version":"13","X-Amzn-Trace-Id":"...","X-Forwarded-For":"192.0.2.1","X-Forwarded-Port":"443","X-Forwarded-Proto":"https"},"multiValueHeaders":{"Host":["abcd123.execute-api.us-east-1.amazonaws.com"],"Sec-WebSocket-Extensions":["permessage-deflate; client_max_window_bits"],"Sec-WebSocket-Key":["..."],"Sec-WebSocket-Version":["13"],"X-Amzn-Trace-Id":["..."],"X-Forwarded-For":["192.0.2.1"],"X-Forwarded-Port":["443"],"X-Forwarded-Proto":["https"]},"requestContext":{"routeKey":"$connect","eventType":"CONNECT","extendedRequestId":"ABCD1234=","requestTime":"09/Feb/2024:18:11:43 +0000","messageDirection":"IN","stage":"prod","connectedAt":1707502303419,"requestTimeEpoch":1707502303420,"identity":{"sourceIp":"192.0.2.1"},"requestId":"ABCD1234=","domainName":"abcd1234.execute-api.us-east-1.amazonaws.com","connectionId":"AAAA1234=","apiId":"abcd1234"},"isBase64Encoded":false}`
	if got := string(AppendWSEvent(nil, conn)); got != wantConn {
		t.Errorf("CONNECT\n got %s\nwant %s", got, wantConn)
	}

	// Same page, "Input from the $disconnect route": code 1005.
	disc2 := &WSEvent{
		EventType: WSDisconnect, RouteKey: "$disconnect", ConnectionID: "AAAA1234=", RequestID: "ABCD1234=",
		APIID: "abcd1234", Stage: "prod", DomainName: "abcd1234.execute-api.us-east-1.amazonaws.com",
		ConnectedAt: time.UnixMilli(1707503007396), RequestTime: time.UnixMilli(1707503008941),
		Identity: Identity{SourceIP: "192.0.2.1"}, DisconnectStatusCode: 1005,
	}
	out := string(AppendWSEvent(nil, disc2))
	if !strings.Contains(out, `"disconnectStatusCode":1005,`) || !strings.Contains(out, `"disconnectReason":"Client-side close frame status not set",`) {
		t.Errorf("1005: %s", out)
	}
}

// jsonKeys returns the member names of the object at path (a list of
// member names from the top) in document order.
func jsonKeys(t *testing.T, data []byte, path ...string) []string {
	t.Helper()
	var v json.RawMessage = data
	for _, p := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(v, &m); err != nil {
			t.Fatal(err)
		}
		v = m[p]
	}
	d := json.NewDecoder(bytes.NewReader(v))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%v is not an object: %s", path, v)
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestWSEventKeyOrder: member orders as recorded (see websocket.go).
func TestWSEventKeyOrder(t *testing.T) {
	cases := wsCases()
	check := func(name string, want string, path ...string) {
		t.Helper()
		got := strings.Join(jsonKeys(t, AppendWSEvent(nil, cases[name]), path...), " ")
		if got != want {
			t.Errorf("%s %v:\n got %s\nwant %s", name, path, got, want)
		}
	}
	check("connect-wscat", "headers multiValueHeaders requestContext isBase64Encoded")
	check("connect-wscat", "routeKey eventType extendedRequestId requestTime messageDirection stage connectedAt requestTimeEpoch identity requestId domainName connectionId apiId", "requestContext")
	check("connect-wscat", "Host Sec-WebSocket-Extensions Sec-WebSocket-Key Sec-WebSocket-Version X-Amzn-Trace-Id X-Forwarded-For X-Forwarded-Port X-Forwarded-Proto", "headers")
	check("connect-wscat", "sourceIp", "requestContext", "identity")
	// 2022 capture with a REQUEST authorizer (authorizer right after routeKey).
	check("connect-browser-authorizer", "headers multiValueHeaders queryStringParameters multiValueQueryStringParameters stageVariables requestContext isBase64Encoded")
	check("connect-browser-authorizer", "routeKey authorizer eventType extendedRequestId requestTime messageDirection stage connectedAt requestTimeEpoch identity requestId domainName connectionId apiId", "requestContext")
	check("connect-browser-authorizer", "userAgent sourceIp", "requestContext", "identity")
	check("connect-browser-authorizer", "accept-language Auth Cookie Host Origin Sec-WebSocket-Extensions Sec-WebSocket-Key Sec-WebSocket-Protocol Sec-WebSocket-Version User-Agent X-Amzn-Trace-Id X-Forwarded-For X-Forwarded-Port X-Forwarded-Proto", "headers")
	// 2022 capture with an API key.
	check("connect-apikey", "apiKey apiKeyId sourceIp", "requestContext", "identity")
	check("connect-apikey", "Host Sec-WebSocket-Extensions Sec-WebSocket-Key Sec-WebSocket-Version X-Amzn-Trace-Id x-api-key X-Forwarded-For X-Forwarded-Port X-Forwarded-Proto", "headers")
	check("message-default", "requestContext body isBase64Encoded")
	check("message-default", "routeKey messageId eventType extendedRequestId requestTime messageDirection stage connectedAt requestTimeEpoch identity requestId domainName connectionId apiId", "requestContext")
	check("message-default", "userAgent sourceIp", "requestContext", "identity")
	check("disconnect-going-away", "headers multiValueHeaders requestContext isBase64Encoded")
	check("disconnect-going-away", "Host x-api-key X-Forwarded-For x-restapi", "headers")
	check("disconnect-going-away", "routeKey disconnectStatusCode eventType extendedRequestId requestTime messageDirection disconnectReason stage connectedAt requestTimeEpoch identity requestId domainName connectionId apiId", "requestContext")
}

// TestWSEventDecodesWithALG: every case decodes into aws-lambda-go's
// events.APIGatewayWebsocketProxyRequest carrying what the WSEvent says.
func TestWSEventDecodesWithALG(t *testing.T) {
	for name, e := range wsCases() {
		var ev events.APIGatewayWebsocketProxyRequest
		d := json.NewDecoder(bytes.NewReader(AppendWSEvent(nil, e)))
		d.DisallowUnknownFields()
		if err := d.Decode(&ev); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkALGEvent(t, name, e, &ev)
	}
}

func checkALGEvent(t *testing.T, name string, e *WSEvent, ev *events.APIGatewayWebsocketProxyRequest) {
	t.Helper()
	rc := &ev.RequestContext
	fail := func(field string, got, want any) {
		t.Helper()
		t.Errorf("%s: %s = %#v, want %#v", name, field, got, want)
	}
	s := sanitizeUTF8
	if rc.EventType != s(e.EventType) {
		fail("eventType", rc.EventType, e.EventType)
	}
	if rc.RouteKey != s(e.RouteKey) {
		fail("routeKey", rc.RouteKey, e.RouteKey)
	}
	if rc.ConnectionID != s(e.ConnectionID) || rc.APIID != s(e.APIID) || rc.Stage != s(e.Stage) || rc.DomainName != s(e.DomainName) {
		fail("connectionId/apiId/stage/domainName", []string{rc.ConnectionID, rc.APIID, rc.Stage, rc.DomainName},
			[]string{e.ConnectionID, e.APIID, e.Stage, e.DomainName})
	}
	if rc.RequestID != s(e.RequestID) || rc.ExtendedRequestID != rc.RequestID {
		fail("requestId/extendedRequestId", []string{rc.RequestID, rc.ExtendedRequestID}, e.RequestID)
	}
	if rc.MessageDirection != "IN" {
		fail("messageDirection", rc.MessageDirection, "IN")
	}
	if rc.ConnectedAt != e.ConnectedAt.UnixMilli() || rc.RequestTimeEpoch != e.RequestTime.UnixMilli() {
		fail("connectedAt/requestTimeEpoch", []int64{rc.ConnectedAt, rc.RequestTimeEpoch},
			[]int64{e.ConnectedAt.UnixMilli(), e.RequestTime.UnixMilli()})
	}
	if want := e.RequestTime.UTC().Format("02/Jan/2006:15:04:05 +0000"); rc.RequestTime != want {
		fail("requestTime", rc.RequestTime, want)
	}
	if rc.Identity.SourceIP != s(e.Identity.SourceIP) || rc.Identity.UserAgent != s(e.Identity.UserAgent) ||
		rc.Identity.APIKey != s(e.Identity.APIKey) || rc.Identity.APIKeyID != s(e.Identity.APIKeyID) {
		fail("identity", rc.Identity, e.Identity)
	}
	if ev.IsBase64Encoded {
		fail("isBase64Encoded", true, false)
	}
	if e.Authorizer == nil {
		if rc.Authorizer != nil {
			fail("authorizer", rc.Authorizer, nil)
		}
	} else {
		got, _ := json.Marshal(rc.Authorizer)
		want, _ := json.Marshal(e.Authorizer)
		var norm any // invalid UTF-8 -> U+FFFD, written as Marshal writes it
		_ = json.Unmarshal(want, &norm)
		want, _ = json.Marshal(norm)
		if !bytes.Equal(got, want) {
			fail("authorizer", string(got), string(want))
		}
	}
	wantVars := map[string]string{}
	for k, v := range e.StageVariables {
		wantVars[s(k)] = s(v)
	}
	if len(e.StageVariables) > 0 && !reflect.DeepEqual(ev.StageVariables, wantVars) {
		fail("stageVariables", ev.StageVariables, e.StageVariables)
	}
	switch e.EventType {
	case WSConnect:
		if rc.MessageID != nil || rc.DisconnectStatusCode != 0 || rc.DisconnectReason != nil || ev.Body != "" {
			fail("messageId/disconnect*/body", []any{rc.MessageID, rc.DisconnectStatusCode, rc.DisconnectReason, ev.Body}, nil)
		}
		for _, h := range e.Headers {
			if isHopByHop(h.Name) {
				if _, ok := ev.Headers[h.Name]; ok {
					fail("hop-by-hop header "+h.Name, ev.Headers[h.Name], nil)
				}
				continue
			}
			found := false
			for k, vs := range ev.MultiValueHeaders {
				if asciiEqualFold(k, h.Name) && contains(vs, s(h.Value)) {
					found = true
				}
			}
			if !found {
				fail("multiValueHeaders["+h.Name+"]", ev.MultiValueHeaders, h.Value)
			}
		}
		raw, _, _ := strings.Cut(e.RawQuery, "#") // a fragment is dropped
		pairs := ParseQuery(raw)
		if len(pairs) == 0 && (ev.QueryStringParameters != nil || ev.MultiValueQueryStringParameters != nil) {
			fail("query", ev.QueryStringParameters, nil)
		}
		for _, p := range pairs {
			if !contains(ev.MultiValueQueryStringParameters[p.Key], p.Value) {
				fail("multiValueQueryStringParameters["+p.Key+"]", ev.MultiValueQueryStringParameters[p.Key], p.Value)
			}
		}
	case WSDisconnect:
		code := int64(e.DisconnectStatusCode)
		if code == 0 {
			code = 1005
		}
		if rc.DisconnectStatusCode != code {
			fail("disconnectStatusCode", rc.DisconnectStatusCode, code)
		}
		if rc.DisconnectReason == nil {
			fail("disconnectReason", nil, e.DisconnectReason)
		} else if want := s(e.DisconnectReason); want != "" && *rc.DisconnectReason != want {
			fail("disconnectReason", *rc.DisconnectReason, want)
		}
		if ev.Headers["Host"] != s(e.DomainName) || len(ev.Headers) != 4 || len(ev.MultiValueHeaders) != 4 {
			fail("headers", ev.Headers, "Host, x-api-key, X-Forwarded-For, x-restapi")
		}
		if rc.MessageID != nil || ev.Body != "" {
			fail("messageId/body", []any{rc.MessageID, ev.Body}, nil)
		}
	default:
		if rc.MessageID != s(e.MessageID) {
			fail("messageId", rc.MessageID, e.MessageID)
		}
		if ev.Body != s(string(e.Body)) {
			fail("body", ev.Body, string(e.Body))
		}
		if ev.Headers != nil || ev.MultiValueHeaders != nil || ev.QueryStringParameters != nil {
			fail("headers/query", ev.Headers, nil)
		}
	}
}

func TestAppendWSError(t *testing.T) {
	got := string(AppendWSError(nil, WSForbidden, "XDmENcnwIE0CFEQ=", "XDmGEE2RoE0FRdQ="))
	want := `{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got = string(AppendWSError(nil, WSInternalServerError, "ZmDx-dJ4FiACFkQ=", "ZmDyDGyFliAFhVQ="))
	want = `{"message": "Internal server error", "connectionId":"ZmDx-dJ4FiACFkQ=", "requestId":"ZmDyDGyFliAFhVQ="}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// ---- ParseWSResponse ----

type wsRespCase struct {
	name, in string
	err      bool // an ErrMalformed error
	status   int
	body     string // "<nil>" for a nil body
	headers  string // "Name: value|..." (all headers)
	shake    string // HandshakeHeaders, same format
}

var wsRespCases = []wsRespCase{
	{name: "status-only", in: `{"statusCode":200}`, status: 200, body: "<nil>"},
	{name: "subprotocol", in: `{"statusCode":200,"headers":{"Sec-WebSocket-Protocol":"myprotocol","X-Other":"x"}}`,
		status: 200, body: "<nil>", headers: "Sec-WebSocket-Protocol: myprotocol|X-Other: x", shake: "Sec-WebSocket-Protocol: myprotocol"},
	{name: "subprotocol-multi", in: `{"statusCode":"200","multiValueHeaders":{"sec-websocket-protocol":["chat"]}}`,
		status: 200, body: "<nil>", headers: "sec-websocket-protocol: chat", shake: "sec-websocket-protocol: chat"},
	{name: "refused", in: `{"statusCode":400}`, status: 400, body: "<nil>"},
	{name: "body", in: `{"statusCode":200,"body":"hello"}`, status: 200, body: "hello"},
	{name: "no-status", in: `{"body":"{\"a\":1}"}`, status: 200, body: `{"a":1}`},
	{name: "error-status-body-sent", in: `{"statusCode":500,"body":"oops"}`, status: 500, body: "oops"},
	{name: "content-type-kept", in: `{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"x"}`,
		status: 200, body: "x", headers: "Content-Type: text/plain"},
	{name: "base64-literal", in: `{"statusCode":200,"body":"dGVzdA==","isBase64Encoded":true}`, status: 200, body: "dGVzdA=="},
	{name: "go-events-nulls", in: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":""}`, status: 200, body: ""},
	{name: "empty-object", in: `{}`, status: 200, body: "<nil>"},
	{name: "extra-keys", in: `{"ConnectionId":"ZmDx-dJ4FiACFkQ=","Data":"\"Hello\"","statusCode":200}`, err: true},
	{name: "bare-string", in: `"hello"`, err: true},
	{name: "null", in: `null`, err: true},
	{name: "empty", in: ``, err: true},
	{name: "array", in: `[1]`, err: true},
	{name: "bad-status", in: `{"statusCode":"ok"}`, err: true},
	{name: "body-object", in: `{"statusCode":200,"body":{"a":1}}`, err: true},
}

func formatHeaders(hs []Header) string {
	var parts []string
	for _, h := range hs {
		parts = append(parts, h.Name+": "+h.Value)
	}
	return strings.Join(parts, "|")
}

func TestParseWSResponse(t *testing.T) {
	for _, c := range wsRespCases {
		r, err := ParseWSResponse([]byte(c.in))
		if c.err {
			if err == nil || !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: err = %v, want ErrMalformed", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		body := string(r.Body)
		if r.Body == nil {
			body = "<nil>"
		}
		if r.StatusCode != c.status || body != c.body || formatHeaders(r.Headers) != c.headers || formatHeaders(r.HandshakeHeaders()) != c.shake {
			t.Errorf("%s: got %d %q [%s] [%s], want %d %q [%s] [%s]", c.name, r.StatusCode, body,
				formatHeaders(r.Headers), formatHeaders(r.HandshakeHeaders()), c.status, c.body, c.headers, c.shake)
		}
		if r.Accepted() != (c.status/100 == 2) {
			t.Errorf("%s: Accepted() = %v", c.name, r.Accepted())
		}
	}
}

// TestParseWSResponseFromALG: what aws-lambda-go functions return.
func TestParseWSResponseFromALG(t *testing.T) {
	b, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Headers: map[string]string{"Sec-WebSocket-Protocol": "chat"}, Body: "hi"})
	r, err := ParseWSResponse(b)
	if err != nil || r.StatusCode != 200 || string(r.Body) != "hi" || formatHeaders(r.HandshakeHeaders()) != "Sec-WebSocket-Protocol: chat" {
		t.Fatalf("%s: %+v %v", b, r, err)
	}
}

func FuzzParseWSResponse(f *testing.F) {
	for _, c := range wsRespCases {
		f.Add([]byte(c.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseWSResponse(data)
		rest, restErr := ParseResponse(data, false)
		if (err == nil) != (restErr == nil) {
			t.Fatalf("ParseWSResponse err %v, ParseResponse err %v", err, restErr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if r.StatusCode != rest.StatusCode || !bytes.Equal(r.Body, rest.Body) || (r.Body == nil) != (rest.Body == nil) {
			t.Fatalf("differs from ParseResponse: %+v vs %+v", r, rest)
		}
		// REST's headers are the same plus, when none was set, a default
		// Content-Type at the end.
		want := rest.Headers
		if len(want) == len(r.Headers)+1 {
			want = want[:len(r.Headers)]
		}
		if !reflect.DeepEqual(r.Headers, want) && !(len(r.Headers) == 0 && len(want) == 0) {
			t.Fatalf("headers %v, REST %v", r.Headers, rest.Headers)
		}
		for _, h := range r.HandshakeHeaders() {
			if !asciiEqualFold(h.Name, "Sec-WebSocket-Protocol") {
				t.Fatalf("handshake header %q", h.Name)
			}
		}
		if r.Accepted() != (r.StatusCode >= 200 && r.StatusCode < 300) {
			t.Fatal("Accepted")
		}
	})
}

// FuzzAppendWSEvent: any strings give valid JSON that aws-lambda-go decodes
// into what was given.
func FuzzAppendWSEvent(f *testing.F) {
	f.Add(0, "$connect", "Host:h\nUser-Agent:x\nconnection:Upgrade\nB:1\nb:2", "a=1&a=2&%zz&=x", []byte(nil), 0, "", "user-1")
	f.Add(1, "sendmessage", "", "", []byte("{\"action\":\"x\",\"s\":\"\x00\xff\u2028\"}"), 0, "", "")
	f.Add(2, "$disconnect", "", "", []byte(nil), 1001, "", "\"")
	f.Add(2, "$disconnect", "", "", []byte(nil), 0, "r\xff", "")
	f.Fuzz(func(t *testing.T, kind int, routeKey, headerBlob, rawQuery string, body []byte, code int, reason, principal string) {
		e := wsBase([]string{WSConnect, WSMessage, WSDisconnect}[uint(kind)%3], routeKey)
		e.Identity.UserAgent = principal
		e.Headers = fuzzHeaders(headerBlob)
		e.RawQuery = rawQuery
		e.MessageID = principal
		e.Body = body
		e.DisconnectStatusCode = code & 0xffff
		e.DisconnectReason = reason
		if principal != "" {
			e.Authorizer = map[string]any{"principalId": principal, "integrationLatency": len(principal)}
			e.StageVariables = map[string]string{principal: reason}
		}
		out := AppendWSEvent(nil, &e)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		var ev events.APIGatewayWebsocketProxyRequest
		if err := json.Unmarshal(out, &ev); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if e.EventType == WSConnect {
			// Names equal but for case collapse into one group; only check
			// the scalar fields here.
			e.Headers = nil
		}
		checkALGEvent(t, "fuzz", &e, &ev)
	})
}

// ---- benchmarks ----

func BenchmarkAppendWSEventConnect(b *testing.B) {
	e := wsCases()["connect-browser-authorizer"]
	e.Authorizer = nil // appendAny sorts map keys (allocates); measured separately below
	buf := AppendWSEvent(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendWSEvent(buf[:0], e)
	}
}

func BenchmarkAppendWSEventConnectAuthorizer(b *testing.B) {
	e := wsCases()["connect-browser-authorizer"]
	buf := AppendWSEvent(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendWSEvent(buf[:0], e)
	}
}

func BenchmarkAppendWSEventMessage(b *testing.B) {
	e := wsCases()["message-default"]
	e.Body = []byte(`{"action":"sendmessage","data":"Hello, world! This is a typical chat message of about a hundred bytes."}`)
	buf := AppendWSEvent(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendWSEvent(buf[:0], e)
	}
}

func BenchmarkAppendWSEventDisconnect(b *testing.B) {
	e := wsCases()["disconnect-going-away"]
	buf := AppendWSEvent(nil, e)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendWSEvent(buf[:0], e)
	}
}

// TestAppendWSEventAllocs: with a large enough buffer, MESSAGE and
// DISCONNECT events and CONNECT events without an authorizer allocate
// nothing.
func TestAppendWSEventAllocs(t *testing.T) {
	for _, name := range []string{"message-default", "message-empty", "disconnect-going-away", "connect-wscat", "connect-apikey"} {
		e := wsCases()[name]
		buf := make([]byte, 0, 8192)
		if n := testing.AllocsPerRun(100, func() { buf = AppendWSEvent(buf[:0], e) }); n != 0 {
			t.Errorf("%s: %v allocations", name, n)
		}
	}
}

func BenchmarkParseWSResponse(b *testing.B) {
	data := []byte(`{"statusCode":200,"body":"{\"message\":\"Hello, world!\",\"from\":\"R1kmxc2VNjMCFIA=\"}"}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseWSResponse(data); err != nil {
			b.Fatal(err)
		}
	}
}
