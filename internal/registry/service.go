// Package registry keeps the base registers (一标三实: standard addresses,
// houses, people, units; 户情台账 households), the Chinese search over them,
// exact look-ups, area totals, duplicate registrations and the registers'
// data-protection settings.
//
// The rooms built on it call its exported functions and it calls none of
// them: key persons and care targets (package keyperson), verification
// campaigns (package campaign), spreadsheet imports and exports (package
// regsheet). The small pieces they share are in package regkit.
//
// Personal values (ID numbers, phones, precise addresses, key-person
// categories, visit notes) are sealed before they reach the database: a
// Vault encrypts each bound to its row and field, and a keyed blind index
// makes "one person per ID" a unique index and exact lookups possible
// without the plain value. Lists carry masked forms; the full value needs
// personal.reveal over the record's area, a reason, and leaves an audit row.
package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
	"github.com/gridgov/gridgov/internal/secret"
)

// Locator finds the main-layer grid holding a point.
type Locator interface {
	LocateGrid(ctx context.Context, p geo.Point) (gridID string, err error)
}

// Service runs the registers.
type Service struct {
	db    *db.DB
	audit *audit.Log
	keys  *secret.Keys
	vault *pii.Vault
	grids Locator
	// followers keep records about people (Follow).
	followers []Follower
	// Compounds checks and names the compounds and buildings houses belong
	// to; without it a house names none.
	Compounds Compounds
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New makes the service.
func New(d *db.DB, log *audit.Log, keys *secret.Keys, grids Locator) *Service {
	return &Service{db: d, audit: log, keys: keys, vault: pii.NewVault(keys), grids: grids, Now: time.Now}
}

// Follower is a room that keeps records about the registers' people
// (package keyperson: key persons, care targets, visits). It is told, in
// the registers' transaction, when a person moves to another area, dies or
// is removed for good, so its records follow without the registers
// knowing them.
type Follower interface {
	// PersonMoved: the person's records are scoped by their area, path.
	PersonMoved(ctx context.Context, tx db.Querier, personID, path string) error
	// PersonDied at (Unix ms): nobody visits or serves the dead.
	PersonDied(ctx context.Context, tx db.Querier, personID string, at int64) error
	// PersonRemoved: the person's row goes next, with everything about them.
	PersonRemoved(ctx context.Context, tx db.Querier, personID string) error
}

// Follow has f told of people's moves, deaths and removals. The rooms
// above call it once, when they are made.
func (s *Service) Follow(f Follower) { s.followers = append(s.followers, f) }

// tell calls each follower in turn, stopping at the first error.
func (s *Service) tell(call func(Follower) error) error {
	for _, f := range s.followers {
		if err := call(f); err != nil {
			return err
		}
	}
	return nil
}

// eventPhone opens the sealed reporter phone of an event ("" when it does
// not open).
func (s *Service) eventPhone(eventID, sealed string) string {
	v, err := s.keys.Open(sealed, "events.reporter_phone:"+eventID)
	if err != nil {
		return ""
	}
	return v
}

// Place is where a record sits: a grid of the main layer, its village and
// the village's path (the scope filter).
type Place struct {
	GridID, OrgID, Path string
}

// PlaceInput chooses a record's grid: by id, by its 15-digit code, or by a
// position inside it.
type PlaceInput struct {
	GridID   string   `json:"grid_id,omitempty"`
	GridCode string   `json:"grid_code,omitempty"`
	Lat      *float64 `json:"lat,omitempty"`
	Lng      *float64 `json:"lng,omitempty"`
	// known is the grid already looked up (imports resolve each grid code
	// once, not once a row).
	known *Place
}

// place resolves p and checks the caller may write there.
func (s *Service) place(ctx context.Context, q db.Querier, in PlaceInput, perm authz.Perm) (Place, error) {
	if in.known != nil {
		if !authz.From(ctx).Covers(perm, in.known.Path) {
			return Place{}, outOfScope("grid_code")
		}
		return *in.known, nil
	}
	gridID := in.GridID
	if gridID == "" && in.GridCode == "" && in.Lat != nil && in.Lng != nil {
		pt := geo.Point{Lng: *in.Lng, Lat: *in.Lat}
		if pt.Lat < -90 || pt.Lat > 90 || pt.Lng < -180 || pt.Lng > 180 {
			return Place{}, apperr.Field("lat", "registry.position_invalid")
		}
		id, err := s.grids.LocateGrid(ctx, pt)
		if err != nil {
			return Place{}, err
		}
		if id == "" {
			return Place{}, apperr.Field("lat", "registry.outside_grids")
		}
		gridID = id
	}
	if gridID == "" && in.GridCode == "" {
		return Place{}, apperr.Field("grid_id", "registry.grid_required")
	}
	g, err := org.MainGrid(ctx, q, gridID, in.GridCode)
	p := Place{GridID: g.ID, OrgID: g.OrgID, Path: g.Path}
	if errors.Is(err, sql.ErrNoRows) {
		field := "grid_id"
		if in.GridCode != "" {
			field = "grid_code"
		}
		return p, apperr.Field(field, "registry.grid_unknown")
	}
	if err != nil {
		return p, err
	}
	if !authz.From(ctx).Covers(perm, p.Path) {
		field := "grid_id"
		if in.GridCode != "" {
			field = "grid_code"
		} else if in.GridID == "" {
			field = "lat"
		}
		return p, outOfScope(field)
	}
	return p, nil
}

// outOfScope refuses a grid outside the caller's area (403), naming the
// field that chose it so a form shows the refusal beside it and an import
// beside the grid column.
func outOfScope(field string) error {
	return &apperr.Error{Kind: apperr.Forbidden, Code: "registry.out_of_scope", Fields: []apperr.FieldError{{Field: field, Code: "registry.out_of_scope"}}}
}

// create runs a create in one transaction under the request's idempotency
// key: a retry with the same key and fields answers with the record the
// first request made, and makes none. write returns the new record's id.
func (s *Service) create(ctx context.Context, key idem.Key, write func(tx *db.Tx) (string, error)) (string, error) {
	var id string
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		id, _, err = idem.Do(ctx, tx, key, func() (string, error) { return write(tx) })
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		// Another request with the same key committed first: answer as it did.
		return s.create(ctx, key, write)
	}
	return id, err
}

