package lambda

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipEntry is one archive entry; with os.ModeSymlink in its mode it is a
// link whose content is its target.
type zipEntry struct {
	name, content string
	mode          os.FileMode
}

func writeZip(t *testing.T, entries []zipEntry) string {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := e.mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(e.content))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "code.zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUnzip(t *testing.T) {
	cases := []struct {
		name    string
		entries []zipEntry
		err     string // "" = extracts
	}{
		{"files, folders, modes", []zipEntry{{"bootstrap", "#!/bin/sh\n", 0o755}, {"lib/", "", os.ModeDir | 0o755}, {"lib/a.py", "x", 0}}, ""},
		{"a link inside", []zipEntry{{"lib/a.py", "x", 0}, {"a.py", "lib/a.py", os.ModeSymlink | 0o777}}, ""},
		{"dot-dot", []zipEntry{{"../x", "x", 0}}, "climbs out of the code folder"},
		{"dot-dot inside a path", []zipEntry{{"a/../../x", "x", 0}}, "climbs out of the code folder"},
		{"backslash dot-dot", []zipEntry{{`..\x`, "x", 0}}, "climbs out of the code folder"},
		{"absolute", []zipEntry{{"/etc/x", "x", 0}}, "has an absolute path"},
		{"link out, absolute", []zipEntry{{"l", "/etc/passwd", os.ModeSymlink | 0o777}}, "outside the code folder"},
		{"link out, relative", []zipEntry{{"a/l", "../../x", os.ModeSymlink | 0o777}}, "outside the code folder"},
		{"write through a link", []zipEntry{{"l", "/tmp", os.ModeSymlink | 0o777}, {"l/x", "x", 0}}, "outside the code folder"},
		{"links through links", []zipEntry{{"self", ".", os.ModeSymlink | 0o777}, {"up", "self/../code", os.ModeSymlink | 0o777}, {"out", "self/..", os.ModeSymlink | 0o777}}, "leads outside the code folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := writeZip(t, c.entries)
			dir := filepath.Join(t.TempDir(), "code")
			err := unzip(src, dir)
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range c.entries {
					fi, err := os.Lstat(filepath.Join(dir, e.name))
					if err != nil {
						t.Errorf("%s: %v", e.name, err)
						continue
					}
					if e.mode&os.ModeSymlink != 0 && fi.Mode()&os.ModeSymlink == 0 {
						t.Errorf("%s is not a link", e.name)
					}
					if e.mode&0o100 != 0 && fi.Mode()&0o100 == 0 {
						t.Errorf("%s lost its executable bit", e.name)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("err %v, want %q", err, c.err)
			}
		})
	}
}

// TestExtractBudget: the bytes written count, whatever the archive says.
func TestExtractBudget(t *testing.T) {
	src := writeZip(t, []zipEntry{{"a", strings.Repeat("a", 1000), 0}})
	r, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	target := filepath.Join(t.TempDir(), "a")
	if _, err := extract(r.File[0], target, 0o644, 999); err == nil || !strings.Contains(err.Error(), "250 MB") {
		t.Errorf("over the budget: err %v", err)
	}
	if n, err := extract(r.File[0], target, 0o644, 1000); err != nil || n != 1000 {
		t.Errorf("within the budget: %d %v", n, err)
	}
}

// TestUnzipDeclaredSize: an archive that declares more than 250 MB is
// refused before anything is written, also when the sizes would wrap.
func TestUnzipDeclaredSize(t *testing.T) {
	for _, sizes := range [][]uint64{{maxUnzipped + 1}, {maxUnzipped, 1}, {1 << 63, 1 << 63, 5}} {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		for i, n := range sizes {
			if _, err := w.CreateRaw(&zip.FileHeader{Name: string(rune('a' + i)), Method: zip.Store, UncompressedSize64: n}); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		src := filepath.Join(t.TempDir(), "c.zip")
		os.WriteFile(src, buf.Bytes(), 0o644)
		dir := filepath.Join(t.TempDir(), "code")
		err := unzip(src, dir)
		if err == nil || !strings.Contains(err.Error(), "over Lambda's limit") {
			t.Errorf("sizes %v: err %v", sizes, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("sizes %v: %d entries written", sizes, len(entries))
		}
	}
}

// TestResolveShim: a pyenv shim for a versioned name is resolved to the
// installed program without running it; a version pyenv lacks is none.
func TestResolveShim(t *testing.T) {
	root := t.TempDir()
	shim := "#!/usr/bin/env bash\nset -e\nexec \"" + root + "/libexec/pyenv\" exec \"$program\" \"$@\"\n"
	write := func(p, content string, mode os.FileMode) string {
		t.Helper()
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		return full
	}
	t.Setenv("PYENV_ROOT", "")
	want := write("versions/3.9.18/bin/python3.9", "#!/bin/sh\n", 0o755)
	write("versions/3.8.1/bin/python3.8", "not executable", 0o644)
	cases := []struct {
		path, name, real string
		shim             bool
	}{
		{write("shims/python3.9", shim, 0o755), "python3.9", want, true},
		{write("shims/python3.8", shim, 0o755), "python3.8", "", true},
		{write("shims/python3.7", shim, 0o755), "python3.7", "", true},
		{write("bin/python3.9", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", 0o755), "python3.9", "", false},
		{write("bin/elf", "\x7fELF...", 0o755), "python3.9", "", false},
	}
	for _, c := range cases {
		real, shim := resolveShim(c.path, c.name)
		if real != c.real || shim != c.shim {
			t.Errorf("%s: %q %v, want %q %v", c.path, real, shim, c.real, c.shim)
		}
	}
}
