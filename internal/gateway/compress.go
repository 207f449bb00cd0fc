package gateway

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"sync"

	"github.com/apigw/apigw/internal/memtrim"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/valyala/fasthttp"
)

// Payload compression for REST APIs, as API Gateway does it (AWS developer
// guide: api-gateway-gzip-compression-decompression and the pages under it).
//
// Requests: a body sent with Content-Encoding gzip, deflate or identity is
// decoded before anything reads it (mapping templates, MOCK's statusCode,
// the Lambda proxy event, HTTP_PROXY's forwarded body). API Gateway does
// this for every API ("By default, API Gateway supports decompression of the
// method request payload"), whatever MinimumCompressionSize says, and early
// ("before your API and stage are identified"). Another coding, or a body
// that is not in the coding it names, is 415 Unsupported Media Type. The
// decoded body is held to the 10 MB payload limit (413 REQUEST_TOO_LARGE),
// so a small bomb cannot grow past it. The Content-Encoding header stays on
// the method request (the Lambda proxy event shows it, as on AWS);
// HTTP_PROXY does not forward it (http.go).
//
// Responses: with the API's MinimumCompressionSize set, an integration
// response is compressed when the request's Accept-Encoding gives gzip or
// deflate the highest priority (negotiate), the response has no
// Content-Encoding of its own and its body, after mapping, has at least
// MinimumCompressionSize bytes. Gateway responses (errors) are left as
// they are: AWS's conditions name the integration response.
//
// Level: fasthttp.CompressBestSpeed (klauspost's level 1). Speed matters on
// the request path: on 16 KB of varied JSON it compresses 1.7 times as fast
// as the default level (6), 49 µs against 85 µs, for 9 per cent more bytes
// (BenchmarkCompress). API Gateway does not document its level.
const compressLevel = fasthttp.CompressBestSpeed

// contentCoding is a content coding API Gateway supports.
type contentCoding uint8

const (
	codingIdentity contentCoding = iota
	codingGzip
	codingDeflate
)

func (cc contentCoding) String() string {
	switch cc {
	case codingGzip:
		return "gzip"
	case codingDeflate:
		return "deflate"
	}
	return "identity"
}

// negotiate picks the coding of a response from the request's
// Accept-Encoding (RFC 9110 §12.5.3, q-values with up to three decimals).
// API Gateway supports gzip, deflate and identity, and compresses only when
// the highest-priority coding is one it supports ("The highest-priority
// content encoding must be one supported by API Gateway"):
//
//   - no header, an empty one, or only "*": identity (AWS: "Without an
//     explicit specification of supported Accept-Encoding header values,
//     API Gateway does not compress the payload");
//   - codings with q=0, and entries that do not parse, are not acceptable;
//   - the highest q wins; among the codings that share it, gzip or deflate
//     is chosen when one of them is there (the first written), unless
//     identity is written before it ("gzip, deflate, br" compresses with
//     gzip; "br;q=1, gzip;q=0.8" does not compress; "deflate, gzip"
//     deflates);
//   - "*" never selects a coding by itself (what it stands for is not
//     explicit).
func negotiate(h []byte) contentCoding {
	best, bestQ := codingIdentity, -1 // the supported coding chosen, its q
	top := -1                         // the highest q of any acceptable entry
	for len(h) > 0 {
		var entry []byte
		if i := bytes.IndexByte(h, ','); i >= 0 {
			entry, h = h[:i], h[i+1:]
		} else {
			entry, h = h, nil
		}
		name, params, _ := bytes.Cut(entry, []byte{';'})
		name = trimOWS(name)
		if len(name) == 0 {
			continue
		}
		q, ok := qvalue(params)
		if !ok || q == 0 {
			continue
		}
		var cc contentCoding
		supported := true
		switch {
		case bytes.EqualFold(name, []byte("gzip")):
			cc = codingGzip
		case bytes.EqualFold(name, []byte("deflate")):
			cc = codingDeflate
		case bytes.EqualFold(name, []byte("identity")):
			cc = codingIdentity
		default:
			supported = false // "*", br, zstd, compress, unknown tokens
		}
		if q > top {
			top = q
		}
		// A coding only replaces the choice with a strictly higher q: the
		// first written wins a tie.
		if supported && q > bestQ {
			best, bestQ = cc, q
		}
	}
	if bestQ < top {
		return codingIdentity // an unsupported coding has the highest priority
	}
	return best
}

// qvalue reads the q parameter of an Accept-Encoding entry, in thousandths:
// 1000 when there is none; ok false when it does not parse (RFC 9110
// §12.4.2: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]). Other parameters are
// ignored.
func qvalue(params []byte) (int, bool) {
	for len(params) > 0 {
		var p []byte
		if i := bytes.IndexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, nil
		}
		k, v, _ := bytes.Cut(p, []byte{'='})
		if k = trimOWS(k); len(k) != 1 || k[0]|0x20 != 'q' {
			continue
		}
		v = trimOWS(v)
		if len(v) == 0 || (v[0] != '0' && v[0] != '1') {
			return 0, false
		}
		q := int(v[0]-'0') * 1000
		if len(v) > 1 {
			if v[1] != '.' || len(v) > 5 {
				return 0, false
			}
			scale := 100
			for _, d := range v[2:] {
				if d < '0' || d > '9' || (q == 1000 && d != '0') {
					return 0, false
				}
				q += int(d-'0') * scale
				scale /= 10
			}
		}
		return q, true
	}
	return 1000, true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

var (
	strAcceptEncoding  = []byte("Accept-Encoding")
	strContentEncoding = []byte("Content-Encoding")
)

