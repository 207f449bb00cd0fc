package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/logging"
)

// The oracle: every request below is signed by the AWS SDK for Go v2 signer
// (SignHTTP, PresignHTTP) and must verify; signed with a wrong secret, it must
// fail with AWS's mismatch message carrying exactly the canonical request and
// string to sign that the SDK logged while signing.

const (
	testRegion = "us-east-1"
	testKey    = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	tempKey    = "ASIATEMPORARY"
	tempSecret = "tempSecret/+=="
	tempToken  = "FwoGZXIvYXdzEBYaD+tok/en=="
)

var (
	signTime  = time.Date(2023, 10, 11, 10, 10, 10, 0, time.UTC)
	testCreds = map[string]Credentials{
		testKey: {AccessKeyID: testKey, SecretAccessKey: testSecret, Profile: "dev"},
		tempKey: {AccessKeyID: tempKey, SecretAccessKey: tempSecret, SessionToken: tempToken, Profile: "temp"},
	}
)

func newVerifier(now time.Time) *Verifier {
	return &Verifier{Region: testRegion, Creds: testCreds, Clock: func() time.Time { return now }}
}

func awsCreds(key string) aws.Credentials {
	c := testCreds[key]
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// signLog captures the canonical request and string to sign the SDK logs.
type signLog struct{ canonical, sts string }

func (l *signLog) option(o *v4.SignerOptions) {
	o.LogSigning = true
	o.Logger = logging.LoggerFunc(func(_ logging.Classification, _ string, v ...any) {
		l.canonical, l.sts = v[0].(string), v[1].(string)
	})
}

func mismatchMessage(l signLog) string {
	return MsgMismatch + "\n\nThe Canonical String for this request should have been\n'" + l.canonical +
		"'\n\nThe String-to-Sign should have been\n'" + l.sts + "'\n"
}

type oracleCase struct {
	name    string
	method  string
	url     string
	headers [][2]string
	body    []byte
	key     string // testKey when empty
	presign bool
	expires int // X-Amz-Expires for presigned requests
	// payload is the payload hash given to the signer; empty: sha256(body)
	payload string
	// after changes the signed request without changing its meaning
	after func(*http.Request)
}

func oracleCases() []oracleCase {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MB
	return []oracleCase{
		{name: "GET", method: "GET", url: "http://api.example/dev/pets"},
		{name: "GET root", method: "GET", url: "http://api.example/"},
		{name: "GET no path", method: "GET", url: "http://api.example"},
		{name: "GET host with port", method: "GET", url: "http://restapi.execute-api.localhost:8080/dev/pets/1"},
		{name: "repeated keys", method: "GET", url: "http://h/dev/q?a=2&a=1&b=x&c&a=10&k=&k"},
		{name: "query specials", method: "GET", url: "http://h/dev/q?q=hello%20world&r=a+b&s=%2B&t=caf%C3%A9&u=a%2Fb&v=*&w=~&x=&y=%3D%26&z=%25"},
		{name: "query order after encoding", method: "GET", url: "http://h/dev/q?a-b=1&a%2Fb=2&Z=3&a=4&_=5&%7E=6"},
		{name: "query spaces as plus", method: "GET", url: "http://h/dev/q?q=hello%20big%20world&name=a%20b",
			after: func(r *http.Request) { r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, "%20", "+") }},
		{name: "query lower-case hex", method: "GET", url: "http://h/dev/q?u=a%2Fb%3Dc",
			after: func(r *http.Request) {
				r.URL.RawQuery = strings.NewReplacer("%2F", "%2f", "%3D", "%3d").Replace(r.URL.RawQuery)
			}},
		{name: "query unreserved escaped", method: "GET", url: "http://h/dev/q?a=b",
			after: func(r *http.Request) { r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, "a=b", "%61=%62") }},
		{name: "path space", method: "GET", url: "http://h/dev/a%20b/c"},
		{name: "path connections escaped", method: "POST", url: "http://h/prod/%40connections/R0oXAdfD0kwCH6w%3D", body: []byte("hello")},
		{name: "path connections raw", method: "POST", url: "http://h/prod/@connections/R0oXAdfD0kwCH6w=", body: []byte("hello")},
		{name: "path specials", method: "GET", url: "http://h/dev/caf%C3%A9/x+y/a%2Fb/%7Etilde/*star/(p)/!/'/$/,/;/:"},
		{name: "path lower-case escape", method: "GET", url: "http://h/dev/a%2fb/%c3%a9"},
		{name: "path double slash and trailing slash", method: "GET", url: "http://h/dev//x/"},
		{name: "POST JSON", method: "POST", url: "http://h/dev/pets",
			headers: [][2]string{{"Content-Type", "application/json"}}, body: []byte(`{"name":"rex","tags":["a","b"]}`)},
		{name: "POST empty body", method: "POST", url: "http://h/dev/pets"},
		{name: "PUT large body", method: "PUT", url: "http://h/dev/blob", body: big},
		{name: "DELETE", method: "DELETE", url: "http://h/dev/pets/1"},
		{name: "header values trimmed and repeated", method: "GET", url: "http://h/dev/h",
			headers: [][2]string{{"X-Amz-Meta-Note", "  a   b  c  "}, {"X-Amz-Meta-Note", "second"}, {"Content-Type", "text/plain"}}},
		{name: "content sha256 header", method: "POST", url: "http://h/dev/pets", body: []byte("abc"),
			headers: [][2]string{{"X-Amz-Content-Sha256", hashHex([]byte("abc"))}}},
		{name: "session token", method: "GET", url: "http://h/dev/pets", key: tempKey},
		{name: "session token POST", method: "POST", url: "http://h/dev/pets?x=1", key: tempKey, body: []byte("x")},

		{name: "presigned GET", method: "GET", url: "http://h/dev/pets", presign: true},
		{name: "presigned with query", method: "GET", url: "http://h/dev/socket?a=1&a=0&b=x%20y", presign: true, expires: 900},
		{name: "presigned session token", method: "GET", url: "http://h/dev/pets", presign: true, key: tempKey, expires: 3600},
		{name: "presigned unsigned payload", method: "PUT", url: "http://h/dev/put", presign: true, body: []byte("any body"), payload: "UNSIGNED-PAYLOAD"},
		{name: "presigned unsigned payload named", method: "PUT", url: "http://h/dev/put", presign: true, body: []byte("any body"),
			headers: [][2]string{{"X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"}}, payload: "UNSIGNED-PAYLOAD"},
		{name: "presigned POST body", method: "POST", url: "http://h/dev/post", presign: true, body: []byte(`{"a":1}`), expires: 60},
		{name: "presigned spaces as plus", method: "GET", url: "http://h/dev/q?q=a%20b", presign: true,
			after: func(r *http.Request) { r.URL.RawQuery = strings.ReplaceAll(r.URL.RawQuery, "q=a%20b", "q=a+b") }},
		{name: "presigned one week", method: "GET", url: "http://h/dev/pets", presign: true, expires: 604800},
	}
}

