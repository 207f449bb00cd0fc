// Package lambdaauth reads what a Lambda authorizer returns (principalId,
// an IAM policy document, context values, usageIdentifierKey) and
// evaluates its policy for an execute-api ARN, for REST methods and
// WebSocket $connect routes alike.
package lambdaauth

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/apigw/apigw/internal/auth/policy"
)

// Result is an authorizer's output, parsed.
type Result struct {
	PrincipalID string
	// UsageKey is usageIdentifierKey: the API key, for ApiKeySourceType
	// AUTHORIZER.
	UsageKey   string
	Statements []Statement
	// Context holds the context values, stringified as API Gateway passes
	// them on.
	Context map[string]any
	// Expires is when a cached result stops counting (the caller's).
	Expires time.Time
}

// Statement is one statement of the policy.
type Statement struct {
	Deny      bool
	Actions   []string
	Resources []string
}

// Decision is what a policy says of an ARN.
type Decision int

const (
	// Allowed: an Allow matches and no Deny does.
	Allowed Decision = iota
	// ExplicitDeny: a Deny matches.
	ExplicitDeny
	// NotAllowed: no statement allows it.
	NotAllowed
)

// Parse reads an authorizer's output: principalId, a policy document
// (Statement an object or a list; Action and Resource a string or a list),
// and context values (strings, numbers, booleans).
func Parse(b []byte) (*Result, error) {
	var out struct {
		PrincipalID    any `json:"principalId"`
		PolicyDocument *struct {
			Statement json.RawMessage
		} `json:"policyDocument"`
		Context            map[string]any `json:"context"`
		UsageIdentifierKey string         `json:"usageIdentifierKey"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("the output is not a JSON object: %v", err)
	}
	if out.PolicyDocument == nil || len(out.PolicyDocument.Statement) == 0 {
		return nil, fmt.Errorf("the output has no policyDocument.Statement")
	}
	var raw []map[string]any
	if err := json.Unmarshal(out.PolicyDocument.Statement, &raw); err != nil {
		var one map[string]any
		if err := json.Unmarshal(out.PolicyDocument.Statement, &one); err != nil {
			return nil, fmt.Errorf("policyDocument.Statement is neither a statement nor a list of them")
		}
		raw = []map[string]any{one}
	}
	res := &Result{Context: map[string]any{}, UsageKey: out.UsageIdentifierKey}
	switch p := out.PrincipalID.(type) {
	case string:
		res.PrincipalID = p
	case nil:
	default:
		res.PrincipalID = fmt.Sprint(p)
	}
	for _, st := range raw {
		effect, _ := st["Effect"].(string)
		if effect != "Allow" && effect != "Deny" {
			return nil, fmt.Errorf("a statement's Effect is %v, not Allow or Deny", st["Effect"])
		}
		res.Statements = append(res.Statements, Statement{Deny: effect == "Deny", Actions: stringList(st["Action"]), Resources: stringList(st["Resource"])})
	}
	for k, v := range out.Context {
		switch v := v.(type) {
		case string:
			res.Context[k] = v
		case bool:
			res.Context[k] = strconv.FormatBool(v)
		case float64:
			res.Context[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return nil, fmt.Errorf("context value %s is %T: only strings, numbers and booleans are allowed", k, v)
		}
	}
	return res, nil
}

func stringList(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Evaluate applies the policy to an ARN for execute-api:Invoke: an
// explicit Deny wins, then an Allow is needed.
func (r *Result) Evaluate(arn string) Decision {
	allowed := false
	for _, st := range r.Statements {
		if !matchesAny(st.Actions, "execute-api:Invoke") || !matchesAny(st.Resources, arn) {
			continue
		}
		if st.Deny {
			return ExplicitDeny
		}
		allowed = true
	}
	if !allowed {
		return NotAllowed
	}
	return Allowed
}

func matchesAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if policy.Match(p, s) {
			return true
		}
	}
	return false
}
