package wsframe

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// frame builds a masked client frame with a payload of n bytes.
func frame(n int) []byte {
	var b []byte
	b = append(b, 0x81) // FIN, text
	switch {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	b = append(b, 1, 2, 3, 4)
	return append(b, bytes.Repeat([]byte{'x'}, n)...)
}

func TestLimiter(t *testing.T) {
	tests := []struct {
		name   string
		frames []int
		ok     bool
	}{
		{"small frames", []int{5, 125, 126, 1000}, true},
		{"exactly the limit", []int{MaxFrame}, true},
		{"one byte over", []int{MaxFrame + 1}, false},
		{"64-bit length", []int{10, 70000}, false},
		{"a message in many frames", []int{MaxFrame, MaxFrame, MaxFrame, MaxFrame}, true},
	}
	for _, tt := range tests {
		var stream []byte
		for _, n := range tt.frames {
			stream = append(stream, frame(n)...)
		}
		// Fed in every chunk size, as reads split it.
		for _, chunk := range []int{1, 3, 7, 4096, len(stream)} {
			var l Limiter
			ok := true
			for i := 0; i < len(stream) && ok; i += chunk {
				ok = l.Feed(stream[i:min(i+chunk, len(stream))])
			}
			if ok != tt.ok {
				t.Errorf("%s in chunks of %d: %v, want %v", tt.name, chunk, ok, tt.ok)
			}
		}
	}
}

func FuzzLimiter(f *testing.F) {
	f.Add(frame(10))
	f.Add(frame(MaxFrame + 5)[:20])
	f.Add([]byte{0x81, 0xff, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		var l Limiter
		l.Feed(b)
	})
}
