package cognito

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// oidcServer serves a settable discovery document at
// /.well-known/openid-configuration and a settable JWKS at /keys, and
// counts the fetches of each. Its URL is the issuer.
type oidcServer struct {
	*httptest.Server
	mu        sync.Mutex
	doc       []byte
	status    int  // of the discovery document; 0 is 200
	chunked   bool // the discovery document without Content-Length
	delay     chan struct{}
	jwks      []byte
	discovers atomic.Int32
	jwksGets  atomic.Int32
}

func newOIDCServer(t *testing.T, tls bool, jwks []byte) *oidcServer {
	s := &oidcServer{jwks: jwks}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		doc, status, chunked, delay, jwks := s.doc, s.status, s.chunked, s.delay, s.jwks
		s.mu.Unlock()
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			s.discovers.Add(1)
			if delay != nil {
				select {
				case <-delay:
				case <-r.Context().Done():
					return
				}
			}
			w.Header().Set("Content-Type", "application/json")
			if !chunked {
				w.Header().Set("Content-Length", strconv.Itoa(len(doc)))
			}
			if status != 0 {
				w.WriteHeader(status)
			}
			for len(doc) > 0 {
				n := min(len(doc), 8192)
				w.Write(doc[:n])
				w.(http.Flusher).Flush()
				doc = doc[n:]
			}
		case "/keys":
			s.jwksGets.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write(jwks)
		default:
			http.NotFound(w, r)
		}
	})
	if tls {
		s.Server = httptest.NewTLSServer(h)
	} else {
		s.Server = httptest.NewServer(h)
	}
	s.setDoc(map[string]any{"issuer": s.URL, "jwks_uri": s.URL + "/keys"})
	t.Cleanup(s.Close)
	return s
}

func (s *oidcServer) setDoc(doc any) {
	b, ok := doc.([]byte)
	if !ok {
		b, _ = json.Marshal(doc)
	}
	s.mu.Lock()
	s.doc = b
	s.mu.Unlock()
}

// tokenFor is a valid token of issuer (the server's URL) signed by i.
func tokenFor(t *testing.T, i *Issuer, method jwt.SigningMethod, issuer string) string {
	return signWith(t, method, i.key, i.KeyID(), with(oidcClaims(), "iss", issuer))
}

func TestDiscoveredKeys(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now)
	for _, tls := range []bool{false, true} {
		t.Run("tls="+strconv.FormatBool(tls), func(t *testing.T) {
			srv := newOIDCServer(t, tls, a.JWKS())
			var opts RemoteOptions
			if tls {
				opts.Client = srv.Client() // trusts the test certificate
			}
			keys, err := NewDiscoveredKeys(srv.URL+"/", opts)
			if err != nil {
				t.Fatal(err)
			}
			defer keys.Close()
			if keys.URL() != srv.URL+"/keys" || keys.DiscoveryURL() != srv.URL+"/.well-known/openid-configuration" {
				t.Errorf("URL %s, DiscoveryURL %s", keys.URL(), keys.DiscoveryURL())
			}
			if keys.LastError() != nil {
				t.Fatal(keys.LastError())
			}
			v := NewJWTVerifier(srv.URL, keys, []string{testAudience}, clock.Now)
			tok := tokenFor(t, a, jwt.SigningMethodRS256, srv.URL)
			for range 5 {
				if _, err := v.Verify(context.Background(), "Bearer "+tok, []string{"pets/read"}); err != nil {
					t.Fatal(err)
				}
			}
			if d, k := srv.discovers.Load(), srv.jwksGets.Load(); d != 1 || k != 1 {
				t.Errorf("%d discoveries, %d JWKS fetches, want 1 and 1", d, k)
			}
			// The JWK says alg RS256: an RS384 token with its kid is refused.
			_, err = v.Verify(context.Background(), tokenFor(t, a, jwt.SigningMethodRS384, srv.URL), nil)
			if kindOf(err) != KindUnknownKey {
				t.Errorf("RS384 token, RS256 JWK: %v", err)
			}
		})
	}
}

// TestDiscoveredKeysAlgs: a JWK without alg serves RS256, RS384 and RS512
// tokens.
func TestDiscoveredKeysAlgs(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now)
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(a.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc.Keys[0], "alg")
	jwks, _ := json.Marshal(doc)
	srv := newOIDCServer(t, false, jwks)
	keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	v := NewJWTVerifier(srv.URL, keys, []string{testAudience}, clock.Now)
	for _, m := range []jwt.SigningMethod{jwt.SigningMethodRS256, jwt.SigningMethodRS384, jwt.SigningMethodRS512} {
		if _, err := v.Verify(context.Background(), tokenFor(t, a, m, srv.URL), nil); err != nil {
			t.Errorf("%s: %v", m.Alg(), err)
		}
	}
	// Key (the KeySource method) works too.
	if k, err := keys.Key(context.Background(), a.KeyID()); err != nil || k.N.Cmp(a.key.N) != 0 {
		t.Errorf("Key: %v", err)
	}
}

