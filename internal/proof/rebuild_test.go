package proof_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// plantedPerson is a person the rebuild proof registers, with the sealed
// values no caller may rebuild without a reveal.
type plantedPerson struct {
	name, id, phone string
	recordID        string
}

// TestNoCallerRebuildsASealedValue plants people through the API with ID
// numbers and phones and puts them in many places — a household head, a
// tenant of a rental house whose landlord is another planted person, a
// shop's phone, a key person with a visit, a care target, the reporter of
// an event, a campaign's item, an imported sheet with a duplicate row, a
// reveal whose reason holds the number — then signs in as every demo role
// and gathers every text each can see without revealing: every GET route
// of the route table (the planted records' pages, lists filtered to their
// grid, the audit log about them, Open311), the register search and the
// exports each role may make. The derivation checker (derive_test.go) then
// combines what each one caller saw; fewer than 10,000 candidates left for
// any planted ID number or phone fails. Runs on SQLite, or on PostgreSQL
// with GRIDGOV_TEST_DATABASE_URL.
func TestNoCallerRebuildsASealedValue(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every GET route as every demo role; skipped with -short")
	}
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	gm, leader, resident := a.Login("grid_member"), a.Login("leader"), a.Login("resident")
	var grid, gridID, village string
	if err := a.DB.Reader().QueryRowContext(ctx, `SELECT g.code, g.id, g.org_id FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&grid, &gridID, &village); err != nil {
		t.Fatal(err)
	}
	// 紫金县 (441621) numbers: no demo person holds them.
	born := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	people := []*plantedPerson{
		{name: "溯源甲", id: pii.MakeID("441621", born(1983, 5, 17), 137, true), phone: "13923457168"},  // household head, tenant, event reporter
		{name: "溯源乙", id: pii.MakeID("441621", born(1961, 11, 2), 52, false), phone: "15817264093"},  // landlord, key person, care target
		{name: "溯源丙", id: pii.MakeID("441621", born(1999, 2, 28), 318, true), phone: "18670392415"},  // the shop's phone
		{name: "溯源丁", id: pii.MakeID("441621", born(1975, 8, 30), 401, false), phone: "13760518294"}, // imported
	}
	ids := map[string][]string{} // path segment before {id} → ids of planted records

	post := func(c *testapp.Client, path string, in any, segment string) string {
		t.Helper()
		var out struct {
			ID string `json:"id"`
		}
		if st := c.Do("POST", path, in, &out); st >= 300 {
			t.Fatalf("POST %s: %d %+v", path, st, c.Fail("POST", path, in))
		}
		if segment != "" {
			ids[segment] = append(ids[segment], out.ID)
		}
		return out.ID
	}
	p0, p1, p2 := people[0], people[1], people[2]
	house := post(gm, "/api/v1/houses", map[string]any{"address": "溯源路8号2栋", "room": "501房", "purpose": "rental",
		"owner_name": p1.name, "owner_phone": p1.phone, "grid_code": grid}, "houses")
	unit := post(gm, "/api/v1/register-units", map[string]any{"name": "溯源商店", "kind": "shop", "legal_person": p2.name, "phone": p2.phone,
		"address": "溯源路8号", "grid_code": grid}, "register-units")
	household := post(gm, "/api/v1/households", map[string]any{"no": "SY001", "house_id": house, "address": "溯源路8号2栋", "grid_code": grid}, "households")
	p0.recordID = post(gm, "/api/v1/people", map[string]any{"name": p0.name, "id_number": p0.id, "kind": "registered", "phone": p0.phone,
		"address": "溯源路8号2栋", "address_detail": "溯源路8号2栋501房", "household_id": household, "relation": "head", "house_id": house,
		"residence": "tenant", "grid_code": grid}, "people")
	p1.recordID = post(gm, "/api/v1/people", map[string]any{"name": p1.name, "id_number": p1.id, "kind": "registered", "phone": p1.phone,
		"house_id": house, "residence": "owner", "grid_code": grid}, "people")
	p2.recordID = post(gm, "/api/v1/people", map[string]any{"name": p2.name, "id_number": p2.id, "kind": "floating", "phone": p2.phone,
		"unit_id": unit, "grid_code": grid}, "people")
	kp := post(gm, "/api/v1/key-persons", map[string]any{"person_id": p1.recordID, "category": "key_petitioner", "risk_level": "yellow"}, "key-persons")
	if st := gm.Do("POST", "/api/v1/key-persons/"+kp+"/visits", map[string]any{"method": "home", "finding": "normal", "note": "入户走访" + p1.name}, nil); st >= 300 {
		t.Fatalf("visit: %d", st)
	}
	post(gm, "/api/v1/care-targets", map[string]any{"person_id": p1.recordID, "kind": "elderly_alone"}, "care-targets")
	post(resident, "/api/v1/events", map[string]any{"channel": "resident", "category_code": "0101", "lat": a.Demo.Center.Lat, "lng": a.Demo.Center.Lng,
		"description": "溯源路8号门口堆放杂物", "reporter_phone": p0.phone}, "events")
	post(leader, "/api/v1/campaigns", map[string]any{"name": "溯源核查", "kind": "people", "org_id": village, "grid_ids": []string{gridID},
		"due_date": time.Now().AddDate(0, 1, 0).Format("2006-01-02")}, "campaigns")
	// A reveal whose reason holds the number being revealed: the audit view
	// must not show it.
	if st := gm.Do("POST", "/api/v1/people/"+p0.recordID+"/reveal", map[string]any{"fields": []string{"id_number", "birth_date"},
		"reason": "核对身份证 " + p0.id + " 与电话 " + p0.phone}, nil); st != 200 {
		t.Fatalf("reveal: %d", st)
	}
	// An import: a new person, and the first one again (rejected into the
	// importer's error sheet).
	p3 := people[3]
	sheet := "姓名,公民身份号码,人口类型,联系电话,网格编码\n" + p3.name + "," + p3.id + ",户籍人口," + p3.phone + "," + grid + "\n" +
		p0.name + "," + p0.id + ",户籍人口," + p0.phone + "," + grid + "\n"
	importID := upload(t, gm, sheet)
	ids["imports"] = []string{importID}
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM people WHERE name = ?", p3.name).Scan(&p3.recordID); err != nil {
		t.Fatalf("the imported person: %v", err)
	}
	ids["people"] = append(ids["people"], p3.recordID)

	now := time.Now().In(time.FixedZone("CST", 8*3600))
	calls := 0
	for _, acc := range a.Demo.Accounts { // every account: some roles are held at the county and at a town
		role, c := acc.Role, gm
		if role != "grid_member" {
			c = a.LoginAccount(acc)
		}
		seen := map[string]string{}
		see := func(where string, body []byte) {
			// A workbook is read by its parts: its compressed bytes are
			// noise that may hold any digits after a '*'.
			parts := unzipped(body)
			if len(parts) == 0 {
				seen[where] = string(body)
			}
			for k, v := range parts {
				seen[where+" » "+k] = v
			}
		}
		exports := exportAll(t, a, c, leader, role, gridID, see)
		for _, r := range a.Router.Routes() {
			if r.Method != "GET" || strings.HasSuffix(r.Path, "/media/{media}") {
				continue // photos are images
			}
			if role == "grid_member" && r.Path == "/api/v1/imports/{id}/errors" {
				// The importer's own file, rows as they typed them; the
				// other roles must get nothing from this route.
				continue
			}
			for _, path := range fillPath(r.Path, ids) {
				for _, q := range queries(r, a, gridID, people) {
					target := path
					if q != "" {
						target += "?" + q
					}
					resp := c.Raw("GET", target, "", nil)
					calls++
					see("GET "+target, resp.Body)
				}
			}
		}
		for _, p := range people {
			resp := c.Raw("POST", "/api/v1/registry/search", "application/json", []byte(`{"q":"`+p.name+`"}`))
			see("search "+p.name, resp.Body)
		}
		for _, p := range people {
			if p.recordID == "" {
				continue
			}
			if n, why := derive(p.id, seen, now); n < minCandidates {
				t.Errorf("as %s, the ID number of %s is one of %d (from %v)", role, p.name, n, why)
			}
			if n, why := derive(p.phone, seen, now); n < minCandidates {
				t.Errorf("as %s, the phone of %s is one of %d (from %v)", role, p.name, n, why)
			}
			if role == "grid_member" && !slices.ContainsFunc(mapValues(seen), func(s string) bool { return strings.Contains(s, pii.MaskID(p.id)) }) {
				t.Errorf("the grid member saw no mask of %s: the walk missed the planted records", p.name)
			}
		}
		// The walk reached the exports and the audit view, or it proves
		// nothing about them.
		if role == "grid_member" && exports < 12 {
			t.Errorf("the grid member made %d exports, want all 12", exports)
		}
		if role == "audit_admin" && !slices.ContainsFunc(mapValues(seen), func(s string) bool { return strings.Contains(s, "registry.person_reveal") }) {
			t.Errorf("the audit administrator saw no reveal in the audit view")
		}
	}
	t.Logf("%d accounts, %d GET calls", len(a.Demo.Accounts), calls)
}

// fillPath gives the paths to ask for a route: each planted record of the
// kind its parameter names, the caller's own area for org nodes.
func fillPath(pattern string, ids map[string][]string) []string {
	if !strings.Contains(pattern, "{") {
		return []string{pattern}
	}
	segs := strings.Split(pattern, "/")
	out := []string{""}
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			for j := range out {
				out[j] += "/" + s
			}
			continue
		}
		var vals []string
		switch prev := segs[i-1]; {
		case prev == "i18n":
			vals = []string{"zh-CN"}
		case prev == "import-templates":
			vals = []string{"people"}
		case prev == "nodes" || prev == "users" || prev == "grids" || prev == "services":
			return nil // no personal values there; the access matrix walks them
		case prev == "requests" || prev == "tokens": // Open311: the id and the format
			for _, id := range ids["events"] {
				vals = append(vals, id+".json")
			}
		default:
			vals = ids[prev]
		}
		var next []string
		for _, o := range out {
			for _, v := range vals {
				next = append(next, o+"/"+v)
			}
		}
		out = next
	}
	for j := range out {
		out[j] = strings.TrimPrefix(out[j], "/")
	}
	return out
}

// queries are the query strings to ask a route with: none, the planted
// grid (a long page), the audit log about each planted person, and the
// Open311 key.
func queries(r httpx.Route, a *testapp.App, gridID string, people []*plantedPerson) []string {
	out := []string{""}
	var params []string
	for _, p := range r.Params {
		params = append(params, p.Name)
	}
	if slices.Contains(params, "grid_id") {
		out = append(out, url.Values{"grid_id": {gridID}, "limit": {"500"}}.Encode())
	}
	if slices.Contains(params, "object_id") {
		for _, p := range people {
			out = append(out, url.Values{"object_id": {p.recordID}, "limit": {"500"}}.Encode())
		}
	}
	if slices.Contains(params, "api_key") {
		out = append(out, url.Values{"api_key": {a.Demo.Open311Key}}.Encode())
	}
	return out
}

// exportAll asks for every kind of export of the planted grid the role may
// make (a leader approves it when it needs a second person) and sees each
// file. It returns how many files it saw.
func exportAll(t *testing.T, a *testapp.App, c, approver *testapp.Client, role, gridID string, see func(string, []byte)) int {
	t.Helper()
	n := 0
	for _, kind := range []string{"people", "households", "houses", "units", "care_targets", "key_persons"} {
		for _, format := range []string{"xlsx", "csv"} {
			var x struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			}
			if st := c.Do("POST", "/api/v1/exports", map[string]any{"kind": kind, "format": format, "grid_id": gridID}, &x); st >= 300 {
				continue // not this role's
			}
			if x.Status == "pending" && role != "leader" {
				approver.Do("POST", "/api/v1/exports/"+x.ID+"/approve", map[string]any{}, nil)
			}
			resp := c.Raw("GET", "/api/v1/exports/"+x.ID+"/file", "", nil)
			if resp.Status != 200 && role != "leader" {
				t.Errorf("%s: export of %s as %s: %d %s", role, kind, format, resp.Status, resp.Body)
			}
			see(fmt.Sprintf("export %s.%s", kind, format), resp.Body)
			if resp.Status == 200 {
				n++
			}
		}
	}
	return n
}

// upload imports a people sheet as c and waits for it to end.
func upload(t *testing.T, c *testapp.Client, csv string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "people.csv")
	fw.Write([]byte(csv))
	mw.Close()
	r := c.Raw("POST", "/api/v1/imports?kind=people&mode=valid", mw.FormDataContentType(), body.Bytes())
	if r.Status != 202 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var job struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Rejected int    `json:"rejected"`
	}
	if err := json.Unmarshal(r.Body, &job); err != nil {
		t.Fatal(err)
	}
	for range 300 {
		c.Do("GET", "/api/v1/imports/"+job.ID, nil, &job)
		if job.Status != "running" && job.Status != "queued" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if job.Rejected != 1 {
		t.Fatalf("import: %+v, want one row rejected", job)
	}
	return job.ID
}

// unzipped is every part of a zip file (a workbook), by name.
func unzipped(b []byte) map[string]string {
	out := map[string]string{}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return out
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			continue
		}
		part, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(part)
	}
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
