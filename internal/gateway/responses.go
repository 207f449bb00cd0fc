package gateway

import (
	"encoding/json"

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

// responseFor is the API's gateway response of a type: API Gateway's
// default (the catalogue) until the API can customise it.
func (a *api) responseFor(t ResponseType) *responseDef {
	return &catalogue[t]
}

// lambdaError is how API Gateway answers a Lambda proxy that failed, timed
// out or returned a malformed response: 502 Internal server error.
func lambdaError(cause error) *Error {
	return &Error{Type: Default5XX, Status: 502, Cause: cause}
}

// writeError writes every gateway response: the one place that turns an
// Error into bytes. a is the API the request reached (nil before one is
// known: front-end errors); AWS::ApiGateway::GatewayResponse customises
// its answers per API here (issue 15). Today each API answers with API
// Gateway's defaults.
func writeError(ctx *fasthttp.RequestCtx, a *api, e *Error) {
	def := a.responseFor(e.Type)
	status := def.Status
	if e.Status != 0 {
		status = e.Status
	}
	msg := def.Message
	if e.Message != "" {
		msg = e.Message
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
	if msg == "" && (e.Type == AuthorizerConfigurationError || e.Type == AuthorizerFailure) {
		b = append(b, "null"...)
	} else {
		q, _ := json.Marshal(msg)
		b = append(b, q...)
	}
	b = append(b, '}')
	buf.Write(b)
}
