package websocket

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/model"
	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// fakeInvoker answers the authorizer "auth" by the token of its event
// (allow, deny, other, bad, boom, junk), and the route functions with an
// echo of their event; it records every event by function.
type fakeInvoker struct {
	mu     sync.Mutex
	events map[string][]map[string]any
}

func (f *fakeInvoker) Invoke(_ context.Context, fn string, payload []byte) (lambda.Result, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return lambda.Result{}, err
	}
	f.mu.Lock()
	if f.events == nil {
		f.events = map[string][]map[string]any{}
	}
	f.events[fn] = append(f.events[fn], ev)
	f.mu.Unlock()
	if fn != "auth" {
		body, _ := json.Marshal(ev)
		res, _ := json.Marshal(map[string]any{"statusCode": 200, "body": string(body)})
		return lambda.Result{Payload: res}, nil
	}
	q, _ := ev["queryStringParameters"].(map[string]any)
	token, _ := q["token"].(string)
	arn, _ := ev["methodArn"].(string)
	policy := func(effect, resource string) lambda.Result {
		b, _ := json.Marshal(map[string]any{"principalId": "user-" + token,
			"policyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}}},
			"context":        map[string]any{"tier": "gold", "n": 3, "ok": true}})
		return lambda.Result{Payload: b}
	}
	switch token {
	case "allow":
		return policy("Allow", arn), nil
	case "wild":
		return policy("Allow", "arn:aws:execute-api:*:*:*/*/*"), nil
	case "deny":
		return policy("Deny", arn), nil
	case "other":
		return policy("Allow", "arn:aws:execute-api:us-east-1:123456789012:other/dev/$connect"), nil
	case "bad":
		return lambda.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"Unauthorized","errorType":"Exception"}`)}, nil
	case "boom":
		return lambda.Result{FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom","errorType":"Exception"}`)}, nil
	case "junk":
		return lambda.Result{Payload: []byte(`{"principalId":"x"}`)}, nil
	}
	return lambda.Result{}, errors.New("no such token")
}

func (f *fakeInvoker) calls(fn string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.events[fn]...)
}

// authModel is a WebSocket API whose $connect has a REQUEST authorizer
// reading ?token= and the header Auth.
func authModel() *model.Model {
	in := func(fn string) *model.WSIntegration {
		return &model.WSIntegration{Type: model.AWSProxy, Function: fn, Timeout: 5 * time.Second}
	}
	a := &model.WSAuthorizer{LogicalID: "Auth", Function: "auth", IdentitySource: []string{"route.request.querystring.token", "route.request.header.Auth"}}
	api := &model.WebSocketAPI{ID: "wsapi", LogicalID: "Ws", RouteSelection: "$request.body.action",
		Routes: map[string]*model.WSRoute{
			"$connect": {Key: "$connect", AuthorizationType: "CUSTOM", Authorizer: a, Integration: in("connect")},
			"echo":     {Key: "echo", AuthorizationType: "NONE", Integration: in("echo"), TwoWay: true},
		},
		Authorizers: []*model.WSAuthorizer{a},
		Stages:      []*model.WSStage{{Name: "dev"}}}
	return &model.Model{Region: "us-east-1", AccountID: "123456789012", WebSocketAPIs: []*model.WebSocketAPI{api}}
}

