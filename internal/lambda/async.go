package lambda

import (
	"context"
	"errors"
	"sync"
	"time"
)

// asyncQueue holds a function's Event invocations. It is bounded, run by
// at most the function's concurrency of workers, and the runtime's Close
// cancels it and waits for its workers.
type asyncQueue struct {
	mu      sync.Mutex
	jobs    []asyncJob
	workers int
}

type asyncJob struct {
	payload []byte
	opt     invokeOptions
}

// maxQueuedEvents bounds one function's queue of Event invocations.
const maxQueuedEvents = 1000

// ErrQueueFull is returned for an Event invocation when the function's
// queue is full.
var ErrQueueFull = errors.New("the function's queue of asynchronous invocations is full")

// asyncRetryDelay is the wait before retrying a failed asynchronous
// invocation (Lambda waits about a minute, then two).
var asyncRetryDelay = time.Minute

// enqueue queues an Event invocation.
func (p *pool) enqueue(payload []byte, opt invokeOptions) error {
	rt := p.rt
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return errors.New("the runtime is shutting down")
	}
	q := &p.async
	q.mu.Lock()
	if len(q.jobs) >= maxQueuedEvents {
		q.mu.Unlock()
		return ErrQueueFull
	}
	q.jobs = append(q.jobs, asyncJob{payload, opt})
	start := q.workers < max(p.max, 1)
	if start {
		q.workers++
		rt.wg.Add(1) // under rt.mu, so never after Close's Wait began
	}
	q.mu.Unlock()
	if start {
		go p.asyncWorker()
	}
	return nil
}

func (p *pool) asyncWorker() {
	defer p.rt.wg.Done()
	q := &p.async
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 || p.rt.stopped() {
			q.workers--
			q.jobs = q.jobs[:0:0]
			q.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		p.runAsync(job)
	}
}

// runAsync runs an Event invocation. Like Lambda's event queue it retries
// while the function is throttled (for up to six hours, with backoff),
// runs a failed function up to two more times, and logs the outcome;
// nobody waits for the result.
func (p *pool) runAsync(job asyncJob) {
	log := p.rt.log
	backoff := time.Second
	giveUp := time.Now().Add(6 * time.Hour)
	retries := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), p.spec.Timeout+initTimeout)
		stop := context.AfterFunc(p.rt.stopCtx(), cancel)
		res, _, err := p.invoke(ctx, job.payload, job.opt)
		stop()
		cancel()
		switch {
		case p.rt.stopped():
			return
		case errors.Is(err, ErrThrottled) && time.Now().Before(giveUp):
			if !p.rt.sleep(backoff) {
				return
			}
			backoff = min(backoff*2, time.Minute)
			continue
		case err != nil:
			log.Warn("asynchronous invocation failed", "function", p.spec.Name, "error", err)
		case res.FunctionError != "":
			log.Warn("asynchronous invocation: the function failed", "function", p.spec.Name, "requestId", res.RequestID,
				"attempt", retries+1, "error", truncateBytes(res.Payload, 300))
			if retries < 2 {
				retries++
				if !p.rt.sleep(asyncRetryDelay * time.Duration(retries)) {
					return
				}
				continue
			}
		}
		return
	}
}

// stopped tells whether Close has begun.
func (rt *Runtime) stopped() bool {
	select {
	case <-rt.stop:
		return true
	default:
		return false
	}
}

// stopCtx is a context cancelled by Close.
func (rt *Runtime) stopCtx() context.Context {
	rt.stopOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		rt.stopContext = ctx
		go func() { <-rt.stop; cancel() }()
	})
	return rt.stopContext
}

// sleep waits d, or less when Close begins (then it returns false).
func (rt *Runtime) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-rt.stop:
		return false
	}
}
