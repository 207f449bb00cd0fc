package cognito

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"
)

// DiscoveryTimeout bounds one fetch of an issuer's OIDC discovery document
// (API Gateway's limit for HTTP API JWT authorizers, AWS limits page). It
// equals JWKSTimeout; RemoteOptions.Timeout sets both.
const DiscoveryTimeout = 1500 * time.Millisecond

var (
	// errDiscovery is the error of a discovery document that is not a JSON
	// object, or not answered with 200.
	errDiscovery = errors.New("bad OIDC discovery document")
	// errNoJWKSURI: the document has no jwks_uri, or not a non-empty string.
	errNoJWKSURI = errors.New("OIDC discovery document without jwks_uri")
	// errInsecureJWKSURI: jwks_uri is not https (nor http on loopback for
	// an http issuer on loopback), or not an absolute URL.
	errInsecureJWKSURI = errors.New("jwks_uri refused")
)

// DiscoveryURL is where an issuer's OIDC discovery document is read:
// {issuer}/.well-known/openid-configuration.
func DiscoveryURL(issuerURL string) string {
	return strings.TrimSuffix(issuerURL, "/") + "/.well-known/openid-configuration"
}

// NewDiscoveredKeys returns the key source of an arbitrary OIDC issuer, as
// an HTTP API JWT authorizer finds its keys: it fetches the discovery
// document, DiscoveryURL(issuerURL), takes its jwks_uri and from then on
// behaves as NewRemoteKeys does with that address (cache, hourly refresh,
// refresh on unknown kid). The document is bounded like the JWKS: at most
// opts.Timeout (DiscoveryTimeout) and opts.MaxBytes (MaxJWKSBytes); a
// redirect from https to another scheme is refused.
//
// jwks_uri must be an absolute https URL; an http one is taken only when
// both the issuer and jwks_uri are http on a loopback host (localhost,
// 127.0.0.0/8, ::1), for local identity providers and tests. The document's
// own issuer field is not compared with issuerURL (whether API Gateway does
// is unconfirmed).
//
// A failed discovery when the source is made is not an error (LastError
// tells it): it is tried again when a token names a kid, at most once per
// UnknownKIDInterval, and those tokens are refused with KindKeysUnavailable
// meanwhile. Once jwks_uri is known it is kept. Only an issuer URL that is
// not an absolute http(s) URL is an error.
func NewDiscoveredKeys(issuerURL string, opts RemoteOptions) (*RemoteKeys, error) {
	iss, err := url.Parse(issuerURL)
	if err != nil || (iss.Scheme != "https" && iss.Scheme != "http") || iss.Host == "" {
		return nil, fmt.Errorf("cognito: issuer %q is not an absolute http(s) URL", truncate(issuerURL))
	}
	r := newRemoteKeys(opts)
	r.issuer = iss
	r.discoveryURL = DiscoveryURL(issuerURL)
	// Burst 1: the first on-demand attempt after a failure here is at once.
	r.discoverRate = rate.NewLimiter(rate.Every(r.opts.UnknownKIDInterval), 1)
	r.discoverMu.Lock()
	r.discoverOnce(r.ctx) // a failure is recorded, not returned
	r.discoverMu.Unlock()
	return r, nil
}

// DiscoveryURL is the address of the discovery document; "" for
// NewRemoteKeys.
func (r *RemoteKeys) DiscoveryURL() string { return r.discoveryURL }

// discover finds the JWKS address on demand (the source has none yet),
// at most once per UnknownKIDInterval.
func (r *RemoteKeys) discover(ctx context.Context) (keyfunc.Keyfunc, string, error) {
	if r.discoveryURL == "" {
		return nil, "", refuse(KindKeysUnavailable, "no JWKS address")
	}
	r.discoverMu.Lock()
	defer r.discoverMu.Unlock()
	r.mu.Lock()
	kf, u := r.kf, r.url
	r.mu.Unlock()
	if kf != nil { // found while this call waited
		return kf, u, nil
	}
	if err := r.ctx.Err(); err != nil {
		return nil, "", &Error{Kind: KindKeysUnavailable, Detail: "closed", Err: err}
	}
	if !r.discoverRate.Allow() {
		return nil, "", &Error{Kind: KindKeysUnavailable, Detail: "discovering " + r.discoveryURL + " (not again yet)", Err: r.LastError()}
	}
	return r.discoverOnce(ctx)
}

// discoverOnce fetches the discovery document and starts the JWKS source;
// discoverMu is held.
func (r *RemoteKeys) discoverOnce(ctx context.Context) (keyfunc.Keyfunc, string, error) {
	jwksURL, err := r.fetchDiscovery(ctx)
	if err == nil {
		err = r.start(jwksURL)
	}
	if err != nil {
		r.fail(r.discoveryURL, err)
		return nil, "", &Error{Kind: KindKeysUnavailable, Detail: "discovering " + r.discoveryURL, Err: err}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kf, r.url, nil
}

// fetchDiscovery reads jwks_uri from the discovery document.
func (r *RemoteKeys) fetchDiscovery(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.discoveryURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	client := *r.client
	if client.CheckRedirect == nil {
		client.CheckRedirect = noDowngrade
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w: status %d", errDiscovery, resp.StatusCode)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	return jwksURIOf(body, r.issuer)
}

// jwksURIOf is the jwks_uri of a discovery document, checked against the
// issuer's address.
func jwksURIOf(body []byte, issuer *url.URL) (string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("%w: %w", errDiscovery, err)
	}
	if doc == nil {
		return "", fmt.Errorf("%w: not a JSON object", errDiscovery)
	}
	raw, ok := doc["jwks_uri"]
	if !ok {
		return "", errNoJWKSURI
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return "", fmt.Errorf("%w: jwks_uri %.40s is not a non-empty string", errNoJWKSURI, raw)
	}
	return checkJWKSURI(issuer, s)
}

// checkJWKSURI accepts an absolute https jwks_uri, or an http one on
// loopback when the issuer is http on loopback too.
func checkJWKSURI(issuer *url.URL, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("%w: %q is not an absolute URL", errInsecureJWKSURI, truncate(raw))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && issuer.Scheme == "http" && isLoopback(issuer.Hostname()) && isLoopback(u.Hostname()):
	default:
		return "", fmt.Errorf("%w: %q is not https", errInsecureJWKSURI, truncate(raw))
	}
	return raw, nil
}

// isLoopback tells localhost and loopback IP addresses.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// noDowngrade refuses a redirect from https to another scheme (and more
// than 10 redirects, as net/http's default).
func noDowngrade(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect from https to %s refused", req.URL.Scheme)
	}
	return nil
}
