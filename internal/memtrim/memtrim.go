// Package memtrim gives memory back to the operating system after large
// request or response bodies.
//
// Without it, a burst of large bodies (50 parallel 10 MB uploads) leaves
// apigw's resident memory at its peak for good: the Go runtime keeps freed
// heap pages for reuse and returns them only slowly, and only after garbage
// collections that an idle process does not run. The data plane does not
// pool buffers over LargeBody; once a burst of them is over (Quiet without
// another), Trim runs a collection and returns the free pages at once.
package memtrim

import (
	"runtime/debug"
	"sync"
	"time"
)

// LargeBody is the size from which a body's buffer is not kept for reuse
// and counts toward a trim.
const LargeBody = 1 << 20

// Quiet is how long after the last large body the memory is trimmed.
const Quiet = 2 * time.Second

var (
	mu    sync.Mutex
	last  time.Time
	timer *time.Timer
)

// Note records that a large body has just been handled (its buffer dropped).
// It is cheap: a lock and a timestamp; the trim runs later, once.
func Note() {
	mu.Lock()
	defer mu.Unlock()
	last = time.Now()
	if timer == nil {
		timer = time.AfterFunc(Quiet, fire)
	}
}

func fire() {
	mu.Lock()
	if wait := Quiet - time.Since(last); wait > 0 {
		timer.Reset(wait) // more large bodies came: wait for the burst to end
		mu.Unlock()
		return
	}
	timer = nil
	mu.Unlock()
	debug.FreeOSMemory()
}
