package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, c config)
	}{
		{name: "no flags run workload a on the disk cluster", check: func(t *testing.T, c config) {
			require.Equal(t, "a", c.workload)
			require.Equal(t, "disk", c.target)
			require.Equal(t, 10*time.Second, c.duration)
			require.Zero(t, c.rate)
			require.Zero(t, c.writeUnits)
			require.Equal(t, 10*time.Millisecond, c.backoff)
		}},
		{name: "unknown target", args: []string{"-target", "cassandra"}, wantErr: "unknown target"},
		{name: "compare on memory", args: []string{"-compare", "-target", "memory"}, wantErr: "disk cluster"},
		{name: "negative capacity", args: []string{"-wcu", "-1"}, wantErr: "not negative"},
		{name: "negative backoff", args: []string{"-throttle-backoff", "-1s"}, wantErr: "-throttle-backoff"},
		{name: "provisioned table", args: []string{"-target", "memory", "-rcu", "3000", "-wcu", "1000"}, check: func(t *testing.T, c config) {
			require.Equal(t, int64(3000), c.readUnits)
			require.Equal(t, int64(1000), c.writeUnits)
			require.Contains(t, describeTarget(c), "PROVISIONED 3000 RCU 1000 WCU")
		}},
		{name: "sweep with a rate", args: []string{"-sweep", "-rate", "10"}, wantErr: "drop -rate"},
		{name: "no workers", args: []string{"-concurrency", "0"}, wantErr: "at least 1"},
		{name: "stray argument", args: []string{"x"}, wantErr: "unexpected arguments"},
		{name: "open loop", args: []string{"-rate", "500", "-workload", "ddb", "-consistent"}, check: func(t *testing.T, c config) {
			require.InDelta(t, 500, c.rate, 0)
			require.Equal(t, "ddb", c.workload)
			require.True(t, c.consistent)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestHelpListsTheTargets(t *testing.T) {
	var help bytes.Buffer
	_, err := parseFlags([]string{"-h"}, &help)
	require.Error(t, err)
	for _, want := range []string{"disk", "memory", "http", "kv", "map", "tcp", "BatchWriteItem", "-compare", "-sweep", "-json", "-wcu"} {
		require.Contains(t, help.String(), want)
	}
	require.NotContains(t, help.String(), "Table step")
}

func TestWorkloadFlagsOverrideTheDefaults(t *testing.T) {
	c, err := parseFlags([]string{"-workload", "b", "-records", "50", "-item-size", "10", "-distribution", "uniform"}, io.Discard)
	require.NoError(t, err)
	w, err := c.workloadFor(0)
	require.NoError(t, err)
	require.Equal(t, uint64(50), w.RecordCount)
	require.Equal(t, 10, w.ItemSize)
	require.EqualValues(t, "uniform", w.Distribution)
	c.distribution = "pareto"
	_, err = c.workloadFor(0)
	require.ErrorContains(t, err, "distribution")
	c.workload = "g"
	_, err = c.workloadFor(0)
	require.ErrorContains(t, err, "unknown workload")
}

func quick(t *testing.T, args ...string) (config, string) {
	t.Helper()
	c, err := parseFlags(append([]string{"-duration", "100ms", "-progress", "0", "-concurrency", "4",
		"-records", "200", "-dir", t.TempDir(), "-json", filepath.Join(t.TempDir(), "out.json")}, args...), io.Discard)
	require.NoError(t, err)
	return c, c.jsonFile
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(data, &v))
	return v
}

func TestRunWritesAResult(t *testing.T) {
	c, path := quick(t, "-target", "map", "-workload", "e")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), c, &out))
	require.Contains(t, out.String(), "scan")
	v := readJSON(t, path)
	require.Equal(t, "e", v["workload"])
	require.Greater(t, v["operations"], 0.0)
}

// The table targets load with BatchWriteItem and answer every operation of
// the workload without errors.
func TestTableTargets(t *testing.T) {
	for _, tc := range []struct{ target, workload string }{
		{"memory", "f"},
		{"memory", "ddb"},
		{"disk", "a"},
		{"http", "e"},
		{"tcp", "c"},
	} {
		t.Run(tc.target+"/"+tc.workload, func(t *testing.T) {
			c, path := quick(t, "-target", tc.target, "-workload", tc.workload, "-consistent")
			var out bytes.Buffer
			require.NoError(t, run(context.Background(), c, &out))
			require.Regexp(t, `BatchWriteItem, \d+ throttled`, out.String())
			v := readJSON(t, path)
			require.Equal(t, tc.workload, v["workload"])
			require.Contains(t, v["target"], tc.target+" (")
			require.Greater(t, v["operations"], 0.0)
			require.Zero(t, v["errors"], "errors: %v", v["error_samples"])
		})
	}
}

func TestSweepRunsFiveOpenLoops(t *testing.T) {
	c, path := quick(t, "-target", "map", "-sweep")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), c, &out))
	v := readJSON(t, path)
	require.Len(t, v["open"], len(sweepLoads))
	require.Contains(t, out.String(), "125%")
}

func TestCompareMeasuresBothSides(t *testing.T) {
	c, path := quick(t, "-compare", "-item-size", "512")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), c, &out))
	require.Contains(t, out.String(), "ratios to the fdatasync ceiling")
	require.Contains(t, out.String(), "ratios to the replicated-write ceiling")
	v := readJSON(t, path)
	require.Greater(t, v["fdatasync"].(map[string]any)["syncs"], 0.0)
	require.Greater(t, v["kv_writes_concurrent"].(map[string]any)["operations"], 0.0)
	require.Greater(t, v["putitem_concurrent"].(map[string]any)["operations"], 0.0)
	require.Zero(t, v["putitem_concurrent"].(map[string]any)["errors"])
	require.Equal(t, "a", v["workload"].(map[string]any)["workload"])
	require.Greater(t, v["concurrent_ratio"], 0.0)
	require.Greater(t, v["putitem_concurrent_ratio"], 0.0)
	require.Greater(t, v["workload_ratio"], 0.0)
	entries, err := os.ReadDir(filepath.Dir(c.dir + "/x"))
	require.NoError(t, err)
	require.Empty(t, entries, "the run's directory is removed")
}
