package refmodel

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/dberr"
)

// Reporter receives the harness's verdict. *testing.T, *testing.B and
// testing.TB satisfy it; a test of the harness itself passes a fake.
type Reporter interface {
	Helper()
	Fatalf(format string, args ...any)
}

// RunConfig configures Run and Check. Zero values mean the defaults.
type RunConfig struct {
	// Seed seeds the generator; the same seed replays the same operations.
	Seed int64
	// Ops is the number of operations to run (default 500).
	Ops int
	// Gen configures the generator.
	Gen GenConfig
	// SUT is the system under test. It must hold the generator's tables
	// (Generator.Tables, DefaultTables by default), empty, when the run
	// starts, or Setup must create them.
	SUT api.DataPlane
	// Setup, when set, is called once before the first operation with the
	// tables the run uses, to create them in the system under test.
	Setup func(ctx context.Context, tables []TableSpec) error
	// Model is the reference; nil means NewModel(Options{}). Run
	// (re)creates the generator's tables in it, empty. A system under test
	// with a smaller page size needs a Model with the same MaxPageBytes.
	Model *Model
	// FullCheckEvery is the period, in operations, of the full-state check
	// that scans every table of both systems and compares their contents
	// (default 50). The check also runs after the last operation.
	FullCheckEvery int
	// MaxPages bounds the pages one Query or Scan may take to reach its end
	// (default 10000), so a system that never stops paging is reported
	// instead of looping.
	MaxPages int
	// Context is the context of every call (default context.Background()).
	Context context.Context
	// Trace, when set, is called with each operation before it runs.
	Trace func(index int, op Op)
}

// withDefaults returns cfg with its zero values replaced by the defaults.
func (cfg RunConfig) withDefaults() RunConfig {
	if cfg.Ops <= 0 {
		cfg.Ops = 500
	}
	if cfg.FullCheckEvery <= 0 {
		cfg.FullCheckEvery = 50
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 10000
	}
	if cfg.Context == nil {
		cfg.Context = context.Background()
	}
	if cfg.Model == nil {
		cfg.Model = NewModel(Options{})
	}
	return cfg
}

// Mismatch is a divergence between the system under test and the model.
type Mismatch struct {
	// Seed and Index locate the operation: the Index-th (from 0) operation
	// of the generator seeded with Seed; -1 when the tables of the system
	// under test were not empty at the start.
	Seed  int64
	Index int
	// Op is the operation, rendered; for the full-state check it says so.
	Op string
	// Detail shows both results and where they differ.
	Detail string
}

// Error implements error.
func (m *Mismatch) Error() string {
	return fmt.Sprintf("refmodel: divergence at seed %d, op %d\nop: %s\n%s\nreplay with RunConfig{Seed: %d, Ops: %d}", m.Seed, m.Index, m.Op, m.Detail, m.Seed, m.Index+1)
}

// ErrSetup wraps a failure of RunConfig.Setup or a missing SUT.
var ErrSetup = errors.New("refmodel: setup")

// Run runs the configured operations against the system under test and the
// model and reports the first divergence, or a setup failure, with
// r.Fatalf.
func Run(r Reporter, cfg RunConfig) {
	r.Helper()
	if err := Check(cfg); err != nil {
		r.Fatalf("%v", err)
	}
}

// Check runs the configured operations against the system under test and
// the model and returns the first divergence as a *Mismatch, nil when there
// is none.
func Check(cfg RunConfig) error {
	cfg = cfg.withDefaults()
	if cfg.SUT == nil {
		return fmt.Errorf("%w: RunConfig.SUT is nil", ErrSetup)
	}
	gen := NewGenerator(cfg.Seed, cfg.Gen)
	tables := gen.Tables()
	for _, t := range tables {
		cfg.Model.AddTable(t.Name, t.Schema)
	}
	if cfg.Setup != nil {
		if err := cfg.Setup(cfg.Context, tables); err != nil {
			return fmt.Errorf("%w: %w", ErrSetup, err)
		}
	}
	h := &harness{cfg: cfg, tables: tables}
	if detail := h.compareState(); detail != "" {
		return &Mismatch{Seed: cfg.Seed, Index: -1, Op: "full-state check before the first operation (the tables must start empty)", Detail: detail}
	}
	for i := range cfg.Ops {
		op := gen.Next()
		if cfg.Trace != nil {
			cfg.Trace(i, op)
		}
		if detail := h.compare(op); detail != "" {
			return &Mismatch{Seed: cfg.Seed, Index: i, Op: op.String(), Detail: detail}
		}
		if (i+1)%cfg.FullCheckEvery == 0 || i == cfg.Ops-1 {
			if detail := h.compareState(); detail != "" {
				return &Mismatch{Seed: cfg.Seed, Index: i, Op: "full-state check after " + op.String(), Detail: detail}
			}
		}
	}
	return nil
}

// harness runs one comparison.
type harness struct {
	cfg    RunConfig
	tables []TableSpec
}

// outcome is what one side made of an operation: text is compared, notes
// (error messages) are shown but not compared, problems are broken
// invariants of the side's own results.
type outcome struct {
	text     strings.Builder
	notes    []string
	problems []string
}

