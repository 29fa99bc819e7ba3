package cli

import (
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/search"
)

// The raw ceilings of the read measures: what the same machine does with
// the bare work behind a page — one SQL statement on the reading handle,
// or a lookup in memory — without sign-in, scope, joins, JSON or HTTP.

// openStates are the states of the operator's queue.
var openStates = casework.OpenStatesSQL

// rawQuery times n runs of a bare statement on the reading handle (see
// timed), reading every row it returns.
func (b *bench) rawQuery(n int, stmt func(i int) (string, []any)) (latency, error) {
	return b.timed(n, func(i int) (int, []byte, error) {
		q, args := stmt(i)
		rows, err := b.a.DB.Reader().QueryContext(b.ctx, q, args...)
		if err != nil {
			return 0, nil, err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return 0, nil, err
		}
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return 0, nil, err
			}
		}
		return 200, nil, rows.Err()
	})
}

// pathOf is the org path of a demo account's area.
func (b *bench) pathOf(username string) (string, error) {
	id, err := b.orgOf(username)
	if err != nil {
		return "", err
	}
	return org.PathOf(b.ctx, b.a.DB.Reader(), id, "")
}

// rawQueue is the queue page as bare SQL: the newest 51 open events under
// the operator's area, a few columns of each.
func (b *bench) rawQueue(n int) (latency, error) {
	path, err := b.pathOf("intake")
	if err != nil {
		return latency{}, err
	}
	from := "events e"
	if b.a.DB.Dialect == db.SQLite {
		from += " INDEXED BY events_open" // the page's own plan (see casework.List)
	}
	under, args := authz.Under("e.path", path)
	q := "SELECT e.id, e.no, e.state, e.category_code, e.description, e.address, e.created_at FROM " + from +
		" WHERE " + under + " AND e.state IN " + openStates + " ORDER BY e.created_at DESC, e.id DESC LIMIT 51"
	return b.rawQuery(n, func(int) (string, []any) { return q, args })
}

// rawDashboard is the dashboard's one pass as bare SQL: the county's events
// of the last 12 months counted by category and channel.
func (b *bench) rawDashboard(n int) (latency, error) {
	path, err := b.pathOf("leader")
	if err != nil {
		return latency{}, err
	}
	now := time.Now()
	under, args := authz.Under("path", path)
	q := `SELECT substr(category_code, 1, 2), channel, count(*), count(closed_at), sum(CASE WHEN state IN ` + openStates + ` THEN 1 ELSE 0 END)
		FROM events WHERE ` + under + ` AND created_at >= ? AND created_at < ? AND state <> 'merged'
		GROUP BY substr(category_code, 1, 2), channel`
	args = append(args, now.AddDate(-1, 0, 0).UnixMilli(), now.UnixMilli())
	return b.rawQuery(n, func(int) (string, []any) { return q, args })
}

// rawLocate is the lookup in memory by brute force: every grid's polygon
// tested, no R-tree, no scope, no HTTP.
func (b *bench) rawLocate(n int, pts [][2]float64) (latency, error) {
	ix, err := b.a.Org.Index(b.ctx)
	if err != nil {
		return latency{}, err
	}
	return b.timed(n, func(i int) (int, []byte, error) {
		p := pts[i%len(pts)]
		ix.LocateBrute(geo.Point{Lat: p[0], Lng: p[1]})
		return 200, nil, nil
	})
}

// rawSearch is the full-text match as bare SQL: the same query words, the
// first 20 matches anywhere, no scope and no join.
func (b *bench) rawSearch(n int, qs []string) (latency, error) {
	quote, and := `"`, " AND "
	stmt := "SELECT rowid FROM search_fts WHERE search_fts MATCH ? LIMIT 20"
	if b.a.DB.Dialect == db.Postgres {
		quote, and = "'", " & "
		stmt = "SELECT record_id FROM search_index WHERE to_tsvector('simple', tokens) @@ to_tsquery('simple', ?) LIMIT 20"
	}
	return b.rawQuery(n, func(i int) (string, []any) {
		toks := search.QueryTokens(qs[i%len(qs)])
		for j, t := range toks {
			toks[j] = quote + t + quote
		}
		return stmt, []any{strings.Join(toks, and)}
	})
}
