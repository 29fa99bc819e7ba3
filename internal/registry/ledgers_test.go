package registry_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// fieldCodes maps each field of a refused request to its error code.
func fieldCodes(pr testapp.Problem) map[string]string {
	codes := map[string]string{}
	for _, e := range pr.Errors {
		codes[e.Field] = e.Code
	}
	return codes
}

// A household, house or unit with field problems and a missing or unknown
// grid reports them all in one answer, so the form shows every problem at
// once; a change does the same.
func TestLedgerFieldErrorsTogether(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	check := func(what string, pr testapp.Problem, want map[string]string) {
		t.Helper()
		got := fieldCodes(pr)
		for f, code := range want {
			if got[f] != code {
				t.Errorf("%s: field %s: %q, want %q (all: %+v)", what, f, got[f], code, pr)
			}
		}
	}

	// No grid at all, and an unknown grid code.
	check("household", gm.Fail("POST", "/api/v1/households", map[string]any{"address": "建设大道1号"}),
		map[string]string{"no": "registry.required", "grid_id": "registry.grid_required"})
	check("household, unknown house", gm.Fail("POST", "/api/v1/households", map[string]any{"no": "", "house_id": "nope", "grid_code": "999999999999999"}),
		map[string]string{"no": "registry.required", "grid_code": "registry.grid_unknown", "house_id": "registry.link_unknown"})
	check("house", gm.Fail("POST", "/api/v1/houses", map[string]any{"purpose": "castle", "owner_phone": "12"}),
		map[string]string{"address": "registry.required", "purpose": "registry.code_unknown", "owner_phone": "phone.invalid", "grid_id": "registry.grid_required"})
	check("unit", gm.Fail("POST", "/api/v1/register-units", map[string]any{"kind": "shop", "credit_code": "X", "grid_code": "999999999999999"}),
		map[string]string{"name": "registry.required", "credit_code": "registry.credit_code_invalid", "grid_code": "registry.grid_unknown"})

	// Changes: the field problems, a clear of a value given, and the grid.
	var h struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/houses", map[string]any{"address": "建设大道9号", "room": "0801", "purpose": "self_use", "grid_code": grid}, &h); st != 201 {
		t.Fatalf("house: %d", st)
	}
	check("house change", gm.Fail("PUT", "/api/v1/houses/"+h.ID, map[string]any{"purpose": "self_use", "room": "0802", "clear": []string{"room"}, "version": h.Version}),
		map[string]string{"address": "registry.required", "room": "registry.clear_conflict", "grid_id": "registry.grid_required"})
	var u struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/register-units", map[string]any{"name": "建华便利店", "kind": "shop", "grid_code": grid}, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	check("unit change", gm.Fail("PUT", "/api/v1/register-units/"+u.ID, map[string]any{"kind": "farm", "version": u.Version}),
		map[string]string{"name": "registry.required", "kind": "registry.code_unknown", "grid_id": "registry.grid_required"})
	var hh struct {
		ID      string `json:"id"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/households", map[string]any{"no": "H0001", "grid_code": grid}, &hh); st != 201 {
		t.Fatalf("household: %d", st)
	}
	check("household change", gm.Fail("PUT", "/api/v1/households/"+hh.ID, map[string]any{"no": " ", "grid_code": "999999999999999", "version": hh.Version}),
		map[string]string{"no": "registry.required", "grid_code": "registry.grid_unknown"})

	// A person's change: a clear of a value given comes with the other
	// field problems too.
	var p person
	if st := gm.Do("POST", "/api/v1/people", newPerson("周建华", "", grid, map[string]any{"kind": "unregistered", "phone": "13902761111"}), &p); st != 201 {
		t.Fatalf("person: %d", st)
	}
	check("person change", gm.Fail("PUT", "/api/v1/people/"+p.ID, map[string]any{"kind": "unregistered", "phone": "13902762222", "clear": []string{"phone"}, "version": p.Version}),
		map[string]string{"name": "registry.required", "phone": "registry.clear_conflict", "grid_id": "registry.grid_required"})
}

// Opening a unit is an audited read, as opening a house or a household.
func TestUnitReadAudited(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	var u struct {
		ID string `json:"id"`
	}
	if st := gm.Do("POST", "/api/v1/register-units", map[string]any{"name": "建华便利店", "kind": "shop", "grid_code": grid}, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	count := func() int {
		var n int
		if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'registry.unit_read' AND object_type = 'unit' AND object_id = ?", u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 0 {
		t.Fatalf("audit rows before reading: %d", n)
	}
	if st := gm.Do("GET", "/api/v1/register-units/"+u.ID, nil, nil); st != 200 {
		t.Fatalf("read: %d", st)
	}
	if n := count(); n != 1 {
		t.Errorf("audit rows after one read: %d, want 1", n)
	}
}

// TestListPagesWalkEveryRecord pages each register list in small pages and
// in one large page: the same records in the same order, each once, and
// in area order (path, then entry).
func TestListPagesWalkEveryRecord(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	leader := a.Login("leader")
	type row struct {
		ID string `json:"id"`
	}
	walk := func(list string, limit int) []string {
		var ids []string
		cursor := ""
		for range 1000 {
			var pg page[row]
			if st := leader.Do("GET", fmt.Sprintf("%s?limit=%d&cursor=%s", list, limit, cursor), nil, &pg); st != 200 {
				t.Fatalf("%s: %d", list, st)
			}
			for _, r := range pg.Items {
				ids = append(ids, r.ID)
			}
			if cursor = pg.NextCursor; cursor == "" {
				return ids
			}
		}
		t.Fatalf("%s: more than 1,000 pages", list)
		return nil
	}
	for _, list := range []string{"/api/v1/people", "/api/v1/houses", "/api/v1/households", "/api/v1/register-units", "/api/v1/addresses", "/api/v1/care-targets"} {
		all, small := walk(list, 500), walk(list, 7)
		if len(all) < 8 {
			t.Fatalf("%s: %d records, too few to page", list, len(all))
		}
		if !slices.Equal(all, small) {
			t.Errorf("%s: pages of 7 walk %d records, one page of 500 holds %d, or in another order", list, len(small), len(all))
		}
		seen := map[string]bool{}
		for _, id := range small {
			if seen[id] {
				t.Errorf("%s: %s on two pages", list, id)
			}
			seen[id] = true
		}
	}
}
