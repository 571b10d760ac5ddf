package catalog

import (
	"fmt"
	"strings"
	"time"
)

// TableARN returns a table's ARN as DynamoDB forms it:
// arn:aws:dynamodb:REGION:ACCOUNT:table/NAME.
func TableARN(region, account, table string) string {
	return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + table
}

// IndexARN returns the ARN of an index of the table with the given ARN:
// TABLEARN/index/INDEX.
func IndexARN(tableARN, index string) string { return tableARN + "/index/" + index }

// StreamARN returns the ARN of a table's stream with the given label:
// TABLEARN/stream/LABEL.
func StreamARN(tableARN, label string) string { return tableARN + "/stream/" + label }

// streamLabelLayout is DynamoDB's stream label: an ISO 8601 UTC time with
// milliseconds and no zone designator.
const streamLabelLayout = "2006-01-02T15:04:05.000"

// StreamLabel returns the label of a stream enabled at t.
func StreamLabel(t time.Time) string { return t.UTC().Format(streamLabelLayout) }

// ParseTableARN returns the table name in a table ARN of the given region
// and account. It reports false for any other string, including index and
// stream ARNs.
func ParseTableARN(region, account, arn string) (string, bool) {
	prefix := TableARN(region, account, "")
	if !strings.HasPrefix(arn, prefix) {
		return "", false
	}
	name := arn[len(prefix):]
	if name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// TableID renders a numeric table ID in the UUID form DynamoDB reports
// TableId in: the ID in the low 64 bits, the high 64 bits zero. It is
// deterministic so that descriptions are reproducible.
func TableID(id uint64) string {
	return fmt.Sprintf("00000000-0000-0000-%04x-%012x", id>>48, id&0xFFFFFFFFFFFF)
}
