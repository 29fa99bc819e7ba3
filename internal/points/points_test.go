package points_test

import (
	"context"
	"encoding/json"
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
