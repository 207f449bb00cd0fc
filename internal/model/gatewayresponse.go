package model

import (
	"regexp"
	"strings"

	"github.com/apigw/apigw/internal/template"
)

// GatewayResponse is one AWS::ApiGateway::GatewayResponse: how an API
// answers one type of its gateway errors.
type GatewayResponse struct {
	LogicalID  string
	API        *RestAPI
	Type       string // DEFAULT_4XX, UNAUTHORIZED, ...
	StatusCode int    // 0: the type's own (or DEFAULT_4XX/5XX's)
	Headers    []GatewayResponseHeader
	Templates  map[string]string // content type -> template
	Line, Col  int
	File       string
	Props      Props
}

// GatewayResponseHeader is one gatewayresponse.header.NAME mapping: a
// static value or a method request parameter.
type GatewayResponseHeader struct {
	Name       string
	Static     bool
	Value      string // the static value, without quotes
	SourceKind string // "header", "path", "querystring"
	SourceName string
}

// GatewayResponseTypes are API Gateway's response types
// (aws-reference §2.2).
var GatewayResponseTypes = []string{
	"ACCESS_DENIED", "API_CONFIGURATION_ERROR", "AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE",
	"BAD_REQUEST_PARAMETERS", "BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX", "EXPIRED_TOKEN",
	"INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "INVALID_API_KEY", "INVALID_SIGNATURE",
	"MISSING_AUTHENTICATION_TOKEN", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE", "RESOURCE_NOT_FOUND",
	"THROTTLED", "UNAUTHORIZED", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
}

type cfnGatewayResponse struct {
	ResponseParameters map[string]string `cfn:"ResponseParameters"`
	ResponseTemplates  map[string]string `cfn:"ResponseTemplates"`
	ResponseType       string            `cfn:"ResponseType,required"`
	RestApiId          string            `cfn:"RestApiId,required"`
	StatusCode         string            `cfn:"StatusCode"`
}

var (
	grHeaderKey   = regexp.MustCompile(`^gatewayresponse\.header\.([!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+)$`)
	grSource      = regexp.MustCompile(`^method\.request\.(header|path|querystring)\.(.+)$`)
	grTemplateVar = regexp.MustCompile(`\$(?:context\.[A-Za-z.]+|stageVariables\.[A-Za-z0-9_]+|[A-Za-z]\w*)`)
)

// GatewayTemplateVars are the variables a gateway response template may
// use (simple substitution, not VTL).
var GatewayTemplateVars = map[string]bool{
	"$context.error.message": true, "$context.error.messageString": true, "$context.error.responseType": true,
	"$context.requestId": true, "$context.extendedRequestId": true, "$context.stage": true,
	"$context.apiId": true, "$context.httpMethod": true, "$context.resourcePath": true,
	"$context.path": true, "$context.accountId": true, "$context.domainName": true,
	"$context.error.validationErrorString": true,
}

func (b *builder) gatewayResponse(r *template.Resource) {
	var p cfnGatewayResponse
	props := b.decode(r, &p)
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	b.m.GatewayResponses = append(b.m.GatewayResponses, b.newGatewayResponse(r, api, p, props, r.LogicalID))
}

// newGatewayResponse makes a gateway response of api from its properties
// (an AWS::ApiGateway::GatewayResponse's, or an OpenAPI body's in the same
// terms), declared by r; props locate them.
func (b *builder) newGatewayResponse(r *template.Resource, api *RestAPI, p cfnGatewayResponse, props Props, logicalID string) *GatewayResponse {
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	gr := &GatewayResponse{LogicalID: logicalID, API: api, Type: p.ResponseType, Templates: p.ResponseTemplates,
		Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if p.StatusCode != "" {
		n, err := statusCode(p.StatusCode)
		if err != nil {
			b.errAt(r, at("StatusCode"), "%v", err)
		}
		gr.StatusCode = n
	}
	for _, k := range sortedKeys(p.ResponseParameters) {
		src := p.ResponseParameters[k]
		m := grHeaderKey.FindStringSubmatch(k)
		if m == nil {
			b.errAt(r, at("ResponseParameters."+k), "a gateway response sets headers: gatewayresponse.header.NAME")
			continue
		}
		h := GatewayResponseHeader{Name: m[1]}
		switch s := grSource.FindStringSubmatch(src); {
		case len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'':
			h.Static, h.Value = true, src[1:len(src)-1]
		case s != nil:
			h.SourceKind, h.SourceName = s[1], s[2]
		default:
			b.errAt(r, at("ResponseParameters."+k), "%q is neither a 'static value' nor method.request.{header|path|querystring}.NAME", src)
			continue
		}
		gr.Headers = append(gr.Headers, h)
	}
	for _, ct := range sortedKeys(p.ResponseTemplates) {
		for _, v := range grTemplateVar.FindAllString(p.ResponseTemplates[ct], -1) {
			if !GatewayTemplateVars[v] && !strings.HasPrefix(v, "$stageVariables.") {
				b.errAt(r, at("ResponseTemplates."+ct), "%s is not supported in a gateway response template (apigw substitutes %s and $stageVariables.NAME)", v, strings.Join(sortedKeys(GatewayTemplateVars), ", "))
			}
		}
	}
	return gr
}

// gatewayResponses checks the types and that each type is customised once
// per API.
func (v *validator) gatewayResponses() {
	seen := map[string]*GatewayResponse{}
	for _, gr := range v.m.GatewayResponses {
		pos := Pos{Line: gr.Line, Col: gr.Col, File: gr.File}
		known := false
		for _, t := range GatewayResponseTypes {
			if strings.EqualFold(t, gr.Type) { // SAM writes DEFAULT_4xx
				known, gr.Type = true, t
			}
		}
		if !known {
			v.errAt(gr.LogicalID, gr.Props, pos, "ResponseType", "%q is not a gateway response type (%s)", gr.Type, strings.Join(GatewayResponseTypes, ", "))
			continue
		}
		key := gr.API.ID + "/" + gr.Type
		if other := seen[key]; other != nil {
			v.errAt(gr.LogicalID, gr.Props, pos, "ResponseType", "%s of API %s is already customised by %s", gr.Type, gr.API.LogicalID, other.LogicalID)
		}
		seen[key] = gr
	}
}
