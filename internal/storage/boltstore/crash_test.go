package boltstore_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"

	"github.com/embeddynamo/dynamo/internal/storage"
	"github.com/embeddynamo/dynamo/internal/storage/boltstore"
)

// The crash test runs the test binary itself as a child process that commits
// numbered batches to a bolt file and reports each acknowledged commit on
// stdout; the parent SIGKILLs it at a seeded moment and checks the file.
const crashChildEnv = "DYNAMO_BOLTSTORE_CRASH_CHILD"

var (
	crashRounds = flag.Int("crash.rounds", 20, "kill-and-check rounds of TestCrashRecovery")
	crashSeed   = flag.Uint64("crash.seed", 1, "seed of TestCrashRecovery's kill points and batches")
)

// crashRuns counts runs of TestCrashRecovery in this process, so that
// -count=N explores N different (still reproducible) seed sequences.
var crashRuns uint64

func TestMain(m *testing.M) {
	if spec := os.Getenv(crashChildEnv); spec != "" {
		os.Exit(crashChild(spec))
	}
	goleak.VerifyTestMain(m)
}

// crashSpec is what the parent tells the child.
type crashSpec struct {
	Path    string `json:"path"`
	Seed    uint64 `json:"seed"`
	Relaxed bool   `json:"relaxed"`
}

// Batch i writes a marker key batchKey(i) holding the number of pairs n, the
// pairs pairKey(i, j) for j < n, the key "counter" = i, meta group 1 = i, and
// deletes batch i-keepBatches with one DeleteRange. So after batch M the
// store holds exactly batches M-keepBatches+1 .. M.
const keepBatches = 3

func batchKey(i int) []byte   { return fmt.Appendf(nil, "b%08d", i) }
func pairKey(i, j int) []byte { return fmt.Appendf(nil, "b%08d/%03d", i, j) }
func pairValue(i, j int) []byte {
	size := 16 + (i*7919+j*104729)%3000
	v := bytes.Repeat(fmt.Appendf(nil, "<%d.%d>", i, j), size/5+1)
	return v[:size]
}

func crashChild(specJSON string) int {
	var spec crashSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	e, err := boltstore.Open(spec.Path, &boltstore.Options{RelaxedSync: spec.Relaxed})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 2
	}
	last := 0
	if m, err := e.Meta(1); err == nil {
		if last, err = strconv.Atoi(string(m)); err != nil {
			fmt.Fprintln(os.Stderr, "crash child: meta:", err)
			return 2
		}
	}
	rng := rand.New(rand.NewPCG(spec.Seed, 99))
	b := e.NewBatch()
	for i := last + 1; i < last+100000; i++ {
		b.Reset()
		n := 1 + rng.IntN(40)
		b.Set(batchKey(i), []byte(strconv.Itoa(n)))
		for j := range n {
			b.Set(pairKey(i, j), pairValue(i, j))
		}
		b.Set([]byte("counter"), []byte(strconv.Itoa(i)))
		b.DeleteRange(batchKey(i-keepBatches), batchKey(i-keepBatches+1))
		b.SetMeta(1, []byte(strconv.Itoa(i)))
		sync := rng.IntN(3) == 0
		if err := e.Commit(b, sync); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			return 2
		}
		syncFlag := 0
		if sync {
			syncFlag = 1
		}
		// One write system call per ack: what reached the pipe was
		// acknowledged after Commit returned.
		if _, err := fmt.Fprintf(os.Stdout, "ack %d %d\n", i, syncFlag); err != nil {
			return 2
		}
	}
	return 0
}

// ack is one acknowledged batch.
type ack struct {
	batch int
	sync  bool
}

// runCrashChild starts a child on path, kills it with SIGKILL after killAfter
// acknowledgements, and returns every acknowledgement it wrote.
func runCrashChild(t *testing.T, spec crashSpec, killAfter int) []ack {
	t.Helper()
	specJSON, err := json.Marshal(spec)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+string(specJSON))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var acks []ack
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var a ack
		var syncFlag int
		if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &a.batch, &syncFlag); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child wrote %q: %v", sc.Text(), err)
		}
		a.sync = syncFlag == 1
		acks = append(acks, a)
		if len(acks) == killAfter && !killed {
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
		}
	}
	require.NoError(t, sc.Err())
	err = cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "child must die of SIGKILL, got %v", err)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "child must die of SIGKILL, got %v", err)
	return acks
}

