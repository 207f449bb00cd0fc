package gateway

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/apigw/apigw/internal/model"
)

// Integration is one method's backend, compiled for one stage. Serve writes
// the response into the request context or returns the gateway error to
// answer with. One interface for every integration type keeps the client
// side replaceable (DESIGN.md).
type Integration interface {
	Serve(c *Call) *Error
}

var (
	_ Integration = (*httpIntegration)(nil)
	_ Integration = (*mockIntegration)(nil)
	_ Integration = (*lambdaProxy)(nil)
	_ Integration = brokenIntegration{}
)

// brokenIntegration answers a method whose configuration cannot work on
// this stage (an undefined stage variable in its URI) or at all (the
// model's Integration.Broken) as API Gateway does: 500 with an API
// configuration error.
type brokenIntegration struct{ reason string }

func (b brokenIntegration) Serve(c *Call) *Error {
	return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("%s", b.reason)}
}

func newIntegration(m *model.Method, st *stage, gen *Generation) (Integration, string, error) {
	deps := &gen.deps
	in := m.Integration
	if in.Broken != "" {
		// Deployed by API Gateway, failing at call time (the model noted
		// it at load).
		target := in.URI
		if in.Type == model.AWSProxy {
			target = "lambda:" + in.Function
			if in.Target != nil {
				target = "lambda:" + in.Target.Name
			}
		}
		return brokenIntegration{m.LogicalID + ": " + in.Broken}, string(in.Type) + " " + target + " (answers 500: " + in.Broken + ")", nil
	}
	switch in.Type {
	case model.HTTPProxy, model.HTTP:
		uri, ok := substituteStageVars(in.URI, st.vars)
		if !ok {
			reason := fmt.Sprintf("%s: Uri %q uses a stage variable that stage %s does not define", m.LogicalID, in.URI, st.name)
			deps.Logger.Warn("method will answer 500", "reason", reason)
			return brokenIntegration{reason}, string(in.Type) + " " + in.URI + " (undefined stage variable)", nil
		}
		h, err := newHTTPIntegration(m, uri, st, gen.clients)
		if err != nil {
			return nil, "", err
		}
		return h, string(in.Type) + " " + uri, nil
	case model.Mock:
		mk, err := newMockIntegration(m)
		if err != nil {
			return nil, "", err
		}
		return mk, "MOCK", nil
	case model.AWSProxy:
		fn, ok := substituteStageVars(in.Function, st.vars)
		if !ok {
			reason := fmt.Sprintf("%s: function %q uses a stage variable that stage %s does not define", m.LogicalID, in.Function, st.name)
			deps.Logger.Warn("method will answer 500", "reason", reason)
			return brokenIntegration{reason}, "AWS_PROXY " + in.Function + " (undefined stage variable)", nil
		}
		if in.Target != nil {
			fn = in.Target.Name
		}
		if deps.Invoker == nil {
			return nil, "", fmt.Errorf("no way to invoke Lambda function %s", fn)
		}
		return newLambdaProxy(m, st, fn, deps), "AWS_PROXY lambda:" + fn, nil
	}
	return nil, "", fmt.Errorf("integration type %s is not supported", in.Type)
}

// uriTemplate is an integration URI split at its {name} placeholders.
type uriTemplate struct {
	parts []uriPart
}

type uriPart struct {
	literal string
	param   string // placeholder name when literal is ""
}

func parseURITemplate(s string) uriTemplate {
	var t uriTemplate
	for s != "" {
		i := strings.IndexByte(s, '{')
		j := -1
		if i >= 0 {
			j = strings.IndexByte(s[i:], '}')
		}
		if i < 0 || j < 0 {
			t.parts = append(t.parts, uriPart{literal: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, uriPart{literal: s[:i]})
		}
		t.parts = append(t.parts, uriPart{param: s[i+1 : i+j]})
		s = s[i+j+1:]
	}
	return t
}

func (t uriTemplate) hasParams() bool {
	for _, p := range t.parts {
		if p.literal == "" {
			return true
		}
	}
	return false
}

// splitURL splits an http(s) URL into scheme, host and the rest.
func splitURL(raw string) (scheme, host, rest string, err error) {
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(raw))
	if err != nil {
		return "", "", "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", "", fmt.Errorf("%q is not an http:// or https:// URL", raw)
	}
	scheme = u.Scheme
	after := raw[len(scheme)+3:]
	i := strings.IndexAny(after, "/?")
	if i < 0 {
		return scheme, after, "/", nil
	}
	rest = after[i:]
	if rest[0] == '?' {
		rest = "/" + rest
	}
	return scheme, after[:i], rest, nil
}
