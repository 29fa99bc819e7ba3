package safety_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The quarterly review: each area's quarter against the months it was
// computed from, the worst-moving indicator first, the conclusion and the
// decisions recorded. The year's assessment: the average of the published
// months with the year's items, ranks and grades, a veto last, and a year
// published only once it has ended, then fixed.
func TestReviewAndYear(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader := a.Login("intake"), a.Login("leader")
	var county string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	base := "/api/v1/safety/roots/" + county
	now := time.Now().In(safety.Zone)
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, safety.Zone)
	q := first.AddDate(0, -3, 0)
	period := fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())+2)/3)

	var r safety.Review
	if st := leader.Do("GET", base+"/reviews/"+period, nil, &r); st != 200 || len(r.Months) != 3 || len(r.Areas) != 9 || r.Areas[0].Level != "county" ||
		len(r.Indicators) == 0 || r.Conclusion == "" || len(r.Decisions) != 2 || r.CanManage {
		t.Fatalf("review: %d %+v", st, r)
	}
	// A town's average is the mean of its months as the ranking has them.
	town := r.Areas[1]
	sum := 0.0
	for i, m := range r.Months {
		var area safety.AreaMonth
		leader.Do("GET", "/api/v1/safety/areas/"+town.AreaID+"/months/"+m, nil, &area)
		if town.Scores[i] == nil || *town.Scores[i] != area.Score {
			t.Fatalf("%s %s: %v vs %v", town.Name, m, town.Scores[i], area.Score)
		}
		sum += area.Score
	}
	if town.Average == nil || math.Abs(*town.Average-sum/3) > 0.006 {
		t.Fatalf("average %v, want %.2f", town.Average, sum/3)
	}
	for i := 1; i < len(r.Indicators); i++ {
		a, b := r.Indicators[i-1].Change, r.Indicators[i].Change
		if a != nil && b != nil && *a > *b {
			t.Fatalf("worst-moving first: %+v", r.Indicators)
		}
	}
	if p := intake.Fail("POST", base+"/reviews/"+period+"/decisions", safety.DecisionInput{Text: "约谈", DueOn: "明天"}); len(p.Errors) != 1 || p.Errors[0].Field != "due_on" {
		t.Fatalf("bad decision: %+v", p)
	}
	if st := intake.Do("POST", base+"/reviews/"+period+"/decisions", safety.DecisionInput{Text: "组织专题培训", Owner: "区委政法委"}, &r); st != 200 || len(r.Decisions) != 3 {
		t.Fatalf("decision: %d %+v", st, r.Decisions)
	}
	if st := intake.Do("PUT", base+"/reviews/"+period, safety.ReviewInput{Version: r.Version, Conclusion: "总体平稳。"}, &r); st != 200 || r.Conclusion != "总体平稳。" {
		t.Fatalf("conclusion: %d %+v", st, r)
	}
	if st := leader.Do("PUT", base+"/reviews/"+period, safety.ReviewInput{Version: r.Version, Conclusion: "x"}, nil); st != 403 {
		t.Fatalf("a leader writes the review: %d", st)
	}
	if p := leader.Fail("GET", base+"/reviews/2026-Q5", nil); p.Code != "safety.period_invalid" {
		t.Fatalf("bad period: %+v", p)
	}

	// The year of last month.
	year := strconv.Itoa(first.AddDate(0, -1, 0).Year())
	var y safety.Year
	if st := leader.Do("GET", base+"/years/"+year, nil, &y); st != 200 || len(y.Areas) != 9 || len(y.Items) != 3 {
		t.Fatalf("year: %d %+v", st, y)
	}
	var avg float64
	var months int
	a.DB.Reader().QueryRowContext(ctx, `SELECT avg(a.score), count(*) FROM safety_areas a JOIN safety_months m ON m.id = a.month_id
		WHERE m.root_id = ? AND a.area_id = ? AND m.status = 'published' AND m.month LIKE ?`, county, county, year+"-%").Scan(&avg, &months)
	if c := y.Areas[0]; c.Level != "county" || c.Months != months || math.Abs(*c.Average-avg) > 0.006 {
		t.Fatalf("county's year: %+v, want %d months averaging %.2f", c, months, avg)
	}
	towns := y.Areas[1:]
	target := towns[len(towns)-1]
	if p := intake.Fail("POST", base+"/years/"+year+"/items", safety.YearItemInput{AreaID: target.AreaID, Kind: "deduction", Points: 25, Reason: "太多"}); p.Errors[0].Field != "points" {
		t.Fatalf("deduction over 20: %+v", p)
	}
	if st := intake.Do("POST", base+"/years/"+year+"/items", safety.YearItemInput{AreaID: target.AreaID, Kind: "bonus", Points: 2, Reason: "工作创新获表彰"}, &y); st != 200 {
		t.Fatalf("bonus: %d", st)
	}
	var got safety.YearArea
	for _, x := range y.Areas {
		if x.AreaID == target.AreaID {
			got = x
		}
	}
	if want := math.Min(100, math.Round((*got.Average+got.Items)*100)/100); *got.Final != want || got.Items != target.Items+2 {
		t.Fatalf("final: %+v, want %.2f", got, want)
	}
	// A veto fails the first town and ranks it last.
	best := towns[0]
	if st := intake.Do("POST", base+"/years/"+year+"/items", safety.YearItemInput{AreaID: best.AreaID, Kind: "veto", Reason: "发生重大群体性事件"}, &y); st != 200 {
		t.Fatalf("veto: %d", st)
	}
	last := y.Areas[len(y.Areas)-1]
	if last.AreaID != best.AreaID || last.Grade != safety.GradeFail || !last.Veto || last.Rank != len(towns) {
		t.Fatalf("vetoed: %+v", last)
	}
	if p := intake.Fail("POST", base+"/years/"+year+"/publish", map[string]any{}); p.Code != "safety.year_running" && now.Year() == first.AddDate(0, -1, 0).Year() {
		t.Fatalf("publish a running year: %+v", p)
	}
	// The year before ended: published, then fixed.
	before := strconv.Itoa(now.Year() - 1)
	if st := intake.Do("POST", base+"/years/"+before+"/publish", map[string]any{}, &y); st != 200 || !y.Published {
		t.Fatalf("publish: %d %+v", st, y)
	}
	if p := intake.Fail("POST", base+"/years/"+before+"/items", safety.YearItemInput{AreaID: best.AreaID, Kind: "bonus", Points: 1, Reason: "补充加分"}); p.Code != "safety.year_published" {
		t.Fatalf("item on a published year: %+v", p)
	}
}
