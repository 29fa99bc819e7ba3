package keyperson_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The visit-light filter is applied by the database, before the page
// limit: pages are full, the cursor walks every match, and an export
// filtered by light has every row, also beyond the export's first 500.
// The visit tasks (due order) page by due time.
func TestKeyPersonLightPaging(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	const people = 90
	csv := "姓名,公民身份号码,人口类型,网格编码\n"
	for i := range people {
		csv += fmt.Sprintf("测试%d,%s,户籍人口,%s\n", i, pii.MakeID("441602", time.Date(1982, 2, 3, 0, 0, 0, 0, time.UTC), 100+i, i%2 == 0), grid)
	}
	if job := importFile(t, gm, "people", "all", "人口.csv", []byte(csv)); job["imported"].(float64) != people {
		t.Fatalf("import: %v", job)
	}
	var ids []string
	rows, err := a.DB.Reader().QueryContext(ctx, "SELECT id FROM people WHERE name LIKE '测试%' ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	// One record per category the grid member may keep, through the API
	// (green: the first visit is weeks away);
	// the same categories for the other people written directly (fast),
	// with chosen due times: 5 overdue, the last 10 due within hours, the
	// rest weeks away.
	var templates []string
	for _, c := range []string{"community_correction", "mental_disorder", "drug_user", "key_petitioner", "released_prisoner", "key_youth"} {
		var k keyPerson
		if st := gm.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": c, "risk_level": "green"}, &k); st != 201 {
			t.Fatalf("key person %s: %d", c, st)
		}
		templates = append(templates, k.ID)
	}
	now := time.Now().UnixMilli()
	hour := int64(time.Hour / time.Millisecond)
	total := len(templates) * len(ids)
	err = a.DB.InTx(ctx, func(tx *db.Tx) error {
		n := len(templates)
		for _, pid := range ids[1:] {
			for _, tmpl := range templates {
				due := now + 60*24*hour
				switch {
				case n >= total-10: // the later written, the sooner due: due order is not id order
					due = now + 2*hour + int64(total-n)*60000
				case n%100 == 50:
					due = now - 24*hour
				}
				n++
				if _, err := tx.ExecContext(ctx, `INSERT INTO key_persons (id, person_id, category_sealed, category_blind, risk_level, visit_every_days,
					next_visit_due, responsible_id, path, created_at, updated_at) SELECT ?, ?, category_sealed, category_blind, risk_level, visit_every_days,
					?, responsible_id, path, created_at, updated_at FROM key_persons WHERE id = ?`, db.NewID(), pid, due, tmpl); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	walk := func(query string) []keyPerson {
		t.Helper()
		var all []keyPerson
		cursor := ""
		for range 100 {
			var pg page[keyPerson]
			if st := gm.Do("GET", "/api/v1/key-persons?"+query+"&cursor="+cursor, nil, &pg); st != 200 {
				t.Fatalf("%s: %d", query, st)
			}
			all = append(all, pg.Items...)
			if pg.NextCursor == "" {
				return all
			}
			if len(pg.Items) == 0 {
				t.Fatalf("%s: an empty page with a cursor", query)
			}
			cursor = pg.NextCursor
		}
		t.Fatalf("%s: too many pages", query)
		return nil
	}
	count := func(items []keyPerson, light string) int {
		seen := map[string]bool{}
		for _, k := range items {
			if k.Light != light || seen[k.ID] {
				t.Errorf("%s list holds %s %s (seen %v)", light, k.Light, k.ID, seen[k.ID])
			}
			seen[k.ID] = true
		}
		return len(seen)
	}
	var first page[keyPerson]
	gm.Do("GET", "/api/v1/key-persons?light=yellow&limit=4", nil, &first)
	if len(first.Items) != 4 || first.NextCursor == "" {
		t.Errorf("first yellow page: %d items, cursor %q", len(first.Items), first.NextCursor)
	}
	if n := count(walk("light=yellow&limit=4"), "yellow"); n != 10 {
		t.Errorf("yellow: %d, want 10", n)
	}
	if n := count(walk("light=red&limit=2"), "red"); n != 5 {
		t.Errorf("red: %d, want 5", n)
	}
	if n := count(walk("light=green&limit=500"), "green"); n != total-15 {
		t.Errorf("green: %d, want %d", n, total-15)
	}
	// The visit tasks, three at a time in due order: the overdue, then
	// those due within the week.
	tasks := walk("mine=true&due_within_days=7&limit=3")
	seen := map[string]bool{}
	for i, k := range tasks {
		if seen[k.ID] || (i > 0 && k.NextVisitDue < tasks[i-1].NextVisitDue) {
			t.Errorf("task %d out of order or repeated: %+v", i, k)
		}
		seen[k.ID] = true
	}
	if len(tasks) != 15 {
		t.Errorf("visit tasks: %d, want 15", len(tasks))
	}
	if pr := gm.Fail("GET", "/api/v1/key-persons?mine=true&cursor=nonsense", nil); pr.Errors[0].Field != "cursor" {
		t.Errorf("bad cursor: %+v", pr)
	}

	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "key_persons", "light": "yellow", "format": "csv"}, &ex); st != 201 || ex.Rows != 10 {
		t.Errorf("export of the yellow ones: %d %+v", st, ex)
	}
	var sum struct {
		Red    int `json:"visits_overdue"`
		Yellow int `json:"visits_due_soon"`
	}
	gm.Do("GET", "/api/v1/registry/summary", nil, &sum)
	if sum.Red != 5 || sum.Yellow != 10 {
		t.Errorf("summary: %+v", sum)
	}
}

// The care targets list pages like the other lists.
func TestCareTargetsPage(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	ids := addPeople(t, a, 3)
	for i, id := range ids {
		if st := gm.Do("POST", "/api/v1/care-targets", map[string]string{"person_id": id, "kind": []string{"elderly_alone", "disabled", "low_income"}[i]}, nil); st != 201 {
			t.Fatalf("care target %d: %d", i, st)
		}
	}
	type care struct {
		ID       string `json:"id"`
		PersonID string `json:"person_id"`
	}
	var p1, p2 page[care]
	gm.Do("GET", "/api/v1/care-targets?limit=2", nil, &p1)
	if len(p1.Items) != 2 || p1.NextCursor == "" {
		t.Fatalf("first page: %+v", p1)
	}
	gm.Do("GET", "/api/v1/care-targets?limit=2&cursor="+p1.NextCursor, nil, &p2)
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].PersonID != ids[2] {
		t.Errorf("second page: %+v", p2)
	}
	gm.Do("GET", "/api/v1/care-targets?kind=disabled", nil, &p2)
	if len(p2.Items) != 1 || p2.Items[0].PersonID != ids[1] {
		t.Errorf("by kind: %+v", p2)
	}
	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "care_targets"}, &ex); st != 201 || ex.Rows != 3 {
		t.Errorf("export: %d %+v", st, ex)
	}
}

