package callkey

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// Alert is one 9-key call: who called, who it is pushed to now, and its
// times. The phone is masked; the needs are shown to whoever may see the
// alert (the member, the centre).
type Alert struct {
	ID          string `json:"id"`
	PersonName  string `json:"person_name"`
	PhoneMasked string `json:"phone_masked"`
	Address     string `json:"address"`
	CareKind    string `json:"care_kind"`
	Needs       string `json:"needs"`
	GridName    string `json:"grid_name"`
	OrgName     string `json:"org_name"`
	Level       string `json:"level"`  // member, chief, centre
	Status      string `json:"status"` // open, accepted, arrived, closed
	Member      string `json:"member"` // the grid member first pushed to
	Target      string `json:"target"` // who it is pushed to now
	AcceptedBy  string `json:"accepted_by,omitempty"`
	RaisedAt    int64  `json:"raised_at"`
	DueAt       *int64 `json:"due_at,omitempty"`
	AcceptedAt  *int64 `json:"accepted_at,omitempty"`
	ArrivedAt   *int64 `json:"arrived_at,omitempty"`
	ClosedAt    *int64 `json:"closed_at,omitempty"`
	// AcceptSeconds and ArriveSeconds are the times from the call to the
	// accept and to the arrival (随叫随到).
	AcceptSeconds *int64 `json:"accept_seconds,omitempty"`
	ArriveSeconds *int64 `json:"arrive_seconds,omitempty"`
	Note          string `json:"note,omitempty"`
	Steps         []Step `json:"steps,omitempty"`
	Version       int    `json:"version"`
	path          string
}

// Step is one thing that happened to an alert.
type Step struct {
	Kind   string `json:"kind"` // pushed, escalated_chief, escalated_centre, accepted, arrived, closed
	Worker string `json:"worker,omitempty"`
	At     int64  `json:"at"`
}

// Call is what the device platform posts when a registered number calls
// or its button is pressed.
type Call struct {
	Phone string `json:"phone"` // the calling number
}

// Raised is the platform's answer: the alert and who it was pushed to.
type Raised struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Pushed bool   `json:"pushed"` // a grid member was found; otherwise it went to the chief or the centre at once
}

// CloseInput closes an alert with a note of what was done.
type CloseInput struct {
	Note string `json:"note"`
}

// Raise raises an alert for the number that called: the person is found
// by the number's blind index, the alert pushed at once to the grid
// member of their grid (or, when the grid has none, its chief; else the
// village centre). The caller is the device platform (the system).
func (s *Service) Raise(ctx context.Context, source string, in Call, key idem.Key) (Raised, error) {
	phone, err := pii.NormalizePhone("phone", in.Phone)
	if err != nil {
		return Raised{}, err
	}
	var out Raised
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, replayed, err := idem.Do(ctx, tx, key, func() (string, error) {
			err := s.raise(ctx, tx, source, phone, &out)
			return out.ID, err
		})
		if err != nil || !replayed {
			return err
		}
		var level string
		out.ID = id
		err = tx.QueryRowContext(ctx, "SELECT status, level FROM callkey_alerts WHERE id = ?", id).Scan(&out.Status, &level)
		out.Pushed = level == "member"
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		return s.Raise(ctx, source, in, key)
	}
	return out, err
}

