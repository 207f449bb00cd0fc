package model

import (
	"strings"
	"testing"
)

func TestMockStatus(t *testing.T) {
	cases := []struct {
		tpl  string
		code int
		err  string
	}{
		{`{"statusCode": 200}`, 200, ""},
		{`{"statusCode" : 404}`, 404, ""},
		{`{statusCode: 200}`, 200, ""}, // CDK's form, accepted by API Gateway
		{`{"statusCode": "201"}`, 201, ""},
		{``, 200, ""},
		{`{"other": 1}`, 0, "no integer statusCode"},
		{`{"statusCode": 99}`, 0, "not an HTTP status"},
		{`{"statusCode": "abc"}`, 0, "not an HTTP status"},
		{`{"statusCode": 200.5}`, 0, "not an HTTP status"},
		{`not json`, 0, "not JSON"},
	}
	for _, c := range cases {
		code, err := MockStatus(c.tpl)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.tpl, err, c.err)
			}
			continue
		}
		if err != nil || code != c.code {
			t.Errorf("%q: %d %v, want %d", c.tpl, code, err, c.code)
		}
	}
}
