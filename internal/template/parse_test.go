package template

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScalarKinds(t *testing.T) {
	tpl := mustParse(t, `
AWSTemplateFormatVersion: 2010-09-09
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Str: hello
      Quoted: "true"
      Single: '12'
      Int: 12
      Float: 1.50
      Hex: 0x1F
      Bool: true
      BoolCaps: True
      Null: ~
      Empty:
      Date: 2024-01-02
      Literal: |
        line one
        line two
      ExplicitStr: !!str 12
`, opts())
	tests := []struct {
		key  string
		kind Kind
		str  string
	}{
		{"Str", String, "hello"},
		{"Quoted", String, "true"},
		{"Single", String, "12"},
		{"Int", Number, "12"},
		{"Float", Number, "1.50"},
		{"Hex", Number, "0x1F"},
		{"Bool", Bool, "true"},
		{"BoolCaps", Bool, "true"},
		{"Null", Null, ""},
		{"Empty", Null, ""},
		{"Date", String, "2024-01-02"},
		{"Literal", String, "line one\nline two\n"},
		{"ExplicitStr", String, "12"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			v := prop(t, tpl, "Api", tt.key)
			if v.Kind != tt.kind || v.Str != tt.str {
				t.Errorf("got %s %q, want %s %q", v.Kind, v.Str, tt.kind, tt.str)
			}
		})
	}
	if v := prop(t, tpl, "Api", "Int"); v.Line != 10 || v.Col != 12 {
		t.Errorf("Int at %d:%d, want 10:12", v.Line, v.Col)
	}
	r := tpl.Resources[0]
	if r.Line != 4 || r.Col != 3 {
		t.Errorf("resource at %d:%d, want 4:3", r.Line, r.Col)
	}
	if got := strings.Join(r.Properties.Keys, ","); got != "Str,Quoted,Single,Int,Float,Hex,Bool,BoolCaps,Null,Empty,Date,Literal,ExplicitStr" {
		t.Errorf("keys not in document order: %s", got)
	}
}

