package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/auth/cognito"
	"github.com/apigw/apigw/internal/auth/lambdaauth"
	"github.com/apigw/apigw/internal/auth/sigv4"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/model"
)

// JWTVerifier checks the tokens of one HTTP API JWT authorizer
// (cognito.JWTVerifier: issuer, audiences, keys from the local user-pool
// issuer or the issuer's JWKS).
type JWTVerifier interface {
	Verify(ctx context.Context, token string, scopes []string) (map[string]any, error)
}

// httpRouteStage is one stage of an HTTP API route's chain; build returns
// nil for a route that does not use it (it then costs the route nothing).
type httpRouteStage struct {
	name  string
	build func(rt *httpRoute) func(next Handler) Handler
}

// httpRouteStages are the per-route stages in order: throttling first
// (before any authorizer is invoked), then the route's authorizer.
func httpRouteStages(gen *Generation) []httpRouteStage {
	return []httpRouteStage{
		{"throttle", httpThrottleStage(gen.deps.Access)},
		{"authorizer: JWT", httpJWTStage(gen)},
		{"authorizer: CUSTOM", httpLambdaAuthStage(gen)},
		{"authorizer: AWS_IAM", httpIAMStage(gen.deps.IAM)},
	}
}

func buildHTTPChain(rt *httpRoute, stages []httpRouteStage) Handler {
	h := Handler(rt.integ.Serve)
	for i := len(stages) - 1; i >= 0; i-- {
		if wrap := stages[i].build(rt); wrap != nil {
			h = wrap(h)
			rt.stages = append([]string{stages[i].name}, rt.stages...)
		}
	}
	return h
}

// httpThrottleStage applies the stage's route throttle (RouteSettings of
// the route key, else DefaultRouteSettings) and the account's.
func httpThrottleStage(acc *Access) func(rt *httpRoute) func(Handler) Handler {
	return func(rt *httpRoute) func(Handler) Handler {
		if acc == nil {
			return nil
		}
		st := rt.stage.model
		var t *model.Throttle
		if rs, ok := st.RouteThrottles[rt.key]; ok {
			t = &rs
		} else if st.Throttle != nil {
			t = st.Throttle
		}
		account := acc.Account
		if t == nil && account == nil {
			return nil
		}
		var bucket string
		var lim model.Throttle
		if t != nil {
			lim = withDefaults(*t, accountRate, accountBurst)
			bucket = "http|" + rt.stage.api.id + "|" + rt.stage.name + "|" + rt.key
		}
		buckets := acc.Buckets
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if bucket != "" && !buckets.Allow(bucket, lim.Rate, lim.Burst) {
					return errHTTPThrottled
				}
				if account != nil && !buckets.Allow("account", account.Rate, account.Burst) {
					return errHTTPThrottled
				}
				return next(c)
			}
		}
	}
}

// identitySource is one identity source of an HTTP API authorizer,
// parsed at load time: $request.header.X (any case),
// $request.querystring.X (as sent), $context.X, $stageVariables.X.
type identitySource struct{ kind, name string }

func parseIdentitySource(src string) identitySource {
	for _, k := range []string{"$request.header.", "$request.querystring.", "$context.", "$stageVariables."} {
		if name, ok := strings.CutPrefix(src, k); ok {
			return identitySource{kind: k, name: name}
		}
	}
	return identitySource{} // Validate refuses others; reads as missing
}

func parseIdentitySources(srcs []string) []identitySource {
	out := make([]identitySource, len(srcs))
	for i, s := range srcs {
		out[i] = parseIdentitySource(s)
	}
	return out
}

// value reads the source from a call; "" when absent.
func (s identitySource) value(c *Call) string {
	switch s.kind {
	case "$request.header.":
		return string(peekCaseInsensitive(&c.ctx.Request.Header, s.name))
	case "$request.querystring.":
		for _, kv := range lambdaproxy.ParseQuery(c.rawQuery) {
			if kv.Key == s.name {
				return kv.Value
			}
		}
	case "$context.":
		return httpContextValue(c, s.name)
	case "$stageVariables.":
		return c.hstage.vars[s.name]
	}
	return ""
}

