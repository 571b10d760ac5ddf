package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/sigv4"
	"github.com/embeddynamo/dynamo/internal/wire"
)

// DefaultRegion is the region a Handler serves when Options.Region is empty.
const DefaultRegion = "us-east-1"

// MaxRequestBytes is the size from which DynamoDB refuses a request body
// with HTTP 413 and no body: a body of 16 MiB or more. dynalite's
// connection tests, run against DynamoDB, send 16 MiB - 1 bytes (accepted)
// and 16 MiB (refused). A gzip body is held to the same bound once
// decompressed.
const MaxRequestBytes = 16 << 20

// targetPrefix is the X-Amz-Target prefix of DynamoDB's current API.
const targetPrefix = "DynamoDB_20120810."

// Content types DynamoDB accepts for a request with a body. DynamoDB
// answers the JSON content type it was sent.
const (
	contentTypeAmzJSON = "application/x-amz-json-1.0"
	contentTypeJSON    = "application/json"
)

// notFoundBody is DynamoDB's answer (HTTP 404) to a method other than GET
// and POST, or a body with a content type it does not speak.
const notFoundBody = "<UnknownOperationException/>\n"

// The limits DescribeLimits reports: DynamoDB's default account and table
// quotas of read and write capacity units.
const (
	accountMaxCapacityUnits = 80000
	tableMaxCapacityUnits   = 40000
)

// corsMaxAgeSeconds is how long a browser may cache a preflight answer:
// two days, as DynamoDB answers.
const corsMaxAgeSeconds = "172800"

// endpointCachePeriodMinutes is DescribeEndpoints' CachePeriodInMinutes,
// as DynamoDB reports it.
const endpointCachePeriodMinutes = 1440

// Options configure a Handler. The zero Options serve region us-east-1 and
// accept no request: every signature names an unknown access key.
type Options struct {
	// Credentials maps access key IDs to their secret access keys; a
	// request must be signed (AWS Signature Version 4) with one of them.
	// These are long-term keys: a request carrying a session token
	// (X-Amz-Security-Token) is refused as DynamoDB refuses a wrong one.
	Credentials map[string]string
	// AllowAnyCredentials accepts any access key ID and secret, as DynamoDB
	// Local does, when Credentials is empty. A request must still carry a
	// well-formed signature: one without an Authorization header is a
	// MissingAuthenticationTokenException, as from DynamoDB, so code that
	// forgot to sign fails here too, and, as in DynamoDB Local 2.x, the
	// access key ID must be letters and digits only. Ignored when
	// Credentials is set.
	AllowAnyCredentials bool
	// Region is the region signatures must be scoped to and the one the
	// health check names. Empty means DefaultRegion.
	Region string
	// Now is the clock signature dates are checked against (a request
	// dated more than 15 minutes away is refused). Nil means time.Now.
	Now func() time.Time
}

// Handler serves DynamoDB's JSON protocol over an api.Service: the
// requests of the AWS SDKs (POST with X-Amz-Target
// DynamoDB_20120810.<Operation>), signed with AWS Signature Version 4.
// It is safe for concurrent use.
type Handler struct {
	svc      api.Service
	verifier *sigv4.Verifier
	region   string
}

// NewHandler returns a Handler that serves svc with opts. Every call to svc
// carries the request's context.
func NewHandler(svc api.Service, opts Options) *Handler {
	region := opts.Region
	if region == "" {
		region = DefaultRegion
	}
	cfg := sigv4.Config{
		Keys:                 make(map[string]sigv4.Credentials, len(opts.Credentials)),
		Region:               region,
		Now:                  opts.Now,
		AcceptAnyCredentials: opts.AllowAnyCredentials && len(opts.Credentials) == 0,
	}
	for id, secret := range opts.Credentials {
		cfg.Keys[id] = sigv4.Credentials{SecretAccessKey: secret}
	}
	return &Handler{svc: svc, verifier: sigv4.New(cfg), region: region}
}

