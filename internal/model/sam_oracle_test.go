package model

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

// TestSAMOracle compares apigw's SAM transform with AWS's own translator
// (samtranslator) on what clients can observe.
//
// Each fixture testdata/sam/NAME.yaml is a SAM application. Its model is
// built twice: from the fixture through template.Parse (apigw's SAM pass),
// and from NAME.oracle.json, the CloudFormation samtranslator makes of the
// fixture (written by scripts/sam-oracle.py; checked in, regenerated with
// `python3 scripts/sam-oracle.py`), whose code and definition locations in
// the bucket apigw-sam-oracle are mapped back to the local paths they stand
// for. A line-per-fact dump of what clients observe of each model (samDump:
// APIs, stages, routes and methods with their authorization and
// integrations, authorizers, CORS, functions and their settings, usage
// plans and keys; not logical IDs of deployments, roles, permissions or
// tags) is compared.
//
// NAME.oracle-diff.txt lists the differences apigw makes on purpose, each
// a line of the dump with its reason: "- LINE" for a line only
// samtranslator's model has, "+ LINE" for one only apigw's has, each
// followed by "why: REASON" (which may go on over indented lines); "#"
// lines are comments.
//
// The test fails on any other difference, on a listed one that no longer
// occurs, and on one without a reason. `go test -run SAMOracle -update`
// rewrites the lists, keeping the reasons and giving new differences the
// reason TODO (which fails until it is written).
func TestSAMOracle(t *testing.T) {
	files, _ := filepath.Glob("testdata/sam/*.yaml")
	if len(files) == 0 {
		t.Fatal("no SAM fixtures")
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			base := strings.TrimSuffix(f, ".yaml")
			dir, err := filepath.Abs(filepath.Dir(f))
			if err != nil {
				t.Fatal(err)
			}
			apigw := samDumpOf(t, dir, samBuildFixture(f))
			oracleJSON, err := os.ReadFile(base + ".oracle.json")
			if err != nil {
				t.Fatalf("%v (run python3 scripts/sam-oracle.py)", err)
			}
			oracle := samDumpOf(t, dir, samBuildOracle(t, base+".oracle.json", oracleJSON))
			onlyOracle, onlyApigw := lineDiff(oracle, apigw)

			diffFile := base + ".oracle-diff.txt"
			want, err := readOracleDiff(diffFile)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, l := range onlyOracle {
				got["- "+l] = true
			}
			for _, l := range onlyApigw {
				got["+ "+l] = true
			}
			if *update {
				writeOracleDiff(t, diffFile, onlyOracle, onlyApigw, want)
				if want, err = readOracleDiff(diffFile); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
			var unexpected, stale, noWhy []string
			for _, d := range sortedKeys(got) {
				why, ok := want[d]
				switch {
				case !ok:
					unexpected = append(unexpected, d)
				case why == "" || strings.HasPrefix(why, "TODO"):
					noWhy = append(noWhy, d)
				}
			}
			for _, d := range sortedKeys(want) {
				if !got[d] {
					stale = append(stale, d)
				}
			}
			if len(unexpected) > 0 {
				t.Errorf("apigw's SAM pass differs from samtranslator (%s.oracle.json) where %s does not say why:\n  %s\n"+
					"fix the SAM pass, or list the line with its reason (go test -run SAMOracle -update writes it)",
					name, filepath.Base(diffFile), strings.Join(unexpected, "\n  "))
			}
			if len(stale) > 0 {
				t.Errorf("%s lists differences that no longer occur (remove them):\n  %s", filepath.Base(diffFile), strings.Join(stale, "\n  "))
			}
			if len(noWhy) > 0 {
				t.Errorf("%s: differences without a reason (write the why: line):\n  %s", filepath.Base(diffFile), strings.Join(noWhy, "\n  "))
			}
			if t.Failed() || *samDumps {
				t.Logf("apigw's dump:\n%s\nsamtranslator's dump:\n%s", strings.Join(apigw, "\n"), strings.Join(oracle, "\n"))
			}
		})
	}
}

var samDumps = flag.Bool("samdumps", false, "TestSAMOracle logs both dumps of each fixture")

// samOpts are the test's region, account and stack: scripts/sam-oracle.py
// translates with the same.
var samOpts = Options{Region: "us-east-1", AccountID: "123456789012", StackName: "stack"}

