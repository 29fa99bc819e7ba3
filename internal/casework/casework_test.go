package casework_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/testapp"
)

type event struct {
	ID         string `json:"id"`
	No         string `json:"no"`
	State      string `json:"state"`
	Stage      string `json:"stage"`
	Light      string `json:"light"`
	Level      string `json:"level"`
	GridCode   string `json:"grid_code"`
	LeadUnitID string `json:"lead_unit_id"`
	Version    int    `json:"version"`
	Rating     *string
	Units      []struct {
		UnitID string `json:"unit_id"`
		Lead   bool   `json:"lead"`
		State  string `json:"state"`
	} `json:"units"`
	Timeline []struct {
		Action  string `json:"action"`
		ToState string `json:"to_state"`
		Actor   string `json:"actor"`
	} `json:"timeline"`
	ResolvedLevel string `json:"resolved_level"`
}

func report(a *testapp.App, extra map[string]any) map[string]any {
	r := map[string]any{"channel": "grid", "category_code": "0101", "description": "小区门口垃圾堆放两天无人清理",
		"lat": a.Demo.Center.Lat, "lng": a.Demo.Center.Lng}
	for k, v := range extra {
		r[k] = v
	}
	return r
}

func act(t *testing.T, c *testapp.Client, e *event, action string, extra map[string]any) {
	t.Helper()
	body := map[string]any{"action": action, "version": e.Version}
	for k, v := range extra {
		body[k] = v
	}
	if st := c.Do("POST", "/api/v1/events/"+e.ID+"/actions", body, e); st != 200 {
		p := c.Fail("POST", "/api/v1/events/"+e.ID+"/actions", body)
		t.Fatalf("%s: %d %+v", action, st, p)
	}
}

func unitID(t *testing.T, c *testapp.Client, code string) string {
	var units struct {
		Items []struct{ ID, Code string }
	}
	c.Do("GET", "/api/v1/units", nil, &units)
	for _, u := range units.Items {
		if u.Code == code {
			return u.ID
		}
	}
	t.Fatalf("no unit %s among %d", code, len(units.Items))
	return ""
}

// One event's whole loop across the roles, with a failed re-check and an
// extension on the way.
func TestClosedLoop(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake, disp := a.Login("grid_member"), a.Login("intake"), a.Login("dispatcher")
	handler, lead, shift := a.Login("dept_handler"), a.Login("leader"), a.Login("shift_lead")

	var e event
	if st := gm.Do("POST", "/api/v1/events", report(a, nil), &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	if e.State != "reported" || e.Stage != "intake" || e.Light != "green" || !strings.HasPrefix(e.GridCode, "441602") || len(e.No) != 12 {
		t.Fatalf("new event: %+v", e)
	}
	// The handler's unit sees nothing yet; the intake operator got a message.
	if p := handler.Fail("GET", "/api/v1/events/"+e.ID, nil); p.Status != 404 {
		t.Fatalf("handler before dispatch: %d", p.Status)
	}
	var inbox struct {
		Items []struct {
			EventID string `json:"event_id"`
		}
	}
	intake.Do("GET", "/api/v1/inbox", nil, &inbox)
	if len(inbox.Items) == 0 || inbox.Items[0].EventID != e.ID {
		t.Fatalf("intake inbox: %+v", inbox)
	}
	// Illegal: signing an event nobody dispatched.
	if p := handler.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "sign", "version": e.Version}); p.Status != 404 {
		t.Fatalf("sign before dispatch: %+v", p)
	}
	if p := disp.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "dispatch", "version": e.Version}); p.Code != "event.illegal_transition" {
		t.Fatalf("dispatch before filing: %+v", p)
	}
	act(t, intake, &e, "file", map[string]any{"urgency": "normal"})
	if e.State != "filed" || e.Stage != "dispatch" {
		t.Fatalf("filed: %+v", e)
	}
	cg := unitID(t, disp, "441602-cg")
	zj := unitID(t, disp, "441602-zj")
	act(t, disp, &e, "dispatch", map[string]any{"unit_ids": []string{cg, zj}, "lead_unit_id": cg})
	if e.State != "dispatched" || e.LeadUnitID != cg || len(e.Units) != 2 || e.Level != "county" {
		t.Fatalf("dispatched: %+v", e)
	}
	// The town summons the police too (吹哨); the bureau reports in (报到).
	ga := unitID(t, disp, "441602-ga")
	act(t, disp, &e, "whistle", map[string]any{"unit_ids": []string{ga}, "hours": 2})
	act(t, handler, &e, "sign", nil)
	if p := handler.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "report_in", "version": e.Version}); p.Code != "event.not_summoned" {
		t.Fatalf("report in without a summons: %+v", p)
	}
	police := newStaff(t, a, "police.li", ga, "dept_handler")
	act(t, police, &e, "report_in", nil)
	for _, u := range e.Units {
		if u.UnitID == ga && u.State != "reported" {
			t.Fatalf("police unit after report-in: %+v", u)
		}
	}
	act(t, handler, &e, "request_extension", map[string]any{"hours": 8, "note": "需调运车辆"})
	act(t, shift, &e, "approve_extension", nil)
	act(t, lead, &e, "supervise", map[string]any{"hours": 4, "note": "周一集中督办"})
	act(t, handler, &e, "report_result", map[string]any{"note": "已清运"})
	act(t, gm, &e, "check_fail", map[string]any{"note": "仍有残留"})
	if e.State != "handling" {
		t.Fatalf("after failed check: %s", e.State)
	}
	act(t, handler, &e, "report_result", map[string]any{"note": "已彻底清理"})
	act(t, gm, &e, "check_pass", nil)
	if e.State != "closed" || e.ResolvedLevel != "county" {
		t.Fatalf("closed: %+v", e)
	}
	act(t, intake, &e, "rate", map[string]any{"rating": "satisfied", "note": "回访满意"})
	if p := intake.Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "rate", "version": e.Version, "rating": "satisfied"}); p.Code != "event.already_rated" {
		t.Fatalf("second rating: %+v", p)
	}
	var want []string
	for _, l := range e.Timeline {
		want = append(want, l.Action)
	}
	if got := strings.Join(want, ","); got != "report,file,dispatch,whistle,sign,report_in,request_extension,approve_extension,supervise,report_result,check_fail,report_result,check_pass,rate" {
		t.Fatalf("timeline: %s", got)
	}
	// Every transition is in the audit log.
	var rows struct{ Items []struct{ Action string } }
	a.Login("audit_admin").Do("GET", "/api/v1/audit?object_id="+e.ID+"&limit=100", nil, &rows)
	if len(rows.Items) != 14 {
		t.Fatalf("audit rows for the event: %d", len(rows.Items))
	}
}

