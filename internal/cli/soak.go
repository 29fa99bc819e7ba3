package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The soak: mixed traffic at a steady rate for a long time, to show that
// memory stays flat, nothing fails and the slow tail does not grow. The
// load is open-loop — a request starts every 1/rate seconds whether or not
// the previous ones have answered — so a slow server shows as latency, not
// as a lower rate.

// soakRequest is one kind of request of the mix.
type soakRequest struct {
	who  string // demo account
	name string
	send func(b *bench, c *benchClient, i int64) (int, []byte, error)
}

// soakWindow is what one window of the run saw.
type soakWindow struct {
	lat            []time.Duration
	answered       int
	errors         int
	firstErr       string
	heapMB, rssMB  float64 // at the window's end
	p50, p99, pmax time.Duration
}

// soakMix is the traffic: reports, the queue, event pages, point→grid,
// register search and lists, the dashboard and the inbox, in these shares.
func (b *bench) soakMix() ([]soakRequest, error) {
	org, err := b.orgOf("leader")
	if err != nil {
		return nil, err
	}
	pts, err := b.points(500)
	if err != nil {
		return nil, err
	}
	g, err := b.peopleGen()
	if err != nil {
		return nil, err
	}
	people, err := b.freeRange()
	if err != nil {
		return nil, err
	}
	qs := g.searchQueries(500, people)
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	var lastEvent atomic.Value
	lastEvent.Store("")
	get := func(path func(i int64) string) func(*bench, *benchClient, int64) (int, []byte, error) {
		return func(b *bench, c *benchClient, i int64) (int, []byte, error) { return b.do(c, "GET", path(i), nil, nil) }
	}
	report := soakRequest{"gridmember", "report", func(b *bench, c *benchClient, i int64) (int, []byte, error) {
		p := pts[int(i)%len(pts)] // spread over the area, as reports are
		body := fmt.Appendf(nil, `{"channel":"grid","category_code":"0101","description":"gridgov soak: report %s-%d","lat":%v,"lng":%v}`,
			run, i, p[0], p[1])
		st, ans, err := b.do(c, "POST", "/api/v1/events", body, map[string]string{"Idempotency-Key": "soak-" + run + "-" + strconv.FormatInt(i, 10)})
		if st == 201 {
			var e struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(ans, &e) == nil {
				lastEvent.Store(e.ID)
			}
			st = 200
		}
		return st, ans, err
	}}
	queue := soakRequest{"intake", "queue", get(func(int64) string { return "/api/v1/events?state=open&limit=50" })}
	event := soakRequest{"intake", "event", get(func(int64) string {
		if id := lastEvent.Load().(string); id != "" {
			return "/api/v1/events/" + id
		}
		return "/api/v1/events?limit=1"
	})}
	locate := soakRequest{"intake", "locate", get(func(i int64) string {
		p := pts[int(i)%len(pts)]
		return fmt.Sprintf("/api/v1/locate?lat=%v&lng=%v", p[0], p[1])
	})}
	search := soakRequest{"leader", "search", func(b *bench, c *benchClient, i int64) (int, []byte, error) {
		body, _ := json.Marshal(map[string]any{"q": qs[int(i)%len(qs)], "limit": 20})
		return b.do(c, "POST", "/api/v1/registry/search", body, nil)
	}}
	list := soakRequest{"leader", "people", get(func(int64) string { return "/api/v1/people?limit=20" })}
	dash := soakRequest{"leader", "dashboard", get(func(int64) string { return "/api/v1/dashboard?org_id=" + url.QueryEscape(org) })}
	inbox := soakRequest{"intake", "inbox", get(func(int64) string { return "/api/v1/inbox?limit=20" })}
	// Twenty slots: 6 reports, 4 queue pages, 2 event pages, 2 lookups,
	// 2 searches, 2 people lists, 1 dashboard, 1 inbox.
	return []soakRequest{report, queue, event, report, locate, search, report, queue, list, report,
		queue, event, report, locate, search, report, queue, list, dash, inbox}, nil
}

