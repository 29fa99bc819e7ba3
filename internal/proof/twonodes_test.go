package proof_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db/dbtest"
	_ "github.com/jackc/pgx/v5/stdlib" // read the shared database
)

// Two-node test parameters.
const (
	nodeLease     = "3s"              // GRIDGOV_JOB_LEASE of both nodes
	outboxEvery   = 10 * time.Second  // the outbox job's period (app.Jobs)
	reportsBefore = 60                // reports while both nodes live
	reportsAfter  = 20                // reports left to deliver when a node dies
	twoNodeBudget = 300 * time.Second // a hard stop: alone it takes under two minutes
)

// TestTwoNodesOnPostgres runs two `gridgov serve` processes on one
// PostgreSQL database with a notification webhook. Reports posted to both
// nodes are all accepted; the outbox job, ticking on both, delivers every
// notification exactly once (one node holds the job's lease). Then the
// webhook stalls so that the lease holder is caught mid-delivery, and the
// holder is killed with SIGKILL: the other node takes the lease over once
// it runs out and delivers the rest — each message at least once, and a
// second time only the one that was in flight, under the same
// Idempotency-Key. Needs GRIDGOV_TEST_DATABASE_URL.
func TestTwoNodesOnPostgres(t *testing.T) {
	if os.Getenv("GRIDGOV_TEST_DATABASE_URL") == "" {
		t.Skip("two nodes share a PostgreSQL database: set GRIDGOV_TEST_DATABASE_URL")
	}
	if testing.Short() {
		t.Skip("builds the binary and runs two servers; skipped with -short")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), twoNodeBudget)
	defer cancel()
	dbURL := dbtest.URL(t)
	bin := buildBinary(ctx, t)
	data := t.TempDir()
	run(ctx, t, bin, "demo", "--lean", "--data", data, "--db", dbURL)
	acc := readDemo(t, data).account("gridmember")
	center := readDemo(t, data).Center

	hook := newWebhook()
	defer hook.Close()
	env := []string{"GRIDGOV_DATABASE_URL=" + dbURL, "GRIDGOV_NOTIFY_WEBHOOK=" + hook.URL, "GRIDGOV_JOB_LEASE=" + nodeLease}
	nodes := []*server{startServer(ctx, t, bin, data, env...), startServer(ctx, t, bin, data, env...)}
	d, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	// Both nodes serve: reports alternate between them.
	clients := []*client{login(ctx, t, nodes[0].url, acc), login(ctx, t, nodes[1].url, acc)}
	post := func(c *client, i int) {
		body := fmt.Sprintf(`{"channel":"grid","category_code":"0101","description":"two nodes %d","lat":%v,"lng":%v}`, i, center.Lat, center.Lng)
		st, ans, _, err := c.post(ctx, "/api/v1/events", []byte(body), map[string]string{"Idempotency-Key": fmt.Sprintf("two-nodes-%d", i)})
		if err != nil || st != 201 {
			t.Fatalf("report %d to %s: %d %s %v", i, c.base, st, ans, err)
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < reportsBefore; i += 4 {
				post(clients[i%2], i)
			}
		})
	}
	wg.Wait()
	drained := func(within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			var pending int
			if err := d.QueryRowContext(ctx, "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&pending); err != nil {
				t.Fatal(err)
			}
			if pending == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d notifications still undelivered after %s", pending, within)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	drained(outboxEvery + 10*time.Second)
	ids := outboxIDs(ctx, t, d)
	for _, id := range ids {
		if n := hook.count(id); n != 1 {
			t.Errorf("notification %s delivered %d times while both nodes lived", id, n)
		}
	}
	t.Logf("%d reports on two nodes, %d notifications each delivered once", reportsBefore, len(ids))

	// Stall the webhook, post more, and kill the lease holder mid-delivery.
	hook.stall()
	for i := reportsBefore; i < reportsBefore+reportsAfter; i++ {
		post(clients[i%2], i)
	}
	select {
	case <-hook.caught:
	case <-time.After(outboxEvery + 5*time.Second):
		t.Fatal("no delivery started")
	}
	holder := leaseHolder(ctx, t, d)
	dead, live := -1, -1
	for i, n := range nodes {
		if strings.HasSuffix(holder, ":"+strings.TrimPrefix(n.url, "http://")) {
			dead, live = i, 1-i
		}
	}
	if dead < 0 {
		t.Fatalf("lease holder %q is neither node", holder)
	}
	nodes[dead].kill()
	killedAt := time.Now()
	hook.release()
	lease, _ := time.ParseDuration(nodeLease)
	drained(lease + outboxEvery + 10*time.Second)
	t.Logf("node %d killed mid-delivery; node %d delivered the rest %s later", dead+1, live+1, time.Since(killedAt).Round(time.Second))
	if h := leaseHolder(ctx, t, d); !strings.HasSuffix(h, ":"+strings.TrimPrefix(nodes[live].url, "http://")) {
		t.Errorf("after the kill the outbox lease is held by %q", h)
	}
	twice := 0
	for _, id := range outboxIDs(ctx, t, d) {
		switch n := hook.count(id); {
		case n == 0:
			t.Errorf("notification %s never delivered", id)
		case n == 2:
			twice++
		case n > 2:
			t.Errorf("notification %s delivered %d times", id, n)
		}
	}
	if twice > 1 {
		t.Errorf("%d notifications delivered twice; only the one in flight at the kill may be", twice)
	}
	t.Logf("%d notification(s) delivered a second time, under the same key", twice)

	// Each period of each job ran on one node, and runs never overlapped.
	rows, err := d.QueryContext(ctx, "SELECT job, node, started_at, finished_at FROM job_runs ORDER BY job, started_at")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	lastEnd := map[string]int64{}
	runs := 0
	for rows.Next() {
		var job, node string
		var started int64
		var finished sql.NullInt64
		if err := rows.Scan(&job, &node, &started, &finished); err != nil {
			t.Fatal(err)
		}
		if started < lastEnd[job] {
			t.Errorf("job %s: a run on %s started before the previous run ended", job, node)
		}
		lastEnd[job] = max(lastEnd[job], finished.Int64)
		runs++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// The survivor still serves.
	post(clients[live], reportsBefore+reportsAfter)
	t.Logf("%d job runs checked; the surviving node still takes reports", runs)

	// The elected anchor job wrote checkpoints of the audit chain to the
	// anchor file and to the servers' logs (at log level error too): the
	// log agrees with every one of them.
	logFile := filepath.Join(t.TempDir(), "nodes.log")
	if err := os.WriteFile(logFile, []byte(nodes[0].out.String()+nodes[1].out.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(nodes[0].out.String()+nodes[1].out.String(), "audit-anchor/v1 ") {
		t.Errorf("no anchor in the servers' logs")
	}
	out := run(ctx, t, bin, "audit", "verify", "--data", data, "--db", dbURL, "--anchors", filepath.Join(data, "audit-anchors.log"), "--anchors", logFile)
	if !strings.Contains(out, "consistent with") {
		t.Errorf("audit verify against the anchors: %s", out)
	}
}

// outboxIDs are the ids of every notification made so far.
func outboxIDs(ctx context.Context, t *testing.T, d *sql.DB) []string {
	t.Helper()
	rows, err := d.QueryContext(ctx, "SELECT id FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// leaseHolder is the node holding the outbox job's lease.
func leaseHolder(ctx context.Context, t *testing.T, d *sql.DB) string {
	t.Helper()
	var h string
	if err := d.QueryRowContext(ctx, "SELECT holder FROM leases WHERE name = 'outbox'").Scan(&h); err != nil {
		t.Fatal(err)
	}
	return h
}

// webhook is a notification receiver that counts deliveries per
// Idempotency-Key and can be told to hold requests until released.
type webhook struct {
	*httptest.Server
	mu      sync.Mutex
	seen    map[string]int
	hold    chan struct{} // closed when requests may go on
	caught  chan struct{} // closed when a held request arrived
	caughtO sync.Once
}

func newWebhook() *webhook {
	w := &webhook{seen: map[string]int{}, hold: make(chan struct{}), caught: make(chan struct{})}
	close(w.hold)
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID string `json:"id"`
		}
		if json.NewDecoder(r.Body).Decode(&msg) != nil || msg.ID == "" || msg.ID != r.Header.Get("Idempotency-Key") {
			http.Error(rw, "want a JSON message whose id is the Idempotency-Key", http.StatusBadRequest)
			return
		}
		w.mu.Lock()
		hold := w.hold
		w.mu.Unlock()
		select {
		case <-hold:
		default:
			w.caughtO.Do(func() { close(w.caught) })
			select {
			case <-hold:
			case <-time.After(20 * time.Second):
			}
		}
		w.mu.Lock()
		w.seen[msg.ID]++
		w.mu.Unlock()
		rw.WriteHeader(http.StatusNoContent)
	}))
	return w
}

func (w *webhook) stall() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.hold = make(chan struct{})
}

func (w *webhook) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.hold)
}

func (w *webhook) count(id string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seen[id]
}
