package casework

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"slices"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Photo limits: big enough for a phone camera, small enough that a
// decompression bomb cannot exhaust memory.
const (
	MaxPhotoBytes  = 5 << 20
	MaxPhotoPixels = 40_000_000
)

var mediaKinds = []string{"before", "after", "handling"}

// cleanImage checks that b is a real JPEG or PNG within the limits and
// returns a re-encoded copy: re-encoding drops EXIF and every other
// metadata block, GPS position included.
func cleanImage(b []byte) ([]byte, string, error) {
	ct := http.DetectContentType(b)
	if ct != "image/jpeg" && ct != "image/png" {
		return nil, "", apperr.Field("file", "media.type", "type", ct)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", apperr.Field("file", "media.corrupt")
	}
	if cfg.Width*cfg.Height > MaxPhotoPixels {
		return nil, "", apperr.Field("file", "media.too_many_pixels", "max", MaxPhotoPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, "", apperr.Field("file", "media.corrupt")
	}
	var out bytes.Buffer
	if ct == "image/png" {
		err = png.Encode(&out, img)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
	}
	return out.Bytes(), ct, err
}

// AddMedia attaches a photo to an event the caller may act on, to its
// latest timeline step.
func (s *Service) AddMedia(ctx context.Context, eventID, kind string, data []byte) (string, error) {
	if !slices.Contains(mediaKinds, kind) {
		return "", apperr.Field("kind", "validation.one_of", "values", "before, after, handling")
	}
	clean, ct, err := cleanImage(data)
	if err != nil {
		return "", err
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
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var seq int
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(max(seq), 0) FROM event_log WHERE event_id = ?", eventID).Scan(&seq); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_media (id, event_id, log_seq, kind, content_type, size, data, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, eventID, seq, kind, ct, len(clean), clean, p.UserID, db.Now()); err != nil {
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

func (s *Service) mediaRoutes(rt *httpx.Router) {
	rt.Handle(httpx.Route{Method: "POST", Path: "/api/v1/events/{id}/media", Tag: "events", Summary: "Attach a photo (multipart: file, kind)",
		Access: "event.report, event.handle or event.check on an event the caller sees", Out: struct {
			ID string `json:"id"`
		}{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
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
			if err != nil {
				return apperr.Field("file", "media.too_large", "max", MaxPhotoBytes)
			}
			if len(data) > MaxPhotoBytes {
				return apperr.Field("file", "media.too_large", "max", MaxPhotoBytes)
			}
			id, err := s.AddMedia(r.Context(), r.PathValue("id"), r.FormValue("kind"), data)
			if err != nil {
				return err
			}
			httpx.JSON(w, 201, map[string]string{"id": id})
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/events/{id}/media/{media}", Tag: "events", Summary: "A photo of an event (metadata stripped)",
		Access: "as for the event", OutType: "image/jpeg", Out: []byte{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			data, ct, err := s.Media(r.Context(), r.PathValue("id"), r.PathValue("media"))
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", ct)
			w.Header().Set("Cache-Control", "private, max-age=3600")
			w.Write(data)
			return nil
		}})
}
