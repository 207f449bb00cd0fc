package e2e

// The REST API stage cache (API Gateway's "API cache") on the real binary:
// which requests reach the integration and which are answered from the
// stage's cache, proven by counting the calls the backend (or the
// function) receives and by the cache metrics on the admin listener, never
// by timing. Everything here is prefixed with cache so that it cannot
// collide with the rest of the package.

import (
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	// cacheAPIID is the id of the API of testdata/cache-http.yaml (its
	// logical ID Api, lower-cased).
	cacheAPIID = "api"
	// cacheKey is the API key of cache-http.yaml's usage plan.
	cacheKey = "cachekeycachekeycachekey0123"
	// cachePolicyInvalidate lets everyone invoke and invalidate.
	cachePolicyInvalidate = `      Policy:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: '*', Action: ['execute-api:Invoke', 'execute-api:InvalidateCache'], Resource: 'execute-api:/*'}`
	// cachePolicyInvokeOnly lets everyone invoke, nobody invalidate.
	cachePolicyInvokeOnly = `      Policy:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}`
)

// cacheTemplate is testdata/cache-http.yaml with a resource policy (or
// none), written to a fresh folder.
func cacheTemplate(t *testing.T, policy string) string {
	t.Helper()
	b, err := os.ReadFile(testdata("cache-http.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "{{POLICY}}\n") {
		t.Fatal("cache-http.yaml has no {{POLICY}} line")
	}
	return writeFile(t, "cache-http.yaml", strings.Replace(string(b), "{{POLICY}}\n", policy+"\n", 1))
}

// newCacheBackend is the backend of cache-http.yaml. It answers 200 JSON
// {"path":P,"query":Q,"n":N}, N being how many calls that path has
// received (this one included), so a body tells which call produced it;
// /sized/N answers N bytes, /status/CODE answers CODE, /slow answers after
// 300 ms.
func newCacheBackend(t *testing.T) *backend {
	t.Helper()
	var mu sync.Mutex
	calls := map[string]int{}
	return newBackend(t, "cache", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		n := calls[r.URL.Path]
		mu.Unlock()
		w.Header().Set("X-Backend-Call", strconv.Itoa(n))
		switch p := r.URL.Path; {
		case strings.HasPrefix(p, "/sized/"):
			size, _ := strconv.Atoi(strings.TrimPrefix(p, "/sized/"))
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte(strings.Repeat(string(rune('a'+n%26)), size)))
			return
		case strings.HasPrefix(p, "/status/"):
			code, _ := strconv.Atoi(strings.TrimPrefix(p, "/status/"))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"status":%d,"n":%d}`, code, n)
			return
		case p == "/slow":
			time.Sleep(300 * time.Millisecond)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q,"query":%q,"n":%d}`, r.URL.Path, r.URL.RawQuery, n)
	})
}

// cacheBody is what newCacheBackend answers for a path's nth call.
func cacheBody(path, query string, n int) string {
	return fmt.Sprintf(`{"path":%q,"query":%q,"n":%d}`, path, query, n)
}

// calls counts the requests a backend received for a method and path.
func (b *backend) calls(method, path string) int {
	n := 0
	for _, r := range b.requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// startCache serves cache-http.yaml (with a resource policy, or "") on a
// new backend.
func startCache(t *testing.T, policy string, args ...string) (*Instance, *backend) {
	t.Helper()
	be := newCacheBackend(t)
	in := startAPIGW(t, cacheTemplate(t, policy), append([]string{"--param", "BackendUrl=" + be.URL}, args...)...)
	return in, be
}

// cacheGet sends a GET with headers (name, value pairs) and wants a 200.
func cacheGet(t *testing.T, url string, headers ...string) *response {
	t.Helper()
	r := req{URL: url, Header: map[string]string{}}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header[headers[i]] = headers[i+1]
	}
	resp := do(t, r)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s %v: %d, want 200\n%s", url, headers, resp.Status, resp)
	}
	return resp
}

// assertCalls checks how many times the backend was called for a method
// and path.
func assertCalls(t *testing.T, be *backend, method, path string, want int) {
	t.Helper()
	if got := be.calls(method, path); got != want {
		t.Errorf("the backend received %d %s %s, want %d", got, method, path, want)
	}
}

// cacheStats are a stage's cache metrics.
type cacheStats struct{ hits, misses, bytes, entries, budget float64 }

var cacheSampleRE = regexp.MustCompile(`(?m)^(apigw_cache_[a-z_]+)\{api="([^"]*)",stage="([^"]*)"\} (\S+)$`)

