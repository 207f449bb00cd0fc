package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// cdkFixture is the e2e tests' cloud assembly: ApiStack (a RestApi and a
// python function in an asset folder) and DataStack (no API).
var cdkFixture = filepath.Join("..", "..", "e2e", "testdata", "cdk")

const (
	cdkFixtureAsset = "asset.815753644287fa6c808c5741e55203cc6c1520033aad4eb43b1a2fdfb13935e2"
	cdkFixtureFn    = "HelloHandler2E4FBA4D"
)

// writeTree writes files (path -> content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies the fixture folder src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			if info.Name() == "__pycache__" {
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
}

func testOptions(template string) *options {
	base := filepath.Base(template)
	return &options{template: template, params: map[string]string{}, region: "us-east-1", accountID: "123456789012",
		stackName: strings.TrimSuffix(base, filepath.Ext(base))}
}

// paramValue is the value a load gives a parameter ("<none>": none).
func paramValue(t *testing.T, o *options, name string) string {
	t.Helper()
	in, err := resolveInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := in.params[name]; ok {
		return v
	}
	return "<none>"
}

// TestCDKLoad: a cloud assembly folder and its stack's template file load
// the same way: the stack with an API, its function's code from the asset
// folder, BootstrapVersion supplied, AWS::StackName the stack's name, the
// CDK boilerplate not noted.
func TestCDKLoad(t *testing.T) {
	assetDir, _ := filepath.Abs(filepath.Join(cdkFixture, cdkFixtureAsset))
	for _, tc := range []struct {
		name, template string
		stackName      string // --stack-name; "" for none
		wantName       string
	}{
		{"folder", cdkFixture, "", "ApiStack-" + cdkFixtureFn},
		{"template file", filepath.Join(cdkFixture, "ApiStack.template.json"), "", "ApiStack-" + cdkFixtureFn},
		{"--stack-name wins", cdkFixture, "mine", "mine-" + cdkFixtureFn},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := testOptions(tc.template)
			if tc.stackName != "" {
				o.stackName, o.stackNameSet = tc.stackName, true
			}
			l, err := load(o)
			if err != nil {
				t.Fatal(err)
			}
			if len(l.model.Functions) != 1 {
				t.Fatalf("functions: %+v", l.model.Functions)
			}
			f := l.model.Functions[0]
			if f.Code.Path != assetDir || f.Name != tc.wantName {
				t.Errorf("function %s: code %q name %q, want %q and %q", f.LogicalID, f.Code.Path, f.Name, assetDir, tc.wantName)
			}
			if v := paramValue(t, o, "BootstrapVersion"); v != cdkBootstrapVersion {
				t.Errorf("BootstrapVersion = %q", v)
			}
			notes := strings.Join(l.notes, "\n")
			for _, noise := range []string{"AWS::CDK::Metadata", "Rules: not evaluated", "BootstrapVersion (AWS::SSM"} {
				if strings.Contains(notes, noise) {
					t.Errorf("notes name CDK boilerplate %q:\n%s", noise, notes)
				}
			}
			if !strings.Contains(notes, "CDK: parameters that CDK's deployment sets given local values: BootstrapVersion=20") {
				t.Errorf("notes:\n%s", notes)
			}
			watched := strings.Join(l.watch, "\n")
			for _, want := range []string{"manifest.json", "ApiStack.assets.json", "samconfig.toml"} {
				if !strings.Contains(watched, want) {
					t.Errorf("not watched: %s (%s)", want, watched)
				}
			}
		})
	}
}

