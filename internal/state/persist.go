package state

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/bbolt"
	bberrors "go.etcd.io/bbolt/errors"

	"github.com/apigw/apigw/internal/limit"
)

// FileName is the name of the state file in the data folder.
const FileName = "state.db"

// KeepDays is how many days of usage are kept; older days are pruned.
const KeepDays = 90

const (
	flushEvery = time.Second
	pruneEvery = time.Hour
	lockWait   = time.Second
)

// The file's layout (bbolt buckets):
//
//	meta      "version" -> "1"
//	usage     planID/ keyID/ "YYYY-MM-DD" -> used, remaining, granted (3 x int64 big-endian)
//	plans     planID -> JSON planMeta
//	keys      keyID -> JSON APIKey
//	plankeys  planID/ keyID -> ""
//	generated logicalID -> value
var (
	bMeta      = []byte("meta")
	bUsage     = []byte("usage")
	bPlans     = []byte("plans")
	bKeys      = []byte("keys")
	bPlanKeys  = []byte("plankeys")
	bGenerated = []byte("generated")
)

const schemaVersion = "1"

type planMeta struct {
	FirstSeen string       `json:"firstSeen,omitempty"` // YYYY-MM-DD
	Period    limit.Period `json:"period,omitempty"`
	Limit     int64        `json:"limit"`
	Offset    int64        `json:"offset,omitempty"`
	HasQuota  bool         `json:"hasQuota,omitempty"`
}

// Open opens (creating it and dir if needed) the state file dir/state.db and loads it. Only
// one process can hold the file: when another apigw uses dir, Open fails after a second with
// an error saying so. The Store flushes counters every second until Close.
func Open(dir string, clock limit.Clock) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: lockWait})
	if errors.Is(err, bberrors.ErrTimeout) {
		return nil, fmt.Errorf("state: another apigw is using %s (%s is locked); stop it or give this one another --data", dir, path)
	}
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	s := newStore(clock)
	s.db, s.dir = db, dir
	if err := s.load(); err != nil {
		db.Close()
		return nil, fmt.Errorf("state: load %s: %w", path, err)
	}
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go s.flusher()
	return s, nil
}

// Dir returns the folder the store was opened in ("" for a memory store).
func (s *Store) Dir() string { return s.dir }

func (s *Store) flusher() {
	defer close(s.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			err := s.Flush()
			s.flushMu.Lock()
			s.flushErr = err
			s.flushMu.Unlock()
		}
	}
}

func putDay(r dayRec) []byte {
	b := make([]byte, 24)
	binary.BigEndian.PutUint64(b[0:], uint64(r.used))
	binary.BigEndian.PutUint64(b[8:], uint64(r.remaining))
	binary.BigEndian.PutUint64(b[16:], uint64(r.granted))
	return b
}

func getDay(b []byte) (dayRec, bool) {
	if len(b) != 24 {
		return dayRec{}, false
	}
	return dayRec{
		used:      int64(binary.BigEndian.Uint64(b[0:])),
		remaining: int64(binary.BigEndian.Uint64(b[8:])),
		granted:   int64(binary.BigEndian.Uint64(b[16:])),
	}, true
}

func parseDay(s string) (day, bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return dayOf(t), true
}

// load creates the buckets and reads the file into memory, pruning old days.
func (s *Store) load() error {
	cutoff := dayOf(s.clock.Now()) - KeepDays
	return s.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bMeta, bUsage, bPlans, bKeys, bPlanKeys, bGenerated} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bMeta)
		if v := meta.Get([]byte("version")); v == nil {
			if err := meta.Put([]byte("version"), []byte(schemaVersion)); err != nil {
				return err
			}
		} else if string(v) != schemaVersion {
			return fmt.Errorf("state file version %q, this apigw reads %q", v, schemaVersion)
		}
		if err := tx.Bucket(bPlans).ForEach(func(k, v []byte) error {
			var m planMeta
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("usage plan %s: %w", k, err)
			}
			p := s.plan(string(k))
			if d, ok := parseDay(m.FirstSeen); ok {
				p.firstSeen.Store(int64(d))
			}
			if m.HasQuota {
				p.quota.Store(&quotaSettings{period: m.Period, limit: m.Limit, offset: m.Offset})
			}
			return nil
		}); err != nil {
			return err
		}
		if err := pruneUsage(tx, cutoff); err != nil {
			return err
		}
		if err := eachDay(tx, func(planID, keyID string, d day, r dayRec) {
			c := s.plan(planID).counter(keyID)
			rec := r
			c.days[d] = &rec
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bKeys).ForEach(func(k, v []byte) error {
			var key APIKey
			if err := json.Unmarshal(v, &key); err != nil {
				return fmt.Errorf("API key %s: %w", k, err)
			}
			s.keys[key.ID] = key
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bPlanKeys).ForEachBucket(func(planID []byte) error {
			set := map[string]struct{}{}
			s.planKeys[string(planID)] = set
			return tx.Bucket(bPlanKeys).Bucket(planID).ForEach(func(k, _ []byte) error {
				set[string(k)] = struct{}{}
				return nil
			})
		}); err != nil {
			return err
		}
		return tx.Bucket(bGenerated).ForEach(func(k, v []byte) error {
			s.generated[string(k)] = string(v)
			return nil
		})
	})
}

