package refmodel

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
)

// TableSpec names a table the generator's operations use and its key.
type TableSpec struct {
	Name   string
	Schema itemcheck.KeySchema
}

// CreateTableInput returns the CreateTable request that makes the table in
// a system under test: its key schema, on-demand capacity so that a long
// run is not throttled.
func (s TableSpec) CreateTableInput() *catalog.CreateTableInput {
	in := &catalog.CreateTableInput{TableName: s.Name, BillingMode: catalog.BillingModePayPerRequest}
	add := func(d itemcheck.KeyDef, kt catalog.KeyType) {
		in.KeySchema = append(in.KeySchema, catalog.KeySchemaElement{AttributeName: d.Name, KeyType: kt})
		in.AttributeDefinitions = append(in.AttributeDefinitions, catalog.AttributeDefinition{AttributeName: d.Name, AttributeType: catalog.ScalarAttributeType(d.Type.String())})
	}
	add(s.Schema.Partition, catalog.KeyTypeHash)
	if s.Schema.Sort != nil {
		add(*s.Schema.Sort, catalog.KeyTypeRange)
	}
	return in
}

// DefaultTables returns the tables a zero GenConfig uses: string partition
// keys with number sort keys, number partition keys with string sort keys,
// binary sort keys, and a table without a sort key.
func DefaultTables() []TableSpec {
	keyDef := func(name string, t attr.Type) itemcheck.KeyDef { return itemcheck.KeyDef{Name: name, Type: t} }
	sortDef := func(name string, t attr.Type) *itemcheck.KeyDef { d := keyDef(name, t); return &d }
	return []TableSpec{
		{Name: "gen_sn", Schema: itemcheck.KeySchema{Partition: keyDef("pk", attr.TypeS), Sort: sortDef("sk", attr.TypeN)}},
		{Name: "gen_ns", Schema: itemcheck.KeySchema{Partition: keyDef("id", attr.TypeN), Sort: sortDef("rk", attr.TypeS)}},
		{Name: "gen_sb", Schema: itemcheck.KeySchema{Partition: keyDef("pk", attr.TypeS), Sort: sortDef("bin", attr.TypeB)}},
		{Name: "gen_h", Schema: itemcheck.KeySchema{Partition: keyDef("pk", attr.TypeS)}},
	}
}

// GenConfig configures a Generator. Zero values mean the defaults.
type GenConfig struct {
	// Tables are the tables to use; nil means DefaultTables.
	Tables []TableSpec
	// PartitionKeys is the number of partition key values per table
	// (default 3).
	PartitionKeys int
	// SortKeys is the number of sort key values per table, shared by its
	// partition keys (default 24): item collections grow that long.
	SortKeys int
	// InvalidPercent is the share of requests built to be invalid (default
	// 3); a negative value generates none on purpose.
	InvalidPercent int
	// LegacyPercent is the share of requests that use the legacy parameter
	// forms where an operation has them (default 8); negative means none.
	LegacyPercent int
	// LargeItemPercent is the share of written items that carry a large
	// string attribute, 20 KB to a little over the 400 KB item limit, so
	// that pages end at their byte limit and oversized items are refused
	// (default 1); negative means none.
	LargeItemPercent int
	// EventualReads lets half the reads be eventually consistent. By
	// default every read asks for a strongly consistent one, so that a
	// replicated system under test owes the model read-your-writes; with
	// EventualReads such a system may rightly answer from a stale replica,
	// which the harness reports as a divergence.
	EventualReads bool
}

// withDefaults returns cfg with its zero values replaced by the defaults.
func (cfg GenConfig) withDefaults() GenConfig {
	if cfg.Tables == nil {
		cfg.Tables = DefaultTables()
	}
	if cfg.PartitionKeys <= 0 {
		cfg.PartitionKeys = 3
	}
	if cfg.SortKeys <= 0 {
		cfg.SortKeys = 24
	}
	if cfg.InvalidPercent == 0 {
		cfg.InvalidPercent = 3
	}
	if cfg.LegacyPercent == 0 {
		cfg.LegacyPercent = 8
	}
	if cfg.LargeItemPercent == 0 {
		cfg.LargeItemPercent = 1
	}
	return cfg
}

// OpKind is the data-plane call an Op makes.
type OpKind uint8

// The operation kinds.
const (
	OpPutItem OpKind = iota + 1
	OpGetItem
	OpUpdateItem
	OpDeleteItem
	OpQuery
	OpScan
	OpBatchGetItem
	OpBatchWriteItem
)

// String returns the operation's API name.
func (k OpKind) String() string {
	switch k {
	case OpPutItem:
		return "PutItem"
	case OpGetItem:
		return "GetItem"
	case OpUpdateItem:
		return "UpdateItem"
	case OpDeleteItem:
		return "DeleteItem"
	case OpQuery:
		return "Query"
	case OpScan:
		return "Scan"
	case OpBatchGetItem:
		return "BatchGetItem"
	case OpBatchWriteItem:
		return "BatchWriteItem"
	}
	return "OpKind(" + strconv.Itoa(int(k)) + ")"
}

// Op is one generated request: Kind says which of the inputs is set.
type Op struct {
	Kind       OpKind
	Put        *api.PutItemInput
	Get        *api.GetItemInput
	Update     *api.UpdateItemInput
	Delete     *api.DeleteItemInput
	Query      *api.QueryInput
	Scan       *api.ScanInput
	BatchGet   *api.BatchGetItemInput
	BatchWrite *api.BatchWriteItemInput
	// Invalid says the generator built the request to be rejected (a
	// request not so marked may be rejected all the same, for instance an
	// arithmetic update of an attribute that holds a string).
	Invalid bool
}

// Input returns the request the Op carries.
func (o Op) Input() any {
	switch o.Kind {
	case OpPutItem:
		return o.Put
	case OpGetItem:
		return o.Get
	case OpUpdateItem:
		return o.Update
	case OpDeleteItem:
		return o.Delete
	case OpQuery:
		return o.Query
	case OpScan:
		return o.Scan
	case OpBatchGetItem:
		return o.BatchGet
	case OpBatchWriteItem:
		return o.BatchWrite
	}
	return nil
}