func TestTwoPeopleActingAtOnceCannotBothWin(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	var e event
	a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), &e)
	intake, shift := a.Login("intake"), a.Login("shift_lead")
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i, c := range []*testapp.Client{intake, shift} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.Do("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "file", "version": e.Version}, nil)
		}()
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Fatalf("statuses %v: want one 200 and one 409", codes)
	}
}

func TestIdempotentReports(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	send := func(key string, body map[string]any) (int, event, string) {
		b := fmt.Sprintf(`{"channel":"grid","category_code":"0101","description":%q,"lat":%v,"lng":%v}`, body["description"], a.Demo.Center.Lat, a.Demo.Center.Lng)
		r := gm.RawWith("POST", "/api/v1/events", "application/json", []byte(b), map[string]string{"Idempotency-Key": key})
		var e event
		if r.Status == 201 {
			mustJSON(t, r.Body, &e)
		}
		return r.Status, e, r.Header.Get("Idempotent-Replayed")
	}
	body := map[string]any{"description": "路灯不亮已经三天"}
	st1, e1, _ := send("k-1", body)
	st2, e2, replayed := send("k-1", body)
	if st1 != 201 || st2 != 201 || e1.ID != e2.ID || replayed != "true" {
		t.Fatalf("replay: %d %d %s %s %q", st1, st2, e1.ID, e2.ID, replayed)
	}
	if st, _, _ := send("k-1", map[string]any{"description": "另一件事"}); st != 422 {
		t.Fatalf("key reused with another body: %d", st)
	}
	// The same key sent five times at once makes one event.
	var wg sync.WaitGroup
	ids := make([]string, 5)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, e, _ := send("k-2", body)
			ids[i] = e.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("concurrent retries: %v", ids)
		}
	}
	var n int
	a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM events").Scan(&n)
	if n != 2 {
		t.Fatalf("events stored: %d, want 2", n)
	}
}

