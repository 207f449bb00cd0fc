package inputfile

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "t.yaml")
	os.WriteFile(regular, []byte("Resources: {}\n"), 0o644)
	link := filepath.Join(dir, "link.yaml")
	os.Symlink(regular, link)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 101), 0o644)

	cases := []struct {
		path string
		err  string // "" = read
	}{
		{regular, ""},
		{link, ""},
		{fifo, "FIFO"},
		{sock, "socket"},
		{"/dev/zero", "device"},
		{dir, "folder"},
		{big, "larger than"},
		{filepath.Join(dir, "none"), "no such file"},
	}
	for _, c := range cases {
		data, err := Read(c.path, 100)
		switch {
		case c.err == "" && (err != nil || string(data) != "Resources: {}\n"):
			t.Errorf("%s: %q %v", c.path, data, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: err %v, want %q", c.path, err, c.err)
		}
	}
}
