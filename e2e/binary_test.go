package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"testing"
)

// pngBytes is a payload that is not valid UTF-8: a PNG signature and a few
// bytes above 0x7f.
var pngBytes = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0x00, 0xff, 0xfe, 0x80, 0x7f}

// TestBinaryLambdaProxy: a request whose Content-Type is in
// binaryMediaTypes reaches the function base64-encoded with
// isBase64Encoded true; the function's isBase64Encoded answer is decoded
// for a client whose first Accept type is binary, and returned as the
// base64 text otherwise (as API Gateway does).
func TestBinaryLambdaProxy(t *testing.T) {
	rtRequireInterpreters(t)
	be := newBackend(t, "unused", nil)
	in := startAPIGW(t, testdata("binary.yaml"), "--param", "Backend="+be.URL)
	reversed := slices.Clone(pngBytes)
	slices.Reverse(reversed)
	tests := []struct {
		name, accept string
		want         []byte
	}{
		{"accepts binary", "image/png", reversed},
		{"first Accept type binary", "image/png, application/json", reversed},
		{"accepts text", "application/json", []byte(base64.StdEncoding.EncodeToString(reversed))},
		{"first Accept type text", "application/json, image/png", []byte(base64.StdEncoding.EncodeToString(reversed))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := do(t, req{Method: "POST", URL: in.URL("/prod/echo"), Body: string(pngBytes),
				Header: map[string]string{"Content-Type": "image/png", "Accept": tt.accept}})
			if r.Status != 200 || r.Header.Get("X-In-Base64") != "true" || !bytes.Equal(r.Body, tt.want) {
				t.Fatalf("got %s\nwant body %q", r, tt.want)
			}
		})
	}
	// A text request is not encoded.
	r := do(t, req{Method: "POST", URL: in.URL("/prod/echo"), Body: "abc", Header: map[string]string{"Content-Type": "text/plain", "Accept": "image/png"}})
	if r.Status != 200 || r.Header.Get("X-In-Base64") != "false" || string(r.Body) != "cba" {
		t.Fatalf("text request: %s", r)
	}
}

// TestBinaryContentHandling: an HTTP (non-proxy) integration with
// ContentHandling CONVERT_TO_TEXT sends a binary request body to the
// backend base64-encoded; its integration response's CONVERT_TO_BINARY
// decodes the backend's base64 answer; an answer that is not base64 is a
// 500 (API_CONFIGURATION_ERROR), as in API Gateway.
func TestBinaryContentHandling(t *testing.T) {
	answer := base64.StdEncoding.EncodeToString([]byte("\x00\x01binary\xff"))
	be := newBackend(t, "conv", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		if body, _ := io.ReadAll(r.Body); string(body) == "bad" { // non-proxy: client headers do not reach it
			w.Write([]byte("not base64!"))
			return
		}
		w.Write([]byte(answer))
	})
	in := startAPIGW(t, testdata("binary.yaml"), "--param", "Backend="+be.URL)
	r := do(t, req{Method: "POST", URL: in.URL("/prod/convert"), Body: string(pngBytes), Header: map[string]string{"Content-Type": "image/png"}})
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || string(r.Body) != "\x00\x01binary\xff" {
		t.Fatalf("got %s", r)
	}
	if got := string(be.last(t).Body); got != base64.StdEncoding.EncodeToString(pngBytes) {
		t.Fatalf("backend received %q, want the body base64-encoded", got)
	}
	// A text request body is not converted by CONVERT_TO_TEXT.
	do(t, req{Method: "POST", URL: in.URL("/prod/convert"), Body: `{"a":1}`, Header: map[string]string{"Content-Type": "application/json"}})
	if got := string(be.last(t).Body); got != `{"a":1}` {
		t.Fatalf("backend received %q for a text body", got)
	}
	r = do(t, req{Method: "POST", URL: in.URL("/prod/convert"), Body: "bad", Header: map[string]string{"Content-Type": "text/plain"}})
	if r.Status != 500 || string(r.Body) != `{"message": "Internal server error"}` {
		t.Fatalf("a backend answer that is not base64: %s", r)
	}
}
