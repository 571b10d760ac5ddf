package httpapi_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

var (
	created   = time.UnixMilli(1_700_000_000_123).UTC()
	increased = time.UnixMilli(1_700_000_100_500).UTC()
)

// fullDescription has every member a TableDescription can carry.
func fullDescription() *catalog.TableDescription {
	return &catalog.TableDescription{
		TableName:            "t",
		TableArn:             "arn:aws:dynamodb:us-east-1:000000000000:table/t",
		TableId:              "7a6c2b0e-4c1d-4b8a-9f00-000000000001",
		TableStatus:          catalog.TableStatusActive,
		CreationDateTime:     created,
		KeySchema:            []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: catalog.KeyTypeHash}, {AttributeName: "sk", KeyType: catalog.KeyTypeRange}},
		AttributeDefinitions: []catalog.AttributeDefinition{{AttributeName: "pk", AttributeType: "S"}, {AttributeName: "sk", AttributeType: "N"}, {AttributeName: "g", AttributeType: "B"}},
		BillingModeSummary:   &catalog.BillingModeSummary{BillingMode: catalog.BillingModeProvisioned, LastUpdateToPayPerRequestDateTime: increased},
		ProvisionedThroughput: catalog.ProvisionedThroughputDescription{
			ReadCapacityUnits: 5, WriteCapacityUnits: 6, LastIncreaseDateTime: increased, NumberOfDecreasesToday: 2,
		},
		ItemCount:      42,
		TableSizeBytes: 4096,
		GlobalSecondaryIndexes: []catalog.GlobalSecondaryIndexDescription{{
			IndexName: "by-g", IndexArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/by-g",
			IndexStatus: catalog.IndexStatusCreating, Backfilling: true,
			KeySchema:             []catalog.KeySchemaElement{{AttributeName: "g", KeyType: catalog.KeyTypeHash}},
			Projection:            catalog.Projection{ProjectionType: catalog.ProjectionTypeInclude, NonKeyAttributes: []string{"x", "y"}},
			ProvisionedThroughput: catalog.ProvisionedThroughputDescription{ReadCapacityUnits: 1, WriteCapacityUnits: 2},
			ItemCount:             3, IndexSizeBytes: 300,
		}},
		LocalSecondaryIndexes: []catalog.LocalSecondaryIndexDescription{{
			IndexName: "by-sk2", IndexArn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/by-sk2",
			KeySchema:  []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: catalog.KeyTypeHash}, {AttributeName: "g", KeyType: catalog.KeyTypeRange}},
			Projection: catalog.Projection{ProjectionType: catalog.ProjectionTypeKeysOnly},
			ItemCount:  4, IndexSizeBytes: 400,
		}},
		StreamSpecification:       &catalog.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: catalog.StreamViewTypeNewAndOldImages},
		LatestStreamArn:           "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2023-11-14T22:13:20.123",
		LatestStreamLabel:         "2023-11-14T22:13:20.123",
		SSEDescription:            &catalog.SSEDescription{Status: catalog.SSEStatusEnabled, SSEType: catalog.SSETypeKMS, KMSMasterKeyArn: "arn:aws:kms:us-east-1:000000000000:key/k"},
		DeletionProtectionEnabled: true,
		TableClassSummary:         &catalog.TableClassSummary{TableClass: catalog.TableClassStandardInfrequentAccess, LastUpdateDateTime: increased},
	}
}