func (o *outcome) line(format string, args ...any) {
	fmt.Fprintf(&o.text, format+"\n", args...)
}

// error records an error: its exception name and, for a failed
// condition, the item it returned. Validation messages are not compared.
func (o *outcome) error(err error) {
	var apiErr dberr.APIError
	if !errors.As(err, &apiErr) {
		o.line("error (not a DynamoDB exception)")
		o.notes = append(o.notes, err.Error())
		return
	}
	o.line("error %s", apiErr.ErrorCode())
	o.notes = append(o.notes, err.Error())
	var ccf *dberr.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		o.line("  item %s", canonItem(ccf.Item))
	}
}

// compare runs op on both systems and returns a description of how their
// results differ, "" when they agree.
func (h *harness) compare(op Op) string {
	sut, model := h.run(h.cfg.SUT, op), h.run(h.cfg.Model, op)
	return diff(sut, model)
}

// diff describes the difference between the two sides' outcomes.
func diff(sut, model *outcome) string {
	if sut.text.String() == model.text.String() && len(sut.problems) == 0 && len(model.problems) == 0 {
		return ""
	}
	var b strings.Builder
	sutLines := strings.Split(strings.TrimSuffix(sut.text.String(), "\n"), "\n")
	modelLines := strings.Split(strings.TrimSuffix(model.text.String(), "\n"), "\n")
	for i := 0; i < max(len(sutLines), len(modelLines)); i++ {
		s, m := lineAt(sutLines, i), lineAt(modelLines, i)
		if s != m {
			fmt.Fprintf(&b, "first difference at line %d:\n  system under test: %s\n  model:             %s\n", i+1, s, m)
			break
		}
	}
	for _, p := range sut.problems {
		fmt.Fprintf(&b, "system under test broke an invariant: %s\n", p)
	}
	for _, p := range model.problems {
		fmt.Fprintf(&b, "model broke an invariant: %s\n", p)
	}
	b.WriteString("system under test:\n" + indent(sut.text.String()))
	b.WriteString("model:\n" + indent(model.text.String()))
	for _, n := range sut.notes {
		b.WriteString("system under test said: " + n + "\n")
	}
	for _, n := range model.notes {
		b.WriteString("model said: " + n + "\n")
	}
	return b.String()
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(nothing)"
}

func indent(text string) string {
	if text == "" {
		return "  (nothing)\n"
	}
	return "  " + strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n  ") + "\n"
}

// run executes op on one system and describes the result.
func (h *harness) run(dp api.DataPlane, op Op) *outcome {
	ctx := h.cfg.Context
	o := &outcome{}
	switch op.Kind {
	case OpPutItem:
		out, err := dp.PutItem(ctx, op.Put)
		if err != nil {
			o.error(err)
			break
		}
		o.line("Attributes %s", canonItem(out.Attributes))
	case OpGetItem:
		out, err := dp.GetItem(ctx, op.Get)
		if err != nil {
			o.error(err)
			break
		}
		o.line("Item %s", canonItem(out.Item))
	case OpUpdateItem:
		out, err := dp.UpdateItem(ctx, op.Update)
		if err != nil {
			o.error(err)
			break
		}
		o.line("Attributes %s", canonItem(out.Attributes))
	case OpDeleteItem:
		out, err := dp.DeleteItem(ctx, op.Delete)
		if err != nil {
			o.error(err)
			break
		}
		o.line("Attributes %s", canonItem(out.Attributes))
	case OpQuery:
		h.query(dp, op.Query, o)
	case OpScan:
		h.scan(dp, op.Scan, o)
	case OpBatchGetItem:
		h.batchGet(dp, op.BatchGet, o)
	case OpBatchWriteItem:
		h.batchWrite(dp, op.BatchWrite, o)
	default:
		o.line("unknown operation kind %d", op.Kind)
	}
	return o
}

// pageInvariants checks what every Query and Scan page must satisfy.
func pageInvariants(o *outcome, where string, items []attr.Item, count, scanned int32, limit *int32, selectCount bool) {
	if count > scanned {
		o.problems = append(o.problems, fmt.Sprintf("%s: Count %d > ScannedCount %d", where, count, scanned))
	}
	if limit != nil && scanned > *limit {
		o.problems = append(o.problems, fmt.Sprintf("%s: ScannedCount %d > Limit %d", where, scanned, *limit))
	}
	if selectCount && len(items) != 0 {
		o.problems = append(o.problems, fmt.Sprintf("%s: Select COUNT returned %d items", where, len(items)))
	}
	if !selectCount && int32(len(items)) != count {
		o.problems = append(o.problems, fmt.Sprintf("%s: %d items but Count %d", where, len(items), count))
	}
}

