package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An operator loads a year from a file, sees it listed with its history,
// and gets each bad line named when a file is wrong (nothing loaded then).
func TestCalendarCommand(t *testing.T) {
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
