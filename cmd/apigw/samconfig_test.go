package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestSamConfigOverridesGrammar: parameter_overrides strings as SAM CLI
// reads them, and what it would skip silently refused.
func TestSamConfigOverridesGrammar(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    map[string]string
		wantErr string
	}{
		{`Key1=Value1 Key2="value with space"`, map[string]string{"Key1": "Value1", "Key2": "value with space"}, ""},
		{`  Stage=dev   Env=prod  `, map[string]string{"Stage": "dev", "Env": "prod"}, ""},
		{`A='single quoted' B=esc\ aped C="with \"quotes\"" D=""`, map[string]string{"A": "single quoted", "B": "esc aped", "C": `with "quotes"`, "D": ""}, ""},
		{`Url=https://example.com/a?b=c Csv=a,b,c`, map[string]string{"Url": "https://example.com/a?b=c", "Csv": "a,b,c"}, ""},
		{`ParameterKey=A,ParameterValue=1 ParameterKey=B,ParameterValue="x y"`, map[string]string{"A": "1", "B": "x y"}, ""},
		{``, map[string]string{}, ""},
		{`A=1 junk`, nil, `"junk" is not Key=Value (a value with spaces is quoted: Key="a value")`},
		{`Greeting=hello world`, nil, `"world" is not Key=Value`},
		{`A=`, nil, `"A=" is not Key=Value`},
		{`=1`, nil, `"=1" is not Key=Value`},
		{`A="unterminated`, nil, `is not Key=Value`},
	} {
		got, err := parseParameterOverrides(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %v %v, want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestSamConfigParse: the tables read, their precedence, the list form,
// and errors naming the file.
func TestSamConfigParse(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		want       map[string]string
		wantErr    string
	}{
		{"deploy", "version = 0.1\n[default.deploy.parameters]\nstack_name = \"s\"\nparameter_overrides = \"A=1 B=\\\"two words\\\"\"\n",
			map[string]string{"A": "1", "B": "two words"}, ""},
		{"list", "[default.deploy.parameters]\nparameter_overrides = [\"A=1\", \"B=\\\"x y\\\"\"]\n", map[string]string{"A": "1", "B": "x y"}, ""},
		{"global, deploy, local_start_api", "[default.global.parameters]\nparameter_overrides = \"A=g B=g C=g\"\n" +
			"[default.deploy.parameters]\nparameter_overrides = \"B=d C=d\"\n[default.local_start_api.parameters]\nparameter_overrides = \"C=l\"\n",
			map[string]string{"A": "g", "B": "d", "C": "l"}, ""},
		{"other environments", "[prod.deploy.parameters]\nparameter_overrides = \"A=prod\"\n", map[string]string{}, ""},
		{"no overrides", "version = 0.1\n[default.deploy.parameters]\nstack_name = \"s\"\n", map[string]string{}, ""},
		{"empty", "", map[string]string{}, ""},
		{"not TOML", "version = 0.1\n[default.deploy.parameters\n", nil, "samconfig.toml:2: SAM CLI's config file is not valid TOML: "},
		{"no value", "[default.deploy.parameters]\nparameter_overrides = \nstack_name = \"s\"\n", nil, "samconfig.toml:2: SAM CLI's config file is not valid TOML: "},
		{"unterminated string", "[default.deploy.parameters]\n\nparameter_overrides = \"A=1\n", nil, "samconfig.toml:3: SAM CLI's config file is not valid TOML: "},
		{"a number", "[default.deploy.parameters]\nparameter_overrides = 3\n", nil,
			`samconfig.toml: [default.deploy.parameters] parameter_overrides must be a string ("Key1=Value1 Key2=\"value with spaces\"") or a list of "Key=Value" strings, not an integer`},
		{"a list of numbers", "[default.global.parameters]\nparameter_overrides = [1]\n", nil,
			`samconfig.toml: [default.global.parameters] parameter_overrides: a list of "Key=Value" strings, not one with an integer`},
		{"bad pair", "[default.deploy.parameters]\nparameter_overrides = \"A=1 B\"\n", nil,
			`samconfig.toml: [default.deploy.parameters] parameter_overrides: "B" is not Key=Value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := parseSamConfig("samconfig.toml", tc.toml)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sc.overrides, tc.want) {
				t.Errorf("overrides %v, want %v", sc.overrides, tc.want)
			}
		})
	}
}

// TestSamConfigApply: declared parameters are set, --param wins, the rest
// is noted.
func TestSamConfigApply(t *testing.T) {
	sc, err := parseSamConfig("/p/samconfig.toml", "[default.deploy.parameters]\nparameter_overrides = \"A=1 B=2 Z=9\"\n")
	if err != nil {
		t.Fatal(err)
	}
	declared := &peeked{params: map[string]peekedParam{"A": {typ: "String"}, "B": {typ: "String"}}}
	cli := map[string]string{"B": "cli"}
	params := map[string]string{"B": "cli"}
	notes := sc.apply(params, cli, declared)
	if want := map[string]string{"A": "1", "B": "cli"}; !reflect.DeepEqual(params, want) {
		t.Errorf("params %v, want %v", params, want)
	}
	want := []string{
		"/p/samconfig.toml read: parameter values from [default.deploy.parameters] parameter_overrides: A, B (--param wins)",
		"/p/samconfig.toml: parameter_overrides Z: the template declares no such parameter; ignored",
	}
	if !reflect.DeepEqual(notes, want) {
		t.Errorf("notes\n%q\nwant\n%q", notes, want)
	}
	// A template that cannot be read gets nothing (loading it says why).
	params = map[string]string{}
	if notes := sc.apply(params, nil, nil); len(params) != 0 || notes != nil {
		t.Errorf("unreadable template: %v %q", params, notes)
	}
}

// TestSamConfigLoad: a samconfig.toml next to a template gives a parameter
// without a default its value; it is watched, also while absent.
func TestSamConfigLoad(t *testing.T) {
	dir := t.TempDir()
	tpl := `Parameters:
  Greeting: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: !Ref Greeting}
  Root:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Root
    Properties: {RestApiId: !Ref Api, StageName: prod}
`
	writeTree(t, dir, map[string]string{"template.yaml": tpl})
	o := testOptions(filepath.Join(dir, "template.yaml"))
	if _, err := load(o); err == nil || !strings.Contains(err.Error(), "has no value") {
		t.Fatalf("without samconfig.toml: %v", err)
	}
	writeTree(t, dir, map[string]string{"samconfig.toml": "[default.deploy.parameters]\nparameter_overrides = \"Greeting=hi\"\n"})
	l, err := load(o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(l.notes, "\n"), "samconfig.toml read: parameter values from [default.deploy.parameters] parameter_overrides: Greeting") {
		t.Errorf("notes: %q", l.notes)
	}
	if !reflect.DeepEqual(l.watch, []string{filepath.Join(dir, "samconfig.toml")}) {
		t.Errorf("watched: %q", l.watch)
	}
	if err := os.Remove(filepath.Join(dir, "samconfig.toml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "samconfig.toml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := load(o); err == nil || !strings.Contains(err.Error(), "samconfig.toml: cannot read SAM CLI's config file: it is a folder, not a file") {
		t.Errorf("a folder: %v", err)
	}
}
