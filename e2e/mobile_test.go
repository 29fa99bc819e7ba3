package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// TestMobileReportWithALargePhoto: a resident on a 390 px phone reports with
// the phone's position and a 27-megapixel photo — more than the server takes
// (24 MP). The page shrinks the photo before it is queued, so the report
// arrives with its photo, stored at the server's 2,560 px.
func TestMobileReportWithALargePhoto(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")

	file := filepath.Join(t.TempDir(), "现场.png")
	img := image.NewGray(image.Rect(0, 0, 6400, 4200))
	for y := range 4200 {
		for x := range 6400 {
			img.Pix[y*img.Stride+x] = uint8((x/50 + y/50) * 7)
		}
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: app.URL}); err != nil {
		t.Fatal(err)
	}
	accuracy := 10.0
	p.do("a phone with its position", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride,
				emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &accuracy})
			return chromedp.Void{}, err
		})
	p.login(app.Account("resident"), "")
	p.visible("#m-tab-report") // a resident's first page is the phone page
	p.click("#m-more-cats")    // past the short list, the whole catalogue
	p.click("#m-category")
	p.pickOption("暴露垃圾")
	const desc = "E2E 手机上报：楼下垃圾桶满了"
	p.typeInto("#m-description", desc)
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#m-photo"), []string{file}))
	p.waitFor("the photo's preview", `!!document.querySelector('.m-photo img')`, `document.querySelector('.m-photo')?.innerHTML`)
	p.click("#m-locate")
	p.visible(".m-point")
	p.noRawKeys("phone report")
	p.shot("mobile-01-report-with-photo")
	p.click("#m-submit")
	p.waitFor("the queue sent", `!document.querySelector('#m-queue')`, `document.querySelector('#m-queue')?.innerText`)
	p.shot("mobile-02-sent")

	c := app.Login("resident")
	var list struct {
		Items []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
		} `json:"items"`
	}
	c.Do("GET", "/api/v1/events?mine=true&limit=5", nil, &list)
	id := ""
	for _, e := range list.Items {
		if e.Description == desc {
			id = e.ID
		}
	}
	if id == "" {
		t.Fatalf("the report is not among the resident's: %+v", list.Items)
	}
	var ev struct {
		Timeline []struct {
			Media []struct {
				ID string `json:"id"`
			} `json:"media"`
		} `json:"timeline"`
	}
	c.Do("GET", "/api/v1/events/"+id, nil, &ev)
	var media []string
	for _, st := range ev.Timeline {
		for _, m := range st.Media {
			media = append(media, m.ID)
		}
	}
	if len(media) != 1 {
		b, _ := json.Marshal(ev)
		t.Fatalf("the report arrived without its photo: %s", b)
	}
	r := c.Raw("GET", "/api/v1/events/"+id+"/media/"+media[0], "", nil)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(r.Body))
	if err != nil || format != "jpeg" || cfg.Width != 2560 || cfg.Height != 1680 {
		t.Fatalf("stored photo: %s %dx%d %v; want the browser's 2560x1680 JPEG", format, cfg.Width, cfg.Height, err)
	}
}
