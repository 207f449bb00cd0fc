package e2e

// WebSocket APIs (issue 16) on the real binary, with a real WebSocket client
// (github.com/fasthttp/websocket, gorilla's client API) and python
// functions: the handshake and $connect, route selection, two-way routes,
// the in-band Forbidden frame, $disconnect once per connection, close codes,
// and the @connections management API as the AWS SDK's
// apigatewaymanagementapi client calls it.
//
// The SDK's apigatewaymanagementapi module is not on the module proxy this
// project builds with, so mgmtClient below sends exactly the requests the
// SDK sends (service/apigatewaymanagementapi/serializers.go and its
// request snapshots: POST/GET/DELETE {BaseEndpoint}/@connections/{id} with
// the id percent-encoded as a URI label, the message as the raw body with
// Content-Type application/octet-stream, SigV4 for execute-api) and reads
// answers as the SDK does (the X-Amzn-ErrorType header names the error;
// GetConnection's JSON with ISO-8601 timestamps).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/fasthttp/websocket"
)

// wsWait bounds every wait on apigw: python cold starts included.
const wsWait = 20 * time.Second

// wsIDRE is the shape of API Gateway's connection and request ids.
var wsIDRE = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)

// wsStart serves testdata/websocket-chat.yaml; the functions record their
// events in the returned folder.
func wsStart(t *testing.T, args ...string) (*Instance, string) {
	t.Helper()
	rtRequireInterpreters(t)
	rec := t.TempDir()
	in := startAPIGW(t, testdata("websocket-chat.yaml"), append([]string{"--param", "RecordDir=" + rec}, args...)...)
	return in, rec
}

// wsDial opens a WebSocket connection to ws://ADDR/path; it fails the test
// when the handshake fails.
func wsDial(t *testing.T, in *Instance, path string, header http.Header, subprotocols ...string) (*websocket.Conn, *http.Response) {
	t.Helper()
	c, resp, err := wsTryDial(in, path, header, subprotocols...)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial ws://%s%s: %v (HTTP status %d)", in.Addr, path, err, status)
	}
	t.Cleanup(func() { c.Close() })
	return c, resp
}

func wsTryDial(in *Instance, path string, header http.Header, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	d := websocket.Dialer{HandshakeTimeout: wsWait, Subprotocols: subprotocols}
	return d.Dial("ws://"+in.Addr+path, header)
}

// wsSend sends a text message.
func wsSend(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("send %.80q: %v", msg, err)
	}
}

// wsRead reads the next message, which must be a text frame, within wsWait.
func wsRead(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wsWait))
	kind, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read a message: %v", err)
	}
	if kind != websocket.TextMessage {
		t.Fatalf("got a frame of type %d, want a text frame: %q", kind, msg)
	}
	return string(msg)
}

// wsReadClose reads until the server's close frame and returns its code;
// the test fails when a message comes first or the connection ends without
// a close frame.
func wsReadClose(t *testing.T, c *websocket.Conn) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wsWait))
	kind, msg, err := c.ReadMessage()
	if err == nil {
		t.Fatalf("got a message (type %d) %.200q, want the connection closed", kind, msg)
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("the connection ended without a close frame: %v", err)
	}
	return ce.Code
}

// wsWhoAmI sends a message that no route key selects ($default answers its
// event's connectionId) and returns the connection's id.
func wsWhoAmI(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	const msg = `{"action":"whoami"}`
	wsSend(t, c, msg)
	got := wsRead(t, c)
	var ans struct{ Route, ConnectionID, Body string }
	if err := json.Unmarshal([]byte(got), &ans); err != nil {
		t.Fatalf("$default answered %q: %v", got, err)
	}
	if ans.Route != "$default" || ans.Body != msg || !wsIDRE.MatchString(ans.ConnectionID) {
		t.Fatalf("$default answered %q, want route $default, the message as body and a connection id", got)
	}
	return ans.ConnectionID
}

// wsRecords reads the events a function recorded in file (one JSON line
// each; a line still being written is left out).
func wsRecords(t *testing.T, dir, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	var out []map[string]any
	for _, l := range lines[:len(lines)-1] {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("%s: a line that is not JSON: %v\n%s", file, err, l)
		}
		out = append(out, ev)
	}
	return out
}

// wsEventsOf are the recorded events of one connection.
func wsEventsOf(t *testing.T, dir, file, connID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range wsRecords(t, dir, file) {
		if wsCtx(ev)["connectionId"] == connID {
			out = append(out, ev)
		}
	}
	return out
}

