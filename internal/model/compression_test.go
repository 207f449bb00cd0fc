package model

import (
	"errors"
	"strings"
	"testing"

	"github.com/apigw/apigw/internal/template"
)

func TestMinimumCompressionSize(t *testing.T) {
	const method = `  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Users
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK}
`
	src := func(v string) string {
		return strings.Replace(head, "      Name: api\n", "      Name: api\n      MinimumCompressionSize: "+v+"\n", 1) + method
	}
	for _, tc := range []struct {
		value string
		want  int  // when ok
		ok    bool // accepted
	}{
		{"0", 0, true},
		{"1024", 1024, true},
		{"10485760", 10485760, true},
		{"-1", 0, false},
		{"10485761", 0, false},
	} {
		m, err := build(t, "t.yaml", src(tc.value), Options{})
		if !tc.ok {
			var list template.ErrorList
			if !errors.As(err, &list) || len(list) != 1 {
				t.Fatalf("%s: want one error, got %v", tc.value, err)
			}
			e := list[0]
			if e.LogicalID != "Api" || e.Property != "Properties.MinimumCompressionSize" || e.Line != 6 ||
				!strings.Contains(e.Msg, "between 0 and 10485760") {
				t.Errorf("%s: error %+v", tc.value, e)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.value, err)
		}
		got := m.RestAPIs[0].MinimumCompressionSize
		if got == nil || *got != tc.want {
			t.Errorf("%s: MinimumCompressionSize = %v, want %d", tc.value, deref(got), tc.want)
		}
		for _, n := range m.Notes {
			if strings.Contains(n, "MinimumCompressionSize") {
				t.Errorf("%s: note %q", tc.value, n)
			}
		}
	}
	m, err := build(t, "t.yaml", head+method, Options{})
	if err != nil || m.RestAPIs[0].MinimumCompressionSize != nil {
		t.Errorf("unset: %v %v", err, m)
	}
}
