package template

import (
	"strings"
	"testing"
)

const condTemplate = `
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Region2: {Type: String, Default: ""}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [{Condition: IsProd}]
  HasRegion2: !Not [!Equals [!Ref Region2, ""]]
  ProdInEurope: !And [!Condition IsProd, !Equals [!Ref "AWS::Region", eu-west-1]]
  ProdOrRegion2:
    Fn::Or:
      - Condition: IsProd
      - Condition: HasRegion2
  ViaIf: !Equals [!If [IsProd, a, b], a]
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !If [IsProd, prod-api, dev-api]
  ProdOnly:
    Type: AWS::ApiGateway::Resource
    Condition: IsProd
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: prod
  DevOnly:
    Type: AWS::ApiGateway::Resource
    Condition: IsDev
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: dev
  Either:
    Type: AWS::ApiGateway::Method
    DependsOn: Api
    Properties:
      ResourceId: !If [IsProd, !Ref ProdOnly, !Ref DevOnly]
      Flags: [!Condition ProdInEurope, !Condition ProdOrRegion2, !Condition ViaIf]
Outputs:
  ProdPath:
    Condition: IsProd
    Value: !Ref ProdOnly
  DevPath:
    Condition: IsDev
    Value: !Ref DevOnly
    Description: the dev resource
`

func TestConditions(t *testing.T) {
	tests := []struct {
		name      string
		o         Options
		resources string
		outputs   string
		resource  string // Either.Properties.ResourceId
		flags     string
		apiName   string
	}{
		{"dev", opts(), "Api,DevOnly,Either", "DevPath", "devonly", `[false,false,false]`, "dev-api"},
		{"prod", opts("Env=prod"), "Api,ProdOnly,Either", "ProdPath", "prodonly", `[false,true,true]`, "prod-api"},
		{"prod in europe", Options{Types: testTypes(), Region: "eu-west-1", Params: map[string]string{"Env": "prod"}}, "Api,ProdOnly,Either", "ProdPath", "prodonly", `[true,true,true]`, "prod-api"},
		{"dev with region2", opts("Region2=x"), "Api,DevOnly,Either", "DevPath", "devonly", `[false,true,false]`, "dev-api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, condTemplate, tt.o)
			var ids []string
			for _, r := range tpl.Resources {
				ids = append(ids, r.LogicalID)
			}
			if got := strings.Join(ids, ","); got != tt.resources {
				t.Errorf("resources %s, want %s", got, tt.resources)
			}
			ids = nil
			for _, o := range tpl.Outputs {
				ids = append(ids, o.LogicalID)
			}
			if got := strings.Join(ids, ","); got != tt.outputs {
				t.Errorf("outputs %s, want %s", got, tt.outputs)
			}
			rid := prop(t, tpl, "Either", "ResourceId")
			if rid.Str != tt.resource || rid.RefTo == "" {
				t.Errorf("ResourceId %s", show(rid))
			}
			if got := strings.TrimSuffix(show(prop(t, tpl, "Either", "Flags")), " (list)"); got != tt.flags {
				t.Errorf("flags %s, want %s", got, tt.flags)
			}
			wantStr(t, prop(t, tpl, "Api", "Name"), tt.apiName)
		})
	}
}

func TestOutputs(t *testing.T) {
	tpl := mustParse(t, condTemplate, opts())
	o := tpl.Outputs[0]
	if o.LogicalID != "DevPath" || o.Description != "the dev resource" || o.Line != 44 || o.Value.Str != "devonly" || o.Value.RefTo != "DevOnly" {
		t.Errorf("output %+v %s", o, show(o.Value))
	}
}