func (s *Service) raise(ctx context.Context, tx *db.Tx, source, phone string, out *Raised) error {
	{
		var numberID, personID, gridID, path string
		err := tx.QueryRowContext(ctx, "SELECT id, person_id, grid_id, path FROM callkey_numbers WHERE phone_blind = ? AND status = 'active'",
			s.vault.Blind("callkey.phone", phone)).Scan(&numberID, &personID, &gridID, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("phone", "callkey.number_unknown")
		}
		if err != nil {
			return err
		}
		// The person may have moved grid since the number was registered.
		if card, err := s.reg.PersonCard(ctx, tx, personID); err == nil && card.GridID != "" {
			gridID, path = card.GridID, card.Path
		}
		set, err := s.settingsAt(ctx, tx, path)
		if err != nil {
			return err
		}
		now := s.Now().UnixMilli()
		level, target, user := "member", org.Worker{}, ""
		if ws, err := org.TeamOf(ctx, tx, gridID, "grid_member"); err != nil {
			return err
		} else if len(ws) > 0 {
			target = ws[0]
		}
		due := any(now + int64(set.AcceptSeconds)*1000)
		if target.ID == "" { // no member on the grid: straight to its chief
			level = "chief"
			if ws, err := org.TeamOf(ctx, tx, gridID, "grid_chief"); err != nil {
				return err
			} else if len(ws) > 0 {
				target = ws[0]
			}
			due = now + int64(set.ChiefSeconds)*1000
			if target.ID == "" {
				level, due = "centre", nil
			}
		}
		user = target.UserID
		*out = Raised{ID: db.NewID(), Status: "open", Pushed: level == "member"}
		if _, err := tx.ExecContext(ctx, `INSERT INTO callkey_alerts (id, number_id, person_id, grid_id, path, source, member_id, target_id, target_user,
			level, accept_within, due_at, raised_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, numberID, personID, gridID, path, source, target.ID, target.ID, user, level, set.AcceptSeconds, due, now); err != nil {
			return err
		}
		kind := map[string]string{"member": "pushed", "chief": "escalated_chief", "centre": "escalated_centre"}[level]
		if err := s.step(ctx, tx, out.ID, kind, target.ID, user, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, "", audit.Entry{Username: source, Action: "callkey.alert", ObjectType: "callkey_alert", ObjectID: out.ID, Detail: level})
	}
}

func (s *Service) step(ctx context.Context, tx db.Querier, alertID, kind, worker, user string, at int64) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO callkey_steps (id, alert_id, kind, worker_id, user_id, at) VALUES (?, ?, ?, ?, ?, ?)",
		db.NewID(), alertID, kind, worker, user, at)
	return err
}

// Sweep escalates each open alert past its time: from the member to the
// grid chief (with the chief's own time), from the chief to the village
// centre. It runs as a job every few seconds; an alert is escalated
// exactly when its due time has come, never before. It returns how many
// alerts moved.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.Now().UnixMilli()
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id FROM callkey_alerts WHERE status = 'open' AND due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT 500`, now)
	if err != nil {
		return 0, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(tx *db.Tx) error {
			var gridID, path, level string
			var version int
			err := tx.QueryRowContext(ctx, "SELECT grid_id, path, level, version FROM callkey_alerts WHERE id = ? AND status = 'open' AND due_at <= ?", id, now).
				Scan(&gridID, &path, &level, &version)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // accepted meanwhile, or another node came first
			}
			if err != nil {
				return err
			}
			next, target, due := "centre", org.Worker{}, any(nil)
			if level == "member" {
				ws, err := org.TeamOf(ctx, tx, gridID, "grid_chief")
				if err != nil {
					return err
				}
				if len(ws) > 0 {
					set, err := s.settingsAt(ctx, tx, path)
					if err != nil {
						return err
					}
					next, target, due = "chief", ws[0], now+int64(set.ChiefSeconds)*1000
				}
			}
			res, err := tx.ExecContext(ctx, "UPDATE callkey_alerts SET level = ?, target_id = ?, target_user = ?, due_at = ?, version = version + 1 WHERE id = ? AND version = ?",
				next, target.ID, target.UserID, due, id, version)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			n++
			if err := s.step(ctx, tx, id, "escalated_"+next, target.ID, target.UserID, now); err != nil {
				return err
			}
			return s.audit.Record(ctx, tx, "", audit.Entry{Username: "system", Action: "callkey.escalate", ObjectType: "callkey_alert", ObjectID: id, Detail: next})
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Accept takes an open alert (接单) for the caller: a holder of
// gridwork.do over its area. Accepting an alert one has already accepted
// answers it again (a phone's retry); one taken by another answers 409.
func (s *Service) Accept(ctx context.Context, id string) (Alert, error) {
	return s.move(ctx, id, "accepted", "")
}

// Arrive marks the caller's arrival at the person's home (到达).
func (s *Service) Arrive(ctx context.Context, id string) (Alert, error) {
	return s.move(ctx, id, "arrived", "")
}

// Close closes the alert with a note of what was done (sealed).
func (s *Service) Close(ctx context.Context, id string, in CloseInput) (Alert, error) {
	in.Note = strings.TrimSpace(in.Note)
	if n := len([]rune(in.Note)); n == 0 || n > 1000 {
		return Alert{}, apperr.Field("note", "validation.length", "min", 1, "max", 1000)
	}
	return s.move(ctx, id, "closed", in.Note)
}

// order is the way an alert goes; a step back or a repeat is refused,
// except the same step by the same person, which is answered again.
var order = map[string]int{"open": 0, "accepted": 1, "arrived": 2, "closed": 3}

func (s *Service) move(ctx context.Context, id, to, note string) (Alert, error) {
	who := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var path, status, acceptedUser string
		var version int
		err := tx.QueryRowContext(ctx, "SELECT path, status, accepted_user, version FROM callkey_alerts WHERE id = ?", id).Scan(&path, &status, &acceptedUser, &version)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !who.Covers(authz.GridworkDo, path)) {
			return apperr.NotFoundf("callkey_alert")
		}
		if err != nil {
			return err
		}
		if status == to && acceptedUser == who.UserID {
			return nil // a retry of one's own step
		}
		if status != "open" && acceptedUser != who.UserID {
			return apperr.E(apperr.Conflict, "callkey.taken", "version", version, "status", status)
		}
		if order[to] != order[status]+1 && !(to == "closed" && status == "accepted") {
			return apperr.E(apperr.Conflict, "callkey.stale", "version", version, "status", status)
		}
		now := s.Now().UnixMilli()
		worker := ""
		if w, err := org.WorkerOfUser(ctx, tx, who.UserID); err == nil {
			worker = w.ID
		}
		var set string
		var args []any
		switch to {
		case "accepted":
			set, args = "accepted_at = ?, accepted_by = ?, accepted_user = ?, due_at = NULL", []any{now, worker, who.UserID}
		case "arrived":
			set, args = "arrived_at = ?", []any{now}
		case "closed":
			set, args = "closed_at = ?, note_sealed = ?", []any{now, s.vault.Seal("callkey.note", id, note)}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE callkey_alerts SET status = ?, "+set+", version = version + 1 WHERE id = ? AND version = ?",
			append(append([]any{to}, args...), id, version)...); err != nil {
			return err
		}
		if err := s.step(ctx, tx, id, to, worker, who.UserID, now); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.GridworkDo, map[string]string{"accepted": "callkey.accept", "arrived": "callkey.arrive", "closed": "callkey.close"}[to],
			"callkey_alert", id, "")
	})
	if err != nil {
		return Alert{}, err
	}
	return s.alert(ctx, id, authz.GridworkDo)
}

