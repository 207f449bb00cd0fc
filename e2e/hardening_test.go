package e2e

// Issue 12's defects, each on the real binary: what a new user or an
// attacker met, and what apigw does now.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hardeningAPI serves testdata/hardening.yaml with an echo backend behind
// /prod/proxy.
func hardeningAPI(t *testing.T) (*Instance, *backend) {
	t.Helper()
	rtRequireInterpreters(t)
	be := newBackend(t, "backend", nil)
	return startAPIGW(t, testdata("hardening.yaml"), "--param", "BackendUrl="+be.URL), be
}

// TestLongLogLine: a function that prints a line over 1 MB keeps working, as
// on AWS; the log keeps the line cut at CloudWatch's 256 KB and goes on.
func TestLongLogLine(t *testing.T) {
	t.Parallel()
	in, _ := hardeningAPI(t)
	for i := 1; i <= 3; i++ {
		assertStatusBody(t, get(t, in.URL("/prod/loud")), 200, fmt.Sprintf(`{"n": %d}`, i))
	}
	long := strings.Repeat("y", 256<<10)
	var cut, after int
	// The log is written in batches: give the last lines a moment.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		cut, after = 0, 0
		for _, line := range strings.Split(in.Stderr(), "\n") {
			if !strings.Contains(line, "function=hard-loud") {
				continue
			}
			if strings.Contains(line, long) {
				cut++
				if strings.Contains(line, long+"y") {
					t.Fatalf("a logged line holds more than 256 KB of the function's output (%d bytes)", len(line))
				}
			}
			if strings.Contains(line, "after the long line") {
				after++
			}
		}
		if cut == 3 && after == 3 {
			return
		}
	}
	t.Errorf("log: %d cut long lines and %d lines after them, want 3 and 3", cut, after)
}

// TestLambdaPayloadLimit: an event over Lambda's 6 MB invocation limit is
// not sent to the function; the client gets the answer recorded on AWS
// (aws-reference §13). A body that keeps the event under it reaches the
// function whole.
func TestLambdaPayloadLimit(t *testing.T) {
	t.Parallel()
	in, _ := hardeningAPI(t)
	big := strings.Repeat("z", 7<<20)
	r := do(t, req{Method: "POST", URL: in.URL("/prod/body"), Body: big, Header: map[string]string{"Content-Type": "text/plain"}})
	assertGatewayError(t, r, http.StatusRequestEntityTooLarge, `{"message": "Request Too Long"}`, "BadRequestException")
	if h := r.Header.Get("X-Amzn-Trace-Id"); h != "" {
		t.Errorf("a gateway error carries X-Amzn-Trace-Id %q", h)
	}
	// Just under: 5 MB of body, the event's other fields well within 1 MB.
	ok := strings.Repeat("w", 5<<20)
	r = do(t, req{Method: "POST", URL: in.URL("/prod/body"), Body: ok, Header: map[string]string{"Content-Type": "text/plain"}})
	// n is 1: the oversized request never reached the function.
	assertStatusBody(t, r, 200, fmt.Sprintf(`{"len": %d, "n": 1}`, len(ok)))
}

// TestGatewayErrorHeaders: API Gateway's own error answers carry no
// X-Amzn-Trace-Id (a function's answers do); the Lambda Invoke API's answers
// carry Lambda's headers, not API Gateway's x-amz-apigw-id; and both 431
// answers (too long a request line plus headers, and too long for the read
// buffer) look alike.
func TestGatewayErrorHeaders(t *testing.T) {
	t.Parallel()
	in, _ := hardeningAPI(t)

	t.Run("Lambda 502 has no trace id", func(t *testing.T) {
		r := get(t, in.URL("/prod/fail"))
		assertGatewayError(t, r, http.StatusBadGateway, internalErrBody, rtInternalErrType)
		if h := r.Header.Get("X-Amzn-Trace-Id"); h != "" {
			t.Errorf("502 carries X-Amzn-Trace-Id %q", h)
		}
	})
	t.Run("Lambda 200 has a trace id", func(t *testing.T) {
		r := get(t, in.URL("/prod/ok"))
		assertStatusBody(t, r, 200, "ok")
		if h := r.Header.Get("X-Amzn-Trace-Id"); !strings.HasPrefix(h, "Root=1-") {
			t.Errorf("X-Amzn-Trace-Id = %q, want Root=1-...", h)
		}
	})
	t.Run("multiValueHeaders are one header line per value", func(t *testing.T) {
		// AWS: "returning multiple headers with the same name in the API
		// response" (the multi-value launch note); Set-Cookie needs it.
		r := rawRequest(t, in.Addr, simpleRequest(in, "GET", "/prod/ok"))
		if got := r.Header.Values("X-Multi"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Errorf("X-Multi lines = %q, want [a b]", got)
		}
	})
	t.Run("Invoke API", func(t *testing.T) {
		r := rtInvoke(t, in, "hard-ok", `{}`, nil)
		if r.Status != 200 {
			t.Fatalf("Invoke: %s", r)
		}
		if h := r.Header.Get("x-amz-apigw-id"); h != "" {
			t.Errorf("the Invoke API answer carries API Gateway's x-amz-apigw-id %q", h)
		}
		if id := r.Header.Get("x-amzn-RequestId"); !uuidRE.MatchString(id) {
			t.Errorf("x-amzn-RequestId = %q, want a UUID", id)
		}
	})
	t.Run("431s alike", func(t *testing.T) {
		overLimit := "GET /prod/ok HTTP/1.1\r\nHost: " + in.Addr + "\r\nX-A: " + strings.Repeat("a", 9000) + "\r\nX-B: " + strings.Repeat("b", 1500) + "\r\nConnection: close\r\n\r\n"
		overBuffer := "GET /prod/ok HTTP/1.1\r\nHost: " + in.Addr + "\r\nX-Big: " + strings.Repeat("c", 20000) + "\r\nConnection: close\r\n\r\n"
		a, b := rawRequest(t, in.Addr, overLimit), rawRequest(t, in.Addr, overBuffer)
		for _, r := range []*response{a, b} {
			assertGatewayError(t, r, 431, `{"message":"Request Header Fields Too Large"}`, "BadRequestException")
		}
	})
}

