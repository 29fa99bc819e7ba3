package callkey_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/callkey"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/tally"
	"github.com/gridgov/gridgov/internal/testapp"
)

type alert struct {
	ID            string `json:"id"`
	PersonName    string `json:"person_name"`
	PhoneMasked   string `json:"phone_masked"`
	Needs         string `json:"needs"`
	Level         string `json:"level"`
	Status        string `json:"status"`
	Member        string `json:"member"`
	Target        string `json:"target"`
	AcceptedBy    string `json:"accepted_by"`
	AcceptSeconds *int64 `json:"accept_seconds"`
	ArriveSeconds *int64 `json:"arrive_seconds"`
	Note          string `json:"note"`
	Steps         []struct {
		Kind   string `json:"kind"`
		Worker string `json:"worker"`
	} `json:"steps"`
}

type page struct {
	Items []alert `json:"items"`
}

// clock is a settable clock for the room.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }
func (c *clock) set(t time.Time)     { c.ms.Store(t.UnixMilli()) }
func (c *clock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

// fixture is a care target on the demo grid member's grid, with the ids
// the tests need.
type fixture struct {
	careTarget, village, county, member, chief string
}

func setUp(t *testing.T, a *testapp.App) fixture {
	t.Helper()
	ctx := context.Background()
	q := a.DB.Reader()
	var f fixture
	one := func(dst *string, query string, args ...any) {
		t.Helper()
		if err := q.QueryRowContext(ctx, query, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	one(&f.member, "SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = 'gridmember'")
	var grid string
	one(&grid, "SELECT grid_id FROM grid_members WHERE worker_id = ? AND role = 'grid_member' ORDER BY is_primary DESC LIMIT 1", f.member)
	one(&f.chief, "SELECT worker_id FROM grid_members WHERE grid_id = ? AND role = 'grid_chief'", grid)
	one(&f.village, "SELECT org_id FROM grids WHERE id = ?", grid)
	one(&f.county, "SELECT id FROM org_nodes WHERE code = '441602'")
	one(&f.careTarget, `SELECT c.id FROM care_targets c JOIN people p ON p.id = c.person_id
		WHERE p.grid_id = ? AND c.status = 'active' AND p.status = 'active' ORDER BY c.id LIMIT 1`, grid)
	return f
}

var phoneSeq atomic.Int64

// register registers a fresh number for the care target as the centre.
func register(t *testing.T, c *testapp.Client, careTarget string) string {
	t.Helper()
	phone := fmt.Sprintf("139%08d", 10000000+phoneSeq.Add(1)*7919%80000000)
	var n callkey.Number
	if st := c.Do("POST", "/api/v1/callkey/numbers", map[string]string{"care_target_id": careTarget, "phone": phone, "needs": "高血压，行动不便"}, &n); st != 201 {
		t.Fatalf("register: %d", st)
	}
	if n.PhoneMasked == "" || strings.Contains(n.PhoneMasked, phone[3:7]) {
		t.Fatalf("the number is not masked: %q", n.PhoneMasked)
	}
	return phone + " " + n.ID
}

// registered splits register's answer into the phone and the number's id.
func registered(s string) (phone, id string) {
	phone, id, _ = strings.Cut(s, " ")
	return phone, id
}

// call posts the device platform's call.
func call(t *testing.T, a *testapp.App, phone string) callkey.Raised {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"phone": phone})
	r := a.Anon().RawWith("POST", "/api/v1/callkey/calls", "application/json", body, map[string]string{"X-API-Key": a.Demo.CallKeyKey})
	if r.Status != 201 {
		t.Fatalf("call: %d %s", r.Status, r.Body)
	}
	var out callkey.Raised
	json.Unmarshal(r.Body, &out)
	return out
}

func TestCallPushedAcceptedArrived(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	f := setUp(t, a)
	var clk clock
	t0 := time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)
	clk.set(t0)
	a.CallKey.Now = clk.now
	centre, member := a.Login("intake"), a.Login("grid_member")
	phone, _ := registered(register(t, centre, f.careTarget))

	// A wrong key is refused; an unknown number names the field.
	body, _ := json.Marshal(map[string]string{"phone": phone})
	if r := a.Anon().RawWith("POST", "/api/v1/callkey/calls", "application/json", body, map[string]string{"X-API-Key": a.Demo.AlertKey}); r.Status != 403 {
		t.Fatalf("the video platform's key: %d", r.Status)
	}
	if r := a.Anon().RawWith("POST", "/api/v1/callkey/calls", "application/json", []byte(`{"phone":"13000000000"}`),
		map[string]string{"X-API-Key": a.Demo.CallKeyKey}); r.Status != 400 || !strings.Contains(string(r.Body), "callkey.number_unknown") {
		t.Fatalf("unknown number: %d %s", r.Status, r.Body)
	}

	raised := call(t, a, phone)
	if !raised.Pushed || raised.Status != "open" {
		t.Fatalf("raised: %+v", raised)
	}
	// Pushed at once to the grid member of the person's grid: on their phone.
	var mine page
	member.Do("GET", "/api/v1/callkey/mine", nil, &mine)
	var got *alert
	for i := range mine.Items {
		if mine.Items[i].ID == raised.ID {
			got = &mine.Items[i]
		}
	}
	if got == nil || got.Member != "张敏" || got.Target != "张敏" || got.PersonName == "" || got.Needs != "高血压，行动不便" || !strings.Contains(got.PhoneMasked, "*") {
		t.Fatalf("the member's phone: %+v", mine.Items)
	}
	// Not on the phone of a grid member of another village.
	// Accepted after 75 s, arrived after ten minutes, closed.
	clk.add(75 * time.Second)
	var acc alert
	if st := member.Do("POST", "/api/v1/callkey/alerts/"+raised.ID+"/accept", nil, &acc); st != 200 || acc.Status != "accepted" || *acc.AcceptSeconds != 75 {
		t.Fatalf("accept: %d %+v", st, acc)
	}
	// A retry of the accept answers the same; another may not take it.
	if st := member.Do("POST", "/api/v1/callkey/alerts/"+raised.ID+"/accept", nil, &acc); st != 200 {
		t.Fatalf("accept again: %d", st)
	}
	if p := a.Login("police").Fail("POST", "/api/v1/callkey/alerts/"+raised.ID+"/accept", nil); p.Status != 409 || p.Code != "callkey.taken" {
		t.Fatalf("taken: %+v", p)
	}
	// Nothing escalates an accepted alert.
	clk.add(time.Hour)
	if _, err := a.CallKey.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	var lvl string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT level FROM callkey_alerts WHERE id = ?", raised.ID).Scan(&lvl)
	if lvl != "member" {
		t.Fatalf("an accepted alert escalated: %s", lvl)
	}
	clk.set(t0.Add(10 * time.Minute))
	member.Do("POST", "/api/v1/callkey/alerts/"+raised.ID+"/arrive", nil, &acc)
	if acc.Status != "arrived" || *acc.ArriveSeconds != 600 {
		t.Fatalf("arrive: %+v", acc)
	}
	if p := member.Fail("POST", "/api/v1/callkey/alerts/"+raised.ID+"/close", map[string]string{"note": ""}); p.Status != 400 || p.Errors[0].Field != "note" {
		t.Fatalf("close without a note: %+v", p)
	}
	member.Do("POST", "/api/v1/callkey/alerts/"+raised.ID+"/close", map[string]string{"note": "测量血压后送医"}, &acc)
	if acc.Status != "closed" {
		t.Fatalf("close: %+v", acc)
	}
	// The centre sees it with its steps; the note is sealed in the row.
	var full alert
	if st := centre.Do("GET", "/api/v1/callkey/alerts/"+raised.ID, nil, &full); st != 200 || len(full.Steps) != 4 || full.Note != "测量血压后送医" {
		t.Fatalf("the centre's view: %d %+v", st, full)
	}
	var sealed, needs, masked string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT a.note_sealed, n.needs_sealed, n.phone_sealed FROM callkey_alerts a JOIN callkey_numbers n ON n.id = a.number_id WHERE a.id = ?",
		raised.ID).Scan(&sealed, &needs, &masked)
	if strings.Contains(sealed, "送医") || strings.Contains(needs, "高血压") || strings.Contains(masked, phone) {
		t.Fatal("personal data stored in the clear")
	}
	// A village grid member of elsewhere, or the resident, cannot see it.
	if st := a.Login("resident").Do("GET", "/api/v1/callkey/alerts/"+raised.ID, nil, nil); st != 403 {
		t.Fatalf("resident: %d", st)
	}
}

