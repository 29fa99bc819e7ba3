package casework

import (
	"context"
	"errors"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"

	"github.com/gridgov/gridgov/internal/db"
)

// EventBrief is what another room takes from an event it takes up (a
// dispute case opened from an event of a dispute category).
type EventBrief struct {
	ID, No, CategoryCode, CategoryName, Description, Address, OrgID, ReporterName string
	CreatedAt                                                                     int64
}

// Brief returns the event id when the caller sees it as staff (over its
// area, or as a unit it was sent to); any other event is not found, as for
// Get.
func (s *Service) Brief(ctx context.Context, id string) (EventBrief, error) {
	e, err := s.get(ctx, id)
	if err != nil {
		return EventBrief{}, err
	}
	if ok, err := s.staffSees(ctx, s.db.Reader(), e); err != nil || !ok {
		return EventBrief{}, errors.Join(err, apperr.NotFoundf("event"))
	}
	return EventBrief{ID: e.ID, No: e.No, CategoryCode: e.CategoryCode, CategoryName: e.CategoryName, Description: e.Description,
		Address: e.Address, OrgID: e.OrgID, ReporterName: e.ReporterName, CreatedAt: e.CreatedAt}, nil
}

// LinkStep writes a step on an event's timeline at at inside tx, naming
// what another room made of it (action "dispute_case", note the case
// number); the event's state is left as it is.
func (s *Service) LinkStep(ctx context.Context, tx *db.Tx, eventID, action, note string, at time.Time) error {
	var state string
	if err := tx.QueryRowContext(ctx, "SELECT state FROM events WHERE id = ?", eventID).Scan(&state); err != nil {
		return err
	}
	_, err := s.appendLog(ctx, tx, eventID, action, state, state, "", note, at)
	return err
}
