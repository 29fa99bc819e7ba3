package patrol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/tally"
	"github.com/gridgov/gridgov/internal/testapp"
)

var cst = time.FixedZone("CST", 8*3600)

type task struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	Slot     string `json:"slot"`
	StartsAt int64  `json:"starts_at"`
	WalkedAt int64  `json:"walked_at"`
	PatrolID string `json:"patrol_id"`
}

type patrolOut struct {
	ID       string `json:"id"`
	WorkerID string `json:"worker_id"`
	Status   string `json:"status"`
	Checkins int    `json:"checkins"`
	Reports  int    `json:"reports"`
	EndedAt  int64  `json:"ended_at"`
	Points   []struct {
		At   int64   `json:"at"`
		Lat  float64 `json:"lat"`
		Note string  `json:"note"`
	} `json:"points"`
	Links []struct{ Kind, Ref string } `json:"links"`
}

type today struct {
	Day      string      `json:"day"`
	OnRoster bool        `json:"on_roster"`
	Tasks    []task      `json:"tasks"`
	Open     *patrolOut  `json:"open"`
	Patrols  []patrolOut `json:"patrols"`
}

type board struct {
	Members int `json:"members"`
	Due     int `json:"due"`
	Walked  int `json:"walked"`
	Out     []patrolOut
	Last    []struct {
		WorkerID string  `json:"worker_id"`
		Lat      float64 `json:"lat"`
	} `json:"last"`
	Grids []struct {
		ID       string `json:"id"`
		Due      int    `json:"due"`
		Walked   int    `json:"walked"`
		Checkins int    `json:"checkins"`
	} `json:"grids"`
	Unpatrolled []struct {
		ID string `json:"id"`
	} `json:"unpatrolled"`
}

// place is the demo grid member's village and town, their roster entry
// and primary grid.
type place struct {
	village, town, worker, grid string
}

func demoPlace(t *testing.T, a *testapp.App) place {
	t.Helper()
	var p place
	q := a.DB.Reader()
	ctx := context.Background()
	if err := q.QueryRowContext(ctx, `SELECT w.id, w.org_id, o.parent_id FROM workers w JOIN users u ON u.id = w.user_id
		JOIN org_nodes o ON o.id = w.org_id WHERE u.username = 'gridmember'`).Scan(&p.worker, &p.village, &p.town); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT grid_id FROM grid_members WHERE worker_id = ? AND is_primary = ? ORDER BY id LIMIT 1", p.worker, true).Scan(&p.grid); err != nil {
		t.Fatal(err)
	}
	return p
}