// samBuild is a model, or the errors that stopped it (a dump of "error"
// lines: an error may be a difference too).
type samBuild struct {
	m   *Model
	err error
}

// samBuildFixture builds a SAM fixture with apigw's SAM pass.
func samBuildFixture(path string) samBuild {
	tpl, err := template.Load(path, template.Options{Region: samOpts.Region, AccountID: samOpts.AccountID, StackName: samOpts.StackName, Types: Types()})
	if err != nil {
		return samBuild{err: err}
	}
	m, err := Build(tpl, samOpts)
	return samBuild{m, err}
}

// oracleBucket is the bucket scripts/sam-oracle.py "uploads" local code and
// definitions to: its keys are the local paths.
const oracleBucket = "apigw-sam-oracle"

// samBuildOracle builds samtranslator's output, its local paths mapped
// back. AWS::Lambda::Alias, which the model refuses (apigw runs one
// version of a function), is taken as CloudFormation's: its Ref the
// function's ARN qualified by the alias name, so that the integrations of
// an AutoPublishAlias function are compared (apigw's pass calls the
// function itself, with a note).
func samBuildOracle(t *testing.T, path string, data []byte) samBuild {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	res, _ := doc["Resources"].(map[string]any)
	for _, r := range res {
		r, _ := r.(map[string]any)
		props, _ := r["Properties"].(map[string]any)
		if props == nil {
			continue
		}
		switch r["Type"] {
		case "AWS::Lambda::Function":
			if c, _ := props["Code"].(map[string]any); c != nil && c["S3Bucket"] == oracleBucket {
				props["Code"] = c["S3Key"]
			}
		case "AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api":
			if l, _ := props["BodyS3Location"].(map[string]any); l != nil && l["Bucket"] == oracleBucket {
				props["BodyS3Location"] = l["Key"]
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	types := Types()
	types["AWS::Lambda::Alias"] = template.TypeSpec{Ignored: true, Ref: func(rc *template.RefContext) (string, error) {
		fn, err := rc.Prop("FunctionName")
		if err != nil || fn == nil || !fn.IsScalar() {
			return "", fmt.Errorf("the alias's FunctionName does not resolve to a string")
		}
		name, err := rc.Prop("Name")
		if err != nil || name == nil || !name.IsScalar() {
			return "", fmt.Errorf("the alias's Name does not resolve to a string")
		}
		arn := fn.Str
		if !strings.HasPrefix(arn, "arn:") {
			arn = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", rc.Partition, rc.Region, rc.AccountID, arn)
		}
		return arn + ":" + name.Str, nil
	}}
	tpl, err := template.Parse(path, out, template.Options{Region: samOpts.Region, AccountID: samOpts.AccountID, StackName: samOpts.StackName, Types: types})
	if err != nil {
		return samBuild{err: err}
	}
	m, err := Build(tpl, samOpts)
	return samBuild{m, err}
}

// samDumpOf is the sorted observable dump of a build.
func samDumpOf(t *testing.T, dir string, b samBuild) []string {
	t.Helper()
	if b.err != nil {
		var list template.ErrorList
		if !errors.As(b.err, &list) {
			return []string{"error " + b.err.Error()}
		}
		var out []string
		for _, e := range list {
			prop := e.LogicalID
			if e.Property != "" {
				prop += "." + e.Property
			}
			out = append(out, fmt.Sprintf("error %s: %s", prop, e.Msg))
		}
		sort.Strings(out)
		return out
	}
	return samDump(b.m, dir)
}

// samDump writes what clients observe of a model, a fact a line (sorted):
// a difference is one line or a few. Logical IDs that clients see (APIs,
// whose ids are their lower-cased logical IDs, functions, plans, keys) are
// in; those of deployments, methods and routes are not.
func samDump(m *Model, dir string) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	fnRef := func(target *Function, function, qualifier string) string {
		s := function
		if target != nil {
			s = target.LogicalID
		}
		if qualifier != "" {
			s += ":" + qualifier
		}
		return s
	}

	for _, api := range m.RestAPIs {
		p := "rest " + api.LogicalID
		add("%s name=%q kind=%s binary=%v compression=%v apikeysource=%s", p, api.Name, api.Kind, api.BinaryMediaTypes,
			deref(api.MinimumCompressionSize), cmpOr(api.APIKeySource, "HEADER"))
		for _, st := range policyStatements(api.Policy) {
			add("%s policy %s", p, st)
		}
		for _, st := range api.Stages {
			sp := p + " stage " + st.Name
			add("%s vars=%v", sp, sortedMap(st.Variables))
			for _, th := range st.Throttles {
				add("%s throttle %s %s rate=%v burst=%d", sp, th.Path, th.Method, th.Throttle.Rate, th.Throttle.Burst)
			}
			if st.Cache != nil {
				add("%s cache size=%s", sp, st.Cache.Size)
			}
			for _, mc := range st.Caching {
				add("%s caching %s %s enabled=%v ttl=%v", sp, mc.Path, mc.Method, deref(mc.Enabled), deref(mc.TTL))
			}
		}
		for _, r := range api.Resources {
			for _, hm := range sortedKeys(r.Methods) {
				me := r.Methods[hm]
				mp := fmt.Sprintf("%s %s %s", p, hm, r.Path)
				auth := me.AuthorizationType
				if a := restAuthorizer(m, me); a != nil {
					auth += " authorizer=" + a.Name
				} else if me.AuthorizerID != "" {
					auth += " authorizer=?" + me.AuthorizerID
				}
				add("%s auth=%s scopes=%v apikey=%t params=%v", mp, auth, me.AuthorizationScopes, me.APIKeyRequired, sortedMap(me.RequestParameters))
				if v := me.Validator; v != nil {
					add("%s validate body=%t params=%t", mp, v.Body, v.Params)
				}
				for _, ct := range sortedKeys(me.RequestModels) {
					add("%s model %s=%s", mp, ct, me.RequestModels[ct].Name)
				}
				in := me.Integration
				if in == nil {
					add("%s integration none", mp)
					continue
				}
				line := fmt.Sprintf("%s integration %s %s", mp, in.Type, in.HTTPMethod)
				switch {
				case in.Function != "":
					line += " function=" + fnRef(in.Target, in.Function, in.Qualifier)
				case in.URI != "":
					line += " uri=" + in.URI
				}
				add("%s timeout=%s", line, in.Timeout)
				for _, pm := range in.RequestParameters {
					add("%s integration param %s.%s <- %s", mp, pm.Target, pm.TargetName, pm.SourceString)
				}
				if len(in.CacheKeyParameters) > 0 {
					add("%s integration cache keys=%v", mp, in.CacheKeyParameters)
				}
				for _, ct := range sortedKeys(in.MockStatus) {
					add("%s integration mock %s status=%d", mp, ct, in.MockStatus[ct])
				}
				for _, ir := range in.Responses {
					add("%s response %d pattern=%q", mp, ir.StatusCode, ir.Pattern)
					for _, h := range ir.Headers {
						v := h.Value
						if !h.Static {
							v = h.Source
						}
						add("%s response %d header %s=%s", mp, ir.StatusCode, h.Name, v)
					}
				}
			}
		}
	}
	for _, a := range m.Authorizers {
		p := "rest " + a.API.LogicalID + " authorizer " + a.Name
		switch a.Type {
		case "COGNITO_USER_POOLS":
			var pools []string
			for _, arn := range a.ProviderARNs {
				for _, up := range m.UserPools {
					if up.ARN == arn {
						arn = "pool:" + up.LogicalID
					}
				}
				pools = append(pools, arn)
			}
			add("%s %s identity=%s validation=%q pools=%v ttl=%s", p, a.Type, a.IdentitySource, a.IdentityValidationExpression, pools, a.TTL)
		default:
			add("%s %s identity=%q validation=%q function=%s ttl=%s", p, a.Type, a.IdentitySource, a.IdentityValidationExpression,
				fnRef(a.Target, a.Function, ""), a.TTL)
		}
	}
	for _, dm := range m.DataModels {
		schema := dm.Schema
		var v any
		if json.Unmarshal([]byte(schema), &v) == nil {
			if b, err := json.Marshal(v); err == nil {
				schema = string(b) // keys sorted: the order written is not observable
			}
		}
		add("rest %s model %s type=%s builtin=%t schema=%s", dm.API.LogicalID, dm.Name, dm.ContentType, dm.Builtin, schema)
	}
	for _, gr := range m.GatewayResponses {
		p := fmt.Sprintf("rest %s gatewayresponse %s status=%d", gr.API.LogicalID, gr.Type, gr.StatusCode)
		add("%s templates=%v", p, sortedMap(gr.Templates))
		for _, h := range gr.Headers {
			add("%s header %s=%s%s", p, h.Name, h.Value, h.SourceName)
		}
	}

	for _, api := range m.HTTPAPIs {
		p := "http " + api.LogicalID
		add("%s name=%q", p, api.Name)
		if c := api.Cors; c != nil {
			add("%s cors origins=%v methods=%v headers=%v expose=%v maxage=%v credentials=%t", p,
				c.AllowOrigins, c.AllowMethods, c.AllowHeaders, c.ExposeHeaders, deref(c.MaxAge), c.AllowCredentials)
		}
		for _, st := range api.Stages {
			line := fmt.Sprintf("%s stage %s autodeploy=%t vars=%v", p, st.Name, st.AutoDeploy, sortedMap(st.Variables))
			if st.Throttle != nil {
				line += fmt.Sprintf(" throttle=%+v", *st.Throttle)
			}
			for _, k := range sortedKeys(st.RouteThrottles) {
				line += fmt.Sprintf(" %s=%+v", k, st.RouteThrottles[k])
			}
			add("%s", line)
		}
		for _, a := range api.Authorizers {
			ap := p + " authorizer " + a.Name
			switch a.Type {
			case "JWT":
				add("%s JWT identity=%v issuer=%s audience=%v", ap, a.IdentitySource, a.Issuer, a.Audience)
			default:
				add("%s %s identity=%v function=%s payload=%s simple=%t ttl=%s", ap, a.Type, a.IdentitySource,
					fnRef(a.Target, a.Function, ""), a.PayloadFormatVersion, a.SimpleResponses, a.TTL)
			}
		}
		for _, rt := range api.RouteList {
			rp := fmt.Sprintf("%s route %q", p, rt.Key)
			auth := cmpOr(rt.AuthorizationType, "NONE")
			if rt.Authorizer != nil {
				auth += " authorizer=" + rt.Authorizer.Name
			}
			add("%s auth=%s scopes=%v", rp, auth, rt.AuthorizationScopes)
			in := rt.Integration
			if in == nil {
				add("%s integration none (%s)", rp, rt.Target)
				continue
			}
			line := fmt.Sprintf("%s integration %s %s", rp, in.Type, in.Method)
			switch {
			case in.Function != "":
				line += " function=" + fnRef(in.Target, in.Function, in.Qualifier)
			case in.URI != "":
				line += " uri=" + in.URI
			}
			add("%s payload=%s timeout=%s", line, in.PayloadFormatVersion, in.Timeout)
			for _, pm := range in.RequestParameters {
				add("%s integration request %s <- %s", rp, pm.Key, pm.Value)
			}
		}
	}

	for _, api := range m.WebSocketAPIs {
		p := "websocket " + api.LogicalID
		add("%s name=%q selection=%s apikeys=%s", p, api.Name, api.RouteSelection, api.APIKeySelection)
		for _, st := range api.Stages {
			line := fmt.Sprintf("%s stage %s autodeploy=%t vars=%v", p, st.Name, st.AutoDeploy, sortedMap(st.Variables))
			if st.Throttle != nil {
				line += fmt.Sprintf(" throttle=%+v", *st.Throttle)
			}
			for _, k := range sortedKeys(st.RouteThrottles) {
				line += fmt.Sprintf(" %s=%+v", k, st.RouteThrottles[k])
			}
			add("%s", line)
		}
		for _, a := range api.Authorizers {
			add("%s authorizer %s identity=%v function=%s", p, a.Name, a.IdentitySource, fnRef(a.Target, a.Function, ""))
		}
		for _, rt := range api.RouteList {
			rp := fmt.Sprintf("%s route %q", p, rt.Key)
			auth := cmpOr(rt.AuthorizationType, "NONE")
			if rt.Authorizer != nil {
				auth += " authorizer=" + rt.Authorizer.Name
			}
			add("%s auth=%s apikey=%t twoway=%t", rp, auth, rt.APIKeyRequired, rt.TwoWay)
			if in := rt.Integration; in != nil {
				add("%s integration %s function=%s timeout=%s", rp, in.Type, fnRef(in.Target, in.Function, in.Qualifier), in.Timeout)
			} else {
				add("%s integration none (%s)", rp, rt.Target)
			}
		}
	}

	for _, f := range m.Functions {
		p := "function " + f.LogicalID
		code := "-"
		switch {
		case f.Code.ZipFile != "":
			code = "inline"
		case f.Code.Path != "":
			code = f.Code.Path
			if rel, err := filepath.Rel(dir, f.Code.Path); err == nil {
				code = filepath.ToSlash(rel)
			}
		case f.Code.S3Bucket != "":
			code = "s3://" + f.Code.S3Bucket + "/" + f.Code.S3Key
		case f.Code.ImageURI != "":
			code = f.Code.ImageURI
		}
		add("%s name=%s runtime=%s handler=%s code=%s", p, f.Name, f.Runtime, f.Handler, code)
		add("%s timeout=%s memory=%d architectures=%v concurrency=%d", p, f.Timeout, f.MemorySize, f.Architectures, f.ReservedConcurrency)
		for _, k := range sortedKeys(f.Environment) {
			add("%s env %s=%s", p, k, f.Environment[k])
		}
	}

	for _, up := range m.UsagePlans {
		p := "usageplan " + up.LogicalID
		line := p + " name=" + up.Name
		if up.Throttle != nil {
			line += fmt.Sprintf(" throttle=%+v", *up.Throttle)
		}
		if up.Quota != nil {
			line += fmt.Sprintf(" quota=%+v", *up.Quota)
		}
		add("%s", line)
		for _, ps := range up.Stages {
			add("%s stage %s/%s methods=%v", p, ps.APILogicalID(), ps.Stage, ps.Methods)
		}
		for _, k := range up.Keys {
			add("%s key %s", p, k.LogicalID)
		}
	}
	for _, k := range m.APIKeys {
		add("apikey %s name=%s enabled=%t value=%q", k.LogicalID, k.Name, k.Enabled, k.Value)
	}
	for _, up := range m.UserPools {
		add("userpool %s name=%s clients=%d", up.LogicalID, up.Name, len(up.ClientIDs))
	}
	sort.Strings(out)
	return out
}

// policyStatements are a resource policy's statements, each as JSON with
// its keys sorted ("" when there is no policy).
func policyStatements(doc string) []string {
	if doc == "" {
		return nil
	}
	var p struct{ Statement any }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return []string{"unreadable " + doc}
	}
	list, ok := p.Statement.([]any)
	if !ok {
		list = []any{p.Statement}
	}
	var out []string
	for _, st := range list {
		b, _ := json.Marshal(st)
		out = append(out, string(b))
	}
	return out
}

// restAuthorizer is the authorizer a method names (Validate links only
// some kinds).
func restAuthorizer(m *Model, me *Method) *Authorizer {
	if me.Authorizer != nil {
		return me.Authorizer
	}
	if me.AuthorizerID == "" {
		return nil
	}
	for _, a := range m.Authorizers {
		if a.ID == me.AuthorizerID && a.API != nil && me.Resource != nil {
			return a
		}
	}
	return nil
}

// sortedMap writes a map in key order ("{a:1 b:2}"; "{}" when empty).
func sortedMap[V any](m map[string]V) string {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s:%v", k, m[k])
	}
	b.WriteString("}")
	return b.String()
}

