package cognito

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func decodeSegment(t *testing.T, tok string, n int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments", len(parts))
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[n])
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestTokensClaims(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, "client1", "client2")
	id, access, exp, err := iss.Tokens("alice", []string{"admin", "users"}, []string{"pets/read", "pets/write"})
	if err != nil {
		t.Fatal(err)
	}
	if exp != 3600 {
		t.Errorf("expiresIn %d", exp)
	}
	for _, tok := range []string{id, access} {
		h := decodeSegment(t, tok, 0)
		if len(h) != 2 || h["alg"] != "RS256" || h["kid"] != iss.KeyID() {
			t.Errorf("header %v", h)
		}
	}
	ic := decodeSegment(t, id, 1)
	ac := decodeSegment(t, access, 1)
	want := map[string]any{
		"iss":              "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_testpool",
		"aud":              "client1",
		"token_use":        "id",
		"cognito:username": "alice",
		"iat":              json.Number("1513492092"),
		"auth_time":        json.Number("1513492092"),
		"exp":              json.Number("1513495692"),
	}
	for k, v := range want {
		if ic[k] != v {
			t.Errorf("id %s = %v, want %v", k, ic[k], v)
		}
	}
	wantA := map[string]any{
		"iss":       want["iss"],
		"client_id": "client1",
		"token_use": "access",
		"username":  "alice",
		"scope":     "pets/read pets/write",
		"iat":       want["iat"],
		"auth_time": want["iat"],
		"exp":       want["exp"],
	}
	for k, v := range wantA {
		if ac[k] != v {
			t.Errorf("access %s = %v, want %v", k, ac[k], v)
		}
	}
	for _, c := range []map[string]any{ic, ac} {
		g, _ := c["cognito:groups"].([]any)
		if len(g) != 2 || g[0] != "admin" || g[1] != "users" {
			t.Errorf("cognito:groups %v", c["cognito:groups"])
		}
		for _, k := range []string{"sub", "jti", "origin_jti"} {
			if s, _ := c[k].(string); !uuidRE.MatchString(s) {
				t.Errorf("%s %q is not a UUID", k, c[k])
			}
		}
		for _, k := range []string{"email", "email_verified", "typ"} {
			if _, ok := c[k]; ok {
				t.Errorf("claim %s set", k)
			}
		}
	}
	if _, ok := ac["aud"]; ok {
		t.Error("access token has aud")
	}
	if _, ok := ic["scope"]; ok {
		t.Error("ID token has scope")
	}
	if ic["sub"] != ac["sub"] || ic["origin_jti"] != ac["origin_jti"] || ic["jti"] == ac["jti"] {
		t.Errorf("sub/jti/origin_jti: %v %v", keys(ic), ic)
	}
	if len(ic) != 11 || len(ac) != 12 {
		t.Errorf("id claims %v, access claims %v", keys(ic), keys(ac))
	}

	// sub is stable for the pool and username, and differs between users.
	id2, _, _, _ := iss.Tokens("alice", nil, nil)
	bob, _, _, _ := iss.Tokens("bob", nil, nil)
	c2, cb := decodeSegment(t, id2, 1), decodeSegment(t, bob, 1)
	if c2["sub"] != ic["sub"] || cb["sub"] == ic["sub"] {
		t.Errorf("sub: %v %v %v", ic["sub"], c2["sub"], cb["sub"])
	}
	if _, ok := c2["cognito:groups"]; ok {
		t.Error("cognito:groups without groups")
	}
	_, a2, _, _ := iss.Tokens("alice", nil, nil)
	if _, ok := decodeSegment(t, a2, 1)["scope"]; ok {
		t.Error("scope without scopes")
	}
}

