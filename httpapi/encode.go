package httpapi

import (
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/wire"
)

// obj builds one JSON object by appending members; it writes nothing for
// absent members, as DynamoDB omits them.
type obj struct {
	b     []byte
	empty bool
}

func newObj(b []byte) *obj { return &obj{b: append(b, '{'), empty: true} }

func (o *obj) key(name string) {
	if !o.empty {
		o.b = append(o.b, ',')
	}
	o.empty = false
	o.b = append(o.b, '"')
	o.b = append(o.b, name...)
	o.b = append(o.b, '"', ':')
}

func (o *obj) close() []byte { return append(o.b, '}') }

func (o *obj) str(name, s string) {
	if s == "" {
		return
	}
	o.key(name)
	o.b = appendString(o.b, s)
}

func (o *obj) strAlways(name, s string) {
	o.key(name)
	o.b = appendString(o.b, s)
}

func (o *obj) int(name string, n int64) {
	o.key(name)
	o.b = strconv.AppendInt(o.b, n, 10)
}

func (o *obj) float(name string, f float64) {
	o.key(name)
	o.b = appendFloat(o.b, f)
}

func (o *obj) boolean(name string, v bool) {
	o.key(name)
	o.b = strconv.AppendBool(o.b, v)
}

// time writes a timestamp as DynamoDB does: epoch seconds with a fraction.
// The zero time is absent.
func (o *obj) time(name string, t time.Time) {
	if t.IsZero() {
		return
	}
	o.key(name)
	o.b = strconv.AppendFloat(o.b, float64(t.UnixMilli())/1000, 'f', -1, 64)
}

func (o *obj) item(name string, it attr.Item) {
	if it == nil {
		return
	}
	o.key(name)
	o.b = wire.AppendItem(o.b, it)
}

func (o *obj) strs(name string, ss []string) {
	if ss == nil {
		return
	}
	o.key(name)
	o.b = appendStrings(o.b, ss)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. Bytes that are not UTF-8 are
// written as U+FFFD.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(b, '"')
}

// appendFloat writes capacity units as DynamoDB does: a JSON number with a
// fraction ("1.0", "0.5").
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		f = 0
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		return append(b, '.', '0')
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendList appends xs as a JSON list, each element by elem.
func appendList[T any](b []byte, xs []T, elem func(b []byte, x *T) []byte) []byte {
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = elem(b, &xs[i])
	}
	return append(b, ']')
}

// appendMap appends m as a JSON object in key order, each value by elem.
func appendMap[V any](b []byte, m map[string]V, elem func(b []byte, v V) []byte) []byte {
	o := newObj(b)
	for _, k := range sortedKeys(m) {
		o.key(k)
		o.b = elem(o.b, m[k])
	}
	return o.close()
}

func appendCapacity(b []byte, c api.Capacity) []byte {
	o := newObj(b)
	if c.ReadCapacityUnits != 0 {
		o.float("ReadCapacityUnits", c.ReadCapacityUnits)
	}
	if c.WriteCapacityUnits != 0 {
		o.float("WriteCapacityUnits", c.WriteCapacityUnits)
	}
	o.float("CapacityUnits", c.CapacityUnits)
	return o.close()
}

func appendConsumedCapacity(b []byte, c *api.ConsumedCapacity) []byte {
	o := newObj(b)
	o.str("TableName", c.TableName)
	o.float("CapacityUnits", c.CapacityUnits)
	if c.ReadCapacityUnits != 0 {
		o.float("ReadCapacityUnits", c.ReadCapacityUnits)
	}
	if c.WriteCapacityUnits != 0 {
		o.float("WriteCapacityUnits", c.WriteCapacityUnits)
	}
	if c.Table != nil {
		o.key("Table")
		o.b = appendCapacity(o.b, *c.Table)
	}
	for _, idx := range []struct {
		name string
		m    map[string]api.Capacity
	}{{"LocalSecondaryIndexes", c.LocalSecondaryIndexes}, {"GlobalSecondaryIndexes", c.GlobalSecondaryIndexes}} {
		if idx.m == nil {
			continue
		}
		o.key(idx.name)
		o.b = appendMap(o.b, idx.m, appendCapacity)
	}
	return o.close()
}

