package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/regsheet"
)

// The register parts of gridgov bench: bulk import of generated people
// from CSV and xlsx against raw inserts of the same rows, and Chinese search
// over a large people register.

// peopleGen makes the generated people rows of one county.
type peopleGen struct {
	region string
	grids  []string
}

func (b *bench) peopleGen() (peopleGen, error) {
	acc, err := b.account("leader")
	if err != nil {
		return peopleGen{}, err
	}
	county := acc.OrgCode[:min(6, len(acc.OrgCode))]
	rows, err := b.a.DB.Reader().QueryContext(b.ctx, "SELECT code FROM grids WHERE layer = 'zz' AND code LIKE ? ORDER BY code", county+"%")
	if err != nil {
		return peopleGen{}, err
	}
	defer rows.Close()
	g := peopleGen{region: county}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return g, err
		}
		g.grids = append(g.grids, code)
	}
	if len(g.grids) == 0 && rows.Err() == nil {
		return g, fmt.Errorf("no grids under %s", county)
	}
	return g, rows.Err()
}

func (g peopleGen) row(k int) []string { return demo.PeopleRow(k, g.region, g.grids) }

// writeSheet writes rows [from, from+n) to a new file in dir.
func (g peopleGen) writeSheet(dir string, f excel.Format, from, n int) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("people-%d-%d.%s", from, n, f))
	out, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer out.Close()
	w, err := excel.NewSheetWriter(out, f, regsheet.Sheets["people"].Name, demo.PeopleHeader)
	if err != nil {
		return "", err
	}
	for k := from; k < from+n; k++ {
		if err := w.Row(g.row(k)); err != nil {
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	return path, out.Close()
}

// importRun is the outcome of one bulk import.
type importRun struct {
	job        regsheet.Import
	took       time.Duration
	heapTenth  uint64 // peak live heap while the first tenth of the rows was read
	heapPeak   uint64 // peak live heap over the whole import
	size       int64
	rowsPerSec float64
}

// importFile runs `gridgov import people FILE --mode valid` in-process and
// samples the live heap (what the garbage collector keeps) as it goes.
func (b *bench) importFile(path string, n int) (importRun, error) {
	f, err := os.Open(path)
	if err != nil {
		return importRun{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return importRun{}, err
	}
	ctx := authz.WithPrincipal(b.ctx, authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "bench", IP: "local"})
	runtime.GC()
	start := time.Now()
	job, run, err := b.a.Sheets.StartImport(ctx, regsheet.ImportInput{Kind: "people", Mode: "valid", FileName: filepath.Base(path),
		File: f, Size: st.Size(), Limits: regsheet.BulkLimits})
	if err != nil {
		return importRun{}, err
	}
	var tenth, peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			live := sample[0].Value.Uint64()
			peak.Store(max(peak.Load(), live))
			var total, imported int
			if b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT total, imported FROM imports WHERE id = ?", job.ID).Scan(&total, &imported) == nil &&
				imported == 0 && total <= n/10 {
				tenth.Store(max(tenth.Load(), live))
			}
		}
	}()
	job = run(ctx)
	close(stop)
	<-sampled
	r := importRun{job: job, took: time.Since(start), heapTenth: tenth.Load(), heapPeak: peak.Load(), size: st.Size()}
	if job.Status != "done" {
		return r, fmt.Errorf("import %s: %s %v", filepath.Base(path), job.Status, job.Err)
	}
	r.rowsPerSec = float64(job.Imported) / r.took.Seconds()
	return r, nil
}

