package catalog

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkLocate measures a router's key lookup in a table of 1024
// partitions.
func BenchmarkLocate(b *testing.B) {
	c := newCluster(b, 3, 4)
	in := baseCreate()
	in.ProvisionedThroughput = pt(40000, 40000)
	mustCreate(b, c, in)
	tbl, _ := c.Table("orders")
	r := rand.New(rand.NewPCG(1, 1))
	for len(tbl.Partitions) < 1024 {
		p := tbl.Partitions[r.IntN(len(tbl.Partitions))]
		key := randomKey(r, tbl.ID)
		if p.Range.Contains(key) && string(key) != string(p.Range.Start) {
			if err := c.ApplySplit("orders", p.ID, key, c.AllocatePartitionID()); err != nil {
				b.Fatal(err)
			}
			tbl, _ = c.Table("orders")
		}
	}
	keys := make([][]byte, 4096)
	for i := range keys {
		keys[i] = randomKey(r, tbl.ID)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Locate("orders", keys[i%len(keys)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(tbl.Partitions)), "partitions")
}

// BenchmarkPlanRebalance measures planning for 30 nodes, 20 of them empty,
// holding the replicas of 600 partitions.
func BenchmarkPlanRebalance(b *testing.B) {
	c := newCluster(b, 3, 10)
	for _, n := range c.Nodes() {
		if err := c.SetNodeLive(n.ID, n.ID%10 < 4 && n.ID%10 > 0 || n.ID <= 3); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		in := baseCreate()
		in.TableName = fmt.Sprintf("t%03d", i)
		in.ProvisionedThroughput = pt(40000, 20000)
		mustCreate(b, c, in)
	}
	for _, n := range c.Nodes() {
		if err := c.SetNodeLive(n.ID, true); err != nil {
			b.Fatal(err)
		}
	}
	in := RebalanceInput{Nodes: c.Nodes(), Partitions: allPartitionsTB(c)}
	b.ReportAllocs()
	b.ResetTimer()
	moves := 0
	for i := 0; i < b.N; i++ {
		moves = len(PlanRebalance(in))
	}
	b.ReportMetric(float64(moves), "moves")
	b.ReportMetric(float64(len(in.Partitions)), "partitions")
}

func allPartitionsTB(c *Catalog) []Partition {
	var out []Partition
	for _, name := range c.TableNames() {
		ps, _ := c.Partitions(name)
		out = append(out, ps...)
	}
	return out
}
