package cognito

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

const (
	// JWKSTimeout bounds one JWKS fetch (API Gateway's limit for HTTP API
	// JWT authorizers).
	JWKSTimeout = 1500 * time.Millisecond
	// MaxJWKSBytes bounds a JWKS body (same source).
	MaxJWKSBytes = 150000
	// JWKSRefreshInterval is how often a remote JWKS is fetched again.
	JWKSRefreshInterval = time.Hour
	// UnknownKIDInterval is how often, at most, a token naming an unknown kid
	// makes the JWKS be fetched again.
	UnknownKIDInterval = 30 * time.Second
)

// RemoteOptions change the defaults of NewRemoteKeys and NewDiscoveredKeys;
// the zero value keeps them all.
type RemoteOptions struct {
	// Client fetches the JWKS (and the discovery document); its Transport
	// is wrapped to enforce MaxBytes and its Timeout set to Timeout.
	// Default: a client on a clone of http.DefaultTransport (the system
	// trust store, SSL_CERT_FILE honoured, proxies from the environment).
	Client *http.Client
	// Timeout of one fetch (JWKS or discovery document). Default
	// JWKSTimeout (= DiscoveryTimeout).
	Timeout time.Duration
	// MaxBytes of a JWKS (or discovery document) body. Default MaxJWKSBytes.
	MaxBytes int64
	// RefreshInterval between background fetches. Default JWKSRefreshInterval.
	RefreshInterval time.Duration
	// UnknownKIDInterval between fetches caused by unknown kids (and between
	// on-demand discovery attempts while the JWKS address is unknown).
	// Default UnknownKIDInterval.
	UnknownKIDInterval time.Duration
	// OnError, when set, is told of every failed fetch, with the address
	// fetched (the JWKS or the discovery document).
	OnError func(fetchURL string, err error)
}

// RemoteKeys is a KeySource backed by an issuer's remote JWKS, fetched and
// cached with keyfunc v3. It is safe for concurrent use; Close stops its
// background refresh.
type RemoteKeys struct {
	timeout  time.Duration
	opts     RemoteOptions // defaults filled in
	client   *http.Client  // bounded by opts.Timeout and opts.MaxBytes
	ctx      context.Context
	cancel   context.CancelFunc
	failures atomic.Uint64

	// Discovery (NewDiscoveredKeys only): the document's address, the
	// issuer it belongs to, and the limit of on-demand attempts.
	discoveryURL string
	issuer       *url.URL
	discoverMu   sync.Mutex // one discovery at a time
	discoverRate *rate.Limiter

	mu      sync.Mutex
	url     string          // the JWKS address; "" until discovered
	kf      keyfunc.Keyfunc // nil until url is known
	lastErr error
}

// JWKSURL is where an issuer's keys are read: {issuer}/.well-known/jwks.json.
func JWKSURL(issuerURL string) string {
	return strings.TrimSuffix(issuerURL, "/") + "/.well-known/jwks.json"
}

// NewRemoteKeys fetches the JWKS of issuerURL (waiting at most the timeout)
// and returns the key source. A failed first fetch is not an error: the keys
// are fetched again when a token names a kid (LastError tells the failure);
// only a URL that cannot be used is.
func NewRemoteKeys(issuerURL string, opts RemoteOptions) (*RemoteKeys, error) {
	r := newRemoteKeys(opts)
	if err := r.start(JWKSURL(issuerURL)); err != nil {
		r.cancel()
		return nil, err
	}
	return r, nil
}