// httpJWTStage verifies a JWT route's token (AGW-DG:http-api-jwt-
// authorizer): missing or invalid, 401 with www-authenticate; none of the
// route's scopes, 403. Claims and scopes reach the integration in
// requestContext.authorizer.jwt. A token verified for the route before is
// not verified again until it expires or a minute has passed.
func httpJWTStage(gen *Generation) func(rt *httpRoute) func(Handler) Handler {
	return func(rt *httpRoute) func(Handler) Handler {
		a := rt.model.Authorizer
		if rt.model.AuthorizationType != "JWT" || a == nil {
			return nil
		}
		var v JWTVerifier
		var verr error
		if gen.deps.JWT != nil {
			v, verr = gen.deps.JWT(a)
		} else {
			verr = errors.New("no JWT verifier")
		}
		src := parseIdentitySource("$request.header.Authorization")
		if len(a.IdentitySource) > 0 {
			src = parseIdentitySource(a.IdentitySource[0])
		}
		scopes := rt.model.AuthorizationScopes
		cache := &tokenCache[*lambdaproxy.V2Authorizer]{m: map[string]tokenEntry[*lambdaproxy.V2Authorizer]{}}
		logger := gen.deps.Logger
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				raw := src.value(c)
				if raw == "" {
					return &Error{Type: Unauthorized, wwwAuthenticate: `Bearer`}
				}
				if auth, ok := cache.get([]byte(raw)); ok {
					c.v2auth = auth
					return next(c)
				}
				if v == nil {
					logger.Warn("JWT authorizer cannot verify tokens", "authorizer", a.LogicalID, "error", verr)
					return &Error{Type: Unauthorized, Cause: verr}
				}
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				claims, err := v.Verify(ctx, raw, scopes)
				cancel()
				if err != nil {
					var ce *cognito.Error
					if errors.As(err, &ce) && ce.Kind == cognito.KindScope {
						return &Error{Type: AccessDenied, Status: 403, Message: "Forbidden", Cause: err,
							wwwAuthenticate: cognito.WWWAuthenticate(err)}
					}
					return &Error{Type: Unauthorized, Cause: err, wwwAuthenticate: cognito.WWWAuthenticate(err)}
				}
				auth := &lambdaproxy.V2Authorizer{JWT: &lambdaproxy.V2JWT{Claims: cognito.ClaimsForJWTContext(claims), Scopes: tokenScopes(claims)}}
				cache.put(raw, auth, claims)
				c.v2auth = auth
				return next(c)
			}
		}
	}
}

// tokenScopes are a token's scopes (scope, space-separated, or scp), nil
// when it has none.
func tokenScopes(claims map[string]any) []string {
	if s, ok := claims["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch s := claims["scp"].(type) {
	case string:
		return strings.Fields(s)
	case []any:
		var out []string
		for _, v := range s {
			if str, ok := v.(string); ok {
				out = append(out, str)
			}
		}
		return out
	}
	return nil
}

// httpAuthorizerTimeout is an HTTP API Lambda authorizer's response
// timeout (AWS limits page: 10000 ms).
const httpAuthorizerTimeout = 10 * time.Second

// httpAuthResult is a Lambda authorizer's answer: a simple response, or a
// policy evaluated per route ARN.
type httpAuthResult struct {
	simple     bool
	authorized bool
	policy     *lambdaauth.Result
	context    map[string]any
	expires    time.Time
}

// httpAuthorizerCache holds one HTTP API Lambda authorizer's results by
// identity-source values.
type httpAuthorizerCache struct {
	mu sync.Mutex
	m  map[string]*httpAuthResult
}

func (hc *httpAuthorizerCache) get(key string) *httpAuthResult {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	r := hc.m[key]
	if r != nil && time.Now().After(r.expires) {
		delete(hc.m, key)
		return nil
	}
	return r
}

func (hc *httpAuthorizerCache) put(key string, r *httpAuthResult) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if len(hc.m) >= maxCachedPolicies {
		now := time.Now()
		for k, v := range hc.m {
			if now.After(v.expires) || len(hc.m) >= maxCachedPolicies {
				delete(hc.m, k)
			}
		}
	}
	hc.m[key] = r
}

// httpLambdaAuthStage runs a CUSTOM route's REQUEST Lambda authorizer
// (AGW-DG:http-api-lambda-authorizer): an identity source that is missing
// or empty, 401 without invoking; an invocation that fails or answers in
// no known form, 500; not authorized, 403. Results are cached per
// identity-source values for AuthorizerResultTtlInSeconds.
func httpLambdaAuthStage(gen *Generation) func(rt *httpRoute) func(Handler) Handler {
	caches := map[*model.HTTPAuthorizer]*httpAuthorizerCache{}
	return func(rt *httpRoute) func(Handler) Handler {
		a := rt.model.Authorizer
		if rt.model.AuthorizationType != "CUSTOM" || a == nil {
			return nil
		}
		cache := caches[a]
		if cache == nil {
			cache = &httpAuthorizerCache{m: map[string]*httpAuthResult{}}
			caches[a] = cache
		}
		invoker := gen.deps.Invoker
		fn := a.Function
		if a.Target != nil {
			fn = a.Target.Name
		}
		v2 := a.PayloadFormatVersion != "1.0"
		sources := parseIdentitySources(a.IdentitySource)
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if invoker == nil {
					return errHTTPInternal
				}
				values := make([]string, len(sources))
				for i, src := range sources {
					values[i] = src.value(c)
					if values[i] == "" {
						return errHTTPUnauthorized
					}
				}
				key := strings.Join(values, "\x00")
				arn := httpRouteARN(c)
				res := (*httpAuthResult)(nil)
				if a.TTL > 0 {
					res = cache.get(key)
				}
				if res == nil {
					payload, err := httpAuthorizerEvent(c, v2, values, arn)
					if err != nil {
						return &Error{Type: AuthorizerFailure, Cause: err}
					}
					ictx, cancel := context.WithTimeout(context.Background(), httpAuthorizerTimeout)
					out, err := invoker.Invoke(ictx, fn, payload)
					cancel()
					switch {
					case err != nil:
						return &Error{Type: AuthorizerFailure, Cause: fmt.Errorf("authorizer %s: %v", a.LogicalID, err)}
					case out.FunctionError != "":
						var fe struct {
							ErrorMessage string `json:"errorMessage"`
						}
						json.Unmarshal(out.Payload, &fe)
						if fe.ErrorMessage == "Unauthorized" {
							return errHTTPUnauthorized
						}
						return &Error{Type: AuthorizerFailure, Cause: fmt.Errorf("authorizer %s failed: %s", a.LogicalID, truncate(out.Payload, 300))}
					}
					res, err = parseHTTPAuthResult(out.Payload, v2 && a.SimpleResponses)
					if err != nil {
						return &Error{Type: AuthorizerFailure, Cause: fmt.Errorf("authorizer %s: %v", a.LogicalID, err)}
					}
					if a.TTL > 0 {
						res.expires = time.Now().Add(a.TTL)
						cache.put(key, res)
					}
				}
				if res.simple {
					if !res.authorized {
						return errHTTPForbidden
					}
				} else if res.policy.Evaluate(arn) != lambdaauth.Allowed {
					return errHTTPForbidden
				}
				ctxMap := res.context
				if ctxMap == nil {
					ctxMap = map[string]any{}
				}
				c.v2auth = &lambdaproxy.V2Authorizer{Lambda: ctxMap}
				return next(c)
			}
		}
	}
}

