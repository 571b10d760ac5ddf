package wire

import (
	"errors"
	"hash/crc32"
	"net/http"
	"strconv"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

// ContentType is the media type of DynamoDB's JSON protocol, for requests
// and responses.
const ContentType = "application/x-amz-json-1.0"

// Response headers.
const (
	HeaderRequestID = "x-amzn-RequestId"
	HeaderCRC32     = "x-amz-crc32"
)

// The __type namespaces DynamoDB puts before an exception's name. Exceptions
// of the DynamoDB API itself use the API's namespace; those raised by the
// request framework before the API runs use coral's (dynalite's tests, run
// against DynamoDB, record each).
const (
	nsDynamoDB     = "com.amazonaws.dynamodb.v20120810#"
	nsValidate     = "com.amazon.coral.validate#"
	nsService      = "com.amazon.coral.service#"
	nsAvailability = "com.amazon.coral.availability#"
)

// MsgInternalServerError is the message sent for an error that is not one
// of DynamoDB's exceptions; the error itself is not shown to the client.
const MsgInternalServerError = "Internal server error"

// shape is how one exception appears on the wire.
type shape struct {
	namespace  string
	status     int
	messageKey string // "message" or "Message"
}

// shapes lists the exceptions whose envelope differs from the default
// (the DynamoDB namespace, HTTP 400, "message").
var shapes = map[string]shape{
	"ValidationException":                 {nsValidate, http.StatusBadRequest, "message"},
	"SerializationException":              {nsService, http.StatusBadRequest, "Message"},
	"UnknownOperationException":           {nsService, http.StatusBadRequest, "message"},
	"AccessDeniedException":               {nsService, http.StatusBadRequest, "Message"},
	"MissingAuthenticationTokenException": {nsService, http.StatusBadRequest, "message"},
	"IncompleteSignatureException":        {nsService, http.StatusBadRequest, "message"},
	"InvalidSignatureException":           {nsService, http.StatusBadRequest, "message"},
	"UnrecognizedClientException":         {nsService, http.StatusBadRequest, "message"},
	"InternalFailure":                     {nsService, http.StatusInternalServerError, "message"},
	"ThrottlingException":                 {nsAvailability, http.StatusBadRequest, "message"},
	"TransactionCanceledException":        {nsDynamoDB, http.StatusBadRequest, "Message"},
	"InternalServerError":                 {nsDynamoDB, http.StatusInternalServerError, "message"},
	"ServiceUnavailable":                  {nsDynamoDB, http.StatusServiceUnavailable, "message"},
}

func shapeOf(code string) shape {
	if s, ok := shapes[code]; ok {
		return s
	}
	return shape{nsDynamoDB, http.StatusBadRequest, "message"}
}

// ErrorType returns the __type DynamoDB sends for the exception named code,
// such as "com.amazon.coral.validate#ValidationException".
func ErrorType(code string) string { return shapeOf(code).namespace + code }

// ErrorStatus returns the HTTP status DynamoDB sends for the exception named
// code: 400 for client errors, 500 for InternalServerError and
// InternalFailure, 503 for ServiceUnavailable.
func ErrorStatus(code string) int { return shapeOf(code).status }

// ErrorBody returns the HTTP status and JSON body DynamoDB sends for err. An
// error that is (or wraps) a dberr.APIError is sent as that exception, with
// the extra members the SDKs read (a ConditionalCheckFailedException's Item,
// a TransactionCanceledException's CancellationReasons); any other error is
// sent as InternalServerError without its text.
func ErrorBody(err error) (int, []byte) {
	var api dberr.APIError
	if !errors.As(err, &api) {
		api = &dberr.InternalServerError{Message: MsgInternalServerError}
	}
	code := api.ErrorCode()
	s := shapeOf(code)
	body := make([]byte, 0, 128)
	body = append(body, `{"__type":`...)
	body = appendString(body, s.namespace+code)
	if msg := api.ErrorMessage(); msg != "" {
		body = append(body, ',', '"')
		body = append(body, s.messageKey...)
		body = append(body, '"', ':')
		body = appendString(body, msg)
	}
	var ccf *dberr.ConditionalCheckFailedException
	var tce *dberr.TransactionCanceledException
	switch {
	case errors.As(err, &ccf) && ccf.Item != nil:
		body = append(body, `,"Item":`...)
		body = AppendItem(body, ccf.Item)
	case errors.As(err, &tce) && tce.CancellationReasons != nil:
		body = append(body, `,"CancellationReasons":[`...)
		for i, r := range tce.CancellationReasons {
			if i > 0 {
				body = append(body, ',')
			}
			body = append(body, `{"Code":`...)
			body = appendString(body, r.Code)
			if r.Message != "" {
				body = append(body, `,"Message":`...)
				body = appendString(body, r.Message)
			}
			if r.Item != nil {
				body = append(body, `,"Item":`...)
				body = AppendItem(body, r.Item)
			}
			body = append(body, '}')
		}
		body = append(body, ']')
	}
	return s.status, append(body, '}')
}

// EncodeError writes err as DynamoDB's error response: the status and body
// of ErrorBody, with the headers of EncodeResponse. requestID is the fresh
// ID the caller made for this request.
func EncodeError(w http.ResponseWriter, requestID string, err error) {
	status, body := ErrorBody(err)
	write(w, requestID, status, body)
}

// EncodeResponse writes a successful (HTTP 200) response with body, the
// headers the SDKs expect: Content-Type, Content-Length, x-amzn-RequestId
// and x-amz-crc32, the CRC32 (IEEE) of the body, which the SDKs verify.
func EncodeResponse(w http.ResponseWriter, requestID string, body []byte) {
	write(w, requestID, http.StatusOK, body)
}

func write(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(HeaderRequestID, requestID)
	h.Set(HeaderCRC32, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client has gone; nothing to tell it
}
