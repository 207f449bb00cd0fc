package gateway

import (
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestWriteErrorBodies(t *testing.T) {
	cases := []struct {
		err        *Error
		status     int
		body, kind string
	}{
		{errMissingToken, 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException"},
		{&Error{Type: InvalidAPIKey}, 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{&Error{Type: Throttled}, 429, `{"message":"Too Many Requests"}`, "TooManyRequestsException"},
		{&Error{Type: QuotaExceeded}, 429, `{"message":"Limit Exceeded"}`, "LimitExceededException"},
		{&Error{Type: Unauthorized}, 401, `{"message":"Unauthorized"}`, "UnauthorizedException"},
		{&Error{Type: AccessDenied}, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException"},
		{lambdaError(nil), 502, `{"message": "Internal server error"}`, "InternalServerErrorException"},
		{errConfiguration, 500, `{"message": "Internal server error"}`, "InternalServerErrorException"},
		{&Error{Type: IntegrationTimeout}, 504, `{"message": "Endpoint request timed out"}`, "InternalServerErrorException"},
		{&Error{Type: AuthorizerConfigurationError}, 500, `{"message":null}`, "AuthorizerConfigurationException"},
		{&Error{Type: BadRequestParameters, Message: "Missing required request parameters: [a, b]"}, 400, `{"message": "Missing required request parameters: [a, b]"}`, "BadRequestException"},
	}
	for _, c := range cases {
		var ctx fasthttp.RequestCtx
		writeError(&ctx, nil, c.err)
		if got := ctx.Response.StatusCode(); got != c.status {
			t.Errorf("%s: status %d, want %d", c.err.Type, got, c.status)
		}
		if got := string(ctx.Response.Body()); got != c.body {
			t.Errorf("%s: body %s, want %s", c.err.Type, got, c.body)
		}
		if got := string(ctx.Response.Header.Peek("x-amzn-ErrorType")); got != c.kind {
			t.Errorf("%s: x-amzn-ErrorType %q, want %q", c.err.Type, got, c.kind)
		}
		if got := string(ctx.Response.Header.ContentType()); got != "application/json" {
			t.Errorf("%s: content type %q", c.err.Type, got)
		}
	}
	// The 502 body is the 36 bytes AWS recorded.
	if n := len(`{"message": "Internal server error"}`); n != 36 {
		t.Fatalf("36-byte body is %d bytes", n)
	}
}

func TestResponseTypeByName(t *testing.T) {
	for _, name := range []string{"DEFAULT_4XX", "DEFAULT_4xx", "missing_authentication_token", "THROTTLED"} {
		if _, ok := ResponseTypeByName(name); !ok {
			t.Errorf("%s not found", name)
		}
	}
	if _, ok := ResponseTypeByName("NOPE"); ok {
		t.Error("NOPE found")
	}
	for i := ResponseType(0); i < numResponseTypes; i++ {
		if catalogue[i].Name == "" || catalogue[i].ErrorType == "" || catalogue[i].Status == 0 {
			t.Errorf("catalogue row %d is incomplete: %+v", i, catalogue[i])
		}
	}
}

func TestCheckPath(t *testing.T) {
	ok := []string{"/prod/users", "/prod/a%2Fb", "//prod//x/", "/prod/..x", "/prod/a.b", "/"}
	bad := []string{"/prod/%zz", "/prod/%4", "/prod/%", "/prod/../x", "/prod/./x", "/prod/%2e%2e/x", "/prod/.%2E/x", "/prod/a\x01b"}
	for _, p := range ok {
		if e := checkPath(p); e != nil {
			t.Errorf("%q refused: %v", p, e)
		}
	}
	for _, p := range bad {
		if e := checkPath(p); e == nil {
			t.Errorf("%q accepted", p)
		}
	}
}

func TestSubstituteStageVars(t *testing.T) {
	vars := map[string]string{"host": "127.0.0.1:9", "v": "v2"}
	cases := []struct {
		in, out string
		ok      bool
	}{
		{"http://${stageVariables.host}/${stageVariables.v}/users", "http://127.0.0.1:9/v2/users", true},
		{"http://example.com/users", "http://example.com/users", true},
		{"http://${stageVariables.nope}/x", "http:///x", false},
		{"http://${stageVariables.host", "http://${stageVariables.host", true},
	}
	for _, c := range cases {
		out, ok := substituteStageVars(c.in, vars)
		if out != c.out || ok != c.ok {
			t.Errorf("%q: got %q %v, want %q %v", c.in, out, ok, c.out, c.ok)
		}
	}
}

func TestURITemplate(t *testing.T) {
	tpl := parseURITemplate("/users/{userId}/orders/{proxy}?a=1")
	var parts []string
	for _, p := range tpl.parts {
		if p.literal != "" {
			parts = append(parts, "L:"+p.literal)
		} else {
			parts = append(parts, "P:"+p.param)
		}
	}
	if got := strings.Join(parts, " "); got != "L:/users/ P:userId L:/orders/ P:proxy L:?a=1" {
		t.Errorf("parts %s", got)
	}
	for _, c := range []struct{ in, scheme, host, rest string }{
		{"http://127.0.0.1:9001/users/{id}", "http", "127.0.0.1:9001", "/users/{id}"},
		{"https://example.com", "https", "example.com", "/"},
		{"http://h?x=1", "http", "h", "/?x=1"},
	} {
		s, h, r, err := splitURL(c.in)
		if err != nil || s != c.scheme || h != c.host || r != c.rest {
			t.Errorf("%s: %s %s %s %v", c.in, s, h, r, err)
		}
	}
	if _, _, _, err := splitURL("ftp://x/y"); err == nil {
		t.Error("ftp accepted")
	}
}

func TestBinaryMediaTypes(t *testing.T) {
	types := []string{"image/png", "application/*"}
	cases := []struct {
		ct   string
		want bool
	}{
		{"image/png", true}, {"IMAGE/PNG; q=1", true}, {"application/octet-stream", true},
		{"text/plain", false}, {"", false},
	}
	for _, c := range cases {
		if got := matchesBinary(types, []byte(c.ct)); got != c.want {
			t.Errorf("%q: %v", c.ct, got)
		}
	}
	if !acceptsBinary([]string{"*/*"}, []byte("text/html, image/png")) {
		t.Error("*/* does not match")
	}
	if acceptsBinary([]string{"image/png"}, []byte("text/html, image/png")) {
		t.Error("second Accept type honoured")
	}
}

func TestHostSelection(t *testing.T) {
	tb := &table{apis: map[string]*api{"restapi": {id: "restapi"}}}
	for _, c := range []struct {
		host string
		want bool
	}{
		{"restapi.execute-api.localhost:8080", true}, {"RestApi.Execute-Api.localhost", true},
		{"other.execute-api.localhost", false}, {"127.0.0.1:8080", false}, {"[::1]:8080", false},
	} {
		var buf [64]byte
		id := hostAPIID([]byte(c.host), &buf)
		if got := id != nil && tb.apis[string(id)] != nil; got != c.want {
			t.Errorf("%s: %v", c.host, got)
		}
	}
	long := strings.Repeat("A", 100)
	var buf [64]byte
	if id := hostAPIID([]byte(long+".execute-api.localhost"), &buf); string(id) != strings.ToLower(long) {
		t.Errorf("a long id: %q", id)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		var buf [64]byte
		hostAPIID([]byte("RestApi.execute-api.localhost:8080"), &buf)
	}); allocs != 0 {
		t.Errorf("hostAPIID allocates %v times", allocs)
	}
}
