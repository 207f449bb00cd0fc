package e2e

import (
	"strings"
	"testing"
)

// TestUnsupportedFlagsRefused: flags whose promise this version cannot keep
// (or whose file is wrong) are never silently ignored, and validate fails
// exactly when serve would.
func TestUnsupportedFlagsRefused(t *testing.T) {
	creds := writeFile(t, "credentials", "[default]\naws_access_key_id = AKIDEXAMPLE\n")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"iam credentials without a secret", []string{"--iam-credentials", creds}, "--iam-credentials: "},
		{"redis", []string{"--redis", "redis://127.0.0.1:6379/0"}, "--redis: shared state in Redis is not implemented yet"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runValidate(t, example("users-api.yaml"), c.args...)
			if code != 1 || !strings.Contains(stderr, c.want) {
				t.Errorf("validate %v: exit %d, stderr %q; want 1 and %q", c.args, code, stderr, c.want)
			}
			_, serr := runServeExpectFail(t, example("users-api.yaml"), c.args...)
			if !strings.Contains(serr, c.want) {
				t.Errorf("serve %v: stderr %q, want %q", c.args, serr, c.want)
			}
		})
	}
	// Without them the same template validates.
	if _, stderr, code := runValidate(t, example("users-api.yaml")); code != 0 {
		t.Errorf("validate without the flags: exit %d: %s", code, stderr)
	}
}

// TestHelpNamesWhatWorks: serve's flag help does not promise what this
// version refuses or lacks.
func TestHelpNamesWhatWorks(t *testing.T) {
	out, _, code := runCLI(t, "serve", "-h")
	if code != 0 {
		t.Fatalf("serve -h: exit %d", code)
	}
	for _, promise := range []string{"WebSockets", "@connections", "user pools", "whose identities AWS_IAM calls may sign with"} {
		if strings.Contains(out, promise) {
			t.Errorf("serve -h promises %q, which this version does not serve:\n%s", promise, out)
		}
	}
	for _, flag := range []string{"-no-watch", "-iam-credentials", "-redis", "not implemented yet"} {
		if !strings.Contains(out, flag) {
			t.Errorf("serve -h lacks %q:\n%s", flag, out)
		}
	}
}
