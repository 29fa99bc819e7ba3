// Package audit is gridgov's append-only, hash-chained audit log. Each row is
// written in the same transaction as the change it records, and carries an
// HMAC over its fields and the previous row's hash, keyed by the data key, so
// editing, deleting or inserting a row breaks the chain at that row.
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Results of an audited action.
const (
	Success = "success"
	Failure = "failure"
	Denied  = "denied"
)

// Entry is one audit row as the caller gives it; who, where and the request
// id are filled from the context when empty.
type Entry struct {
	Seq        int64  `json:"seq"`
	At         int64  `json:"at"`
	UserID     string `json:"user_id"`
	Username   string `json:"username"`
	Role       string `json:"role"`
	IP         string `json:"ip"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Result     string `json:"result"`
	RequestID  string `json:"request_id"`
	Detail     string `json:"detail"`
	// ObjectName and Summary are words for the audit page (Describe),
	// made when rows are read and not covered by the chain.
	ObjectName string `json:"object_name,omitempty"`
	Summary    string `json:"summary,omitempty"`
	prevHash   string
	hash       string
}

// Meta is what the HTTP layer knows of a request.
type Meta struct {
	RequestID string
	IP        string
}

type metaKey struct{}

// WithMeta returns ctx carrying the request's metadata.
func WithMeta(ctx context.Context, m Meta) context.Context {
	return context.WithValue(ctx, metaKey{}, m)
}

// MetaFrom returns the request metadata in ctx (zero outside a request).
func MetaFrom(ctx context.Context) Meta {
	m, _ := ctx.Value(metaKey{}).(Meta)
	return m
}

// Log appends audit rows.
type Log struct {
	key []byte
	// AnchorPath is the file this process appends anchors to, and the one
	// Verify reads when given no other (empty: anchors go to the log only).
	AnchorPath string

	anchorMu   sync.Mutex
	lastAnchor int64 // count of the last anchor this process wrote

	refusals refusals

	sumMu       sync.Mutex
	summarizers map[string]Summarizer
}

// New makes a Log whose chain is keyed by key.
func New(key []byte) *Log { return &Log{key: key} }

// Record appends e inside tx, which must be the transaction of the change.
// perm names the permission exercised, to fill the role column.
func (l *Log) Record(ctx context.Context, tx db.Querier, perm authz.Perm, e Entry) error {
	if p := authz.From(ctx); p != nil {
		if e.UserID == "" {
			e.UserID, e.Username = p.UserID, p.Username
		}
		if e.Role == "" {
			e.Role = p.RoleFor(perm)
		}
	}
	m := MetaFrom(ctx)
	if e.IP == "" {
		e.IP = m.IP
	}
	if e.RequestID == "" {
		e.RequestID = m.RequestID
	}
	if e.Result == "" {
		e.Result = Success
	}
	if e.Username == "" {
		e.Username = "-"
	}
	var seq int64
	var prev string
	err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.ForUpdate()).Scan(&seq, &prev)
	if err != nil {
		return err
	}
	e.Seq = seq + 1
	if e.At == 0 {
		e.At = db.Now()
	}
	e.prevHash = prev
	e.hash = l.sum(e)
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (seq, at, user_id, username, role, ip, action, object_type, object_id, result, request_id, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At, e.UserID, e.Username, e.Role, e.IP, e.Action, e.ObjectType, e.ObjectID, e.Result, e.RequestID, e.Detail, e.prevHash, e.hash); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.hash)
	return err
}

// RecordAlone appends e in a transaction of its own, for events with no
// other change (a failed login, a denied request, a read).
func (l *Log) RecordAlone(ctx context.Context, d *db.DB, perm authz.Perm, e Entry) error {
	return d.InTx(ctx, func(tx *db.Tx) error { return l.Record(ctx, tx, perm, e) })
}

func (l *Log) sum(e Entry) string {
	m := hmac.New(sha256.New, l.key)
	for _, f := range []string{strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At, 10), e.UserID, e.Username, e.Role, e.IP,
		e.Action, e.ObjectType, e.ObjectID, e.Result, e.RequestID, e.Detail, e.prevHash} {
		m.Write([]byte(strconv.Itoa(len(f))))
		m.Write([]byte{':'})
		m.Write([]byte(f))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyResult is the outcome of a chain check.
type VerifyResult struct {
	OK          bool   `json:"ok"`
	Checked     int64  `json:"checked"`
	FirstBadSeq *int64 `json:"first_bad_seq"`
	Reason      string `json:"reason,omitempty"`
	// Anchors is how many anchors with a good signature were compared;
	// LastAnchor is the latest of them.
	Anchors    int             `json:"anchors"`
	LastAnchor *Anchor         `json:"last_anchor,omitempty"`
	Problems   []AnchorProblem `json:"anchor_problems,omitempty"`
	// Forged counts the anchors whose signature is wrong; Problems names
	// the first ten of them.
	Forged int `json:"forged_anchors"`
}

// Verify checks the chain against the anchors of AnchorPath (none when it
// is empty or the file does not exist yet).
func (l *Log) Verify(ctx context.Context, q db.Querier) (VerifyResult, error) {
	var anchors []Anchor
	if l.AnchorPath != "" {
		a, err := ReadAnchorFile(l.AnchorPath)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return VerifyResult{}, err
		}
		anchors = a
	}
	return l.VerifyAnchored(ctx, q, anchors)
}

// VerifyAnchored walks the whole chain in order and reports the first row
// whose sequence, link or HMAC does not hold, and whether the head matches
// the end; then compares the log with the anchors: a forged anchor, fewer
// rows than an anchor recorded (rolled back), or another row at an anchor's
// count (altered: the end was cut off and written anew).
func (l *Log) VerifyAnchored(ctx context.Context, q db.Querier, anchors []Anchor) (VerifyResult, error) {
	var res VerifyResult
	good, probs, forged := l.checkAnchors(anchors)
	res.Problems, res.Anchors, res.Forged = probs, len(good), forged
	if len(good) > 0 {
		res.LastAnchor = &good[len(good)-1]
	}
	rows, err := q.QueryContext(ctx, `SELECT seq, at, user_id, username, role, ip, action, object_type, object_id, result, request_id, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return VerifyResult{}, err
	}
	defer rows.Close()
	next, altered := 0, false // next anchor to compare; whether one differed
	for next < len(good) && good[next].Count == 0 {
		next++
	}
	bad := func(seq int64, why string) (VerifyResult, error) {
		res.FirstBadSeq, res.Reason = &seq, why
		return res, nil
	}
	var want int64 = 1
	prev := ""
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.UserID, &e.Username, &e.Role, &e.IP, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.Result, &e.RequestID, &e.Detail, &e.prevHash, &e.hash); err != nil {
			return res, err
		}
		switch {
		case e.Seq != want:
			return bad(want, "missing row")
		case e.prevHash != prev:
			return bad(e.Seq, "broken link")
		case !hmac.Equal([]byte(e.hash), []byte(l.sum(e))):
			return bad(e.Seq, "altered row")
		}
		for ; next < len(good) && good[next].Count == e.Seq; next++ {
			if !altered && good[next].Head != e.hash {
				altered = true
				res.Problems = append(res.Problems, AnchorProblem{Kind: Altered, Anchor: good[next], Row: e.Seq})
			}
		}
		res.Checked++
		prev, want = e.hash, e.Seq+1
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return res, err
	}
	if headSeq != want-1 || headHash != prev {
		return bad(want, "rows removed from the end")
	}
	if n := len(good); n > 0 && good[n-1].Count > res.Checked {
		res.Problems = append(res.Problems, AnchorProblem{Kind: RolledBack, Anchor: good[n-1], Rows: res.Checked})
	}
	res.OK = len(res.Problems) == 0
	return res, nil
}

