package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ErrMalformed is wrapped by every ParseResponse error for which API Gateway
// answers 502 {"message": "Internal server error"} (REST logs it as
// "Malformed Lambda proxy response").
var ErrMalformed = errors.New("lambdaproxy: malformed Lambda proxy response")

// ErrBase64 is returned (as is) by ParseResponse when the result says
// isBase64Encoded, the body is to be decoded, and it is not valid base64.
// API Gateway answers 500 (an API configuration error) here, not 502.
var ErrBase64 = errors.New("lambdaproxy: isBase64Encoded is true but the body is not valid base64")

// Response is a function result as API Gateway returns it to the client.
type Response struct {
	StatusCode int
	// Headers are the final response headers in order: each
	// multiValueHeaders name (its casing) with its values, one header line
	// per value, then the headers entries. A headers entry whose name (case-
	// insensitively) is also in multiValueHeaders joins that name's values
	// into ONE line "v-multi..., v-solo" named as in multiValueHeaders,
	// unless its value is already among them (then it is dropped: AWS
	// documents that a pair given in both appears once) or the name is
	// Set-Cookie (kept as its own line; joining cookies breaks them).
	// Content-Type: application/json is appended when the function set no
	// Content-Type.
	Headers []Header
	// Body is the body to send: the body string, base64-decoded when
	// isBase64Encoded is true and decodeBase64 was true.
	Body []byte
}

// ParseResponse reads a function's result as API Gateway does for REST proxy
// integrations. decodeBase64 is true when the request's first Accept media
// type matches the API's binaryMediaTypes. Any error means API Gateway
// would answer 502 {"message": "Internal server error"} (errors.Is(err,
// ErrMalformed)), except ErrBase64, for which it answers 500. The error
// text says why, for logs.
//
// Rules (AWS-recorded, aws-reference §3.2): the result must be a JSON
// object whose keys are among statusCode, body, headers, multiValueHeaders
// and isBase64Encoded (any other key, "cookies" included, is a 502: that
// is what REST answers for an unknown key; cookies belongs to HTTP APIs'
// payload 2.0); a missing statusCode means 200 and a numeric string is
// accepted; headers may be null and header values may be strings, numbers
// or booleans; multiValueHeaders values must be lists; with
// isBase64Encoded and decodeBase64 false the base64 text is the body.
//
// Decisions where AWS is silent: a null statusCode, body, isBase64Encoded,
// headers value, multiValueHeaders value or list element counts as absent;
// a number header value is sent as written in the JSON; statusCode may be
// a JSON number with an integral value (201, 201.0, 2.01e2) or a string of
// decimal digits (surrounding spaces allowed) and must be in 100-599; a
// non-string body is an error; duplicate keys: the last one wins (in the
// position of the first); header names must be HTTP tokens and values must
// not contain control characters other than tab; invalid UTF-8 inside JSON
// strings becomes U+FFFD; base64 is the standard alphabet, padding
// optional, line breaks ignored.
func ParseResponse(data []byte, decodeBase64 bool) (*Response, error) {
	return parseResponse(data, decodeBase64, true)
}

// parseResponse is ParseResponse; defaultType false leaves out the
// Content-Type: application/json that REST adds (WebSocket routes have no
// HTTP response to put it on).
func parseResponse(data []byte, decodeBase64, defaultType bool) (*Response, error) {
	p := reader{data: data}
	var (
		status    = 200
		body      []byte
		bodyAlias bool // body is a sub-slice of data, not yet copied
		isBase64  bool
		headers   []entry
		multi     []multiEntry
	)
	p.skipWS()
	if p.pos >= len(p.data) {
		return nil, malformed("empty result")
	}
	if p.data[p.pos] != '{' {
		return nil, malformed("result is not a JSON object")
	}
	p.pos++
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
	} else {
		for {
			p.skipWS()
			key, err := p.readString()
			if err != nil {
				return nil, err
			}
			p.skipWS()
			if p.peek() != ':' {
				return nil, p.syntax("expected ':' after object key")
			}
			p.pos++
			p.skipWS()
			switch string(key) {
			case "statusCode":
				if status, err = p.readStatus(); err != nil {
					return nil, err
				}
			case "body":
				if body, bodyAlias, err = p.readBody(); err != nil {
					return nil, err
				}
			case "isBase64Encoded":
				if isBase64, err = p.readBool(); err != nil {
					return nil, err
				}
			case "headers":
				if headers, err = p.readHeaders(); err != nil {
					return nil, err
				}
			case "multiValueHeaders":
				if multi, err = p.readMultiHeaders(); err != nil {
					return nil, err
				}
			default:
				return nil, malformed("unknown key %q in result (allowed: statusCode, body, headers, multiValueHeaders, isBase64Encoded)", key)
			}
			p.skipWS()
			if c := p.peek(); c == ',' {
				p.pos++
				continue
			} else if c == '}' {
				p.pos++
				break
			}
			return nil, p.syntax("expected ',' or '}' in object")
		}
	}
	p.skipWS()
	if p.pos != len(p.data) {
		return nil, p.syntax("data after the result object")
	}

	resp := &Response{StatusCode: status, Body: body}
	switch {
	case isBase64 && decodeBase64:
		dec, err := decodeBase64Body(body)
		if err != nil {
			return nil, ErrBase64
		}
		resp.Body = dec
	case bodyAlias:
		resp.Body = append(make([]byte, 0, len(body)), body...)
	}
	resp.Headers = mergeHeaders(headers, multi, defaultType)
	return resp, nil
}

