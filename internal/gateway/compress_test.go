package gateway

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestCompressNegotiate(t *testing.T) {
	for _, c := range []struct {
		header string
		want   contentCoding
	}{
		// The formats AWS lists (api-gateway-enable-compression).
		{"deflate,gzip", codingDeflate},
		{"", codingIdentity},
		{"*", codingIdentity},
		{"deflate;q=0.5,gzip;q=1.0", codingGzip},
		{"gzip;q=1.0,identity;q=0.5,*;q=0", codingGzip},
		// Browsers and clients.
		{"gzip, deflate, br", codingGzip},
		{"gzip, deflate, br, zstd", codingGzip},
		{"br, gzip", codingGzip},               // tied with the highest: gzip is supported
		{"br;q=1, gzip;q=0.8", codingIdentity}, // the highest is unsupported
		{"br", codingIdentity},
		{"zstd, compress", codingIdentity},
		{"GZIP", codingGzip},
		{"  Deflate  ", codingDeflate},
		{"gzip;q=0", codingIdentity},
		{"gzip;q=0.000", codingIdentity},
		{"gzip;q=0, deflate", codingDeflate},
		{"gzip;q=0.001", codingGzip},
		{"deflate;q=0.9, gzip;q=0.91", codingGzip},
		{"identity, gzip", codingIdentity}, // identity written first at the same q
		{"identity;q=0.5, gzip", codingGzip},
		{"*, gzip;q=0.5", codingIdentity}, // "*" has the highest priority, not explicit
		{"*;q=0.5, gzip", codingGzip},
		{"gzip;q=1.5", codingIdentity}, // does not parse: not acceptable
		{"gzip;q=abc, deflate;q=0.1", codingDeflate},
		{"gzip;q=1.0001", codingIdentity},
		{"gzip;Q=0.5;level=3, deflate;q=0.4", codingGzip},
		{"gzip ; q=0.2 , deflate ; q = 0.3", codingDeflate},
		{",,, gzip,", codingGzip},
		{"x-gzip", codingIdentity},
	} {
		if got := negotiate([]byte(c.header)); got != c.want {
			t.Errorf("negotiate(%q) = %v, want %v", c.header, got, c.want)
		}
	}
	if got := negotiate(nil); got != codingIdentity {
		t.Errorf("no header: %v", got)
	}
}

