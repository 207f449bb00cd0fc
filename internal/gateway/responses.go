package gateway

import (
	"encoding/json"
	"github.com/apigw/apigw/internal/model"
	"regexp"
	"strings"

	"github.com/valyala/fasthttp"
)

// ResponseType is an API Gateway gateway response type: the one table of
// errors the gateway answers with. Later stages (authorizers, keys, usage
// plans, validation, gateway-response customisation) reuse it.
type ResponseType uint8

const (
	AccessDenied ResponseType = iota
	APIConfigurationError
	AuthorizerConfigurationError
	AuthorizerFailure
	BadRequestParameters
	BadRequestBody
	Default4XX
	Default5XX
	ExpiredToken
	IntegrationFailure
	IntegrationTimeout
	InvalidAPIKey
	InvalidSignature
	MissingAuthenticationToken
	QuotaExceeded
	RequestTooLarge
	ResourceNotFound
	Throttled
	Unauthorized
	UnsupportedMediaType
	WAFFiltered
	numResponseTypes
)

// bodyStyle is how a default error body is written. API Gateway's default
// gateway-response template is {"message":$context.error.messageString}
// (no space); errors recorded from its integration path carry a space after
// the colon; authorizer and IAM denials use a capital "Message".
type bodyStyle uint8

const (
	compact bodyStyle = iota
	spaced
	capital
)

// responseDef is one row of the catalogue: aws-reference.md §2.1 and §2.2.
type responseDef struct {
	Name      string // the gateway response type as CloudFormation spells it
	Status    int
	Message   string
	ErrorType string // x-amzn-ErrorType
	Style     bodyStyle
	Is5xx     bool
}

var catalogue = [numResponseTypes]responseDef{
	AccessDenied:                 {"ACCESS_DENIED", 403, "User is not authorized to access this resource with an explicit deny", "AccessDeniedException", capital, false},
	APIConfigurationError:        {"API_CONFIGURATION_ERROR", 500, "Internal server error", "InternalServerErrorException", spaced, true},
	AuthorizerConfigurationError: {"AUTHORIZER_CONFIGURATION_ERROR", 500, "", "AuthorizerConfigurationException", compact, true},
	AuthorizerFailure:            {"AUTHORIZER_FAILURE", 500, "", "AuthorizerFailureException", compact, true},
	BadRequestParameters:         {"BAD_REQUEST_PARAMETERS", 400, "Missing required request parameters", "BadRequestException", spaced, false},
	BadRequestBody:               {"BAD_REQUEST_BODY", 400, "Invalid request body", "BadRequestException", spaced, false},
	Default4XX:                   {"DEFAULT_4XX", 400, "Bad Request", "BadRequestException", compact, false},
	Default5XX:                   {"DEFAULT_5XX", 500, "Internal server error", "InternalServerErrorException", spaced, true},
	ExpiredToken:                 {"EXPIRED_TOKEN", 403, "The security token included in the request is expired", "ExpiredTokenException", compact, false},
	IntegrationFailure:           {"INTEGRATION_FAILURE", 504, "Network error communicating with endpoint", "InternalServerErrorException", spaced, true},
	IntegrationTimeout:           {"INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", "InternalServerErrorException", spaced, true},
	InvalidAPIKey:                {"INVALID_API_KEY", 403, "Forbidden", "ForbiddenException", compact, false},
	InvalidSignature:             {"INVALID_SIGNATURE", 403, "The request signature we calculated does not match the signature you provided", "InvalidSignatureException", compact, false},
	MissingAuthenticationToken:   {"MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token", "MissingAuthenticationTokenException", compact, false},
	QuotaExceeded:                {"QUOTA_EXCEEDED", 429, "Limit Exceeded", "LimitExceededException", compact, false},
	RequestTooLarge:              {"REQUEST_TOO_LARGE", 413, "Request Too Long", "RequestTooLongException", compact, false},
	ResourceNotFound:             {"RESOURCE_NOT_FOUND", 404, "Not Found", "NotFoundException", compact, false},
	Throttled:                    {"THROTTLED", 429, "Too Many Requests", "TooManyRequestsException", compact, false},
	Unauthorized:                 {"UNAUTHORIZED", 401, "Unauthorized", "UnauthorizedException", compact, false},
	UnsupportedMediaType:         {"UNSUPPORTED_MEDIA_TYPE", 415, "Unsupported Media Type", "UnsupportedMediaTypeException", spaced, false},
	WAFFiltered:                  {"WAF_FILTERED", 403, "Forbidden", "WAFFilteredException", compact, false},
}

