package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

// dialectOnly are the objects one dialect has by design, each with why.
// Everything else the two sets of migrations make must match.
var dialectOnly = map[string]string{
	// Chinese search: SQLite keeps an FTS5 table over search_index (with
	// its shadow tables), PostgreSQL a GIN index on the tokens.
	"sqlite: table search_fts":         "FTS5 index of search_index",
	"sqlite: table search_fts_config":  "FTS5 shadow table",
	"sqlite: table search_fts_data":    "FTS5 shadow table",
	"sqlite: table search_fts_docsize": "FTS5 shadow table",
	"sqlite: table search_fts_idx":     "FTS5 shadow table",
	"postgres: index search_index_fts": "GIN index of search_index's tokens",
}

// catalogue is what a dialect's migrations make, one line per fact:
// "table t", "column t.c", "primary key t (a, b)", "unique t (a)",
// "index name on t (a, b)" or "unique index name on t (a)". Column types
// differ by dialect and are left out; an index on an expression shows it
// as (expr).
type catalogue map[string]bool

// The SQLite and PostgreSQL migrations make the same tables, columns,
// keys and indexes, so that a feature tested on one works on the other.
// PostgreSQL is compared when GRIDGOV_TEST_DATABASE_URL is set (CI runs
// this test on its own against it).
func TestMigrationsMatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if dbtest.PostgresURL() == "" {
		t.Skip("compares with PostgreSQL: set GRIDGOV_TEST_DATABASE_URL")
	}
	lite, err := db.Open(ctx, filepath.Join(t.TempDir(), "gridgov.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	pg, err := db.Open(ctx, dbtest.URL(t)) // a fresh schema
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	lc, err := sqliteCatalogue(ctx, lite)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := postgresCatalogue(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sqlite %d facts, postgres %d facts", len(lc), len(pc))
	if len(lc) < 100 || len(pc) < 100 {
		t.Fatalf("catalogues too small to be right: sqlite %d, postgres %d facts", len(lc), len(pc))
	}
	var diffs []string
	only := func(a, b catalogue, dialect, other string) {
		for f := range a {
			if !b[f] && !allowed(dialect, f) {
				diffs = append(diffs, fmt.Sprintf("only %s: %s", dialect, f))
			}
		}
	}
	only(lc, pc, "sqlite", "postgres")
	only(pc, lc, "postgres", "sqlite")
	slices.Sort(diffs)
	if len(diffs) > 0 {
		t.Errorf("the SQLite and PostgreSQL migrations differ (add a migration pair to fix, or list a difference by design in dialectOnly):\n\t%s",
			strings.Join(diffs, "\n\t"))
	}
}

// allowed reports whether fact f of dialect is one of dialectOnly's: the
// object itself, its columns, or its indexes.
func allowed(dialect, f string) bool {
	for k := range dialectOnly {
		d, obj, _ := strings.Cut(k, ": ")
		if d != dialect {
			continue
		}
		kind, name, _ := strings.Cut(obj, " ")
		switch {
		case f == obj,
			kind == "table" && (strings.HasPrefix(f, "column "+name+".") || strings.HasSuffix(f, " "+name) ||
				strings.Contains(f, " on "+name+" (") || strings.HasPrefix(f, "primary key "+name+" (") ||
				strings.HasPrefix(f, "unique "+name+" (")),
			kind == "index" && (strings.HasPrefix(f, "index "+name+" on ") || strings.HasPrefix(f, "unique index "+name+" on ")):
			return true
		}
	}
	return false
}

func sqliteCatalogue(ctx context.Context, d *db.DB) (catalogue, error) {
	r := d.Reader()
	c := catalogue{}
	tables, err := db.Strings(ctx, r, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	for _, tb := range tables {
		c["table "+tb] = true
		rows, err := r.QueryContext(ctx, "SELECT name, pk FROM pragma_table_info(?) ORDER BY pk", tb)
		if err != nil {
			return nil, err
		}
		var pk []string
		for rows.Next() {
			var col string
			var n int
			if err := rows.Scan(&col, &n); err != nil {
				rows.Close()
				return nil, err
			}
			c["column "+tb+"."+col] = true
			if n > 0 {
				pk = append(pk, col)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(pk) > 0 {
			c[fmt.Sprintf("primary key %s (%s)", tb, strings.Join(pk, ", "))] = true
		}
		type index struct {
			name, origin string
			unique       bool
		}
		var idx []index
		rows, err = r.QueryContext(ctx, `SELECT name, "unique", origin FROM pragma_index_list(?)`, tb)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ix index
			if err := rows.Scan(&ix.name, &ix.unique, &ix.origin); err != nil {
				rows.Close()
				return nil, err
			}
			idx = append(idx, ix)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, ix := range idx {
			cols, err := db.Strings(ctx, r, "SELECT coalesce(name, '(expr)') FROM pragma_index_info(?) ORDER BY seqno", ix.name)
			if err != nil {
				return nil, err
			}
			on := fmt.Sprintf("%s (%s)", tb, strings.Join(cols, ", "))
			switch {
			case ix.origin == "pk":
				// the primary key, listed above
			case ix.origin == "u":
				c["unique "+on] = true
			case ix.unique:
				c["unique index "+ix.name+" on "+on] = true
			default:
				c["index "+ix.name+" on "+on] = true
			}
		}
	}
	return c, nil
}

func postgresCatalogue(ctx context.Context, d *db.DB) (catalogue, error) {
	r := d.Reader()
	c := catalogue{}
	rows, err := r.QueryContext(ctx, `SELECT c.relname, a.attname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var tb, col string
		if err := rows.Scan(&tb, &col); err != nil {
			rows.Close()
			return nil, err
		}
		c["table "+tb] = true
		c["column "+tb+"."+col] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Keys and indexes: each column of an index in order, 0 for an
	// expression; a key (primary or unique constraint) by its columns.
	rows, err = r.QueryContext(ctx, `SELECT t.relname, i.relname, x.indisunique, coalesce(k.contype, ''),
			coalesce(a.attname, '(expr)'), o.n
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.contype IN ('p', 'u')
		CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS o(attnum, n)
		LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = o.attnum AND o.attnum > 0
		WHERE t.relnamespace = current_schema()::regnamespace
		ORDER BY t.relname, i.relname, o.n`)
	if err != nil {
		return nil, err
	}
	type index struct {
		table, name, key string
		unique           bool
		cols             []string
	}
	var all []*index
	for rows.Next() {
		var ix index
		var col string
		var n int
		if err := rows.Scan(&ix.table, &ix.name, &ix.unique, &ix.key, &col, &n); err != nil {
			rows.Close()
			return nil, err
		}
		if len(all) == 0 || all[len(all)-1].name != ix.name {
			all = append(all, &ix)
		}
		last := all[len(all)-1]
		last.cols = append(last.cols, col)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, ix := range all {
		on := fmt.Sprintf("%s (%s)", ix.table, strings.Join(ix.cols, ", "))
		switch {
		case ix.key == "p":
			c["primary key "+on] = true
		case ix.key == "u":
			c["unique "+on] = true
		case ix.unique:
			c["unique index "+ix.name+" on "+on] = true
		default:
			c["index "+ix.name+" on "+on] = true
		}
	}
	return c, nil
}
