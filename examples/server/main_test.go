package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// The SDK clients' idle keep-alive connections are theirs, not the
// server's.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"), goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
}

func TestParseFlags(t *testing.T) {
	_, err := parseFlags([]string{"-addr", "0.0.0.0:8000"})
	require.ErrorContains(t, err, "beyond loopback")
	_, err = parseFlags([]string{"-addr", "0.0.0.0:8000", "-allow-remote"})
	require.NoError(t, err)
	_, err = parseFlags([]string{"-addr", "0.0.0.0:8000", "-access-key", "k", "-secret-key", "s"})
	require.NoError(t, err)
	_, err = parseFlags([]string{"-access-key", "k"})
	require.ErrorContains(t, err, "go together")
	_, err = parseFlags([]string{"-node", "1"})
	require.ErrorContains(t, err, "go together")
	c, err := parseFlags(nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8000", c.addr)
	require.Equal(t, "./dynamo-data", c.data)
	require.Equal(t, 3, c.nodes)

	members, err := parseMembers("1=zone-a@127.0.0.1:7001, 2=zone-b@127.0.0.1:7002")
	require.NoError(t, err)
	require.Len(t, members, 2)
	require.Equal(t, "zone-b", members[1].Zone)
	for _, bad := range []string{"1=zone", "x=z@h:1", "0=z@h:1", "1=@h:1"} {
		_, err := parseMembers(bad)
		require.Error(t, err, bad)
	}
}

// server runs the command in the background; stop shuts it down and
// returns run's error.
type server struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg config) *server {
	t.Helper()
	return launch(cfg).wait(t)
}

// launching is a server started but perhaps not yet ready.
type launching struct {
	s     *server
	ready chan string
}

// launch starts the command in the background; wait waits until it
// serves.
func launch(cfg config) *launching {
	ctx, cancel := context.WithCancel(context.Background())
	l := &launching{s: &server{cancel: cancel, done: make(chan error, 1)}, ready: make(chan string, 1)}
	go func() { l.s.done <- run(ctx, cfg, l.ready) }()
	return l
}

func (l *launching) wait(t *testing.T) *server {
	t.Helper()
	s, ready, cancel := l.s, l.ready, l.s.cancel
	select {
	case s.addr = <-ready:
	case err := <-s.done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("server did not start within a minute")
	}
	return s
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	require.NoError(t, <-s.done)
}

func sdk(addr string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials:  credentials.NewStaticCredentialsProvider("k", "s", ""),
	})
}

func createTable(ctx context.Context, t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("kvs"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	require.NoError(t, err)
	require.NoError(t, dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 100*time.Millisecond
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("kvs")}, time.Minute))
}

func put(ctx context.Context, t *testing.T, c *dynamodb.Client, k string) {
	t.Helper()
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("kvs"),
		Item: map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: k}}})
	require.NoError(t, err)
}

func count(ctx context.Context, t *testing.T, c *dynamodb.Client) int {
	t.Helper()
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("kvs"), ConsistentRead: aws.Bool(true), Select: types.SelectCount})
	require.NoError(t, err)
	return int(out.Count)
}

// Data written through the embedded server survives a graceful stop and a
// start on the same directory.
func TestEmbeddedServerSurvivesRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg, err := parseFlags([]string{"-addr", "127.0.0.1:0", "-data", t.TempDir()})
	require.NoError(t, err)
	s := start(t, cfg)
	c := sdk(s.addr)
	createTable(ctx, t, c)
	for i := range 20 {
		put(ctx, t, c, fmt.Sprint(i))
	}
	s.stop(t)

	s = start(t, cfg)
	defer s.stop(t)
	require.Equal(t, 20, count(ctx, t, sdk(s.addr)))
}

// freeAddrs returns n loopback addresses with ports free a moment ago.
func freeAddrs(t *testing.T, n int) []string {
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		out = append(out, ln.Addr().String())
		require.NoError(t, ln.Close())
	}
	return out
}

// Three nodes, each its own server as separate processes would run them,
// talking over TCP: a table created through one endpoint is written through
// another and read through the third.
func TestMultiProcessCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tcp := freeAddrs(t, 3)
	var members []string
	for i, a := range tcp {
		members = append(members, fmt.Sprintf("%d=zone-%d@%s", i+1, i+1, a))
	}
	// Each node waits for a quorum of the system table before it serves:
	// start them together, as separate processes would be.
	var starting []*launching
	for i := range 3 {
		cfg, err := parseFlags([]string{"-node", fmt.Sprint(i + 1), "-members", strings.Join(members, ","),
			"-addr", "127.0.0.1:0", "-data", t.TempDir()})
		require.NoError(t, err)
		starting = append(starting, launch(cfg))
	}
	var servers []*server
	for _, l := range starting {
		servers = append(servers, l.wait(t))
	}
	defer func() {
		for _, s := range servers {
			s.stop(t)
		}
	}()
	createTable(ctx, t, sdk(servers[0].addr))
	for i := range 10 {
		put(ctx, t, sdk(servers[1].addr), fmt.Sprint(i))
	}
	require.Equal(t, 10, count(ctx, t, sdk(servers[2].addr)))
}
