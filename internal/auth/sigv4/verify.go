package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"
)

const (
	algorithm      = "AWS4-HMAC-SHA256"
	amzDateLayout  = "20060102T150405Z"
	terminator     = "aws4_request"
	unsignedHash   = "UNSIGNED-PAYLOAD"
	maxPresignSecs = 7 * 24 * 60 * 60 // 604800: X-Amz-Expires at most a week

	// DefaultService is the signing name of API Gateway's data plane.
	DefaultService = "execute-api"
	// DefaultRegion and DefaultAccountID are apigw's defaults (CONTRACT.md's
	// --region and --account-id).
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
	// DefaultMaxSkew is the clock difference AWS accepts either way.
	DefaultMaxSkew = 5 * time.Minute
)

var unsignedPayload = []byte(unsignedHash)

// Kind says why a request was refused.
type Kind int

const (
	// KindMissing: neither an Authorization header nor X-Amz-Algorithm in
	// the query.
	KindMissing Kind = iota + 1
	// KindIncomplete: the Authorization header or the X-Amz-* query
	// parameters are missing parts or malformed (also an unsupported
	// algorithm, a bad date, a credential without 5 parts, a bad
	// X-Amz-Expires).
	KindIncomplete
	// KindUnknownKey: the access key ID is not one of the Verifier's.
	KindUnknownKey
	// KindMismatch: the signature does not match, or the credential scope
	// names another region, service, terminator or date, or Host is not
	// signed, or both signing forms are used at once.
	KindMismatch
	// KindExpired: the request date is more than MaxSkew away from now, or a
	// presigned URL is past its X-Amz-Expires.
	KindExpired
	// KindTokenInvalid: X-Amz-Security-Token is not the session token of
	// the access key's profile (also: present when the profile has none, or
	// absent when it has one).
	KindTokenInvalid
)

var kindNames = [...]string{
	KindMissing:      "Missing",
	KindIncomplete:   "Incomplete",
	KindUnknownKey:   "UnknownKey",
	KindMismatch:     "Mismatch",
	KindExpired:      "Expired",
	KindTokenInvalid: "TokenInvalid",
}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// The x-amzn-ErrorType values API Gateway sends.
const (
	ErrorTypeMissingToken        = "MissingAuthenticationTokenException"
	ErrorTypeIncompleteSignature = "IncompleteSignatureException"
	ErrorTypeUnrecognizedClient  = "UnrecognizedClientException"
	ErrorTypeInvalidSignature    = "InvalidSignatureException"
)

// ErrorType returns the x-amzn-ErrorType of a kind.
func (k Kind) ErrorType() string {
	switch k {
	case KindMissing:
		return ErrorTypeMissingToken
	case KindIncomplete:
		return ErrorTypeIncompleteSignature
	case KindUnknownKey, KindTokenInvalid:
		return ErrorTypeUnrecognizedClient
	default:
		return ErrorTypeInvalidSignature
	}
}

// Messages AWS sends word for word.
const (
	MsgMissingToken = "Missing Authentication Token"
	MsgInvalidToken = "The security token included in the request is invalid."
	MsgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgFoundBoth    = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostUnsigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

// Failure is a refused request: API Gateway answers it with Status, the
// x-amzn-ErrorType header ErrorType and the body {"message": Message}. The
// message holds only what the caller sent (for a mismatch: AWS's canonical
// request and string to sign, built from the request), never a configured
// secret or session token.
type Failure struct {
	Kind      Kind
	Status    int    // always 403
	ErrorType string // x-amzn-ErrorType
	Message   string // AWS's text
}

func (f *Failure) Error() string { return f.ErrorType + ": " + f.Message }

// Body returns the default gateway-response body {"message":"..."}, without
// spaces and without HTML escaping.
func (f *Failure) Body() []byte {
	m, _ := json.Marshal(f.Message)
	b := make([]byte, 0, len(m)+12)
	b = append(b, `{"message":`...)
	b = append(b, m...)
	b = append(b, '}')
	return []byte(strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b)))
}

func fail(kind Kind, msg string) *Failure {
	return &Failure{Kind: kind, Status: 403, ErrorType: kind.ErrorType(), Message: msg}
}

// Identity is the caller of a verified request: what requestContext.identity
// tells (accessKey, accountId, caller, user, userArn). AWS gives an IAM
// user's unique ID (AIDA...) as caller and user; apigw has none and gives the
// access key ID for both.
type Identity struct {
	AccessKey string
	AccountID string
	Caller    string
	User      string
	UserARN   string // arn:aws:iam::{AccountID}:user/{Profile}
	Profile   string
}

