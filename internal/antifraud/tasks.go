package antifraud

import (
	"context"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// Warning is one person's task as lists show it: the name and phone
// masked; Name, Phone, Address and Note filled only when a member of the
// person's grid (or the police) opens it, audited.
type Warning struct {
	ID          string `json:"id"`
	GridID      string `json:"grid_id"`
	GridName    string `json:"grid_name"`
	NameMasked  string `json:"name_masked"`
	PhoneMasked string `json:"phone_masked"`
	Risk        string `json:"risk"`
	Status      string `json:"status"`
	DueAt       int64  `json:"due_at"`
	Overdue     bool   `json:"overdue"`
	Escalated   bool   `json:"escalated"`
	HandledBy   string `json:"handled_by"`
	HandledAt   *int64 `json:"handled_at"`
	CreatedAt   int64  `json:"created_at"`
	Wiped       bool   `json:"wiped"`
	Name        string `json:"name,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Address     string `json:"address,omitempty"`
	Note        string `json:"note,omitempty"`
	Result      string `json:"result,omitempty"`
	path        string
}

// OutcomeInput is what the member records.
type OutcomeInput struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// AssignInput places an unmatched person on a grid.
type AssignInput struct {
	GridID string `json:"grid_id"`
}

const warnCols = `w.id, COALESCE(w.grid_id, ''), w.grid_name, w.name_masked, w.phone_masked, w.risk, w.status, w.due_at, w.escalated_at IS NOT NULL,
	w.handled_by, w.handled_at, w.created_at, w.wiped_at IS NOT NULL, w.path`

func (s *Service) read(ctx context.Context, q db.Querier, cond string, args ...any) ([]Warning, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+warnCols+" FROM antifraud_warnings w WHERE "+cond+
		" ORDER BY CASE WHEN w.status = 'open' THEN 0 ELSE 1 END, w.due_at, w.id LIMIT 1000", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out, now := []Warning{}, s.now()
	for rows.Next() {
		var w Warning
		if err := rows.Scan(&w.ID, &w.GridID, &w.GridName, &w.NameMasked, &w.PhoneMasked, &w.Risk, &w.Status, &w.DueAt, &w.Escalated,
			&w.HandledBy, &w.HandledAt, &w.CreatedAt, &w.Wiped, &w.path); err != nil {
			return nil, err
		}
		w.Overdue = w.Status == Open && w.DueAt < now
		out = append(out, w)
	}
	return out, rows.Err()
}

// myGrids are the grids of the caller's roster entry, when the caller
// holds antifraud.do.
func myGrids(ctx context.Context, q db.Querier) ([]string, error) {
	p := authz.From(ctx)
	if len(p.Scopes(authz.AntifraudDo)) == 0 {
		return nil, nil
	}
	w, err := org.WorkerOfUser(ctx, q, p.UserID)
	if err != nil {
		return nil, nil // on no roster: no grid
	}
	return org.GridsOfWorker(ctx, q, w.ID)
}

// Mine lists the tasks of the caller's grids: open ones first, the
// nearest deadline first, then the last 30 days' done ones.
func (s *Service) Mine(ctx context.Context) ([]Warning, error) {
	q := s.db.Reader()
	grids, err := myGrids(ctx, q)
	if err != nil {
		return nil, err
	}
	if len(grids) == 0 {
		return []Warning{}, nil
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(grids)), ", ")
	args := []any{}
	for _, g := range grids {
		args = append(args, g)
	}
	return s.read(ctx, q, "w.grid_id IN ("+marks+") AND w.wiped_at IS NULL AND (w.status = 'open' OR w.handled_at > ?)", append(args, s.now()-30*86400_000)...)
}

// List lists the tasks under the root or area (antifraud.read over it),
// of one status, or the overdue ones, or those on no grid yet. The masked
// phone is left out for readers who may not open the person.
func (s *Service) List(ctx context.Context, areaID, status string) ([]Warning, error) {
	q := s.db.Reader()
	path, err := org.PathIn(ctx, q, authz.AntifraudRead, areaID, "")
	if err != nil {
		return nil, err
	}
	under, args := authz.Under("w.path", path)
	switch {
	case status == "":
	case status == "overdue":
		under, args = under+" AND w.status = 'open' AND w.due_at < ?", append(args, s.now())
	case status == "unmatched":
		under += " AND w.grid_id IS NULL AND w.status = 'open'"
	case status == Open || slices.Contains(Outcomes, status):
		under, args = under+" AND w.status = ?", append(args, status)
	default:
		return nil, apperr.Field("status", "validation.one_of", "values", "open, overdue, unmatched, "+strings.Join(Outcomes, ", "))
	}
	list, err := s.read(ctx, q, under, args...)
	if err != nil {
		return nil, err
	}
	// Beside the grid, even the last four digits narrow a register search
	// to one person: only those who may open the person see them.
	p := authz.From(ctx)
	for i := range list {
		if !p.Covers(authz.AntifraudImport, list[i].path) {
			list[i].PhoneMasked = ""
		}
	}
	return list, nil
}

// warning reads one task the caller may see in clear: a member of its
// grid, or the police (antifraud.import over its area); otherwise not
// found. reader tells whether a reader of the area (masked) may see it.
func (s *Service) warning(ctx context.Context, q db.Querier, id string, reader bool) (Warning, bool, error) {
	list, err := s.read(ctx, q, "w.id = ?", id)
	if err != nil {
		return Warning{}, false, err
	}
	if len(list) == 0 {
		return Warning{}, false, apperr.NotFoundf("antifraud_warning")
	}
	w := list[0]
	p := authz.From(ctx)
	grids, err := myGrids(ctx, q)
	if err != nil {
		return w, false, err
	}
	clear := (w.GridID != "" && slices.Contains(grids, w.GridID)) || p.Covers(authz.AntifraudImport, w.path)
	if !clear && !(reader && p.Covers(authz.AntifraudRead, w.path)) {
		return Warning{}, false, apperr.NotFoundf("antifraud_warning")
	}
	if !clear {
		w.PhoneMasked = "" // as in List
	}
	return w, clear, nil
}

// Open shows a task with the person in clear to a member of its grid or
// the police; a reader of the area gets it masked. Every opening in clear
// is audited.
func (s *Service) Open(ctx context.Context, id string) (Warning, error) {
	var w Warning
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var clear bool
		var err error
		if w, clear, err = s.warning(ctx, tx, id, true); err != nil || !clear || w.Wiped {
			return err
		}
		var name, phone, addr, note, result string
		if err := tx.QueryRowContext(ctx, "SELECT name_sealed, phone_sealed, address_sealed, note_sealed, result_sealed FROM antifraud_warnings WHERE id = ?", id).
			Scan(&name, &phone, &addr, &note, &result); err != nil {
			return err
		}
		for _, f := range []struct {
			field, sealed string
			to            *string
		}{{"name", name, &w.Name}, {"phone", phone, &w.Phone}, {"address", addr, &w.Address}, {"note", note, &w.Note}, {"result", result, &w.Result}} {
			if *f.to, err = s.open(f.field, id, f.sealed); err != nil {
				return err
			}
		}
		perm := authz.AntifraudDo
		if !authz.From(ctx).Has(authz.AntifraudDo) {
			perm = authz.AntifraudImport
		}
		return s.record(ctx, tx, perm, "antifraud.open", id, w.GridName)
	})
	return w, err
}

// Record records a member's outcome on an open task of the caller's grid:
// reached, dissuaded, defrauded or not found; a note is required for the
// last two. The same outcome sent again (a phone's retry) changes nothing.
// Audited; the answer is the task masked.
func (s *Service) Record(ctx context.Context, id string, in OutcomeInput) (Warning, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		// Only a member of the task's grid records its outcome.
		grids, err := myGrids(ctx, tx)
		if err != nil {
			return err
		}
		list, err := s.read(ctx, tx, "w.id = ?", id)
		if err != nil {
			return err
		}
		if len(list) == 0 || list[0].GridID == "" || !slices.Contains(grids, list[0].GridID) {
			return apperr.NotFoundf("antifraud_warning")
		}
		w := list[0]
		var f apperr.Fields
		if !slices.Contains(Outcomes, in.Outcome) {
			f.Add("outcome", "validation.one_of", "values", strings.Join(Outcomes, ", "))
		}
		in.Note = strings.TrimSpace(in.Note)
		if len([]rune(in.Note)) > 500 {
			f.Add("note", "validation.length", "min", 0, "max", 500)
		}
		if (in.Outcome == "defrauded" || in.Outcome == "not_found") && in.Note == "" {
			f.Add("note", "antifraud.note_required")
		}
		if err := f.Refuse(); err != nil {
			return err
		}
		switch {
		case w.Status == in.Outcome:
			return nil
		case w.Status != Open:
			return apperr.E(apperr.Conflict, "antifraud.done")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE antifraud_warnings SET status = ?, result_sealed = ?, handled_by = ?, handled_at = ? WHERE id = ?",
			in.Outcome, s.seal("result", id, in.Note), authz.From(ctx).DisplayName, s.now(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.AntifraudDo, "antifraud.outcome", id, in.Outcome)
	})
	if err != nil {
		return Warning{}, err
	}
	// The answer is masked: a queued outcome sent later opens no one.
	w, _, err := s.warning(ctx, s.db.Reader(), id, false)
	return w, err
}

// Assign places a person no register knew on a grid of the root (the
// centre, antifraud.write over the grid), and tells the grid's members.
// Audited.
func (s *Service) Assign(ctx context.Context, id string, in AssignInput) (Warning, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		list, err := s.read(ctx, tx, "w.id = ?", id)
		if err != nil {
			return err
		}
		if len(list) == 0 || !authz.From(ctx).Covers(authz.AntifraudWrite, list[0].path) {
			return apperr.NotFoundf("antifraud_warning")
		}
		if list[0].Status != Open {
			return apperr.E(apperr.Conflict, "antifraud.done")
		}
		g, err := org.GridRefOf(ctx, tx, in.GridID)
		if err != nil || !strings.HasPrefix(g.Path, list[0].path) || !authz.From(ctx).Covers(authz.AntifraudWrite, g.Path) {
			return apperr.Field("grid_id", "antifraud.grid")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE antifraud_warnings SET grid_id = ?, grid_name = ?, path = ? WHERE id = ?", g.ID, g.Name, g.Path, id); err != nil {
			return err
		}
		if err := s.tell(ctx, tx, map[string]int{in.GridID: 1}); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.AntifraudWrite, "antifraud.assign", id, in.GridID)
	})
	if err != nil {
		return Warning{}, err
	}
	w, _, err := s.warning(ctx, s.db.Reader(), id, true)
	return w, err
}

// Figure is one area's figures: the people on the lists and their outcomes.
type Figure struct {
	AreaID    string `json:"area_id"`
	Name      string `json:"name"`
	Total     int    `json:"total"`
	Open      int    `json:"open"`
	Overdue   int    `json:"overdue"`
	Reached   int    `json:"reached"`
	Dissuaded int    `json:"dissuaded"`
	Defrauded int    `json:"defrauded"`
	NotFound  int    `json:"not_found"`
}

// Figures counts the tasks of every town under the area (antifraud.read
// over it), with the area's total last; those on no grid count for the
// total only.
func (s *Service) Figures(ctx context.Context, rootID string) ([]Figure, error) {
	q := s.db.Reader()
	path, err := org.PathIn(ctx, q, authz.AntifraudRead, rootID, "")
	if err != nil {
		return nil, err
	}
	towns, err := org.AreasUnder(ctx, q, path, "town")
	if err != nil {
		return nil, err
	}
	out := make([]Figure, 0, len(towns)+1)
	for _, t := range towns {
		out = append(out, Figure{AreaID: t.ID, Name: t.Name})
	}
	name, err := org.NameOf(ctx, q, rootID)
	if err != nil {
		return nil, err
	}
	out = append(out, Figure{AreaID: rootID, Name: name})
	under, args := authz.Under("path", path)
	rows, err := q.QueryContext(ctx, "SELECT path, status, due_at < ? FROM antifraud_warnings WHERE "+under, append([]any{s.now()}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p, status string
		var late bool
		if err := rows.Scan(&p, &status, &late); err != nil {
			return nil, err
		}
		for i := range out {
			if i < len(towns) && !strings.HasPrefix(p, towns[i].Path) {
				continue
			}
			f := &out[i]
			f.Total++
			switch status {
			case Open:
				f.Open++
				if late {
					f.Overdue++
				}
			case "reached":
				f.Reached++
			case "dissuaded":
				f.Dissuaded++
			case "defrauded":
				f.Defrauded++
			case "not_found":
				f.NotFound++
			}
		}
	}
	return out, rows.Err()
}

// Sweep is the ten-minute job: it escalates the open tasks past their hours —
// the centre of the grid's town is told how many — and wipes the personal
// fields of the tasks older than the retention, keeping their outcome. It
// returns how many it escalated and wiped.
func (s *Service) Sweep(ctx context.Context) (escalated, wiped int, err error) {
	ctx = authz.WithPrincipal(ctx, authz.System())
	set, err := s.Settings(ctx)
	if err != nil {
		return 0, 0, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE antifraud_warnings SET escalated_at = ? WHERE status = 'open' AND due_at < ? AND escalated_at IS NULL", now, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		escalated = int(n)
		res, err = tx.ExecContext(ctx, `UPDATE antifraud_warnings SET name_sealed = '', phone_sealed = '', address_sealed = '', note_sealed = '', result_sealed = '',
			name_masked = '', phone_masked = '', person_id = NULL, wiped_at = ? WHERE wiped_at IS NULL AND created_at < ?`, now, now-int64(set.KeepDays)*86400_000)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		wiped = int(n)
		return nil
	})
	return escalated, wiped, err
}
