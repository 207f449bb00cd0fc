package lambda

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"
)

// pool keeps the warm instances of one function: one invocation per
// instance at a time, growing on demand up to its concurrency limit, ending
// instances that stay idle.
type pool struct {
	rt      *Runtime
	spec    Spec
	key     string // settings and code (specKey): a reload reuses a pool only for the same key
	lang    language
	codeDir string
	ownDir  string // the code folder apigw made for this pool ("" for a user's folder)
	argv    []string
	max     int

	mu      sync.Mutex
	idle    []*instance // most recently used last
	idleAt  map[*instance]time.Time
	all     map[*instance]bool // every running instance, busy or idle
	total   int                // running instances, busy or idle
	waiters []chan *instance
	closed  bool
	// retired: a reload replaced (successor != nil) or removed the
	// function. Calls that still reach the pool, from requests that began
	// before the reload, go to the successor.
	retired   bool
	successor *pool
	dirGone   bool

	async  asyncQueue
	health healthState
}

// healthState is whether the function last started and answered.
type healthState struct {
	mu      sync.Mutex
	failing string
}

func (h *healthState) set(msg string) { h.mu.Lock(); h.failing = msg; h.mu.Unlock() }
func (h *healthState) get() string    { h.mu.Lock(); defer h.mu.Unlock(); return h.failing }

// ErrThrottled is returned when a function is at its reserved concurrency
// (Lambda answers "Rate Exceeded.").
var ErrThrottled = errors.New("rate exceeded: the function is at its reserved concurrency")

// acquire returns an idle instance, starts one, or waits for one.
func (p *pool) acquire(ctx context.Context) (*instance, bool, error) {
	p.mu.Lock()
	if p.retired {
		p.mu.Unlock()
		return nil, false, errRetired
	}
	if p.closed {
		p.mu.Unlock()
		return nil, false, errors.New("the runtime is shutting down")
	}
	for len(p.idle) > 0 {
		in := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		delete(p.idleAt, in)
		if in.alive() {
			p.mu.Unlock()
			return in, false, nil
		}
		p.total--
	}
	if p.total < p.max {
		p.total++
		p.mu.Unlock()
		in, err := startInstance(p)
		if in != nil && in.cmd != nil {
			p.mu.Lock()
			closed := p.closed
			p.all[in] = true
			p.mu.Unlock()
			if closed {
				in.stop()
			}
		}
		if err != nil {
			p.mu.Lock()
			p.total--
			p.mu.Unlock()
			p.wakeOne()
			var se *startError
			if errors.As(err, &se) {
				return nil, true, err
			}
			return nil, false, err
		}
		return in, true, nil
	}
	if p.spec.Reserved > 0 {
		// Reserved concurrency is a hard limit in Lambda: it throttles.
		p.mu.Unlock()
		return nil, false, ErrThrottled
	}
	ch := make(chan *instance, 1)
	p.waiters = append(p.waiters, ch)
	p.mu.Unlock()
	select {
	case in := <-ch:
		if in == nil {
			return p.acquire(ctx)
		}
		return in, false, nil
	case <-ctx.Done():
		p.mu.Lock()
		for i, w := range p.waiters {
			if w == ch {
				p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
				break
			}
		}
		p.mu.Unlock()
		// An instance handed over meanwhile goes back.
		select {
		case in := <-ch:
			if in != nil {
				p.release(in)
			}
		default:
		}
		return nil, false, ctx.Err()
	}
}

// release returns a finished instance: to a waiter, to the idle list, or,
// when it has ended, away.
func (p *pool) release(in *instance) {
	p.mu.Lock()
	if !in.alive() || p.closed {
		p.total--
		delete(p.all, in)
		p.mu.Unlock()
		in.stop()
		p.wakeOne()
		p.cleanupIfDone()
		return
	}
	if len(p.waiters) > 0 {
		w := p.waiters[0]
		p.waiters = p.waiters[1:]
		p.mu.Unlock()
		w <- in
		return
	}
	p.idle = append(p.idle, in)
	p.idleAt[in] = time.Now()
	p.mu.Unlock()
}

// discard drops an instance that must not be reused (timed out, crashed).
func (p *pool) discard(in *instance) {
	in.stop()
	p.mu.Lock()
	p.total--
	delete(p.all, in)
	p.mu.Unlock()
	p.wakeOne()
	p.cleanupIfDone()
}

// errRetired is acquire's answer on a pool a reload retired.
var errRetired = errors.New("the function was replaced by a reload")

// retire takes the pool out of service after a reload: idle instances
// stop now, busy ones when their invocation ends; calls still arriving go
// to successor (nil: the function is gone). The code folder goes when the
// last instance has.
func (p *pool) retire(successor *pool) {
	p.mu.Lock()
	p.closed, p.retired, p.successor = true, true, successor
	idle := p.idle
	p.idle = nil
	for _, in := range idle {
		delete(p.idleAt, in)
		delete(p.all, in)
		p.total--
	}
	waiters := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	for _, in := range idle {
		in.stop()
	}
	for _, w := range waiters {
		w <- nil // they try again and are sent to the successor
	}
	p.cleanupIfDone()
}

// cleanupIfDone removes a retired pool's code folder, and the pool from
// the runtime, once no instance runs.
func (p *pool) cleanupIfDone() {
	p.mu.Lock()
	done := p.retired && p.total == 0 && !p.dirGone
	if done {
		p.dirGone = true
	}
	p.mu.Unlock()
	if !done {
		return
	}
	p.removeDir()
	p.rt.forget(p)
}

