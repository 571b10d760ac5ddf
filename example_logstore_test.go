package dynamo_test

import (
	"fmt"
	"log"
	"os"

	pb "go.etcd.io/raft/v3/raftpb"

	"github.com/embeddynamo/dynamo"
)

// One Save carries the raft output of many groups: one write and one
// fdatasync for all of them. After a restart the log holds everything a Save
// acknowledged.
func ExampleOpenWAL() {
	dir, err := os.MkdirTemp("", "wal-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	wal, err := dynamo.OpenWAL(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	entry := func(index, term uint64, data string) *pb.Entry {
		return &pb.Entry{Index: &index, Term: &term, Data: []byte(data)}
	}
	commit := func(term, index uint64) *pb.HardState {
		return &pb.HardState{Term: &term, Commit: &index}
	}
	err = wal.Save([]dynamo.LogUpdate{
		{Group: 7, Entries: []*pb.Entry{entry(1, 1, "put a"), entry(2, 1, "put b")}, HardState: commit(1, 2)},
		{Group: 9, Entries: []*pb.Entry{entry(1, 3, "delete c")}, HardState: commit(3, 1)},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Group 7 applied entry 1 durably: the log may drop it.
	index, term := uint64(1), uint64(1)
	if err := wal.Compact(7, &pb.SnapshotMetadata{Index: &index, Term: &term}); err != nil {
		log.Fatal(err)
	}
	if err := wal.Close(); err != nil {
		log.Fatal(err)
	}

	wal, err = dynamo.OpenWAL(dir, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer wal.Close()
	groups, _ := wal.Groups()
	for _, g := range groups {
		st, err := wal.State(g)
		if err != nil {
			log.Fatal(err)
		}
		ents, err := wal.Entries(g, st.FirstIndex, st.LastIndex+1, 1<<20)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("group %d: entries %d..%d, commit %d:", g, st.FirstIndex, st.LastIndex, st.HardState.GetCommit())
		for _, e := range ents {
			fmt.Printf(" %q", e.GetData())
		}
		fmt.Println()
	}
	// Output:
	// group 7: entries 2..2, commit 2: "put b"
	// group 9: entries 1..1, commit 1: "delete c"
}

// The in-memory LogStore has the same semantics, without the disk: for tests.
func ExampleNewMemoryLogStore() {
	store := dynamo.NewMemoryLogStore()
	defer store.Close()
	index, term := uint64(1), uint64(1)
	err := store.Save([]dynamo.LogUpdate{{Group: 1, Entries: []*pb.Entry{{Index: &index, Term: &term, Data: []byte("x")}}}})
	if err != nil {
		log.Fatal(err)
	}
	st, _ := store.State(1)
	fmt.Println(st.FirstIndex, st.LastIndex)
	// Output: 1 1
}
