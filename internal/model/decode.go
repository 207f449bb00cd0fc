package model

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/apigw/apigw/internal/template"
)

// decoder turns a resolved property map into a typed struct, strictly: an
// unknown property, a wrong kind or a missing required property is an error
// that names the logical ID, the property path and the line.
//
// Struct fields carry `cfn:"Name"` or `cfn:"Name,required"`. Supported field
// types: string, int, int64, float64, bool, *T of those (to tell unset from
// zero), []T, map[string]string, map[string]bool, structs and pointers to
// structs, and *template.Value for raw values.
type decoder struct {
	file      string
	logicalID string
	errs      *template.ErrorList
	// hints suggest where a misplaced property belongs, keyed by "Struct.Property".
	hints map[string]string
}

func (d *decoder) errorf(v *template.Value, path, format string, args ...any) {
	e := &template.Error{File: d.file, LogicalID: d.logicalID, Property: path, Msg: fmt.Sprintf(format, args...)}
	if v != nil {
		e.Line, e.Col = v.Line, v.Col
	}
	*d.errs = append(*d.errs, e)
}

var valueType = reflect.TypeOf((*template.Value)(nil))

// decode fills out (a pointer to a struct) from the map v at path.
func (d *decoder) decode(v *template.Value, path string, out any) {
	d.value(v, path, reflect.ValueOf(out).Elem())
}

func (d *decoder) value(v *template.Value, path string, rv reflect.Value) {
	if rv.Type() == valueType {
		rv.Set(reflect.ValueOf(v))
		return
	}
	if v == nil || v.Kind == template.Null {
		return
	}
	switch rv.Kind() {
	case reflect.Pointer:
		n := reflect.New(rv.Type().Elem())
		d.value(v, path, n.Elem())
		rv.Set(n)
	case reflect.String:
		if !v.IsScalar() {
			d.errorf(v, path, "expected a string, got a %s", v.Kind)
			return
		}
		rv.SetString(v.Str)
	case reflect.Int, reflect.Int64:
		n, err := v.Int()
		if err != nil {
			d.errorf(v, path, "%v", err)
			return
		}
		rv.SetInt(n)
	case reflect.Float64:
		f, err := v.Float()
		if err != nil {
			d.errorf(v, path, "%v", err)
			return
		}
		rv.SetFloat(f)
	case reflect.Bool:
		b, err := v.Boolean()
		if err != nil {
			d.errorf(v, path, "%v", err)
			return
		}
		rv.SetBool(b)
	case reflect.Slice:
		if v.Kind != template.List {
			d.errorf(v, path, "expected a list, got a %s", v.Kind)
			return
		}
		s := reflect.MakeSlice(rv.Type(), len(v.List), len(v.List))
		for i, item := range v.List {
			d.value(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		rv.Set(s)
	case reflect.Map:
		if v.Kind != template.Map {
			d.errorf(v, path, "expected a map, got a %s", v.Kind)
			return
		}
		m := reflect.MakeMapWithSize(rv.Type(), len(v.Keys))
		for _, k := range v.Keys {
			ev := reflect.New(rv.Type().Elem()).Elem()
			d.value(v.Vals[k], path+"."+k, ev)
			m.SetMapIndex(reflect.ValueOf(k), ev)
		}
		rv.Set(m)
	case reflect.Struct:
		d.structValue(v, path, rv)
	default:
		panic("model: unsupported field type " + rv.Type().String())
	}
}

func (d *decoder) structValue(v *template.Value, path string, rv reflect.Value) {
	if v.Kind != template.Map {
		d.errorf(v, path, "expected a map of properties, got a %s", v.Kind)
		return
	}
	t := rv.Type()
	known := map[string][]int{}
	var names []string
	for _, f := range reflect.VisibleFields(t) {
		tag := f.Tag.Get("cfn")
		if tag == "" || f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		known[name] = f.Index
		names = append(names, name)
		if opts == "required" && v.Get(name) == nil {
			d.errorf(v, join(path, name), "required property %s is missing", name)
		}
	}
	for _, k := range v.Keys {
		i, ok := known[k]
		if !ok {
			msg := fmt.Sprintf("unknown property %s", k)
			if h, ok := d.hints[t.Name()+"."+k]; ok {
				msg += ": " + h
			} else if s := suggest(k, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			d.errorf(v.Vals[k], join(path, k), "%s", msg)
			continue
		}
		d.value(v.Vals[k], join(path, k), rv.FieldByIndex(i))
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// suggest returns the known name closest to s, if it is close enough to be a typo.
func suggest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return n
		}
		if d := distance(strings.ToLower(s), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// distance is the Levenshtein edit distance.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
