package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const (
	forbiddenBody = `{"message":"Forbidden"}`
	throttledBody = `{"message":"Too Many Requests"}`
	quotaBody     = `{"message":"Limit Exceeded"}`
	goodKey       = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// awsAdmin runs the AWS CLI against apigw's admin listener, as the README
// says, and decodes its JSON output.
func awsAdmin(t *testing.T, in *Instance, out any, args ...string) {
	t.Helper()
	full := append(args, "--endpoint-url", in.AdminURL, "--region", "us-east-1", "--no-sign-request", "--output", "json")
	cmd := exec.Command("aws", full...)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	b, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("aws %s: %v %s", strings.Join(args, " "), err, msg)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("aws %s: %v: %s", strings.Join(args, " "), err, b)
	}
}

// TestAPIKeysExample: the guide's API key template as written: a method
// with ApiKeyRequired refuses a missing or unknown key with 403 Forbidden,
// answers with the generated key that `aws apigateway get-api-keys` lists,
// and `aws apigateway get-usage` counts what was served.
func TestAPIKeysExample(t *testing.T) {
	rtRequireInterpreters(t)
	in := startAPIGW(t, example("api-keys.yaml"))
	url := in.URL("/prod/users")
	assertGatewayError(t, get(t, url), 403, forbiddenBody, "ForbiddenException")
	assertGatewayError(t, do(t, req{URL: url, Header: map[string]string{"x-api-key": goodKey}}), 403, forbiddenBody, "ForbiddenException")

	var keys struct {
		Items []struct {
			ID, Value, Name string
			Enabled         bool
			StageKeys       []string
		}
	}
	awsAdmin(t, in, &keys, "apigateway", "get-api-keys", "--include-values")
	if len(keys.Items) != 1 || len(keys.Items[0].Value) != 40 || keys.Items[0].Name != "MyAPIKey" || !keys.Items[0].Enabled ||
		strings.Join(keys.Items[0].StageKeys, ",") != "restapi/prod" {
		t.Fatalf("get-api-keys: %+v", keys)
	}
	key := keys.Items[0]
	for _, name := range []string{"x-api-key", "X-API-Key", "X-Api-Key"} {
		if r := do(t, req{URL: url, Header: map[string]string{name: key.Value}}); r.Status != 200 || string(r.Body) != `{"users": []}` {
			t.Errorf("%s: %s", name, r)
		}
	}
	if r := do(t, req{URL: url, Header: map[string]string{"x-api-key": key.Value[:39]}}); r.Status != 403 {
		t.Errorf("a key one character short: %s", r)
	}

	var plans struct{ Items []struct{ ID, Name string } }
	awsAdmin(t, in, &plans, "apigateway", "get-usage-plans")
	if len(plans.Items) != 1 || plans.Items[0].Name != "MyUsagePlan" {
		t.Fatalf("get-usage-plans: %+v", plans)
	}
	today := time.Now().UTC().Format("2006-01-02")
	var usage struct {
		UsagePlanID string
		Items       map[string][][2]int64
	}
	awsAdmin(t, in, &usage, "apigateway", "get-usage", "--usage-plan-id", plans.Items[0].ID, "--start-date", today, "--end-date", today)
	if got := usage.Items[key.ID]; len(got) != 1 || got[0] != [2]int64{3, 9997} {
		t.Errorf("get-usage: %+v, want [[3 9997]] for key %s", usage, key.ID)
	}
}

// accessTemplate is a MOCK API whose /limited method needs a key of a plan
// with a small throttle and quota, and whose /open method is under a stage
// method setting only.
const accessTemplate = `Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: access}
  Limited:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: limited}
  Open:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: open}
  GetLimited:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Limited
      HttpMethod: GET
      AuthorizationType: NONE
      ApiKeyRequired: true
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"ok":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  GetOpen:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Open
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"open":true}'}}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetLimited, GetOpen]
    Properties:
      RestApiId: !Ref Api
      StageName: prod
      StageDescription:
        MethodSettings:
          - {ResourcePath: /~1open, HttpMethod: GET, ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: k, Enabled: true, Value: ` + goodKey + `}
  Disabled:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: off, Enabled: false, Value: disabledkeydisabledkey0123}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
      Throttle: {RateLimit: 5, BurstLimit: 10}
      Quota: {Limit: 25, Period: DAY}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  PlanKeyDisabled:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Disabled, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`

