package proof_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestRefusalsLeaveABoundedTrace: requests the server refuses — another
// area's person read, revealed or deleted by a village grid member (404, as
// if missing), a missing or forged CSRF token, a session cookie that matches
// no session, a wrong Open311 API key, a missing permission — each leave an
// audit row, and a flood of them leaves one row per caller, action and route
// carrying the count, not one row per request. Runs on SQLite, or on
// PostgreSQL with GRIDGOV_TEST_DATABASE_URL.
func TestRefusalsLeaveABoundedTrace(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	q := a.DB.Reader()
	var before int64
	if err := q.QueryRowContext(ctx, "SELECT seq FROM audit_head WHERE id = 1").Scan(&before); err != nil {
		t.Fatal(err)
	}

	// A person outside the grid member's village.
	var other string
	if err := q.QueryRowContext(ctx, `SELECT p.id FROM people p WHERE p.path NOT LIKE
		(SELECT o.path FROM users u JOIN org_nodes o ON o.id = u.org_id WHERE u.username = 'gridmember') || '%' ORDER BY p.id LIMIT 1`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	gm := a.Login("grid_member")
	for i := 0; i < 3; i++ {
		if st := gm.Do("GET", "/api/v1/people/"+other, nil, nil); st != 404 {
			t.Fatalf("another village's person: %d, want 404", st)
		}
	}
	reveal := gm.Do("POST", "/api/v1/people/"+other+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": "核实身份信息"}, nil)
	del := gm.Do("DELETE", "/api/v1/people/"+other, nil, nil)
	if reveal != 404 && reveal != 403 || del != 404 && del != 403 {
		t.Fatalf("reveal %d, delete %d: want refused", reveal, del)
	}

	// 1,000 forged CSRF tokens and 10 missing ones.
	forged := *gm
	forged.CSRF = "0123456789abcdef0123456789abcdef0123456789abcdef"
	for i := 0; i < 1000; i++ {
		if st := forged.Do("POST", "/api/v1/me/totp/setup", nil, nil); st != 403 {
			t.Fatalf("forged CSRF token: %d", st)
		}
	}
	missing := *gm
	missing.CSRF = ""
	for i := 0; i < 10; i++ {
		if st := missing.Do("POST", "/api/v1/me/totp/setup", nil, nil); st != 403 {
			t.Fatalf("missing CSRF token: %d", st)
		}
	}

	// Session cookies that match no session: one of the right shape, one not.
	anon := a.Anon()
	for i := 0; i < 20; i++ {
		r := anon.RawWith("GET", "/api/v1/me", "", nil, map[string]string{"Cookie": "gridgov_session=" + strings.Repeat("A", 43)})
		if r.Status != 401 || !strings.Contains(strings.Join(r.Header.Values("Set-Cookie"), ";"), "Max-Age=0") {
			t.Fatalf("forged session cookie: %d %v", r.Status, r.Header)
		}
	}
	anon.RawWith("GET", "/api/v1/me", "", nil, map[string]string{"Cookie": "gridgov_session=x"})

	// A wrong Open311 API key, 30 times from one address.
	for i := 0; i < 30; i++ {
		r := anon.Raw("POST", "/open311/v2/requests.json", "application/x-www-form-urlencoded", []byte("api_key=wrong&service_code=0403&lat=24&long=114&description=x"))
		if r.Status != 403 {
			t.Fatalf("wrong Open311 key: %d %s", r.Status, r.Body)
		}
	}

	// A permission the resident lacks, 50 times.
	res := a.Login("resident")
	for i := 0; i < 50; i++ {
		if st := res.Do("GET", "/api/v1/users", nil, nil); st != 403 {
			t.Fatalf("resident lists users: %d", st)
		}
	}

	if err := a.Audit.FlushRefusals(ctx, a.DB); err != nil {
		t.Fatal(err)
	}
	rows, err := q.QueryContext(ctx, "SELECT username, action, object_id, result, detail FROM audit_log WHERE seq > ? AND action IN ('access.not_found', 'access.csrf', 'auth.session_unknown', 'access.denied', 'open311.api_key_denied') ORDER BY seq", before)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var user, action, object, result, detail string
		if err := rows.Scan(&user, &action, &object, &result, &detail); err != nil {
			t.Fatal(err)
		}
		if result != "denied" {
			t.Errorf("%s: result %s", action, result)
		}
		// "last=…" is a time: keep what the row says without it.
		detail = strings.Join(strings.Fields(strings.Split(detail, " last=")[0]+" "+afterLast(detail)), " ")
		got = append(got, fmt.Sprintf("%s %s %s %s", user, action, object, detail))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"gridmember access.not_found GET /api/v1/people/{id} count=3 ids=" + other,
		"gridmember access.csrf POST /api/v1/me/totp/setup wrong count=1000",
		"gridmember access.csrf POST /api/v1/me/totp/setup missing count=10",
		"- auth.session_unknown GET /api/v1/me no_session count=20",
		"- auth.session_unknown GET /api/v1/me malformed count=1",
		"resident access.denied GET /api/v1/users user.read count=50",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("no audit row %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	// The reveal and the delete are traced too, whichever refusal they met.
	for _, route := range []string{"POST /api/v1/people/{id}/reveal", "DELETE /api/v1/people/{id}"} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, "gridmember ") && strings.Contains(g, " "+route+" ") && strings.Contains(g, "count=1")
		}
		if !found {
			t.Errorf("no audit row for %s in\n%s", route, strings.Join(got, "\n"))
		}
	}
	found := false
	for _, g := range got {
		found = found || strings.HasPrefix(g, "- open311.api_key_denied POST /open311/v2/") && strings.HasSuffix(g, " count=30")
	}
	if !found {
		t.Errorf("no audit row for the wrong Open311 keys in\n%s", strings.Join(got, "\n"))
	}
	if len(got) > 9 {
		t.Errorf("%d rows for 1,117 refusals: the flood is not bounded\n%s", len(got), strings.Join(got, "\n"))
	}
	if v, err := a.Audit.Verify(ctx, q); err != nil || !v.OK {
		t.Fatalf("chain after the refusals: %+v %v", v, err)
	}
}

// afterLast is what follows the "last=TIME" field of a refusal's detail.
func afterLast(detail string) string {
	_, rest, ok := strings.Cut(detail, " last=")
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, " ")
	return rest
}
