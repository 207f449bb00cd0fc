package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// SAM CLI's local conventions on the real binary: a samconfig.toml next to
// the template gives parameter values (--param wins, edits reload), and
// --env-vars overrides the functions' declared environment variables.

// scTemplate has a parameter without a default (Greeting), one with a
// default (StageName) and a function whose environment uses Greeting.
const scTemplate = `Parameters:
  Greeting: {Type: String}
  StageName: {Type: String, Default: prod}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: samconfig}
  Hello:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: hello}
  GetHello:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Hello
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${HelloFn.Arn}/invocations
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetHello
    Properties: {RestApiId: !Ref Api, StageName: !Ref StageName}
  HelloFn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: hello-fn
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Environment:
        Variables:
          GREETING: !Ref Greeting
          MODE: template
          COUNT: "1"
      Code:
        ZipFile: |
          import json, os
          def handler(event, context):
              env = {k: os.environ.get(k) for k in ("GREETING", "MODE", "COUNT", "EXTRA")}
              return {"statusCode": 200, "body": json.dumps(env)}
`

// scProject writes template.yaml and, when samconfig is not "", a
// samconfig.toml next to it; it returns the template's path.
func scProject(t *testing.T, samconfig string) string {
	t.Helper()
	dir := t.TempDir()
	tpl := filepath.Join(dir, "template.yaml")
	if err := os.WriteFile(tpl, []byte(scTemplate), 0o644); err != nil {
		t.Fatal(err)
	}
	if samconfig != "" {
		if err := os.WriteFile(filepath.Join(dir, "samconfig.toml"), []byte(samconfig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tpl
}

type scEnv struct {
	Greeting *string `json:"GREETING"`
	Mode     *string `json:"MODE"`
	Count    *string `json:"COUNT"`
	Extra    *string `json:"EXTRA"`
}

func scGet(t *testing.T, in *Instance, path string) scEnv {
	t.Helper()
	r := get(t, in.URL(path))
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %s", path, r)
	}
	var e scEnv
	rtDecode(t, r, &e)
	return e
}

func scStr(p *string) string {
	if p == nil {
		return "<unset>"
	}
	return *p
}

const scDeploy = `version = 0.1
[default.deploy.parameters]
stack_name = "hello"
parameter_overrides = "Greeting=\"hello from samconfig\" StageName=dev NotDeclared=1"
`

// TestSamConfigParameterOverrides: samconfig.toml's parameter_overrides
// set the parameters (a quoted value with spaces, a default replaced), a
// note says the file was read, and editing the file reloads.
func TestSamConfigParameterOverrides(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := scProject(t, scDeploy)
	in := startAPIGW(t, tpl)
	if e := scGet(t, in, "/dev/hello"); scStr(e.Greeting) != "hello from samconfig" {
		t.Errorf("GREETING = %s, want the samconfig.toml value", scStr(e.Greeting))
	}
	for _, want := range []string{"samconfig.toml read: parameter values from [default.deploy.parameters] parameter_overrides: Greeting, StageName",
		"NotDeclared: the template declares no such parameter; ignored"} {
		if err := cdkWaitLog(in, want, 5*time.Second); err != nil {
			t.Error(err)
		}
	}
	// An edit reloads; the list form is read too.
	edited := "version = 0.1\n[default.deploy.parameters]\nparameter_overrides = [\"Greeting=edited\", \"StageName=dev\"]\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(tpl), "samconfig.toml"), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for scStr(scGet(t, in, "/dev/hello").Greeting) != "edited" {
		if time.Now().After(deadline) {
			t.Fatalf("the edited samconfig.toml was not applied within 15 s\n%s", in.Stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestSamConfigParamWins: --param wins over samconfig.toml, and validate
// prints the note.
func TestSamConfigParamWins(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := scProject(t, scDeploy)
	in := startAPIGW(t, tpl, "--param", "Greeting=from the command line")
	if e := scGet(t, in, "/dev/hello"); scStr(e.Greeting) != "from the command line" {
		t.Errorf("GREETING = %s, want the --param value", scStr(e.Greeting))
	}
	out, stderr, code := runValidate(t, tpl, "--param", "StageName=qa")
	if code != 0 || !strings.Contains(out, "/qa/hello") ||
		!strings.Contains(out, "note: "+filepath.Join(filepath.Dir(tpl), "samconfig.toml")+" read: parameter values from [default.deploy.parameters] parameter_overrides: Greeting, StageName (--param wins)") {
		t.Errorf("validate: exit %d\n%s%s", code, out, stderr)
	}
}

// TestSamConfigBad: a samconfig.toml that is not TOML, or whose
// parameter_overrides cannot be read, is an error naming the file.
func TestSamConfigBad(t *testing.T) {
	for _, tc := range []struct{ name, content, want string }{
		{"not TOML", "version = 0.1\n[default.deploy.parameters\n", "samconfig.toml:2: SAM CLI's config file is not valid TOML"},
		{"a number", "[default.deploy.parameters]\nparameter_overrides = 3\n",
			`[default.deploy.parameters] parameter_overrides must be a string ("Key1=Value1 Key2=\"value with spaces\"") or a list of "Key=Value" strings, not an integer`},
		{"no Key=Value", "[default.deploy.parameters]\nparameter_overrides = \"Greeting=a b\"\n",
			`[default.deploy.parameters] parameter_overrides: "b" is not Key=Value (a value with spaces is quoted: Key="a value")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl := scProject(t, tc.content)
			_, stderr, code := runValidate(t, tpl)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("validate: exit %d, want 1 and %q:\n%s", code, tc.want, stderr)
			}
		})
	}
}

// TestEnvVarsFile: --env-vars in SAM CLI's format: "Parameters" for every
// function, a function's entry (by logical ID or function name) winning,
// only declared variables set, numbers turned into strings; edits reload.
func TestEnvVarsFile(t *testing.T) {
	rtRequireInterpreters(t)
	tpl := scProject(t, "")
	env := writeFile(t, "env.json", `{"Parameters": {"MODE": "global", "GREETING": "global", "EXTRA": "not declared"}, "HelloFn": {"MODE": "local", "COUNT": 3}}`)
	in := startAPIGW(t, tpl, "--param", "Greeting=p", "--env-vars", env)
	e := scGet(t, in, "/prod/hello")
	if scStr(e.Mode) != "local" || scStr(e.Greeting) != "global" || scStr(e.Count) != "3" || e.Extra != nil {
		t.Errorf("env: MODE=%s GREETING=%s COUNT=%s EXTRA=%s; want local, global, 3, unset", scStr(e.Mode), scStr(e.Greeting), scStr(e.Count), scStr(e.Extra))
	}
	// By function name, and reloaded when the file changes.
	if err := os.WriteFile(env, []byte(`{"hello-fn": {"MODE": "by name"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		e := scGet(t, in, "/prod/hello")
		if scStr(e.Mode) == "by name" {
			if scStr(e.Greeting) != "p" {
				t.Errorf("GREETING = %s after the edit, want the template's value p", scStr(e.Greeting))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edited --env-vars file was not applied within 15 s\n%s", in.Stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestEnvVarsBad: a file that is not SAM CLI's format is a clear error.
func TestEnvVarsBad(t *testing.T) {
	tpl := scProject(t, "")
	for _, tc := range []struct{ name, content, want string }{
		{"not JSON", `{"HelloFn": {"A": "b",}}`, "env.json:1:23: not valid JSON"},
		{"a list", `["A=b"]`, `want an object of function logical IDs (and "Parameters", for every function) to objects of variables`},
		{"flat", `{"GREETING": "x"}`, `"GREETING": want an object of variables ({"VAR": "value"}), not a string`},
		{"nested value", `{"HelloFn": {"MODE": {"a": 1}}}`, `"HelloFn": MODE: want a string (or a number or boolean), not an object`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := writeFile(t, "env.json", tc.content)
			_, stderr, code := runValidate(t, tpl, "--param", "Greeting=x", "--env-vars", env)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("validate: exit %d, want 1 and %q:\n%s", code, tc.want, stderr)
			}
		})
	}
	_, stderr, code := runValidate(t, tpl, "--param", "Greeting=x", "--env-vars", filepath.Join(t.TempDir(), "missing.json"))
	if code != 1 || !strings.Contains(stderr, "missing.json: cannot read it: no such file or directory") {
		t.Errorf("a missing file: exit %d\n%s", code, stderr)
	}
}
