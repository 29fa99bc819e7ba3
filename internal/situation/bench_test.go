package situation_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/situation"
	"github.com/gridgov/gridgov/internal/testapp"
)

// BenchmarkFeed measures the feed as a source uses it, over HTTP with
// signed requests: batches of 100 new police situations (each checked,
// located to its grid by its point, its person sealed and blind-indexed,
// the day's traffic counted), and one record a request with its p99;
// beside them the bare insert of the same rows, 100 to a transaction, with
// no check, no location and no sealing — the ceiling:
//
//	go test -run '^$' -bench Feed -benchtime 2000x ./internal/situation/
func BenchmarkFeed(b *testing.B) {
	a := testapp.New(b)
	a.Situations.FeedPerMinute = 1 << 30
	p := demoPlace(b, a)
	var src situation.NewSource
	if st := a.Login("intake").Do("POST", "/api/v1/situation-areas/"+p.county+"/sources", situation.SourceInput{Name: "基准110", Kind: "police"}, &src); st != 201 {
		b.Fatalf("source: %d", st)
	}
	anon := a.Anon()
	seq := 0
	record := func() situation.Input {
		seq++
		lat, lng := p.lat+float64(seq%7)*0.00001, p.lng
		return situation.Input{ExternalID: fmt.Sprintf("B-%08d", seq), Category: "dispute", OccurredAt: time.Now().Add(-time.Minute).Format(time.RFC3339),
			Place: "建设路14号", Lat: &lat, Lng: &lng, Summary: "商铺占道经营引发口角，民警到场调解",
			People: []situation.Person{{Name: "张某某", Phone: "13902761458", Role: "当事人"}}}
	}
	send := func(n int) {
		in := situation.FeedInput{}
		for range n {
			in.Items = append(in.Items, record())
		}
		if r := sign(anon, src.Key, src.Secret, time.Now(), in); r.Status != 200 {
			b.Fatalf("feed: %d %s", r.Status, r.Body)
		}
	}
	b.Run("batch100", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			send(100)
		}
		b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "records/s")
	})
	b.Run("one", func(b *testing.B) {
		var took []time.Duration
		start := time.Now()
		for b.Loop() {
			t0 := time.Now()
			send(1)
			took = append(took, time.Since(t0))
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
		slices.Sort(took)
		b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	})
	b.Run("bare100", func(b *testing.B) {
		ctx := context.Background()
		start := time.Now()
		for b.Loop() {
			err := a.DB.InTx(ctx, func(tx *db.Tx) error {
				for range 100 {
					in := record()
					if _, err := tx.ExecContext(ctx, `INSERT INTO situations (id, root_id, kind, category, level, occurred_at, day, place, lat, lng, area_id, town_id, grid_id, grid_name, path,
						summary, people_sealed, people_count, origin, source_id, external_id, fingerprint, status, close_note, created_by, created_at, updated_at)
						VALUES (?, ?, 'police', ?, 'general', ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, '', 1, 'feed', ?, ?, '', 'open', '', 'bench', ?, ?)`,
						db.NewID(), p.county, in.Category, time.Now().UnixMilli(), "2026-12-07", in.Place, *in.Lat, *in.Lng, p.village, p.town, p.grid, p.village,
						in.Summary, src.ID, in.ExternalID, time.Now().UnixMilli(), time.Now().UnixMilli()); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(100*b.N)/time.Since(start).Seconds(), "records/s")
	})
}
