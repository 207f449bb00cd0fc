package e2e

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

const maxPayload = 10485760 // API Gateway's 10 MB payload limit

// limitsAPI serves routing.yaml: GET/POST /prod/users, GET /prod/users/{id}.
func limitsAPI(t *testing.T) (*Instance, *backend) {
	t.Helper()
	be := newBackend(t, "backend", nil)
	return startAPIGW(t, testdata("routing.yaml"), "--param", "BackendUrl="+be.URL), be
}

// TestBodyLimit: a body over 10 MB is refused with 413 and API Gateway's
// plain-text message; one just under it reaches the backend intact.
func TestBodyLimit(t *testing.T) {
	in, be := limitsAPI(t)

	t.Run("over 10 MB, Content-Length", func(t *testing.T) {
		head := fmt.Sprintf("POST /prod/users HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", in.Addr, maxPayload+1)
		raw := append([]byte(head), bytes.Repeat([]byte("x"), maxPayload+1)...)
		r, err := rawExchange(in.Addr, raw, 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		assertStatusBody(t, r, 413, "HTTP content length exceeded 10485760 bytes.")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/") {
			t.Errorf("Content-Type = %q, want text", ct)
		}
		if be.count() != 0 {
			t.Errorf("the backend received the oversized request")
		}
	})

	t.Run("over 10 MB, chunked", func(t *testing.T) {
		var raw bytes.Buffer
		fmt.Fprintf(&raw, "POST /prod/users HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n", in.Addr)
		chunk := bytes.Repeat([]byte("y"), 1<<20)
		for range 11 {
			fmt.Fprintf(&raw, "%x\r\n%s\r\n", len(chunk), chunk)
		}
		raw.WriteString("0\r\n\r\n")
		r, err := rawExchange(in.Addr, raw.Bytes(), 20*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != 413 {
			t.Errorf("status %d, want 413\n%s", r.Status, r)
		}
		if be.count() != 0 {
			t.Errorf("the backend received the oversized request")
		}
	})

	t.Run("just under 10 MB", func(t *testing.T) {
		body := bytes.Repeat([]byte("0123456789abcdef"), (maxPayload-4096)/16)
		r := do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: string(body),
			Header: map[string]string{"Content-Type": "application/octet-stream"}})
		assertStatusBody(t, r, 200, echoBody("backend", "POST", "/users-post"))
		got := be.last(t)
		if len(got.Body) != len(body) || sha256.Sum256(got.Body) != sha256.Sum256(body) {
			t.Errorf("backend got %d bytes, want the %d sent", len(got.Body), len(body))
		}
	})

	// Still serving.
	assertStatusBody(t, get(t, in.URL("/prod/users")), 200, echoBody("backend", "GET", "/users-get"))
}

// TestHeaderLimit: request line and headers are limited to 10240 bytes.
// A request within it is served whole; one over it is refused (4xx) and
// the next request is served.
func TestHeaderLimit(t *testing.T) {
	in, be := limitsAPI(t)

	t.Run("8 KB header is served", func(t *testing.T) {
		big := strings.Repeat("a", 8000)
		r := do(t, req{URL: in.URL("/prod/users"), Header: map[string]string{"X-Big": big}})
		assertStatusBody(t, r, 200, echoBody("backend", "GET", "/users-get"))
		if got := be.last(t).Header.Get("X-Big"); got != big {
			t.Errorf("backend got X-Big of %d bytes, want %d", len(got), len(big))
		}
	})

	t.Run("over 10240 bytes is refused", func(t *testing.T) {
		be.reset()
		for _, hs := range [][]string{
			{"X-Big: " + strings.Repeat("b", 11000)},
			{"X-A: " + strings.Repeat("c", 6000), "X-B: " + strings.Repeat("d", 6000)},
		} {
			raw := "GET /prod/users HTTP/1.1\r\nHost: " + in.Addr + "\r\n" + strings.Join(hs, "\r\n") + "\r\nConnection: close\r\n\r\n"
			r, err := rawExchange(in.Addr, []byte(raw), 10*time.Second)
			if err != nil {
				t.Fatalf("no response to an oversized header: %v", err)
			}
			if r.Status < 400 || r.Status > 499 {
				t.Errorf("oversized header: status %d, want 4xx\n%s", r.Status, r)
			}
		}
		if be.count() != 0 {
			t.Errorf("the backend received a request with oversized headers")
		}
		assertStatusBody(t, get(t, in.URL("/prod/users")), 200, echoBody("backend", "GET", "/users-get"))
	})
}

