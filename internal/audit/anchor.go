package audit

// The chain shows that no row inside it was changed, but not that its end is
// still there: deleting the last rows and setting audit_head back needs no
// key. Anchors close that door. An anchor is a signed checkpoint (time, row
// count, head hash) kept outside the database — appended to a file and
// written to the server log — so Verify can tell a log that is shorter than
// it once was, or whose end was cut off and written anew.

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/db"
)

// AnchorTag starts every anchor, in the anchor file and in the server log.
const AnchorTag = "audit-anchor/v1"

const anchorTime = "2006-01-02T15:04:05.000Z07:00"

// Anchor is a signed checkpoint of the chain: at At the log had Count rows
// and its last row's hash was Head.
type Anchor struct {
	At     time.Time `json:"at"`
	Count  int64     `json:"count"`
	Head   string    `json:"head"`
	Sig    string    `json:"-"`
	Source string    `json:"source,omitempty"` // file:line it was read from
}

// String is the anchor's line: "audit-anchor/v1 at=… count=… head=… sig=…".
func (a Anchor) String() string {
	return fmt.Sprintf("%s at=%s count=%d head=%s sig=%s", AnchorTag, a.At.UTC().Format(anchorTime), a.Count, a.Head, a.Sig)
}

// anchorSig signs an anchor with a key derived from the chain's key, so
// only a holder of the secret key can make one.
func (l *Log) anchorSig(a Anchor) string {
	k := hmac.New(sha256.New, l.key)
	k.Write([]byte("gridgov/audit-anchor"))
	m := hmac.New(sha256.New, k.Sum(nil))
	fmt.Fprintf(m, "%s|%d|%d|%s", AnchorTag, a.At.UnixMilli(), a.Count, a.Head)
	return hex.EncodeToString(m.Sum(nil))
}

// Checkpoint returns a signed anchor of the chain's head now.
func (l *Log) Checkpoint(ctx context.Context, q db.Querier) (Anchor, error) {
	a := Anchor{At: time.UnixMilli(db.Now()).UTC()}
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&a.Count, &a.Head); err != nil {
		return a, err
	}
	a.Sig = l.anchorSig(a)
	return a, nil
}

// WriteAnchor appends a checkpoint to the anchor file (AnchorPath) and to the
// server log, when the log grew since this process wrote its last one.
func (l *Log) WriteAnchor(ctx context.Context, q db.Querier) error {
	l.anchorMu.Lock()
	defer l.anchorMu.Unlock()
	a, err := l.Checkpoint(ctx, q)
	if err != nil || a.Count == 0 || a.Count == l.lastAnchor {
		return err
	}
	line := a.String()
	// The log line first: a log collector keeps it even when the disk fails.
	// It is written whatever the log level, as the log is one of its homes.
	rec := slog.NewRecord(time.Now(), slog.LevelInfo, "audit anchor", 0)
	rec.AddAttrs(slog.String("anchor", line))
	slog.Default().Handler().Handle(ctx, rec)
	if l.AnchorPath != "" {
		if err := appendLine(l.AnchorPath, line); err != nil {
			return fmt.Errorf("audit anchor: %w", err)
		}
	}
	l.lastAnchor = a.Count
	return nil
}

func appendLine(path, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ParseAnchors reads the anchors in r: lines of an anchor file, or any text
// holding anchor lines (an excerpt of the server log). A line that carries
// the tag but cannot be read is kept with no signature, so Verify reports it.
func ParseAnchors(r io.Reader, source string) ([]Anchor, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var out []Anchor
	for n := 1; sc.Scan(); n++ {
		_, rest, ok := strings.Cut(sc.Text(), AnchorTag+" ")
		if !ok {
			continue
		}
		// In a log line the anchor is a quoted value: it ends at the quote.
		rest, _, _ = strings.Cut(rest, `"`)
		out = append(out, parseAnchor(rest, fmt.Sprintf("%s:%d", source, n)))
	}
	return out, sc.Err()
}

func parseAnchor(s, source string) Anchor {
	a := Anchor{Source: source}
	f := map[string]string{}
	for _, kv := range strings.Fields(s) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			f[k] = v
		}
	}
	at, err1 := time.Parse(anchorTime, f["at"])
	count, err2 := strconv.ParseInt(f["count"], 10, 64)
	if err1 != nil || err2 != nil || count < 0 {
		return a
	}
	a.At, a.Count, a.Head, a.Sig = at.UTC(), count, f["head"], f["sig"]
	return a
}

// ReadAnchorFile reads the anchors of a file.
func ReadAnchorFile(path string) ([]Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseAnchors(f, path)
}

// What Verify finds when the log disagrees with its anchors.
const (
	ForgedAnchor = "forged_anchor" // the anchor's signature is wrong
	RolledBack   = "rolled_back"   // the log has fewer rows than an anchor recorded
	Altered      = "altered"       // the row at an anchor's count is not the one anchored
)

// AnchorProblem is one disagreement between the log and an anchor.
type AnchorProblem struct {
	Kind   string `json:"kind"`
	Anchor Anchor `json:"anchor"`
	Rows   int64  `json:"rows,omitempty"` // rolled_back: rows in the log now
	Row    int64  `json:"row,omitempty"`  // altered: the row that does not match
}

// String says what the problem shows, for the operator.
func (p AnchorProblem) String() string {
	at := p.Anchor.At.UTC().Format(time.RFC3339)
	switch p.Kind {
	case RolledBack:
		return fmt.Sprintf("rolled back: the log has %d rows, the anchor of %s (%s) recorded %d", p.Rows, at, p.Anchor.Source, p.Anchor.Count)
	case Altered:
		return fmt.Sprintf("altered: row %d does not match the anchor of %s (%s)", p.Row, at, p.Anchor.Source)
	}
	return fmt.Sprintf("forged anchor at %s: its signature is wrong", p.Anchor.Source)
}

// maxForgedShown is how many forged anchors a result names; the rest are
// counted (a file of another deployment would list every line).
const maxForgedShown = 10

// checkAnchors splits anchors into those whose signature holds, sorted by
// count, and problems for the others; forged counts them all.
func (l *Log) checkAnchors(anchors []Anchor) (good []Anchor, probs []AnchorProblem, forged int) {
	for _, a := range anchors {
		if a.Sig != "" && hmac.Equal([]byte(a.Sig), []byte(l.anchorSig(a))) {
			good = append(good, a)
			continue
		}
		if forged++; forged <= maxForgedShown {
			probs = append(probs, AnchorProblem{Kind: ForgedAnchor, Anchor: a})
		}
	}
	sort.SliceStable(good, func(i, j int) bool { return good[i].Count < good[j].Count })
	return good, probs, forged
}
