package cli

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/demo"
	"github.com/gridgov/gridgov/internal/dispute"
)

// disputePage is one case list page the bench measures: its query string
// and the bare SQL of the same rows.
type disputePage struct {
	what  string
	query url.Values
	where string // the page's filters as SQL on d, after the scope
	args  []any
}

// measureDisputes times the dispute case list (GET /api/v1/disputes) as
// the county's mediator and, in a city data set, as the city's: the first
// page, a filtered page and a deep page by cursor, each against the bare
// SQL of the same rows; and the figures page (纠纷统计) by area over twelve
// months, against the bare grouped count of the same cases.
func (b *bench) measureDisputes(requests int, t *benchTable) error {
	users := []struct{ username, label string }{{"mediator", "county"}, {demo.CityMediator, "city"}}
	for _, u := range users {
		if _, err := b.account(u.username); err != nil {
			fmt.Fprintf(t.out, "  disputes as the %s: skipped (%v)\n", u.label, err)
			continue
		}
		c, err := b.login(u.username)
		if err != nil {
			return err
		}
		path, err := b.pathOf(u.username)
		if err != nil {
			return err
		}
		under, uargs := authz.Under("d.path", path)
		var cases int
		if err := b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT count(*) FROM disputes d WHERE "+under, uargs...).Scan(&cases); err != nil {
			return err
		}
		// The deep page starts after the case at a fifth of the list, at
		// most the 5,000th: a clerk paging far back.
		var at int64
		var id string
		deep := min(5000, cases/5)
		if err := b.a.DB.Reader().QueryRowContext(b.ctx, "SELECT registered_at, id FROM disputes d WHERE "+under+" ORDER BY registered_at DESC, id DESC LIMIT 1 OFFSET "+strconv.Itoa(deep),
			uargs...).Scan(&at, &id); err != nil {
			return fmt.Errorf("disputes: the deep page's cursor (%d cases as %s): %w", cases, u.username, err)
		}
		// The page's own plan (see dispute.Service.List): on SQLite a wide
		// area is walked in registration order.
		from := "disputes d"
		if b.a.DB.Dialect == db.SQLite && cases >= dispute.WideArea {
			from += " INDEXED BY disputes_registered"
		}
		pages := []disputePage{
			{what: "first page", query: url.Values{"limit": {"50"}}},
			{what: "filtered page status=mediating&route=people_mediation", query: url.Values{"status": {"mediating"}, "route": {"people_mediation"}, "limit": {"50"}},
				where: " AND d.status = ? AND d.route = ?", args: []any{"mediating", "people_mediation"}},
			{what: fmt.Sprintf("deep page (cursor after case %d)", deep), query: url.Values{"cursor": {strconv.FormatInt(at, 10) + "." + id}, "limit": {"50"}},
				where: " AND d.registered_at <= ? AND (d.registered_at < ? OR d.id < ?)", args: []any{at, at, id}},
		}
		for _, p := range pages {
			l, err := b.latency(requests, func(int) string { return "/api/v1/disputes?" + p.query.Encode() }, c)
			if err != nil {
				return err
			}
			name := fmt.Sprintf("case list %s `GET /api/v1/disputes` (%s's mediator, %d cases in scope)", p.what, u.label, cases)
			t.row(name, percentiles(l), fmt.Sprintf("max %s, %d requests one after another", ms(l.max), l.n))
			q := "SELECT d.id, d.no, d.status, d.type, d.title, d.org_id, d.registered_at, d.due_at FROM " + from + " WHERE " + under + p.where +
				" ORDER BY d.registered_at DESC, d.id DESC LIMIT 51"
			args := append(append([]any{}, uargs...), p.args...)
			raw := func(n int) (latency, error) { return b.rawQuery(n, func(int) (string, []any) { return q, args }) }
			if err := t.vsRaw("the same 51 cases of the area, bare SQL ("+u.label+", "+p.what+")", raw, measured{"case list " + p.what + " (" + u.label + ")", l}); err != nil {
				return err
			}
		}
		if err := b.measureDisputeFigures(requests, t, c, u.label, path, cases); err != nil {
			return err
		}
	}
	return nil
}

// measureDisputeFigures times 纠纷统计 by area over the last twelve months
// (GET /api/v1/disputes/figures) against its ceiling: the same cases of the
// window counted by child area in one bare grouped pass (accepted, settled,
// closed), no rates, confirmations or JSON.
func (b *bench) measureDisputeFigures(requests int, t *benchTable, c *benchClient, label, path string, cases int) error {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Now().In(cst)
	from := time.Date(now.Year(), now.Month()-11, 1, 0, 0, 0, 0, cst)
	q := url.Values{"by": {"area"}, "from": {from.Format("2006-01")}, "to": {now.Format("2006-01")}}
	l, err := b.latency(requests, func(int) string { return "/api/v1/disputes/figures?" + q.Encode() }, c)
	if err != nil {
		return err
	}
	t.row(fmt.Sprintf("dispute figures by area, 12 months `GET /api/v1/disputes/figures` (%s's mediator, %d cases in scope)", label, cases),
		percentiles(l), fmt.Sprintf("max %s, %d requests one after another", ms(l.max), l.n))
	under, args := authz.Under("d.path", path)
	sql := "SELECT substr(d.path, 1, " + strconv.Itoa(len(path)+37) + "), count(*), sum(CASE WHEN d.status = 'settled' THEN 1 ELSE 0 END), " +
		"sum(CASE WHEN d.closed_at IS NOT NULL THEN 1 ELSE 0 END) FROM disputes d WHERE " + under + " AND d.registered_at >= ? GROUP BY 1"
	args = append(args, from.UnixMilli())
	raw := func(n int) (latency, error) { return b.rawQuery(n, func(int) (string, []any) { return sql, args }) }
	return t.vsRaw("the same cases counted by child area, bare SQL ("+label+")", raw, measured{"dispute figures (" + label + ")", l})
}
