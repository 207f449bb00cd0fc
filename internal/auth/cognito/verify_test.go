package cognito

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyIssued(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient, "client2")
	id, access, _, err := iss.Tokens("alice", []string{"admin", "users"}, []string{"pets/read", "pets/write"})
	if err != nil {
		t.Fatal(err)
	}
	for _, clients := range [][]string{{testClient}, {"x", testClient}, nil} {
		v := NewVerifier(iss.URL(), iss, clients, clock.Now)
		for _, c := range []struct {
			token  string
			scopes []string
		}{
			{id, nil},
			{"Bearer " + id, nil},
			{"bearer " + id, nil},
			{"BEARER " + id, nil},
			{access, []string{"pets/read"}},
			{access, []string{"other", "pets/write"}},
			{"Bearer " + access, []string{"pets/write"}},
		} {
			claims, err := v.Verify(c.token, c.scopes)
			if err != nil {
				t.Fatalf("clients %v: %.20s... %v: %v", clients, c.token, c.scopes, err)
			}
			if claims["sub"] == nil || claims["exp"] != json.Number("1513495692") {
				t.Errorf("claims %v", claims)
			}
		}
	}
	// Valid until the second before exp, and within the skew before iat.
	v := NewVerifier(iss.URL(), iss, []string{testClient}, clock.Now)
	clock.Add(3599 * time.Second)
	if _, err := v.Verify(id, nil); err != nil {
		t.Errorf("a second before exp: %v", err)
	}
	clock.Add(time.Second)
	if _, err := v.Verify(id, nil); kindOf(err) != KindExpired {
		t.Errorf("at exp: %v", err)
	}
	clock.Add(-3600*time.Second - ClockSkew)
	if _, err := v.Verify(id, nil); err != nil {
		t.Errorf("iat ClockSkew in the future: %v", err)
	}
	clock.Add(-time.Second)
	if _, err := v.Verify(id, nil); kindOf(err) != KindNotYetValid {
		t.Errorf("iat beyond the skew: %v", err)
	}
}

