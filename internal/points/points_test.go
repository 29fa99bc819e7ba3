package points_test

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/points"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestLedgerRulesCorrectionsRankings credits a member under the rules,
// changes the rules (old entries keep their version), corrects a ledger
// with a new entry (nothing is edited), and ranks members and branches by
// month and year; the ledger is read only within the area and audited.
func TestLedgerRulesCorrectionsRankings(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	q := a.DB.Reader()
	// The demo's year of orders and points is cleared: the figures counted
	// here are the test's own.
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range []string{"red_order_steps", "red_order_photos", "points_entries", "red_orders"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var user string
	if err := q.QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'partymember'").Scan(&user); err != nil {
		t.Fatal(err)
	}
	me, err := party.MemberOfUser(ctx, q, user)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := party.BranchOf(ctx, q, me)
	others, err := party.MembersUnder(ctx, q, b.ID)
	if err != nil || len(others) < 2 {
		t.Fatalf("members: %v %d", err, len(others))
	}
	other := others[0].ID
	if other == me.ID {
		other = others[1].ID
	}
	now := time.Now()
	lastYear := now.AddDate(-1, 0, 0)
	credit := func(member, rule, source string, at time.Time) int {
		t.Helper()
		var n int
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			c, err := points.SubjectOfMember(ctx, tx, member)
			if err != nil {
				return err
			}
			c.Rule, c.SourceKind, c.SourceID, c.At = rule, "red_order", source, at.UnixMilli()
			n, err = points.CreditTx(ctx, tx, c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if credit(me.ID, points.OrderDone, "o1", now) != 3 || credit(me.ID, points.OrderGoodRating, "o1", now) != 2 {
		t.Fatal("default rules")
	}
	if credit(me.ID, points.OrderDone, "o1", now) != 0 {
		t.Fatal("the same source credited twice")
	}
	credit(other, points.OrderDone, "o2", now)
	credit(other, points.OrderDone, "o3", lastYear)

	sec, member, admin, resident := a.Login("party_secretary"), a.Login("party_member"), a.Login("sys_admin"), a.Login("resident")

	// The county changes the rules: new entries take the new version, old ones keep theirs.
	var r points.Rules
	admin.Do("GET", "/api/v1/points/rules", nil, &r)
	r.OrderDone = 5
	bad := r
	bad.OrderOverdue = 4
	if p := admin.Fail("POST", "/api/v1/points/rules", bad); len(p.Errors) == 0 || p.Errors[0].Field != "order_overdue" {
		t.Fatalf("a positive deduction: %+v", p)
	}
	if st := sec.Do("POST", "/api/v1/points/rules", r, nil); st != 403 {
		t.Fatalf("a secretary sets the county's rules: %d", st)
	}
	var r2 points.Rules
	if st := admin.Do("POST", "/api/v1/points/rules", r, &r2); st != 200 || r2.Version != 2 {
		t.Fatalf("rules: %d %+v", st, r2)
	}
	if st := admin.Do("POST", "/api/v1/points/rules", r, nil); st != 409 {
		t.Fatalf("a stale version: %d", st)
	}
	var v1 points.Rules
	if admin.Do("GET", "/api/v1/points/rules?version=1", nil, &v1); v1.OrderDone != 3 {
		t.Fatalf("version 1 kept: %+v", v1)
	}
	if credit(me.ID, points.OrderDone, "o4", now) != 5 {
		t.Fatal("the new rules")
	}

	// The member's own ledger: every entry names its source and rule version.
	var l points.Ledger
	if st := member.Do("GET", "/api/v1/points/mine", nil, &l); st != 200 || l.Total != 10 || len(l.Items) != 3 {
		t.Fatalf("mine: %d %+v", st, l)
	}
	versions := map[string]int{}
	for _, e := range l.Items {
		if e.SourceKind != "red_order" || e.SourceID == "" {
			t.Fatalf("an entry without its source: %+v", e)
		}
		versions[e.SourceID+e.Rule] = e.RuleVersion
	}
	if versions["o1order_done"] != 1 || versions["o4order_done"] != 2 {
		t.Fatalf("rule versions: %v", versions)
	}

	// Corrections: a new entry with a reason; the corrected entry stays as it was.
	first := l.Items[len(l.Items)-1]
	if p := sec.Fail("POST", "/api/v1/points/corrections", map[string]any{"subject_kind": "party_member", "subject_id": me.ID, "points": 0, "reason": ""}); len(p.Errors) < 2 {
		t.Fatalf("a bad correction: %+v", p)
	}
	var c points.Entry
	if st := sec.Do("POST", "/api/v1/points/corrections", map[string]any{"subject_kind": "party_member", "subject_id": me.ID, "points": -1,
		"reason": "服务记录照片不清，按支部会议决定扣减", "corrects_id": first.ID}, &c); st != 201 || c.Rule != "correction" || c.CorrectsID != first.ID {
		t.Fatalf("correction: %d %+v", st, c)
	}
	if st := member.Do("POST", "/api/v1/points/corrections", map[string]any{"subject_kind": "party_member", "subject_id": me.ID, "points": 5, "reason": "自己加分"}, nil); st != 403 {
		t.Fatalf("a member corrects their own ledger: %d", st)
	}
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		if r := sec.Raw(m, "/api/v1/points/corrections", "application/json", []byte(`{}`)); r.Status < 400 {
			t.Fatalf("%s on the ledger: %d", m, r.Status)
		}
	}
	var l2 points.Ledger
	if st := sec.Do("GET", "/api/v1/points/ledgers/party_member/"+me.ID, nil, &l2); st != 200 || l2.Total != 9 || len(l2.Items) != 4 {
		t.Fatalf("ledger: %d %+v", st, l2)
	}
	for _, e := range l2.Items {
		if e.ID == first.ID && (e.Points != first.Points || e.Reason != "") {
			t.Fatalf("an entry was changed: %+v", e)
		}
	}
	var audited int
	q.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'points.ledger_read' AND object_id = ?", me.ID).Scan(&audited)
	if audited == 0 {
		t.Fatal("the ledger read is not audited")
	}
	if st := resident.Do("GET", "/api/v1/points/ledgers/party_member/"+me.ID, nil, nil); st != 403 {
		t.Fatalf("a resident reads a ledger: %d", st)
	}

	// Rankings: this month, this year, by branch; ties share a rank.
	month, year := points.MonthOf(now.UnixMilli()), now.In(time.FixedZone("CST", 8*3600)).Format("2006")
	var rk points.Ranking
	if st := sec.Do("GET", "/api/v1/points/rankings?period="+month, nil, &rk); st != 200 || len(rk.Items) < 2 {
		t.Fatalf("ranking: %d %+v", st, rk)
	}
	if rk.Items[0].ID != me.ID || rk.Items[0].Points != 9 || rk.Items[0].Rank != 1 || rk.Items[0].Name == "" || rk.Items[0].Branch == "" {
		t.Fatalf("first: %+v", rk.Items[0])
	}
	if rk.Items[1].ID != other || rk.Items[1].Points != 3 {
		t.Fatalf("second: %+v", rk.Items[1])
	}
	var ry points.Ranking
	sec.Do("GET", "/api/v1/points/rankings?period="+year+"&by=branch", nil, &ry)
	if len(ry.Items) != 1 || ry.Items[0].ID != b.ID || ry.Items[0].Points != 12 {
		t.Fatalf("branch ranking: %+v", ry.Items)
	}
	if p := sec.Fail("GET", "/api/v1/points/rankings?period=2026-1", nil); len(p.Errors) == 0 || p.Errors[0].Field != "period" {
		t.Fatalf("a bad period: %+v", p)
	}
	_ = json.Marshal
}

// TestWorkEarnsPoints follows what the rooms credit as it happens: the
// demo's grid member is a party member (a 党员网格员), so her patrol with a
// check-in earns the patrol's point (one without a check-in nothing), her
// screening finding and the training she attended earn theirs, and taking
// her off the training's attendance takes them off again by a correction
// (putting her back gives them again); a volunteer's recorded hours earn
// points per hour on the volunteer's own ledger; and the sweep credits the
// members' 双报到 tasks once: hours done, a deduction for each left open
// past its day.
func TestWorkEarnsPoints(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	q := a.DB.Reader()
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM points_entries")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var user, worker, village string
	if err := q.QueryRowContext(ctx, `SELECT u.id, w.id, w.org_id FROM users u JOIN workers w ON w.user_id = u.id WHERE u.username = 'gridmember'`).
		Scan(&user, &worker, &village); err != nil {
		t.Fatal(err)
	}
	me, err := party.MemberOfUser(ctx, q, user)
	if err != nil {
		t.Fatalf("the demo's grid member is no party member: %v", err)
	}
	gm, sec, intake := a.LoginAs("gridmember"), a.Login("party_secretary"), a.Login("intake")
	post := func(c *testapp.Client, path, key string, body any) string {
		t.Helper()
		b, _ := json.Marshal(body)
		r := c.RawWith("POST", path, "application/json", b, map[string]string{"Idempotency-Key": key})
		var out struct {
			ID string `json:"id"`
		}
		if r.Status >= 300 || json.Unmarshal(r.Body, &out) != nil {
			t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		return out.ID
	}
	ledger := func(kind, id string) map[string]int {
		t.Helper()
		var l points.Ledger
		if st := sec.Do("GET", "/api/v1/points/ledgers/"+kind+"/"+id, nil, &l); st != 200 {
			t.Fatalf("ledger of %s %s: %d", kind, id, st)
		}
		out := map[string]int{}
		for _, e := range l.Items {
			out[e.Rule+" "+e.SourceKind] += e.Points
		}
		return out
	}
	now := time.Now()
	lat, lng := a.Demo.Center.Lat, a.Demo.Center.Lng

	walked := post(gm, "/api/v1/patrol/patrols", "pts-walk", map[string]any{})
	post(gm, "/api/v1/patrol/patrols/"+walked+"/checkins", "pts-c1", map[string]any{"id": "0199a0b0-0000-7000-8000-000000000001",
		"at": now.UnixMilli(), "lat": lat, "lng": lng, "accuracy": 12})
	post(gm, "/api/v1/patrol/patrols/"+walked+"/end", "pts-end1", map[string]any{})
	idle := post(gm, "/api/v1/patrol/patrols", "pts-idle", map[string]any{})
	post(gm, "/api/v1/patrol/patrols/"+idle+"/end", "pts-end2", map[string]any{})
	post(gm, "/api/v1/screening/findings", "pts-f1", map[string]any{"org_id": village, "type": "neighbour", "description": "两户因排水沟堵塞互相指责",
		"parties": []string{"张三丰", "李四"}, "risk": "low", "leader": "王副镇长", "person": "村调解员", "measures": "组织双方现场协商",
		"deadline": now.AddDate(0, 0, 10).Format(time.DateOnly)})
	training := post(intake, "/api/v1/assess/trainings", "pts-t1", map[string]any{"org_id": village, "title": "网格学堂：矛盾排查", "trainer": "司法所",
		"held_on": now.Format(time.DateOnly), "hours": 2, "worker_ids": []string{worker}})
	got := ledger(points.PartyMember, me.ID)
	want := map[string]int{"patrol patrol": 1, "screening screening_finding": 2, "training training": 2}
	if !maps.Equal(got, want) {
		t.Fatalf("the member's ledger: %v, want %v", got, want)
	}
	attendance := func(version int, workers []string) {
		t.Helper()
		if st := intake.Do("PUT", "/api/v1/assess/trainings/"+training+"/attendance", map[string]any{"version": version, "worker_ids": workers}, nil); st != 200 {
			t.Fatalf("attendance: %d", st)
		}
	}
	attendance(1, []string{})
	if got := ledger(points.PartyMember, me.ID); got["training training"] != 2 || got["correction training"] != -2 {
		t.Fatalf("taken off the attendance: %v", got)
	}
	attendance(2, []string{worker})
	if got := ledger(points.PartyMember, me.ID); got["training training"]+got["correction training"] != 2 {
		t.Fatalf("put back on the attendance: %v", got)
	}
	// Her own ledger on the phone sums it by month and rule.
	var mine points.Ledger
	if st := gm.Do("GET", "/api/v1/points/mine", nil, &mine); st != 200 || mine.SubjectID != me.ID || mine.Total != 5 || mine.Year != 5 {
		t.Fatalf("the grid member's own ledger: %d %+v", st, mine)
	}
	sums := map[string]points.MonthSum{}
	for _, m := range mine.Months {
		sums[m.Rule] = m
	}
	if p := sums["patrol"]; p.Count != 1 || p.Points != 1 || p.Month != now.In(time.FixedZone("CST", 8*3600)).Format("2006-01") ||
		sums["training"].Count != 2 || sums["correction"].Points != -2 {
		t.Fatalf("the month's sums: %+v", mine.Months)
	}

	var volunteer string
	if err := q.QueryRowContext(ctx, `SELECT v.id FROM volunteers v JOIN org_nodes o ON o.id = ? WHERE v.status = 'active' AND v.path LIKE o.path || '%'
		ORDER BY v.name LIMIT 1`, village).Scan(&volunteer); err != nil {
		t.Fatal(err)
	}
	post(intake, "/api/v1/volunteer/hours", "", map[string]any{"volunteer_id": volunteer, "day": now.Format(time.DateOnly), "minutes": 90, "reason": "普法讲座"})
	if got := ledger(points.Volunteer, volunteer); got["volunteer_hour volunteer_hours"] != 2 {
		t.Fatalf("the volunteer's ledger after 90 minutes: %v", got)
	}
	// A volunteer's account sees its own ledger; an account that is neither
	// a member's nor a volunteer's has none.
	var own points.Ledger
	if st := a.LoginAs("volunteer").Do("GET", "/api/v1/points/mine", nil, &own); st != 200 || own.SubjectKind != points.Volunteer || own.Name == "" {
		t.Fatalf("the volunteer's own ledger: %d %+v", st, own)
	}
	if p := a.Login("resident").Fail("GET", "/api/v1/points/mine", nil); p.Code != "points.not_member" {
		t.Fatalf("a resident's own ledger: %+v", p)
	}
	var ranking points.Ranking
	if st := sec.Do("GET", "/api/v1/points/rankings?by=volunteer", nil, &ranking); st != 200 || len(ranking.Items) == 0 ||
		ranking.Items[0].ID != volunteer || ranking.Items[0].Name == "" || ranking.Items[0].Branch == "" {
		t.Fatalf("the volunteers' ranking: %d %+v", st, ranking)
	}

	// The 双报到 tasks of the demo's accepted members.
	today := now.In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	var done, missed int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN t.status = 'done' AND t.hours > 0 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN t.status = 'open' AND t.due_on < ? THEN 1 ELSE 0 END), 0) FROM party_report_tasks t JOIN party_reports r ON r.id = t.report_id
		WHERE r.kind = 'member' AND r.status = 'accepted'`, today).Scan(&done, &missed); err != nil {
		t.Fatal(err)
	}
	if done == 0 || missed == 0 {
		t.Fatalf("the demo has %d tasks done with hours and %d left open: both are needed", done, missed)
	}
	n, err := a.Points.CreditTasks(ctx, "2000-01-01")
	if err != nil || n != done+missed {
		t.Fatalf("credited %d tasks (%v), want %d", n, err, done+missed)
	}
	if n, err := a.Points.CreditTasks(ctx, "2000-01-01"); err != nil || n != 0 {
		t.Fatalf("a second sweep wrote %d (%v)", n, err)
	}
	var deducted int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(SUM(points), 0) FROM points_entries WHERE rule = 'duty_missed'").Scan(&deducted); err != nil || deducted != -3*missed {
		t.Fatalf("deducted %d (%v), want %d", deducted, err, -3*missed)
	}
}
