package regsheet_test

import (
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// Above the threshold an export waits for a second person; the requester
// cannot approve it, only the requester can download it, and the file
// names the approver.
func TestExportNeedsSecondPerson(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	addPeople(t, a, 3)
	sec, gm, leader := a.Login("sec_admin"), a.Login("grid_member"), a.Login("leader")
	if st := sec.Do("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 2, "retention_days": 1825, "error_sheet_days": 7}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	if pr := sec.Fail("PUT", "/api/v1/registry/settings", map[string]int{"export_approval_rows": 0, "retention_days": 1825, "error_sheet_days": 7}); pr.Errors[0].Field != "export_approval_rows" {
		t.Errorf("threshold 0 accepted: %+v", pr)
	}

	var ex exportRow
	if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people", "format": "csv"}, &ex); st != 201 || ex.Status != "pending" || ex.Rows != 3 {
		t.Fatalf("request: %d %+v", st, ex)
	}
	if r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status != 409 {
		t.Errorf("pending export downloaded: %d", r.Status)
	}
	if r := gm.Raw("POST", "/api/v1/exports/"+ex.ID+"/approve", "application/json", []byte(`{}`)); r.Status != 403 {
		t.Errorf("requester approving own export: %d", r.Status) // grid members lack the permission anyway
	}
	var list page[exportRow]
	leader.Do("GET", "/api/v1/exports", nil, &list)
	if len(list.Items) != 1 || !list.Items[0].AwaitingMe {
		t.Fatalf("leader's queue: %+v", list)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/approve", map[string]string{}, &ex); st != 200 || ex.Status != "approved" {
		t.Fatalf("approve: %d %+v", st, ex)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/approve", map[string]string{}, nil); st != 409 {
		t.Errorf("second approval: %d", st)
	}
	if r := leader.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status == 200 {
		t.Errorf("the approver downloaded the requester's export: %d", r.Status)
	}
	r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "经政法委 黄书记审批") || strings.Count(string(r.Body), "********") != 3 {
		t.Fatalf("approved file: %d %s", r.Status, r.Body)
	}

	// A rejection needs a reason.
	gm.Do("POST", "/api/v1/exports", map[string]string{"kind": "people"}, &ex)
	if pr := leader.Fail("POST", "/api/v1/exports/"+ex.ID+"/reject", map[string]string{}); pr.Errors[0].Field != "reason" {
		t.Errorf("reject without reason: %+v", pr)
	}
	if st := leader.Do("POST", "/api/v1/exports/"+ex.ID+"/reject", map[string]string{"reason": "范围过大"}, &ex); st != 200 || ex.Status != "rejected" {
		t.Errorf("reject: %d %+v", st, ex)
	}
	if r := gm.Raw("GET", "/api/v1/exports/"+ex.ID+"/file", "", nil); r.Status != 409 {
		t.Errorf("rejected export downloaded: %d", r.Status)
	}
	// Other lists export too; an unknown kind names the field.
	for _, kind := range []string{"households", "houses", "units", "care_targets", "key_persons"} {
		if st := gm.Do("POST", "/api/v1/exports", map[string]string{"kind": kind}, &ex); st != 201 || ex.Status != "ready" {
			t.Errorf("%s: %d %+v", kind, st, ex)
		}
	}
	if pr := gm.Fail("POST", "/api/v1/exports", map[string]string{"kind": "audit_log"}); pr.Errors[0].Field != "kind" {
		t.Errorf("unknown kind: %+v", pr)
	}
}
