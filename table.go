package dynamo

import (
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/db"
	"github.com/embeddynamo/dynamo/internal/meta"
)

// Client runs DynamoDB's API against a cluster: PutItem, GetItem,
// UpdateItem, DeleteItem, Query, Scan, BatchGetItem and BatchWriteItem
// through the router to the partitions' replicas, and CreateTable,
// DescribeTable, UpdateTable, DeleteTable, ListTables and the tagging
// operations through the control plane. Inputs and outputs are shaped and
// named after DynamoDB's (and the AWS SDK for Go v2's); errors are the
// exceptions of errors.go, with DynamoDB's names and messages. Get one
// from Cluster.Client or Node.Client; it is safe for concurrent use.
//
// The router caches each table's partition map and retries, within the
// context's deadline (DefaultTimeout when it has none), when a leader moves
// or a partition splits. A write whose outcome cannot be known (its leader
// died after receiving it) fails with an InternalServerError unless
// repeating it is harmless, as DynamoDB answers.
type Client = db.Client

// Event is one decision of the control plane (Client.Events): a table
// changing state, a partition split or a split refused, a node declared
// dead, a replica healed or moved, with what, why and the outcome.
type Event = meta.Event

// DefaultTimeout bounds a Client request whose context has no deadline.
const DefaultTimeout = db.DefaultTimeout

// The control plane's inputs and outputs, named after DynamoDB's.

// KeyType is DynamoDB's KeyType.
type KeyType = catalog.KeyType

// ScalarAttributeType is DynamoDB's ScalarAttributeType.
type ScalarAttributeType = catalog.ScalarAttributeType

// BillingMode is DynamoDB's BillingMode.
type BillingMode = catalog.BillingMode

// ProjectionType is DynamoDB's ProjectionType.
type ProjectionType = catalog.ProjectionType

// TableStatus is DynamoDB's TableStatus.
type TableStatus = catalog.TableStatus

// IndexStatus is DynamoDB's IndexStatus.
type IndexStatus = catalog.IndexStatus

// StreamViewType is DynamoDB's StreamViewType.
type StreamViewType = catalog.StreamViewType

// TableClass is DynamoDB's TableClass.
type TableClass = catalog.TableClass

// SSEType is DynamoDB's SSEType.
type SSEType = catalog.SSEType

// SSEStatus is DynamoDB's SSEStatus.
type SSEStatus = catalog.SSEStatus

// KeySchemaElement is DynamoDB's KeySchemaElement.
type KeySchemaElement = catalog.KeySchemaElement

// AttributeDefinition is DynamoDB's AttributeDefinition.
type AttributeDefinition = catalog.AttributeDefinition

// ProvisionedThroughput is DynamoDB's ProvisionedThroughput.
type ProvisionedThroughput = catalog.ProvisionedThroughput

// Projection is DynamoDB's Projection.
type Projection = catalog.Projection

// GlobalSecondaryIndex is DynamoDB's GlobalSecondaryIndex.
type GlobalSecondaryIndex = catalog.GlobalSecondaryIndex

// LocalSecondaryIndex is DynamoDB's LocalSecondaryIndex.
type LocalSecondaryIndex = catalog.LocalSecondaryIndex

// StreamSpecification is DynamoDB's StreamSpecification.
type StreamSpecification = catalog.StreamSpecification

// SSESpecification is DynamoDB's SSESpecification.
type SSESpecification = catalog.SSESpecification

// Tag is DynamoDB's Tag.
type Tag = catalog.Tag

// CreateTableInput is DynamoDB's CreateTableInput.
type CreateTableInput = catalog.CreateTableInput

// CreateTableOutput is DynamoDB's CreateTableOutput.
type CreateTableOutput = catalog.CreateTableOutput

// CreateGlobalSecondaryIndexAction is DynamoDB's CreateGlobalSecondaryIndexAction.
type CreateGlobalSecondaryIndexAction = catalog.CreateGlobalSecondaryIndexAction

// UpdateGlobalSecondaryIndexAction is DynamoDB's UpdateGlobalSecondaryIndexAction.
type UpdateGlobalSecondaryIndexAction = catalog.UpdateGlobalSecondaryIndexAction

// DeleteGlobalSecondaryIndexAction is DynamoDB's DeleteGlobalSecondaryIndexAction.
type DeleteGlobalSecondaryIndexAction = catalog.DeleteGlobalSecondaryIndexAction

// GlobalSecondaryIndexUpdate is DynamoDB's GlobalSecondaryIndexUpdate.
type GlobalSecondaryIndexUpdate = catalog.GlobalSecondaryIndexUpdate

