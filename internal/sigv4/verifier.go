package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Algorithm is the only signing algorithm DynamoDB accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// MaxSkew is how far a request's date may be from the verifier's clock, in
// either direction.
const MaxSkew = 15 * time.Minute

// DefaultService is the service name a credential scope must carry unless
// Config.Service says otherwise.
const DefaultService = "dynamodb"

// UnsignedPayload is the X-Amz-Content-Sha256 value of a request whose body
// is not covered by the signature.
const UnsignedPayload = "UNSIGNED-PAYLOAD"

const (
	isoBasic    = "20060102T150405Z"
	scopeLayout = "20060102"
	terminator  = "aws4_request"
	maxPresign  = 7 * 24 * time.Hour
	cacheLimit  = 256
)

// Credentials is one access key's secret and, for temporary credentials, the
// session token requests must carry in X-Amz-Security-Token.
type Credentials struct {
	SecretAccessKey string
	// SessionToken, when set, must equal the request's security token; when
	// empty, a request must not carry one.
	SessionToken string
}

// Config configures a Verifier. The zero Config accepts no request: it knows
// no keys.
type Config struct {
	// Keys maps access key IDs to their credentials.
	Keys map[string]Credentials
	// Region is the region a credential scope must name; empty accepts any.
	Region string
	// Service is the service a credential scope must name; empty means
	// DefaultService ("dynamodb").
	Service string
	// Now is the verifier's clock; nil means time.Now.
	Now func() time.Time
	// AcceptAnyCredentials accepts every well-formed signature without
	// checking it, as DynamoDB Local does (see the package documentation).
	AcceptAnyCredentials bool
	// AllowUnsignedPayload accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD,
	// a signature that does not cover the body. Off by default: DynamoDB's
	// clients always sign the body.
	AllowUnsignedPayload bool
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	keys          map[string]Credentials
	region        string
	service       string
	now           func() time.Time
	anyCreds      bool
	allowUnsigned bool

	mu    sync.Mutex
	cache map[string]cachedKey // access key ID/date/region/service → signing key
}

type cachedKey struct {
	secret string
	key    []byte
}