// FuzzCompressAcceptEncoding: negotiate never panics, and chooses gzip or
// deflate only when the header names it.
func FuzzCompressAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip", "deflate,gzip", "gzip;q=1.0,identity;q=0.5,*;q=0", "br;q=1, gzip;q=0.8", "*", ";q=", "gzip;q=0.", "\t,;=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := negotiate([]byte(h))
		lower := strings.ToLower(h)
		if got == codingGzip && !strings.Contains(lower, "gzip") || got == codingDeflate && !strings.Contains(lower, "deflate") {
			t.Fatalf("negotiate(%q) = %v", h, got)
		}
	})
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func zlibbed(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestCompressDecode(t *testing.T) {
	plain := []byte(strings.Repeat(`{"type":"dog","price":249.99}`, 100))
	gz, zl := gzipped(t, plain), zlibbed(t, plain)
	twoMembers := append(gzipped(t, plain[:10]), gzipped(t, plain[10:])...)
	for _, c := range []struct {
		name    string
		src     []byte
		cc      contentCoding
		limit   int
		want    []byte
		wantErr string // "" none; "large" errTooLarge; else any error
	}{
		{"gzip", gz, codingGzip, MaxBodySize, plain, ""},
		{"deflate (zlib)", zl, codingDeflate, MaxBodySize, plain, ""},
		{"gzip members", twoMembers, codingGzip, MaxBodySize, plain, ""},
		{"limit equal", gz, codingGzip, len(plain), plain, ""},
		{"limit one below", gz, codingGzip, len(plain) - 1, nil, "large"},
		{"deflate limit one below", zl, codingDeflate, len(plain) - 1, nil, "large"},
		{"not gzip", plain, codingGzip, MaxBodySize, nil, "bad"},
		{"gzip as deflate", gz, codingDeflate, MaxBodySize, nil, "bad"},
		{"truncated gzip", gz[:len(gz)/2], codingGzip, MaxBodySize, nil, "bad"},
		{"truncated zlib", zl[:len(zl)-3], codingDeflate, MaxBodySize, nil, "bad"},
		{"gzip, bad checksum", append(append([]byte{}, gz[:len(gz)-8]...), 0, 0, 0, 0, 0, 0, 0, 0), codingGzip, MaxBodySize, nil, "bad"},
		{"gzip then garbage", append(append([]byte{}, gz...), "garbage!!"...), codingGzip, MaxBodySize, nil, "bad"},
		{"zlib then garbage", append(append([]byte{}, zl...), "garbage"...), codingDeflate, MaxBodySize, nil, "bad"},
		{"raw deflate is not zlib", zl[2 : len(zl)-4], codingDeflate, MaxBodySize, nil, "bad"},
	} {
		got, err := decode(nil, c.src, c.cc, c.limit)
		switch {
		case c.wantErr == "" && (err != nil || !bytes.Equal(got, c.want)):
			t.Errorf("%s: %d bytes, %v", c.name, len(got), err)
		case c.wantErr == "large" && err != errTooLarge:
			t.Errorf("%s: err %v, want errTooLarge", c.name, err)
		case c.wantErr == "bad" && (err == nil || err == errTooLarge):
			t.Errorf("%s: err %v, want a decoding error", c.name, err)
		}
		if c.wantErr == "large" && cap(got) > c.limit+1 {
			t.Errorf("%s: held %d bytes for a limit of %d", c.name, cap(got), c.limit)
		}
	}
}

// TestCompressDecodeBomb: 64 MB of zeros in about 64 KB of gzip stops at
// the payload limit, holding at most the limit.
func TestCompressDecodeBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for i := 0; i < 64; i++ {
		w.Write(zero)
	}
	w.Close()
	got, err := decode(nil, buf.Bytes(), codingGzip, MaxBodySize)
	if err != errTooLarge || cap(got) > MaxBodySize+1 {
		t.Fatalf("err %v, cap %d", err, cap(got))
	}
	// The trailer's size is only a hint: a lying ISIZE does not make it
	// allocate more.
	lie := append([]byte{}, buf.Bytes()...)
	copy(lie[len(lie)-4:], []byte{0xff, 0xff, 0xff, 0x7f})
	if got, _ := decode(nil, lie, codingGzip, MaxBodySize); cap(got) > MaxBodySize+1 {
		t.Fatalf("cap %d", cap(got))
	}
}

const compressTemplate = `Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: compress, MinimumCompressionSize: 100}
  Plain:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: plain}
  Missing:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      ResponseTemplates: {application/json: '{"message":"no such route, and this message is long enough to pass the API''s MinimumCompressionSize of 100"}'}
%s
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [%s]
    Properties: {RestApiId: !Ref Api, StageName: prod}
  PlainDeployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PlainProxy]
    Properties: {RestApiId: !Ref Plain, StageName: plain}
  PlainProxyRes:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Plain, ParentId: !GetAtt Plain.RootResourceId, PathPart: '{proxy+}'}
  PlainProxy:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Plain
      ResourceId: !Ref PlainProxyRes
      HttpMethod: ANY
      AuthorizationType: NONE
      Integration: {Type: HTTP_PROXY, IntegrationHttpMethod: ANY, Uri: !Sub '${Backend}/{proxy}', RequestParameters: {integration.request.path.proxy: method.request.path.proxy}}
`

// mockMethod is a MOCK GET /name answering a body of n bytes.
func mockMethod(name string, n int) string {
	return fmt.Sprintf(`  R%[1]s:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: %[1]s}
  M%[1]s:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref R%[1]s
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses: [{StatusCode: 200, ResponseTemplates: {application/json: '%[2]s'}}]
      MethodResponses: [{StatusCode: 200}]
`, name, strings.Repeat("x", n))
}

const proxyMethod = `  RProxy:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: '{proxy+}'}
  MProxy:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref RProxy
      HttpMethod: ANY
      AuthorizationType: NONE
      Integration: {Type: HTTP_PROXY, IntegrationHttpMethod: ANY, Uri: !Sub '${Backend}/{proxy}', RequestParameters: {integration.request.path.proxy: method.request.path.proxy}}
`

// compressBackend echoes the request body; /encoded answers with its own
// Content-Encoding; each answer says the Content-Encoding it received.
func compressBackend(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{MaxRequestBodySize: 64 << 20, Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.Response.Header.Set("X-Got-Encoding", string(ctx.Request.Header.Peek("Content-Encoding")))
		ctx.SetContentType("application/json")
		if string(ctx.Path()) == "/encoded" {
			ctx.Response.Header.Set("Content-Encoding", "br")
			ctx.SetBodyString(strings.Repeat("b", 500))
			return
		}
		if len(ctx.Request.Body()) > 0 {
			ctx.SetBody(ctx.Request.Body())
			return
		}
		ctx.SetBodyString(strings.Repeat("y", 500))
	}}
	go srv.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	return "http://" + ln.Addr().String()
}