// ServeHTTP answers one request as DynamoDB does, in DynamoDB's order of
// checks (dynalite's connection tests, run against DynamoDB, record it):
// the body size; the method and content type; that the body is JSON; the
// target; the signature; then the operation's input.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	w.Header().Set(wire.HeaderRequestID, requestID)

	raw, tooLarge, err := readBody(r.Body, r.ContentLength, MaxRequestBytes)
	if tooLarge {
		writeRaw(w, http.StatusRequestEntityTooLarge, "", nil)
		return
	}
	if err != nil {
		// The client went away mid-body; no one is listening.
		writeRaw(w, http.StatusBadRequest, "", nil)
		return
	}
	if r.Header.Get("Origin") != "" {
		// Browsers call DynamoDB across origins: every answer allows any
		// origin, and a preflight gets back what it asked for (dynalite's
		// connection tests record DynamoDB's preflight answer).
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			if v := r.Header.Get("Access-Control-Request-Headers"); v != "" {
				w.Header().Set("Access-Control-Allow-Headers", v)
			}
			if v := r.Header.Get("Access-Control-Request-Method"); v != "" {
				w.Header().Set("Access-Control-Allow-Methods", v)
			}
			w.Header().Set("Access-Control-Max-Age", corsMaxAgeSeconds)
			writeRaw(w, http.StatusOK, "", nil)
			return
		}
	}
	if r.Method == http.MethodGet {
		writeRaw(w, http.StatusOK, "text/plain", []byte("healthy: dynamodb."+h.region+".amazonaws.com "))
		return
	}
	contentType, known := mediaType(r.Header.Get("Content-Type"))
	if r.Method != http.MethodPost || len(raw) > 0 && !known {
		writeRaw(w, http.StatusNotFound, "", []byte(notFoundBody))
		return
	}
	rw := &responder{w: w, contentType: contentType, gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}

	body := raw
	if len(raw) > 0 && strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		body, tooLarge, err = gunzip(raw)
		if tooLarge {
			writeRaw(w, http.StatusRequestEntityTooLarge, "", nil)
			return
		}
		if err != nil {
			rw.error(&dberr.SerializationException{})
			return
		}
	}
	if len(body) > 0 && !json.Valid(body) {
		rw.error(&dberr.SerializationException{})
		return
	}
	op, ok := operations[strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)]
	if !ok || !strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) {
		rw.error(&dberr.UnknownOperationException{})
		return
	}
	if _, err := h.verifier.Verify(r, raw); err != nil {
		rw.error(err)
		return
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	switch kind(body) {
	case '{':
	case '[':
		// The request framework's text for a body that is a JSON list (a
		// DynamoDB client's report quotes it; captures from another service
		// of the same framework in 2026 agree).
		rw.error(&dberr.SerializationException{Message: "Start of list found where not expected"})
		return
	default:
		// No body, or a JSON scalar: nothing to read an input from, and no
		// message, as for text that is not JSON.
		rw.error(&dberr.SerializationException{})
		return
	}
	out, err := op(r.Context(), h, r, body)
	if err != nil {
		rw.error(err)
		return
	}
	rw.ok(out)
}

// operation serves one operation: it decodes body, calls the service and
// returns the encoded output.
type operation func(ctx context.Context, h *Handler, r *http.Request, body []byte) ([]byte, error)

// serve makes the operation that reads its input with decode, calls the
// service with call and writes the output with encode.
func serve[In, Out any](decode func(body []byte) (In, error), call func(api.Service, context.Context, In) (Out, error),
	encode func(b []byte, out Out) []byte) operation {
	return func(ctx context.Context, h *Handler, _ *http.Request, body []byte) ([]byte, error) {
		in, err := decode(body)
		if err != nil {
			return nil, err
		}
		out, err := call(h.svc, ctx, in)
		if err != nil {
			return nil, err
		}
		return encode(nil, out), nil
	}
}