func requireFullDescription(t *testing.T, d *types.TableDescription) {
	t.Helper()
	require.NotNil(t, d)
	assert.Equal(t, "t", aws.ToString(d.TableName))
	assert.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/t", aws.ToString(d.TableArn))
	assert.Equal(t, "7a6c2b0e-4c1d-4b8a-9f00-000000000001", aws.ToString(d.TableId))
	assert.Equal(t, types.TableStatusActive, d.TableStatus)
	require.NotNil(t, d.CreationDateTime)
	assert.True(t, created.Equal(*d.CreationDateTime), "CreationDateTime %v", d.CreationDateTime)
	assert.Equal(t, []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}}, d.KeySchema)
	require.Len(t, d.AttributeDefinitions, 3)
	assert.Equal(t, types.ScalarAttributeTypeB, d.AttributeDefinitions[2].AttributeType)
	require.NotNil(t, d.BillingModeSummary)
	assert.Equal(t, types.BillingModeProvisioned, d.BillingModeSummary.BillingMode)
	assert.True(t, increased.Equal(aws.ToTime(d.BillingModeSummary.LastUpdateToPayPerRequestDateTime)))
	require.NotNil(t, d.ProvisionedThroughput)
	assert.Equal(t, int64(5), aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits))
	assert.Equal(t, int64(6), aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits))
	assert.Equal(t, int64(2), aws.ToInt64(d.ProvisionedThroughput.NumberOfDecreasesToday))
	assert.True(t, increased.Equal(aws.ToTime(d.ProvisionedThroughput.LastIncreaseDateTime)))
	assert.Nil(t, d.ProvisionedThroughput.LastDecreaseDateTime)
	assert.Equal(t, int64(42), aws.ToInt64(d.ItemCount))
	assert.Equal(t, int64(4096), aws.ToInt64(d.TableSizeBytes))
	require.Len(t, d.GlobalSecondaryIndexes, 1)
	g := d.GlobalSecondaryIndexes[0]
	assert.Equal(t, "by-g", aws.ToString(g.IndexName))
	assert.Equal(t, "arn:aws:dynamodb:us-east-1:000000000000:table/t/index/by-g", aws.ToString(g.IndexArn))
	assert.Equal(t, types.IndexStatusCreating, g.IndexStatus)
	assert.Equal(t, aws.Bool(true), g.Backfilling)
	assert.Equal(t, types.ProjectionTypeInclude, g.Projection.ProjectionType)
	assert.Equal(t, []string{"x", "y"}, g.Projection.NonKeyAttributes)
	assert.Equal(t, int64(2), aws.ToInt64(g.ProvisionedThroughput.WriteCapacityUnits))
	assert.Equal(t, int64(3), aws.ToInt64(g.ItemCount))
	assert.Equal(t, int64(300), aws.ToInt64(g.IndexSizeBytes))
	require.Len(t, d.LocalSecondaryIndexes, 1)
	l := d.LocalSecondaryIndexes[0]
	assert.Equal(t, "by-sk2", aws.ToString(l.IndexName))
	assert.Equal(t, types.ProjectionTypeKeysOnly, l.Projection.ProjectionType)
	assert.Equal(t, types.KeyTypeRange, l.KeySchema[1].KeyType)
	assert.Equal(t, int64(400), aws.ToInt64(l.IndexSizeBytes))
	require.NotNil(t, d.StreamSpecification)
	assert.Equal(t, aws.Bool(true), d.StreamSpecification.StreamEnabled)
	assert.Equal(t, types.StreamViewTypeNewAndOldImages, d.StreamSpecification.StreamViewType)
	assert.Equal(t, "2023-11-14T22:13:20.123", aws.ToString(d.LatestStreamLabel))
	assert.Contains(t, aws.ToString(d.LatestStreamArn), "/stream/")
	require.NotNil(t, d.SSEDescription)
	assert.Equal(t, types.SSEStatusEnabled, d.SSEDescription.Status)
	assert.Equal(t, types.SSETypeKms, d.SSEDescription.SSEType)
	assert.Equal(t, "arn:aws:kms:us-east-1:000000000000:key/k", aws.ToString(d.SSEDescription.KMSMasterKeyArn))
	assert.Equal(t, aws.Bool(true), d.DeletionProtectionEnabled)
	require.NotNil(t, d.TableClassSummary)
	assert.Equal(t, types.TableClassStandardInfrequentAccess, d.TableClassSummary.TableClass)
}

