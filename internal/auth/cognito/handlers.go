package cognito

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// MaxRequestBody bounds the body of the token endpoint.
const MaxRequestBody = 1 << 20

// TokenRequest is the body of POST /userpools/{LogicalId}/tokens.
type TokenRequest struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	Scopes   []string `json:"scopes"`
}

// TokenResponse is its 200 answer.
type TokenResponse struct {
	IDToken     string `json:"id_token"`
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// TokenHandler serves POST /userpools/{LogicalId}/tokens for this pool (the
// caller routes the path): a JSON TokenRequest in, 200 TokenResponse out.
// A body that is not one JSON object of those fields, or has no username,
// is 400; a body over MaxRequestBody 413; another method 405. Errors are
// {"message": "..."}.
func (i *Issuer) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeJSON(w, http.StatusMethodNotAllowed, message("method not allowed: use POST"))
			return
		}
		body := http.MaxBytesReader(w, r.Body, MaxRequestBody)
		dec := json.NewDecoder(body)
		dec.DisallowUnknownFields()
		var req TokenRequest
		err := dec.Decode(&req)
		if err == nil {
			// One JSON value only.
			if _, terr := dec.Token(); terr != io.EOF {
				err = errors.New("data after the JSON object")
				if terr != nil && !isSyntax(terr) {
					err = terr
				}
			}
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				writeJSON(w, http.StatusRequestEntityTooLarge, message("body over "+strconv.Itoa(MaxRequestBody)+" bytes"))
				return
			}
			writeJSON(w, http.StatusBadRequest, message("bad JSON body: "+err.Error()))
			return
		}
		if req.Username == "" {
			writeJSON(w, http.StatusBadRequest, message("username is required"))
			return
		}
		id, access, exp, err := i.Tokens(req.Username, req.Groups, req.Scopes)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, message(err.Error()))
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, TokenResponse{IDToken: id, AccessToken: access, ExpiresIn: exp})
	})
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// JWKSHandler serves GET (and HEAD) /userpools/{LogicalId}/.well-known/jwks.json
// for this pool: the document JWKS returns.
func (i *Issuer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, message("method not allowed: use GET"))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(i.jwks)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			w.Write(i.jwks)
		}
	})
}

type messageBody struct {
	Message string `json:"message"`
}

func message(s string) messageBody { return messageBody{s} }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
