package gateway

import (
	"context"
	"time"

	"github.com/apigw/apigw/internal/auth/cognito"
)

var errUnauthorized = &Error{Type: Unauthorized}

// cognitoStage verifies a COGNITO_USER_POOLS method's token: read from
// the authorizer's identity source header, a JWT of one of its user pools
// (ID token without method scopes, access token with them), else 401. The
// claims reach the integration as requestContext.authorizer.claims.
func cognitoStage(pools map[string]*cognito.Verifier) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		a := m.model.Authorizer
		if m.model.AuthorizationType != "COGNITO_USER_POOLS" || a == nil {
			return nil
		}
		var verifiers []*cognito.Verifier
		for _, up := range a.Pools {
			if v := pools[up.ID]; v != nil {
				verifiers = append(verifiers, v)
			}
		}
		scopes := m.model.AuthorizationScopes
		header := a.IdentityHeader
		validation := a.IdentityValidation
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				raw := peekCaseInsensitive(&c.ctx.Request.Header, header)
				if len(raw) == 0 {
					return errUnauthorized
				}
				token := cognito.StripBearer(string(raw))
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				for _, v := range verifiers {
					claims, err := v.VerifyContext(ctx, token, scopes)
					if err != nil {
						continue
					}
					// IdentityValidationExpression is matched against the
					// ID token's audience (aws-reference §8.2).
					if validation != nil {
						aud, _ := claims["aud"].(string)
						if !validation.MatchString(aud) {
							return errUnauthorized
						}
					}
					c.authorizer = map[string]any{"claims": cognito.ClaimsForContext(claims)}
					return next(c)
				}
				return errUnauthorized
			}
		}
	}
}
