package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/auth/cognito"
)

var errUnauthorized = &Error{Type: Unauthorized}

// cognitoStage verifies a COGNITO_USER_POOLS method's token: read from
// the authorizer's identity source header, a JWT of one of its user pools
// (ID token without method scopes, access token with them), else 401. The
// claims reach the integration as requestContext.authorizer.claims.
func cognitoStage(pools map[string]*cognito.Verifier) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		a := m.model.Authorizer
		if m.model.AuthorizationType != "COGNITO_USER_POOLS" || a == nil {
			return nil
		}
		var verifiers []*cognito.Verifier
		for _, up := range a.Pools {
			if v := pools[up.ID]; v != nil {
				verifiers = append(verifiers, v)
			}
		}
		scopes := m.model.AuthorizationScopes
		header := a.IdentityHeader
		validation := a.IdentityValidation
		cache := &tokenCache[map[string]any]{m: map[string]tokenEntry[map[string]any]{}}
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				raw := peekCaseInsensitive(&c.ctx.Request.Header, header)
				if len(raw) == 0 {
					return errUnauthorized
				}
				// A token verified for this method before is not verified
				// again (the RSA signature is most of the cost) until it
				// expires or the entry does.
				if auth, ok := cache.get(raw); ok {
					c.authorizer = auth
					return next(c)
				}
				token := cognito.StripBearer(string(raw))
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				for _, v := range verifiers {
					claims, err := v.VerifyContext(ctx, token, scopes)
					if err != nil {
						continue
					}
					// IdentityValidationExpression is matched against the
					// ID token's audience (aws-reference §8.2).
					if validation != nil {
						aud, _ := claims["aud"].(string)
						if !validation.MatchString(aud) {
							return errUnauthorized
						}
					}
					c.authorizer = map[string]any{"claims": cognito.ClaimsForContext(claims)}
					cache.put(string(raw), c.authorizer, claims)
					return next(c)
				}
				return errUnauthorized
			}
		}
	}
}

// tokenCacheTTL bounds how long a verified token is trusted without a new
// check (a remote issuer's key may be withdrawn meanwhile).
const tokenCacheTTL = time.Minute

const maxCachedTokens = 10000

// tokenCache holds one method's (or HTTP API route's) verified tokens: the
// authorizer value its requests carry, until the token's exp or the
// entry's TTL.
type tokenCache[T any] struct {
	mu sync.RWMutex
	m  map[string]tokenEntry[T]
}

type tokenEntry[T any] struct {
	auth    T // read-only once cached
	expires time.Time
}

func (tc *tokenCache[T]) get(raw []byte) (T, bool) {
	tc.mu.RLock()
	e, ok := tc.m[string(raw)] // no allocation for the lookup
	tc.mu.RUnlock()
	if !ok || !time.Now().Before(e.expires) {
		var zero T
		return zero, false
	}
	return e.auth, true
}

func (tc *tokenCache[T]) put(raw string, auth T, claims map[string]any) {
	expires := time.Now().Add(tokenCacheTTL)
	if exp, ok := claimTime(claims["exp"]); ok && exp.Before(expires) {
		expires = exp
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.m) >= maxCachedTokens {
		now := time.Now()
		for k, v := range tc.m {
			if !now.Before(v.expires) || len(tc.m) >= maxCachedTokens {
				delete(tc.m, k)
			}
		}
	}
	tc.m[raw] = tokenEntry[T]{auth: auth, expires: expires}
}

// claimTime reads a NumericDate claim (seconds since the epoch).
func claimTime(v any) (time.Time, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(int64(f), 0), true
	case float64:
		return time.Unix(int64(n), 0), true
	case int64:
		return time.Unix(n, 0), true
	}
	return time.Time{}, false
}
