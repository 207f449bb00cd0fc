package cognito

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"
)

func TestClaimsForContext(t *testing.T) {
	clock := newClock()
	iss := testIssuer(t, clock.Now, testClient)
	id, _, _, _ := iss.Tokens("alice", []string{"admin", "users"}, nil)
	claims, err := NewVerifier(iss.URL(), iss, nil, clock.Now).Verify(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := ClaimsForContext(claims)
	want := map[string]string{
		"exp":              "Sun Dec 17 07:28:12 UTC 2017",
		"iat":              "Sun Dec 17 06:28:12 UTC 2017",
		"auth_time":        "1513492092",
		"cognito:groups":   "admin,users",
		"cognito:username": "alice",
		"token_use":        "id",
		"aud":              testClient,
		"iss":              iss.URL(),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(claims) {
		t.Errorf("%d claims, want %d", len(got), len(claims))
	}
	jwt := ClaimsForJWTContext(claims)
	if jwt["cognito:groups"] != "[admin users]" || jwt["exp"] != "1513495692" || jwt["iat"] != "1513492092" {
		t.Errorf("jwt claims %v", jwt)
	}
}

func TestClaimsStringification(t *testing.T) {
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(`{
		"email_verified": true, "flag": false, "n": 1.5, "big": 12345678901234567890,
		"one": ["solo"], "none": [], "mixed": ["a", 1, true, null, {"k":"v"}],
		"obj": {"a": [1, 2]}, "nul": null, "exp": "not a number",
		"iat": 1e400, "s": "x y", "f": 3.0
	}`))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	claims["float"] = 2.25 // a float64 from a caller that did not use json.Number
	claims["day"] = float64(0)
	want := map[string]string{
		"email_verified": "true", "flag": "false", "n": "1.5", "big": "12345678901234567890",
		"one": "solo", "none": "", "mixed": `a,1,true,null,{"k":"v"}`,
		"obj": `{"a":[1,2]}`, "exp": "not a number", "iat": "1e400", "s": "x y", "f": "3.0",
		"float": "2.25", "day": "0",
	}
	got := ClaimsForContext(claims)
	if !maps.Equal(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	got = ClaimsForContext(map[string]any{"exp": float64(0), "iat": json.Number("-1")})
	if got["exp"] != "Thu Jan 01 00:00:00 UTC 1970" || got["iat"] != "Wed Dec 31 23:59:59 UTC 1969" {
		t.Errorf("epoch: %v", got)
	}
	if ClaimsForJWTContext(map[string]any{"g": []any{}})["g"] != "[]" {
		t.Error("empty array")
	}
}
