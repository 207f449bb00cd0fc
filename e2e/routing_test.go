package e2e

import (
	"strconv"
	"testing"
)

// routeCase is one request (sent raw, exactly as written) and the request
// target the backend must receive, or "" for 403 Missing Authentication Token.
type routeCase struct {
	method, target string
	want           string
}

func runRouteCases(t *testing.T, in *Instance, be *backend, cases []routeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			be.reset()
			r := rawRequest(t, in.Addr, simpleRequest(in, c.method, c.target))
			if c.want == "" {
				if c.method == "HEAD" {
					// No body on HEAD; the status and error type still say it.
					if r.Status != 403 || r.Header.Get("x-amzn-ErrorType") != missingTokenType || len(r.Body) != 0 {
						t.Errorf("HEAD: got %d, x-amzn-ErrorType %q, body %q; want 403 %s, no body\n%s",
							r.Status, r.Header.Get("x-amzn-ErrorType"), r.Body, missingTokenType, r)
					}
					assertAWSHeaders(t, r)
				} else {
					assertMissingToken(t, r)
				}
				if n := be.count(); n != 0 {
					t.Errorf("the backend received %d requests for an unrouted call", n)
				}
				return
			}
			body := echoBody("backend", c.method, c.want)
			if c.method == "HEAD" {
				body = ""
			}
			assertStatusBody(t, r, 200, body)
			if n := be.count(); n != 1 {
				t.Fatalf("backend received %d requests, want 1", n)
			}
			got := be.last(t)
			if got.Method != c.method || got.RequestURI != c.want {
				t.Errorf("backend got %s %s, want %s %s", got.Method, got.RequestURI, c.method, c.want)
			}
		})
	}
}

// TestRoutingErrors: unknown paths, stages and methods are all 403 Missing
// Authentication Token with API Gateway's headers (aws-reference §1, §2.1).
func TestRoutingErrors(t *testing.T) {
	be := newBackend(t, "backend", nil)
	in := startAPIGW(t, testdata("routing.yaml"), "--param", "BackendUrl="+be.URL)

	runRouteCases(t, in, be, []routeCase{
		// served
		{"GET", "/prod/users", "/users-get"},
		{"POST", "/prod/users", "/users-post"},
		{"GET", "/prod/users/42", "/user-get/42"},
		{"GET", "/prod/users/42?x=1&y=2", "/user-get/42?x=1&y=2"},
		// trailing slashes are ignored for matching; double slashes before
		// and right after the stage are dropped (§1, AWS-recorded).
		{"GET", "/prod/users/", "/users-get"},
		{"GET", "/prod/users/42/", "/user-get/42"},
		{"GET", "//prod/users", "/users-get"},
		{"GET", "//prod/users/42", "/user-get/42"},
		{"GET", "/prod//users", "/users-get"},
		// unknown path
		{"GET", "/prod/nope", ""},
		{"GET", "/prod/users/42/orders", ""},
		{"GET", "/prod/Users", ""}, // paths are case-sensitive
		{"POST", "/prod/nope", ""},
		// unknown stage
		{"GET", "/dev/users", ""},
		{"GET", "/Prod/users", ""},
		{"GET", "/users", ""},
		// wrong method
		{"DELETE", "/prod/users", ""},
		{"PUT", "/prod/users", ""},
		{"POST", "/prod/users/42", ""},
		{"PATCH", "/prod/users/42", ""},
		{"OPTIONS", "/prod/users", ""},
		// HEAD is not served by a GET method
		{"HEAD", "/prod/users", ""},
		{"HEAD", "/prod/users/42", ""},
		// the root resource has no method
		{"GET", "/prod", ""},
		{"GET", "/prod/", ""},
		{"POST", "/prod/", ""},
		{"GET", "/", ""},
	})

	t.Run("error headers", func(t *testing.T) {
		// Each error has its own request id.
		a := get(t, in.URL("/prod/nope"))
		b := get(t, in.URL("/prod/nope"))
		assertMissingToken(t, a)
		assertMissingToken(t, b)
		if a.Header.Get("x-amzn-RequestId") == b.Header.Get("x-amzn-RequestId") {
			t.Errorf("two requests share x-amzn-RequestId %s", a.Header.Get("x-amzn-RequestId"))
		}
		if got := a.Header.Get("Content-Length"); got != strconv.Itoa(len(missingTokenBody)) {
			t.Errorf("Content-Length = %q, want %d", got, len(missingTokenBody))
		}
	})
}

// TestRoutePrecedence: API Gateway picks a resource by path AND method:
// static parts before {param} before {proxy+}, falling back to a less
// specific resource when the more specific one lacks the method.
func TestRoutePrecedence(t *testing.T) {
	be := newBackend(t, "backend", nil)
	in := startAPIGW(t, testdata("precedence.yaml"), "--param", "BackendUrl="+be.URL)

	runRouteCases(t, in, be, []routeCase{
		// static before {param}
		{"GET", "/prod/users/admin", "/admin"},
		{"GET", "/prod/users/42", "/id/42"},
		// /users/me has PATCH only: GET goes to /users/{id}
		{"PATCH", "/prod/users/me", "/me"},
		{"GET", "/prod/users/me", "/id/me"},
		// /users/{id} has GET only: POST goes to /{proxy+} POST
		{"POST", "/prod/users/42", "/root-proxy-post/users/42"},
		// neither /users/{id} nor /{proxy+} has PATCH
		{"PATCH", "/prod/users/42", ""},
		// children: /users/admin has none, so /users/admin/orders is /users/{id}/orders
		{"GET", "/prod/users/42/orders", "/id-orders/42"},
		{"GET", "/prod/users/admin/orders", "/id-orders/admin"},
		{"GET", "/prod/users/42/other", "/root-proxy/users/42/other"},
		// /users has no method: /{proxy+}
		{"GET", "/prod/users", "/root-proxy/users"},
		// static before {proxy+}, ANY on the greedy resource
		{"GET", "/prod/files/readme", "/readme"},
		{"POST", "/prod/files/readme", "/files-proxy/readme"},
		{"GET", "/prod/files/a", "/files-proxy/a"},
		{"GET", "/prod/files/a/b/c", "/files-proxy/a/b/c"},
		{"DELETE", "/prod/files/a/b", "/files-proxy/a/b"},
		{"OPTIONS", "/prod/files/a", "/files-proxy/a"},
		{"HEAD", "/prod/files/a", "/files-proxy/a"}, // ANY includes HEAD
		{"GET", "/prod/files/readme/more", "/files-proxy/readme/more"},
		// /files has no method: /{proxy+} GET, but not DELETE
		{"GET", "/prod/files", "/root-proxy/files"},
		{"DELETE", "/prod/files", ""},
		// /{proxy+} takes one or more segments, never the root
		{"GET", "/prod/x", "/root-proxy/x"},
		{"GET", "/prod/other/x/y", "/root-proxy/other/x/y"},
		{"GET", "/prod", ""},
		{"GET", "/prod/", ""},
		// HEAD is not GET
		{"HEAD", "/prod/users/42", ""},
		// trailing and double slashes on greedy paths (§1)
		{"GET", "/prod/files/a/b/", "/files-proxy/a/b"},
		{"GET", "//prod/files/a", "/files-proxy/a"},
		{"GET", "/prod//files/a", "/files-proxy/a"},
		{"GET", "/prod/files/a//b", "/files-proxy/a//b"},
	})
}
