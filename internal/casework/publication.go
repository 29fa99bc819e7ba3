package casework

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
)

// Who may say how a report came in, and what of it is published.
//
// A report's channel, level (direct) and reporter follow from the account
// that sends it; only the intake desk (event.intake over the event's area)
// records reports for others: a hotline call, a 110 transfer, a petition.
//
// Publication is an explicit decision (public.go reads it): a report from
// a public channel is published with the reporter's own text; every other
// report stays private until the intake desk publishes it with a public
// summary, when filing it or later; disputes and security matters are never
// published. Re-filing a private event under a public category publishes
// nothing. Status notes and updates come only from the notes staff write for
// the public on a step, from the moment of publication on.

// PublicChannels are the channels whose reporters are the public: what they
// write is published as they wrote it (after the last scrub of the face).
var PublicChannels = []string{"resident", "open311"}

// residentRoles report as residents; any other account reports as staff on
// the grid channel.
var residentRoles = []string{"resident", "party_member"}

// MaxPublicNote is the longest note for the public taken on a step.
const MaxPublicNote = 1000

// ownChannels lists the channels an account reports by on its own: a key's
// client by its kind, a resident as a resident, staff on the grid channel.
// A report that names no channel comes in by the first.
func ownChannels(p *authz.Principal) []string {
	if p == nil {
		return []string{"grid"}
	}
	if strings.HasPrefix(p.UserID, "apikey:") {
		if p.RoleFor(authz.EventReport) == "alerts" {
			return alertChannels
		}
		return []string{"open311"}
	}
	if len(p.Grants) > 0 && !slices.ContainsFunc(p.Grants, func(g authz.Grant) bool { return g.Role != "volunteer" }) {
		return []string{"volunteer"} // a volunteer's clue (线索), sent by the volunteer room
	}
	for _, g := range p.Grants {
		if !slices.Contains(residentRoles, g.Role) {
			return []string{"grid", "walk_in"} // staff report what they see, and what residents bring in person (来访)
		}
	}
	return []string{"resident"}
}

// checkReporter refuses what a report says about its origin that the
// account may not choose: another channel, a direct report to the county,
// someone else's name.
func checkReporter(p *authz.Principal, path string, r Report) error {
	if p == nil || p.Covers(authz.EventIntake, path) {
		return nil // the intake desk records what others report
	}
	allowed := ownChannels(p)
	var f apperr.Fields
	if !slices.Contains(allowed, r.Channel) {
		f.Add("channel", "event.channel_not_yours", "values", strings.Join(allowed, ", "))
	}
	if r.Direct && !p.Covers(authz.EventCheck, path) {
		f.Add("direct", "event.direct_not_yours")
	}
	// A client of a key relays the public's own name (or the device's); an
	// account reports under its own name. A phone to call back on is taken
	// (sealed, never published): it names no one else.
	if name := strings.TrimSpace(r.ReporterName); name != "" && name != p.DisplayName && !strings.HasPrefix(p.UserID, "apikey:") {
		f.Add("reporter_name", "event.reporter_not_yours")
	}
	return f.Err()
}

// publishedAtReport tells whether a new report is published at once: a
// public channel's report outside the private categories.
func publishedAtReport(channel, categoryCode string) bool {
	return slices.Contains(PublicChannels, channel) && Published(categoryCode)
}

// checkPublicNote validates an action's note for the public.
func checkPublicNote(in *Action) error {
	in.PublicNote = strings.TrimSpace(in.PublicNote)
	if utf8.RuneCountInString(in.PublicNote) > MaxPublicNote {
		return apperr.Field("public_note", "validation.length", "min", 0, "max", MaxPublicNote)
	}
	in.PublicDescription = strings.TrimSpace(in.PublicDescription)
	if in.Publish != nil && in.Action != "file" {
		return apperr.Field("publish", "event.publish_when")
	}
	if in.PublicDescription != "" && in.Action != "file" && in.Action != "publish" {
		return apperr.Field("public_description", "event.publish_when")
	}
	return nil
}

// decidePublication applies the intake desk's decision (file with publish,
// publish, unpublish). Publishing needs a public description — the one given, or
// the public reporter's own text the event already has — and a category that
// may be published; an event published anew counts its public steps from now.
func (s *Service) decidePublication(c *actx, publish bool) error {
	if !publish {
		_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET published = ? WHERE id = ?", false, c.e.ID)
		c.e.Published = false
		return err
	}
	if !Published(c.cat.Code) {
		return apperr.Field("publish", "event.publish_private_category", "category", c.cat.Name)
	}
	desc := c.in.PublicDescription
	if desc == "" {
		desc = c.e.PublicDescription
	}
	if n := utf8.RuneCountInString(desc); n < 2 || n > MaxDescription {
		return apperr.Field("public_description", "validation.length", "min", 2, "max", MaxDescription)
	}
	at := any(c.now.UnixMilli())
	if c.e.Published {
		at = nil // already public: its moment of publication stays
	}
	_, err := c.tx.ExecContext(c.ctx, "UPDATE events SET published = ?, public_description = ?, published_at = COALESCE(?, published_at) WHERE id = ?",
		true, desc, at, c.e.ID)
	c.e.Published, c.e.PublicDescription = true, desc
	return err
}

// publish is the intake desk's later decision to publish an event, with a
// public summary (or the public reporter's own text).
func (s *Service) publish(c *actx) (string, error) {
	return "", s.decidePublication(c, true)
}

// unpublish withdraws an event from the public faces.
func (s *Service) unpublish(c *actx) (string, error) {
	return "", s.decidePublication(c, false)
}

// OwnChannel is the channel the caller's reports come in by when they name
// none: resident for the public's accounts, grid for staff.
func OwnChannel(p *authz.Principal) string { return ownChannels(p)[0] }