// Verifier checks AWS Signature Version 4 on requests, in both forms: the
// Authorization header and the presigned query (X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature,
// optionally X-Amz-Expires and X-Amz-Security-Token). Set the fields, then
// call Verify from any number of goroutines; the fields must not change
// after the first call.
type Verifier struct {
	Region    string // "" means DefaultRegion
	Service   string // "" means DefaultService ("execute-api")
	AccountID string // "" means DefaultAccountID
	// Creds are the accepted identities keyed by access key ID (as
	// LoadCredentialsFile returns them). None: every signed request is
	// refused as an unknown key.
	Creds   map[string]Credentials
	Clock   func() time.Time // nil means time.Now
	MaxSkew time.Duration    // 0 means DefaultMaxSkew

	once                  sync.Once
	region, service, acct string
	principals            map[string]*principal
	mu                    sync.RWMutex
	keys                  map[keyCacheKey]*[sha256.Size]byte
}

type principal struct {
	secret, token string
	id            Identity
}

type keyCacheKey struct{ secret, date, region, service string }

// maxCachedKeys bounds the derived signing keys kept: one per access key and
// day is the steady state.
const maxCachedKeys = 1024

func (v *Verifier) init() {
	v.once.Do(func() {
		v.region, v.service, v.acct = v.Region, v.Service, v.AccountID
		if v.region == "" {
			v.region = DefaultRegion
		}
		if v.service == "" {
			v.service = DefaultService
		}
		if v.acct == "" {
			v.acct = DefaultAccountID
		}
		v.keys = make(map[keyCacheKey]*[sha256.Size]byte)
		v.principals = make(map[string]*principal, len(v.Creds))
		for key, c := range v.Creds {
			v.principals[key] = &principal{
				secret: c.SecretAccessKey,
				token:  c.SessionToken,
				id: Identity{
					AccessKey: key,
					AccountID: v.acct,
					Caller:    key,
					User:      key,
					UserARN:   "arn:aws:iam::" + v.acct + ":user/" + c.Profile,
					Profile:   c.Profile,
				},
			}
		}
	})
}

