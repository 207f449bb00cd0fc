// Package cache is the stage cache of REST APIs (API Gateway's "API
// cache"): stored integration responses, keyed by what the gateway
// computes from the request, each with its own time to live, within a
// stage's byte budget. Store is the seam between the gateway and where
// entries live: in memory (Memory) now, Redis later.
package cache

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// MaxEntrySize is the largest response API Gateway caches: 1,048,576 bytes.
const MaxEntrySize = 1 << 20

// Entry is one cached integration response.
type Entry struct {
	Status  int
	Headers []Header // the integration's response headers, as it set them
	Body    []byte
	Expires int64 // unix nanoseconds
}

// Header is one response header.
type Header struct{ Name, Value []byte }

// entryOverhead approximates what an entry costs besides its bytes: the
// struct, the key's map slot and the store's bookkeeping.
const entryOverhead = 160

// Size is the bytes an entry holds against its stage's budget.
func (e *Entry) Size(key string) int {
	n := entryOverhead + len(key) + len(e.Body)
	for _, h := range e.Headers {
		n += len(h.Name) + len(h.Value) + 48
	}
	return n
}

// Fresh reports whether the entry may still be served at now.
func (e *Entry) Fresh(now time.Time) bool { return now.UnixNano() < e.Expires }

// Store holds a stage's entries. Implementations evict to stay within
// their byte budget, and may drop entries at any time (API Gateway's cache
// is best-effort too).
type Store interface {
	// Get returns the entry for key, fresh or not: the caller checks
	// Entry.Fresh.
	Get(key string) (*Entry, bool)
	// Set stores an entry until its Expires; one larger than the store can
	// hold is not stored, and Set says so.
	Set(key string, e *Entry) bool
	// Flush drops every entry.
	Flush()
	// Usage reports the bytes and the number of entries held now.
	Usage() (bytes uint64, entries int)
	// Close releases the store's resources.
	Close()
}

// Stage is one stage's cache: its store, its budget and its counters,
// which the gateway's generations share while the stage and its size stay.
type Stage struct {
	API, Name string
	Budget    uint64
	Store     Store
	Hits      atomic.Uint64
	Misses    atomic.Uint64
}

// Stages holds the stage caches of the serving process across template
// loads: a reload keeps a stage's entries, as a redeployment keeps API
// Gateway's cache; a new size gives the stage a new, empty store (API
// Gateway replaces the cache instance and its data when the size changes).
// A load that fails changes nothing: the stores it made are dropped by the
// next Keep.
type Stages struct {
	// NewStore makes a stage's store for a byte budget; NewMemory when nil.
	NewStore func(budget uint64) Store
	mu       sync.Mutex
	m        map[stageKey]*Stage
}

type stageKey struct {
	api, stage string
	budget     uint64
}

// Stage returns the cache of an API's stage with a byte budget: the one
// in use when there is one of that budget, else a new one.
func (s *Stages) Stage(api, name string, budget uint64) *Stage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[stageKey]*Stage{}
	}
	k := stageKey{api, name, budget}
	if st := s.m[k]; st != nil {
		return st
	}
	newStore := s.NewStore
	if newStore == nil {
		newStore = func(b uint64) Store { return NewMemory(b) }
	}
	st := &Stage{API: api, Name: name, Budget: budget, Store: newStore(budget)}
	s.m[k] = st
	return st
}

// Keep closes every stage cache but those in keep: the ones the serving
// generation uses.
func (s *Stages) Keep(keep []*Stage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, st := range s.m {
		if !slices.Contains(keep, st) {
			st.Store.Close()
			delete(s.m, k)
		}
	}
}

// Find returns the cache of an API's stage, nil when it has none (of the
// sizes in use, the newest).
func (s *Stages) Find(api, name string) *Stage {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found *Stage
	for k, st := range s.m {
		if k.api == api && k.stage == name {
			found = st
		}
	}
	return found
}

// All lists the stage caches, for metrics.
func (s *Stages) All() []*Stage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Stage, 0, len(s.m))
	for _, st := range s.m {
		out = append(out, st)
	}
	return out
}

// Close closes every store.
func (s *Stages) Close() { s.Keep(nil) }