func compressGateway(t testing.TB) *Gateway {
	t.Helper()
	methods := mockMethod("below", 99) + mockMethod("equal", 100) + mockMethod("above", 101) + mockMethod("empty", 0) + proxyMethod
	src := fmt.Sprintf(compressTemplate, methods, "Mbelow, Mequal, Mabove, Mempty, MProxy")
	m := benchModel(t, src, map[string]string{"Backend": compressBackend(t)})
	gen, err := Compile(m, Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := NewEmpty(slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.Swap(gen)
	return g
}

type compressCase struct {
	method, uri string
	header      map[string]string
	body        []byte
}

func (c compressCase) serve(g *Gateway) *fasthttp.Response {
	var req fasthttp.Request
	req.Header.DisableNormalizing()
	if c.method != "" {
		req.Header.SetMethod(c.method)
	}
	req.SetRequestURI(c.uri)
	req.Header.SetHost("127.0.0.1:8080")
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	if c.body != nil {
		req.SetBody(c.body)
	}
	var ctx fasthttp.RequestCtx
	serveRequest(g, &ctx, &req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555})
	var resp fasthttp.Response
	ctx.Response.CopyTo(&resp)
	return &resp
}

// plainBody decodes a response body by its Content-Encoding.
func plainBody(t *testing.T, r *fasthttp.Response) []byte {
	t.Helper()
	var zr io.Reader
	var err error
	switch string(r.Header.ContentEncoding()) {
	case "gzip":
		zr, err = gzip.NewReader(bytes.NewReader(r.Body()))
	case "deflate":
		zr, err = zlib.NewReader(bytes.NewReader(r.Body()))
	default:
		return r.Body()
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCompressResponses(t *testing.T) {
	g := compressGateway(t)
	gz := map[string]string{"Accept-Encoding": "gzip"}
	for _, c := range []struct {
		name     string
		call     compressCase
		status   int
		encoding string // Content-Encoding of the answer
		body     string // decoded
	}{
		{"below the threshold", compressCase{uri: "/prod/below", header: gz}, 200, "", strings.Repeat("x", 99)},
		{"equal to it", compressCase{uri: "/prod/equal", header: gz}, 200, "gzip", strings.Repeat("x", 100)},
		{"above it", compressCase{uri: "/prod/above", header: gz}, 200, "gzip", strings.Repeat("x", 101)},
		{"deflate", compressCase{uri: "/prod/above", header: map[string]string{"accept-encoding": "deflate"}}, 200, "deflate", strings.Repeat("x", 101)},
		{"gzip preferred by q", compressCase{uri: "/prod/above", header: map[string]string{"Accept-Encoding": "deflate;q=0.5,gzip;q=1.0"}}, 200, "gzip", strings.Repeat("x", 101)},
		{"q=0", compressCase{uri: "/prod/above", header: map[string]string{"Accept-Encoding": "gzip;q=0"}}, 200, "", strings.Repeat("x", 101)},
		{"no Accept-Encoding", compressCase{uri: "/prod/above"}, 200, "", strings.Repeat("x", 101)},
		{"star", compressCase{uri: "/prod/above", header: map[string]string{"Accept-Encoding": "*"}}, 200, "", strings.Repeat("x", 101)},
		{"br first", compressCase{uri: "/prod/above", header: map[string]string{"Accept-Encoding": "br;q=1,gzip;q=0.9"}}, 200, "", strings.Repeat("x", 101)},
		{"empty body", compressCase{uri: "/prod/empty", header: gz}, 200, "", ""},
		{"HTTP_PROXY", compressCase{uri: "/prod/anything", header: gz}, 200, "gzip", strings.Repeat("y", 500)},
		{"backend's own encoding", compressCase{uri: "/prod/encoded", header: gz}, 200, "br", strings.Repeat("b", 500)},
		{"gateway response", compressCase{uri: "/prod", header: gz}, 403, "", `{"message":"no such route, and this message is long enough to pass the API's MinimumCompressionSize of 100"}`},
		{"API without MinimumCompressionSize", compressCase{uri: "/plain/anything", header: gz}, 200, "", strings.Repeat("y", 500)},
	} {
		r := c.call.serve(g)
		if r.StatusCode() != c.status || string(r.Header.ContentEncoding()) != c.encoding {
			t.Errorf("%s: %d %q, want %d %q", c.name, r.StatusCode(), r.Header.ContentEncoding(), c.status, c.encoding)
			continue
		}
		if got := plainBody(t, r); string(got) != c.body {
			t.Errorf("%s: body %q, want %q", c.name, clipTest(got), clipTest([]byte(c.body)))
		}
	}
}

func clipTest(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "..."
	}
	return string(b)
}

func TestCompressRequests(t *testing.T) {
	g := compressGateway(t)
	plain := []byte(strings.Repeat(`{"type":"dog","price":249.99}`, 10))
	var bomb bytes.Buffer
	w, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	w.Write(make([]byte, MaxBodySize+1))
	w.Close()
	exact := gzipped(t, make([]byte, MaxBodySize))
	for _, c := range []struct {
		name        string
		encoding    string
		body        []byte
		uri         string
		status      int
		body2       []byte // what the backend got (it echoes it), when 200
		errType     string // x-amzn-ErrorType, when not 200
		gotEncoding string // the Content-Encoding the backend received
	}{
		{"gzip", "gzip", gzipped(t, plain), "/prod/echo", 200, plain, "", ""},
		{"deflate", "deflate", zlibbed(t, plain), "/prod/echo", 200, plain, "", ""},
		{"Gzip, any case", " GZip ", gzipped(t, plain), "/prod/echo", 200, plain, "", ""},
		{"identity", "identity", plain, "/prod/echo", 200, plain, "", ""},
		{"API without compression decodes too", "gzip", gzipped(t, plain), "/plain/echo", 200, plain, "", ""},
		{"unsupported coding", "br", plain, "/prod/echo", 415, nil, "UnsupportedMediaTypeException", ""},
		{"two codings", "gzip, gzip", gzipped(t, gzipped(t, plain)), "/prod/echo", 415, nil, "UnsupportedMediaTypeException", ""},
		{"corrupt gzip", "gzip", []byte("\x1f\x8b\x08\x00not really gzip"), "/prod/echo", 415, nil, "UnsupportedMediaTypeException", ""},
		{"not compressed", "deflate", plain, "/prod/echo", 415, nil, "UnsupportedMediaTypeException", ""},
		{"decoded over 10 MB", "gzip", bomb.Bytes(), "/prod/echo", 413, nil, "RequestTooLongException", ""},
		{"decoded exactly 10 MB", "gzip", exact, "/prod/echo", 200, make([]byte, MaxBodySize), "", ""},
		{"before the route", "br", plain, "/prod-nope/echo", 415, nil, "UnsupportedMediaTypeException", ""},
	} {
		r := compressCase{method: "POST", uri: c.uri, header: map[string]string{"Content-Encoding": c.encoding, "Content-Type": "application/json"}, body: c.body}.serve(g)
		if r.StatusCode() != c.status {
			t.Errorf("%s: status %d %s", c.name, r.StatusCode(), clipTest(r.Body()))
			continue
		}
		if c.status != 200 {
			if got := string(r.Header.Peek("x-amzn-ErrorType")); got != c.errType {
				t.Errorf("%s: x-amzn-ErrorType %q, want %q", c.name, got, c.errType)
			}
			continue
		}
		if !bytes.Equal(r.Body(), c.body2) {
			t.Errorf("%s: backend got %q", c.name, clipTest(r.Body()))
		}
		if got := string(r.Header.Peek("X-Got-Encoding")); got != c.gotEncoding {
			t.Errorf("%s: backend got Content-Encoding %q", c.name, got)
		}
	}
	// A body-less request with a Content-Encoding is not decoded (AWS
	// answered a GET with Content-Encoding: deflate and no body).
	r := compressCase{uri: "/prod/echo", header: map[string]string{"Content-Encoding": "deflate"}}.serve(g)
	if r.StatusCode() != 200 {
		t.Errorf("GET with Content-Encoding and no body: %d", r.StatusCode())
	}
}

// BenchmarkCompress compares a MOCK answer of 16 KB of JSON uncompressed,
// gzip and deflate at the level apigw uses, and gzip at the default
// level (6), in the same run.
func BenchmarkCompress(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < 16<<10; i++ {
		fmt.Fprintf(&sb, `{"id":"%08x","name":"item %d","price":%d.%02d,"tags":["t%d","u%d"],"stock":%d,"updated":"2026-11-%02dT%02d:%02d:00Z"},`,
			i*2654435761, i, i*37%1000, i*13%100, i%7, i%11, i*7%50, i%28+1, i%24, i*17%60)
	}
	body := sb.String() + `{}]`
	src := fmt.Sprintf(compressTemplate, strings.Replace(mockMethod("big", 1), "'x'", "'"+body+"'", 1), "Mbig")
	gen, err := Compile(benchModel(b, src, map[string]string{"Backend": "http://127.0.0.1:9"}), Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	if err != nil {
		b.Fatal(err)
	}
	g := NewEmpty(slog.New(slog.NewTextHandler(io.Discard, nil)))
	g.Swap(gen)
	for _, c := range []struct{ name, accept string }{{"identity", ""}, {"gzip", "gzip"}, {"deflate", "deflate"}} {
		b.Run(c.name, func(b *testing.B) {
			var req fasthttp.Request
			req.SetRequestURI("/prod/big")
			req.Header.SetHost("127.0.0.1:8080")
			if c.accept != "" {
				req.Header.Set("Accept-Encoding", c.accept)
			}
			addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5555}
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				serveRequest(g, &ctx, &req, addr)
				if ctx.Response.StatusCode() != 200 {
					b.Fatal(ctx.Response.StatusCode())
				}
				b.ReportMetric(float64(len(ctx.Response.Body())), "out-bytes")
				ctx.Response.Reset()
			}
		})
	}
	b.Run("gzip-level6-raw", func(b *testing.B) {
		src := []byte(body)
		var out []byte
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			out = fasthttp.AppendGzipBytesLevel(out[:0], src, fasthttp.CompressDefaultCompression)
		}
		b.ReportMetric(float64(len(out)), "out-bytes")
	})
	b.Run("gzip-level1-raw", func(b *testing.B) {
		src := []byte(body)
		var out []byte
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			out = fasthttp.AppendGzipBytesLevel(out[:0], src, fasthttp.CompressBestSpeed)
		}
		b.ReportMetric(float64(len(out)), "out-bytes")
	})
}

