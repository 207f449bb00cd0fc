package lambdaproxy

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

const (
	ok      = 0
	bad502  = 502
	bad500  = 500
	jsonCT  = "application/json"
	ctName  = "Content-Type"
	unknown = "unknown key"
)

func ct() Header { return Header{ctName, jsonCT} }

type responseCase struct {
	name    string
	in      string
	binary  bool // decodeBase64
	fail    int  // 0, 502 or 500
	errText string
	status  int
	headers []Header
	body    string
}

func runResponseCases(t *testing.T, cases []responseCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ParseResponse([]byte(tt.in), tt.binary)
			switch tt.fail {
			case bad502:
				if err == nil || !errors.Is(err, ErrMalformed) || errors.Is(err, ErrBase64) {
					t.Fatalf("want a 502 error, got %v (resp %+v)", err, resp)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q does not mention %q", err, tt.errText)
				}
				return
			case bad500:
				if err != ErrBase64 || !errors.Is(err, ErrBase64) || errors.Is(err, ErrMalformed) {
					t.Fatalf("want ErrBase64, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if !reflect.DeepEqual(resp.Headers, tt.headers) {
				t.Errorf("headers\n got %q\nwant %q", resp.Headers, tt.headers)
			}
			if string(resp.Body) != tt.body {
				t.Errorf("body = %q, want %q", resp.Body, tt.body)
			}
		})
	}
}

// TestParseResponseRecorded replays aws-reference §3.2 (LS-validated
// test_aws_proxy_response_payload_format_validation, recorded against AWS).
func TestParseResponseRecorded(t *testing.T) {
	runResponseCases(t, []responseCase{
		{name: "no body", in: `{"statusCode":200}`, status: 200, headers: []Header{ct()}},
		{name: "boolean header", in: `{"statusCode":200,"headers":{"test-header":"value","header-bool":true}}`,
			status: 200, headers: []Header{{"test-header", "value"}, {"header-bool", "true"}, ct()}},
		{name: "headers null", in: `{"statusCode":200,"headers":null}`, status: 200, headers: []Header{ct()}},
		{name: "unknown key", in: `{"statusCode":200,"wrongValue":"value"}`, fail: bad502, errText: `"wrongValue"`},
		{name: "base64 without binary media types", in: `{"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true}`,
			status: 200, headers: []Header{ct()}, body: "dGVzdC1kYXRh"},
		{name: "base64 text without the flag", in: `{"statusCode":200,"body":"dGVzdC1kYXRh"}`,
			status: 200, headers: []Header{ct()}, body: "dGVzdC1kYXRh"},
		{name: "multi headers", in: `{"statusCode":200,"multiValueHeaders":{"test-multi":["value1","value2"]}}`,
			status: 200, headers: []Header{{"test-multi", "value1"}, {"test-multi", "value2"}, ct()}},
		{name: "multi and single joined, multi first",
			in:     `{"statusCode":200,"multiValueHeaders":{"test-multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}`,
			status: 200, headers: []Header{{"test-multi", "value-multi, value-solo"}, ct()}},
		{name: "multi casing wins",
			in:     `{"statusCode":200,"multiValueHeaders":{"tesT-Multi":["value-multi"]},"headers":{"test-multi":"value-solo"}}`,
			status: 200, headers: []Header{{"tesT-Multi", "value-multi, value-solo"}, ct()}},
		{name: "multi value not a list", in: `{"statusCode":200,"multiValueHeaders":{"test-multi-invalid":"value1"}}`,
			fail: bad502, errText: "must be a list"},
		{name: "statusCode not numeric", in: `{"statusCode":"test"}`, fail: bad502, errText: "statusCode"},
		{name: "statusCode numeric string", in: `{"statusCode":"201"}`, status: 201, headers: []Header{ct()}},
		{name: "just a string", in: `"justAString"`, fail: bad502, errText: "not a JSON object"},
		{name: "only headers", in: `{"headers":{"test-header":"value"}}`,
			status: 200, headers: []Header{{"test-header", "value"}, ct()}},
	})
}

