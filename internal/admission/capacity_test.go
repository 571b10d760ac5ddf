package admission

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each case checks the arithmetic against a worked example or a rule of the
// DynamoDB Developer Guide; the comment names the page:
//
//	PT  = ProvisionedThroughput.html ("Capacity unit consumption for reads/writes")
//	RWM = HowItWorks.ReadWriteCapacityMode.html
//	RWO = read-write-operations.html
//	GSI = GSI.html ("Provisioned throughput considerations")
func TestCapacityUnitsMatchDynamoDBArithmetic(t *testing.T) {
	const kb = 1024
	cases := []struct {
		name string
		got  float64
		want float64
	}{
		// PT: "reading a 3,500-byte item consumes the same throughput as reading a 4 KB item".
		{"strong read of 3500 bytes costs one 4 KB unit", GetItemUnits(Strong, 3500, true), 1},
		// PT/RWM: 8 KB item: 2 strong, 1 eventual, 4 transactional.
		{"strong read of 8 KB costs 2", GetItemUnits(Strong, 8*kb, true), 2},
		{"eventual read of 8 KB costs 1", GetItemUnits(Eventual, 8*kb, true), 1},
		{"transactional read of 8 KB costs 4", GetItemUnits(TransactionalRead, 8*kb, true), 4},
		// PT: "If you read an item of 10 KB, DynamoDB rounds the item size to 12 KB".
		{"strong read of 10 KB rounds to 12 KB", GetItemUnits(Strong, 10*kb, true), 3},
		{"eventual read of one byte costs half a unit", GetItemUnits(Eventual, 1, true), 0.5},
		{"eventual read of 4 KB plus one byte costs a unit", GetItemUnits(Eventual, 4*kb+1, true), 1},
		// PT: a read of an item that does not exist: 1 strong, 0.5 eventual.
		{"strong read of a missing item costs 1", GetItemUnits(Strong, 5000, false), 1},
		{"eventual read of a missing item costs 0.5", GetItemUnits(Eventual, 0, false), 0.5},
		{"transactional read of a missing item costs 2", GetItemUnits(TransactionalRead, 0, false), 2},
		// PT: BatchGetItem of 1.5 KB and 6.5 KB counts 12 KB (4 KB + 8 KB), not 8 KB.
		{"batch get rounds each item separately", BatchGetItemUnits(Strong, []int{1536, 6656}), 3},
		{"batch get eventual halves the sum", BatchGetItemUnits(Eventual, []int{1536, 6656}), 1.5},
		{"batch get charges a missing key the minimum", BatchGetItemUnits(Eventual, []int{0, 100}), 1},
		// PT: a Query returning 10 items totalling 40.8 KB rounds to 44 KB once.
		{"query of 40.8 KB rounds once to 44 KB", QueryUnits(Strong, 41779, 1), 11},
		// PT: 1500 items of 64 bytes each: cumulative 96 KB, not 1500 blocks.
		{"query of 1500 small items rounds the sum not each item", QueryUnits(Strong, 1500*64, 1), 24},
		// PT: "For an eventually consistent read, if the total item size is 80 KB, the operation consumes only 10".
		{"eventual query of 80 KB costs 10", QueryUnits(Eventual, 80*kb, 1), 10},
		// GSI: 8 items of 2000 bytes = 16,000 bytes -> 16 KB, eventual: 0.5 x 4 = 2.
		{"index query of 8 items of 2000 bytes costs 2", QueryUnits(Eventual, 8*2000, 1), 2},
		// RWO: Query/Scan are charged per partition searched even when no data exists.
		{"empty query costs the minimum", QueryUnits(Eventual, 0, 1), 0.5},
		{"scan of three empty partitions costs one block each", QueryUnits(Strong, 0, 3), 3},
		{"scan of 1 KB over two partitions costs one block each", QueryUnits(Strong, kb, 2), 2},
		{"scan of 100 KB over two partitions rounds the sum", QueryUnits(Strong, 100*kb, 2), 25},
		// PT: "writing a 500-byte item consumes the same throughput as writing a 1 KB item".
		{"put of 500 bytes costs 1", PutItemUnits(Standard, 0, 500), 1},
		// PT: "if you put or delete an item of 1.6 KB, DynamoDB rounds the item size up to 2 KB".
		{"put of 1.6 KB costs 2", PutItemUnits(Standard, 0, 1638), 2},
		{"delete of 1.6 KB costs 2", DeleteItemUnits(Standard, 1638), 2},
		{"delete of a missing item costs 1", DeleteItemUnits(Standard, 0), 1},
		// PT: PutItem replacing an item: "the item size that matters is the larger of the two".
		{"put replacing a 3 KB item with 1 KB costs 3", PutItemUnits(Standard, 3*kb, kb), 3},
		// PT: UpdateItem: the larger of before and after, even for a partial update.
		{"update growing 2 KB to 2.5 KB costs 3", UpdateItemUnits(Standard, 2*kb, 2560), 3},
		{"update shrinking 5 KB to 10 bytes costs 5", UpdateItemUnits(Standard, 5*kb, 10), 5},
		// RWM: 2 KB transactional write costs 4.
		{"transactional write of 2 KB costs 4", PutItemUnits(TransactionalWrite, 0, 2*kb), 4},
		{"transactional write of 1 byte costs 2", PutItemUnits(TransactionalWrite, 0, 1), 2},
		// PT: BatchWriteItem of 500 bytes and 3.5 KB counts 5 KB (1 KB + 4 KB).
		{"batch write rounds each item separately", BatchWriteItemUnits([]int{500, 3584}), 5},
		// PT: failed condition: existing item -> units of the new item; new item -> 1 unit.
		{"failed condition on an existing item charges the new item size", ConditionFailedUnits(Standard, true, 2*kb), 2},
		{"failed condition on a 1 KB write charges one unit", ConditionFailedUnits(Standard, true, kb), 1},
		{"failed condition on a missing item charges one unit", ConditionFailedUnits(Standard, false, 50*kb), 1},
		{"failed transactional condition on a missing item charges two", ConditionFailedUnits(TransactionalWrite, false, 50*kb), 2},
		// GSI: new item with the indexed attribute: one put into the index.
		{"item entering an index costs one put", IndexWriteUnits(Standard, IndexWrite{After: 500}), 1},
		// GSI: changing an indexed key A -> B: a delete plus a put.
		{"index key change costs a delete and a put", IndexWriteUnits(Standard, IndexWrite{Before: 500, After: 700, KeyChanged: true}), 2},
		// GSI: indexed attribute deleted: one delete of the old projection.
		{"item leaving an index costs one delete", IndexWriteUnits(Standard, IndexWrite{Before: 800}), 1},
		// GSI: item in the index neither before nor after: no cost.
		{"item never in the index costs nothing", IndexWriteUnits(Standard, IndexWrite{}), 0},
		// GSI: only projected attributes change: one write.
		{"projected attribute change costs one write", IndexWriteUnits(Standard, IndexWrite{Before: 300, After: 400, ProjectionChanged: true}), 1},
		// GSI: "if a write to a table does not require a global secondary index update, then no write capacity is consumed".
		{"write not touching the index costs nothing", IndexWriteUnits(Standard, IndexWrite{Before: 300, After: 300}), 0},
		// GSI: "Larger index entries will require additional write capacity units".
		{"key change of large entries rounds each write", IndexWriteUnits(Standard, IndexWrite{Before: 1500, After: 2100, KeyChanged: true}), 5},
		{"transactional index put doubles", IndexWriteUnits(TransactionalWrite, IndexWrite{After: 1500}), 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.got)
		})
	}
}

func TestKindString(t *testing.T) {
	require.Equal(t, "read", Read.String())
	require.Equal(t, "write", Write.String())
}