func (o *obj) consumed(c *api.ConsumedCapacity) {
	if c == nil {
		return
	}
	o.key("ConsumedCapacity")
	o.b = appendConsumedCapacity(o.b, c)
}

func (o *obj) consumedList(cs []api.ConsumedCapacity) {
	if cs == nil {
		return
	}
	o.key("ConsumedCapacity")
	o.b = appendList(o.b, cs, appendConsumedCapacity)
}

func appendMetrics(b []byte, m *api.ItemCollectionMetrics) []byte {
	o := newObj(b)
	o.item("ItemCollectionKey", m.ItemCollectionKey)
	o.key("SizeEstimateRangeGB")
	o.b = append(o.b, '[')
	o.b = appendFloat(o.b, m.SizeEstimateRangeGB[0])
	o.b = append(o.b, ',')
	o.b = appendFloat(o.b, m.SizeEstimateRangeGB[1])
	o.b = append(o.b, ']')
	return o.close()
}

func (o *obj) metrics(m *api.ItemCollectionMetrics) {
	if m == nil {
		return
	}
	o.key("ItemCollectionMetrics")
	o.b = appendMetrics(o.b, m)
}

func encodeWriteOutput(b []byte, attrs attr.Item, c *api.ConsumedCapacity, m *api.ItemCollectionMetrics) []byte {
	o := newObj(b)
	o.item("Attributes", attrs)
	o.consumed(c)
	o.metrics(m)
	return o.close()
}

func encodeGetItem(b []byte, out *api.GetItemOutput) []byte {
	o := newObj(b)
	o.item("Item", out.Item)
	o.consumed(out.ConsumedCapacity)
	return o.close()
}

func encodePage(b []byte, items []attr.Item, count, scanned int32, last attr.Item, c *api.ConsumedCapacity) []byte {
	o := newObj(b)
	if items != nil {
		o.key("Items")
		o.b = wire.AppendItems(o.b, items)
	}
	o.int("Count", int64(count))
	o.int("ScannedCount", int64(scanned))
	o.item("LastEvaluatedKey", last)
	o.consumed(c)
	return o.close()
}

func appendKeysAndAttributes(b []byte, ka api.KeysAndAttributes) []byte {
	o := newObj(b)
	o.key("Keys")
	o.b = wire.AppendItems(o.b, ka.Keys)
	if ka.ConsistentRead {
		o.boolean("ConsistentRead", true)
	}
	o.str("ProjectionExpression", ka.ProjectionExpression)
	if ka.ExpressionAttributeNames != nil {
		o.key("ExpressionAttributeNames")
		o.b = appendMap(o.b, ka.ExpressionAttributeNames, appendString)
	}
	o.strs("AttributesToGet", ka.AttributesToGet)
	return o.close()
}

func encodeBatchGetItem(b []byte, out *api.BatchGetItemOutput) []byte {
	o := newObj(b)
	o.key("Responses")
	o.b = appendMap(o.b, out.Responses, wire.AppendItems)
	o.key("UnprocessedKeys")
	o.b = appendMap(o.b, out.UnprocessedKeys, appendKeysAndAttributes)
	o.consumedList(out.ConsumedCapacity)
	return o.close()
}

// appendWriteRequest writes the item or key of a request even when nil.
func appendWriteRequest(b []byte, wr *api.WriteRequest) []byte {
	o := newObj(b)
	if wr.PutRequest != nil {
		o.key("PutRequest")
		o.b = appendItemMember(o.b, "Item", wr.PutRequest.Item)
	}
	if wr.DeleteRequest != nil {
		o.key("DeleteRequest")
		o.b = appendItemMember(o.b, "Key", wr.DeleteRequest.Key)
	}
	return o.close()
}

