package gateway

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/router"
)

// table is the compiled request path of one template load: built off the
// hot path and swapped in whole, so requests only read it.
type table struct {
	apis    map[string]*api   // by API id
	byStage map[string][]*api // stage name -> APIs that have it
	routes  []Route           // for start-up output
}

type api struct {
	id               string
	model            *model.RestAPI
	stages           map[string]*stage
	binaryMediaTypes []string
	account, region  string
	arnPrefixLen     int // len("arn:aws:execute-api:REGION:ACCOUNT:APIID/")
}

type stage struct {
	name         string
	api          *api
	deploymentID string
	vars         map[string]string
	tree         router.Tree[*resource]
}

type resource struct {
	model   *model.Resource
	methods map[string]*method // by HTTP method, "ANY" included
}

// method is one method of one stage, ready to serve.
type method struct {
	model   *model.Method
	stage   *stage
	res     *resource
	integ   Integration
	summary string // "HTTP_PROXY http://..." for the route table
}

// Route is one line of the route table printed at start-up.
type Route struct {
	APIID, Stage, Method, Path, Target string
}

func (r Route) String() string {
	return fmt.Sprintf("%-7s /%s%s -> %s", r.Method, r.Stage, r.Path, r.Target)
}

// accepts reports whether a resource has a method for an HTTP method: its
// own, or ANY. HEAD is not served by GET.
func (r *resource) lookup(m string) *method {
	if mm := r.methods[m]; mm != nil {
		return mm
	}
	return r.methods["ANY"]
}

func compile(m *model.Model, deps *Deps) (*table, error) {
	t := &table{apis: map[string]*api{}, byStage: map[string][]*api{}}
	var errs []string
	for _, ma := range m.RestAPIs {
		a := &api{id: ma.ID, model: ma, stages: map[string]*stage{}, binaryMediaTypes: ma.BinaryMediaTypes, account: m.AccountID, region: m.Region}
		a.arnPrefixLen = len("arn:aws:execute-api:") + len(m.Region) + 1 + len(m.AccountID) + 1 + len(a.id) + 1
		for _, ms := range ma.Stages {
			st := &stage{name: ms.Name, api: a, deploymentID: ms.DeploymentID, vars: ms.Variables}
			for _, mr := range ma.Resources {
				if len(mr.Methods) == 0 {
					continue
				}
				res := &resource{model: mr, methods: map[string]*method{}}
				names := make([]string, 0, len(mr.Methods))
				for name := range mr.Methods {
					names = append(names, name)
				}
				sort.Strings(names)
				for _, name := range names {
					mm := mr.Methods[name]
					integ, summary, err := newIntegration(mm, st, deps)
					if err != nil {
						errs = append(errs, fmt.Sprintf("%s (stage %s): %v", mm.LogicalID, st.name, err))
						continue
					}
					res.methods[name] = &method{model: mm, stage: st, res: res, integ: integ, summary: summary}
					t.routes = append(t.routes, Route{APIID: a.id, Stage: st.name, Method: name, Path: mr.Path, Target: summary})
				}
				if err := st.tree.Insert(mr.Path, res); err != nil {
					errs = append(errs, fmt.Sprintf("%s: %v", mr.LogicalID, err))
				}
			}
			a.stages[st.name] = st
			t.byStage[st.name] = append(t.byStage[st.name], a)
		}
		t.apis[a.id] = a
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return t, nil
}

// substituteStageVars replaces ${stageVariables.x} in s. A variable the
// stage does not define leaves ok false: API Gateway answers such requests
// with an API configuration error.
func substituteStageVars(s string, vars map[string]string) (out string, ok bool) {
	ok = true
	for {
		i := strings.Index(s, "${stageVariables.")
		if i < 0 {
			return out + s, ok
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out + s, ok
		}
		name := s[i+len("${stageVariables.") : i+j]
		v, found := vars[name]
		if !found {
			ok = false
		}
		out += s[:i] + v
		s = s[i+j+1:]
	}
}
