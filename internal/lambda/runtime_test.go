package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var goFnDir string // a folder holding the test function's bootstrap

func TestMain(m *testing.M) {
	RunSupervisorIfAsked()
	dir, err := os.MkdirTemp("", "apigw-gofn-")
	if err != nil {
		panic(err)
	}
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", filepath.Join(dir, "bootstrap"), "./testdata/gofn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	goFnDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newRuntime(t *testing.T, specs ...Spec) (*Runtime, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	for i := range specs {
		if specs[i].Region == "" {
			specs[i].Region, specs[i].AccountID = "us-east-1", "123456789012"
		}
		if specs[i].ARN == "" {
			specs[i].ARN = "arn:aws:lambda:us-east-1:123456789012:function:" + specs[i].Name
		}
		if specs[i].Reserved == 0 && specs[i].Description != "reserved0" {
			specs[i].Reserved = -1
		}
	}
	rt, err := NewRuntime(specs, Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt, logs
}

func goSpec(name string) Spec {
	return Spec{Name: name, LogicalID: name + "Fn", Runtime: "provided.al2023", Handler: "bootstrap", Dir: goFnDir, Timeout: 3 * time.Second, MemoryMB: 256}
}

type fnReply struct {
	Action, RequestID, FunctionName, Data string
	PID, Memory                           int
	RemainingMS                           int64
	Env                                   map[string]string
	ErrorType, ErrorMessage               string
}

func invoke(t *testing.T, rt *Runtime, fn, payload string) (Result, fnReply) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, fn, []byte(payload))
	if err != nil {
		t.Fatalf("invoke %s %s: %v", fn, payload, err)
	}
	var r fnReply
	if err := json.Unmarshal(res.Payload, &r); err != nil {
		t.Fatalf("reply %q: %v", res.Payload, err)
	}
	return res, r
}

func TestGoFunctionWarm(t *testing.T) {
	rt, logs := newRuntime(t, goSpec("echo"))
	res, r := invoke(t, rt, "echo", `{"action":"calls"}`)
	if res.FunctionError != "" || r.FunctionName != "echo" || r.Memory != 256 || r.RequestID != res.RequestID {
		t.Fatalf("first call: %+v %+v", res, r)
	}
	if r.RemainingMS <= 0 || r.RemainingMS > 3000 {
		t.Errorf("remaining time %d ms, want within the 3 s timeout", r.RemainingMS)
	}
	_, r2 := invoke(t, rt, "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST", `{"action":"calls"}`)
	if r2.PID != r.PID || r2.Data != "ii" {
		t.Errorf("second call ran in pid %d (first %d) with %q: the instance was not kept warm", r2.PID, r.PID, r2.Data)
	}
	for _, want := range []string{"START RequestId: " + r.RequestID + " Version: $LATEST", "END RequestId: " + r.RequestID, "REPORT RequestId: " + r.RequestID, "Init Duration:"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
	if _, err := rt.Invoke(context.Background(), "echo:prod", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown qualifier: %v", err)
	}
	if _, err := rt.Invoke(context.Background(), "nope", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown function: %v", err)
	}
}

func TestGoFunctionFailures(t *testing.T) {
	s := goSpec("fail")
	s.Timeout = time.Second
	rt, _ := newRuntime(t, s)
	cases := []struct {
		payload, errType, msg string
	}{
		{`{"action":"error"}`, "errorString", "something went wrong"},
		{`{"action":"panic"}`, "string", "boom"},
		{`{"action":"exit"}`, "Runtime.ExitError", "Runtime exited with error: exit status 3"},
		{`{"action":"sleep","sleepMs":3000}`, "Sandbox.Timedout", "Task timed out after 1.00 seconds"},
		{`{"action":"big","size":7000000}`, "Function.ResponseSizeTooLarge", "Response payload size exceeded"},
	}
	for _, c := range cases {
		res, r := invoke(t, rt, "fail", c.payload)
		if res.FunctionError != "Unhandled" || r.ErrorType != c.errType || !strings.Contains(r.ErrorMessage, c.msg) {
			t.Errorf("%s: %s %s", c.payload, res.FunctionError, res.Payload)
		}
		// Every failure leaves the function usable.
		if res, r := invoke(t, rt, "fail", `{"action":"echo"}`); res.FunctionError != "" || r.Action != "echo" {
			t.Errorf("after %s: %s", c.payload, res.Payload)
		}
	}
}

func TestConcurrencyStartsInstances(t *testing.T) {
	rt, _ := newRuntime(t, goSpec("slow"))
	const n = 4
	pids := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, r := invoke(t, rt, "slow", `{"action":"sleep","sleepMs":300}`)
			pids <- r.PID
		}()
	}
	wg.Wait()
	close(pids)
	seen := map[int]bool{}
	for p := range pids {
		seen[p] = true
	}
	if len(seen) != n {
		t.Errorf("%d parallel invocations ran in %d instances, want one each", n, len(seen))
	}
	if total, idle := rt.Instances("slow"); total != n || idle != n {
		t.Errorf("instances total=%d idle=%d, want %d warm", total, idle, n)
	}
}

