package registry_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

type address struct {
	ID         string   `json:"id"`
	Text       string   `json:"text"`
	Lat        *float64 `json:"lat"`
	GridCode   string   `json:"grid_code"`
	OrgID      string   `json:"org_id"`
	HouseCount int      `json:"house_count"`
	Residents  int      `json:"residents"`
	Version    int      `json:"version"`
	Houses     []struct {
		ID         string `json:"id"`
		AddressID  string `json:"address_id"`
		RoomMasked string `json:"room_masked"`
		Purpose    string `json:"purpose"`
	} `json:"houses"`
	Units []struct {
		ID string `json:"id"`
	} `json:"units"`
	History []struct {
		Action string   `json:"action"`
		Fields []string `json:"fields"`
	} `json:"history"`
}

// otherVillageGrid is a 综治 grid of a village other than the grid member's.
func otherVillageGrid(t *testing.T, a *testapp.App) string {
	var code string
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT g.code FROM grids g WHERE g.layer = 'zz' AND g.status = 'active'
		AND g.org_id <> (SELECT org_id FROM grids WHERE code = ? AND layer = 'zz') ORDER BY g.code LIMIT 1`, gridCode(t, a)).Scan(&code)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func searchTitles(t *testing.T, c *testapp.Client, q string) map[string]string {
	t.Helper()
	var res page[struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Title string `json:"title"`
	}]
	if st := c.Do("POST", "/api/v1/registry/search", map[string]any{"q": q}, &res); st != 200 {
		t.Fatalf("search %q: %d", q, st)
	}
	out := map[string]string{}
	for _, h := range res.Items {
		out[h.Type+":"+h.ID] = h.Title
	}
	return out
}

// The standard address register (一标): add, one text per village, scope,
// rename (and its search entries), version check, and the houses and units
// at an address.
func TestAddressRegister(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)

	// All field problems together: text, position and grid.
	pr := gm.Fail("POST", "/api/v1/addresses", map[string]any{"text": " ", "lat": 95.0, "lng": 114.7})
	if got := fieldCodes(pr); got["text"] != "registry.required" || got["lat"] != "registry.position_invalid" || got["grid_id"] != "registry.grid_required" {
		t.Errorf("field problems: %+v", pr)
	}

	var ad address
	body := map[string]any{"text": "建设大道56号3栋", "grid_code": grid, "lat": 23.74, "lng": 114.7}
	if st := gm.Do("POST", "/api/v1/addresses", body, &ad); st != 201 {
		t.Fatalf("create: %d %+v", st, gm.Fail("POST", "/api/v1/addresses", body))
	}
	if ad.Text != "建设大道56号3栋" || ad.GridCode != grid || ad.Lat == nil || *ad.Lat != 23.74 || ad.Version != 1 {
		t.Errorf("created: %+v", ad)
	}

	// One text per village.
	if pr := gm.Fail("POST", "/api/v1/addresses", map[string]any{"text": "建设大道56号3栋", "grid_code": grid}); pr.Status != 400 ||
		fieldCodes(pr)["text"] != "registry.address_taken" {
		t.Errorf("duplicate: %+v", pr)
	}

	// The list: in scope, by text.
	var list page[address]
	if st := gm.Do("GET", "/api/v1/addresses?q="+url.QueryEscape("大道56"), nil, &list); st != 200 || len(list.Items) != 1 || list.Items[0].ID != ad.ID {
		t.Errorf("list by text: %d %+v", st, list)
	}
	if st := gm.Do("GET", "/api/v1/addresses?q="+url.QueryEscape("人民路"), nil, &list); st != 200 || len(list.Items) != 0 {
		t.Errorf("list by other text: %d %+v", st, list)
	}

	// Another village's address: a county user adds it; the grid member
	// neither lists nor opens it.
	ca := a.Login("civil_affairs")
	var far address
	if st := ca.Do("POST", "/api/v1/addresses", map[string]any{"text": "远村路1号", "grid_code": otherVillageGrid(t, a)}, &far); st != 201 {
		t.Fatalf("other village: %d", st)
	}
	if st := gm.Do("GET", "/api/v1/addresses?limit=500", nil, &list); st != 200 {
		t.Fatalf("list: %d", st)
	}
	for _, x := range list.Items {
		if x.ID == far.ID {
			t.Errorf("grid member lists another village's address")
		}
	}
	if st := gm.Do("GET", "/api/v1/addresses/"+far.ID, nil, nil); st != 404 {
		t.Errorf("other village's address: %d, want 404", st)
	}
	if st := ca.Do("GET", "/api/v1/addresses/"+far.ID, nil, nil); st != 200 {
		t.Errorf("county user opens it: %d", st)
	}

	// Rename: the search finds the new text and not the old one.
	if hits := searchTitles(t, gm, "建设大道56号"); hits["address:"+ad.ID] == "" {
		t.Errorf("search before rename: %v", hits)
	}
	var renamed address
	if st := gm.Do("PUT", "/api/v1/addresses/"+ad.ID, map[string]any{"text": "新华路8号", "grid_code": grid, "version": ad.Version}, &renamed); st != 200 {
		t.Fatalf("rename: %d", st)
	}
	if renamed.Text != "新华路8号" || renamed.Version != 2 || renamed.Lat != nil {
		t.Errorf("renamed: %+v", renamed)
	}
	if hits := searchTitles(t, gm, "新华路8号"); hits["address:"+ad.ID] != "新华路8号" {
		t.Errorf("search new text: %v", hits)
	}
	if hits := searchTitles(t, gm, "建设大道56号"); hits["address:"+ad.ID] != "" {
		t.Errorf("search old text still finds it: %v", hits)
	}

	// A stale version answers 409.
	if pr := gm.Fail("PUT", "/api/v1/addresses/"+ad.ID, map[string]any{"text": "新华路9号", "grid_code": grid, "version": ad.Version}); pr.Status != 409 {
		t.Errorf("stale: %+v", pr)
	}

	// A house saved at the same text links to the address and shows on its
	// page, with the people living there; a unit of the village at the same
	// text shows too.
	var h struct {
		ID        string `json:"id"`
		AddressID string `json:"address_id"`
	}
	if st := gm.Do("POST", "/api/v1/houses", map[string]any{"address": "新华路8号", "room": "1502", "purpose": "rental", "grid_code": grid}, &h); st != 201 {
		t.Fatalf("house: %d", st)
	}
	if h.AddressID != ad.ID {
		t.Errorf("house address_id %q, want %q", h.AddressID, ad.ID)
	}
	if st := gm.Do("POST", "/api/v1/people", newPerson("李建国", "", grid, map[string]any{"kind": "unregistered", "house_id": h.ID, "residence": "tenant"}), nil); st != 201 {
		t.Fatalf("person: %d", st)
	}
	var u struct {
		ID string `json:"id"`
	}
	if st := gm.Do("POST", "/api/v1/register-units", map[string]any{"name": "新华便利店", "kind": "shop", "address": "新华路8号", "grid_code": grid}, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	var got address
	if st := gm.Do("GET", "/api/v1/addresses/"+ad.ID, nil, &got); st != 200 {
		t.Fatalf("get: %d", st)
	}
	if len(got.Houses) != 1 || got.Houses[0].ID != h.ID || got.Houses[0].RoomMasked != "1***" || got.Houses[0].Purpose != "rental" {
		t.Errorf("houses at the address: %+v", got.Houses)
	}
	if len(got.Units) != 1 || got.Units[0].ID != u.ID {
		t.Errorf("units at the address: %+v", got.Units)
	}
	if got.HouseCount != 1 || got.Residents != 1 {
		t.Errorf("counts: houses %d residents %d", got.HouseCount, got.Residents)
	}
	if len(got.History) != 2 || got.History[0].Action != "changed" {
		t.Errorf("history: %+v", got.History)
	}

	// Renaming the address renames the house's search entry too.
	if st := gm.Do("PUT", "/api/v1/addresses/"+ad.ID, map[string]any{"text": "新华路10号", "grid_code": grid, "version": renamed.Version}, nil); st != 200 {
		t.Fatalf("second rename: %d", st)
	}
	if hits := searchTitles(t, gm, "新华路10号"); hits["house:"+h.ID] != "新华路10号" {
		t.Errorf("house entry after rename: %v", hits)
	}
}