// String renders the operation and its request on one line.
func (o Op) String() string {
	s := o.Kind.String() + " " + render(o.Input())
	if o.Invalid {
		s += " (invalid on purpose)"
	}
	return s
}

// keySpace holds one table's key values.
type keySpace struct {
	spec       TableSpec
	partitions []attr.Value
	sorts      []attr.Value
}

// Generator produces random data-plane requests, deterministically from its
// seed. It is not safe for concurrent use.
type Generator struct {
	cfg    GenConfig
	rng    *rand.Rand
	spaces []keySpace
}

// NewGenerator returns a generator seeded with seed.
func NewGenerator(seed int64, cfg GenConfig) *Generator {
	cfg = cfg.withDefaults()
	g := &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(uint64(seed), 0x5eed))}
	for _, spec := range cfg.Tables {
		ks := keySpace{spec: spec}
		if spec.Schema.Sort != nil {
			ks.partitions = g.distinctKeys(spec.Schema.Partition.Type, cfg.PartitionKeys)
			ks.sorts = g.distinctKeys(spec.Schema.Sort.Type, cfg.SortKeys)
		} else {
			// Without a sort key every item is its own collection: give
			// the table as many items as a collection of the others.
			ks.partitions = g.distinctKeys(spec.Schema.Partition.Type, cfg.SortKeys)
		}
		g.spaces = append(g.spaces, ks)
	}
	return g
}

// Tables returns the tables the generator's operations use; the system under
// test must have them, empty, before the first operation.
func (g *Generator) Tables() []TableSpec { return slices.Clone(g.cfg.Tables) }

// percent reports true with probability p percent.
func (g *Generator) percent(p int) bool { return g.rng.IntN(100) < p }

