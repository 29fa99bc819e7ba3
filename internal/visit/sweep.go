package visit

import (
	"context"
	"errors"
	"strconv"

	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry"
)

func itoa(i int) string { return strconv.Itoa(i) }

// subject is one fact that calls for a visit, as the sweep gathers it.
type subject struct {
	typ, id, label, gridID, orgID, path string
	cat                                 string // an event's category
	at                                  int64
}

// history is what the list already holds of a subject and trigger.
type history struct {
	open     bool
	any      bool
	lastDone int64
}

// facts gathers the subjects of kind under path from the rooms that own
// them; since is the start of the lookback of one-time facts.
func (s *Service) facts(ctx context.Context, q db.Querier, kind, path string, since int64, cats []string) ([]subject, error) {
	var people []registry.Fact
	var err error
	switch kind {
	case "new_arrival":
		people, err = registry.MovedInSince(ctx, q, path, since)
	case "tenant":
		people, err = registry.Tenants(ctx, q, path)
	case "birth":
		people, err = registry.BornSince(ctx, q, path, dayOf(since))
	case "death":
		people, err = registry.DiedSince(ctx, q, path, since)
	case "elderly_alone", "care_target", "hardship":
		kinds := map[string][]string{"elderly_alone": elderlyKinds, "care_target": otherCare, "hardship": hardshipKinds}[kind]
		var cs []keyperson.CareFact
		if cs, err = keyperson.ActiveCareTargets(ctx, q, path, kinds); err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(cs))
		for _, c := range cs {
			ids = append(ids, c.PersonID)
		}
		byID, err := registry.FactsOf(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, c := range cs {
			if p, ok := byID[c.PersonID]; ok && !seen[c.PersonID] {
				seen[c.PersonID] = true
				p.At = c.Since
				people = append(people, p)
			}
		}
	case "dispute":
		ps, err := dispute.PartiesSince(ctx, q, path, since)
		if err != nil {
			return nil, err
		}
		ids := make([]string, 0, len(ps))
		for _, p := range ps {
			ids = append(ids, p.PersonID)
		}
		byID, err := registry.FactsOf(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		out := []subject{}
		seen := map[string]bool{}
		for _, p := range ps {
			f, ok := byID[p.PersonID]
			key := p.DisputeID + "/" + p.PersonID
			if ok && !seen[key] {
				seen[key] = true
				out = append(out, subject{typ: "dispute_party", id: key, label: f.Label, gridID: f.GridID, orgID: f.OrgID, path: f.Path, at: p.At})
			}
		}
		return out, nil
	case "event":
		es, err := casework.EventsSince(ctx, q, path, cats, since)
		if err != nil {
			return nil, err
		}
		out := make([]subject, 0, len(es))
		for _, e := range es {
			out = append(out, subject{typ: "event", id: e.ID, label: e.No + " · " + e.Address, cat: e.Category, gridID: e.GridID, orgID: e.OrgID, path: e.Path, at: e.At})
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]subject, 0, len(people))
	for _, p := range people {
		out = append(out, subject{typ: "person", id: p.PersonID, label: p.Label, gridID: p.GridID, orgID: p.OrgID, path: p.Path, at: p.At})
	}
	return out, nil
}

// lasting are the kinds whose condition lasts (a tenancy, a care target):
// visited again while it holds, and their open task is withdrawn when it
// ends (the person moved away, died, or is no longer cared for).
var lasting = map[string]bool{"tenant": true, "elderly_alone": true, "care_target": true, "hardship": true}

// cancelEnded withdraws the open tasks of kind under path whose subject is
// no longer among the facts.
func (s *Service) cancelEnded(ctx context.Context, kind, path string, subs []subject, now int64) error {
	present := make(map[string]bool, len(subs))
	for _, sb := range subs {
		present[sb.typ+":"+sb.id] = true
	}
	under, args := authz.Under("path", path)
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, subject_type, subject_id FROM visit_tasks WHERE trigger_kind = ? AND status = 'open' AND "+under,
		append([]any{kind}, args...)...)
	if err != nil {
		return err
	}
	var ended []string
	for rows.Next() {
		var id, typ, sub string
		if err := rows.Scan(&id, &typ, &sub); err != nil {
			rows.Close()
			return err
		}
		if !present[typ+":"+sub] {
			ended = append(ended, id)
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(ended) == 0 {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		for _, id := range ended {
			if _, err := tx.ExecContext(ctx, "UPDATE visit_tasks SET status = 'cancelled', done_at = ?, version = version + 1 WHERE id = ? AND status = 'open'", now, id); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "visit.withdraw", ObjectType: "visit_task", Detail: kind + ": " + itoa(len(ended))})
	})
}

