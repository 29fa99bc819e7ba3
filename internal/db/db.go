// Package db opens gridgov's database — embedded SQLite or PostgreSQL — and
// hides the few differences between them: placeholders, row locks, retryable
// errors and migrations. SQL itself is written by hand in the feature packages.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the SQL engine behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a handle on the database: on SQLite a single-connection writer pool
// (so BEGIN IMMEDIATE transactions queue instead of failing) and a read pool;
// on PostgreSQL one pool for both.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	path    string // SQLite file, empty on PostgreSQL
}

// Open connects to url: "postgres://…" or "postgresql://…" selects
// PostgreSQL; anything else is a SQLite file path. Migrations are applied.
func Open(ctx context.Context, url string) (*DB, error) {
	var d *DB
	var err error
	if strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		d, err = openPostgres(url)
	} else {
		d, err = openSQLite(url)
	}
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func openSQLite(path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	// Only the server's user may read the file (SQLite gives the WAL and
	// shared-memory files the same mode).
	if f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600); err == nil {
		f.Close()
	}
	// synchronous=FULL: an acknowledged commit survives power loss.
	pragmas := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=secure_delete(1)"
	// Each connection keeps its own page cache. The writer's is large, for
	// imports and index updates; the readers keep SQLite's default 2 MiB and
	// read the rest from the operating system's cache, which holds the file
	// once for all of them. Eight readers of 64 MiB each grew the server by
	// megabytes a minute on a growing database, and were not faster.
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-65536)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-2000)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	return &DB{Dialect: SQLite, write: w, read: r, path: path}, nil
}

func openPostgres(url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	// Every read is scoped by a range of org paths bound as parameters. A
	// cached statement's generic plan guesses such a range at 0.5 % of the
	// rows whatever the area, so after a few runs a city-wide list is read
	// through its path index and sorted whole (the dispute case list: 17 ms
	// instead of 0.3 ms over 23,000 cases). Plan each run for its own area.
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	p := stdlib.OpenDB(*cfg)
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	return &DB{Dialect: Postgres, write: p, read: p}, nil
}

// Close closes the pools.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Path is the SQLite database file, or "" on PostgreSQL.
func (d *DB) Path() string { return d.path }

// Ping checks the database answers.
func (d *DB) Ping(ctx context.Context) error { return d.read.PingContext(ctx) }

// Querier is what both *DB reads and *Tx offer, so store code can run either way.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	Rebind(query string) string
	ForUpdate() string
	DialectName() Dialect
}

// Reader returns a Querier on the read pool, for queries outside a transaction.
func (d *DB) Reader() Querier { return reader{d} }

type reader struct{ d *DB }

func (r reader) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return r.d.read.QueryContext(ctx, r.d.Rebind(q), args...)
}
func (r reader) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return r.d.read.QueryRowContext(ctx, r.d.Rebind(q), args...)
}
func (r reader) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return nil, errors.New("db: write on the read pool")
}
func (r reader) Rebind(q string) string { return r.d.Rebind(q) }
func (r reader) ForUpdate() string      { return r.d.ForUpdate() }
func (r reader) DialectName() Dialect   { return r.d.Dialect }

// Tx is a write transaction. Its methods take queries with ? placeholders.
type Tx struct {
	tx *sql.Tx
	d  *DB
	// stmts keeps the statements of a bulk transaction (Begin) prepared:
	// a thousand rows run the same few statements a thousand times, and
	// SQLite would otherwise parse each one every time. Commit and
	// Rollback close them.
	stmts map[string]*sql.Stmt
}

// stmt is q prepared once in a bulk transaction, or nil.
func (t *Tx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if t.stmts == nil {
		return nil, nil
	}
	if st, ok := t.stmts[q]; ok {
		return st, nil
	}
	st, err := t.tx.PrepareContext(ctx, t.d.Rebind(q))
	if err == nil {
		t.stmts[q] = st
	}
	return st, err
}

// QueryContext runs a query inside the transaction.
func (t *Tx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st, err := t.stmt(ctx, q); st != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.d.Rebind(q), args...)
}

