package dynamo

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// MarshalError reports a Go value that cannot be turned into an attribute
// value: an unsupported type, a float that is NaN or infinite, a number out
// of DynamoDB's range, a bad struct tag.
type MarshalError struct {
	// Path locates the value: "Address.Zip", "Scores[2]", empty for the
	// value passed in.
	Path string
	// GoType is the type of the value that failed.
	GoType reflect.Type
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, such as DynamoDB's ValidationException for
	// a number out of range; it may be nil.
	Err error
}

// Error describes the failure with its path and Go type.
func (e *MarshalError) Error() string {
	var sb strings.Builder
	sb.WriteString("dynamo: cannot marshal ")
	if e.Path != "" {
		sb.WriteString(e.Path)
		sb.WriteString(" of ")
	}
	fmt.Fprintf(&sb, "Go type %v: %s", e.GoType, e.Reason)
	if e.Err != nil {
		sb.WriteString(": ")
		sb.WriteString(e.Err.Error())
	}
	return sb.String()
}

// Unwrap returns the underlying error.
func (e *MarshalError) Unwrap() error { return e.Err }

// UnmarshalError reports an attribute value that cannot be stored in a Go
// value: a type mismatch, a number with a fraction for an integer, a number
// too large for its Go type, an unparsable time.
type UnmarshalError struct {
	// Path locates the value: "Address.Zip", "Scores[2]", empty for the
	// value passed in.
	Path string
	// Type is the attribute value's type.
	Type AttributeType
	// GoType is the type it could not be stored in.
	GoType reflect.Type
	// Reason says what is wrong.
	Reason string
	// Err is the underlying error, such as strconv.ErrRange; it may be nil.
	Err error
}

// Error describes the failure with its path, attribute type and Go type.
func (e *UnmarshalError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "dynamo: cannot unmarshal %v into ", e.Type)
	if e.Path != "" {
		sb.WriteString(e.Path)
		sb.WriteString(" of ")
	}
	fmt.Fprintf(&sb, "Go type %v: %s", e.GoType, e.Reason)
	if e.Err != nil {
		sb.WriteString(": ")
		sb.WriteString(e.Err.Error())
	}
	return sb.String()
}

// Unwrap returns the underlying error.
func (e *UnmarshalError) Unwrap() error { return e.Err }

// MarshalItem encodes a struct, a map with string-kind keys, or a pointer to
// either, as an Item, in the manner of encoding/json. The item is not
// validated against DynamoDB's limits (empty key values, item size); the
// write that stores it does that.
//
// Go to DynamoDB:
//
//   - string kinds → S; bool → BOOL; every int and uint kind → N; float32 and
//     float64 → N with the shortest decimal text that reads back as the same
//     float (NaN, ±Inf and magnitudes outside DynamoDB's range are errors);
//   - []byte and [N]byte → B; time.Time → S in RFC 3339 with nanoseconds
//     (time.RFC3339Nano);
//   - slices and arrays → L; maps with string-kind keys → M; structs → M;
//   - a nil pointer, interface, slice or map → NULL (or omitted, with
//     omitempty); a non-nil pointer or interface → what it points to;
//   - AttributeValue → itself (an Item field is an M of its values).
//
// Struct fields are named by their Go name or by a tag:
//
//	Name  string   `dynamo:"name"`           // attribute "name"
//	Email string   `dynamo:",omitempty"`     // "Email", left out when empty
//	Tags  []string `dynamo:"tags,set"`       // SS instead of L
//	Cache []byte   `dynamo:"-"`              // never stored
//
// omitempty leaves out false, 0, "", nil pointers, interfaces, slices and
// maps, empty slices, maps and arrays, the zero time.Time and the zero
// AttributeValue. The set option stores a slice, array or map as a set whose
// type follows the element type: string kinds → SS, number kinds → NS,
// []byte → BS; a map[T]bool contributes its keys whose value is true, a
// map[T]struct{} all its keys. DynamoDB has no empty set, so an empty set
// field is stored as NULL, or left out with omitempty. Members are not
// deduplicated: DynamoDB rejects a set with duplicates when it is written. Fields of embedded
// structs without a tag name are promoted as in encoding/json: the shallowest
// field of a name wins, a tagged one breaks a tie, and remaining ties drop the
// name.
//
// UnmarshalItem and UnmarshalValue do the reverse, with these rules:
// attribute names match field names exactly; attributes without a field are
// ignored; fields without an attribute keep their value; NULL stores the zero
// value. N goes into any int,
// uint or float kind, failing when the number has a fraction or does not fit
// the integer type; N never goes into a string. L goes into slices and
// arrays, M into maps with string-kind keys and into structs, SS, NS and BS
// into slices and arrays of the member type, or into a map[T]bool or
// map[T]struct{}. Into an empty interface, S becomes string, N float64 (use a
// typed field or an AttributeValue to keep all 38 digits), B []byte, BOOL
// bool, NULL nil, L []any, M map[string]any, SS []string, NS []float64 and BS
// [][]byte.
func MarshalItem(v any) (Item, error) {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) {
		if rv.IsNil() {
			return nil, &MarshalError{GoType: rv.Type(), Reason: "nil value"}
		}
		rv = rv.Elem()
	}
	if !rv.IsValid() {
		return nil, &MarshalError{GoType: reflect.TypeOf(v), Reason: "nil value"}
	}
	switch {
	case rv.Kind() == reflect.Struct && rv.Type() != timeType && rv.Type() != avType:
		return marshalStruct(rv, 0)
	case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
		if rv.IsNil() {
			return nil, &MarshalError{GoType: rv.Type(), Reason: "nil map"}
		}
		return marshalMap(rv, 0)
	}
	return nil, &MarshalError{GoType: rv.Type(), Reason: "an item needs a struct or a map with string keys"}
}

