package redorder_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/points"
	"github.com/gridgov/gridgov/internal/redorder"
	"github.com/gridgov/gridgov/internal/testapp"
)

// fixture holds the demo's first village with its red-grid ids.
type fixture struct {
	village, grid1, grid3         string
	member, branch1, branch2, top string // partymember's member id and branch; the second branch; the committee
	otherMember                   string // a member of the second branch
	memberUser                    string
	category                      string
}

func setUp(t *testing.T, a *testapp.App) fixture {
	t.Helper()
	ctx := context.Background()
	q := a.DB.Reader()
	var f fixture
	one := func(dst *string, query string, args ...any) {
		t.Helper()
		if err := q.QueryRowContext(ctx, query, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	// The demo's year of orders and points is cleared: the figures counted
	// here are the test's own.
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		for _, t := range []string{"red_order_steps", "red_order_photos", "points_entries", "red_orders"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	one(&f.memberUser, "SELECT id FROM users WHERE username = 'partymember'")
	m, err := party.MemberOfUser(ctx, q, f.memberUser)
	if err != nil {
		t.Fatal(err)
	}
	f.member, f.grid1 = m.ID, m.GridID
	b, err := party.BranchOf(ctx, q, m)
	if err != nil {
		t.Fatal(err)
	}
	f.branch1, f.top = b.ID, b.ParentID
	one(&f.village, "SELECT org_id FROM grids WHERE id = ?", f.grid1)
	one(&f.grid3, "SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' AND status = 'active' ORDER BY code LIMIT 1 OFFSET 2", f.village)
	one(&f.branch2, "SELECT id FROM party_orgs WHERE parent_id = ? AND kind = 'branch' AND id <> ? ORDER BY created_at LIMIT 1", f.top, f.branch1)
	one(&f.otherMember, `SELECT m.id FROM party_members m JOIN party_orgs o ON o.id = m.party_org_id WHERE o.parent_id = ? AND m.user_id IS NULL ORDER BY m.id LIMIT 1`, f.branch2)
	one(&f.category, "SELECT code FROM categories WHERE parent_code IS NOT NULL AND active ORDER BY code LIMIT 1")
	return f
}

var keys atomic.Int64

func place(t *testing.T, c *testapp.Client, body map[string]any) redorder.Order {
	t.Helper()
	b := marshal(body)
	r := c.RawWith("POST", "/api/v1/red-orders", "application/json", b, map[string]string{"Idempotency-Key": fmt.Sprintf("k-%d", keys.Add(1))})
	if r.Status != 201 {
		t.Fatalf("place: %d %s", r.Status, r.Body)
	}
	return decode[redorder.Order](t, r.Body)
}

func act(t *testing.T, c *testapp.Client, id, verb string, body map[string]any) redorder.Order {
	t.Helper()
	var o redorder.Order
	if st := c.Do("POST", "/api/v1/red-orders/"+id+"/"+verb, body, &o); st != 200 {
		p := c.Fail("POST", "/api/v1/red-orders/"+id+"/"+verb, body)
		t.Fatalf("%s: %d %+v", verb, st, p)
	}
	return o
}

func pngPhoto() string {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{200, 20, 20, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestRedOrderLoop walks orders through the whole loop and the rules around
// it on one app: routing by place, idempotent placing, bad input, who sees
// what, assignment inside the branch only, accepting outside the branch
// refused, the result with a photo, the rating and its points, the proxy
// order and its return visit, hand-on as an event and a dispute case, the
// sweep (reassignment, escalation, reminder, overdue deduction once), the
// lights and the figures.
func TestRedOrderLoop(t *testing.T) {
	a := testapp.New(t)
	f := setUp(t, a)
	ctx := context.Background()
	resident, member, sec, grid := a.Login("resident"), a.Login("party_member"), a.Login("party_secretary"), a.Login("grid_member")
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a.RedOrders.Now, a.Points.Now = clock, clock

	// Routing: the first grid's order lands with the member's branch; a
	// position in the third grid with the second branch.
	o := place(t, resident, map[string]any{"kind": "buy_medicine", "need": "帮忙到药店买降压药两盒", "grid_id": f.grid1, "address": "3栋402", "wanted": "明天上午"})
	if o.BranchID != f.branch1 || o.Status != "placed" || o.Channel != "online" || !o.Mine || o.Light != "green" {
		t.Fatalf("placed order: %+v", o)
	}
	pt, ok, err := org.InsidePoint(ctx, a.DB.Reader(), f.village, f.grid3)
	if err != nil || !ok {
		t.Fatalf("a point in grid 3: %v %v", ok, err)
	}
	o3 := place(t, resident, map[string]any{"kind": "repair", "need": "热水器坏了需要维修", "lat": pt.Lat, "lng": pt.Lng})
	if o3.GridID != f.grid3 || o3.BranchID != f.branch2 {
		t.Fatalf("by position: grid %s branch %s, want %s %s", o3.GridID, o3.BranchID, f.grid3, f.branch2)
	}

	t.Run("idempotent create", func(t *testing.T) {
		body := marshal(map[string]any{"kind": "policy", "need": "咨询医保报销政策", "grid_id": f.grid1})
		h := map[string]string{"Idempotency-Key": "same-key-1"}
		r1 := resident.RawWith("POST", "/api/v1/red-orders", "application/json", body, h)
		r2 := resident.RawWith("POST", "/api/v1/red-orders", "application/json", body, h)
		if r1.Status != 201 || r2.Status != 201 || decode[redorder.Order](t, r1.Body).ID != decode[redorder.Order](t, r2.Body).ID {
			t.Fatalf("a retry made another order: %d %d", r1.Status, r2.Status)
		}
		other := marshal(map[string]any{"kind": "policy", "need": "另一件事情", "grid_id": f.grid1})
		if r := resident.RawWith("POST", "/api/v1/red-orders", "application/json", other, h); r.Status != 422 {
			t.Fatalf("a reused key for another order: %d", r.Status)
		}
	})

	t.Run("bad input names the field", func(t *testing.T) {
		r := resident.RawWith("POST", "/api/v1/red-orders", "application/json", marshal(map[string]any{"kind": "x", "need": "a"}),
			map[string]string{"Idempotency-Key": "bad-1", "Accept-Language": "zh-CN"})
		p := decode[testapp.Problem](t, r.Body)
		fields := map[string]bool{}
		for _, e := range p.Errors {
			fields[e.Field] = e.Message != ""
		}
		if r.Status != 400 || !fields["kind"] || !fields["need"] || !fields["grid_id"] {
			t.Fatalf("bad order: %d %s", r.Status, r.Body)
		}
		// A resident cannot enter an order on someone's behalf.
		p = resident.Fail("POST", "/api/v1/red-orders", map[string]any{"kind": "other", "need": "代邻居下单", "grid_id": f.grid1,
			"resident_name": "王大爷", "resident_phone": "13800138000"})
		if p.Code != "validation" && p.Code != "redorder.proxy_not_yours" && (len(p.Errors) == 0 || p.Errors[0].Field == "") {
			t.Fatalf("proxy by a resident: %+v", p)
		}
	})

	t.Run("assign inside the branch only", func(t *testing.T) {
		p := sec.Fail("POST", "/api/v1/red-orders/"+o.ID+"/assign", map[string]any{"member_id": f.otherMember, "version": o.Version})
		if len(p.Errors) == 0 || p.Errors[0].Field != "member_id" || p.Errors[0].Code != "redorder.member_outside_branch" {
			t.Fatalf("a member of another branch: %+v", p)
		}
		var as redorder.Assignees
		if st := sec.Do("GET", "/api/v1/red-orders/"+o.ID+"/assignees", nil, &as); st != 200 || len(as.Members) == 0 || len(as.Groups) == 0 {
			t.Fatalf("assignees: %d %+v", st, as)
		}
		o = act(t, sec, o.ID, "assign", map[string]any{"member_id": f.member, "version": o.Version})
		if o.Status != "assigned" || o.MemberID != f.member || o.Member == "" {
			t.Fatalf("assigned: %+v", o)
		}
	})

	t.Run("accept outside the branch refused", func(t *testing.T) {
		// The member's account moved for a moment to a member of the second branch.
		move := func(from, to string) {
			err := a.DB.InTx(ctx, func(tx *db.Tx) error {
				if _, err := tx.ExecContext(ctx, "UPDATE party_members SET user_id = NULL WHERE id = ?", from); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "UPDATE party_members SET user_id = ? WHERE id = ?", f.memberUser, to)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		move(f.member, f.otherMember)
		p := member.Fail("POST", "/api/v1/red-orders/"+o.ID+"/accept", map[string]any{"version": o.Version})
		move(f.otherMember, f.member)
		if p.Code != "redorder.outside_branch" || p.Status != 422 {
			t.Fatalf("accept outside the branch: %+v", p)
		}
	})

	t.Run("who sees what", func(t *testing.T) {
		var mine redorder.Page
		resident.Do("GET", "/api/v1/red-orders/mine", nil, &mine)
		for _, x := range mine.Items {
			if !x.Mine {
				t.Fatalf("another's order in the resident's list: %+v", x)
			}
		}
		proxy := place(t, grid, map[string]any{"kind": "escort_medical", "need": "陪同去医院复查", "grid_id": f.grid1,
			"resident_name": "王秀英", "resident_phone": "13912345678"})
		if proxy.Channel != "proxy" || proxy.Resident == "王秀英" || proxy.ResidentPhone == "13912345678" {
			t.Fatalf("a proxy order shows the resident in clear: %+v", proxy)
		}
		if st := resident.Do("GET", "/api/v1/red-orders/"+proxy.ID, nil, nil); st != 404 {
			t.Fatalf("the resident reads another's order: %d", st)
		}
		var q redorder.Page
		if st := sec.Do("GET", "/api/v1/red-orders?org_id="+f.village, nil, &q); st != 200 || q.Counts["green"] == 0 {
			t.Fatalf("queue: %d %+v", st, q.Counts)
		}
		if st := resident.Do("GET", "/api/v1/red-orders", nil, nil); st != 403 {
			t.Fatalf("a resident reads the queue: %d", st)
		}
		// The proxy loop: accepted and served by the member, confirmed on a grid member's return visit.
		proxy = act(t, member, proxy.ID, "accept", map[string]any{"version": proxy.Version})
		var full redorder.Order
		member.Do("GET", "/api/v1/red-orders/"+proxy.ID, nil, &full)
		if full.ResidentPhone != "13912345678" {
			t.Fatalf("the serving member gets no phone to call: %q", full.ResidentPhone)
		}
		proxy = act(t, member, proxy.ID, "result", map[string]any{"result": "已陪同到市人民医院复查并送回家", "version": proxy.Version})
		if st := member.Do("POST", "/api/v1/red-orders/"+proxy.ID+"/confirm", map[string]any{"rating": 5, "version": proxy.Version}, nil); st != 404 {
			t.Fatalf("the member confirms a proxy order: %d", st)
		}
		var visits redorder.Page
		grid.Do("GET", "/api/v1/red-orders/return-visits", nil, &visits)
		if len(visits.Items) == 0 || visits.Items[0].ID != proxy.ID {
			t.Fatalf("return visits: %+v", visits.Items)
		}
		proxy = act(t, grid, proxy.ID, "confirm", map[string]any{"rating": 3, "comment": "回访满意", "version": proxy.Version})
		if proxy.Status != "done" || proxy.ConfirmedBy != "return_visit" {
			t.Fatalf("return visit: %+v", proxy)
		}
	})

	t.Run("accept, serve with a photo, rate and credit", func(t *testing.T) {
		var tasks redorder.Page
		member.Do("GET", "/api/v1/red-orders/tasks", nil, &tasks)
		found := false
		for _, x := range tasks.Items {
			found = found || x.ID == o.ID
			if x.ID == o3.ID {
				t.Fatalf("another branch's order among the member's tasks")
			}
		}
		if !found {
			t.Fatalf("the assigned order is not among the member's tasks")
		}
		o = act(t, member, o.ID, "accept", map[string]any{"version": o.Version})
		if o.Status != "accepted" || o.ServeDue == nil {
			t.Fatalf("accepted: %+v", o)
		}
		p := member.Fail("POST", "/api/v1/red-orders/"+o.ID+"/result", map[string]any{"result": "已送到", "photos": []string{"bm90IGEgcGhvdG8="}, "version": o.Version})
		if len(p.Errors) == 0 || p.Errors[0].Field != "photos[0]" {
			t.Fatalf("a bad photo: %+v", p)
		}
		o = act(t, member, o.ID, "result", map[string]any{"result": "药已买好送到家中，收据已交居民", "photos": []string{pngPhoto()}, "version": o.Version})
		if o.Status != "served" || o.Photos != 1 || o.Late {
			t.Fatalf("served: %+v", o)
		}
		if r := resident.Raw("GET", "/api/v1/red-orders/"+o.ID+"/photos/1", "", nil); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("photo: %d %s", r.Status, r.Header.Get("Content-Type"))
		}
		if p := resident.Fail("POST", "/api/v1/red-orders/"+o.ID+"/confirm", map[string]any{"rating": 6, "version": o.Version}); len(p.Errors) == 0 || p.Errors[0].Field != "rating" {
			t.Fatalf("rating 6: %+v", p)
		}
		o = act(t, resident, o.ID, "confirm", map[string]any{"rating": 5, "comment": "非常及时，谢谢", "version": o.Version})
		if o.Status != "done" || o.Rating == nil || *o.Rating != 5 || o.ConfirmedBy != "resident" || len(o.Steps) < 5 {
			t.Fatalf("done: %+v", o)
		}
		var l points.Ledger
		member.Do("GET", "/api/v1/points/mine", nil, &l)
		got := map[string]points.Entry{}
		for _, e := range l.Items {
			if e.SourceKind == "red_order" && e.SourceID == o.ID {
				got[e.Rule] = e
			}
		}
		if got["order_done"].Points != 3 || got["order_good_rating"].Points != 2 || got["order_done"].RuleVersion != 1 {
			t.Fatalf("the order's points are not traceable to it: %+v", l.Items)
		}
	})

	t.Run("hand on as an event and as a dispute case", func(t *testing.T) {
		e := place(t, resident, map[string]any{"kind": "other", "need": "楼道里的路灯坏了很久没人修", "grid_id": f.grid1})
		p := sec.Fail("POST", "/api/v1/red-orders/"+e.ID+"/hand-on", map[string]any{"kind": "event", "version": e.Version})
		if len(p.Errors) == 0 || p.Errors[0].Field != "category_code" {
			t.Fatalf("no category: %+v", p)
		}
		e = act(t, sec, e.ID, "hand-on", map[string]any{"kind": "event", "category_code": f.category, "version": e.Version})
		if e.Status != "handed_on" || e.HandedKind != "event" || e.HandedRef == "" || e.Light != "done" {
			t.Fatalf("handed on: %+v", e)
		}
		var n int
		a.DB.Reader().QueryRowContext(ctx, "SELECT COUNT(*) FROM events WHERE id = ?", e.HandedRef).Scan(&n)
		if n != 1 {
			t.Fatalf("no event made")
		}
		d := place(t, resident, map[string]any{"kind": "other", "need": "邻居装修噪音影响休息，协商不成", "grid_id": f.grid1})
		d = act(t, sec, d.ID, "hand-on", map[string]any{"kind": "dispute", "dispute_type": "neighbour", "version": d.Version})
		if d.HandedKind != "dispute" || d.HandedRef == "" {
			t.Fatalf("dispute: %+v", d)
		}
	})

	t.Run("sweep: reassign, escalate, remind, overdue once", func(t *testing.T) {
		x := place(t, resident, map[string]any{"kind": "pay_bills", "need": "帮忙代缴本月水电费", "grid_id": f.grid1})
		x = act(t, sec, x.ID, "assign", map[string]any{"member_id": f.member, "version": x.Version})
		y := place(t, resident, map[string]any{"kind": "elderly_disabled", "need": "帮助老人理发", "grid_id": f.grid1})
		y = act(t, member, y.ID, "accept", map[string]any{"version": y.Version})
		offset.Store(int64(23 * time.Hour)) // nothing yet: the day to accept is not over
		if _, err := a.RedOrders.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if got := get(t, sec, x.ID); got.Status != "assigned" || got.Light != "yellow" {
			t.Fatalf("before its time: %s %s", got.Status, got.Light)
		}
		offset.Store(int64(25 * time.Hour))
		a.RedOrders.Sweep(ctx)
		if got := get(t, sec, x.ID); got.Status != "placed" || got.MemberID != "" || got.BranchID != f.branch1 || last(got) != "reassigned" {
			t.Fatalf("not given back to the branch: %+v", got)
		}
		offset.Store(int64(50 * time.Hour))
		a.RedOrders.Sweep(ctx)
		if got := get(t, sec, x.ID); got.Status != "placed" || got.BranchID != f.top || !got.Escalated || last(got) != "escalated" {
			t.Fatalf("not given up to the committee: %+v", got)
		}
		if got := get(t, sec, y.ID); last(got) != "accepted" || got.Light != "green" {
			t.Fatalf("reminded too early: %s %s", last(got), got.Light)
		}
		offset.Store(int64(60 * time.Hour)) // the last quarter of the three days to serve
		a.RedOrders.Sweep(ctx)
		if got := get(t, sec, y.ID); last(got) != "reminded" || got.Light != "yellow" {
			t.Fatalf("no reminder: %s %s", last(got), got.Light)
		}
		offset.Store(int64(80 * time.Hour))
		a.RedOrders.Sweep(ctx)
		a.RedOrders.Sweep(ctx)
		if got := get(t, sec, y.ID); last(got) != "overdue" || got.Light != "red" {
			t.Fatalf("not overdue: %s %s", last(got), got.Light)
		}
		var n, sum int
		a.DB.Reader().QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(points), 0) FROM points_entries WHERE source_id = ? AND rule = 'order_overdue'", y.ID).Scan(&n, &sum)
		if n != 1 || sum != -2 {
			t.Fatalf("overdue deduction: %d entries, %d points", n, sum)
		}
		y = act(t, member, y.ID, "result", map[string]any{"result": "已上门为老人理发", "version": get(t, sec, y.ID).Version})
		if !y.Late {
			t.Fatalf("a late result is not marked late")
		}
		// Each turn reached the inboxes: the member's (given one, nearly due,
		// overdue) and the secretary's (given back, overdue), naming the
		// service and never the resident's need.
		inbox := func(c *testapp.Client) map[string]int {
			t.Helper()
			var page struct {
				Items []struct{ Kind, Text string }
			}
			if st := c.Do("GET", "/api/v1/inbox", nil, &page); st != 200 {
				t.Fatalf("inbox: %d", st)
			}
			out := map[string]int{}
			for _, m := range page.Items {
				if strings.Contains(m.Text, "理发") || strings.Contains(m.Text, "水电费") {
					t.Fatalf("an inbox message tells the need: %q", m.Text)
				}
				out[m.Kind]++
			}
			return out
		}
		if got := inbox(member); got["red_order_assigned"] == 0 || got["red_order_reminded"] != 1 || got["red_order_overdue"] != 1 {
			t.Fatalf("the member's inbox: %v", got)
		}
		if got := inbox(sec); got["red_order_reassigned"] != 1 || got["red_order_overdue"] != 1 {
			t.Fatalf("the secretary's inbox: %v", got)
		}
		offset.Store(0)
	})

	t.Run("lights", func(t *testing.T) {
		tm := redorder.DefaultTimes
		due := int64(100 * 3600_000)
		for _, c := range []struct {
			status string
			now    int64
			want   string
		}{{"placed", 0, "green"}, {"assigned", due - 5*3600_000, "yellow"}, {"placed", due + 1, "red"}, {"served", due + 1, "waiting"}, {"done", 0, "done"}} {
			if got := redorder.Light(c.status, &due, nil, c.now, tm); got != c.want {
				t.Errorf("%s at %d: %s, want %s", c.status, c.now, got, c.want)
			}
		}
		if got := redorder.Light("accepted", nil, &due, due-24*3600_000*3/4+1, tm); got != "yellow" {
			t.Errorf("accepted in the last quarter: %s", got)
		}
	})

	t.Run("figures", func(t *testing.T) {
		var fg redorder.Figures
		month := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01")
		if st := sec.Do("GET", "/api/v1/red-orders/figures?by=branch&from="+month+"&to="+month, nil, &fg); st != 200 {
			t.Fatalf("figures: %d", st)
		}
		var b1 redorder.Figure
		for _, it := range fg.Items {
			if it.ID == f.branch1 {
				b1 = it
			}
		}
		// branch 1: o (done, 5), the idempotent one, proxy (done, 3), two handed on, x, y (late, served).
		if b1.Orders < 7 || b1.Done != 2 || b1.OnTime != 2 || b1.HandedOn != 2 || b1.Rated != 2 || b1.Rating == nil || *b1.Rating != 4 ||
			b1.Satisfied == nil || *b1.Satisfied != 50 || b1.Name == "" {
			t.Fatalf("branch figures: %+v", b1)
		}
		var fm redorder.Figures
		sec.Do("GET", "/api/v1/red-orders/figures?by=member&from="+month+"&to="+month, nil, &fm)
		if len(fm.Items) == 0 || fm.Items[0].ID != f.member || fm.Items[0].Done != 2 {
			t.Fatalf("member figures: %+v", fm.Items)
		}
		if p := sec.Fail("GET", "/api/v1/red-orders/figures?from=2026-13", nil); len(p.Errors) == 0 || p.Errors[0].Field != "from" {
			t.Fatalf("a bad month: %+v", p)
		}
	})

	_ = authz.RedOrderPlace
}

func get(t *testing.T, c *testapp.Client, id string) redorder.Order {
	t.Helper()
	var o redorder.Order
	if st := c.Do("GET", "/api/v1/red-orders/"+id, nil, &o); st != 200 {
		t.Fatalf("get %s: %d", id, st)
	}
	return o
}

func last(o redorder.Order) string {
	if len(o.Steps) == 0 {
		return ""
	}
	return o.Steps[len(o.Steps)-1].Kind
}
