package sigv4

// The authentication exceptions DynamoDB returns before it looks at a
// request's operation. DynamoDB answers every one of them with HTTP 400 and a
// __type in the com.amazon.coral.service namespace (dynalite's connection
// tests, run against DynamoDB, pin the status and the envelope). Each type
// implements the methods of internal/dberr's APIError, so the wire package
// encodes them like any other exception.

// Messages DynamoDB uses for authentication failures.
const (
	// MsgMissingToken is MissingAuthenticationTokenException's message.
	MsgMissingToken = "Request is missing Authentication Token"
	// MsgInvalidToken is UnrecognizedClientException's message for an
	// unknown access key ID or a wrong session token.
	MsgInvalidToken = "The security token included in the request is invalid."
	// MsgInvalidSessionToken is UnrecognizedClientException's message for a
	// correctly signed request whose X-Amz-Security-Token is wrong, missing
	// or unexpected; DynamoDB words it without the final period.
	MsgInvalidSessionToken = "The security token included in the request is invalid"
	// MsgInvalidAccessKeyID is UnrecognizedClientException's message, as
	// DynamoDB Local 2.x words it, for an access key ID that is not made of
	// letters and digits only. Used when any credentials are accepted.
	MsgInvalidAccessKeyID = "The Access Key ID or security token is invalid."
	// MsgSignatureMismatch is InvalidSignatureException's message for a
	// signature that does not match.
	MsgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	// MsgBothAuthMethods is InvalidSignatureException's message for a request
	// with both an Authorization header and an X-Amz-Algorithm query
	// parameter.
	MsgBothAuthMethods = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	// MsgHostNotSigned is InvalidSignatureException's message when the host
	// header is not among the signed headers.
	MsgHostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

// MissingAuthenticationTokenException reports a request with no
// Authorization header (or one not starting with "AWS4-") and no presigned
// query parameters.
type MissingAuthenticationTokenException struct{ Message string }

func (e *MissingAuthenticationTokenException) Error() string {
	return "MissingAuthenticationTokenException: " + e.Message
}

// ErrorCode returns "MissingAuthenticationTokenException".
func (e *MissingAuthenticationTokenException) ErrorCode() string {
	return "MissingAuthenticationTokenException"
}

// ErrorMessage returns the message.
func (e *MissingAuthenticationTokenException) ErrorMessage() string { return e.Message }

// Retryable returns false.
func (e *MissingAuthenticationTokenException) Retryable() bool { return false }

// IncompleteSignatureException reports an Authorization header or presigned
// query that lacks a part, or whose parts are malformed (date format,
// algorithm, credential shape).
type IncompleteSignatureException struct{ Message string }

func (e *IncompleteSignatureException) Error() string {
	return "IncompleteSignatureException: " + e.Message
}

// ErrorCode returns "IncompleteSignatureException".
func (e *IncompleteSignatureException) ErrorCode() string { return "IncompleteSignatureException" }

// ErrorMessage returns the message.
func (e *IncompleteSignatureException) ErrorMessage() string { return e.Message }

// Retryable returns false.
func (e *IncompleteSignatureException) Retryable() bool { return false }

// InvalidSignatureException reports a well-formed signature that does not
// verify: wrong secret, tampered request, wrong credential scope, or a date
// outside the allowed window.
type InvalidSignatureException struct{ Message string }

func (e *InvalidSignatureException) Error() string {
	return "InvalidSignatureException: " + e.Message
}

// ErrorCode returns "InvalidSignatureException".
func (e *InvalidSignatureException) ErrorCode() string { return "InvalidSignatureException" }

// ErrorMessage returns the message.
func (e *InvalidSignatureException) ErrorMessage() string { return e.Message }

// Retryable returns false.
func (e *InvalidSignatureException) Retryable() bool { return false }

// UnrecognizedClientException reports an access key ID the verifier does not
// know, or a session token that does not belong to it.
type UnrecognizedClientException struct{ Message string }

func (e *UnrecognizedClientException) Error() string {
	return "UnrecognizedClientException: " + e.Message
}

// ErrorCode returns "UnrecognizedClientException".
func (e *UnrecognizedClientException) ErrorCode() string { return "UnrecognizedClientException" }

// ErrorMessage returns the message.
func (e *UnrecognizedClientException) ErrorMessage() string { return e.Message }

// Retryable returns false.
func (e *UnrecognizedClientException) Retryable() bool { return false }
