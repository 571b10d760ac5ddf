package refmodel

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// renderReflect renders structs, pointers, maps and slices for render.
func renderReflect(b *strings.Builder, v any) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer:
		if rv.IsNil() {
			b.WriteString("nil")
			return
		}
		renderValue(b, rv.Elem().Interface())
	case reflect.Struct:
		b.WriteString("{")
		first := true
		for i := range rv.NumField() {
			f := rv.Field(i)
			if !rv.Type().Field(i).IsExported() || f.IsZero() {
				continue
			}
			if !first {
				b.WriteString(" ")
			}
			first = false
			b.WriteString(rv.Type().Field(i).Name + ":")
			renderValue(b, f.Interface())
		}
		b.WriteString("}")
	case reflect.Map:
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(fmt.Sprint(x), fmt.Sprint(y)) })
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(" ")
			}
			renderValue(b, k.Interface())
			b.WriteString(":")
			renderValue(b, rv.MapIndex(k).Interface())
		}
		b.WriteString("}")
	case reflect.Slice, reflect.Array:
		b.WriteString("[")
		for i := range rv.Len() {
			if i > 0 {
				b.WriteString(" ")
			}
			renderValue(b, rv.Index(i).Interface())
		}
		b.WriteString("]")
	case reflect.String:
		b.WriteString(strconv.Quote(rv.String()))
	default:
		fmt.Fprint(b, v)
	}
}

// canonItem renders an item so that two items render alike exactly when
// they are equal: names and set members sorted, numbers in canonical form
// (compared by value). A nil and an empty item render alike.
func canonItem(it attr.Item) string {
	var b strings.Builder
	b.WriteString("{")
	for i, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range it {
			if !yield(k) {
				return
			}
		}
	}) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(name) + ": ")
		canonValue(&b, it[name])
	}
	b.WriteString("}")
	return b.String()
}

// longValue is the length from which shortened abbreviates a value.
const longValue = 256

// shortened renders a string or binary with format, abbreviating long ones
// to a prefix, their length and a hash, so that a report stays readable
// and equal values still render alike.
func shortened(s string, format func(string) string) string {
	if len(s) < longValue {
		return format(s)
	}
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%s…(%d bytes, fnv %016x)", format(s[:32]), len(s), h.Sum64())
}

// canonNumber returns the canonical text of a number, the text itself if
// it does not parse.
func canonNumber(text string) string {
	if c, err := number.Canonical(text); err == nil {
		return c
	}
	return text
}

func canonValue(b *strings.Builder, v attr.Value) {
	switch v.Type() {
	case attr.TypeS:
		b.WriteString("S:" + shortened(v.S(), strconv.Quote))
	case attr.TypeN:
		b.WriteString("N:" + canonNumber(v.N()))
	case attr.TypeB:
		b.WriteString("B:" + shortened(v.BString(), func(s string) string { return hex.EncodeToString([]byte(s)) }))
	case attr.TypeBOOL:
		b.WriteString("BOOL:" + strconv.FormatBool(v.Bool()))
	case attr.TypeNULL:
		b.WriteString("NULL")
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		var members []string
		for _, m := range v.SetMembers() {
			switch v.Type() {
			case attr.TypeSS:
				members = append(members, strconv.Quote(m))
			case attr.TypeNS:
				members = append(members, canonNumber(m))
			default:
				members = append(members, hex.EncodeToString([]byte(m)))
			}
		}
		slices.Sort(members)
		b.WriteString(v.Type().String() + ":[" + strings.Join(members, ", ") + "]")
	case attr.TypeL:
		b.WriteString("L:[")
		for i, e := range v.L() {
			if i > 0 {
				b.WriteString(", ")
			}
			canonValue(b, e)
		}
		b.WriteString("]")
	case attr.TypeM:
		b.WriteString("M:" + canonItem(v.M()))
	default:
		b.WriteString("INVALID")
	}
}
