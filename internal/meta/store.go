package meta

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/embeddynamo/dynamo/internal/expr"
	"github.com/embeddynamo/dynamo/internal/node"
	"github.com/embeddynamo/dynamo/internal/partition"
)

// ErrStale is returned by a save whose view of a record is older than the
// system table's: another controller wrote it since. The caller reloads.
var ErrStale = errors.New("meta: catalog changed under the controller")

// store reads and writes the catalog's records in the system table through
// the node that leads Group. It is used by the controller's goroutines
// under the controller's lock.
type store struct {
	n    *node.Node
	opts catalog.Options
	// versions are the record versions as last read or written.
	versions map[string]uint64
	// saved are the records as last read or written, without versions.
	saved map[string]attr.Item
}

// load reads every record with a strongly consistent scan and assembles the
// catalog and the control plane's state.
func (s *store) load(ctx context.Context) (*catalog.Catalog, state, error) {
	var items []attr.Item
	req := node.ScanRequest{Consistent: true}
	for {
		page, err := s.n.Scan(ctx, Group, req)
		if err != nil {
			return nil, state{}, fmt.Errorf("meta: load catalog: %w", err)
		}
		items = append(items, page.Items...)
		if page.LastKey == nil {
			break
		}
		req.StartAfter = page.LastKey
	}
	c, st, versions, err := assemble(s.opts, items)
	if err != nil {
		return nil, state{}, fmt.Errorf("meta: load catalog: %w", err)
	}
	saved := make(map[string]attr.Item, len(items))
	for _, item := range items {
		k := item[attrKey].S()
		clean := item.Clone()
		delete(clean, attrVersion)
		saved[k] = clean
	}
	s.versions, s.saved = versions, saved
	return c, st, nil
}

// save writes the records of c and st that differ from the last saved
// ones, the counters first, and deletes the records of tables, nodes,
// moves and events that are gone. Each write is conditional on the
// record's version, so a stale controller fails with ErrStale and changes
// nothing more.
func (s *store) save(ctx context.Context, c *catalog.Catalog, st state) error {
	want, err := records(c, st, s.saved)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		// The counters go first: a crash after them only skips IDs.
		if (keys[i] == idsKey) != (keys[j] == idsKey) {
			return keys[i] == idsKey
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		if old, ok := s.saved[k]; ok && attr.ItemsEqual(old, want[k]) {
			continue
		}
		if err := s.put(ctx, k, want[k]); err != nil {
			return err
		}
	}
	gone := make([]string, 0)
	for k := range s.saved {
		if _, ok := want[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		if err := s.delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func (s *store) put(ctx context.Context, k string, item attr.Item) error {
	ver, exists := s.versions[k]
	next := item.Clone()
	next[attrVersion] = attr.N(strconv.FormatUint(ver+1, 10))
	cmd := &partition.Command{Op: partition.OpPut, Table: SystemTable, Schema: Schema, Item: next}
	s.condition(cmd, ver, exists)
	if err := s.write(ctx, k, cmd); err != nil {
		return err
	}
	s.versions[k] = ver + 1
	s.saved[k] = item
	return nil
}

func (s *store) delete(ctx context.Context, k string) error {
	ver, exists := s.versions[k]
	cmd := &partition.Command{Op: partition.OpDelete, Table: SystemTable, Schema: Schema, Key: recordKey(k)}
	s.condition(cmd, ver, exists)
	if err := s.write(ctx, k, cmd); err != nil {
		return err
	}
	delete(s.versions, k)
	delete(s.saved, k)
	return nil
}

// condition makes cmd apply only to the record version the store knows.
func (s *store) condition(cmd *partition.Command, ver uint64, exists bool) {
	if !exists {
		cmd.ConditionExpression = "attribute_not_exists(#k)"
		cmd.Names = expr.Names{"#k": attrKey}
		return
	}
	cmd.ConditionExpression = "#v = :v"
	cmd.Names = expr.Names{"#v": attrVersion}
	cmd.Values = expr.Values{":v": attr.N(strconv.FormatUint(ver, 10))}
}

func (s *store) write(ctx context.Context, k string, cmd *partition.Command) error {
	_, err := s.n.Write(ctx, Group, cmd)
	var failed *dberr.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return fmt.Errorf("%w: record %s", ErrStale, k)
	}
	if err != nil {
		return fmt.Errorf("meta: write record %s: %w", k, err)
	}
	return nil
}
