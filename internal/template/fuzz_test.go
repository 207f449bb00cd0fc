package template

import (
	"bytes"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse, as YAML and as JSON. It must never
// panic; it returns a template or a non-empty ErrorList whose errors all name
// the file; a template has a Map of properties for every resource and no
// AWS::NoValue marker; and the result is the same when parsed again.
// The seed corpus is testdata/fuzz/FuzzParse (written from the golden fixtures
// and crashers found so far).
//
// AWS::Include reads files only through fuzzFiles (never the disk): a fixed
// snippet, a JSON one, and the input itself as self.yaml, so that snippet
// reading is fuzzed too.
func FuzzParse(f *testing.F) {
	f.Add([]byte(api))
	f.Add([]byte(exprTemplate(`!Sub ["${A}-${Stage}", {A: !Select [0, !Split [",", !Join [",", !Ref Names]]]}]`)))
	f.Add([]byte(includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: snippet.yaml}}\n  Fn::Transform: {Name: AWS::Include, Parameters: {Location: self.yaml}}\n"))
	f.Add([]byte("Transform: {Name: AWS::Include, Parameters: {Location: !Ref Self}}\nParameters:\n  Loc: {Type: String, Default: snippet}\n  Self: {Type: String, Default: self.yaml}\n" +
		includeAPI + "      Fn::Transform: {Name: AWS::Include, Parameters: {Location: !Sub [\"${L}.yaml\", {L: !Ref Loc}]}}\n"))
	f.Add([]byte(samSeed))
	f.Fuzz(func(t *testing.T, data []byte) {
		files := fuzzFiles(data)
		for _, file := range []string{"fuzz.yaml", "fuzz.json"} {
			o := Options{Types: testTypes(), ReadFile: func(path string) ([]byte, error) {
				if d, ok := files[path]; ok {
					return d, nil
				}
				return nil, fs.ErrNotExist
			}}
			tpl, err := Parse(file, data, o)
			first := checkResult(t, file, tpl, err)
			tpl2, err2 := Parse(file, data, o)
			if second := checkResult(t, file, tpl2, err2); !bytes.Equal(first, second) {
				t.Fatalf("%s: two parses differ:\n%s\n---\n%s", file, first, second)
			}
		}
	})
}

// unlocatedKey returns a map key in v without a position, or "".
func unlocatedKey(v *Value) string {
	if v == nil {
		return ""
	}
	if v.Kind == Map && len(v.KeyPos) != len(v.Keys) {
		return "(positions for " + itoa(len(v.KeyPos)) + " of " + itoa(len(v.Keys)) + " keys)"
	}
	for i, k := range v.Keys {
		if _, ok := v.KeyAt(i); !ok {
			return k
		}
		if u := unlocatedKey(v.Vals[k]); u != "" {
			return u
		}
	}
	for _, it := range v.List {
		if u := unlocatedKey(it); u != "" {
			return u
		}
	}
	return ""
}

// fuzzFiles are the files that fuzzed templates can include.
func fuzzFiles(data []byte) map[string][]byte {
	return map[string][]byte{
		"snippet.yaml": []byte("Description: included\nTags:\n  - Key: k\n    Value: {Ref: AWS::Region}\n"),
		"snippet.json": []byte(`{"Outputs": {"O": {"Value": {"Fn::Sub": "${AWS::StackName}"}}}}`),
		"self.yaml":    data,
	}
}

func checkResult(t *testing.T, file string, tpl *Template, err error) []byte {
	t.Helper()
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error is a %T: %v", err, err)
		}
		if len(list) == 0 {
			t.Fatalf("empty ErrorList")
		}
		if tpl != nil {
			t.Fatalf("a template and errors")
		}
		for _, e := range list {
			if strings.Contains(e.Msg, "internal error") {
				t.Fatalf("%v", e)
			}
			if _, included := fuzzFiles(nil)[e.File]; e.File != file && !included {
				t.Fatalf("error without its file: %#v", e)
			}
			if e.Msg == "" {
				t.Fatalf("error without a message: %#v", e)
			}
		}
		return dump(nil, err)
	}
	if tpl == nil {
		t.Fatalf("no template and no error")
	}
	for _, r := range tpl.Resources {
		if r.Properties == nil || r.Properties.Kind != Map {
			t.Fatalf("%s: Properties %v", r.LogicalID, r.Properties)
		}
		if hasNoValue(r.Properties) || hasNoValue(r.Metadata) {
			t.Fatalf("%s: AWS::NoValue leaked", r.LogicalID)
		}
		if k := unlocatedKey(r.Properties); k != "" {
			t.Fatalf("%s: the key %s of its properties has no position", r.LogicalID, k)
		}
	}
	for _, o := range tpl.Outputs {
		if o.Value == nil || hasNoValue(o.Value) {
			t.Fatalf("output %s: value %v", o.LogicalID, o.Value)
		}
	}
	return dump(tpl, nil)
}

// samSeed is a SAM template for the fuzzer: the transform's features
// without code on disk.
const samSeed = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Runtime: python3.12, Handler: app.h, InlineCode: x, Environment: {Variables: {A: b}}}
  Api: {Cors: "'*'"}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        DefaultAuthorizer: C
        ApiKeyRequired: true
        Authorizers:
          C: {UserPoolArn: arn:aws:cognito-idp:us-east-1:1:userpool/x}
          T: {FunctionArn: !GetAtt Fn.Arn, FunctionPayloadType: REQUEST, Identity: {Headers: [A]}}
        UsagePlan: {CreateUsagePlan: PER_API}
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: {AllowOrigins: [a]}
      Auth:
        DefaultAuthorizer: J
        Authorizers:
          J: {IdentitySource: $request.header.Authorization, JwtConfiguration: {issuer: i, audience: [a]}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      Events:
        A: {Type: Api, Properties: {Path: /a, Method: any}}
        B: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/b/{id}", Method: get, Auth: {Authorizer: NONE, ApiKeyRequired: false}}}
        C: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /c, Method: post, Auth: {Authorizer: J, AuthorizationScopes: [s]}}}
        D: {Type: HttpApi}
        E: {Type: SQS, Properties: {Queue: q}}
  Table:
    Type: AWS::Serverless::SimpleTable
Outputs:
  S: {Value: !Sub "${Api.Stage} ${Fn.Alias} ${Http.Stage}"}
  K: {Value: !Ref Api.ApiKey}
`
