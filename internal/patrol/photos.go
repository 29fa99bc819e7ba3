package patrol

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
)

// MaxPhotos is how many photos one check-in takes.
const MaxPhotos = 3

// PhotoBytes is the bytes of check-in photos userID stored since a time
// (a photo.Usage: the events count them in the one quota of each user).
func PhotoBytes(ctx context.Context, q photo.Querier, userID string, since int64) (int64, error) {
	var used int64
	err := q.QueryRowContext(ctx, "SELECT COALESCE(sum(size), 0) FROM patrol_photos WHERE created_by = ? AND created_at >= ?", userID, since).Scan(&used)
	return used, err
}

func (s *Service) photoQuota() int64 {
	if s.PhotoQuota > 0 {
		return s.PhotoQuota
	}
	return photo.DefaultQuota
}

// photoUsage is the bytes of photos the user stored in the quota window:
// the check-ins' and the other rooms' (the events').
func (s *Service) photoUsage(ctx context.Context, q db.Querier, userID string) (int64, error) {
	since := s.Now().Add(-photo.QuotaWindow).UnixMilli()
	used, err := PhotoBytes(ctx, q, userID, since)
	if err != nil || s.OtherPhotos == nil {
		return used, err
	}
	other, err := s.OtherPhotos(ctx, q, userID, since)
	return used + other, err
}

// AddPhoto attaches a photo to a check-in of the caller's own patrol,
// through the events' photo pipeline (a real JPEG or PNG, re-encoded so
// no EXIF or GPS block survives, reduced to photo.MaxSide) and within the
// caller's photo quota. photoID, when given, is the phone's id of the
// photo (a UUID): the phone's queue sending it again gets the same answer
// and stores nothing twice. It returns the photo's id.
func (s *Service) AddPhoto(ctx context.Context, patrolID, pointID, photoID string, data []byte) (string, error) {
	if photoID != "" && !uuidPattern.MatchString(photoID) {
		return "", apperr.Refuse("id", "patrol.id_invalid")
	}
	q := s.db.Reader()
	p, err := ownPatrol(ctx, q, patrolID)
	if err != nil {
		return "", err
	}
	if err := pointOf(ctx, q, p.ID, pointID); err != nil {
		return "", err
	}
	if photoID != "" {
		if done, err := s.samePhoto(ctx, q, photoID, pointID); done || err != nil {
			return photoID, err
		}
	}
	if _, err := photo.Check(data); err != nil {
		return "", err
	}
	who := authz.From(ctx)
	quota := s.photoQuota()
	used, err := s.photoUsage(ctx, q, who.UserID)
	if err != nil {
		return "", err
	}
	if used >= quota {
		return "", photo.QuotaError(used, quota)
	}
	clean, ct, err := photo.Clean(ctx, data)
	if err != nil {
		return "", err
	}
	id := photoID
	if id == "" {
		id = db.NewID()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// The user's row locked, counted again: two uploads at once cannot
		// both take the last of the quota, nor the last place of a check-in.
		if _, err := account.LockUser(ctx, tx, who.UserID); err != nil {
			return err
		}
		if err := pointOf(ctx, tx, p.ID, pointID); err != nil {
			return err // deleted by the retention meanwhile
		}
		if photoID != "" {
			if done, err := s.samePhoto(ctx, tx, photoID, pointID); done || err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM patrol_photos WHERE point_id = ?", pointID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPhotos {
			return apperr.Refuse("file", "patrol.photos_max", "max", MaxPhotos)
		}
		used, err := s.photoUsage(ctx, tx, who.UserID)
		if err != nil {
			return err
		}
		if used+int64(len(clean)) > quota {
			return photo.QuotaError(used, quota)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_photos (id, patrol_id, point_id, content_type, size, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, p.ID, pointID, ct, len(clean), clean, who.UserID, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE patrols SET version = version + 1, updated_at = ? WHERE id = ?", s.now(), p.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkDo, "patrol.photo", "patrol", p.ID, "")
	})
	return id, err
}

// pointOf checks that pointID is a check-in of patrol patrolID.
func pointOf(ctx context.Context, q db.Querier, patrolID, pointID string) error {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM patrol_points WHERE id = ? AND patrol_id = ?", pointID, patrolID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf("checkin")
	}
	return err
}

// samePhoto tells whether the phone's photo id is stored already for this
// check-in (a resend); the id of another photo is refused.
func (s *Service) samePhoto(ctx context.Context, q db.Querier, photoID, pointID string) (bool, error) {
	var point string
	err := q.QueryRowContext(ctx, "SELECT point_id FROM patrol_photos WHERE id = ?", photoID).Scan(&point)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	case point != pointID:
		return false, apperr.Refuse("id", "patrol.id_invalid")
	}
	return true, nil
}

// Photo returns a photo of a check-in to those who may see its patrol:
// the member who walked it, and holders of gridwork.read over its area
// (that read is audited). An unknown photo and one the caller may not see
// get the same answer.
func (s *Service) Photo(ctx context.Context, patrolID, photoID string) ([]byte, string, error) {
	var data []byte
	var ct, path, owner string
	err := s.db.Reader().QueryRowContext(ctx, `SELECT ph.data, ph.content_type, p.path, COALESCE(p.user_id, '')
		FROM patrol_photos ph JOIN patrols p ON p.id = ph.patrol_id WHERE ph.id = ? AND ph.patrol_id = ?`, photoID, patrolID).Scan(&data, &ct, &path, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFoundf("photo")
	}
	if err != nil {
		return nil, "", err
	}
	who := authz.From(ctx)
	if owner != who.UserID {
		if !who.Covers(authz.GridworkRead, path) {
			return nil, "", apperr.NotFoundf("photo")
		}
		if err := s.audit.RecordAlone(ctx, s.db, authz.GridworkRead, audit.Entry{Action: "patrol.photo_view", ObjectType: "patrol", ObjectID: patrolID, Detail: photoID}); err != nil {
			return nil, "", err
		}
	}
	return data, ct, nil
}

// photoIDs are the photos of a patrol's check-ins, by check-in.
func photoIDs(ctx context.Context, q db.Querier, patrolID string) (map[string][]string, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, point_id FROM patrol_photos WHERE patrol_id = ? ORDER BY created_at, id", patrolID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var id, point string
		if err := rows.Scan(&id, &point); err != nil {
			return nil, err
		}
		out[point] = append(out[point], id)
	}
	return out, rows.Err()
}

// photoID is the answer to an upload.
type photoID = struct {
	ID string `json:"id"`
}

func (s *Service) uploadPhoto(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, photo.MaxBytes+64<<10)
	f, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.Field("file", "media.too_large", "max", photo.MaxBytes)
		}
		return apperr.Field("file", "validation.required")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, photo.MaxBytes+1))
	if err != nil || len(data) > photo.MaxBytes {
		return apperr.Field("file", "media.too_large", "max", photo.MaxBytes)
	}
	id, err := s.AddPhoto(r.Context(), r.PathValue("id"), r.PathValue("point"), r.FormValue("id"), data)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, photoID{id})
	return nil
}

func (s *Service) servePhoto(w http.ResponseWriter, r *http.Request) error {
	data, ct, err := s.Photo(r.Context(), r.PathValue("id"), r.PathValue("photo"))
	return photo.Write(w, data, ct, err, false)
}