func TestJSON(t *testing.T) {
	src := "{\n\t\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\t\"Resources\": {\n\t\t\"Api\": {\n\t\t\t\"Type\": \"AWS::ApiGateway::RestApi\",\n" +
		"\t\t\t\"Properties\": {\"Name\":\"a\\/b \\u00e9\\ud83d\\ude00\", \"Num\": 5, \"B\": false, \"N\": null, \"Ref\": {\"Ref\": \"AWS::Region\"}}\n\t\t}\n\t}\n}\n"
	tpl, err := Parse("t.json", []byte(src), opts())
	if err != nil {
		t.Fatal(err)
	}
	p := tpl.Resources[0].Properties
	wantStr(t, p.Vals["Name"], "a/b é😀")
	if v := p.Vals["Num"]; v.Kind != Number || v.Str != "5" {
		t.Errorf("Num = %s", show(v))
	}
	if v := p.Vals["B"]; v.Kind != Bool || v.Str != "false" {
		t.Errorf("B = %s", show(v))
	}
	if v := p.Vals["N"]; v.Kind != Null {
		t.Errorf("N = %s", show(v))
	}
	wantStr(t, p.Vals["Ref"], "us-east-1")
	if v := p.Vals["Num"]; v.Line != 6 {
		t.Errorf("Num on line %d, want 6", v.Line)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string
		src  string
		want []wantErr
	}{
		{"empty file", "t.yaml", "", []wantErr{{msg: "the template is empty"}}},
		{"only comments", "t.yaml", "# nothing\n", []wantErr{{msg: "the template is empty"}}},
		{"document marker only", "t.yaml", "---\n", []wantErr{{msg: "the template is empty"}}},
		{"scalar document", "t.yaml", "hello\n", []wantErr{{msg: "a template is a map of sections", line: 1}}},
		{"list document", "t.yaml", "- a\n", []wantErr{{msg: "a template is a map of sections", line: 1}}},
		{"no Resources", "t.yaml", "Description: x\n", []wantErr{{msg: "the template has no Resources section"}}},
		{"empty Resources", "t.yaml", "Resources: {}\n", []wantErr{{msg: "the Resources section is empty", line: 1}}},
		{"null Resources", "t.yaml", "Resources:\n", []wantErr{{msg: "the Resources section is empty", line: 1}}},
		{"Resources a list", "t.yaml", "Resources: [a]\n", []wantErr{{msg: "Resources must be a map, not a list", line: 1}}},
		{"unknown section", "t.yaml", "Resource: {}\nResources:\n  A: {Type: AWS::IAM::Role}\n", []wantErr{{msg: "unknown top-level section Resource; did you mean Resources?", line: 1, prop: "Resource"}}},
		{"bad format version", "t.yaml", "AWSTemplateFormatVersion: 2012-01-01\nResources:\n  A: {Type: AWS::IAM::Role}\n", []wantErr{{msg: "AWSTemplateFormatVersion must be 2010-09-09", line: 1}}},
		{"description not a string", "t.yaml", "Description: [a]\nResources:\n  A: {Type: AWS::IAM::Role}\n", []wantErr{{msg: "Description must be a string", line: 1}}},
		{"SAM transform", "t.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F: {Type: AWS::Serverless::Function, Properties: {CodeUri: ./nope}}\n", []wantErr{{msg: "CodeUri ./nope: no such folder or file", line: 3, id: "F", prop: "Properties.CodeUri"}}},
		{"SAM transform in a list", "t.yaml", "Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]\nResources:\n  F: {Type: AWS::Serverless::Function}\n", []wantErr{{msg: "Transform AWS::LanguageExtensions is not supported: transforms and macros run only inside CloudFormation", line: 1}}},
		{"other transform", "t.yaml", "Transform: AWS::LanguageExtensions\nResources:\n  F: {Type: AWS::IAM::Role}\n", []wantErr{{msg: "Transform AWS::LanguageExtensions is not supported", line: 1}}},
		{"duplicate key", "t.yaml", "Resources:\n  A:\n    Type: AWS::IAM::Role\n  A:\n    Type: AWS::IAM::Role\n", []wantErr{{msg: "duplicate key A (first at line 2)", line: 4, id: "A"}}},
		{"duplicate property", "t.yaml", api + "      Name: again\n", []wantErr{{msg: "duplicate key Name (first at line 6)", line: 7, id: "Api", prop: "Properties.Name"}}},
		{"duplicate section", "t.yaml", "Resources:\n  A: {Type: AWS::IAM::Role}\nResources:\n  B: {Type: AWS::IAM::Role}\n", []wantErr{{msg: "duplicate key Resources", line: 3}}},
		{"duplicate JSON key", "t.json", `{"Resources": {"A": {"Type": "AWS::IAM::Role", "Type": "AWS::IAM::Role"}}}`, []wantErr{{msg: "duplicate key Type (first at line 1, column 22)", line: 1, id: "A", prop: "Type"}}},
		{"unknown tag", "t.yaml", api + "      Code: !Rain::Embed handler.py\n", []wantErr{{msg: "unknown YAML tag !Rain::Embed", line: 7, id: "Api", prop: "Properties.Code"}}},
		{"misspelled tag", "t.yaml", api + "      Code: !Sbu x\n", []wantErr{{msg: "unknown YAML tag !Sbu; did you mean !Sub?", line: 7}}},
		{"unsupported yaml tag", "t.yaml", api + "      Code: !!set {a: null}\n", []wantErr{{msg: "unsupported YAML tag !!set", line: 7}}},
		{"map key a list", "t.yaml", api + "      ? [a]\n      : b\n", []wantErr{{msg: "a map key must be a string, not a list", line: 7}}},
		{"bad indentation", "t.yaml", "Resources:\n  A:\n    Type: x\n      Properties: 1\n", []wantErr{{msg: "YAML syntax error: mapping values are not allowed in this context", line: 4}}},
		{"tab indentation", "t.yaml", "Resources:\n  A:\n\tType: x\n", []wantErr{{msg: "YAML syntax error", line: 3}}},
		{"unclosed quote", "t.yaml", "Resources:\n  A:\n    Type: 'x\n    Properties: {}\n", []wantErr{{msg: "YAML syntax error", line: 3}}},
		{"unclosed flow list", "t.yaml", "Resources:\n  A:\n    Type: x\n    Properties: [1, 2\n    Other: 1\n", []wantErr{{msg: "YAML syntax error", line: 4}}},
		{"two short tags", "t.yaml", "Resources:\n  A:\n    Type: x\n    Properties:\n      Q: 1\n      R: !Base64 !Sub x\n      S: 2\n", []wantErr{{msg: "two short-form functions cannot be nested directly", line: 6}}},
		{"unknown alias", "t.yaml", "Resources:\n  A:\n    Type: x\n    Properties:\n      R: *nothing\n", []wantErr{{msg: "unknown anchor 'nothing'", line: 5}}},
		{"two documents", "t.yaml", "Resources:\n  A: {Type: AWS::IAM::Role}\n---\nResources: {}\n", []wantErr{{msg: "a template is one YAML document", line: 3}}},
		{"JSON syntax error", "t.json", "{\n  \"Resources\": {\n    \"A\": {\"Type\": \"x\",}\n  }\n}\n", []wantErr{{msg: "JSON syntax error: invalid character '}'", line: 3}}},
		{"JSON trailing text", "t.json", "{\"Resources\": {\"A\": {\"Type\": \"AWS::IAM::Role\"}}} {}", []wantErr{{msg: "unexpected text after the template", line: 1}}},
		{"JSON unterminated", "t.json", "{\"Resources\": {", []wantErr{{msg: "JSON syntax error", line: 1}}},
		{"not UTF-8", "t.yaml", "Resources:\n  A: \xff\n", []wantErr{{msg: "not valid UTF-8", line: 2}}},
		{"alias inside its own anchor", "t.yaml", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n      X: &x [a, *x]\n", []wantErr{{msg: "alias *x is used inside its own anchor", line: 5}}},
		{"merge of a scalar", "t.yaml", "Resources:\n  A:\n    <<: x\n    Type: AWS::IAM::Role\n", []wantErr{{msg: "the merge key << needs a map", line: 3}}},
		{"logical ID not alphanumeric", "t.yaml", "Resources:\n  My-Api:\n    Type: AWS::IAM::Role\n", []wantErr{{msg: "a logical ID must be alphanumeric", line: 2, id: "My-Api"}}},
		{"Fn key among others", "t.yaml", api + "      X:\n        Fn::Sub: x\n        Other: y\n", []wantErr{{msg: "Fn::Sub must be the only key of its map", line: 8, prop: "Properties.X.Fn::Sub"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := opts()
			_, err := Parse(tt.file, []byte(tt.src), o)
			var errs ErrorList
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("want errors, got %v", err)
			}
			for _, e := range errs {
				if e.File != tt.file {
					t.Errorf("error without the file name: %#v", e)
				}
			}
			checkErrors(t, errs, tt.want...)
		})
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	tpl := mustParse(t, `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: &props
      Name: shared
      Tags: &tags
        - {Key: team, Value: a}
  Api2:
    Type: AWS::ApiGateway::RestApi
    Properties: *props
  Api3:
    Type: AWS::ApiGateway::RestApi
    Properties:
      <<: *props
      Name: own
      Extra: *tags
`, opts())
	wantStr(t, prop(t, tpl, "Api2", "Name"), "shared")
	wantStr(t, prop(t, tpl, "Api3", "Name"), "own")
	wantStr(t, prop(t, tpl, "Api3", "Tags[0].Key"), "team")
	wantStr(t, prop(t, tpl, "Api3", "Extra[0].Value"), "a")
	if got := strings.Join(tpl.Resource("Api3").Properties.Keys, ","); got != "Tags,Name,Extra" { // merged keys go where << is
		t.Errorf("merged keys %s", got)
	}
	// the copies are distinct values
	if prop(t, tpl, "Api", "Name") == prop(t, tpl, "Api2", "Name") {
		t.Errorf("an alias shares its Value with the anchor")
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n")
	b.WriteString("      l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("      l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*l" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	errs := mustFail(t, b.String(), opts())
	checkErrors(t, errs, wantErr{msg: "more than 1000000 values"})
}

func TestDeepNesting(t *testing.T) {
	src := "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties:\n      X: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n"
	errs := mustFail(t, src, opts())
	checkErrors(t, errs, wantErr{msg: "depth"})
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "my-stack.yaml")
	src := api + "      Stack: !Ref AWS::StackName\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	tpl, err := Load(path, opts())
	if err != nil {
		t.Fatal(err)
	}
	if tpl.File != path {
		t.Errorf("File = %q", tpl.File)
	}
	wantStr(t, prop(t, tpl, "Api", "Stack"), "my-stack")

	_, err = Load(filepath.Join(dir, "missing.yaml"), opts())
	var errs ErrorList
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing.yaml: cannot read the template") {
		t.Errorf("missing file: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "t.yaml", Line: 3, Col: 5, LogicalID: "Api", Property: "Properties.Name", Msg: "bad"}, "t.yaml:3:5: Api.Properties.Name: bad"},
		{Error{File: "t.yaml", Line: 3, LogicalID: "Api", Msg: "bad"}, "t.yaml:3: Api: bad"},
		{Error{File: "t.yaml", Property: "Resources", Msg: "bad"}, "t.yaml: Resources: bad"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestManyIndependentErrors(t *testing.T) {
	errs := mustFail(t, `
Resources:
  A:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Nope1
      ParentId: !GetAtt Nope2.RootResourceId
  B:
    Type: AWS::Nope::Type
  C:
    Type: AWS::ApiGateway::Method
    Properties:
      Uri: !Sub "${Nope3}"
      Bad: !ImportValue x
`, opts())
	if len(errs) != 5 {
		t.Errorf("want 5 errors, got %d:\n%v", len(errs), errs)
	}
	// sorted by line
	for i := 1; i < len(errs); i++ {
		if errs[i].Line < errs[i-1].Line {
			t.Errorf("errors not in line order:\n%v", errs)
		}
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("Resources:\n")
	for i := 0; i < 1500; i++ {
		b.WriteString("  R" + strings.Repeat("x", i%7) + itoa(i) + ":\n    Type: AWS::Nope::Type\n")
	}
	errs := mustFail(t, b.String(), opts())
	if len(errs) != maxErrors+1 || !strings.Contains(errs[len(errs)-1].Msg, "too many errors") {
		t.Errorf("got %d errors, last %v", len(errs), errs[len(errs)-1])
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}
