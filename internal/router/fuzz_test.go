package router

import (
	"strings"
	"testing"
)

// FuzzLookup checks that any request path against a fixed tree never panics,
// and that a match returns parameters that came from the path.
func FuzzLookup(f *testing.F) {
	for _, s := range []string{"/", "/users/1", "//a//b/", "/orders/x/y/z", "/%zz/..", "/users/me/orders/"} {
		f.Add(s, "GET")
	}
	var tr Tree[string]
	for _, p := range []string{"/", "/users", "/users/me", "/users/{id}", "/users/{id}/orders", "/orders/{proxy+}", "/{proxy+}"} {
		if err := tr.Insert(p, p); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, path, method string) {
		var ps Params
		v, ok := tr.Lookup(path, func(v string) bool { return method != "POST" || v != "/users" }, &ps)
		if !ok {
			if len(ps) != 0 {
				t.Fatalf("no match but params %v", ps)
			}
			return
		}
		for _, p := range ps {
			if p.Value == "" || !strings.Contains(path, p.Value) {
				t.Fatalf("%q matched %s with param %q not from the path", path, v, p.Value)
			}
		}
	})
}

// FuzzInsert checks that declaring arbitrary resource paths never panics.
func FuzzInsert(f *testing.F) {
	for _, s := range []string{"/a/{b}", "/{proxy+}", "/a/{p+}/c", "/{", "/{}+", "/a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		var tr Tree[int]
		if err := tr.Insert(path, 1); err != nil {
			return
		}
		var ps Params
		tr.Lookup(path, func(int) bool { return true }, &ps)
	})
}
