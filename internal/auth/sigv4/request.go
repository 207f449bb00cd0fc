package sigv4

import (
	"net/http"
	"strconv"
	"strings"
)

// Request is the view of an HTTP request that Verify needs. It holds no
// server type, so the fasthttp data plane and net/http code (tests, FromHTTP)
// both fill it. Strings may alias buffers the caller reuses after Verify
// returns: Verify keeps no reference to them (what it caches or returns is
// copied or comes from the Verifier's configuration).
type Request struct {
	// Method is the request method as sent ("GET").
	Method string
	// Path is the raw request path as sent on the request line, with the
	// stage and the percent-encoding untouched ("/prod/%40connections/a%3D"),
	// without the query. Empty means "/".
	Path string
	// RawQuery is the raw query string as sent, without the '?'.
	RawQuery string
	// Host is the Host header as sent (with its port). When empty, the
	// "host" values of Header are used.
	Host string
	// Header appends to dst every value of the header name, in the order the
	// request carries them, and returns the extended slice. name is matched
	// case-insensitively (Verify asks with lower-case names). A header sent
	// several times gives several values; a missing one gives none. Nil
	// means a request without headers.
	Header func(dst []string, name string) []string
	// Body is the whole request body.
	Body []byte
}

// FromHTTP returns the Request view of r with the given body (r.Body is not
// read). On the server side the path and query come from r.RequestURI, as
// sent; on the client side (a request built for sending) from r.URL's escaped
// path and raw query. A missing Content-Length header is answered from
// r.ContentLength, as the Go client sends it.
func FromHTTP(r *http.Request, body []byte) Request {
	path, query := "", ""
	if r.RequestURI != "" {
		target := r.RequestURI
		if i := strings.Index(target, "://"); i >= 0 && !strings.HasPrefix(target, "/") {
			target = target[i+3:]
			if j := strings.IndexAny(target, "/?"); j >= 0 {
				target = target[j:]
			} else {
				target = ""
			}
		}
		path, query, _ = strings.Cut(target, "?")
	} else if r.URL != nil {
		path, query = r.URL.EscapedPath(), r.URL.RawQuery
		if r.URL.Opaque != "" {
			path = opaquePath(r.URL.Opaque)
		}
	}
	host := r.Host
	if host == "" && r.URL != nil {
		host = r.URL.Host
	}
	return Request{
		Method:   r.Method,
		Path:     path,
		RawQuery: query,
		Host:     host,
		Body:     body,
		Header: func(dst []string, name string) []string {
			n := len(dst)
			for k, vs := range r.Header {
				if strings.EqualFold(k, name) {
					dst = append(dst, vs...)
				}
			}
			if len(dst) == n && strings.EqualFold(name, "content-length") && r.ContentLength > 0 {
				dst = append(dst, strconv.FormatInt(r.ContentLength, 10))
			}
			return dst
		},
	}
}

// opaquePath returns the path of an opaque URL of the form "//host/path".
func opaquePath(opaque string) string {
	opaque, _, _ = strings.Cut(opaque, "?")
	opaque = strings.TrimPrefix(opaque, "//")
	if i := strings.IndexByte(opaque, '/'); i >= 0 {
		return opaque[i:]
	}
	return ""
}
