// Package state keeps what apigw must remember across requests and restarts: quota counters
// with their usage per day, API keys and usage plan memberships created at run time, and the
// generated values of template API keys. The request path and the control plane see it
// through the Quotas and Keys interfaces, so a shared (Redis) implementation can replace the
// embedded one for several instances.
//
// The embedded implementation, *Store, keeps everything in memory and, when opened with Open,
// in a bbolt file DIR/state.db:
//
//   - Quota counters are counted in memory only (a mutex per usage plan and key, no disk
//     write per request). A goroutine writes the counters changed since its last pass to the
//     file every second, in one write transaction, and Close writes the rest. Open loads them
//     back, so a quota survives a restart; a crash loses at most the last second of counts.
//   - Usage is counted per usage plan, API key and UTC day; a period's total is the sum of its
//     days (all periods are whole UTC days). Days older than 90 days are pruned.
//   - API keys, plan memberships and generated values are written to the file at once (they
//     are rare) and read from memory.
//
// Key values are never logged by this package; APIKey's String and LogValue leave them out.
package state

import (
	"errors"
	"sync"
	"time"

	"go.etcd.io/bbolt"

	"github.com/apigw/apigw/internal/limit"
)

// Quotas counts requests against usage plan quotas on the request path and reports usage to
// the control plane.
type Quotas interface {
	// Take checks and counts, atomically, one request of API key keyID against the quota of
	// usage plan planID: limitN requests per period. It returns the requests left in the
	// current period after this one and ok; when the quota is spent it returns 0 and false,
	// and the request is not counted.
	//
	// offset is QuotaSettings.Offset, "the number of requests subtracted from the given limit
	// in the initial time period": the embedded store subtracts it in the period containing
	// the first request it ever counted for the plan (remembered across restarts), apigw's
	// closest knowledge of when the plan started; later periods have the full limit.
	// A negative limitN means no quota: the request is counted (for Usage) and allowed, and
	// remaining is -1. A limitN of 0 refuses every request.
	Take(planID, keyID string, period limit.Period, limitN, offset int64, now time.Time) (remaining int64, ok bool)

	// Usage returns, as API Gateway's GetUsage does in "items", for each API key (keyID, or
	// every key that has counts in the plan when keyID is "") one [used, remaining] pair per
	// UTC day from the day of from to the day of to inclusive. remaining is the quota left at
	// the end of that day (or after the last request counted so far today); days without
	// requests carry the previous day's remaining within a period and the full limit at the
	// start of one (-1 without a quota). A keyID with no counts gets zero days. Callers bound
	// the range (it allocates one pair per day and key).
	Usage(planID, keyID string, from, to time.Time) map[string][][2]int64

	// UpdateUsage sets the quota left to API key keyID in the current period of the plan's
	// quota (API Gateway's UpdateUsage, "replace /remaining/target"), for example to grant an
	// extension. It records the difference as a grant on the current day: used counts stay
	// true, and the grant ends with the period.
	UpdateUsage(planID, keyID string, period limit.Period, limitN, offset, remaining int64, now time.Time) error
}

// Keys holds the API keys and usage plan memberships created at run time (through the
// control-plane API); those of the template are the template's.
type Keys interface {
	// PutKey creates or replaces the key with k.ID. Values must be unique: another key with
	// the same value is ErrConflict.
	PutKey(k APIKey) error
	// DeleteKey deletes the key and its plan memberships; ErrNotFound if there is none.
	DeleteKey(id string) error
	// Keys returns every key, sorted by ID.
	Keys() []APIKey
	// PutPlanKey makes keyID a member of plan planID (idempotent). The key need not be one of
	// Keys: it may be a template key.
	PutPlanKey(planID, keyID string) error
	// DeletePlanKey removes the membership; ErrNotFound if there is none.
	DeletePlanKey(planID, keyID string) error
	// PlanKeys returns the key IDs of plan planID, sorted.
	PlanKeys(planID string) []string
}

// Errors of the Keys methods (wrapped; test with errors.Is).
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	ErrInvalid  = errors.New("invalid")
)

// Store is the embedded implementation of Quotas and Keys: memory, plus a bbolt file when
// opened with Open. Safe for concurrent use.
type Store struct {
	clock limit.Clock
	db    *bbolt.DB // nil for Memory
	dir   string

	plans sync.Map // planID -> *plan

	kmu       sync.RWMutex
	keys      map[string]APIKey
	planKeys  map[string]map[string]struct{}
	generated map[string]string

	flushMu   sync.Mutex // one flush at a time
	flushErr  error      // last background flush error, under flushMu
	lastPrune time.Time  // under flushMu
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var (
	_ Quotas = (*Store)(nil)
	_ Keys   = (*Store)(nil)
)

func newStore(clock limit.Clock) *Store {
	if clock == nil {
		clock = limit.System
	}
	return &Store{
		clock:     clock,
		keys:      map[string]APIKey{},
		planKeys:  map[string]map[string]struct{}{},
		generated: map[string]string{},
	}
}

// Memory returns a Store that keeps everything in memory only (tests, validate).
func Memory() *Store { return newStore(limit.System) }

// MemoryWithClock is Memory with a given clock (used for pruning old days).
func MemoryWithClock(clock limit.Clock) *Store { return newStore(clock) }

// Close stops the flushing goroutine, writes the counters not yet written and closes the
// file. A memory store has nothing to close. Close is idempotent; the Store stays usable in
// memory afterwards, but nothing more is written.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		if s.db == nil {
			return
		}
		close(s.stop)
		<-s.done
		err := s.Flush()
		s.flushMu.Lock()
		s.kmu.Lock()
		if cerr := s.db.Close(); err == nil {
			err = cerr
		}
		s.db = nil
		s.kmu.Unlock()
		s.flushMu.Unlock()
		s.closeErr = err
	})
	return s.closeErr
}

// FlushError returns the error of the last background flush, nil once a flush succeeds.
// Counters that could not be written stay pending and are retried the next second.
func (s *Store) FlushError() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	return s.flushErr
}
