package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/apigw/apigw/internal/memtrim"
	"github.com/valyala/fasthttp"
)

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// invocation is one event handed to an instance.
type invocation struct {
	id       string
	payload  []byte
	deadline time.Time // set when the runtime takes the event
	traceID  string
	// clientContext is the caller's client context JSON, for
	// Lambda-Runtime-Client-Context.
	clientContext string
	done          chan outcome  // buffered 1
	taken         chan struct{} // closed once the runtime has the event and its deadline
	logTail       *tailBuffer   // nil unless the caller asked for the log
	started       time.Time
}

// outcome is how an invocation ended.
type outcome struct {
	payload  []byte
	errType  string // set for function errors (X-Amz-Function-Error: Unhandled)
	initErr  bool   // the init phase failed (/runtime/init/error, an exit or a timeout before the first next)
	exitErr  error  // the process ended
	timedOut bool
}

// instance is one warm execution environment: a runtime process and the
// Runtime API it talks to, on its own loopback port.
type instance struct {
	pool    *pool
	cmd     *exec.Cmd
	srv     *fasthttp.Server
	ln      net.Listener
	events  chan *invocation // next takes from here
	exited  chan struct{}    // closed when the process has ended
	exitErr error
	started time.Time
	initDur time.Duration // time from start to the first next call

	outputs []*outputPipe // the runtime's stdout and stderr

	mu      sync.Mutex
	current *invocation
	// logInv is the invocation output lines belong to: the current one, or
	// the last one until the next starts (a line may be read after the
	// response was posted).
	logInv  *invocation
	initErr *outcome
	// Peak memory for REPORT lines, read from /proc at most once a second.
	runtimePID int
	rssMB      int
	rssAt      time.Time
	ready      chan struct{} // closed at the first next call
	once       sync.Once
	// waiting is true while the runtime is blocked in next; nextCalled
	// gets a signal each time it calls next.
	waiting    bool
	nextCalled chan struct{}
}

// startInstance launches a runtime process for the pool's function.
func startInstance(p *pool) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtime API listener: %v", err)
	}
	in := &instance{
		pool:       p,
		ln:         ln,
		events:     make(chan *invocation),
		exited:     make(chan struct{}),
		ready:      make(chan struct{}),
		nextCalled: make(chan struct{}, 1),
		started:    time.Now(),
	}
	in.srv = &fasthttp.Server{Handler: in.serveRuntimeAPI, MaxRequestBodySize: maxRuntimeBody,
		NoDefaultServerHeader: true, NoDefaultDate: true, NoDefaultContentType: true, Logger: discardLogger{}}
	go in.srv.Serve(ln)

	if p.lang == langProvided {
		// A bootstrap that cannot be executed is Lambda's InvalidEntrypoint;
		// tell it here, before the supervisor hides the exec error.
		if err := syscall.Access(p.argv[0], 1 /* X_OK */); err != nil {
			in.ln.Close()
			return in, &startError{err: &os.PathError{Op: "fork/exec", Path: p.argv[0], Err: err}}
		}
	}
	self, err := os.Executable()
	if err != nil {
		in.ln.Close()
		return nil, err
	}
	cmd := exec.Command(self, p.argv...)
	cmd.Dir = p.codeDir
	cmd.Env = append(p.environ(ln.Addr().String()), supervisorEnv+"=1")
	// SIGTERM, not SIGKILL: the supervisor must live to end what the
	// function started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	outR, outW, err := os.Pipe()
	if err != nil {
		in.ln.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		in.ln.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		in.ln.Close()
		return in, &startError{err: err}
	}
	in.cmd = cmd
	in.outputs = []*outputPipe{{f: outR}, {f: errR}}
	var logs sync.WaitGroup
	logs.Add(2)
	go in.copyOutput(in.outputs[0], &logs)
	go in.copyOutput(in.outputs[1], &logs)
	go func() {
		logs.Wait()
		in.exitErr = cmd.Wait()
		close(in.exited)
		in.ln.Close()
	}()
	return in, nil
}

// startError is a runtime process that could not be started at all (a
// bootstrap that is missing or not executable).
type startError struct{ err error }

func (e *startError) Error() string { return e.err.Error() }

