package sigv4

import (
	"strings"
	"testing"
)

// benchRequest is a header-signed GET as the data plane would present it:
// lower-case header lookups without allocation.
func benchRequest(b *testing.B, key string) Request {
	r := signedGET(b, key, "http://restapi.execute-api.localhost:8080/prod/pets/42?limit=10&sort=name", signTime)
	headers := map[string][]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = vs
	}
	return Request{
		Method: "GET", Path: "/prod/pets/42", RawQuery: r.URL.RawQuery, Host: r.Host,
		Header: func(dst []string, name string) []string { return append(dst, headers[name]...) },
	}
}

func BenchmarkVerifyGET(b *testing.B) {
	v := newVerifier(signTime)
	r := benchRequest(b, testKey)
	if _, f := v.Verify(r); f != nil {
		b.Fatal(f)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(r); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkVerifyGETSessionToken(b *testing.B) {
	v := newVerifier(signTime)
	r := benchRequest(b, tempKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(r); f != nil {
			b.Fatal(f)
		}
	}
}

func BenchmarkVerifyGETParallel(b *testing.B) {
	v := newVerifier(signTime)
	r := benchRequest(b, testKey)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, f := v.Verify(r); f != nil {
				b.Error(f)
				return
			}
		}
	})
}

// BenchmarkVerifyMismatch is a refused request (wrong secret): the failure
// path builds AWS's message with the canonical request.
func BenchmarkVerifyMismatch(b *testing.B) {
	v := newVerifier(signTime)
	c := oracleCase{method: "GET", url: "http://h/prod/pets/42?limit=10"}
	req, _ := c.sign(b, signTime, "wrong")
	r := FromHTTP(req, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, f := v.Verify(r); f == nil {
			b.Fatal("accepted")
		}
	}
}
