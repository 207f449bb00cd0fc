package e2e

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// lineOf is the 1-based line where s (which may span lines) starts in content.
func lineOf(t *testing.T, content, s string) int {
	t.Helper()
	i := strings.Index(content, s)
	if i < 0 {
		t.Fatalf("test template does not contain %q", s)
	}
	return strings.Count(content[:i], "\n") + 1
}

// assertRouteLines checks that a route table lists each "METHOD /path".
func assertRouteLines(t *testing.T, out string, routes ...string) {
	t.Helper()
	for _, r := range routes {
		method, path, _ := strings.Cut(r, " ")
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(method) + `\s+\S*` + regexp.QuoteMeta(path) + `(\s|$)`)
		if !re.MatchString(out) {
			t.Errorf("route table has no line for %s %s:\n%s", method, path, out)
		}
	}
}

// TestValidateGood: validate prints the route table and exits 0.
func TestValidateGood(t *testing.T) {
	jsonTemplate := `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "json"}},
    "Hello": {"Type": "AWS::ApiGateway::Resource",
      "Properties": {"RestApiId": {"Ref": "Api"}, "ParentId": {"Fn::GetAtt": ["Api", "RootResourceId"]}, "PathPart": "hello"}},
    "HelloGet": {"Type": "AWS::ApiGateway::Method",
      "Properties": {"RestApiId": {"Ref": "Api"}, "ResourceId": {"Ref": "Hello"}, "HttpMethod": "GET", "AuthorizationType": "NONE",
        "Integration": {"Type": "MOCK", "RequestTemplates": {"application/json": "{\"statusCode\": 200}"},
          "IntegrationResponses": [{"StatusCode": 200, "ResponseTemplates": {"application/json": "{\"hello\":\"json\"}"}}]},
        "MethodResponses": [{"StatusCode": 200}]}},
    "Deployment": {"Type": "AWS::ApiGateway::Deployment", "DependsOn": "HelloGet",
      "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "v1"}}
  }
}
`
	jsonFile := writeFile(t, "hello.json", jsonTemplate)
	cases := []struct {
		name     string
		template string
		args     []string
		routes   []string
	}{
		{"microservices", example("microservices.yaml"), nil,
			[]string{"ANY /prod/users", "ANY /prod/users/{userId}", "ANY /prod/orders", "ANY /prod/orders/{proxy+}", "GET /prod/v1/users", "GET /prod/v2/users"}},
		{"microservices with --param", example("microservices.yaml"), []string{"--param", "UsersServiceUrl=http://10.0.0.1:8000", "--param", "OrdersServiceUrl=https://orders.example.com"},
			[]string{"ANY /prod/users"}},
		{"cors-mock", example("cors-mock.yaml"), nil, []string{"GET /prod/users", "OPTIONS /prod/users"}},
		{"users-api", example("users-api.yaml"), nil, []string{"GET /prod/users", "POST /prod/users"}},
		{"routing", testdata("routing.yaml"), []string{"--param", "BackendUrl=http://127.0.0.1:1"},
			[]string{"GET /prod/users", "POST /prod/users", "GET /prod/users/{id}"}},
		{"precedence", testdata("precedence.yaml"), []string{"--param", "BackendUrl=http://127.0.0.1:1"},
			[]string{"GET /prod/users/admin", "PATCH /prod/users/me", "ANY /prod/files/{proxy+}", "GET /prod/{proxy+}", "POST /prod/{proxy+}"}},
		{"mapping", testdata("mapping.yaml"), []string{"--param", "BackendUrl=http://127.0.0.1:1"},
			[]string{"GET /prod/items", "POST /prod/items", "GET /prod/status/{code}", "GET /prod/mock-ok"}},
		{"stage variables", testdata("stagevars.yaml"), []string{"--param", "ProdHost=127.0.0.1:1", "--param", "BetaHost=127.0.0.1:2"},
			[]string{"GET /prod/pets", "GET /beta/pets", "GET /prod/plain", "GET /beta/plain"}},
		{"two apis", testdata("two-apis.yaml"), []string{"--param", "BackendUrl=http://127.0.0.1:1"},
			[]string{"GET /prod/who", "GET /onlyb/who"}},
		{"json", jsonFile, nil, []string{"GET /v1/hello"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runValidate(t, c.template, c.args...)
			if code != 0 {
				t.Fatalf("validate exited %d, want 0\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			assertRouteLines(t, stdout, c.routes...)
			if strings.Contains(stderr, "error") {
				t.Errorf("validate of a good template printed errors:\n%s", stderr)
			}
		})
	}
}

// brokenCase is a template that cannot be served, and what its error must
// name: a line of stderr that has FILE:LINE: for one of lines and every word.
type brokenCase struct {
	name    string
	content string
	lines   func(content string) []int
	words   []string
	args    []string
}

const brokenHead = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: broken
  Users:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: users
`

const goodMethod = `  UsersGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '{"statusCode": 200}'
        IntegrationResponses:
          - StatusCode: 200
      MethodResponses:
        - StatusCode: 200
`

const goodDeployment = `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: UsersGet
    Properties:
      RestApiId: !Ref Api
      StageName: prod
`

func brokenCases(t *testing.T) []brokenCase {
	at := func(marks ...string) func(string) []int {
		return func(content string) []int {
			var ls []int
			for _, m := range marks {
				ls = append(ls, lineOf(t, content, m))
			}
			return ls
		}
	}
	return []brokenCase{
		{
			name:    "YAML syntax error",
			content: brokenHead + "      Description: a: b\n" + goodMethod + goodDeployment,
			lines:   at("Description: a: b"),
			words:   nil,
		},
		{
			name: "unknown !Ref",
			content: brokenHead + goodMethod + goodDeployment + `  Orders:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref NoSuchResource
      PathPart: orders
`,
			lines: at("ParentId: !Ref NoSuchResource"),
			words: []string{"Orders", "ParentId", "NoSuchResource"},
		},
		{
			name: "Method without Integration",
			content: brokenHead + `  UsersGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
` + goodDeployment,
			lines: resourceBlock(t, "UsersGet"),
			words: []string{"UsersGet", "Integration"},
		},
		{
			name: "{proxy+} not last",
			content: brokenHead + goodMethod + goodDeployment + `  Proxy:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Users
      PathPart: '{proxy+}'
  Child:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Proxy
      PathPart: details
`,
			lines: at("  Child:", "ParentId: !Ref Proxy", "PathPart: details"),
			words: []string{"Child", "{proxy+}"},
		},
		{
			name: "CacheClusterEnabled on a Deployment",
			content: brokenHead + goodMethod + `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: UsersGet
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      CacheClusterEnabled: true
`,
			lines: at("CacheClusterEnabled: true"),
			words: []string{"Deployment", "CacheClusterEnabled"},
		},
		{
			// A method whose authorizer is not there is refused rather than
			// served open (DESIGN.md: fail closed).
			name:    "AuthorizationType CUSTOM with an unknown authorizer",
			content: brokenHead + strings.Replace(goodMethod, "AuthorizationType: NONE", "AuthorizationType: CUSTOM\n      AuthorizerId: nope", 1) + goodDeployment,
			lines:   at("AuthorizerId: nope"),
			words:   []string{"UsersGet", "AuthorizerId", "is not an Authorizer of this template"},
		},
		{
			name: "unsupported resource type",
			content: brokenHead + goodMethod + goodDeployment + `  Thing:
    Type: AWS::Foo::Bar
    Properties:
      Size: 1
`,
			lines: at("  Thing:", "Type: AWS::Foo::Bar"),
			words: []string{"Thing", "AWS::Foo::Bar"},
		},
		{
			name: "Resource without PathPart",
			content: brokenHead + goodMethod + goodDeployment + `  Orders:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
`,
			lines: resourceBlock(t, "Orders"), // a missing property has no line of its own
			words: []string{"Orders", "PathPart"},
		},
		{
			name: "parameter without a value",
			content: strings.Replace(brokenHead, "Resources:\n", "Parameters:\n  BackendUrl:\n    Type: String\nResources:\n", 1) + `  UsersGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: GET
        Uri: !Sub '${BackendUrl}/users'
` + goodDeployment,
			lines: at("  BackendUrl:", "Uri: !Sub '${BackendUrl}/users'"),
			words: []string{"BackendUrl"},
		},
	}
}

// resourceBlock gives the lines of a resource, from its logical ID to its
// last property.
func resourceBlock(t *testing.T, id string) func(string) []int {
	return func(content string) []int {
		first := lineOf(t, content, "\n  "+id+":\n") + 1
		lines := strings.Split(content, "\n")
		out := []int{first}
		for n := first + 1; n <= len(lines); n++ {
			l := lines[n-1]
			if !strings.HasPrefix(l, "    ") {
				break
			}
			out = append(out, n)
		}
		return out
	}
}

// TestValidateBroken: validate exits 1 and names the logical ID, the
// property and the line of each problem; serve exits 1 without listening.
func TestValidateBroken(t *testing.T) {
	for _, c := range brokenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			file := writeFile(t, "broken.yaml", c.content)
			lines := c.lines(c.content)
			stdout, stderr, code := runValidate(t, file, c.args...)
			if code != 1 {
				t.Errorf("validate exited %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
			assertErrorLine(t, stderr, "broken.yaml", lines, c.words)

			_, serr := runServeExpectFail(t, file, c.args...)
			assertErrorLine(t, serr, "broken.yaml", lines, c.words)
		})
	}
}

// assertErrorLine wants one line of out with "FILE:N:" for one of lines
// and every word.
func assertErrorLine(t *testing.T, out, file string, lines []int, words []string) {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		okLine := false
		for _, n := range lines {
			if strings.Contains(l, fmt.Sprintf("%s:%d:", file, n)) {
				okLine = true
			}
		}
		if !okLine {
			continue
		}
		all := true
		for _, w := range words {
			if !strings.Contains(l, w) {
				all = false
			}
		}
		if all {
			return
		}
	}
	t.Errorf("no error line with %s:LINE: (LINE one of %v) naming %q:\n%s", file, lines, words, out)
}

// TestParamOverride: --param gives a parameter its value; a parameter with
// neither a Default nor --param is an error; a --param changes what serve does.
func TestParamOverride(t *testing.T) {
	stdout, stderr, code := runValidate(t, testdata("routing.yaml"))
	if code != 1 || !strings.Contains(stderr, "BackendUrl") {
		t.Errorf("validate without the BackendUrl value: exit %d, want 1 and an error naming BackendUrl\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	runServeExpectFail(t, testdata("routing.yaml"))

	_, stderr, code = runValidate(t, testdata("routing.yaml"), "--param", "BackendUrl=http://127.0.0.1:1")
	if code != 0 {
		t.Errorf("validate with --param: exit %d, want 0\n%s", code, stderr)
	}

	// The microservices defaults point at 127.0.0.1:9001/9002; --param moves
	// one service and leaves the other at its default.
	users := newBackend(t, "users", nil)
	in := startAPIGW(t, example("microservices.yaml"), "--param", "UsersServiceUrl="+users.URL)
	assertStatusBody(t, get(t, in.URL("/prod/users")), 200, echoBody("users", "GET", "/users"))
}

// TestParamErrors: CloudFormation refuses a parameter the template does not
// declare and a value outside AllowedValues; a missing template file is an
// error naming it; a busy --addr makes serve exit 1.
func TestParamErrors(t *testing.T) {
	t.Run("undeclared parameter", func(t *testing.T) {
		_, stderr, code := runValidate(t, testdata("routing.yaml"), "--param", "BackendUrl=http://127.0.0.1:1", "--param", "BackendURL=http://127.0.0.1:2")
		if code != 1 || !strings.Contains(stderr, "BackendURL") {
			t.Errorf("--param for an undeclared parameter: exit %d, want 1 and an error naming BackendURL\n%s", code, stderr)
		}
	})
	t.Run("AllowedValues", func(t *testing.T) {
		content := `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Mode:
    Type: String
    Default: NONE
    AllowedValues: [NONE, OTHER]
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Ref Mode
  Hello:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: hello}
  HelloGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Hello
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: HelloGet
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
		file := writeFile(t, "allowed.yaml", content)
		if _, stderr, code := runValidate(t, file, "--param", "Mode=OTHER"); code != 0 {
			t.Errorf("an allowed value: exit %d\n%s", code, stderr)
		}
		_, stderr, code := runValidate(t, file, "--param", "Mode=WRONG")
		if code != 1 {
			t.Errorf("a value outside AllowedValues: exit %d, want 1\n%s", code, stderr)
		}
		assertErrorLine(t, stderr, "allowed.yaml", []int{lineOf(t, content, "  Mode:"), lineOf(t, content, "AllowedValues")}, []string{"Mode"})
	})
	t.Run("missing template", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.yaml")
		_, stderr, code := runValidate(t, missing)
		if code != 1 || !strings.Contains(stderr, "nope.yaml") {
			t.Errorf("validate of a missing file: exit %d, want 1 and an error naming it\n%s", code, stderr)
		}
	})
	t.Run("address in use", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, _, code := runCLI(t, "serve", "--addr", l.Addr().String(), "--admin-addr", "127.0.0.1:0", "--data", t.TempDir(),
			"--param", "BackendUrl=http://127.0.0.1:1", testdata("routing.yaml"))
		if code != 1 {
			t.Errorf("serve on a busy --addr: exit %d, want 1", code)
		}
	})
}

