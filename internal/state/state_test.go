package state

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/apigw/apigw/internal/limit"
)

// 2026-12-02 is a Wednesday.
var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func openT(t *testing.T, dir string, clock limit.Clock) *Store {
	t.Helper()
	s, err := Open(dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func take(t *testing.T, q Quotas, n int, period limit.Period, limitN, offset int64, now time.Time) (ok int, remaining int64) {
	t.Helper()
	for range n {
		r, k := q.Take("plan", "key", period, limitN, offset, now)
		if k {
			ok++
		}
		remaining = r
	}
	return ok, remaining
}

func TestDayOf(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), "1970-01-01"},
		{time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), "1969-12-31"},
		{time.Date(2026, 12, 2, 23, 59, 59, 0, time.UTC), "2026-12-02"},
		{time.Date(2026, 12, 3, 1, 0, 0, 0, time.FixedZone("x", 2*3600)), "2026-12-02"},
		{time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC), "2028-02-29"},
	} {
		if got := dayOf(tt.t).String(); got != tt.want {
			t.Errorf("dayOf(%v) = %s, want %s", tt.t, got, tt.want)
		}
	}
}

func TestTakeQuota(t *testing.T) {
	tests := []struct {
		name      string
		period    limit.Period
		limitN    int64
		sameAfter time.Duration // still the same period
		nextAt    time.Time     // first instant of the next period
	}{
		{"day", limit.DAY, 5, 13*time.Hour + 59*time.Minute, date("2026-12-03").Add(-12 * time.Hour)},
		{"week", limit.WEEK, 7, 3*24*time.Hour + 13*time.Hour, date("2026-12-06").Add(-12 * time.Hour)},
		{"month", limit.MONTH, 10, 29*24*time.Hour + 13*time.Hour, date("2027-01-01").Add(-12 * time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Memory()
			for i := int64(1); i <= tt.limitN; i++ {
				r, ok := s.Take("plan", "key", tt.period, tt.limitN, 0, t0)
				if !ok || r != tt.limitN-i {
					t.Fatalf("request %d: %d %v, want %d true", i, r, ok, tt.limitN-i)
				}
			}
			if r, ok := s.Take("plan", "key", tt.period, tt.limitN, 0, t0.Add(tt.sameAfter)); ok || r != 0 {
				t.Fatalf("over quota: %d %v", r, ok)
			}
			// Refused requests are not counted.
			u := s.Usage("plan", "key", t0, t0)["key"]
			if !reflect.DeepEqual(u, [][2]int64{{tt.limitN, 0}}) {
				t.Fatalf("usage %v", u)
			}
			// Another key and another plan have their own quotas.
			if _, ok := s.Take("plan", "other", tt.period, tt.limitN, 0, t0); !ok {
				t.Fatal("other key refused")
			}
			if _, ok := s.Take("plan2", "key", tt.period, tt.limitN, 0, t0); !ok {
				t.Fatal("other plan refused")
			}
			// Just before the next period: still refused; at its start: the full limit.
			if _, ok := s.Take("plan", "key", tt.period, tt.limitN, 0, tt.nextAt.Add(-time.Nanosecond)); ok {
				t.Fatal("allowed before the period ended")
			}
			if r, ok := s.Take("plan", "key", tt.period, tt.limitN, 0, tt.nextAt); !ok || r != tt.limitN-1 {
				t.Fatalf("next period: %d %v", r, ok)
			}
		})
	}
}

