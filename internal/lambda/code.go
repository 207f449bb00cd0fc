package lambda

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Spec is one function as the local runtime runs it.
type Spec struct {
	Name      string // FunctionName
	LogicalID string
	ARN       string
	Runtime   string // python3.12, nodejs20.x, provided.al2023, ...
	Handler   string
	// Code: exactly one of Inline (Code.ZipFile), Dir (a folder) or Zip (a .zip file).
	Inline      string
	Dir, Zip    string
	MemoryMB    int
	Timeout     time.Duration
	Env         map[string]string
	Reserved    int // ReservedConcurrentExecutions; -1 when unset
	Region      string
	AccountID   string
	Description string
}

// language is the family of a runtime.
type language uint8

const (
	langPython language = iota + 1
	langNode
	langProvided
)

var pythonVersionRe = regexp.MustCompile(`^python(3\.\d+)$`)

// languageOf maps a Runtime value to what runs it, or an error saying why not.
func languageOf(runtime string) (language, error) {
	switch {
	case pythonVersionRe.MatchString(runtime):
		return langPython, nil
	case strings.HasPrefix(runtime, "nodejs"):
		return langNode, nil
	case runtime == "provided" || runtime == "provided.al2" || runtime == "provided.al2023":
		return langProvided, nil
	case runtime == "":
		return 0, fmt.Errorf("Runtime is missing (apigw runs python3.*, nodejs*, provided, provided.al2 and provided.al2023)")
	case runtime == "go1.x":
		return 0, fmt.Errorf("runtime go1.x is retired: build the function as a bootstrap and use provided.al2023")
	}
	return 0, fmt.Errorf("runtime %s is not supported (apigw runs python3.*, nodejs*, provided, provided.al2 and provided.al2023)", runtime)
}

// interpreter finds the program that runs a python or node function: the
// exact version when the machine has it (python3.12), else the machine's
// python3 or node.
func interpreter(lang language, runtime string) (string, error) {
	switch lang {
	case langPython:
		v := pythonVersionRe.FindStringSubmatch(runtime)[1]
		for _, name := range []string{"python" + v, "python3"} {
			if p := runnable(name, "-c", "import sys; print(sys.executable)"); p != "" {
				return p, nil
			}
		}
		return "", fmt.Errorf("runtime %s needs python3, which is not installed (apt-get install python3)", runtime)
	case langNode:
		for _, name := range []string{"node", "nodejs"} {
			if p := runnable(name, "-e", "0"); p != "" {
				return p, nil
			}
		}
		return "", fmt.Errorf("runtime %s needs node, which is not installed (apt-get install nodejs)", runtime)
	}
	return "", nil
}

var (
	runnableMu    sync.Mutex
	runnableCache = map[string]string{}
)

// runnable finds a program on PATH and checks that it really runs: version
// managers leave shims on PATH (pyenv's python3.12) that only fail when run.
// When the check prints an absolute path (python's sys.executable), that
// program is used instead, so a cold start does not pay for the shim.
func runnable(name string, args ...string) string {
	runnableMu.Lock()
	defer runnableMu.Unlock()
	if p, ok := runnableCache[name]; ok {
		return p
	}
	p, err := exec.LookPath(name)
	if err == nil {
		if real, shim := resolveShim(p, name); shim && strings.Contains(name, ".") {
			// A versioned name (python3.12): running a version manager's
			// shim costs a second or more, and fails for a version it has
			// installed but not selected. The program of that exact version
			// is found without running the shim. (For python3 the shim
			// runs: it knows which version the user selected.)
			if real == "" {
				runnableCache[name] = ""
				return ""
			}
			p = real
		}
		out, err := exec.Command(p, args...).Output()
		if real := strings.TrimSpace(string(out)); err == nil && filepath.IsAbs(real) {
			p = real
		} else if err != nil {
			p = ""
		}
	} else {
		p = ""
	}
	runnableCache[name] = p
	return p
}

