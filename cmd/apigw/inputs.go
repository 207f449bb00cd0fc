package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/apigw/apigw/internal/inputfile"
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
	declared  *peeked           // the template's parameters and resources as written; nil when it cannot be read
	watch     []string          // files besides the template and --config whose changes reload
	notes     []string
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
	typ    string
	events []string // an AWS::Serverless::Function's event types
}

// peekTemplate reads a template's Parameters and Resources as written (nil
// when it cannot be read or parsed: loading it says why). Intrinsic
// functions are not evaluated; a YAML tag is dropped, its value kept.
func peekTemplate(path string) *peeked {
	data, err := inputfile.Read(path, inputfile.MaxSize)
	if err != nil {
		return nil
	}
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
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = yamlValue(n.Content[i+1], depth+1)
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
