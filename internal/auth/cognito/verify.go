package cognito

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// MaxTokenBytes bounds the tokens Verify decodes (after a "Bearer "
	// prefix). API Gateway's REST front end refuses header blocks over
	// 10240 bytes anyway; Cognito's tokens are 1-2 KB.
	MaxTokenBytes = 16 << 10
	// ClockSkew is how far in the future iat and nbf may be. exp has no
	// leeway.
	ClockSkew = time.Minute
)

// Kind tells why a token was refused.
type Kind int

const (
	// KindMalformed: not three base64url segments of JSON, too long, or a
	// registered claim of the wrong type (exp missing or not a number, ...).
	KindMalformed Kind = iota + 1
	// KindAlgorithm: alg is not one the verifier allows (Verifier: RS256;
	// JWTVerifier: RS256, RS384, RS512), e.g. none, HS256, ES256, PS256,
	// unknown or missing.
	KindAlgorithm
	// KindUnknownKey: no kid, or no key of the source has that kid.
	KindUnknownKey
	// KindKeysUnavailable: the remote JWKS could not be fetched (timeout,
	// too large, bad status or JSON) when the kid was looked up.
	KindKeysUnavailable
	// KindSignature: the RSA signature does not verify with the kid's key.
	KindSignature
	// KindExpired: exp is not after now.
	KindExpired
	// KindNotYetValid: iat or nbf is more than ClockSkew in the future.
	KindNotYetValid
	// KindIssuer: iss is not the pool's (authorizer's) issuer.
	KindIssuer
	// KindTokenUse: an access token where an ID token is expected (no method
	// scopes) or the reverse, or another token_use (Verifier only).
	KindTokenUse
	// KindAudience: aud (ID token) or client_id (access token) is not one of
	// the pool's clients; for a JWTVerifier, aud (or, without aud,
	// client_id) is not one of its audiences.
	KindAudience
	// KindScope: the access token has none of the method's (route's) scopes.
	KindScope
)

var kindNames = [...]string{
	KindMalformed:       "malformed",
	KindAlgorithm:       "algorithm",
	KindUnknownKey:      "unknown key",
	KindKeysUnavailable: "keys unavailable",
	KindSignature:       "signature",
	KindExpired:         "expired",
	KindNotYetValid:     "not yet valid",
	KindIssuer:          "issuer",
	KindTokenUse:        "token use",
	KindAudience:        "audience",
	KindScope:           "scope",
}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is every refusal of Verify. REST answers all of them with 401
// {"message":"Unauthorized"}; HTTP APIs answer KindScope with 403 and the
// others with 401 (see WWWAuthenticate for their www-authenticate header).
type Error struct {
	Kind   Kind
	Detail string
	Err    error // the cause, when there is one

	// desc, when set, is the error_description of the www-authenticate
	// header (see Description); it depends on the token (the alg named, the
	// number of segments).
	desc string
}

// ErrNoToken is the cause (Err) of the refusal of an empty token.
var ErrNoToken = errors.New("no token")

