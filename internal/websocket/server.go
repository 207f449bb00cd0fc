package websocket

import (
	"cmp"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/apigw/apigw/internal/lambda"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/template"
	"github.com/apigw/apigw/internal/wsframe"
	"github.com/fasthttp/websocket"
	"github.com/valyala/fasthttp"
)

// Config is what a generation's WebSocket server is built from.
type Config struct {
	Model   *model.Model
	Invoker lambda.Invoker // the generation's functions
	Hub     *Hub
	Logger  *slog.Logger
	Limits  Limits // zero: DefaultLimits
	// Verifier checks @connections calls' SigV4 signatures; nil accepts
	// them unsigned.
	Verifier *sigv4.Verifier
	// IAM verifies the handshakes of $connect routes with AuthorizationType
	// AWS_IAM (--iam-credentials); nil refuses them all.
	IAM *sigv4.Verifier
	// Buckets hold the routes' throttles across loads (shared with REST
	// APIs); Account is the account-level throttle. Nil Buckets: no
	// throttling.
	Buckets *limit.Buckets
	Account *model.Throttle
	// StageKeys are the API keys of the usage plans that cover each
	// WebSocket stage, by API id and stage name.
	StageKeys map[[2]string][]APIKey
}

// Server serves one generation's WebSocket APIs.
type Server struct {
	hub      *Hub
	invoker  lambda.Invoker
	logger   *slog.Logger
	limits   Limits
	verifier *sigv4.Verifier
	iam      *sigv4.Verifier
	buckets  *limit.Buckets
	accountT *model.Throttle      // the account-level throttle
	client   fasthttp.Client      // HTTP_PROXY integrations
	stages   map[[2]string]*stage // by API id and stage name
	byName   map[string][]*stage  // by stage name, every API's
	apis     map[string]bool      // the WebSocket APIs' ids
	rest     map[string]bool      // the REST APIs' stage names
	up       websocket.FastHTTPUpgrader
	// region and account make the authorizers' methodArn.
	region, account string
}

type stage struct {
	name string
	api  *api
	vars map[string]string
	// limits are the routes' throttles (RouteSettings, else the stage's
	// DefaultRouteSettings), by route key; none when neither is set.
	limits map[string]routeLimit
	// keys are the API keys of the usage plans covering the stage, by the
	// SHA-256 of their values.
	keys map[[32]byte]APIKey
}

// APIKey is an API key that may connect to a stage (in a usage plan of it).
type APIKey struct {
	ID, Value string
	Enabled   bool
}

// key finds the handshake's API key: from the x-api-key header, or the
// authorizer's usageIdentifierKey when the API selects it; nil when there
// is none, it is unknown or disabled. Looked up by hash, then compared in
// constant time.
func (st *stage) key(ctx *fasthttp.RequestCtx, usageKey, selection string) *APIKey {
	var v []byte
	if selection == "$context.authorizer.usageIdentifierKey" {
		v = []byte(usageKey)
	} else {
		for k, hv := range ctx.Request.Header.All() {
			if strings.EqualFold(string(k), "x-api-key") {
				v = hv
				break
			}
		}
	}
	if len(v) == 0 {
		return nil
	}
	k, ok := st.keys[sha256.Sum256(v)]
	if !ok || subtle.ConstantTimeCompare([]byte(k.Value), v) != 1 || !k.Enabled {
		return nil
	}
	return &k
}

// routeLimit is one route's token bucket on a stage.
type routeLimit struct {
	bucket string // the key in Config.Buckets
	model.Throttle
}

type api struct {
	id        string
	model     *model.WebSocketAPI
	selection *selection
	routes    map[string]*route
}

type route struct {
	key    string
	model  *model.WSRoute
	target *model.WSIntegration // nil: no integration
}

