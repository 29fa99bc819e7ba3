package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/gridgov/gridgov/internal/testapp"
)

// phone makes the page a 390 px touch phone whose position is lat, lng.
func (p *page) phone(base string, lat, lng float64) {
	p.t.Helper()
	if _, err := chromedp.CallBrowser(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: base}); err != nil {
		p.t.Fatal(err)
	}
	accuracy := 10.0
	p.do("a phone with its position", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride,
				emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lng, Accuracy: &accuracy})
			return chromedp.Void{}, err
		})
}

// network cuts the phone's network (every request fails, navigator.onLine
// is false) or gives it back (the page hears "online").
func (p *page) network(online bool) {
	p.t.Helper()
	p.do(fmt.Sprintf("network online=%v", online), func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			MatchedNetworkConditions: []*network.Conditions{{Offline: !online, DownloadThroughput: -1, UploadThroughput: -1}}}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !online, DownloadThroughput: -1, UploadThroughput: -1})
		return chromedp.Void{}, err
	})
}

// photoFile writes a small PNG photo and returns its path.
func photoFile(t *testing.T, name string) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			img.Set(x, y, color.RGBA{uint8(x / 4), uint8(y / 3), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

type mineEvent struct {
	ID       string  `json:"id"`
	No       string  `json:"no"`
	GridCode string  `json:"grid_code"`
	State    string  `json:"state"`
	Rating   *string `json:"rating"`
	Version  int     `json:"version"`
	Timeline []struct {
		Media []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"media"`
	} `json:"timeline"`
}

// findMine is the caller's own report with the description.
func findMine(t *testing.T, c *testapp.Client, desc string) mineEvent {
	t.Helper()
	var list struct {
		Items []struct {
			ID          string `json:"id"`
			Description string `json:"description"`
		} `json:"items"`
	}
	c.Do("GET", "/api/v1/events?mine=true&limit=20", nil, &list)
	for _, e := range list.Items {
		if e.Description == desc {
			var ev mineEvent
			c.Do("GET", "/api/v1/events/"+e.ID, nil, &ev)
			return ev
		}
	}
	t.Fatalf("%q is not among the reports: %+v", desc, list.Items)
	return mineEvent{}
}

// TestMobileOfflineReportKeepsItsPhoto: a resident with no network takes a
// photo and reports; the report waits in the phone's queue with its photo,
// and when the network comes back it is sent, photo and all.
func TestMobileOfflineReportKeepsItsPhoto(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	p := newPage(t, app.URL)
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")
	p.phone(app.URL, lat, lng)
	p.login(app.Account("resident"), "")
	p.visible("#m-common .m-chip[data-code]")

	p.network(false)
	const desc = "E2E 离线上报：单元门禁坏了"
	p.click("#m-common .m-chip[data-code]")
	p.typeInto("#m-description", desc)
	p.do("take the photo", chromedp.SetUploadFiles(chromedp.CSS("#m-photo"), []string{photoFile(t, "门禁.png")}))
	p.waitFor("the photo's preview", `!!document.querySelector('.m-photo img')`, `document.querySelector('.m-photo')?.innerHTML`)
	p.click("#m-locate")
	p.visible(".m-point")
	p.waitText("#m-spot", "离线")
	p.click("#m-submit")
	p.waitFor("the report queued offline", `document.querySelector('#m-queue-count')?.innerText === '1' && !!document.querySelector('.m-q-err')`,
		`document.querySelector('#m-queue')?.innerText`)
	p.waitFor("the photo kept in the phone's queue", `Object.keys(localStorage).filter(k => k.startsWith('gridgov.outbox.'))
		.flatMap(k => JSON.parse(localStorage.getItem(k))).some(q => q.body.description === `+jsString(desc)+` && q.photo?.dataURL?.startsWith('data:image/'))`,
		`Object.keys(localStorage).join(',')`)
	p.shot("mobile-offline-01-queued")
	c := app.Login("resident")
	var list struct{ Items []any }
	c.Do("GET", "/api/v1/events?mine=true", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("offline, yet %d reports arrived", len(list.Items))
	}

	p.network(true)
	p.waitFor("the queue sent when the network is back", `!document.querySelector('#m-queue')`, `document.querySelector('#m-queue')?.innerText`)
	p.shot("mobile-offline-02-sent")
	ev := findMine(t, c, desc)
	var photos []string
	for _, st := range ev.Timeline {
		for _, m := range st.Media {
			photos = append(photos, m.Kind)
		}
	}
	if strings.Join(photos, ",") != "before" {
		t.Fatalf("the report arrived with photos %v; want its one photo", photos)
	}
}

// TestMobileResidentPlacesAReport: the map opens on the resident's own
// grids, "use my position" names the grid the report is then filed in,
// the open public report a few metres away is shown before filing, and the
// short list holds the categories residents report most. Nothing on the
// way is refused.
func TestMobileResidentPlacesAReport(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")
	c := app.Login("resident")
	var earlier struct {
		No string `json:"no"`
	}
	if st := c.Do("POST", "/api/v1/events", map[string]any{"category_code": "0101", "description": "E2E 路口垃圾桶满了",
		"lat": lat + 0.0002, "lng": lng}, &earlier); st != 201 {
		t.Fatalf("the earlier report: %d", st)
	}
	var area struct {
		Grids []struct{ Code string } `json:"grids"`
	}
	c.Do("GET", "/api/v1/report/grids", nil, &area)
	var spot struct {
		GridCode string `json:"grid_code"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/report/locate?lat=%f&lng=%f", lat, lng), nil, &spot)
	if err := app.Audit.FlushRefusals(context.Background(), app.DB); err != nil {
		t.Fatal(err)
	}
	refusals := func() (n int) {
		if err := app.Audit.FlushRefusals(context.Background(), app.DB); err != nil {
			t.Fatal(err)
		}
		app.DB.Reader().QueryRowContext(t.Context(), "SELECT count(*) FROM audit_log WHERE action LIKE 'access.%'").Scan(&n)
		return n
	}
	before := refusals()

	p := newPage(t, app.URL)
	p.phone(app.URL, lat, lng)
	p.login(app.Account("resident"), "")
	p.waitFor("the resident's grids drawn", fmt.Sprintf(`document.querySelectorAll('#m-map path.grid-poly').length === %d`, len(area.Grids)),
		`document.querySelectorAll('#m-map path.grid-poly').length`)
	// the short list comes by its own request: six chips, the one residents reported first
	p.waitFor("the short list", `document.querySelectorAll('#m-common .m-chip[data-code]').length === 6`,
		`document.querySelectorAll('#m-common .m-chip[data-code]').length`)
	if first := evalJS[string](p, "the first of the short list", `document.querySelector('#m-common .m-chip[data-code]').dataset.code`); first != "0101" {
		t.Fatalf("the short list starts with %s; want 0101 (the one residents reported)", first)
	}
	p.click("#m-more-cats")
	p.visible("#m-category")
	p.click(`#m-common .m-chip[data-code="0101"]`)

	p.click("#m-locate")
	p.waitFor("the grid named", `!!document.querySelector('#m-spot')?.dataset.gridCode`, `document.querySelector('#m-spot')?.innerText`)
	if got := evalJS[string](p, "the grid", `document.querySelector('#m-spot').dataset.gridCode`); got != spot.GridCode {
		t.Fatalf("the page says %s; the server says %s", got, spot.GridCode)
	}
	p.visible(fmt.Sprintf(`#m-nearby [data-no=%q]`, earlier.No))
	p.visible("#m-map path.near-marker")
	p.noRawKeys("report map")
	p.do("show the map", chromedp.ScrollIntoView("#m-spot"))
	p.settle()
	p.shot("mobile-place-01-nearby")

	const desc = "E2E 楼道灯坏了，晚上看不见"
	p.typeInto("#m-description", desc)
	p.click("#m-submit")
	p.waitFor("the report sent", `!document.querySelector('#m-queue')`, `document.querySelector('#m-queue')?.innerText`)
	if ev := findMine(t, c, desc); ev.GridCode != spot.GridCode {
		t.Fatalf("filed in %s; the page said %s", ev.GridCode, spot.GridCode)
	}
	if n := refusals(); n != before {
		t.Fatalf("the report page wrote %d refusal rows", n-before)
	}
}

// TestMobileResidentFollowsAndRates: in 我的, a closed report shows its
// progress, the handler's reply to the public and the after-photo — not the
// internal note or staff names — and the rating waits for the resident's
// own choice.
func TestMobileResidentFollowsAndRates(t *testing.T) {
	t.Parallel()
	chromePath(t)
	app := testapp.New(t)
	lat, lng := pointInGrid(t, app.Login("grid_member"), "441602001003")
	res := app.Login("resident")
	const desc = "E2E 井盖松动，踩上去会晃"
	var e mineEvent
	if st := res.Do("POST", "/api/v1/events", map[string]any{"category_code": "0101", "description": desc, "lat": lat, "lng": lng}, &e); st != 201 {
		t.Fatalf("report: %d", st)
	}
	gm := app.Login("grid_member")
	step := func(c *testapp.Client, action string, extra map[string]any) {
		t.Helper()
		body := map[string]any{"action": action, "version": e.Version}
		for k, v := range extra {
			body[k] = v
		}
		if st := c.Do("POST", "/api/v1/events/"+e.ID+"/actions", body, &e); st != 200 {
			t.Fatalf("%s: %d %+v", action, st, c.Fail("POST", "/api/v1/events/"+e.ID+"/actions", body))
		}
	}
	// the city management bureau handles it; the grid member re-checks
	disp, handler := app.Login("dispatcher"), app.Login("dept_handler")
	step(app.Login("intake"), "file", nil)
	step(disp, "dispatch", map[string]any{"unit_ids": []string{unitOf(t, disp, "441602-cg")}})
	step(handler, "sign", nil)
	const reply, internal = "井盖已更换并加固", "内部：施工队王师傅处理"
	step(handler, "report_result", map[string]any{"note": internal, "public_note": reply})
	after, err := os.ReadFile(photoFile(t, "after.png"))
	if err != nil {
		t.Fatal(err)
	}
	if r := uploadPhoto(handler, e.ID, "after", after); r.Status != 201 {
		t.Fatalf("after-photo: %d %s", r.Status, r.Body)
	}
	gm.Do("GET", "/api/v1/events/"+e.ID, nil, &e)
	step(gm, "check_pass", nil)

	p := newPage(t, app.URL)
	p.phone(app.URL, lat, lng)
	p.login(app.Account("resident"), "")
	p.click("#m-tab-mine")
	card := fmt.Sprintf(`#m-mine-list [data-event-id=%q]`, e.ID)
	p.waitText(card+" .m-reply-text", reply)
	p.waitFor("the after-photo shown", `[...document.querySelectorAll(`+jsString(card+" .m-after img")+`)].some(i => i.complete && i.naturalWidth === 800)`,
		`document.querySelector(`+jsString(card+" .m-after")+`)?.innerHTML`)
	if n := evalJS[int](p, "progress", `document.querySelectorAll(`+jsString(card+" .m-progress li.done")+`).length`); n != 4 {
		t.Fatalf("progress shows %d of 4 steps done", n)
	}
	text := p.text(card)
	for _, hidden := range []string{internal, "王师傅", "张敏", "李军"} {
		if strings.Contains(text, hidden) {
			t.Fatalf("the resident's card shows %q: %s", hidden, text)
		}
	}
	if evalJS[int](p, "chosen ratings", `document.querySelectorAll(`+jsString(card+" .m-rate input:checked")+`).length`) != 0 ||
		!evalJS[bool](p, "the send button", `document.querySelector(`+jsString(card+" .m-rate-submit")+`).disabled`) {
		t.Fatal("a rating is chosen before the resident chose one")
	}
	p.noRawKeys("my reports")
	p.settle()
	p.shot("mobile-mine-01-closed")
	p.waitFor("the rating", fmt.Sprintf(`(() => { const b = [...document.querySelectorAll(%s)].find(e => e.innerText.includes('基本满意')); b?.click(); return !!b })()`,
		jsString(card+" .m-rate .el-radio-button")), `document.querySelector(`+jsString(card+" .m-rate")+`)?.innerText`)
	p.click(card + " .m-rate-submit")
	p.waitText(card+" .m-rated", "基本满意")
	p.shot("mobile-mine-02-rated")
	res.Do("GET", "/api/v1/events/"+e.ID, nil, &e)
	if e.Rating == nil || *e.Rating != "basically" {
		t.Fatalf("rating stored: %v", e.Rating)
	}
}

// uploadPhoto attaches a photo of kind to the event.
func uploadPhoto(c *testapp.Client, eventID, kind string, data []byte) testapp.Response {
	var body bytes.Buffer
	boundary := "gridgov-e2e-photo"
	fmt.Fprintf(&body, "--%s\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n%s\r\n", boundary, kind)
	fmt.Fprintf(&body, "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"after.png\"\r\nContent-Type: image/png\r\n\r\n", boundary)
	body.Write(data)
	fmt.Fprintf(&body, "\r\n--%s--\r\n", boundary)
	return c.Raw("POST", "/api/v1/events/"+eventID+"/media", "multipart/form-data; boundary="+boundary, body.Bytes())
}
