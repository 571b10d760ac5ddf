package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/embeddynamo/dynamo/httpapi"
	"github.com/embeddynamo/dynamo/internal/bench/tabletarget"
)

// tcpNodes is how many node processes the tcp target starts.
const tcpNodes = 3

// launchTCP builds examples/server and starts tcpNodes of it as separate
// processes, each a node in its own zone talking to the others over TCP on
// loopback and serving DynamoDB's API; it returns an API reaching the
// first node's endpoint through the AWS SDK (the nodes route among
// themselves) and the function that stops the processes with SIGINT, as an
// operator would.
func launchTCP(ctx context.Context, dir string) (tabletarget.API, func() error, error) {
	bin := filepath.Join(dir, "server")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/embeddynamo/dynamo/examples/server")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("tcp target: build examples/server: %w: %s", err, out)
	}
	raft, api, err := freeAddrs(2 * tcpNodes)
	if err != nil {
		return nil, nil, err
	}
	var members []string
	for i := range tcpNodes {
		members = append(members, fmt.Sprintf("%d=zone-%d@%s", i+1, i+1, raft[i]))
	}
	var procs []*exec.Cmd
	stop := func() error {
		var errs []error
		for _, p := range procs {
			_ = p.Process.Signal(os.Interrupt)
		}
		for _, p := range procs {
			if err := p.Wait(); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	for i := range tcpNodes {
		p := exec.Command(bin, "-node", fmt.Sprint(i+1), "-members", strings.Join(members, ","),
			"-addr", api[i], "-data", filepath.Join(dir, fmt.Sprintf("node-%d", i+1)))
		p.Stdout, p.Stderr = os.Stderr, os.Stderr
		if err := p.Start(); err != nil {
			_ = stop()
			return nil, nil, fmt.Errorf("tcp target: start node %d: %w", i+1, err)
		}
		procs = append(procs, p)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	for i := range tcpNodes {
		if err := waitHealthy(ctx, &http.Client{Transport: transport}, "http://"+api[i]); err != nil {
			_ = stop()
			return nil, nil, fmt.Errorf("tcp target: node %d: %w", i+1, err)
		}
	}
	sdk := dynamodb.New(dynamodb.Options{
		Region:       httpapi.DefaultRegion,
		BaseEndpoint: aws.String("http://" + api[0]),
		Credentials:  credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		HTTPClient:   &http.Client{Transport: transport},
		Retryer:      tabletarget.ConnectionRetryer(),
	})
	return tabletarget.NewSDKAPI(sdk), func() error {
		transport.CloseIdleConnections()
		return stop()
	}, nil
}

// freeAddrs returns loopback addresses whose ports were free a moment ago,
// split in two halves.
func freeAddrs(n int) ([]string, []string, error) {
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		out = append(out, ln.Addr().String())
		if err := ln.Close(); err != nil {
			return nil, nil, err
		}
	}
	return out[:n/2], out[n/2:], nil
}

// waitHealthy polls url's health check until it answers 200 or ctx ends.
func waitHealthy(ctx context.Context, c *http.Client, url string) error {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		t := time.NewTimer(time.Duration(min(attempt, 10)) * 20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
