package visit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/tally"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/visit"
)

type task struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	SubjectType string `json:"subject_type"`
	SubjectID   string `json:"subject_id"`
	WorkerID    string `json:"worker_id"`
	DueOn       string `json:"due_on"`
	Status      string `json:"status"`
	Light       string `json:"light"`
	Version     int    `json:"version"`
}

type taskList struct {
	Items  []task         `json:"items"`
	Counts map[string]int `json:"counts"`
}

type record struct {
	ID        string `json:"id"`
	TaskID    string `json:"task_id"`
	Method    string `json:"method"`
	Finding   string `json:"finding"`
	Note      string `json:"note"`
	Version   int    `json:"version"`
	FollowUps []struct {
		Kind  string `json:"kind"`
		RefID string `json:"ref_id"`
	} `json:"follow_ups"`
}

// place is the demo grid member's village and first grid.
type place struct{ village, path, grid, gridCode, worker string }

func memberPlace(t *testing.T, a *testapp.App) place {
	t.Helper()
	ctx := context.Background()
	var p place
	q := a.DB.Reader()
	if err := q.QueryRowContext(ctx, `SELECT g.id, g.code, g.org_id FROM grids g JOIN grid_members m ON m.grid_id = g.id JOIN users u ON u.id = m.user_id
		WHERE u.username = 'gridmember' AND g.layer = 'zz' ORDER BY g.code LIMIT 1`).Scan(&p.grid, &p.gridCode, &p.village); err != nil {
		t.Fatal(err)
	}
	var err error
	if p.path, err = org.PathOf(ctx, q, p.village, ""); err != nil {
		t.Fatal(err)
	}
	keepers, err := org.Keepers(ctx, q, p.path)
	if err != nil {
		t.Fatal(err)
	}
	p.worker = keepers[p.grid]
	return p
}

func system() context.Context {
	return authz.WithPrincipal(context.Background(), authz.System())
}

func day(n int) string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, n).Format(time.DateOnly)
}

// tasksOf lists the tasks of a subject from the centre's list.
func tasksOf(t *testing.T, c *testapp.Client, subjectID string, status string) []task {
	t.Helper()
	var l taskList
	if st := c.Do("GET", "/api/v1/visit-tasks?limit=500&status="+status, nil, &l); st != 200 {
		t.Fatalf("tasks: %d", st)
	}
	var out []task
	for _, x := range l.Items {
		if strings.HasSuffix(x.SubjectID, subjectID) {
			out = append(out, x)
		}
	}
	return out
}