// TestHostileRequests: malformed requests get 400 and the server goes on.
func TestHostileRequests(t *testing.T) {
	in, be := limitsAPI(t)
	cases := []struct{ name, raw string }{
		{"invalid percent-encoding", simpleRequest(in, "GET", "/prod/users/%zz")},
		{"truncated percent-encoding", simpleRequest(in, "GET", "/prod/users/%4")},
		{"dot-dot segment", simpleRequest(in, "GET", "/prod/users/../users")},
		{"dot-dot out of the stage", simpleRequest(in, "GET", "/prod/../prod/users")},
		{"garbage request line", "GARBAGE\r\n\r\n"},
		{"HTTP/1.1 without Host", "GET /prod/users HTTP/1.1\r\nConnection: close\r\n\r\n"},
		{"space before the colon", "GET /prod/users HTTP/1.1\r\nHost: " + in.Addr + "\r\nX-Bad : v\r\nConnection: close\r\n\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be.reset()
			r, err := rawExchange(in.Addr, []byte(c.raw), 10*time.Second)
			if err != nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if r.Status != 400 {
				t.Errorf("status %d, want 400\n%s", r.Status, r)
			}
			if be.count() != 0 {
				t.Errorf("the backend received %q", be.last(t).RequestURI)
			}
			// The server is still up.
			assertStatusBody(t, get(t, in.URL("/prod/users/1")), 200, echoBody("backend", "GET", "/user-get/1"))
		})
	}
}

// TestLongPath: a method ARN over 1600 bytes is 414 (AGW-DG:limits).
func TestLongPath(t *testing.T) {
	in, be := limitsAPI(t)
	r := rawRequest(t, in.Addr, simpleRequest(in, "GET", "/prod/users/"+strings.Repeat("x", 1700)))
	if r.Status != 414 {
		t.Errorf("status %d, want 414\n%s", r.Status, r)
	}
	if be.count() != 0 {
		t.Errorf("the backend received the request")
	}
}

// TestSmuggling: a request with both Content-Length and Transfer-Encoding
// must not let a second request hide in its body.
func TestSmuggling(t *testing.T) {
	in, be := limitsAPI(t)
	smuggled := "GET /prod/users/smuggled HTTP/1.1\r\nHost: " + in.Addr + "\r\n\r\n"
	body := "0\r\n\r\n" + smuggled
	raw := "POST /prod/users HTTP/1.1\r\nHost: " + in.Addr + "\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + body
	c, err := net.Dial("tcp", in.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.Write([]byte(raw))
	// Read whatever comes until the server closes or goes quiet.
	buf := make([]byte, 64<<10)
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	for _, r := range be.requests() {
		if strings.Contains(r.RequestURI, "smuggled") {
			t.Errorf("a request smuggled in a body reached the backend: %s %s", r.Method, r.RequestURI)
		}
	}
	assertStatusBody(t, get(t, in.URL("/prod/users")), 200, echoBody("backend", "GET", "/users-get"))
}

// TestPipelining: requests written back to back on one connection are
// answered in order.
func TestPipelining(t *testing.T) {
	in, _ := limitsAPI(t)
	c, err := net.Dial("tcp", in.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var raw strings.Builder
	for i := range 5 {
		fmt.Fprintf(&raw, "GET /prod/users/%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, in.Addr)
	}
	if _, err := c.Write([]byte(raw.String())); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i := range 5 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := echoBody("backend", "GET", fmt.Sprintf("/user-get/%d", i)); resp.StatusCode != 200 || string(b) != want {
			t.Errorf("response %d: %d %q, want 200 %q", i, resp.StatusCode, b, want)
		}
	}
}

// TestSlowClient: a client that sends half a header and stalls does not
// hold up anyone else.
func TestSlowClient(t *testing.T) {
	in, _ := limitsAPI(t)
	var stalled []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", in.Addr)
		if err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, c)
		fmt.Fprintf(c, "GET /prod/users HTTP/1.1\r\nHost: %s\r\nX-Partial: ab", in.Addr)
	}
	defer func() {
		for _, c := range stalled {
			c.Close()
		}
	}()
	for i := range 5 {
		start := time.Now()
		r := get(t, in.URL(fmt.Sprintf("/prod/users/%d", i)))
		assertStatusBody(t, r, 200, echoBody("backend", "GET", fmt.Sprintf("/user-get/%d", i)))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("request %d took %v while clients stalled", i, d)
		}
	}
}

// TestConcurrentRequests: 200 requests at once all get their own answer.
func TestConcurrentRequests(t *testing.T) {
	in, be := limitsAPI(t)
	const n = 200
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	tr := &http.Transport{MaxIdleConnsPerHost: n, DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Transport: tr, Timeout: 20 * time.Second}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := cl.Get(in.URL(fmt.Sprintf("/prod/users/%d", i)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			if want := echoBody("backend", "GET", fmt.Sprintf("/user-get/%d", i)); resp.StatusCode != 200 || b.String() != want {
				errs <- fmt.Errorf("request %d: %d %q, want 200 %q", i, resp.StatusCode, b.String(), want)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := be.count(); got != n {
		t.Errorf("backend received %d requests, want %d", got, n)
	}
}