func (e *Error) Error() string {
	s := "cognito: token refused (" + e.Kind.String() + ")"
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func refuse(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// KeySource gives the RSA public key of a kid: an *Issuer (its own key) or
// *RemoteKeys (a JWKS fetched over HTTP). An unknown kid is an *Error of
// KindUnknownKey (or KindKeysUnavailable); any other error is taken as
// KindUnknownKey.
type KeySource interface {
	Key(ctx context.Context, kid string) (*rsa.PublicKey, error)
}

// Verifier checks the tokens of one user pool as a REST COGNITO_USER_POOLS
// authorizer does. It is safe for concurrent use.
type Verifier struct {
	issuer  string
	clients []string
	clock   func() time.Time
	signed  signedParser
}

// NewVerifier returns a verifier of tokens whose iss is issuerURL, signed by
// keys. clientIDs are the pool's app clients: when not empty, an ID token's
// aud and an access token's client_id must be one of them. clock nil means
// time.Now.
func NewVerifier(issuerURL string, keys KeySource, clientIDs []string, clock func() time.Time) *Verifier {
	if clock == nil {
		clock = time.Now
	}
	return &Verifier{
		issuer:  issuerURL,
		clients: append([]string(nil), clientIDs...),
		clock:   clock,
		signed:  newSignedParser(keys, "RS256"),
	}
}

// Verify checks token for a method whose authorization scopes are scopes
// (none: an ID token is expected; some: an access token holding one of
// them) and returns its claims (numbers as json.Number). Every refusal is an
// *Error.
func (v *Verifier) Verify(token string, scopes []string) (map[string]any, error) {
	return v.VerifyContext(context.Background(), token, scopes)
}

// VerifyContext is Verify with a context for the key lookup (a remote JWKS
// fetch is bounded by its own timeout besides).
func (v *Verifier) VerifyContext(ctx context.Context, token string, scopes []string) (map[string]any, error) {
	claims, err := v.signed.parse(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(claims, scopes); err != nil {
		return nil, err
	}
	return claims, nil
}

// StripBearer removes a leading "Bearer " (the scheme in any case, then one
// space) from an Authorization header value.
func StripBearer(s string) string {
	if len(s) > 7 && s[6] == ' ' && strings.EqualFold(s[:6], "bearer") {
		return s[7:]
	}
	return s
}

// signedParser decodes a token and checks its alg, kid and signature: the
// part of the checks the REST Verifier and the HTTP API JWTVerifier share.
type signedParser struct {
	keys   KeySource
	algs   []string // the alg values allowed, all RSA PKCS #1 v1.5
	parser *jwt.Parser
}

func newSignedParser(keys KeySource, algs ...string) signedParser {
	return signedParser{
		keys: keys,
		algs: algs,
		parser: jwt.NewParser(
			jwt.WithValidMethods(algs),
			jwt.WithJSONNumber(),
			jwt.WithStrictDecoding(),
			jwt.WithoutClaimsValidation(), // done by the verifiers, with Kinds
		),
	}
}

// algKeySource is a KeySource that also checks a key against the token's
// alg (RemoteKeys: a JWK's "alg" parameter must match it).
type algKeySource interface {
	keyForAlg(ctx context.Context, kid, alg string) (*rsa.PublicKey, error)
}

// keyLookup is the jwt.Keyfunc of one parse; it records that the parser
// got as far as the key (so alg was allowed) and the refusal it made.
type keyLookup struct {
	ctx     context.Context
	keys    KeySource
	algs    []string
	reached bool
	err     *Error
}

func (l *keyLookup) keyfunc(t *jwt.Token) (any, error) {
	l.reached = true
	alg, _ := t.Header["alg"].(string)
	if _, rsaMethod := t.Method.(*jwt.SigningMethodRSA); !rsaMethod || !contains(l.algs, alg) || t.Method.Alg() != alg {
		l.err = &Error{Kind: KindAlgorithm, Detail: fmt.Sprintf("alg %v", t.Header["alg"]), desc: algDescription(t.Header)}
		return nil, l.err
	}
	kid, ok := t.Header["kid"].(string)
	if !ok || kid == "" {
		l.err = refuse(KindUnknownKey, "no kid in the header")
		return nil, l.err
	}
	if l.keys == nil {
		l.err = refuse(KindUnknownKey, "no key source")
		return nil, l.err
	}
	var key *rsa.PublicKey
	var err error
	if ak, ok := l.keys.(algKeySource); ok {
		key, err = ak.keyForAlg(l.ctx, kid, alg)
	} else {
		key, err = l.keys.Key(l.ctx, kid)
	}
	if err == nil && key == nil {
		err = errors.New("no key")
	}
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = &Error{Kind: KindUnknownKey, Detail: fmt.Sprintf("kid %q", kid), Err: err}
		}
		l.err = e
		return nil, e
	}
	return key, nil
}

// parse decodes token (after a "Bearer " prefix) and checks its alg, kid
// and signature; the claims are left to the caller.
func (p signedParser) parse(ctx context.Context, token string) (jwt.MapClaims, error) {
	token = StripBearer(token)
	if token == "" {
		return nil, &Error{Kind: KindMalformed, Err: ErrNoToken}
	}
	if len(token) > MaxTokenBytes {
		return nil, refuse(KindMalformed, "token of %d bytes, over %d", len(token), MaxTokenBytes)
	}
	l := keyLookup{ctx: ctx, keys: p.keys, algs: p.algs}
	claims := jwt.MapClaims{}
	t, err := p.parser.ParseWithClaims(token, claims, l.keyfunc)
	if err == nil {
		return claims, nil
	}
	var header map[string]any
	if t != nil {
		header = t.Header
	}
	switch {
	case l.err != nil:
		return nil, l.err
	case errors.Is(err, jwt.ErrTokenMalformed):
		e := &Error{Kind: KindMalformed, Err: err}
		if strings.Count(token, ".") != 2 {
			e.desc = descSegments
		}
		return nil, e
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		// alg missing, not a string, or unknown to the library.
		return nil, &Error{Kind: KindAlgorithm, Err: err, desc: algDescription(header)}
	case errors.Is(err, jwt.ErrTokenSignatureInvalid) && !l.reached:
		// Refused by WithValidMethods before the key lookup.
		return nil, &Error{Kind: KindAlgorithm, Err: err, desc: algDescription(header)}
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, &Error{Kind: KindSignature, Err: err}
	}
	return nil, &Error{Kind: KindMalformed, Err: err}
}

func (v *Verifier) checkClaims(c jwt.MapClaims, scopes []string) error {
	now := v.clock()
	if err := checkExp(c, now); err != nil {
		return err
	}
	for _, name := range [...]string{"iat", "nbf"} {
		if err := checkNotAfterNow(c, name, now); err != nil {
			return err
		}
	}
	iss, _ := c["iss"].(string)
	if iss != v.issuer {
		return refuse(KindIssuer, "iss %q", truncate(iss))
	}
	use, _ := c["token_use"].(string)
	if len(scopes) == 0 {
		if use != "id" {
			return refuse(KindTokenUse, "token_use %q where an ID token is expected (the method has no authorization scopes)", truncate(use))
		}
		if len(v.clients) > 0 && !audienceMatches(c["aud"], v.clients) {
			return refuse(KindAudience, "aud is not a client of the pool")
		}
		return nil
	}
	if use != "access" {
		return refuse(KindTokenUse, "token_use %q where an access token is expected (the method has authorization scopes)", truncate(use))
	}
	if len(v.clients) > 0 {
		cid, _ := c["client_id"].(string)
		if !contains(v.clients, cid) {
			return refuse(KindAudience, "client_id %q is not a client of the pool", truncate(cid))
		}
	}
	scope, _ := c["scope"].(string)
	for _, have := range strings.Fields(scope) {
		if contains(scopes, have) {
			return nil
		}
	}
	return refuse(KindScope, "none of the method's scopes in %q", truncate(scope))
}

// unixSeconds is t in seconds since the epoch, with its fraction.
func unixSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())/1e9
}

