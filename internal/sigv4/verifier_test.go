package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testKeyID  = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testRegion = "us-east-1"
	testBody   = `{"TableName":"Music","Key":{"Artist":{"S":"No One You Know"}}}`
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func testVerifier(mod func(*Config)) *Verifier {
	cfg := Config{
		Keys:   map[string]Credentials{testKeyID: {SecretAccessKey: testSecret}},
		Region: testRegion,
		Now:    func() time.Time { return testNow },
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(cfg)
}

// clientRequest returns a DynamoDB request as the SDK builds it, before
// signing.
func clientRequest(t testing.TB, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://dynamodb.us-east-1.amazonaws.com/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	return req
}

type signOpts struct {
	keyID, secret, token, service, region string
	at                                    time.Time
}

func defaultSignOpts() signOpts {
	return signOpts{keyID: testKeyID, secret: testSecret, service: "dynamodb", region: testRegion, at: testNow}
}

// sign signs req with the SDK's own signer.
func sign(t testing.TB, req *http.Request, body string, o signOpts) {
	t.Helper()
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: o.keyID, SecretAccessKey: o.secret, SessionToken: o.token}
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), o.service, o.region, o.at)
	require.NoError(t, err)
}

// serverSide turns a client request into what an http.Handler receives, by
// writing it to the wire and reading it back.
func serverSide(t testing.TB, req *http.Request) (*http.Request, []byte) {
	t.Helper()
	var wire bytes.Buffer
	require.NoError(t, req.Write(&wire))
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	require.NoError(t, err)
	var body bytes.Buffer
	_, err = body.ReadFrom(got.Body)
	require.NoError(t, err)
	return got, body.Bytes()
}

func signedRequest(t testing.TB, o signOpts) (*http.Request, []byte) {
	t.Helper()
	req := clientRequest(t, testBody)
	sign(t, req, testBody, o)
	return serverSide(t, req)
}

func TestVerifyAcceptsSDKSignedRequests(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*signOpts)
		cfg  func(*Config)
	}{
		{name: "signed now", mod: func(*signOpts) {}},
		{name: "signed 14 minutes ago", mod: func(o *signOpts) { o.at = testNow.Add(-14 * time.Minute) }},
		{name: "signed 14 minutes ahead", mod: func(o *signOpts) { o.at = testNow.Add(14 * time.Minute) }},
		{name: "any region when none configured", mod: func(o *signOpts) { o.region = "eu-west-2" },
			cfg: func(c *Config) { c.Region = "" }},
		{name: "session token matches", mod: func(o *signOpts) { o.token = "session-token-1" },
			cfg: func(c *Config) {
				c.Keys[testKeyID] = Credentials{SecretAccessKey: testSecret, SessionToken: "session-token-1"}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := defaultSignOpts()
			tc.mod(&o)
			r, body := signedRequest(t, o)
			id, err := testVerifier(tc.cfg).Verify(r, body)
			require.NoError(t, err)
			require.Equal(t, testKeyID, id)
		})
	}
}

func TestVerifyAcceptsPathAndQuery(t *testing.T) {
	req, err := http.NewRequest(http.MethodPost, "http://localhost:8000/a%20b/c?z=1&a=x%2By&a=b", strings.NewReader(testBody))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Set("X-Custom", "  two   spaces  ")
	sign(t, req, testBody, defaultSignOpts())
	r, body := serverSide(t, req)
	id, err := testVerifier(nil).Verify(r, body)
	require.NoError(t, err)
	require.Equal(t, testKeyID, id)
}

func TestVerifyAcceptsPresignedQuery(t *testing.T) {
	req := clientRequest(t, testBody)
	sum := sha256.Sum256([]byte(testBody))
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "300")
	req.URL.RawQuery = q.Encode()
	signedURL, headers, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req,
		hex.EncodeToString(sum[:]), "dynamodb", testRegion, testNow.Add(-2*time.Minute))
	require.NoError(t, err)
	get, err := http.NewRequest(http.MethodPost, signedURL, strings.NewReader(testBody))
	require.NoError(t, err)
	get.Header = headers
	r, body := serverSide(t, get)
	id, err := testVerifier(nil).Verify(r, body)
	require.NoError(t, err)
	require.Equal(t, testKeyID, id)

	// The same URL past its five minutes of validity.
	late := testVerifier(func(c *Config) { c.Now = func() time.Time { return testNow.Add(4 * time.Minute) } })
	_, err = late.Verify(r, body)
	var invalid *InvalidSignatureException
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "Signature expired: 20260102T030205Z is now earlier than 20260102T030305Z (20260102T030805Z - 300 sec.)",
		invalid.Message)

	// A tampered presigned body.
	_, err = testVerifier(nil).Verify(r, []byte(testBody+" "))
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, MsgSignatureMismatch, invalid.Message)
}