// MarshalValue encodes one Go value as an AttributeValue, following
// MarshalItem's rules. A nil value becomes NULL.
func MarshalValue(v any) (AttributeValue, error) {
	return marshal(reflect.ValueOf(v), false, 0)
}

// UnmarshalItem decodes item into v, which must be a non-nil pointer to a
// struct, a map with string-kind keys, or an empty interface.
func UnmarshalItem(item Item, v any) error {
	return UnmarshalValue(attr.NewMapUnchecked(item), v)
}

// UnmarshalValue decodes one attribute value into v, which must be a non-nil
// pointer.
func UnmarshalValue(av AttributeValue, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &UnmarshalError{Type: av.Type(), GoType: reflect.TypeOf(v), Reason: "the target must be a non-nil pointer"}
	}
	return unmarshal(av, rv.Elem())
}

var (
	avType   = reflect.TypeFor[attr.Value]()
	timeType = reflect.TypeFor[time.Time]()
	anyType  = reflect.TypeFor[any]()
)

// prefixPath adds an outer path step to a marshalling error as it travels up.
func prefixPath(err error, step string) error {
	var me *MarshalError
	if errors.As(err, &me) {
		me.Path = joinPath(step, me.Path)
		return me
	}
	var ue *UnmarshalError
	if errors.As(err, &ue) {
		ue.Path = joinPath(step, ue.Path)
		return ue
	}
	return err
}

func joinPath(step, rest string) string {
	if rest == "" || strings.HasPrefix(rest, "[") {
		return step + rest
	}
	return step + "." + rest
}

func indexStep(i int) string { return "[" + strconv.Itoa(i) + "]" }

// maxMarshalDepth bounds how deep marshal follows pointers and containers,
// so that a cyclic value fails instead of exhausting the stack. DynamoDB
// itself accepts only 32 levels.
const maxMarshalDepth = 1000

