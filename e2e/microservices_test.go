package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// microservices serves examples/microservices.yaml with two real backends
// given by --param.
func microservices(t *testing.T) (in *Instance, users, orders *backend) {
	t.Helper()
	users = newBackend(t, "users", nil)
	orders = newBackend(t, "orders", nil)
	in = startAPIGW(t, example("microservices.yaml"),
		"--param", "UsersServiceUrl="+users.URL,
		"--param", "OrdersServiceUrl="+orders.URL)
	return in, users, orders
}

// TestMicroservicesRoutes sends every route of the example to its service:
// path parameters, the greedy {proxy+}, ANY with bodies, and versioning.
func TestMicroservicesRoutes(t *testing.T) {
	in, users, orders := microservices(t)
	services := map[string]*backend{"users": users, "orders": orders}

	cases := []struct {
		method, path, body string
		service, wantURI   string // the request target the service receives
	}{
		{"GET", "/prod/users", "", "users", "/users"},
		{"POST", "/prod/users", `{"name":"Ada"}`, "users", "/users"},
		{"PUT", "/prod/users", `{"bulk":true}`, "users", "/users"},
		{"DELETE", "/prod/users", "", "users", "/users"},
		{"GET", "/prod/users/42", "", "users", "/users/42"},
		{"PUT", "/prod/users/42", `{"name":"Grace"}`, "users", "/users/42"},
		{"PATCH", "/prod/users/42", `{"name":"G"}`, "users", "/users/42"},
		{"DELETE", "/prod/users/42", "", "users", "/users/42"},
		{"GET", "/prod/orders", "", "orders", "/orders"},
		{"POST", "/prod/orders", `{"item":"book","qty":2}`, "orders", "/orders"},
		{"GET", "/prod/orders/7", "", "orders", "/orders/7"},
		{"GET", "/prod/orders/a/b/c?x=1", "", "orders", "/orders/a/b/c?x=1"},
		{"POST", "/prod/orders/7/items", `{"sku":"A-1"}`, "orders", "/orders/7/items"},
		{"PUT", "/prod/orders/7/items/3", `{"qty":5}`, "orders", "/orders/7/items/3"},
		{"DELETE", "/prod/orders/7/items/3", "", "orders", "/orders/7/items/3"},
		{"GET", "/prod/v1/users", "", "users", "/v1/users"},
		{"GET", "/prod/v2/users", "", "users", "/v2/users"},
		{"GET", "/prod/v2/users?page=2", "", "users", "/v2/users?page=2"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			users.reset()
			orders.reset()
			hdr := map[string]string{}
			if c.body != "" {
				hdr["Content-Type"] = "application/json"
			}
			r := do(t, req{Method: c.method, URL: in.URL(c.path), Body: c.body, Header: hdr})
			assertStatusBody(t, r, 200, echoBody(c.service, c.method, c.wantURI))
			assertAWSHeaders(t, r)
			svc := services[c.service]
			if n := svc.count(); n != 1 {
				t.Fatalf("%s service received %d requests, want 1", c.service, n)
			}
			for name, other := range services {
				if name != c.service && other.count() != 0 {
					t.Errorf("%s service received a request meant for %s", name, c.service)
				}
			}
			got := svc.last(t)
			if got.Method != c.method || got.RequestURI != c.wantURI {
				t.Errorf("service got %s %s, want %s %s", got.Method, got.RequestURI, c.method, c.wantURI)
			}
			if string(got.Body) != c.body {
				t.Errorf("service got body %q, want %q", got.Body, c.body)
			}
			if c.body != "" && got.Header.Get("Content-Type") != "application/json" {
				t.Errorf("service got Content-Type %q, want application/json", got.Header.Get("Content-Type"))
			}
			// HTTP_PROXY calls the endpoint with the endpoint's own Host.
			if got.Host != svc.hostport() {
				t.Errorf("service got Host %q, want %q", got.Host, svc.hostport())
			}
		})
	}

	// /v1/users and /v2/users are GET only: other methods are unknown routes.
	for _, m := range []string{"POST", "DELETE"} {
		r := do(t, req{Method: m, URL: in.URL("/prod/v1/users"), Body: "{}"})
		assertMissingToken(t, r)
	}
	// The route table names every route.
	for _, want := range []string{"/prod/users", "/prod/users/{userId}", "/prod/orders", "/prod/orders/{proxy+}", "/prod/v1/users", "/prod/v2/users"} {
		if !strings.Contains(in.Stdout(), want+" ") && !strings.Contains(in.Stdout(), want+"\n") {
			t.Errorf("route table does not list %s:\n%s", want, in.Stdout())
		}
	}
}

