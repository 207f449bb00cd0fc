package gateway

import (
	"encoding/json"
	"github.com/apigw/apigw/internal/auth/policy"
	"strconv"
	"testing"
	"time"
)

func TestPolicyMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "anything", true},
		{"arn:aws:execute-api:us-east-1:1:api/prod/GET/*", "arn:aws:execute-api:us-east-1:1:api/prod/GET/users/1", true},
		{"arn:aws:execute-api:us-east-1:1:api/prod/GET/*", "arn:aws:execute-api:us-east-1:1:api/prod/POST/users", false},
		{"arn:aws:execute-api:us-east-1:1:api/*/*/users", "arn:aws:execute-api:us-east-1:1:api/prod/GET/users", true},
		{"arn:aws:execute-api:us-east-1:1:api/prod/GET/user?", "arn:aws:execute-api:us-east-1:1:api/prod/GET/users", true},
		{"arn:aws:execute-api:us-east-1:1:api/prod/GET/users", "arn:aws:execute-api:us-east-1:1:api/prod/GET/users/1", false},
		{"execute-api:*", "execute-api:Invoke", true},
		{"", "x", false},
	} {
		if got := policy.Match(c.p, c.s); got != c.want {
			t.Errorf("%q ~ %q: %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestAuthResult(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/items"
	cases := []struct {
		name, out string
		parseErr  bool
		want      *Error
	}{
		{"allow", `{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}]}}`, false, nil},
		{"statement as an object, lists", `{"policyDocument":{"Statement":{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["x","arn:aws:execute-api:*"]}}}`, false, nil},
		{"deny wins", `{"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arn + `"}]}}`, false, errExplicitDeny},
		{"allow elsewhere", `{"policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/other"}]}}`, false, errNotAllowed},
		{"another action", `{"policyDocument":{"Statement":[{"Action":"s3:GetObject","Effect":"Allow","Resource":"*"}]}}`, false, errNotAllowed},
		{"no policy", `{"principalId":"u"}`, true, nil},
		{"bad effect", `{"policyDocument":{"Statement":[{"Action":"*","Effect":"Maybe","Resource":"*"}]}}`, true, nil},
		{"object in context", `{"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]},"context":{"a":{"b":1}}}`, true, nil},
		{"not JSON", `nope`, true, nil},
	}
	for _, c := range cases {
		r, err := parseAuthResult([]byte(c.out))
		if (err != nil) != c.parseErr {
			t.Errorf("%s: parse error %v, want error %v", c.name, err, c.parseErr)
			continue
		}
		if err == nil {
			if got := evaluate(r, arn); got != c.want {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
			}
		}
	}
	r, _ := parseAuthResult([]byte(`{"principalId":7,"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}]},"context":{"n":1,"b":true,"s":"x"}}`))
	if r.PrincipalID != "7" || r.Context["n"] != "1" || r.Context["b"] != "true" || r.Context["s"] != "x" {
		t.Errorf("principal and context stringified: %+v", r)
	}
}

func TestTokenCache(t *testing.T) {
	tc := &tokenCache[map[string]any]{m: map[string]tokenEntry[map[string]any]{}}
	auth := map[string]any{"claims": map[string]string{"sub": "u"}}
	now := time.Now()
	tc.put("fresh", auth, map[string]any{"exp": json.Number(strconv.FormatInt(now.Add(time.Hour).Unix(), 10))})
	tc.put("expired", auth, map[string]any{"exp": float64(now.Add(-time.Second).Unix())})
	tc.put("no exp", auth, map[string]any{})
	if _, ok := tc.get([]byte("fresh")); !ok {
		t.Error("a fresh token is not cached")
	}
	if _, ok := tc.get([]byte("expired")); ok {
		t.Error("an expired token came from the cache")
	}
	if e := tc.m["no exp"]; e.expires.After(now.Add(tokenCacheTTL + time.Second)) {
		t.Errorf("an entry outlives the cache TTL: %v", e.expires)
	}
	if _, ok := tc.get([]byte("unknown")); ok {
		t.Error("an unknown token came from the cache")
	}
}
