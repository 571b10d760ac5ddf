package dynamo_test

import (
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo"
)

type mtAddress struct {
	Street string `dynamo:"street"`
	Zip    string `dynamo:"zip,omitempty"`
}

type MtBase struct {
	ID      string `dynamo:"id"`
	Version int
}

type mtPerson struct {
	MtBase
	Name     string            `dynamo:"name"`
	Age      int8              `dynamo:"age"`
	Height   float64           `dynamo:"height,omitempty"`
	Admin    bool              `dynamo:"admin"`
	Nick     *string           `dynamo:"nick"`
	Manager  *mtPerson         `dynamo:"manager,omitempty"`
	Address  mtAddress         `dynamo:"address"`
	Tags     []string          `dynamo:"tags,set,omitempty"`
	Scores   []int             `dynamo:"scores,omitempty"`
	Labels   map[string]string `dynamo:"labels,omitempty"`
	Avatar   []byte            `dynamo:"avatar,omitempty"`
	Joined   time.Time         `dynamo:"joined,omitempty"`
	Extra    any               `dynamo:"extra,omitempty"`
	Raw      dynamo.AttributeValue
	Secret   string `dynamo:"-"`
	internal string
}

func TestMarshalItemStruct(t *testing.T) {
	nick := "al"
	p := mtPerson{
		MtBase:   MtBase{ID: "p1", Version: 3},
		Name:     "Alice",
		Age:      30,
		Admin:    true,
		Nick:     &nick,
		Address:  mtAddress{Street: "Main"},
		Tags:     []string{"b", "a"},
		Scores:   []int{1, 2},
		Labels:   map[string]string{"k": "v"},
		Avatar:   []byte{1, 2},
		Joined:   time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC),
		Extra:    []any{"x", 1.5, nil},
		Raw:      dynamo.NS("7"),
		Secret:   "hidden",
		internal: "not stored",
	}
	got, err := dynamo.MarshalItem(p)
	require.NoError(t, err)
	want := dynamo.Item{
		"id":      dynamo.S("p1"),
		"Version": dynamo.N("3"),
		"name":    dynamo.S("Alice"),
		"age":     dynamo.N("30"),
		"admin":   dynamo.Bool(true),
		"nick":    dynamo.S("al"),
		"address": dynamo.M(map[string]dynamo.AttributeValue{"street": dynamo.S("Main")}),
		"tags":    dynamo.SS("b", "a"),
		"scores":  dynamo.L(dynamo.N("1"), dynamo.N("2")),
		"labels":  dynamo.M(map[string]dynamo.AttributeValue{"k": dynamo.S("v")}),
		"avatar":  dynamo.B([]byte{1, 2}),
		"joined":  dynamo.S("2024-05-06T07:08:09.00000001Z"),
		"extra":   dynamo.L(dynamo.S("x"), dynamo.N("1.5"), dynamo.Null()),
		"Raw":     dynamo.NS("7"),
	}
	require.Equal(t, want.String(), got.String())

	// A pointer marshals the same; nil pointers without omitempty are NULL.
	p.Nick = nil
	got, err = dynamo.MarshalItem(&p)
	require.NoError(t, err)
	require.True(t, got["nick"].IsNull())
}