// cacheMetrics reads an API stage's cache metrics from GET /metrics on the
// admin listener; the test fails if the stage has none.
func cacheMetrics(t *testing.T, in *Instance, api, stage string) cacheStats {
	t.Helper()
	r := get(t, in.AdminURL+"/metrics")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", r.Status, r)
	}
	var s cacheStats
	found := map[string]bool{}
	for _, m := range cacheSampleRE.FindAllStringSubmatch(string(r.Body), -1) {
		if m[2] != api || m[3] != stage {
			continue
		}
		v, err := strconv.ParseFloat(m[4], 64)
		if err != nil {
			t.Fatalf("/metrics: %s = %q", m[1], m[4])
		}
		found[m[1]] = true
		switch m[1] {
		case "apigw_cache_hits_total":
			s.hits = v
		case "apigw_cache_misses_total":
			s.misses = v
		case "apigw_cache_bytes":
			s.bytes = v
		case "apigw_cache_entries":
			s.entries = v
		case "apigw_cache_budget_bytes":
			s.budget = v
		}
	}
	for _, name := range []string{"apigw_cache_hits_total", "apigw_cache_misses_total", "apigw_cache_bytes", "apigw_cache_entries", "apigw_cache_budget_bytes"} {
		if !found[name] {
			t.Fatalf("/metrics has no %s{api=%q,stage=%q}:\n%s", name, api, stage, clip(string(r.Body), 4000))
		}
	}
	return s
}

// assertHitsMisses checks a stage's hit and miss counters.
func assertHitsMisses(t *testing.T, in *Instance, api, stage string, hits, misses float64) cacheStats {
	t.Helper()
	s := cacheMetrics(t, in, api, stage)
	if s.hits != hits || s.misses != misses {
		t.Errorf("cache metrics of %s/%s: %v hits, %v misses; want %v, %v", api, stage, s.hits, s.misses, hits, misses)
	}
	return s
}

// flushURL is FlushStageCache on the admin listener.
func flushURL(in *Instance, api, stage string) string {
	return in.AdminURL + "/restapis/" + api + "/stages/" + stage + "/cache/data"
}

