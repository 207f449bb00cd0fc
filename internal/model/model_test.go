package model

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

var update = flag.Bool("update", false, "rewrite golden files")

func build(t *testing.T, name, src string, opts Options) (*Model, error) {
	t.Helper()
	return buildFiles(t, name, src, nil, opts)
}

// buildFiles builds a template that includes files (AWS::Include), given by
// their paths.
func buildFiles(t *testing.T, name, src string, files map[string]string, opts Options) (*Model, error) {
	t.Helper()
	if opts.Region == "" {
		opts.Region, opts.AccountID, opts.StackName = "us-east-1", "123456789012", "stack"
	}
	readFile := func(path string) ([]byte, error) {
		if s, ok := files[path]; ok {
			return []byte(s), nil
		}
		return nil, os.ErrNotExist
	}
	tpl, err := template.Parse(name, []byte(src), template.Options{Region: opts.Region, AccountID: opts.AccountID, StackName: opts.StackName, Types: Types(), ReadFile: readFile})
	if err != nil {
		return nil, err
	}
	return Build(tpl, opts)
}

const head = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
  Users:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !GetAtt Api.RootResourceId
      PathPart: users
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties:
      RestApiId: !Ref Api
      StageName: prod
`

// line 17 onwards is free for each case.
func TestBuildErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string // substrings, each of one error (with its line)
	}{
		{"method without integration", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
`, []string{"t.yaml:19:5: Get.Properties.Integration: the method has no Integration"}},
		{"cache on deployment", strings.Replace(head, "      StageName: prod\n", "      StageName: prod\n      CacheClusterEnabled: true\n", 1), []string{
			"t.yaml:17:7: Deployment.Properties.CacheClusterEnabled: unknown property CacheClusterEnabled: it belongs in the Deployment's StageDescription"}},
		{"typo suggestion", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationTyp: NONE
      Integration: {Type: MOCK}
`, []string{"t.yaml:23:7: Get.Properties.AuthorizationTyp: unknown property AuthorizationTyp (did you mean AuthorizationType?)"}},
		{"iam refused", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: BOGUS
      Integration: {Type: MOCK}
`, []string{"t.yaml:23:7: Get.Properties.AuthorizationType: \"BOGUS\" is not an authorization type"}},
		{"api key from an authorizer refused", strings.Replace(head, "Name: api", "Name: api\n      ApiKeySourceType: AUTHORIZER", 1) + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      ApiKeyRequired: true
      Integration: {Type: MOCK}
`, []string{"Get.Properties.ApiKeyRequired: the API's keys come from a Lambda authorizer (ApiKeySourceType AUTHORIZER), and the method has none"}},
		{"greedy not last", head + `  Proxy:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Users
      PathPart: '{proxy+}'
  Child:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref Api
      ParentId: !Ref Proxy
      PathPart: x
`, []string{"t.yaml:28:7: Child.Properties.PathPart: greedy path part {proxy+} must be the last part of /users/{proxy+}/x"}},
		{"two params", head + `  A:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Users, PathPart: '{id}'}
  B:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Users, PathPart: '{name}'}
