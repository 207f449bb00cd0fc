package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/model"
	"github.com/apigw/apigw/internal/state"
	"github.com/valyala/fasthttp"
)

// Access is the state the access stages keep across generations: token
// buckets, quota counters, the clock. nil in Deps: no method may need an
// API key or throttling (validate, tests).
type Access struct {
	Buckets *limit.Buckets
	Quotas  state.Quotas
	Clock   limit.Clock
	// Account is the account-level throttle (--config); nil: none, where
	// AWS applies 10,000 requests/s with a burst of 5,000 (README).
	Account *model.Throttle
	// KeyValue gives a template key's value: its Value, or the one
	// generated for it and kept in --data.
	KeyValue func(k *model.APIKey) (string, error)
	// Keys holds the keys and plan memberships created at run time
	// (the control-plane API); nil: none.
	Keys state.Keys
}

// AWS's account-level defaults, used for the limits a stage leaves unset.
const (
	accountRate  = 10000
	accountBurst = 5000
)

// stageKey is an API key that may call a stage: enabled, in a usage plan
// that covers the stage.
type stageKey struct {
	id, value string
	enabled   bool
	plan      *stagePlan
	// bucket is the key's plan-wide token bucket name; methodBuckets those
	// of the plan's per-method throttles, by "/path/METHOD".
	bucket        string
	methodBuckets map[string]string
}

// stagePlan is a usage plan as one stage sees it.
type stagePlan struct {
	id       string
	throttle *model.Throttle
	methods  map[string]model.Throttle
	quota    *model.Quota
}

// compileKeys gives each stage the keys that may call it, by the SHA-256 of
// their values: a map lookup by hash, then a constant-time comparison, so
// the time taken says nothing of a key's value.
func compileKeys(m *model.Model, t *table, acc *Access) error {
	for _, up := range m.UsagePlans {
		keys, err := planKeys(m, up, acc)
		if err != nil {
			return err
		}
		for _, ps := range up.Stages {
			if ps.API == nil {
				continue // a WebSocket API's: checked by internal/websocket
			}
			a := t.apis[ps.API.ID]
			if a == nil || a.stages[ps.Stage] == nil {
				continue // Validate reported it
			}
			st := a.stages[ps.Stage]
			sp := &stagePlan{id: up.ID, throttle: up.Throttle, methods: ps.Methods, quota: up.Quota}
			for _, k := range keys {
				sk := &stageKey{id: k.ID, value: k.Value, enabled: k.Enabled, plan: sp,
					bucket: "plan|" + up.ID + "|" + k.ID, methodBuckets: map[string]string{}}
				for mk := range ps.Methods {
					sk.methodBuckets[mk] = sk.bucket + "|" + mk
				}
				if st.keys == nil {
					st.keys = map[[32]byte]*stageKey{}
				}
				st.keys[sha256.Sum256([]byte(k.Value))] = sk
			}
		}
	}
	return nil
}

// PlanKeys are a usage plan's keys with their values (for WebSocket
// APIs, whose keys internal/websocket checks).
func PlanKeys(m *model.Model, up *model.UsagePlan, acc *Access) ([]state.APIKey, error) {
	return planKeys(m, up, acc)
}

