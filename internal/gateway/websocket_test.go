package gateway_test

// Proof that the fasthttp data plane carries WebSocket upgrades through
// github.com/fasthttp/websocket: a real gateway (Gateway.Server on
// FramingListener on a loopback listener), an upgrade handler registered as
// a Deps.Extra handler, a real WebSocket client, and REST traffic on other
// connections at the same time.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apigw/apigw/internal/gateway"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/template"
	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

const wsProofTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: wsproof}
  Items:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: items}
  Mock:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Items
      HttpMethod: GET
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [Mock]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

const wsProofPath = "/ws-proof"

// wsHandshakeHeaders are the request headers FastHTTPUpgrader reads, in the
// spelling it peeks them with (fasthttp's normalized form).
var wsHandshakeHeaders = []string{"Connection", "Upgrade", "Sec-Websocket-Version", "Sec-Websocket-Key", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Origin"}

// canonicalizeHandshake copies the handshake headers to the names
// FastHTTPUpgrader peeks. Gateway.Server sets DisableHeaderNamesNormalizing,
// so fasthttp's Peek is an exact, case-sensitive match: a client's
// "Sec-WebSocket-Key" (browsers, gorilla's Dialer) or "sec-websocket-key"
// is not found under "Sec-Websocket-Key" and the upgrader answers 400.
func canonicalizeHandshake(h *fasthttp.RequestHeader) {
	for _, name := range wsHandshakeHeaders {
		if len(h.Peek(name)) > 0 {
			continue
		}
		for k, v := range h.All() {
			if strings.EqualFold(string(k), name) {
				h.Set(name, string(v))
				break
			}
		}
	}
}

type wsProof struct {
	upgrader  websocket.FastHTTPUpgrader
	canonical bool       // apply canonicalizeHandshake before upgrading
	pump      bool       // read and write on separate goroutines (gorilla's chat example)
	ended     chan error // each server connection's read error when it ends
}

func newWSProof(canonical, pump bool) *wsProof {
	return &wsProof{
		upgrader:  websocket.FastHTTPUpgrader{CheckOrigin: func(*fasthttp.RequestCtx) bool { return true }},
		canonical: canonical,
		pump:      pump,
		ended:     make(chan error, 16),
	}
}

func (p *wsProof) handler(ctx *fasthttp.RequestCtx) {
	if p.canonical {
		canonicalizeHandshake(&ctx.Request.Header)
	}
	// On a refused handshake Upgrade has written the error answer.
	_ = p.upgrader.Upgrade(ctx, func(c *websocket.Conn) {
		defer c.Close()
		if !p.pump {
			for {
				mt, msg, err := c.ReadMessage()
				if err != nil {
					p.ended <- err
					return
				}
				if err := c.WriteMessage(mt, msg); err != nil {
					p.ended <- err
					return
				}
			}
		}
		// A reader and a writer goroutine, as real WebSocket servers do:
		// the connection is read and written at the same time.
		type message struct {
			mt  int
			msg []byte
		}
		out := make(chan message, 64)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for m := range out {
				if err := c.WriteMessage(m.mt, m.msg); err != nil {
					return
				}
			}
		}()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				close(out)
				<-done
				p.ended <- err
				return
			}
			out <- message{mt, msg}
		}
	})
}

// wsGateway serves a gateway with the proof's upgrade handler on a real
// loopback listener behind FramingListener and returns its address.
func wsGateway(t *testing.T, p *wsProof) string {
	t.Helper()
	addr, _ := wsGatewayServer(t, p)
	return addr
}

func wsGatewayServer(t *testing.T, p *wsProof) (string, *fasthttp.Server) {
	t.Helper()
	opts := template.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "wsproof", Types: model.Types()}
	tpl, err := template.Parse("wsproof.yaml", []byte(wsProofTemplate), opts)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Build(tpl, model.Options{Region: "us-east-1", AccountID: "123456789012", StackName: "wsproof"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := gateway.New(m, gateway.Deps{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Extra:  []gateway.Extra{{Match: func(path string) bool { return path == wsProofPath }, Handler: p.handler}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := g.Server()
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(gateway.FramingListener(ln)) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.ShutdownWithContext(ctx)
		<-served
	})
	return ln.Addr().String(), srv
}

func wsDial(t *testing.T, addr string) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial("ws://"+addr+wsProofPath, nil)
	if err != nil {
		status := 0
		var body []byte
		if resp != nil {
			status = resp.StatusCode
			body, _ = io.ReadAll(resp.Body)
		}
		t.Fatalf("dial: %v (status %d, %q)", err, status, body)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", resp.StatusCode)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wsEcho(t *testing.T, c *websocket.Conn, mt int, msg []byte) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(mt, msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	gotType, got, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read echo of a %d-byte message: %v", len(msg), err)
	}
	if gotType != mt || !bytes.Equal(got, msg) {
		t.Fatalf("echo: type %d, %d bytes (%.40q); sent type %d, %d bytes (%.40q)", gotType, len(got), got, mt, len(msg), msg)
	}
}

