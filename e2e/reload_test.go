package e2e

// Hot reload of `apigw serve`: it watches the template, the --config file and
// the functions' local code (a burst of changes coalesces into one reload
// after a quiet window of about 250 ms); SIGHUP and POST /reload on the
// admin listener reload too. A reload that fails leaves the old
// configuration serving; one that succeeds swaps it atomically, keeps the
// warm instances of functions that did not change and replaces those that
// did. GET /reload on the admin listener describes the last attempt.
//
// Every template is written into t.TempDir() and edited there. Everything
// here is prefixed with rl so that it cannot collide with the rest of the
// package.

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// ---------------------------------------------------------------------------
// templates

// rlRoute is a GET /prod/<path> method with a MOCK integration answering
// 200 and body.
type rlRoute struct {
	path string // one path segment, letters and digits
	body string // JSON, without single quotes
}

// rlID is a logical ID part made of a path segment: "new1" -> "New1".
func rlID(path string) string { return strings.ToUpper(path[:1]) + path[1:] }

// rlMockTemplate is a REST API with stage prod serving routes.
func rlMockTemplate(routes ...rlRoute) string {
	var b strings.Builder
	b.WriteString(`# apigw hot reload e2e test (e2e/reload_test.go)
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: reload}
`)
	var methods []string
	for _, r := range routes {
		id := rlID(r.path)
		fmt.Fprintf(&b, `  Res%[1]s:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: %[2]s}
  Get%[1]s:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Res%[1]s
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            ResponseTemplates: {application/json: '%[3]s'}
      MethodResponses: [{StatusCode: 200}]
`, id, r.path, r.body)
		methods = append(methods, "Get"+id)
	}
	fmt.Fprintf(&b, `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [%s]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`, strings.Join(methods, ", "))
	return b.String()
}

// rlFn is a python function, with an ANY /prod/<route> AWS_PROXY method
// when route is not "".
type rlFn struct {
	id      string // logical ID
	route   string
	runtime string // "" is python3.12
	code    string // inline code (Code.ZipFile), or
	codeURI string // Code: <codeURI> (a folder or .zip next to the template)
	env     map[string]string
	timeout int // 0: no Timeout property
}

// rlFnTemplate is a REST API (stage prod) calling fns.
func rlFnTemplate(fns ...rlFn) string {
	var b strings.Builder
	b.WriteString(`# apigw hot reload e2e test (e2e/reload_test.go)
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  LambdaRole: # AWS requires a role for every function; apigw accepts it and ignores it
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: 'sts:AssumeRole'}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: reload-functions}
`)
	var methods []string
	for _, f := range fns {
		if f.route != "" {
			fmt.Fprintf(&b, `  Res%[1]s:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: %[2]s}
  Any%[1]s:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Res%[1]s
      HttpMethod: ANY
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${%[1]s.Arn}/invocations'
`, f.id, f.route)
			methods = append(methods, "Any"+f.id)
		}
		runtime := f.runtime
		if runtime == "" {
			runtime = "python3.12"
		}
		fmt.Fprintf(&b, `  %s:
    Type: AWS::Lambda::Function
    Properties:
      Role: !GetAtt LambdaRole.Arn
      Runtime: %s
      Handler: index.handler
`, f.id, runtime)
		if f.timeout > 0 {
			fmt.Fprintf(&b, "      Timeout: %d\n", f.timeout)
		}
		if len(f.env) > 0 {
			b.WriteString("      Environment:\n        Variables:\n")
			for _, k := range slices.Sorted(maps.Keys(f.env)) {
				fmt.Fprintf(&b, "          %s: %q\n", k, f.env[k])
			}
		}
		if f.codeURI != "" {
			fmt.Fprintf(&b, "      Code: %s\n", f.codeURI)
		} else {
			b.WriteString("      Code:\n        ZipFile: |\n")
			for line := range strings.SplitSeq(strings.TrimRight(f.code, "\n"), "\n") {
				if line == "" {
					b.WriteString("\n")
				} else {
					b.WriteString("          " + line + "\n")
				}
			}
		}
	}
	fmt.Fprintf(&b, `  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [%s]
    Properties: {RestApiId: !Ref Api, StageName: prod}
`, strings.Join(methods, ", "))
	return b.String()
}

// rlPyCode is a python handler answering 200 with rlAnswer's JSON: which
// function and code version answers, its pid, the MARK environment
// variable and the remaining time. ?sleep=S sleeps S seconds first.
func rlPyCode(fn, version string) string {
	return fmt.Sprintf(`import json
import os
import time


def handler(event, context):
    q = event.get("queryStringParameters") or {}
    if "sleep" in q:
        time.sleep(float(q["sleep"]))
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"fn": %q, "version": %q, "pid": os.getpid(),
                                "mark": os.environ.get("MARK"),
                                "remainingMs": context.get_remaining_time_in_millis()})}
`, fn, version)
}

// rlAnswer is what rlPyCode's handler answers.
type rlAnswer struct {
	Fn          string  `json:"fn"`
	Version     string  `json:"version"`
	Pid         int     `json:"pid"`
	Mark        *string `json:"mark"`
	RemainingMs float64 `json:"remainingMs"`
}

// rlDecodeAnswer reads an rlAnswer from a 200 response.
func rlDecodeAnswer(r *response) (rlAnswer, error) {
	var a rlAnswer
	if r.Status != http.StatusOK {
		return a, fmt.Errorf("got %d, want 200\n%s", r.Status, r)
	}
	if err := json.Unmarshal(r.Body, &a); err != nil || a.Pid <= 0 {
		return a, fmt.Errorf("not a function answer (%v): %s", err, clip(string(r.Body), 500))
	}
	return a, nil
}

// rlCall calls a function through its route (GET /prod/<route><query>).
func rlCall(t *testing.T, in *Instance, route, query string) rlAnswer {
	t.Helper()
	a, err := rlDecodeAnswer(get(t, in.URL("/prod/"+route+query)))
	if err != nil {
		t.Fatalf("GET /prod/%s%s: %v", route, query, err)
	}
	return a
}

