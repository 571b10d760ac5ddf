// Package refmodel is a reference model of DynamoDB's data plane for
// model-based randomized testing, with a seeded generator of operations and a
// harness that runs them against a system under test and the model side by
// side.
//
// # The model
//
// Model implements api.DataPlane over plain Go maps: one map per table from
// a canonical text of an item's key to the item. It is deliberately naive and
// shares nothing with the production storage path (no key encoding, no
// partitions, no commands): Query filters a whole table's items by partition
// key and sorts them by sort key on every call, Scan sorts the whole table.
// What DynamoDB's language defines it takes from the packages that are that
// language's specification: internal/expr parses and evaluates expressions,
// internal/legacy compiles the legacy parameters, internal/itemcheck validates
// items and keys. Its own validation errors are *dberr.ValidationException
// values whose messages need not be DynamoDB's: the harness compares the
// type of a validation error, never its text.
//
// Orders: Query reads one item collection in sort-key order (numbers by value,
// strings and binaries bytewise), reversed for ScanIndexForward false. Scan's
// order in DynamoDB follows a hash of the partition key and is not part of the
// contract; the model scans in (partition key, sort key) order and puts an
// item collection into parallel scan segment FNV-1a(partition key) modulo
// TotalSegments. The harness therefore compares Scan results as multisets
// over complete paginations, and a segmented scan as the union of all its
// segments.
//
// Paging: a Query or Scan page ends when Limit items were evaluated (before
// the filter) or when the items evaluated reach Options.MaxPageBytes (1 MB
// by default, counted by itemcheck.Size, the item that reaches it included),
// and then carries a LastEvaluatedKey even when nothing follows, as
// DynamoDB's does. BatchGetItem and BatchWriteItem process everything: the
// model never returns UnprocessedKeys or UnprocessedItems, and the harness
// sends those of the system under test again until none is left.
//
// Not modelled: secondary indexes (IndexName is refused), transactions,
// ConsumedCapacity and ItemCollectionMetrics (never returned), and the
// BatchGetItem 16 MB response limit.
//
// # The generator and the harness
//
// Generator produces operations deterministically from a seed against a small
// key space: a few partition key values with many sort key values each, so
// item collections are long and queries page through them. Run executes the
// generated operations against a system under test and a Model and fails,
// through a Reporter, at the first divergence with the seed, the operation's
// index and both results. Run compares:
//
//   - errors by exception name (ValidationException texts are the
//     production path's to get right, not the model's), and for
//     ConditionalCheckFailedException the item it returns;
//   - returned items with numbers by value and sets by membership; a nil and
//     an empty item are alike;
//   - Query page by page, in order, with Count, ScannedCount and
//     LastEvaluatedKey, following the pages to the end;
//   - Scan as the multiset of items and the total counts over all pages
//     and, for a parallel scan, over all its segments; each page must keep
//     Count <= ScannedCount <= Limit and hold Count items;
//   - BatchGetItem as a multiset of items per table;
//   - every table's whole content, periodically and after the last
//     operation.
//
// The harness runs one operation at a time and expects the system under test
// to read its own writes; concurrency is not its subject.
//
// # Running it against a system
//
// Any api.DataPlane can be the system under test: the cluster's Client, the
// data plane over a local backend, an HTTP client of a remote endpoint.
// Setup creates the generator's tables in it:
//
//	refmodel.Run(t, refmodel.RunConfig{
//		Seed: seed,
//		Ops:  5000,
//		SUT:  client,
//		Setup: func(ctx context.Context, tables []refmodel.TableSpec) error {
//			for _, spec := range tables {
//				if _, err := client.CreateTable(ctx, spec.CreateTableInput()); err != nil {
//					return err
//				}
//				if err := client.WaitForTable(ctx, spec.Name); err != nil {
//					return err
//				}
//			}
//			return nil
//		},
//	})
//
// A divergence names the seed and the index of the operation;
// RunConfig{Seed: seed, Ops: index + 1} replays the run up to it, and Trace
// shows every operation on the way. A system under test that pages by a
// smaller byte limit than 1 MB needs a Model with the same
// Options.MaxPageBytes.
package refmodel
