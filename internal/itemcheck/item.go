package itemcheck

import (
	"encoding/base64"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/number"
)

// Limits DynamoDB enforces on items.
const (
	// MaxItemSize is the largest item size in bytes, as Size counts it.
	MaxItemSize = 400 * 1024
	// MaxDepth is the deepest nesting level a value may reach; an attribute's
	// own value is level 1.
	MaxDepth = 32
	// MaxNameSize bounds an attribute name: it must be shorter than this many
	// UTF-8 bytes.
	MaxNameSize = 65536
)

// DynamoDB's messages for invalid items.
const (
	invalidPrefix = "One or more parameter values were invalid: "

	// MsgItemTooLarge is the message for an item over MaxItemSize.
	MsgItemTooLarge = "Item size has exceeded the maximum allowed size"
	// MsgNesting is the message for an item (PutItem, BatchWriteItem and
	// TransactWriteItems puts) or an expression attribute value nested deeper
	// than MaxDepth. DynamoDB's PutItem and UpdateItem wrap it in their "1
	// validation error detected: " envelope; that is the API layer's job.
	MsgNesting = MsgNestingUpdate + ": Attributes in the item have nested levels beyond supported limit"
	// MsgNestingUpdate is the shorter message DynamoDB gives when an update
	// expression would leave a value nested deeper than MaxDepth (and as the
	// cancellation reason of such a transactional update).
	MsgNestingUpdate = "Nesting Levels have exceeded supported limits"
	// MsgEmptyValue is the message for a value without a type.
	MsgEmptyValue = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	// MsgEmptyStringSet, MsgEmptyNumberSet and MsgEmptyBinarySet are the
	// messages for empty sets (the double spaces are DynamoDB's).
	MsgEmptyStringSet = invalidPrefix + "An string set  may not be empty"
	MsgEmptyNumberSet = invalidPrefix + "An number set  may not be empty"
	MsgEmptyBinarySet = invalidPrefix + "Binary sets should not be empty"
	// MsgNumberSetDuplicates is the message for an NS with two members of
	// equal value. Unlike SS and BS it carries neither prefix nor members.
	MsgNumberSetDuplicates = "Input collection contains duplicates"
	// MsgEmptyName is the message for an empty attribute name.
	MsgEmptyName = "Empty attribute name"
	// MsgNameTooLarge is the message for an attribute name of 65536 bytes or
	// more.
	MsgNameTooLarge = "Attribute name is too large, must be less than 65536 bytes"
)

func invalid(msg string) error { return &dberr.ValidationException{Message: msg} }

// Item validates an item about to be written (PutItem, the result of an
// UpdateItem, a transaction or batch Put) and returns it with every number in
// canonical form. It returns the input map itself when nothing needed
// rewriting. Errors are *dberr.ValidationException with DynamoDB's messages;
// when several attributes are invalid, the one whose name sorts first is
// reported. Key attributes are checked separately, by KeySchema.
func Item(item attr.Item) (attr.Item, error) {
	out, err := values(item)
	if err != nil {
		return nil, err
	}
	if Size(out) > MaxItemSize {
		return nil, invalid(MsgItemTooLarge)
	}
	return out, nil
}

// Values validates the attributes of an item or key like Item, without the
// size limit: for keys, and for items whose size the caller checks itself.
func Values(item attr.Item) (attr.Item, error) {
	return values(item)
}