// sign signs c with the SDK (with the given secret when not empty) and
// returns the request to send and what the SDK logged.
func (c oracleCase) sign(t testing.TB, at time.Time, secret string) (*http.Request, signLog) {
	t.Helper()
	key := c.key
	if key == "" {
		key = testKey
	}
	creds := awsCreds(key)
	if secret != "" {
		creds.SecretAccessKey = secret
	}
	req, err := http.NewRequest(c.method, c.url, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range c.headers {
		req.Header.Add(h[0], h[1])
	}
	payload := c.payload
	if payload == "" {
		payload = hashHex(c.body)
	}
	var log signLog
	signer := v4.NewSigner()
	if !c.presign {
		if err := signer.SignHTTP(context.Background(), creds, req, payload, "execute-api", testRegion, at, log.option); err != nil {
			t.Fatal(err)
		}
	} else {
		if c.expires > 0 {
			q := req.URL.Query()
			q.Set("X-Amz-Expires", fmt.Sprint(c.expires))
			req.URL.RawQuery = q.Encode()
		}
		u, signed, err := signer.PresignHTTP(context.Background(), creds, req, payload, "execute-api", testRegion, at, log.option)
		if err != nil {
			t.Fatal(err)
		}
		req, err = http.NewRequest(c.method, u, bytes.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range signed {
			if k == "Host" {
				req.Host = vs[0]
				continue
			}
			req.Header[k] = vs
		}
		for _, h := range c.headers { // unsigned ones too
			if req.Header.Get(h[0]) == "" {
				req.Header.Add(h[0], h[1])
			}
		}
	}
	if c.after != nil {
		c.after(req)
	}
	return req, log
}

func TestOracle(t *testing.T) {
	v := newVerifier(signTime.Add(time.Second))
	for _, c := range oracleCases() {
		t.Run(c.name, func(t *testing.T) {
			req, _ := c.sign(t, signTime, "")
			id, f := v.Verify(FromHTTP(req, c.body))
			if f != nil {
				t.Fatalf("refused: %v\nquery %q path %q", f, req.URL.RawQuery, req.URL.EscapedPath())
			}
			key := c.key
			if key == "" {
				key = testKey
			}
			want := Identity{AccessKey: key, AccountID: DefaultAccountID, Caller: key, User: key,
				UserARN: "arn:aws:iam::123456789012:user/" + testCreds[key].Profile, Profile: testCreds[key].Profile}
			if *id != want {
				t.Fatalf("identity %+v, want %+v", *id, want)
			}

			// The same request signed with a wrong secret: AWS's message with
			// the SDK's own canonical request and string to sign.
			bad, log := c.sign(t, signTime, "not-the-secret")
			_, f = v.Verify(FromHTTP(bad, c.body))
			if f == nil || f.Kind != KindMismatch || f.ErrorType != "InvalidSignatureException" || f.Status != 403 {
				t.Fatalf("wrong secret: %+v", f)
			}
			if c.payload == "" && c.after == nil && f.Message != mismatchMessage(log) {
				t.Fatalf("message:\n%s\nwant:\n%s", f.Message, mismatchMessage(log))
			}
		})
	}
}

// TestOracleOverHTTP sends every signed request through a real HTTP server
// and verifies what arrives: the path and query as sent on the wire.
func TestOracleOverHTTP(t *testing.T) {
	v := newVerifier(signTime.Add(time.Second))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if _, f := v.Verify(FromHTTP(r, body)); f != nil {
			w.WriteHeader(f.Status)
			w.Write(f.Body())
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	for _, c := range oracleCases() {
		t.Run(c.name, func(t *testing.T) {
			req, _ := c.sign(t, signTime, "")
			host := req.Host
			if host == "" {
				host = req.URL.Host
			}
			req.URL.Scheme, req.URL.Host = "http", srv.Listener.Addr().String()
			req.Host = host // the signed Host header, sent to the test server
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("%d %s", res.StatusCode, b)
			}
		})
	}
}

func signedGET(t testing.TB, key, url string, at time.Time) *http.Request {
	t.Helper()
	c := oracleCase{method: "GET", url: url, key: key}
	req, _ := c.sign(t, at, "")
	return req
}

func TestFailures(t *testing.T) {
	v := newVerifier(signTime.Add(time.Second))
	base := func() *http.Request { return signedGET(t, testKey, "http://h/dev/pets?a=1", signTime) }
	const incompleteAll = "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
		"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
	sig := func(r *http.Request) string {
		_, s, _ := strings.Cut(r.Header.Get("Authorization"), "Signature=")
		return s
	}
	cases := []struct {
		name    string
		req     func() *http.Request
		kind    Kind
		errType string
		message string
	}{
		{"no authorization", func() *http.Request { r, _ := http.NewRequest("GET", "http://h/dev/pets", nil); return r },
			KindMissing, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"empty authorization", func() *http.Request {
			r, _ := http.NewRequest("GET", "http://h/dev/pets", nil)
			r.Header.Set("Authorization", "  ")
			return r
		}, KindMissing, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"bearer token", func() *http.Request {
			r, _ := http.NewRequest("GET", "http://h/dev/pets", nil)
			r.Header.Set("Authorization", "Bearer x")
			return r
		}, KindIncomplete, "IncompleteSignatureException", incompleteAll + "Authorization=Bearer x"},
		{"jwt", func() *http.Request {
			r, _ := http.NewRequest("GET", "http://h/dev/pets", nil)
			r.Header.Set("Authorization", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln")
			return r
		}, KindIncomplete, "IncompleteSignatureException", incompleteAll + "Authorization=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"},
		{"credential only", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=ABCDEF")
			return r
		}, KindIncomplete, "IncompleteSignatureException",
			"Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=ABCDEF"},
		{"no date", func() *http.Request { r := base(); r.Header.Del("X-Amz-Date"); return r },
			KindIncomplete, "IncompleteSignatureException", ""},
		{"space in credential", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20231011/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00")
			return r
		}, KindIncomplete, "IncompleteSignatureException",
			"'/20231011/us-east-1/execute-api/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: " +
				"'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE /20231011/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00'."},
		{"unsupported algorithm", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1))
			return r
		}, KindIncomplete, "IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{"bad date", func() *http.Request { r := base(); r.Header.Set("X-Amz-Date", "201"); return r },
			KindIncomplete, "IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"credential parts", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "", 1))
			return r
		}, KindIncomplete, "IncompleteSignatureException",
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20231011/us-east-1/execute-api'"},
		{"unknown access key", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testKey, "AKIDUNKNOWN", 1))
			return r
		}, KindUnknownKey, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong region", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/eu-west-1/", 1))
			return r
		}, KindMismatch, "InvalidSignatureException", "Credential should be scoped to a valid region. "},
		{"wrong service", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/execute-api/", "/lambda/", 1))
			return r
		}, KindMismatch, "InvalidSignatureException", "Credential should be scoped to correct service: 'execute-api'. "},
		{"wrong region, service, terminator and date", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20231011/us-east-1/execute-api/aws4_request", "/b/c/d/e", 1))
			return r
		}, KindMismatch, "InvalidSignatureException",
			"Credential should be scoped to a valid region. Credential should be scoped to correct service: 'execute-api'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20231011', from '20231011T101010Z'."},
		{"host not signed", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
			return r
		}, KindMismatch, "InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"tampered query", func() *http.Request { r := base(); r.URL.RawQuery = "a=2"; return r },
			KindMismatch, "InvalidSignatureException", ""},
		{"tampered path", func() *http.Request { r := base(); r.URL.Path = "/dev/cats"; return r },
			KindMismatch, "InvalidSignatureException", ""},
		{"tampered method", func() *http.Request { r := base(); r.Method = "DELETE"; return r },
			KindMismatch, "InvalidSignatureException", ""},
		{"tampered host", func() *http.Request { r := base(); r.Host = "evil"; return r },
			KindMismatch, "InvalidSignatureException", ""},
		{"signature case", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sig(r), strings.ToUpper(sig(r)), 1))
			return r
		}, KindMismatch, "InvalidSignatureException", ""},
		{"short signature", func() *http.Request {
			r := base()
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), sig(r), sig(r)[:10], 1))
			return r
		}, KindMismatch, "InvalidSignatureException", ""},
		{"both forms", func() *http.Request { r := base(); r.URL.RawQuery += "&X-Amz-Algorithm=AWS4-HMAC-SHA256"; return r },
			KindMismatch, "InvalidSignatureException", "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."},
		{"query incomplete", func() *http.Request {
			r, _ := http.NewRequest("GET", "http://h/dev/pets?X-Amz-Algorithm", nil)
			return r
		},
			KindIncomplete, "IncompleteSignatureException",
			"AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
				"AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."},
		{"token missing", func() *http.Request {
			r := signedGET(t, tempKey, "http://h/dev/pets", signTime)
			r.Header.Del("X-Amz-Security-Token")
			return r
		}, KindMismatch, "InvalidSignatureException", ""}, // the signed header is gone: the signature fails first
		{"token not signed and missing", func() *http.Request {
			c := oracleCase{method: "GET", url: "http://h/dev/pets", key: tempKey}
			creds := awsCreds(tempKey)
			r, _ := http.NewRequest(c.method, c.url, nil)
			v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(nil), "execute-api", testRegion, signTime,
				func(o *v4.SignerOptions) { o.DisableSessionToken = true })
			return r
		}, KindTokenInvalid, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"token wrong", func() *http.Request {
			creds := awsCreds(tempKey)
			creds.SessionToken = "another-token"
			r, _ := http.NewRequest("GET", "http://h/dev/pets", nil)
			v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(nil), "execute-api", testRegion, signTime)
			return r
		}, KindTokenInvalid, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"token where the profile has none", func() *http.Request {
			creds := awsCreds(testKey)
			creds.SessionToken = "unexpected"
			r, _ := http.NewRequest("GET", "http://h/dev/pets", nil)
			v4.NewSigner().SignHTTP(context.Background(), creds, r, hashHex(nil), "execute-api", testRegion, signTime)
			return r
		}, KindTokenInvalid, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"unsigned payload in a header-signed request", func() *http.Request {
			r, _ := http.NewRequest("POST", "http://h/dev/pets", strings.NewReader("x"))
			r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			v4.NewSigner().SignHTTP(context.Background(), awsCreds(testKey), r, "UNSIGNED-PAYLOAD", "execute-api", testRegion, signTime)
			return r
		}, KindMismatch, "InvalidSignatureException", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.req()
			body := []byte(nil)
			if r.Body != nil {
				body, _ = io.ReadAll(r.Body)
			}
			id, f := v.Verify(FromHTTP(r, body))
			if f == nil {
				t.Fatalf("accepted as %+v", id)
			}
			if f.Kind != c.kind || f.ErrorType != c.errType || f.Status != 403 {
				t.Fatalf("got %v %s %d: %s", f.Kind, f.ErrorType, f.Status, f.Message)
			}
			if c.message != "" && f.Message != c.message {
				t.Fatalf("message\n%q\nwant\n%q", f.Message, c.message)
			}
			if c.kind == KindMismatch && c.message == "" && !strings.HasPrefix(f.Message, MsgMismatch+"\n\nThe Canonical String for this request should have been\n'") {
				t.Fatalf("message %q", f.Message)
			}
			if strings.Contains(f.Message, testSecret) || strings.Contains(f.Message, tempSecret) {
				t.Fatalf("secret in message %q", f.Message)
			}
		})
	}
}

