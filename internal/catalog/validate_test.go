package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/embeddynamo/dynamo/internal/dberr"
	"github.com/stretchr/testify/require"
)

func pt(read, write int64) *ProvisionedThroughput {
	return &ProvisionedThroughput{ReadCapacityUnits: Int64(read), WriteCapacityUnits: Int64(write)}
}

func def(name string, t ScalarAttributeType) AttributeDefinition {
	return AttributeDefinition{AttributeName: name, AttributeType: t}
}

func hash(name string) KeySchemaElement {
	return KeySchemaElement{AttributeName: name, KeyType: KeyTypeHash}
}
func rng(name string) KeySchemaElement {
	return KeySchemaElement{AttributeName: name, KeyType: KeyTypeRange}
}
func proj(t ProjectionType) *Projection { return &Projection{ProjectionType: t} }
func include(attrs ...string) *Projection {
	return &Projection{ProjectionType: ProjectionTypeInclude, NonKeyAttributes: attrs}
}

// baseCreate is a valid CreateTable request that each case breaks one way.
func baseCreate() *CreateTableInput {
	return &CreateTableInput{
		TableName:             "orders",
		AttributeDefinitions:  []AttributeDefinition{def("pk", ScalarAttributeTypeS), def("sk", ScalarAttributeTypeN)},
		KeySchema:             []KeySchemaElement{hash("pk"), rng("sk")},
		ProvisionedThroughput: pt(5, 5),
	}
}

// withIndexes adds attribute "g" and one LSI and one GSI to the request.
func withIndexes(in *CreateTableInput) {
	in.AttributeDefinitions = append(in.AttributeDefinitions, def("g", ScalarAttributeTypeS))
	in.LocalSecondaryIndexes = []LocalSecondaryIndex{{IndexName: "lsi1", KeySchema: []KeySchemaElement{hash("pk"), rng("g")}, Projection: proj(ProjectionTypeAll)}}
	in.GlobalSecondaryIndexes = []GlobalSecondaryIndex{{IndexName: "gsi1", KeySchema: []KeySchemaElement{hash("g")}, Projection: proj(ProjectionTypeKeysOnly), ProvisionedThroughput: pt(1, 1)}}
}

type errCase struct {
	name string
	// code is the exception name; empty means the request is valid.
	code string
	msg  string
}

func requireAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	if code == "" {
		require.NoError(t, err)
		return
	}
	require.Error(t, err)
	var api dberr.APIError
	require.True(t, errors.As(err, &api), "error %v is not an APIError", err)
	require.Equal(t, code, api.ErrorCode())
	require.Equal(t, msg, api.ErrorMessage())
}

const (
	vex = "ValidationException"
	lex = "LimitExceededException"
	nfx = "ResourceNotFoundException"
	iux = "ResourceInUseException"
)

