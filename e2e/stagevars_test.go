package e2e

import (
	"strings"
	"testing"
)

// TestStageVariables: ${stageVariables.x} in an HTTP_PROXY Uri takes each
// stage's value, so the two stages of one deployment reach two backends.
func TestStageVariables(t *testing.T) {
	prod := newBackend(t, "prod", nil)
	beta := newBackend(t, "beta", nil)
	in := startAPIGW(t, testdata("stagevars.yaml"),
		"--param", "ProdHost="+prod.hostport(), "--param", "BetaHost="+beta.hostport())

	cases := []struct {
		path string
		be   *backend
		uri  string
	}{
		{"/prod/pets", prod, "/v1/pets"},
		{"/beta/pets", beta, "/v2/pets"},
		{"/prod/pets?limit=5", prod, "/v1/pets?limit=5"},
		{"/prod/plain", prod, "/plain"},
		{"/beta/plain", beta, "/plain"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			prod.reset()
			beta.reset()
			r := get(t, in.URL(c.path))
			assertStatusBody(t, r, 200, echoBody(c.be.name, "GET", c.uri))
			if prod.count()+beta.count() != 1 {
				t.Errorf("backends received %d+%d requests, want 1 in all", prod.count(), beta.count())
			}
			if got := c.be.last(t); got.Host != c.be.hostport() {
				t.Errorf("backend got Host %q, want %q", got.Host, c.be.hostport())
			}
		})
	}
	assertMissingToken(t, get(t, in.URL("/gamma/pets")))
}

// TestHostSelectsAPI: two APIs with a stage named prod. The Host header
// {apiId}.execute-api.localhost[:port] says which one; without it the
// stage is ambiguous: 403.
func TestHostSelectsAPI(t *testing.T) {
	be := newBackend(t, "backend", nil)
	in := startAPIGW(t, testdata("two-apis.yaml"), "--param", "BackendUrl="+be.URL)
	_, port, _ := strings.Cut(in.Addr, ":")

	cases := []struct {
		name, host, path, want string // want "" = 403
	}{
		{"api a", "apia.execute-api.localhost:" + port, "/prod/who", "/a/who"},
		{"api b", "apib.execute-api.localhost:" + port, "/prod/who", "/b/who"},
		{"api a without port", "apia.execute-api.localhost", "/prod/who", "/a/who"},
		{"api b, its own stage", "apib.execute-api.localhost:" + port, "/onlyb/who", "/b/who"},
		{"api a has no stage onlyb", "apia.execute-api.localhost:" + port, "/onlyb/who", ""},
		{"no api in Host, shared stage", in.Addr, "/prod/who", ""},
		{"localhost, shared stage", "localhost:" + port, "/prod/who", ""},
		{"no api in Host, stage of one api", in.Addr, "/onlyb/who", "/b/who"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be.reset()
			r := do(t, req{URL: in.URL(c.path), Host: c.host})
			if c.want == "" {
				assertMissingToken(t, r)
				if be.count() != 0 {
					t.Errorf("backend was called")
				}
				return
			}
			assertStatusBody(t, r, 200, echoBody("backend", "GET", c.want))
		})
	}
}
