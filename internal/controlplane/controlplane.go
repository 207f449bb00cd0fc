// Package controlplane serves the part of API Gateway's control-plane REST
// API that covers API keys, usage plans and usage, on the admin listener,
// with AWS's paths and JSON shapes, so that `aws apigateway ...
// --endpoint-url http://ADMIN` and the SDKs work unchanged. Keys and plans
// come from the template; keys and plan memberships created here are kept
// in the store (--data) and reach the data plane through Changed.
package controlplane

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/limit"
	"github.com/apigw/apigw/internal/state"
)

// Key is an API key as the control plane shows it.
type Key struct {
	ID, Name, Description, Value string
	Enabled                      bool
	Created, Updated             time.Time
	StageKeys                    []string // "restApiId/stage"
	FromTemplate                 bool     // declared in the template: read-only here
}

// Plan is a usage plan as the control plane shows it.
type Plan struct {
	ID, Name, Description string
	Stages                []Stage
	Throttle              *Throttle
	Quota                 *Quota
	KeyIDs                []string
}

// Stage is one of a plan's API stages.
type Stage struct {
	APIID, Stage string
	Throttle     map[string]Throttle // by "/path/METHOD"
}

// Throttle and Quota are a plan's limits (-1: unset).
type Throttle struct {
	Rate  float64
	Burst int
}

type Quota struct {
	Limit, Offset int64
	Period        string
}

// View is what the current configuration declares, with what was
// created at run time.
type View struct {
	Keys  []Key
	Plans []Plan
}

// API serves the control plane.
type API struct {
	View   func() View // the current generation's
	Quotas state.Quotas
	Keys   state.Keys
	Clock  limit.Clock
	// Changed is called after a write, to make the data plane see it.
	Changed func()
	// FlushStageCache drops a stage's cache entries; false when the API
	// has no such stage. Nil: the endpoint answers 404.
	FlushStageCache func(apiID, stage string) bool
}

// Register adds the control plane's routes to mux.
func (a *API) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /apikeys", a.getAPIKeys)
	mux.HandleFunc("GET /apikeys/{id}", a.getAPIKey)
	mux.HandleFunc("GET /usageplans", a.getUsagePlans)
	mux.HandleFunc("GET /usageplans/{id}", a.getUsagePlan)
	mux.HandleFunc("GET /usageplans/{id}/keys", a.getUsagePlanKeys)
	mux.HandleFunc("GET /usageplans/{id}/usage", a.getUsage)
	mux.HandleFunc("DELETE /restapis/{id}/stages/{stage}/cache/data", a.flushStageCache)
	a.registerWrites(mux)
}