// countStatuses sends n requests at once-ish (sequentially, fast) and
// counts the answers by status; any other answer fails the test.
func countStatuses(t *testing.T, n int, r req, want map[int]string) map[int]int {
	t.Helper()
	got := map[int]int{}
	for range n {
		resp := do(t, r)
		body, ok := want[resp.Status]
		if !ok || string(resp.Body) != body {
			t.Fatalf("unexpected answer %s", resp)
		}
		got[resp.Status]++
	}
	return got
}

// TestThrottleAndQuota: a plan's token bucket lets its burst through, then
// its rate; its quota refuses with 429 Limit Exceeded once spent, also
// after a restart on the same --data; a disabled key is refused; a stage
// method setting throttles a method that needs no key.
func TestThrottleAndQuota(t *testing.T) {
	tpl := writeFile(t, "access.yaml", accessTemplate)
	data := t.TempDir()
	in := startAPIGW(t, tpl, "--data", data)
	limited := req{URL: in.URL("/prod/limited"), Header: map[string]string{"x-api-key": goodKey}}
	assertGatewayError(t, do(t, req{URL: in.URL("/prod/limited"), Header: map[string]string{"x-api-key": "disabledkeydisabledkey0123"}}),
		403, forbiddenBody, "ForbiddenException")

	answers := map[int]string{200: `{"ok":true}`, 429: throttledBody}
	first := countStatuses(t, 15, limited, answers)
	// The burst (10) passes at once; the rest of a quick series is
	// throttled, give or take what 5/s refills meanwhile.
	if first[200] < 10 || first[200] > 12 || first[429] < 3 {
		t.Errorf("15 quick requests: %v, want about 10 passed and the rest 429", first)
	}
	r := do(t, limited)
	if r.Status == 429 {
		assertGatewayError(t, r, 429, throttledBody, "TooManyRequestsException")
	}
	time.Sleep(2 * time.Second) // 10 tokens back at 5/s
	second := countStatuses(t, 15, limited, map[int]string{200: `{"ok":true}`, 429: throttledBody})
	if second[200] < 9 || second[200] > 12 {
		t.Errorf("after 2 s: %v, want about 10 passed", second)
	}
	served := first[200] + second[200]
	if r.Status == 200 {
		served++
	}
	// The quota is 25 a day: what the throttle let through counts, the
	// throttled requests do not.
	time.Sleep(2 * time.Second)
	third := countStatuses(t, 10, limited, map[int]string{200: `{"ok":true}`, 429: quotaBody})
	if served+third[200] != 25 || third[429] == 0 {
		t.Errorf("served %d then %v: want 25 in all, then 429 Limit Exceeded", served, third)
	}
	time.Sleep(time.Second) // the throttle came first: tokens for it
	assertGatewayError(t, do(t, limited), 429, quotaBody, "LimitExceededException")

	// The stage's method setting: 4 at once, then 2 a second, no key needed.
	open := countStatuses(t, 8, req{URL: in.URL("/prod/open")}, map[int]string{200: `{"open":true}`, 429: throttledBody})
	if open[200] < 4 || open[200] > 5 || open[429] < 3 {
		t.Errorf("8 quick requests to a method throttled at burst 4: %v", open)
	}

	// The quota counter survives a restart on the same --data.
	if code, err := in.Stop(); err != nil || code != 0 {
		t.Fatalf("stop: %d %v", code, err)
	}
	again := startAPIGW(t, tpl, "--data", data)
	assertGatewayError(t, do(t, req{URL: again.URL("/prod/limited"), Header: map[string]string{"x-api-key": goodKey}}),
		429, quotaBody, "LimitExceededException")
}

// TestUsagePlanErrors: templates whose keys and plans cannot work are
// refused, naming what is wrong.
func TestUsagePlanErrors(t *testing.T) {
	cases := []struct {
		name, edit, want string
	}{
		{"a key in two plans for one stage", strings.Replace(accessTemplate, "  PlanKeyDisabled:", `  Plan2:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: prod}]
  PlanKey2:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan2}
  PlanKeyDisabled:`, 1), "API key Key is in usage plans"},
		{"a plan for an unknown stage", strings.Replace(accessTemplate, "Stage: prod}]\n      Throttle", "Stage: staging}]\n      Throttle", 1), `API Api has no stage "staging"`},
		{"a per-method throttle of no method", strings.Replace(accessTemplate, "Stage: prod}]\n      Throttle", "Stage: prod, Throttle: {/nope/GET: {RateLimit: 1, BurstLimit: 1}}}]\n      Throttle", 1), `"/nope/GET" names no method of API Api`},
		{"a short key value", strings.Replace(accessTemplate, "Value: "+goodKey, "Value: short", 1), "an API key value has 20 to 128 characters"},
		{"a bad quota period", strings.Replace(accessTemplate, "Period: DAY", "Period: YEAR", 1), "must be DAY, WEEK or MONTH"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.edit == accessTemplate {
				t.Fatal("the edit changed nothing")
			}
			_, stderr, code := runValidate(t, writeFile(t, "t.yaml", c.edit))
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, c.want)
			}
		})
	}
}

