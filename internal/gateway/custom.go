package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apigw/apigw/internal/auth/lambdaauth"
	"github.com/apigw/apigw/internal/lambdaproxy"
	"github.com/apigw/apigw/internal/model"
)

// Lambda authorizers (AuthorizationType CUSTOM): a TOKEN or REQUEST
// authorizer function returns an IAM policy, evaluated against the method
// ARN; results are cached for AuthorizerResultTtlInSeconds by the identity
// sources (aws-reference §8.3).

var (
	errExplicitDeny = &Error{Type: AccessDenied}
	errNotAllowed   = &Error{Type: AccessDenied, Message: "User is not authorized to access this resource"}
	errAuthorizer   = &Error{Type: AuthorizerConfigurationError}
)

// authorizerTimeout bounds an authorizer invocation (API Gateway's
// integration limit).
const authorizerTimeout = 29 * time.Second

// maxCachedPolicies bounds one authorizer's cache.
const maxCachedPolicies = 10000

// authResult is what an authorizer returned, parsed.
type authResult = lambdaauth.Result

// authorizerRuntime is one authorizer of a generation: its cache.
type authorizerRuntime struct {
	model *model.Authorizer
	mu    sync.Mutex
	cache map[string]*authResult
}

// customStage runs a method's Lambda authorizer.
func customStage(gen *Generation) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		a := m.model.Authorizer
		if m.model.AuthorizationType != "CUSTOM" || a == nil {
			return nil
		}
		rt := gen.authorizerRuntime(a)
		invoker := gen.deps.Invoker
		fn := a.Function
		if a.Target != nil {
			fn = a.Target.Name
		}
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if invoker == nil {
					return errAuthorizer
				}
				arn := methodARN(c)
				key, ok := identityKey(c, a)
				if !ok {
					return errUnauthorized
				}
				res := rt.cached(key)
				if res == nil {
					payload, err := authorizerEvent(c, m, a, arn)
					if err != nil {
						return &Error{Type: AuthorizerConfigurationError, Cause: err}
					}
					ictx, cancel := context.WithTimeout(context.Background(), authorizerTimeout)
					out, err := invoker.Invoke(ictx, fn, payload)
					cancel()
					switch {
					case err != nil:
						return &Error{Type: AuthorizerConfigurationError, Cause: fmt.Errorf("authorizer %s: %v", a.LogicalID, err)}
					case out.FunctionError != "":
						// Failing with the message "Unauthorized" is the
						// documented way to refuse; any other error is 500.
						var fe struct {
							ErrorMessage string `json:"errorMessage"`
						}
						json.Unmarshal(out.Payload, &fe)
						if fe.ErrorMessage == "Unauthorized" {
							return errUnauthorized
						}
						return &Error{Type: AuthorizerConfigurationError, Cause: fmt.Errorf("authorizer %s failed: %s", a.LogicalID, truncate(out.Payload, 300))}
					}
					res, err = parseAuthResult(out.Payload)
					if err != nil {
						return &Error{Type: AuthorizerConfigurationError, Cause: fmt.Errorf("authorizer %s: %v", a.LogicalID, err)}
					}
					if a.TTL > 0 {
						res.Expires = time.Now().Add(a.TTL)
						rt.store(key, res)
					}
				}
				if e := evaluate(res, arn); e != nil {
					return e
				}
				auth := make(map[string]any, len(res.Context)+1)
				for k, v := range res.Context {
					auth[k] = v
				}
				auth["principalId"] = res.PrincipalID
				c.authorizer = auth
				c.usageKey = res.UsageKey
				return next(c)
			}
		}
	}
}

func (gen *Generation) authorizerRuntime(a *model.Authorizer) *authorizerRuntime {
	gen.authMu.Lock()
	defer gen.authMu.Unlock()
	if gen.authorizers == nil {
		gen.authorizers = map[*model.Authorizer]*authorizerRuntime{}
	}
	rt := gen.authorizers[a]
	if rt == nil {
		rt = &authorizerRuntime{model: a, cache: map[string]*authResult{}}
		gen.authorizers[a] = rt
	}
	return rt
}

