package e2e

// Helpers of the local Lambda runtime tests (runtime_*_test.go): fixtures in
// testdata/runtime/, the Go function built with aws-lambda-go, the JSON the
// echo functions answer, and process checks. Everything here is prefixed
// with rt so that it cannot collide with the rest of the package.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rtData is the path of a fixture in e2e/testdata/runtime/.
func rtData(name string) string { return testdata(filepath.Join("runtime", name)) }

// rtRequireInterpreters fails (never skips) when python3 or node is missing:
// apigw runs python and nodejs functions with them.
func rtRequireInterpreters(t *testing.T) {
	t.Helper()
	for _, name := range []string{"python3", "node"} {
		p, err := exec.LookPath(name)
		if err == nil {
			err = exec.Command(p, "--version").Run()
		}
		if err != nil {
			t.Fatalf("%s is required by the runtime tests (apt-get install python3 nodejs): %v", name, err)
		}
	}
}

// rtCopyFile copies src to dst with mode.
func rtCopyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

// rtBuildGoFunction builds testdata/runtime/gofn as dir/bootstrap, as Go
// functions are built for provided.al2023: CGO_ENABLED=0, -tags lambda.norpc.
func rtBuildGoFunction(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "bootstrap")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", out, "./e2e/testdata/runtime/gofn")
	cmd.Dir = moduleRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build the Go function: %v\n%s", err, b)
	}
	return out
}

// rtZip writes a .zip holding src as name, with mode (0755 for a bootstrap).
func rtZip(t *testing.T, zipPath, name, src string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate}
	hdr.SetMode(mode)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = w.Write(data)
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("write %s: %v", zipPath, err)
	}
}

// ---------------------------------------------------------------------------
// what the functions answer

// rtEvent is the part of the payload format 1.0 event the tests check.
type rtEvent struct {
	Resource              string            `json:"resource"`
	Path                  string            `json:"path"`
	HTTPMethod            string            `json:"httpMethod"`
	Headers               map[string]string `json:"headers"`
	PathParameters        map[string]string `json:"pathParameters"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	Body                  *string           `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	RequestContext        struct {
		Stage        string `json:"stage"`
		RequestID    string `json:"requestId"`
		ResourcePath string `json:"resourcePath"`
		HTTPMethod   string `json:"httpMethod"`
		Path         string `json:"path"`
	} `json:"requestContext"`
}

// rtEchoBody is the body the echo functions answer: the event they got and
// what they see of their environment and context object.
type rtEchoBody struct {
	Lang    string             `json:"lang"`
	Pid     int                `json:"pid"`
	Event   json.RawMessage    `json:"event"`
	Env     map[string]*string `json:"env"`
	Context struct {
		FunctionName    string  `json:"functionName"`
		MemoryLimitInMB string  `json:"memoryLimitInMB"`
		RemainingMs     float64 `json:"remainingMs"`
		AwsRequestID    string  `json:"awsRequestId"`
	} `json:"context"`
}

// rtDecode unmarshals a response body, failing the test when it is not v.
func rtDecode(t *testing.T, r *response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response body is not the expected JSON (%v):\n%s", err, r)
	}
}

// rtPid is the "pid" of a 200 {"pid": N, ...} answer.
func rtPid(t *testing.T, r *response) int {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("got %d, want 200 with a pid\n%s", r.Status, r)
	}
	var v struct {
		Pid int `json:"pid"`
	}
	rtDecode(t, r, &v)
	if v.Pid <= 0 {
		t.Fatalf("no pid in %s", r.Body)
	}
	return v.Pid
}

// rtParallel sends n copies of a request at once and returns the responses.
func rtParallel(t *testing.T, n int, r req) []*response {
	t.Helper()
	out := make([]*response, n)
	errs := make([]error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			out[i], errs[i] = send(r)
		}()
	}
	start.Done()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("parallel request %d of %s: %v", i, r.URL, err)
		}
	}
	return out
}

// rtInvoke calls the Invoke API of an apigw instance with a plain HTTP client.
func rtInvoke(t *testing.T, in *Instance, function, payload string, header map[string]string) *response {
	t.Helper()
	return do(t, req{Method: http.MethodPost, URL: in.URL("/2015-03-31/functions/" + function + "/invocations"), Body: payload, Header: header})
}

// rtJSONEqual reports whether two JSON texts have the same value.
func rtJSONEqual(a, b []byte) bool {
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	ja, _ := json.Marshal(va)
	jb, _ := json.Marshal(vb)
	return bytes.Equal(ja, jb)
}

// ---------------------------------------------------------------------------
// processes

// rtRunning reports whether a process exists and has not ended. A process
// that ended but was not reaped yet (a zombie: its parent apigw is gone and
// PID 1 reaps lazily, or not at all in some containers) no longer runs.
func rtRunning(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	state := stat[i+2]
	return state != 'Z' && state != 'X'
}

// rtCmdline is a process's command line, for messages.
func rtCmdline(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(strings.ReplaceAll(string(b), "\x00", " "))
}

// rtLeftOver waits up to d for every pid to stop running and returns those
// still running.
func rtLeftOver(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, p := range pids {
			if rtRunning(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rtProcs remembers processes the functions reported, with their command
// lines, so that the tests kill (by pid) only those processes, never a
// later process that reuses a pid.
type rtProcs struct {
	mu  sync.Mutex
	cmd map[int]string
}

// add records pids as they run now.
func (ps *rtProcs) add(pids ...int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.cmd == nil {
		ps.cmd = map[int]string{}
	}
	for _, p := range pids {
		ps.cmd[p] = rtCmdline(p)
	}
}

// kill ends those of pids that still run the command they were recorded with.
func (ps *rtProcs) kill(pids ...int) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for _, p := range pids {
		if cmd, ok := ps.cmd[p]; ok && rtRunning(p) && rtCmdline(p) == cmd {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
	}
}

// killOnCleanup kills, when the test ends, every recorded process that still
// runs: a failed assertion must not leave function processes behind.
func (ps *rtProcs) killOnCleanup(t *testing.T) {
	t.Cleanup(func() {
		ps.mu.Lock()
		var pids []int
		for p := range ps.cmd {
			pids = append(pids, p)
		}
		ps.mu.Unlock()
		ps.kill(pids...)
	})
}

// rtAssertGone checks that the processes end within d. Those that do not
// are reported, then killed.
func rtAssertGone(t *testing.T, ps *rtProcs, what string, pids []int, d time.Duration) {
	t.Helper()
	left := rtLeftOver(pids, d)
	if len(left) == 0 {
		return
	}
	var desc []string
	for _, p := range left {
		desc = append(desc, fmt.Sprintf("%d (%s)", p, rtCmdline(p)))
	}
	t.Errorf("%s: still running %v after apigw ended: %s", what, d, strings.Join(desc, ", "))
	ps.kill(left...)
}

// rtWaitFile waits up to d for a file to hold something and returns it.
func rtWaitFile(t *testing.T, path string, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		b, err := os.ReadFile(path)
		if err == nil && len(bytes.TrimSpace(b)) > 0 {
			return string(bytes.TrimSpace(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not written within %v", path, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