// rlInvoke calls a function through the Invoke API; the payload is the
// proxy response, whose body is the rlAnswer.
func rlInvoke(t *testing.T, in *Instance, name string) rlAnswer {
	t.Helper()
	r := rtInvoke(t, in, name, "{}", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("invoke %s: got %d, want 200\n%s", name, r.Status, r)
	}
	var proxy struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(r.Body, &proxy); err != nil || proxy.StatusCode != 200 {
		t.Fatalf("invoke %s: payload is not the function's 200 proxy response (%v): %s", name, err, r.Body)
	}
	a, err := rlDecodeAnswer(&response{Status: 200, Body: []byte(proxy.Body)})
	if err != nil {
		t.Fatalf("invoke %s: %v", name, err)
	}
	return a
}

// rlLineOf is the 1-based line of the first occurrence of sub in s.
func rlLineOf(t *testing.T, s, sub string) int {
	t.Helper()
	i := strings.Index(s, sub)
	if i < 0 {
		t.Fatalf("%q is not in the template", sub)
	}
	return strings.Count(s[:i], "\n") + 1
}

// rlReplace replaces old (which must occur) with new in s.
func rlReplace(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("%q is not in the template", old)
	}
	return strings.Replace(s, old, new, 1)
}

// ---------------------------------------------------------------------------
// editing files

