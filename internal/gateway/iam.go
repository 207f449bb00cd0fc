package gateway

import "github.com/apigw/apigw/internal/auth/sigv4"

// iamStage verifies the SigV4 signature of a method with AuthorizationType
// AWS_IAM against the identities of --iam-credentials (none: every call is
// refused). The identity reaches the integration in requestContext.identity.
func iamStage(v *sigv4.Verifier) func(m *method) func(Handler) Handler {
	return func(m *method) func(Handler) Handler {
		if m.model.AuthorizationType != "AWS_IAM" {
			return nil
		}
		return func(next Handler) Handler {
			return func(c *Call) *Error {
				if v == nil {
					return errMissingToken
				}
				id, f := v.Verify(sigv4.FromFastHTTP(c.ctx, c.rawPath, c.rawQuery))
				if f != nil {
					return iamError(f)
				}
				c.identity = id
				return next(c)
			}
		}
	}
}

// iamError turns a verification failure into API Gateway's answer: its
// status, x-amzn-ErrorType and message (aws-reference §2.1).
func iamError(f *sigv4.Failure) *Error {
	switch f.Kind {
	case sigv4.KindMissing:
		return errMissingToken
	case sigv4.KindExpired:
		return &Error{Type: ExpiredToken, Status: f.Status, Message: f.Message, ErrorType: f.ErrorType}
	}
	return &Error{Type: InvalidSignature, Status: f.Status, Message: f.Message, ErrorType: f.ErrorType}
}