// TestBareLF: a request whose lines end in LF alone gets 400 at once (not
// the read timeout's 408 after 30 s), on a new connection and after a
// request on a kept-alive one; CRLF requests, also with LFs in their bodies,
// are served.
func TestBareLF(t *testing.T) {
	t.Parallel()
	in, be := hardeningAPI(t)
	host := "Host: " + in.Addr
	cases := []struct {
		name   string
		raw    string
		status int
	}{
		{"bare LF", "GET /prod/ok HTTP/1.1\n" + host + "\n\n", 400},
		{"bare LF, HTTP/1.0, no headers", "GET /prod/ok HTTP/1.0\n\n", 400},
		{"CRLF lines, bare LF blank line", "GET /prod/ok HTTP/1.1\r\n" + host + "\r\n\n", 400},
		{"CRLF", "GET /prod/ok HTTP/1.1\r\n" + host + "\r\nConnection: close\r\n\r\n", 200},
		{"CRLF with LFs in the body", "POST /prod/proxy HTTP/1.1\r\n" + host + "\r\nContent-Length: 8\r\nConnection: close\r\n\r\na\n\nb\n\ncd", 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := rawExchange(in.Addr, []byte(c.raw), 5*time.Second)
			if err != nil {
				t.Fatalf("no answer within 5 s: %v", err)
			}
			if r.Status != c.status {
				t.Errorf("status %d, want %d\n%s", r.Status, c.status, r)
			}
			if c.status == 400 {
				assertGatewayError(t, r, 400, `{"message":"Bad Request"}`, "BadRequestException")
			}
		})
	}
	t.Run("after a kept-alive request", func(t *testing.T) {
		rs, err := rawExchangeSeq(in.Addr, 5*time.Second, "GET /prod/ok HTTP/1.1\r\n"+host+"\r\n\r\n", "GET /prod/ok HTTP/1.1\n"+host+"\n\n")
		if err != nil {
			t.Fatalf("%v", err)
		}
		if rs[0].Status != 200 || rs[1].Status != 400 {
			t.Errorf("statuses %d and %d, want 200 and 400", rs[0].Status, rs[1].Status)
		}
	})
	if got := be.last(t).Body; string(got) != "a\n\nb\n\ncd" {
		t.Errorf("backend got body %q", got)
	}
}

// TestConnectionNominatedHeaders: headers that the client's Connection
// header names are hop-by-hop (RFC 9110 §7.6.1): not forwarded to an
// HTTP_PROXY backend. Other headers are.
func TestConnectionNominatedHeaders(t *testing.T) {
	t.Parallel()
	in, be := hardeningAPI(t)
	raw := "GET /prod/proxy HTTP/1.1\r\nHost: " + in.Addr + "\r\nConnection: close, X-Secret,x-other \r\nX-Secret: 1\r\nX-Other: 2\r\nX-Kept: 3\r\n\r\n"
	r := rawRequest(t, in.Addr, raw)
	if r.Status != 200 {
		t.Fatalf("%s", r)
	}
	h := be.last(t).Header
	for _, name := range []string{"X-Secret", "X-Other", "Connection"} {
		if v, ok := h[name]; ok {
			t.Errorf("the backend got %s: %q", name, v)
		}
	}
	if h.Get("X-Kept") != "3" {
		t.Errorf("the backend did not get X-Kept: %v", h)
	}
}

