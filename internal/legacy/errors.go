package legacy

import (
	"sort"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/dberr"
)

const invalidPrefix = "One or more parameter values were invalid: "

// The enum value sets as DynamoDB prints them in constraint violations.
const (
	comparisonOperatorSet  = "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
	conditionalOperatorSet = "[OR, AND]"
	actionSet              = "[ADD, PUT, DELETE]"
)

// maxViolations is how many constraint violations DynamoDB reports at most.
const maxViolations = 10

// MaxAttributesToGet is the most names AttributesToGet may list.
const MaxAttributesToGet = 255

func validation(msg string) error { return &dberr.ValidationException{Message: msg} }

// violations collects model constraint violations ("Value 'x' at 'path'
// failed to satisfy constraint: ..."), which DynamoDB reports together in
// its "N validation errors detected: " envelope.
type violations struct{ list []string }

func (v *violations) add(value *string, path, constraint string) {
	if len(v.list) >= maxViolations {
		return
	}
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.list = append(v.list, "Value "+shown+" at '"+path+"' failed to satisfy constraint: "+constraint)
}

func (v *violations) err() error {
	if len(v.list) == 0 {
		return nil
	}
	plural := ""
	if len(v.list) > 1 {
		plural = "s"
	}
	return validation(strconv.Itoa(len(v.list)) + " validation error" + plural + " detected: " + strings.Join(v.list, "; "))
}

func (v *violations) enum(value, path, set string) {
	v.add(&value, path, "Member must satisfy enum value set: "+set)
}

// comparisonOperator checks a ComparisonOperator; required is true for
// Condition (KeyConditions, QueryFilter, ScanFilter), whose operator the
// model marks as required, and false for Expected.
func (v *violations) comparisonOperator(path, op string, required bool) {
	if op == "" {
		if required {
			v.add(nil, path, "Member must not be null")
		}
		return
	}
	if !knownOperator(op) {
		v.enum(op, path, comparisonOperatorSet)
	}
}

func (v *violations) conditionalOperator(op string) {
	if op != "" && op != ConditionalAnd && op != ConditionalOr {
		v.enum(op, "conditionalOperator", conditionalOperatorSet)
	}
}

func (v *violations) conditions(param string, conds map[string]Condition) {
	for _, name := range sortedKeys(conds) {
		v.comparisonOperator(param+"."+name+".member.comparisonOperator", conds[name].ComparisonOperator, true)
	}
}

func (v *violations) expected(expected map[string]ExpectedAttributeValue) {
	for _, name := range sortedKeys(expected) {
		v.comparisonOperator("expected."+name+".member.comparisonOperator", expected[name].ComparisonOperator, false)
	}
}

func (v *violations) updates(updates map[string]AttributeValueUpdate) {
	for _, name := range sortedKeys(updates) {
		switch a := updates[name].Action; a {
		case "", ActionPut, ActionAdd, ActionDelete:
		default:
			v.enum(a, "attributeUpdates."+name+".member.action", actionSet)
		}
	}
}

func (v *violations) attributesToGet(names []string) {
	if names == nil {
		return
	}
	shown := "[" + strings.Join(names, ", ") + "]"
	if len(names) < 1 {
		v.add(&shown, "attributesToGet", "Member must have length greater than or equal to 1")
	}
	if len(names) > MaxAttributesToGet {
		v.add(&shown, "attributesToGet", "Member must have length less than or equal to "+strconv.Itoa(MaxAttributesToGet))
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
