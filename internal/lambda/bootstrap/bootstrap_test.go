package bootstrap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait on a function process.
const waitTimeout = 10 * time.Second

// recorded is what a bootstrap posted to the Runtime API.
type recorded struct {
	kind   string // "response", "error" or "init"
	body   []byte
	header http.Header
}

type invocation struct {
	id      string
	body    string
	headers map[string]string
	result  chan recorded
}

// fakeRuntimeAPI is a minimal Lambda Runtime API: `next` hands out queued
// invocations, response/error/init-error posts are recorded.
type fakeRuntimeAPI struct {
	srv     *httptest.Server
	queue   chan *invocation
	done    chan struct{}
	initErr chan recorded

	mu      sync.Mutex
	pending map[string]*invocation
	seq     int
}

func newFakeRuntimeAPI(t *testing.T) *fakeRuntimeAPI {
	t.Helper()
	f := &fakeRuntimeAPI{
		queue:   make(chan *invocation, 16),
		done:    make(chan struct{}),
		initErr: make(chan recorded, 1),
		pending: map[string]*invocation{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.record("response"))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", f.record("error"))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", f.initError)
	f.srv = httptest.NewServer(mux) // 127.0.0.1:0
	t.Cleanup(func() {
		close(f.done)
		f.srv.Close()
	})
	return f
}

func (f *fakeRuntimeAPI) addr() string { return f.srv.Listener.Addr().String() }

func (f *fakeRuntimeAPI) next(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-f.queue:
		f.mu.Lock()
		f.pending[inv.id] = inv
		f.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(30*time.Second).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:fn-under-test")
		for k, v := range inv.headers {
			if v == "" {
				h.Del(k)
			} else {
				h.Set(k, v)
			}
		}
		_, _ = io.WriteString(w, inv.body)
	case <-r.Context().Done():
	case <-f.done:
		http.Error(w, "shutting down", http.StatusInternalServerError)
	}
}

func (f *fakeRuntimeAPI) record(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.PathValue("id")
		f.mu.Lock()
		inv := f.pending[id]
		delete(f.pending, id)
		f.mu.Unlock()
		if inv == nil {
			http.Error(w, "unknown request id "+id, http.StatusBadRequest)
			return
		}
		inv.result <- recorded{kind: kind, body: body, header: r.Header.Clone()}
		w.WriteHeader(http.StatusAccepted)
	}
}

func (f *fakeRuntimeAPI) initError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	select {
	case f.initErr <- recorded{kind: "init", body: body, header: r.Header.Clone()}:
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "init error already reported", http.StatusForbidden)
	}
}

// enqueue queues an invocation; headers override or (when "") remove the
// default next headers.
func (f *fakeRuntimeAPI) enqueue(body string, headers map[string]string) *invocation {
	f.mu.Lock()
	f.seq++
	id := fmt.Sprintf("req-%04d-5e2a-4c9e-9d1f", f.seq)
	f.mu.Unlock()
	inv := &invocation{id: id, body: body, headers: headers, result: make(chan recorded, 1)}
	f.queue <- inv
	return inv
}

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// procSlots bounds how many interpreters run at once, so that a loaded
// machine does not push answers past waitTimeout.
var procSlots = make(chan struct{}, max(4, 2*runtime.NumCPU()))

var interpreters struct {
	once  sync.Once
	paths map[string]string
	errs  map[string]error
}

// interpreter is the path of the language's interpreter. A version-manager
// shim (pyenv's python3 is a shell script) is resolved to the real binary
// once, which saves its start-up cost on every process.
func interpreter(t *testing.T, lang string) string {
	t.Helper()
	interpreters.once.Do(func() {
		interpreters.paths = map[string]string{}
		interpreters.errs = map[string]error{}
		for lang, probe := range map[string][]string{
			"python": {"python3", "-c", "import sys; print(sys.executable)"},
			"node":   {"node", "-p", "process.execPath"},
		} {
			path, err := exec.LookPath(probe[0])
			if err != nil {
				interpreters.errs[lang] = err
				continue
			}
			interpreters.paths[lang] = path
			if out, err := exec.Command(path, probe[1:]...).Output(); err == nil {
				if real := strings.TrimSpace(string(out)); real != "" {
					interpreters.paths[lang] = real
				}
			}
		}
	})
	if err := interpreters.errs[lang]; err != nil {
		t.Fatalf("the %s interpreter is needed to test its bootstrap: %v", lang, err)
	}
	return interpreters.paths[lang]
}

// function is one bootstrap process against its own fake Runtime API.
type function struct {
	api      *fakeRuntimeAPI
	root     string
	out      *lockedBuffer
	exited   chan struct{}
	exitCode int // valid once exited is closed
}

