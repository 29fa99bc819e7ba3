package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/pii"
)

// Fact is a person of the registers as a visit needs them: who (masked
// name and coarse address), where (grid, area), and when the fact that
// calls for the visit happened (Unix milliseconds). These answer the
// visit room's questions; they check no permission.
type Fact struct {
	PersonID string
	Label    string
	GridID   string
	OrgID    string
	Path     string
	At       int64
}

const factCols = `p.id, p.name, p.address, COALESCE(p.grid_id, ''), p.org_id, p.path`

func scanFacts(ctx context.Context, q db.Querier, query string, args ...any) ([]Fact, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	out := []Fact{}
	for rows.Next() {
		var f Fact
		var name, addr string
		if err := rows.Scan(&f.PersonID, &name, &addr, &f.GridID, &f.OrgID, &f.Path, &f.At); err != nil {
			rows.Close()
			return nil, err
		}
		f.Label = label(name, addr)
		out = append(out, f)
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// label is a person's masked name with the coarse address.
func label(name, addr string) string {
	if addr = strings.TrimSpace(addr); addr != "" {
		return pii.MaskName(name) + " · " + addr
	}
	return pii.MaskName(name)
}

// MovedInSince lists the active people under path who moved in (or were
// registered) at or after since: the new arrivals.
func MovedInSince(ctx context.Context, q db.Querier, path string, since int64) ([]Fact, error) {
	under, args := authz.Under("p.path", path)
	return scanFacts(ctx, q, "SELECT "+factCols+", p.moved_in_at FROM people p WHERE p.status = 'active' AND p.moved_in_at >= ? AND "+under,
		append([]any{since}, args...)...)
}

// Tenants lists the active people under path who rent where they live;
// At is when they moved in.
func Tenants(ctx context.Context, q db.Querier, path string) ([]Fact, error) {
	under, args := authz.Under("p.path", path)
	return scanFacts(ctx, q, "SELECT "+factCols+", COALESCE(p.moved_in_at, p.created_at) FROM people p WHERE p.status = 'active' AND p.residence = 'tenant' AND "+under, args...)
}

// BornSince lists the active people under path born on or after the day
// (YYYY-MM-DD); At is when they were registered.
func BornSince(ctx context.Context, q db.Querier, path, day string) ([]Fact, error) {
	under, args := authz.Under("p.path", path)
	return scanFacts(ctx, q, "SELECT "+factCols+", p.created_at FROM people p WHERE p.status = 'active' AND p.birth_date >= ? AND p.birth_date <> '' AND "+under,
		append([]any{day}, args...)...)
}

// DiedSince lists the people under path recorded deceased at or after
// since; their household is visited.
func DiedSince(ctx context.Context, q db.Querier, path string, since int64) ([]Fact, error) {
	under, args := authz.Under("p.path", path)
	return scanFacts(ctx, q, "SELECT "+factCols+", p.moved_out_at FROM people p WHERE p.status = 'deceased' AND p.moved_out_at >= ? AND "+under,
		append([]any{since}, args...)...)
}

// FactsOf returns the facts of the people with the ids (At left zero),
// by id; unknown ids are left out.
func FactsOf(ctx context.Context, q db.Querier, ids []string) (map[string]Fact, error) {
	out := map[string]Fact{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		chunk := ids[:n]
		ids = ids[n:]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		fs, err := scanFacts(ctx, q, "SELECT "+factCols+", 0 FROM people p WHERE p.id IN ("+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+")", args...)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			out[f.PersonID] = f
		}
	}
	return out, nil
}
