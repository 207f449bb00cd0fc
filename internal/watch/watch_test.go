package watch

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newWatcher(t *testing.T, skip []string, paths ...string) (*Watcher, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	w, err := New(100*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)),
		func(name string) bool { return name == "__pycache__" || strings.HasSuffix(name, ".pyc") },
		skip, func() { calls.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	w.Set(paths)
	return w, &calls
}

// settle waits past the quiet window and returns the calls made.
func settle(calls *atomic.Int32) int32 {
	time.Sleep(400 * time.Millisecond)
	return calls.Load()
}

func TestWatch(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "template.yaml")
	code := filepath.Join(dir, "fn")
	os.WriteFile(file, []byte("a"), 0o644)
	os.MkdirAll(filepath.Join(code, "lib"), 0o755)
	other := filepath.Join(dir, "other.txt")
	data := filepath.Join(code, ".apigw")
	os.MkdirAll(filepath.Join(data, "lambda"), 0o755)
	cases := []struct {
		name   string
		change func(t *testing.T)
		want   int32
	}{
		{"write in place", func(t *testing.T) { os.WriteFile(file, []byte("b"), 0o644) }, 1},
		{"replace by rename", func(t *testing.T) {
			tmp := filepath.Join(dir, ".tmp")
			os.WriteFile(tmp, []byte("c"), 0o644)
			if err := os.Rename(tmp, file); err != nil {
				t.Fatal(err)
			}
		}, 1},
		{"a storm coalesces", func(t *testing.T) {
			for i := range 20 {
				os.WriteFile(file, []byte(strings.Repeat("x", i)), 0o644)
				time.Sleep(20 * time.Millisecond)
			}
		}, 1},
		{"a file in a code subfolder", func(t *testing.T) { os.WriteFile(filepath.Join(code, "lib", "m.py"), []byte("x"), 0o644) }, 1},
		{"a new folder in the code and a file in it", func(t *testing.T) {
			os.MkdirAll(filepath.Join(code, "new"), 0o755)
			time.Sleep(300 * time.Millisecond)
			os.WriteFile(filepath.Join(code, "new", "x.py"), []byte("x"), 0o644)
		}, 2},
		{"an unwatched file beside", func(t *testing.T) { os.WriteFile(other, []byte("x"), 0o644) }, 0},
		{"apigw's own data folder inside the code", func(t *testing.T) {
			os.MkdirAll(filepath.Join(data, "lambda", "123", "code"), 0o755)
			os.WriteFile(filepath.Join(data, "lambda", "123", "code", "index.py"), []byte("x"), 0o644)
			os.WriteFile(filepath.Join(data, "state.db"), []byte("x"), 0o644)
		}, 0},
		{"bytecode the runtime writes", func(t *testing.T) {
			os.MkdirAll(filepath.Join(code, "__pycache__"), 0o755)
			os.WriteFile(filepath.Join(code, "__pycache__", "m.cpython-312.pyc"), []byte("x"), 0o644)
			os.WriteFile(filepath.Join(code, "lib", "m.pyc"), []byte("x"), 0o644)
		}, 0},
	}
	_, calls := newWatcher(t, []string{data}, file, code)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := settle(calls)
			c.change(t)
			if got := settle(calls) - before; got != c.want {
				t.Errorf("%d calls, want %d", got, c.want)
			}
		})
	}
}

// TestWatchSetAndTrigger: Set replaces what is watched; Trigger calls once.
func TestWatchSetAndTrigger(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, nil, 0o644)
	w, calls := newWatcher(t, nil, a)
	w.Set([]string{b}) // not yet there: seen once it appears
	os.WriteFile(a, []byte("x"), 0o644)
	if got := settle(calls); got != 0 {
		t.Errorf("a file no longer watched: %d calls", got)
	}
	os.WriteFile(b, []byte("x"), 0o644)
	if got := settle(calls); got != 1 {
		t.Errorf("a watched file that appeared: %d calls, want 1", got)
	}
	w.Trigger()
	w.Trigger()
	if got := settle(calls); got != 2 {
		t.Errorf("after two quick triggers: %d calls, want 2", got)
	}
}