// marshal encodes v, found depth levels below the value passed in; set asks
// for a set instead of a list.
func marshal(v reflect.Value, set bool, depth int) (attr.Value, error) {
	if !v.IsValid() {
		return attr.Null(), nil
	}
	t := v.Type()
	if depth > maxMarshalDepth {
		return attr.Value{}, &MarshalError{GoType: t, Reason: "value nests too deeply (is it cyclic?)"}
	}
	switch t {
	case avType:
		av := v.Interface().(attr.Value)
		if !av.IsValid() {
			return attr.Value{}, &MarshalError{GoType: t, Reason: "zero AttributeValue"}
		}
		return av, nil
	case timeType:
		return attr.S(v.Interface().(time.Time).Format(time.RFC3339Nano)), nil
	}
	switch t.Kind() {
	case reflect.String:
		return attr.S(v.String()), nil
	case reflect.Bool:
		return attr.Bool(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return attr.N(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return attr.N(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		text, err := floatText(v)
		if err != nil {
			return attr.Value{}, err
		}
		return attr.N(text), nil
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return attr.Null(), nil
		}
		return marshal(v.Elem(), set, depth+1)
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && v.IsNil() {
			return attr.Null(), nil
		}
		if set {
			return marshalSet(v, t.Elem(), v.Len(), v.Index)
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return attr.B(byteSlice(v)), nil
		}
		elems := make([]attr.Value, v.Len())
		for i := range elems {
			e, err := marshal(v.Index(i), false, depth+1)
			if err != nil {
				return attr.Value{}, prefixPath(err, indexStep(i))
			}
			elems[i] = e
		}
		return attr.NewListUnchecked(elems), nil
	case reflect.Map:
		if v.IsNil() {
			return attr.Null(), nil
		}
		if set {
			return marshalSetFromMap(v)
		}
		if t.Key().Kind() != reflect.String {
			return attr.Value{}, &MarshalError{GoType: t, Reason: "map keys must be strings"}
		}
		m, err := marshalMap(v, depth)
		if err != nil {
			return attr.Value{}, err
		}
		return attr.NewMapUnchecked(m), nil
	case reflect.Struct:
		m, err := marshalStruct(v, depth)
		if err != nil {
			return attr.Value{}, err
		}
		return attr.NewMapUnchecked(m), nil
	}
	return attr.Value{}, &MarshalError{GoType: t, Reason: "unsupported type"}
}

// floatText returns the canonical DynamoDB text of a float: the shortest
// decimal that reads back as the same float.
func floatText(v reflect.Value) (string, error) {
	f := v.Float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", &MarshalError{GoType: v.Type(), Reason: fmt.Sprintf("%v is not a DynamoDB number", f)}
	}
	bits := 64
	if v.Kind() == reflect.Float32 {
		bits = 32
	}
	text, err := number.Canonical(strconv.FormatFloat(f, 'g', -1, bits))
	if err != nil {
		return "", &MarshalError{GoType: v.Type(), Reason: fmt.Sprintf("%v is outside DynamoDB's number range", f), Err: err}
	}
	return text, nil
}

// byteSlice returns the bytes of a []byte-like slice or array.
func byteSlice(v reflect.Value) []byte {
	if v.Kind() == reflect.Slice {
		return v.Bytes()
	}
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = byte(v.Index(i).Uint())
	}
	return b
}

// setKind returns the set type for members of type t.
func setKind(t reflect.Type) (attr.Type, bool) {
	switch t.Kind() {
	case reflect.String:
		return attr.TypeSS, true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return attr.TypeNS, true
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return attr.TypeBS, true
		}
	}
	return attr.TypeInvalid, false
}

// setMember returns the text of one set member.
func setMember(v reflect.Value, typ attr.Type) (string, error) {
	switch typ {
	case attr.TypeSS:
		return v.String(), nil
	case attr.TypeBS:
		return string(byteSlice(v)), nil
	}
	n, err := marshal(v, false, 0)
	if err != nil {
		return "", err
	}
	return n.N(), nil
}

// marshalSet encodes n members, read with at, as a set of elemType members.
func marshalSet(v reflect.Value, elemType reflect.Type, n int, at func(int) reflect.Value) (attr.Value, error) {
	typ, ok := setKind(elemType)
	if !ok {
		return attr.Value{}, &MarshalError{GoType: v.Type(), Reason: "the set option needs string, number or []byte members"}
	}
	if n == 0 {
		return attr.Null(), nil
	}
	members := make([]string, n)
	for i := range members {
		m, err := setMember(at(i), typ)
		if err != nil {
			return attr.Value{}, prefixPath(err, indexStep(i))
		}
		members[i] = m
	}
	return attr.NewSetUnchecked(typ, members), nil
}

