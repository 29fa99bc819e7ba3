package dispute_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/testapp"
)

type party struct {
	ID          string `json:"id"`
	Role        string `json:"role"`
	Name        string `json:"name"`
	PhoneMasked string `json:"phone_masked"`
	IDMasked    string `json:"id_number_masked"`
}

type caseFile struct {
	ID            string  `json:"id"`
	No            string  `json:"no"`
	Source        string  `json:"source"`
	EventID       string  `json:"event_id"`
	EventNo       string  `json:"event_no"`
	Status        string  `json:"status"`
	Route         string  `json:"route"`
	Complexity    string  `json:"complexity"`
	Outcome       string  `json:"outcome"`
	Light         string  `json:"light"`
	RegisteredAt  int64   `json:"registered_at"`
	PartiesMasked string  `json:"parties_masked"`
	Parties       []party `json:"parties"`
	Sessions      []struct {
		Kind      string `json:"kind"`
		Mediators []struct {
			Name string `json:"name"`
		} `json:"mediators"`
		Units []struct {
			UnitName string `json:"unit_name"`
			Attended bool   `json:"attended"`
		} `json:"units"`
	} `json:"sessions"`
	Mediators []struct {
		MediatorID string `json:"mediator_id"`
		Name       string `json:"name"`
		HasAccount bool   `json:"has_account"`
	} `json:"mediators"`
	Agreement *struct {
		No       string `json:"no"`
		Terms    string `json:"terms"`
		SignedAt int64  `json:"signed_at"`
	} `json:"agreement"`
	FollowUps    []struct{ Performance string } `json:"follow_ups"`
	Confirmation *struct {
		Status string `json:"status"`
	} `json:"confirmation"`
	Timeline []struct {
		Action string `json:"action"`
		Note   string `json:"note"`
	} `json:"timeline"`
}

type page struct {
	Items []caseFile `json:"items"`
}

// places are the demo's areas the tests use: the village of vmediator,
// a sibling village in the same town, and a village of another town.
type places struct {
	village, sibling, town, farVillage string
}

func placesOf(t *testing.T, a *testapp.App) places {
	t.Helper()
	var vCode string
	for _, acc := range a.Demo.Accounts {
		if acc.Username == "vmediator" {
			vCode = acc.OrgCode
		}
	}
	var p places
	q := a.DB.Reader()
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			t.Helper()
			t.Fatal(err)
		}
	}
	must(q.QueryRowContext(ctx, "SELECT id, parent_id FROM org_nodes WHERE code = ?", vCode).Scan(&p.village, &p.town))
	must(q.QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE parent_id = ? AND id <> ? ORDER BY code LIMIT 1", p.town, p.village).Scan(&p.sibling))
	must(q.QueryRowContext(ctx, `SELECT v.id FROM org_nodes v JOIN org_nodes t ON t.id = v.parent_id
		WHERE t.kind = 'town' AND t.id <> ? AND v.kind = 'village' ORDER BY v.code LIMIT 1`, p.town).Scan(&p.farVillage))
	return p
}

func intake(orgID string, parties ...map[string]any) map[string]any {
	if len(parties) == 0 {
		parties = []map[string]any{
			{"role": "applicant", "name": "张晓明", "phone": "13912345678", "id_number": pii.MakeID("441602", time.Date(1980, 3, 4, 0, 0, 0, 0, time.UTC), 12, true)},
			{"role": "respondent", "name": "李四海", "phone": "13787654321"},
		}
	}
	return map[string]any{"source": "walk_in", "org_id": orgID, "type": "neighbour", "title": "楼上漏水纠纷", "facts": "楼上住户卫生间漏水至楼下，双方多次协商未果。",
		"claims": "赔偿维修费用", "amount": 3200.5, "complexity": "simple", "route": "people_mediation", "route_reason": "邻里小额纠纷，适宜人民调解",
		"parties": parties}
}

