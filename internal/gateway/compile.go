package gateway

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/cache"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/router"
	"github.com/apigw/apigw/internal/template"
)

// table is the compiled request path of one template load: built off the
// hot path and swapped in whole, so requests only read it.
type table struct {
	apis    map[string]*api   // by API id
	byStage map[string][]*api // stage name -> APIs that have it
	routes  []Route           // for start-up output
	// HTTP APIs (httpapi.go): by API id; by named stage; those with a
	// $default stage.
	httpAPIs    map[string]*httpAPI
	httpByStage map[string][]*httpAPI
	httpDefault []*httpAPI
}

type api struct {
	id               string
	model            *model.RestAPI
	responses        [numResponseTypes]*customResponse // AWS::ApiGateway::GatewayResponse
	stages           map[string]*stage
	binaryMediaTypes []string
	account, region  string
	arnPrefixLen     int // len("arn:aws:execute-api:REGION:ACCOUNT:APIID/")
	minCompress      int // MinimumCompressionSize; -1: responses are not compressed (compress.go)
}

type stage struct {
	model        *model.Stage
	cache        *cache.Stage // the stage's cache cluster; nil when it has none
	name         string
	api          *api
	deploymentID string
	vars         map[string]string
	tree         router.Tree[*resource]
	throttles    []model.MethodThrottle
	keys         map[[32]byte]*stageKey // by SHA-256 of the value (access.go)
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
	cache   *methodCache // nil when the method is not cached (cache.go)
	chain   Handler      // the stages the method uses, then integ (pipeline.go)
	stages  []string     // names of the stages in chain before the integration
	summary string       // "HTTP_PROXY http://..." for the route table
}

// compileError is a method that cannot be compiled, with the property at
// fault, so the error names file, line, logical ID and property.
type compileError struct {
	property string
	line     int
	msg      string
}

func (e *compileError) Error() string { return e.property + ": " + e.msg }

// Route is one line of the route table printed at start-up.
type Route struct {
	APIID, Stage, Method, Path, Target string
	// HTTPAPI: an HTTP API's route (Path "$default" for the $default
	// route; the $default stage is served at the root).
	HTTPAPI bool
}

func (r Route) String() string {
	switch {
	case r.HTTPAPI && r.Stage == "$default" && r.Path == "$default":
		return fmt.Sprintf("%-7s /* ($default route) -> %s", r.Method, r.Target)
	case r.HTTPAPI && r.Stage == "$default":
		return fmt.Sprintf("%-7s %s -> %s", r.Method, r.Path, r.Target)
	case r.HTTPAPI && r.Path == "$default":
		return fmt.Sprintf("%-7s /%s/* ($default route) -> %s", r.Method, r.Stage, r.Target)
	}
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

func compile(m *model.Model, gen *Generation) (*table, error) {
	t := &table{apis: map[string]*api{}, byStage: map[string][]*api{}, httpAPIs: map[string]*httpAPI{}, httpByStage: map[string][]*httpAPI{}}
	var errs template.ErrorList
	var methods []*method
	// An element from a snippet that AWS::Include inserted names that file.
	fileOf := func(f string) string {
		if f != "" {
			return f
		}
		return m.File
	}
	errAt := func(file, logicalID string, line int, format string, args ...any) {
		errs = append(errs, &template.Error{File: fileOf(file), Line: line, LogicalID: logicalID, Msg: fmt.Sprintf(format, args...)})
	}
	for _, ma := range m.RestAPIs {
		a := &api{id: ma.ID, model: ma, stages: map[string]*stage{}, binaryMediaTypes: ma.BinaryMediaTypes, account: m.AccountID, region: m.Region}
		a.minCompress = -1
		if v := ma.MinimumCompressionSize; v != nil {
			a.minCompress = *v
		}
		a.arnPrefixLen = len("arn:aws:execute-api:") + len(m.Region) + 1 + len(m.AccountID) + 1 + len(a.id) + 1
		for _, ms := range ma.Stages {
			st := &stage{model: ms, name: ms.Name, api: a, deploymentID: ms.DeploymentID, vars: ms.Variables, throttles: ms.Throttles}
			if ms.Cache != nil && gen.deps.Caches != nil {
				st.cache = gen.deps.Caches.Stage(a.id, st.name, ms.Cache.Bytes)
			}
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
					integ, summary, err := newIntegration(mm, st, gen)
					if err != nil {
						var ce *compileError
						if errors.As(err, &ce) {
							errs = append(errs, &template.Error{File: fileOf(mm.File), Line: max(ce.line, mm.Line), LogicalID: mm.LogicalID,
								Property: ce.property, Msg: fmt.Sprintf("%s (stage %s)", ce.msg, st.name)})
						} else {
							errAt(mm.File, mm.LogicalID, mm.Line, "stage %s: %v", st.name, err)
						}
						continue
					}
					me := &method{model: mm, stage: st, res: res, integ: integ, summary: summary}
					me.cache = compileCache(me, gen.deps.CacheControl)
					methods = append(methods, me)
					res.methods[name] = me
					t.routes = append(t.routes, Route{APIID: a.id, Stage: st.name, Method: name, Path: mr.Path, Target: summary})
				}
				if err := st.tree.Insert(mr.Path, res); err != nil {
					errAt(mr.File, mr.LogicalID, mr.Line, "%v", err)
				}
			}
			a.stages[st.name] = st
			t.byStage[st.name] = append(t.byStage[st.name], a)
		}
		t.apis[a.id] = a
	}
	httpRoutes := compileHTTPAPIs(m, gen, t, &errs)
	if len(errs) > 0 {
		return nil, errs
	}
	compileGatewayResponses(m, t)
	// The chains, once every stage knows its keys.
	if err := compileKeys(m, t, gen.deps.Access); err != nil {
		return nil, err
	}
	stages := methodStages(gen)
	for _, me := range methods {
		me.chain = buildChain(me, stages)
	}
	hstages := httpRouteStages(gen)
	for _, rt := range httpRoutes {
		rt.chain = buildHTTPChain(rt, hstages)
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
