package policy

import (
	"net/netip"
	"strings"
	"testing"
)

const prefix = "arn:aws:execute-api:us-east-1:123456789012:api"

func TestEvaluate(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","127.0.0.1"]}}},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/secret"},
	 {"Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":"execute-api:*","Resource":"execute-api:/prod/POST/*"},
	 {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/PUT/*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.168.0.0/16"}}}
	]}`
	p, err := Parse(doc, prefix)
	if err != nil {
		t.Fatal(err)
	}
	lan, local, other := netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("8.8.8.8")
	user := "arn:aws:iam::123456789012:user/dev"
	for _, c := range []struct {
		name string
		r    Request
		want Decision
	}{
		{"allowed from the LAN", Request{MethodARN: prefix + "/prod/GET/items", SourceIP: lan}, Allow},
		{"allowed from one address", Request{MethodARN: prefix + "/prod/GET/items", SourceIP: local}, Allow},
		{"not from elsewhere", Request{MethodARN: prefix + "/prod/GET/items", SourceIP: other}, Implicit},
		{"explicit deny wins", Request{MethodARN: prefix + "/prod/GET/secret", SourceIP: lan}, Deny},
		{"the account's users", Request{MethodARN: prefix + "/prod/POST/x", Principal: user, Account: "123456789012", SourceIP: other}, Allow},
		{"not anonymous", Request{MethodARN: prefix + "/prod/POST/x", SourceIP: other}, Implicit},
		{"another stage", Request{MethodARN: prefix + "/dev/GET/items", SourceIP: lan}, Implicit},
		{"NotIpAddress deny outside", Request{MethodARN: prefix + "/prod/PUT/x", SourceIP: other}, Deny},
		{"NotIpAddress deny inside", Request{MethodARN: prefix + "/prod/PUT/x", SourceIP: netip.MustParseAddr("192.168.1.1")}, Implicit},
	} {
		if got := p.Evaluate(c.r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for doc, want := range map[string]string{
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}`: "cannot be evaluated locally",
		`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"x"},"Action":"*","Resource":"*"}]}`:                                               "NotPrincipal is not evaluated",
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"x"},"Action":"*","Resource":"*"}]}`:                                              "Principal Service",
		`{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}]}`:                                                          "not Allow or Deny",
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"nope"}}}]}`:        "not an IP address",
		`nope`: "not a JSON document",
	} {
		if _, err := Parse(doc, prefix); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", doc, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":{"AWS":["*"]},"Action":["*"],"Resource":["*"],"Condition":{"NotIpAddress":{"aws:SourceIp":["::1/128"]}}}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc, prefix)
		if err == nil {
			p.Evaluate(Request{MethodARN: prefix + "/prod/GET/x", SourceIP: netip.MustParseAddr("127.0.0.1")})
		}
	})
}
