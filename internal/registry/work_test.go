package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/testapp"
)

// addPeople registers n people in the grid member's first grid.
func addPeople(t *testing.T, a *testapp.App, n int) []string {
	gm, grid := a.Login("grid_member"), gridCode(t, a)
	var ids []string
	for i := range n {
		var p person
		body := newPerson("测试"+string(rune('甲'+i)), pii.MakeID("441602", time.Date(1980, 1, 1+i, 0, 0, 0, 0, time.UTC), 40+i, i%2 == 0), grid, nil)
		if st := gm.Do("POST", "/api/v1/people", body, &p); st != 201 {
			t.Fatalf("person %d: %d %+v", i, st, gm.Fail("POST", "/api/v1/people", body))
		}
		ids = append(ids, p.ID)
	}
	return ids
}

type campaign struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Total   int    `json:"total"`
	Pending int    `json:"pending"`
	Checked int    `json:"checked"`
	Gone    int    `json:"gone"`
	New     int    `json:"new"`
	Grids   []struct {
		GridID string `json:"grid_id"`
		Total  int    `json:"total"`
	} `json:"grids"`
}

// People who moved out longer ago than the retention period are deleted
// for good by the scheduled job; the others stay.
func TestRetentionDeletesMovedOut(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	ids := addPeople(t, a, 2)
	gm := a.Login("grid_member")
	if st := gm.Do("POST", "/api/v1/people/"+ids[0]+"/status", map[string]any{"status": "moved_out", "version": 1}, nil); st != 200 {
		t.Fatalf("move out: %d", st)
	}
	if n, err := a.Registry.Expire(ctx); err != nil || n != 0 {
		t.Fatalf("expired too early: %d %v", n, err)
	}
	a.Registry.Now = func() time.Time { return time.Now().Add(1826 * 24 * time.Hour) }
	defer func() { a.Registry.Now = time.Now }()
	if n, err := a.Registry.Expire(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d %v", n, err)
	}
	var left int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM people WHERE id IN (?, ?)", ids[0], ids[1]).Scan(&left)
	if left != 1 {
		t.Errorf("want only the active person left, have %d", left)
	}
	if st := gm.Do("GET", "/api/v1/people/"+ids[0], nil, nil); st != 404 {
		t.Errorf("expired person still readable: %d", st)
	}
}
