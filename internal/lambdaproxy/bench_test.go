package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// benchRequest is a typical edge-optimized REST request: CloudFront's
// headers, two query parameters, one path parameter, a small JSON body.
func benchRequest() *Request {
	r := baseRequest()
	r.HTTPMethod = "POST"
	r.Path = "/users/42"
	r.Resource = "/users/{id}"
	r.Headers = []Header{
		{"Host", "abc123.execute-api.us-east-1.amazonaws.com"},
		{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0 Safari/537.36"},
		{"Accept", "application/json"},
		{"Accept-Encoding", "gzip, deflate, br"},
		{"Content-Type", "application/json"},
		{"Content-Length", "112"},
		{"Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"},
		{"CloudFront-Forwarded-Proto", "https"},
		{"CloudFront-Is-Desktop-Viewer", "true"},
		{"CloudFront-Is-Mobile-Viewer", "false"},
		{"CloudFront-Is-SmartTV-Viewer", "false"},
		{"CloudFront-Is-Tablet-Viewer", "false"},
		{"CloudFront-Viewer-ASN", "16509"},
		{"CloudFront-Viewer-Country", "US"},
		{"Via", "2.0 6fe8e2d5db6a80353eb675f61c249810.cloudfront.net (CloudFront)"},
		{"X-Amz-Cf-Id", "kgg1BBFHKR4861YdGx-Kcf1-149AGIp-EUSUm9_J4MFT5WvC0cH3PA=="},
		{"X-Amzn-Trace-Id", "Root=1-66149ab8-0a47130e4ff50bbf715025c0"},
		{"X-Forwarded-For", "138.94.127.146, 15.158.19.244"},
		{"X-Forwarded-Port", "443"},
		{"X-Forwarded-Proto", "https"},
	}
	r.RawQuery = "verbose=true&fields=name%2Cemail"
	r.PathParameters = []KV{{"id", "42"}}
	r.Body = []byte(`{"name":"Alice Example","email":"alice@example.com","roles":["admin","dev"],"note":"line1\nline2"}`)
	r.HasBody = true
	r.Context.Path = "/prod/users/42"
	r.Context.ResourcePath = "/users/{id}"
	r.Context.HTTPMethod = "POST"
	return r
}

func BenchmarkAppendEvent(b *testing.B) {
	r := benchRequest()
	buf := AppendEvent(nil, r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEvent(buf[:0], r)
	}
}

func BenchmarkAppendEventLargeBody(b *testing.B) {
	r := benchRequest()
	r.Body = bytes.Repeat([]byte(`{"k":"v\n","n":12345,"s":"\u00e9t\u00e9"},`), 1<<20/40)
	buf := AppendEvent(nil, r)
	b.SetBytes(int64(len(r.Body)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEvent(buf[:0], r)
	}
}

func BenchmarkAppendEventBinaryBody(b *testing.B) {
	r := benchRequest()
	r.Body = bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<20/4)
	r.Base64Body = true
	buf := AppendEvent(nil, r)
	b.SetBytes(int64(len(r.Body)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEvent(buf[:0], r)
	}
}

// BenchmarkAppendEventBaselineEncodingJSON: the same event built as an
// events.APIGatewayProxyRequest and marshalled with encoding/json (the
// conversion into maps is part of what AppendEvent saves).
func BenchmarkAppendEventBaselineEncodingJSON(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		ev := events.APIGatewayProxyRequest{
			Resource: r.Resource, Path: r.Path, HTTPMethod: r.HTTPMethod,
			Headers:                         make(map[string]string, len(r.Headers)),
			MultiValueHeaders:               make(map[string][]string, len(r.Headers)),
			QueryStringParameters:           map[string]string{"verbose": "true", "fields": "name,email"},
			MultiValueQueryStringParameters: map[string][]string{"verbose": {"true"}, "fields": {"name,email"}},
			PathParameters:                  map[string]string{"id": "42"},
			Body:                            string(r.Body),
		}
		for _, h := range r.Headers {
			ev.Headers[h.Name] = h.Value
			ev.MultiValueHeaders[h.Name] = append(ev.MultiValueHeaders[h.Name], h.Value)
		}
		if _, err := json.Marshal(&ev); err != nil {
			b.Fatal(err)
		}
	}
}

var benchResponse = []byte(`{"statusCode":200,"headers":{"Content-Type":"application/json","Cache-Control":"no-store","X-Request-Id":"05f4bb29-e600-4968-aeb8-12e062caa698"},"multiValueHeaders":{"Set-Cookie":["session=abc; HttpOnly; Secure","theme=dark"]},"body":"{\"id\":42,\"name\":\"Alice Example\",\"email\":\"alice@example.com\",\"roles\":[\"admin\",\"dev\"]}","isBase64Encoded":false}`)

func BenchmarkParseResponse(b *testing.B) {
	b.SetBytes(int64(len(benchResponse)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(benchResponse, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResponseLargeBody(b *testing.B) {
	body, _ := json.Marshal(string(bytes.Repeat([]byte(`{"k":"v\n","n":12345,"s":"été"},`), 1<<20/34)))
	data := append(append([]byte(`{"statusCode":200,"body":`), body...), '}')
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(data, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseResponseBinary(b *testing.B) {
	payload, _ := json.Marshal(events.APIGatewayProxyResponse{
		StatusCode: 200, Headers: map[string]string{"Content-Type": "image/png"},
		Body: base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<20/4)), IsBase64Encoded: true,
	})
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResponse(payload, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseResponseBaselineEncodingJSON: encoding/json into
// events.APIGatewayProxyResponse, which checks none of the rules (and loses
// header order).
func BenchmarkParseResponseBaselineEncodingJSON(b *testing.B) {
	b.SetBytes(int64(len(benchResponse)))
	b.ReportAllocs()
	for b.Loop() {
		var r events.APIGatewayProxyResponse
		if err := json.Unmarshal(benchResponse, &r); err != nil {
			b.Fatal(err)
		}
	}
}
