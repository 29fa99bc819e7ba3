package dbtest

import (
	"context"
	"database/sql"
	"testing"
)

// A copy of a template holds the template's rows; a database left by a
// binary that has ended is dropped by the next sweep, and one of a binary
// that still runs (here: this one) is kept.
func TestTemplateCopyAndSweep(t *testing.T) {
	t.Parallel()
	if PostgresURL() == "" {
		t.Skip("makes databases on PostgreSQL: set GRIDGOV_TEST_DATABASE_URL")
	}
	ctx := context.Background()
	tmpl, tmplURL, err := CreateDatabase(ctx, "sweeptmpl", "")
	if err != nil {
		t.Fatal(err)
	}
	defer DropDatabase(ctx, tmpl)
	d, err := sql.Open("pgx", tmplURL)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.ExecContext(ctx, "CREATE TABLE marks (v TEXT); INSERT INTO marks VALUES ('kept')")
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	cp, cpURL, err := CreateDatabase(ctx, "sweepcopy", tmpl)
	if err != nil {
		t.Fatal(err)
	}
	defer DropDatabase(ctx, cp)
	c, err := sql.Open("pgx", cpURL)
	if err != nil {
		t.Fatal(err)
	}
	var v string
	err = c.QueryRowContext(ctx, "SELECT v FROM marks").Scan(&v)
	c.Close()
	if err != nil || v != "kept" {
		t.Fatalf("copy: %q, %v", v, err)
	}

	// A database of an owner whose lock nobody holds, as after a kill.
	const dead = dbPrefix + "1_left"
	if _, err := owner.pool.ExecContext(ctx, "CREATE DATABASE "+dead); err != nil {
		t.Fatal(err)
	}
	defer owner.pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dead)
	if err := sweep(ctx); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool {
		var n int
		if err := owner.pool.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if exists(dead) {
		t.Errorf("%s: left by an ended binary, still there after a sweep", dead)
	}
	if !exists(tmpl) || !exists(cp) {
		t.Errorf("the sweep dropped a database of this running binary")
	}

	// A database the binaries of a run share outlives the sweeps until
	// the run drops it.
	shared, _, err := CreateShared(ctx, "t0sweep", "demo_k")
	if err != nil {
		t.Fatal(err)
	}
	defer DropShared(ctx, "t0sweep")
	// A binary that died building it left it: the next one makes it anew.
	if _, _, err := CreateShared(ctx, "t0sweep", "demo_k"); err != nil {
		t.Fatal(err)
	}
	if err := sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if !exists(shared) {
		t.Fatalf("the sweep dropped %s, shared by a run", shared)
	}
	if err := DropShared(ctx, "t0sweep"); err != nil {
		t.Fatal(err)
	}
	if exists(shared) {
		t.Errorf("%s: still there after DropShared", shared)
	}
}