// resolveShim tells whether path is a pyenv shim (a shell script that runs
// "pyenv exec"), and if so returns the program of that name in one of
// pyenv's installed versions, newest first ("" when none has it).
func resolveShim(path, name string) (real string, shim bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	head := make([]byte, 2048)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("#!")) || !bytes.Contains(head, []byte("pyenv")) || !bytes.Contains(head, []byte(" exec ")) {
		return "", false
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		root = filepath.Dir(filepath.Dir(path)) // <root>/shims/<name>
	}
	matches, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", name))
	sort.Sort(sort.Reverse(sort.StringSlice(matches)))
	for _, m := range matches {
		if st, err := os.Stat(m); err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			return m, true
		}
	}
	return "", true
}

// prepareCode puts a function's code in a folder and returns it: inline code
// is written as index.py or index.js (as CloudFormation names it) in dir, a
// .zip is extracted into dir, a folder is used where it is.
func prepareCode(s *Spec, lang language, dir string) (string, error) {
	switch {
	case s.Inline != "":
		if lang == langProvided {
			return "", fmt.Errorf("Code.ZipFile (inline code) is only for python and nodejs runtimes, not %s", s.Runtime)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		file := "index.py"
		if lang == langNode {
			file = "index.js"
		}
		return dir, os.WriteFile(filepath.Join(dir, file), []byte(s.Inline), 0o644)
	case s.Zip != "":
		if err := unzip(s.Zip, dir); err != nil {
			return "", fmt.Errorf("code %s: %v", s.Zip, err)
		}
		return dir, nil
	case s.Dir != "":
		st, err := os.Stat(s.Dir)
		if err != nil {
			return "", fmt.Errorf("code folder: %v", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("code %s is neither a folder nor a .zip", s.Dir)
		}
		// Instances run in their code folder: the path must not be relative.
		return filepath.Abs(s.Dir)
	}
	return "", fmt.Errorf("the function has no code apigw can run")
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == 0 {
			return '_'
		}
		return r
	}, s)
}

// maxUnzipped is Lambda's limit on a function's code once unzipped:
// 250 MB (262,144,000 bytes), for all the files of the archive together.
const maxUnzipped = 262_144_000

// unzip extracts a .zip, keeping file modes (a bootstrap stays executable).
// It refuses, as Lambda's limits and plain safety require: code over
// maxUnzipped in all (counting what is written, not what the archive
// claims), and entries whose names or link targets climb out of dir.
// Symbolic links are made last, so no file is written through one.
func unzip(src, dir string) error {
	if st, err := os.Stat(src); err != nil {
		return err
	} else if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	var declared uint64
	for _, f := range r.File {
		if f.UncompressedSize64 > maxUnzipped {
			declared = f.UncompressedSize64
			break
		}
		if declared += f.UncompressedSize64; declared > maxUnzipped {
			break // each term is at most maxUnzipped, so the sum cannot wrap
		}
	}
	if declared > maxUnzipped {
		return fmt.Errorf("unzipped, the code is %d bytes: over Lambda's limit of %d bytes (250 MB)", declared, maxUnzipped)
	}
	type link struct{ path, target string }
	var links []link
	remaining := int64(maxUnzipped)
	for _, f := range r.File {
		target, err := entryPath(root, f.Name)
		if err != nil {
			return err
		}
		switch mode := f.Mode(); {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case mode&os.ModeSymlink != 0:
			dest, err := readLink(f)
			if err != nil {
				return err
			}
			resolved := dest
			if !filepath.IsAbs(dest) {
				resolved = filepath.Join(filepath.Dir(target), dest)
			}
			if !within(root, filepath.Clean(resolved)) {
				return fmt.Errorf("entry %q is a link to %q, outside the code folder", f.Name, dest)
			}
			links = append(links, link{target, dest})
		case mode.IsRegular():
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			perm := mode.Perm()
			if perm == 0 {
				perm = 0o644
			}
			n, err := extract(f, target, perm, remaining)
			if err != nil {
				return err
			}
			remaining -= n
		default:
			return fmt.Errorf("entry %q is not a file, folder or link (%v)", f.Name, mode.Type())
		}
	}
	for _, l := range links {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(l.target, l.path); err != nil {
			return err
		}
	}
	// Each target was checked on its own; through one another (a link to
	// "." followed by "..") links could still lead out: resolve them all.
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	for _, l := range links {
		if real, err := filepath.EvalSymlinks(l.path); err == nil && !within(realRoot, real) {
			rel, _ := filepath.Rel(root, l.path)
			return fmt.Errorf("entry %q is a link to %q, which leads outside the code folder", rel, l.target)
		}
	}
	return nil
}

