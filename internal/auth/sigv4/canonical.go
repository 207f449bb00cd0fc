package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"sync"
)

// The canonical request (SigV4, services other than S3), as the AWS SDK for
// Go v2 signer builds it:
//
//	METHOD \n
//	canonical URI: the path as sent, URI-encoded once more (so "%20" becomes
//	  "%2520" and "@" becomes "%40"; "/" and A-Z a-z 0-9 - _ . ~ stay), "/" when
//	  empty; no dot-segment or slash normalisation \n
//	canonical query: every name and value decoded ("+" is a space) and
//	  re-encoded with only A-Z a-z 0-9 - _ . ~ left as they are (space = %20,
//	  upper-case hex), pairs sorted by encoded name then encoded value, joined
//	  by "&" (X-Amz-Signature left out for presigned requests) \n
//	canonical headers: "name:values\n" for each signed header, in the order of
//	  SignedHeaders, values trimmed with runs of spaces made one and several
//	  values joined by "," \n
//	SignedHeaders \n
//	payload hash (hex SHA-256 of the body, or UNSIGNED-PAYLOAD)

const upperHex = "0123456789ABCDEF"

var unreserved = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func appendEscaped(dst []byte, c byte) []byte {
	if unreserved[c] {
		return append(dst, c)
	}
	return append(dst, '%', upperHex[c>>4], upperHex[c&15])
}

// appendCanonicalPath appends the canonical URI of a raw path.
func appendCanonicalPath(dst []byte, path string) []byte {
	if path == "" {
		return append(dst, '/')
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c == '/' {
			dst = append(dst, c)
		} else {
			dst = appendEscaped(dst, c)
		}
	}
	return dst
}

// appendQueryComponent decodes one raw query name or value ("+" is a space;
// an escape that is not %XX stays as it is) and appends its SigV4 encoding.
func appendQueryComponent(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 < len(s) {
				if hi, ok := unhex(s[i+1]); ok {
					if lo, ok := unhex(s[i+2]); ok {
						c = hi<<4 | lo
						i += 2
					}
				}
			}
		}
		dst = appendEscaped(dst, c)
	}
	return dst
}

// decodeQueryComponent decodes one raw query name or value like
// appendQueryComponent; it allocates only when s holds an escape or a "+".
func decodeQueryComponent(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 < len(s) {
				if hi, ok := unhex(s[i+1]); ok {
					if lo, ok := unhex(s[i+2]); ok {
						c = hi<<4 | lo
						i += 2
					}
				}
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// queryParams scans a raw query: fn gets each pair's raw name and value (a
// pair without "=" has an empty value; empty pairs are skipped) and stops the
// scan by returning false.
func queryParams(raw string, fn func(name, value string) bool) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		if !fn(name, value) {
			return
		}
	}
}

// queryGet returns the decoded value of the first pair whose decoded name is
// name.
func queryGet(raw, name string) (value string, ok bool) {
	queryParams(raw, func(n, v string) bool {
		if n == name || strings.ContainsAny(n, "%+") && decodeQueryComponent(n) == name {
			value, ok = decodeQueryComponent(v), true
			return false
		}
		return true
	})
	return value, ok
}

// appendTrimmedValue appends a header value trimmed of leading and trailing
// whitespace, with each run of spaces inside made one space.
func appendTrimmedValue(dst []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		dst = append(dst, c)
	}
	return dst
}

type queryPair struct{ k0, k1, v0, v1 int }

// scratch is the per-call working memory of Verify, pooled so that a
// verified request allocates nothing.
type scratch struct {
	canon   []byte // the canonical request
	sts     []byte // the string to sign
	enc     []byte // encoded query names and values
	pairs   []queryPair
	vals    []string
	h       hash.Hash
	sum     [sha256.Size]byte
	hexSum  [2 * sha256.Size]byte
	block   [sha256.BlockSize]byte
	sig     [2 * sha256.Size]byte
	payload [2 * sha256.Size]byte
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		canon: make([]byte, 0, 1024),
		sts:   make([]byte, 0, 256),
		enc:   make([]byte, 0, 256),
		pairs: make([]queryPair, 0, 16),
		vals:  make([]string, 0, 4),
		h:     sha256.New(),
	}
}}

