package safety

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/i18n"
)

// Bulletin states. A month without a stored bulletin shows as a draft with
// no comments.
const (
	BulletinDraft  = "draft"
	BulletinIssued = "issued"
)

// Bulletin is the monthly bulletin (月通报) of a root's month: the month's
// ranking of counties and towns with their lights, the root's index over
// the year before, and the committee's comments; numbered when issued.
type Bulletin struct {
	RootID    string  `json:"root_id"`
	RootName  string  `json:"root_name"`
	Month     string  `json:"month"`
	Status    string  `json:"status"` // draft, issued
	Year      int     `json:"year"`   // of the number, once issued
	Seq       int     `json:"seq"`    // 第 seq 期
	Comments  string  `json:"comments"`
	Version   int     `json:"version"`
	IssuedAt  *int64  `json:"issued_at"`
	Ranking   Month   `json:"ranking"`
	Trend     []Point `json:"trend"` // the root's index, the twelve months up to this one
	CanManage bool    `json:"can_manage"`
}

// Point is an area's index in a month.
type Point struct {
	Month string  `json:"month"`
	Score float64 `json:"score"`
}

// BulletinRef is an issued bulletin as the archive lists it.
type BulletinRef struct {
	Month    string `json:"month"`
	Year     int    `json:"year"`
	Seq      int    `json:"seq"`
	IssuedAt int64  `json:"issued_at"`
}

// BulletinInput is the committee's comments on a month, edited from
// version (0 before any was saved).
type BulletinInput struct {
	Version  int    `json:"version"`
	Comments string `json:"comments"`
}

// notifier sends inbox messages (casework's inbox).
type notifier interface {
	Notify(ctx context.Context, tx *db.Tx, users []string, kind, text string) error
}

// bulletinRoot checks the caller may read the root's bulletins and
// returns the root's path: the committee (safety.read over the root), and —
// for an issued one — the readers of the towns under it, to whom it is
// sent.
func bulletinRoot(ctx context.Context, q db.Querier, rootID string, issued func() (bool, error)) (string, error) {
	path, under, err := rootOrBelow(ctx, q, rootID, authz.SafetyRead)
	if err != nil || !under {
		return path, err
	}
	ok, err := issued()
	if err == nil && !ok {
		err = apperr.NotFoundf("org") // a draft: as if the root were out of reach
	}
	if err != nil {
		return "", err
	}
	return path, nil
}

// Bulletin returns the month's bulletin: the month must have been computed.
func (s *Service) Bulletin(ctx context.Context, rootID, month string) (Bulletin, error) {
	q := s.db.Reader()
	if _, _, err := monthRange(month); err != nil {
		return Bulletin{}, err
	}
	b := Bulletin{RootID: rootID, Month: month, Status: BulletinDraft}
	var year, seq *int
	read := func() (bool, error) {
		err := q.QueryRowContext(ctx, "SELECT status, comments, version, year, seq, issued_at FROM safety_bulletins WHERE root_id = ? AND month = ?", rootID, month).
			Scan(&b.Status, &b.Comments, &b.Version, &year, &seq, &b.IssuedAt)
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
		return b.Status == BulletinIssued, err
	}
	path, err := bulletinRoot(ctx, q, rootID, read)
	if err != nil {
		return b, err
	}
	if _, err := read(); err != nil {
		return b, err
	}
	if year != nil {
		b.Year, b.Seq = *year, *seq
	}
	if b.Ranking, err = ranking(ctx, q, rootID, month, ""); err != nil {
		return b, err
	}
	b.RootName = b.Ranking.RootName
	b.CanManage = authz.From(ctx).Covers(authz.SafetyWrite, path)
	b.Trend, err = trend(ctx, q, b.Ranking.ID, rootID)
	return b, err
}

