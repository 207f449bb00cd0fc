package template

import (
	"strings"
	"testing"
)

// fnTemplate is a template with parameters, mappings, conditions and
// resources of several kinds; exprTemplate puts an expression in the property
// X of the resource T.
const fnTemplate = `Parameters:
  Stage: {Type: String, Default: prod}
  Count: {Type: Number, Default: 3}
  Names: {Type: CommaDelimitedList, Default: "a,b,c"}
  Ports: {Type: "List<Number>", Default: "80, 443"}
Mappings:
  RegionMap:
    us-east-1: {Ami: ami-1, Zones: [a, b]}
    eu-west-1: {Ami: ami-2}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
Resources:
  Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: api}}
  Fn: {Type: AWS::Lambda::Function, Properties: {FunctionName: my-fn}}
  Role: {Type: AWS::IAM::Role}
  Vpc: {Type: AWS::EC2::VPC}
  Failing: {Type: AWS::Test::Failing}
  ListAttr: {Type: AWS::Test::ListAttr}
  DevApi: {Type: AWS::ApiGateway::RestApi, Condition: IsDev}
  T:
    Type: AWS::ApiGateway::Method
    Properties:
      X: `

// exprLine is the line of "X:" in exprTemplate.
var exprLine = strings.Count(fnTemplate, "\n") + 1

func exprTemplate(expr string) string {
	return fnTemplate + strings.ReplaceAll(expr, "\n", "\n        ") + "\n"
}

