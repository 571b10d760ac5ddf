package refmodel

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// setupModel returns a Setup that creates the tables in sut.
func setupModel(sut *Model) func(context.Context, []TableSpec) error {
	return func(_ context.Context, tables []TableSpec) error {
		for _, t := range tables {
			sut.AddTable(t.Name, t.Schema)
		}
		return nil
	}
}

func TestHarnessModelAgreesWithItself(t *testing.T) {
	for seed := int64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			sut := NewModel(Options{})
			traced := 0
			Run(t, RunConfig{Seed: seed, Ops: 1500, SUT: sut, Setup: setupModel(sut), Trace: func(int, Op) { traced++ }})
			require.Equal(t, 1500, traced)
			total := 0
			for _, tb := range DefaultTables() {
				total += len(sut.Items(tb.Name))
			}
			require.Positive(t, total, "the run wrote items")
		})
	}
}

// fakeReporter records Fatalf instead of failing the test.
type fakeReporter struct {
	failures []string
}

func (f *fakeReporter) Helper() {}

func (f *fakeReporter) Fatalf(format string, args ...any) {
	f.failures = append(f.failures, fmt.Sprintf(format, args...))
}

// faulty wraps a Model and breaks one behaviour.
type faulty struct {
	*Model
	fault string
	puts  int
}

func (f *faulty) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	f.puts++
	if f.fault == "drop the 40th put" && f.puts == 40 {
		return &api.PutItemOutput{}, nil
	}
	return f.Model.PutItem(ctx, in)
}

func (f *faulty) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	out, err := f.Model.UpdateItem(ctx, in)
	if f.fault == "no item on failed condition" {
		if ccf, ok := err.(*dberr.ConditionalCheckFailedException); ok && ccf.Item != nil {
			return nil, &dberr.ConditionalCheckFailedException{Message: ccf.Message}
		}
	}
	if f.fault == "failed condition reported as validation" {
		if _, ok := err.(*dberr.ConditionalCheckFailedException); ok {
			return nil, &dberr.ValidationException{Message: "The conditional request failed"}
		}
	}
	return out, err
}

func (f *faulty) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	out, err := f.Model.Query(ctx, in)
	if err != nil {
		return out, err
	}
	switch f.fault {
	case "query over-counts":
		out.Count = out.ScannedCount + 1
	case "reverse a query page":
		if len(out.Items) > 1 {
			slices.Reverse(out.Items)
		}
	case "no LastEvaluatedKey on a last full page":
		if out.LastEvaluatedKey != nil && in.Limit != nil {
			probe := *in
			probe.ExclusiveStartKey = out.LastEvaluatedKey
			if next, err := f.Model.Query(ctx, &probe); err == nil && next.ScannedCount == 0 {
				out.LastEvaluatedKey = nil
			}
		}
	}
	return out, err
}

func (f *faulty) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	out, err := f.Model.Scan(ctx, in)
	if err == nil && f.fault == "scan loses an item" && in.Limit == nil && in.TotalSegments == nil && len(out.Items) > 3 {
		out.Items = out.Items[1:]
		out.Count--
	}
	return out, err
}

func (f *faulty) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	if f.fault == "batch write skips deletes" {
		kept := map[string][]api.WriteRequest{}
		for name, reqs := range in.RequestItems {
			for _, r := range reqs {
				if r.PutRequest != nil {
					kept[name] = append(kept[name], r)
				}
			}
		}
		if len(kept) == 0 {
			return &api.BatchWriteItemOutput{}, nil
		}
		in = &api.BatchWriteItemInput{RequestItems: kept}
	}
	return f.Model.BatchWriteItem(ctx, in)
}

func TestHarnessCatchesDivergence(t *testing.T) {
	cases := []struct {
		fault string
		want  string // a fragment the report must hold
	}{
		{"drop the 40th put", "first difference"},
		{"reverse a query page", "op: Query"},
		{"no LastEvaluatedKey on a last full page", "LastEvaluatedKey"},
		{"no item on failed condition", "ConditionalCheckFailedException"},
		{"failed condition reported as validation", "error ValidationException"},
		{"scan loses an item", "first difference"},
		{"query over-counts", "system under test broke an invariant: Query page 0: Count"},
		{"batch write skips deletes", "first difference"},
	}
	for _, tc := range cases {
		t.Run(tc.fault, func(t *testing.T) {
			sut := &faulty{Model: NewModel(Options{}), fault: tc.fault}
			rep := &fakeReporter{}
			Run(rep, RunConfig{Seed: 7, Ops: 3000, SUT: sut, Setup: setupModel(sut.Model), FullCheckEvery: 25})
			require.Len(t, rep.failures, 1, "the harness must catch: %s", tc.fault)
			msg := rep.failures[0]
			assert.Contains(t, msg, "seed 7, op ")
			assert.Contains(t, msg, "replay with RunConfig{Seed: 7")
			assert.Contains(t, msg, "system under test:")
			assert.Contains(t, msg, "model:")
			assert.Contains(t, msg, tc.want)
		})
	}
}