func serveAuth(t *testing.T, inv lambda.Invoker) string {
	t.Helper()
	hub := NewHub()
	s, err := New(Config{Model: authModel(), Invoker: inv, Hub: hub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hub.Activate(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) {
		if s.Claims(ctx, string(ctx.Path())) {
			s.Handle(ctx)
		}
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { hub.CloseAll(time.Second); srv.Shutdown() })
	return "ws://" + ln.Addr().String() + "/dev"
}

func TestAuthorizerRefuses(t *testing.T) {
	inv := &fakeInvoker{}
	url := serveAuth(t, inv)
	hdr := map[string][]string{"Auth": {"x"}}
	for _, tc := range []struct {
		query  string
		header map[string][]string
		status int
		body   string
		calls  int
	}{
		{"", hdr, 401, `{"message":"Unauthorized"}`, 0},             // token missing: no call
		{"?token=", hdr, 401, `{"message":"Unauthorized"}`, 0},      // empty
		{"?token=allow", nil, 401, `{"message":"Unauthorized"}`, 0}, // header missing
		{"?token=bad", hdr, 401, `{"message":"Unauthorized"}`, 1},   // "Unauthorized" error
		{"?token=deny", hdr, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, 1},
		{"?token=other", hdr, 403, `{"Message":"User is not authorized to access this resource"}`, 1},
		{"?token=boom", hdr, 500, `{"message":null}`, 1},
		{"?token=junk", hdr, 500, `{"message":null}`, 1},
		{"?token=nope", hdr, 500, `{"message":null}`, 1}, // the invocation failed
	} {
		before := len(inv.calls("auth"))
		c, resp, err := websocket.DefaultDialer.Dial(url+tc.query, tc.header)
		if err == nil {
			c.Close()
			t.Fatalf("%s: connected, want %d", tc.query, tc.status)
		}
		if resp == nil || resp.StatusCode != tc.status {
			t.Fatalf("%s: %v %v, want %d", tc.query, resp, err, tc.status)
		}
		body, _ := io.ReadAll(resp.Body)
		if string(body) != tc.body {
			t.Errorf("%s: body %s, want %s", tc.query, body, tc.body)
		}
		if got := len(inv.calls("auth")) - before; got != tc.calls {
			t.Errorf("%s: %d authorizer calls, want %d", tc.query, got, tc.calls)
		}
	}
	if n := len(inv.calls("connect")); n != 0 {
		t.Errorf("$connect ran %d times for refused handshakes", n)
	}
}

func TestAuthorizerAllows(t *testing.T) {
	inv := &fakeInvoker{}
	url := serveAuth(t, inv)
	for _, token := range []string{"allow", "wild"} {
		c, _, err := websocket.DefaultDialer.Dial(url+"?token="+token, map[string][]string{"auth": {"h"}})
		if err != nil {
			t.Fatalf("%s: %v", token, err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"action":"echo"}`)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := c.ReadMessage()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(msg, &ev); err != nil {
			t.Fatal(err)
		}
		checkAuthorizer(t, "MESSAGE", ev, "user-"+token)
	}
	auths := inv.calls("auth")
	ev := auths[0]
	if ev["type"] != "REQUEST" || ev["methodArn"] != "arn:aws:execute-api:us-east-1:123456789012:wsapi/dev/$connect" {
		t.Errorf("authorizer event: type %v methodArn %v", ev["type"], ev["methodArn"])
	}
	rc, _ := ev["requestContext"].(map[string]any)
	if rc["routeKey"] != "$connect" || rc["eventType"] != "CONNECT" || rc["connectionId"] == nil || rc["authorizer"] != nil {
		t.Errorf("authorizer requestContext: %v", rc)
	}
	if _, ok := ev["isBase64Encoded"]; ok {
		t.Errorf("authorizer event has isBase64Encoded")
	}
	if h, _ := ev["headers"].(map[string]any); h["Auth"] != "h" {
		t.Errorf("authorizer headers: %v", ev["headers"])
	}
	connects := inv.calls("connect")
	if len(connects) != 2 {
		t.Fatalf("%d $connect calls, want 2", len(connects))
	}
	checkAuthorizer(t, "CONNECT", connects[0], "user-allow")
	// One request: the authorizer's and $connect's events share their ids.
	if crc, _ := connects[0]["requestContext"].(map[string]any); crc["requestId"] != rc["requestId"] || crc["connectionId"] != rc["connectionId"] {
		t.Errorf("$connect requestContext %v, authorizer's %v", crc, rc)
	}
}

func checkAuthorizer(t *testing.T, kind string, ev map[string]any, principal string) {
	t.Helper()
	rc, _ := ev["requestContext"].(map[string]any)
	a, _ := rc["authorizer"].(map[string]any)
	if a["principalId"] != principal || a["tier"] != "gold" || a["n"] != "3" || a["ok"] != "true" {
		t.Errorf("%s requestContext.authorizer = %v", kind, a)
	}
	if _, ok := a["integrationLatency"].(float64); !ok {
		t.Errorf("%s requestContext.authorizer.integrationLatency missing: %v", kind, a)
	}
}