func TestMarshalValue(t *testing.T) {
	type named string
	type level int16
	cases := []struct {
		name string
		in   any
		want dynamo.AttributeValue
	}{
		{"string", "x", dynamo.S("x")},
		{"named string", named("y"), dynamo.S("y")},
		{"empty string", "", dynamo.S("")},
		{"bool", false, dynamo.Bool(false)},
		{"int", -42, dynamo.N("-42")},
		{"int8 minimum", int8(math.MinInt8), dynamo.N("-128")},
		{"named int16", level(7), dynamo.N("7")},
		{"int64 maximum", int64(math.MaxInt64), dynamo.N("9223372036854775807")},
		{"uint64 maximum", uint64(math.MaxUint64), dynamo.N("18446744073709551615")},
		{"uint8", uint8(255), dynamo.N("255")},
		{"uintptr", uintptr(9), dynamo.N("9")},
		{"float64 fraction", 0.1, dynamo.N("0.1")},
		{"float64 large", 1e21, dynamo.N("1000000000000000000000")},
		{"float64 small", 1.5e-7, dynamo.N("0.00000015")},
		{"float64 negative zero", math.Copysign(0, -1), dynamo.N("0")},
		{"float32 shortest text", float32(0.1), dynamo.N("0.1")},
		{"float32 third", float32(1) / 3, dynamo.N("0.33333334")},
		{"bytes", []byte("hi"), dynamo.B([]byte("hi"))},
		{"empty bytes", []byte{}, dynamo.B(nil)},
		{"byte array", [3]byte{1, 2, 3}, dynamo.B([]byte{1, 2, 3})},
		{"nil bytes", []byte(nil), dynamo.Null()},
		{"byte slices are a list", [][]byte{{1}, {2}}, dynamo.L(dynamo.B([]byte{1}), dynamo.B([]byte{2}))},
		{"time", time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), dynamo.S("2020-01-02T03:04:05+01:00")},
		{"nil", nil, dynamo.Null()},
		{"nil pointer", (*int)(nil), dynamo.Null()},
		{"pointer", new(int), dynamo.N("0")},
		{"nil slice", []string(nil), dynamo.Null()},
		{"empty slice", []string{}, dynamo.L()},
		{"array", [2]bool{true, false}, dynamo.L(dynamo.Bool(true), dynamo.Bool(false))},
		{"nested slices", [][]int{{1}, {}}, dynamo.L(dynamo.L(dynamo.N("1")), dynamo.L())},
		{"map", map[string]int{"a": 1}, dynamo.M(map[string]dynamo.AttributeValue{"a": dynamo.N("1")})},
		{"named key map", map[named]bool{"k": true}, dynamo.M(map[string]dynamo.AttributeValue{"k": dynamo.Bool(true)})},
		{"nil map", map[string]int(nil), dynamo.Null()},
		{"interface slice", []any{"a", 2, nil, []byte{3}}, dynamo.L(dynamo.S("a"), dynamo.N("2"), dynamo.Null(), dynamo.B([]byte{3}))},
		{"attribute value", dynamo.SS("a"), dynamo.SS("a")},
		{"item", dynamo.Item{"x": dynamo.N("1")}, dynamo.M(map[string]dynamo.AttributeValue{"x": dynamo.N("1")})},
		{"struct", mtAddress{Street: "s", Zip: "z"}, dynamo.M(map[string]dynamo.AttributeValue{"street": dynamo.S("s"), "zip": dynamo.S("z")})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := dynamo.MarshalValue(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want.String(), got.String())
		})
	}
}

func TestMarshalSets(t *testing.T) {
	type sets struct {
		Strings   []string            `dynamo:",set"`
		Ints      []int               `dynamo:",set"`
		Floats    [2]float64          `dynamo:",set"`
		Binaries  [][]byte            `dynamo:",set"`
		BoolMap   map[string]bool     `dynamo:",set"`
		StructMap map[int]struct{}    `dynamo:",set"`
		Empty     []string            `dynamo:",set"`
		EmptyOmit []string            `dynamo:",set,omitempty"`
		AllFalse  map[string]bool     `dynamo:",set,omitempty"`
		Plain     map[string]struct{} `dynamo:",omitempty"`
	}
	got, err := dynamo.MarshalItem(sets{
		Strings:   []string{"x", "y"},
		Ints:      []int{3, 1},
		Floats:    [2]float64{0.5, 2},
		Binaries:  [][]byte{{1}, {2}},
		BoolMap:   map[string]bool{"b": true, "a": true, "no": false},
		StructMap: map[int]struct{}{10: {}, 2: {}},
		Empty:     []string{},
		AllFalse:  map[string]bool{"z": false},
	})
	require.NoError(t, err)
	want := dynamo.Item{
		"Strings":   dynamo.SS("x", "y"),
		"Ints":      dynamo.NS("3", "1"),
		"Floats":    dynamo.NS("0.5", "2"),
		"Binaries":  dynamo.BS([]byte{1}, []byte{2}),
		"BoolMap":   dynamo.SS("a", "b"),
		"StructMap": dynamo.NS("10", "2"),
		"Empty":     dynamo.Null(),
	}
	require.Equal(t, want.String(), got.String())
}