// wsAwaitOne waits until file holds an event of the connection, then makes
// sure no second one follows within a grace period; it returns the event.
func wsAwaitOne(t *testing.T, dir, file, connID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(wsWait)
	for {
		evs := wsEventsOf(t, dir, file, connID)
		if len(evs) > 1 {
			t.Fatalf("%s: %d events of connection %s, want exactly one:\n%v", file, len(evs), connID, evs)
		}
		if len(evs) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no event of connection %s within %s", file, connID, wsWait)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A duplicate would come right after the first.
	time.Sleep(700 * time.Millisecond)
	evs := wsEventsOf(t, dir, file, connID)
	if len(evs) != 1 {
		t.Fatalf("%s: %d events of connection %s, want exactly one:\n%v", file, len(evs), connID, evs)
	}
	return evs[0]
}

func wsCtx(ev map[string]any) map[string]any {
	rc, _ := ev["requestContext"].(map[string]any)
	return rc
}

// wsCheckContext checks the requestContext fields every event has.
func wsCheckContext(t *testing.T, ev map[string]any, in *Instance, stage, eventType, routeKey, connID string) {
	t.Helper()
	rc := wsCtx(ev)
	if rc == nil {
		t.Fatalf("%s event without requestContext: %v", eventType, ev)
	}
	want := map[string]any{"eventType": eventType, "routeKey": routeKey, "connectionId": connID,
		"domainName": in.Addr, "stage": stage, "messageDirection": "IN"}
	for k, v := range want {
		if rc[k] != v {
			t.Errorf("%s event: requestContext.%s = %#v, want %#v", eventType, k, rc[k], v)
		}
	}
	if id, _ := rc["apiId"].(string); id == "" {
		t.Errorf("%s event: requestContext.apiId = %#v, want the API's id", eventType, rc["apiId"])
	}
	if id, _ := rc["requestId"].(string); !wsIDRE.MatchString(id) {
		t.Errorf("%s event: requestContext.requestId = %#v, want an id like R1kmxc2VNjMCFIA=", eventType, rc["requestId"])
	}
	now := float64(time.Now().UnixMilli())
	connectedAt, ok1 := rc["connectedAt"].(float64)
	requestTime, ok2 := rc["requestTimeEpoch"].(float64)
	if !ok1 || !ok2 || connectedAt < now-5*60e3 || connectedAt > now || requestTime < connectedAt || requestTime > now {
		t.Errorf("%s event: connectedAt %#v and requestTimeEpoch %#v, want milliseconds since the epoch, connectedAt <= requestTimeEpoch <= now (%d)", eventType, rc["connectedAt"], rc["requestTimeEpoch"], int64(now))
	}
	identity, _ := rc["identity"].(map[string]any)
	if identity["sourceIp"] != "127.0.0.1" {
		t.Errorf("%s event: requestContext.identity.sourceIp = %#v, want \"127.0.0.1\"", eventType, identity["sourceIp"])
	}
	if ev["isBase64Encoded"] != false {
		t.Errorf("%s event: isBase64Encoded = %#v, want false", eventType, ev["isBase64Encoded"])
	}
}

// ---------------------------------------------------------------------------
// the @connections client

// mgmtClient calls @connections as the SDK's apigatewaymanagementapi client
// does with BaseEndpoint http://ADDR/{stage}.
type mgmtClient struct {
	base  string           // http://ADDR/{stage}
	creds *aws.Credentials // nil: unsigned (anonymous credentials)
}

// GoneException is the SDK's types.GoneException: the connection is not
// open.
type GoneException struct{ Body string }

func (e *GoneException) Error() string { return "GoneException: " + e.Body }

// mgmtError is any other error answer.
type mgmtError struct {
	Status    int
	ErrorType string
	Body      string
}

func (e *mgmtError) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.Status, e.ErrorType, e.Body)
}

// connInfo is GetConnection's output.
type connInfo struct {
	ConnectedAt  time.Time `json:"connectedAt"`
	LastActiveAt time.Time `json:"lastActiveAt"`
	Identity     struct {
		SourceIP  string `json:"sourceIp"`
		UserAgent string `json:"userAgent"`
	} `json:"identity"`
}

// labelEscape percent-encodes a URI label as smithy's httpbinding does:
// everything but the unreserved characters.
func labelEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (m *mgmtClient) call(t *testing.T, method, id string, body []byte) (int, []byte, error) {
	t.Helper()
	r, err := http.NewRequest(method, m.base+"/@connections/"+labelEscape(id), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/octet-stream")
	}
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.48.0 api/apigatewaymanagementapi")
	if m.creds != nil {
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), *m.creds, r, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	client := &http.Client{Timeout: wsWait}
	resp, err := client.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, r.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp.StatusCode, b, nil
	}
	errType := resp.Header.Get("X-Amzn-ErrorType")
	if i := strings.IndexByte(errType, ':'); i >= 0 {
		errType = errType[:i]
	}
	if errType == "GoneException" {
		return resp.StatusCode, b, &GoneException{Body: string(b)}
	}
	return resp.StatusCode, b, &mgmtError{Status: resp.StatusCode, ErrorType: errType, Body: string(b)}
}

// PostToConnection sends data as one message (200).
func (m *mgmtClient) PostToConnection(t *testing.T, id, data string) error {
	t.Helper()
	status, _, err := m.call(t, http.MethodPost, id, []byte(data))
	if err == nil && status != 200 {
		t.Errorf("PostToConnection: HTTP %d, want 200", status)
	}
	return err
}

// GetConnection describes a connection (200).
func (m *mgmtClient) GetConnection(t *testing.T, id string) (*connInfo, error) {
	t.Helper()
	status, b, err := m.call(t, http.MethodGet, id, nil)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		t.Errorf("GetConnection: HTTP %d, want 200", status)
	}
	var info connInfo
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("GetConnection answered %q: %v", b, err)
	}
	return &info, nil
}

