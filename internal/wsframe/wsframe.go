// Package wsframe follows the frames a WebSocket client sends, as bytes
// pass through the connection, and stops a frame larger than API
// Gateway's limit (32 KB; a message may span several frames up to 128 KB).
// The data plane's listener runs it on every upgraded connection, below the
// WebSocket library, which does not limit frames on their own.
package wsframe

import "errors"

// MaxFrame is API Gateway's WebSocket frame size limit.
const MaxFrame = 32 << 10

// ErrTooLarge is the read error of a connection whose client sent a frame
// over the limit: the WebSocket API closes it with 1009.
var ErrTooLarge = errors.New("wsframe: a frame is larger than 32 KB")

// Limiter follows one direction of a connection (client to server).
type Limiter struct {
	Max  uint64 // 0: MaxFrame
	hdr  [14]byte
	n    int    // header bytes so far
	need int    // the header's length, once its first two bytes are known
	skip uint64 // payload bytes of the current frame still to pass
}

// Feed follows b, the next bytes read; false when a frame header in them
// declares a payload over the limit.
func (l *Limiter) Feed(b []byte) bool {
	max := l.Max
	if max == 0 {
		max = MaxFrame
	}
	for len(b) > 0 {
		if l.skip > 0 {
			k := min(uint64(len(b)), l.skip)
			l.skip -= k
			b = b[k:]
			continue
		}
		l.hdr[l.n] = b[0]
		l.n++
		b = b[1:]
		if l.n == 2 {
			l.need = 2
			switch l.hdr[1] & 0x7f {
			case 126:
				l.need += 2
			case 127:
				l.need += 8
			}
			if l.hdr[1]&0x80 != 0 {
				l.need += 4 // the mask key
			}
		}
		if l.n < 2 || l.n < l.need {
			continue
		}
		var size uint64
		switch n := l.hdr[1] & 0x7f; n {
		case 126:
			size = uint64(l.hdr[2])<<8 | uint64(l.hdr[3])
		case 127:
			for i := 2; i < 10; i++ {
				size = size<<8 | uint64(l.hdr[i])
			}
		default:
			size = uint64(n)
		}
		if size > max {
			return false
		}
		l.n, l.need, l.skip = 0, 0, size
	}
	return true
}
