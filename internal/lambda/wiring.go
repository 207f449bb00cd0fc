package lambda

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/model"
)

// Setup is what Wire needs besides the model.
type Setup struct {
	Region, AccountID string
	// Endpoints are remote Invoke APIs (--config functions.X.endpoint), by
	// the function's logical ID or name.
	Endpoints map[string]string
}

// Wire prepares a model's functions on rt: each runs where --config says
// (a remote Invoke API) or locally. A function nothing in the model calls
// and that cannot run here is a note, not an error: it is left out. The
// plan changes nothing until it is committed.
func Wire(rt *Runtime, m *model.Model, setup Setup) (*Plan, []string, error) {
	used := map[*model.Function]bool{}
	for _, api := range m.RestAPIs {
		for _, res := range api.Resources {
			for _, meth := range res.Methods {
				if in := meth.Integration; in.Type == model.AWSProxy && in.Target != nil {
					used[in.Target] = true
				}
			}
		}
	}
	for _, a := range m.Authorizers {
		if a.Target != nil {
			used[a.Target] = true
		}
	}
	for _, api := range m.WebSocketAPIs {
		for _, in := range api.Integrations {
			if in.Type == model.AWSProxy && in.Target != nil {
				used[in.Target] = true
			}
		}
		for _, a := range api.Authorizers {
			if a.Target != nil {
				used[a.Target] = true
			}
		}
	}
	for _, api := range m.HTTPAPIs {
		for _, in := range api.Integrations {
			if in.Type == model.AWSProxy && in.Target != nil {
				used[in.Target] = true
			}
		}
		for _, a := range api.Authorizers {
			if a.Target != nil {
				used[a.Target] = true
			}
		}
	}
	var signer *Signer
	for _, ep := range setup.Endpoints {
		if ep != "" {
			signer = NewSigner(context.Background(), setup.Region)
			break
		}
	}
	remote := map[string]Invoker{}
	for name, ep := range setup.Endpoints {
		remote[name] = &Remote{Endpoint: ep, Signer: signer}
	}
	var specs []Spec
	var problems, notes []string
	for _, f := range m.Functions {
		ep := setup.Endpoints[f.LogicalID]
		if ep == "" {
			ep = setup.Endpoints[f.Name]
		}
		if ep != "" {
			r := &Remote{Endpoint: ep, Name: f.Name, Signer: signer}
			for _, name := range []string{f.Name, f.LogicalID, f.ARN} {
				remote[name] = r
			}
			continue
		}
		spec, err := specOf(f, setup)
		if err == nil {
			err = CheckSpec(spec)
		}
		if err != nil {
			msg := specProblem(m, f, err)
			if used[f] {
				problems = append(problems, msg)
			} else {
				notes = append(notes, msg+"; no API calls it, so it is left out")
			}
			continue
		}
		specs = append(specs, spec)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, nil, errors.New(strings.Join(problems, "\n"))
	}
	plan, err := rt.Prepare(specs, remote)
	if err != nil {
		return nil, nil, err
	}
	return plan, notes, nil
}

// specProblem words a function that cannot run with its place in the
// template: the Runtime property or the Code property.
func specProblem(m *model.Model, f *model.Function, err error) string {
	prop, line := "Code", f.CodeLine
	var se *SpecError
	if errors.As(err, &se) && se.Property == "Runtime" {
		prop, line = "Runtime", f.RuntimeLine
	}
	file := m.File
	if f.File != "" { // from a snippet that AWS::Include inserted
		file = f.File
	}
	return fmt.Sprintf("%s:%d: %s.Properties.%s: function %s: %v", file, line, f.LogicalID, prop, f.Name, err)
}

// specOf describes a template function for the local runtime.
func specOf(f *model.Function, setup Setup) (Spec, error) {
	s := Spec{Name: f.Name, LogicalID: f.LogicalID, ARN: f.ARN, Runtime: f.Runtime, Handler: f.Handler,
		MemoryMB: f.MemorySize, Timeout: f.Timeout, Env: f.Environment, Reserved: f.ReservedConcurrency,
		Region: setup.Region, AccountID: setup.AccountID}
	switch c := f.Code; {
	case c.ZipFile != "":
		s.Inline = c.ZipFile
	case c.Path != "" && strings.HasSuffix(strings.ToLower(c.Path), ".zip"):
		s.Zip = c.Path
	case c.Path != "":
		s.Dir = c.Path
	case c.S3Bucket != "":
		return s, &SpecError{"Code", fmt.Errorf("its code is in S3 (s3://%s/%s), which apigw cannot fetch: give a local copy with --config (functions: {%s: {code: ./path}})", c.S3Bucket, c.S3Key, f.LogicalID)}
	case c.ImageURI != "":
		return s, &SpecError{"Code", fmt.Errorf("container image functions are not supported")}
	default:
		return s, &SpecError{"Code", fmt.Errorf("the function has no code")}
	}
	return s, nil
}
