package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/testapp"
)

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