func TestIntrinsicValues(t *testing.T) {
	tests := []struct {
		name   string
		expr   string
		params []string
		want   string // show() of the value
	}{
		// Ref
		{"Ref string parameter", "!Ref Stage", nil, `"prod" (string)`},
		{"Ref overridden parameter", "!Ref Stage", []string{"Stage=dev"}, `"dev" (string)`},
		{"Ref long form", "{Ref: Stage}", nil, `"prod" (string)`},
		{"Ref Number parameter", "!Ref Count", nil, `3 (number)`},
		{"Ref CommaDelimitedList", "!Ref Names", nil, `["a","b","c"] (list)`},
		{"Ref List<Number>", "!Ref Ports", nil, `[80,443] (list)`},
		{"Ref resource with Ref function", "!Ref Api", nil, `{"ref":"Api","value":"api"} (string)`},
		{"Ref resource default", "!Ref Role", nil, `{"ref":"Role","value":"test-Role"} (string)`},
		{"Ref resource from its property", "!Ref Fn", nil, `{"ref":"Fn","value":"my-fn"} (string)`},
		{"Ref AWS::Region", "!Ref AWS::Region", nil, `"us-east-1" (string)`},
		{"Ref AWS::AccountId", "!Ref AWS::AccountId", nil, `"123456789012" (string)`},
		{"Ref AWS::StackName", "!Ref AWS::StackName", nil, `"test" (string)`},
		{"Ref AWS::StackId", "!Ref AWS::StackId", nil, `"arn:aws:cloudformation:us-east-1:123456789012:stack/test/51af3dc0-da77-11e4-872e-1234567db123" (string)`},
		{"Ref AWS::Partition", "!Ref AWS::Partition", nil, `"aws" (string)`},
		{"Ref AWS::URLSuffix", "!Ref AWS::URLSuffix", nil, `"amazonaws.com" (string)`},
		{"Ref AWS::NotificationARNs", "!Ref AWS::NotificationARNs", nil, `[] (list)`},
		// GetAtt
		{"GetAtt dot form", "!GetAtt Api.RootResourceId", nil, `{"getatt":"Api.RootResourceId","value":"api-root"} (string)`},
		{"GetAtt list form", "!GetAtt [Fn, Arn]", nil, `{"getatt":"Fn.Arn","value":"arn:aws:lambda:us-east-1:123456789012:function:my-fn"} (string)`},
		{"GetAtt long form", "{Fn::GetAtt: [Fn, Arn]}", nil, `{"getatt":"Fn.Arn","value":"arn:aws:lambda:us-east-1:123456789012:function:my-fn"} (string)`},
		{"GetAtt long form with dot", "{Fn::GetAtt: Fn.Arn}", nil, `{"getatt":"Fn.Arn","value":"arn:aws:lambda:us-east-1:123456789012:function:my-fn"} (string)`},
		{"GetAtt placeholder ARN", "!GetAtt Role.Arn", nil, `{"getatt":"Role.Arn","value":"arn:aws:iam::123456789012:role/Role"} (string)`},
		{"GetAtt nested attribute", "!GetAtt Role.Some.Nested", nil, `{"getatt":"Role.Some.Nested","value":"arn:aws:iam::123456789012:role/Role"} (string)`},
		{"GetAtt list attribute", "!GetAtt Vpc.CidrBlockAssociations", nil, `{"getatt":"Vpc.CidrBlockAssociations","value":["assoc-1","assoc-2"]} (list)`},
		// Sub
		{"Sub parameter and pseudo", `!Sub "${Stage}-${AWS::Region}"`, nil, `"prod-us-east-1" (string)`},
		{"Sub resource and attribute", `!Sub "${Api}/${Fn.Arn}"`, nil, `"api/arn:aws:lambda:us-east-1:123456789012:function:my-fn" (string)`},
		{"Sub literal", `!Sub "${!Literal} and ${!stageVariables.x}"`, nil, `"${Literal} and ${stageVariables.x}" (string)`},
		{"Sub variable map", `!Sub ["${Stage}-${Extra}", {Stage: override, Extra: !Ref Count}]`, nil, `"override-3" (string)`},
		{"Sub one-item list", `!Sub ["${Stage}"]`, nil, `"prod" (string)`},
		{"Sub number parameter", `!Sub "n=${Count}"`, nil, `"n=3" (string)`},
		{"Sub plain", `!Sub plain`, nil, `"plain" (string)`},
		{"Sub long form", `{Fn::Sub: "${AWS::AccountId}"}`, nil, `"123456789012" (string)`},
		{"Sub spaces in braces", `!Sub "${ Stage }"`, nil, `"prod" (string)`},
		{"Sub dollars", `!Sub "cost $5 {x} $"`, nil, `"cost $5 {x} $" (string)`},
		{"Sub overridden parameter", `!Sub "${Stage}"`, []string{"Stage=beta"}, `"beta" (string)`},
		// Join
		{"Join literal list", `!Join ["-", [a, !Ref Stage, 1]]`, nil, `"a-prod-1" (string)`},
		{"Join list parameter", `!Join [",", !Ref Names]`, nil, `"a,b,c" (string)`},
		{"Join skips NoValue", `!Join ["", [a, !Ref AWS::NoValue, b]]`, nil, `"ab" (string)`},
		{"Join Split", `!Join [":", !Split [",", "x,y"]]`, nil, `"x:y" (string)`},
		{"Join empty", `!Join [",", []]`, nil, `"" (string)`},
		{"Join long form", `{Fn::Join: ["", [a, {Ref: Stage}]]}`, nil, `"aprod" (string)`},
		// Select
		{"Select literal", `!Select [1, [a, b, c]]`, nil, `"b" (string)`},
		{"Select string index", `!Select ["0", !Ref Names]`, nil, `"a" (string)`},
		{"Select index from parameter", `!Select [!Ref Count, [a, b, c, d]]`, nil, `"d" (string)`},
		{"Select keeps provenance", `!Select [0, !GetAtt Vpc.CidrBlockAssociations]`, nil, `{"getatt":"Vpc.CidrBlockAssociations","value":"assoc-1"} (string)`},
		{"Select a map", `!Select [0, [{A: 1}]]`, nil, `{"A":1} (map)`},
		// Split
		{"Split", `!Split [",", "a,b,,c"]`, nil, `["a","b","","c"] (list)`},
		{"Split a Ref", `!Split ["|", !Ref Stage]`, nil, `["prod"] (list)`},
		// Base64
		{"Base64", `!Base64 hello`, nil, `"aGVsbG8=" (string)`},
		{"Base64 of Sub", `{Fn::Base64: !Sub "${Stage}"}`, nil, `"cHJvZA==" (string)`},
		// FindInMap
		{"FindInMap", `!FindInMap [RegionMap, !Ref AWS::Region, Ami]`, nil, `"ami-1" (string)`},
		{"FindInMap list", `!FindInMap [RegionMap, us-east-1, Zones]`, nil, `["a","b"] (list)`},
		{"FindInMap default second key", `!FindInMap [RegionMap, eu-west-1, Zones, {DefaultValue: none}]`, nil, `"none" (string)`},
		{"FindInMap default top key", `!FindInMap [RegionMap, ap-south-1, Ami, {DefaultValue: !Ref Stage}]`, nil, `"prod" (string)`},
		{"FindInMap default unused", `!FindInMap [RegionMap, eu-west-1, Ami, {DefaultValue: none}]`, nil, `"ami-2" (string)`},
		// If and conditions
		{"If true", `!If [IsProd, yes, no]`, nil, `"yes" (string)`},
		{"If false", `!If [IsProd, yes, no]`, []string{"Stage=dev"}, `"no" (string)`},
		{"If with left-out resource in the branch not taken", `!If [IsDev, !Ref DevApi, !Ref Api]`, nil, `{"ref":"Api","value":"api"} (string)`},
		{"If maps", `!If [IsProd, {A: 1}, {B: 2}]`, nil, `{"A":1} (map)`},
		{"If long form", `{Fn::If: [IsDev, a, b]}`, nil, `"b" (string)`},
		{"Equals compares as strings", `!Equals [1, "1"]`, nil, `true (boolean)`},
		{"Equals lists", `!Equals [!Ref Names, [a, b, c]]`, nil, `true (boolean)`},
		{"Equals different", `!Equals [a, b]`, nil, `false (boolean)`},
		{"And", `!And [!Condition IsProd, !Equals [a, a]]`, nil, `true (boolean)`},
		{"Or with long Condition", `!Or [!Condition IsDev, {Condition: IsDev}]`, nil, `false (boolean)`},
		{"Or ten conditions", `!Or [!Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsProd]`, nil, `true (boolean)`},
		{"Not", `!Not [!Equals [a, b]]`, nil, `true (boolean)`},
		{"Condition", `!Condition IsProd`, nil, `true (boolean)`},
		// nesting
		{"nested functions", `!Join ["", [!Select [0, !Split ["-", !Sub "${Stage}-x"]], "!"]]`, nil, `"prod!" (string)`},
		{"functions inside a literal list", `[!Ref Stage, {K: !Ref Count}]`, nil, `["prod",{"K":3}] (list)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl := mustParse(t, exprTemplate(tt.expr), opts(tt.params...))
			got := prop(t, tpl, "T", "X")
			if s := show(got); s != tt.want {
				t.Errorf("%s\n got %s\nwant %s", tt.expr, s, tt.want)
			}
			if hasNoValue(got) {
				t.Errorf("AWS::NoValue leaked into %s", show(got))
			}
		})
	}
}

func TestIntrinsicErrors(t *testing.T) {
	tests := []struct {
		name string
		expr string
		want string
	}{
		// Ref
		{"Ref case", "!Ref stage", "unresolved reference stage: no parameter or resource has this name; did you mean Stage?"},
		{"Ref typo", "!Ref Stagee", "unresolved reference Stagee: no parameter or resource has this name; did you mean Stage?"},
		{"Ref typo of a resource", "!Ref Fun", "did you mean Fn?"},
		{"Ref unknown", "!Ref Completely", "unresolved reference Completely: no parameter or resource has this name"},
		{"Ref unknown pseudo", "!Ref AWS::Regoin", "unknown pseudo parameter AWS::Regoin; did you mean AWS::Region?"},
		{"Ref a list", "{Ref: [a]}", "Ref takes the name of a parameter or resource, not a list"},
		{"Ref empty", "!Ref", "Ref takes the name of a parameter or resource"},
		{"Ref failing type", "!Ref Failing", "Ref Failing: cannot be referenced"},
		{"Ref left-out resource", "!Ref DevApi", "Unresolved resource dependency: Ref DevApi, which is left out because its condition IsDev is false"},
		// GetAtt
		{"GetAtt without dot", "!GetAtt Api", "Fn::GetAtt takes LogicalID.Attribute"},
		{"GetAtt trailing dot", "!GetAtt Api.", "Fn::GetAtt takes LogicalID.Attribute"},
		{"GetAtt unknown resource", "!GetAtt Apii.RootResourceId", "Fn::GetAtt Apii.RootResourceId: no resource named Apii; did you mean Api?"},
		{"GetAtt of a parameter", "!GetAtt Stage.Value", "Stage is a parameter; GetAtt reads attributes of resources"},
		{"GetAtt unknown attribute", "!GetAtt Api.Nope", "Fn::GetAtt Api.Nope: AWS::ApiGateway::RestApi has no attribute Nope (it has RestApiId, RootResourceId)"},
		{"GetAtt no value", "!GetAtt ListAttr.X", "AWS::Test::ListAttr gives no value for attribute X"},
		{"GetAtt attribute from a function", "!GetAtt [Api, !Ref Stage]", "two literal strings"},
		{"GetAtt three items", "!GetAtt [Api, A, B]", "Fn::GetAtt takes LogicalID.Attribute or [LogicalID, Attribute]"},
		{"GetAtt left-out resource", "!GetAtt DevApi.RootResourceId", "Unresolved resource dependency: GetAtt DevApi"},
		// Sub
		{"Sub stage variable", `!Sub "https://${stageVariables.host}/x"`, "${stageVariables.host} is not a template variable: stageVariables is no resource (write ${!stageVariables.host} to pass the text through)"},
		{"Sub context variable", `!Sub "${context.requestId}"`, "write ${!context.requestId} to pass the text through"},
		{"Sub unterminated", `!Sub "a ${Stage"`, "unterminated ${"},
		{"Sub empty variable", `!Sub "${}"`, "empty variable ${}"},
		{"Sub unknown variable", `!Sub "${Stag}"`, "did you mean Stage?"},
		{"Sub list parameter", `!Sub "${Names}"`, "parameter Names is a list (CommaDelimitedList); Fn::Sub needs a string"},
		{"Sub variable a list", `!Sub ["${V}", {V: [a]}]`, "Fn::Sub variable V must be a string, not a list"},
		{"Sub NoValue", `!Sub "${AWS::NoValue}"`, "AWS::NoValue cannot be part of a string"},
		{"Sub NotificationARNs", `!Sub "${AWS::NotificationARNs}"`, "Fn::Sub needs a string"},
		{"Sub three items", `!Sub [a, {}, c]`, "Fn::Sub takes a string or [string, {Name: value}], not a list of 3"},
		{"Sub variables not a map", `!Sub [a, b]`, "the Fn::Sub variables must be a map"},
		{"Sub string from a function", `!Sub [!Ref Stage, {}]`, "the Fn::Sub string must be a literal string"},
		{"Sub unknown resource attribute", `!Sub "${Nope.Arn}"`, "no resource named Nope"},
		{"Sub list attribute", `!Sub "${Vpc.CidrBlockAssociations}"`, "is a list; Fn::Sub needs a string"},
		{"Sub left-out resource", `!Sub "${DevApi}"`, "Unresolved resource dependency: Ref DevApi"},
		{"Sub unknown attribute", `!Sub "${Api.Nope}"`, "Fn::Sub: ${Api.Nope}: AWS::ApiGateway::RestApi has no attribute Nope"},
		// Join
		{"Join not a list", `!Join [",", abc]`, "the Fn::Join values must be a list, not a string"},
		{"Join map item", `!Join [",", [{a: b}]]`, "Fn::Join values must be strings; item 0 is a map"},
		{"Join one argument", `!Join [","]`, "Fn::Join takes [delimiter, [values]], not a list of 1"},
		{"Join delimiter a list", `!Join [[a], [b]]`, "the Fn::Join delimiter must be a string, not a list"},
		// Select
		{"Select out of range", `!Select [3, [a, b]]`, "Fn::Select index 3 is out of range for a list of 2 items"},
		{"Select negative", `!Select [-1, [a]]`, "Fn::Select index -1 is out of range for a list of 1 items"},
		{"Select not an integer", `!Select [x, [a]]`, `the Fn::Select index: expected an integer, got "x"`},
		{"Select from a string", `!Select [0, abc]`, "the Fn::Select values must be a list, not a string"},
		// Split, Base64
		{"Split empty delimiter", `!Split ["", abc]`, "the Fn::Split delimiter cannot be empty"},
		{"Split a list", `!Split [",", [a]]`, "the Fn::Split source must be a string, not a list"},
		{"Split not a list", `!Split abc`, "Fn::Split takes [delimiter, string], not a string"},
		{"Base64 of a list", `!Base64 [a]`, "the Fn::Base64 value must be a string, not a list"},
		// FindInMap
		{"FindInMap unknown map", `!FindInMap [RegionMapp, a, b]`, "Fn::FindInMap: no mapping named RegionMapp; did you mean RegionMap?"},
		{"FindInMap unknown top key", `!FindInMap [RegionMap, us-east-2, Ami]`, "mapping RegionMap has no top-level key us-east-2; did you mean us-east-1? (keys: us-east-1, eu-west-1)"},
		{"FindInMap unknown second key", `!FindInMap [RegionMap, eu-west-1, Zones]`, "mapping RegionMap has no key Zones under eu-west-1 (keys: Ami)"},
		{"FindInMap bad default", `!FindInMap [RegionMap, a, b, {Default: x}]`, "the fourth Fn::FindInMap argument must be {DefaultValue: value}"},
		{"FindInMap two arguments", `!FindInMap [RegionMap, a]`, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"},
		{"FindInMap list key", `!FindInMap [RegionMap, [a], b]`, "Fn::FindInMap: the top-level key must be a string, not a list"},
		// If and conditions
		{"If unknown condition", `!If [IsProdd, a, b]`, "no condition named IsProdd; did you mean IsProd?"},
		{"If two arguments", `!If [IsProd, a]`, "Fn::If takes [condition name, value if true, value if false], not a list of 2"},
		{"If condition a list", `!If [[a], b, c]`, "the first Fn::If argument must be a condition name, not a list"},
		{"If branch not taken is checked", `!If [IsDev, !Ref Nope, a]`, "unresolved reference Nope"},
		{"If branch not taken: Sub", `!If [IsDev, !Sub "${Nope}", a]`, "${Nope}: unresolved reference Nope"},
		{"If branch not taken: GetAtt", `!If [IsDev, !GetAtt Nope.Arn, a]`, "Fn::GetAtt Nope: no resource named Nope"},
		{"If branch not taken: unknown function", `!If [IsDev, {Fn::Nope: 1}, a]`, "unknown intrinsic function Fn::Nope"},
		{"And of one", `!And [!Condition IsProd]`, "Fn::And takes a list of 2 to 10 conditions, not a list of 1"},
		{"Or of eleven", `!Or [!Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsProd]`, "Fn::Or takes a list of 2 to 10 conditions, not a list of 11"},
		{"Not of a string", `!Not [abc]`, "a condition must be true or false"},
		{"Not not a list", `!Not abc`, "Fn::Not takes [condition], not a string"},
		{"Equals of three", `!Equals [a, b, c]`, "Fn::Equals takes [value, value], not a list of 3"},
		{"Condition unknown", `!Condition Nope`, "no condition named Nope"},
		{"Condition in And unknown", `!And [{Condition: IsProdd}, !Condition IsProd]`, "no condition named IsProdd; did you mean IsProd?"},
		// refused and unknown functions
		{"ImportValue", `!ImportValue shared-vpc`, "Fn::ImportValue is not supported: apigw serves one stack; pass the value with --param"},
		{"GetAZs", `!GetAZs ""`, "Fn::GetAZs is not supported"},
		{"Cidr", `!Cidr [10.0.0.0/16, 2, 8]`, "Fn::Cidr is not supported"},
		{"Transform: a macro", `{Fn::Transform: {Name: MyMacro, Parameters: {Location: s3://b/k}}}`, "Fn::Transform MyMacro is not supported: macros run only inside CloudFormation"},
		{"Transform: short form", `!Transform {Name: MyMacro}`, "Fn::Transform MyMacro is not supported: macros run only inside CloudFormation"},
		{"Transform: SAM", `{Fn::Transform: {Name: AWS::Serverless-2016-10-31}}`, "Fn::Transform AWS::Serverless-2016-10-31 is not supported: macros run only inside CloudFormation"},
		{"Transform: AWS::Include from S3", `{Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/k}}}`, "AWS::Include Location s3://b/k: apigw reads local files only: download it (aws s3 cp s3://b/k ./k) and give a path relative to the template"},
		{"Length", `{Fn::Length: [a]}`, "Fn::Length is not supported: it needs the AWS::LanguageExtensions transform"},
		{"ToJsonString", `!ToJsonString {a: b}`, "Fn::ToJsonString is not supported"},
		{"ForEach", `{"Fn::ForEach::Loop": [x, [a], {}]}`, "Fn::ForEach::Loop is not supported"},
		{"Rules function", `{Fn::Contains: [[a], a]}`, "Fn::Contains can only be used in the Rules section"},
		{"unknown function", `{Fn::Joinn: [a, [b]]}`, "unknown intrinsic function Fn::Joinn; did you mean Fn::Join?"},
		{"unknown function without suggestion", `{Fn::Foo: x}`, "unknown intrinsic function Fn::Foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := mustFail(t, exprTemplate(tt.expr), opts())
			checkErrors(t, errs, wantErr{msg: tt.want, line: exprLine, id: "T", prop: "Properties.X"})
			if len(errs) != 1 {
				t.Errorf("want one error, got:\n%v", errs)
			}
		})
	}
}

func TestNoSuggestionWhenFar(t *testing.T) {
	errs := mustFail(t, exprTemplate("!Ref Xyz"), opts())
	if strings.Contains(errs[0].Msg, "did you mean") {
		t.Errorf("unexpected suggestion: %v", errs[0])
	}
}

func TestNoValue(t *testing.T) {
	tpl := mustParse(t, fnTemplate+`
        Keep: a
      Drop: !Ref AWS::NoValue
      List: [a, !Ref AWS::NoValue, b]
      Cond: !If [IsDev, x, !Ref AWS::NoValue]
      Nested: {A: !Ref AWS::NoValue, B: 1}
  WholeProps:
    Type: AWS::ApiGateway::RestApi
    Properties: !If [IsDev, {Name: x}, !Ref AWS::NoValue]
`, opts())
	p := tpl.Resource("T").Properties
	if got := strings.Join(p.Keys, ","); got != "X,List,Nested" {
		t.Errorf("keys %s", got)
	}
	if got := show(p); got != `{"X":{"Keep":"a"},"List":["a","b"],"Nested":{"B":1}} (map)` {
		t.Errorf("properties %s", got)
	}
	if w := tpl.Resource("WholeProps").Properties; w == nil || w.Kind != Map || len(w.Keys) != 0 {
		t.Errorf("WholeProps properties %s", show(w))
	}
}

func TestFunctionResultLocation(t *testing.T) {
	src := exprTemplate("!Ref Names") + `      Sel: !Select [1, [a, b]]
      Split: !Split [",", "a,b"]
      Att: !GetAtt Vpc.CidrBlockAssociations
      Lit: [x, !Ref Stage]
      Sub: !Sub "${Api}"
      Join: !Join ["", [!Ref Api]]
      IfRef: !If [IsProd, !Ref Api, x]
`
	tpl := mustParse(t, src, opts())
	colOf := func(line int, s string) int {
		return strings.Index(strings.Split(src, "\n")[line-1], s) + 1
	}
	check := func(path string, v *Value, line int, marker string) {
		t.Helper()
		col := colOf(line, marker)
		if v.Line != line || v.Col != col {
			t.Errorf("%s at %d:%d, want %d:%d", path, v.Line, v.Col, line, col)
		}
	}
	x := prop(t, tpl, "T", "X")
	check("X", x, exprLine, "!Ref")
	check("X[2]", x.List[2], exprLine, "!Ref")
	check("Sel", prop(t, tpl, "T", "Sel"), exprLine+1, "!Select")
	check("Split[1]", prop(t, tpl, "T", "Split[1]"), exprLine+2, "!Split")
	att := prop(t, tpl, "T", "Att")
	check("Att[1]", att.List[1], exprLine+3, "!GetAtt")
	if att.List[1].RefTo != "Vpc" || att.List[1].Attr != "CidrBlockAssociations" || att.RefTo != "Vpc" {
		t.Errorf("list attribute provenance: %+v", att.List[1])
	}
	lit := prop(t, tpl, "T", "Lit")
	check("Lit", lit, exprLine+4, "[x")
	check("Lit[0]", lit.List[0], exprLine+4, "x,")
	check("Lit[1]", lit.List[1], exprLine+4, "!Ref")
	// provenance: only straight Ref/GetAtt (and what passes them through)
	if v := prop(t, tpl, "T", "Sub"); v.RefTo != "" {
		t.Errorf("Sub has RefTo %q", v.RefTo)
	}
	if v := prop(t, tpl, "T", "Join"); v.RefTo != "" {
		t.Errorf("Join has RefTo %q", v.RefTo)
	}
	if v := prop(t, tpl, "T", "IfRef"); v.RefTo != "Api" || v.Attr != "" {
		t.Errorf("If lost RefTo: %+v", v)
	}
}

func TestPseudoParameters(t *testing.T) {
	src := api + `  Other:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Region: !Ref AWS::Region
      Account: !Ref AWS::AccountId
      Stack: !Ref AWS::StackName
      StackId: !Ref AWS::StackId
      Partition: !Ref AWS::Partition
      Suffix: !Ref AWS::URLSuffix
      Sub: !Sub "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}"
`
	tests := []struct {
		name string
		o    Options
		want map[string]string
	}{
		{"defaults", Options{}, map[string]string{
			"Region": "us-east-1", "Account": "123456789012", "Stack": "test", "Partition": "aws", "Suffix": "amazonaws.com",
			"StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/test/51af3dc0-da77-11e4-872e-1234567db123",
			"Sub":     "arn:aws:execute-api:us-east-1:123456789012:api",
		}},
		{"china", Options{Region: "cn-north-1", AccountID: "000000000000", StackName: "prod-stack"}, map[string]string{
			"Region": "cn-north-1", "Account": "000000000000", "Stack": "prod-stack", "Partition": "aws-cn", "Suffix": "amazonaws.com.cn",
			"StackId": "arn:aws-cn:cloudformation:cn-north-1:000000000000:stack/prod-stack/51af3dc0-da77-11e4-872e-1234567db123",
			"Sub":     "arn:aws-cn:execute-api:cn-north-1:000000000000:api",
		}},
		{"gov cloud", Options{Region: "us-gov-west-1"}, map[string]string{
			"Region": "us-gov-west-1", "Partition": "aws-us-gov", "Suffix": "amazonaws.com",
		}},
		{"europe", Options{Region: "eu-west-3"}, map[string]string{"Region": "eu-west-3", "Partition": "aws"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.Types = testTypes()
			tpl := mustParse(t, src, tt.o)
			for k, want := range tt.want {
				v := prop(t, tpl, "Other", k)
				wantStr(t, v, want)
				if v.Line == 0 {
					t.Errorf("%s has no line", k)
				}
			}
		})
	}
}

func TestRefContext(t *testing.T) {
	var seen []RefContext
	types := testTypes()
	types["AWS::Test::Spy"] = TypeSpec{
		Ref: func(rc *RefContext) (string, error) {
			seen = append(seen, *rc)
			v, err := rc.Prop("Name")
			if err != nil {
				return "", err
			}
			missing, err := rc.Prop("Missing")
			if err != nil || missing != nil {
				return "", err
			}
			return "spy-" + v.Str, nil
		},
		GetAtt: func(rc *RefContext, attr string) (*Value, error) {
			return &Value{Kind: String, Str: attr + "@" + rc.LogicalID}, nil
		},
	}
	tpl := mustParse(t, `
Resources:
  User:
    Type: AWS::ApiGateway::RestApi
    Properties:
      A: !Ref Spy
      B: !GetAtt Spy.Some.Thing
  Spy:
    Type: AWS::Test::Spy
    Properties:
      Name: !Sub "${AWS::Region}-x"
`, Options{Types: types, Region: "eu-west-1", AccountID: "111", StackName: "st"})
	wantStr(t, prop(t, tpl, "User", "A"), "spy-eu-west-1-x")
	wantStr(t, prop(t, tpl, "User", "B"), "Some.Thing@Spy")
	if len(seen) != 1 {
		t.Fatalf("Ref called %d times", len(seen))
	}
	rc := seen[0]
	if rc.LogicalID != "Spy" || rc.Type != "AWS::Test::Spy" || rc.Region != "eu-west-1" || rc.AccountID != "111" ||
		rc.StackName != "st" || rc.Partition != "aws" || rc.URLSuffix != "amazonaws.com" {
		t.Errorf("RefContext %+v", rc)
	}
	// the property resolved for Ref is the one in the template's output
	wantStr(t, prop(t, tpl, "Spy", "Name"), "eu-west-1-x")
}
