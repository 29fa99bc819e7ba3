package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

func TestChainVerifiesAndFindsTampering(t *testing.T) {
	ctx := audit.WithMeta(context.Background(), audit.Meta{RequestID: "r1", IP: "127.0.0.1"})
	ctx = authz.WithPrincipal(ctx, &authz.Principal{UserID: "u1", Username: "alice",
		Grants: []authz.Grant{{Role: "sys_admin", Perms: []authz.Perm{authz.OrgWrite}}}})
	d := dbtest.Open(t)
	l := audit.New([]byte("0123456789abcdef0123456789abcdef"))
	for i := 0; i < 5; i++ {
		if err := l.RecordAlone(ctx, d, authz.OrgWrite, audit.Entry{Action: "org.update", ObjectType: "org", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := l.Verify(ctx, d.Reader())
	if err != nil || !res.OK || res.Checked != 5 {
		t.Fatalf("verify clean chain: %+v %v", res, err)
	}
	rows, _, err := l.Search(ctx, d.Reader(), audit.Query{Action: "org."})
	if err != nil || len(rows) != 5 || rows[0].Seq != 5 || rows[0].Username != "alice" || rows[0].Role != "sys_admin" || rows[0].IP != "127.0.0.1" {
		t.Fatalf("search: %+v %v", rows, err)
	}
	page, next, err := l.Search(ctx, d.Reader(), audit.Query{Limit: 2})
	if err != nil || len(page) != 2 || next != 4 {
		t.Fatalf("page: %d next=%d %v", len(page), next, err)
	}

	// A forger with database access: drop the guard, change row 3, put it back.
	tamper(t, d, "UPDATE audit_log SET result = 'failure' WHERE seq = 3")
	res, err = l.Verify(ctx, d.Reader())
	if err != nil || res.OK || res.FirstBadSeq == nil || *res.FirstBadSeq != 3 {
		t.Fatalf("verify tampered: %+v %v", res, err)
	}
}

func TestVerifyFindsDeletedRows(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	l := audit.New([]byte("k"))
	for i := 0; i < 4; i++ {
		if err := l.RecordAlone(ctx, d, "", audit.Entry{Action: "auth.login"}); err != nil {
			t.Fatal(err)
		}
	}
	tamper(t, d, "DELETE FROM audit_log WHERE seq = 2")
	res, _ := l.Verify(ctx, d.Reader())
	if res.OK || *res.FirstBadSeq != 2 {
		t.Fatalf("deleted middle row: %+v", res)
	}
	tamper(t, d, "DELETE FROM audit_log WHERE seq >= 2")
	res, _ = l.Verify(ctx, d.Reader())
	if res.OK || *res.FirstBadSeq != 2 {
		t.Fatalf("deleted tail: %+v", res)
	}
}

// tamper runs q with the append-only guard lifted, as an attacker with the
// database file could.
func tamper(t *testing.T, d *db.DB, q string) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var pre, post []string
		if d.Dialect == db.Postgres {
			pre = []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change"}
			post = []string{"ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"}
		} else {
			pre = []string{"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"}
			post = []string{
				"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
				"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"}
		}
		for _, s := range append(append(pre, q), post...) {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