func TestTakeLimits(t *testing.T) {
	s := Memory()
	if r, ok := s.Take("p", "k", limit.DAY, 0, 0, t0); ok || r != 0 {
		t.Fatalf("limit 0: %d %v", r, ok)
	}
	for range 3 {
		if r, ok := s.Take("p", "unlimited", limit.DAY, -1, 0, t0); !ok || r != -1 {
			t.Fatalf("no quota: %d %v", r, ok)
		}
	}
	if u := s.Usage("p", "unlimited", t0, t0)["unlimited"]; !reflect.DeepEqual(u, [][2]int64{{3, -1}}) {
		t.Fatalf("usage without quota: %v", u)
	}
	// A reload lowers the limit under what was used: refused, remaining 0; raising it again
	// gives the difference.
	s2 := Memory()
	take(t, s2, 5, limit.DAY, 10, 0, t0)
	if r, ok := s2.Take("plan", "key", limit.DAY, 3, 0, t0); ok || r != 0 {
		t.Fatalf("lowered: %d %v", r, ok)
	}
	if r, ok := s2.Take("plan", "key", limit.DAY, 8, 0, t0); !ok || r != 2 {
		t.Fatalf("raised: %d %v", r, ok)
	}
	// The period changes from DAY to MONTH: the month's total counts the days already used.
	s3 := Memory()
	take(t, s3, 4, limit.DAY, 100, 0, t0.AddDate(0, 0, -1))
	take(t, s3, 4, limit.DAY, 100, 0, t0)
	if r, ok := s3.Take("plan", "key", limit.MONTH, 100, 0, t0); !ok || r != 91 {
		t.Fatalf("DAY -> MONTH: %d %v, want 91", r, ok)
	}
}

func TestTakeOffset(t *testing.T) {
	s := Memory()
	// The first period of the plan has limit - offset.
	if ok, _ := take(t, s, 10, limit.WEEK, 10, 4, t0); ok != 6 {
		t.Fatalf("first week: %d allowed, want 6", ok)
	}
	// Another key of the same plan, same week: the plan's first period too.
	if r, ok := s.Take("plan", "key2", limit.WEEK, 10, 4, t0.Add(time.Hour)); !ok || r != 5 {
		t.Fatalf("first week, second key: %d %v", r, ok)
	}
	// The next week has the full limit.
	if ok, _ := take(t, s, 12, limit.WEEK, 10, 4, t0.AddDate(0, 0, 7)); ok != 10 {
		t.Fatalf("second week: %d allowed, want 10", ok)
	}
	u := s.Usage("plan", "key", t0, t0)["key"]
	if !reflect.DeepEqual(u, [][2]int64{{6, 0}}) {
		t.Fatalf("usage %v", u)
	}
}

