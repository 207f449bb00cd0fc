package template

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// memFiles returns an Options.ReadFile that serves files from memory and
// records the paths asked for.
func memFiles(files map[string]string, asked *[]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if asked != nil {
			*asked = append(*asked, path)
		}
		data, ok := files[path]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return []byte(data), nil
	}
}

// parseWith parses src as file with the given included files in memory.
func parseWith(t *testing.T, file, src string, files map[string]string) (*Template, ErrorList) {
	t.Helper()
	o := opts()
	o.ReadFile = memFiles(files, nil)
	tpl, err := Parse(file, []byte(src), o)
	if err == nil {
		return tpl, nil
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 || tpl != nil {
		t.Fatalf("Parse: %v (%T), template %v", err, err, tpl)
	}
	for _, e := range list {
		if strings.Contains(e.Msg, "internal error") {
			t.Fatalf("internal error: %v", e)
		}
	}
	return nil, list
}

// fileErr is an expected error with the file it must name.
type fileErr struct {
	file string
	line int
	msg  string
	id   string // "" to skip
	prop string // "" to skip
}

func checkFileErrors(t *testing.T, errs ErrorList, want []fileErr) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, e := range errs {
			if e.File == w.file && (w.line == 0 || e.Line == w.line) && strings.Contains(e.Msg, w.msg) &&
				(w.id == "" || e.LogicalID == w.id) && (w.prop == "" || e.Property == w.prop) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no error %+v in:\n%v", w, errs)
		}
	}
}

