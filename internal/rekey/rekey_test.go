package rekey_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/rekey"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Every column the migrations call sealed is in rekey.Columns, under its
// own table: a sealed column of the same name in another table does not
// stand in for it.
func TestColumnsCoverTheSchema(t *testing.T) {
	files, _ := filepath.Glob("../db/migrations/*/*.sql")
	if len(files) == 0 {
		t.Fatal("no migrations found")
	}
	known := map[string]bool{}
	for _, c := range rekey.Columns {
		known[c.Table+"."+c.Name] = true
	}
	create := regexp.MustCompile(`^CREATE TABLE (?:IF NOT EXISTS )?([a-z_]+)`)
	alter := regexp.MustCompile(`^ALTER TABLE ([a-z_]+) ADD COLUMN ([a-z_]+)\s+(TEXT|BYTEA)\b`)
	col := regexp.MustCompile(`^\s+([a-z_]+)\s+(TEXT|BYTEA)\b`)
	sealed := func(name, line string) bool {
		return strings.HasSuffix(name, "_sealed") || strings.Contains(line, "sealed with the data key") || name == "error_sheet"
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		table := ""
		for _, line := range strings.Split(string(b), "\n") {
			var tbl, name string
			if m := create.FindStringSubmatch(line); m != nil {
				table = m[1]
				continue
			} else if m := alter.FindStringSubmatch(line); m != nil {
				tbl, name = m[1], m[2]
			} else if m := col.FindStringSubmatch(line); m != nil && table != "" {
				tbl, name = table, m[1]
			} else {
				continue
			}
			if sealed(name, line) && !known[tbl+"."+name] {
				t.Errorf("%s: sealed column %s.%s is missing from rekey.Columns", filepath.Base(f), tbl, name)
			}
		}
	}
}

func TestRotateAndReseal(t *testing.T) {
	a := testapp.New(t)
	ctx := context.Background()
	gm := a.Login("grid_member")
	var grid string
	a.DB.Reader().QueryRowContext(ctx, `SELECT g.code FROM grids g JOIN grid_members m ON m.grid_id = g.id
		JOIN users u ON u.id = m.user_id WHERE u.username = ? AND g.layer = 'zz' ORDER BY g.code LIMIT 1`, a.Account("grid_member").Username).Scan(&grid)
	idNo := pii.MakeID("441602", time.Date(1971, 5, 4, 0, 0, 0, 0, time.UTC), 31, false)
	var p struct{ ID string }
	body := map[string]any{"name": "陈秀英", "id_number": idNo, "phone": "13800138000", "kind": "registered", "grid_code": grid}
	if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
		t.Fatalf("create person: %d", st)
	}

	root := a.Keys.Current()
	if _, err := secret.Rotate(a.Cfg.KeyFile()); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Rotate(a.Cfg.KeyFile())
	if err != nil {
		t.Fatal(err)
	}
	middle := keys.IDs()[1]
	if n, _ := rekey.Count(ctx, a.DB); n[root] < 2 || n[keys.Current()] != 0 {
		t.Fatalf("before reseal: %v", n)
	}
	changed, err := rekey.Reseal(ctx, a.DB, keys)
	if err != nil || changed < 2 {
		t.Fatalf("reseal: %d %v", changed, err)
	}
	n, err := rekey.Count(ctx, a.DB)
	if err != nil || len(n) != 1 || n[keys.Current()] < 2 {
		t.Fatalf("after reseal every value is under the current key: %v %v", n, err)
	}
	if again, _ := rekey.Reseal(ctx, a.DB, keys); again != 0 {
		t.Errorf("a second reseal changed %d values", again)
	}
	if keys, err = secret.Retire(a.Cfg.KeyFile(), middle); err != nil {
		t.Fatal(err)
	}
	var sealed string
	a.DB.Reader().QueryRowContext(ctx, `SELECT id_sealed FROM people WHERE id = ?`, p.ID).Scan(&sealed)
	if got, err := pii.NewVault(keys).Open("people.id_number", p.ID, sealed); err != nil || got != idNo {
		t.Fatalf("resealed ID opens to %q, %v", got, err)
	}
	// blind indexes derive from the root key, so exact lookup still finds her
	var found struct{ Items []struct{ ID string } }
	gm.Do("POST", "/api/v1/people/lookup", map[string]string{"id_number": idNo}, &found)
	if len(found.Items) != 1 || found.Items[0].ID != p.ID {
		t.Fatalf("lookup after rotation: %+v", found)
	}
}