func TestMarshalOmitEmpty(t *testing.T) {
	type all struct {
		B   bool                  `dynamo:",omitempty"`
		I   int                   `dynamo:",omitempty"`
		U   uint                  `dynamo:",omitempty"`
		F   float32               `dynamo:",omitempty"`
		S   string                `dynamo:",omitempty"`
		P   *int                  `dynamo:",omitempty"`
		A   any                   `dynamo:",omitempty"`
		L   []int                 `dynamo:",omitempty"`
		M   map[string]int        `dynamo:",omitempty"`
		Arr [0]int                `dynamo:",omitempty"`
		T   time.Time             `dynamo:",omitempty"`
		V   dynamo.AttributeValue `dynamo:",omitempty"`
		St  mtAddress             `dynamo:",omitempty"`
	}
	got, err := dynamo.MarshalItem(all{L: []int{}, M: map[string]int{}})
	require.NoError(t, err)
	require.Equal(t, `{"St":{"M":{"street":{"S":""}}}}`, got.String(), "only the struct, never empty, remains")
}

type MtInner struct {
	Shared string `dynamo:"shared"`
	Deep   string
}

type MtMiddle struct {
	*MtInner
	Mid string
}

type mtTagged struct {
	Tie string `dynamo:"tie"`
}

type mtUntagged struct {
	Tie string
}

type MtOther struct {
	Tie string
}

func TestEmbeddedStructs(t *testing.T) {
	type outer struct {
		MtMiddle
		Shared string `dynamo:"shared"` // shallower: hides MtInner.Shared
		mtTagged
		MtOther // its "Tie" differs from mtTagged's "tie": both stay
	}
	v := outer{MtMiddle: MtMiddle{MtInner: &MtInner{Shared: "inner", Deep: "d"}, Mid: "m"}, Shared: "outer",
		mtTagged: mtTagged{Tie: "t"}, MtOther: MtOther{Tie: "o"}}
	got, err := dynamo.MarshalItem(v)
	require.NoError(t, err)
	require.Equal(t, `{"Deep":{"S":"d"},"Mid":{"S":"m"},"Tie":{"S":"o"},"shared":{"S":"outer"},"tie":{"S":"t"}}`, got.String())

	// A nil embedded pointer contributes nothing.
	got, err = dynamo.MarshalItem(outer{Shared: "x"})
	require.NoError(t, err)
	require.NotContains(t, got, "Deep")

	// Unmarshal allocates the embedded pointer.
	var back outer
	require.NoError(t, dynamo.UnmarshalItem(dynamo.Item{"Deep": dynamo.S("d2"), "shared": dynamo.S("s")}, &back))
	require.NotNil(t, back.MtInner)
	require.Equal(t, "d2", back.Deep)
	require.Equal(t, "s", back.Shared)
	require.Equal(t, "", back.MtInner.Shared)
}

func TestEmbeddedConflicts(t *testing.T) {
	type twoUntagged struct {
		mtUntagged
		MtOther
	}
	got, err := dynamo.MarshalItem(twoUntagged{mtUntagged{"a"}, MtOther{"b"}})
	require.NoError(t, err)
	require.Empty(t, got, "two mtUntagged fields of one name at one depth cancel out")

	type taggedWins struct {
		mtTaggedCap
		mtUntagged
	}
	got, err = dynamo.MarshalItem(taggedWins{mtTaggedCap{"t"}, mtUntagged{"u"}})
	require.NoError(t, err)
	require.Equal(t, `{"Tie":{"S":"t"}}`, got.String(), "a mtTagged field beats an mtUntagged one at the same depth")

	type bothTagged struct {
		mtTagged
		mtTaggedLower
	}
	got, err = dynamo.MarshalItem(bothTagged{mtTagged{"a"}, mtTaggedLower{"b"}})
	require.NoError(t, err)
	require.Empty(t, got, "two mtTagged fields of one name cancel out")
}

type mtTaggedCap struct {
	Tie string `dynamo:"Tie"`
}

type mtTaggedLower struct {
	Lower string `dynamo:"tie"`
}