func (rt *authorizerRuntime) cached(key string) *authResult {
	if rt.model.TTL <= 0 {
		return nil
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	r := rt.cache[key]
	if r != nil && time.Now().After(r.Expires) {
		delete(rt.cache, key)
		return nil
	}
	return r
}

func (rt *authorizerRuntime) store(key string, r *authResult) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if len(rt.cache) >= maxCachedPolicies {
		now := time.Now()
		for k, v := range rt.cache {
			if now.After(v.Expires) || len(rt.cache) >= maxCachedPolicies {
				delete(rt.cache, k)
			}
		}
	}
	rt.cache[key] = r
}

// methodARN is the call's method ARN: arn:aws:execute-api:REGION:ACCOUNT:
// API/STAGE/VERB/PATH, with the path as requested.
func methodARN(c *Call) string {
	a := c.stage.api
	return "arn:" + model.Partition(a.region) + ":execute-api:" + a.region + ":" + a.account + ":" + a.id + "/" +
		c.stage.name + "/" + string(c.ctx.Method()) + "/" + strings.TrimPrefix(c.path, "/")
}

// identityKey reads the authorizer's identity sources: the cache key, and
// false when one is missing or empty (a TOKEN authorizer's always counts;
// a REQUEST authorizer's only with caching on) or a TOKEN fails the
// validation expression: 401 without invoking.
func identityKey(c *Call, a *model.Authorizer) (string, bool) {
	var b strings.Builder
	b.WriteString(a.ID)
	for _, src := range a.IdentitySources {
		v := identityValue(c, src)
		if v == "" && (a.Type == "TOKEN" || a.TTL > 0) {
			return "", false
		}
		b.WriteByte(0)
		b.WriteString(v)
	}
	if a.Type == "TOKEN" && a.IdentityValidation != nil && len(a.IdentitySources) == 1 {
		if !a.IdentityValidation.MatchString(identityValue(c, a.IdentitySources[0])) {
			return "", false
		}
	}
	return b.String(), true
}

func identityValue(c *Call, src model.IdentitySource) string {
	switch src.Kind {
	case "header":
		return string(peekCaseInsensitive(&c.ctx.Request.Header, src.Name))
	case "querystring":
		for _, kv := range lambdaproxy.ParseQuery(c.rawQuery) {
			if kv.Key == src.Name {
				return kv.Value
			}
		}
	case "stageVariables":
		return c.stage.vars[src.Name]
	case "context":
		v, _ := contextValue(c, src.Name)
		return v
	}
	return ""
}

// authorizerEvent is the authorizer function's input: TOKEN's three
// fields, or REQUEST's proxy-like event without the body.
func authorizerEvent(c *Call, m *method, a *model.Authorizer, arn string) ([]byte, error) {
	if a.Type == "TOKEN" {
		return json.Marshal(map[string]string{"type": "TOKEN", "authorizationToken": identityValue(c, a.IdentitySources[0]), "methodArn": arn})
	}
	r, _ := proxyRequest(c, m.model, m.stage, strings.Contains(m.res.model.Path, "{"))
	var ev map[string]any
	if err := json.Unmarshal(lambdaproxy.AppendEvent(nil, &r), &ev); err != nil {
		return nil, err
	}
	delete(ev, "body")
	delete(ev, "isBase64Encoded")
	ev["type"], ev["methodArn"] = "REQUEST", arn
	return json.Marshal(ev)
}

// parseAuthResult reads an authorizer's output (lambdaauth.Parse).
func parseAuthResult(b []byte) (*authResult, error) { return lambdaauth.Parse(b) }

// evaluate applies the policy to a method ARN: an explicit Deny wins
// (403, "explicit deny"), then an Allow is needed (403 otherwise).
func evaluate(r *authResult, arn string) *Error {
	switch r.Evaluate(arn) {
	case lambdaauth.ExplicitDeny:
		return errExplicitDeny
	case lambdaauth.NotAllowed:
		return errNotAllowed
	}
	return nil
}
