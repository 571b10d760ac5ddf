package dataplane

import "github.com/embeddynamo/dynamo/internal/api"

// Capacity unit sizes (Developer Guide, "Read/write capacity mode"): a read
// unit covers 4 KB read strongly (two eventually consistent reads), a write
// unit 1 KB written.
const (
	readUnitBytes  = 4 * 1024
	writeUnitBytes = 1024
)

// readUnits returns the read units of reading bytes in one operation:
// rounded up to 4 KB, at least one unit, halved for an eventually
// consistent read. A missing item costs as much as a 1-byte one.
func readUnits(bytes int, consistent bool) float64 {
	units := (bytes + readUnitBytes - 1) / readUnitBytes
	if units < 1 {
		units = 1
	}
	if consistent {
		return float64(units)
	}
	return float64(units) / 2
}

// writeUnits returns the write units of a write whose item was oldSize
// bytes before and newSize after: the larger, rounded up to 1 KB, at least
// one unit. A write whose condition failed passes equal sizes.
func writeUnits(oldSize, newSize int) float64 {
	size := max(oldSize, newSize)
	units := (size + writeUnitBytes - 1) / writeUnitBytes
	if units < 1 {
		units = 1
	}
	return float64(units)
}

// consumed returns the ConsumedCapacity a response carries for mode, nil
// for NONE. read says whether the units are read units.
func consumed(mode api.ReturnConsumedCapacity, table string, units float64, read bool) *api.ConsumedCapacity {
	if mode != api.ReturnConsumedCapacityTotal && mode != api.ReturnConsumedCapacityIndexes {
		return nil
	}
	c := &api.ConsumedCapacity{TableName: table, CapacityUnits: units}
	sub := api.Capacity{CapacityUnits: units}
	if read {
		c.ReadCapacityUnits = units
		sub.ReadCapacityUnits = units
	} else {
		c.WriteCapacityUnits = units
		sub.WriteCapacityUnits = units
	}
	if mode == api.ReturnConsumedCapacityIndexes {
		c.Table = &sub
	}
	return c
}

// tableUnits sums units per table for the batch operations, which report
// one ConsumedCapacity per table.
type tableUnits struct {
	order []string
	units map[string]float64
}

func (u *tableUnits) add(table string, units float64) {
	if u.units == nil {
		u.units = make(map[string]float64)
	}
	if _, ok := u.units[table]; !ok {
		u.order = append(u.order, table)
	}
	u.units[table] += units
}

func (u *tableUnits) report(mode api.ReturnConsumedCapacity, read bool) []api.ConsumedCapacity {
	if mode != api.ReturnConsumedCapacityTotal && mode != api.ReturnConsumedCapacityIndexes {
		return nil
	}
	out := make([]api.ConsumedCapacity, 0, len(u.order))
	for _, t := range u.order {
		out = append(out, *consumed(mode, t, u.units[t], read))
	}
	return out
}