// checkExp requires exp and that it be after now (no leeway).
func checkExp(c jwt.MapClaims, now time.Time) error {
	exp, ok, err := numericClaim(c, "exp")
	if err != nil {
		return err
	}
	if !ok {
		return refuse(KindMalformed, "no exp")
	}
	if unixSeconds(now) >= exp {
		return refuse(KindExpired, "exp %s", time.Unix(int64(exp), 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// checkNotAfterNow checks that the time claim name (iat, nbf), when
// present, is not more than ClockSkew after now.
func checkNotAfterNow(c jwt.MapClaims, name string, now time.Time) error {
	t, ok, err := numericClaim(c, name)
	if err != nil {
		return err
	}
	if ok && t > unixSeconds(now)+ClockSkew.Seconds() {
		return refuse(KindNotYetValid, "%s %s is in the future", name, time.Unix(int64(t), 0).UTC().Format(time.RFC3339))
	}
	return nil
}

// numericClaim reads a JSON number claim; a claim of another type is
// KindMalformed.
func numericClaim(c jwt.MapClaims, name string) (float64, bool, error) {
	raw, ok := c[name]
	if !ok {
		return 0, false, nil
	}
	var f float64
	switch n := raw.(type) {
	case json.Number:
		var err error
		if f, err = n.Float64(); err != nil {
			return 0, false, refuse(KindMalformed, "%s is not a number", name)
		}
	case float64:
		f = n
	default:
		return 0, false, refuse(KindMalformed, "%s is not a number", name)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, refuse(KindMalformed, "%s is not a finite number", name)
	}
	return f, true, nil
}

func audienceMatches(aud any, clients []string) bool {
	switch a := aud.(type) {
	case string:
		return contains(clients, a)
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok && contains(clients, s) {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// truncate keeps details of refusals short whatever the token holds.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
