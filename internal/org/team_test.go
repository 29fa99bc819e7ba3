package org_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/testapp"
)

// townCentre is a principal holding the workforce permissions over one
// town only, as a town's 综治中心 would.
func townCentre(a *testapp.App, townPath string) context.Context {
	ctx := audit.WithMeta(context.Background(), audit.Meta{RequestID: "test", IP: "local"})
	return authz.WithPrincipal(ctx, &authz.Principal{UserID: "system", Username: "towncentre", DisplayName: "镇综治中心",
		Grants: []authz.Grant{{Role: "intake", OrgPath: townPath,
			Perms: []authz.Perm{authz.GridRead, authz.OrgRead, authz.WorkforceRead, authz.WorkforceWrite}}}})
}

// firstGrids returns two main-layer grids of the demo's first village,
// the village's id and its town's path.
func firstGrids(t *testing.T, a *testapp.App) (g1, g2, village, townPath string) {
	t.Helper()
	ctx := context.Background()
	q := a.DB.Reader()
	if err := q.QueryRowContext(ctx, `SELECT g.id, g.org_id FROM grids g JOIN grid_members m ON m.grid_id = g.id JOIN users u ON u.id = m.user_id
		WHERE u.username = 'gridmember' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&g1, &village); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND id <> ? ORDER BY code LIMIT 1", village, g1).Scan(&g2); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT p.path FROM org_nodes v JOIN org_nodes p ON p.id = v.parent_id WHERE v.id = ?", village).Scan(&townPath); err != nil {
		t.Fatal(err)
	}
	return
}

func primaries(t *testing.T, a *testapp.App, workerID string) int {
	t.Helper()
	var n int
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM grid_members WHERE worker_id = ? AND is_primary = ?", workerID, true).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func placeOf(g org.Grid, workerID, role string) org.Member {
	for _, m := range g.Team {
		if m.WorkerID == workerID && m.Role == role {
			return m
		}
	}
	return org.Member{}
}

func TestTeamPlacesKeepOnePrimary(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	g1, g2, village, townPath := firstGrids(t, a)
	ctx := townCentre(a, townPath)

	// A new person, made on the way, becomes a building head of grid 1:
	// their first place is their primary one.
	grid, err := a.Org.AddPlace(ctx, g1, org.PlaceInput{Role: "building_head", NewWorker: &org.WorkerInput{Name: "楼长老王", Employment: "other", Phone: "13800138001"}})
	if err != nil {
		t.Fatal(err)
	}
	var worker string
	for _, m := range grid.Team {
		if m.Name == "楼长老王" {
			worker = m.WorkerID
		}
	}
	if worker == "" || !placeOf(grid, worker, "building_head").Primary {
		t.Fatalf("team: %+v", grid.Team)
	}
	// A second place on grid 2 is not primary; asked to be, it takes over.
	g, err := a.Org.AddPlace(ctx, g2, org.PlaceInput{Role: "volunteer", WorkerID: worker})
	if err != nil {
		t.Fatal(err)
	}
	if placeOf(g, worker, "volunteer").Primary || primaries(t, a, worker) != 1 {
		t.Fatalf("second place primary: %+v", g.Team)
	}
	p2 := placeOf(g, worker, "volunteer")
	yes := true
	if _, err := a.Org.UpdatePlace(ctx, p2.ID, org.PlacePatch{Primary: &yes, Version: p2.Version}); err != nil {
		t.Fatal(err)
	}
	w, err := a.Org.Worker(ctx, worker)
	if err != nil {
		t.Fatal(err)
	}
	if primaries(t, a, worker) != 1 || len(w.Places) != 2 || w.Places[0].GridID != g2 || !w.Places[0].Primary {
		t.Fatalf("places: %+v", w.Places)
	}
	// A stale version is refused.
	if _, err := a.Org.UpdatePlace(ctx, p2.ID, org.PlacePatch{Primary: &yes, Version: p2.Version}); !isCode(err, "conflict.version") {
		t.Fatalf("stale version: %v", err)
	}
	// The same role twice on one grid is refused.
	if _, err := a.Org.AddPlace(ctx, g1, org.PlaceInput{Role: "building_head", WorkerID: worker}); !isCode(err, "team.already_serving") {
		t.Fatalf("twice: %v", err)
	}
	// The database itself holds one primary place a person.
	err = a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), "UPDATE grid_members SET is_primary = ? WHERE worker_id = ?", true, worker)
		return err
	})
	if !db.IsUniqueViolation(err) {
		t.Fatalf("two primaries written: %v", err)
	}
	// Removing the primary place makes the other one primary.
	if _, err := a.Org.RemovePlace(ctx, w.Places[0].ID, w.Places[0].Version); err != nil {
		t.Fatal(err)
	}
	w, _ = a.Org.Worker(ctx, worker)
	if len(w.Places) != 1 || w.Places[0].GridID != g1 || !w.Places[0].Primary {
		t.Fatalf("after removing the primary place: %+v", w.Places)
	}
	// The history names each step and who took it.
	var actions []string
	for _, l := range w.Log {
		actions = append(actions, l.Action)
		if l.ActorName != "镇综治中心" {
			t.Fatalf("log actor: %+v", l)
		}
	}
	if got := strings.Join(actions, " "); got != "place_removed primary_changed place_added place_added joined" {
		t.Fatalf("history: %s", got)
	}
	// The roster lists them under the village, with the masked phone; a
	// phone number finds them.
	r, err := a.Org.LookupWorkers(ctx, org.PhoneLookup{Phone: "13800138001"})
	if err != nil || r.Total != 1 || r.Items[0].PhoneMasked != "138****8001" || r.Items[0].ID != worker {
		t.Fatalf("lookup: %+v %v", r, err)
	}
	if _, err := a.Org.ListWorkers(ctx, org.RosterQuery{OrgID: village, Q: "13800138001"}); !isCode(err, "worker.phone_lookup") {
		t.Fatalf("a phone in the URL: %v", err)
	}
	if r, err := a.Org.ListWorkers(ctx, org.RosterQuery{OrgID: village, Role: "building_head", Q: "楼长老"}); err != nil || r.Total != 1 {
		t.Fatalf("by name: %+v %v", r, err)
	}
}

func TestPhoneIsSealedAndRevealedWithReason(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	_, _, village, townPath := firstGrids(t, a)
	ctx := townCentre(a, townPath)
	w, err := a.Org.CreateWorker(ctx, org.WorkerInput{OrgID: village, Name: "李辅助", Employment: "part_time", StartedOn: "2025-03-01", Phone: "139 0276 1234"})
	if err != nil {
		t.Fatal(err)
	}
	var sealed, masked, blind string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT phone_sealed, phone_masked, phone_blind FROM workers WHERE id = ?", w.ID).Scan(&sealed, &masked, &blind); err != nil {
		t.Fatal(err)
	}
	if sealed == "" || strings.Contains(sealed, "13902761234") || strings.Contains(blind, "13902761234") || masked != "139****1234" {
		t.Fatalf("stored phone: %q %q %q", sealed, masked, blind)
	}
	if _, err := a.Org.RevealWorkerPhone(ctx, w.ID, org.RevealInput{Reason: "x"}); !isCode(err, "registry.reason_required") {
		t.Fatalf("no reason: %v", err)
	}
	got, err := a.Org.RevealWorkerPhone(ctx, w.ID, org.RevealInput{Reason: "通知参加培训"})
	if err != nil || got.Phone != "13902761234" {
		t.Fatalf("reveal: %+v %v", got, err)
	}
	var n int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'worker.reveal' AND object_id = ?", w.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("reveal audited %d times", n)
	}
	// A new number is sealed again and the history says so, without it.
	phone := "13700001111"
	w2, err := a.Org.UpdateWorker(ctx, w.ID, org.WorkerPatch{Phone: &phone, Version: w.Version})
	if err != nil || w2.PhoneMasked != "137****1111" || w2.Log[0].Action != "phone_changed" || strings.Contains(w2.Log[0].Detail, phone) {
		t.Fatalf("phone change: %+v %v", w2, err)
	}
}

func TestTownCannotEditAnotherTownsTeam(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	g1, _, village, _ := firstGrids(t, a)
	// The centre of another town of the county.
	var other, otherVillage string
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT t.path, v.id FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id
		WHERE v.kind = 'village' AND t.id <> (SELECT parent_id FROM org_nodes WHERE id = ?) ORDER BY v.code LIMIT 1`, village).Scan(&other, &otherVillage); err != nil {
		t.Fatal(err)
	}
	ctx := townCentre(a, other)
	if _, err := a.Org.AddPlace(ctx, g1, org.PlaceInput{Role: "volunteer", NewWorker: &org.WorkerInput{Name: "越界", Employment: "other"}}); !isCode(err, "not_found") {
		t.Fatalf("another town's grid: %v", err)
	}
	var place, worker string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id, worker_id FROM grid_members WHERE grid_id = ? ORDER BY id LIMIT 1", g1).Scan(&place, &worker)
	if _, err := a.Org.RemovePlace(ctx, place, 1); !isCode(err, "not_found") {
		t.Fatalf("another town's place: %v", err)
	}
	if _, err := a.Org.Worker(ctx, worker); !isCode(err, "not_found") {
		t.Fatalf("another town's roster entry: %v", err)
	}
	if _, err := a.Org.CreateWorker(ctx, org.WorkerInput{OrgID: village, Name: "越界", Employment: "other"}); !isCode(err, "org.not_found") {
		t.Fatalf("another town's roster: %v", err)
	}
	// Its own village's roster is open to it.
	if _, err := a.Org.CreateWorker(ctx, org.WorkerInput{OrgID: otherVillage, Name: "本镇", Employment: "other"}); err != nil {
		t.Fatal(err)
	}
}