func TestCreateTableDecodesEveryMemberAndEncodesTheDescription(t *testing.T) {
	fake := newFake()
	fake.answer("CreateTable", &catalog.CreateTableOutput{TableDescription: fullDescription()})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))

	out, err := client.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:             aws.String("t"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN}},
		BillingMode:           types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(6)},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:             aws.String("by-g"),
			KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection:            &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"x"}},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(2)},
		}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName:  aws.String("by-sk2"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("g"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		StreamSpecification:       &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly},
		SSESpecification:          &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms, KMSMasterKeyId: aws.String("alias/k")},
		Tags:                      []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}},
		DeletionProtectionEnabled: aws.Bool(false),
		TableClass:                types.TableClassStandard,
	})
	require.NoError(t, err)
	in := fake.input("CreateTable").(*catalog.CreateTableInput)
	assert.Equal(t, "t", in.TableName)
	assert.Equal(t, []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: "HASH"}, {AttributeName: "sk", KeyType: "RANGE"}}, in.KeySchema)
	assert.Equal(t, []catalog.AttributeDefinition{{AttributeName: "pk", AttributeType: "S"}, {AttributeName: "sk", AttributeType: "N"}}, in.AttributeDefinitions)
	assert.Equal(t, catalog.BillingModeProvisioned, in.BillingMode)
	assert.Equal(t, &catalog.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(6)}, in.ProvisionedThroughput)
	assert.Equal(t, []catalog.GlobalSecondaryIndex{{
		IndexName:             "by-g",
		KeySchema:             []catalog.KeySchemaElement{{AttributeName: "g", KeyType: "HASH"}},
		Projection:            &catalog.Projection{ProjectionType: "INCLUDE", NonKeyAttributes: []string{"x"}},
		ProvisionedThroughput: &catalog.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(2)},
	}}, in.GlobalSecondaryIndexes)
	assert.Equal(t, []catalog.LocalSecondaryIndex{{
		IndexName:  "by-sk2",
		KeySchema:  []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: "HASH"}, {AttributeName: "g", KeyType: "RANGE"}},
		Projection: &catalog.Projection{ProjectionType: "KEYS_ONLY"},
	}}, in.LocalSecondaryIndexes)
	assert.Equal(t, &catalog.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: "KEYS_ONLY"}, in.StreamSpecification)
	assert.Equal(t, &catalog.SSESpecification{Enabled: aws.Bool(true), SSEType: "KMS", KMSMasterKeyId: "alias/k"}, in.SSESpecification)
	assert.Equal(t, []catalog.Tag{{Key: "env", Value: "test"}}, in.Tags)
	assert.Equal(t, aws.Bool(false), in.DeletionProtectionEnabled)
	assert.Equal(t, catalog.TableClassStandard, in.TableClass)

	requireFullDescription(t, out.TableDescription)
}

func TestDescribeUpdateDeleteTable(t *testing.T) {
	fake := newFake()
	fake.answer("DescribeTable", &catalog.DescribeTableOutput{Table: fullDescription()})
	fake.answer("UpdateTable", &catalog.UpdateTableOutput{TableDescription: fullDescription()})
	fake.answer("DeleteTable", &catalog.DeleteTableOutput{TableDescription: fullDescription()})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))
	ctx := context.Background()

	described, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	require.NoError(t, err)
	assert.Equal(t, &catalog.DescribeTableInput{TableName: "t"}, fake.input("DescribeTable"))
	requireFullDescription(t, described.Table)

	updated, err := client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:             aws.String("t"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("h"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:           types.BillingModePayPerRequest,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(11)},
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{
			{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName:  aws.String("by-h"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("h"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}},
			{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("by-g"), ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(4)}}},
			{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("old")}},
		},
		StreamSpecification:       &types.StreamSpecification{StreamEnabled: aws.Bool(false)},
		SSESpecification:          &types.SSESpecification{Enabled: aws.Bool(false)},
		DeletionProtectionEnabled: aws.Bool(true),
		TableClass:                types.TableClassStandardInfrequentAccess,
	})
	require.NoError(t, err)
	requireFullDescription(t, updated.TableDescription)
	assert.Equal(t, &catalog.UpdateTableInput{
		TableName:             "t",
		AttributeDefinitions:  []catalog.AttributeDefinition{{AttributeName: "h", AttributeType: "S"}},
		BillingMode:           catalog.BillingModePayPerRequest,
		ProvisionedThroughput: &catalog.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(11)},
		GlobalSecondaryIndexUpdates: []catalog.GlobalSecondaryIndexUpdate{
			{Create: &catalog.CreateGlobalSecondaryIndexAction{
				IndexName:  "by-h",
				KeySchema:  []catalog.KeySchemaElement{{AttributeName: "h", KeyType: "HASH"}},
				Projection: &catalog.Projection{ProjectionType: "ALL"},
			}},
			{Update: &catalog.UpdateGlobalSecondaryIndexAction{IndexName: "by-g", ProvisionedThroughput: &catalog.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(4)}}},
			{Delete: &catalog.DeleteGlobalSecondaryIndexAction{IndexName: "old"}},
		},
		StreamSpecification:       &catalog.StreamSpecification{StreamEnabled: aws.Bool(false)},
		SSESpecification:          &catalog.SSESpecification{Enabled: aws.Bool(false)},
		DeletionProtectionEnabled: aws.Bool(true),
		TableClass:                catalog.TableClassStandardInfrequentAccess,
	}, fake.input("UpdateTable"))

	deleted, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("t")})
	require.NoError(t, err)
	assert.Equal(t, &catalog.DeleteTableInput{TableName: "t"}, fake.input("DeleteTable"))
	requireFullDescription(t, deleted.TableDescription)
}

