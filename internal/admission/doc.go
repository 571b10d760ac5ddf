// Package admission decides whether a request may run now, the way DynamoDB
// meters and throttles its tables.
//
// Every request costs capacity units, computed from item sizes by DynamoDB's
// arithmetic (capacity.go): a read unit per 4 KB, a write unit per 1 KB,
// halved for eventually consistent reads, doubled for transactions.
//
// The units are admitted by token buckets, each a golang.org/x/time/rate
// Limiter driven by explicit times so that tests never sleep:
//
//   - A partition Bucket on the leader of each partition refills at the
//     partition's share of the table's capacity, capped at 3,000 read or
//     1,000 write units per second, and banks up to 300 seconds of unused
//     capacity as burst.
//   - A NodeBucket caps what one storage node admits across every table it
//     hosts. Requests within a partition's allocated rate come first; burst
//     requests run only on capacity the node has spare, so one table's burst
//     cannot starve the others (Admit: partition, then node).
//   - An Adaptive controller lends a throttled partition the table's unused
//     capacity, up to the partition maximum, by proportional control, and
//     takes the loan back when the table exceeds its capacity.
//   - Global admission control (GAC): one Service per table holds the
//     table-wide pool; each router's Client takes time-limited grants of
//     tokens in batches, spends them locally and hands back what it did not
//     use, so the sum admitted across routers stays within the table's
//     capacity plus its burst. Grants follow each router's max-min fair
//     share of the table, so an idle router's capacity flows to busy ones.
//   - OnDemand admits a PAY_PER_REQUEST table up to twice its previous peak.
//
// A refused request gets the exception DynamoDB returns
// (ProvisionedThroughputExceededException on provisioned tables,
// ThrottlingException on on-demand tables) with the reason, the resource and
// a retry hint. Metrics records consumption, throttles and latency per table
// and partition, and Stats returns a snapshot a host can export.
//
// All types are safe for concurrent use and start no goroutines. Time is
// always passed in (the Service reads it from the Now function it is
// given): a bucket treats a time earlier than one it has already seen as
// that later time, so a clock that steps back cannot mint tokens.
package admission