// appendItemMember appends {"<name>": it}, null when it is nil.
func appendItemMember(b []byte, name string, it attr.Item) []byte {
	o := newObj(b)
	o.key(name)
	o.b = wire.AppendItem(o.b, it)
	return o.close()
}

func encodeBatchWriteItem(b []byte, out *api.BatchWriteItemOutput) []byte {
	o := newObj(b)
	o.key("UnprocessedItems")
	o.b = appendMap(o.b, out.UnprocessedItems, func(b []byte, wrs []api.WriteRequest) []byte {
		return appendList(b, wrs, appendWriteRequest)
	})
	o.consumedList(out.ConsumedCapacity)
	if out.ItemCollectionMetrics != nil {
		o.key("ItemCollectionMetrics")
		o.b = appendMap(o.b, out.ItemCollectionMetrics, func(b []byte, ms []api.ItemCollectionMetrics) []byte {
			return appendList(b, ms, appendMetrics)
		})
	}
	return o.close()
}

// Control plane.

func appendKeySchema(b []byte, ks []catalog.KeySchemaElement) []byte {
	return appendList(b, ks, func(b []byte, k *catalog.KeySchemaElement) []byte {
		return appendPair(b, "AttributeName", k.AttributeName, "KeyType", string(k.KeyType))
	})
}

// appendPair appends an object of two string members, written even when
// empty.
func appendPair(b []byte, name1, s1, name2, s2 string) []byte {
	o := newObj(b)
	o.strAlways(name1, s1)
	o.strAlways(name2, s2)
	return o.close()
}

func appendProjection(b []byte, p catalog.Projection) []byte {
	o := newObj(b)
	o.str("ProjectionType", string(p.ProjectionType))
	o.strs("NonKeyAttributes", p.NonKeyAttributes)
	return o.close()
}

func appendThroughput(b []byte, pt catalog.ProvisionedThroughputDescription) []byte {
	o := newObj(b)
	o.time("LastIncreaseDateTime", pt.LastIncreaseDateTime)
	o.time("LastDecreaseDateTime", pt.LastDecreaseDateTime)
	o.int("NumberOfDecreasesToday", pt.NumberOfDecreasesToday)
	o.int("ReadCapacityUnits", pt.ReadCapacityUnits)
	o.int("WriteCapacityUnits", pt.WriteCapacityUnits)
	return o.close()
}