// pick returns a random element of xs.
func pick[T any](g *Generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// distinctKeys returns n distinct key values of type t.
func (g *Generator) distinctKeys(t attr.Type, n int) []attr.Value {
	seen := map[string]bool{}
	var out []attr.Value
	for len(out) < n {
		var v attr.Value
		switch t {
		case attr.TypeN:
			v = attr.N(g.keyNumber())
		case attr.TypeB:
			v = attr.B(g.bytes(1, 3, []byte{0x00, 0x01, 'a', 0x7f, 0x80, 0xff}))
		default:
			v = attr.S(g.text(1, 3, []string{"a", "b", "B", "z", "0", "é", "~", "ab"}))
		}
		if k := keyText(v); !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// keyNumber returns a random number text in canonical form.
func (g *Generator) keyNumber() string {
	switch g.rng.IntN(4) {
	case 0:
		return strconv.Itoa(g.rng.IntN(2001) - 1000)
	case 1:
		return strconv.FormatFloat(float64(g.rng.IntN(400)-200)/8, 'f', -1, 64)
	default:
		return strconv.Itoa(g.rng.IntN(101) - 50)
	}
}

// spelled returns a key value as a request may spell it: numbers sometimes
// in another form of the same value.
func (g *Generator) spelled(v attr.Value) attr.Value {
	if v.Type() != attr.TypeN || !g.percent(15) {
		return v
	}
	if strings.Contains(v.N(), ".") {
		return attr.N(v.N() + "0")
	}
	return attr.N(v.N() + ".0")
}

// text returns a string of between min and max pieces.
func (g *Generator) text(minPieces, maxPieces int, pieces []string) string {
	var b strings.Builder
	for range minPieces + g.rng.IntN(maxPieces-minPieces+1) {
		b.WriteString(pick(g, pieces))
	}
	return b.String()
}

// bytes returns between min and max bytes drawn from alphabet.
func (g *Generator) bytes(minLen, maxLen int, alphabet []byte) []byte {
	out := make([]byte, minLen+g.rng.IntN(maxLen-minLen+1))
	for i := range out {
		out[i] = pick(g, alphabet)
	}
	return out
}

// space returns a random table's key space.
func (g *Generator) space() *keySpace { return &g.spaces[g.rng.IntN(len(g.spaces))] }

// key returns a random key of ks's table.
func (g *Generator) key(ks *keySpace) attr.Item {
	s := ks.spec.Schema
	k := attr.Item{s.Partition.Name: g.spelled(pick(g, ks.partitions))}
	if s.Sort != nil {
		k[s.Sort.Name] = g.spelled(pick(g, ks.sorts))
	}
	return k
}

// distinctKeyList returns up to n keys of ks's table, no two equal.
func (g *Generator) distinctKeyList(ks *keySpace, n int) []attr.Item {
	seen := map[string]bool{}
	t := &table{schema: ks.spec.Schema}
	var out []attr.Item
	for range n * 3 {
		if len(out) == n {
			break
		}
		k := g.key(ks)
		if !seen[t.keyOf(k)] {
			seen[t.keyOf(k)] = true
			out = append(out, k)
		}
	}
	return out
}

// The non-key attribute names items carry; "data" and "count" are reserved
// words and need a placeholder.
var attrNames = []string{"a", "b", "n", "s", "m", "l", "tags", "nums", "flag", "data", "count"}

// mapKeys are the names inside generated maps.
var mapKeys = []string{"x", "y", "z"}

// valueFor returns a random value for the attribute called name: most names
// usually hold one type, so that arithmetic, ADD and DELETE mostly apply.
func (g *Generator) valueFor(name string) attr.Value {
	if g.percent(80) {
		switch name {
		case "n", "count":
			return attr.N(g.smallNumber())
		case "s", "a":
			return attr.S(g.shortString())
		case "tags":
			return g.stringSet()
		case "nums":
			return g.numberSet()
		case "m":
			return g.mapValue(1)
		case "l":
			return g.listValue(1)
		case "flag":
			return attr.Bool(g.percent(50))
		}
	}
	return g.value(1)
}

// value returns a random value of any type at nesting level depth.
func (g *Generator) value(depth int) attr.Value {
	for {
		switch g.rng.IntN(11) {
		case 0, 1:
			return attr.S(g.shortString())
		case 2, 3:
			return attr.N(g.smallNumber())
		case 4:
			return attr.B(g.bytes(0, 3, []byte{0, 'a', 'b', 0xff}))
		case 5:
			return attr.Bool(g.percent(50))
		case 6:
			return attr.Null()
		case 7:
			switch g.rng.IntN(3) {
			case 0:
				return g.stringSet()
			case 1:
				return g.numberSet()
			default:
				return attr.BS(g.bytes(1, 2, []byte{'a', 'b'}), g.bytes(3, 3, []byte{'c'}))
			}
		case 8, 9:
			if depth < 3 {
				return g.listValue(depth)
			}
		case 10:
			if depth < 3 {
				return g.mapValue(depth)
			}
		}
	}
}

func (g *Generator) shortString() string {
	return g.text(0, 4, []string{"a", "b", "c", "x", "ab", "é"})
}

// extremeNumbers sit at the edges of DynamoDB's number range and
// precision, so that arithmetic on them overflows, underflows or runs out of
// digits.
var extremeNumbers = []string{
	"9.9999999999999999999999999999999999999E+125",
	"-9.9999999999999999999999999999999999999E+125",
	"1E-130", "-1E-130", "1E+125",
	"12345678901234567890123456789012345678",
	"0.12345678901234567890123456789012345678",
}

func (g *Generator) smallNumber() string {
	if g.percent(2) {
		return pick(g, extremeNumbers)
	}
	switch g.rng.IntN(6) {
	case 0:
		return strconv.FormatFloat(float64(g.rng.IntN(80)-40)/4, 'f', -1, 64)
	case 1:
		return "1E+" + strconv.Itoa(10+g.rng.IntN(20))
	default:
		return strconv.Itoa(g.rng.IntN(21) - 10)
	}
}

// stringSet returns a set of one to three distinct strings.
func (g *Generator) stringSet() attr.Value {
	members := map[string]bool{}
	for range 1 + g.rng.IntN(3) {
		members[g.text(1, 2, []string{"a", "b", "c", "x"})] = true
	}
	return attr.SS(slices.Sorted(maps.Keys(members))...)
}

// numberSet returns a set of one to three distinct numbers.
func (g *Generator) numberSet() attr.Value {
	members := map[int]bool{}
	for range 1 + g.rng.IntN(3) {
		members[g.rng.IntN(9)-2] = true
	}
	var out []string
	for _, m := range slices.Sorted(maps.Keys(members)) {
		out = append(out, strconv.Itoa(m))
	}
	return attr.NS(out...)
}

func (g *Generator) listValue(depth int) attr.Value {
	var elems []attr.Value
	for range g.rng.IntN(4) {
		elems = append(elems, g.value(depth+1))
	}
	return attr.L(elems...)
}

func (g *Generator) mapValue(depth int) attr.Value {
	m := map[string]attr.Value{}
	for range g.rng.IntN(4) {
		m[pick(g, mapKeys)] = g.value(depth + 1)
	}
	return attr.M(m)
}

// item returns a random item with key k.
func (g *Generator) item(k attr.Item) attr.Item {
	it := k.Clone()
	for range 1 + g.rng.IntN(5) {
		name := pick(g, attrNames)
		it[name] = g.valueFor(name)
	}
	if g.percent(1) {
		// Around the deepest nesting DynamoDB accepts: a leaf at level 32.
		it["deep"] = nested(30+g.rng.IntN(4), attr.N("1"))
	}
	if g.cfg.LargeItemPercent > 0 && g.percent(g.cfg.LargeItemPercent) {
		size := 20*1024 + g.rng.IntN(180*1024)
		if g.percent(25) {
			size = itemcheck.MaxItemSize - 64 + g.rng.IntN(128)
		}
		it["blob"] = attr.S(strings.Repeat(pick(g, []string{"a", "b", "x"}), size))
	}
	return it
}

// nested returns leaf wrapped in levels-1 alternating maps and lists, so
// that leaf sits at nesting level levels when the result is an attribute.
func nested(levels int, leaf attr.Value) attr.Value {
	v := leaf
	for i := range levels - 1 {
		if i%2 == 0 {
			v = attr.L(v)
		} else {
			v = attr.M(map[string]attr.Value{"x": v})
		}
	}
	return v
}

// builder collects the placeholders of one request's expressions.
type builder struct {
	g      *Generator
	names  map[string]string // placeholder to name
	byName map[string]string // name to placeholder
	values map[string]attr.Value
}

func (g *Generator) builder() *builder {
	return &builder{g: g, names: map[string]string{}, byName: map[string]string{}, values: map[string]attr.Value{}}
}

// name returns how an expression refers to the attribute name: through a
// placeholder for reserved words and, at random, for others.
func (b *builder) name(n string) string {
	if ph, ok := b.byName[n]; ok {
		return ph
	}
	if !expr.IsReserved(n) && b.g.percent(60) {
		return n
	}
	ph := "#n" + strconv.Itoa(len(b.names))
	b.names[ph] = n
	b.byName[n] = ph
	return ph
}

// value returns a new value placeholder for v.
func (b *builder) value(v attr.Value) string {
	ph := ":v" + strconv.Itoa(len(b.values))
	b.values[ph] = v
	return ph
}

// maps returns the request's ExpressionAttributeNames and
// ExpressionAttributeValues, nil when empty.
func (b *builder) maps() (map[string]string, map[string]attr.Value) {
	var names map[string]string
	var values map[string]attr.Value
	if len(b.names) > 0 {
		names = b.names
	}
	if len(b.values) > 0 {
		values = b.values
	}
	return names, values
}

// path returns a document path below the top-level attribute top.
func (b *builder) path(top string) string {
	p := b.name(top)
	for range b.g.rng.IntN(3) {
		if b.g.percent(50) {
			p += "." + b.name(pick(b.g, mapKeys))
		} else {
			p += "[" + strconv.Itoa(b.g.rng.IntN(3)) + "]"
		}
		if b.g.percent(50) {
			break
		}
	}
	return p
}

// comparable returns a value to compare an attribute with: a number or a
// string mostly.
func (b *builder) comparable() attr.Value {
	switch b.g.rng.IntN(6) {
	case 0, 1:
		return attr.N(b.g.smallNumber())
	case 2, 3:
		return attr.S(b.g.shortString())
	default:
		return b.g.value(2)
	}
}

// scalar returns a number or a string to order an attribute against.
func (b *builder) scalar() attr.Value {
	if b.g.percent(50) {
		return attr.N(b.g.smallNumber())
	}
	return attr.S(b.g.shortString())
}

// ordered returns two values of one ordered type, the lower first.
func (b *builder) ordered() (attr.Value, attr.Value) {
	if b.g.percent(60) {
		x, y := b.g.rng.IntN(21)-10, b.g.rng.IntN(21)-10
		return attr.N(strconv.Itoa(min(x, y))), attr.N(strconv.Itoa(max(x, y)))
	}
	x, y := b.g.shortString(), b.g.shortString()
	return attr.S(min(x, y)), attr.S(max(x, y))
}

var comparators = []string{"=", "<>", "<", "<=", ">", ">="}

// condition returns a random condition over the attributes in names.
func (b *builder) condition(names []string, depth int) string {
	g := b.g
	if depth < 2 && g.percent(30) {
		switch g.rng.IntN(3) {
		case 0:
			return "NOT " + b.condition(names, depth+1)
		case 1:
			return "(" + b.condition(names, depth+1) + " AND " + b.condition(names, depth+1) + ")"
		default:
			return "(" + b.condition(names, depth+1) + " OR " + b.condition(names, depth+1) + ")"
		}
	}
	if g.rng.IntN(10) == 9 {
		if keys := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return slices.Contains(attrNames, n) }); len(keys) > 0 {
			return pick(g, []string{"attribute_exists(", "attribute_not_exists("}) + b.name(pick(g, keys)) + ")"
		}
	}
	top := pick(g, names)
	var p string
	if g.percent(30) {
		p = b.path(top)
	} else {
		p = b.name(top)
	}
	switch g.rng.IntN(9) {
	case 0:
		return "attribute_exists(" + p + ")"
	case 1:
		return "attribute_not_exists(" + p + ")"
	case 2, 3:
		op := pick(g, comparators)
		if op == "=" || op == "<>" {
			return p + " " + op + " " + b.value(b.comparable())
		}
		return p + " " + op + " " + b.value(b.scalar())
	case 4:
		lo, hi := b.ordered()
		return p + " BETWEEN " + b.value(lo) + " AND " + b.value(hi)
	case 5:
		list := []string{b.value(b.comparable())}
		for range g.rng.IntN(3) {
			list = append(list, b.value(b.comparable()))
		}
		return p + " IN (" + strings.Join(list, ", ") + ")"
	case 6:
		return "begins_with(" + p + ", " + b.value(attr.S(g.text(0, 2, []string{"a", "b", "x"}))) + ")"
	case 7:
		var v attr.Value
		if g.percent(60) {
			v = attr.S(g.text(1, 1, []string{"a", "b", "c", "x"}))
		} else {
			v = attr.N(strconv.Itoa(g.rng.IntN(9) - 2))
		}
		return "contains(" + p + ", " + b.value(v) + ")"
	default:
		if g.percent(25) {
			types := []string{"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}
			return "attribute_type(" + p + ", " + b.value(attr.S(pick(g, types))) + ")"
		}
		return "size(" + p + ") " + pick(g, comparators) + " " + b.value(attr.N(strconv.Itoa(g.rng.IntN(5))))
	}
}

// update returns a random UpdateExpression touching distinct non-key
// attributes.
func (b *builder) update() string {
	g := b.g
	names := slices.Clone(attrNames)
	g.rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	clauses := map[string][]string{}
	for i := range 1 + g.rng.IntN(3) {
		top := names[i]
		kind := g.rng.IntN(10)
		var target string
		if kind < 8 {
			target = b.name(top)
			if g.percent(15) {
				target = b.path(top)
			}
		}
		switch kind {
		case 0, 1:
			clauses["SET"] = append(clauses["SET"], target+" = "+b.value(b.g.valueFor(top)))
		case 2:
			op := pick(g, []string{" + ", " - "})
			src := b.name(pick(g, []string{top, "n", "count"}))
			clauses["SET"] = append(clauses["SET"], target+" = "+src+op+b.value(attr.N(g.smallNumber())))
		case 3:
			clauses["SET"] = append(clauses["SET"], target+" = if_not_exists("+target+", "+b.value(b.g.valueFor(top))+")")
		case 4:
			lst := b.value(g.listValue(1))
			switch g.rng.IntN(3) {
			case 0:
				clauses["SET"] = append(clauses["SET"], target+" = list_append("+target+", "+lst+")")
			case 1:
				clauses["SET"] = append(clauses["SET"], target+" = list_append("+lst+", "+target+")")
			default:
				clauses["SET"] = append(clauses["SET"], target+" = list_append(if_not_exists("+target+", "+b.value(attr.L())+"), "+lst+")")
			}
		case 5:
			clauses["SET"] = append(clauses["SET"], target+" = if_not_exists("+target+", "+b.value(attr.N("0"))+") + "+b.value(attr.N("1")))
		case 6, 7:
			clauses["REMOVE"] = append(clauses["REMOVE"], target)
		case 8:
			var v attr.Value
			switch top {
			case "tags":
				v = g.stringSet()
			case "nums":
				v = g.numberSet()
			default:
				v = attr.N(g.smallNumber())
			}
			clauses["ADD"] = append(clauses["ADD"], b.name(top)+" "+b.value(v))
		default:
			v := g.stringSet()
			if top == "nums" || g.percent(30) {
				v = g.numberSet()
			}
			clauses["DELETE"] = append(clauses["DELETE"], b.name(top)+" "+b.value(v))
		}
	}
	keywords := []string{"SET", "REMOVE", "ADD", "DELETE"}
	g.rng.Shuffle(len(keywords), func(i, j int) { keywords[i], keywords[j] = keywords[j], keywords[i] })
	var parts []string
	for _, kw := range keywords {
		if actions := clauses[kw]; len(actions) > 0 {
			parts = append(parts, kw+" "+strings.Join(actions, ", "))
		}
	}
	return strings.Join(parts, " ")
}

// projection returns a ProjectionExpression of one to three paths over
// the attributes in names.
func (b *builder) projection(names []string) string {
	var paths []string
	used := map[string]bool{}
	for range 1 + b.g.rng.IntN(3) {
		top := pick(b.g, names)
		if used[top] {
			continue
		}
		used[top] = true
		if b.g.percent(40) {
			paths = append(paths, b.path(top))
		} else {
			paths = append(paths, b.name(top))
		}
	}
	return strings.Join(paths, ", ")
}

// withKeys returns the attribute names plus the key names of schema.
func withKeys(s itemcheck.KeySchema) []string {
	return append(slices.Clone(attrNames), s.Names()...)
}

// returnValues picks a ReturnValues setting among choices, NONE (unset)
// half the time.
func (g *Generator) returnValues(choices ...api.ReturnValue) api.ReturnValue {
	if g.percent(50) {
		return ""
	}
	return pick(g, choices)
}

func (g *Generator) onFailure() api.ReturnValuesOnConditionCheckFailure {
	if g.percent(40) {
		return api.ReturnValuesOnConditionCheckFailureAllOld
	}
	return ""
}

// Next returns the next operation.
func (g *Generator) Next() Op {
	if g.cfg.InvalidPercent > 0 && g.percent(g.cfg.InvalidPercent) {
		op := g.invalidOp()
		op.Invalid = true
		return op
	}
	legacyForm := g.cfg.LegacyPercent > 0 && g.percent(g.cfg.LegacyPercent)
	ks := g.space()
	switch w := g.rng.IntN(100); {
	case w < 20:
		return g.putOp(ks, legacyForm)
	case w < 42:
		return g.updateOp(ks, legacyForm)
	case w < 50:
		return g.deleteOp(ks, legacyForm)
	case w < 60:
		return g.getOp(ks, legacyForm)
	case w < 78:
		return g.queryOp(ks, legacyForm)
	case w < 84:
		return g.scanOp(ks, legacyForm)
	case w < 91:
		return g.batchGetOp()
	default:
		return g.batchWriteOp()
	}
}

func (g *Generator) putOp(ks *keySpace, legacyForm bool) Op {
	in := &api.PutItemInput{TableName: ks.spec.Name, Item: g.item(g.key(ks)), ReturnValues: g.returnValues(api.ReturnValueAllOld)}
	switch {
	case legacyForm:
		in.Expected, in.ConditionalOperator = g.expected(withKeys(ks.spec.Schema))
		in.ReturnValuesOnConditionCheckFailure = g.onFailure()
	case g.percent(35):
		b := g.builder()
		in.ConditionExpression = b.condition(withKeys(ks.spec.Schema), 0)
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = b.maps()
		in.ReturnValuesOnConditionCheckFailure = g.onFailure()
	}
	return Op{Kind: OpPutItem, Put: in}
}

func (g *Generator) updateOp(ks *keySpace, legacyForm bool) Op {
	in := &api.UpdateItemInput{TableName: ks.spec.Name, Key: g.key(ks),
		ReturnValues: g.returnValues(api.ReturnValueAllOld, api.ReturnValueAllNew, api.ReturnValueUpdatedOld, api.ReturnValueUpdatedNew)}
	if legacyForm {
		in.AttributeUpdates = g.attributeUpdates()
		if g.percent(40) {
			in.Expected, in.ConditionalOperator = g.expected(withKeys(ks.spec.Schema))
			in.ReturnValuesOnConditionCheckFailure = g.onFailure()
		}
		return Op{Kind: OpUpdateItem, Update: in}
	}
	b := g.builder()
	if g.percent(97) {
		in.UpdateExpression = b.update()
	}
	if g.percent(35) {
		in.ConditionExpression = b.condition(withKeys(ks.spec.Schema), 0)
		in.ReturnValuesOnConditionCheckFailure = g.onFailure()
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = b.maps()
	return Op{Kind: OpUpdateItem, Update: in}
}

func (g *Generator) deleteOp(ks *keySpace, legacyForm bool) Op {
	in := &api.DeleteItemInput{TableName: ks.spec.Name, Key: g.key(ks), ReturnValues: g.returnValues(api.ReturnValueAllOld)}
	switch {
	case legacyForm:
		in.Expected, in.ConditionalOperator = g.expected(withKeys(ks.spec.Schema))
		in.ReturnValuesOnConditionCheckFailure = g.onFailure()
	case g.percent(40):
		b := g.builder()
		in.ConditionExpression = b.condition(withKeys(ks.spec.Schema), 0)
		in.ExpressionAttributeNames, in.ExpressionAttributeValues = b.maps()
		in.ReturnValuesOnConditionCheckFailure = g.onFailure()
	}
	return Op{Kind: OpDeleteItem, Delete: in}
}

// consistent returns the ConsistentRead flag of a read.
func (g *Generator) consistent() bool {
	return !g.cfg.EventualReads || g.percent(50)
}

func (g *Generator) getOp(ks *keySpace, legacyForm bool) Op {
	in := &api.GetItemInput{TableName: ks.spec.Name, Key: g.key(ks), ConsistentRead: g.consistent()}
	switch {
	case legacyForm:
		in.AttributesToGet = g.attributesToGet(withKeys(ks.spec.Schema))
	case g.percent(35):
		b := g.builder()
		in.ProjectionExpression = b.projection(withKeys(ks.spec.Schema))
		in.ExpressionAttributeNames, _ = b.maps()
	}
	return Op{Kind: OpGetItem, Get: in}
}

// limit returns a random page limit, nil pct percent of the time.
func (g *Generator) limit(pct, maxLimit int) *int32 {
	if g.percent(pct) {
		return nil
	}
	l := int32(1 + g.rng.IntN(maxLimit))
	return &l
}

func (g *Generator) queryOp(ks *keySpace, legacyForm bool) Op {
	s := ks.spec.Schema
	in := &api.QueryInput{TableName: ks.spec.Name, ConsistentRead: g.consistent(), Limit: g.limit(55, 8)}
	if g.percent(30) {
		back := false
		in.ScanIndexForward = &back
	}
	pkValue := pick(g, ks.partitions)
	if g.percent(5) {
		pkValue = g.distinctKeys(s.Partition.Type, 1)[0]
	}
	ops := []string{"", "=", "<", "<=", ">", ">=", "BETWEEN"}
	if s.Sort != nil && s.Sort.Type != attr.TypeN {
		ops = append(ops, "begins_with")
	}
	sortOp := ""
	if s.Sort != nil {
		sortOp = pick(g, ops)
	}
	sortValue := func() attr.Value {
		if g.percent(80) {
			return g.spelled(pick(g, ks.sorts))
		}
		return g.distinctKeys(s.Sort.Type, 1)[0]
	}
	lowHigh := func() (attr.Value, attr.Value) {
		lo, hi := sortValue(), sortValue()
		if compareScalars(lo, hi) > 0 {
			lo, hi = hi, lo
		}
		return lo, hi
	}
	prefix := func() attr.Value {
		v := pick(g, ks.sorts)
		if v.Type() == attr.TypeB {
			return attr.B(v.B()[:g.rng.IntN(len(v.B())+1)])
		}
		r := []rune(v.S())
		return attr.S(string(r[:g.rng.IntN(len(r)+1)]))
	}
	if legacyForm {
		in.KeyConditions = map[string]api.Condition{s.Partition.Name: {ComparisonOperator: "EQ", AttributeValueList: []attr.Value{pkValue}}}
		legacyOps := map[string]string{"=": "EQ", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "BETWEEN": "BETWEEN", "begins_with": "BEGINS_WITH"}
		switch sortOp {
		case "":
		case "BETWEEN":
			lo, hi := lowHigh()
			in.KeyConditions[s.Sort.Name] = api.Condition{ComparisonOperator: "BETWEEN", AttributeValueList: []attr.Value{lo, hi}}
		case "begins_with":
			in.KeyConditions[s.Sort.Name] = api.Condition{ComparisonOperator: "BEGINS_WITH", AttributeValueList: []attr.Value{prefix()}}
		default:
			in.KeyConditions[s.Sort.Name] = api.Condition{ComparisonOperator: legacyOps[sortOp], AttributeValueList: []attr.Value{sortValue()}}
		}
		if g.percent(50) {
			in.QueryFilter, in.ConditionalOperator = g.legacyConditions(attrNames)
		}
		if g.percent(30) {
			in.AttributesToGet = g.attributesToGet(withKeys(s))
		}
		return Op{Kind: OpQuery, Query: in}
	}
	b := g.builder()
	kc := b.name(s.Partition.Name) + " = " + b.value(g.spelled(pkValue))
	if sortOp != "" {
		sk := b.name(s.Sort.Name)
		switch sortOp {
		case "BETWEEN":
			lo, hi := lowHigh()
			kc += " AND " + sk + " BETWEEN " + b.value(lo) + " AND " + b.value(hi)
		case "begins_with":
			kc += " AND begins_with(" + sk + ", " + b.value(prefix()) + ")"
		default:
			kc += " AND " + sk + " " + sortOp + " " + b.value(sortValue())
		}
	}
	in.KeyConditionExpression = kc
	if sortOp == "" && g.percent(10) {
		// Start after a key of the collection that may hold no item:
		// reading resumes at the next sort key in reading order.
		in.ExclusiveStartKey = attr.Item{s.Partition.Name: pkValue}
		if s.Sort != nil {
			in.ExclusiveStartKey[s.Sort.Name] = g.spelled(pick(g, ks.sorts))
		}
	}
	if g.percent(35) {
		in.FilterExpression = b.condition(attrNames, 0)
	}
	switch {
	case g.percent(12):
		in.Select = api.SelectCount
	case g.percent(25):
		in.ProjectionExpression = b.projection(withKeys(s))
		if g.percent(30) {
			in.Select = api.SelectSpecificAttributes
		}
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = b.maps()
	return Op{Kind: OpQuery, Query: in}
}

func (g *Generator) scanOp(ks *keySpace, legacyForm bool) Op {
	in := &api.ScanInput{TableName: ks.spec.Name, ConsistentRead: g.consistent(), Limit: g.limit(60, 15)}
	if g.percent(25) {
		total := int32(1 + g.rng.IntN(4))
		seg := int32(g.rng.IntN(int(total)))
		in.Segment, in.TotalSegments = &seg, &total
	}
	if legacyForm {
		if g.percent(70) {
			in.ScanFilter, in.ConditionalOperator = g.legacyConditions(withKeys(ks.spec.Schema))
		}
		if g.percent(40) {
			in.AttributesToGet = g.attributesToGet(withKeys(ks.spec.Schema))
		}
		return Op{Kind: OpScan, Scan: in}
	}
	b := g.builder()
	if g.percent(40) {
		in.FilterExpression = b.condition(withKeys(ks.spec.Schema), 0)
	}
	switch {
	case g.percent(10):
		in.Select = api.SelectCount
	case g.percent(20):
		in.ProjectionExpression = b.projection(withKeys(ks.spec.Schema))
	}
	in.ExpressionAttributeNames, in.ExpressionAttributeValues = b.maps()
	return Op{Kind: OpScan, Scan: in}
}

func (g *Generator) batchGetOp() Op {
	in := &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{}}
	for range 1 + g.rng.IntN(2) {
		ks := g.space()
		ka := api.KeysAndAttributes{Keys: g.distinctKeyList(ks, 1+g.rng.IntN(6)), ConsistentRead: g.consistent()}
		if g.percent(25) {
			b := g.builder()
			ka.ProjectionExpression = b.projection(withKeys(ks.spec.Schema))
			ka.ExpressionAttributeNames, _ = b.maps()
		}
		in.RequestItems[ks.spec.Name] = ka
	}
	return Op{Kind: OpBatchGetItem, BatchGet: in}
}

func (g *Generator) batchWriteOp() Op {
	in := &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{}}
	for range 1 + g.rng.IntN(2) {
		ks := g.space()
		var reqs []api.WriteRequest
		for _, k := range g.distinctKeyList(ks, 1+g.rng.IntN(8)) {
			if g.percent(70) {
				reqs = append(reqs, api.WriteRequest{PutRequest: &api.PutRequest{Item: g.item(k)}})
			} else {
				reqs = append(reqs, api.WriteRequest{DeleteRequest: &api.DeleteRequest{Key: k}})
			}
		}
		in.RequestItems[ks.spec.Name] = reqs
	}
	return Op{Kind: OpBatchWriteItem, BatchWrite: in}
}

// attributesToGet returns a legacy AttributesToGet list of distinct names.
func (g *Generator) attributesToGet(names []string) []string {
	shuffled := slices.Clone(names)
	g.rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	return shuffled[:1+g.rng.IntN(3)]
}

// legacyCondition returns one legacy Condition on an attribute.
func (g *Generator) legacyCondition() api.Condition {
	scalar := func() attr.Value {
		if g.percent(50) {
			return attr.N(g.smallNumber())
		}
		return attr.S(g.shortString())
	}
	switch op := pick(g, []string{"EQ", "NE", "LT", "LE", "GT", "GE", "NULL", "NOT_NULL", "CONTAINS", "NOT_CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"}); op {
	case "NULL", "NOT_NULL":
		return api.Condition{ComparisonOperator: op}
	case "BEGINS_WITH":
		return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{attr.S(g.text(0, 2, []string{"a", "b"}))}}
	case "CONTAINS", "NOT_CONTAINS":
		return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{scalar()}}
	case "IN":
		numeric := g.percent(50)
		var list []attr.Value
		for range 1 + g.rng.IntN(3) {
			if numeric {
				list = append(list, attr.N(g.smallNumber()))
			} else {
				list = append(list, attr.S(g.shortString()))
			}
		}
		return api.Condition{ComparisonOperator: op, AttributeValueList: list}
	case "BETWEEN":
		b := g.builder()
		lo, hi := b.ordered()
		return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{lo, hi}}
	case "EQ", "NE":
		if g.percent(20) {
			return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{pick(g, []attr.Value{g.stringSet(), g.numberSet()})}}
		}
		return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{scalar()}}
	default:
		return api.Condition{ComparisonOperator: op, AttributeValueList: []attr.Value{scalar()}}
	}
}

