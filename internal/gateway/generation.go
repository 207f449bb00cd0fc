package gateway

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apigw/apigw/internal/model"
	"github.com/valyala/fasthttp"
)

// Generation is everything one template load produces for the data plane:
// the compiled route table with each method's chain, the functions its
// integrations call (Deps.Invoker), its extra handlers (the Invoke API of
// those functions) and the HTTP client pools of its integrations. It is
// immutable once compiled and swapped in whole (Gateway.Swap).
type Generation struct {
	id      uint64
	table   *table
	deps    Deps
	clients *clientSet
	// Lambda authorizers' result caches, made while compiling.
	authMu      sync.Mutex
	authorizers map[*model.Authorizer]*authorizerRuntime
}

var generationSeq atomic.Uint64

var errNoLogger = errors.New("gateway: Deps.Logger is nil")

// Compile builds a generation from a model. prev, the generation serving
// now (nil at start), lends its HTTP connection pools to the backends both
// use, so a reload keeps their connections warm. Nothing is swapped.
func Compile(m *model.Model, deps Deps, prev *Generation) (*Generation, error) {
	if deps.Logger == nil {
		return nil, errNoLogger
	}
	var prevClients *clientSet
	if prev != nil {
		prevClients = prev.clients
	}
	gen := &Generation{deps: deps, clients: newClientSet(prevClients)}
	t, err := compile(m, gen)
	if err != nil {
		return nil, err
	}
	gen.table = t
	gen.id = generationSeq.Add(1)
	return gen, nil
}

// Routes lists the generation's routes, for the route table.
func (gen *Generation) Routes() []Route { return gen.table.routes }

// retiredGrace is how long a replaced generation's requests may still run
// (the longest integration timeout, 29 s, with room) before its unshared
// backend connections are closed.
const retiredGrace = 60 * time.Second

// retire releases what a replaced generation holds once its requests are
// done: the idle connections of backends the next generation does not use.
func (gen *Generation) retire(next *Generation) {
	time.AfterFunc(retiredGrace, func() {
		for key, c := range gen.clients.snapshot() {
			if next == nil || !next.clients.has(key) {
				c.CloseIdleConnections()
			}
		}
	})
}

// clientSet holds one connection pool per backend scheme and host.
type clientSet struct {
	mu       sync.Mutex
	m        map[string]*fasthttp.HostClient // "scheme://host"
	prevPool *clientSet                      // the previous generation's, to reuse
}

func newClientSet(prev *clientSet) *clientSet {
	return &clientSet{m: map[string]*fasthttp.HostClient{}, prevPool: prev}
}

func (cs *clientSet) has(key string) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.m[key] != nil
}

func (cs *clientSet) snapshot() map[string]*fasthttp.HostClient {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	out := make(map[string]*fasthttp.HostClient, len(cs.m))
	for k, v := range cs.m {
		out[k] = v
	}
	return out
}