// startFunction writes files into a fresh task root and runs the language's
// bootstrap on it; the process is killed when the test ends.
func startFunction(t *testing.T, lang string, files map[string]string, handler string, env map[string]string) *function {
	t.Helper()
	interpPath := interpreter(t, lang)
	procSlots <- struct{}{}
	t.Cleanup(func() { <-procSlots })
	pyBoot, nodeBoot, err := Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	script := map[string]string{"python": pyBoot, "node": nodeBoot}[lang]

	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	api := newFakeRuntimeAPI(t)
	vars := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          api.addr(),
		"_HANDLER":                        handler,
		"LAMBDA_TASK_ROOT":                root,
		"AWS_LAMBDA_FUNCTION_NAME":        "fn-under-test",
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/fn-under-test",
		"AWS_LAMBDA_LOG_STREAM_NAME":      "2024/01/01/[$LATEST]0123456789abcdef",
		"AWS_REGION":                      "us-east-1",
		"TZ":                              "UTC",
	}
	for k, v := range env {
		vars[k] = v
	}
	var environ []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "LAMBDA_") || strings.HasPrefix(k, "_X_AMZN") ||
			k == "_HANDLER" || k == "NODE_OPTIONS" || k == "PYTHONPATH" {
			continue
		}
		environ = append(environ, kv)
	}
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}

	fn := &function{api: api, root: root, out: &lockedBuffer{}, exited: make(chan struct{})}
	cmd := exec.Command(interpPath, script)
	cmd.Dir = root
	cmd.Env = environ
	cmd.Stdout = fn.out
	cmd.Stderr = fn.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			fn.exitCode = 0
		case errors.As(err, &exitErr):
			fn.exitCode = exitErr.ExitCode()
		default:
			fn.exitCode = -1
		}
		close(fn.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		select {
		case <-fn.exited:
		case <-time.After(waitTimeout):
			t.Errorf("process %d did not exit", cmd.Process.Pid)
		}
		if t.Failed() {
			t.Logf("function output:\n%s", fn.out.String())
		}
	})
	return fn
}

// invoke runs one invocation and returns what the bootstrap posted.
func (fn *function) invoke(t *testing.T, event string, headers map[string]string) (recorded, string) {
	t.Helper()
	inv := fn.api.enqueue(event, headers)
	select {
	case r := <-inv.result:
		return r, inv.id
	case <-fn.exited:
		select { // the post may have raced the exit
		case r := <-inv.result:
			return r, inv.id
		default:
		}
		t.Fatalf("function exited (code %d) before answering", fn.exitCode)
	case <-time.After(waitTimeout):
		t.Fatalf("no answer to invocation %s within %v", inv.id, waitTimeout)
	}
	return recorded{}, ""
}

// initError waits for an init error and for the process to exit.
func (fn *function) initError(t *testing.T) recorded {
	t.Helper()
	var r recorded
	select {
	case r = <-fn.api.initErr:
	case <-time.After(waitTimeout):
		t.Fatalf("no init error within %v", waitTimeout)
	}
	fn.waitExit(t)
	return r
}

func (fn *function) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-fn.exited:
		return fn.exitCode
	case <-time.After(waitTimeout):
		t.Fatalf("function did not exit within %v", waitTimeout)
	}
	return 0
}

// waitOutput waits until the process's output matches re.
func (fn *function) waitOutput(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(waitTimeout)
	for !rx.MatchString(fn.out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("output never matched %q", re)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func wantResponse(t *testing.T, r recorded, body string) {
	t.Helper()
	if r.kind != "response" {
		t.Fatalf("got %s %s, want response %s", r.kind, r.body, body)
	}
	if string(r.body) != body {
		t.Fatalf("response body = %s, want %s", r.body, body)
	}
}

// errorBody checks r is an error of the given kind and decodes it.
func errorBody(t *testing.T, r recorded, kind string) map[string]any {
	t.Helper()
	if r.kind != kind {
		t.Fatalf("got %s %s, want %s", r.kind, r.body, kind)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	return m
}

// wantError checks an error's type, message (exact, or prefix when ending
// in "…") and the error-type header.
func wantError(t *testing.T, r recorded, kind, errType, msg string) map[string]any {
	t.Helper()
	m := errorBody(t, r, kind)
	if m["errorType"] != errType {
		t.Errorf("errorType = %v, want %s (body %s)", m["errorType"], errType, r.body)
	}
	got, _ := m["errorMessage"].(string)
	if p, ok := strings.CutSuffix(msg, "…"); ok {
		if !strings.HasPrefix(got, p) {
			t.Errorf("errorMessage = %q, want prefix %q", got, p)
		}
	} else if got != msg {
		t.Errorf("errorMessage = %q, want %q", got, msg)
	}
	wantHeader := "Unhandled"
	if kind == "init" {
		wantHeader = errType
	}
	if h := r.header.Get("Lambda-Runtime-Function-Error-Type"); h != wantHeader {
		t.Errorf("Lambda-Runtime-Function-Error-Type = %q, want %q", h, wantHeader)
	}
	return m
}

// stringList converts a decoded JSON array of strings.
func stringList(t *testing.T, v any) []string {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%v is not a list", v)
	}
	out := make([]string, len(list))
	for i, e := range list {
		out[i], _ = e.(string)
	}
	return out
}

func decodeJSON(t *testing.T, r recorded) map[string]any {
	t.Helper()
	if r.kind != "response" {
		t.Fatalf("got %s %s, want a response", r.kind, r.body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %q: %v", r.body, err)
	}
	return m
}

type fnCase struct {
	name    string
	files   map[string]string
	handler string
	env     map[string]string
	run     func(t *testing.T, fn *function)
}

func runCases(t *testing.T, lang string, cases []fnCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fn := startFunction(t, lang, tc.files, tc.handler, tc.env)
			tc.run(t, fn)
		})
	}
}

