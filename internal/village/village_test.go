package village_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/village"
)

// pngPhoto is a small PNG as a data: URL, as a phone sends it.
func pngPhoto() string {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, x%30, color.RGBA{20, 120, 20, 255})
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func today() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// TestVillage walks a village's score sheet from its definition to the
// public list, and a council's proposal from consultation to follow-up,
// on one app: each step checks its rule.
func TestVillage(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	q := a.DB.Reader()
	var villageID, code, otherHousehold string
	if err := q.QueryRowContext(ctx, "SELECT id, code FROM org_nodes WHERE code = ?", a.Account("grid_member").OrgCode).Scan(&villageID, &code); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT id FROM households WHERE org_id <> ? AND status = 'active' ORDER BY id LIMIT 1", villageID).Scan(&otherHousehold); err != nil {
		t.Fatal(err)
	}
	secretary := a.Login("intake") // the centre's staff keep the sheet
	member := a.Login("grid_member")
	resident := a.Login("resident")
	month := today()[:7]
	base := "/api/v1/villages/" + villageID

	// The sheet: a veto item with points is refused by name.
	rules := []map[string]any{{"no": 1, "text": "婚丧事宜从简办理，不大操大办。"}, {"no": 2, "text": "家庭和睦，反对家庭暴力。"}, {"no": 3, "text": "房前屋后整洁。"}}
	items := []map[string]any{{"name": "家庭暴力", "kind": "minus", "points": -2, "rule_no": 2}, {"name": "庭院整洁", "kind": "plus", "points": 5, "rule_no": 3},
		{"name": "违反丧葬规定", "kind": "veto", "points": 3, "rule_no": 1}}
	sheet := map[string]any{"display": "surname", "recognise_top": 3, "title": "文明户", "rules": rules, "sheet_title": "梅坝村农户评分表", "items": items}
	if p := secretary.Fail("PUT", base+"/scoring", sheet); p.Errors[0].Field != "items[2].points" || p.Errors[0].Code != "village.veto_points" {
		t.Fatalf("veto with points: %+v", p)
	}
	items[2]["points"] = 0
	var sc village.Scoring
	if st := secretary.Do("PUT", base+"/scoring", sheet, &sc); st != 200 || sc.Sheet == nil || len(sc.Sheet.Items) != 3 {
		t.Fatalf("save: %d %+v", st, sc)
	}
	if member.Do("PUT", base+"/scoring", sheet, nil) != 403 {
		t.Fatal("a grid member defines no sheet")
	}
	first := *sc.Sheet
	minus, plus, veto := first.Items[0].ID, first.Items[1].ID, first.Items[2].ID

	var hs village.Page[village.Household]
	if member.Do("GET", base+"/households", nil, &hs) != 200 || len(hs.Items) < 5 {
		t.Fatalf("households: %+v", hs)
	}
	h := hs.Items
	record := func(c *testapp.Client, household, item string, extra map[string]any) (village.Score, int) {
		body := map[string]any{"household_id": household, "item_id": item, "on": today(), "evidence": "witness", "detail": "网格员现场查看，邻居作证"}
		for k, v := range extra {
			body[k] = v
		}
		var s village.Score
		return s, c.Do("POST", base+"/scores", body, &s)
	}
	// A veto item given points, and a household of another village: refused.
	if p := member.Fail("POST", base+"/scores", map[string]any{"household_id": h[0].ID, "item_id": veto, "on": today(), "evidence": "council",
		"detail": "理事会决定", "points": 5}); p.Errors[0].Field != "points" || p.Errors[0].Code != "village.veto_points" {
		t.Fatalf("veto points: %+v", p)
	}
	if p := member.Fail("POST", base+"/scores", map[string]any{"household_id": otherHousehold, "item_id": plus, "on": today(), "evidence": "witness",
		"detail": "x"}); p.Errors[0].Field != "household_id" {
		t.Fatalf("another village's household: %+v", p)
	}
	if p := member.Fail("POST", base+"/scores", map[string]any{"household_id": h[0].ID, "item_id": plus, "on": "2099-01-01", "evidence": "x"}); len(p.Errors) != 3 {
		t.Fatalf("bad day, evidence, detail: %+v", p)
	}
	// A phone resending a score after a lost answer records it once.
	keyed, _ := json.Marshal(map[string]any{"household_id": h[0].ID, "item_id": plus, "on": today(), "evidence": "witness", "detail": "网格员现场查看，邻居作证"})
	var sent [2]village.Score
	for i := range sent {
		r := member.RawWith("POST", base+"/scores", "application/json", keyed, map[string]string{"Idempotency-Key": "vscore-1"})
		if r.Status != 201 || json.Unmarshal(r.Body, &sent[i]) != nil {
			t.Fatalf("keyed score, try %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if sent[0].ID == "" || sent[1].ID != sent[0].ID {
		t.Fatalf("a resent score recorded twice: %s, %s", sent[0].ID, sent[1].ID)
	}
	// Photo evidence: one photo at least, a bad one refused by its place;
	// the photo is kept sealed, without its metadata, and each look at it is
	// audited.
	if p := member.Fail("POST", base+"/scores", map[string]any{"household_id": h[4].ID, "item_id": plus, "on": today(), "evidence": "photo",
		"detail": "院子打扫干净"}); p.Errors[0].Field != "photos" || p.Errors[0].Code != "village.photo_required" {
		t.Fatalf("photo evidence without a photo: %+v", p)
	}
	if _, st := record(member, h[4].ID, plus, map[string]any{"evidence": "photo", "photos": []string{"bm90IGEgcGhvdG8="}}); st != 400 {
		t.Fatalf("a bad photo: %d", st)
	}
	pictured, st := record(member, h[4].ID, plus, map[string]any{"evidence": "photo", "photos": []string{pngPhoto()}})
	if st != 201 || pictured.Photos != 1 {
		t.Fatalf("a score with a photo: %d %+v", st, pictured)
	}
	photoURL := "/api/v1/village-scores/" + pictured.ID + "/photos/1"
	if r := secretary.Raw("GET", photoURL, "", nil); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" || len(r.Body) < 100 {
		t.Fatalf("the photo: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	var sealed string
	if err := q.QueryRowContext(ctx, "SELECT data_sealed FROM village_score_photos WHERE score_id = ?", pictured.ID).Scan(&sealed); err != nil ||
		!strings.HasPrefix(sealed, "v1.") || strings.Contains(sealed, "iVBOR") {
		t.Fatalf("the photo is not sealed at rest: %.20s %v", sealed, err)
	}
	var looks int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log WHERE action = 'village.photo_view' AND object_id = ?", pictured.ID).Scan(&looks); err != nil || looks != 1 {
		t.Fatalf("the look at the photo is not audited: %d %v", looks, err)
	}
	for who, c := range map[string]*testapp.Client{"another photo": secretary, "a resident": resident} {
		url := photoURL
		if who == "another photo" {
			url = "/api/v1/village-scores/" + pictured.ID + "/photos/2"
		}
		if r := c.Raw("GET", url, "", nil); r.Status != 404 && r.Status != 403 {
			t.Fatalf("%s: %d", who, r.Status)
		}
	}
	for _, x := range []struct{ h, item string }{{h[0].ID, plus}, {h[1].ID, plus}, {h[2].ID, plus}, {h[2].ID, minus}, {h[3].ID, plus}, {h[3].ID, veto}} {
		if _, st := record(member, x.h, x.item, nil); st != 201 {
			t.Fatalf("record: %d", st)
		}
	}
	wrong, _ := record(member, h[1].ID, minus, nil)

	// Versioning: the sheet has scores, so saving makes version 2; the old
	// scores keep version 1.
	items[1]["points"] = 6
	sc = village.Scoring{}
	if secretary.Do("PUT", base+"/scoring", sheet, &sc) != 200 || sc.Sheet.Version != first.Version+1 || sc.Sheet.ID == first.ID {
		t.Fatalf("a new version: %+v", sc.Sheet)
	}
	var scores village.Page[village.Score]
	if secretary.Do("GET", base+"/scores?month="+month, nil, &scores) != 200 {
		t.Fatal("scores")
	}
	for _, s := range scores.Items {
		if s.SheetVer != first.Version {
			t.Fatalf("an old score changed version: %+v", s)
		}
	}
	if _, st := record(member, h[0].ID, plus, nil); st != 400 {
		t.Fatalf("an item of the old version: %d", st)
	}

	// An appeal overturned: the record stops counting.
	var s village.Score
	if member.Do("POST", "/api/v1/village-scores/"+wrong.ID+"/appeal", map[string]any{"lodged_by": "household", "reason": "当天不在家，系误记"}, &s) != 200 || s.Status != "appealed" {
		t.Fatalf("appeal: %+v", s)
	}
	if p := secretary.Fail("POST", base+"/months/"+month+"/review", struct{}{}); p.Code != "village.appeals_pending" {
		t.Fatalf("review with an appeal pending: %+v", p)
	}
	if secretary.Do("POST", "/api/v1/village-scores/"+wrong.ID+"/decide", map[string]any{"overturn": true, "reason": "理事会核实为误记"}, &s) != 200 || s.Status != "overturned" {
		t.Fatalf("overturn: %+v", s)
	}

	// The month: vetoed ranks last and is not recognised; ties share a rank.
	var m village.Month
	if secretary.Do("GET", base+"/months/"+month, nil, &m) != 200 {
		t.Fatal("month")
	}
	lines := map[string]village.Line{}
	for _, l := range m.Lines {
		lines[l.HouseholdID] = l
	}
	if l := lines[h[0].ID]; l.Total != 10 || l.Rank != 1 || !l.Recognised {
		t.Fatalf("the first: %+v", l)
	}
	if l := lines[h[1].ID]; l.Total != 5 || l.Rank != 2 {
		t.Fatalf("the overturned minus no longer counts: %+v", l)
	}
	if l := lines[h[3].ID]; !l.Vetoed || l.Recognised || l.Rank != len(m.Lines) {
		t.Fatalf("vetoed: %+v of %d", l, len(m.Lines))
	}
	if p := secretary.Fail("POST", base+"/months/"+month+"/publish", struct{}{}); p.Code != "village.not_reviewed" {
		t.Fatalf("publish before review: %+v", p)
	}
	// Not published: the public page does not know the month.
	if st := a.Anon().Do("GET", "/api/v1/public/villages/"+code+"/scores/"+month, nil, nil); st != 404 {
		t.Fatalf("unpublished month in public: %d", st)
	}
	if secretary.Do("POST", base+"/months/"+month+"/review", struct{}{}, &m) != 200 || m.Status != "reviewed" {
		t.Fatalf("review: %+v", m.Status)
	}
	var pub1, pub2 village.Month
	if secretary.Do("POST", base+"/months/"+month+"/publish", struct{}{}, &pub1) != 200 || pub1.Status != "published" {
		t.Fatalf("publish: %+v", pub1.Status)
	}
	if secretary.Do("POST", base+"/months/"+month+"/publish", struct{}{}, &pub2) != 200 || *pub2.PublishedAt != *pub1.PublishedAt {
		t.Fatal("publishing twice changes nothing")
	}
	if _, st := record(member, h[1].ID, sc.Sheet.Items[1].ID, nil); st != 400 {
		t.Fatalf("a published month takes no score: %d", st)
	}
	// The public list: names as chosen (张**), no ids, no details.
	r := a.Anon().Raw("GET", "/api/v1/public/villages/"+code+"/scores/"+month, "", nil)
	if r.Status != 200 {
		t.Fatalf("public: %d", r.Status)
	}
	for _, leak := range []string{h[0].ID, "household_id", "网格员现场查看", "当天不在家", h[0].No + "\""} {
		if contains(string(r.Body), leak) {
			t.Fatalf("the public list carries %q: %s", leak, r.Body)
		}
	}
	var pub village.Month
	a.Anon().Do("GET", "/api/v1/public/villages/"+code+"/scores/"+month, nil, &pub)
	if pub.Lines[0].Display != h[0].Display || !contains(pub.Lines[0].Display, "*") && h[0].Display[len(h[0].Display)-3:] != "户" {
		t.Fatalf("display: %+v vs %+v", pub.Lines[0], h[0])
	}

	// Councils: the vote rule and one opinion per resident.
	var c village.Council
	if st := secretary.Do("POST", base+"/councils", map[string]any{"kind": "villagers", "name": "村民理事会", "quorum_percent": 50, "pass_percent": 50,
		"members": []map[string]any{{"name": "张德明", "role": "chair", "phone": "13912345678"}, {"name": "李秀兰", "role": "member"}, {"name": "王建国", "role": "member"},
			{"name": "陈小红", "role": "supervisor"}}}, &c); st != 201 || len(c.Members) != 4 || c.Members[0].PhoneMasked != "139****5678" {
		t.Fatalf("council: %d %+v", st, c)
	}
	if p := secretary.Fail("POST", base+"/councils", map[string]any{"kind": "x", "name": "", "quorum_percent": 120, "members": []any{}}); len(p.Errors) != 4 {
		t.Fatalf("bad council: %+v", p)
	}
	var pr village.Proposal
	if st := secretary.Do("POST", "/api/v1/village-councils/"+c.ID+"/proposals", map[string]any{"kind": "public_works", "title": "修缮村道", "body": "修缮村东村道 800 米，预算 12 万元。",
		"opens_on": today(), "closes_on": today()}, &pr); st != 201 || !pr.Open {
		t.Fatalf("proposal: %d %+v", st, pr)
	}
	var mine village.Page[village.Proposal]
	if resident.Do("GET", "/api/v1/my/proposals", nil, &mine) != 200 || len(mine.Items) == 0 {
		t.Fatalf("resident's open proposals: %+v", mine)
	}
	op := "/api/v1/my/proposals/" + pr.ID + "/opinion"
	if resident.Do("PUT", op, map[string]any{"stance": "support", "text": "早该修了"}, &pr) != 200 || pr.Mine == nil {
		t.Fatal("opinion")
	}
	if resident.Do("PUT", op, map[string]any{"stance": "oppose", "text": "预算偏高"}, &pr) != 200 || pr.Opinions != 1 || pr.Oppose != 1 {
		t.Fatalf("one opinion per resident, changed: %+v", pr)
	}
	if secretary.Do("POST", "/api/v1/village-proposals/"+pr.ID+"/opinions", map[string]any{"name": "赵大爷", "stance": "support", "text": "会上口头发言"}, &pr) != 200 || pr.Opinions != 2 {
		t.Fatalf("recorded at a meeting: %+v", pr)
	}
	if secretary.Do("POST", "/api/v1/village-proposals/"+pr.ID+"/close", struct{}{}, &pr) != 200 || pr.Status != "closed" {
		t.Fatal("close")
	}
	if p := resident.Fail("PUT", op, map[string]any{"stance": "support"}); p.Status != 409 && p.Status != 404 {
		t.Fatalf("after the close: %+v", p)
	}
	// A meeting with 3 of 4 present: 2 for passes (more than half of 3).
	att := map[string]string{c.Members[0].ID: "present", c.Members[1].ID: "present", c.Members[2].ID: "present", c.Members[3].ID: "excused"}
	if secretary.Do("POST", "/api/v1/village-councils/"+c.ID+"/meetings", map[string]any{"held_on": today(), "place": "村委会议室", "agenda": "表决修缮村道",
		"minutes": "到会 3 人", "attendance": att}, &c) != 200 || len(c.Meetings) != 1 || c.Meetings[0].Present != 3 {
		t.Fatalf("meeting: %+v", c.Meetings)
	}
	vote := map[string]any{"meeting_id": c.Meetings[0].ID, "votes_for": 3, "votes_against": 1, "votes_abstain": 0, "decision": "同意修缮"}
	if p := secretary.Fail("POST", "/api/v1/village-proposals/"+pr.ID+"/vote", vote); p.Errors[0].Code != "village.votes_exceed" {
		t.Fatalf("more votes than present: %+v", p)
	}
	vote["votes_for"], vote["votes_against"] = 2, 1
	if secretary.Do("POST", "/api/v1/village-proposals/"+pr.ID+"/vote", vote, &pr) != 200 || pr.Status != "passed" {
		t.Fatalf("vote: %+v", pr)
	}
	if !village.Passes(4, 3, 2, 50, 50) || village.Passes(4, 2, 2, 50, 50) || village.Passes(4, 3, 1, 50, 50) {
		t.Fatal("the rule: quorum above half the members, more than half of those present in favour")
	}
	if secretary.Do("POST", "/api/v1/village-proposals/"+pr.ID+"/follow-ups", map[string]any{"step": "招标施工队", "due_on": today()}, &pr) != 200 || len(pr.FollowUps) != 1 {
		t.Fatal("follow-up")
	}
	if secretary.Do("POST", "/api/v1/village-follow-ups/"+pr.FollowUps[0].ID+"/done", map[string]any{"done_on": today()}, &pr) != 200 || pr.FollowUps[0].DoneOn != today() {
		t.Fatal("done")
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	})()
}

