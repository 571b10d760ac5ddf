package catalog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

var t0 = time.Date(2026, 10, 8, 12, 0, 0, 0, time.UTC)

// newCluster returns a catalog with nodesPerZone live nodes in each of
// zones zones, IDs from 1.
func newCluster(t testing.TB, zones, nodesPerZone int) *Catalog {
	t.Helper()
	c := New(Options{})
	id := NodeID(1)
	for z := 0; z < zones; z++ {
		for i := 0; i < nodesPerZone; i++ {
			require.NoError(t, c.AddNode(Node{ID: id, Zone: fmt.Sprintf("zone-%c", 'a'+z), Address: fmt.Sprintf("n%d:7000", id), Live: true}))
			id++
		}
	}
	return c
}

func mustCreate(t testing.TB, c *Catalog, in *CreateTableInput) *TableDescription {
	t.Helper()
	out, err := c.CreateTable(in, t0)
	require.NoError(t, err)
	return out.TableDescription
}

func active(t testing.TB, c *Catalog, in *CreateTableInput) {
	t.Helper()
	mustCreate(t, c, in)
	require.NoError(t, c.CompleteTransition(in.TableName))
}

func TestCreateTableDescription(t *testing.T) {
	c := newCluster(t, 3, 1)
	in := baseCreate()
	withIndexes(in)
	in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeNewImage}
	in.DeletionProtectionEnabled = Bool(true)
	d := mustCreate(t, c, in)
	require.Equal(t, "orders", d.TableName)
	require.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/orders", d.TableArn)
	require.Equal(t, TableID(1), d.TableId)
	require.Equal(t, "00000000-0000-0000-0000-000000000001", d.TableId)
	require.Equal(t, TableStatusCreating, d.TableStatus)
	require.Equal(t, t0, d.CreationDateTime)
	require.Equal(t, BillingModeProvisioned, d.BillingModeSummary.BillingMode)
	require.Equal(t, int64(5), d.ProvisionedThroughput.ReadCapacityUnits)
	require.Equal(t, IndexStatusCreating, d.GlobalSecondaryIndexes[0].IndexStatus)
	require.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/gsi1", d.GlobalSecondaryIndexes[0].IndexArn)
	require.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/lsi1", d.LocalSecondaryIndexes[0].IndexArn)
	require.Equal(t, "2026-10-08T12:00:00.000", d.LatestStreamLabel)
	require.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/2026-10-08T12:00:00.000", d.LatestStreamArn)
	require.True(t, d.DeletionProtectionEnabled)

	require.NoError(t, c.CompleteTransition("orders"))
	out, err := c.DescribeTable(&DescribeTableInput{TableName: "orders"})
	require.NoError(t, err)
	require.Equal(t, TableStatusActive, out.Table.TableStatus)
	require.Equal(t, IndexStatusActive, out.Table.GlobalSecondaryIndexes[0].IndexStatus)

	// A table ARN names the table too.
	out, err = c.DescribeTable(&DescribeTableInput{TableName: d.TableArn})
	require.NoError(t, err)
	require.Equal(t, "orders", out.Table.TableName)
	require.NoError(t, c.Check())
}

func TestCustomRegionAndAccountInARNs(t *testing.T) {
	c := New(Options{Region: "eu-west-2", Account: "123456789012"})
	require.NoError(t, c.AddNode(Node{ID: 1, Zone: "a", Live: true}))
	d := mustCreate(t, c, baseCreate())
	require.Equal(t, "arn:aws:dynamodb:eu-west-2:123456789012:table/orders", d.TableArn)
	name, ok := ParseTableARN("eu-west-2", "123456789012", d.TableArn)
	require.True(t, ok)
	require.Equal(t, "orders", name)
	_, ok = ParseTableARN("us-east-1", "123456789012", d.TableArn)
	require.False(t, ok)
	_, ok = ParseTableARN("eu-west-2", "123456789012", d.TableArn+"/index/x")
	require.False(t, ok)
}

