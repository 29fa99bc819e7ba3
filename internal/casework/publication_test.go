package casework_test

import (
	"slices"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type reported struct {
	ID                string `json:"id"`
	Channel           string `json:"channel"`
	Level             string `json:"level"`
	ReporterName      string `json:"reporter_name"`
	Published         bool   `json:"published"`
	PublicDescription string `json:"public_description"`
	Version           int    `json:"version"`
}

func fields(p testapp.Problem) []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field+":"+e.Code)
	}
	slices.Sort(out)
	return out
}

// A report's channel, level and reporter follow from the account; only the
// intake desk records reports of other channels, straight to the county or
// in someone else's name.
func TestReporterFollowsTheAccount(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	res := a.Login("resident")
	var name string
	if err := a.DB.Reader().QueryRowContext(t.Context(), "SELECT display_name FROM users WHERE username = ?", a.Account("resident").Username).Scan(&name); err != nil {
		t.Fatal(err)
	}
	body := func(extra map[string]any) map[string]any {
		r := report(a, extra)
		delete(r, "channel")
		for k, v := range extra {
			r[k] = v
		}
		return r
	}

	// The resident who filed a "110 / county / 公安局" report.
	p := res.Fail("POST", "/api/v1/events", body(map[string]any{"channel": "police110", "direct": true, "reporter_name": "公安局"}))
	want := []string{"channel:event.channel_not_yours", "direct:event.direct_not_yours", "reporter_name:event.reporter_not_yours"}
	if p.Status != 400 || !slices.Equal(fields(p), want) {
		t.Fatalf("resident as 110: %+v", p)
	}
	for _, ch := range []string{"grid", "hotline", "petition", "upper", "open311"} {
		if p := res.Fail("POST", "/api/v1/events", body(map[string]any{"channel": ch})); !slices.Equal(fields(p), want[:1]) {
			t.Errorf("resident as %s: %+v", ch, p)
		}
	}
	var n int
	a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM events").Scan(&n)
	if n != 0 {
		t.Fatalf("refused reports stored %d events", n)
	}

	// Without a channel, or with their own, a resident reports as a resident,
	// under their own name, with a phone to call back on; it is published
	// with their own text.
	var e reported
	if st := res.Do("POST", "/api/v1/events", body(map[string]any{"reporter_phone": "13912345678"}), &e); st != 201 {
		t.Fatalf("resident report: %d", st)
	}
	if e.Channel != "resident" || e.Level != "village" || e.ReporterName != name || !e.Published || e.PublicDescription != "小区门口垃圾堆放两天无人清理" {
		t.Fatalf("resident report: %+v", e)
	}
	if st := res.Do("POST", "/api/v1/events", body(map[string]any{"channel": "resident", "reporter_name": name}), &e); st != 201 {
		t.Fatalf("resident report under the own name: %d", st)
	}
	if st := a.Login("party_member").Do("POST", "/api/v1/events", body(nil), &e); st != 201 || e.Channel != "resident" {
		t.Fatalf("party member: %d %+v", st, e)
	}

	// Staff report on the grid channel and stay private until intake decides.
	for _, role := range []string{"grid_member", "police"} {
		c := a.Login(role)
		if p := c.Fail("POST", "/api/v1/events", body(map[string]any{"channel": "police110"})); !slices.Equal(fields(p), want[:1]) {
			t.Errorf("%s as 110: %+v", role, p)
		}
		if st := c.Do("POST", "/api/v1/events", body(nil), &e); st != 201 || e.Channel != "grid" || e.Published || e.PublicDescription != "" {
			t.Errorf("%s report: %d %+v", role, st, e)
		}
	}
	if p := a.Login("police").Fail("POST", "/api/v1/events", body(map[string]any{"direct": true})); !slices.Equal(fields(p), want[1:2]) {
		t.Errorf("police direct: %+v", p)
	}
	if p := a.Login("grid_member").Fail("POST", "/api/v1/events", body(map[string]any{"reporter_name": "县公安局"})); !slices.Equal(fields(p), want[2:]) {
		t.Errorf("grid member for someone else: %+v", p)
	}

	// The intake desk records a 110 transfer for the police, at the county.
	intake := a.Login("intake")
	if st := intake.Do("POST", "/api/v1/events", body(map[string]any{"channel": "police110", "reporter_name": "县公安局指挥中心", "reporter_phone": "0762-3312345"}), &e); st != 201 ||
		e.Channel != "police110" || e.Level != "county" || e.ReporterName != "县公安局指挥中心" || e.Published {
		t.Fatalf("intake records a 110 transfer: %d %+v", st, e)
	}
}