func TestTamperedBody(t *testing.T) {
	v := newVerifier(signTime)
	c := oracleCase{method: "POST", url: "http://h/dev/pets", body: []byte(`{"a":1}`)}
	req, _ := c.sign(t, signTime, "")
	if _, f := v.Verify(FromHTTP(req, []byte(`{"a":2}`))); f == nil || f.Kind != KindMismatch {
		t.Fatalf("tampered body: %v", f)
	}
	// A declared X-Amz-Content-Sha256 that is not the body's hash.
	c.headers = [][2]string{{"X-Amz-Content-Sha256", hashHex([]byte(`{"a":2}`))}}
	c.payload = hashHex([]byte(`{"a":2}`))
	req, _ = c.sign(t, signTime, "")
	if _, f := v.Verify(FromHTTP(req, c.body)); f == nil || f.Kind != KindMismatch {
		t.Fatalf("declared hash of another body: %v", f)
	}
	// Presigned with a body hash: the body is bound.
	c = oracleCase{method: "POST", url: "http://h/dev/pets", body: []byte("one"), presign: true}
	req, _ = c.sign(t, signTime, "")
	if _, f := v.Verify(FromHTTP(req, []byte("two"))); f == nil || f.Kind != KindMismatch {
		t.Fatalf("presigned tampered body: %v", f)
	}
}

