package keyperson

import (
	"context"

	"github.com/gridgov/gridgov/internal/registry"
)

// PersonPage is a person's page: the register's record (household
// members, events, history) with what this room keeps about the person.
// It is served here, not by the registers, because the registers do not
// know key persons and care targets; registry.GetPerson gives the rest.
type PersonPage struct {
	registry.Person
	KeyPersons  []KeyPerson  `json:"key_persons,omitempty"`  // of the categories the caller is granted
	CareTargets []CareTarget `json:"care_targets,omitempty"` // in the caller's scope
	Visits      []Visit      `json:"visits,omitempty"`       // of the records above the caller may see
}

// GetPerson returns a person's page. The register read is audited by
// registry.GetPerson, which also checks the caller's scope.
func (s *Service) GetPerson(ctx context.Context, id string) (PersonPage, error) {
	p, err := s.reg.GetPerson(ctx, id)
	if err != nil {
		return PersonPage{}, err
	}
	page := PersonPage{Person: p}
	if page.KeyPersons, err = s.keyPersons(ctx, KeyPersonQuery{PersonID: id, Limit: 50}); err != nil {
		return page, err
	}
	if page.CareTargets, err = s.careTargets(ctx, " AND c.person_id = ?", []any{id}, 50); err != nil {
		return page, err
	}
	if page.Visits, err = s.visits(ctx, s.db.Reader(), "v.person_id = ?", id); err != nil {
		return page, err
	}
	return page, nil
}