func TestVerifyRefusals(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	key := iss.key
	kid := iss.KeyID()
	rs := map[string]any{"alg": "RS256", "kid": kid}
	id, access, _, err := iss.Tokens("alice", nil, []string{"pets/read"})
	if err != nil {
		t.Fatal(err)
	}
	ic, ac := idClaims(iss), accessClaims(iss, "pets/read pets/write")
	sign := func(h, c map[string]any) string { return signRS256(t, key, h, c) }
	parts := strings.Split(id, ".")

	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	es256, err := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(ic)).SignedString(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ps256, err := jwt.NewWithClaims(jwt.SigningMethodPS256, jwt.MapClaims(ic)).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	hugeHeader := b64JSON(t, map[string]any{"alg": "RS256", "kid": kid, "x": strings.Repeat("A", 100<<10)})

	cases := []struct {
		name    string
		token   string
		scopes  []string
		clients []string
		issuer  string
		want    Kind
	}{
		{name: "valid id (control)", token: sign(rs, ic), want: 0},
		{name: "valid access (control)", token: sign(rs, ac), scopes: []string{"pets/write"}, want: 0},
		{name: "expired", token: sign(rs, with(ic, "exp", testNow.Unix()-1)), want: KindExpired},
		{name: "exp now", token: sign(rs, with(ic, "exp", testNow.Unix())), want: KindExpired},
		{name: "no exp", token: sign(rs, with(ic, "exp", nil)), want: KindMalformed},
		{name: "exp string", token: sign(rs, with(ic, "exp", "1513495692")), want: KindMalformed},
		{name: "iat future", token: sign(rs, with(ic, "iat", testNow.Unix()+61)), want: KindNotYetValid},
		{name: "nbf future", token: sign(rs, with(ic, "nbf", testNow.Unix()+3000)), want: KindNotYetValid},
		{name: "iat object", token: sign(rs, with(ic, "iat", map[string]any{})), want: KindMalformed},
		{name: "wrong iss", token: id, issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other", want: KindIssuer},
		{name: "iss trailing slash", token: sign(rs, with(ic, "iss", iss.URL()+"/")), want: KindIssuer},
		{name: "no iss", token: sign(rs, with(ic, "iss", nil)), want: KindIssuer},
		{name: "wrong aud", token: id, clients: []string{"other"}, want: KindAudience},
		{name: "aud array match", token: sign(rs, with(ic, "aud", []string{"x", testClient})), want: 0},
		{name: "aud array no match", token: sign(rs, with(ic, "aud", []string{"x"})), want: KindAudience},
		{name: "no aud", token: sign(rs, with(ic, "aud", nil)), want: KindAudience},
		{name: "access where id expected", token: access, want: KindTokenUse},
		{name: "id where access expected", token: id, scopes: []string{"pets/read"}, want: KindTokenUse},
		{name: "no token_use", token: sign(rs, with(ic, "token_use", nil)), want: KindTokenUse},
		{name: "token_use refresh", token: sign(rs, with(ac, "token_use", "refresh")), scopes: []string{"pets/read"}, want: KindTokenUse},
		{name: "scopes missing", token: access, scopes: []string{"pets/write", "admin"}, want: KindScope},
		{name: "scope prefix only", token: sign(rs, with(ac, "scope", "pets/readonly")), scopes: []string{"pets/read"}, want: KindScope},
		{name: "no scope claim", token: sign(rs, with(ac, "scope", nil)), scopes: []string{"pets/read"}, want: KindScope},
		{name: "scope array", token: sign(rs, with(ac, "scope", []string{"pets/read"})), scopes: []string{"pets/read"}, want: KindScope},
		{name: "wrong client_id", token: sign(rs, with(ac, "client_id", "other")), scopes: []string{"pets/read"}, want: KindAudience},
		{name: "client_id unchecked without clients", token: sign(rs, with(ac, "client_id", "other")), scopes: []string{"pets/read"}, clients: []string{}, want: 0},
		{name: "alg none", token: b64JSON(t, map[string]any{"alg": "none", "kid": kid}) + "." + b64JSON(t, ic) + ".", want: KindAlgorithm},
		{name: "alg none with signature", token: b64JSON(t, map[string]any{"alg": "none", "kid": kid}) + "." + parts[1] + "." + parts[2], want: KindAlgorithm},
		{name: "alg None", token: b64JSON(t, map[string]any{"alg": "None", "kid": kid}) + "." + parts[1] + ".", want: KindAlgorithm},
		{name: "HS256 with the public key PEM", token: signHS256(t, publicPEM(t, &key.PublicKey), map[string]any{"alg": "HS256", "kid": kid}, ic), want: KindAlgorithm},
		{name: "HS256 with the modulus", token: signHS256(t, key.N.Bytes(), map[string]any{"alg": "HS256", "kid": kid}, ic), want: KindAlgorithm},
		{name: "HS256 with the JWKS", token: signHS256(t, iss.JWKS(), map[string]any{"alg": "HS256", "kid": kid}, ic), want: KindAlgorithm},
		{name: "RS384", token: b64JSON(t, map[string]any{"alg": "RS384", "kid": kid}) + "." + parts[1] + "." + parts[2], want: KindAlgorithm},
		{name: "PS256", token: ps256, want: KindAlgorithm},
		{name: "ES256", token: es256, want: KindAlgorithm},
		{name: "alg unknown", token: b64JSON(t, map[string]any{"alg": "XX999", "kid": kid}) + "." + parts[1] + "." + parts[2], want: KindAlgorithm},
		{name: "alg missing", token: b64JSON(t, map[string]any{"kid": kid}) + "." + parts[1] + "." + parts[2], want: KindAlgorithm},
		{name: "alg number", token: b64JSON(t, map[string]any{"alg": 256, "kid": kid}) + "." + parts[1] + "." + parts[2], want: KindAlgorithm},
		{name: "unknown kid", token: sign(map[string]any{"alg": "RS256", "kid": "nope"}, ic), want: KindUnknownKey},
		{name: "no kid", token: sign(map[string]any{"alg": "RS256"}, ic), want: KindUnknownKey},
		{name: "kid number", token: sign(map[string]any{"alg": "RS256", "kid": 7}, ic), want: KindUnknownKey},
		{name: "other key, same kid", token: signRS256(t, anotherKey(t), rs, ic), want: KindSignature},
		{name: "payload swapped", token: parts[0] + "." + b64JSON(t, with(ic, "cognito:username", "mallory")) + "." + parts[2], want: KindSignature},
		{name: "signature cut", token: parts[0] + "." + parts[1] + "." + parts[2][:40], want: KindSignature},
		{name: "empty signature", token: parts[0] + "." + parts[1] + ".", want: KindSignature},
		{name: "garbage base64 header", token: "%%%." + parts[1] + "." + parts[2], want: KindMalformed},
		{name: "garbage base64 payload", token: parts[0] + ".!!!." + parts[2], want: KindMalformed},
		{name: "garbage base64 signature", token: parts[0] + "." + parts[1] + ".***", want: KindMalformed},
		{name: "padded base64", token: parts[0] + "==." + parts[1] + "." + parts[2], want: KindMalformed},
		{name: "header not JSON", token: b64([]byte("not json")) + "." + parts[1] + "." + parts[2], want: KindMalformed},
		{name: "payload not JSON", token: parts[0] + "." + b64([]byte("[1,2")) + "." + parts[2], want: KindMalformed},
		{name: "payload array", token: parts[0] + "." + b64([]byte("[1,2]")) + "." + parts[2], want: KindMalformed},
		{name: "two segments", token: parts[0] + "." + parts[1], want: KindMalformed},
		{name: "four segments", token: id + ".x", want: KindMalformed},
		{name: "empty", token: "", want: KindMalformed},
		{name: "Bearer only", token: "Bearer ", want: KindMalformed},
		{name: "two spaces after Bearer", token: "Bearer  " + id, want: KindMalformed},
		{name: "leading space", token: " " + id, want: KindMalformed},
		{name: "trailing space", token: id + " ", want: KindMalformed},
		{name: "Basic scheme", token: "Basic " + id, want: KindMalformed},
		{name: "100 KB header", token: hugeHeader + "." + parts[1] + "." + parts[2], want: KindMalformed},
		{name: "1 MB of dots", token: strings.Repeat(".", 1<<20), want: KindMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clients := []string{testClient}
			if c.clients != nil {
				clients = c.clients
			}
			issuer := iss.URL()
			if c.issuer != "" {
				issuer = c.issuer
			}
			v := NewVerifier(issuer, iss, clients, clock.Now)
			claims, err := v.Verify(c.token, c.scopes)
			if got := kindOf(err); got != c.want {
				t.Fatalf("kind %v (%v), want %v", got, err, c.want)
			}
			if err != nil && claims != nil {
				t.Error("claims returned with an error")
			}
			if err != nil && !strings.HasPrefix(err.Error(), "cognito: token refused (") {
				t.Errorf("error text %q", err)
			}
		})
	}
}

