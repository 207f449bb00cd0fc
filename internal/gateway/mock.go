package gateway

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/apigw/apigw/internal/model"
)

// mockIntegration answers from the template alone: the request template's
// statusCode selects an integration response, whose static headers and body
// become the method response.
type mockIntegration struct {
	// statusByType is the statusCode of each request template, by content type.
	statusByType map[string]int
	passthrough  string
	hasTemplates bool
	responses    *responseMapper
}

func newMockIntegration(m *model.Method) (*mockIntegration, error) {
	in := m.Integration
	mk := &mockIntegration{statusByType: map[string]int{}, passthrough: in.PassthroughBehavior, hasTemplates: len(in.RequestTemplates) > 0}
	// The model has read each template's statusCode (and refused
	// templates without one, at their line).
	for ct, code := range in.MockStatus {
		mk.statusByType[strings.ToLower(ct)] = code
	}
	mk.responses = newResponseMapper(in.Responses, nil)
	return mk, nil
}

func (mk *mockIntegration) Serve(c *Call) *Error {
	ct := mediaType(c.ctx.Request.Header.ContentType())
	status, ok := mk.statusByType[ct]
	if !ok {
		// API Gateway's passthrough behaviour for an unmapped content type.
		switch {
		case mk.passthrough == "NEVER", mk.passthrough == "WHEN_NO_TEMPLATES" && mk.hasTemplates:
			return &Error{Type: UnsupportedMediaType}
		case !mk.hasTemplates:
			status = 200
		default:
			var err error
			if status, err = model.MockStatus(string(c.ctx.Request.Body())); err != nil {
				return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("MOCK passthrough body: %v", err)}
			}
		}
	}
	return mk.responses.write(c, status, nil)
}

// mediaType returns the lower-case media type of a Content-Type, without
// parameters; no Content-Type means application/json, as in API Gateway.
func mediaType(ct []byte) string {
	s := string(ct)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "application/json"
	}
	return s
}

// responseMapper selects an integration response for a non-proxy
// integration and writes the method response.
type responseMapper struct {
	def         *compiledResponse
	patterns    []*compiledResponse
	binaryTypes []string // the API's binaryMediaTypes
}

// compiledResponse is an integration response with its body template chosen
// at load time: application/json when there is one, else the first by name.
type compiledResponse struct {
	*model.IntegrationResponse
	contentType, body string
	hasTemplate       bool
}

func newResponseMapper(rs []*model.IntegrationResponse, binaryTypes []string) *responseMapper {
	rm := &responseMapper{binaryTypes: binaryTypes}
	for _, r := range rs {
		cr := &compiledResponse{IntegrationResponse: r}
		cr.contentType, cr.body, cr.hasTemplate = pickTemplate(r.Templates)
		if r.Pattern == "" {
			rm.def = cr
		} else {
			rm.patterns = append(rm.patterns, cr)
		}
	}
	return rm
}

func (rm *responseMapper) selectFor(status int) *compiledResponse {
	if len(rm.patterns) > 0 {
		s := strconv.Itoa(status)
		for _, r := range rm.patterns {
			if r.Selection.MatchString(s) {
				return r
			}
		}
	}
	return rm.def
}

// write sends the method response for a backend status; backend is nil for
// MOCK. The backend body passes through when no template applies.
func (rm *responseMapper) write(c *Call, status int, backend *backendResponse) *Error {
	ir := rm.selectFor(status)
	if ir == nil {
		return &Error{Type: APIConfigurationError, Cause: fmt.Errorf("no integration response matches status %d and none is the default", status)}
	}
	resp := &c.ctx.Response
	resp.SetStatusCode(ir.StatusCode)
	switch {
	case ir.hasTemplate:
		resp.Header.SetContentType(ir.contentType)
		resp.SetBodyString(ir.body)
	case backend != nil:
		resp.Header.SetContentType("application/json")
		body := backend.body
		if ir.ContentHandling != "" || len(rm.binaryTypes) > 0 {
			var err error
			body, err = convertResponse(backend, c.ctx.Request.Header.Peek("Accept"), rm.binaryTypes, ir.ContentHandling)
			if err != nil {
				return &Error{Type: APIConfigurationError, Cause: err}
			}
		}
		resp.SetBody(body)
	default:
		resp.Header.SetContentType("application/json")
	}
	// After the body's Content-Type, so a mapped Content-Type wins.
	for _, h := range ir.Headers {
		if h.Static {
			resp.Header.Set(h.Name, h.Value)
		} else if backend != nil {
			if v := backend.header(h.SourceHeader); v != "" {
				resp.Header.Set(h.Name, v)
			}
		}
	}
	return nil
}

func pickTemplate(ts map[string]string) (ct, body string, ok bool) {
	if len(ts) == 0 {
		return "", "", false
	}
	if b, ok := ts["application/json"]; ok {
		return "application/json", b, true
	}
	keys := make([]string, 0, len(ts))
	for k := range ts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys[0], ts[keys[0]], true
}
