package party_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/testapp"
)

type problemBody struct {
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
	Params map[string]json.RawMessage `json:"params"`
}

func fail(t *testing.T, c *testapp.Client, method, path string, in any, status int, field, code string) problemBody {
	t.Helper()
	body, _ := json.Marshal(in)
	r := c.RawWith(method, path, "application/json", body, nil)
	var p problemBody
	json.Unmarshal(r.Body, &p)
	if r.Status != status {
		t.Fatalf("%s %s: want %d, got %d %s", method, path, status, r.Status, r.Body)
	}
	if code != "" {
		got := p.Code
		for _, e := range p.Errors {
			if field == "" || e.Field == field {
				got = e.Code
			}
		}
		if got != code {
			t.Fatalf("%s %s: want %s on %q, got %s", method, path, code, field, r.Body)
		}
	}
	return p
}

func one(t *testing.T, a *testapp.App, q string, args ...any) string {
	t.Helper()
	var s string
	if err := a.DB.Reader().QueryRowContext(context.Background(), q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func count(t *testing.T, a *testapp.App, q string, args ...any) int {
	t.Helper()
	var n int
	if err := a.DB.Reader().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestPartyTree(t *testing.T) {
	a := testapp.New(t)
	sec, pm, gm := a.LoginAs("partysec"), a.LoginAs("partymember"), a.LoginAs("gridmember")
	village := one(t, a, "SELECT o.id FROM org_nodes o JOIN role_assignments ra ON ra.org_id = o.id JOIN users u ON u.id = ra.user_id WHERE u.username = 'partysec'")
	other := one(t, a, "SELECT id FROM org_nodes WHERE kind = 'village' AND parent_id = (SELECT parent_id FROM org_nodes WHERE id = ?) AND id <> ? ORDER BY code LIMIT 1", village, village)
	top := one(t, a, "SELECT id FROM party_orgs WHERE org_id = ? AND form = 'area'", village)
	otherTop := one(t, a, "SELECT id FROM party_orgs WHERE org_id = ? AND form = 'area'", other)
	grid := one(t, a, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", village)

	t.Run("scope", func(t *testing.T) {
		var tree party.Items[party.TreeOrg]
		if st := sec.Do("GET", "/api/v1/party/orgs", nil, &tree); st != 200 || len(tree.Items) < 3 {
			t.Fatalf("tree: %d %d", st, len(tree.Items))
		}
		if tree.Items[0].ID != top {
			t.Errorf("the community's own organisation comes first: %+v", tree.Items[0])
		}
		for _, o := range tree.Items {
			if o.OrgID != village {
				t.Fatalf("an organisation of another area: %+v", o)
			}
		}
		if st := sec.Do("GET", "/api/v1/party/orgs/"+otherTop, nil, nil); st != 404 {
			t.Errorf("another village's organisation: %d", st)
		}
		fail(t, sec, "POST", "/api/v1/party/orgs", map[string]any{"org_id": other, "name": "越界党支部", "kind": "branch", "form": "area"}, 400, "org_id", "org.not_found")
		if st := gm.Do("GET", "/api/v1/party/orgs", nil, nil); st != 403 {
			t.Errorf("a grid member reads no party membership: %d", st)
		}
		var page party.OrgPage
		if st := sec.Do("GET", "/api/v1/party/orgs/"+tree.Items[1].ID, nil, &page); st != 200 || len(page.MemberList) == 0 {
			t.Fatalf("org page: %d %+v", st, page)
		}
		for _, m := range page.MemberList {
			if len(m.PhoneMasked) != 11 || m.PhoneMasked[3:7] != "****" {
				t.Fatalf("phone not masked: %q", m.PhoneMasked)
			}
		}
		if n := count(t, a, "SELECT COUNT(*) FROM audit_log WHERE action = 'party.members_read' AND object_id = ?", tree.Items[1].ID); n != 1 {
			t.Errorf("member list read audited %d times", n)
		}
	})

	t.Run("bad input names the field", func(t *testing.T) {
		p := fail(t, sec, "POST", "/api/v1/party/orgs", map[string]any{"org_id": village, "parent_id": top, "name": "", "kind": "nope", "form": "grid"}, 400, "", "")
		fields := map[string]string{}
		for _, e := range p.Errors {
			fields[e.Field] = e.Code
		}
		if fields["name"] != "party.required" || fields["kind"] == "" || fields["grid_id"] != "party.required" {
			t.Fatalf("fields: %+v", fields)
		}
		fail(t, sec, "POST", "/api/v1/party/members", map[string]any{"party_org_id": top, "name": "张三", "phone": "12"}, 400, "phone", "")
	})

	t.Run("versions, moves and retirement", func(t *testing.T) {
		var o party.OrgPage
		if st := sec.Do("POST", "/api/v1/party/orgs", map[string]any{"org_id": village, "parent_id": top, "name": "测试网格党小组", "kind": "group", "form": "grid",
			"grid_id": grid, "secretary": "王一"}, &o); st != 201 || o.Version != 1 {
			t.Fatalf("create: %d %+v", st, o)
		}
		var m party.Member
		if st := sec.Do("POST", "/api/v1/party/members", map[string]any{"party_org_id": o.ID, "name": "李四", "phone": "13800001111", "grid_id": grid,
			"center_household": true}, &m); st != 201 || m.PhoneMasked != "138****1111" {
			t.Fatalf("member: %d %+v", st, m)
		}
		if st := sec.Do("PUT", "/api/v1/party/orgs/"+o.ID, map[string]any{"version": 1, "org_id": village, "parent_id": top, "name": "测试网格第一党小组",
			"kind": "group", "form": "grid", "grid_id": grid}, &o); st != 200 || o.Version != 2 {
			t.Fatalf("edit: %d %+v", st, o)
		}
		p := fail(t, sec, "PUT", "/api/v1/party/orgs/"+o.ID, map[string]any{"version": 1, "org_id": village, "name": "旧版", "kind": "group", "form": "area"},
			409, "", "party.stale")
		var cur party.OrgPage
		json.Unmarshal(p.Params["current"], &cur)
		if cur.Name != "测试网格第一党小组" || cur.Version != 2 {
			t.Errorf("the conflict carries the current record: %s", p.Params["current"])
		}
		fail(t, sec, "PUT", "/api/v1/party/orgs/"+o.ID, map[string]any{"version": 2, "org_id": village, "parent_id": o.ID, "name": "环", "kind": "group", "form": "area"},
			400, "parent_id", "party.parent_cycle")
		fail(t, sec, "POST", "/api/v1/party/orgs/"+o.ID+"/retire", map[string]any{"version": 2}, 409, "", "party.org_not_empty")
		// Move the member first, then retire.
		if st := sec.Do("PUT", "/api/v1/party/members/"+m.ID, map[string]any{"version": 1, "party_org_id": top, "name": "李四", "grid_id": grid}, &m); st != 200 || m.PartyOrgID != top {
			t.Fatalf("move: %d %+v", st, m)
		}
		if m.PhoneMasked != "138****1111" {
			t.Errorf("an edit without a phone keeps it: %q", m.PhoneMasked)
		}
		fail(t, sec, "PUT", "/api/v1/party/members/"+m.ID, map[string]any{"version": 2, "party_org_id": otherTop, "name": "李四"}, 400, "party_org_id", "party.not_found")
		if st := sec.Do("POST", "/api/v1/party/orgs/"+o.ID+"/retire", map[string]any{"version": 2}, &o); st != 200 || o.Status != "retired" {
			t.Fatalf("retire: %d %+v", st, o)
		}
		// Reveal: a reason, audited.
		fail(t, sec, "POST", "/api/v1/party/members/"+m.ID+"/reveal", map[string]any{"reason": ""}, 400, "reason", "party.reason_required")
		var rv party.Revealed
		if st := sec.Do("POST", "/api/v1/party/members/"+m.ID+"/reveal", map[string]any{"reason": "联系红色代办"}, &rv); st != 200 || rv.Phone != "13800001111" {
			t.Fatalf("reveal: %d %+v", st, rv)
		}
		if n := count(t, a, "SELECT COUNT(*) FROM audit_log WHERE action = 'party.reveal' AND object_id = ?", m.ID); n != 1 {
			t.Errorf("reveal audited %d times", n)
		}
		if st := sec.Do("POST", "/api/v1/party/members/"+m.ID+"/retire", map[string]any{"version": 2}, &m); st != 200 || m.Status != "left" {
			t.Fatalf("member retire: %d %+v", st, m)
		}
	})

	t.Run("compounds and their problem ledger", func(t *testing.T) {
		var lat, lng float64
		if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT center_lat, center_lng FROM grids WHERE id = ?", grid).Scan(&lat, &lng); err != nil {
			t.Fatal(err)
		}
		var c party.CompoundRow
		if st := sec.Do("POST", "/api/v1/compounds", map[string]any{"org_id": village, "grid_id": grid, "name": "测试花园", "address": "建设路1号",
			"lat": lat, "lng": lng, "property_company": "测试物业", "owners_committee": "测试花园业委会", "households": 120}, &c); st != 201 {
			t.Fatalf("compound: %d", st)
		}
		fail(t, sec, "POST", "/api/v1/compounds", map[string]any{"org_id": village, "name": "测试花园"}, 400, "name", "party.name_taken")
		fail(t, sec, "POST", "/api/v1/compounds", map[string]any{"org_id": village, "name": "半坐标", "lat": lat}, 400, "lat", "party.position_pair")
		if st := sec.Do("POST", "/api/v1/compounds/"+c.ID+"/buildings", map[string]any{"name": "1栋", "floors": 18, "head_name": "赵楼长"}, &c); st != 201 || len(c.Buildings) != 1 {
			t.Fatalf("building: %d %+v", st, c)
		}
		if st := sec.Do("PUT", "/api/v1/buildings/"+c.Buildings[0].ID, map[string]any{"version": 1, "name": "1栋", "floors": 20, "head_name": "钱邻里长"}, &c); st != 200 || c.Buildings[0].HeadName != "钱邻里长" {
			t.Fatalf("building edit: %d %+v", st, c)
		}
		fail(t, sec, "PUT", "/api/v1/compounds/"+c.ID, map[string]any{"version": 9, "name": "测试花园"}, 409, "", "party.stale")

		var p party.Problem
		fail(t, sec, "POST", "/api/v1/compound-problems", map[string]any{"compound_id": c.ID, "raised_by": "someone", "title": ""}, 400, "title", "party.required")
		if st := sec.Do("POST", "/api/v1/compound-problems", map[string]any{"compound_id": c.ID, "raised_by": "owners_committee", "title": "电梯频繁故障"}, &p); st != 201 || p.Status != "open" {
			t.Fatalf("raise: %d %+v", st, p)
		}
		fail(t, sec, "PUT", "/api/v1/compound-problems/"+p.ID, map[string]any{"version": 1, "status": "solved", "responsible": "property_company"}, 400, "step", "party.step_required")
		if st := sec.Do("PUT", "/api/v1/compound-problems/"+p.ID, map[string]any{"version": 1, "status": "working", "responsible": "property_company", "step": "三方协调会"}, &p); st != 200 || p.Status != "working" {
			t.Fatalf("work: %d %+v", st, p)
		}
		if st := sec.Do("POST", "/api/v1/compound-problems/"+p.ID+"/event", map[string]any{"version": 2, "category_code": "0101"}, &p); st != 200 || p.EventID == "" {
			t.Fatalf("to event: %d %+v", st, p)
		}
		fail(t, sec, "POST", "/api/v1/compound-problems/"+p.ID+"/event", map[string]any{"version": p.Version, "category_code": "0101"}, 409, "", "party.already_event")
		v := p.Version
		if st := sec.Do("PUT", "/api/v1/compound-problems/"+p.ID, map[string]any{"version": v, "status": "solved", "step": "更换主板"}, &p); st != 200 || p.Status != "solved" || p.SolvedOn == "" {
			t.Fatalf("solve: %d %+v", st, p)
		}
		var list party.ProblemList
		if st := sec.Do("GET", "/api/v1/compound-problems?compound_id="+c.ID, nil, &list); st != 200 || list.Total != 1 || list.Solved != 1 {
			t.Fatalf("ledger: %d %+v", st, list)
		}
		var cs party.Items[party.CompoundRow]
		sec.Do("GET", "/api/v1/compounds?org_id="+village, nil, &cs)
		found := false
		for _, x := range cs.Items {
			found = found || (x.ID == c.ID && x.Solved == 1 && x.Problems == 1)
			if x.OrgID != village {
				t.Fatalf("a compound of another area: %+v", x)
			}
		}
		if !found {
			t.Errorf("the compound's figures: %+v", cs.Items)
		}
	})

	t.Run("dual registration", func(t *testing.T) {
		var r party.Report
		fail(t, pm, "POST", "/api/v1/party/reports/mine", map[string]any{"org_id": grid}, 400, "org_id", "")
		if st := pm.Do("POST", "/api/v1/party/reports/mine", map[string]any{"org_id": village, "phone": "13900002222", "address": "建设路8号"}, &r); st != 201 || r.Status != "pending" || r.Name == "" {
			t.Fatalf("register: %d %+v", st, r)
		}
		fail(t, pm, "POST", "/api/v1/party/reports/mine", map[string]any{"org_id": village}, 400, "org_id", "party.already_reported")
		if st := a.LoginAs("intake").Do("POST", "/api/v1/party/reports/mine", map[string]any{"org_id": village}, nil); st != 403 {
			t.Errorf("a non-member registers: %d", st)
		}
		var unit party.Report
		if st := sec.Do("POST", "/api/v1/party/reports", map[string]any{"kind": "org", "org_id": village, "name": "区财政局机关党支部", "unit": "区财政局"}, &unit); st != 201 {
			t.Fatalf("unit: %d", st)
		}
		fail(t, sec, "POST", "/api/v1/party/reports", map[string]any{"kind": "org", "org_id": other, "name": "越界", "unit": "某单位"}, 400, "org_id", "org.not_found")
		fail(t, sec, "POST", "/api/v1/party/reports/"+unit.ID+"/decline", map[string]any{"version": 1}, 400, "reason", "party.reason_required")
		if st := sec.Do("POST", "/api/v1/party/reports/"+unit.ID+"/accept", map[string]any{"version": 1, "grid_id": grid}, &unit); st != 200 || unit.Status != "accepted" || unit.PartyOrgID == "" {
			t.Fatalf("accept unit: %d %+v", st, unit)
		}
		if k := one(t, a, "SELECT form FROM party_orgs WHERE id = ?", unit.PartyOrgID); k != "unit" {
			t.Errorf("the unit's organisation's form: %s", k)
		}
		fail(t, sec, "POST", "/api/v1/party/reports/"+unit.ID+"/accept", map[string]any{"version": 2}, 409, "", "party.not_pending")
		if st := sec.Do("POST", "/api/v1/party/reports/"+r.ID+"/accept", map[string]any{"version": 1, "grid_id": grid, "party_org_id": unit.PartyOrgID}, &r); st != 200 || r.MemberID == "" {
			t.Fatalf("accept member: %d %+v", st, r)
		}
		mem, err := party.MemberByID(context.Background(), a.DB.Reader(), r.MemberID, "")
		if err != nil || mem.PartyOrgID != unit.PartyOrgID || mem.GridID != grid || mem.PhoneMasked != "139****2222" {
			t.Fatalf("the registered member's row: %+v %v", mem, err)
		}
		var declined party.Report
		sec.Do("POST", "/api/v1/party/reports", map[string]any{"kind": "member", "org_id": village, "name": "周五", "own_org": "某公司党支部"}, &declined)
		if st := sec.Do("POST", "/api/v1/party/reports/"+declined.ID+"/decline", map[string]any{"version": 1, "reason": "不在本社区居住"}, &declined); st != 200 || declined.Status != "declined" {
			t.Fatalf("decline: %d %+v", st, declined)
		}
		fail(t, sec, "POST", "/api/v1/party/tasks", map[string]any{"report_id": declined.ID, "title": "x", "due_on": "2026-01-01"}, 400, "report_id", "party.not_accepted")

		var before party.Board
		sec.Do("GET", "/api/v1/party/board?org_id="+village, nil, &before)
		var task party.Task
		if st := sec.Do("POST", "/api/v1/party/tasks", map[string]any{"report_id": r.ID, "title": "参与小区环境整治", "due_on": "2026-12-31"}, &task); st != 201 {
			t.Fatalf("task: %d", st)
		}
		var mine party.Mine
		if st := pm.Do("GET", "/api/v1/party/mine", nil, &mine); st != 200 || len(mine.Tasks) == 0 || len(mine.Reports) != 1 {
			t.Fatalf("mine: %d %+v", st, mine)
		}
		fail(t, pm, "POST", "/api/v1/party/tasks/"+task.ID+"/done", map[string]any{"version": 1, "note": "", "hours": 2}, 400, "note", "party.required")
		done := map[string]any{"version": 1, "note": "清理楼道杂物", "hours": 2.5}
		if st := pm.Do("POST", "/api/v1/party/tasks/"+task.ID+"/done", done, &task); st != 200 || task.Status != "done" {
			t.Fatalf("done: %d %+v", st, task)
		}
		if st := pm.Do("POST", "/api/v1/party/tasks/"+task.ID+"/done", done, &task); st != 200 {
			t.Errorf("the phone's queued close sent again: %d", st)
		}
		if st := gm.Do("POST", "/api/v1/party/tasks/"+task.ID+"/done", done, nil); st != 404 && st != 403 {
			t.Errorf("someone else closes the task: %d", st)
		}
		var after party.Board
		sec.Do("GET", "/api/v1/party/board?org_id="+village, nil, &after)
		d := func(x, y float64) string { return fmt.Sprint(y - x) }
		if after.Total.Orgs != before.Total.Orgs || after.Total.Tasks != before.Total.Tasks+1 || after.Total.Done != before.Total.Done+1 ||
			d(before.Total.Hours, after.Total.Hours) != "2.5" {
			t.Fatalf("board: before %+v after %+v", before.Total, after.Total)
		}
		if before.Total.Orgs < 1 || before.Total.Members < 2 || before.Total.Declined < 1 {
			t.Errorf("board counts: %+v", before.Total)
		}
	})
}

// TestHousesInCompounds puts a house of the registers into a compound and
// one of its buildings from the house form's choices: a building of
// another compound, a compound of another community and a building
// without its compound are refused by field; the houses list filters by
// compound, and a house moved out of its compound keeps the change in
// its history.
func TestHousesInCompounds(t *testing.T) {
	a := testapp.New(t)
	gm := a.LoginAs("gridmember")
	grid := one(t, a, `SELECT m.grid_id FROM grid_members m JOIN workers w ON w.id = m.worker_id JOIN users u ON u.id = w.user_id
		WHERE u.username = 'gridmember' ORDER BY m.is_primary DESC LIMIT 1`)
	village := one(t, a, "SELECT org_id FROM grids WHERE id = ?", grid)
	compound := one(t, a, `SELECT c.id FROM compounds c WHERE c.org_id = ? AND c.status = 'active'
		AND (SELECT COUNT(*) FROM buildings b WHERE b.compound_id = c.id) > 0 ORDER BY c.name LIMIT 1`, village)
	building := one(t, a, "SELECT id FROM buildings WHERE compound_id = ? ORDER BY name LIMIT 1", compound)
	otherBuilding := one(t, a, "SELECT id FROM buildings WHERE compound_id <> ? ORDER BY id LIMIT 1", compound)
	otherCompound := one(t, a, "SELECT id FROM compounds WHERE org_id <> ? ORDER BY id LIMIT 1", village)

	var choices struct {
		Items []party.Choice `json:"items"`
	}
	if st := gm.Do("GET", "/api/v1/compounds/choices?org_id="+village, nil, &choices); st != 200 {
		t.Fatalf("choices: %d", st)
	}
	found := false
	for _, c := range choices.Items {
		for _, b := range c.Buildings {
			found = found || (c.ID == compound && b.ID == building)
		}
	}
	if !found {
		t.Fatalf("the compound and its building are not among the choices: %+v", choices.Items)
	}
	house := func(compoundID, buildingID string) map[string]any {
		return map[string]any{"address": "测试路18号", "purpose": "self_use", "grid_id": grid, "compound_id": compoundID, "building_id": buildingID}
	}
	fail(t, gm, "POST", "/api/v1/houses", house(compound, otherBuilding), 400, "building_id", "registry.building_unknown")
	fail(t, gm, "POST", "/api/v1/houses", house(otherCompound, ""), 400, "compound_id", "registry.compound_unknown")
	fail(t, gm, "POST", "/api/v1/houses", house("", building), 400, "compound_id", "registry.required")
	var h struct {
		ID           string `json:"id"`
		CompoundID   string `json:"compound_id"`
		CompoundName string `json:"compound_name"`
		BuildingName string `json:"building_name"`
		Version      int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/houses", house(compound, building), &h); st != 201 || h.CompoundID != compound || h.CompoundName == "" || h.BuildingName == "" {
		t.Fatalf("a house in the compound: %d %+v", st, h)
	}
	var list struct {
		Items []struct {
			ID         string `json:"id"`
			CompoundID string `json:"compound_id"`
		} `json:"items"`
	}
	if st := gm.Do("GET", "/api/v1/houses?limit=200&compound_id="+compound, nil, &list); st != 200 || len(list.Items) == 0 {
		t.Fatalf("the compound's houses: %d %d", st, len(list.Items))
	}
	mine := false
	for _, x := range list.Items {
		if x.CompoundID != compound {
			t.Fatalf("a house of another compound in the list: %+v", x)
		}
		mine = mine || x.ID == h.ID
	}
	if !mine {
		t.Fatal("the new house is not in its compound's list")
	}
	moved := house("", "")
	moved["version"] = h.Version
	var out map[string]any
	if st := gm.Do("PUT", "/api/v1/houses/"+h.ID, moved, &out); st != 200 || out["compound_id"] != nil || out["compound_name"] != nil {
		t.Fatalf("moved out of the compound: %d %+v", st, out)
	}
	if n := count(t, a, "SELECT COUNT(*) FROM houses WHERE id = ? AND compound_id IS NULL AND building_id IS NULL", h.ID); n != 1 {
		t.Fatalf("the house still names a compound: %d", n)
	}
}

// TestCenterHouseholdChoices: the community's party secretary picks the
// households a 党员中心户 serves. The choices are the registers' households
// of the member's area, the member's grid's first, found by 户号 (any case)
// or by the address as its mask shows it, never another community's, with
// the address masked and no person named; a linked one says so, a second
// link of it is refused, and its link is removed, audited. A member of
// another community, an unknown member and another member's link are not
// found.
func TestCenterHouseholdChoices(t *testing.T) {
	a := testapp.New(t)
	sec := a.LoginAs("partysec")
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	village := one(t, a, "SELECT o.id FROM org_nodes o JOIN role_assignments ra ON ra.org_id = o.id JOIN users u ON u.id = ra.user_id WHERE u.username = 'partysec'")
	other := one(t, a, "SELECT id FROM org_nodes WHERE kind = 'village' AND parent_id = (SELECT parent_id FROM org_nodes WHERE id = ?) AND id <> ? ORDER BY code LIMIT 1", village, village)
	top := one(t, a, "SELECT id FROM party_orgs WHERE org_id = ? AND form = 'area'", village)
	otherTop := one(t, a, "SELECT id FROM party_orgs WHERE org_id = ? AND form = 'area'", other)
	grid := one(t, a, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", village)
	grid2 := one(t, a, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND id <> ? ORDER BY code LIMIT 1", village, grid)
	otherGrid := one(t, a, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", other)

	household := func(no, address, grid string) string {
		t.Helper()
		h, err := a.Registry.SaveHousehold(ctx, "", registry.HouseholdInput{No: no, Address: address, PlaceInput: registry.PlaceInput{GridID: grid}})
		if err != nil {
			t.Fatalf("household %s: %v", no, err)
		}
		return h.ID
	}
	far := household("ZXH01", "幸福路12号3栋502室", grid2) // the member's area, another grid
	near := household("ZXH02", "幸福路14号1栋101室", grid) // the member's own grid
	household("ZXH03", "幸福路16号2栋202室", otherGrid)    // another community's
	if _, err := a.Registry.CreatePerson(ctx, registry.PersonInput{Name: "户主欧阳某", Kind: "unregistered", HouseholdID: far, Relation: "head",
		PlaceInput: registry.PlaceInput{GridID: grid2}}, idem.Key{}); err != nil {
		t.Fatal(err)
	}
	var m party.Member
	if st := sec.Do("POST", "/api/v1/party/members", map[string]any{"party_org_id": top, "name": "中心户甲", "grid_id": grid, "center_household": true}, &m); st != 201 {
		t.Fatalf("member: %d", st)
	}
	choices := func(q string) []party.HouseholdChoice {
		t.Helper()
		r := sec.RawWith("GET", "/api/v1/party/members/"+m.ID+"/household-choices?q="+q, "", nil, nil)
		if r.Status != 200 {
			t.Fatalf("choices %q: %d %s", q, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), "欧阳") {
			t.Fatalf("the choices name the head: %s", r.Body)
		}
		var out party.Items[party.HouseholdChoice]
		json.Unmarshal(r.Body, &out)
		return out.Items
	}
	got := choices("zxh0")
	if len(got) != 2 || got[0].ID != near || got[1].ID != far {
		t.Fatalf("the area's households by 户号, the member's grid's first: %+v", got)
	}
	for _, c := range got {
		if c.Linked || !strings.Contains(c.Address, "*") || c.Address != pii.MaskAddress(map[string]string{near: "幸福路14号1栋101室", far: "幸福路12号3栋502室"}[c.ID]) {
			t.Errorf("a choice: %+v", c)
		}
	}
	if got := choices("%E5%B9%B8%E7%A6%8F%E8%B7%AF12"); len(got) != 1 || got[0].ID != far { // 幸福路12: as the mask shows it
		t.Errorf("by address: %+v", got)
	}
	if got := choices("502"); len(got) != 0 { // the room the mask hides
		t.Errorf("a search spells out the masked door: %+v", got)
	}
	if got := choices("%25"); len(got) != 0 { // a wildcard is a character
		t.Errorf("%% matched: %+v", got)
	}

	var link party.CenterHousehold
	if st := sec.Do("POST", "/api/v1/party/members/"+m.ID+"/households", map[string]any{"household_id": far}, &link); st != 201 || link.ID == "" {
		t.Fatalf("link: %d %+v", st, link)
	}
	if got := choices("ZXH01"); len(got) != 1 || !got[0].Linked {
		t.Errorf("the linked household: %+v", got)
	}
	fail(t, sec, "POST", "/api/v1/party/members/"+m.ID+"/households", map[string]any{"household_id": far}, 400, "household_id", "party.household_taken")
	var m2 party.Member
	if st := sec.Do("POST", "/api/v1/party/members", map[string]any{"party_org_id": top, "name": "中心户乙", "grid_id": grid, "center_household": true}, &m2); st != 201 {
		t.Fatalf("a second member: %d", st)
	}
	fail(t, sec, "POST", "/api/v1/party/members/"+m2.ID+"/households", map[string]any{"household_id": far}, 400, "household_id", "party.household_taken") // one 中心户 a household

	// Another community's member: its choices and its links are not the secretary's.
	om, err := a.Party.CreateMember(ctx, party.MemberInput{PartyOrgID: otherTop, Name: "中心户乙", GridID: otherGrid, CenterHousehold: true})
	if err != nil {
		t.Fatal(err)
	}
	olink, err := a.Party.AddHousehold(ctx, om.ID, party.HouseholdInput{HouseholdID: one(t, a, "SELECT id FROM households WHERE no = 'ZXH03'")})
	if err != nil {
		t.Fatal(err)
	}
	fail(t, sec, "GET", "/api/v1/party/members/"+om.ID+"/household-choices", nil, 404, "", "not_found")
	fail(t, sec, "DELETE", "/api/v1/party/members/"+om.ID+"/households/"+olink.ID, nil, 404, "", "not_found")
	fail(t, sec, "GET", "/api/v1/party/members/nope/household-choices", nil, 404, "", "not_found")
	fail(t, sec, "DELETE", "/api/v1/party/members/"+m.ID+"/households/"+olink.ID, nil, 404, "", "not_found") // another member's link
	if n := count(t, a, "SELECT COUNT(*) FROM party_center_households WHERE id = ?", olink.ID); n != 1 {
		t.Fatal("another community's link was removed")
	}

	if r := sec.RawWith("DELETE", "/api/v1/party/members/"+m.ID+"/households/"+link.ID, "", nil, nil); r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("remove: %d %s", r.Status, r.Body)
	}
	if got := choices("ZXH01"); len(got) != 1 || got[0].Linked {
		t.Errorf("the household after its link was removed: %+v", got)
	}
	if n := count(t, a, "SELECT COUNT(*) FROM audit_log WHERE action = 'party.household_remove' AND object_id = ?", m.ID); n != 1 {
		t.Errorf("the removal audited %d times", n)
	}
	fail(t, sec, "DELETE", "/api/v1/party/members/"+m.ID+"/households/"+link.ID, nil, 404, "", "not_found")
}

// TestMemberAccount: the secretary links the account a member signs in with
// by its username — one of the secretary's area, no other member's — and
// from then on the account's own points are the member's; unlinked, the
// account has none.
func TestMemberAccount(t *testing.T) {
	a := testapp.New(t)
	sec := a.LoginAs("partysec")
	village := one(t, a, "SELECT o.id FROM org_nodes o JOIN role_assignments ra ON ra.org_id = o.id JOIN users u ON u.id = ra.user_id WHERE u.username = 'partysec'")
	top := one(t, a, "SELECT id FROM party_orgs WHERE org_id = ? AND form = 'area'", village)
	var m party.Member
	if st := sec.Do("POST", "/api/v1/party/members", map[string]any{"party_org_id": top, "name": "居民党员郑某"}, &m); st != 201 || m.HasAccount {
		t.Fatalf("member: %d %+v", st, m)
	}
	edit := func(username string) party.Member {
		t.Helper()
		var out party.Member
		if st := sec.Do("PUT", "/api/v1/party/members/"+m.ID, map[string]any{"party_org_id": top, "name": m.Name, "username": username, "version": m.Version}, &out); st != 200 {
			t.Fatalf("link %q: %d", username, st)
		}
		return out
	}
	for name, code := range map[string]string{"gridmember": "party.account_taken", "nobody.here": "party.account_not_found"} {
		fail(t, sec, "PUT", "/api/v1/party/members/"+m.ID, map[string]any{"party_org_id": top, "name": m.Name, "username": name, "version": m.Version}, 400, "username", code)
	}
	resident := a.LoginAs("resident")
	if st := resident.Do("GET", "/api/v1/points/mine", nil, nil); st != 404 {
		t.Fatalf("an unlinked resident's own points: %d", st)
	}
	m = edit("resident")
	var l struct {
		SubjectID string `json:"subject_id"`
	}
	if st := resident.Do("GET", "/api/v1/points/mine", nil, &l); !m.HasAccount || st != 200 || l.SubjectID != m.ID {
		t.Fatalf("linked: %+v, own points %d %+v", m, st, l)
	}
	if n := count(t, a, "SELECT COUNT(*) FROM audit_log WHERE action = 'party.account_link' AND object_id = ?", m.ID); n != 1 {
		t.Fatalf("the link audited %d times", n)
	}
	m = edit("")
	if st := resident.Do("GET", "/api/v1/points/mine", nil, nil); m.HasAccount || st != 404 {
		t.Fatalf("unlinked: %+v, own points %d", m, st)
	}
}
