package catalog

import "time"

// KeyType is the role of a key attribute: HASH (partition key) or RANGE
// (sort key).
type KeyType string

// The key types.
const (
	KeyTypeHash  KeyType = "HASH"
	KeyTypeRange KeyType = "RANGE"
)

// ScalarAttributeType is the type of a key attribute: S, N or B.
type ScalarAttributeType string

// The key attribute types.
const (
	ScalarAttributeTypeS ScalarAttributeType = "S"
	ScalarAttributeTypeN ScalarAttributeType = "N"
	ScalarAttributeTypeB ScalarAttributeType = "B"
)

// BillingMode is a table's capacity mode. The empty value in an input means
// "not given"; CreateTable then defaults to PROVISIONED, as DynamoDB does.
type BillingMode string

// The billing modes.
const (
	BillingModeProvisioned   BillingMode = "PROVISIONED"
	BillingModePayPerRequest BillingMode = "PAY_PER_REQUEST"
)

// ProjectionType says which attributes a secondary index copies.
type ProjectionType string

// The projection types.
const (
	ProjectionTypeAll      ProjectionType = "ALL"
	ProjectionTypeKeysOnly ProjectionType = "KEYS_ONLY"
	ProjectionTypeInclude  ProjectionType = "INCLUDE"
)

// TableStatus is a table's lifecycle state.
type TableStatus string

// The table states this package uses.
const (
	TableStatusCreating TableStatus = "CREATING"
	TableStatusActive   TableStatus = "ACTIVE"
	TableStatusUpdating TableStatus = "UPDATING"
	TableStatusDeleting TableStatus = "DELETING"
)

// IndexStatus is a global secondary index's lifecycle state.
type IndexStatus string

// The index states.
const (
	IndexStatusCreating IndexStatus = "CREATING"
	IndexStatusActive   IndexStatus = "ACTIVE"
	IndexStatusUpdating IndexStatus = "UPDATING"
	IndexStatusDeleting IndexStatus = "DELETING"
)

// StreamViewType says what a stream record carries.
type StreamViewType string

// The stream view types.
const (
	StreamViewTypeKeysOnly        StreamViewType = "KEYS_ONLY"
	StreamViewTypeNewImage        StreamViewType = "NEW_IMAGE"
	StreamViewTypeOldImage        StreamViewType = "OLD_IMAGE"
	StreamViewTypeNewAndOldImages StreamViewType = "NEW_AND_OLD_IMAGES"
)

// TableClass is a table's storage class. It is recorded and reported; it
// changes nothing else here.
type TableClass string

// The table classes.
const (
	TableClassStandard                 TableClass = "STANDARD"
	TableClassStandardInfrequentAccess TableClass = "STANDARD_INFREQUENT_ACCESS"
)

// SSEType is the server-side encryption kind. Encryption settings are
// accepted, validated and recorded; data is not encrypted by this package.
type SSEType string

// The server-side encryption kinds.
const (
	SSETypeAES256 SSEType = "AES256"
	SSETypeKMS    SSEType = "KMS"
)

// SSEStatus is the state of a table's server-side encryption.
type SSEStatus string

// The encryption states reported.
const (
	SSEStatusEnabled SSEStatus = "ENABLED"
)

// KeySchemaElement is one attribute of a primary key.
type KeySchemaElement struct {
	AttributeName string
	KeyType       KeyType
}

// AttributeDefinition declares the type of an attribute used in a key
// schema of the table or of one of its indexes.
type AttributeDefinition struct {
	AttributeName string
	AttributeType ScalarAttributeType
}

// ProvisionedThroughput is requested read and write capacity. A nil field is
// "not given" (DynamoDB's null).
type ProvisionedThroughput struct {
	ReadCapacityUnits  *int64
	WriteCapacityUnits *int64
}

// Projection says which attributes an index copies: NonKeyAttributes only
// with INCLUDE.
type Projection struct {
	ProjectionType   ProjectionType
	NonKeyAttributes []string
}

