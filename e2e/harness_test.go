// Package e2e runs the apigw binary as users run it: a real process serving
// a template on loopback, real backends, real clients. Every expected value
// is API Gateway's observable behaviour (../../shared/aws-reference.md), not
// what apigw happens to do.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// apigwBin is the binary TestMain builds once for every test.
var apigwBin string

// moduleRoot is the repository root (the parent of this file's directory).
var moduleRoot string

func TestMain(m *testing.M) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		fmt.Fprintln(os.Stderr, "e2e: cannot locate the test sources")
		os.Exit(1)
	}
	moduleRoot = filepath.Dir(filepath.Dir(file))
	// APIGW_E2E_BIN runs a binary built elsewhere instead of building one.
	if bin := os.Getenv("APIGW_E2E_BIN"); bin != "" {
		apigwBin = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "apigw-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	apigwBin = filepath.Join(dir, "apigw")
	args := []string{"build", "-o", apigwBin}
	// APIGW_E2E_RACE=1 builds apigw itself with the race detector, so the
	// concurrency tests check the server too (slower).
	if os.Getenv("APIGW_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	args = append(args, "./cmd/apigw")
	build := exec.Command("go", args...)
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/apigw failed: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ---------------------------------------------------------------------------
// apigw processes

// Instance is one running `apigw serve`.
type Instance struct {
	BaseURL  string // http://127.0.0.1:PORT (data plane)
	AdminURL string // http://127.0.0.1:PORT (admin listener)
	Addr     string // 127.0.0.1:PORT (data plane)

	cmd    *exec.Cmd
	stdout *syncBuffer
	stderr *lineWriter
	exited chan struct{}
	code   int // exit code, valid once exited is closed

	stopOnce sync.Once
	stopCode int
	stopErr  error
}

// Stdout is what apigw printed on stdout so far (the route table).
func (in *Instance) Stdout() string { return in.stdout.String() }

// Stderr is what apigw logged so far.
func (in *Instance) Stderr() string { return in.stderr.String() }

// URL is BaseURL + path.
func (in *Instance) URL(path string) string { return in.BaseURL + path }

var servingLine = regexp.MustCompile(`msg="apigw serving".*\baddr=(\S+).*\badmin=(\S+)`)

// startAPIGW runs `apigw serve --addr 127.0.0.1:0 --admin-addr 127.0.0.1:0
// [args] TEMPLATE`, waits for its "apigw serving" log line and stops it
// with SIGTERM when the test ends (it must exit 0 within 10 s).
func startAPIGW(t *testing.T, template string, args ...string) *Instance {
	t.Helper()
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--data", t.TempDir()}, args...)
	full = append(full, template)
	in := &Instance{
		cmd:    exec.Command(apigwBin, full...),
		stdout: &syncBuffer{},
		exited: make(chan struct{}),
	}
	ready := make(chan [2]string, 1)
	in.stderr = &lineWriter{onLine: func(line string) {
		if m := servingLine.FindStringSubmatch(line); m != nil {
			select {
			case ready <- [2]string{m[1], m[2]}:
			default:
			}
		}
	}}
	in.cmd.Stdout = in.stdout
	in.cmd.Stderr = in.stderr
	in.cmd.Dir = t.TempDir()
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start apigw: %v", err)
	}
	go func() {
		err := in.cmd.Wait()
		in.code = exitCode(err)
		close(in.exited)
	}()
	t.Cleanup(func() {
		code, err := in.Stop()
		if in.Addr == "" {
			// It never served; startAPIGW has reported why.
		} else if err != nil {
			t.Errorf("apigw did not stop: %v", err)
		} else if code != 0 {
			t.Errorf("apigw exited %d after SIGTERM, want 0", code)
		}
		if t.Failed() {
			t.Logf("apigw %s\n--- stdout ---\n%s--- stderr ---\n%s", strings.Join(full, " "), clip(in.Stdout(), 4000), clip(in.Stderr(), 8000))
		}
	})
	select {
	case addrs := <-ready:
		in.Addr = addrs[0]
		in.BaseURL = "http://" + addrs[0]
		in.AdminURL = "http://" + addrs[1]
	case <-in.exited:
		t.Fatalf("apigw exited %d before serving\n--- stdout ---\n%s--- stderr ---\n%s", in.code, in.Stdout(), in.Stderr())
	case <-time.After(20 * time.Second):
		t.Fatalf("apigw did not log msg=\"apigw serving\" within 20 s\n--- stderr ---\n%s", in.Stderr())
	}
	return in
}

// Stop sends SIGTERM and waits up to 10 s for the exit code. It is safe to
// call more than once (the cleanup calls it too).
func (in *Instance) Stop() (int, error) {
	in.stopOnce.Do(func() {
		select {
		case <-in.exited:
			in.stopCode = in.code
			return
		default:
		}
		_ = in.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-in.exited:
			in.stopCode = in.code
		case <-time.After(10 * time.Second):
			_ = in.cmd.Process.Kill()
			<-in.exited
			in.stopCode = -1
			in.stopErr = errors.New("no exit within 10 s of SIGTERM (killed)")
		}
	})
	return in.stopCode, in.stopErr
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() >= 0 {
			return ee.ExitCode()
		}
		return 128 + int(ee.Sys().(syscall.WaitStatus).Signal())
	}
	return -1
}