// TestCacheExample: the guide's caching example as written
// (examples/caching-cors.yaml): repeated GET /users reach the function
// once (1 miss then hits in the metrics, and a function answering a fresh
// timestamp each call answers the same body until the cache is flushed);
// the OPTIONS MOCK is never cached.
func TestCacheExample(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	const api = "restapi" // the example's RestApi
	const gets = 5

	t.Run("as written", func(t *testing.T) {
		t.Parallel()
		in := startAPIGW(t, example("caching-cors.yaml"))
		s := cacheMetrics(t, in, api, "prod")
		if s.hits != 0 || s.misses != 0 || s.entries != 0 || s.budget != 0.5*(1<<30) {
			t.Errorf("before any call: %+v, want no hits, misses or entries and a 0.5 GB budget", s)
		}
		for i := range gets {
			assertStatusBody(t, get(t, in.URL("/prod/users")), 200, `{"users": []}`)
			if s := assertHitsMisses(t, in, api, "prod", float64(i), 1); s.entries != 1 {
				t.Errorf("after %d GETs: %v entries, want 1", i+1, s.entries)
			}
		}
		// OPTIONS is not cached: the MOCK answers, the counters stay.
		for range 3 {
			r := do(t, req{Method: http.MethodOptions, URL: in.URL("/prod/users"),
				Header: map[string]string{"Origin": "https://example.com", "Access-Control-Request-Method": "GET"}})
			assertStatusBody(t, r, 200, "")
			assertHeader(t, r.Header, "Access-Control-Allow-Origin", "https://example.com")
			assertHeader(t, r.Header, "Access-Control-Allow-Methods", "GET,POST,PUT,DELETE,OPTIONS")
		}
		if s := assertHitsMisses(t, in, api, "prod", gets-1, 1); s.entries != 1 {
			t.Errorf("after OPTIONS: %v entries, want 1", s.entries)
		}
	})

	t.Run("a function answering the time", func(t *testing.T) {
		t.Parallel()
		b, err := os.ReadFile(example("caching-cors.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		tpl := string(b)
		for _, r := range [][2]string{
			{"          def handler(event, context):\n", "          import time\n          def handler(event, context):\n"},
			{`'body': '{"users": []}'`, `'body': '{"ns": %d}' % time.time_ns()`},
		} {
			if strings.Count(tpl, r[0]) != 1 {
				t.Fatalf("examples/caching-cors.yaml: %q is not there once", r[0])
			}
			tpl = strings.Replace(tpl, r[0], r[1], 1)
		}
		in := startAPIGW(t, writeFile(t, "caching-time.yaml", tpl))
		nsBody := regexp.MustCompile(`^\{"ns": \d+\}$`)
		first := get(t, in.URL("/prod/users"))
		if first.Status != 200 || !nsBody.Match(first.Body) {
			t.Fatalf("GET /prod/users: %s", first)
		}
		for range gets - 1 {
			assertStatusBody(t, get(t, in.URL("/prod/users")), 200, string(first.Body))
		}
		assertHitsMisses(t, in, api, "prod", gets-1, 1)
		// Flushed, the function is called again: a new time.
		if r := do(t, req{Method: http.MethodDelete, URL: flushURL(in, api, "prod")}); r.Status != http.StatusAccepted {
			t.Fatalf("flush: %s", r)
		}
		again := get(t, in.URL("/prod/users"))
		if again.Status != 200 || !nsBody.Match(again.Body) || string(again.Body) == string(first.Body) {
			t.Errorf("after a flush: %s, want a new time (not %s)", again, first.Body)
		}
		assertStatusBody(t, get(t, in.URL("/prod/users")), 200, string(again.Body))
		assertHitsMisses(t, in, api, "prod", gets, 2)
	})
}

// TestCacheKeyParameters: an entry's key is the method, the resource and
// the values of CacheKeyParameters only: another id, ?type or X-Tenant is
// another entry; a query parameter that is not a key (department) shares
// the entry; without key parameters /users/1 and /users/2 share one.
func TestCacheKeyParameters(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")

	t.Run("items", func(t *testing.T) {
		steps := []struct {
			name    string
			path    string // after /prod
			headers []string
			calls   int    // backend calls for the id's path after the step
			body    string // the answer
		}{
			{"first", "/items/1?type=a", []string{"X-Tenant", "t1"}, 1, cacheBody("/items/1", "type=a", 1)},
			{"same values", "/items/1?type=a", []string{"X-Tenant", "t1"}, 1, cacheBody("/items/1", "type=a", 1)},
			{"another id", "/items/2?type=a", []string{"X-Tenant", "t1"}, 1, cacheBody("/items/2", "type=a", 1)},
			{"another type", "/items/1?type=b", []string{"X-Tenant", "t1"}, 2, cacheBody("/items/1", "type=b", 2)},
			{"another tenant", "/items/1?type=a", []string{"X-Tenant", "t2"}, 3, cacheBody("/items/1", "type=a", 3)},
			{"no tenant", "/items/1?type=a", nil, 4, cacheBody("/items/1", "type=a", 4)},
			{"no type", "/items/1", []string{"X-Tenant", "t1"}, 5, cacheBody("/items/1", "", 5)},
			{"a query parameter that is not a key", "/items/1?type=a&department=x", []string{"X-Tenant", "t1"}, 5, cacheBody("/items/1", "type=a", 1)},
			{"another department", "/items/1?department=y&type=a", []string{"X-Tenant", "t1"}, 5, cacheBody("/items/1", "type=a", 1)},
			{"header name in another case", "/items/1?type=b", []string{"x-tenant", "t1"}, 5, cacheBody("/items/1", "type=b", 2)},
			{"tenant t2 again", "/items/1?type=a", []string{"X-Tenant", "t2"}, 5, cacheBody("/items/1", "type=a", 3)},
			{"id 2 again", "/items/2?type=a", []string{"X-Tenant", "t1"}, 5, cacheBody("/items/2", "type=a", 1)},
		}
		for _, s := range steps {
			r := cacheGet(t, in.URL("/prod"+s.path), s.headers...)
			if string(r.Body) != s.body {
				t.Errorf("%s: GET %s %v = %s, want %s", s.name, s.path, s.headers, r.Body, s.body)
			}
			if got := be.calls("GET", "/items/1"); got != s.calls {
				t.Errorf("%s: the backend received %d GET /items/1, want %d", s.name, got, s.calls)
			}
		}
		assertCalls(t, be, "GET", "/items/2", 1)
	})

	t.Run("header names in any case", func(t *testing.T) {
		// net/http would canonicalise the names: raw requests, as curl
		// -H 'x-tenant: t9' sends them.
		raw := func(headers string) *response {
			t.Helper()
			r := rawRequest(t, in.Addr, "GET /prod/items/9?type=a HTTP/1.1\r\nHost: "+in.Addr+"\r\n"+headers+"Connection: close\r\n\r\n")
			if r.Status != 200 {
				t.Fatalf("GET /prod/items/9: %s", r)
			}
			return r
		}
		for i, h := range []string{"X-Tenant: t9\r\n", "x-tenant: t9\r\n", "X-TENANT: t9\r\n"} {
			if r, want := raw(h), cacheBody("/items/9", "type=a", 1); string(r.Body) != want {
				t.Errorf("request %d (%q): %s, want the entry %s", i, h, r.Body, want)
			}
		}
		assertCalls(t, be, "GET", "/items/9", 1)
		if r, want := raw("x-tenant: t8\r\n"), cacheBody("/items/9", "type=a", 2); string(r.Body) != want {
			t.Errorf("another tenant: %s, want %s", r.Body, want)
		}
		assertCalls(t, be, "GET", "/items/9", 2)
	})

	t.Run("no key parameters", func(t *testing.T) {
		// API Gateway keys by resource, not by path: /users/2 is answered
		// with /users/1's entry.
		for _, p := range []string{"/users/1", "/users/2", "/users/1?x=1", "/users/3"} {
			r := cacheGet(t, in.URL("/prod"+p))
			if want := cacheBody("/users/1", "", 1); string(r.Body) != want {
				t.Errorf("GET %s = %s, want the first entry %s", p, r.Body, want)
			}
		}
		assertCalls(t, be, "GET", "/users/1", 1)
		assertCalls(t, be, "GET", "/users/2", 0)
		assertCalls(t, be, "GET", "/users/3", 0)
	})
}

// TestCacheTTL: a method setting's CacheTtlInSeconds of 1 expires its
// entries after a second, while the stage-wide 300 s keeps the others.
func TestCacheTTL(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	for range 3 {
		assertStatusBody(t, cacheGet(t, in.URL("/prod/short")), 200, cacheBody("/short", "", 1))
		assertStatusBody(t, cacheGet(t, in.URL("/prod/things")), 200, cacheBody("/things", "", 1))
	}
	assertCalls(t, be, "GET", "/short", 1)
	assertCalls(t, be, "GET", "/things", 1)
	time.Sleep(1500 * time.Millisecond)
	for range 3 {
		assertStatusBody(t, cacheGet(t, in.URL("/prod/short")), 200, cacheBody("/short", "", 2))
		assertStatusBody(t, cacheGet(t, in.URL("/prod/things")), 200, cacheBody("/things", "", 1))
	}
	assertCalls(t, be, "GET", "/short", 2)
	assertCalls(t, be, "GET", "/things", 1)
}

// TestCacheInvalidation: `Cache-Control: max-age=0` refetches and replaces
// the entry when the caller may invalidate (--config caching:
// requireAuthorizationForCacheControl: false, a resource policy allowing
// execute-api:InvalidateCache, a SigV4-signed AWS_IAM caller); otherwise
// unauthorizedCacheControlHeaderStrategy decides.
func TestCacheInvalidation(t *testing.T) {
	t.Parallel()
	creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
	const (
		revalidate = "revalidate" // the backend is called, its answer replaces the entry
		warn       = "warn"       // the entry answers, with a Warning header
		quiet      = "quiet"      // the entry answers, no Warning
		fail       = "fail"       // 403
	)
	cases := []struct {
		name   string
		config string // --config contents, "" for none
		policy string
		signed bool // /iam with SigV4 instead of /fresh
		want   string
	}{
		{"anyone may invalidate", "caching:\n  requireAuthorizationForCacheControl: false\n", "", false, revalidate},
		{"anyone may invalidate, FAIL_WITH_403 irrelevant", "caching:\n  requireAuthorizationForCacheControl: false\n  unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n", "", false, revalidate},
		{"default", "", "", false, warn},
		{"authorization required", "caching:\n  requireAuthorizationForCacheControl: true\n", "", false, warn},
		{"SUCCEED_WITH_RESPONSE_HEADER", "caching:\n  unauthorizedCacheControlHeaderStrategy: SUCCEED_WITH_RESPONSE_HEADER\n", "", false, warn},
		{"SUCCEED_WITHOUT_RESPONSE_HEADER", "caching:\n  unauthorizedCacheControlHeaderStrategy: SUCCEED_WITHOUT_RESPONSE_HEADER\n", "", false, quiet},
		{"FAIL_WITH_403", "caching:\n  unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n", "", false, fail},
		{"policy allows InvalidateCache", "caching:\n  unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n", cachePolicyInvalidate, false, revalidate},
		{"policy allows Invoke only", "caching:\n  unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n", cachePolicyInvokeOnly, false, fail},
		{"policy allows Invoke only, default", "", cachePolicyInvokeOnly, false, warn},
		{"SigV4-signed IAM caller", "caching:\n  unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403\n", "", true, revalidate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"--iam-credentials", creds}
			if c.config != "" {
				args = append(args, "--config", writeFile(t, "apigw.yaml", c.config))
			}
			in, be := startCache(t, c.policy, args...)
			path := "/fresh"
			if c.signed {
				path = "/iam"
			}
			call := func(cacheControl string) *response {
				t.Helper()
				var hr *http.Request
				if c.signed {
					hr = signedRequest(t, "GET", in.URL("/prod"+path), "", iamKeyID, iamSecret, time.Now())
				} else {
					hr, _ = http.NewRequest("GET", in.URL("/prod"+path), nil)
				}
				if cacheControl != "" {
					hr.Header.Set("Cache-Control", cacheControl) // not signed: SigV4 leaves it out
				}
				status, h, body := sendHTTP(t, hr)
				return &response{Status: status, Header: h, Body: []byte(body)}
			}
			first := call("")
			assertStatusBody(t, first, 200, cacheBody(path, "", 1))
			assertHeader(t, first.Header, "Warning", "")

			r := call("max-age=0")
			switch c.want {
			case revalidate:
				assertStatusBody(t, r, 200, cacheBody(path, "", 2))
				assertHeader(t, r.Header, "Warning", "")
				assertCalls(t, be, "GET", path, 2)
			case warn:
				assertStatusBody(t, r, 200, cacheBody(path, "", 1))
				if w := r.Header.Get("Warning"); !strings.HasPrefix(w, "199 ") || !strings.Contains(w, "execute-api:InvalidateCache") {
					t.Errorf("Warning = %q, want a 199 warning naming execute-api:InvalidateCache", w)
				}
				assertCalls(t, be, "GET", path, 1)
			case quiet:
				assertStatusBody(t, r, 200, cacheBody(path, "", 1))
				assertHeader(t, r.Header, "Warning", "")
				assertCalls(t, be, "GET", path, 1)
			case fail:
				// An IAM authorization failure: AccessDeniedException with a
				// capital "Message", as for execute-api:Invoke.
				assertGatewayError(t, r, 403, `{"Message":"User: anonymous is not authorized to perform: execute-api:InvalidateCache on resource: arn:aws:execute-api:us-east-1:123456789012:`+cacheAPIID+`/prod/GET`+path+`"}`, "AccessDeniedException")
				assertCalls(t, be, "GET", path, 1)
			}

			// The entry answers a plain GET: the new answer once
			// revalidated, else the first, without a warning either way.
			n := 1
			if c.want == revalidate {
				n = 2
			}
			for range 2 {
				r := call("")
				assertStatusBody(t, r, 200, cacheBody(path, "", n))
				assertHeader(t, r.Header, "Warning", "")
			}
			assertCalls(t, be, "GET", path, n)

			// The header's name in any case, max-age=0 among other
			// directives: the same as above (net/http would canonicalise
			// the name, so a raw request, as curl sends it).
			if !c.signed {
				r := rawRequest(t, in.Addr, "GET /prod"+path+" HTTP/1.1\r\nHost: "+in.Addr+"\r\ncache-control: no-cache, MAX-AGE=0\r\nConnection: close\r\n\r\n")
				switch c.want {
				case revalidate:
					n = 3
					assertStatusBody(t, r, 200, cacheBody(path, "", n))
				case warn:
					assertStatusBody(t, r, 200, cacheBody(path, "", n))
					if w := r.Header.Get("Warning"); !strings.HasPrefix(w, "199 ") {
						t.Errorf("lower-case cache-control: Warning = %q, want a 199 warning", w)
					}
				case quiet:
					assertStatusBody(t, r, 200, cacheBody(path, "", n))
				case fail:
					if r.Status != 403 {
						t.Errorf("lower-case cache-control: %s, want 403", r)
					}
				}
				assertCalls(t, be, "GET", path, n)
			}

			// Other Cache-Control directives do not invalidate.
			for _, cc := range []string{"no-cache", "max-age=10", "max-age=00"} {
				assertStatusBody(t, call(cc), 200, cacheBody(path, "", n))
			}
			assertCalls(t, be, "GET", path, n)
		})
	}
}

