package catalog

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// updateFixture returns a catalog with two ACTIVE tables: "prov"
// (PROVISIONED 5/5, GSI gsi1 at 1/1, LSI lsi1) and "ondemand"
// (PAY_PER_REQUEST, GSI g2).
func updateFixture(t testing.TB) *Catalog {
	c := newCluster(t, 3, 2)
	prov := baseCreate()
	prov.TableName = "prov"
	withIndexes(prov)
	active(t, c, prov)
	od := baseCreate()
	od.TableName = "ondemand"
	od.BillingMode = BillingModePayPerRequest
	od.ProvisionedThroughput = nil
	od.AttributeDefinitions = append(od.AttributeDefinitions, def("g", ScalarAttributeTypeS))
	od.GlobalSecondaryIndexes = []GlobalSecondaryIndex{{IndexName: "gx2", KeySchema: []KeySchemaElement{hash("g")}, Projection: proj(ProjectionTypeAll)}}
	active(t, c, od)
	return c
}

func createIndex(name, key string, p *ProvisionedThroughput) GlobalSecondaryIndexUpdate {
	return GlobalSecondaryIndexUpdate{Create: &CreateGlobalSecondaryIndexAction{
		IndexName: name, KeySchema: []KeySchemaElement{hash(key)}, Projection: proj(ProjectionTypeAll), ProvisionedThroughput: p,
	}}
}

