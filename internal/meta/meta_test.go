package meta

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/itemcheck"
	"github.com/embeddynamo/dynamo/internal/transport"
)

func TestVoters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []Member
		want    []transport.NodeID
	}{
		{"one per zone", []Member{{ID: 3, Zone: "c"}, {ID: 1, Zone: "a"}, {ID: 2, Zone: "b"}}, []transport.NodeID{1, 2, 3}},
		{"lowest of each zone", []Member{{ID: 1, Zone: "a"}, {ID: 2, Zone: "a"}, {ID: 3, Zone: "b"}, {ID: 4, Zone: "c"}, {ID: 5, Zone: "b"}}, []transport.NodeID{1, 3, 4}},
		{"more zones than voters", []Member{{ID: 5, Zone: "e"}, {ID: 4, Zone: "d"}, {ID: 3, Zone: "c"}, {ID: 2, Zone: "b"}}, []transport.NodeID{2, 3, 4}},
		{"fewer zones than voters", []Member{{ID: 1, Zone: "a"}, {ID: 2, Zone: "a"}, {ID: 3, Zone: "b"}, {ID: 4, Zone: "b"}}, []transport.NodeID{1, 2, 3}},
		{"one node", []Member{{ID: 7, Zone: "a"}}, []transport.NodeID{7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, Voters(tc.members))
		})
	}
}

func sampleCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c := catalog.New(catalog.Options{})
	for i, zone := range []string{"a", "b", "c"} {
		require.NoError(t, c.AddNode(catalog.Node{ID: catalog.NodeID(i + 1), Zone: zone, Live: true}))
	}
	for _, name := range []string{"orders", "users"} {
		_, err := c.CreateTable(&catalog.CreateTableInput{
			TableName: name,
			KeySchema: []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: catalog.KeyTypeHash}, {AttributeName: "sk", KeyType: catalog.KeyTypeRange}},
			AttributeDefinitions: []catalog.AttributeDefinition{
				{AttributeName: "pk", AttributeType: catalog.ScalarAttributeTypeS},
				{AttributeName: "sk", AttributeType: catalog.ScalarAttributeTypeN},
			},
			ProvisionedThroughput: &catalog.ProvisionedThroughput{ReadCapacityUnits: catalog.Int64(5), WriteCapacityUnits: catalog.Int64(2500)},
		}, time.Unix(1700000000, 0))
		require.NoError(t, err)
	}
	return c
}

// The records of a catalog and of the control plane's state, as the system
// table stores them, assemble into the same catalog and state; a record
// that does not decode is an error.
func TestRecordsRoundTrip(t *testing.T) {
	c := sampleCatalog(t)
	st := state{
		moves:      []catalog.Move{{Table: 1, Partition: 2, From: 3, To: 4}, {Table: 1, Partition: 5, From: 4, To: 3}},
		events:     []Event{{Time: time.Unix(1700000000, 0).UTC(), Kind: "heal", Table: "orders", Partition: 2, What: "w", Why: "y", Outcome: "done"}, {Kind: "node", What: "x"}},
		firstEvent: 41,
	}
	recs, err := records(c, st, nil)
	require.NoError(t, err)
	require.Len(t, recs, 1+3+2+2+2)
	require.Contains(t, recs, "move/2")
	require.Contains(t, recs, "event/0000000000000029")
	require.Contains(t, recs, "event/000000000000002a")
	items := make([]attr.Item, 0, len(recs))
	for _, item := range recs {
		item = item.Clone()
		item[attrVersion] = attr.N("4")
		items = append(items, item)
	}
	got, gotState, versions, err := assemble(c.Options(), items)
	require.NoError(t, err)
	require.Equal(t, st, gotState)
	want, err := catalog.EncodeCatalog(c)
	require.NoError(t, err)
	again, err := catalog.EncodeCatalog(got)
	require.NoError(t, err)
	require.Equal(t, want, again)
	require.Equal(t, uint64(4), versions[tableKey("orders")])

	bad := recs[tableKey("users")].Clone()
	bad[attrValue] = attr.B([]byte{1, 2, 3})
	bad[attrVersion] = attr.N("1")
	_, _, _, err = assemble(c.Options(), []attr.Item{bad})
	require.Error(t, err)
	_, _, _, err = assemble(c.Options(), []attr.Item{{attrKey: attr.S("mystery"), attrVersion: attr.N("1")}})
	require.ErrorContains(t, err, "unknown record")
	_, _, _, err = assemble(c.Options(), []attr.Item{{attrKey: attr.S(idsKey)}})
	require.ErrorContains(t, err, "ver")
	_, _, _, err = assemble(c.Options(), []attr.Item{{attrKey: attr.S(moveKey(7)), attrVersion: attr.N("1"), attrValue: attr.B([]byte("{"))}})
	require.ErrorContains(t, err, "move")

	// Events left over before a gap (a crash between recording the newest
	// and deleting the oldest) are not taken for the latest.
	gap := []attr.Item{}
	for _, seq := range []uint64{3, 7, 8} {
		item, err := jsonItem(eventKey(seq), Event{What: fmt.Sprint(seq)})
		require.NoError(t, err)
		item[attrVersion] = attr.N("1")
		gap = append(gap, item)
	}
	_, gotState, _, err = assemble(c.Options(), gap)
	require.NoError(t, err)
	require.Equal(t, uint64(7), gotState.firstEvent)
	require.Equal(t, []Event{{What: "7"}, {What: "8"}}, gotState.events)
}

func TestKeySchema(t *testing.T) {
	c := sampleCatalog(t)
	tb, ok := c.Table("orders")
	require.True(t, ok)
	s, err := KeySchema(&tb.Description)
	require.NoError(t, err)
	require.Equal(t, itemcheck.KeySchema{
		Partition: itemcheck.KeyDef{Name: "pk", Type: attr.TypeS},
		Sort:      &itemcheck.KeyDef{Name: "sk", Type: attr.TypeN},
	}, s)
	d := tb.Description
	d.AttributeDefinitions = nil
	_, err = KeySchema(&d)
	require.ErrorContains(t, err, "no definition")
}
