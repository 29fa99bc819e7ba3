package org

// Grid teams ("1+1+N"): the places on a grid's team, each naming a roster
// entry in a role — 网格长, 网格员 (full-time or part-time as the roster
// says), 辅助员, the village police officer (一村一警), 楼栋长, volunteers
// and party members. One person may serve several grids; exactly one of
// their places is their primary one (a unique index holds it). Moving a
// member to another grid, or their leaving, hands their places and, in the
// same transaction, their open work (every registered Successor) to a
// successor.

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
)

// Successor is a room with open work tied to a member of the workforce:
// when the roster moves a member or they leave, HandOver moves that work
// from one roster entry (from) to another (to) inside the roster's
// transaction and says how many items moved. An error undoes the move.
type Successor interface {
	HandOver(ctx context.Context, tx *db.Tx, from, to string) (int, error)
}

// AddSuccessor registers a room whose open work follows a moved member.
func (s *Service) AddSuccessor(r Successor) { s.successors = append(s.successors, r) }

// PlaceInput adds a place to a grid's team: an existing roster entry
// (WorkerID) or a new one made on the way (NewWorker; its area defaults to
// the grid's village).
type PlaceInput struct {
	Role      string       `json:"role"`
	WorkerID  string       `json:"worker_id,omitempty"`
	NewWorker *WorkerInput `json:"new_worker,omitempty"`
	Primary   bool         `json:"is_primary,omitempty"`
}

// PlacePatch changes a place's role or makes it the person's primary one.
type PlacePatch struct {
	Role    *string `json:"role,omitempty"`
	Primary *bool   `json:"is_primary,omitempty"`
	Version int     `json:"version"`
}

// MoveInput moves a member to another grid (GridID, in Role: by default
// the role of their primary place) or records that they left (Leave, on
// LeftOn); their places go to SuccessorID.
type MoveInput struct {
	GridID      string `json:"grid_id,omitempty"`
	Role        string `json:"role,omitempty"`
	Leave       bool   `json:"leave,omitempty"`
	LeftOn      string `json:"left_on,omitempty"`
	SuccessorID string `json:"successor_id,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Version     int    `json:"version"`
}

// MoveResult is the member after the move and what went to the successor.
type MoveResult struct {
	Worker      WorkerEntry `json:"worker"`
	PlacesMoved int         `json:"places_moved"`
	WorkMoved   int         `json:"work_moved"`
}

// place is a team place with its grid, as the writes need it.
type place struct {
	id, gridID, gridName, gridPath, role, workerID string
	primary                                        bool
	version                                        int
}

func loadPlace(ctx context.Context, q db.Querier, id string) (place, error) {
	var p place
	err := q.QueryRowContext(ctx, `SELECT m.id, m.grid_id, g.name, g.path, m.role, COALESCE(m.worker_id, ''), m.is_primary, m.version
		FROM grid_members m JOIN grids g ON g.id = m.grid_id WHERE m.id = ?`, id).Scan(&p.id, &p.gridID, &p.gridName, &p.gridPath, &p.role, &p.workerID, &p.primary, &p.version)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.WorkforceWrite, p.gridPath)) {
		return place{}, apperr.NotFoundf("team_place")
	}
	return p, err
}

func checkRole(f *apperr.Fields, field, role string) {
	if !slices.Contains(TeamRoles, role) {
		f.Add(field, "validation.one_of", "values", strings.Join(TeamRoles, ", "))
	}
}

// teamGrid loads an active grid the caller may edit the team of.
func (s *Service) teamGrid(ctx context.Context, q db.Querier, id, field string) (Grid, error) {
	g, err := s.grid(ctx, q, authz.WorkforceWrite, id, false)
	if err != nil {
		if field != "" {
			return g, apperr.Field(field, "grid.not_found")
		}
		return g, err
	}
	if g.Status != "active" {
		return g, apperr.E(apperr.Conflict, "grid.retired")
	}
	return g, nil
}

// AddPlace gives a roster entry (or a new one) a place on a grid's team.
func (s *Service) AddPlace(ctx context.Context, gridID string, in PlaceInput) (Grid, error) {
	var f apperr.Fields
	checkRole(&f, "role", in.Role)
	switch {
	case in.WorkerID == "" && in.NewWorker == nil:
		f.Add("worker_id", "validation.required")
	case in.WorkerID != "" && in.NewWorker != nil:
		f.Add("new_worker", "team.worker_or_new")
	case in.NewWorker != nil:
		checkWorker(&f, "new_worker.", in.NewWorker)
	}
	if err := f.Err(); err != nil {
		return Grid{}, err
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		g, err := s.teamGrid(ctx, tx, gridID, "")
		if err != nil {
			return err
		}
		workerID := in.WorkerID
		if in.NewWorker != nil {
			if in.NewWorker.OrgID == "" {
				in.NewWorker.OrgID = g.OrgID
			}
			area, err := s.rosterArea(ctx, tx, in.NewWorker.OrgID, "new_worker.org_id")
			if err != nil {
				return err
			}
			if workerID, err = s.insertWorker(ctx, tx, area, *in.NewWorker); err != nil {
				return err
			}
		}
		w, err := loadWorker(ctx, tx, authz.WorkforceWrite, workerID, "worker_id")
		if err != nil {
			return err
		}
		if w.status != "active" {
			return apperr.Field("worker_id", "worker.left")
		}
		if _, err := s.insertPlace(ctx, tx, g, w, in.Role, in.Primary); err != nil {
			return err
		}
		return s.bumpTeam(ctx, tx, g.ID, "team.add", w.id+" "+in.Role)
	})
	if err != nil {
		return Grid{}, err
	}
	return s.Grid(ctx, gridID)
}

// insertPlace writes a team place and keeps the person's one primary
// place: their first place is primary, and a new primary one takes over.
func (s *Service) insertPlace(ctx context.Context, tx *db.Tx, g Grid, w worker, role string, primary bool) (string, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grid_members WHERE worker_id = ? AND grid_id = ? AND role = ?", w.id, g.ID, role).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", apperr.Field("worker_id", "team.already_serving")
	}
	id := db.NewID()
	var userID any
	if w.userID != "" {
		userID = w.userID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO grid_members (id, grid_id, role, name, user_id, worker_id, is_primary, version, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)`, id, g.ID, role, w.name, userID, w.id, false, db.Now()); err != nil {
		return "", err
	}
	want := ""
	if primary {
		want = id
	}
	if err := setPrimary(ctx, tx, w.id, want); err != nil {
		return "", err
	}
	return id, addLog(ctx, tx, w.id, w.path, "place_added", g.ID, g.Name, role, "")
}

