package gateway

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/router"
	"github.com/apigw/apigw/internal/template"
	"github.com/valyala/fasthttp"
)

// HTTP APIs (ApiGatewayV2, ProtocolType HTTP): compiled beside the REST
// APIs into the same generation, selected by the same front end, routed
// their own way (route keys, most specific first, $default last) and
// answered with their own errors ({"message":"Not Found"}, apigw-requestid).
// A route's chain holds only what the route uses, as a REST method's does:
//
//	stage          selectHTTPStage: a named stage when the first segment names one, else $default
//	route          routeHTTP: the stage's route tree, the method (ANY), then $default
//	CORS preflight httpcors.go: an OPTIONS preflight no route takes, answered from CorsConfiguration
//	--- per route, compiled by buildHTTPChain ---
//	throttle       DefaultRouteSettings / RouteSettings, the account's
//	authorizer     httpauth.go: JWT, REQUEST (Lambda), AWS_IAM
//	integration    httpintegration.go: AWS_PROXY (payload 1.0 or 2.0), HTTP_PROXY with parameter mapping
//	--- back in Handle ---
//	CORS headers   added to the integration's answer (httpcors.go)
//	errors         writeHTTPAPIError

type httpAPI struct {
	id              string
	model           *model.HTTPAPI
	stages          map[string]*httpStage // named stages
	defaultStage    *httpStage            // $default, nil when the API has none
	cors            *corsPolicy           // nil without CorsConfiguration
	account, region string
}

type httpStage struct {
	api   *httpAPI
	model *model.HTTPStage
	name  string // "$default" or the stage name
	vars  map[string]string
	tree  router.Tree[*httpResource]
	// defaultRoute is the $default route: what no other route takes.
	defaultRoute *httpRoute
}

type httpResource struct {
	routes map[string]*httpRoute // by method, "ANY" included
}

// httpRoute is one route of one stage, ready to serve.
type httpRoute struct {
	model   *model.HTTPRoute
	stage   *httpStage
	key     string // the route key: "GET /items/{id}", "$default"
	path    string // the key's path; "" for $default
	integ   Integration
	chain   Handler
	stages  []string // names of the chain's stages before the integration
	summary string
}

func (r *httpResource) lookup(m string) *httpRoute {
	if rt := r.routes[m]; rt != nil {
		return rt
	}
	return r.routes["ANY"]
}

// httpAcceptFor holds one predicate per method, made once so lookups
// allocate nothing; methods outside it reach only ANY routes and $default.
var httpAcceptFor = func() map[string]func(*httpResource) bool {
	m := map[string]func(*httpResource) bool{}
	for _, name := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"} {
		m[name] = func(r *httpResource) bool { return r.lookup(name) != nil }
	}
	return m
}()

func acceptAnyRoute(r *httpResource) bool { return r.routes["ANY"] != nil }