func TestCheckReturnsMismatch(t *testing.T) {
	sut := &faulty{Model: NewModel(Options{}), fault: "drop the 40th put"}
	err := Check(RunConfig{Seed: 3, Ops: 2000, SUT: sut, Setup: setupModel(sut.Model), FullCheckEvery: 1})
	var mm *Mismatch
	require.ErrorAs(t, err, &mm)
	require.Equal(t, int64(3), mm.Seed)
	require.Contains(t, mm.Detail, "first difference")

	// Replaying up to the reported op reproduces the divergence.
	sut = &faulty{Model: NewModel(Options{}), fault: "drop the 40th put"}
	err = Check(RunConfig{Seed: 3, Ops: mm.Index + 1, SUT: sut, Setup: setupModel(sut.Model), FullCheckEvery: 1})
	var again *Mismatch
	require.ErrorAs(t, err, &again)
	require.Equal(t, mm.Index, again.Index)
}

func TestCheckSetupErrors(t *testing.T) {
	require.ErrorIs(t, Check(RunConfig{}), ErrSetup)
	err := Check(RunConfig{SUT: NewModel(Options{}), Setup: func(context.Context, []TableSpec) error { return fmt.Errorf("no cluster") }})
	require.ErrorIs(t, err, ErrSetup)
	require.ErrorContains(t, err, "no cluster")

	// A system under test whose tables are not empty diverges before the
	// first operation.
	full := NewModel(Options{})
	rep := &fakeReporter{}
	Run(rep, RunConfig{Seed: 1, Ops: 10, SUT: full, Setup: func(ctx context.Context, tables []TableSpec) error {
		for _, tb := range tables {
			full.AddTable(tb.Name, tb.Schema)
		}
		_, err := full.PutItem(ctx, &api.PutItemInput{TableName: "gen_h", Item: attr.Item{"pk": attr.S("left over")}})
		return err
	}})
	require.Len(t, rep.failures, 1)
	require.Contains(t, rep.failures[0], "op -1")
	require.Contains(t, rep.failures[0], "left over")

	// A system under test without the tables diverges at once.
	rep = &fakeReporter{}
	Run(rep, RunConfig{Seed: 1, Ops: 10, SUT: NewModel(Options{})})
	require.Len(t, rep.failures, 1)
	require.Contains(t, rep.failures[0], "ResourceNotFoundException")
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b, c := NewGenerator(42, GenConfig{}), NewGenerator(42, GenConfig{}), NewGenerator(43, GenConfig{})
	same, differ := true, false
	for range 500 {
		x, y, z := a.Next().String(), b.Next().String(), c.Next().String()
		same = same && x == y
		differ = differ || x != z
	}
	require.True(t, same, "one seed, one sequence")
	require.True(t, differ, "another seed, another sequence")
}

func TestGeneratorCoverage(t *testing.T) {
	g := NewGenerator(5, GenConfig{})
	kinds := map[OpKind]int{}
	features := map[string]int{}
	note := func(cond bool, name string) {
		if cond {
			features[name]++
		}
	}
	for range 5000 {
		op := g.Next()
		kinds[op.Kind]++
		s := op.String()
		note(op.Invalid, "invalid")
		for _, f := range []string{"attribute_exists", "attribute_not_exists", "begins_with", "contains(", "size(", "attribute_type", " AND ", " OR ", "NOT ", " BETWEEN ", " IN (",
			"if_not_exists", "list_append", " + ", " - ", "REMOVE ", "ADD ", "DELETE ", "SET ", "Expected:", "AttributeUpdates:", "KeyConditions:", "QueryFilter:", "ScanFilter:", "AttributesToGet:",
			"ProjectionExpression:", "TotalSegments:", "\"COUNT\"", "ScanIndexForward:false", "Limit:", "ConditionalOperator:", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW", "ALL_OLD", "\"SS\"", "\"NS\"", "\"BS\"", "\"M\"", "\"L\"", "\"NULL\"", "\"BOOL\"", "\"B\"", "#n0", "ExclusiveStartKey:"} {
			note(strings.Contains(s, f), f)
		}
		if op.Kind == OpQuery && op.Query.KeyConditionExpression != "" {
			kc := op.Query.KeyConditionExpression
			for _, f := range []string{" < ", " <= ", " > ", " >= ", " BETWEEN ", "begins_with"} {
				note(strings.Contains(kc, f), "key condition"+f)
			}
			note(!strings.Contains(kc, " AND "), "key condition on the partition key alone")
		}
	}
	for k := OpPutItem; k <= OpBatchWriteItem; k++ {
		require.Positive(t, kinds[k], k.String())
	}
	for _, f := range []string{"invalid", "attribute_exists", "attribute_not_exists", "begins_with", "contains(", "size(", "attribute_type", " AND ", " OR ", "NOT ", " BETWEEN ", " IN (",
		"if_not_exists", "list_append", " + ", " - ", "REMOVE ", "ADD ", "DELETE ", "SET ", "Expected:", "AttributeUpdates:", "KeyConditions:", "QueryFilter:", "ScanFilter:", "AttributesToGet:",
		"ProjectionExpression:", "TotalSegments:", "\"COUNT\"", "ScanIndexForward:false", "Limit:", "ConditionalOperator:", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW", "ALL_OLD", "\"SS\"", "\"NS\"", "\"BS\"", "\"M\"", "\"L\"", "\"NULL\"", "\"BOOL\"", "\"B\"", "#n0", "ExclusiveStartKey:",
		"key condition < ", "key condition <= ", "key condition > ", "key condition >= ", "key condition BETWEEN ", "key conditionbegins_with", "key condition on the partition key alone"} {
		assert.Positive(t, features[f], "generated no %q", f)
	}
}