// DeleteConnection closes a connection (204).
func (m *mgmtClient) DeleteConnection(t *testing.T, id string) error {
	t.Helper()
	status, _, err := m.call(t, http.MethodDelete, id, nil)
	if err == nil && status != 204 {
		t.Errorf("DeleteConnection: HTTP %d, want 204", status)
	}
	return err
}

// wantGone fails unless err is the SDK's GoneException with AWS's empty
// body.
func wantGone(t *testing.T, what string, err error) {
	t.Helper()
	var gone *GoneException
	if !errors.As(err, &gone) {
		t.Errorf("%s: %v, want GoneException", what, err)
		return
	}
	if gone.Body != "" {
		t.Errorf("%s: GoneException with body %q, want an empty body", what, gone.Body)
	}
}

// ---------------------------------------------------------------------------
// the tests

func TestWebSocket(t *testing.T) {
	in, rec := wsStart(t)
	mgmt := &mgmtClient{base: in.URL("/prod")}

	t.Run("echo round trip on a two-way route", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		for _, data := range []string{"hello there", `{"nested": "json", "n": 1}`, "héllo ✓"} {
			msg, _ := json.Marshal(map[string]string{"action": "echo", "data": data})
			wsSend(t, c, string(msg))
			if got := wsRead(t, c); got != data {
				t.Errorf("echo of %q answered %q", data, got)
			}
		}
	})

	t.Run("$default takes what no route key selects", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		for _, msg := range []string{`{"action":"nosuchroute","x":1}`, `not json at all`, `{"data":"no action"}`, `["action","echo"]`} {
			wsSend(t, c, msg)
			got := wsRead(t, c)
			var ans map[string]string
			if err := json.Unmarshal([]byte(got), &ans); err != nil || len(ans) != 3 || ans["route"] != "$default" || ans["connectionId"] != id || ans["body"] != msg {
				t.Errorf("%q: got %q, want $default's answer {route: $default, connectionId: %s, body: the message}", msg, got, id)
			}
		}
	})

	t.Run("one-way route sends nothing back and gets a MESSAGE event", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		msg := `{"action":"sendmessage","data":"hi all"}`
		wsSend(t, c, msg)
		// Messages are routed in order: the next frame is the echo's, not
		// the sendmessage function's body.
		wsSend(t, c, `{"action":"echo","data":"after sendmessage"}`)
		if got := wsRead(t, c); got != "after sendmessage" {
			t.Fatalf("after a one-way message and an echo the client got %q, want the echo \"after sendmessage\"", got)
		}
		ev := wsAwaitOne(t, rec, "message.jsonl", id)
		wsCheckContext(t, ev, in, "prod", "MESSAGE", "sendmessage", id)
		rc := wsCtx(ev)
		if mid, _ := rc["messageId"].(string); !wsIDRE.MatchString(mid) {
			t.Errorf("MESSAGE event: requestContext.messageId = %#v, want an id", rc["messageId"])
		}
		if ev["body"] != msg {
			t.Errorf("MESSAGE event: body = %#v, want %q", ev["body"], msg)
		}
		for _, k := range []string{"headers", "multiValueHeaders", "queryStringParameters"} {
			if v, ok := ev[k]; ok {
				t.Errorf("MESSAGE event has %s (%v): API Gateway sends them on $connect only", k, v)
			}
		}
	})

	t.Run("$connect event, handshake headers and subprotocol", func(t *testing.T) {
		h := http.Header{"User-Agent": {"apigw-e2e/1"}, "X-Team-Header": {"blue"}}
		c, resp := wsDial(t, in, "/prod?team=blue&n=1", h, "chat")
		// Of $connect's headers API Gateway puts Sec-WebSocket-Protocol
		// on the 101 only (aws/chalice#1768).
		if got := resp.Header.Get("X-Connect-Function"); got != "" {
			t.Errorf("handshake response X-Connect-Function = %q, want none (only Sec-WebSocket-Protocol of $connect's headers goes on the 101)", got)
		}
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "chat" {
			t.Errorf("handshake response Sec-WebSocket-Protocol = %q, want \"chat\" ($connect's answer)", got)
		}
		if got := c.Subprotocol(); got != "chat" {
			t.Errorf("subprotocol %q, want \"chat\" ($connect answered Sec-WebSocket-Protocol: chat)", got)
		}
		id := wsWhoAmI(t, c)
		ev := wsAwaitOne(t, rec, "connect.jsonl", id)
		wsCheckContext(t, ev, in, "prod", "CONNECT", "$connect", id)
		rc := wsCtx(ev)
		for _, k := range []string{"messageId", "disconnectStatusCode", "disconnectReason"} {
			if v, ok := rc[k]; ok && v != nil {
				t.Errorf("CONNECT event: requestContext.%s = %#v, want null or absent", k, v)
			}
		}
		q, _ := ev["queryStringParameters"].(map[string]any)
		if len(q) != 2 || q["team"] != "blue" || q["n"] != "1" {
			t.Errorf("CONNECT event: queryStringParameters = %#v, want {team: blue, n: 1}", ev["queryStringParameters"])
		}
		headers, _ := ev["headers"].(map[string]any)
		mv, _ := ev["multiValueHeaders"].(map[string]any)
		get := func(m map[string]any, name string) any {
			for k, v := range m {
				if strings.EqualFold(k, name) {
					return v
				}
			}
			return nil
		}
		if got := get(headers, "Host"); got != in.Addr {
			t.Errorf("CONNECT event: headers.Host = %#v, want %q", got, in.Addr)
		}
		if got := get(headers, "X-Team-Header"); got != "blue" {
			t.Errorf("CONNECT event: headers.X-Team-Header = %#v, want \"blue\"", got)
		}
		if got := get(headers, "Sec-WebSocket-Key"); got == nil {
			t.Errorf("CONNECT event: headers without Sec-WebSocket-Key: %v", headers)
		}
		if got, _ := get(mv, "X-Team-Header").([]any); len(got) != 1 || got[0] != "blue" {
			t.Errorf("CONNECT event: multiValueHeaders.X-Team-Header = %#v, want [\"blue\"]", get(mv, "X-Team-Header"))
		}
		identity, _ := rc["identity"].(map[string]any)
		if identity["userAgent"] != "apigw-e2e/1" {
			t.Errorf("CONNECT event: identity.userAgent = %#v, want \"apigw-e2e/1\"", identity["userAgent"])
		}
	})

	t.Run("$connect refusing with 403 refuses the handshake", func(t *testing.T) {
		before := len(wsRecords(t, rec, "connect.jsonl"))
		c, resp, err := wsTryDial(in, "/prod?deny=1", nil)
		if err == nil {
			c.Close()
			t.Fatal("the handshake succeeded, want it refused with 403")
		}
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
			t.Fatalf("dial: %v, want websocket.ErrBadHandshake with the HTTP response", err)
		}
		if resp.StatusCode != 403 {
			t.Errorf("refused handshake: HTTP %d, want 403", resp.StatusCode)
		}
		recs := wsRecords(t, rec, "connect.jsonl")
		if len(recs) != before+1 {
			t.Fatalf("connect.jsonl has %d new events, want 1", len(recs)-before)
		}
		id, _ := wsCtx(recs[len(recs)-1])["connectionId"].(string)
		// A connection that never opened never disconnects.
		time.Sleep(time.Second)
		if evs := wsEventsOf(t, rec, "disconnect.jsonl", id); len(evs) != 0 {
			t.Errorf("$disconnect ran for a refused handshake: %v", evs)
		}
		_, err = mgmt.GetConnection(t, id)
		wantGone(t, "GetConnection of a refused connection", err)
	})

	t.Run("a handshake the server cannot accept does not run $connect", func(t *testing.T) {
		for _, c := range []struct{ name, headers string }{
			{"Sec-WebSocket-Version 8", "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"},
			{"no Sec-WebSocket-Key", "Sec-WebSocket-Version: 13\r\n"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := len(wsRecords(t, rec, "connect.jsonl"))
				conn, err := net.DialTimeout("tcp", in.Addr, wsWait)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(wsWait))
				req := "GET /prod?case=" + strings.ReplaceAll(c.name, " ", "-") + " HTTP/1.1\r\nHost: " + in.Addr + "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + c.headers + "\r\n"
				if _, err := io.WriteString(conn, req); err != nil {
					t.Fatal(err)
				}
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("read the handshake's answer: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusSwitchingProtocols || resp.StatusCode < 400 || resp.StatusCode > 499 {
					t.Errorf("HTTP %d, want the handshake refused with a 4xx", resp.StatusCode)
				}
				if n := len(wsRecords(t, rec, "connect.jsonl")) - before; n != 0 {
					t.Errorf("$connect ran %d times for a handshake that cannot succeed: a function saw a connection that never opened", n)
				}
			})
		}
	})

	t.Run("a plain GET of the stage answers 403 Forbidden", func(t *testing.T) {
		resp, err := http.Get(in.URL("/prod"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || string(b) != `{"message":"Forbidden"}` {
			t.Errorf("GET /prod without an upgrade: HTTP %d %q, want 403 {\"message\":\"Forbidden\"}", resp.StatusCode, b)
		}
	})

	t.Run("no route and no $default answers the Forbidden frame", func(t *testing.T) {
		c, _ := wsDial(t, in, "/strict", nil)
		frame := regexp.MustCompile(`^\{"message": "Forbidden", "connectionId":"([A-Za-z0-9+/]{15}=)", "requestId":"([A-Za-z0-9+/]{15}=)"\}$`)
		var ids []string
		for _, msg := range []string{`{"action":"nosuchroute"}`, `not json`, `{"action":"$default"}`} {
			wsSend(t, c, msg)
			got := wsRead(t, c)
			m := frame.FindStringSubmatch(got)
			if m == nil {
				t.Fatalf("%q: got %q, want {\"message\": \"Forbidden\", \"connectionId\":\"...\", \"requestId\":\"...\"}", msg, got)
			}
			ids = append(ids, m[1])
			if m[1] == m[2] {
				t.Errorf("the frame's connectionId and requestId are both %s", m[1])
			}
		}
		if ids[0] != ids[1] || ids[1] != ids[2] {
			t.Errorf("one connection's frames name connection ids %v", ids)
		}
		// The connection stays open, and its routes still work.
		wsSend(t, c, `{"action":"sendmessage","data":"still open"}`)
		if got := wsRead(t, c); got != "still open" {
			t.Errorf("after the Forbidden frames the strict API's sendmessage answered %q, want \"still open\"", got)
		}
		// The connection is the strict stage's: prod's @connections does
		// not know it.
		_, err := mgmt.GetConnection(t, ids[0])
		wantGone(t, "prod's GetConnection of a strict connection", err)
		strict := &mgmtClient{base: in.URL("/strict")}
		if err := strict.PostToConnection(t, ids[0], "via strict"); err != nil {
			t.Fatalf("strict's PostToConnection: %v", err)
		}
		if got := wsRead(t, c); got != "via strict" {
			t.Errorf("got %q, want \"via strict\"", got)
		}
	})

	t.Run("@connections post, get, delete", func(t *testing.T) {
		start := time.Now()
		c, _ := wsDial(t, in, "/prod", http.Header{"User-Agent": {"apigw-e2e-client/1.0"}})
		dialed := time.Now()
		id := wsWhoAmI(t, c)

		for _, msg := range []string{"pushed from the backend", `{"kind":"json"}`} {
			if err := mgmt.PostToConnection(t, id, msg); err != nil {
				t.Fatalf("PostToConnection: %v", err)
			}
			if got := wsRead(t, c); got != msg {
				t.Errorf("the client got %q, want the posted %q", got, msg)
			}
		}

		info, err := mgmt.GetConnection(t, id)
		if err != nil {
			t.Fatalf("GetConnection: %v", err)
		}
		if info.ConnectedAt.Before(start.Add(-time.Second)) || info.ConnectedAt.After(dialed.Add(time.Second)) {
			t.Errorf("GetConnection: ConnectedAt %s, want between %s and %s", info.ConnectedAt, start, dialed)
		}
		if info.LastActiveAt.Before(info.ConnectedAt) || info.LastActiveAt.After(time.Now().Add(time.Second)) {
			t.Errorf("GetConnection: LastActiveAt %s, want between ConnectedAt %s and now", info.LastActiveAt, info.ConnectedAt)
		}
		if info.Identity.SourceIP != "127.0.0.1" || info.Identity.UserAgent != "apigw-e2e-client/1.0" {
			t.Errorf("GetConnection: Identity %+v, want sourceIp 127.0.0.1 and userAgent apigw-e2e-client/1.0", info.Identity)
		}
		connect := wsAwaitOne(t, rec, "connect.jsonl", id)
		if ms := wsCtx(connect)["connectedAt"]; ms != float64(info.ConnectedAt.UnixMilli()) {
			t.Errorf("GetConnection's ConnectedAt %s (%d ms) is not the CONNECT event's connectedAt %v", info.ConnectedAt, info.ConnectedAt.UnixMilli(), ms)
		}

		if err := mgmt.DeleteConnection(t, id); err != nil {
			t.Fatalf("DeleteConnection: %v", err)
		}
		if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
			t.Errorf("after DeleteConnection the client got close code %d, want %d", code, websocket.CloseNormalClosure)
		}
		wantGone(t, "PostToConnection after DeleteConnection", mgmt.PostToConnection(t, id, "too late"))
		_, err = mgmt.GetConnection(t, id)
		wantGone(t, "GetConnection after DeleteConnection", err)
		wantGone(t, "DeleteConnection after DeleteConnection", mgmt.DeleteConnection(t, id))
		wantGone(t, "PostToConnection to an id that never existed", mgmt.PostToConnection(t, "AAAAAAAAAAAAAAA=", "nobody"))

		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		wsCheckContext(t, ev, in, "prod", "DISCONNECT", "$disconnect", id)
		if got := wsCtx(ev)["disconnectStatusCode"]; got != float64(websocket.CloseNormalClosure) {
			t.Errorf("DISCONNECT after DeleteConnection: disconnectStatusCode %#v, want %d", got, websocket.CloseNormalClosure)
		}
	})

	t.Run("$disconnect runs once when the client closes", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		if err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		// The server answers the close frame.
		if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
			t.Errorf("the server's close frame has code %d, want %d", code, websocket.CloseNormalClosure)
		}
		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		wsCheckContext(t, ev, in, "prod", "DISCONNECT", "$disconnect", id)
		rc := wsCtx(ev)
		if rc["disconnectStatusCode"] != float64(websocket.CloseNormalClosure) {
			t.Errorf("DISCONNECT: disconnectStatusCode %#v, want 1000", rc["disconnectStatusCode"])
		}
		if _, ok := rc["disconnectReason"].(string); !ok {
			t.Errorf("DISCONNECT: disconnectReason %#v, want a string", rc["disconnectReason"])
		}
		connect := wsAwaitOne(t, rec, "connect.jsonl", id)
		if rc["connectedAt"] != wsCtx(connect)["connectedAt"] {
			t.Errorf("DISCONNECT connectedAt %v, CONNECT connectedAt %v: want the same", rc["connectedAt"], wsCtx(connect)["connectedAt"])
		}
		_, err := mgmt.GetConnection(t, id)
		wantGone(t, "GetConnection after the client closed", err)
	})

	t.Run("$disconnect runs once when the client's TCP connection drops", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		c.NetConn().Close()
		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		if got := wsCtx(ev)["disconnectStatusCode"]; got != float64(websocket.CloseAbnormalClosure) {
			t.Errorf("DISCONNECT after the TCP connection dropped: disconnectStatusCode %#v, want 1006", got)
		}
	})

	t.Run("a binary frame closes with 1003", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		if err := c.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		if code := wsReadClose(t, c); code != websocket.CloseUnsupportedData {
			t.Errorf("close code %d after a binary frame, want 1003", code)
		}
		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		if got := wsCtx(ev)["disconnectStatusCode"]; got != float64(websocket.CloseUnsupportedData) {
			t.Errorf("DISCONNECT after a binary frame: disconnectStatusCode %#v, want 1003", got)
		}
	})

	t.Run("a 128 KB message is routed", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		prefix, suffix := `{"action":"echo","data":"`, `"}`
		data := strings.Repeat("x", 128<<10-len(prefix)-len(suffix))
		msg := prefix + data + suffix
		if len(msg) != 128<<10 {
			t.Fatalf("the message is %d bytes", len(msg))
		}
		wsSend(t, c, msg)
		if got := wsRead(t, c); got != data {
			t.Errorf("the echo of a 128 KB message is %d bytes, want %d", len(got), len(data))
		}
	})

	t.Run("a 130 KB message closes with 1009", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		msg := `{"action":"echo","data":"` + strings.Repeat("x", 130<<10) + `"}`
		// The server may close before it has read all of it.
		_ = c.WriteMessage(websocket.TextMessage, []byte(msg))
		if code := wsReadClose(t, c); code != websocket.CloseMessageTooBig {
			t.Errorf("close code %d after a 130 KB message, want 1009", code)
		}
		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		if got := wsCtx(ev)["disconnectStatusCode"]; got != float64(websocket.CloseMessageTooBig) {
			t.Errorf("DISCONNECT after a 130 KB message: disconnectStatusCode %#v, want 1009", got)
		}
	})

	t.Run("a single 40 KB frame closes with 1009; the same in 4 KB frames is routed", func(t *testing.T) {
		// The default dialer sends a message in frames of its 4 KB write
		// buffer; this one sends it in one frame.
		d := websocket.Dialer{HandshakeTimeout: wsWait, WriteBufferSize: 64 << 10}
		big, _, err := d.Dial("ws://"+in.Addr+"/prod", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer big.Close()
		id := wsWhoAmI(t, big)
		msg := `{"action":"echo","data":"` + strings.Repeat("y", 40<<10) + `"}`
		_ = big.WriteMessage(websocket.TextMessage, []byte(msg))
		if code := wsReadClose(t, big); code != websocket.CloseMessageTooBig {
			t.Errorf("close code %d after a 40 KB frame, want 1009", code)
		}
		ev := wsAwaitOne(t, rec, "disconnect.jsonl", id)
		if got := wsCtx(ev)["disconnectStatusCode"]; got != float64(websocket.CloseMessageTooBig) {
			t.Errorf("DISCONNECT after a 40 KB frame: disconnectStatusCode %#v, want 1009", got)
		}
		small, _ := wsDial(t, in, "/prod", nil)
		wsSend(t, small, msg)
		if got := wsRead(t, small); got != strings.Repeat("y", 40<<10) {
			t.Errorf("the 40 KB message in small frames: got %d bytes back", len(got))
		}
	})

	t.Run("a function posts through @connections from its event", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		wsSend(t, c, `{"action":"broadcast","data":"to myself"}`)
		if got := wsRead(t, c); got != "broadcast: to myself" {
			t.Errorf("got %q, want \"broadcast: to myself\" posted by the function to http://{domainName}/{stage}/@connections/{connectionId}", got)
		}
	})

	t.Run("the @connections path is matched percent-encoded and not", func(t *testing.T) {
		c, _ := wsDial(t, in, "/prod", nil)
		id := wsWhoAmI(t, c)
		for i, path := range []string{"/prod/@connections/" + id, "/prod/%40connections/" + labelEscape(id)} {
			msg := fmt.Sprintf("raw %d", i)
			resp, err := http.Post(in.URL(path), "application/octet-stream", strings.NewReader(msg))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("POST %s: HTTP %d, want 200", path, resp.StatusCode)
				continue
			}
			if got := wsRead(t, c); got != msg {
				t.Errorf("POST %s: the client got %q, want %q", path, got, msg)
			}
		}
	})
}