// TestCacheMethods: stage-wide caching caches GET only; a method setting
// naming POST caches that POST (its body is not in the key).
func TestCacheMethods(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	post := func(path, body string) *response {
		t.Helper()
		r := do(t, req{Method: http.MethodPost, URL: in.URL("/prod" + path), Body: body, Header: map[string]string{"Content-Type": "application/json"}})
		if r.Status != 200 {
			t.Fatalf("POST %s: %s", path, r)
		}
		return r
	}
	for i := 1; i <= 3; i++ {
		assertStatusBody(t, post("/things", fmt.Sprintf(`{"i":%d}`, i)), 200, cacheBody("/things", "", i))
		assertStatusBody(t, post("/orders", fmt.Sprintf(`{"i":%d}`, i)), 200, cacheBody("/orders", "", 1))
	}
	assertCalls(t, be, "POST", "/things", 3)
	assertCalls(t, be, "POST", "/orders", 1)
	// GET /things is cached apart from POST /things.
	for range 2 {
		assertStatusBody(t, cacheGet(t, in.URL("/prod/things")), 200, cacheBody("/things", "", 4))
	}
	assertCalls(t, be, "GET", "/things", 1)
	assertHitsMisses(t, in, cacheAPIID, "prod", 3, 2)
}

// TestCacheFlush: FlushStageCache on the admin listener, with net/http and
// with the AWS CLI, empties the stage's cache: the next GET reaches the
// backend; an unknown stage is NotFoundException.
func TestCacheFlush(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	fill := func(n int) {
		t.Helper()
		for range 2 {
			assertStatusBody(t, cacheGet(t, in.URL("/prod/things")), 200, cacheBody("/things", "", n))
			assertStatusBody(t, cacheGet(t, in.URL("/prod/items/7?type=z")), 200, cacheBody("/items/7", "type=z", n))
		}
		assertCalls(t, be, "GET", "/things", n)
		assertCalls(t, be, "GET", "/items/7", n)
		if s := cacheMetrics(t, in, cacheAPIID, "prod"); s.entries != 2 {
			t.Errorf("%v entries, want 2", s.entries)
		}
	}
	fill(1)

	r := do(t, req{Method: http.MethodDelete, URL: flushURL(in, cacheAPIID, "prod")})
	if r.Status != http.StatusAccepted || len(r.Body) != 0 {
		t.Errorf("DELETE .../cache/data: %s, want 202 and no body", r)
	}
	if s := cacheMetrics(t, in, cacheAPIID, "prod"); s.entries != 0 {
		t.Errorf("after a flush: %v entries, want 0", s.entries)
	}
	fill(2)

	out, err := awsAdminErr(t, in, "apigateway", "flush-stage-cache", "--rest-api-id", cacheAPIID, "--stage-name", "prod")
	if err != nil {
		t.Fatalf("aws apigateway flush-stage-cache: %v\n%s", err, out)
	}
	fill(3)

	for _, c := range []struct{ api, stage string }{{cacheAPIID, "nope"}, {"nope", "prod"}} {
		r := do(t, req{Method: http.MethodDelete, URL: flushURL(in, c.api, c.stage)})
		if r.Status != http.StatusNotFound || r.Header.Get("x-amzn-ErrorType") != "NotFoundException" {
			t.Errorf("flush %s/%s: %s, want 404 NotFoundException", c.api, c.stage, r)
		}
		out, err := awsAdminErr(t, in, "apigateway", "flush-stage-cache", "--rest-api-id", c.api, "--stage-name", c.stage)
		if err == nil || !strings.Contains(out, "NotFoundException") {
			t.Errorf("aws apigateway flush-stage-cache %s/%s: %v %s, want a NotFoundException failure", c.api, c.stage, err, out)
		}
	}
	// Nothing was flushed by the failures.
	fill(3)
}

