package legacy

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/number"
)

// fuzzInput hands out small choices from the fuzzer's bytes, and zeros
// once they run out, so every input decodes to some request.
type fuzzInput struct{ data []byte }

func (in *fuzzInput) next() int {
	if len(in.data) == 0 {
		return 0
	}
	b := in.data[0]
	in.data = in.data[1:]
	return int(b)
}

func (in *fuzzInput) pick(n int) int { return in.next() % n }

var fuzzNames = []string{"a", "b", "pk", "sk", "n", "s", "l"}

var fuzzOperators = []string{OpEQ, OpNE, OpLE, OpLT, OpGE, OpGT, OpNotNull, OpNull, OpContains, OpNotContains, OpBeginsWith, OpIn, OpBetween, "", "eq", "LIKE"}

var fuzzStrings = []string{"", "a", "ab", "b", "hello", "\xff", "a.b"}

var fuzzNumbers = []string{"0", "1", "-1", "1.5", "01", "1e3", "1E126", "x", "", "2", "10", "-0.5"}

// value decodes an attribute value, invalid ones included (no type, bad
// numbers, empty or duplicated sets, deep nesting).
func (in *fuzzInput) value(depth int) attr.Value {
	switch in.pick(14) {
	case 0:
		return attr.Value{}
	case 1, 2:
		return attr.S(fuzzStrings[in.pick(len(fuzzStrings))])
	case 3, 4:
		return attr.N(fuzzNumbers[in.pick(len(fuzzNumbers))])
	case 5:
		return attr.B([]byte(fuzzStrings[in.pick(len(fuzzStrings))]))
	case 6:
		return attr.Bool(in.pick(2) == 0)
	case 7:
		return attr.Null()
	case 8:
		n := in.pick(3)
		ss := make([]string, n)
		for i := range ss {
			ss[i] = fuzzStrings[in.pick(len(fuzzStrings))]
		}
		return attr.SS(ss...)
	case 9:
		n := in.pick(3)
		ns := make([]string, n)
		for i := range ns {
			ns[i] = fuzzNumbers[in.pick(len(fuzzNumbers))]
		}
		return attr.NS(ns...)
	case 10:
		n := in.pick(3)
		bs := make([][]byte, n)
		for i := range bs {
			bs[i] = []byte(fuzzStrings[in.pick(len(fuzzStrings))])
		}
		return attr.BS(bs...)
	case 11:
		if depth > 3 {
			return attr.L()
		}
		n := in.pick(3)
		l := make([]attr.Value, n)
		for i := range l {
			l[i] = in.value(depth + 1)
		}
		return attr.L(l...)
	case 12:
		if depth > 3 {
			return attr.M(nil)
		}
		m := map[string]attr.Value{}
		for i := in.pick(3); i > 0; i-- {
			m[fuzzNames[in.pick(len(fuzzNames))]] = in.value(depth + 1)
		}
		return attr.M(m)
	}
	return attr.N(fuzzNumbers[in.pick(4)])
}

func (in *fuzzInput) valueList() []attr.Value {
	switch in.pick(4) {
	case 0:
		return nil
	case 1:
		return []attr.Value{}
	}
	n := 1 + in.pick(3)
	vs := make([]attr.Value, n)
	for i := range vs {
		vs[i] = in.value(0)
	}
	return vs
}

func (in *fuzzInput) valuePtr() *attr.Value {
	if in.pick(2) == 0 {
		return nil
	}
	v := in.value(0)
	return &v
}

func (in *fuzzInput) conditions() map[string]Condition {
	if in.pick(3) == 0 {
		return nil
	}
	m := map[string]Condition{}
	for i := in.pick(4); i > 0; i-- {
		m[fuzzNames[in.pick(len(fuzzNames))]] = Condition{
			ComparisonOperator: fuzzOperators[in.pick(len(fuzzOperators))],
			AttributeValueList: in.valueList(),
		}
	}
	return m
}

func (in *fuzzInput) request() Request {
	var r Request
	if in.pick(3) != 0 {
		r.Expected = map[string]ExpectedAttributeValue{}
		for i := in.pick(4); i > 0; i-- {
			e := ExpectedAttributeValue{Value: in.valuePtr()}
			switch in.pick(3) {
			case 1:
				e.Exists = boolp(true)
			case 2:
				e.Exists = boolp(false)
			}
			if in.pick(2) == 0 {
				e.ComparisonOperator = fuzzOperators[in.pick(len(fuzzOperators))]
				e.AttributeValueList = in.valueList()
			}
			r.Expected[fuzzNames[in.pick(len(fuzzNames))]] = e
		}
	}
	if in.pick(3) != 0 {
		r.AttributeUpdates = map[string]AttributeValueUpdate{}
		actions := []string{"", ActionPut, ActionAdd, ActionDelete, "add"}
		for i := in.pick(4); i > 0; i-- {
			r.AttributeUpdates[fuzzNames[in.pick(len(fuzzNames))]] = AttributeValueUpdate{
				Value:  in.valuePtr(),
				Action: actions[in.pick(len(actions))],
			}
		}
	}
	if in.pick(3) == 0 {
		r.AttributesToGet = []string{}
		for i := in.pick(4); i > 0; i-- {
			r.AttributesToGet = append(r.AttributesToGet, fuzzNames[in.pick(len(fuzzNames))])
		}
	}
	r.KeyConditions = in.conditions()
	r.QueryFilter = in.conditions()
	r.ScanFilter = in.conditions()
	r.ConditionalOperator = []string{"", "", ConditionalAnd, ConditionalOr, "XOR"}[in.pick(5)]
	r.Expressions = Params(in.next()<<7) & params(ParamConditionExpression, ParamUpdateExpression,
		ParamFilterExpression, ParamKeyConditionExpression, ParamProjectionExpression,
		ParamExpressionAttributeNames, ParamExpressionAttributeValues)
	return r
}