// plannedIn counts by hand the roster members of an area who get patrol
// tasks: full-time or part-time, with a primary grid.
func plannedIn(t *testing.T, a *testapp.App, orgID string) int {
	t.Helper()
	var n int
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT count(DISTINCT w.id) FROM workers w JOIN grid_members m ON m.worker_id = w.id
		WHERE w.org_id = ? AND w.status = 'active' AND w.employment IN ('full_time', 'part_time')`, orgID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// at is today in the county at hh:mm.
func at(hh, mm int) time.Time {
	n := time.Now().In(cst)
	return time.Date(n.Year(), n.Month(), n.Day(), hh, mm, 0, 0, cst)
}

func fields(pr testapp.Problem) []string {
	var out []string
	for _, e := range pr.Errors {
		out = append(out, e.Field+" "+e.Code)
	}
	return out
}

func send(t *testing.T, c *testapp.Client, path, key string, body any) testapp.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	return c.RawWith("POST", path, "application/json", b, map[string]string{"Idempotency-Key": key})
}

// A centre's plan makes the members' tasks, one per window, once; a day's
// plan overrides the standing one; a stale version is refused with the
// plan as it is.
func TestPlanMakesTasks(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	a.Patrols.Now = func() time.Time { return at(7, 0) }
	pl := demoPlace(t, a)
	intake, gm := a.Login("intake"), a.LoginAs("gridmember")
	members := plannedIn(t, a, pl.village)
	if members < 2 {
		t.Fatalf("the demo village has %d planned members", members)
	}

	var plans struct {
		Windows []patrol.Window `json:"windows"`
		Items   []patrol.Plan   `json:"items"`
	}
	if st := intake.Do("GET", "/api/v1/patrol/plans?org_id="+pl.village, nil, &plans); st != 200 || !slices.Equal(plans.Windows, patrol.DefaultWindows) {
		t.Fatalf("default plan: %d %+v", st, plans)
	}
	pr := intake.Fail("PUT", "/api/v1/patrol/plans", map[string]any{"org_id": pl.town, "day": "2020-01-01",
		"windows": []map[string]string{{"from": "10:00", "to": "09:00"}, {"from": "8:3", "to": "09:00"}}})
	if want := []string{"day patrol.day_past", "windows[0] patrol.window_order", "windows[1] patrol.window_time"}; !slices.Equal(fields(pr), want) {
		t.Errorf("bad plan: %v", fields(pr))
	}
	if st := gm.Do("PUT", "/api/v1/patrol/plans", map[string]any{"org_id": pl.town}, nil); st != 403 {
		t.Errorf("a grid member set a plan: %d", st)
	}
	two := []map[string]string{{"from": "08:00", "to": "09:30"}, {"from": "15:00", "to": "16:30"}}
	var p patrol.Plan
	// The demo town has its standing plan: it is changed from the version shown.
	shown := 0
	for _, it := range plans.Items {
		if it.OrgID == pl.town && it.Day == "" {
			shown = it.Version
		}
	}
	if st := intake.Do("PUT", "/api/v1/patrol/plans", map[string]any{"org_id": pl.town, "windows": two, "version": shown}, &p); st != 200 || p.Version != shown+1 || len(p.Windows) != 2 {
		t.Fatalf("standing plan: %d %+v", st, p)
	}
	// Another desk saving over it from the version it saw (0) is refused
	// with the plan as it is now.
	r := intake.RawWith("PUT", "/api/v1/patrol/plans", "application/json", []byte(`{"org_id":"`+pl.town+`","windows":[],"version":`+fmt.Sprint(shown)+`}`), nil)
	var stale testapp.Problem
	json.Unmarshal(r.Body, &stale)
	var cur patrol.Plan
	json.Unmarshal(stale.Report, &cur)
	if r.Status != 409 || stale.Code != "patrol.plan_stale" || cur.Version != p.Version || len(cur.Windows) != 2 {
		t.Errorf("stale plan: %d %s %+v", r.Status, stale.Code, cur)
	}

	var b board
	if st := intake.Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, &b); st != 200 || b.Members != members || b.Due != 2*members || b.Walked != 0 {
		t.Fatalf("board after the town's plan: %d members %d due %d walked %d, want %d members", st, b.Members, b.Due, b.Walked, members)
	}
	// Asking again makes nothing more.
	if n, err := a.Patrols.Materialise(context.Background(), "/", at(7, 0).Format(time.DateOnly)); err != nil || n == 0 {
		t.Fatalf("the rest of the county's tasks: %d %v", n, err)
	}
	intake.Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, &b)
	if b.Due != 2*members {
		t.Errorf("tasks made twice: %d due", b.Due)
	}

	// The village's plan for today overrides the town's standing plan.
	three := []map[string]string{{"from": "08:30", "to": "10:00"}, {"from": "14:00", "to": "15:30"}, {"from": "19:00", "to": "20:30"}}
	if st := intake.Do("PUT", "/api/v1/patrol/plans", map[string]any{"org_id": pl.village, "day": at(7, 0).Format(time.DateOnly), "windows": three}, &p); st != 200 {
		t.Fatalf("day plan: %d", st)
	}
	var d today
	if st := gm.Do("GET", "/api/v1/patrol/today", nil, &d); st != 200 || !d.OnRoster || len(d.Tasks) != 3 || d.Tasks[0].Slot != "08:30-10:00" {
		t.Fatalf("the member's day: %d %+v", st, d)
	}
	intake.Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, &b)
	if b.Due != 3*members || len(b.Unpatrolled) != len(b.Grids) {
		t.Errorf("board after the day's plan: due %d, unpatrolled %d of %d", b.Due, len(b.Unpatrolled), len(b.Grids))
	}
	// Removing the day's plan brings the town's back.
	if st := intake.Do("DELETE", "/api/v1/patrol/plans/"+p.ID, nil, nil); st != 204 {
		t.Fatalf("delete plan: %d", st)
	}
	gm.Do("GET", "/api/v1/patrol/today", nil, &d)
	if len(d.Tasks) != 2 {
		t.Errorf("after the day's plan went: %d tasks", len(d.Tasks))
	}
}

// Check-ins are taken only inside the caller's own patrol within its
// time; a replay under the same key records nothing twice; a check-in
// inside a window walks it; the coverage tally matches the hand count.
func TestPatrolCheckinsAndTally(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	now := at(9, 0)
	a.Patrols.Now = func() time.Time { return now }
	pl := demoPlace(t, a)
	gm, police, intake := a.LoginAs("gridmember"), a.Login("police"), a.Login("intake")

	var d today
	if st := gm.Do("GET", "/api/v1/patrol/today", nil, &d); st != 200 || len(d.Tasks) != 3 || d.Open != nil {
		t.Fatalf("today: %d %+v", st, d)
	}
	pt := func(ms int64, lat float64, note string) map[string]any {
		return map[string]any{"at": ms, "lat": lat, "lng": 110.9, "accuracy": 8, "note": note}
	}
	// No patrol: nothing to check in to.
	if r := send(t, gm, "/api/v1/patrol/patrols/nope/checkins", "k0", pt(now.UnixMilli(), 21.6, "")); r.Status != 404 {
		t.Errorf("check-in without a patrol: %d", r.Status)
	}
	// The county's police officer holds gridwork.do but is on no roster.
	if r := send(t, police, "/api/v1/patrol/patrols", "p0", map[string]any{}); r.Status != 409 {
		t.Errorf("a patrol off the roster: %d %s", r.Status, r.Body)
	}
	var p patrolOut
	r := send(t, gm, "/api/v1/patrol/patrols", "start-1", map[string]any{"task_id": d.Tasks[0].ID, "at": at(8, 50).UnixMilli()})
	if r.Status != 201 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	json.Unmarshal(r.Body, &p)
	if r := send(t, gm, "/api/v1/patrol/patrols", "start-1", map[string]any{"task_id": d.Tasks[0].ID, "at": at(8, 50).UnixMilli()}); r.Status != 201 {
		t.Errorf("start replayed: %d", r.Status)
	}
	if r := send(t, gm, "/api/v1/patrol/patrols", "start-2", map[string]any{}); r.Status != 409 {
		t.Errorf("a second patrol while one is on: %d", r.Status)
	}
	base := "/api/v1/patrol/patrols/" + p.ID
	// Someone else's patrol is not found.
	if r := send(t, police, base+"/checkins", "x1", pt(now.UnixMilli(), 21.6, "")); r.Status != 404 {
		t.Errorf("a check-in into another's patrol: %d", r.Status)
	}
	if pr := gm.Fail("POST", base+"/checkins", map[string]any{"lat": 91, "accuracy": -1}); !slices.Equal(fields(pr), []string{"lat patrol.position_invalid",
		"lng patrol.position_invalid", "accuracy validation.range"}) {
		t.Errorf("bad check-in: %v", fields(pr))
	}
	if r := send(t, gm, base+"/checkins", "early", pt(at(8, 0).UnixMilli(), 21.6, "")); r.Status != 409 {
		t.Errorf("a check-in before the patrol: %d", r.Status)
	}
	c1 := pt(at(8, 55).UnixMilli(), 21.61, "村口垃圾堆积，已拍照")
	for i := 0; i < 2; i++ {
		if r := send(t, gm, base+"/checkins", "c1", c1); r.Status != 201 {
			t.Fatalf("check-in %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := send(t, gm, base+"/checkins", "c1", pt(at(8, 56).UnixMilli(), 21.61, "")); r.Status != 422 {
		t.Errorf("the key reused for another check-in: %d", r.Status)
	}
	gm.Do("GET", base, nil, &p)
	if p.Checkins != 1 || len(p.Points) != 1 || p.Points[0].Note != "村口垃圾堆积，已拍照" {
		t.Errorf("a replayed check-in: %+v", p)
	}
	// A report made from inside the patrol is linked once.
	for i := 0; i < 2; i++ {
		gm.Do("POST", base+"/reports", map[string]any{"kind": "event", "ref": "SJ202612070001"}, &p)
	}
	if p.Reports != 1 || len(p.Links) != 1 {
		t.Errorf("linked reports: %+v", p)
	}
	now = at(9, 30)
	if st := gm.Do("POST", base+"/end", map[string]any{"at": at(9, 20).UnixMilli()}, &p); st != 200 || p.Status != "ended" {
		t.Fatalf("end: %d %+v", st, p)
	}
	// The queue sends a check-in made before the end after it: taken. One
	// made after the end is refused.
	if r := send(t, gm, base+"/checkins", "c2", pt(at(9, 10).UnixMilli(), 21.62, "")); r.Status != 201 {
		t.Errorf("a late check-in inside the patrol: %d %s", r.Status, r.Body)
	}
	if r := send(t, gm, base+"/checkins", "c3", pt(at(9, 25).UnixMilli(), 21.62, "")); r.Status != 409 {
		t.Errorf("a check-in after the end: %d", r.Status)
	}

	// An afternoon patrol walks the second window; a check-in between
	// windows walks none.
	now = at(14, 30)
	r = send(t, gm, "/api/v1/patrol/patrols", "start-3", map[string]any{})
	json.Unmarshal(r.Body, &p)
	base = "/api/v1/patrol/patrols/" + p.ID
	send(t, gm, base+"/checkins", "c4", pt(at(14, 30).UnixMilli(), 21.63, ""))
	gm.Do("POST", base+"/end", map[string]any{}, nil)
	now = at(17, 0)
	r = send(t, gm, "/api/v1/patrol/patrols", "start-4", map[string]any{})
	json.Unmarshal(r.Body, &p)
	send(t, gm, "/api/v1/patrol/patrols/"+p.ID+"/checkins", "c5", pt(at(17, 0).UnixMilli(), 21.64, ""))

	gm.Do("GET", "/api/v1/patrol/today", nil, &d)
	walked := 0
	for _, tk := range d.Tasks {
		if tk.WalkedAt != 0 {
			walked++
		}
	}
	if walked != 2 || d.Open == nil || len(d.Patrols) != 3 {
		t.Errorf("the day: %d walked, open %v, %d patrols", walked, d.Open != nil, len(d.Patrols))
	}
	var b board
	intake.Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, &b)
	if len(b.Out) != 1 || b.Walked != 2 || len(b.Last) != 1 || b.Last[0].Lat != 21.64 {
		t.Errorf("board: out %d walked %d last %+v", len(b.Out), b.Walked, b.Last)
	}
	for _, g := range b.Grids {
		if g.ID == pl.grid && (g.Walked != 2 || g.Checkins != 4) {
			t.Errorf("the member's grid: %+v", g)
		}
	}
	if len(b.Unpatrolled) != len(b.Grids)-1 {
		t.Errorf("unpatrolled: %d of %d", len(b.Unpatrolled), len(b.Grids))
	}

	// The tally: the member walked 2 of 3 windows, every other planned
	// member of the village 0 of 3.
	from := at(0, 0)
	sh, err := a.Patrols.Tally(context.Background(), tally.Period{From: from.UnixMilli(), To: from.AddDate(0, 0, 1).UnixMilli(), Path: villagePath(t, a, pl.village)})
	if err != nil {
		t.Fatal(err)
	}
	cov := sh[patrol.MetricCoverage]
	if c := cov[pl.worker]; c.Done != 2 || c.Due != 3 {
		t.Errorf("the member's coverage: %+v", c)
	}
	members := plannedIn(t, a, pl.village)
	done := 0
	for _, c := range cov {
		done += c.Done
		if c.Due != 3 {
			t.Errorf("a member's windows: %+v", c)
		}
	}
	if len(cov) != members || done != 2 {
		t.Errorf("coverage of %d members (want %d), %d walked", len(cov), members, done)
	}
}

func villagePath(t *testing.T, a *testapp.App, id string) string {
	var p string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT path FROM org_nodes WHERE id = ?", id).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Positions past the retention are deleted with their photos; the patrol
// keeps its count and the window stays walked.
func TestRetention(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	now := at(9, 0)
	a.Patrols.Now = func() time.Time { return now }
	gm, sec := a.LoginAs("gridmember"), a.Login("sec_admin")
	if pr := sec.Fail("PUT", "/api/v1/patrol/settings", map[string]int{"position_days": 0}); !slices.Equal(fields(pr), []string{"position_days validation.range"}) {
		t.Errorf("bad settings: %v", fields(pr))
	}
	if st := sec.Do("PUT", "/api/v1/patrol/settings", map[string]int{"position_days": 30}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	var p patrolOut
	p.ID, _, _ = checkInWithPhoto(t, gm)
	gm.Do("POST", "/api/v1/patrol/patrols/"+p.ID+"/end", map[string]any{}, nil)

	points := func() int {
		var n, photos int
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM patrol_points WHERE patrol_id = ?", p.ID).Scan(&n)
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM patrol_photos WHERE patrol_id = ?", p.ID).Scan(&photos)
		if photos != n {
			t.Errorf("%d photos for %d check-ins", photos, n)
		}
		return n
	}
	now = now.AddDate(0, 0, 29)
	if _, err := a.Patrols.Prune(context.Background()); err != nil || points() != 1 {
		t.Errorf("prune inside the retention: %d points left, %v", points(), err)
	}
	now = now.AddDate(0, 0, 2)
	if n, err := a.Patrols.Prune(context.Background()); err != nil || n < 1 || points() != 0 {
		t.Errorf("prune past the retention: %d pruned, %d left, %v", n, points(), err)
	}
	gm.Do("GET", "/api/v1/patrol/patrols/"+p.ID, nil, &p)
	if p.Checkins != 1 || len(p.Points) != 0 {
		t.Errorf("after the prune: %+v", p)
	}
	var walked int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM patrol_tasks WHERE patrol_id = ? AND walked_at IS NOT NULL", p.ID).Scan(&walked)
	if walked != 1 {
		t.Errorf("the walked window after the prune: %d", walked)
	}
}

// A centre sees only its own area: another town's board, plans and
// patrols are not found.
func TestScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := demoPlace(t, a)
	gm := a.LoginAs("gridmember")
	var other string
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT id FROM org_nodes WHERE kind = 'town' AND id <> ? AND parent_id = (SELECT parent_id FROM org_nodes WHERE id = ?)
		ORDER BY code LIMIT 1`, pl.town, pl.town).Scan(&other); err != nil {
		t.Fatal(err)
	}
	centre := townCentre(t, a, other)
	var p patrolOut
	var photo string
	p.ID, _, photo = checkInWithPhoto(t, gm)
	// the photo: the member and the county centre; another town's centre
	// and a grid member of the same village get the answer of an unknown one
	photoPath := "/api/v1/patrol/patrols/" + p.ID + "/photos/" + photo
	unknown := centre.Raw("GET", "/api/v1/patrol/patrols/"+p.ID+"/photos/0f6a2b3c-4d5e-4f60-8a1b-000000000000", "", nil)
	noID := func(b []byte) []byte { return regexp.MustCompile(`"request_id":"[^"]*"`).ReplaceAll(b, nil) }
	if r := centre.Raw("GET", photoPath, "", nil); r.Status != 404 || !bytes.Equal(noID(r.Body), noID(unknown.Body)) {
		t.Errorf("another town's centre fetched the photo: %d %s (unknown: %s)", r.Status, r.Body, unknown.Body)
	}
	if r := a.Login("party_member").Raw("GET", photoPath, "", nil); r.Status != 404 {
		t.Errorf("a party member fetched the photo: %d", r.Status)
	}
	if r := a.Anon().Raw("GET", photoPath, "", nil); r.Status != 401 {
		t.Errorf("nobody fetched the photo: %d", r.Status)
	}
	if r := gm.Raw("GET", photoPath, "", nil); r.Status != 200 {
		t.Errorf("the member's own photo: %d", r.Status)
	}
	intake := a.Login("intake")
	if r := intake.Raw("GET", photoPath, "", nil); r.Status != 200 {
		t.Errorf("the county centre's read of the photo: %d", r.Status)
	}
	var audited int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'patrol.photo_view' AND object_id = ?", p.ID).Scan(&audited)
	if audited != 1 {
		t.Errorf("the centre's read of the photo audited %d times", audited)
	}
	if st := centre.Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, nil); st != 400 {
		t.Errorf("another town's board: %d", st)
	}
	if pr := centre.Fail("PUT", "/api/v1/patrol/plans", map[string]any{"org_id": pl.village, "windows": []any{}}); !slices.Equal(fields(pr), []string{"org_id org.not_found"}) {
		t.Errorf("another town's plan: %v", fields(pr))
	}
	if st := centre.Do("GET", "/api/v1/patrol/patrols/"+p.ID, nil, nil); st != 404 {
		t.Errorf("another town's patrol: %d", st)
	}
	var b board
	if st := centre.Do("GET", "/api/v1/patrol/board", nil, &b); st != 200 || len(b.Grids) == 0 {
		t.Errorf("its own board: %d %d grids", st, len(b.Grids))
	}
	if st := gm.Do("GET", "/api/v1/patrol/board", nil, nil); st != 403 {
		t.Errorf("a grid member read the board: %d", st)
	}
	if st := intake.Do("GET", "/api/v1/patrol/patrols/"+p.ID, nil, &p); st != 200 || p.Status != "open" {
		t.Errorf("the county centre reads the patrol: %d", st)
	}
}

