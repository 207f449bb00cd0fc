package e2e

// TestReadme keeps the documentation honest: it runs the commands that
// README.md and examples/README.md tell a new user to run, as written, and
// checks every answer the docs promise.
//
// What counts as a command:
//   - README.md: every line of a ```sh block (a line ending in \ continues
//     on the next one). A comment after a curl or cat command is the answer
//     the docs promise for it (`...` stands for anything).
//   - examples/README.md: the backticked spans of the table's "run it"
//     column. A span after "answers" or "answers with" (or after "with" or
//     "and" that follows such a promise) is a promised answer of the command
//     before it.
//
// A command the test does not know fails it, so nothing can be added to the
// docs without being run or deliberately left out (installing packages,
// cloning, building apigw, running the test suite). The only substitutions:
// ./apigw and go run ./cmd/apigw become the binary TestMain built, and the
// documented ports 8080, 8081, 9001 and 9002 move to free ones (in every
// command alike) only when something else listens on them.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// docCommand is one command the docs tell a user to run.
type docCommand struct {
	where   string   // FILE:LINE
	line    string   // the command as written (continuations joined, no comment)
	promise []string // answers the docs promise: each must be a line of its output
}

// docKind is what the test does with a command.
type docKind int

const (
	kindSetup      docKind = iota // not run: installs, clones, builds apigw, runs the tests
	kindServe                     // ./apigw serve: started, waited for, stopped with SIGTERM
	kindBackground                // CMD &: started, waited for (its -addr), stopped at the end
	kindStop                      // kill %1 ...: stops the background commands
	kindClient                    // curl, aws, cat, echo: run, must exit 0
)

// setupCommands are commands the docs show that the test does not run.
var setupCommands = []string{"apt-get update", "apt-get install ", "git clone ", "go build -o apigw ./cmd/apigw", "bash scripts/test.sh"}

// classify tells what a command is; ok is false for a command the test
// does not know.
func classify(line string) (kind docKind, ok bool) {
	for _, s := range setupCommands {
		if line == strings.TrimSpace(s) || strings.HasPrefix(line, s) {
			return kindSetup, true
		}
	}
	switch {
	case strings.HasPrefix(line, "./apigw serve ") || strings.HasPrefix(line, "go run ./cmd/apigw serve "):
		return kindServe, true
	case strings.HasSuffix(line, " &") && strings.HasPrefix(line, "go run ./examples/backend "):
		return kindBackground, true
	case regexp.MustCompile(`^kill( %\d+)+$`).MatchString(line):
		return kindStop, true
	}
	if line == "" {
		return 0, false
	}
	switch strings.Fields(line)[0] {
	case "curl", "aws", "cat", "echo":
		return kindClient, true
	}
	return 0, false
}

// readDoc reads a file of the repository.
func readDoc(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(string(b), "\n")
}

// shCommands are the commands of the ```sh blocks of a Markdown file.
func shCommands(t *testing.T, name string) []docCommand {
	t.Helper()
	lines := readDoc(t, name)
	var cmds []docCommand
	in := false
	for i := 0; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "```") {
			lang := strings.TrimPrefix(l, "```")
			in = !in && (lang == "sh" || lang == "bash" || lang == "shell")
			continue
		}
		if !in || l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d", name, i+1)
		for strings.HasSuffix(l, `\`) && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, `\`) + " " + strings.TrimSpace(lines[i])
		}
		code, comment := splitComment(l)
		c := docCommand{where: where, line: strings.Join(strings.Fields(code), " ")}
		if comment != "" {
			c.promise = []string{comment}
		}
		cmds = append(cmds, c)
	}
	if in {
		t.Fatalf("%s: a ```sh block is not closed", name)
	}
	return cmds
}

// splitComment splits a shell line at a # that starts a comment (after a
// blank, outside quotes).
func splitComment(l string) (code, comment string) {
	var quote rune
	for i, r := range l {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == '#' && i > 0 && (l[i-1] == ' ' || l[i-1] == '\t'):
			return strings.TrimSpace(l[:i]), strings.TrimSpace(l[i+1:])
		}
	}
	return strings.TrimSpace(l), ""
}