// GlobalSecondaryIndex is a global secondary index requested by CreateTable.
type GlobalSecondaryIndex struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            *Projection
	ProvisionedThroughput *ProvisionedThroughput
}

// LocalSecondaryIndex is a local secondary index requested by CreateTable.
type LocalSecondaryIndex struct {
	IndexName  string
	KeySchema  []KeySchemaElement
	Projection *Projection
}

// StreamSpecification turns a table's stream on or off. StreamEnabled is
// required whenever the specification is given.
type StreamSpecification struct {
	StreamEnabled  *bool
	StreamViewType StreamViewType
}

// SSESpecification asks for server-side encryption settings.
type SSESpecification struct {
	Enabled        *bool
	SSEType        SSEType
	KMSMasterKeyId string
}

// Tag is a key-value label on a table.
type Tag struct {
	Key   string
	Value string
}

// CreateTableInput is CreateTable's request.
type CreateTableInput struct {
	TableName                 string
	KeySchema                 []KeySchemaElement
	AttributeDefinitions      []AttributeDefinition
	BillingMode               BillingMode
	ProvisionedThroughput     *ProvisionedThroughput
	GlobalSecondaryIndexes    []GlobalSecondaryIndex
	LocalSecondaryIndexes     []LocalSecondaryIndex
	StreamSpecification       *StreamSpecification
	SSESpecification          *SSESpecification
	Tags                      []Tag
	DeletionProtectionEnabled *bool
	TableClass                TableClass
}

// CreateTableOutput is CreateTable's response.
type CreateTableOutput struct {
	TableDescription *TableDescription
}

// CreateGlobalSecondaryIndexAction adds a global secondary index in
// UpdateTable.
type CreateGlobalSecondaryIndexAction struct {
	IndexName             string
	KeySchema             []KeySchemaElement
	Projection            *Projection
	ProvisionedThroughput *ProvisionedThroughput
}

// UpdateGlobalSecondaryIndexAction changes an index's provisioned
// throughput in UpdateTable.
type UpdateGlobalSecondaryIndexAction struct {
	IndexName             string
	ProvisionedThroughput *ProvisionedThroughput
}

// DeleteGlobalSecondaryIndexAction removes a global secondary index in
// UpdateTable.
type DeleteGlobalSecondaryIndexAction struct {
	IndexName string
}

// GlobalSecondaryIndexUpdate is one index action of UpdateTable: exactly one
// of Create, Update and Delete.
type GlobalSecondaryIndexUpdate struct {
	Create *CreateGlobalSecondaryIndexAction
	Update *UpdateGlobalSecondaryIndexAction
	Delete *DeleteGlobalSecondaryIndexAction
}

// UpdateTableInput is UpdateTable's request.
type UpdateTableInput struct {
	TableName                   string
	AttributeDefinitions        []AttributeDefinition
	BillingMode                 BillingMode
	ProvisionedThroughput       *ProvisionedThroughput
	GlobalSecondaryIndexUpdates []GlobalSecondaryIndexUpdate
	StreamSpecification         *StreamSpecification
	SSESpecification            *SSESpecification
	DeletionProtectionEnabled   *bool
	TableClass                  TableClass
}

// UpdateTableOutput is UpdateTable's response.
type UpdateTableOutput struct {
	TableDescription *TableDescription
}

// DeleteTableInput is DeleteTable's request.
type DeleteTableInput struct {
	TableName string
}

// DeleteTableOutput is DeleteTable's response.
type DeleteTableOutput struct {
	TableDescription *TableDescription
}

// DescribeTableInput is DescribeTable's request.
type DescribeTableInput struct {
	TableName string
}

// DescribeTableOutput is DescribeTable's response.
type DescribeTableOutput struct {
	Table *TableDescription
}

// ListTablesInput is ListTables's request. Limit nil means 100; names are
// returned in ascending order after ExclusiveStartTableName.
type ListTablesInput struct {
	ExclusiveStartTableName string
	Limit                   *int32
}

