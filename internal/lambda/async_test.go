package lambda

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestAsyncQueue: Event invocations queue per function up to
// maxQueuedEvents (then ErrQueueFull), run on at most the function's
// concurrency, and Close drops what is queued, ends what runs and waits
// for the workers.
func TestAsyncQueue(t *testing.T) {
	spec := pySpec("queued", "v1")
	spec.Reserved = 1
	rt, logs := newRuntime(t, spec)
	p, err := rt.Functions().lookupLocal("queued")
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for i := 0; i < maxQueuedEvents+10; i++ {
		err := p.enqueue([]byte(`{"sleep": 2}`), invokeOptions{})
		if errors.Is(err, ErrQueueFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		accepted++
	}
	if accepted < maxQueuedEvents || accepted > maxQueuedEvents+1 {
		t.Errorf("accepted %d Event invocations before ErrQueueFull, want %d (+1 taken by the worker)", accepted, maxQueuedEvents)
	}
	waitFor(t, "the first queued invocation starts", func() bool { return strings.Count(logs.String(), "START RequestId") == 1 })
	if total, _ := rt.Instances("queued"); total != 1 {
		t.Errorf("%d instances for a function with reserved concurrency 1", total)
	}
	start := time.Now()
	rt.Close()
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("Close took %v with a full queue", d)
	}
	time.Sleep(300 * time.Millisecond)
	if n := strings.Count(logs.String(), "START RequestId"); n != 1 {
		t.Errorf("%d invocations started, want only the one running when Close began", n)
	}
	if err := p.enqueue([]byte(`{}`), invokeOptions{}); err == nil {
		t.Error("enqueue after Close succeeded")
	}
}
