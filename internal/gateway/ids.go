package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"

	"github.com/apigw/apigw/internal/router"
)

var callPool = sync.Pool{New: func() any { return &Call{params: make(router.Params, 0, 4)} }}

func acquireCall() *Call { return callPool.Get().(*Call) }

func releaseCall(c *Call) {
	params, scratch := c.params[:0], c.scratch[:0]
	*c = Call{params: params, scratch: scratch}
	callPool.Put(c)
}

// newRequestID fills the request id (a UUID, as x-amzn-RequestId) and the
// extended id (16 base64 characters ending in '=', as x-amz-apigw-id).
func newRequestID(c *Call) {
	var b [27]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	var s [36]byte
	const hex = "0123456789abcdef"
	j := 0
	for i := 0; i < 16; i++ {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j] = hex[b[i]>>4]
		s[j+1] = hex[b[i]&0xf]
		j += 2
	}
	c.requestID = string(s[:])
	base64.StdEncoding.Encode(c.apigwID[:], b[16:27])
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
