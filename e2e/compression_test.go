package e2e

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestCompression: MinimumCompressionSize on the real binary. Answers are
// compressed when the client's Accept-Encoding asks for gzip or deflate and
// the body reaches the API's threshold, for HTTP_PROXY and MOCK alike;
// compressed request bodies reach the backend decoded, without their
// Content-Encoding, as API Gateway delivers them. The harness's client
// does not decode answers (DisableCompression) and each request sets its
// own Accept-Encoding, so the bytes seen are the bytes sent.
func TestCompression(t *testing.T) {
	be := newBackend(t, "backend", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/echo":
			io.WriteString(w, readAll(r))
		case r.URL.Path == "/encoded":
			// Already compressed by the backend: passed on as it is.
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(gzipBytes(t, []byte(strings.Repeat("e", 2000))))
		default:
			n, _ := strconv.Atoi(r.URL.Query().Get("size"))
			w.Write(jsonOfSize(n))
		}
	})
	in := startAPIGW(t, testdata("compression.yaml"), "--param", "BackendUrl="+be.URL)
	const mockBody = `{"pets":[{"id":1,"type":"dog"}]}`

	for _, c := range []struct {
		name, path, accept string
		encoding           string // the answer's Content-Encoding
		body               string // decoded
	}{
		{"MOCK gzip", "/zero/mock", "gzip", "gzip", mockBody},
		{"MOCK deflate", "/zero/mock", "deflate", "deflate", mockBody},
		{"MOCK browser", "/zero/mock", "gzip, deflate, br", "gzip", mockBody},
		{"MOCK no Accept-Encoding", "/zero/mock", "", "", mockBody},
		{"MOCK q=0", "/zero/mock", "gzip;q=0", "", mockBody},
		{"MOCK under 1000", "/large/mock", "gzip", "", mockBody},
		{"HTTP_PROXY gzip", "/zero/items?size=300", "gzip", "gzip", string(jsonOfSize(300))},
		{"HTTP_PROXY deflate", "/zero/items?size=300", "deflate", "deflate", string(jsonOfSize(300))},
		{"HTTP_PROXY 999 under 1000", "/large/items?size=999", "gzip", "", string(jsonOfSize(999))},
		{"HTTP_PROXY 1000 at 1000", "/large/items?size=1000", "gzip", "gzip", string(jsonOfSize(1000))},
		{"HTTP_PROXY deflate preferred", "/large/items?size=5000", "gzip;q=0.5, deflate", "deflate", string(jsonOfSize(5000))},
		{"backend already encoded", "/zero/encoded", "deflate", "gzip", strings.Repeat("e", 2000)},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.accept != "" {
				h["Accept-Encoding"] = c.accept
			}
			r := do(t, req{URL: in.URL(c.path), Header: h})
			if r.Status != 200 || r.Header.Get("Content-Encoding") != c.encoding {
				t.Fatalf("want 200 with Content-Encoding %q, got\n%s", c.encoding, r)
			}
			if got := decodeBody(t, c.encoding, r.Body); got != c.body {
				t.Errorf("decoded body %q, want %q", clip(got, 200), clip(c.body, 200))
			}
			if cl := r.Header.Get("Content-Length"); cl != strconv.Itoa(len(r.Body)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(r.Body))
			}
			assertAWSHeaders(t, r)
		})
	}

	t.Run("compressed request bodies", func(t *testing.T) {
		plain := []byte(strings.Repeat(`{"type":"dog","price":249.99}`, 50))
		for _, c := range []struct {
			encoding string
			body     []byte
		}{
			{"gzip", gzipBytes(t, plain)},
			{"deflate", zlibBytes(t, plain)},
		} {
			be.reset()
			r := do(t, req{Method: "POST", URL: in.URL("/large/echo"), Body: string(c.body),
				Header: map[string]string{"Content-Encoding": c.encoding, "Content-Type": "application/json"}})
			if r.Status != 200 || !bytes.Equal(r.Body, plain) {
				t.Fatalf("%s: %s", c.encoding, r)
			}
			got := be.last(t)
			if !bytes.Equal(got.Body, plain) || got.Header.Get("Content-Encoding") != "" {
				t.Errorf("%s: the backend got Content-Encoding %q and %d bytes, want none and the %d decoded bytes",
					c.encoding, got.Header.Get("Content-Encoding"), len(got.Body), len(plain))
			}
		}
	})

	t.Run("unsupported or corrupt request bodies", func(t *testing.T) {
		be.reset()
		for _, c := range []struct{ encoding, body string }{
			{"br", "whatever"},
			{"gzip", "\x1f\x8b\x08\x00 this is not gzip"},
			{"deflate", "not deflate"},
		} {
			r := do(t, req{Method: "POST", URL: in.URL("/zero/echo"), Body: c.body,
				Header: map[string]string{"Content-Encoding": c.encoding}})
			assertGatewayError(t, r, 415, `{"message": "Unsupported Media Type"}`, "UnsupportedMediaTypeException")
		}
		if n := be.count(); n != 0 {
			t.Errorf("the backend got %d requests", n)
		}
	})

	t.Run("decompression bomb", func(t *testing.T) {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		w.Write(make([]byte, 10<<20+1))
		w.Close()
		r := do(t, req{Method: "POST", URL: in.URL("/zero/echo"), Body: buf.String(),
			Header: map[string]string{"Content-Encoding": "gzip"}})
		assertGatewayError(t, r, 413, `{"message":"Request Too Long"}`, "RequestTooLongException")
	})
}

// jsonOfSize is a JSON string of exactly n bytes (n >= 2).
func jsonOfSize(n int) []byte {
	if n < 2 {
		n = 2
	}
	return []byte(`"` + strings.Repeat("a", n-2) + `"`)
}

func gzipBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zlibBytes(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func decodeBody(t *testing.T, encoding string, body []byte) string {
	t.Helper()
	var r io.Reader
	var err error
	switch encoding {
	case "":
		return string(body)
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(body))
	default:
		t.Fatalf("encoding %q", encoding)
	}
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(fmt.Errorf("%s: %w", encoding, err))
	}
	return string(out)
}