// rlWriteInPlace rewrites path in place (truncate and write), as
// os.WriteFile and many editors do.
func rlWriteInPlace(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rlWriteAtomic writes a temporary file next to path and renames it over
// path, as editors that save atomically do.
func rlWriteAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// rlZipBytes is a .zip holding one file.
func rlZipBytes(t *testing.T, name, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: name, Method: zip.Deflate}
	hdr.SetMode(0o644)
	w, err := zw.CreateHeader(hdr)
	if err == nil {
		_, err = w.Write([]byte(content))
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---------------------------------------------------------------------------
// what apigw says about reloads

// rlState is GET /reload's answer, and /healthz's lastReload.
type rlState struct {
	Generation int      `json:"generation"`
	OK         *bool    `json:"ok"`
	At         string   `json:"at"`
	Errors     []string `json:"errors"`
}

func (s rlState) String() string {
	b, _ := json.Marshal(s)
	return string(b)
}

// rlGetState is GET /reload on the admin listener (200, JSON).
func rlGetState(t *testing.T, in *Instance) rlState {
	t.Helper()
	r := get(t, in.AdminURL+"/reload")
	if r.Status != http.StatusOK {
		t.Fatalf("GET /reload: got %d, want 200\n%s", r.Status, r)
	}
	var s rlState
	if err := json.Unmarshal(r.Body, &s); err != nil {
		t.Fatalf("GET /reload: not JSON (%v)\n%s", err, r)
	}
	if s.OK == nil {
		t.Fatalf("GET /reload: no \"ok\" in %s", r.Body)
	}
	if s.Generation < 1 {
		t.Fatalf("GET /reload: generation %d, want >= 1: %s", s.Generation, r.Body)
	}
	return s
}

// rlPollState polls GET /reload for up to 2 s until cond holds and returns
// the last state.
func rlPollState(t *testing.T, in *Instance, cond func(rlState) bool) rlState {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := rlGetState(t, in)
		if cond(s) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rlAssertStateOK checks that GET /reload reports a good last attempt.
func rlAssertStateOK(t *testing.T, in *Instance, generation int) rlState {
	t.Helper()
	// The state may be recorded a moment after the new configuration serves.
	s := rlPollState(t, in, func(s rlState) bool {
		return *s.OK && len(s.Errors) == 0 && (generation == 0 || s.Generation == generation)
	})
	if !*s.OK || len(s.Errors) != 0 || (generation > 0 && s.Generation != generation) {
		t.Errorf("GET /reload = %s, want ok true, no errors, generation %d (0: any)", s, generation)
	}
	return s
}

// rlAssertStateFailed checks that GET /reload reports a failed last attempt
// with errors (exactly want when not nil), at a time that parses as RFC 3339
// and is recent.
func rlAssertStateFailed(t *testing.T, in *Instance, want []string) rlState {
	t.Helper()
	// The state may be recorded a moment after the failure is logged.
	s := rlPollState(t, in, func(s rlState) bool { return !*s.OK })
	if *s.OK || len(s.Errors) == 0 {
		t.Errorf("GET /reload = %s, want ok false with errors", s)
	}
	if want != nil && !slices.Equal(s.Errors, want) {
		t.Errorf("GET /reload errors:\n  %s\nwant (apigw validate's):\n  %s", strings.Join(s.Errors, "\n  "), strings.Join(want, "\n  "))
	}
	at, err := time.Parse(time.RFC3339, s.At)
	if err != nil {
		t.Errorf("GET /reload at = %q, not an RFC 3339 time: %v", s.At, err)
	} else if d := time.Since(at); d > time.Minute || d < -time.Minute {
		t.Errorf("GET /reload at = %s, %v away from now", s.At, d)
	}
	return s
}

// rlHealth is /healthz: its status and lastReload (nil when absent).
func rlHealth(t *testing.T, in *Instance) (int, *rlState) {
	t.Helper()
	r := get(t, in.AdminURL+"/healthz")
	var body struct {
		LastReload *rlState `json:"lastReload"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("/healthz: not JSON (%v)\n%s", err, r)
	}
	return r.Status, body.LastReload
}

// rlPost is POST /reload on the admin listener.
type rlPost struct {
	Status     string   `json:"status"`
	Generation int      `json:"generation"`
	Errors     []string `json:"errors"`
}

func rlPostReload(t *testing.T, in *Instance) (*response, rlPost) {
	t.Helper()
	r := do(t, req{Method: http.MethodPost, URL: in.AdminURL + "/reload"})
	var p rlPost
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("POST /reload: not JSON (%v)\n%s", err, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("POST /reload: Content-Type %q, want application/json", ct)
	}
	return r, p
}

var (
	rlReloadedRE = regexp.MustCompile(`(?:^|\s)msg=reloaded(?:\s|$)`)
	rlFailedRE   = regexp.MustCompile(`(?:^|\s)msg="reload failed"(?:\s|$)`)
	rlGenRE      = regexp.MustCompile(`(?:^|\s)generation=(\d+)(?:\s|$)`)
	rlErrorRE    = regexp.MustCompile(`(?:^|\s)error=("(?:[^"\\]|\\.)*"|\S*)`)
)

// rlReloaded is the generation of each msg=reloaded log line (-1 when the
// line has none).
func rlReloaded(stderr string) []int {
	var gens []int
	for line := range strings.SplitSeq(stderr, "\n") {
		if !rlReloadedRE.MatchString(line) {
			continue
		}
		g := -1
		if m := rlGenRE.FindStringSubmatch(line); m != nil {
			g, _ = strconv.Atoi(m[1])
		}
		gens = append(gens, g)
	}
	return gens
}

// rlWaitReloaded waits up to d for at least n msg=reloaded lines (apigw
// may log the line just after the new configuration serves) and returns
// their generations.
func rlWaitReloaded(t *testing.T, in *Instance, n int, d time.Duration) []int {
	t.Helper()
	rlWaitFor(t, d, fmt.Sprintf("%d msg=reloaded log line(s)", n), func() bool { return len(rlReloaded(in.Stderr())) >= n })
	return rlReloaded(in.Stderr())
}

// rlFailures counts msg="reload failed" log lines.
func rlFailures(stderr string) int {
	n := 0
	for line := range strings.SplitSeq(stderr, "\n") {
		if rlFailedRE.MatchString(line) {
			n++
		}
	}
	return n
}

// rlLoggedErrors is the value of every error= attribute logged.
func rlLoggedErrors(stderr string) []string {
	var out []string
	for line := range strings.SplitSeq(stderr, "\n") {
		for _, m := range rlErrorRE.FindAllStringSubmatch(line, -1) {
			v := m[1]
			if strings.HasPrefix(v, `"`) {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				}
			}
			out = append(out, v)
		}
	}
	return out
}

// rlValidateErrors is what `apigw validate` prints after "error: " for a
// template that must not validate.
func rlValidateErrors(t *testing.T, template string) []string {
	t.Helper()
	_, stderr, code := runValidate(t, template)
	var errs []string
	for line := range strings.SplitSeq(stderr, "\n") {
		if e, ok := strings.CutPrefix(line, "error: "); ok {
			errs = append(errs, e)
		}
	}
	if code != 1 || len(errs) == 0 {
		t.Fatalf("test setup: apigw validate exited %d with errors %q on a template meant to be invalid\n%s", code, errs, stderr)
	}
	return errs
}

// rlWaitFailures waits up to d for more than n msg="reload failed" lines.
func rlWaitFailures(t *testing.T, in *Instance, n int, d time.Duration) {
	t.Helper()
	rlWaitFor(t, d, `new msg="reload failed" log line`, func() bool { return rlFailures(in.Stderr()) > n })
}

// rlWaitFor polls cond every 20 ms for up to d.
func rlWaitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rlWaitBody polls GET url until it answers status and body, for up to d.
// A transport error fails at once: a reload must never break serving.
func rlWaitBody(t *testing.T, url string, status int, body string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		r, err := send(req{URL: url})
		if err != nil {
			t.Fatalf("GET %s while waiting for a reload: %v", url, err)
		}
		if r.Status == status && string(r.Body) == body {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s did not answer %d %q within %v; last answer:\n%s", url, status, body, d, r)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rlAssertServes checks each route answers 200 and its body now.
func rlAssertServes(t *testing.T, in *Instance, routes ...rlRoute) {
	t.Helper()
	for _, r := range routes {
		assertStatusBody(t, get(t, in.URL("/prod/"+r.path)), http.StatusOK, r.body)
	}
}

// rlClient is an HTTP client with a transport of its own (its own
// keep-alive connection).
func rlClient() *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DisableCompression:  true,
			MaxIdleConnsPerHost: 1,
			Proxy:               nil,
		},
	}
}

// rlGet is one GET with c: status and body.
func rlGet(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(b), nil
}

// ---------------------------------------------------------------------------
// tests

// TestReloadUnderLoad: 8 clients, each on its own keep-alive connection,
// hammer a route while the template is saved twice (atomically, then in
// place) adding routes: not one request fails or gets another answer.
func TestReloadUnderLoad(t *testing.T) {
	tpl := filepath.Join(t.TempDir(), "reload.yaml")
	old := rlRoute{"old", `{"route":"old"}`}
	new1 := rlRoute{"new1", `{"route":"new1"}`}
	new2 := rlRoute{"new2", `{"route":"new2"}`}
	rlWriteInPlace(t, tpl, rlMockTemplate(old))
	in := startAPIGW(t, tpl)
	rlAssertServes(t, in, old)

	const workers = 8
	var (
		ok       atomic.Int64
		failed   atomic.Int64
		mu       sync.Mutex
		failures []string
		stop     atomic.Bool
		wg       sync.WaitGroup
	)
	url := in.URL("/prod/old")
	start := time.Now()
	defer wg.Wait()
	defer func() {
		stop.Store(true) // runs before wg.Wait, also when the test fails early
		if t.Failed() {
			t.Logf("load: %d answered right, %d failed, in %v", ok.Load(), failed.Load(), time.Since(start).Round(time.Millisecond))
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := rlClient()
			defer c.CloseIdleConnections()
			// The hard cap: whatever happens, stop after 30 s.
			for !stop.Load() && time.Since(start) < 30*time.Second {
				status, body, err := rlGet(c, url)
				if err == nil && status == http.StatusOK && body == old.body {
					ok.Add(1)
					continue
				}
				failed.Add(1)
				mu.Lock()
				if len(failures) < 10 {
					failures = append(failures, fmt.Sprintf("worker %d at %v: status %d body %q error %v",
						w, time.Since(start).Round(time.Millisecond), status, clip(body, 200), err))
				}
				mu.Unlock()
				if err != nil {
					time.Sleep(10 * time.Millisecond) // no busy loop on a dead server
				}
			}
		}()
	}
	// Let the stream get going, then edit under it.
	rlWaitFor(t, 5*time.Second, "200 answers from the load", func() bool { return ok.Load() >= 200 })

	atEdit1 := ok.Load()
	rlWriteAtomic(t, tpl, rlMockTemplate(old, new1))
	rlWaitBody(t, in.URL("/prod/new1"), 200, new1.body, 10*time.Second)
	atReload1 := ok.Load()

	rlWriteInPlace(t, tpl, rlMockTemplate(old, new1, new2))
	rlWaitBody(t, in.URL("/prod/new2"), 200, new2.body, 10*time.Second)
	atReload2 := ok.Load()

	time.Sleep(time.Second)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)

	total, bad := ok.Load()+failed.Load(), failed.Load()
	t.Logf("%d requests in %v (%d before the first edit, %d before the second reload was seen, %d after)",
		total, elapsed.Round(time.Millisecond), atEdit1, atReload2, ok.Load()-atReload2)
	if bad != 0 {
		t.Errorf("%d of %d requests failed during the reloads; first ones:\n  %s", bad, total, strings.Join(failures, "\n  "))
	}
	if total < 1000 {
		t.Errorf("only %d requests in %v, want >= 1000 (the load did not run through the reloads)", total, elapsed)
	}
	if atReload1 == atEdit1 || ok.Load() == atReload2 {
		t.Errorf("no successful request while a reload was under way or after it (counts %d, %d, %d, %d)",
			atEdit1, atReload1, atReload2, ok.Load())
	}
	rlAssertServes(t, in, old, new1, new2)
	s := rlAssertStateOK(t, in, 0)
	if s.Generation < 3 {
		t.Errorf("GET /reload generation %d after two reloads, want >= 3", s.Generation)
	}
	if gens := rlWaitReloaded(t, in, 2, 2*time.Second); !slices.Contains(gens, 2) {
		t.Errorf("msg=reloaded lines with generations %v, want two reloads from generation=2", gens)
	}
}