// TestInitTimeoutHealth: a function whose init phase outlasts Lambda's 10 s
// limit fails the request with 502, and /healthz turns 503 naming it, as
// for the other failed starts.
func TestInitTimeoutHealth(t *testing.T) {
	t.Parallel()
	in, _ := hardeningAPI(t)
	if h := get(t, in.AdminURL+"/healthz"); h.Status != 200 {
		t.Fatalf("/healthz before: %s", h)
	}
	r, err := send(req{URL: in.URL("/prod/slowinit")})
	if err != nil {
		t.Fatal(err)
	}
	assertGatewayError(t, r, http.StatusBadGateway, internalErrBody, rtInternalErrType)
	h := get(t, in.AdminURL+"/healthz")
	if h.Status != http.StatusServiceUnavailable || !strings.Contains(string(h.Body), "hard-slowinit") || !strings.Contains(string(h.Body), "Runtime.InitTimeout") {
		t.Errorf("/healthz after the init timeout: %s, want 503 naming hard-slowinit and Runtime.InitTimeout", h)
	}
}

// TestLargeBodiesMemory: after 50 parallel 10 MB uploads the resident memory
// of apigw goes back near where it was, instead of staying at the peak.
func TestLargeBodiesMemory(t *testing.T) {
	in, _ := hardeningAPI(t)
	pid := in.cmd.Process.Pid
	get(t, in.URL("/prod/ok"))
	before := rssKB(t, pid)
	body := strings.Repeat("m", 10<<20-1024)
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, body := "/prod/proxy", body
			if i%2 == 1 {
				path = "/prod/mock"
			}
			r, err := send(req{Method: "POST", URL: in.URL(path), Body: body, Header: map[string]string{"Content-Type": "application/octet-stream"}})
			if err != nil || r.Status != 200 {
				errs <- fmt.Sprintf("%s: %v %v", path, err, r)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	peak := rssKB(t, pid)
	// Back near the start: within 64 MB of it (Go keeps a little).
	limit := before + 64<<10
	deadline := time.Now().Add(20 * time.Second)
	now := peak
	for now > limit && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		now = rssKB(t, pid)
	}
	t.Logf("resident memory: %d MB before, %d MB after the uploads, %d MB once they are over", before>>10, peak>>10, now>>10)
	if now > limit {
		t.Errorf("resident memory stays at %d MB after the uploads (%d MB before, %d MB at the peak), want at most %d MB", now>>10, before>>10, peak>>10, limit>>10)
	}
}

func rssKB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	t.Fatalf("no VmRSS for %d", pid)
	return 0
}

// TestTemplateInputLimits: validate answers within seconds on any path
// (CONTRACT.md): a device, a FIFO, a folder or an oversized file is a clear
// error, never a hang or an out-of-memory crash; so is such a --config.
func TestTemplateInputLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge.yaml")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(17 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	good := writeFile(t, "good.yaml", "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: x}\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"/dev/zero", []string{"/dev/zero"}, "/dev/zero: cannot read the template: it is a device, not a regular file"},
		{"a FIFO", []string{fifo}, "cannot read the template: it is a FIFO (named pipe), not a regular file"},
		{"a folder", []string{dir}, "cannot read the template: it is a folder, not a file"},
		{"17 MB", []string{huge}, "cannot read the template: it is larger than 16 MB"},
		{"--config /dev/zero", []string{"--config", "/dev/zero", good}, "/dev/zero: cannot read the config file: it is a device"},
		{"--config FIFO", []string{"--config", fifo, good}, "cannot read the config file: it is a FIFO"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan struct{})
			var stderr string
			var code int
			go func() {
				defer close(done)
				_, stderr, code = runCLI(t, append([]string{"validate"}, c.args...)...)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				// Let the hung validate go: open the FIFO for writing.
				if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				t.Fatalf("validate %v did not answer within 10 s", c.args)
			}
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, stderr, c.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "panic") {
				t.Errorf("a Go runtime dump:\n%s", clip(stderr, 2000))
			}
		})
	}
}