// A retry is the same request whatever the layout of its JSON: keys in
// another order and other whitespace are replayed; another value is not.
func TestIdempotentReportsIgnoreLayout(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	send := func(body string) testapp.Response {
		return gm.RawWith("POST", "/api/v1/events", "application/json", []byte(body), map[string]string{"Idempotency-Key": "layout-1"})
	}
	lat, lng := a.Demo.Center.Lat, a.Demo.Center.Lng
	first := send(fmt.Sprintf(`{"channel":"grid","category_code":"0101","description":"井盖缺失","lat":%v,"lng":%v,"attributes":{}}`, lat, lng))
	again := send(fmt.Sprintf("{\n  \"lng\": %v,\n  \"lat\": %v,\n  \"attributes\": {},\n  \"description\": \"井盖缺失\",\n  \"category_code\": \"0101\",\n  \"channel\": \"grid\"\n}", lng, lat))
	var e1, e2 event
	mustJSON(t, first.Body, &e1)
	mustJSON(t, again.Body, &e2)
	if first.Status != 201 || again.Status != 201 || e1.ID == "" || e1.ID != e2.ID || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("reordered retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	other := send(fmt.Sprintf(`{"lng":%v,"lat":%v,"description":"井盖缺失了","category_code":"0101","channel":"grid"}`, lng, lat))
	if other.Status != 422 || !strings.Contains(string(other.Body), "idempotency.key_reused") {
		t.Fatalf("another description under the same key: %d %s", other.Status, other.Body)
	}
}

func TestBadReports(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	cases := []struct {
		name  string
		extra map[string]any
		field string
		code  string
	}{
		{"unknown category", map[string]any{"category_code": "9999"}, "category_code", "event.category_unknown"},
		{"major class only", map[string]any{"category_code": "01"}, "category_code", "event.category_unknown"},
		{"too long", map[string]any{"description": strings.Repeat("长", 4001)}, "description", "validation.length"},
		{"outside every grid", map[string]any{"lat": 39.9, "lng": 116.4}, "lat", "event.outside_grids"},
		{"no location", map[string]any{"lat": nil, "lng": nil}, "lat", "event.location_required"},
		{"unknown attribute", map[string]any{"attributes": map[string]string{"colour": "red"}}, "attributes.colour", "event.attribute_unknown"},
		{"missing required attribute", map[string]any{"category_code": "0403"}, "attributes.stage", "validation.required"},
		{"bad channel", map[string]any{"channel": "pigeon"}, "channel", "validation.one_of"},
	}
	for _, tc := range cases {
		p := gm.Fail("POST", "/api/v1/events", report(a, tc.extra))
		if p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code {
			t.Errorf("%s: %+v", tc.name, p)
		}
	}
	var n int
	a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM events").Scan(&n)
	if n != 0 {
		t.Fatalf("bad reports stored %d events", n)
	}
	// A resident reports and sees only their own; rating is theirs.
	res := a.Login("resident")
	var e event
	if st := res.Do("POST", "/api/v1/events", report(a, map[string]any{"channel": "resident"}), &e); st != 201 {
		t.Fatalf("resident report: %d", st)
	}
	var list struct{ Items []event }
	res.Do("GET", "/api/v1/events", nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != e.ID {
		t.Fatalf("resident list: %+v", list.Items)
	}
	if p := res.Fail("POST", "/api/v1/events", report(a, map[string]any{"self_resolved": true})); p.Errors[0].Field != "self_resolved" {
		t.Fatalf("resident self-resolve: %+v", p)
	}
	// A major matter goes straight to the county (直报).
	if st := gm.Do("POST", "/api/v1/events", report(a, map[string]any{"direct": true, "urgency": "urgent", "category_code": "0503"}), &e); st != 201 || e.Level != "county" {
		t.Fatalf("direct report: %d %+v", st, e)
	}
	// A grid member solves one on the spot.
	if st := gm.Do("POST", "/api/v1/events", report(a, map[string]any{"self_resolved": true}), &e); st != 201 || e.State != "closed" {
		t.Fatalf("self resolved: %d %+v", st, e)
	}
	// In the next village the grid member reports like anyone else, but
	// cannot close the event on the spot.
	var lat, lng float64
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.center_lat, g.center_lng FROM grids g WHERE g.layer = 'zz' AND g.org_id <> (
		SELECT org_id FROM users WHERE username = ?) ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&lat, &lng); err != nil {
		t.Fatal(err)
	}
	there := map[string]any{"lat": lat, "lng": lng}
	if st := gm.Do("POST", "/api/v1/events", report(a, there), &e); st != 201 || e.State != "reported" {
		t.Fatalf("report in the next village: %d %+v", st, e)
	}
	there["self_resolved"] = true
	if p := gm.Fail("POST", "/api/v1/events", report(a, there)); p.Errors[0].Field != "self_resolved" {
		t.Fatalf("self-resolve in the next village: %+v", p)
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

func TestOverdueSweepOutboxAndDashboard(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	var e event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	// Two hours later the intake stage (30 min) is overdue: red light, flagged once.
	later := time.Now().Add(2 * time.Hour)
	a.Events.Now = func() time.Time { return later }
	n, err := a.Events.SweepOverdue(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if n, _ := a.Events.SweepOverdue(t.Context()); n != 0 {
		t.Fatalf("second sweep flagged %d again", n)
	}
	shift := a.Login("shift_lead")
	var list struct{ Items []event }
	shift.Do("GET", "/api/v1/events?light=red", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Light != "red" {
		t.Fatalf("red list: %+v", list.Items)
	}
	var inbox struct{ Items []struct{ Kind string } }
	shift.Do("GET", "/api/v1/inbox?unread=true", nil, &inbox)
	if len(inbox.Items) == 0 || inbox.Items[0].Kind != "overdue" {
		t.Fatalf("shift lead inbox: %+v", inbox.Items)
	}
	// The outbox: a failing sender keeps the messages for later.
	pending := func() (n int) {
		a.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM outbox WHERE sent_at IS NULL").Scan(&n)
		return
	}
	before := pending()
	if sent, err := a.Events.DeliverOutbox(t.Context(), failing{}); err != nil || sent != 0 || pending() != before || before == 0 {
		t.Fatalf("failing sender: sent %d, pending %d→%d, %v", sent, before, pending(), err)
	}
	// The webhook adapter: a gateway that answers 503 once, then takes them.
	var got []string
	var mu sync.Mutex
	down := true
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if down {
			w.WriteHeader(503)
			return
		}
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
	}))
	defer hook.Close()
	send := casework.WebhookSender{URL: hook.URL}
	a.Events.Now = func() time.Time { return later.Add(2 * time.Hour) }
	if sent, _ := a.Events.DeliverOutbox(t.Context(), send); sent != 0 || pending() != before {
		t.Fatalf("gateway down: sent %d", sent)
	}
	down = false
	a.Events.Now = func() time.Time { return later.Add(5 * time.Hour) }
	if sent, err := a.Events.DeliverOutbox(t.Context(), send); err != nil || sent != before || pending() != 0 || len(got) != before || !strings.Contains(got[0], `"payload":{"event"`) {
		t.Fatalf("retry: sent %d of %d, %v, %v", sent, before, err, got)
	}

	// Dashboard over the demo county: one open, overdue event.
	a.Events.Now = time.Now
	var d struct {
		Totals struct {
			Received, Open, Overdue int
		} `json:"totals"`
		ByArea []struct{ Name string } `json:"by_area"`
	}
	var roots struct{ Items []struct{ ID string } }
	lead := a.Login("leader")
	lead.Do("GET", "/api/v1/org/roots", nil, &roots)
	if st := lead.Do("GET", "/api/v1/dashboard?org_id="+roots.Items[0].ID, nil, &d); st != 200 {
		t.Fatalf("dashboard: %d", st)
	}
	if d.Totals.Received != 1 || d.Totals.Open != 1 || len(d.ByArea) != 1 {
		t.Fatalf("dashboard: %+v", d)
	}
	var pts struct {
		Items []struct{ ID, Light string }
	}
	a.Events.Now = func() time.Time { return later }
	lead.Do("GET", "/api/v1/events/map?org_id="+roots.Items[0].ID, nil, &pts)
	a.Events.Now = time.Now
	if len(pts.Items) != 1 || pts.Items[0].ID != e.ID || pts.Items[0].Light != "red" {
		t.Fatalf("map: %+v", pts.Items)
	}
	if p := gm.Fail("GET", "/api/v1/dashboard?org_id="+roots.Items[0].ID, nil); p.Status != 400 && p.Status != 403 {
		t.Fatalf("grid member dashboard of the county: %+v", p)
	}
}

type failing struct{}

func (failing) Send(context.Context, string, string, string, string) error {
	return errors.New("gateway down")
}

func TestPhotos(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	var e event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	var jpg bytes.Buffer
	jpeg.Encode(&jpg, img, nil)
	// A JPEG with an EXIF block carrying a GPS tag: the stored copy has none.
	exif := append([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x16}, []byte("Exif\x00\x00GPSLatitude23.7\x00")...)
	withExif := append(exif, jpg.Bytes()[2:]...)
	upload := func(data []byte, kind string) testapp.Response {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("kind", kind)
		fw, _ := w.CreateFormFile("file", "photo.jpg")
		fw.Write(data)
		w.Close()
		return gm.Raw("POST", "/api/v1/events/"+e.ID+"/media", w.FormDataContentType(), body.Bytes())
	}
	r := upload(withExif, "before")
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var m struct{ ID string }
	mustJSON(t, r.Body, &m)
	got := gm.Raw("GET", "/api/v1/events/"+e.ID+"/media/"+m.ID, "", nil)
	if got.Status != 200 || bytes.Contains(got.Body, []byte("GPSLatitude")) || bytes.Contains(got.Body, []byte("Exif")) {
		t.Fatalf("stored photo: %d, exif kept: %v", got.Status, bytes.Contains(got.Body, []byte("Exif")))
	}
	if r := upload([]byte("GIF89a not really"), "before"); r.Status != 400 || !strings.Contains(string(r.Body), "media.type") {
		t.Fatalf("fake image: %d %s", r.Status, r.Body)
	}
	if r := upload(append([]byte{0xFF, 0xD8, 0xFF}, make([]byte, 100)...), "before"); r.Status != 400 {
		t.Fatalf("broken jpeg: %d %s", r.Status, r.Body)
	}
	if r := upload(jpg.Bytes(), "selfie"); r.Status != 400 {
		t.Fatalf("bad kind: %d", r.Status)
	}
	if r := upload(make([]byte, casework.MaxPhotoBytes+10), "before"); r.Status != 400 || !strings.Contains(string(r.Body), "media.too_large") {
		t.Fatalf("oversized: %d %.200s", r.Status, r.Body)
	}
}

// Configuration: categories, the work calendar and dispatch rules, and a
// rule deciding where an event goes.
func TestConfiguration(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	admin := a.Login("sys_admin")
	p := admin.Fail("PUT", "/api/v1/categories/0105", map[string]any{"name": "绿地脏乱", "limits": map[string]any{"normal": map[string]string{"handle": "4 hours"}}})
	if p.Status != 400 || p.Errors[0].Field != "limits.normal.handle" {
		t.Fatalf("bad limit: %+v", p)
	}
	if p := admin.Fail("PUT", "/api/v1/categories/9901", map[string]any{"name": "无上级"}); p.Errors[0].Code != "event.category_parent" {
		t.Fatalf("orphan: %+v", p)
	}
	var c struct {
		Code   string                       `json:"code"`
		Limits map[string]map[string]string `json:"limits"`
	}
	if st := admin.Do("PUT", "/api/v1/categories/0105", map[string]any{"name": "绿地脏乱", "active": true, "default_unit_code": "cg",
		"limits": map[string]any{"normal": map[string]string{"handle": "6wh"}}}, &c); st != 200 || c.Limits["normal"]["handle"] != "6wh" {
		t.Fatalf("save category: %d %+v", st, c)
	}
	if p := admin.Fail("PUT", "/api/v1/settings/calendar", map[string]any{"holidays": []string{"2026-10-10"}, "workdays": []string{"2026-10-10"}}); p.Errors[0].Field != "calendar" {
		t.Fatalf("contradictory calendar: %+v", p)
	}
	var cal struct {
		Holidays []string `json:"holidays"`
	}
	admin.Do("GET", "/api/v1/settings/calendar", nil, &cal)
	if len(cal.Holidays) < 20 {
		t.Fatalf("default calendar has %d holidays", len(cal.Holidays))
	}
	// A rule: 0105 anywhere in the county goes to the housing department.
	var roots struct{ Items []struct{ ID string } }
	admin.Do("GET", "/api/v1/org/roots", nil, &roots)
	zj := unitID(t, admin, "441602-zj")
	if st := admin.Do("POST", "/api/v1/dispatch-rules", map[string]any{"category_prefix": "0105", "org_id": roots.Items[0].ID, "unit_id": zj}, nil); st != 201 {
		t.Fatalf("rule: %d", st)
	}
	var e event
	a.Login("grid_member").Do("POST", "/api/v1/events", report(a, map[string]any{"category_code": "0105"}), &e)
	act(t, a.Login("intake"), &e, "file", nil)
	act(t, a.Login("dispatcher"), &e, "dispatch", nil)
	if e.LeadUnitID != zj {
		t.Fatalf("rule not applied: lead %s", e.LeadUnitID)
	}
	// Without a rule a village matter stays in the village (属地兜底).
	a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), &e)
	act(t, a.Login("intake"), &e, "file", nil)
	act(t, a.Login("dispatcher"), &e, "dispatch", nil)
	if e.Level != "village" || e.LeadUnitID == "" {
		t.Fatalf("locality fallback: %+v", e)
	}
	// The village centre's grid member signs it; the city department cannot.
	if p := a.Login("dept_handler").Fail("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "sign", "version": e.Version}); p.Status != 404 && p.Code != "event.not_lead_unit" {
		t.Fatalf("department signs a village matter: %+v", p)
	}
	act(t, a.Login("grid_member"), &e, "sign", nil)
	if e.State != "handling" {
		t.Fatalf("village centre sign: %+v", e)
	}
}

