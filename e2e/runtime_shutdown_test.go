package e2e

// No function process outlives apigw: not after SIGTERM (a clean shutdown),
// not after SIGKILL (the instances die with their parent).

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rtWorkload is what a shutdown test has running when it stops apigw.
type rtWorkload struct {
	instances  []int          // function processes: idle, busy with a request, busy with an Event invocation
	idleChild  []int          // background processes started by an instance that is idle at shutdown: plain, in a session of its own, detached
	busyChild  int            // a background process, in a session of its own, started by an instance still busy (Event) at shutdown
	inFlight   chan *response // the answer to a request still running at shutdown (nil on error)
	runtimeDir string         // apigw's work folder (LAMBDA_RUNTIME_DIR)
	procs      rtProcs        // every pid above
}

// rtStartWorkload runs, on apigw at baseURL serving shutdown.yaml: idle python
// and nodejs instances; a python instance busy with an Event invocation that
// started a background `sleep 30`; one busy with an API request; an idle one
// that started a background `sleep 30` too.
func rtStartWorkload(t *testing.T, baseURL string) *rtWorkload {
	t.Helper()
	w := &rtWorkload{inFlight: make(chan *response, 1)}
	dir := t.TempDir()
	w.procs.killOnCleanup(t)
	add := func(instance bool, pids ...int) {
		if instance {
			w.instances = append(w.instances, pids...)
		}
		w.procs.add(pids...)
	}
	for _, r := range rtParallel(t, 3, req{URL: baseURL + "/prod/py"}) {
		add(true, rtPid(t, r))
	}
	for _, r := range rtParallel(t, 2, req{URL: baseURL + "/prod/node"}) {
		add(true, rtPid(t, r))
	}

	// Busy with an Event invocation (Lambda's asynchronous invoke), with a child.
	held := filepath.Join(dir, "event.pid")
	ev, _ := json.Marshal(map[string]any{"queryStringParameters": map[string]string{"spawn": "session", "hold": held, "secs": "20"}})
	r := do(t, req{Method: http.MethodPost, URL: baseURL + "/2015-03-31/functions/rt-shut-py/invocations", Body: string(ev),
		Header: map[string]string{"X-Amz-Invocation-Type": "Event"}})
	if r.Status != http.StatusAccepted {
		t.Fatalf("Event invocation: got %d, want 202\n%s", r.Status, r)
	}
	var pid int
	if _, err := fmt.Sscan(rtWaitFile(t, held, 15*time.Second), &pid, &w.busyChild); err != nil {
		t.Fatalf("%s: %v", held, err)
	}
	add(true, pid)
	add(false, w.busyChild)

	// Busy with an API request that is still running when apigw is told to stop.
	busy := filepath.Join(dir, "request.pid")
	go func() {
		r, err := send(req{URL: baseURL + "/prod/py?hold=" + url.QueryEscape(busy) + "&secs=2"})
		if err != nil {
			r = nil
		}
		w.inFlight <- r
	}()
	pid, err := strconv.Atoi(rtWaitFile(t, busy, 15*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	add(true, pid)

	// Idle, with children of every kind: one in the instance's process
	// group, one in a session of its own, one detached (its parent gone).
	for _, spawn := range []string{"1", "session", "daemon"} {
		var out struct {
			Pid        int    `json:"pid"`
			Child      int    `json:"child"`
			RuntimeDir string `json:"runtimeDir"`
		}
		r = get(t, baseURL+"/prod/py?spawn="+spawn)
		rtDecode(t, r, &out)
		if out.Child <= 0 || out.RuntimeDir == "" || !rtRunning(out.Child) {
			t.Fatalf("spawn=%s: no running child in %s", spawn, r)
		}
		add(true, out.Pid)
		add(false, out.Child)
		w.idleChild = append(w.idleChild, out.Child)
		w.runtimeDir = out.RuntimeDir
	}
	return w
}

// rtAssertWorkloadGone checks that nothing of the workload runs any more.
func rtAssertWorkloadGone(t *testing.T, w *rtWorkload) {
	t.Run("function instances", func(t *testing.T) {
		rtAssertGone(t, &w.procs, "function processes", w.instances, 5*time.Second)
	})
	t.Run("background child of an idle instance", func(t *testing.T) {
		rtAssertGone(t, &w.procs, "processes an idle function instance started (plain, new session, detached)", w.idleChild, 5*time.Second)
	})
	t.Run("background child of a busy instance", func(t *testing.T) {
		rtAssertGone(t, &w.procs, "a process in a session of its own that a function instance busy with an Event invocation started", []int{w.busyChild}, 5*time.Second)
	})
}

// TestRuntimeShutdownSIGTERM: apigw lets the request in flight finish, exits
// 0, and leaves no function process behind.
func TestRuntimeShutdownSIGTERM(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	in := startAPIGW(t, rtData("shutdown.yaml"))
	w := rtStartWorkload(t, in.BaseURL)

	code, err := in.Stop()
	if err != nil || code != 0 {
		t.Errorf("after SIGTERM apigw exited %d (%v), want 0", code, err)
	}
	select {
	case r := <-w.inFlight:
		if r == nil || r.Status != 200 {
			t.Errorf("the request in flight at SIGTERM got %v, want 200 (apigw drains its listeners)", r)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("the request in flight at SIGTERM got no answer")
	}
	rtAssertWorkloadGone(t, w)
	if _, err := os.Stat(w.runtimeDir); err == nil {
		t.Errorf("apigw's work folder %s is still there after a clean shutdown", w.runtimeDir)
	}
}

// TestRuntimeShutdownSIGKILL: apigw killed outright takes its function
// processes with it.
func TestRuntimeShutdownSIGKILL(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	cmd, base, exited := rtStartUnmanaged(t, rtData("shutdown.yaml"))
	w := rtStartWorkload(t, base)
	t.Cleanup(func() {
		// apigw could not remove its work folder: the test does.
		if w.runtimeDir != "" && strings.HasPrefix(filepath.Base(w.runtimeDir), "apigw-lambda-") {
			os.RemoveAll(w.runtimeDir)
		}
	})

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("apigw did not end after SIGKILL")
	}
	rtAssertWorkloadGone(t, w)
}

// rtStartUnmanaged runs `apigw serve` like startAPIGW, but leaves stopping it
// to the test (startAPIGW's cleanup wants exit 0 after SIGTERM). The cleanup
// kills it if it still runs.
func rtStartUnmanaged(t *testing.T, template string) (cmd *exec.Cmd, baseURL string, exited chan struct{}) {
	t.Helper()
	cmd = exec.Command(apigwBin, "serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--data", t.TempDir(), template)
	cmd.Dir = t.TempDir()
	ready := make(chan string, 1)
	stderr := &lineWriter{onLine: func(line string) {
		if m := servingLine.FindStringSubmatch(line); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
	}}
	cmd.Stdout, cmd.Stderr = &syncBuffer{}, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("apigw stderr:\n%s", clip(stderr.String(), 8000))
		}
	})
	select {
	case addr := <-ready:
		return cmd, "http://" + addr, exited
	case <-exited:
		t.Fatalf("apigw exited before serving:\n%s", stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("apigw did not serve within 20 s:\n%s", stderr.String())
	}
	return nil, "", nil
}

// TestRuntimeTimeoutEndsChildren: a function that times out loses its
// execution environment, and with it every process it started, also one in
// a session of its own.
func TestRuntimeTimeoutEndsChildren(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	in := startAPIGW(t, rtData("shutdown.yaml"))
	var procs rtProcs
	procs.killOnCleanup(t)
	held := filepath.Join(t.TempDir(), "short.pid")
	r := get(t, in.URL("/prod/short?spawn=session&secs=5&hold="+url.QueryEscape(held)))
	assertGatewayError(t, r, http.StatusBadGateway, internalErrBody, rtInternalErrType)
	var pid, child int
	if _, err := fmt.Sscan(rtWaitFile(t, held, 5*time.Second), &pid, &child); err != nil {
		t.Fatalf("%s: %v", held, err)
	}
	procs.add(pid, child)
	rtAssertGone(t, &procs, "the timed-out function and the process it started in a session of its own", []int{pid, child}, 5*time.Second)
}
