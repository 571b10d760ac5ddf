package wire_test

import (
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/wire"
)

func ExampleDecodeItem() {
	item, err := wire.DecodeItem([]byte(`{"id":{"S":"u1"},"visits":{"N":"42"},"tags":{"SS":["a","b"]}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(item["id"].S(), item["visits"].N(), item["tags"].SS())
	fmt.Println(string(wire.AppendItem(nil, attr.Item{"ok": attr.Bool(true), "b": attr.B([]byte("hi"))})))

	_, err = wire.DecodeItem([]byte(`{"id":{"S":1}}`))
	var ser *dberr.SerializationException
	fmt.Println(errors.As(err, &ser), ser.Message)
	// Output:
	// u1 42 [a b]
	// {"b":{"B":"aGk="},"ok":{"BOOL":true}}
	// true NUMBER_VALUE cannot be converted to String
}

func ExampleEncodeError() {
	rec := httptest.NewRecorder()
	wire.EncodeError(rec, "EXAMPLEREQUESTID", &dberr.ResourceNotFoundException{Message: "Requested resource not found"})
	fmt.Println(rec.Code, rec.Header().Get("x-amzn-RequestId"), rec.Header().Get("x-amz-crc32"))
	fmt.Println(rec.Body.String())
	// Output:
	// 400 EXAMPLEREQUESTID 3737639027
	// {"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}
}
