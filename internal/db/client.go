// Package db assembles the database from its parts: storage nodes
// (internal/node), the control plane and the system table (internal/meta),
// the router (internal/router) and the data plane (internal/dataplane). It
// offers a Client with DynamoDB's API, a standalone Node for one process of
// a multi-process cluster, and an in-process Cluster of many nodes, which
// the root package exports.
package db

import (
	"context"
	"time"

	"github.com/embeddynamo/dynamo/internal/admission"
	"github.com/embeddynamo/dynamo/internal/api"
	"github.com/embeddynamo/dynamo/internal/catalog"
	"github.com/embeddynamo/dynamo/internal/dataplane"
	"github.com/embeddynamo/dynamo/internal/meta"
	"github.com/embeddynamo/dynamo/internal/router"
	"github.com/embeddynamo/dynamo/internal/transport"
)

// DefaultTimeout bounds a request whose context has no deadline.
const DefaultTimeout = router.DefaultTimeout

// Client runs DynamoDB's API against a cluster: the data plane through the
// router to the partitions, the control plane through the active
// controller. It is safe for concurrent use. A request whose context has
// no deadline gets DefaultTimeout.
type Client struct {
	data   *dataplane.Service
	router *router.Router
	meta   *meta.Client
}

var _ api.Service = (*Client)(nil)

func newClient(gw meta.Gateway, voters []transport.NodeID, opts dataplane.Options) *Client {
	mc := meta.NewClient(gw, voters)
	r := router.New(gw, mc, DefaultTimeout)
	return &Client{data: dataplane.New(r, opts), router: r, meta: mc}
}

func bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

// PutItem creates an item or replaces it whole.
func (c *Client) PutItem(ctx context.Context, in *api.PutItemInput) (*api.PutItemOutput, error) {
	return c.data.PutItem(ctx, in)
}

// GetItem reads one item by its primary key.
func (c *Client) GetItem(ctx context.Context, in *api.GetItemInput) (*api.GetItemOutput, error) {
	return c.data.GetItem(ctx, in)
}

// UpdateItem changes attributes of an item, creating it if it is missing.
func (c *Client) UpdateItem(ctx context.Context, in *api.UpdateItemInput) (*api.UpdateItemOutput, error) {
	return c.data.UpdateItem(ctx, in)
}

// DeleteItem deletes one item by its primary key.
func (c *Client) DeleteItem(ctx context.Context, in *api.DeleteItemInput) (*api.DeleteItemOutput, error) {
	return c.data.DeleteItem(ctx, in)
}

// Query reads one page of the items of one item collection.
func (c *Client) Query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	return c.data.Query(ctx, in)
}

// Scan reads one page of a table's items.
func (c *Client) Scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	return c.data.Scan(ctx, in)
}

// BatchGetItem reads up to 100 items from one or more tables.
func (c *Client) BatchGetItem(ctx context.Context, in *api.BatchGetItemInput) (*api.BatchGetItemOutput, error) {
	return c.data.BatchGetItem(ctx, in)
}

// BatchWriteItem puts or deletes up to 25 items in one or more tables.
func (c *Client) BatchWriteItem(ctx context.Context, in *api.BatchWriteItemInput) (*api.BatchWriteItemOutput, error) {
	return c.data.BatchWriteItem(ctx, in)
}

// CreateTable creates a table. It returns at once with the table CREATING;
// the control plane creates its partitions and makes it ACTIVE (WaitForTable
// waits for that).
func (c *Client) CreateTable(ctx context.Context, in *catalog.CreateTableInput) (*catalog.CreateTableOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.CreateTableOutput
	if err := c.meta.Call(ctx, meta.OpCreateTable, in, &out); err != nil {
		return nil, err
	}
	c.router.Invalidate(in.TableName)
	return &out, nil
}

