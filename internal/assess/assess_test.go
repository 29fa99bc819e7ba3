package assess_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/tally"
	"github.com/gridgov/gridgov/internal/testapp"
)

var zone = time.FixedZone("CST", 8*3600)

// fake is a Source returning known tallies.
type fake struct{ sheets tally.Sheets }

func (f fake) Tally(context.Context, tally.Period) (tally.Sheets, error) { return f.sheets, nil }

// place is the demo's first village (the grid member's), its town and county.
type place struct {
	village, villagePath, town, townPath, county, countyPath string
}

func placeOf(t *testing.T, a *testapp.App) place {
	t.Helper()
	ctx := context.Background()
	var p place
	q := a.DB.Reader()
	one := func(dst *string, query string, args ...any) {
		t.Helper()
		if err := q.QueryRowContext(ctx, query, args...).Scan(dst); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	one(&p.village, "SELECT id FROM org_nodes WHERE code = ?", a.Account("grid_member").OrgCode)
	one(&p.villagePath, "SELECT path FROM org_nodes WHERE id = ?", p.village)
	one(&p.town, "SELECT parent_id FROM org_nodes WHERE id = ?", p.village)
	one(&p.townPath, "SELECT path FROM org_nodes WHERE id = ?", p.town)
	one(&p.county, "SELECT parent_id FROM org_nodes WHERE id = ?", p.town)
	one(&p.countyPath, "SELECT path FROM org_nodes WHERE id = ?", p.county)
	return p
}

// addWorker puts a roster member on the roster of the area orgID.
func addWorker(t *testing.T, a *testapp.App, orgID, name, employment string) string {
	t.Helper()
	id := db.NewID()
	err := a.DB.InTx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.ExecContext(context.Background(), `INSERT INTO workers (id, org_id, path, name, employment, status, started_on, version, created_at, updated_at)
			SELECT ?, id, path, ?, ?, 'active', '2025-01-01', 1, 0, 0 FROM org_nodes WHERE id = ?`, id, name, employment, orgID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// as is a context acting with perms over path.
func as(path string, perms ...authz.Perm) context.Context {
	ctx := audit.WithMeta(context.Background(), audit.Meta{RequestID: "test", IP: "local"})
	return authz.WithPrincipal(ctx, &authz.Principal{UserID: "u-" + path, Username: "tester", DisplayName: "考核员",
		Grants: []authz.Grant{{Role: "intake", OrgPath: path, Perms: perms}}})
}

func member(t *testing.T, b assess.Board, id string) assess.Row {
	t.Helper()
	for _, r := range b.Rows {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("member %s not on the board", id)
	return assess.Row{}
}

func metric(t *testing.T, r assess.Row, code string) assess.MetricScore {
	t.Helper()
	for _, m := range r.Metrics {
		if m.Metric == code {
			return m
		}
	}
	t.Fatalf("no metric %s", code)
	return assess.MetricScore{}
}

// The online score is the applicable metrics' points scaled up to the full
// weight; the hand counts below follow docs' formulas.
func TestScoresMatchHandCounts(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := placeOf(t, a)
	wa := addWorker(t, a, p.village, "甲网格员", "full_time")
	wb := addWorker(t, a, p.village, "乙网格员", "part_time")
	sh := tally.Sheets{}
	sh.Add("report.filed", wa, tally.Count{Done: 8, Due: 10})
	sh.Add("recheck.on_time", wa, tally.Count{Done: 3, Due: 4})
	sh.Add("register.corrections", wa, tally.Count{Done: 6})
	sh.Add("patrol.coverage", wa, tally.Count{Done: 9, Due: 10})
	sh.Add("callkey.accept", wa, tally.Count{Done: 2, Due: 2, Seconds: 1200})
	sh.Add("task.same_day", wa, tally.Count{Done: 5, Due: 5})
	sh.Add("register.corrections", wb, tally.Count{Done: 40}) // capped at the weight
	s := assess.New(a.DB, a.Audit, a.Keys, fake{sh})
	ctx := as(p.countyPath, authz.AssessRead, authz.AssessWrite)
	// the demo county set its own weights: start from the defaults
	if err := a.DB.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, "DELETE FROM assess_weights"); return err }); err != nil {
		t.Fatal(err)
	}

	b, err := s.Board(ctx, assess.BoardQuery{Period: "month", OrgID: p.village})
	if err != nil {
		t.Fatal(err)
	}
	ra := member(t, b, wa)
	// 16 + 7.5 + 3 + 22.5 + 8 (600 s on average: 10 × (1800−600)/1500) + 5 = 62 of 80 applicable → 77.5 of 100
	for code, want := range map[string]float64{"report.filed": 16, "recheck.on_time": 7.5, "register.corrections": 3, "patrol.coverage": 22.5,
		"callkey.accept": 8, "task.same_day": 5, "visit.on_time": 0} {
		if got := metric(t, ra, code).Points; got != want {
			t.Errorf("%s: %v points, want %v", code, got, want)
		}
	}
	if metric(t, ra, "visit.on_time").Applicable {
		t.Error("nothing due: visits should not apply")
	}
	if ra.Online != 77.5 || ra.Total != 77.5 {
		t.Errorf("online %v total %v, want 77.5", ra.Online, ra.Total)
	}
	rb := member(t, b, wb)
	if rb.Online != 100 { // corrections alone apply, at full marks
		t.Errorf("b online %v, want 100", rb.Online)
	}

	// Offline points count in the month, with a reason.
	month := time.Now().In(zone).Format("2006-01")
	five := 5.0
	if _, err := s.AddOffline(ctx, assess.OfflineInput{WorkerID: wa, Month: month, Points: &five}); !hasField(err, "reason") {
		t.Fatalf("no reason: %v", err)
	}
	if _, err := s.AddOffline(ctx, assess.OfflineInput{WorkerID: wa, Month: month, Points: &five, Reason: "  "}); !hasField(err, "reason") {
		t.Fatalf("blank reason: %v", err)
	}
	o, err := s.AddOffline(ctx, assess.OfflineInput{WorkerID: wa, Month: month, Points: &five, Reason: "周三接待日表现突出"})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.OfflineList(ctx, p.village, month)
	if err != nil || len(list) != 1 || list[0].Reason != "周三接待日表现突出" || list[0].ID != o.ID {
		t.Fatalf("offline list %+v %v", list, err)
	}
	var sealed string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT reason_sealed FROM assess_offline WHERE id = ?", o.ID).Scan(&sealed); err != nil || sealed == "周三接待日表现突出" {
		t.Fatalf("reason not sealed: %q %v", sealed, err)
	}
	b, _ = s.Board(ctx, assess.BoardQuery{Period: "month", OrgID: p.village})
	if ra = member(t, b, wa); ra.Offline != 5 || ra.Total != 82.5 {
		t.Errorf("with offline: %+v", ra)
	}
	// A week's board leaves the month's offline points out.
	w, _ := s.Board(ctx, assess.BoardQuery{Period: "week", OrgID: p.village})
	if r := member(t, w, wa); r.Offline != 0 || r.Total != 77.5 {
		t.Errorf("week: %+v", r)
	}

	// Weights change the total: report.filed worth 40 makes the full marks
	// 120 and a's applicable 32 + 46 = 78 of 100 → 93.6.
	forty := 40.0
	if _, err := s.SetWeights(ctx, assess.WeightsInput{OrgID: p.county, Weights: []assess.WeightIn{{Metric: "report.filed", Kind: "rate", Weight: &forty}}}); err != nil {
		t.Fatal(err)
	}
	b, _ = s.Board(ctx, assess.BoardQuery{Period: "month", OrgID: p.village})
	if ra = member(t, b, wa); ra.Online != 93.6 || ra.Total != 98.6 {
		t.Errorf("with weights: online %v total %v, want 93.6 and 98.6", ra.Online, ra.Total)
	}
	// A town may not set the county's weights.
	if _, err := s.SetWeights(as(p.townPath, authz.AssessRead, authz.AssessWrite), assess.WeightsInput{OrgID: p.county,
		Weights: []assess.WeightIn{{Metric: "report.filed", Kind: "rate", Weight: &forty}}}); err == nil {
		t.Error("a town set the county's weights")
	}
	// Bad weights name the field.
	if _, err := s.SetWeights(ctx, assess.WeightsInput{OrgID: p.county, Weights: []assess.WeightIn{{Metric: "callkey.accept", Kind: "time", Weight: &forty, TargetS: 600, LimitS: 300}}}); !hasField(err, "weights[0].limit_s") {
		t.Errorf("limit before target: %v", err)
	}

	// Aggregates: the village row averages its members' totals.
	v, err := s.Board(ctx, assess.BoardQuery{Period: "month", Level: "village", OrgID: p.town})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range v.Rows {
		if r.ID == p.village {
			found = true
			if r.Members < 2 || metric(t, r, "report.filed").Due != 10 {
				t.Errorf("village row %+v", r)
			}
		}
	}
	if !found {
		t.Error("no village row")
	}
}

