package gateway

import (
	"bytes"
	"net"
	"testing"
)

// TestFramingBareLF: which header blocks are refused, in one read and split
// over reads at every point.
func TestFramingBareLF(t *testing.T) {
	cases := []struct {
		name string
		in   string
		bad  bool
	}{
		{"CRLF", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"CRLF, no headers", "GET / HTTP/1.1\r\n\r\n", false},
		{"CRLF, body with LFs", "POST / HTTP/1.1\r\nContent-Length: 6\r\n\r\na\n\nb\n\n", false},
		{"leading empty lines", "\r\n\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", false},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", true},
		{"bare LF, no headers", "GET / HTTP/1.0\n\n", true},
		{"CRLF lines, LF blank line", "GET / HTTP/1.1\r\nHost: x\r\n\n", true},
		{"LF line, CRLF blank line", "GET / HTTP/1.1\r\nHost: x\n\r\n", true},
		{"bare LF request line, CRLF after", "GET / HTTP/1.1\nHost: x\r\n\r\n", false},
		{"not a request line", "hello world\n\n", false},
		{"not HTTP/1.x", "GET / FTP/1.1\n\n", false},
		{"incomplete", "GET / HTTP/1.1\nHost: x\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := scanAll([]byte(c.in), len(c.in)); got != c.bad {
				t.Errorf("one read: bad = %v, want %v", got, c.bad)
			}
			for split := 1; split < len(c.in); split++ {
				if got := scanAll([]byte(c.in), split); got != c.bad {
					t.Errorf("split at %d: bad = %v, want %v", split, got, c.bad)
				}
			}
		})
	}
}

// scanAll feeds b to a new connection's scanner in reads of at most n bytes.
func scanAll(b []byte, n int) bool {
	c := &framingConn{scanning: true}
	for len(b) > 0 {
		k := min(n, len(b))
		if c.scanning && c.bareLF(b[:k]) {
			return true
		}
		b = b[k:]
	}
	return false
}

// TestFramingAfterResponse: a response resets the scanner for the next request.
func TestFramingAfterResponse(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			if _, err := b.Read(buf); err != nil {
				return
			}
		}
	}()
	c := &framingConn{Conn: a, scanning: true}
	if c.bareLF([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) {
		t.Fatal("a CRLF request refused")
	}
	if c.scanning {
		t.Fatal("still scanning after the header block")
	}
	if c.scanning && c.bareLF([]byte("GET / HTTP/1.1\nHost: x\n\n")) {
		t.Fatal("bytes after a header block (a body) were scanned")
	}
	c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
	if !(c.scanning && c.bareLF([]byte("GET / HTTP/1.1\nHost: x\n\n"))) {
		t.Fatal("the next request's bare LF block was not refused")
	}
}

// FuzzFramingBareLF: the verdict does not depend on how the bytes arrive,
// and the scanner never panics.
func FuzzFramingBareLF(f *testing.F) {
	for _, s := range []string{"GET / HTTP/1.1\nHost: x\n\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\r\n\nPOST /a HTTP/1.0\r\n\n", "x"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		whole := scanAll(b, max(len(b), 1))
		if split := scanAll(b, int(n)%16+1); split != whole {
			t.Errorf("%q: %v in one read, %v in reads of %d", b, whole, split, int(n)%16+1)
		}
		if whole && !bytes.Contains(b, []byte("\n")) {
			t.Errorf("%q refused without a line end", b)
		}
	})
}

// fixedConn answers every Read with the same request and discards writes.
type fixedConn struct {
	net.Conn
	req []byte
}

func (c *fixedConn) Read(b []byte) (int, error)  { return copy(b, c.req), nil }
func (c *fixedConn) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkFramingConn: what the bare-LF check costs a request (one read of
// the benchmark's request, one write of a response).
func BenchmarkFramingConn(b *testing.B) {
	req := []byte("GET /prod/items/abc HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n")
	c := &framingConn{Conn: &fixedConn{req: req}, scanning: true}
	buf := make([]byte, 4096)
	resp := []byte("HTTP/1.1 200 OK\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		c.Read(buf)
		c.Write(resp)
	}
}
