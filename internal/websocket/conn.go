package websocket

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fasthttp/websocket"
)

// Limits of a connection (API Gateway's quotas; configurable for
// development in --config).
type Limits struct {
	MaxMessage  int64         // bytes of one message: 128 KB (a bigger one closes with 1009)
	IdleTimeout time.Duration // without a message either way: 10 minutes
	MaxDuration time.Duration // of a connection: 2 hours
	// WriteTimeout bounds one write to a client that does not read: the
	// slow client is closed, others are unaffected.
	WriteTimeout time.Duration
}

// DefaultLimits are API Gateway's.
var DefaultLimits = Limits{MaxMessage: 128 << 10, IdleTimeout: 10 * time.Minute, MaxDuration: 2 * time.Hour, WriteTimeout: 10 * time.Second}

// Conn is one open connection.
type Conn struct {
	id          string
	apiID       string
	stage       string
	ws          *websocket.Conn
	connectedAt time.Time
	lastActive  atomic.Int64 // unix nanoseconds
	sourceIP    string
	userAgent   string
	// domain is the handshake's Host (with its port): the events'
	// domainName, so a function's https://{domainName}/{stage} reaches
	// apigw's @connections.
	domain string
	limits Limits
	// authorizer is the $connect authorizer's context, for later events;
	// usageKey its usageIdentifierKey; apiKey and apiKeyID the key the
	// handshake gave (events' identity.apiKey, identity.apiKeyId).
	authorizer       map[string]any
	usageKey         string
	apiKey, apiKeyID string

	writeMu   sync.Mutex
	closeOnce sync.Once
	closed    chan struct{}
	// closeCode and closeReason are what $disconnect reports.
	closeCode   int
	closeReason string
}

const closedByServer = "server"

func (c *Conn) touch() { c.lastActive.Store(time.Now().UnixNano()) }

// write sends one message; a client that does not take it within the
// write timeout is closed.
func (c *Conn) write(kind int, msg []byte) error {
	select {
	case <-c.closed:
		return ErrGone
	default:
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(c.limits.WriteTimeout))
	if err := c.ws.WriteMessage(kind, msg); err != nil {
		c.closeLocked(websocket.CloseAbnormalClosure, "write failed", closedByServer)
		return ErrGone
	}
	c.touch()
	return nil
}

// closeWith sends a close frame and closes the connection once; the read
// loop then ends and runs $disconnect.
func (c *Conn) closeWith(code int, reason, by string) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.closeLocked(code, reason, by)
}

func (c *Conn) closeLocked(code int, reason, by string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		if code != websocket.CloseAbnormalClosure {
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		}
		close(c.closed)
		// The hijacked connection's Close does not end a read that is
		// waiting: a deadline in the past does, so the read loop ends and
		// runs $disconnect even for a client that never answers.
		c.ws.SetReadDeadline(time.Now())
		c.ws.NetConn().Close()
	})
}

// closeCodeOf is the status a read error reports: the client's close code,
// or 1006 (abnormal closure) when the connection just ended.
func closeCodeOf(err error) (int, string) {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Text
	}
	return websocket.CloseAbnormalClosure, ""
}
