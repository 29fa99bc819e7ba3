package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
)

// anchoredLog is a log of n rows on a fresh database whose anchors go to a
// file in a temporary directory, with an anchor written after the rows.
func anchoredLog(t *testing.T, n int) (*audit.Log, *db.DB) {
	t.Helper()
	d := dbtest.Open(t)
	l := audit.New([]byte("0123456789abcdef0123456789abcdef"))
	l.AnchorPath = filepath.Join(t.TempDir(), "anchors", "audit-anchors.log")
	appendRows(t, l, d, n)
	if err := l.WriteAnchor(context.Background(), d.Reader()); err != nil {
		t.Fatal(err)
	}
	return l, d
}

func appendRows(t *testing.T, l *audit.Log, d *db.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := l.RecordAlone(context.Background(), d, "", audit.Entry{Action: "org.update", ObjectType: "org", ObjectID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
}

// cutEnd deletes the rows after keep and sets audit_head to the new last
// row, as someone with the database but without the key can.
func cutEnd(t *testing.T, d *db.DB, keep int) {
	t.Helper()
	tamper(t, d, fmt.Sprintf("DELETE FROM audit_log WHERE seq > %d", keep))
	var hash string
	if keep > 0 {
		if err := d.Reader().QueryRowContext(context.Background(), "SELECT hash FROM audit_log WHERE seq = ?", keep).Scan(&hash); err != nil {
			t.Fatal(err)
		}
	}
	tamper(t, d, fmt.Sprintf("UPDATE audit_head SET seq = %d, hash = '%s' WHERE id = 1", keep, hash))
}

func verify(t *testing.T, l *audit.Log, d *db.DB) audit.VerifyResult {
	t.Helper()
	res, err := l.Verify(context.Background(), d.Reader())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAnchorsAreWrittenWhenTheLogGrew(t *testing.T) {
	l, d := anchoredLog(t, 3)
	ctx := context.Background()
	if err := l.WriteAnchor(ctx, d.Reader()); err != nil { // no new row: no new anchor
		t.Fatal(err)
	}
	appendRows(t, l, d, 2)
	if err := l.WriteAnchor(ctx, d.Reader()); err != nil {
		t.Fatal(err)
	}
	anchors, err := audit.ReadAnchorFile(l.AnchorPath)
	if err != nil || len(anchors) != 2 || anchors[0].Count != 3 || anchors[1].Count != 5 {
		t.Fatalf("anchors: %+v %v", anchors, err)
	}
	res := verify(t, l, d)
	if !res.OK || res.Anchors != 2 || res.LastAnchor == nil || res.LastAnchor.Count != 5 || res.Checked != 5 {
		t.Fatalf("verify with anchors: %+v", res)
	}
}

// Deleting the last rows and setting audit_head back needs no key: the chain
// alone says intact, the anchor says rolled back.
func TestVerifyFindsRollbackAgainstAnchor(t *testing.T) {
	l, d := anchoredLog(t, 10)
	cutEnd(t, d, 7)
	res, err := l.VerifyAnchored(context.Background(), d.Reader(), nil)
	if err != nil || !res.OK {
		t.Fatalf("without anchors the cut chain looks whole (the hole this closes): %+v %v", res, err)
	}
	res = verify(t, l, d)
	if res.OK || len(res.Problems) != 1 || res.Problems[0].Kind != audit.RolledBack || res.Problems[0].Rows != 7 || res.Problems[0].Anchor.Count != 10 {
		t.Fatalf("rolled back: %+v", res)
	}
	if msg := res.Problems[0].String(); !strings.Contains(msg, "the log has 7 rows") || !strings.Contains(msg, "recorded 10") {
		t.Fatalf("message: %s", msg)
	}
}

func TestVerifyFindsEmptiedLog(t *testing.T) {
	l, d := anchoredLog(t, 4)
	cutEnd(t, d, 0)
	res := verify(t, l, d)
	if res.OK || res.Checked != 0 || len(res.Problems) != 1 || res.Problems[0].Kind != audit.RolledBack || res.Problems[0].Rows != 0 {
		t.Fatalf("emptied: %+v", res)
	}
}

// Cutting the end off and letting the server write past the anchor again
// hides the rollback from a count: the row at the anchor's count is another.
func TestVerifyFindsEndWrittenAnew(t *testing.T) {
	l, d := anchoredLog(t, 6)
	cutEnd(t, d, 4)
	appendRows(t, l, d, 5)
	res := verify(t, l, d)
	if res.OK || len(res.Problems) != 1 || res.Problems[0].Kind != audit.Altered || res.Problems[0].Row != 6 {
		t.Fatalf("rewritten end: %+v", res)
	}
	if msg := res.Problems[0].String(); !strings.HasPrefix(msg, "altered: row 6 does not match the anchor of") {
		t.Fatalf("message: %s", msg)
	}
}

// A row changed in place breaks the chain at that row, anchors or not.
func TestVerifyFindsAlteredRowWithAnchors(t *testing.T) {
	l, d := anchoredLog(t, 5)
	tamper(t, d, "UPDATE audit_log SET detail = 'forged' WHERE seq = 2")
	res := verify(t, l, d)
	if res.OK || res.FirstBadSeq == nil || *res.FirstBadSeq != 2 || res.Reason != "altered row" {
		t.Fatalf("altered row: %+v", res)
	}
}

// An anchor line changed or made up without the key is reported, and a
// forged anchor cannot bless a rollback.
func TestVerifyReportsForgedAnchors(t *testing.T) {
	l, d := anchoredLog(t, 5)
	b, err := os.ReadFile(l.AnchorPath)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(b), "count=5 ", "count=3 ", 1) +
		audit.AnchorTag + " at=2026-01-01T00:00:00.000Z count=99 head=00 sig=00\n" +
		audit.AnchorTag + " at=yesterday\n"
	os.WriteFile(l.AnchorPath, []byte(string(b)+forged), 0o600)
	res := verify(t, l, d)
	var kinds []string
	for _, p := range res.Problems {
		kinds = append(kinds, p.Kind+"@"+filepath.Base(p.Anchor.Source))
	}
	want := "forged_anchor@audit-anchors.log:2 forged_anchor@audit-anchors.log:3 forged_anchor@audit-anchors.log:4"
	if res.OK || strings.Join(kinds, " ") != want || res.Anchors != 1 || res.Forged != 3 {
		t.Fatalf("forged anchors: %v %+v", kinds, res)
	}
}

// Anchors written to the server log are read back from an excerpt of it.
func TestAnchorsReadFromServerLog(t *testing.T) {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	l, d := anchoredLog(t, 3)
	slog.SetDefault(old)
	buf.WriteString("time=2026-12-06T10:00:00Z level=INFO msg=http path=/api/v1/me status=200\n")
	anchors, err := audit.ParseAnchors(&buf, "server.log")
	if err != nil || len(anchors) != 1 || anchors[0].Count != 3 {
		t.Fatalf("anchors from the log: %+v %v", anchors, err)
	}
	cutEnd(t, d, 1)
	res, err := l.VerifyAnchored(context.Background(), d.Reader(), anchors)
	if err != nil || res.OK || res.Problems[0].Kind != audit.RolledBack || res.Problems[0].Anchor.Source != "server.log:1" {
		t.Fatalf("rollback against the log: %+v %v", res, err)
	}
	// Anchors signed with another key are forgeries: ten are named, all counted.
	other := audit.New([]byte("another key"))
	many := make([]audit.Anchor, 25)
	for i := range many {
		many[i] = anchors[0]
	}
	if res, _ := other.VerifyAnchored(context.Background(), d.Reader(), many); res.OK || res.Problems[0].Kind != audit.ForgedAnchor ||
		res.Forged != 25 || len(res.Problems) != 10 {
		t.Fatalf("other key: %d problems, %d forged", len(res.Problems), res.Forged)
	}
}
