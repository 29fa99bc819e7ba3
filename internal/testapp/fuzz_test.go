package testapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// FuzzAPIBody sends arbitrary bytes as the JSON body of every API route that
// takes one (Route.In set), as a demo user the route lets through and with
// real ids in the path, so that the body reaches the handler. However wrong
// the body, the answer is 2xx, or 4xx with a problem body naming its code:
// never a 5xx, never a panic.
func FuzzAPIBody(f *testing.F) {
	routes := bodyRoutes(f)
	for i, r := range routes {
		for _, s := range r.seeds {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		r := routes[int(which)%len(routes)]
		resp, err := r.client.Send(r.method, r.path, "application/json", body, r.headers)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		checkAnswer(t, r.method+" "+r.path, body, resp)
	})
}

// checkAnswer fails t unless resp is a success or a client error whose
// problem body names its code (and each field error its field).
func checkAnswer(t *testing.T, route string, body []byte, resp testapp.Response) {
	t.Helper()
	switch {
	case resp.Status >= 200 && resp.Status < 300:
	case resp.Status >= 400 && resp.Status < 500:
		var p testapp.Problem
		if err := json.Unmarshal(resp.Body, &p); err != nil || p.Code == "" || p.Status != resp.Status {
			t.Fatalf("%s with body %q: %d and no problem naming a code: %.500s", route, body, resp.Status, resp.Body)
		}
		for _, e := range p.Errors {
			if e.Field == "" || e.Code == "" {
				t.Fatalf("%s with body %q: a field error naming no field or code: %.500s", route, body, resp.Body)
			}
		}
	default:
		t.Fatalf("%s with body %q: %d %.500s", route, body, resp.Status, resp.Body)
	}
}

// bodyRoute is a route of the API with a JSON body, ready to call.
type bodyRoute struct {
	route   string // "POST /api/v1/people/{id}/status"
	method  string
	path    string // the route's path with real ids for its parameters
	client  *testapp.Client
	headers map[string]string
	seeds   [][]byte // the zero body of the route's input, valid bodies, past failures
}

// accessRoles are the demo roles that call the routes with no single
// permission (Route.Access).
var accessRoles = map[string]string{
	// The red grid: a member's own 双报到 and tasks, a resident's rating,
	// the county's red-order times and points rules.
	"/api/v1/party/reports/mine":            "party_member",
	"/api/v1/party/tasks/{id}/done":         "party_member",
	"/api/v1/safety/tasks/{id}/progress":    "intake",
	"/api/v1/drive-assignments/{id}/report": "grid_member",
	"/api/v1/red-order-times":               "sys_admin",
	"/api/v1/points/rules":                  "sys_admin",
	"/api/v1/me/password":                   "mediator", // an account no other route uses
	"/api/v1/me/totp/confirm":               "mediator",
	"/api/v1/events/{id}/actions":           "shift_lead",
	// An ordinary account's reset and status are the system administrator's.
	"/api/v1/users/{id}/reset-password": "sys_admin",
	"/api/v1/users/{id}":                "sys_admin",
	// A screening finding is closed on the spot by whoever may file it.
	"/api/v1/screening/findings/{id}/resolve": "justice",
	// A member task is closed or carried by its assignee (the grid member).
	"/api/v1/duty/tasks/{id}/close": "grid_member",
	"/api/v1/duty/tasks/{id}/carry": "grid_member",
	// Reception days are recorded by those who staff them.
	"/api/v1/receptions":            "grid_member",
	"/api/v1/receptions/{id}/items": "grid_member",
	// A red order is confirmed by the resident who placed it.
	"/api/v1/red-orders/{id}/confirm": "resident",
	// A briefing is answered by the staff of a unit it went to.
	"/api/v1/situation-briefings/{id}/reply": "police",
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// bodyRoutes starts one app for the whole fuzz run, makes an object of each
// kind a body route names in its path, and lists the routes with the client
// to call each and its seed bodies.
func bodyRoutes(tb testing.TB) []bodyRoute {
	a := testapp.New(tb)
	clients := map[string]*testapp.Client{}
	as := func(role string) *testapp.Client {
		if clients[role] == nil {
			clients[role] = a.Login(role)
		}
		return clients[role]
	}
	fx := makeFixtures(tb, a, as)

	var out []bodyRoute
	for _, r := range a.Router.Routes() {
		if r.In == nil {
			continue
		}
		br := bodyRoute{route: r.Method + " " + r.Path, method: r.Method}
		switch {
		case r.Public:
			// The alert webhook wants its key; the login route ignores it.
			br.client, br.headers = a.Anon(), map[string]string{"X-API-Key": a.Demo.AlertKey}
			if r.Path == "/api/v1/callkey/calls" { // the 9-key platform has a key of its own
				br.headers["X-API-Key"] = a.Demo.CallKeyKey
			}
		case r.Perm != "":
			br.client = as(holder(tb, a, r.Perm))
		case accessRoles[r.Path] != "":
			br.client = as(accessRoles[r.Path])
		default:
			tb.Fatalf("%s %s: no demo role to call it with; add one to accessRoles", r.Method, r.Path)
		}
		// Each parameter is named by the path segment before it:
		// /api/v1/people/{id} takes fixture "people".
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if pathParam.MatchString(s) {
				id, ok := fx.ids[segs[i-1]]
				if !ok {
					tb.Fatalf("%s %s: no fixture %q for %s", r.Method, r.Path, segs[i-1], s)
				}
				segs[i] = id
			}
		}
		br.path = strings.Join(segs, "/") + fx.query[br.route]
		zero, err := json.Marshal(r.In)
		if err != nil {
			tb.Fatal(err)
		}
		br.seeds = append(br.seeds, zero)
		for _, s := range fx.seeds[br.route] {
			b, err := json.Marshal(s)
			if err != nil {
				tb.Fatal(err)
			}
			br.seeds = append(br.seeds, b)
		}
		out = append(out, br)
	}
	if len(out) > 256 {
		tb.Fatalf("%d body routes: more than a uint8 picks", len(out))
	}
	for route := range fx.seeds {
		if !slices.ContainsFunc(out, func(r bodyRoute) bool { return r.route == route }) {
			tb.Fatalf("seeds for %s, which is not a route with a body", route)
		}
	}
	return out
}