// TestMicroservicesQueryAndHeaders checks what HTTP_PROXY passes through:
// the query string (repeated keys, encoded values), end-to-end headers
// (repeated ones too), and not the hop-by-hop headers.
func TestMicroservicesQueryAndHeaders(t *testing.T) {
	in, users, orders := microservices(t)

	t.Run("query", func(t *testing.T) {
		r := get(t, in.URL("/prod/orders/search?tag=a&tag=b&q=caf%C3%A9+au+lait&email=x%2By%40z.com&empty="))
		if r.Status != 200 {
			t.Fatalf("status %d\n%s", r.Status, r)
		}
		got := orders.last(t)
		if got.Path != "/orders/search" {
			t.Errorf("path %q, want /orders/search", got.Path)
		}
		q, err := url.ParseQuery(got.RawQuery)
		if err != nil {
			t.Fatalf("backend query %q: %v", got.RawQuery, err)
		}
		want := url.Values{"tag": {"a", "b"}, "q": {"café au lait"}, "email": {"x+y@z.com"}, "empty": {""}}
		if !reflect.DeepEqual(q, want) {
			t.Errorf("backend query %q = %v, want %v", got.RawQuery, q, want)
		}
	})

	t.Run("headers", func(t *testing.T) {
		r := do(t, req{Method: "POST", URL: in.URL("/prod/users/42?x=1"), Body: "hello",
			Header: map[string]string{
				"Content-Type":  "text/plain; charset=utf-8",
				"Authorization": "Bearer abc.def",
				"X-Custom":      "custom value",
				"User-Agent":    "e2e-test/1.0",
				"Accept":        "text/plain",
				"Cookie":        "session=s1; theme=dark",
			},
			Add: [][2]string{{"X-Multi", "one"}, {"X-Multi", "two"}},
		})
		if r.Status != 200 {
			t.Fatalf("status %d\n%s", r.Status, r)
		}
		got := users.last(t)
		if got.Method != "POST" || got.RequestURI != "/users/42?x=1" || string(got.Body) != "hello" {
			t.Errorf("backend got %s %s %q", got.Method, got.RequestURI, got.Body)
		}
		for name, want := range map[string]string{
			"Content-Type":  "text/plain; charset=utf-8",
			"Authorization": "Bearer abc.def",
			"X-Custom":      "custom value",
			"User-Agent":    "e2e-test/1.0",
			"Accept":        "text/plain",
			"Cookie":        "session=s1; theme=dark",
			"X-Multi":       "one, two",
		} {
			if v := strings.Join(got.Header.Values(name), ", "); v != want {
				t.Errorf("backend header %s = %q, want %q", name, v, want)
			}
		}
	})

	t.Run("hop-by-hop", func(t *testing.T) {
		// Sent raw so that exactly these headers reach apigw.
		raw := "GET /prod/users/7 HTTP/1.1\r\n" +
			"Host: " + in.Addr + "\r\n" +
			"Connection: keep-alive\r\n" +
			"Keep-Alive: timeout=5, max=100\r\n" +
			"TE: trailers\r\n" +
			"Upgrade: h2c\r\n" +
			"Proxy-Authorization: Basic dXNlcjpwYXNz\r\n" +
			"Proxy-Connection: keep-alive\r\n" +
			"X-End-To-End: kept\r\n" +
			"\r\n"
		r := rawRequest(t, in.Addr, raw)
		assertStatusBody(t, r, 200, echoBody("users", "GET", "/users/7"))
		got := users.last(t)
		for _, h := range []string{"Keep-Alive", "TE", "Upgrade", "Proxy-Authorization", "Proxy-Connection"} {
			if v := got.Header.Values(h); len(v) > 0 {
				t.Errorf("hop-by-hop header %s reached the backend: %q", h, v)
			}
		}
		if v := got.Header.Get("X-End-To-End"); v != "kept" {
			t.Errorf("X-End-To-End = %q, want kept", v)
		}
	})
}