// townCentre makes an account with the centre's role (intake) over a town.
func townCentre(t *testing.T, a *testapp.App, town string) *testapp.Client {
	t.Helper()
	sys, sec := a.Login("sys_admin"), a.Login("sec_admin")
	var u struct{ ID string }
	if st := sys.Do("POST", "/api/v1/users", map[string]string{"username": "town.centre", "display_name": "镇综治中心", "password": "Initial#Pass-2026",
		"org_id": town}, &u); st != 201 {
		t.Fatalf("create: %d", st)
	}
	var roles struct{ Items []struct{ ID, Code string } }
	sec.Do("GET", "/api/v1/roles", nil, &roles)
	for _, r := range roles.Items {
		if r.Code == "intake" {
			if st := sec.Do("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": r.ID, "org_id": town}, nil); st/100 != 2 {
				t.Fatalf("grant: %d", st)
			}
		}
	}
	c := a.Anon()
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	c.Do("POST", "/api/v1/auth/login", map[string]string{"username": "town.centre", "password": "Initial#Pass-2026"}, &login)
	c.CSRF = login.CSRFToken
	if st := c.Do("POST", "/api/v1/me/password", map[string]string{"old_password": "Initial#Pass-2026", "new_password": "Own#Pass-2026-xyz"}, nil); st != 204 {
		t.Fatalf("password: %d", st)
	}
	return c
}

