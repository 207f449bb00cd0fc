package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apigw/apigw/internal/inputfile"
	"github.com/apigw/apigw/internal/template"
	"go.yaml.in/yaml/v3"
)

// inputs are what one load reads besides the template's own contents:
// the template file itself (a CDK cloud assembly folder names one of its
// stacks), the parameter values that SAM CLI's samconfig.toml and CDK's
// deployment supply, and the files whose changes reload.
type inputs struct {
	template  string            // the template file to load
	stackName string            // AWS::StackName when --stack-name is not given ("": the default)
	params    map[string]string // every parameter value: --param, then samconfig.toml, then CDK's
	cdk       *cdkStack         // the CDK stack served; nil when the template is not in a cloud assembly
	declared  *peeked           // the template's parameters and resources as written (with those supplied); nil when it cannot be read
	watch     []string          // files besides the template and --config whose changes reload
	notes     []string
	// data, when not nil, is the template's contents with the declarations
	// a CDK template uses but does not declare added (supplyDeclarations):
	// what is loaded in place of the file. shift lists the lines inserted,
	// to give errors the file's own line numbers.
	data  []byte
	shift lineShift
}

// resolveInputs finds the template to load and the parameter values it is
// loaded with. Problems are errors naming the file they are in.
func resolveInputs(o *options) (*inputs, error) {
	in := &inputs{template: o.template, params: map[string]string{}}
	st, err := os.Stat(o.template)
	switch {
	case err == nil && st.IsDir():
		if _, err := os.Stat(filepath.Join(o.template, cdkManifest)); err != nil {
			// A folder that is no cloud assembly: loading it says it is
			// a folder.
			for k, v := range o.params {
				in.params[k] = v
			}
			return in, nil
		}
		stack, notes, err := pickCDKStack(o.template)
		if err != nil {
			return nil, err
		}
		in.template, in.cdk = stack.template, stack
		in.notes = append(in.notes, notes...)
	case err == nil:
		stack, notes := cdkStackOf(o.template)
		if stack == nil && len(notes) == 0 {
			// Outside a cloud assembly: a template whose resources have
			// CDK's aws:cdk:path metadata is still CDK output.
			stack, notes = cdkStandalone(o.template)
		}
		in.cdk = stack
		in.notes = append(in.notes, notes...)
	}
	if in.cdk != nil {
		in.stackName = in.cdk.name
		in.watch = append(in.watch, in.cdk.manifests...)
		if in.template != o.template {
			in.watch = append(in.watch, in.template)
		}
	}

	declared := peekTemplate(in.template)
	if in.cdk != nil && declared != nil {
		// CDK's deployment parameters and metadata condition that the
		// template uses without declaring them.
		data, shift, notes := in.cdk.supplyDeclarations(in.template)
		if data != nil {
			if p := peekData(data); p != nil {
				in.data, in.shift, declared = data, shift, p
			}
		}
		in.notes = append(in.notes, notes...)
	}
	in.declared = declared
	for k, v := range o.params {
		in.params[k] = v
	}
	samPath := filepath.Join(filepath.Dir(in.template), samConfigFile)
	in.watch = append(in.watch, samPath) // watched also while absent: creating it reloads
	sc, err := readSamConfig(samPath)
	if err != nil {
		return nil, err
	}
	if sc != nil {
		in.notes = append(in.notes, sc.apply(in.params, o.params, declared)...)
	}
	if in.cdk != nil && declared != nil {
		in.notes = append(in.notes, in.cdk.supplyParameters(in.params, declared)...)
	}
	return in, nil
}

// peeked is what resolveInputs needs of a template before it is loaded:
// its declared parameters and resources, as written.
type peeked struct {
	params    map[string]peekedParam
	resources map[string]peekedResource
	rules     []string // the Rules section's rule names
}

type peekedParam struct{ typ, def string }

type peekedResource struct {
	typ     string
	events  []string // an AWS::Serverless::Function's event types
	cdkPath bool     // its Metadata has aws:cdk:path
}

// peekTemplate reads a template's Parameters and Resources as written (nil
// when it cannot be read or parsed: loading it says why). Intrinsic
// functions are not evaluated; a YAML tag is dropped, its value kept.
func peekTemplate(path string) *peeked {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return nil
	}
	return peekData(data)
}