// TestCodeArchiveLimits: a function's .zip is held to Lambda's 250 MB
// unzipped limit (a 1 MB archive of three 300 MB files is refused, naming
// the function, without writing them), and entries that climb out of the
// code folder are refused; nothing is written outside it.
func TestCodeArchiveLimits(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	dir := t.TempDir()
	zeros := func(w *zip.Writer, name string, size int64) { t.Helper(); zipZeros(t, w, name, size) }
	archives := []struct {
		name  string
		build func(w *zip.Writer)
		want  string
	}{
		{"bomb", func(w *zip.Writer) {
			for i := range 3 {
				zeros(w, fmt.Sprintf("big%d.bin", i), 300<<20)
			}
			addZipFile(t, w, "index.py", "def handler(e, c):\n    return {}\n", 0o644)
		}, "over Lambda's limit of 262144000 bytes (250 MB)"},
		{"dotdot", func(w *zip.Writer) {
			addZipFile(t, w, "index.py", "def handler(e, c):\n    return {}\n", 0o644)
			addZipFile(t, w, "../../escaped.txt", "out", 0o644)
		}, `entry "../../escaped.txt" climbs out of the code folder`},
		{"absolute", func(w *zip.Writer) {
			addZipFile(t, w, "/tmp/escaped-abs.txt", "out", 0o644)
		}, `entry "/tmp/escaped-abs.txt" has an absolute path`},
		{"symlink", func(w *zip.Writer) {
			addZipFile(t, w, "index.py", "def handler(e, c):\n    return {}\n", 0o644)
			addZipFile(t, w, "etc", "/etc", os.ModeSymlink|0o777)
		}, `entry "etc" is a link to "/etc", outside the code folder`},
	}
	for _, a := range archives {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			sub := filepath.Join(dir, a.name, "deep", "er")
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			zf, err := os.Create(filepath.Join(sub, "code.zip"))
			if err != nil {
				t.Fatal(err)
			}
			w := zip.NewWriter(zf)
			a.build(w)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			zf.Close()
			if st, _ := os.Stat(zf.Name()); a.name == "bomb" && st.Size() > 2<<20 {
				t.Fatalf("the bomb is %d bytes, want a small archive", st.Size())
			}
			tmpl := filepath.Join(sub, "t.yaml")
			if err := os.WriteFile(tmpl, []byte(zipTemplate), 0o644); err != nil {
				t.Fatal(err)
			}
			data := t.TempDir()
			_, stderr := runServeExpectFail(t, tmpl, "--data", data)
			for _, w := range []string{"ZipFn", "zip-fn", a.want} {
				if !strings.Contains(stderr, w) {
					t.Errorf("serve's errors do not say %q:\n%s", w, stderr)
				}
			}
			var written int64
			filepath.Walk(data, func(_ string, fi os.FileInfo, err error) error {
				if err == nil && fi.Mode().IsRegular() {
					written += fi.Size()
				}
				return nil
			})
			if written > 16<<20 {
				t.Errorf("%d bytes were left in --data", written)
			}
		})
	}
	for _, p := range []string{filepath.Join(dir, "escaped.txt"), "/tmp/escaped-abs.txt"} {
		if _, err := os.Stat(p); err == nil {
			os.Remove(p)
			t.Errorf("%s was written outside the code folder", p)
		}
	}
}

// zipTemplate is a function whose code is ./code.zip, called by an API.
const zipTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: zip}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ZipFn.Arn}/invocations'
  ZipFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: zip-fn
      Role: arn:aws:iam::123456789012:role/x
      Runtime: python3.12
      Handler: index.handler
      Code: ./code.zip
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api, StageName: prod}
`

func addZipFile(t *testing.T, w *zip.Writer, name, content string, mode os.FileMode) {
	t.Helper()
	h := &zip.FileHeader{Name: name, Method: zip.Deflate}
	h.SetMode(mode)
	f, err := w.CreateHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
}

// zipZeros adds an entry of size zero bytes without compressing them all:
// one MB of zeros deflated on its own and flushed is a self-contained run of
// deflate blocks, so it can be repeated; a final empty block ends it.
func zipZeros(t *testing.T, w *zip.Writer, name string, size int64) {
	t.Helper()
	const chunk = 1 << 20
	if size%chunk != 0 {
		t.Fatalf("zipZeros: size must be a whole number of MB")
	}
	var one bytes.Buffer
	fw, _ := flate.NewWriter(&one, flate.BestCompression)
	fw.Write(make([]byte, chunk))
	fw.Flush()
	crc := crc32.NewIEEE()
	zero := make([]byte, chunk)
	for range size / chunk {
		crc.Write(zero)
	}
	n := size / chunk
	final := []byte{0x03, 0x00} // a final, empty block with fixed codes
	f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(int64(one.Len())*n + int64(len(final))), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		f.Write(one.Bytes())
	}
	f.Write(final)
}

// rawExchangeSeq sends raw requests one at a time on one connection, each
// after the answer to the one before.
func rawExchangeSeq(addr string, timeout time.Duration, raws ...string) ([]*response, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	br := bufio.NewReader(c)
	var out []*response
	for _, raw := range raws {
		if _, err := c.Write([]byte(raw)); err != nil {
			return out, err
		}
		hr, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			return out, fmt.Errorf("response %d: %w", len(out)+1, err)
		}
		b, err := io.ReadAll(hr.Body)
		hr.Body.Close()
		if err != nil {
			return out, fmt.Errorf("response %d: %w", len(out)+1, err)
		}
		out = append(out, &response{Status: hr.StatusCode, Header: hr.Header, Body: b})
	}
	return out, nil
}