// compileHTTPAPIs adds the model's HTTP APIs to t.
func compileHTTPAPIs(m *model.Model, gen *Generation, t *table, errs *template.ErrorList) []*httpRoute {
	var routes []*httpRoute
	fileOf := func(f string) string {
		if f != "" {
			return f
		}
		return m.File
	}
	for _, ma := range m.HTTPAPIs {
		a := &httpAPI{id: ma.ID, model: ma, stages: map[string]*httpStage{}, account: m.AccountID, region: m.Region}
		if ma.Cors != nil {
			a.cors = newCorsPolicy(ma.Cors)
		}
		for _, ms := range ma.Stages {
			st := &httpStage{api: a, model: ms, name: ms.Name, vars: ms.Variables}
			resources := map[string]*httpResource{}
			var paths []string
			for _, mr := range ma.RouteList {
				if ma.Routes[mr.Key] != mr || mr.Integration == nil {
					continue // Validate reported it (a second route for a key, no target)
				}
				integ, summary, err := newHTTPAPIIntegration(mr, st, gen)
				if err != nil {
					var ce *compileError
					if errors.As(err, &ce) {
						*errs = append(*errs, &template.Error{File: fileOf(mr.Integration.File), Line: max(ce.line, mr.Integration.Line), LogicalID: mr.Integration.LogicalID,
							Property: ce.property, Msg: fmt.Sprintf("%s (stage %s)", ce.msg, st.name)})
					} else {
						*errs = append(*errs, &template.Error{File: fileOf(mr.File), Line: mr.Line, LogicalID: mr.LogicalID, Msg: fmt.Sprintf("stage %s: %v", st.name, err)})
					}
					continue
				}
				rt := &httpRoute{model: mr, stage: st, key: mr.Key, path: mr.Path, integ: integ, summary: summary}
				routes = append(routes, rt)
				method, path := "ANY", "$default"
				if mr.Key == "$default" {
					st.defaultRoute = rt
				} else {
					method, path = mr.Method, mr.Path
					res := resources[path]
					if res == nil {
						res = &httpResource{routes: map[string]*httpRoute{}}
						resources[path] = res
						paths = append(paths, path)
					}
					res.routes[method] = rt
				}
				t.routes = append(t.routes, Route{APIID: a.id, Stage: st.name, Method: method, Path: path, Target: summary, HTTPAPI: true})
			}
			sort.Strings(paths)
			for _, p := range paths {
				if err := st.tree.Insert(p, resources[p]); err != nil {
					rt := firstRoute(resources[p])
					*errs = append(*errs, &template.Error{File: fileOf(rt.model.File), Line: rt.model.Line, LogicalID: rt.model.LogicalID,
						Property: "Properties.RouteKey", Msg: fmt.Sprintf("route %q: %v", rt.key, err)})
				}
			}
			if ms.Name == "$default" {
				a.defaultStage = st
			} else {
				a.stages[ms.Name] = st
				t.httpByStage[ms.Name] = append(t.httpByStage[ms.Name], a)
			}
		}
		if a.defaultStage != nil {
			t.httpDefault = append(t.httpDefault, a)
		}
		t.httpAPIs[a.id] = a
	}
	return routes
}

func firstRoute(r *httpResource) *httpRoute {
	var best *httpRoute
	for _, rt := range r.routes {
		if best == nil || rt.key < best.key {
			best = rt
		}
	}
	return best
}

// httpAPIForPath picks the HTTP API of a request whose Host names no API
// and whose first segment is no REST API's stage (CONTRACT.md): the one
// HTTP API with a stage of that name, else the one with a $default stage.
func (t *table) httpAPIForPath(stageName string) *httpAPI {
	if apis := t.httpByStage[stageName]; len(apis) == 1 {
		return apis[0]
	} else if len(apis) > 1 {
		return nil
	}
	if len(t.httpDefault) == 1 {
		return t.httpDefault[0]
	}
	return nil
}

// enterHTTPAPI marks a call as an HTTP API's: its errors are HTTP API
// errors and its request id header is apigw-requestid.
func enterHTTPAPI(c *Call) {
	c.httpAPI = true
	h := &c.ctx.Response.Header
	h.Del("x-amzn-RequestId")
	h.Del("x-amz-apigw-id")
	h.SetBytesV("apigw-requestid", c.apigwID[:])
}

// selectHTTPStage picks the stage: a named stage when the path's first
// segment names one, else $default (AWS: "If no stage fully matches the
// request, API Gateway sends the request to the $default stage").
func selectHTTPStage(c *Call, a *httpAPI, trimmed, stageName, rest string) *Error {
	enterHTTPAPI(c)
	if st := a.stages[stageName]; st != nil && stageName != "" {
		c.hstage = st
		c.fullPath = c.rawPath
		// Substrings of the request line unless there are slashes to fold.
		switch r := strings.TrimLeft(rest, "/"); {
		case r == "":
			c.path = "/"
		case len(rest) == len(r):
			c.path = trimmed[len(stageName):]
		default:
			c.path = "/" + r
		}
		return nil
	}
	if a.defaultStage == nil {
		return errHTTPNotFound
	}
	c.hstage = a.defaultStage
	c.fullPath = c.rawPath
	if len(c.rawPath)-len(trimmed) == 1 {
		c.path = c.rawPath
	} else {
		c.path = "/" + trimmed
	}
	return nil
}

