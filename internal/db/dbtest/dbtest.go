// Package dbtest opens a fresh, migrated database for a test: a SQLite file in
// the test's temp dir, or — when GRIDGOV_TEST_DATABASE_URL is set — a new
// schema on that PostgreSQL server, dropped when the test ends. It also makes
// whole databases on that server, for templates that tests copy.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridgov/gridgov/internal/db"
)

var seq atomic.Int64

// PostgresURL is the PostgreSQL server the tests use (GRIDGOV_TEST_DATABASE_URL),
// or "" when they run on SQLite.
func PostgresURL() string { return os.Getenv("GRIDGOV_TEST_DATABASE_URL") }

// URL returns a database URL for a fresh database and registers its cleanup.
func URL(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
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

// Databases made by this package are named dbPrefix + the owner's key + "_"
// + a suffix. The owner is one test binary: it holds a PostgreSQL advisory
// lock on its key for as long as it runs, so a binary that finds a key
// unlocked knows its owner has ended (killed, most likely, or it would have
// dropped them) and drops what it left. Several binaries may share one server.
const dbPrefix = "gridgov_test_"

var owner struct {
	once sync.Once
	err  error
	key  int64
	conn *sql.Conn // holds the lock on key until the process ends
	pool *sql.DB   // for CREATE and DROP DATABASE
}

// own takes this binary's lock and drops the databases of ended binaries.
func own() error {
	owner.once.Do(func() {
		ctx := context.Background()
		var b [8]byte
		rand.Read(b[:])
		owner.key = int64(binary.BigEndian.Uint64(b[:]) >> 2) // positive, so it prints without a sign
		if owner.pool, owner.err = sql.Open("pgx", PostgresURL()); owner.err != nil {
			return
		}
		owner.pool.SetMaxOpenConns(4)
		if owner.conn, owner.err = owner.pool.Conn(ctx); owner.err != nil {
			return
		}
		if _, owner.err = owner.conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", owner.key); owner.err != nil {
			return
		}
		owner.err = sweep(ctx)
	})
	return owner.err
}

// sweep drops the databases whose owner's lock is free.
func sweep(ctx context.Context) error {
	rows, err := owner.pool.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'gridgov\_test\_%'`)
	if err != nil {
		return err
	}
	byKey := map[int64][]string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		k, _, _ := strings.Cut(strings.TrimPrefix(name, dbPrefix), "_")
		if key, err := strconv.ParseInt(k, 10, 64); err == nil && key != owner.key {
			byKey[key] = append(byKey[key], name)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for key, names := range byKey {
		var free bool
		if err := owner.conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&free); err != nil {
			return err
		}
		if !free {
			continue // its binary still runs
		}
		for _, name := range names {
			if _, err := owner.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				return fmt.Errorf("drop leftover test database %s: %w", name, err)
			}
		}
		if _, err := owner.conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			return err
		}
	}
	return nil
}

// CreateDatabase makes a database on the PostgreSQL test server named after
// suffix (letters, digits and _), empty or — when template is not "" — a copy
// of the database template, which must have no open connection. It returns
// the database's name and URL; DropDatabase removes it.
func CreateDatabase(ctx context.Context, suffix, template string) (name, dbURL string, err error) {
	if err := own(); err != nil {
		return "", "", fmt.Errorf("test databases: %w", err)
	}
	name = fmt.Sprintf("%s%d_%s", dbPrefix, owner.key, suffix)
	return create(ctx, name, template)
}

// SharedPrefix begins the names of the databases that the test binaries of
// one run share (the demo templates of a GRIDGOV_TEST_CACHE): no binary
// owns them, so no sweep drops them while other binaries of the run still
// copy them; whoever set the run up drops them at its end (DropShared, or
// .ci/run's cleanup).
const SharedPrefix = "gridgov_cache_"

// CreateShared makes the empty database SharedPrefix + run + "_" + suffix
// (run and suffix: lower-case letters, digits and _) and returns its name
// and URL. It outlives this binary. One of that name that a binary left
// when it died building it is dropped first: the caller is the only one
// making it (testapp holds the cache's lock).
func CreateShared(ctx context.Context, run, suffix string) (name, dbURL string, err error) {
	if err := own(); err != nil {
		return "", "", fmt.Errorf("test databases: %w", err)
	}
	name = SharedPrefix + run + "_" + suffix
	if err := DropDatabase(ctx, name); err != nil {
		return "", "", fmt.Errorf("drop the unfinished %s: %w", name, err)
	}
	return create(ctx, name, "")
}

// DropShared drops the databases CreateShared made for run.
func DropShared(ctx context.Context, run string) error {
	if err := own(); err != nil {
		return err
	}
	rows, err := owner.pool.QueryContext(ctx, `SELECT datname FROM pg_database WHERE starts_with(datname, $1)`, SharedPrefix+run+"_")
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, name := range names {
		if err := DropDatabase(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// create makes the database name, a copy of template when not "".
func create(ctx context.Context, name, template string) (string, string, error) {
	q := "CREATE DATABASE " + name
	if template != "" {
		// A file copy, not PostgreSQL 15's default of writing every page of
		// the template through the WAL: the demo's copies are 130 MB and
		// more, made hundreds of times by a run.
		q += " TEMPLATE " + template + fileCopy()
	}
	// A pool that was just closed may still have a backend leaving the
	// template: PostgreSQL refuses the copy until it has gone. Copies made
	// at the same time from one template, by this binary or others, wait
	// for nothing: none of them connects to it.
	var err error
	for try := 0; ; try++ {
		_, err = owner.pool.ExecContext(ctx, q)
		var pe *pgconn.PgError
		if err == nil || try == 100 || !errors.As(err, &pe) || pe.Code != "55006" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		return "", "", fmt.Errorf("create test database %s: %w", name, err)
	}
	u, err := url.Parse(PostgresURL())
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	q2 := u.Query()
	q2.Del("search_path")
	u.RawQuery = q2.Encode()
	return name, u.String(), nil
}

// fileCopy is the copy strategy clause, on servers that know it (15 and later).
func fileCopy() string {
	copyOnce.Do(func() {
		var v int
		if err := owner.pool.QueryRow("SELECT current_setting('server_version_num')::int").Scan(&v); err == nil && v >= 150000 {
			copyClause = " STRATEGY FILE_COPY"
		}
	})
	return copyClause
}

var (
	copyOnce   sync.Once
	copyClause string
)

// DropDatabase removes a database made by CreateDatabase, closing what is
// still connected to it.
func DropDatabase(ctx context.Context, name string) error {
	if err := own(); err != nil {
		return err
	}
	_, err := owner.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	return err
}