// TestAdminEndpoints: /healthz answers 200; /metrics is Prometheus text
// with apigw_requests_total.
func TestAdminEndpoints(t *testing.T) {
	be := newBackend(t, "backend", nil)
	in := startAPIGW(t, testdata("routing.yaml"), "--param", "BackendUrl="+be.URL)

	r := get(t, in.AdminURL+"/healthz")
	if r.Status != 200 {
		t.Errorf("/healthz: %d, want 200\n%s", r.Status, r)
	}
	// Some traffic, then the counter.
	get(t, in.URL("/prod/users"))
	get(t, in.URL("/prod/nope"))
	r = get(t, in.AdminURL+"/metrics")
	if r.Status != 200 {
		t.Fatalf("/metrics: %d\n%s", r.Status, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q, want text/plain (Prometheus text format)", ct)
	}
	m := regexp.MustCompile(`(?m)^apigw_requests_total(\{[^}]*\})? ([0-9.e+]+)$`).FindAllStringSubmatch(string(r.Body), -1)
	if len(m) == 0 {
		t.Fatalf("/metrics has no apigw_requests_total sample:\n%s", clip(string(r.Body), 3000))
	}
	var total float64
	for _, s := range m {
		var v float64
		fmt.Sscan(s[2], &v)
		total += v
	}
	if total < 2 {
		t.Errorf("apigw_requests_total sums to %v after 2 requests", total)
	}
	// The admin listener is not the data plane.
	if r := get(t, in.AdminURL+"/prod/users"); r.Status == 200 && string(r.Body) == echoBody("backend", "GET", "/users-get") {
		t.Errorf("the admin listener serves the APIs")
	}
}

// TestGracefulShutdown: SIGTERM lets a request in flight finish, then apigw
// exits 0 and stops listening.
func TestGracefulShutdown(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	be := newBackend(t, "backend", func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-time.After(5 * time.Second):
		}
		w.Write([]byte("finished"))
	})
	in := startAPIGW(t, testdata("routing.yaml"), "--param", "BackendUrl="+be.URL)

	type result struct {
		r   *response
		err error
	}
	res := make(chan result, 1)
	go func() {
		r, err := send(req{URL: in.URL("/prod/users")})
		res <- result{r, err}
	}()
	select {
	case <-arrived:
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the backend")
	}
	stopped := make(chan [2]any, 1)
	go func() {
		code, err := in.Stop()
		stopped <- [2]any{code, err}
	}()
	time.Sleep(300 * time.Millisecond) // apigw has the signal; the request is still in flight
	select {
	case s := <-stopped:
		t.Errorf("apigw exited (%v) with a request in flight", s)
	default:
	}
	close(release)
	got := <-res
	if got.err != nil {
		t.Fatalf("in-flight request failed during shutdown: %v", got.err)
	}
	assertStatusBody(t, got.r, 200, "finished")
	s := <-stopped
	if s[1] != nil || s[0] != 0 {
		t.Errorf("after SIGTERM: exit %v (%v), want 0", s[0], s[1])
	}
	if c, err := net.DialTimeout("tcp", in.Addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after shutdown", in.Addr)
	}
}