// UpdateTableInput is DynamoDB's UpdateTableInput.
type UpdateTableInput = catalog.UpdateTableInput

// UpdateTableOutput is DynamoDB's UpdateTableOutput.
type UpdateTableOutput = catalog.UpdateTableOutput

// DeleteTableInput is DynamoDB's DeleteTableInput.
type DeleteTableInput = catalog.DeleteTableInput

// DeleteTableOutput is DynamoDB's DeleteTableOutput.
type DeleteTableOutput = catalog.DeleteTableOutput

// DescribeTableInput is DynamoDB's DescribeTableInput.
type DescribeTableInput = catalog.DescribeTableInput

// DescribeTableOutput is DynamoDB's DescribeTableOutput.
type DescribeTableOutput = catalog.DescribeTableOutput

// ListTablesInput is DynamoDB's ListTablesInput.
type ListTablesInput = catalog.ListTablesInput

// ListTablesOutput is DynamoDB's ListTablesOutput.
type ListTablesOutput = catalog.ListTablesOutput

// BillingModeSummary is DynamoDB's BillingModeSummary.
type BillingModeSummary = catalog.BillingModeSummary

// ProvisionedThroughputDescription is DynamoDB's ProvisionedThroughputDescription.
type ProvisionedThroughputDescription = catalog.ProvisionedThroughputDescription

// GlobalSecondaryIndexDescription is DynamoDB's GlobalSecondaryIndexDescription.
type GlobalSecondaryIndexDescription = catalog.GlobalSecondaryIndexDescription

// LocalSecondaryIndexDescription is DynamoDB's LocalSecondaryIndexDescription.
type LocalSecondaryIndexDescription = catalog.LocalSecondaryIndexDescription

// SSEDescription is DynamoDB's SSEDescription.
type SSEDescription = catalog.SSEDescription

// TableClassSummary is DynamoDB's TableClassSummary.
type TableClassSummary = catalog.TableClassSummary

// TableDescription is DynamoDB's TableDescription.
type TableDescription = catalog.TableDescription

// TagResourceInput is DynamoDB's TagResourceInput.
type TagResourceInput = catalog.TagResourceInput

// UntagResourceInput is DynamoDB's UntagResourceInput.
type UntagResourceInput = catalog.UntagResourceInput

// ListTagsOfResourceInput is DynamoDB's ListTagsOfResourceInput.
type ListTagsOfResourceInput = catalog.ListTagsOfResourceInput

// ListTagsOfResourceOutput is DynamoDB's ListTagsOfResourceOutput.
type ListTagsOfResourceOutput = catalog.ListTagsOfResourceOutput

// The values of the control plane's enumerations.
const (
	KeyTypeHash                        = catalog.KeyTypeHash
	KeyTypeRange                       = catalog.KeyTypeRange
	ScalarAttributeTypeS               = catalog.ScalarAttributeTypeS
	ScalarAttributeTypeN               = catalog.ScalarAttributeTypeN
	ScalarAttributeTypeB               = catalog.ScalarAttributeTypeB
	BillingModeProvisioned             = catalog.BillingModeProvisioned
	BillingModePayPerRequest           = catalog.BillingModePayPerRequest
	ProjectionTypeAll                  = catalog.ProjectionTypeAll
	ProjectionTypeKeysOnly             = catalog.ProjectionTypeKeysOnly
	ProjectionTypeInclude              = catalog.ProjectionTypeInclude
	TableStatusCreating                = catalog.TableStatusCreating
	TableStatusActive                  = catalog.TableStatusActive
	TableStatusUpdating                = catalog.TableStatusUpdating
	TableStatusDeleting                = catalog.TableStatusDeleting
	IndexStatusCreating                = catalog.IndexStatusCreating
	IndexStatusActive                  = catalog.IndexStatusActive
	IndexStatusUpdating                = catalog.IndexStatusUpdating
	IndexStatusDeleting                = catalog.IndexStatusDeleting
	StreamViewTypeKeysOnly             = catalog.StreamViewTypeKeysOnly
	StreamViewTypeNewImage             = catalog.StreamViewTypeNewImage
	StreamViewTypeOldImage             = catalog.StreamViewTypeOldImage
	StreamViewTypeNewAndOldImages      = catalog.StreamViewTypeNewAndOldImages
	TableClassStandard                 = catalog.TableClassStandard
	TableClassStandardInfrequentAccess = catalog.TableClassStandardInfrequentAccess
	SSETypeAES256                      = catalog.SSETypeAES256
	SSETypeKMS                         = catalog.SSETypeKMS
	SSEStatusEnabled                   = catalog.SSEStatusEnabled
)
