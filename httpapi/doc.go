// Package httpapi serves DynamoDB's HTTP API, so that code written against
// DynamoDB — the AWS SDKs, the AWS CLI, tools that speak the protocol —
// works against this database unchanged.
//
// A Handler is an http.Handler. It speaks DynamoDB's JSON protocol
// (version 1.0): a POST whose X-Amz-Target header names the operation
// (DynamoDB_20120810.PutItem) and whose body is the operation's input as
// JSON, signed with AWS Signature Version 4. It decodes the input as
// DynamoDB's request parser does — a member of the wrong JSON type is a
// SerializationException with the parser's text, unknown members are
// ignored — calls the api.Service with the request's context, and encodes
// the output or the error in DynamoDB's shapes: the error envelope
// {"__type": "...#Exception", "message": "..."} with HTTP 400 for client
// errors, 500 for InternalServerError and 503 for ServiceUnavailable.
// Every response carries x-amzn-RequestId and x-amz-crc32, the CRC32 of the
// body as sent, which the SDKs check.
//
// Operations: PutItem, GetItem, UpdateItem, DeleteItem, Query, Scan,
// BatchGetItem, BatchWriteItem, CreateTable, DescribeTable, UpdateTable,
// DeleteTable, ListTables, TagResource, UntagResource, ListTagsOfResource,
// and, answered by the Handler itself, DescribeLimits (DynamoDB's default
// quotas) and DescribeEndpoints (the host the request was sent to).
//
// Outside the operations the Handler answers as DynamoDB does: GET is a
// health check ("healthy: dynamodb.<region>.amazonaws.com "); other
// methods, and bodies of a content type other than application/json or
// application/x-amz-json-1.0, get HTTP 404 "<UnknownOperationException/>";
// a body of 16 MiB or more gets HTTP 413. Request bodies may be gzipped
// (Content-Encoding: gzip), and responses are gzipped for clients that
// accept it. Requests from browsers (with an Origin header) get DynamoDB's
// CORS answers.
//
// Authentication: Options.Credentials lists the access keys and secrets
// the Handler accepts. With none, Options.AllowAnyCredentials accepts any
// key and secret as DynamoDB Local does, but a request must still be
// signed: a missing Authorization header is a
// MissingAuthenticationTokenException, as from DynamoDB.
package httpapi
