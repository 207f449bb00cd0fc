package template

import (
	"fmt"
	"strings"
	"testing"
)

// posOf is "file:line:col" of marker on a line of src (file "" for the
// template itself), as a test expects a position.
func posOf(t *testing.T, file, src string, line int, marker string) string {
	t.Helper()
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("no line %d in %q", line, file)
	}
	col := strings.Index(lines[line-1], marker) + 1
	if col == 0 {
		t.Fatalf("no %q on line %d of %q", marker, line, file)
	}
	return fmt.Sprintf("%s:%d:%d", file, line, col)
}

func fmtPos(p Pos) string { return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col) }

// keyPosOf is where key is written in the map v, or "unknown".
func keyPosOf(v *Value, key string) string {
	p, ok := v.KeyPosition(key)
	if !ok {
		return "unknown"
	}
	return fmtPos(p)
}

// TestKeyPositions: resolved maps locate their keys (file, line, column),
// whatever built them: literal maps in block and flow style, maps whose
// AWS::NoValue entries are removed, Fn::If results, copies made by a
// function (at the call), and keys that AWS::Include inserted (in their file).
func TestKeyPositions(t *testing.T) {
	src := `Conditions:
  Yes: !Equals [a, a]
Resources:
  R:
    Type: AWS::IAM::Role
    Properties:
      Flow: {A: 1, B: 2}
      Block:
        Gone: !Ref AWS::NoValue
        Kept: x
      Chosen: !If
        - Yes
        - {Then: 1}
        - {Else: 2}
      Picked: !Select [0, [{P: 1}]]
      Fn::Transform: {Name: AWS::Include, Parameters: {Location: snip.yaml}}
  Whole:
    Type: AWS::IAM::Role
    Properties: !If [Yes, {X: 1}, {Y: 2}]
  Bare:
    Type: AWS::IAM::Role
`
	snip := "Snipped:\n  Inner: 1\n"
	tpl, errs := parseWith(t, "t.yaml", src, map[string]string{"snip.yaml": snip})
	if errs != nil {
		t.Fatal(errs)
	}
	r := tpl.Resource("R")
	if got, want := fmt.Sprintf(":%d:%d", r.Line, r.Col), posOf(t, "", src, 4, "R:"); got != want {
		t.Errorf("R at %s, want %s", got, want)
	}
	if got, want := fmtPos(r.PropertiesAt), posOf(t, "", src, 6, "Properties"); got != want {
		t.Errorf("R's Properties at %s, want %s", got, want)
	}
	props := r.Properties
	if got := strings.Join(props.Keys, " "); got != "Flow Block Chosen Picked Snipped" || len(props.KeyPos) != len(props.Keys) {
		t.Fatalf("keys %q, %d positions", got, len(props.KeyPos))
	}
	for _, c := range []struct {
		m        *Value
		key      string
		file     string
		line     int
		marker   string
		fileText string
	}{
		{props, "Flow", "", 7, "Flow", src},
		{props, "Block", "", 8, "Block", src},
		{props, "Chosen", "", 11, "Chosen", src},
		{props, "Picked", "", 15, "Picked", src},
		{props, "Snipped", "snip.yaml", 1, "Snipped", snip},
		{props.Get("Flow"), "A", "", 7, "A:", src},
		{props.Get("Flow"), "B", "", 7, "B:", src},
		{props.Get("Block"), "Kept", "", 10, "Kept", src},
		{props.Get("Chosen"), "Then", "", 13, "Then", src},
		{props.Get("Picked"), "P", "", 15, "!Select", src}, // a copy: at the call
		{props.Get("Snipped"), "Inner", "snip.yaml", 2, "Inner", snip},
		{tpl.Resource("Whole").Properties, "X", "", 19, "X:", src},
	} {
		if got, want := keyPosOf(c.m, c.key), posOf(t, c.file, c.fileText, c.line, c.marker); got != want {
			t.Errorf("key %s at %s, want %s", c.key, got, want)
		}
	}
	if _, ok := props.Get("Block").KeyPosition("Gone"); ok {
		t.Errorf("the AWS::NoValue entry Gone has a position")
	}
	if p := tpl.Resource("Bare").PropertiesAt; p.Line != 0 {
		t.Errorf("a resource without Properties has them at %v", p)
	}
	if _, ok := (&Value{Kind: Map, Keys: []string{"k"}, Vals: map[string]*Value{"k": {}}}).KeyAt(0); ok {
		t.Errorf("a map made without positions has one")
	}

	// JSON: keys are where their opening quote is.
	js := `{"Resources": {"R": {"Type": "AWS::IAM::Role",
  "Properties": {"A": {"B": "x"}}}}}`
	tpl = mustParse(t, js, opts())
	props = tpl.Resource("R").Properties
	if got, want := keyPosOf(props, "A"), posOf(t, "", js, 2, `"A"`); got != want {
		t.Errorf("JSON key A at %s, want %s", got, want)
	}
	if got, want := keyPosOf(props.Get("A"), "B"), posOf(t, "", js, 2, `"B"`); got != want {
		t.Errorf("JSON key B at %s, want %s", got, want)
	}
}