// routeHTTP finds the route: the most specific path whose routes take the
// method (its own before ANY), else $default (AGW-DG:http-api-develop-routes).
func routeHTTP(c *Call) *Error {
	st := c.hstage
	method := c.ctx.Method()
	accept := httpAcceptFor[string(method)]
	if accept == nil {
		accept = acceptAnyRoute
	}
	if res, found := st.tree.Lookup(c.path, accept, &c.params); found {
		if rt := res.routes[string(method)]; rt != nil {
			c.hroute = rt
		} else {
			c.hroute = res.routes["ANY"]
		}
		return nil
	}
	if st.defaultRoute != nil {
		c.hroute = st.defaultRoute
		return nil
	}
	return errHTTPNotFound
}

// serveHTTPAPI serves a call whose stage is an HTTP API's.
func serveHTTPAPI(c *Call) *Error {
	if e := routeHTTP(c); e != nil {
		if e == errHTTPNotFound && c.hstage.api.cors != nil && isPreflight(c.ctx) {
			c.hstage.api.cors.preflight(c.ctx)
			return nil
		}
		return e
	}
	rt := c.hroute
	var e *Error
	if len(rt.stages) == 0 {
		e = rt.integ.Serve(c)
	} else {
		e = rt.chain(c)
	}
	if e == nil && c.hstage.api.cors != nil {
		c.hstage.api.cors.addHeaders(c.ctx)
	}
	return e
}

// HTTP API errors: {"message":"..."} without a space, capitalised words,
// no x-amzn-ErrorType (aws-reference §2.3, §13).
var (
	errHTTPNotFound     = &Error{Type: ResourceNotFound}
	errHTTPUnauthorized = &Error{Type: Unauthorized}
	errHTTPForbidden    = &Error{Type: AccessDenied, Status: 403, Message: "Forbidden"}
	errHTTPThrottled    = &Error{Type: Throttled}
	errHTTPInternal     = &Error{Type: Default5XX, Message: "Internal Server Error"}
)

// httpAPIError maps an error of a stage to the HTTP API answer: status and
// message. An HTTP API has no gateway responses to customise them.
func httpAPIError(e *Error) (int, string) {
	if e.Status != 0 && e.Message != "" && e.Type != Default5XX {
		return e.Status, e.Message
	}
	switch e.Type {
	case ResourceNotFound, MissingAuthenticationToken:
		return 404, "Not Found"
	case Unauthorized:
		return 401, "Unauthorized"
	case AccessDenied, InvalidSignature, ExpiredToken, InvalidAPIKey, WAFFiltered:
		return 403, "Forbidden"
	case Throttled, QuotaExceeded:
		return 429, "Too Many Requests"
	case IntegrationTimeout:
		// Recorded from an HTTP API whose backend outlasted the timeout
		// (cortexlabs/cortex#1225: 503, content-length 33, apigw-requestid).
		return 503, "Service Unavailable"
	case RequestTooLarge:
		return 413, "Request Entity Too Large"
	case BadRequestBody, BadRequestParameters:
		return 400, "Bad Request"
	case Default4XX:
		status := e.Status
		if status == 0 {
			status = 400
		}
		msg := e.Message
		if msg == "" {
			msg = "Bad Request"
		}
		return status, msg
	}
	return 500, "Internal Server Error"
}

// writeHTTPAPIError writes an HTTP API's error answer.
func writeHTTPAPIError(ctx *fasthttp.RequestCtx, e *Error) {
	status, msg := httpAPIError(e)
	resp := &ctx.Response
	resp.ResetBody()
	resp.SetStatusCode(status)
	resp.Header.SetContentType("application/json")
	if e.wwwAuthenticate != "" {
		resp.Header.Set("www-authenticate", e.wwwAuthenticate)
	}
	b := make([]byte, 0, 16+len(msg))
	b = append(b, `{"message":"`...)
	b = append(b, msg...)
	b = append(b, `"}`...)
	resp.SetBodyRaw(b)
}

// httpRouteARN is the ARN a Lambda authorizer's policy is evaluated
// against: arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH.
func httpRouteARN(c *Call) string {
	st := c.hstage
	return "arn:aws:execute-api:" + st.api.region + ":" + st.api.account + ":" + st.api.id + "/" + st.name + "/" +
		string(c.ctx.Method()) + c.path
}