func TestClockSkew(t *testing.T) {
	req := signedGET(t, testKey, "http://h/dev/pets", signTime)
	for _, c := range []struct {
		offset  time.Duration
		message string
	}{
		{4*time.Minute + 59*time.Second, ""},
		{-(4*time.Minute + 59*time.Second), ""},
		{5 * time.Minute, ""},
		{-5 * time.Minute, ""},
		{5*time.Minute + time.Second, "Signature expired: 20231011T101010Z is now earlier than 20231011T101011Z (20231011T101511Z - 5 min.)"},
		{10 * time.Minute, "Signature expired: 20231011T101010Z is now earlier than 20231011T101510Z (20231011T102010Z - 5 min.)"},
		{-(5*time.Minute + time.Second), "Signature not yet current: 20231011T101010Z is still later than 20231011T101009Z (20231011T100509Z + 5 min.)"},
	} {
		t.Run(c.offset.String(), func(t *testing.T) {
			_, f := newVerifier(signTime.Add(c.offset)).Verify(FromHTTP(req, nil))
			switch {
			case c.message == "" && f != nil:
				t.Fatalf("refused: %v", f)
			case c.message != "" && (f == nil || f.Kind != KindExpired || f.ErrorType != "InvalidSignatureException" || f.Message != c.message):
				t.Fatalf("got %+v, want %q", f, c.message)
			}
		})
	}
}