// setPrimary makes the place want the person's primary place, or (want
// empty) makes their first place primary when none is.
func setPrimary(ctx context.Context, tx *db.Tx, workerID, want string) error {
	if want == "" {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grid_members WHERE worker_id = ? AND is_primary = ?", workerID, true).Scan(&n); err != nil || n > 0 {
			return err
		}
		first, err := db.Strings(ctx, tx, "SELECT id FROM grid_members WHERE worker_id = ? ORDER BY created_at, id LIMIT 1", workerID)
		if err != nil || len(first) == 0 {
			return err
		}
		want = first[0]
	}
	if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET is_primary = ? WHERE worker_id = ? AND id <> ? AND is_primary = ?", false, workerID, want, true); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE grid_members SET is_primary = ? WHERE id = ?", true, want)
	return err
}

// bumpTeam changes a grid's version (its team is part of it) and audits.
func (s *Service) bumpTeam(ctx context.Context, tx *db.Tx, gridID, action, detail string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE grids SET version = version + 1, updated_at = ? WHERE id = ?", db.Now(), gridID); err != nil {
		return err
	}
	return s.audit.Record(ctx, tx, authz.WorkforceWrite, audit.Entry{Action: action, ObjectType: "grid", ObjectID: gridID, Detail: detail})
}

// lockPlace locks a team place the caller may edit and checks the version
// read.
func lockPlace(ctx context.Context, tx *db.Tx, id string, version int) (place, error) {
	var v int
	if err := tx.QueryRowContext(ctx, "SELECT version FROM grid_members WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return place{}, err
	}
	p, err := loadPlace(ctx, tx, id)
	if err != nil {
		return p, err
	}
	if p.version != version {
		return p, apperr.E(apperr.Conflict, "conflict.version")
	}
	return p, nil
}

