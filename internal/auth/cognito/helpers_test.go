package cognito

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const (
	testPool   = "us-east-1_testpool"
	testRegion = "us-east-1"
	testClient = "client1"
)

// testNow makes exp "Sun Dec 17 07:28:12 UTC 2017", the fixture of a real
// event in aws-reference 8.2.
var testNow = time.Date(2017, 12, 17, 6, 28, 12, 0, time.UTC)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testIssuer is an issuer of testPool with the key of testdata (no key
// generation: fast, and the fuzz corpus' tokens verify with it).
func testIssuer(tb testing.TB, clock func() time.Time, clients ...string) *Issuer {
	tb.Helper()
	dir := tb.TempDir()
	key, err := os.ReadFile(filepath.Join("testdata", testPool+".pem"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, testPool+".pem"), key, 0o600); err != nil {
		tb.Fatal(err)
	}
	i, err := NewIssuer(dir, testPool, testRegion, clients, clock)
	if err != nil {
		tb.Fatal(err)
	}
	return i
}

var (
	otherKeyOnce sync.Once
	otherKey     *rsa.PrivateKey
)

// anotherKey is a second RSA key, made once per test binary.
func anotherKey(tb testing.TB) *rsa.PrivateKey {
	otherKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		otherKey = k
	})
	return otherKey
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func b64JSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b64(b)
}

// signRS256 returns header.claims.signature signed by key.
func signRS256(tb testing.TB, key *rsa.PrivateKey, header, claims map[string]any) string {
	tb.Helper()
	input := b64JSON(tb, header) + "." + b64JSON(tb, claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		tb.Fatal(err)
	}
	return input + "." + b64(sig)
}

// signHS256 returns a token MACed with secret.
func signHS256(tb testing.TB, secret []byte, header, claims map[string]any) string {
	tb.Helper()
	input := b64JSON(tb, header) + "." + b64JSON(tb, claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + b64(m.Sum(nil))
}

// publicPEM is the classic secret of the RS256/HS256 confusion attack.
func publicPEM(tb testing.TB, pub *rsa.PublicKey) []byte {
	tb.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// idClaims are the claims of a valid ID token of i at testNow.
func idClaims(i *Issuer) map[string]any {
	return map[string]any{
		"sub": "a1b2", "iss": i.URL(), "aud": i.audience, "token_use": "id",
		"cognito:username": "alice", "auth_time": testNow.Unix(),
		"iat": testNow.Unix(), "exp": testNow.Unix() + 3600, "jti": "j1",
	}
}

// accessClaims are the claims of a valid access token of i at testNow.
func accessClaims(i *Issuer, scope string) map[string]any {
	return map[string]any{
		"sub": "a1b2", "iss": i.URL(), "client_id": i.audience, "token_use": "access",
		"username": "alice", "scope": scope, "auth_time": testNow.Unix(),
		"iat": testNow.Unix(), "exp": testNow.Unix() + 3600, "jti": "j2",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for n := 0; n+1 < len(kv); n += 2 {
		if kv[n+1] == nil {
			delete(out, kv[n].(string))
			continue
		}
		out[kv[n].(string)] = kv[n+1]
	}
	return out
}

// kindOf is the Kind of a Verify error (0 for nil, -1 for a foreign error).
func kindOf(err error) Kind {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return -1
}
