// Package cognito stands in for Amazon Cognito user pools: a local token
// issuer per pool (Issuer, its admin-listener handlers), the verification
// of user-pool JWTs for REST COGNITO_USER_POOLS authorizers (Verifier) and
// of any OIDC issuer's JWTs for HTTP API JWT authorizers (JWTVerifier), with
// the keys of either a local Issuer or a remote JWKS (RemoteKeys, found
// through OIDC discovery with NewDiscoveredKeys). Both verifiers share the
// decoding, alg, kid and signature checks.
//
// # Tokens issued (Issuer.Tokens)
//
// Both tokens are RS256 JWTs with the header {"alg":"RS256","kid":...} (no
// "typ", as Cognito), signed by the pool's one RSA 2048 key. The key is
// generated once and kept in {dir}/{poolId}.pem (PKCS #8, mode 0600); its kid
// is the RFC 7638 thumbprint of the public key. Cognito signs ID and access
// tokens with two different keys; one key is enough here.
//
// Claim names are Cognito's (Cognito Developer Guide, "Understanding the ID
// token" and "Understanding the access token" payload samples):
//
//	both:   sub (a UUID v5 of the pool id and the username: stable across
//	        restarts), iss (https://cognito-idp.{region}.amazonaws.com/{poolId}),
//	        token_use, auth_time = iat = now, exp = now + 3600, jti (random
//	        UUID, per token), origin_jti (random UUID, shared by the two tokens
//	        of one call), cognito:groups (only when groups are given; Cognito
//	        puts it in both tokens)
//	ID:     token_use "id", aud (the pool's first client id; the pool id when
//	        the pool has no client), cognito:username
//	access: token_use "access", client_id (same value as the ID token's aud),
//	        username, scope (the requested scopes joined by one space; left
//	        out when none is requested); no aud
//
// No email, email_verified or other user attributes are set: the local pool
// has no users, only names.
//
// # Verification (Verifier.Verify), following API Gateway's REST authorizer
//
//   - The token is taken as it is; a leading "Bearer " (scheme matched without
//     regard to case, exactly one space) is removed first. Whether REST
//     Cognito authorizers accept the prefix is unconfirmed in AWS's reference
//     pages; an AWS workshop tests a Cognito authorizer with "Bearer <token>"
//     in the console, so both forms are accepted. Nothing else is trimmed
//     (AWS's troubleshooting page names extra spaces as a cause of 401).
//   - Tokens over MaxTokenBytes are refused before any decoding.
//   - alg must be RS256 (none, HS256 and everything else are refused before
//     any key is looked up); the header's kid must name a key of the source.
//   - exp is required and must be after now (no leeway); iat and nbf, when
//     present, must not be more than ClockSkew in the future.
//   - iss must equal the issuer URL exactly.
//   - No method scopes: the token must be an ID token (token_use "id") and,
//     when the pool lists clients, its aud must be one of them. Method
//     scopes: it must be an access token (token_use "access"), its
//     space-separated scope must hold at least one of the method's scopes,
//     and, when the pool lists clients, its client_id must be one of them.
//
// Every failure is an *Error with a Kind; the caller answers 401
// {"message":"Unauthorized"} whatever the Kind (REST). Kinds exist for logs,
// tests and HTTP APIs, which answer KindScope with 403.
//
// # Verification (JWTVerifier.Verify), following API Gateway's HTTP API JWT authorizer
//
// AWS's order (http-api-jwt-authorizer, http-api-troubleshooting-jwt):
//
//   - The identity source's value, raw or with a "Bearer " prefix
//     (StripBearer, as above); MaxTokenBytes as above.
//   - alg must be RS256, RS384 or RS512 ("only RSA-based algorithms are
//     supported"; PS256 and the other RSASSA-PSS algs are refused, which is
//     unconfirmed); kid must name a key of the source. A remote JWK that
//     carries "alg" must carry the token's.
//   - iss must equal the authorizer's Issuer exactly.
//   - Audience: when the token has aud (a string or a list), one of its
//     values must be one of the authorizer's Audience; only when it has no
//     aud, its client_id must be ("API Gateway validates client_id only if
//     aud is not present. When both aud and client_id are present, API
//     Gateway evaluates aud."). No audience configured: every token fails.
//   - exp is required and must be after now; nbf and iat, when present, must
//     not be more than ClockSkew in the future (AWS: "before the current
//     time"; the skew and the exp requirement are this package's).
//   - No token_use requirement: ID and access tokens of a user pool both
//     pass (the ID token by aud, the access token by client_id).
//   - When the route has AuthorizationScopes, the token's scope (a
//     space-separated string) or scp (a space-separated string or a list of
//     strings) must hold at least one of them, else KindScope: 403
//     {"message":"Forbidden"} (aws-reference section 13). Every other
//     refusal is 401 {"message":"Unauthorized"}.
//
// # www-authenticate (WWWAuthenticate, Error.Description)
//
// An HTTP API's 401 carries, as API Gateway sends it (no commas):
//
//	www-authenticate: Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"
//
// The error_description depends on the Kind and, for malformed tokens and
// refused algs, on the token. Confirmed texts: "the token does not have a
// valid audience" (AWS, http-api-troubleshooting-jwt), "token contains an
// invalid number of segments" and "signing method ES256 is invalid"
// (community captures of real 401s; both are jwt-go's messages, which API
// Gateway evidently uses). Every other text is unconfirmed and marked so in
// challenge.go: jwt-go's messages for the same failures ("signing method
// (alg) is unavailable", "crypto/rsa: verification error", ...) and, for
// claims, wording after AWS's audience text ("the token has expired", "the
// token does not have a valid issuer", ...). An empty token gives "Bearer"
// alone (captured for a request without a token); KindScope gives
// error="insufficient_scope" (RFC 6750), whether API Gateway sends the
// header with its 403 being unconfirmed.
//
// # Claims in requestContext.authorizer.claims (ClaimsForContext)
//
// Every value is a string. exp and iat become Java's Date.toString form in
// UTC ("Sun Dec 17 07:28:12 UTC 2017", as recorded in a real event); other
// numbers keep their JSON text ("auth_time":"1513492092"); booleans are
// "true"/"false"; arrays (cognito:groups) are their elements joined by ","
// without spaces ("admin,users"), as users of REST Cognito authorizers
// report it (aws/chalice#783 splits on ","); objects are their JSON text;
// null claims are left out. The array, object and null forms are
// unconfirmed in AWS's documentation.
//
// ClaimsForJWTContext gives the form HTTP API JWT authorizers use in
// requestContext.authorizer.jwt.claims: numbers as their JSON text (exp
// included) and arrays as "[a b c]" (reported by users of HTTP APIs,
// aws-solutions-library-samples/guidance-for-claude-code-with-amazon-bedrock#802).
//
// # Remote keys (RemoteKeys)
//
// An external issuer's JWKS, {issuer}/.well-known/jwks.json, is fetched with
// keyfunc v3 (github.com/MicahParks/keyfunc/v3) over the system trust store:
// once when RemoteKeys is made (a failure there is not an error: the keys
// are fetched again on demand), again every hour, and on demand when a token
// names an unknown kid (at most once per UnknownKIDInterval). Each fetch
// times out after 1500 ms and refuses a body over 150000 bytes, API
// Gateway's limits for HTTP API JWT authorizers (AWS limits page).
//
// NewDiscoveredKeys finds the JWKS as an HTTP API JWT authorizer does: it
// reads jwks_uri from {issuer}/.well-known/openid-configuration (OIDC
// discovery; 1500 ms, 150000 bytes, no redirect from https to http) and
// then behaves as RemoteKeys. jwks_uri must be an absolute https URL, or
// http on a loopback host when the issuer is http on loopback too (local
// identity providers, tests). A failed discovery when the source is made is
// not an error either: it is tried again when a token names a kid (at most
// once per UnknownKIDInterval; those tokens get KindKeysUnavailable), and
// once jwks_uri is known it is kept.
package cognito