func TestListTablesAndTags(t *testing.T) {
	fake := newFake()
	fake.answer("ListTables", &catalog.ListTablesOutput{TableNames: []string{"b", "c"}, LastEvaluatedTableName: "c"})
	fake.answer("ListTagsOfResource", &catalog.ListTagsOfResourceOutput{Tags: []catalog.Tag{{Key: "a", Value: ""}, {Key: "b", Value: "2"}}, NextToken: "next"})
	client := sdkClient(t, serve(t, fake, httpapi.Options{}))
	ctx := context.Background()
	const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/t"

	tables, err := client.ListTables(ctx, &dynamodb.ListTablesInput{ExclusiveStartTableName: aws.String("a"), Limit: aws.Int32(2)})
	require.NoError(t, err)
	assert.Equal(t, &catalog.ListTablesInput{ExclusiveStartTableName: "a", Limit: aws.Int32(2)}, fake.input("ListTables"))
	assert.Equal(t, []string{"b", "c"}, tables.TableNames)
	assert.Equal(t, "c", aws.ToString(tables.LastEvaluatedTableName))

	fake.answer("ListTables", &catalog.ListTablesOutput{})
	tables, err = client.ListTables(ctx, &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Equal(t, &catalog.ListTablesInput{}, fake.input("ListTables"))
	assert.Equal(t, []string{}, tables.TableNames)
	assert.Nil(t, tables.LastEvaluatedTableName)

	_, err = client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	require.NoError(t, err)
	assert.Equal(t, &catalog.TagResourceInput{ResourceArn: arn, Tags: []catalog.Tag{{Key: "k", Value: "v"}}}, fake.input("TagResource"))

	_, err = client.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"k", "j"}})
	require.NoError(t, err)
	assert.Equal(t, &catalog.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"k", "j"}}, fake.input("UntagResource"))

	listed, err := client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn), NextToken: aws.String("tok")})
	require.NoError(t, err)
	assert.Equal(t, &catalog.ListTagsOfResourceInput{ResourceArn: arn, NextToken: "tok"}, fake.input("ListTagsOfResource"))
	assert.Equal(t, []types.Tag{{Key: aws.String("a"), Value: aws.String("")}, {Key: aws.String("b"), Value: aws.String("2")}}, listed.Tags)
	assert.Equal(t, "next", aws.ToString(listed.NextToken))
}

func TestDescribeLimitsAndEndpointsAreAnsweredByTheHandler(t *testing.T) {
	fake := newFake()
	srv := serve(t, fake, httpapi.Options{})
	client := sdkClient(t, srv)
	ctx := context.Background()

	limits, err := client.DescribeLimits(ctx, &dynamodb.DescribeLimitsInput{})
	require.NoError(t, err)
	assert.Equal(t, int64(80000), aws.ToInt64(limits.AccountMaxReadCapacityUnits))
	assert.Equal(t, int64(80000), aws.ToInt64(limits.AccountMaxWriteCapacityUnits))
	assert.Equal(t, int64(40000), aws.ToInt64(limits.TableMaxReadCapacityUnits))
	assert.Equal(t, int64(40000), aws.ToInt64(limits.TableMaxWriteCapacityUnits))

	endpoints, err := client.DescribeEndpoints(ctx, &dynamodb.DescribeEndpointsInput{})
	require.NoError(t, err)
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	require.Len(t, endpoints.Endpoints, 1)
	assert.Equal(t, u.Host, aws.ToString(endpoints.Endpoints[0].Address))
	assert.Equal(t, int64(1440), endpoints.Endpoints[0].CachePeriodInMinutes)
}