// runValidate runs `apigw validate [args] TEMPLATE`.
func runValidate(t *testing.T, template string, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	full := append(append([]string{"validate"}, args...), template)
	return runCLI(t, full...)
}

// runCLI runs apigw with arguments and a 30 s limit.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, exit int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, apigwBin, args...)
	cmd.Dir = t.TempDir()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("apigw %s: no exit within 30 s", strings.Join(args, " "))
	}
	return out.String(), errb.String(), exitCode(err)
}

// runServeExpectFail runs `apigw serve` on a template that cannot be served:
// it must exit 1 within 10 s without ever listening on the address it was given.
func runServeExpectFail(t *testing.T, template string, args ...string) (stdout, stderr string) {
	t.Helper()
	addr := freeAddr(t)
	full := append([]string{"serve", "--addr", addr, "--admin-addr", freeAddr(t), "--data", t.TempDir()}, args...)
	full = append(full, template)
	cmd := exec.Command(apigwBin, full...)
	cmd.Dir = t.TempDir()
	var out syncBuffer
	var errb syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	listened := false
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if code := exitCode(err); code != 1 {
				t.Errorf("apigw serve on a broken template exited %d, want 1\nstderr:\n%s", code, errb.String())
			}
			if listened {
				t.Errorf("apigw serve on a broken template accepted connections on %s", addr)
			}
			if strings.Contains(errb.String(), "apigw serving") {
				t.Errorf("apigw serve on a broken template logged \"apigw serving\":\n%s", errb.String())
			}
			return out.String(), errb.String()
		case <-tick.C:
			if c, err := net.DialTimeout("tcp", addr, 50*time.Millisecond); err == nil {
				c.Close()
				listened = true
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("apigw serve on a broken template still running after 10 s\nstderr:\n%s", errb.String())
		}
	}
}

// freeAddr returns a loopback address nothing listens on (just now).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// ---------------------------------------------------------------------------
// files

// writeFile writes content to name in a fresh temporary folder and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// example is the path of a template in examples/.
func example(name string) string { return filepath.Join(moduleRoot, "examples", name) }

// testdata is the path of a file in e2e/testdata/.
func testdata(name string) string { return filepath.Join(moduleRoot, "e2e", "testdata", name) }

// ---------------------------------------------------------------------------
// backends

// recorded is one request a backend received.
type recorded struct {
	Method     string
	RequestURI string // the request target exactly as sent
	Path       string // RequestURI before '?'
	RawQuery   string // RequestURI after '?'
	Host       string
	Header     http.Header
	Body       []byte
}

// backend is a real HTTP server on loopback that records every request.
type backend struct {
	*httptest.Server
	name string
	mu   sync.Mutex
	reqs []recorded
	h    http.HandlerFunc
}

// newBackend starts a backend. h answers (nil: echoBody); the request body
// has been read already and is in r.Body again for h.
func newBackend(t *testing.T, name string, h http.HandlerFunc) *backend {
	t.Helper()
	b := &backend{name: name, h: h}
	if b.h == nil {
		b.h = b.echo
	}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path, query, _ := strings.Cut(r.RequestURI, "?")
		b.mu.Lock()
		b.reqs = append(b.reqs, recorded{
			Method: r.Method, RequestURI: r.RequestURI, Path: path, RawQuery: query,
			Host: r.Host, Header: r.Header.Clone(), Body: body,
		})
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		b.h(w, r)
	}))
	t.Cleanup(b.Server.Close)
	return b
}