// awsAdminErr runs the AWS CLI against the admin listener and returns its
// exit error and stderr.
func awsAdminErr(t *testing.T, in *Instance, args ...string) (string, error) {
	t.Helper()
	full := append(args, "--endpoint-url", in.AdminURL, "--region", "us-east-1", "--no-sign-request", "--output", "json")
	cmd := exec.Command("aws", full...)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestControlPlaneKeys: keys created, added to a plan, disabled and deleted
// with the AWS CLI take effect on the data plane at once and survive a
// restart on the same --data; template keys are read-only there.
func TestControlPlaneKeys(t *testing.T) {
	tpl := writeFile(t, "access.yaml", accessTemplate)
	data := t.TempDir()
	in := startAPIGW(t, tpl, "--data", data)
	const mine = "mineminemineminemine0123456789"
	limited := func(in *Instance) req {
		return req{URL: in.URL("/prod/limited"), Header: map[string]string{"x-api-key": mine}}
	}

	var created struct{ ID, Value string }
	awsAdmin(t, in, &created, "apigateway", "create-api-key", "--name", "mine", "--enabled", "--value", mine)
	if created.ID == "" || created.Value != mine {
		t.Fatalf("create-api-key: %+v", created)
	}
	assertGatewayError(t, do(t, limited(in)), 403, forbiddenBody, "ForbiddenException") // in no plan yet

	var plans struct{ Items []struct{ ID string } }
	awsAdmin(t, in, &plans, "apigateway", "get-usage-plans")
	var pk struct{ ID, Type string }
	awsAdmin(t, in, &pk, "apigateway", "create-usage-plan-key", "--usage-plan-id", plans.Items[0].ID, "--key-id", created.ID, "--key-type", "API_KEY")
	if pk.ID != created.ID || pk.Type != "API_KEY" {
		t.Fatalf("create-usage-plan-key: %+v", pk)
	}
	if r := do(t, limited(in)); r.Status != 200 {
		t.Fatalf("a key added to the plan: %s", r)
	}
	if out, err := awsAdminErr(t, in, "apigateway", "create-usage-plan-key", "--usage-plan-id", plans.Items[0].ID, "--key-id", created.ID, "--key-type", "API_KEY"); err == nil || !strings.Contains(out, "ConflictException") {
		t.Errorf("the same key twice: %v %s", err, out)
	}

	// The key and its plan survive a restart.
	if code, err := in.Stop(); err != nil || code != 0 {
		t.Fatalf("stop: %d %v", code, err)
	}
	in = startAPIGW(t, tpl, "--data", data)
	if r := do(t, limited(in)); r.Status != 200 {
		t.Fatalf("after a restart: %s", r)
	}

	var updated struct{ Enabled bool }
	awsAdmin(t, in, &updated, "apigateway", "update-api-key", "--api-key", created.ID, "--patch-operations", "op=replace,path=/enabled,value=false")
	if updated.Enabled {
		t.Errorf("update-api-key: still enabled")
	}
	assertGatewayError(t, do(t, limited(in)), 403, forbiddenBody, "ForbiddenException")

	if out, err := awsAdminErr(t, in, "apigateway", "delete-api-key", "--api-key", created.ID); err != nil {
		t.Fatalf("delete-api-key: %v %s", err, out)
	}
	var keys struct{ Items []struct{ ID, Name string } }
	awsAdmin(t, in, &keys, "apigateway", "get-api-keys")
	for _, k := range keys.Items {
		if k.ID == created.ID {
			t.Errorf("the deleted key is still listed")
		}
	}
	// Template keys change with the template only.
	templateKeyID := keys.Items[0].ID
	if out, err := awsAdminErr(t, in, "apigateway", "delete-api-key", "--api-key", templateKeyID); err == nil || !strings.Contains(out, "BadRequestException") {
		t.Errorf("deleting a template key: %v %s", err, out)
	}
	if out, err := awsAdminErr(t, in, "apigateway", "get-api-key", "--api-key", "nope"); err == nil || !strings.Contains(out, "NotFoundException") {
		t.Errorf("an unknown key: %v %s", err, out)
	}
}

// TestThrottleAccuracy: under steady load from several connections, a
// plan's token bucket lets through its burst and then its rate: within 10%
// of burst + rate x seconds.
func TestThrottleAccuracy(t *testing.T) {
	tpl := strings.NewReplacer("Throttle: {RateLimit: 5, BurstLimit: 10}", "Throttle: {RateLimit: 40, BurstLimit: 20}",
		"Quota: {Limit: 25, Period: DAY}", "Quota: {Limit: 1000000, Period: DAY}").Replace(accessTemplate)
	in := startAPIGW(t, writeFile(t, "accuracy.yaml", tpl))
	const workers = 4
	const run = 3 * time.Second
	start := time.Now()
	deadline := start.Add(run)
	counts := make(chan [2]int, workers)
	for range workers {
		go func() {
			client := &http.Client{Transport: &http.Transport{}}
			ok, throttled := 0, 0
			for time.Now().Before(deadline) {
				r, _ := http.NewRequest("GET", in.URL("/prod/limited"), nil)
				r.Header.Set("x-api-key", goodKey)
				resp, err := client.Do(r)
				if err != nil {
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					ok++
				case 429:
					throttled++
				}
				// Far above 40/s still, without taking the CPU from apigw.
				time.Sleep(2 * time.Millisecond)
			}
			counts <- [2]int{ok, throttled}
		}()
	}
	ok, throttled := 0, 0
	for range workers {
		c := <-counts
		ok += c[0]
		throttled += c[1]
	}
	elapsed := time.Since(start).Seconds()
	want := 20 + 40*elapsed
	if float64(ok) < want*0.9 || float64(ok) > want*1.1 || throttled == 0 {
		t.Errorf("%d requests passed and %d were throttled in %.2f s; want %.0f passed (burst 20 + 40/s), within 10%%", ok, throttled, elapsed, want)
	}
	t.Logf("%d passed, %d throttled in %.2f s (want %.0f)", ok, throttled, elapsed, want)
}

// boto3Python is a python with boto3: the PATH's python3, else Debian's
// (scripts/test.sh installs python3-boto3 when neither has it).
func boto3Python(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import boto3").Run() == nil {
			return py
		}
	}
	t.Fatal("no python3 with boto3 (scripts/test.sh installs python3-boto3)")
	return ""
}

