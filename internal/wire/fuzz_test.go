package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// FuzzDecodeValue checks that the decoder never panics, that every error is
// one of DynamoDB's exceptions, and that decode → encode → decode gives the
// same value and encoding is deterministic.
func FuzzDecodeValue(f *testing.F) {
	for _, seed := range []string{
		`{"S":"x"}`, `{"N":"-1.5E3"}`, `{"B":"AAEC/w=="}`, `{"BOOL":true}`, `{"NULL":true}`,
		`{"M":{"a":{"S":"x"},"b":{"L":[{"N":"1"},{"NULL":true}]}}}`, `{"L":[]}`,
		`{"SS":["a","b"]}`, `{"NS":["1"]}`, `{"BS":["AQ==",""]}`,
		`{}`, `{"S":"a","N":"1"}`, `{"NULL":false}`, `{"S":1}`, `{"B":"+/+="}`, `{"X":[{"y":null}],"S":"\u00e9\ud83d\ude00"}`,
		`{"BOOL":"yes"}`, `{"L":[{"L":[{"L":[{"M":{}}]}]}]}`, "{\"S\":\"a\xffb\"}", `{"S":"a"`, ` null `,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := DecodeValue(data)
		if err != nil {
			var api dberr.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %T %v is not an API error", err, err)
			}
			if code := api.ErrorCode(); code != "SerializationException" && code != "ValidationException" {
				t.Fatalf("unexpected exception %s", code)
			}
			if v.IsValid() {
				t.Fatalf("error %v with a value %s", err, v)
			}
		} else {
			checkRoundTrip(t, v)
		}
		// The same bytes as an item must not panic either, and a decoded
		// item must round-trip.
		item, err := DecodeItem(data)
		if err == nil {
			encoded := AppendItem(nil, item)
			again, err := DecodeItem(encoded)
			if err != nil {
				t.Fatalf("re-decoding item %s: %v", encoded, err)
			}
			if !attr.ItemsEqual(item, again) {
				t.Fatalf("item round trip changed %s into %s", item, again)
			}
		}
	})
}

func checkRoundTrip(t *testing.T, v attr.Value) {
	t.Helper()
	encoded := AppendValue(nil, v)
	if !json.Valid(encoded) {
		t.Fatalf("encoded %s is not JSON", encoded)
	}
	again, err := DecodeValue(encoded)
	if err != nil {
		t.Fatalf("re-decoding %s: %v", encoded, err)
	}
	if !attr.Equal(v, again) {
		t.Fatalf("round trip changed %s into %s", v, again)
	}
	if twice := AppendValue(nil, again); !bytes.Equal(encoded, twice) {
		t.Fatalf("encoding is not stable: %s then %s", encoded, twice)
	}
}