func fieldOf(p testapp.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+":"+e.Code)
	}
	return out
}

func wantField(t *testing.T, p testapp.Problem, field, code string) {
	t.Helper()
	if p.Status != 422 {
		t.Errorf("want 422 on %s, got %d %v", field, p.Status, fieldOf(p))
	}
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			if e.Message == "" {
				t.Errorf("%s: no message", field)
			}
			return
		}
	}
	t.Errorf("want %s:%s, got %d %s %v", field, code, p.Status, p.Code, fieldOf(p))
}

func actions(c caseFile) string {
	var out []string
	for _, l := range c.Timeline {
		out = append(out, l.Action)
	}
	return strings.Join(out, ",")
}

// TestWholePath walks a case from the door to the court's confirmation as
// the town's mediator: intake, re-routing, a session, a joint session of
// the four heads, the written agreement, a follow-up, the application
// and the decision; each step writes the timeline and an audit row, and
// the parties' phones and ID numbers are sealed in the database.
func TestWholePath(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm := a.LoginAs("townmediator")

	var c caseFile
	if st := tm.Do("POST", "/api/v1/disputes", intake(pl.village), &c); st != 201 {
		t.Fatalf("intake: %d %+v", st, tm.Fail("POST", "/api/v1/disputes", intake(pl.village)))
	}
	if c.Status != "accepted" || c.Route != "people_mediation" || c.Light != "green" || len(c.Parties) != 2 || !strings.HasPrefix(c.No, "JF") {
		t.Fatalf("case: %+v", c)
	}
	if c.Parties[0].Name != "张晓明" || c.Parties[0].PhoneMasked != "139****5678" || c.Parties[0].IDMasked == "" {
		t.Errorf("parties: %+v", c.Parties)
	}
	// Sealed: the row holds neither the phone nor the ID number in clear.
	var row string
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT name || '|' || phone_sealed || '|' || COALESCE(phone_blind, '') || '|' || phone_masked || '|' ||
		id_sealed || '|' || id_masked FROM dispute_parties WHERE id = ?`, c.Parties[0].ID).Scan(&row); err != nil {
		t.Fatal(err)
	}
	idNo := intake(pl.village)["parties"].([]map[string]any)[0]["id_number"].(string)
	if strings.Contains(row, "13912345678") || strings.Contains(row, idNo) || strings.Contains(row, idNo[6:14]) {
		t.Errorf("party row holds a clear value: %s", row)
	}

	id := c.ID
	step := func(path string, body any) caseFile {
		t.Helper()
		var out caseFile
		if st := tm.Do("POST", "/api/v1/disputes/"+id+"/"+path, body, &out); st != 200 {
			t.Fatalf("%s: %d %+v", path, st, tm.Fail("POST", "/api/v1/disputes/"+id+"/"+path, body))
		}
		return out
	}
	c = step("route", map[string]string{"complexity": "complex", "route": "people_mediation", "reason": "涉及多户，转为复杂案件"})
	now := time.Now().UnixMilli()
	c = step("sessions", map[string]any{"at": now, "place": "下城社区调解室", "kind": "mediation", "attendees": "双方当事人", "record": "双方陈述事实，初步同意修复。"})
	if c.Status != "mediating" {
		t.Errorf("after a session: %s", c.Status)
	}
	// The four heads: the town's police station, justice office and tribunal.
	var units struct{ Items []struct{ ID, Kind string } }
	tm.Do("GET", "/api/v1/units?org_id="+pl.village, nil, &units)
	var invite []map[string]any
	for _, u := range units.Items {
		if u.Kind == "police_station" || u.Kind == "justice_office" || u.Kind == "tribunal" {
			invite = append(invite, map[string]any{"unit_id": u.ID, "attended": u.Kind != "tribunal"})
		}
	}
	if len(invite) != 3 {
		t.Fatalf("the town's units: %+v", units)
	}
	// The register's entries of the town mediator and the village's chair.
	var cands struct {
		Items []struct {
			ID, Name string
			Mine     bool
		}
	}
	tm.Do("GET", "/api/v1/disputes/"+id+"/mediators", nil, &cands)
	var mine, chair string
	for _, m := range cands.Items {
		if m.Mine {
			mine = m.ID
		}
		if m.Name == "黄桂兰" {
			chair = m.ID
		}
	}
	if mine == "" || chair == "" || cands.Items[0].ID != chair {
		t.Fatalf("candidates: the caller's own entry and the village's chair first: %+v", cands.Items)
	}
	c = step("sessions", map[string]any{"at": now, "place": "上城街道综治中心", "kind": "joint", "joint_kind": "four_heads", "record": "四长联调，双方达成一致。",
		"mediator_ids": []string{mine, chair}, "units": invite})
	joint := c.Sessions[1]
	if joint.Kind != "joint" || len(joint.Mediators) != 2 || len(joint.Units) != 3 {
		t.Errorf("joint session: %+v", joint)
	}
	if len(c.Mediators) != 2 {
		t.Errorf("the case's mediators: %+v", c.Mediators)
	}
	c = step("agreement", map[string]any{"facts": "楼上漏水。", "issues": "维修费用承担。", "responsibilities": "楼上住户负主要责任。",
		"terms": "楼上住户赔偿维修费3000元", "manner": "一次性现金支付", "deadline": time.Now().AddDate(0, 0, 10).Format("2006-01-02"),
		"committee": "下城社区人民调解委员会", "signed_at": now})
	if c.Status != "settled" || c.Outcome != "agreement" || c.Agreement == nil || !strings.Contains(c.Agreement.No, "调协字第") || c.Light != "none" {
		t.Fatalf("agreement: %+v", c)
	}
	c = step("follow-ups", map[string]any{"at": time.Now().UnixMilli(), "method": "phone", "performance": "performed", "note": "已履行"})
	c = step("confirmation", map[string]any{"court": "上城人民法庭", "applied_at": time.Now().UnixMilli()})
	if c.Confirmation == nil || c.Confirmation.Status != "applied" {
		t.Fatalf("confirmation: %+v", c.Confirmation)
	}
	c = step("confirmation/decision", map[string]any{"decision": "confirmed", "decided_at": time.Now().UnixMilli(), "ruling_no": "（2026）粤1602民特1号"})
	if c.Confirmation.Status != "confirmed" {
		t.Errorf("decision: %+v", c.Confirmation)
	}
	want := "register,classify,reroute,session,joint_session,agreement,close,subsidy,follow_up,confirmation_applied,confirmation_confirmed"
	if got := actions(c); got != want {
		t.Errorf("timeline: %s, want %s", got, want)
	}
	// An audit row for each step.
	rows, err := a.DB.Reader().QueryContext(context.Background(), "SELECT action FROM audit_log WHERE object_type = 'dispute' AND object_id = ? ORDER BY seq", id)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		if s != "dispute.read" {
			got = append(got, strings.TrimPrefix(s, "dispute."))
		}
	}
	rows.Close()
	if strings.Join(got, ",") != want {
		t.Errorf("audit: %v", got)
	}
	// The list masks the names.
	var l page
	tm.Do("GET", "/api/v1/disputes?q="+c.No, nil, &l)
	if len(l.Items) != 1 || l.Items[0].PartiesMasked != "张** / 李**" || len(l.Items[0].Parties) != 0 {
		t.Errorf("list: %+v", l.Items)
	}
	// A second agreement, or a step on a closed case, is refused.
	if p := tm.Fail("POST", "/api/v1/disputes/"+id+"/route", map[string]string{"complexity": "simple", "route": "litigation", "reason": "再次分流"}); p.Status != 409 {
		t.Errorf("route a closed case: %+v", p)
	}
}

// TestRefusals: bad input answers 422 naming the field and writes nothing.
func TestRefusals(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm := a.LoginAs("townmediator")
	count := func() int {
		var n int
		a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM disputes").Scan(&n)
		return n
	}
	before := count()

	bad := intake(pl.village)
	bad["type"], bad["route"], bad["source"] = "gossip", "duel", "rumour"
	p := tm.Fail("POST", "/api/v1/disputes", bad)
	wantField(t, p, "type", "registry.code_unknown")
	wantField(t, p, "route", "registry.code_unknown")
	wantField(t, p, "source", "registry.code_unknown")

	idNo := pii.MakeID("441602", time.Date(1975, 1, 2, 0, 0, 0, 0, time.UTC), 3, false)
	same := intake(pl.village, map[string]any{"role": "applicant", "name": "王一", "id_number": idNo}, map[string]any{"role": "respondent", "name": "王一", "id_number": idNo})
	wantField(t, tm.Fail("POST", "/api/v1/disputes", same), "parties[1].id_number", "dispute.same_party")

	// The same person of the registers twice.
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
	var grid string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", pl.village).Scan(&grid)
	person, err := a.Registry.CreatePerson(ctx, registry.PersonInput{Name: "赵登记", IDNumber: pii.MakeID("441602", time.Date(1970, 5, 6, 0, 0, 0, 0, time.UTC), 9, true),
		Kind: "registered", PlaceInput: registry.PlaceInput{GridID: grid}}, idem.Key{})
	if err != nil {
		t.Fatal(err)
	}
	twice := intake(pl.village, map[string]any{"role": "applicant", "name": "赵登记", "person_id": person.ID}, map[string]any{"role": "respondent", "name": "赵某", "person_id": person.ID})
	wantField(t, tm.Fail("POST", "/api/v1/disputes", twice), "parties[1].person_id", "dispute.same_party")
	wantField(t, tm.Fail("POST", "/api/v1/disputes", intake(pl.village, map[string]any{"role": "respondent", "name": "无申请人"})), "parties", "dispute.applicant_required")
	neg := intake(pl.village)
	neg["amount"] = 12.345
	wantField(t, tm.Fail("POST", "/api/v1/disputes", neg), "amount", "dispute.amount_invalid")
	if n := count(); n != before {
		t.Fatalf("refused intakes wrote %d cases", n-before)
	}

	// A case registered fifty days ago, its agreement signed forty-five days ago.
	real := a.Disputes.Now
	a.Disputes.Now = func() time.Time { return time.Now().AddDate(0, 0, -50) }
	var c caseFile
	if st := tm.Do("POST", "/api/v1/disputes", intake(pl.village), &c); st != 201 {
		t.Fatalf("intake: %d", st)
	}
	a.Disputes.Now = real
	id := c.ID
	post := func(path string, body any) int { return tm.Do("POST", "/api/v1/disputes/"+id+"/"+path, body, nil) }
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+id+"/route", map[string]string{"complexity": "simple", "route": "arbitration"}), "reason", "dispute.reason_required")
	early := c.RegisteredAt - 3*24*3600*1000
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+id+"/sessions", map[string]any{"at": early, "place": "调解室", "kind": "mediation", "record": "记录"}),
		"at", "dispute.before_registration")
	if p := tm.Fail("POST", "/api/v1/disputes/"+id+"/agreement", map[string]any{"terms": "x"}); p.Status != 409 || p.Code != "dispute.no_session" {
		t.Errorf("agreement before any session: %+v", p)
	}
	signed := time.Now().AddDate(0, 0, -45).UnixMilli()
	if st := post("sessions", map[string]any{"at": signed, "place": "调解室", "kind": "mediation", "record": "记录"}); st != 200 {
		t.Fatalf("session: %d", st)
	}
	agreement := map[string]any{"facts": "事实", "issues": "争议", "responsibilities": "责任", "terms": "  ", "manner": "现金",
		"deadline": time.Now().Format("2006-01-02"), "committee": "下城社区人民调解委员会", "signed_at": signed}
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+id+"/agreement", agreement), "terms", "dispute.terms_required")
	agreement["terms"] = "赔偿500元"
	if st := post("agreement", agreement); st != 200 {
		t.Fatalf("agreement: %d", st)
	}
	wantField(t, tm.Fail("POST", "/api/v1/disputes/"+id+"/confirmation", map[string]any{"court": "上城人民法庭", "applied_at": time.Now().UnixMilli()}),
		"applied_at", "dispute.confirmation_late")
	var after caseFile
	tm.Do("GET", "/api/v1/disputes/"+id, nil, &after)
	if after.Confirmation != nil || actions(after) != "register,classify,session,agreement,close,subsidy" {
		t.Errorf("refused steps wrote: %s %+v", actions(after), after.Confirmation)
	}
}

// TestScope: a village's mediator sees its village's cases, the town's
// mediator, justice office and judge the town's; another area's case
// answers 404 like an unknown one. A grid member files, and the case
// lands as registered.
func TestScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	tm := a.LoginAs("townmediator")
	open := func(c *testapp.Client, org string) caseFile {
		t.Helper()
		var out caseFile
		if st := c.Do("POST", "/api/v1/disputes", intake(org), &out); st != 201 {
			t.Fatalf("intake at %s: %d", org, st)
		}
		return out
	}
	own, sibling := open(tm, pl.village), open(tm, pl.sibling)
	far := open(a.LoginAs("intake"), pl.farVillage)

	sees := func(user string, c caseFile) bool {
		return a.LoginAs(user).Do("GET", "/api/v1/disputes/"+c.ID, nil, nil) == 200
	}
	for _, tc := range []struct {
		user           string
		own, sib, farC bool
	}{
		{"vmediator", true, false, false},
		{"townmediator", true, true, false},
		{"sfschief", true, true, false},
		{"judge", true, true, false},
		{"intake", true, true, true},
	} {
		if got := [3]bool{sees(tc.user, own), sees(tc.user, sibling), sees(tc.user, far)}; got != [3]bool{tc.own, tc.sib, tc.farC} {
			t.Errorf("%s sees %v", tc.user, got)
		}
	}
	vm := a.LoginAs("vmediator")
	if p := vm.Fail("POST", "/api/v1/disputes/"+sibling.ID+"/route", map[string]string{"complexity": "simple", "route": "arbitration", "reason": "越权尝试"}); p.Status != 404 {
		t.Errorf("vmediator routes another village's case: %d", p.Status)
	}
	if p := vm.Fail("GET", "/api/v1/disputes/"+sibling.ID, nil); p.Status != 404 || p.Code != "not_found" {
		t.Errorf("another village's case: %+v", p)
	}
	var l page
	vm.Do("GET", "/api/v1/disputes?limit=500", nil, &l)
	for _, c := range l.Items {
		if c.ID == sibling.ID || c.ID == far.ID {
			t.Errorf("vmediator's list holds %s", c.No)
		}
	}
	// vmediator may not file at the town (above its village).
	wantField(t, vm.Fail("POST", "/api/v1/disputes", intake(pl.town)), "org_id", "org.not_found")

	// A grid member files from the field: registered, the classification
	// left to the centre; the member holds no dispute.read.
	gm := a.LoginAs("gridmember")
	in := intake(pl.village)
	in["source"] = "grid"
	var filed caseFile
	if st := gm.Do("POST", "/api/v1/disputes", in, &filed); st != 201 || filed.Status != "registered" || filed.Route != "" {
		t.Fatalf("grid member files: %d %+v", st, filed)
	}
	if st := gm.Do("GET", "/api/v1/disputes", nil, nil); st != 403 {
		t.Errorf("grid member lists: %d", st)
	}
	if p := tm.Fail("POST", "/api/v1/disputes/"+filed.ID+"/sessions", map[string]any{"at": time.Now().UnixMilli(), "place": "调解室", "kind": "mediation", "record": "记录"}); p.Status != 409 {
		t.Errorf("a session before classification: %+v", p)
	}

	// Reveal: the justice office reveals with a reason, audited; the
	// mediator holds no personal.reveal.
	var shown struct{ Phone *string }
	reveal := map[string]any{"fields": []string{"phone"}, "reason": "联系当事人安排调解"}
	if st := a.LoginAs("sfschief").Do("POST", "/api/v1/disputes/"+own.ID+"/parties/"+own.Parties[0].ID+"/reveal", reveal, &shown); st != 200 || shown.Phone == nil || *shown.Phone != "13912345678" {
		t.Errorf("reveal: %d %+v", st, shown)
	}
	if st := tm.Do("POST", "/api/v1/disputes/"+own.ID+"/parties/"+own.Parties[0].ID+"/reveal", reveal, nil); st != 403 {
		t.Errorf("mediator reveals: %d", st)
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'dispute.party_reveal' AND object_id = ? AND detail NOT LIKE '%13912345678%'", own.ID).Scan(&n)
	if n != 1 {
		t.Errorf("reveal audit rows: %d", n)
	}
}

// TestFromEvent: an event of a dispute category turns into a case once;
// the case keeps the event and the event's timeline names the case.
func TestFromEvent(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
	var lat, lng float64
	a.DB.Reader().QueryRowContext(ctx, "SELECT center_lat, center_lng FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", pl.village).Scan(&lat, &lng)
	mk := func(cat string) string {
		e, _, err := a.Events.Create(ctx, casework.Report{Channel: "grid", CategoryCode: cat, Description: "两户因排水沟堵塞发生争吵", Lat: &lat, Lng: &lng,
			ReporterName: "陈大伯"}, casework.Idempotency{})
		if err != nil {
			t.Fatal(err)
		}
		return e.ID
	}
	ev := mk("1101")
	tm := a.LoginAs("townmediator")
	var c caseFile
	if st := tm.Do("POST", "/api/v1/disputes/from-event", map[string]string{"event_id": ev}, &c); st != 201 {
		t.Fatalf("convert: %d", st)
	}
	if c.Source != "event" || c.EventID != ev || c.Status != "registered" || c.EventNo == "" || len(c.Parties) != 1 || c.Parties[0].Name != "陈大伯" {
		t.Errorf("case: %+v", c)
	}
	p := tm.Fail("POST", "/api/v1/disputes/from-event", map[string]string{"event_id": ev})
	if p.Status != 409 || p.Code != "dispute.event_taken" || !strings.Contains(p.Detail, c.No) {
		t.Errorf("second conversion: %+v", p)
	}
	var e struct {
		Timeline []struct{ Action, Note string }
	}
	tm.Do("GET", "/api/v1/events/"+ev, nil, &e)
	last := e.Timeline[len(e.Timeline)-1]
	if last.Action != "dispute_case" || last.Note != c.No {
		t.Errorf("event timeline: %+v", e.Timeline)
	}
	var l page
	tm.Do("GET", "/api/v1/disputes?event_id="+ev, nil, &l)
	if len(l.Items) != 1 || l.Items[0].ID != c.ID {
		t.Errorf("by event: %+v", l.Items)
	}
	// Not a dispute; and the judge does not see the event.
	wantField(t, tm.Fail("POST", "/api/v1/disputes/from-event", map[string]string{"event_id": mk("0401")}), "event_id", "dispute.event_not_dispute")
	if p := a.LoginAs("judge").Fail("POST", "/api/v1/disputes/from-event", map[string]string{"event_id": mk("1102")}); p.Status != 404 {
		t.Errorf("judge converts an unseen event: %d", p.Status)
	}
}

// TestDemoCases: the demo's year of cases reaches the demo accounts, with
// every outcome, joint sessions, confirmations and some cases past the
// month.
func TestDemoCases(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	t.Logf("demo built in %.2fs with %d cases", a.Demo.BuiltSeconds, a.Demo.Disputes)
	q := a.DB.Reader()
	ctx := context.Background()
	one := func(query string) int {
		var n int
		if err := q.QueryRowContext(ctx, query).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for what, query := range map[string]string{
		"agreements":     "SELECT count(*) FROM dispute_agreements",
		"oral":           "SELECT count(*) FROM disputes WHERE outcome = 'oral_agreement'",
		"failed":         "SELECT count(*) FROM disputes WHERE outcome = 'failed' AND next_route <> ''",
		"joint sessions": "SELECT count(*) FROM dispute_sessions WHERE kind = 'joint'",
		"confirmed":      "SELECT count(*) FROM dispute_confirmations WHERE status = 'confirmed'",
		"applied":        "SELECT count(*) FROM dispute_confirmations",
		"follow-ups":     "SELECT count(*) FROM dispute_follow_ups",
		"open":           "SELECT count(*) FROM disputes WHERE closed_at IS NULL",
		"overdue":        fmt.Sprintf("SELECT count(*) FROM disputes WHERE closed_at IS NULL AND due_at < %d", time.Now().UnixMilli()),
		"registered":     "SELECT count(*) FROM disputes WHERE status = 'registered'",
	} {
		if one(query) == 0 {
			t.Errorf("the demo has no %s", what)
		}
	}
	for _, user := range []string{"vmediator", "townmediator", "judge", "sfschief"} {
		var l page
		if st := a.LoginAs(user).Do("GET", "/api/v1/disputes?limit=100", nil, &l); st != 200 || len(l.Items) < 20 {
			t.Errorf("%s sees %d cases", user, len(l.Items))
		}
	}
	var red page
	tm := a.LoginAs("townmediator")
	tm.Do("GET", "/api/v1/disputes?light=red", nil, &red)
	if len(red.Items) == 0 {
		t.Error("townmediator sees no case past its month")
	}
	// The list as a spreadsheet: names masked, the export audited.
	r := tm.Raw("GET", "/api/v1/disputes/export?light=red", "", nil)
	if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Type"), "spreadsheet") || len(r.Body) < 100 {
		t.Fatalf("export: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var rows string
	q.QueryRowContext(ctx, "SELECT detail FROM audit_log WHERE action = 'dispute.export' ORDER BY seq DESC LIMIT 1").Scan(&rows)
	if rows != fmt.Sprintf("rows %d", len(red.Items)) {
		t.Errorf("export audit: %q, want %d rows", rows, len(red.Items))
	}
}

// TestOutcomes: a failed mediation names its next route and its reason; an
// oral agreement takes follow-ups but no judicial confirmation; parties
// added later keep the same-person rule; the month filter finds the case.
func TestOutcomes(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	pl := placesOf(t, a)
	vm := a.LoginAs("vmediator")
	open := func() caseFile {
		t.Helper()
		var c caseFile
		if st := vm.Do("POST", "/api/v1/disputes", intake(pl.village), &c); st != 201 {
			t.Fatalf("intake: %d", st)
		}
		if st := vm.Do("POST", "/api/v1/disputes/"+c.ID+"/sessions", map[string]any{"at": time.Now().UnixMilli(), "place": "调解室", "kind": "mediation", "record": "记录"}, nil); st != 200 {
			t.Fatalf("session: %d", st)
		}
		return c
	}
	failed := open()
	p := vm.Fail("POST", "/api/v1/disputes/"+failed.ID+"/outcome", map[string]string{"outcome": "failed", "note": "分歧太大"})
	wantField(t, p, "next_route", "registry.required")
	var c caseFile
	if st := vm.Do("POST", "/api/v1/disputes/"+failed.ID+"/outcome", map[string]string{"outcome": "failed", "next_route": "litigation", "note": "分歧太大，引导诉讼"}, &c); st != 200 ||
		c.Status != "failed" || c.Light != "none" {
		t.Fatalf("failed: %d %+v", st, c)
	}
	if p := vm.Fail("POST", "/api/v1/disputes/"+failed.ID+"/follow-ups", map[string]any{"at": time.Now().UnixMilli(), "method": "phone", "performance": "performed"}); p.Status != 409 {
		t.Errorf("follow-up of a failed case: %+v", p)
	}

	oral := open()
	idNo := intake(pl.village)["parties"].([]map[string]any)[0]["id_number"]
	wantField(t, vm.Fail("POST", "/api/v1/disputes/"+oral.ID+"/parties", map[string]any{"parties": []map[string]any{{"role": "third", "name": "同一人", "id_number": idNo}}}),
		"parties[0].id_number", "dispute.same_party")
	if st := vm.Do("POST", "/api/v1/disputes/"+oral.ID+"/parties", map[string]any{"parties": []map[string]any{{"role": "third", "name": "王第三"}}}, &c); st != 200 || len(c.Parties) != 3 {
		t.Errorf("add a party: %d %d", st, len(c.Parties))
	}
	if st := vm.Do("POST", "/api/v1/disputes/"+oral.ID+"/outcome", map[string]string{"outcome": "oral_agreement", "note": "当场赔偿200元"}, &c); st != 200 || c.Status != "settled" {
		t.Fatalf("oral: %d %+v", st, c)
	}
	if st := vm.Do("POST", "/api/v1/disputes/"+oral.ID+"/follow-ups", map[string]any{"at": time.Now().UnixMilli(), "method": "visit", "performance": "performed"}, nil); st != 200 {
		t.Errorf("follow-up of an oral agreement: %d", st)
	}
	if p := vm.Fail("POST", "/api/v1/disputes/"+oral.ID+"/confirmation", map[string]any{"court": "法庭", "applied_at": time.Now().UnixMilli()}); p.Status != 409 || p.Code != "dispute.no_agreement" {
		t.Errorf("confirmation of an oral agreement: %+v", p)
	}
	var l page
	vm.Do("GET", "/api/v1/disputes?status=settled&month="+time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01"), nil, &l)
	found := false
	for _, x := range l.Items {
		found = found || x.ID == oral.ID
	}
	if !found {
		t.Error("the month's settled cases miss the oral agreement")
	}
	wantField(t, vm.Fail("GET", "/api/v1/disputes?month=2026-13", nil), "month", "dispute.month_format")
}

// TestListPages: the list runs from the latest registered case back, page
// by page, each case once.
func TestListPages(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	tm := a.LoginAs("townmediator")
	var all []caseFile
	cursor := ""
	for range 50 {
		var pg struct {
			Items      []caseFile `json:"items"`
			NextCursor string     `json:"next_cursor"`
		}
		if st := tm.Do("GET", "/api/v1/disputes?limit=7&cursor="+cursor, nil, &pg); st != 200 {
			t.Fatalf("page: %d", st)
		}
		all = append(all, pg.Items...)
		if cursor = pg.NextCursor; cursor == "" {
			break
		}
	}
	seen := map[string]bool{}
	for i, c := range all {
		if seen[c.ID] {
			t.Fatalf("%s twice", c.No)
		}
		seen[c.ID] = true
		if i > 0 && c.RegisteredAt > all[i-1].RegisteredAt {
			t.Fatalf("%s registered after the case before it", c.No)
		}
	}
	var full page
	tm.Do("GET", "/api/v1/disputes?limit=500", nil, &full)
	if len(all) != len(full.Items) || len(all) < 20 {
		t.Errorf("paged %d cases, one page holds %d", len(all), len(full.Items))
	}
	wantField(t, tm.Fail("GET", "/api/v1/disputes?cursor=nonsense", nil), "cursor", "dispute.code_unknown")
}
