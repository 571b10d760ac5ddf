package expr

import (
	"sort"
	"strings"
)

// Usage records which ExpressionAttributeNames and ExpressionAttributeValues
// placeholders one parsed expression referred to. DynamoDB rejects a request
// whose maps hold a placeholder that none of its expressions uses; the
// caller gathers the Usage of every expression of the request and calls
// CheckUnused once.
type Usage struct {
	names  map[string]struct{}
	values map[string]struct{}
}

func (u *Usage) addName(n string) {
	if u.names == nil {
		u.names = make(map[string]struct{})
	}
	u.names[n] = struct{}{}
}

func (u *Usage) addValue(v string) {
	if u.values == nil {
		u.values = make(map[string]struct{})
	}
	u.values[v] = struct{}{}
}

// UsesName reports whether the expression referred to name placeholder n.
func (u Usage) UsesName(n string) bool { _, ok := u.names[n]; return ok }

// UsesValue reports whether the expression referred to value placeholder v.
func (u Usage) UsesValue(v string) bool { _, ok := u.values[v]; return ok }

// CheckUnused returns DynamoDB's ValidationException when names or values
// hold a placeholder that no expression of the request used. Names are
// checked first; the keys are listed in sorted order.
func CheckUnused(names Names, values Values, used ...Usage) error {
	var unusedNames, unusedValues []string
	for n := range names {
		if !anyUses(used, func(u Usage) bool { return u.UsesName(n) }) {
			unusedNames = append(unusedNames, n)
		}
	}
	if len(unusedNames) > 0 {
		sort.Strings(unusedNames)
		return validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unusedNames, ", ") + "}")
	}
	for v := range values {
		if !anyUses(used, func(u Usage) bool { return u.UsesValue(v) }) {
			unusedValues = append(unusedValues, v)
		}
	}
	if len(unusedValues) > 0 {
		sort.Strings(unusedValues)
		return validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unusedValues, ", ") + "}")
	}
	return nil
}

func anyUses(used []Usage, f func(Usage) bool) bool {
	for _, u := range used {
		if f(u) {
			return true
		}
	}
	return false
}

// CheckPlaceholders validates the keys of a request's ExpressionAttributeNames
// and ExpressionAttributeValues maps before any expression is parsed: a map
// that is present must not be empty, and every key must be # or : followed
// by letters, digits or underscores. A nil map is absent and passes.
func CheckPlaceholders(names Names, values Values) error {
	if names != nil {
		if len(names) == 0 {
			return validation("ExpressionAttributeNames must not be empty")
		}
		for _, k := range sortedKeys(names) {
			if !validPlaceholder(k, '#') {
				return validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
	}
	if values != nil {
		if len(values) == 0 {
			return validation("ExpressionAttributeValues must not be empty")
		}
		keys := make([]string, 0, len(values))
		for k := range values {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !validPlaceholder(k, ':') {
				return validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "` + k + `"`)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func validPlaceholder(k string, lead byte) bool {
	if len(k) < 2 || k[0] != lead {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isIdentPart(k[i]) {
			return false
		}
	}
	return true
}
