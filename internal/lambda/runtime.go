package lambda

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apigw/apigw/internal/funcref"
	"github.com/apigw/apigw/internal/lambda/bootstrap"
)

// Options tune the local runtime.
type Options struct {
	Logger *slog.Logger
	// WorkDir holds inline code, extracted archives and the bootstraps; a
	// temporary folder when empty. apigw owns it: it is emptied at start
	// (what a killed apigw left behind goes then) and removed by Close.
	// One Runtime per WorkDir: a process keeps one Runtime for its life and
	// moves it from one template load to the next with Prepare.
	WorkDir string
	// DefaultConcurrency caps instances of a function without
	// ReservedConcurrentExecutions (default 10).
	DefaultConcurrency int
	// IdleTimeout ends instances idle for this long (default 5 minutes).
	IdleTimeout time.Duration
	// PassEnv lists variables of apigw's environment passed to functions
	// (AWS credentials, so functions can call real AWS as with SAM).
	PassEnv []string
	// SkipDirs are folders that are never a function's code even inside a
	// code folder (--data, where apigw itself writes: a template with
	// CodeUri "." next to it would otherwise change with every start).
	SkipDirs []string
}

// Runtime runs functions locally through the Lambda Runtime API, each in a
// pool of warm instances. It outlives template loads: Prepare builds the
// pools a new load needs, reusing the warm pools of functions that did not
// change, and the Plan it returns is committed or aborted as a whole.
type Runtime struct {
	opts             Options
	log              *slog.Logger
	workDir          string
	pyBoot, nodeBoot string
	folderSeq        atomic.Uint64
	view             atomic.Pointer[Functions] // the committed functions
	mu               sync.Mutex
	current          map[string]*pool // committed pools by function name
	live             map[*pool]bool   // current and retiring pools (the reaper's list)
	preparing        bool
	closed           bool
	stop             chan struct{}
	stopOnce         sync.Once
	stopContext      context.Context
	wg               sync.WaitGroup // the reaper and asynchronous invocations
}

var _ Invoker = (*Runtime)(nil)