func values(item attr.Item) (attr.Item, error) {
	var out attr.Item
	firstBad := ""
	var firstErr error
	for name, v := range item {
		if firstErr != nil && name >= firstBad {
			continue
		}
		canon, changed, err := checkAttribute(name, v)
		if err != nil {
			firstBad, firstErr = name, err
			continue
		}
		if changed {
			if out == nil {
				out = item.Clone()
			}
			out[name] = canon
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if out == nil {
		return item, nil
	}
	return out, nil
}

func checkAttribute(name string, v attr.Value) (attr.Value, bool, error) {
	if name == "" {
		return v, false, invalid(MsgEmptyName)
	}
	if len(name) >= MaxNameSize {
		return v, false, invalid(MsgNameTooLarge)
	}
	return Value(v)
}

// Value validates one attribute value (an item attribute, or an expression
// attribute value) with the value itself at level 1, and returns it with its
// numbers in canonical form. changed reports whether anything was rewritten;
// when it is false the returned value is v.
func Value(v attr.Value) (canon attr.Value, changed bool, err error) {
	if depth(v, 1) > MaxDepth {
		return v, false, invalid(MsgNesting)
	}
	return check(v)
}

// depth returns the deepest level inside v, where v is at level, giving up
// once MaxDepth is exceeded.
func depth(v attr.Value, level int) int {
	if level > MaxDepth {
		return level
	}
	deepest := level
	switch v.Type() {
	case attr.TypeL:
		for _, e := range v.L() {
			if d := depth(e, level+1); d > deepest {
				deepest = d
				if deepest > MaxDepth {
					return deepest
				}
			}
		}
	case attr.TypeM:
		for _, e := range v.M() {
			if d := depth(e, level+1); d > deepest {
				deepest = d
				if deepest > MaxDepth {
					return deepest
				}
			}
		}
	}
	return deepest
}

// check validates v below the depth check; the order of the checks follows
// dynalite's validateAttributeValue.
func check(v attr.Value) (attr.Value, bool, error) {
	switch v.Type() {
	case attr.TypeInvalid:
		return v, false, invalid(MsgEmptyValue)
	case attr.TypeS, attr.TypeB, attr.TypeBOOL, attr.TypeNULL:
		return v, false, nil
	case attr.TypeN:
		canon, err := number.Canonical(v.N())
		if err != nil {
			return v, false, err
		}
		if canon == v.N() {
			return v, false, nil
		}
		return attr.WithNumberText(v, canon), true, nil
	case attr.TypeSS:
		ss := v.SS()
		if len(ss) == 0 {
			return v, false, invalid(MsgEmptyStringSet)
		}
		if hasDuplicate(ss) {
			return v, false, invalid(invalidPrefix + "Input collection " + listText(ss) + " contains duplicates.")
		}
		return v, false, nil
	case attr.TypeBS:
		bs := v.SetMembers()
		if len(bs) == 0 {
			return v, false, invalid(MsgEmptyBinarySet)
		}
		if hasDuplicate(bs) {
			encoded := make([]string, len(bs))
			for i, b := range bs {
				encoded[i] = base64.StdEncoding.EncodeToString([]byte(b))
			}
			return v, false, invalid(invalidPrefix + "Input collection " + listText(encoded) + "of type BS contains duplicates.")
		}
		return v, false, nil
	case attr.TypeNS:
		return checkNumberSet(v)
	case attr.TypeL:
		return checkList(v)
	case attr.TypeM:
		return checkMap(v)
	}
	return v, false, invalid(MsgEmptyValue)
}

func checkNumberSet(v attr.Value) (attr.Value, bool, error) {
	ns := v.NS()
	if len(ns) == 0 {
		return v, false, invalid(MsgEmptyNumberSet)
	}
	var canon []string
	for i, text := range ns {
		c, err := number.Canonical(text)
		if err != nil {
			return v, false, err
		}
		if c != text && canon == nil {
			canon = make([]string, len(ns))
			copy(canon, ns[:i])
		}
		if canon != nil {
			canon[i] = c
		}
	}
	members := ns
	if canon != nil {
		members = canon
	}
	if hasDuplicate(members) {
		return v, false, invalid(MsgNumberSetDuplicates)
	}
	if canon == nil {
		return v, false, nil
	}
	return attr.NewSetUnchecked(attr.TypeNS, canon), true, nil
}

func checkList(v attr.Value) (attr.Value, bool, error) {
	elems := v.L()
	var out []attr.Value
	for i, e := range elems {
		c, changed, err := check(e)
		if err != nil {
			return v, false, err
		}
		if changed && out == nil {
			out = make([]attr.Value, len(elems))
			copy(out, elems[:i])
		}
		if out != nil {
			out[i] = c
		}
	}
	if out == nil {
		return v, false, nil
	}
	return attr.NewListUnchecked(out), true, nil
}

func checkMap(v attr.Value) (attr.Value, bool, error) {
	m := v.M()
	var out map[string]attr.Value
	firstBad := ""
	var firstErr error
	for k, e := range m {
		if firstErr != nil && k >= firstBad {
			continue
		}
		c, changed, err := check(e)
		if err != nil {
			firstBad, firstErr = k, err
			continue
		}
		if changed {
			if out == nil {
				out = make(map[string]attr.Value, len(m))
				for k2, e2 := range m {
					out[k2] = e2
				}
			}
			out[k] = c
		}
	}
	if firstErr != nil {
		return v, false, firstErr
	}
	if out == nil {
		return v, false, nil
	}
	return attr.NewMapUnchecked(out), true, nil
}

// hasDuplicate reports whether members holds a string twice.
func hasDuplicate(members []string) bool {
	if len(members) <= 8 {
		for i := range members {
			for j := i + 1; j < len(members); j++ {
				if members[i] == members[j] {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		if _, dup := seen[m]; dup {
			return true
		}
		seen[m] = struct{}{}
	}
	return false
}

// listText renders members as DynamoDB lists a collection in messages.
func listText(members []string) string {
	return "[" + strings.Join(members, ", ") + "]"
}

// Size returns the item's size in bytes as DynamoDB counts it for the 400 KB
// limit and for capacity units: for each attribute, the UTF-8 bytes of its
// name plus ValueSize of its value.
func Size(item attr.Item) int {
	total := 0
	for name, v := range item {
		total += len(name) + ValueSize(v)
	}
	return total
}

// ValueSize returns the bytes DynamoDB counts for one value, without the name
// of the attribute holding it. Numbers that are not valid count 0.
func ValueSize(v attr.Value) int {
	switch v.Type() {
	case attr.TypeS:
		return len(v.S())
	case attr.TypeB:
		return len(v.BString())
	case attr.TypeN:
		return number.TextByteSize(v.N())
	case attr.TypeBOOL, attr.TypeNULL:
		return 1
	case attr.TypeSS, attr.TypeBS:
		total := 0
		for _, m := range v.SetMembers() {
			total += len(m)
		}
		return total
	case attr.TypeNS:
		total := 0
		for _, m := range v.NS() {
			total += number.TextByteSize(m)
		}
		return total
	case attr.TypeL:
		total := 3
		for _, e := range v.L() {
			total += 1 + ValueSize(e)
		}
		return total
	case attr.TypeM:
		total := 3
		for k, e := range v.M() {
			total += 1 + len(k) + ValueSize(e)
		}
		return total
	}
	return 0
}