const clientContextJSON = `{"client":{"installation_id":"inst-1","app_title":"App"},"custom":{"k":"v"},"env":{"locale":"en"}}`
const cognitoJSON = `{"cognitoIdentityId":"id-1","cognitoIdentityPoolId":"pool-1"}`

func TestPython(t *testing.T) {
	t.Parallel()
	counter := map[string]string{"app.py": "count = 0\n\ndef handler(event, context):\n    global count\n    count += 1\n    return count\n"}
	runCases(t, "python", []fnCase{
		{
			name:    "plain return",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return 'hello ' + event['name']\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"name":"world"}`, nil)
				wantResponse(t, r, `"hello world"`)
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
			},
		},
		{
			name:    "dict result",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return {'echo': event, 'n': 1, 'ok': True, 'u': '\\u00e9'}\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"a":[1,2]}`, nil)
				wantResponse(t, r, `{"echo": {"a": [1, 2]}, "n": 1, "ok": true, "u": "\u00e9"}`)
			},
		},
		{
			name:    "dict result python3.12 keeps non-ASCII",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return {'u': '\\u00e9'}\n"},
			handler: "app.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"},
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"u": "é"}`)
			},
		},
		{
			name:    "None is null",
			files:   map[string]string{"app.py": "def handler(event, context):\n    pass\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `null`)
			},
		},
		{
			name: "Decimal and namedtuple as awslambdaric encodes them",
			files: map[string]string{"app.py": "import collections, decimal\nP = collections.namedtuple('P', 'x y')\n" +
				"def handler(event, context):\n    return {'d': decimal.Decimal('1.50'), 'p': P(1, 2), 'l': [decimal.Decimal('2')]}\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"d": 1.50, "p": {"x": 1, "y": 2}, "l": [2]}`)
			},
		},
		{
			name:    "bytes result is sent raw",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return b'\\x00raw'\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, "\x00raw")
				if ct := r.header.Get("Content-Type"); ct != "application/unknown" {
					t.Errorf("Content-Type = %q", ct)
				}
			},
		},
		{
			name: "exception",
			files: map[string]string{"app.py": "def helper():\n    raise ValueError('bad value')\n\n" +
				"def handler(event, context):\n    if event.get('fail'):\n        helper()\n    return 'fine'\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, id := fn.invoke(t, `{"fail":true}`, nil)
				m := wantError(t, r, "error", "ValueError", "bad value")
				if m["requestId"] != id {
					t.Errorf("requestId = %v, want %s", m["requestId"], id)
				}
				file := filepath.Join(fn.root, "app.py")
				want := []string{
					fmt.Sprintf("  File \"%s\", line 6, in handler\n    helper()\n", file),
					fmt.Sprintf("  File \"%s\", line 2, in helper\n    raise ValueError('bad value')\n", file),
				}
				if got := stringList(t, m["stackTrace"]); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("stackTrace = %q, want %q", got, want)
				}
				fn.waitOutput(t, `\[ERROR\] ValueError: bad value\rTraceback \(most recent call last\):\r\x{a0}\x{a0}File "`)
				// The instance survives a failed invocation.
				r, _ = fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"fine"`)
			},
		},
		{
			name:    "missing module",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return 1\n"},
			handler: "nope.handler",
			run: func(t *testing.T, fn *function) {
				m := wantError(t, fn.initError(t), "init", "Runtime.ImportModuleError", "Unable to import module 'nope': No module named 'nope'")
				if m["requestId"] != "" || len(stringList(t, m["stackTrace"])) != 0 {
					t.Errorf("requestId/stackTrace = %v/%v, want empty", m["requestId"], m["stackTrace"])
				}
				if fn.exitCode != 1 {
					t.Errorf("exit code %d, want 1", fn.exitCode)
				}
				fn.waitOutput(t, `\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception`)
				fn.waitOutput(t, `\[ERROR\] Runtime.ImportModuleError: Unable to import module 'nope': No module named 'nope'\rTraceback`)
			},
		},
		{
			name:    "missing function",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return 1\n"},
			handler: "app.missing",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'")
			},
		},
		{
			name:    "syntax error",
			files:   map[string]string{"app.py": "def handler(event, context)\n    return 1\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				m := wantError(t, fn.initError(t), "init", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': …")
				if msg := m["errorMessage"].(string); !strings.HasSuffix(msg, "(app.py, line 1)") {
					t.Errorf("errorMessage = %q, want the file and line", msg)
				}
				trace := stringList(t, m["stackTrace"])
				want := fmt.Sprintf("  File \"%s\" Line 1\n    def handler(event, context)\n", filepath.Join(fn.root, "app.py"))
				if len(trace) != 1 || trace[0] != want {
					t.Errorf("stackTrace = %q, want [%q]", trace, want)
				}
			},
		},
		{
			name:    "malformed handler name",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return 1\n"},
			handler: "app",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.MalformedHandlerName", "Bad handler 'app': not enough values to unpack (expected 2, got 1)")
			},
		},
		{
			name:    "built-in module name",
			files:   map[string]string{"sys.py": "def handler(event, context):\n    return 1\n"},
			handler: "sys.handler",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.BuiltInModuleConflict", "Cannot use built-in module sys as a handler module")
			},
		},
		{
			name:    "exception while importing",
			files:   map[string]string{"app.py": "raise RuntimeError('init failed')\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				m := wantError(t, fn.initError(t), "init", "RuntimeError", "init failed")
				trace := stringList(t, m["stackTrace"])
				want := fmt.Sprintf("  File \"%s\", line 1, in <module>\n    raise RuntimeError('init failed')\n", filepath.Join(fn.root, "app.py"))
				if len(trace) == 0 || trace[len(trace)-1] != want {
					t.Errorf("stackTrace = %q, want it to end with %q", trace, want)
				}
				if strings.Contains(fmt.Sprint(trace), "bootstrap.py") {
					t.Errorf("stackTrace shows the bootstrap: %q", trace)
				}
			},
		},
		{
			name:    "non-serializable result",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return {1, 2} if event.get('set') else 'ok'\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"set":true}`, nil)
				m := wantError(t, r, "error", "Runtime.MarshalError", "Unable to marshal response: Object of type set is not JSON serializable")
				if len(stringList(t, m["stackTrace"])) != 0 {
					t.Errorf("stackTrace = %v, want []", m["stackTrace"])
				}
				r, _ = fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"ok"`)
			},
		},
		{
			name:    "event that is not JSON",
			files:   map[string]string{"app.py": "def handler(event, context):\n    return 1\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `not json`, nil)
				wantError(t, r, "error", "Runtime.UnmarshalError", "Unable to unmarshal input: Expecting value: line 1 column 1 (char 0)")
			},
		},
		{
			name: "context, trace id and environment",
			files: map[string]string{"app.py": "import os\n\ndef handler(event, context):\n    cc = context.client_context\n    return {\n" +
				"        'function_name': context.function_name,\n" +
				"        'function_version': context.function_version,\n" +
				"        'invoked_function_arn': context.invoked_function_arn,\n" +
				"        'memory_limit_in_mb': context.memory_limit_in_mb,\n" +
				"        'aws_request_id': context.aws_request_id,\n" +
				"        'log_group_name': context.log_group_name,\n" +
				"        'log_stream_name': context.log_stream_name,\n" +
				"        'remaining': context.get_remaining_time_in_millis(),\n" +
				"        'identity': [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],\n" +
				"        'client': None if cc is None else [cc.client.installation_id, cc.client.app_title, cc.custom, cc.env],\n" +
				"        'trace': os.environ.get('_X_AMZN_TRACE_ID'),\n" +
				"        'my_var': os.environ.get('MY_VAR'),\n" +
				"    }\n"},
			handler: "app.handler",
			env:     map[string]string{"MY_VAR": "my value"},
			run: func(t *testing.T, fn *function) {
				deadline := time.Now().Add(5 * time.Second).UnixMilli()
				r, id := fn.invoke(t, `{}`, map[string]string{
					"Lambda-Runtime-Deadline-Ms":      strconv.FormatInt(deadline, 10),
					"Lambda-Runtime-Trace-Id":         "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
					"Lambda-Runtime-Client-Context":   clientContextJSON,
					"Lambda-Runtime-Cognito-Identity": cognitoJSON,
				})
				m := decodeJSON(t, r)
				want := map[string]any{
					"function_name":        "fn-under-test",
					"function_version":     "$LATEST",
					"invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:fn-under-test",
					"memory_limit_in_mb":   "256",
					"aws_request_id":       id,
					"log_group_name":       "/aws/lambda/fn-under-test",
					"log_stream_name":      "2024/01/01/[$LATEST]0123456789abcdef",
					"identity":             []any{"id-1", "pool-1"},
					"client":               []any{"inst-1", "App", map[string]any{"k": "v"}, map[string]any{"locale": "en"}},
					"trace":                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
					"my_var":               "my value",
				}
				for k, v := range want {
					if fmt.Sprint(m[k]) != fmt.Sprint(v) {
						t.Errorf("%s = %v, want %v", k, m[k], v)
					}
				}
				if remaining, _ := m["remaining"].(float64); remaining <= 0 || remaining > 5000 {
					t.Errorf("remaining = %v, want within (0, 5000]", m["remaining"])
				}
				// Without the headers: no trace id, no client context, empty identity.
				r, _ = fn.invoke(t, `{}`, nil)
				m = decodeJSON(t, r)
				if m["trace"] != nil || m["client"] != nil || fmt.Sprint(m["identity"]) != "[<nil> <nil>]" {
					t.Errorf("trace/client/identity = %v/%v/%v, want unset", m["trace"], m["client"], m["identity"])
				}
			},
		},
		{
			name:    "warm reuse",
			files:   counter,
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				for _, want := range []string{"1", "2", "3"} {
					r, _ := fn.invoke(t, `{}`, nil)
					wantResponse(t, r, want)
				}
			},
		},
		{
			name:    "module path with slashes",
			files:   map[string]string{"src/app.py": "def handler(event, context):\n    return 'src'\n"},
			handler: "src/app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"src"`)
			},
		},
		{
			name: "dotted module path",
			files: map[string]string{
				"pkg/__init__.py": "",
				"pkg/mod.py":      "from . import helper\n\ndef handler(event, context):\n    return helper.VALUE\n",
				"pkg/helper.py":   "VALUE = 'dotted'\n",
			},
			handler: "pkg.mod.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"dotted"`)
			},
		},
		{
			name:    "user module named bootstrap",
			files:   map[string]string{"bootstrap.py": "def handler(event, context):\n    return 'mine'\n"},
			handler: "bootstrap.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"mine"`)
			},
		},
		{
			name: "print and logging",
			files: map[string]string{"app.py": "import logging\nprint('loading')\n\n" +
				"def handler(event, context):\n    print('in handler')\n    logging.getLogger().warning('careful %s', 1)\n    return 1\n"},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				_, id := fn.invoke(t, `{}`, nil)
				fn.waitOutput(t, `(?m)^loading\n`)
				fn.waitOutput(t, `(?m)^in handler\n`)
				fn.waitOutput(t, `(?m)^\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t`+regexp.QuoteMeta(id)+`\tcareful 1\n`)
			},
		},
	})
}