func newRemoteKeys(opts RemoteOptions) *RemoteKeys {
	if opts.Timeout <= 0 {
		opts.Timeout = JWKSTimeout
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = MaxJWKSBytes
	}
	if opts.RefreshInterval <= 0 {
		opts.RefreshInterval = JWKSRefreshInterval
	}
	if opts.UnknownKIDInterval <= 0 {
		opts.UnknownKIDInterval = UnknownKIDInterval
	}
	var client http.Client
	if opts.Client != nil {
		client = *opts.Client
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport.(*http.Transport).Clone()
	}
	client.Transport = limitTransport{base: base, max: opts.MaxBytes}
	client.Timeout = opts.Timeout

	r := &RemoteKeys{timeout: opts.Timeout, opts: opts, client: &client}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// start makes the keyfunc of the JWKS at jwksURL, fetching it once
// (waiting at most the timeout; a failure there is only recorded).
func (r *RemoteKeys) start(jwksURL string) error {
	opts := r.opts
	kf, err := keyfunc.NewDefaultOverrideCtx(r.ctx, []string{jwksURL}, keyfunc.Override{
		Client:           r.client,
		HTTPTimeout:      opts.Timeout,
		RateLimitWaitMax: opts.Timeout,
		RefreshInterval:  opts.RefreshInterval,
		// Burst 1: the first unknown kid refreshes at once.
		RefreshUnknownKID: rate.NewLimiter(rate.Every(opts.UnknownKIDInterval), 1),
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(_ context.Context, err error) { r.fail(u, err) }
		},
	})
	if err != nil {
		return fmt.Errorf("cognito: JWKS %s: %w", jwksURL, err)
	}
	r.mu.Lock()
	r.url, r.kf = jwksURL, kf
	r.mu.Unlock()
	return nil
}

// fail records a failed fetch of u.
func (r *RemoteKeys) fail(u string, err error) {
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
	r.failures.Add(1)
	if r.opts.OnError != nil {
		r.opts.OnError(u, err)
	}
}

// URL is the JWKS address; for NewDiscoveredKeys, "" until the discovery
// document has given it.
func (r *RemoteKeys) URL() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.url
}

// LastError is the last failed fetch (of the JWKS or of the discovery
// document), nil when none has failed.
func (r *RemoteKeys) LastError() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// Close stops the background refresh.
func (r *RemoteKeys) Close() error {
	r.cancel()
	return nil
}

// Key implements KeySource: the cached key of kid, the JWKS fetched again
// (at most once per UnknownKIDInterval) when kid is unknown. A key whose JWK
// names an alg other than RS256 is refused; Verifier and JWTVerifier look
// keys up with the token's alg instead.
func (r *RemoteKeys) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	return r.keyForAlg(ctx, kid, "RS256")
}

// keyForAlg is Key for a token of alg: a JWK with an "alg" parameter must
// name that alg.
func (r *RemoteKeys) keyForAlg(ctx context.Context, kid, alg string) (*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*r.timeout)
	defer cancel()
	r.mu.Lock()
	kf, jwksURL := r.kf, r.url
	r.mu.Unlock()
	if kf == nil {
		var err error
		if kf, jwksURL, err = r.discover(ctx); err != nil {
			return nil, err
		}
	}
	before := r.failures.Load()
	t := &jwt.Token{Header: map[string]any{"alg": alg, "kid": kid}, Method: jwt.GetSigningMethod(alg)}
	key, err := kf.KeyfuncCtx(ctx)(t)
	if err != nil {
		if r.failures.Load() != before {
			return nil, &Error{Kind: KindKeysUnavailable, Detail: "fetching " + jwksURL, Err: r.LastError()}
		}
		return nil, &Error{Kind: KindUnknownKey, Detail: fmt.Sprintf("kid %q", kid), Err: err}
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, &Error{Kind: KindUnknownKey, Detail: fmt.Sprintf("kid %q is a %T, not an RSA key", kid, key)}
	}
	return pub, nil
}

// errTooLarge is the error of a JWKS or discovery body over the limit.
var errTooLarge = errors.New("body over the size limit")

// limitTransport refuses response bodies over max bytes: at once when
// Content-Length says so, else when reading past max.
type limitTransport struct {
	base http.RoundTripper
	max  int64
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: Content-Length %d, limit %d", errTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.max, max: t.max}
	return resp, nil
}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("%w: limit %d", errTooLarge, b.max)
	}
	// Read one byte more than allowed, to tell a body of exactly max bytes
	// from a longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, fmt.Errorf("%w: limit %d", errTooLarge, b.max)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