// TestWebSocketIAM: with --iam-credentials, @connections calls must be
// SigV4-signed for execute-api.
func TestWebSocketIAM(t *testing.T) {
	creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
	in, _ := wsStart(t, "--iam-credentials", creds)
	c, _ := wsDial(t, in, "/prod", nil)
	id := wsWhoAmI(t, c)

	unsigned := &mgmtClient{base: in.URL("/prod")}
	err := unsigned.PostToConnection(t, id, "unsigned")
	var me *mgmtError
	if !errors.As(err, &me) || me.Status != 403 || me.ErrorType != "MissingAuthenticationTokenException" || me.Body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("unsigned PostToConnection: %v, want HTTP 403 MissingAuthenticationTokenException {\"message\":\"Missing Authentication Token\"}", err)
	}
	wrong := &mgmtClient{base: in.URL("/prod"), creds: &aws.Credentials{AccessKeyID: iamKeyID, SecretAccessKey: "not-the-secret"}}
	err = wrong.PostToConnection(t, id, "wrong secret")
	if !errors.As(err, &me) || me.Status != 403 || me.ErrorType != "InvalidSignatureException" {
		t.Errorf("PostToConnection signed with a wrong secret: %v, want HTTP 403 InvalidSignatureException", err)
	}

	signed := &mgmtClient{base: in.URL("/prod"), creds: &aws.Credentials{AccessKeyID: iamKeyID, SecretAccessKey: iamSecret}}
	if err := signed.PostToConnection(t, id, "signed"); err != nil {
		t.Fatalf("signed PostToConnection: %v", err)
	}
	// The refused posts sent nothing: the first message is the signed one.
	if got := wsRead(t, c); got != "signed" {
		t.Errorf("the client got %q, want \"signed\" (and nothing from the refused calls)", got)
	}
	info, err := signed.GetConnection(t, id)
	if err != nil || info.Identity.SourceIP != "127.0.0.1" {
		t.Errorf("signed GetConnection: %+v %v", info, err)
	}
	if err := signed.DeleteConnection(t, id); err != nil {
		t.Fatalf("signed DeleteConnection: %v", err)
	}
	if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
		t.Errorf("close code %d after DeleteConnection, want 1000", code)
	}
	wantGone(t, "signed PostToConnection after DeleteConnection", signed.PostToConnection(t, id, "gone"))
}

