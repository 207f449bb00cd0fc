package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// v2EventCase is the request description in testdata/v2events/*.json.
type v2EventCase struct {
	RouteKey       string            `json:"routeKey"`
	RawPath        string            `json:"rawPath"`
	RawQueryString string            `json:"rawQueryString"`
	Headers        [][2]string       `json:"headers"` // ordered, repeatable
	PathParameters [][2]string       `json:"pathParameters"`
	StageVariables map[string]string `json:"stageVariables"`
	Body           *string           `json:"body"`
	BodyBase64     string            `json:"bodyBase64"` // the body's bytes, for binary bodies
	Context        V2RequestContext  `json:"context"`    // field names match case-insensitively
}

func (c *v2EventCase) request(t *testing.T) *V2Request {
	r := &V2Request{
		RouteKey:       c.RouteKey,
		RawPath:        c.RawPath,
		RawQueryString: c.RawQueryString,
		StageVariables: c.StageVariables,
		Context:        c.Context,
	}
	for _, h := range c.Headers {
		r.Headers = append(r.Headers, Header{h[0], h[1]})
	}
	for _, p := range c.PathParameters {
		r.PathParameters = append(r.PathParameters, KV{p[0], p[1]})
	}
	switch {
	case c.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(c.BodyBase64)
		if err != nil {
			t.Fatal(err)
		}
		r.Body = b
	case c.Body != nil:
		r.Body = []byte(*c.Body)
	}
	return r
}

// decodeV2 decodes an event strictly with aws-lambda-go's type: every key
// AppendV2Event writes must be one aws-lambda-go knows.
func decodeV2(t testing.TB, out []byte) *events.APIGatewayV2HTTPRequest {
	t.Helper()
	var ev events.APIGatewayV2HTTPRequest
	d := json.NewDecoder(bytes.NewReader(out))
	d.DisallowUnknownFields()
	if err := d.Decode(&ev); err != nil {
		t.Fatalf("events.APIGatewayV2HTTPRequest: %v\n%s", err, out)
	}
	return &ev
}

// TestGoldenV2Events: testdata/v2events/NAME.json (a request description)
// gives exactly the event in NAME.golden (stored indented, compared
// compact: key order and escapes are checked byte for byte).
func TestGoldenV2Events(t *testing.T) {
	files, err := filepath.Glob("testdata/v2events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no event cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			in, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c v2EventCase
			d := json.NewDecoder(bytes.NewReader(in))
			d.DisallowUnknownFields()
			if err := d.Decode(&c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			r := c.request(t)
			out := AppendV2Event(nil, r)
			if !json.Valid(out) {
				t.Fatalf("invalid JSON: %s", out)
			}
			checkV2Decoded(t, r, decodeV2(t, out))
			var indented bytes.Buffer
			if err := json.Indent(&indented, out, "", "  "); err != nil {
				t.Fatal(err)
			}
			indented.WriteByte('\n')
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, indented.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatalf("%s: %v", golden, err)
			}
			if !bytes.Equal(out, compact.Bytes()) {
				t.Errorf("event differs from %s (run with -update to accept)\n got %s\nwant %s", golden, indented.Bytes(), want)
			}
		})
	}
}

