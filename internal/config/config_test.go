package config

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	c, err := Parse("/etc/apigw/apigw.yaml", []byte(`
functions:
  GetUsersFunction: {code: ./build/get-users}
  Abs: {code: /srv/fn}
  Remote: {endpoint: http://127.0.0.1:9001}
userPools:
  UserPool: {issuer: https://idp.example.com/pool, audiences: [a, b]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Functions["GetUsersFunction"].Code; got != "/etc/apigw/build/get-users" {
		t.Errorf("relative code path resolved to %q", got)
	}
	if got := c.Functions["Abs"].Code; got != "/srv/fn" {
		t.Errorf("absolute code path changed to %q", got)
	}
	if got := c.Functions["Remote"].Endpoint; got != "http://127.0.0.1:9001" {
		t.Errorf("endpoint %q", got)
	}
	if got := c.UserPools["UserPool"].Audiences; len(got) != 2 {
		t.Errorf("audiences %v", got)
	}
	if c, err := Parse("empty.yaml", nil); err != nil || len(c.Functions) != 0 {
		t.Errorf("empty file: %v %v", c, err)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"functions:\n  F: {cod: ./x}\n", "field cod not found"},
		{"function:\n  F: {code: ./x}\n", "field function not found"},
		{"functions:\n  F: {}\n", "functions.F: give code or endpoint"},
		{"functions:\n  F: {code: ./x, endpoint: http://h}\n", "not both"},
		{"functions:\n  F: {endpoint: ftp://h}\n", "is not an http:// or https:// URL"},
		{"userPools:\n  P: {issuer: nope}\n", "userPools.P.issuer"},
		{"functions: [\n", "c.yaml"},
	}
	for _, c := range cases {
		_, err := Parse("c.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err %v, want %q", c.src, err, c.want)
		}
	}
}

func TestWebSocketLimits(t *testing.T) {
	for _, tt := range []struct {
		yaml    string
		idle    time.Duration
		max     time.Duration
		wantErr string
	}{
		{"webSocket: {idleTimeout: 30s, maxDuration: 5m}", 30 * time.Second, 5 * time.Minute, ""},
		{"webSocket: {}", 0, 0, ""},
		{"webSocket: {idleTimeout: soon}", 0, 0, "webSocket.idleTimeout"},
		{"webSocket: {maxDuration: -1s}", 0, 0, "webSocket.maxDuration"},
	} {
		c, err := Parse("/x/apigw.yaml", []byte(tt.yaml))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: error %v, want %q", tt.yaml, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.yaml, err)
		}
		idle, max, _ := c.WebSocket.Durations()
		if idle != tt.idle || max != tt.max {
			t.Errorf("%s: %v %v", tt.yaml, idle, max)
		}
	}
}