func TestUsagePerDay(t *testing.T) {
	c := limit.NewFakeClock(t0)
	s := MemoryWithClock(c)
	// WEEK quota of 100; 2026-11-29 and 2026-12-06 are Sundays.
	perDay := []struct {
		day string
		n   int
	}{{"2026-11-30", 10}, {"2026-12-02", 5}, {"2026-12-05", 1}, {"2026-12-07", 7}}
	for _, pd := range perDay {
		for range pd.n {
			if _, ok := s.Take("plan", "a", limit.WEEK, 100, 0, date(pd.day)); !ok {
				t.Fatal("refused")
			}
		}
	}
	s.Take("plan", "b", limit.WEEK, 100, 0, date("2026-12-01"))
	got := s.Usage("plan", "", date("2026-11-28"), date("2026-12-08"))
	want := map[string][][2]int64{
		"a": {
			{0, 100}, // 11-28, Saturday of the previous week
			{0, 100}, // 11-29 Sunday
			{10, 90}, // 11-30
			{0, 90},  // 12-01
			{5, 85},  // 12-02
			{0, 85},  // 12-03
			{0, 85},  // 12-04
			{1, 84},  // 12-05
			{0, 100}, // 12-06 Sunday: a new week
			{7, 93},  // 12-07
			{0, 93},  // 12-08
		},
		"b": {{0, 100}, {0, 100}, {0, 100}, {1, 99}, {0, 99}, {0, 99}, {0, 99}, {0, 99}, {0, 100}, {0, 100}, {0, 100}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("usage\n got %v\nwant %v", got, want)
	}
	// One key; an unknown key; an unknown plan; a reversed range.
	if got := s.Usage("plan", "b", date("2026-12-01"), date("2026-12-01")); !reflect.DeepEqual(got, map[string][][2]int64{"b": {{1, 99}}}) {
		t.Fatalf("one key: %v", got)
	}
	if got := s.Usage("plan", "c", date("2026-12-01"), date("2026-12-02")); !reflect.DeepEqual(got, map[string][][2]int64{"c": {{0, 100}, {0, 100}}}) {
		t.Fatalf("unknown key: %v", got)
	}
	if got := s.Usage("nope", "", t0, t0); len(got) != 0 {
		t.Fatalf("unknown plan: %v", got)
	}
	if got := s.Usage("nope", "k", t0, t0); !reflect.DeepEqual(got, map[string][][2]int64{"k": {{0, 0}}}) {
		t.Fatalf("unknown plan, a key: %v", got)
	}
	if got := s.Usage("plan", "a", t0, t0.AddDate(0, 0, -1)); !reflect.DeepEqual(got, map[string][][2]int64{"a": {}}) {
		t.Fatalf("reversed: %v", got)
	}
	if got := s.usageKeys("plan"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("keys %v", got)
	}
}

func TestUpdateUsage(t *testing.T) {
	s := Memory()
	take(t, s, 10, limit.DAY, 10, 0, t0)
	if _, ok := s.Take("plan", "key", limit.DAY, 10, 0, t0); ok {
		t.Fatal("not spent")
	}
	// An admin extends the remaining quota to 3.
	if err := s.UpdateUsage("plan", "key", limit.DAY, 10, 0, 3, t0); err != nil {
		t.Fatal(err)
	}
	if u := s.Usage("plan", "key", t0, t0)["key"]; !reflect.DeepEqual(u, [][2]int64{{10, 3}}) {
		t.Fatalf("usage after extension %v", u)
	}
	if ok, r := take(t, s, 5, limit.DAY, 10, 0, t0); ok != 3 || r != 0 {
		t.Fatalf("after extension: %d allowed", ok)
	}
	// The grant ends with the period.
	if ok, _ := take(t, s, 12, limit.DAY, 10, 0, t0.AddDate(0, 0, 1)); ok != 10 {
		t.Fatalf("next day: %d allowed", ok)
	}
	// Lowering works too.
	if err := s.UpdateUsage("plan", "key2", limit.DAY, 10, 0, 1, t0); err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Take("plan", "key2", limit.DAY, 10, 0, t0); !ok || r != 0 {
		t.Fatalf("lowered: %d %v", r, ok)
	}
	for _, bad := range []struct{ limitN, remaining int64 }{{10, -1}, {-1, 5}} {
		if err := s.UpdateUsage("plan", "key", limit.DAY, bad.limitN, 0, bad.remaining, t0); !errors.Is(err, ErrInvalid) {
			t.Fatalf("UpdateUsage(%v): %v", bad, err)
		}
	}
}

func TestTakeConcurrent(t *testing.T) {
	for _, name := range []string{"memory", "file"} {
		t.Run(name, func(t *testing.T) {
			var s *Store
			if name == "memory" {
				s = Memory()
			} else {
				s = openT(t, t.TempDir(), limit.NewFakeClock(t0))
				defer s.Close()
			}
			const limitN = 1000
			var ok atomic.Int64
			var wg sync.WaitGroup
			for g := range 32 {
				wg.Go(func() {
					for i := range 100 {
						if _, k := s.Take("plan", "key", limit.DAY, limitN, 0, t0); k {
							ok.Add(1)
						}
						s.Take("plan", fmt.Sprint("k", g%4), limit.DAY, -1, 0, t0)
						if i%25 == 0 {
							s.Usage("plan", "", t0, t0)
							if err := s.Flush(); err != nil {
								t.Error(err)
							}
						}
					}
				})
			}
			wg.Wait()
			if ok.Load() != limitN {
				t.Fatalf("allowed %d of 3200, want %d", ok.Load(), limitN)
			}
			u := s.Usage("plan", "", t0, t0)
			if u["key"][0] != [2]int64{limitN, 0} {
				t.Fatalf("usage %v", u["key"])
			}
			var total int64
			for _, k := range []string{"k0", "k1", "k2", "k3"} {
				total += u[k][0][0]
			}
			if total != 3200 {
				t.Fatalf("unlimited counts %d, want 3200", total)
			}
		})
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	c := limit.NewFakeClock(t0)
	s := openT(t, dir, c)
	if ok, _ := take(t, s, 7, limit.MONTH, 10, 2, t0.AddDate(0, 0, -1)); ok != 7 {
		t.Fatal("counting")
	}
	take(t, s, 1, limit.MONTH, 10, 2, t0)
	if err := s.UpdateUsage("plan", "other", limit.MONTH, 10, 2, 20, t0); err != nil {
		t.Fatal(err)
	}
	key := APIKey{ID: "abc123", Name: "k", Value: "secretsecretsecret0123", Enabled: true,
		CreatedAt: t0, UpdatedAt: t0, StageKeys: []string{"api/prod"}, Tags: map[string]string{"a": "b"}}
	if err := s.PutKey(key); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPlanKey("plan", "abc123"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutPlanKey("plan", "templatekey"); err != nil {
		t.Fatal(err)
	}
	gen, err := s.GeneratedValue("MyKey")
	if err != nil {
		t.Fatal(err)
	}
	usage := s.Usage("plan", "", t0.AddDate(0, 0, -2), t0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, FileName)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", fi, err)
	}

	s = openT(t, dir, c)
	defer s.Close()
	if got := s.Usage("plan", "", t0.AddDate(0, 0, -2), t0); !reflect.DeepEqual(got, usage) {
		t.Fatalf("usage after restart\n got %v\nwant %v", got, usage)
	}
	// 8 of the first month's 10 - 2 are used: no more.
	if r, ok := s.Take("plan", "key", limit.MONTH, 10, 2, t0); ok || r != 0 {
		t.Fatalf("quota after restart: %d %v", r, ok)
	}
	// The plan's first period is remembered: offset still applies this month for a new key,
	// and next month has the full limit.
	if r, ok := s.Take("plan", "new", limit.MONTH, 10, 2, t0); !ok || r != 7 {
		t.Fatalf("new key in the first month: %d %v", r, ok)
	}
	if r, ok := s.Take("plan", "key", limit.MONTH, 10, 2, date("2027-01-01")); !ok || r != 9 {
		t.Fatalf("next month: %d %v", r, ok)
	}
	if r, ok := s.Take("plan", "other", limit.MONTH, 10, 2, t0); !ok || r != 19 {
		t.Fatalf("granted extension after restart: %d %v", r, ok)
	}
	if got := s.Keys(); len(got) != 1 || !reflect.DeepEqual(got[0], key) {
		t.Fatalf("keys after restart: %v", got)
	}
	if got := s.PlanKeys("plan"); !reflect.DeepEqual(got, []string{"abc123", "templatekey"}) {
		t.Fatalf("plan keys after restart: %v", got)
	}
	if again, err := s.GeneratedValue("MyKey"); err != nil || again != gen {
		t.Fatalf("generated value changed across restart")
	}
}

func TestFlushEverySecond(t *testing.T) {
	s := openT(t, t.TempDir(), limit.NewFakeClock(t0))
	defer s.Close()
	take(t, s, 3, limit.DAY, 10, 0, t0)
	// Without Close (as in a crash), the background flush writes the counts within a second.
	onDisk := func() (r dayRec) {
		s.flushMu.Lock()
		defer s.flushMu.Unlock()
		s.db.View(func(tx *bbolt.Tx) error {
			if pb := tx.Bucket(bUsage).Bucket([]byte("plan")); pb != nil {
				if kb := pb.Bucket([]byte("key")); kb != nil {
					r, _ = getDay(kb.Get([]byte("2026-12-02")))
				}
			}
			return nil
		})
		return r
	}
	deadline := time.Now().Add(3 * time.Second)
	for onDisk().used != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed after 3 s: %+v", onDisk())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := s.FlushError(); err != nil {
		t.Fatal(err)
	}
	if r := onDisk(); r != (dayRec{used: 3, remaining: 7}) {
		t.Fatalf("on disk %+v", r)
	}
}

func TestSecondOpenFails(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, nil)
	defer s.Close()
	start := time.Now()
	s2, err := Open(dir, nil)
	if err == nil {
		s2.Close()
		t.Fatal("second Open of the same folder succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("second Open took %v", d)
	}
	if !strings.Contains(err.Error(), "another apigw is using "+dir) {
		t.Fatalf("error %q does not say another apigw uses %s", err, dir)
	}
	// Once the first is closed, the folder can be opened.
	s.Close()
	s3 := openT(t, dir, nil)
	s3.Close()
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o600)
	if _, err := Open(filepath.Join(file, "sub"), nil); err == nil {
		t.Fatal("Open under a file succeeded")
	}
	os.WriteFile(filepath.Join(dir, FileName), []byte("not a bbolt file, not at all, really not"), 0o600)
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), FileName) {
		t.Fatalf("Open of a bad file: %v", err)
	}
}

