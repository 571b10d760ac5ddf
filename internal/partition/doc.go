// Package partition is the replicated state machine of one partition: the
// items of one contiguous range of a table's key space, applied from the
// partition's raft group (internal/multiraft) to the node's storage engine
// (internal/storage). A Partition implements multiraft.StateMachine.
//
// # State
//
// A partition's data are its items, stored under their storage keys
// (internal/keyenc: table, hash of the partition key, partition key, sort
// key) in an engine shared by every partition on the node. Keys are the
// table's key space, not the partition's, so a split moves no data. Beside
// the data the engine holds the partition's Meta under its group ID: applied
// index, table, key schema, range [Start, End), item count and byte total
// (DynamoDB's item sizes). Every Apply writes its data and the new Meta in
// one batch, so after a crash the applied index and the data agree. With a
// Round (Options.Round) that batch is shared: every partition of a node
// applied in one scheduler round stages its data and Meta in the round's
// batch, committed once by Round.Commit (multiraft's Config.CommitApplied),
// so a node pays one storage commit per round, not one per partition.
//
// A stored value is the item's DynamoDB size as an unsigned varint followed
// by the item in internal/itemcodec's versioned encoding; the size prefix
// lets a split total a range's bytes without decoding items. FormatVersion
// versions the Meta layout and this value layout together.
//
// # Commands
//
// A Command (Put, Update, Delete, Split) carries everything apply needs, so
// that apply is a deterministic function of the command and the stored
// state: table, key schema, item or key, the expressions with their names
// and values, or the legacy Expected, ConditionalOperator and
// AttributeUpdates, and the ReturnValues settings. The router on the leader
// validates the request before building the command; every replica then
// re-parses the expressions (through a small cache keyed by their exact
// bytes) and evaluates them against its stored item. Commands have a
// versioned, canonical binary encoding whose decoder accepts untrusted
// input.
//
// Apply semantics are DynamoDB's: a condition is evaluated against the
// stored item (none: every attribute absent); a failed condition returns a
// *dberr.ConditionalCheckFailedException ("The conditional request failed"),
// with the old item when ReturnValuesOnConditionCheckFailure is ALL_OLD; an
// update applies to the stored item, or to an item made of the key when none
// is stored (except that an update made only of removals creates no item,
// as in DynamoDB), and fails with a *dberr.ValidationException on operand types,
// document paths, nesting beyond 32 levels or a result above 400 KB. A key
// outside the partition's range returns a *WrongRangeError. A command that
// fails changes nothing but still advances the applied index. Each command's
// outcome is a *Result.
//
// The commands of one Apply call apply in order, each seeing the writes of
// the ones before it (an overlay of the batch's pending writes), and are
// committed in one batch; with a Round the overlay lasts the whole round, so
// a later Apply of the same round sees the earlier ones. After the commit
// (the round's, with a Round), Options.OnWrite reports each
// write's key and item sizes: the hook through which internal/split's
// per-key load sampler learns the partition's write load.
//
// # Reads
//
// Get and Scan may run on any goroutine while Apply runs. They read the
// engine's committed state: an item is always as some committed batch left
// it, never half of a batch. They are as fresh as the last commit; a strong
// read is the caller's to order (wait until AppliedIndex reaches the index
// the leader confirmed). Scan sees each key at most once and in order, but
// a batch committed while it runs may or may not be visible.
//
// # Snapshots and splits
//
// A snapshot is an engine snapshot of the partition's range plus its Meta,
// streamed as a header and a storage range stream (storage.ExportRange);
// Restore installs the data and the Meta atomically (storage.IngestRange)
// after checking the whole stream. A Split command shrinks the range to
// [Start, SplitKey) and, in the same batch, records [SplitKey, End) with its
// item count and bytes as the Meta of a new group, which a later step starts
// as a raft group over the same storage.
package partition