// checkCrashState opens the file after a kill and checks it against the
// acknowledgements; it returns the last batch present.
func checkCrashState(t *testing.T, path string, acks []ack, before int) int {
	t.Helper()
	// bbolt's own consistency check first: pages, freelist, buckets.
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	}), "bbolt consistency check")
	require.NoError(t, db.Close())

	e, err := boltstore.Open(path, nil)
	require.NoError(t, err)
	defer e.Close()
	m, err := e.Meta(1)
	require.NoError(t, err, "meta of the last batch")
	last, err := strconv.Atoi(string(m))
	require.NoError(t, err)
	require.GreaterOrEqual(t, last, before, "batches of earlier rounds survive")
	counter, err := e.Get([]byte("counter"))
	require.NoError(t, err)
	require.Equal(t, strconv.Itoa(last), string(counter), "the counter key agrees with the meta")
	for _, a := range acks {
		if a.sync {
			require.LessOrEqual(t, a.batch, last, "batch %d was acknowledged with sync=true before the kill", a.batch)
		}
	}

	// Exactly batches last-keepBatches+1 .. last are present, each whole.
	want := map[string]string{"counter": strconv.Itoa(last)}
	for i := max(1, last-keepBatches+1); i <= last; i++ {
		marker, err := e.Get(batchKey(i))
		require.NoError(t, err, "marker of batch %d (last %d)", i, last)
		n, err := strconv.Atoi(string(marker))
		require.NoError(t, err)
		want[string(batchKey(i))] = string(marker)
		for j := range n {
			want[string(pairKey(i, j))] = string(pairValue(i, j))
		}
	}
	it, err := e.NewIter(storage.IterOptions{})
	require.NoError(t, err)
	got := map[string]string{}
	for it.Next() {
		got[string(it.Key())] = string(it.Value())
	}
	require.NoError(t, it.Close())
	if len(got) != len(want) {
		var extra []string
		for k := range got {
			if _, ok := want[k]; !ok {
				extra = append(extra, k)
			}
		}
		t.Fatalf("store holds %d keys, want %d; unexpected: %s", len(got), len(want), strings.Join(extra, " "))
	}
	for k, v := range want {
		require.Equal(t, v, got[k], "key %q", k)
	}
	return last
}

// TestCrashRecovery kills a committing process with SIGKILL, round after
// round on the same file, and checks after each kill that every batch is
// all there or not at all, that every batch acknowledged with sync=true is
// there, and that the metadata agrees with the data. Odd rounds use
// RelaxedSync (unsynced commits skip fdatasync), which a process crash must
// not break either.
func TestCrashRecovery(t *testing.T) {
	run := crashRuns
	crashRuns++
	seed := *crashSeed + run*1_000_003
	rng := rand.New(rand.NewPCG(seed, 7))
	path := filepath.Join(t.TempDir(), "crash.db")
	last := 0
	unsyncedSurvived, unsyncedAcked := 0, 0
	for round := range *crashRounds {
		spec := crashSpec{Path: path, Seed: rng.Uint64(), Relaxed: round%2 == 1}
		killAfter := 1 + rng.IntN(20)
		acks := runCrashChild(t, spec, killAfter)
		require.GreaterOrEqual(t, len(acks), killAfter)
		last = checkCrashState(t, path, acks, last)
		for _, a := range acks {
			if !a.sync {
				unsyncedAcked++
				if a.batch <= last {
					unsyncedSurvived++
				}
			}
		}
		if t.Failed() {
			t.Fatalf("round %d failed; replay with -crash.seed=%d (run %d of this process)", round, *crashSeed, run)
		}
	}
	t.Logf("%d rounds, %d batches committed; %d of %d unsynced acknowledged batches survived the kills",
		*crashRounds, last, unsyncedSurvived, unsyncedAcked)
}