func TestUpdateTableRules(t *testing.T) {
	newDefs := []AttributeDefinition{def("n", ScalarAttributeTypeS)}
	cases := []struct {
		name    string
		prepare func(*Catalog)
		in      UpdateTableInput
		code    string
		msg     string
	}{
		{"nothing to update", nil, UpdateTableInput{TableName: "prov"}, vex, MsgNoUpdate},
		{"attribute definitions alone update nothing", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs}, vex, MsgNoUpdate},
		{"an empty index update list updates nothing", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{}}, vex, MsgNoUpdate},
		{"bad table name", nil, UpdateTableInput{TableName: "a;", ProvisionedThroughput: pt(1, 1)}, vex,
			"2 validation errors detected: Value 'a;' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value 'a;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
		{"missing table", nil, UpdateTableInput{TableName: "nope", ProvisionedThroughput: pt(1, 1)}, nfx, "Requested resource not found: Table: nope not found"},
		{"zero capacity", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(1, 0)}, vex,
			"1 validation error detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"capacity out of bounds", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(1000000000001, 1)}, vex,
			"Given value 1000000000001 for ReadCapacityUnits is out of bounds"},
		{"unchanged capacity", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(5, 5)}, vex,
			"The provisioned throughput for the table will not change. The requested value equals the current value. " +
				"Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. " +
				"Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. " +
				"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."},
		{"capacity above the table maximum", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(5, 50000)}, lex,
			"The requested WriteCapacityUnits, 50000, is above the per table maximum for the account in us-east-1. Per table maximum: 40000."},
		{"capacity for an on-demand table", nil, UpdateTableInput{TableName: "ondemand", ProvisionedThroughput: pt(5, 5)}, vex, MsgPayPerRequestNoCapacity},
		{"switch to on-demand with capacity", nil, UpdateTableInput{TableName: "prov", BillingMode: BillingModePayPerRequest, ProvisionedThroughput: pt(5, 6)}, vex,
			MsgSwitchToPayPerRequestWithCapacity},
		{"switch to provisioned without capacity", nil, UpdateTableInput{TableName: "ondemand", BillingMode: BillingModeProvisioned}, vex,
			MsgSwitchToProvisionedNeedsCapacity},
		{"switch to provisioned without index capacity", nil, UpdateTableInput{TableName: "ondemand", BillingMode: BillingModeProvisioned, ProvisionedThroughput: pt(5, 5)}, vex,
			"One or more parameter values were invalid: ProvisionedThroughput must be specified for index: gx2"},
		{"switch to provisioned with index capacity", nil, UpdateTableInput{TableName: "ondemand", BillingMode: BillingModeProvisioned, ProvisionedThroughput: pt(5, 5),
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gx2", ProvisionedThroughput: pt(2, 2)}}}}, "", ""},
		{"switch to on-demand", nil, UpdateTableInput{TableName: "prov", BillingMode: BillingModePayPerRequest}, "", ""},
		{"unknown billing mode", nil, UpdateTableInput{TableName: "prov", BillingMode: "CHEAP"}, vex,
			"1 validation error detected: Value 'CHEAP' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"},
		{"empty index update", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{{}}}, vex, MsgGSIUpdateEmpty},
		{"index update with two actions", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{{
			Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "gsi1"}, Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gsi1", ProvisionedThroughput: pt(2, 2)}}}}, vex, MsgGSIUpdateMany},
		{"two updates of one index", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "abc"}}, {Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "abc"}}}}, vex,
			"One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"},
		{"index update without capacity", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gsi1"}}}}, vex,
			"1 validation error detected: Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput' failed to satisfy constraint: Member must not be null"},
		{"index update with bad name and empty capacity", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "a", ProvisionedThroughput: &ProvisionedThroughput{}}}}}, vex,
			"3 validation errors detected: Value 'a' at 'globalSecondaryIndexUpdates.1.member.update.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'globalSecondaryIndexUpdates.1.member.update.provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be null"},
		{"index update capacity out of bounds", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gsi1", ProvisionedThroughput: pt(1, 1000000000001)}}}}, vex,
			"Given value 1000000000001 for WriteCapacityUnits is out of bounds for index gsi1"},
		{"create an index that exists", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("gsi1", "n", pt(1, 1))}}, vex, MsgIndexExists},
		{"create an index named like an LSI", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("lsi1", "n", pt(1, 1))}}, vex, MsgIndexExists},
		{"create an index without attribute definitions", nil, UpdateTableInput{TableName: "prov",
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, vex,
			"One or more parameter values were invalid: AttributeDefinitions is not specified for index: new1"},
		{"create an index on an undefined attribute", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "zz", pt(1, 1))}}, vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [zz], AttributeDefinitions: [pk, sk, g, n]"},
		{"create an index without capacity on a provisioned table", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", nil)}}, vex,
			"One or more parameter values were invalid: ProvisionedThroughput must be specified for index: new1"},
		{"create an index with capacity on an on-demand table", nil, UpdateTableInput{TableName: "ondemand", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, vex,
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: new1 when BillingMode is PAY_PER_REQUEST"},
		{"create an index with capacity above the maximum", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 40001))}}, lex,
			"The requested WriteCapacityUnits for index new1, 40001, is above the per index maximum for the account in us-east-1. Per index maximum: 40000."},
		{"create an index led by a range key", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{{Create: &CreateGlobalSecondaryIndexAction{
				IndexName: "new1", KeySchema: []KeySchemaElement{rng("n")}, Projection: proj(ProjectionTypeAll), ProvisionedThroughput: pt(1, 1)}}}}, vex, MsgFirstNotHash},
		{"create an index with a bad projection", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{{Create: &CreateGlobalSecondaryIndexAction{
				IndexName: "new1", KeySchema: []KeySchemaElement{hash("n")}, Projection: &Projection{}, ProvisionedThroughput: pt(1, 1)}}}}, vex, MsgUnknownProjection},
		{"create two indexes at once", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1)), createIndex("new2", "n", pt(1, 1))}}, lex, MsgOneIndexAtATime},
		{"create and delete at once", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1)), {Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "gsi1"}}}}, lex, MsgOneIndexAtATime},
		{"create an index", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, "", ""},
		{"delete a missing index", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "nope"}}}}, nfx, "Requested resource not found: Index nope for table prov"},
		{"delete a local index", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "lsi1"}}}}, vex, "Cannot delete an index that is not a GlobalSecondaryIndex: lsi1"},
		{"update a local index", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "lsi1", ProvisionedThroughput: pt(2, 2)}}}}, vex, "Cannot update an index that is not a GlobalSecondaryIndex: lsi1"},
		{"delete an index", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "gsi1"}}}}, "", ""},
		{"index capacity on an on-demand table", nil, UpdateTableInput{TableName: "ondemand", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gx2", ProvisionedThroughput: pt(2, 2)}}}}, vex,
			"One or more parameter values were invalid: The only Updates for index: gx2 when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput"},
		{"unchanged index capacity", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gsi1", ProvisionedThroughput: pt(1, 1)}}}}, vex,
			"The provisioned throughput for the index gsi1 will not change. The requested value equals the current value. " +
				"Current ReadCapacityUnits provisioned for the index gsi1: 1. Requested ReadCapacityUnits: 1. " +
				"Current WriteCapacityUnits provisioned for the index gsi1: 1. Requested WriteCapacityUnits: 1. " +
				"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."},
		{"index capacity above the maximum", nil, UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
			{Update: &UpdateGlobalSecondaryIndexAction{IndexName: "gsi1", ProvisionedThroughput: pt(45000, 1)}}}}, lex,
			"The requested ReadCapacityUnits for index gsi1, 45000, is above the per index maximum for the account in us-east-1. Per index maximum: 40000."},
		{"encryption with another change", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6), SSESpecification: &SSESpecification{Enabled: Bool(true)}}, vex, MsgSSEOnly},
		{"table class with another change", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6), TableClass: TableClassStandardInfrequentAccess}, vex, MsgTableClassOnly},
		{"deletion protection with another change", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6), DeletionProtectionEnabled: Bool(true)}, vex, MsgDeletionProtectionOnly},
		{"stream with capacity", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6),
			StreamSpecification: &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeKeysOnly}}, vex, MsgStreamWithIOPS},
		{"index creation with capacity", nil, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6), AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, vex, MsgIndexWithIOPS},
		{"index creation with stream", nil, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			StreamSpecification:         &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeKeysOnly},
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, vex, MsgIndexWithStream},
		{"stream enabled without view type", nil, UpdateTableInput{TableName: "prov", StreamSpecification: &StreamSpecification{StreamEnabled: Bool(true)}}, vex,
			MsgUpdateStreamNeedsViewType},
		{"stream disabled with view type", nil, UpdateTableInput{TableName: "prov",
			StreamSpecification: &StreamSpecification{StreamEnabled: Bool(false), StreamViewType: StreamViewTypeKeysOnly}}, vex, MsgUpdateStreamNoViewType},
		{"disable a stream that is off", nil, UpdateTableInput{TableName: "prov", StreamSpecification: &StreamSpecification{StreamEnabled: Bool(false)}}, vex,
			"Table has no stream to disable: TableName: prov"},
		{"enable a stream that is on", func(c *Catalog) {
			_, err := c.UpdateTable(&UpdateTableInput{TableName: "prov", StreamSpecification: &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeKeysOnly}}, t0)
			require.NoError(t, err)
		}, UpdateTableInput{TableName: "prov", StreamSpecification: &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeKeysOnly}}, vex,
			"Table already has an enabled stream: TableName: prov"},
		{"unknown table class", nil, UpdateTableInput{TableName: "prov", TableClass: "COLD"}, vex, MsgInvalidTableClass},
		{"disable default encryption", nil, UpdateTableInput{TableName: "prov", SSESpecification: &SSESpecification{Enabled: Bool(false)}}, vex,
			"One or more parameter values were invalid: Table is already encrypted by default"},
		{"update a CREATING table", func(c *Catalog) {
			in := baseCreate()
			in.TableName = "fresh"
			mustCreate(t, c, in)
		}, UpdateTableInput{TableName: "fresh", ProvisionedThroughput: pt(6, 6)}, iux,
			"Attempt to change a resource which is still in use: Table is being created: fresh"},
		{"update a DELETING table", func(c *Catalog) {
			_, err := c.DeleteTable(&DeleteTableInput{TableName: "prov"})
			require.NoError(t, err)
		}, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6)}, iux,
			"Attempt to change a resource which is still in use: Table is being deleted: prov"},
		{"change capacity while it is changing", func(c *Catalog) {
			_, err := c.UpdateTable(&UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(7, 7)}, t0)
			require.NoError(t, err)
		}, UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(6, 6)}, iux,
			"Attempt to change a resource which is still in use: Table IOPS are currently being updated. Table: prov"},
		{"create an index while one is being created", func(c *Catalog) {
			_, err := c.UpdateTable(&UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
				GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(1, 1))}}, t0)
			require.NoError(t, err)
		}, UpdateTableInput{TableName: "prov", AttributeDefinitions: newDefs,
			GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new2", "n", pt(1, 1))}}, lex, MsgOneIndexAtATime},
		{"deletion protection alone", nil, UpdateTableInput{TableName: "prov", DeletionProtectionEnabled: Bool(true)}, "", ""},
		{"table class alone", nil, UpdateTableInput{TableName: "prov", TableClass: TableClassStandardInfrequentAccess}, "", ""},
		{"table ARN as the name", nil, UpdateTableInput{TableName: "arn:aws:dynamodb:us-east-1:000000000000:table/prov", ProvisionedThroughput: pt(9, 9)}, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := updateFixture(t)
			if tc.prepare != nil {
				tc.prepare(c)
			}
			in := tc.in
			_, err := c.UpdateTable(&in, t0)
			requireAPIError(t, err, tc.code, tc.msg)
			require.NoError(t, c.Check())
		})
	}
}