func TestReservedConcurrency(t *testing.T) {
	one := goSpec("one")
	one.Reserved = 1
	zero := goSpec("zero")
	zero.Reserved, zero.Description = 0, "reserved0"
	rt, _ := newRuntime(t, one, zero)
	if _, err := rt.Invoke(context.Background(), "zero", []byte(`{}`)); !errors.Is(err, ErrThrottled) {
		t.Errorf("reserved 0: %v, want throttled", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		invoke(t, rt, "one", `{"action":"sleep","sleepMs":1500}`)
	}()
	// Wait until the first invocation holds the only instance.
	for i := 0; i < 100; i++ {
		if total, idle := rt.Instances("one"); total == 1 && idle == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := rt.Invoke(context.Background(), "one", []byte(`{}`)); !errors.Is(err, ErrThrottled) {
		t.Errorf("second concurrent call: %v, want throttled", err)
	}
	<-done
}

func TestEnvironment(t *testing.T) {
	s := goSpec("env")
	s.Env = map[string]string{"TABLE": "users", "AWS_REGION": "xx-override-1"}
	rt, _ := newRuntime(t, s)
	_, r := invoke(t, rt, "env", `{"action":"env","env":"TABLE,AWS_REGION,AWS_LAMBDA_FUNCTION_NAME,AWS_LAMBDA_FUNCTION_MEMORY_SIZE,AWS_LAMBDA_FUNCTION_VERSION,LAMBDA_TASK_ROOT,_HANDLER,AWS_LAMBDA_LOG_GROUP_NAME,AWS_EXECUTION_ENV"}`)
	want := map[string]string{"TABLE": "users", "AWS_REGION": "us-east-1", "AWS_LAMBDA_FUNCTION_NAME": "env",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "LAMBDA_TASK_ROOT": goFnDir,
		"_HANDLER": "bootstrap", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env", "AWS_EXECUTION_ENV": ""}
	for k, v := range want {
		if r.Env[k] != v {
			t.Errorf("%s=%q, want %q", k, r.Env[k], v)
		}
	}
}

func TestInvalidEntrypoint(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bootstrap"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := Spec{Name: "bad", Runtime: "provided.al2", Dir: dir, Timeout: time.Second}
	rt, _ := newRuntime(t, bad, goSpec("good"))
	res, r := invoke(t, rt, "bad", `{}`)
	if res.FunctionError != "Unhandled" || r.ErrorType != "Runtime.InvalidEntrypoint" || !strings.Contains(r.ErrorMessage, "permission denied") {
		t.Errorf("non-executable bootstrap: %s", res.Payload)
	}
	if h := rt.Health(); !strings.Contains(h["function bad"], "InvalidEntrypoint") || len(h) != 1 {
		t.Errorf("health %v", h)
	}
	if res, _ := invoke(t, rt, "good", `{"action":"echo"}`); res.FunctionError != "" {
		t.Errorf("other function affected: %s", res.Payload)
	}
}

func TestCloseEndsInstances(t *testing.T) {
	rt, _ := newRuntime(t, goSpec("a"))
	_, r := invoke(t, rt, "a", `{"action":"echo"}`)
	rt.Close()
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(r.PID, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("instance %d outlived Close", r.PID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCallerGivesUp(t *testing.T) {
	rt, _ := newRuntime(t, goSpec("slowpoke"))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := rt.Invoke(ctx, "slowpoke", []byte(`{"action":"sleep","sleepMs":600}`)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	// The instance finishes its invocation and serves again.
	res, r := invoke(t, rt, "slowpoke", `{"action":"echo"}`)
	if res.FunctionError != "" || r.Action != "echo" {
		t.Errorf("after an abandoned call: %s", res.Payload)
	}
}

func TestHealthBeforeFirstInvocation(t *testing.T) {
	ok := Spec{Name: "ok", Runtime: "python3.12", Handler: "index.handler", Inline: "def handler(e, c):\n    return 1\n", Timeout: 3 * time.Second}
	missing := Spec{Name: "missing", Runtime: "python3.12", Handler: "nope.handler", Inline: "def handler(e, c):\n    return 1\n", Timeout: 3 * time.Second}
	rt, _ := newRuntime(t, ok, missing)
	h := rt.Health()
	if len(h) != 1 || !strings.Contains(h["function missing"], "Runtime.ImportModuleError") {
		t.Fatalf("health before any invocation: %v", h)
	}
	// The first invocation's real outcome replaces the guess.
	res, r := invoke(t, rt, "missing", `{}`)
	if res.FunctionError != "Unhandled" || r.ErrorType != "Runtime.ImportModuleError" {
		t.Errorf("invocation: %s", res.Payload)
	}
	if !strings.Contains(rt.Health()["function missing"], "Unable to import module 'nope'") {
		t.Errorf("health after the invocation: %v", rt.Health())
	}
}

// TestPoolQueues: without reserved concurrency, calls beyond the pool's cap
// wait for a free instance instead of failing.
func TestPoolQueues(t *testing.T) {
	s := goSpec("queued")
	s.Region, s.AccountID, s.ARN, s.Reserved = "us-east-1", "123456789012", "arn:aws:lambda:us-east-1:123456789012:function:queued", -1
	rt, err := NewRuntime([]Spec{s}, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), WorkDir: t.TempDir(), DefaultConcurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	const n = 5
	pids := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, r := invoke(t, rt, "queued", `{"action":"sleep","sleepMs":200}`)
			if res.FunctionError != "" {
				t.Errorf("queued call failed: %s", res.Payload)
			}
			pids <- r.PID
		}()
	}
	wg.Wait()
	close(pids)
	seen := map[int]bool{}
	for p := range pids {
		seen[p] = true
	}
	if len(seen) > 2 {
		t.Errorf("%d instances served %d calls, want at most the cap of 2", len(seen), n)
	}
	if total, _ := rt.Instances("queued"); total > 2 {
		t.Errorf("%d instances running, want at most 2", total)
	}
}