// lineDiff is what only a has and what only b has, as multisets (sorted
// input).
func lineDiff(a, b []string) (onlyA, onlyB []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

// readOracleDiff reads an .oracle-diff.txt: "- line" or "+ line" entries,
// each followed by a "why:" line (indented or not) that may continue on
// further indented lines; "#" lines are comments. It returns each entry's
// reason ("" when it has none).
func readOracleDiff(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	last := ""
	inWhy := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			inWhy = false
		case strings.HasPrefix(line, "- ") || strings.HasPrefix(line, "+ "):
			last = line
			if _, dup := out[last]; dup {
				return nil, fmt.Errorf("%s:%d: %q is listed twice", path, n, last)
			}
			out[last] = ""
			inWhy = false
		case strings.HasPrefix(trimmed, "why:"):
			if last == "" || out[last] != "" {
				return nil, fmt.Errorf("%s:%d: a why: line must follow the difference it explains", path, n)
			}
			out[last] = strings.TrimSpace(strings.TrimPrefix(trimmed, "why:"))
			inWhy = true
		case inWhy && line != trimmed:
			out[last] += " " + trimmed
		default:
			return nil, fmt.Errorf("%s:%d: expected \"- line\", \"+ line\", \"why: reason\" or a # comment, got %q", path, n, line)
		}
	}
	return out, sc.Err()
}

