package bench

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// Distribution names a request distribution: how the records an operation
// touches are chosen.
type Distribution string

// The request distributions.
const (
	DistUniform   Distribution = "uniform"
	DistZipfian   Distribution = "zipfian"
	DistLatest    Distribution = "latest"
	DistComposite Distribution = "composite" // zipfian over partition keys (the ddb workload)
)

// Workload is an operation mix over a set of records. The proportions are
// fractions of all operations and add up to 1.
type Workload struct {
	// Name is the workload's name: a to f, or ddb.
	Name string
	// Read, Update, Insert, Scan and ReadModifyWrite are the proportions of
	// each operation.
	Read, Update, Insert, Scan, ReadModifyWrite float64
	// RecordCount is how many records Load inserts before the run.
	RecordCount uint64
	// ItemSize is the size in bytes of each record's value.
	ItemSize int
	// Distribution chooses the records read, updated and scanned from.
	Distribution Distribution
	// MaxScanLength bounds a scan's length, drawn uniformly from 1 to it.
	MaxScanLength int
	// ItemsPerPartition, when above zero, gives records a partition key and
	// a sort key, this many sort keys to a partition key.
	ItemsPerPartition uint64
}

// The YCSB core workload defaults (workloads/workload[a-f] and
// CoreWorkload): 1,000 records of 10 fields of 100 bytes, scans of 1 to
// 100 records. The ddb workload groups 10 items of 1 KB under each partition
// key.
const (
	YCSBRecordCount       = 1000
	YCSBItemSize          = 10 * 100
	YCSBMaxScanLength     = 100
	DDBItemSize           = 1024
	DDBItemsPerPartition  = 10
	DDBMaxQueryLength     = 10
	defaultYCSBScanLength = YCSBMaxScanLength
)

// CoreWorkload returns a named workload:
//
//	a    update heavy: 50% read, 50% update, zipfian
//	b    read mostly: 95% read, 5% update, zipfian
//	c    read only: 100% read, zipfian
//	d    read latest: 95% read, 5% insert, latest
//	e    short ranges: 95% scan (1 to 100 records), 5% insert, zipfian
//	f    read-modify-write: 50% read, 50% read-modify-write, zipfian
//	ddb  1 KB items, partition key + 10 sort keys each; 50% GetItem, 40%
//	     update, 10% Query of 1 to 10 items, zipfian over partition keys
//
// a to f are YCSB's core workloads with their property files' mixes and
// record count (1,000); ddb is this project's, shaped like a DynamoDB table
// with item collections.
func CoreWorkload(name string) (Workload, error) {
	w := Workload{Name: name, RecordCount: YCSBRecordCount, ItemSize: YCSBItemSize,
		Distribution: DistZipfian, MaxScanLength: defaultYCSBScanLength}
	switch name {
	case "a":
		w.Read, w.Update = 0.5, 0.5
	case "b":
		w.Read, w.Update = 0.95, 0.05
	case "c":
		w.Read = 1
	case "d":
		w.Read, w.Insert = 0.95, 0.05
		w.Distribution = DistLatest
	case "e":
		w.Scan, w.Insert = 0.95, 0.05
	case "f":
		w.Read, w.ReadModifyWrite = 0.5, 0.5
	case "ddb":
		w.Read, w.Update, w.Scan = 0.5, 0.4, 0.1
		w.ItemSize = DDBItemSize
		w.Distribution = DistComposite
		w.ItemsPerPartition = DDBItemsPerPartition
		w.MaxScanLength = DDBMaxQueryLength
	default:
		return Workload{}, fmt.Errorf("bench: unknown workload %q (want a, b, c, d, e, f or ddb)", name)
	}
	return w, nil
}

// Validate reports a workload that cannot run.
func (w Workload) Validate() error {
	sum := w.Read + w.Update + w.Insert + w.Scan + w.ReadModifyWrite
	for _, p := range []float64{w.Read, w.Update, w.Insert, w.Scan, w.ReadModifyWrite} {
		if p < 0 {
			return fmt.Errorf("bench: workload %q has a negative proportion", w.Name)
		}
	}
	if sum < 0.999 || sum > 1.001 {
		return fmt.Errorf("bench: workload %q proportions add up to %g, not 1", w.Name, sum)
	}
	if w.RecordCount == 0 && w.Insert < 1 {
		return fmt.Errorf("bench: workload %q needs records", w.Name)
	}
	if w.ItemSize < 0 {
		return fmt.Errorf("bench: item size %d is negative", w.ItemSize)
	}
	if w.Scan > 0 && w.MaxScanLength < 1 {
		return fmt.Errorf("bench: workload %q scans but MaxScanLength is %d", w.Name, w.MaxScanLength)
	}
	if _, err := w.newChooser(); err != nil {
		return err
	}
	return nil
}

// newChooser returns a chooser for the workload's distribution.
func (w Workload) newChooser() (KeyChooser, error) {
	switch w.Distribution {
	case DistUniform:
		return Uniform{}, nil
	case DistZipfian:
		if w.ItemsPerPartition > 0 {
			return NewCompositeZipfian(w.ItemsPerPartition), nil
		}
		return NewScrambledZipfian(), nil
	case DistLatest:
		return NewLatest(), nil
	case DistComposite:
		return NewCompositeZipfian(max(w.ItemsPerPartition, 1)), nil
	}
	return nil, fmt.Errorf("bench: unknown distribution %q (want uniform, zipfian or latest)", w.Distribution)
}

// KeyOf names record n. YCSB's records are "user" followed by a hash of n
// (its default hashed insert order, so inserts do not all land at the end
// of the key space); ddb's are partition key "pk" and a hash of n's
// partition, sort key "sk" and n's place in it, zero-padded so that sort
// keys sort by number.
func (w Workload) KeyOf(n uint64) Key {
	if w.ItemsPerPartition == 0 {
		return Key{Partition: "user" + strconv.FormatUint(fnv64(n), 10)}
	}
	p, s := n/w.ItemsPerPartition, n%w.ItemsPerPartition
	return Key{Partition: "pk" + strconv.FormatUint(fnv64(p), 10), Sort: fmt.Sprintf("sk%06d", s)}
}

// pick draws an operation type from the mix.
func (w Workload) pick(r *rand.Rand) OpType {
	u := r.Float64()
	for _, c := range []struct {
		p  float64
		op OpType
	}{{w.Read, OpRead}, {w.Update, OpUpdate}, {w.Insert, OpInsert}, {w.Scan, OpScan}, {w.ReadModifyWrite, OpReadModifyWrite}} {
		if u < c.p {
			return c.op
		}
		u -= c.p
	}
	// Rounding left u just above the sum: the last operation in the mix.
	switch {
	case w.ReadModifyWrite > 0:
		return OpReadModifyWrite
	case w.Scan > 0:
		return OpScan
	case w.Insert > 0:
		return OpInsert
	case w.Update > 0:
		return OpUpdate
	}
	return OpRead
}

// ops lists the operation types the mix contains.
func (w Workload) ops() []OpType {
	var out []OpType
	for op, p := range []float64{w.Read, w.Update, w.Insert, w.Scan, w.ReadModifyWrite} {
		if p > 0 {
			out = append(out, OpType(op))
		}
	}
	return out
}
