package e2e

import (
	"testing"
)

// TestCORSPreflight serves examples/cors-mock.yaml: the OPTIONS MOCK method
// answers a browser's preflight with the guide's three headers and an
// empty body; GET answers through its own MOCK integration.
func TestCORSPreflight(t *testing.T) {
	in := startAPIGW(t, example("cors-mock.yaml"))

	t.Run("preflight", func(t *testing.T) {
		r := do(t, req{Method: "OPTIONS", URL: in.URL("/prod/users"), Header: map[string]string{
			"Origin":                         "https://example.com",
			"Access-Control-Request-Method":  "POST",
			"Access-Control-Request-Headers": "content-type,x-api-key",
		}})
		assertStatusBody(t, r, 200, "")
		assertHeader(t, r.Header, "Access-Control-Allow-Headers", "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token")
		assertHeader(t, r.Header, "Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://example.com")
		assertHeader(t, r.Header, "Content-Type", "application/json")
		assertHeader(t, r.Header, "Content-Length", "0")
		assertAWSHeaders(t, r)
	})

	t.Run("preflight without CORS headers", func(t *testing.T) {
		// A MOCK answers whatever the request says.
		r := do(t, req{Method: "OPTIONS", URL: in.URL("/prod/users")})
		assertStatusBody(t, r, 200, "")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://example.com")
	})

	t.Run("GET", func(t *testing.T) {
		r := do(t, req{Method: "GET", URL: in.URL("/prod/users"), Header: map[string]string{"Origin": "https://example.com"}})
		assertStatusBody(t, r, 200, `{"users": []}`)
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://example.com")
		assertHeader(t, r.Header, "Content-Type", "application/json")
		// The OPTIONS method's headers belong to the OPTIONS method only.
		assertHeader(t, r.Header, "Access-Control-Allow-Methods", "")
		assertAWSHeaders(t, r)
	})

	t.Run("other methods", func(t *testing.T) {
		for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			assertMissingToken(t, do(t, req{Method: m, URL: in.URL("/prod/users"), Body: "{}"}))
		}
	})

	t.Run("AllowedOrigin parameter", func(t *testing.T) {
		in := startAPIGW(t, example("cors-mock.yaml"), "--param", "AllowedOrigin=http://localhost:3000")
		r := do(t, req{Method: "OPTIONS", URL: in.URL("/prod/users"), Header: map[string]string{
			"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET",
		}})
		assertStatusBody(t, r, 200, "")
		assertHeader(t, r.Header, "Access-Control-Allow-Origin", "http://localhost:3000")
	})
}