func TestMarshalErrors(t *testing.T) {
	type badTag struct {
		X []string `dynamo:"x,stringset"`
	}
	type nested struct {
		Inner struct {
			List []float64
		}
	}
	var nilPtr *mtPerson
	cases := []struct {
		name   string
		marsh  func() error
		path   string
		reason string
	}{
		{"NaN", func() error { _, err := dynamo.MarshalValue(math.NaN()); return err }, "", "NaN is not a DynamoDB number"},
		{"infinity", func() error { _, err := dynamo.MarshalValue(math.Inf(1)); return err }, "", "+Inf is not a DynamoDB number"},
		{"float out of range", func() error { _, err := dynamo.MarshalValue(1e200); return err }, "", "1e+200 is outside DynamoDB's number range"},
		{"float underflow", func() error { _, err := dynamo.MarshalValue(5e-324); return err }, "", "5e-324 is outside DynamoDB's number range"},
		{"NaN nested in a field", func() error {
			var n nested
			n.Inner.List = []float64{1, math.NaN()}
			_, err := dynamo.MarshalItem(n)
			return err
		}, "Inner.List[1]", "NaN is not a DynamoDB number"},
		{"channel", func() error { _, err := dynamo.MarshalValue(make(chan int)); return err }, "", "unsupported type"},
		{"complex in a map", func() error { _, err := dynamo.MarshalValue(map[string]any{"c": 1i}); return err }, "c", "unsupported type"},
		{"int map keys", func() error { _, err := dynamo.MarshalValue(map[int]string{1: "a"}); return err }, "", "map keys must be strings"},
		{"unknown tag option", func() error { _, err := dynamo.MarshalItem(badTag{}); return err }, "X", `unknown dynamo tag option "stringset"`},
		{"set of structs", func() error {
			_, err := dynamo.MarshalItem(struct {
				S []mtAddress `dynamo:",set"`
			}{S: []mtAddress{{}}})
			return err
		}, "S", "the set option needs string, number or []byte members"},
		{"set map of ints", func() error {
			_, err := dynamo.MarshalItem(struct {
				S map[string]int `dynamo:",set"`
			}{S: map[string]int{"a": 1}})
			return err
		}, "S", "the set option needs a map with bool or struct{} values"},
		{"zero attribute value", func() error { _, err := dynamo.MarshalValue(dynamo.AttributeValue{}); return err }, "", "zero AttributeValue"},
		{"item from a string", func() error { _, err := dynamo.MarshalItem("x"); return err }, "", "an item needs a struct or a map with string keys"},
		{"item from nil", func() error { _, err := dynamo.MarshalItem(nil); return err }, "", "nil value"},
		{"item from a nil pointer", func() error { _, err := dynamo.MarshalItem(nilPtr); return err }, "", "nil value"},
		{"item from a nil map", func() error { _, err := dynamo.MarshalItem(map[string]int(nil)); return err }, "", "nil map"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.marsh()
			var me *dynamo.MarshalError
			require.True(t, errors.As(err, &me), "want MarshalError, got %v", err)
			require.Equal(t, tc.path, me.Path)
			require.Equal(t, tc.reason, me.Reason)
			require.Contains(t, err.Error(), tc.reason)
		})
	}
	// A number out of range carries DynamoDB's own message.
	_, err := dynamo.MarshalValue(1e200)
	var ve *dynamo.ValidationException
	require.True(t, errors.As(err, &ve))
	require.Equal(t, "Number overflow. Attempting to store a number with magnitude larger than supported range", ve.Message)
}