func TestParseResponseRules(t *testing.T) {
	runResponseCases(t, []responseCase{
		// shape
		{name: "empty object", in: `{}`, status: 200, headers: []Header{ct()}},
		{name: "whitespace around", in: " \r\n\t{ \"statusCode\" : 204 , \"body\" : \"\" }\n ", status: 204, headers: []Header{ct()}},
		{name: "empty input", in: ``, fail: bad502, errText: "empty"},
		{name: "only whitespace", in: "  \n", fail: bad502, errText: "empty"},
		{name: "null result", in: `null`, fail: bad502, errText: "not a JSON object"},
		{name: "array result", in: `[{"statusCode":200}]`, fail: bad502, errText: "not a JSON object"},
		{name: "number result", in: `200`, fail: bad502, errText: "not a JSON object"},
		{name: "invalid JSON", in: `{"statusCode":200,}`, fail: bad502, errText: "invalid JSON"},
		{name: "truncated", in: `{"statusCode":200,"body":"abc`, fail: bad502, errText: "unterminated"},
		{name: "missing colon", in: `{"statusCode" 200}`, fail: bad502, errText: "invalid JSON"},
		{name: "trailing data", in: `{"statusCode":200} {}`, fail: bad502, errText: "after the result"},
		{name: "single quotes", in: `{'statusCode':200}`, fail: bad502, errText: "invalid JSON"},
		{name: "raw newline in string", in: "{\"body\":\"a\nb\"}", fail: bad502, errText: "control character"},
		{name: "bad escape", in: `{"body":"\x41"}`, fail: bad502, errText: "escape"},
		{name: "cookies is unknown for REST", in: `{"statusCode":200,"cookies":["a=1"]}`, fail: bad502, errText: `"cookies"`},
		{name: "base64Encoded is unknown", in: `{"statusCode":200,"base64Encoded":true}`, fail: bad502, errText: unknown},
		{name: "function error payload", in: `{"errorMessage":"boom","errorType":"Error","trace":[]}`, fail: bad502, errText: unknown},
		{name: "key spelled with escapes", in: `{"status\u0043ode":201}`, status: 201, headers: []Header{ct()}},
		{name: "keys are case-sensitive", in: `{"StatusCode":201}`, fail: bad502, errText: unknown},
		{name: "events.APIGatewayProxyResponse zero value", in: `{"statusCode":0,"headers":null,"multiValueHeaders":null,"body":""}`,
			fail: bad502, errText: "outside 100-599"},

		// statusCode
		{name: "status missing", in: `{"body":"x"}`, status: 200, headers: []Header{ct()}, body: "x"},
		{name: "status null", in: `{"statusCode":null}`, status: 200, headers: []Header{ct()}},
		{name: "status 599", in: `{"statusCode":599}`, status: 599, headers: []Header{ct()}},
		{name: "status 100", in: `{"statusCode":100}`, status: 100, headers: []Header{ct()}},
		{name: "status 600", in: `{"statusCode":600}`, fail: bad502, errText: "outside 100-599"},
		{name: "status 99", in: `{"statusCode":99}`, fail: bad502, errText: "outside 100-599"},
		{name: "status negative", in: `{"statusCode":-200}`, fail: bad502, errText: "outside"},
		{name: "status huge", in: `{"statusCode":99999999999999999999999}`, fail: bad502, errText: "statusCode"},
		{name: "status integral float", in: `{"statusCode":201.0}`, status: 201, headers: []Header{ct()}},
		{name: "status exponent", in: `{"statusCode":2.01e2}`, status: 201, headers: []Header{ct()}},
		{name: "status fractional", in: `{"statusCode":201.5}`, fail: bad502, errText: "statusCode"},
		{name: "status string with spaces", in: `{"statusCode":" 404 "}`, status: 404, headers: []Header{ct()}},
		{name: "status empty string", in: `{"statusCode":""}`, fail: bad502, errText: "statusCode"},
		{name: "status string float", in: `{"statusCode":"200.0"}`, fail: bad502, errText: "statusCode"},
		{name: "status string out of range", in: `{"statusCode":"700"}`, fail: bad502, errText: "outside"},
		{name: "status boolean", in: `{"statusCode":true}`, fail: bad502, errText: "statusCode"},
		{name: "status object", in: `{"statusCode":{"code":200}}`, fail: bad502, errText: "statusCode"},
		{name: "duplicate statusCode: last wins", in: `{"statusCode":500,"statusCode":201}`, status: 201, headers: []Header{ct()}},

		// body
		{name: "body null", in: `{"statusCode":200,"body":null}`, status: 200, headers: []Header{ct()}},
		{name: "body escapes", in: `{"body":"line\n\"q\" \\ \/ \u00e9 \ud83d\ude00 \u0000"}`,
			status: 200, headers: []Header{ct()}, body: "line\n\"q\" \\ / é 😀 \x00"},
		{name: "body lone surrogate", in: `{"body":"a\ud800b\udc00\ud800\u0041"}`, status: 200, headers: []Header{ct()},
			body: "a\uFFFDb\uFFFD\uFFFDA"},
		{name: "body invalid UTF-8", in: "{\"body\":\"a\xffb\"}", status: 200, headers: []Header{ct()}, body: "a\uFFFDb"},
		{name: "body object", in: `{"statusCode":200,"body":{"message":"hi"}}`, fail: bad502, errText: "body must be a string"},
		{name: "body number", in: `{"statusCode":200,"body":42}`, fail: bad502, errText: "body must be a string"},
		{name: "body boolean", in: `{"statusCode":200,"body":true}`, fail: bad502, errText: "body must be a string"},
		{name: "body bad literal", in: `{"statusCode":200,"body":tru}`, fail: bad502, errText: "invalid JSON"},
		{name: "duplicate body: last wins", in: `{"body":"a","body":"b"}`, status: 200, headers: []Header{ct()}, body: "b"},

		// headers
		{name: "number header values", in: `{"headers":{"X-Int":42,"X-Float":-1.50,"X-Exp":1e3}}`, status: 200,
			headers: []Header{{"X-Int", "42"}, {"X-Float", "-1.50"}, {"X-Exp", "1e3"}, ct()}},
		{name: "false header value", in: `{"headers":{"X-B":false}}`, status: 200, headers: []Header{{"X-B", "false"}, ct()}},
		{name: "null header value dropped", in: `{"headers":{"X-A":null,"X-B":"b"}}`, status: 200, headers: []Header{{"X-B", "b"}, ct()}},
		{name: "object header value", in: `{"headers":{"X-A":{"b":1}}}`, fail: bad502, errText: "string, number or boolean"},
		{name: "array header value", in: `{"headers":{"X-A":["a"]}}`, fail: bad502, errText: "string, number or boolean"},
		{name: "headers not an object", in: `{"headers":"X-A: b"}`, fail: bad502, errText: "headers must be an object"},
		{name: "headers empty object", in: `{"headers":{}}`, status: 200, headers: []Header{ct()}},
		{name: "header order kept", in: `{"headers":{"b":"1","a":"2","c":"3"}}`, status: 200,
			headers: []Header{{"b", "1"}, {"a", "2"}, {"c", "3"}, ct()}},
		{name: "duplicate header key: last wins in first position", in: `{"headers":{"a":"1","b":"2","a":"3"}}`, status: 200,
			headers: []Header{{"a", "3"}, {"b", "2"}, ct()}},
		{name: "duplicate header key: later null removes", in: `{"headers":{"a":"1","a":null}}`, status: 200, headers: []Header{ct()}},
		{name: "duplicate headers key: last wins", in: `{"headers":{"a":"1"},"headers":{"b":"2"}}`, status: 200,
			headers: []Header{{"b", "2"}, ct()}},
		{name: "case variants are separate headers", in: `{"headers":{"X-A":"1","x-a":"2"}}`, status: 200,
			headers: []Header{{"X-A", "1"}, {"x-a", "2"}, ct()}},
		{name: "content-type kept, not added", in: `{"headers":{"content-type":"text/html"}}`, status: 200,
			headers: []Header{{"content-type", "text/html"}}},
		{name: "content-type in multi", in: `{"multiValueHeaders":{"Content-Type":["text/plain"]}}`, status: 200,
			headers: []Header{{"Content-Type", "text/plain"}}},
		{name: "empty content-type kept", in: `{"headers":{"Content-Type":""}}`, status: 200, headers: []Header{{"Content-Type", ""}}},
		{name: "header name with space", in: `{"headers":{"X A":"1"}}`, fail: bad502, errText: "field name"},
		{name: "header name with colon", in: `{"headers":{"X:A":"1"}}`, fail: bad502, errText: "field name"},
		{name: "empty header name", in: `{"headers":{"":"1"}}`, fail: bad502, errText: "empty header name"},
		{name: "CRLF in header value", in: `{"headers":{"X-A":"1\r\nSet-Cookie: x=1"}}`, fail: bad502, errText: "control character"},
		{name: "tab and UTF-8 in header value", in: `{"headers":{"X-A":"a\tb é"}}`, status: 200, headers: []Header{{"X-A", "a\tb é"}, ct()}},

		// multiValueHeaders
		{name: "multi null", in: `{"multiValueHeaders":null}`, status: 200, headers: []Header{ct()}},
		{name: "multi empty list", in: `{"multiValueHeaders":{"X-A":[]}}`, status: 200, headers: []Header{ct()}},
		{name: "multi null value", in: `{"multiValueHeaders":{"X-A":null}}`, status: 200, headers: []Header{ct()}},
		{name: "multi scalar elements", in: `{"multiValueHeaders":{"X-A":["a",1,true,null,false]}}`, status: 200,
			headers: []Header{{"X-A", "a"}, {"X-A", "1"}, {"X-A", "true"}, {"X-A", "false"}, ct()}},
		{name: "multi nested list", in: `{"multiValueHeaders":{"X-A":[["a"]]}}`, fail: bad502, errText: "string, number or boolean"},
		{name: "multi number value", in: `{"multiValueHeaders":{"X-A":1}}`, fail: bad502, errText: "must be a list"},
		{name: "multi not an object", in: `{"multiValueHeaders":[]}`, fail: bad502, errText: "must be an object"},
		{name: "multi bad list syntax", in: `{"multiValueHeaders":{"X-A":["a" "b"]}}`, fail: bad502, errText: "invalid JSON"},
		{name: "multi first, then headers", in: `{"headers":{"X-S":"s"},"multiValueHeaders":{"X-M":["m1","m2"]}}`, status: 200,
			headers: []Header{{"X-M", "m1"}, {"X-M", "m2"}, {"X-S", "s"}, ct()}},
		{name: "join several multi values", in: `{"multiValueHeaders":{"X-A":["1","2"]},"headers":{"x-a":"3"}}`, status: 200,
			headers: []Header{{"X-A", "1, 2, 3"}, ct()}},
		{name: "same pair in both appears once", in: `{"multiValueHeaders":{"X-A":["1","2"]},"headers":{"X-A":"2"}}`, status: 200,
			headers: []Header{{"X-A", "1"}, {"X-A", "2"}, ct()}},
		{name: "merge into empty multi list", in: `{"multiValueHeaders":{"X-A":[]},"headers":{"x-a":"3"}}`, status: 200,
			headers: []Header{{"X-A", "3"}, ct()}},
		{name: "set-cookie never joined", in: `{"multiValueHeaders":{"Set-Cookie":["a=1; Path=/","b=2"]},"headers":{"set-cookie":"c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT"}}`,
			status: 200, headers: []Header{{"Set-Cookie", "a=1; Path=/"}, {"Set-Cookie", "b=2"},
				{"Set-Cookie", "c=3; Expires=Wed, 21 Oct 2015 07:28:00 GMT"}, ct()}},
		{name: "duplicate multi key: last wins", in: `{"multiValueHeaders":{"X-A":["1"],"X-A":["2","3"]}}`, status: 200,
			headers: []Header{{"X-A", "2"}, {"X-A", "3"}, ct()}},
		{name: "multi invalid header name", in: `{"multiValueHeaders":{"X A":["1"]}}`, fail: bad502, errText: "field name"},

		// isBase64Encoded
		{name: "base64 decoded for binary", in: `{"statusCode":200,"body":"dGVzdC1kYXRh","isBase64Encoded":true}`, binary: true,
			status: 200, headers: []Header{ct()}, body: "test-data"},
		{name: "base64 unpadded", in: `{"body":"dGVzdC1kYXRhMQ","isBase64Encoded":true}`, binary: true,
			status: 200, headers: []Header{ct()}, body: "test-data1"},
		{name: "base64 with line breaks", in: `{"body":"dGVzdC1k\r\nYXRh","isBase64Encoded":true}`, binary: true,
			status: 200, headers: []Header{ct()}, body: "test-data"},
		{name: "base64 binary bytes", in: `{"body":"AAEC//4=","isBase64Encoded":true,"headers":{"Content-Type":"image/png"}}`, binary: true,
			status: 200, headers: []Header{{"Content-Type", "image/png"}}, body: "\x00\x01\x02\xff\xfe"},
		{name: "base64 invalid is a 500", in: `{"body":"not base64!","isBase64Encoded":true}`, binary: true, fail: bad500},
		{name: "base64 bad padding is a 500", in: `{"body":"dGVzdA=","isBase64Encoded":true}`, binary: true, fail: bad500},
		{name: "base64 invalid but not decoded", in: `{"body":"not base64!","isBase64Encoded":true}`,
			status: 200, headers: []Header{ct()}, body: "not base64!"},
		{name: "binary accept but flag false", in: `{"body":"dGVzdA==","isBase64Encoded":false}`, binary: true,
			status: 200, headers: []Header{ct()}, body: "dGVzdA=="},
		{name: "base64 flag null", in: `{"body":"dGVzdA==","isBase64Encoded":null}`, binary: true,
			status: 200, headers: []Header{ct()}, body: "dGVzdA=="},
		{name: "base64 flag string", in: `{"body":"dGVzdA==","isBase64Encoded":"true"}`, binary: true, fail: bad502, errText: "boolean"},
		{name: "base64 empty body", in: `{"isBase64Encoded":true}`, binary: true, status: 200, headers: []Header{ct()}},
		{name: "syntax error wins over base64", in: `{"body":"!!","isBase64Encoded":true`, binary: true, fail: bad502, errText: "invalid JSON"},
	})
}