// holder is the first demo role (in the demo's order, administrators first)
// holding perm.
func holder(tb testing.TB, a *testapp.App, perm authz.Perm) string {
	for _, acc := range a.Demo.Accounts {
		for _, b := range authz.Builtins {
			if b.Code == acc.Role && slices.Contains(b.Perms, perm) {
				return acc.Role
			}
		}
	}
	tb.Fatalf("no demo role holds %s", perm)
	return ""
}

// fixtures are the objects body routes act on.
type fixtures struct {
	ids   map[string]string // path segment before a parameter → id
	query map[string]string // route → query string it needs
	seeds map[string][]any  // route → valid bodies and past failures
}

// makeFixtures makes, through the API, an object of each kind a body route
// names in its path; the bodies that made them are seeds too.
func makeFixtures(tb testing.TB, a *testapp.App, as func(role string) *testapp.Client) fixtures {
	ctx := context.Background()
	q := func(dst any, query string, args ...any) {
		tb.Helper()
		if err := a.DB.Reader().QueryRowContext(ctx, query, args...).Scan(dst); err != nil {
			tb.Fatalf("%s: %v", query, err)
		}
	}
	fx := fixtures{ids: map[string]string{}, query: map[string]string{}, seeds: map[string][]any{}}
	// create sends a valid body, keeps it as a seed and returns the new id.
	create := func(c *testapp.Client, method, path string, body any) string {
		tb.Helper()
		fx.seeds[method+" "+path] = append(fx.seeds[method+" "+path], body)
		var out struct {
			ID string `json:"id"`
		}
		if st := c.Do(method, path, body, &out); st >= 300 {
			tb.Fatalf("%s %s: %d %+v", method, path, st, c.Fail(method, path, body))
		}
		return out.ID
	}
	seed := func(route string, bodies ...any) { fx.seeds[route] = append(fx.seeds[route], bodies...) }

	sys, sec, intake, gm, leader := as("sys_admin"), as("sec_admin"), as("intake"), as("grid_member"), as("leader")
	var county, town, village, grid, gridCode, otherGrid, geometry, unit, leaderRole string
	q(&county, "SELECT id FROM org_nodes WHERE code = ?", a.Account("sys_admin").OrgCode)
	q(&grid, `SELECT g.id FROM grids g JOIN grid_members m ON m.grid_id = g.id JOIN users u ON u.id = m.user_id
		WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username)
	q(&gridCode, "SELECT code FROM grids WHERE id = ?", grid)
	q(&village, "SELECT org_id FROM grids WHERE id = ?", grid)
	q(&town, "SELECT parent_id FROM org_nodes WHERE id = ?", village)

	// A dispute case of the village, classified, with its two parties.
	intakeBody := map[string]any{"source": "walk_in", "org_id": village, "type": "neighbour", "title": "漏水纠纷", "facts": "楼上漏水",
		"complexity": "simple", "route": "people_mediation", "route_reason": "邻里纠纷",
		"parties": []map[string]string{{"role": "applicant", "name": "张三", "phone": "13900001111"}, {"role": "respondent", "name": "李四"}}}
	fx.seeds["POST /api/v1/disputes"] = append(fx.seeds["POST /api/v1/disputes"], intakeBody)
	var dc struct {
		ID      string `json:"id"`
		Parties []struct {
			ID string `json:"id"`
		} `json:"parties"`
	}
	if st := intake.Do("POST", "/api/v1/disputes", intakeBody, &dc); st != 201 || len(dc.Parties) == 0 {
		tb.Fatalf("dispute case: %d", st)
	}
	fx.ids["disputes"], fx.ids["parties"] = dc.ID, dc.Parties[0].ID
	// A 法律明白人 of the village.
	fx.ids["mediators"] = create(intake, "POST", "/api/v1/mediators", map[string]any{"org_id": village, "kind": "legal_helper", "name": "王明白",
		"phone": "13900002222", "specialties": []string{"neighbour"}})
	seed("PUT /api/v1/mediators/{id}", map[string]any{"kind": "legal_helper", "name": "王明白", "version": 1})
	seed("POST /api/v1/mediators/{id}/reveal", map[string]string{"reason": "联系调解员"})
	// Assessment: a 网格学堂 session of the village with the grid member's
	// roster entry, offline points, the weights, a 十佳 choice and a closed month.
	var trainee string
	q(&trainee, "SELECT w.id FROM workers w JOIN users u ON u.id = w.user_id WHERE u.username = ?", a.Account("grid_member").Username)
	fx.ids["trainings"] = create(intake, "POST", "/api/v1/assess/trainings", map[string]any{"org_id": village, "title": "网格学堂：走访技巧",
		"held_on": time.Now().Format("2006-01-02"), "hours": 2.5, "trainer": "县综治中心", "worker_ids": []string{trainee}})
	seed("PUT /api/v1/assess/trainings/{id}/attendance", map[string]any{"worker_ids": []string{trainee}, "version": 1})
	seed("POST /api/v1/assess/offline", map[string]any{"worker_id": trainee, "month": time.Now().Format("2006-01"), "points": -2, "reason": "例会缺席"})
	seed("PUT /api/v1/assess/weights", map[string]any{"weights": []map[string]any{{"metric": "callkey.accept", "kind": "time", "weight": 15, "target_s": 120, "limit_s": 900}}})
	seed("POST /api/v1/assess/awards", map[string]any{"org_id": village, "month": time.Now().Format("2006-01"), "worker_ids": []string{trainee}})
	seed("POST /api/v1/assess/months/close", map[string]any{"month": "2025-01"})
	now := time.Now().UnixMilli()
	seed("POST /api/v1/disputes/{id}/route", map[string]string{"complexity": "complex", "route": "admin_mediation", "reason": "转行政调解"})
	seed("POST /api/v1/disputes/{id}/sessions", map[string]any{"at": now, "place": "调解室", "kind": "mediation", "record": "记录"})
	seed("POST /api/v1/disputes/{id}/agreement", map[string]any{"facts": "事实", "issues": "争议", "responsibilities": "责任", "terms": "赔偿",
		"manner": "现金", "deadline": time.Now().Format(time.DateOnly), "committee": "人民调解委员会", "signed_at": now})
	seed("POST /api/v1/disputes/{id}/parties/{party}/reveal", map[string]any{"fields": []string{"phone"}, "reason": "联系当事人"})
	// The subsidy table.
	seed("PUT /api/v1/dispute-subsidy-rates", map[string]any{"rates": []map[string]any{{"complexity": "simple", "outcome": "agreement", "amount": 100}}})

	// A grid of another village than the grid member's, for the routes that
	// change, move or retire one.
	q(&otherGrid, "SELECT id FROM grids WHERE layer = 'zz' AND org_id <> ? ORDER BY code DESC LIMIT 1", village)
	q(&geometry, "SELECT geometry FROM grids WHERE id = ?", grid)
	q(&unit, "SELECT id FROM units WHERE org_id = ? AND kind = 'department' ORDER BY code LIMIT 1", county)
	q(&leaderRole, "SELECT id FROM roles WHERE code = 'leader'")
	center := a.Demo.Center

	fx.ids["users"] = create(sys, "POST", "/api/v1/users", map[string]string{"username": "fuzz.target", "display_name": "张伟",
		"password": "Wangge#2026-qx", "org_id": county})
	seed("PATCH /api/v1/users/{id}", map[string]any{"display_name": "张伟伟", "status": "disabled", "version": 1})
	seed("POST /api/v1/users/{id}/reset-password", map[string]string{"password": "Initial#Pass-2026"})
	seed("POST /api/v1/users/{id}/roles", map[string]string{"role_id": leaderRole, "org_id": town})
	fx.ids["roles"] = create(sec, "POST", "/api/v1/roles", map[string]any{"code": "viewer", "name": "只读", "permissions": []string{"org.read", "grid.read"}})
	seed("PUT /api/v1/roles/{id}", map[string]any{"name": "只读二", "permissions": []string{"org.read"}})
	seed("PUT /api/v1/settings/security", map[string]any{"password_rotation_days": 90, "totp_required_roles": []string{"sys_admin", "sec_admin", "audit_admin"},
		"idle_timeout_minutes": 30, "absolute_timeout_hours": 12, "lockout_threshold": 5, "lockout_window_minutes": 15})
	seed("POST /api/v1/auth/login", map[string]string{"username": "partymember", "password": "wrong"},
		map[string]string{"username": "partymember", "password": a.Account("party_member").Password})
	seed("POST /api/v1/me/password", map[string]string{"old_password": "wrong", "new_password": "Str0ng-and-l0ng!"})
	seed("POST /api/v1/me/totp/confirm", map[string]string{"secret": "JBSWY3DPEHPK3PXP", "code": "123456"})

	fx.ids["nodes"] = create(sys, "POST", "/api/v1/org/nodes", map[string]any{"parent_id": county, "code": "441602999", "name": "测试镇"})
	seed("PATCH /api/v1/org/nodes/{id}", map[string]any{"name": "测试二镇", "version": 1})
	seed("POST /api/v1/org/nodes/{id}/move", map[string]any{"parent_id": county, "code": "441602998", "version": 1})
	seed("POST /api/v1/org/nodes/{id}/retire", map[string]any{"version": 9})
	fx.ids["grids"] = otherGrid
	var worker, place string
	q(&worker, "SELECT worker_id FROM grid_members WHERE grid_id = ? AND role = 'assistant' ORDER BY id LIMIT 1", otherGrid)
	q(&place, "SELECT id FROM grid_members WHERE grid_id = ? AND role = 'assistant' ORDER BY id LIMIT 1", otherGrid)
	fx.ids["workers"], fx.ids["team-places"] = worker, place
	seed("POST /api/v1/grids/{id}/team", map[string]any{"role": "volunteer", "new_worker": map[string]string{"name": "志愿者", "employment": "other", "phone": "13900003333"}},
		map[string]any{"role": "building_head", "worker_id": worker})
	seed("PATCH /api/v1/team-places/{id}", map[string]any{"role": "grid_chief", "version": 1}, map[string]any{"is_primary": true, "version": 1})
	seed("POST /api/v1/team-places/{id}/remove", map[string]any{"version": 1})
	create(intake, "POST", "/api/v1/workers", map[string]any{"org_id": village, "name": "新网格员", "employment": "part_time", "started_on": "2025-01-02", "phone": "13900004444"})
	seed("PATCH /api/v1/workers/{id}", map[string]any{"name": "改名", "employment": "full_time", "phone": "", "version": 1},
		map[string]any{"username": "partymember", "version": 1}, map[string]any{"username": "", "version": 2})
	seed("POST /api/v1/workers/{id}/move", map[string]any{"grid_id": grid, "successor_id": worker, "version": 1}, map[string]any{"leave": true, "left_on": "2026-01-01", "version": 1})
	seed("POST /api/v1/workers/{id}/reveal", map[string]string{"reason": "联系网格员"})
	seed("POST /api/v1/workers/lookup", map[string]string{"phone": "13900004444"}, map[string]string{"phone": "+86 139-0000-4444"})
	seed("POST /api/v1/grids", map[string]any{"org_id": village, "layer": "market", "name": "菜市场", "households": 0, "geometry": json.RawMessage(geometry)},
		// An empty MultiPolygon had no centre: 500 on SQLite, a NaN centre on PostgreSQL.
		map[string]any{"org_id": village, "layer": "market", "name": "空网格", "geometry": map[string]any{"type": "MultiPolygon", "coordinates": []any{}}})
	seed("PATCH /api/v1/grids/{id}", map[string]any{"name": "新名字", "households": 260, "version": 1})
	seed("POST /api/v1/grids/{id}/move", map[string]any{"org_id": village, "version": 1})
	seed("POST /api/v1/grids/{id}/retire", map[string]any{"version": 9})
	fx.query["POST /api/v1/grids/import"] = "?layer=zz&dry_run=true&org_id=" + village
	seed("POST /api/v1/grids/import", map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "properties": map[string]any{"name": "一网格"}, "geometry": json.RawMessage(geometry)}}})

	fx.ids["categories"] = "0105"
	seed("PUT /api/v1/categories/{code}", map[string]any{"name": "绿地脏乱", "active": true, "default_unit_code": "cg",
		"limits": map[string]any{"normal": map[string]string{"handle": "6wh"}}})
	seed("PUT /api/v1/settings/calendar", map[string]any{"work_hours": []map[string]string{{"start": "08:30", "end": "12:00"}, {"start": "14:00", "end": "24:00"}},
		"holidays": []string{"2026-10-01"}, "workdays": []string{"2026-10-10"}, "location": "Asia/Shanghai"})
	seed("POST /api/v1/dispatch-rules", map[string]any{"category_prefix": "0105", "org_id": county, "unit_id": unit})
	seed("POST /api/v1/calendar/years", map[string]any{"year": 2027, "text": "# 2027\n2027-01-01 holiday 元旦\n2027-01-10 workday 调休\n", "source": "2027.txt", "note": "通知"},
		map[string]any{"text": "2027-02-30 holiday\n2027-01-04 workday\n"})
	seed("POST /api/v1/alerts", map[string]any{"channel": "video", "source": "cam-0001", "category_code": "0101", "urgency": "urgent",
		"description": "占道经营", "lat": center.Lat, "lng": center.Lng})
	report := map[string]any{"channel": "grid", "category_code": "0403", "description": "小区门口垃圾堆放两天无人清理",
		"lat": center.Lat, "lng": center.Lng, "attributes": map[string]string{"stage": "building"}, "note": "x"}
	fx.ids["events"] = create(intake, "POST", "/api/v1/events", report)
	seed("POST /api/v1/events/{id}/actions", map[string]any{"action": "file", "version": 1, "note": "受理"},
		map[string]any{"action": "dispatch", "version": 2, "unit_ids": []string{unit}, "lead_unit_id": unit},
		map[string]any{"action": "rate", "version": 1, "rating": "satisfied"})

	// The registers, in the grid member's grid.
	// Exports of more than one row wait for approval, so that the approve
	// and reject routes have one to decide.
	settings := map[string]int{"export_approval_rows": 1, "retention_days": 1825, "error_sheet_days": 7}
	seed("PUT /api/v1/registry/settings", settings)
	if st := sec.Do("PUT", "/api/v1/registry/settings", settings, nil); st != 200 {
		tb.Fatalf("registry settings: %d", st)
	}
	fx.ids["addresses"] = create(gm, "POST", "/api/v1/addresses", map[string]any{"text": "建设大道56号3栋", "grid_code": gridCode, "lat": center.Lat, "lng": center.Lng})
	seed("PUT /api/v1/addresses/{id}", map[string]any{"text": "建设大道56号4栋", "grid_code": gridCode, "version": 1})
	fx.ids["houses"] = create(gm, "POST", "/api/v1/houses", map[string]any{"address": "建设大道9号", "room": "0801", "purpose": "rental",
		"owner_name": "周建华", "owner_phone": "13902761111", "area_m2": 86.5, "grid_code": gridCode})
	seed("PUT /api/v1/houses/{id}", map[string]any{"address": "建设大道9号", "purpose": "self_use", "grid_id": grid, "version": 1, "clear": []string{"room"}})
	fx.ids["households"] = create(gm, "POST", "/api/v1/households", map[string]any{"no": "H0001", "address": "建设大道56号3栋", "situation": "三口之家",
		"house_id": fx.ids["houses"], "grid_code": gridCode})
	seed("PUT /api/v1/households/{id}", map[string]any{"no": "H0002", "grid_code": gridCode, "version": 1},
		// PostgreSQL text cannot hold a NUL: these were 500s there.
		map[string]any{"no": "H\x00", "grid_code": gridCode, "version": 2}, map[string]any{"no": "H0003", "grid_code": "\x00", "version": 2})
	fx.ids["register-units"] = create(gm, "POST", "/api/v1/register-units", map[string]any{"name": "建华便利店", "kind": "shop", "phone": "13902765555",
		"employees": 3, "grid_code": gridCode})
	seed("PUT /api/v1/register-units/{id}", map[string]any{"name": "建华超市", "kind": "shop", "grid_code": gridCode, "version": 1, "clear": []string{"phone"}})
	var people []string
	for i, name := range []string{"周建华", "李建国"} {
		id := pii.MakeID("441602", time.Date(1972, 4, 5+i, 0, 0, 0, 0, time.UTC), 71+i, i == 0)
		people = append(people, create(gm, "POST", "/api/v1/people", map[string]any{"name": name, "id_number": id, "kind": "registered",
			"phone": "13902761111", "address_detail": "建设大道9号2栋0801房", "household_id": fx.ids["households"], "relation": "head",
			"house_id": fx.ids["houses"], "residence": "owner", "grid_code": gridCode}))
		seed("POST /api/v1/people/lookup", map[string]string{"id_number": id}, map[string]string{"phone": "13902761111"})
	}
	fx.ids["people"] = people[0]
	// A person of another village registered again in the grid member's:
	// a duplicate review.
	dupID := pii.MakeID("441602", time.Date(1961, 8, 9, 0, 0, 0, 0, time.UTC), 75, true)
	create(as("civil_affairs"), "POST", "/api/v1/people", map[string]any{"name": "王建设", "id_number": dupID, "kind": "registered", "grid_id": otherGrid})
	create(gm, "POST", "/api/v1/people", map[string]any{"name": "王建设", "id_number": dupID, "kind": "registered", "grid_code": gridCode})
	var review string
	q(&review, "SELECT id FROM duplicate_reviews WHERE status = 'pending'")
	fx.ids["duplicate-reviews"] = review
	seed("POST /api/v1/duplicate-reviews/{id}/resolve", map[string]string{"decision": "transfer"}, map[string]string{"decision": "reject", "reason": "不是同一人"})
	seed("PUT /api/v1/people/{id}", map[string]any{"name": "周建华", "kind": "registered", "grid_code": gridCode, "version": 1, "clear": []string{"phone"}})
	seed("POST /api/v1/people/{id}/status", map[string]any{"status": "moved_out", "version": 9})
	seed("POST /api/v1/people/{id}/reveal", map[string]any{"fields": []string{"id_number", "phone", "address_detail"}, "reason": "核对修改结果"})
	fx.ids["key-persons"] = create(gm, "POST", "/api/v1/key-persons", map[string]string{"person_id": people[1], "category": "mental_disorder", "risk_level": "green"})
	seed("PATCH /api/v1/key-persons/{id}", map[string]any{"risk_level": "yellow", "version": 1})
	seed("POST /api/v1/key-persons/{id}/visits", map[string]any{"method": "home", "finding": "normal", "note": "已上门", "at": time.Now().UnixMilli()})
	fx.ids["care-targets"] = create(gm, "POST", "/api/v1/care-targets", map[string]string{"person_id": people[1], "kind": "elderly_alone", "note": "独居"})
	// A 9-key number for the care target, and an alert its call raised.
	fx.ids["numbers"] = create(intake, "POST", "/api/v1/callkey/numbers", map[string]string{"care_target_id": fx.ids["care-targets"], "phone": "13902769999",
		"needs": "独居，需要送药"})
	seed("PUT /api/v1/callkey/numbers/{id}", map[string]any{"needs": "独居", "status": "active", "version": 1})
	if r := a.Anon().RawWith("POST", "/api/v1/callkey/calls", "application/json", []byte(`{"phone":"13902769999"}`),
		map[string]string{"X-API-Key": a.Demo.CallKeyKey}); r.Status != 201 {
		tb.Fatalf("9-key call: %d %s", r.Status, r.Body)
	} else {
		var out struct{ ID string }
		json.Unmarshal(r.Body, &out)
		fx.ids["alerts"] = out.ID
	}
	seed("POST /api/v1/callkey/alerts/{id}/close", map[string]string{"note": "已上门"})
	// A psychological-protection record of the same person.
	fx.ids["records"] = create(as("health"), "POST", "/api/v1/psych/records", map[string]any{"person_id": people[1], "group": "elderly_alone", "level": "2",
		"assessor": "心理咨询师 刘医生", "reason": "独居，情绪低落", "on": time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")})
	seed("POST /api/v1/psych/records/{id}/counselling", map[string]any{"who": "刘医生", "on": "2026-01-05", "note": "谈心一小时"})
	seed("POST /api/v1/care-targets/{id}/status", map[string]any{"status": "ended", "reason": "moved_away", "version": 9})
	seed("POST /api/v1/care-targets/{id}/services", map[string]string{"method": "home"})
	seed("POST /api/v1/registry/search", map[string]any{"q": "建国", "limit": 5})
	fx.ids["exports"] = create(gm, "POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv", "status": "active"})
	seed("POST /api/v1/exports/{id}/approve", map[string]string{})
	seed("POST /api/v1/exports/{id}/reject", map[string]string{"reason": "范围过大"})
	fx.ids["campaigns"] = create(leader, "POST", "/api/v1/campaigns", map[string]any{"name": "出租屋集中核查", "kind": "rental_houses",
		"org_id": town, "grid_ids": []string{grid}, "due_date": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)})
	var items struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if st := gm.Do("GET", "/api/v1/campaigns/"+fx.ids["campaigns"]+"/items", nil, &items); st != 200 || len(items.Items) == 0 {
		tb.Fatalf("campaign items: %d %+v", st, items)
	}
	fx.ids["items"] = items.Items[0].ID
	seed("POST /api/v1/campaigns/{id}/items", map[string]string{"result": "new", "record_id": fx.ids["houses"], "note": "新发现"})

	// A petition of the county (registered by the leader, who holds
	// petition.write), and a 面对面 session with one problem.
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	fx.ids["petitions"] = create(leader, "POST", "/api/v1/petitions", map[string]any{"received_on": today, "channel": "visit", "org_id": county,
		"type": "land_acquisition", "title": "征地补偿", "content": "反映征地补偿款未发放", "people_count": 6,
		"petitioners": []map[string]string{{"name": "张三", "phone": "13800138000"}}})
	seed("POST /api/v1/petitions/{id}/accept", map[string]any{"accepted": true, "on": today})
	seed("POST /api/v1/petitions/{id}/route", map[string]any{"route": "people_mediation", "reason": "宜调解"})
	seed("POST /api/v1/petitions/{id}/close", map[string]any{"satisfaction": "satisfied", "on": today})
	seed("POST /api/v1/petitions/review", map[string]any{"week": today, "held_on": today, "org_id": county, "chair": "黄书记", "attendees": "信访局",
		"decisions": []map[string]string{{"petition_id": fx.ids["petitions"], "kind": "lead_leader", "value": "李副区长"}}})
	var session struct {
		ID       string `json:"id"`
		Problems []struct {
			ID string `json:"id"`
		} `json:"problems"`
	}
	sessionIn := map[string]any{"month": today[:7], "theme": "物业管理", "leader": "黄书记", "place": "区信访局", "org_id": county, "participants": "业主代表",
		"problems": []map[string]string{{"description": "电梯故障", "unit": "住建局", "due_on": today}}}
	seed("POST /api/v1/face-to-face", sessionIn)
	if st := leader.Do("POST", "/api/v1/face-to-face", sessionIn, &session); st != 201 {
		tb.Fatalf("面对面: %d", st)
	}
	fx.ids["face-to-face"], fx.ids["problems"] = session.ID, session.Problems[0].ID
	seed("POST /api/v1/campaigns/{id}/items/{item}", map[string]string{"result": "checked", "note": "已上门"})

	// Screening: a round over the grid member's town, a finding of their village.
	day := func(n int) string {
		return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, n).Format(time.DateOnly)
	}
	fx.ids["rounds"] = create(intake, "POST", "/api/v1/screening/rounds", map[string]any{"title": "第50周矛盾纠纷排查", "kind": "weekly",
		"org_id": town, "period_from": day(0), "period_to": day(6), "due_date": day(6), "types": []string{"neighbour", "labour_wages"}})
	fx.ids["findings"] = create(gm, "POST", "/api/v1/screening/findings", map[string]any{"round_id": fx.ids["rounds"], "type": "neighbour",
		"description": "两户因排水沟堵塞争吵", "parties": []string{"张三", "李四"}, "risk": "medium", "leader": "王副主任", "person": "网格员 张敏",
		"measures": "组织双方现场协商", "deadline": day(7)})
	seed("POST /api/v1/screening/rounds/{id}/zero-reports", map[string]string{"org_id": village, "note": "本周未发现"}, map[string]string{})
	seed("POST /api/v1/screening/findings/{id}/resolve", map[string]string{"result_note": "已调解"})

	// A member task of the grid member's grid, pushed by the county centre
	// to the grid member, and a town–police-station meeting.
	var member string
	q(&member, "SELECT id FROM workers WHERE user_id = (SELECT id FROM users WHERE username = 'gridmember')")
	task := map[string]any{"grid_id": grid, "worker_ids": []string{member}, "title": "走访独居老人", "detail": "李奶奶家", "due_on": today}
	seed("POST /api/v1/duty/tasks", task)
	var pushed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if st := intake.Do("POST", "/api/v1/duty/tasks", task, &pushed); st != 201 || len(pushed.Items) == 0 {
		tb.Fatalf("duty task: %d", st)
	}
	fx.ids["tasks"] = pushed.Items[0].ID
	seed("PUT /api/v1/duty/tasks/{id}", map[string]any{"version": 1, "title": "走访独居老人", "due_on": today})
	seed("POST /api/v1/duty/tasks/{id}/close", map[string]any{"version": 1, "result": "已走访"})
	seed("POST /api/v1/duty/tasks/{id}/carry", map[string]any{"version": 1, "reason": "老人外出就医"})
	seed("POST /api/v1/duty/meetings", map[string]any{"org_id": town, "held_on": today, "place": "派出所会议室", "attendee_ids": []string{member},
		"officials": []string{"派出所所长"}, "minutes": "研究辖区治安", "decisions": []map[string]any{{"text": "联合走访出租屋", "worker_ids": []string{member}, "grid_id": grid, "due_on": day(2)}}})

	// A household visit and a reception day of the grid member's village.
	visitIn := map[string]any{"org_id": village, "label": "幸福路3号", "method": "home", "finding": "attention", "note": "老人独居，需每周探望",
		"follow_ups": []map[string]string{{"kind": "note", "text": "联系子女"}}}
	seed("POST /api/v1/visits", visitIn)
	fx.ids["visits"] = create(gm, "POST", "/api/v1/visits", visitIn)
	seed("POST /api/v1/visits/{id}", map[string]any{"method": "phone", "finding": "normal", "note": "已电话回访", "version": 1})
	receptionIn := map[string]any{"org_id": village, "day": day(0), "receivers": "网格员 张敏", "attendees": 2,
		"items": []map[string]string{{"name": "李四", "phone": "13800138000", "matter": "咨询低保申请", "outcome": "answer", "answer": "已告知所需材料"}}}
	seed("POST /api/v1/receptions", receptionIn)
	fx.ids["receptions"] = create(gm, "POST", "/api/v1/receptions", receptionIn)
	var rday struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if st := gm.Do("GET", "/api/v1/receptions/"+fx.ids["receptions"], nil, &rday); st != 200 || len(rday.Items) == 0 {
		tb.Fatalf("reception day: %d %+v", st, rday)
	}
	fx.ids["reception-items"] = rday.Items[0].ID
	seed("POST /api/v1/reception-items/{id}/reveal", map[string]string{"reason": "回访来访群众"})
	seed("POST /api/v1/receptions/{id}/items", map[string]any{"items": []map[string]string{{"name": "王五", "matter": "路灯不亮", "outcome": "answer", "answer": "已转村委"}}})
	seed("POST /api/v1/visit-triggers", map[string]any{"org_id": county, "kind": "tenant", "enabled": true, "due_days": 7, "every_days": 90, "version": 0})
	// Patrols: a plan of the village for tomorrow, the grid member's patrol.
	fx.ids["plans"] = create(intake, "PUT", "/api/v1/patrol/plans", map[string]any{"org_id": village, "day": day(1),
		"windows": []map[string]string{{"from": "08:30", "to": "10:00"}, {"from": "19:00", "to": "20:30"}}})
	fx.ids["patrols"] = create(gm, "POST", "/api/v1/patrol/patrols", map[string]any{})
	seed("POST /api/v1/patrol/patrols/{id}/checkins", map[string]any{"lat": center.Lat, "lng": center.Lng, "accuracy": 12, "note": "巡查正常"})
	seed("POST /api/v1/patrol/patrols/{id}/reports", map[string]any{"kind": "event", "ref": "SJ202612070001"})
	seed("POST /api/v1/patrol/patrols/{id}/end", map[string]any{})
	seed("PUT /api/v1/patrol/settings", map[string]any{"position_days": 180})
	// Red orders: the resident's order on the grid member's grid; points.
	fx.ids["red-orders"] = create(as("resident"), "POST", "/api/v1/red-orders", map[string]any{"kind": "buy_medicine", "need": "帮忙买降压药", "grid_id": grid})
	seed("POST /api/v1/red-orders/{id}/confirm", map[string]any{"rating": 5, "comment": "满意", "version": 1})
	seed("POST /api/v1/red-orders/{id}/result", map[string]any{"result": "已送到", "version": 1})
	seed("POST /api/v1/points/corrections", map[string]any{"subject_kind": "party_member", "subject_id": "x", "points": 1, "reason": "更正"})
	// The red grid, the volunteers and the village's own rules: the first
	// record of each in the village (an id of none where the demo has none:
	// the routes must still answer a body they refuse without a 500).
	first := func(query string) string {
		var id string
		if err := a.DB.Reader().QueryRowContext(ctx, query, village).Scan(&id); err != nil {
			return "00000000-0000-7000-8000-000000000000"
		}
		return id
	}
	fx.ids["villages"] = village
	fx.ids["orgs"] = first("SELECT id FROM party_orgs WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["members"] = first("SELECT id FROM party_members WHERE path = (SELECT path FROM org_nodes WHERE id = ?) ORDER BY id LIMIT 1")
	fx.ids["compounds"] = first("SELECT id FROM compounds WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["buildings"] = first("SELECT b.id FROM buildings b JOIN compounds c ON c.id = b.compound_id WHERE c.org_id = ? ORDER BY b.id LIMIT 1")
	fx.ids["compound-problems"] = first("SELECT p.id FROM compound_problems p JOIN compounds c ON c.id = p.compound_id WHERE c.org_id = ? ORDER BY p.id LIMIT 1")
	fx.ids["reports"] = first("SELECT id FROM party_reports WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["teams"] = first("SELECT id FROM volunteer_teams WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["volunteers"] = first("SELECT id FROM volunteers WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["shifts"] = first("SELECT id FROM volunteer_shifts WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["police-clues"] = first("SELECT id FROM volunteer_clues WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["village-councils"] = first("SELECT id FROM village_councils WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["village-scores"] = first("SELECT id FROM village_scores WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["village-proposals"] = first("SELECT id FROM village_proposals WHERE org_id = ? ORDER BY id LIMIT 1")
	fx.ids["proposals"] = fx.ids["village-proposals"]
	fx.ids["village-follow-ups"] = first("SELECT f.id FROM village_follow_ups f JOIN village_proposals p ON p.id = f.proposal_id WHERE p.org_id = ? ORDER BY f.id LIMIT 1")
	fx.ids["months"] = time.Now().AddDate(0, -1, 0).Format("2006-01")
	// The safety index: the county's catalogue and months, a town's values.
	fx.ids["roots"] = county
	fx.ids["areas"] = first("SELECT parent_id FROM org_nodes WHERE id = ?")
	fx.ids["indicators"] = "event_on_time"
	fx.ids["reviews"] = fmt.Sprintf("%d-Q%d", time.Now().Year(), (int(time.Now().Month())+2)/3)
	fx.ids["years"] = strconv.Itoa(time.Now().Year())
	fx.ids["cells"] = first("SELECT c.id FROM safety_cells c JOIN org_nodes v ON v.id = ? WHERE v.path LIKE c.path || '%' OR c.path LIKE v.path || '%' ORDER BY c.id LIMIT 1")
	// Special campaigns: the county's first, an assignment and a clue in the village.
	fx.ids["drives"] = first("SELECT d.id FROM drives d JOIN org_nodes v ON v.id = ? WHERE v.path LIKE d.path || '%' ORDER BY d.status DESC, d.id LIMIT 1")
	fx.ids["drive-assignments"] = first("SELECT s.id FROM drive_assignments s JOIN org_nodes v ON v.id = ? WHERE s.path LIKE v.path || '%' ORDER BY s.id LIMIT 1")
	fx.ids["drive-clues"] = first("SELECT id FROM drive_clues WHERE area_id = ? ORDER BY id LIMIT 1")
	// Anti-fraud warnings: one on a grid of the village.
	fx.ids["warnings"] = first("SELECT w.id FROM antifraud_warnings w JOIN org_nodes v ON v.id = ? WHERE w.path LIKE v.path || '%' ORDER BY w.id LIMIT 1")
	// The 三情: the county, yesterday, a situation of the village, the
	// county's open meeting and a feeding system.
	fx.ids["situation-areas"] = county
	fx.ids["judgements"] = day(-1)
	fx.ids["situations"] = first("SELECT s.id FROM situations s JOIN org_nodes v ON v.id = ? WHERE s.path LIKE v.path || '%' ORDER BY s.id LIMIT 1")
	fx.ids["situation-meetings"] = first("SELECT m.id FROM situation_meetings m JOIN org_nodes r ON r.id = m.root_id JOIN org_nodes v ON v.id = ? WHERE v.path LIKE r.path || '%' AND m.status = 'open' LIMIT 1")
	fx.ids["situation-briefings"] = first("SELECT b.id FROM situation_briefings b JOIN org_nodes r ON r.id = b.root_id JOIN org_nodes v ON v.id = ? WHERE v.path LIKE r.path || '%' AND b.status = 'issued' ORDER BY b.id LIMIT 1")
	fx.ids["situation-sources"] = first("SELECT s.id FROM situation_sources s JOIN org_nodes r ON r.id = s.root_id JOIN org_nodes v ON v.id = ? WHERE v.path LIKE r.path || '%' ORDER BY s.id LIMIT 1")
	fx.ids["unit-reports"] = first("SELECT u.id FROM units u JOIN org_nodes v ON v.id = ? WHERE u.code LIKE '%-ga' AND v.path LIKE u.path || '%'")
	return fx
}
