package proof_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/testapp"
)

const (
	replayReports  = 1000
	replayMaxSends = 5  // each report is sent 1…5 times at once
	replayInFlight = 16 // reports being sent at the same time
	replayAgain    = 200
)

// answer is what one POST of a report got back.
type answer struct {
	status   int
	id       string
	code     string // problem code of an error answer
	replayed bool
	err      error
}

// TestReplayMakesOneEventPerKey sends 1,000 reports, each 1–5 times at once
// with the same Idempotency-Key and body, restarts the server, and sends 200
// of them again: every report is exactly one event, every answer to a key
// names that event, exactly one answer per key is not marked as a replay,
// and a key sent with another body is refused with 422 — before and after
// the restart. Runs on SQLite, or on PostgreSQL with GRIDGOV_TEST_DATABASE_URL.
func TestReplayMakesOneEventPerKey(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a thousand reports three thousand times; skipped with -short")
	}
	t.Parallel()
	a := testapp.New(t)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	acc := a.Account("grid_member")
	c := login(ctx, t, a.URL, demoAccount{acc.Username, acc.Password, acc.TOTPSecret})
	defer c.close()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	t.Logf("random seed %d", seed)

	type rep struct {
		key, other string // other: another body under the same key
		body       []byte
		sends      int
		again      int // sends after the restart
		id         string
	}
	reps := make([]*rep, replayReports)
	bodyOf := func(desc string) []byte {
		return fmt.Appendf(nil, `{"channel":"grid","category_code":"0101","description":%q,"lat":%v,"lng":%v}`,
			desc, a.Demo.Center.Lat, a.Demo.Center.Lng)
	}
	for i := range reps {
		key := fmt.Sprintf("replay-%04d-%x", i, rng.Uint32())
		reps[i] = &rep{key: key, body: bodyOf("replay proof " + key), other: "another matter " + key, sends: 1 + rng.IntN(replayMaxSends)}
	}

	post := func(body []byte, key string) answer {
		status, b, replayed, err := c.post(ctx, "/api/v1/events", body, map[string]string{"Idempotency-Key": key})
		var out struct {
			ID   string `json:"id"`
			Code string `json:"code"`
		}
		if err == nil {
			json.Unmarshal(b, &out)
		}
		return answer{status: status, id: out.ID, code: out.Code, replayed: replayed, err: err}
	}
	// burst sends bodies under one key at the same moment and returns the answers.
	burst := func(key string, bodies [][]byte) []answer {
		out := make([]answer, len(bodies))
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for i, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				out[i] = post(b, key)
			}()
		}
		close(gate)
		wg.Wait()
		return out
	}
	// forEach runs fn over reports, replayInFlight at a time.
	forEach := func(reps []*rep, fn func(r *rep)) {
		sem := make(chan struct{}, replayInFlight)
		var wg sync.WaitGroup
		for _, r := range reps {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				fn(r)
			}()
		}
		wg.Wait()
	}

	// 1. Every report 1–5 times at once.
	start := time.Now()
	sends := 0
	for _, r := range reps {
		sends += r.sends
	}
	forEach(reps, func(r *rep) {
		bodies := make([][]byte, r.sends)
		for i := range bodies {
			bodies[i] = r.body
		}
		answers := burst(r.key, bodies)
		fresh := 0
		for _, x := range answers {
			switch {
			case x.err != nil || x.status != 201:
				t.Errorf("%s: %d %s %v", r.key, x.status, x.code, x.err)
				return
			case !x.replayed:
				fresh++
			}
			if x.id != answers[0].id {
				t.Errorf("%s: answers name events %s and %s", r.key, answers[0].id, x.id)
			}
		}
		if fresh != 1 {
			t.Errorf("%s sent %d times: %d answers not marked as replays, want 1", r.key, r.sends, fresh)
		}
		r.id = answers[0].id
	})
	t.Logf("%d reports in %d concurrent sends: %s", len(reps), sends, time.Since(start).Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}

	// 2. A key reused with another body is refused.
	refused := func(x answer, r *rep) {
		if x.err != nil || x.status != 422 || x.code != "idempotency.key_reused" {
			t.Errorf("%s with another body: %d %q %v, want 422 idempotency.key_reused", r.key, x.status, x.code, x.err)
		}
	}
	forEach(reps[:100], func(r *rep) { refused(post(bodyOf(r.other), r.key), r) })

	// 3. Restart the server on the same database; the session lives in the
	// database, so the client goes on with it.
	a.Server.Close()
	a.App.Close()
	reopened, err := app.Open(ctx, a.Cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reopened.Router)
	t.Cleanup(func() { srv.Close(); reopened.Close() })
	a.App, a.Server, a.URL = reopened, srv, srv.URL
	c.base = srv.URL

	// 4. After the restart, 200 reports again, 1–3 times at once, together
	// with one send of another body under the same key.
	again := make([]*rep, 0, replayAgain)
	for _, i := range rng.Perm(len(reps))[:replayAgain] {
		reps[i].again = 1 + rng.IntN(3)
		again = append(again, reps[i])
	}
	forEach(again, func(r *rep) {
		n := r.again
		bodies := make([][]byte, n, n+1)
		for i := range bodies {
			bodies[i] = r.body
		}
		bodies = append(bodies, bodyOf(r.other))
		answers := burst(r.key, bodies)
		for _, x := range answers[:n] {
			if x.err != nil || x.status != 201 || !x.replayed || x.id != r.id {
				t.Errorf("%s after restart: %d replayed=%v event %s (first answer %s) %v", r.key, x.status, x.replayed, x.id, r.id, x.err)
			}
		}
		refused(answers[n], r)
	})

	// 5. Exactly one event per key, each with one timeline entry and one
	// audit row, and the key maps to it.
	q := a.DB.Reader()
	var events, distinct, keys, logs, audits int
	if err := q.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT description) FROM events").Scan(&events, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM idempotency_keys WHERE key LIKE 'replay-%'").Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM event_log WHERE action = 'report'").Scan(&logs); err != nil {
		t.Fatal(err)
	}
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'event.report'").Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if events != replayReports || distinct != replayReports || keys != replayReports || logs != replayReports || audits != replayReports {
		t.Errorf("%d events (%d distinct), %d keys, %d timeline entries, %d audit rows: want %d of each",
			events, distinct, keys, logs, audits, replayReports)
	}
	stored := map[string]string{}
	rows, err := q.QueryContext(ctx, "SELECT k.key, e.id FROM idempotency_keys k JOIN events e ON e.id = k.body WHERE k.key LIKE 'replay-%'")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, id string
		if err := rows.Scan(&k, &id); err != nil {
			t.Fatal(err)
		}
		stored[k] = id
	}
	rows.Close()
	for _, r := range reps {
		if stored[r.key] != r.id {
			t.Errorf("%s: key maps to event %q, answered %s", r.key, stored[r.key], r.id)
		}
	}
}
