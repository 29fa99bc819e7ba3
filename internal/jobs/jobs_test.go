package jobs

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db/dbtest"
)

// Two nodes ticking the same job at the same moments run each period once;
// when the lease holder dies the other takes over after the lease runs out.
func TestOneRunPerPeriodAcrossNodes(t *testing.T) {
	d := dbtest.Open(t)
	var runs atomic.Int32
	job := Job{Name: "sweep", Every: time.Minute, Run: func(context.Context) error { runs.Add(1); return nil }}
	a := &Runner{DB: d, Node: "a", Lease: 90 * time.Second}
	b := &Runner{DB: d, Node: "b", Lease: 90 * time.Second}
	start := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		now := start.Add(time.Duration(i) * time.Minute)
		var wg sync.WaitGroup
		for _, r := range []*Runner{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.Tick(context.Background(), job, now); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	if runs.Load() != 5 {
		t.Fatalf("5 periods ran %d times", runs.Load())
	}
	// Node a held the lease; it dies. Node b waits out the lease, then runs.
	var holder string
	d.Reader().QueryRowContext(context.Background(), "SELECT holder FROM leases WHERE name = 'sweep'").Scan(&holder)
	other := b
	if holder == "b" {
		other = a
	}
	ran, err := other.Tick(context.Background(), job, start.Add(5*time.Minute))
	if err != nil || ran {
		t.Fatalf("took over a live lease: %v %v", ran, err)
	}
	ran, err = other.Tick(context.Background(), job, start.Add(8*time.Minute))
	if err != nil || !ran {
		t.Fatalf("did not take over an expired lease: %v %v", ran, err)
	}
}
