package lambdaproxy

import "strings"

// appendQuery writes the "queryStringParameters" and
// "multiValueQueryStringParameters" members for a raw query string.
//
// Rules (AWS-recorded, aws-reference §1): keys and values are
// percent-decoded and '+' becomes a space; a repeated key keeps its last
// value in queryStringParameters and all values, in order, in
// multiValueQueryStringParameters; a key without '=' has the value "";
// anything from '#' on is a fragment and dropped; no parameters -> null.
//
// Decisions where AWS is silent: keys are grouped exactly (case-sensitive)
// in order of first appearance; empty segments ("a=1&&b=2") and pairs with
// an empty key ("=x") are skipped; a '%' that does not start a valid %XX
// escape is kept as written (as WHATWG URL parsing does) and the rest of
// the text is still decoded; bytes that do not form UTF-8 after decoding
// become U+FFFD.
func appendQuery(dst []byte, raw string) []byte {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	var pairBuf [32]KV
	pairs := parseQuery(pairBuf[:0], raw)
	if len(pairs) == 0 {
		return append(dst, `"queryStringParameters":null,"multiValueQueryStringParameters":null`...)
	}
	var gb groupBuf
	g := gb.group(len(pairs), func(i int) string { return pairs[i].Key }, false)

	dst = append(dst, `"queryStringParameters":{`...)
	for n := range g.first {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, pairs[g.first[n]].Key)
		dst = append(dst, ':')
		dst = appendString(dst, pairs[g.last[n]].Value)
	}
	dst = append(dst, `},"multiValueQueryStringParameters":{`...)
	for n := range g.first {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, pairs[g.first[n]].Key)
		dst = append(dst, ':', '[')
		for k := g.first[n]; k <= g.last[n]; k++ {
			if g.of[k] != int32(n) {
				continue
			}
			if k != g.first[n] {
				dst = append(dst, ',')
			}
			dst = appendString(dst, pairs[k].Value)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// parseQuery appends the decoded key/value pairs of raw to dst.
func parseQuery(dst []KV, raw string) []KV {
	for raw != "" {
		var seg string
		if i := strings.IndexByte(raw, '&'); i >= 0 {
			seg, raw = raw[:i], raw[i+1:]
		} else {
			seg, raw = raw, ""
		}
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		if k == "" {
			continue
		}
		key := decodeQueryComponent(k)
		if key == "" {
			continue
		}
		dst = append(dst, KV{Key: key, Value: decodeQueryComponent(v)})
	}
	return dst
}

// decodeQueryComponent percent-decodes s and turns '+' into a space. An
// invalid escape is kept literally. The result is valid UTF-8.
func decodeQueryComponent(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return sanitizeUTF8(s)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
				b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
				i += 2
			} else {
				b = append(b, '%')
			}
		default:
			b = append(b, c)
		}
	}
	return sanitizeUTF8(string(b))
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// ParseQuery returns the decoded key/value pairs of a raw query string,
// as API Gateway reads them into queryStringParameters.
func ParseQuery(raw string) []KV { return parseQuery(nil, raw) }
