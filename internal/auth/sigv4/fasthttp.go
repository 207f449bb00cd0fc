package sigv4

import "github.com/valyala/fasthttp"

// FromFastHTTP is the Request view of a fasthttp request (the data plane):
// rawPath and rawQuery as the request line sent them, headers matched in
// any letter case (the data plane does not normalise names).
func FromFastHTTP(ctx *fasthttp.RequestCtx, rawPath, rawQuery string) Request {
	h := &ctx.Request.Header
	return Request{
		Method:   string(ctx.Method()),
		Path:     rawPath,
		RawQuery: rawQuery,
		Host:     string(ctx.Host()),
		Body:     ctx.Request.Body(),
		Header: func(dst []string, name string) []string {
			for k, v := range h.All() {
				if len(k) == len(name) && asciiEqualFold(k, name) {
					dst = append(dst, string(v))
				}
			}
			return dst
		},
	}
}

func asciiEqualFold(b []byte, s string) bool {
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