func TestCreateTableStates(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	cases := []struct {
		name     string
		prepare  func()
		code     string
		msg      string
		mutation func(*CreateTableInput)
	}{
		{"create while CREATING", func() {}, iux, "Attempt to change a resource which is still in use: Table is being created: orders", nil},
		{"invalid request is validated before the existence check", func() {}, vex, MsgFirstNotHash, func(in *CreateTableInput) {
			in.KeySchema = []KeySchemaElement{rng("sk"), hash("pk")}
		}},
		{"create while ACTIVE", func() { require.NoError(t, c.CompleteTransition("orders")) }, iux, "Table already exists: orders", nil},
		{"create while DELETING", func() {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "orders"})
			require.NoError(t, err)
		}, iux, "Table already exists: orders", nil},
		{"create after deletion completes", func() { require.NoError(t, c.CompleteTransition("orders")) }, "", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare()
			in := baseCreate()
			if tc.mutation != nil {
				tc.mutation(in)
			}
			_, err := c.CreateTable(in, t0)
			requireAPIError(t, err, tc.code, tc.msg)
		})
	}
	// The re-created table has a new ID: IDs are never reused.
	tbl, ok := c.Table("orders")
	require.True(t, ok)
	require.Equal(t, uint64(2), tbl.ID)
}

func TestCreateTableLimits(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*CreateTableInput)
		code   string
		msg    string
	}{
		{"read capacity above the table maximum", func(in *CreateTableInput) { in.ProvisionedThroughput = pt(70000, 5) }, lex,
			"The requested ReadCapacityUnits, 70000, is above the per table maximum for the account in us-east-1. Per table maximum: 40000."},
		{"write capacity above the table maximum", func(in *CreateTableInput) { in.ProvisionedThroughput = pt(5, 45000) }, lex,
			"The requested WriteCapacityUnits, 45000, is above the per table maximum for the account in us-east-1. Per table maximum: 40000."},
		{"capacity at the table maximum", func(in *CreateTableInput) { in.ProvisionedThroughput = pt(40000, 40000) }, "", ""},
		{"index capacity above the maximum", func(in *CreateTableInput) {
			withIndexes(in)
			in.GlobalSecondaryIndexes[0].ProvisionedThroughput = pt(40001, 1)
		}, lex, "The requested ReadCapacityUnits for index gsi1, 40001, is above the per index maximum for the account in us-east-1. Per index maximum: 40000."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCluster(t, 3, 1)
			in := baseCreate()
			tc.mutate(in)
			_, err := c.CreateTable(in, t0)
			requireAPIError(t, err, tc.code, tc.msg)
		})
	}
}

func TestConcurrentOperationLimit(t *testing.T) {
	c := New(Options{MaxConcurrentOperations: 2})
	require.NoError(t, c.AddNode(Node{ID: 1, Zone: "a", Live: true}))
	for _, name := range []string{"t01", "t02"} {
		in := baseCreate()
		in.TableName = name
		mustCreate(t, c, in)
	}
	in := baseCreate()
	in.TableName = "t03"
	_, err := c.CreateTable(in, t0)
	requireAPIError(t, err, lex, "Subscriber limit exceeded: Only 2 tables can be created, updated, or deleted simultaneously")
	require.NoError(t, c.CompleteTransition("t01"))
	_, err = c.CreateTable(in, t0)
	require.NoError(t, err)
}

func TestCreateTableWithoutNodesFails(t *testing.T) {
	c := New(Options{})
	_, err := c.CreateTable(baseCreate(), t0)
	require.ErrorIs(t, err, ErrNoNodes)
	require.Empty(t, c.TableNames(), "a failed create leaves nothing behind")
}