// The hourly sweep makes today's tasks over the tree and ends a patrol
// left open past MaxHours at its last check-in.
func TestSweep(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	now := at(8, 0)
	a.Patrols.Now = func() time.Time { return now }
	pl := demoPlace(t, a)
	gm := a.LoginAs("gridmember")
	var p patrolOut
	json.Unmarshal(send(t, gm, "/api/v1/patrol/patrols", "s", map[string]any{}).Body, &p)
	now = at(8, 45)
	send(t, gm, "/api/v1/patrol/patrols/"+p.ID+"/checkins", "c", map[string]any{"at": at(8, 40).UnixMilli(), "lat": 21.6, "lng": 110.9})
	now = at(21, 0)
	if _, err := a.Patrols.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	var b board
	a.Login("intake").Do("GET", "/api/v1/patrol/board?org_id="+pl.village, nil, &b)
	if len(b.Out) != 0 || b.Due != 3*plannedIn(t, a, pl.village) {
		t.Errorf("after the sweep: %d out, %d due", len(b.Out), b.Due)
	}
	gm.Do("GET", "/api/v1/patrol/patrols/"+p.ID, nil, &p)
	if p.Status != "ended" || p.EndedAt != at(8, 40).UnixMilli() {
		t.Errorf("the forgotten patrol: %+v", p)
	}
}