// TestCacheAuthorization: the cache is after authorization: an entry an
// authorized caller filled never answers a caller without an API key or a
// signature.
func TestCacheAuthorization(t *testing.T) {
	t.Parallel()
	creds := writeFile(t, "credentials", "[dev]\naws_access_key_id = "+iamKeyID+"\naws_secret_access_key = "+iamSecret+"\n")
	in, be := startCache(t, "", "--iam-credentials", creds)
	secret := in.URL("/prod/secret")
	for range 2 {
		assertStatusBody(t, cacheGet(t, secret, "x-api-key", cacheKey), 200, cacheBody("/secret", "", 1))
		assertGatewayError(t, get(t, secret), 403, forbiddenBody, "ForbiddenException")
		assertGatewayError(t, do(t, req{URL: secret, Header: map[string]string{"x-api-key": "wrongwrongwrongwrongwrong"}}), 403, forbiddenBody, "ForbiddenException")
	}
	assertCalls(t, be, "GET", "/secret", 1)

	iam := in.URL("/prod/iam")
	for range 2 {
		status, _, body := sendHTTP(t, signedRequest(t, "GET", iam, "", iamKeyID, iamSecret, time.Now()))
		if want := cacheBody("/iam", "", 1); status != 200 || body != want {
			t.Errorf("signed GET /iam: %d %s, want 200 %s", status, body, want)
		}
		assertMissingToken(t, get(t, iam))
		status, _, body = sendHTTP(t, signedRequest(t, "GET", iam, "", iamKeyID, "wrong", time.Now()))
		if status != 403 || !strings.Contains(body, "signature") {
			t.Errorf("GET /iam with a wrong secret: %d %s, want 403", status, body)
		}
	}
	assertCalls(t, be, "GET", "/iam", 1)
	// Only the authorized calls reached the cache: 2 misses, 2 hits.
	assertHitsMisses(t, in, cacheAPIID, "prod", 2, 2)
}