`, []string{"only one is allowed"}},
		{"bad timeout and uri", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: GET
        Uri: ftp://example.com/{id}
        TimeoutInMillis: 40000
`, []string{"Integration.TimeoutInMillis: must be from 50 to 29000", "Integration.Uri: \"ftp://example.com/{id}\" is not an http", "RequestParameters maps no integration.request.path.id"}},
		{"unmapped source", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: HTTP_PROXY
        IntegrationHttpMethod: GET
        Uri: http://example.com/{id}
        RequestParameters:
          integration.request.path.id: method.request.path.id
          integration.request.header.x: method.request.header.x
`, []string{"the resource path /users has no {id}", "method.request.header.x is not declared in the method's RequestParameters"}},
		{"vtl refused", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: MOCK
        RequestTemplates:
          application/json: '#set($x = 1){"statusCode": 200}'
`, []string{"VTL mapping templates are not supported yet"}},
		{"integration response without method response", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: MOCK
        IntegrationResponses:
          - StatusCode: 200
            ResponseParameters:
              method.response.header.X: "'y'"
`, []string{"no MethodResponses entry has StatusCode 200"}},
		{"lower-case authorization type", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: aws_iam
      Integration: {Type: MOCK}
`, []string{"t.yaml:23:7: Get.Properties.AuthorizationType: \"aws_iam\" is not an authorization type"}},
		{"zipfile not a string", head + `  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: r
      Runtime: python3.12
      Handler: index.handler
      Code:
        ZipFile: {"Rain::Embed": handler.py}
`, []string{"t.yaml:24:9: Fn.Properties.Code.ZipFile: expected the function's source as a string, got a map"}},
		{"http api", head + `  Http:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: h, ProtocolType: HTTP}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Http, RouteKey: GET /x, Target: nope}
`, []string{"t.yaml:22:54: Route.Properties.Target: \"nope\" must be integrations/ID"}},
		{"websocket without routes and stages", head + `  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: ws, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
`, []string{"t.yaml:17:3: Ws: the API has no routes", "t.yaml:17:3: Ws: the API has no stage"}},
		{"no stage", `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: api}
`, []string{"t.yaml:2:3: Api: the API has no stage"}},
		{"stage without deployment", head + `  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: dev}
`, []string{"Stage.Properties.DeploymentId: the stage has no DeploymentId"}},
		{"duplicate stage", head + `  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: prod, DeploymentId: !Ref Deployment}
`, []string{"stage \"prod\" of Api is also declared by Deployment"}},
		{"bad parent", head + `  R:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: nope, PathPart: x}
`, []string{"R.Properties.ParentId: \"nope\" is not a resource of this template"}},
		{"function not declared", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations
`, []string{"function \"arn:aws:lambda:us-east-1:123456789012:function:nope\" is not declared"}},
		{"aws_proxy with FETCH", head + `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: FETCH
        Uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Role: arn:aws:iam::123456789012:role/r
      Runtime: python3.12
      Handler: index.handler
      Code: {ZipFile: "def handler(e, c): return {}"}
      Timeout: 1000
`, []string{"must be POST for AWS_PROXY", "Fn.Properties.Timeout: must be from 1 to 900 seconds"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := build(t, "t.yaml", c.src, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			var list template.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not an ErrorList: %v", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
			for _, e := range list {
				if e.File != "t.yaml" || e.Line == 0 || e.Col == 0 {
					t.Errorf("error without a location: %v", e)
				}
			}
		})
	}
}

// TestGolden builds each template under testdata/ and compares a dump of
// the model with its .golden file (run with -update to rewrite).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) == 0 {
		t.Fatal("no golden inputs")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			m, err := build(t, filepath.Base(f), string(src), Options{Functions: map[string]FunctionOverride{"Remote": {Endpoint: "http://127.0.0.1:9"}}})
			if err != nil {
				got = "error:\n" + err.Error() + "\n"
			} else {
				got = dump(m)
			}
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				os.WriteFile(golden, []byte(got), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("model differs from %s:\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}

func dump(m *Model) string {
	var b strings.Builder
	for _, api := range m.RestAPIs {
		fmt.Fprintf(&b, "api %s id=%s name=%q binary=%v\n", api.LogicalID, api.ID, api.Name, api.BinaryMediaTypes)
		for _, st := range api.Stages {
			fmt.Fprintf(&b, "  stage %s from=%s deployment=%s vars=%v\n", st.Name, st.LogicalID, st.DeploymentID, st.Variables)
			if st.Cache != nil {
				fmt.Fprintf(&b, "    cache size=%s bytes=%d\n", st.Cache.Size, st.Cache.Bytes)
			}
			for _, mc := range st.Caching {
				fmt.Fprintf(&b, "    caching %s %s enabled=%v ttl=%v\n", mc.Path, mc.Method, deref(mc.Enabled), deref(mc.TTL))
			}
		}
		for _, r := range api.Resources {
			fmt.Fprintf(&b, "  resource %s id=%s logical=%s\n", r.Path, r.ID, r.LogicalID)
			var names []string
			for n := range r.Methods {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				me := r.Methods[n]
				in := me.Integration
				fmt.Fprintf(&b, "    %s %s: %s %s %s timeout=%s", n, me.LogicalID, in.Type, in.HTTPMethod, in.URI, in.Timeout)
				if in.Function != "" {
					target := "-"
					if in.Target != nil {
						target = in.Target.LogicalID
					}
					fmt.Fprintf(&b, " function=%s target=%s", in.Function, target)
				}
				b.WriteString("\n")
				for _, pm := range in.RequestParameters {
					fmt.Fprintf(&b, "      param %s.%s <- %s %s\n", pm.Target, pm.TargetName, pm.SourceKind, pm.SourceName)
				}
				if len(in.CacheKeyParameters) > 0 || in.CacheNamespace != "" {
					fmt.Fprintf(&b, "      cache key %v namespace=%q\n", in.CacheKeyParameters, in.CacheNamespace)
				}
				for ct, tpl := range in.RequestTemplates {
					fmt.Fprintf(&b, "      request template %s: %s\n", ct, tpl)
				}
				for _, ir := range in.Responses {
					var hs []string // as the goldens were written (before ResponseHeader.Source)
					for _, h := range ir.Headers {
						hs = append(hs, fmt.Sprintf("{%s %t %s %s}", h.Name, h.Static, h.Value, h.SourceHeader))
					}
					fmt.Fprintf(&b, "      response %d pattern=%q headers=[%s] templates=%v\n", ir.StatusCode, ir.Pattern, strings.Join(hs, " "), ir.Templates)
				}
			}
		}
	}
	dumpWebSockets(&b, m)
	dumpHTTPAPIs(&b, m)
	for _, f := range m.Functions {
		fmt.Fprintf(&b, "function %s name=%s arn=%s runtime=%s handler=%s timeout=%s memory=%d env=%v zip=%t path=%s\n",
			f.LogicalID, f.Name, f.ARN, f.Runtime, f.Handler, f.Timeout, f.MemorySize, f.Environment, f.Code.ZipFile != "", filepath.Base(f.Code.Path))
	}
	for _, n := range m.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	return b.String()
}

// deref shows a pointer's value, or "unset".
func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// dumpWebSockets writes the WebSocket APIs of a model for the goldens.
func dumpWebSockets(b *strings.Builder, m *Model) {
	for _, api := range m.WebSocketAPIs {
		fmt.Fprintf(b, "websocket api %s id=%s name=%q selection=%q apikeys=%q\n", api.LogicalID, api.ID, api.Name, api.RouteSelection, api.APIKeySelection)
		for _, st := range api.Stages {
			fmt.Fprintf(b, "  stage %s from=%s deployment=%s autodeploy=%t vars=%v", st.Name, st.LogicalID, st.DeploymentID, st.AutoDeploy, st.Variables)
			if st.Throttle != nil {
				fmt.Fprintf(b, " throttle=%+v", *st.Throttle)
			}
			if len(st.RouteThrottles) > 0 {
				fmt.Fprintf(b, " routes=%+v", st.RouteThrottles)
			}
			b.WriteString("\n")
		}
		for _, a := range api.Authorizers {
			target := "-"
			if a.Target != nil {
				target = a.Target.LogicalID
			}
			fmt.Fprintf(b, "  authorizer %s id=%s name=%s function=%s target=%s remote=%t identity=%v\n", a.LogicalID, a.ID, a.Name, a.Function, target, a.Remote, a.IdentitySource)
		}
		for _, in := range api.Integrations {
			fmt.Fprintf(b, "  integration %s id=%s %s %s %s timeout=%s", in.LogicalID, in.ID, in.Type, in.Method, in.URI, in.Timeout)
			if in.Function != "" {
				target := "-"
				if in.Target != nil {
					target = in.Target.LogicalID
				}
				fmt.Fprintf(b, " function=%s target=%s qualifier=%q remote=%t", in.Function, target, in.Qualifier, in.Remote)
			}
			b.WriteString("\n")
		}
		for _, rt := range api.RouteList {
			integ, auth := "-", "-"
			if rt.Integration != nil {
				integ = rt.Integration.LogicalID
			}
			if rt.Authorizer != nil {
				auth = rt.Authorizer.LogicalID
			}
			fmt.Fprintf(b, "  route %q %s id=%s integration=%s auth=%s authorizer=%s apikey=%t twoway=%t responseselection=%q\n",
				rt.Key, rt.LogicalID, rt.ID, integ, rt.AuthorizationType, auth, rt.APIKeyRequired, rt.TwoWay, rt.ResponseSelection)
		}
	}
}
