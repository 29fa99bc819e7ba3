package casework_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/testapp"
)

// uploadPhoto posts data as an event's photo of a kind.
func uploadPhoto(c *testapp.Client, eventID, kind string, data []byte) testapp.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("kind", kind)
	fw, _ := w.CreateFormFile("file", "photo.jpg")
	fw.Write(data)
	w.Close()
	return c.Raw("POST", "/api/v1/events/"+eventID+"/media", w.FormDataContentType(), body.Bytes())
}

// noisyJPEG is a w×h photo of noise, which JPEG cannot shrink much.
func noisyJPEG(w, h int, seed uint64) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	return b.Bytes()
}

func mediaCount(t *testing.T, a *testapp.App, eventID string) int {
	t.Helper()
	var n int
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM event_media WHERE event_id = ?", eventID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A photo over the pixel limit is refused naming the file field, with its
// size and the limit; one within it is stored at most MaxPhotoSide wide.
func TestPhotoPixelLimit(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	var e event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	var bomb bytes.Buffer // 36 MP of black: a few KB as a file
	png.Encode(&bomb, image.NewGray(image.Rect(0, 0, 7200, 5000)))
	r := uploadPhoto(gm, e.ID, "before", bomb.Bytes())
	var p testapp.Problem
	mustJSON(t, r.Body, &p)
	if r.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Field != "file" || p.Errors[0].Code != "media.too_many_pixels" ||
		!strings.Contains(p.Detail, "7200×5000") {
		t.Fatalf("36 MP: %d %s", r.Status, r.Body)
	}
	r = uploadPhoto(gm, e.ID, "before", noisyJPEG(3000, 1000, 1))
	var m struct{ ID string }
	mustJSON(t, r.Body, &m)
	got := gm.Raw("GET", "/api/v1/events/"+e.ID+"/media/"+m.ID, "", nil)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(got.Body))
	if err != nil || cfg.Width != 1500 || cfg.Height != 500 || cfg.Width > casework.MaxPhotoSide {
		t.Fatalf("a 3000×1000 photo is stored at %d×%d (%v), want 1500×500", cfg.Width, cfg.Height, err)
	}
}

// Each user may store PhotoQuota bytes of photos in 30 days: the upload
// that would pass it is refused whole with the usage and the quota, other
// users are not held back, and photos older than 30 days no longer count.
func TestPhotoQuota(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.Login("grid_member")
	var e event
	gm.Do("POST", "/api/v1/events", report(a, nil), &e)
	photo := noisyJPEG(300, 300, 2)
	r := uploadPhoto(gm, e.ID, "before", photo)
	if r.Status != 201 {
		t.Fatalf("first photo: %d %s", r.Status, r.Body)
	}
	var size int64
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT size FROM event_media WHERE event_id = ?", e.ID).Scan(&size)
	// Room for two and a half photos: the third does not fit whole.
	a.Events.PhotoQuota = size*5/2 + 1
	if r := uploadPhoto(gm, e.ID, "before", photo); r.Status != 201 {
		t.Fatalf("second photo: %d %s", r.Status, r.Body)
	}
	r = uploadPhoto(gm, e.ID, "after", photo)
	var p testapp.Problem
	mustJSON(t, r.Body, &p)
	var params struct{ Params map[string]any }
	json.Unmarshal(r.Body, &params)
	if r.Status != 422 || p.Code != "media.quota_exceeded" || params.Params["days"] != float64(30) {
		t.Fatalf("over quota: %d %s", r.Status, r.Body)
	}
	if n := mediaCount(t, a, e.ID); n != 2 {
		t.Fatalf("%d photos stored, want 2", n)
	}
	gm.Lang = "zh-CN"
	r = uploadPhoto(gm, e.ID, "after", photo)
	mustJSON(t, r.Body, &p)
	if !strings.Contains(p.Detail, "MB") || !strings.Contains(p.Detail, "30 天") {
		t.Fatalf("zh message: %s", p.Detail)
	}
	// Another user has a quota of their own.
	intake := a.Login("intake")
	if r := uploadPhoto(intake, e.ID, "handling", photo); r.Status != 201 {
		t.Fatalf("another user: %d %s", r.Status, r.Body)
	}
	// 31 days on, the old photos no longer count.
	a.Events.Now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	defer func() { a.Events.Now = time.Now }()
	if r := uploadPhoto(gm, e.ID, "after", photo); r.Status != 201 {
		t.Fatalf("a month later: %d %s", r.Status, r.Body)
	}
	if n := mediaCount(t, a, e.ID); n != 4 {
		t.Fatalf("%d photos stored, want 4", n)
	}
}
