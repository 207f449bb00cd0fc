package e2e

import (
	"net/http"
	"testing"
	"time"
)

// TestIntegrationTimeout: a backend slower than TimeoutInMillis gives 504
// {"message": "Endpoint request timed out"} (INTEGRATION_TIMEOUT), at about
// the timeout; a backend that is down gives 504 {"message": "Network error
// communicating with endpoint"} (INTEGRATION_FAILURE).
func TestIntegrationTimeout(t *testing.T) {
	release := make(chan struct{})
	be := newBackend(t, "backend", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-release:
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	})
	t.Cleanup(func() { close(release) }) // runs before the backend closes
	down := freeAddr(t)
	in := startAPIGW(t, testdata("timeouts.yaml"),
		"--param", "BackendUrl="+be.URL, "--param", "DownUrl=http://"+down)

	t.Run("fast backend within the timeout", func(t *testing.T) {
		r := get(t, in.URL("/prod/fast"))
		assertStatusBody(t, r, 200, `{"ok":true}`)
	})

	for _, m := range []string{"GET", "POST"} {
		t.Run("slow backend "+m, func(t *testing.T) {
			start := time.Now()
			r := do(t, req{Method: m, URL: in.URL("/prod/slow"), Body: map[string]string{"GET": "", "POST": `{"a":1}`}[m]})
			took := time.Since(start)
			assertGatewayError(t, r, http.StatusGatewayTimeout, timeoutBody, "")
			if took < 180*time.Millisecond || took > 2*time.Second {
				t.Errorf("504 after %v, want about 200ms (TimeoutInMillis)", took)
			}
		})
	}

	t.Run("fast again after a timeout", func(t *testing.T) {
		for range 3 {
			assertStatusBody(t, get(t, in.URL("/prod/fast")), 200, `{"ok":true}`)
		}
	})

	t.Run("backend down, HTTP_PROXY", func(t *testing.T) {
		r := get(t, in.URL("/prod/down"))
		assertGatewayError(t, r, http.StatusGatewayTimeout, networkErrBody, "")
	})

	t.Run("backend down, HTTP", func(t *testing.T) {
		r := get(t, in.URL("/prod/down-http"))
		assertGatewayError(t, r, http.StatusGatewayTimeout, networkErrBody, "")
	})
}