// TestCacheConcurrentMisses: concurrent first requests for one key share
// one integration call.
func TestCacheConcurrentMisses(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	const n = 20
	start := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]*response, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = send(req{URL: in.URL("/prod/slow")})
		}()
	}
	close(start)
	wg.Wait()
	want := cacheBody("/slow", "", 1)
	for i := range n {
		if errs[i] != nil {
			t.Errorf("request %d: %v", i, errs[i])
			continue
		}
		assertStatusBody(t, results[i], 200, want)
		assertHeader(t, results[i].Header, "X-Backend-Call", "1")
	}
	assertCalls(t, be, "GET", "/slow", 1)
	if s := cacheMetrics(t, in, cacheAPIID, "prod"); s.hits+s.misses != n || s.entries != 1 {
		t.Errorf("metrics %+v: want %d hits and misses together, 1 entry", s, n)
	}
}

// TestCacheSizeLimit: an answer over 1,048,576 bytes is never cached;
// one of that size or less is.
func TestCacheSizeLimit(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	for _, c := range []struct {
		size   int
		cached bool
	}{
		{1024, true},
		{1 << 20, true},
		{1<<20 + 1, false},
		{1536 * 1024, false},
	} {
		t.Run(strconv.Itoa(c.size), func(t *testing.T) {
			path := "/sized/" + strconv.Itoa(c.size)
			for i := 1; i <= 3; i++ {
				r := cacheGet(t, in.URL("/prod"+path))
				n := i
				if c.cached {
					n = 1
				}
				if want := strings.Repeat(string(rune('a'+n%26)), c.size); string(r.Body) != want {
					t.Errorf("call %d: %d bytes starting %q, want %d bytes of %q (backend call %d)", i, len(r.Body), clip(string(r.Body), 10), c.size, want[:1], n)
				}
			}
			want := 3
			if c.cached {
				want = 1
			}
			assertCalls(t, be, "GET", path, want)
		})
	}
	// The two entries are held, the bytes against the budget.
	if s := cacheMetrics(t, in, cacheAPIID, "prod"); s.entries != 2 || s.bytes < 1024+1<<20 || s.bytes > 1024+1<<20+4096 {
		t.Errorf("metrics %+v: want 2 entries of about %d bytes", s, 1024+1<<20)
	}
}

