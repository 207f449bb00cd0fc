package websocket

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/model"
	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// mockModel is a WebSocket API on stage "dev" whose routes are MOCK
// integrations: $connect, $disconnect and a two-way "ping".
func mockModel() *model.Model {
	in := &model.WSIntegration{LogicalID: "Mock", Type: model.Mock, Timeout: time.Second}
	api := &model.WebSocketAPI{ID: "ws", LogicalID: "Ws", RouteSelection: "$request.body.action",
		Routes: map[string]*model.WSRoute{
			"$connect":    {Key: "$connect", AuthorizationType: "NONE", Integration: in},
			"$disconnect": {Key: "$disconnect", AuthorizationType: "NONE", Integration: in},
			"ping":        {Key: "ping", AuthorizationType: "NONE", Integration: in, TwoWay: true},
		},
		Stages: []*model.WSStage{{Name: "dev"}}}
	return &model.Model{WebSocketAPIs: []*model.WebSocketAPI{api}}
}

// serve runs a server for the model on a loopback port.
func serve(t *testing.T, limits Limits) (*Hub, string) {
	t.Helper()
	return serveModel(t, mockModel(), limits, nil)
}

func serveModel(t *testing.T, m *model.Model, limits Limits, buckets *limit.Buckets) (*Hub, string) {
	t.Helper()
	hub := NewHub()
	s, err := New(Config{Model: m, Hub: hub, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: limits, Buckets: buckets})
	if err != nil {
		t.Fatal(err)
	}
	hub.Activate(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Idle fasthttp workers go quickly, so the goroutine count settles.
	srv := &fasthttp.Server{MaxIdleWorkerDuration: 50 * time.Millisecond, Handler: func(ctx *fasthttp.RequestCtx) {
		if s.Claims(ctx, string(ctx.Path())) {
			s.Handle(ctx)
		}
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { hub.CloseAll(time.Second); srv.Shutdown() })
	return hub, "ws://" + ln.Addr().String() + "/dev"
}

// TestGoroutinesReturn: after many clients connect, talk and go, the
// goroutine count is back at its base and the hub is empty.
func TestGoroutinesReturn(t *testing.T) {
	hub, url := serve(t, DefaultLimits)
	// A first connection warms what is made once (pools, timers).
	warm, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	warm.Close()
	waitFor(t, func() bool { return hub.Count() == 0 })
	base := runtime.NumGoroutine()
	var conns []*websocket.Conn
	for range 50 {
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.WriteMessage(websocket.TextMessage, []byte(`{"action":"ping"}`)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil { // the two-way route's (empty) answer
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	waitFor(t, func() bool { return hub.Count() == 50 })
	for i, c := range conns {
		if i%2 == 0 {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		}
		c.Close() // the others just drop
	}
	waitFor(t, func() bool { return hub.Count() == 0 })
	waitFor(t, func() bool { return runtime.NumGoroutine() <= base })
}

// TestIdleTimeout: a connection without messages for the idle timeout is
// closed with 1001 (going away).
func TestIdleTimeout(t *testing.T) {
	limits := DefaultLimits
	limits.IdleTimeout = 300 * time.Millisecond
	_, url := serve(t, limits)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err = c.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("read: %v, want a close 1001", err)
	}
}

// TestMaxDuration: a connection is closed with 1001 at the duration limit
// even while it is busy.
func TestMaxDuration(t *testing.T) {
	limits := DefaultLimits
	limits.MaxDuration = 400 * time.Millisecond
	_, url := serve(t, limits)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		c.WriteMessage(websocket.TextMessage, []byte(`{"action":"ping"}`))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, _, err := c.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
				t.Fatalf("read: %v, want a close 1001", err)
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the connection outlived its duration limit")
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 10 s (goroutines %d)\n%s", runtime.NumGoroutine(), stacks())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stacks() string {
	b := make([]byte, 1<<16)
	return string(b[:runtime.Stack(b, true)])
}

// TestSlowClientClosed: a client that never reads is closed once a write
// to it outlasts the write timeout; another client is unaffected.
func TestSlowClientClosed(t *testing.T) {
	limits := DefaultLimits
	limits.WriteTimeout = 200 * time.Millisecond
	hub, url := serve(t, limits)
	slow, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	fast, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	waitFor(t, func() bool { return hub.Count() == 2 })
	var slowID string
	hub.mu.RLock()
	for id := range hub.conns {
		slowID = id // either: the other is checked below by reading
		break
	}
	hub.mu.RUnlock()
	msg := make([]byte, 64<<10)
	for i := range msg {
		msg[i] = 'x'
	}
	// Fill the socket buffers of the connection that is not read.
	deadline := time.Now().Add(10 * time.Second)
	for hub.Send(slowID, msg) == nil {
		if time.Now().After(deadline) {
			t.Fatal("writes to a client that does not read never failed")
		}
	}
	if err := hub.Send(slowID, []byte("x")); err != ErrGone {
		t.Fatalf("after the failed write: %v, want ErrGone", err)
	}
	waitFor(t, func() bool { return hub.Count() == 1 })
	// The other connection still answers.
	var otherID string
	hub.mu.RLock()
	for id := range hub.conns {
		otherID = id
	}
	hub.mu.RUnlock()
	if err := hub.Send(otherID, []byte("still here")); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidUTF8: a text message that is not UTF-8 closes with 1007.
func TestInvalidUTF8(t *testing.T) {
	_, url := serve(t, DefaultLimits)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte{'{', 0xff, 0xfe, '}'})
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := c.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseInvalidFramePayloadData) {
		t.Fatalf("read: %v, want a close 1007", err)
	}
}

// TestThrottle: a route's RouteSettings throttle (else the stage's
// DefaultRouteSettings) answers messages past its burst in band, without
// the integration; the handshake past $connect's burst gets 429.
func TestThrottle(t *testing.T) {
	m := mockModel()
	st := m.WebSocketAPIs[0].Stages[0]
	st.Throttle = &model.Throttle{Rate: 0.001, Burst: 2}                           // $connect, $disconnect
	st.RouteThrottles = map[string]model.Throttle{"ping": {Rate: 0.001, Burst: 3}} // ping
	_, url := serveModel(t, m, DefaultLimits, limit.NewBuckets(limit.System))
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got []string
	for range 5 {
		c.WriteMessage(websocket.TextMessage, []byte(`{"action":"ping"}`))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, msg, err := c.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(msg))
	}
	for i, msg := range got {
		throttled := len(msg) > 0 && bytes.Contains([]byte(msg), []byte(`"message": "Too Many Requests"`))
		if throttled != (i >= 3) {
			t.Fatalf("message %d: %q (all: %q)", i, msg, got)
		}
	}
	c2, _, err := websocket.DefaultDialer.Dial(url, nil) // the second token of $connect
	if err != nil {
		t.Fatal(err)
	}
	c2.Close()
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != 429 {
		t.Fatalf("third handshake: %v %v, want 429", err, resp)
	}
}

// hangingInvoker never answers: it returns when the invocation's context
// ends, as the Lambda runtime does at a timeout.
type hangingInvoker struct{}

func (hangingInvoker) Invoke(ctx context.Context, _ string, _ []byte) (lambda.Result, error) {
	<-ctx.Done()
	return lambda.Result{}, ctx.Err()
}

// TestHangingConnect: a $connect function that hangs is given up at the
// integration's timeout: the handshake gets 504 and no connection stays.
func TestHangingConnect(t *testing.T) {
	m := mockModel()
	m.WebSocketAPIs[0].Routes["$connect"].Integration = &model.WSIntegration{Type: model.AWSProxy, Function: "hangs", Timeout: 300 * time.Millisecond}
	hub := NewHub()
	s, err := New(Config{Model: m, Hub: hub, Invoker: hangingInvoker{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hub.Activate(s)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: s.Handle}
	go srv.Serve(ln)
	defer srv.Shutdown()
	start := time.Now()
	_, resp, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/dev", nil)
	if err == nil || resp == nil || resp.StatusCode != 504 {
		t.Fatalf("handshake: %v %v, want 504", err, resp)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the handshake took %v", took)
	}
	if hub.Count() != 0 {
		t.Fatalf("%d connections after a refused handshake", hub.Count())
	}
}