// entryPath is where an archive entry goes under root; names that are
// absolute or climb out of root with ".." are refused.
func entryPath(root, name string) (string, error) {
	clean := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(clean, "/") || strings.ContainsRune(clean, 0) || filepath.VolumeName(clean) != "" {
		return "", fmt.Errorf("entry %q has an absolute path", name)
	}
	for part := range strings.SplitSeq(clean, "/") {
		if part == ".." {
			return "", fmt.Errorf("entry %q climbs out of the code folder", name)
		}
	}
	target := filepath.Join(root, clean)
	if !within(root, target) {
		return "", fmt.Errorf("entry %q points outside the code folder", name)
	}
	return target, nil
}

func within(root, path string) bool {
	return path == root || strings.HasPrefix(path, root+string(os.PathSeparator))
}

// readLink reads a symbolic link entry's target (its content).
func readLink(f *zip.File) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 4097))
	if err != nil {
		return "", err
	}
	if len(b) > 4096 || len(b) == 0 {
		return "", fmt.Errorf("entry %q is a link with an invalid target", f.Name)
	}
	return string(b), nil
}

// extract writes one file, at most budget bytes; it returns the bytes written.
func extract(f *zip.File, target string, mode os.FileMode, budget int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, io.LimitReader(rc, budget+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, fmt.Errorf("entry %q: %v", f.Name, err)
	}
	if n > budget {
		return n, fmt.Errorf("unzipped, the code is over Lambda's limit of %d bytes (250 MB); the archive understates its sizes (entry %q)", int64(maxUnzipped), f.Name)
	}
	return n, nil
}

// CheckSpec tells whether a function can run on this machine: a supported
// runtime, its interpreter installed, and code apigw can reach.
func CheckSpec(s Spec) error {
	lang, err := languageOf(s.Runtime)
	if err != nil {
		return &SpecError{"Runtime", err}
	}
	if _, err := interpreter(lang, s.Runtime); err != nil {
		return &SpecError{"Runtime", err}
	}
	if err := checkCode(s, lang); err != nil {
		return &SpecError{"Code", err}
	}
	return nil
}

func checkCode(s Spec, lang language) error {
	switch {
	case s.Inline != "":
		if lang == langProvided {
			return fmt.Errorf("Code.ZipFile (inline code) is only for python and nodejs runtimes, not %s", s.Runtime)
		}
	case s.Zip != "":
		st, err := os.Stat(s.Zip)
		if err != nil {
			return fmt.Errorf("code archive: %v", err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("code archive %s is not a regular file", s.Zip)
		}
	case s.Dir != "":
		st, err := os.Stat(s.Dir)
		if err != nil {
			return fmt.Errorf("code folder: %v", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("code %s is neither a folder nor a .zip", s.Dir)
		}
		if lang == langProvided {
			if _, err := os.Stat(filepath.Join(s.Dir, "bootstrap")); err != nil {
				return fmt.Errorf("%s has no file named bootstrap, which runtime %s runs", s.Dir, s.Runtime)
			}
		}
	default:
		return fmt.Errorf("the function has no local code")
	}
	return nil
}
