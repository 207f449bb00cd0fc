package cognito

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// TokenLifetime is how long issued tokens are valid (Cognito's default of
	// one hour); it is the expires_in of the token endpoint.
	TokenLifetime = 3600 * time.Second

	keyBits = 2048
	// maxKeyFile bounds what is read of a key file (a 2048-bit PKCS #8 PEM
	// is about 1.7 KB).
	maxKeyFile = 64 << 10
	// maxUsername is Cognito's limit on user names (AdminCreateUser).
	maxUsername = 128
)

// Issuer is the local token issuer of one user pool: its signing key, its
// JWKS and the tokens it signs. It is safe for concurrent use.
type Issuer struct {
	poolID   string
	url      string
	audience string // the ID token's aud and the access token's client_id
	clock    func() time.Time

	key    *rsa.PrivateKey
	public *rsa.PublicKey
	kid    string
	jwks   []byte
}

// NewIssuer returns the issuer of the pool poolID in region. Its RSA 2048 key
// is read from dir/{poolID}.pem, or generated and written there (mode 0600,
// dir made 0700 when missing) the first time, so tokens survive restarts. A
// key file that cannot be read as an RSA private key of at least 2048 bits is
// an error naming the file; it is never overwritten. clientIDs are the pool's
// app clients, the first being the audience of the tokens (the pool id when
// there is none). clock nil means time.Now.
func NewIssuer(dir string, poolID, region string, clientIDs []string, clock func() time.Time) (*Issuer, error) {
	if !validPoolID(poolID) {
		return nil, fmt.Errorf("cognito: user pool id %q: only letters, digits, '-' and '_' are allowed", poolID)
	}
	if region == "" {
		return nil, fmt.Errorf("cognito: user pool %s: no region", poolID)
	}
	if clock == nil {
		clock = time.Now
	}
	key, err := loadOrCreateKey(filepath.Join(dir, poolID+".pem"))
	if err != nil {
		return nil, err
	}
	i := &Issuer{
		poolID:   poolID,
		url:      IssuerURL(region, poolID),
		audience: poolID,
		clock:    clock,
		key:      key,
		public:   &key.PublicKey,
	}
	if len(clientIDs) > 0 && clientIDs[0] != "" {
		i.audience = clientIDs[0]
	}
	n := base64.RawURLEncoding.EncodeToString(key.N.Bytes())
	e := base64.RawURLEncoding.EncodeToString(big.NewInt(int64(key.E)).Bytes())
	// RFC 7638: the required members in lexicographic order, no spaces.
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + n + `"}`))
	i.kid = base64.RawURLEncoding.EncodeToString(sum[:])
	// Cognito's member order: alg, e, kid, kty, n, use.
	i.jwks, err = json.Marshal(struct {
		Keys []jwk `json:"keys"`
	}{[]jwk{{Alg: "RS256", E: e, Kid: i.kid, Kty: "RSA", N: n, Use: "sig"}}})
	if err != nil {
		return nil, err
	}
	return i, nil
}

type jwk struct {
	Alg string `json:"alg"`
	E   string `json:"e"`
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	N   string `json:"n"`
	Use string `json:"use"`
}

// IssuerURL is a user pool's issuer: https://cognito-idp.{region}.amazonaws.com/{poolId}.
func IssuerURL(region, poolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + poolID
}

func validPoolID(id string) bool {
	if id == "" || len(id) > 255 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// loadOrCreateKey reads the key at path, or creates it. Creation writes a
// temporary file and links it into place, so two processes starting at once
// end up with the same key and a crash never leaves a half-written file.
func loadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	key, err := readKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cognito: key folder: %w", err)
	}
	key, err = rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("cognito: generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("cognito: encoding the key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".key-*") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("cognito: writing the key: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("cognito: writing the key %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKey(path) // another process made it first
		}
		return nil, fmt.Errorf("cognito: writing the key %s: %w", path, err)
	}
	return key, nil
}

func readKey(path string) (*rsa.PrivateKey, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cognito: key file: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("cognito: key file: %w", err)
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("cognito: key file %s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("cognito: key file: %w", err)
	}
	corrupt := func(why string) error {
		return fmt.Errorf("cognito: key file %s is corrupt (%s); remove it to have a new key made (tokens signed with the old one stop verifying)", path, why)
	}
	if len(data) > maxKeyFile {
		return nil, corrupt("over 64 KB")
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, corrupt("no PEM block")
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, corrupt("PEM block " + block.Type)
	}
	if err != nil {
		return nil, corrupt(err.Error())
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, corrupt(fmt.Sprintf("not an RSA key but %T", parsed))
	}
	if key.N.BitLen() < keyBits {
		return nil, corrupt(fmt.Sprintf("RSA key of %d bits", key.N.BitLen()))
	}
	if err := key.Validate(); err != nil {
		return nil, corrupt(err.Error())
	}
	return key, nil
}