// marshalSetFromMap encodes the keys of a map[T]bool (true entries) or
// map[T]struct{} as a set, in sorted order.
func marshalSetFromMap(v reflect.Value) (attr.Value, error) {
	t := v.Type()
	typ, ok := setKind(t.Key())
	if !ok {
		return attr.Value{}, &MarshalError{GoType: t, Reason: "the set option needs string, number or []byte keys"}
	}
	boolValued := t.Elem().Kind() == reflect.Bool
	if !boolValued && !(t.Elem().Kind() == reflect.Struct && t.Elem().NumField() == 0) {
		return attr.Value{}, &MarshalError{GoType: t, Reason: "the set option needs a map with bool or struct{} values"}
	}
	members := make([]string, 0, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		if boolValued && !iter.Value().Bool() {
			continue
		}
		m, err := setMember(iter.Key(), typ)
		if err != nil {
			return attr.Value{}, err
		}
		members = append(members, m)
	}
	if len(members) == 0 {
		return attr.Null(), nil
	}
	slices.Sort(members)
	return attr.NewSetUnchecked(typ, members), nil
}

func marshalMap(v reflect.Value, depth int) (map[string]attr.Value, error) {
	m := make(map[string]attr.Value, v.Len())
	iter := v.MapRange()
	for iter.Next() {
		k := iter.Key().String()
		e, err := marshal(iter.Value(), false, depth+1)
		if err != nil {
			return nil, prefixPath(err, k)
		}
		m[k] = e
	}
	return m, nil
}

func marshalStruct(v reflect.Value, depth int) (map[string]attr.Value, error) {
	info, err := structInfo(v.Type())
	if err != nil {
		return nil, err
	}
	m := make(map[string]attr.Value, len(info))
	for i := range info {
		f := &info[i]
		fv, ok := fieldOf(v, f.index)
		if !ok {
			continue
		}
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		av, err := marshal(fv, f.set, depth+1)
		if err != nil {
			return nil, prefixPath(err, f.name)
		}
		if f.omitEmpty && av.IsNull() && f.set {
			continue
		}
		m[f.name] = av
	}
	return m, nil
}