// TestCDKPickStack: the stack choice of a cloud assembly folder.
func TestCDKPickStack(t *testing.T) {
	api := `{"Resources": {"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "a"}}}}`
	httpAPI := `{"Resources": {"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "a", "ProtocolType": "HTTP"}}}}`
	samFn := `{"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"Get": {"Type": "Api", "Properties": {"Path": "/", "Method": "get"}}}}}}}`
	samQueue := `{"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"Q": {"Type": "SQS"}}}}}}`
	table := `{"Resources": {"T": {"Type": "AWS::DynamoDB::Table"}}}`
	stack := func(id, file string) string {
		return `"` + id + `": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "` + file + `"}, "displayName": "` + id + `"}`
	}
	manifest := func(artifacts ...string) string {
		return `{"version": "36.0.0", "artifacts": {` + strings.Join(artifacts, ", ") + `}}`
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		want    string // the stack picked
		wantErr string
	}{
		{"one of two", map[string]string{"manifest.json": manifest(stack("A", "A.template.json"), stack("B", "B.template.json")), "A.template.json": table, "B.template.json": api}, "B", ""},
		{"HTTP API", map[string]string{"manifest.json": manifest(stack("A", "A.template.json")), "A.template.json": httpAPI}, "A", ""},
		{"SAM implicit API", map[string]string{"manifest.json": manifest(stack("A", "A.template.json"), stack("B", "B.template.json")), "A.template.json": samFn, "B.template.json": samQueue}, "A", ""},
		{"several", map[string]string{"manifest.json": manifest(stack("A", "A.template.json"), stack("B", "B.template.json")), "A.template.json": api, "B.template.json": httpAPI}, "",
			"DIR: 2 stacks of the CDK cloud assembly declare APIs (A, B) and apigw serves one: give its template file in place of the folder:\n  A: DIR/A.template.json\n  B: DIR/B.template.json"},
		{"none", map[string]string{"manifest.json": manifest(stack("A", "A.template.json")), "A.template.json": table}, "",
			"DIR: no stack of the CDK cloud assembly declares an API (AWS::ApiGateway::RestApi, AWS::ApiGatewayV2::Api or a SAM API): A"},
		{"no stack", map[string]string{"manifest.json": manifest()}, "", "DIR: the CDK cloud assembly has no stack (no artifact of type aws:cloudformation:stack in manifest.json)"},
		{"missing template", map[string]string{"manifest.json": manifest(stack("A", "A.template.json"))}, "", "DIR/manifest.json: stack A: its template DIR/A.template.json: no such file or directory"},
		{"bad manifest", map[string]string{"manifest.json": "{\n  \"artifacts\": [\n}"}, "", "DIR/manifest.json:3:1: the CDK cloud assembly manifest is not valid JSON"},
		{"stage", map[string]string{
			"manifest.json":                               manifest(stack("A", "A.template.json"), `"assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod"}}`),
			"A.template.json":                             table,
			"assembly-Prod/manifest.json":                 manifest(`"ProdApi": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "ProdApi.template.json", "stackName": "Prod-Api"}, "displayName": "Prod/Api"}`),
			"assembly-Prod/ProdApi.template.json":         api,
			"assembly-Prod/unlisted.nested.template.json": table,
		}, "Prod-Api", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			s, notes, err := pickCDKStack(dir)
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "DIR", dir)
				if err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("error %v\nwant %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.name != tc.want {
				t.Errorf("picked %s, want %s", s.name, tc.want)
			}
			if len(notes) != 1 || !strings.Contains(notes[0], "serving CDK stack") {
				t.Errorf("notes: %q", notes)
			}
		})
	}
}