// TestCacheStatuses: whatever status the integration answers is cached;
// gateway errors (here an unreachable backend) are not.
func TestCacheStatuses(t *testing.T) {
	t.Parallel()
	in, be := startCache(t, "")
	for _, code := range []int{404, 503} {
		path := "/status/" + strconv.Itoa(code)
		for range 3 {
			assertStatusBody(t, do(t, req{URL: in.URL("/prod" + path)}), code, fmt.Sprintf(`{"status":%d,"n":1}`, code))
		}
		assertCalls(t, be, "GET", path, 1)
	}
	// A hit answers the integration's status, headers and body, with
	// request ids of its own.
	var ids []string
	for i := range 3 {
		r := do(t, req{URL: in.URL("/prod/status/201")})
		assertStatusBody(t, r, 201, `{"status":201,"n":1}`)
		assertHeader(t, r.Header, "Content-Type", "application/json")
		assertHeader(t, r.Header, "X-Backend-Call", "1")
		assertAWSHeaders(t, r)
		if id := r.Header.Get("x-amzn-RequestId"); slices.Contains(ids, id) {
			t.Errorf("call %d: x-amzn-RequestId %s again", i, id)
		} else {
			ids = append(ids, id)
		}
	}
	assertCalls(t, be, "GET", "/status/201", 1)

	before := cacheMetrics(t, in, cacheAPIID, "prod")
	for range 3 {
		if r := get(t, in.URL("/prod/down")); r.Status < 500 {
			t.Fatalf("GET /prod/down (no backend): %s, want a 5xx gateway error", r)
		}
	}
	after := cacheMetrics(t, in, cacheAPIID, "prod")
	if after.hits != before.hits || after.misses != before.misses+3 || after.entries != before.entries {
		t.Errorf("an unreachable backend 3 times: metrics %+v -> %+v, want 3 more misses and nothing else", before, after)
	}
}

