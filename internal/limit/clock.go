// Package limit holds the arithmetic of API Gateway's throttling and quotas: token buckets
// keyed by string and the UTC boundaries of quota periods. It knows nothing of HTTP and keeps
// no state across restarts (internal/state does).
package limit

import (
	"sync"
	"time"
)

// Clock tells the time. Everything in this package and in internal/state takes its time from
// a Clock (or from an explicit argument) so tests can move time by hand.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// System is the wall clock (time.Now).
var System Clock = systemClock{}

// FakeClock is a Clock for tests that only moves when told. Safe for concurrent use. The
// zero value reads the zero time; NewFakeClock starts at a given time.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock reading t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's current time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t (forwards or backwards).
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d and returns the new time.
func (c *FakeClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
