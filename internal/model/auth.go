package model

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/apigw/apigw/internal/funcref"
	"github.com/apigw/apigw/internal/template"
)

// UserPool is one AWS::Cognito::UserPool with its app clients.
type UserPool struct {
	LogicalID string
	ID        string // what !Ref returns: REGION_XXXXXXXXX
	ARN       string
	Name      string
	ClientIDs []string // its AWS::Cognito::UserPoolClients, in template order
	Line, Col int
	File      string
}

// Authorizer is one AWS::ApiGateway::Authorizer.
type Authorizer struct {
	LogicalID string
	ID        string // what !Ref returns
	API       *RestAPI
	Name      string
	Type      string // COGNITO_USER_POOLS, TOKEN, REQUEST
	// ProviderARNs are the user pools a COGNITO_USER_POOLS authorizer
	// trusts; Pools those of them the template declares (by ARN).
	ProviderARNs []string
	Pools        []*UserPool
	// IdentitySource as declared ("method.request.header.Authorization");
	// IdentityHeader is the header it names, when it names one.
	IdentitySource, IdentityHeader string
	IdentityValidationExpression   string
	IdentityValidation             *regexp.Regexp
	// Lambda authorizers (TOKEN, REQUEST): the function AuthorizerUri
	// names (Function as written; Target the template's, or Remote when
	// --config sends it to an Invoke API), the identity sources, and how
	// long results are cached (AuthorizerResultTtlInSeconds, default 300).
	Function        string
	Target          *Function
	Remote          bool
	IdentitySources []IdentitySource
	TTL             time.Duration
	Line, Col       int
	File            string
	Props           Props
}

type cfnAuthorizer struct {
	AuthType                     string   `cfn:"AuthType"`
	AuthorizerCredentials        string   `cfn:"AuthorizerCredentials"`
	AuthorizerResultTtlInSeconds *int     `cfn:"AuthorizerResultTtlInSeconds"`
	AuthorizerUri                string   `cfn:"AuthorizerUri"`
	IdentitySource               string   `cfn:"IdentitySource"`
	IdentityValidationExpression string   `cfn:"IdentityValidationExpression"`
	Name                         string   `cfn:"Name,required"`
	ProviderARNs                 []string `cfn:"ProviderARNs"`
	RestApiId                    string   `cfn:"RestApiId,required"`
	Type                         string   `cfn:"Type,required"`
}

// IdentitySource is one identity source of a Lambda authorizer.
type IdentitySource struct {
	Kind string // "header", "querystring", "stageVariables", "context"
	Name string
}

var identitySourceRe = regexp.MustCompile(`^(?:method\.request\.(header|querystring)|(stageVariables)|(context))\.([^\s,]+)$`)

// parseIdentitySources reads a comma-separated IdentitySource.
func parseIdentitySources(s string) ([]IdentitySource, error) {
	var out []IdentitySource
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := identitySourceRe.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("%q is not an identity source (method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME)", part)
		}
		kind := m[1] + m[2] + m[3]
		out = append(out, IdentitySource{Kind: kind, Name: m[4]})
	}
	return out, nil
}

// UserPoolID is what !Ref of an AWS::Cognito::UserPool returns.
func UserPoolID(region, logicalID string) string {
	return region + "_" + strings.ToUpper(shortID("userpool/"+logicalID, 9))
}

// UserPoolClientID is what !Ref of an AWS::Cognito::UserPoolClient returns.
func UserPoolClientID(logicalID string) string { return shortID("client/"+logicalID, 26) }

// AuthorizerID is what !Ref of an AWS::ApiGateway::Authorizer returns.
func AuthorizerID(logicalID string) string { return shortID("authorizer/"+logicalID, 6) }