// TestCLIHelp: -h, -help and --help after serve or validate print the
// command's usage with its flags to stdout and exit 0, as a user who asks
// for help expects; a flag that does not exist still exits 2 with the
// error and the usage on stderr.
func TestCLIHelp(t *testing.T) {
	flags := []string{"-addr HOST:PORT", "-admin-addr HOST:PORT", "-param NAME=VALUE", "-config FILE", "-data DIR", "-log-level"}
	cases := []struct {
		args []string
		cmd  string
	}{
		{[]string{"serve", "-h"}, "serve"},
		{[]string{"serve", "--help"}, "serve"},
		{[]string{"serve", "-help"}, "serve"},
		{[]string{"validate", "-h"}, "validate"},
		{[]string{"validate", "--help"}, "validate"},
		{[]string{"serve", "--addr", "127.0.0.1:0", "-h", "examples/users-api.yaml"}, "serve"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			stdout, stderr, code := runCLI(t, c.args...)
			if code != 0 {
				t.Errorf("exit %d, want 0", code)
			}
			if want := "Usage: apigw " + c.cmd + " [flags] TEMPLATE"; !strings.HasPrefix(stdout, want) {
				t.Errorf("stdout does not start with %q", want)
			}
			for _, f := range flags {
				if !strings.Contains(stdout, f) {
					t.Errorf("stdout does not list the flag %q", f)
				}
			}
			if strings.Contains(stdout+stderr, "help requested") {
				t.Errorf("printed flag's \"help requested\" error")
			}
			if stderr != "" {
				t.Errorf("stderr is not empty")
			}
			if t.Failed() {
				t.Logf("apigw %s\n--- stdout ---\n%s--- stderr ---\n%s", strings.Join(c.args, " "), stdout, stderr)
			}
		})
	}
	t.Run("unknown flag", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, "serve", "-nope", "examples/users-api.yaml")
		if code != 2 || stdout != "" || !strings.Contains(stderr, "flag provided but not defined: -nope") ||
			!strings.Contains(stderr, "Usage: apigw serve [flags] TEMPLATE") || !strings.Contains(stderr, "-admin-addr") {
			t.Errorf("serve -nope: exit %d, want 2 with the error and the usage on stderr only\n--- stdout ---\n%s--- stderr ---\n%s", code, stdout, stderr)
		}
	})
}
