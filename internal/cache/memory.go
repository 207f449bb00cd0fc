package cache

import (
	"time"

	"github.com/maypok86/otter/v2"
)

// Memory is a Store in the process's memory: otter's cache, weighed by
// entry size, so that it evicts the entries least likely to be used again
// when the budget is reached, and drops entries when they expire.
type Memory struct {
	c      *otter.Cache[string, *Entry]
	budget uint64
}

// NewMemory makes a store holding at most budget bytes (as Entry.Size
// counts them).
func NewMemory(budget uint64) *Memory {
	return &Memory{budget: budget, c: otter.Must(&otter.Options[string, *Entry]{
		MaximumWeight: budget,
		Weigher:       func(k string, e *Entry) uint32 { return uint32(e.Size(k)) },
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *Entry]) time.Duration {
			return time.Until(time.Unix(0, e.Value.Expires))
		}),
	})}
}

func (m *Memory) Get(key string) (*Entry, bool) { return m.c.GetIfPresent(key) }

func (m *Memory) Set(key string, e *Entry) bool {
	if len(e.Body) > MaxEntrySize || uint64(e.Size(key)) > m.budget {
		return false
	}
	m.c.Set(key, e)
	return true
}

func (m *Memory) Flush() { m.c.InvalidateAll() }

func (m *Memory) Usage() (uint64, int) { return m.c.WeightedSize(), m.c.EstimatedSize() }

func (m *Memory) Close() {
	m.c.InvalidateAll()
	m.c.StopAllGoroutines()
}
