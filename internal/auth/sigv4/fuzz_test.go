package sigv4

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzInput is one FuzzVerify input: a request's method, raw path, raw
// query, Authorization, X-Amz-Date and X-Amz-Security-Token headers, body.
type fuzzInput struct {
	method, path, query, auth, date, token string
	body                                   []byte
}

// fuzzSeeds are requests signed by the SDK (both forms) and hand-made
// broken ones, so that the fuzzer starts from every branch of Verify.
func fuzzSeeds(t testing.TB) []fuzzInput {
	var seeds []fuzzInput
	for _, c := range oracleCases() {
		if len(c.body) > 1024 {
			continue
		}
		r, _ := c.sign(t, signTime, "")
		in := FromHTTP(r, c.body)
		seeds = append(seeds, fuzzInput{
			method: in.Method, path: in.Path, query: in.RawQuery,
			auth: r.Header.Get("Authorization"), date: r.Header.Get("X-Amz-Date"),
			token: r.Header.Get("X-Amz-Security-Token"), body: c.body,
		})
	}
	const cred = "Credential=AKIDEXAMPLE/20231011/us-east-1/execute-api/aws4_request"
	for _, auth := range []string{
		"", "Bearer x", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 " + cred,
		"AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date, Signature=00",
		"AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=x, Signature=" + strings.Repeat("0", 64),
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /x, Signature=1",
		"AWS4-HMAC-SHA512 " + cred + ",SignedHeaders=host,Signature=ff",
	} {
		seeds = append(seeds, fuzzInput{method: "GET", path: "/dev/x", auth: auth, date: "20231011T101010Z"})
	}
	seeds = append(seeds,
		fuzzInput{method: "GET", path: "/dev/x", query: "X-Amz-Algorithm"},
		fuzzInput{method: "GET", path: "/dev/x", query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20231011%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20231011T101010Z&X-Amz-Expires=x&X-Amz-SignedHeaders=host&X-Amz-Signature=00"},
		fuzzInput{method: "GET", path: "/dev/x", query: "X-Amz-Algorithm=1", auth: "AWS4-HMAC-SHA256 x=y"},
		fuzzInput{method: "POST", path: "/%zz/%4", query: "a=%&b=%z&+=+&&=", auth: "AWS4-HMAC-SHA256 ,,, =,", date: "2023", body: []byte{0, 0xff}},
	)
	return seeds
}

func FuzzVerify(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.method, s.path, s.query, s.auth, s.date, s.token, s.body)
	}
	v := newVerifier(signTime.Add(time.Second))
	f.Fuzz(func(t *testing.T, method, path, query, auth, date, token string, body []byte) {
		headers := map[string][]string{"host": {"h"}}
		if auth != "" {
			headers["authorization"] = []string{auth}
		}
		if date != "" {
			headers["x-amz-date"] = []string{date}
		}
		if token != "" {
			headers["x-amz-security-token"] = []string{token}
		}
		r := Request{
			Method: method, Path: path, RawQuery: query, Body: body,
			Header: func(dst []string, name string) []string { return append(dst, headers[name]...) },
		}
		id, fl := v.Verify(r)
		if (id == nil) == (fl == nil) {
			t.Fatalf("identity %v and failure %v", id, fl)
		}
		if id != nil {
			if _, ok := testCreds[id.AccessKey]; !ok {
				t.Fatalf("unknown identity %+v", id)
			}
			return
		}
		if fl.Kind < KindMissing || fl.Kind > KindTokenInvalid || fl.Status != 403 ||
			fl.ErrorType != fl.Kind.ErrorType() || fl.Message == "" {
			t.Fatalf("bad failure %+v", fl)
		}
		input := method + path + query + auth + date + token + string(body)
		for _, secret := range []string{testSecret, tempSecret, tempToken} {
			if strings.Contains(fl.Message, secret) && !strings.Contains(input, secret) {
				t.Fatalf("configured secret in message %q", fl.Message)
			}
		}
	})
}

// TestWriteFuzzSeeds rewrites testdata/fuzz/FuzzVerify from fuzzSeeds when
// SIGV4_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("SIGV4_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set SIGV4_WRITE_FUZZ_SEEDS=1 to rewrite the seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, s := range fuzzSeeds(t) {
		var b strings.Builder
		b.WriteString("go test fuzz v1\n")
		for _, v := range []string{s.method, s.path, s.query, s.auth, s.date, s.token} {
			b.WriteString("string(" + strconv.Quote(v) + ")\n")
		}
		b.WriteString("[]byte(" + strconv.Quote(string(s.body)) + ")\n")
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
