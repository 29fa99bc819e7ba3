package casework

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Photo limits. A photo is decoded whole to be re-encoded, so what it costs
// in memory is its pixels, not its file size: a 5 MB PNG of one colour can
// hold 36 million pixels (144 MB decoded).
const (
	MaxPhotoBytes = 5 << 20
	// MaxPhotoPixels is 24 megapixels: what phones store by default (a
	// 48 MP sensor saves 12 or 24 MP pictures), 96 MB once decoded. A PNG
	// of 16 bits a channel, or a progressive JPEG (whose decoder keeps every
	// coefficient), takes twice that or more a pixel, and may have half.
	MaxPhotoPixels = 24_000_000
	// MaxPhotoSide is the longest side a photo is stored at: enough to read a
	// sign or a licence plate on a street photo, a few hundred KB as JPEG.
	MaxPhotoSide = 2560
	// MaxDecodes is how many photos one node decodes at once; the others
	// wait their turn (or until their request is given up).
	MaxDecodes = 2
	// DefaultPhotoQuota is how many bytes of photos one user may store in
	// PhotoQuotaWindow when the service sets no quota of its own.
	DefaultPhotoQuota = 200 << 20
	// PhotoQuotaWindow is the period a user's quota counts.
	PhotoQuotaWindow = 30 * 24 * time.Hour
)

var mediaKinds = []string{"before", "after", "handling"}

// decodeSlots bounds the photos being decoded at once on this node; each
// holds a slot from decoding until its re-encoded copy is made.
var decodeSlots = make(chan struct{}, MaxDecodes)

// decodeStats counts decodes, for the tests that prove the limits hold.
var decodeStats struct {
	started, inFlight, maxInFlight atomic.Int64
}

// checkImage reads only the header of b: its type and size. It refuses
// anything but a JPEG or PNG within the pixel limit before a pixel is
// decoded.
func checkImage(b []byte) (string, error) {
	ct := http.DetectContentType(b)
	if ct != "image/jpeg" && ct != "image/png" {
		return "", apperr.Field("file", "media.type", "type", ct)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", apperr.Field("file", "media.corrupt")
	}
	limit := MaxPhotoPixels
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model, color.Gray16Model:
		limit /= 2
	}
	if ct == "image/jpeg" && progressive(b) {
		limit /= 2
	}
	// Width and height are each below 2^32 in both formats: the product
	// fits an int64 without overflow.
	if int64(cfg.Width)*int64(cfg.Height) > int64(limit) {
		return "", apperr.Field("file", "media.too_many_pixels", "width", cfg.Width, "height", cfg.Height, "max", limit)
	}
	return ct, nil
}

// progressive reports whether a JPEG's frame is progressive, reading its
// segments up to the frame header.
func progressive(b []byte) bool {
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF {
			return false
		}
		switch m := b[i+1]; {
		case m == 0xFF: // fill byte
			i++
			continue
		case m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE:
			return true
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC, m == 0xDA:
			return false // another frame, or the scan began
		}
		i += 2 + (int(b[i+2])<<8 | int(b[i+3]))
	}
	return false
}

// cleanImage checks that b is a real JPEG or PNG within the limits and
// returns a re-encoded copy, at most MaxPhotoSide on its longest side:
// re-encoding drops EXIF and every other metadata block, GPS position
// included. It waits for a decode slot with ctx.
func cleanImage(ctx context.Context, b []byte) ([]byte, string, error) {
	ct, err := checkImage(b)
	if err != nil {
		return nil, "", err
	}
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, "", apperr.Wrap(ctx.Err(), "waiting to decode a photo")
	}
	defer func() { <-decodeSlots }()
	decodeStats.started.Add(1)
	n := decodeStats.inFlight.Add(1)
	defer decodeStats.inFlight.Add(-1)
	for { // raise the high-water mark
		m := decodeStats.maxInFlight.Load()
		if n <= m || decodeStats.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, "", apperr.Field("file", "media.corrupt")
	}
	img = shrink(img, MaxPhotoSide)
	var out bytes.Buffer
	if ct == "image/png" {
		err = png.Encode(&out, img)
	} else {
		err = jpeg.Encode(&out, img, &jpeg.Options{Quality: 85})
	}
	return out.Bytes(), ct, err
}

// shrink reduces img by the smallest whole factor that brings its longest
// side to at most side pixels, each new pixel the average of the block it
// replaces. Smaller images are returned as they are.
func shrink(img image.Image, side int) image.Image {
	b := img.Bounds()
	k := (max(b.Dx(), b.Dy()) + side - 1) / side
	if k <= 1 {
		return img
	}
	at := func(x, y int) (r, g, b, a uint32) { return img.At(x, y).RGBA() }
	if m, ok := img.(*image.YCbCr); ok { // most JPEGs: skip an interface a pixel
		at = func(x, y int) (r, g, b, a uint32) { return m.YCbCrAt(x, y).RGBA() }
	}
	w, h := max(1, b.Dx()/k), max(1, b.Dy()/k)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint64(k * k)
	for y := range h {
		for x := range w {
			var sr, sg, sb, sa uint64
			for sy := b.Min.Y + y*k; sy < b.Min.Y+(y+1)*k; sy++ {
				for sx := b.Min.X + x*k; sx < b.Min.X+(x+1)*k; sx++ {
					r, g, bl, a := at(sx, sy)
					sr, sg, sb, sa = sr+uint64(r), sg+uint64(g), sb+uint64(bl), sa+uint64(a)
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(sr / n >> 8), uint8(sg / n >> 8), uint8(sb / n >> 8), uint8(sa / n >> 8)})
		}
	}
	return out
}

// photoQuota is the bytes of photos a user may store in PhotoQuotaWindow.
func (s *Service) photoQuota() int64 {
	if s.PhotoQuota > 0 {
		return s.PhotoQuota
	}
	return DefaultPhotoQuota
}

// photoUsage is the bytes of photos the user stored in the quota window.
func (s *Service) photoUsage(ctx context.Context, q db.Querier, userID string) (int64, error) {
	var used int64
	since := s.Now().Add(-PhotoQuotaWindow).UnixMilli()
	err := q.QueryRowContext(ctx, "SELECT COALESCE(sum(size), 0) FROM event_media WHERE created_by = ? AND created_at >= ?", userID, since).Scan(&used)
	return used, err
}

// quotaError says how much the user has stored and may store, in MB.
func quotaError(used, quota int64) error {
	mb := func(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) }
	return apperr.E(apperr.Unprocessable, "media.quota_exceeded", "used", mb(used), "quota", mb(quota), "days", int(PhotoQuotaWindow.Hours()/24))
}

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
	if _, err := checkImage(data); err != nil {
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
	clean, ct, err := cleanImage(ctx, data)
	if err != nil {
		return "", err
	}
	id := db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		// Counted again in the transaction, the user's row locked so that two
		// uploads at once cannot both take the last of the quota (SQLite
		// has one writer anyway): the photo must fit whole. Callers made
		// in code, such as the tools, may have no row.
		var uid string
		err := tx.QueryRowContext(ctx, "SELECT id FROM users WHERE id = ?"+tx.ForUpdate(), p.UserID).Scan(&uid)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
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
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(data)
	return nil
}