// wantErr names the exception and message a rejected request gets.
type wantErr struct {
	code, msg string
}

func requireAPIError(t *testing.T, err error, want wantErr) {
	t.Helper()
	require.Error(t, err)
	var api interface {
		ErrorCode() string
		ErrorMessage() string
		Retryable() bool
	}
	require.True(t, errors.As(err, &api), "error %T is not an API error", err)
	require.Equal(t, want.code, api.ErrorCode())
	require.Equal(t, want.msg, api.ErrorMessage())
	require.False(t, api.Retryable())
	require.Equal(t, want.code+": "+want.msg, err.Error())
}

func TestVerifyRejectsSignedRequests(t *testing.T) {
	const expiredAt = "20260102T024405Z" // 20 minutes before testNow
	cases := []struct {
		name   string
		sign   func(*signOpts)
		tamper func(r *http.Request, body []byte) []byte
		cfg    func(*Config)
		want   wantErr
	}{
		{name: "wrong secret", sign: func(o *signOpts) { o.secret = "not-the-secret" },
			want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "unknown access key", sign: func(o *signOpts) { o.keyID = "AKIDUNKNOWN" },
			want: wantErr{"UnrecognizedClientException", MsgInvalidToken}},
		{name: "tampered body", tamper: func(_ *http.Request, body []byte) []byte {
			return bytes.Replace(body, []byte("Music"), []byte("Mus1c"), 1)
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "tampered signed header", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("X-Amz-Target", "DynamoDB_20120810.DeleteTable")
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "tampered host", tamper: func(r *http.Request, body []byte) []byte {
			r.Host = "evil.example.com"
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "tampered method", tamper: func(r *http.Request, body []byte) []byte {
			r.Method = http.MethodPut
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "declared payload hash does not match body", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "unsigned payload not allowed", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "signature not hex", tamper: func(r *http.Request, body []byte) []byte {
			auth := r.Header.Get("Authorization")
			i := strings.Index(auth, "Signature=")
			r.Header.Set("Authorization", auth[:i]+"Signature=zz")
			return body
		}, want: wantErr{"InvalidSignatureException", MsgSignatureMismatch}},
		{name: "expired date", sign: func(o *signOpts) { o.at = testNow.Add(-20 * time.Minute) },
			want: wantErr{"InvalidSignatureException", "Signature expired: " + expiredAt +
				" is now earlier than 20260102T024905Z (20260102T030405Z - 15 min.)"}},
		{name: "future date beyond skew", sign: func(o *signOpts) { o.at = testNow.Add(16 * time.Minute) },
			want: wantErr{"InvalidSignatureException", "Signature not yet current: 20260102T032005Z" +
				" is still later than 20260102T031905Z (20260102T030405Z + 15 min.)"}},
		{name: "wrong service", sign: func(o *signOpts) { o.service = "s3" },
			want: wantErr{"InvalidSignatureException", "Credential should be scoped to correct service: 'dynamodb'."}},
		{name: "wrong region", sign: func(o *signOpts) { o.region = "eu-west-1" },
			want: wantErr{"InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'."}},
		{name: "wrong region and service", sign: func(o *signOpts) { o.region, o.service = "eu-west-1", "sqs" },
			want: wantErr{"InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. " +
				"Credential should be scoped to correct service: 'dynamodb'."}},
		{name: "scope date differs from request date", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20260102/", "/20260101/", 1))
			return body
		}, want: wantErr{"InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 " +
			"version of date from HTTP: '20260101' != '20260102', from '20260102T030405Z'."}},
		{name: "bad terminator", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "aws4_request", "aws4_reqest", 1))
			return body
		}, want: wantErr{"InvalidSignatureException",
			"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'."}},
		{name: "host not signed", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=x;", 1))
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
			return body
		}, want: wantErr{"InvalidSignatureException", MsgHostNotSigned}},
		{name: "unsupported algorithm", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), Algorithm, "AWS4-HMAC-SHA25", 1))
			return body
		}, want: wantErr{"IncompleteSignatureException",
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "}},
		{name: "session token missing", cfg: func(c *Config) {
			c.Keys[testKeyID] = Credentials{SecretAccessKey: testSecret, SessionToken: "tok"}
		}, want: wantErr{"UnrecognizedClientException", MsgInvalidSessionToken}},
		{name: "session token not expected", sign: func(o *signOpts) { o.token = "tok" },
			want: wantErr{"UnrecognizedClientException", MsgInvalidSessionToken}},
		{name: "bad date format", tamper: func(r *http.Request, body []byte) []byte {
			r.Header.Set("X-Amz-Date", "201")
			return body
		}, want: wantErr{"IncompleteSignatureException",
			"Date must be in ISO-8601 'basic format'. Got '201'. See http://en.wikipedia.org/wiki/ISO_8601"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := defaultSignOpts()
			if tc.sign != nil {
				tc.sign(&o)
			}
			r, body := signedRequest(t, o)
			if tc.tamper != nil {
				body = tc.tamper(r, body)
			}
			_, err := testVerifier(tc.cfg).Verify(r, body)
			requireAPIError(t, err, tc.want)
		})
	}
}

func TestVerifyRejectsMalformedAuthentication(t *testing.T) {
	const date = "20260102T030405Z"
	allMissing := "Authorization header requires 'Credential' parameter. " +
		"Authorization header requires 'Signature' parameter. " +
		"Authorization header requires 'SignedHeaders' parameter. "
	cases := []struct {
		name    string
		url     string
		headers map[string]string
		want    wantErr
	}{
		{name: "no authorization", want: wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "authorization without AWS4- prefix", headers: map[string]string{"Authorization": "AWS4"},
			want: wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "basic authorization", headers: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"},
			want: wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "misspelt query parameter is no query signature", url: "/?X-Amz-Algorith",
			headers: map[string]string{"Authorization": "X"},
			want:    wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "all query parameters but the algorithm",
			url:  "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d",
			want: wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "header and query", url: "/?X-Amz-Algorithm", headers: map[string]string{"Authorization": "X"},
			want: wantErr{"InvalidSignatureException", MsgBothAuthMethods}},
		{name: "bare AWS4- header", headers: map[string]string{"Authorization": "AWS4-"},
			want: wantErr{"IncompleteSignatureException", allMissing +
				"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-"}},
		{name: "space separated parts", headers: map[string]string{"Authorization": "AWS4- Signature=b Credential=a", "Date": "a"},
			want: wantErr{"IncompleteSignatureException",
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b Credential=a"}},
		{name: "comma separated parts", headers: map[string]string{"Authorization": "AWS4- Signature=b,Credential=a", "Date": "a"},
			want: wantErr{"IncompleteSignatureException",
				"Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4- Signature=b,Credential=a"}},
		{name: "empty algorithm query", url: "/?X-Amz-Algorithm",
			want: wantErr{"IncompleteSignatureException", "AWS query-string parameters must include 'X-Amz-Algorithm'. " +
				"AWS query-string parameters must include 'X-Amz-Credential'. " +
				"AWS query-string parameters must include 'X-Amz-Signature'. " +
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
				"AWS query-string parameters must include 'X-Amz-Date'. " +
				"Re-examine the query-string parameters."}},
		{name: "query without signed headers", url: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d",
			want: wantErr{"IncompleteSignatureException", "AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
				"Re-examine the query-string parameters."}},
		{name: "presigned expiry not a number", url: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d&X-Amz-Expires=soon",
			want: wantErr{"IncompleteSignatureException", "X-Amz-Expires should be a number"}},
		{name: "presigned expiry negative", url: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d&X-Amz-Expires=-1",
			want: wantErr{"IncompleteSignatureException", "X-Amz-Expires must be non-negative"}},
		{name: "presigned expiry beyond a week", url: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d&X-Amz-Expires=9223372036854775807",
			want: wantErr{"IncompleteSignatureException", "X-Amz-Expires must be less than a week (in seconds) that is 604800"}},
		{name: "presigned with a bad date", url: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d",
			want: wantErr{"IncompleteSignatureException", "Date must be in ISO-8601 'basic format'. Got 'd'. See http://en.wikipedia.org/wiki/ISO_8601"}},
		{name: "credential with four parts", headers: map[string]string{
			"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/, SignedHeaders=host, Signature=00", "X-Amz-Date": date},
			want: wantErr{"IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, " +
				"e.g. keyid/date/region/service/term, got 'a/b/c/d'"}},
		{name: "bad scope reported together", headers: map[string]string{
			"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00", "X-Amz-Date": date},
			want: wantErr{"InvalidSignatureException", "Credential should be scoped to a valid region, not 'c'. " +
				"Credential should be scoped to correct service: 'dynamodb'. " +
				"Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. " +
				"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: " +
				"'b' != '20260102', from '20260102T030405Z'."}},
		{name: "RFC 1123 Date header outside the window", headers: map[string]string{
			"Authorization": "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
			"Date":          "Fri, 02 Jan 2026 01:00:00 GMT"},
			want: wantErr{"InvalidSignatureException", "Signature expired: 20260102T010000Z is now earlier than " +
				"20260102T024905Z (20260102T030405Z - 15 min.)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPost, "http://localhost:8000"+tc.url, strings.NewReader("{}"))
			require.NoError(t, err)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			r, body := serverSide(t, r)
			_, err = testVerifier(nil).Verify(r, body)
			requireAPIError(t, err, tc.want)
		})
	}
}

func TestVerifyAcceptAnyCredentials(t *testing.T) {
	anyCreds := func(c *Config) { c.AcceptAnyCredentials = true; c.Keys = nil }
	cases := []struct {
		name    string
		request func(t *testing.T) (*http.Request, []byte)
		wantID  string
		want    *wantErr
	}{
		{name: "unknown key, wrong secret, old date, other region", wantID: "fakeKey",
			request: func(t *testing.T) (*http.Request, []byte) {
				return signedRequest(t, signOpts{keyID: "fakeKey", secret: "x", service: "dynamodb",
					region: "local", at: testNow.Add(-48 * time.Hour)})
			}},
		{name: "tampered body still accepted", wantID: testKeyID,
			request: func(t *testing.T) (*http.Request, []byte) {
				r, _ := signedRequest(t, defaultSignOpts())
				return r, []byte("{}")
			}},
		{name: "missing authorization",
			request: func(t *testing.T) (*http.Request, []byte) { return serverSide(t, clientRequest(t, testBody)) },
			want:    &wantErr{"MissingAuthenticationTokenException", MsgMissingToken}},
		{name: "access key with a hyphen",
			request: func(t *testing.T) (*http.Request, []byte) {
				o := defaultSignOpts()
				o.keyID = "fake-key"
				return signedRequest(t, o)
			},
			want: &wantErr{"UnrecognizedClientException", MsgInvalidAccessKeyID}},
		{name: "incomplete header",
			request: func(t *testing.T) (*http.Request, []byte) {
				r := clientRequest(t, testBody)
				r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=a/b/c/d/e")
				r.Header.Set("X-Amz-Date", "20260102T030405Z")
				return serverSide(t, r)
			},
			want: &wantErr{"IncompleteSignatureException", "Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. " +
				"Authorization=AWS4-HMAC-SHA256 Credential=a/b/c/d/e"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, body := tc.request(t)
			id, err := testVerifier(anyCreds).Verify(r, body)
			if tc.want != nil {
				requireAPIError(t, err, *tc.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantID, id)
		})
	}
}

func TestVerifyUnsignedPayloadWhenAllowed(t *testing.T) {
	req := clientRequest(t, testBody)
	req.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	creds := aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, UnsignedPayload,
		"dynamodb", testRegion, testNow))
	r, body := serverSide(t, req)
	v := testVerifier(func(c *Config) { c.AllowUnsignedPayload = true })
	id, err := v.Verify(r, []byte("anything at all"))
	require.NoError(t, err)
	require.Equal(t, testKeyID, id)
	_, err = testVerifier(nil).Verify(r, body)
	requireAPIError(t, err, wantErr{"InvalidSignatureException", MsgSignatureMismatch})
}

func TestVerifySigningKeyCacheFollowsScope(t *testing.T) {
	v := testVerifier(nil)
	for day := range 3 {
		at := testNow.Add(time.Duration(day) * 24 * time.Hour)
		v.now = func() time.Time { return at }
		o := defaultSignOpts()
		o.at = at
		r, body := signedRequest(t, o)
		_, err := v.Verify(r, body)
		require.NoError(t, err, "day %d", day)
	}
	require.Len(t, v.cache, 3)
}

func BenchmarkVerify(b *testing.B) {
	v := testVerifier(nil)
	r, body := signedRequest(b, defaultSignOpts())
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	start := processCPU()
	for b.Loop() {
		if _, err := v.Verify(r, body); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}
