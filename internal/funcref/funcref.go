// Package funcref parses references to Lambda functions, the one way apigw
// reads them: in integration URIs (the model), in the Invoke API and in
// invocations (the runtime and the remote invokers).
//
// The forms are Lambda's (the Invoke API's FunctionName, plus API Gateway's
// integration URI):
//
//	my-function                                               name
//	my-function:QUALIFIER                                     name and qualifier
//	arn:aws:lambda:us-east-1:123456789012:function:my-function[:QUALIFIER]
//	123456789012:function:my-function[:QUALIFIER]             partial ARN
//	arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/FUNCTION/invocations
//
// A name is 1 to 64 letters, digits, '-' or '_'. A qualifier is $LATEST, a
// version number or an alias name (1 to 128 letters, digits, '-' or '_').
package funcref

import (
	"errors"
	"fmt"
	"strings"
)

// Ref is what a reference says about a function; the fields the form does
// not give are "".
type Ref struct {
	Name      string // the function name
	Qualifier string // "$LATEST", a version number or an alias name; "" when none
	Region    string // from a full ARN
	Account   string // from a full or partial ARN
	Partition string // from a full ARN: aws, aws-cn, aws-us-gov, ...
}

// Latest is the qualifier of a function's unpublished version.
const Latest = "$LATEST"

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("not a Lambda function reference")

// Limits from Lambda's API reference.
const (
	maxName      = 64
	maxQualifier = 128
	maxRegion    = 64
)

// Parse reads a function reference in any of the package's forms. For an
// integration URI, the Ref is the function's: the region in Ref is the
// function ARN's, not API Gateway's.
func Parse(ref string) (Ref, error) {
	if fn, err := InvocationFunction(ref); err == nil {
		r, err := parseFunction(fn)
		if err != nil {
			return Ref{}, fmt.Errorf("%w (in the integration URI %q)", err, ref)
		}
		return r, nil
	} else if isInvocationURI(ref) {
		return Ref{}, err
	}
	return parseFunction(ref)
}

const (
	uriPath   = ":lambda:path/2015-03-31/functions/"
	uriSuffix = "/invocations"
)

func isInvocationURI(s string) bool {
	p := strings.SplitN(s, ":", 4)
	return len(p) == 4 && p[0] == "arn" && p[2] == "apigateway"
}

// InvocationFunction returns the FUNCTION of an API Gateway Lambda
// integration URI, arn:PARTITION:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION/invocations,
// as written: it is not checked, as it may hold ${stageVariables.NAME}
// until a stage is known. Parse checks it.
func InvocationFunction(uri string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%w: %q is not a Lambda integration URI (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations): %s", ErrInvalid, uri, why)
	}
	if !isInvocationURI(uri) {
		return bad("it does not start with arn:PARTITION:apigateway:")
	}
	p := strings.SplitN(uri, ":", 4) // arn, partition, apigateway, rest
	if !validPartition(p[1]) {
		return bad(fmt.Sprintf("partition %q", p[1]))
	}
	region, rest, _ := strings.Cut(p[3], ":")
	if !validRegion(region) {
		return bad(fmt.Sprintf("region %q", region))
	}
	fn, ok := strings.CutPrefix(":"+rest, uriPath)
	if !ok {
		return bad("the path is not lambda:path/2015-03-31/functions/...")
	}
	fn, ok = strings.CutSuffix(fn, uriSuffix)
	if !ok || fn == "" {
		return bad("the path does not end with /functions/FUNCTION/invocations")
	}
	return fn, nil
}