// New compiles a generation's WebSocket APIs; nil (and no error) when the
// model has none.
func New(cfg Config) (*Server, error) {
	if cfg.Model == nil || len(cfg.Model.WebSocketAPIs) == 0 {
		return nil, nil
	}
	s := &Server{hub: cfg.Hub, invoker: cfg.Invoker, logger: cfg.Logger, limits: cfg.Limits, verifier: cfg.Verifier, iam: cfg.IAM, buckets: cfg.Buckets, accountT: cfg.Account, stages: map[[2]string]*stage{}, byName: map[string][]*stage{}, apis: map[string]bool{}, rest: map[string]bool{},
		region: cfg.Model.Region, account: cfg.Model.AccountID}
	if s.limits == (Limits{}) {
		s.limits = DefaultLimits
	}
	for _, ra := range cfg.Model.RestAPIs {
		for _, st := range ra.Stages {
			s.rest[st.Name] = true
		}
	}
	for _, ma := range cfg.Model.WebSocketAPIs {
		sel, err := parseSelection(ma.RouteSelection)
		if err != nil {
			return nil, fmt.Errorf("%s: RouteSelectionExpression: %v", ma.LogicalID, err)
		}
		a := &api{id: ma.ID, model: ma, selection: sel, routes: map[string]*route{}}
		for key, mr := range ma.Routes {
			// Fail closed: what is not enforced yet is refused, never
			// served open.
			a.routes[key] = &route{key: key, model: mr, target: mr.Integration}
		}
		for _, ms := range ma.Stages {
			st := &stage{name: ms.Name, api: a, vars: ms.Variables, limits: map[string]routeLimit{}, keys: map[[32]byte]APIKey{}}
			for _, k := range cfg.StageKeys[[2]string{a.id, ms.Name}] {
				st.keys[sha256.Sum256([]byte(k.Value))] = k
			}
			for key := range a.routes {
				t, ok := ms.RouteThrottles[key]
				if !ok && ms.Throttle != nil {
					t, ok = *ms.Throttle, true
				}
				if ok {
					st.limits[key] = routeLimit{bucket: "ws/" + a.id + "/" + ms.Name + "/" + key, Throttle: t}
				}
			}
			s.stages[[2]string{a.id, ms.Name}] = st
			s.byName[ms.Name] = append(s.byName[ms.Name], st)
		}
	}
	s.up = websocket.FastHTTPUpgrader{
		ReadBufferSize:  4 << 10,
		WriteBufferSize: 4 << 10,
		// API Gateway does not check the Origin of WebSocket handshakes.
		CheckOrigin: func(*fasthttp.RequestCtx) bool { return true },
	}
	return s, nil
}

// allow takes a token of a route's throttle on a stage, then of the
// account's (--config account.throttle); true when the route has neither.
func (s *Server) allow(st *stage, key string) bool {
	if s.buckets == nil {
		return true
	}
	if l, ok := st.limits[key]; ok && !s.buckets.Allow(l.bucket, l.Rate, l.Burst) {
		return false
	}
	if a := s.accountT; a != nil && !s.buckets.Allow("account", a.Rate, a.Burst) {
		return false
	}
	return true
}

// routeError is a template error at a route's property.
func routeError(m *model.Model, r *model.WSRoute, prop, msg string) error {
	at := r.Props.At(prop, model.Pos{Line: r.Line, Col: r.Col, File: r.File})
	file := at.File
	if file == "" {
		file = m.File
	}
	return template.ErrorList{&template.Error{File: file, Line: at.Line, Col: at.Col, LogicalID: r.LogicalID, Property: at.Path, Msg: msg}}
}

// hostSuffix is what a Host naming an API ends with:
// {apiId}.execute-api.localhost (CONTRACT.md).
const hostSuffix = ".execute-api.localhost"

// resolve finds the stage a request addresses and the rest of its path:
// the Host's API when it names one (a WebSocket API's, else none), else
// the one WebSocket API with that stage. A plain request to /{stage} that
// a REST API also has is left to the REST API: only an upgrade is the
// WebSocket API's (CONTRACT.md: "a WebSocket upgrade picks the WebSocket
// API with that stage").
func (s *Server) resolve(ctx *fasthttp.RequestCtx, path string) (*stage, string) {
	name, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if rest != "" && !strings.HasPrefix(rest, "@connections/") && !strings.HasPrefix(rest, "%40connections/") {
		return nil, ""
	}
	var st *stage
	if id, named := apiFromHost(ctx.Host()); named {
		if st = s.stages[[2]string{id, name}]; st == nil {
			return nil, ""
		}
	} else if cands := s.byName[name]; len(cands) == 1 {
		st = cands[0]
	} else {
		return nil, "" // none, or several: the Host must say which
	}
	if rest == "" && s.rest[name] && !websocket.FastHTTPIsWebSocketUpgrade(ctx) && !isUpgrade(ctx) {
		return nil, ""
	}
	return st, rest
}

