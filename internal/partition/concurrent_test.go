package partition

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/embeddynamo/dynamo/internal/attr"
	"github.com/embeddynamo/dynamo/internal/expr"
)

// TestReadsDuringApply runs Get and Scan on other goroutines while batches
// apply. Every batch keeps the invariant that items a/1 and a/2 have equal
// n (they are updated together in one batch), so a reader that saw half of a
// batch would find them different.
func TestReadsDuringApply(t *testing.T) {
	forEachEngine(t, func(t *testing.T, kind engineKind) {
		p := createPartition(t, newEngine(t, kind), Options{})
		f := newFeeder(t, p)
		f.apply(putCmd(item("a", 1, attr.Item{"n": attr.N("0")})), putCmd(item("a", 2, attr.Item{"n": attr.N("0")})))
		inc := func(sk int) *Command {
			return updateCmd(key("a", sk), "SET n = n + :one", nil, expr.Values{":one": attr.N("1")})
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					items, err := scanItems(p)
					if err != nil {
						errs <- err
						return
					}
					if len(items) != 2 {
						errs <- fmt.Errorf("scan saw %d items", len(items))
						return
					}
					if _, err := p.Get(key("a", 1)); err != nil {
						errs <- err
						return
					}
					// Under memstore a scan is a consistent view, so the
					// two counters agree; under boltstore it is live.
					if kind.name == "memstore" && items[0]["n"].N() != items[1]["n"].N() {
						errs <- fmt.Errorf("scan saw half a batch: %v", items)
						return
					}
				}
			}()
		}
		for range 200 {
			for _, r := range f.apply(inc(1), inc(2)) {
				require.NoError(t, r.Err)
			}
		}
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := p.Get(key("a", 2))
		require.NoError(t, err)
		require.Equal(t, "200", got["n"].N())
	})
}

// scanItems is scanAll for goroutines other than the test's.
func scanItems(p *Partition) ([]attr.Item, error) {
	it, err := p.Scan(ScanOptions{})
	if err != nil {
		return nil, err
	}
	var out []attr.Item
	for it.Next() {
		out = append(out, it.Item())
	}
	return out, it.Close()
}
