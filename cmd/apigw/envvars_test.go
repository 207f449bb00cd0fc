package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/model"
)

// TestEnvVarsParse: SAM CLI's format, values turned into strings as SAM
// CLI does, and clear errors for anything else.
func TestEnvVarsParse(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     map[string]map[string]string
		wantErr  string
	}{
		{"both forms", `{"Parameters": {"A": "g"}, "Fn": {"A": "f", "B": "x"}}`,
			map[string]map[string]string{"Parameters": {"A": "g"}, "Fn": {"A": "f", "B": "x"}}, ""},
		{"scalars", `{"Fn": {"I": 3, "F": 1.5, "E": 1e3, "T": true, "N": null, "Big": 12345678901234567890}}`,
			map[string]map[string]string{"Fn": {"I": "3", "F": "1.5", "E": "1000.0", "T": "true", "N": "", "Big": "12345678901234567890"}}, ""},
		{"empty", `{}`, map[string]map[string]string{}, ""},
		{"not JSON", "{\n  \"Fn\": {\"A\": \"b\",}\n}", nil, "--env-vars f.json:2:19: not valid JSON: "},
		{"two values", `{} {}`, nil, "--env-vars f.json: not valid JSON: more than one value"},
		{"a list", `[]`, nil, `--env-vars f.json: want an object of function logical IDs (and "Parameters", for every function) to objects of variables, such as {"Parameters": {"TABLE": "local"}, "MyFunction": {"STAGE": "dev"}}, not a list`},
		{"flat", `{"A": "b"}`, nil, `--env-vars f.json: "A": want an object of variables ({"VAR": "value"}), not a string`},
		{"nested", `{"Fn": {"A": ["x"]}}`, nil, `--env-vars f.json: "Fn": A: want a string (or a number or boolean), not a list`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parseEnvVars("f.json", []byte(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ev.entries, tc.want) {
				t.Errorf("entries %v, want %v", ev.entries, tc.want)
			}
		})
	}
}

// TestEnvVarsPythonNumbers: numbers as Python's str() writes what json.load
// read.
func TestEnvVarsPythonNumbers(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-7": "-7", "1.0": "1.0", "2.50": "2.5", "1e5": "100000.0", "1E2": "100.0", "1e16": "1e+16",
		"123456789012345.6": "123456789012345.6", "0.0001": "0.0001", "0.00001": "1e-05", "-1.5e-7": "-1.5e-07",
	} {
		if got := pythonNumber(json.Number(in)); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// TestEnvVarsApply: "Parameters" for every function, a function's own
// entry (logical ID, else function name) winning, only declared variables
// set; notes for what sets nothing.
func TestEnvVarsApply(t *testing.T) {
	newModel := func() *model.Model {
		return &model.Model{Functions: []*model.Function{
			{LogicalID: "A", Name: "stack-A", Environment: map[string]string{"X": "a", "Y": "a", "Z": "a"}},
			{LogicalID: "B", Name: "named-b", Environment: map[string]string{"X": "b"}},
			{LogicalID: "C", Name: "stack-C"},
		}}
	}
	for _, tc := range []struct {
		name      string
		file      string
		want      map[string]map[string]string
		wantNotes []string
	}{
		{"global and own", `{"Parameters": {"X": "g", "Y": "g", "W": "g"}, "A": {"Y": "own", "V": "own"}}`,
			map[string]map[string]string{"A": {"X": "g", "Y": "own", "Z": "a"}, "B": {"X": "g"}, "C": nil},
			[]string{"--env-vars f.json: A: V not in the function's Environment.Variables, so not set (SAM CLI sets only the variables a function declares)"}},
		{"by function name", `{"named-b": {"X": "by name"}}`,
			map[string]map[string]string{"A": {"X": "a", "Y": "a", "Z": "a"}, "B": {"X": "by name"}, "C": nil}, nil},
		{"logical ID before name", `{"B": {"X": "by id"}, "named-b": {"X": "by name"}}`,
			map[string]map[string]string{"A": {"X": "a", "Y": "a", "Z": "a"}, "B": {"X": "by id"}, "C": nil}, nil},
		{"no such function", `{"Nope": {"X": "1"}, "C": {"X": "1"}}`,
			map[string]map[string]string{"A": {"X": "a", "Y": "a", "Z": "a"}, "B": {"X": "b"}, "C": nil},
			[]string{"--env-vars f.json: C: X not in the function's Environment.Variables, so not set (SAM CLI sets only the variables a function declares)",
				`--env-vars f.json: "Nope" is no function of the template (by logical ID or function name); ignored`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := parseEnvVars("f.json", []byte(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m := newModel()
			notes := ev.apply(m)
			got := map[string]map[string]string{}
			for _, f := range m.Functions {
				got[f.LogicalID] = f.Environment
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("environments %v, want %v", got, tc.want)
			}
			if !reflect.DeepEqual(notes, tc.wantNotes) {
				t.Errorf("notes\n%q\nwant\n%q", notes, tc.wantNotes)
			}
		})
	}
}
