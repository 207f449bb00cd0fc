package controlplane

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"

	"github.com/apigw/apigw/internal/state"
)

// registerWrites adds the routes that change keys and plan memberships,
// kept in the store; Changed makes the data plane see them.
func (a *API) registerWrites(mux *http.ServeMux) {
	mux.HandleFunc("POST /apikeys", a.createAPIKey)
	mux.HandleFunc("PATCH /apikeys/{id}", a.updateAPIKey)
	mux.HandleFunc("DELETE /apikeys/{id}", a.deleteAPIKey)
	mux.HandleFunc("POST /usageplans/{id}/keys", a.createUsagePlanKey)
	mux.HandleFunc("DELETE /usageplans/{id}/keys/{keyId}", a.deleteUsagePlanKey)
}

// maxBody bounds a control-plane request body.
const maxBody = 1 << 20

func readJSON(w http.ResponseWriter, r *http.Request, out any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		writeError(w, 400, "BadRequestException", "Invalid request body")
		return false
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := json.Unmarshal(b, out); err != nil {
		writeError(w, 400, "BadRequestException", "Invalid request body: "+err.Error())
		return false
	}
	return true
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func (a *API) keyByID(id string) (Key, bool) {
	for _, k := range a.View().Keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// createAPIKey serves create-api-key: 201 with the key and its value.
func (a *API) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name, Description, Value, CustomerID string
		Enabled                              bool
		Tags                                 map[string]string
	}
	if !readJSON(w, r, &in) {
		return
	}
	if in.Value == "" {
		in.Value = randomString(40, alnum)
	} else if n := len(in.Value); n < 20 || n > 128 {
		writeError(w, 400, "BadRequestException", "API Key value should be at least 20 characters")
		return
	}
	for _, k := range a.View().Keys {
		if k.Value == in.Value {
			writeError(w, 409, "ConflictException", "API Key value already exists")
			return
		}
	}
	now := a.Clock.Now().UTC()
	k := state.APIKey{ID: randomString(10, "abcdefghijklmnopqrstuvwxyz0123456789"), Name: in.Name, Description: in.Description,
		Value: in.Value, Enabled: in.Enabled, CreatedAt: now, UpdatedAt: now, Tags: in.Tags}
	if err := a.Keys.PutKey(k); err != nil {
		a.storeError(w, err)
		return
	}
	a.Changed()
	writeJSON(w, 201, keyJSON(runtimeKey(k), true))
}

func runtimeKey(k state.APIKey) Key {
	return Key{ID: k.ID, Name: k.Name, Description: k.Description, Value: k.Value, Enabled: k.Enabled, Created: k.CreatedAt, Updated: k.UpdatedAt}
}

// storeError answers a store failure as API Gateway's control plane would.
func (a *API) storeError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, state.ErrConflict):
		writeError(w, 409, "ConflictException", "API Key value already exists")
	case errors.Is(err, state.ErrNotFound):
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
	case errors.Is(err, state.ErrInvalid):
		writeError(w, 400, "BadRequestException", err.Error())
	default:
		writeError(w, 500, "InternalFailureException", "apigw could not write its state: "+err.Error())
	}
}

// templateKey refuses a change to a key the template declares: the
// template is where it changes.
func templateKey(w http.ResponseWriter, k Key) bool {
	if !k.FromTemplate {
		return false
	}
	writeError(w, 400, "BadRequestException", "API key "+k.ID+" is declared in the template: apigw changes it when the template does")
	return true
}

