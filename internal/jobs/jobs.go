// Package jobs runs gridgov's scheduled work on any number of nodes: each
// job is elected to one node by a lease row, and each period of a job runs
// once, made certain by the job_runs(job, period) key — so two nodes never
// both sweep deadlines or send the same notification round.
package jobs

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// Job is one scheduled task.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Runner runs jobs on this node.
type Runner struct {
	DB   *db.DB
	Node string // this node's name in leases and job_runs
	Jobs []Job
	// Lease is how long an elected node keeps a job without renewing
	// (30 s when zero).
	Lease time.Duration
}

func (r *Runner) lease() time.Duration {
	if r.Lease == 0 {
		return 30 * time.Second
	}
	return r.Lease
}

// Start runs every job on its period until ctx ends.
func (r *Runner) Start(ctx context.Context) {
	for _, j := range r.Jobs {
		go func() {
			t := time.NewTicker(j.Every)
			defer t.Stop()
			for {
				if _, err := r.Tick(ctx, j, time.Now()); err != nil && ctx.Err() == nil {
					slog.Error("job failed", "job", j.Name, "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

// Tick runs one period of j if this node holds (or wins) the job's lease
// and nobody ran the period yet. It reports whether it ran.
func (r *Runner) Tick(ctx context.Context, j Job, now time.Time) (bool, error) {
	ok, err := r.acquire(ctx, j.Name, now)
	if err != nil || !ok {
		return false, err
	}
	period := strconv.FormatInt(now.UnixMilli()/j.Every.Milliseconds(), 10)
	claimed := false
	err = r.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO job_runs (job, period, node, started_at) VALUES (?, ?, ?, ?) ON CONFLICT (job, period) DO NOTHING",
			j.Name, period, r.Node, now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	if err != nil || !claimed {
		return false, err
	}
	// A run longer than the lease keeps renewing it; a run whose node lost
	// the lease (paused too long) is cancelled, as another node may now run
	// the job.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go r.keep(runCtx, cancel, j.Name)
	if err := j.Run(runCtx); err != nil {
		return true, err
	}
	return true, r.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE job_runs SET finished_at = ? WHERE job = ? AND period = ?", db.Now(), j.Name, period)
		return err
	})
}

// keep renews the job's lease every third of its length until ctx ends,
// and calls lost when another node holds it.
func (r *Runner) keep(ctx context.Context, lost context.CancelFunc, name string) {
	t := time.NewTicker(r.lease() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if ok, err := r.acquire(ctx, name, now); err == nil && !ok {
				lost()
				return
			}
		}
	}
}

// acquire takes or renews the job's lease; a lease left by a dead node
// expires and the next node takes it over.
func (r *Runner) acquire(ctx context.Context, name string, now time.Time) (bool, error) {
	until := now.Add(r.lease()).UnixMilli()
	won := false
	err := r.DB.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at < ?`, name, r.Node, until, now.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	return won, err
}
