package cognito

import (
	"errors"
	"testing"
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
