package e2e

import (
	"encoding/json"
	"net/http"
	"testing"
)

// wsKeysTemplate: a WebSocket API whose $connect needs an API key of a
// usage plan that covers its stage "live".
const wsKeysTemplate = `Resources:
  Ws:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: keys, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  Connect:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Ws, RouteKey: $connect, ApiKeyRequired: true}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Ws, StageName: live, AutoDeploy: true}
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: wskeywskeywskeywskey0123456789, Enabled: true}
  DisabledKey:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: disableddisableddisabled0123, Enabled: false}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Ws, Stage: live}]
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  PlanDisabledKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref DisabledKey, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`

// TestWebSocketAPIKeys: $connect with ApiKeyRequired takes only an
// enabled key of a usage plan of the stage (x-api-key, any case), else the
// handshake gets 403 {"message":"Forbidden"}; a key created and added to
// the plan through the control plane connects at once.
func TestWebSocketAPIKeys(t *testing.T) {
	in := startAPIGW(t, writeFile(t, "ws-keys.yaml", wsKeysTemplate))
	tests := []struct {
		name   string
		header http.Header
		status int
	}{
		{"no key", nil, 403},
		{"unknown key", http.Header{"X-Api-Key": {"nonenonenonenonenone0123"}}, 403},
		{"disabled key", http.Header{"X-Api-Key": {"disableddisableddisabled0123"}}, 403},
		{"the plan's key", http.Header{"X-Api-Key": {"wskeywskeywskeywskey0123456789"}}, 101},
		{"header name in another case", http.Header{"x-API-key": {"wskeywskeywskeywskey0123456789"}}, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, resp, err := wsTryDial(in, "/live", tt.header)
			if c != nil {
				defer c.Close()
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("handshake: %v %v, want %d", err, resp, tt.status)
			}
		})
	}

	// A run-time key: created, then added to the plan.
	const value = "runtimekeyruntimekey0123456789"
	if c, resp, _ := wsTryDial(in, "/live", http.Header{"X-Api-Key": {value}}); c != nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("before the key exists: %v", resp)
	}
	r := do(t, req{Method: "POST", URL: in.AdminURL + "/apikeys", Body: `{"name":"rt","value":"` + value + `","enabled":true}`,
		Header: map[string]string{"Content-Type": "application/json"}})
	var key struct{ ID string }
	if r.Status != 201 || json.Unmarshal(r.Body, &key) != nil || key.ID == "" {
		t.Fatalf("create-api-key: %s", r)
	}
	r = get(t, in.AdminURL+"/usageplans")
	var plans struct {
		Items []struct{ ID string } `json:"item"`
	}
	if json.Unmarshal(r.Body, &plans) != nil || len(plans.Items) != 1 {
		t.Fatalf("get-usage-plans: %s", r)
	}
	r = do(t, req{Method: "POST", URL: in.AdminURL + "/usageplans/" + plans.Items[0].ID + "/keys", Body: `{"keyId":"` + key.ID + `","keyType":"API_KEY"}`,
		Header: map[string]string{"Content-Type": "application/json"}})
	if r.Status != 201 {
		t.Fatalf("create-usage-plan-key: %s", r)
	}
	c, resp, err := wsTryDial(in, "/live", http.Header{"X-Api-Key": {value}})
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("with the run-time key: %v %v", err, resp)
	}
	c.Close()
}

// wsSharedStageTemplate: a REST API and two WebSocket APIs, all with a
// stage "prod".
const wsSharedStageTemplate = `Resources:
  Rest:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: rest}
  Root:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Rest
      ResourceId: !GetAtt Rest.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '{"api":"rest"}'}}]
      MethodResponses: [{StatusCode: 200}]
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [Root]
    Properties: {RestApiId: !Ref Rest, StageName: prod}
  WsOne:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: one, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  OneConnect:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref WsOne, RouteKey: $connect}
  OneStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref WsOne, StageName: prod, AutoDeploy: true}
  WsTwo:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: two, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
  TwoConnect:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref WsTwo, RouteKey: $connect}
  TwoStage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref WsTwo, StageName: prod, AutoDeploy: true}
`

// TestWebSocketSharedStage (CONTRACT.md's addressing): a plain request to
// /prod goes to the REST API with that stage; an upgrade picks the
// WebSocket API, which the Host must name when two have the stage
// ({apiId}.execute-api.localhost), else 403 Missing Authentication Token.
func TestWebSocketSharedStage(t *testing.T) {
	in := startAPIGW(t, writeFile(t, "ws-shared.yaml", wsSharedStageTemplate))
	if r := get(t, in.URL("/prod")); r.Status != 200 || string(r.Body) != `{"api":"rest"}` {
		t.Fatalf("GET /prod: %s", r)
	}
	// Two WebSocket APIs have stage prod: without a Host naming one, no
	// upgrade.
	if c, resp, _ := wsTryDial(in, "/prod", nil); c != nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("an upgrade without a Host naming the API: %v", resp)
	}
	for _, id := range []string{"wsone", "wstwo"} {
		c, resp, err := wsTryDial(in, "/prod", http.Header{"Host": {id + ".execute-api.localhost"}})
		if err != nil || resp.StatusCode != 101 {
			t.Fatalf("%s: %v %v", id, err, resp)
		}
		c.Close()
	}
	// A Host naming the REST API does not reach a WebSocket API.
	if c, resp, _ := wsTryDial(in, "/prod", http.Header{"Host": {"rest.execute-api.localhost"}}); c != nil || resp == nil || resp.StatusCode == 101 {
		t.Fatalf("an upgrade to the REST API: %v", resp)
	}
}
