package lambdaproxy

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

var testTime = time.Date(2024, time.July, 10, 12, 28, 36, 123_000_000, time.UTC)

func baseRequest() *Request {
	return &Request{
		HTTPMethod: "GET",
		Path:       "/test-path",
		Resource:   "/{proxy+}",
		Headers: []Header{
			{"Host", "abc123.execute-api.localhost:8080"},
			{"User-Agent", "python-requests/testing"},
		},
		PathParameters: []KV{{"proxy", "test-path"}},
		Context: RequestContext{
			AccountID:         "123456789012",
			APIID:             "abc123",
			DeploymentID:      "dep1",
			DomainName:        "abc123.execute-api.localhost:8080",
			DomainPrefix:      "abc123",
			ExtendedRequestID: "ext-1",
			HTTPMethod:        "GET",
			Path:              "/test/test-path",
			Protocol:          "HTTP/1.1",
			RequestID:         "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			ResourceID:        "res1",
			ResourcePath:      "/{proxy+}",
			Stage:             "test",
			RequestTime:       testTime,
			Identity:          Identity{SourceIP: "127.0.0.1", UserAgent: "python-requests/testing"},
		},
	}
}

// event builds the event and checks that it is valid JSON.
func event(t *testing.T, r *Request) []byte {
	t.Helper()
	out := AppendEvent(nil, r)
	if !json.Valid(out) {
		t.Fatalf("AppendEvent produced invalid JSON:\n%s", out)
	}
	return out
}

// decodeMap decodes b into a generic map (numbers as json.Number).
func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("decode: %v\n%s", err, b)
	}
	return m
}

// objectKeys returns the member names of the JSON object at path (a list of
// member names to descend into), in document order.
func objectKeys(t *testing.T, b []byte, path ...string) []string {
	t.Helper()
	var raw json.RawMessage = b
	for _, p := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		raw = m[p]
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object at %v: %s", path, raw)
	}
	var keys []string
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := d.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestEventKeyOrder(t *testing.T) {
	r := baseRequest()
	out := event(t, r)
	want := []string{"resource", "path", "httpMethod", "headers", "multiValueHeaders",
		"queryStringParameters", "multiValueQueryStringParameters", "pathParameters",
		"stageVariables", "requestContext", "body", "isBase64Encoded"}
	if got := objectKeys(t, out); !reflect.DeepEqual(got, want) {
		t.Errorf("top-level keys\n got %v\nwant %v", got, want)
	}
	// requestContext and identity: the order AWS's HashMap yields (recorded).
	wantCtx := []string{"resourceId", "resourcePath", "httpMethod", "extendedRequestId",
		"requestTime", "path", "accountId", "protocol", "stage", "domainPrefix",
		"requestTimeEpoch", "requestId", "identity", "domainName", "deploymentId", "apiId"}
	if got := objectKeys(t, out, "requestContext"); !reflect.DeepEqual(got, wantCtx) {
		t.Errorf("requestContext keys\n got %v\nwant %v", got, wantCtx)
	}
	wantID := []string{"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller",
		"sourceIp", "principalOrgId", "accessKey", "cognitoAuthenticationType",
		"cognitoAuthenticationProvider", "userArn", "userAgent", "user"}
	if got := objectKeys(t, out, "requestContext", "identity"); !reflect.DeepEqual(got, wantID) {
		t.Errorf("identity keys\n got %v\nwant %v", got, wantID)
	}

	r.Context.Authorizer = map[string]any{"principalId": "user"}
	r.Context.OperationName = "GetThing"
	r.Context.Identity.APIKey = "key"
	r.Context.Identity.APIKeyID = "keyid"
	out = event(t, r)
	wantCtx = []string{"resourceId", "authorizer", "resourcePath", "operationName", "httpMethod",
		"extendedRequestId", "requestTime", "path", "accountId", "protocol", "stage",
		"domainPrefix", "requestTimeEpoch", "requestId", "identity", "domainName",
		"deploymentId", "apiId"}
	if got := objectKeys(t, out, "requestContext"); !reflect.DeepEqual(got, wantCtx) {
		t.Errorf("requestContext keys with authorizer\n got %v\nwant %v", got, wantCtx)
	}
	wantID = []string{"cognitoIdentityPoolId", "cognitoIdentityId", "apiKey", "principalOrgId",
		"cognitoAuthenticationType", "userArn", "apiKeyId", "userAgent", "accountId", "caller",
		"sourceIp", "accessKey", "cognitoAuthenticationProvider", "user"}
	if got := objectKeys(t, out, "requestContext", "identity"); !reflect.DeepEqual(got, wantID) {
		t.Errorf("identity keys with API key\n got %v\nwant %v", got, wantID)
	}
}

