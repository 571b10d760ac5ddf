package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestValueRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		json string
		want attr.Value
	}{
		{"string", `{"S":"hello"}`, attr.S("hello")},
		{"empty string", `{"S":""}`, attr.S("")},
		{"string with escapes", `{"S":"a\"b\\c\nd\te\u0001f\u00e9\ud83d\ude00"}`, attr.S("a\"b\\c\nd\te\x01fé😀")},
		{"number kept as text", `{"N":"1.50"}`, attr.N("1.50")},
		{"number with exponent", `{"N":"-6.02E23"}`, attr.N("-6.02E23")},
		{"binary", `{"B":"AAEC/w=="}`, attr.B([]byte{0, 1, 2, 255})},
		{"empty binary", `{"B":""}`, attr.B([]byte{})},
		{"bool true", `{"BOOL":true}`, attr.Bool(true)},
		{"bool false", `{"BOOL":false}`, attr.Bool(false)},
		{"null", `{"NULL":true}`, attr.Null()},
		{"map", `{"M":{"a":{"S":"x"},"b":{"N":"2"}}}`, attr.M(map[string]attr.Value{"a": attr.S("x"), "b": attr.N("2")})},
		{"empty map", `{"M":{}}`, attr.M(nil)},
		{"list", `{"L":[{"S":"x"},{"NULL":true},{"L":[]}]}`, attr.L(attr.S("x"), attr.Null(), attr.L())},
		{"empty list", `{"L":[]}`, attr.L()},
		{"string set", `{"SS":["a","b"]}`, attr.SS("a", "b")},
		{"number set", `{"NS":["1","2.5"]}`, attr.NS("1", "2.5")},
		{"binary set", `{"BS":["AQ==","Ag=="]}`, attr.BS([]byte{1}, []byte{2})},
		{"nested", `{"M":{"l":{"L":[{"M":{"s":{"SS":["x"]}}}]}}}`, attr.M(map[string]attr.Value{
			"l": attr.L(attr.M(map[string]attr.Value{"s": attr.SS("x")}))})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeValue([]byte(tc.json))
			require.NoError(t, err)
			require.True(t, attr.Equal(tc.want, got), "decoded %s, want %s", got, tc.want)
			encoded := AppendValue(nil, got)
			again, err := DecodeValue(encoded)
			require.NoError(t, err)
			require.True(t, attr.Equal(got, again), "re-decoded %s from %s", again, encoded)
			// encoding/json agrees that the output is JSON and has the same
			// content as the input.
			var in, out any
			require.NoError(t, json.Unmarshal([]byte(tc.json), &in))
			require.NoError(t, json.Unmarshal(encoded, &out))
			require.Equal(t, in, out)
		})
	}
}

func TestDecodeAcceptsLooseInput(t *testing.T) {
	cases := []struct {
		name string
		json string
		want attr.Value
	}{
		{"whitespace everywhere", " { \"S\" :\t\"x\" \n} ", attr.S("x")},
		{"unknown member ignored", `{"X":{"deep":[1,2,{"a":null}]},"S":"x","Y":-1.5e3}`, attr.S("x")},
		{"null member is absent", `{"S":null,"N":"1"}`, attr.N("1")},
		{"duplicate type member keeps the last", `{"S":"a","S":"b"}`, attr.S("b")},
		{"bool from string", `{"BOOL":"TRUE"}`, attr.Bool(true)},
		{"bool from yes", `{"BOOL":"yes"}`, attr.Bool(true)},
		{"bool from 0", `{"BOOL":"0"}`, attr.Bool(false)},
		{"null from string", `{"NULL":"true"}`, attr.Null()},
		{"null set members dropped", `{"SS":["a",null,"b"]}`, attr.SS("a", "b")},
		{"escaped solidus", `{"S":"a\/b"}`, attr.S("a/b")},
		{"invalid UTF-8 replaced", "{\"S\":\"a\xffb\"}", attr.S("a\uFFFDb")},
		{"lone surrogate replaced", `{"S":"\ud800x"}`, attr.S("\uFFFDx")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeValue([]byte(tc.json))
			require.NoError(t, err)
			require.True(t, attr.Equal(tc.want, got), "decoded %s, want %s", got, tc.want)
		})
	}
}

