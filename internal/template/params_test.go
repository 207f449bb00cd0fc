package template

import (
	"strings"
	"testing"
)

// paramTemplate declares one parameter P (its attributes indented below it)
// and a resource whose property X is !Ref P.
func paramTemplate(decl string) string {
	return "Parameters:\n  P:\n    " + strings.ReplaceAll(strings.TrimSpace(decl), "\n", "\n    ") + `
Resources:
  R:
    Type: AWS::ApiGateway::RestApi
    Properties:
      X: !Ref P
`
}

func TestParameterValues(t *testing.T) {
	tests := []struct {
		name   string
		decl   string
		params []string
		want   string
	}{
		{"String default", "Type: String\nDefault: prod", nil, `"prod" (string)`},
		{"String override", "Type: String\nDefault: prod", []string{"P=dev"}, `"dev" (string)`},
		{"String without default, from --param", "Type: String", []string{"P=x"}, `"x" (string)`},
		{"empty default", "Type: String\nDefault: ''", nil, `"" (string)`},
		{"null default", "Type: String\nDefault:", nil, `"" (string)`},
		{"empty --param", "Type: String\nDefault: x", []string{"P="}, `"" (string)`},
		{"String default written as a number", "Type: String\nDefault: 0123", nil, `"0123" (string)`},
		{"Number", "Type: Number\nDefault: 42", nil, `42 (number)`},
		{"Number float", "Type: Number\nDefault: '1.5e3'", nil, `1.5e3 (number)`},
		{"Number override", "Type: Number\nDefault: 1", []string{"P=-7"}, `-7 (number)`},
		{"CommaDelimitedList trims items", "Type: CommaDelimitedList\nDefault: 'a, b ,c'", nil, `["a","b","c"] (list)`},
		{"CommaDelimitedList empty", "Type: CommaDelimitedList\nDefault: ''", nil, `[] (list)`},
		{"CommaDelimitedList override", "Type: CommaDelimitedList\nDefault: a", []string{"P=x,y"}, `["x","y"] (list)`},
		{"CommaDelimitedList default as a YAML list", "Type: CommaDelimitedList\nDefault: [a, b]", nil, `["a","b"] (list)`},
		{"List<Number>", "Type: List<Number>\nDefault: '1, 2'", nil, `[1,2] (list)`},
		{"List<String>", "Type: List<String>\nDefault: 'a,b'", nil, `["a","b"] (list)`},
		{"List of AWS type", "Type: List<AWS::EC2::Subnet::Id>\nDefault: 'subnet-1,subnet-2'", nil, `["subnet-1","subnet-2"] (list)`},
		{"AWS-specific type", "Type: AWS::EC2::KeyPair::KeyName\nDefault: my-key", nil, `"my-key" (string)`},
		{"SSM parameter name", "Type: AWS::SSM::Parameter::Name\nDefault: /a/b", nil, `"/a/b" (string)`},
		{"SSM value from --param", "Type: AWS::SSM::Parameter::Value<String>\nDefault: /a/b", []string{"P=resolved"}, `"resolved" (string)`},
		{"SSM list value from --param", "Type: AWS::SSM::Parameter::Value<List<String>>\nDefault: /a/b", []string{"P=x,y"}, `["x","y"] (list)`},
		{"AllowedValues ok", "Type: String\nDefault: NONE\nAllowedValues: [NONE, AWS_IAM]", nil, `"NONE" (string)`},
		{"AllowedValues override ok", "Type: String\nDefault: NONE\nAllowedValues: [NONE, AWS_IAM]", []string{"P=AWS_IAM"}, `"AWS_IAM" (string)`},
		{"AllowedValues for each list item", "Type: CommaDelimitedList\nDefault: 'a,b'\nAllowedValues: [a, b, c]", nil, `["a","b"] (list)`},
		{"AllowedPattern ok", "Type: String\nDefault: abc\nAllowedPattern: '[a-z]+'", nil, `"abc" (string)`},
		{"Min/MaxLength ok", "Type: String\nDefault: abcd\nMinLength: 4\nMaxLength: '4'", nil, `"abcd" (string)`},
		{"Min/MaxValue ok", "Type: Number\nDefault: 5\nMinValue: 5\nMaxValue: 5.5", nil, `5 (number)`},
		{"NoEcho", "Type: String\nNoEcho: true\nDefault: secret", nil, `"secret" (string)`},
		{"Description and ConstraintDescription", "Type: String\nDescription: d\nConstraintDescription: c\nDefault: x", nil, `"x" (string)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, paramTemplate(tt.decl), opts(tt.params...))
			if got := show(prop(t, tpl, "R", "X")); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if len(tpl.Parameters) != 1 || show(tpl.Parameters[0].Value) != tt.want || tpl.Parameters[0].Name != "P" || tpl.Parameters[0].Line != 2 {
				t.Errorf("Template.Parameters = %+v", tpl.Parameters[0])
			}
		})
	}
}

func TestParameterErrors(t *testing.T) {
	tests := []struct {
		name   string
		decl   string
		params []string
		want   wantErr
	}{
		{"no value", "Type: String", nil, wantErr{msg: "parameter P has no value: pass --param P=...", line: 2, id: "P"}},
		{"no type", "Default: x", nil, wantErr{msg: "the parameter has no Type", line: 2, id: "P", prop: "Type"}},
		{"unknown type", "Type: Strng\nDefault: x", nil, wantErr{msg: "unknown parameter type Strng; did you mean String?", line: 3, prop: "Type"}},
		{"unknown list type", "Type: List<Foo>\nDefault: x", nil, wantErr{msg: "unknown parameter type List<Foo>", line: 3}},
		{"unknown attribute", "Type: String\nDefualt: x", nil, wantErr{msg: "unknown parameter attribute Defualt; did you mean Default?", line: 4, prop: "Defualt"}},
		{"default from a function", "Type: String\nDefault: !Ref AWS::Region", nil, wantErr{msg: "Default must be a literal value", line: 4, prop: "Default"}},
		{"default a map", "Type: String\nDefault: {a: b}", nil, wantErr{msg: "Default must be a string, not a map", line: 4}},
		{"not a number", "Type: Number\nDefault: abc", nil, wantErr{msg: `parameter P is a Number: Default "abc" is not a number`, line: 4, prop: "Default"}},
		{"--param not a number", "Type: Number\nDefault: 1", []string{"P=1x"}, wantErr{msg: `parameter P is a Number: --param value "1x" is not a number`, line: 2}},
		{"list item not a number", "Type: List<Number>\nDefault: '1,x'", nil, wantErr{msg: `parameter P is a List<Number>: Default "x" is not a number`}},
		{"not allowed", "Type: String\nDefault: PUBLIC\nAllowedValues: [NONE, AWS_IAM]", nil, wantErr{msg: `parameter P: "PUBLIC" is not one of the allowed values: NONE, AWS_IAM`, line: 4, prop: "Default"}},
		{"--param not allowed", "Type: String\nDefault: NONE\nAllowedValues: [NONE, AWS_IAM]", []string{"P=x"}, wantErr{msg: `"x" is not one of the allowed values`, line: 2, id: "P"}},
		{"list item not allowed", "Type: CommaDelimitedList\nDefault: 'a,d'\nAllowedValues: [a, b]", nil, wantErr{msg: `"d" is not one of the allowed values`}},
		{"pattern is for the whole value", "Type: String\nDefault: abc1\nAllowedPattern: '[a-z]+'", nil, wantErr{msg: `"abc1" does not match the AllowedPattern [a-z]+`, line: 4}},
		{"pattern with ConstraintDescription", "Type: String\nDefault: '1'\nAllowedPattern: '[a-z]+'\nConstraintDescription: lower-case letters", nil, wantErr{msg: `does not match the AllowedPattern [a-z]+ (lower-case letters)`}},
		{"bad pattern", "Type: String\nDefault: a\nAllowedPattern: '(?=a)'", nil, wantErr{msg: "AllowedPattern is not a regular expression apigw can use", line: 5, prop: "AllowedPattern"}},
		{"too short", "Type: String\nDefault: ab\nMinLength: 3", nil, wantErr{msg: `"ab" is shorter than the MinLength 3`}},
		{"too long", "Type: String\nDefault: abcd\nMaxLength: 3", nil, wantErr{msg: `"abcd" is longer than the MaxLength 3`}},
		{"MinLength not an integer", "Type: String\nDefault: abcd\nMinLength: x", nil, wantErr{msg: `MinLength: expected an integer, got "x"`, line: 5, prop: "MinLength"}},
		{"too small", "Type: Number\nDefault: 1\nMinValue: 2", nil, wantErr{msg: `"1" is less than the MinValue 2`}},
		{"too large", "Type: Number\nDefault: 10\nMaxValue: 9.5", nil, wantErr{msg: `"10" is greater than the MaxValue 9.5`}},
		{"MaxValue not a number", "Type: Number\nDefault: 10\nMaxValue: ten", nil, wantErr{msg: `MaxValue must be a number`, prop: "MaxValue"}},
		{"AllowedValues not a list", "Type: String\nDefault: a\nAllowedValues: a", nil, wantErr{msg: "AllowedValues must be a list, not a string"}},
		{"not a map", "String", nil, wantErr{msg: "a parameter must be a map with Type", line: 2}},
		{"SSM without --param, used", "Type: AWS::SSM::Parameter::Value<String>\nDefault: /a/b", nil, wantErr{msg: "parameter P has type AWS::SSM::Parameter::Value<String> and apigw cannot read SSM Parameter Store: pass --param P=VALUE", line: 9, id: "R", prop: "Properties.X"}},
		{"SSM without default", "Type: AWS::SSM::Parameter::Value<String>", nil, wantErr{msg: "parameter P has no value: pass --param P=...", line: 2}},
		{"undeclared --param", "Type: String\nDefault: x", []string{"Q=1"}, wantErr{msg: "--param Q: the template declares no parameter Q"}},
		{"undeclared --param with suggestion", "Type: String\nDefault: x", []string{"p=1"}, wantErr{msg: "--param p: the template declares no parameter p; did you mean P?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := mustFail(t, paramTemplate(tt.decl), opts(tt.params...))
			if tt.want.id == "" && !strings.HasPrefix(tt.want.msg, "--param") {
				tt.want.id = "P"
			}
			checkErrors(t, errs, tt.want)
			if len(errs) != 1 {
				t.Errorf("want one error, got:\n%v", errs)
			}
		})
	}
}

func TestNoEchoHidesTheValue(t *testing.T) {
	for _, decl := range []string{
		"Type: String\nNoEcho: true\nDefault: hunter2\nAllowedValues: [a]",
		"Type: String\nNoEcho: 'true'\nDefault: hunter2\nAllowedPattern: '[0-9]+'",
		"Type: String\nNoEcho: true\nDefault: hunter2\nMaxLength: 3",
		"Type: Number\nNoEcho: true\nDefault: hunter2",
	} {
		errs := mustFail(t, paramTemplate(decl), opts())
		if strings.Contains(errs.Error(), "hunter2") {
			t.Errorf("NoEcho value printed: %v", errs)
		}
		checkErrors(t, errs, wantErr{msg: "the value", id: "P"})
	}
	errs := mustFail(t, paramTemplate("Type: String\nNoEcho: true\nDefault: x\nAllowedValues: [a]"), opts("P=hunter2"))
	if strings.Contains(errs.Error(), "hunter2") {
		t.Errorf("NoEcho --param value printed: %v", errs)
	}
}

func TestUnusedSSMParameterIsANote(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  BootstrapVersion:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /cdk-bootstrap/hnb659fds/version
`+api, opts())
	if len(tpl.Notes) != 1 || !strings.Contains(tpl.Notes[0], "BootstrapVersion (AWS::SSM::Parameter::Value<String>): no value") {
		t.Errorf("notes %q", tpl.Notes)
	}
	if tpl.Parameters[0].Value != nil {
		t.Errorf("SSM parameter has a value %s", show(tpl.Parameters[0].Value))
	}
}

func TestParameterAndResourceNameClash(t *testing.T) {
	errs := mustFail(t, `
Parameters:
  Api: {Type: String, Default: x}
`+api, opts())
	checkErrors(t, errs, wantErr{msg: "Api is declared both as a parameter (line 3) and as a resource", id: "Api"})
}

func TestParametersInOrder(t *testing.T) {
	tpl := mustParse(t, `
Parameters:
  B: {Type: String, Default: b}
  A: {Type: Number, Default: 1}
  C: {Type: CommaDelimitedList, Default: "x,y"}
`+api, opts("A=2"))
	var got []string
	for _, p := range tpl.Parameters {
		got = append(got, p.Name+":"+p.Type+"="+show(p.Value))
	}
	want := `B:String="b" (string) A:Number=2 (number) C:CommaDelimitedList=["x","y"] (list)`
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	if v := tpl.Parameters[0].Value; v.Line != 3 {
		t.Errorf("a default value is placed at its Default (line %d)", v.Line)
	}
	if v := tpl.Parameters[1].Value; v.Line != 0 {
		t.Errorf("a --param value has no line (line %d)", v.Line)
	}
}