// peekFold is the first value of a request header, its name in any case
// (the data plane keeps names as sent), without allocating.
func peekFold(h *fasthttp.RequestHeader, name []byte) []byte {
	for k, v := range h.All() {
		if len(k) == len(name) && bytes.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// compressResponse compresses an integration response for a request that
// accepts it, once the response is final (the end of Handle). min is the
// API's MinimumCompressionSize. An empty body is left alone: there is no
// payload to compress (and 204/304 have none).
func compressResponse(ctx *fasthttp.RequestCtx, min int) {
	resp := &ctx.Response
	body := resp.Body()
	if len(body) == 0 || len(body) < min || len(resp.Header.ContentEncoding()) > 0 {
		return
	}
	cc := negotiate(peekFold(&ctx.Request.Header, strAcceptEncoding))
	if cc == codingIdentity {
		return
	}
	bp := compressBufPool.Get().(*[]byte)
	out := (*bp)[:0]
	if cc == codingGzip {
		out = fasthttp.AppendGzipBytesLevel(out, body, compressLevel)
	} else {
		// HTTP's deflate is the zlib format (RFC 9110 §8.4.1.2), as fasthttp writes it.
		out = fasthttp.AppendDeflateBytesLevel(out, body, compressLevel)
	}
	if len(out) > memtrim.LargeBody {
		resp.SetBodyRaw(out) // handed over, not copied, not pooled
	} else {
		resp.SetBody(out)
		*bp = out[:0]
		compressBufPool.Put(bp)
	}
	resp.Header.SetContentEncoding(cc.String())
}

var compressBufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Request decoding errors, allocated once. A coding API Gateway does not
// support and a body that is not in its coding are both 415 (AWS:
// api-gateway-make-request-with-compressed-payload). The decoded body
// over the payload limit is 413 REQUEST_TOO_LARGE: AWS documents no answer
// for it.
var (
	errBadContentEncoding = &Error{Type: UnsupportedMediaType}
	errDecodedTooLarge    = &Error{Type: RequestTooLarge}
)

// errTooLarge is a decoded body over the limit.
var errTooLarge = errors.New("decoded body over the payload limit")

// decodeRequestBody replaces a request body sent with a Content-Encoding by
// its decoded bytes. A request without a body, or without the header,
// costs a length check and a header lookup.
func decodeRequestBody(ctx *fasthttp.RequestCtx) *Error {
	req := &ctx.Request
	body := req.Body()
	if len(body) == 0 {
		return nil
	}
	ce := peekFold(&req.Header, strContentEncoding)
	if ce == nil {
		return nil
	}
	var cc contentCoding
	switch ce = trimOWS(ce); {
	case bytes.EqualFold(ce, []byte("gzip")):
		cc = codingGzip
	case bytes.EqualFold(ce, []byte("deflate")):
		cc = codingDeflate
	case bytes.EqualFold(ce, []byte("identity")), len(ce) == 0:
		return nil
	default:
		return errBadContentEncoding
	}
	bp := compressBufPool.Get().(*[]byte)
	out, err := decode((*bp)[:0], body, cc, MaxBodySize)
	switch {
	case errors.Is(err, errTooLarge):
		return errDecodedTooLarge
	case err != nil:
		return &Error{Type: UnsupportedMediaType, Cause: err}
	}
	if len(out) > memtrim.LargeBody {
		req.SetBodyRaw(out) // handed over; dropLargeBodies keeps it out of the pools
	} else {
		req.SetBody(out)
		*bp = out[:0]
		compressBufPool.Put(bp)
	}
	return nil
}

// decoder is a pooled reader for one coding, with the source it reads.
type decoder struct {
	src  bytes.Reader
	gz   *gzip.Reader
	zl   io.ReadCloser
	read io.Reader
}

var decoderPool sync.Pool

// decode appends the decoded src to dst and fails with errTooLarge when it
// would pass limit bytes: it never holds more than limit+1 of them. A
// truncated or corrupt stream, or bytes after it, is an error.
func decode(dst, src []byte, cc contentCoding, limit int) ([]byte, error) {
	d, _ := decoderPool.Get().(*decoder)
	if d == nil {
		d = &decoder{}
	}
	defer decoderPool.Put(d)
	d.src.Reset(src)
	var err error
	switch cc {
	case codingGzip:
		if d.gz == nil {
			d.gz, err = gzip.NewReader(&d.src)
		} else {
			err = d.gz.Reset(&d.src)
		}
		d.read = d.gz
		// The trailer's ISIZE is the decoded size (mod 2^32) of the last
		// member: a hint for the buffer, never more than the limit nor
		// than deflate's largest ratio (1032:1) allows, so a lying trailer
		// on a small body cannot make it allocate much.
		if err == nil && len(src) >= 18 {
			if n := int(binary.LittleEndian.Uint32(src[len(src)-4:])); n > cap(dst)-len(dst) && n <= limit && n <= 1032*len(src) {
				dst = append(make([]byte, 0, len(dst)+n+1), dst...)
			}
		}
	case codingDeflate:
		if d.zl == nil {
			d.zl, err = zlib.NewReader(&d.src)
		} else {
			err = d.zl.(zlib.Resetter).Reset(&d.src, nil)
		}
		d.read = d.zl
	}
	if err != nil {
		return dst, err
	}
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			n := 2 * cap(dst)
			if n < 4096 {
				n = 4096
			}
			if n > start+limit+1 {
				n = start + limit + 1
			}
			grown := make([]byte, len(dst), n)
			copy(grown, dst)
			dst = grown
		}
		n, rerr := d.read.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return dst, errTooLarge
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return dst, rerr
		}
	}
	if cc == codingDeflate && d.src.Len() > 0 {
		return dst, errors.New("zlib: data after the stream")
	}
	return dst, nil
}
