package app

import (
	"context"
	"strings"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/petition"
	"github.com/gridgov/gridgov/internal/screening"
)

// disputeCases opens the dispute room's cases for the rooms that turn their
// matters into cases (a screening finding, a petition routed to mediation),
// inside their own transaction: the finding or petition and its case are
// written together or not at all.
type disputeCases struct{ d *dispute.Service }

// OpenCase opens a case from a screening finding. It lands as registered,
// for the mediator to classify; the parties come as they were filed, by
// name, the first as the applicant.
func (c disputeCases) OpenCase(ctx context.Context, tx *db.Tx, p *authz.Principal, f screening.FindingCase) (string, string, error) {
	in := dispute.Intake{Source: "screening", SourceRef: f.FindingNo, OrgID: f.OrgID, Type: f.Type, Title: f.Title, Facts: f.Facts}
	for i, name := range f.Parties {
		in.Parties = append(in.Parties, dispute.PartyIn{Role: partyRole(i), Name: name})
	}
	k, err := c.d.OpenTx(ctx, tx, p, in)
	return k.ID, k.No, err
}

// petitionCases opens a case for a petition routed to mediation, with the
// petitioners as its applicants (their phones and ID numbers sealed again
// by the dispute room), and the petition's route and reason; a collective
// petition (集体访) is a complex case. Whoever holds only dispute.report
// there (the petition desk) files it as registered, for the mediator to
// classify.
type petitionCases struct{ d *dispute.Service }

func (c petitionCases) OpenCase(ctx context.Context, tx *db.Tx, p *authz.Principal, pc petition.PetitionCase) (string, string, error) {
	complexity := "simple"
	if pc.PeopleCount >= 5 {
		complexity = "complex"
	}
	in := dispute.Intake{Source: "petition", SourceRef: pc.PetitionNo, OrgID: pc.OrgID, Type: pc.Type, Title: pc.Title,
		Facts: strings.TrimSpace(pc.Content), Complexity: complexity, Route: pc.Route, RouteReason: pc.RouteReason}
	for _, pt := range pc.Parties {
		in.Parties = append(in.Parties, dispute.PartyIn{Role: "applicant", Name: pt.Name, Phone: pt.Phone, IDNumber: pt.IDNumber, PersonID: pt.PersonID})
	}
	k, err := c.d.OpenTx(ctx, tx, p, in)
	return k.ID, k.No, err
}

// partyRole is the role of the i-th party named by a finding.
func partyRole(i int) string {
	if i == 0 {
		return "applicant"
	}
	return "respondent"
}
