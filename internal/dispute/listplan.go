package dispute

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/db"
)

// WideArea is the number of cases from which an area's list is read in
// registration order rather than through its path.
const WideArea = 2000

// listFrom is the FROM clause of the case list over the area cond (with
// its arguments args). PostgreSQL picks the plan from its statistics.
// SQLite has none for a range of paths and always reads every case of the
// area through disputes_path, then sorts them all for the page: at city
// scale ~100 ms for the city's first page. When the area holds at least
// WideArea cases (counted on the path index alone, stopping there), the
// newest cases of the whole list are walked back through
// disputes_registered instead, and the page's cases come first; a small
// area (a town, a village) keeps the path plan, which reads only its own.
// A filter by event or by a sub-area narrows the rows on its own index.
func (s *Service) listFrom(ctx context.Context, q Query, cond string, args []any) (string, error) {
	if s.db.Dialect != db.SQLite || q.EventID != "" || q.OrgID != "" {
		return caseFrom, nil
	}
	wide, err := s.wide(ctx, cond, args)
	if err != nil || !wide {
		return caseFrom, err
	}
	return strings.Replace(caseFrom, "FROM disputes d", "FROM disputes d INDEXED BY disputes_registered", 1), nil
}

// figuresIndex is the index the figures read an area's cases of a window
// through on SQLite: a small area's own cases through its path (the
// planner would walk the whole city's window by date instead, ~40 times
// slower for a county of a city), a wide area's window by date.
func (s *Service) figuresIndex(ctx context.Context, cond string, args []any) (string, error) {
	if s.db.Dialect != db.SQLite {
		return "", nil
	}
	wide, err := s.wide(ctx, cond, args)
	if err != nil || wide {
		return "", err
	}
	return " INDEXED BY disputes_path", nil
}

// wide reports whether the area cond holds at least WideArea cases,
// counted on the path index alone and stopping there.
func (s *Service) wide(ctx context.Context, cond string, args []any) (bool, error) {
	var n int
	err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM disputes d WHERE "+cond+" LIMIT "+itoa(WideArea)+")", args...).Scan(&n)
	return n >= WideArea, err
}
