package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
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
		l, err := load(o)
		// Still CDK output (aws:cdk:path metadata): the asset folder is
		// relative to the template's.
		if err != nil {
			t.Fatal(err)
		}
		want, _ := filepath.Abs(filepath.Join(dir, cdkFixtureAsset))
		if got := l.model.Functions[0].Code.Path; got != want {
			t.Errorf("code %q, want %q", got, want)
		}
		if v := paramValue(t, o, "BootstrapVersion"); v != cdkBootstrapVersion {
			t.Errorf("BootstrapVersion = %q", v)
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

// A CDK v1 `cdk synth` template cut from its cloud assembly (SAM CLI's CDK
// test templates): CDK's aws:cdk:path and aws:asset:path metadata, its
// asset parameters and CDKMetadataAvailable condition used, not declared.
const (
	synthHash   = "2f49761fb98268e4ec02561a3bc432021f9fc3c15f76e5bfe3a87eff354cfa93"
	synthBucket = "AssetParameters" + synthHash + "S3BucketF31341C6"
	synthKey    = "AssetParameters" + synthHash + "S3VersionKey289D106C"
	synthHashP  = "AssetParameters" + synthHash + "ArtifactHashB2C5B2B4"
)

// synthResources is the template's Resources section (long-form
// functions: it is also written as JSON).
var synthResources = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
    Metadata:
      aws:cdk:path: Stack/Api/Resource
  ApiGet:
    Type: AWS::ApiGateway::Method
    Properties:
      HttpMethod: GET
      RestApiId:
        Ref: Api
      ResourceId:
        Fn::GetAtt: [Api, RootResourceId]
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri:
          Fn::Sub: arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
    Metadata:
      aws:cdk:path: Stack/Api/Default/GET/Resource
  ApiDeployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [ApiGet]
    Properties:
      RestApiId:
        Ref: Api
  ApiStage:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId:
        Ref: Api
      DeploymentId:
        Ref: ApiDeployment
      StageName: prod
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/fn
      Code:
        S3Bucket:
          Ref: ` + synthBucket + `
        S3Key:
          Fn::Join:
            - ""
            - - Fn::Select: [0, {"Fn::Split": ["||", {"Ref": ` + synthKey + `}]}]
              - Fn::Select: [1, {"Fn::Split": ["||", {"Ref": ` + synthKey + `}]}]
    Metadata:
      aws:cdk:path: Stack/Fn/Resource
      aws:asset:path: fn
      aws:asset:property: Code
  CDKMetadata:
    Type: AWS::CDK::Metadata
    Properties:
      Analytics: v2:deflate64:H4sIAAAAAAAA
    Metadata:
      aws:cdk:path: Stack/CDKMetadata/Default
    Condition: CDKMetadataAvailable
`

// synthBogus is a resource whose error gives a line to check.
const synthBogus = "  Bogus:\n    Type: AWS::Bogus::Thing\n"

// toJSON writes a YAML template (no tags) as indented JSON.
func toJSON(t *testing.T, y string) string {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// lineOf is the 1-based line of the first occurrence of s in text.
func lineOf(text, s string) int {
	i := strings.Index(text, s)
	if i < 0 {
		return 0
	}
	return strings.Count(text[:i], "\n") + 1
}

// TestCDKSupplyDeclarations: a CDK template outside a cloud assembly that
// uses CDK's asset parameters, BootstrapVersion and CDKMetadataAvailable
// without declaring them gets them declared, wherever its sections are and
// in whichever form; errors keep the file's own line numbers.
func TestCDKSupplyDeclarations(t *testing.T) {
	params := "Parameters:\n  Env:\n    Type: String\n    Default: dev\n"
	conds := "Conditions:\n  IsProd:\n    Fn::Equals: [{Ref: Env}, prod]\n"
	bootstrap := "Rules:\n  CheckBootstrapVersion:\n    Assertions:\n      - Assert:\n          Fn::Not:\n            - Fn::Contains: [[\"1\", \"2\"], {Ref: BootstrapVersion}]\n        AssertDescription: CDK bootstrap stack version 6 required.\n"
	both := []string{synthBucket, synthKey}
	for _, tc := range []struct {
		name     string
		file     string // template file name (.json: written as JSON)
		tpl      string
		inserted int      // lines inserted before the file's own
		params   []string // parameters supplied
		cond     bool     // CDKMetadataAvailable supplied
	}{
		{"no sections (SAM CLI's CDK template)", "t.yaml", synthResources, 0, both, true},
		{"sections first, blank lines take the entries", "t.yaml", params + "\n" + conds + "\n" + synthResources + synthBogus, 0, both, true},
		{"sections first, comment lines take the entries", "t.yaml", params + "  # CDK's\n" + conds + "# CDK's\n" + synthResources + synthBogus, 0, both, true},
		{"sections first, no blank line", "t.yaml", params + conds + synthResources + synthBogus, 2, both, true},
		{"a blank line inside a block scalar is kept", "t.yaml", "Parameters:\n  Env:\n    Type: String\n    Default: dev\n    Description: |\n      one\n\n      two\n" + synthResources + synthBogus, 1, both, true},
		{"sections last", "t.yaml", synthResources + synthBogus + params + "\n" + conds, 0, both, true},
		{"sections last, no blank line", "t.yaml", synthResources + synthBogus + params + conds, 1, both, true},
		{"empty sections", "t.yaml", "Parameters:\nConditions: # none\n" + synthResources + synthBogus, 0, both, true},
		{"condition declared", "t.yaml", synthResources + synthBogus + "Conditions:\n  CDKMetadataAvailable: {\"Fn::Equals\": [a, b]}\n", 0, both, false},
		{"one asset parameter declared", "t.yaml", synthResources + synthBogus + "Parameters:\n  " + synthBucket + ": {Type: String}\n", 0, []string{synthKey}, true},
		{"BootstrapVersion used by the rule", "t.yaml", synthResources + synthBogus + bootstrap, 0, []string{synthBucket, synthKey, "BootstrapVersion"}, true},
		{"short-form tags", "t.yaml", strings.NewReplacer("Ref: "+synthBucket, "!Ref "+synthBucket, "Condition: CDKMetadataAvailable", "Condition: CDKMetadataAvailable\n").Replace(synthResources) +
			"Outputs:\n  Hash:\n    Value: !Sub \"${" + synthHashP + "}\"\n  Meta:\n    Value: !If [CDKMetadataAvailable, yes, no]\n", 0, []string{synthHashP, synthBucket, synthKey}, true},
		{"JSON, no sections", "t.json", synthResources, 0, both, true},
		{"JSON, sections first", "t.json", params + conds + synthResources + synthBogus, 0, both, true},
		{"JSON, empty sections", "t.json", "Parameters: {}\nConditions: {}\n" + synthResources + synthBogus, 0, both, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tpl := tc.tpl
			if strings.HasSuffix(tc.file, ".json") {
				tpl = toJSON(t, tpl)
			}
			writeTree(t, dir, map[string]string{tc.file: tpl, "fn/index.py": "def handler(e, c):\n    return {}\n"})
			file := filepath.Join(dir, tc.file)
			o := testOptions(file)
			in, err := resolveInputs(o)
			if err != nil {
				t.Fatal(err)
			}
			if in.cdk == nil || in.data == nil {
				t.Fatalf("not CDK, or nothing supplied; notes %q", in.notes)
			}
			if len(in.shift) != tc.inserted {
				t.Errorf("lines inserted at %v, want %d", in.shift, tc.inserted)
			}
			notes := strings.Join(in.notes, "\n")
			wantNote := fmt.Sprintf("CDK: %s uses, without declaring them, what CDK's deployment declares; supplied: parameters %s", file, strings.Join(tc.params, ", "))
			if tc.cond {
				wantNote += "; condition CDKMetadataAvailable (false: CDK's metadata is not deployed locally)"
			}
			if !strings.Contains(notes+"\n", wantNote+"\n") {
				t.Errorf("notes:\n%s\nwant:\n%s", notes, wantNote)
			}
			if !strings.Contains(notes, "outside a cloud assembly") {
				t.Errorf("no note that the template is CDK output:\n%s", notes)
			}
			for name, want := range map[string]string{synthBucket: cdkAssetBucket, synthKey: "assets/||" + synthHash + ".zip"} {
				if got := in.params[name]; got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			for _, p := range tc.params {
				if p == "BootstrapVersion" && in.params[p] != cdkBootstrapVersion {
					t.Errorf("BootstrapVersion = %q", in.params[p])
				}
			}
			// The lines of the file as written are those of what is
			// loaded, but for the inserted ones.
			if len(in.shift) == 0 && strings.Count(string(in.data), "\n") != strings.Count(tpl, "\n") && !strings.HasSuffix(string(in.data), "}\n") {
				t.Errorf("lines moved:\n%s", in.data)
			}

			l, err := load(o)
			if bogus := lineOf(tpl, "AWS::Bogus::Thing"); bogus > 0 {
				lines := errorLines(err)
				prefix := fmt.Sprintf("%s:%d:", file, bogus)
				if len(lines) != 1 || !strings.HasPrefix(lines[0], prefix) || !strings.Contains(lines[0], "AWS::Bogus::Thing") {
					t.Fatalf("errors %q, want one at %s", lines, prefix)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fn, _ := filepath.Abs(filepath.Join(dir, "fn"))
			if len(l.model.Functions) != 1 || l.model.Functions[0].Code.Path != fn {
				t.Fatalf("functions %+v, want code %s", l.model.Functions, fn)
			}
			if strings.Contains(strings.Join(l.notes, "\n"), "AWS::CDK::Metadata") {
				t.Errorf("CDKMetadata noted: %q", l.notes)
			}
		})
	}
}

// TestCDKStandalone: which templates outside a cloud assembly are CDK
// output, and where their assets are.
func TestCDKStandalone(t *testing.T) {
	plain := strings.NewReplacer("aws:cdk:path", "x-path", "AWS::CDK::Metadata", "AWS::IAM::Role").Replace(synthResources)
	metadataOnly := strings.ReplaceAll(synthResources, "aws:cdk:path", "x-path")
	for _, tc := range []struct {
		name  string
		files map[string]string
		cdk   bool
		code  string // the function's code folder, relative; "" when an error
		err   string // the error's end
	}{
		{"asset next to the template", map[string]string{"t.yaml": synthResources, "fn/index.py": ""}, true, "fn", ""},
		{"asset in cdk.out", map[string]string{"t.yaml": synthResources, "cdk.out/fn/index.py": ""}, true, "cdk.out/fn", ""},
		{"the template's folder first", map[string]string{"t.yaml": synthResources, "fn/index.py": "", "cdk.out/fn/index.py": ""}, true, "fn", ""},
		{"missing asset", map[string]string{"t.yaml": synthResources}, true, "",
			"Fn.Metadata.aws:asset:path: the function's CDK asset fn is not in DIR or DIR/cdk.out: no such file or directory (run cdk synth again, or give the function's code with --config)"},
		{"only an AWS::CDK::Metadata resource", map[string]string{"t.yaml": metadataOnly, "fn/index.py": ""}, true, "fn", ""},
		{"no CDK metadata: plain CloudFormation", map[string]string{"t.yaml": plain, "fn/index.py": ""}, false, "",
			"Fn.Properties.Code.S3Bucket: unresolved reference " + synthBucket + ": no parameter or resource has this name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			o := testOptions(filepath.Join(dir, "t.yaml"))
			in, err := resolveInputs(o)
			if err != nil {
				t.Fatal(err)
			}
			if (in.cdk != nil) != tc.cdk {
				t.Fatalf("CDK %v, want %v", in.cdk != nil, tc.cdk)
			}
			mark := "aws:cdk:path metadata"
			if !strings.Contains(tc.files["t.yaml"], "aws:cdk:path") {
				mark = "an AWS::CDK::Metadata resource"
			}
			if note := "t.yaml: CDK output (" + mark + ") outside a cloud assembly"; tc.cdk && !strings.Contains(strings.Join(in.notes, "\n"), note) {
				t.Errorf("notes %q, want %q", in.notes, note)
			}
			l, err := load(o)
			if tc.code != "" {
				if err != nil {
					t.Fatal(err)
				}
				want, _ := filepath.Abs(filepath.Join(dir, tc.code))
				if got := l.model.Functions[0].Code.Path; got != want {
					t.Errorf("code %q, want %q", got, want)
				}
				return
			}
			lines := errorLines(err)
			want := strings.ReplaceAll(tc.err, "DIR", dir)
			if len(lines) == 0 || !strings.HasSuffix(lines[0], want) {
				t.Errorf("errors %q, want one ending %q", lines, want)
			}
		})
	}
}

// TestLineShift: lines of what is loaded as lines of the file.
func TestLineShift(t *testing.T) {
	sh := lineShift{3, 7}
	for _, tc := range []struct {
		line, want int
		inserted   bool
	}{{1, 1, false}, {2, 2, false}, {3, 2, true}, {4, 3, false}, {6, 5, false}, {7, 5, true}, {8, 6, false}} {
		if got, ins := sh.fileLine(tc.line); got != tc.want || ins != tc.inserted {
			t.Errorf("fileLine(%d) = %d, %v; want %d, %v", tc.line, got, ins, tc.want, tc.inserted)
		}
	}
}

// TestCDKSupplyDeclarationsRefused: a section apigw cannot add to (a flow
// map in a YAML template) is left alone, with a note; loading says what is
// unresolved.
func TestCDKSupplyDeclarationsRefused(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"t.yaml": "Parameters: {Env: {Type: String, Default: dev}}\n" + synthResources, "fn/index.py": ""})
	file := filepath.Join(dir, "t.yaml")
	o := testOptions(file)
	in, err := resolveInputs(o)
	if err != nil {
		t.Fatal(err)
	}
	want := "CDK: " + file + " uses " + synthBucket + ", " + synthKey + ", CDKMetadataAvailable without declaring them, and apigw could not add them to its Parameters section: declare them"
	if in.data != nil || !strings.Contains(strings.Join(in.notes, "\n"), want) {
		t.Errorf("data %v, notes %q, want %q", in.data != nil, in.notes, want)
	}
	_, err = load(o)
	if lines := errorLines(err); len(lines) == 0 || !strings.Contains(lines[0], "unresolved reference "+synthBucket) {
		t.Errorf("errors %q", lines)
	}
}