var operations = map[string]operation{
	"PutItem": serve(decodePutItem, api.Service.PutItem, func(b []byte, out *api.PutItemOutput) []byte {
		return encodeWriteOutput(b, out.Attributes, out.ConsumedCapacity, out.ItemCollectionMetrics)
	}),
	"GetItem": serve(decodeGetItem, api.Service.GetItem, encodeGetItem),
	"UpdateItem": serve(decodeUpdateItem, api.Service.UpdateItem, func(b []byte, out *api.UpdateItemOutput) []byte {
		return encodeWriteOutput(b, out.Attributes, out.ConsumedCapacity, out.ItemCollectionMetrics)
	}),
	"DeleteItem": serve(decodeDeleteItem, api.Service.DeleteItem, func(b []byte, out *api.DeleteItemOutput) []byte {
		return encodeWriteOutput(b, out.Attributes, out.ConsumedCapacity, out.ItemCollectionMetrics)
	}),
	"Query": serve(decodeQuery, api.Service.Query, func(b []byte, out *api.QueryOutput) []byte {
		return encodePage(b, out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey, out.ConsumedCapacity)
	}),
	"Scan": serve(decodeScan, api.Service.Scan, func(b []byte, out *api.ScanOutput) []byte {
		return encodePage(b, out.Items, out.Count, out.ScannedCount, out.LastEvaluatedKey, out.ConsumedCapacity)
	}),
	"BatchGetItem":   serve(decodeBatchGetItem, api.Service.BatchGetItem, encodeBatchGetItem),
	"BatchWriteItem": serve(decodeBatchWriteItem, api.Service.BatchWriteItem, encodeBatchWriteItem),
	"CreateTable": serve(decodeCreateTable, api.Service.CreateTable, func(b []byte, out *catalog.CreateTableOutput) []byte {
		return encodeTable(b, "TableDescription", out.TableDescription)
	}),
	"DescribeTable": serve(func(body []byte) (*catalog.DescribeTableInput, error) {
		name, err := decodeTableName(body)
		return &catalog.DescribeTableInput{TableName: name}, err
	}, api.Service.DescribeTable, func(b []byte, out *catalog.DescribeTableOutput) []byte {
		return encodeTable(b, "Table", out.Table)
	}),
	"UpdateTable": serve(decodeUpdateTable, api.Service.UpdateTable, func(b []byte, out *catalog.UpdateTableOutput) []byte {
		return encodeTable(b, "TableDescription", out.TableDescription)
	}),
	"DeleteTable": serve(func(body []byte) (*catalog.DeleteTableInput, error) {
		name, err := decodeTableName(body)
		return &catalog.DeleteTableInput{TableName: name}, err
	}, api.Service.DeleteTable, func(b []byte, out *catalog.DeleteTableOutput) []byte {
		return encodeTable(b, "TableDescription", out.TableDescription)
	}),
	"ListTables": serve(decodeListTables, api.Service.ListTables, encodeListTables),
	"TagResource": func(ctx context.Context, h *Handler, _ *http.Request, body []byte) ([]byte, error) {
		in, err := decodeTagResource(body)
		if err != nil {
			return nil, err
		}
		if err := h.svc.TagResource(ctx, in); err != nil {
			return nil, err
		}
		return nil, nil // no output: an empty body
	},
	"UntagResource": func(ctx context.Context, h *Handler, _ *http.Request, body []byte) ([]byte, error) {
		in, err := decodeUntagResource(body)
		if err != nil {
			return nil, err
		}
		if err := h.svc.UntagResource(ctx, in); err != nil {
			return nil, err
		}
		return nil, nil // no output: an empty body
	},
	"ListTagsOfResource": serve(decodeListTagsOfResource, api.Service.ListTagsOfResource, encodeListTags),
	"DescribeLimits": func(context.Context, *Handler, *http.Request, []byte) ([]byte, error) {
		o := newObj(nil)
		o.int("AccountMaxReadCapacityUnits", accountMaxCapacityUnits)
		o.int("AccountMaxWriteCapacityUnits", accountMaxCapacityUnits)
		o.int("TableMaxReadCapacityUnits", tableMaxCapacityUnits)
		o.int("TableMaxWriteCapacityUnits", tableMaxCapacityUnits)
		return o.close(), nil
	},
	"DescribeEndpoints": func(_ context.Context, _ *Handler, r *http.Request, _ []byte) ([]byte, error) {
		o := newObj(nil)
		o.key("Endpoints")
		e := newObj(append(o.b, '['))
		e.strAlways("Address", r.Host)
		e.int("CachePeriodInMinutes", endpointCachePeriodMinutes)
		o.b = append(e.close(), ']')
		return o.close(), nil
	},
}

