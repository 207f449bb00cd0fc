package lambda

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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

// prepareCode puts a function's code in a folder and returns it: inline code
// is written as index.py or index.js (as CloudFormation names it), a .zip is
// extracted, a folder is used as it is.
func prepareCode(s *Spec, lang language, workDir string) (string, error) {
	switch {
	case s.Inline != "":
		if lang == langProvided {
			return "", fmt.Errorf("Code.ZipFile (inline code) is only for python and nodejs runtimes, not %s", s.Runtime)
		}
		dir := filepath.Join(workDir, "code", safeName(s.Name))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		file := "index.py"
		if lang == langNode {
			file = "index.js"
		}
		return dir, os.WriteFile(filepath.Join(dir, file), []byte(s.Inline), 0o644)
	case s.Zip != "":
		dir := filepath.Join(workDir, "code", safeName(s.Name))
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

// unzip extracts a .zip, keeping file modes (a bootstrap stays executable)
// and refusing entries that would land outside dir.
func unzip(src, dir string) error {
	r, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer r.Close()
	root, _ := filepath.Abs(dir)
	for _, f := range r.File {
		target := filepath.Join(root, f.Name)
		if target != root && !strings.HasPrefix(target, root+string(os.PathSeparator)) {
			return fmt.Errorf("entry %q points outside the archive", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := f.Mode().Perm()
		if mode == 0 {
			mode = 0o644
		}
		if err := extract(f, target, mode); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, target string, mode os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	// Lambda's unzipped code limit is 250 MB.
	if _, err := io.Copy(out, io.LimitReader(rc, 250<<20)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// CheckSpec tells whether a function can run on this machine: a supported
// runtime, its interpreter installed, and code apigw can reach.
func CheckSpec(s Spec) error {
	lang, err := languageOf(s.Runtime)
	if err != nil {
		return err
	}
	if _, err := interpreter(lang, s.Runtime); err != nil {
		return err
	}
	switch {
	case s.Inline != "":
		if lang == langProvided {
			return fmt.Errorf("Code.ZipFile (inline code) is only for python and nodejs runtimes, not %s", s.Runtime)
		}
	case s.Zip != "":
		if _, err := os.Stat(s.Zip); err != nil {
			return fmt.Errorf("code archive: %v", err)
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
