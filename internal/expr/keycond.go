package expr

import (
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/attr"
)

// KeySchemaInfo describes the key of the table or index a Query reads:
// the partition key and, if the schema has one, the sort key, with their
// attribute types (S, N or B).
type KeySchemaInfo struct {
	PartitionKey  string
	PartitionType attr.Type
	SortKey       string // "" when the schema has no sort key
	SortType      attr.Type
}

// KeyOp is the operator of a sort key condition.
type KeyOp uint8

// The sort key operators a KeyConditionExpression allows.
const (
	KeyNone       KeyOp = iota // no sort key condition
	KeyEQ                      // =
	KeyLT                      // <
	KeyLE                      // <=
	KeyGT                      // >
	KeyGE                      // >=
	KeyBetween                 // BETWEEN Values[0] AND Values[1]
	KeyBeginsWith              // begins_with
)

// KeyCondition is a compiled KeyConditionExpression: the partition key
// value and at most one condition on the sort key.
type KeyCondition struct {
	// PartitionValue is the value the partition key must equal.
	PartitionValue attr.Value
	// SortOp is the sort key operator, KeyNone when there is none.
	SortOp KeyOp
	// SortValues holds the operand (two for KeyBetween).
	SortValues []attr.Value
	schema     KeySchemaInfo
	usage      Usage
}

// NewKeyCondition returns a key condition built from legacy KeyConditions,
// which its caller has already validated.
func NewKeyCondition(schema KeySchemaInfo, partition attr.Value, op KeyOp, sortValues ...attr.Value) *KeyCondition {
	return &KeyCondition{PartitionValue: partition, SortOp: op, SortValues: sortValues, schema: schema}
}

// Usage returns the placeholders the expression referred to.
func (k *KeyCondition) Usage() Usage { return k.usage }

// Schema returns the key schema the condition was checked against.
func (k *KeyCondition) Schema() KeySchemaInfo { return k.schema }

// Match reports whether item's key satisfies the condition.
func (k *KeyCondition) Match(item attr.Item) bool {
	pv, ok := item[k.schema.PartitionKey]
	if !ok || !attr.Equal(pv, k.PartitionValue) {
		return false
	}
	return k.MatchSort(item[k.schema.SortKey])
}

// MatchSort reports whether a sort key value satisfies the sort condition.
func (k *KeyCondition) MatchSort(v attr.Value) bool {
	if k.SortOp == KeyNone {
		return true
	}
	if !v.IsValid() || len(k.SortValues) == 0 {
		return false
	}
	c, ok := order(v, k.SortValues[0])
	if !ok {
		return false
	}
	switch k.SortOp {
	case KeyEQ:
		return c == 0
	case KeyLT:
		return c < 0
	case KeyLE:
		return c <= 0
	case KeyGT:
		return c > 0
	case KeyGE:
		return c >= 0
	case KeyBetween:
		if len(k.SortValues) != 2 {
			return false
		}
		c2, ok := order(v, k.SortValues[1])
		return ok && c >= 0 && c2 <= 0
	case KeyBeginsWith:
		switch v.Type() {
		case attr.TypeS:
			return strings.HasPrefix(v.S(), k.SortValues[0].S())
		case attr.TypeB:
			return strings.HasPrefix(v.BString(), k.SortValues[0].BString())
		}
	}
	return false
}

type keyPart struct {
	name   string
	op     KeyOp
	values []attr.Value
}