// planKeys are a plan's keys with their values: the template's, and those
// the control-plane API added (run-time keys, or template keys added to
// the plan at run time).
func planKeys(m *model.Model, up *model.UsagePlan, acc *Access) ([]state.APIKey, error) {
	var out []state.APIKey
	seen := map[string]bool{}
	byID := map[string]*model.APIKey{}
	for _, k := range m.APIKeys {
		byID[k.ID] = k
	}
	add := func(k *model.APIKey) error {
		if seen[k.ID] {
			return nil
		}
		if acc == nil || acc.KeyValue == nil {
			return fmt.Errorf("API keys need apigw's state (--data)")
		}
		value, err := acc.KeyValue(k)
		if err != nil {
			return fmt.Errorf("%s: %v", k.LogicalID, err)
		}
		seen[k.ID] = true
		out = append(out, state.APIKey{ID: k.ID, Value: value, Enabled: k.Enabled})
		return nil
	}
	for _, k := range up.Keys {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	if acc == nil || acc.Keys == nil {
		return out, nil
	}
	for _, id := range acc.Keys.PlanKeys(up.ID) {
		if k := byID[id]; k != nil {
			if err := add(k); err != nil {
				return nil, err
			}
			continue
		}
		for _, rk := range acc.Keys.Keys() {
			if rk.ID == id && !seen[id] {
				seen[id] = true
				out = append(out, rk)
			}
		}
	}
	return out, nil
}

// apiKeyHeader is the header a client sends its key in (ApiKeySourceType
// HEADER); matched case-insensitively.
const apiKeyHeader = "x-api-key"

func peekCaseInsensitive(h *fasthttp.RequestHeader, name string) []byte {
	if v := h.Peek(name); v != nil {
		return v
	}
	for k, v := range h.All() {
		if equalFold(string(k), name) {
			return v
		}
	}
	return nil
}

var errForbiddenKey = &Error{Type: InvalidAPIKey}

// apiKeyStage checks a method's API key: present, known to the stage
// (in a usage plan of it), enabled. Otherwise 403 Forbidden. The key is
// the x-api-key header's, or with ApiKeySourceType AUTHORIZER the
// usageIdentifierKey the method's Lambda authorizer returned.
func apiKeyStage(m *method) func(Handler) Handler {
	if !m.model.APIKeyRequired {
		return nil
	}
	fromAuthorizer := m.stage.api.model.APIKeySource == "AUTHORIZER"
	return func(next Handler) Handler {
		return func(c *Call) *Error {
			var v []byte
			if fromAuthorizer {
				v = []byte(c.usageKey)
			} else {
				v = peekCaseInsensitive(&c.ctx.Request.Header, apiKeyHeader)
			}
			if len(v) == 0 {
				return errForbiddenKey
			}
			sk := c.stage.keys[sha256.Sum256(v)]
			if sk == nil || subtle.ConstantTimeCompare([]byte(sk.value), v) != 1 || !sk.enabled {
				return errForbiddenKey
			}
			c.apiKey = sk
			return next(c)
		}
	}
}

var errThrottled = &Error{Type: Throttled}

// throttleStage applies, in API Gateway's order, the limits a method is
// under: its key's usage plan (per method, else plan-wide), the stage's
// method settings (the most specific one), the account's. Each is its own
// token bucket; a request must pass all.
func throttleStage(acc *Access) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		if acc == nil {
			return nil
		}
		planThrottled := m.model.APIKeyRequired && stageHasPlanThrottle(m.stage)
		methodKey := m.res.model.Path + "/" + m.model.HTTPMethod
		if m.res.model.Path == "/" {
			methodKey = "//" + m.model.HTTPMethod
		}
		var stageBucket string
		var stageLimit model.Throttle
		if t, ok := stageThrottleFor(m.stage.throttles, m.res.model.Path, m.model.HTTPMethod); ok {
			stageLimit = withDefaults(t, accountRate, accountBurst)
			stageBucket = "stage|" + m.stage.api.id + "|" + m.stage.name + "|" + methodKey
		}
		account := acc.Account
		if !planThrottled && stageBucket == "" && account == nil {
			return nil
		}
		buckets := acc.Buckets
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if planThrottled && c.apiKey != nil {
					p := c.apiKey.plan
					if t, ok := p.methods[methodKey]; ok {
						t = withDefaults(t, planDefault(p.throttle, true), planDefault(p.throttle, false))
						if !buckets.Allow(c.apiKey.methodBuckets[methodKey], t.Rate, t.Burst) {
							return errThrottled
						}
					} else if p.throttle != nil {
						t := withDefaults(*p.throttle, accountRate, accountBurst)
						if !buckets.Allow(c.apiKey.bucket, t.Rate, t.Burst) {
							return errThrottled
						}
					}
				}
				if stageBucket != "" && !buckets.Allow(stageBucket, stageLimit.Rate, stageLimit.Burst) {
					return errThrottled
				}
				if account != nil && !buckets.Allow("account", account.Rate, account.Burst) {
					return errThrottled
				}
				return next(c)
			}
		}
	}
}

func stageHasPlanThrottle(st *stage) bool {
	for _, sk := range st.keys {
		if sk.plan.throttle != nil || len(sk.plan.methods) > 0 {
			return true
		}
	}
	return false
}

// planDefault is the plan-wide rate (or burst) a per-method throttle
// falls back to for a limit it leaves unset.
func planDefault(t *model.Throttle, rate bool) float64 {
	switch {
	case t != nil && rate && t.Rate >= 0:
		return t.Rate
	case t != nil && !rate && t.Burst >= 0:
		return float64(t.Burst)
	case rate:
		return accountRate
	}
	return accountBurst
}

func withDefaults(t model.Throttle, rate float64, burst float64) model.Throttle {
	if t.Rate < 0 {
		t.Rate = rate
	}
	if t.Burst < 0 {
		t.Burst = int(burst)
	}
	return t
}

// stageThrottleFor picks a method's stage throttle: the setting for its
// path and method, else its path and "*", else "*" and "*".
func stageThrottleFor(ts []model.MethodThrottle, path, method string) (model.Throttle, bool) {
	best, bestRank := model.Throttle{}, 0
	for _, t := range ts {
		rank := 0
		switch {
		case t.Path == path && strings.EqualFold(t.Method, method):
			rank = 3
		case t.Path == path && t.Method == "*":
			rank = 2
		case t.Path == "*" && t.Method == "*":
			rank = 1
		}
		if rank > bestRank {
			best, bestRank = t.Throttle, rank
		}
	}
	return best, bestRank > 0
}

var errQuota = &Error{Type: QuotaExceeded}

// quotaStage counts a request against its key's quota in the usage plan,
// after throttling (a throttled request does not count).
func quotaStage(acc *Access) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		if acc == nil || !m.model.APIKeyRequired || !stageHasQuota(m.stage) {
			return nil
		}
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if sk := c.apiKey; sk != nil && sk.plan.quota != nil {
					q := sk.plan.quota
					if _, ok := acc.Quotas.Take(sk.plan.id, sk.id, limit.Period(q.Period), q.Limit, q.Offset, acc.Clock.Now()); !ok {
						return errQuota
					}
				}
				return next(c)
			}
		}
	}
}

func stageHasQuota(st *stage) bool {
	for _, sk := range st.keys {
		if sk.plan.quota != nil {
			return true
		}
	}
	return false
}