// fieldOf follows index through embedded structs; ok is false when it meets
// a nil embedded pointer.
func fieldOf(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// isEmpty reports whether omitempty leaves v out.
func isEmpty(v reflect.Value) bool {
	switch v.Type() {
	case timeType:
		return v.Interface().(time.Time).IsZero()
	case avType:
		return !v.Interface().(attr.Value).IsValid()
	}
	switch v.Kind() {
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.String, reflect.Slice, reflect.Map, reflect.Array:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}

// field is one attribute of a struct type.
type field struct {
	name      string
	index     []int
	omitEmpty bool
	set       bool
	tagged    bool
}

type fieldsResult struct {
	fields []field
	err    error
}

var fieldCache sync.Map // reflect.Type → fieldsResult

// structInfo returns the attributes of struct type t, cached.
func structInfo(t reflect.Type) ([]field, error) {
	if r, ok := fieldCache.Load(t); ok {
		res := r.(fieldsResult)
		return res.fields, res.err
	}
	fields, err := typeFields(t)
	r, _ := fieldCache.LoadOrStore(t, fieldsResult{fields: fields, err: err})
	res := r.(fieldsResult)
	return res.fields, res.err
}

// typeFields lists the attributes of a struct type, promoting the fields of
// embedded structs the way encoding/json does.
func typeFields(t reflect.Type) ([]field, error) {
	type level struct {
		typ   reflect.Type
		index []int
	}
	var candidates []field
	depthOf := map[string]int{}
	byName := map[string][]int{} // name → indexes into candidates
	visited := map[reflect.Type]bool{}
	current := []level{{typ: t}}
	for depth := 0; len(current) > 0; depth++ {
		var next []level
		for _, lv := range current {
			if visited[lv.typ] {
				continue
			}
			visited[lv.typ] = true
			for i := 0; i < lv.typ.NumField(); i++ {
				sf := lv.typ.Field(i)
				tag, hasTag := sf.Tag.Lookup("dynamo")
				if tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				index := append(slices.Clone(lv.index), i)
				if sf.Anonymous && name == "" && ft.Kind() == reflect.Struct && ft != timeType && ft != avType {
					next = append(next, level{typ: ft, index: index})
					continue
				}
				if !sf.IsExported() {
					continue
				}
				f := field{name: name, index: index, tagged: hasTag && name != ""}
				if f.name == "" {
					f.name = sf.Name
				}
				for _, opt := range strings.Split(opts, ",") {
					switch opt {
					case "":
					case "omitempty":
						f.omitEmpty = true
					case "set":
						f.set = true
					default:
						return nil, &MarshalError{Path: sf.Name, GoType: sf.Type, Reason: fmt.Sprintf("unknown dynamo tag option %q", opt)}
					}
				}
				if d, seen := depthOf[f.name]; seen && d < depth {
					continue // a shallower field of this name hides it
				}
				depthOf[f.name] = depth
				byName[f.name] = append(byName[f.name], len(candidates))
				candidates = append(candidates, f)
			}
		}
		current = next
	}
	var fields []field
	for i, f := range candidates {
		idx := byName[f.name]
		if len(idx) == 1 {
			fields = append(fields, f)
			continue
		}
		// Several fields of one name at the same depth: a single tagged one
		// wins, otherwise the name is dropped.
		tagged := -1
		for _, j := range idx {
			if candidates[j].tagged {
				if tagged >= 0 {
					tagged = -2
					break
				}
				tagged = j
			}
		}
		if tagged == i {
			fields = append(fields, f)
		}
	}
	slices.SortFunc(fields, func(a, b field) int { return slices.Compare(a.index, b.index) })
	return fields, nil
}

// unmarshal stores av in v, which is settable.
func unmarshal(av attr.Value, v reflect.Value) error {
	t := v.Type()
	if t == avType {
		v.Set(reflect.ValueOf(av))
		return nil
	}
	if av.IsNull() {
		v.SetZero()
		return nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return unmarshal(av, v.Elem())
	case reflect.Interface:
		if !v.IsNil() && v.Elem().Kind() == reflect.Pointer && !v.Elem().IsNil() {
			return unmarshal(av, v.Elem().Elem())
		}
		if t.NumMethod() != 0 {
			return mismatch(av, t)
		}
		natural, err := naturalValue(av)
		if err != nil {
			return err
		}
		if natural == nil {
			v.SetZero()
		} else {
			v.Set(reflect.ValueOf(natural))
		}
		return nil
	}
	if t == timeType {
		if av.Type() != attr.TypeS {
			return mismatch(av, t)
		}
		tm, err := time.Parse(time.RFC3339Nano, av.S())
		if err != nil {
			return &UnmarshalError{Type: av.Type(), GoType: t, Reason: "not an RFC 3339 time", Err: err}
		}
		v.Set(reflect.ValueOf(tm))
		return nil
	}
	switch av.Type() {
	case attr.TypeS:
		if t.Kind() != reflect.String {
			return mismatch(av, t)
		}
		v.SetString(av.S())
		return nil
	case attr.TypeN:
		return unmarshalNumber(av.Type(), av.N(), v)
	case attr.TypeB:
		return unmarshalBytes(av.Type(), av.BString(), v)
	case attr.TypeBOOL:
		if t.Kind() != reflect.Bool {
			return mismatch(av, t)
		}
		v.SetBool(av.Bool())
		return nil
	case attr.TypeL:
		return unmarshalList(av, v)
	case attr.TypeM:
		return unmarshalMap(av, v)
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		return unmarshalSet(av, v)
	}
	return &UnmarshalError{Type: av.Type(), GoType: t, Reason: "invalid attribute value"}
}

func mismatch(av attr.Value, t reflect.Type) error {
	return &UnmarshalError{Type: av.Type(), GoType: t, Reason: "type mismatch"}
}

// unmarshalNumber stores number text in an int, uint or float.
func unmarshalNumber(typ attr.Type, text string, v reflect.Value) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
	default:
		return &UnmarshalError{Type: typ, GoType: t, Reason: "type mismatch"}
	}
	canon, err := number.Canonical(text)
	if err != nil {
		return &UnmarshalError{Type: typ, GoType: t, Reason: "invalid number " + strconv.Quote(text), Err: err}
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(canon, t.Bits())
		if err != nil {
			return &UnmarshalError{Type: typ, GoType: t, Reason: "number " + canon + " does not fit", Err: strconv.ErrRange}
		}
		v.SetFloat(f)
		return nil
	}
	if strings.Contains(canon, ".") {
		return &UnmarshalError{Type: typ, GoType: t, Reason: "number " + canon + " is not an integer"}
	}
	if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr {
		u, err := strconv.ParseUint(canon, 10, t.Bits())
		if err != nil {
			return &UnmarshalError{Type: typ, GoType: t, Reason: "number " + canon + " does not fit", Err: strconv.ErrRange}
		}
		v.SetUint(u)
		return nil
	}
	i, err := strconv.ParseInt(canon, 10, t.Bits())
	if err != nil {
		return &UnmarshalError{Type: typ, GoType: t, Reason: "number " + canon + " does not fit", Err: strconv.ErrRange}
	}
	v.SetInt(i)
	return nil
}

