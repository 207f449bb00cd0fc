package cognito

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testJWTIssuer is the issuer of the generic OIDC tokens of these tests
// (signed with testdata's key, looked up through an *Issuer).
const (
	testJWTIssuer = "https://idp.example.com/tenant"
	testAudience  = "api://pets"
)

// oidcClaims are the claims of a valid token of testJWTIssuer at testNow:
// no token_use, an aud, a scope.
func oidcClaims() map[string]any {
	return map[string]any{
		"iss": testJWTIssuer, "sub": "u-1", "aud": testAudience,
		"iat": testNow.Unix(), "nbf": testNow.Unix(), "exp": testNow.Unix() + 3600,
		"scope": "pets/read pets/write",
	}
}

// signWith signs claims with key and method (RS384, PS256, ...) and kid.
func signWith(tb testing.TB, method jwt.SigningMethod, key any, kid string, claims map[string]any) string {
	tb.Helper()
	t := jwt.NewWithClaims(method, jwt.MapClaims(claims))
	if kid != "" {
		t.Header["kid"] = kid
	}
	s, err := t.SignedString(key)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestJWTVerify(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	key, kid := iss.key, iss.KeyID()
	rs := map[string]any{"alg": "RS256", "kid": kid}
	oc := oidcClaims()
	sign := func(c map[string]any) string { return signRS256(t, key, rs, c) }
	good := sign(oc)
	parts := strings.Split(good, ".")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	cases := []struct {
		name      string
		token     string
		scopes    []string
		audiences []string
		want      Kind
	}{
		// Audience: aud (string or list), else client_id.
		{name: "good by aud", token: good},
		{name: "good by aud list", token: sign(with(oc, "aud", []string{"other", testAudience}))},
		{name: "good by client_id", token: sign(with(oc, "aud", nil, "client_id", testClient))},
		{name: "good by client_id, aud null", token: sign(with(oc, "aud", json.RawMessage("null"), "client_id", testClient))},
		{name: "wrong aud", token: sign(with(oc, "aud", "api://other")), want: KindAudience},
		{name: "aud list without a match", token: sign(with(oc, "aud", []string{"a", "b"})), want: KindAudience},
		{name: "aud list of numbers", token: sign(with(oc, "aud", []int{1})), want: KindAudience},
		{name: "empty aud list", token: sign(with(oc, "aud", []string{})), want: KindAudience},
		{name: "aud wrong, client_id right: aud decides", token: sign(with(oc, "aud", "api://other", "client_id", testClient)), want: KindAudience},
		{name: "wrong client_id", token: sign(with(oc, "aud", nil, "client_id", "other")), want: KindAudience},
		{name: "client_id not a string", token: sign(with(oc, "aud", nil, "client_id", 7)), want: KindAudience},
		{name: "neither aud nor client_id", token: sign(with(oc, "aud", nil)), want: KindAudience},
		{name: "no audiences configured", token: good, audiences: []string{""}, want: KindAudience},
		{name: "aud is case-sensitive", token: sign(with(oc, "aud", "API://PETS")), want: KindAudience},
		// Issuer: exact.
		{name: "wrong iss", token: sign(with(oc, "iss", "https://idp.example.com/other")), want: KindIssuer},
		{name: "iss trailing slash", token: sign(with(oc, "iss", testJWTIssuer+"/")), want: KindIssuer},
		{name: "no iss", token: sign(with(oc, "iss", nil)), want: KindIssuer},
		{name: "iss not a string", token: sign(with(oc, "iss", 1)), want: KindIssuer},
		// Times.
		{name: "expired", token: sign(with(oc, "exp", testNow.Unix()-1)), want: KindExpired},
		{name: "exp now", token: sign(with(oc, "exp", testNow.Unix())), want: KindExpired},
		{name: "no exp", token: sign(with(oc, "exp", nil)), want: KindMalformed},
		{name: "exp string", token: sign(with(oc, "exp", "1513495692")), want: KindMalformed},
		{name: "nbf in the future", token: sign(with(oc, "nbf", testNow.Unix()+3000)), want: KindNotYetValid},
		{name: "nbf within ClockSkew", token: sign(with(oc, "nbf", testNow.Add(ClockSkew).Unix()))},
		{name: "nbf just past ClockSkew", token: sign(with(oc, "nbf", testNow.Add(ClockSkew).Unix()+1)), want: KindNotYetValid},
		{name: "iat in the future", token: sign(with(oc, "iat", testNow.Unix()+61)), want: KindNotYetValid},
		{name: "no iat, no nbf", token: sign(with(oc, "iat", nil, "nbf", nil))},
		// Scopes: scope (string) or scp (string or list).
		{name: "scope", token: good, scopes: []string{"pets/write"}},
		{name: "one of the route's scopes", token: good, scopes: []string{"admin", "pets/read"}},
		{name: "scp string", token: sign(with(oc, "scope", nil, "scp", "pets/read other")), scopes: []string{"pets/read"}},
		{name: "scp list", token: sign(with(oc, "scope", nil, "scp", []string{"other", "pets/read"})), scopes: []string{"pets/read"}},
		{name: "scp list with a non-string", token: sign(with(oc, "scope", nil, "scp", []any{1, "pets/read"})), scopes: []string{"pets/read"}},
		{name: "scope misses, scp has it", token: sign(with(oc, "scope", "other", "scp", []string{"pets/read"})), scopes: []string{"pets/read"}},
		{name: "missing scope", token: good, scopes: []string{"admin"}, want: KindScope},
		{name: "no scope claims", token: sign(with(oc, "scope", nil)), scopes: []string{"pets/read"}, want: KindScope},
		{name: "scope prefix only", token: sign(with(oc, "scope", "pets/readonly")), scopes: []string{"pets/read"}, want: KindScope},
		{name: "scope as a list", token: sign(with(oc, "scope", []string{"pets/read"})), scopes: []string{"pets/read"}, want: KindScope},
		{name: "scope comma-separated", token: sign(with(oc, "scope", "pets/read,pets/write")), scopes: []string{"pets/read"}, want: KindScope},
		{name: "no route scopes, no token scopes", token: sign(with(oc, "scope", nil))},
		{name: "scope checked last: expired wins", token: sign(with(oc, "exp", testNow.Unix()-1)), scopes: []string{"admin"}, want: KindExpired},
		// No token_use requirement.
		{name: "token_use id with route scopes", token: sign(with(oc, "token_use", "id")), scopes: []string{"pets/read"}},
		{name: "token_use access without route scopes", token: sign(with(oc, "token_use", "access"))},
		// Identity source forms.
		{name: "Bearer prefix", token: "Bearer " + good},
		{name: "bearer prefix", token: "bearer " + good},
		{name: "two spaces after Bearer", token: "Bearer  " + good, want: KindMalformed},
		{name: "Basic scheme", token: "Basic " + good, want: KindMalformed},
		{name: "trailing space", token: good + " ", want: KindMalformed},
		{name: "empty", token: "", want: KindMalformed},
		{name: "two segments", token: parts[0] + "." + parts[1], want: KindMalformed},
		// Algorithms: RSA only.
		{name: "RS384", token: signWith(t, jwt.SigningMethodRS384, key, kid, oc)},
		{name: "RS512", token: signWith(t, jwt.SigningMethodRS512, key, kid, oc)},
		{name: "PS256", token: signWith(t, jwt.SigningMethodPS256, key, kid, oc), want: KindAlgorithm},
		{name: "ES256", token: signWith(t, jwt.SigningMethodES256, ecKey, kid, oc), want: KindAlgorithm},
		{name: "HS256 with the public key PEM", token: signHS256(t, publicPEM(t, &key.PublicKey), map[string]any{"alg": "HS256", "kid": kid}, oc), want: KindAlgorithm},
		{name: "HS256 with the JWKS", token: signHS256(t, iss.JWKS(), map[string]any{"alg": "HS256", "kid": kid}, oc), want: KindAlgorithm},
		{name: "alg none", token: b64JSON(t, map[string]any{"alg": "none", "kid": kid}) + "." + parts[1] + ".", want: KindAlgorithm},
		{name: "alg RS256 header, RS384 signature", token: b64JSON(t, rs) + "." + parts[1] + "." + strings.Split(signWith(t, jwt.SigningMethodRS384, key, kid, oc), ".")[2], want: KindSignature},
		// Keys and signature.
		{name: "unknown kid", token: signRS256(t, key, map[string]any{"alg": "RS256", "kid": "nope"}, oc), want: KindUnknownKey},
		{name: "no kid", token: signRS256(t, key, map[string]any{"alg": "RS256"}, oc), want: KindUnknownKey},
		{name: "other key, same kid", token: signRS256(t, anotherKey(t), rs, oc), want: KindSignature},
		{name: "payload swapped", token: parts[0] + "." + b64JSON(t, with(oc, "sub", "mallory")) + "." + parts[2], want: KindSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			auds := []string{testAudience, testClient}
			if c.audiences != nil {
				auds = c.audiences
			}
			v := NewJWTVerifier(testJWTIssuer, iss, auds, clock.Now)
			claims, err := v.Verify(context.Background(), c.token, c.scopes)
			if got := kindOf(err); got != c.want {
				t.Fatalf("kind %v (%v), want %v", got, err, c.want)
			}
			if err != nil {
				if claims != nil {
					t.Error("claims returned with an error")
				}
				if !strings.HasPrefix(err.Error(), "cognito: token refused (") {
					t.Errorf("error text %q", err)
				}
				return
			}
			if claims["iss"] != testJWTIssuer || claims["sub"] == nil {
				t.Errorf("claims %v", claims)
			}
			if _, ok := claims["exp"].(json.Number); !ok {
				t.Errorf("exp %T, want json.Number", claims["exp"])
			}
		})
	}
}

