package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/config"
)

// The operator's view of a rollback: a server writes its anchor at
// shutdown; the log's end is then deleted and audit_head set back with
// nothing but the database file; `gridgov audit verify` exits non-zero and
// says rolled back, against the anchor file and against a server log
// excerpt, and names a forged anchor.
func TestAuditVerifyAgainstAnchors(t *testing.T) {
	sqliteOnly(t)
	for _, k := range []string{"GRIDGOV_DATABASE_URL", "GRIDGOV_SECRET_KEY", "GRIDGOV_SECRET_KEY_FILE", "GRIDGOV_AUDIT_ANCHORS"} {
		t.Setenv(k, "")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if err := a.Audit.RecordAlone(ctx, a.DB, "", audit.Entry{Action: "org.update"}); err != nil {
			t.Fatal(err)
		}
	}
	a.Audit.Refuse(audit.WithMeta(ctx, audit.Meta{IP: "10.0.0.1"}), audit.Refusal{Action: audit.ActionSessionUnknown, Route: "GET /api/v1/me"})
	err = a.Shutdown(ctx) // the refusal row, then the anchor
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	anchorFile := filepath.Join(dir, "audit-anchors.log")
	line, err := os.ReadFile(anchorFile)
	if err != nil || !strings.Contains(string(line), " count=6 ") {
		t.Fatalf("anchor at shutdown: %q %v", line, err)
	}
	if out, code := run(t, "audit", "verify", "--data", dir); code != 0 || !strings.Contains(out, "consistent with 1 anchors") || !strings.Contains(out, "recorded 6 rows") {
		t.Fatalf("verify: %d %s", code, out)
	}

	raw, err := sql.Open("sqlite", filepath.Join(dir, "gridgov.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq > 3",
		"UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	out, code := run(t, "audit", "verify", "--data", dir)
	if code == 0 || !strings.Contains(out, "rolled back: the log has 3 rows, the anchor of ") || !strings.Contains(out, "recorded 6") {
		t.Fatalf("verify rolled back: %d %s", code, out)
	}

	// The same anchor, as the server log kept it.
	excerpt := filepath.Join(t.TempDir(), "server.log")
	logLine := `time=2026-12-06T10:15:00.000Z level=INFO msg="audit anchor" anchor="` + strings.TrimSpace(string(line)) + "\"\n"
	os.WriteFile(excerpt, []byte("time=2026-12-06T10:14:00.000Z level=INFO msg=http status=200\n"+logLine), 0o600)
	out, code = run(t, "audit", "verify", "--data", dir, "--anchors", excerpt)
	if code == 0 || !strings.Contains(out, "rolled back") || !strings.Contains(out, "server.log:2") {
		t.Fatalf("verify against the log: %d %s", code, out)
	}

	// An anchor rewritten without the key to bless the shorter log.
	forged := filepath.Join(t.TempDir(), "forged.log")
	os.WriteFile(forged, []byte(strings.Replace(string(line), " count=6 ", " count=3 ", 1)), 0o600)
	out, code = run(t, "audit", "verify", "--data", dir, "--anchors", forged)
	if code == 0 || !strings.Contains(out, "forged anchor at "+forged+":1") {
		t.Fatalf("verify forged anchor: %d %s", code, out)
	}
	if out, code := run(t, "audit", "verify", "--data", dir, "--anchors", filepath.Join(dir, "none.log")); code == 0 {
		t.Fatalf("a named anchor file that is missing must fail: %s", out)
	}
}

// A backup never holds the secret key, even when the key file sits in the
// data directory beside the database; --key-file keeps it elsewhere, and
// serve's warnings name what sits in the data directory.
func TestBackupHoldsNoKeyAndKeyFileLivesApart(t *testing.T) {
	sqliteOnly(t)
	for _, k := range []string{"GRIDGOV_DATABASE_URL", "GRIDGOV_SECRET_KEY", "GRIDGOV_SECRET_KEY_FILE", "GRIDGOV_AUDIT_ANCHORS"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	if out, code := run(t, "migrate", "--data", dir); code != 0 {
		t.Fatalf("migrate: %s", out)
	}
	keyText, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if out, code := run(t, "backup", "--data", dir); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	backups, _ := os.ReadDir(filepath.Join(dir, "backups"))
	if len(backups) != 1 || !strings.HasSuffix(backups[0].Name(), ".db") {
		t.Fatalf("backups: %v", backups)
	}
	b, err := os.ReadFile(filepath.Join(dir, "backups", backups[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(keyText), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		rawKey, _ := hex.DecodeString(l)
		if len(rawKey) != 32 || bytes.Contains(b, []byte(l)) || bytes.Contains(b, rawKey) || bytes.Contains(bytes.ToLower(b), []byte(strings.ToLower(l))) {
			t.Fatalf("the backup holds the key %s…", l[:8])
		}
	}
	warn := func(cfg config.Config) []string {
		a, err := app.Open(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		return a.StorageWarnings()
	}
	cfg := config.Default()
	cfg.DataDir = dir
	if w := warn(cfg); len(w) != 2 || !strings.Contains(w[0], "secret key file") || !strings.Contains(w[1], "audit anchors") {
		t.Fatalf("warnings with everything in the data directory: %q", w)
	}

	// The key and the anchors on another disk: no key file appears in the
	// data directory, nothing to warn of.
	dir2, elsewhere := t.TempDir(), t.TempDir()
	keyFile := filepath.Join(elsewhere, "gridgov.key")
	if out, code := run(t, "migrate", "--data", dir2, "--key-file", keyFile); code != 0 {
		t.Fatalf("migrate with --key-file: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir2, "secret.key")); err == nil {
		t.Fatal("a key file was made in the data directory")
	}
	if _, err := os.Stat(keyFile); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GRIDGOV_SECRET_KEY_FILE", keyFile)
	t.Setenv("GRIDGOV_AUDIT_ANCHORS", filepath.Join(elsewhere, "anchors.log"))
	cfg = config.Default()
	cfg.DataDir = dir2
	if w := warn(cfg); len(w) != 0 {
		t.Fatalf("warnings with the key and anchors elsewhere: %q", w)
	}
	if out, _ := run(t, "config", "dump", "--data", dir2); !strings.Contains(out, "GRIDGOV_SECRET_KEY_FILE="+keyFile) || !strings.Contains(out, "GRIDGOV_AUDIT_ANCHORS="+filepath.Join(elsewhere, "anchors.log")) {
		t.Fatalf("config dump: %s", out)
	}
}