func TestVerifyNilKeySource(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now)
	id, _, _, _ := iss.Tokens("a", nil, nil)
	_, err := NewVerifier(iss.URL(), nil, nil, clock.Now).Verify(id, nil)
	if kindOf(err) != KindUnknownKey {
		t.Fatal(err)
	}
}

type funcSource func(kid string) error

func (f funcSource) Key(_ context.Context, kid string) (*rsa.PublicKey, error) { return nil, f(kid) }

func TestKeySourceForeignError(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now)
	id, _, _, _ := iss.Tokens("a", nil, nil)
	boom := errors.New("boom")
	_, err := NewVerifier(iss.URL(), funcSource(func(string) error { return boom }), nil, clock.Now).Verify(id, nil)
	if kindOf(err) != KindUnknownKey || !errors.Is(err, boom) {
		t.Fatal(err)
	}
}

func TestKindString(t *testing.T) {
	for k := KindMalformed; k <= KindScope; k++ {
		if s := k.String(); s == "" || strings.HasPrefix(s, "Kind(") {
			t.Errorf("%d: %q", k, s)
		}
	}
	if Kind(99).String() != "Kind(99)" {
		t.Error(Kind(99).String())
	}
}

func TestStripBearer(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc": "abc", "bearer abc": "abc", "BeArEr abc": "abc",
		"abc": "abc", "Bearer": "Bearer", "Bearer ": "Bearer ", "Bearerabc": "Bearerabc",
		"Bearer  abc": " abc", "Basic abc": "Basic abc",
	} {
		if got := StripBearer(in); got != want {
			t.Errorf("StripBearer(%q) = %q, want %q", in, got, want)
		}
	}
}