// TestJWTVerifyCognitoTokens: an HTTP API JWT authorizer on a user pool
// takes both its ID token (aud) and its access token (client_id, no aud).
func TestJWTVerifyCognitoTokens(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	id, access, _, err := iss.Tokens("alice", []string{"admin"}, []string{"pets/read"})
	if err != nil {
		t.Fatal(err)
	}
	v := NewJWTVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	ctx := context.Background()
	for _, c := range []struct {
		token  string
		scopes []string
		want   Kind
	}{
		{id, nil, 0},
		{"Bearer " + access, nil, 0},
		{access, []string{"pets/read"}, 0},
		{id, []string{"pets/read"}, KindScope}, // an ID token has no scope
		{access, []string{"pets/write"}, KindScope},
	} {
		claims, err := v.Verify(ctx, c.token, c.scopes)
		if kindOf(err) != c.want {
			t.Fatalf("%.30s %v: %v, want %v", c.token, c.scopes, err, c.want)
		}
		if err == nil {
			got := ClaimsForJWTContext(claims)
			if got["exp"] != "1513495692" || got["cognito:groups"] != "[admin]" {
				t.Errorf("jwt.claims %v", got)
			}
		}
	}
	if NewJWTVerifier(iss.URL(), iss, []string{"other"}, clock.Now).Issuer() != iss.URL() {
		t.Error("Issuer()")
	}
	if _, err := NewJWTVerifier(iss.URL(), iss, []string{"other"}, clock.Now).Verify(ctx, access, nil); kindOf(err) != KindAudience {
		t.Errorf("other audience: %v", err)
	}
}

