package template

import (
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	names := []string{"WebSocketApi", "ConnectRoute", "Stage", "AWS::Region", "Api", "A"}
	tests := []struct {
		name, want string
	}{
		{"WebsocketApi", "WebSocketApi"},         // case only
		{"WEBSOCKETAPI", "WebSocketApi"},         // case only, far in edits
		{"WebSocketAp", "WebSocketApi"},          // one deletion
		{"WebSockteApi", "WebSocketApi"},         // transposition
		{"ConectRout", "ConnectRoute"},           // two edits
		{"ConctRut", ""},                         // three edits
		{"Stagee", "Stage"},                      // one insertion
		{"AWS::Regoin", "AWS::Region"},           // transposition
		{"Ap", "Api"},                            // short, one edit
		{"B", ""},                                // the whole name would change
		{"Stage", ""},                            // itself is no suggestion
		{"Completely different", ""},             // far
		{strings.Repeat("x", 300), ""},           // long names are not compared
		{"Apj", "Api"},                           // first best wins
		{"stage", "Stage"},                       // case before distance
		{"WebSocketApiWebSocketApiX", ""},        // length difference > 2
		{"ConnectRoute1", "ConnectRoute"},        // suffix
		{"Api1", "Api"},                          // suffix on a short name
		{"Connect Route", "ConnectRoute"},        // a space
		{"WebSocketApí", "WebSocketApi"},         // runes, not bytes
		{"\xff\xfeWebSocketApi", "WebSocketApi"}, // invalid UTF-8 is compared too
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := suggest(tt.name, names); got != tt.want {
				t.Errorf("suggest(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
	if got := didYouMean("WebsocketApi", names); got != "; did you mean WebSocketApi?" {
		t.Errorf("didYouMean = %q", got)
	}
	if got := didYouMean("Nothing", names); got != "" {
		t.Errorf("didYouMean = %q", got)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"a", "", 1}, {"", "ab", 2}, {"abc", "abc", 0}, {"abc", "acb", 1},
		{"kitten", "sitting", 3}, {"Region", "Regoin", 1}, {"é", "e", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPathString(t *testing.T) {
	var p *path
	if p.String() != "" {
		t.Errorf("nil path %q", p.String())
	}
	p = p.key("Properties").key("MethodResponses").index(0).key("StatusCode")
	if got := p.String(); got != "Properties.MethodResponses[0].StatusCode" {
		t.Errorf("got %q", got)
	}
	if got := (*path)(nil).index(2).index(3).key("A").String(); got != "[2][3].A" {
		t.Errorf("got %q", got)
	}
}

func TestParseSub(t *testing.T) {
	tests := []struct {
		in   string
		want string // literal text as-is, variables as <name>
		err  string
	}{
		{"plain", "plain", ""},
		{"${A}", "<A>", ""},
		{"a${A}b${B.C}c", "a<A>b<B.C>c", ""},
		{"${!A}", "${A}", ""},
		{"${!}", "${}", ""},
		{"$${A}", "$<A>", ""},
		{"${ A }", "<A>", ""},
		{"{${A}}", "{<A>}", ""},
		{"$", "$", ""},
		{"${A", "", "unterminated ${"},
		{"x ${}", "", "empty variable ${}"},
		{"${!A", "${A", ""},
	}
	for _, tt := range tests {
		parts, err := parseSub(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSub(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSub(%q): %v", tt.in, err)
			continue
		}
		var b strings.Builder
		for _, p := range parts {
			if p.isVar {
				b.WriteString("<" + p.text + ">")
			} else {
				b.WriteString(p.text)
			}
		}
		if b.String() != tt.want {
			t.Errorf("parseSub(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestPlaceholderARN(t *testing.T) {
	tests := []struct{ typ, want string }{
		{"AWS::IAM::Role", "arn:aws:iam::1:role/R"},
		{"AWS::Logs::LogGroup", "arn:aws:logs:us-east-1:1:loggroup/R"},
		{"AWS::EC2::VPCEndpoint", "arn:aws:ec2:us-east-1:1:vpcendpoint/R"},
		{"AWS::Serverless::Function", "arn:aws:serverless:us-east-1:1:function/R"},
		{"Custom::Thing", "arn:aws:thing:us-east-1:1:thing/R"},
	}
	for _, tt := range tests {
		if got := placeholderARN("aws", "us-east-1", "1", tt.typ, "R"); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.typ, got, tt.want)
		}
	}
}

func TestMoreReading(t *testing.T) {
	t.Run("BOM", func(t *testing.T) {
		mustParse(t, "\xef\xbb\xbf"+api, opts())
	})
	t.Run("YAML in flow style", func(t *testing.T) {
		// not JSON (unquoted keys, trailing comma) but valid YAML in a .yaml file
		tpl := mustParse(t, "{Resources: {Api: {Type: AWS::ApiGateway::RestApi, Properties: {Name: x,}}}}", opts())
		wantStr(t, prop(t, tpl, "Api", "Name"), "x")
	})
	t.Run("Rules are noted, not evaluated", func(t *testing.T) {
		tpl := mustParse(t, "Rules:\n  R:\n    Assertions:\n      - Assert: {Fn::Contains: [[a], b]}\n"+api, opts())
		if len(tpl.Notes) != 1 || !strings.HasPrefix(tpl.Notes[0], "Rules: not evaluated") {
			t.Errorf("notes %q", tpl.Notes)
		}
	})
	t.Run("Metadata and Description", func(t *testing.T) {
		tpl := mustParse(t, "Description: >-\n  folded\n  text\nMetadata:\n  AWS::CloudFormation::Interface: {}\n"+api, opts())
		if tpl.Description != "folded text" {
			t.Errorf("Description %q", tpl.Description)
		}
	})
	t.Run("output description and export", func(t *testing.T) {
		tpl := mustParse(t, api+"Outputs:\n  O:\n    Description: !Sub \"${AWS::StackName} id\"\n    Value: !Ref Api\n    Export:\n      Name: !Sub \"${AWS::StackName}-api\"\n", opts())
		o := tpl.Outputs[0]
		if o.Description != "test id" || o.Value.Str != "api" || o.Line != 8 {
			t.Errorf("output %+v", o)
		}
	})
	t.Run("mapping with a function", func(t *testing.T) {
		errs := mustFail(t, "Mappings:\n  M:\n    K:\n      V: !Ref AWS::Region\n"+api+"      X: !FindInMap [M, K, V]\n", opts())
		checkErrors(t, errs, wantErr{msg: "Mappings cannot contain intrinsic functions (found Ref)", line: 4, id: "M", prop: "K.V"})
		if len(errs) != 1 {
			t.Errorf("errors %v", errs)
		}
	})
	t.Run("mapping not a map", func(t *testing.T) {
		errs := mustFail(t, "Mappings:\n  M: [a]\n  N:\n    K: x\n"+api, opts())
		checkErrors(t, errs,
			wantErr{msg: "a mapping must be a map of maps, not a list", line: 2, id: "M"},
			wantErr{msg: "a mapping's top-level key must hold a map, not a string", line: 4, id: "N", prop: "K"})
	})
}