func TestDiscoveryFailures(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now)
	big := append([]byte(`{"jwks_uri":"x","pad":"`), bytes.Repeat([]byte("a"), MaxJWKSBytes)...)
	big = append(big, `"}`...)
	cases := []struct {
		name    string
		doc     any
		status  int
		chunked bool
		want    error
	}{
		{name: "bad JSON", doc: []byte("<html>"), want: errDiscovery},
		{name: "JSON null", doc: []byte("null"), want: errDiscovery},
		{name: "JSON array", doc: []byte(`[{"jwks_uri":"https://x/keys"}]`), want: errDiscovery},
		{name: "truncated JSON", doc: []byte(`{"jwks_uri":"https://x/k`), want: errDiscovery},
		{name: "missing jwks_uri", doc: map[string]any{"issuer": "x"}, want: errNoJWKSURI},
		{name: "jwks_uri null", doc: map[string]any{"jwks_uri": nil}, want: errNoJWKSURI},
		{name: "jwks_uri number", doc: map[string]any{"jwks_uri": 7}, want: errNoJWKSURI},
		{name: "jwks_uri empty", doc: map[string]any{"jwks_uri": ""}, want: errNoJWKSURI},
		{name: "jwks_uri relative", doc: map[string]any{"jwks_uri": "/keys"}, want: errInsecureJWKSURI},
		{name: "jwks_uri http elsewhere", doc: map[string]any{"jwks_uri": "http://example.com/keys"}, want: errInsecureJWKSURI},
		{name: "jwks_uri ftp", doc: map[string]any{"jwks_uri": "ftp://127.0.0.1/keys"}, want: errInsecureJWKSURI},
		{name: "status 404", doc: map[string]any{"jwks_uri": "x"}, status: 404, want: errDiscovery},
		{name: "status 500", doc: []byte("{}"), status: 500, want: errDiscovery},
		{name: "oversized", doc: big, want: errTooLarge},
		{name: "oversized, chunked", doc: big, chunked: true, want: errTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newOIDCServer(t, false, a.JWKS())
			srv.setDoc(c.doc)
			srv.status, srv.chunked = c.status, c.chunked
			var reported atomic.Int32
			keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{
				UnknownKIDInterval: time.Millisecond,
				OnError: func(u string, err error) {
					if u != srv.URL+"/.well-known/openid-configuration" {
						t.Errorf("OnError URL %s", u)
					}
					reported.Add(1)
				},
			})
			if err != nil {
				t.Fatalf("a failed discovery is not an error: %v", err)
			}
			defer keys.Close()
			if !errors.Is(keys.LastError(), c.want) {
				t.Errorf("LastError %v, want %v", keys.LastError(), c.want)
			}
			if keys.URL() != "" {
				t.Errorf("URL %q", keys.URL())
			}
			v := NewJWTVerifier(srv.URL, keys, []string{testAudience}, clock.Now)
			tok := tokenFor(t, a, jwt.SigningMethodRS256, srv.URL)
			_, err = v.Verify(context.Background(), tok, nil)
			if kindOf(err) != KindKeysUnavailable || !errors.Is(err, c.want) {
				t.Fatalf("Verify: %v", err)
			}
			if d, k, r := srv.discovers.Load(), srv.jwksGets.Load(), reported.Load(); d != 2 || k != 0 || r != 2 {
				t.Errorf("%d discoveries, %d JWKS fetches, %d reported; want 2, 0, 2", d, k, r)
			}

			// Once the document is right, the keys come.
			srv.mu.Lock()
			srv.status, srv.chunked = 0, false
			srv.mu.Unlock()
			srv.setDoc(map[string]any{"jwks_uri": srv.URL + "/keys"})
			time.Sleep(5 * time.Millisecond)
			if _, err := v.Verify(context.Background(), tok, nil); err != nil {
				t.Fatalf("after the fix: %v", err)
			}
			if keys.URL() != srv.URL+"/keys" {
				t.Errorf("URL %q", keys.URL())
			}
		})
	}
}

