package partition

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/itemcodec"
	"github.com/embeddynamo/dynamo/internal/legacy"
)

// CommandVersion is the version of the command encoding, the first byte of
// every encoded Command.
const CommandVersion byte = 1

// Op is the operation of a Command.
type Op uint8

// The operations a partition applies.
const (
	// OpPut writes Item, replacing any stored item with its key.
	OpPut Op = iota + 1
	// OpUpdate applies UpdateExpression (or AttributeUpdates) to the item
	// with Key, creating it from the key when it is missing, unless every
	// action removes (REMOVE, DELETE), which leaves a missing item missing.
	OpUpdate
	// OpDelete removes the item with Key.
	OpDelete
	// OpSplit shrinks the partition to [Start, SplitKey) and records the
	// right side, [SplitKey, End), as the partition of NewGroup. Apply walks
	// the right side's keys once to count its items and bytes, reading each
	// value's size prefix but decoding no item: O(items on the right), 5 to
	// 10 million items a second on the built-in engines on a shared 2-core
	// machine (BenchmarkSplitWalk), so a 10 GiB partition of 1 KB items
	// holds its Apply for one to two seconds.
	OpSplit
)

var opNames = [...]string{"", "Put", "Update", "Delete", "Split"}

// String returns the operation's name.
func (o Op) String() string {
	if o > 0 && int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Command is one replicated command of a partition. It carries everything
// apply needs, so that apply is a deterministic function of the command and
// the stored state on every replica. The router (on the leader) validates a
// request before it builds the command; apply re-parses the expressions and
// evaluates them against the stored item.
type Command struct {
	// Op is the operation.
	Op Op
	// Table is the table's ID; Schema its primary key.
	Table  uint64
	Schema itemcheck.KeySchema
	// Item is the item a Put writes (validated, numbers canonical).
	Item attr.Item
	// Key is the primary key of an Update or a Delete.
	Key attr.Item
	// ConditionExpression, with Names and Values, is the condition on the
	// stored item; "" for none.
	ConditionExpression string
	// UpdateExpression is the update of an Update; "" when the update uses
	// AttributeUpdates or changes nothing but creating the key.
	UpdateExpression string
	// Names and Values are ExpressionAttributeNames and
	// ExpressionAttributeValues.
	Names  expr.Names
	Values expr.Values
	// Expected and ConditionalOperator are the legacy condition; nil and ""
	// when the request has none.
	Expected            map[string]legacy.ExpectedAttributeValue
	ConditionalOperator string
	// AttributeUpdates is the legacy update; nil when the request has none
	// (a non-nil empty map is an update with no action).
	AttributeUpdates map[string]legacy.AttributeValueUpdate
	// ReturnValues is NONE (or ""), ALL_OLD, UPDATED_OLD, ALL_NEW or
	// UPDATED_NEW.
	ReturnValues string
	// ReturnValuesOnConditionCheckFailure is NONE (or "") or ALL_OLD.
	ReturnValuesOnConditionCheckFailure string

	// SplitKey is where a Split divides the range: the first key of the
	// right side.
	SplitKey []byte
	// NewGroup is the raft group ID of a Split's right side.
	NewGroup uint64
}

// Encoding, version CommandVersion (see wire.go for the primitives):
//
//	version op body
//	Split body: splitKey newGroup
//	write body: table schema item flags returnValues returnValuesOnCCF
//	            exprs
//	exprs:      condition update names values conditionalOperator
//	            [expected] [attributeUpdates]
//	item:       itemcodec.Encode of Item (Put) or Key (Update, Delete),
//	            length-prefixed
//	flags:      bit 0 Expected present, bit 1 AttributeUpdates present
//	names:      count (name value)*, names strictly ascending
//	values:     count (name itemcodec.EncodeValue)*, names strictly ascending
//	expected:   count (name eav)*, names strictly ascending
//	eav:        has(1 byte: bit 0 Value, bit 1 Exists, bit 2 list)
//	            [value] [exists] operator [count value*]
//	attributeUpdates: count (name hasValue [value] action)*, names strictly
//	            ascending
//
// The exprs section is everything apply compiles, so its bytes are the key
// of the compiled-expression cache.
const (
	flagExpected         = 1 << 0
	flagAttributeUpdates = 1 << 1

	eavValue  = 1 << 0
	eavExists = 1 << 1
	eavList   = 1 << 2
)

// Encode returns the binary form of c. It fails only for values that have
// no encoding (a zero attr.Value, nesting beyond itemcodec.MaxDepth).
func (c *Command) Encode() ([]byte, error) {
	return c.AppendEncode(nil)
}

// AppendEncode appends the binary form of c to dst.
func (c *Command) AppendEncode(dst []byte) ([]byte, error) {
	start := len(dst)
	b, err := c.appendEncode(append(dst, CommandVersion, byte(c.Op)))
	if err != nil {
		return dst[:start], fmt.Errorf("partition: encode %s command: %w", c.Op, err)
	}
	return b, nil
}

func (c *Command) appendEncode(b []byte) ([]byte, error) {
	switch c.Op {
	case OpSplit:
		b = appendBytes(b, c.SplitKey)
		return binary.AppendUvarint(b, c.NewGroup), nil
	case OpPut, OpUpdate, OpDelete:
	default:
		return nil, fmt.Errorf("unknown operation %d", c.Op)
	}
	b = binary.AppendUvarint(b, c.Table)
	b = appendSchema(b, c.Schema)
	item := c.Key
	if c.Op == OpPut {
		item = c.Item
	}
	enc, err := itemcodec.Encode(nil, item)
	if err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	b = appendBytes(b, enc)
	var flags byte
	if c.Expected != nil {
		flags |= flagExpected
	}
	if c.AttributeUpdates != nil {
		flags |= flagAttributeUpdates
	}
	b = append(b, flags)
	b = appendString(b, c.ReturnValues)
	b = appendString(b, c.ReturnValuesOnConditionCheckFailure)

	b = appendString(b, c.ConditionExpression)
	b = appendString(b, c.UpdateExpression)
	b = binary.AppendUvarint(b, uint64(len(c.Names)))
	for _, name := range sortedKeys(c.Names) {
		b = appendString(b, name)
		b = appendString(b, c.Names[name])
	}
	b = binary.AppendUvarint(b, uint64(len(c.Values)))
	for _, name := range sortedKeys(c.Values) {
		b = appendString(b, name)
		if b, err = appendValue(b, c.Values[name]); err != nil {
			return nil, fmt.Errorf("value %s: %w", name, err)
		}
	}
	b = appendString(b, c.ConditionalOperator)
	if c.Expected != nil {
		b = binary.AppendUvarint(b, uint64(len(c.Expected)))
		for _, name := range sortedKeys(c.Expected) {
			e := c.Expected[name]
			b = appendString(b, name)
			var has byte
			if e.Value != nil {
				has |= eavValue
			}
			if e.Exists != nil {
				has |= eavExists
			}
			if e.AttributeValueList != nil {
				has |= eavList
			}
			b = append(b, has)
			if e.Value != nil {
				if b, err = appendValue(b, *e.Value); err != nil {
					return nil, fmt.Errorf("expected %s: %w", name, err)
				}
			}
			if e.Exists != nil {
				b = appendBool(b, *e.Exists)
			}
			b = appendString(b, e.ComparisonOperator)
			if e.AttributeValueList != nil {
				b = binary.AppendUvarint(b, uint64(len(e.AttributeValueList)))
				for _, v := range e.AttributeValueList {
					if b, err = appendValue(b, v); err != nil {
						return nil, fmt.Errorf("expected %s: %w", name, err)
					}
				}
			}
		}
	}
	if c.AttributeUpdates != nil {
		b = binary.AppendUvarint(b, uint64(len(c.AttributeUpdates)))
		for _, name := range sortedKeys(c.AttributeUpdates) {
			u := c.AttributeUpdates[name]
			b = appendString(b, name)
			b = appendBool(b, u.Value != nil)
			if u.Value != nil {
				if b, err = appendValue(b, *u.Value); err != nil {
					return nil, fmt.Errorf("attribute update %s: %w", name, err)
				}
			}
			b = appendString(b, u.Action)
		}
	}
	return b, nil
}

func appendValue(b []byte, v attr.Value) ([]byte, error) {
	enc, err := itemcodec.EncodeValue(nil, v)
	if err != nil {
		return nil, err
	}
	return appendBytes(b, enc), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DecodeCommand parses bytes written by Command.Encode. It treats b as
// untrusted: corrupt input yields an error wrapping ErrCorruptCommand, never
// a panic. Only the bytes Encode writes decode, so Encode(DecodeCommand(b))
// gives back b. The result does not alias b.
func DecodeCommand(b []byte) (*Command, error) {
	c, _, err := decodeCommand(b)
	return c, err
}

// decodeCommand also returns the bytes of the exprs section (aliasing b),
// the key of the compiled-expression cache.
func decodeCommand(b []byte) (*Command, []byte, error) {
	d := newDecoder(b, ErrCorruptCommand)
	if v := d.Byte("version"); d.Err() == nil && v != CommandVersion {
		d.Fail("unknown version %d", v)
	}
	c := &Command{Op: Op(d.Byte("operation"))}
	if d.Err() != nil {
		return nil, nil, d.Err()
	}
	switch c.Op {
	case OpSplit:
		c.SplitKey = slices.Clone(d.Bytes("split key"))
		c.NewGroup = d.Uvarint("new group")
		d.End()
		if d.Err() != nil {
			return nil, nil, d.Err()
		}
		return c, nil, nil
	case OpPut, OpUpdate, OpDelete:
	default:
		d.Fail("unknown operation %d", c.Op)
		return nil, nil, d.Err()
	}
	c.Table = d.Uvarint("table")
	c.Schema = d.schema()
	itemBytes := d.Bytes("item")
	if d.Err() == nil {
		item, err := itemcodec.Decode(itemBytes)
		if err != nil {
			d.Fail("item: %v", err)
		} else if c.Op == OpPut {
			c.Item = item
		} else {
			c.Key = item
		}
	}
	flags := d.Byte("flags")
	if d.Err() == nil && flags&^(flagExpected|flagAttributeUpdates) != 0 {
		d.Fail("unknown flags 0x%02x", flags)
	}
	c.ReturnValues = d.String("ReturnValues")
	c.ReturnValuesOnConditionCheckFailure = d.String("ReturnValuesOnConditionCheckFailure")

	exprStart := d.Rest()
	c.ConditionExpression = d.String("ConditionExpression")
	c.UpdateExpression = d.String("UpdateExpression")
	if n := d.Count("names", 2); n > 0 {
		c.Names = make(expr.Names, n)
		prev := ""
		for i := range n {
			name := d.String("name")
			if i > 0 && name <= prev {
				d.Fail("names out of order")
			}
			c.Names[name] = d.String("name value")
			prev = name
		}
	}
	if n := d.Count("values", 2); n > 0 {
		c.Values = make(expr.Values, n)
		prev := ""
		for i := range n {
			name := d.String("value name")
			if i > 0 && name <= prev {
				d.Fail("values out of order")
			}
			c.Values[name] = d.value("value " + name)
			prev = name
		}
	}
	c.ConditionalOperator = d.String("ConditionalOperator")
	if flags&flagExpected != 0 {
		n := d.Count("expected", 3)
		c.Expected = make(map[string]legacy.ExpectedAttributeValue, n)
		prev := ""
		for i := range n {
			name := d.String("expected name")
			if i > 0 && name <= prev {
				d.Fail("expected out of order")
			}
			prev = name
			c.Expected[name] = d.expected(name)
		}
	}
	if flags&flagAttributeUpdates != 0 {
		n := d.Count("attribute updates", 3)
		c.AttributeUpdates = make(map[string]legacy.AttributeValueUpdate, n)
		prev := ""
		for i := range n {
			name := d.String("attribute update name")
			if i > 0 && name <= prev {
				d.Fail("attribute updates out of order")
			}
			prev = name
			var u legacy.AttributeValueUpdate
			if d.Bool("attribute update value flag") {
				v := d.value("attribute update " + name)
				u.Value = &v
			}
			u.Action = d.String("attribute update action")
			c.AttributeUpdates[name] = u
		}
	}
	exprs := exprStart[:len(exprStart)-d.Remaining()]
	d.End()
	if d.Err() != nil {
		return nil, nil, d.Err()
	}
	return c, exprs, nil
}

// value reads a length-prefixed itemcodec value.
func (d *decoder) value(field string) attr.Value {
	enc := d.Bytes(field)
	if d.Err() != nil {
		return attr.Value{}
	}
	v, err := itemcodec.DecodeValue(enc)
	if err != nil {
		d.Fail("%s: %v", field, err)
		return attr.Value{}
	}
	return v
}

func (d *decoder) expected(name string) legacy.ExpectedAttributeValue {
	var e legacy.ExpectedAttributeValue
	has := d.Byte("expected flags")
	if d.Err() == nil && has&^(eavValue|eavExists|eavList) != 0 {
		d.Fail("expected %s: unknown flags 0x%02x", name, has)
		return e
	}
	if has&eavValue != 0 {
		v := d.value("expected " + name)
		e.Value = &v
	}
	if has&eavExists != 0 {
		exists := d.Bool("expected exists")
		e.Exists = &exists
	}
	e.ComparisonOperator = d.String("expected operator")
	if has&eavList != 0 {
		n := d.Count("expected list", 2)
		e.AttributeValueList = make([]attr.Value, 0, n)
		for range n {
			e.AttributeValueList = append(e.AttributeValueList, d.value("expected list value"))
		}
	}
	return e
}