// parseFunction reads the Invoke API's FunctionName forms.
func parseFunction(s string) (Ref, error) {
	bad := func(format string, args ...any) (Ref, error) {
		return Ref{}, fmt.Errorf("%w: %q: %s", ErrInvalid, s, fmt.Sprintf(format, args...))
	}
	if s == "" {
		return bad("empty")
	}
	p := strings.Split(s, ":")
	var r Ref
	var name, qual []string // the name and the qualifier (if any) fields
	hasAccount := true
	switch {
	case p[0] == "arn":
		// arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
		if len(p) < 7 || len(p) > 8 || p[2] != "lambda" || p[5] != "function" {
			return bad("a function ARN is arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]")
		}
		r.Partition, r.Region, r.Account = p[1], p[3], p[4]
		if !validPartition(r.Partition) {
			return bad("partition %q is not aws or aws-*", r.Partition)
		}
		if !validRegion(r.Region) {
			return bad("region %q is not a region name (lower-case letters, digits and '-')", r.Region)
		}
		name, qual = p[6:7], p[7:]
	case len(p) >= 3 && p[1] == "function":
		// ACCOUNT:function:NAME[:QUALIFIER]
		if len(p) > 4 {
			return bad("a partial ARN is ACCOUNT:function:NAME[:QUALIFIER]")
		}
		r.Account = p[0]
		name, qual = p[2:3], p[3:]
	default:
		// NAME[:QUALIFIER]
		if len(p) > 2 {
			return bad("a function name is NAME or NAME:QUALIFIER; an ARN starts with arn:, a partial ARN is ACCOUNT:function:NAME")
		}
		name, qual = p[0:1], p[1:]
		hasAccount = false
	}
	if hasAccount && !validAccount(r.Account) {
		return bad("account %q is not a 12-digit AWS account ID", r.Account)
	}
	r.Name = name[0]
	if !ValidName(r.Name) {
		return bad("function name %q must be 1 to %d letters, digits, '-' or '_'", r.Name, maxName)
	}
	if len(qual) == 1 {
		r.Qualifier = qual[0]
		if !ValidQualifier(r.Qualifier) {
			return bad("qualifier %q must be $LATEST, a version number or an alias name (1 to %d letters, digits, '-' or '_')", r.Qualifier, maxQualifier)
		}
	}
	return r, nil
}

// ValidName reports whether s is a Lambda function name.
func ValidName(s string) bool {
	return len(s) >= 1 && len(s) <= maxName && wordChars(s)
}

// ValidQualifier reports whether s is $LATEST, a version number or an alias
// name.
func ValidQualifier(s string) bool {
	return s == Latest || (len(s) >= 1 && len(s) <= maxQualifier && wordChars(s))
}

// IsLatest reports whether the reference names the function's unpublished
// version: no qualifier, or $LATEST.
func (r Ref) IsLatest() bool { return r.Qualifier == "" || r.Qualifier == Latest }

// IsVersion reports whether the qualifier is a published version number.
func (r Ref) IsVersion() bool {
	if r.Qualifier == "" {
		return false
	}
	for i := 0; i < len(r.Qualifier); i++ {
		if c := r.Qualifier[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// String writes the reference back in the fullest form it knows: an ARN when
// the region is known, a partial ARN when only the account is, else the name;
// with its qualifier.
func (r Ref) String() string {
	var s string
	switch {
	case r.Region != "":
		partition := r.Partition
		if partition == "" {
			partition = "aws"
		}
		s = fmt.Sprintf("arn:%s:lambda:%s:%s:function:%s", partition, r.Region, r.Account, r.Name)
	case r.Account != "":
		s = r.Account + ":function:" + r.Name
	default:
		s = r.Name
	}
	if r.Qualifier != "" {
		s += ":" + r.Qualifier
	}
	return s
}

// ARN is the function's full ARN (with the qualifier, if any), taking the
// partition, region and account the reference does not give from the
// arguments.
func (r Ref) ARN(partition, region, account string) string {
	if r.Partition != "" {
		partition = r.Partition
	}
	if r.Region != "" {
		region = r.Region
	}
	if r.Account != "" {
		account = r.Account
	}
	return Ref{Name: r.Name, Qualifier: r.Qualifier, Partition: partition, Region: region, Account: account}.String()
}

// Unqualified is the reference without its qualifier.
func (r Ref) Unqualified() Ref { r.Qualifier = ""; return r }

func wordChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validPartition accepts aws and aws-* (aws-cn, aws-us-gov, aws-iso, ...),
// as Lambda's ARN pattern aws[a-zA-Z-]* does.
func validPartition(s string) bool {
	rest, ok := strings.CutPrefix(s, "aws")
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// validRegion accepts any region-like name (lower-case letters, digits and
// '-'), not only AWS's list: apigw's --region is free.
func validRegion(s string) bool {
	if len(s) == 0 || len(s) > maxRegion {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