// TestJWTVerifyClock: valid until the second before exp; the default clock
// is time.Now.
func TestJWTVerifyClock(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now)
	tok := signRS256(t, iss.key, map[string]any{"alg": "RS256", "kid": iss.KeyID()}, oidcClaims())
	v := NewJWTVerifier(testJWTIssuer, iss, []string{testAudience}, clock.Now)
	ctx := context.Background()
	clock.Add(3599 * time.Second)
	if _, err := v.Verify(ctx, tok, nil); err != nil {
		t.Errorf("a second before exp: %v", err)
	}
	clock.Add(time.Second)
	if _, err := v.Verify(ctx, tok, nil); kindOf(err) != KindExpired {
		t.Errorf("at exp: %v", err)
	}
	// testNow is in 2017: with the real clock the token has expired.
	if _, err := NewJWTVerifier(testJWTIssuer, iss, []string{testAudience}, nil).Verify(ctx, tok, nil); kindOf(err) != KindExpired {
		t.Errorf("time.Now: %v", err)
	}
}

// TestJWTVerifyKeySourceErrors: the Kinds of the key source are kept; a
// foreign error is KindUnknownKey.
func TestJWTVerifyKeySourceErrors(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now)
	tok := signRS256(t, iss.key, map[string]any{"alg": "RS256", "kid": iss.KeyID()}, oidcClaims())
	boom := errors.New("boom")
	for _, c := range []struct {
		keys KeySource
		want Kind
	}{
		{nil, KindUnknownKey},
		{funcSource(func(string) error { return boom }), KindUnknownKey},
		{funcSource(func(string) error { return &Error{Kind: KindKeysUnavailable, Err: boom} }), KindKeysUnavailable},
		{funcSource(func(string) error { return nil }), KindUnknownKey}, // nil key, nil error
	} {
		_, err := NewJWTVerifier(testJWTIssuer, c.keys, []string{testAudience}, clock.Now).Verify(context.Background(), tok, nil)
		if kindOf(err) != c.want {
			t.Errorf("%T: %v, want %v", c.keys, err, c.want)
		}
	}
}