// DescribeTable describes a table.
func (c *Client) DescribeTable(ctx context.Context, in *catalog.DescribeTableInput) (*catalog.DescribeTableOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.DescribeTableOutput
	if err := c.meta.Call(ctx, meta.OpDescribeTable, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateTable changes a table's capacity or billing mode.
func (c *Client) UpdateTable(ctx context.Context, in *catalog.UpdateTableInput) (*catalog.UpdateTableOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.UpdateTableOutput
	if err := c.meta.Call(ctx, meta.OpUpdateTable, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteTable deletes a table and every item in it. It returns at once with
// the table DELETING; WaitForTableDeleted waits until it is gone.
func (c *Client) DeleteTable(ctx context.Context, in *catalog.DeleteTableInput) (*catalog.DeleteTableOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.DeleteTableOutput
	if err := c.meta.Call(ctx, meta.OpDeleteTable, in, &out); err != nil {
		return nil, err
	}
	c.router.Invalidate(in.TableName)
	return &out, nil
}

// ListTables lists table names in ascending order, a page at a time.
func (c *Client) ListTables(ctx context.Context, in *catalog.ListTablesInput) (*catalog.ListTablesOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.ListTablesOutput
	if err := c.meta.Call(ctx, meta.OpListTables, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// TagResource adds tags to a table, replacing the values of existing keys.
func (c *Client) TagResource(ctx context.Context, in *catalog.TagResourceInput) error {
	ctx, cancel := bound(ctx)
	defer cancel()
	return c.meta.Call(ctx, meta.OpTagResource, in, nil)
}

// UntagResource removes tags from a table.
func (c *Client) UntagResource(ctx context.Context, in *catalog.UntagResourceInput) error {
	ctx, cancel := bound(ctx)
	defer cancel()
	return c.meta.Call(ctx, meta.OpUntagResource, in, nil)
}

// ListTagsOfResource lists a table's tags.
func (c *Client) ListTagsOfResource(ctx context.Context, in *catalog.ListTagsOfResourceInput) (*catalog.ListTagsOfResourceOutput, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out catalog.ListTagsOfResourceOutput
	if err := c.meta.Call(ctx, meta.OpListTagsOfResource, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Stats returns the client's own metrics: per table, the requests global
// admission control refused before they left, by reason, and the latency of
// the requests it sent. The nodes' metrics (Cluster.Stats) count what the
// partitions admitted and refused.
func (c *Client) Stats() admission.Stats { return c.router.Stats() }

// Events returns the control plane's latest decisions (table state changes,
// splits and refused splits, nodes declared dead or live again, heals,
// moves and leadership hand-offs, reconciliations), oldest first: what,
// why, and the outcome. They are kept in the system table, so they outlive
// the node that recorded them.
func (c *Client) Events(ctx context.Context) ([]meta.Event, error) {
	ctx, cancel := bound(ctx)
	defer cancel()
	var out meta.EventsOutput
	if err := c.meta.Call(ctx, meta.OpEvents, struct{}{}, &out); err != nil {
		return nil, err
	}
	return out.Events, nil
}

// WaitForTable waits until table name is ACTIVE, or ctx ends.
func (c *Client) WaitForTable(ctx context.Context, name string) error {
	return c.wait(ctx, name, func(out *catalog.DescribeTableOutput, err error) (bool, error) {
		if err != nil {
			return false, err
		}
		return out.Table.TableStatus == catalog.TableStatusActive, nil
	})
}

// WaitForTableDeleted waits until table name no longer exists, or ctx ends.
func (c *Client) WaitForTableDeleted(ctx context.Context, name string) error {
	return c.wait(ctx, name, func(_ *catalog.DescribeTableOutput, err error) (bool, error) {
		if err == nil {
			return false, nil
		}
		if isNotFound(err) {
			return true, nil
		}
		return false, err
	})
}

// wait polls DescribeTable until done says so, pausing a little longer each
// time up to 100ms.
func (c *Client) wait(ctx context.Context, name string, done func(*catalog.DescribeTableOutput, error) (bool, error)) error {
	for i := 1; ; i++ {
		out, err := c.DescribeTable(ctx, &catalog.DescribeTableInput{TableName: name})
		ok, err := done(out, err)
		if err != nil || ok {
			return err
		}
		if err := meta.Backoff(ctx, i, 100*time.Millisecond); err != nil {
			return err
		}
	}
}