func TestPrune(t *testing.T) {
	dir := t.TempDir()
	c := limit.NewFakeClock(t0)
	s := openT(t, dir, c)
	old := t0.AddDate(0, 0, -KeepDays-1)
	take(t, s, 2, limit.DAY, 10, 0, old)
	s.Take("plan", "gone", limit.DAY, 10, 0, old)
	take(t, s, 1, limit.DAY, 10, 0, t0)
	if err := s.Flush(); err != nil { // the first flush prunes (nothing old yet on disk)
		t.Fatal(err)
	}
	if got := s.Usage("plan", "", old, old); got["key"][0][0] != 0 || got["gone"][0][0] != 0 {
		t.Fatalf("old day kept in memory: %v", got)
	}
	s.Close()
	s = openT(t, dir, c)
	defer s.Close()
	if got := s.usageKeys("plan"); !reflect.DeepEqual(got, []string{"key"}) {
		t.Fatalf("keys after prune: %v", got)
	}
	if got := s.Usage("plan", "key", old, old)["key"]; got[0][0] != 0 {
		t.Fatalf("old day on disk: %v", got)
	}
	if got := s.Usage("plan", "key", t0, t0)["key"]; got[0] != [2]int64{1, 9} {
		t.Fatalf("recent day lost: %v", got)
	}
	// Days age out while running too: 91 days later an hourly prune drops today's record.
	c.Set(t0.AddDate(0, 0, KeepDays+1))
	s.flushMu.Lock()
	s.lastPrune = time.Time{}
	s.flushMu.Unlock()
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := s.usageKeys("plan"); !reflect.DeepEqual(got, []string{"key"}) {
		t.Fatalf("counters: %v", got)
	}
	if got := s.Usage("plan", "key", t0, t0)["key"]; got[0][0] != 0 {
		t.Fatalf("day not pruned: %v", got)
	}
}

