package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/catalog"
)

// The structure readers are shared by many members; these pin down how
// they treat null, which differs by member, and repeated members (the last
// of a name is read last).

func TestNullElementsAreLeftOut(t *testing.T) {
	in, err := decodeGetItem([]byte(`{"AttributesToGet":[null,"a",null]}`))
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, in.AttributesToGet)

	q, err := decodeQuery([]byte(`{"KeyConditions":{"a":null,"b":{"ComparisonOperator":"EQ","AttributeValueList":[null]}}}`))
	require.NoError(t, err)
	require.Equal(t, map[string]api.Condition{"b": {ComparisonOperator: "EQ", AttributeValueList: []api.AttributeValue{}}}, q.KeyConditions)

	b, err := decodeBatchGetItem([]byte(`{"RequestItems":{"t":{"Keys":[null]},"u":null}}`))
	require.NoError(t, err)
	require.Equal(t, map[string]api.KeysAndAttributes{"t": {Keys: []api.Item{}}}, b.RequestItems)

	w, err := decodeBatchWriteItem([]byte(`{"RequestItems":{"t":[null,{"DeleteRequest":null}],"u":null}}`))
	require.NoError(t, err)
	require.Equal(t, map[string][]api.WriteRequest{"t": {{}}}, w.RequestItems)

	c, err := decodeCreateTable([]byte(`{"KeySchema":[null,{"AttributeName":"pk","KeyType":"HASH"}],"Tags":[]}`))
	require.NoError(t, err)
	require.Equal(t, []catalog.KeySchemaElement{{AttributeName: "pk", KeyType: "HASH"}}, c.KeySchema)
	require.Equal(t, []catalog.Tag{}, c.Tags)
}

func TestRepeatedMemberThenNull(t *testing.T) {
	// A null list of indexes, index updates or a null write request leaves
	// what an earlier member of the same name gave ...
	c, err := decodeCreateTable([]byte(`{"GlobalSecondaryIndexes":[{"IndexName":"g"}],"GlobalSecondaryIndexes":null,` +
		`"LocalSecondaryIndexes":[{"IndexName":"l"}],"LocalSecondaryIndexes":null}`))
	require.NoError(t, err)
	require.Equal(t, []catalog.GlobalSecondaryIndex{{IndexName: "g"}}, c.GlobalSecondaryIndexes)
	require.Equal(t, []catalog.LocalSecondaryIndex{{IndexName: "l"}}, c.LocalSecondaryIndexes)

	u, err := decodeUpdateTable([]byte(`{"GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"g"},"Delete":null}],` +
		`"GlobalSecondaryIndexUpdates":null}`))
	require.NoError(t, err)
	require.Equal(t, []catalog.GlobalSecondaryIndexUpdate{{Delete: &catalog.DeleteGlobalSecondaryIndexAction{IndexName: "g"}}},
		u.GlobalSecondaryIndexUpdates)

	w, err := decodeBatchWriteItem([]byte(`{"RequestItems":{"t":[{"PutRequest":{"Item":{}},"PutRequest":null}]}}`))
	require.NoError(t, err)
	require.Equal(t, []api.WriteRequest{{PutRequest: &api.PutRequest{Item: api.Item{}}}}, w.RequestItems["t"])

	// ... while a null key schema, throughput or tag list replaces it.
	c, err = decodeCreateTable([]byte(`{"KeySchema":[{"AttributeName":"pk"}],"KeySchema":null,` +
		`"ProvisionedThroughput":{"ReadCapacityUnits":1},"ProvisionedThroughput":null,"Tags":[],"Tags":null}`))
	require.NoError(t, err)
	require.Nil(t, c.KeySchema)
	require.Nil(t, c.ProvisionedThroughput)
	require.Nil(t, c.Tags)
}

func TestEnumMembers(t *testing.T) {
	in, err := decodeUpdateItem([]byte(`{"ReturnValues":"ALL_NEW","ReturnConsumedCapacity":"TOTAL"}`))
	require.NoError(t, err)
	require.Equal(t, api.ReturnValue("ALL_NEW"), in.ReturnValues)
	require.Equal(t, api.ReturnConsumedCapacity("TOTAL"), in.ReturnConsumedCapacity)

	_, err = decodeScan([]byte(`{"Select":true}`))
	require.EqualError(t, err, "SerializationException: TRUE_VALUE cannot be converted to String")
}
