package sigv4

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	data := "\xef\xbb\xbf# apigw identities\r\n" +
		"[default]\r\n" +
		"aws_access_key_id = AKIDDEFAULT\r\n" +
		"aws_secret_access_key = s3cr3t/Default+Key ; inline comment\r\n" +
		"region = eu-west-1\r\n" +
		"\n" +
		"; another comment\n" +
		"[ temp ]\n" +
		"AWS_Access_Key_ID=ASIATEMP\n" +
		"aws_secret_access_key=tempsecret\n" +
		"aws_session_token = Fwo+token/==  # comment\n" +
		"[legacy]\n" +
		"aws_access_key_id = AKIDLEGACY\n" +
		"aws_secret_access_key = legacysecret\n" +
		"aws_security_token = oldtoken\n"
	got, err := ParseCredentials("creds", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Credentials{
		"AKIDDEFAULT": {AccessKeyID: "AKIDDEFAULT", SecretAccessKey: "s3cr3t/Default+Key", Profile: "default"},
		"ASIATEMP":    {AccessKeyID: "ASIATEMP", SecretAccessKey: "tempsecret", SessionToken: "Fwo+token/==", Profile: "temp"},
		"AKIDLEGACY":  {AccessKeyID: "AKIDLEGACY", SecretAccessKey: "legacysecret", SessionToken: "oldtoken", Profile: "legacy"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}

	if got, err := ParseCredentials("empty", []byte("# nothing\n\n")); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %v %v", got, err)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	const secret = "VERYSECRETVALUE"
	for _, c := range []struct{ data, want string }{
		{"aws_access_key_id = AKID\n", `creds:1: key "aws_access_key_id" outside a [profile] section`},
		{"[a]\naws_access_key_id = AKID\n", `creds:1: profile "a": aws_access_key_id without aws_secret_access_key`},
		{"[a]\naws_secret_access_key = " + secret + "\n", `creds:1: profile "a": aws_secret_access_key without aws_access_key_id`},
		{"[a]\nregion = x\n", `creds:1: profile "a": needs aws_access_key_id and aws_secret_access_key`},
		{"[a]\naws_access_key_id = A\naws_secret_access_key = " + secret + "\n[b]\naws_access_key_id = A\naws_secret_access_key = other\n",
			`creds:4: profile "b": same aws_access_key_id as profile "a"`},
		{"[a]\naws_access_key_id = A\naws_secret_access_key = " + secret + "\n[a]\n", `creds:4: profile "a": already defined on line 1`},
		{"[a]\n" + secret + "\n", `creds:2: profile "a": expected key = value`},
		{"[a\n", `creds:1: a section header must end with ]`},
		{"[]\n", `creds:1: empty profile name`},
		{"junk\n", `creds:1: expected [profile] or key = value`},
		{"[a]\naws_access_key_id = A/B\naws_secret_access_key = " + secret + "\n", `creds:1: profile "a": aws_access_key_id must not contain '/' or spaces`},
	} {
		_, err := ParseCredentials("creds", []byte(c.data))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %s", c.data, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("secret in error %q", err)
		}
	}
}

func TestLoadCredentialsFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials")
	if err := os.WriteFile(path, []byte("[dev]\naws_access_key_id=AKID\naws_secret_access_key=x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCredentialsFile(path)
	if err != nil || got["AKID"].Profile != "dev" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := LoadCredentialsFile(dir); err == nil || !strings.HasPrefix(err.Error(), dir+": ") {
		t.Fatalf("folder: %v", err)
	}
	if _, err := LoadCredentialsFile(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "none") {
		t.Fatalf("missing file: %v", err)
	}
	os.WriteFile(path, []byte("[dev]\naws_access_key_id=AKID\n"), 0o600)
	if _, err := LoadCredentialsFile(path); err == nil || !strings.HasPrefix(err.Error(), path+":1: profile \"dev\"") {
		t.Fatalf("incomplete profile: %v", err)
	}
}