func TestTokensNoClient(t *testing.T) {
	iss := testIssuer(t, newClock().Now)
	id, access, _, err := iss.Tokens("alice", nil, []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	if a := decodeSegment(t, id, 1)["aud"]; a != testPool {
		t.Errorf("aud %v, want the pool id", a)
	}
	if a := decodeSegment(t, access, 1)["client_id"]; a != testPool {
		t.Errorf("client_id %v, want the pool id", a)
	}
}

func TestTokensRefused(t *testing.T) {
	iss := testIssuer(t, newClock().Now)
	for _, c := range []struct {
		user           string
		groups, scopes []string
	}{
		{"", nil, nil},
		{strings.Repeat("u", 129), nil, nil},
		{"a", []string{""}, nil},
		{"a", nil, []string{""}},
		{"a", nil, []string{"two words"}},
		{"a", nil, []string{"tab\there"}},
	} {
		if _, _, _, err := iss.Tokens(c.user, c.groups, c.scopes); err == nil {
			t.Errorf("Tokens(%q, %q, %q) succeeded", c.user, c.groups, c.scopes)
		}
	}
}

func TestKeyPersistence(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	a, err := NewIssuer(dir, "eu-west-1_abc", "eu-west-1", []string{"c"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "eu-west-1_abc.pem")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v", st.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("key folder holds %d entries", len(entries))
	}
	b, err := NewIssuer(dir, "eu-west-1_abc", "eu-west-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.KeyID() != b.KeyID() || !bytes.Equal(a.JWKS(), b.JWKS()) {
		t.Fatal("a second NewIssuer on the same folder made a new key")
	}
	// A token of the first verifies with the second.
	tok, _, _, err := a.Tokens("alice", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier(b.URL(), b, nil, nil).Verify(tok, nil); err != nil {
		t.Fatal(err)
	}
	// Another pool in the same folder has another key.
	c, err := NewIssuer(dir, "eu-west-1_other", "eu-west-1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.KeyID() == a.KeyID() {
		t.Error("two pools share a key")
	}
}

func TestCorruptKeyFile(t *testing.T) {
	for name, content := range map[string]string{
		"empty":     "",
		"not pem":   "hello",
		"bad der":   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
		"cert type": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"truncated": func() string {
			b, _ := os.ReadFile(filepath.Join("testdata", testPool+".pem"))
			return string(b[:len(b)/2]) + "\n-----END PRIVATE KEY-----\n"
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "p_1.pem")
			os.WriteFile(path, []byte(content), 0o600)
			_, err := NewIssuer(dir, "p_1", "us-east-1", nil, nil)
			if err == nil || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v", err)
			}
			if b, _ := os.ReadFile(path); string(b) != content {
				t.Error("the corrupt file was changed")
			}
		})
	}
	t.Run("directory", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "p_1.pem"), 0o700)
		if _, err := NewIssuer(dir, "p_1", "us-east-1", nil, nil); err == nil {
			t.Fatal("a folder in place of the key file was accepted")
		}
	})
}

func TestPoolIDValidated(t *testing.T) {
	for _, id := range []string{"", "../x", "a/b", ".", "a b", "a\x00"} {
		if _, err := NewIssuer(t.TempDir(), id, "us-east-1", nil, nil); err == nil {
			t.Errorf("pool id %q accepted", id)
		}
	}
	if _, err := NewIssuer(t.TempDir(), "p_1", "", nil, nil); err == nil {
		t.Error("empty region accepted")
	}
}

func TestJWKS(t *testing.T) {
	iss := testIssuer(t, nil)
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Keys) != 1 {
		t.Fatalf("keys %v", doc.Keys)
	}
	k := doc.Keys[0]
	if k["alg"] != "RS256" || k["use"] != "sig" || k["kty"] != "RSA" || k["e"] != "AQAB" || k["kid"] != iss.KeyID() {
		t.Errorf("key %v", k)
	}
	n, _ := base64.RawURLEncoding.DecodeString(k["n"])
	if new(big.Int).SetBytes(n).Cmp(iss.key.N) != 0 {
		t.Error("n is not the key's modulus")
	}
	// RFC 7638 thumbprint.
	sum := sha256.Sum256([]byte(`{"e":"AQAB","kty":"RSA","n":"` + k["n"] + `"}`))
	if k["kid"] != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Error("kid is not the RFC 7638 thumbprint")
	}
	if iss.URL() != "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_testpool" {
		t.Errorf("URL %s", iss.URL())
	}
}

func TestTokenHandler(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	h := iss.TokenHandler()
	do := func(method, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/userpools/UserPool/tokens", strings.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do("POST", `{"username":"alice","groups":["admin"],"scopes":["pets/read"]}`)
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var resp map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		t.Fatal(err)
	}
	if len(resp) != 3 || resp["expires_in"] != float64(3600) {
		t.Fatalf("response %v", resp)
	}
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	if _, err := v.Verify(resp["id_token"].(string), nil); err != nil {
		t.Error(err)
	}
	if _, err := v.Verify(resp["access_token"].(string), []string{"pets/read"}); err != nil {
		t.Error(err)
	}

	for _, c := range []struct {
		method, body string
		status       int
	}{
		{"POST", ``, 400},
		{"POST", `{`, 400},
		{"POST", `[]`, 400},
		{"POST", `{"username":""}`, 400},
		{"POST", `{"groups":["a"]}`, 400},
		{"POST", `{"username":5}`, 400},
		{"POST", `{"username":"a","group":["x"]}`, 400},
		{"POST", `{"username":"a"} {}`, 400},
		{"POST", `{"username":"a"} x`, 400},
		{"POST", `{"username":"a","scopes":["a b"]}`, 400},
		{"POST", `{"username":"a","pad":"` + strings.Repeat("x", MaxRequestBody) + `"}`, 413},
		{"GET", ``, 405},
	} {
		w := do(c.method, c.body)
		if w.Code != c.status {
			t.Errorf("%s %.40q: %d %s, want %d", c.method, c.body, w.Code, w.Body, c.status)
			continue
		}
		var m map[string]string
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil || m["message"] == "" {
			t.Errorf("%s %.40q: body %s", c.method, c.body, w.Body)
		}
	}
	if w := do("POST", `{"username":"a"}`+"\n"); w.Code != 200 {
		t.Errorf("trailing newline: %d", w.Code)
	}
}

func TestJWKSHandler(t *testing.T) {
	iss := testIssuer(t, nil)
	h := iss.JWKSHandler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/userpools/UserPool/.well-known/jwks.json", nil))
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), iss.JWKS()) || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", w.Code)
	}
}