// TestErrorsAtKeys: the template's errors about a key point at the key
// (line and column), not at its value, which for a block value is on a
// later line; errors about a function point at the function's key or tag.
func TestErrorsAtKeys(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		marker    string
		want      string // the message after the position
	}{
		{"DependsOn", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    DependsOn:\n      Nope\n",
			4, "DependsOn", "R.DependsOn: DependsOn names Nope, which is not a resource in this template"},
		{"DependsOn item", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    DependsOn:\n      - Nope\n",
			5, "Nope", "R.DependsOn[0]: DependsOn names Nope"},
		{"resource Condition", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Condition:\n      Nop\n",
			4, "Condition", "R.Condition: no condition named Nop in the Conditions section"},
		{"Type", "Resources:\n  R:\n    Type:\n      AWS::Nope::Thing\n",
			3, "Type", "R.Type: unsupported resource type AWS::Nope::Thing"},
		{"resource not a map", "Resources:\n  R:\n    - Type\n",
			2, "R:", "R: a resource must be a map with Type and Properties, not a list"},
		{"Properties not a map", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: !Ref AWS::Region\n",
			4, "Properties", "R.Properties: Properties must be a map, not a string"},
		{"Fn::Sub in a block map", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      A:\n        Fn::Sub: ${Nope}\n",
			6, "Fn::Sub", "R.Properties.A: Fn::Sub: ${Nope}: unresolved reference Nope"},
		{"Fn::Sub in a flow map", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      A: {Fn::Sub: '${Nope}'}\n",
			5, "Fn::Sub", "R.Properties.A: Fn::Sub: ${Nope}: unresolved reference Nope"},
		{"Fn::Sub in JSON", `{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"A": {"Fn::Sub": "${Nope}"}}}}}`,
			1, `"Fn::Sub"`, "R.Properties.A: Fn::Sub: ${Nope}: unresolved reference Nope"},
		{"!Sub", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      A: !Sub ${Nope}\n",
			5, "!Sub", "R.Properties.A: Fn::Sub: ${Nope}: unresolved reference Nope"},
		{"Fn::Sub variable", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      A: !Sub\n        - ${X}\n        - X:\n            - a\n",
			7, "X:", "R.Properties.A: Fn::Sub variable X must be a string, not a list"},
		{"another function key", "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      A: {B: 1, Fn::Join: [a, [b]]}\n",
			5, "Fn::Join", "R.Properties.A.Fn::Join: Fn::Join must be the only key of its map"},
		{"parameter Type", "Parameters:\n  P:\n    Type:\n      Strng\nResources:\n  R: {Type: AWS::IAM::Role}\n",
			3, "Type", "P.Type: unknown parameter type Strng"},
		{"parameter Default", "Parameters:\n  P:\n    Type: Number\n    Default:\n      three\nResources:\n  R: {Type: AWS::IAM::Role}\n",
			4, "Default", `P.Default: parameter P is a Number: Default "three" is not a number`},
		{"output Condition", "Resources:\n  R: {Type: AWS::IAM::Role}\nOutputs:\n  O:\n    Condition:\n      Nop\n    Value: x\n",
			5, "Condition", "O.Condition: no condition named Nop"},
		{"mapping not a map", "Mappings:\n  M:\n    - a\nResources:\n  R: {Type: AWS::IAM::Role}\n",
			2, "M:", "M: a mapping must be a map of maps, not a list"},
		{"section not a map", "Resources:\n  R: {Type: AWS::IAM::Role}\nOutputs:\n  - a\n",
			3, "Outputs", "Outputs: Outputs must be a map, not a list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := mustFail(t, c.src, opts())
			want := "test.yaml" + posOf(t, "", c.src, c.line, c.marker) + ": " + c.want
			for _, e := range errs {
				if strings.HasPrefix(e.Error(), want) {
					return
				}
			}
			t.Errorf("no error %q in:\n%v", want, errs)
		})
	}
}