func TestAppendEventAppends(t *testing.T) {
	prefix := []byte("prefix:")
	out := AppendEvent(prefix, baseRequest())
	if !bytes.HasPrefix(out, []byte("prefix:{")) || !json.Valid(out[len("prefix:"):]) {
		t.Fatalf("AppendEvent did not append to dst: %s", out)
	}
}

// TestEventRoundTrip: the event decodes into aws-lambda-go's
// events.APIGatewayProxyRequest with every field equal to what was meant.
func TestEventRoundTrip(t *testing.T) {
	r := &Request{
		HTTPMethod: "POST",
		Path:       "/users/42/a%2Fb",
		Resource:   "/users/{id}/{rest+}",
		Headers: []Header{
			{"Host", "api.example.com"},
			{"content-type", "application/json"},
			{"X-Multi", "one"},
			{"aUThorization", "Bearer t"},
			{"x-multi", "two"},
			{"Content-Length", "17"},
			{"Connection", "keep-alive"},
			{"Accept", `text/html, application/json;q=0.9, "quoted"`},
		},
		RawQuery:       "a=1&b=x+y&a=2&empty&c=%E2%9C%93#frag",
		PathParameters: []KV{{"id", "42"}, {"rest", "a%2Fb"}},
		StageVariables: map[string]string{"env": "dev", "url": "http://h/\"q\""},
		Body:           []byte("{\r\n\t\"a\": \"é\u2028\"\n}"),
		HasBody:        true,
		Context: RequestContext{
			AccountID: "123456789012", APIID: "api1", DeploymentID: "d1",
			DomainName: "api.example.com", DomainPrefix: "api", ExtendedRequestID: "e1",
			HTTPMethod: "POST", Path: "/prod/users/42/a%2Fb", Protocol: "HTTP/1.1",
			RequestID: "r1", ResourceID: "res", ResourcePath: "/users/{id}/{rest+}",
			Stage: "prod", OperationName: "CreateUser", RequestTime: testTime,
			Identity: Identity{
				SourceIP: "10.0.0.1", UserAgent: "curl/8", APIKey: "k", APIKeyID: "kid",
				AccessKey: "AKIA", AccountID: "111", Caller: "AIDA", User: "u", UserArn: "arn:aws:iam::111:user/u",
				CognitoIdentityPoolID: "pool", CognitoIdentityID: "cid", CognitoAuthenticationType: "authenticated",
				CognitoAuthenticationProvider: "prov",
			},
			Authorizer: map[string]any{
				"principalId": "user-1",
				"claims":      map[string]string{"sub": "abc", "email_verified": "true"},
				"count":       3,
				"ratio":       0.5,
				"ok":          true,
				"nested":      map[string]any{"list": []any{"x", 1.5, nil}},
			},
		},
	}
	out := event(t, r)
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	want := events.APIGatewayProxyRequest{
		Resource:   "/users/{id}/{rest+}",
		Path:       "/users/42/a%2Fb",
		HTTPMethod: "POST",
		Headers: map[string]string{
			"Host": "api.example.com", "content-type": "application/json", "X-Multi": "two",
			"Authorization": "Bearer t", "Accept": `text/html, application/json;q=0.9, "quoted"`,
		},
		MultiValueHeaders: map[string][]string{
			"Host": {"api.example.com"}, "content-type": {"application/json"}, "X-Multi": {"one", "two"},
			"Authorization": {"Bearer t"}, "Accept": {`text/html, application/json;q=0.9, "quoted"`},
		},
		QueryStringParameters:           map[string]string{"a": "2", "b": "x y", "empty": "", "c": "✓"},
		MultiValueQueryStringParameters: map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "empty": {""}, "c": {"✓"}},
		PathParameters:                  map[string]string{"id": "42", "rest": "a%2Fb"},
		StageVariables:                  map[string]string{"env": "dev", "url": "http://h/\"q\""},
		Body:                            "{\r\n\t\"a\": \"é\u2028\"\n}",
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: "123456789012", ResourceID: "res", OperationName: "CreateUser", Stage: "prod",
			DomainName: "api.example.com", DomainPrefix: "api", RequestID: "r1", ExtendedRequestID: "e1",
			Protocol: "HTTP/1.1",
			Identity: events.APIGatewayRequestIdentity{
				CognitoIdentityPoolID: "pool", AccountID: "111", CognitoIdentityID: "cid", Caller: "AIDA",
				APIKey: "k", APIKeyID: "kid", AccessKey: "AKIA", SourceIP: "10.0.0.1",
				CognitoAuthenticationType: "authenticated", CognitoAuthenticationProvider: "prov",
				UserArn: "arn:aws:iam::111:user/u", UserAgent: "curl/8", User: "u",
			},
			ResourcePath: "/users/{id}/{rest+}", Path: "/prod/users/42/a%2Fb",
			Authorizer: map[string]any{
				"principalId": "user-1",
				"claims":      map[string]any{"sub": "abc", "email_verified": "true"},
				"count":       float64(3),
				"ratio":       0.5,
				"ok":          true,
				"nested":      map[string]any{"list": []any{"x", 1.5, nil}},
			},
			HTTPMethod: "POST", RequestTime: "10/Jul/2024:12:28:36 +0000",
			RequestTimeEpoch: 1720614516123, APIID: "api1",
		},
	}
	if !reflect.DeepEqual(got, want) {
		gj, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("round trip mismatch\n got %s\nwant %s", gj, wj)
	}
	// and the bytes aws-lambda-go would produce for the same value decode
	// to the same thing (shape check against the oracle).
	again, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var got2 events.APIGatewayProxyRequest
	if err := json.Unmarshal(again, &got2); err != nil || !reflect.DeepEqual(got, got2) {
		t.Errorf("oracle re-marshal differs: %v", err)
	}
}