// newStaff creates a user of a unit with a role over the county (and more
// roles over other org nodes: role code → org id), signs them in and
// changes their initial password.
func newStaff(t *testing.T, a *testapp.App, username, unit, role string, more ...map[string]string) *testapp.Client {
	t.Helper()
	sys, sec := a.Login("sys_admin"), a.Login("sec_admin")
	var roots struct{ Items []struct{ ID string } }
	sys.Do("GET", "/api/v1/org/roots", nil, &roots)
	var u struct{ ID string }
	if st := sys.Do("POST", "/api/v1/users", map[string]string{"username": username, "display_name": username, "password": "Initial#Pass-2026",
		"org_id": roots.Items[0].ID, "unit_id": unit}, &u); st != 201 {
		t.Fatalf("create %s: %d", username, st)
	}
	var roles struct{ Items []struct{ ID, Code string } }
	sec.Do("GET", "/api/v1/roles", nil, &roles)
	for _, r := range roles.Items {
		if r.Code == role {
			sec.Do("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": r.ID, "org_id": roots.Items[0].ID}, nil)
		}
		for _, m := range more {
			if org, ok := m[r.Code]; ok {
				if st := sec.Do("POST", "/api/v1/users/"+u.ID+"/roles", map[string]string{"role_id": r.ID, "org_id": org}, nil); st/100 != 2 {
					t.Fatalf("grant %s: %d", r.Code, st)
				}
			}
		}
	}
	c := a.Anon()
	var login struct {
		CSRFToken string `json:"csrf_token"`
	}
	c.Do("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": "Initial#Pass-2026"}, &login)
	c.CSRF = login.CSRFToken
	if st := c.Do("POST", "/api/v1/me/password", map[string]string{"old_password": "Initial#Pass-2026", "new_password": "Own#Pass-2026-xyz"}, nil); st != 204 {
		t.Fatalf("%s changes password: %d", username, st)
	}
	return c
}

