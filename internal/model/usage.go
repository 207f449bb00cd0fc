package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apigw/apigw/internal/template"
)

// APIKey is one AWS::ApiGateway::ApiKey.
type APIKey struct {
	LogicalID   string
	ID          string // what !Ref returns
	Name        string
	Description string
	// Value as declared; "" when API Gateway generates it (apigw keeps the
	// generated value in --data).
	Value   string
	Enabled bool // default true
	Line    int
	Col     int
	File    string
	Props   Props
}

// UsagePlan is one AWS::ApiGateway::UsagePlan with its keys.
type UsagePlan struct {
	LogicalID string
	ID        string // what !Ref returns
	Name      string
	Stages    []*PlanStage
	Throttle  *Throttle // plan-wide, per key; nil when not set
	Quota     *Quota    // per key; nil when not set
	Keys      []*APIKey // through AWS::ApiGateway::UsagePlanKey
	Line, Col int
	File      string
	Props     Props
}

// PlanStage is one of a usage plan's ApiStages: a stage of a REST API
// (API) or of a WebSocket API (WS).
type PlanStage struct {
	API   *RestAPI
	WS    *WebSocketAPI
	Stage string
	// Methods are the per-method throttles, keyed "/resource/path/METHOD"
	// as CloudFormation writes them ("//GET" for the root).
	Methods map[string]Throttle
	Index   int // in ApiStages, for messages
}

// APIID is the id of the stage's API, whichever kind.
func (ps *PlanStage) APIID() string {
	if ps.WS != nil {
		return ps.WS.ID
	}
	return ps.API.ID
}

// APILogicalID is the logical ID of the stage's API.
func (ps *PlanStage) APILogicalID() string {
	if ps.WS != nil {
		return ps.WS.LogicalID
	}
	return ps.API.LogicalID
}

// Throttle is a token bucket: Rate requests a second refill it, Burst is
// its size. A value left unset is -1: the level above's applies.
type Throttle struct {
	Rate  float64
	Burst int
}

// Quota is a usage plan's request quota per key.
type Quota struct {
	Limit  int64
	Offset int64
	Period string // DAY, WEEK or MONTH
}

// MethodThrottle is one stage throttling setting: MethodSettings, or the
// stage-wide ThrottlingBurstLimit and ThrottlingRateLimit (Path and Method
// "*").
type MethodThrottle struct {
	Path     string // "/users" ("~1" decoded), "*" for all
	Method   string // "GET", "*" for all
	Throttle Throttle
}

type cfnAPIKey struct {
	CustomerId         string          `cfn:"CustomerId"`
	Description        string          `cfn:"Description"`
	Enabled            *bool           `cfn:"Enabled"`
	GenerateDistinctId bool            `cfn:"GenerateDistinctId"`
	Name               string          `cfn:"Name"`
	StageKeys          *template.Value `cfn:"StageKeys"`
	Tags               *template.Value `cfn:"Tags"`
	Value              string          `cfn:"Value"`
}

type cfnThrottle struct {
	BurstLimit *int     `cfn:"BurstLimit"`
	RateLimit  *float64 `cfn:"RateLimit"`
}

type cfnUsagePlan struct {
	ApiStages []struct {
		ApiId    string                 `cfn:"ApiId"`
		Stage    string                 `cfn:"Stage"`
		Throttle map[string]cfnThrottle `cfn:"Throttle"`
	} `cfn:"ApiStages"`
	Description string `cfn:"Description"`
	Quota       *struct {
		Limit  *int64 `cfn:"Limit"`
		Offset int64  `cfn:"Offset"`
		Period string `cfn:"Period"`
	} `cfn:"Quota"`
	Tags          *template.Value `cfn:"Tags"`
	Throttle      *cfnThrottle    `cfn:"Throttle"`
	UsagePlanName string          `cfn:"UsagePlanName"`
}

type cfnUsagePlanKey struct {
	KeyId       string `cfn:"KeyId,required"`
	KeyType     string `cfn:"KeyType,required"`
	UsagePlanId string `cfn:"UsagePlanId,required"`
}

func (t *cfnThrottle) model() Throttle {
	th := Throttle{Rate: -1, Burst: -1}
	if t.RateLimit != nil {
		th.Rate = *t.RateLimit
	}
	if t.BurstLimit != nil {
		th.Burst = *t.BurstLimit
	}
	return th
}

// APIKeyID is what !Ref of an AWS::ApiGateway::ApiKey returns.
func APIKeyID(logicalID string) string { return shortID("apikey/"+logicalID, 10) }

// UsagePlanID is what !Ref of an AWS::ApiGateway::UsagePlan returns.
func UsagePlanID(logicalID string) string { return shortID("usageplan/"+logicalID, 6) }