// maxPooledBuffer keeps buffers grown by unusual requests out of the pool.
const maxPooledBuffer = 64 << 10

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.canon) > maxPooledBuffer || cap(s.enc) > maxPooledBuffer || cap(s.pairs) > 4096 || cap(s.vals) > 1024 {
		return
	}
	clear(s.vals[:cap(s.vals)]) // drop references to request memory
	s.vals = s.vals[:0]
	scratchPool.Put(s)
}

// header returns the values of a header (lower-case name), in s.vals.
func (s *scratch) header(r *Request, name string) []string {
	if r.Header == nil {
		return nil
	}
	s.vals = r.Header(s.vals[:0], name)
	return s.vals
}

func (s *scratch) firstHeader(r *Request, name string) (string, bool) {
	vs := s.header(r, name)
	if len(vs) == 0 {
		return "", false
	}
	return vs[0], true
}

// appendCanonicalQuery appends the canonical query string of raw.
func (s *scratch) appendCanonicalQuery(dst []byte, raw string, presigned bool) []byte {
	s.enc, s.pairs = s.enc[:0], s.pairs[:0]
	queryParams(raw, func(name, value string) bool {
		k0 := len(s.enc)
		s.enc = appendQueryComponent(s.enc, name)
		k1 := len(s.enc)
		if presigned && string(s.enc[k0:k1]) == "X-Amz-Signature" {
			s.enc = s.enc[:k0]
			return true
		}
		s.enc = appendQueryComponent(s.enc, value)
		s.pairs = append(s.pairs, queryPair{k0, k1, k1, len(s.enc)})
		return true
	})
	enc := s.enc
	slices.SortFunc(s.pairs, func(a, b queryPair) int {
		if c := bytes.Compare(enc[a.k0:a.k1], enc[b.k0:b.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[a.v0:a.v1], enc[b.v0:b.v1])
	})
	for i, p := range s.pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, enc[p.k0:p.k1]...)
		dst = append(dst, '=')
		dst = append(dst, enc[p.v0:p.v1]...)
	}
	return dst
}

// canonicalRequest builds the canonical request of r into s.canon.
func (s *scratch) canonicalRequest(r *Request, signedHeaders string, payloadHash []byte, presigned bool) {
	b := append(s.canon[:0], r.Method...)
	b = append(b, '\n')
	b = appendCanonicalPath(b, r.Path)
	b = append(b, '\n')
	b = s.appendCanonicalQuery(b, r.RawQuery, presigned)
	b = append(b, '\n')
	for rest := signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		b = append(b, name...)
		b = append(b, ':')
		var vals []string
		if r.Host != "" && strings.EqualFold(name, "host") {
			s.vals = append(s.vals[:0], r.Host)
			vals = s.vals
		} else {
			vals = s.header(r, strings.ToLower(name))
		}
		for i, v := range vals {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTrimmedValue(b, v)
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signedHeaders...)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	s.canon = b
}

// stringToSign builds the string to sign into s.sts from s.canon.
func (s *scratch) stringToSign(date, scope string) {
	s.h.Reset()
	s.h.Write(s.canon)
	s.h.Sum(s.sum[:0])
	hex.Encode(s.hexSum[:], s.sum[:])
	b := append(s.sts[:0], algorithm...)
	b = append(b, '\n')
	b = append(b, date...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	b = append(b, s.hexSum[:]...)
	s.sts = b
}

// signature computes hex(HMAC-SHA256(key, s.sts)) into s.hexSum.
func (s *scratch) signature(key *[sha256.Size]byte) {
	// HMAC with a 32-byte key: H((K^opad) || H((K^ipad) || m)).
	for i := range s.block {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		s.block[i] = k ^ 0x36
	}
	s.h.Reset()
	s.h.Write(s.block[:])
	s.h.Write(s.sts)
	s.h.Sum(s.sum[:0])
	for i := range s.block {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		s.block[i] = k ^ 0x5c
	}
	s.h.Reset()
	s.h.Write(s.block[:])
	s.h.Write(s.sum[:])
	s.h.Sum(s.sum[:0])
	hex.Encode(s.hexSum[:], s.sum[:])
}

// payloadHash returns the hex SHA-256 of body, in s.payload.
func (s *scratch) payloadHash(body []byte) []byte {
	s.h.Reset()
	s.h.Write(body)
	s.h.Sum(s.sum[:0])
	hex.Encode(s.payload[:], s.sum[:])
	return s.payload[:]
}
