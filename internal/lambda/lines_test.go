package lambda

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestLineReader(t *testing.T) {
	long := strings.Repeat("y", 2_000_000)
	cases := []struct {
		name  string
		input string
		want  []string
		cut   []bool
	}{
		{"lines", "a\nbb\n\nccc", []string{"a", "bb", "", "ccc"}, []bool{false, false, false, false}},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}, []bool{false, false}},
		{"exactly the limit", strings.Repeat("x", maxLogLine) + "\nz\n", []string{strings.Repeat("x", maxLogLine), "z"}, []bool{false, false}},
		{"one over", strings.Repeat("x", maxLogLine+1) + "\nz\n", []string{strings.Repeat("x", maxLogLine), "z"}, []bool{true, false}},
		{"2 MB line then more", long + "\nafter\n" + long, []string{long[:maxLogLine], "after", long[:maxLogLine]}, []bool{true, false, true}},
		{"empty", "", nil, nil},
	}
	for _, c := range cases {
		modes := []string{"whole", "one byte at a time"}
		if len(c.input) > 1<<20 {
			modes = modes[:1] // byte by byte would take long; "whole" covers it
		}
		for _, mode := range modes {
			t.Run(c.name+"/"+mode, func(t *testing.T) {
				var r io.Reader = strings.NewReader(c.input)
				if mode != "whole" {
					r = iotest.OneByteReader(r)
				}
				lr := newLineReader(r)
				var got []string
				var cut []bool
				for {
					line, truncated, err := lr.next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, string(line))
					cut = append(cut, truncated)
				}
				if len(got) != len(c.want) {
					t.Fatalf("got %d lines, want %d", len(got), len(c.want))
				}
				for i := range got {
					if got[i] != c.want[i] || cut[i] != c.cut[i] {
						t.Errorf("line %d: %d bytes (cut %v), want %d bytes (cut %v)", i, len(got[i]), cut[i], len(c.want[i]), c.cut[i])
					}
				}
			})
		}
	}
}

// TestLineReaderDrains: a writer of a 2 MB line never blocks: the reader
// takes everything from the pipe.
func TestLineReaderDrains(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		pw.Write(bytes.Repeat([]byte("y"), 2_000_000))
		pw.Write([]byte("\nend\n"))
		pw.Close()
	}()
	lr := newLineReader(pr)
	var n int
	for {
		_, _, err := lr.next()
		if err != nil {
			break
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d lines, want 2", n)
	}
}