// ParseKeyCondition parses a KeyConditionExpression and checks it against
// the key schema as DynamoDB does: equality on the partition key, and
// optionally one of = < <= > >= BETWEEN begins_with on the sort key.
func ParseKeyCondition(src string, names Names, values Values, schema KeySchemaInfo) (*KeyCondition, error) {
	pc, err := parseConditionTree("KeyConditionExpression", src, names, values)
	if err != nil {
		return nil, err
	}
	var parts []keyPart
	if msg := collectKeyParts(pc.root, &parts); msg != "" {
		return nil, kindError("KeyConditionExpression", msg)
	}
	keys := 1
	if schema.SortKey != "" {
		keys = 2
	}
	if len(parts) > keys {
		return nil, validation("The number of query conditions (" + strconv.Itoa(len(parts)) + ") exceeds the number of key attributes defined in the schema (" + strconv.Itoa(keys) + ")")
	}
	kc := &KeyCondition{schema: schema, usage: pc.usage}
	var part, sort *keyPart
	for i := range parts {
		switch parts[i].name {
		case schema.PartitionKey:
			part = &parts[i]
		case schema.SortKey:
			sort = &parts[i]
		default:
			if schema.SortKey == "" {
				return nil, validation("Query key condition not supported")
			}
			return nil, validation("Query condition missed key schema element: " + schema.SortKey)
		}
	}
	if part == nil {
		return nil, validation("Query condition missed key schema element: " + schema.PartitionKey)
	}
	if part.op != KeyEQ {
		return nil, validation("Query key condition not supported")
	}
	for _, v := range part.values {
		if v.Type() != schema.PartitionType {
			return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
		}
	}
	kc.PartitionValue = part.values[0]
	if sort != nil {
		for _, v := range sort.values {
			if v.Type() != schema.SortType {
				return nil, validation("One or more parameter values were invalid: Condition parameter type does not match schema type")
			}
		}
		kc.SortOp, kc.SortValues = sort.op, sort.values
	}
	return kc, nil
}

// collectKeyParts flattens the AND tree of a key condition into one part
// per key, returning DynamoDB's message for shapes a key condition cannot
// take.
func collectKeyParts(c *Cond, parts *[]keyPart) string {
	switch c.Kind {
	case CondAnd:
		for _, s := range c.Subs {
			if msg := collectKeyParts(s, parts); msg != "" {
				return msg
			}
		}
		return ""
	case CondOr:
		return "Invalid operator used in KeyConditionExpression: OR"
	case CondNot:
		return "Invalid operator used in KeyConditionExpression: NOT"
	case CondIn:
		return "Invalid operator used in KeyConditionExpression: IN"
	case CondAttributeExists:
		return "Invalid operator used in KeyConditionExpression: attribute_exists"
	case CondAttributeNotExists:
		return "Invalid operator used in KeyConditionExpression: attribute_not_exists"
	case CondAttributeType:
		return "Invalid operator used in KeyConditionExpression: attribute_type"
	case CondContains:
		return "Invalid operator used in KeyConditionExpression: contains"
	case CondCompare:
		if c.Op == NE {
			return "Invalid operator used in KeyConditionExpression: <>"
		}
	}
	for _, a := range c.Args {
		if a.Kind == OperandSize {
			return "KeyConditionExpressions cannot contain nested operations"
		}
	}
	if c.Kind == CondBetween && c.Args[0].Kind != OperandPath {
		return "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand"
	}
	if c.Kind == CondBeginsWith && c.Args[0].Kind != OperandPath {
		return "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand"
	}
	name, at := "", -1
	var vals []attr.Value
	for i, a := range c.Args {
		if a.Kind != OperandPath {
			vals = append(vals, a.Value)
			continue
		}
		if at >= 0 {
			return "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"
		}
		if len(a.Path) > 1 {
			return "KeyConditionExpressions cannot have conditions on nested attributes"
		}
		name, at = a.Path[0].Name, i
	}
	if at < 0 {
		return "Invalid condition in KeyConditionExpression: No key attribute specified"
	}
	for _, p := range *parts {
		if p.name == name {
			return "KeyConditionExpressions must only contain one condition per key"
		}
	}
	op := KeyBetween
	switch c.Kind {
	case CondBeginsWith:
		op = KeyBeginsWith
	case CondCompare:
		op = map[Comparator]KeyOp{EQ: KeyEQ, LT: KeyLT, LE: KeyLE, GT: KeyGT, GE: KeyGE}[c.Op]
		if at == 1 { // :v < key reads as key > :v
			op = map[KeyOp]KeyOp{KeyEQ: KeyEQ, KeyLT: KeyGT, KeyLE: KeyGE, KeyGT: KeyLT, KeyGE: KeyLE}[op]
		}
	}
	*parts = append(*parts, keyPart{name: name, op: op, values: vals})
	return ""
}
