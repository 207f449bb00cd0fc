package lambda

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apigw/apigw/internal/lambda/bootstrap"
)

// Options tune the local runtime.
type Options struct {
	Logger *slog.Logger
	// WorkDir holds inline code, extracted archives and the bootstraps; a
	// temporary folder when empty. apigw owns it: it is emptied at start
	// (what a killed apigw left behind goes then) and removed by Close.
	WorkDir string
	// DefaultConcurrency caps instances of a function without
	// ReservedConcurrentExecutions (default 10).
	DefaultConcurrency int
	// IdleTimeout ends instances idle for this long (default 5 minutes).
	IdleTimeout time.Duration
	// PassEnv lists variables of apigw's environment passed to functions
	// (AWS credentials, so functions can call real AWS as with SAM).
	PassEnv []string
}

// Runtime runs functions locally through the Lambda Runtime API, each in a
// pool of warm instances.
type Runtime struct {
	opts    Options
	log     *slog.Logger
	pools   map[string]*pool // by name, logical ID and ARN
	list    []*pool
	workDir string
	ownDir  bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

var _ Invoker = (*Runtime)(nil)

// NewRuntime prepares every function: its code folder and the program that
// runs it. Problems are returned together, each naming its function.
func NewRuntime(specs []Spec, opts Options) (*Runtime, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.DefaultConcurrency <= 0 {
		opts.DefaultConcurrency = 10
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 5 * time.Minute
	}
	rt := &Runtime{opts: opts, log: opts.Logger, pools: map[string]*pool{}, stop: make(chan struct{})}
	if opts.WorkDir == "" {
		dir, err := os.MkdirTemp("", "apigw-lambda-")
		if err != nil {
			return nil, err
		}
		rt.workDir, rt.ownDir = dir, true
	} else {
		// Absolute: instances run in their code folders.
		dir, err := filepath.Abs(opts.WorkDir)
		if err != nil {
			return nil, err
		}
		rt.workDir, rt.ownDir = dir, true
		if err := os.RemoveAll(rt.workDir); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(rt.workDir, 0o755); err != nil {
			return nil, err
		}
	}
	pyBoot, nodeBoot, err := bootstrap.Write(rt.workDir)
	if err != nil {
		rt.Close()
		return nil, err
	}
	var errs []error
	for _, s := range specs {
		p, err := rt.newPool(s, pyBoot, nodeBoot)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (function %s): %v", s.LogicalID, s.Name, err))
			continue
		}
		rt.list = append(rt.list, p)
		for _, key := range []string{s.Name, s.LogicalID, s.ARN} {
			if key != "" {
				rt.pools[key] = p
			}
		}
	}
	if len(errs) > 0 {
		rt.Close()
		return nil, errors.Join(errs...)
	}
	rt.wg.Add(1)
	go rt.reaper()
	return rt, nil
}

func (rt *Runtime) newPool(s Spec, pyBoot, nodeBoot string) (*pool, error) {
	lang, err := languageOf(s.Runtime)
	if err != nil {
		return nil, err
	}
	if s.Timeout <= 0 {
		s.Timeout = 3 * time.Second
	}
	if s.MemoryMB <= 0 {
		s.MemoryMB = 128
	}
	interp, err := interpreter(lang, s.Runtime)
	if err != nil {
		return nil, err
	}
	dir, err := prepareCode(&s, lang, rt.workDir)
	if err != nil {
		return nil, err
	}
	p := &pool{rt: rt, spec: s, lang: lang, codeDir: dir, idleAt: map[*instance]time.Time{}, all: map[*instance]bool{}}
	switch lang {
	case langPython:
		p.argv = []string{interp, "-u", pyBoot}
	case langNode:
		p.argv = []string{interp, nodeBoot}
	case langProvided:
		p.argv = []string{filepath.Join(dir, "bootstrap")}
		if _, err := os.Stat(p.argv[0]); err != nil {
			return nil, fmt.Errorf("runtime %s needs an executable named bootstrap in %s", s.Runtime, dir)
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

// lookup finds a function by name, logical ID, ARN or partial ARN; the
// qualifier must be $LATEST (apigw has no published versions).
func (rt *Runtime) lookup(ref string) (*pool, error) {
	name, qualifier := splitQualifier(ref)
	p := rt.pools[name]
	if p == nil {
		return nil, ErrNotFound
	}
	if qualifier != "" && qualifier != "$LATEST" {
		return nil, ErrNotFound
	}
	return p, nil
}

// splitQualifier splits NAME[:QUALIFIER], ARN[:QUALIFIER] and partial ARNs
// (ACCOUNT:function:NAME) into the function name and the qualifier.
func splitQualifier(ref string) (name, qualifier string) {
	if i := strings.Index(ref, "function:"); i >= 0 {
		rest := ref[i+len("function:"):]
		name, qualifier, _ = strings.Cut(rest, ":")
		return name, qualifier
	}
	name, qualifier, _ = strings.Cut(ref, ":")
	return name, qualifier
}

// Has reports whether the runtime runs a function.
func (rt *Runtime) Has(ref string) bool { _, err := rt.lookup(ref); return err == nil }

// Invoke implements Invoker.
func (rt *Runtime) Invoke(ctx context.Context, function string, payload []byte) (Result, error) {
	return rt.invoke(ctx, function, payload, false)
}

// InvokeWithLog is Invoke that also returns the tail of the invocation's log.
func (rt *Runtime) InvokeWithLog(ctx context.Context, function string, payload []byte) (Result, error) {
	return rt.invoke(ctx, function, payload, true)
}

func (rt *Runtime) invoke(ctx context.Context, function string, payload []byte, wantLog bool) (Result, error) {
	p, err := rt.lookup(function)
	if err != nil {
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

// Health lists failing functions: the reason each last failed to start.
func (rt *Runtime) Health() map[string]string {
	out := map[string]string{}
	for _, p := range rt.list {
		if msg := p.health.get(); msg != "" {
			out["function "+p.spec.Name] = msg
		}
	}
	return out
}

// Instances reports a function's running and idle instances.
func (rt *Runtime) Instances(function string) (total, idle int) {
	p, err := rt.lookup(function)
	if err != nil {
		return 0, 0
	}
	return p.stats()
}

// Close ends every instance and removes the work folder.
func (rt *Runtime) Close() {
	select {
	case <-rt.stop:
		return
	default:
		close(rt.stop)
	}
	for _, p := range rt.list {
		p.close()
	}
	rt.wg.Wait()
	if rt.ownDir {
		os.RemoveAll(rt.workDir)
	}
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
			for _, p := range rt.list {
				p.reap(rt.opts.IdleTimeout)
			}
		}
	}
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