func TestEscalationFiresOnTime(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	f := setUp(t, a)
	var clk clock
	t0 := time.Date(2030, 5, 6, 22, 0, 0, 0, time.UTC)
	clk.set(t0)
	a.CallKey.Now = clk.now
	centre := a.Login("intake")
	// The county gives two minutes to the member and one to the chief.
	if st := centre.Do("PUT", "/api/v1/callkey/settings", callkey.Settings{OrgID: f.county, AcceptSeconds: 120, ChiefSeconds: 60}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	var set callkey.Settings
	centre.Do("GET", "/api/v1/callkey/settings?org_id="+f.village, nil, &set)
	if set.AcceptSeconds != 120 || set.ChiefSeconds != 60 {
		t.Fatalf("the village inherits the county's times: %+v", set)
	}
	if p := centre.Fail("PUT", "/api/v1/callkey/settings", callkey.Settings{OrgID: f.county, AcceptSeconds: 5, ChiefSeconds: 60}); p.Errors[0].Field != "accept_seconds" {
		t.Fatalf("too short: %+v", p)
	}
	phone, _ := registered(register(t, centre, f.careTarget))
	raised := call(t, a, phone)
	ctx := context.Background()
	level := func() (string, string) {
		var l, target string
		a.DB.Reader().QueryRowContext(ctx, "SELECT level, target_id FROM callkey_alerts WHERE id = ?", raised.ID).Scan(&l, &target)
		return l, target
	}
	// The sweep moves this alert exactly when its time comes (other
	// alerts of the demo may move too: only this one is looked at).
	sweepAt := func(d time.Duration, want string) {
		t.Helper()
		clk.set(t0.Add(d))
		if _, err := a.CallKey.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if l, _ := level(); l != want {
			t.Fatalf("at %v the alert is at %s, want %s", d, l, want)
		}
	}
	sweepAt(119*time.Second, "member")
	sweepAt(119999*time.Millisecond, "member")
	sweepAt(120*time.Second, "chief")
	if _, target := level(); target != f.chief {
		t.Fatalf("to the chief: %s", target)
	}
	sweepAt(150*time.Second, "chief") // the chief's minute runs from the escalation
	sweepAt(179*time.Second, "chief")
	sweepAt(180*time.Second, "centre")
	sweepAt(time.Hour, "centre") // the centre is the last
	var list page
	centre.Do("GET", "/api/v1/callkey/alerts?status=open&level=centre", nil, &list)
	found := false
	for _, it := range list.Items {
		found = found || it.ID == raised.ID
	}
	if !found {
		t.Fatal("the escalated alert is not on the centre's list")
	}
	var full alert
	centre.Do("GET", "/api/v1/callkey/alerts/"+raised.ID, nil, &full)
	kinds := []string{}
	for _, s := range full.Steps {
		kinds = append(kinds, s.Kind)
	}
	if strings.Join(kinds, " ") != "pushed escalated_chief escalated_centre" {
		t.Fatalf("steps: %v", kinds)
	}
	// The member may still accept after escalation; it counts late.
	var acc alert
	if st := a.Login("grid_member").Do("POST", "/api/v1/callkey/alerts/"+raised.ID+"/accept", nil, &acc); st != 200 || acc.Status != "accepted" {
		t.Fatalf("late accept: %d", st)
	}
	// Every escalation is audited.
	var n int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'callkey.escalate' AND object_id = ?", raised.ID).Scan(&n)
	if n != 2 {
		t.Fatalf("escalations audited: %d", n)
	}
}

func TestTallyMatchesHandCount(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	f := setUp(t, a)
	var clk clock
	t0 := time.Date(2031, 1, 10, 8, 0, 0, 0, time.UTC)
	clk.set(t0)
	a.CallKey.Now = clk.now
	centre, member := a.Login("intake"), a.Login("grid_member")
	phone, _ := registered(register(t, centre, f.careTarget))
	// Five calls: accepted after 30 s, 90 s and 200 s (late: the default
	// is 180 s), one accepted by the police officer, one never.
	waits := []time.Duration{30 * time.Second, 90 * time.Second, 200 * time.Second, 40 * time.Second, 0}
	for i, w := range waits {
		clk.set(t0.Add(time.Duration(i) * time.Hour))
		r := call(t, a, phone)
		if w == 0 {
			continue
		}
		clk.add(w)
		who := member
		if i == 3 {
			who = a.Login("police")
		}
		if st := who.Do("POST", "/api/v1/callkey/alerts/"+r.ID+"/accept", nil, nil); st != 200 {
			t.Fatalf("accept %d: %d", i, st)
		}
	}
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	var path string
	a.DB.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", f.county).Scan(&path)
	sheets, err := a.CallKey.Tally(ctx, tally.Period{From: t0.UnixMilli(), To: t0.Add(24 * time.Hour).UnixMilli(), Path: path})
	if err != nil {
		t.Fatal(err)
	}
	got := sheets[callkey.MetricAccept][f.member]
	if want := (tally.Count{Done: 2, Due: 5, Seconds: 120}); got != want {
		t.Fatalf("tally: %+v, want %+v", got, want)
	}
	// Outside the period, nothing.
	sheets, _ = a.CallKey.Tally(ctx, tally.Period{From: t0.Add(24 * time.Hour).UnixMilli(), To: t0.Add(48 * time.Hour).UnixMilli(), Path: path})
	if len(sheets[callkey.MetricAccept]) != 0 {
		t.Fatalf("another day: %+v", sheets)
	}
}

func TestNumbersScopedAndVersioned(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	f := setUp(t, a)
	centre := a.Login("intake")
	phone, mine := registered(register(t, centre, f.careTarget))
	// The same number twice is refused by name.
	if p := centre.Fail("POST", "/api/v1/callkey/numbers", map[string]string{"care_target_id": f.careTarget, "phone": phone}); p.Errors[0].Code != "callkey.phone_taken" {
		t.Fatalf("twice: %+v", p)
	}
	if p := centre.Fail("POST", "/api/v1/callkey/numbers", map[string]string{"care_target_id": f.careTarget, "phone": "12"}); p.Errors[0].Field != "phone" {
		t.Fatalf("bad phone: %+v", p)
	}
	// The grid member reads no numbers (gridwork.read); the leader reads them.
	if st := a.Login("grid_member").Do("GET", "/api/v1/callkey/numbers", nil, nil); st != 403 {
		t.Fatalf("grid member: %d", st)
	}
	var list struct{ Items []callkey.Number }
	a.Login("leader").Do("GET", "/api/v1/callkey/numbers", nil, &list)
	var n callkey.Number
	for _, it := range list.Items {
		if it.ID == mine {
			n = it
		}
	}
	if n.ID == "" || n.PersonName == "" {
		t.Fatalf("leader's list: %+v", list.Items)
	}
	// A stale version answers 409; the right one ends the number, and a
	// call from it is then unknown.
	if p := centre.Fail("PUT", "/api/v1/callkey/numbers/"+n.ID, map[string]any{"status": "ended", "version": n.Version + 1}); p.Status != 409 {
		t.Fatalf("stale: %+v", p)
	}
	if st := centre.Do("PUT", "/api/v1/callkey/numbers/"+n.ID, map[string]any{"status": "ended", "version": n.Version}, &n); st != 200 || n.Status != "ended" {
		t.Fatalf("end: %d %+v", st, n)
	}
	body, _ := json.Marshal(map[string]string{"phone": phone})
	if r := a.Anon().RawWith("POST", "/api/v1/callkey/calls", "application/json", body, map[string]string{"X-API-Key": a.Demo.CallKeyKey}); r.Status != 400 {
		t.Fatalf("ended number called: %d", r.Status)
	}
}

func TestDemoHasAYearOfCalls(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	var mine page
	a.Login("grid_member").Do("GET", "/api/v1/callkey/mine", nil, &mine)
	if len(mine.Items) == 0 || mine.Items[0].Status != "open" {
		t.Fatalf("the grid member's phone has no open call: %+v", mine.Items)
	}
	var all page
	a.Login("intake").Do("GET", "/api/v1/callkey/alerts", nil, &all)
	levels := map[string]int{}
	for _, it := range all.Items {
		levels[it.Level]++
	}
	if len(all.Items) < 200 || levels["chief"] == 0 || levels["member"] < len(all.Items)/2 {
		t.Fatalf("the demo's calls: %d, by level %v", len(all.Items), levels)
	}
	var months int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(DISTINCT raised_at / 2592000000) FROM callkey_alerts").Scan(&months)
	if months < 11 {
		t.Fatalf("the calls span %d months", months)
	}
}

func TestHandOverMovesOpenAlerts(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	f := setUp(t, a)
	phone, _ := registered(register(t, a.Login("intake"), f.careTarget))
	r := call(t, a, phone)
	ctx := context.Background()
	var n int
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		n, err = a.CallKey.HandOver(ctx, tx, f.member, f.chief)
		return err
	})
	if err != nil || n < 1 {
		t.Fatalf("hand over: %d %v", n, err)
	}
	var target string
	a.DB.Reader().QueryRowContext(ctx, "SELECT target_id FROM callkey_alerts WHERE id = ?", r.ID).Scan(&target)
	if target != f.chief {
		t.Fatalf("the open alert waits on %s, want the successor %s", target, f.chief)
	}
}
