// Command server runs a DynamoDB-compatible server: DynamoDB's HTTP API over
// a dynamo cluster, so that the AWS CLI and any AWS SDK work against it with
// --endpoint-url.
//
// By default it runs an embedded 3-node, 3-zone cluster in one process, on
// disk in ./dynamo-data, and listens on 127.0.0.1:8000:
//
//	go run ./examples/server
//	aws dynamodb list-tables --endpoint-url http://127.0.0.1:8000
//
// With -node and -members each node is its own process, the nodes talking
// over TCP, each serving the API on its own -addr:
//
//	go run ./examples/server -node 1 -members 1=zone-1@127.0.0.1:7001,2=zone-2@127.0.0.1:7002,3=zone-3@127.0.0.1:7003 -addr 127.0.0.1:8001 -data data-1
//	(and the same with -node 2, -addr 127.0.0.1:8002, -data data-2; -node 3 ...)
//
// Without -access-key and -secret-key any credentials are accepted, as by
// DynamoDB Local, and the server then refuses to listen beyond loopback
// unless -allow-remote is given. SIGINT or SIGTERM stops it gracefully:
// requests in flight finish, and everything acknowledged is on disk.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/embeddynamo/dynamo"
	"github.com/embeddynamo/dynamo/httpapi"
)

// config is the command line.
type config struct {
	addr        string
	data        string
	inMemory    bool
	nodes       int
	zones       int
	accessKey   string
	secretKey   string
	allowRemote bool
	region      string
	node        int
	members     string
	verbose     bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8000", "address the DynamoDB API listens on")
	fs.StringVar(&c.data, "data", "./dynamo-data", "data directory")
	fs.BoolVar(&c.inMemory, "in-memory", false, "keep everything in memory (no files; nothing survives a stop)")
	fs.IntVar(&c.nodes, "nodes", 3, "storage nodes of the embedded cluster")
	fs.IntVar(&c.zones, "zones", 3, "zones of the embedded cluster")
	fs.StringVar(&c.accessKey, "access-key", "", "access key ID requests must be signed with (with -secret-key)")
	fs.StringVar(&c.secretKey, "secret-key", "", "secret access key requests must be signed with (with -access-key)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "listen beyond loopback even though any credentials are accepted")
	fs.StringVar(&c.region, "region", httpapi.DefaultRegion, "region requests are signed for and ARNs name")
	fs.IntVar(&c.node, "node", 0, "this process's node ID in a multi-process cluster (with -members)")
	fs.StringVar(&c.members, "members", "", "multi-process cluster: ID=ZONE@HOST:PORT,... for every node (the TCP address nodes talk on)")
	fs.BoolVar(&c.verbose, "v", false, "log the cluster's events")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if (c.accessKey == "") != (c.secretKey == "") {
		return c, errors.New("-access-key and -secret-key go together")
	}
	if (c.node == 0) != (c.members == "") {
		return c, errors.New("-node and -members go together")
	}
	if c.accessKey == "" && !c.allowRemote && !loopback(c.addr) {
		return c, fmt.Errorf("refusing to listen on %s, beyond loopback, while accepting any credentials: set -access-key and -secret-key, or -allow-remote", c.addr)
	}
	return c, nil
}

// loopback reports whether addr's host is a loopback address or name.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseMembers reads ID=ZONE@HOST:PORT,...
func parseMembers(s string) ([]dynamo.Member, error) {
	var out []dynamo.Member
	for _, part := range strings.Split(s, ",") {
		idText, rest, ok := strings.Cut(strings.TrimSpace(part), "=")
		zone, addr, ok2 := strings.Cut(rest, "@")
		if !ok || !ok2 || zone == "" || addr == "" {
			return nil, fmt.Errorf("member %q: want ID=ZONE@HOST:PORT", part)
		}
		id, err := strconv.ParseUint(idText, 10, 32)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("member %q: bad node ID", part)
		}
		out = append(out, dynamo.Member{ID: dynamo.NodeID(id), Zone: zone, Address: addr})
	}
	return out, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, nil); err != nil {
		log.Fatal(err)
	}
}

// backend is what the server serves: an embedded cluster or one node.
type backend interface {
	Client() *dynamo.Client
	Close() error
}

// run serves until ctx ends, then shuts down gracefully. ready, when set,
// receives the address the API listens on.
func run(ctx context.Context, cfg config, ready chan<- string) error {
	logger := slog.New(slog.DiscardHandler)
	if cfg.verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	b, what, err := open(startCtx, cfg, logger)
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			_ = b.Close()
		}
	}()

	opts := httpapi.Options{Region: cfg.region}
	if cfg.accessKey != "" {
		opts.Credentials = map[string]string{cfg.accessKey: cfg.secretKey}
	} else {
		opts.AllowAnyCredentials = true
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: httpapi.NewHandler(b.Client(), opts), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Printf("serving DynamoDB's API on http://%s: %s", ln.Addr(), what)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Printf("shutting down")
	shutCtx, cancelShut := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancelShut()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	closed = true
	return b.Close()
}

// open starts the embedded cluster, or this process's node of a
// multi-process cluster.
func open(ctx context.Context, cfg config, logger *slog.Logger) (backend, string, error) {
	if cfg.members == "" {
		opts := dynamo.ClusterOptions{Nodes: cfg.nodes, Zones: cfg.zones, Dir: cfg.data, InMemory: cfg.inMemory, Region: cfg.region, Logger: logger}
		c, err := dynamo.OpenCluster(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		where := "on disk in " + cfg.data
		if cfg.inMemory {
			where = "in memory"
		}
		return c, fmt.Sprintf("embedded cluster of %d nodes in %d zones %s", cfg.nodes, min(cfg.zones, cfg.nodes), where), nil
	}
	members, err := parseMembers(cfg.members)
	if err != nil {
		return nil, "", err
	}
	var self *dynamo.Member
	peers := map[dynamo.NodeID]string{}
	for i, m := range members {
		peers[m.ID] = m.Address
		if m.ID == dynamo.NodeID(cfg.node) {
			self = &members[i]
		}
	}
	if self == nil {
		return nil, "", fmt.Errorf("-node %d is not among -members", cfg.node)
	}
	tr, err := dynamo.NewTCPTransport(dynamo.TCPOptions{ID: self.ID, ClusterID: 1, ListenAddr: self.Address, Peers: peers, Logger: logger})
	if err != nil {
		return nil, "", err
	}
	dir := cfg.data
	if cfg.inMemory {
		dir = ""
	}
	n, err := dynamo.OpenNode(ctx, dynamo.NodeOptions{ID: self.ID, Zone: self.Zone, Members: members, Transport: tr, Dir: dir, Region: cfg.region, Logger: logger})
	if err != nil {
		_ = tr.Close()
		return nil, "", err
	}
	log.Printf("node %d open; waiting for a quorum of the cluster's system table to join", self.ID)
	if err := n.WaitJoined(ctx); err != nil {
		_ = n.Close()
		return nil, "", err
	}
	return n, fmt.Sprintf("node %d of %d in %s, talking to its peers on %s", self.ID, len(members), self.Zone, self.Address), nil
}