// userPool reads what serving needs of a user pool: its id. Its many other
// properties (sign-in, MFA, e-mail, ...) change nothing apigw serves and are
// not checked.
func (b *builder) userPool(r *template.Resource) {
	name := ""
	if v := r.Properties.Get("UserPoolName"); v != nil && v.IsScalar() {
		name = v.Str
	}
	region := cmpOr(b.opts.Region, "us-east-1")
	account := cmpOr(b.opts.AccountID, "123456789012")
	id := UserPoolID(region, r.LogicalID)
	b.m.UserPools = append(b.m.UserPools, &UserPool{LogicalID: r.LogicalID, ID: id, Name: name,
		ARN:  fmt.Sprintf("arn:%s:cognito-idp:%s:%s:userpool/%s", Partition(region), region, account, id),
		Line: r.Line, Col: r.Col, File: r.File})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// userPoolClient links an app client to its pool; its other properties
// (OAuth flows, secrets, ...) are not checked.
func (b *builder) userPoolClient(r *template.Resource) {
	v := r.Properties.Get("UserPoolId")
	if v == nil || !v.IsScalar() {
		b.errAt(r, Prop{Path: "Properties.UserPoolId", Pos: propsPos(r)}, "required property UserPoolId is missing")
		return
	}
	for _, up := range b.m.UserPools {
		if up.ID == v.Str {
			up.ClientIDs = append(up.ClientIDs, UserPoolClientID(r.LogicalID))
			return
		}
	}
	b.errAt(r, Prop{Path: "Properties.UserPoolId", Pos: Pos{Line: v.Line, Col: v.Col, File: r.File}}, "%q is not a UserPool of this template (use !Ref of an AWS::Cognito::UserPool)", v.Str)
}

var headerSource = regexp.MustCompile(`^method\.request\.header\.([!#$%&'*+\-.^_` + "`" + `|~0-9A-Za-z]+)$`)

func (b *builder) authorizer(r *template.Resource) {
	var p cfnAuthorizer
	props := b.decode(r, &p)
	api := b.apiRef(r, props, "RestApiId")
	if api == nil {
		return
	}
	b.m.Authorizers = append(b.m.Authorizers, b.newAuthorizer(r, api, p, props, r.LogicalID, AuthorizerID(r.LogicalID)))
}

// newAuthorizer makes an authorizer of api from its properties (an
// AWS::ApiGateway::Authorizer's, or an OpenAPI security scheme's in the
// same terms), declared by r; props locate them.
func (b *builder) newAuthorizer(r *template.Resource, api *RestAPI, p cfnAuthorizer, props Props, logicalID, id string) *Authorizer {
	at := func(name string) Prop { return props.At(name, rpos(r)) }
	a := &Authorizer{LogicalID: logicalID, ID: id, API: api, Name: p.Name, Type: p.Type,
		ProviderARNs: p.ProviderARNs, IdentitySource: p.IdentitySource, IdentityValidationExpression: p.IdentityValidationExpression,
		Line: r.Line, Col: r.Col, File: r.File, Props: props}
	if m := headerSource.FindStringSubmatch(p.IdentitySource); m != nil {
		a.IdentityHeader = m[1]
	}
	if p.IdentityValidationExpression != "" {
		re, err := regexp.Compile("^(?:" + p.IdentityValidationExpression + ")$")
		if err != nil {
			b.errAt(r, at("IdentityValidationExpression"), "not a regular expression: %v", err)
		}
		a.IdentityValidation = re
	}
	if p.Type == "TOKEN" || p.Type == "REQUEST" {
		a.TTL = 300 * time.Second
		if p.AuthorizerResultTtlInSeconds != nil {
			if n := *p.AuthorizerResultTtlInSeconds; n < 0 || n > 3600 {
				b.errAt(r, at("AuthorizerResultTtlInSeconds"), "must be 0 to 3600, not %d", n)
			} else {
				a.TTL = time.Duration(n) * time.Second
			}
		}
		srcs, err := parseIdentitySources(p.IdentitySource)
		if err != nil {
			b.errAt(r, at("IdentitySource"), "%v", err)
		}
		a.IdentitySources = srcs
		if fn, err := funcref.InvocationFunction(p.AuthorizerUri); err == nil {
			a.Function = fn
			a.Target = b.lookupFunction(fn)
			a.Remote = b.remoteFunction(fn)
		} else if p.AuthorizerUri != "" {
			b.errAt(r, at("AuthorizerUri"), "%v", err)
		}
	}
	for _, arn := range p.ProviderARNs {
		for _, up := range b.m.UserPools {
			if up.ARN == arn {
				a.Pools = append(a.Pools, up)
			}
		}
	}
	return a
}

// usedAuthorizers are the ids of the authorizers some REST method names
// (a CUSTOM or COGNITO_USER_POOLS one, in the authorizer's API or not: a
// wrong API is the method's error).
func usedAuthorizers(m *Model) map[string]bool {
	used := map[string]bool{}
	for _, api := range m.RestAPIs {
		for _, meth := range api.Methods {
			if meth.AuthorizationType == "CUSTOM" || meth.AuthorizationType == "COGNITO_USER_POOLS" {
				used[meth.AuthorizerID] = true
			}
		}
	}
	return used
}

// noteUnusedAuthorizers notes the Lambda authorizers no method uses whose
// function is not the template's (nor --config's): API Gateway creates
// them and never invokes them, so Validate does not refuse them.
func (b *builder) noteUnusedAuthorizers() {
	used := usedAuthorizers(b.m)
	for _, a := range b.m.Authorizers {
		if (a.Type == "TOKEN" || a.Type == "REQUEST") && a.Function != "" && a.Target == nil && !a.Remote && !used[a.ID] {
			b.note("%s: %s: authorizer %s is used by no method: not checked further (its function %q is not declared in the template)",
				a.LogicalID, a.Props.At("AuthorizerUri", Pos{Line: a.Line, Col: a.Col, File: a.File}).Path, a.Name, a.Function)
		}
	}
}

// authorizers links methods to their authorizers and checks what apigw can
// enforce: Cognito authorizers over user pools of the template, with a
// header identity source. Lambda authorizers are refused for now.
func (v *validator) authorizers() {
	used := usedAuthorizers(v.m)
	byID := map[string]*Authorizer{}
	for _, a := range v.m.Authorizers {
		byID[a.ID] = a
		pos := Pos{Line: a.Line, Col: a.Col, File: a.File}
		switch a.Type {
		case "COGNITO_USER_POOLS":
			if len(a.ProviderARNs) == 0 {
				v.errAt(a.LogicalID, a.Props, pos, "ProviderARNs", "a COGNITO_USER_POOLS authorizer needs ProviderARNs")
			}
			for i, arn := range a.ProviderARNs {
				found := false
				for _, up := range a.Pools {
					found = found || up.ARN == arn
				}
				if !found {
					v.errAt(a.LogicalID, a.Props, pos, fmt.Sprintf("ProviderARNs[%d]", i),
						"%q is not a user pool of this template: apigw verifies tokens of the template's AWS::Cognito::UserPools (with a local issuer, or the --config userPools issuer)", arn)
				}
			}
			if a.IdentityHeader == "" {
				v.errAt(a.LogicalID, a.Props, pos, "IdentitySource", "a COGNITO_USER_POOLS authorizer reads the token from a header: method.request.header.NAME, not %q", a.IdentitySource)
			}
		case "TOKEN", "REQUEST":
			switch {
			case a.Function == "":
				v.errAt(a.LogicalID, a.Props, pos, "AuthorizerUri", "a Lambda authorizer needs an AuthorizerUri (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)")
			case a.Target == nil && !a.Remote && !used[a.ID]:
				// API Gateway creates it and never invokes it (noted by
				// noteUnusedAuthorizers).
			case a.Target == nil && !a.Remote:
				v.errAt(a.LogicalID, a.Props, pos, "AuthorizerUri", "function %q is not declared in the template; declare it, or point --config functions.NAME.endpoint at an Invoke API", a.Function)
			}
			if a.Type == "TOKEN" && (len(a.IdentitySources) != 1 || a.IdentitySources[0].Kind != "header") {
				v.errAt(a.LogicalID, a.Props, pos, "IdentitySource", "a TOKEN authorizer reads one header: method.request.header.NAME")
			}
			if a.Type == "REQUEST" && len(a.IdentitySources) == 0 && a.TTL > 0 {
				v.errAt(a.LogicalID, a.Props, pos, "IdentitySource", "a REQUEST authorizer with caching needs identity sources")
			}
			if a.Type == "REQUEST" && a.IdentityValidationExpression != "" {
				v.errAt(a.LogicalID, a.Props, pos, "IdentityValidationExpression", "only TOKEN authorizers have an IdentityValidationExpression")
			}
		default:
			v.errAt(a.LogicalID, a.Props, pos, "Type", "%q is not an authorizer type (COGNITO_USER_POOLS, TOKEN or REQUEST)", a.Type)
		}
	}
	for _, api := range v.m.RestAPIs {
		for _, m := range api.Methods {
			want := ""
			switch m.AuthorizationType {
			case "COGNITO_USER_POOLS":
				want = "COGNITO_USER_POOLS"
			case "CUSTOM":
				want = "TOKEN or REQUEST"
			default:
				continue
			}
			pos := Pos{Line: m.Line, Col: m.Col, File: m.File}
			a := byID[m.AuthorizerID]
			switch {
			case m.AuthorizerID == "":
				v.errAt(m.LogicalID, m.Props, pos, "AuthorizerId", "a %s method needs an AuthorizerId", m.AuthorizationType)
			case a == nil:
				v.errAt(m.LogicalID, m.Props, pos, "AuthorizerId", "%q is not an Authorizer of this template (use !Ref of an AWS::ApiGateway::Authorizer)", m.AuthorizerID)
			case a.API != api:
				v.errAt(m.LogicalID, m.Props, pos, "AuthorizerId", "authorizer %s belongs to %s, not %s", a.LogicalID, a.API.LogicalID, api.LogicalID)
			case want == "COGNITO_USER_POOLS" && a.Type != want, want != "COGNITO_USER_POOLS" && a.Type != "TOKEN" && a.Type != "REQUEST":
				v.errAt(m.LogicalID, m.Props, pos, "AuthorizerId", "authorizer %s is of type %s, not %s", a.LogicalID, a.Type, want)
			default:
				m.Authorizer = a
			}
		}
	}
}
