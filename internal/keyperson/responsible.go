package keyperson

import (
	"context"
	"slices"
	"strings"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// fitToKeep is the rule for a responsible member: p may see and keep key
// persons of category at path. A responsible member who may not would never
// see the record in their visit tasks.
func fitToKeep(p *authz.Principal, path, category string) bool {
	return p.Covers(authz.KeyPersonRead, path) && p.Covers(authz.KeyPersonWrite, path) && p.Covers(authz.Perm("pii.sensitive."+category), path)
}

// mayKeep tells whether user is an active account fit to keep key persons
// of category at path.
func (s *Service) mayKeep(ctx context.Context, q db.Querier, user, path, category string) (bool, error) {
	if ok, err := account.Active(ctx, q, user); !ok || err != nil {
		return false, err
	}
	grants, err := authn.LoadGrants(ctx, q, user)
	if err != nil {
		return false, err
	}
	return fitToKeep(&authz.Principal{UserID: user, Grants: grants}, path, category), nil
}

// Candidate is an account that may be named responsible for a key person:
// only the display name of the person behind it.
type Candidate struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`      // the role code through which it keeps key persons there
	RoleName    string `json:"role_name"` // that role's name (custom roles have no translation)
	ServesGrid  bool   `json:"serves_grid"`
	Default     bool   `json:"default"` // the one the server picks when the request names nobody
}

// ResponsibleCandidates lists who may be named responsible for a new key
// person of category for the person personID; the caller must be able to
// register one there.
func (s *Service) ResponsibleCandidates(ctx context.Context, personID, category string) ([]Candidate, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "category", category, pii.Categories, true)
	if personID == "" {
		f.Add("person_id", "registry.required")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	path, gridID, err := s.keyPersonPlace(ctx, s.db.Reader(), personID, category)
	if err != nil {
		return nil, err
	}
	return s.candidates(ctx, path, gridID, category)
}

// KeyPersonCandidates lists who may be named responsible for the key person
// id, which the caller must be able to change.
func (s *Service) KeyPersonCandidates(ctx context.Context, id string) ([]Candidate, error) {
	k, err := s.keyPerson(ctx, id, authz.KeyPersonWrite)
	if err != nil {
		return nil, err
	}
	_, gridID, err := s.reg.PersonPlace(ctx, s.db.Reader(), k.PersonID, false)
	if err != nil {
		return nil, err
	}
	return s.candidates(ctx, k.path, gridID, k.Category)
}

// candidates are the active accounts fit to keep key persons of category at
// path (the rule checkResponsible applies), those serving the grid first.
// Only roles held over path or above can cover it, so only the holders of
// keyperson.write there (authz.Holders) are looked at.
func (s *Service) candidates(ctx context.Context, path, gridID, category string) ([]Candidate, error) {
	q := s.db.Reader()
	holders, args := authz.Holders(authz.KeyPersonWrite, path)
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.display_name FROM (`+holders+`) h JOIN users u ON u.id = h.user_id
		ORDER BY u.display_name, u.id LIMIT 500`, args...)
	if err != nil {
		return nil, err
	}
	var all []Candidate
	for rows.Next() {
		var c Candidate
		if err := rows.Scan(&c.ID, &c.DisplayName); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	team, err := org.Serving(ctx, q, gridID, "")
	if err != nil {
		return nil, err
	}
	serving := map[string]bool{}
	for _, id := range team {
		serving[id] = true
	}
	def, err := s.defaultResponsible(ctx, q, gridID, path, category)
	if err != nil {
		return nil, err
	}
	out := []Candidate{}
	for _, c := range all {
		grants, err := authn.LoadGrants(ctx, q, c.ID)
		if err != nil {
			return nil, err
		}
		if !fitToKeep(&authz.Principal{UserID: c.ID, Grants: grants}, path, category) {
			continue
		}
		for _, g := range grants {
			if strings.HasPrefix(path, g.OrgPath) && slices.Contains(g.Perms, authz.KeyPersonWrite) {
				c.Role, c.RoleName = g.Role, g.RoleName
				break
			}
		}
		c.ServesGrid, c.Default = serving[c.ID], c.ID == def
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		switch {
		case a.ServesGrid && !b.ServesGrid:
			return -1
		case b.ServesGrid && !a.ServesGrid:
			return 1
		}
		return 0
	})
	return out, nil
}

// defaultResponsible picks who answers for a new key person when the
// request names nobody: the account serving the person's grid as its grid
// member, whoever registers (an officer, or the system for the demo);
// failing that, the registering user; else nobody. Either must be able to
// see the category there.
func (s *Service) defaultResponsible(ctx context.Context, tx db.Querier, gridID, path, category string) (string, error) {
	members, err := org.Serving(ctx, tx, gridID, "grid_member")
	if err != nil {
		return "", err
	}
	for _, id := range append(members, authz.From(ctx).UserID) {
		if ok, err := s.mayKeep(ctx, tx, id, path, category); ok || err != nil {
			return id, err
		}
	}
	return "", nil
}

// checkResponsible checks a responsible member named in a request.
func (s *Service) checkResponsible(ctx context.Context, q db.Querier, user, path, category string) error {
	ok, err := s.mayKeep(ctx, q, user, path, category)
	if err == nil && !ok {
		return apperr.Field("responsible_id", "registry.responsible_unfit")
	}
	return err
}