// QueryRowContext runs a query for one row inside the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st, err := t.stmt(ctx, q); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	// Not a bulk transaction, or the prepare failed: then the plain query
	// fails the same way and its Row carries the error.
	return t.tx.QueryRowContext(ctx, t.d.Rebind(q), args...)
}

// ExecContext runs a statement inside the transaction.
func (t *Tx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st, err := t.stmt(ctx, q); st != nil || err != nil {
		if err != nil {
			return nil, err
		}
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.d.Rebind(q), args...)
}

// Rebind turns ? placeholders into the dialect's.
func (t *Tx) Rebind(q string) string { return t.d.Rebind(q) }

// ForUpdate is the row-lock suffix of the dialect ("" on SQLite, whose write
// transactions are already exclusive).
func (t *Tx) ForUpdate() string { return t.d.ForUpdate() }

// DialectName is the dialect of the transaction's database.
func (t *Tx) DialectName() Dialect { return t.d.Dialect }

// ForUpdate is the row-lock suffix of the dialect.
func (d *DB) ForUpdate() string {
	if d.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// Rebind turns ? placeholders into $1, $2 … on PostgreSQL. A ? inside a
// quoted string literal is left alone.
func (d *DB) Rebind(q string) string {
	if d.Dialect != Postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, inQuote := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// InTx runs fn in a write transaction and commits it, retrying the whole
// function when the engine reports a serialization failure or a busy
// database. fn must not keep state across attempts.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		err = d.once(ctx, fn)
		if err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return err
}

func (d *DB) once(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{tx: tx, d: d}); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code() & 0xff
		return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint failure.
func IsUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// Analyze refreshes the planner's statistics after a bulk load, so that the
// first queries do not plan on an empty table's figures (PostgreSQL's
// autovacuum gets there too, but minutes later). SQLite plans without
// statistics and is left alone.
func (d *DB) Analyze(ctx context.Context) error {
	if d.Dialect != Postgres {
		return nil
	}
	_, err := d.write.ExecContext(ctx, "ANALYZE")
	return err
}

// Backup writes a consistent copy of the SQLite database to dst while the
// database stays online: VACUUM INTO reads one snapshot, so writers go on.
func (d *DB) Backup(ctx context.Context, dst string) error {
	if d.Dialect != SQLite {
		return errors.New("backup: only for SQLite; use pg_dump for PostgreSQL")
	}
	// Only the server's user may read the copy, as with the database:
	// VACUUM INTO fills an empty file and keeps its mode.
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("backup: %s already exists", dst)
	}
	if err != nil {
		return err
	}
	f.Close()
	conn, err := sql.Open("sqlite", "file:"+d.path+"?_pragma=busy_timeout(10000)")
	if err == nil {
		_, err = conn.ExecContext(ctx, "VACUUM INTO ?", dst)
		conn.Close()
	}
	if err != nil {
		os.Remove(dst)
	}
	return err
}

// Restore replaces the SQLite database at path with the backup src, after
// checking the backup's integrity. The server must be stopped.
func Restore(ctx context.Context, src, path string) error {
	b, err := sql.Open("sqlite", "file:"+src+"?mode=ro")
	if err != nil {
		return err
	}
	var res string
	err = b.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res)
	var n int
	if err == nil {
		err = b.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n)
	}
	b.Close()
	if err != nil || res != "ok" {
		return fmt.Errorf("restore: %s is not a sound gridgov backup (%v %s)", src, err, res)
	}
	tmp := path + ".restore"
	if err := copyFile(src, tmp); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.Rename(tmp, path)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Begin starts a write transaction that spans many calls, for bulk loaders
// (demo, imports) that commit in batches; everything else uses InTx.
func (d *DB) Begin(ctx context.Context) (*Tx, error) {
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{tx: tx, d: d, stmts: map[string]*sql.Stmt{}}, nil
}

// Commit commits a transaction from Begin.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback abandons a transaction from Begin; after Commit it does nothing.
func (t *Tx) Rollback() error { return t.tx.Rollback() }