// TestReloadBrokenEdit: the watcher reloads an invalid template: the old
// routes keep answering, the log has "reload failed" and apigw validate's
// errors (file and line), GET /reload and /healthz report them; a fixed
// edit then reloads.
func TestReloadBrokenEdit(t *testing.T) {
	t.Parallel()
	old := rlRoute{"old", `{"route":"old"}`}
	newR := rlRoute{"new", `{"route":"new"}`}
	good := rlMockTemplate(old, newR)
	cases := []struct {
		name   string
		broken string // good, broken
		line   string // a text on the line the error must name; "" for any line
	}{
		{"missing resource", strings.Replace(good, "ResourceId: !Ref ResNew", "ResourceId: !Ref ResMissing", 1), "!Ref ResMissing"},
		{"YAML syntax error", strings.Replace(good, "PathPart: new}", "PathPart: [new}", 1), ""},
		{"duplicate method", strings.Replace(good, "PathPart: new}", "PathPart: old}", 1), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.broken == good {
				t.Fatal("test setup: the edit changed nothing")
			}
			tpl := filepath.Join(t.TempDir(), "reload.yaml")
			rlWriteInPlace(t, tpl, rlMockTemplate(old))
			in := startAPIGW(t, tpl)
			rlAssertServes(t, in, old)
			rlAssertStateOK(t, in, 1)
			if status, last := rlHealth(t, in); status != 200 || (last != nil && (last.OK == nil || !*last.OK)) {
				t.Errorf("/healthz before any reload: %d, lastReload %v; want 200 and no failed lastReload", status, last)
			}

			rlWriteInPlace(t, tpl, c.broken)
			want := rlValidateErrors(t, tpl)
			rlWaitFailures(t, in, 0, 5*time.Second)
			// The log names each error as validate does, with the file and line.
			logged := rlLoggedErrors(in.Stderr())
			for _, e := range want {
				if !slices.Contains(logged, e) {
					t.Errorf("the log has no error=%q; errors logged: %q", e, logged)
				}
			}
			fileLine := regexp.MustCompile(regexp.QuoteMeta(tpl) + `:\d+`)
			if c.line != "" {
				fileLine = regexp.MustCompile(regexp.QuoteMeta(tpl+":"+strconv.Itoa(rlLineOf(t, c.broken, c.line))) + `\b`)
			}
			if !slices.ContainsFunc(want, fileLine.MatchString) {
				t.Errorf("no error names %s: %q", fileLine, want)
			}
			if gens := rlReloaded(in.Stderr()); len(gens) != 0 {
				t.Errorf("msg=reloaded logged for a broken template (generations %v)", gens)
			}

			// The old configuration serves.
			rlAssertServes(t, in, old)
			assertMissingToken(t, get(t, in.URL("/prod/new")))
			state := rlAssertStateFailed(t, in, want)
			status, last := rlHealth(t, in)
			if status != http.StatusOK {
				t.Errorf("/healthz after a failed reload: %d, want 200 (the old configuration serves)", status)
			}
			if last == nil {
				t.Errorf("/healthz after a failed reload has no lastReload")
			} else if last.String() != state.String() {
				t.Errorf("/healthz lastReload = %s, want GET /reload's %s", last, state)
			}

			// A fixed edit reloads.
			rlWriteInPlace(t, tpl, good)
			rlWaitBody(t, in.URL("/prod/new"), 200, newR.body, 10*time.Second)
			rlAssertServes(t, in, old, newR)
			gens := rlWaitReloaded(t, in, 1, 2*time.Second)
			s := rlAssertStateOK(t, in, gens[len(gens)-1])
			if s.Generation < 2 {
				t.Errorf("generation %d after a reload, want >= 2", s.Generation)
			}
			if status, last := rlHealth(t, in); status != 200 || (last != nil && (last.OK == nil || !*last.OK)) {
				t.Errorf("/healthz after the fixed reload: %d, lastReload %v; want 200 and no failed lastReload", status, last)
			}
		})
	}
}

// TestReloadSIGHUP: with --no-watch an edit is not served until SIGHUP;
// SIGHUP reloads (and a broken edit then fails without ending apigw).
func TestReloadSIGHUP(t *testing.T) {
	t.Parallel()
	tpl := filepath.Join(t.TempDir(), "reload.yaml")
	old := rlRoute{"old", `{"route":"old"}`}
	newR := rlRoute{"new", `{"route":"new"}`}
	rlWriteInPlace(t, tpl, rlMockTemplate(old))
	in := startAPIGW(t, tpl, "--no-watch")
	rlAssertServes(t, in, old)

	rlWriteInPlace(t, tpl, rlMockTemplate(old, newR))
	rlWriteAtomic(t, tpl, rlMockTemplate(old, newR)) // both ways of saving
	// No watcher: for 1.5 s the edit is not served.
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if r := get(t, in.URL("/prod/new")); r.Status != http.StatusForbidden {
			t.Fatalf("with --no-watch, /prod/new answered %d before SIGHUP (the template was reloaded)\n%s", r.Status, r)
		}
	}
	if gens := rlReloaded(in.Stderr()); len(gens) != 0 {
		t.Fatalf("with --no-watch, msg=reloaded logged before SIGHUP (generations %v)", gens)
	}
	rlAssertServes(t, in, old)

	if err := in.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rlWaitBody(t, in.URL("/prod/new"), 200, newR.body, 5*time.Second)
	rlAssertServes(t, in, old, newR)
	if gens := rlWaitReloaded(t, in, 1, 2*time.Second); !slices.Equal(gens, []int{2}) {
		t.Errorf("msg=reloaded generations %v after one SIGHUP, want [2]", gens)
	}
	rlAssertStateOK(t, in, 2)

	// A broken edit and SIGHUP: a failed reload, apigw goes on serving.
	broken := rlReplace(t, rlMockTemplate(old, newR), "ResourceId: !Ref ResNew", "ResourceId: !Ref ResMissing")
	rlWriteInPlace(t, tpl, broken)
	want := rlValidateErrors(t, tpl)
	if err := in.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rlWaitFailures(t, in, 0, 5*time.Second)
	select {
	case <-in.exited:
		t.Fatalf("apigw exited %d after SIGHUP", in.code)
	default:
	}
	rlAssertServes(t, in, old, newR)
	rlAssertStateFailed(t, in, want)
}

