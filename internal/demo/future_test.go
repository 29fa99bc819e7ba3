package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/auth/password"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/demo"
)

// deadline reports whether a dated column holds a moment still to come by
// design (a deadline, a light, an expiry, a next try, the bounds of a
// planned patrol window), not one that happened.
func deadline(col string) bool {
	for _, w := range []string{"due", "warn", "expires", "until", "next_", "starts_at", "ends_at"} {
		if strings.Contains(col, w) {
			return true
		}
	}
	return false
}

// datedColumns lists every column of every table that records when
// something happened: "at" and the names ending in "_at".
func datedColumns(ctx context.Context, t *testing.T, d *db.DB) map[string][]string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`
	if d.Dialect == db.Postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()`
	}
	rows, err := d.Reader().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if (col == "at" || strings.HasSuffix(col, "_at")) && !deadline(col) {
			out[table] = append(out[table], col)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// The demo never writes the future: no step, update, rating or any other
// moment that happened is dated after the build's end, in any table; each
// event's updated_at is its latest step, and what Open311 shows as a
// request's updated_datetime is the moment of its newest update.
func TestDemoWritesNoFuture(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole county demo with its year of events")
	}
	t.Parallel()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL = t.TempDir(), ""
	if dbtest.PostgresURL() != "" {
		cfg.DatabaseURL = dbtest.URL(t)
	}
	a, err := app.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.Authn.Params = password.TestParams
	res, err := demo.Build(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, Registry: a.Registry, KeyPersons: a.KeyPersons, Sheets: a.Sheets, Disputes: a.Disputes, NoDisputeCases: true},
		demo.Scales["county"], 2026, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	built := time.Now().UnixMilli()
	if res.Events == 0 || res.People == 0 {
		t.Fatalf("the demo wrote %d events and %d people", res.Events, res.People)
	}

	r := a.DB.Reader()
	dated := datedColumns(ctx, t, a.DB)
	for _, must := range [][2]string{{"events", "updated_at"}, {"events", "closed_at"}, {"event_log", "at"}, {"audit_log", "at"}, {"visits", "created_at"}} {
		if !slices.Contains(dated[must[0]], must[1]) {
			t.Errorf("%s.%s is not among the dated columns: %v", must[0], must[1], dated)
		}
	}
	checked := 0
	for table, cols := range dated {
		for _, col := range cols {
			var n int
			var latest *int64
			q := fmt.Sprintf("SELECT count(*), max(%s) FROM %s WHERE %s > ?", col, table, col)
			if err := r.QueryRowContext(ctx, q, built).Scan(&n, &latest); err != nil {
				t.Fatalf("%s.%s: %v", table, col, err)
			}
			if n > 0 {
				t.Errorf("%s.%s: %d rows dated after the build (the latest %s, built %s)", table, col, n,
					time.UnixMilli(*latest).Format(time.RFC3339), time.UnixMilli(built).Format(time.RFC3339))
			}
			checked++
		}
	}
	t.Logf("%d dated columns checked", checked)

	// Each event's updated_at is its latest step.
	var stale int
	if err := r.QueryRowContext(ctx, `SELECT count(*) FROM events e
		WHERE e.updated_at <> (SELECT max(l.at) FROM event_log l WHERE l.event_id = e.id)`).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale > 0 {
		t.Errorf("%d events whose updated_at is not their latest step", stale)
	}

	// Open311: each request's updated_datetime is its newest update's.
	srv := httptest.NewServer(a.Router)
	t.Cleanup(srv.Close)
	getJSON := func(path string, out any) {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + "/open311/v2/" + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	type item struct {
		ID      string `json:"service_request_id"`
		Updated string `json:"updated_datetime"`
	}
	newest := map[string]string{} // request → its newest update's time
	key := url.QueryEscape(res.Open311Key)
	for page := 1; ; page++ {
		var ups []item
		getJSON(fmt.Sprintf("servicerequestupdates.json?api_key=%s&page=%d", key, page), &ups)
		for _, u := range ups {
			if _, seen := newest[u.ID]; !seen { // newest first
				newest[u.ID] = u.Updated
			}
		}
		if len(ups) < 1000 {
			break
		}
	}
	requests, wrong := 0, 0
	end := time.Now()
	for from := end.AddDate(-1, 0, -1); from.Before(end); from = from.Add(89 * 24 * time.Hour) {
		to := from.Add(89 * 24 * time.Hour)
		if to.After(end) {
			to = end
		}
		for page := 1; ; page++ {
			var reqs []item
			getJSON(fmt.Sprintf("requests.json?start_date=%s&end_date=%s&page=%d", url.QueryEscape(from.Format(time.RFC3339)),
				url.QueryEscape(to.Format(time.RFC3339)), page), &reqs)
			for _, q := range reqs {
				requests++
				if newest[q.ID] != q.Updated {
					if wrong++; wrong <= 10 {
						t.Errorf("request %s: updated_datetime %s, its newest update %q", q.ID, q.Updated, newest[q.ID])
					}
				}
			}
			if len(reqs) < 1000 {
				break
			}
		}
	}
	if wrong > 10 {
		t.Errorf("… %d requests in all whose updated_datetime is not their newest update's", wrong)
	}
	if requests == 0 || len(newest) == 0 {
		t.Fatalf("%d requests and updates of %d requests to compare", requests, len(newest))
	}
	t.Logf("%d requests compared with their updates", requests)
}