func TestPresignExpiry(t *testing.T) {
	for _, c := range []struct {
		expires int
		offset  time.Duration
		message string
	}{
		{60, 59 * time.Second, ""},
		{60, 60 * time.Second, ""},
		{60, 61 * time.Second, "Signature expired: 20231011T101010Z is now earlier than 20231011T101011Z (20231011T101111Z - 1 min.)"},
		{90, 91 * time.Second, "Signature expired: 20231011T101010Z is now earlier than 20231011T101011Z (20231011T101141Z - 90 sec.)"},
		{3600, 59 * time.Minute, ""},
		{604800, 6 * 24 * time.Hour, ""},
		{0, 4 * time.Minute, ""}, // no X-Amz-Expires: the 5-minute window
		{0, 6 * time.Minute, "Signature expired: 20231011T101010Z is now earlier than 20231011T101110Z (20231011T101610Z - 5 min.)"},
		{3600, -6 * time.Minute, "Signature not yet current: 20231011T101010Z is still later than 20231011T100910Z (20231011T100410Z + 5 min.)"},
	} {
		t.Run(fmt.Sprint(c.expires, c.offset), func(t *testing.T) {
			oc := oracleCase{method: "GET", url: "http://h/dev/pets", presign: true, expires: c.expires}
			req, _ := oc.sign(t, signTime, "")
			_, f := newVerifier(signTime.Add(c.offset)).Verify(FromHTTP(req, nil))
			switch {
			case c.message == "" && f != nil:
				t.Fatalf("refused: %v", f)
			case c.message != "" && (f == nil || f.Kind != KindExpired || f.Message != c.message):
				t.Fatalf("got %+v, want %q", f, c.message)
			}
		})
	}

	// Malformed X-Amz-Expires, as S3 words it.
	for _, c := range []struct{ value, message string }{
		{"604801", "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{"-1", "X-Amz-Expires must be non-negative"},
		{"soon", "X-Amz-Expires should be a number"},
	} {
		oc := oracleCase{method: "GET", url: "http://h/dev/pets?X-Amz-Expires=" + c.value, presign: true}
		req, _ := oc.sign(t, signTime, "")
		_, f := newVerifier(signTime).Verify(FromHTTP(req, nil))
		if f == nil || f.Kind != KindIncomplete || f.Message != c.message {
			t.Fatalf("X-Amz-Expires=%s: %+v", c.value, f)
		}
	}
}

func TestFailureBody(t *testing.T) {
	f := fail(KindMismatch, "a <b> & 'c'\n\"d\"")
	if got, want := string(f.Body()), `{"message":"a <b> & 'c'\n\"d\""}`; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
	if got := string(fail(KindMissing, MsgMissingToken).Body()); got != `{"message":"Missing Authentication Token"}` {
		t.Fatal(got)
	}
}

func TestNoCredentials(t *testing.T) {
	v := &Verifier{Clock: func() time.Time { return signTime }}
	if _, f := v.Verify(FromHTTP(signedGET(t, testKey, "http://h/dev/x", signTime), nil)); f == nil || f.Kind != KindUnknownKey {
		t.Fatalf("%v", f)
	}
}

func TestKeyCacheBounded(t *testing.T) {
	v := newVerifier(signTime)
	v.init()
	for i := 0; i < 3*maxCachedKeys; i++ {
		v.signingKey(testSecret, fmt.Sprintf("2023%04d", i))
		if len(v.keys) > maxCachedKeys {
			t.Fatalf("%d keys cached", len(v.keys))
		}
	}
	a := v.signingKey(testSecret, "20231011")
	if b := deriveKey(testSecret, "20231011", testRegion, DefaultService); *a != *b {
		t.Fatal("cached key differs")
	}
}

func TestConcurrentVerify(t *testing.T) {
	v := newVerifier(signTime)
	reqs := []Request{}
	for _, c := range oracleCases()[:12] {
		r, _ := c.sign(t, signTime, "")
		reqs = append(reqs, FromHTTP(r, c.body))
	}
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 50 && err == nil; i++ {
				if _, f := v.Verify(reqs[(g+i)%len(reqs)]); f != nil {
					err = f
				}
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
