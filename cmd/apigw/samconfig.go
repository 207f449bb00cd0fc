package main

// SAM CLI's samconfig.toml: when one sits next to the template, its
// parameter_overrides give the template's parameters their values, as
// `sam deploy` and `sam local start-api` use them. --param wins.

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/apigw/apigw/internal/inputfile"
)

const samConfigFile = "samconfig.toml"

// samConfigSections are the tables whose parameter_overrides apigw reads,
// the later winning for a parameter both set: the settings of every
// command, of `sam deploy` (what the deployed stack runs with), and of `sam
// local start-api`. Only SAM CLI's "default" environment is read.
var samConfigSections = []string{"global", "deploy", "local_start_api"}

// samConfig is what apigw takes from a samconfig.toml.
type samConfig struct {
	path      string
	overrides map[string]string // parameter -> value
	from      map[string]string // parameter -> the table that set it
}

// readSamConfig reads the samconfig.toml at path; nil, nil when there is
// none.
func readSamConfig(path string) (*samConfig, error) {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("%s: cannot read SAM CLI's config file: %v", path, err)
	}
	return parseSamConfig(path, string(data))
}

// parseSamConfig reads samconfig.toml contents.
func parseSamConfig(path, data string) (*samConfig, error) {
	var doc map[string]any
	if _, err := toml.Decode(data, &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			// The line of the error's first byte (a newline that should
			// not be there ends the line it is on).
			line := pe.Position.Line
			if pe.Position.Start >= 0 && pe.Position.Start < len(data) {
				line, _ = lineCol([]byte(data), int64(pe.Position.Start))
			}
			return nil, fmt.Errorf("%s:%d: SAM CLI's config file is not valid TOML: %s", path, line, pe.Message)
		}
		return nil, fmt.Errorf("%s: SAM CLI's config file is not valid TOML: %v", path, err)
	}
	sc := &samConfig{path: path, overrides: map[string]string{}, from: map[string]string{}}
	env, _ := doc["default"].(map[string]any)
	for _, section := range samConfigSections {
		cmd, _ := env[section].(map[string]any)
		params, _ := cmd["parameters"].(map[string]any)
		v, ok := params["parameter_overrides"]
		if !ok {
			continue
		}
		where := fmt.Sprintf("[default.%s.parameters] parameter_overrides", section)
		var items []string
		switch v := v.(type) {
		case string:
			items = []string{v}
		case []any:
			for _, it := range v {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("%s: %s: a list of \"Key=Value\" strings, not one with %s", path, where, tomlKind(it))
				}
				items = append(items, s)
			}
		default:
			return nil, fmt.Errorf("%s: %s must be a string (\"Key1=Value1 Key2=\\\"value with spaces\\\"\") or a list of \"Key=Value\" strings, not %s", path, where, tomlKind(v))
		}
		for _, it := range items {
			kv, err := parseParameterOverrides(it)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %v", path, where, err)
			}
			for k, val := range kv {
				sc.overrides[k] = val
				sc.from[k] = section
			}
		}
	}
	return sc, nil
}

func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "a list"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("a %T", v)
}

// SAM CLI's parameter_overrides grammar (samcli/cli/types.py,
// CfnParameterOverridesType): space-separated Key=Value, or
// ParameterKey=Key,ParameterValue=Value, where a value may be wrapped in
// double or single quotes and a backslash escapes the next character.
const (
	samKey   = `([A-Za-z0-9"']+)`
	samValue = `("(?:\\.|[^"\\]+)*"|'(?:\\.|[^'\\]+)*'|(?:\\.|[^ "\\]+)+)`
)

var (
	samLongForm  = regexp.MustCompile(`ParameterKey=` + samKey + `,ParameterValue=` + samValue)
	samShortForm = regexp.MustCompile(` ` + samKey + `=` + samValue)
)

// parseParameterOverrides reads one parameter_overrides string as SAM CLI
// does (the ParameterKey=...,ParameterValue=... form when it has one, else
// Key=Value), but refuses what SAM CLI would silently skip: text that is
// not a Key=Value.
func parseParameterOverrides(s string) (map[string]string, error) {
	out := map[string]string{}
	norm := " " + strings.TrimSpace(s)
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	re := samShortForm
	if samLongForm.MatchString(norm) {
		re = samLongForm
	}
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(norm, -1) {
		if gap := norm[last:m[0]]; strings.TrimSpace(gap) != "" {
			return nil, badOverride(gap)
		}
		out[unquoteOverride(norm[m[2]:m[3]])] = unquoteOverride(norm[m[4]:m[5]])
		last = m[1]
	}
	if rest := norm[last:]; strings.TrimSpace(rest) != "" {
		return nil, badOverride(rest)
	}
	return out, nil
}

func badOverride(text string) error {
	return fmt.Errorf("%q is not Key=Value (a value with spaces is quoted: Key=\"a value\")", strings.TrimSpace(text))
}

// unquoteOverride removes wrapping quotes and unescapes \ , \" and \', as
// SAM CLI's _unquote_wrapped_quotes does.
func unquoteOverride(v string) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		v = v[1 : len(v)-1]
	}
	return strings.NewReplacer(`\ `, " ", `\"`, `"`, `\'`, "'").Replace(v)
}

// apply sets the template's parameters from the overrides, except those
// given with --param (cli) and those the template does not declare (a
// note names them). declared is nil when the template could not be read:
// then nothing is set (loading it says why).
func (sc *samConfig) apply(params, cli map[string]string, declared *peeked) []string {
	if declared == nil {
		return nil
	}
	var used, undeclared []string
	for _, k := range sortedKeys(sc.overrides) {
		switch _, isDeclared := declared.params[k]; {
		case !isDeclared:
			undeclared = append(undeclared, k)
		case hasKey(cli, k):
			used = append(used, k+" (--param wins)")
		default:
			params[k] = sc.overrides[k]
			used = append(used, k)
		}
	}
	var sections []string
	seen := map[string]bool{}
	for _, k := range sortedKeys(sc.from) {
		if !seen[sc.from[k]] {
			seen[sc.from[k]] = true
			sections = append(sections, "[default."+sc.from[k]+".parameters]")
		}
	}
	sort.Strings(sections)
	var notes []string
	switch {
	case len(sc.overrides) == 0:
		notes = append(notes, fmt.Sprintf("%s read: no parameter_overrides in [default.global.parameters], [default.deploy.parameters] or [default.local_start_api.parameters]", sc.path))
	case len(used) > 0:
		notes = append(notes, fmt.Sprintf("%s read: parameter values from %s parameter_overrides: %s", sc.path, strings.Join(sections, ", "), strings.Join(used, ", ")))
	default:
		notes = append(notes, fmt.Sprintf("%s read: it sets no parameter the template declares", sc.path))
	}
	if len(undeclared) > 0 {
		notes = append(notes, fmt.Sprintf("%s: parameter_overrides %s: the template declares no such parameter; ignored", sc.path, strings.Join(undeclared, ", ")))
	}
	return notes
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