const alertCols = `a.id, a.number_id, a.person_id, a.path, a.level, a.status, a.member_id, a.target_id, a.accepted_by, a.raised_at, a.due_at,
	a.accepted_at, a.arrived_at, a.closed_at, a.note_sealed, a.version, n.phone_masked, n.needs_sealed, n.care_target_id`

func (s *Service) scanAlerts(ctx context.Context, query string, args ...any) ([]Alert, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+alertCols+" FROM callkey_alerts a JOIN callkey_numbers n ON n.id = a.number_id "+query, args...)
	if err != nil {
		return nil, err
	}
	type extra struct{ number, person, needs, care string }
	out, ex := []Alert{}, []extra{}
	for rows.Next() {
		var a Alert
		var e extra
		var due, acc, arr, cl sql.NullInt64
		var note string
		if err := rows.Scan(&a.ID, &e.number, &e.person, &a.path, &a.Level, &a.Status, &a.Member, &a.Target, &a.AcceptedBy, &a.RaisedAt, &due,
			&acc, &arr, &cl, &note, &a.Version, &a.PhoneMasked, &e.needs, &e.care); err != nil {
			rows.Close()
			return nil, err
		}
		a.DueAt, a.AcceptedAt, a.ArrivedAt, a.ClosedAt = ptr(due), ptr(acc), ptr(arr), ptr(cl)
		if note != "" {
			a.Note, _ = s.vault.Open("callkey.note", a.ID, note)
		}
		if a.AcceptedAt != nil {
			v := (*a.AcceptedAt - a.RaisedAt) / 1000
			a.AcceptSeconds = &v
		}
		if a.ArrivedAt != nil {
			v := (*a.ArrivedAt - a.RaisedAt) / 1000
			a.ArriveSeconds = &v
		}
		out, ex = append(out, a), append(ex, e)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(worker string) string {
		if worker == "" {
			return ""
		}
		if n, ok := names[worker]; ok {
			return n
		}
		w, _ := org.WorkerByID(ctx, s.db.Reader(), worker)
		names[worker] = w.Name
		return w.Name
	}
	for i := range out {
		a, e := &out[i], ex[i]
		a.Needs = s.openNeeds(e.number, e.needs)
		if card, err := s.reg.PersonCard(ctx, s.db.Reader(), e.person); err == nil {
			a.PersonName, a.Address, a.GridName, a.OrgName = card.Name, card.Address, card.GridName, card.OrgName
		}
		if c, err := s.kp.CareTargetOf(ctx, s.db.Reader(), e.care); err == nil {
			a.CareKind = c.Kind
			if a.Needs == "" {
				a.Needs = c.Note
			}
		}
		a.Member, a.Target, a.AcceptedBy = name(a.Member), name(a.Target), name(a.AcceptedBy)
	}
	return out, nil
}

func ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// alert returns one alert with its steps, when the caller holds perm (or
// gridwork.read) over its area.
func (s *Service) alert(ctx context.Context, id string, perm authz.Perm) (Alert, error) {
	out, err := s.scanAlerts(ctx, "WHERE a.id = ?", id)
	if err != nil {
		return Alert{}, err
	}
	who := authz.From(ctx)
	if len(out) == 0 || !(who.Covers(perm, out[0].path) || who.Covers(authz.GridworkRead, out[0].path)) {
		return Alert{}, apperr.NotFoundf("callkey_alert")
	}
	a := out[0]
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT kind, worker_id, at FROM callkey_steps WHERE alert_id = ? ORDER BY at, id", id)
	if err != nil {
		return Alert{}, err
	}
	a.Steps = []Step{}
	for rows.Next() {
		var st Step
		if err := rows.Scan(&st.Kind, &st.Worker, &st.At); err != nil {
			rows.Close()
			return Alert{}, err
		}
		a.Steps = append(a.Steps, st)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Alert{}, err
	}
	for i, st := range a.Steps {
		if st.Worker != "" {
			w, _ := org.WorkerByID(ctx, s.db.Reader(), st.Worker)
			a.Steps[i].Worker = w.Name
		}
	}
	return a, nil
}

// Get returns one alert with its steps (gridwork.read over its area).
func (s *Service) Get(ctx context.Context, id string) (Alert, error) {
	return s.alert(ctx, id, authz.GridworkRead)
}

// Mine returns the alerts on the caller's phone: the open ones pushed to
// them (or first pushed to them and escalated), and those they accepted
// and have not closed, oldest first.
func (s *Service) Mine(ctx context.Context) ([]Alert, error) {
	who := authz.From(ctx)
	worker := "-"
	if w, err := org.WorkerOfUser(ctx, s.db.Reader(), who.UserID); err == nil {
		worker = w.ID
	}
	out, err := s.scanAlerts(ctx, `WHERE (a.status = 'open' AND (a.target_user = ? OR a.member_id = ? OR a.target_id = ?))
		OR (a.status IN ('accepted', 'arrived') AND a.accepted_user = ?) ORDER BY a.raised_at, a.id LIMIT 50`, who.UserID, worker, worker, who.UserID)
	if err != nil {
		return nil, err
	}
	mine := out[:0]
	for _, a := range out {
		if who.Covers(authz.GridworkDo, a.path) {
			mine = append(mine, a)
		}
	}
	return mine, nil
}

// Query filters the console's list.
type Query struct {
	OrgID  string
	Status string // open (not yet closed), closed, or empty for all
	Level  string // member, chief, centre: escalated ones
	Month  string // YYYY-MM raised
}

// List returns the alerts of the caller's area, newest first (at most 500).
func (s *Service) List(ctx context.Context, q Query) ([]Alert, error) {
	scope, args := authz.ScopeSQL("a.path", authz.From(ctx).Scopes(authz.GridworkRead))
	where := "WHERE " + scope
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.GridworkRead, q.OrgID, "org_id")
		if err != nil {
			return nil, err
		}
		cond, cargs := authz.Under("a.path", path)
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	switch q.Status {
	case "":
	case "open":
		where += " AND a.status <> 'closed'"
	case "closed":
		where += " AND a.status = 'closed'"
	default:
		return nil, apperr.Field("status", "validation.one_of", "values", "open, closed")
	}
	if q.Level != "" {
		if q.Level != "member" && q.Level != "chief" && q.Level != "centre" {
			return nil, apperr.Field("level", "validation.one_of", "values", "member, chief, centre")
		}
		where, args = where+" AND a.level = ?", append(args, q.Level)
	}
	if q.Month != "" {
		from, to, ok := monthSpan(q.Month)
		if !ok {
			return nil, apperr.Field("month", "validation.one_of", "values", "YYYY-MM")
		}
		where, args = where+" AND a.raised_at >= ? AND a.raised_at < ?", append(args, from, to)
	}
	return s.scanAlerts(ctx, where+" ORDER BY a.raised_at DESC, a.id LIMIT 500", args...)
}

// HandOver moves the open 9-key alerts waiting on roster entry from to
// roster entry to (a member moved or who left): the roster calls it, in
// its own transaction, through org's Successor. Alerts already accepted
// stay with whoever accepted them; the assessment still counts each alert
// for the member it was first pushed to. It returns how many moved.
func (s *Service) HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error) {
	w, err := org.WorkerByID(ctx, tx, to)
	if err != nil {
		return 0, err
	}
	res, err := tx.ExecContext(ctx, "UPDATE callkey_alerts SET target_id = ?, target_user = ?, version = version + 1 WHERE status = 'open' AND target_id = ?",
		to, w.UserID, from)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
