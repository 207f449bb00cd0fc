package limit

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// IdleAfter is how long a bucket must have gone unused (and be full) before Sweep drops it.
const IdleAfter = 10 * time.Minute

// Buckets is a concurrent set of token buckets keyed by string (for example a usage plan, an
// API key and a method), each created on first use. It follows API Gateway's throttling:
// rate is the steady refill in tokens per second, burst the bucket size, one token per
// request, and a new bucket starts full.
//
// A bucket is an x/time/rate Limiter driven with the Clock's time, so tests move time by
// hand. Looking up an existing key is a sync.Map load: no lock of the set, no allocation.
type Buckets struct {
	clock Clock
	m     sync.Map // string -> *bucket
}

type bucket struct {
	lim *rate.Limiter
	// The limits the bucket was last given (rate as float64 bits), compared on every call so
	// a reload that changes them is adopted without a lock in the common case.
	rate  atomic.Uint64
	burst atomic.Int64
	mu    sync.Mutex // serialises limit changes
	// last is the Unix time in nanoseconds of the last Allow, updated at most once a second.
	last atomic.Int64
}

// NewBuckets returns an empty set of buckets reading time from clock (System if nil).
func NewBuckets(clock Clock) *Buckets {
	if clock == nil {
		clock = System
	}
	return &Buckets{clock: clock}
}

// Allow takes one token from the bucket of key and reports whether there was one. The bucket
// is created full on first use. ratePerSec and burst are the limits now in force: when they
// differ from those the bucket had (a reload changed them), the bucket adopts them keeping its
// tokens (capped to the new burst).
//
// A rate of 0 never refills: with a burst of 0 every request is throttled (API Gateway: a
// limit of 0 blocks), with a burst of n the first n pass. A burst of 0 throttles everything
// unless the rate is +Inf, which allows everything. Negative values count as 0.
func (b *Buckets) Allow(key string, ratePerSec float64, burst int) bool {
	now := b.clock.Now()
	if ratePerSec < 0 || math.IsNaN(ratePerSec) {
		ratePerSec = 0
	}
	if burst < 0 {
		burst = 0
	}
	lim := rate.Limit(ratePerSec)
	if math.IsInf(ratePerSec, 1) {
		lim = rate.Inf
	}
	var bk *bucket
	if v, ok := b.m.Load(key); ok {
		bk = v.(*bucket)
	} else {
		nb := &bucket{lim: rate.NewLimiter(lim, burst)}
		nb.rate.Store(math.Float64bits(ratePerSec))
		nb.burst.Store(int64(burst))
		nb.last.Store(now.UnixNano())
		v, _ := b.m.LoadOrStore(key, nb)
		bk = v.(*bucket)
	}
	if bk.rate.Load() != math.Float64bits(ratePerSec) || bk.burst.Load() != int64(burst) {
		bk.setLimits(now, ratePerSec, lim, burst)
	}
	if n := now.UnixNano(); n-bk.last.Load() > int64(time.Second) {
		bk.last.Store(n)
	}
	return bk.lim.AllowN(now, 1)
}

func (bk *bucket) setLimits(now time.Time, ratePerSec float64, lim rate.Limit, burst int) {
	bk.mu.Lock()
	defer bk.mu.Unlock()
	if bk.rate.Load() != math.Float64bits(ratePerSec) {
		bk.lim.SetLimitAt(now, lim)
		bk.rate.Store(math.Float64bits(ratePerSec))
	}
	if bk.burst.Load() != int64(burst) {
		bk.lim.SetBurstAt(now, burst)
		bk.burst.Store(int64(burst))
	}
}

// Tokens returns the tokens left in the bucket of key now, and false when there is no such
// bucket (a bucket not yet used is full).
func (b *Buckets) Tokens(key string) (float64, bool) {
	v, ok := b.m.Load(key)
	if !ok {
		return 0, false
	}
	return v.(*bucket).lim.TokensAt(b.clock.Now()), true
}

// Sweep drops the buckets unused for more than IdleAfter that are full: dropping a full
// bucket loses nothing, since a bucket is created full. It returns how many it dropped.
// Callers run it periodically (every minute or so) so idle keys do not accumulate. A request
// racing with the drop of its bucket may find a fresh full bucket: at most one token is lost.
func (b *Buckets) Sweep() int {
	now := b.clock.Now()
	n := 0
	b.m.Range(func(k, v any) bool {
		bk := v.(*bucket)
		if now.UnixNano()-bk.last.Load() <= int64(IdleAfter) {
			return true
		}
		if bk.lim.TokensAt(now) >= float64(bk.lim.Burst()) && b.m.CompareAndDelete(k, v) {
			n++
		}
		return true
	})
	return n
}

// Len returns the number of buckets held.
func (b *Buckets) Len() int {
	n := 0
	b.m.Range(func(any, any) bool { n++; return true })
	return n
}