func TestEventHeaders(t *testing.T) {
	tests := []struct {
		name    string
		in      []Header
		headers string // expected "headers" member, compact JSON
		multi   string
	}{
		{"none", nil, `null`, `null`},
		{"only hop-by-hop", []Header{{"Content-Length", "3"}, {"Connection", "close"}}, `null`, `null`},
		{"single", []Header{{"Host", "h"}}, `{"Host":"h"}`, `{"Host":["h"]}`},
		{"repeated keeps last in headers, all in multi",
			[]Header{{"X-A", "1"}, {"Host", "h"}, {"X-A", "2"}, {"X-A", "3"}},
			`{"X-A":"3","Host":"h"}`, `{"X-A":["1","2","3"],"Host":["h"]}`},
		{"case-insensitive grouping keeps first spelling",
			[]Header{{"x-a", "1"}, {"X-A", "2"}},
			`{"x-a":"2"}`, `{"x-a":["1","2"]}`},
		{"authorization title-cased (AWS-recorded)",
			[]Header{{"aUThorization", "random-value"}, {"tEsT-HEADeR", "aValUE"}},
			`{"Authorization":"random-value","tEsT-HEADeR":"aValUE"}`,
			`{"Authorization":["random-value"],"tEsT-HEADeR":["aValUE"]}`},
		{"user-agent title-cased (AWS-recorded)",
			[]Header{{"user-Agent", "test/integration"}},
			`{"User-Agent":"test/integration"}`, `{"User-Agent":["test/integration"]}`},
		{"hop-by-hop dropped",
			[]Header{{"Host", "h"}, {"content-length", "5"}, {"CONNECTION", "keep-alive"}, {"Keep-Alive", "300"},
				{"Transfer-Encoding", "chunked"}, {"TE", "trailers"}, {"Trailer", "x"}, {"Upgrade", "h2c"},
				{"Proxy-Connection", "x"}, {"Proxy-Authorization", "x"}, {"Proxy-Authenticate", "x"},
				{"Expect", "100-continue"}, {"Content-Type", "text/plain"}},
			`{"Host":"h","Content-Type":"text/plain"}`, `{"Host":["h"],"Content-Type":["text/plain"]}`},
		{"values kept verbatim", []Header{{"X-Forwarded-For", "1.2.3.4, 5.6.7.8"}, {"Cookie", "a=1; b=2"}},
			`{"X-Forwarded-For":"1.2.3.4, 5.6.7.8","Cookie":"a=1; b=2"}`,
			`{"X-Forwarded-For":["1.2.3.4, 5.6.7.8"],"Cookie":["a=1; b=2"]}`},
		{"empty value", []Header{{"X-Empty", ""}}, `{"X-Empty":""}`, `{"X-Empty":[""]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRequest()
			r.Headers = tt.in
			out := event(t, r)
			var m map[string]json.RawMessage
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatal(err)
			}
			if got := string(m["headers"]); got != tt.headers {
				t.Errorf("headers = %s, want %s", got, tt.headers)
			}
			if got := string(m["multiValueHeaders"]); got != tt.multi {
				t.Errorf("multiValueHeaders = %s, want %s", got, tt.multi)
			}
		})
	}
}

func TestEventManyHeaders(t *testing.T) {
	// more headers than the stack buffers and the linear grouping limit
	r := baseRequest()
	r.Headers = nil
	for i := 0; i < 200; i++ {
		r.Headers = append(r.Headers, Header{"X-H" + string(rune('a'+i%40)), string(rune('A' + i%26))})
	}
	out := event(t, r)
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Headers) != 40 || len(got.MultiValueHeaders["X-Ha"]) != 5 {
		t.Fatalf("got %d headers, %d values of X-Ha", len(got.Headers), len(got.MultiValueHeaders["X-Ha"]))
	}
	if got.MultiValueHeaders["X-Ha"][4] != string(rune('A'+160%26)) || got.Headers["X-Ha"] != string(rune('A'+160%26)) {
		t.Errorf("last value wrong: %v", got.MultiValueHeaders["X-Ha"])
	}
}

// TestEventQuery includes the AWS-recorded rows of aws-reference §1
// (LS-validated test_lambda_aws_proxy_integration).
func TestEventQuery(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		single map[string]string
		multi  map[string][]string
	}{
		{"none", "", nil, nil},
		{"only separators", "&&", nil, nil},
		{"recorded: urlparam", "urlparam=test", map[string]string{"urlparam": "test"}, map[string][]string{"urlparam": {"test"}}},
		{"recorded: %2B decodes to +", "email=test%2Balias@gmail.com",
			map[string]string{"email": "test+alias@gmail.com"}, map[string][]string{"email": {"test+alias@gmail.com"}}},
		{"recorded: + decodes to space", "plus=test+alias@gmail.com",
			map[string]string{"plus": "test alias@gmail.com"}, map[string][]string{"plus": {"test alias@gmail.com"}}},
		{"recorded: %20", "whitespace=foo%20bar",
			map[string]string{"whitespace": "foo bar"}, map[string][]string{"whitespace": {"foo bar"}}},
		{"recorded: fragment dropped", "zhash=abort/#",
			map[string]string{"zhash": "abort/"}, map[string][]string{"zhash": {"abort/"}}},
		{"recorded: + in an offset", "dateTimeOffset=2023-06-12T18:05:10.123456+00:00",
			map[string]string{"dateTimeOffset": "2023-06-12T18:05:10.123456 00:00"},
			map[string][]string{"dateTimeOffset": {"2023-06-12T18:05:10.123456 00:00"}}},
		{"recorded: encoded url", "url=https%3A%2F%2Fwww.google.com%2F",
			map[string]string{"url": "https://www.google.com/"}, map[string][]string{"url": {"https://www.google.com/"}}},
		{"recorded: repeated keys, last wins", "category=electronics&category=books&price=10&price=20&price=30",
			map[string]string{"category": "books", "price": "30"},
			map[string][]string{"category": {"electronics", "books"}, "price": {"10", "20", "30"}}},
		{"key without =", "flag&a=1", map[string]string{"flag": "", "a": "1"}, map[string][]string{"flag": {""}, "a": {"1"}}},
		{"empty value", "a=", map[string]string{"a": ""}, map[string][]string{"a": {""}}},
		{"empty key skipped", "=x&a=1", map[string]string{"a": "1"}, map[string][]string{"a": {"1"}}},
		{"value with =", "a=b=c", map[string]string{"a": "b=c"}, map[string][]string{"a": {"b=c"}}},
		{"encoded key", "a%20b=1&a+b=2", map[string]string{"a b": "2"}, map[string][]string{"a b": {"1", "2"}}},
		{"keys are case-sensitive", "A=1&a=2", map[string]string{"A": "1", "a": "2"}, map[string][]string{"A": {"1"}, "a": {"2"}}},
		{"invalid escapes kept", "a=%zz&b=%4&c=100%&d=%E2%9C%93%",
			map[string]string{"a": "%zz", "b": "%4", "c": "100%", "d": "✓%"},
			map[string][]string{"a": {"%zz"}, "b": {"%4"}, "c": {"100%"}, "d": {"✓%"}}},
		{"invalid UTF-8 after decoding", "a=%FF%FE",
			map[string]string{"a": "\uFFFD\uFFFD"}, map[string][]string{"a": {"\uFFFD\uFFFD"}}},
		{"NUL and quotes", "a=%00%22%5C", map[string]string{"a": "\x00\"\\"}, map[string][]string{"a": {"\x00\"\\"}}},
		{"semicolon is not a separator", "a=1;b=2", map[string]string{"a": "1;b=2"}, map[string][]string{"a": {"1;b=2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRequest()
			r.RawQuery = tt.raw
			out := event(t, r)
			var got events.APIGatewayProxyRequest
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.QueryStringParameters, tt.single) {
				t.Errorf("queryStringParameters = %#v, want %#v", got.QueryStringParameters, tt.single)
			}
			if !reflect.DeepEqual(got.MultiValueQueryStringParameters, tt.multi) {
				t.Errorf("multiValueQueryStringParameters = %#v, want %#v", got.MultiValueQueryStringParameters, tt.multi)
			}
			if tt.single == nil && !bytes.Contains(out, []byte(`"queryStringParameters":null,"multiValueQueryStringParameters":null`)) {
				t.Errorf("no parameters must be null: %s", out)
			}
		})
	}
}

func TestEventManyQueryParams(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 500; i++ {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString("k")
		b.WriteString(string(rune('a' + i%50)))
		b.WriteString("=v")
	}
	r := baseRequest()
	r.RawQuery = b.String()
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(event(t, r), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.QueryStringParameters) != 50 || len(got.MultiValueQueryStringParameters["ka"]) != 10 {
		t.Fatalf("grouping wrong: %d keys", len(got.QueryStringParameters))
	}
}

// TestEventPathTable replays aws-reference §1 "Path details (REST,
// AWS-recorded)": the router strips the stage and matches {proxy+}; the
// event must carry path, pathParameters and requestContext.path exactly as
// given, in particular without percent-decoding.
func TestEventPathTable(t *testing.T) {
	tests := []struct{ path, proxy, ctxPath string }{
		{"/proxy-value", "proxy-value", "/stage/proxy-value"},
		{"/proxy-value/", "proxy-value", "/stage/proxy-value/"},
		{"/proxy-value//double-slash", "proxy-value//double-slash", "/stage/proxy-value//double-slash"},
		{"/proxy-value", "proxy-value", "/stage//proxy-value"},
		{"/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com",
			"/stage/proxy-value/api/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"},
	}
	for _, tt := range tests {
		r := baseRequest()
		r.Path = tt.path
		r.PathParameters = []KV{{"proxy", tt.proxy}}
		r.Context.Path = tt.ctxPath
		r.Context.Stage = "stage"
		var got events.APIGatewayProxyRequest
		if err := json.Unmarshal(event(t, r), &got); err != nil {
			t.Fatal(err)
		}
		if got.Path != tt.path || got.PathParameters["proxy"] != tt.proxy || got.RequestContext.Path != tt.ctxPath ||
			got.Resource != "/{proxy+}" || got.RequestContext.Stage != "stage" {
			t.Errorf("%s: got path %q proxy %q ctx %q", tt.path, got.Path, got.PathParameters["proxy"], got.RequestContext.Path)
		}
	}
}

func TestEventNulls(t *testing.T) {
	r := baseRequest()
	r.Headers = nil
	r.PathParameters = nil
	r.StageVariables = map[string]string{}
	out := string(event(t, r))
	for _, want := range []string{
		`"headers":null,"multiValueHeaders":null`,
		`"queryStringParameters":null,"multiValueQueryStringParameters":null`,
		`"pathParameters":null,"stageVariables":null`,
		`"body":null,"isBase64Encoded":false}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("event lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"authorizer"`) || strings.Contains(out, `"operationName"`) || strings.Contains(out, `"apiKey`) {
		t.Errorf("optional keys must be omitted:\n%s", out)
	}
	r.PathParameters = []KV{}
	r.StageVariables = nil
	if out := string(event(t, r)); !strings.Contains(out, `"pathParameters":null,"stageVariables":null`) {
		t.Errorf("empty path parameters must be null:\n%s", out)
	}
}

func TestEventIdentityNulls(t *testing.T) {
	r := baseRequest()
	r.Context.Identity = Identity{SourceIP: "1.2.3.4"}
	m := decodeMap(t, event(t, r))
	id := m["requestContext"].(map[string]any)["identity"].(map[string]any)
	for k, v := range id {
		if k == "sourceIp" {
			if v != "1.2.3.4" {
				t.Errorf("sourceIp = %v", v)
			}
			continue
		}
		if v != nil {
			t.Errorf("identity.%s = %v, want null", k, v)
		}
	}
	if len(id) != 12 {
		t.Errorf("identity has %d keys, want 12", len(id))
	}
	// an API key alone brings both apiKey and apiKeyId
	r.Context.Identity.APIKey = "secret"
	m = decodeMap(t, event(t, r))
	id = m["requestContext"].(map[string]any)["identity"].(map[string]any)
	if id["apiKey"] != "secret" || id["apiKeyId"] != nil || len(id) != 14 {
		t.Errorf("identity with api key: %v", id)
	}
}

func TestEventBody(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		has     bool
		b64     bool
		want    string // the body member
		wantB64 string
	}{
		{"no body", nil, false, false, `null`, "false"},
		{"empty body", []byte{}, true, false, `""`, "false"},
		{"text", []byte(`{"message": "hello world"}`), true, false, `"{\"message\": \"hello world\"}"`, "false"},
		{"control characters", []byte("a\x00b\x1fc\td\x7f"), true, false, `"a\u0000b\u001fc\td` + "\x7f" + `"`, "false"},
		{"invalid UTF-8", []byte("a\xffb\xc3"), true, false, "\"a\uFFFDb\uFFFD\"", "false"},
		{"binary", []byte{0, 1, 2, 0xff, 0xfe}, true, true, `"AAEC//4="`, "true"},
		{"binary empty", []byte{}, true, true, `""`, "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := baseRequest()
			r.Body, r.HasBody, r.Base64Body = tt.body, tt.has, tt.b64
			out := string(event(t, r))
			want := `"body":` + tt.want + `,"isBase64Encoded":` + tt.wantB64 + `}`
			if !strings.HasSuffix(out, want) {
				t.Errorf("event ends %q, want %q", out[max(0, len(out)-len(want)-10):], want)
			}
		})
	}
}

func TestEventRequestTime(t *testing.T) {
	r := baseRequest()
	r.Context.RequestTime = time.Date(2020, time.May, 15, 8, 1, 9, 693_999_999, time.FixedZone("X", 2*3600))
	var got events.APIGatewayProxyRequest
	if err := json.Unmarshal(event(t, r), &got); err != nil {
		t.Fatal(err)
	}
	if got.RequestContext.RequestTime != "15/May/2020:06:01:09 +0000" || got.RequestContext.RequestTimeEpoch != 1589522469693 {
		t.Errorf("requestTime %q epoch %d", got.RequestContext.RequestTime, got.RequestContext.RequestTimeEpoch)
	}
}

func TestEventStageVariablesSorted(t *testing.T) {
	r := baseRequest()
	r.StageVariables = map[string]string{"b": "2", "a": "1", "c": "3"}
	out := event(t, r)
	if got := objectKeys(t, out, "stageVariables"); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("stageVariables keys %v", got)
	}
}

// TestJSONStringEscaping checks appendString against encoding/json on
// awkward strings: the decoded value must equal the input with invalid UTF-8
// replaced byte by byte.
func TestJSONStringEscaping(t *testing.T) {
	inputs := []string{
		"", "plain", `quote " backslash \ slash /`, "\x00\x01\x08\x0c\x1f\x7f", "\n\r\t",
		"é ✓ 😀 \u2028 \u2029", "<script>&amp;</script>", "\xff", "a\xc3", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", strings.Repeat("x", 1000) + "\x80",
	}
	for _, s := range inputs {
		b := appendString(nil, s)
		if !json.Valid(b) {
			t.Errorf("%q: invalid JSON %s", s, b)
			continue
		}
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if want := sanitizeUTF8(s); got != want || !utf8.ValidString(got) {
			t.Errorf("%q: decoded %q, want %q", s, got, want)
		}
		// encoding/json decodes its own encoding of s to the same string
		std, _ := json.Marshal(s)
		var viaStd string
		_ = json.Unmarshal(std, &viaStd)
		if viaStd != got {
			t.Errorf("%q: encoding/json gives %q, we give %q", s, viaStd, got)
		}
	}
}

