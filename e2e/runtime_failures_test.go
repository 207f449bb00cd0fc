package e2e

// Functions that fail, through API Gateway, and functions whose code cannot
// run at all.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rtFailStep is one failing request and API Gateway's answer to it.
type rtFailStep struct {
	name    string
	path    string
	status  int
	body    string
	errType string // x-amzn-ErrorType ("" = not checked)
	// replaced: the process is gone afterwards (Lambda ends an execution
	// environment whose function timed out or crashed); the next request
	// runs in a new one.
	replaced bool
}

const rtInternalErrType = "InternalServerErrorException"

// rtFailureCases (aws-reference §3.2, §2.1): a function error, a malformed
// proxy response, a function timeout or a crash is 502 {"message": "Internal
// server error"}; a function slower than the integration's TimeoutInMillis is
// 504 {"message": "Endpoint request timed out"}. After each, the function
// answers again.
func rtFailureCases(t *testing.T, in *Instance) {
	bad := func(name, path string, replaced bool) rtFailStep {
		return rtFailStep{name, path, http.StatusBadGateway, internalErrBody, rtInternalErrType, replaced}
	}
	groups := []struct {
		name     string
		okPath   string // a request the function answers with 200 {"pid": N}
		steps    []rtFailStep
		function string        // the function, for the Invoke API
		invoke   []rtInvokeErr // the same failures through the Invoke API
	}{
		{"python", "/test/fail/py/ok", []rtFailStep{
			bad("raises", "/test/fail/py/raise", false),
			bad("returns a bare string", "/test/fail/py/string", false),
			bad("returns an unknown key", "/test/fail/py/unknownkey", false),
			bad("returns a statusCode that is not a number", "/test/fail/py/badstatus", false),
			bad("returns bytes that are not JSON", "/test/fail/py/bytes", false),
			bad("returns more than 6 MB", "/test/fail/py/huge", false),
			bad("sleeps past its Timeout of 1 s", "/test/fail/py/sleep", true),
			bad("calls os._exit(1)", "/test/fail/py/exit", true),
		}, "rt-py-fail", []rtInvokeErr{
			{"raise", "RuntimeError", `asked to raise`},
			{"sleep", "Sandbox.Timedout", `RequestId: {id} Error: Task timed out after 1.00 seconds`},
			{"exit", "Runtime.ExitError", `RequestId: {id} Error: Runtime exited with error: exit status 1`},
		}},
		{"nodejs", "/test/fail/node/ok", []rtFailStep{
			bad("throws", "/test/fail/node/throw", false),
			bad("returns a bare string", "/test/fail/node/string", false),
			bad("sleeps past its Timeout of 1 s", "/test/fail/node/sleep", true),
			bad("calls process.exit(1)", "/test/fail/node/exit", true),
		}, "rt-node-fail", []rtInvokeErr{
			{"throw", "Error", `asked to throw`},
			{"sleep", "Sandbox.Timedout", `RequestId: {id} Error: Task timed out after 1.00 seconds`},
			{"exit", "Runtime.ExitError", `RequestId: {id} Error: Runtime exited with error: exit status 1`},
		}},
		{"go", "/test/echo/godir/1", []rtFailStep{
			// aws-lambda-go reports a panic, then the process exits.
			bad("panics", "/test/echo/godir/panic", true),
		}, "rt-go-dir", []rtInvokeErr{
			// aws-lambda-go: the panic value's type and text.
			{"panic", "string", `gofn: asked to panic`},
		}},
		{"integration timeout", "/test/slowok", []rtFailStep{
			{"sleeps past TimeoutInMillis 500 (Timeout 5)", "/test/slow/sleep", http.StatusGatewayTimeout, timeoutBody, "", false},
		}, "", nil},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			t.Parallel()
			before := rtPid(t, get(t, in.URL(g.okPath)))
			for _, s := range g.steps {
				t.Run(s.name, func(t *testing.T) {
					r := get(t, in.URL(s.path))
					assertGatewayError(t, r, s.status, s.body, s.errType)
					after := rtPid(t, get(t, in.URL(g.okPath)))
					if s.replaced {
						if after == before {
							t.Errorf("the next request ran in the same process (%d), want a new execution environment", after)
						}
						if left := rtLeftOver([]int{before}, 3*time.Second); len(left) > 0 {
							t.Errorf("the failed instance's process %d (%s) still runs", before, rtCmdline(before))
						}
					}
					before = after
				})
			}
			for _, e := range g.invoke {
				t.Run("Invoke API "+e.mode, func(t *testing.T) {
					key := "mode"
					if g.function == "rt-go-dir" {
						key = "id"
					}
					r := rtInvoke(t, in, g.function, `{"pathParameters":{"`+key+`":"`+e.mode+`"}}`, nil)
					id := r.Header.Get("x-amzn-RequestId")
					want := strings.ReplaceAll(e.message, "{id}", id)
					var got struct {
						ErrorType    string `json:"errorType"`
						ErrorMessage string `json:"errorMessage"`
					}
					if r.Status != 200 || r.Header.Get("X-Amz-Function-Error") != "Unhandled" ||
						json.Unmarshal(r.Body, &got) != nil || got.ErrorType != e.errorType || got.ErrorMessage != want {
						t.Errorf("got %d X-Amz-Function-Error %q %s\nwant 200 Unhandled {\"errorType\": %q, \"errorMessage\": %q}",
							r.Status, r.Header.Get("X-Amz-Function-Error"), r.Body, e.errorType, want)
					}
					rtPid(t, get(t, in.URL(g.okPath))) // and it answers again
				})
			}
		})
	}
}

