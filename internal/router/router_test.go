package router

import (
	"strings"
	"testing"
)

type res struct {
	path    string
	methods string // comma-separated; "ANY" matches every method
}

func build(t *testing.T, rs []res) *Tree[*res] {
	t.Helper()
	var tr Tree[*res]
	for i := range rs {
		if err := tr.Insert(rs[i].path, &rs[i]); err != nil {
			t.Fatalf("insert %s: %v", rs[i].path, err)
		}
	}
	return &tr
}

func has(method string) func(*res) bool {
	return func(r *res) bool {
		for _, m := range strings.Split(r.methods, ",") {
			if m == method || m == "ANY" {
				return true
			}
		}
		return false
	}
}

func TestLookupPrecedence(t *testing.T) {
	// The tree of a real API Gateway measurement: literal, parameter and
	// greedy siblings, resolved on the resource and method together.
	tr := build(t, []res{
		{"/", "GET"},
		{"/users", "GET,POST"},
		{"/users/me", "PATCH"},
		{"/users/{userId}", "GET"},
		{"/users/{userId}/orders", "GET"},
		{"/roles/provision", "POST"},
		{"/roles/{roleId}", "GET"},
		{"/things/real", "GET"},
		{"/things/{proxy+}", "ANY"},
		{"/jobs", ""},
		{"/jobs/{op}", "GET"},
		{"/{proxy+}", "ANY"},
		{"/orders", "ANY"},
		{"/orders/{proxy+}", "ANY"},
	})
	cases := []struct {
		method, path, want, params string
	}{
		{"GET", "/", "/", ""},
		{"GET", "/users", "/users", ""},
		{"GET", "/users/", "/users", ""},
		{"GET", "//users", "/users", ""},
		{"GET", "/users/me", "/users/{userId}", "userId=me"},
		{"PATCH", "/users/me", "/users/me", ""},
		{"GET", "/users/abc123", "/users/{userId}", "userId=abc123"},
		{"GET", "/users/a%2Fb/orders", "/users/{userId}/orders", "userId=a%2Fb"},
		{"POST", "/users/me", "/{proxy+}", "proxy=users/me"},
		{"POST", "/roles/provision", "/roles/provision", ""},
		{"GET", "/roles/provision", "/roles/{roleId}", "roleId=provision"},
		{"GET", "/things/real", "/things/real", ""},
		{"POST", "/things/real", "/things/{proxy+}", "proxy=real"},
		{"GET", "/jobs", "/{proxy+}", "proxy=jobs"},
		{"GET", "/jobs/reboot", "/jobs/{op}", "op=reboot"},
		{"POST", "/jobs/reboot", "/{proxy+}", "proxy=jobs/reboot"},
		{"DELETE", "/orders/a/b//c/", "/orders/{proxy+}", "proxy=a/b//c"},
		{"GET", "/orders", "/orders", ""},
		{"POST", "/", "", ""}, // root has GET only; {proxy+} needs a segment
		{"HEAD", "/users", "/{proxy+}", "proxy=users"},
	}
	for _, c := range cases {
		var ps Params
		got, ok := tr.Lookup(c.path, has(c.method), &ps)
		if c.want == "" {
			if ok {
				t.Errorf("%s %s: matched %s, want no match", c.method, c.path, got.path)
			}
			continue
		}
		if !ok {
			t.Errorf("%s %s: no match, want %s", c.method, c.path, c.want)
			continue
		}
		var kv []string
		for _, p := range ps {
			kv = append(kv, p.Name+"="+p.Value)
		}
		if got.path != c.want || strings.Join(kv, "&") != c.params {
			t.Errorf("%s %s: got %s %v, want %s %s", c.method, c.path, got.path, kv, c.want, c.params)
		}
	}
}

func TestLookupNoGreedyNoMatch(t *testing.T) {
	tr := build(t, []res{{"/users", "GET"}, {"/users/{id}", "GET"}})
	for _, p := range []string{"/nope", "/users/1/2", "/usersx"} {
		var ps Params
		if r, ok := tr.Lookup(p, has("GET"), &ps); ok {
			t.Errorf("%s matched %s", p, r.path)
		}
		if len(ps) != 0 {
			t.Errorf("%s left params %v", p, ps)
		}
	}
}

func TestInsertErrors(t *testing.T) {
	cases := []struct {
		paths []string
		want  string
	}{
		{[]string{"/a/{proxy+}/b"}, "must be the last"},
		{[]string{"/a/{id}", "/a/{name}"}, "only one is allowed"},
		{[]string{"/a/{p+}", "/a/{q+}"}, "only one is allowed"},
		{[]string{"/a", "/a"}, "declared twice"},
		{[]string{"/a/{}"}, "path part"},
		{[]string{"/a/b%20"}, "does not allow"},
		{[]string{"/a/{x y}"}, "parameter names"},
	}
	for _, c := range cases {
		var tr Tree[int]
		var err error
		for _, p := range c.paths {
			if err = tr.Insert(p, 1); err != nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err %v, want %q", c.paths, err, c.want)
		}
	}
}

func TestWalkOrder(t *testing.T) {
	tr := build(t, []res{{"/b", ""}, {"/a/{id}", ""}, {"/a", ""}, {"/{proxy+}", ""}, {"/a/x", ""}})
	var got []string
	tr.Walk(func(p string, _ *res) { got = append(got, p) })
	want := "/a /a/x /a/{id} /b /{proxy+}"
	if strings.Join(got, " ") != want {
		t.Errorf("walk %v, want %s", got, want)
	}
}

func BenchmarkLookup(b *testing.B) {
	var tr Tree[string]
	for _, p := range []string{"/users", "/users/{id}", "/users/{id}/orders", "/orders/{proxy+}", "/v1/users", "/v2/users"} {
		if err := tr.Insert(p, p); err != nil {
			b.Fatal(err)
		}
	}
	accept := func(string) bool { return true }
	ps := make(Params, 0, 4)
	b.ReportAllocs()
	for b.Loop() {
		ps = ps[:0]
		if _, ok := tr.Lookup("/users/42/orders", accept, &ps); !ok {
			b.Fatal("no match")
		}
	}
}