// entry is one headers member; null values are dropped when read.
type entry struct{ name, value string }

// multiEntry is one multiValueHeaders member.
type multiEntry struct {
	name   string
	values []string
	solos  []string // headers values joined into this name's line
}

// mergeHeaders builds the final header list (see Response.Headers). Names
// are HTTP tokens by now, so ASCII case folding is exact.
func mergeHeaders(headers []entry, multi []multiEntry, defaultType bool) []Header {
	n := len(headers) + 1
	for i := range multi {
		n += len(multi[i].values)
	}
	out := make([]Header, 0, n)
	var consumedBuf [32]bool
	consumed := consumedBuf[:0]
	if len(headers) > len(consumedBuf) {
		consumed = make([]bool, len(headers))
	} else {
		consumed = consumed[:len(headers)]
	}
	if len(multi) > 0 {
		var index map[string]int // lower-cased name -> first multi entry
		if len(multi) > linearGroupMax && len(headers) > 0 {
			index = make(map[string]int, len(multi))
			for i := range multi {
				k := asciiLower(multi[i].name)
				if _, dup := index[k]; !dup {
					index[k] = i
				}
			}
		}
		for i, h := range headers {
			var m *multiEntry
			if index != nil {
				if j, ok := index[asciiLower(h.name)]; ok {
					m = &multi[j]
				}
			} else {
				m = findMulti(multi, h.name)
			}
			if m == nil {
				continue
			}
			consumed[i] = true
			if contains(m.values, h.value) || contains(m.solos, h.value) {
				continue
			}
			if asciiEqualFold(h.name, "set-cookie") {
				m.values = append(m.values, h.value)
				continue
			}
			m.solos = append(m.solos, h.value)
		}
	}
	for i := range multi {
		m := &multi[i]
		if len(m.solos) == 0 {
			for _, v := range m.values {
				out = append(out, Header{Name: m.name, Value: v})
			}
			continue
		}
		var b strings.Builder
		for _, v := range m.values {
			b.WriteString(v)
			b.WriteString(", ")
		}
		for j, v := range m.solos {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v)
		}
		out = append(out, Header{Name: m.name, Value: b.String()})
	}
	for i, h := range headers {
		if !consumed[i] {
			out = append(out, Header{Name: h.name, Value: h.value})
		}
	}
	if !defaultType {
		return out
	}
	for _, h := range out {
		if asciiEqualFold(h.Name, "content-type") {
			return out
		}
	}
	return append(out, Header{Name: "Content-Type", Value: "application/json"})
}

