// Package websocket serves WebSocket APIs (AWS::ApiGatewayV2::Api with
// ProtocolType WEBSOCKET) on the data-plane listener: the handshake at
// /{stage} with the $connect route, messages routed by the API's
// RouteSelectionExpression to their integrations, $disconnect once for
// every connection that ends, and the @connections management API at
// /{stage}/@connections/{id}.
//
// Connections outlive template loads: the Hub holds them, and each message
// is routed by the generation serving when it arrives (Hub.Current).
// Connections is the seam where a shared store (Redis) would let any
// instance reach a connection another instance holds.
package websocket

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// ErrGone is the error for a connection that is not (or no longer) open.
var ErrGone = errors.New("websocket: the connection is gone")

// Info is what GetConnection answers of a connection, with the API and
// stage it belongs to.
type Info struct {
	ConnectedAt, LastActiveAt time.Time
	SourceIP, UserAgent       string
	APIID, Stage              string
}

// Connections is what the @connections API and functions reach
// connections through: the connections of this process now, of all
// instances later (Redis).
type Connections interface {
	// Send sends one text message to a connection.
	Send(id string, msg []byte) error
	// Info describes a connection.
	Info(id string) (Info, error)
	// Close closes a connection (its $disconnect runs).
	Close(id string) error
}

// Hub holds the open connections of this process and the generation that
// routes their messages.
type Hub struct {
	mu      sync.RWMutex
	conns   map[string]*Conn
	current atomic.Pointer[Server]
	wg      sync.WaitGroup
}

// NewHub makes an empty hub.
func NewHub() *Hub { return &Hub{conns: map[string]*Conn{}} }

// Activate makes s (nil: a generation without WebSocket APIs) the server
// that routes the messages of open connections.
func (h *Hub) Activate(s *Server) { h.current.Store(s) }

// Current is the server of the generation serving now; nil before the
// first.
func (h *Hub) Current() *Server { return h.current.Load() }

// Count reports how many connections are open.
func (h *Hub) Count() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

func (h *Hub) add(c *Conn) {
	h.mu.Lock()
	h.conns[c.id] = c
	h.mu.Unlock()
}

func (h *Hub) remove(c *Conn) {
	h.mu.Lock()
	if h.conns[c.id] == c {
		delete(h.conns, c.id)
	}
	h.mu.Unlock()
}

func (h *Hub) get(id string) *Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.conns[id]
}

// Send implements Connections.
func (h *Hub) Send(id string, msg []byte) error {
	c := h.get(id)
	if c == nil {
		return ErrGone
	}
	return c.write(websocket.TextMessage, msg)
}

// Info implements Connections.
func (h *Hub) Info(id string) (Info, error) {
	c := h.get(id)
	if c == nil {
		return Info{}, ErrGone
	}
	return Info{ConnectedAt: c.connectedAt, LastActiveAt: time.Unix(0, c.lastActive.Load()), SourceIP: c.sourceIP, UserAgent: c.userAgent,
		APIID: c.apiID, Stage: c.stage}, nil
}

// Close implements Connections: the connection is closed with 1000
// (normal closure) and its $disconnect runs.
func (h *Hub) Close(id string) error {
	c := h.get(id)
	if c == nil {
		return ErrGone
	}
	c.closeWith(websocket.CloseNormalClosure, "", closedByServer)
	return nil
}

// CloseAll closes every connection with 1001 (going away) and waits up to
// timeout for their $disconnect to finish, for shutdown.
func (h *Hub) CloseAll(timeout time.Duration) {
	h.mu.RLock()
	all := make([]*Conn, 0, len(h.conns))
	for _, c := range h.conns {
		all = append(all, c)
	}
	h.mu.RUnlock()
	for _, c := range all {
		c.closeWith(websocket.CloseGoingAway, "Going away", closedByServer)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// newID makes a connection or request id as API Gateway's look: 15 base64
// characters and '=' (11 random bytes).
func newID() string {
	var b [11]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
