package e2e

import (
	"strings"
	"testing"
)

// TestValidation: a method's request validator answers 400 before the
// backend is called, the required parameters first (in AWS's order), then
// the body against the model of its content type; BAD_REQUEST_BODY's
// gateway response gets the validator's details.
func TestValidation(t *testing.T) {
	be := newBackend(t, "orders", nil)
	in := startAPIGW(t, testdata("validation.yaml"), "--param", "BackendUrl="+be.URL)
	const good = `{"items": [{"sku": "ABC-1", "quantity": 2}], "note": "ring twice"}`
	post := func(target, body string, header map[string]string) *response {
		t.Helper()
		return do(t, req{Method: "POST", URL: in.URL(target), Body: body, Header: header})
	}
	key := map[string]string{"Content-Type": "application/json", "idempotency-key": "k1"}

	cases := []struct {
		name       string
		r          *response
		status     int
		body       string
		validation bool // BAD_REQUEST_BODY's X-Validation header
	}{
		{"all parameters missing", post("/prod/orders/c1", `{}`, nil),
			400, `{"message": "Missing required request parameters: [Idempotency-Key, channel]"}`, false},
		{"parameters before the body", post("/prod/orders/c1?channel=web", `not json`, nil),
			400, `{"message": "Missing required request parameters: [Idempotency-Key]"}`, false},
		{"a blank parameter is missing", post("/prod/orders/c1?channel=", good, key),
			400, `{"message": "Missing required request parameters: [channel]"}`, false},
		{"body: a required property", post("/prod/orders/c1?channel=web", `{"items": [{"sku": "ABC-1"}]}`, key),
			400, `{"message": "Invalid request body", "details": "[object has missing required properties ([\"quantity\"])]"}`, true},
		{"body: types", post("/prod/orders/c1?channel=web", `{"items": [{"sku": "ABC-1", "quantity": "2"}]}`, key),
			400, `{"message": "Invalid request body", "details": "[instance type (string) does not match any allowed primitive type (allowed: [\"integer\"])]"}`, true},
		{"body: not JSON", post("/prod/orders/c1?channel=web", `{"items": [`, key), 400, "", true},
		{"body: empty", post("/prod/orders/c1?channel=web", ``, key),
			400, `{"message": "Invalid request body", "details": "[object has missing required properties ([\"items\"])]"}`, true},
	}
	for _, c := range cases {
		if c.r.Status != c.status || (c.body != "" && string(c.r.Body) != c.body) || (c.r.Header.Get("X-Validation") == "failed") != c.validation {
			t.Errorf("%s: %s\nwant %d %s", c.name, c.r, c.status, c.body)
		}
		if c.r.Status == 400 && c.r.Header.Get("x-amzn-ErrorType") != "BadRequestException" {
			t.Errorf("%s: x-amzn-ErrorType %q", c.name, c.r.Header.Get("x-amzn-ErrorType"))
		}
	}
	if n := be.count(); n != 0 {
		t.Fatalf("the backend was called %d times for requests that failed validation", n)
	}

	// Valid: the backend gets the request as sent.
	r := post("/prod/orders/c1?channel=web", good, key)
	if r.Status != 200 || be.count() != 1 || string(be.last(t).Body) != good || be.last(t).Path != "/orders/c1" {
		t.Fatalf("valid order: %s (backend saw %d requests)", r, be.count())
	}
	// A content type with no model is not validated (AWS: "If no matching
	// content type is found, request validation is not performed").
	r = post("/prod/orders/c1?channel=web", "sku=ABC-1", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "k"})
	if r.Status != 200 || be.count() != 2 {
		t.Errorf("form body: %s", r)
	}
	// Parameters only: the body is not checked; the header-less GET needs
	// its query parameter.
	r = get(t, in.URL("/prod/orders"))
	if r.Status != 400 || string(r.Body) != `{"message": "Missing required request parameters: [status]"}` || be.count() != 2 {
		t.Errorf("list without status: %s", r)
	}
	r = do(t, req{Method: "GET", URL: in.URL("/prod/orders?status=open"), Body: "not json"})
	if r.Status != 200 || be.count() != 3 || !strings.Contains(string(r.Body), `"backend":"orders"`) {
		t.Errorf("list: %s", r)
	}
}
