package cognito

import (
	"errors"
	"strings"
)

// The error_description values of the www-authenticate header of an HTTP API
// JWT authorizer's 401. API Gateway's implementation answers with the texts
// of a Go JWT library (dgrijalva/jwt-go, whose messages golang-jwt kept) for
// decoding and algorithm failures and with its own "the token ..." texts
// for claims. Sources:
//
//   - descAudience: AWS, API Gateway Developer Guide,
//     http-api-troubleshooting-jwt (curl capture of a 401).
//   - descSegments: two independent community captures of real 401s
//     (www-authenticate: Bearer scope="" error="invalid_token"
//     error_description="token contains an invalid number of segments"),
//     the text of jwt-go's parser.
//   - "signing method ES256 is invalid": a community capture of a real 401
//     for an ES256 token, jwt-go's "signing method %v is invalid".
//
// Every other text is unconfirmed: no capture or AWS page gives it. Those
// beginning "signing method (alg)" and descSignature are jwt-go's messages
// for the same failure (inferred from the confirmed jwt-go texts); the
// claim texts follow the wording of descAudience.
const (
	descAudience  = "the token does not have a valid audience"
	descSegments  = "token contains an invalid number of segments"
	descMalformed = "token is malformed"                                  // unconfirmed
	descAlgNone   = "signing method (alg) is unspecified"                 // unconfirmed (jwt-go)
	descAlgBad    = "signing method (alg) is unavailable"                 // unconfirmed (jwt-go)
	descSignature = "crypto/rsa: verification error"                      // unconfirmed (jwt-go's RS256 failure)
	descKid       = "no key of the issuer's JWKS matches the token's kid" // unconfirmed
	descNoKeys    = "the issuer's JWKS could not be fetched"              // unconfirmed
	descExpired   = "the token has expired"                               // unconfirmed
	descNotYet    = "the token is not valid yet"                          // unconfirmed
	descIssuer    = "the token does not have a valid issuer"              // unconfirmed
	descTokenUse  = "the token does not have a valid token_use"           // unconfirmed (REST only)
	descScope     = "the token does not have a required scope"            // unconfirmed
)

var kindDescriptions = [...]string{
	KindMalformed:       descMalformed,
	KindAlgorithm:       descAlgNone,
	KindUnknownKey:      descKid,
	KindKeysUnavailable: descNoKeys,
	KindSignature:       descSignature,
	KindExpired:         descExpired,
	KindNotYetValid:     descNotYet,
	KindIssuer:          descIssuer,
	KindTokenUse:        descTokenUse,
	KindAudience:        descAudience,
	KindScope:           descScope,
}

// algDescription is the error_description of a refused alg: "signing method
// RS384 is invalid" for an alg the library knows, else jwt-go's texts for an
// unknown or missing alg.
func algDescription(header map[string]any) string {
	alg, ok := header["alg"].(string)
	switch {
	case !ok:
		return descAlgNone
	case knownAlg(alg):
		return "signing method " + alg + " is invalid"
	}
	return descAlgBad
}

// knownAlg tells the algs jwt-go and golang-jwt implement: the only ones
// "signing method X is invalid" can name.
func knownAlg(alg string) bool {
	switch alg {
	case "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
		"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA":
		return true
	}
	return false
}

// Description is the error_description WWWAuthenticate gives for e: a text
// per Kind, or one that depends on the token (the alg it names, a wrong
// number of segments). The texts and their sources are listed in
// challenge.go; only "the token does not have a valid audience", "token
// contains an invalid number of segments" and "signing method X is invalid"
// are confirmed.
func (e *Error) Description() string {
	if e.desc != "" {
		return e.desc
	}
	if e.Kind > 0 && int(e.Kind) < len(kindDescriptions) && kindDescriptions[e.Kind] != "" {
		return kindDescriptions[e.Kind]
	}
	return descMalformed
}

// WWWAuthenticate is the www-authenticate header an HTTP API JWT authorizer
// sends with its refusal err, in API Gateway's form (space-separated
// parameters, no commas, scope always empty):
//
//	Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"
//
// An empty token (ErrNoToken, as a missing identity source) gives "Bearer"
// alone, as captured from API Gateway for a request without a token.
// KindScope gives error="insufficient_scope" (RFC 6750 section 3.1); whether
// API Gateway sends a www-authenticate header with its 403 is unconfirmed.
// An error that is not an *Error gives error="invalid_token" without a
// description; nil gives "".
func WWWAuthenticate(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		return `Bearer scope="" error="invalid_token"`
	}
	if errors.Is(e, ErrNoToken) {
		return "Bearer"
	}
	code := "invalid_token"
	if e.Kind == KindScope {
		code = "insufficient_scope"
	}
	return `Bearer scope="" error="` + code + `" error_description="` + quotable(e.Description()) + `"`
}

// quotable keeps the characters RFC 6750 allows in error_description
// (%x20-21 / %x23-5B / %x5D-7E: printable ASCII but '"' and '\') and at
// most 200 bytes of them.
func quotable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 200; i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b.WriteByte(c)
		}
	}
	return b.String()
}