// UpdatePlace changes a place's role, or makes it the person's primary
// place (a primary place stays primary until another one is made so).
func (s *Service) UpdatePlace(ctx context.Context, id string, in PlacePatch) (Grid, error) {
	var f apperr.Fields
	if in.Role != nil {
		checkRole(&f, "role", *in.Role)
	}
	if in.Primary != nil && !*in.Primary {
		f.Add("is_primary", "team.primary_stays")
	}
	if err := f.Err(); err != nil {
		return Grid{}, err
	}
	var gridID string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := lockPlace(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		gridID = p.gridID
		// the grid decides who edits its team; the person's roster may lie
		// in a wider area (a town's police officer)
		w, err := loadWorker(ctx, tx, "", p.workerID, "")
		if err != nil {
			return err
		}
		if in.Role != nil && *in.Role != p.role {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grid_members WHERE worker_id = ? AND grid_id = ? AND role = ?", p.workerID, p.gridID, *in.Role).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return apperr.Field("role", "team.already_serving")
			}
			if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET role = ? WHERE id = ?", *in.Role, id); err != nil {
				return err
			}
			if err := addLog(ctx, tx, w.id, w.path, "role_changed", p.gridID, p.gridName, *in.Role, p.role); err != nil {
				return err
			}
		}
		if in.Primary != nil && !p.primary {
			if err := setPrimary(ctx, tx, p.workerID, id); err != nil {
				return err
			}
			if err := addLog(ctx, tx, w.id, w.path, "primary_changed", p.gridID, p.gridName, p.role, ""); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET version = version + 1 WHERE id = ?", id); err != nil {
			return err
		}
		return s.bumpTeam(ctx, tx, p.gridID, "team.update", id)
	})
	if err != nil {
		return Grid{}, err
	}
	return s.Grid(ctx, gridID)
}

// RemovePlace takes a place off a grid's team; when it was the person's
// primary place, their next place becomes primary. The person stays on
// the roster.
func (s *Service) RemovePlace(ctx context.Context, id string, version int) (Grid, error) {
	var gridID string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		p, err := lockPlace(ctx, tx, id, version)
		if err != nil {
			return err
		}
		gridID = p.gridID
		if _, err := tx.ExecContext(ctx, "DELETE FROM grid_members WHERE id = ?", id); err != nil {
			return err
		}
		if p.workerID != "" {
			// the grid decides who edits its team; the person's roster may lie
			// in a wider area (a town's police officer)
			w, err := loadWorker(ctx, tx, "", p.workerID, "")
			if err != nil {
				return err
			}
			if err := setPrimary(ctx, tx, w.id, ""); err != nil {
				return err
			}
			if err := addLog(ctx, tx, w.id, w.path, "place_removed", p.gridID, p.gridName, p.role, ""); err != nil {
				return err
			}
		}
		return s.bumpTeam(ctx, tx, p.gridID, "team.remove", p.role)
	})
	if err != nil {
		return Grid{}, err
	}
	return s.Grid(ctx, gridID)
}