// Without a named responsible member, a key person is kept by the account
// serving the person's grid whoever registers it, provided that account
// may see the category; else by the registering officer.
func TestKeyPersonResponsibleDefault(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ids := addPeople(t, a, 2)
	userID := func(c *testapp.Client) string {
		var me struct {
			ID string `json:"id"`
		}
		c.Do("GET", "/api/v1/me", nil, &me)
		return me.ID
	}
	gm, police, health := a.Login("grid_member"), a.Login("police"), a.Login("health")
	var k keyPerson
	if st := police.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": "drug_user", "risk_level": "yellow"}, &k); st != 201 ||
		k.ResponsibleID != userID(gm) {
		t.Errorf("registered by the police: %d %+v, want the grid member responsible", st, k)
	}
	// Grid members may not see HIV risk: the health officer keeps it.
	if st := health.Do("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[1], "category": "hiv_risk", "risk_level": "yellow"}, &k); st != 201 ||
		k.ResponsibleID != userID(health) {
		t.Errorf("HIV risk: %d %+v, want the health officer responsible", st, k)
	}
	if pr := health.Fail("POST", "/api/v1/key-persons", map[string]string{"person_id": ids[0], "category": "hiv_risk", "risk_level": "red", "responsible_id": userID(gm)}); pr.Errors[0].Field != "responsible_id" ||
		pr.Errors[0].Code != "registry.responsible_unfit" {
		t.Errorf("a responsible who may not see the category: %+v", pr)
	}
}
