package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db/dbtest"

	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/pii"
)

func run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), code
}

// sqliteOnly skips a test of the SQLite file's verbs in the PostgreSQL
// run: it never reads GRIDGOV_TEST_DATABASE_URL, so the SQLite run has
// covered it already.
func sqliteOnly(t *testing.T) {
	if dbtest.PostgresURL() != "" {
		t.Skip("on the SQLite file of a data dir: the SQLite run covers it")
	}
}

// leanDemo is a fresh data dir holding the lean demo: built once for the
// package's tests (the demo is the slow part), copied for each.
func leanDemo(t *testing.T) (dir, out string) {
	t.Helper()
	lean.once.Do(func() {
		lean.dir, lean.err = os.MkdirTemp("", "gridgov-cli-demo-")
		if lean.err != nil {
			return
		}
		var code int
		if lean.out, code = run(t, "demo", "--lean", "--data", lean.dir); code != 0 {
			lean.err = fmt.Errorf("demo: %d %s", code, lean.out)
		}
	})
	if lean.err != nil {
		t.Fatal(lean.err)
	}
	dir = t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(lean.dir)); err != nil {
		t.Fatal(err)
	}
	return dir, lean.out
}

var lean struct {
	once     sync.Once
	dir, out string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if lean.dir != "" {
		os.RemoveAll(lean.dir)
	}
	os.Exit(code)
}

// The operator's path on SQLite: demo, user create, audit verify, backup,
// tamper, restore, verify again.
func TestDemoUserBackupRestoreAndAuditVerify(t *testing.T) {
	sqliteOnly(t)
	t.Setenv("GRIDGOV_DATABASE_URL", "") // these verbs are about the SQLite file
	old := password.DefaultParams
	password.DefaultParams = password.TestParams
	defer func() { password.DefaultParams = old }()
	dir, out := leanDemo(t)
	if !strings.Contains(out, "grids") {
		t.Fatalf("demo: %s", out)
	}
	var res demo.Result
	b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err != nil || json.Unmarshal(b, &res) != nil || res.Open311Key == "" || res.Center.Lat == 0 {
		t.Fatalf("demo.json: %v %s", err, b)
	}
	roles := map[string]bool{}
	for _, acc := range res.Accounts {
		roles[acc.Role] = true
	}
	for _, r := range authz.Builtins {
		if !roles[r.Code] {
			t.Errorf("demo.json has no account of the role %s", r.Code)
		}
	}
	if out, code := run(t, "demo", "--lean", "--data", dir); code == 0 {
		t.Fatalf("a second demo into the same data dir must refuse: %s", out)
	}
	if out, code := run(t, "user", "create", "--data", dir, "-username", "ops1", "-password", "weak", "-org", "441602"); code == 0 || !strings.Contains(out, "password") {
		t.Fatalf("weak password accepted: %s", out)
	}
	out, code := run(t, "user", "create", "--data", dir, "-username", "ops1", "-password", "Str0ng-and-l0ng!", "-org", "441602", "-role", "sec_admin")
	if code != 0 || !strings.Contains(out, "enrols an authenticator app at first sign-in") {
		t.Fatalf("user create: %d %s", code, out)
	}
	if out, code := run(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("verify: %d %s", code, out)
	}
	backup := filepath.Join(dir, "b.db")
	if out, code := run(t, "backup", "--data", dir, "-out", backup); code != 0 {
		t.Fatalf("backup: %s", out)
	}

	// Tamper with the live database: verify finds the row.
	dbPath := filepath.Join(dir, "gridgov.db")
	raw, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET detail = 'forged' WHERE seq = 2", "DELETE FROM users WHERE username = 'ops1'"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	if out, code := run(t, "audit", "verify", "--data", dir); code == 0 || !strings.Contains(out, "row 2") {
		t.Fatalf("verify tampered: %d %s", code, out)
	}
	if out, code := run(t, "restore", "--data", dir, "-from", backup); code != 0 {
		t.Fatalf("restore: %s", out)
	}
	if out, code := run(t, "audit", "verify", "--data", dir); code != 0 {
		t.Fatalf("verify restored: %s", out)
	}
	if out, code := run(t, "user", "unlock", "--data", dir, "-username", "ops1"); code != 0 {
		t.Fatalf("restored database lacks ops1: %s", out)
	}
	if out, code := run(t, "restore", "--data", dir, "-from", filepath.Join(dir, "demo.json")); code == 0 {
		t.Fatalf("restoring a non-database accepted: %s", out)
	}
	// Key rotation: everything resealed with the new key, the root stays,
	// and the audit chain (keyed from the root) still verifies.
	out, code = run(t, "keys", "rotate", "--data", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) < 3 || !strings.Contains(lines[len(lines)-2], "current") || !strings.HasSuffix(lines[len(lines)-1], " 0 values") {
		t.Fatalf("keys rotate: %d %s", code, out)
	}
	root := strings.Fields(lines[len(lines)-1])[0]
	if out, code := run(t, "keys", "retire", "--data", dir, root); code == 0 {
		t.Fatalf("retired the root key: %s", out)
	}
	if out, code := run(t, "audit", "verify", "--data", dir); code != 0 {
		t.Fatalf("verify after rotation: %s", out)
	}
	if out, _ := run(t, "config", "dump", "--data", dir); !strings.Contains(out, "GRIDGOV_DATA="+dir) {
		t.Fatalf("config dump: %s", out)
	}
}