// MoveWorker moves a member to another grid, or records that they left.
// Their places go to the successor (who keeps a place they already hold
// in the same role), and every registered Successor hands over the open
// work, all in one transaction: any error undoes all of it.
func (s *Service) MoveWorker(ctx context.Context, id string, in MoveInput) (MoveResult, error) {
	var f apperr.Fields
	if in.Leave == (in.GridID != "") {
		f.Add("grid_id", "worker.move_or_leave")
	}
	if in.Role != "" {
		checkRole(&f, "role", in.Role)
	}
	in.LeftOn = checkDay(&f, "left_on", in.LeftOn)
	in.Reason = strings.TrimSpace(in.Reason)
	if len([]rune(in.Reason)) > 200 {
		f.Add("reason", "validation.length", "min", 0, "max", 200)
	}
	if in.SuccessorID == id {
		f.Add("successor_id", "worker.successor_self")
	}
	if err := f.Err(); err != nil {
		return MoveResult{}, err
	}
	var res MoveResult
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		w, err := s.lockWorker(ctx, tx, id, in.Version)
		if err != nil {
			return err
		}
		if w.status != "active" {
			return apperr.E(apperr.Conflict, "worker.left")
		}
		var target Grid
		if in.GridID != "" {
			if target, err = s.teamGrid(ctx, tx, in.GridID, "grid_id"); err != nil {
				return err
			}
		}
		places, err := workerPlaces(ctx, tx, id)
		if err != nil {
			return err
		}
		var succ worker
		if in.SuccessorID != "" {
			if succ, err = loadWorker(ctx, tx, authz.WorkforceWrite, in.SuccessorID, "successor_id"); err != nil {
				return err
			}
			if succ.status != "active" {
				return apperr.Field("successor_id", "worker.left")
			}
		} else if len(places) > 0 || len(s.successors) > 0 {
			return apperr.Field("successor_id", "validation.required")
		}
		role := in.Role
		for _, p := range places {
			if !authz.From(ctx).Covers(authz.WorkforceWrite, p.gridPath) {
				return apperr.NotFoundf("worker")
			}
			if role == "" && p.primary {
				role = p.role
			}
			if err := handPlace(ctx, tx, p, w, succ); err != nil {
				return err
			}
			if err := s.bumpTeam(ctx, tx, p.gridID, "team.handover", p.role); err != nil {
				return err
			}
		}
		res.PlacesMoved = len(places)
		if succ.id != "" {
			if err := setPrimary(ctx, tx, succ.id, ""); err != nil {
				return err
			}
			for _, r := range s.successors {
				n, err := r.HandOver(ctx, tx, w.id, succ.id)
				if err != nil {
					return err
				}
				res.WorkMoved += n
			}
		}
		from := gridNames(places)
		if in.Leave {
			if in.LeftOn == "" {
				in.LeftOn = time.Now().Format(time.DateOnly)
			}
			if _, err := tx.ExecContext(ctx, "UPDATE workers SET status = 'left', left_on = ?, version = version + 1, updated_at = ? WHERE id = ?", in.LeftOn, db.Now(), id); err != nil {
				return err
			}
			if err := addLog(ctx, tx, id, w.path, "left", "", "", "", joinDetail(from, succ.name, in.Reason)); err != nil {
				return err
			}
		} else {
			if role == "" {
				role = "grid_member"
			}
			// A member moved beyond their roster's area goes onto the roster
			// of the new grid's village.
			if !strings.HasPrefix(target.path, w.path) {
				w.orgID, w.path = target.OrgID, target.path
			}
			if _, err := tx.ExecContext(ctx, "UPDATE workers SET org_id = ?, path = ?, version = version + 1, updated_at = ? WHERE id = ?", w.orgID, w.path, db.Now(), id); err != nil {
				return err
			}
			if _, err := s.insertPlace(ctx, tx, target, w, role, true); err != nil {
				return err
			}
			if err := addLog(ctx, tx, id, w.path, "moved", target.ID, target.Name, role, joinDetail(from, succ.name, in.Reason)); err != nil {
				return err
			}
			if err := s.bumpTeam(ctx, tx, target.ID, "team.add", id+" "+role); err != nil {
				return err
			}
		}
		action := "worker.move"
		if in.Leave {
			action = "worker.leave"
		}
		return s.audit.Record(ctx, tx, authz.WorkforceWrite, audit.Entry{Action: action, ObjectType: "worker", ObjectID: id, Detail: succ.id})
	})
	if err != nil {
		return MoveResult{}, err
	}
	res.Worker, err = s.Worker(ctx, id)
	return res, err
}

// workerPlaces are a person's team places with their grids.
func workerPlaces(ctx context.Context, tx *db.Tx, workerID string) ([]place, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.id, m.grid_id, g.name, g.path, m.role, m.is_primary, m.version
		FROM grid_members m JOIN grids g ON g.id = m.grid_id WHERE m.worker_id = ? ORDER BY m.is_primary DESC, g.code, m.role`, workerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []place
	for rows.Next() {
		p := place{workerID: workerID}
		if err := rows.Scan(&p.id, &p.gridID, &p.gridName, &p.gridPath, &p.role, &p.primary, &p.version); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// handPlace gives the place p of w to the successor: it becomes theirs
// (not primary), or goes when they already serve the grid in that role.
func handPlace(ctx context.Context, tx *db.Tx, p place, w, succ worker) error {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM grid_members WHERE worker_id = ? AND grid_id = ? AND role = ?", succ.id, p.gridID, p.role).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		if _, err := tx.ExecContext(ctx, "DELETE FROM grid_members WHERE id = ?", p.id); err != nil {
			return err
		}
	} else {
		var userID any
		if succ.userID != "" {
			userID = succ.userID
		}
		if _, err := tx.ExecContext(ctx, "UPDATE grid_members SET worker_id = ?, name = ?, user_id = ?, is_primary = ?, version = version + 1 WHERE id = ?",
			succ.id, succ.name, userID, false, p.id); err != nil {
			return err
		}
	}
	if err := addLog(ctx, tx, w.id, w.path, "place_removed", p.gridID, p.gridName, p.role, succ.name); err != nil {
		return err
	}
	return addLog(ctx, tx, succ.id, succ.path, "took_over", p.gridID, p.gridName, p.role, w.name)
}

func gridNames(places []place) string {
	var names []string
	for _, p := range places {
		if !slices.Contains(names, p.gridName) {
			names = append(names, p.gridName)
		}
	}
	return strings.Join(names, "、")
}

func joinDetail(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " · ")
}