// BenchmarkCompressRequestPath is the cost of the decompression check for
// a request with a body and no Content-Encoding, the common case (compare
// BenchmarkHTTPProxy), and of decoding a 2 KB gzip body.
func BenchmarkCompressRequestPath(b *testing.B) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.Set("Content-Type", "application/json")
	ctx.Request.Header.Set("User-Agent", "bench")
	ctx.Request.Header.Set("Accept", "*/*")
	plain := []byte(strings.Repeat(`{"type":"dog","price":249.99}`, 70))
	b.Run("no Content-Encoding", func(b *testing.B) {
		b.ReportAllocs()
		ctx.Request.SetBody(plain)
		for b.Loop() {
			if decodeRequestBody(&ctx) != nil {
				b.Fatal("error")
			}
		}
	})
	gz := gzipped(b, plain)
	b.Run("gzip 2 KB", func(b *testing.B) {
		b.ReportAllocs()
		ctx.Request.Header.Set("Content-Encoding", "gzip")
		for b.Loop() {
			ctx.Request.SetBody(gz)
			if decodeRequestBody(&ctx) != nil {
				b.Fatal("error")
			}
		}
	})
}

// FuzzDecodeRequestBody: whatever the body and Content-Encoding, decoding
// leaves the request as it was, replaces it with at most MaxBodySize bytes,
// or answers 415 or 413: never a panic or another error.
func FuzzDecodeRequestBody(f *testing.F) {
	var gz, zl bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"hello":"world"}`))
	w.Close()
	z := zlib.NewWriter(&zl)
	z.Write([]byte(`{"hello":"world"}`))
	z.Close()
	f.Add("gzip", gz.Bytes())
	f.Add("deflate", zl.Bytes())
	f.Add("gzip", gz.Bytes()[:len(gz.Bytes())-3])
	f.Add("identity", []byte("plain"))
	f.Add("br", []byte("x"))
	f.Add("GZIP ", append(gz.Bytes(), 'x'))
	f.Fuzz(func(t *testing.T, coding string, body []byte) {
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.Header.Set("Content-Encoding", coding)
		ctx.Request.SetBody(body)
		e := decodeRequestBody(&ctx)
		if e != nil && e.Type != UnsupportedMediaType && e.Type != RequestTooLarge {
			t.Fatalf("%+v", e)
		}
		if len(ctx.Request.Body()) > MaxBodySize {
			t.Fatalf("decoded to %d bytes", len(ctx.Request.Body()))
		}
	})
}
