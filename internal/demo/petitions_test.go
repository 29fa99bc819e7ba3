package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo's year of petitions has the desk's mix: every channel, some
// repeat, over-level and collective petitions, most closed with the
// petitioner satisfied, a few of key petitioners; weekly reviews with
// decisions, a Monday list with orders past their deadline, and a
// 面对面 session a month.
func TestDemoPetitions(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a year of petitions")
	}
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	ctx := context.Background()
	n, err := demo.Petitions(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, KeyPersons: a.KeyPersons, Petitions: a.Petitions}, "441602", 2026, time.Now())
	if err != nil || n < 200 {
		t.Fatalf("petitions: %d, %v", n, err)
	}
	clerk := a.LoginAs("xfclerk")
	var f struct {
		Total struct {
			Received, Closed, Repeat, Collective int
			OverLevel                            int  `json:"over_level"`
			Share                                *int `json:"share_pct"`
		} `json:"total"`
	}
	from := time.Now().AddDate(-1, 0, 0).Format("2006-01")
	if st := clerk.Do("GET", "/api/v1/petitions/figures?from="+from, nil, &f); st != 200 {
		t.Fatalf("figures: %d", st)
	}
	tt := f.Total
	if tt.Received != n || tt.Repeat == 0 || tt.Collective == 0 || tt.OverLevel == 0 || tt.Closed < n/2 || tt.Share == nil || *tt.Share < 70 || *tt.Share > 95 {
		t.Errorf("the year's figures: %+v share %v", tt, *tt.Share)
	}
	var channels int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(DISTINCT channel) FROM petitions").Scan(&channels)
	var linked int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM petitions WHERE key_person_id IS NOT NULL").Scan(&linked)
	if channels != 4 || linked == 0 {
		t.Errorf("%d channels, %d petitions of key petitioners", channels, linked)
	}
	var monday struct {
		Items             []struct{ ID string }
		SupervisedOverdue int `json:"supervised_overdue"`
		Overdue           int `json:"overdue"`
	}
	clerk.Do("GET", "/api/v1/petitions/monday", nil, &monday)
	if monday.SupervisedOverdue != 2 || len(monday.Items) == 0 {
		t.Errorf("the Monday list: %d items, %d orders overdue", len(monday.Items), monday.SupervisedOverdue)
	}
	var reviews, decisions, sessions, closed int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM petition_reviews").Scan(&reviews)
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM petition_decisions").Scan(&decisions)
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM face_sessions").Scan(&sessions)
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM face_problems WHERE status = 'closed'").Scan(&closed)
	if reviews != 6 || decisions == 0 || sessions != 12 || closed == 0 {
		t.Errorf("%d reviews with %d decisions, %d 面对面 sessions with %d problems closed", reviews, decisions, sessions, closed)
	}
}