// rawPeople is the ceiling of an import: the same rows inserted as they
// are — no checks, no encryption, no search index, no history — into a
// scratch table shaped like people, in transactions of as many rows as an
// import commits at once, on a second handle with the same durability.
func (b *bench) rawPeople(cfg config.Config, g peopleGen, from, n int) (float64, error) {
	raw, err := db.Open(b.ctx, cfg.DBURL())
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	exec := func(ctx context.Context, q string) error {
		return raw.InTx(ctx, func(tx *db.Tx) error { _, err := tx.ExecContext(ctx, q); return err })
	}
	if err := exec(b.ctx, "DROP TABLE IF EXISTS bench_raw_people"); err != nil {
		return 0, err
	}
	if err := exec(b.ctx, `CREATE TABLE bench_raw_people (id TEXT PRIMARY KEY, name TEXT NOT NULL, id_number TEXT NOT NULL,
		kind TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL, address_detail TEXT NOT NULL, grid_code TEXT NOT NULL, residence TEXT NOT NULL)`); err != nil {
		return 0, err
	}
	defer exec(context.WithoutCancel(b.ctx), "DROP TABLE bench_raw_people")
	start := time.Now()
	const batch = 1000
	for k := from; k < from+n; k += batch {
		err := raw.InTx(b.ctx, func(tx *db.Tx) error {
			for i := k; i < min(k+batch, from+n); i++ {
				v := g.row(i)
				if _, err := tx.ExecContext(b.ctx, "INSERT INTO bench_raw_people VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
					db.NewID(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// freeRange is where generated rows may start: past the people already
// registered, so that a second run does not repeat the first one's ID numbers.
func (b *bench) freeRange() (int, error) {
	var n int
	err := b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT count(*) FROM people").Scan(&n)
	return n, err
}

// benchImport measures bulk imports of n generated people, from CSV and from
// xlsx (different people each), then raw inserts of the CSV's rows.
func (b *bench) benchImport(cfg config.Config, n int, out io.Writer, row func(what, figure, note string)) error {
	g, err := b.peopleGen()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(cfg.DataDir, "bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	from, err := b.freeRange()
	if err != nil {
		return err
	}
	var csvRate float64
	for i, f := range []excel.Format{excel.CSV, excel.XLSX} {
		t0 := time.Now()
		path, err := g.writeSheet(dir, f, from+i*n, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  (%s of %d people written in %s)\n", f, n, time.Since(t0).Round(time.Second))
		r, err := b.importFile(path, n)
		if err != nil {
			return err
		}
		if f == excel.CSV {
			csvRate = r.rowsPerSec
		}
		row(fmt.Sprintf("import %d people from %s (%d MB): check pass, then write in batches of 1,000", n, f, r.size>>20),
			fmt.Sprintf("%.0f rows/s", r.rowsPerSec),
			fmt.Sprintf("%d imported, %d rejected in %s; peak live heap %d MB after the first tenth of the rows, %d MB over the whole import",
				r.job.Imported, r.job.Rejected, r.took.Round(time.Second), r.heapTenth>>20, r.heapPeak>>20))
	}
	rawRate, err := b.rawPeople(cfg, g, from, n)
	if err != nil {
		return err
	}
	row(fmt.Sprintf("raw ceiling: the CSV's %d rows inserted as they are, 1,000 a transaction", n), fmt.Sprintf("%.0f rows/s", rawRate), "")
	row("CSV import / raw ceiling", fmt.Sprintf("%.0f %%", 100*csvRate/rawRate), "")
	return nil
}

// fillPeople tops the register up to target people through the import, a
// million rows a file, for the search measure.
func (b *bench) fillPeople(cfg config.Config, target int, out io.Writer) error {
	have, err := b.freeRange()
	if err != nil || have >= target {
		return err
	}
	g, err := b.peopleGen()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp(cfg.DataDir, "bench-fill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	// Rows are generated from their number; an earlier run's rejected rows
	// leave the count behind the numbers used, so the next file starts past
	// the last one, not at the count.
	next, idle := have, 0
	for have < target && b.ctx.Err() == nil {
		n := min(1_000_000, target-have)
		path, err := g.writeSheet(dir, excel.CSV, next, n)
		if err != nil {
			return err
		}
		next += n
		r, err := b.importFile(path, n)
		if err != nil {
			return err
		}
		os.Remove(path)
		if have, err = b.freeRange(); err != nil {
			return err
		}
		fmt.Fprintf(out, "  (register filled to %d people, %.0f rows/s, %s so far)\n", have, r.rowsPerSec, time.Since(start).Round(time.Second))
		if idle = idle + 1; r.job.Imported > 0 {
			idle = 0
		}
		if idle == 3 {
			return fmt.Errorf("fill: three files in a row imported nothing")
		}
	}
	return b.ctx.Err()
}

// searchQueries are what people type: a full name, a surname with one
// given character, a street, an estate, a door, an address fragment.
func (g peopleGen) searchQueries(n, upTo int) []string {
	rng := mrand.New(mrand.NewPCG(42, 42))
	qs := make([]string, n)
	for i := range qs {
		v := g.row(rng.IntN(max(1, upTo)))
		name, addr := []rune(v[0]), v[4]
		switch i % 5 {
		case 0:
			qs[i] = string(name)
		case 1:
			qs[i] = string(name[:2])
		case 2:
			qs[i] = addr[:strings.Index(addr, "号")+len("号")]
		case 3:
			qs[i] = addr[strings.Index(addr, "号")+len("号"):]
		case 4:
			qs[i] = string(name) + " " + addr[:strings.IndexAny(addr, "0123456789")]
		}
	}
	return qs
}

// benchSearch times POST /api/v1/registry/search as the county's leader and
// as a grid member, over a register filled to at least target people.
func (b *bench) benchSearch(cfg config.Config, target, requests int, out io.Writer, row func(what, figure, note string),
	vsRaw func(what string, raw func(n int) (latency, error), pages ...measured) error) error {
	if err := b.fillPeople(cfg, target, out); err != nil {
		return err
	}
	g, err := b.peopleGen()
	if err != nil {
		return err
	}
	var people int
	if err := b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT count(*) FROM search_index WHERE record_type = 'person'").Scan(&people); err != nil {
		return err
	}
	qs := g.searchQueries(requests+10, people)
	var pages []measured
	for _, who := range []string{"leader", "gridmember"} {
		c, err := b.login(who)
		if err != nil {
			return err
		}
		hits := 0
		l, err := b.timed(requests, func(i int) (int, []byte, error) {
			body, _ := json.Marshal(map[string]any{"q": qs[i%len(qs)], "limit": 20})
			st, ans, err := b.do(c, "POST", "/api/v1/registry/search", body, nil)
			if i >= 10 && st == 200 && strings.Contains(string(ans), `"id"`) {
				hits++
			}
			return st, ans, err
		})
		if err != nil {
			return err
		}
		row(fmt.Sprintf("search `POST /api/v1/registry/search` over %d people (%s scope, first 20 hits)", people, who),
			fmt.Sprintf("p50 %s, p95 %s", ms(l.p50), ms(l.p95)),
			fmt.Sprintf("max %s, %d queries one after another (names, streets, estates, doors), %d with hits", ms(l.max), l.n, hits))
		pages = append(pages, measured{"search, " + who, l})
	}
	raw := func(n int) (latency, error) { return b.rawSearch(n, qs) }
	return vsRaw("the same words matched in the full-text index, first 20 anywhere, bare SQL", raw, pages...)
}