// fakeWork is a room with open work per member, counting what it moved.
type fakeWork struct {
	moved    map[string]string
	fail     bool
	inTxSeen bool
}

func (f *fakeWork) HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error) {
	// The roster's change is visible inside the same transaction.
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grid_members WHERE worker_id = ?", from).Scan(&n); err != nil {
		return 0, err
	}
	f.inTxSeen = n == 0
	if f.fail {
		return 0, errors.New("the work could not move")
	}
	f.moved[from] = to
	return 3, nil
}

func TestMoveHandsPlacesAndWorkToTheSuccessor(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	g1, g2, _, townPath := firstGrids(t, a)
	ctx := townCentre(a, townPath)
	work := &fakeWork{moved: map[string]string{}}
	a.Org.AddSuccessor(work)

	grid, err := a.Org.Grid(ctx, g1)
	if err != nil {
		t.Fatal(err)
	}
	member := placeOf(grid, "", "")
	for _, m := range grid.Team {
		if m.Role == "assistant" {
			member = m
		}
	}
	succ, err := a.Org.CreateWorker(ctx, org.WorkerInput{OrgID: grid.OrgID, Name: "接替人", Employment: "full_time"})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := a.Org.Worker(ctx, member.WorkerID)

	// A failing successor undoes everything.
	work.fail = true
	if _, err := a.Org.MoveWorker(ctx, member.WorkerID, org.MoveInput{GridID: g2, SuccessorID: succ.ID, Version: before.Version}); err == nil {
		t.Fatal("a failing handover moved the member")
	}
	if !work.inTxSeen {
		t.Fatal("the successor ran outside the roster's transaction")
	}
	after, _ := a.Org.Worker(ctx, member.WorkerID)
	if after.Version != before.Version || len(after.Places) != len(before.Places) || after.Places[0].GridID != g1 {
		t.Fatalf("rolled back: %+v", after)
	}
	// Without a successor the move is refused.
	if _, err := a.Org.MoveWorker(ctx, member.WorkerID, org.MoveInput{GridID: g2, Version: before.Version}); !isCode(err, "validation.required") {
		t.Fatalf("no successor: %v", err)
	}

	work.fail = false
	res, err := a.Org.MoveWorker(ctx, member.WorkerID, org.MoveInput{GridID: g2, SuccessorID: succ.ID, Reason: "工作调整", Version: before.Version})
	if err != nil {
		t.Fatal(err)
	}
	if res.PlacesMoved != 1 || res.WorkMoved != 3 || work.moved[member.WorkerID] != succ.ID {
		t.Fatalf("moved: %+v %v", res, work.moved)
	}
	if len(res.Worker.Places) != 1 || res.Worker.Places[0].GridID != g2 || res.Worker.Places[0].Role != "assistant" || !res.Worker.Places[0].Primary {
		t.Fatalf("member's places: %+v", res.Worker.Places)
	}
	grid, _ = a.Org.Grid(ctx, g1)
	if p := placeOf(grid, succ.ID, "assistant"); p.ID != member.ID || p.Name != "接替人" || !p.Primary {
		t.Fatalf("successor's place: %+v", grid.Team)
	}
	s, _ := a.Org.Worker(ctx, succ.ID)
	if s.Log[0].Action != "took_over" || s.Log[0].Detail != member.Name {
		t.Fatalf("successor's history: %+v", s.Log)
	}
	if res.Worker.Log[0].Action != "moved" || !strings.Contains(res.Worker.Log[0].Detail, "工作调整") {
		t.Fatalf("member's history: %+v", res.Worker.Log)
	}

	// Leaving: the places go, the entry stays with status left.
	res, err = a.Org.MoveWorker(ctx, member.WorkerID, org.MoveInput{Leave: true, LeftOn: "2026-01-31", SuccessorID: succ.ID, Version: res.Worker.Version})
	if err != nil {
		t.Fatal(err)
	}
	if res.Worker.Status != "left" || res.Worker.LeftOn != "2026-01-31" || len(res.Worker.Places) != 0 || res.Worker.Log[0].Action != "left" {
		t.Fatalf("left: %+v", res.Worker)
	}
	if _, err := a.Org.AddPlace(ctx, g1, org.PlaceInput{Role: "volunteer", WorkerID: member.WorkerID}); !isCode(err, "worker.left") {
		t.Fatalf("a member who left: %v", err)
	}
	if primaries(t, a, succ.ID) != 1 {
		t.Fatal("successor's primary")
	}
}