// Query filters the audit log for the audit administrator.
type Query struct {
	From, To   int64 // Unix ms, 0 = open
	Username   string
	Action     string // prefix match: "auth." finds every auth action
	Result     string
	ObjectType string
	ObjectID   string
	Before     int64 // cursor: rows with seq < Before
	Limit      int
}

// Search returns matching rows newest first, and the cursor of the next page
// (0 when there is none).
func (l *Log) Search(ctx context.Context, q db.Querier, f Query) ([]Entry, int64, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.From > 0 {
		add("at >= ?", f.From)
	}
	if f.To > 0 {
		add("at < ?", f.To)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.Action != "" {
		add("action LIKE ?", strings.ReplaceAll(f.Action, "%", "")+"%")
	}
	if f.Result != "" {
		add("result = ?", f.Result)
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	sqlq := "SELECT seq, at, user_id, username, role, ip, action, object_type, object_id, result, request_id, detail FROM audit_log"
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY seq DESC LIMIT " + strconv.Itoa(f.Limit+1)
	rows, err := q.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []Entry{}
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Seq, &e.At, &e.UserID, &e.Username, &e.Role, &e.IP, &e.Action, &e.ObjectType, &e.ObjectID, &e.Result, &e.RequestID, &e.Detail); err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	var next int64
	if len(out) > f.Limit {
		out = out[:f.Limit]
		next = out[len(out)-1].Seq
	}
	return out, next, rows.Err()
}
