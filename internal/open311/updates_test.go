package open311_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/testapp"
)

// More updates than one page: without a window the newest come first and
// page through every update exactly once; a window still answers oldest
// first, paged the same way.
func TestServiceRequestUpdatesPages(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	c := a.Anon()
	ctx := context.Background()
	key := url.QueryEscape(a.Demo.Open311Key)

	// An old request with a long history: 1,100 notes over the days after
	// its report, more than the 1,000 a page holds by default.
	old := create(t, a, report(a))
	var id string
	if err := a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM events WHERE no = ?", old).Scan(&id); err != nil {
		t.Fatal(err)
	}
	reported := time.Now().Add(-30 * 24 * time.Hour).UnixMilli()
	const notes = 1100
	err := a.DB.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "UPDATE events SET created_at = ?, published_at = ? WHERE id = ?", reported, reported, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE event_log SET at = ? WHERE event_id = ?", reported, id); err != nil {
			return err
		}
		for i := 0; i < notes; i++ {
			if _, err := tx.ExecContext(ctx, `INSERT INTO event_log (event_id, seq, at, actor_id, actor_name, actor_role, action, from_state, to_state, note, public_note)
				VALUES (?, ?, ?, 'demo', '演示', '', 'public_update', 'reported', 'reported', '', ?)`, id, i+2, reported+int64(i+1)*60_000, fmt.Sprintf("第 %d 次补充", i+1)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Two new requests, and a client's update on the newest: the latest of all.
	create(t, a, report(a))
	newest := create(t, a, report(a))
	r := post(c, "/servicerequestupdates.json", form("api_key", a.Demo.Open311Key, "service_request_id", newest, "status", "OPEN",
		"description", "井盖今天又松了"), nil)
	if r.Status != 201 {
		t.Fatalf("POST update: %d %s", r.Status, r.Body)
	}
	var posted []struct {
		UpdateID string `json:"update_id"`
	}
	parseJSON(t, r, &posted)
	total := 1 + notes + 2 + 1 // the old report and its notes, two reports, the client's update

	type update struct {
		UpdateID string `json:"update_id"`
		Updated  string `json:"updated_datetime"`
	}
	page := func(query string) []update {
		t.Helper()
		var ups []update
		parseJSON(t, get(c, "/servicerequestupdates.json?api_key="+key+query), &ups)
		return ups
	}
	at := func(u update) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, u.Updated)
		if err != nil {
			t.Fatalf("updated_datetime %q: %v", u.Updated, err)
		}
		return v
	}
	// walk pages through a query until a short page, and checks each id comes once.
	walk := func(query string, size int, newestFirst bool) []update {
		t.Helper()
		var all []update
		seen := map[string]bool{}
		for n := 1; ; n++ {
			q := query + fmt.Sprintf("&page=%d", n)
			if size > 0 {
				q += fmt.Sprintf("&page_size=%d", size)
			}
			ups := page(q)
			for _, u := range ups {
				if seen[u.UpdateID] {
					t.Fatalf("%s: update %s on two pages", q, u.UpdateID)
				}
				seen[u.UpdateID] = true
				if len(all) > 0 {
					prev, cur := at(all[len(all)-1]), at(u)
					if newestFirst && cur.After(prev) || !newestFirst && cur.Before(prev) {
						t.Fatalf("%s: %s at %s after %s at %s: out of order", q, u.UpdateID, u.Updated, all[len(all)-1].UpdateID, all[len(all)-1].Updated)
					}
				}
				all = append(all, u)
			}
			want := size
			if want == 0 {
				want = 1000
			}
			if len(ups) < want {
				return all
			}
			if n > total {
				t.Fatalf("%s: no end of pages", query)
			}
		}
	}

	// Without a window: the client's update first, 1,000 on the first page.
	first := page("")
	if len(first) != 1000 || first[0].UpdateID != posted[0].UpdateID {
		t.Fatalf("first page: %d updates, first %+v, want 1000 starting with %s", len(first), first[:min(1, len(first))], posted[0].UpdateID)
	}
	for _, size := range []int{0, 7, 1000} {
		all := walk("", size, true)
		if len(all) != total {
			t.Fatalf("page_size %d: %d updates reached, want %d", size, len(all), total)
		}
		if all[0].UpdateID != posted[0].UpdateID || all[len(all)-1].UpdateID != old+"-1" {
			t.Fatalf("page_size %d: from %s to %s", size, all[0].UpdateID, all[len(all)-1].UpdateID)
		}
	}

	// A window answers oldest first, and pages reach past its first 1,000.
	from := time.UnixMilli(reported).UTC().Format(time.RFC3339)
	to := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	windowed := walk("&start_date="+url.QueryEscape(from)+"&end_date="+url.QueryEscape(to), 0, false)
	if len(windowed) != total || windowed[0].UpdateID != old+"-1" || windowed[len(windowed)-1].UpdateID != posted[0].UpdateID {
		t.Fatalf("window: %d updates, want %d from %s to %s", len(windowed), total, old+"-1", posted[0].UpdateID)
	}
	ids := func(us []update) []string {
		out := make([]string, len(us))
		for i, u := range us {
			out[i] = u.UpdateID
		}
		return out
	}
	back := ids(walk("", 50, true))
	slices.Reverse(back)
	if !slices.Equal(back, ids(windowed)) {
		t.Fatal("the window oldest first is not the newest-first pages reversed")
	}

	wantError(t, get(c, "/servicerequestupdates.json?api_key="+key+"&page_size=1001"), 400, "page_size")
	wantError(t, get(c, "/servicerequestupdates.xml?api_key="+key+"&page=0"), 400, "page")
}
