package safety_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The monthly bulletin: the demo's issued ones keep their number and
// comments; a draft's comments are saved until it is issued; only a
// published month's bulletin is issued, numbered within its year and sent
// to the readers' inboxes; a town's reader reads the issued ones and not a
// draft.
func TestBulletin(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader := a.Login("intake"), a.Login("leader")
	var county, town string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town)
	now := time.Now().In(safety.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, safety.Zone)
	month, last := first.Format("2006-01"), first.AddDate(0, -1, 0).Format("2006-01")
	base := "/api/v1/safety/roots/" + county

	var b safety.Bulletin
	if st := leader.Do("GET", base+"/months/"+last+"/bulletin", nil, &b); st != 200 || b.Status != safety.BulletinIssued || b.Year != first.AddDate(0, -1, 0).Year() ||
		b.Seq < 1 || !strings.Contains(b.Comments, "排名末位") || len(b.Ranking.Areas) != 9 || len(b.Trend) != 12 || b.CanManage {
		t.Fatalf("last month's bulletin: %d %+v", st, b)
	}
	if b.Trend[11].Month != last || b.Trend[11].Score != b.Ranking.Areas[0].Score {
		t.Fatalf("the trend ends with the month's county index: %+v %+v", b.Trend, b.Ranking.Areas[0])
	}
	if p := intake.Fail("PUT", base+"/months/"+last+"/bulletin", safety.BulletinInput{Version: b.Version, Comments: "改"}); p.Code != "safety.bulletin_issued" {
		t.Fatalf("an issued bulletin changes: %+v", p)
	}
	var list safety.Page[safety.BulletinRef]
	if st := leader.Do("GET", base+"/bulletins", nil, &list); st != 200 || len(list.Items) != 12 || list.Items[0].Month != last || list.Items[0].Seq != b.Seq {
		t.Fatalf("archive: %d %+v", st, list)
	}

	// This month: a draft until published, then issued with the next number.
	if st := intake.Do("PUT", base+"/months/"+month+"/bulletin", safety.BulletinInput{Comments: "  请各镇对照红灯指标整改。 "}, &b); st != 200 ||
		b.Status != safety.BulletinDraft || b.Comments != "请各镇对照红灯指标整改。" || b.Version != 1 || !b.CanManage {
		t.Fatalf("draft: %d %+v", st, b)
	}
	if p := intake.Fail("PUT", base+"/months/"+month+"/bulletin", safety.BulletinInput{Comments: "旧版"}); p.Code != "safety.bulletin_changed" {
		t.Fatalf("stale draft: %+v", p)
	}
	if st := leader.Do("PUT", base+"/months/"+month+"/bulletin", safety.BulletinInput{Version: 1, Comments: "x"}, nil); st != 403 {
		t.Fatalf("a leader writes the bulletin: %d", st)
	}
	if p := intake.Fail("POST", base+"/months/"+month+"/bulletin/issue", map[string]any{}); p.Code != "safety.bulletin_unpublished" {
		t.Fatalf("issue unpublished: %+v", p)
	}
	// A town's reader (a leader of 上城街道) reads no draft, nor the ranking.
	var tm, leaderRole string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM roles WHERE code = 'leader'").Scan(&leaderRole)
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM users WHERE username = 'townmediator'").Scan(&tm)
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO role_assignments (id, user_id, role_id, org_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
			db.NewID(), tm, leaderRole, town, db.Now(), "test")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tl := a.LoginAs("townmediator")
	if st := tl.Do("GET", base+"/months/"+month+"/bulletin", nil, nil); st != 404 {
		t.Fatalf("a town reads a draft: %d", st)
	}
	if st := tl.Do("GET", base+"/months/"+last, nil, nil); st != 404 {
		t.Fatalf("a town reads the county's ranking: %d", st)
	}

	if st := intake.Do("POST", base+"/months/"+month+"/publish", map[string]any{}, nil); st != 200 {
		t.Fatalf("publish: %d", st)
	}
	if st := intake.Do("POST", base+"/months/"+month+"/bulletin/issue", map[string]any{}, &b); st != 200 || b.Status != safety.BulletinIssued || b.IssuedAt == nil {
		t.Fatalf("issue: %d %+v", st, b)
	}
	want := 1
	if first.Month() != time.January {
		want = list.Items[0].Seq + 1
	}
	if b.Seq != want || b.Year != first.Year() {
		t.Fatalf("number: %d年第%d期, want 第%d期", b.Year, b.Seq, want)
	}
	// Sent to the county's readers and the town's.
	for _, c := range []*testapp.Client{leader, tl} {
		var inbox struct {
			Items []struct{ Kind, Text string }
		}
		c.Do("GET", "/api/v1/inbox?unread=true", nil, &inbox)
		found := false
		for _, m := range inbox.Items {
			found = found || (m.Kind == "safety_bulletin" && strings.Contains(m.Text, month))
		}
		if !found {
			t.Fatalf("no bulletin message: %+v", inbox)
		}
	}
	if st := tl.Do("GET", base+"/months/"+month+"/bulletin", nil, &b); st != 200 || b.CanManage || len(b.Ranking.Areas) != 9 {
		t.Fatalf("a town reads the issued bulletin: %d %+v", st, b)
	}
}
