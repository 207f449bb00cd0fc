// Package template reads AWS CloudFormation templates (YAML or JSON), resolves
// parameters, conditions, mappings, pseudo parameters and intrinsic functions,
// and yields plain resources whose values keep their source line numbers.
//
// It knows nothing of API Gateway: what !Ref and !GetAtt return for a
// resource type comes from the TypeSpec registry the caller passes in.
package template

import (
	"fmt"
	"strconv"
)

// Kind is the JSON-like kind of a resolved Value.
type Kind uint8

const (
	Null Kind = iota
	Bool
	Number
	String
	List
	Map
)

func (k Kind) String() string {
	switch k {
	case Null:
		return "null"
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case List:
		return "list"
	case Map:
		return "map"
	}
	return "unknown"
}

// Value is a resolved template value. Intrinsic functions are gone; scalars
// keep their text as written (numbers and booleans too) so that nothing is
// lost in conversion.
type Value struct {
	Kind Kind
	// Str holds the scalar text for String, Number and Bool ("true"/"false").
	Str  string
	List []*Value
	// Map keys in document order; duplicate keys are a parse error.
	Keys []string
	// KeyPos[i] is where Keys[i] is written: the key itself, the place
	// messages about the property point at. It belongs to the map (values
	// may be shared). It is shorter than Keys (nil) for a map made without
	// positions: use KeyAt or KeyPosition, which say so.
	KeyPos []Pos
	Vals   map[string]*Value
	// Line and Col locate the value in the template (1-based; 0 when the value
	// was produced by a pseudo parameter or a parameter default).
	Line, Col int
	// File is the file Line and Col are in when it is not the template
	// itself: a file that AWS::Include inserted. "" means Template.File.
	File string
	// RefTo is the logical ID of the resource when this string came straight
	// from !Ref or !GetAtt on a resource (not through !Sub or !Join); Attr is
	// the attribute for !GetAtt. It lets later stages check what a property
	// points at.
	RefTo, Attr string
}

// Pos is a place in a source: 1-based line and column. File is "" for the
// template itself, else a file that AWS::Include inserted.
type Pos struct {
	File      string
	Line, Col int
}

// KeyAt returns where the i-th key of a map is written; false when that is
// not known.
func (v *Value) KeyAt(i int) (Pos, bool) {
	if v == nil || v.Kind != Map || i < 0 || i >= len(v.KeyPos) || v.KeyPos[i].Line == 0 {
		return Pos{}, false
	}
	return v.KeyPos[i], true
}

// KeyPosition returns where key is written in a map; false when the map
// has no such key or its position is not known.
func (v *Value) KeyPosition(key string) (Pos, bool) {
	if v == nil || v.Kind != Map {
		return Pos{}, false
	}
	for i, k := range v.Keys {
		if k == key {
			return v.KeyAt(i)
		}
	}
	return Pos{}, false
}

// Get returns the map entry for key, or nil.
func (v *Value) Get(key string) *Value {
	if v == nil || v.Kind != Map {
		return nil
	}
	return v.Vals[key]
}

// IsScalar reports whether v is a string, number or boolean.
func (v *Value) IsScalar() bool {
	return v != nil && (v.Kind == String || v.Kind == Number || v.Kind == Bool)
}

// Int parses a Number or numeric String.
func (v *Value) Int() (int64, error) {
	if !v.IsScalar() {
		return 0, fmt.Errorf("expected an integer, got a %s", v.Kind)
	}
	n, err := strconv.ParseInt(v.Str, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v.Str, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, fmt.Errorf("expected an integer, got %q", v.Str)
		}
		n = int64(f)
	}
	return n, nil
}

// Float parses a Number or numeric String.
func (v *Value) Float() (float64, error) {
	if !v.IsScalar() {
		return 0, fmt.Errorf("expected a number, got a %s", v.Kind)
	}
	f, err := strconv.ParseFloat(v.Str, 64)
	if err != nil {
		return 0, fmt.Errorf("expected a number, got %q", v.Str)
	}
	return f, nil
}

// Boolean accepts true/false booleans and the strings "true"/"false" (any case),
// as CloudFormation does.
func (v *Value) Boolean() (bool, error) {
	if !v.IsScalar() {
		return false, fmt.Errorf("expected a boolean, got a %s", v.Kind)
	}
	switch v.Str {
	case "true", "True", "TRUE":
		return true, nil
	case "false", "False", "FALSE":
		return false, nil
	}
	return false, fmt.Errorf("expected a boolean, got %q", v.Str)
}

// Error is one problem in a template. Every error names where it is.
type Error struct {
	File      string
	Line, Col int
	LogicalID string // resource, parameter, condition or output; "" at top level
	Property  string // dotted path below the resource, e.g. "Properties.Integration.Uri"
	Msg       string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
		if e.Col > 0 {
			loc = fmt.Sprintf("%s:%d", loc, e.Col)
		}
	}
	s := loc + ": "
	if e.LogicalID != "" {
		s += e.LogicalID
		if e.Property != "" {
			s += "." + e.Property
		}
		s += ": "
	} else if e.Property != "" {
		s += e.Property + ": "
	}
	return s + e.Msg
}

// ErrorList collects several errors; a template that has any is not served.
type ErrorList []*Error

func (l ErrorList) Error() string {
	s := ""
	for i, e := range l {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}
