package casework

import (
	"context"
	"database/sql"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Message is one entry of a user's in-app inbox.
type Message struct {
	ID        string `json:"id"`
	EventID   string `json:"event_id"`
	EventNo   string `json:"event_no"`
	Kind      string `json:"kind"`
	Text      string `json:"text"`
	CreatedAt int64  `json:"created_at"`
	ReadAt    *int64 `json:"read_at"`
}

// Inbox returns the caller's latest messages, unread only when asked.
func (s *Service) Inbox(ctx context.Context, unread bool) ([]Message, error) {
	q := `SELECT i.id, COALESCE(i.event_id, ''), COALESCE(e.no, ''), i.kind, i.text, i.created_at, i.read_at
		FROM inbox i LEFT JOIN events e ON e.id = i.event_id WHERE i.user_id = ?`
	if unread {
		q += " AND i.read_at IS NULL"
	}
	rows, err := s.db.Reader().QueryContext(ctx, q+" ORDER BY i.created_at DESC, i.id DESC LIMIT 100", authz.From(ctx).UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var read sql.NullInt64
		if err := rows.Scan(&m.ID, &m.EventID, &m.EventNo, &m.Kind, &m.Text, &m.CreatedAt, &read); err != nil {
			return nil, err
		}
		m.ReadAt = ptr(read)
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarkRead marks one of the caller's messages read.
func (s *Service) MarkRead(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE inbox SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", db.Now(), id, authz.From(ctx).UserID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			tx.QueryRowContext(ctx, "SELECT count(*) FROM inbox WHERE id = ? AND user_id = ?", id, authz.From(ctx).UserID).Scan(&exists)
			if exists == 0 {
				return apperr.NotFoundf("message")
			}
		}
		return nil
	})
}