// TestControlPlaneBoto3: boto3's apigateway client manages keys and reads
// usage against apigw's admin listener unchanged.
func TestControlPlaneBoto3(t *testing.T) {
	py := boto3Python(t)
	in := startAPIGW(t, writeFile(t, "access.yaml", accessTemplate))
	if r := do(t, req{URL: in.URL("/prod/limited"), Header: map[string]string{"x-api-key": goodKey}}); r.Status != 200 {
		t.Fatalf("a call with the template's key: %s", r)
	}
	const script = `import datetime, json, sys, boto3
c = boto3.client("apigateway", endpoint_url=sys.argv[1], region_name="us-east-1",
                 aws_access_key_id="x", aws_secret_access_key="y")
keys = c.get_api_keys(includeValues=True)["items"]
plan = c.get_usage_plans()["items"][0]
new = c.create_api_key(name="boto", enabled=True, value="botobotobotobotobotoboto0")
c.create_usage_plan_key(usagePlanId=plan["id"], keyId=new["id"], keyType="API_KEY")
c.update_api_key(apiKey=new["id"], patchOperations=[{"op": "replace", "path": "/description", "value": "d"}])
today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
usage = c.get_usage(usagePlanId=plan["id"], startDate=today, endDate=today)
got = c.get_api_key(apiKey=new["id"], includeValue=True)
c.delete_api_key(apiKey=new["id"])
print(json.dumps({"names": sorted(k["name"] for k in keys), "quota": plan["quota"]["limit"],
                  "usage": usage["items"], "desc": got.get("description"), "value": got["value"],
                  "after": len(c.get_api_keys()["items"])}))
`
	out, err := exec.Command(py, "-c", script, in.AdminURL).CombinedOutput()
	if err != nil {
		t.Fatalf("boto3: %v\n%s", err, out)
	}
	var got struct {
		Names []string
		Quota int
		Usage map[string][][2]int64
		Desc  string
		Value string
		After int
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("boto3 printed %s: %v", out, err)
	}
	if strings.Join(got.Names, ",") != "k,off" || got.Quota != 25 || got.Desc != "d" || got.Value != "botobotobotobotobotoboto0" || got.After != 2 {
		t.Errorf("boto3 saw %+v", got)
	}
	used := int64(0)
	for _, days := range got.Usage {
		for _, d := range days {
			used += d[0]
		}
	}
	if used != 1 {
		t.Errorf("get_usage: %v, want the one request counted", got.Usage)
	}
}
