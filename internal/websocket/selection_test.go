package websocket

import "testing"

func TestSelection(t *testing.T) {
	tests := []struct {
		expr, msg, want string
		ok              bool
	}{
		{"$request.body.action", `{"action":"sendmessage"}`, "sendmessage", true},
		{"$request.body.action", `{"other":1}`, "", true}, // missing: ""
		{"$request.body.action", `not json`, "", false},
		{"$request.body.action", `["a"]`, "", false},
		{"$request.body.action", `{"action":42}`, "42", true},
		{"$request.body.action", `{"action":true}`, "true", true},
		{"$request.body.action", `{"action":{"a":1}}`, `{"a":1}`, true},
		{"$request.body.message.type", `{"message":{"type":"join"}}`, "join", true},
		{"${request.body.service}/${request.body.action}", `{"service":"chat","action":"join"}`, "chat/join", true},
		{"static", `anything`, "static", true},
		{`\$literal`, `x`, "$literal", true},
	}
	for _, tt := range tests {
		s, err := parseSelection(tt.expr)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		got, ok := s.eval([]byte(tt.msg))
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s on %s: %q, %v; want %q, %v", tt.expr, tt.msg, got, ok, tt.want, tt.ok)
		}
	}
	for _, bad := range []string{"$request.header.x", "${request.body.x", "$context.routeKey"} {
		if _, err := parseSelection(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newID()
		if len(id) != 16 || id[15] != '=' || seen[id] {
			t.Fatalf("id %q", id)
		}
		seen[id] = true
	}
}

func TestForbiddenFrame(t *testing.T) {
	got := string(forbiddenFrame("XDmENcnwIE0CFEQ=", "XDmGEE2RoE0FRdQ="))
	want := `{"message": "Forbidden", "connectionId":"XDmENcnwIE0CFEQ=", "requestId":"XDmGEE2RoE0FRdQ="}`
	if got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
}

// FuzzSelection: any expression either fails to parse or evaluates any
// message without panicking.
func FuzzSelection(f *testing.F) {
	f.Add("$request.body.action", `{"action":"x"}`)
	f.Add("${request.body.a}/${request.body.b.c}", `{"a":1,"b":{"c":[1,2]}}`)
	f.Add(`\$x$`, `{}`)
	f.Add("${", "")
	f.Fuzz(func(t *testing.T, expr, msg string) {
		s, err := parseSelection(expr)
		if err != nil {
			return
		}
		s.eval([]byte(msg))
	})
}