// peekData is peekTemplate of a template's contents.
func peekData(data []byte) *peeked {
	var doc any
	// JSON (the form CDK writes) is read as JSON; YAML, and JSON that
	// encoding/json refuses, as YAML.
	if trimmed := bytes.TrimSpace(data); len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(data, &doc) != nil {
		var n yaml.Node
		if yaml.Unmarshal(data, &n) != nil {
			return nil
		}
		doc = yamlValue(&n, 0)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	p := &peeked{params: map[string]peekedParam{}, resources: map[string]peekedResource{}}
	if params, ok := root["Parameters"].(map[string]any); ok {
		for name, v := range params {
			m, _ := v.(map[string]any)
			p.params[name] = peekedParam{typ: scalarText(m["Type"]), def: scalarText(m["Default"])}
		}
	}
	if res, ok := root["Resources"].(map[string]any); ok {
		for id, v := range res {
			m, _ := v.(map[string]any)
			r := peekedResource{typ: scalarText(m["Type"])}
			if md, ok := m["Metadata"].(map[string]any); ok {
				_, r.cdkPath = md["aws:cdk:path"]
			}
			if props, ok := m["Properties"].(map[string]any); ok {
				if events, ok := props["Events"].(map[string]any); ok {
					for _, e := range events {
						if em, ok := e.(map[string]any); ok {
							r.events = append(r.events, scalarText(em["Type"]))
						}
					}
				}
			}
			p.resources[id] = r
		}
	}
	if rules, ok := root["Rules"].(map[string]any); ok {
		for name := range rules {
			p.rules = append(p.rules, name)
		}
		sort.Strings(p.rules)
	}
	return p
}

// yamlValue turns a YAML node into plain values (maps, lists, strings),
// dropping tags such as !Ref. depth bounds aliases that nest.
func yamlValue(n *yaml.Node, depth int) any {
	if n == nil || depth > 64 {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 1 {
			return yamlValue(n.Content[0], depth+1)
		}
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var merged []map[string]any
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], yamlValue(n.Content[i+1], depth+1)
			if k.Tag == "!!merge" && k.Style == 0 {
				// A merge key (<<): its map's entries, explicit keys winning.
				if mv, ok := v.(map[string]any); ok {
					merged = append(merged, mv)
				}
				continue
			}
			m[k.Value] = v
		}
		for _, mv := range merged {
			for k, v := range mv {
				if _, set := m[k]; !set {
					m[k] = v
				}
			}
		}
		return m
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			l = append(l, yamlValue(c, depth+1))
		}
		return l
	case yaml.ScalarNode:
		return n.Value
	case yaml.AliasNode:
		return yamlValue(n.Alias, depth+1)
	}
	return nil
}

// scalarText is a peeked scalar as text ("" for anything else).
func scalarText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// cdkMark says why a template is CDK output ("" when it is not): its
// resources have CDK's aws:cdk:path metadata, or it declares CDK's
// AWS::CDK::Metadata resource (as SAM CLI recognises CDK templates).
func (p *peeked) cdkMark() string {
	mark := ""
	for _, r := range p.resources {
		if r.cdkPath {
			return "aws:cdk:path metadata"
		}
		if r.typ == "AWS::CDK::Metadata" {
			mark = "an AWS::CDK::Metadata resource"
		}
	}
	return mark
}

// declaresAPI tells whether a template declares an API apigw serves: a
// REST, HTTP or WebSocket API, or a SAM API (explicit, or implicit through
// a function's Api or HttpApi event).
func (p *peeked) declaresAPI() bool {
	for _, r := range p.resources {
		switch r.typ {
		case "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api",
			"AWS::Serverless::Api", "AWS::Serverless::HttpApi", "AWS::Serverless::WebSocketApi":
			return true
		case "AWS::Serverless::Function":
			for _, e := range r.events {
				if e == "Api" || e == "HttpApi" {
					return true
				}
			}
		}
	}
	return false
}

// lineShift lists the lines (numbered in the data loaded) that were
// inserted into a template's contents.
type lineShift []int

// fileLine is a line of the data loaded as a line of the file as written;
// an inserted line is given as the line before it.
func (sh lineShift) fileLine(line int) (fileLine int, inserted bool) {
	n := 0
	for _, l := range sh {
		switch {
		case l < line:
			n++
		case l == line:
			inserted = true
		}
	}
	if inserted {
		return max(1, line-n-1), true
	}
	return line - n, false
}

// loadTemplate loads the template: the contents with the supplied
// declarations when there are, else the file.
func (in *inputs) loadTemplate(opts template.Options) (*template.Template, error) {
	if in.data == nil {
		return template.Load(in.template, opts)
	}
	t, err := template.Parse(in.template, in.data, opts)
	return t, in.fileLines(err)
}

// fileLines gives the errors in the template the line numbers of the file
// as written, when lines were inserted into what was loaded.
func (in *inputs) fileLines(err error) error {
	var list template.ErrorList
	if len(in.shift) == 0 || !errors.As(err, &list) {
		return err
	}
	for _, e := range list {
		if e.File == in.template && e.Line > 0 {
			l, inserted := in.shift.fileLine(e.Line)
			e.Line = l
			if inserted {
				e.Col = 0
			}
		}
	}
	return err
}