func TestDecodeItem(t *testing.T) {
	item, err := DecodeItem([]byte(`{"id":{"S":"k"},"n":{"N":"3"},"tags":{"SS":["a"]}}`))
	require.NoError(t, err)
	require.True(t, attr.ItemsEqual(attr.Item{"id": attr.S("k"), "n": attr.N("3"), "tags": attr.SS("a")}, item))

	empty, err := DecodeItem([]byte(`{}`))
	require.NoError(t, err)
	require.NotNil(t, empty)
	require.Empty(t, empty)

	null, err := DecodeItem([]byte(`null`))
	require.NoError(t, err)
	require.Nil(t, null)

	items, err := DecodeItems([]byte(`[{"a":{"S":"1"}},{},{"b":{"BOOL":false}}]`))
	require.NoError(t, err)
	require.Len(t, items, 3)
	require.True(t, attr.ItemsEqual(attr.Item{"b": attr.Bool(false)}, items[2]))
	require.JSONEq(t, `[{"a":{"S":"1"}},{},{"b":{"BOOL":false}}]`, string(AppendItems(nil, items)))

	none, err := DecodeItems([]byte(` null `))
	require.NoError(t, err)
	require.Nil(t, none)
}

func TestDecodeRejects(t *testing.T) {
	const (
		ser = "SerializationException"
		val = "ValidationException"
	)
	cases := []struct {
		name string
		json string
		code string
		msg  string
	}{
		// Values without exactly one type.
		{"no type", `{}`, val, MsgEmptyValue},
		{"only unknown members", `{"X":"a"}`, val, MsgEmptyValue},
		{"only a null member", `{"S":null}`, val, MsgEmptyValue},
		{"two types", `{"S":"a","N":"1"}`, val, MsgMultipleTypes},
		{"null false", `{"NULL":false}`, val, MsgNullFalse},
		{"null false wins over two types", `{"NULL":false,"S":"a"}`, val, MsgNullFalse},
		{"empty value in a list", `{"L":[{}]}`, val, MsgEmptyValue},
		{"null element in a list", `{"L":[null]}`, val, MsgEmptyValue},
		{"empty value in a map", `{"M":{"a":{}}}`, val, MsgEmptyValue},
		{"too deep", strings.Repeat(`{"L":[`, MaxDecodeDepth+1) + `{"S":"x"}` + strings.Repeat(`]}`, MaxDecodeDepth+1),
			val, itemcheck.MsgNesting},

		// S and N members of the wrong JSON type.
		{"S true", `{"S":true}`, ser, "TRUE_VALUE cannot be converted to String"},
		{"S false", `{"S":false}`, ser, "FALSE_VALUE cannot be converted to String"},
		{"S integer", `{"S":23}`, ser, "NUMBER_VALUE cannot be converted to String"},
		{"S negative integer", `{"S":-2147483648}`, ser, "NUMBER_VALUE cannot be converted to String"},
		{"S decimal", `{"S":34.56}`, ser, "DECIMAL_VALUE cannot be converted to String"},
		{"S exponent", `{"S":1e5}`, ser, "DECIMAL_VALUE cannot be converted to String"},
		{"S list", `{"S":[]}`, ser, "Unrecognized collection type class java.lang.String"},
		{"S map", `{"S":{}}`, ser, "Start of structure or map found where not expected"},
		{"N integer", `{"N":5}`, ser, "NUMBER_VALUE cannot be converted to String"},
		{"SS member integer", `{"SS":["a",1]}`, ser, "NUMBER_VALUE cannot be converted to String"},
		{"NS member decimal", `{"NS":[1.5]}`, ser, "DECIMAL_VALUE cannot be converted to String"},

		// BOOL and NULL.
		{"BOOL other string", `{"BOOL":"23"}`, ser, "Unexpected token received from parser"},
		{"BOOL integer", `{"BOOL":23}`, ser, "NUMBER_VALUE cannot be converted to Boolean"},
		{"BOOL decimal", `{"BOOL":34.56}`, ser, "DECIMAL_VALUE cannot be converted to Boolean"},
		{"BOOL list", `{"BOOL":[]}`, ser, "Unrecognized collection type class java.lang.Boolean"},
		{"BOOL map", `{"BOOL":{}}`, ser, "Start of structure or map found where not expected"},
		{"NULL integer", `{"NULL":1}`, ser, "NUMBER_VALUE cannot be converted to Boolean"},
		{"NULL from no", `{"NULL":"no"}`, val, MsgNullFalse},

		// B and BS.
		{"B true", `{"B":true}`, ser, "only base-64-encoded strings are convertible to bytes"},
		{"B integer", `{"B":23}`, ser, "only base-64-encoded strings are convertible to bytes"},
		{"B list", `{"B":[]}`, ser, "Unrecognized collection type class java.nio.ByteBuffer"},
		{"B map", `{"B":{}}`, ser, "Start of structure or map found where not expected"},
		{"B bad length", `{"B":"23456"}`, ser, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{"B leading padding", `{"B":"=+/="}`, ser, "Invalid last non-pad Base64 character dectected"},
		{"B stray bits before padding", `{"B":"+/+="}`, ser, "Invalid last non-pad Base64 character dectected"},
		{"B stray bits before two pads", `{"B":"AB=="}`, ser, "Invalid last non-pad Base64 character dectected"},
		{"B character outside the alphabet", `{"B":"ab!d"}`, ser, "Invalid Base64 character: '!'"},
		{"B URL alphabet", `{"B":"ab-_"}`, ser, "Invalid Base64 character: '_'"},
		{"BS member bad length", `{"BS":["AQ==","abc"]}`, ser, "Base64 encoded length is expected a multiple of 4 bytes but found: 3"},

		// Lists and maps of the wrong JSON type.
		{"SS string", `{"SS":"a"}`, ser, "Unexpected field type"},
		{"NS map", `{"NS":{}}`, ser, "Start of structure or map found where not expected"},
		{"L integer", `{"L":1}`, ser, "Unexpected field type"},
		{"M string", `{"M":"a"}`, ser, "Unexpected field type"},
		{"M list", `{"M":[]}`, ser,
			"Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		{"list element string", `{"L":["a"]}`, ser, "Unexpected value type in payload"},
		{"list element list", `{"L":[[]]}`, ser, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{"map member true", `{"M":{"a":true}}`, ser, "Unexpected value type in payload"},
		{"value is a string", `"S"`, ser, "Unexpected value type in payload"},

		// Serialization errors win over validation errors before them.
		{"serialization after an empty value", `{"L":[{},{"S":1}]}`, ser, "NUMBER_VALUE cannot be converted to String"},

		// Not JSON.
		{"empty input", ``, ser, ""},
		{"unterminated object", `{"S":"a"`, ser, ""},
		{"unterminated string", `{"S":"a}`, ser, ""},
		{"trailing garbage", `{"S":"a"} x`, ser, ""},
		{"trailing comma", `{"S":"a",}`, ser, ""},
		{"missing colon", `{"S" "a"}`, ser, ""},
		{"bad escape", `{"S":"\x"}`, ser, ""},
		{"bad unicode escape", `{"S":"\u12G4"}`, ser, ""},
		{"control character in string", "{\"S\":\"a\x01\"}", ser, ""},
		{"leading zero", `{"X":01,"S":"a"}`, ser, ""},
		{"bad literal", `{"BOOL":tru}`, ser, ""},
		{"bad literal in skipped member", `{"X":nul,"S":"a"}`, ser, ""},
		{"unbalanced skipped member", `{"X":[1,2},"S":"a"}`, ser, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeValue([]byte(tc.json))
			require.Error(t, err)
			require.False(t, v.IsValid())
			var api dberr.APIError
			require.True(t, errors.As(err, &api), "%T is not an API error", err)
			require.Equal(t, tc.code, api.ErrorCode())
			require.Equal(t, tc.msg, api.ErrorMessage())
		})
	}
}

func TestDecodeItemRejects(t *testing.T) {
	cases := []struct {
		name     string
		json     string
		code     string
		msg      string
		attrName string
	}{
		{"item is a string", `"a"`, "SerializationException", "Unexpected field type", ""},
		{"item is a list", `[]`, "SerializationException",
			"Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>", ""},
		{"attribute is a number", `{"a":1}`, "SerializationException", "Unexpected value type in payload", ""},
		{"attribute is null", `{"a":{"S":"x"},"b":null}`, "ValidationException", MsgEmptyValue, "b"},
		{"attribute with two types", `{"k":{"S":"x","BOOL":true}}`, "ValidationException", MsgMultipleTypes, "k"},
		{"first invalid attribute reported", `{"a":{},"b":{"NULL":false}}`, "ValidationException", MsgEmptyValue, "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeItem([]byte(tc.json))
			var api dberr.APIError
			require.True(t, errors.As(err, &api), "%v is not an API error", err)
			require.Equal(t, tc.code, api.ErrorCode())
			require.Equal(t, tc.msg, api.ErrorMessage())
			var ae *AttributeError
			if tc.attrName == "" {
				require.False(t, errors.As(err, &ae))
				return
			}
			require.True(t, errors.As(err, &ae))
			require.Equal(t, tc.attrName, ae.Name)
			require.Equal(t, "ValidationException: "+tc.msg, ae.Error())
		})
	}
	_, err := DecodeItems([]byte(`{}`))
	var ser *dberr.SerializationException
	require.ErrorAs(t, err, &ser)
	require.Equal(t, "Start of structure or map found where not expected", ser.Message)
	_, err = DecodeItems([]byte(`[{"a":{}}]`))
	var ae *AttributeError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "a", ae.Name)
}