func TestKeys(t *testing.T) {
	for _, name := range []string{"memory", "file"} {
		t.Run(name, func(t *testing.T) {
			s := Memory()
			if name == "file" {
				s = openT(t, t.TempDir(), nil)
				defer s.Close()
			}
			a := APIKey{ID: "a", Value: "valuevaluevaluevalue1", Enabled: true, Tags: map[string]string{"x": "y"}}
			b := APIKey{ID: "b", Value: "valuevaluevaluevalue2"}
			for _, k := range []APIKey{b, a} {
				if err := s.PutKey(k); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.PutKey(APIKey{ID: "c", Value: a.Value}); !errors.Is(err, ErrConflict) || strings.Contains(err.Error(), a.Value) {
				t.Fatalf("duplicate value: %v", err)
			}
			if err := s.PutKey(APIKey{Value: "x"}); !errors.Is(err, ErrInvalid) {
				t.Fatalf("no id: %v", err)
			}
			// Replacing a key with its own value is fine.
			a.Name = "renamed"
			if err := s.PutKey(a); err != nil {
				t.Fatal(err)
			}
			got := s.Keys()
			if len(got) != 2 || got[0].ID != "a" || got[0].Name != "renamed" || got[1].ID != "b" {
				t.Fatalf("Keys: %v", got)
			}
			// Copies: changing what Keys returned changes nothing stored.
			got[0].Tags["x"] = "changed"
			if k, _ := s.Key("a"); k.Tags["x"] != "y" {
				t.Fatal("Keys returned shared maps")
			}
			for _, pk := range [][2]string{{"p1", "a"}, {"p2", "a"}, {"p1", "b"}, {"p1", "b"}, {"p1", "tmpl"}} {
				if err := s.PutPlanKey(pk[0], pk[1]); err != nil {
					t.Fatal(err)
				}
			}
			if got := s.PlanKeys("p1"); !reflect.DeepEqual(got, []string{"a", "b", "tmpl"}) {
				t.Fatalf("PlanKeys: %v", got)
			}
			if err := s.DeletePlanKey("p1", "tmpl"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeletePlanKey("p1", "tmpl"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second DeletePlanKey: %v", err)
			}
			// Deleting a key removes its memberships.
			if err := s.DeleteKey("a"); err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteKey("a"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("second DeleteKey: %v", err)
			}
			if got := s.PlanKeys("p1"); !reflect.DeepEqual(got, []string{"b"}) {
				t.Fatalf("PlanKeys after DeleteKey: %v", got)
			}
			if got := s.PlanKeys("p2"); len(got) != 0 {
				t.Fatalf("p2 after DeleteKey: %v", got)
			}
			if got := s.Keys(); len(got) != 1 || got[0].ID != "b" {
				t.Fatalf("Keys after delete: %v", got)
			}
			if err := s.PutPlanKey("", "x"); !errors.Is(err, ErrInvalid) {
				t.Fatalf("empty plan: %v", err)
			}
		})
	}
}

func TestKeyValueNotPrinted(t *testing.T) {
	k := APIKey{ID: "id1", Name: "n", Value: "supersecretvalue123456"}
	var sb strings.Builder
	slog.New(slog.NewJSONHandler(&sb, nil)).Info("key", "key", k)
	for _, out := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k), sb.String()} {
		if strings.Contains(out, k.Value) || !strings.Contains(out, "id1") {
			t.Fatalf("printed %q", out)
		}
	}
}

