// Package logging holds apigw's log output: a buffered writer that flushes
// on a short timer, so busy request paths do not pay a write system call for
// every log line.
package logging

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// Writer buffers log lines and flushes them every interval, when the buffer
// fills, and on Close.
type Writer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// NewWriter wraps w; interval is how long a line may wait (e.g. 50 ms).
func NewWriter(w io.Writer, interval time.Duration) *Writer {
	lw := &Writer{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go lw.loop(interval)
	return lw
}

func (lw *Writer) loop(interval time.Duration) {
	defer close(lw.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			lw.Flush()
		case <-lw.stop:
			lw.Flush()
			return
		}
	}
}

// Write implements io.Writer; log handlers write one line per call.
func (lw *Writer) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

// Flush writes out what is buffered.
func (lw *Writer) Flush() error {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Flush()
}

// Close flushes and stops the timer.
func (lw *Writer) Close() error {
	select {
	case <-lw.stop:
	default:
		close(lw.stop)
	}
	<-lw.done
	return nil
}
