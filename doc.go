// Package dynamo is an embeddable database that gives a Go program what
// Amazon DynamoDB gives its users: tables of schemaless items, split into
// key-range partitions, each partition a raft replication group across zones,
// with token-bucket admission control, automatic splits and a control plane
// ("autoadmin") that creates tables, rebalances and heals.
//
// # Model
//
// An Item is a map of attribute names to AttributeValues of DynamoDB's ten
// types (S, N, B, BOOL, NULL, M, L, SS, NS, BS). Numbers are exact decimals of
// up to 38 significant digits. A table's primary key is a partition key, or a
// partition key and a sort key; items are stored in the table's key space,
// ordered by (hash of the partition key, partition key, sort key). A table is
// split into partitions, contiguous ranges of that key space; each partition
// is replicated on three nodes in three zones by a raft group whose leader
// takes writes and strongly consistent reads.
//
// # Seams
//
// Storage (applied data: bbolt on disk, a B-tree in memory), LogStore (the
// replicated log: a segmented write-ahead log shared by every group on a
// node), Transport (an in-process network or TCP) and the clock are
// interfaces, each with built-in implementations and a conformance suite in
// package dynamotest for custom ones.
//
// # Errors
//
// Errors mirror DynamoDB's exceptions by name (ValidationException,
// ConditionalCheckFailedException, ProvisionedThroughputExceededException ...)
// and are matched with errors.As. Bad input changes nothing.
package dynamo
