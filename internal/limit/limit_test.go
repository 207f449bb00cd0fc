package limit

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func TestFakeClock(t *testing.T) {
	c := NewFakeClock(t0)
	if got := c.Advance(time.Second); !got.Equal(t0.Add(time.Second)) || !c.Now().Equal(got) {
		t.Fatalf("Advance: %v, Now %v", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Set: %v", c.Now())
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				_ = c.Now()
			}
		})
	}
	wg.Wait()
	if got := c.Now().Sub(t0); got != 800*time.Millisecond {
		t.Fatalf("concurrent Advance: %v", got)
	}
	if d := time.Since(System.Now()); d < 0 || d > time.Minute {
		t.Fatalf("System clock off by %v", d)
	}
}

// allowed counts the requests allowed when n are sent evenly over d.
func allowed(b *Buckets, c *FakeClock, key string, r float64, burst, n int, d time.Duration) int {
	ok := 0
	step := d / time.Duration(n)
	for range n {
		if b.Allow(key, r, burst) {
			ok++
		}
		c.Advance(step)
	}
	return ok
}

func TestBucketsBurstThenRate(t *testing.T) {
	tests := []struct {
		rate    float64
		burst   int
		seconds int
	}{
		{10, 20, 5},
		{100, 50, 3},
		{1, 1, 10},
		{0.5, 2, 10},
		{1000, 2000, 4},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("rate%v_burst%d", tt.rate, tt.burst), func(t *testing.T) {
			c := NewFakeClock(t0)
			b := NewBuckets(c)
			// A burst at one instant: exactly the bucket size passes.
			got := 0
			for range tt.burst * 3 {
				if b.Allow("k", tt.rate, tt.burst) {
					got++
				}
			}
			if got != tt.burst {
				t.Fatalf("burst: %d allowed, want %d", got, tt.burst)
			}
			// Then a flood (10x the rate) for a few seconds: about rate per second passes.
			n := int(tt.rate*10) * tt.seconds
			got = allowed(b, c, "k", tt.rate, tt.burst, n, time.Duration(tt.seconds)*time.Second)
			want := tt.rate * float64(tt.seconds)
			if math.Abs(float64(got)-want) > 0.1*want+1 {
				t.Fatalf("steady: %d allowed over %ds, want %.0f (within 10%%)", got, tt.seconds, want)
			}
			// Idle long enough, the bucket is full again, never more.
			c.Advance(time.Hour)
			if tok, ok := b.Tokens("k"); !ok || tok != float64(tt.burst) {
				t.Fatalf("refilled to %v, want %d", tok, tt.burst)
			}
		})
	}
}

func TestBucketsKeysIndependent(t *testing.T) {
	c := NewFakeClock(t0)
	b := NewBuckets(c)
	if !b.Allow("a", 1, 1) || b.Allow("a", 1, 1) {
		t.Fatal("a: want one then throttled")
	}
	if !b.Allow("b", 1, 1) {
		t.Fatal("b throttled by a's bucket")
	}
	if _, ok := b.Tokens("c"); ok {
		t.Fatal("Tokens created a bucket")
	}
}

func TestBucketsZeroLimits(t *testing.T) {
	tests := []struct {
		name  string
		rate  float64
		burst int
		want  int // allowed out of 100 over 10 s
	}{
		{"rate0_burst0", 0, 0, 0},
		{"rate10_burst0", 10, 0, 0},
		{"rate0_burst5", 0, 5, 5},
		{"negative", -1, -1, 0},
		{"inf_burst0", math.Inf(1), 0, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewFakeClock(t0)
			b := NewBuckets(c)
			if got := allowed(b, c, "k", tt.rate, tt.burst, 100, 10*time.Second); got != tt.want {
				t.Fatalf("%d allowed, want %d", got, tt.want)
			}
		})
	}
}

func TestBucketsLimitsChange(t *testing.T) {
	c := NewFakeClock(t0)
	b := NewBuckets(c)
	// Spend the burst of 10.
	for range 10 {
		if !b.Allow("k", 1, 10) {
			t.Fatal("burst refused")
		}
	}
	if b.Allow("k", 1, 10) {
		t.Fatal("empty bucket allowed")
	}
	// A reload raises the burst: the bucket keeps its (empty) state, it does not refill.
	if b.Allow("k", 1, 100) {
		t.Fatal("raising the burst refilled the bucket")
	}
	// And the rate: 50/s from now on.
	c.Advance(time.Second)
	got := 0
	for range 200 {
		if b.Allow("k", 50, 100) {
			got++
		}
	}
	if got != 1 { // one second at the old rate 1/s (SetLimitAt at this instant)
		t.Fatalf("after rate change at once: %d, want 1", got)
	}
	c.Advance(time.Second)
	got = 0
	for range 200 {
		if b.Allow("k", 50, 100) {
			got++
		}
	}
	if got != 50 {
		t.Fatalf("one second at the new rate: %d, want 50", got)
	}
	// Lowering the burst caps the tokens.
	c.Advance(time.Hour)
	if !b.Allow("k", 50, 3) {
		t.Fatal("refused after an hour")
	}
	if tok, _ := b.Tokens("k"); tok != 2 {
		t.Fatalf("tokens after lowering burst to 3 and one request: %v, want 2", tok)
	}
	// Down to zero: everything blocked.
	if b.Allow("k", 0, 0) {
		t.Fatal("zero limits allowed")
	}
}

