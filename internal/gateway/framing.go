package gateway

import (
	"bytes"
	"errors"
	"github.com/apigw/apigw/internal/wsframe"
	"net"
	"strings"
)

// errBareLF is a request whose header block ends in bare LFs instead of
// CRLFs. fasthttp only accepts a block that ends in CRLFCRLF, so without this
// check it would wait for one until the read timeout (30 s); the front end
// answers 400 at once instead (RFC 9112 §2.2 lets a server refuse bare LF).
var errBareLF = errors.New("request header block ends in bare LF line endings")

// framingListener wraps the data-plane listener so that each connection
// checks how its requests' header blocks end.
type framingListener struct{ net.Listener }

// FramingListener returns ln with bare-LF requests refused at once (see
// errBareLF). Serve the data plane on it.
func FramingListener(ln net.Listener) net.Listener { return framingListener{ln} }

func (l framingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &framingConn{Conn: c, scanning: true}, nil
}

// maxScannedHeader bounds the bytes checked per request: past
// MaxHeaderSize fasthttp refuses the request itself.
const maxScannedHeader = 16 << 10

// framingConn follows the header block of each request as its bytes are
// read: from the start of the connection, and again after each response is
// written (the next request starts then). It stops at the block's end, so
// bodies are not scanned; bytes that do not begin with a request line (the
// rest of a pipelined body) are left alone.
type framingConn struct {
	net.Conn
	upgraded bool // hijacked (a WebSocket): no more HTTP requests to follow
	// frames follows an upgraded connection's WebSocket frames: one over
	// API Gateway's 32 KB ends the reads with wsframe.ErrTooLarge.
	frames   *wsframe.Limiter
	scanning bool
	started  bool   // past the optional empty lines before the request line
	inHeader bool   // the request line is done; header lines follow
	crlf     bool   // the last line ended in CRLF
	lineLen  int    // bytes of the current line so far
	lastCR   bool   // the current line's last byte so far is CR
	scanned  int    // bytes of this block checked so far
	reqLine  []byte // the request line while it spans reads
}

// Write sends (part of) a response: what is read next starts a new request.
func (c *framingConn) Write(b []byte) (int, error) {
	if c.upgraded {
		return c.Conn.Write(b)
	}
	c.scanning, c.started, c.inHeader, c.lineLen, c.lastCR, c.scanned, c.reqLine = true, false, false, 0, false, 0, c.reqLine[:0]
	return c.Conn.Write(b)
}

// stopFraming ends the scan on a connection a handler hijacked (a
// WebSocket upgrade): its frames are not requests. Called on the handler's
// goroutine before fasthttp writes the answer and hands the connection
// over, so nothing reads or writes it concurrently.
func stopFraming(c net.Conn) {
	if fc, ok := c.(*framingConn); ok {
		fc.upgraded, fc.scanning = true, false
		fc.frames = &wsframe.Limiter{}
	}
}

func (c *framingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.scanning && n > 0 && c.bareLF(b[:n]) {
		return n, errBareLF
	}
	if c.frames != nil && n > 0 && !c.frames.Feed(b[:n]) {
		return 0, wsframe.ErrTooLarge
	}
	return n, err
}

// bareLF follows the header block through b and reports a block that ends
// in a blank line other than the CRLF after a CRLF-ended line.
func (c *framingConn) bareLF(b []byte) bool {
	if c.scanned += len(b); c.scanned > maxScannedHeader {
		c.scanning = false
		return false
	}
	if !c.started {
		i := 0
		for i < len(b) && (b[i] == '\r' || b[i] == '\n') {
			i++
		}
		if b = b[i:]; len(b) == 0 {
			return false
		}
		c.started = true
	}
	if !c.inHeader {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			c.reqLine = append(c.reqLine, b...)
			return false
		}
		line := b[:i]
		if len(c.reqLine) > 0 {
			c.reqLine = append(c.reqLine, line...)
			line = c.reqLine
		}
		if !isRequestLine(line) {
			c.scanning = false // not a request (or not one fasthttp reads): leave it to fasthttp
			return false
		}
		c.inHeader, c.crlf, c.lineLen = true, len(line) > 0 && line[len(line)-1] == '\r', 0
		b = b[i+1:]
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(b) > 0 {
				c.lineLen += len(b)
				c.lastCR = b[len(b)-1] == '\r'
			}
			return false
		}
		if i > 0 {
			c.lineLen += i
			c.lastCR = b[i-1] == '\r'
		}
		endsCR := c.lineLen > 0 && c.lastCR
		if c.lineLen == 0 || c.lineLen == 1 && c.lastCR { // the blank line that ends the block
			if endsCR && c.crlf {
				c.scanning = false // CRLFCRLF: fasthttp reads it; the body is not scanned
				return false
			}
			return true
		}
		c.crlf, c.lineLen, c.lastCR = endsCR, 0, false
		b = b[i+1:]
	}
}

// isRequestLine reports whether line (without its LF) is
// "METHOD SP target SP HTTP/d.d", optionally with a CR at the end.
func isRequestLine(line []byte) bool {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	for _, ch := range line[:sp] {
		if !isTokenChar(ch) {
			return false
		}
	}
	rest := line[sp+1:]
	sp = bytes.LastIndexByte(rest, ' ')
	if sp <= 0 {
		return false
	}
	v := rest[sp+1:]
	return len(v) == 8 && bytes.HasPrefix(v, []byte("HTTP/")) && isDigit(v[5]) && v[6] == '.' && isDigit(v[7])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isTokenChar is RFC 9110's tchar.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', isDigit(c):
		return true
	}
	return c != 0 && strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
