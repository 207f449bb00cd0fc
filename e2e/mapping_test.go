package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestHTTPIntegrationMapping: an HTTP (non-proxy) integration sends only
// what RequestParameters map, and answers with the integration response
// that SelectionPattern picks for the backend's status: its status code,
// its static and mapped headers, its template or else the backend body.
func TestHTTPIntegrationMapping(t *testing.T) {
	be := newBackend(t, "backend", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "yes")
		w.Header().Set("X-Other", "hidden")
		switch {
		case r.URL.Path == "/items" && r.Method == "GET":
			fmt.Fprint(w, `{"items":[1,2]}`)
		case r.URL.Path == "/items" && r.Method == "POST":
			w.WriteHeader(200)
			fmt.Fprintf(w, `{"received":%q}`, readAll(r))
		case strings.HasPrefix(r.URL.Path, "/status/"):
			code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/status/"))
			if err != nil {
				code = 500
			}
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"backend":%d}`, code)
		default:
			w.WriteHeader(404)
		}
	})
	in := startAPIGW(t, testdata("mapping.yaml"), "--param", "BackendUrl="+be.URL)

	t.Run("request parameters", func(t *testing.T) {
		r := do(t, req{URL: in.URL("/prod/items?q=shoes&other=1"), Header: map[string]string{
			"X-In": "hello", "X-Not-Mapped": "nope",
		}})
		assertStatusBody(t, r, 200, `{"items":[1,2]}`)
		assertHeader(t, r.Header, "X-Static", "static-value")
		assertHeader(t, r.Header, "X-From-Backend", "yes")
		assertHeader(t, r.Header, "Content-Type", "application/json")
		// a non-proxy integration returns only the mapped headers
		assertHeader(t, r.Header, "X-Other", "")
		assertHeader(t, r.Header, "X-Backend", "")
		assertAWSHeaders(t, r)

		got := be.last(t)
		if got.RequestURI != "/items?q=shoes" {
			t.Errorf("backend got %s, want /items?q=shoes (only mapped query parameters)", got.RequestURI)
		}
		for name, want := range map[string]string{"X-Mapped": "hello", "X-Static-In": "fixed", "X-Not-Mapped": "", "X-In": ""} {
			if v := got.Header.Get(name); v != want {
				t.Errorf("backend header %s = %q, want %q", name, v, want)
			}
		}
	})

	t.Run("body passthrough", func(t *testing.T) {
		r := do(t, req{Method: "POST", URL: in.URL("/prod/items"), Body: `{"name":"x"}`,
			Header: map[string]string{"Content-Type": "application/json"}})
		assertStatusBody(t, r, 201, `{"received":"{\"name\":\"x\"}"}`)
		got := be.last(t)
		if got.Method != "POST" || string(got.Body) != `{"name":"x"}` {
			t.Errorf("backend got %s %q", got.Method, got.Body)
		}
	})

	cases := []struct {
		code       int
		wantStatus int
		wantBody   string
		selected   string
	}{
		{200, 200, `{"backend":200}`, "default"},
		{201, 200, `{"backend":201}`, "default"}, // no pattern matches: the default response, backend body
		{404, 400, `{"error":"bad request"}`, "4xx"},
		{409, 400, `{"error":"bad request"}`, "4xx"},
		{500, 502, `{"error":"upstream"}`, "5xx"},
		{503, 502, `{"error":"upstream"}`, "5xx"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("backend %d", c.code), func(t *testing.T) {
			r := get(t, in.URL(fmt.Sprintf("/prod/status/%d", c.code)))
			assertStatusBody(t, r, c.wantStatus, c.wantBody)
			assertHeader(t, r.Header, "X-Selected", c.selected)
			assertHeader(t, r.Header, "Content-Type", "application/json")
			if r.Header.Get("x-amzn-ErrorType") != "" {
				t.Errorf("a mapped integration response is not a gateway error: x-amzn-ErrorType %q", r.Header.Get("x-amzn-ErrorType"))
			}
			if got := be.last(t); got.RequestURI != fmt.Sprintf("/status/%d", c.code) {
				t.Errorf("backend got %s", got.RequestURI)
			}
		})
	}
}

// TestMockIntegrationResponses: a MOCK's request template statusCode picks
// the integration response by SelectionPattern; no match and no default is
// a configuration error (500).
func TestMockIntegrationResponses(t *testing.T) {
	be := newBackend(t, "backend", nil)
	in := startAPIGW(t, testdata("mapping.yaml"), "--param", "BackendUrl="+be.URL)
	cases := []struct {
		path, body string
		status     int
		mock       string
	}{
		{"/prod/mock-ok", `{"result":"ok"}`, 200, "default"},
		{"/prod/mock-notfound", `{"result":"missing"}`, 404, "missing"},
		{"/prod/mock-error", `{"result":"error"}`, 500, "error"},
		{"/prod/mock-other", `{"result":"ok"}`, 200, "default"},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			r := get(t, in.URL(c.path))
			assertStatusBody(t, r, c.status, c.body)
			assertHeader(t, r.Header, "X-Mock", c.mock)
			assertHeader(t, r.Header, "Content-Type", "application/json")
			assertAWSHeaders(t, r)
		})
	}
	t.Run("no default response", func(t *testing.T) {
		r := get(t, in.URL("/prod/mock-nodefault"))
		assertGatewayError(t, r, 500, internalErrBody, "InternalServerErrorException")
	})
	if be.count() != 0 {
		t.Errorf("MOCK integrations called the backend")
	}
}

func readAll(r *http.Request) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}