// TestCouncilMembership: the centre adds a member to a council (the phone
// checked, then sealed and shown masked) and records a member's leaving;
// the votes count the members serving; the last member stays, and a grid
// member changes nobody.
func TestCouncilMembership(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	var council string
	if err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT c.id FROM village_councils c
		WHERE (SELECT COUNT(*) FROM village_council_members m WHERE m.council_id = c.id AND m.status = 'active') > 1 ORDER BY c.id LIMIT 1`).Scan(&council); err != nil {
		t.Fatal(err)
	}
	intake, member := a.Login("intake"), a.Login("grid_member")
	base := "/api/v1/village-councils/" + council
	var c village.Council
	if st := intake.Do("GET", base, nil, &c); st != 200 {
		t.Fatalf("council: %d", st)
	}
	serving := len(c.Members)
	if p := intake.Fail("POST", base+"/members", map[string]any{"name": "", "role": "boss", "phone": "12345"}); len(p.Errors) != 3 {
		t.Fatalf("a member without name, with an unknown role and a bad phone: %+v", p)
	}
	if st := member.Do("POST", base+"/members", map[string]any{"name": "新理事", "role": "member"}, nil); st != 403 {
		t.Fatalf("a grid member adds a council member: %d", st)
	}
	if st := intake.Do("POST", base+"/members", map[string]any{"name": "新理事", "role": "member", "phone": "13900001111"}, &c); st != 200 || len(c.Members) != serving+1 {
		t.Fatalf("add: %d %d members", st, len(c.Members))
	}
	added := c.Members[len(c.Members)-1]
	for _, m := range c.Members {
		if m.Name == "新理事" {
			added = m
		}
	}
	if added.Name != "新理事" || added.PhoneMasked != "139****1111" {
		t.Fatalf("the new member: %+v", added)
	}
	left := c.Members[0].ID
	for len(c.Members) > 1 {
		if st := intake.Do("POST", base+"/members/"+c.Members[0].ID+"/leave", map[string]any{}, &c); st != 200 {
			t.Fatalf("leave: %d", st)
		}
	}
	if p := intake.Fail("POST", base+"/members/"+c.Members[0].ID+"/leave", map[string]any{}); p.Code != "village.council_last_member" {
		t.Fatalf("the last member leaves: %+v", p)
	}
	if st := intake.Do("POST", base+"/members/"+left+"/leave", map[string]any{}, nil); st != 404 {
		t.Fatalf("a member who left leaves again: %d", st)
	}
}