func TestUnmarshalItemStruct(t *testing.T) {
	item := dynamo.Item{
		"id":      dynamo.S("p1"),
		"Version": dynamo.N("3"),
		"name":    dynamo.S("Alice"),
		"age":     dynamo.N("30"),
		"height":  dynamo.N("1.75"),
		"admin":   dynamo.Bool(true),
		"nick":    dynamo.S("al"),
		"manager": dynamo.M(map[string]dynamo.AttributeValue{"name": dynamo.S("Bob")}),
		"address": dynamo.M(map[string]dynamo.AttributeValue{"street": dynamo.S("Main"), "zip": dynamo.S("1")}),
		"tags":    dynamo.SS("a", "b"),
		"scores":  dynamo.L(dynamo.N("1"), dynamo.N("2E1")),
		"labels":  dynamo.M(map[string]dynamo.AttributeValue{"k": dynamo.S("v")}),
		"avatar":  dynamo.B([]byte{1, 2}),
		"joined":  dynamo.S("2024-05-06T07:08:09.00000001Z"),
		"extra":   dynamo.M(map[string]dynamo.AttributeValue{"n": dynamo.N("2.5"), "l": dynamo.L(dynamo.Bool(true), dynamo.Null())}),
		"Raw":     dynamo.NS("7"),
		"unknown": dynamo.S("ignored"),
		"Secret":  dynamo.S("not read"),
	}
	var p mtPerson
	p.Labels = map[string]string{"kept": "yes"}
	require.NoError(t, dynamo.UnmarshalItem(item, &p))
	require.Equal(t, "p1", p.ID)
	require.Equal(t, 3, p.Version)
	require.Equal(t, "Alice", p.Name)
	require.Equal(t, int8(30), p.Age)
	require.Equal(t, 1.75, p.Height)
	require.True(t, p.Admin)
	require.NotNil(t, p.Nick)
	require.Equal(t, "al", *p.Nick)
	require.NotNil(t, p.Manager)
	require.Equal(t, "Bob", p.Manager.Name)
	require.Equal(t, mtAddress{Street: "Main", Zip: "1"}, p.Address)
	require.Equal(t, []string{"a", "b"}, p.Tags)
	require.Equal(t, []int{1, 20}, p.Scores)
	require.Equal(t, map[string]string{"k": "v", "kept": "yes"}, p.Labels)
	require.Equal(t, []byte{1, 2}, p.Avatar)
	require.True(t, p.Joined.Equal(time.Date(2024, 5, 6, 7, 8, 9, 10, time.UTC)))
	require.Equal(t, map[string]any{"n": 2.5, "l": []any{true, nil}}, p.Extra)
	require.Equal(t, dynamo.NS("7").String(), p.Raw.String())
	require.Empty(t, p.Secret)
}