func appendTableDescription(b []byte, t *catalog.TableDescription) []byte {
	o := newObj(b)
	if t.AttributeDefinitions != nil {
		o.key("AttributeDefinitions")
		o.b = appendList(o.b, t.AttributeDefinitions, func(b []byte, a *catalog.AttributeDefinition) []byte {
			return appendPair(b, "AttributeName", a.AttributeName, "AttributeType", string(a.AttributeType))
		})
	}
	o.str("TableName", t.TableName)
	if t.KeySchema != nil {
		o.key("KeySchema")
		o.b = appendKeySchema(o.b, t.KeySchema)
	}
	o.str("TableStatus", string(t.TableStatus))
	o.time("CreationDateTime", t.CreationDateTime)
	o.key("ProvisionedThroughput")
	o.b = appendThroughput(o.b, t.ProvisionedThroughput)
	o.int("TableSizeBytes", t.TableSizeBytes)
	o.int("ItemCount", t.ItemCount)
	o.str("TableArn", t.TableArn)
	o.str("TableId", t.TableId)
	if t.BillingModeSummary != nil {
		o.key("BillingModeSummary")
		bm := newObj(o.b)
		bm.str("BillingMode", string(t.BillingModeSummary.BillingMode))
		bm.time("LastUpdateToPayPerRequestDateTime", t.BillingModeSummary.LastUpdateToPayPerRequestDateTime)
		o.b = bm.close()
	}
	if len(t.LocalSecondaryIndexes) > 0 {
		o.key("LocalSecondaryIndexes")
		o.b = appendList(o.b, t.LocalSecondaryIndexes, func(b []byte, l *catalog.LocalSecondaryIndexDescription) []byte {
			li := newObj(b)
			li.strAlways("IndexName", l.IndexName)
			li.key("KeySchema")
			li.b = appendKeySchema(li.b, l.KeySchema)
			li.key("Projection")
			li.b = appendProjection(li.b, l.Projection)
			li.int("IndexSizeBytes", l.IndexSizeBytes)
			li.int("ItemCount", l.ItemCount)
			li.str("IndexArn", l.IndexArn)
			return li.close()
		})
	}
	if len(t.GlobalSecondaryIndexes) > 0 {
		o.key("GlobalSecondaryIndexes")
		o.b = appendList(o.b, t.GlobalSecondaryIndexes, func(b []byte, g *catalog.GlobalSecondaryIndexDescription) []byte {
			gi := newObj(b)
			gi.strAlways("IndexName", g.IndexName)
			gi.key("KeySchema")
			gi.b = appendKeySchema(gi.b, g.KeySchema)
			gi.key("Projection")
			gi.b = appendProjection(gi.b, g.Projection)
			gi.str("IndexStatus", string(g.IndexStatus))
			if g.Backfilling {
				gi.boolean("Backfilling", true)
			}
			gi.key("ProvisionedThroughput")
			gi.b = appendThroughput(gi.b, g.ProvisionedThroughput)
			gi.int("IndexSizeBytes", g.IndexSizeBytes)
			gi.int("ItemCount", g.ItemCount)
			gi.str("IndexArn", g.IndexArn)
			return gi.close()
		})
	}
	if s := t.StreamSpecification; s != nil {
		o.key("StreamSpecification")
		so := newObj(o.b)
		so.boolean("StreamEnabled", s.StreamEnabled != nil && *s.StreamEnabled)
		so.str("StreamViewType", string(s.StreamViewType))
		o.b = so.close()
	}
	o.str("LatestStreamLabel", t.LatestStreamLabel)
	o.str("LatestStreamArn", t.LatestStreamArn)
	if s := t.SSEDescription; s != nil {
		o.key("SSEDescription")
		so := newObj(o.b)
		so.str("Status", string(s.Status))
		so.str("SSEType", string(s.SSEType))
		so.str("KMSMasterKeyArn", s.KMSMasterKeyArn)
		o.b = so.close()
	}
	if c := t.TableClassSummary; c != nil {
		o.key("TableClassSummary")
		co := newObj(o.b)
		co.str("TableClass", string(c.TableClass))
		co.time("LastUpdateDateTime", c.LastUpdateDateTime)
		o.b = co.close()
	}
	o.boolean("DeletionProtectionEnabled", t.DeletionProtectionEnabled)
	return o.close()
}

// encodeTable writes {"<member>": TableDescription}, or {} without one.
func encodeTable(b []byte, member string, t *catalog.TableDescription) []byte {
	o := newObj(b)
	if t != nil {
		o.key(member)
		o.b = appendTableDescription(o.b, t)
	}
	return o.close()
}

func encodeListTables(b []byte, out *catalog.ListTablesOutput) []byte {
	o := newObj(b)
	o.key("TableNames")
	names := out.TableNames
	if names == nil {
		names = []string{}
	}
	o.b = appendStrings(o.b, names)
	o.str("LastEvaluatedTableName", out.LastEvaluatedTableName)
	return o.close()
}

func encodeListTags(b []byte, out *catalog.ListTagsOfResourceOutput) []byte {
	o := newObj(b)
	o.key("Tags")
	o.b = appendList(o.b, out.Tags, func(b []byte, t *catalog.Tag) []byte {
		return appendPair(b, "Key", t.Key, "Value", t.Value)
	})
	o.str("NextToken", out.NextToken)
	return o.close()
}
