package cognito

import (
	"context"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtAlgorithms are the alg values a JWTVerifier accepts: AWS says "only
// RSA-based algorithms are supported" (http-api-jwt-authorizer). RSASSA-PSS
// (PS256, ...) is RSA-based too; whether API Gateway takes it is
// unconfirmed, and it is refused here.
var jwtAlgorithms = []string{"RS256", "RS384", "RS512"}

// JWTVerifier checks tokens as an HTTP API JWT authorizer does (AWS,
// http-api-jwt-authorizer and http-api-troubleshooting-jwt): any OIDC or
// OAuth 2.0 issuer, no token_use requirement. It is safe for concurrent use.
type JWTVerifier struct {
	issuer    string
	audiences []string
	clock     func() time.Time
	signed    signedParser
}

// NewJWTVerifier returns a verifier of tokens whose iss is issuer exactly,
// signed by keys (NewDiscoveredKeys for a remote issuer, an *Issuer for a
// local pool), for one of audiences (the authorizer's JwtConfiguration
// Audience; empty strings are ignored, and with no audience every token is
// refused with KindAudience). clock nil means time.Now.
func NewJWTVerifier(issuer string, keys KeySource, audiences []string, clock func() time.Time) *JWTVerifier {
	if clock == nil {
		clock = time.Now
	}
	var auds []string
	for _, a := range audiences {
		if a != "" {
			auds = append(auds, a)
		}
	}
	return &JWTVerifier{
		issuer:    issuer,
		audiences: auds,
		clock:     clock,
		signed:    newSignedParser(keys, jwtAlgorithms...),
	}
}

// Issuer is the iss the verifier requires.
func (v *JWTVerifier) Issuer() string { return v.issuer }

// Verify checks token, the value of the authorizer's identity source (raw
// or with a "Bearer " prefix), for a route whose AuthorizationScopes are
// scopes, and returns its claims (numbers as json.Number; ClaimsForJWTContext
// gives requestContext.authorizer.jwt.claims). The checks, in AWS's order:
//
//   - alg is RS256, RS384 or RS512, and the header's kid names a key of keys;
//     the signature verifies with it;
//   - iss equals the issuer;
//   - aud (a string or a list) holds one of the audiences; a token without
//     aud must have a client_id that is one of them instead (AWS: "API
//     Gateway validates client_id only if aud is not present. When both aud
//     and client_id are present, API Gateway evaluates aud.");
//   - exp is present and after now; nbf and iat, when present, are not more
//     than ClockSkew after now (whether AWS requires exp is unconfirmed);
//   - when scopes is not empty, the token's scope (a space-separated string)
//     or scp (a space-separated string or a list of strings) holds at least
//     one of them, else KindScope (403 Forbidden; every other refusal is 401
//     Unauthorized).
//
// Every refusal is an *Error; WWWAuthenticate gives its www-authenticate
// header.
func (v *JWTVerifier) Verify(ctx context.Context, token string, scopes []string) (map[string]any, error) {
	claims, err := v.signed.parse(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(claims, scopes); err != nil {
		return nil, err
	}
	return claims, nil
}

func (v *JWTVerifier) checkClaims(c jwt.MapClaims, scopes []string) error {
	iss, _ := c["iss"].(string)
	if iss != v.issuer {
		return refuse(KindIssuer, "iss %q", truncate(iss))
	}
	if aud, ok := c["aud"]; ok && aud != nil {
		if !audienceMatches(aud, v.audiences) {
			return refuse(KindAudience, "aud is not one of the authorizer's audiences")
		}
	} else {
		cid, _ := c["client_id"].(string)
		if cid == "" || !contains(v.audiences, cid) {
			return refuse(KindAudience, "no aud, and client_id %q is not one of the authorizer's audiences", truncate(cid))
		}
	}
	now := v.clock()
	if err := checkExp(c, now); err != nil {
		return err
	}
	for _, name := range [...]string{"nbf", "iat"} {
		if err := checkNotAfterNow(c, name, now); err != nil {
			return err
		}
	}
	if len(scopes) == 0 {
		return nil
	}
	for _, have := range tokenScopes(c) {
		if contains(scopes, have) {
			return nil
		}
	}
	return refuse(KindScope, "none of the route's scopes %q in the token's scope or scp", truncate(strings.Join(scopes, " ")))
}

// tokenScopes are the scopes of a token: its scope claim split on spaces,
// then its scp claim (split on spaces when a string; the strings of a list).
func tokenScopes(c jwt.MapClaims) []string {
	var out []string
	if s, ok := c["scope"].(string); ok {
		out = append(out, strings.Fields(s)...)
	}
	switch scp := c["scp"].(type) {
	case string:
		out = append(out, strings.Fields(scp)...)
	case []any:
		for _, x := range scp {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}