func TestCreateTableInput(t *testing.T) {
	tables := DefaultTables()
	in := tables[0].CreateTableInput()
	require.Equal(t, "gen_sn", in.TableName)
	require.Len(t, in.KeySchema, 2)
	require.Equal(t, "pk", in.KeySchema[0].AttributeName)
	require.EqualValues(t, "HASH", in.KeySchema[0].KeyType)
	require.EqualValues(t, "RANGE", in.KeySchema[1].KeyType)
	require.EqualValues(t, "N", in.AttributeDefinitions[1].AttributeType)
	require.EqualValues(t, "PAY_PER_REQUEST", in.BillingMode)
	hashOnly := tables[3].CreateTableInput()
	require.Len(t, hashOnly.KeySchema, 1)
}

func TestInvalidOpsAreRefused(t *testing.T) {
	g := NewGenerator(11, GenConfig{InvalidPercent: 100})
	m := NewModel(Options{})
	for _, tb := range g.Tables() {
		m.AddTable(tb.Name, tb.Schema)
	}
	h := &harness{cfg: RunConfig{SUT: m, Model: m}.withDefaults(), tables: g.Tables()}
	codes := map[string]int{}
	for range 400 {
		op := g.Next()
		require.True(t, op.Invalid)
		o := h.run(m, op)
		text := o.text.String()
		require.Contains(t, text, "error ", "%s was accepted", op)
		codes[strings.Fields(text[strings.Index(text, "error "):])[1]]++
	}
	require.Equal(t, []string{"ResourceNotFoundException", "ValidationException"}, slices.Sorted(maps.Keys(codes)))
}

func TestCanonItemComparesByValue(t *testing.T) {
	cases := []struct {
		name  string
		a, b  attr.Item
		equal bool
	}{
		{"numbers by value", attr.Item{"n": attr.N("1.50")}, attr.Item{"n": attr.N("1.5")}, true},
		{"different numbers", attr.Item{"n": attr.N("1.5")}, attr.Item{"n": attr.N("15")}, false},
		{"number sets by membership", attr.Item{"s": attr.NS("2", "1.0")}, attr.Item{"s": attr.NS("1", "2")}, true},
		{"string sets by membership", attr.Item{"s": attr.SS("b", "a")}, attr.Item{"s": attr.SS("a", "b")}, true},
		{"lists keep order", attr.Item{"l": attr.L(attr.S("a"), attr.S("b"))}, attr.Item{"l": attr.L(attr.S("b"), attr.S("a"))}, false},
		{"nested maps", attr.Item{"m": attr.M(map[string]attr.Value{"x": attr.N("010"), "y": attr.Null()})}, attr.Item{"m": attr.M(map[string]attr.Value{"y": attr.Null(), "x": attr.N("10")})}, true},
		{"types differ", attr.Item{"v": attr.S("1")}, attr.Item{"v": attr.N("1")}, false},
		{"string and binary differ", attr.Item{"v": attr.S("a")}, attr.Item{"v": attr.B([]byte("a"))}, false},
		{"nil and empty alike", nil, attr.Item{}, true},
		{"long strings by content", attr.Item{"s": attr.S(strings.Repeat("a", 1000) + "b")}, attr.Item{"s": attr.S(strings.Repeat("a", 1000) + "c")}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.equal, canonItem(tc.a) == canonItem(tc.b), "%s vs %s", canonItem(tc.a), canonItem(tc.b))
		})
	}
	require.Less(t, len(canonItem(attr.Item{"s": attr.S(strings.Repeat("a", 100000))})), 200, "long values are abbreviated")
}

func BenchmarkCheckModelAgainstModel(b *testing.B) {
	b.ReportAllocs()
	ops := 0
	for i := range b.N {
		sut := NewModel(Options{})
		require.NoError(b, Check(RunConfig{Seed: int64(i), Ops: 1000, SUT: sut, Setup: setupModel(sut)}))
		ops += 1000
	}
	b.ReportMetric(float64(ops)/b.Elapsed().Seconds(), "ops/s")
}
