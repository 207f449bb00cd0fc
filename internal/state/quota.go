package state

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw/internal/limit"
)

// day is a UTC day: days since 1970-01-01.
type day int32

const secondsPerDay = 24 * 60 * 60

func dayOf(t time.Time) day {
	s := t.Unix()
	d := s / secondsPerDay
	if s%secondsPerDay < 0 {
		d--
	}
	return day(d)
}

func (d day) time() time.Time { return time.Unix(int64(d)*secondsPerDay, 0).UTC() }

func (d day) String() string { return d.time().Format(time.DateOnly) }

func periodDays(p limit.Period, d day) (start, end day) {
	t := d.time()
	return dayOf(limit.PeriodStart(p, t)), dayOf(limit.PeriodEnd(p, t))
}

// dayRec is the usage of one key in one plan on one day.
type dayRec struct {
	used      int64 // requests counted
	remaining int64 // quota left after the last change that day
	granted   int64 // quota granted by UpdateUsage that day (may be negative)
}

// quotaSettings are a plan's quota as last seen by Take or UpdateUsage (used by Usage).
type quotaSettings struct {
	period        limit.Period
	limit, offset int64
}

const noDay = math.MinInt64

// plan holds the counters of one usage plan.
type plan struct {
	id        string
	keys      sync.Map // keyID -> *counter
	quota     atomic.Pointer[quotaSettings]
	firstSeen atomic.Int64 // day of the first request counted, noDay until then
	dirty     atomic.Bool  // quota or firstSeen not yet written
}

// counter is the usage of one key in one plan, with the current period's totals cached.
type counter struct {
	mu    sync.Mutex
	days  map[day]*dayRec
	dirty map[day]struct{} // days not yet written

	valid    bool // the cache below is for (curDay, period)
	curDay   day
	cur      *dayRec // days[curDay], nil until something is recorded that day
	curDirty bool    // curDay is in dirty
	period   limit.Period
	pStart   day
	pEnd     day
	used     int64 // sum of used over the period
	granted  int64 // sum of granted over the period
	first    bool  // the period is the plan's first (offset applies)
}

func (s *Store) plan(id string) *plan {
	if v, ok := s.plans.Load(id); ok {
		return v.(*plan)
	}
	p := &plan{id: id}
	p.firstSeen.Store(noDay)
	v, _ := s.plans.LoadOrStore(id, p)
	return v.(*plan)
}

func (p *plan) counter(keyID string) *counter {
	if v, ok := p.keys.Load(keyID); ok {
		return v.(*counter)
	}
	v, _ := p.keys.LoadOrStore(keyID, &counter{days: map[day]*dayRec{}})
	return v.(*counter)
}

// note remembers the plan's quota and the day of its first request.
func (p *plan) note(period limit.Period, limitN, offset int64, d day) {
	if q := p.quota.Load(); q == nil || q.period != period || q.limit != limitN || q.offset != offset {
		p.quota.Store(&quotaSettings{period: period, limit: limitN, offset: offset})
		p.dirty.Store(true)
	}
	if p.firstSeen.Load() == noDay && p.firstSeen.CompareAndSwap(noDay, int64(d)) {
		p.dirty.Store(true)
	}
}

// roll points the cache at day d of a period of kind period. c.mu is held.
func (c *counter) roll(p *plan, period limit.Period, d day) {
	c.valid, c.curDay, c.period = true, d, period
	c.pStart, c.pEnd = periodDays(period, d)
	c.used, c.granted = 0, 0
	for dd, r := range c.days {
		if dd >= c.pStart && dd < c.pEnd {
			c.used += r.used
			c.granted += r.granted
		}
	}
	fs := p.firstSeen.Load()
	c.first = fs != noDay && day(fs) >= c.pStart && day(fs) < c.pEnd
	c.cur = c.days[d]
	_, c.curDirty = c.dirty[d]
}

func (c *counter) record() *dayRec {
	if c.cur == nil {
		c.cur = &dayRec{}
		c.days[c.curDay] = c.cur
	}
	if !c.curDirty {
		if c.dirty == nil {
			c.dirty = map[day]struct{}{}
		}
		c.dirty[c.curDay] = struct{}{}
		c.curDirty = true
	}
	return c.cur
}

func (c *counter) limitFor(limitN, offset int64) int64 {
	eff := limitN + c.granted
	if c.first {
		eff -= offset
	}
	return eff
}

