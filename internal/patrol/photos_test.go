package patrol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/jpeg"
	"mime/multipart"
	"slices"
	"testing"

	"github.com/gridgov/gridgov/internal/testapp"
)

// uploadPhoto posts data as a photo of a check-in, with the phone's id of
// the photo when id is not empty.
func uploadPhoto(c *testapp.Client, patrolID, pointID, id string, data []byte) testapp.Response {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if id != "" {
		w.WriteField("id", id)
	}
	fw, _ := w.CreateFormFile("file", "photo.jpg")
	fw.Write(data)
	w.Close()
	return c.Raw("POST", "/api/v1/patrol/patrols/"+patrolID+"/checkins/"+pointID+"/photos", w.FormDataContentType(), body.Bytes())
}

// streetJPEG is a w×h JPEG with an EXIF block holding a GPS tag, as a
// phone's camera writes it.
func streetJPEG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 80})
	exif := []byte("Exif\x00\x00GPSLatitude 23.7461")
	seg := append([]byte{0xFF, 0xE1, byte((len(exif) + 2) >> 8), byte(len(exif) + 2)}, exif...)
	out := append([]byte{}, b.Bytes()[:2]...)
	out = append(out, seg...)
	return append(out, b.Bytes()[2:]...)
}

type photoPatrol struct {
	ID     string `json:"id"`
	Points []struct {
		ID     string   `json:"id"`
		Photos []string `json:"photos"`
	} `json:"points"`
}

// checkInWithPhoto starts a patrol of the grid member's, checks in with
// the phone's id of the check-in and attaches one photo: it returns the
// patrol, the check-in and the photo.
func checkInWithPhoto(t *testing.T, gm *testapp.Client) (patrolID, pointID, photoID string) {
	t.Helper()
	var p photoPatrol
	json.Unmarshal(send(t, gm, "/api/v1/patrol/patrols", "ps", map[string]any{}).Body, &p)
	pointID = "5b0c8f1e-2d4a-4c7e-9f3b-6a1d2e3f4a5b"
	if r := send(t, gm, "/api/v1/patrol/patrols/"+p.ID+"/checkins", "pc", map[string]any{"id": pointID, "lat": 23.74, "lng": 114.69, "note": "护栏松动"}); r.Status != 201 {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	// the same check-in sent again under another key is recorded once
	if r := send(t, gm, "/api/v1/patrol/patrols/"+p.ID+"/checkins", "pc2", map[string]any{"id": pointID, "lat": 23.74, "lng": 114.69, "note": "护栏松动"}); r.Status != 201 {
		t.Fatalf("check-in again: %d %s", r.Status, r.Body)
	}
	photoID = "0f6a2b3c-4d5e-4f60-8a1b-2c3d4e5f6a7b"
	r := uploadPhoto(gm, p.ID, pointID, photoID, streetJPEG(640, 480))
	var got struct{ ID string }
	json.Unmarshal(r.Body, &got)
	if r.Status != 201 || got.ID != photoID {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	return p.ID, pointID, photoID
}

// A check-in takes a few photos through the events' pipeline: the GPS
// block is gone, a resend stores nothing twice, a fourth is refused
// naming the field, a file that is no photo too; the photos show on the
// patrol's check-in.
func TestCheckinPhotos(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	gm := a.LoginAs("gridmember")
	patrolID, pointID, photoID := checkInWithPhoto(t, gm)

	r := gm.Raw("GET", "/api/v1/patrol/patrols/"+patrolID+"/photos/"+photoID, "", nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" || bytes.Contains(r.Body, []byte("GPSLatitude")) {
		t.Fatalf("the photo: %d %s, GPS kept %v", r.Status, r.Header.Get("Content-Type"), bytes.Contains(r.Body, []byte("GPSLatitude")))
	}
	if _, _, err := image.Decode(bytes.NewReader(r.Body)); err != nil {
		t.Errorf("the stored photo: %v", err)
	}
	if r := uploadPhoto(gm, patrolID, pointID, photoID, streetJPEG(640, 480)); r.Status != 201 {
		t.Errorf("the photo sent again: %d %s", r.Status, r.Body)
	}
	for i := range 2 {
		if r := uploadPhoto(gm, patrolID, pointID, "", streetJPEG(320+i, 240)); r.Status != 201 {
			t.Fatalf("photo %d: %d %s", i+2, r.Status, r.Body)
		}
	}
	var pr testapp.Problem
	json.Unmarshal(uploadPhoto(gm, patrolID, pointID, "", streetJPEG(100, 100)).Body, &pr)
	if !slices.Equal(fields(pr), []string{"file patrol.photos_max"}) {
		t.Errorf("a fourth photo: %v", fields(pr))
	}
	var p photoPatrol
	gm.Do("GET", "/api/v1/patrol/patrols/"+patrolID, nil, &p)
	if len(p.Points) != 1 || p.Points[0].ID != pointID || len(p.Points[0].Photos) != 3 || p.Points[0].Photos[0] != photoID {
		t.Errorf("the check-in's photos: %+v", p.Points)
	}

	// another check-in: a text file is refused naming the file, nothing stored
	var p2 struct {
		Points []struct{ ID string } `json:"points"`
	}
	json.Unmarshal(send(t, gm, "/api/v1/patrol/patrols/"+patrolID+"/checkins", "pc3", map[string]any{"lat": 23.741, "lng": 114.691}).Body, &p2)
	second := p2.Points[len(p2.Points)-1].ID
	pr = testapp.Problem{}
	json.Unmarshal(uploadPhoto(gm, patrolID, second, "", []byte("not a photo at all")).Body, &pr)
	if !slices.Equal(fields(pr), []string{"file media.type"}) {
		t.Errorf("a text file: %v", fields(pr))
	}
	pr = testapp.Problem{}
	json.Unmarshal(uploadPhoto(gm, patrolID, second, "bad-id", streetJPEG(10, 10)).Body, &pr)
	if !slices.Equal(fields(pr), []string{"id patrol.id_invalid"}) {
		t.Errorf("a bad photo id: %v", fields(pr))
	}
	var n int
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM patrol_photos WHERE patrol_id = ?", patrolID).Scan(&n)
	if n != 3 {
		t.Errorf("%d photos stored, want 3", n)
	}
	// a check-in of another patrol, or none: not found
	if r := uploadPhoto(gm, patrolID, "5b0c8f1e-0000-4c7e-9f3b-6a1d2e3f4a5b", "", streetJPEG(10, 10)); r.Status != 404 {
		t.Errorf("an unknown check-in: %d", r.Status)
	}
}