func TestAppendAny(t *testing.T) {
	type custom struct {
		A int `json:"a"`
	}
	v := map[string]any{
		"s": "x", "b": false, "i": int64(-3), "u": uint8(7), "f": 1e21, "g": 1e-7, "h": 0.1,
		"f32": float32(0.1), "nan": func() float64 { z := 0.0; return z / z }(),
		"num": json.Number("12.5"), "badnum": json.Number("1x"),
		"list": []string{"a", "b"}, "nil": nil, "custom": custom{A: 1},
		"ch": make(chan int),
	}
	b := appendAny(nil, v, 0)
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %s", b)
	}
	want := `{"b":false,"badnum":"1x","ch":null,"custom":{"a":1},"f":1e+21,"f32":0.1,"g":1e-7,"h":0.1,"i":-3,"list":["a","b"],"nan":null,"nil":null,"num":12.5,"s":"x","u":7}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	std, _ := json.Marshal(map[string]any{"f": 1e21, "g": 1e-7, "h": 0.1, "f32": float32(0.1)})
	if !bytes.Equal(appendAny(nil, map[string]any{"f": 1e21, "g": 1e-7, "h": 0.1, "f32": float32(0.1)}, 0), std) {
		t.Errorf("float formatting differs from encoding/json: %s", std)
	}
}
