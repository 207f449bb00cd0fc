package e2e

// The local Lambda runtime through API Gateway (AWS_PROXY): the guide's
// example, then one apigw serving testdata/runtime/functions.yaml, whose
// functions are python and nodejs inline code, a Go bootstrap from a folder
// and from a .zip, and local code given with --config. TestRuntimeFunctions
// runs the failure, concurrency and Invoke API cases (runtime_failures_test.go,
// runtime_concurrency_test.go, runtime_invoke_test.go) on the same apigw.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestRuntimeUsersAPI serves the guide's examples/users-api.yaml as is: its
// inline python functions run in apigw's runtime (python3 must be installed).
func TestRuntimeUsersAPI(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	in := startAPIGW(t, example("users-api.yaml"))

	t.Run("GET /prod/users", func(t *testing.T) {
		r := get(t, in.URL("/prod/users"))
		assertStatusBody(t, r, 200, `{"users": []}`)
		// No Content-Type from the function: API Gateway adds application/json.
		assertHeader(t, r.Header, "Content-Type", "application/json")
		assertAWSHeaders(t, r)
	})
	t.Run("POST /prod/users with JSON", func(t *testing.T) {
		r := do(t, req{Method: http.MethodPost, URL: in.URL("/prod/users"), Body: `{"name":"Ada"}`,
			Header: map[string]string{"Content-Type": "application/json"}})
		// json.dumps of the user with its new uuid4 id.
		want := regexp.MustCompile(`^\{"name": "Ada", "id": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"\}$`)
		if r.Status != http.StatusCreated || !want.Match(r.Body) {
			t.Errorf("got %d %s, want 201 %s\n%s", r.Status, r.Body, want, r)
		}
		assertHeader(t, r.Header, "Content-Type", "application/json")
	})
	t.Run("POST /prod/users with a body that is not JSON", func(t *testing.T) {
		r := do(t, req{Method: http.MethodPost, URL: in.URL("/prod/users"), Body: `name=Ada`,
			Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
		assertStatusBody(t, r, 400, `{"message": "body must be JSON"}`)
		if et := r.Header.Get("x-amzn-ErrorType"); et != "" {
			t.Errorf("x-amzn-ErrorType = %q on the function's own 400, want none", et)
		}
	})
}

// rtEchoFunction is one echo function of functions.yaml and what it must
// see: the event, its environment and its context object.
type rtEchoFunction struct {
	seg         string // /test/echo/{seg}/{id}
	lang        string // "lang" in its answer
	name        string // FunctionName
	handler     string // Handler (_HANDLER)
	handlerFile string // a file LAMBDA_TASK_ROOT must hold
	greeting    string // Environment.Variables.GREETING
	memory      string // MemorySize (default 128)
	timeoutMs   float64
}

var rtEchoFunctions = []rtEchoFunction{
	{"py", "python", "rt-py-echo", "index.handler", "index.py", "hello-python", "256", 5000},
	{"node", "node", "rt-node-echo", "index.handler", "index.js", "hello-node", "512", 3000},
	{"nodeasync", "node-async", "rt-node-async", "index.handler", "index.js", "hello-node-async", "384", 4000},
	{"godir", "go", "rt-go-dir", "bootstrap", "bootstrap", "hello-go-dir", "1024", 4000},
	{"gozip", "go", "rt-go-zip", "bootstrap", "bootstrap", "hello-go-zip", "640", 3000},
	{"local", "python-local", "rt-local", "app.handler", "app.py", "hello-local", "128", 6000},
}

// rtRegion is the --region of the apigw that serves functions.yaml.
const rtRegion = "us-east-1"

// TestRuntimeFunctions starts one apigw on functions.yaml and runs every
// group of cases on it, the groups in parallel.
func TestRuntimeFunctions(t *testing.T) {
	t.Parallel()
	rtRequireInterpreters(t)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "functions.yaml")
	rtCopyFile(t, rtData("functions.yaml"), tmpl, 0o644)
	// Code: ./gofn-build (a folder) and Code: ./gofn.zip, next to the template.
	build := filepath.Join(dir, "gofn-build")
	if err := os.Mkdir(build, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := rtBuildGoFunction(t, build)
	rtZip(t, filepath.Join(dir, "gofn.zip"), "bootstrap", bin, 0o755)
	// --config functions.LocalFn.code: a folder, relative to the config file.
	rtCopyFile(t, rtData("pyfn/app.py"), filepath.Join(dir, "local-code", "app.py"), 0o644)
	cfg := filepath.Join(dir, "apigw-config.yaml")
	if err := os.WriteFile(cfg, []byte("functions:\n  LocalFn: {code: ./local-code}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	if stdout, stderr, code := runValidate(t, tmpl, "--config", cfg); code != 0 {
		t.Fatalf("validate functions.yaml: exit %d\n%s%s", code, stdout, stderr)
	}
	in := startAPIGW(t, tmpl, "--config", cfg, "--region", rtRegion)

	t.Run("group", func(t *testing.T) {
		t.Run("proxy event and environment", func(t *testing.T) {
			t.Parallel()
			rtEventCases(t, in)
		})
		t.Run("failures", func(t *testing.T) {
			t.Parallel()
			rtFailureCases(t, in)
		})
		t.Run("concurrency", func(t *testing.T) {
			t.Parallel()
			rtConcurrencyCases(t, in)
		})
		t.Run("invoke api", func(t *testing.T) {
			t.Parallel()
			rtInvokeCases(t, in)
		})
	})
}

// rtEventCases: each function answers through AWS_PROXY; the event it gets
// has payload format 1.0's fields (aws-reference §3.1); its environment has
// Lambda's reserved variables (§11.2) and its context object the function's
// name, memory and remaining time.
func rtEventCases(t *testing.T, in *Instance) {
	for _, fn := range rtEchoFunctions {
		t.Run(fn.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, req{Method: http.MethodPost, URL: in.URL("/test/echo/" + fn.seg + "/42?a=1&b=two"),
				Body:   `{"hello":"world"}`,
				Header: map[string]string{"Content-Type": "application/json", "X-Test": "abc"}})
			if r.Status != 200 {
				t.Fatalf("POST /test/echo/%s/42: got %d, want 200\n%s", fn.seg, r.Status, r)
			}
			assertHeader(t, r.Header, "Content-Type", "application/json")
			assertAWSHeaders(t, r)
			var echo rtEchoBody
			rtDecode(t, r, &echo)
			if echo.Lang != fn.lang {
				t.Errorf("lang = %q, want %q (the wrong function answered)", echo.Lang, fn.lang)
			}
			var ev rtEvent
			if err := json.Unmarshal(echo.Event, &ev); err != nil {
				t.Fatalf("event: %v\n%s", err, echo.Event)
			}
			resource := "/echo/" + fn.seg + "/{id}"
			checks := []struct {
				field     string
				got, want any
			}{
				{"resource", ev.Resource, resource},
				{"path", ev.Path, "/echo/" + fn.seg + "/42"},
				{"httpMethod", ev.HTTPMethod, "POST"},
				{"pathParameters", ev.PathParameters, map[string]string{"id": "42"}},
				{"queryStringParameters", ev.QueryStringParameters, map[string]string{"a": "1", "b": "two"}},
				{"headers.X-Test", ev.Headers["X-Test"], "abc"},
				{"body", rtDeref(ev.Body), `{"hello":"world"}`},
				{"isBase64Encoded", ev.IsBase64Encoded, false},
				{"requestContext.stage", ev.RequestContext.Stage, "test"},
				{"requestContext.requestId", ev.RequestContext.RequestID, r.Header.Get("x-amzn-RequestId")},
				{"requestContext.resourcePath", ev.RequestContext.ResourcePath, resource},
				{"requestContext.httpMethod", ev.RequestContext.HTTPMethod, "POST"},
				{"requestContext.path", ev.RequestContext.Path, "/test/echo/" + fn.seg + "/42"},
			}
			for _, c := range checks {
				if !rtSame(c.got, c.want) {
					t.Errorf("event.%s = %#v, want %#v", c.field, c.got, c.want)
				}
			}

			// The environment (LDG:configuration-envvars).
			env := func(name string) string {
				if v := echo.Env[name]; v != nil {
					return *v
				}
				return "<unset>"
			}
			for _, c := range [][2]string{
				{"GREETING", fn.greeting},
				{"AWS_LAMBDA_FUNCTION_NAME", fn.name},
				{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE", fn.memory},
				{"AWS_REGION", rtRegion},
				{"_HANDLER", fn.handler},
			} {
				if got := env(c[0]); got != c[1] {
					t.Errorf("$%s = %q, want %q", c[0], got, c[1])
				}
			}
			root := env("LAMBDA_TASK_ROOT")
			if st, err := os.Stat(filepath.Join(root, fn.handlerFile)); err != nil || !st.Mode().IsRegular() {
				t.Errorf("$LAMBDA_TASK_ROOT = %q, want the folder of the function's code (with %s): %v", root, fn.handlerFile, err)
			}
			// The context object.
			if echo.Context.FunctionName != fn.name {
				t.Errorf("context function name = %q, want %q", echo.Context.FunctionName, fn.name)
			}
			if echo.Context.MemoryLimitInMB != fn.memory {
				t.Errorf("context memory limit = %q, want %q", echo.Context.MemoryLimitInMB, fn.memory)
			}
			// At most the Timeout: equal when the handler reads it within the
			// millisecond the runtime took the event.
			if ms := echo.Context.RemainingMs; ms <= 0 || ms > fn.timeoutMs {
				t.Errorf("context remaining time = %v ms, want more than 0 and no more than the Timeout (%v ms)", ms, fn.timeoutMs)
			}
			if id := echo.Context.AwsRequestID; !uuidRE.MatchString(id) {
				t.Errorf("context request id = %q, want a UUID", id)
			}

			// GET without query string nor body: those fields are null.
			r = get(t, in.URL("/test/echo/"+fn.seg+"/7"))
			if r.Status != 200 {
				t.Fatalf("GET /test/echo/%s/7: got %d, want 200\n%s", fn.seg, r.Status, r)
			}
			rtDecode(t, r, &echo)
			raw := map[string]json.RawMessage{}
			if err := json.Unmarshal(echo.Event, &raw); err != nil {
				t.Fatalf("event: %v\n%s", err, echo.Event)
			}
			for field, want := range map[string]string{
				"httpMethod": `"GET"`, "path": `"/echo/` + fn.seg + `/7"`, "pathParameters": `{"id":"7"}`,
				"queryStringParameters": `null`, "multiValueQueryStringParameters": `null`, "body": `null`,
				"stageVariables": `null`,
			} {
				got, ok := raw[field]
				if !ok || !rtJSONEqual(got, []byte(want)) {
					t.Errorf("GET event.%s = %s (present %v), want %s", field, got, ok, want)
				}
			}
		})
	}
}

func rtDeref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// rtSame compares values by their JSON.
func rtSame(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
