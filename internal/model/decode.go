package model

import (
	"cmp"
	"fmt"
	"reflect"
	"strings"

	"github.com/apigw/apigw/internal/template"
)

// decoder turns a resolved property map into a typed struct, strictly: an
// unknown property, a wrong kind or a missing required property is an error
// that names the logical ID, the property path, the line and the column.
// It records where each property is written in props (by path below
// Properties, as Props says) for the checks that come after.
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
	props Props
}

func (d *decoder) errorf(at Pos, path, format string, args ...any) {
	*d.errs = append(*d.errs, &template.Error{File: cmp.Or(at.File, d.file), Line: at.Line, Col: at.Col, LogicalID: d.logicalID, Property: path, Msg: fmt.Sprintf(format, args...)})
}

// valuePos is where a value is written, or def when it was not (a pseudo
// parameter's or a parameter default's value).
func valuePos(v *template.Value, def Pos) Pos {
	if v != nil && v.Line > 0 {
		return Pos{Line: v.Line, Col: v.Col, File: v.File}
	}
	return def
}

// tpos is a template position as a model one.
func tpos(p template.Pos) Pos { return Pos{Line: p.Line, Col: p.Col, File: p.File} }

// keyPos is where the i-th key of the map parent is written (its line,
// column and file), the place messages about the property point at. def
// (the parent key's position) stands in for a key without one (a map that
// was not read from a source).
func keyPos(parent *template.Value, i int, def Pos) Pos {
	if p, ok := parent.KeyAt(i); ok {
		return tpos(p)
	}
	return def
}

var valueType = reflect.TypeOf((*template.Value)(nil))

// decode fills out (a pointer to a struct) from the map v (the resource's
// Properties) at path; at is where its key is (the Properties key, or the
// logical ID when the resource has none).
func (d *decoder) decode(v *template.Value, path string, at Pos, out any) {
	if d.props == nil {
		d.props = Props{}
	}
	d.props[""] = Prop{Path: path, Pos: at}
	d.value(v, path, "", at, reflect.ValueOf(out).Elem())
}

// record notes where the property rel (below Properties) is.
func (d *decoder) record(rel, path string, at Pos) {
	d.props[rel] = Prop{Path: path, Pos: at}
}

// value decodes v, the property at path (rel below Properties) written at
// at (its key's position), into rv.
func (d *decoder) value(v *template.Value, path, rel string, at Pos, rv reflect.Value) {
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
		before := len(*d.errs)
		d.value(v, path, rel, at, n.Elem())
		if len(*d.errs) == before || rv.Type().Elem().Kind() == reflect.Struct {
			// A scalar that failed stays unset, so that the checks after
			// do not report its zero value too.
			rv.Set(n)
		}
	case reflect.String:
		if !v.IsScalar() {
			d.errorf(at, path, "expected a string, got a %s", v.Kind)
			return
		}
		rv.SetString(v.Str)
	case reflect.Int, reflect.Int64:
		n, err := v.Int()
		if err != nil {
			d.errorf(at, path, "%v", err)
			return
		}
		rv.SetInt(n)
	case reflect.Float64:
		f, err := v.Float()
		if err != nil {
			d.errorf(at, path, "%v", err)
			return
		}
		rv.SetFloat(f)
	case reflect.Bool:
		b, err := v.Boolean()
		if err != nil {
			d.errorf(at, path, "%v", err)
			return
		}
		rv.SetBool(b)
	case reflect.Slice:
		if v.Kind != template.List {
			d.errorf(at, path, "expected a list, got a %s", v.Kind)
			return
		}
		s := reflect.MakeSlice(rv.Type(), len(v.List), len(v.List))
		for i, item := range v.List {
			ip, ir, iat := fmt.Sprintf("%s[%d]", path, i), fmt.Sprintf("%s[%d]", rel, i), valuePos(item, at)
			d.record(ir, ip, iat)
			d.value(item, ip, ir, iat, s.Index(i))
		}
		rv.Set(s)
	case reflect.Map:
		if v.Kind != template.Map {
			d.errorf(at, path, "expected a map, got a %s", v.Kind)
			return
		}
		m := reflect.MakeMapWithSize(rv.Type(), len(v.Keys))
		for i, k := range v.Keys {
			ev := reflect.New(rv.Type().Elem()).Elem()
			kp, kr, kat := path+"."+k, join(rel, k), keyPos(v, i, at)
			d.record(kr, kp, kat)
			d.value(v.Vals[k], kp, kr, kat, ev)
			m.SetMapIndex(reflect.ValueOf(k), ev)
		}
		rv.Set(m)
	case reflect.Struct:
		d.structValue(v, path, rel, at, rv)
	default:
		panic("model: unsupported field type " + rv.Type().String())
	}
}

func (d *decoder) structValue(v *template.Value, path, rel string, at Pos, rv reflect.Value) {
	if v.Kind != template.Map {
		d.errorf(at, path, "expected a map of properties, got a %s", v.Kind)
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
			// Not written: point at the map's own key.
			d.errorf(at, join(path, name), "required property %s is missing", name)
		}
	}
	for ki, k := range v.Keys {
		kat := keyPos(v, ki, at)
		i, ok := known[k]
		if !ok {
			msg := fmt.Sprintf("unknown property %s", k)
			if h, ok := d.hints[t.Name()+"."+k]; ok {
				msg += ": " + h
			} else if s := suggest(k, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			d.errorf(kat, join(path, k), "%s", msg)
			continue
		}
		d.record(join(rel, k), join(path, k), kat)
		d.value(v.Vals[k], join(path, k), join(rel, k), kat, rv.FieldByIndex(i))
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