func TestGeneratedValue(t *testing.T) {
	s := Memory()
	v, err := s.GeneratedValue("Key1")
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != GeneratedValueLength || strings.Trim(v, alphanumeric) != "" {
		t.Fatalf("value %q", v)
	}
	if again, _ := s.GeneratedValue("Key1"); again != v {
		t.Fatal("value changed")
	}
	if other, _ := s.GeneratedValue("Key2"); other == v {
		t.Fatal("two keys got one value")
	}
	if _, err := s.GeneratedValue(""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty logical id: %v", err)
	}
	// Concurrent first calls agree.
	var wg sync.WaitGroup
	vals := make([]string, 16)
	for i := range vals {
		wg.Go(func() { vals[i], _ = s.GeneratedValue("Key3") })
	}
	wg.Wait()
	for _, x := range vals {
		if x != vals[0] {
			t.Fatal("concurrent GeneratedValue disagree")
		}
	}
	// Every character is used, roughly uniformly.
	seen := map[rune]int{}
	for range 200 {
		x, _ := randomValue(40)
		for _, r := range x {
			seen[r]++
		}
	}
	if len(seen) != 62 {
		t.Fatalf("%d distinct characters", len(seen))
	}
}

func BenchmarkTake(b *testing.B) {
	s := Memory()
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Take("plan", "key", limit.MONTH, 1<<62, 0, now)
		}
	})
}

func BenchmarkTakeManyKeys(b *testing.B) {
	s := Memory()
	now := time.Now()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("key", i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			s.Take("plan", keys[i&1023], limit.MONTH, 1<<62, 0, now)
			i++
		}
	})
}
