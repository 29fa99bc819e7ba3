package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// reportWithPhoto reports an event in the grid member's village with a site
// photo and has the intake desk file it: two steps on its timeline.
func reportWithPhoto(t *testing.T, app *testapp.App) (id, no string) {
	t.Helper()
	gm, intake := app.Login("grid_member"), app.Login("intake")
	lat, lng := pointInGrid(t, gm, "441602001003")
	var e struct {
		ID      string `json:"id"`
		No      string `json:"no"`
		Version int    `json:"version"`
	}
	if st := gm.Do("POST", "/api/v1/events", map[string]any{"category_code": "0101", "description": "E2E 交办 楼下垃圾桶满溢",
		"lat": lat, "lng": lng, "address": "下城社区东门"}, &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var jpg, body bytes.Buffer
	jpeg.Encode(&jpg, img, nil)
	w := multipart.NewWriter(&body)
	w.WriteField("kind", "before")
	fw, _ := w.CreateFormFile("file", "site.jpg")
	fw.Write(jpg.Bytes())
	w.Close()
	if r := gm.Raw("POST", "/api/v1/events/"+e.ID+"/media", w.FormDataContentType(), body.Bytes()); r.Status != 201 {
		t.Fatalf("photo: %d %s", r.Status, r.Body)
	}
	if st := intake.Do("POST", "/api/v1/events/"+e.ID+"/actions", map[string]any{"action": "file", "version": e.Version, "publish": false,
		"note": "E2E 请城管当日清运"}, nil); st != 200 {
		t.Fatalf("file: %d", st)
	}
	return e.ID, e.No
}

// TestEventExportPrintAndMaps: the leader exports the filtered event list
// to Excel, switches the list to its map and sees the event's point there,
// opens the event and sees its small map, prints its 交办单 with the
// timeline and the photo, and exports the dashboard's tables. Without a tile
// service every map says so.
func TestEventExportPrintAndMaps(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	id, no := reportWithPhoto(t, app)
	p := newPage(t, app.URL)
	p.loginAs(app, "leader")

	// The list with a filter, exported.
	p.open("/events?state=filed")
	row := fmt.Sprintf(`#event-table tr[data-event-id="%s"]`, id)
	p.visible(row)
	p.catchDownloads()
	p.click("#event-export")
	d := p.waitDownload(0)
	if !strings.HasSuffix(d.Name, ".xlsx") || !strings.HasPrefix(d.Text, "PK") {
		t.Errorf("event export: %q, %.20q", d.Name, d.Text)
	}

	// The map view of the same filters: the event's point, and the notice.
	p.click(`#event-view .el-radio-button:last-child`)
	dot := fmt.Sprintf(`#events-map .event-dot[data-event-id="%s"]`, id)
	p.visible(dot)
	p.waitFor("the view in the URL", `location.hash.includes('view=map') && location.hash.includes('state=filed')`, `location.hash`)
	if n := evalJS[int](p, "points", `document.querySelectorAll('#events-map .event-dot').length`); n != 1 {
		t.Errorf("the map of filed events shows %d points", n)
	}
	p.visible("#events-map .map-no-tiles")
	p.settle()
	p.click("#events-map .map-no-tiles-head")
	p.waitFor("the tile hint", `document.querySelector('#events-map .map-no-tiles-hint')?.offsetParent !== null`, `document.querySelector('#events-map .map-no-tiles')?.innerText`)
	if hint := p.text("#events-map .map-no-tiles-hint"); !strings.Contains(hint, "GRIDGOV_TILE_URL") || !strings.Contains(hint, "天地图") {
		t.Errorf("tile hint: %q", hint)
	}
	p.noRawKeys("event map")
	p.shot("exports-01-event-map")

	// A click on the point opens the event, with its small map.
	p.click(dot)
	p.waitState("filed")
	p.visible(fmt.Sprintf(`#event-map .event-point[data-event-id="%s"]`, id))
	p.visible("#event-map .event-grid")
	p.visible("#event-map .map-no-tiles")
	p.shot("exports-02-event-detail-map")

	// The 交办单: details, every timeline step, the photo.
	p.click("#event-print")
	p.visible("#dispatch-sheet")
	p.waitFor("the timeline", `document.querySelectorAll('#print-timeline .print-step').length === 2`, `document.querySelectorAll('#print-timeline .print-step').length`)
	p.waitFor("the photo", `[...document.querySelectorAll('#print-photos img')].some(i => i.complete && i.naturalWidth > 0)`, `document.querySelectorAll('#print-photos img').length`)
	sheet := p.text("#dispatch-sheet")
	for _, want := range []string{"事件交办单", no, "E2E 交办 楼下垃圾桶满溢", "E2E 请城管当日清运", "立案"} {
		if !strings.Contains(sheet, want) {
			t.Errorf("the sheet lacks %q", want)
		}
	}
	if evalJS[bool](p, "the sidebar", `!!document.querySelector('.layout-main')`) {
		t.Error("the print page is inside the console's frame")
	}
	p.noRawKeys("dispatch sheet")
	p.shot("exports-03-dispatch-sheet")

	// The dashboard's tables as a workbook.
	p.open("/dashboard")
	p.waitFor("the dashboard", `!!document.querySelector('#dash-rates') && !document.querySelector('#dash-export')?.disabled`, `!!document.querySelector('#dash-rates')`)
	p.catchDownloads()
	p.settle() // the dashboard loads again once its area is known: a click on its loading mask is lost
	p.click("#dash-export")
	d = p.waitDownload(0)
	if !strings.HasSuffix(d.Name, ".xlsx") || !strings.HasPrefix(d.Text, "PK") {
		t.Errorf("dashboard export: %q, %.20q", d.Name, d.Text)
	}
}

// TestEventMapOnAPhone: the grid member opens an event on a 390 px phone;
// its map fits the screen and shows the point.
func TestEventMapOnAPhone(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	id, _ := reportWithPhoto(t, app)
	p := newPage(t, app.URL)
	p.do("a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	p.loginAs(app, "grid_member")
	p.open("/events/" + id)
	p.waitState("filed")
	p.visible(fmt.Sprintf(`#event-map .event-point[data-event-id="%s"]`, id))
	if w := evalJS[float64](p, "the map's width", `document.querySelector('#event-map').getBoundingClientRect().right`); w > 390 {
		t.Errorf("the map reaches %v px on a 390 px screen", w)
	}
	p.shot("exports-04-event-map-phone")
}
