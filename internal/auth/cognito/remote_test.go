package cognito

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// jwksServer serves a settable JWKS at /.well-known/jwks.json and counts
// the fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	chunked bool
	delay   chan struct{} // when set, answers wait for it to be closed
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T, body []byte) *jwksServer {
	s := &jwksServer{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/pool/.well-known/jwks.json" {
			http.NotFound(w, r)
			return
		}
		s.fetches.Add(1)
		s.mu.Lock()
		body, chunked, delay := s.body, s.chunked, s.delay
		s.mu.Unlock()
		if delay != nil {
			select {
			case <-delay:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		if chunked {
			// No Content-Length: the limit must hold while reading.
			for len(body) > 0 {
				n := min(len(body), 8192)
				w.Write(body[:n])
				w.(http.Flusher).Flush()
				body = body[n:]
			}
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) set(body []byte) {
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

func (s *jwksServer) issuer() string { return s.URL + "/pool" }

// jwksOf joins the key sets of issuers.
func jwksOf(t *testing.T, issuers ...*Issuer) []byte {
	var all struct {
		Keys []json.RawMessage `json:"keys"`
	}
	for _, i := range issuers {
		var doc struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if err := json.Unmarshal(i.JWKS(), &doc); err != nil {
			t.Fatal(err)
		}
		all.Keys = append(all.Keys, doc.Keys...)
	}
	b, _ := json.Marshal(all)
	return b
}

// padTo makes a JWKS document of exactly n bytes (spaces before the final
// brace).
func padTo(doc []byte, n int) []byte {
	out := append([]byte(nil), doc[:len(doc)-1]...)
	out = append(out, bytes.Repeat([]byte(" "), n-len(doc))...)
	return append(out, '}')
}

// issuerWithNewKey is a second issuer of the same pool id and issuer URL with
// a fresh key (a rotation).
func issuerWithNewKey(t *testing.T, clock func() time.Time) *Issuer {
	i, err := NewIssuer(t.TempDir(), testPool, testRegion, []string{testClient}, clock)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestRemoteKeys(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now, testClient)
	srv := newJWKSServer(t, a.JWKS())
	keys, err := NewRemoteKeys(srv.issuer()+"/", RemoteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if keys.URL() != srv.URL+"/pool/.well-known/jwks.json" {
		t.Errorf("URL %s", keys.URL())
	}
	v := NewVerifier(a.URL(), keys, []string{testClient}, clock.Now)
	id, access, _, _ := a.Tokens("alice", nil, []string{"s"})
	for range 5 {
		if _, err := v.Verify(id, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(access, []string{"s"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1 (cached)", n)
	}
	if keys.LastError() != nil {
		t.Error(keys.LastError())
	}

	// Rotation: a token of a new key makes the JWKS be fetched again.
	b := issuerWithNewKey(t, clock.Now)
	srv.set(jwksOf(t, a, b))
	idB, _, _, _ := b.Tokens("bob", nil, nil)
	if _, err := v.Verify(idB, nil); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2", n)
	}
	if _, err := v.Verify(id, nil); err != nil {
		t.Fatalf("old key still listed: %v", err)
	}
	// Another unknown kid within UnknownKIDInterval: no fetch, refused.
	c := issuerWithNewKey(t, clock.Now)
	srv.set(jwksOf(t, a, b, c))
	idC, _, _, _ := c.Tokens("carol", nil, nil)
	start := time.Now()
	if _, err := v.Verify(idC, nil); kindOf(err) != KindUnknownKey {
		t.Fatalf("rate-limited unknown kid: %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a rate-limited lookup took %v", d)
	}
	if n := srv.fetches.Load(); n != 2 {
		t.Errorf("%d fetches, want 2 (rate limit)", n)
	}
}

func TestRemoteKeysRepeatedRotation(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now, testClient)
	srv := newJWKSServer(t, a.JWKS())
	keys, err := NewRemoteKeys(srv.issuer(), RemoteOptions{UnknownKIDInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	v := NewVerifier(a.URL(), keys, nil, clock.Now)
	for range 3 {
		b := issuerWithNewKey(t, clock.Now)
		srv.set(b.JWKS())
		time.Sleep(60 * time.Millisecond)
		tok, _, _, _ := b.Tokens("x", nil, nil)
		if _, err := v.Verify(tok, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The first key is gone from the JWKS and from the cache.
	tok, _, _, _ := a.Tokens("x", nil, nil)
	if _, err := v.Verify(tok, nil); kindOf(err) != KindUnknownKey {
		t.Fatalf("removed key: %v", err)
	}
}

func TestRemoteKeysSizeLimit(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now, testClient)
	id, _, _, _ := a.Tokens("alice", nil, nil)
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			srv := newJWKSServer(t, padTo(a.JWKS(), MaxJWKSBytes))
			srv.chunked = chunked
			keys, err := NewRemoteKeys(srv.issuer(), RemoteOptions{UnknownKIDInterval: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer keys.Close()
			v := NewVerifier(a.URL(), keys, nil, clock.Now)
			if _, err := v.Verify(id, nil); err != nil {
				t.Fatalf("JWKS of exactly %d bytes: %v", MaxJWKSBytes, err)
			}

			srv2 := newJWKSServer(t, padTo(a.JWKS(), MaxJWKSBytes+1))
			srv2.chunked = chunked
			var reported atomic.Int32
			keys2, err := NewRemoteKeys(srv2.issuer(), RemoteOptions{
				UnknownKIDInterval: time.Millisecond,
				OnError:            func(string, error) { reported.Add(1) },
			})
			if err != nil {
				t.Fatal(err)
			}
			defer keys2.Close()
			if !errors.Is(keys2.LastError(), errTooLarge) {
				t.Errorf("first fetch: %v", keys2.LastError())
			}
			time.Sleep(5 * time.Millisecond)
			v2 := NewVerifier(a.URL(), keys2, nil, clock.Now)
			_, err = v2.Verify(id, nil)
			if kindOf(err) != KindKeysUnavailable || !errors.Is(err, errTooLarge) {
				t.Fatalf("JWKS of %d bytes: %v", MaxJWKSBytes+1, err)
			}
			if srv2.fetches.Load() != 2 || reported.Load() != 2 {
				t.Errorf("fetches %d, reported %d", srv2.fetches.Load(), reported.Load())
			}
		})
	}
}

func TestRemoteKeysTimeout(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now, testClient)
	id, _, _, _ := a.Tokens("alice", nil, nil)
	srv := newJWKSServer(t, a.JWKS())
	release := make(chan struct{})
	srv.delay = release
	defer close(release)

	start := time.Now()
	keys, err := NewRemoteKeys(srv.issuer(), RemoteOptions{UnknownKIDInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer keys.Close()
	if d := time.Since(start); d < JWKSTimeout || d > JWKSTimeout+time.Second {
		t.Errorf("first fetch gave up after %v, want %v", d, JWKSTimeout)
	}
	if keys.LastError() == nil {
		t.Error("no error from a slow JWKS")
	}

	start = time.Now()
	v := NewVerifier(a.URL(), keys, nil, clock.Now)
	if _, err := v.Verify(id, nil); kindOf(err) != KindKeysUnavailable {
		t.Fatalf("slow JWKS: %v", err)
	}
	if d := time.Since(start); d < JWKSTimeout || d > JWKSTimeout+time.Second {
		t.Errorf("on-demand fetch gave up after %v, want %v", d, JWKSTimeout)
	}

	// Once the server answers again, the keys come.
	srv.mu.Lock()
	srv.delay = nil
	srv.mu.Unlock()
	time.Sleep(5 * time.Millisecond)
	if _, err := v.Verify(id, nil); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestRemoteKeysBadDocuments(t *testing.T) {
	clock := newClock()
	a := testIssuer(t, clock.Now, testClient)
	id, _, _, _ := a.Tokens("alice", nil, nil)
	for name, body := range map[string]string{
		"not json":  "<html>",
		"no keys":   `{"keys":[]}`,
		"bad key":   `{"keys":[{"kty":"RSA","kid":"` + a.KeyID() + `","n":"!!","e":"AQAB"}]}`,
		"other kty": `{"keys":[{"kty":"oct","kid":"` + a.KeyID() + `","k":"c2VjcmV0"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := newJWKSServer(t, []byte(body))
			keys, err := NewRemoteKeys(srv.issuer(), RemoteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer keys.Close()
			_, err = NewVerifier(a.URL(), keys, nil, clock.Now).Verify(id, nil)
			if k := kindOf(err); k != KindUnknownKey && k != KindKeysUnavailable {
				t.Fatalf("kind %v: %v", k, err)
			}
		})
	}
	t.Run("404", func(t *testing.T) {
		srv := newJWKSServer(t, a.JWKS())
		keys, err := NewRemoteKeys(srv.URL+"/elsewhere", RemoteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer keys.Close()
		if keys.LastError() == nil {
			t.Error("no error for a 404")
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		if _, err := NewRemoteKeys("::not a url", RemoteOptions{}); err == nil {
			t.Error("accepted")
		}
	})
}
