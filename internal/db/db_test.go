package db_test

import (
	"context"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

func TestMigrateTwiceAndRebind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := dbtest.URL(t)
	d, err := db.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d, err = db.Open(ctx, url) // second start: nothing to apply, no error
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer d.Close()
	var n int
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", "0001_foundation").Scan(&n); err != nil || n != 1 {
		t.Fatalf("schema_migrations: n=%d err=%v", n, err)
	}
	if d.Dialect == db.Postgres {
		if got := d.Rebind("SELECT '?', ? , ?"); got != "SELECT '?', $1 , $2" {
			t.Fatalf("rebind: %q", got)
		}
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	err := d.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, user_id, username, role, ip, action, object_type, object_id, result, request_id, detail, prev_hash, hash)
			VALUES (1, 1, '', '', '', '', 'x', '', '', 'success', '', '', '', 'h')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"UPDATE audit_log SET result = 'failure'", "DELETE FROM audit_log"} {
		err := d.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
		if err == nil {
			t.Errorf("%s: want refusal, got nil", q)
		}
	}
}

func TestUniqueViolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t)
	ins := func() error {
		return d.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('k', 'v', 1)")
			return err
		})
	}
	if err := ins(); err != nil {
		t.Fatal(err)
	}
	if err := ins(); !db.IsUniqueViolation(err) {
		t.Fatalf("want unique violation, got %v", err)
	}
}

// The readers' page caches are small: eight of them at the writer's size
// grew the server's memory with the database.
func TestSQLiteReaderCachesAreSmall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := db.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Dialect != db.SQLite {
		t.Skip("SQLite only")
	}
	var reader, writer int
	if err := d.Reader().QueryRowContext(ctx, "PRAGMA cache_size").Scan(&reader); err != nil {
		t.Fatal(err)
	}
	if err := d.InTx(ctx, func(tx *db.Tx) error { return tx.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&writer) }); err != nil {
		t.Fatal(err)
	}
	if reader != -2000 || writer != -65536 {
		t.Fatalf("cache_size: readers %d, writer %d; want -2000 and -65536 (KiB)", reader, writer)
	}
}