func eachDay(tx *bbolt.Tx, fn func(planID, keyID string, d day, r dayRec)) error {
	usage := tx.Bucket(bUsage)
	return usage.ForEachBucket(func(planID []byte) error {
		pb := usage.Bucket(planID)
		return pb.ForEachBucket(func(keyID []byte) error {
			return pb.Bucket(keyID).ForEach(func(k, v []byte) error {
				d, ok := parseDay(string(k))
				r, ok2 := getDay(v)
				if !ok || !ok2 {
					return fmt.Errorf("usage %s/%s: bad record %q", planID, keyID, k)
				}
				fn(string(planID), string(keyID), d, r)
				return nil
			})
		})
	})
}

// pruneUsage deletes the days before cutoff, and the buckets left empty.
func pruneUsage(tx *bbolt.Tx, cutoff day) error {
	limitKey := []byte(cutoff.String())
	usage := tx.Bucket(bUsage)
	var emptyPlans [][]byte
	err := usage.ForEachBucket(func(planID []byte) error {
		pb := usage.Bucket(planID)
		var emptyKeys [][]byte
		err := pb.ForEachBucket(func(keyID []byte) error {
			kb := pb.Bucket(keyID)
			c := kb.Cursor()
			for k, _ := c.First(); k != nil && string(k) < string(limitKey); k, _ = c.First() {
				if err := c.Delete(); err != nil {
					return err
				}
			}
			if k, _ := kb.Cursor().First(); k == nil {
				emptyKeys = append(emptyKeys, append([]byte(nil), keyID...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range emptyKeys {
			if err := pb.DeleteBucket(k); err != nil {
				return err
			}
		}
		if k, _ := pb.Cursor().First(); k == nil {
			emptyPlans = append(emptyPlans, append([]byte(nil), planID...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range emptyPlans {
		if err := usage.DeleteBucket(p); err != nil {
			return err
		}
	}
	return nil
}

type pendingDay struct {
	c      *counter
	planID string
	keyID  string
	d      day
	r      dayRec
}

type pendingPlan struct {
	p *plan
	m planMeta
}

// Flush writes the counters changed since the last flush in one write transaction (the
// background goroutine calls it every second; Close calls it last). A memory store has
// nothing to write. On failure the counters stay pending.
func (s *Store) Flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	if s.db == nil {
		return nil
	}
	now := s.clock.Now()
	prune := now.Sub(s.lastPrune) >= pruneEvery || now.Before(s.lastPrune)
	cutoff := dayOf(now) - KeepDays
	var days []pendingDay
	var plans []pendingPlan
	s.plans.Range(func(pk, pv any) bool {
		p := pv.(*plan)
		if p.dirty.Swap(false) {
			m := planMeta{Limit: -1}
			if fs := p.firstSeen.Load(); fs != noDay {
				m.FirstSeen = day(fs).String()
			}
			if q := p.quota.Load(); q != nil {
				m.HasQuota, m.Period, m.Limit, m.Offset = true, q.period, q.limit, q.offset
			}
			plans = append(plans, pendingPlan{p, m})
		}
		p.keys.Range(func(kk, kv any) bool {
			c := kv.(*counter)
			c.mu.Lock()
			if prune {
				c.prune(cutoff)
			}
			for d := range c.dirty {
				if r := c.days[d]; r != nil {
					days = append(days, pendingDay{c, p.id, kk.(string), d, *r})
				}
			}
			clear(c.dirty)
			c.curDirty = false
			c.mu.Unlock()
			return true
		})
		return true
	})
	if len(days) == 0 && len(plans) == 0 && !prune {
		return nil
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for _, pp := range plans {
			v, err := json.Marshal(pp.m)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bPlans).Put([]byte(pp.p.id), v); err != nil {
				return err
			}
		}
		var pb, kb *bbolt.Bucket
		var lastPlan, lastKey string
		for i, pd := range days {
			var err error
			if i == 0 || pd.planID != lastPlan {
				if pb, err = tx.Bucket(bUsage).CreateBucketIfNotExists([]byte(pd.planID)); err != nil {
					return err
				}
				lastPlan, kb = pd.planID, nil
			}
			if kb == nil || pd.keyID != lastKey {
				if kb, err = pb.CreateBucketIfNotExists([]byte(pd.keyID)); err != nil {
					return err
				}
				lastKey = pd.keyID
			}
			if err := kb.Put([]byte(pd.d.String()), putDay(pd.r)); err != nil {
				return err
			}
		}
		if prune {
			return pruneUsage(tx, cutoff)
		}
		return nil
	})
	if err != nil {
		for _, pp := range plans {
			pp.p.dirty.Store(true)
		}
		for _, pd := range days {
			pd.c.mu.Lock()
			if pd.c.dirty == nil {
				pd.c.dirty = map[day]struct{}{}
			}
			pd.c.dirty[pd.d] = struct{}{}
			if pd.c.valid && pd.c.curDay == pd.d {
				pd.c.curDirty = true
			}
			pd.c.mu.Unlock()
		}
		return fmt.Errorf("state: writing counters to %s: %w", s.db.Path(), err)
	}
	if prune {
		s.lastPrune = now
	}
	return nil
}

// prune drops the days before cutoff from memory. c.mu is held.
func (c *counter) prune(cutoff day) {
	for d := range c.days {
		if d < cutoff {
			delete(c.days, d)
			delete(c.dirty, d)
			c.valid = false
		}
	}
}
