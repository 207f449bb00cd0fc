package gateway

import (
	"github.com/apigw/apigw/internal/auth/policy"
)

// resourcePolicyStage evaluates the API's resource policy for a method,
// after its authorizer (so an AWS_IAM caller is known): an explicit Deny
// refuses; without an Allow, only an AWS_IAM caller passes (IAM allows
// every identity of --iam-credentials), as API Gateway combines a
// resource policy with the authorization type. The answer is 403 with
// AWS's message.
func resourcePolicyStage(m *method) func(Handler) Handler {
	pol := m.stage.api.model.ResourcePolicy
	if pol == nil {
		return nil
	}
	iam := m.model.AuthorizationType == "AWS_IAM"
	return func(next Handler) Handler {
		return func(c *Call) *Error {
			arn := methodARN(c)
			r := policy.Request{MethodARN: arn, SourceIP: policy.SourceIP(c.ctx.RemoteIP())}
			who := "anonymous"
			if id := c.identity; id != nil {
				r.Principal, r.Account, who = id.UserARN, id.AccountID, id.UserARN
			}
			switch pol.Evaluate(r) {
			case policy.Deny:
				return &Error{Type: AccessDenied, Message: "User: " + who + " is not authorized to perform: execute-api:Invoke on resource: " + arn + " with an explicit deny"}
			case policy.Implicit:
				if !(iam && c.identity != nil) {
					return &Error{Type: AccessDenied, Message: "User: " + who + " is not authorized to perform: execute-api:Invoke on resource: " + arn}
				}
			}
			return next(c)
		}
	}
}