func TestTokenScopes(t *testing.T) {
	got := tokenScopes(jwt.MapClaims{"scope": " a  b ", "scp": []any{"c", 1, "d"}})
	if strings.Join(got, ",") != "a,b,c,d" {
		t.Errorf("%q", got)
	}
	if got := tokenScopes(jwt.MapClaims{"scope": []any{"a"}, "scp": "x y"}); strings.Join(got, ",") != "x,y" {
		t.Errorf("%q", got)
	}
	if got := tokenScopes(jwt.MapClaims{}); got != nil {
		t.Errorf("%q", got)
	}
}

func TestWWWAuthenticate(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now)
	key, kid := iss.key, iss.KeyID()
	rs := map[string]any{"alg": "RS256", "kid": kid}
	oc := oidcClaims()
	sign := func(c map[string]any) string { return signRS256(t, key, rs, c) }
	good := sign(oc)
	parts := strings.Split(good, ".")
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const pre = `Bearer scope="" error="invalid_token" error_description="`

	cases := []struct {
		name   string
		token  string
		scopes []string
		want   string
	}{
		{"audience (AWS's example)", sign(with(oc, "aud", "api://other")), nil, pre + `the token does not have a valid audience"`},
		{"no aud, wrong client_id", sign(with(oc, "aud", nil, "client_id", "x")), nil, pre + `the token does not have a valid audience"`},
		{"segments", parts[0] + "." + parts[1], nil, pre + `token contains an invalid number of segments"`},
		{"not a JWT", "not-a-token", nil, pre + `token contains an invalid number of segments"`},
		{"Bearer only", "Bearer ", nil, pre + `token contains an invalid number of segments"`},
		{"ES256", signWith(t, jwt.SigningMethodES256, ecKey, kid, oc), nil, pre + `signing method ES256 is invalid"`},
		{"HS256", signHS256(t, []byte("secret"), map[string]any{"alg": "HS256", "kid": kid}, oc), nil, pre + `signing method HS256 is invalid"`},
		{"alg none", b64JSON(t, map[string]any{"alg": "none"}) + "." + parts[1] + ".", nil, pre + `signing method none is invalid"`},
		{"alg unknown", b64JSON(t, map[string]any{"alg": "RS256\"\r\nX-Evil: 1"}) + "." + parts[1] + "." + parts[2], nil, pre + `signing method (alg) is unavailable"`},
		{"alg missing", b64JSON(t, map[string]any{"kid": kid}) + "." + parts[1] + "." + parts[2], nil, pre + `signing method (alg) is unspecified"`},
		{"bad base64", parts[0] + ".!!!." + parts[2], nil, pre + `token is malformed"`},
		{"unknown kid", signRS256(t, key, map[string]any{"alg": "RS256", "kid": "nope"}, oc), nil, pre + `no key of the issuer's JWKS matches the token's kid"`},
		{"signature", signRS256(t, anotherKey(t), rs, oc), nil, pre + `crypto/rsa: verification error"`},
		{"expired", sign(with(oc, "exp", testNow.Unix()-1)), nil, pre + `the token has expired"`},
		{"nbf", sign(with(oc, "nbf", testNow.Unix()+3600)), nil, pre + `the token is not valid yet"`},
		{"issuer", sign(with(oc, "iss", "https://evil.example.com")), nil, pre + `the token does not have a valid issuer"`},
		{"scope (403)", good, []string{"admin"}, `Bearer scope="" error="insufficient_scope" error_description="the token does not have a required scope"`},
		{"no token", "", nil, "Bearer"},
	}
	v := NewJWTVerifier(testJWTIssuer, iss, []string{testAudience}, clock.Now)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), c.token, c.scopes)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := WWWAuthenticate(err); got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}

	// Errors made elsewhere.
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("x"), `Bearer scope="" error="invalid_token"`},
		{&Error{Kind: KindKeysUnavailable}, pre + `the issuer's JWKS could not be fetched"`},
		{&Error{Kind: KindTokenUse}, pre + `the token does not have a valid token_use"`},
		{&Error{Kind: KindAlgorithm}, pre + `signing method (alg) is unspecified"`},
		{&Error{Kind: Kind(99)}, pre + `token is malformed"`},
		{&Error{Kind: KindMalformed, Err: ErrNoToken}, "Bearer"},
		{&Error{Kind: KindMalformed, desc: "a\"b\\c\x00d\u00e9"}, pre + `abcd"`},
	} {
		if got := WWWAuthenticate(c.err); got != c.want {
			t.Errorf("%v: got %s, want %s", c.err, got, c.want)
		}
	}
	// The REST Verifier's refusals carry the same descriptions.
	_, err := NewVerifier(iss.URL(), iss, nil, clock.Now).Verify(signWith(t, jwt.SigningMethodRS384, key, kid, oc), nil)
	if got := WWWAuthenticate(err); got != pre+`signing method RS384 is invalid"` {
		t.Errorf("REST RS384: %s", got)
	}
}

func TestQuotable(t *testing.T) {
	if got := quotable(strings.Repeat("a", 300)); len(got) != 200 {
		t.Errorf("%d bytes", len(got))
	}
	if got := quotable("\x7f\t ok !#[]"); got != " ok !#[]" {
		t.Errorf("%q", got)
	}
}

// TestVerifierNotAffected: the REST Verifier still takes RS256 only and a
// token_use, whatever the JWT verifier accepts.
func TestVerifierNotAffected(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	ic := idClaims(iss)
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	if _, err := v.Verify(signWith(t, jwt.SigningMethodRS512, iss.key, iss.KeyID(), ic), nil); kindOf(err) != KindAlgorithm {
		t.Errorf("RS512 on REST: %v", err)
	}
	if _, err := v.Verify(signRS256(t, iss.key, map[string]any{"alg": "RS256", "kid": iss.KeyID()}, ic), nil); err != nil {
		t.Errorf("RS256 on REST: %v", err)
	}
}