// TestParseResponseFromALG feeds what aws-lambda-go functions return.
func TestParseResponseFromALG(t *testing.T) {
	tests := []struct {
		resp   events.APIGatewayProxyResponse
		binary bool
		want   Response
	}{
		{events.APIGatewayProxyResponse{StatusCode: 200, Body: "hello"}, false,
			Response{StatusCode: 200, Headers: []Header{ct()}, Body: []byte("hello")}},
		{events.APIGatewayProxyResponse{StatusCode: 404, Headers: map[string]string{"Content-Type": "text/plain"}, Body: "nope"}, false,
			Response{StatusCode: 404, Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte("nope")}},
		{events.APIGatewayProxyResponse{StatusCode: 200, MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}}}, false,
			Response{StatusCode: 200, Headers: []Header{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, ct()}, Body: []byte{}}},
		{events.APIGatewayProxyResponse{StatusCode: 200, Body: "AAEC", IsBase64Encoded: true}, true,
			Response{StatusCode: 200, Headers: []Header{ct()}, Body: []byte{0, 1, 2}}},
		{events.APIGatewayProxyResponse{StatusCode: 200, Body: "<p>\u2028&</p>"}, false,
			Response{StatusCode: 200, Headers: []Header{ct()}, Body: []byte("<p>\u2028&</p>")}},
	}
	for _, tt := range tests {
		data, err := json.Marshal(tt.resp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseResponse(data, tt.binary)
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		if !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", data, *got, tt.want)
		}
	}
}

