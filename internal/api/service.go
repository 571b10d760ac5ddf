package api

import (
	"context"

	"github.com/embeddynamo/dynamo/internal/catalog"
)

// DataPlane is DynamoDB's data-plane API. The cluster's router implements it
// (internal/dataplane over the cluster's backend), and so does the reference
// model the randomized tests compare it with. Errors are dberr exceptions.
type DataPlane interface {
	PutItem(ctx context.Context, in *PutItemInput) (*PutItemOutput, error)
	GetItem(ctx context.Context, in *GetItemInput) (*GetItemOutput, error)
	UpdateItem(ctx context.Context, in *UpdateItemInput) (*UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *DeleteItemInput) (*DeleteItemOutput, error)
	Query(ctx context.Context, in *QueryInput) (*QueryOutput, error)
	Scan(ctx context.Context, in *ScanInput) (*ScanOutput, error)
	BatchGetItem(ctx context.Context, in *BatchGetItemInput) (*BatchGetItemOutput, error)
	BatchWriteItem(ctx context.Context, in *BatchWriteItemInput) (*BatchWriteItemOutput, error)
}

// ControlPlane is DynamoDB's table management API.
type ControlPlane interface {
	CreateTable(ctx context.Context, in *catalog.CreateTableInput) (*catalog.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *catalog.DescribeTableInput) (*catalog.DescribeTableOutput, error)
	UpdateTable(ctx context.Context, in *catalog.UpdateTableInput) (*catalog.UpdateTableOutput, error)
	DeleteTable(ctx context.Context, in *catalog.DeleteTableInput) (*catalog.DeleteTableOutput, error)
	ListTables(ctx context.Context, in *catalog.ListTablesInput) (*catalog.ListTablesOutput, error)
	TagResource(ctx context.Context, in *catalog.TagResourceInput) error
	UntagResource(ctx context.Context, in *catalog.UntagResourceInput) error
	ListTagsOfResource(ctx context.Context, in *catalog.ListTagsOfResourceInput) (*catalog.ListTagsOfResourceOutput, error)
}

// Service is the whole API an endpoint serves.
type Service interface {
	DataPlane
	ControlPlane
}