// soak runs the mix at rate requests a second for windows × window and
// prints a line a window, then the verdicts.
func (b *bench) soak(rate, windows int, window time.Duration, out io.Writer) error {
	mix, err := b.soakMix()
	if err != nil {
		return err
	}
	clients := map[string]*benchClient{}
	for _, r := range mix {
		if clients[r.who] == nil {
			if clients[r.who], err = b.login(r.who); err != nil {
				return err
			}
		}
	}
	const maxInFlight = 512
	var (
		mu       sync.Mutex
		cur      = &soakWindow{}
		results  []*soakWindow
		inFlight atomic.Int64
		wg       sync.WaitGroup
		seq      int64
	)
	byKind := map[string]*histogram{}
	record := func(kind string, el time.Duration, err string) {
		mu.Lock()
		defer mu.Unlock()
		if err != "" {
			cur.errors++
			if cur.firstErr == "" {
				cur.firstErr = err
			}
			return
		}
		cur.lat = append(cur.lat, el)
		if byKind[kind] == nil {
			byKind[kind] = &histogram{}
		}
		byKind[kind].add(el)
	}
	fmt.Fprintf(out, "soak: %d requests/s of mixed traffic for %s, a line every %s\n\n", rate, time.Duration(windows)*window, window)
	fmt.Fprintf(out, "| elapsed | requests | errors | p50 | p99 | max | live heap | RSS |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	next := start.Add(window)
	for len(results) < windows && b.ctx.Err() == nil {
		now := <-tick.C
		if !now.Before(next) {
			mu.Lock()
			w := cur
			cur = &soakWindow{}
			mu.Unlock()
			w.heapMB, w.rssMB = liveHeapMB(), rssMB()
			w.finish()
			results = append(results, w)
			fmt.Fprintf(out, "| %s | %d | %d | %s | %s | %s | %.0f MB | %.0f MB |\n", now.Sub(start).Round(time.Second), w.answered+w.errors, w.errors,
				ms(w.p50), ms(w.p99), ms(w.pmax), w.heapMB, w.rssMB)
			next = next.Add(window)
		}
		seq++
		r, i := mix[seq%int64(len(mix))], seq
		if inFlight.Load() >= maxInFlight {
			record(r.name, 0, "more than 512 requests waiting: the server fell behind the rate")
			continue
		}
		inFlight.Add(1)
		wg.Go(func() {
			defer inFlight.Add(-1)
			t0 := time.Now()
			st, ans, err := r.send(b, clients[r.who], i)
			switch {
			case err != nil:
				record(r.name, 0, r.name+": "+err.Error())
			case st != 200:
				record(r.name, 0, fmt.Sprintf("%s: %d %.200s", r.name, st, ans))
			default:
				record(r.name, time.Since(t0), "")
			}
		})
	}
	wg.Wait()
	fmt.Fprintf(out, "\n| request | answered | p50 | p99 | max |\n|---|---:|---:|---:|---:|\n")
	for _, r := range mix {
		if h, ok := byKind[r.name]; ok {
			delete(byKind, r.name)
			fmt.Fprintf(out, "| %s | %d | %s | %s | %s |\n", r.name, h.n, ms(h.at(0.50)), ms(h.at(0.99)), ms(h.max))
		}
	}
	if len(results) < 4 {
		return b.ctx.Err()
	}
	return soakVerdicts(results, out)
}

// histogram counts a run's latencies in buckets 5 % wide, in fixed memory:
// keeping every latency of a long soak would itself grow the heap the soak
// watches.
type histogram struct {
	counts [400]int64 // bucket i: up to 1.05^(i+1) µs
	n      int64
	max    time.Duration
}

func (h *histogram) add(d time.Duration) {
	i := int(math.Log(float64(max(1, d.Microseconds()))) / math.Log(1.05))
	h.counts[min(i, len(h.counts)-1)]++
	h.n++
	h.max = max(h.max, d)
}

// at is the upper bound of the bucket holding the p-th fraction of the run.
func (h *histogram) at(p float64) time.Duration {
	rank := int64(p * float64(h.n))
	for i, c := range h.counts {
		if rank -= c; rank < 0 {
			return min(h.max, time.Duration(math.Pow(1.05, float64(i+1))*float64(time.Microsecond)))
		}
	}
	return h.max
}

// finish computes the window's percentiles and lets its latencies go.
func (w *soakWindow) finish() {
	l := summarize(w.lat)
	w.answered, w.p50, w.p99, w.pmax = l.n, l.p50, l.p99, l.max
	w.lat = nil
}

// soakVerdicts compares the run's end with its start, after a warm-up of a
// quarter of the windows: memory within 10 %, no errors, p99 within twice
// its median.
func soakVerdicts(ws []*soakWindow, out io.Writer) error {
	warm := ws[len(ws)/4:]
	q := max(1, len(warm)/4)
	mean := func(s []*soakWindow, f func(*soakWindow) float64) float64 {
		t := 0.0
		for _, w := range s {
			t += f(w)
		}
		return t / float64(len(s))
	}
	heap := func(w *soakWindow) float64 { return w.heapMB }
	rss := func(w *soakWindow) float64 { return w.rssMB }
	heapGrowth := mean(warm[len(warm)-q:], heap)/mean(warm[:q], heap) - 1
	rssGrowth := mean(warm[len(warm)-q:], rss)/mean(warm[:q], rss) - 1
	errs, reqs := 0, 0
	var firstErr string
	p99s := make([]time.Duration, 0, len(warm))
	for _, w := range ws {
		errs += w.errors
		reqs += w.answered + w.errors
		if firstErr == "" {
			firstErr = w.firstErr
		}
	}
	for _, w := range warm {
		p99s = append(p99s, w.p99)
	}
	slices.Sort(p99s)
	median, worst := p99s[len(p99s)/2], p99s[len(p99s)-1]
	verdict := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "**no**"
	}
	fmt.Fprintf(out, "\n| check (after the first %d of %d windows) | figure | within bounds |\n|---|---|---|\n", len(ws)/4, len(ws))
	fmt.Fprintf(out, "| live heap, last quarter vs first quarter | %+.1f %% | %s (±10 %%) |\n", 100*heapGrowth, verdict(heapGrowth <= 0.10 && heapGrowth >= -0.10))
	fmt.Fprintf(out, "| RSS, last quarter vs first quarter | %+.1f %% | %s (±10 %%) |\n", 100*rssGrowth, verdict(rssGrowth <= 0.10 && rssGrowth >= -0.10))
	fmt.Fprintf(out, "| failed requests | %d of %d | %s (none) |\n", errs, reqs, verdict(errs == 0))
	fmt.Fprintf(out, "| worst window's p99 vs the median window's | %s vs %s | %s (at most 2×) |\n", ms(worst), ms(median), verdict(worst <= 2*median))
	if firstErr != "" {
		fmt.Fprintf(out, "\nfirst failure: %s\n", strings.ReplaceAll(firstErr, "\n", " "))
	}
	return nil
}

// liveHeapMB is what a garbage collection, run now, keeps (once a window:
// the collector's own last figure may be minutes old or mid-growth).
func liveHeapMB() float64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return float64(s[0].Value.Uint64()) / (1 << 20)
}

// rssMB is the process's resident memory (Linux; 0 elsewhere).
func rssMB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseFloat(f[1], 64)
	return pages * float64(os.Getpagesize()) / (1 << 20)
}