// checkV2Decoded compares the event, as aws-lambda-go reads it, with a
// direct computation from the request (valid UTF-8 inputs).
func checkV2Decoded(t testing.TB, r *V2Request, ev *events.APIGatewayV2HTTPRequest) {
	t.Helper()
	rc := &ev.RequestContext
	if ev.Version != "2.0" || ev.RouteKey != sanitizeUTF8(r.RouteKey) || rc.RouteKey != ev.RouteKey ||
		ev.RawPath != sanitizeUTF8(r.RawPath) || ev.RawQueryString != sanitizeUTF8(r.RawQueryString) {
		t.Errorf("top-level fields differ: %+v", ev)
	}
	wantPath := r.Context.HTTP.Path
	if wantPath == "" {
		wantPath = r.RawPath
	}
	if rc.HTTP.Path != sanitizeUTF8(wantPath) || rc.HTTP.Method != sanitizeUTF8(r.Context.HTTP.Method) ||
		rc.HTTP.SourceIP != sanitizeUTF8(r.Context.HTTP.SourceIP) || rc.Stage != sanitizeUTF8(r.Context.Stage) ||
		rc.RequestID != sanitizeUTF8(r.Context.RequestID) || rc.APIID != sanitizeUTF8(r.Context.APIID) {
		t.Errorf("requestContext differs: %+v", rc)
	}
	if rc.TimeEpoch != r.Context.Time.UnixMilli() || rc.Time != r.Context.Time.UTC().Format("02/Jan/2006:15:04:05 +0000") {
		t.Errorf("time %q %d", rc.Time, rc.TimeEpoch)
	}

	// headers: lower-cased, joined with ",", Cookie and hop-by-hop out,
	// content-length ours
	wantHeaders := map[string]string{}
	var wantCookies []string
	for _, h := range r.Headers {
		name := strings.ToLower(sanitizeUTF8(h.Name))
		if isHopByHop(h.Name) {
			continue
		}
		if name == "cookie" {
			for _, p := range strings.Split(sanitizeUTF8(h.Value), ";") {
				if p = strings.Trim(p, " \t"); p != "" {
					wantCookies = append(wantCookies, p)
				}
			}
			continue
		}
		if v, ok := wantHeaders[name]; ok {
			wantHeaders[name] = v + "," + sanitizeUTF8(h.Value)
		} else {
			wantHeaders[name] = sanitizeUTF8(h.Value)
		}
	}
	wantHeaders["content-length"] = itoa(len(r.Body))
	if !reflect.DeepEqual(ev.Headers, wantHeaders) {
		t.Errorf("headers\n got %q\nwant %q", ev.Headers, wantHeaders)
	}
	if !reflect.DeepEqual(ev.Cookies, wantCookies) {
		t.Errorf("cookies %q, want %q", ev.Cookies, wantCookies)
	}
	wantUA := r.Context.HTTP.UserAgent
	if wantUA == "" {
		wantUA = wantHeaders["user-agent"]
	}
	if rc.HTTP.UserAgent != sanitizeUTF8(wantUA) {
		t.Errorf("userAgent %q, want %q", rc.HTTP.UserAgent, wantUA)
	}

	// query: decoded, repeated keys joined with ","
	var wantQuery map[string]string
	for _, kv := range ParseQuery(strings.SplitN(r.RawQueryString, "#", 2)[0]) {
		if wantQuery == nil {
			wantQuery = map[string]string{}
		}
		if v, ok := wantQuery[kv.Key]; ok {
			wantQuery[kv.Key] = v + "," + kv.Value
		} else {
			wantQuery[kv.Key] = kv.Value
		}
	}
	if !reflect.DeepEqual(ev.QueryStringParameters, wantQuery) {
		t.Errorf("queryStringParameters %q, want %q", ev.QueryStringParameters, wantQuery)
	}

	var wantParams map[string]string
	for _, p := range r.PathParameters {
		if wantParams == nil {
			wantParams = map[string]string{}
		}
		wantParams[sanitizeUTF8(p.Key)] = sanitizeUTF8(p.Value)
	}
	if !reflect.DeepEqual(ev.PathParameters, wantParams) {
		t.Errorf("pathParameters %q, want %q", ev.PathParameters, wantParams)
	}
	if len(r.StageVariables) > 0 && len(ev.StageVariables) != len(r.StageVariables) ||
		len(r.StageVariables) == 0 && ev.StageVariables != nil {
		t.Errorf("stageVariables %q", ev.StageVariables)
	}

	ctype := ""
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, "content-type") {
			ctype = h.Value
			break
		}
	}
	wantB64 := len(r.Body) > 0 && !V2TextContentType(ctype)
	if ev.IsBase64Encoded != wantB64 {
		t.Errorf("isBase64Encoded %v, want %v", ev.IsBase64Encoded, wantB64)
	}
	switch {
	case len(r.Body) == 0:
		if ev.Body != "" {
			t.Errorf("body %q for an empty body", ev.Body)
		}
	case wantB64:
		if b, err := base64.StdEncoding.DecodeString(ev.Body); err != nil || !bytes.Equal(b, r.Body) {
			t.Errorf("base64 body does not round-trip")
		}
	default:
		if ev.Body != sanitizeUTF8(string(r.Body)) {
			t.Errorf("body %q, want %q", ev.Body, r.Body)
		}
	}

	a := r.Context.Authorizer
	switch {
	case a == nil:
		if rc.Authorizer != nil {
			t.Errorf("authorizer %+v, want none", rc.Authorizer)
		}
	case a.JWT != nil:
		if rc.Authorizer == nil || rc.Authorizer.JWT == nil ||
			len(a.JWT.Claims) > 0 && !reflect.DeepEqual(rc.Authorizer.JWT.Claims, a.JWT.Claims) ||
			!reflect.DeepEqual(rc.Authorizer.JWT.Scopes, a.JWT.Scopes) {
			t.Errorf("jwt authorizer %+v", rc.Authorizer)
		}
	case a.IAM != nil:
		if rc.Authorizer == nil || rc.Authorizer.IAM == nil || rc.Authorizer.IAM.UserARN != a.IAM.UserARN ||
			rc.Authorizer.IAM.AccessKey != a.IAM.AccessKey {
			t.Errorf("iam authorizer %+v", rc.Authorizer)
		}
	case a.Lambda != nil:
		if rc.Authorizer == nil || len(rc.Authorizer.Lambda) != len(a.Lambda) {
			t.Errorf("lambda authorizer %+v", rc.Authorizer)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestV2EventRecorded rebuilds two events captured from AWS and compares
// byte for byte (key order included).
func TestV2EventRecorded(t *testing.T) {
	// aws-lambda-go events/testdata/apigw-v2-request-no-authorizer.json
	// (curl GET, 2020-04-21), without the "authentication" member that
	// aws-lambda-go added by hand later for its mTLS fields.
	curl := &V2Request{
		RouteKey: "$default",
		RawPath:  "/",
		Headers: []Header{
			{"Host", "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com"},
			{"User-Agent", "curl/7.58.0"},
			{"Accept", "*/*"},
			{"X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"},
			{"X-Forwarded-For", "1.2.3.4"},
			{"X-Forwarded-Port", "443"},
			{"X-Forwarded-Proto", "https"},
		},
		Context: V2RequestContext{
			AccountID: "123456789012", APIID: "aaaaaaaaaa",
			DomainName: "aaaaaaaaaa.execute-api.us-west-2.amazonaws.com", DomainPrefix: "aaaaaaaaaa",
			RequestID: "LV7fzho-PHcEJPw=", Stage: "$default",
			HTTP: V2HTTP{Method: "GET", Protocol: "HTTP/1.1", SourceIP: "1.2.3.4"},
			Time: time.UnixMilli(1587481701067),
		},
	}
	wantCurl := `{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"",
	"headers":{"accept":"*/*","content-length":"0","host":"aaaaaaaaaa.execute-api.us-west-2.amazonaws.com",
	"user-agent":"curl/7.58.0","x-amzn-trace-id":"Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
	"x-forwarded-for":"1.2.3.4","x-forwarded-port":"443","x-forwarded-proto":"https"},
	"requestContext":{"accountId":"123456789012","apiId":"aaaaaaaaaa",
	"domainName":"aaaaaaaaaa.execute-api.us-west-2.amazonaws.com","domainPrefix":"aaaaaaaaaa",
	"http":{"method":"GET","path":"/","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"curl/7.58.0"},
	"requestId":"LV7fzho-PHcEJPw=","routeKey":"$default","stage":"$default",
	"time":"21/Apr/2020:15:08:21 +0000","timeEpoch":1587481701067},"isBase64Encoded":false}`

	// Lambda Developer Guide sample-apps/nodejs-apig/event-v2.json (browser
	// GET, 2020-03-10), isBase64Encoded aside: that capture says true for
	// this bodyless GET without Content-Type; later captures (above) and
	// ministack's 2026 checks say false.
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/80.0.3987.132 Safari/537.36"
	browser := &V2Request{
		RouteKey: "ANY /nodejs-apig-function-1G3XMPLZXVXYI",
		RawPath:  "/default/nodejs-apig-function-1G3XMPLZXVXYI",
		Headers: []Header{
			{"Host", "r3pmxmplak.execute-api.us-east-2.amazonaws.com"},
			{"Connection", "keep-alive"},
			{"Upgrade-Insecure-Requests", "1"},
			{"User-Agent", ua},
			{"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9"},
			{"Sec-Fetch-Site", "cross-site"},
			{"Sec-Fetch-Mode", "navigate"},
			{"Sec-Fetch-User", "?1"},
			{"Sec-Fetch-Dest", "document"},
			{"Accept-Encoding", "gzip, deflate, br"},
			{"Accept-Language", "en-US,en;q=0.9"},
			{"Cookie", "s_fid=7AABXMPL1AFD9BBF-0643XMPL09956DE2; regStatus=pre-register"},
			{"X-Amzn-Trace-Id", "Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e"},
			{"X-Forwarded-For", "205.255.255.176"},
			{"X-Forwarded-Port", "443"},
			{"X-Forwarded-Proto", "https"},
		},
		Context: V2RequestContext{
			AccountID: "123456789012", APIID: "r3pmxmplak",
			DomainName: "r3pmxmplak.execute-api.us-east-2.amazonaws.com", DomainPrefix: "r3pmxmplak",
			RequestID: "JKJaXmPLvHcESHA=", Stage: "default",
			HTTP: V2HTTP{Method: "GET", Protocol: "HTTP/1.1", SourceIP: "205.255.255.176"},
			Time: time.UnixMilli(1583817383220),
		},
	}
	wantBrowser := `{"version":"2.0","routeKey":"ANY /nodejs-apig-function-1G3XMPLZXVXYI",
	"rawPath":"/default/nodejs-apig-function-1G3XMPLZXVXYI","rawQueryString":"",
	"cookies":["s_fid=7AABXMPL1AFD9BBF-0643XMPL09956DE2","regStatus=pre-register"],
	"headers":{"accept":"text/html,application/xhtml+xml,application/xml;q=0.9,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.9",
	"accept-encoding":"gzip, deflate, br","accept-language":"en-US,en;q=0.9","content-length":"0",
	"host":"r3pmxmplak.execute-api.us-east-2.amazonaws.com","sec-fetch-dest":"document","sec-fetch-mode":"navigate",
	"sec-fetch-site":"cross-site","sec-fetch-user":"?1","upgrade-insecure-requests":"1",
	"user-agent":"` + ua + `","x-amzn-trace-id":"Root=1-5e6722a7-cc56xmpl46db7ae02d4da47e",
	"x-forwarded-for":"205.255.255.176","x-forwarded-port":"443","x-forwarded-proto":"https"},
	"requestContext":{"accountId":"123456789012","apiId":"r3pmxmplak",
	"domainName":"r3pmxmplak.execute-api.us-east-2.amazonaws.com","domainPrefix":"r3pmxmplak",
	"http":{"method":"GET","path":"/default/nodejs-apig-function-1G3XMPLZXVXYI","protocol":"HTTP/1.1",
	"sourceIp":"205.255.255.176","userAgent":"` + ua + `"},
	"requestId":"JKJaXmPLvHcESHA=","routeKey":"ANY /nodejs-apig-function-1G3XMPLZXVXYI","stage":"default",
	"time":"10/Mar/2020:05:16:23 +0000","timeEpoch":1583817383220},"isBase64Encoded":false}`

	for _, tc := range []struct {
		name string
		r    *V2Request
		want string
	}{{"curl", curl, wantCurl}, {"browser", browser, wantBrowser}} {
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(tc.want)); err != nil {
			t.Fatal(err)
		}
		got := AppendV2Event(nil, tc.r)
		if !bytes.Equal(got, compact.Bytes()) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, compact.Bytes())
		}
		checkV2Decoded(t, tc.r, decodeV2(t, got))
	}
}