// isUpgrade reports an Upgrade: websocket header in any spelling (the
// upgrader's own check reads fasthttp's canonical names only).
func isUpgrade(ctx *fasthttp.RequestCtx) bool {
	for k, v := range ctx.Request.Header.All() {
		if strings.EqualFold(string(k), "Upgrade") && strings.EqualFold(strings.TrimSpace(string(v)), "websocket") {
			return true
		}
	}
	return false
}

func apiFromHost(host []byte) (string, bool) {
	h := string(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	if len(h) <= len(hostSuffix) || !strings.EqualFold(h[len(h)-len(hostSuffix):], hostSuffix) {
		return "", false
	}
	return strings.ToLower(h[:len(h)-len(hostSuffix)]), true
}

// Claims reports whether a data-plane request is this server's: a
// WebSocket stage's handshake (or a plain request no REST API takes) or
// its @connections API.
func (s *Server) Claims(ctx *fasthttp.RequestCtx, path string) bool {
	if st, _ := s.resolve(ctx, path); st != nil {
		return true
	}
	// An upgrade to a stage several WebSocket APIs have, without a Host
	// naming one: Handle answers 403 Missing Authentication Token.
	name, rest, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	_, named := apiFromHost(ctx.Host())
	return rest == "" && !named && len(s.byName[name]) > 1 && isUpgrade(ctx)
}

// Handle serves a handshake or an @connections call that Claims took.
func (s *Server) Handle(ctx *fasthttp.RequestCtx) {
	st, rest := s.resolve(ctx, string(ctx.Path()))
	if st == nil {
		writeJSONError(ctx, fasthttp.StatusForbidden, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`)
		return
	}
	if rest != "" {
		s.manage(ctx, st, rest[strings.IndexByte(rest, '/')+1:])
		return
	}
	s.handshake(ctx, st)
}

// handshake runs $connect, then upgrades: the connection exists only when
// $connect's integration accepted it (a 2xx, or no $connect route).
func (s *Server) handshake(ctx *fasthttp.RequestCtx, st *stage) {
	canonicalizeHandshake(&ctx.Request.Header)
	if !websocket.FastHTTPIsWebSocketUpgrade(ctx) {
		// A plain request to the WebSocket endpoint.
		writeJSONError(ctx, fasthttp.StatusForbidden, "", `{"message":"Forbidden"}`)
		return
	}
	if !ctx.IsGet() || !hasToken(ctx.Request.Header.Peek("Sec-Websocket-Version"), "13") || len(ctx.Request.Header.Peek("Sec-Websocket-Key")) == 0 {
		// A handshake the upgrader cannot accept gets its answer before
		// $connect runs: no function sees a connection that never opens.
		// (Upgrade refuses it before it would call the handler.)
		s.up.Upgrade(ctx, nil)
		return
	}
	now := time.Now()
	c := &Conn{id: newID(), apiID: st.api.id, stage: st.name, connectedAt: now, sourceIP: remoteIP(ctx),
		userAgent: string(ctx.UserAgent()), domain: string(ctx.Host()), limits: s.limits, closed: make(chan struct{})}
	c.touch()
	if !s.allow(st, "$connect") {
		writeJSONError(ctx, fasthttp.StatusTooManyRequests, "TooManyRequestsException", `{"message":"Too Many Requests"}`)
		return
	}
	r := st.api.routes["$connect"]
	if r != nil && r.model.AuthorizationType == "AWS_IAM" {
		// SigV4 on the handshake request (service execute-api), as API
		// Gateway checks $connect; every identity of --iam-credentials may
		// connect (IAM policies are not evaluated).
		if s.iam == nil {
			writeJSONError(ctx, fasthttp.StatusForbidden, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`)
			return
		}
		// Signed as sent: the raw path and query, not the decoded ones.
		rawPath, rawQuery, _ := strings.Cut(string(ctx.Request.Header.RequestURI()), "?")
		if _, f := s.iam.Verify(sigv4.FromFastHTTP(ctx, rawPath, rawQuery)); f != nil {
			if f.Kind == sigv4.KindMissing {
				writeJSONError(ctx, fasthttp.StatusForbidden, "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`)
			} else {
				writeJSONError(ctx, f.Status, f.ErrorType, mustJSON(map[string]string{"message": f.Message}))
			}
			return
		}
	}
	ev := s.connectEvent(ctx, st, c, now)
	if r != nil && r.model.AuthorizationType == "CUSTOM" {
		// The REQUEST authorizer runs before $connect's integration; its
		// context goes into every event of the connection.
		auth, usageKey, deny, err := s.authorize(ctx, st, r.model.Authorizer, ev)
		if deny != nil {
			if err != nil {
				s.logger.Warn("$connect authorizer failed", "api", st.api.model.LogicalID, "error", err)
			}
			writeJSONError(ctx, deny.status, deny.errType, deny.body)
			return
		}
		c.authorizer = auth
		ev.Authorizer = auth
		c.usageKey = usageKey
	}
	if r != nil && r.model.APIKeyRequired {
		// After the authorizer, whose usageIdentifierKey may be the key
		// (ApiKeySelectionExpression).
		k := st.key(ctx, c.usageKey, st.api.model.APIKeySelection)
		if k == nil {
			writeJSONError(ctx, fasthttp.StatusForbidden, "ForbiddenException", `{"message":"Forbidden"}`)
			return
		}
		c.apiKey, c.apiKeyID = k.Value, k.ID
		ev.Identity.APIKey, ev.Identity.APIKeyID = k.Value, k.ID
	}
	if r != nil && r.target != nil {
		res, err := s.invoke(r.target, lambdaproxy.AppendWSEvent(nil, ev), nil)
		if err != nil {
			// A function that fails (or answers what is not a proxy
			// result) refuses the handshake with 502; one that outlasts
			// the integration's timeout with 504, as REST's integration
			// timeouts (AWS does not document $connect's).
			s.logger.Warn("$connect failed", "api", st.api.model.LogicalID, "error", err)
			status := fasthttp.StatusBadGateway
			if errors.Is(err, context.DeadlineExceeded) {
				status = fasthttp.StatusGatewayTimeout
			}
			ctx.SetStatusCode(status)
			return
		}
		if !res.Accepted() {
			ctx.SetStatusCode(res.StatusCode)
			return
		}
		for _, h := range res.HandshakeHeaders() {
			ctx.Response.Header.Set(h.Name, h.Value)
		}
	}
	// The upgrader would refuse a handshake whose response already names
	// extensions; $connect may set Sec-WebSocket-Protocol.
	err := s.up.Upgrade(ctx, func(ws *websocket.Conn) {
		c.ws = ws
		s.hub.wg.Add(1)
		defer s.hub.wg.Done()
		s.hub.add(c)
		s.serveConn(c)
	})
	if err != nil {
		s.logger.Debug("handshake refused", "error", err)
	}
}

// serveConn reads a connection's messages until it ends, then runs
// $disconnect.
func (s *Server) serveConn(c *Conn) {
	ws := c.ws
	ws.SetReadLimit(c.limits.MaxMessage)
	maxTimer := time.AfterFunc(c.limits.MaxDuration, func() {
		c.closeWith(websocket.CloseGoingAway, "Going away", closedByServer)
	})
	defer maxTimer.Stop()
	ws.SetPingHandler(func(data string) error {
		c.touch()
		ws.SetReadDeadline(time.Now().Add(c.limits.IdleTimeout))
		c.writeMu.Lock()
		defer c.writeMu.Unlock()
		return ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	for {
		ws.SetReadDeadline(time.Now().Add(c.limits.IdleTimeout))
		kind, msg, err := ws.ReadMessage()
		if err != nil {
			code, reason := closeCodeOf(err)
			select {
			case <-c.closed:
				// The server closed it first (its read deadline ended the
				// read): $disconnect reports why.
				code, reason = c.closeCode, c.closeReason
			default:
				switch {
				case err == websocket.ErrReadLimit, errors.Is(err, wsframe.ErrTooLarge):
					// A message over 128 KB, or a frame over 32 KB.
					code, reason = websocket.CloseMessageTooBig, "Message too big"
				case isTimeout(err):
					code, reason = websocket.CloseGoingAway, "Going away" // idle
				}
				c.closeWith(code, reason, "client")
				code, reason = c.closeCode, c.closeReason
			}
			s.hub.remove(c)
			s.disconnect(c, code, reason)
			return
		}
		c.touch()
		if kind != websocket.TextMessage {
			// API Gateway does not take binary frames: 1003 (unsupported data).
			c.closeWith(websocket.CloseUnsupportedData, "Binary frames are not supported", closedByServer)
			continue
		}
		if !utf8.Valid(msg) {
			// RFC 6455 §8.1: a text message must be UTF-8; 1007.
			c.closeWith(websocket.CloseInvalidFramePayloadData, "Invalid UTF-8", closedByServer)
			continue
		}
		if cur := s.hub.Current(); cur != nil {
			cur.message(c, msg)
		} else {
			// The template no longer declares WebSocket APIs.
			c.closeWith(websocket.CloseGoingAway, "Going away", closedByServer)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// message routes one message on the generation serving now.
func (s *Server) message(c *Conn, msg []byte) {
	st := s.stages[[2]string{c.apiID, c.stage}]
	if st == nil {
		// The API or stage is gone after a reload.
		c.closeWith(websocket.CloseGoingAway, "Going away", closedByServer)
		return
	}
	requestID := newID()
	r := st.api.route(msg)
	if r == nil || r.target == nil {
		c.write(websocket.TextMessage, forbiddenFrame(c.id, requestID))
		return
	}
	if !s.allow(st, r.key) {
		// Throttled: answered in band like API Gateway's other message
		// errors; the integration is not called.
		c.write(websocket.TextMessage, lambdaproxy.AppendWSError(nil, "Too Many Requests", c.id, requestID))
		return
	}
	ev := s.messageEvent(st, c, r.key, requestID, msg)
	res, err := s.invoke(r.target, ev, msg)
	if err != nil {
		// A failed integration is answered in band, the connection stays.
		s.logger.Warn("route failed", "route", r.key, "error", err)
		c.write(websocket.TextMessage, internalErrorFrame(c.id, requestID))
		return
	}
	if r.model.TwoWay {
		// The body is sent whatever the status, an empty one too.
		c.write(websocket.TextMessage, res.Body)
	}
}

// route selects the message's route: the selection expression's value,
// else $default.
func (a *api) route(msg []byte) *route {
	if key, ok := a.selection.eval(msg); ok {
		if r := a.routes[key]; r != nil && !strings.HasPrefix(key, "$") {
			return r
		}
	}
	return a.routes["$default"]
}

// disconnect runs $disconnect for a connection that ended; best effort,
// as in API Gateway.
func (s *Server) disconnect(c *Conn, code int, reason string) {
	cur := s.hub.Current()
	if cur == nil {
		cur = s
	}
	st := cur.stages[[2]string{c.apiID, c.stage}]
	if st == nil || st.api.id != c.apiID {
		return
	}
	r := st.api.routes["$disconnect"]
	if r == nil || r.target == nil {
		return
	}
	ev := cur.disconnectEvent(st, c, code, reason)
	if _, err := cur.invoke(r.target, ev, nil); err != nil {
		cur.logger.Warn("$disconnect failed", "error", err)
	}
}

// forbiddenFrame is API Gateway's in-band answer to a message no route
// takes (aws-reference §2.4: the spacing as AWS sends it).
func forbiddenFrame(connID, requestID string) []byte {
	return lambdaproxy.AppendWSError(nil, lambdaproxy.WSForbidden, connID, requestID)
}

// internalErrorFrame answers a message whose integration failed.
func internalErrorFrame(connID, requestID string) []byte {
	return lambdaproxy.AppendWSError(nil, lambdaproxy.WSInternalServerError, connID, requestID)
}

// invoke calls a route's integration and reads its answer: a Lambda
// proxy gets the event, an HTTP_PROXY backend the message itself (body:
// nil for $connect and $disconnect).
func (s *Server) invoke(in *model.WSIntegration, event, body []byte) (*lambdaproxy.WSResponse, error) {
	switch in.Type {
	case model.HTTPProxy:
		return s.httpProxy(in, body)
	case model.AWSProxy:
		ctx, cancel := context.WithTimeout(context.Background(), in.Timeout)
		defer cancel()
		res, err := s.invoker.Invoke(ctx, in.Function, event)
		if err != nil {
			return nil, err
		}
		if res.FunctionError != "" {
			return nil, fmt.Errorf("the function failed (%s): %.200s", res.FunctionError, res.Payload)
		}
		return lambdaproxy.ParseWSResponse(res.Payload)
	case model.Mock:
		return &lambdaproxy.WSResponse{StatusCode: 200}, nil
	}
	return nil, fmt.Errorf("integration type %s is not served yet", in.Type)
}

// httpProxy sends a message to an HTTP_PROXY backend with the
// integration's method (POST by default), within its timeout; the
// backend's status and body are the answer.
func (s *Server) httpProxy(in *model.WSIntegration, body []byte) (*lambdaproxy.WSResponse, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(in.URI)
	req.Header.SetMethod(cmpOr(in.Method, fasthttp.MethodPost))
	req.SetBodyRaw(body)
	if err := s.client.DoTimeout(req, resp, in.Timeout); err != nil {
		return nil, err
	}
	return &lambdaproxy.WSResponse{StatusCode: resp.StatusCode(), Body: append([]byte(nil), resp.Body()...)}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func writeJSONError(ctx *fasthttp.RequestCtx, status int, errType, body string) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	if errType != "" {
		ctx.Response.Header.Set("x-amzn-ErrorType", errType)
	}
	ctx.SetBodyString(body)
}

func remoteIP(ctx *fasthttp.RequestCtx) string {
	if a, ok := ctx.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return ctx.RemoteIP().String()
}

// wsHandshakeHeaders are the request headers the upgrader reads, in the
// spelling it peeks them with: the gateway keeps header names as sent
// (DisableHeaderNamesNormalizing), so "Sec-WebSocket-Key" must be copied.
var wsHandshakeHeaders = []string{"Connection", "Upgrade", "Sec-Websocket-Version", "Sec-Websocket-Key", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions", "Origin"}

func canonicalizeHandshake(h *fasthttp.RequestHeader) {
	for _, name := range wsHandshakeHeaders {
		if len(h.Peek(name)) > 0 {
			continue
		}
		for k, v := range h.All() {
			if strings.EqualFold(string(k), name) {
				h.Set(name, string(v))
				break
			}
		}
	}
}

// hasToken reports whether a comma-separated header value holds token
// (ASCII case-insensitively).
func hasToken(v []byte, token string) bool {
	for _, t := range strings.Split(string(v), ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// Route is one line of the route table printed at start-up.
type Route struct {
	APIID, Stage, Key, Target string
	Shared                    bool // several WebSocket APIs have the stage: the Host must name the API
}

// Routes lists the WebSocket routes by stage and route key, for the route
// table; nil for a nil server.
func (s *Server) Routes() []Route {
	if s == nil {
		return nil
	}
	var out []Route
	for name, sts := range s.byName {
		for _, st := range sts {
			for key, r := range st.api.routes {
				target := "-"
				if in := r.target; in != nil {
					switch in.Type {
					case model.AWSProxy:
						name := in.Function
						if in.Target != nil {
							name = in.Target.Name
						}
						target = "AWS_PROXY lambda:" + name
					case model.HTTPProxy:
						target = "HTTP_PROXY " + in.URI
					default:
						target = string(in.Type)
					}
				}
				out = append(out, Route{APIID: st.api.id, Stage: name, Key: key, Target: target, Shared: len(sts) > 1})
			}
		}
	}
	slices.SortFunc(out, func(a, b Route) int {
		return cmp.Or(strings.Compare(a.Stage, b.Stage), strings.Compare(a.APIID, b.APIID), strings.Compare(a.Key, b.Key))
	})
	return out
}