// TestImportCommand bulk-loads a people sheet from the command line: the
// template, a summary, the annotated error file beside the input, and a
// non-zero exit when nothing was imported.
func TestImportCommand(t *testing.T) {
	sqliteOnly(t)
	old := password.DefaultParams
	password.DefaultParams = password.TestParams
	defer func() { password.DefaultParams = old }()
	dir, _ := leanDemo(t)
	tmpl := filepath.Join(dir, "people.csv")
	if out, code := run(t, "import", "people", "--template", tmpl); code != 0 {
		t.Fatalf("template: %s", out)
	}
	head, _ := os.ReadFile(tmpl)
	if !strings.HasPrefix(strings.TrimPrefix(string(head), "\uFEFF"), "姓名,公民身份号码,人口类型") {
		t.Errorf("template header: %q", head)
	}
	d, err := sql.Open("sqlite", filepath.Join(dir, "gridgov.db"))
	if err != nil {
		t.Fatal(err)
	}
	var grid string
	err = d.QueryRow("SELECT code FROM grids WHERE layer = 'zz' ORDER BY code LIMIT 1").Scan(&grid)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	id := pii.MakeID("441602", time.Date(1988, 8, 8, 0, 0, 0, 0, time.UTC), 3, true)
	sheet := filepath.Join(dir, "load.csv")
	os.WriteFile(sheet, []byte(string(head)+"张三,"+id+",户籍人口,,,,,,,"+grid+",,,,\n李四,123,户籍人口,,,,,,,"+grid+",,,,\n"), 0o600)
	out, code := run(t, "import", "people", sheet, "--data", dir, "--mode", "valid")
	if code != 0 || !strings.Contains(out, "read 2, imported 1, rejected 1") {
		t.Fatalf("import: %d %s", code, out)
	}
	annotated, err := os.ReadFile(filepath.Join(dir, "load-错误原因.csv"))
	if err != nil || !strings.Contains(string(annotated), "李四") || strings.Contains(string(annotated), "张三") {
		t.Errorf("annotated file: %v %s", err, annotated)
	}
	// The same file again: 张三 is now a duplicate, so nothing is imported.
	if out, code := run(t, "import", "people", sheet, "--data", dir, "--mode", "valid"); code == 0 {
		t.Errorf("second import must fail: %s", out)
	}
}