// tableCells splits a Markdown table row into its cells; a | inside a
// backticked span does not split.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	var cells []string
	var cur strings.Builder
	code := false
	for _, r := range row {
		switch {
		case r == '`':
			code = !code
		case r == '|' && !code:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// exampleRow is one row of the examples' table.
type exampleRow struct {
	file string // the template's name, e.g. users-api.yaml
	cmds []docCommand
}

var spanRE = regexp.MustCompile("`([^`]*)`")

// exampleRows reads the table of examples/README.md: the file column and
// the commands of the "run it" column.
func exampleRows(t *testing.T) []exampleRow {
	t.Helper()
	const name = "examples/README.md"
	lines := readDoc(t, name)
	fileCol, runCol := -1, -1
	var rows []exampleRow
	for i, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "|") {
			if runCol >= 0 && len(rows) > 0 {
				break // the end of the table
			}
			continue
		}
		cells := tableCells(l)
		if runCol < 0 {
			for j, c := range cells {
				switch c {
				case "file":
					fileCol = j
				case "run it":
					runCol = j
				}
			}
			if runCol < 0 || fileCol < 0 {
				t.Fatalf("%s:%d: a table without a \"file\" and a \"run it\" column: %q", name, i+1, l)
			}
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		if len(cells) <= runCol || len(cells) <= fileCol {
			t.Fatalf("%s:%d: the row has %d cells, want the file and run-it columns", name, i+1, len(cells))
		}
		row := exampleRow{file: strings.Trim(cells[fileCol], "`")}
		where := fmt.Sprintf("%s:%d (%s)", name, i+1, row.file)
		cell := cells[runCol]
		prev, promised := 0, false
		for _, m := range spanRE.FindAllStringSubmatchIndex(cell, -1) {
			before := strings.TrimSpace(strings.ToLower(cell[prev:m[0]]))
			span := cell[m[2]:m[3]]
			prev = m[1]
			isPromise := strings.HasSuffix(before, "answers") || strings.HasSuffix(before, "answers with") ||
				(promised && (before == "with" || before == "and"))
			if isPromise {
				if len(row.cmds) == 0 {
					t.Fatalf("%s: the answer %q follows no command", where, span)
				}
				last := &row.cmds[len(row.cmds)-1]
				last.promise = append(last.promise, span)
			} else {
				row.cmds = append(row.cmds, docCommand{where: where, line: strings.Join(strings.Fields(span), " ")})
			}
			promised = isPromise
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no table of examples with a \"run it\" column", name)
	}
	return rows
}

// checkCommands fails for every command the test does not know, and for
// a curl or cat without a promised answer.
func checkCommands(t *testing.T, cmds []docCommand) {
	t.Helper()
	for _, c := range cmds {
		if _, ok := classify(c.line); !ok {
			t.Errorf("%s: the docs tell users to run %q, which TestReadme does not know: make it run or check it", c.where, c.line)
			continue
		}
		if f := strings.Fields(c.line)[0]; (f == "curl" || f == "cat") && len(c.promise) == 0 {
			t.Errorf("%s: %q promises no answer: say what it prints", c.where, c.line)
		}
	}
}

// ---------------------------------------------------------------------------
// running the docs

// docPorts are the addresses the docs use; each maps to itself when it is
// free, else to a free port.
var docPorts = []string{"8080", "8081", "9001", "9002"}

// docRun runs one sequence of documented commands, as a user in a shell at
// the repository root.
type docRun struct {
	t     *testing.T
	dir   string            // the working directory: the repository's folders, files it writes stay here
	ports map[string]string // documented port -> port used
	aws   string            // the AWS CLI executable that runs "aws"
	serve *docProcess
	bg    []*docProcess
}

// docProcess is a long-running documented command.
type docProcess struct {
	cmd    *docCommand
	proc   *exec.Cmd
	out    *lineWriter
	exited chan struct{}
	code   int
	addr   string // where it listens
}

func newDocRun(t *testing.T, aws string) *docRun {
	t.Helper()
	r := &docRun{t: t, dir: repoView(t), ports: map[string]string{}, aws: aws}
	for _, p := range docPorts {
		r.ports[p] = p
		l, err := net.Listen("tcp", "127.0.0.1:"+p)
		if err != nil {
			_, free, _ := net.SplitHostPort(freeAddr(t))
			r.ports[p] = free
			t.Logf("127.0.0.1:%s is busy: the docs' commands use 127.0.0.1:%s instead", p, free)
			continue
		}
		l.Close()
	}
	t.Cleanup(r.stopAll)
	return r
}

// repoView is a temporary folder that looks like the repository root to
// the commands (its folders and go.mod, as symbolic links), so files they
// write (out.json, .apigw/) do not land in the repository.
func repoView(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(moduleRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") || (!e.IsDir() && e.Name() != "go.mod" && e.Name() != "go.sum") {
			continue
		}
		if err := os.Symlink(filepath.Join(moduleRoot, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var docAddrRE = regexp.MustCompile(`\b(127\.0\.0\.1|localhost):(\d+)\b`)

// substitute is the command with the test's binary and ports.
func (r *docRun) substitute(line string) string {
	line = docAddrRE.ReplaceAllStringFunc(line, func(a string) string {
		host, port, _ := net.SplitHostPort(a)
		if p, ok := r.ports[port]; ok {
			return host + ":" + p
		}
		return a
	})
	for _, prefix := range []string{"./apigw serve ", "go run ./cmd/apigw serve "} {
		if rest, ok := strings.CutPrefix(line, prefix); ok {
			flags := ""
			if !strings.Contains(rest, "--addr") && r.ports["8080"] != "8080" {
				flags += " --addr 127.0.0.1:" + r.ports["8080"]
			}
			if !strings.Contains(rest, "--admin-addr") && r.ports["8081"] != "8081" {
				flags += " --admin-addr 127.0.0.1:" + r.ports["8081"]
			}
			line = shellQuote(apigwBin) + " serve" + flags + " " + rest
		}
	}
	if rest, ok := strings.CutPrefix(line, "aws "); ok && r.aws != "" {
		line = shellQuote(r.aws) + " " + rest
	}
	return line
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// env is the environment of a command: the AWS CLI gets only an empty HOME
// and PATH (no region, no credentials: a fresh machine); the others the
// test's environment without AWS_* and proxy variables.
func (r *docRun) env(line string) []string {
	if strings.HasPrefix(line, "aws ") {
		return []string{"HOME=" + r.t.TempDir(), "PATH=" + os.Getenv("PATH")}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasSuffix(strings.ToLower(k), "_proxy") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// run runs the commands in order.
func (r *docRun) run(cmds []docCommand) {
	r.t.Helper()
	for i := range cmds {
		c := &cmds[i]
		kind, ok := classify(c.line)
		if !ok {
			r.t.Fatalf("%s: unknown command %q", c.where, c.line)
		}
		if kind != kindBackground {
			r.waitBackground()
		}
		switch kind {
		case kindSetup:
		case kindServe:
			r.startServe(c)
		case kindBackground:
			r.startBackground(c)
		case kindStop:
			r.stopBackground()
		case kindClient:
			r.client(c)
		}
	}
}

// start runs a long-running command in its own process group.
func (r *docRun) start(c *docCommand, line string, onLine func(string)) *docProcess {
	r.t.Helper()
	p := &docProcess{cmd: c, exited: make(chan struct{}), out: &lineWriter{onLine: onLine}}
	p.proc = exec.Command("bash", "-c", "exec "+line)
	p.proc.Dir = r.dir
	p.proc.Env = r.env(c.line)
	p.proc.Stdout, p.proc.Stderr = p.out, p.out
	p.proc.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.proc.Start(); err != nil {
		r.t.Fatalf("%s: %s: %v", c.where, line, err)
	}
	go func() {
		p.code = exitCode(p.proc.Wait())
		close(p.exited)
	}()
	return p
}

// stop sends sig to the process group and waits up to 10 s; then kills it.
func (p *docProcess) stop(sig syscall.Signal) (code int, err error) {
	_ = syscall.Kill(-p.proc.Process.Pid, sig)
	select {
	case <-p.exited:
		return p.code, nil
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.proc.Process.Pid, syscall.SIGKILL)
		<-p.exited
		return -1, errors.New("no exit within 10 s (killed)")
	}
}

func (r *docRun) startServe(c *docCommand) {
	r.t.Helper()
	if r.serve != nil {
		r.stopServe()
	}
	line := r.substitute(c.line)
	ready := make(chan string, 1)
	p := r.start(c, line, func(l string) {
		if m := servingLine.FindStringSubmatch(l); m != nil {
			select {
			case ready <- m[1]:
			default:
			}
		}
	})
	r.serve = p
	want := "127.0.0.1:" + r.ports["8080"]
	select {
	case addr := <-ready:
		if addr != want {
			r.t.Fatalf("%s: %s serves on %s, want %s (the address the docs' requests use)", c.where, c.line, addr, want)
		}
		p.addr = addr
	case <-p.exited:
		r.t.Fatalf("%s: %s exited %d before serving:\n%s", c.where, line, p.code, p.out)
	case <-time.After(20 * time.Second):
		r.t.Fatalf("%s: %s did not serve within 20 s:\n%s", c.where, line, p.out)
	}
}

func (r *docRun) stopServe() {
	r.t.Helper()
	p := r.serve
	r.serve = nil
	code, err := p.stop(syscall.SIGTERM)
	if err != nil || code != 0 {
		r.t.Errorf("%s: %s after SIGTERM: exit %d %v, want 0\n%s", p.cmd.where, p.cmd.line, code, err, clip(p.out.String(), 4000))
	}
}

var docListenRE = regexp.MustCompile(`-addr[ =](\S+)`)

func (r *docRun) startBackground(c *docCommand) {
	r.t.Helper()
	m := docListenRE.FindStringSubmatch(c.line)
	if m == nil {
		r.t.Fatalf("%s: %q: the test waits for a background service at its -addr, and it has none", c.where, c.line)
	}
	line := strings.TrimSuffix(r.substitute(c.line), "&")
	p := r.start(c, line, func(string) {})
	p.addr = r.substitute(m[1])
	r.bg = append(r.bg, p)
}

// waitBackground waits until every background service accepts connections
// (go run compiles first).
func (r *docRun) waitBackground() {
	r.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for _, p := range r.bg {
		for {
			c, err := net.DialTimeout("tcp", p.addr, time.Second)
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-p.exited:
				r.t.Fatalf("%s: %s exited %d:\n%s", p.cmd.where, p.cmd.line, p.code, p.out)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				r.t.Fatalf("%s: %s does not listen on %s after 2 minutes:\n%s", p.cmd.where, p.cmd.line, p.addr, p.out)
			}
		}
	}
}

// stopBackground is kill %1 %2 in an interactive shell: SIGTERM to each
// job's process group.
func (r *docRun) stopBackground() {
	r.t.Helper()
	for _, p := range r.bg {
		if _, err := p.stop(syscall.SIGTERM); err != nil {
			r.t.Errorf("%s: %s: %v", p.cmd.where, p.cmd.line, err)
		}
		if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
			c.Close()
			r.t.Errorf("%s: %s still listens on %s after kill", p.cmd.where, p.cmd.line, p.addr)
		}
	}
	r.bg = nil
}

func (r *docRun) stopAll() {
	if r.serve != nil {
		r.stopServe()
	}
	for _, p := range r.bg {
		_, _ = p.stop(syscall.SIGKILL)
	}
	r.bg = nil
}

func (r *docRun) client(c *docCommand) {
	r.t.Helper()
	if r.serve == nil && !strings.HasPrefix(c.line, "echo ") {
		r.t.Fatalf("%s: %q comes before any apigw serve command", c.where, c.line)
	}
	line := r.substitute(c.line)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = r.dir
	cmd.Env = r.env(c.line)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if err != nil {
		r.t.Fatalf("%s: %s: %v\n--- stdout ---\n%s\n--- stderr ---\n%s\n--- apigw ---\n%s", c.where, line, err, out, stderr.String(), clip(r.serve.out.String(), 4000))
	}
	if strings.HasPrefix(c.line, "aws lambda invoke ") && !regexp.MustCompile(`"StatusCode": 200\b`).MatchString(out) {
		r.t.Errorf("%s: %s printed no \"StatusCode\": 200:\n%s", c.where, line, out)
	}
	for _, p := range c.promise {
		if !hasLine(out, p) {
			r.t.Errorf("%s: %s\nprinted:\n%s\nthe docs promise the line %s", c.where, line, out, p)
		}
	}
}

// hasLine tells whether a line of out, without surrounding blanks, is want,
// where ... in want stands for any text.
func hasLine(out, want string) bool {
	parts := strings.Split(want, "...")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if re.MatchString(strings.TrimSpace(sc.Text())) {
			return true
		}
	}
	return false
}

// awsCLIs are the distinct AWS CLI executables on PATH (say awscli v1 from
// pip and Debian's v2): the README's Invoke API example must work with each.
func awsCLIs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	var clis []string
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, "aws")
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		clis = append(clis, p)
	}
	if len(clis) == 0 {
		t.Fatal("the AWS CLI (aws) is not on PATH: the README's Invoke API example needs it (scripts/test.sh installs awscli)")
	}
	return clis
}

