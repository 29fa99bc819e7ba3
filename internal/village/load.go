package village

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// LoadScore is a past score written by LoadScores.
type LoadScore struct {
	HouseholdID string
	ItemID      string
	On          string // YYYY-MM-DD
	Evidence    string
	Detail      string
	Photo       []byte // a JPEG, for evidence "photo"
}

// LoadScores writes past scores of village orgID under its sheet in force
// in one transaction (the demo's year, an import): each takes its item's
// points. The caller has checked the rows; the months must not be
// published yet.
func (s *Service) LoadScores(ctx context.Context, orgID string, rows []LoadScore) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		path, err := villagePath(ctx, tx, authz.VillageScore, orgID, "org_id")
		if err != nil {
			return err
		}
		now := db.Now()
		uid := authz.From(ctx).UserID
		for _, r := range rows {
			id := db.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO village_scores (id, org_id, path, household_id, sheet_id, item_id, month, on_day, points, veto,
				evidence, detail_sealed, status, user_id, created_at)
				SELECT ?, ?, ?, ?, i.sheet_id, i.id, ?, ?, i.points, CASE WHEN i.kind = 'veto' THEN 1 ELSE 0 END, ?, ?, 'counted', ?, ?
				FROM village_sheet_items i WHERE i.id = ?`,
				id, orgID, path, r.HouseholdID, r.On[:7], r.On, r.Evidence, s.vault.Seal("village.detail", id, strings.TrimSpace(r.Detail)), uid, now, r.ItemID); err != nil {
				return err
			}
			if r.Photo != nil {
				pid := db.NewID()
				if _, err := tx.ExecContext(ctx, `INSERT INTO village_score_photos (id, score_id, seq, content_type, size, data_sealed, created_at)
					VALUES (?, ?, 1, 'image/jpeg', ?, ?, ?)`, pid, id, len(r.Photo), s.vault.Seal("village.photo", pid, base64.StdEncoding.EncodeToString(r.Photo)), now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