// New starts an empty runtime: its work folder and bootstraps.
func New(opts Options) (*Runtime, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DefaultConcurrency <= 0 {
		opts.DefaultConcurrency = 10
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	rt := &Runtime{opts: opts, log: opts.Logger, current: map[string]*pool{}, live: map[*pool]bool{}, stop: make(chan struct{})}
	if opts.WorkDir == "" {
		dir, err := os.MkdirTemp("", "apigw-lambda-")
		if err != nil {
			return nil, err
		}
		rt.workDir = dir
	} else {
		// Absolute: instances run in their code folders.
		dir, err := filepath.Abs(opts.WorkDir)
		if err != nil {
			return nil, err
		}
		rt.workDir = dir
		if err := os.RemoveAll(rt.workDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(rt.workDir, 0o755); err != nil {
			return nil, err
		}
	}
	var err error
	rt.pyBoot, rt.nodeBoot, err = bootstrap.Write(rt.workDir)
	if err != nil {
		os.RemoveAll(rt.workDir)
		return nil, err
	}
	rt.view.Store(&Functions{local: map[string]*pool{}, remote: map[string]Invoker{}})
	rt.wg.Add(1)
	go rt.reaper()
	return rt, nil
}

// NewRuntime starts a runtime serving specs: New, Prepare and Commit.
func NewRuntime(specs []Spec, opts Options) (*Runtime, error) {
	rt, err := New(opts)
	if err != nil {
		return nil, err
	}
	plan, err := rt.Prepare(specs, nil)
	if err != nil {
		rt.Close()
		return nil, err
	}
	plan.Commit()
	return rt, nil
}

// Plan is a prepared set of functions: the pools of one template load. It
// changes nothing running until Commit; Abort throws it away.
type Plan struct {
	rt       *Runtime
	byName   map[string]*pool // the new set
	fresh    []*pool          // pools this plan created
	view     *Functions
	finished bool
}

// Functions is the view of the functions one template load calls: local
// pools and remote invokers, by name, logical ID and ARN.
func (pl *Plan) Functions() *Functions { return pl.view }

// Prepare readies the pools for specs (and the remote invokers given, by
// every name they answer to). A function whose spec and code are unchanged
// keeps its pool and warm instances; a changed or new one gets a new pool
// with its code in a folder of its own. Problems are returned together,
// each naming its function, and then nothing was changed.
func (rt *Runtime) Prepare(specs []Spec, remote map[string]Invoker) (*Plan, error) {
	rt.mu.Lock()
	if rt.closed || rt.preparing {
		rt.mu.Unlock()
		return nil, errors.New("the runtime is closed or busy with another load")
	}
	rt.preparing = true
	current := maps.Clone(rt.current)
	rt.mu.Unlock()
	pl := &Plan{rt: rt, byName: map[string]*pool{}, view: &Functions{local: map[string]*pool{}, remote: map[string]Invoker{}}}
	var errs []error
	for _, s := range specs {
		key, err := specKey(s, rt.opts.SkipDirs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (function %s): %w", s.LogicalID, s.Name, &SpecError{Property: "Code", Err: err}))
			continue
		}
		p := current[s.Name]
		if p == nil || p.key != key {
			p, err = rt.newPool(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s (function %s): %w", s.LogicalID, s.Name, err))
				continue
			}
			p.key = key
			pl.fresh = append(pl.fresh, p)
		}
		pl.byName[s.Name] = p
		for _, name := range []string{s.Name, s.LogicalID, s.ARN} {
			if name != "" {
				pl.view.local[name] = p
			}
		}
	}
	for name, inv := range remote {
		pl.view.remote[name] = inv
	}
	if len(errs) > 0 {
		pl.Abort()
		return nil, errors.Join(errs...)
	}
	return pl, nil
}

// Commit makes the plan's functions the runtime's: pools of functions that
// changed or went away are retired (their busy instances finish what they
// run, idle ones stop, their code folders go once no instance uses them).
func (pl *Plan) Commit() {
	if pl.finished {
		return
	}
	pl.finished = true
	rt := pl.rt
	rt.mu.Lock()
	old := rt.current
	rt.current = pl.byName
	for _, p := range pl.byName {
		rt.live[p] = true
	}
	rt.preparing = false
	rt.mu.Unlock()
	rt.view.Store(pl.view)
	for name, p := range old {
		if next := pl.byName[name]; next != p {
			p.retire(next)
		}
	}
}

// Abort throws the plan away: the pools it created stop, nothing else changes.
func (pl *Plan) Abort() {
	if pl.finished {
		return
	}
	pl.finished = true
	for _, p := range pl.fresh {
		p.retire(nil)
	}
	pl.rt.mu.Lock()
	pl.rt.preparing = false
	pl.rt.mu.Unlock()
}

// specKey identifies a function's settings and code: a pool is reused
// only for the same key. A folder's code is known by its files' names,
// sizes, modes and times; an archive and inline code by their bytes.
func specKey(s Spec, skipDirs []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q %d %d %d %q %q %q\n", s.Name, s.LogicalID, s.ARN, s.Runtime, s.Handler,
		s.MemoryMB, s.Timeout, s.Reserved, s.Region, s.AccountID, s.Description)
	for _, k := range sortedKeys(s.Env) {
		fmt.Fprintf(h, "env %q=%q\n", k, s.Env[k])
	}
	switch {
	case s.Inline != "":
		fmt.Fprintf(h, "inline %q\n", s.Inline)
	case s.Zip != "":
		f, err := os.Open(s.Zip)
		if err != nil {
			return "", fmt.Errorf("code archive: %v", err)
		}
		defer f.Close()
		fmt.Fprintf(h, "zip %q\n", s.Zip)
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("code archive: %v", err)
		}
	case s.Dir != "":
		fmt.Fprintf(h, "dir %q\n", s.Dir)
		n := 0
		root, err := filepath.Abs(s.Dir)
		if err != nil {
			return "", err
		}
		s.Dir = root // the walk's paths are absolute, as skipDirs are
		err = filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if path != s.Dir && (IgnoredCodeFile(d.Name()) || d.IsDir() && slices.Contains(skipDirs, path)) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if n++; n > maxCodeFiles {
				return fmt.Errorf("more than %d files", maxCodeFiles)
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			if d.IsDir() { // a folder's time changes with what is added to it, ignored files too
				fmt.Fprintf(h, "%q dir\n", path)
				return nil
			}
			fmt.Fprintf(h, "%q %d %v %d\n", path, info.Size(), info.Mode(), info.ModTime().UnixNano())
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("code folder: %v", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// IgnoredCodeFile tells files and folders in a code folder that are no
// change of the code: what runtimes write next to it (python's bytecode
// cache) and editors' and version control's own files.
func IgnoredCodeFile(name string) bool {
	switch {
	case name == "__pycache__", name == ".git", name == ".DS_Store",
		strings.HasSuffix(name, ".pyc"), strings.HasSuffix(name, "~"),
		strings.HasSuffix(name, ".swp"), strings.HasSuffix(name, ".swx"):
		return true
	}
	return false
}

// maxCodeFiles bounds the walk of a code folder (node_modules can be large).
const maxCodeFiles = 200_000

// SpecError is a function that cannot run here, with the property at fault.
type SpecError struct {
	Property string // "Runtime" or "Code"
	Err      error
}

func (e *SpecError) Error() string { return e.Err.Error() }
func (e *SpecError) Unwrap() error { return e.Err }

func (rt *Runtime) newPool(s Spec) (*pool, error) {
	lang, err := languageOf(s.Runtime)
	if err != nil {
		return nil, &SpecError{"Runtime", err}
	}
	if s.Timeout <= 0 {
		s.Timeout = 3 * time.Second
	}
	if s.MemoryMB <= 0 {
		s.MemoryMB = 128
	}
	interp, err := interpreter(lang, s.Runtime)
	if err != nil {
		return nil, &SpecError{"Runtime", err}
	}
	p := &pool{rt: rt, spec: s, lang: lang, idleAt: map[*instance]time.Time{}, all: map[*instance]bool{}}
	if s.Dir == "" {
		// Each version of a function's code gets a folder of its own, so a
		// new version never changes the files of instances still running.
		p.ownDir = filepath.Join(rt.workDir, "code", fmt.Sprintf("%s-%d", safeName(s.Name), rt.folderSeq.Add(1)))
	}
	dir, err := prepareCode(&s, lang, p.ownDir)
	if err != nil {
		if p.ownDir != "" {
			os.RemoveAll(p.ownDir)
		}
		return nil, &SpecError{"Code", err}
	}
	p.codeDir = dir
	switch lang {
	case langPython:
		p.argv = []string{interp, "-u", rt.pyBoot}
	case langNode:
		p.argv = []string{interp, rt.nodeBoot}
	case langProvided:
		p.argv = []string{filepath.Join(dir, "bootstrap")}
		if _, err := os.Stat(p.argv[0]); err != nil {
			p.removeDir()
			return nil, &SpecError{"Code", fmt.Errorf("runtime %s needs an executable named bootstrap in %s", s.Runtime, dir)}
		}
	}
	if (lang == langPython || lang == langNode) && !strings.Contains(s.Handler, ".") {
		// Reported at the first invocation, as Lambda does; noted now.
		rt.log.Warn("function handler has no module part", "function", s.Name, "handler", s.Handler)
	}
	p.max = rt.opts.DefaultConcurrency
	if s.Reserved > 0 {
		p.max = s.Reserved
	}
	// /healthz says "ready" only for functions that can be invoked: a
	// handler module or bootstrap that is plainly missing shows now, not
	// at the first request. The first invocation's real outcome replaces it.
	if msg := p.precheck(); msg != "" {
		p.health.set(msg)
	}
	return p, nil
}

// precheck looks for the handler's module file or the bootstrap, and
// returns what Lambda will report when it is missing.
func (p *pool) precheck() string {
	switch p.lang {
	case langProvided:
		if syscall.Access(p.argv[0], 1 /* X_OK */) != nil {
			return "Runtime.InvalidEntrypoint: " + p.argv[0] + " is not executable"
		}
	case langPython, langNode:
		i := strings.LastIndexByte(p.spec.Handler, '.')
		if i <= 0 {
			return "Runtime.MalformedHandlerName: Bad handler '" + p.spec.Handler + "'"
		}
		module := p.spec.Handler[:i]
		exts := []string{".py", "/__init__.py"}
		if p.lang == langPython {
			module = strings.ReplaceAll(module, ".", "/")
		} else {
			exts = []string{".js", ".mjs", ".cjs", "/index.js"}
		}
		for _, ext := range exts {
			if _, err := os.Stat(filepath.Join(p.codeDir, module+ext)); err == nil {
				return ""
			}
		}
		return "Runtime.ImportModuleError: no module " + module + " in " + p.codeDir
	}
	return ""
}

// environ is the environment of an instance: Lambda's reserved variables,
// then the function's own.
func (p *pool) environ(runtimeAPI string) []string {
	s := p.spec
	env := map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        s.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(s.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + s.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]" + randomHex(16),
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_REGION":                      s.Region,
		"AWS_DEFAULT_REGION":              s.Region,
		"LAMBDA_TASK_ROOT":                p.codeDir,
		"LAMBDA_RUNTIME_DIR":              p.rt.workDir,
		"_HANDLER":                        s.Handler,
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"PATH":                            os.Getenv("PATH"),
	}
	switch p.lang {
	case langPython:
		env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + s.Runtime
		env["PYTHONUNBUFFERED"] = "1"
		// Lambda's /var/task is read-only: no __pycache__ in the user's
		// code folder, and no stale bytecode after an edit that keeps a
		// file's size within the same second.
		env["PYTHONDONTWRITEBYTECODE"] = "1"
	case langNode:
		env["AWS_EXECUTION_ENV"] = "AWS_Lambda_" + s.Runtime
		env["NODE_PATH"] = filepath.Join(p.codeDir, "node_modules")
	}
	for _, name := range p.rt.opts.PassEnv {
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		}
	}
	for k, v := range s.Env {
		if reservedEnv[k] {
			continue
		}
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for _, k := range sortedKeys(env) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// reservedEnv are variables Lambda sets itself; a function cannot override them.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true,
	"AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true, "LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// Functions is one template load's view of its functions: the gateway's
// AWS_PROXY integrations and the Invoke API of that load call through it, so
// a request finishes against the functions it started with.
type Functions struct {
	local  map[string]*pool   // by name, logical ID and ARN
	remote map[string]Invoker // by name, logical ID and ARN
}

var _ Invoker = (*Functions)(nil)

// NewFunctions is a view of remote invokers only (no local runtime).
func NewFunctions(remote map[string]Invoker) *Functions {
	return &Functions{local: map[string]*pool{}, remote: maps.Clone(remote)}
}

// lookupLocal finds a local function by name, logical ID, ARN or partial
// ARN; the qualifier must be $LATEST (apigw has no published versions).
func (f *Functions) lookupLocal(ref string) (*pool, error) {
	if p := f.local[ref]; p != nil {
		return p, nil
	}
	r, err := funcref.Parse(ref)
	if err != nil {
		return nil, ErrNotFound
	}
	p := f.local[r.Name]
	if p == nil || r.Qualifier != "" && r.Qualifier != "$LATEST" {
		return nil, ErrNotFound
	}
	return p, nil
}

// Has reports whether a function is in the view, local or remote.
func (f *Functions) Has(ref string) bool {
	if _, err := f.lookupLocal(ref); err == nil {
		return true
	}
	return f.remoteFor(ref) != nil
}

func (f *Functions) remoteFor(ref string) Invoker {
	if inv := f.remote[ref]; inv != nil {
		return inv
	}
	if r, err := funcref.Parse(ref); err == nil {
		return f.remote[r.Name]
	}
	return nil
}

// Invoke implements Invoker.
func (f *Functions) Invoke(ctx context.Context, function string, payload []byte) (Result, error) {
	return f.invoke(ctx, function, payload, false)
}

func (f *Functions) invoke(ctx context.Context, function string, payload []byte, wantLog bool) (Result, error) {
	p, err := f.lookupLocal(function)
	if err != nil {
		if inv := f.remoteFor(function); inv != nil {
			return inv.Invoke(ctx, function, payload)
		}
		return Result{}, fmt.Errorf("%w: %s", err, function)
	}
	if len(payload) > maxPayload {
		return Result{}, fmt.Errorf("%w: %s: %d bytes", ErrRequestTooLarge, function, len(payload))
	}
	var tail *tailBuffer
	if wantLog {
		tail = &tailBuffer{}
	}
	res, _, err := p.invoke(ctx, payload, invokeOptions{tail: tail})
	res.Log = tail.bytes()
	return res, err
}

// Functions is the committed view.
func (rt *Runtime) Functions() *Functions { return rt.view.Load() }

// Has reports whether the runtime runs a function.
func (rt *Runtime) Has(ref string) bool { _, err := rt.view.Load().lookupLocal(ref); return err == nil }

// Invoke implements Invoker, on the committed functions.
func (rt *Runtime) Invoke(ctx context.Context, function string, payload []byte) (Result, error) {
	return rt.view.Load().invoke(ctx, function, payload, false)
}

// InvokeWithLog is Invoke that also returns the tail of the invocation's log.
func (rt *Runtime) InvokeWithLog(ctx context.Context, function string, payload []byte) (Result, error) {
	return rt.view.Load().invoke(ctx, function, payload, true)
}

// Health lists failing functions of the committed set: the reason each
// last failed to start.
func (rt *Runtime) Health() map[string]string {
	out := map[string]string{}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	for _, p := range rt.current {
		if msg := p.health.get(); msg != "" {
			out["function "+p.spec.Name] = msg
		}
	}
	return out
}

// Instances reports a committed function's running and idle instances.
func (rt *Runtime) Instances(function string) (total, idle int) {
	p, err := rt.view.Load().lookupLocal(function)
	if err != nil {
		return 0, 0
	}
	return p.stats()
}

// Close ends every instance and asynchronous invocation and removes the
// work folder.
func (rt *Runtime) Close() {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return
	}
	rt.closed = true
	close(rt.stop)
	pools := make([]*pool, 0, len(rt.live))
	for p := range rt.live {
		pools = append(pools, p)
	}
	rt.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range pools {
		wg.Add(1)
		go func() { defer wg.Done(); p.close() }()
	}
	wg.Wait()
	rt.wg.Wait()
	os.RemoveAll(rt.workDir)
}

// reaper ends idle instances from time to time.
func (rt *Runtime) reaper() {
	defer rt.wg.Done()
	t := time.NewTicker(min(rt.opts.IdleTimeout/2, 30*time.Second))
	defer t.Stop()
	for {
		select {
		case <-rt.stop:
			return
		case <-t.C:
			rt.mu.Lock()
			pools := make([]*pool, 0, len(rt.live))
			for p := range rt.live {
				pools = append(pools, p)
			}
			rt.mu.Unlock()
			for _, p := range pools {
				p.reap(rt.opts.IdleTimeout)
			}
		}
	}
}

// forget drops a retired pool that has no instance left.
func (rt *Runtime) forget(p *pool) {
	rt.mu.Lock()
	delete(rt.live, p)
	rt.mu.Unlock()
}

func (rt *Runtime) logFunction(name, requestID, line string) {
	if requestID == "" {
		rt.log.Info(line, "function", name)
		return
	}
	rt.log.Info(line, "function", name, "requestId", requestID)
}

// logReport writes the REPORT line CloudWatch Logs shows after each invocation.
func (rt *Runtime) logReport(p *pool, inv *invocation, dur, initDur time.Duration, maxMB int) {
	ms := float64(dur.Microseconds()) / 1000
	line := fmt.Sprintf("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %d MB",
		inv.id, ms, int64(ms+0.999999), p.spec.MemoryMB, maxMB)
	if initDur > 0 {
		line += fmt.Sprintf("\tInit Duration: %.2f ms", float64(initDur.Microseconds())/1000)
	}
	inv.logTail.writeLine(line)
	rt.logFunction(p.spec.Name, inv.id, line)
}

func randomHex(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newTraceHeader is a Lambda-Runtime-Trace-Id value.
func newTraceHeader() string {
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), randomHex(24), randomHex(16))
}
