// Package watch tells when files or folders change: fsnotify events,
// coalesced over a quiet window, so a burst of writes (an editor's save, a
// build writing a code folder, a storm of rewrites) gives one call after
// the last of them.
package watch

import (
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// maxDirs bounds the folders one code tree may add (node_modules can hold
// thousands); past it, changes deeper down are not seen.
const maxDirs = 4096

// Watcher calls its function once the watched paths have been quiet for
// the quiet window after a change.
type Watcher struct {
	fs       *fsnotify.Watcher
	quiet    time.Duration
	ignore   func(name string) bool
	skip     []string
	onChange func()
	log      *slog.Logger

	mu      sync.Mutex
	files   map[string]bool // watched files (their folders are watched, for editors that replace files)
	trees   map[string]bool // watched folders: any change below counts
	added   map[string]bool // folders given to fsnotify
	trigger chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup
}

// New starts a watcher with nothing to watch yet (see Set). Inside watched
// folders, files and folders whose base name ignore accepts are not
// watched (nil: none are ignored).
// Folders in skip (absolute paths; apigw's own --data) are never watched,
// whatever watched folder holds them.
func New(quiet time.Duration, logger *slog.Logger, ignore func(name string) bool, skip []string, onChange func()) (*Watcher, error) {
	if ignore == nil {
		ignore = func(string) bool { return false }
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	w := &Watcher{fs: fw, quiet: quiet, ignore: ignore, skip: skip, onChange: onChange, log: logger,
		files: map[string]bool{}, trees: map[string]bool{}, added: map[string]bool{},
		trigger: make(chan struct{}, 1), done: make(chan struct{})}
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

// Set replaces the watched paths: files, and folders watched with all
// they hold. Paths that do not exist are watched through their folder, so
// they count once they appear.
func (w *Watcher) Set(paths []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	files, trees := map[string]bool{}, map[string]bool{}
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		if st, err := os.Stat(abs); err == nil && st.IsDir() {
			trees[abs] = true
		} else {
			files[abs] = true
		}
	}
	want := map[string]bool{}
	for f := range files {
		want[filepath.Dir(f)] = true
	}
	n := 0
	for t := range trees {
		want[filepath.Dir(t)] = true // the folder itself being replaced
		filepath.WalkDir(t, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if path != t && (w.ignore(d.Name()) || w.skipped(path)) {
				return filepath.SkipDir
			}
			if n++; n > maxDirs {
				return filepath.SkipAll
			}
			want[path] = true
			return nil
		})
	}
	for d := range w.added {
		if !want[d] {
			w.fs.Remove(d)
			delete(w.added, d)
		}
	}
	for d := range want {
		if !w.added[d] {
			if err := w.fs.Add(d); err == nil {
				w.added[d] = true
			}
		}
	}
	w.files, w.trees = files, trees
}

// Trigger asks for a call as if a watched path had changed.
func (w *Watcher) Trigger() {
	select {
	case w.trigger <- struct{}{}:
	default:
	}
}

// Close stops the watcher and waits for a call in progress.
func (w *Watcher) Close() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	w.fs.Close()
	w.wg.Wait()
}

// relevant tells whether an event touches a watched path, and adds folders
// created inside a watched tree.
func (w *Watcher) relevant(ev fsnotify.Event) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.files[ev.Name] {
		return true
	}
	if w.skipped(ev.Name) {
		return false
	}
	for t := range w.trees {
		if ev.Name == t || strings.HasPrefix(ev.Name, t+string(filepath.Separator)) {
			for _, part := range strings.Split(strings.TrimPrefix(ev.Name, t), string(filepath.Separator)) {
				if part != "" && w.ignore(part) {
					return false
				}
			}
			if ev.Has(fsnotify.Create) {
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() && len(w.added) < maxDirs {
					if w.fs.Add(ev.Name) == nil {
						w.added[ev.Name] = true
					}
				}
			}
			return true
		}
	}
	return false
}

// skipped tells a path in (or being) a skipped folder.
func (w *Watcher) skipped(path string) bool {
	for _, d := range w.skip {
		if path == d || strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (w *Watcher) loop() {
	defer w.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.done:
			timer.Stop()
			return
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			if ev.Has(fsnotify.Chmod) && !ev.Has(fsnotify.Write) {
				continue // atime and permission noise
			}
			if w.relevant(ev) {
				timer.Reset(w.quiet)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return
			}
			w.log.Warn("file watcher", "error", err)
			timer.Reset(w.quiet) // events may have been lost: look again
		case <-w.trigger:
			timer.Reset(w.quiet)
		case <-timer.C:
			w.onChange()
		}
	}
}