// The rate definitions of docs/casework.md, on events with known outcomes.
func TestRateDefinitions(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake, disp := a.Login("grid_member"), a.Login("intake"), a.Login("dispatcher")
	checker := newChecker(t, a) // the grid member handles at the village centre, so another re-checks
	clock := time.Now()
	a.Events.Now = func() time.Time { return clock }
	at := func(d time.Duration) { clock = clock.Add(d) }
	newEvent := func() *event {
		var e event
		if st := gm.Do("POST", "/api/v1/events", report(a, nil), &e); st != 201 {
			t.Fatalf("report: %d", st)
		}
		return &e
	}
	// A: filed, dispatched to the village centre, signed in time, closed in time, satisfied.
	A := newEvent()
	act(t, intake, A, "file", nil)
	act(t, disp, A, "dispatch", nil)
	act(t, gm, A, "sign", nil)
	act(t, gm, A, "report_result", map[string]any{"note": "done"})
	act(t, checker, A, "check_pass", nil)
	act(t, intake, A, "rate", map[string]any{"rating": "dissatisfied"})
	// B: dispatched, signed three days late, closed after its deadline, basically satisfied.
	B := newEvent()
	act(t, intake, B, "file", nil)
	act(t, disp, B, "dispatch", nil)
	at(3 * 24 * time.Hour)
	act(t, gm, B, "sign", nil)
	at(30 * 24 * time.Hour)
	act(t, gm, B, "report_result", map[string]any{"note": "done late"})
	act(t, checker, B, "check_pass", nil)
	act(t, intake, B, "rate", map[string]any{"rating": "basically"})
	// C: refused. D: filed and still open. E: solved on the spot.
	C := newEvent()
	act(t, intake, C, "refuse", map[string]any{"note": "not ours"})
	D := newEvent()
	act(t, intake, D, "file", nil)
	var E event
	gm.Do("POST", "/api/v1/events", report(a, map[string]any{"self_resolved": true}), &E)
	_ = newEvent() // F: waiting for intake

	var roots struct{ Items []struct{ ID string } }
	lead := a.Login("leader")
	lead.Do("GET", "/api/v1/org/roots", nil, &roots)
	type row struct {
		Key     string         `json:"key"`
		Name    string         `json:"name"`
		Figures map[string]int `json:"figures"`
	}
	var d struct {
		Totals     map[string]int      `json:"totals"`
		Rates      map[string]*float64 `json:"rates"`
		ByArea     []row               `json:"by_area"`
		ByCategory []row               `json:"by_category"`
		ByChannel  []row               `json:"by_channel"`
		ByMonth    []row               `json:"by_month"`
	}
	from := time.Now().Add(-time.Hour).Format(time.RFC3339)
	to := clock.Add(time.Hour).Format(time.RFC3339)
	if st := lead.Do("GET", "/api/v1/dashboard?org_id="+roots.Items[0].ID+"&from="+from+"&to="+to, nil, &d); st != 200 {
		t.Fatalf("dashboard: %d", st)
	}
	want := map[string]int{"received": 6, "accepted": 4, "dispatched": 2, "responded": 1, "closed": 3, "on_time": 2,
		"rated": 2, "satisfied": 1, "open": 2, "closed_grid": 1, "closed_village": 2}
	for k, v := range want {
		if d.Totals[k] != v {
			t.Errorf("%s = %d, want %d", k, d.Totals[k], v)
		}
	}
	rate := func(name string, want float64) {
		if got := d.Rates[name]; got == nil || *got < want-1e-9 || *got > want+1e-9 {
			t.Errorf("rate %s = %v, want %v", name, got, want)
		}
	}
	// Every breakdown adds up to the totals, and each group is named.
	for name, rows := range map[string][]row{"area": d.ByArea, "category": d.ByCategory, "channel": d.ByChannel, "month": d.ByMonth} {
		sum := map[string]int{}
		for _, r := range rows {
			if r.Name == "" && r.Figures["received"] > 0 {
				t.Errorf("%s %s has no name", name, r.Key)
			}
			for k, v := range r.Figures {
				sum[k] += v
			}
		}
		for k, v := range d.Totals {
			if sum[k] != v {
				t.Errorf("by %s: %s sums to %d, total %d", name, k, sum[k], v)
			}
		}
	}
	if len(d.ByMonth) < 2 { // the window spans the 30 days the clock moved
		t.Errorf("months: %+v", d.ByMonth)
	}
	rate("response", 1.0/2)     // A signed in time of A, B dispatched
	rate("resolution", 3.0/4)   // A, B, E closed of A, B, D, E accepted
	rate("satisfaction", 1.0/2) // B basically satisfied of A, B rated
	rate("on_time", 2.0/3)      // A and E (self-resolved) of A, B, E closed
	// Drill-down: the closed ones of each level are listed with the same
	// filters; E, solved on the spot, never left the grid (微事不出网格).
	for level, n := range map[string]int{"village": 2, "grid": 1} {
		var list struct{ Items []event }
		lead.Do("GET", "/api/v1/events?state=closed&resolved_level="+level+"&org_id="+roots.Items[0].ID+"&from="+from+"&to="+to, nil, &list)
		if len(list.Items) != n || (level == "grid" && list.Items[0].ID != E.ID) {
			t.Fatalf("drill-down closed at %s: %d", level, len(list.Items))
		}
	}
	_, _ = C, D
}

