package sigv4

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/apigw/apigw/internal/inputfile"
)

// Credentials is one identity of an AWS shared-credentials file: a profile
// with its access key, secret key and, for temporary credentials, session
// token. The secret and the token are never printed by this package.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Profile         string
}

// maxCredentialsFile bounds what LoadCredentialsFile reads: a credentials
// file is a few lines per profile.
const maxCredentialsFile = 1 << 20

// LoadCredentialsFile reads an AWS shared-credentials file (the INI format of
// ~/.aws/credentials) and returns its identities keyed by access key ID.
//
// Format: sections "[name]" name profiles; inside them "key = value" lines;
// keys are case-insensitive and aws_access_key_id, aws_secret_access_key and
// aws_session_token (or its old name aws_security_token) are used, others
// (region, output, ...) ignored; lines starting with # or ; are comments, and
// so is the rest of a line after whitespace followed by # or ;. A UTF-8 BOM
// and CRLF line ends are accepted.
//
// Errors name the file, the line and the profile, never a value: a key
// outside a profile, a line that is not "key = value", a profile named twice,
// a profile without both aws_access_key_id and aws_secret_access_key, and an
// access key ID used by two profiles. A file without profiles gives an empty
// map.
func LoadCredentialsFile(path string) (map[string]Credentials, error) {
	data, err := inputfile.Read(path, maxCredentialsFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ParseCredentials(path, data)
}

// ParseCredentials parses the contents of a shared-credentials file; name is
// used in the errors (the file's path). See LoadCredentialsFile.
func ParseCredentials(name string, data []byte) (map[string]Credentials, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))

	type profile struct {
		creds           Credentials
		line            int
		hasKey, hasSecr bool
	}
	var (
		profiles []*profile
		seen     = map[string]int{}
		cur      *profile
	)
	for n, raw := range strings.Split(string(data), "\n") {
		line := n + 1
		text := strings.TrimSpace(strings.TrimSuffix(raw, "\r"))
		if text == "" || text[0] == '#' || text[0] == ';' {
			continue
		}
		text = stripInlineComment(text)
		if text[0] == '[' {
			if !strings.HasSuffix(text, "]") {
				return nil, fmt.Errorf("%s:%d: a section header must end with ]", name, line)
			}
			pname := strings.TrimSpace(text[1 : len(text)-1])
			if pname == "" {
				return nil, fmt.Errorf("%s:%d: empty profile name", name, line)
			}
			if first, dup := seen[pname]; dup {
				return nil, fmt.Errorf("%s:%d: profile %q: already defined on line %d", name, line, pname, first)
			}
			seen[pname] = line
			cur = &profile{creds: Credentials{Profile: pname}, line: line}
			profiles = append(profiles, cur)
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !ok || key == "" {
			if cur == nil {
				return nil, fmt.Errorf("%s:%d: expected [profile] or key = value", name, line)
			}
			return nil, fmt.Errorf("%s:%d: profile %q: expected key = value", name, line, cur.creds.Profile)
		}
		if cur == nil {
			return nil, fmt.Errorf("%s:%d: key %q outside a [profile] section", name, line, key)
		}
		value = strings.TrimSpace(value)
		switch key {
		case "aws_access_key_id":
			cur.creds.AccessKeyID, cur.hasKey = value, value != ""
		case "aws_secret_access_key":
			cur.creds.SecretAccessKey, cur.hasSecr = value, value != ""
		case "aws_session_token", "aws_security_token":
			cur.creds.SessionToken = value
		}
	}

	out := make(map[string]Credentials, len(profiles))
	owner := map[string]string{}
	for _, p := range profiles {
		switch {
		case !p.hasKey && !p.hasSecr:
			return nil, fmt.Errorf("%s:%d: profile %q: needs aws_access_key_id and aws_secret_access_key", name, p.line, p.creds.Profile)
		case !p.hasKey:
			return nil, fmt.Errorf("%s:%d: profile %q: aws_secret_access_key without aws_access_key_id", name, p.line, p.creds.Profile)
		case !p.hasSecr:
			return nil, fmt.Errorf("%s:%d: profile %q: aws_access_key_id without aws_secret_access_key", name, p.line, p.creds.Profile)
		}
		id := p.creds.AccessKeyID
		if strings.ContainsAny(id, "/ \t") {
			return nil, fmt.Errorf("%s:%d: profile %q: aws_access_key_id must not contain '/' or spaces", name, p.line, p.creds.Profile)
		}
		if other, dup := owner[id]; dup {
			return nil, fmt.Errorf("%s:%d: profile %q: same aws_access_key_id as profile %q", name, p.line, p.creds.Profile, other)
		}
		owner[id] = p.creds.Profile
		out[id] = p.creds
	}
	return out, nil
}

// stripInlineComment drops a comment that starts with whitespace followed by
// # or ; (values of this file never contain spaces).
func stripInlineComment(s string) string {
	for i := 1; i < len(s); i++ {
		if (s[i] == '#' || s[i] == ';') && (s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimSpace(s[:i])
		}
	}
	return s
}