// TestReloadAdminEndpoint: POST /reload on the admin listener reloads
// (with --no-watch) and reports the generation, or 400 and the errors.
func TestReloadAdminEndpoint(t *testing.T) {
	t.Parallel()
	tpl := filepath.Join(t.TempDir(), "reload.yaml")
	old := rlRoute{"old", `{"route":"old"}`}
	new1 := rlRoute{"new1", `{"route":"new1"}`}
	new2 := rlRoute{"new2", `{"route":"new2"}`}
	rlWriteInPlace(t, tpl, rlMockTemplate(old))
	in := startAPIGW(t, tpl, "--no-watch")
	rlAssertServes(t, in, old)
	rlAssertStateOK(t, in, 1)

	// A good edit.
	rlWriteInPlace(t, tpl, rlMockTemplate(old, new1))
	r, p := rlPostReload(t, in)
	if r.Status != http.StatusOK || !rtJSONEqual(r.Body, []byte(`{"status":"reloaded","generation":2}`)) {
		t.Errorf(`POST /reload after a good edit: got %d %s, want 200 {"status":"reloaded","generation":2}`, r.Status, r.Body)
	}
	// The answer comes once the new configuration serves.
	rlAssertServes(t, in, old, new1)
	rlAssertStateOK(t, in, 2)

	// A bad edit: 400, the errors, and the old configuration serves.
	broken := rlReplace(t, rlMockTemplate(old, new1, new2), "ResourceId: !Ref ResNew2", "ResourceId: !Ref ResMissing")
	rlWriteInPlace(t, tpl, broken)
	want := rlValidateErrors(t, tpl)
	for _, attempt := range []string{"first", "again"} {
		r, p = rlPostReload(t, in)
		if r.Status != http.StatusBadRequest || p.Status != "failed" || len(p.Errors) == 0 {
			t.Errorf(`POST /reload (%s) after a bad edit: got %d %s, want 400 {"status":"failed","errors":[...]}`, attempt, r.Status, r.Body)
		}
		for _, e := range p.Errors {
			if !strings.Contains(e, tpl) {
				t.Errorf("POST /reload error %q does not name the template %s", e, tpl)
			}
		}
		if !slices.Equal(p.Errors, want) {
			t.Errorf("POST /reload errors:\n  %s\nwant (apigw validate's):\n  %s", strings.Join(p.Errors, "\n  "), strings.Join(want, "\n  "))
		}
		rlAssertServes(t, in, old, new1)
		assertMissingToken(t, get(t, in.URL("/prod/new2")))
		rlAssertStateFailed(t, in, want)
	}

	// Fixed: a new generation, after 2 (failed attempts serve nothing new).
	rlWriteInPlace(t, tpl, rlMockTemplate(old, new1, new2))
	r, p = rlPostReload(t, in)
	if r.Status != http.StatusOK || p.Status != "reloaded" || p.Generation <= 2 || len(p.Errors) != 0 {
		t.Errorf(`POST /reload after the fix: got %d %s, want 200 {"status":"reloaded","generation":N>2}`, r.Status, r.Body)
	}
	rlAssertServes(t, in, old, new1, new2)
	rlAssertStateOK(t, in, p.Generation)
}