func TestValidateCreateTable(t *testing.T) {
	long := strings.Repeat("a", 256)
	cases := []struct {
		errCase
		mutate func(*CreateTableInput)
	}{
		{errCase{"valid request with sort key", "", ""}, func(in *CreateTableInput) {}},
		{errCase{"valid request with hash key only", "", ""}, func(in *CreateTableInput) {
			in.AttributeDefinitions = in.AttributeDefinitions[:1]
			in.KeySchema = in.KeySchema[:1]
		}},
		{errCase{"valid on-demand request", "", ""}, func(in *CreateTableInput) {
			in.BillingMode = BillingModePayPerRequest
			in.ProvisionedThroughput = nil
		}},
		{errCase{"valid request with indexes", "", ""}, withIndexes},
		{errCase{"valid explicit PROVISIONED", "", ""}, func(in *CreateTableInput) { in.BillingMode = BillingModeProvisioned }},
		{errCase{"valid name of 255 characters", "", ""}, func(in *CreateTableInput) { in.TableName = long[:255] }},
		{errCase{"valid name of 3 characters with all symbols", "", ""}, func(in *CreateTableInput) { in.TableName = "a.-_Z9" }},
		{errCase{"table name too short", vex,
			"1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
			func(in *CreateTableInput) { in.TableName = "ab" }},
		{errCase{"table name too long", vex,
			"1 validation error detected: Value '" + long + "' at 'tableName' failed to satisfy constraint: Member must have length less than or equal to 255"},
			func(in *CreateTableInput) { in.TableName = long }},
		{errCase{"table name with bad character", vex,
			"1 validation error detected: Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
			func(in *CreateTableInput) { in.TableName = "abc;" }},
		{errCase{"empty table name breaks length and pattern", vex,
			"2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value '' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
			func(in *CreateTableInput) { in.TableName = "" }},
		{errCase{"table name with a space breaks the pattern", vex,
			"1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
			func(in *CreateTableInput) { in.TableName = "a b" }},
		{errCase{"missing attribute definitions", vex,
			"1 validation error detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.AttributeDefinitions = nil }},
		{errCase{"missing key schema", vex,
			"1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.KeySchema = nil }},
		{errCase{"empty key schema", vex,
			"1 validation error detected: Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			func(in *CreateTableInput) { in.KeySchema = []KeySchemaElement{} }},
		{errCase{"three key schema elements", vex,
			"1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=sk, keyType=RANGE), KeySchemaElement(attributeName=extra, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"},
			func(in *CreateTableInput) { in.KeySchema = append(in.KeySchema, rng("extra")) }},
		{errCase{"null key type", vex,
			"1 validation error detected: Value null at 'keySchema.2.member.keyType' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.KeySchema[1].KeyType = "" }},
		{errCase{"unknown key type", vex,
			"1 validation error detected: Value 'SORT' at 'keySchema.2.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"},
			func(in *CreateTableInput) { in.KeySchema[1].KeyType = "SORT" }},
		{errCase{"empty key attribute name", vex,
			"1 validation error detected: Value '' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			func(in *CreateTableInput) { in.KeySchema[0].AttributeName = "" }},
		{errCase{"key attribute name too long", vex,
			"1 validation error detected: Value '" + long + "' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length less than or equal to 255"},
			func(in *CreateTableInput) { in.KeySchema[0].AttributeName = long }},
		{errCase{"empty key schema element reports name before type", vex,
			"2 validation errors detected: Value '' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value null at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.KeySchema[0] = KeySchemaElement{} }},
		{errCase{"unknown attribute type", vex,
			"1 validation error detected: Value 'SS' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"},
			func(in *CreateTableInput) { in.AttributeDefinitions[0].AttributeType = "SS" }},
		{errCase{"empty attribute definition reports type before name", vex,
			"2 validation errors detected: Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must not be null; " +
				"Value '' at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			func(in *CreateTableInput) { in.AttributeDefinitions[0] = AttributeDefinition{} }},
		{errCase{"unknown billing mode", vex,
			"1 validation error detected: Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"},
			func(in *CreateTableInput) { in.BillingMode = "FREE" }},
		{errCase{"zero capacities report write before read", vex,
			"2 validation errors detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
			func(in *CreateTableInput) { in.ProvisionedThroughput = pt(0, 0) }},
		{errCase{"negative capacities", vex,
			"2 validation errors detected: Value '-1' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '-1' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
			func(in *CreateTableInput) { in.ProvisionedThroughput = pt(-1, -1) }},
		{errCase{"empty provisioned throughput", vex,
			"2 validation errors detected: Value null at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.ProvisionedThroughput = &ProvisionedThroughput{} }},
		{errCase{"read capacity only", vex,
			"1 validation error detected: Value null at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.ProvisionedThroughput.WriteCapacityUnits = nil }},
		{errCase{"zero capacities on an on-demand table are field violations first", vex,
			"2 validation errors detected: Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1; " +
				"Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
			func(in *CreateTableInput) {
				in.BillingMode = BillingModePayPerRequest
				in.ProvisionedThroughput = pt(0, 0)
			}},
		{errCase{"violations of several fields in DynamoDB's order", vex,
			"3 validation errors detected: Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null; " +
				"Value 'abc;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
				"Value null at 'keySchema' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) { in.AttributeDefinitions = nil; in.TableName = "abc;"; in.KeySchema = nil }},
		{errCase{"at most ten violations are reported", vex, "10 validation errors detected: " + strings.Join([]string{
			"Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must not be null",
			"Value '' at 'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1",
			"Value null at 'attributeDefinitions.2.member.attributeType' failed to satisfy constraint: Member must not be null",
			"Value '' at 'attributeDefinitions.2.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1",
			"Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
			"Value '' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
			"Value 'X' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]",
			"Value '0' at 'provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
			"Value '' at 'keySchema.1.member.attributeName' failed to satisfy constraint: Member must have length greater than or equal to 1",
		}, "; ")},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = []AttributeDefinition{{}, {}}
				in.TableName = ""
				in.BillingMode = "X"
				in.ProvisionedThroughput = pt(0, 0)
				in.KeySchema = []KeySchemaElement{{}, {}}
			}},
		{errCase{"provisioned without throughput", vex, MsgProvisionedNeedsBoth},
			func(in *CreateTableInput) { in.ProvisionedThroughput = nil }},
		{errCase{"explicit PROVISIONED without throughput", vex, MsgProvisionedNeedsBoth},
			func(in *CreateTableInput) { in.BillingMode = BillingModeProvisioned; in.ProvisionedThroughput = nil }},
		{errCase{"on-demand with throughput", vex, MsgPayPerRequestNoCapacity},
			func(in *CreateTableInput) { in.BillingMode = BillingModePayPerRequest }},
		{errCase{"read capacity out of bounds", vex, "Given value 1000000000001 for ReadCapacityUnits is out of bounds"},
			func(in *CreateTableInput) { in.ProvisionedThroughput = pt(1000000000001, 1000000000001) }},
		{errCase{"write capacity out of bounds", vex, "Given value 1000000000001 for WriteCapacityUnits is out of bounds"},
			func(in *CreateTableInput) { in.ProvisionedThroughput = pt(1000000000000, 1000000000001) }},
		{errCase{"duplicate attribute definitions", vex, "Attribute Name is duplicated: pk"},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = []AttributeDefinition{def("pk", ScalarAttributeTypeS), def("pk", ScalarAttributeTypeS)}
				in.KeySchema = in.KeySchema[:1]
			}},
		{errCase{"duplicate attribute definitions of different types", vex, "Attribute Name is duplicated: pk"},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = []AttributeDefinition{def("pk", ScalarAttributeTypeS), def("pk", ScalarAttributeTypeN)}
				in.KeySchema = in.KeySchema[:1]
			}},
		{errCase{"empty attribute definitions", vex, MsgKeyNoDefinition},
			func(in *CreateTableInput) { in.AttributeDefinitions = []AttributeDefinition{} }},
		{errCase{"more keys than definitions", vex, MsgKeyNoDefinition},
			func(in *CreateTableInput) { in.AttributeDefinitions = in.AttributeDefinitions[:1] }},
		{errCase{"hash key not defined", vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [other]"},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = []AttributeDefinition{def("other", ScalarAttributeTypeS)}
				in.KeySchema = in.KeySchema[:1]
			}},
		{errCase{"key names are case sensitive", vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [PK], AttributeDefinitions: [pk]"},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = in.AttributeDefinitions[:1]
				in.KeySchema = []KeySchemaElement{hash("PK")}
			}},
		{errCase{"range key not defined", vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk, sk], AttributeDefinitions: [pk, x]"},
			func(in *CreateTableInput) { in.AttributeDefinitions[1].AttributeName = "x" }},
		{errCase{"hash and range of one name", vex, MsgSameKeyNames},
			func(in *CreateTableInput) { in.KeySchema = []KeySchemaElement{hash("pk"), rng("pk")} }},
		{errCase{"range listed before hash", vex, MsgFirstNotHash},
			func(in *CreateTableInput) { in.KeySchema = []KeySchemaElement{rng("sk"), hash("pk")} }},
		{errCase{"range key only", vex, MsgFirstNotHash},
			func(in *CreateTableInput) {
				in.AttributeDefinitions = in.AttributeDefinitions[:1]
				in.KeySchema = []KeySchemaElement{rng("pk")}
			}},
		{errCase{"two hash keys", vex, MsgSecondNotRange},
			func(in *CreateTableInput) { in.KeySchema = []KeySchemaElement{hash("pk"), hash("sk")} }},
		{errCase{"unused attribute definition without indexes", vex, MsgDefinitionCount},
			func(in *CreateTableInput) { in.KeySchema = in.KeySchema[:1] }},
		{errCase{"unused attribute definition with indexes", vex,
			"One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [pk, sk, g, unused], keys used: [pk, sk, g]"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.AttributeDefinitions = append(in.AttributeDefinitions, def("unused", ScalarAttributeTypeS))
			}},
		{errCase{"empty LSI list", vex, MsgLSIsEmpty},
			func(in *CreateTableInput) { in.LocalSecondaryIndexes = []LocalSecondaryIndex{} }},
		{errCase{"empty GSI list", vex, MsgGSIsEmpty},
			func(in *CreateTableInput) { in.GlobalSecondaryIndexes = []GlobalSecondaryIndex{} }},
		{errCase{"LSI on table without range key", vex, MsgLSINeedsTableRange},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.KeySchema = in.KeySchema[:1]
			}},
		{errCase{"LSI key not defined", vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk, nope], AttributeDefinitions: [pk, sk, g]"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema[1].AttributeName = "nope"
			}},
		{errCase{"LSI without range key", vex, "One or more parameter values were invalid: Index KeySchema does not have a range key for index: lsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema = in.LocalSecondaryIndexes[0].KeySchema[:1]
			}},
		{errCase{"LSI with another hash key", vex,
			"One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: lsi1. index hash key: g, table hash key: pk"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema = []KeySchemaElement{hash("g"), rng("sk")}
			}},
		{errCase{"LSI keys of one name", vex, MsgSameKeyNames},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema = []KeySchemaElement{hash("pk"), rng("pk")}
			}},
		{errCase{"LSI led by range key", vex, MsgFirstNotHash},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema = []KeySchemaElement{rng("g"), hash("pk")}
			}},
		{errCase{"LSI with two hash keys", vex, MsgSecondNotRange},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].KeySchema = []KeySchemaElement{hash("pk"), hash("g")}
			}},
		{errCase{"LSI projection without type", vex, MsgUnknownProjection},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].Projection = &Projection{}
			}},
		{errCase{"LSI projection missing", vex,
			"1 validation error detected: Value null at 'localSecondaryIndexes.1.member.projection' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].Projection = nil
			}},
		{errCase{"LSI name too short", vex,
			"1 validation error detected: Value 'ab' at 'localSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].IndexName = "ab"
			}},
		{errCase{"KEYS_ONLY with non-key attributes", vex,
			"One or more parameter values were invalid: ProjectionType is KEYS_ONLY, but NonKeyAttributes is specified"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes[0].Projection = &Projection{ProjectionType: ProjectionTypeKeysOnly, NonKeyAttributes: []string{"a"}}
			}},
		{errCase{"ALL with non-key attributes", vex,
			"One or more parameter values were invalid: ProjectionType is ALL, but NonKeyAttributes is specified"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].Projection = &Projection{ProjectionType: ProjectionTypeAll, NonKeyAttributes: []string{"a"}}
			}},
		{errCase{"INCLUDE without non-key attributes", vex,
			"One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].Projection = proj(ProjectionTypeInclude)
			}},
		{errCase{"INCLUDE with an empty list", vex,
			"1 validation error detected: Value '[]' at 'globalSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy constraint: Member must have length greater than or equal to 1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].Projection = &Projection{ProjectionType: ProjectionTypeInclude, NonKeyAttributes: []string{}}
			}},
		{errCase{"INCLUDE with a duplicate attribute", vex,
			"One or more parameter values were invalid: Duplicate element in NonKeyAttributes: a"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].Projection = include("a", "b", "a")
			}},
		{errCase{"unknown projection type", vex,
			"1 validation error detected: Value 'SOME' at 'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].Projection = proj("SOME")
			}},
		{errCase{"duplicate LSI names", vex, "One or more parameter values were invalid: Duplicate index name: lsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, in.LocalSecondaryIndexes[0])
			}},
		{errCase{"GSI named like an LSI", vex, "One or more parameter values were invalid: Duplicate index name: lsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].IndexName = "lsi1"
			}},
		{errCase{"duplicate GSI names", vex, "One or more parameter values were invalid: Duplicate index name: gsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, in.GlobalSecondaryIndexes[0])
			}},
		{errCase{"six LSIs", vex, MsgTooManyLSIs},
			func(in *CreateTableInput) {
				withIndexes(in)
				for i := 2; i <= 6; i++ {
					l := in.LocalSecondaryIndexes[0]
					l.IndexName = "lsi" + string(rune('0'+i))
					in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, l)
				}
			}},
		{errCase{"five LSIs are allowed", "", ""},
			func(in *CreateTableInput) {
				withIndexes(in)
				for i := 2; i <= 5; i++ {
					l := in.LocalSecondaryIndexes[0]
					l.IndexName = "lsi" + string(rune('0'+i))
					in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, l)
				}
			}},
		{errCase{"twenty-one GSIs", vex, MsgTooManyGSIs},
			func(in *CreateTableInput) {
				withIndexes(in)
				for i := 2; i <= 21; i++ {
					g := in.GlobalSecondaryIndexes[0]
					g.IndexName = "gsi" + strings.Repeat("x", i)
					in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
				}
			}},
		{errCase{"twenty GSIs are allowed", "", ""},
			func(in *CreateTableInput) {
				withIndexes(in)
				for i := 2; i <= 20; i++ {
					g := in.GlobalSecondaryIndexes[0]
					g.IndexName = "gsi" + strings.Repeat("x", i)
					in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, g)
				}
			}},
		{errCase{"GSI key not defined", vex,
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [h], AttributeDefinitions: [pk, sk, g]"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].KeySchema = []KeySchemaElement{hash("h")}
			}},
		{errCase{"GSI led by range key", vex, MsgFirstNotHash},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].KeySchema = []KeySchemaElement{rng("g")}
			}},
		{errCase{"GSI without throughput on a provisioned table", vex,
			"One or more parameter values were invalid: ProvisionedThroughput is not specified for index: gsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].ProvisionedThroughput = nil
			}},
		{errCase{"GSI with throughput on an on-demand table", vex,
			"One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: gsi1 when BillingMode is PAY_PER_REQUEST"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.BillingMode = BillingModePayPerRequest
				in.ProvisionedThroughput = nil
			}},
		{errCase{"GSI capacity out of bounds", vex, "Given value 1000000000001 for ReadCapacityUnits is out of bounds for index gsi1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].ProvisionedThroughput = pt(1000000000001, 1)
			}},
		{errCase{"GSI zero capacity", vex,
			"1 validation error detected: Value '0' at 'globalSecondaryIndexes.1.member.provisionedThroughput.writeCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].ProvisionedThroughput = pt(1, 0)
			}},
		{errCase{"GSI index name empty", vex,
			"2 validation errors detected: Value '' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value '' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].IndexName = ""
			}},
		{errCase{"GSI key schema missing", vex,
			"1 validation error detected: Value null at 'globalSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) {
				withIndexes(in)
				in.GlobalSecondaryIndexes[0].KeySchema = nil
			}},
		{errCase{"more than 100 projected attributes", vex, MsgTooManyProjected},
			func(in *CreateTableInput) {
				withIndexes(in)
				var attrs []string
				for i := 0; i < 101; i++ {
					attrs = append(attrs, "a"+strings.Repeat("b", i))
				}
				in.GlobalSecondaryIndexes[0].Projection = include(attrs...)
			}},
		{errCase{"100 projected attributes are allowed", "", ""},
			func(in *CreateTableInput) {
				withIndexes(in)
				var attrs []string
				for i := 0; i < 50; i++ {
					attrs = append(attrs, "a"+strings.Repeat("b", i))
				}
				in.GlobalSecondaryIndexes[0].Projection = include(attrs...)
				in.LocalSecondaryIndexes[0].Projection = include(attrs...)
			}},
		{errCase{"stream without StreamEnabled", vex,
			"1 validation error detected: Value null at 'streamSpecification.streamEnabled' failed to satisfy constraint: Member must not be null"},
			func(in *CreateTableInput) {
				in.StreamSpecification = &StreamSpecification{StreamViewType: StreamViewTypeKeysOnly}
			}},
		{errCase{"unknown stream view type", vex,
			"1 validation error detected: Value 'ALL' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [OLD_IMAGE, KEYS_ONLY, NEW_AND_OLD_IMAGES, NEW_IMAGE]"},
			func(in *CreateTableInput) {
				in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: "ALL"}
			}},
		{errCase{"stream enabled without view type", vex, MsgCreateStreamNeedsViewType},
			func(in *CreateTableInput) { in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true)} }},
		{errCase{"stream disabled with view type", vex, MsgCreateStreamNoViewType},
			func(in *CreateTableInput) {
				in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(false), StreamViewType: StreamViewTypeNewImage}
			}},
		{errCase{"stream enabled with view type", "", ""},
			func(in *CreateTableInput) {
				in.StreamSpecification = &StreamSpecification{StreamEnabled: Bool(true), StreamViewType: StreamViewTypeNewAndOldImages}
			}},
		{errCase{"unknown SSE type", vex,
			"1 validation error detected: Value 'DES' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must satisfy enum value set: [AES256, KMS]"},
			func(in *CreateTableInput) { in.SSESpecification = &SSESpecification{SSEType: "DES"} }},
		{errCase{"SSE type with encryption disabled", vex, MsgSSETypeWhenDisabled},
			func(in *CreateTableInput) {
				in.SSESpecification = &SSESpecification{Enabled: Bool(false), SSEType: SSETypeKMS}
			}},
		{errCase{"KMS key with encryption disabled", vex, MsgKMSKeyWhenDisabled},
			func(in *CreateTableInput) {
				in.SSESpecification = &SSESpecification{Enabled: Bool(false), KMSMasterKeyId: "alias/k"}
			}},
		{errCase{"SSE enabled is accepted", "", ""},
			func(in *CreateTableInput) {
				in.SSESpecification = &SSESpecification{Enabled: Bool(true), SSEType: SSETypeKMS, KMSMasterKeyId: "alias/k"}
			}},
		{errCase{"unknown table class", vex, MsgInvalidTableClass},
			func(in *CreateTableInput) { in.TableClass = "GLACIER" }},
		{errCase{"infrequent access table class is accepted", "", ""},
			func(in *CreateTableInput) { in.TableClass = TableClassStandardInfrequentAccess }},
		{errCase{"tag with empty key", vex, "The Tag Key provided is invalid, Key: "},
			func(in *CreateTableInput) { in.Tags = []Tag{{Key: "", Value: "v"}} }},
		{errCase{"tag key with aws prefix", vex, "Tag Key cannot be prefixed with aws:, Key: aws:x"},
			func(in *CreateTableInput) { in.Tags = []Tag{{Key: "aws:x", Value: "v"}} }},
		{errCase{"duplicate tag keys", vex, "Duplicate Tag Keys provided as input: Duplicate Tag Key found k"},
			func(in *CreateTableInput) { in.Tags = []Tag{{Key: "k"}, {Key: "k"}} }},
		{errCase{"fifty-one tags", vex, MsgTooManyTags},
			func(in *CreateTableInput) {
				for i := 0; i < 51; i++ {
					in.Tags = append(in.Tags, Tag{Key: "k" + strings.Repeat("x", i)})
				}
			}},
		{errCase{"deletion protection is accepted", "", ""},
			func(in *CreateTableInput) { in.DeletionProtectionEnabled = Bool(true) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := baseCreate()
			tc.mutate(in)
			requireAPIError(t, ValidateCreateTable(in), tc.code, tc.msg)
		})
	}
}
