package lambdaauth

import "testing"

func TestParseAndEvaluate(t *testing.T) {
	const arn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/$connect"
	tests := []struct {
		name, out string
		want      Decision
	}{
		{"one statement object", `{"principalId":"u","policyDocument":{"Statement":{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}}}`, Allowed},
		{"wildcards", `{"policyDocument":{"Statement":[{"Action":["execute-api:*"],"Effect":"Allow","Resource":["arn:aws:execute-api:*:*:api/*"]}]}}`, Allowed},
		{"deny wins", `{"policyDocument":{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"},{"Action":"*","Effect":"Deny","Resource":"*"}]}}`, ExplicitDeny},
		{"nothing allows", `{"policyDocument":{"Statement":[{"Action":"s3:*","Effect":"Allow","Resource":"*"}]}}`, NotAllowed},
	}
	for _, tt := range tests {
		r, err := Parse([]byte(tt.out))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := r.Evaluate(arn); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	for _, bad := range []string{`nope`, `{}`, `{"policyDocument":{"Statement":[{"Effect":"Maybe"}]}}`, `{"policyDocument":{"Statement":{}},"context":{"x":[1]}}`} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