func (t ResponseType) String() string { return catalogue[t].Name }

// ResponseTypeByName finds a type by its CloudFormation name (case-insensitive,
// as SAM writes DEFAULT_4xx).
func ResponseTypeByName(name string) (ResponseType, bool) {
	for i := range catalogue {
		if equalFold(catalogue[i].Name, name) {
			return ResponseType(i), true
		}
	}
	return 0, false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Error is a request that ends in a gateway response. Handlers return it;
// one place (writeError) turns it into bytes.
type Error struct {
	Type    ResponseType
	Status  int    // overrides the type's status when not 0 (a Lambda error is DEFAULT_5XX with 502)
	Message string // overrides the type's message when not ""
	Cause   error  // for the log, never for the client
	// Style and ErrorType override the type's body style and
	// x-amzn-ErrorType when set (Style's zero value, compact, keeps the
	// type's own), for answers recorded on AWS that differ from the type's.
	Style     bodyStyle
	ErrorType string
	// Validation is $context.error.validationErrorString: what a request
	// validator found (validation.go).
	Validation string
	// wwwAuthenticate is an HTTP API JWT authorizer's www-authenticate
	// header value.
	wwwAuthenticate string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = catalogue[e.Type].Message
	}
	if e.Cause != nil {
		return e.Type.String() + ": " + msg + ": " + e.Cause.Error()
	}
	return e.Type.String() + ": " + msg
}

// Common errors, allocated once.
var (
	errMissingToken   = &Error{Type: MissingAuthenticationToken}
	errConfiguration  = &Error{Type: APIConfigurationError}
	errURITooLong     = &Error{Type: Default4XX, Status: 414, Message: "Request URI too long"}
	errHeaderTooLarge = &Error{Type: Default4XX, Status: 431, Message: "Request Header Fields Too Large"}
	errBadRequest     = &Error{Type: Default4XX, Message: "Bad Request"}
	errReadTimeout    = &Error{Type: Default4XX, Status: 408, Message: "Request Timeout"}
	// A Lambda proxy event over Lambda's 6 MB invocation limit: the function
	// is not invoked. AWS documents no answer; this is the one recorded on
	// AWS (aws-reference §13): 413, a spaced body, BadRequestException.
	errLambdaRequestTooLarge = &Error{Type: RequestTooLarge, Style: spaced, ErrorType: "BadRequestException"}
)

// lambdaError is how API Gateway answers a Lambda proxy that failed, timed
// out or returned a malformed response: 502 Internal server error.
func lambdaError(cause error) *Error {
	return &Error{Type: Default5XX, Status: 502, Cause: cause}
}

// customResponse is an API's AWS::ApiGateway::GatewayResponse for one
// type, compiled.
type customResponse struct {
	status    int // 0: the type's own
	headers   []model.GatewayResponseHeader
	ct, tmpl  string // the template and its content type; "" keeps the default body
	hasTmpl   bool
	isDefault bool // DEFAULT_4XX or DEFAULT_5XX, applied to a type without its own
}

// compileGatewayResponses gives each API its customised responses.
func compileGatewayResponses(m *model.Model, t *table) {
	for _, gr := range m.GatewayResponses {
		a := t.apis[gr.API.ID]
		typ, ok := ResponseTypeByName(gr.Type)
		if a == nil || !ok {
			continue
		}
		cr := &customResponse{status: gr.StatusCode, headers: gr.Headers, isDefault: typ == Default4XX || typ == Default5XX}
		if ct, tmpl, ok := pickTemplate(gr.Templates); ok {
			cr.ct, cr.tmpl, cr.hasTmpl = ct, tmpl, true
		}
		a.responses[typ] = cr
	}
}

// customFor is the API's customisation of a response type: its own, else
// the DEFAULT_4XX or DEFAULT_5XX one of its class (aws-reference §2.2).
func (a *api) customFor(t ResponseType, status int) *customResponse {
	if a == nil {
		return nil
	}
	if cr := a.responses[t]; cr != nil {
		return cr
	}
	if status >= 500 {
		return a.responses[Default5XX]
	}
	return a.responses[Default4XX]
}