const includeAPI = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
`

func TestInclude(t *testing.T) {
	method := "GetRoot:\n  Type: AWS::ApiGateway::Method\n  Properties:\n    RestApiId: {Ref: Api}\n    HttpMethod: GET\n"
	tests := []struct {
		name  string
		src   string
		files map[string]string
		check func(t *testing.T, tpl *Template)
	}{
		{
			name:  "Transform section: the file's keys become sections",
			src:   includeAPI + "Transform:\n  Name: AWS::Include\n  Parameters:\n    Location: outputs.yaml\n",
			files: map[string]string{"outputs.yaml": "Outputs:\n  Id:\n    Value: {Ref: Api}\n"},
			check: func(t *testing.T, tpl *Template) {
				if len(tpl.Outputs) != 1 || tpl.Outputs[0].Value.Str != "api" || tpl.Outputs[0].File != "outputs.yaml" || tpl.Outputs[0].Line != 2 {
					t.Fatalf("outputs %+v", tpl.Outputs)
				}
			},
		},
		{
			name:  "Transform section: a list of transforms, run in order",
			src:   "Transform:\n  - {Name: AWS::Include, Parameters: {Location: a.yaml}}\n  - {Name: AWS::Include, Parameters: {Location: b.yaml}}\n" + includeAPI,
			files: map[string]string{"a.yaml": "Description: from a\n", "b.yaml": "Outputs:\n  Id: {Value: x}\n"},
			check: func(t *testing.T, tpl *Template) {
				if tpl.Description != "from a" || len(tpl.Outputs) != 1 {
					t.Fatalf("description %q, outputs %v", tpl.Description, tpl.Outputs)
				}
			},
		},
		{
			name:  "Fn::Transform in Resources beside other resources",
			src:   includeAPI + "  Fn::Transform:\n    Name: AWS::Include\n    Parameters: {Location: methods.yaml}\n  Last: {Type: AWS::IAM::Role}\n",
			files: map[string]string{"methods.yaml": method},
			check: func(t *testing.T, tpl *Template) {
				var ids []string
				for _, r := range tpl.Resources {
					ids = append(ids, r.LogicalID)
				}
				if strings.Join(ids, ",") != "Api,GetRoot,Last" {
					t.Fatalf("resources %v, want the included one where Fn::Transform was", ids)
				}
				r := tpl.Resource("GetRoot")
				if r.File != "methods.yaml" || r.Line != 1 {
					t.Errorf("GetRoot at %s:%d", r.File, r.Line)
				}
				v := prop(t, tpl, "GetRoot", "RestApiId")
				wantStr(t, v, "api")
				if v.File != "methods.yaml" || v.Line != 4 {
					t.Errorf("RestApiId at %s:%d", v.File, v.Line)
				}
			},
		},
		{
			name:  "Fn::Transform as a property value (short form)",
			src:   includeAPI + "      Policy: !Transform {Name: AWS::Include, Parameters: {Location: policy.yaml}}\n",
			files: map[string]string{"policy.yaml": "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Resource:\n      Fn::Sub: arn:${AWS::Partition}:execute-api:*\n"},
			check: func(t *testing.T, tpl *Template) {
				wantStr(t, prop(t, tpl, "Api", "Policy.Statement[0].Resource"), "arn:aws:execute-api:*")
				if v := prop(t, tpl, "Api", "Policy.Version"); v.File != "policy.yaml" || v.Line != 1 {
					t.Errorf("Version at %s:%d", v.File, v.Line)
				}
			},
		},
		{
			name: "Fn::Transform beside properties, in a list and in function arguments",
			src: includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: props.yaml}}\n" +
				"      Items:\n        - {Fn::Transform: {Name: AWS::Include, Parameters: {Location: item.yaml}}}\n" +
				"      Chosen: !If [Yes, {Fn::Transform: {Name: AWS::Include, Parameters: {Location: item.yaml}}}, no]\n" +
				"Conditions:\n  Yes: !Equals [a, a]\n",
			files: map[string]string{"props.yaml": "Description: shared\n", "item.yaml": "Key: k\nValue: v\n"},
			check: func(t *testing.T, tpl *Template) {
				wantStr(t, prop(t, tpl, "Api", "Description"), "shared")
				wantStr(t, prop(t, tpl, "Api", "Items[0].Value"), "v")
				wantStr(t, prop(t, tpl, "Api", "Chosen.Key"), "k")
				if keys := tpl.Resource("Api").Properties.Keys; strings.Join(keys, ",") != "Name,Description,Items,Chosen" {
					t.Errorf("keys %v", keys)
				}
			},
		},
		{
			name:  "a JSON file",
			src:   includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: props.json}}\n",
			files: map[string]string{"props.json": "{\n  \"Description\": \"from JSON\",\n  \"Tags\": [{\"Key\": \"k\", \"Value\": {\"Ref\": \"AWS::Region\"}}]\n}\n"},
			check: func(t *testing.T, tpl *Template) {
				wantStr(t, prop(t, tpl, "Api", "Description"), "from JSON")
				v := prop(t, tpl, "Api", "Tags[0].Value")
				wantStr(t, v, "us-east-1")
				if v.File != "props.json" || v.Line != 3 {
					t.Errorf("Tags[0].Value at %s:%d", v.File, v.Line)
				}
			},
		},
		{
			name: "in Mappings, and the same file twice",
			src: includeAPI + "      Description: !FindInMap [Env, prod, Name]\n      Tags: [{Key: a, Value: !FindInMap [Env2, prod, Name]}]\n" +
				"Mappings:\n  Env: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: env.yaml}}}\n  Env2: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: env.yaml}}}\n",
			files: map[string]string{"env.yaml": "prod: {Name: production}\n"},
			check: func(t *testing.T, tpl *Template) {
				wantStr(t, prop(t, tpl, "Api", "Description"), "production")
				wantStr(t, prop(t, tpl, "Api", "Tags[0].Value"), "production")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, errs := parseWith(t, "t.yaml", tt.src, tt.files)
			if errs != nil {
				t.Fatalf("unexpected errors:\n%v", errs)
			}
			tt.check(t, tpl)
		})
	}
}

func TestIncludeErrors(t *testing.T) {
	fnInclude := func(loc string) string {
		return includeAPI + "      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: " + loc + "\n"
	}
	const locLine = 9 // the Location line in fnInclude
	bad := "Bad:\n  Type: AWS::ApiGateway::Method\n  Properties:\n    RestApiId:\n      Ref: Apii\n"
	tests := []struct {
		name  string
		src   string
		files map[string]string
		want  []fileErr
	}{
		{"missing file", fnInclude("nope.yaml"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location nope.yaml: cannot read nope.yaml", "Api", "Properties"}}},
		{"s3 location", fnInclude("s3://my-bucket/snippets/props.yaml"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location s3://my-bucket/snippets/props.yaml: apigw reads local files only: download it (aws s3 cp s3://my-bucket/snippets/props.yaml ./props.yaml) and give a path relative to the template", "Api", ""}}},
		{"https location", fnInclude("https://example.com/props.yaml"), nil,
			[]fileErr{{"t.yaml", locLine, "apigw reads local files only: download it and give a path relative to the template (CloudFormation itself reads s3:// URIs only)", "", ""}}},
		{"file:// without a path", fnInclude("file://"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location file://: no path after file://", "", ""}}},
		{"Location a function other than Ref and Fn::Sub", fnInclude("!Join ['', [a, .yaml]]"), nil,
			[]fileErr{{"t.yaml", locLine, "the AWS::Include Location must be the path of a file, or Ref or Fn::Sub of template parameters and pseudo parameters (which CloudFormation resolves before it runs the transform), not the function Fn::Join", "Api", "Properties"}}},
		{"no Location", includeAPI + "      Fn::Transform: {Name: AWS::Include}\n", nil,
			[]fileErr{{"t.yaml", 6, "AWS::Include needs Parameters: {Location: PATH}", "Api", "Properties"}}},
		{"unknown parameter", includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {location: x.yaml}}\n", nil,
			[]fileErr{{"t.yaml", 6, "unknown AWS::Include parameter location; did you mean Location?", "", ""}}},
		{"a list where a map is needed", fnInclude("list.yaml"), map[string]string{"list.yaml": "# a list\n- a\n- b\n"},
			[]fileErr{{"list.yaml", 2, "a file that AWS::Include inserts must hold a map of keys and values (as CloudFormation requires), not a list", "", ""}}},
		{"a string where a map is needed", fnInclude("s.json"), map[string]string{"s.json": `"text"`},
			[]fileErr{{"s.json", 1, "must hold a map of keys and values (as CloudFormation requires), not a string", "", ""}}},
		{"an empty file", fnInclude("empty.yaml"), map[string]string{"empty.yaml": "# nothing\n"},
			[]fileErr{{"t.yaml", locLine, "AWS::Include empty.yaml: the file is empty", "", ""}}},
		{"a YAML syntax error in the file", fnInclude("syntax.yaml"), map[string]string{"syntax.yaml": "A: 1\nB: [unclosed\n"},
			[]fileErr{{"syntax.yaml", 0, "YAML syntax error", "", ""}}},
		{"a JSON syntax error in the file", fnInclude("syntax.json"), map[string]string{"syntax.json": "{\n  \"A\": 1,\n}\n"},
			[]fileErr{{"syntax.json", 3, "JSON syntax error", "", ""}}},
		{"an error in an included resource names the file and line",
			includeAPI + "  Fn::Transform: {Name: AWS::Include, Parameters: {Location: sub/bad.yaml}}\n",
			map[string]string{"sub/bad.yaml": bad},
			[]fileErr{{"sub/bad.yaml", 5, "unresolved reference Apii: no parameter or resource has this name; did you mean Api?", "Bad", "Properties.RestApiId"}}},
		{"an unsupported type in an included resource", includeAPI + "  Fn::Transform: {Name: AWS::Include, Parameters: {Location: q.yaml}}\n",
			map[string]string{"q.yaml": "\nQueue:\n  Type: AWS::SQS::Queuee\n"},
			[]fileErr{{"q.yaml", 3, "unsupported resource type AWS::SQS::Queuee", "Queue", "Type"}}},
		{"a duplicate key in the file", fnInclude("dup.yaml"), map[string]string{"dup.yaml": "A: 1\nA: 2\n"},
			[]fileErr{{"dup.yaml", 2, "duplicate key A (first at line 1)", "", ""}}},
		{"a key in both the file and the map that includes it", fnInclude("name.yaml"), map[string]string{"name.yaml": "Description: d\nName: other\n"},
			[]fileErr{{"name.yaml", 2, "duplicate key Name: the map that includes this file has it too (line 5)", "Api", "Properties.Name"}}},
		{"a section in both", includeAPI + "Transform: {Name: AWS::Include, Parameters: {Location: res.yaml}}\n",
			map[string]string{"res.yaml": "Resources:\n  Other: {Type: AWS::IAM::Role}\n"},
			[]fileErr{{"res.yaml", 1, "duplicate key Resources: the map that includes this file has it too (line 1)", "", "Resources"}}},
		{"nested include", fnInclude("outer.yaml"), map[string]string{
			"outer.yaml": "Description: d\nFn::Transform:\n  Name: AWS::Include\n  Parameters: {Location: inner.yaml}\n",
			"inner.yaml": "Tags: []\n"},
			[]fileErr{{"outer.yaml", 2, "Fn::Transform in a file that AWS::Include inserts: CloudFormation runs no transform there (an included file cannot include another)", "", ""}}},
		{"include cycle", fnInclude("a.yaml"), map[string]string{
			"a.yaml": "Fn::Transform: {Name: AWS::Include, Parameters: {Location: b.yaml}}\nDescription: a\n",
			"b.yaml": "Fn::Transform: {Name: AWS::Include, Parameters: {Location: a.yaml}}\n"},
			[]fileErr{{"a.yaml", 1, "an included file cannot include another", "", ""}}},
		{"the template includes itself", fnInclude("t.yaml"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include t.yaml: the template cannot include itself", "", ""}}},
		{"short forms in an included file", fnInclude("short.yaml"), map[string]string{"short.yaml": "Description: !Sub ${AWS::Region}\nTags: !Ref List\n"},
			[]fileErr{
				{"short.yaml", 1, "!Sub is a short-form function, which CloudFormation does not accept in a file that AWS::Include inserts: write it in long form (Fn::Sub: ...)", "Api", "Properties.Description"},
				{"short.yaml", 2, "write it in long form (Ref:)", "", ""}}},
		{"in the Parameters section", includeAPI + "Parameters:\n  P:\n    Fn::Transform: {Name: AWS::Include, Parameters: {Location: p.yaml}}\n",
			map[string]string{"p.yaml": "Type: String\n"},
			[]fileErr{{"t.yaml", 8, "AWS::Include cannot be used in the Parameters section", "P", ""}}},
		{"Transform section without Parameters", "Transform: AWS::Include\n" + includeAPI, nil,
			[]fileErr{{"t.yaml", 1, "AWS::Include needs Parameters: {Location: PATH}", "", ""}}},
		// transforms apigw does not run keep their errors
		{"another transform in the Transform section", "Transform: [AWS::LanguageExtensions, {Name: AWS::Include, Parameters: {Location: x.yaml}}]\n" + includeAPI, nil,
			[]fileErr{{"t.yaml", 1, "Transform AWS::LanguageExtensions is not supported: transforms and macros run only inside CloudFormation", "", "Transform"}}},
		{"SAM with AWS::Include", "Transform:\n  - {Name: AWS::Include, Parameters: {Location: x.yaml}}\n  - AWS::Serverless-2016-10-31\n" + includeAPI, nil,
			[]fileErr{{"t.yaml", 2, "AWS::Include Location x.yaml: cannot read", "", "Transform"}}},
		{"a macro in Fn::Transform", includeAPI + "      Body:\n        Fn::Transform: {Name: MyMacro, Parameters: {A: b}}\n", nil,
			[]fileErr{{"t.yaml", 7, "Fn::Transform MyMacro is not supported: macros run only inside CloudFormation", "Api", "Properties.Body"}}},
		{"a macro beside other keys", includeAPI + "      Fn::Transform: {Name: MyMacro}\n", nil,
			[]fileErr{{"t.yaml", 6, "Fn::Transform MyMacro is not supported: macros run only inside CloudFormation", "Api", "Properties"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := parseWith(t, "t.yaml", tt.src, tt.files)
			if errs == nil {
				t.Fatalf("no error")
			}
			checkFileErrors(t, errs, tt.want)
		})
	}
}

// An include bomb (a file inserted many times through YAML aliases) is
// refused, as an alias bomb is.
func TestIncludeBomb(t *testing.T) {
	var big strings.Builder
	for i := range 3000 {
		big.WriteString("K" + itoa(i) + ": v\n")
	}
	src := includeAPI + "      Description: &inc {Fn::Transform: {Name: AWS::Include, Parameters: {Location: big.yaml}}}\n      Items: [" +
		strings.TrimSuffix(strings.Repeat("*inc, ", 400), ", ") + "]\n"
	_, errs := parseWith(t, "t.yaml", src, map[string]string{"big.yaml": big.String()})
	checkFileErrors(t, errs, []fileErr{{"t.yaml", 0, "included too many times", "", ""}})
}

func TestIncludeSizeLimit(t *testing.T) {
	huge := "A: " + strings.Repeat("x", 17<<20) + "\n"
	_, errs := parseWith(t, "t.yaml", includeAPI+"      Fn::Transform: {Name: AWS::Include, Parameters: {Location: huge.yaml}}\n", map[string]string{"huge.yaml": huge})
	checkFileErrors(t, errs, []fileErr{{"t.yaml", 6, "the template and the files it includes are larger than 16 MB together", "", ""}})
}

// Locations are relative to the template's folder; file:// is accepted.
func TestIncludePaths(t *testing.T) {
	var asked []string
	o := opts()
	o.ReadFile = memFiles(map[string]string{
		filepath.Join("stacks", "parts", "a.yaml"): "Description: a\n",
		filepath.Join("stacks", "b.yaml"):          "Tags: []\n",
	}, &asked)
	src := includeAPI + "      Fn::Transform:\n        - {Name: AWS::Include, Parameters: {Location: parts/a.yaml}}\n        - {Name: AWS::Include, Parameters: {Location: 'file://./b.yaml'}}\n"
	tpl, err := Parse(filepath.Join("stacks", "t.yaml"), []byte(src), o)
	if err != nil {
		t.Fatal(err)
	}
	wantStr(t, prop(t, tpl, "Api", "Description"), "a")
	if want := filepath.Join("stacks", "parts", "a.yaml") + "," + filepath.Join("stacks", "b.yaml"); strings.Join(asked, ",") != want {
		t.Errorf("read %v, want %s", asked, want)
	}
}

// Errors are sorted by file (the template first), then by line.
func TestIncludeErrorOrder(t *testing.T) {
	src := includeAPI + "  Fn::Transform: {Name: AWS::Include, Parameters: {Location: bad.yaml}}\n  Last: {Type: AWS::IAM::Rolee}\n"
	_, errs := parseWith(t, "t.yaml", src, map[string]string{"bad.yaml": "Bad: {Type: AWS::IAM::Rolee}\n"})
	if len(errs) != 2 || errs[0].File != "t.yaml" || errs[1].File != "bad.yaml" {
		t.Fatalf("errors:\n%v", errs)
	}
}

// The fixtures in testdata/include, read from disk as apigw reads them.
func TestIncludeFiles(t *testing.T) {
	dir := filepath.Join("testdata", "include")
	tpl, err := Load(filepath.Join(dir, "main.yaml"), opts())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range tpl.Resources {
		ids = append(ids, r.LogicalID)
	}
	if strings.Join(ids, ",") != "Api,GetRoot,Root" {
		t.Fatalf("resources %v", ids)
	}
	wantStr(t, prop(t, tpl, "Api", "Name"), "api-prod")
	wantStr(t, prop(t, tpl, "Api", "Description"), "shared settings")
	wantStr(t, prop(t, tpl, "Api", "Policy.Statement[0].Resource"), "execute-api:/prod/*")
	methods := filepath.Join(dir, "snippets", "methods.yaml")
	if r := tpl.Resource("GetRoot"); r.File != methods || r.Line != 1 {
		t.Errorf("GetRoot at %s:%d", r.File, r.Line)
	}
	if v := prop(t, tpl, "GetRoot", "ResourceId"); v.Str != "api-root" || v.File != methods || v.Line != 7 {
		t.Errorf("ResourceId %q at %s:%d", v.Str, v.File, v.Line)
	}
	if v := prop(t, tpl, "Api", "Name"); v.File != "" || v.Line != 13 {
		t.Errorf("Name at %q:%d", v.File, v.Line)
	}
	if len(tpl.Outputs) != 1 || tpl.Outputs[0].Value.Str != "api" || tpl.Outputs[0].File != filepath.Join(dir, "sections", "outputs.yaml") {
		t.Errorf("outputs %+v", tpl.Outputs)
	}
	// Fn::Transform calls run innermost first, then the Transform section.
	want := []string{"snippets/policy.json", "snippets/api-properties.yaml", "snippets/methods.yaml", "sections/outputs.yaml"}
	for i := range want {
		want[i] = filepath.Join(dir, filepath.FromSlash(want[i]))
	}
	if strings.Join(tpl.Includes, ",") != strings.Join(want, ",") {
		t.Errorf("Includes %v, want %v", tpl.Includes, want)
	}

	_, err = Load(filepath.Join(dir, "errors.yaml"), opts())
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("errors.yaml: %v", err)
	}
	checkFileErrors(t, list, []fileErr{
		{filepath.Join(dir, "errors.yaml"), 15, "AWS::Include Location snippets/missing.yaml: cannot read " + filepath.Join(dir, "snippets", "missing.yaml"), "Other", "Properties"},
		{filepath.Join(dir, "snippets", "bad-method.yaml"), 5, "unresolved reference Apii", "BadMethod", "Properties.RestApiId"},
	})
	if got := list.Error(); !strings.Contains(got, filepath.Join(dir, "snippets", "bad-method.yaml")+":5:7: BadMethod.Properties.RestApiId: unresolved reference Apii") {
		t.Errorf("message:\n%s", got)
	}
}

// A Location given with Ref or Fn::Sub of parameters and pseudo parameters
// is resolved before the transform runs, as CloudFormation does.
func TestIncludeLocationFunctions(t *testing.T) {
	// fnInclude has the Fn::Transform on line 13 and its Location on line 16.
	fnInclude := func(params, loc string) string {
		return "Parameters:\n" + params + includeAPI + "      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: " + loc + "\n"
	}
	const params = "  Loc: {Type: String, Default: props.yaml}\n  Name: {Type: String, Default: props}\n  BucketName: {Type: String, Default: my-bucket}\n  Ext: {Type: String, Default: son}\n"
	props := map[string]string{
		"props.yaml": "Description: from props\n",
		filepath.Join("parts", "props-us-east-1.yaml"): "Description: from parts\n",
		filepath.Join("parts", "props-eu-west-1.yaml"): "Description: from eu-west-1\n",
		filepath.Join("dev", "outputs.yaml"):           "Outputs:\n  Id: {Value: dev}\n",
		filepath.Join("t", "props-123456789012.yaml"):  "Description: from stack\n",
		filepath.Join("parts", "props-us-east-1.json"): "{\"Description\": \"from JSON\"}\n",
	}
	tests := []struct {
		name   string
		src    string
		params []string
		region string
		desc   string // the Description of Api, from the included file
		output string // the value of the output Id, when the file adds it
	}{
		{name: "Ref of a parameter with a default", src: fnInclude(params, "!Ref Loc"), desc: "from props"},
		{name: "Ref in long form", src: fnInclude(params, "{Ref: Loc}"), desc: "from props"},
		{name: "Ref of a parameter given with --param", src: fnInclude(params, "!Ref Loc"), params: []string{"Loc=parts/props-us-east-1.yaml"}, desc: "from parts"},
		{name: "Fn::Sub of a parameter", src: fnInclude(params, `!Sub "./${Name}.yaml"`), desc: "from props"},
		{name: "Fn::Sub with file://", src: fnInclude(params, `!Sub "file://${Name}.yaml"`), desc: "from props"},
		{name: "Fn::Sub with a pseudo parameter", src: fnInclude(params, `!Sub "parts/${Name}-${AWS::Region}.yaml"`), region: "eu-west-1", desc: "from eu-west-1"},
		{name: "Fn::Sub of AWS::StackName and AWS::AccountId", src: fnInclude(params, `{"Fn::Sub": "${AWS::StackName}/${Name}-${AWS::AccountId}.yaml"}`), desc: "from stack"},
		{name: "Fn::Sub [string, map]", src: fnInclude(params, `!Sub ["${Dir}/${File}-${AWS::Region}.yaml", {Dir: parts, File: !Ref Name}]`), desc: "from parts"},
		// The map's Ext hides the parameter Ext, which its own Fn::Sub sees.
		{name: "Fn::Sub [string, map] and a parameter outside the map", src: fnInclude(params, `{"Fn::Sub": ["${Dir}/${Name}-us-east-1.${Ext}", {"Dir": "parts", "Ext": !Sub "j${Ext}"}]}`), params: []string{"Name=props"}, desc: "from JSON"},
		{name: "Transform section, with --param",
			src:    "Transform:\n  Name: AWS::Include\n  Parameters:\n    Location: !Sub ${Stage}/outputs.yaml\nParameters:\n  Stage: {Type: String, AllowedValues: [dev, prod], Default: prod}\n" + includeAPI + "      Description: from props\n",
			params: []string{"Stage=dev"}, desc: "from props", output: "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts(tt.params...)
			o.Region = tt.region
			o.ReadFile = memFiles(props, nil)
			tpl, err := Parse("t.yaml", []byte(tt.src), o)
			if err != nil {
				t.Fatalf("unexpected errors:\n%v", err)
			}
			wantStr(t, prop(t, tpl, "Api", "Description"), tt.desc)
			if tt.output != "" && (len(tpl.Outputs) != 1 || tpl.Outputs[0].Value.Str != tt.output) {
				t.Errorf("outputs %+v", tpl.Outputs)
			}
			// The parameters are read once, with their final values.
			seen := map[string]bool{}
			for _, p := range tpl.Parameters {
				if seen[p.Name] {
					t.Errorf("parameter %s listed twice", p.Name)
				}
				seen[p.Name] = true
				if p.Value == nil {
					t.Errorf("parameter %s has no value", p.Name)
				}
			}
		})
	}
}

func TestIncludeLocationFunctionErrors(t *testing.T) {
	fnInclude := func(params, loc string) string {
		return "Parameters:\n" + params + includeAPI + "      Fn::Transform:\n        Name: AWS::Include\n        Parameters:\n          Location: " + loc + "\n"
	}
	// with one parameter: Resources on line 3, the Location on line 11
	const locLine = 11
	const loc = "  Loc: {Type: String, Default: props.yaml}\n"
	const list = "  Loc: {Type: CommaDelimitedList, Default: 'a,b'}\n"
	section := func(params, loc string) string {
		return "Transform:\n  Name: AWS::Include\n  Parameters:\n    Location: " + loc + "\nParameters:\n" + params + includeAPI
	}
	tests := []struct {
		name   string
		src    string
		params []string
		want   []fileErr
	}{
		{"Fn::Sub of an s3:// URI", fnInclude("  BucketName: {Type: String, Default: my-bucket}\n", `!Sub "s3://${BucketName}/api.yaml"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location s3://my-bucket/api.yaml: apigw reads local files only: download it (aws s3 cp s3://my-bucket/api.yaml ./api.yaml) and give a path relative to the template", "Api", "Properties"}}},
		{"Ref of an s3:// URI given with --param, in the Transform section", section("  Loc: {Type: String}\n", "!Ref Loc"), []string{"Loc=s3://b/k/outputs.yaml"},
			[]fileErr{{"t.yaml", 4, "AWS::Include Location s3://b/k/outputs.yaml: apigw reads local files only: download it (aws s3 cp s3://b/k/outputs.yaml ./outputs.yaml)", "", "Transform"}}},
		{"Ref of a resource", fnInclude(loc, "!Ref Api"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Ref Api: Api is a resource; a transform's parameters can refer to template parameters and pseudo parameters only (CloudFormation resolves them before it runs the transform, before any resource exists)", "Api", "Properties"}}},
		{"Fn::Sub of a resource", fnInclude(loc, `!Sub "${Api}.yaml"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Fn::Sub ${Api}: Api is a resource", "Api", "Properties"}}},
		{"Fn::Sub of a resource attribute", fnInclude(loc, `!Sub "${Api.RootResourceId}.yaml"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Fn::Sub ${Api.RootResourceId}: a transform's parameters cannot use attributes of resources (Api)", "", ""}}},
		{"Ref of an unknown name", fnInclude(loc, "!Ref Lok"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Ref Lok: the template declares no parameter Lok; did you mean Loc?", "Api", "Properties"}}},
		{"Fn::Sub of an unknown pseudo parameter", fnInclude(loc, `!Sub "${AWS::Regoin}.yaml"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Fn::Sub ${AWS::Regoin}: unknown pseudo parameter AWS::Regoin; did you mean AWS::Region?", "", ""}}},
		{"Ref AWS::NoValue", fnInclude(loc, "!Ref AWS::NoValue"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Ref AWS::NoValue: AWS::NoValue is not a string", "", ""}}},
		{"a parameter without a value", fnInclude("  Loc: {Type: String}\n", "!Ref Loc"), nil,
			[]fileErr{{"t.yaml", 2, "parameter Loc has no value: pass --param Loc=...", "Loc", ""}}},
		{"a parameter without a value, in Fn::Sub in the Transform section", section("  Dir: {Type: String}\n", `!Sub "${Dir}/outputs.yaml"`), nil,
			[]fileErr{{"t.yaml", 6, "parameter Dir has no value: pass --param Dir=...", "Dir", ""}}},
		{"a parameter that breaks its constraints", fnInclude("  Loc: {Type: String, AllowedValues: [a.yaml]}\n", "!Ref Loc"), []string{"Loc=b.yaml"},
			[]fileErr{{"t.yaml", 2, `parameter Loc: "b.yaml" is not one of the allowed values: a.yaml`, "Loc", ""}}},
		{"a list parameter", fnInclude(list, "!Ref Loc"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Ref Loc: parameter Loc is a list (CommaDelimitedList); the Location must be a string", "", ""}}},
		{"an SSM parameter without --param", fnInclude("  Loc: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /loc}\n", "!Ref Loc"), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Ref Loc: parameter Loc has type AWS::SSM::Parameter::Value<String> and apigw cannot read SSM Parameter Store: pass --param Loc=VALUE", "", ""}}},
		{"an empty path", fnInclude("  Loc: {Type: String, Default: ''}\n", "!Ref Loc"), nil,
			[]fileErr{{"t.yaml", locLine, "the AWS::Include Location must be the path of a file: Ref gives an empty string", "", ""}}},
		{"a function in the Fn::Sub map", fnInclude(loc, `!Sub ["${A}", {A: !GetAtt Api.Arn}]`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: a transform's parameters can use Ref and Fn::Sub of template parameters and pseudo parameters only, not the function Fn::GetAtt", "", ""}}},
		{"a bad Fn::Sub", fnInclude(loc, `!Sub "${Loc"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location: Fn::Sub: unterminated ${", "", ""}}},
		{"a file that cannot be read", fnInclude(loc, `!Sub "parts/${Loc}"`), nil,
			[]fileErr{{"t.yaml", locLine, "AWS::Include Location parts/props.yaml: cannot read " + filepath.Join("parts", "props.yaml"), "Api", "Properties"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts(tt.params...)
			o.ReadFile = memFiles(nil, nil)
			_, err := Parse("t.yaml", []byte(tt.src), o)
			var errs ErrorList
			if !errors.As(err, &errs) {
				t.Fatalf("Parse: %v", err)
			}
			checkFileErrors(t, errs, tt.want)
			// Parameters read for the Location are not read, nor reported, twice.
			seen := map[string]bool{}
			for _, e := range errs {
				if seen[e.Error()] {
					t.Errorf("error reported twice: %v", e)
				}
				seen[e.Error()] = true
				if strings.Contains(e.Msg, "internal error") {
					t.Errorf("internal error: %v", e)
				}
			}
		})
	}
}

// A --param that names no parameter is reported once, whether or not the
// parameters were read early for a Location.
func TestIncludeLocationUnknownParam(t *testing.T) {
	src := "Parameters:\n  Loc: {Type: String, Default: props.yaml}\n" + includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: !Ref Loc}}\n"
	o := opts("Lox=1")
	o.ReadFile = memFiles(map[string]string{"props.yaml": "Description: d\n"}, nil)
	_, err := Parse("t.yaml", []byte(src), o)
	var errs ErrorList
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Msg, "--param Lox: the template declares no parameter Lox; did you mean Loc?") {
		t.Fatalf("errors: %v", err)
	}
}