// TestCacheValidate: cache settings API Gateway refuses fail validate
// with the logical ID, the property and the line.
func TestCacheValidate(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(testdata("cache-http.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Replace(string(b), "{{POLICY}}\n", "", 1)
	stageResource := `  Stage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: beta
      CacheClusterEnabled: true
      MethodSettings:
        - {ResourcePath: '/*', HttpMethod: '*', CachingEnabled: true}
        - {ResourcePath: /~1things, HttpMethod: GET, CacheTtlInSeconds: -1}
`
	for _, c := range []struct {
		name     string
		old, new string // base with old replaced by new
		append   string // and this appended
		at       string // the text the error points at (its first occurrence)
		want     string // logical ID and property
	}{
		{"cache size", "CacheClusterSize: '0.5'", "CacheClusterSize: '0.7'", "", "CacheClusterSize: '0.7'",
			`Deployment.Properties.StageDescription.CacheClusterSize: "0.7" is not a cache size`},
		{"TTL over an hour", "CacheTtlInSeconds: 1}", "CacheTtlInSeconds: 4000}", "", "CacheTtlInSeconds: 4000}",
			"Deployment.Properties.StageDescription.MethodSettings[1].CacheTtlInSeconds: 4000 is not from 0 to 3600"},
		{"stage-wide TTL over an hour", "CacheTtlInSeconds: 300}", "CacheTtlInSeconds: 3601}", "", "CacheTtlInSeconds: 3601}",
			"Deployment.Properties.StageDescription.MethodSettings[0].CacheTtlInSeconds: 3601 is not from 0 to 3600"},
		{"negative TTL on a Stage", "", "", stageResource, "CacheTtlInSeconds: -1}",
			"Stage.Properties.MethodSettings[1].CacheTtlInSeconds: -1 is not from 0 to 3600"},
		{"key parameter not declared", "          - method.request.header.X-Tenant\n", "          - method.request.header.X-Other\n", "", "method.request.header.X-Other",
			"GetItem.Properties.Integration.CacheKeyParameters[2]: method.request.header.X-Other is not declared in the method's RequestParameters"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl := base
			if c.old != "" {
				if strings.Count(tpl, c.old) != 1 {
					t.Fatalf("cache-http.yaml: %q is not there once", c.old)
				}
				tpl = strings.Replace(tpl, c.old, c.new, 1)
			}
			tpl += c.append
			i := strings.Index(tpl, c.at)
			if i < 0 {
				t.Fatalf("%q is not in the template", c.at)
			}
			line := strings.Count(tpl[:i], "\n") + 1
			_, stderr, code := runValidate(t, writeFile(t, "cache.yaml", tpl), "--param", "BackendUrl=http://127.0.0.1:1")
			want := fmt.Sprintf("cache.yaml:%d:", line)
			if code != 1 || !strings.Contains(stderr, want) || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q ... %q", code, stderr, want, c.want)
			}
			if n := strings.Count(stderr, "error: "); n != 1 {
				t.Errorf("%d errors, want 1:\n%s", n, stderr)
			}
		})
	}
}

// TestCacheReload: a reload keeps the stage's entries (a redeployment
// keeps API Gateway's cache) unless the cache size changes.
func TestCacheReload(t *testing.T) {
	t.Parallel()
	be := newCacheBackend(t)
	tpl := cacheTemplate(t, "")
	in := startAPIGW(t, tpl, "--param", "BackendUrl="+be.URL, "--no-watch")
	things := in.URL("/prod/things")
	for range 2 {
		assertStatusBody(t, cacheGet(t, things), 200, cacheBody("/things", "", 1))
	}
	assertMissingToken(t, get(t, in.URL("/prod/extra")))

	reload := func(edit func(string) string) {
		t.Helper()
		b, err := os.ReadFile(tpl)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tpl, []byte(edit(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		if r, p := rlPostReload(t, in); r.Status != 200 || p.Status != "reloaded" || len(p.Errors) != 0 {
			t.Fatalf("POST /reload: %s", r)
		}
	}
	// An unrelated method added: the entry still answers.
	reload(func(s string) string {
		return s + `  Extra:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: extra}
  GetExtra:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Extra
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"extra":true}'}}]
      MethodResponses: [{StatusCode: 200}]
`
	})
	assertStatusBody(t, get(t, in.URL("/prod/extra")), 200, `{"extra":true}`) // the reload happened
	for range 2 {
		assertStatusBody(t, cacheGet(t, things), 200, cacheBody("/things", "", 1))
	}
	assertCalls(t, be, "GET", "/things", 1)
	// GET /extra, a MOCK on the cached stage, was a miss too.
	assertHitsMisses(t, in, cacheAPIID, "prod", 3, 2)

	// A new cache size is a new, empty cache (API Gateway replaces the
	// instance and its data).
	reload(func(s string) string {
		return strings.Replace(s, "CacheClusterSize: '0.5'", "CacheClusterSize: '1.6'", 1)
	})
	for range 2 {
		assertStatusBody(t, cacheGet(t, things), 200, cacheBody("/things", "", 2))
	}
	assertCalls(t, be, "GET", "/things", 2)
	if s := cacheMetrics(t, in, cacheAPIID, "prod"); s.budget != math.Floor(1.6*(1<<30)) || s.entries != 1 {
		t.Errorf("after resizing: %+v, want a 1.6 GB budget and 1 entry", s)
	}
}
