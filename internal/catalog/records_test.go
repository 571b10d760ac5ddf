package catalog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A catalog taken apart into its records and assembled again is the same
// catalog; records that break its rules are refused.
func TestAssembleRoundTrip(t *testing.T) {
	c := New(Options{})
	for i, zone := range []string{"a", "b", "c"} {
		require.NoError(t, c.AddNode(Node{ID: NodeID(i + 1), Zone: zone, Live: true}))
	}
	_, err := c.CreateTable(&CreateTableInput{
		TableName:             "orders",
		KeySchema:             []KeySchemaElement{{AttributeName: "pk", KeyType: KeyTypeHash}},
		AttributeDefinitions:  []AttributeDefinition{{AttributeName: "pk", AttributeType: ScalarAttributeTypeS}},
		ProvisionedThroughput: &ProvisionedThroughput{ReadCapacityUnits: Int64(5000), WriteCapacityUnits: Int64(5)},
	}, time.Unix(1700000000, 0))
	require.NoError(t, err)

	nextTable, nextPartition := c.Counters()
	var tables []Table
	for _, name := range c.TableNames() {
		tb, ok := c.Table(name)
		require.True(t, ok)
		tables = append(tables, tb)
	}
	got, err := Assemble(c.Options(), nextTable, nextPartition, c.Nodes(), tables)
	require.NoError(t, err)
	want, err := EncodeCatalog(c)
	require.NoError(t, err)
	again, err := EncodeCatalog(got)
	require.NoError(t, err)
	require.Equal(t, want, again)

	_, err = Assemble(c.Options(), nextTable, nextPartition, c.Nodes(), append(tables, tables[0]))
	require.ErrorIs(t, err, ErrCorrupt)
	_, err = Assemble(c.Options(), 1, nextPartition, c.Nodes(), tables)
	require.ErrorIs(t, err, ErrCorrupt, "a table ID at or above the next table ID")
}
