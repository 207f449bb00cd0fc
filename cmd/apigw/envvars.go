package main

// --env-vars FILE: function environment overrides in SAM CLI's JSON format
// (sam local start-api --env-vars):
//
//	{"Parameters": {"VAR": "value"}, "MyFunction": {"VAR": "value"}}
//
// "Parameters" applies to every function, a function's own entry (by
// logical ID, else by function name) wins over it, and only the variables
// a function's Environment.Variables declares are set: SAM CLI's rule
// (samcli/commands/local/lib/local_lambda.py, _make_env_vars, and
// samcli/local/lambdafn/env_vars.py, resolve).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
	"github.com/apigw/apigw/internal/model"
)

// envVarsGlobal is the entry that applies to every function.
const envVarsGlobal = "Parameters"

// envVars is a parsed --env-vars file.
type envVars struct {
	path    string
	entries map[string]map[string]string // "Parameters" or a function -> variable -> value
}

func loadEnvVars(path string) (*envVars, error) {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return nil, fmt.Errorf("--env-vars %s: cannot read it: %v", path, err)
	}
	return parseEnvVars(path, data)
}

// parseEnvVars reads the file's contents: an object of objects whose
// values are strings; numbers and booleans are turned into strings as SAM
// CLI does (true -> "true", 3 -> "3"), null into "".
func parseEnvVars(path string, data []byte) (*envVars, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("--env-vars %s: %s", path, fmt.Sprintf(format, args...))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := lineCol(data, se.Offset-1)
			return nil, fmt.Errorf("--env-vars %s:%d:%d: not valid JSON: %v", path, line, col, err)
		}
		return nil, fail("not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, fail("not valid JSON: more than one value")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, fail(`want an object of function logical IDs (and "Parameters", for every function) to objects of variables, such as {"Parameters": {"TABLE": "local"}, "MyFunction": {"STAGE": "dev"}}, not %s`, jsonKind(top))
	}
	ev := &envVars{path: path, entries: map[string]map[string]string{}}
	for name, v := range obj {
		vars, ok := v.(map[string]any)
		if !ok {
			return nil, fail(`%q: want an object of variables ({"VAR": "value"}), not %s`, name, jsonKind(v))
		}
		out := make(map[string]string, len(vars))
		for k, val := range vars {
			s, err := envValue(val)
			if err != nil {
				return nil, fail("%q: %s: %v", name, k, err)
			}
			out[k] = s
		}
		ev.entries[name] = out
	}
	return ev, nil
}

// envValue is a variable's value as SAM CLI passes it to the function.
func envValue(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case nil:
		return "", nil
	case json.Number:
		return pythonNumber(v), nil
	}
	return "", fmt.Errorf("want a string (or a number or boolean), not %s", jsonKind(v))
}

// pythonNumber writes a JSON number as Python's str() of what json.load
// made of it: integers as written, floats in Python's repr (1.0, 1e+16).
func pythonNumber(n json.Number) string {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := n.Float64()
	if err != nil {
		return s
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	out := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(out, ".") {
		out += ".0"
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

// apply overrides the model's functions' environment variables, and
// returns notes on entries that set nothing: a function the template does
// not have, variables a function does not declare.
func (ev *envVars) apply(m *model.Model) []string {
	global := ev.entries[envVarsGlobal]
	matched := map[string]bool{}
	var notes []string
	for _, f := range m.Functions {
		// SAM CLI: the logical ID's entry, else the function name's (an
		// empty entry counts as none).
		own, key := ev.entries[f.LogicalID], f.LogicalID
		if len(own) == 0 && f.Name != f.LogicalID && len(ev.entries[f.Name]) > 0 {
			own, key = ev.entries[f.Name], f.Name
		}
		matched[f.LogicalID], matched[f.Name] = true, true
		if len(f.Environment) > 0 && (len(global) > 0 || len(own) > 0) {
			env := make(map[string]string, len(f.Environment))
			for k, v := range f.Environment {
				if g, ok := global[k]; ok {
					v = g
				}
				if o, ok := own[k]; ok {
					v = o
				}
				env[k] = v
			}
			f.Environment = env
		}
		var undeclared []string
		for _, k := range sortedKeys(own) {
			if _, ok := f.Environment[k]; !ok {
				undeclared = append(undeclared, k)
			}
		}
		if len(undeclared) > 0 {
			notes = append(notes, fmt.Sprintf("--env-vars %s: %s: %s not in the function's Environment.Variables, so not set (SAM CLI sets only the variables a function declares)",
				ev.path, key, strings.Join(undeclared, ", ")))
		}
	}
	for _, name := range sortedKeys(ev.entries) {
		if name != envVarsGlobal && !matched[name] {
			notes = append(notes, fmt.Sprintf("--env-vars %s: %q is no function of the template (by logical ID or function name); ignored", ev.path, name))
		}
	}
	return notes
}