// legacyConditions returns a QueryFilter or ScanFilter over names and its
// ConditionalOperator.
func (g *Generator) legacyConditions(names []string) (map[string]api.Condition, string) {
	out := map[string]api.Condition{}
	for range 1 + g.rng.IntN(3) {
		out[pick(g, names)] = g.legacyCondition()
	}
	return out, g.conditionalOperator(len(out))
}

func (g *Generator) conditionalOperator(entries int) string {
	if entries < 2 || g.percent(40) {
		return ""
	}
	return pick(g, []string{"AND", "OR"})
}

// expected returns a legacy Expected map over names and its
// ConditionalOperator.
func (g *Generator) expected(names []string) (map[string]api.ExpectedAttributeValue, string) {
	out := map[string]api.ExpectedAttributeValue{}
	for range 1 + g.rng.IntN(3) {
		name := pick(g, names)
		switch g.rng.IntN(3) {
		case 0:
			no := false
			out[name] = api.ExpectedAttributeValue{Exists: &no}
		case 1:
			v := g.valueFor(name)
			out[name] = api.ExpectedAttributeValue{Value: &v}
		default:
			c := g.legacyCondition()
			out[name] = api.ExpectedAttributeValue{ComparisonOperator: c.ComparisonOperator, AttributeValueList: c.AttributeValueList}
		}
	}
	return out, g.conditionalOperator(len(out))
}