// Each trigger kind puts a task on the list of the grid's member, once;
// a visit closes it, and a lasting condition comes back every_days after.
func TestTriggersMakeTasksOnceAndAVisitClosesThem(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := system()
	pl := memberPlace(t, a)
	gm, intake := a.Login("grid_member"), a.Login("intake")

	newPerson := func(name, birth, residence string) string {
		t.Helper()
		p, err := a.Registry.CreatePerson(ctx, registry.PersonInput{Name: name, Kind: "unregistered", BirthDate: birth, Residence: residence,
			Address: "幸福路8号", PlaceInput: registry.PlaceInput{GridCode: pl.gridCode}}, idem.Key{})
		if err != nil {
			t.Fatal(err)
		}
		return p.ID
	}
	arrival := newPerson("赵新来", "1990-05-01", "")
	tenant := newPerson("钱租客", "1988-03-02", "tenant")
	baby := newPerson("孙小宝", day(-5), "")
	dead := newPerson("李老伯", "1940-01-01", "")
	if _, err := a.Registry.SetStatus(ctx, dead, "deceased", 1); err != nil {
		t.Fatal(err)
	}
	elderly := newPerson("周奶奶", "1938-02-02", "")
	poor := newPerson("吴困难", "1970-02-02", "")
	for _, c := range []struct{ id, kind string }{{elderly, "elderly_alone"}, {poor, "low_income"}} {
		if _, err := a.KeyPersons.CreateCareTarget(ctx, keyperson.CareTargetInput{PersonID: c.id, Kind: c.kind}); err != nil {
			t.Fatal(err)
		}
	}
	party := newPerson("郑邻居", "1975-06-06", "")
	if _, err := a.Disputes.Open(ctx, dispute.Intake{Source: "grid", OrgID: pl.village, Type: "neighbour", Title: "排水沟纠纷", Facts: "两户因排水沟争吵",
		Parties: []dispute.PartyIn{{Role: "applicant", Name: "郑邻居", PersonID: party}}}, idem.Key{}); err != nil {
		t.Fatal(err)
	}
	// The event trigger is off by default: the county turns it on for a category.
	var county string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	var tr struct {
		Version int `json:"version"`
	}
	if st := intake.Do("POST", "/api/v1/visit-triggers", map[string]any{"org_id": county, "kind": "event", "enabled": true, "due_days": 2, "categories": []string{"0101"}, "version": 0}, &tr); st != 200 || tr.Version != 1 {
		t.Fatalf("set trigger: %d %+v", st, intake.Fail("POST", "/api/v1/visit-triggers", map[string]any{}))
	}
	// A stale version of the trigger is refused.
	if st := intake.Do("POST", "/api/v1/visit-triggers", map[string]any{"org_id": county, "kind": "event", "enabled": false, "due_days": 2, "version": 0}, nil); st != 409 {
		t.Errorf("stale trigger: %d", st)
	}
	var ev struct {
		ID string `json:"id"`
	}
	pt, _, err := org.InsidePoint(context.Background(), a.DB.Reader(), pl.village, pl.grid)
	if err != nil {
		t.Fatal(err)
	}
	evIn := map[string]any{"category_code": "0101", "description": "村口垃圾堆放", "address": "幸福路口", "lat": pt.Lat, "lng": pt.Lng}
	if st := gm.Do("POST", "/api/v1/events", evIn, &ev); st != 201 {
		t.Fatalf("event: %d %+v", st, gm.Fail("POST", "/api/v1/events", evIn))
	}

	n, err := a.Visits.SweepUnder(context.Background(), pl.path)
	if err != nil || n == 0 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	want := map[string][]string{arrival: {"new_arrival"}, tenant: {"new_arrival", "tenant"}, baby: {"birth", "new_arrival"}, dead: {"death"},
		elderly: {"elderly_alone", "new_arrival"}, poor: {"hardship", "new_arrival"}, party: {"dispute", "new_arrival"}, ev.ID: {"event"}}
	for subject, kinds := range want {
		ts := tasksOf(t, intake, subject, "open")
		got := map[string]task{}
		for _, x := range ts {
			got[x.Kind] = x
		}
		for _, k := range kinds {
			x, ok := got[k]
			if !ok {
				t.Errorf("subject %s: no %s task in %+v", subject, k, ts)
				continue
			}
			if x.WorkerID != pl.worker || x.WorkerID == "" {
				t.Errorf("%s task on %q, want the grid's member %q", k, x.WorkerID, pl.worker)
			}
		}
		if len(ts) != len(kinds) {
			t.Errorf("subject %s: %d tasks, want %d: %+v", subject, len(ts), len(kinds), ts)
		}
	}
	if x := tasksOf(t, intake, ev.ID, "open"); len(x) == 1 && x[0].DueOn > day(2) {
		t.Errorf("event task due %s, want within 2 days", x[0].DueOn)
	}
	// Only once: a second sweep makes nothing new for them.
	before := len(tasksOf(t, intake, "", "open"))
	if _, err := a.Visits.SweepUnder(context.Background(), pl.path); err != nil {
		t.Fatal(err)
	}
	if after := len(tasksOf(t, intake, "", "open")); after != before {
		t.Errorf("second sweep: %d open tasks, had %d", after, before)
	}

	// The member sees the tasks on their own list and closes one with a visit.
	var mine taskList
	gm.Do("GET", "/api/v1/visit-tasks/mine?limit=500", nil, &mine)
	var elderlyTask task
	for _, x := range mine.Items {
		if x.SubjectID == elderly && x.Kind == "elderly_alone" {
			elderlyTask = x
		}
	}
	if elderlyTask.ID == "" {
		t.Fatalf("the member's list lacks the elderly visit: %d items", len(mine.Items))
	}
	in := map[string]any{"task_id": elderlyTask.ID, "method": "home", "finding": "attention", "note": "老人腿脚不便，电话 13812345678",
		"follow_ups": []map[string]any{{"kind": "note", "text": "联系子女"}, {"kind": "event", "text": "楼道灯坏了", "category_code": "0101"}}}
	var r record
	res := gm.RawWith("POST", "/api/v1/visits", "application/json", mustJSON(in), map[string]string{"Idempotency-Key": "visit-1"})
	if res.Status != 201 {
		t.Fatalf("visit: %d %s", res.Status, res.Body)
	}
	unmarshal(t, res.Body, &r)
	if r.TaskID != elderlyTask.ID || len(r.FollowUps) != 2 || r.FollowUps[1].RefID == "" || r.Note == "" {
		t.Fatalf("record: %+v", r)
	}
	// A retry with the same key answers with the first record.
	res = gm.RawWith("POST", "/api/v1/visits", "application/json", mustJSON(in), map[string]string{"Idempotency-Key": "visit-1"})
	var again record
	unmarshal(t, res.Body, &again)
	if res.Status != 201 || again.ID != r.ID || again.FollowUps[1].RefID != r.FollowUps[1].RefID {
		t.Errorf("retry: %d %+v", res.Status, again)
	}
	// The note is sealed at rest.
	var sealed string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT note_sealed FROM visit_records WHERE id = ?", r.ID).Scan(&sealed)
	if sealed == "" || strings.Contains(sealed, "13812345678") || strings.Contains(sealed, "腿脚") {
		t.Errorf("note at rest: %q", sealed)
	}
	if ts := tasksOf(t, intake, elderly, "done"); len(ts) != 1 || ts[0].Light != "done" {
		t.Errorf("done task: %+v", ts)
	}
	// A visit of a done task is refused.
	if st := gm.Do("POST", "/api/v1/visits", map[string]any{"task_id": elderlyTask.ID, "method": "home", "finding": "normal"}, nil); st != 409 {
		t.Errorf("second visit of a done task: %d", st)
	}
	// The lasting condition comes back: the next visit is due a week after this one.
	if _, err := a.Visits.SweepUnder(context.Background(), pl.path); err != nil {
		t.Fatal(err)
	}
	next := tasksOf(t, intake, elderly, "open")
	var found bool
	for _, x := range next {
		if x.Kind == "elderly_alone" {
			found = true
			if x.DueOn != day(7) {
				t.Errorf("next elderly visit due %s, want %s", x.DueOn, day(7))
			}
		}
	}
	if !found {
		t.Errorf("no next elderly visit: %+v", next)
	}
	// A one-time fact, visited, is not visited again.
	var arrivalTask task
	for _, x := range tasksOf(t, intake, arrival, "open") {
		arrivalTask = x
	}
	if st := gm.Do("POST", "/api/v1/visits", map[string]any{"task_id": arrivalTask.ID, "method": "home", "finding": "normal"}, nil); st != 201 {
		t.Fatalf("arrival visit: %d", st)
	}
	a.Visits.SweepUnder(context.Background(), pl.path)
	if ts := tasksOf(t, intake, arrival, "open"); len(ts) != 0 {
		t.Errorf("the arrival came back: %+v", ts)
	}

	// A care target no longer cared for: the open hardship task is withdrawn.
	cts, _, err := a.KeyPersons.CareTargets(ctx, keyperson.CareTargetQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cts {
		if c.PersonID == poor {
			if _, err := a.KeyPersons.SetCareTargetStatus(ctx, c.ID, keyperson.CareTargetStatus{Status: "ended", Reason: "no_longer_needed", Version: c.Version}); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.Visits.SweepUnder(context.Background(), pl.path)
	for _, x := range tasksOf(t, intake, poor, "open") {
		if x.Kind == "hardship" {
			t.Errorf("the hardship visit outlived the care: %+v", x)
		}
	}

	// Handing over moves the open tasks to the successor.
	var open int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM visit_tasks WHERE worker_id = ? AND status = 'open'", pl.worker).Scan(&open)
	var other string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM workers WHERE id <> ? ORDER BY id LIMIT 1", pl.worker).Scan(&other)
	var moved int
	err = a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		var err error
		moved, err = a.Visits.HandOver(context.Background(), tx, pl.worker, other)
		return err
	})
	if err != nil || moved != open || moved == 0 {
		t.Errorf("hand-over: %d of %d, %v", moved, open, err)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func unmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// A record changed by two people: the later save with the version it
// read answers 409 with the current record, and changes nothing.
func TestStaleVisitEditIsRefusedWithTheCurrentRecord(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := memberPlace(t, a)
	gm := a.Login("grid_member")
	var r record
	in := map[string]any{"org_id": pl.village, "label": "幸福路3号", "method": "home", "finding": "normal", "note": "一切正常",
		"follow_ups": []map[string]any{{"kind": "dispute", "text": "与邻居因排水沟堵塞争吵", "dispute_type": "neighbour", "party_name": "王大伯"}}}
	if st := gm.Do("POST", "/api/v1/visits", in, &r); st != 201 {
		t.Fatalf("visit: %d %+v", st, gm.Fail("POST", "/api/v1/visits", in))
	}
	// The follow-up became a dispute case of the village, from the grid, naming the visit.
	var source, ref string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT source, source_ref FROM disputes WHERE id = ?", r.FollowUps[0].RefID).Scan(&source, &ref)
	if len(r.FollowUps) != 1 || source != "grid" || ref != r.ID {
		t.Errorf("the follow-up's case: %+v %q %q", r.FollowUps, source, ref)
	}
	var first record
	if st := gm.Do("POST", "/api/v1/visits/"+r.ID, map[string]any{"method": "phone", "finding": "attention", "note": "电话回访：需关注", "version": r.Version}, &first); st != 200 || first.Version != r.Version+1 {
		t.Fatalf("first edit: %d %+v", st, first)
	}
	res := gm.RawWith("POST", "/api/v1/visits/"+r.ID, "application/json", mustJSON(map[string]any{"method": "home", "finding": "normal", "note": "另一台手机的修改", "version": r.Version}), nil)
	if res.Status != 409 {
		t.Fatalf("stale edit: %d %s", res.Status, res.Body)
	}
	var p struct {
		Code   string `json:"code"`
		Params struct {
			Version int    `json:"version"`
			Current record `json:"current"`
		} `json:"params"`
	}
	unmarshal(t, res.Body, &p)
	if p.Code != "visit.stale" || p.Params.Version != first.Version || p.Params.Current.Note != "电话回访：需关注" {
		t.Errorf("409 answer: %+v", p)
	}
	// Bad input names the field.
	if pr := gm.Fail("POST", "/api/v1/visits", map[string]any{"org_id": pl.village, "label": "x", "method": "fly", "finding": "normal"}); len(pr.Errors) == 0 || pr.Errors[0].Field != "method" {
		t.Errorf("bad method: %+v", pr)
	}
}

// Another area's records are not found, and the lists leave them out.
func TestVisitsKeepToTheirArea(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := memberPlace(t, a)
	gm, police := a.Login("grid_member"), a.Login("police")
	var other string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE kind = 'village' AND id <> ? AND path NOT LIKE ? ORDER BY code LIMIT 1",
		pl.village, pl.path[:len(pl.path)-1]+"%").Scan(&other)
	// The police officer of the county records a visit in a village outside the member's.
	var r record
	if st := police.Do("POST", "/api/v1/visits", map[string]any{"org_id": other, "label": "新华街2号", "method": "home", "finding": "normal"}, &r); st != 201 {
		t.Fatalf("police visit: %d", st)
	}
	if st := gm.Do("POST", "/api/v1/visits/"+r.ID, map[string]any{"method": "home", "finding": "normal", "version": 1}, nil); st != 404 {
		t.Errorf("another area's record: %d, want 404", st)
	}
	if pr := gm.Fail("POST", "/api/v1/visits", map[string]any{"org_id": other, "label": "x", "method": "home", "finding": "normal"}); len(pr.Errors) == 0 || pr.Errors[0].Field != "org_id" {
		t.Errorf("visit in another area: %+v", pr)
	}
	var l struct {
		Items []record `json:"items"`
	}
	gm.Do("GET", "/api/v1/visits/mine", nil, &l)
	for _, x := range l.Items {
		if x.ID == r.ID {
			t.Errorf("the member's list shows another's record")
		}
	}
	if st := gm.Do("GET", "/api/v1/visit-tasks", nil, nil); st != 403 {
		t.Errorf("the centre's board for a member: %d", st)
	}
}

// The tally counts, per member, the tasks due in the period and those
// closed by their day, as a count by hand over the rows does.
func TestTallyMatchesAHandCount(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	now := time.Now()
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).AddDate(0, -2, 0)
	p := tally.Period{From: from.UnixMilli(), To: from.AddDate(0, 1, 0).UnixMilli(), Path: "/"}
	sheets, err := a.Visits.Tally(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := a.DB.Reader().QueryContext(ctx, "SELECT worker_id, due_on, status, done_at FROM visit_tasks WHERE worker_id IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	hand := map[string]tally.Count{}
	cst := time.FixedZone("CST", 8*3600)
	for rows.Next() {
		var w, due, status string
		var done *int64
		if err := rows.Scan(&w, &due, &status, &done); err != nil {
			t.Fatal(err)
		}
		d, _ := time.ParseInLocation(time.DateOnly, due, cst)
		if status == "cancelled" || d.Before(from) || !d.Before(from.AddDate(0, 1, 0)) {
			continue
		}
		c := hand[w]
		c.Due++
		if status == "done" && *done < d.AddDate(0, 0, 1).UnixMilli() {
			c.Done++
		}
		hand[w] = c
	}
	rows.Close()
	got := sheets[visit.MetricOnTime]
	if len(hand) == 0 {
		t.Fatal("the demo has no visits due two months ago")
	}
	for w, c := range hand {
		if got[w] != c {
			t.Errorf("worker %s: tally %+v, by hand %+v", w, got[w], c)
		}
	}
	if len(got) != len(hand) {
		t.Errorf("tally has %d members, by hand %d", len(got), len(hand))
	}
}

// A reception day: an answer on the spot, an item turned into an event
// (walk-in) and one into a dispute case; the phone sealed and masked.
func TestReceptionItemsBecomeEventsAndDisputes(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := memberPlace(t, a)
	gm, leader := a.Login("grid_member"), a.Login("leader")
	in := map[string]any{"org_id": pl.village, "day": day(0), "receivers": "网格员 张敏、村委 王主任", "attendees": 5,
		"items": []map[string]any{
			{"name": "李四", "phone": "13800138000", "matter": "咨询低保申请", "outcome": "answer", "answer": "已告知所需材料"},
			{"name": "王五", "matter": "村口垃圾无人清运", "outcome": "event", "category_code": "0101"},
			{"name": "赵六", "phone": "13900139000", "matter": "与邻居因宅基地边界争执", "outcome": "dispute", "dispute_type": "neighbour"},
		}}
	var rc struct {
		ID       string `json:"id"`
		Events   int    `json:"events"`
		Disputes int    `json:"disputes"`
		Answers  int    `json:"answers"`
		Items    []struct {
			Name    string `json:"name"`
			Phone   string `json:"phone_masked"`
			Outcome string `json:"outcome"`
			RefID   string `json:"ref_id"`
		} `json:"items"`
	}
	res := gm.RawWith("POST", "/api/v1/receptions", "application/json", mustJSON(in), map[string]string{"Idempotency-Key": "rc-1"})
	if res.Status != 201 {
		t.Fatalf("reception: %d %s", res.Status, res.Body)
	}
	unmarshal(t, res.Body, &rc)
	if rc.Events != 1 || rc.Disputes != 1 || rc.Answers != 1 || rc.Items[0].Name != "李*" || rc.Items[0].Phone != "138****8000" {
		t.Fatalf("reception: %+v", rc)
	}
	var e struct {
		Channel string `json:"channel"`
	}
	if st := a.Login("intake").Do("GET", "/api/v1/events/"+rc.Items[1].RefID, nil, &e); st != 200 || e.Channel != "walk_in" {
		t.Errorf("the item's event: %d %+v", st, e)
	}
	var c struct {
		Source string `json:"source"`
	}
	if st := a.Login("intake").Do("GET", "/api/v1/disputes/"+rc.Items[2].RefID, nil, &c); st != 200 || c.Source != "walk_in" {
		t.Errorf("the item's case: %d %+v", st, c)
	}
	// A retry makes nothing twice.
	res = gm.RawWith("POST", "/api/v1/receptions", "application/json", mustJSON(in), map[string]string{"Idempotency-Key": "rc-1"})
	var again struct {
		ID string `json:"id"`
	}
	unmarshal(t, res.Body, &again)
	if again.ID != rc.ID {
		t.Errorf("retry made another day: %s %s", again.ID, rc.ID)
	}
	n := 0
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM disputes WHERE source_ref = ?", rc.ID).Scan(&n)
	if n != 1 {
		t.Errorf("%d cases from the day, want 1", n)
	}
	var sealed string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT phone_sealed FROM reception_items WHERE day_id = ? AND seq = 1", rc.ID).Scan(&sealed)
	if sealed == "" || strings.Contains(sealed, "13800138000") {
		t.Errorf("phone at rest: %q", sealed)
	}
	// The phone in full, with a reason, audited; the leader may not.
	var full struct {
		Phone string `json:"phone"`
	}
	var items struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	gm.Do("GET", "/api/v1/receptions/"+rc.ID, nil, &items)
	if st := gm.Do("POST", "/api/v1/reception-items/"+items.Items[0].ID+"/reveal", map[string]string{"reason": "回访来访群众"}, &full); st != 200 || full.Phone != "13800138000" {
		t.Errorf("reveal: %d %+v", st, full)
	}
	var audited int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM audit_log WHERE action = 'visit.reveal' AND object_id = ?", rc.ID).Scan(&audited)
	if audited != 1 {
		t.Errorf("%d audit rows of the reveal", audited)
	}
	if st := leader.Do("POST", "/api/v1/reception-items/"+items.Items[0].ID+"/reveal", map[string]string{"reason": "回访来访群众"}, nil); st != 403 {
		t.Errorf("the leader's reveal: %d", st)
	}
	// The leader reads it; an answer item without its answer names the field.
	if st := leader.Do("GET", "/api/v1/receptions/"+rc.ID, nil, nil); st != 200 {
		t.Errorf("leader reads the day: %d", st)
	}
	pr := gm.Fail("POST", "/api/v1/receptions/"+rc.ID+"/items", map[string]any{"items": []map[string]any{{"name": "钱七", "matter": "问路", "outcome": "answer"}}})
	if len(pr.Errors) == 0 || pr.Errors[0].Field != "items[3].answer" {
		t.Errorf("missing answer: %+v", pr)
	}
}

// The reception days' list: the member's village, the leader's county,
// nothing for an account with neither.
func TestReceptionList(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := memberPlace(t, a)
	gm := a.Login("grid_member")
	if st := gm.Do("POST", "/api/v1/receptions", map[string]any{"org_id": pl.village, "day": day(0), "receivers": "网格员 张敏", "attendees": 0}, nil); st != 201 {
		t.Fatalf("reception: %d", st)
	}
	var l struct {
		Items []struct {
			OrgID string `json:"org_id"`
		} `json:"items"`
	}
	for _, who := range []string{"gridmember", "leader"} {
		l.Items = nil
		if st := a.LoginAs(who).Do("GET", "/api/v1/receptions?from="+day(-1), nil, &l); st != 200 || len(l.Items) == 0 {
			t.Errorf("%s: %d %d days", who, st, len(l.Items))
		}
	}
	if st := a.LoginAs("townmediator").Do("GET", "/api/v1/receptions", nil, nil); st != 403 {
		t.Errorf("an account without grid work: %d", st)
	}
}