// logChange appends a line to a record's history.
func (s *Service) logChange(ctx context.Context, tx db.Querier, recordType, id, action string, fields ...string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO register_log (id, record_type, record_id, action, fields, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		db.NewID(), recordType, id, action, strings.Join(fields, ","), regkit.Nullable(authz.From(ctx).UserID), s.Now().UnixMilli())
	return err
}

// Change is one line of a record's history.
type Change struct {
	Action string   `json:"action"`
	Fields []string `json:"fields"`
	User   string   `json:"user"`
	At     int64    `json:"at"`
}

func (s *Service) history(ctx context.Context, recordType, id string) ([]Change, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT l.action, l.fields, COALESCE(u.display_name, ''), l.at FROM register_log l
		LEFT JOIN users u ON u.id = l.user_id WHERE l.record_type = ? AND l.record_id = ? ORDER BY l.at DESC, l.id DESC`, recordType, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Change{}
	for rows.Next() {
		var c Change
		var fields string
		if err := rows.Scan(&c.Action, &fields, &c.User, &c.At); err != nil {
			return nil, err
		}
		c.Fields = []string{}
		if fields != "" {
			c.Fields = strings.Split(fields, ",")
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// record audits one action on a register record inside tx.
func (s *Service) record(ctx context.Context, tx db.Querier, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.Record(ctx, tx, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}

// readAudited writes the audit row of a read of personal data.
func (s *Service) readAudited(ctx context.Context, perm authz.Perm, action, objectType, id, detail string) error {
	return s.audit.RecordAlone(ctx, s.db, perm, audit.Entry{Action: action, ObjectType: objectType, ObjectID: id, Detail: detail})
}
