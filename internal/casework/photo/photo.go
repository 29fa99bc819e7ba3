// Package photo takes in the photos of events: only a real JPEG or PNG
// within the size limits, checked from its header before a pixel is
// decoded, re-encoded so no metadata (EXIF, GPS position) survives, and
// reduced to a size worth keeping. Decodes are bounded per node.
package photo

import (
	"bytes"
	"context"
	"database/sql"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
)

// Photo limits. A photo is decoded whole to be re-encoded, so what it costs
// in memory is its pixels, not its file size: a 5 MB PNG of one colour can
// hold 36 million pixels (144 MB decoded).
const (
	MaxBytes = 5 << 20
	// MaxPixels is 24 megapixels: what phones store by default (a
	// 48 MP sensor saves 12 or 24 MP pictures), 96 MB once decoded. A PNG
	// of 16 bits a channel, or a progressive JPEG (whose decoder keeps every
	// coefficient), takes twice that or more a pixel, and may have half.
	MaxPixels = 24_000_000
	// MaxSide is the longest side a photo is stored at: enough to read a
	// sign or a licence plate on a street photo, a few hundred KB as JPEG.
	MaxSide = 2560
	// MaxDecodes is how many photos one node decodes at once; the others
	// wait their turn (or until their request is given up).
	MaxDecodes = 2
)

// The quota of each user: one quota holds for every photo a user stores,
// an event's or a patrol check-in's.
const (
	// DefaultQuota is how many bytes of photos one user may store in
	// QuotaWindow when the service sets no quota of its own.
	DefaultQuota = 200 << 20
	// QuotaWindow is the period a user's quota counts.
	QuotaWindow = 30 * 24 * time.Hour
)

// Usage counts the bytes of photos userID stored since a time (Unix ms)
// in one room's table; q is the caller's reader or transaction.
type Usage func(ctx context.Context, q Querier, userID string, since int64) (int64, error)

// Querier is what a Usage reads with (a *db.DB reader or a *db.Tx).
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// QuotaError says how much the user has stored and may store, in MB.
func QuotaError(used, quota int64) error {
	mb := func(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) }
	return apperr.E(apperr.Unprocessable, "media.quota_exceeded", "used", mb(used), "quota", mb(quota), "days", int(QuotaWindow.Hours()/24))
}

// decodeSlots bounds the photos being decoded at once on this node; each
// holds a slot from decoding until its re-encoded copy is made.
var decodeSlots = make(chan struct{}, MaxDecodes)

// decodeStats counts decodes, for the tests that prove the limits hold.
var decodeStats struct {
	started, inFlight, maxInFlight atomic.Int64
}

// Check reads only the header of b: its type and size. It refuses
// anything but a JPEG or PNG within the pixel limit before a pixel is
// decoded.
func Check(b []byte) (string, error) {
	ct := http.DetectContentType(b)
	if ct != "image/jpeg" && ct != "image/png" {
		return "", apperr.Field("file", "media.type", "type", ct)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return "", apperr.Field("file", "media.corrupt")
	}
	limit := MaxPixels
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

// Clean checks that b is a real JPEG or PNG within the limits and
// returns a re-encoded copy, at most MaxSide on its longest side:
// re-encoding drops EXIF and every other metadata block, GPS position
// included. It waits for a decode slot with ctx.
func Clean(ctx context.Context, b []byte) ([]byte, string, error) {
	ct, err := Check(b)
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
	img = shrink(img, MaxSide)
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

// Write answers a request with a stored photo (or its error): private to
// the browser that asked, kept an hour unless every look is to be audited
// (noStore), when the browser keeps no copy to look at again unseen.
func Write(w http.ResponseWriter, data []byte, contentType string, err error, noStore bool) error {
	if err != nil {
		return err
	}
	cache := "private, max-age=3600"
	if noStore {
		cache = "private, no-store"
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", cache)
	w.Write(data)
	return nil
}