// The publication decision is taken where it belongs: when filing or with
// publish / unpublish, by the intake desk; a dispute is never published.
func TestPublicationDecision(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake := a.Login("grid_member"), a.Login("intake")
	var e reported
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	ev := &event{ID: e.ID, Version: e.Version}
	// A grid member cannot publish.
	if p := gm.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "publish", "version": ev.Version, "public_description": "垃圾清理"}); p.Status != 403 {
		t.Fatalf("grid member publishes: %+v", p)
	}
	// Publishing is not part of other steps.
	if p := intake.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "refuse", "version": ev.Version, "note": "x", "publish": true}); !slices.Equal(fields(p), []string{"publish:event.publish_when"}) {
		t.Fatalf("publish on refuse: %+v", p)
	}
	// Filing with publish needs a summary; with one it publishes.
	if p := intake.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "file", "version": ev.Version, "publish": true}); !slices.Equal(fields(p), []string{"public_description:validation.length"}) {
		t.Fatalf("publish without a summary: %+v", p)
	}
	act(t, intake, ev, "file", map[string]any{"publish": true, "public_description": "小区门口垃圾清运", "public_note": "已立案"})
	var got reported
	intake.Do("GET", "/api/v1/events/"+e.ID, nil, &got)
	if !got.Published || got.PublicDescription != "小区门口垃圾清运" {
		t.Fatalf("filed and published: %+v", got)
	}
	act(t, intake, ev, "unpublish", nil)
	intake.Do("GET", "/api/v1/events/"+e.ID, nil, &got)
	if got.Published {
		t.Fatalf("unpublished: %+v", got)
	}
	// Each decision leaves an audit row under the clerk's name.
	var audit struct {
		Items []struct {
			Username string `json:"username"`
			Action   string `json:"action"`
		} `json:"items"`
	}
	a.Login("audit_admin").Do("GET", "/api/v1/audit?action=event.unpublish", nil, &audit)
	if len(audit.Items) != 1 || audit.Items[0].Username != a.Account("intake").Username {
		t.Fatalf("audit of unpublish: %+v", audit.Items)
	}
	// A note for the public is kept on its step, apart from the internal note.
	var detail struct {
		Timeline []struct {
			Action     string `json:"action"`
			Note       string `json:"note"`
			PublicNote string `json:"public_note"`
		} `json:"timeline"`
	}
	intake.Do("GET", "/api/v1/events/"+e.ID, nil, &detail)
	if len(detail.Timeline) != 3 || detail.Timeline[1].Action != "file" || detail.Timeline[1].PublicNote != "已立案" || detail.Timeline[1].Note != "" {
		t.Fatalf("timeline: %+v", detail.Timeline)
	}
}

// A resident reading their own report reads the notes written for the
// public, like the public faces, not the internal ones nor staff names.
func TestReporterReadsThePublicNotes(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	res, intake := a.Login("resident"), a.Login("intake")
	r := report(a, nil)
	delete(r, "channel")
	var e reported
	if st := res.Do("POST", "/api/v1/events", r, &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	ev := &event{ID: e.ID, Version: e.Version}
	act(t, intake, ev, "refuse", map[string]any{"note": "内部：举报人情绪激动，多次来电", "public_note": "经核实已处理，感谢反映"})
	type step struct {
		Action     string `json:"action"`
		Actor      string `json:"actor"`
		Note       string `json:"note"`
		PublicNote string `json:"public_note"`
	}
	var mine, staff struct {
		Timeline []step `json:"timeline"`
	}
	res.Do("GET", "/api/v1/events/"+e.ID, nil, &mine)
	intake.Do("GET", "/api/v1/events/"+e.ID, nil, &staff)
	if len(mine.Timeline) != 2 || mine.Timeline[1] != (step{Action: "refuse", Note: "经核实已处理，感谢反映", PublicNote: "经核实已处理，感谢反映"}) {
		t.Fatalf("the reporter's timeline: %+v", mine.Timeline)
	}
	if len(staff.Timeline) != 2 || staff.Timeline[1].Note != "内部：举报人情绪激动，多次来电" || staff.Timeline[1].Actor == "" {
		t.Fatalf("the staff timeline: %+v", staff.Timeline)
	}
}