// copyOutput sends the function's output lines to the log with the
// function name and the current request id, as CloudWatch Logs would show.
func (in *instance) copyOutput(r *outputPipe, wg *sync.WaitGroup) {
	defer wg.Done()
	defer r.f.Close()
	lr := newLineReader(r)
	for {
		b, truncated, err := lr.next()
		if err != nil {
			return
		}
		line := string(b)
		if truncated {
			line += " [truncated]"
		}
		in.mu.Lock()
		cur := in.logInv
		in.mu.Unlock()
		id := ""
		if cur != nil {
			id = cur.id
			cur.logTail.writeLine(line)
		}
		in.pool.rt.logFunction(in.pool.spec.Name, id, line)
	}
}

// stop ends the process and its Runtime API.
//
// The supervisor is told (SIGTERM), not killed: it ends every process the
// function started, also those in sessions or groups of their own, which a
// kill of the process group would miss. Should it not end, the group is
// killed.
func (in *instance) stop() {
	if in.cmd != nil && in.cmd.Process != nil && in.alive() { // (an ended one's pid may be another process's now)
		pid := in.cmd.Process.Pid
		syscall.Kill(pid, syscall.SIGTERM)
		go func() {
			t := time.NewTimer(5 * time.Second)
			defer t.Stop()
			select {
			case <-in.exited:
			case <-t.C:
				syscall.Kill(-pid, syscall.SIGKILL)
			}
		}()
	}
	in.ln.Close()
}

// exitedBeforeNext waits, briefly, for a warm instance to ask for its next
// event; it reports true when the process ended instead. Runtimes call next
// right after answering, so the wait is short; a runtime that exits after
// answering is told apart from one that is merely slow to loop.
func (in *instance) exitedBeforeNext() bool {
	in.mu.Lock()
	waiting := in.waiting
	in.mu.Unlock()
	if waiting {
		return false
	}
	t := time.NewTimer(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-in.exited:
			return true
		case <-in.nextCalled:
			return false
		case <-t.C:
			return !in.alive()
		}
	}
}

func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// serveRuntimeAPI routes the Runtime API's four endpoints. It runs on
// fasthttp: two Runtime API exchanges per invocation cost apigw more than
// the invocation's own event and response handling on net/http.
func (in *instance) serveRuntimeAPI(ctx *fasthttp.RequestCtx) {
	path := string(ctx.Path())
	rest, ok := strings.CutPrefix(path, "/2018-06-01/runtime/")
	switch {
	case !ok:
	case rest == "invocation/next" && ctx.IsGet():
		in.next(ctx)
		return
	case rest == "init/error" && ctx.IsPost():
		in.initError(ctx)
		return
	case strings.HasPrefix(rest, "invocation/") && ctx.IsPost():
		id, what, _ := strings.Cut(strings.TrimPrefix(rest, "invocation/"), "/")
		switch what {
		case "response":
			in.response(ctx, id)
			return
		case "error":
			in.invocationError(ctx, id)
			return
		}
	}
	writeRuntimeError(ctx, fasthttp.StatusNotFound, "NotFound", "no such Runtime API endpoint: "+path)
}

// next is GET /runtime/invocation/next: it blocks until there is an event.
func (in *instance) next(ctx *fasthttp.RequestCtx) {
	in.once.Do(func() {
		in.initDur = time.Since(in.started)
		close(in.ready)
	})
	in.mu.Lock()
	in.waiting = true
	in.mu.Unlock()
	select {
	case in.nextCalled <- struct{}{}:
	default:
	}
	var inv *invocation
	select {
	case inv = <-in.events:
	case <-in.exited:
		return
	}
	inv.deadline = time.Now().Add(in.pool.spec.Timeout)
	in.mu.Lock()
	in.current = inv
	in.logInv = inv
	in.waiting = false
	in.mu.Unlock()
	select { // this call's signal is spent
	case <-in.nextCalled:
	default:
	}
	close(inv.taken)
	h := &ctx.Response.Header
	h.SetContentType("application/json")
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", in.pool.spec.ARN)
	h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	ctx.SetStatusCode(fasthttp.StatusOK)
	if len(inv.payload) > memtrim.LargeBody {
		// A copy of its own (the caller may reuse inv.payload once the
		// invocation ends), outside fasthttp's buffer pool.
		ctx.Response.SetBodyRaw(append([]byte(nil), inv.payload...))
		memtrim.Note()
		return
	}
	ctx.SetBody(inv.payload)
}