func TestJSONTypes(t *testing.T) {
	type request struct {
		TableName string
		Item      Item
		Value     Value
	}
	var req request
	require.NoError(t, json.Unmarshal([]byte(`{"TableName":"T","Item":{"a":{"N":"1"}},"Value":{"S":"v"}}`), &req))
	require.Equal(t, "T", req.TableName)
	require.True(t, attr.ItemsEqual(attr.Item{"a": attr.N("1")}, attr.Item(req.Item)))
	require.True(t, attr.Equal(attr.S("v"), attr.Value(req.Value)))

	out, err := json.Marshal(req)
	require.NoError(t, err)
	require.JSONEq(t, `{"TableName":"T","Item":{"a":{"N":"1"}},"Value":{"S":"v"}}`, string(out))

	var nulls request
	require.NoError(t, json.Unmarshal([]byte(`{"Item":null,"Value":null}`), &nulls))
	require.Nil(t, nulls.Item)
	require.False(t, attr.Value(nulls.Value).IsValid())

	err = json.Unmarshal([]byte(`{"Item":{"a":{"S":1}}}`), &req)
	var ser *dberr.SerializationException
	require.ErrorAs(t, err, &ser)
	require.Equal(t, "NUMBER_VALUE cannot be converted to String", ser.Message)
	err = json.Unmarshal([]byte(`{"Value":{}}`), &req)
	var ve *dberr.ValidationException
	require.ErrorAs(t, err, &ve)
	require.Equal(t, MsgEmptyValue, ve.Message)
}

