package cache

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func entry(body int, ttl time.Duration) *Entry {
	return &Entry{Status: 200, Body: bytes.Repeat([]byte("x"), body), Expires: time.Now().Add(ttl).UnixNano(),
		Headers: []Header{{Name: []byte("Content-Type"), Value: []byte("application/json")}}}
}

func TestMemorySetGet(t *testing.T) {
	tests := []struct {
		name   string
		budget uint64
		body   int
		stored bool
	}{
		{"small", 1 << 20, 100, true},
		{"exactly 1 MB", 4 << 20, MaxEntrySize, true},
		{"over 1 MB", 4 << 20, MaxEntrySize + 1, false},
		{"bigger than the budget", 1000, 2000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory(tt.budget)
			defer m.Close()
			e := entry(tt.body, time.Minute)
			if got := m.Set("k", e); got != tt.stored {
				t.Fatalf("Set = %v, want %v", got, tt.stored)
			}
			got, ok := m.Get("k")
			if ok != tt.stored || (ok && got != e) {
				t.Fatalf("Get = %v, %v; want the entry: %v", got, ok, tt.stored)
			}
		})
	}
}

func TestMemoryStaysWithinBudget(t *testing.T) {
	const budget = 1 << 20
	m := NewMemory(budget)
	defer m.Close()
	for i := range 2000 {
		m.Set(fmt.Sprint("key", i), entry(4096, time.Minute))
	}
	m.c.CleanUp()
	if used, n := m.Usage(); used > budget || n == 0 {
		t.Fatalf("usage %d bytes in %d entries, budget %d", used, n, budget)
	}
}

func TestFreshAndFlush(t *testing.T) {
	m := NewMemory(1 << 20)
	defer m.Close()
	e := entry(10, time.Second)
	m.Set("k", e)
	if !e.Fresh(time.Now()) || e.Fresh(time.Now().Add(2*time.Second)) {
		t.Fatal("Fresh is wrong around Expires")
	}
	m.Flush()
	if _, ok := m.Get("k"); ok {
		t.Fatal("an entry survived Flush")
	}
}

func TestStagesKeepAndResize(t *testing.T) {
	var s Stages
	defer s.Close()
	a := s.Stage("api", "prod", 1<<20)
	if s.Stage("api", "prod", 1<<20) != a {
		t.Fatal("the same stage and size gave a new cache")
	}
	a.Store.Set("k", entry(10, time.Minute))
	b := s.Stage("api", "prod", 2<<20) // resized: a new, empty store
	if b == a {
		t.Fatal("a new size kept the old cache")
	}
	if _, ok := b.Store.Get("k"); ok {
		t.Fatal("a resized cache kept the old entries")
	}
	s.Keep([]*Stage{b})
	if got := s.All(); len(got) != 1 || got[0] != b {
		t.Fatalf("after Keep: %v", got)
	}
}

// BenchmarkMemoryFull fills a store past its budget with 4 KB responses and
// reports what the Go heap holds against the budget (heap/budget near 1 is
// right; far above 1 would mean the budget undercounts).
func BenchmarkMemoryFull(b *testing.B) {
	const budget = 64 << 20
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		m := NewMemory(budget)
		for i := range 3 * budget / 4096 {
			m.Set(fmt.Sprint("GET\x00abc123\x00", i), entry(4096, time.Hour))
		}
		m.c.CleanUp()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		used, n := m.Usage()
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/budget, "heap/budget")
		b.ReportMetric(float64(used)/budget, "counted/budget")
		b.ReportMetric(float64(n), "entries")
		m.Close()
	}
}
