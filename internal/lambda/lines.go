package lambda

import (
	"bufio"
	"io"
)

// maxLogLine is the longest line kept of a function's output: CloudWatch
// Logs' largest event (256 KB). Lambda truncates longer lines and the
// function goes on; so does apigw.
const maxLogLine = 256 << 10

// lineReader splits a function's output into lines of at most maxLogLine
// bytes, reading everything: a longer line is cut, and the rest of it is
// read and dropped, so the writer never blocks or sees a closed pipe.
type lineReader struct {
	r    *bufio.Reader
	line []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its newline (valid until the next
// call), whether it was cut, and io.EOF (or the read error) once the output
// has ended and every line has been returned.
func (lr *lineReader) next() (line []byte, truncated bool, err error) {
	lr.line = lr.line[:0]
	for {
		chunk, err := lr.r.ReadSlice('\n')
		content := chunk
		if n := len(content); n > 0 && content[n-1] == '\n' {
			content = content[:n-1]
		}
		room := maxLogLine - len(lr.line)
		if len(content) > room {
			content, truncated = content[:room], true
		}
		lr.line = append(lr.line, content...)
		switch err {
		case nil:
			return trimCR(lr.line), truncated, nil
		case bufio.ErrBufferFull:
			continue
		default:
			if len(lr.line) > 0 {
				return trimCR(lr.line), truncated, nil
			}
			return nil, false, err
		}
	}
}

// trimCR drops the carriage return of a CRLF line end, as bufio.ScanLines does.
func trimCR(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\r' {
		return b[:n-1]
	}
	return b
}