// writeOracleDiff rewrites an .oracle-diff.txt with the differences found,
// keeping the reasons (and the leading comment) of the old one.
func writeOracleDiff(t *testing.T, path string, onlyOracle, onlyApigw []string, old map[string]string) {
	t.Helper()
	var b strings.Builder
	if data, err := os.ReadFile(path); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			if !strings.HasPrefix(line, "#") {
				break
			}
			b.WriteString(line + "\n")
		}
	}
	if b.Len() == 0 {
		b.WriteString("# Where apigw's SAM pass differs on purpose from samtranslator's output (" +
			filepath.Base(strings.TrimSuffix(path, ".oracle-diff.txt")) + ".oracle.json).\n" +
			"# - a line only samtranslator's model has; + a line only apigw's has; why: the reason.\n" +
			"# Checked by TestSAMOracle (internal/model/sam_oracle_test.go).\n")
	}
	entries := 0
	for _, d := range append(prefixed("- ", onlyOracle), prefixed("+ ", onlyApigw)...) {
		why := old[d]
		if why == "" {
			why = "TODO"
		}
		fmt.Fprintf(&b, "\n%s\n%s\n", d, wrapWhy(why))
		entries++
	}
	if entries == 0 {
		if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wrapWhy writes a reason as "  why: ..." lines of about 110 characters,
// continued on lines indented by four spaces.
func wrapWhy(why string) string {
	var b strings.Builder
	line := "  why:"
	for _, w := range strings.Fields(why) {
		if len(line)+1+len(w) > 110 && strings.TrimSpace(line) != "why:" {
			b.WriteString(line + "\n")
			line = "   "
		}
		line += " " + w
	}
	b.WriteString(line)
	return b.String()
}

func prefixed(p string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = p + l
	}
	return out
}