// New returns a Verifier for cfg. The key map is copied.
func New(cfg Config) *Verifier {
	keys := make(map[string]Credentials, len(cfg.Keys))
	for id, c := range cfg.Keys {
		keys[id] = c
	}
	v := &Verifier{
		keys:          keys,
		region:        cfg.Region,
		service:       cfg.Service,
		now:           cfg.Now,
		anyCreds:      cfg.AcceptAnyCredentials,
		allowUnsigned: cfg.AllowUnsignedPayload,
		cache:         make(map[string]cachedKey),
	}
	if v.service == "" {
		v.service = DefaultService
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// signature is what a request says about its own signature, from the
// Authorization header or from presigned query parameters.
type signature struct {
	presigned     bool
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	date          string // X-Amz-Date, or the Date header in ISO basic form
	dateRaw       string // as sent, for messages
	expires       time.Duration
	token         string
}

// Verify checks r's signature over body (the request body, already read) and
// returns the access key ID that signed it. Errors are the exception types
// of this package, with DynamoDB's messages.
func (v *Verifier) Verify(r *http.Request, body []byte) (string, error) {
	sig, err := parseSignature(r)
	if err != nil {
		return "", err
	}
	reqTime, err := parseDate(sig)
	if err != nil && !v.anyCreds {
		return "", err
	}
	if !v.anyCreds {
		if err := v.checkWindow(sig, reqTime); err != nil {
			return "", err
		}
		if !hostSigned(sig.signedHeaders) {
			return "", &InvalidSignatureException{Message: MsgHostNotSigned}
		}
	}
	if sig.algorithm != Algorithm {
		return "", &IncompleteSignatureException{Message: "Unsupported AWS 'algorithm': '" + sig.algorithm +
			"' (only " + Algorithm + " for now). "}
	}
	scope := strings.TrimRight(sig.credential, "/")
	parts := strings.Split(scope, "/")
	if len(parts) != 5 {
		return "", &IncompleteSignatureException{Message: "Credential must have exactly 5 slash-delimited elements, " +
			"e.g. keyid/date/region/service/term, got '" + scope + "'"}
	}
	accessKeyID, scopeDate, region, service, term := parts[0], parts[1], parts[2], parts[3], parts[4]
	if v.anyCreds {
		if !alphanumeric(accessKeyID) {
			return "", &UnrecognizedClientException{Message: MsgInvalidAccessKeyID}
		}
		return accessKeyID, nil
	}
	if err := v.checkScope(scopeDate, region, service, term, sig.date); err != nil {
		return "", err
	}
	creds, ok := v.keys[accessKeyID]
	if !ok {
		return "", &UnrecognizedClientException{Message: MsgInvalidToken}
	}
	payloadHash, err := v.payloadHash(r, body)
	if err != nil {
		return "", err
	}
	canonical := canonicalRequest(r, sig, payloadHash)
	stringToSign := buildStringToSign(sig.date, strings.Join(parts[1:], "/"), canonical)
	key := v.signingKey(accessKeyID, creds.SecretAccessKey, scopeDate, region, service)
	want := hmacSHA256(key, []byte(stringToSign))
	got, err := hex.DecodeString(sig.signature)
	if err != nil || !hmac.Equal(want, got) {
		return "", &InvalidSignatureException{Message: MsgSignatureMismatch}
	}
	if sig.token != creds.SessionToken {
		return "", &UnrecognizedClientException{Message: MsgInvalidSessionToken}
	}
	return accessKeyID, nil
}

// parseSignature finds the signature's carrier and checks that every part is
// present (steps 1 to 3 of the package documentation).
func parseSignature(r *http.Request) (signature, error) {
	auth, hasAuth := r.Header["Authorization"]
	query := r.URL.Query()
	_, hasQuery := query["X-Amz-Algorithm"]
	switch {
	case hasAuth && hasQuery:
		return signature{}, &InvalidSignatureException{Message: MsgBothAuthMethods}
	case hasQuery:
		return parseQuery(query)
	case !hasAuth || len(auth) == 0 || !strings.HasPrefix(strings.TrimSpace(auth[0]), "AWS4-"):
		return signature{}, &MissingAuthenticationTokenException{Message: MsgMissingToken}
	}
	header := auth[0]
	fields := strings.FieldsFunc(header, func(c rune) bool { return c == ',' || c == ' ' })
	sig := signature{algorithm: fields[0]}
	for _, f := range fields[1:] {
		name, value, _ := strings.Cut(f, "=")
		switch name {
		case "Credential":
			sig.credential = value
		case "SignedHeaders":
			sig.signedHeaders = value
		case "Signature":
			sig.signature = value
		}
	}
	var msg strings.Builder
	for _, p := range [...]struct{ name, value string }{
		{"Credential", sig.credential}, {"Signature", sig.signature}, {"SignedHeaders", sig.signedHeaders},
	} {
		if p.value == "" {
			msg.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if amzDate := r.Header.Get("X-Amz-Date"); amzDate != "" {
		sig.date, sig.dateRaw = amzDate, amzDate
	} else if date := r.Header.Get("Date"); date != "" {
		sig.dateRaw = date
		if t, err := http.ParseTime(date); err == nil {
			sig.date = t.UTC().Format(isoBasic)
		} else {
			sig.date = date
		}
	} else {
		msg.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if msg.Len() > 0 {
		msg.WriteString("Authorization=" + header)
		return signature{}, &IncompleteSignatureException{Message: msg.String()}
	}
	sig.token = r.Header.Get("X-Amz-Security-Token")
	return sig, nil
}

func parseQuery(query url.Values) (signature, error) {
	sig := signature{
		presigned:     true,
		algorithm:     query.Get("X-Amz-Algorithm"),
		credential:    query.Get("X-Amz-Credential"),
		signature:     query.Get("X-Amz-Signature"),
		signedHeaders: query.Get("X-Amz-SignedHeaders"),
		date:          query.Get("X-Amz-Date"),
		token:         query.Get("X-Amz-Security-Token"),
	}
	sig.dateRaw = sig.date
	var msg strings.Builder
	for _, p := range [...]struct{ name, value string }{
		{"X-Amz-Algorithm", sig.algorithm}, {"X-Amz-Credential", sig.credential},
		{"X-Amz-Signature", sig.signature}, {"X-Amz-SignedHeaders", sig.signedHeaders},
		{"X-Amz-Date", sig.date},
	} {
		if p.value == "" {
			msg.WriteString("AWS query-string parameters must include '" + p.name + "'. ")
		}
	}
	if msg.Len() > 0 {
		msg.WriteString("Re-examine the query-string parameters.")
		return signature{}, &IncompleteSignatureException{Message: msg.String()}
	}
	if e := query.Get("X-Amz-Expires"); e != "" {
		// The texts AWS's query authentication uses (S3's documented
		// answers); DynamoDB's own are not recorded anywhere we found.
		secs, err := strconv.ParseInt(e, 10, 64)
		switch {
		case err != nil:
			return signature{}, &IncompleteSignatureException{Message: "X-Amz-Expires should be a number"}
		case secs < 0:
			return signature{}, &IncompleteSignatureException{Message: "X-Amz-Expires must be non-negative"}
		case secs > int64(maxPresign/time.Second):
			return signature{}, &IncompleteSignatureException{
				Message: "X-Amz-Expires must be less than a week (in seconds) that is 604800"}
		}
		sig.expires = time.Duration(secs) * time.Second
	}
	return sig, nil
}

func parseDate(sig signature) (time.Time, error) {
	t, err := time.Parse(isoBasic, sig.date)
	if err != nil {
		return time.Time{}, &IncompleteSignatureException{Message: "Date must be in ISO-8601 'basic format'. Got '" +
			sig.dateRaw + "'. See http://en.wikipedia.org/wiki/ISO_8601"}
	}
	return t, nil
}

// checkWindow enforces MaxSkew around the verifier's clock; a presigned
// request with X-Amz-Expires is instead valid from its date until the date
// plus the expiry (and not more than MaxSkew before its date).
func (v *Verifier) checkWindow(sig signature, reqTime time.Time) error {
	now := v.now().UTC()
	earliest := now.Add(-MaxSkew)
	window := "(" + now.Format(isoBasic) + " - 15 min.)"
	if sig.presigned && sig.expires > 0 {
		earliest = now.Add(-sig.expires)
		window = "(" + now.Format(isoBasic) + " - " + strconv.Itoa(int(sig.expires/time.Second)) + " sec.)"
	}
	if reqTime.Before(earliest) {
		return &InvalidSignatureException{Message: "Signature expired: " + reqTime.Format(isoBasic) +
			" is now earlier than " + earliest.Format(isoBasic) + " " + window}
	}
	if latest := now.Add(MaxSkew); reqTime.After(latest) {
		return &InvalidSignatureException{Message: "Signature not yet current: " + reqTime.Format(isoBasic) +
			" is still later than " + latest.Format(isoBasic) + " (" + now.Format(isoBasic) + " + 15 min.)"}
	}
	return nil
}

func hostSigned(signedHeaders string) bool {
	for h := range strings.SplitSeq(signedHeaders, ";") {
		if strings.EqualFold(h, "host") || h == ":authority" {
			return true
		}
	}
	return false
}

func (v *Verifier) checkScope(scopeDate, region, service, term, date string) error {
	var msgs []string
	if v.region != "" && region != v.region {
		msgs = append(msgs, "Credential should be scoped to a valid region, not '"+region+"'.")
	}
	if service != v.service {
		msgs = append(msgs, "Credential should be scoped to correct service: '"+v.service+"'.")
	}
	if term != terminator {
		msgs = append(msgs, "Credential should be scoped with a valid terminator: '"+terminator+"', not '"+term+"'.")
	}
	if len(date) >= 8 && scopeDate != date[:8] {
		msgs = append(msgs, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
			scopeDate+"' != '"+date[:8]+"', from '"+date+"'.")
	}
	if len(msgs) > 0 {
		return &InvalidSignatureException{Message: strings.Join(msgs, " ")}
	}
	return nil
}

// payloadHash returns the hash the canonical request carries: the hex
// SHA-256 of body, or UNSIGNED-PAYLOAD when allowed. A declared
// X-Amz-Content-Sha256 that does not match the body fails like a bad
// signature.
func (v *Verifier) payloadHash(r *http.Request, body []byte) (string, error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	if declared == UnsignedPayload {
		if v.allowUnsigned {
			return UnsignedPayload, nil
		}
		return "", &InvalidSignatureException{Message: MsgSignatureMismatch}
	}
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	if declared != "" && !strings.EqualFold(declared, computed) {
		return "", &InvalidSignatureException{Message: MsgSignatureMismatch}
	}
	return computed, nil
}

func canonicalRequest(r *http.Request, sig signature, payloadHash string) string {
	var b strings.Builder
	b.Grow(256 + len(r.URL.RawQuery))
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL, sig.presigned))
	b.WriteByte('\n')
	names := strings.Split(sig.signedHeaders, ";")
	for _, name := range names {
		name = strings.ToLower(name)
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.ToLower(sig.signedHeaders))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

func headerValue(r *http.Request, name string) string {
	switch name {
	case "host":
		if r.Host != "" {
			return r.Host
		}
		return r.URL.Host
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok {
			return strconv.FormatInt(r.ContentLength, 10)
		}
	}
	values := r.Header.Values(name)
	if len(values) == 1 {
		return trimValue(values[0])
	}
	trimmed := make([]string, len(values))
	for i, value := range values {
		trimmed[i] = trimValue(value)
	}
	return strings.Join(trimmed, ",")
}

// trimValue trims a header value and collapses runs of spaces to one.
func trimValue(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// canonicalURI escapes the request's escaped path once more, as the SDKs do
// for every service but S3.
func canonicalURI(u *url.URL) string {
	path := u.EscapedPath()
	if path == "" {
		return "/"
	}
	return escape(path, false)
}

func canonicalQuery(u *url.URL, presigned bool) string {
	if u.RawQuery == "" {
		return ""
	}
	query := u.Query()
	if presigned {
		delete(query, "X-Amz-Signature")
	}
	pairs := make([]string, 0, len(query))
	for k, vs := range query {
		ek := escape(k, true)
		for _, v := range vs {
			pairs = append(pairs, ek+"="+escape(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// escape percent-encodes every byte but the RFC 3986 unreserved characters
// (and '/' unless encodeSlash).
func escape(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func buildStringToSign(date, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + date + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

func (v *Verifier) signingKey(accessKeyID, secret, date, region, service string) []byte {
	cacheKey := accessKeyID + "/" + date + "/" + region + "/" + service
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.cache[cacheKey]; ok && c.secret == secret {
		return c.key
	}
	key := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	key = hmacSHA256(key, []byte(region))
	key = hmacSHA256(key, []byte(service))
	key = hmacSHA256(key, []byte(terminator))
	if len(v.cache) >= cacheLimit {
		clear(v.cache)
	}
	v.cache[cacheKey] = cachedKey{secret: secret, key: key}
	return key
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

func alphanumeric(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