// TestV2EventDocumentedOrder checks the top-level key order against AWS's
// documented example when every optional member is present.
func TestV2EventDocumentedOrder(t *testing.T) {
	r := &V2Request{
		RouteKey: "$default", RawPath: "/my/path", RawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
		Headers: []Header{
			{"Header1", "value1"}, {"Header2", "value1"}, {"Header2", "value2"}, {"Cookie", "cookie1; cookie2"},
			{"Content-Type", "text/plain"},
		},
		PathParameters: []KV{{"parameter1", "value1"}},
		StageVariables: map[string]string{"stageVariable1": "value1", "stageVariable2": "value2"},
		Body:           []byte("Hello from Lambda"),
		Context: V2RequestContext{
			Authorizer: &V2Authorizer{JWT: &V2JWT{Claims: map[string]string{"claim1": "value1", "claim2": "value2"}, Scopes: []string{"scope1", "scope2"}}},
		},
	}
	out := AppendV2Event(nil, r)
	keys := jsonKeys(t, out)
	want := []string{"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
		"requestContext", "body", "pathParameters", "isBase64Encoded", "stageVariables"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %q\nwant %q", keys, want)
	}
	ctx := jsonKeys(t, out, "requestContext")
	wantCtx := []string{"accountId", "apiId", "authorizer", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time", "timeEpoch"}
	if !reflect.DeepEqual(ctx, wantCtx) {
		t.Errorf("requestContext keys %q\nwant %q", ctx, wantCtx)
	}
	ev := decodeV2(t, out)
	if ev.Headers["header2"] != "value1,value2" || ev.QueryStringParameters["parameter1"] != "value1,value2" ||
		!reflect.DeepEqual(ev.Cookies, []string{"cookie1", "cookie2"}) || ev.Body != "Hello from Lambda" || ev.IsBase64Encoded {
		t.Errorf("documented values differ: %s", out)
	}
}

func TestV2EventAppends(t *testing.T) {
	prefix := []byte("xyz")
	out := AppendV2Event(prefix, &V2Request{RouteKey: "$default", RawPath: "/"})
	if !bytes.HasPrefix(out, prefix) || !json.Valid(out[3:]) {
		t.Fatalf("%s", out)
	}
}

func TestV2TextContentType(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/plain": true, "text/html; charset=utf-8": true, "TEXT/CSV": true, "text/": false,
		"application/json": true, "Application/JSON;charset=UTF-8": true, " application/xml ": true,
		"application/javascript": true, "application/x-www-form-urlencoded": false, "": false,
		"application/octet-stream": false, "image/png": false, "multipart/form-data; boundary=x": false,
		"application/vnd.api+json": false, "application/jsonx": false,
	} {
		if got := V2TextContentType(ct); got != want {
			t.Errorf("V2TextContentType(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestV2EventBodyEncoding(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		body string
		b64  bool
	}{
		{"", "abc", true},
		{"application/x-www-form-urlencoded", "a=1", true},
		{"application/json", `{"a":1}`, false},
		{"text/plain", "", false},
		{"image/png", "", false}, // no body: no body member, false
		{"text/plain", "caf\xe9", false},
	} {
		r := &V2Request{RouteKey: "$default", RawPath: "/", Body: []byte(tc.body)}
		if tc.ct != "" {
			r.Headers = []Header{{"Content-Type", tc.ct}}
		}
		out := AppendV2Event(nil, r)
		ev := decodeV2(t, out)
		if ev.IsBase64Encoded != tc.b64 {
			t.Errorf("%q %q: isBase64Encoded %v", tc.ct, tc.body, ev.IsBase64Encoded)
		}
		if tc.body == "" && bytes.Contains(out, []byte(`"body"`)) {
			t.Errorf("empty body written: %s", out)
		}
		checkV2Decoded(t, r, ev)
	}
}

func TestV2EventManyHeaders(t *testing.T) {
	r := &V2Request{RouteKey: "$default", RawPath: "/"}
	for i := 0; i < 100; i++ {
		r.Headers = append(r.Headers, Header{"X-H" + itoa(i%40), itoa(i)})
	}
	r.RawQueryString = strings.Repeat("k=v&", 50) + "z=1"
	checkV2Decoded(t, r, decodeV2(t, AppendV2Event(nil, r)))
}

func TestV2EventAuthorizers(t *testing.T) {
	base := func(a *V2Authorizer) []byte {
		return AppendV2Event(nil, &V2Request{RouteKey: "$default", RawPath: "/", Context: V2RequestContext{Authorizer: a}})
	}
	for _, tc := range []struct {
		a    *V2Authorizer
		want string
	}{
		{&V2Authorizer{JWT: &V2JWT{}}, `"authorizer":{"jwt":{"claims":{},"scopes":null}}`},
		{&V2Authorizer{JWT: &V2JWT{Claims: map[string]string{"b": "2", "a": "1"}, Scopes: []string{}}}, `"authorizer":{"jwt":{"claims":{"a":"1","b":"2"},"scopes":[]}}`},
		{&V2Authorizer{Lambda: map[string]any{}}, `"authorizer":{"lambda":{}}`},
		{&V2Authorizer{IAM: &V2IAM{UserARN: "arn", CognitoIdentity: &V2CognitoIdentity{IdentityID: "i"}}},
			`"authorizer":{"iam":{"accessKey":null,"accountId":null,"callerId":null,"cognitoIdentity":{"amr":[],"identityId":"i","identityPoolId":""},"principalOrgId":null,"userArn":"arn","userId":null}}`},
	} {
		out := base(tc.a)
		if !bytes.Contains(out, []byte(tc.want)) {
			t.Errorf("got %s\nwant %s", out, tc.want)
		}
		decodeV2(t, out)
	}
}

// ---- responses ----

type v2ResponseCase struct {
	name    string
	in      string
	fail    bool
	b64err  bool
	errText string
	status  int
	headers []Header
	body    string
}

func TestParseV2Response(t *testing.T) {
	sc := func(v string) Header { return Header{"Set-Cookie", v} }
	cases := []v2ResponseCase{
		// AWS's documented interpretations
		{name: "doc-string", in: `"Hello from Lambda!"`, status: 200, headers: []Header{ct()}, body: "Hello from Lambda!"},
		{name: "doc-object", in: `{ "message": "Hello from Lambda!" }`, status: 200, headers: []Header{ct()},
			body: `{ "message": "Hello from Lambda!" }`},
		{name: "doc-full", in: `{"cookies":["cookie1","cookie2"],"isBase64Encoded":false,"statusCode":201,"headers":{"headerName":"headerValue"},"body":"Hello from Lambda!"}`,
			status: 201, headers: []Header{sc("cookie1"), sc("cookie2"), {"headerName", "headerValue"}, ct()}, body: "Hello from Lambda!"},

		// no statusCode: the whole result is a JSON body
		{name: "no-status-object-with-response-keys", in: ` {"headers":{"a":"b"},"body":"x"}` + "\n", status: 200, headers: []Header{ct()},
			body: `{"headers":{"a":"b"},"body":"x"}`},
		{name: "string-escapes", in: `"caf\u00e9 \"q\"\n"`, status: 200, headers: []Header{ct()}, body: "café \"q\"\n"},
		{name: "number", in: `42`, status: 200, headers: []Header{ct()}, body: "42"},
		{name: "array", in: `[1, "a"]`, status: 200, headers: []Header{ct()}, body: `[1, "a"]`},
		{name: "null", in: `null`, status: 200, headers: []Header{ct()}, body: "null"},
		{name: "true", in: `true`, status: 200, headers: []Header{ct()}, body: "true"},
		{name: "empty-object", in: `{}`, status: 200, headers: []Header{ct()}, body: "{}"},
		{name: "nested-statusCode-is-not-top", in: `{"a":{"statusCode":500}}`, status: 200, headers: []Header{ct()}, body: `{"a":{"statusCode":500}}`},
		{name: "no-status-odd-types-fine", in: `{"headers":[1],"cookies":"x","body":{}}`, status: 200, headers: []Header{ct()},
			body: `{"headers":[1],"cookies":"x","body":{}}`},

		// structured
		{name: "status-only", in: `{"statusCode":204}`, status: 204, headers: []Header{ct()}, body: ""},
		{name: "status-string", in: `{"statusCode":"404","body":"nf"}`, status: 404, headers: []Header{ct()}, body: "nf"},
		{name: "status-null", in: `{"statusCode":null,"body":"b"}`, status: 200, headers: []Header{ct()}, body: "b"},
		{name: "own-content-type", in: `{"statusCode":200,"headers":{"content-type":"text/html","X-N":1,"X-B":false,"X-Null":null},"body":"<p>"}`,
			status: 200, headers: []Header{{"content-type", "text/html"}, {"X-N", "1"}, {"X-B", "false"}}, body: "<p>"},
		{name: "base64-always-decoded", in: `{"statusCode":200,"isBase64Encoded":true,"body":"aGVsbG8=","headers":{"Content-Type":"image/png"}}`,
			status: 200, headers: []Header{{"Content-Type", "image/png"}}, body: "hello"},
		{name: "base64-unpadded", in: `{"statusCode":200,"isBase64Encoded":true,"body":"aGVsbG8"}`, status: 200, headers: []Header{ct()}, body: "hello"},
		{name: "base64-false-kept", in: `{"statusCode":200,"isBase64Encoded":false,"body":"aGVsbG8="}`, status: 200, headers: []Header{ct()}, body: "aGVsbG8="},
		{name: "cookies-and-set-cookie-header", in: `{"statusCode":200,"headers":{"Set-Cookie":"h=1"},"cookies":["a=1; Path=/","b=2; HttpOnly",null]}`,
			status: 200, headers: []Header{sc("a=1; Path=/"), sc("b=2; HttpOnly"), {"Set-Cookie", "h=1"}, ct()}, body: ""},
		{name: "cookies-null-and-empty", in: `{"statusCode":200,"cookies":null,"headers":null,"body":null}`, status: 200, headers: []Header{ct()}, body: ""},
		{name: "cookies-empty-list", in: `{"statusCode":200,"cookies":[]}`, status: 200, headers: []Header{ct()}, body: ""},
		{name: "multiValueHeaders-ignored", in: `{"statusCode":200,"multiValueHeaders":{"X-M":["1","2"]},"headers":{"X-S":"s"}}`,
			status: 200, headers: []Header{{"X-S", "s"}, ct()}, body: ""},
		{name: "aws-lambda-go-zero-response", in: `{"statusCode":200,"headers":null,"multiValueHeaders":null,"body":"","cookies":null}`,
			status: 200, headers: []Header{ct()}, body: ""},
		{name: "unknown-keys-ignored", in: `{"statusCode":200,"extra":{"deep":[1,{"x":null}]},"base64Encoded":true,"body":"b"}`,
			status: 200, headers: []Header{ct()}, body: "b"},
		{name: "duplicate-last-wins", in: `{"statusCode":500,"statusCode":202,"body":"a","body":"b"}`, status: 202, headers: []Header{ct()}, body: "b"},

		// errors: the caller answers 500 {"message":"Internal Server Error"}
		{name: "invalid-json", in: `{"statusCode":200`, fail: true, errText: "invalid JSON"},
		{name: "empty", in: ``, fail: true, errText: "expected a value"},
		{name: "trailing", in: `"a" "b"`, fail: true, errText: "data after"},
		{name: "bad-escape-in-ignored-key", in: `{"statusCode":200,"x":"\q"}`, fail: true, errText: "invalid escape"},
		{name: "bad-escape-without-status", in: `{"x":"\q"}`, fail: true, errText: "invalid escape"},
		{name: "status-text", in: `{"statusCode":"abc"}`, fail: true, errText: "not a number"},
		{name: "status-range", in: `{"statusCode":99}`, fail: true, errText: "outside"},
		{name: "body-object", in: `{"statusCode":200,"body":{"a":1}}`, fail: true, errText: "body must be a string"},
		{name: "cookies-not-list", in: `{"statusCode":200,"cookies":"a=1"}`, fail: true, errText: "cookies must be"},
		{name: "cookie-not-string", in: `{"statusCode":200,"cookies":[1]}`, fail: true, errText: "cookies must be"},
		{name: "cookie-crlf", in: `{"statusCode":200,"cookies":["a=1\r\nX: y"]}`, fail: true, errText: "control character"},
		{name: "header-object", in: `{"statusCode":200,"headers":{"a":{}}}`, fail: true, errText: "must be a string"},
		{name: "header-name", in: `{"statusCode":200,"headers":{"a b":"c"}}`, fail: true, errText: "not a valid HTTP field name"},
		{name: "base64-invalid", in: `{"statusCode":200,"isBase64Encoded":true,"body":"!!"}`, fail: true, b64err: true},
		{name: "too-deep", in: strings.Repeat("[", maxV2Depth+2) + strings.Repeat("]", maxV2Depth+2), fail: true, errText: "too deeply"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ParseV2Response([]byte(tt.in))
			if tt.fail {
				if err == nil || !errors.Is(err, ErrMalformed) {
					t.Fatalf("want an ErrMalformed error, got %v (%+v)", err, resp)
				}
				if errors.Is(err, ErrBase64) != tt.b64err {
					t.Errorf("errors.Is(err, ErrBase64) = %v", !tt.b64err)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q does not mention %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if resp.StatusCode != tt.status || string(resp.Body) != tt.body || !reflect.DeepEqual(resp.Headers, tt.headers) {
				t.Errorf("got %d %q %q\nwant %d %q %q", resp.StatusCode, resp.Headers, resp.Body, tt.status, tt.headers, tt.body)
			}
		})
	}
}

// TestParseV2ResponseFromALG: what aws-lambda-go's APIGatewayV2HTTPResponse
// marshals is read back as meant.
func TestParseV2ResponseFromALG(t *testing.T) {
	in := events.APIGatewayV2HTTPResponse{
		StatusCode: 302,
		Headers:    map[string]string{"Location": "/next"},
		Body:       base64.StdEncoding.EncodeToString([]byte{0, 1, 2}),
		Cookies:    []string{"sid=abc; Secure"},
	}
	in.IsBase64Encoded = true
	b, _ := json.Marshal(in)
	resp, err := ParseV2Response(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Header{{"Set-Cookie", "sid=abc; Secure"}, {"Location", "/next"}, ct()}
	if resp.StatusCode != 302 || !bytes.Equal(resp.Body, []byte{0, 1, 2}) || !reflect.DeepEqual(resp.Headers, want) {
		t.Errorf("got %+v", resp)
	}
}

func TestParseV2ResponseDoesNotAlias(t *testing.T) {
	for _, in := range []string{`{"statusCode":200,"body":"abc"}`, `{"a":1}`, `"abc"`} {
		data := []byte(in)
		resp, err := ParseV2Response(data)
		if err != nil {
			t.Fatal(err)
		}
		before := string(resp.Body)
		for i := range data {
			data[i] = 'X'
		}
		if string(resp.Body) != before {
			t.Errorf("%s: body aliases the input", in)
		}
	}
}

// ---- fuzzing ----

func FuzzAppendV2Event(f *testing.F) {
	f.Add("GET /pets/{id}", "/prod/pets/42", "a=1&a=2&q=caf%C3%A9+x&flag&=x&&b=%zz#frag",
		"Host:h\nCookie:a=1; b=2\nX-A:1\nx-a:2\nContent-Length:0\nuser-agent:ua\nConnection:close",
		[]byte(nil), "id=42", "env", "dev", "sub")
	f.Add("$default", "/bin", "", "Content-Type:image/png", []byte{0, 1, 2, 255}, "", "", "", "")
	f.Add("POST /x", "/x", "", "Content-Type:application/json\nCookie:;;", []byte("{\"a\":\"\x00\xff\"}"), "", "k\"", "v\\", "\u2028")
	f.Fuzz(func(t *testing.T, routeKey, rawPath, rawQuery, headerBlob string, body []byte,
		pathParams, stageKey, stageValue, claim string) {
		r := &V2Request{RouteKey: routeKey, RawPath: rawPath, RawQueryString: rawQuery, Body: body,
			Headers: fuzzHeaders(headerBlob)}
		r.Context = V2RequestContext{AccountID: "123456789012", APIID: "abc", Stage: "$default", RequestID: "id",
			HTTP: V2HTTP{Method: "GET", Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"}, Time: testTime}
		for _, p := range strings.Split(pathParams, "/") {
			if k, v, ok := strings.Cut(p, "="); ok {
				r.PathParameters = append(r.PathParameters, KV{k, v})
			}
		}
		if stageKey != "" {
			r.StageVariables = map[string]string{stageKey: stageValue}
		}
		if claim != "" {
			r.Context.Authorizer = &V2Authorizer{JWT: &V2JWT{Claims: map[string]string{"sub": claim}, Scopes: []string{claim}}}
		}
		out := AppendV2Event(nil, r)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON: %q", out)
		}
		ev := decodeV2(t, out)
		for _, h := range r.Headers {
			for i := 0; i < len(h.Name); i++ {
				if h.Name[i] >= 0x80 {
					return // names fold ASCII-only; two names may sanitize alike
				}
			}
		}
		if hasDuplicatePathKeys(r.PathParameters) {
			r.PathParameters = nil
			ev.PathParameters = nil
		}
		if claim != "" && ev.RequestContext.Authorizer.JWT.Claims["sub"] != sanitizeUTF8(claim) {
			t.Fatalf("claim differs")
		}
		r.Context.Authorizer = nil
		ev.RequestContext.Authorizer = nil
		checkV2Decoded(t, r, ev)
	})
}

func hasDuplicatePathKeys(ps []KV) bool {
	seen := map[string]bool{}
	for _, p := range ps {
		k := sanitizeUTF8(p.Key)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

func FuzzParseV2Response(f *testing.F) {
	for _, s := range []string{
		`"Hello from Lambda!"`, `{ "message": "Hello" }`, `{"statusCode":200,"cookies":["a=1"],"headers":{"X":1},"body":"b"}`,
		`{"statusCode":"201","isBase64Encoded":true,"body":"aGk="}`, `null`, `[1,{"a":[]}]`, `{"statusCode":200,"x":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		resp, err := ParseV2Response(data)
		valid := json.Valid(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			if !valid {
				return
			}
			var obj map[string]json.RawMessage
			if json.Unmarshal(data, &obj) != nil || obj["statusCode"] == nil {
				t.Fatalf("rejected valid JSON without statusCode: %q: %v", data, err)
			}
			return
		}
		if !valid {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if resp.StatusCode < 100 || resp.StatusCode > 599 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		hasCT := false
		for _, h := range resp.Headers {
			if checkHeader(h.Name, h.Value) != nil {
				t.Fatalf("invalid header %q", h)
			}
			hasCT = hasCT || strings.EqualFold(h.Name, "content-type")
		}
		if !hasCT {
			t.Fatalf("no Content-Type")
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) == nil && obj["statusCode"] != nil {
			// structured: compare with encoding/json where keys are unique
			if hasDuplicateKeys(data) {
				return
			}
			// exact (case-sensitive) keys, as API Gateway reads them
			var v struct {
				Body            *string
				IsBase64Encoded *bool
				Cookies         []string
			}
			if b := obj["body"]; b != nil && json.Unmarshal(b, &v.Body) != nil {
				t.Fatalf("accepted a non-string body %s", b)
			}
			if b := obj["isBase64Encoded"]; b != nil && json.Unmarshal(b, &v.IsBase64Encoded) != nil {
				t.Fatalf("accepted a non-boolean isBase64Encoded %s", b)
			}
			if b := obj["cookies"]; b != nil {
				var cs []*string
				if json.Unmarshal(b, &cs) != nil {
					t.Fatalf("accepted cookies %s", b)
				}
				for _, c := range cs {
					if c != nil {
						v.Cookies = append(v.Cookies, *c)
					}
				}
			}
			want := ""
			if v.Body != nil {
				want = *v.Body
			}
			if v.IsBase64Encoded != nil && *v.IsBase64Encoded {
				dec, err := decodeBase64Body([]byte(want))
				if err != nil {
					t.Fatalf("accepted bad base64")
				}
				want = string(dec)
			}
			if string(resp.Body) != want {
				t.Fatalf("body %q, want %q", resp.Body, want)
			}
			var cookies []string
			for _, h := range resp.Headers[:len(v.Cookies)] {
				if h.Name != "Set-Cookie" {
					t.Fatalf("cookies not first: %q", resp.Headers)
				}
				cookies = append(cookies, h.Value)
			}
			if len(v.Cookies) > 0 && !reflect.DeepEqual(cookies, v.Cookies) {
				t.Fatalf("cookies %q, want %q", cookies, v.Cookies)
			}
			return
		}
		// unstructured: 200 application/json, the result as the body
		if resp.StatusCode != 200 || len(resp.Headers) != 1 {
			t.Fatalf("unstructured result: %d %q", resp.StatusCode, resp.Headers)
		}
		var s string
		if tr := bytes.TrimSpace(data); len(tr) > 0 && tr[0] == '"' && json.Unmarshal(data, &s) == nil {
			if string(resp.Body) != s {
				t.Fatalf("string body %q, want %q", resp.Body, s)
			}
		} else if string(resp.Body) != string(bytes.TrimSpace(data)) {
			t.Fatalf("body %q, want the JSON text %q", resp.Body, data)
		}
	})
}

func BenchmarkAppendV2Event(b *testing.B) {
	r := &V2Request{
		RouteKey:       "POST /users/{id}",
		RawPath:        "/users/42",
		RawQueryString: "verbose=true&fields=name%2Cemail&fields=id",
		Headers: []Header{
			{"Host", "abc123.execute-api.us-east-1.amazonaws.com"},
			{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36"},
			{"Accept", "application/json"},
			{"Accept-Encoding", "gzip, deflate, br"},
			{"Content-Type", "application/json"},
			{"Content-Length", "97"},
			{"Cookie", "session=abc123; theme=dark"},
			{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"},
			{"X-Amzn-Trace-Id", "Root=1-66149ab8-0a47130e4ff50bbf715025c0"},
			{"X-Forwarded-For", "138.94.127.146"},
			{"X-Forwarded-Port", "443"},
			{"X-Forwarded-Proto", "https"},
		},
		PathParameters: []KV{{"id", "42"}},
		Body:           []byte(`{"name":"Alice Example","email":"alice@example.com","roles":["admin","dev"],"note":"line1\nline2"}`),
		Context: V2RequestContext{
			AccountID: "123456789012", APIID: "abc123", DomainName: "abc123.execute-api.us-east-1.amazonaws.com",
			DomainPrefix: "abc123", RequestID: "JKJaXmPLvHcESHA=", Stage: "$default",
			HTTP: V2HTTP{Method: "POST", Protocol: "HTTP/1.1", SourceIP: "138.94.127.146"},
			Time: testTime,
			Authorizer: &V2Authorizer{JWT: &V2JWT{
				Claims: map[string]string{"sub": "123", "iss": "https://issuer", "scope": "users/write", "exp": "1720618120"},
				Scopes: []string{"users/write"},
			}},
		},
	}
	buf := AppendV2Event(nil, r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendV2Event(buf[:0], r)
	}
}

func BenchmarkParseV2Response(b *testing.B) {
	data := []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request-Id":"abc"},"cookies":["sid=1; Path=/; HttpOnly"],"body":"{\"id\":42,\"name\":\"Alice\"}","isBase64Encoded":false}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseV2Response(data); err != nil {
			b.Fatal(err)
		}
	}
}