func hasField(err error, name string) bool {
	e := apperr.As(err)
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == name {
			return true
		}
	}
	return false
}

// The ranking puts the best first, ties share a rank and the next skips;
// the 十佳 are chosen from it and kept on the member's record.
func TestRankingTiesAndTopTen(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := placeOf(t, a)
	ids := map[string]string{}
	sh := tally.Sheets{}
	for name, done := range map[string]int{"甲": 10, "乙": 8, "丙": 8, "丁": 6} {
		ids[name] = addWorker(t, a, p.village, name+"网格员", "full_time")
		sh.Add("report.filed", ids[name], tally.Count{Done: done, Due: 10})
		sh.Add("register.corrections", ids[name], tally.Count{Done: 20})
	}
	volunteer := addWorker(t, a, p.village, "志愿者", "other")
	sh.Add("report.filed", volunteer, tally.Count{Done: 10, Due: 10})
	s := assess.New(a.DB, a.Audit, a.Keys, fake{sh})
	ctx := as(p.countyPath, authz.AssessRead, authz.AssessWrite)
	rk, err := s.Ranking(ctx, assess.RankingQuery{OrgID: p.village})
	if err != nil {
		t.Fatal(err)
	}
	if len(rk.Rows) < 4 {
		t.Fatalf("ranking %+v", rk.Rows)
	}
	var got []string
	for _, r := range rk.Rows[:4] {
		got = append(got, fmt.Sprintf("%d %s", r.Rank, r.Name))
	}
	if want := "[1 甲网格员 2 丙网格员 2 乙网格员 4 丁网格员]"; fmt.Sprint(got) != want { // a tie by name (丙 before 乙 in code order)
		t.Errorf("ranking %v, want %s", got, want)
	}
	for _, r := range rk.Rows {
		if r.ID == volunteer {
			t.Error("a volunteer is ranked")
		}
	}
	if len(rk.Candidates) < 4 || rk.Candidates[0].ID != ids["甲"] {
		t.Errorf("candidates %+v", rk.Candidates)
	}

	month := time.Now().In(zone).Format("2006-01")
	if _, err := s.ChooseTopTen(ctx, assess.ChooseInput{OrgID: p.village, Month: month, WorkerIDs: []string{volunteer}}); !hasField(err, "worker_ids[0]") {
		t.Errorf("a volunteer chosen: %v", err)
	}
	rk, err = s.ChooseTopTen(ctx, assess.ChooseInput{OrgID: p.village, Month: month, WorkerIDs: []string{ids["甲"], ids["乙"]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rk.Awards) != 2 || rk.Awards[0].WorkerID != ids["甲"] || rk.Awards[0].Rank != 1 || rk.Awards[0].ChosenBy != "考核员" {
		t.Errorf("awards %+v", rk.Awards)
	}
	if _, err := s.ChooseTopTen(ctx, assess.ChooseInput{OrgID: p.village, Month: month, WorkerIDs: []string{ids["甲"]}}); !apperr.Is(err, "assess.award_twice") {
		t.Errorf("chosen twice: %v", err)
	}
	// The award and the training hours are on the member's record.
	h1, h2 := 2.5, 1.0
	today := time.Now().In(zone).Format("2006-01-02")
	if _, err := s.CreateTraining(ctx, assess.TrainingInput{OrgID: p.village, Title: "网格学堂：入户走访", HeldOn: today, Hours: &h1, Trainer: "县综治中心",
		WorkerIDs: []string{ids["甲"], ids["乙"]}}); err != nil {
		t.Fatal(err)
	}
	tr, err := s.CreateTraining(ctx, assess.TrainingInput{OrgID: p.town, Title: "网格学堂：矛盾排查", HeldOn: today, Hours: &h2, Trainer: "镇司法所"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAttendance(ctx, tr.ID, assess.AttendanceInput{WorkerIDs: []string{ids["甲"]}, Version: tr.Version}); err != nil {
		t.Fatal(err)
	}
	// a second clerk working from the same version is told it changed
	if _, err := s.SetAttendance(ctx, tr.ID, assess.AttendanceInput{WorkerIDs: []string{ids["乙"]}, Version: tr.Version}); !apperr.Is(err, "assess.stale") {
		t.Errorf("stale attendance: %v", err)
	}
	rec, err := s.WorkerRecord(as(p.villagePath, authz.WorkforceRead), ids["甲"])
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Awards) != 1 || rec.Awards[0].Period != month || rec.Awards[0].Title != assess.TopTen {
		t.Errorf("record awards %+v", rec.Awards)
	}
	if len(rec.Hours) != 1 || rec.Hours[0].Hours != 3.5 || rec.Hours[0].Sessions != 2 {
		t.Errorf("record hours %+v", rec.Hours)
	}
	list, err := s.TrainingList(ctx, p.village, "")
	if err != nil || len(list.Sessions) < 1 {
		t.Fatalf("training list %+v %v", list, err)
	}
	for _, h := range list.Hours {
		if h.WorkerID == ids["甲"] && h.Hours != 3.5 {
			t.Errorf("甲's hours in the list: %+v", h)
		}
	}
	// Hours need a value in range.
	bad := 0.0
	if _, err := s.CreateTraining(ctx, assess.TrainingInput{OrgID: p.village, Title: "x", HeldOn: today, Hours: &bad, Trainer: "y"}); !hasField(err, "hours") {
		t.Errorf("zero hours: %v", err)
	}
}

// A town sees and scores its own members only; another town's member or
// area answers as unknown.
func TestScope(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := placeOf(t, a)
	var otherTown string
	if err := a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM org_nodes WHERE parent_id = ? AND id <> ? ORDER BY code LIMIT 1",
		p.county, p.town).Scan(&otherTown); err != nil {
		t.Fatal(err)
	}
	mine := addWorker(t, a, p.village, "本镇网格员", "full_time")
	theirs := addWorker(t, a, otherTown, "外镇网格员", "full_time")
	s := assess.New(a.DB, a.Audit, a.Keys)
	town := as(p.townPath, authz.AssessRead, authz.AssessWrite, authz.WorkforceRead)
	b, err := s.Board(town, assess.BoardQuery{Period: "day"})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range b.Rows {
		seen[r.ID] = true
	}
	if !seen[mine] || seen[theirs] {
		t.Errorf("town board: mine %v theirs %v", seen[mine], seen[theirs])
	}
	if _, err := s.Board(town, assess.BoardQuery{OrgID: otherTown}); !hasField(err, "org_id") {
		t.Errorf("another town's board: %v", err)
	}
	one := 1.0
	month := time.Now().In(zone).Format("2006-01")
	if _, err := s.AddOffline(town, assess.OfflineInput{WorkerID: theirs, Month: month, Points: &one, Reason: "越权"}); !hasField(err, "worker_id") {
		t.Errorf("another town's member scored: %v", err)
	}
	if _, err := s.WorkerRecord(town, theirs); !apperr.Is(err, "not_found") {
		t.Errorf("another town's record: %v", err)
	}
	if _, err := s.AddOffline(town, assess.OfflineInput{WorkerID: mine, Month: month, Points: &one, Reason: "按时完成巡查"}); err != nil {
		t.Errorf("own member: %v", err)
	}
}

// Closing a month freezes its scores: a later change of the data or an
// offline entry does not move the published ranking.
func TestCloseMonthFreezes(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := placeOf(t, a)
	w := addWorker(t, a, p.village, "结账网格员", "full_time")
	sh := tally.Sheets{}
	sh.Add("report.filed", w, tally.Count{Done: 5, Due: 10})
	src := &fake{sh}
	s := assess.New(a.DB, a.Audit, a.Keys, src)
	ctx := as(p.countyPath, authz.AssessRead, authz.AssessWrite)
	last := time.Now().In(zone).AddDate(0, -1, 0).Format("2006-01")
	this := time.Now().In(zone).Format("2006-01")
	if _, err := s.CloseMonth(ctx, assess.CloseInput{Month: this}); !hasField(err, "month") {
		t.Errorf("closing a running month: %v", err)
	}
	if _, err := s.CloseMonth(as(p.townPath, authz.AssessWrite, authz.AssessRead), assess.CloseInput{OrgID: p.county, Month: last}); err == nil {
		t.Error("a town closed the county's month")
	}
	c, err := s.CloseMonth(ctx, assess.CloseInput{Month: last})
	if err != nil || c.OrgID != p.county || c.Members == 0 {
		t.Fatalf("close %+v %v", c, err)
	}
	if _, err := s.CloseMonth(ctx, assess.CloseInput{Month: last}); !apperr.Is(err, "assess.month_closed") {
		t.Errorf("closed twice: %v", err)
	}
	sh.Add("report.filed", w, tally.Count{Done: 5}) // a later fix: all ten filed
	b, err := s.Board(ctx, assess.BoardQuery{Period: "month", Month: last, OrgID: p.village})
	if err != nil {
		t.Fatal(err)
	}
	if r := member(t, b, w); !b.Closed || metric(t, r, "report.filed").Done != 5 {
		t.Errorf("closed board %v %+v", b.Closed, r)
	}
	one := 1.0
	if _, err := s.AddOffline(ctx, assess.OfflineInput{WorkerID: w, Month: last, Points: &one, Reason: "补录"}); !apperr.Is(err, "assess.month_closed") {
		t.Errorf("offline in a closed month: %v", err)
	}
	b, _ = s.Board(ctx, assess.BoardQuery{Period: "month", Month: this, OrgID: p.village})
	if r := member(t, b, w); b.Closed || metric(t, r, "report.filed").Done != 10 {
		t.Errorf("open month %v %+v", b.Closed, r)
	}
}

// The events' tally: reports filed of those sent, and re-checks on time,
// per roster member, counted by the casework room itself.
func TestCaseworkTally(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	p := placeOf(t, a)
	ctx := context.Background()
	user, err := a.Accounts.UserID(authz.WithPrincipal(ctx, authz.System()), "gridmember")
	if err != nil {
		t.Fatal(err)
	}
	w, err := org.WorkerOfUser(ctx, a.DB.Reader(), user)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UnixMilli()
	n := 0
	event := func(state string, steps ...string) {
		t.Helper()
		n++
		id := db.NewID()
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, org_id, path, level, state, stage, stage_started_at,
				reporter_id, created_at, updated_at) VALUES (?, ?, 'grid', '0101', 'normal', '测试', ?, ?, 'village', ?, 'intake', ?, ?, ?, ?)`,
				id, fmt.Sprintf("T%d-%s", n, id[:6]), p.village, p.villagePath, state, now, user, now, now); err != nil {
				return err
			}
			for i, s := range steps {
				actor := "someone"
				if s == "check_pass" || s == "check_fail" {
					actor = user
				}
				from := "handled"
				if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, note)
					VALUES (?, ?, ?, ?, '', '', ?, ?, '', '')`, id, i+1, now+int64(i), actor, s, from); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	event("reported")
	event("refused")
	event("merged")
	event("filed")
	event("closed", "report_result", "check_pass")                                           // on time
	event("closed", "report_result", "overdue", "check_pass")                                // late
	event("handling", "report_result", "overdue", "check_fail")                              // late
	event("closed", "report_result", "overdue", "check_fail", "report_result", "check_pass") // the second check on time
	sheets, err := a.Events.Tally(ctx, tally.Period{From: now - 1000, To: now + 1000, Path: p.townPath})
	if err != nil {
		t.Fatal(err)
	}
	if got := sheets["report.filed"][w.ID]; got.Due != 8 || got.Done != 5 {
		t.Errorf("report.filed %+v, want 5 of 8", got)
	}
	if got := sheets["recheck.on_time"][w.ID]; got.Due != 5 || got.Done != 2 {
		t.Errorf("recheck.on_time %+v, want 2 of 5", got)
	}
	// Outside the period nothing counts.
	sheets, _ = a.Events.Tally(ctx, tally.Period{From: now + 1000, To: now + 2000, Path: p.townPath})
	if len(sheets["report.filed"]) != 0 {
		t.Errorf("outside the period: %+v", sheets)
	}

	// Through the app's own wiring the member sees the same on the phone.
	c := a.Login("grid_member")
	var mine assess.Mine
	if st := c.Do("GET", "/api/v1/assess/mine", nil, &mine); st != http.StatusOK {
		t.Fatalf("mine: %d", st)
	}
	found := false
	for _, m := range mine.Score.Metrics {
		if m.Metric == "report.filed" {
			found = true
			if m.Due < 8 || m.Done < 5 {
				t.Errorf("mine report.filed %+v", m)
			}
		}
	}
	if !found || mine.Score.WorkerID != w.ID || mine.Rank < 1 {
		t.Errorf("mine %+v", mine)
	}
}