func TestParseResponseManyHeaders(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"headers":{`)
	for i := 0; i < 300; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"X-` + strconv.Itoa(i%60) + `":"` + string(rune('A'+i%26)) + `"`)
	}
	b.WriteString(`},"multiValueHeaders":{`)
	for i := 0; i < 100; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"Y-` + strconv.Itoa(i%40) + `":["` + string(rune('A'+i%26)) + `"]`)
	}
	b.WriteString(`}}`)
	resp, err := ParseResponse([]byte(b.String()), false)
	if err != nil {
		t.Fatal(err)
	}
	// 40 multi names, 60 single names, Content-Type
	if len(resp.Headers) != 101 {
		t.Fatalf("got %d headers", len(resp.Headers))
	}
	// last value wins: X-0 was last written at i=240, in its first position
	if h := resp.Headers[40]; h.Name != "X-0" || h.Value != string(rune('A'+240%26)) {
		t.Errorf("headers[40] = %q", h)
	}
}

func TestParseResponseDoesNotAliasInput(t *testing.T) {
	for _, in := range []string{`{"body":"plain text"}`, `{"body":"esc\naped"}`, `{"body":"dGV4dA==","isBase64Encoded":true}`} {
		data := []byte(in)
		resp, err := ParseResponse(data, false)
		if err != nil {
			t.Fatal(err)
		}
		want := string(resp.Body)
		for i := range data {
			data[i] = 'X'
		}
		if string(resp.Body) != want {
			t.Errorf("%s: body changed with the input: %q", in, resp.Body)
		}
	}
}

func TestParseResponseManyMergedHeaders(t *testing.T) {
	// more multiValueHeaders names than the linear lookup handles
	var b strings.Builder
	b.WriteString(`{"multiValueHeaders":{`)
	for i := 0; i < 100; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"M-` + strconv.Itoa(i) + `":["m"]`)
	}
	b.WriteString(`},"headers":{"m-7":"s","M-8":"m","X":"x"}}`)
	resp, err := ParseResponse([]byte(b.String()), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Headers) != 102 || resp.Headers[7] != (Header{"M-7", "m, s"}) || resp.Headers[8] != (Header{"M-8", "m"}) ||
		resp.Headers[100] != (Header{"X", "x"}) {
		t.Errorf("got %q", resp.Headers)
	}
}
