package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pySpec is a python function answering its process id and a version.
func pySpec(name, version string) Spec {
	return Spec{Name: name, LogicalID: name + "Fn", ARN: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
		Runtime: "python3.12", Handler: "index.handler", Timeout: 5 * time.Second, Reserved: -1,
		Region: "us-east-1", AccountID: "123456789012",
		Inline: "import os, time\ndef handler(e, c):\n    time.sleep(e.get('sleep', 0))\n    return {'pid': os.getpid(), 'version': '" + version + "'}\n"}
}

type pidReply struct {
	PID     int    `json:"pid"`
	Version string `json:"version"`
}

func callPID(t *testing.T, inv Invoker, fn string) pidReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := inv.Invoke(ctx, fn, []byte(`{}`))
	if err != nil {
		t.Fatalf("invoke %s: %v", fn, err)
	}
	var r pidReply
	if err := json.Unmarshal(res.Payload, &r); err != nil || res.FunctionError != "" {
		t.Fatalf("invoke %s: %s (%v)", fn, res.Payload, err)
	}
	return r
}

func processGone(pid int) bool { return syscall.Kill(pid, 0) == syscall.ESRCH }

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPrepareCommit: across a new plan, an unchanged function keeps its
// warm instance, a changed one is replaced (its code in a new folder, the
// old folder and process gone), a removed one stops; a view taken before
// the commit sends calls to the successor, or answers not found for a
// removed function.
func TestPrepareCommit(t *testing.T) {
	rt, _ := newRuntime(t, pySpec("keep", "v1"), pySpec("change", "v1"), pySpec("drop", "v1"))
	old := rt.Functions()
	keep1, change1, drop1 := callPID(t, rt, "keep"), callPID(t, rt, "change"), callPID(t, rt, "drop")
	oldDir := old.local["change"].codeDir

	plan, err := rt.Prepare([]Spec{pySpec("keep", "v1"), pySpec("change", "v2")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := callPID(t, rt, "change"); got.Version != "v1" {
		t.Fatalf("before the commit: %+v, want v1", got)
	}
	plan.Commit()
	if got := callPID(t, rt, "keep"); got.PID != keep1.PID {
		t.Errorf("unchanged function: pid %d, want the warm %d", got.PID, keep1.PID)
	}
	got := callPID(t, rt, "change")
	if got.Version != "v2" || got.PID == change1.PID {
		t.Errorf("changed function: %+v, want v2 in a new process (old pid %d)", got, change1.PID)
	}
	if newDir := rt.Functions().local["change"].codeDir; newDir == oldDir {
		t.Errorf("the new version shares the old code folder %s", oldDir)
	}
	waitFor(t, "the old version's process and code folder are gone", func() bool {
		_, err := os.Stat(oldDir)
		return processGone(change1.PID) && errors.Is(err, os.ErrNotExist)
	})
	waitFor(t, "the removed function's process is gone", func() bool { return processGone(drop1.PID) })
	// A request that took the old view before the commit.
	if got := callPID(t, old, "change"); got.Version != "v2" {
		t.Errorf("old view, changed function: %+v, want the successor's v2", got)
	}
	if _, err := old.Invoke(context.Background(), "drop", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Errorf("old view, removed function: %v, want ErrNotFound", err)
	}
	if rt.Has("drop") {
		t.Error("the removed function is still in the runtime")
	}
}

// TestInFlightFinishesOnOldVersion: an invocation running when its
// function is replaced ends normally, on the old code; the instance then
// stops.
func TestInFlightFinishesOnOldVersion(t *testing.T) {
	rt, _ := newRuntime(t, pySpec("slow", "v1"))
	first := callPID(t, rt, "slow")
	done := make(chan pidReply, 1)
	go func() {
		res, err := rt.Invoke(context.Background(), "slow", []byte(`{"sleep": 1}`))
		var r pidReply
		if err == nil {
			json.Unmarshal(res.Payload, &r)
		}
		done <- r
	}()
	waitFor(t, "the slow invocation is running", func() bool { total, idle := rt.Instances("slow"); return total == 1 && idle == 0 })
	plan, err := rt.Prepare([]Spec{pySpec("slow", "v2")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan.Commit()
	if r := <-done; r.Version != "v1" || r.PID != first.PID {
		t.Errorf("in-flight invocation: %+v, want v1 on pid %d", r, first.PID)
	}
	if got := callPID(t, rt, "slow"); got.Version != "v2" {
		t.Errorf("after: %+v", got)
	}
	waitFor(t, "the old instance stops after its invocation", func() bool { return processGone(first.PID) })
}

// TestPrepareAbort: a plan that is thrown away changes nothing running and
// leaves no code folder behind; a plan with a function that cannot run
// fails whole.
func TestPrepareAbort(t *testing.T) {
	rt, _ := newRuntime(t, pySpec("fn", "v1"))
	first := callPID(t, rt, "fn")
	plan, err := rt.Prepare([]Spec{pySpec("fn", "v2")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	freshDir := plan.Functions().local["fn"].codeDir
	plan.Abort()
	if _, err := os.Stat(freshDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the aborted plan's code folder %s is still there", freshDir)
	}
	if got := callPID(t, rt, "fn"); got.PID != first.PID || got.Version != "v1" {
		t.Errorf("after abort: %+v, want v1 on pid %d", got, first.PID)
	}
	bad := pySpec("other", "v1")
	bad.Runtime = "java21"
	if _, err := rt.Prepare([]Spec{pySpec("fn", "v3"), bad}, nil); err == nil || !strings.Contains(err.Error(), "java21") {
		t.Fatalf("a plan with an unsupported runtime: %v", err)
	}
	if got := callPID(t, rt, "fn"); got.PID != first.PID || got.Version != "v1" {
		t.Errorf("after a failed plan: %+v, want v1 on pid %d", got, first.PID)
	}
	// The runtime takes a new plan after a failed one.
	plan, err = rt.Prepare([]Spec{pySpec("fn", "v3")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	plan.Commit()
	if got := callPID(t, rt, "fn"); got.Version != "v3" {
		t.Errorf("after the next plan: %+v", got)
	}
}

// TestSpecKey: what changes a function's key, and what does not.
func TestSpecKey(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/index.py", []byte("x"), 0o644)
	base := pySpec("fn", "v1")
	key := func(s Spec) string {
		t.Helper()
		k, err := specKey(s, []string{filepath.Join(dir, "data")})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	same := base
	same.Env = map[string]string{}
	if key(base) != key(same) {
		t.Error("an empty environment changed the key")
	}
	for name, change := range map[string]func(s *Spec){
		"code":    func(s *Spec) { s.Inline += "#" },
		"timeout": func(s *Spec) { s.Timeout++ },
		"env":     func(s *Spec) { s.Env = map[string]string{"A": "1"} },
		"memory":  func(s *Spec) { s.MemoryMB = 512 },
		"handler": func(s *Spec) { s.Handler = "index.other" },
	} {
		s := base
		change(&s)
		if key(s) == key(base) {
			t.Errorf("%s: the key did not change", name)
		}
	}
	folder := base
	folder.Inline, folder.Dir = "", dir
	k1 := key(folder)
	time.Sleep(10 * time.Millisecond)
	os.WriteFile(dir+"/index.py", []byte("y"), 0o644)
	k2 := key(folder)
	if k2 == k1 {
		t.Error("a changed file in the code folder did not change the key")
	}
	// What apigw writes under --data, and the runtime's bytecode, are no
	// change of the code.
	os.MkdirAll(filepath.Join(dir, "data", "lambda"), 0o755)
	os.WriteFile(filepath.Join(dir, "data", "lambda", "x"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "__pycache__"), 0o755)
	os.WriteFile(filepath.Join(dir, "__pycache__", "index.cpython-312.pyc"), []byte("x"), 0o644)
	if key(folder) != k2 {
		t.Error("files under --data or __pycache__ changed the key")
	}
}
