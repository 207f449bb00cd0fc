package template

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestResources(t *testing.T) {
	tpl := mustParse(t, `
Resources:
  Role:
    Type: AWS::IAM::Role
    DeletionPolicy: Retain
    UpdateReplacePolicy: Retain
  Api:
    Type: AWS::ApiGateway::RestApi
    DependsOn: Role
    Metadata:
      aws:cdk:path: Stack/Api
      Region: !Ref AWS::Region
    Properties:
      Name: api
  Plain:
    Type: AWS::ApiGateway::RestApi
    DependsOn: [Role, Api]
    UpdatePolicy: {}
    CreationPolicy: {}
  Empty:
    Type: AWS::ApiGateway::RestApi
    Properties:
`, opts())
	var ids []string
	for _, r := range tpl.Resources {
		ids = append(ids, r.LogicalID+":"+r.Type)
	}
	if got := strings.Join(ids, " "); got != "Role:AWS::IAM::Role Api:AWS::ApiGateway::RestApi Plain:AWS::ApiGateway::RestApi Empty:AWS::ApiGateway::RestApi" {
		t.Errorf("resources %s", got)
	}
	for _, r := range tpl.Resources {
		if r.Properties == nil || r.Properties.Kind != Map || r.Properties.Vals == nil {
			t.Errorf("%s: Properties %s", r.LogicalID, show(r.Properties))
		}
	}
	api := tpl.Resource("Api")
	if strings.Join(api.DependsOn, ",") != "Role" || strings.Join(tpl.Resource("Plain").DependsOn, ",") != "Role,Api" {
		t.Errorf("DependsOn %v %v", api.DependsOn, tpl.Resource("Plain").DependsOn)
	}
	if got := show(api.Metadata); got != `{"aws:cdk:path":"Stack/Api","Region":"us-east-1"} (map)` {
		t.Errorf("Metadata %s", got)
	}
	if tpl.Resource("Plain").Metadata != nil {
		t.Errorf("Metadata without a Metadata attribute")
	}
	if len(tpl.Notes) != 1 || tpl.Notes[0] != "Role (AWS::IAM::Role): accepted, not served" {
		t.Errorf("notes %q", tpl.Notes)
	}
}

func TestResourceErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"unknown attribute", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Propertes: {}\n", []wantErr{{msg: "unknown resource attribute Propertes; did you mean Properties?", line: 4, id: "A", prop: "Propertes"}}},
		{"no Type", "Resources:\n  A:\n    Properties: {}\n", []wantErr{{msg: "the resource has no Type", line: 2, id: "A", prop: "Type"}}},
		{"Type a list", "Resources:\n  A:\n    Type: [x]\n", []wantErr{{msg: "Type must be a resource type name", line: 3, id: "A", prop: "Type"}}},
		{"Type from a function", "Resources:\n  A:\n    Type: !Ref AWS::Region\n", []wantErr{{msg: "Type must be a resource type name such as AWS::ApiGateway::RestApi, not the function Ref", line: 3}}},
		{"unsupported type", "Resources:\n  Queue:\n    Type: AWS::Kinesis::Stream\n", []wantErr{{msg: "unsupported resource type AWS::Kinesis::Stream", line: 3, id: "Queue", prop: "Type"}}},
		{"misspelled type", "Resources:\n  M:\n    Type: AWS::ApiGateway::Methd\n", []wantErr{{msg: "unsupported resource type AWS::ApiGateway::Methd; did you mean AWS::ApiGateway::Method?", line: 3}}},
		{"SAM type", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: [a]}\n", []wantErr{{msg: "CodeUri must be the path of a local folder", line: 4, id: "F", prop: "Properties.CodeUri"}}},
		{"custom resource attribute", "Resources:\n  C:\n    Type: Custom::Thing\n  B:\n    Type: AWS::IAM::Role\n    Properties:\n      X: !GetAtt C.Url\n", []wantErr{{msg: "C is a custom resource: its attribute Url is made by code that runs inside CloudFormation", line: 7, id: "B"}}},
		{"not a map", "Resources:\n  A: AWS::IAM::Role\n", []wantErr{{msg: "a resource must be a map with Type and Properties, not a string", line: 2, id: "A"}}},
		{"Properties a list", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    Properties: [a]\n", []wantErr{{msg: "Properties must be a map, not a list", line: 4, id: "A", prop: "Properties"}}},
		{"DependsOn unknown", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    DependsOn: Bb\n  B:\n    Type: AWS::IAM::Role\n", []wantErr{{msg: "DependsOn names Bb, which is not a resource in this template; did you mean B?", line: 4, id: "A", prop: "DependsOn"}}},
		{"DependsOn a map", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    DependsOn: {B: 1}\n", []wantErr{{msg: "DependsOn must be a logical ID or a list of them, not a map", prop: "DependsOn"}}},
		{"DependsOn item a list", "Resources:\n  A:\n    Type: AWS::IAM::Role\n    DependsOn: [[B]]\n", []wantErr{{msg: "DependsOn items must be logical IDs, not a list", prop: "DependsOn[0]"}}},
		{"Ref to a resource of an unsupported type stays quiet", "Resources:\n  A:\n    Type: AWS::Nope::X\n  B:\n    Type: AWS::IAM::Role\n    Properties:\n      X: !Ref A\n      Y: !GetAtt A.Arn\n", []wantErr{{msg: "unsupported resource type AWS::Nope::X", line: 3}}},
		{"error in a nested list", "Resources:\n  M:\n    Type: AWS::ApiGateway::Method\n    Properties:\n      MethodResponses:\n        - StatusCode: 200\n        - StatusCode: !Ref Code\n", []wantErr{{msg: "unresolved reference Code", line: 7, id: "M", prop: "Properties.MethodResponses[1].StatusCode"}}},
		{"error in Metadata", "Resources:\n  M:\n    Type: AWS::IAM::Role\n    Metadata:\n      X: !Ref Nope\n", []wantErr{{msg: "unresolved reference Nope", line: 5, id: "M", prop: "Metadata.X"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := mustFail(t, tt.src, opts())
			checkErrors(t, errs, tt.want...)
			if len(errs) != len(tt.want) {
				t.Errorf("want %d errors, got:\n%v", len(tt.want), errs)
			}
		})
	}
}

func TestUnsupportedTypeWithoutRegistry(t *testing.T) {
	errs := mustFail(t, api, Options{Types: map[string]TypeSpec{}})
	checkErrors(t, errs, wantErr{msg: "unsupported resource type AWS::ApiGateway::RestApi", id: "Api", prop: "Type", line: 4})
}

func TestCycles(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want wantErr
	}{
		{"Ref cycle", `
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      X: !Ref B
  B:
    Type: AWS::IAM::Role
    Properties:
      X: !Ref A
`, wantErr{msg: "circular dependency between resources: A -> B -> A (A.Properties.X refers to B at line 6; B.Properties.X refers to A at line 10)", line: 6, id: "A", prop: "Properties.X"}},
		{"Sub and GetAtt cycle", `
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      X: !Sub "${B.Arn}"
  B:
    Type: AWS::IAM::Role
    Properties:
      X: !GetAtt C.Arn
  C:
    Type: AWS::IAM::Role
    Properties:
      X: [!Sub "${A}"]
`, wantErr{msg: "circular dependency between resources: A -> B -> C -> A", line: 6, id: "A"}},
		{"DependsOn cycle", `
Resources:
  A:
    Type: AWS::IAM::Role
    DependsOn: B
  B:
    Type: AWS::IAM::Role
    DependsOn: [A]
`, wantErr{msg: "circular dependency between resources: A -> B -> A (A.DependsOn depends on B at line 5; B.DependsOn[0] depends on A at line 8)", line: 5, id: "A", prop: "DependsOn"}},
		{"self reference", `
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      X: !GetAtt A.Arn
`, wantErr{msg: "circular dependency between resources: A -> A", line: 6, id: "A"}},
		{"cycle through a property that Ref reads", `
Resources:
  F:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${G}-fn"
  G:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${F}-fn"
`, wantErr{msg: "circular dependency between resources: F -> G -> F", line: 6, id: "F"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := mustFail(t, tt.src, opts())
			checkErrors(t, errs, tt.want)
			if len(errs) != 1 {
				t.Errorf("want one error, got:\n%v", errs)
			}
		})
	}
}

func TestNoCycleThroughIfNotTaken(t *testing.T) {
	mustParse(t, `
Conditions:
  Never: !Equals [a, b]
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      X: !If [Never, !Ref B, none]
  B:
    Type: AWS::IAM::Role
    Properties:
      X: !Ref A
`, opts())
}

func TestLazyProperties(t *testing.T) {
	// Ref of a function is its FunctionName, read before the function itself
	// is resolved, and resolved only once.
	calls := 0
	types := testTypes()
	fn := types["AWS::Lambda::Function"]
	inner := fn.Ref
	fn.Ref = func(rc *RefContext) (string, error) {
		calls++
		return inner(rc)
	}
	types["AWS::Lambda::Function"] = fn
	tpl := mustParse(t, `
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
      Again: !Ref Fn
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Sub "${Env}-handler"
      Role: !GetAtt Role.Arn
  Role:
    Type: AWS::IAM::Role
`, Options{Types: types})
	wantStr(t, prop(t, tpl, "Permission", "FunctionName"), "dev-handler")
	wantStr(t, prop(t, tpl, "Fn", "FunctionName"), "dev-handler")
	if calls != 2 {
		t.Errorf("Ref called %d times", calls)
	}
	if got := strings.Join(tpl.Notes, "; "); got != "Permission (AWS::Lambda::Permission): accepted, not served; Role (AWS::IAM::Role): accepted, not served" {
		t.Errorf("notes %s", got)
	}
}

func TestPropertyErrorReportedOnce(t *testing.T) {
	// A property that fails is reported where it is, not again at each Ref
	// that needs it.
	errs := mustFail(t, `
Resources:
  Permission:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Fn
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: !Ref Nope
`, opts())
	if len(errs) != 1 {
		t.Fatalf("want one error, got:\n%v", errs)
	}
	checkErrors(t, errs, wantErr{msg: "unresolved reference Nope", id: "Fn", prop: "Properties.FunctionName", line: 10})
}

func TestTypeSpecErrors(t *testing.T) {
	types := testTypes()
	types["AWS::Test::Wrapping"] = TypeSpec{Ref: func(rc *RefContext) (string, error) {
		v, err := rc.Prop("Name")
		if err != nil {
			return "", fmt.Errorf("reading Name: %w", err)
		}
		return v.Str, nil
	}}
	types["AWS::Test::Panics"] = TypeSpec{Ref: func(rc *RefContext) (string, error) { panic("boom") }}
	// a wrapped "already reported" error stays quiet
	errs := mustFail(t, `
Resources:
  W:
    Type: AWS::Test::Wrapping
    Properties:
      Name: !Ref Nope
  U:
    Type: AWS::IAM::Role
    Properties:
      X: !Ref W
`, Options{Types: types})
	if len(errs) != 1 {
		t.Errorf("want one error, got:\n%v", errs)
	}
	// a panicking TypeSpec is an internal error, not a crash
	_, err := Parse("t.yaml", []byte("Resources:\n  P: {Type: AWS::Test::Panics}\n  U:\n    Type: AWS::IAM::Role\n    Properties: {X: !Ref P}\n"), Options{Types: types})
	var list ErrorList
	if !errors.As(err, &list) || !strings.Contains(list[len(list)-1].Msg, "internal error: panic: boom") {
		t.Errorf("panic: %v", err)
	}
}

// TestRefusedType: a type the caller refuses is an error at its Type line,
// and references to it still resolve, so other errors show in the same run.
func TestRefusedType(t *testing.T) {
	types := testTypes()
	types["AWS::Test::Refused"] = TypeSpec{Refused: "not here yet"}
	src := "Resources:\n  R:\n    Type: AWS::Test::Refused\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      X: !Ref R\n      Y: !Ref Nope\n"
	_, err := Parse("t.yaml", []byte(src), Options{Types: types})
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{"t.yaml:3:5: R.Type: AWS::Test::Refused is not supported yet: not here yet", "t.yaml:8:", "Nope"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "!Ref R") || strings.Count(got, "\n") != 1 {
		t.Errorf("want exactly the refusal and the unresolved reference:\n%s", got)
	}
}