// echo answers 200 JSON {"backend":NAME,"method":M,"uri":REQUEST_URI}.
func (b *backend) echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"backend":%q,"method":%q,"uri":%q}`, b.name, r.Method, r.RequestURI)
}

// echoBody is what echo answers for a request.
func echoBody(name, method, uri string) string {
	return fmt.Sprintf(`{"backend":%q,"method":%q,"uri":%q}`, name, method, uri)
}

// hostport is the backend's 127.0.0.1:PORT.
func (b *backend) hostport() string { return strings.TrimPrefix(b.URL, "http://") }

func (b *backend) requests() []recorded {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recorded(nil), b.reqs...)
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.reqs)
}

// last is the last request received; the test fails if there is none.
func (b *backend) last(t *testing.T) recorded {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.reqs) == 0 {
		t.Fatalf("backend %s received no request", b.name)
	}
	return b.reqs[len(b.reqs)-1]
}

func (b *backend) reset() {
	b.mu.Lock()
	b.reqs = nil
	b.mu.Unlock()
}

// ---------------------------------------------------------------------------
// clients

// client does not follow redirects, does not add Accept-Encoding, and
// gives up after 15 s.
var client = &http.Client{
	Timeout: 15 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
	Transport: &http.Transport{
		DisableCompression:  true,
		MaxIdleConnsPerHost: 64,
		Proxy:               nil,
	},
}

// response is a whole HTTP response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n", r.Status)
	for k, vs := range r.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	fmt.Fprintf(&b, "\n%s", clip(string(r.Body), 2000))
	return b.String()
}

// req describes a request for do.
type req struct {
	Method string
	URL    string
	Body   string
	Header map[string]string // set (one value each)
	Add    [][2]string       // added in order (repeated headers)
	Host   string            // Host header override
}

// do sends a request and reads the whole response.
func do(t *testing.T, r req) *response {
	t.Helper()
	resp, err := send(r)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Method, r.URL, err)
	}
	return resp
}

// send is do without a testing.T (for goroutines).
func send(r req) (*response, error) {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	hr, err := http.NewRequest(method, r.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range r.Header {
		hr.Header.Set(k, v)
	}
	for _, kv := range r.Add {
		hr.Header.Add(kv[0], kv[1])
	}
	if r.Host != "" {
		hr.Host = r.Host
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// simpleRequest is a raw request with no body that closes the connection.
func simpleRequest(in *Instance, method, target string) string {
	return method + " " + target + " HTTP/1.1\r\nHost: " + in.Addr + "\r\nConnection: close\r\n\r\n"
}

func get(t *testing.T, url string) *response {
	t.Helper()
	return do(t, req{Method: http.MethodGet, URL: url})
}

// rawRequest writes raw bytes on a new TCP connection and reads one
// response (net/http would clean or refuse what these tests send).
func rawRequest(t *testing.T, addr, raw string) *response {
	t.Helper()
	resp, err := rawExchange(addr, []byte(raw), 10*time.Second)
	if err != nil {
		t.Fatalf("raw request %q: %v", clip(raw, 200), err)
	}
	return resp
}

func rawExchange(addr string, raw []byte, timeout time.Duration) (*response, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	// Write in the background: the server may answer (and stop reading)
	// before the whole request is written.
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(raw)
		werr <- err
	}()
	// The method decides whether the response has a body (HEAD).
	method, _, _ := strings.Cut(string(raw[:min(len(raw), 16)]), " ")
	hr, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	defer hr.Body.Close()
	b, err := io.ReadAll(hr.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return &response{Status: hr.StatusCode, Header: hr.Header, Body: b}, nil
}

// ---------------------------------------------------------------------------
// assertions

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// assertAWSHeaders checks the headers API Gateway puts on every response:
// x-amzn-RequestId (a UUID) and x-amz-apigw-id.
func assertAWSHeaders(t *testing.T, r *response) {
	t.Helper()
	if id := r.Header.Get("x-amzn-RequestId"); !uuidRE.MatchString(id) {
		t.Errorf("x-amzn-RequestId = %q, want a lower-case UUID", id)
	}
	if r.Header.Get("x-amz-apigw-id") == "" {
		t.Errorf("x-amz-apigw-id missing")
	}
}

// assertGatewayError checks a gateway response: status, body byte for byte,
// Content-Type application/json, x-amzn-ErrorType (when errType is not
// ""), and the request id headers.
func assertGatewayError(t *testing.T, r *response, status int, body, errType string) {
	t.Helper()
	if r.Status != status || string(r.Body) != body {
		t.Errorf("got %d %q, want %d %q\n%s", r.Status, r.Body, status, body, r)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if errType != "" {
		if et := r.Header.Get("x-amzn-ErrorType"); et != errType {
			t.Errorf("x-amzn-ErrorType = %q, want %q", et, errType)
		}
	}
	assertAWSHeaders(t, r)
}

const (
	missingTokenBody = `{"message":"Missing Authentication Token"}`
	missingTokenType = "MissingAuthenticationTokenException"
	internalErrBody  = `{"message": "Internal server error"}`
	timeoutBody      = `{"message": "Endpoint request timed out"}`
	networkErrBody   = `{"message": "Network error communicating with endpoint"}`
)

func assertMissingToken(t *testing.T, r *response) {
	t.Helper()
	assertGatewayError(t, r, http.StatusForbidden, missingTokenBody, missingTokenType)
}

// assertStatusBody checks status and body byte for byte.
func assertStatusBody(t *testing.T, r *response, status int, body string) {
	t.Helper()
	if r.Status != status || string(r.Body) != body {
		t.Errorf("got %d %q, want %d %q\n%s", r.Status, clip(string(r.Body), 500), status, body, r)
	}
}

// assertHeader checks a response header's values, joined with ", ".
func assertHeader(t *testing.T, h http.Header, name, want string) {
	t.Helper()
	if got := strings.Join(h.Values(name), ", "); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// ---------------------------------------------------------------------------
// small things

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
}

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lineWriter keeps everything written and calls onLine for each whole line.
type lineWriter struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial []byte
	onLine  func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.all.Write(p)
	w.partial = append(w.partial, p...)
	var lines []string
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		lines = append(lines, string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	w.mu.Unlock()
	for _, l := range lines {
		w.onLine(l)
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}