func (p *pool) removeDir() {
	if p.ownDir != "" {
		os.RemoveAll(p.ownDir)
	}
}

// wakeOne lets a waiter try again now that there is room for a new instance.
func (p *pool) wakeOne() {
	p.mu.Lock()
	if len(p.waiters) == 0 {
		p.mu.Unlock()
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	p.mu.Unlock()
	w <- nil
}

// reap ends instances idle for longer than d.
func (p *pool) reap(d time.Duration) {
	p.mu.Lock()
	var keep, stop []*instance
	for _, in := range p.idle {
		if time.Since(p.idleAt[in]) > d || !in.alive() {
			stop = append(stop, in)
			delete(p.idleAt, in)
			delete(p.all, in)
			p.total--
		} else {
			keep = append(keep, in)
		}
	}
	p.idle = keep
	p.mu.Unlock()
	for _, in := range stop {
		in.stop()
	}
	p.cleanupIfDone()
}

// close ends every instance, busy ones too: at shutdown the listeners have
// drained already.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*instance, 0, len(p.all))
	for in := range p.all {
		all = append(all, in)
	}
	p.idle = nil
	waiters := p.waiters
	p.waiters = nil
	p.mu.Unlock()
	for _, in := range all {
		in.stop()
	}
	for _, w := range waiters {
		w <- nil
	}
	// Wait (briefly) until the supervisors have ended what the functions
	// started, so nothing of them outlives apigw's exit.
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for _, in := range all {
		if in.cmd == nil {
			continue
		}
		select {
		case <-in.exited:
		case <-deadline.C:
			return
		}
	}
}

// invoke runs one invocation on an instance of the pool.
// invokeOptions are the Invoke API's per-call settings.
type invokeOptions struct {
	tail          *tailBuffer // X-Amz-Log-Type: Tail
	clientContext string      // X-Amz-Client-Context, decoded
}

func (p *pool) invoke(ctx context.Context, payload []byte, opt invokeOptions) (Result, string, error) {
	if next, retired := p.forward(); retired {
		if next == nil {
			return Result{}, "", fmt.Errorf("%w: %s (removed by a reload)", ErrNotFound, p.spec.Name)
		}
		return next.invoke(ctx, payload, opt)
	}
	if p.spec.Reserved == 0 {
		return Result{}, "", ErrThrottled
	}
	inv := &invocation{id: newUUID(), payload: payload, done: make(chan outcome, 1), taken: make(chan struct{}),
		logTail: opt.tail, traceID: newTraceHeader(), clientContext: opt.clientContext}
	var in *instance
	var cold bool
	for {
		var err error
		in, cold, err = p.acquire(ctx)
		if errors.Is(err, errRetired) {
			return p.invoke(ctx, payload, opt) // forwarded
		}
		if err != nil {
			if cold {
				// The bootstrap could not be executed: Lambda's InvalidEntrypoint.
				p.health.set("Runtime.InvalidEntrypoint: " + err.Error())
				msg := fmt.Sprintf("RequestId: %s Error: %s", inv.id, err)
				return Result{Payload: errorPayload("Runtime.InvalidEntrypoint", msg), FunctionError: "Unhandled", RequestID: inv.id}, inv.id, nil
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return Result{}, inv.id, ErrTimeout
			}
			return Result{}, inv.id, err
		}
		if cold || !in.exitedBeforeNext() {
			break
		}
		// A warm instance that ended after its last answer (aws-lambda-go
		// exits after a panic) serves no one: start another.
		p.discard(in)
	}
	inv.started = time.Now()
	start := fmt.Sprintf("START RequestId: %s Version: $LATEST", inv.id)
	inv.logTail.writeLine(start)
	p.rt.logFunction(p.spec.Name, inv.id, start)
	o, ok, abandoned := in.handOver(ctx, inv)
	inv.started = time.Now() // Duration counts from the hand-over, after init
	if abandoned {
		p.release(in)
		return Result{}, inv.id, ErrTimeout
	}
	if ok {
		o, abandoned = in.await(ctx, inv)
		if abandoned {
			// The caller gave up (an integration timeout); the function runs
			// on to its own end, then the instance goes back to the pool.
			go func() {
				o, _ := in.await(context.Background(), inv)
				p.finish(in, inv, o, 0)
			}()
			return Result{}, inv.id, ErrTimeout
		}
	}
	initDur := time.Duration(0)
	if cold {
		initDur = in.initDur
	}
	p.finish(in, inv, o, initDur)
	return Result{Payload: o.payload, FunctionError: o.errType, RequestID: inv.id}, inv.id, nil
}

func (p *pool) finish(in *instance, inv *invocation, o outcome, initDur time.Duration) {
	dur := time.Since(inv.started)
	in.flushOutput()
	inv.logTail.writeLine("END RequestId: " + inv.id)
	p.rt.logFunction(p.spec.Name, inv.id, "END RequestId: "+inv.id)
	p.rt.logReport(p, inv, dur, initDur, in.maxRSS())
	switch {
	case o.initErr:
		p.health.set(errorSummary(o.payload))
		p.discard(in)
	case o.timedOut || o.exitErr != nil || !in.alive():
		p.discard(in)
	default:
		p.health.set("")
		p.release(in)
	}
}

func errorSummary(payload []byte) string {
	s := string(payload)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// forward tells whether the pool was retired, and where its calls go.
func (p *pool) forward() (*pool, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.successor, p.retired
}

func (p *pool) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// stats lists instance counts for tests and metrics.
func (p *pool) stats() (total, idle int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.total, len(p.idle)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
