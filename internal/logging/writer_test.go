package logging

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestWriterFlushes(t *testing.T) {
	var out syncBuffer
	w := NewWriter(&out, 10*time.Millisecond)
	w.Write([]byte("one\n"))
	if out.String() != "" {
		t.Fatal("written before a flush")
	}
	deadline := time.Now().Add(2 * time.Second)
	for out.String() != "one\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed by the timer: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.Write([]byte("two\n"))
	w.Close()
	if out.String() != "one\ntwo\n" {
		t.Fatalf("Close did not flush: %q", out.String())
	}
	w.Close() // twice is fine
}
