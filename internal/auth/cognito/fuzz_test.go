package cognito

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// FuzzVerify feeds random tokens to Verify: it never panics, every refusal
// is an *Error of a known Kind, and whatever it accepts is a token of the
// pool. The seed corpus (testdata/fuzz/FuzzVerify) holds tokens signed with
// testdata's key at testNow: valid ID and access tokens, alg none, HS256
// with the public key, expired, unknown kid, garbage.
func FuzzVerify(f *testing.F) {
	clock := newClock()
	iss := testIssuer(f, clock.Now, testClient)
	id, access, _, err := iss.Tokens("alice", []string{"admin"}, []string{"pets/read"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(id, "")
	f.Add("Bearer "+access, "pets/read")
	f.Add("a.b.c", "")
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	f.Fuzz(func(t *testing.T, token, scope string) {
		var scopes []string
		if scope != "" {
			scopes = []string{scope}
		}
		claims, err := v.Verify(token, scopes)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Kind < KindMalformed || e.Kind > KindScope {
				t.Fatalf("not a known refusal: %#v", err)
			}
			if claims != nil {
				t.Fatal("claims with an error")
			}
			_ = err.Error()
			return
		}
		if claims["iss"] != iss.URL() {
			t.Fatalf("accepted iss %v", claims["iss"])
		}
		if use := claims["token_use"]; (scope == "") != (use == "id") {
			t.Fatalf("accepted token_use %v for scope %q", use, scope)
		}
		ClaimsForContext(claims)
		ClaimsForJWTContext(claims)
	})
}

// FuzzJWTVerify feeds random tokens to JWTVerifier.Verify: it never panics,
// every refusal is an *Error of a known Kind whose www-authenticate value
// is a safe header value, and whatever it accepts is a token of the issuer
// for one of the audiences, unexpired, holding the route's scope. The seed
// corpus (testdata/fuzz/FuzzJWTVerify) holds tokens signed with testdata's
// key at testNow: valid by aud and by client_id, scp string and list, RS384
// and RS512, HS256, alg none, expired, nbf ahead, wrong iss and aud,
// unknown kid, two segments, garbage.
func FuzzJWTVerify(f *testing.F) {
	clock := newClock()
	iss := testIssuer(f, clock.Now, testClient)
	id, access, _, err := iss.Tokens("alice", nil, []string{"pets/read"})
	if err != nil {
		f.Fatal(err)
	}
	good := signRS256(f, iss.key, map[string]any{"alg": "RS256", "kid": iss.KeyID()}, oidcClaims())
	f.Add(good, "pets/read")
	f.Add("Bearer "+good, "")
	f.Add(id, "")
	f.Add(access, "pets/read")
	audiences := []string{testAudience, testClient}
	jwtV := NewJWTVerifier(testJWTIssuer, iss, audiences, clock.Now)
	cogV := NewJWTVerifier(iss.URL(), iss, audiences, clock.Now)
	f.Fuzz(func(t *testing.T, token, scope string) {
		var scopes []string
		if scope != "" {
			scopes = []string{scope}
		}
		for _, v := range []*JWTVerifier{jwtV, cogV} {
			claims, err := v.Verify(context.Background(), token, scopes)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Kind < KindMalformed || e.Kind > KindScope || e.Kind == KindTokenUse {
					t.Fatalf("not a known refusal: %#v", err)
				}
				if claims != nil {
					t.Fatal("claims with an error")
				}
				h := WWWAuthenticate(err)
				if !strings.HasPrefix(h, "Bearer") {
					t.Fatalf("www-authenticate %q", h)
				}
				for i := 0; i < len(h); i++ {
					if h[i] < 0x20 || h[i] > 0x7e {
						t.Fatalf("www-authenticate %q has byte %#x", h, h[i])
					}
				}
				_ = err.Error()
				continue
			}
			c := jwt.MapClaims(claims)
			if c["iss"] != v.Issuer() {
				t.Fatalf("accepted iss %v", c["iss"])
			}
			if aud, ok := c["aud"]; ok && aud != nil {
				if !audienceMatches(aud, audiences) {
					t.Fatalf("accepted aud %v", aud)
				}
			} else if cid, _ := c["client_id"].(string); !contains(audiences, cid) {
				t.Fatalf("accepted client_id %v", c["client_id"])
			}
			if exp, ok, _ := numericClaim(c, "exp"); !ok || exp <= float64(testNow.Unix()) {
				t.Fatalf("accepted exp %v", c["exp"])
			}
			if scope != "" && !contains(tokenScopes(c), scope) {
				t.Fatalf("accepted without scope %q: %v %v", scope, c["scope"], c["scp"])
			}
			ClaimsForJWTContext(claims)
		}
	})
}
