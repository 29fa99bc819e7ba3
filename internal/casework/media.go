package casework

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework/photo"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Photo limits (see package photo), and the quota of each user.
const (
	MaxPhotoBytes = photo.MaxBytes
	MaxPhotoSide  = photo.MaxSide
	// DefaultPhotoQuota is how many bytes of photos one user may store in
	// PhotoQuotaWindow when the service sets no quota of its own.
	DefaultPhotoQuota = photo.DefaultQuota
	// PhotoQuotaWindow is the period a user's quota counts.
	PhotoQuotaWindow = photo.QuotaWindow
)

var mediaKinds = []string{"before", "after", "handling"}

// photoQuota is the bytes of photos a user may store in PhotoQuotaWindow.
func (s *Service) photoQuota() int64 {
	if s.PhotoQuota > 0 {
		return s.PhotoQuota
	}
	return DefaultPhotoQuota
}

// photoUsage is the bytes of photos the user stored in the quota window:
// the events' and those of the other rooms (OtherPhotos).
func (s *Service) photoUsage(ctx context.Context, q db.Querier, userID string) (int64, error) {
	since := s.Now().Add(-PhotoQuotaWindow).UnixMilli()
	used, err := EventPhotoBytes(ctx, q, userID, since)
	if err != nil || s.OtherPhotos == nil {
		return used, err
	}
	other, err := s.OtherPhotos(ctx, q, userID, since)
	return used + other, err
}

// EventPhotoBytes is the bytes of event photos userID stored since a time
// (a photo.Usage, for the other rooms' share of the quota).
func EventPhotoBytes(ctx context.Context, q photo.Querier, userID string, since int64) (int64, error) {
	var used int64
	err := q.QueryRowContext(ctx, "SELECT COALESCE(sum(size), 0) FROM event_media WHERE created_by = ? AND created_at >= ?", userID, since).Scan(&used)
	return used, err
}

// quotaError says how much the user has stored and may store, in MB.
func quotaError(used, quota int64) error { return photo.QuotaError(used, quota) }

// AddMedia attaches a photo to an event the caller may act on, to its
// latest timeline step. The caller's rights and photo quota are checked
// before the photo is decoded.
func (s *Service) AddMedia(ctx context.Context, eventID, kind string, data []byte) (string, error) {
	if !slices.Contains(mediaKinds, kind) {
		return "", apperr.Field("kind", "validation.one_of", "values", "before, after, handling")
	}
	e, err := s.get(ctx, eventID)
	if err != nil {
		return "", err
	}
	if ok, err := s.visible(ctx, s.db.Reader(), e); err != nil || !ok {
		return "", errors.Join(err, apperr.NotFoundf("event"))
	}
	p := authz.From(ctx)
	// The reporter, reporters and checkers over the event's area, handlers
	// for their unit (as for the event's actions).
	if e.ReporterID != p.UserID && !p.Covers(authz.EventReport, e.path) && !p.Has(authz.EventHandle) && !p.Covers(authz.EventCheck, e.path) {
		return "", apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.EventHandle)
	}
	if _, err := photo.Check(data); err != nil {
		return "", err
	}
	quota := s.photoQuota()
	used, err := s.photoUsage(ctx, s.db.Reader(), p.UserID)
	if err != nil {
		return "", err
	}
	if used >= quota {
		return "", quotaError(used, quota)
	}
	clean, ct, err := photo.Clean(ctx, data)
	if err != nil {
		return "", err
	}
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Counted again in the transaction, the user's row locked so that two
		// uploads at once cannot both take the last of the quota (SQLite
		// has one writer anyway): the photo must fit whole. Callers made
		// in code, such as the tools, may have no row.
		if _, err := account.LockUser(ctx, tx, p.UserID); err != nil {
			return err
		}
		used, err := s.photoUsage(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		if used+int64(len(clean)) > quota {
			return quotaError(used, quota)
		}
		var seq int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) FROM event_log WHERE event_id = ?", eventID).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_media (id, event_id, log_seq, kind, content_type, size, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, eventID, seq, kind, ct, len(clean), clean, p.UserID, s.Now().UnixMilli()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventReport, audit.Entry{Action: "event.media", ObjectType: "event", ObjectID: eventID, Detail: kind})
	})
	return id, err
}

// Media returns a photo of an event the caller may see.
func (s *Service) Media(ctx context.Context, eventID, mediaID string) ([]byte, string, error) {
	e, err := s.get(ctx, eventID)
	if err != nil {
		return nil, "", err
	}
	if ok, err := s.visible(ctx, s.db.Reader(), e); err != nil || !ok {
		return nil, "", errors.Join(err, apperr.NotFoundf("event"))
	}
	var data []byte
	var ct string
	err = s.db.Reader().QueryRowContext(ctx, "SELECT data, content_type FROM event_media WHERE id = ? AND event_id = ?", mediaID, eventID).Scan(&data, &ct)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFoundf("media")
	}
	return data, ct, err
}

func (s *Service) uploadMedia(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxPhotoBytes+64<<10)
	f, _, err := r.FormFile("file")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return apperr.Field("file", "media.too_large", "max", MaxPhotoBytes)
		}
		return apperr.Field("file", "validation.required")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPhotoBytes+1))
	if err != nil || len(data) > MaxPhotoBytes {
		return apperr.Field("file", "media.too_large", "max", MaxPhotoBytes)
	}
	id, err := s.AddMedia(r.Context(), r.PathValue("id"), r.FormValue("kind"), data)
	if err != nil {
		return err
	}
	httpx.JSON(w, http.StatusCreated, mediaID{id})
	return nil
}

// mediaID is the answer to an upload.
type mediaID = struct {
	ID string `json:"id"`
}

func (s *Service) serveMedia(w http.ResponseWriter, r *http.Request) error {
	data, ct, err := s.Media(r.Context(), r.PathValue("id"), r.PathValue("media"))
	return photo.Write(w, data, ct, err, false)
}