// A member moved or leaving hands their open windows to the successor: the
// windows not yet over and not walked move, a window the successor already
// has is dropped, walked ones stay.
func TestHandOver(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	now := at(9, 0)
	a.Patrols.Now = func() time.Time { return now }
	pl := demoPlace(t, a)
	gm := a.LoginAs("gridmember")
	var d today
	gm.Do("GET", "/api/v1/patrol/today", nil, &d)
	var p patrolOut
	json.Unmarshal(send(t, gm, "/api/v1/patrol/patrols", "s", map[string]any{}).Body, &p)
	send(t, gm, "/api/v1/patrol/patrols/"+p.ID+"/checkins", "c", map[string]any{"lat": 21.6, "lng": 110.9})
	ctx := context.Background()
	var successor string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT id FROM workers WHERE org_id = ? AND id <> ? AND employment = 'other' ORDER BY id LIMIT 1`,
		pl.village, pl.worker).Scan(&successor); err != nil {
		t.Fatal(err)
	}
	var moved int
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		moved, err = a.Patrols.HandOver(ctx, tx, pl.worker, successor)
		return err
	})
	if err != nil || moved != 2 {
		t.Fatalf("handed over %d windows, %v; want the two still to come", moved, err)
	}
	count := func(worker string) (all, walked int) {
		a.DB.Reader().QueryRowContext(ctx, "SELECT count(*), count(walked_at) FROM patrol_tasks WHERE worker_id = ? AND day = ?", worker, d.Day).Scan(&all, &walked)
		return
	}
	if all, walked := count(pl.worker); all != 1 || walked != 1 {
		t.Errorf("the member keeps %d windows (%d walked), want the walked one", all, walked)
	}
	if all, _ := count(successor); all != 2 {
		t.Errorf("the successor has %d windows", all)
	}
}

// A phone without signal makes the patrol's id itself and queues the
// start: the server takes that id once, and the check-ins that name it.
func TestStartWithThePhonesID(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.LoginAs("gridmember")
	if pr := gm.Fail("POST", "/api/v1/patrol/patrols", map[string]any{"id": "../x"}); !slices.Equal(fields(pr), []string{"id patrol.id_invalid"}) {
		t.Errorf("a bad id: %v", fields(pr))
	}
	id := "0192f6a4-7b1c-7d2e-9f30-4a5b6c7d8e9f"
	var p patrolOut
	for i, k := range []string{"a", "b"} { // the second start is a retry with another key
		if r := send(t, gm, "/api/v1/patrol/patrols", k, map[string]any{"id": id, "at": time.Now().Add(-20 * time.Minute).UnixMilli()}); r.Status != 201 {
			t.Fatalf("start %d: %d %s", i, r.Status, r.Body)
		} else {
			json.Unmarshal(r.Body, &p)
		}
	}
	if p.ID != id || p.Status != "open" {
		t.Fatalf("the phone's patrol: %+v", p)
	}
	if r := send(t, gm, "/api/v1/patrol/patrols/"+id+"/checkins", "c", map[string]any{"at": time.Now().Add(-10 * time.Minute).UnixMilli(), "lat": 21.6, "lng": 110.9}); r.Status != 201 {
		t.Errorf("a check-in of the phone's patrol: %d", r.Status)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM patrols WHERE id = ?", id).Scan(&n)
	if n != 1 {
		t.Errorf("%d patrols with the phone's id", n)
	}
	if pr := a.Login("police").Fail("POST", "/api/v1/patrol/patrols", map[string]any{"id": id}); pr.Status != 409 && pr.Status != 422 {
		t.Errorf("another account's start with the id: %d", pr.Status)
	}
}