// TestDiscoveryLimits: a document of exactly MaxBytes is read; the fetch
// gives up after the timeout; on-demand attempts are rate-limited.
func TestDiscoveryLimits(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now)
	t.Run("exactly MaxBytes", func(t *testing.T) {
		srv := newOIDCServer(t, false, a.JWKS())
		doc, _ := json.Marshal(map[string]any{"jwks_uri": srv.URL + "/keys"})
		srv.setDoc(padTo(doc, MaxJWKSBytes))
		keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer keys.Close()
		if keys.LastError() != nil || keys.URL() == "" {
			t.Fatalf("%d bytes: %v", MaxJWKSBytes, keys.LastError())
		}
	})
	t.Run("MaxBytes option", func(t *testing.T) {
		srv := newOIDCServer(t, false, a.JWKS())
		keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{MaxBytes: 10})
		if err != nil {
			t.Fatal(err)
		}
		defer keys.Close()
		if !errors.Is(keys.LastError(), errTooLarge) {
			t.Fatal(keys.LastError())
		}
	})
	t.Run("timeout", func(t *testing.T) {
		srv := newOIDCServer(t, false, a.JWKS())
		release := make(chan struct{})
		srv.delay = release
		defer close(release)
		timeout := 200 * time.Millisecond
		start := time.Now()
		keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		defer keys.Close()
		if d := time.Since(start); d < timeout || d > timeout+time.Second {
			t.Errorf("gave up after %v, want %v", d, timeout)
		}
		if keys.LastError() == nil {
			t.Error("no error from a slow discovery")
		}
	})
	t.Run("rate limit", func(t *testing.T) {
		srv := newOIDCServer(t, false, a.JWKS())
		srv.status = 503
		keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{}) // 30 s between attempts
		if err != nil {
			t.Fatal(err)
		}
		defer keys.Close()
		v := NewJWTVerifier(srv.URL, keys, []string{testAudience}, clock.Now)
		tok := tokenFor(t, a, jwt.SigningMethodRS256, srv.URL)
		for range 3 {
			if _, err := v.Verify(context.Background(), tok, nil); kindOf(err) != KindKeysUnavailable || !errors.Is(err, errDiscovery) {
				t.Fatalf("Verify: %v", err)
			}
		}
		// One at creation, one at once on demand, then none within 30 s.
		if d := srv.discovers.Load(); d != 2 {
			t.Errorf("%d discoveries, want 2", d)
		}
	})
	t.Run("closed", func(t *testing.T) {
		srv := newOIDCServer(t, false, a.JWKS())
		srv.status = 503
		keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		keys.Close()
		if _, err := keys.Key(context.Background(), a.KeyID()); kindOf(err) != KindKeysUnavailable {
			t.Fatalf("after Close: %v", err)
		}
		if d := srv.discovers.Load(); d != 1 {
			t.Errorf("%d discoveries after Close, want 1", d)
		}
	})
}

// TestDiscoveryConcurrent: tokens verified at once while the JWKS address is
// unknown share one discovery.
func TestDiscoveryConcurrent(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now)
	srv := newOIDCServer(t, false, a.JWKS())
	srv.status = 500
	keys, err := NewDiscoveredKeys(srv.URL, RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	srv.mu.Lock()
	srv.status = 0
	srv.mu.Unlock()
	v := NewJWTVerifier(srv.URL, keys, []string{testAudience}, clock.Now)
	tok := tokenFor(t, a, jwt.SigningMethodRS256, srv.URL)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok, nil)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if d, k := srv.discovers.Load(), srv.jwksGets.Load(); d != 2 || k != 1 {
		t.Errorf("%d discoveries, %d JWKS fetches; want 2 and 1", d, k)
	}
}

// TestDiscoveryRedirect: an https document redirected to http is refused.
func TestDiscoveryRedirect(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"jwks_uri":"https://127.0.0.1/keys"}`))
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusFound)
	}))
	defer tlsSrv.Close()
	keys, err := NewDiscoveredKeys(tlsSrv.URL, RemoteOptions{Client: tlsSrv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if keys.LastError() == nil || keys.URL() != "" {
		t.Fatalf("redirect to http followed: %v, %q", keys.LastError(), keys.URL())
	}
}

func TestNewDiscoveredKeysBadIssuer(t *testing.T) {
	for _, issuer := range []string{"::not a url", "ftp://example.com", "/relative", "https://", "example.com"} {
		if _, err := NewDiscoveredKeys(issuer, RemoteOptions{}); err == nil {
			t.Errorf("%q accepted", issuer)
		}
	}
	if DiscoveryURL("https://x.example/a/") != "https://x.example/a/.well-known/openid-configuration" {
		t.Error(DiscoveryURL("https://x.example/a/"))
	}
}

func TestCheckJWKSURI(t *testing.T) {
	for _, c := range []struct {
		issuer, jwks string
		ok           bool
	}{
		{"https://idp.example.com", "https://keys.example.com/jwks", true},
		{"http://127.0.0.1:8080", "https://keys.example.com/jwks", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090/keys", true},
		{"http://localhost:8080", "http://localhost:9090/keys", true},
		{"http://[::1]:8080", "http://127.0.0.2/keys", true},
		{"http://LOCALHOST", "HTTP://localhost/keys", true},
		{"https://idp.example.com", "http://idp.example.com/keys", false},
		{"https://127.0.0.1", "http://127.0.0.1/keys", false}, // an https issuer keeps https
		{"http://idp.example.com", "http://idp.example.com/keys", false},
		{"http://127.0.0.1", "http://example.com/keys", false},
		{"http://127.0.0.1", "http://127.0.0.1.example.com/keys", false},
		{"http://127.0.0.1", "ftp://127.0.0.1/keys", false},
		{"http://127.0.0.1", "/keys", false},
		{"http://127.0.0.1", "https:///keys", false},
		{"http://127.0.0.1", "::", false},
	} {
		iss, err := url.Parse(c.issuer)
		if err != nil {
			t.Fatal(err)
		}
		_, err = checkJWKSURI(iss, c.jwks)
		if (err == nil) != c.ok {
			t.Errorf("issuer %s, jwks_uri %s: %v", c.issuer, c.jwks, err)
		}
		if err != nil && !errors.Is(err, errInsecureJWKSURI) {
			t.Errorf("%s: %v is not errInsecureJWKSURI", c.jwks, err)
		}
	}
}