func TestUnmarshalValue(t *testing.T) {
	type named string
	cases := []struct {
		name string
		in   dynamo.AttributeValue
		dst  any // pointer to a zero value of the target type
		want any
	}{
		{"string", dynamo.S("x"), new(string), "x"},
		{"named string", dynamo.S("x"), new(named), named("x")},
		{"bool", dynamo.Bool(true), new(bool), true},
		{"int from exponent text", dynamo.N("1.5E2"), new(int), 150},
		{"int8 maximum", dynamo.N("127"), new(int8), int8(127)},
		{"int64 minimum", dynamo.N("-9223372036854775808"), new(int64), int64(math.MinInt64)},
		{"uint64 maximum", dynamo.N("18446744073709551615"), new(uint64), uint64(math.MaxUint64)},
		{"uint16", dynamo.N("65535"), new(uint16), uint16(65535)},
		{"float64", dynamo.N("0.1"), new(float64), 0.1},
		{"float32", dynamo.N("0.1"), new(float32), float32(0.1)},
		{"float64 from large number", dynamo.N("1E+125"), new(float64), 1e125},
		{"bytes", dynamo.B([]byte{1}), new([]byte), []byte{1}},
		{"byte array", dynamo.B([]byte{1, 2}), new([2]byte), [2]byte{1, 2}},
		{"list into slice", dynamo.L(dynamo.N("1"), dynamo.N("2")), new([]int), []int{1, 2}},
		{"list into longer array", dynamo.L(dynamo.S("a")), new([2]string), [2]string{"a", ""}},
		{"list of binaries", dynamo.L(dynamo.B([]byte{1})), new([][]byte), [][]byte{{1}}},
		{"map into map", dynamo.M(map[string]dynamo.AttributeValue{"a": dynamo.N("1")}), new(map[string]int), map[string]int{"a": 1}},
		{"map into named-key map", dynamo.M(map[string]dynamo.AttributeValue{"a": dynamo.Bool(true)}), new(map[named]bool), map[named]bool{"a": true}},
		{"map into item", dynamo.M(map[string]dynamo.AttributeValue{"a": dynamo.N("1")}), new(dynamo.Item), dynamo.Item{"a": dynamo.N("1")}},
		{"string set into slice", dynamo.SS("a", "b"), new([]string), []string{"a", "b"}},
		{"number set into slice", dynamo.NS("1", "2.5"), new([]float64), []float64{1, 2.5}},
		{"number set into int slice", dynamo.NS("3"), new([]uint8), []uint8{3}},
		{"binary set into slice", dynamo.BS([]byte{1}, []byte{2}), new([][]byte), [][]byte{{1}, {2}}},
		{"string set into bool map", dynamo.SS("a", "b"), new(map[string]bool), map[string]bool{"a": true, "b": true}},
		{"number set into struct map", dynamo.NS("1", "2"), new(map[int]struct{}), map[int]struct{}{1: {}, 2: {}}},
		{"string set into array", dynamo.SS("a"), new([1]string), [1]string{"a"}},
		{"null into pointer", dynamo.Null(), new(*int), (*int)(nil)},
		{"null into int", dynamo.Null(), new(int), 0},
		{"null into slice", dynamo.Null(), new([]int), []int(nil)},
		{"number into pointer", dynamo.N("5"), new(*int), mtPtr(5)},
		{"any string", dynamo.S("s"), new(any), "s"},
		{"any number", dynamo.N("2"), new(any), 2.0},
		{"any binary", dynamo.B([]byte{9}), new(any), []byte{9}},
		{"any null", dynamo.Null(), new(any), nil},
		{"any string set", dynamo.SS("a"), new(any), []string{"a"}},
		{"any number set", dynamo.NS("1", "2"), new(any), []float64{1, 2}},
		{"any binary set", dynamo.BS([]byte{1}), new(any), [][]byte{{1}}},
		{"attribute value", dynamo.L(dynamo.S("x")), new(dynamo.AttributeValue), dynamo.L(dynamo.S("x"))},
		{"time", dynamo.S("2020-01-02T03:04:05Z"), new(time.Time), time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, dynamo.UnmarshalValue(tc.in, tc.dst))
			got := reflect.ValueOf(tc.dst).Elem().Interface()
			if av, ok := got.(dynamo.AttributeValue); ok {
				require.Equal(t, tc.want.(dynamo.AttributeValue).String(), av.String())
				return
			}
			if it, ok := got.(dynamo.Item); ok {
				require.Equal(t, tc.want.(dynamo.Item).String(), it.String())
				return
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func mtPtr[T any](v T) *T { return &v }

func TestUnmarshalIntoPointerHeldByInterface(t *testing.T) {
	var n int
	var holder any = &n
	require.NoError(t, dynamo.UnmarshalValue(dynamo.N("4"), &holder))
	require.Equal(t, 4, n)
}

func TestUnmarshalErrors(t *testing.T) {
	type target struct {
		Age   int8       `dynamo:"age"`
		Name  string     `dynamo:"name"`
		Inner *mtAddress `dynamo:"inner"`
		List  []uint     `dynamo:"list"`
		When  time.Time
		Arr   [1]int
		Key   [2]byte
		Iface error
	}
	cases := []struct {
		name   string
		item   dynamo.Item
		path   string
		typ    dynamo.AttributeType
		reason string
		isErr  error
	}{
		{"int overflow", dynamo.Item{"age": dynamo.N("300")}, "age", dynamo.TypeN, "number 300 does not fit", strconv.ErrRange},
		{"fraction into int", dynamo.Item{"age": dynamo.N("1.5")}, "age", dynamo.TypeN, "number 1.5 is not an integer", nil},
		{"number into string", dynamo.Item{"name": dynamo.N("1")}, "name", dynamo.TypeN, "type mismatch", nil},
		{"string into int", dynamo.Item{"age": dynamo.S("1")}, "age", dynamo.TypeS, "type mismatch", nil},
		{"invalid number text", dynamo.Item{"age": dynamo.N("x")}, "age", dynamo.TypeN, `invalid number "x"`, nil},
		{"nested mismatch", dynamo.Item{"inner": dynamo.M(map[string]dynamo.AttributeValue{"zip": dynamo.Bool(true)})}, "inner.zip", dynamo.TypeBOOL, "type mismatch", nil},
		{"negative into uint in a list", dynamo.Item{"list": dynamo.L(dynamo.N("1"), dynamo.N("-1"))}, "list[1]", dynamo.TypeN, "number -1 does not fit", strconv.ErrRange},
		{"list into struct", dynamo.Item{"inner": dynamo.L()}, "inner", dynamo.TypeL, "type mismatch", nil},
		{"bad time", dynamo.Item{"When": dynamo.S("yesterday")}, "When", dynamo.TypeS, "not an RFC 3339 time", nil},
		{"number into time", dynamo.Item{"When": dynamo.N("1")}, "When", dynamo.TypeN, "type mismatch", nil},
		{"too long for array", dynamo.Item{"Arr": dynamo.L(dynamo.N("1"), dynamo.N("2"))}, "Arr", dynamo.TypeL, "2 elements do not fit", nil},
		{"wrong binary length", dynamo.Item{"Key": dynamo.B([]byte{1})}, "Key", dynamo.TypeB, "1 bytes do not fill the array", nil},
		{"non-empty interface", dynamo.Item{"Iface": dynamo.S("x")}, "Iface", dynamo.TypeS, "type mismatch", nil},
		{"set into string", dynamo.Item{"name": dynamo.SS("a")}, "name", dynamo.TypeSS, "type mismatch", nil},
		{"number set member too big", dynamo.Item{"list": dynamo.NS("1", "1e30")}, "list[1]", dynamo.TypeNS, "number 1000000000000000000000000000000 does not fit", strconv.ErrRange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var dst target
			err := dynamo.UnmarshalItem(tc.item, &dst)
			var ue *dynamo.UnmarshalError
			require.True(t, errors.As(err, &ue), "want UnmarshalError, got %v", err)
			require.Equal(t, tc.path, ue.Path)
			require.Equal(t, tc.typ, ue.Type)
			require.Equal(t, tc.reason, ue.Reason)
			require.Contains(t, err.Error(), tc.path)
			if tc.isErr != nil {
				require.ErrorIs(t, err, tc.isErr)
			}
		})
	}
	var notPointer mtPerson
	err := dynamo.UnmarshalItem(dynamo.Item{}, notPointer)
	var ue *dynamo.UnmarshalError
	require.True(t, errors.As(err, &ue))
	require.Equal(t, "the target must be a non-nil pointer", ue.Reason)
	require.Error(t, dynamo.UnmarshalItem(dynamo.Item{}, (*mtPerson)(nil)))
}

func TestRoundTrip(t *testing.T) {
	type record struct {
		Key    string               `dynamo:"pk"`
		Count  uint32               `dynamo:"count"`
		Ratio  float32              `dynamo:"ratio"`
		Big    int64                `dynamo:"big"`
		Set    map[string]bool      `dynamo:"set,set"`
		Nums   []int                `dynamo:"nums,set"`
		Nested map[string][]*MtBase `dynamo:"nested"`
		When   *time.Time           `dynamo:"when"`
		Blob   [4]byte              `dynamo:"blob"`
	}
	when := time.Date(2030, 12, 31, 23, 59, 59, 999999999, time.UTC)
	in := record{
		Key: "k", Count: math.MaxUint32, Ratio: 0.3, Big: math.MinInt64,
		Set:    map[string]bool{"x": true, "y": true},
		Nums:   []int{5, 6},
		Nested: map[string][]*MtBase{"a": {{ID: "1", Version: 2}, nil}},
		When:   &when,
		Blob:   [4]byte{1, 2, 3, 4},
	}
	item, err := dynamo.MarshalItem(in)
	require.NoError(t, err)
	var out record
	require.NoError(t, dynamo.UnmarshalItem(item, &out))
	require.Equal(t, in, out)
}

func TestMarshalItemFromMap(t *testing.T) {
	item, err := dynamo.MarshalItem(map[string]any{"a": 1, "b": "x", "c": dynamo.Bool(true)})
	require.NoError(t, err)
	require.Equal(t, `{"a":{"N":"1"},"b":{"S":"x"},"c":{"BOOL":true}}`, item.String())

	var back map[string]any
	require.NoError(t, dynamo.UnmarshalItem(item, &back))
	require.Equal(t, map[string]any{"a": 1.0, "b": "x", "c": true}, back)
}

// mtBench20 is a struct of 20 fields of mixed types for the benchmarks.
type mtBench20 struct {
	PK      string            `dynamo:"pk"`
	SK      string            `dynamo:"sk"`
	Name    string            `dynamo:"name"`
	Email   string            `dynamo:"email,omitempty"`
	Age     int               `dynamo:"age"`
	Score   float64           `dynamo:"score"`
	Active  bool              `dynamo:"active"`
	Count   uint32            `dynamo:"count"`
	Balance int64             `dynamo:"balance"`
	Created time.Time         `dynamo:"created"`
	Tags    []string          `dynamo:"tags,set"`
	Scores  []int             `dynamo:"scores"`
	Attrs   map[string]string `dynamo:"attrs"`
	Data    []byte            `dynamo:"data"`
	Nick    *string           `dynamo:"nick"`
	Addr    mtAddress         `dynamo:"addr"`
	Level   int8              `dynamo:"level"`
	Ratio   float32           `dynamo:"ratio"`
	Note    string            `dynamo:"note"`
	Version uint64            `dynamo:"version"`
}

func newMtBench20() mtBench20 {
	nick := "nick"
	return mtBench20{
		PK: "user#1", SK: "profile", Name: "Alice Example", Email: "alice@example.com", Age: 31, Score: 98.25,
		Active: true, Count: 12, Balance: -1234567, Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
		Tags: []string{"a", "b", "c"}, Scores: []int{1, 2, 3, 4}, Attrs: map[string]string{"k1": "v1", "k2": "v2"},
		Data: []byte(strings.Repeat("x", 32)), Nick: &nick, Addr: mtAddress{Street: "Main", Zip: "12345"},
		Level: 3, Ratio: 0.5, Note: "some note", Version: 7,
	}
}

func BenchmarkMarshalItem20Fields(b *testing.B) {
	v := newMtBench20()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dynamo.MarshalItem(&v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalItem20Fields(b *testing.B) {
	v := newMtBench20()
	item, err := dynamo.MarshalItem(&v)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var out mtBench20
		if err := dynamo.UnmarshalItem(item, &out); err != nil {
			b.Fatal(err)
		}
	}
}

type mtHidden struct {
	X string
}

type mtWithHidden struct {
	*mtHidden
	Y string
}

func TestEmbeddedUnexportedPointer(t *testing.T) {
	got, err := dynamo.MarshalItem(mtWithHidden{Y: "y"})
	require.NoError(t, err)
	require.Equal(t, `{"Y":{"S":"y"}}`, got.String())

	got, err = dynamo.MarshalItem(mtWithHidden{mtHidden: &mtHidden{X: "x"}})
	require.NoError(t, err)
	require.Equal(t, dynamo.S("x"), got["X"])

	var out mtWithHidden
	err = dynamo.UnmarshalItem(dynamo.Item{"X": dynamo.S("x")}, &out)
	var ue *dynamo.UnmarshalError
	require.True(t, errors.As(err, &ue), "got %v", err)
	require.Equal(t, "X", ue.Path)
	require.Equal(t, "cannot allocate embedded pointer to unexported struct", ue.Reason)

	out.mtHidden = &mtHidden{}
	require.NoError(t, dynamo.UnmarshalItem(dynamo.Item{"X": dynamo.S("x")}, &out))
	require.Equal(t, "x", out.X)
}

type mtNode struct {
	Next *mtNode
}

func TestMarshalCycle(t *testing.T) {
	n := &mtNode{}
	n.Next = n
	_, err := dynamo.MarshalItem(n)
	var me *dynamo.MarshalError
	require.True(t, errors.As(err, &me), "got %v", err)
	require.Equal(t, "value nests too deeply (is it cyclic?)", me.Reason)
	require.True(t, strings.HasPrefix(me.Path, "Next.Next.Next"))
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