func TestVideoAlertWebhook(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	body := fmt.Sprintf(`{"channel":"video","source":"cam-441602-0001","category_code":"0402","description":"摄像头识别到占道经营","lat":%v,"lng":%v}`,
		a.Demo.Center.Lat, a.Demo.Center.Lng)
	post := func(key string) testapp.Response {
		return c.RawWith("POST", "/api/v1/alerts", "application/json", []byte(body), map[string]string{"X-API-Key": key, "Idempotency-Key": "cam-1-0001"})
	}
	if r := post("wrong"); r.Status != 403 {
		t.Fatalf("bad key: %d", r.Status)
	}
	if r := post(a.Demo.Open311Key); r.Status != 403 {
		t.Fatalf("a key of another scope: %d", r.Status)
	}
	r := post(a.Demo.AlertKey)
	var e event
	mustJSON(t, r.Body, &e)
	if r.Status != 201 || e.State != "reported" {
		t.Fatalf("alert: %d %s", r.Status, r.Body)
	}
	if r := post(a.Demo.AlertKey); r.Status != 201 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("repeated alert: %d", r.Status)
	}
	var list struct {
		Items []struct {
			Channel string `json:"channel"`
		}
	}
	a.Login("intake").Do("GET", "/api/v1/events?channel=video", nil, &list)
	if len(list.Items) != 1 {
		t.Fatalf("video events: %+v", list.Items)
	}
}