// take returns the current invocation if id names it, clearing it.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.current == nil || in.current.id != id {
		return nil
	}
	inv := in.current
	in.current = nil
	return inv
}

func writeRuntimeError(ctx *fasthttp.RequestCtx, status int, errType, msg string) {
	ctx.Response.Header.SetContentType("application/json")
	ctx.SetStatusCode(status)
	b, _ := json.Marshal(map[string]string{"errorType": errType, "errorMessage": msg})
	ctx.SetBody(b)
}

func accepted(ctx *fasthttp.RequestCtx) {
	ctx.Response.Header.SetContentType("application/json")
	ctx.SetStatusCode(fasthttp.StatusAccepted)
	ctx.SetBodyString(`{"status":"OK"}`)
}

// maxPayload is Lambda's synchronous payload limit, each way.
const maxPayload = 6 << 20

// maxRuntimeBody bounds what the Runtime API reads from a runtime; larger
// than maxPayload so an oversized response is told apart and reported.
const maxRuntimeBody = 64 << 20

// response is POST /runtime/invocation/{id}/response.
func (in *instance) response(ctx *fasthttp.RequestCtx, id string) {
	inv := in.take(id)
	if inv == nil {
		writeRuntimeError(ctx, fasthttp.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	body := ctx.PostBody()
	if len(body) > maxPayload {
		ctx.Request.SwapBody(nil)
		memtrim.Note()
		inv.done <- outcome{errType: "Unhandled",
			payload: errorPayload("Function.ResponseSizeTooLarge", fmt.Sprintf("Response payload size exceeded maximum allowed payload size (%d bytes).", maxPayload))}
		writeRuntimeError(ctx, fasthttp.StatusRequestEntityTooLarge, "Function.ResponseSizeTooLarge", "response too large")
		return
	}
	if len(body) > memtrim.LargeBody {
		// Take the buffer rather than copy it, and keep it out of the pool.
		inv.done <- outcome{payload: ctx.Request.SwapBody(nil)}
		memtrim.Note()
	} else {
		inv.done <- outcome{payload: append([]byte(nil), body...)}
	}
	accepted(ctx)
}

// invocationError is POST /runtime/invocation/{id}/error.
func (in *instance) invocationError(ctx *fasthttp.RequestCtx, id string) {
	inv := in.take(id)
	if inv == nil {
		writeRuntimeError(ctx, fasthttp.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	errType := string(ctx.Request.Header.Peek("Lambda-Runtime-Function-Error-Type"))
	inv.done <- outcome{payload: normalizeError(ctx.PostBody(), errType), errType: "Unhandled"}
	accepted(ctx)
}

// initError is POST /runtime/init/error: the function could not start.
func (in *instance) initError(ctx *fasthttp.RequestCtx) {
	errType := string(ctx.Request.Header.Peek("Lambda-Runtime-Function-Error-Type"))
	o := &outcome{payload: normalizeError(ctx.PostBody(), errType), errType: "Unhandled", initErr: true}
	in.mu.Lock()
	in.initErr = o
	in.mu.Unlock()
	accepted(ctx)
}

// normalizeError keeps a runtime's error JSON as it is when it is valid, as
// Lambda does, and wraps anything else.
func normalizeError(body []byte, errType string) []byte {
	if json.Valid(body) && len(body) > 0 {
		return append([]byte(nil), body...)
	}
	if errType == "" {
		errType = "Runtime.Unknown"
	}
	return errorPayload(errType, strings.TrimSpace(string(body)))
}

func errorPayload(errType, msg string) []byte {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}{msg, errType})
	return b
}

// handOver gives inv to the runtime, waiting through the init phase of a
// new instance. It reports abandoned when ctx ended first (the instance did
// not take the event and can serve another).
func (in *instance) handOver(ctx context.Context, inv *invocation) (o outcome, ok, abandoned bool) {
	// A warm runtime is already waiting in next: no timer needed.
	select {
	case in.events <- inv:
		<-inv.taken
		return outcome{}, true, false
	default:
	}
	select {
	case in.events <- inv:
		<-inv.taken
		return outcome{}, true, false
	case <-in.exited:
		o := in.exitOutcome(inv)
		select {
		case <-in.ready:
		default:
			o.initErr = true // ended before its first next: the init phase failed
		}
		return o, false, false
	case <-ctx.Done():
		return outcome{}, false, true
	case <-time.After(initTimeout):
		in.stop()
		return outcome{errType: "Unhandled", timedOut: true, initErr: true, payload: errorPayload("Runtime.InitTimeout",
			fmt.Sprintf("RequestId: %s Error: Init timed out after %.2f seconds", inv.id, initTimeout.Seconds()))}, false, false
	}
}

// await waits for the outcome of a handed-over invocation: the function's
// answer, its timeout, or the end of its process. It reports abandoned when
// ctx ended first; the invocation is still running then.
func (in *instance) await(ctx context.Context, inv *invocation) (o outcome, abandoned bool) {
	timer := time.NewTimer(time.Until(inv.deadline) + 50*time.Millisecond)
	defer timer.Stop()
	select {
	case o := <-inv.done:
		return o, false
	case <-timer.C:
		in.stop()
		return outcome{timedOut: true, errType: "Unhandled", payload: errorPayload("Sandbox.Timedout",
			fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, in.pool.spec.Timeout.Seconds()))}, false
	case <-in.exited:
		// A response posted just before the exit still counts.
		select {
		case o := <-inv.done:
			return o, false
		default:
		}
		return in.exitOutcome(inv), false
	case <-ctx.Done():
		return outcome{}, true
	}
}

// initTimeout is Lambda's limit on the init phase.
const initTimeout = 10 * time.Second

// exitOutcome describes a process that ended before answering.
func (in *instance) exitOutcome(inv *invocation) outcome {
	in.mu.Lock()
	ie := in.initErr
	in.mu.Unlock()
	if ie != nil {
		return *ie
	}
	reason := "exit status 0"
	if in.exitErr != nil {
		reason = in.exitErr.Error()
	}
	var ee *exec.ExitError
	if errors.As(in.exitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			reason = "signal: " + ws.Signal().String()
		}
	}
	return outcome{errType: "Unhandled", exitErr: in.exitErr, payload: errorPayload("Runtime.ExitError",
		fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, reason))}
}