// writeError writes every gateway response: the one place that turns an
// Error into bytes. st is the stage the request reached (nil before one is
// known: front-end errors); its API's AWS::ApiGateway::GatewayResponses
// customise the status, headers and body.
func writeError(ctx *fasthttp.RequestCtx, st *stage, e *Error) {
	var a *api
	if st != nil {
		a = st.api
	}
	def := &catalogue[e.Type]
	status := def.Status
	if e.Status != 0 {
		status = e.Status
	}
	msg := def.Message
	if e.Message != "" {
		msg = e.Message
	}
	cr := a.customFor(e.Type, status)
	if cr != nil && cr.status != 0 {
		status = cr.status
	}
	resp := &ctx.Response
	resp.ResetBody()
	resp.SetStatusCode(status)
	resp.Header.SetContentType("application/json")
	errType, style := def.ErrorType, def.Style
	if e.ErrorType != "" {
		errType = e.ErrorType
	}
	if e.Style != compact {
		style = e.Style
	}
	resp.Header.Set("x-amzn-ErrorType", errType)
	buf := resp.BodyWriter()
	b := make([]byte, 0, 64+len(msg))
	switch style {
	case capital:
		b = append(b, `{"Message":`...)
	case spaced:
		b = append(b, `{"message": `...)
	default:
		b = append(b, `{"message":`...)
	}
	quoted := []byte("null")
	if !(msg == "" && (e.Type == AuthorizerConfigurationError || e.Type == AuthorizerFailure)) {
		quoted, _ = json.Marshal(msg)
	}
	b = append(b, quoted...)
	b = append(b, '}')
	if cr != nil {
		for _, h := range cr.headers {
			if v, ok := gatewayHeaderValue(ctx, st, h); ok {
				resp.Header.Set(h.Name, v)
			}
		}
		if cr.hasTmpl {
			resp.Header.SetContentType(cr.ct)
			b = []byte(expandGatewayTemplate(cr.tmpl, ctx, st, e, msg, string(quoted)))
		}
	}
	buf.Write(b)
}

// gatewayHeaderValue is a gateway response header's value: static, or a
// method request parameter (missing: no header).
func gatewayHeaderValue(ctx *fasthttp.RequestCtx, st *stage, h model.GatewayResponseHeader) (string, bool) {
	switch h.SourceKind {
	case "":
		return h.Value, true
	case "header":
		v := peekCaseInsensitive(&ctx.Request.Header, h.SourceName)
		return string(v), v != nil
	case "querystring":
		v := ctx.QueryArgs().Peek(h.SourceName)
		return string(v), v != nil
	}
	return "", false // path parameters: not known for every error
}

// expandGatewayTemplate substitutes a gateway response template's
// variables (simple substitution, not VTL: aws-reference §2.2).
func expandGatewayTemplate(tmpl string, ctx *fasthttp.RequestCtx, st *stage, e *Error, msg, quoted string) string {
	vals := map[string]string{
		"$context.error.message":               msg,
		"$context.error.messageString":         quoted,
		"$context.error.responseType":          catalogue[e.Type].Name,
		"$context.error.validationErrorString": jsonEscape(e.Validation),
		"$context.requestId":                   string(ctx.Response.Header.Peek("x-amzn-RequestId")),
		"$context.extendedRequestId":           string(ctx.Response.Header.Peek("x-amz-apigw-id")),
		"$context.httpMethod":                  string(ctx.Method()),
		"$context.path":                        string(ctx.Path()),
		"$context.domainName":                  string(ctx.Host()),
	}
	if st != nil {
		vals["$context.stage"], vals["$context.apiId"], vals["$context.accountId"] = st.name, st.api.id, st.api.account
	}
	return gatewayTemplateVar.ReplaceAllStringFunc(tmpl, func(v string) string {
		if name, ok := strings.CutPrefix(v, "$stageVariables."); ok {
			if st != nil {
				return st.vars[name]
			}
			return ""
		}
		return vals[v] // longest match first: $context.error.messageString before .message
	})
}

var gatewayTemplateVar = regexp.MustCompile(`\$(?:context\.error\.messageString|context\.[A-Za-z.]+|stageVariables\.[A-Za-z0-9_]+)`)