func TestDescribeAndDeleteTable(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	protected := baseCreate()
	protected.TableName = "kept"
	protected.DeletionProtectionEnabled = Bool(true)
	active(t, c, protected)
	cases := []struct {
		name string
		op   func() error
		code string
		msg  string
	}{
		{"describe a missing table", func() error {
			_, err := c.DescribeTable(&DescribeTableInput{TableName: "nope"})
			return err
		}, nfx, "Requested resource not found: Table: nope not found"},
		{"describe with a short name", func() error {
			_, err := c.DescribeTable(&DescribeTableInput{TableName: "ab"})
			return err
		}, vex, "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"describe with an empty name", func() error {
			_, err := c.DescribeTable(&DescribeTableInput{TableName: ""})
			return err
		}, vex, "2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value '' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"delete a missing table", func() error {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "nope"})
			return err
		}, nfx, "Requested resource not found: Table: nope not found"},
		{"delete with a bad name", func() error {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "abc;"})
			return err
		}, vex, "1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"delete a CREATING table", func() error {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "orders"})
			return err
		}, iux, "Attempt to change a resource which is still in use: Table is being created: orders"},
		{"delete a protected table", func() error {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "kept"})
			return err
		}, vex, MsgDeletionProtected},
		{"delete an ACTIVE table", func() error {
			require.NoError(t, c.CompleteTransition("orders"))
			out, err := c.DeleteTable(&DeleteTableInput{TableName: "orders"})
			if err == nil {
				require.Equal(t, TableStatusDeleting, out.TableDescription.TableStatus)
			}
			return err
		}, "", ""},
		{"delete a DELETING table", func() error {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "orders"})
			return err
		}, iux, "Attempt to change a resource which is still in use: Table is being deleted: orders"},
		{"describe after deletion completes", func() error {
			require.NoError(t, c.CompleteTransition("orders"))
			_, err := c.DescribeTable(&DescribeTableInput{TableName: "orders"})
			return err
		}, nfx, "Requested resource not found: Table: orders not found"},
		{"delete an UPDATING table", func() error {
			_, err := c.UpdateTable(&UpdateTableInput{TableName: "kept", ProvisionedThroughput: pt(10, 10)}, t0)
			require.NoError(t, err)
			_, err = c.DeleteTable(&DeleteTableInput{TableName: "kept"})
			return err
		}, iux, "Attempt to change a resource which is still in use: Table: kept is in the process of being updated."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { requireAPIError(t, tc.op(), tc.code, tc.msg) })
	}
	require.NoError(t, c.Check())
}

func TestListTables(t *testing.T) {
	c := newCluster(t, 3, 1)
	for _, name := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		in := baseCreate()
		in.TableName = name
		mustCreate(t, c, in)
	}
	cases := []struct {
		name  string
		in    ListTablesInput
		names []string
		last  string
		code  string
		msg   string
	}{
		{"all names in order", ListTablesInput{}, []string{"alpha", "bravo", "charlie", "delta", "echo"}, "", "", ""},
		{"first page", ListTablesInput{Limit: Int32(2)}, []string{"alpha", "bravo"}, "bravo", "", ""},
		{"middle page", ListTablesInput{Limit: Int32(2), ExclusiveStartTableName: "bravo"}, []string{"charlie", "delta"}, "delta", "", ""},
		{"last page has no LastEvaluatedTableName", ListTablesInput{Limit: Int32(2), ExclusiveStartTableName: "delta"}, []string{"echo"}, "", "", ""},
		{"exact fit has no LastEvaluatedTableName", ListTablesInput{Limit: Int32(5)}, []string{"alpha", "bravo", "charlie", "delta", "echo"}, "", "", ""},
		{"start name that is not a table", ListTablesInput{ExclusiveStartTableName: "cat"}, []string{"charlie", "delta", "echo"}, "", "", ""},
		{"start after the last table", ListTablesInput{ExclusiveStartTableName: "zulu"}, []string{}, "", "", ""},
		{"limit zero", ListTablesInput{Limit: Int32(0)}, nil, "", vex,
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"limit above 100", ListTablesInput{Limit: Int32(101)}, nil, "", vex,
			"1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"bad start name reports pattern then length", ListTablesInput{ExclusiveStartTableName: ";"}, nil, "", vex,
			"2 validation errors detected: Value ';' at 'exclusiveStartTableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value ';' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
		{"start name too long", ListTablesInput{ExclusiveStartTableName: strings.Repeat("a", 256)}, nil, "", vex,
			"1 validation error detected: Value '" + strings.Repeat("a", 256) + "' at 'exclusiveStartTableName' failed to satisfy constraint: Member must have length less than or equal to 255"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.ListTables(&tc.in)
			requireAPIError(t, err, tc.code, tc.msg)
			if tc.code == "" {
				require.Equal(t, tc.names, out.TableNames)
				require.Equal(t, tc.last, out.LastEvaluatedTableName)
			}
		})
	}
}