// TestMicroservicesResponses checks that the service's status, headers and
// body come back as they are, errors included (HTTP_PROXY maps nothing).
func TestMicroservicesResponses(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	users := newBackend(t, "users", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/users":
			w.Header().Set("Content-Type", "application/vnd.users+json")
			w.Header().Set("X-Backend", "users")
			w.Header().Add("Set-Cookie", "a=1; Path=/")
			w.Header().Add("Set-Cookie", "b=2; Path=/")
			w.Header().Set("Cache-Control", "max-age=60")
			w.Header().Set("Location", "/users/99")
			w.WriteHeader(201)
			fmt.Fprint(w, `{"id":"99"}`)
		case "/users/404":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			fmt.Fprint(w, `{"error":"no such user"}`)
		case "/users/500":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			fmt.Fprint(w, "backend exploded")
		case "/users/302":
			w.Header().Set("Location", "https://example.com/elsewhere")
			w.WriteHeader(302)
		case "/users/204":
			w.WriteHeader(204)
		case "/users/big":
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Write(big)
		default:
			w.WriteHeader(418)
		}
	})
	orders := newBackend(t, "orders", nil)
	in := startAPIGW(t, example("microservices.yaml"),
		"--param", "UsersServiceUrl="+users.URL,
		"--param", "OrdersServiceUrl="+orders.URL)

	r := do(t, req{Method: "POST", URL: in.URL("/prod/users"), Body: `{"name":"x"}`})
	assertStatusBody(t, r, 201, `{"id":"99"}`)
	assertAWSHeaders(t, r)
	assertHeader(t, r.Header, "Content-Type", "application/vnd.users+json")
	assertHeader(t, r.Header, "X-Backend", "users")
	assertHeader(t, r.Header, "Cache-Control", "max-age=60")
	assertHeader(t, r.Header, "Location", "/users/99")
	if got := r.Header.Values("Set-Cookie"); !reflect.DeepEqual(got, []string{"a=1; Path=/", "b=2; Path=/"}) {
		t.Errorf("Set-Cookie = %q, want two headers a=1 and b=2", got)
	}

	r = get(t, in.URL("/prod/users/404"))
	assertStatusBody(t, r, 404, `{"error":"no such user"}`)
	if r.Header.Get("x-amzn-ErrorType") != "" {
		t.Errorf("a backend 404 is not a gateway error, yet x-amzn-ErrorType = %q", r.Header.Get("x-amzn-ErrorType"))
	}
	r = get(t, in.URL("/prod/users/500"))
	assertStatusBody(t, r, 500, "backend exploded")
	assertHeader(t, r.Header, "Content-Type", "text/plain")
	r = get(t, in.URL("/prod/users/302"))
	assertStatusBody(t, r, 302, "")
	assertHeader(t, r.Header, "Location", "https://example.com/elsewhere")
	r = get(t, in.URL("/prod/users/204"))
	assertStatusBody(t, r, 204, "")
	r = get(t, in.URL("/prod/users/big"))
	if r.Status != 200 || !bytes.Equal(r.Body, big) {
		t.Errorf("1 MiB body: status %d, %d bytes (want 200, %d bytes, equal)", r.Status, len(r.Body), len(big))
	}
}

// TestMicroservicesKeepAlive sends many requests over a few kept-alive
// connections, several methods mixed, to check that no response is mixed
// up with another's (bodies carry the request's path).
func TestMicroservicesKeepAlive(t *testing.T) {
	in, _, _ := microservices(t)
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				m := []string{"GET", "POST", "PUT", "DELETE"}[i%4]
				body := ""
				if m == "POST" || m == "PUT" {
					body = fmt.Sprintf(`{"w":%d,"i":%d}`, w, i)
				}
				path := fmt.Sprintf("/orders/%d/%d", w, i)
				r, err := send(req{Method: m, URL: in.URL("/prod" + path), Body: body})
				if err != nil {
					errs <- err
					continue
				}
				if want := echoBody("orders", m, path); r.Status != 200 || string(r.Body) != want {
					errs <- fmt.Errorf("%s %s: got %d %q, want 200 %q", m, path, r.Status, r.Body, want)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestMicroservicesDefaultContentType: a backend answer without a
// Content-Type reaches the client as application/json, as API Gateway sends it.
func TestMicroservicesDefaultContentType(t *testing.T) {
	bare := newBackend(t, "bare", func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = nil // no sniffing: send none
		w.Write([]byte("plain"))
	})
	in := startAPIGW(t, example("microservices.yaml"), "--param", "UsersServiceUrl="+bare.URL, "--param", "OrdersServiceUrl="+bare.URL)
	resp, err := http.Get(in.URL("/prod/users"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "application/json" {
		t.Errorf("status %d Content-Type %q, want 200 application/json", resp.StatusCode, ct)
	}
}