func TestTeamAndRosterOverHTTP(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	g1, _, village, _ := firstGrids(t, a)
	intake := a.Login("intake")
	var g org.Grid
	if st := intake.Do("POST", "/api/v1/grids/"+g1+"/team", map[string]any{"role": "party_member",
		"new_worker": map[string]string{"name": "党员小陈", "employment": "other", "phone": "13800138002"}}, &g); st != 201 {
		t.Fatalf("add place: %d %+v", st, intake.Fail("POST", "/api/v1/grids/"+g1+"/team", nil))
	}
	var p org.Member
	for _, m := range g.Team {
		if m.Role == "party_member" {
			p = m
		}
	}
	if p.ID == "" || p.WorkerID == "" {
		t.Fatalf("team: %+v", g.Team)
	}
	if st := intake.Do("PATCH", "/api/v1/team-places/"+p.ID, map[string]any{"role": "volunteer", "version": p.Version}, &g); st != 200 || placeOf(g, p.WorkerID, "volunteer").ID != p.ID {
		t.Fatalf("change role: %d", st)
	}
	var r org.Roster
	if st := intake.Do("GET", "/api/v1/workers?org_id="+village+"&role=volunteer", nil, &r); st != 200 || r.Total < 1 {
		t.Fatalf("roster: %d %+v", st, r)
	}
	// The grid member reads the roster but may not change it.
	gm := a.Login("grid_member")
	if st := gm.Do("GET", "/api/v1/workers/"+p.WorkerID, nil, nil); st != 200 {
		t.Fatalf("grid member reads: %d", st)
	}
	if st := gm.Do("POST", "/api/v1/team-places/"+p.ID+"/remove", map[string]int{"version": 2}, nil); st != 403 {
		t.Fatalf("grid member removes: %d", st)
	}
	if st := intake.Do("POST", "/api/v1/team-places/"+p.ID+"/remove", map[string]int{"version": 2}, &g); st != 200 || placeOf(g, p.WorkerID, "volunteer").ID != "" {
		t.Fatalf("remove: %d", st)
	}
}