// TestReloadFunctions: a reload keeps the warm instances of a function that
// did not change, replaces one whose code or settings changed (letting its
// invocation in flight finish), stops the instances of a removed one; the
// Invoke API follows.
func TestReloadFunctions(t *testing.T) {
	rtRequireInterpreters(t)
	procs := &rtProcs{}
	procs.killOnCleanup(t)

	fnA := rlFn{id: "FnA", route: "a", code: rlPyCode("A", "a1")}
	fnB := rlFn{id: "FnB", route: "b", code: rlPyCode("B", "b1"), timeout: 3}
	tpl := filepath.Join(t.TempDir(), "reload.yaml")
	rlWriteAtomic(t, tpl, rlFnTemplate(fnA, fnB))
	in := startAPIGW(t, tpl)

	a := rlCall(t, in, "a", "")
	b := rlCall(t, in, "b", "")
	procs.add(a.Pid, b.Pid)
	if a.Version != "a1" || b.Version != "b1" || a.Pid == b.Pid {
		t.Fatalf("before any reload: A %+v, B %+v", a, b)
	}
	if got := rlInvoke(t, in, "FnB"); got.Pid != b.Pid {
		t.Fatalf("Invoke API FnB answered from pid %d, the route from %d: one warm instance expected", got.Pid, b.Pid)
	}

	// Each step edits B only; B must answer changed (check) from a new
	// instance, A from its same warm instance; B's old instances end.
	steps := []struct {
		name  string
		edit  func(*rlFn)
		check func(rlAnswer) bool
		want  string
	}{
		{"code", func(f *rlFn) { f.code = rlPyCode("B", "b2") },
			func(x rlAnswer) bool { return x.Version == "b2" }, "version b2"},
		{"environment", func(f *rlFn) { f.env = map[string]string{"MARK": "m2"} },
			func(x rlAnswer) bool { return x.Mark != nil && *x.Mark == "m2" }, "MARK m2"},
		{"timeout", func(f *rlFn) { f.timeout = 20 },
			func(x rlAnswer) bool { return x.RemainingMs > 10000 }, "remaining time over 10 s (Timeout 20)"},
	}
	for i, step := range steps {
		ok := t.Run(step.name, func(t *testing.T) {
			// An invocation of B in flight across the reload (the first step).
			var inflight chan rlAnswer
			var inflightErr chan error
			if i == 0 {
				inflight, inflightErr = make(chan rlAnswer, 1), make(chan error, 1)
				go func() {
					r, err := send(req{URL: in.URL("/prod/b?sleep=1.5")})
					if err == nil {
						var x rlAnswer
						if x, err = rlDecodeAnswer(r); err == nil {
							inflight <- x
							return
						}
					}
					inflightErr <- err
				}()
				time.Sleep(300 * time.Millisecond)
			}
			step.edit(&fnB)
			rlWriteAtomic(t, tpl, rlFnTemplate(fnA, fnB))

			oldPids := []int{b.Pid}
			deadline := time.Now().Add(15 * time.Second)
			var nb rlAnswer
			for {
				nb = rlCall(t, in, "b", "")
				procs.add(nb.Pid)
				if step.check(nb) {
					break
				}
				if !slices.Contains(oldPids, nb.Pid) {
					oldPids = append(oldPids, nb.Pid) // an old instance started while one was busy
				}
				if time.Now().After(deadline) {
					t.Fatalf("B did not answer with %s within 15 s of the edit; last answer %+v", step.want, nb)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if inflight != nil {
				select {
				case x := <-inflight:
					if x.Version != "b1" || x.Pid != b.Pid {
						t.Errorf("the invocation in flight across the reload answered %+v, want version b1 from pid %d", x, b.Pid)
					}
				case err := <-inflightErr:
					t.Errorf("the invocation of B in flight across the reload failed: %v", err)
				case <-time.After(10 * time.Second):
					t.Errorf("the invocation of B in flight across the reload did not finish")
				}
			}
			if slices.Contains(oldPids, nb.Pid) {
				t.Errorf("B answers with its change from pid %d, an instance of the old configuration (%v): not replaced", nb.Pid, oldPids)
			}
			if got := rlCall(t, in, "a", ""); got.Pid != a.Pid || got.Version != "a1" {
				t.Errorf("A answered %+v after a reload that changed only B, want version a1 from its warm pid %d", got, a.Pid)
			}
			if got := rlInvoke(t, in, "FnB"); !step.check(got) {
				t.Errorf("Invoke API FnB answered %+v, want %s", got, step.want)
			}
			if left := rtLeftOver(oldPids, 5*time.Second); len(left) != 0 {
				t.Errorf("B's replaced instances %v still run 5 s after the reload", left)
			}
			b = nb
		})
		if !ok {
			return
		}
	}

	t.Run("remove B, add C", func(t *testing.T) {
		fnC := rlFn{id: "FnC", code: rlPyCode("C", "c1")} // Invoke API only
		if r := rtInvoke(t, in, "FnC", "{}", nil); r.Status != http.StatusNotFound {
			t.Fatalf("Invoke API FnC before it is in the template: got %d, want 404\n%s", r.Status, r)
		}
		rlWriteInPlace(t, tpl, rlFnTemplate(fnA, fnC))
		rlWaitFor(t, 10*time.Second, "404 from the Invoke API for the removed FnB", func() bool {
			r, err := send(req{Method: http.MethodPost, URL: in.URL("/2015-03-31/functions/FnB/invocations"), Body: "{}"})
			if err != nil {
				t.Fatalf("invoke FnB: %v", err)
			}
			return r.Status == http.StatusNotFound
		})
		r := rtInvoke(t, in, "FnB", "{}", nil)
		if r.Status != http.StatusNotFound || r.Header.Get("x-amzn-ErrorType") != "ResourceNotFoundException" {
			t.Errorf("Invoke API FnB after its removal: got %d %q, want 404 ResourceNotFoundException\n%s",
				r.Status, r.Header.Get("x-amzn-ErrorType"), r)
		}
		assertMissingToken(t, get(t, in.URL("/prod/b")))
		if left := rtLeftOver([]int{b.Pid}, 5*time.Second); len(left) != 0 {
			t.Errorf("the removed function's instance %d (%s) still runs 5 s after the reload", b.Pid, rtCmdline(b.Pid))
		}
		c := rlInvoke(t, in, "FnC")
		procs.add(c.Pid)
		if c.Fn != "C" || c.Version != "c1" {
			t.Errorf("Invoke API FnC answered %+v, want C c1", c)
		}
		if got := rlCall(t, in, "a", ""); got.Pid != a.Pid {
			t.Errorf("A answered from pid %d after B's removal, want its warm pid %d", got.Pid, a.Pid)
		}
	})
}

// TestReloadCodeFolder: editing a function's local code (a folder next to
// the template, or a .zip) reloads it; the function answers with the new code.
func TestReloadCodeFolder(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	cases := []struct {
		name    string
		codeURI string
		write   func(t *testing.T, dir, version string) // writes the code in place
	}{
		{"folder", "./fn", func(t *testing.T, dir, version string) {
			if err := os.MkdirAll(filepath.Join(dir, "fn"), 0o755); err != nil {
				t.Fatal(err)
			}
			rlWriteInPlace(t, filepath.Join(dir, "fn", "index.py"), rlPyCode("F", version))
		}},
		{"zip", "./fn.zip", func(t *testing.T, dir, version string) {
			if err := os.WriteFile(filepath.Join(dir, "fn.zip"), rlZipBytes(t, "index.py", rlPyCode("F", version)), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			procs := &rtProcs{}
			procs.killOnCleanup(t)
			dir := t.TempDir()
			c.write(t, dir, "v1")
			tpl := filepath.Join(dir, "reload.yaml")
			rlWriteInPlace(t, tpl, rlFnTemplate(rlFn{id: "Fn", route: "fn", codeURI: c.codeURI}))
			in := startAPIGW(t, tpl)
			first := rlCall(t, in, "fn", "")
			procs.add(first.Pid)
			if first.Version != "v1" {
				t.Fatalf("before the edit: %+v, want v1", first)
			}
			// What the runtime writes next to the code (python's
			// __pycache__) is no change of the code: past the quiet window
			// the warm instance still answers.
			time.Sleep(time.Second)
			if again := rlCall(t, in, "fn", ""); again.Pid != first.Pid {
				procs.add(again.Pid)
				t.Errorf("with no edit, the function answered from pid %d 1 s after pid %d: its warm instance was replaced (reloads logged: %v)",
					again.Pid, first.Pid, rlReloaded(in.Stderr()))
			}

			c.write(t, dir, "v2")
			deadline := time.Now().Add(10 * time.Second)
			for {
				got := rlCall(t, in, "fn", "")
				procs.add(got.Pid)
				if got.Version == "v2" {
					if got.Pid == first.Pid {
						t.Errorf("v2 answered from v1's pid %d", got.Pid)
					}
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the function did not answer with its new code within 10 s of the edit: %+v", got)
				}
				time.Sleep(50 * time.Millisecond)
			}
			rlWaitReloaded(t, in, 1, 2*time.Second)
			rlAssertStateOK(t, in, 0)
		})
	}
}

// TestReloadCannotStart: a reload to a configuration that cannot start (an
// unsupported runtime, a missing code folder) fails; the old function keeps
// answering from its warm instance.
func TestReloadCannotStart(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	fn := rlFn{id: "HelloFunction", route: "hello", codeURI: "./fn"}
	cases := []struct {
		name   string
		change func(t *testing.T, dir, tpl string)
	}{
		{"runtime java21", func(t *testing.T, dir, tpl string) {
			f := fn
			f.runtime = "java21"
			rlWriteInPlace(t, tpl, rlFnTemplate(f))
		}},
		{"code folder missing", func(t *testing.T, dir, tpl string) {
			f := fn
			f.codeURI = "./no-such-folder"
			rlWriteAtomic(t, tpl, rlFnTemplate(f))
		}},
		{"code folder deleted", func(t *testing.T, dir, tpl string) {
			if err := os.RemoveAll(filepath.Join(dir, "fn")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			procs := &rtProcs{}
			procs.killOnCleanup(t)
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "fn"), 0o755); err != nil {
				t.Fatal(err)
			}
			rlWriteInPlace(t, filepath.Join(dir, "fn", "index.py"), rlPyCode("Hello", "v1"))
			tpl := filepath.Join(dir, "reload.yaml")
			rlWriteInPlace(t, tpl, rlFnTemplate(fn))
			in := startAPIGW(t, tpl)
			first := rlCall(t, in, "hello", "")
			procs.add(first.Pid)

			c.change(t, dir, tpl)
			rlWaitFailures(t, in, 0, 8*time.Second)
			s := rlAssertStateFailed(t, in, nil)
			if !slices.ContainsFunc(s.Errors, func(e string) bool { return strings.Contains(e, "HelloFunction") }) {
				t.Errorf("no reload error names the function HelloFunction: %q", s.Errors)
			}
			if gens := rlReloaded(in.Stderr()); len(gens) != 0 {
				t.Errorf("msg=reloaded logged (generations %v) for a configuration that cannot start", gens)
			}
			for range 3 {
				if got := rlCall(t, in, "hello", ""); got.Pid != first.Pid || got.Version != "v1" {
					t.Fatalf("after the failed reload the function answered %+v, want v1 from its warm pid %d", got, first.Pid)
				}
			}
			if status, last := rlHealth(t, in); status != http.StatusOK || last == nil {
				t.Errorf("/healthz after the failed reload: %d, lastReload %v; want 200 with lastReload", status, last)
			}
		})
	}
}

// TestReloadStorm: the template rewritten 20 times a second for 3 s ends in
// one reload (two or three at most) serving the last version.
func TestReloadStorm(t *testing.T) {
	tpl := filepath.Join(t.TempDir(), "reload.yaml")
	version := func(i int) rlRoute { return rlRoute{"storm", fmt.Sprintf(`{"version":%d}`, i)} }
	rlWriteInPlace(t, tpl, rlMockTemplate(version(0)))
	in := startAPIGW(t, tpl)
	rlAssertServes(t, in, version(0))

	const writes = 60 // 20 a second for 3 s
	tick := time.NewTicker(50 * time.Millisecond)
	start := time.Now()
	for i := 1; i <= writes; i++ {
		<-tick.C
		if i%2 == 0 {
			rlWriteInPlace(t, tpl, rlMockTemplate(version(i)))
		} else {
			rlWriteAtomic(t, tpl, rlMockTemplate(version(i)))
		}
	}
	tick.Stop()
	stormEnd := time.Now()
	t.Logf("%d writes in %v", writes, stormEnd.Sub(start).Round(time.Millisecond))

	last := version(writes)
	rlWaitBody(t, in.URL("/prod/storm"), 200, last.body, 2*time.Second)
	time.Sleep(time.Until(stormEnd.Add(2 * time.Second)))
	rlAssertServes(t, in, last)

	gens := rlReloaded(in.Stderr())
	if len(gens) == 0 || len(gens) > 3 {
		t.Errorf("%d msg=reloaded lines (generations %v) for a storm of %d writes, want 1 to 3: the bursts must coalesce", len(gens), gens, writes)
	}
	if n := rlFailures(in.Stderr()); n != 0 {
		t.Logf("note: %d failed reloads during the storm", n)
	}
	s := rlAssertStateOK(t, in, 0)
	if len(gens) > 0 && s.Generation != gens[len(gens)-1] {
		t.Errorf("GET /reload generation %d, the last msg=reloaded line says %d", s.Generation, gens[len(gens)-1])
	}
	if s.Generation > 4 {
		t.Errorf("generation %d after the storm, want at most 4 (start-up and three reloads)", s.Generation)
	}
}

// TestReloadHalfWritten: a template written in two parts (an invalid
// first part, the rest 600 ms later, past the quiet window) is never served
// half: the old route answers from the old configuration until the
// complete new one serves, and the end state is the whole new template.
func TestReloadHalfWritten(t *testing.T) {
	oldV1 := rlRoute{"old", `{"route":"old","v":1}`}
	oldV2 := rlRoute{"old", `{"route":"old","v":2}`}
	newR := rlRoute{"new", `{"route":"new"}`}
	full := rlMockTemplate(oldV2, newR)
	cases := []struct {
		name string
		cut  func(t *testing.T) int // the length of the first part
	}{
		{"YAML cut in a flow mapping", func(t *testing.T) int {
			return strings.Index(full, "PathPart: new}") + len("PathPart: ne")
		}},
		{"template without its Deployment", func(t *testing.T) int {
			return strings.Index(full, "  Deployment:")
		}},
		{"cut in a quoted string", func(t *testing.T) int {
			return strings.Index(full, `{"route":"new"}`) + len(`{"rou`)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			tpl := filepath.Join(dir, "reload.yaml")
			n := c.cut(t)
			if n <= 0 || n >= len(full) {
				t.Fatalf("test setup: cut at %d of %d", n, len(full))
			}
			// The first part alone must be invalid (else serving it is right).
			probe := filepath.Join(t.TempDir(), "reload.yaml")
			rlWriteInPlace(t, probe, full[:n])
			rlValidateErrors(t, probe)

			rlWriteInPlace(t, tpl, rlMockTemplate(oldV1))
			in := startAPIGW(t, tpl)
			rlAssertServes(t, in, oldV1)

			type answer struct {
				status int
				body   string
				err    error
				done   time.Time
			}
			var (
				mu      sync.Mutex
				answers []answer
				stop    atomic.Bool
				wg      sync.WaitGroup
			)
			defer wg.Wait()
			defer stop.Store(true)
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := rlClient()
				defer cl.CloseIdleConnections()
				for start := time.Now(); !stop.Load() && time.Since(start) < 30*time.Second; {
					status, body, err := rlGet(cl, in.URL("/prod/old"))
					mu.Lock()
					answers = append(answers, answer{status, body, err, time.Now()})
					mu.Unlock()
					if err != nil {
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
			time.Sleep(100 * time.Millisecond)

			// The first part, in place; 600 ms, past the quiet window.
			rlWriteInPlace(t, tpl, full[:n])
			for end := time.Now().Add(600 * time.Millisecond); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				if r := get(t, in.URL("/prod/new")); r.Status != http.StatusForbidden {
					t.Errorf("/prod/new answered %d while only the first part of the template was written\n%s", r.Status, r)
					break
				}
			}
			// The rest, appended.
			f, err := os.OpenFile(tpl, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			rest := time.Now()
			if _, err := f.WriteString(full[n:]); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			rlWaitBody(t, in.URL("/prod/new"), 200, newR.body, 10*time.Second)
			rlWaitBody(t, in.URL("/prod/old"), 200, oldV2.body, 2*time.Second)
			time.Sleep(200 * time.Millisecond)
			stop.Store(true)
			wg.Wait()

			mu.Lock()
			defer mu.Unlock()
			sawV2, before, bad := false, 0, 0
			for i, a := range answers {
				var problem string
				switch {
				case a.err != nil:
					problem = a.err.Error()
				case a.status != http.StatusOK:
					problem = fmt.Sprintf("status %d", a.status)
				case a.body == oldV2.body:
					sawV2 = true
					if a.done.Before(rest) {
						problem = "the new body before the template was complete"
					}
				case a.body == oldV1.body:
					if sawV2 {
						problem = "the old body after the new one had been served"
					}
				default:
					problem = "an unknown body"
				}
				if a.done.Before(rest) {
					before++
				}
				if problem != "" {
					bad++
					if bad <= 10 {
						t.Errorf("GET /prod/old #%d: %s: %d %q", i, problem, a.status, clip(a.body, 200))
					}
				}
			}
			if bad > 10 {
				t.Errorf("... %d bad answers in all, of %d", bad, len(answers))
			}
			if before < 20 || !sawV2 {
				t.Errorf("%d answers before the rest was written (want >= 20), new body seen: %v", before, sawV2)
			}
			rlAssertServes(t, in, oldV2, newR)
			rlAssertStateOK(t, in, 0)
			if got, err := os.ReadFile(tpl); err != nil || string(got) != full {
				t.Fatalf("test setup: the template on disk is not the whole new template (%v)", err)
			}
		})
	}
}

// TestReloadDataInsideCode: a function whose code folder holds apigw's
// --data (as with "Code: ." and the default ".apigw" when apigw runs in
// the template's folder). What apigw writes under --data (unpacked code,
// runtime files) is no change of the code: no reload, and the warm
// instance stays; a real edit still reloads.
func TestReloadDataInsideCode(t *testing.T) {
	rtRequireInterpreters(t)
	procs := &rtProcs{}
	procs.killOnCleanup(t)
	dir := t.TempDir()
	code := filepath.Join(dir, "fn")
	if err := os.MkdirAll(code, 0o755); err != nil {
		t.Fatal(err)
	}
	rlWriteInPlace(t, filepath.Join(code, "index.py"), rlPyCode("F", "v1"))
	tpl := filepath.Join(dir, "reload.yaml")
	// A second function with inline code makes apigw write code under --data.
	rlWriteInPlace(t, tpl, rlFnTemplate(rlFn{id: "Fn", route: "fn", codeURI: "./fn"}, rlFn{id: "Inline", route: "inline", code: rlPyCode("I", "v1")}))
	in := startAPIGW(t, tpl, "--data", filepath.Join(code, ".apigw"))
	first := rlCall(t, in, "fn", "")
	procs.add(first.Pid)
	procs.add(rlCall(t, in, "inline", "").Pid)
	time.Sleep(1500 * time.Millisecond)
	if again := rlCall(t, in, "fn", ""); again.Pid != first.Pid {
		procs.add(again.Pid)
		t.Errorf("with no edit, pid %d answered after pid %d (reloads: %v)", again.Pid, first.Pid, rlReloaded(in.Stderr()))
	}
	if n := rlReloaded(in.Stderr()); len(n) != 0 {
		t.Errorf("reloads without an edit: %v", n)
	}
	// A new version of the inline function is unpacked under --data, and
	// its old folder removed: one reload, and the folder function keeps
	// its warm instance.
	rlWriteInPlace(t, tpl, rlFnTemplate(rlFn{id: "Fn", route: "fn", codeURI: "./fn"}, rlFn{id: "Inline", route: "inline", code: rlPyCode("I", "v2")}))
	rlWaitFor(t, 10*time.Second, "the inline function answers v2", func() bool {
		got := rlCall(t, in, "inline", "")
		procs.add(got.Pid)
		return got.Version == "v2"
	})
	time.Sleep(1500 * time.Millisecond)
	if got := rlCall(t, in, "fn", ""); got.Pid != first.Pid {
		procs.add(got.Pid)
		t.Errorf("after an edit of another function, the folder function answered from pid %d, not its warm %d", got.Pid, first.Pid)
	}
	if n := rlReloaded(in.Stderr()); len(n) != 1 {
		t.Errorf("reloads after one edit: %v, want one", n)
	}
	rlWriteInPlace(t, filepath.Join(code, "index.py"), rlPyCode("F", "v2"))
	rlWaitFor(t, 10*time.Second, "the edited function answers v2", func() bool {
		got := rlCall(t, in, "fn", "")
		procs.add(got.Pid)
		return got.Version == "v2"
	})
}
