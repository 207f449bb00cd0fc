package e2e

import (
	"strings"
	"testing"
)

// gatewayResponsesTemplate: DEFAULT_4XX adds CORS headers to every 4XX
// answer, MISSING_AUTHENTICATION_TOKEN answers 404 with its own body, and
// INVALID_API_KEY echoes a request header.
var gatewayResponsesTemplate = strings.Replace(accessTemplate, "  Key:\n", `  Default4xx:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: DEFAULT_4XX
      ResponseParameters:
        gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
        gatewayresponse.header.Access-Control-Allow-Headers: "'x-api-key,Authorization'"
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: '404'
      ResponseTemplates:
        application/json: '{"error": $context.error.messageString, "type": "$context.error.responseType", "stage": "$context.stage"}'
  BadKey:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: INVALID_API_KEY
      ResponseParameters:
        gatewayresponse.header.X-Caller: method.request.header.X-Caller
  Key:
`, 1)

// TestGatewayResponses: an API's gateway responses customise the status,
// headers and body of its errors; a type without its own takes
// DEFAULT_4XX's.
func TestGatewayResponses(t *testing.T) {
	in := startAPIGW(t, writeFile(t, "gr.yaml", gatewayResponsesTemplate))
	// MISSING_AUTHENTICATION_TOKEN: its own status and template; the
	// DEFAULT_4XX headers do not apply to a type with its own response.
	r := get(t, in.URL("/prod/nothing"))
	if r.Status != 404 || string(r.Body) != `{"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN", "stage": "prod"}` {
		t.Errorf("missing token: %s", r)
	}
	// INVALID_API_KEY: its own header, the default status and body.
	r = do(t, req{URL: in.URL("/prod/limited"), Header: map[string]string{"X-Caller": "tester"}})
	if r.Status != 403 || string(r.Body) != forbiddenBody || r.Header.Get("X-Caller") != "tester" {
		t.Errorf("bad key: %s", r)
	}
	// THROTTLED has none: DEFAULT_4XX's CORS headers on the 429.
	open := req{URL: in.URL("/prod/open")}
	var last *response
	for range 10 {
		if last = do(t, open); last.Status == 429 {
			break
		}
	}
	if last.Status != 429 || last.Header.Get("Access-Control-Allow-Origin") != "*" || last.Header.Get("Access-Control-Allow-Headers") != "x-api-key,Authorization" {
		t.Errorf("a throttled answer without DEFAULT_4XX's headers: %s", last)
	}
	if r := do(t, open); r.Status == 200 && r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a 200 got the gateway response's header: %s", r)
	}
	bad := strings.Replace(gatewayResponsesTemplate, "ResponseType: DEFAULT_4XX", "ResponseType: DEFAULT_4xxx", 1)
	if _, stderr, code := runValidate(t, writeFile(t, "bad.yaml", bad)); code != 1 || !strings.Contains(stderr, `"DEFAULT_4xxx" is not a gateway response type`) {
		t.Errorf("an unknown type: exit %d %q", code, stderr)
	}
}
