package model

import "testing"

func TestMethodSettingKey(t *testing.T) {
	for _, c := range []struct{ path, method, wantPath, wantMethod string }{
		{"/*", "*", "*", "*"},
		{"", "", "*", "*"},
		{"/~1users", "GET", "/users", "GET"},
		{"/~1users~1{id}", "get", "/users/{id}", "GET"},
		{"/", "POST", "/", "POST"},
	} {
		p, m := methodSettingKey(c.path, c.method)
		if p != c.wantPath || m != c.wantMethod {
			t.Errorf("%q %q: %q %q, want %q %q", c.path, c.method, p, m, c.wantPath, c.wantMethod)
		}
	}
}

func TestPlanMethodExists(t *testing.T) {
	root := &Resource{Path: "/", Methods: map[string]*Method{"GET": {}}}
	users := &Resource{Path: "/users", Methods: map[string]*Method{"ANY": {}}}
	api := &RestAPI{Resources: []*Resource{root, users}}
	for key, want := range map[string]bool{
		"//GET": true, "/GET": true, "//POST": false, "/users/GET": true, "/users/DELETE": true,
		"/users/*": true, "/orders/GET": false, "GET": false, "": false,
	} {
		if got := planMethodExists(api, key); got != want {
			t.Errorf("%q: %v, want %v", key, got, want)
		}
	}
}