func (v *Verifier) now() time.Time {
	if v.Clock != nil {
		return v.Clock().UTC()
	}
	return time.Now().UTC()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// params are the signing parameters of a request, from either form.
type params struct {
	algorithm, credential, signedHeaders, signature, date string
	token                                                 string
	hasToken                                              bool
	presigned                                             bool
	expires                                               string
	hasExpires                                            bool
	contentSHA                                            string
}

// Verify checks r's signature. It returns the caller's identity (shared:
// do not modify it) or why the request is refused; exactly one is nil.
//
// The checks run in the order AWS's front end runs them (as recorded from
// AWS by emulators such as dynalite and kinesalite): signing form, missing
// parts, date format, X-Amz-Expires, clock skew or expiry, Host signed,
// algorithm, credential shape, credential scope, access key, signature,
// session token.
//
// The payload hash is the SHA-256 of Body (a differing X-Amz-Content-Sha256
// therefore fails as a mismatch). UNSIGNED-PAYLOAD is accepted for presigned
// requests only: named by X-Amz-Content-Sha256, or tried when that is absent
// and the body's hash does not match.
func (v *Verifier) Verify(r Request) (*Identity, *Failure) {
	v.init()
	s := getScratch()
	defer putScratch(s)
	return v.verify(&r, s)
}

func (v *Verifier) verify(r *Request, s *scratch) (*Identity, *Failure) {
	auth, _ := s.firstHeader(r, "authorization")
	auth = strings.TrimSpace(auth)
	_, hasAlg := queryGet(r.RawQuery, "X-Amz-Algorithm")
	switch {
	case auth != "" && hasAlg:
		return nil, fail(KindMismatch, msgFoundBoth)
	case auth == "" && !hasAlg:
		return nil, fail(KindMissing, MsgMissingToken)
	}

	var p params
	var f *Failure
	if auth != "" {
		f = s.headerParams(r, auth, &p)
	} else {
		f = queryParamsOf(r, s, &p)
	}
	if f != nil {
		return nil, f
	}

	// The date.
	t, err := time.Parse(amzDateLayout, p.date)
	if err != nil || len(p.date) != len(amzDateLayout) {
		return nil, fail(KindIncomplete, "Date must be in ISO-8601 'basic format'. Got '"+p.date+"'. See http://en.wikipedia.org/wiki/ISO_8601")
	}
	var expires time.Duration
	if p.hasExpires {
		n, err := strconv.ParseInt(p.expires, 10, 64)
		switch {
		case err != nil:
			return nil, fail(KindIncomplete, "X-Amz-Expires should be a number")
		case n < 0:
			return nil, fail(KindIncomplete, "X-Amz-Expires must be non-negative")
		case n > maxPresignSecs:
			return nil, fail(KindIncomplete, "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
		}
		expires = time.Duration(n) * time.Second
	}
	now, skew := v.now(), v.maxSkew()
	switch {
	case t.After(now.Add(skew)):
		return nil, fail(KindExpired, fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
			p.date, now.Add(skew).Format(amzDateLayout), now.Format(amzDateLayout), durationText(skew)))
	case p.hasExpires && now.After(t.Add(expires)):
		return nil, fail(KindExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			p.date, now.Add(-expires).Format(amzDateLayout), now.Format(amzDateLayout), durationText(expires)))
	case !p.hasExpires && t.Before(now.Add(-skew)):
		return nil, fail(KindExpired, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
			p.date, now.Add(-skew).Format(amzDateLayout), now.Format(amzDateLayout), durationText(skew)))
	}

	// Host must be signed.
	hostSigned := false
	for rest := p.signedHeaders; rest != "" && !hostSigned; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		hostSigned = strings.EqualFold(name, "host")
	}
	if !hostSigned {
		return nil, fail(KindMismatch, msgHostUnsigned)
	}

	if p.algorithm != algorithm {
		return nil, fail(KindIncomplete, "Unsupported AWS 'algorithm': '"+p.algorithm+"' (only AWS4-HMAC-SHA256 for now). ")
	}

	// The credential: keyid/date/region/service/aws4_request.
	if strings.Count(p.credential, "/") != 4 {
		return nil, fail(KindIncomplete, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+p.credential+"'")
	}
	keyID, scope, _ := strings.Cut(p.credential, "/")
	cdate, rest, _ := strings.Cut(scope, "/")
	region, rest, _ := strings.Cut(rest, "/")
	service, term, _ := strings.Cut(rest, "/")
	if region != v.region || service != v.service || term != terminator || cdate != p.date[:8] {
		var b strings.Builder
		if region != v.region {
			b.WriteString("Credential should be scoped to a valid region. ")
		}
		if service != v.service {
			b.WriteString("Credential should be scoped to correct service: '" + v.service + "'. ")
		}
		if term != terminator {
			b.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + term + "'. ")
		}
		if cdate != p.date[:8] {
			b.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
				cdate + "' != '" + p.date[:8] + "', from '" + p.date + "'.")
		}
		return nil, fail(KindMismatch, b.String())
	}

	who := v.principals[keyID]
	if who == nil {
		return nil, fail(KindUnknownKey, MsgInvalidToken)
	}

	// The signature.
	key := v.signingKey(who.secret, cdate)
	payload := unsignedPayload
	tryUnsigned := false
	if !p.presigned || p.contentSHA != unsignedHash {
		payload = s.payloadHash(r.Body)
		tryUnsigned = p.presigned && p.contentSHA == ""
	}
	if !s.matches(r, &p, payload, scope, key) &&
		!(tryUnsigned && s.matches(r, &p, unsignedPayload, scope, key)) {
		if tryUnsigned { // rebuild the body-hash form for the message
			s.matches(r, &p, s.payloadHash(r.Body), scope, key)
		}
		return nil, fail(KindMismatch, MsgMismatch+
			"\n\nThe Canonical String for this request should have been\n'"+string(s.canon)+
			"'\n\nThe String-to-Sign should have been\n'"+string(s.sts)+"'\n")
	}

	// The session token.
	if !equalConstantTime(p.token, who.token) {
		return nil, fail(KindTokenInvalid, MsgInvalidToken)
	}
	return &who.id, nil
}

// matches builds the canonical request and string to sign with the given
// payload hash and compares the signature in constant time.
func (s *scratch) matches(r *Request, p *params, payload []byte, scope string, key *[sha256.Size]byte) bool {
	s.canonicalRequest(r, p.signedHeaders, payload, p.presigned)
	s.stringToSign(p.date, scope)
	s.signature(key)
	if len(p.signature) != len(s.sig) {
		return false
	}
	copy(s.sig[:], p.signature)
	return subtle.ConstantTimeCompare(s.sig[:], s.hexSum[:]) == 1
}

// equalConstantTime compares two strings in time that depends only on their
// lengths.
func equalConstantTime(a, b string) bool {
	return subtle.ConstantTimeCompare(unsafe.Slice(unsafe.StringData(a), len(a)), unsafe.Slice(unsafe.StringData(b), len(b))) == 1
}