// query follows a Query's pages to the end and records each page in order:
// DynamoDB's Query results are fully determined, so the pages must match.
func (h *harness) query(dp api.DataPlane, in *api.QueryInput, o *outcome) {
	next := *in
	for page := 0; ; page++ {
		if page == h.cfg.MaxPages {
			o.problems = append(o.problems, fmt.Sprintf("Query did not reach its end in %d pages", page))
			return
		}
		out, err := dp.Query(h.cfg.Context, &next)
		if err != nil {
			o.line("page %d:", page)
			o.error(err)
			return
		}
		where := fmt.Sprintf("Query page %d", page)
		pageInvariants(o, where, out.Items, out.Count, out.ScannedCount, next.Limit, next.Select == api.SelectCount)
		lek := "none"
		if out.LastEvaluatedKey != nil {
			lek = canonItem(out.LastEvaluatedKey)
		}
		o.line("page %d: Count %d ScannedCount %d LastEvaluatedKey %s", page, out.Count, out.ScannedCount, lek)
		for _, it := range out.Items {
			o.line("  %s", canonItem(it))
		}
		if out.LastEvaluatedKey == nil {
			return
		}
		next.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// scan follows a Scan's pages to the end, for every segment when the scan
// is a valid parallel one, and records the multiset of items and the total
// counts: the order of a scan is the system's own.
func (h *harness) scan(dp api.DataPlane, in *api.ScanInput, o *outcome) {
	segments := []*int32{in.Segment}
	if in.Segment != nil && in.TotalSegments != nil && *in.Segment >= 0 && *in.Segment < *in.TotalSegments {
		segments = nil
		for s := range *in.TotalSegments {
			segments = append(segments, &s)
		}
	}
	var items []string
	var count, scanned int32
	for _, seg := range segments {
		next := *in
		next.Segment = seg
		for page := 0; ; page++ {
			if page == h.cfg.MaxPages {
				o.problems = append(o.problems, fmt.Sprintf("Scan did not reach its end in %d pages", page))
				return
			}
			out, err := dp.Scan(h.cfg.Context, &next)
			if err != nil {
				if seg != nil {
					o.line("segment %d page %d:", *seg, page)
				}
				o.error(err)
				return
			}
			where := fmt.Sprintf("Scan page %d", page)
			if seg != nil {
				where = fmt.Sprintf("Scan segment %d page %d", *seg, page)
			}
			pageInvariants(o, where, out.Items, out.Count, out.ScannedCount, next.Limit, next.Select == api.SelectCount)
			count += out.Count
			scanned += out.ScannedCount
			for _, it := range out.Items {
				items = append(items, canonItem(it))
			}
			if out.LastEvaluatedKey == nil {
				break
			}
			next.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	slices.Sort(items)
	o.line("Count %d ScannedCount %d items %d", count, scanned, len(items))
	for _, it := range items {
		o.line("  %s", it)
	}
}

// maxRetries bounds the rounds a batch call may take to process everything.
const maxRetries = 100

// batchGet runs a BatchGetItem, sending UnprocessedKeys again until none is
// left, and records each table's items as a multiset.
func (h *harness) batchGet(dp api.DataPlane, in *api.BatchGetItemInput, o *outcome) {
	found := map[string][]string{}
	next := in
	for round := 0; ; round++ {
		if round == maxRetries {
			o.problems = append(o.problems, fmt.Sprintf("BatchGetItem left keys unprocessed after %d rounds", round))
			return
		}
		out, err := dp.BatchGetItem(h.cfg.Context, next)
		if err != nil {
			o.error(err)
			return
		}
		for name, items := range out.Responses {
			for _, it := range items {
				found[name] = append(found[name], canonItem(it))
			}
		}
		if len(out.UnprocessedKeys) == 0 {
			break
		}
		next = &api.BatchGetItemInput{RequestItems: out.UnprocessedKeys, ReturnConsumedCapacity: in.ReturnConsumedCapacity}
	}
	for _, name := range slices.Sorted(maps.Keys(found)) {
		items := found[name]
		if len(items) == 0 {
			continue
		}
		slices.Sort(items)
		o.line("table %s:", name)
		for _, it := range items {
			o.line("  %s", it)
		}
	}
}

// batchWrite runs a BatchWriteItem, sending UnprocessedItems again until
// none is left.
func (h *harness) batchWrite(dp api.DataPlane, in *api.BatchWriteItemInput, o *outcome) {
	next := in
	for round := 0; ; round++ {
		if round == maxRetries {
			o.problems = append(o.problems, fmt.Sprintf("BatchWriteItem left writes unprocessed after %d rounds", round))
			return
		}
		out, err := dp.BatchWriteItem(h.cfg.Context, next)
		if err != nil {
			o.error(err)
			return
		}
		if len(out.UnprocessedItems) == 0 {
			o.line("ok")
			return
		}
		next = &api.BatchWriteItemInput{RequestItems: out.UnprocessedItems}
	}
}

// compareState scans every table of both systems to its end and compares
// their contents.
func (h *harness) compareState() string {
	var sut, model outcome
	for _, t := range h.tables {
		in := &api.ScanInput{TableName: t.Name, ConsistentRead: true}
		for _, side := range []struct {
			dp api.DataPlane
			o  *outcome
		}{{h.cfg.SUT, &sut}, {h.cfg.Model, &model}} {
			side.o.line("table %s:", t.Name)
			h.scan(side.dp, in, side.o)
		}
	}
	return diff(&sut, &model)
}