func TestDataTable(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	_, err := c.DataTable("orders")
	requireAPIError(t, err, nfx, MsgResourceNotFound)
	_, err = c.DataTable("missing")
	requireAPIError(t, err, nfx, MsgResourceNotFound)
	require.NoError(t, c.CompleteTransition("orders"))
	tbl, err := c.DataTable("orders")
	require.NoError(t, err)
	require.Equal(t, uint64(1), tbl.ID)
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(9, 9)}, t0)
	require.NoError(t, err)
	_, err = c.DataTable("orders")
	require.NoError(t, err, "an UPDATING table serves requests")
	require.NoError(t, c.CompleteTransition("orders"))
	_, err = c.DeleteTable(&DeleteTableInput{TableName: "orders"})
	require.NoError(t, err)
	_, err = c.DataTable("orders")
	requireAPIError(t, err, nfx, MsgResourceNotFound)
}

func TestCountersAndCopies(t *testing.T) {
	c := newCluster(t, 3, 1)
	mustCreate(t, c, baseCreate())
	require.NoError(t, c.SetCounters("orders", 12, 3400))
	require.ErrorIs(t, c.SetCounters("nope", 1, 1), ErrNoTable)
	require.ErrorIs(t, c.CompleteTransition("nope"), ErrNoTable)
	out, err := c.DescribeTable(&DescribeTableInput{TableName: "orders"})
	require.NoError(t, err)
	require.Equal(t, int64(12), out.Table.ItemCount)
	require.Equal(t, int64(3400), out.Table.TableSizeBytes)
	// Returned records are copies: changing them changes nothing.
	out.Table.KeySchema[0].AttributeName = "changed"
	tbl, _ := c.Table("orders")
	tbl.Partitions[0].Replicas[0].Node = 99
	tbl.Partitions[0].Range.Start[0] = 0xff
	again, _ := c.Table("orders")
	require.Equal(t, "pk", again.Description.KeySchema[0].AttributeName)
	require.NotEqual(t, NodeID(99), again.Partitions[0].Replicas[0].Node)
	require.NoError(t, c.Check())
}

func TestSwitchToOnDemandZeroesIndexCapacity(t *testing.T) {
	c := updateFixture(t)
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "prov", BillingMode: BillingModePayPerRequest}, t0)
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("prov"))
	tbl, _ := c.Table("prov")
	require.Zero(t, tbl.Description.GlobalSecondaryIndexes[0].ProvisionedThroughput.ReadCapacityUnits)
}

func TestInitialPartitionsAreBounded(t *testing.T) {
	c := New(Options{MaxTableCapacityUnits: 1_000_000_000_000})
	require.NoError(t, c.AddNode(Node{ID: 1, Zone: "a", Live: true}))
	in := baseCreate()
	in.ProvisionedThroughput = pt(1_000_000_000_000, 1)
	mustCreate(t, c, in)
	tbl, _ := c.Table("orders")
	require.Len(t, tbl.Partitions, MaxInitialPartitions)
	require.NoError(t, c.Check())
}

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