// item decodes a stored item of valid values with canonical numbers.
func (in *fuzzInput) item() attr.Item {
	if in.pick(4) == 0 {
		return nil
	}
	item := attr.Item{}
	for i := in.pick(5); i > 0; i-- {
		v := in.value(0)
		canon, _, err := itemcheck.Value(v)
		if err != nil {
			continue
		}
		item[fuzzNames[in.pick(len(fuzzNames))]] = canon
	}
	return item
}

// FuzzCompile builds legacy requests from the fuzzer's bytes, compiles them
// for every operation and evaluates what compiles against items. It must
// never panic; every error must be a ValidationException; and each compiled
// condition must agree with oracle, an independent reading of the legacy
// operators.
func FuzzCompile(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{2, 3, 1, 0, 12, 2, 0, 1, 1, 3, 3, 0, 1, 2, 3})
	f.Add(bytes.Repeat([]byte{7, 3, 1}, 30))
	f.Add(bytes.Repeat([]byte{0xff, 0x10, 0x42, 0x05}, 40))
	f.Fuzz(func(t *testing.T, data []byte) { checkRequest(t, data) })
}

// checkRequest is the body of FuzzCompile. It returns how many compiled
// conditions it compared with the oracle.
func checkRequest(t *testing.T, data []byte) int {
	compared := 0
	in := &fuzzInput{data: data}
	req := in.request()
	items := []attr.Item{in.item(), in.item(), stored, nil}
	schemas := []itemcheck.KeySchema{hashSchema, rangeSchema, stringRangeSchema}
	for _, op := range []Operation{GetItem, BatchGetItem, PutItem, DeleteItem, UpdateItem, Query, Scan} {
		out, err := Compile(op, &req)
		if err != nil {
			requireAPIError(t, err)
			continue
		}
		for _, item := range items {
			if out.Condition != nil {
				ok, err := out.Condition.Eval(item)
				require.NoError(t, err)
				require.Equal(t, oracleAll(req.Expected, req.ConditionalOperator, item), ok, "%s Expected %v on %v", op, req.Expected, item)
				compared++
			}
			if out.Filter != nil {
				filter := req.ScanFilter
				if op == Query {
					filter = req.QueryFilter
				}
				ok, err := out.Filter.Eval(item)
				require.NoError(t, err)
				require.Equal(t, oracleFilter(filter, req.ConditionalOperator, item), ok, "%s filter %v on %v", op, filter, item)
				compared++
			}
			if out.Update != nil {
				if _, err := out.Update.Apply(item); err != nil {
					requireAPIError(t, err)
				}
			}
			if out.Projection != nil {
				got := out.Projection.Apply(item)
				for name, v := range got {
					require.True(t, attr.Equal(item[name], v))
				}
			}
		}
		if out.KeyConditions != nil {
			for _, schema := range schemas {
				kc, err := CompileKeyConditions(out.KeyConditions, schema)
				if err != nil {
					requireAPIError(t, err)
					continue
				}
				for _, item := range items {
					kc.Match(item)
				}
			}
		}
	}
	return compared
}

// TestCompileAgreesWithOracle runs FuzzCompile's checks over seeded random
// inputs, so the comparison with the oracle is part of every test run.
func TestCompileAgreesWithOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	compared := 0
	for range 20000 {
		data := make([]byte, 8+rng.IntN(120))
		limit := 256
		if rng.IntN(2) == 0 {
			limit = 5 // small choices pick the first, mostly valid, options
		}
		for i := range data {
			data[i] = byte(rng.IntN(limit))
		}
		compared += checkRequest(t, data)
	}
	require.Greater(t, compared, 2000, "too few compiled conditions were compared")
	t.Logf("compared %d compiled conditions with the oracle", compared)
}

func requireAPIError(t *testing.T, err error) {
	t.Helper()
	var ve *dberr.ValidationException
	require.True(t, errors.As(err, &ve), "not a ValidationException: %v", err)
	require.NotEmpty(t, ve.Message)
}