// TestSAMBodiesAccepted: what samtranslator writes into definitions and
// API Gateway accepts is read: a NONE security requirement (Authorizer:
// NONE under a default authorizer) leaves the method or route open, and
// the $default route's isDefaultRoute is ignored. Another undefined scheme
// is still an error (TestOpenAPIErrors, TestHTTPOpenAPIErrors).
func TestSAMBodiesAccepted(t *testing.T) {
	rest := bodyHead + `        securityDefinitions:
          tok:
            type: apiKey
            name: Authorization
            in: header
            x-amazon-apigateway-authtype: custom
            x-amazon-apigateway-authorizer:
              type: token
              authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
        paths:
          /open:
            get:
              security: [{NONE: []}]
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
          /closed:
            get:
              security: [{tok: []}]
              x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}
`
	m, err := build(t, "t.yaml", rest, Options{Functions: map[string]FunctionOverride{"auth": {Endpoint: "http://127.0.0.1:9"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, me := range m.RestAPIs[0].Methods {
		got[me.Resource.Path] = me.AuthorizationType
	}
	if got["/open"] != "NONE" || got["/closed"] != "CUSTOM" {
		t.Errorf("authorization by path %v, want /open NONE and /closed CUSTOM", got)
	}

	http := httpBodyHead + `        components:
          securitySchemes:
            jwt:
              type: oauth2
              x-amazon-apigateway-authorizer:
                type: jwt
                identitySource: $request.header.Authorization
                jwtConfiguration: {issuer: 'https://issuer.example.com', audience: [a]}
        security: [{jwt: []}]
        paths:
          /open:
            get:
              security: [{NONE: []}]
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !GetAtt Fn.Arn, payloadFormatVersion: '2.0'}
          $default:
            x-amazon-apigateway-any-method:
              isDefaultRoute: true
              x-amazon-apigateway-integration: {type: aws_proxy, uri: !GetAtt Fn.Arn, payloadFormatVersion: '2.0'}
`
	m, err = build(t, "t.yaml", http, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got = map[string]string{}
	for _, rt := range m.HTTPAPIs[0].RouteList {
		got[rt.Key] = rt.AuthorizationType
	}
	if got["GET /open"] != "NONE" || got["$default"] != "JWT" {
		t.Errorf("authorization by route %v, want GET /open NONE and $default JWT (the document's)", got)
	}
}