// headerParams reads the Authorization header form.
func (s *scratch) headerParams(r *Request, auth string, p *params) *Failure {
	alg, rest := auth, ""
	if i := strings.IndexAny(auth, " \t"); i >= 0 {
		alg, rest = auth[:i], auth[i+1:]
	}
	p.algorithm = alg
	for {
		rest = strings.TrimLeft(rest, ", \t")
		if rest == "" {
			break
		}
		tok := rest
		if i := strings.IndexAny(rest, ", \t"); i >= 0 {
			tok, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		k, val, ok := strings.Cut(tok, "=")
		if !ok {
			if alg == algorithm {
				return fail(KindIncomplete, "'"+tok+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+auth+"'.")
			}
			continue // another scheme ("Bearer x"): its parts are not SigV4's
		}
		switch k {
		case "Credential":
			p.credential = val
		case "SignedHeaders":
			p.signedHeaders = val
		case "Signature":
			p.signature = val
		}
	}
	if d, _ := s.firstHeader(r, "x-amz-date"); d != "" {
		p.date = d
	} else if d, _ := s.firstHeader(r, "date"); d != "" {
		p.date = d
	}
	if p.credential == "" || p.signature == "" || p.signedHeaders == "" || p.date == "" {
		var b strings.Builder
		if p.credential == "" {
			b.WriteString("Authorization header requires 'Credential' parameter. ")
		}
		if p.signature == "" {
			b.WriteString("Authorization header requires 'Signature' parameter. ")
		}
		if p.signedHeaders == "" {
			b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
		}
		if p.date == "" {
			b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
		}
		b.WriteString("Authorization=")
		b.WriteString(auth)
		return fail(KindIncomplete, b.String())
	}
	p.token, p.hasToken = s.firstHeader(r, "x-amz-security-token")
	return nil
}

// queryParamsOf reads the presigned query form.
func queryParamsOf(r *Request, s *scratch, p *params) *Failure {
	p.presigned = true
	q := r.RawQuery
	p.algorithm, _ = queryGet(q, "X-Amz-Algorithm")
	p.credential, _ = queryGet(q, "X-Amz-Credential")
	p.signature, _ = queryGet(q, "X-Amz-Signature")
	p.signedHeaders, _ = queryGet(q, "X-Amz-SignedHeaders")
	p.date, _ = queryGet(q, "X-Amz-Date")
	if p.algorithm == "" || p.credential == "" || p.signature == "" || p.signedHeaders == "" || p.date == "" {
		var b strings.Builder
		for _, m := range [...]struct {
			name, value string
		}{
			{"X-Amz-Algorithm", p.algorithm},
			{"X-Amz-Credential", p.credential},
			{"X-Amz-Signature", p.signature},
			{"X-Amz-SignedHeaders", p.signedHeaders},
			{"X-Amz-Date", p.date},
		} {
			if m.value == "" {
				b.WriteString("AWS query-string parameters must include '" + m.name + "'. ")
			}
		}
		b.WriteString("Re-examine the query-string parameters.")
		return fail(KindIncomplete, b.String())
	}
	p.expires, p.hasExpires = queryGet(q, "X-Amz-Expires")
	if p.token, p.hasToken = queryGet(q, "X-Amz-Security-Token"); !p.hasToken {
		p.token, p.hasToken = s.firstHeader(r, "x-amz-security-token")
	}
	if sha, ok := queryGet(q, "X-Amz-Content-Sha256"); ok {
		p.contentSHA = sha
	} else {
		p.contentSHA, _ = s.firstHeader(r, "x-amz-content-sha256")
	}
	return nil
}

// durationText writes a duration as AWS's expiry messages do: "5 min" or
// "90 sec".
func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}

// signingKey returns the derived key of (secret, date, region, service),
// computing and caching it on first use.
func (v *Verifier) signingKey(secret, date string) *[sha256.Size]byte {
	k := keyCacheKey{secret: secret, date: date, region: v.region, service: v.service}
	v.mu.RLock()
	key := v.keys[k]
	v.mu.RUnlock()
	if key != nil {
		return key
	}
	key = deriveKey(secret, date, v.region, v.service)
	k.date = strings.Clone(date) // date points into the request
	v.mu.Lock()
	if len(v.keys) >= maxCachedKeys {
		for old := range v.keys {
			delete(v.keys, old)
			if len(v.keys) < maxCachedKeys/2 {
				break
			}
		}
	}
	v.keys[k] = key
	v.mu.Unlock()
	return key
}

func deriveKey(secret, date, region, service string) *[sha256.Size]byte {
	mac := func(key []byte, data string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(data))
		return h.Sum(nil)
	}
	k := mac([]byte("AWS4"+secret), date)
	k = mac(k, region)
	k = mac(k, service)
	k = mac(k, terminator)
	var out [sha256.Size]byte
	copy(out[:], k)
	return &out
}
