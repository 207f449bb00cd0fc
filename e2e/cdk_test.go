package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The CDK fixture (testdata/cdk) is a cloud assembly as `cdk synth` writes
// it for a CDK v2 app with two stacks: ApiStack (a RestApi whose GET /hello
// runs a python Lambda function from its asset folder, CDK's bootstrap
// version parameter and rule, its CDKMetadata resource and condition) and
// DataStack (a DynamoDB table, no API).
const (
	cdkAsset    = "asset.815753644287fa6c808c5741e55203cc6c1520033aad4eb43b1a2fdfb13935e2"
	cdkFunction = "HelloHandler2E4FBA4D"
)

// cdkHello is what the fixture's function answers.
type cdkHello struct {
	Greeting     string `json:"greeting"`
	Stage        string `json:"stage"`
	Path         string `json:"path"`
	Resource     string `json:"resource"`
	RequestStage string `json:"requestStage"`
	Function     string `json:"function"`
}

// copyCDKFixture copies testdata/cdk to a fresh cdk.out folder (the
// functions run in their asset folders: the repository's stays clean).
func copyCDKFixture(t *testing.T) string {
	t.Helper()
	return copyFixtureDir(t, testdata("cdk"), filepath.Join(t.TempDir(), "cdk.out"))
}

// copyFixtureDir copies the folder src to dst, without __pycache__.
func copyFixtureDir(t *testing.T, src, dst string) string {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// cdkGet calls GET /prod/hello and decodes the function's answer.
func cdkGet(t *testing.T, in *Instance) cdkHello {
	t.Helper()
	r := get(t, in.URL("/prod/hello"))
	if r.Status != http.StatusOK {
		t.Fatalf("GET /prod/hello: %s", r)
	}
	var h cdkHello
	rtDecode(t, r, &h)
	return h
}

// TestCDKServeAssembly: `apigw serve cdk.out` picks the one stack that
// declares an API, runs its function from the asset folder its
// aws:asset:path metadata names, and supplies BootstrapVersion as CDK's
// deployment does; the RestApi answers at its CDK stage.
func TestCDKServeAssembly(t *testing.T) {
	rtRequireInterpreters(t)
	dir := copyCDKFixture(t)
	in := startAPIGW(t, dir)
	h := cdkGet(t, in)
	// The function's name is the physical name CloudFormation gives it in
	// the CDK stack (AWS::StackName is the stack's name, not the folder's).
	if want := "ApiStack-" + cdkFunction; h.Function != want {
		t.Errorf("function name %q, want %q", h.Function, want)
	}
	h.Function = ""
	want := cdkHello{Greeting: "hello from cdk", Stage: "prod", Path: "/hello", Resource: "/hello", RequestStage: "prod"}
	if h != want {
		t.Errorf("GET /prod/hello answered %+v, want %+v", h, want)
	}
	if !strings.Contains(in.Stdout(), "/prod/hello") {
		t.Errorf("route table lacks /prod/hello:\n%s", in.Stdout())
	}
	if err := cdkWaitLog(in, "serving CDK stack ApiStack", 5*time.Second); err != nil {
		t.Error(err)
	}
	for _, noise := range []string{"(AWS::CDK::Metadata)", "BootstrapVersion (AWS::SSM::Parameter::Value<String>): no value"} {
		if strings.Contains(in.Stderr(), noise) {
			t.Errorf("CDK boilerplate noted: %q in\n%s", noise, in.Stderr())
		}
	}
}

// TestCDKServeTemplateFile: the stack's template file inside cdk.out is
// served with the same conventions.
func TestCDKServeTemplateFile(t *testing.T) {
	rtRequireInterpreters(t)
	dir := copyCDKFixture(t)
	in := startAPIGW(t, filepath.Join(dir, "ApiStack.template.json"))
	if h := cdkGet(t, in); h.Greeting != "hello from cdk" || h.RequestStage != "prod" {
		t.Errorf("GET /prod/hello answered %+v", h)
	}
	// validate too: routes, OK, exit 0.
	out, errOut, code := runValidate(t, filepath.Join(dir, "ApiStack.template.json"))
	if code != 0 || !strings.Contains(out, "/prod/hello") || !strings.Contains(out, "OK") {
		t.Errorf("validate: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCDKAssetReload: editing the function's code in its asset folder (as
// `cdk synth` or `cdk watch` rewrites it) reloads it.
func TestCDKAssetReload(t *testing.T) {
	rtRequireInterpreters(t)
	dir := copyCDKFixture(t)
	in := startAPIGW(t, dir)
	if h := cdkGet(t, in); h.Greeting != "hello from cdk" {
		t.Fatalf("before the edit: %+v", h)
	}
	code := filepath.Join(dir, cdkAsset, "index.py")
	data, err := os.ReadFile(code)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `os.environ.get("GREETING", "")`, `"edited"`, 1)
	if err := os.WriteFile(code, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		if h := cdkGet(t, in); h.Greeting == "edited" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edited asset code was not served within 15 s\n%s", in.Stderr())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCDKSeveralStacks: when several stacks declare APIs, apigw names them
// and the template file to give for each; nothing is served.
func TestCDKSeveralStacks(t *testing.T) {
	dir := copyCDKFixture(t)
	// The DataStack gets an API too.
	var tpl map[string]any
	data, err := os.ReadFile(filepath.Join(dir, "DataStack.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	tpl["Resources"].(map[string]any)["OtherApi"] = map[string]any{"Type": "AWS::ApiGateway::RestApi", "Properties": map[string]any{"Name": "other"}}
	data, _ = json.Marshal(tpl)
	if err := os.WriteFile(filepath.Join(dir, "DataStack.template.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runValidate(t, dir)
	if code != 1 {
		t.Fatalf("validate exit %d, want 1\n%s", code, stderr)
	}
	for _, want := range []string{
		"2 stacks of the CDK cloud assembly declare APIs (ApiStack, DataStack)",
		"give its template file in place of the folder",
		"ApiStack: " + filepath.Join(dir, "ApiStack.template.json"),
		"DataStack: " + filepath.Join(dir, "DataStack.template.json"),
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	_, stderr = runServeExpectFail(t, dir)
	if !strings.Contains(stderr, "declare APIs") {
		t.Errorf("serve: %s", stderr)
	}
	// Naming one stack's template serves it.
	out, stderr, code := runValidate(t, filepath.Join(dir, "ApiStack.template.json"))
	if code != 0 {
		t.Errorf("validate ApiStack.template.json: exit %d\n%s%s", code, out, stderr)
	}
}

// TestCDKMissingAsset: an asset folder that is gone is an error at the
// function's aws:asset:path metadata.
func TestCDKMissingAsset(t *testing.T) {
	dir := copyCDKFixture(t)
	if err := os.RemoveAll(filepath.Join(dir, cdkAsset)); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runValidate(t, dir)
	if code != 1 {
		t.Fatalf("validate exit %d, want 1\n%s", code, stderr)
	}
	want := cdkFunction + ".Metadata.aws:asset:path: the function's CDK asset " + cdkAsset + " is not in " + dir
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "ApiStack.template.json:") {
		t.Errorf("stderr lacks %q (with the template's file and line):\n%s", want, stderr)
	}
}

// TestCDKEnvVars: --env-vars overrides a CDK function's declared variables
// by logical ID.
func TestCDKEnvVars(t *testing.T) {
	rtRequireInterpreters(t)
	dir := copyCDKFixture(t)
	env := writeFile(t, "env.json", `{"`+cdkFunction+`": {"GREETING": "hi from env-vars"}, "Parameters": {"STAGE_NAME": "local", "GREETING": "global"}}`)
	in := startAPIGW(t, dir, "--env-vars", env)
	h := cdkGet(t, in)
	if h.Greeting != "hi from env-vars" || h.Stage != "local" {
		t.Errorf("GET /prod/hello answered %+v, want greeting from the function's entry and stage from Parameters", h)
	}
}

// TestCDKServeSynthTemplate: a `cdk synth` template saved on its own (not
// in a cloud assembly, as SAM CLI's CDK support takes it) is CDK output by
// its aws:cdk:path metadata: its function runs from the asset folder its
// aws:asset:path names (relative to the template's folder), and the
// AssetParameters* and CDKMetadataAvailable condition it uses without
// declaring them are supplied, the condition false.
func TestCDKServeSynthTemplate(t *testing.T) {
	rtRequireInterpreters(t)
	dir := copyFixtureDir(t, testdata("cdk-synth"), filepath.Join(t.TempDir(), "app"))
	file := filepath.Join(dir, "template.yaml")
	in := startAPIGW(t, file)
	type answer struct {
		Hello, Method, Resource, Proxy, Stage, Function string
	}
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, err := http.NewRequest(method, in.URL("/prod/items/a/b"), strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got answer
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s /prod/items/a/b: %d, %v\n%s", method, resp.StatusCode, err, in.Stderr())
		}
		want := answer{Hello: "from cdk synth", Method: method, Resource: "/items/{proxy+}", Proxy: "a/b", Stage: "prod", Function: "template-Handler886CB40B"}
		if got != want {
			t.Errorf("%s /prod/items/a/b answered %+v, want %+v", method, got, want)
		}
	}
	for _, want := range []string{"CDK output (aws:cdk:path metadata) outside a cloud assembly",
		"supplied: parameters AssetParameters8e3f1c2a9b7d4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdefS3Bucket4E7A1C2D, AssetParameters8e3f1c2a9b7d4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdefS3VersionKey5B8C9D0E; condition CDKMetadataAvailable (false: CDK's metadata is not deployed locally)"} {
		if err := cdkWaitLog(in, want, 5*time.Second); err != nil {
			t.Error(err)
		}
	}
	if strings.Contains(in.Stderr(), "(AWS::CDK::Metadata)") {
		t.Errorf("CDKMetadata noted:\n%s", in.Stderr())
	}

	// Without its asset folder: the error at the function's metadata names
	// both folders looked in.
	if err := os.RemoveAll(filepath.Join(dir, "asset.8e3f1c2a9b7d4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runValidate(t, file)
	want := fmt.Sprintf("%s:%d:%d: ", file, 130, 7) + "Handler886CB40B.Metadata.aws:asset:path: the function's CDK asset asset.8e3f1c2a9b7d4e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90123456789abcdef is not in " + dir + " or " + filepath.Join(dir, "cdk.out") + ": no such file or directory"
	if code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("validate without the asset: exit %d, want 1 and %q:\n%s", code, want, stderr)
	}
}

// cdkWaitLog waits for a line of apigw's log that contains s.
func cdkWaitLog(in *Instance, s string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for !strings.Contains(in.Stderr(), s) {
		if time.Now().After(deadline) {
			return fmt.Errorf("apigw did not log %q within %v:\n%s", s, d, in.Stderr())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