// oracleAll evaluates an Expected map that compiled, independently of
// package expr.
func oracleAll(expected map[string]ExpectedAttributeValue, conditionalOperator string, item attr.Item) bool {
	results := []bool{}
	for name, e := range expected {
		v, present := item[name]
		var r bool
		switch {
		case e.ComparisonOperator != "":
			values := e.AttributeValueList
			if e.Value != nil {
				values = []attr.Value{*e.Value}
			}
			r = oracle(e.ComparisonOperator, v, present, values)
		case e.Exists != nil && !*e.Exists:
			r = !present
		default:
			r = present && oracleEqual(v, *e.Value)
		}
		results = append(results, r)
	}
	return combine(conditionalOperator, results)
}

func oracleFilter(filter map[string]Condition, conditionalOperator string, item attr.Item) bool {
	results := []bool{}
	for name, c := range filter {
		v, present := item[name]
		results = append(results, oracle(c.ComparisonOperator, v, present, c.AttributeValueList))
	}
	return combine(conditionalOperator, results)
}

func combine(conditionalOperator string, results []bool) bool {
	if conditionalOperator == ConditionalOr && len(results) > 1 {
		for _, r := range results {
			if r {
				return true
			}
		}
		return false
	}
	for _, r := range results {
		if !r {
			return false
		}
	}
	return true
}

// oracle is the legacy operator semantics written out directly.
func oracle(op string, v attr.Value, present bool, values []attr.Value) bool {
	switch op {
	case OpNull:
		return !present
	case OpNotNull:
		return present
	case OpNE:
		return !present || !oracleEqual(v, values[0])
	}
	if !present {
		return false
	}
	switch op {
	case OpEQ:
		return oracleEqual(v, values[0])
	case OpLT, OpLE, OpGT, OpGE:
		c, ok := oracleOrder(v, values[0])
		if !ok {
			return false
		}
		return map[string]bool{OpLT: c < 0, OpLE: c <= 0, OpGT: c > 0, OpGE: c >= 0}[op]
	case OpContains:
		return oracleContains(v, values[0])
	case OpNotContains:
		return !oracleContains(v, values[0])
	case OpBeginsWith:
		switch {
		case v.Type() == attr.TypeS && values[0].Type() == attr.TypeS:
			return strings.HasPrefix(v.S(), values[0].S())
		case v.Type() == attr.TypeB && values[0].Type() == attr.TypeB:
			return bytes.HasPrefix(v.B(), values[0].B())
		}
		return false
	case OpIn:
		for _, x := range values {
			if oracleEqual(v, x) {
				return true
			}
		}
		return false
	case OpBetween:
		lo, ok1 := oracleOrder(v, values[0])
		hi, ok2 := oracleOrder(v, values[1])
		return ok1 && ok2 && lo >= 0 && hi <= 0
	}
	return false
}

func oracleEqual(a, b attr.Value) bool {
	if a.Type() == attr.TypeN && b.Type() == attr.TypeN {
		c, err := number.Compare(a.N(), b.N())
		return err == nil && c == 0
	}
	if a.Type() == attr.TypeNS && b.Type() == attr.TypeNS {
		return len(a.NS()) == len(b.NS()) && allNumbersIn(a.NS(), b.NS()) && allNumbersIn(b.NS(), a.NS())
	}
	return attr.Equal(a, b)
}

func allNumbersIn(xs, set []string) bool {
	for _, x := range xs {
		if !numberIn(x, set) {
			return false
		}
	}
	return true
}

func numberIn(x string, set []string) bool {
	for _, m := range set {
		if c, err := number.Compare(x, m); err == nil && c == 0 {
			return true
		}
	}
	return false
}

func oracleOrder(a, b attr.Value) (int, bool) {
	if a.Type() != b.Type() {
		return 0, false
	}
	switch a.Type() {
	case attr.TypeN:
		c, err := number.Compare(a.N(), b.N())
		return c, err == nil
	case attr.TypeS:
		return strings.Compare(a.S(), b.S()), true
	case attr.TypeB:
		return bytes.Compare(a.B(), b.B()), true
	}
	return 0, false
}

func oracleContains(a, b attr.Value) bool {
	switch a.Type() {
	case attr.TypeS:
		return b.Type() == attr.TypeS && strings.Contains(a.S(), b.S())
	case attr.TypeB:
		return b.Type() == attr.TypeB && bytes.Contains(a.B(), b.B())
	case attr.TypeSS:
		if b.Type() != attr.TypeS {
			return false
		}
		for _, m := range a.SS() {
			if m == b.S() {
				return true
			}
		}
	case attr.TypeNS:
		return b.Type() == attr.TypeN && numberIn(b.N(), a.NS())
	case attr.TypeBS:
		if b.Type() != attr.TypeB {
			return false
		}
		for _, m := range a.BS() {
			if bytes.Equal(m, b.B()) {
				return true
			}
		}
	case attr.TypeL:
		for _, e := range a.L() {
			if oracleEqual(e, b) {
				return true
			}
		}
	}
	return false
}
