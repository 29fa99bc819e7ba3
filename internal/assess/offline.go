package assess

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// MaxOffline is the most points one offline entry may add or take.
const MaxOffline = 50

// maxReason is the longest reason, in characters.
const maxReason = 500

// OfflineInput enters offline points (线下考核) for a member's month.
type OfflineInput struct {
	WorkerID string   `json:"worker_id"`
	Month    string   `json:"month"`
	Points   *float64 `json:"points"`
	Reason   string   `json:"reason"`
}

// Offline is an entered offline score.
type Offline struct {
	ID         string  `json:"id"`
	WorkerID   string  `json:"worker_id"`
	WorkerName string  `json:"worker_name"`
	Month      string  `json:"month"`
	Points     float64 `json:"points"`
	Reason     string  `json:"reason"`
	ByName     string  `json:"by_name"`
	At         int64   `json:"at"`
}

// AddOffline records offline points for a member of the caller's
// assess.write area: points between −50 and +50 with at most two
// decimals, and a reason (required, sealed: it speaks of a person).
// A closed month takes none. Audited.
func (s *Service) AddOffline(ctx context.Context, in OfflineInput) (Offline, error) {
	var f apperr.Fields
	in.Reason = strings.TrimSpace(in.Reason)
	if in.WorkerID == "" {
		f.Add("worker_id", "assess.required")
	}
	sp, err := spanOf("month", "", in.Month, s.Now())
	if in.Month == "" {
		f.Add("month", "assess.required")
	} else if err != nil {
		f.Add("month", "assess.month_format")
	}
	var x100 int64
	switch {
	case in.Points == nil:
		f.Add("points", "assess.required")
	case math.IsNaN(*in.Points) || math.Abs(*in.Points) > MaxOffline || *in.Points == 0:
		f.Add("points", "assess.points_range", "max", MaxOffline)
	case math.Abs(*in.Points*100-math.Round(*in.Points*100)) > 1e-6:
		f.Add("points", "assess.points_decimals")
	default:
		x100 = int64(math.Round(*in.Points * 100))
	}
	if in.Reason == "" {
		f.Add("reason", "assess.reason_required")
	} else if utf8.RuneCountInString(in.Reason) > maxReason {
		f.Add("reason", "assess.too_long", "max", maxReason)
	}
	if err := f.Refuse(); err != nil {
		return Offline{}, err
	}
	if sp.From > s.now() {
		return Offline{}, apperr.Refuse("month", "assess.month_future")
	}
	p := authz.From(ctx)
	out := Offline{ID: db.NewID(), WorkerID: in.WorkerID, Month: sp.Label, Points: points(x100), Reason: in.Reason, ByName: byName(p), At: s.now()}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		w, err := org.WorkerByID(ctx, tx, in.WorkerID)
		if err != nil || !p.Covers(authz.AssessWrite, w.Path) {
			return apperr.Refuse("worker_id", "assess.worker_unknown")
		}
		if w.Status != "active" {
			return apperr.Refuse("worker_id", "assess.worker_left")
		}
		closed, err := s.monthClosed(ctx, tx, w.Path, sp.Label)
		if err != nil {
			return err
		}
		if closed {
			return apperr.E(apperr.Conflict, "assess.month_closed")
		}
		out.WorkerName = w.Name
		if _, err := tx.ExecContext(ctx, `INSERT INTO assess_offline (id, worker_id, path, month, points_x100, reason_sealed, by_id, by_name, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, out.ID, w.ID, w.Path, sp.Label, x100, s.vault.Seal("assess_offline.reason", out.ID, in.Reason),
			p.UserID, out.ByName, out.At); err != nil {
			return err
		}
		return s.record(ctx, tx, "offline", "worker", w.ID, sp.Label+" "+fmtPoints(x100))
	})
	return out, err
}

// OfflineList returns the offline scores of an area's month, newest first.
func (s *Service) OfflineList(ctx context.Context, orgID, month string) ([]Offline, error) {
	sp, err := spanOf("month", "", month, s.Now())
	if err != nil {
		return nil, err
	}
	_, path, err := s.area(ctx, authz.AssessRead, orgID)
	if err != nil {
		return nil, err
	}
	q := s.db.Reader()
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, `SELECT id, worker_id, month, points_x100, reason_sealed, by_name, at FROM assess_offline
		WHERE month = ? AND `+under+` ORDER BY at DESC, id`, append([]any{sp.Label}, args...)...)
	if err != nil {
		return nil, err
	}
	out := []Offline{}
	for rows.Next() {
		var o Offline
		var x100 int64
		var sealed string
		if err := rows.Scan(&o.ID, &o.WorkerID, &o.Month, &x100, &sealed, &o.ByName, &o.At); err != nil {
			rows.Close()
			return nil, err
		}
		o.Points = points(x100)
		if o.Reason, err = s.vault.Open("assess_offline.reason", o.ID, sealed); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	names := map[string]string{}
	for i := range out {
		n, ok := names[out[i].WorkerID]
		if !ok {
			w, _ := org.WorkerByID(ctx, q, out[i].WorkerID)
			n = w.Name
			names[out[i].WorkerID] = n
		}
		out[i].WorkerName = n
	}
	return out, nil
}
