package gateway

import (
	"encoding/base64"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestConvertPayload(t *testing.T) {
	raw := []byte{0, 0xff, 'a'}
	b64 := []byte(base64.StdEncoding.EncodeToString(raw))
	tests := []struct {
		name     string
		body     []byte
		binary   bool
		handling string
		want     []byte
		err      bool
	}{
		{"text, unset", []byte("hi"), false, "", []byte("hi"), false},
		{"text, to text", []byte("hi"), false, convertToText, []byte("hi"), false},
		{"text, to binary", b64, false, convertToBinary, raw, false},
		{"text not base64, to binary", []byte("hi!"), false, convertToBinary, nil, true},
		{"binary, unset", raw, true, "", raw, false},
		{"binary, to binary", raw, true, convertToBinary, raw, false},
		{"binary, to text", raw, true, convertToText, b64, false},
	}
	for _, tt := range tests {
		got, err := convertPayload(tt.body, tt.binary, tt.handling)
		if (err != nil) != tt.err || string(got) != string(tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestConvertResponse(t *testing.T) {
	raw := []byte{0, 0xff, 'a'}
	b64 := []byte(base64.StdEncoding.EncodeToString(raw))
	types := []string{"image/png"}
	tests := []struct {
		name, contentType, accept, handling string
		body, want                          []byte
	}{
		{"text to a text client", "application/json", "application/json", "", b64, b64},
		{"text to a binary client is decoded", "application/json", "image/png", "", b64, raw},
		{"binary to a text client is encoded", "image/png", "application/json", "", raw, b64},
		{"binary to a binary client", "image/png", "image/png, text/html", "", raw, raw},
		{"only the first Accept type counts", "image/png", "text/html, image/png", "", raw, b64},
		{"CONVERT_TO_TEXT encodes binary", "image/png", "image/png", convertToText, raw, b64},
		{"CONVERT_TO_TEXT keeps text", "text/plain", "image/png", convertToText, []byte("x"), []byte("x")},
		{"CONVERT_TO_BINARY decodes text", "text/plain", "application/json", convertToBinary, b64, raw},
		{"CONVERT_TO_BINARY keeps binary", "image/png", "application/json", convertToBinary, raw, raw},
	}
	for _, tt := range tests {
		var resp fasthttp.Response
		resp.Header.SetContentType(tt.contentType)
		got, err := convertResponse(&backendResponse{resp: &resp, body: tt.body}, []byte(tt.accept), types, tt.handling)
		if err != nil || string(got) != string(tt.want) {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