// TestWebSocketGuideExample: the guide's examples/websocket.yaml as written,
// with a real client: the handshake runs ConnectFunction, sendmessage runs
// SendMessageFunction (one-way: nothing comes back), a message no route
// selects gets the Forbidden frame (the API has no $default), and closing
// runs DisconnectFunction; the functions' prints are in apigw's log.
func TestWebSocketGuideExample(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, example("websocket.yaml"))
	c, _ := wsDial(t, in, "/prod", nil)
	wsSend(t, c, `{"action": "sendmessage", "data": "hi from the guide"}`)
	wsSend(t, c, `{"action": "nosuchroute"}`)
	frame := regexp.MustCompile(`^\{"message": "Forbidden", "connectionId":"([A-Za-z0-9+/]{15}=)", "requestId":"[A-Za-z0-9+/]{15}="\}$`)
	got := wsRead(t, c)
	m := frame.FindStringSubmatch(got)
	if m == nil {
		t.Fatalf("got %q, want only the Forbidden frame (sendmessage is one-way)", got)
	}
	id := m[1]
	if err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if code := wsReadClose(t, c); code != websocket.CloseNormalClosure {
		t.Errorf("the server's close frame has code %d, want 1000", code)
	}
	deadline := time.Now().Add(wsWait)
	for _, want := range []string{"connected " + id, "message from " + id + " hi from the guide", "disconnected " + id} {
		for !strings.Contains(in.Stderr(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("apigw's log has no %q", want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestWebSocketAuthorizer: testdata/websocket-auth.yaml's $connect has a
// REQUEST Lambda authorizer (python). A missing identity source refuses the
// handshake with 401 without calling it; its Unauthorized failure is 401,
// its Deny 403, another failure 500; $connect runs for none of them. An
// Allow connects: the authorizer got the REQUEST event with the $connect
// methodArn, and $connect's event and a later message's carry
// requestContext.authorizer (principalId and the context, stringified).
func TestWebSocketAuthorizer(t *testing.T) {
	rtRequireInterpreters(t)
	rec := t.TempDir()
	in := startAPIGW(t, testdata("websocket-auth.yaml"), "--param", "RecordDir="+rec)
	auth := http.Header{"Auth": {"alice"}}
	for _, tc := range []struct {
		path   string
		header http.Header
		status int
		calls  int // authorizer invocations
	}{
		{"/live", auth, 401, 0},                 // no token
		{"/live?token=", auth, 401, 0},          // an empty one
		{"/live?token=allow", nil, 401, 0},      // no Auth header
		{"/live?token=bad", auth, 401, 1},       // raise Exception('Unauthorized')
		{"/live?token=deny", auth, 403, 1},      // Deny
		{"/live?token=other", auth, 500, 1},     // another failure
		{"/live?other=allow&x=1", auth, 401, 0}, // still no token
		{"/live?token=allow", auth, 0, 1},       // connects (see below)
	} {
		before := len(wsRecords(t, rec, "auth.jsonl"))
		c, resp, err := wsTryDial(in, tc.path, tc.header)
		if tc.status == 0 {
			if err != nil {
				t.Fatalf("%s: %v", tc.path, err)
			}
			c.Close()
		} else {
			if err == nil {
				c.Close()
				t.Fatalf("%s: connected, want HTTP %d", tc.path, tc.status)
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("%s: %v (response %v), want HTTP %d", tc.path, err, resp, tc.status)
			}
		}
		if got := len(wsRecords(t, rec, "auth.jsonl")) - before; got != tc.calls {
			t.Errorf("%s: %d authorizer calls, want %d", tc.path, got, tc.calls)
		}
	}
	if n := len(wsRecords(t, rec, "connect.jsonl")); n != 1 {
		t.Fatalf("$connect ran %d times, want once (for the one allowed handshake)", n)
	}

	c, _ := wsDial(t, in, "/live?token=allow", auth)
	wsSend(t, c, `{"action":"whoami"}`)
	var ans struct {
		ConnectionID string
		Authorizer   map[string]any
	}
	if got := wsRead(t, c); json.Unmarshal([]byte(got), &ans) != nil {
		t.Fatalf("whoami answered %q", got)
	}
	checkAuth := func(what string, a map[string]any) {
		t.Helper()
		if a["principalId"] != "user-alice" || a["tier"] != "gold" || a["count"] != "3" {
			t.Errorf("%s: requestContext.authorizer = %v, want principalId user-alice, tier gold, count \"3\"", what, a)
		}
	}
	checkAuth("the message event", ans.Authorizer)
	connect := wsAwaitOne(t, rec, "connect.jsonl", ans.ConnectionID)
	a, _ := wsCtx(connect)["authorizer"].(map[string]any)
	checkAuth("the $connect event", a)

	evs := wsRecords(t, rec, "auth.jsonl")
	ev := evs[len(evs)-1]
	if ev["type"] != "REQUEST" {
		t.Errorf("authorizer event type %v, want REQUEST", ev["type"])
	}
	arn, _ := ev["methodArn"].(string)
	if !regexp.MustCompile(`^arn:aws:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+/live/\$connect$`).MatchString(arn) {
		t.Errorf("methodArn %q, want arn:aws:execute-api:REGION:ACCOUNT:API/live/$connect", arn)
	}
	if q, _ := ev["queryStringParameters"].(map[string]any); q["token"] != "allow" {
		t.Errorf("authorizer queryStringParameters %v", ev["queryStringParameters"])
	}
	rc := wsCtx(ev)
	if rc["routeKey"] != "$connect" || rc["eventType"] != "CONNECT" || rc["connectionId"] != ans.ConnectionID || rc["authorizer"] != nil {
		t.Errorf("authorizer requestContext %v, want routeKey $connect, eventType CONNECT, this connection's id, no authorizer", rc)
	}
}

// wsReloadTemplate is a WebSocket API whose two-way "echo" route answers
// with a prefix, so a reload that changes the prefix shows which code ran.
const wsReloadTemplate = `Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: reload, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  EchoRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: echo, Target: !Sub 'integrations/${EchoIntegration}', RouteResponseSelectionExpression: $default}
  EchoResponse:
    Type: AWS::ApiGatewayV2::RouteResponse
    Properties: {ApiId: !Ref Ws, RouteId: !Ref EchoRoute, RouteResponseKey: $default}
  EchoIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Ws
      IntegrationType: AWS_PROXY
      IntegrationUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${EchoFunction.Arn}/invocations'
  EchoFunction:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code:
        ZipFile: |
          def handler(event, context):
              return {'statusCode': 200, 'body': 'PREFIX ' + event['body']}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Ws, StageName: live, AutoDeploy: true}
`

// TestWebSocketReload: a connection stays open across a reload, and its
// next message runs the new code; a reload that drops the API closes it
// with 1001 (going away).
func TestWebSocketReload(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := writeFile(t, "ws-reload.yaml", strings.Replace(wsReloadTemplate, "PREFIX", "v1", 1))
	in := startAPIGW(t, tpl, "--no-watch")
	c, _ := wsDial(t, in, "/live", nil)
	wsSend(t, c, `{"action":"echo"}`)
	if got := wsRead(t, c); got != `v1 {"action":"echo"}` {
		t.Fatalf("before the reload: %q", got)
	}
	if err := os.WriteFile(tpl, []byte(strings.Replace(wsReloadTemplate, "PREFIX", "v2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, p := rlPostReload(t, in); p.Status != "reloaded" {
		t.Fatalf("reload: %+v", p)
	}
	wsSend(t, c, `{"action":"echo"}`)
	if got := wsRead(t, c); got != `v2 {"action":"echo"}` {
		t.Fatalf("after the reload, on the same connection: %q", got)
	}
	// A template without the WebSocket API: its connections go away.
	if err := os.WriteFile(tpl, []byte(wsProofREST), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, p := rlPostReload(t, in); p.Status != "reloaded" {
		t.Fatalf("reload: %+v", p)
	}
	wsSend(t, c, `{"action":"echo"}`)
	if code := wsReadClose(t, c); code != 1001 {
		t.Fatalf("close code %d, want 1001", code)
	}
}

// wsProofREST is a REST API with a MOCK method: a template without
// WebSocket APIs.
const wsProofREST = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rest}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Mock:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [Mock]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
