package legacy

import (
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// Messages of KeyConditions (dynalite validations/query.js and
// actions/query.js, whose tests ran against DynamoDB).
const (
	MsgKeyConditionsMissing  = "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
	MsgKeyConditionsCount    = "Conditions can be of length 1 or 2 only"
	MsgKeyNotIndexable       = "Attempted conditional constraint is not an indexable operation"
	MsgKeyConditionSupported = "Query key condition not supported"
	MsgKeyTypeMismatch       = invalidPrefix + "Condition parameter type does not match schema type"
	msgKeyMissedElement      = "Query condition missed key schema element: "
)

var keyOps = map[string]expr.KeyOp{
	OpEQ:         expr.KeyEQ,
	OpLT:         expr.KeyLT,
	OpLE:         expr.KeyLE,
	OpGT:         expr.KeyGT,
	OpGE:         expr.KeyGE,
	OpBetween:    expr.KeyBetween,
	OpBeginsWith: expr.KeyBeginsWith,
}

// checkKeyConditions applies the checks DynamoDB makes before it looks the
// table up: each condition's operands as for a filter, then one or two
// conditions. It returns the conditions with numbers canonical.
func checkKeyConditions(conds map[string]Condition) (map[string]Condition, error) {
	canon := make(map[string]Condition, len(conds))
	for _, name := range sortedKeys(conds) {
		c := conds[name]
		values, err := checkOperands(c.ComparisonOperator, c.AttributeValueList)
		if err != nil {
			return nil, err
		}
		canon[name] = Condition{ComparisonOperator: c.ComparisonOperator, AttributeValueList: values}
	}
	if len(canon) != 1 && len(canon) != 2 {
		return nil, validation(MsgKeyConditionsCount)
	}
	return canon, nil
}

// CompileKeyConditions validates a Query's legacy KeyConditions against
// the key schema of the table or index queried and returns the key
// condition: EQ on the partition key, and optionally one of EQ, LE, LT, GE,
// GT, BEGINS_WITH and BETWEEN on the sort key. The key attributes are
// visited partition key first; for each, a missing condition, an operator
// no index can serve (NE, NULL, NOT_NULL, CONTAINS, NOT_CONTAINS, IN), an
// operand of another type than the key's, and a partition key operator
// other than EQ are reported in that order, as DynamoDB does.
func CompileKeyConditions(conds map[string]Condition, schema itemcheck.KeySchema) (*expr.KeyCondition, error) {
	if conds == nil {
		return nil, validation(MsgKeyConditionsMissing)
	}
	var v violations
	v.conditions("keyConditions", conds)
	if err := v.err(); err != nil {
		return nil, err
	}
	canon, err := checkKeyConditions(conds)
	if err != nil {
		return nil, err
	}
	defs := []itemcheck.KeyDef{schema.Partition}
	if schema.Sort != nil {
		defs = append(defs, *schema.Sort)
	}
	for i, def := range defs {
		partition := i == 0
		if partition && len(defs) == 1 && len(canon) > 1 {
			return nil, validation(MsgKeyConditionSupported)
		}
		c, ok := canon[def.Name]
		if !ok {
			if partition || len(canon) > 1 {
				return nil, validation(msgKeyMissedElement + def.Name)
			}
			continue
		}
		if _, indexable := keyOps[c.ComparisonOperator]; !indexable {
			return nil, validation(MsgKeyNotIndexable)
		}
		for _, val := range c.AttributeValueList {
			if val.Type() != def.Type {
				return nil, validation(MsgKeyTypeMismatch)
			}
		}
		if partition && c.ComparisonOperator != OpEQ {
			return nil, validation(MsgKeyConditionSupported)
		}
	}
	info := expr.KeySchemaInfo{PartitionKey: schema.Partition.Name, PartitionType: schema.Partition.Type}
	if schema.Sort != nil {
		info.SortKey, info.SortType = schema.Sort.Name, schema.Sort.Type
	}
	partitionValue := canon[schema.Partition.Name].AttributeValueList[0]
	if schema.Sort == nil {
		return expr.NewKeyCondition(info, partitionValue, expr.KeyNone), nil
	}
	sort, ok := canon[schema.Sort.Name]
	if !ok {
		return expr.NewKeyCondition(info, partitionValue, expr.KeyNone), nil
	}
	return expr.NewKeyCondition(info, partitionValue, keyOps[sort.ComparisonOperator], cloneValues(sort.AttributeValueList)...), nil
}

func cloneValues(vs []attr.Value) []attr.Value { return append([]attr.Value(nil), vs...) }
