package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The rest of the county's year of patrols, written inside the database:
// every planned member has the three windows every day of the year, most
// walked, the older patrols without positions, and the town's board of a
// past day shows them (a town other than the demo grid member's).
func TestDemoPatrolYear(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of patrols")
	}
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	now := time.Now()
	start := time.Now()
	// the smallest town other than the demo grid member's (whose village has
	// its year)
	q := a.DB.Reader()
	var town, code, path string
	if err := q.QueryRowContext(ctx, `SELECT o.id, o.code, o.path FROM org_nodes o WHERE o.kind = 'town' AND o.code LIKE '441602%'
		AND o.id <> (SELECT v.parent_id FROM users u JOIN org_nodes v ON v.id = u.org_id WHERE u.username = 'gridmember')
		ORDER BY (SELECT count(*) FROM workers w WHERE w.path >= o.path AND w.path < o.path || '~'), o.code LIMIT 1`).Scan(&town, &code, &path); err != nil {
		t.Fatal(err)
	}
	n, err := demo.PatrolYear(ctx, a.DB, code, 2026, now)
	if err != nil || n == 0 {
		t.Fatalf("patrols: %d, %v", n, err)
	}
	t.Logf("%d patrols in %v", n, time.Since(start).Round(time.Millisecond))
	var members, short int
	planned := `FROM workers w WHERE w.path >= ? AND w.path < ? AND w.status = 'active' AND w.employment IN ('full_time', 'part_time')
		AND EXISTS (SELECT 1 FROM grid_members m WHERE m.worker_id = w.id AND m.is_primary = ?)`
	if err := q.QueryRowContext(ctx, "SELECT count(*) "+planned, path, path+"~", true).Scan(&members); err != nil || members == 0 {
		t.Fatalf("planned members: %d, %v", members, err)
	}
	// the demo writes up to yesterday for the tests: 365 days
	if err := q.QueryRowContext(ctx, `SELECT count(*) `+planned+` AND
		(SELECT count(DISTINCT t.day) FROM patrol_tasks t WHERE t.worker_id = w.id) < 365`, path, path+"~", true).Scan(&short); err != nil || short > 0 {
		t.Fatalf("%d of %d members without a task every day of the year (%v)", short, members, err)
	}
	var due, walked, linked int
	q.QueryRowContext(ctx, "SELECT count(*), count(walked_at), count(patrol_id) FROM patrol_tasks WHERE id LIKE 'pt-%'").Scan(&due, &walked, &linked)
	if due == 0 || walked != n || linked != n || walked*100 < due*70 || walked*100 > due*98 {
		t.Fatalf("%d of %d windows walked (%d linked), %d patrols", walked, due, linked, n)
	}
	var mismatch int
	q.QueryRowContext(ctx, `SELECT count(*) FROM patrol_tasks t JOIN patrols p ON p.id = t.patrol_id
		WHERE t.id LIKE 'pt-%' AND (p.task_id <> t.id OR p.worker_id <> t.worker_id OR t.walked_at < t.starts_at OR t.walked_at >= t.ends_at
			OR p.started_at > t.walked_at OR p.ended_at < p.last_at OR p.status <> 'ended' OR p.checkins NOT IN (2, 3))`).Scan(&mismatch)
	if mismatch > 0 {
		t.Fatalf("%d patrols that do not walk their window", mismatch)
	}
	keepFrom := now.AddDate(0, 0, -patrol.DefaultSettings().PositionDays-1).UnixMilli()
	var old, points int
	q.QueryRowContext(ctx, "SELECT count(*) FROM patrol_points WHERE at < ?", keepFrom).Scan(&old)
	q.QueryRowContext(ctx, "SELECT count(*) FROM patrol_points WHERE patrol_id LIKE 'pa-%'").Scan(&points)
	if old > 0 || points == 0 {
		t.Fatalf("%d positions older than the retention, %d recent", old, points)
	}
	// the town's board of a day a month ago
	var b patrol.Board
	day := now.In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -30).Format(time.DateOnly)
	if st := a.Login("intake").Do("GET", "/api/v1/patrol/board?org_id="+town+"&day="+day, nil, &b); st != 200 || b.Members == 0 || b.Due != 3*b.Members || b.Walked == 0 || b.Walked >= b.Due {
		t.Fatalf("the board of %s: %d %d members, %d of %d walked", day, st, b.Members, b.Walked, b.Due)
	}
}