// ListTablesOutput is ListTables's response. LastEvaluatedTableName is set
// when more names may follow.
type ListTablesOutput struct {
	TableNames             []string
	LastEvaluatedTableName string
}

// BillingModeSummary reports a table's capacity mode.
type BillingModeSummary struct {
	BillingMode BillingMode
	// LastUpdateToPayPerRequestDateTime is when the table last switched to
	// PAY_PER_REQUEST; zero if never.
	LastUpdateToPayPerRequestDateTime time.Time
}

// ProvisionedThroughputDescription reports provisioned capacity and its
// change history. Capacities are zero for an on-demand table.
type ProvisionedThroughputDescription struct {
	ReadCapacityUnits      int64
	WriteCapacityUnits     int64
	LastIncreaseDateTime   time.Time
	LastDecreaseDateTime   time.Time
	NumberOfDecreasesToday int64
}

// GlobalSecondaryIndexDescription reports one global secondary index.
type GlobalSecondaryIndexDescription struct {
	IndexName             string
	IndexArn              string
	IndexStatus           IndexStatus
	Backfilling           bool
	KeySchema             []KeySchemaElement
	Projection            Projection
	ProvisionedThroughput ProvisionedThroughputDescription
	ItemCount             int64
	IndexSizeBytes        int64
}

// LocalSecondaryIndexDescription reports one local secondary index.
type LocalSecondaryIndexDescription struct {
	IndexName      string
	IndexArn       string
	KeySchema      []KeySchemaElement
	Projection     Projection
	ItemCount      int64
	IndexSizeBytes int64
}

// SSEDescription reports server-side encryption settings as recorded.
type SSEDescription struct {
	Status          SSEStatus
	SSEType         SSEType
	KMSMasterKeyArn string
}

// TableClassSummary reports a table's class.
type TableClassSummary struct {
	TableClass         TableClass
	LastUpdateDateTime time.Time
}

// TableDescription is what DescribeTable and the other control-plane
// operations report about a table. ItemCount, TableSizeBytes and the index
// counters are refreshed by the control plane periodically, as DynamoDB's
// are.
type TableDescription struct {
	TableName                 string
	TableArn                  string
	TableId                   string
	TableStatus               TableStatus
	CreationDateTime          time.Time
	KeySchema                 []KeySchemaElement
	AttributeDefinitions      []AttributeDefinition
	BillingModeSummary        *BillingModeSummary
	ProvisionedThroughput     ProvisionedThroughputDescription
	ItemCount                 int64
	TableSizeBytes            int64
	GlobalSecondaryIndexes    []GlobalSecondaryIndexDescription
	LocalSecondaryIndexes     []LocalSecondaryIndexDescription
	StreamSpecification       *StreamSpecification
	LatestStreamArn           string
	LatestStreamLabel         string
	SSEDescription            *SSEDescription
	DeletionProtectionEnabled bool
	TableClassSummary         *TableClassSummary
}

// Int64 returns a pointer to v, for the optional capacity fields.
func Int64(v int64) *int64 { return &v }

// Int32 returns a pointer to v, for ListTablesInput.Limit.
func Int32(v int32) *int32 { return &v }

// Bool returns a pointer to v, for the optional boolean fields.
func Bool(v bool) *bool { return &v }

// TagResourceInput is TagResource's request: add or overwrite tags on the
// table (or index) named by ResourceArn.
type TagResourceInput struct {
	ResourceArn string
	Tags        []Tag
}

// UntagResourceInput is UntagResource's request: remove the tags with the
// given keys from the resource.
type UntagResourceInput struct {
	ResourceArn string
	TagKeys     []string
}

// ListTagsOfResourceInput is ListTagsOfResource's request. NextToken
// continues a previous page.
type ListTagsOfResourceInput struct {
	ResourceArn string
	NextToken   string
}

// ListTagsOfResourceOutput is ListTagsOfResource's response: the tags in
// ascending key order, and NextToken when more follow.
type ListTagsOfResourceOutput struct {
	Tags      []Tag
	NextToken string
}