// maxRSS reads the process's peak memory (VmHWM) in MB, for REPORT lines.
//
// Reading /proc costs more than a warm invocation, so the figure is read at
// most once a second per instance; the peak only grows, so a cached value
// is at worst a little low.
func (in *instance) maxRSS() int {
	if in.cmd == nil || in.cmd.Process == nil {
		return 0
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if time.Since(in.rssAt) < time.Second {
		return in.rssMB
	}
	if in.runtimePID == 0 {
		in.runtimePID = runtimePID(in.cmd.Process.Pid)
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(in.runtimePID) + "/status")
	if err != nil {
		return in.rssMB
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			in.rssMB, in.rssAt = (kb+1023)/1024, time.Now()
			break
		}
	}
	return in.rssMB
}

// tailBuffer keeps the last 4 KB of an invocation's log (X-Amz-Log-Result).
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4096

func (t *tailBuffer) writeLine(line string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	t.buf = append(t.buf, line...)
	t.buf = append(t.buf, '\n')
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	t.mu.Unlock()
}

func (t *tailBuffer) bytes() []byte {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]byte(nil), t.buf...)
}

// outputPipe is the read end of a runtime's stdout or stderr. It records
// whether its reader is waiting for more data, so apigw can tell when every
// line written before an answer has been logged.
type outputPipe struct {
	f       *os.File
	waiting atomic.Bool
}

func (p *outputPipe) Read(b []byte) (int, error) {
	p.waiting.Store(true)
	n, err := p.f.Read(b)
	p.waiting.Store(false)
	return n, err
}

// drained reports whether everything written to the pipe has been read and
// its lines handled.
func (p *outputPipe) drained() bool {
	if !p.waiting.Load() {
		return false
	}
	rc, err := p.f.SyscallConn()
	if err != nil {
		return true
	}
	var n int32
	var errno syscall.Errno
	if rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}) != nil {
		return true // closed: nothing more will come
	}
	return errno == 0 && n == 0
}

// flushOutput waits, briefly, until the output the runtime wrote before its
// answer has been logged, so START, the function's lines, END and REPORT
// come in order.
func (in *instance) flushOutput() {
	deadline := time.Now().Add(100 * time.Millisecond)
	for time.Now().Before(deadline) {
		done := true
		for _, p := range in.outputs {
			if !p.drained() {
				done = false
			}
		}
		if done || !in.alive() {
			return
		}
		time.Sleep(500 * time.Microsecond)
	}
}