func TestNode(t *testing.T) {
	t.Parallel()
	const node24 = "AWS_Lambda_nodejs24.x"
	contextHandler := "exports.handler = async (event, context) => ({\n" +
		"  functionName: context.functionName,\n" +
		"  functionVersion: context.functionVersion,\n" +
		"  invokedFunctionArn: context.invokedFunctionArn,\n" +
		"  memoryLimitInMB: context.memoryLimitInMB,\n" +
		"  awsRequestId: context.awsRequestId,\n" +
		"  logGroupName: context.logGroupName,\n" +
		"  logStreamName: context.logStreamName,\n" +
		"  identity: context.identity,\n" +
		"  clientContext: context.clientContext,\n" +
		"  remaining: context.getRemainingTimeInMillis(),\n" +
		"  waits: context.callbackWaitsForEmptyEventLoop,\n" +
		"  trace: process.env._X_AMZN_TRACE_ID,\n" +
		"  myVar: process.env.MY_VAR,\n" +
		"});\n"
	runCases(t, "node", []fnCase{
		{
			name:    "async return",
			files:   map[string]string{"index.js": "exports.handler = async (event) => ({ ok: true, name: event.name });\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"name":"world"}`, nil)
				wantResponse(t, r, `{"ok":true,"name":"world"}`)
			},
		},
		{
			name:    "promise return",
			files:   map[string]string{"index.js": "exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve({ v: 1 }), 5));\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"v":1}`)
			},
		},
		{
			name:    "undefined is null",
			files:   map[string]string{"index.js": "exports.handler = async () => {};\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `null`)
			},
		},
		{
			name: "callback waits for the empty event loop",
			files: map[string]string{"index.js": "exports.handler = (event, context, callback) => {\n" +
				"  context.callbackWaitsForEmptyEventLoop = event.wait;\n" +
				"  const result = { cb: true };\n" +
				"  setTimeout(() => { result.timer = true; }, 20);\n" +
				"  callback(null, result);\n" +
				"};\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"wait":true}`, nil)
				wantResponse(t, r, `{"cb":true,"timer":true}`)
				r, _ = fn.invoke(t, `{"wait":false}`, nil)
				wantResponse(t, r, `{"cb":true}`)
			},
		},
		{
			name:    "callback with an Error",
			files:   map[string]string{"index.js": "exports.handler = (event, context, callback) => { callback(new Error('cb failed')); };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				m := wantError(t, r, "error", "Error", "cb failed")
				trace := stringList(t, m["trace"])
				if len(trace) < 2 || trace[0] != "Error: cb failed" || !strings.Contains(trace[1], filepath.Join(fn.root, "index.js")) {
					t.Errorf("trace = %q", trace)
				}
			},
		},
		{
			name:    "callback with a string",
			files:   map[string]string{"index.js": "exports.handler = (event, context, callback) => { callback('oops'); };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantError(t, r, "error", "string", "oops")
				if string(r.body) != `{"errorType":"string","errorMessage":"oops","trace":[]}` {
					t.Errorf("error body = %s", r.body)
				}
			},
		},
		{
			name:    "context.succeed",
			files:   map[string]string{"index.js": "exports.handler = (event, context) => { context.succeed({ legacy: true }); };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"legacy":true}`)
			},
		},
		{
			name: "async throw",
			files: map[string]string{"index.js": "exports.handler = async (event) => {\n" +
				"  if (event.fail) throw new TypeError('bad type');\n  return 'fine';\n};\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, id := fn.invoke(t, `{"fail":true}`, nil)
				m := wantError(t, r, "error", "TypeError", "bad type")
				trace := stringList(t, m["trace"])
				if len(trace) < 2 || trace[0] != "TypeError: bad type" || !strings.Contains(trace[1], filepath.Join(fn.root, "index.js")+":2:") {
					t.Errorf("trace = %q", trace)
				}
				if _, ok := m["requestId"]; ok {
					t.Errorf("node error bodies have no requestId: %s", r.body)
				}
				fn.waitOutput(t, `\t`+regexp.QuoteMeta(id)+`\tERROR\tInvoke Error \t\{"errorType":"TypeError","errorMessage":"bad type"`)
				r, _ = fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"fine"`)
			},
		},
		{
			name:    "sync return value is ignored before nodejs24",
			files:   map[string]string{"index.js": "exports.handler = (event) => ({ ignored: true });\n"},
			handler: "index.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": "AWS_Lambda_nodejs20.x"},
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `null`)
			},
		},
		{
			name:    "sync return value is the result on nodejs24",
			files:   map[string]string{"index.js": "exports.handler = (event) => ({ used: true });\n"},
			handler: "index.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": node24},
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"used":true}`)
			},
		},
		{
			name:    "callback handler refused on nodejs24",
			files:   map[string]string{"index.js": "exports.handler = (event, context, callback) => callback(null, 1);\n"},
			handler: "index.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": node24},
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.CallbackHandlerDeprecated",
					"ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.")
			},
		},
		{
			name:    "ES module .mjs",
			files:   map[string]string{"index.mjs": "import { sep } from 'node:path';\nexport const handler = async () => ({ esm: 'mjs', sep });\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"esm":"mjs","sep":"/"}`)
			},
		},
		{
			name: "ES module by package.json type",
			files: map[string]string{
				"package.json": `{"type":"module"}`,
				"app.js":       "export async function handler() { return { esm: typeof require }; }\n",
			},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"esm":"undefined"}`)
			},
		},
		{
			name: "CommonJS .cjs next to type module",
			files: map[string]string{
				"package.json": `{"type":"module"}`,
				"app.cjs":      "exports.handler = async () => ({ cjs: typeof require });\n",
			},
			handler: "app.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `{"cjs":"function"}`)
			},
		},
		{
			name: "ES module on nodejs24",
			files: map[string]string{
				"index.mjs": "export default { handler: async () => 'from default' };\n",
			},
			handler: "index.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": node24},
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"from default"`)
			},
		},
		{
			name:    "nested handler in a subdirectory",
			files:   map[string]string{"src/app.js": "exports.nested = { handler: async () => 'nested' };\n"},
			handler: "src/app.nested.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"nested"`)
			},
		},
		{
			name:    "missing module",
			files:   map[string]string{"index.js": "exports.handler = async () => 1;\n"},
			handler: "nope.handler",
			run: func(t *testing.T, fn *function) {
				m := wantError(t, fn.initError(t), "init", "Runtime.ImportModuleError", "Error: Cannot find module 'nope'\nRequire stack:…")
				if trace := stringList(t, m["trace"]); len(trace) == 0 || trace[0] != "Runtime.ImportModuleError: Error: Cannot find module 'nope'" {
					t.Errorf("trace = %q", trace)
				}
				if fn.exitCode != 129 {
					t.Errorf("exit code %d, want 129", fn.exitCode)
				}
				fn.waitOutput(t, `\tundefined\tERROR\tUncaught Exception \t\{"errorType":"Runtime.ImportModuleError"`)
			},
		},
		{
			name:    "missing function",
			files:   map[string]string{"index.js": "exports.handler = async () => 1;\n"},
			handler: "index.nope",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.HandlerNotFound", "index.nope is undefined or not exported")
			},
		},
		{
			name:    "handler that is not a function",
			files:   map[string]string{"index.js": "exports.value = 42;\n"},
			handler: "index.value",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.HandlerNotFound", "index.value is not a function")
			},
		},
		{
			name:    "syntax error",
			files:   map[string]string{"index.js": "exports.handler = async () => { return 1 +; };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				m := wantError(t, fn.initError(t), "init", "Runtime.UserCodeSyntaxError", "SyntaxError: …")
				if trace := stringList(t, m["trace"]); len(trace) == 0 || !strings.HasPrefix(trace[0], "Runtime.UserCodeSyntaxError: SyntaxError: ") {
					t.Errorf("trace = %q", trace)
				}
			},
		},
		{
			name:    "malformed handler name",
			files:   map[string]string{"index.js": "exports.handler = async () => 1;\n"},
			handler: "index",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.MalformedHandlerName", "Bad handler")
			},
		},
		{
			name:    "handler name with ..",
			files:   map[string]string{"index.js": "exports.handler = async () => 1;\n"},
			handler: "../index.handler",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "Runtime.MalformedHandlerName",
					"'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.")
			},
		},
		{
			name:    "error while loading",
			files:   map[string]string{"index.js": "throw new RangeError('init failed');\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				wantError(t, fn.initError(t), "init", "RangeError", "init failed")
			},
		},
		{
			name:    "non-serializable result",
			files:   map[string]string{"index.js": "exports.handler = async (e) => { if (!e.circular) return 'ok'; const o = {}; o.o = o; return o; };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"circular":true}`, nil)
				wantError(t, r, "error", "Error", "Unable to stringify response body")
				r, _ = fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"ok"`)
			},
		},
		{
			name:    "non-serializable result on nodejs24",
			files:   map[string]string{"index.js": "exports.handler = async () => { const o = {}; o.o = o; return o; };\n"},
			handler: "index.handler",
			env:     map[string]string{"AWS_EXECUTION_ENV": node24},
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantError(t, r, "error", "Runtime.JSONStringifyError", "Unable to stringify response body")
			},
		},
		{
			name:    "promise that never settles",
			files:   map[string]string{"index.js": "exports.handler = async (e) => e.hang ? new Promise(() => {}) : 'after';\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{"hang":true}`, nil)
				wantError(t, r, "error", "Runtime.NodeJsExit", "The Lambda runtime client detected an unexpected Node.js exit code. …")
				r, _ = fn.invoke(t, `{}`, nil)
				wantResponse(t, r, `"after"`)
			},
		},
		{
			name:    "uncaught exception ends the instance",
			files:   map[string]string{"index.js": "exports.handler = async () => { setTimeout(() => { throw new Error('late boom'); }, 5); return new Promise(() => {}); };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantError(t, r, "error", "Error", "late boom")
				if code := fn.waitExit(t); code != 129 {
					t.Errorf("exit code %d, want 129", code)
				}
			},
		},
		{
			name:    "unhandled rejection ends the instance",
			files:   map[string]string{"index.js": "exports.handler = async () => { Promise.reject(new Error('floating')); await new Promise((r) => setTimeout(r, 50)); return 'x'; };\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantError(t, r, "error", "Runtime.UnhandledPromiseRejection", "Error: floating")
				if code := fn.waitExit(t); code != 128 {
					t.Errorf("exit code %d, want 128", code)
				}
			},
		},
		{
			name:    "context, trace id and environment",
			files:   map[string]string{"index.js": contextHandler},
			handler: "index.handler",
			env:     map[string]string{"MY_VAR": "my value"},
			run: func(t *testing.T, fn *function) {
				deadline := time.Now().Add(5 * time.Second).UnixMilli()
				r, id := fn.invoke(t, `{}`, map[string]string{
					"Lambda-Runtime-Deadline-Ms":      strconv.FormatInt(deadline, 10),
					"Lambda-Runtime-Trace-Id":         "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
					"Lambda-Runtime-Client-Context":   clientContextJSON,
					"Lambda-Runtime-Cognito-Identity": cognitoJSON,
				})
				m := decodeJSON(t, r)
				want := map[string]any{
					"functionName":       "fn-under-test",
					"functionVersion":    "$LATEST",
					"invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn-under-test",
					"memoryLimitInMB":    "256",
					"awsRequestId":       id,
					"logGroupName":       "/aws/lambda/fn-under-test",
					"logStreamName":      "2024/01/01/[$LATEST]0123456789abcdef",
					"identity":           map[string]any{"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
					"clientContext":      map[string]any{"client": map[string]any{"installation_id": "inst-1", "app_title": "App"}, "custom": map[string]any{"k": "v"}, "env": map[string]any{"locale": "en"}},
					"waits":              true,
					"trace":              "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
					"myVar":              "my value",
				}
				for k, v := range want {
					if fmt.Sprint(m[k]) != fmt.Sprint(v) {
						t.Errorf("%s = %v, want %v", k, m[k], v)
					}
				}
				if remaining, _ := m["remaining"].(float64); remaining <= 0 || remaining > 5000 {
					t.Errorf("remaining = %v, want within (0, 5000]", m["remaining"])
				}
				r, _ = fn.invoke(t, `{}`, map[string]string{"Lambda-Runtime-Trace-Id": ""})
				m = decodeJSON(t, r)
				for _, k := range []string{"trace", "identity", "clientContext"} {
					if _, ok := m[k]; ok {
						t.Errorf("%s = %v, want undefined", k, m[k])
					}
				}
			},
		},
		{
			name:    "warm reuse",
			files:   map[string]string{"index.js": "let count = 0;\nexports.handler = async () => ++count;\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				for _, want := range []string{"1", "2", "3"} {
					r, _ := fn.invoke(t, `{}`, nil)
					wantResponse(t, r, want)
				}
			},
		},
		{
			name: "console formats",
			files: map[string]string{"index.js": "console.log('loading');\n" +
				"exports.handler = async () => {\n" +
				"  console.log('hello %s', 'world', { a: 1 });\n" +
				"  console.warn('two\\nlines');\n" +
				"  console.error(new Error('shown'));\n" +
				"  return 1;\n};\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				_, id := fn.invoke(t, `{}`, nil)
				ts := `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`
				qid := regexp.QuoteMeta(id)
				fn.waitOutput(t, `(?m)^`+ts+`\tundefined\tINFO\tloading\n`)
				fn.waitOutput(t, `(?m)^`+ts+`\t`+qid+`\tINFO\thello world \{ a: 1 \}\n`)
				fn.waitOutput(t, `(?m)^`+ts+`\t`+qid+`\tWARN\ttwo\rlines\n`)
				fn.waitOutput(t, `(?m)^`+ts+`\t`+qid+`\tERROR\tError: shown\r    at `)
			},
		},
		{
			name: "streaming handler is buffered",
			files: map[string]string{"index.js": "exports.handler = awslambda.streamifyResponse(async (event, stream) => {\n" +
				"  stream.setContentType('text/plain');\n  stream.write('a');\n  stream.end('b');\n});\n"},
			handler: "index.handler",
			run: func(t *testing.T, fn *function) {
				r, _ := fn.invoke(t, `{}`, nil)
				wantResponse(t, r, "ab")
				if ct := r.header.Get("Content-Type"); ct != "text/plain" {
					t.Errorf("Content-Type = %q", ct)
				}
			},
		},
	})
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	pyPath, nodePath, err := Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		want []byte
	}{{pyPath, Python()}, {nodePath, Node()}} {
		if filepath.Dir(f.path) != dir {
			t.Errorf("%s is not in %s", f.path, dir)
		}
		got, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.want) == 0 || !bytes.Equal(got, f.want) {
			t.Errorf("%s: %d bytes written, want the %d embedded", f.path, len(got), len(f.want))
		}
		if fi, err := os.Stat(f.path); err != nil || fi.Mode().Perm()&^0o022 != 0o644 {
			t.Errorf("%s: mode %v, %v", f.path, fi.Mode(), err)
		}
	}
}
