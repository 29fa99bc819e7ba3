package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// An edit that leaves out the sealed values (lists and pages show them only
// masked) keeps them; a new value replaces one; "clear" empties one.
func TestUpdateKeepsSealedValues(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	idNo := pii.MakeID("441602", time.Date(1972, 4, 5, 0, 0, 0, 0, time.UTC), 71, true)
	var p person
	body := newPerson("周建华", idNo, grid, map[string]any{"phone": "13902761111", "address_detail": "建设大道9号2栋0801房"})
	if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
		t.Fatalf("create: %d", st)
	}
	reveal := func() map[string]string {
		var r map[string]string
		gm.Do("POST", "/api/v1/people/"+p.ID+"/reveal", map[string]any{"fields": []string{"id_number", "phone", "address_detail"}, "reason": "核对修改结果"}, &r)
		return r
	}

	// Only the name sent (and empty sealed fields, as a form sends them).
	var upd person
	edit := map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "id_number": "", "phone": "", "version": p.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, edit, &upd); st != 200 {
		t.Fatalf("update: %d %+v", st, gm.Fail("PUT", "/api/v1/people/"+p.ID, edit))
	}
	if upd.IDMasked != p.IDMasked || upd.PhoneMasked != p.PhoneMasked || upd.AddrMasked != p.AddrMasked || upd.Name != "周建国" {
		t.Errorf("sealed values lost: before %+v after %+v", p, upd)
	}
	if r := reveal(); r["id_number"] != idNo || r["phone"] != "13902761111" || r["address_detail"] != "建设大道9号2栋0801房" {
		t.Errorf("stored values after the edit: %v", r)
	}
	var page1 person
	gm.Do("GET", "/api/v1/people/"+p.ID, nil, &page1)
	if strings.Join(page1.History[0].Fields, ",") != "name" {
		t.Errorf("history names %v, want only name", page1.History[0].Fields)
	}

	// A new phone replaces the old; clearing the address empties it.
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "phone": "13902762222", "clear": []string{"address_detail"}, "version": upd.Version}
	if st := gm.Do("PUT", "/api/v1/people/"+p.ID, edit, &upd); st != 200 || upd.PhoneMasked != "139****2222" || upd.AddrMasked != "" || upd.IDMasked != p.IDMasked {
		t.Fatalf("replace and clear: %d %+v", st, upd)
	}
	if r := reveal(); r["phone"] != "13902762222" || r["address_detail"] != "" || r["id_number"] != idNo {
		t.Errorf("stored values after replace and clear: %v", r)
	}
	// A value and a clear of the same field, an unknown field, and clearing
	// the ID number of a registered resident are refused.
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "phone": "13902763333", "clear": []string{"phone", "name"}, "version": upd.Version}
	pr := gm.Fail("PUT", "/api/v1/people/"+p.ID, edit)
	codes := map[string]string{}
	for _, e := range pr.Errors {
		codes[e.Field] = e.Code
	}
	if codes["phone"] != "registry.clear_conflict" || codes["clear"] != "registry.code_unknown" {
		t.Errorf("clear with a value: %+v", pr)
	}
	edit = map[string]any{"name": "周建国", "kind": "registered", "grid_code": grid, "clear": []string{"id_number"}, "version": upd.Version}
	if pr := gm.Fail("PUT", "/api/v1/people/"+p.ID, edit); pr.Errors[0].Field != "id_number" || pr.Errors[0].Code != "registry.id_required" {
		t.Errorf("clearing a required ID: %+v", pr)
	}

	// Houses: the room and the owner's phone stay when left out.
	type house struct {
		ID               string `json:"id"`
		RoomMasked       string `json:"room_masked"`
		OwnerPhoneMasked string `json:"owner_phone_masked"`
		Purpose          string `json:"purpose"`
		Version          int    `json:"version"`
		History          []struct {
			Fields []string `json:"fields"`
		} `json:"history"`
	}
	var h, h2 house
	hb := map[string]any{"address": "建设大道9号", "room": "0801", "purpose": "self_use", "owner_name": "周建华", "owner_phone": "13902761111", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/houses", hb, &h); st != 201 {
		t.Fatalf("house: %d", st)
	}
	hb = map[string]any{"address": "建设大道9号", "purpose": "rental", "owner_name": "周建华", "grid_code": grid, "version": h.Version}
	if st := gm.Do("PUT", "/api/v1/houses/"+h.ID, hb, &h2); st != 200 || h2.RoomMasked != h.RoomMasked || h2.OwnerPhoneMasked != h.OwnerPhoneMasked || h2.Purpose != "rental" {
		t.Fatalf("house update: %d before %+v after %+v", st, h, h2)
	}
	gm.Do("GET", "/api/v1/houses/"+h.ID, nil, &h2)
	if strings.Join(h2.History[0].Fields, ",") != "purpose" {
		t.Errorf("house history names %v, want only purpose", h2.History[0].Fields)
	}
	hb = map[string]any{"address": "建设大道9号", "purpose": "rental", "owner_name": "周建华", "owner_phone": "13902764444", "clear": []string{"room"}, "grid_code": grid, "version": h2.Version}
	if st := gm.Do("PUT", "/api/v1/houses/"+h.ID, hb, &h2); st != 200 || h2.RoomMasked != "" || h2.OwnerPhoneMasked != "139****4444" {
		t.Errorf("house replace and clear: %d %+v", st, h2)
	}

	// Units: the phone stays when left out.
	type unit struct {
		ID          string `json:"id"`
		PhoneMasked string `json:"phone_masked"`
		Version     int    `json:"version"`
	}
	var u, u2 unit
	ub := map[string]any{"name": "建华便利店", "kind": "shop", "phone": "13902765555", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/register-units", ub, &u); st != 201 {
		t.Fatalf("unit: %d", st)
	}
	ub = map[string]any{"name": "建华超市", "kind": "shop", "grid_code": grid, "version": u.Version}
	if st := gm.Do("PUT", "/api/v1/register-units/"+u.ID, ub, &u2); st != 200 || u2.PhoneMasked != "139****5555" {
		t.Errorf("unit update: %d %+v", st, u2)
	}
}

// A status change carries the version read: a stale page cannot undo a
// death, and a deceased person does not move back in.
func TestStatusNeedsVersion(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	id := addPeople(t, a, 1)[0]
	status := func(s string, version int) (int, string) {
		var p person
		body := map[string]any{"status": s, "version": version}
		st := gm.Do("POST", "/api/v1/people/"+id+"/status", body, &p)
		if st >= 400 {
			return st, gm.Fail("POST", "/api/v1/people/"+id+"/status", body).Code
		}
		return st, p.Status
	}
	if st, code := status("moved_out", 0); st != 409 || code != "registry.stale" {
		t.Errorf("without a version: %d %s", st, code)
	}
	if st, s := status("moved_out", 1); st != 200 || s != "moved_out" {
		t.Fatalf("move out: %d %s", st, s)
	}
	if st, s := status("deceased", 2); st != 200 || s != "deceased" {
		t.Fatalf("death: %d %s", st, s)
	}
	// A page read before the death tries to move the person back in.
	if st, code := status("active", 2); st != 409 || code != "registry.stale" {
		t.Errorf("stale move back: %d %s", st, code)
	}
	for _, s := range []string{"active", "moved_out"} {
		if st, code := status(s, 3); st != 409 || code != "registry.person_deceased" {
			t.Errorf("%s after death: %d %s", s, st, code)
		}
	}
}