// histories reads what the list holds for kind, by subject.
func histories(ctx context.Context, q db.Querier, kind string) (map[string]history, error) {
	rows, err := q.QueryContext(ctx, `SELECT subject_type, subject_id, MAX(CASE WHEN status = 'open' THEN 1 ELSE 0 END), MAX(COALESCE(done_at, 0))
		FROM visit_tasks WHERE trigger_kind = ? GROUP BY subject_type, subject_id`, kind)
	if err != nil {
		return nil, err
	}
	out := map[string]history{}
	for rows.Next() {
		var typ, id string
		var open int
		var h history
		if err := rows.Scan(&typ, &id, &open, &h.lastDone); err != nil {
			rows.Close()
			return nil, err
		}
		h.open, h.any = open == 1, true
		out[typ+":"+id] = h
	}
	return out, errors.Join(rows.Err(), rows.Close())
}

// Sweep runs every trigger over the whole tree and puts the visits due on
// the lists: one open task a subject and trigger; a one-time fact is
// visited once, a lasting condition again every_days after the last visit.
// It returns how many tasks it made.
func (s *Service) Sweep(ctx context.Context) (int, error) { return s.SweepUnder(ctx, "/") }

// SweepUnder is Sweep over the subtree at path.
func (s *Service) SweepUnder(ctx context.Context, path string) (int, error) {
	q := s.db.Reader()
	saved, err := allTriggers(ctx, q)
	if err != nil {
		return 0, err
	}
	keepers, err := org.Keepers(ctx, q, path)
	if err != nil {
		return 0, err
	}
	now := s.Now().UnixMilli()
	today := dayOf(now)
	since := now - LookbackDays*Day
	made := 0
	for _, kind := range Kinds {
		// The categories of the event trigger are those of every area's
		// saved line: facts are then checked against the line at their own path.
		var cats []string
		for _, t := range saved {
			if t.Kind == kind && t.Enabled {
				cats = append(cats, t.Categories...)
			}
		}
		subs, err := s.facts(ctx, q, kind, path, since, cats)
		if err != nil {
			return made, err
		}
		if lasting[kind] {
			if err := s.cancelEnded(ctx, kind, path, subs, now); err != nil {
				return made, err
			}
		}
		if len(subs) == 0 {
			continue
		}
		hist, err := histories(ctx, q, kind)
		if err != nil {
			return made, err
		}
		var batch []task
		for _, sb := range subs {
			t := effective(saved, kind, sb.path)
			if !t.Enabled {
				continue
			}
			if kind == "event" && !contains(t.Categories, categoryOf(sb)) {
				continue
			}
			h := hist[sb.typ+":"+sb.id]
			if h.open {
				continue
			}
			var due string
			switch {
			case t.EveryDays == 0 && h.any:
				continue // visited once already
			case t.EveryDays == 0:
				due = addDays(dayOf(sb.at), t.DueDays)
			case h.lastDone > 0:
				due = addDays(dayOf(h.lastDone), t.EveryDays)
			default:
				due = addDays(today, t.DueDays)
			}
			batch = append(batch, task{kind: kind, sub: sb, worker: keepers[sb.gridID], due: due})
		}
		n, err := s.insertTasks(ctx, batch, now)
		made += n
		if err != nil {
			return made, err
		}
	}
	if made == 0 {
		return 0, nil
	}
	// One audit row a sweep that put visits on the lists.
	return made, s.audit.RecordAlone(ctx, s.db, "", audit.Entry{Username: "system", Action: "visit.sweep", ObjectType: "visit_task", Detail: itoa(made)})
}

// categoryOf is the category of an event subject.
func categoryOf(sb subject) string { return sb.cat }

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// task is a visit task to write.
type task struct {
	kind, worker, due string
	sub               subject
}

// insertTasks writes tasks in batches; a subject whose open task another
// sweep made meanwhile is skipped (the unique index on open tasks).
func (s *Service) insertTasks(ctx context.Context, batch []task, now int64) (int, error) {
	made := 0
	for len(batch) > 0 {
		n := min(len(batch), 500)
		chunk := batch[:n]
		batch = batch[n:]
		k := 0
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			k = 0
			for _, t := range chunk {
				res, err := tx.ExecContext(ctx, `INSERT INTO visit_tasks (id, trigger_kind, subject_type, subject_id, subject_label, fact_at, grid_id, org_id, path, worker_id, due_on, due_at, created_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, db.NewID(), t.kind, t.sub.typ, t.sub.id, t.sub.label, t.sub.at,
					nullable(t.sub.gridID), t.sub.orgID, t.sub.path, nullable(t.worker), t.due, endOf(t.due), now)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n == 1 {
					k++
				}
			}
			return nil
		})
		made += k
		if err != nil {
			return made, err
		}
	}
	return made, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