// attributeUpdates returns a legacy AttributeUpdates map.
func (g *Generator) attributeUpdates() map[string]api.AttributeValueUpdate {
	out := map[string]api.AttributeValueUpdate{}
	for range 1 + g.rng.IntN(3) {
		name := pick(g, attrNames)
		switch g.rng.IntN(4) {
		case 0, 1:
			v := g.valueFor(name)
			out[name] = api.AttributeValueUpdate{Action: pick(g, []string{"", "PUT"}), Value: &v}
		case 2:
			var v attr.Value
			switch name {
			case "tags":
				v = g.stringSet()
			case "nums":
				v = g.numberSet()
			case "l":
				v = g.listValue(1)
			default:
				v = attr.N(g.smallNumber())
			}
			out[name] = api.AttributeValueUpdate{Action: "ADD", Value: &v}
		default:
			if g.percent(50) {
				out[name] = api.AttributeValueUpdate{Action: "DELETE"}
			} else {
				v := g.stringSet()
				if name == "nums" {
					v = g.numberSet()
				}
				out[name] = api.AttributeValueUpdate{Action: "DELETE", Value: &v}
			}
		}
	}
	return out
}

// invalidOp returns a request DynamoDB rejects.
func (g *Generator) invalidOp() Op {
	ks := g.space()
	s := ks.spec.Schema
	wrongType := func(t attr.Type) attr.Value {
		if t == attr.TypeS {
			return attr.N("1")
		}
		return attr.S("1")
	}
	switch g.rng.IntN(19) {
	case 0:
		k := g.key(ks)
		k[s.Partition.Name] = wrongType(s.Partition.Type)
		return Op{Kind: OpGetItem, Get: &api.GetItemInput{TableName: ks.spec.Name, Key: k, ConsistentRead: true}}
	case 1:
		k := g.key(ks)
		if s.Sort != nil {
			delete(k, s.Sort.Name)
		} else {
			k["extra"] = attr.S("x")
		}
		return Op{Kind: OpDeleteItem, Delete: &api.DeleteItemInput{TableName: ks.spec.Name, Key: k}}
	case 2:
		it := g.item(g.key(ks))
		delete(it, s.Partition.Name)
		return Op{Kind: OpPutItem, Put: &api.PutItemInput{TableName: ks.spec.Name, Item: it}}
	case 3:
		it := g.item(g.key(ks))
		it["tags"] = attr.SS()
		return Op{Kind: OpPutItem, Put: &api.PutItemInput{TableName: ks.spec.Name, Item: it}}
	case 4:
		return Op{Kind: OpPutItem, Put: &api.PutItemInput{TableName: ks.spec.Name, Item: g.item(g.key(ks)), ReturnValues: api.ReturnValueUpdatedNew}}
	case 5:
		b := g.builder()
		upd := "SET " + b.name(s.Partition.Name) + " = " + b.value(g.spelled(pick(g, ks.partitions)))
		names, values := b.maps()
		return Op{Kind: OpUpdateItem, Update: &api.UpdateItemInput{TableName: ks.spec.Name, Key: g.key(ks), UpdateExpression: upd, ExpressionAttributeNames: names, ExpressionAttributeValues: values}}
	case 6:
		return Op{Kind: OpUpdateItem, Update: &api.UpdateItemInput{TableName: ks.spec.Name, Key: g.key(ks), UpdateExpression: "SET a = "}}
	case 7:
		return Op{Kind: OpDeleteItem, Delete: &api.DeleteItemInput{TableName: ks.spec.Name, Key: g.key(ks), ConditionExpression: "attribute_exists(a)",
			ExpressionAttributeValues: map[string]attr.Value{":unused": attr.N("1")}}}
	case 8:
		return Op{Kind: OpPutItem, Put: &api.PutItemInput{TableName: ks.spec.Name, Item: g.item(g.key(ks)), ConditionExpression: "a = :undefined"}}
	case 9:
		zero := int32(0)
		op := g.queryOp(ks, false)
		op.Query.Limit = &zero
		return op
	case 10:
		op := g.queryOp(ks, false)
		op.Query.Select, op.Query.ProjectionExpression = api.SelectCount, "a"
		return op
	case 11:
		seg, total := int32(3), int32(3)
		if g.percent(50) {
			return Op{Kind: OpScan, Scan: &api.ScanInput{TableName: ks.spec.Name, Segment: &seg, ConsistentRead: true}}
		}
		return Op{Kind: OpScan, Scan: &api.ScanInput{TableName: ks.spec.Name, Segment: &seg, TotalSegments: &total, ConsistentRead: true}}
	case 12:
		k := g.key(ks)
		return Op{Kind: OpBatchWriteItem, BatchWrite: &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{ks.spec.Name: {
			{PutRequest: &api.PutRequest{Item: g.item(k)}}, {DeleteRequest: &api.DeleteRequest{Key: k}},
		}}}}
	case 13:
		k := g.key(ks)
		return Op{Kind: OpBatchGetItem, BatchGet: &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{ks.spec.Name: {Keys: []attr.Item{k, k}, ConsistentRead: true}}}}
	case 14:
		op := g.queryOp(ks, false)
		b := g.builder()
		op.Query.KeyConditionExpression = b.name(s.Partition.Name) + " = " + b.value(pick(g, ks.partitions))
		op.Query.FilterExpression = "attribute_exists(" + b.name(s.Partition.Name) + ")"
		op.Query.ProjectionExpression, op.Query.Select = "", ""
		op.Query.ExpressionAttributeNames, op.Query.ExpressionAttributeValues = b.maps()
		return op
	case 15:
		op := g.queryOp(ks, false)
		op.Query.IndexName = "gen_no_such_index"
		return op
	case 16:
		// 101 keys, one more than BatchGetItem takes.
		keys := make([]attr.Item, 0, 101)
		for i := range 101 {
			keys = append(keys, g.syntheticKey(ks, i))
		}
		return Op{Kind: OpBatchGetItem, BatchGet: &api.BatchGetItemInput{RequestItems: map[string]api.KeysAndAttributes{ks.spec.Name: {Keys: keys, ConsistentRead: true}}}}
	case 17:
		// 26 writes, one more than BatchWriteItem takes.
		reqs := make([]api.WriteRequest, 0, 26)
		for i := range 26 {
			reqs = append(reqs, api.WriteRequest{PutRequest: &api.PutRequest{Item: g.item(g.syntheticKey(ks, i))}})
		}
		return Op{Kind: OpBatchWriteItem, BatchWrite: &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{ks.spec.Name: reqs}}}
	default:
		return Op{Kind: OpGetItem, Get: &api.GetItemInput{TableName: "gen_missing_table", Key: g.key(ks), ConsistentRead: true}}
	}
}

