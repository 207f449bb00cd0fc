// Package admin serves the admin listener: health, Prometheus metrics and,
// as later capabilities land, the admin API. It uses net/http: it is off
// the data plane's hot path.
package admin

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Health reports readiness: nil when every listener serves and every
// function can be invoked; otherwise what is not ready, by name.
type Health func() map[string]string

// Server is the admin listener.
type Server struct {
	srv      *http.Server
	Registry *prometheus.Registry
	Mux      *http.ServeMux
}

// Status adds fields to /healthz's body (the last reload when it failed),
// without changing its status code.
type Status func() map[string]any

// New builds the admin server; register more handlers on Mux before Serve.
// status may be nil.
func New(health Health, status Status) *Server {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{"status": "ok"}
		if status != nil {
			for k, v := range status() {
				body[k] = v
			}
		}
		if problems := health(); len(problems) > 0 {
			body["status"], body["problems"] = "unavailable", problems
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		json.NewEncoder(w).Encode(body)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Go's profiler, for performance work; the admin listener is loopback by default.
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return &Server{
		srv:      &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second},
		Registry: reg,
		Mux:      mux,
	}
}

// Serve serves on a listener until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.srv.Serve(ln)
	if err == http.ErrServerClosed {
		return nil
	}
	return err
}

// Shutdown stops the listener, letting requests in flight finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }
