// Package sigv4 verifies AWS Signature Version 4 on the server side, the way
// DynamoDB authenticates the requests of its JSON protocol.
//
// A client (the AWS SDK) signs a request with a secret it shares with the
// service: it builds a canonical form of the request (method, path, query,
// the headers it chose to sign, the SHA-256 of the body), hashes it into a
// string to sign scoped to a date, region and service, and computes an
// HMAC-SHA256 with a key derived from the secret and that scope. A Verifier
// holds the secrets by access key ID, rebuilds the same canonical request
// from what arrived, derives the same key and compares the signatures in
// constant time. Both carriers are accepted: the Authorization header and
// presigned query parameters (X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Signature ...).
//
// # Checks, in DynamoDB's order
//
//  1. Both an Authorization header and an X-Amz-Algorithm query parameter:
//     InvalidSignatureException.
//  2. Neither, or a header that does not start with "AWS4-":
//     MissingAuthenticationTokenException.
//  3. Missing Credential, Signature, SignedHeaders or date (or missing query
//     parameters): IncompleteSignatureException listing every missing part.
//  4. A date not in ISO-8601 basic format: IncompleteSignatureException.
//  5. A date more than 15 minutes before or after the verifier's clock:
//     InvalidSignatureException ("Signature expired: ..." or "Signature not
//     yet current: ...").
//  6. Host not signed: InvalidSignatureException.
//  7. An algorithm other than AWS4-HMAC-SHA256, a credential without five
//     slash-separated parts: IncompleteSignatureException.
//  8. A credential scope with the wrong region, service, terminator or date:
//     InvalidSignatureException naming each mismatch.
//  9. An unknown access key ID or wrong session token:
//     UnrecognizedClientException.
//  10. A signature that does not match: InvalidSignatureException.
//
// The order and the message texts follow dynalite, whose connection tests
// were run against DynamoDB, and error reports quoting DynamoDB's answers
// (the clock-skew messages). Every one of these exceptions is sent with HTTP
// 400.
//
// # Accepting any credentials
//
// With Config.AcceptAnyCredentials the verifier behaves like DynamoDB Local:
// any access key ID and secret are accepted and the signature, scope and
// clock are not checked, but the request must still carry a well-formed
// signature (steps 1 to 3 and 7 above), and, as DynamoDB Local 2.x does, the
// access key ID must consist of letters and digits only
// (UnrecognizedClientException otherwise). Code that forgot to sign its
// requests fails here as it would against DynamoDB.
package sigv4