// syntheticKey returns the i-th of a run of distinct keys of ks's table
// outside its usual key space.
func (g *Generator) syntheticKey(ks *keySpace, i int) attr.Item {
	s := ks.spec.Schema
	value := func(t attr.Type) attr.Value {
		switch t {
		case attr.TypeN:
			return attr.N(strconv.Itoa(100000 + i))
		case attr.TypeB:
			return attr.B([]byte("k" + strconv.Itoa(i)))
		default:
			return attr.S("k" + strconv.Itoa(i))
		}
	}
	k := attr.Item{s.Partition.Name: value(s.Partition.Type)}
	if s.Sort != nil {
		k[s.Sort.Name] = value(s.Sort.Type)
	}
	return k
}

// render writes v (a request or result) on one line: nil pointers and zero
// fields are left out, maps are in key order, items and values in
// DynamoDB's JSON shape.
func render(v any) string {
	var b strings.Builder
	renderValue(&b, v)
	return b.String()
}

func renderValue(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("nil")
		return
	case attr.Value:
		canonValue(b, x)
		return
	case attr.Item:
		b.WriteString(canonItem(x))
		return
	case fmt.Stringer:
		b.WriteString(x.String())
		return
	case string:
		b.WriteString(strconv.Quote(x))
		return
	}
	renderReflect(b, v)
}