// isCode reports whether err is the apperr code, or names it for a field.
func isCode(err error, code string) bool {
	e := apperr.As(err)
	if err == nil || e == nil {
		return false
	}
	if e.Code == code {
		return true
	}
	for _, f := range e.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

// The demo's roster: phones on every entry, building heads, a person on
// two grids with one primary, members who left with their history.
func TestDemoRosterLooksReal(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	q := a.DB.Reader()
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := q.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM workers WHERE phone_sealed = ''"); n != 0 {
		t.Fatalf("%d roster entries without a phone", n)
	}
	if count("SELECT count(*) FROM grid_members WHERE role = 'building_head'") == 0 || count("SELECT count(*) FROM grid_members WHERE role = 'party_member'") == 0 {
		t.Fatal("no building heads or party members")
	}
	if count("SELECT count(*) FROM (SELECT worker_id FROM grid_members WHERE role = 'assistant' GROUP BY worker_id HAVING count(DISTINCT grid_id) > 1) x") == 0 {
		t.Fatal("nobody serves two grids")
	}
	if count("SELECT count(*) FROM (SELECT worker_id FROM grid_members GROUP BY worker_id HAVING sum(CASE WHEN is_primary THEN 1 ELSE 0 END) <> 1) x") != 0 {
		t.Fatal("a person without exactly one primary place")
	}
	if count("SELECT count(*) FROM workers WHERE status = 'left' AND left_on <> ''") == 0 || count("SELECT count(*) FROM worker_log WHERE action = 'left'") == 0 {
		t.Fatal("nobody left")
	}
	intake := a.Login("intake")
	var r org.Roster
	if st := intake.Do("GET", "/api/v1/workers?status=left", nil, &r); st != 200 || r.Total == 0 || r.Items[0].PhoneMasked == "" {
		t.Fatalf("left members: %d %+v", st, r)
	}
}

