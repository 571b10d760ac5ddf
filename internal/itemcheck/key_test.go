package itemcheck

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

var (
	hashOnly  = KeySchema{Partition: KeyDef{Name: "pk", Type: attr.TypeS}}
	withRange = KeySchema{Partition: KeyDef{Name: "pk", Type: attr.TypeS}, Sort: &KeyDef{Name: "sk", Type: attr.TypeN}}
	binaryKey = KeySchema{Partition: KeyDef{Name: "pk", Type: attr.TypeB}, Sort: &KeyDef{Name: "sk", Type: attr.TypeB}}
	stringKey = KeySchema{Partition: KeyDef{Name: "pk", Type: attr.TypeS}, Sort: &KeyDef{Name: "sk", Type: attr.TypeS}}
)

func TestValidateItemKey(t *testing.T) {
	cases := []struct {
		name   string
		schema KeySchema
		item   attr.Item
		msg    string // "" when valid
	}{
		{"valid hash key", hashOnly, attr.Item{"pk": attr.S("a"), "x": attr.N("1")}, ""},
		{"valid composite key", withRange, attr.Item{"pk": attr.S("a"), "sk": attr.N("1")}, ""},
		{"missing partition key", hashOnly, attr.Item{"x": attr.S("a")}, "One or more parameter values were invalid: Missing the key pk in the item"},
		{"missing partition key in empty item", hashOnly, attr.Item{}, "One or more parameter values were invalid: Missing the key pk in the item"},
		{"missing sort key", withRange, attr.Item{"pk": attr.S("a")}, "One or more parameter values were invalid: Missing the key sk in the item"},
		{"partition key of wrong type", hashOnly, attr.Item{"pk": attr.N("1")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"partition key as a set", hashOnly, attr.Item{"pk": attr.SS("a")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: SS"},
		{"partition key as a map", hashOnly, attr.Item{"pk": attr.M(nil)}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: M"},
		{"sort key of wrong type", withRange, attr.Item{"pk": attr.S("a"), "sk": attr.S("1")}, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
		{"partition checked before sort", withRange, attr.Item{"pk": attr.N("1")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"empty string partition key", hashOnly, attr.Item{"pk": attr.S("")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"empty string sort key", stringKey, attr.Item{"pk": attr.S("a"), "sk": attr.S("")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk"},
		{"empty binary sort key", binaryKey, attr.Item{"pk": attr.B([]byte{1}), "sk": attr.B(nil)}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: sk"},
		{"partition key of 2048 bytes", hashOnly, attr.Item{"pk": attr.S(strings.Repeat("a", 2048))}, ""},
		{"partition key of 2049 bytes", hashOnly, attr.Item{"pk": attr.S(strings.Repeat("a", 2049))}, MsgPartitionKeyTooLarge},
		{"partition key counted in utf-8 bytes", hashOnly, attr.Item{"pk": attr.S(strings.Repeat("é", 1025))}, MsgPartitionKeyTooLarge},
		{"binary partition key of 2049 bytes", binaryKey, attr.Item{"pk": attr.B(make([]byte, 2049)), "sk": attr.B([]byte{1})}, MsgPartitionKeyTooLarge},
		{"sort key of 1024 bytes", stringKey, attr.Item{"pk": attr.S("a"), "sk": attr.S(strings.Repeat("b", 1024))}, ""},
		{"sort key of 1025 bytes", stringKey, attr.Item{"pk": attr.S("a"), "sk": attr.S(strings.Repeat("b", 1025))}, MsgSortKeyTooLarge},
		{"binary sort key of 1025 bytes", binaryKey, attr.Item{"pk": attr.B([]byte{1}), "sk": attr.B(make([]byte, 1025))}, MsgSortKeyTooLarge},
		{"number keys have no size limit", withRange, attr.Item{"pk": attr.S("a"), "sk": attr.N(strings.Repeat("9", 38))}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.schema.ValidateItemKey(tc.item)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			requireValidation(t, err, tc.msg)
		})
	}
}

func TestValidateKey(t *testing.T) {
	cases := []struct {
		name   string
		schema KeySchema
		key    attr.Item
		msg    string
	}{
		{"valid hash key", hashOnly, attr.Item{"pk": attr.S("a")}, ""},
		{"valid composite key", withRange, attr.Item{"pk": attr.S("a"), "sk": attr.N("2")}, ""},
		{"missing sort key", withRange, attr.Item{"pk": attr.S("a")}, MsgKeySchemaMismatch},
		{"extra attribute", hashOnly, attr.Item{"pk": attr.S("a"), "x": attr.S("b")}, MsgKeySchemaMismatch},
		{"right count, wrong name", withRange, attr.Item{"pk": attr.S("a"), "other": attr.N("2")}, MsgKeySchemaMismatch},
		{"wrong type", withRange, attr.Item{"pk": attr.S("a"), "sk": attr.S("2")}, MsgKeySchemaMismatch},
		{"empty key", hashOnly, attr.Item{}, MsgKeySchemaMismatch},
		{"empty string key", hashOnly, attr.Item{"pk": attr.S("")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"empty binary key", binaryKey, attr.Item{"pk": attr.B(nil), "sk": attr.B([]byte{1})}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk"},
		{"partition key too large", hashOnly, attr.Item{"pk": attr.S(strings.Repeat("a", 2049))}, MsgPartitionKeyTooLarge},
		{"sort key too large", stringKey, attr.Item{"pk": attr.S("a"), "sk": attr.S(strings.Repeat("a", 1025))}, MsgSortKeyTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.schema.ValidateKey(tc.key)
			if tc.msg == "" {
				require.NoError(t, err)
				return
			}
			requireValidation(t, err, tc.msg)
		})
	}
}

func TestCheckKey(t *testing.T) {
	key, err := withRange.CheckKey(attr.Item{"pk": attr.S("a"), "sk": attr.N("1.50")})
	require.NoError(t, err)
	require.Equal(t, "1.5", key["sk"].N())

	_, err = withRange.CheckKey(attr.Item{"pk": attr.S("a"), "sk": attr.N("x")})
	requireValidation(t, err, number.MsgNotNumeric+": x")

	_, err = withRange.CheckKey(attr.Item{"pk": attr.S("a")})
	requireValidation(t, err, MsgKeySchemaMismatch)
}

func TestKeyOf(t *testing.T) {
	item := attr.Item{"pk": attr.S("a"), "sk": attr.N("1"), "x": attr.S("y")}
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a"), "sk": attr.N("1")}, withRange.KeyOf(item)))
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a")}, hashOnly.KeyOf(item)))
	require.True(t, attr.ItemsEqual(attr.Item{"pk": attr.S("a")}, withRange.KeyOf(attr.Item{"pk": attr.S("a")})))
	require.Equal(t, []string{"pk", "sk"}, withRange.Names())
	require.Equal(t, []string{"pk"}, hashOnly.Names())
}
