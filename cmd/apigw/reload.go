package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/auth/cognito"
	"github.com/apigw/apigw/internal/controlplane"
	"github.com/apigw/apigw/internal/gateway"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/watch"
	"github.com/apigw/apigw/internal/websocket"
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
	shared   *shared
	dataAddr string

	loadMu  sync.Mutex // one load at a time
	mu      sync.Mutex // guards what follows
	number  int        // generations swapped in, counting the first
	last    reloadStatus
	model   *model.Model     // the current generation's
	deps    gateway.Deps     // and what it was compiled with
	wsCfg   websocket.Config // and its WebSocket server
	issuers map[string]*cognito.Issuer
	started time.Time
}

// controlView is the current generation's keys and plans, for the
// control-plane API.
func (s *server) controlView() controlplane.View {
	s.mu.Lock()
	m := s.model
	s.mu.Unlock()
	var v controlplane.View
	if m == nil {
		return v
	}
	store := s.shared.store
	// A key's plans: the template's, and those the control plane added.
	plansOf := map[string][]*model.UsagePlan{}
	for _, up := range m.UsagePlans {
		ids := map[string]bool{}
		for _, k := range up.Keys {
			ids[k.ID] = true
		}
		for _, id := range store.PlanKeys(up.ID) {
			ids[id] = true
		}
		for id := range ids {
			plansOf[id] = append(plansOf[id], up)
		}
	}
	stageKeys := func(id string) []string {
		var out []string
		for _, up := range plansOf[id] {
			for _, ps := range up.Stages {
				out = append(out, ps.APIID()+"/"+ps.Stage)
			}
		}
		sort.Strings(out)
		return out
	}
	for _, k := range m.APIKeys {
		value := k.Value
		if value == "" {
			value, _ = store.GeneratedValue(k.LogicalID)
		}
		v.Keys = append(v.Keys, controlplane.Key{ID: k.ID, Name: k.Name, Description: k.Description, Value: value, Enabled: k.Enabled,
			Created: s.started, StageKeys: stageKeys(k.ID), FromTemplate: true})
	}
	for _, k := range store.Keys() {
		v.Keys = append(v.Keys, controlplane.Key{ID: k.ID, Name: k.Name, Description: k.Description, Value: k.Value, Enabled: k.Enabled,
			Created: k.CreatedAt, Updated: k.UpdatedAt, StageKeys: stageKeys(k.ID)})
	}
	for _, up := range m.UsagePlans {
		cp := controlplane.Plan{ID: up.ID, Name: up.Name}
		for _, ps := range up.Stages {
			st := controlplane.Stage{APIID: ps.APIID(), Stage: ps.Stage, Throttle: map[string]controlplane.Throttle{}}
			for key, t := range ps.Methods {
				st.Throttle[key] = controlplane.Throttle{Rate: t.Rate, Burst: t.Burst}
			}
			cp.Stages = append(cp.Stages, st)
		}
		if t := up.Throttle; t != nil {
			cp.Throttle = &controlplane.Throttle{Rate: t.Rate, Burst: t.Burst}
		}
		if q := up.Quota; q != nil {
			cp.Quota = &controlplane.Quota{Limit: q.Limit, Offset: q.Offset, Period: q.Period}
		}
		for _, k := range up.Keys {
			cp.KeyIDs = append(cp.KeyIDs, k.ID)
		}
		for _, id := range store.PlanKeys(up.ID) {
			if !slices.Contains(cp.KeyIDs, id) {
				cp.KeyIDs = append(cp.KeyIDs, id)
			}
		}
		v.Plans = append(v.Plans, cp)
	}
	return v
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
	s.shared.hub.Activate(b.ws) // open connections' next messages take the new routes
	s.shared.caches.Keep(b.gen.CacheStages())
	s.mu.Lock()
	s.model, s.deps, s.issuers, s.wsCfg = b.model, b.deps, b.issuers, b.wsCfg
	s.number++
	n := s.number
	s.last = reloadStatus{Generation: n, OK: true, At: time.Now().UTC(), Errors: []string{}}
	s.mu.Unlock()
	printRoutes(s.stdout, b.gen.Routes(), b.ws.Routes(), s.dataAddr)
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
	b, err := build(s.o, s.logger, s.rt, s.shared, s.gw.Current())
	if err != nil {
		s.shared.caches.Keep(s.gw.Current().CacheStages()) // what the failed load made
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

// recompile builds the current generation again from the same model and
// functions, for what the control-plane API changed (keys, plan
// memberships): the files are not read again.
func (s *server) recompile() {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	s.mu.Lock()
	m, deps := s.model, s.deps
	s.mu.Unlock()
	if m == nil {
		return
	}
	// Keys and plan memberships reach WebSocket stages through a new
	// WebSocket server; open connections keep going.
	ws, err := newWebSocket(s.wsCfg, deps.Access)
	if err != nil {
		s.logger.Error("applying a control-plane change failed", "error", err)
		return
	}
	deps.Extra = withWebSocket(deps.Extra, ws)
	gen, err := gateway.Compile(m, deps, s.gw.Current())
	if err != nil {
		s.shared.caches.Keep(s.gw.Current().CacheStages()) // what the failed compile made
		s.logger.Error("applying a control-plane change failed", "error", err)
		return
	}
	s.gw.Swap(gen)
	s.shared.hub.Activate(ws)
	s.shared.caches.Keep(gen.CacheStages())
}

// handleUserPool serves a local user-pool issuer's endpoint (CONTRACT.md):
// the tokens of POST /userpools/{LogicalId}/tokens, its JWKS.
func (s *server) handleUserPool(h func(*cognito.Issuer) http.Handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		iss := s.issuers[r.PathValue("id")]
		s.mu.Unlock()
		if iss == nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			json.NewEncoder(w).Encode(map[string]string{"message": "no local user pool " + r.PathValue("id") + " (an AWS::Cognito::UserPool of the template without a --config issuer)"})
			return
		}
		h(iss).ServeHTTP(w, r)
	}
}

// setWatched watches the template, the config file, and the included
// files and local code of the last load that worked.
func (s *server) setWatched(code []string) {
	if s.watcher == nil {
		return
	}
	paths := append([]string{}, code...)
	// A CDK cloud assembly folder is not watched whole: its manifests and
	// the stack's template and asset folders are (code).
	if st, err := os.Stat(s.o.template); err != nil || !st.IsDir() {
		paths = append(paths, s.o.template)
	}
	if s.o.configFile != "" {
		paths = append(paths, s.o.configFile)
	}
	if s.o.envVars != "" {
		paths = append(paths, s.o.envVars)
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