// The roster's spreadsheet holds the masked phone, never the number, and
// the export is audited.
func TestRosterExportIsMasked(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	_, _, village, _ := firstGrids(t, a)
	intake := a.Login("intake")
	var w org.WorkerEntry
	if st := intake.Do("POST", "/api/v1/workers", map[string]string{"org_id": village, "name": "导出测试", "employment": "part_time", "phone": "13712345678"}, &w); st != 201 {
		t.Fatalf("create: %d", st)
	}
	res := intake.Raw("GET", "/api/v1/workers/export?q=导出测试&org_id="+village, "", nil)
	if res.Status != 200 || !strings.HasPrefix(string(res.Body), "PK") {
		t.Fatalf("export: %d %.200s", res.Status, res.Body)
	}
	zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		text.Write(b)
	}
	if s := text.String(); !strings.Contains(s, "导出测试") || !strings.Contains(s, "137****5678") || strings.Contains(s, "13712345678") {
		t.Fatal("the sheet lacks the masked entry, or holds the number")
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'worker.export'").Scan(&n)
	if n != 1 {
		t.Fatalf("export audited %d times", n)
	}
}

// A roster entry links to an account of the area, one entry an account;
// its team places then name the account.
func TestLinkAnAccount(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	g1, _, village, _ := firstGrids(t, a)
	intake := a.Login("intake")
	var g org.Grid
	if st := intake.Do("POST", "/api/v1/grids/"+g1+"/team", map[string]any{"role": "party_member",
		"new_worker": map[string]string{"name": "吴红", "employment": "other"}}, &g); st != 201 {
		t.Fatalf("add: %d", st)
	}
	var w org.WorkerEntry
	for _, m := range g.Team {
		if m.Name == "吴红" {
			intake.Do("GET", "/api/v1/workers/"+m.WorkerID, nil, &w)
		}
	}
	user := a.Account("party_member").Username
	var linked org.WorkerEntry
	if st := intake.Do("PATCH", "/api/v1/workers/"+w.ID, map[string]any{"username": user, "version": w.Version}, &linked); st != 200 || linked.Username != user {
		t.Fatalf("link: %d %+v", st, w)
	}
	if linked.Log[0].Action != "account_linked" {
		t.Fatalf("history: %+v", linked.Log[0])
	}
	w = linked
	if st := intake.Do("GET", "/api/v1/grids/"+g1, nil, &g); st != 200 || placeOf(g, w.ID, "party_member").Username != user {
		t.Fatalf("the team names the account: %+v", g.Team)
	}
	// One roster entry an account; an unknown account is not found.
	other, err := a.Org.CreateWorker(townCentre(a, "/"), org.WorkerInput{OrgID: village, Name: "别人", Employment: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if p := intake.Fail("PATCH", "/api/v1/workers/"+other.ID, map[string]any{"username": user, "version": other.Version}); p.Status != 400 || p.Errors[0].Code != "worker.account_taken" {
		t.Fatalf("taken: %+v", p)
	}
	if p := intake.Fail("PATCH", "/api/v1/workers/"+other.ID, map[string]any{"username": "nobody.here", "version": other.Version}); p.Errors[0].Code != "worker.account_not_found" {
		t.Fatalf("unknown: %+v", p)
	}
	// Unlinked, the entry and its places name no account.
	var unlinked org.WorkerEntry
	if st := intake.Do("PATCH", "/api/v1/workers/"+w.ID, map[string]any{"username": "", "version": w.Version}, &unlinked); st != 200 || unlinked.Username != "" {
		t.Fatalf("unlink: %d %+v", st, unlinked)
	}
	g = org.Grid{}
	intake.Do("GET", "/api/v1/grids/"+g1, nil, &g)
	if placeOf(g, w.ID, "party_member").Username != "" {
		t.Fatal("the place still names the account")
	}
}