// rtInvokeErr is a failure through the Invoke API: 200, X-Amz-Function-Error
// Unhandled, and the error payload (aws-reference §11.3).
type rtInvokeErr struct {
	mode      string // the path parameter that selects the failure
	errorType string
	message   string // the errorMessage; {id} is the request id
}

// TestRuntimeBadCode: a handler that does not exist, a python syntax error, a
// bootstrap that is not executable. The request gets 502, /healthz on the
// admin listener turns 503 naming the function, the Invoke API reports the
// runtime's error type, and the template's other function keeps answering.
func TestRuntimeBadCode(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "badcode.yaml")
	rtCopyFile(t, rtData("badcode.yaml"), tmpl, 0o644)
	rtCopyFile(t, rtData("notexec-bootstrap.sh"), filepath.Join(dir, "notexec", "bootstrap"), 0o644)
	const region = "ap-southeast-2"
	in := startAPIGW(t, tmpl, "--region", region)

	good := func(t *testing.T) {
		t.Helper()
		// AWS_REGION is --region.
		assertStatusBody(t, get(t, in.URL("/prod/good")), 200, `{"region": "`+region+`"}`)
	}
	good(t)

	cases := []struct {
		path, function string
		errorType      string // in the Invoke API's error payload (LDG, runtimes)
		message        string // part of its errorMessage
	}{
		{"/prod/nohandlerpy", "rt-nohandler-py", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'index'"},
		{"/prod/nohandlernode", "rt-nohandler-node", "Runtime.HandlerNotFound", "index.nope is undefined or not exported"},
		{"/prod/syntax", "rt-syntax-py", "Runtime.UserCodeSyntaxError", "Syntax error in module 'index'"},
		{"/prod/notexec", "rt-notexec", "Runtime.InvalidEntrypoint", "permission denied"},
	}
	for _, c := range cases {
		t.Run(c.function, func(t *testing.T) {
			r := get(t, in.URL(c.path))
			assertGatewayError(t, r, http.StatusBadGateway, internalErrBody, rtInternalErrType)

			h := get(t, in.AdminURL+"/healthz")
			if h.Status != http.StatusServiceUnavailable || !strings.Contains(string(h.Body), c.function) {
				t.Errorf("/healthz: got %d %s, want 503 naming %s", h.Status, h.Body, c.function)
			}

			good(t)

			r = rtInvoke(t, in, c.function, `{}`, nil)
			if r.Status != 200 || r.Header.Get("X-Amz-Function-Error") != "Unhandled" {
				t.Errorf("Invoke: got %d X-Amz-Function-Error %q, want 200 Unhandled\n%s", r.Status, r.Header.Get("X-Amz-Function-Error"), r)
			}
			var e struct {
				ErrorType    string `json:"errorType"`
				ErrorMessage string `json:"errorMessage"`
			}
			if err := json.Unmarshal(r.Body, &e); err != nil || e.ErrorType != c.errorType || !strings.Contains(e.ErrorMessage, c.message) {
				t.Errorf("Invoke payload %s: want errorType %q and an errorMessage with %q", r.Body, c.errorType, c.message)
			}
		})
	}
}

// TestRuntimeRefused: a runtime apigw cannot run and a code folder that does
// not exist make validate and serve exit 1 with an error naming the
// function's logical ID (CONTRACT.md).
func TestRuntimeRefused(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	cases := []struct {
		template, logicalID, words string
	}{
		{"java17.yaml", "JavaFunction", "runtime java17"},
		{"missing-code.yaml", "MissingCodeFunction", "no-such-folder"},
	}
	for _, c := range cases {
		t.Run(c.template, func(t *testing.T) {
			t.Parallel()
			tmpl := rtData(c.template)
			if _, err := os.Stat(tmpl); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runValidate(t, tmpl)
			if code != 1 {
				t.Errorf("validate: exit %d, want 1\n%s%s", code, stdout, stderr)
			}
			for _, w := range []string{c.logicalID, c.words} {
				if !strings.Contains(stderr, w) {
					t.Errorf("validate's errors do not name %q:\n%s", w, stderr)
				}
			}
			_, serr := runServeExpectFail(t, tmpl)
			for _, w := range []string{c.logicalID, c.words} {
				if !strings.Contains(serr, w) {
					t.Errorf("serve's errors do not name %q:\n%s", w, serr)
				}
			}
		})
	}
}