func TestUpdateTableGSILimit(t *testing.T) {
	c := newCluster(t, 3, 1)
	in := baseCreate()
	withIndexes(in)
	for i := 2; i <= 20; i++ {
		g := in.GlobalSecondaryIndexes[0]
		g.IndexName = "gsi" + strings.Repeat("x", i)
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
	}
	active(t, c, in)
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", AttributeDefinitions: []AttributeDefinition{def("n", ScalarAttributeTypeS)},
		GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("one-more", "n", pt(1, 1))}}, t0)
	requireAPIError(t, err, lex, MsgGSILimitUpdate)
}

func TestUpdateTableLifecycle(t *testing.T) {
	c := updateFixture(t)
	out, err := c.UpdateTable(&UpdateTableInput{TableName: "prov", ProvisionedThroughput: pt(15, 15)}, t0)
	require.NoError(t, err)
	d := out.TableDescription
	require.Equal(t, TableStatusUpdating, d.TableStatus)
	require.Equal(t, int64(5), d.ProvisionedThroughput.ReadCapacityUnits, "the old capacity is reported while UPDATING")
	require.Equal(t, t0, d.ProvisionedThroughput.LastIncreaseDateTime)
	require.NoError(t, c.CompleteTransition("prov"))
	desc, err := c.DescribeTable(&DescribeTableInput{TableName: "prov"})
	require.NoError(t, err)
	require.Equal(t, TableStatusActive, desc.Table.TableStatus)
	require.Equal(t, int64(15), desc.Table.ProvisionedThroughput.ReadCapacityUnits)
	require.Equal(t, int64(15), desc.Table.ProvisionedThroughput.WriteCapacityUnits)

	// Index creation, then deletion.
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "prov", AttributeDefinitions: []AttributeDefinition{def("n", ScalarAttributeTypeS)},
		GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{createIndex("new1", "n", pt(3, 4))}}, t0)
	require.NoError(t, err)
	tbl, _ := c.Table("prov")
	require.Equal(t, IndexStatusCreating, tbl.Description.GlobalSecondaryIndexes[1].IndexStatus)
	require.Len(t, tbl.Description.AttributeDefinitions, 4)
	require.NoError(t, c.CompleteTransition("prov"))
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "prov", GlobalSecondaryIndexUpdates: []GlobalSecondaryIndexUpdate{
		{Delete: &DeleteGlobalSecondaryIndexAction{IndexName: "gsi1"}}}}, t0)
	require.NoError(t, err)
	tbl, _ = c.Table("prov")
	require.Equal(t, IndexStatusDeleting, tbl.Description.GlobalSecondaryIndexes[0].IndexStatus)
	require.NoError(t, c.CompleteTransition("prov"))
	tbl, _ = c.Table("prov")
	require.Len(t, tbl.Description.GlobalSecondaryIndexes, 1)
	require.Equal(t, "new1", tbl.Description.GlobalSecondaryIndexes[0].IndexName)
	require.Equal(t, IndexStatusActive, tbl.Description.GlobalSecondaryIndexes[0].IndexStatus)

	// Billing switch to on-demand zeroes the capacity once complete.
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "prov", BillingMode: BillingModePayPerRequest}, t0.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("prov"))
	tbl, _ = c.Table("prov")
	require.Equal(t, BillingModePayPerRequest, tbl.Description.BillingModeSummary.BillingMode)
	require.Equal(t, t0.Add(time.Hour), tbl.Description.BillingModeSummary.LastUpdateToPayPerRequestDateTime)
	require.Zero(t, tbl.Description.ProvisionedThroughput.ReadCapacityUnits)

	// Immediate changes leave the table ACTIVE.
	out, err = c.UpdateTable(&UpdateTableInput{TableName: "prov", DeletionProtectionEnabled: Bool(true)}, t0)
	require.NoError(t, err)
	require.Equal(t, TableStatusActive, out.TableDescription.TableStatus)
	require.True(t, out.TableDescription.DeletionProtectionEnabled)
	require.NoError(t, c.Check())
}

