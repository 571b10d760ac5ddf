// Package catalog is the control plane's deterministic model of the
// cluster: DynamoDB's control-plane API (CreateTable, DescribeTable,
// UpdateTable, DeleteTable, ListTables, and the tagging operations
// TagResource, UntagResource and ListTagsOfResource) with DynamoDB's validation and
// messages, the tables it has created, each table's partition map, the
// placement of every partition's replicas, and the node registry. The
// autoadmin loop owns one Catalog, stores it in the metadata system table
// (EncodeCatalog), and drives it with explicit inputs and times; routers
// read partition maps from it. Nothing here does I/O, reads a clock or
// starts a goroutine.
//
// # Tables
//
// The request and response types follow DynamoDB's (and the AWS SDK for Go
// v2's) names, so the root package can alias them. Optional numbers and
// booleans are pointers (nil is DynamoDB's null); strings and enumerations
// are values, the empty string meaning "not given". A nil slice is a list
// that was not given, an empty non-nil slice an empty list: DynamoDB tells
// them apart (a missing AttributeDefinitions is "Member must not be null",
// an empty one "Some index key attribute have no definition").
//
// A table gets a numeric ID, never reused, that prefixes its key space
// (internal/keyenc). CreateTable leaves it CREATING, DeleteTable DELETING,
// a capacity, billing or index change UPDATING; CompleteTransition, called
// by the control plane when the work is done, makes it ACTIVE (or removes
// it). As in DynamoDB, an UpdateTable response and DescribeTable report the
// old capacity until the update completes. Decreases follow DynamoDB's
// allowance: four per UTC day, then one an hour.
//
// ARNs are arn:aws:dynamodb:REGION:ACCOUNT:table/NAME, index ARNs append
// /index/INDEX and stream ARNs /stream/LABEL. Region and account come from
// Options (defaults us-east-1 and 000000000000, the account DynamoDB Local
// uses). TableId is the numeric ID in UUID form.
//
// # Validation
//
// Validation happens in DynamoDB's two stages. First the request validator:
// every per-field constraint (lengths, patterns, enumerations, minimum
// values, required members) is collected, up to ten, and reported in one
// ValidationException: "1 validation error detected: Value 'ab' at
// 'tableName' failed to satisfy constraint: Member must have length greater
// than or equal to 3", or "N validation errors detected: " followed by the
// violations joined by "; ". Then the rules between fields, in DynamoDB's
// order, the first broken one reported with its own message ("One or more
// parameter values were invalid: ..."). Then the rules that need the
// catalog (ResourceNotFoundException, ResourceInUseException,
// LimitExceededException).
//
// The message texts are DynamoDB's. They come from dynalite
// (validations/createTable.js, updateTable.js and index.js, and its tests,
// which ran against DynamoDB), cross-checked with moto's attribute
// definition rules and with captures of the live service published in 2026
// (a catalogue of ValidationException, ResourceInUseException and
// LimitExceededException texts recorded in us-east-1 and us-west-2). Where
// the two disagree the live captures win: a short table name is now the
// generic "Value 'ab' at 'tableName' ..." violation rather than dynalite's
// "TableName must be at least 3 characters long and at most 255 characters
// long", and UpdateTable's "nothing to update" message now lists thirteen
// members. Which state gives which exception:
//
//	CreateTable of a CREATING table     ResourceInUseException "Attempt to change a resource which is still in use: Table is being created: NAME"
//	CreateTable of an ACTIVE/DELETING   ResourceInUseException "Table already exists: NAME"
//	Describe/Update/Delete, no table    ResourceNotFoundException "Requested resource not found: Table: NAME not found"
//	Update/Delete of a CREATING table   "... still in use: Table is being created: NAME"
//	Update/Delete of a DELETING table   "... still in use: Table is being deleted: NAME"
//	Delete of an UPDATING table         "... still in use: Table: NAME is in the process of being updated."
//	Update of an UPDATING table         "... still in use: Table IOPS are currently being updated. Table: NAME" for a capacity change
//
// "Cannot do operations on a non-existent table" is DynamoDB Local's text,
// not the service's; the data plane's is MsgResourceNotFound.
//
// Field order in a multi-violation envelope follows the order DynamoDB was
// observed to use (attributeDefinitions, tableName, billingMode,
// provisionedThroughput with writeCapacityUnits first, keySchema, indexes);
// DynamoDB's own order comes from its model and is not documented.
//
// The per-table maximum capacity (40,000 by default) is a
// LimitExceededException "The requested ReadCapacityUnits, N, is above the
// per table maximum for the account in REGION. Per table maximum: 40000."
// as captured; the per-index variant's wording was only seen truncated and
// is reconstructed.
//
// # Partition maps
//
// A table's partitions are ordered by start key and cover its key space,
// [TablePrefix(id), PrefixEnd(TablePrefix(id))), with no gap and no
// overlap. Locate finds a key's partition by binary search; Overlapping
// lists the partitions a Query or Scan range touches, in order. ApplySplit
// divides a partition at a key into two, the right one with a freshly
// allocated ID; MoveReplica, AddReplica and RemoveReplica change placement.
// Every change checks its preconditions and fails without changing anything;
// Check verifies every invariant of the whole catalog.
//
// # Placement
//
// A new PROVISIONED table starts with ceil(RCU/3000 + WCU/1000) partitions
// (at least one), the count at which no partition must serve more than
// DynamoDB's per-partition ceilings of 3,000 RCU and 1,000 WCU; an
// on-demand one with Options.OnDemandPartitions (default 1). Split points
// divide the 64-bit hash that follows the table prefix evenly. Each
// partition gets Options.Replicas (default 3) replicas on live nodes in
// distinct zones, on the least loaded nodes first (ties by node ID); with
// fewer zones than replicas the extra replicas share the least used zones,
// and with fewer nodes than replicas fewer replicas are placed.
// PlanRebalance proposes replica moves so that no live node carries more
// than 1.2 times the mean load in replicas, bytes or capacity units.
//
// # Encodings
//
// Nodes and partitions, which routers read constantly, have compact binary
// records; a table's description, a wide document written rarely, is JSON
// inside a binary envelope. Every record starts with a kind byte and
// FormatVersion and ends with a CRC-32C; decoders reject truncation, bad
// checksums, unknown versions, unknown JSON fields, trailing bytes and
// values that break the catalog's rules. EncodeCatalog holds a whole
// catalog; DecodeCatalog rebuilds it and runs Check.
package catalog