// httpAuthorizerEvent is a REQUEST authorizer's input: the request's event
// of the payload format without the body, with type, the route ARN and
// the identity sources (2.0: routeArn and a list; 1.0: methodArn, and the
// values joined by "," as identitySource and authorizationToken).
func httpAuthorizerEvent(c *Call, v2 bool, values []string, arn string) ([]byte, error) {
	var raw []byte
	if v2 {
		routeKey := ""
		if c.hroute != nil {
			routeKey = c.hroute.key
		}
		raw = lambdaproxy.AppendV2Event(nil, v2Request(c, routeKey, nil))
	} else {
		r := v1Request(c, cmpOr(c.hroute.path, "$default"), c.hroute.model.ID, c.hroute.model.OperationName)
		raw = lambdaproxy.AppendEvent(nil, &r)
	}
	var ev map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	delete(ev, "body")
	delete(ev, "isBase64Encoded")
	ev["type"] = json.RawMessage(`"REQUEST"`)
	if v2 {
		ev["routeArn"], _ = json.Marshal(arn)
		ev["identitySource"], _ = json.Marshal(values)
	} else {
		ev["version"] = json.RawMessage(`"1.0"`)
		ev["methodArn"], _ = json.Marshal(arn)
		joined, _ := json.Marshal(strings.Join(values, ","))
		ev["identitySource"], ev["authorizationToken"] = joined, joined
	}
	return json.Marshal(ev)
}

// parseHTTPAuthResult reads a Lambda authorizer's answer: with simple
// responses {"isAuthorized": bool, "context": {...}}, else an IAM policy
// (lambdaauth.Parse), whose context and principalId are kept.
func parseHTTPAuthResult(b []byte, simple bool) (*httpAuthResult, error) {
	if simple {
		var out struct {
			IsAuthorized *bool          `json:"isAuthorized"`
			Context      map[string]any `json:"context"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("the simple response is not a JSON object of isAuthorized and context: %v", err)
		}
		if out.IsAuthorized == nil {
			return nil, errors.New("the simple response has no boolean isAuthorized")
		}
		return &httpAuthResult{simple: true, authorized: *out.IsAuthorized, context: out.Context}, nil
	}
	r, err := lambdaauth.Parse(b)
	if err != nil {
		return nil, err
	}
	ctx := make(map[string]any, len(r.Context)+1)
	for k, v := range r.Context {
		ctx[k] = v
	}
	if r.PrincipalID != "" {
		ctx["principalId"] = r.PrincipalID
	}
	return &httpAuthResult{policy: r, context: ctx}, nil
}

// httpIAMStage verifies an AWS_IAM route's SigV4 signature: any failure is
// 403 {"message":"Forbidden"}; the caller reaches the integration in
// requestContext.authorizer.iam.
func httpIAMStage(v *sigv4.Verifier) func(rt *httpRoute) func(Handler) Handler {
	return func(rt *httpRoute) func(Handler) Handler {
		if rt.model.AuthorizationType != "AWS_IAM" {
			return nil
		}
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if v == nil {
					return errHTTPForbidden
				}
				id, f := v.Verify(sigv4.FromFastHTTP(c.ctx, c.rawPath, c.rawQuery))
				if f != nil {
					return &Error{Type: AccessDenied, Status: 403, Message: "Forbidden", Cause: errors.New(f.Message)}
				}
				c.v2auth = &lambdaproxy.V2Authorizer{IAM: &lambdaproxy.V2IAM{AccessKey: id.AccessKey, AccountID: id.AccountID,
					CallerID: id.Caller, UserARN: id.UserARN, UserID: id.User}}
				return next(c)
			}
		}
	}
}