// flushStageCache is FlushStageCache: 202 with no body once the stage's
// entries are gone (API Gateway flushes asynchronously; apigw at once).
func (a *API) flushStageCache(w http.ResponseWriter, r *http.Request) {
	if a.FlushStageCache == nil || !a.FlushStageCache(r.PathValue("id"), r.PathValue("stage")) {
		writeError(w, http.StatusNotFound, "NotFoundException", "Invalid stage identifier specified")
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers as API Gateway's control plane does: the error type
// in x-amzn-ErrorType, the message in the body.
func writeError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("x-amzn-ErrorType", errType)
	writeJSON(w, status, map[string]string{"message": msg})
}

func epoch(t time.Time) float64 { return float64(t.Unix()) }

func keyJSON(k Key, withValue bool) map[string]any {
	out := map[string]any{"id": k.ID, "name": k.Name, "enabled": k.Enabled,
		"createdDate": epoch(k.Created), "lastUpdatedDate": epoch(k.Updated), "stageKeys": k.StageKeys}
	if k.Updated.IsZero() {
		out["lastUpdatedDate"] = epoch(k.Created)
	}
	if out["stageKeys"] == nil {
		out["stageKeys"] = []string{}
	}
	if k.Description != "" {
		out["description"] = k.Description
	}
	if withValue {
		out["value"] = k.Value
	}
	return out
}

func (a *API) getAPIKeys(w http.ResponseWriter, r *http.Request) {
	v := a.View()
	withValues := r.URL.Query().Get("includeValues") == "true"
	name := r.URL.Query().Get("name")
	items := []map[string]any{}
	for _, k := range v.Keys {
		if name == "" || strings.HasPrefix(k.Name, name) {
			items = append(items, keyJSON(k, withValues))
		}
	}
	writeJSON(w, 200, map[string]any{"item": items})
}

func (a *API) getAPIKey(w http.ResponseWriter, r *http.Request) {
	for _, k := range a.View().Keys {
		if k.ID == r.PathValue("id") {
			writeJSON(w, 200, keyJSON(k, r.URL.Query().Get("includeValue") == "true"))
			return
		}
	}
	writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
}

func planJSON(p Plan) map[string]any {
	stages := []map[string]any{}
	for _, s := range p.Stages {
		st := map[string]any{"apiId": s.APIID, "stage": s.Stage}
		if len(s.Throttle) > 0 {
			th := map[string]any{}
			for k, t := range s.Throttle {
				th[k] = throttleJSON(t)
			}
			st["throttle"] = th
		}
		stages = append(stages, st)
	}
	out := map[string]any{"id": p.ID, "name": p.Name, "apiStages": stages}
	if p.Description != "" {
		out["description"] = p.Description
	}
	if p.Throttle != nil {
		out["throttle"] = throttleJSON(*p.Throttle)
	}
	if q := p.Quota; q != nil {
		out["quota"] = map[string]any{"limit": q.Limit, "offset": q.Offset, "period": q.Period}
	}
	return out
}

func throttleJSON(t Throttle) map[string]any {
	out := map[string]any{}
	if t.Rate >= 0 {
		out["rateLimit"] = t.Rate
	}
	if t.Burst >= 0 {
		out["burstLimit"] = t.Burst
	}
	return out
}

func (a *API) plan(id string) (Plan, bool) {
	for _, p := range a.View().Plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

func (a *API) getUsagePlans(w http.ResponseWriter, r *http.Request) {
	keyID := r.URL.Query().Get("keyId")
	items := []map[string]any{}
	for _, p := range a.View().Plans {
		if keyID != "" && !contains(p.KeyIDs, keyID) {
			continue
		}
		items = append(items, planJSON(p))
	}
	writeJSON(w, 200, map[string]any{"item": items})
}

func (a *API) getUsagePlan(w http.ResponseWriter, r *http.Request) {
	p, ok := a.plan(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		return
	}
	writeJSON(w, 200, planJSON(p))
}

func (a *API) getUsagePlanKeys(w http.ResponseWriter, r *http.Request) {
	p, ok := a.plan(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		return
	}
	keys := map[string]Key{}
	for _, k := range a.View().Keys {
		keys[k.ID] = k
	}
	items := []map[string]any{}
	for _, id := range p.KeyIDs {
		k := keys[id]
		items = append(items, map[string]any{"id": k.ID, "type": "API_KEY", "name": k.Name, "value": k.Value})
	}
	writeJSON(w, 200, map[string]any{"item": items})
}

// maxUsageDays bounds a get-usage date range (API Gateway keeps 90 days).
const maxUsageDays = 90

// getUsage answers get-usage: per key, one [used, remaining] pair per UTC
// day of the range, the counts apigw enforced.
func (a *API) getUsage(w http.ResponseWriter, r *http.Request) {
	p, ok := a.plan(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		return
	}
	q := r.URL.Query()
	start, err1 := time.Parse("2006-01-02", q.Get("startDate"))
	end, err2 := time.Parse("2006-01-02", q.Get("endDate"))
	if err1 != nil || err2 != nil {
		writeError(w, 400, "BadRequestException", "Invalid date format, use yyyy-MM-dd")
		return
	}
	if end.Before(start) || end.Sub(start) > maxUsageDays*24*time.Hour {
		writeError(w, 400, "BadRequestException", "The usage data range is invalid: the end date is before the start date, or more than 90 days after it")
		return
	}
	keyID := q.Get("keyId")
	values := a.Quotas.Usage(p.ID, keyID, start, end)
	days := int(end.Sub(start)/(24*time.Hour)) + 1
	// Keys of the plan with no requests yet: zero used, the whole quota left.
	for _, id := range p.KeyIDs {
		if keyID != "" && id != keyID {
			continue
		}
		if _, ok := values[id]; !ok {
			remaining := int64(-1)
			if p.Quota != nil {
				remaining = p.Quota.Limit
			}
			row := make([][2]int64, days)
			for i := range row {
				row[i] = [2]int64{0, remaining}
			}
			values[id] = row
		}
	}
	ids := make([]string, 0, len(values))
	for id := range values {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := map[string]any{}
	for _, id := range ids {
		out[id] = values[id]
	}
	writeJSON(w, 200, map[string]any{"usagePlanId": p.ID, "startDate": q.Get("startDate"), "endDate": q.Get("endDate"), "values": out})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