// unmarshalBytes stores binary data in a []byte or [N]byte.
func unmarshalBytes(typ attr.Type, b string, v reflect.Value) error {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s := reflect.MakeSlice(t, len(b), len(b))
		reflect.Copy(s, reflect.ValueOf([]byte(b)))
		v.Set(s)
		return nil
	case t.Kind() == reflect.Array && t.Elem().Kind() == reflect.Uint8:
		if len(b) != t.Len() {
			return &UnmarshalError{Type: typ, GoType: t, Reason: fmt.Sprintf("%d bytes do not fill the array", len(b))}
		}
		reflect.Copy(v, reflect.ValueOf([]byte(b)))
		return nil
	}
	return &UnmarshalError{Type: typ, GoType: t, Reason: "type mismatch"}
}

// sequence stores n elements, decoded by each, in a slice or array.
func sequence(av attr.Value, v reflect.Value, n int, each func(i int, dst reflect.Value) error) error {
	t := v.Type()
	switch t.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(t, n, n)
		for i := 0; i < n; i++ {
			if err := each(i, s.Index(i)); err != nil {
				return prefixPath(err, indexStep(i))
			}
		}
		v.Set(s)
		return nil
	case reflect.Array:
		if n > t.Len() {
			return &UnmarshalError{Type: av.Type(), GoType: t, Reason: fmt.Sprintf("%d elements do not fit", n)}
		}
		for i := 0; i < t.Len(); i++ {
			if i >= n {
				v.Index(i).SetZero()
				continue
			}
			if err := each(i, v.Index(i)); err != nil {
				return prefixPath(err, indexStep(i))
			}
		}
		return nil
	}
	return mismatch(av, t)
}

func unmarshalList(av attr.Value, v reflect.Value) error {
	elems := av.L()
	if k := v.Kind(); (k == reflect.Slice || k == reflect.Array) && v.Type().Elem().Kind() == reflect.Uint8 {
		return mismatch(av, v.Type())
	}
	return sequence(av, v, len(elems), func(i int, dst reflect.Value) error {
		return unmarshal(elems[i], dst)
	})
}

func unmarshalMap(av attr.Value, v reflect.Value) error {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Struct:
		return unmarshalStruct(av.M(), v)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(t, av.Len()))
		}
		for k, e := range av.M() {
			elem := reflect.New(t.Elem()).Elem()
			if err := unmarshal(e, elem); err != nil {
				return prefixPath(err, k)
			}
			v.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
		}
		return nil
	}
	return mismatch(av, t)
}