// URL is the pool's issuer, the iss of its tokens.
func (i *Issuer) URL() string { return i.url }

// PoolID is the pool id the issuer was made for.
func (i *Issuer) PoolID() string { return i.poolID }

// KeyID is the kid of the pool's signing key.
func (i *Issuer) KeyID() string { return i.kid }

// JWKS is the pool's public key set as a JSON document
// ({"keys":[{"alg":"RS256","e":...,"kid":...,"kty":"RSA","n":...,"use":"sig"}]}).
// The caller must not modify it.
func (i *Issuer) JWKS() []byte { return i.jwks }

// Key implements KeySource with the issuer's own key.
func (i *Issuer) Key(_ context.Context, kid string) (*rsa.PublicKey, error) {
	if kid != i.kid {
		return nil, &Error{Kind: KindUnknownKey, Detail: fmt.Sprintf("no key %q", kid)}
	}
	return i.public, nil
}

// Tokens signs an ID token and an access token for username, lasting
// TokenLifetime (its whole seconds are expiresIn). groups become
// cognito:groups (left out when empty); scopes, which may not be empty or
// hold white space, become the access token's scope.
func (i *Issuer) Tokens(username string, groups, scopes []string) (idToken, accessToken string, expiresIn int, err error) {
	if username == "" {
		return "", "", 0, errors.New("no username")
	}
	if len(username) > maxUsername {
		return "", "", 0, fmt.Errorf("username longer than %d bytes", maxUsername)
	}
	for _, g := range groups {
		if g == "" {
			return "", "", 0, errors.New("empty group name")
		}
	}
	for _, s := range scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\f\v") {
			return "", "", 0, fmt.Errorf("scope %q: scopes are non-empty and have no white space", s)
		}
	}
	now := i.clock().Unix()
	exp := now + int64(TokenLifetime/time.Second)
	sub := uuidV5(i.poolID + ":" + username)
	originJTI := uuidV4()

	id := jwt.MapClaims{
		"sub":              sub,
		"iss":              i.url,
		"aud":              i.audience,
		"cognito:username": username,
		"token_use":        "id",
		"auth_time":        now,
		"iat":              now,
		"exp":              exp,
		"jti":              uuidV4(),
		"origin_jti":       originJTI,
	}
	access := jwt.MapClaims{
		"sub":        sub,
		"iss":        i.url,
		"client_id":  i.audience,
		"username":   username,
		"token_use":  "access",
		"auth_time":  now,
		"iat":        now,
		"exp":        exp,
		"jti":        uuidV4(),
		"origin_jti": originJTI,
	}
	if len(groups) > 0 {
		id["cognito:groups"] = groups
		access["cognito:groups"] = groups
	}
	if len(scopes) > 0 {
		access["scope"] = strings.Join(scopes, " ")
	}
	if idToken, err = i.sign(id); err != nil {
		return "", "", 0, err
	}
	if accessToken, err = i.sign(access); err != nil {
		return "", "", 0, err
	}
	return idToken, accessToken, int(TokenLifetime / time.Second), nil
}

func (i *Issuer) sign(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header = map[string]any{"alg": "RS256", "kid": i.kid}
	s, err := t.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("cognito: signing: %w", err)
	}
	return s, nil
}

// subNamespace is the UUID v5 namespace of the sub claims this package makes.
var subNamespace = [16]byte{0x6b, 0x1d, 0x3c, 0x52, 0x8e, 0x0f, 0x4a, 0x77, 0x9c, 0x2e, 0x51, 0xd4, 0x3b, 0x8a, 0x60, 0x19}

// uuidV5 is the RFC 9562 name-based (SHA-1) UUID of name in subNamespace.
func uuidV5(name string) string {
	h := sha1.New()
	h.Write(subNamespace[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

func uuidV4() string {
	var u [16]byte
	rand.Read(u[:]) // never fails (crypto/rand)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return formatUUID(u)
}

func formatUUID(u [16]byte) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}