func TestBucketsSweep(t *testing.T) {
	c := NewFakeClock(t0)
	b := NewBuckets(c)
	b.Allow("idle", 1, 5)  // refills within 1 s, then idle
	b.Allow("busy", 1, 5)  // used again later
	b.Allow("never", 0, 5) // rate 0: never full again, must be kept
	b.Allow("zero", 0, 0)  // nothing to lose: dropped once idle
	if n := b.Sweep(); n != 0 {
		t.Fatalf("swept %d fresh buckets", n)
	}
	c.Advance(IdleAfter - time.Second)
	b.Allow("busy", 1, 5)
	c.Advance(2 * time.Second)
	if n := b.Sweep(); n != 2 {
		t.Fatalf("swept %d, want 2 (idle, zero)", n)
	}
	for key, want := range map[string]bool{"idle": false, "zero": false, "busy": true, "never": true} {
		if _, ok := b.Tokens(key); ok != want {
			t.Errorf("%s kept = %v, want %v", key, ok, want)
		}
	}
	if b.Len() != 2 {
		t.Fatalf("Len %d", b.Len())
	}
	// A dropped key comes back full.
	if tok := allowed(b, c, "idle", 1, 5, 5, time.Millisecond); tok != 5 {
		t.Fatalf("recreated bucket allowed %d, want 5", tok)
	}
}

func TestBucketsConcurrent(t *testing.T) {
	c := NewFakeClock(t0)
	b := NewBuckets(c)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 1000 {
				if b.Allow(fmt.Sprint("k", i%4), 1, 100) {
					ok.Add(1)
				}
				if g == 0 && i%100 == 0 {
					b.Sweep()
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 400 {
		t.Fatalf("allowed %d, want 4 buckets x 100", ok.Load())
	}
}

func TestPeriods(t *testing.T) {
	d := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		p          Period
		now        string
		start, end string
	}{
		{DAY, "2026-12-02T10:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"},
		{DAY, "2026-12-02T00:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"},
		{DAY, "2026-12-02T23:59:59.999999999Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"},
		{DAY, "2026-12-31T23:00:00Z", "2026-12-31T00:00:00Z", "2027-01-01T00:00:00Z"},
		{DAY, "2028-02-28T12:00:00Z", "2028-02-28T00:00:00Z", "2028-02-29T00:00:00Z"},
		{DAY, "2028-02-29T12:00:00Z", "2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z"},
		// Another zone: the UTC day counts (01:30+02:00 is the previous UTC day).
		{DAY, "2026-12-02T01:30:00+02:00", "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"},
		{DAY, "2026-12-01T23:30:00-05:00", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"},
		// Weeks start on Sunday 00:00 UTC. 2026-12-06 is a Sunday.
		{WEEK, "2026-12-06T00:00:00Z", "2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"},
		{WEEK, "2026-12-05T23:59:59Z", "2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z"},
		{WEEK, "2026-12-09T12:00:00Z", "2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"},
		{WEEK, "2026-12-12T23:59:59Z", "2026-12-06T00:00:00Z", "2026-12-13T00:00:00Z"},
		// Across a year end: 2027-01-01 is a Friday, its week started on Sunday 2026-12-27.
		{WEEK, "2027-01-01T08:00:00Z", "2026-12-27T00:00:00Z", "2027-01-03T00:00:00Z"},
		// Across a leap day: 2028-02-29 is a Tuesday.
		{WEEK, "2028-03-02T00:00:00Z", "2028-02-27T00:00:00Z", "2028-03-05T00:00:00Z"},
		{WEEK, "2026-12-06T01:00:00+03:00", "2026-11-29T00:00:00Z", "2026-12-06T00:00:00Z"},
		{MONTH, "2026-12-02T10:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{MONTH, "2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{MONTH, "2026-11-30T23:59:59Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{MONTH, "2028-02-29T23:59:59Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"},
		{MONTH, "2027-02-15T00:00:00Z", "2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z"},
		{MONTH, "2026-01-31T12:00:00Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"},
		{MONTH, "2027-01-01T00:30:00+01:00", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"", "2026-12-02T10:00:00Z", "2026-12-02T00:00:00Z", "2026-12-03T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(string(tt.p)+"_"+tt.now, func(t *testing.T) {
			now := d(tt.now)
			start, end := PeriodStart(tt.p, now), PeriodEnd(tt.p, now)
			if !start.Equal(d(tt.start)) || start.Location() != time.UTC {
				t.Errorf("start %v, want %s", start, tt.start)
			}
			if !end.Equal(d(tt.end)) {
				t.Errorf("end %v, want %s", end, tt.end)
			}
			if now.Before(start) || !now.Before(end) {
				t.Errorf("%v not in [%v, %v)", now, start, end)
			}
			if tt.p == WEEK && start.Weekday() != time.Sunday {
				t.Errorf("week starts on %v", start.Weekday())
			}
		})
	}
	if !DAY.Valid() || !WEEK.Valid() || !MONTH.Valid() || Period("YEAR").Valid() {
		t.Fatal("Valid")
	}
}

func BenchmarkBucketsAllow(b *testing.B) {
	bk := NewBuckets(System)
	bk.Allow("plan/key//GET", math.Inf(1), 1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bk.Allow("plan/key//GET", math.Inf(1), 1)
		}
	})
}

func BenchmarkBucketsAllowThrottling(b *testing.B) {
	bk := NewBuckets(System)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bk.Allow("plan/key//GET", 1000, 100)
		}
	})
}

func BenchmarkBucketsAllowManyKeys(b *testing.B) {
	bk := NewBuckets(System)
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("plan/key%d//GET", i)
		bk.Allow(keys[i], 1e6, 1000)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			bk.Allow(keys[i&1023], 1e6, 1000)
			i++
		}
	})
}
