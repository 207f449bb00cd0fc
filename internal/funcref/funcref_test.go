package funcref

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	long := strings.Repeat("a", 64)
	cases := []struct {
		in   string
		want Ref
		err  string // substring of the error; "" when valid
	}{
		// Names.
		{in: "my-fn", want: Ref{Name: "my-fn"}},
		{in: "My_Fn-2", want: Ref{Name: "My_Fn-2"}},
		{in: long, want: Ref{Name: long}},
		{in: long + "a", err: "must be 1 to 64"},
		{in: "", err: "empty"},
		{in: "my.fn", err: "function name \"my.fn\""},
		{in: "my fn", err: "function name"},
		{in: "${stageVariables.fn}", err: "function name"},
		// Qualifiers.
		{in: "my-fn:$LATEST", want: Ref{Name: "my-fn", Qualifier: "$LATEST"}},
		{in: "my-fn:7", want: Ref{Name: "my-fn", Qualifier: "7"}},
		{in: "my-fn:live", want: Ref{Name: "my-fn", Qualifier: "live"}},
		{in: "my-fn:function", want: Ref{Name: "my-fn", Qualifier: "function"}},
		{in: "my-fn:", err: "qualifier \"\""},
		{in: "my-fn:$latest", err: "qualifier"},
		{in: "my-fn:" + strings.Repeat("q", 129), err: "qualifier"},
		{in: "a:b:c", err: "a function name is NAME or NAME:QUALIFIER"},
		// Full ARNs.
		{in: "arn:aws:lambda:us-east-1:123456789012:function:my-fn", want: Ref{Name: "my-fn", Region: "us-east-1", Account: "123456789012", Partition: "aws"}},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST", want: Ref{Name: "my-fn", Qualifier: "$LATEST", Region: "us-east-1", Account: "123456789012", Partition: "aws"}},
		{in: "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:prod", want: Ref{Name: "f", Qualifier: "prod", Region: "cn-north-1", Account: "123456789012", Partition: "aws-cn"}},
		{in: "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:3", want: Ref{Name: "f", Qualifier: "3", Region: "us-gov-west-1", Account: "123456789012", Partition: "aws-us-gov"}},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:my-fn:", err: "qualifier"},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:my-fn:a:b", err: "a function ARN is"},
		{in: "arn:aws:lambda:us-east-1:123456789012:my-fn", err: "a function ARN is"},
		{in: "arn:aws:s3:us-east-1:123456789012:function:my-fn", err: "a function ARN is"},
		{in: "arn:gcp:lambda:us-east-1:123456789012:function:my-fn", err: "partition"},
		{in: "arn:aws:lambda::123456789012:function:my-fn", err: "region"},
		{in: "arn:aws:lambda:US-EAST-1:123456789012:function:my-fn", err: "region"},
		{in: "arn:aws:lambda:us-east-1:1234:function:my-fn", err: "account \"1234\""},
		{in: "arn:aws:lambda:us-east-1::function:my-fn", err: "account"},
		{in: "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}", err: "function name"},
		// Partial ARNs.
		{in: "123456789012:function:my-fn", want: Ref{Name: "my-fn", Account: "123456789012"}},
		{in: "123456789012:function:my-fn:v2", want: Ref{Name: "my-fn", Qualifier: "v2", Account: "123456789012"}},
		{in: ":function:my-fn", err: "account \"\""},
		{in: "12345678901x:function:my-fn", err: "account"},
		{in: "123456789012:function:my-fn:a:b", err: "a partial ARN is"},
		// API Gateway integration URIs.
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:my-fn/invocations",
			want: Ref{Name: "my-fn", Region: "eu-west-1", Account: "123456789012", Partition: "aws"}},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:my-fn:live/invocations",
			want: Ref{Name: "my-fn", Qualifier: "live", Region: "us-east-1", Account: "123456789012", Partition: "aws"}},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/my-fn/invocations", want: Ref{Name: "my-fn"}},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations", err: "in the integration URI"},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", err: "does not end with"},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/my-fn", err: "does not end with"},
		{in: "arn:aws:apigateway:us-east-1:s3:path/bucket/key", err: "lambda:path/2015-03-31/functions"},
		{in: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations/invocations", err: "a function ARN is"},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q) = %+v, %v; want an error with %q", c.in, got, err, c.err)
			} else if !errors.Is(err, ErrInvalid) {
				t.Errorf("Parse(%q): %v does not wrap ErrInvalid", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
}

func TestInvocationFunction(t *testing.T) {
	fn, err := InvocationFunction("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations")
	if err != nil || fn != "arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}" {
		t.Errorf("got %q, %v", fn, err)
	}
	for _, bad := range []string{"", "my-fn", "arn:aws:lambda:us-east-1:123456789012:function:f", "http://example.com/functions/f/invocations",
		"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocation"} {
		if _, err := InvocationFunction(bad); err == nil || !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		r    Ref
		want string
	}{
		{Ref{Name: "f"}, "f"},
		{Ref{Name: "f", Qualifier: "live"}, "f:live"},
		{Ref{Name: "f", Account: "123456789012"}, "123456789012:function:f"},
		{Ref{Name: "f", Account: "123456789012", Region: "us-east-1", Partition: "aws", Qualifier: "$LATEST"}, "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST"},
		{Ref{Name: "f", Account: "123456789012", Region: "us-east-1"}, "arn:aws:lambda:us-east-1:123456789012:function:f"},
	} {
		if got := c.r.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
	r := Ref{Name: "f", Qualifier: "3"}
	if got := r.ARN("aws-cn", "cn-north-1", "123456789012"); got != "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:3" {
		t.Errorf("ARN: %s", got)
	}
	if got := (Ref{Name: "f", Account: "111111111111"}).ARN("aws", "us-east-1", "123456789012"); got != "arn:aws:lambda:us-east-1:111111111111:function:f" {
		t.Errorf("ARN keeps the reference's account: %s", got)
	}
	if !r.IsVersion() || r.IsLatest() || r.Unqualified().Qualifier != "" {
		t.Errorf("qualifier helpers: %+v", r)
	}
	if (Ref{Name: "f", Qualifier: "live"}).IsVersion() || !(Ref{Name: "f", Qualifier: Latest}).IsLatest() || !(Ref{Name: "f"}).IsLatest() {
		t.Error("IsVersion/IsLatest")
	}
}

// legacyName is how the model, the runtime (splitQualifier) and the remote
// router took the name out of a reference before this package: Parse must
// agree with it on every reference it accepts (integration URIs aside),
// except where the old parsers found "function:" inside a name and its
// qualifier ("myfunction:live", "function:0": name and qualifier for Parse).
func legacyName(ref string) string {
	if i := strings.Index(ref, "function:"); i >= 0 {
		name, _, _ := strings.Cut(ref[i+len("function:"):], ":")
		return name
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

func FuzzParse(f *testing.F) {
	// More seeds are in testdata/fuzz/FuzzParse.
	f.Add("my-fn")
	f.Add("arn:aws:lambda:us-east-1:123456789012:function:my-fn:$LATEST")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%q: error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if !ValidName(r.Name) {
			t.Fatalf("%q: invalid name %q accepted", s, r.Name)
		}
		if r.Qualifier != "" && !ValidQualifier(r.Qualifier) {
			t.Fatalf("%q: invalid qualifier %q accepted", s, r.Qualifier)
		}
		back, err := Parse(r.String())
		if err != nil || back != r {
			t.Fatalf("%q: %+v written as %q reads back as %+v, %v", s, r, r.String(), back, err)
		}
		if _, uerr := InvocationFunction(s); uerr != nil {
			if r.String() != s {
				t.Fatalf("%q: accepted but written back as %q", s, r.String())
			}
			if legacy := legacyName(s); legacy != r.Name && (r.Account != "" || !strings.Contains(s, "function:")) {
				t.Fatalf("%q: name %q, the old parsers said %q", s, r.Name, legacy)
			}
		}
	})
}