func (b *builder) apiKey(r *template.Resource) {
	var p cfnAPIKey
	props := b.decode(r, &p)
	k := &APIKey{LogicalID: r.LogicalID, ID: APIKeyID(r.LogicalID), Name: p.Name, Description: p.Description, Value: p.Value,
		Enabled: p.Enabled == nil || *p.Enabled, Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if k.Name == "" {
		k.Name = r.LogicalID
	}
	if p.StageKeys != nil && !r.Generated {
		b.note("%s: StageKeys is accepted; apigw, like API Gateway today, lets a key call the stages of its usage plans", r.LogicalID)
	}
	b.m.APIKeys = append(b.m.APIKeys, k)
}

func (b *builder) usagePlan(r *template.Resource) {
	var p cfnUsagePlan
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	up := &UsagePlan{LogicalID: r.LogicalID, ID: UsagePlanID(r.LogicalID), Name: p.UsagePlanName, Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if up.Name == "" {
		up.Name = r.LogicalID
	}
	for i, s := range p.ApiStages {
		prop := fmt.Sprintf("ApiStages[%d]", i)
		api := b.apiByID[s.ApiId]
		if ws := b.ws.apis[s.ApiId]; api == nil && ws != nil {
			// A WebSocket API's keys are checked at $connect; per-route
			// throttles of a plan are REST methods' and are refused.
			if len(s.Throttle) > 0 {
				b.errAt(r, at(prop+".Throttle"), "per-method throttles apply to REST APIs; %s is a WebSocket API", ws.LogicalID)
			}
			up.Stages = append(up.Stages, &PlanStage{WS: ws, Stage: s.Stage, Methods: map[string]Throttle{}, Index: i})
			continue
		}
		if api == nil {
			b.errAt(r, at(prop+".ApiId"), "%q is not a RestApi of this template (use !Ref of an AWS::ApiGateway::RestApi)", s.ApiId)
			continue
		}
		ps := &PlanStage{API: api, Stage: s.Stage, Methods: map[string]Throttle{}, Index: i}
		for key, t := range s.Throttle {
			ps.Methods[key] = t.model()
		}
		up.Stages = append(up.Stages, ps)
	}
	if p.Throttle != nil {
		t := p.Throttle.model()
		up.Throttle = &t
	}
	if q := p.Quota; q != nil {
		if q.Limit == nil {
			b.errAt(r, at("Quota.Limit"), "a Quota needs a Limit")
		} else {
			up.Quota = &Quota{Limit: *q.Limit, Offset: q.Offset, Period: q.Period}
		}
	}
	b.m.UsagePlans = append(b.m.UsagePlans, up)
}

func (b *builder) usagePlanKey(r *template.Resource) {
	var p cfnUsagePlanKey
	props := b.decode(r, &p)
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	if p.KeyType != "" && p.KeyType != "API_KEY" {
		b.errAt(r, at("KeyType"), "must be API_KEY, not %q", p.KeyType)
	}
	var key *APIKey
	for _, k := range b.m.APIKeys {
		if k.ID == p.KeyId {
			key = k
		}
	}
	if key == nil && p.KeyId != "" {
		b.errAt(r, at("KeyId"), "%q is not an ApiKey of this template (use !Ref of an AWS::ApiGateway::ApiKey)", p.KeyId)
	}
	var plan *UsagePlan
	for _, up := range b.m.UsagePlans {
		if up.ID == p.UsagePlanId {
			plan = up
		}
	}
	if plan == nil && p.UsagePlanId != "" {
		b.errAt(r, at("UsagePlanId"), "%q is not a UsagePlan of this template (use !Ref of an AWS::ApiGateway::UsagePlan)", p.UsagePlanId)
	}
	if key != nil && plan != nil {
		plan.Keys = append(plan.Keys, key)
	}
}

// stageThrottles reads a stage's throttling: the stage-wide limits (a
// Deployment's StageDescription) and MethodSettings.
func stageThrottles(stageWide *Throttle, ms []cfnMethodSetting) []MethodThrottle {
	var out []MethodThrottle
	if stageWide != nil {
		out = append(out, MethodThrottle{Path: "*", Method: "*", Throttle: *stageWide})
	}
	for _, s := range ms {
		if s.ThrottlingBurstLimit == nil && s.ThrottlingRateLimit == nil {
			continue
		}
		t := (&cfnThrottle{BurstLimit: s.ThrottlingBurstLimit, RateLimit: s.ThrottlingRateLimit}).model()
		path, method := methodSettingKey(s.ResourcePath, s.HttpMethod)
		out = append(out, MethodThrottle{Path: path, Method: method, Throttle: t})
	}
	return out
}

// methodSettingKey decodes a MethodSettings ResourcePath ("/~1users",
// "/*") and HttpMethod ("*" or a method).
func methodSettingKey(resourcePath, httpMethod string) (path, method string) {
	path = resourcePath
	switch {
	case path == "" || path == "/*" || path == "*":
		path = "*"
	default:
		path = strings.ReplaceAll(path, "~1", "/")
		if strings.HasPrefix(path, "//") {
			path = path[1:]
		}
	}
	method = strings.ToUpper(httpMethod)
	if method == "" {
		method = "*"
	}
	return path, method
}

// validateUsage checks keys and usage plans: each plan's stages exist, its
// method throttles name methods of the stage, quotas and throttles are in
// range, a key is in at most one plan per stage, key values are valid and
// distinct.
func (v *validator) usage() {
	values := map[string]*APIKey{}
	for _, k := range v.m.APIKeys {
		pos := Pos{Line: k.Line, Col: k.Col, File: k.File}
		if k.Value != "" {
			if n := len(k.Value); n < 20 || n > 128 {
				v.errAt(k.LogicalID, k.Props, pos, "Value", "an API key value has 20 to 128 characters, not %d", n)
			}
			if other := values[k.Value]; other != nil {
				v.errAt(k.LogicalID, k.Props, pos, "Value", "the same value as %s's: API key values are unique", other.LogicalID)
			}
			values[k.Value] = k
		}
	}
	type stageRef struct{ api, stage string }
	planOf := map[*APIKey]map[stageRef]*UsagePlan{}
	for _, up := range v.m.UsagePlans {
		pos := Pos{Line: up.Line, Col: up.Col, File: up.File}
		for _, ps := range up.Stages {
			prop := fmt.Sprintf("ApiStages[%d]", ps.Index)
			found := false
			if ps.WS != nil {
				for _, st := range ps.WS.Stages {
					found = found || st.Name == ps.Stage
				}
			} else {
				for _, st := range ps.API.Stages {
					found = found || st.Name == ps.Stage
				}
			}
			if !found {
				v.errAt(up.LogicalID, up.Props, pos, prop+".Stage", "API %s has no stage %q", ps.APILogicalID(), ps.Stage)
				continue
			}
			for _, key := range sortedKeys(ps.Methods) {
				if !planMethodExists(ps.API, key) {
					v.errAt(up.LogicalID, up.Props, pos, prop+".Throttle."+key,
						"%q names no method of API %s: write /resource/path/METHOD, as /users/GET (the root is //GET)", key, ps.API.LogicalID)
				}
				v.throttle(up.LogicalID, up.Props, pos, prop+".Throttle."+key, ps.Methods[key])
			}
			for _, k := range up.Keys {
				ref := stageRef{ps.APIID(), ps.Stage}
				if planOf[k] == nil {
					planOf[k] = map[stageRef]*UsagePlan{}
				}
				if other := planOf[k][ref]; other != nil && other != up {
					v.errAt(up.LogicalID, up.Props, pos, prop, "API key %s is in usage plans %s and %s, which both cover stage %s of %s: a key may be in one plan per stage",
						k.LogicalID, other.LogicalID, up.LogicalID, ps.Stage, ps.APILogicalID())
				}
				planOf[k][ref] = up
			}
		}
		if up.Throttle != nil {
			v.throttle(up.LogicalID, up.Props, pos, "Throttle", *up.Throttle)
		}
		if q := up.Quota; q != nil {
			switch q.Period {
			case "DAY", "WEEK", "MONTH":
			default:
				v.errAt(up.LogicalID, up.Props, pos, "Quota.Period", "must be DAY, WEEK or MONTH, not %q", q.Period)
			}
			if q.Limit < 0 || q.Offset < 0 || q.Offset > q.Limit {
				v.errAt(up.LogicalID, up.Props, pos, "Quota", "Limit and Offset are counts of requests, with Offset at most Limit (Limit %d, Offset %d)", q.Limit, q.Offset)
			}
		}
	}
}

func (v *validator) throttle(logicalID string, props Props, pos Pos, prop string, t Throttle) {
	if t.Rate < -1 || t.Burst < -1 || (t.Rate != -1 && t.Rate < 0) {
		v.errAt(logicalID, props, pos, prop, "throttling limits are not negative")
	}
}

// planMethodExists tells whether "/path/METHOD" names a method of the API.
func planMethodExists(api *RestAPI, key string) bool {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return false
	}
	path, method := key[:i], strings.ToUpper(key[i+1:])
	if path == "/" || path == "" {
		path = "/"
	}
	for _, r := range api.Resources {
		if r.Path == path {
			if method == "*" {
				return len(r.Methods) > 0
			}
			return r.Methods[method] != nil || r.Methods["ANY"] != nil
		}
	}
	return false
}

// PlansOf lists the usage plans a key belongs to, by plan ID order.
func (m *Model) PlansOf(k *APIKey) []*UsagePlan {
	var out []*UsagePlan
	for _, up := range m.UsagePlans {
		for _, pk := range up.Keys {
			if pk == k {
				out = append(out, up)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