// restLoad sends n REST requests from workers goroutines (net/http client,
// its own connections) and reports the first wrong answer.
func restLoad(addr string, workers, n int) error {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/workers; i++ {
				resp, err := client.Get("http://" + addr + "/prod/items")
				if err != nil {
					errs <- err
					return
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || string(body) != `{"ok":true}` || resp.Header.Get("x-amzn-RequestId") == "" {
					errs <- fmt.Errorf("REST answer %d %q (%v)", resp.StatusCode, body, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestWebSocketUpgradeOnGateway is the main proof: upgrade, text and binary
// echo, a 100 KB message, messages with bare LFs and blank lines, many
// messages, REST requests answered on other connections meanwhile, and a
// close handshake with a code.
func TestWebSocketUpgradeOnGateway(t *testing.T) {
	p := newWSProof(true, false)
	addr := wsGateway(t, p)

	rest := make(chan error, 1)
	go func() { rest <- restLoad(addr, 4, 400) }()

	c := wsDial(t, addr)
	wsEcho(t, c, websocket.TextMessage, []byte("hello"))
	wsEcho(t, c, websocket.BinaryMessage, []byte{0, 1, 2, 0xff, '\r', '\n', 0x81, 0x88})
	big := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
	wsEcho(t, c, websocket.BinaryMessage, big)
	wsEcho(t, c, websocket.TextMessage, big)
	// What FramingListener watches for in header blocks, inside frames.
	wsEcho(t, c, websocket.TextMessage, []byte("\n\n"))
	wsEcho(t, c, websocket.TextMessage, []byte("GET / HTTP/1.1\nHost: x\n\n"))
	wsEcho(t, c, websocket.BinaryMessage, []byte("\r\n\r\n\n\n\r\r\n"))
	for i := 0; i < 2000; i++ {
		msg := fmt.Appendf(nil, "message %d\n\nline\nGET / HTTP/1.1\n\n", i)
		mt := websocket.TextMessage
		if i%2 == 1 {
			mt = websocket.BinaryMessage
		}
		wsEcho(t, c, mt, msg)
	}
	// Many messages in flight at once: the reads that follow the server's
	// writes start in the middle of frames.
	const burst = 500
	written := make(chan struct{})
	go func() {
		defer close(written)
		for i := 0; i < burst; i++ {
			_ = c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "GET /%d HTTP/1.1\n\n%s", i, big[:i*37]))
		}
	}()
	for i := 0; i < burst; i++ {
		_, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("burst message %d: %v", i, err)
		}
		if want := fmt.Appendf(nil, "GET /%d HTTP/1.1\n\n%s", i, big[:i*37]); !bytes.Equal(got, want) {
			t.Fatalf("burst message %d: %d bytes, want %d", i, len(got), len(want))
		}
	}
	<-written

	if err := <-rest; err != nil {
		t.Fatalf("REST beside the WebSocket: %v", err)
	}

	// Close handshake: the server sees the client's code and echoes it.
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "bye")); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, 4000) {
		t.Fatalf("client read after close: %v, want close 4000", err)
	}
	select {
	case err := <-p.ended:
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4000 || ce.Text != "bye" {
			t.Fatalf("server saw %v, want close 4000 bye", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("server connection did not end")
	}
}

// TestWebSocketHandshakeHeaderCase shows why the upgrade handler must
// canonicalize the handshake headers on this server: with fasthttp's
// header-name normalizing disabled (Gateway.Server), FastHTTPUpgrader finds
// no Sec-Websocket-Key in a handshake spelt as browsers spell it.
func TestWebSocketHandshakeHeaderCase(t *testing.T) {
	// names maps each handshake header to its spelling in the request.
	handshake := func(addr string, names func(string) string) string {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n%s: websocket\r\n%s: Upgrade\r\n%s: dGhlIHNhbXBsZSBub25jZQ==\r\n%s: 13\r\n\r\n",
			wsProofPath, addr, names("Upgrade"), names("Connection"), names("Sec-WebSocket-Key"), names("Sec-WebSocket-Version"))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("Sec-WebSocket-Accept"))
	}
	const accepted = "101 s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" // RFC 6455 §1.3's example
	spellings := map[string]func(string) string{
		"browser":   func(s string) string { return s },
		"lowercase": strings.ToLower,
		"uppercase": strings.ToUpper,
		"fasthttp":  func(s string) string { return strings.ReplaceAll(s, "WebSocket", "Websocket") },
	}

	raw := wsGateway(t, newWSProof(false, false))
	for name, spell := range spellings {
		t.Logf("FastHTTPUpgrader alone on Gateway.Server, %s spelling: %s", name, handshake(raw, spell))
	}
	fixed := wsGateway(t, newWSProof(true, false))
	for name, spell := range spellings {
		if got := handshake(fixed, spell); got != accepted {
			t.Errorf("%s spelling: %s, want %s", name, got, accepted)
		}
	}
}

