package admission

// Capacity units are counted as DynamoDB counts them. Sources (DynamoDB
// Developer Guide): "Managing throughput settings on provisioned tables"
// (ProvisionedThroughput.html, sections "Capacity unit consumption for reads"
// and "... for writes"), "Read/write capacity mode"
// (HowItWorks.ReadWriteCapacityMode.html), "Read and write operations"
// (read-write-operations.html) and "Global secondary indexes" (GSI.html,
// section "Write capacity units"). On-demand request units use the same sizes.
//
// Item sizes are computed by the caller (item.Size in the data plane); this
// file only does the arithmetic.

// ReadBlock is the size one read capacity unit covers: 4 KB.
const ReadBlock = 4096

// WriteBlock is the size one write capacity unit covers: 1 KB.
const WriteBlock = 1024

// ReadMode is how a read is served, which sets its price per 4 KB.
type ReadMode int

// The read modes.
const (
	// Eventual is an eventually consistent read: half a unit per 4 KB. It is
	// DynamoDB's default.
	Eventual ReadMode = iota
	// Strong is a strongly consistent read: one unit per 4 KB.
	Strong
	// TransactionalRead is a read inside TransactGetItems: two units per 4 KB.
	TransactionalRead
)

// WriteMode is how a write is applied, which sets its price per 1 KB.
type WriteMode int

// The write modes.
const (
	// Standard is a single-item or batch write: one unit per 1 KB.
	Standard WriteMode = iota
	// TransactionalWrite is a write inside TransactWriteItems: two units per
	// 1 KB.
	TransactionalWrite
)

// blocks returns size rounded up to whole blocks, at least one: DynamoDB
// charges the minimum for an empty or missing item too.
func blocks(size, block int) int {
	if size <= 0 {
		return 1
	}
	n := size / block
	if size%block != 0 {
		n++
	}
	return n
}

func readPrice(mode ReadMode) float64 {
	switch mode {
	case Strong:
		return 1
	case TransactionalRead:
		return 2
	default:
		return 0.5
	}
}

func writePrice(mode WriteMode) float64 {
	if mode == TransactionalWrite {
		return 2
	}
	return 1
}

// ReadUnits is the cost of reading size bytes as one read operation: size
// rounded up to 4 KB, times the mode's price. A size of zero or less (an item
// that does not exist) costs one 4 KB block: 0.5 eventual, 1 strong,
// 2 transactional.
func ReadUnits(mode ReadMode, size int) float64 {
	return float64(blocks(size, ReadBlock)) * readPrice(mode)
}

// GetItemUnits is the cost of a GetItem (or one Get of TransactGetItems) that
// found an item of size bytes; pass found=false for a missing item, which
// still costs the minimum.
func GetItemUnits(mode ReadMode, size int, found bool) float64 {
	if !found {
		size = 0
	}
	return ReadUnits(mode, size)
}

// BatchGetItemUnits is the cost of a BatchGetItem: each item is rounded up to
// 4 KB separately, then summed. A size of zero or less stands for a key with
// no item, charged the minimum like GetItem.
func BatchGetItemUnits(mode ReadMode, sizes []int) float64 {
	var total float64
	for _, size := range sizes {
		total += ReadUnits(mode, size)
	}
	return total
}

// QueryUnits is the cost of one Query or Scan page: the summed size of every
// item read (before FilterExpression and projection) rounded up to 4 KB once
// for the page, not per item. partitions is how many partitions the page
// searched; each costs at least one 4 KB block even when it held no item.
func QueryUnits(mode ReadMode, bytesRead int, partitions int) float64 {
	n := blocks(bytesRead, ReadBlock)
	if bytesRead <= 0 {
		n = 0
	}
	if partitions < 1 {
		partitions = 1
	}
	if n < partitions {
		n = partitions
	}
	return float64(n) * readPrice(mode)
}

// WriteUnits is the cost of writing size bytes as one write: size rounded up
// to 1 KB, at least one unit, times the mode's price.
func WriteUnits(mode WriteMode, size int) float64 {
	return float64(blocks(size, WriteBlock)) * writePrice(mode)
}

// PutItemUnits is the cost of a PutItem or UpdateItem: the larger of the item
// before (0 if none) and after the write, rounded up to 1 KB. An UpdateItem
// that changes one attribute still pays for the whole item.
func PutItemUnits(mode WriteMode, oldSize, newSize int) float64 {
	return WriteUnits(mode, max(oldSize, newSize))
}

// UpdateItemUnits is the cost of an UpdateItem; see PutItemUnits.
func UpdateItemUnits(mode WriteMode, oldSize, newSize int) float64 {
	return PutItemUnits(mode, oldSize, newSize)
}

// DeleteItemUnits is the cost of a DeleteItem: the size of the deleted item
// rounded up to 1 KB; deleting a missing item costs one unit.
func DeleteItemUnits(mode WriteMode, deletedSize int) float64 {
	return WriteUnits(mode, deletedSize)
}

// ConditionFailedUnits is the cost of a write whose ConditionExpression was
// false. When the item existed, DynamoDB charges for the item the write
// would have stored (for a DeleteItem, the existing item); when it did not,
// one write unit.
func ConditionFailedUnits(mode WriteMode, itemExisted bool, writeSize int) float64 {
	if !itemExisted {
		return writePrice(mode)
	}
	return WriteUnits(mode, writeSize)
}

// BatchWriteItemUnits is the cost of a BatchWriteItem: each put or delete is
// rounded up to 1 KB separately, then summed.
func BatchWriteItemUnits(sizes []int) float64 {
	var total float64
	for _, size := range sizes {
		total += WriteUnits(Standard, size)
	}
	return total
}

// IndexWrite describes what one base-table write does to one secondary
// index. Sizes are the index entry (keys and projected attributes), zero when
// the item is not in the index.
type IndexWrite struct {
	// Before is the size of the item's index entry before the write, 0 if the
	// item was not in the index.
	Before int
	// After is the size of the item's index entry after the write, 0 if the
	// item is not in the index afterwards.
	After int
	// KeyChanged reports that the write changed the value of an index key
	// attribute while the item stayed in the index.
	KeyChanged bool
	// ProjectionChanged reports that the write changed a projected attribute
	// (but no key) of an item that stayed in the index.
	ProjectionChanged bool
}

// IndexWriteUnits is the write capacity a base-table write consumes on one
// global secondary index (or on the table, for a local secondary index),
// following the Developer Guide's rules:
//   - item enters the index: one put of the new entry;
//   - item leaves the index: one delete of the old entry;
//   - an index key changes: a delete of the old entry plus a put of the new;
//   - only projected attributes change: one write of the entry;
//   - the index is untouched: nothing.
//
// Each index write is rounded up to 1 KB on its own.
func IndexWriteUnits(mode WriteMode, w IndexWrite) float64 {
	in, out := w.Before > 0, w.After > 0
	switch {
	case !in && !out:
		return 0
	case !in:
		return WriteUnits(mode, w.After)
	case !out:
		return WriteUnits(mode, w.Before)
	case w.KeyChanged:
		return WriteUnits(mode, w.Before) + WriteUnits(mode, w.After)
	case w.ProjectionChanged:
		return WriteUnits(mode, max(w.Before, w.After))
	default:
		return 0
	}
}

// Kind is the kind of capacity a request consumes.
type Kind int

// The kinds of capacity.
const (
	// Read is read capacity (RCU, or read request units on demand).
	Read Kind = iota
	// Write is write capacity (WCU, or write request units on demand).
	Write
)

// String returns "read" or "write".
func (k Kind) String() string {
	if k == Write {
		return "write"
	}
	return "read"
}
