package template

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// opts returns Options with the test type registry and the given --param values
// ("Name=Value").
func opts(params ...string) Options {
	o := Options{Types: testTypes()}
	if len(params) > 0 {
		o.Params = map[string]string{}
		for _, p := range params {
			k, v, _ := strings.Cut(p, "=")
			o.Params[k] = v
		}
	}
	return o
}

// parse parses src as "test.yaml" and returns the template or the errors.
func parse(t *testing.T, src string, o Options) (*Template, ErrorList) {
	t.Helper()
	if o.Types == nil {
		o.Types = testTypes()
	}
	tpl, err := Parse("test.yaml", []byte(src), o)
	if err == nil {
		if tpl == nil {
			t.Fatalf("Parse returned neither a template nor an error")
		}
		return tpl, nil
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is a %T, not an ErrorList: %v", err, err)
	}
	if len(list) == 0 {
		t.Fatalf("Parse returned an empty ErrorList")
	}
	if tpl != nil {
		t.Fatalf("Parse returned a template with errors")
	}
	for _, e := range list {
		if strings.Contains(e.Msg, "internal error") {
			t.Fatalf("internal error: %v", e)
		}
	}
	return nil, list
}

// mustParse parses src and fails the test on any error.
func mustParse(t *testing.T, src string, o Options) *Template {
	t.Helper()
	tpl, errs := parse(t, src, o)
	if errs != nil {
		t.Fatalf("unexpected errors:\n%v", errs)
	}
	return tpl
}

// mustFail parses src and returns its errors, failing when there are none.
func mustFail(t *testing.T, src string, o Options) ErrorList {
	t.Helper()
	_, errs := parse(t, src, o)
	if errs == nil {
		t.Fatalf("no error for:\n%s", src)
	}
	return errs
}

// wantErr is an expected error: a substring of its message and, when set,
// its line, logical ID and property path.
type wantErr struct {
	msg      string
	line     int
	id, prop string
}

// checkErrors asserts that every expected error is in errs.
func checkErrors(t *testing.T, errs ErrorList, want ...wantErr) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, e := range errs {
			if !strings.Contains(e.Msg, w.msg) {
				continue
			}
			if w.line != 0 && e.Line != w.line {
				continue
			}
			if w.id != "" && e.LogicalID != w.id {
				continue
			}
			if w.prop != "" && e.Property != w.prop {
				continue
			}
			found = true
			break
		}
		if !found {
			t.Errorf("no error %+v in:\n%v", w, errs)
		}
	}
}

// get walks a value by a path such as "Integration.Uri" or "Items[1].Name".
func get(t *testing.T, v *Value, path string) *Value {
	t.Helper()
	for _, seg := range splitPath(path) {
		if v == nil {
			t.Fatalf("%s: nil before %q", path, seg)
		}
		if i, err := strconv.Atoi(seg); err == nil && v.Kind == List {
			if i >= len(v.List) {
				t.Fatalf("%s: index %d out of %d", path, i, len(v.List))
			}
			v = v.List[i]
			continue
		}
		if v.Kind != Map {
			t.Fatalf("%s: %q of a %s", path, seg, v.Kind)
		}
		next, ok := v.Vals[seg]
		if !ok {
			t.Fatalf("%s: no key %q (keys %v)", path, seg, v.Keys)
		}
		v = next
	}
	return v
}

var pathSegRE = regexp.MustCompile(`[^.\[\]]+`)

func splitPath(p string) []string { return pathSegRE.FindAllString(p, -1) }

// prop returns a resolved property of a resource.
func prop(t *testing.T, tpl *Template, id, path string) *Value {
	t.Helper()
	r := tpl.Resource(id)
	if r == nil {
		t.Fatalf("no resource %s", id)
	}
	return get(t, r.Properties, path)
}

// str asserts a String value.
func wantStr(t *testing.T, v *Value, want string) {
	t.Helper()
	if v == nil || v.Kind != String || v.Str != want {
		t.Fatalf("got %s, want string %q", show(v), want)
	}
}

func show(v *Value) string {
	if v == nil {
		return "nil"
	}
	var b bytes.Buffer
	writeValue(&b, v)
	return b.String() + " (" + v.Kind.String() + ")"
}

// hasNoValue reports whether the internal AWS::NoValue marker leaked into v.
func hasNoValue(v *Value) bool {
	if v == nil {
		return false
	}
	if v == noValue {
		return true
	}
	for _, it := range v.List {
		if hasNoValue(it) {
			return true
		}
	}
	for _, k := range v.Keys {
		if hasNoValue(v.Vals[k]) {
			return true
		}
	}
	return false
}

// resourceHeader is a minimal template prefix for tests that add resources.
const api = `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: test
`