// TestWebSocketConcurrentReadWrite reads and writes each server connection
// on two goroutines at once, as WebSocket servers do (gorilla's chat
// example). Run with -race: the connection under the hijacked conn is
// FramingListener's, and it must not keep state that reads and writes share
// after the upgrade. (framingConn.Write resets the scan state that Read
// uses: a data race once the connection is hijacked. The fix: stop framing
// for good on the serving goroutine when the handler hijacks, before the 101
// is written; see TestWebSocketFramesAfterServerWrite.)
func TestWebSocketConcurrentReadWrite(t *testing.T) {
	p := newWSProof(true, true)
	addr := wsGateway(t, p)
	// Several connections: the race detector sees a conflict only when a
	// read and a write really overlap in time.
	for range 8 {
		c := wsDial(t, addr)
		const n = 1000
		written := make(chan struct{})
		go func() {
			defer close(written)
			for i := 0; i < n; i++ {
				_ = c.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "%d\n\nGET / HTTP/1.1\n\n", i))
			}
		}()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for i := 0; i < n; i++ {
			_, got, err := c.ReadMessage()
			if err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if want := fmt.Sprintf("%d\n\nGET / HTTP/1.1\n\n", i); string(got) != want {
				t.Fatalf("message %d: %q", i, got)
			}
		}
		<-written
		_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		if err := <-p.ended; !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			t.Fatalf("server: %v", err)
		}
	}
}

// wsFrame is a client frame with a zero masking key, so its payload is on
// the wire as is (RFC 6455 lets a client choose any key).
func wsFrame(opcode byte, payload []byte) []byte {
	f := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, 0, 0, 0, 0)
	return append(f, payload...)
}

// TestWebSocketFramesAfterServerWrite sends a frame whose payload reaches the
// server in its own read right after the server has written (here a pong)
// and looks like a bare-LF request: FramingListener must not judge bytes
// after the upgrade as an HTTP header block. (framingConn starts scanning
// again after every Write, the 101 and each server frame included; a read
// that begins with a request line and a bare-LF blank line fails with
// errBareLF and ends the WebSocket. The fix: after the handler returns,
// Gateway.Handle calls "if ctx.Hijacked() { stopFraming(ctx.Conn()) }", which
// sets an upgraded flag on the *framingConn that Write checks before
// resetting the scan; it runs before fasthttp writes the 101 and starts the
// hijack goroutine, so no lock is needed.)
func TestWebSocketFramesAfterServerWrite(t *testing.T) {
	p := newWSProof(true, false)
	addr := wsGateway(t, p)
	c := wsDial(t, addr)
	raw := c.NetConn()
	payload := []byte("GET / HTTP/1.1\n\n")
	frame := wsFrame(websocket.TextMessage, payload)
	head := frame[:len(frame)-len(payload)]
	// A ping and the text frame's head in one write: the server reads them,
	// answers the ping with a pong (a write) and waits for the payload.
	if _, err := raw.Write(append(wsFrame(websocket.PingMessage, []byte("p")), head...)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if _, err := raw.Write(payload); err != nil {
		t.Fatal(err)
	}
	// The payload's read returns its bytes; an error a read returns with
	// them reaches the server's websocket.Conn on its next read, so a
	// message after it must be answered too.
	for i, msg := range [][]byte{payload, []byte("after")} {
		if i > 0 {
			if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
				t.Fatal(err)
			}
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, got, err := c.ReadMessage() // the pong is handled inside ReadMessage
		if err != nil || !bytes.Equal(got, msg) {
			var serverErr error
			select {
			case serverErr = <-p.ended:
			case <-time.After(time.Second):
			}
			t.Fatalf("echo %q, %v; the server connection ended with: %v", got, err, serverErr)
		}
	}
}

// TestWebSocketOutlivesShutdown records what fasthttp's graceful shutdown
// does with upgraded connections: nothing. A hijacked connection is no longer
// the server's (not counted as open, not waited for, not closed), so the
// gateway must track its WebSocket connections and close them itself (1001
// going away) when it stops.
func TestWebSocketOutlivesShutdown(t *testing.T) {
	addr, srv := wsGatewayServer(t, newWSProof(true, false))
	c := wsDial(t, addr)
	wsEcho(t, c, websocket.TextMessage, []byte("before"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := srv.ShutdownWithContext(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v with a WebSocket open", d)
	}
	wsEcho(t, c, websocket.TextMessage, []byte("after shutdown"))
}