func unmarshalStruct(m map[string]attr.Value, v reflect.Value) error {
	info, err := structInfo(v.Type())
	if err != nil {
		return err
	}
	for i := range info {
		f := &info[i]
		av, ok := m[f.name]
		if !ok {
			continue
		}
		fv, err := settableField(v, f.index)
		if err != nil {
			return prefixPath(err, f.name)
		}
		if err := unmarshal(av, fv); err != nil {
			return prefixPath(err, f.name)
		}
	}
	return nil
}

// settableField follows index through embedded structs, allocating nil
// embedded pointers on the way.
func settableField(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, &UnmarshalError{GoType: v.Type(), Reason: "cannot allocate embedded pointer to unexported struct"}
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// unmarshalSet stores an SS, NS or BS in a slice, an array, or a map[T]bool
// or map[T]struct{}.
func unmarshalSet(av attr.Value, v reflect.Value) error {
	members := av.SetMembers()
	memberType := map[attr.Type]attr.Type{attr.TypeSS: attr.TypeS, attr.TypeNS: attr.TypeN, attr.TypeBS: attr.TypeB}[av.Type()]
	store := func(text string, dst reflect.Value) error {
		switch memberType {
		case attr.TypeS:
			if dst.Kind() != reflect.String {
				return &UnmarshalError{Type: av.Type(), GoType: dst.Type(), Reason: "type mismatch"}
			}
			dst.SetString(text)
			return nil
		case attr.TypeN:
			return unmarshalNumber(av.Type(), text, dst)
		}
		return unmarshalBytes(av.Type(), text, dst)
	}
	t := v.Type()
	if t.Kind() == reflect.Map {
		boolValued := t.Elem().Kind() == reflect.Bool
		if !boolValued && !(t.Elem().Kind() == reflect.Struct && t.Elem().NumField() == 0) {
			return mismatch(av, t)
		}
		if v.IsNil() {
			v.Set(reflect.MakeMapWithSize(t, len(members)))
		}
		present := reflect.New(t.Elem()).Elem()
		if boolValued {
			present.SetBool(true)
		}
		for i, m := range members {
			key := reflect.New(t.Key()).Elem()
			if err := store(m, key); err != nil {
				return prefixPath(err, indexStep(i))
			}
			v.SetMapIndex(key, present)
		}
		return nil
	}
	return sequence(av, v, len(members), func(i int, dst reflect.Value) error {
		return store(members[i], dst)
	})
}

// naturalValue returns the plain Go value for an attribute value stored in an
// empty interface.
func naturalValue(av attr.Value) (any, error) {
	switch av.Type() {
	case attr.TypeS:
		return av.S(), nil
	case attr.TypeN:
		var f float64
		if err := unmarshalNumber(av.Type(), av.N(), reflect.ValueOf(&f).Elem()); err != nil {
			return nil, err
		}
		return f, nil
	case attr.TypeB:
		return av.B(), nil
	case attr.TypeBOOL:
		return av.Bool(), nil
	case attr.TypeNULL:
		return nil, nil
	case attr.TypeL:
		out := make([]any, av.Len())
		for i, e := range av.L() {
			x, err := naturalValue(e)
			if err != nil {
				return nil, prefixPath(err, indexStep(i))
			}
			out[i] = x
		}
		return out, nil
	case attr.TypeM:
		out := make(map[string]any, av.Len())
		for k, e := range av.M() {
			x, err := naturalValue(e)
			if err != nil {
				return nil, prefixPath(err, k)
			}
			out[k] = x
		}
		return out, nil
	case attr.TypeSS:
		return slices.Clone(av.SS()), nil
	case attr.TypeNS:
		out := make([]float64, av.Len())
		for i, m := range av.NS() {
			if err := unmarshalNumber(av.Type(), m, reflect.ValueOf(&out[i]).Elem()); err != nil {
				return nil, prefixPath(err, indexStep(i))
			}
		}
		return out, nil
	case attr.TypeBS:
		return av.BS(), nil
	}
	return nil, &UnmarshalError{Type: av.Type(), GoType: anyType, Reason: "invalid attribute value"}
}
