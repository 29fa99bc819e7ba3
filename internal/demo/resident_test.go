package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/testapp"
)

// The demo resident finds reports of their own on the phone page's 我的:
// one in every stage a resident follows, the closed one waiting for their
// rating with the handler's reply and an after-photo they may open.
func TestDemoResidentHasReports(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	if _, err := demo.Events(context.Background(), a.DB, 0, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	res := a.Login("resident")
	var list struct {
		Items []struct {
			ID     string  `json:"id"`
			State  string  `json:"state"`
			Rating *string `json:"rating"`
		} `json:"items"`
	}
	if st := res.Do("GET", "/api/v1/events?mine=true", nil, &list); st != 200 {
		t.Fatalf("mine: %d", st)
	}
	var got []string
	for _, e := range list.Items {
		st := e.State
		if e.Rating != nil {
			st += "/" + *e.Rating
		}
		got = append(got, st)
		if e.State != "closed" || e.Rating != nil {
			continue
		}
		var ev struct {
			Timeline []struct {
				Action     string `json:"action"`
				Actor      string `json:"actor"`
				PublicNote string `json:"public_note"`
				Media      []struct {
					ID   string `json:"id"`
					Kind string `json:"kind"`
				} `json:"media"`
			} `json:"timeline"`
		}
		res.Do("GET", "/api/v1/events/"+e.ID, nil, &ev)
		reply, photo := "", ""
		for _, s := range ev.Timeline {
			if s.Action == "report_result" {
				reply = s.PublicNote
				for _, m := range s.Media {
					if m.Kind == "after" {
						photo = m.ID
					}
				}
			}
		}
		if reply == "" || photo == "" {
			t.Fatalf("the closed report awaiting a rating has reply %q, after-photo %q", reply, photo)
		}
		if r := res.Raw("GET", "/api/v1/events/"+e.ID+"/media/"+photo, "", nil); r.Status != 200 || len(r.Body) < 1000 {
			t.Fatalf("the after-photo: %d, %d bytes", r.Status, len(r.Body))
		}
	}
	if strings.Join(got, ",") != "reported,handling,closed,closed/satisfied" {
		t.Fatalf("the demo resident's reports, newest first: %v", got)
	}
}