func TestDecreaseAllowance(t *testing.T) {
	c := newCluster(t, 3, 1)
	in := baseCreate()
	in.AttributeDefinitions = in.AttributeDefinitions[:1]
	in.KeySchema = in.KeySchema[:1]
	in.ProvisionedThroughput = pt(100, 100)
	active(t, c, in)
	// 23:00 UTC: four decreases go through at once.
	at := time.Date(2026, 10, 8, 23, 0, 0, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		out, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(100-int64(i), 100)}, at)
		require.NoError(t, err, "decrease %d", i)
		require.Equal(t, int64(i), out.TableDescription.ProvisionedThroughput.NumberOfDecreasesToday)
		require.NoError(t, c.CompleteTransition("orders"))
	}
	// The fifth within the hour is refused until midnight, which comes
	// before 00:00 + 1h.
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(90, 100)}, at.Add(20*time.Minute))
	requireAPIError(t, err, lex, "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given UTC day. "+
		"After the first 4 decreases, each subsequent decrease in the same UTC day can be performed at most once every 3600 seconds. "+
		"Number of decreases today: 4. Last decrease at Thursday, October 8, 2026 at 11:00:00 PM Coordinated Universal Time. "+
		"Next decrease can be made at Friday, October 9, 2026 at 12:00:00 AM Coordinated Universal Time")
	// An increase is always allowed.
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(96, 200)}, at.Add(20*time.Minute))
	require.NoError(t, err)
	require.NoError(t, c.CompleteTransition("orders"))
	// A new UTC day resets the count.
	out, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(90, 200)}, at.Add(70*time.Minute))
	require.NoError(t, err)
	require.Equal(t, int64(1), out.TableDescription.ProvisionedThroughput.NumberOfDecreasesToday)
}

func TestDecreaseHourlyAfterFour(t *testing.T) {
	c := newCluster(t, 3, 1)
	in := baseCreate()
	in.ProvisionedThroughput = pt(100, 100)
	active(t, c, in)
	at := time.Date(2026, 10, 8, 1, 0, 0, 0, time.UTC)
	for i := 1; i <= 4; i++ {
		_, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(100-int64(i), 100)}, at)
		require.NoError(t, err)
		require.NoError(t, c.CompleteTransition("orders"))
	}
	_, err := c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(90, 100)}, at.Add(59*time.Minute))
	require.Error(t, err)
	_, err = c.UpdateTable(&UpdateTableInput{TableName: "orders", ProvisionedThroughput: pt(90, 100)}, at.Add(time.Hour))
	require.NoError(t, err)
}
