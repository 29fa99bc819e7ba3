// Package dbtest opens a fresh, migrated database for a test: a SQLite file in
// the test's temp dir, or — when GRIDGOV_TEST_DATABASE_URL is set — a new
// schema on that PostgreSQL server, dropped when the test ends.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

var seq atomic.Int64

// URL returns a database URL for a fresh database and registers its cleanup.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("GRIDGOV_TEST_DATABASE_URL")
	if base == "" {
		return filepath.Join(t.TempDir(), "gridgov.db")
	}
	schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("pgx", base); err == nil {
			a.Exec("DROP SCHEMA " + schema + " CASCADE")
			a.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated database closed at the end of the test.
func Open(t testing.TB) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