// ---------------------------------------------------------------------------
// the tests

// TestReadme runs the quick start, its requests and the Invoke API example
// of README.md (with every AWS CLI on PATH), and each example of the table
// in examples/README.md.
func TestReadme(t *testing.T) {
	t.Run("README.md", func(t *testing.T) {
		cmds := shCommands(t, "README.md")
		checkCommands(t, cmds)
		// What a new user needs from the README must be there.
		var build, serve, curl, invoke bool
		for _, c := range cmds {
			kind, _ := classify(c.line)
			switch {
			case c.line == "go build -o apigw ./cmd/apigw":
				build = true
			case kind == kindServe && strings.HasSuffix(c.line, " examples/users-api.yaml"):
				serve = true
			case strings.HasPrefix(c.line, "curl ") && len(c.promise) > 0:
				curl = true
			case strings.HasPrefix(c.line, "aws lambda invoke --endpoint-url http://127.0.0.1:8080 "):
				invoke = true
			}
		}
		for _, need := range []struct {
			ok   bool
			what string
		}{
			{build, "the build command go build -o apigw ./cmd/apigw"},
			{serve, "the quick start's serve command for examples/users-api.yaml"},
			{curl, "a curl request with its answer"},
			{invoke, "the Invoke API example aws lambda invoke --endpoint-url http://127.0.0.1:8080 ..."},
		} {
			if !need.ok {
				t.Errorf("README.md: no ```sh block has %s", need.what)
			}
		}
		if t.Failed() {
			t.FailNow()
		}
		for _, aws := range awsCLIs(t) {
			t.Run("aws="+aws, func(t *testing.T) {
				newDocRun(t, aws).run(cmds)
			})
		}
	})

	t.Run("examples/README.md", func(t *testing.T) {
		rows := exampleRows(t)
		byFile := map[string]exampleRow{}
		for _, row := range rows {
			byFile[row.file] = row
		}
		templates, err := filepath.Glob(filepath.Join(moduleRoot, "examples", "*.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for _, p := range templates {
			if _, ok := byFile[filepath.Base(p)]; !ok {
				missing = append(missing, filepath.Base(p))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("examples/README.md: the table has no row for %s", strings.Join(missing, ", "))
		}
		for _, row := range rows {
			t.Run(row.file, func(t *testing.T) {
				if _, err := os.Stat(example(row.file)); err != nil {
					t.Fatalf("the table's row names %s: %v", row.file, err)
				}
				checkCommands(t, row.cmds)
				var serves, curls int
				for _, c := range row.cmds {
					if kind, _ := classify(c.line); kind == kindServe {
						serves++
						if !strings.HasSuffix(c.line, " examples/"+row.file) {
							t.Errorf("%s: %q does not serve examples/%s", c.where, c.line, row.file)
						}
					} else if strings.HasPrefix(c.line, "curl ") {
						curls++
					}
				}
				if serves != 1 || curls == 0 {
					t.Errorf("the row of %s has %d serve commands and %d curl requests, want one ./apigw serve and a request", row.file, serves, curls)
				}
				if t.Failed() {
					t.FailNow()
				}
				newDocRun(t, "").run(row.cmds)
			})
		}
	})
}