// An action needs its permission over the event's area: a user who files
// events for one village and reads the whole county cannot file another
// village's event.
func TestActionNeedsPermissionOverTheEventsArea(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	var villageID, villagePath string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT o.id, o.path FROM org_nodes o JOIN users u ON u.org_id = o.id
		WHERE u.username = ?`, a.Account("grid_member").Username).Scan(&villageID, &villagePath); err != nil {
		t.Fatal(err)
	}
	// event.read over the county (leader), event.intake over one village.
	c := newStaff(t, a, "two_grants", "", "leader", map[string]string{"intake": villageID})
	mine := &event{}
	if st := a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), mine); st != 201 {
		t.Fatalf("report: %d", st)
	}
	var lat, lng float64 // a point of another village
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT center_lat, center_lng FROM grids WHERE layer = 'zz' AND path NOT LIKE ? ORDER BY code LIMIT 1",
		villagePath+"%").Scan(&lat, &lng); err != nil {
		t.Fatal(err)
	}
	var other event
	if st := a.Login("intake").Do("POST", "/api/v1/events", report(a, map[string]any{"channel": "hotline", "lat": lat, "lng": lng}), &other); st != 201 {
		t.Fatalf("report in another village: %d", st)
	}
	if st := c.Do("GET", "/api/v1/events/"+other.ID, nil, nil); st != 200 {
		t.Fatalf("reading another village's event over the county: %d", st)
	}
	body := map[string]any{"action": "file", "version": other.Version}
	if p := c.Fail("POST", "/api/v1/events/"+other.ID+"/actions", body); p.Status != 403 {
		t.Fatalf("filing another village's event with a village grant: %+v", p)
	}
	act(t, c, mine, "file", nil)
	// The same for photos: reporting rights over the village, not the county.
	photo := func(e *event) int {
		var jpg, form bytes.Buffer
		jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil)
		w := multipart.NewWriter(&form)
		w.WriteField("kind", "before")
		fw, _ := w.CreateFormFile("file", "photo.jpg")
		fw.Write(jpg.Bytes())
		w.Close()
		return c.Raw("POST", "/api/v1/events/"+e.ID+"/media", w.FormDataContentType(), form.Bytes()).Status
	}
	if st := photo(&other); st != 403 {
		t.Errorf("photo on another village's event: %d", st)
	}
	if st := photo(mine); st != 201 {
		t.Errorf("photo on the village's event: %d", st)
	}
}

func TestDispatchStaysWithinTheArea(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	var villagePath string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT o.path FROM org_nodes o JOIN users u ON u.org_id = o.id
		WHERE u.username = ?`, a.Account("grid_member").Username).Scan(&villagePath); err != nil {
		t.Fatal(err)
	}
	townID := strings.Split(villagePath, "/")[3] // /city/county/town/village/
	var otherTown, otherName string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id, name FROM units WHERE kind = 'center' AND level = 'town' AND path NOT LIKE ? ORDER BY code LIMIT 1",
		"%/"+townID+"/%").Scan(&otherTown, &otherName); err != nil {
		t.Fatal(err)
	}
	var ownTown string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE kind = 'center' AND level = 'town' AND path LIKE ?",
		"%/"+townID+"/").Scan(&ownTown); err != nil {
		t.Fatal(err)
	}
	// A town's centre files and dispatches the town's events.
	c := newStaff(t, a, "town_dispatcher", "", "", map[string]string{"intake": townID, "dispatcher": townID})
	var e event
	if st := a.Login("grid_member").Do("POST", "/api/v1/events", report(a, nil), &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	act(t, c, &e, "file", nil)
	body := map[string]any{"action": "dispatch", "version": e.Version, "unit_ids": []string{ownTown, otherTown}}
	if p := c.Fail("POST", "/api/v1/events/"+e.ID+"/actions", body); p.Status != 400 || len(p.Errors) == 0 ||
		p.Errors[0].Field != "unit_ids[1]" || p.Errors[0].Code != "event.unit_outside" || !strings.Contains(p.Errors[0].Message, otherName) {
		t.Fatalf("dispatch to another town's centre: %+v", p)
	}
	// The county's departments serve the town too.
	var dept string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE code = '441602-cg'").Scan(&dept); err != nil {
		t.Fatal(err)
	}
	act(t, c, &e, "dispatch", map[string]any{"unit_ids": []string{ownTown, dept}})
	if e.State != "dispatched" || e.LeadUnitID != ownTown || len(e.Units) != 2 {
		t.Fatalf("dispatched within the area: %+v", e)
	}
	// Summoning (吹哨) is bound the same way.
	body = map[string]any{"action": "whistle", "version": e.Version, "unit_ids": []string{otherTown}}
	if p := c.Fail("POST", "/api/v1/events/"+e.ID+"/actions", body); p.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Code != "event.unit_outside" {
		t.Fatalf("summoning another town's centre: %+v", p)
	}
}