// newRequestID returns a request ID shaped like DynamoDB's: 52 random
// upper-case letters and digits.
func newRequestID() string {
	return rand.Text() + rand.Text() // 26 base32 characters each
}

// readBody reads at most limit bytes; tooLarge reports a body of limit
// bytes or more. size is the declared length (-1 when unknown), read in
// one allocation.
func readBody(r io.Reader, size, limit int64) (body []byte, tooLarge bool, err error) {
	if r == nil {
		return nil, false, nil
	}
	if size >= limit {
		return nil, true, nil
	}
	if size > 0 {
		body = make([]byte, size)
		n, err := io.ReadFull(r, body)
		if err != nil {
			return body[:n], false, err
		}
		var probe [1]byte
		if n, _ := r.Read(probe[:]); n == 0 {
			return body, false, nil
		}
		body = append(body, probe[0]) // longer than declared: read on
	}
	rest, err := io.ReadAll(io.LimitReader(r, limit-int64(len(body))))
	body = append(body, rest...)
	if int64(len(body)) >= limit {
		return nil, true, nil
	}
	return body, false, err
}

func gunzip(raw []byte) ([]byte, bool, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = zr.Close() }() // a reader over memory has nothing to release
	return readBody(zr, -1, MaxRequestBytes)
}

// mediaType returns the response content type for a request's Content-Type
// and whether DynamoDB reads a body of that type. Parameters after ';' and
// spaces around the type are ignored; no other type is read
// (application/x-amz-json-1.1 included: dynalite's connection tests record
// DynamoDB's 404 for it).
func mediaType(header string) (string, bool) {
	mt, _, _ := strings.Cut(header, ";")
	switch strings.TrimSpace(mt) {
	case contentTypeAmzJSON:
		return contentTypeAmzJSON, true
	case contentTypeJSON:
		return contentTypeJSON, true
	}
	return contentTypeJSON, false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.TrimSpace(params), "q=")
		if !found {
			return true
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
		return err == nil && f > 0
	}
	return false
}

// responder writes the JSON responses of one request.
type responder struct {
	w           http.ResponseWriter
	contentType string
	gzip        bool
}

func (rw *responder) ok(body []byte) { rw.write(http.StatusOK, body) }

func (rw *responder) error(err error) {
	status, body := wire.ErrorBody(err)
	rw.write(status, body)
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// write sends body, gzipped when the client accepts it. The x-amz-crc32
// header is the CRC32 of the bytes sent, gzipped or not, as the SDKs check
// it before decompressing.
func (rw *responder) write(status int, body []byte) {
	if rw.gzip && len(body) > 0 {
		var buf bytes.Buffer
		zw := gzipWriters.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(body) // writes to memory do not fail
		_ = zw.Close()
		gzipWriters.Put(zw)
		body = buf.Bytes()
		rw.w.Header().Set("Content-Encoding", "gzip")
	}
	writeRaw(rw.w, status, rw.contentType, body)
}

// writeRaw sends a response with the headers every DynamoDB response has:
// Content-Length and x-amz-crc32 (the request ID is already set).
func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(wire.HeaderCRC32, strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	_, _ = w.Write(body) // a failed write means the client has gone
}
