// Package policy evaluates API Gateway resource policies (a RestApi's
// Policy): Allow and Deny statements on execute-api:Invoke by method ARN
// with wildcards, for principals "*" or IAM identities, with the
// aws:SourceIp conditions. A policy with anything apigw cannot evaluate
// locally (another condition key, NotPrincipal, NotAction, NotResource) is
// refused by Parse, naming it, so it is never served open.
package policy

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Policy is a parsed resource policy.
type Policy struct {
	statements []statement
}

type statement struct {
	deny       bool
	anyone     bool     // Principal "*" or {"AWS": "*"}
	principals []string // IAM ARNs, account ids, account root ARNs
	actions    []string
	resources  []string // full ARN patterns
	sourceIP   []netip.Prefix
	notIP      []netip.Prefix
}

// Decision is what a policy says of a request.
type Decision int

const (
	// Implicit: no statement applies.
	Implicit Decision = iota
	// Allow: an Allow applies and no Deny does.
	Allow
	// Deny: an explicit Deny applies.
	Deny
)

// Request is what the policy is evaluated for.
type Request struct {
	// Action is the execute-api action asked for; "" is
	// execute-api:Invoke.
	Action    string
	MethodARN string
	// Principal is the caller's IAM user ARN ("" for anonymous); Account
	// its account id.
	Principal, Account string
	SourceIP           netip.Addr
}

// Parse reads a policy document. arnPrefix
// ("arn:aws:execute-api:REGION:ACCOUNT:APIID") completes the short
// resource form "execute-api:/STAGE/VERB/PATH".
func Parse(doc, arnPrefix string) (*Policy, error) {
	var d struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, fmt.Errorf("the policy is not a JSON document: %v", err)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(d.Statement, &raw); err != nil {
		var one map[string]json.RawMessage
		if err := json.Unmarshal(d.Statement, &one); err != nil {
			return nil, fmt.Errorf("Statement is neither a statement nor a list of them")
		}
		raw = []map[string]json.RawMessage{one}
	}
	p := &Policy{}
	for i, st := range raw {
		s, err := parseStatement(st, arnPrefix)
		if err != nil {
			return nil, fmt.Errorf("Statement[%d]: %v", i, err)
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

func parseStatement(st map[string]json.RawMessage, arnPrefix string) (statement, error) {
	var s statement
	for k := range st {
		switch k {
		case "Sid", "Effect", "Principal", "Action", "Resource", "Condition":
		case "NotPrincipal", "NotAction", "NotResource":
			return s, fmt.Errorf("%s is not evaluated by apigw; it refuses the policy rather than apply it differently", k)
		default:
			return s, fmt.Errorf("unknown key %s", k)
		}
	}
	var effect string
	json.Unmarshal(st["Effect"], &effect)
	switch effect {
	case "Allow":
	case "Deny":
		s.deny = true
	default:
		return s, fmt.Errorf("Effect is %q, not Allow or Deny", effect)
	}
	if err := s.readPrincipal(st["Principal"]); err != nil {
		return s, err
	}
	s.actions = strings1(st["Action"])
	if len(s.actions) == 0 {
		return s, fmt.Errorf("the statement has no Action")
	}
	for _, r := range strings1(st["Resource"]) {
		if rest, ok := strings.CutPrefix(r, "execute-api:"); ok {
			r = arnPrefix + rest
		}
		s.resources = append(s.resources, r)
	}
	if len(s.resources) == 0 {
		return s, fmt.Errorf("the statement has no Resource")
	}
	if c := st["Condition"]; c != nil {
		if err := s.readCondition(c); err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s *statement) readPrincipal(raw json.RawMessage) error {
	if raw == nil {
		return fmt.Errorf("the statement has no Principal")
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return fmt.Errorf("Principal %q: give \"*\" or {\"AWS\": ...}", star)
		}
		s.anyone = true
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("Principal is neither \"*\" nor a map")
	}
	for k, v := range m {
		if k != "AWS" {
			return fmt.Errorf("Principal %s is not evaluated by apigw (only AWS identities and \"*\")", k)
		}
		for _, p := range strings1(v) {
			if p == "*" {
				s.anyone = true
			} else {
				s.principals = append(s.principals, p)
			}
		}
	}
	return nil
}

func (s *statement) readCondition(raw json.RawMessage) error {
	var c map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("Condition is not a map of operators")
	}
	for op, keys := range c {
		for key, v := range keys {
			if !strings.EqualFold(key, "aws:SourceIp") || (op != "IpAddress" && op != "NotIpAddress") {
				return fmt.Errorf("Condition %s %s cannot be evaluated locally (apigw evaluates IpAddress and NotIpAddress on aws:SourceIp); it refuses the API rather than apply the policy differently", op, key)
			}
			for _, cidr := range strings1(v) {
				pfx, err := netip.ParsePrefix(cidr)
				if err != nil {
					addr, err2 := netip.ParseAddr(cidr)
					if err2 != nil {
						return fmt.Errorf("Condition %s aws:SourceIp: %q is not an IP address or CIDR", op, cidr)
					}
					pfx = netip.PrefixFrom(addr, addr.BitLen())
				}
				if op == "IpAddress" {
					s.sourceIP = append(s.sourceIP, pfx.Masked())
				} else {
					s.notIP = append(s.notIP, pfx.Masked())
				}
			}
		}
	}
	return nil
}

// strings1 reads a string or a list of strings.
func strings1(raw json.RawMessage) []string {
	if raw == nil {
		return nil
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var list []string
	json.Unmarshal(raw, &list)
	return list
}

// Evaluate applies the policy: an explicit Deny wins, then an Allow.
func (p *Policy) Evaluate(r Request) Decision {
	d := Implicit
	for i := range p.statements {
		s := &p.statements[i]
		if !s.applies(r) {
			continue
		}
		if s.deny {
			return Deny
		}
		d = Allow
	}
	return d
}

func (s *statement) applies(r Request) bool {
	action := r.Action
	if action == "" {
		action = "execute-api:Invoke"
	}
	if !s.principalMatches(r) || !anyGlob(s.actions, action) || !anyGlob(s.resources, r.MethodARN) {
		return false
	}
	if len(s.sourceIP) > 0 && !inAny(s.sourceIP, r.SourceIP) {
		return false
	}
	if len(s.notIP) > 0 && inAny(s.notIP, r.SourceIP) {
		return false
	}
	return true
}

func (s *statement) principalMatches(r Request) bool {
	if s.anyone {
		return true
	}
	if r.Principal == "" {
		return false
	}
	for _, p := range s.principals {
		if p == r.Principal || p == r.Account || p == "arn:aws:iam::"+r.Account+":root" || Match(p, r.Principal) {
			return true
		}
	}
	return false
}

func inAny(ps []netip.Prefix, ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range ps {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if Match(p, s) {
			return true
		}
	}
	return false
}

// Match matches IAM's wildcards: * any run of characters, ? one.
func Match(p, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(p) && (p[px] == '?' || p[px] == s[sx]):
			px++
			sx++
		case px < len(p) && p[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			px = starP + 1
			starS++
			sx = starS
		default:
			return false
		}
	}
	for px < len(p) && p[px] == '*' {
		px++
	}
	return px == len(p)
}

// SourceIP is the caller's address as a netip.Addr.
func SourceIP(ip net.IP) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a.Unmap()
}