func TestConditionErrors(t *testing.T) {
	base := "Parameters:\n  Env: {Type: String, Default: dev}\n"
	tests := []struct {
		name string
		src  string
		want []wantErr
	}{
		{"cycle", base + `Conditions:
  A: !Condition B
  B: !And [!Condition C, !Equals [a, a]]
  C: !Not [!Condition A]
` + api, []wantErr{{msg: "circular condition: A -> B -> C -> A", line: 4, id: "A"}}},
		{"self cycle", base + "Conditions:\n  A: !Not [!Condition A]\n" + api, []wantErr{{msg: "circular condition: A -> A", id: "A"}}},
		{"condition refers to a resource", base + "Conditions:\n  A: !Equals [!Ref Api, x]\n" + api, []wantErr{{msg: "conditions cannot refer to resources (Ref Api)", line: 4, id: "A"}}},
		{"condition not boolean", base + "Conditions:\n  A: !Ref Env\n" + api, []wantErr{{msg: `a condition must be true or false (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition): expected a boolean, got "dev"`, line: 4, id: "A"}}},
		{"unknown condition in a condition", base + "Conditions:\n  A: !Condition Bb\n  B: !Equals [a, a]\n" + api, []wantErr{{msg: "no condition named Bb; did you mean B?", id: "A"}}},
		{"unknown condition on a resource", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: IsPrd\n", []wantErr{{msg: "no condition named IsPrd in the Conditions section; did you mean IsProd?", line: 11, id: "Api", prop: "Condition"}}},
		{"condition not a string", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: [IsProd]\n", []wantErr{{msg: "Condition must be the name of a condition, not a list", prop: "Condition"}}},
		{"unknown condition on an output", base + api + "Outputs:\n  O:\n    Condition: Nope\n    Value: x\n", []wantErr{{msg: "no condition named Nope", id: "O", prop: "Condition"}}},
		{"Ref to a left-out resource", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: IsProd\n  Res:\n    Type: AWS::ApiGateway::Resource\n    Properties:\n      RestApiId: !Ref Api\n",
			[]wantErr{{msg: "Unresolved resource dependency: Ref Api, which is left out because its condition IsProd is false", line: 15, id: "Res", prop: "Properties.RestApiId"}}},
		{"GetAtt to a left-out resource in an output", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: IsProd\n  Other: {Type: AWS::IAM::Role}\nOutputs:\n  O:\n    Value: !GetAtt Api.RootResourceId\n",
			[]wantErr{{msg: "Unresolved resource dependency: GetAtt Api", id: "O", prop: "Value"}}},
		{"DependsOn a left-out resource", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: IsProd\n  Other:\n    Type: AWS::IAM::Role\n    DependsOn: [Api]\n",
			[]wantErr{{msg: "Unresolved resource dependency: DependsOn names Api, which is left out because its condition IsProd is false", line: 14, id: "Other", prop: "DependsOn[0]"}}},
		{"a left-out resource is checked for unknown names", base + "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n" + api + "    Condition: IsProd\n  Other:\n    Type: AWS::IAM::Role\n    Condition: IsProd\n    Properties:\n      A: !Ref Api\n      B: !Ref Nope\n",
			[]wantErr{{msg: "unresolved reference Nope", id: "Other", prop: "Properties.B"}}},
		{"output Value NoValue", base + api + "Outputs:\n  O:\n    Value: !Ref AWS::NoValue\n", []wantErr{{msg: "the output's Value is AWS::NoValue", id: "O"}}},
		{"output without Value", base + api + "Outputs:\n  O:\n    Description: x\n", []wantErr{{msg: "the output has no Value", id: "O", prop: "Value"}}},
		{"unknown output attribute", base + api + "Outputs:\n  O:\n    Value: x\n    Exprt: {Name: y}\n", []wantErr{{msg: "unknown output attribute Exprt; did you mean Export?", id: "O", prop: "Exprt"}}},
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

func TestConditionsEvaluatedOnce(t *testing.T) {
	// A condition used many times is evaluated once: a reference to a missing
	// SSM value inside it is reported once.
	tpl, errs := parse(t, `
Parameters:
  P: {Type: "AWS::SSM::Parameter::Value<String>", Default: /x}
Conditions:
  C: !Equals [!Ref P, a]
Resources:
  A: {Type: AWS::IAM::Role, Condition: C}
  B: {Type: AWS::IAM::Role, Condition: C}
  D:
    Type: AWS::IAM::Role
    Properties:
      X: !If [C, a, b]
`, opts())
	if tpl != nil || len(errs) != 1 {
		t.Fatalf("want one error, got %v", errs)
	}
	checkErrors(t, errs, wantErr{msg: "cannot read SSM Parameter Store", id: "C", line: 5})
}