// TestCDKV1Assets: a CDK v1 app: AssetParameters* get the values the CDK
// CLI would publish the asset with (from the manifest's aws:cdk:asset
// metadata, else from their names), and the function runs from its asset
// folder; without aws:asset:path metadata, the asset its S3 key names.
func TestCDKV1Assets(t *testing.T) {
	const hash = "6f583a693f7945791d3a4b8a29d8b95cea3f49f5bb75a5d9dfa3e659813fcc34"
	const other = "0000000000000000000000000000000000000000000000000000000000000001"
	bucket := "AssetParameters" + hash + "S3BucketE10C6C17"
	key := "AssetParameters" + hash + "S3VersionKeyCAE90EDD"
	artifact := "AssetParameters" + hash + "ArtifactHash70AD0F2F"
	otherKey := "AssetParameters" + other + "S3VersionKeyABCDEF12"
	tpl := map[string]any{
		"Parameters": map[string]any{
			bucket:   map[string]any{"Type": "String"},
			key:      map[string]any{"Type": "String"},
			artifact: map[string]any{"Type": "String"},
			otherKey: map[string]any{"Type": "String"},
		},
		"Resources": map[string]any{
			"Api": map[string]any{"Type": "AWS::ApiGateway::RestApi", "Properties": map[string]any{"Name": "v1"}},
			"Get": map[string]any{"Type": "AWS::ApiGateway::Method", "Properties": map[string]any{
				"RestApiId": map[string]any{"Ref": "Api"}, "ResourceId": map[string]any{"Fn::GetAtt": []any{"Api", "RootResourceId"}},
				"HttpMethod": "GET", "AuthorizationType": "NONE",
				"Integration": map[string]any{"Type": "AWS_PROXY", "IntegrationHttpMethod": "POST",
					"Uri": map[string]any{"Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"}}}},
			"Deployment": map[string]any{"Type": "AWS::ApiGateway::Deployment", "DependsOn": "Get", "Properties": map[string]any{"RestApiId": map[string]any{"Ref": "Api"}, "StageName": "prod"}},
			"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{
				"Runtime": "python3.12", "Handler": "index.handler", "Role": "arn:aws:iam::123456789012:role/r",
				"Code": map[string]any{
					"S3Bucket": map[string]any{"Ref": bucket},
					"S3Key": map[string]any{"Fn::Join": []any{"", []any{
						map[string]any{"Fn::Select": []any{0, map[string]any{"Fn::Split": []any{"||", map[string]any{"Ref": key}}}}},
						map[string]any{"Fn::Select": []any{1, map[string]any{"Fn::Split": []any{"||", map[string]any{"Ref": key}}}}},
					}}}}},
				"Metadata": map[string]any{"aws:cdk:path": "V1/Fn/Resource", "aws:asset:path": "asset." + hash, "aws:asset:property": "Code"}},
		},
	}
	data, _ := json.Marshal(tpl)
	v1meta := `{"type": "aws:cdk:asset", "data": {"path": "asset.` + hash + `", "id": "` + hash + `", "packaging": "zip", "sourceHash": "` + hash + `",
		"s3BucketParameter": "` + bucket + `", "s3KeyParameter": "` + key + `", "artifactHashParameter": "` + artifact + `"}}`
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"manifest.json":               `{"version": "17.0.0", "artifacts": {"V1": {"type": "aws:cloudformation:stack", "environment": "aws://unknown-account/unknown-region", "properties": {"templateFile": "V1.template.json"}, "metadata": {"/V1": [` + v1meta + `]}}}}`,
		"V1.template.json":            string(data),
		"asset." + hash + "/index.py": "def handler(e, c):\n    return {}\n",
	})
	o := testOptions(dir)
	l, err := load(o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{bucket: cdkAssetBucket, key: "assets/||" + hash + ".zip", artifact: hash, otherKey: "assets/||" + other + ".zip"}
	for name, v := range want {
		if got := paramValue(t, o, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	asset, _ := filepath.Abs(filepath.Join(dir, "asset."+hash))
	if f := l.model.Functions[0]; f.Code.Path != asset {
		t.Errorf("code %q, want %q", f.Code.Path, asset)
	}
	if !strings.Contains(strings.Join(l.notes, "\n"), "4 AssetParameters*") {
		t.Errorf("notes: %q", l.notes)
	}
}

// TestCDKFunctionCode: the asset a function runs from, by metadata or by
// the S3 key the asset manifest lists; --config's code wins; a missing
// asset is an error at its metadata.
func TestCDKFunctionCode(t *testing.T) {
	asset, _ := filepath.Abs(filepath.Join(cdkFixture, cdkFixtureAsset))
	readTemplate := func(t *testing.T, dir string) map[string]any {
		var tpl map[string]any
		data, err := os.ReadFile(filepath.Join(dir, "ApiStack.template.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &tpl); err != nil {
			t.Fatal(err)
		}
		return tpl
	}
	writeTemplate := func(t *testing.T, dir string, tpl map[string]any) {
		data, _ := json.Marshal(tpl)
		if err := os.WriteFile(filepath.Join(dir, "ApiStack.template.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fn := func(tpl map[string]any) map[string]any {
		return tpl["Resources"].(map[string]any)[cdkFixtureFn].(map[string]any)
	}

	t.Run("by S3 key", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, cdkFixture, dir)
		tpl := readTemplate(t, dir)
		delete(fn(tpl), "Metadata")
		writeTemplate(t, dir, tpl)
		l, err := load(testOptions(dir))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.Abs(filepath.Join(dir, cdkFixtureAsset))
		if got := l.model.Functions[0].Code.Path; got != want {
			t.Errorf("code %q, want %q", got, want)
		}
	})
	t.Run("--config wins", func(t *testing.T) {
		dir := t.TempDir()
		code := filepath.Join(dir, "build")
		writeTree(t, dir, map[string]string{"build/index.py": "", "apigw.yaml": "functions:\n  " + cdkFixtureFn + ": {code: ./build}\n"})
		o := testOptions(cdkFixture)
		o.configFile = filepath.Join(dir, "apigw.yaml")
		l, err := load(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.model.Functions[0].Code.Path; got != code || got == asset {
			t.Errorf("code %q, want --config's %q", got, code)
		}
	})
	t.Run("missing asset", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, cdkFixture, dir)
		if err := os.RemoveAll(filepath.Join(dir, cdkFixtureAsset)); err != nil {
			t.Fatal(err)
		}
		_, err := load(testOptions(dir))
		lines := errorLines(err)
		want := filepath.Join(dir, "ApiStack.template.json") + ":"
		if len(lines) != 1 || !strings.HasPrefix(lines[0], want) ||
			!strings.HasSuffix(lines[0], ": "+cdkFixtureFn+".Metadata.aws:asset:path: the function's CDK asset "+cdkFixtureAsset+" is not in "+dir+": no such file or directory (run cdk synth again, or give the function's code with --config)") {
			t.Errorf("errors: %q", lines)
		}
	})
	t.Run("a template next to no manifest", func(t *testing.T) {
		dir := t.TempDir()
		copyTree(t, cdkFixture, dir)
		os.Remove(filepath.Join(dir, "manifest.json"))
		o := testOptions(filepath.Join(dir, "ApiStack.template.json"))
		_, err := load(o)
		// Plain CloudFormation: the S3 code is the Lambda runtime's to
		// refuse, the bootstrap parameter has no value (unused).
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestCDKSupplyParameters: what is supplied and what is left alone.
func TestCDKSupplyParameters(t *testing.T) {
	s := &cdkStack{assets: map[string]string{}, assetParams: map[string]string{}}
	declared := &peeked{params: map[string]peekedParam{
		"BootstrapVersion": {typ: "AWS::SSM::Parameter::Value<String>", def: "/cdk-bootstrap/hnb659fds/version"},
		"CustomBootstrap":  {typ: "AWS::SSM::Parameter::Value<String>", def: "/cdk-bootstrap/custom1/version"},
		"OtherSSM":         {typ: "AWS::SSM::Parameter::Value<String>", def: "/my/param"},
		"Given":            {typ: "AWS::SSM::Parameter::Value<String>", def: "/cdk-bootstrap/hnb659fds/version"},
		"Env":              {typ: "String"},
	}}
	params := map[string]string{"Given": "7"}
	notes := s.supplyParameters(params, declared)
	want := map[string]string{"BootstrapVersion": "20", "CustomBootstrap": "20", "Given": "7"}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("params %v, want %v", params, want)
	}
	if len(notes) != 1 || !strings.HasSuffix(notes[0], "BootstrapVersion=20, CustomBootstrap=20") {
		t.Errorf("notes %q", notes)
	}
}
