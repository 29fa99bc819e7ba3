package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/config"
)

// An operator loads a year from a file, sees it listed with its history,
// and gets each bad line named when a file is wrong (nothing loaded then).
func TestCalendarCommand(t *testing.T) {
	sqliteOnly(t)
	t.Setenv("GRIDGOV_DATABASE_URL", "") // on the SQLite file of the data dir
	dir := t.TempDir()
	if out, code := run(t, "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", out)
	}
	out, code := run(t, "calendar", "list", "--data", dir)
	if code != 0 || !strings.Contains(out, "2026        1        33         6") {
		t.Fatalf("list: %d %s", code, out)
	}
	file := filepath.Join(dir, "2027.txt")
	os.WriteFile(file, []byte("# 2027\n2027-01-01 holiday 元旦\n2027-02-06 workday 春节调休上班\n"), 0o600)
	out, code = run(t, "calendar", "import", file, "--data", dir, "--year", "2027", "--note", "国办通知")
	if code != 0 || !strings.Contains(out, "2027 loaded as version 1: 1 holidays, 1 swapped workdays") {
		t.Fatalf("import: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("2027-01-01 holiday 元旦\n2027-01-04 workday\n2027-13-01 休\n"), 0o600)
	t.Setenv("LANG", "en_US.UTF-8")
	out, code = run(t, "calendar", "import", bad, "--data", dir)
	if code == 0 || !strings.Contains(out, "Line 2: 2027-01-04 is a Monday to Friday") || !strings.Contains(out, "Line 3: the date \"2027-13-01\"") {
		t.Fatalf("bad file: %d %s", code, out)
	}
	os.WriteFile(file, []byte("2027-01-01 holiday 元旦\n2027-01-02 holiday 元旦\n"), 0o600)
	if out, code := run(t, "calendar", "import", file, "--data", dir, "--note", "更正"); code != 0 || !strings.Contains(out, "version 2") {
		t.Fatalf("reload: %d %s", code, out)
	}
	out, code = run(t, "calendar", "list", "2027", "--data", dir)
	if code != 0 || !strings.Contains(out, "# 2027, version 2") || !strings.Contains(out, "2027-01-02 holiday 元旦\n") ||
		!strings.Contains(out, "# earlier: version 1") || !strings.Contains(out, "国办通知") {
		t.Fatalf("list 2027: %d %s", code, out)
	}
	if out, code := run(t, "calendar", "list", "2030", "--data", dir); code == 0 {
		t.Fatalf("a year never loaded: %s", out)
	}
	if out, code := run(t, "calendar", "import", "--data", dir); code == 0 || !strings.Contains(out, "usage") {
		t.Fatalf("no file: %s", out)
	}
}

// From 1 November the server warns at start of a next year not loaded, and
// says that weekends alone count in it; once loaded, no more.
func TestServeWarnsOfAMissingYear(t *testing.T) {
	sqliteOnly(t)
	t.Parallel()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = ""
	ctx := context.Background()
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Calendar.Now = func() time.Time { return time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC) } // 20:00 in Beijing
	w, err := startWarnings(ctx, a)
	if err != nil || strings.Contains(strings.Join(w, "\n"), "work calendar") {
		t.Fatalf("October: %q %v", w, err)
	}
	a.Calendar.Now = func() time.Time { return time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC) } // 1 November, 00:00
	w, err = startWarnings(ctx, a)
	if all := strings.Join(w, "\n"); err != nil || !strings.Contains(all, "no holidays for 2027: deadlines in 2027 count weekends alone") {
		t.Fatalf("November: %q %v", w, err)
	}
}
