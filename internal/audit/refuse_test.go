package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

// A flood of refusals writes one row per actor, action and route, carrying
// the count; the chain stays whole.
func TestRefusalsAreCountedNotWrittenOneByOne(t *testing.T) {
	d := dbtest.Open(t)
	l := audit.New([]byte("k"))
	user := authz.WithPrincipal(audit.WithMeta(context.Background(), audit.Meta{RequestID: "r1", IP: "10.0.0.9"}),
		&authz.Principal{UserID: "u1", Username: "gridmember"})
	for i := 0; i < 1000; i++ {
		l.Refuse(user, audit.Refusal{Action: audit.ActionNotFound, Route: "GET /api/v1/people/{id}", ObjectID: fmt.Sprint("p", i%7)})
	}
	for i := 0; i < 300; i++ {
		ctx := audit.WithMeta(context.Background(), audit.Meta{IP: fmt.Sprintf("10.1.0.%d", i%3)})
		l.Refuse(ctx, audit.Refusal{Action: audit.ActionSessionUnknown, Route: "GET /api/v1/me", Detail: "no_session"})
	}
	// The flusher's own identity never lands in the rows.
	sys := authz.WithPrincipal(context.Background(), authz.System())
	if err := l.FlushRefusals(sys, d); err != nil {
		t.Fatal(err)
	}
	if err := l.FlushRefusals(sys, d); err != nil { // nothing new: nothing written
		t.Fatal(err)
	}
	rows, _, err := l.Search(context.Background(), d.Reader(), audit.Query{Limit: 100})
	if err != nil || len(rows) != 4 {
		t.Fatalf("rows: %d %v", len(rows), err)
	}
	byIP := map[string]string{}
	for _, r := range rows {
		byIP[r.IP] = r.Username + " " + r.Action + " " + r.ObjectID + " " + r.Result + " " + r.Detail
	}
	if got := byIP["10.0.0.9"]; !strings.HasPrefix(got, "gridmember access.not_found GET /api/v1/people/{id} denied count=1000 last=") ||
		!strings.HasSuffix(got, " ids=p0,p1,p2,p3,p4") {
		t.Errorf("user's row: %q", got)
	}
	for i := 0; i < 3; i++ {
		if got := byIP[fmt.Sprintf("10.1.0.%d", i)]; !strings.HasPrefix(got, "- auth.session_unknown GET /api/v1/me denied no_session count=100 ") {
			t.Errorf("address row %d: %q", i, got)
		}
	}
	if res, err := l.Verify(context.Background(), d.Reader()); err != nil || !res.OK || res.Checked != 4 {
		t.Fatalf("chain: %+v %v", res, err)
	}
}