// A unit's work orders (my_unit): the events its unit leads, not those it
// only helps with nor those it returned; an account of no unit has none.
func TestMyUnitListsTheOrdersTheUnitLeads(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, intake, disp, handler := a.Login("grid_member"), a.Login("intake"), a.Login("dispatcher"), a.Login("dept_handler")
	cg, zj := unitID(t, disp, "441602-cg"), unitID(t, disp, "441602-zj")
	send := func(units []string, lead string) event {
		var e event
		if st := gm.Do("POST", "/api/v1/events", report(a, nil), &e); st != 201 {
			t.Fatalf("report: %d", st)
		}
		act(t, intake, &e, "file", nil)
		act(t, disp, &e, "dispatch", map[string]any{"unit_ids": units, "lead_unit_id": lead})
		return e
	}
	led := send([]string{cg, zj}, cg)
	helped := send([]string{zj, cg}, zj)
	returned := send([]string{cg}, cg)
	act(t, handler, &returned, "return", map[string]any{"note": "不属于本单位职责"})

	ids := func(c *testapp.Client, query string) []string {
		var l struct{ Items []event }
		if st := c.Do("GET", "/api/v1/events?"+query, nil, &l); st != 200 {
			t.Fatalf("list %s: %d", query, st)
		}
		var out []string
		for _, e := range l.Items {
			out = append(out, e.ID)
		}
		return out
	}
	if got := ids(handler, "my_unit=true&state=dispatched"); len(got) != 1 || got[0] != led.ID {
		t.Errorf("the handler's orders to sign: %v, want only %s (not %s helped, nor %s returned)", got, led.ID, helped.ID, returned.ID)
	}
	if got := ids(handler, "state=dispatched"); len(got) != 2 {
		t.Errorf("without my_unit the unit reads both events it was sent: %v", got)
	}
	if got := ids(a.Login("leader"), "my_unit=true"); len(got) != 0 {
		t.Errorf("an account of no unit leads nothing: %v", got)
	}
}
