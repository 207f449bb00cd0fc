package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/gateway"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/watch"
)

// server is what outlives a generation: the gateway that serves the
// current one, the Lambda runtime, the watcher and the reload state.
type server struct {
	o        *options
	logger   *slog.Logger
	stdout   io.Writer
	gw       *gateway.Gateway
	rt       *lambda.Runtime
	watcher  *watch.Watcher
	dataAddr string

	loadMu sync.Mutex // one load at a time
	mu     sync.Mutex // guards what follows
	number int        // generations swapped in, counting the first
	last   reloadStatus
}

// reloadStatus is the last reload attempt, as GET /reload and /healthz
// tell it.
type reloadStatus struct {
	Generation int       `json:"generation"`
	OK         bool      `json:"ok"`
	At         time.Time `json:"at"`
	Errors     []string  `json:"errors"`
}

// install swaps a built generation in and commits its functions.
func (s *server) install(b *built, why string) int {
	b.plan.Commit()
	s.gw.Swap(b.gen)
	s.mu.Lock()
	s.number++
	n := s.number
	s.last = reloadStatus{Generation: n, OK: true, At: time.Now().UTC(), Errors: []string{}}
	s.mu.Unlock()
	printRoutes(s.stdout, b.gen.Routes(), s.dataAddr)
	if why != "start" {
		s.logger.Info("reloaded", "generation", n, "trigger", why, "routes", len(b.gen.Routes()))
		for _, note := range b.notes {
			s.logger.Warn("template note", "note", note)
		}
	}
	return n
}

// reload builds a new generation from the files as they are now and swaps
// it in. A template that cannot be served changes nothing: the old
// generation keeps serving, and the errors are logged as validate prints
// them and kept for GET /reload and /healthz.
func (s *server) reload(why string) (int, []string) {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	b, err := build(s.o, s.logger, s.rt, s.gw.Current())
	if err != nil {
		lines := errorLines(err)
		s.mu.Lock()
		s.last = reloadStatus{Generation: s.number, OK: false, At: time.Now().UTC(), Errors: lines}
		n := s.number
		s.mu.Unlock()
		s.logger.Error("reload failed", "trigger", why, "generation", n, "errors", len(lines))
		for _, l := range lines {
			s.logger.Error("reload failed", "error", l)
		}
		return n, lines
	}
	n := s.install(b, why)
	s.setWatched(b.paths)
	return n, nil
}

// setWatched watches the template, the config file, and the included
// files and local code of the last load that worked.
func (s *server) setWatched(code []string) {
	if s.watcher == nil {
		return
	}
	paths := append([]string{s.o.template}, code...)
	if s.o.configFile != "" {
		paths = append(paths, s.o.configFile)
	}
	for i, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			paths[i] = abs
		}
	}
	s.watcher.Set(paths)
}

func (s *server) status() reloadStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// healthStatus adds the last reload to /healthz when it failed.
func (s *server) healthStatus() map[string]any {
	st := s.status()
	out := map[string]any{"generation": st.Generation}
	if !st.OK {
		out["lastReload"] = st
	}
	return out
}

// handleReload serves POST /reload: 200 when the new configuration
// serves, 400 with the errors (the old one keeps serving) when not.
func (s *server) handleReload(w http.ResponseWriter, r *http.Request) {
	n, errs := s.reload("POST /reload")
	w.Header().Set("Content-Type", "application/json")
	if errs != nil {
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"status": "failed", "generation": n, "errors": errs})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"status": "reloaded", "generation": n})
}

// handleReloadStatus serves GET /reload: the last reload attempt.
func (s *server) handleReloadStatus(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(s.status())
}
