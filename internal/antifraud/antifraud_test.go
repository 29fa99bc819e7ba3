package antifraud_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/antifraud"
	"github.com/gridgov/gridgov/internal/testapp"
)

func fields(p testapp.Problem) map[string]string {
	out := map[string]string{}
	for _, e := range p.Errors {
		out[e.Field] = e.Code
	}
	return out
}

// A list from the police end to end: bad rows named and nothing taken; a
// good list matched by phone to a register resident, whose grid member is
// told (how many, never who), sees the person masked in lists and in clear
// only on opening (audited), and records the outcome; the person no
// register knows waits with the centre, which places them on a grid; the
// figures count them; the sweep escalates the overdue and wipes the
// personal fields past the retention.
func TestWarnings(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	police, gm, intake, leader, resident := a.Login("police"), a.Login("grid_member"), a.Login("intake"), a.Login("leader"), a.Login("resident")
	q := a.DB.Reader()
	var county, grid, gridCode, gmUser, otherGrid string
	q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	q.QueryRowContext(ctx, `SELECT g.id, g.code, u.id FROM grid_members m JOIN workers w ON w.id = m.worker_id JOIN users u ON u.id = w.user_id
		JOIN grids g ON g.id = m.grid_id WHERE u.username = 'gridmember' ORDER BY m.is_primary DESC LIMIT 1`).Scan(&grid, &gridCode, &gmUser)
	q.QueryRowContext(ctx, "SELECT id FROM grids WHERE layer = 'zz' AND id <> ? AND path LIKE (SELECT path FROM org_nodes WHERE id = ?) || '%' ORDER BY code DESC LIMIT 1", grid, county).Scan(&otherGrid)
	phone := "137" + gridCode[len(gridCode)-8:] // the demo's resident on the police's list
	base := "/api/v1/antifraud/roots/" + county + "/batches"

	p := police.Fail("POST", base, antifraud.BatchInput{SourceRef: "T-1", People: []antifraud.PersonInput{{Name: "甲", Phone: "12a45", Risk: "high"}, {Name: "乙", Phone: "13800000000", Risk: "urgent"}}})
	if f := fields(p); f["people[0].phone"] != "phone.invalid" || f["people[1].risk"] == "" {
		t.Fatalf("bad rows: %+v", p)
	}
	var n int
	q.QueryRowContext(ctx, "SELECT count(*) FROM antifraud_batches WHERE source_ref = 'T-1'").Scan(&n)
	if n != 0 {
		t.Fatal("a refused list was written")
	}
	if st := intake.Do("POST", base, antifraud.BatchInput{SourceRef: "T-2", People: []antifraud.PersonInput{{Name: "甲", Phone: phone, Risk: "high"}}}, nil); st != 403 {
		t.Fatalf("the centre pushes a list: %d", st)
	}
	list := antifraud.BatchInput{SourceRef: "T-3", People: []antifraud.PersonInput{
		{Name: "王秀英", Phone: phone, Address: "下城社区建设路12号", Risk: "high", Note: "疑似冒充公检法诈骗"},
		{Name: "李无名", Phone: "13012345678", Risk: "medium", Note: "接到冒充客服来电"},
	}}
	body, _ := json.Marshal(list)
	hdr := map[string]string{"Idempotency-Key": "list-3"}
	var b1, b2 antifraud.Batch
	r1 := police.RawWith("POST", base, "application/json", body, hdr)
	json.Unmarshal(r1.Body, &b1)
	r2 := police.RawWith("POST", base, "application/json", body, hdr)
	json.Unmarshal(r2.Body, &b2)
	if r1.Status != 201 || b1.ID == "" || b1.ID != b2.ID || b1.Total != 2 || b1.Matched != 1 {
		t.Fatalf("push: %d %s / %s", r1.Status, r1.Body, r2.Body)
	}
	var sealed int
	q.QueryRowContext(ctx, "SELECT count(*) FROM antifraud_warnings WHERE name_sealed LIKE '%王秀英%' OR phone_sealed LIKE ? OR address_sealed LIKE '%建设路%' OR note_sealed LIKE '%公检法%'", "%"+phone+"%").Scan(&sealed)
	if sealed != 0 {
		t.Fatal("a list in clear at rest")
	}
	var msg string
	q.QueryRowContext(ctx, "SELECT text FROM inbox WHERE user_id = ? AND kind = 'antifraud' ORDER BY created_at DESC LIMIT 1", gmUser).Scan(&msg)
	if !strings.Contains(msg, "1 名群众") || strings.Contains(msg, "王") {
		t.Fatalf("the member's message: %q", msg)
	}

	// The member's tasks: masked in the list, in clear on opening.
	var mine antifraud.Page[antifraud.Warning]
	if st := gm.Do("GET", "/api/v1/antifraud/mine", nil, &mine); st != 200 {
		t.Fatalf("mine: %d", st)
	}
	var w antifraud.Warning
	for _, x := range mine.Items {
		if x.NameMasked == "王**" || x.NameMasked == "王*英" {
			w = x
		}
	}
	if w.ID == "" || w.Name != "" || w.Risk != "high" || w.Overdue || w.GridID != grid {
		t.Fatalf("the member's task: %+v", mine.Items)
	}
	if st := resident.Do("GET", "/api/v1/antifraud/warnings/"+w.ID, nil, nil); st != 404 && st != 403 {
		t.Fatalf("a resident opens a task: %d", st)
	}
	var masked antifraud.Warning
	if st := leader.Do("GET", "/api/v1/antifraud/warnings/"+w.ID, nil, &masked); st != 200 || masked.Name != "" || masked.Phone != "" {
		t.Fatalf("the leader opens a task: %d %+v", st, masked)
	}
	var open antifraud.Warning
	if st := gm.Do("GET", "/api/v1/antifraud/warnings/"+w.ID, nil, &open); st != 200 || open.Name != "王秀英" || open.Phone != phone || open.Note != "疑似冒充公检法诈骗" {
		t.Fatalf("the member opens a task: %d %+v", st, open)
	}
	q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'antifraud.open' AND object_id = ?", w.ID).Scan(&n)
	if n != 1 {
		t.Fatalf("%d audited openings", n)
	}
	if p := gm.Fail("POST", "/api/v1/antifraud/warnings/"+w.ID+"/outcome", antifraud.OutcomeInput{Outcome: "defrauded"}); fields(p)["note"] != "antifraud.note_required" {
		t.Fatalf("defrauded without a word: %+v", p)
	}
	for range 2 { // a phone's retry changes nothing
		if st := gm.Do("POST", "/api/v1/antifraud/warnings/"+w.ID+"/outcome", antifraud.OutcomeInput{Outcome: "dissuaded", Note: "已上门讲解，本人已卸载APP"}, &open); st != 200 || open.Status != "dissuaded" {
			t.Fatalf("outcome: %d %+v", st, open)
		}
	}
	if st := gm.Do("POST", "/api/v1/antifraud/warnings/"+w.ID+"/outcome", antifraud.OutcomeInput{Outcome: "reached"}, nil); st != 409 {
		t.Fatalf("a second outcome: %d", st)
	}

	// The unmatched one waits with the centre, which places it on a grid.
	var un antifraud.Page[antifraud.Warning]
	if st := intake.Do("GET", "/api/v1/antifraud/areas/"+county+"/warnings?status=unmatched", nil, &un); st != 200 {
		t.Fatalf("unmatched: %d", st)
	}
	var lost antifraud.Warning
	for _, x := range un.Items {
		if x.PhoneMasked != "" {
			t.Fatalf("the centre's list shows a phone: %+v", x)
		}
		if x.NameMasked == "李**" {
			lost = x
		}
	}
	if lost.ID == "" || lost.GridID != "" {
		t.Fatalf("unmatched: %+v", un.Items)
	}
	if st := gm.Do("GET", "/api/v1/antifraud/warnings/"+lost.ID, nil, nil); st != 404 {
		t.Fatalf("the member opens an unmatched task: %d", st)
	}
	if p := intake.Fail("POST", "/api/v1/antifraud/warnings/"+lost.ID+"/assign", antifraud.AssignInput{GridID: "x"}); fields(p)["grid_id"] != "antifraud.grid" {
		t.Fatalf("a bad grid: %+v", p)
	}
	if st := intake.Do("POST", "/api/v1/antifraud/warnings/"+lost.ID+"/assign", antifraud.AssignInput{GridID: otherGrid}, &lost); st != 200 || lost.GridID != otherGrid {
		t.Fatalf("assign: %d %+v", st, lost)
	}
	if st := gm.Do("POST", "/api/v1/antifraud/warnings/"+lost.ID+"/outcome", antifraud.OutcomeInput{Outcome: "reached"}, nil); st != 404 {
		t.Fatalf("another grid's task: %d", st)
	}

	// Figures: the county's total counts both; the town of the member's
	// grid counts its outcome.
	var figs antifraud.Page[antifraud.Figure]
	if st := leader.Do("GET", "/api/v1/antifraud/areas/"+county+"/figures", nil, &figs); st != 200 || len(figs.Items) < 2 {
		t.Fatalf("figures: %d %+v", st, figs)
	}
	total := figs.Items[len(figs.Items)-1]
	if total.AreaID != county || total.Total < 2 || total.Dissuaded < 1 {
		t.Fatalf("the county's figures: %+v", total)
	}

	// The sweep: past its hours the open task is escalated; past the
	// retention every personal field is wiped, the outcome kept.
	a.Antifraud.Now = func() time.Time { return time.Now().Add(48 * time.Hour) }
	esc, _, err := a.Antifraud.Sweep(ctx)
	if err != nil || esc == 0 {
		t.Fatalf("escalated %d: %v", esc, err)
	}
	a.Antifraud.Now = func() time.Time { return time.Now().AddDate(0, 0, 200) }
	if _, wiped, err := a.Antifraud.Sweep(ctx); err != nil || wiped == 0 {
		t.Fatalf("wiped %d: %v", wiped, err)
	}
	a.Antifraud.Now = time.Now
	var left string
	q.QueryRowContext(ctx, "SELECT name_sealed || phone_sealed || address_sealed || note_sealed || result_sealed || name_masked FROM antifraud_warnings WHERE id = ?", w.ID).Scan(&left)
	if left != "" {
		t.Fatalf("kept past the retention: %q", left)
	}
	var gone antifraud.Warning
	if st := police.Do("GET", "/api/v1/antifraud/warnings/"+w.ID, nil, &gone); st != 200 || !gone.Wiped || gone.Name != "" || gone.Status != "dissuaded" {
		t.Fatalf("a wiped task: %d %+v", st, gone)
	}
}