// Take implements Quotas.
func (s *Store) Take(planID, keyID string, period limit.Period, limitN, offset int64, now time.Time) (int64, bool) {
	d := dayOf(now)
	p := s.plan(planID)
	p.note(period, limitN, offset, d)
	c := p.counter(keyID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || c.curDay != d || c.period != period {
		c.roll(p, period, d)
	}
	if limitN < 0 {
		r := c.record()
		r.used++
		r.remaining = -1
		c.used++
		return -1, true
	}
	left := c.limitFor(limitN, offset) - c.used
	if left <= 0 {
		if c.cur != nil && c.cur.remaining != 0 {
			c.record().remaining = 0
		}
		return 0, false
	}
	r := c.record()
	r.used++
	r.remaining = left - 1
	c.used++
	return left - 1, true
}

// UpdateUsage implements Quotas.
func (s *Store) UpdateUsage(planID, keyID string, period limit.Period, limitN, offset, remaining int64, now time.Time) error {
	if remaining < 0 {
		return fmt.Errorf("state: remaining quota %d: %w (must be 0 or more)", remaining, ErrInvalid)
	}
	if limitN < 0 {
		return fmt.Errorf("state: usage plan %s has no quota: %w", planID, ErrInvalid)
	}
	d := dayOf(now)
	p := s.plan(planID)
	p.note(period, limitN, offset, d)
	c := p.counter(keyID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.valid || c.curDay != d || c.period != period {
		c.roll(p, period, d)
	}
	delta := remaining - (c.limitFor(limitN, offset) - c.used)
	r := c.record()
	r.granted += delta
	r.remaining = remaining
	c.granted += delta
	return nil
}

// Usage implements Quotas.
func (s *Store) Usage(planID, keyID string, from, to time.Time) map[string][][2]int64 {
	out := map[string][][2]int64{}
	fromD, toD := dayOf(from), dayOf(to)
	if toD < fromD {
		if keyID != "" {
			out[keyID] = [][2]int64{}
		}
		return out
	}
	var p *plan
	if v, ok := s.plans.Load(planID); ok {
		p = v.(*plan)
	}
	if p == nil {
		if keyID != "" {
			out[keyID] = make([][2]int64, int(toD-fromD)+1)
		}
		return out
	}
	q := p.quota.Load()
	fs := p.firstSeen.Load()
	series := func(c *counter) [][2]int64 {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.series(q, fs, fromD, toD)
	}
	if keyID != "" {
		if v, ok := p.keys.Load(keyID); ok {
			out[keyID] = series(v.(*counter))
		} else {
			out[keyID] = (&counter{}).series(q, fs, fromD, toD)
		}
		return out
	}
	p.keys.Range(func(k, v any) bool {
		out[k.(string)] = series(v.(*counter))
		return true
	})
	return out
}

// series builds the [used, remaining] pairs of days from..to. c.mu is held.
func (c *counter) series(q *quotaSettings, firstSeen int64, from, to day) [][2]int64 {
	out := make([][2]int64, 0, int(to-from)+1)
	for d := from; d <= to; d++ {
		if r := c.days[d]; r != nil {
			out = append(out, [2]int64{r.used, r.remaining})
			continue
		}
		out = append(out, [2]int64{0, c.carried(q, firstSeen, d)})
	}
	return out
}

// carried is the quota left on a day without records: that of the latest earlier day with
// records in the same period, else the period's full limit.
func (c *counter) carried(q *quotaSettings, firstSeen int64, d day) int64 {
	if q == nil || q.limit < 0 {
		return -1
	}
	start, end := periodDays(q.period, d)
	for dd := d - 1; dd >= start; dd-- {
		if r := c.days[dd]; r != nil {
			return r.remaining
		}
	}
	n := q.limit
	if firstSeen != noDay && day(firstSeen) >= start && day(firstSeen) < end {
		n -= q.offset
	}
	return max(n, 0)
}

// usageKeys returns the key IDs with counters in a plan, sorted (tests).
func (s *Store) usageKeys(planID string) []string {
	var out []string
	if v, ok := s.plans.Load(planID); ok {
		v.(*plan).keys.Range(func(k, _ any) bool {
			out = append(out, k.(string))
			return true
		})
	}
	sort.Strings(out)
	return out
}