// SaveBulletin saves the committee's comments on a month's bulletin, until
// it is issued. Audited.
func (s *Service) SaveBulletin(ctx context.Context, rootID, month string, in BulletinInput) (Bulletin, error) {
	if _, _, err := monthRange(month); err != nil {
		return Bulletin{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := rootPath(ctx, tx, authz.SafetyWrite, rootID); err != nil {
			return err
		}
		if _, _, err := monthHead(ctx, tx, rootID, month); err != nil {
			return err
		}
		in.Comments = strings.TrimSpace(in.Comments)
		if n := len([]rune(in.Comments)); n > 4000 {
			return apperr.Field("comments", "validation.length", "min", 0, "max", 4000)
		}
		var id, status string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT id, status, version FROM safety_bulletins WHERE root_id = ? AND month = ?", rootID, month).Scan(&id, &status, &version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case status == BulletinIssued:
			return apperr.E(apperr.Conflict, "safety.bulletin_issued", "month", month)
		case in.Version != version:
			return apperr.E(apperr.Conflict, "safety.bulletin_changed", "version", version)
		}
		now, uid := db.Now(), authz.From(ctx).UserID
		if id == "" {
			id = db.NewID()
			_, err = tx.ExecContext(ctx, `INSERT INTO safety_bulletins (id, root_id, month, comments, status, updated_at, updated_by, version)
				VALUES (?, ?, ?, ?, ?, ?, ?, 1)`, id, rootID, month, in.Comments, BulletinDraft, now, uid)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE safety_bulletins SET comments = ?, updated_at = ?, updated_by = ?, version = version + 1 WHERE id = ?", in.Comments, now, uid, id)
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.bulletin.save", "safety_bulletin", id, month)
	})
	if err != nil {
		return Bulletin{}, err
	}
	return s.Bulletin(ctx, rootID, month)
}

// IssueBulletin issues a published month's bulletin: it takes the next
// number of its year, is sent to the inbox of everyone who reads the index
// of the root or of an area under it, and stays as issued. Issuing again
// changes nothing. Audited.
func (s *Service) IssueBulletin(ctx context.Context, rootID, month string) (Bulletin, error) {
	from, _, err := monthRange(month)
	if err != nil {
		return Bulletin{}, err
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := rootPath(ctx, tx, authz.SafetyWrite, rootID)
		if err != nil {
			return err
		}
		m, _, err := monthHead(ctx, tx, rootID, month)
		if err != nil {
			return err
		}
		if m.Status != Published {
			return apperr.E(apperr.Conflict, "safety.bulletin_unpublished", "month", month)
		}
		var id, status string
		err = tx.QueryRowContext(ctx, "SELECT id, status FROM safety_bulletins WHERE root_id = ? AND month = ?", rootID, month).Scan(&id, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if status == BulletinIssued {
			return nil
		}
		year := from.Year()
		var seq int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) + 1 FROM safety_bulletins WHERE root_id = ? AND year = ?", rootID, year).Scan(&seq); err != nil {
			return err
		}
		now, uid := db.Now(), authz.From(ctx).UserID
		if id == "" {
			id = db.NewID()
			_, err = tx.ExecContext(ctx, `INSERT INTO safety_bulletins (id, root_id, month, comments, status, year, seq, issued_at, issued_by, updated_at, updated_by, version)
				VALUES (?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, 1)`, id, rootID, month, BulletinIssued, year, seq, now, uid, now, uid)
		} else {
			_, err = tx.ExecContext(ctx, "UPDATE safety_bulletins SET status = ?, year = ?, seq = ?, issued_at = ?, issued_by = ?, version = version + 1 WHERE id = ?",
				BulletinIssued, year, seq, now, uid, id)
		}
		if err != nil {
			return err
		}
		if s.Notices != nil {
			holders, args := authz.HoldersAtOrUnder(authz.SafetyRead, path)
			users, err := db.Strings(ctx, tx, holders, args...)
			if err != nil {
				return err
			}
			text := i18n.T(i18n.Default, "notice.safety_bulletin", map[string]any{"year": year, "seq": seq, "month": month, "root": m.RootName})
			if err := s.Notices.Notify(ctx, tx, users, "safety_bulletin", text); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.SafetyWrite, "safety.bulletin.issue", "safety_bulletin", id, fmt.Sprintf("%s, %d年第%d期", month, year, seq))
	})
	if err != nil {
		return Bulletin{}, err
	}
	return s.Bulletin(ctx, rootID, month)
}

// Bulletins lists the root's issued bulletins, newest first: the archive.
func (s *Service) Bulletins(ctx context.Context, rootID string) ([]BulletinRef, error) {
	q := s.db.Reader()
	if _, err := bulletinRoot(ctx, q, rootID, func() (bool, error) { return true, nil }); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT month, year, seq, issued_at FROM safety_bulletins WHERE root_id = ? AND status = ? ORDER BY month DESC", rootID, BulletinIssued)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BulletinRef{}
	for rows.Next() {
		var b BulletinRef
		if err := rows.Scan(&b.Month, &b.Year, &b.Seq, &b.IssuedAt); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