func TestEncode(t *testing.T) {
	cases := []struct {
		name string
		v    attr.Value
		want string
	}{
		{"string escapes", attr.S("q\"b\\n\nr\rt\tc\x01<&>é"), `{"S":"q\"b\\n\nr\rt\tc\u0001<&>é"}`},
		{"invalid UTF-8", attr.S("a\xffb"), `{"S":"a\ufffdb"}`},
		{"number as given", attr.N("1E+3"), `{"N":"1E+3"}`},
		{"binary standard base64", attr.B([]byte{0xfb, 0xff, 0xfe}), `{"B":"+//+"}`},
		{"map in name order", attr.M(map[string]attr.Value{"b": attr.Null(), "a": attr.Bool(false), "c": attr.L()}),
			`{"M":{"a":{"BOOL":false},"b":{"NULL":true},"c":{"L":[]}}}`},
		{"sets in given order", attr.NS("2", "1"), `{"NS":["2","1"]}`},
		{"binary set", attr.BS([]byte("a"), []byte("bc")), `{"BS":["YQ==","YmM="]}`},
		{"zero value", attr.Value{}, `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, string(AppendValue(nil, tc.v)))
		})
	}
	require.Equal(t, `{}`, string(AppendItem(nil, nil)))
	require.Equal(t, `[]`, string(AppendItems(nil, nil)))
}
