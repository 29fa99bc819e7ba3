package e2e

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
)

// TestAuditVerifyShowsRollback: the audit administrator verifies the log in
// the console (审计日志 → 校验日志链): whole and consistent with the node's
// anchor; then the log's end is cut off and audit_head set back, as someone
// with the database but not the key can, and the console says rolled back.
func TestAuditVerifyShowsRollback(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ { // the county demo leaves the log empty
		if err := app.Audit.RecordAlone(ctx, app.DB, "", audit.Entry{Action: "org.update", ObjectType: "org"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Audit.WriteAnchor(ctx, app.DB.Reader()); err != nil {
		t.Fatal(err)
	}
	var anchored int64
	if err := app.DB.Reader().QueryRowContext(ctx, "SELECT seq FROM audit_head WHERE id = 1").Scan(&anchored); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, app.URL)
	acc := app.Account("audit_admin")
	p.login(acc, testapp.OTP(acc))
	p.visible(headerUser)
	p.landed()
	p.open("/audit")
	p.click("#audit-verify")
	p.waitText("#audit-verify-result", "日志链完整")
	p.waitText("#audit-verify-result", "个锚点一致")
	p.noRawKeys("audit verify")
	p.shot("audit-01-verify-anchored")

	cut := []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > ?",
		"UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1",
		"CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"}
	if app.DB.Dialect == db.Postgres {
		cut[0], cut[3] = "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change", "ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change"
	}
	keep := anchored - 2
	err := app.DB.InTx(ctx, func(tx *db.Tx) error {
		for i, q := range cut {
			var args []any
			switch i {
			case 1:
				args = []any{keep}
			case 2:
				args = []any{keep, keep}
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p.click("#audit-verify")
	p.waitText("#audit-verify-result", "日志被回滚")
	p.noRawKeys("audit verify rolled back")
	p.shot("audit-02-verify-rolled-back")
}