// updateAPIKey serves update-api-key: replace /enabled, /name,
// /description, /customerId.
func (a *API) updateAPIKey(w http.ResponseWriter, r *http.Request) {
	k, ok := a.keyByID(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
		return
	}
	if templateKey(w, k) {
		return
	}
	var in struct {
		PatchOperations []struct{ Op, Path, Value string }
	}
	if !readJSON(w, r, &in) {
		return
	}
	var sk state.APIKey
	ok = false
	for _, x := range a.Keys.Keys() {
		if x.ID == k.ID {
			sk, ok = x, true
		}
	}
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
		return
	}
	for _, p := range in.PatchOperations {
		if p.Op != "replace" {
			writeError(w, 400, "BadRequestException", "Invalid patch operation specified. Must be 'replace' for path: "+p.Path)
			return
		}
		switch p.Path {
		case "/enabled":
			b, err := strconv.ParseBool(p.Value)
			if err != nil {
				writeError(w, 400, "BadRequestException", "Invalid value for enabled: "+p.Value)
				return
			}
			sk.Enabled = b
		case "/name":
			sk.Name = p.Value
		case "/description":
			sk.Description = p.Value
		case "/customerId":
		default:
			writeError(w, 400, "BadRequestException", "Invalid patch path "+p.Path)
			return
		}
	}
	sk.UpdatedAt = a.Clock.Now().UTC()
	if err := a.Keys.PutKey(sk); err != nil {
		a.storeError(w, err)
		return
	}
	a.Changed()
	writeJSON(w, 200, keyJSON(runtimeKey(sk), false))
}

// deleteAPIKey serves delete-api-key: 202.
func (a *API) deleteAPIKey(w http.ResponseWriter, r *http.Request) {
	k, ok := a.keyByID(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
		return
	}
	if templateKey(w, k) {
		return
	}
	if err := a.Keys.DeleteKey(k.ID); err != nil {
		a.storeError(w, err)
		return
	}
	a.Changed()
	w.WriteHeader(202)
}

// createUsagePlanKey serves create-usage-plan-key: 201. A key may be in
// one plan per stage.
func (a *API) createUsagePlanKey(w http.ResponseWriter, r *http.Request) {
	p, ok := a.plan(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		return
	}
	var in struct{ KeyID, KeyType string }
	if !readJSON(w, r, &in) {
		return
	}
	if in.KeyType != "API_KEY" {
		writeError(w, 400, "BadRequestException", "Invalid key type specified: "+in.KeyType)
		return
	}
	k, ok := a.keyByID(in.KeyID)
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
		return
	}
	if slices.Contains(p.KeyIDs, k.ID) {
		writeError(w, 409, "ConflictException", "Usage Plan "+p.ID+" already contains API Key "+k.ID)
		return
	}
	for _, other := range a.View().Plans {
		if other.ID == p.ID || !slices.Contains(other.KeyIDs, k.ID) {
			continue
		}
		for _, s := range p.Stages {
			for _, os := range other.Stages {
				if s.APIID == os.APIID && s.Stage == os.Stage {
					writeError(w, 409, "ConflictException", "API Key "+k.ID+" is already in usage plan "+other.ID+", which covers stage "+s.Stage+" of API "+s.APIID)
					return
				}
			}
		}
	}
	if err := a.Keys.PutPlanKey(p.ID, k.ID); err != nil {
		a.storeError(w, err)
		return
	}
	a.Changed()
	writeJSON(w, 201, map[string]any{"id": k.ID, "type": "API_KEY", "name": k.Name, "value": k.Value})
}

// deleteUsagePlanKey serves delete-usage-plan-key: 202.
func (a *API) deleteUsagePlanKey(w http.ResponseWriter, r *http.Request) {
	p, ok := a.plan(r.PathValue("id"))
	if !ok {
		writeError(w, 404, "NotFoundException", "Invalid Usage Plan ID specified")
		return
	}
	keyID := r.PathValue("keyId")
	if !slices.Contains(a.Keys.PlanKeys(p.ID), keyID) {
		if slices.Contains(p.KeyIDs, keyID) {
			writeError(w, 400, "BadRequestException", "API key "+keyID+" is in usage plan "+p.ID+" through the template: apigw changes it when the template does")
			return
		}
		writeError(w, 404, "NotFoundException", "Invalid API Key identifier specified")
		return
	}
	if err := a.Keys.DeletePlanKey(p.ID, keyID); err != nil {
		a.storeError(w, err)
		return
	}
	a.Changed()
	w.WriteHeader(202)
}