func findMulti(multi []multiEntry, name string) *multiEntry {
	for i := range multi {
		if asciiEqualFold(multi[i].name, name) {
			return &multi[i]
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func decodeBase64Body(b []byte) ([]byte, error) {
	// RawStdEncoding.DecodedLen(n) >= StdEncoding.DecodedLen(n): room for both.
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		if bytes.IndexByte(b, '=') >= 0 {
			return nil, err
		}
		if n, err = base64.RawStdEncoding.Decode(out, b); err != nil {
			return nil, err
		}
	}
	return out[:n], nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// ---- a small JSON reader for exactly this shape ----

type reader struct {
	data []byte
	pos  int
}

func (p *reader) syntax(msg string) error {
	return malformed("invalid JSON at offset %d: %s", p.pos, msg)
}

func (p *reader) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

func (p *reader) skipWS() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// literal consumes lit (true, false or null) at the current position.
func (p *reader) literal(lit string) error {
	if len(p.data)-p.pos < len(lit) || string(p.data[p.pos:p.pos+len(lit)]) != lit {
		return p.syntax("invalid literal")
	}
	p.pos += len(lit)
	return nil
}

// readNumber consumes a JSON number and returns its text.
func (p *reader) readNumber() ([]byte, error) {
	start := p.pos
	d := p.data
	i := p.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	default:
		p.pos = i
		return nil, p.syntax("invalid number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || !isDigit(d[i]) {
			p.pos = i
			return nil, p.syntax("invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || !isDigit(d[i]) {
			p.pos = i
			return nil, p.syntax("invalid number")
		}
		for i < len(d) && isDigit(d[i]) {
			i++
		}
	}
	p.pos = i
	return d[start:i], nil
}

// scanString finds the end of the JSON string at p.pos (which must be a
// quote). It returns the raw text between the quotes and whether that text
// is already the decoded value (no escapes, no invalid UTF-8), and leaves
// p.pos after the closing quote.
func (p *reader) scanString() (raw []byte, simple bool, err error) {
	if p.peek() != '"' {
		return nil, false, p.syntax("expected a string")
	}
	d := p.data
	start := p.pos + 1
	i := start
	simple = true
	for {
		for i+8 <= len(d) && !needsEscape8(load64b(d, i)) {
			i += 8
		}
		if i >= len(d) {
			p.pos = i
			return nil, false, p.syntax("unterminated string")
		}
		switch c := d[i]; {
		case c == '"':
			p.pos = i + 1
			return d[start:i], simple, nil
		case c == '\\':
			simple = false
			i += 2 // the escape is checked when decoding
		case c < 0x20:
			p.pos = i
			return nil, false, p.syntax("control character in string")
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				simple = false
			}
			i += size
		}
	}
}

// readString consumes a JSON string and returns its decoded value. When
// the text needs no decoding the result aliases p.data. Invalid UTF-8 and
// unpaired surrogate escapes become U+FFFD, as encoding/json does.
func (p *reader) readString() ([]byte, error) {
	raw, simple, err := p.scanString()
	if err != nil || simple {
		return raw, err
	}
	return decodeString(raw)
}

// decodeString decodes the text of a JSON string that scanString accepted.
func decodeString(raw []byte) ([]byte, error) {
	q := reader{data: raw}
	dst := make([]byte, 0, len(raw))
	start := 0
	for q.pos < len(raw) {
		for q.pos+8 <= len(raw) && !needsEscape8(load64b(raw, q.pos)) {
			q.pos += 8
		}
		if q.pos >= len(raw) {
			break
		}
		c := raw[q.pos]
		switch {
		case c == '\\':
			dst = append(dst, raw[start:q.pos]...)
			var err error
			if dst, err = q.readEscape(dst); err != nil {
				return nil, err
			}
			start = q.pos
		case c < utf8.RuneSelf:
			q.pos++
		default:
			r, size := utf8.DecodeRune(raw[q.pos:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, raw[start:q.pos]...)
				dst = append(dst, "\uFFFD"...)
				q.pos++
				start = q.pos
				continue
			}
			q.pos += size
		}
	}
	return append(dst, raw[start:]...), nil
}

// load64b is load64 for a byte slice.
func load64b(b []byte, i int) uint64 {
	b = b[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// readEscape decodes the escape sequence at p.pos (which is a backslash).
func (p *reader) readEscape(dst []byte) ([]byte, error) {
	d := p.data
	if p.pos+1 >= len(d) {
		return nil, p.syntax("unterminated string")
	}
	c := d[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return append(dst, c), nil
	case 'b':
		return append(dst, '\b'), nil
	case 'f':
		return append(dst, '\f'), nil
	case 'n':
		return append(dst, '\n'), nil
	case 'r':
		return append(dst, '\r'), nil
	case 't':
		return append(dst, '\t'), nil
	case 'u':
		r := p.hex4(p.pos)
		if r < 0 {
			return nil, p.syntax("invalid \\u escape")
		}
		p.pos += 4
		if utf16.IsSurrogate(r) {
			if p.pos+6 <= len(d) && d[p.pos] == '\\' && d[p.pos+1] == 'u' {
				if r2 := p.hex4(p.pos + 2); r2 >= 0 {
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						p.pos += 6
						return utf8.AppendRune(dst, dec), nil
					}
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(dst, r), nil
	}
	p.pos--
	return nil, p.syntax("invalid escape character")
}

// hex4 decodes the four hex digits at data[i:], or returns -1.
func (p *reader) hex4(i int) rune {
	if i+4 > len(p.data) {
		return -1
	}
	var r rune
	for _, c := range p.data[i : i+4] {
		if !isHex(c) {
			return -1
		}
		r = r<<4 | rune(unhex(c))
	}
	return r
}

func (p *reader) readStatus() (int, error) {
	switch c := p.peek(); {
	case c == 'n':
		return 200, p.literal("null")
	case c == '"':
		s, err := p.readString()
		if err != nil {
			return 0, err
		}
		t := strings.TrimSpace(string(s))
		if t == "" || len(t) > 9 {
			return 0, malformed("statusCode %q is not a number", s)
		}
		for i := 0; i < len(t); i++ {
			if !isDigit(t[i]) {
				return 0, malformed("statusCode %q is not a number", s)
			}
		}
		code, _ := strconv.Atoi(t)
		return checkStatus(code)
	case c == '-' || isDigit(c):
		num, err := p.readNumber()
		if err != nil {
			return 0, err
		}
		if !bytes.ContainsAny(num, ".eE") {
			code, err := strconv.Atoi(string(num))
			if err != nil {
				return 0, malformed("statusCode %s is out of range", num)
			}
			return checkStatus(code)
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || f != math.Trunc(f) || f < 0 || f > 1e6 {
			return 0, malformed("statusCode %s is not an integer status", num)
		}
		return checkStatus(int(f))
	default:
		return 0, malformed("statusCode must be a number or a numeric string")
	}
}

func checkStatus(code int) (int, error) {
	if code < 100 || code > 599 {
		return 0, malformed("statusCode %d is outside 100-599", code)
	}
	return code, nil
}

// readBody reads the body member: a string or null. alias reports that
// the result is a sub-slice of p.data (the text needed no decoding).
func (p *reader) readBody() (body []byte, alias bool, err error) {
	switch p.peek() {
	case 'n':
		return nil, false, p.literal("null")
	case '"':
		raw, simple, err := p.scanString()
		if err != nil {
			return nil, false, err
		}
		if simple {
			return raw, true, nil
		}
		body, err = decodeString(raw)
		return body, false, err
	}
	if _, err := p.skipScalarOrFail(); err != nil {
		return nil, false, err
	}
	return nil, false, malformed("body must be a string")
}

// skipScalarOrFail reports JSON syntax errors for a value that is about to
// be rejected for its type, so that invalid JSON is always reported as such.
func (p *reader) skipScalarOrFail() (bool, error) {
	switch c := p.peek(); {
	case c == '{' || c == '[':
		return false, nil
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return true, p.literal("false")
	case c == 'n':
		return true, p.literal("null")
	case c == '"':
		_, _, err := p.scanString()
		return true, err
	case c == '-' || isDigit(c):
		_, err := p.readNumber()
		return true, err
	}
	return false, p.syntax("expected a value")
}

func (p *reader) readBool() (bool, error) {
	switch p.peek() {
	case 't':
		return true, p.literal("true")
	case 'f':
		return false, p.literal("false")
	case 'n':
		return false, p.literal("null")
	}
	if _, err := p.skipScalarOrFail(); err != nil {
		return false, err
	}
	return false, malformed("isBase64Encoded must be a boolean")
}

// readHeaderValue reads a header value: a string, number or boolean.
// null reports ok == false.
func (p *reader) readHeaderValue(what string) (v string, ok bool, err error) {
	switch c := p.peek(); {
	case c == '"':
		b, err := p.readString()
		if err != nil {
			return "", false, err
		}
		return string(b), true, nil
	case c == 't':
		return "true", true, p.literal("true")
	case c == 'f':
		return "false", true, p.literal("false")
	case c == 'n':
		return "", false, p.literal("null")
	case c == '-' || isDigit(c):
		num, err := p.readNumber()
		return string(num), true, err
	case c == '{' || c == '[':
		return "", false, malformed("%s must be a string, number or boolean", what)
	}
	return "", false, p.syntax("expected a value")
}

// readObject calls member for each member of a JSON object at p.pos, or
// returns (false, nil) for null.
func (p *reader) readObject(what string, member func(name string) error) (bool, error) {
	switch p.peek() {
	case 'n':
		return false, p.literal("null")
	case '{':
	default:
		if _, err := p.skipScalarOrFail(); err != nil {
			return false, err
		}
		return false, malformed("%s must be an object", what)
	}
	p.pos++
	p.skipWS()
	if p.peek() == '}' {
		p.pos++
		return true, nil
	}
	for {
		p.skipWS()
		nb, err := p.readString()
		if err != nil {
			return false, err
		}
		p.skipWS()
		if p.peek() != ':' {
			return false, p.syntax("expected ':' after object key")
		}
		p.pos++
		p.skipWS()
		if err := member(string(nb)); err != nil {
			return false, err
		}
		p.skipWS()
		switch p.peek() {
		case ',':
			p.pos++
			continue
		case '}':
			p.pos++
			return true, nil
		}
		return false, p.syntax("expected ',' or '}' in object")
	}
}

func (p *reader) readHeaders() ([]entry, error) {
	list := make([]entry, 0, 8)
	var index map[string]int
	_, err := p.readObject("headers", func(name string) error {
		v, ok, err := p.readHeaderValue("headers values")
		if err != nil {
			return err
		}
		i := lookup(len(list), func(i int) string { return list[i].name }, name, &index)
		if !ok {
			if i >= 0 { // a later null removes an earlier value
				list[i].value, list[i].name = "", ""
			}
			return nil
		}
		if err := checkHeader(name, v); err != nil {
			return err
		}
		if i >= 0 {
			list[i].value = v
			return nil
		}
		list = append(list, entry{name: name, value: v})
		if index != nil {
			index[name] = len(list) - 1
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// drop entries removed by a later null
	out := list[:0]
	for _, e := range list {
		if e.name != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

func (p *reader) readMultiHeaders() ([]multiEntry, error) {
	list := []multiEntry{}
	var index map[string]int
	present, err := p.readObject("multiValueHeaders", func(name string) error {
		var values []string
		isNull := false
		switch p.peek() {
		case 'n':
			if err := p.literal("null"); err != nil {
				return err
			}
			isNull = true
		case '[':
			p.pos++
			p.skipWS()
			if p.peek() == ']' {
				p.pos++
				break
			}
			for {
				p.skipWS()
				v, ok, err := p.readHeaderValue("multiValueHeaders list elements")
				if err != nil {
					return err
				}
				if ok {
					if err := checkHeader(name, v); err != nil {
						return err
					}
					values = append(values, v)
				}
				p.skipWS()
				if c := p.peek(); c == ',' {
					p.pos++
					continue
				} else if c == ']' {
					p.pos++
					break
				}
				return p.syntax("expected ',' or ']' in list")
			}
		default:
			if _, err := p.skipScalarOrFail(); err != nil {
				return err
			}
			return malformed("multiValueHeaders value for %q must be a list", name)
		}
		i := lookup(len(list), func(i int) string { return list[i].name }, name, &index)
		if isNull {
			if i >= 0 {
				list[i].name = ""
			}
			return nil
		}
		if i >= 0 {
			list[i].values = values
			return nil
		}
		list = append(list, multiEntry{name: name, values: values})
		if index != nil {
			index[name] = len(list) - 1
		}
		return nil
	})
	if err != nil || !present {
		return nil, err
	}
	out := list[:0]
	for _, e := range list {
		if e.name != "" {
			out = append(out, e)
		}
	}
	return out, nil
}

// lookup finds name among the n names seen so far (exact match): pairwise
// while n is small, then through an index map that it builds once.
func lookup(n int, nameAt func(int) string, name string, index *map[string]int) int {
	if *index == nil {
		for i := 0; i < n; i++ {
			if nameAt(i) == name {
				return i
			}
		}
		if n >= linearGroupMax {
			m := make(map[string]int, 2*n)
			for i := 0; i < n; i++ {
				if k := nameAt(i); k != "" {
					if _, dup := m[k]; !dup {
						m[k] = i
					}
				}
			}
			*index = m
		}
		return -1
	}
	if i, ok := (*index)[name]; ok && nameAt(i) == name {
		return i
	}
	return -1
}

// checkHeader rejects header names that are not HTTP tokens and values
// with control characters (CR and LF would split the response).
func checkHeader(name, value string) error {
	if name == "" {
		return malformed("empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return malformed("header name %q is not a valid HTTP field name", name)
		}
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return malformed("header %q has a control character in its value", name)
		}
	}
	return nil
}

func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
