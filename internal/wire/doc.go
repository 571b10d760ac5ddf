// Package wire is DynamoDB's JSON protocol below the operations: attribute
// values in their JSON shape, and the error and response envelopes.
//
// # Attribute values
//
// An AttributeValue is a JSON object with exactly one member naming its type:
// {"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, {"BOOL":true}, {"NULL":true},
// {"M":{...}}, {"L":[...]}, {"SS":[...]}, {"NS":[...]}, {"BS":[...]}.
// DecodeValue, DecodeItem and DecodeItems read them into attr values with a
// hand-written scanner (the data plane decodes every request through it);
// AppendValue, AppendItem and AppendItems write them. Numbers stay text:
// checking and canonicalising them is internal/itemcheck's job, and the
// encoder writes them as given.
//
// Decoding follows DynamoDB's request parser, as dynalite's type tests (which
// ran against DynamoDB) record it:
//
//   - JSON of the wrong type for a member is a SerializationException with
//     the parser's text ("NUMBER_VALUE cannot be converted to String",
//     "Start of structure or map found where not expected", "Unexpected
//     value type in payload" ...). Text that is not JSON at all is a
//     SerializationException with no message.
//   - Base64 is checked as it is read: the length must be a multiple of 4,
//     then the last character before the padding must leave no stray bits,
//     then every character must be in the standard alphabet.
//   - A JSON null member counts as absent; members that name no type are
//     ignored.
//   - BOOL and NULL also take the strings true/false, yes/no and 1/0 in any
//     case, which DynamoDB's parser converts; other strings are rejected
//     ("Unexpected token received from parser").
//   - After the whole text has parsed, an AttributeValue with no type, more
//     than one type, or NULL false is a ValidationException. Serialization
//     errors win over validation errors anywhere in the text, because
//     DynamoDB parses the whole request before it validates.
//
// # Envelopes
//
// EncodeError writes an error as DynamoDB does: a JSON body
// {"__type":"<namespace>#<Exception>","message":"..."} with HTTP 400 for
// client errors, 500 for InternalServerError and 503 for ServiceUnavailable.
// The namespace depends on who raises the exception: the DynamoDB API
// (com.amazonaws.dynamodb.v20120810), input validation
// (com.amazon.coral.validate: ValidationException), the request framework
// (com.amazon.coral.service: SerializationException, UnknownOperation and the
// authentication exceptions) or the availability layer
// (com.amazon.coral.availability: ThrottlingException). SerializationException,
// AccessDeniedException and TransactionCanceledException spell the member
// "Message"; the others "message". Every response, success or error, carries
// x-amzn-RequestId and x-amz-crc32, the CRC32 of the body that the SDKs
// check.
package wire
