package template

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// dump renders a parse result as stable, readable JSON for golden files:
// the resources, outputs, parameters and notes of a template, or its errors.
// Values that came straight from Ref or GetAtt on a resource show it:
// {"ref": "Api", "value": "api"}, {"getatt": "Fn.Arn", "value": "arn:..."}.
func dump(t *Template, err error) []byte {
	var b bytes.Buffer
	if err != nil {
		var list ErrorList
		b.WriteString(`{"errors":[`)
		if errors.As(err, &list) {
			for i, e := range list {
				if i > 0 {
					b.WriteByte(',')
				}
				writeString(&b, e.Error())
			}
		} else {
			writeString(&b, err.Error())
		}
		b.WriteString("]}")
		return indent(b.Bytes())
	}
	b.WriteByte('{')
	writeString(&b, "description")
	b.WriteByte(':')
	writeString(&b, t.Description)
	b.WriteString(`,"parameters":[`)
	for i, p := range t.Parameters {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"name":`)
		writeString(&b, p.Name)
		b.WriteString(`,"type":`)
		writeString(&b, p.Type)
		b.WriteString(`,"line":` + strconv.Itoa(p.Line) + `,"value":`)
		writeValue(&b, p.Value)
		b.WriteByte('}')
	}
	b.WriteString(`],"resources":[`)
	for i, r := range t.Resources {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"logicalId":`)
		writeString(&b, r.LogicalID)
		b.WriteString(`,"type":`)
		writeString(&b, r.Type)
		b.WriteString(`,"line":` + strconv.Itoa(r.Line))
		if len(r.DependsOn) > 0 {
			b.WriteString(`,"dependsOn":`)
			writeStrings(&b, r.DependsOn)
		}
		b.WriteString(`,"properties":`)
		writeValue(&b, r.Properties)
		if r.Metadata != nil {
			b.WriteString(`,"metadata":`)
			writeValue(&b, r.Metadata)
		}
		b.WriteByte('}')
	}
	b.WriteString(`],"outputs":[`)
	for i, o := range t.Outputs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"logicalId":`)
		writeString(&b, o.LogicalID)
		b.WriteString(`,"line":` + strconv.Itoa(o.Line))
		if o.Description != "" {
			b.WriteString(`,"description":`)
			writeString(&b, o.Description)
		}
		b.WriteString(`,"value":`)
		writeValue(&b, o.Value)
		b.WriteByte('}')
	}
	b.WriteString(`],"notes":`)
	writeStrings(&b, t.Notes)
	b.WriteByte('}')
	return indent(b.Bytes())
}

func indent(data []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, data, "", "  "); err != nil {
		panic(err.Error() + ": " + string(data))
	}
	out.WriteByte('\n')
	return out.Bytes()
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // the newline Encode adds
}

func writeStrings(b *bytes.Buffer, list []string) {
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		writeString(b, s)
	}
	b.WriteByte(']')
}

func writeValue(b *bytes.Buffer, v *Value) {
	if v == nil {
		b.WriteString("null")
		return
	}
	if v.RefTo != "" {
		if v.Attr != "" {
			b.WriteString(`{"getatt":`)
			writeString(b, v.RefTo+"."+v.Attr)
		} else {
			b.WriteString(`{"ref":`)
			writeString(b, v.RefTo)
		}
		b.WriteString(`,"value":`)
		plain := *v
		plain.RefTo, plain.Attr = "", ""
		for i, it := range plain.List {
			if it.RefTo == v.RefTo && it.Attr == v.Attr {
				if i == 0 {
					plain.List = append([]*Value(nil), plain.List...)
				}
				c := *it
				c.RefTo, c.Attr = "", ""
				plain.List[i] = &c
			}
		}
		writeValue(b, &plain)
		b.WriteByte('}')
		return
	}
	switch v.Kind {
	case Null:
		b.WriteString("null")
	case Bool:
		b.WriteString(v.Str)
	case Number:
		if json.Valid([]byte(v.Str)) {
			b.WriteString(v.Str)
		} else {
			writeString(b, v.Str)
		}
	case String:
		writeString(b, v.Str)
	case List:
		b.WriteByte('[')
		for i, it := range v.List {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, it)
		}
		b.WriteByte(']')
	case Map:
		b.WriteByte('{')
		for i, k := range v.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeValue(b, v.Vals[k])
		}
		b.WriteByte('}')
	}
}
