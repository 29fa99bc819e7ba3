package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/callkey"
	"github.com/gridgov/gridgov/internal/campaign"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/petition"
	"github.com/gridgov/gridgov/internal/pii"
	"github.com/gridgov/gridgov/internal/psych"
	"github.com/gridgov/gridgov/internal/redorder"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/regsheet"
	"github.com/gridgov/gridgov/internal/screening"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/village"
	"github.com/gridgov/gridgov/internal/visit"
	"github.com/gridgov/gridgov/internal/volunteer"
)

// TestAccessMatrix calls every route of the API as every demo account (and
// as nobody) on records of the caller's own area, of a sibling area and of
// the area above, and checks each answer against the table in matrix():
// a call the table allows is not refused, every other call is refused with
// 401, 403 or 404 (or a field error saying the named area or record does
// not exist), nothing answers 500, and no successful answer carries the ID
// of a record of another area. The table must name exactly the routes the
// router has.
//
// County staff are granted the demo county: their sibling area is a second
// county made here, the area above is the city. Village staff (grid member,
// party member, resident) are granted the demo village: their sibling area
// is a neighbouring village, whose event lies a few dozen metres from the
// own village's across the border; the area above is the town. Town staff
// (the mediator, the heads of the 司法所 and 派出所, the judge) are granted
// the own village's town: their sibling area is the second county's village,
// the area above is the city. Requests
// carry valid bodies wherever the area is what should refuse them, so a
// refusal comes from the area check and not from validation. All calls
// share one server; a call that succeeds in changing or removing a record
// is given a fresh one, so the order of the calls does not matter.
func TestAccessMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("walks every route as every role: the full suite runs it")
	}
	t.Parallel()
	start := time.Now()
	a := testapp.NewWithRegisters(t)
	f := newFixture(t, a)
	table := matrix()
	checkTable(t, a, table)

	type caller struct {
		name   string
		level  int
		client *testapp.Client
	}
	var callers []caller
	for _, acc := range a.Demo.Accounts {
		level := countyLevel
		switch len(acc.OrgCode) {
		case 9:
			level = townLevel
		case 12:
			level = villageLevel
		}
		callers = append(callers, caller{acc.Username, level, a.LoginAccount(acc)})
	}
	callers = append(callers, caller{"anon", countyLevel, a.Anon()})
	t.Logf("demo and records ready in %v", time.Since(start).Round(time.Millisecond))

	calls := 0
	for _, r := range table {
		method, _, _ := strings.Cut(r.route, " ")
		areas := []area{own, other, parent}
		if r.once {
			areas = []area{anyArea}
		}
		for _, cl := range callers {
			for _, ar := range areas {
				at := f.at[cl.level][own]
				if ar != anyArea {
					at = f.at[cl.level][ar]
				}
				c := &call{f: f, who: cl.name, own: f.at[cl.level][own], at: at,
					ok: cl.name != "anon" && r.allows(cl.name) && (ar == own || ar == anyArea)}
				q := r.req(c)
				if c.missing {
					continue // no such record in that area (nothing lies at the town or city level)
				}
				res := send(cl.client, method, q)
				calls++
				if r.settle != nil {
					r.settle(f)
				}
				name := r.route + " " + cl.name
				if ar != anyArea {
					name += " " + ar.String()
				}
				permitted := cl.name != "anon" && r.allows(cl.name)
				t.Run(name, func(t *testing.T) {
					judge(t, r, method, cl.name, c.ok, permitted, res, f.foreign[cl.level])
				})
			}
		}
	}
	t.Logf("%d routes, %d calls in %v", len(table), calls, time.Since(start).Round(time.Millisecond))
}

// ---- the table ----

// row is one route of the table.
type row struct {
	route string // "METHOD path" as registered
	// who names the demo accounts whose call on their own area's records
	// succeeds (not refused); everyone else is refused. "all" is every
	// signed-in account, "public" anyone at all (only no 500 is checked).
	who string
	// once: the request names no record or area, so it is made once per
	// account rather than for each area.
	once bool
	// list: the route filters by area rather than refusing: asked for
	// another area it may answer an empty page, as long as no record of
	// that area is in it.
	list bool
	// global: the answer is the same for every area by design (catalogue,
	// settings, the audit log): it is not scanned for other areas' IDs.
	global bool
	req    func(c *call) req
	// settle, when set, runs after the call (to let background work end).
	settle func(f *fixture)
}

func (r row) allows(who string) bool {
	return r.who == "all" || r.who == "public" || slices.Contains(strings.Fields(r.who), who)
}

// Who holds what (authz.Builtins, granted as demo.accounts does).
const (
	// The town's dispute accounts: its mediator, the heads of its 司法所 and
	// 派出所, and the judge of its 人民法庭.
	townStaff = "townmediator sfschief pcschief judge"
	// The village's mediator and the county's petition desk.
	disputeStaff    = "vmediator xfclerk"
	orgReaders      = "sysadmin secadmin auditadmin intake dispatcher shiftlead handler gridmember leader mediator partymember police justice health civilaffairs partysec " + townStaff + " " + disputeStaff + " " + safetyReporters
	gridReaders     = "sysadmin intake dispatcher shiftlead handler gridmember leader mediator partymember police justice health civilaffairs partysec " + townStaff + " " + disputeStaff
	eventReaders    = "intake dispatcher shiftlead gridmember leader mediator townmediator vmediator"
	eventSeers      = eventReaders + " handler" // the own event is dispatched to the handler's department
	reporters       = "intake gridmember partymember partysec resident police pcschief"
	registryReaders = "gridmember leader police justice health civilaffairs pcschief sfschief"
	registryWriters = "gridmember civilaffairs"
	revealers       = "gridmember police justice health civilaffairs pcschief sfschief"
	lookupers       = "gridmember police justice health civilaffairs pcschief sfschief" // personal.lookup
	keyPersonRead   = "gridmember police justice health civilaffairs pcschief sfschief xfclerk"
	// The fixture's key persons are released prisoners: health and civil
	// affairs hold no grant of that category and must not see them.
	releasedPrisoner = "gridmember police justice pcschief sfschief"
	campaignSeers    = "leader gridmember police justice health civilaffairs pcschief sfschief" // the launcher's office, and readers where it has items
	// Disputes: who reads, who takes in and mediates, and who of the readers
	// may see a mediator's phone in full.
	disputeReaders = "intake leader mediator police justice xfclerk " + townStaff + " vmediator"
	disputeWriters = "intake mediator justice townmediator sfschief judge vmediator"
	disputeReveal  = "police justice pcschief sfschief xfclerk"
	disputeSubsidy = "justice sfschief"
	// Screening (排查): dispute.report files findings and zero reports,
	// dispute.write runs rounds and turns findings into cases; either, or
	// dispute.read, sees them.
	screeningReporters = "intake gridmember mediator police justice townmediator sfschief pcschief judge vmediator xfclerk"
	screeningReaders   = screeningReporters + " leader"
	screeningWriters   = "intake mediator justice townmediator sfschief judge vmediator"
	// The petition desk: the county's leader and petition clerk (petition.read and petition.write).
	petitionDesk = "leader xfclerk"
	// Grid work: the member's own day (gridwork.do), the centres' boards
	// (gridwork.read) and their steering (gridwork.steer).
	gridworkDo    = "gridmember police pcschief"
	gridworkRead  = "intake leader police pcschief"
	gridworkSteer = "intake"
	// Psychological protection (pii.sensitive.psych): the health office.
	psychReaders = "health"
	// Member tasks and town–police-station meetings: the centres' boards
	// (gridwork.read), who steers (gridwork.steer), whose own day it is
	// (gridwork.do); a task is closed or carried by its assignee alone.
	// The red grid: the party secretary keeps the tree of their community;
	// party members see their own organisation and tasks on the phone —
	// the demo's grid member is one too (a 党员网格员), whatever her role.
	partyKeepers = "partysec"
	partyMembers = "partymember partysec gridmember"
	dutyReaders  = "intake leader police pcschief"
	dutySteer    = "intake"
	dutyDoers    = "gridmember police pcschief"
	// Dispute cases: who reads them (dispute.read), files them
	// (dispute.report or dispute.write), works them (dispute.write), and
	// reveals a party's phone (personal.reveal where they read cases).
	caseReaders   = "intake leader mediator police justice xfclerk townmediator sfschief pcschief judge vmediator"
	caseReporters = "intake gridmember mediator police justice xfclerk townmediator sfschief pcschief judge vmediator"
	caseWriters   = "intake mediator justice townmediator sfschief judge vmediator"
	caseRevealers = "police justice xfclerk pcschief sfschief"
	// Visits (入户走访) and reception days: the centres and leaders read
	// (gridwork.read), members and police record (gridwork.do), the county
	// centre sets the triggers (gridwork.steer) and records receptions too.
	visitReaders   = "intake leader police pcschief"
	visitDoers     = "gridmember police pcschief"
	receptionists  = "intake gridmember police pcschief"
	receptionSeers = "intake leader gridmember police pcschief"
	// Patrols: the centres' boards (gridwork.read, gridwork.steer) and the
	// members' own day (gridwork.do; only the grid member is on a roster).
	patrolReaders = "intake leader police pcschief"
	patrolMembers = "gridmember police pcschief"
	// Grid teams and the roster: who reads them (workforce.read), who edits
	// them (workforce.write, the centres), and who of the readers may see a
	// member's phone in full (the roster's keepers and personal.reveal).
	// Whoever reads the roster sees a member's awards and training too.
	workforceReaders   = "intake gridmember leader police pcschief partysec"
	workforceWriters   = "intake"
	workforceRevealers = "intake gridmember police pcschief"
	// Assessment: the county centre steers it, the leader reads it.
	assessReaders = "intake leader"
	// Village score sheets and councils: the centre keeps them, grid
	// members record scores, the leader reads, residents give opinions.
	villageReaders = "intake leader gridmember"
	villageWriters = "intake"
	villageScorers = "intake gridmember"
	villageOpiners = "partymember resident"
	// Volunteers: the centre keeps them (volunteer.write), the leader reads
	// them (volunteer.read), the police read the clues marked for them
	// (volunteer.police), and the volunteer works their own shifts
	// (volunteer.do).
	volunteerReaders = "intake leader"
	volunteerWriters = "intake"
	volunteerPolice  = "police pcschief"
	volunteers       = "volunteer"
	// Red orders and points: who places orders (residents, members, grid
	// members), who serves them (party members), the branch's secretary who
	// runs them and keeps the points.
	redOrderPlacers  = "gridmember partymember partysec resident"
	redOrderServers  = "partymember partysec"
	redOrderManagers = "partysec"
	pointsKeepers    = "partysec"
	// The safety index: leaders and the centre read it (safety.read), the
	// centre keeps it as the committee's office (safety.write).
	safetyReaders = "intake leader"
	safetyWriters = "intake"
	// The units' statisticians report the figures the platform does not
	// hold; the demo's catalogue names the police for six of them.
	safetyReporters = "gareporter yjreporter"
	// Special campaigns: the centre plans them (drive.write), leaders read
	// them (drive.read); the centre, grid members, the police and the
	// statisticians report on their part (drive.do); the centre, grid
	// members, residents and the police give clues (drive.clue), which the
	// police alone read (drive.clues).
	driveReaders = "intake leader"
	driveWriters = "intake"
	driveDoers   = "intake gridmember police pcschief " + safetyReporters
	driveCluers  = "intake gridmember resident police pcschief"
	drivePolice  = "police pcschief"
	// Anti-fraud warnings: the centre, the leader and the police follow
	// them (antifraud.read).
	antifraudReaders = "intake leader police pcschief"
	// The 三情: the centre, the leader, the police and the petition desk
	// read them (situation.read); the centre, the police and the petition
	// desk enter them; the centre judges and schedules (situation.steer);
	// the police and the petition desk open the people. The county's
	// meetings are read by those who read the county.
	situationReaders  = "intake leader police pcschief xfclerk"
	situationEnterers = "intake police xfclerk"
	situationCounty   = "intake leader police xfclerk"
	situationPeople   = "police pcschief xfclerk"
)

func matrix() []row {
	p := func(format string, args ...any) string { return fmt.Sprintf(format, args...) }
	version0 := map[string]any{"version": 0} // never the stored version: a permitted change answers 409 and changes nothing
	return []row{
		// Sign-in and one's own account.
		{route: "POST /api/v1/auth/login", who: "public", once: true, req: func(c *call) req { return req{path: "/api/v1/auth/login", body: map[string]string{}} }},
		{route: "GET /api/v1/me", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/me"} }},
		{route: "POST /api/v1/me/password", who: "all", once: true, req: func(c *call) req {
			// The right old password and a weak new one: refused by the policy, not by authorization.
			return req{path: "/api/v1/me/password", body: map[string]string{"old_password": demoPassword, "new_password": "weak"}}
		}},
		{route: "POST /api/v1/me/totp/setup", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/me/totp/setup"} }},
		{route: "POST /api/v1/me/totp/confirm", who: "all", once: true, req: func(c *call) req {
			return req{path: "/api/v1/me/totp/confirm", body: map[string]string{"secret": "JBSWY3DPEHPK3PXP", "code": "000000"}}
		}},

		// Accounts, roles, security settings, audit.
		{route: "GET /api/v1/users", who: "sysadmin secadmin", list: true, req: func(c *call) req { return req{path: "/api/v1/users?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/users", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/users", body: map[string]string{"username": p("mx.new%d", c.f.next()), "display_name": "矩阵新用户",
				"password": fixturePassword, "org_id": c.id(c.at.org)}}
		}},
		{route: "GET /api/v1/users/{id}", who: "sysadmin secadmin", req: func(c *call) req { return req{path: "/api/v1/users/" + c.id(c.at.user)} }},
		{route: "PATCH /api/v1/users/{id}", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/users/" + c.id(c.at.user), body: version0} }},
		{route: "POST /api/v1/users/{id}/reset-password", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/users/" + c.id(c.at.user) + "/reset-password", body: map[string]string{"password": "weak"}}
		}},
		{route: "POST /api/v1/users/{id}/unlock", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/users/" + c.id(c.at.user) + "/unlock"} }},
		{route: "POST /api/v1/users/{id}/reset-totp", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/users/" + c.id(c.at.user) + "/reset-totp"} }},
		{route: "POST /api/v1/users/{id}/roles", who: "secadmin", req: func(c *call) req {
			return req{path: "/api/v1/users/" + c.id(c.at.user) + "/roles", body: map[string]string{"role_id": c.f.roles["party_member"], "org_id": c.id(c.at.org)}}
		}},
		{route: "DELETE /api/v1/users/{id}/roles/{assignment}", who: "secadmin", req: func(c *call) req {
			grant := c.at.assignment
			if c.ok { // a success removes the grant: this call gets its own
				grant = c.f.newAssignment(c.at)
			}
			return req{path: "/api/v1/users/" + c.id(c.at.user) + "/roles/" + c.id(grant)}
		}},
		{route: "GET /api/v1/permissions", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/permissions"} }},
		{route: "GET /api/v1/roles", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/roles"} }},
		{route: "POST /api/v1/roles", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/roles", body: map[string]string{}} }},
		{route: "PUT /api/v1/roles/{id}", who: "secadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/roles/" + c.f.roles["mediator"], body: map[string]string{}}
		}},
		{route: "GET /api/v1/settings/security", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/settings/security"} }},
		{route: "PUT /api/v1/settings/security", who: "secadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/settings/security", body: map[string]string{}}
		}},
		{route: "GET /api/v1/audit", who: "auditadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/audit?limit=5"} }},
		{route: "POST /api/v1/audit/verify", who: "auditadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/audit/verify"} }},

		// The org tree and the grids.
		{route: "GET /api/v1/org/roots", who: orgReaders, once: true, req: func(c *call) req { return req{path: "/api/v1/org/roots"} }},
		{route: "GET /api/v1/org/nodes", who: orgReaders, req: func(c *call) req { return req{path: "/api/v1/org/nodes?parent_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/org/nodes/{id}", who: orgReaders, req: func(c *call) req { return req{path: "/api/v1/org/nodes/" + c.id(c.at.org)} }},
		{route: "POST /api/v1/org/nodes", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/org/nodes", body: map[string]string{"parent_id": c.id(c.at.org), "code": c.at.orgCode + "9", "name": "矩阵新区"}}
		}},
		{route: "PATCH /api/v1/org/nodes/{id}", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/org/nodes/" + c.id(c.at.org), body: version0} }},
		{route: "POST /api/v1/org/nodes/{id}/move", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/org/nodes/" + c.id(c.at.org) + "/move", body: map[string]any{"parent_id": c.own.town, "code": c.at.orgCode, "version": 0}}
		}},
		{route: "POST /api/v1/org/nodes/{id}/retire", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/org/nodes/" + c.id(c.at.org) + "/retire", body: version0}
		}},
		{route: "GET /api/v1/org/nodes/{id}/geojson", who: orgReaders, req: func(c *call) req { return req{path: "/api/v1/org/nodes/" + c.id(c.at.org) + "/geojson"} }},
		{route: "GET /api/v1/layers", who: gridReaders, once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/layers"} }},
		{route: "GET /api/v1/grids", who: gridReaders, req: func(c *call) req { return req{path: "/api/v1/grids?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/grids/geojson", who: gridReaders, req: func(c *call) req { return req{path: "/api/v1/grids/geojson?layer=zz&org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/grids/export", who: "sysadmin shiftlead leader", req: func(c *call) req {
			return req{path: "/api/v1/grids/export?layer=zz&org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/grids/import", who: "sysadmin", req: func(c *call) req {
			// A dry run of an empty file: permitted, it is refused as empty.
			return req{path: "/api/v1/grids/import?layer=zz&dry_run=true&org_id=" + c.id(c.at.org), body: map[string]any{"type": "FeatureCollection", "features": []any{}}}
		}},
		{route: "POST /api/v1/grids", who: "sysadmin", req: func(c *call) req {
			// A square far from the demo village: permitted there, it is refused as outside the village.
			return req{path: "/api/v1/grids", body: map[string]any{"org_id": c.id(c.at.org), "layer": "zz", "name": "矩阵网格", "households": 1,
				"geometry": json.RawMessage(square(120.5, 30.5))}}
		}},
		{route: "GET /api/v1/grids/{id}", who: gridReaders, req: func(c *call) req { return req{path: "/api/v1/grids/" + c.id(c.at.grid)} }},
		{route: "PATCH /api/v1/grids/{id}", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/grids/" + c.id(c.at.grid), body: version0} }},
		{route: "POST /api/v1/grids/{id}/move", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/grids/" + c.id(c.at.grid) + "/move", body: map[string]any{"org_id": c.own.org, "version": 0}}
		}},
		{route: "POST /api/v1/grids/{id}/retire", who: "sysadmin", req: func(c *call) req { return req{path: "/api/v1/grids/" + c.id(c.at.grid) + "/retire", body: version0} }},
		{route: "POST /api/v1/grids/{id}/team", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/grids/" + c.id(c.at.grid) + "/team", body: map[string]any{"role": "volunteer",
				"new_worker": map[string]string{"name": "矩阵新志愿者", "employment": "other"}}}
		}},
		{route: "PATCH /api/v1/team-places/{id}", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/team-places/" + c.id(c.at.place), body: map[string]any{"role": "party_member", "version": 0}}
		}},
		{route: "POST /api/v1/team-places/{id}/remove", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/team-places/" + c.id(c.at.place) + "/remove", body: version0}
		}},
		{route: "GET /api/v1/workers", who: workforceReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/workers?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/workers/export", who: workforceReaders, req: func(c *call) req { return req{path: "/api/v1/workers/export?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/workers/lookup", who: workforceReaders, once: true, list: true, req: func(c *call) req {
			return req{path: "/api/v1/workers/lookup", body: map[string]string{"phone": "13800138000"}}
		}},
		{route: "POST /api/v1/workers", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/workers", body: map[string]string{"org_id": c.id(c.at.org), "name": "矩阵网格员", "employment": "full_time"}}
		}},
		{route: "GET /api/v1/workers/{id}", who: workforceReaders, req: func(c *call) req { return req{path: "/api/v1/workers/" + c.id(c.at.worker)} }},
		{route: "PATCH /api/v1/workers/{id}", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/workers/" + c.id(c.at.worker), body: map[string]any{"name": "矩阵改名", "version": 0}}
		}},
		{route: "POST /api/v1/workers/{id}/move", who: workforceWriters, req: func(c *call) req {
			return req{path: "/api/v1/workers/" + c.id(c.at.worker) + "/move", body: map[string]any{"leave": true, "version": 0}}
		}},
		{route: "POST /api/v1/workers/{id}/reveal", who: workforceRevealers, req: func(c *call) req {
			return req{path: "/api/v1/workers/" + c.id(c.at.worker) + "/reveal", body: map[string]string{"reason": "通知参加培训"}}
		}},
		{route: "GET /api/v1/locate", who: gridReaders, list: true, req: func(c *call) req {
			c.id(c.at.grid)
			return req{path: p("/api/v1/locate?lat=%f&lng=%f", c.at.lat, c.at.lng)}
		}},

		// Events.
		{route: "GET /api/v1/inbox", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/inbox"} }},
		{route: "POST /api/v1/inbox/{id}/read", who: "all", req: func(c *call) req {
			msg := c.at.message
			if c.at == c.own {
				msg = c.f.inbox[c.who] // one's own message
				if c.who == "anon" {
					msg = c.f.inbox["sysadmin"]
				}
			}
			return req{path: "/api/v1/inbox/" + c.id(msg) + "/read"}
		}},
		{route: "POST /api/v1/events/{id}/media", who: "intake gridmember handler", req: func(c *call) req {
			return req{path: "/api/v1/events/" + c.id(c.at.event) + "/media", body: photoUpload()}
		}},
		{route: "GET /api/v1/events/{id}/media/{media}", who: eventSeers, req: func(c *call) req {
			return req{path: "/api/v1/events/" + c.id(c.at.event) + "/media/" + c.id(c.at.media)}
		}},
		{route: "GET /api/v1/events/map", who: eventReaders, req: func(c *call) req { return req{path: "/api/v1/events/map?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/dashboard", who: eventReaders, req: func(c *call) req { return req{path: "/api/v1/dashboard?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/dashboard/export", who: eventReaders, req: func(c *call) req { return req{path: "/api/v1/dashboard/export?org_id=" + c.id(c.at.org)} }},
		{route: "PUT /api/v1/categories/{code}", who: "sysadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/categories/9901", body: map[string]string{}}
		}},
		{route: "GET /api/v1/settings/calendar", who: "sysadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/settings/calendar"} }},
		{route: "PUT /api/v1/settings/calendar", who: "sysadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/settings/calendar", body: map[string]any{"Holidays": []string{"not a date"}}}
		}},
		{route: "GET /api/v1/calendar/status", who: "all", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/calendar/status"} }},
		{route: "GET /api/v1/calendar/years", who: "sysadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/calendar/years"} }},
		{route: "GET /api/v1/calendar/years/{year}", who: "sysadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/calendar/years/2026"} }},
		{route: "POST /api/v1/calendar/years", who: "sysadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/calendar/years", body: map[string]any{"text": "2027-02-30 holiday"}} // refused by line: nothing is loaded
		}},
		{route: "GET /api/v1/dispatch-rules", who: "sysadmin", once: true, req: func(c *call) req { return req{path: "/api/v1/dispatch-rules"} }},
		{route: "POST /api/v1/dispatch-rules", who: "sysadmin", req: func(c *call) req {
			return req{path: "/api/v1/dispatch-rules", body: map[string]string{"category_prefix": "0402", "org_id": c.id(c.at.org), "unit_id": c.own.centre}}
		}},
		{route: "DELETE /api/v1/dispatch-rules/{id}", who: "sysadmin", req: func(c *call) req {
			rule := c.at.rule
			if c.ok { // a success removes the rule: this call gets its own
				rule = c.f.newRule(c.at)
			}
			return req{path: "/api/v1/dispatch-rules/" + c.id(rule)}
		}},
		{route: "POST /api/v1/alerts", who: "public", once: true, req: func(c *call) req { return req{path: "/api/v1/alerts", body: map[string]string{}} }},
		{route: "GET /api/v1/categories", who: "all", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/categories"} }},
		{route: "GET /api/v1/channels", who: "all", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/channels"} }},
		{route: "GET /api/v1/units", who: orgReaders, req: func(c *call) req { return req{path: "/api/v1/units?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/events", who: reporters, once: true, req: func(c *call) req {
			// Anyone holding event.report may report what they see anywhere: the
			// event belongs to the area of its point. Reported here in the own area,
			// by the channel of the account (none named).
			return req{path: "/api/v1/events", body: map[string]any{"category_code": "0401", "description": "矩阵核查上报",
				"lat": c.own.lat, "lng": c.own.lng}}
		}},
		// The report page's map: the reporter's own area only; a point of
		// another area is refused as a point in no grid.
		{route: "GET /api/v1/report/grids", who: reporters, once: true, req: func(c *call) req { return req{path: "/api/v1/report/grids"} }},
		{route: "GET /api/v1/report/locate", who: reporters, req: func(c *call) req {
			return req{path: p("/api/v1/report/locate?lat=%f&lng=%f", c.at.lat, c.at.lng)}
		}},
		{route: "GET /api/v1/report/nearby", who: reporters, req: func(c *call) req {
			return req{path: p("/api/v1/report/nearby?lat=%f&lng=%f", c.at.lat, c.at.lng)}
		}},
		{route: "GET /api/v1/report/categories", who: reporters, once: true, req: func(c *call) req { return req{path: "/api/v1/report/categories"} }},
		{route: "GET /api/v1/events", who: "all", list: true, req: func(c *call) req { return req{path: "/api/v1/events?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/events/export", who: "all", list: true, req: func(c *call) req { return req{path: "/api/v1/events/export?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/events/points", who: "all", list: true, req: func(c *call) req { return req{path: "/api/v1/events/points?org_id=" + c.id(c.at.org)} }},
		// The supervision list: the centre's, over the area under event.read or event.supervise.
		{route: "GET /api/v1/supervision", who: eventReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/supervision?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/supervision/export", who: eventReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/supervision/export?org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/events/{id}", who: eventSeers, req: func(c *call) req { return req{path: "/api/v1/events/" + c.id(c.at.event)} }},
		{route: "POST /api/v1/events/{id}/actions", who: "shiftlead", req: func(c *call) req {
			// Parking needs event.approve; those who see the event without it get 403, the others 404.
			return req{path: "/api/v1/events/" + c.id(c.at.event) + "/actions", body: map[string]any{"action": "park", "note": "矩阵核查", "version": 0}}
		}},

		// Dispute cases. A step on a closed case answers 409, which is not a
		// refusal: the first permitted outcome closes the own case.
		{route: "GET /api/v1/disputes", who: caseReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/disputes?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/disputes/export", who: caseReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/disputes/export?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/disputes", who: caseReporters, req: func(c *call) req {
			return req{path: "/api/v1/disputes", body: map[string]any{"source": "walk_in", "org_id": c.id(c.at.org), "type": "neighbour", "title": "矩阵纠纷",
				"facts": "矩阵核查纠纷", "parties": []map[string]string{{"role": "applicant", "name": "矩阵申请人"}}}}
		}},
		{route: "POST /api/v1/disputes/from-event", who: "intake mediator townmediator vmediator", req: func(c *call) req {
			// The fixture's events are no disputes: a permitted call is refused by category, not by area.
			return req{path: "/api/v1/disputes/from-event", body: map[string]string{"event_id": c.id(c.at.event)}}
		}},
		{route: "GET /api/v1/disputes/{id}", who: caseReaders, req: func(c *call) req { return req{path: "/api/v1/disputes/" + c.id(c.at.dispute)} }},
		{route: "GET /api/v1/disputes/{id}/mediators", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/mediators"}
		}},
		{route: "POST /api/v1/disputes/{id}/parties/{party}/reveal", who: caseRevealers, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/parties/" + c.id(c.at.party) + "/reveal",
				body: map[string]any{"fields": []string{"phone"}, "reason": "矩阵核查权限"}}
		}},
		{route: "GET /api/v1/disputes/figures", who: caseReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/disputes/figures?org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/disputes/figures/export", who: caseReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/disputes/figures/export?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/disputes/{id}/escalate", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/escalate", body: map[string]string{"reason": "矩阵上报"}}
		}},
		{route: "POST /api/v1/disputes/{id}/parties", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/parties", body: map[string]any{"parties": []map[string]string{{"role": "third", "name": "矩阵第三人"}}}}
		}},
		{route: "POST /api/v1/disputes/{id}/route", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/route", body: map[string]string{"complexity": "simple", "route": "people_mediation", "reason": "矩阵核查"}}
		}},
		{route: "POST /api/v1/disputes/{id}/sessions", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/sessions", body: map[string]any{"at": time.Now().UnixMilli(), "place": "矩阵调解室",
				"kind": "mediation", "record": "矩阵调解记录"}}
		}},
		{route: "POST /api/v1/disputes/{id}/outcome", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/outcome", body: map[string]string{"outcome": "oral_agreement", "note": "矩阵口头协议"}}
		}},
		{route: "POST /api/v1/disputes/{id}/agreement", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/agreement", body: map[string]any{"facts": "矩阵", "issues": "矩阵", "responsibilities": "矩阵",
				"terms": "矩阵", "manner": "当面", "deadline": dueDate(), "committee": "矩阵人民调解委员会", "signed_at": time.Now().UnixMilli()}}
		}},
		{route: "POST /api/v1/disputes/{id}/follow-ups", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/follow-ups", body: map[string]any{"at": time.Now().UnixMilli(), "method": "phone", "performance": "performed"}}
		}},
		{route: "POST /api/v1/disputes/{id}/confirmation", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/confirmation", body: map[string]any{"court": "矩阵法庭", "applied_at": time.Now().UnixMilli()}}
		}},
		{route: "POST /api/v1/disputes/{id}/confirmation/decision", who: caseWriters, req: func(c *call) req {
			return req{path: "/api/v1/disputes/" + c.id(c.at.dispute) + "/confirmation/decision", body: map[string]any{"decision": "confirmed",
				"decided_at": time.Now().UnixMilli(), "ruling_no": "矩阵裁定"}}
		}},

		// People and the registers.
		{route: "GET /api/v1/people", who: registryReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/people?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/people", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/people", body: map[string]any{"name": "矩阵新人", "id_number": c.f.newIDNumber(), "kind": "registered", "grid_id": c.id(c.at.grid)}}
		}},
		{route: "POST /api/v1/people/lookup", who: lookupers, list: true, req: func(c *call) req {
			return req{path: "/api/v1/people/lookup", body: map[string]string{"id_number": c.id(c.at.idNumber)}}
		}},
		{route: "GET /api/v1/people/{id}", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/people/" + c.id(c.at.person)} }},
		{route: "PUT /api/v1/people/{id}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/people/" + c.id(c.at.person), body: map[string]any{"name": "矩阵改名", "kind": "registered", "grid_id": c.own.grid, "version": 0}}
		}},
		{route: "POST /api/v1/people/{id}/status", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/people/" + c.id(c.at.person) + "/status", body: map[string]any{"status": "moved_out", "version": 0}}
		}},
		{route: "DELETE /api/v1/people/{id}", who: registryWriters, req: func(c *call) req {
			person := c.at.person
			if c.ok { // a success deletes the person: this call gets its own
				person = c.f.newPerson(c.at).ID
			}
			return req{path: "/api/v1/people/" + c.id(person)}
		}},
		{route: "POST /api/v1/people/{id}/reveal", who: revealers, req: func(c *call) req {
			return req{path: "/api/v1/people/" + c.id(c.at.person) + "/reveal", body: map[string]any{"fields": []string{"phone"}, "reason": "矩阵核查权限"}}
		}},
		// The fixture's duplicate review lies at the own village's town: the
		// county's keepers decide it, the village's grid member does not see it.
		{route: "GET /api/v1/duplicate-reviews", who: registryWriters, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/duplicate-reviews"} }},
		{route: "POST /api/v1/duplicate-reviews/{id}/resolve", who: "civilaffairs", once: true, req: func(c *call) req {
			return req{path: "/api/v1/duplicate-reviews/" + c.f.review + "/resolve", body: map[string]string{"decision": "reject", "reason": "矩阵核查"}}
		}},
		{route: "GET /api/v1/households", who: registryReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/households?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/houses", who: registryReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/houses?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/addresses", who: registryReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/addresses?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/register-units", who: registryReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/register-units?org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/households/{id}", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/households/" + c.id(c.at.household)} }},
		{route: "GET /api/v1/houses/{id}", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/houses/" + c.id(c.at.house)} }},
		{route: "GET /api/v1/addresses/{id}", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/addresses/" + c.id(c.at.address)} }},
		{route: "GET /api/v1/register-units/{id}", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/register-units/" + c.id(c.at.unit)} }},
		{route: "POST /api/v1/households", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/households", body: map[string]any{"no": p("MX%d", c.f.next()), "grid_id": c.id(c.at.grid)}}
		}},
		{route: "POST /api/v1/houses", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/houses", body: map[string]any{"address": p("矩阵路%d号", c.f.next()), "purpose": "self_use", "grid_id": c.id(c.at.grid)}}
		}},
		{route: "POST /api/v1/addresses", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/addresses", body: map[string]any{"text": p("矩阵街%d号", c.f.next()), "grid_id": c.id(c.at.grid)}}
		}},
		{route: "POST /api/v1/register-units", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/register-units", body: map[string]any{"name": p("矩阵商店%d", c.f.next()), "kind": "shop", "grid_id": c.id(c.at.grid)}}
		}},
		// Changes name a record of the area and a valid body placed in the
		// caller's own grid, so only the record's area can refuse them.
		{route: "PUT /api/v1/households/{id}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/households/" + c.id(c.at.household), body: map[string]any{"no": p("MX%d", c.f.next()), "grid_id": c.own.grid, "version": 0}}
		}},
		{route: "PUT /api/v1/houses/{id}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/houses/" + c.id(c.at.house), body: map[string]any{"address": "矩阵路1号", "purpose": "self_use", "grid_id": c.own.grid, "version": 0}}
		}},
		{route: "PUT /api/v1/addresses/{id}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/addresses/" + c.id(c.at.address), body: map[string]any{"text": "矩阵街1号", "grid_id": c.own.grid, "version": 0}}
		}},
		{route: "PUT /api/v1/register-units/{id}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/register-units/" + c.id(c.at.unit), body: map[string]any{"name": "矩阵商店", "kind": "shop", "grid_id": c.own.grid, "version": 0}}
		}},

		// Mediators (调解力量).
		{route: "GET /api/v1/mediators", who: disputeReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/mediators?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/mediators", who: disputeWriters, req: func(c *call) req {
			return req{path: "/api/v1/mediators", body: map[string]string{"org_id": c.id(c.at.org), "kind": "legal_helper", "name": "矩阵新人"}}
		}},
		{route: "PUT /api/v1/mediators/{id}", who: disputeWriters, req: func(c *call) req {
			return req{path: "/api/v1/mediators/" + c.id(c.at.mediator), body: map[string]any{"kind": "legal_helper", "name": "矩阵改名", "version": 0}}
		}},
		{route: "POST /api/v1/mediators/{id}/reveal", who: disputeReveal, req: func(c *call) req {
			return req{path: "/api/v1/mediators/" + c.id(c.at.mediator) + "/reveal", body: map[string]string{"reason": "联系出席调解会"}}
		}},

		// 以案定补: the county's rates (changed only over the whole county)
		// and the monthly sheets.
		// Grid-member assessment.
		{route: "GET /api/v1/assess/board", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/board?period=week&org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/assess/ranking", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/ranking?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/assess/awards", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/assess/awards", body: map[string]any{"org_id": c.id(c.at.org), "month": today()[:7], "worker_ids": []string{c.id(c.at.worker)}}}
		}},
		{route: "GET /api/v1/assess/awards", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/awards?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/assess/weights", who: assessReaders, once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/assess/weights"} }},
		{route: "PUT /api/v1/assess/weights", who: "intake", once: true, req: func(c *call) req {
			return req{path: "/api/v1/assess/weights", body: map[string]any{"weights": []map[string]any{{"metric": "report.filed", "kind": "rate", "weight": 25}}}}
		}},
		{route: "GET /api/v1/assess/offline", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/offline?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/assess/offline", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/assess/offline", body: map[string]any{"worker_id": c.id(c.at.worker), "month": today()[:7], "points": 2, "reason": "矩阵加分"}}
		}},
		{route: "POST /api/v1/assess/months/close", who: "intake", once: true, req: func(c *call) req {
			return req{path: "/api/v1/assess/months/close", body: map[string]any{"month": "2025-01"}}
		}},
		{route: "GET /api/v1/assess/trainings", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/trainings?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/assess/trainings", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/assess/trainings", body: map[string]any{"org_id": c.id(c.at.org), "title": "矩阵学堂", "held_on": today(), "hours": 1.5, "trainer": "矩阵讲师"}}
		}},
		{route: "GET /api/v1/assess/trainings/{id}", who: assessReaders, req: func(c *call) req { return req{path: "/api/v1/assess/trainings/" + c.id(c.at.training)} }},
		{route: "PUT /api/v1/assess/trainings/{id}/attendance", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/assess/trainings/" + c.id(c.at.training) + "/attendance", body: map[string]any{"worker_ids": []string{}, "version": 1}}
		}},
		{route: "GET /api/v1/assess/workers/{id}/record", who: workforceReaders, req: func(c *call) req { return req{path: "/api/v1/assess/workers/" + c.id(c.at.worker) + "/record"} }},
		{route: "GET /api/v1/assess/mine", who: "gridmember", once: true, req: func(c *call) req { return req{path: "/api/v1/assess/mine"} }},

		// The safety index (平安指数) of the county and its towns: the demo
		// published last month; a permitted recomputation of it answers 409
		// and a permitted publication changes nothing. A root is the county
		// (or the city above) of the area's records, an area its town.
		{route: "GET /api/v1/safety/roots/{id}/catalogue", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/catalogue"} }},
		{route: "PUT /api/v1/safety/roots/{id}/catalogue", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/catalogue", body: map[string]any{"version": 0, "indicators": []any{}}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/months", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months"} }},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth()}
		}},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}/export", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/export"}
		}},
		{route: "POST /api/v1/safety/roots/{id}/months/{month}/compute", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/compute", body: map[string]any{}}
		}},
		{route: "POST /api/v1/safety/roots/{id}/months/{month}/publish", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/publish", body: map[string]any{}}
		}},
		{route: "GET /api/v1/safety/reports/mine", who: safetyReporters, once: true, req: func(c *call) req { return req{path: "/api/v1/safety/reports/mine?month=" + lastMonth()} }},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}/unit-reports", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/unit-reports"}
		}},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}", who: safetyReaders + " gareporter", req: func(c *call) req { return req{path: safetyReport(c)} }},
		{route: "PUT /api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}", who: "gareporter", req: func(c *call) req {
			return req{path: safetyReport(c), body: map[string]any{"version": 0, "evidence": "矩阵报表", "values": []any{}}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}/sheet", who: safetyReaders + " gareporter", req: func(c *call) req { return req{path: safetyReport(c) + "/sheet"} }},
		{route: "POST /api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}/sheet", who: "gareporter", req: func(c *call) req {
			return req{path: safetyReport(c) + "/sheet", body: upload{"application/octet-stream", []byte("not a workbook")}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/months/{month}/bulletin", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/bulletin"}
		}},
		{route: "PUT /api/v1/safety/roots/{id}/months/{month}/bulletin", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/bulletin", body: map[string]any{"version": 0, "comments": "矩阵"}}
		}},
		{route: "POST /api/v1/safety/roots/{id}/months/{month}/bulletin/issue", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/months/" + lastMonth() + "/bulletin/issue", body: map[string]any{}}
		}},
		// The city's issued bulletins go to its counties' readers too.
		{route: "GET /api/v1/safety/roots/{id}/bulletins", who: safetyReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/bulletins"} }},
		{route: "GET /api/v1/safety/roots/{id}/tasks", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/tasks"} }},
		{route: "POST /api/v1/safety/roots/{id}/tasks", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/tasks", body: map[string]any{"source": "problem", "title": "矩阵任务",
				"area_id": safetyArea(c), "start_on": today(), "due_on": dueDate()}}
		}},
		{route: "GET /api/v1/safety/tasks/mine", who: safetyWriters + " " + safetyReporters, once: true, req: func(c *call) req { return req{path: "/api/v1/safety/tasks/mine"} }},
		{route: "GET /api/v1/safety/tasks/{id}", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/tasks/" + c.id(safetyTask(c))} }},
		{route: "POST /api/v1/safety/tasks/{id}/progress", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/tasks/" + c.id(safetyTask(c)) + "/progress", body: map[string]any{"text": "矩阵进展"}}
		}},
		{route: "POST /api/v1/safety/tasks/{id}/fail", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/tasks/" + c.id(safetyTask(c)) + "/fail", body: map[string]any{"reason": "矩阵判定"}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/reviews/{period}", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/reviews/" + lastQuarter()}
		}},
		{route: "PUT /api/v1/safety/roots/{id}/reviews/{period}", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/reviews/" + lastQuarter(), body: map[string]any{"version": 0, "conclusion": "矩阵"}}
		}},
		{route: "POST /api/v1/safety/roots/{id}/reviews/{period}/decisions", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/reviews/" + lastQuarter() + "/decisions", body: map[string]any{"text": "矩阵决定"}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/years/{year}", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/years/" + lastMonth()[:4]}
		}},
		{route: "POST /api/v1/safety/roots/{id}/years/{year}/items", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/years/" + lastMonth()[:4] + "/items",
				body: map[string]any{"area_id": safetyArea(c), "kind": "bonus", "points": 1, "reason": "矩阵加分"}}
		}},
		{route: "DELETE /api/v1/safety/roots/{id}/years/{year}/items/{item}", who: safetyWriters, req: func(c *call) req {
			root := c.id(safetyRoot(c))
			return req{path: "/api/v1/safety/roots/" + root + "/years/" + lastMonth()[:4] + "/items/" + c.id(c.f.one(
				"SELECT COALESCE((SELECT id FROM safety_year_items WHERE root_id = ? ORDER BY created_at DESC LIMIT 1), '')", root))}
		}},
		{route: "POST /api/v1/safety/roots/{id}/years/{year}/publish", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/years/" + lastMonth()[:4] + "/publish", body: map[string]any{}}
		}},
		// A centre works on the safe cells of its own area under the city
		// above it too: the city's kinds, and its cells there (none).
		{route: "GET /api/v1/safety/roots/{id}/cell-kinds", who: safetyReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cell-kinds"} }},
		{route: "PUT /api/v1/safety/roots/{id}/cell-kinds", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cell-kinds", body: map[string]any{"kinds": []any{}}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/cells", who: safetyReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cells"} }},
		{route: "POST /api/v1/safety/roots/{id}/cells", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cells", body: map[string]any{"kind": "village", "area_id": c.at.org, "self_check": []any{}}}
		}},
		{route: "GET /api/v1/safety/cells/{id}", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/cells/" + c.id(safetyCell(c))} }},
		{route: "POST /api/v1/safety/cells/{id}/inspect", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/cells/" + c.id(safetyCell(c)) + "/inspect", body: map[string]any{"checks": []any{}, "note": "矩阵检查"}}
		}},
		{route: "POST /api/v1/safety/cells/{id}/decide", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/cells/" + c.id(safetyCell(c)) + "/decide", body: map[string]any{"approve": false, "note": "矩阵"}}
		}},
		{route: "POST /api/v1/safety/cells/{id}/revoke", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/cells/" + c.id(safetyCell(c)) + "/revoke", body: map[string]any{"reason": "矩阵撤销"}}
		}},
		{route: "POST /api/v1/safety/roots/{id}/cells/sweep", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cells/sweep", body: map[string]any{}}
		}},
		{route: "GET /api/v1/safety/roots/{id}/cell-coverage", who: safetyReaders, req: func(c *call) req { return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cell-coverage"} }},
		{route: "PUT /api/v1/safety/roots/{id}/cell-targets", who: safetyWriters, req: func(c *call) req {
			return req{path: "/api/v1/safety/roots/" + c.id(safetyRoot(c)) + "/cell-targets", body: map[string]any{"kind": "campus", "area_id": safetyArea(c), "eligible": 3}}
		}},
		{route: "GET /api/v1/safety/areas/{id}/months/{month}", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/areas/" + c.id(safetyArea(c)) + "/months/" + lastMonth()}
		}},
		{route: "GET /api/v1/safety/areas/{id}/months/{month}/indicators/{code}", who: safetyReaders, req: func(c *call) req {
			return req{path: "/api/v1/safety/areas/" + c.id(safetyArea(c)) + "/months/" + lastMonth() + "/indicators/event_on_time"}
		}},

		// Special campaigns (专项行动) of the root at or above the call's
		// area: the centre plans them, leaders follow them, the towns,
		// grids and units report on their part, residents and grid members
		// give clues, the police of the area alone read them.
		{route: "GET /api/v1/drives", who: driveReaders, req: func(c *call) req { return req{path: "/api/v1/drives?root_id=" + c.id(safetyRoot(c))} }},
		{route: "POST /api/v1/drives", who: driveWriters, req: func(c *call) req {
			return req{path: "/api/v1/drives", body: map[string]any{"root_id": c.id(safetyRoot(c)), "name": "矩阵行动", "kind": "other", "starts_on": today(), "ends_on": dueDate(),
				"town_ids": []string{c.id(driveTown(c))}, "actions": []map[string]any{{"title": "矩阵清单", "level": "town", "due_on": dueDate()}}}}
		}},
		{route: "GET /api/v1/drives/{id}", who: driveReaders, req: func(c *call) req { return req{path: "/api/v1/drives/" + c.id(driveOf(c, "running"))} }},
		{route: "PUT /api/v1/drives/{id}", who: driveWriters, req: func(c *call) req {
			return req{path: "/api/v1/drives/" + c.id(driveOf(c, "draft")), body: version0}
		}},
		// Starting a closed campaign and closing it again: a permitted call answers 409.
		{route: "POST /api/v1/drives/{id}/start", who: driveWriters, req: func(c *call) req {
			return req{path: "/api/v1/drives/" + c.id(driveOf(c, "closed")) + "/start", body: map[string]any{}}
		}},
		{route: "POST /api/v1/drives/{id}/close", who: driveWriters, req: func(c *call) req {
			return req{path: "/api/v1/drives/" + c.id(driveOf(c, "closed")) + "/close", body: map[string]any{"summary": "矩阵总结"}}
		}},
		{route: "GET /api/v1/drives/{id}/assignments", who: driveReaders, req: func(c *call) req { return req{path: "/api/v1/drives/" + c.id(driveOf(c, "running")) + "/assignments"} }},
		{route: "GET /api/v1/drives/{id}/export", who: driveReaders, req: func(c *call) req { return req{path: "/api/v1/drives/" + c.id(driveOf(c, "running")) + "/export"} }},
		{route: "GET /api/v1/drives/{id}/figures", who: driveReaders, req: func(c *call) req { return req{path: "/api/v1/drives/" + c.id(driveOf(c, "running")) + "/figures"} }},
		{route: "GET /api/v1/drives/mine", who: driveDoers + " resident", once: true, req: func(c *call) req { return req{path: "/api/v1/drives/mine"} }},
		{route: "POST /api/v1/drive-assignments/{id}/report", who: "intake gridmember police pcschief", req: func(c *call) req {
			return req{path: "/api/v1/drive-assignments/" + c.id(driveAssignment(c)) + "/report", body: map[string]any{"count": 1, "note": "矩阵填报"}}
		}},
		{route: "POST /api/v1/drives/{id}/clues", who: driveCluers, req: func(c *call) req {
			return req{path: "/api/v1/drives/" + c.id(driveOf(c, "running")) + "/clues", body: map[string]any{"text": "矩阵线索内容", "area_id": c.at.org, "anonymous": true}}
		}},
		{route: "GET /api/v1/drive-clues", who: drivePolice, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/drive-clues"} }},
		{route: "GET /api/v1/drive-clues/{id}", who: drivePolice, req: func(c *call) req { return req{path: "/api/v1/drive-clues/" + c.id(driveClue(c))} }},
		{route: "POST /api/v1/drive-clues/{id}/handle", who: drivePolice, req: func(c *call) req {
			return req{path: "/api/v1/drive-clues/" + c.id(driveClue(c)) + "/handle", body: map[string]any{"status": "verifying"}}
		}},

		// Anti-fraud warnings: the police push the lists and read them in
		// clear, the centre and leaders follow them masked, the grid member
		// reaches the people of its own grid, the centre places the
		// unmatched and sets the hours.
		{route: "POST /api/v1/antifraud/roots/{id}/batches", who: "police", req: func(c *call) req {
			return req{path: "/api/v1/antifraud/roots/" + c.id(safetyRoot(c)) + "/batches", body: map[string]any{"source_ref": "矩阵名单",
				"people": []map[string]string{{"name": "矩阵", "phone": "13800000001", "risk": "low"}}}}
		}},
		{route: "GET /api/v1/antifraud/areas/{id}/warnings", who: antifraudReaders, req: func(c *call) req { return req{path: "/api/v1/antifraud/areas/" + c.id(c.at.org) + "/warnings"} }},
		{route: "GET /api/v1/antifraud/areas/{id}/figures", who: antifraudReaders, req: func(c *call) req { return req{path: "/api/v1/antifraud/areas/" + c.id(c.at.org) + "/figures"} }},
		{route: "GET /api/v1/antifraud/mine", who: "gridmember", once: true, req: func(c *call) req { return req{path: "/api/v1/antifraud/mine"} }},
		{route: "GET /api/v1/antifraud/warnings/{id}", who: antifraudReaders + " gridmember", req: func(c *call) req { return req{path: "/api/v1/antifraud/warnings/" + c.id(afWarning(c))} }},
		{route: "POST /api/v1/antifraud/warnings/{id}/outcome", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/antifraud/warnings/" + c.id(afWarning(c)) + "/outcome", body: map[string]any{"outcome": "reached"}}
		}},
		{route: "POST /api/v1/antifraud/warnings/{id}/assign", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/antifraud/warnings/" + c.id(afUnmatched(c)) + "/assign", body: map[string]any{"grid_id": c.id(c.at.grid)}}
		}},
		{route: "GET /api/v1/antifraud/settings", who: antifraudReaders, once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/antifraud/settings"} }},
		{route: "PUT /api/v1/antifraud/settings", who: "intake", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/antifraud/settings", body: map[string]any{"high_hours": 2, "medium_hours": 24, "low_hours": 72, "keep_days": 90}}
		}},

		// The 三情 (访情、警情、舆情), their analysis, scheduling and feeds.
		{route: "GET /api/v1/situation-areas/{id}/situations", who: situationReaders, req: func(c *call) req { return req{path: "/api/v1/situation-areas/" + c.id(c.at.org) + "/situations"} }},
		{route: "POST /api/v1/situation-areas/{id}/situations", who: situationEnterers, req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/situations", body: situationIn(c)}
		}},
		{route: "POST /api/v1/situation-areas/{id}/sheet", who: situationEnterers, req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/sheet", body: map[string]any{"items": []any{situationIn(c)}}}
		}},
		{route: "GET /api/v1/situation-areas/{id}/analysis", who: situationReaders, req: func(c *call) req { return req{path: "/api/v1/situation-areas/" + c.id(c.at.org) + "/analysis"} }},
		{route: "PUT /api/v1/situation-areas/{id}/judgements/{day}", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/judgements/" + yesterday(), body: map[string]any{"text": "矩阵研判意见"}}
		}},
		{route: "GET /api/v1/situation-areas/{id}/meetings", who: situationCounty, req: func(c *call) req { return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/meetings"} }},
		{route: "POST /api/v1/situation-areas/{id}/meetings", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/meetings", body: map[string]any{"week_of": today(), "chair": "矩阵主持"}}
		}},
		{route: "GET /api/v1/situation-areas/{id}/sources", who: "intake", req: func(c *call) req { return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/sources"} }},
		{route: "POST /api/v1/situation-areas/{id}/sources", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/sources", body: map[string]any{"name": "矩阵系统", "kind": "police"}}
		}},
		{route: "POST /api/v1/situation-sources/{id}/revoke", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-sources/" + c.id(c.f.one("SELECT COALESCE((SELECT id FROM situation_sources WHERE root_id = ? ORDER BY id LIMIT 1), '')", safetyRoot(c))) + "/revoke"}
		}},
		{route: "GET /api/v1/situations/{id}", who: situationReaders, req: func(c *call) req { return req{path: "/api/v1/situations/" + c.id(situationOf(c))} }},
		{route: "GET /api/v1/situations/{id}/people", who: situationPeople, req: func(c *call) req { return req{path: "/api/v1/situations/" + c.id(situationOf(c)) + "/people"} }},
		{route: "POST /api/v1/situations/{id}/close", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situations/" + c.id(situationOf(c)) + "/close", body: map[string]any{"note": "矩阵办结"}}
		}},
		{route: "GET /api/v1/situation-meetings/{id}", who: situationCounty, req: func(c *call) req { return req{path: "/api/v1/situation-meetings/" + c.id(situationMeeting(c))} }},
		{route: "PUT /api/v1/situation-meetings/{id}", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-meetings/" + c.id(situationMeeting(c)), body: map[string]any{"chair": "矩阵主持", "version": 0}}
		}},
		{route: "POST /api/v1/situation-meetings/{id}/hold", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-meetings/" + c.id(situationMeeting(c)) + "/hold", body: map[string]any{"chair": "矩阵主持", "minutes": "矩阵会议纪要，研究部署本周事项。", "version": 0}}
		}},
		{route: "POST /api/v1/situation-meetings/{id}/decisions", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-meetings/" + c.id(situationMeeting(c)) + "/decisions", body: map[string]any{"decision": "矩阵部署"}}
		}},
		// 平安稳定专报: the centre drafts, the leader signs and issues, the
		// county's readers and the staff of the units it went to (the
		// towns' centres, the police) read it; those units reply.
		{route: "GET /api/v1/situation-areas/{id}/briefings", who: situationCounty, req: func(c *call) req { return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/briefings"} }},
		{route: "POST /api/v1/situation-areas/{id}/briefings", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-areas/" + c.id(safetyRoot(c)) + "/briefings", body: briefingIn(0)}
		}},
		{route: "GET /api/v1/situation-briefings/mine", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/situation-briefings/mine"} }},
		{route: "GET /api/v1/situation-briefings/{id}", who: situationCounty + " townmediator gareporter", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "issued"))}
		}},
		{route: "PUT /api/v1/situation-briefings/{id}", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "review")), body: briefingIn(0)}
		}},
		{route: "POST /api/v1/situation-briefings/{id}/submit", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "review")) + "/submit"}
		}},
		{route: "POST /api/v1/situation-briefings/{id}/return", who: "leader", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "review")) + "/return", body: map[string]any{"text": "矩阵退回"}}
		}},
		{route: "POST /api/v1/situation-briefings/{id}/issue", who: "leader", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "review")) + "/issue", body: map[string]any{"unit_ids": []string{c.id(c.f.one("SELECT COALESCE((SELECT id FROM units WHERE org_id = ? AND code LIKE '%-ga'), '')", safetyRoot(c)))}}}
		}},
		{route: "POST /api/v1/situation-briefings/{id}/reply", who: "police townmediator gareporter", req: func(c *call) req {
			return req{path: "/api/v1/situation-briefings/" + c.id(briefingOf(c, "issued")) + "/reply", body: map[string]any{"text": "矩阵反馈"}}
		}},
		{route: "POST /api/v1/situation-feed", who: "public", once: true, req: func(c *call) req { return req{path: "/api/v1/situation-feed", body: map[string]any{"items": []any{}}} }},

		// Village score sheets (评分表) and councils (村民理事会): the centre
		// keeps them (village.write), grid members record scores
		// (village.score), leaders read, residents give opinions.
		{route: "GET /api/v1/villages/{id}/scoring", who: villageReaders, req: func(c *call) req { return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/scoring"} }},
		{route: "PUT /api/v1/villages/{id}/scoring", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/scoring", body: map[string]any{"display": "surname", "recognise_top": 3, "title": "文明户",
				"sheet_title": "矩阵评分表", "items": []map[string]any{{"name": "矩阵加分", "kind": "plus", "points": 5}, {"name": "矩阵否决", "kind": "veto", "points": 0}}}}
		}},
		{route: "GET /api/v1/villages/{id}/households", who: villageScorers, req: func(c *call) req { return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/households"} }},
		{route: "GET /api/v1/villages/{id}/scores", who: villageReaders, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/scores?month=" + today()[:7]}
		}},
		{route: "POST /api/v1/villages/{id}/scores", who: villageScorers, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/scores", body: map[string]any{"household_id": c.id(c.at.household),
				"item_id": c.id(c.f.villageItem(c.at.org)), "on": today(), "evidence": "witness", "detail": "矩阵证人"}}
		}},
		{route: "GET /api/v1/village-scores/{id}/photos/{seq}", who: villageReaders, req: func(c *call) req {
			return req{path: "/api/v1/village-scores/" + c.id(c.at.villageScore) + "/photos/1"}
		}},
		{route: "POST /api/v1/village-scores/{id}/appeal", who: villageScorers, req: func(c *call) req {
			return req{path: "/api/v1/village-scores/" + c.id(c.at.villageScore) + "/appeal", body: map[string]any{"lodged_by": "household", "reason": "矩阵申诉"}}
		}},
		{route: "POST /api/v1/village-scores/{id}/decide", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-scores/" + c.id(c.at.villageAppealed) + "/decide", body: map[string]any{"overturn": false, "reason": "矩阵维持"}}
		}},
		{route: "GET /api/v1/villages/{id}/months/{month}", who: villageReaders, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/months/" + today()[:7]}
		}},
		{route: "POST /api/v1/villages/{id}/months/{month}/review", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/months/" + today()[:7] + "/review", body: map[string]any{}}
		}},
		{route: "POST /api/v1/villages/{id}/months/{month}/publish", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/months/" + today()[:7] + "/publish", body: map[string]any{}}
		}},
		{route: "GET /api/v1/public/villages/{code}/scores", who: "public", once: true, req: func(c *call) req {
			return req{path: "/api/v1/public/villages/" + c.own.orgCode + "/scores"}
		}},
		{route: "GET /api/v1/public/villages/{code}/scores/{month}", who: "public", once: true, req: func(c *call) req {
			return req{path: "/api/v1/public/villages/" + c.own.orgCode + "/scores/" + today()[:7]}
		}},
		{route: "GET /api/v1/villages/{id}/councils", who: villageReaders, req: func(c *call) req { return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/councils"} }},
		{route: "POST /api/v1/villages/{id}/councils", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/villages/" + c.id(c.at.org) + "/councils", body: map[string]any{"kind": "neighbourhood", "name": "矩阵议事会", "compound": "矩阵小区",
				"quorum_percent": 50, "pass_percent": 50, "members": []map[string]any{{"name": "矩阵理事", "role": "chair", "phone": "13800138000"}}}}
		}},
		{route: "GET /api/v1/village-councils/{id}", who: villageReaders, req: func(c *call) req { return req{path: "/api/v1/village-councils/" + c.id(c.at.council)} }},
		{route: "POST /api/v1/village-councils/{id}/members", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-councils/" + c.id(c.at.council) + "/members", body: map[string]any{"name": "矩阵理事", "role": "member"}}
		}},
		{route: "POST /api/v1/village-councils/{id}/members/{member}/leave", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-councils/" + c.id(c.at.council) + "/members/" + c.id(c.at.councilMember) + "/leave", body: map[string]any{}}
		}},
		{route: "POST /api/v1/village-councils/{id}/meetings", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-councils/" + c.id(c.at.council) + "/meetings", body: map[string]any{"held_on": today(), "agenda": "矩阵议程", "attendance": map[string]string{}}}
		}},
		{route: "POST /api/v1/village-councils/{id}/proposals", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-councils/" + c.id(c.at.council) + "/proposals", body: map[string]any{"kind": "other", "title": "矩阵议题", "body": "矩阵内容",
				"opens_on": today(), "closes_on": today()}}
		}},
		{route: "GET /api/v1/village-proposals/{id}", who: villageReaders, req: func(c *call) req { return req{path: "/api/v1/village-proposals/" + c.id(c.at.proposal)} }},
		{route: "POST /api/v1/village-proposals/{id}/opinions", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-proposals/" + c.id(c.at.proposal) + "/opinions", body: map[string]any{"name": "矩阵村民", "stance": "support", "text": "矩阵意见"}}
		}},
		{route: "PUT /api/v1/my/proposals/{id}/opinion", who: villageOpiners, req: func(c *call) req {
			return req{path: "/api/v1/my/proposals/" + c.id(c.at.proposal) + "/opinion", body: map[string]any{"stance": "support", "text": "矩阵意见"}}
		}},
		{route: "GET /api/v1/my/proposals", who: villageOpiners, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/my/proposals"} }},
		{route: "POST /api/v1/village-proposals/{id}/close", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-proposals/" + c.id(c.at.proposal) + "/close", body: map[string]any{}}
		}},
		{route: "POST /api/v1/village-proposals/{id}/vote", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-proposals/" + c.id(c.at.proposal) + "/vote", body: map[string]any{"meeting_id": "x", "votes_for": 1, "votes_against": 0,
				"votes_abstain": 0, "decision": "矩阵决定"}}
		}},
		{route: "POST /api/v1/village-proposals/{id}/follow-ups", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-proposals/" + c.id(c.at.passed) + "/follow-ups", body: map[string]any{"step": "矩阵步骤", "due_on": today()}}
		}},
		{route: "POST /api/v1/village-follow-ups/{id}/done", who: villageWriters, req: func(c *call) req {
			return req{path: "/api/v1/village-follow-ups/" + c.id(c.at.followUp) + "/done", body: map[string]any{"done_on": today()}}
		}},

		{route: "GET /api/v1/dispute-subsidy-rates", who: disputeSubsidy, once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/dispute-subsidy-rates"} }},
		{route: "PUT /api/v1/dispute-subsidy-rates", who: "justice", once: true, req: func(c *call) req {
			return req{path: "/api/v1/dispute-subsidy-rates", body: map[string]any{"rates": []map[string]any{{"complexity": "simple", "outcome": "failed", "amount": 30}}}}
		}},
		{route: "GET /api/v1/dispute-subsidies", who: disputeSubsidy, list: true, req: func(c *call) req {
			return req{path: "/api/v1/dispute-subsidies?month=2026-01&org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/dispute-subsidies/export", who: disputeSubsidy, list: true, req: func(c *call) req {
			return req{path: "/api/v1/dispute-subsidies/export?month=2026-01&org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/dispute-subsidies/{id}/cases", who: disputeSubsidy, list: true, req: func(c *call) req {
			return req{path: "/api/v1/dispute-subsidies/" + c.id(c.at.mediator) + "/cases?month=2026-01"}
		}},

		// Key persons and care targets.
		{route: "GET /api/v1/key-persons", who: keyPersonRead, list: true, req: func(c *call) req { return req{path: "/api/v1/key-persons?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/key-persons", who: releasedPrisoner, req: func(c *call) req {
			return req{path: "/api/v1/key-persons", body: map[string]string{"person_id": c.id(c.at.person), "category": "released_prisoner", "risk_level": "green"}}
		}},
		{route: "GET /api/v1/key-persons/responsible-candidates", who: releasedPrisoner, req: func(c *call) req {
			return req{path: "/api/v1/key-persons/responsible-candidates?category=released_prisoner&person_id=" + c.id(c.at.person)}
		}},
		{route: "GET /api/v1/key-persons/{id}/responsible-candidates", who: releasedPrisoner, req: func(c *call) req {
			return req{path: "/api/v1/key-persons/" + c.id(c.at.keyPerson) + "/responsible-candidates"}
		}},
		{route: "GET /api/v1/key-persons/{id}", who: releasedPrisoner, req: func(c *call) req { return req{path: "/api/v1/key-persons/" + c.id(c.at.keyPerson)} }},
		{route: "PATCH /api/v1/key-persons/{id}", who: releasedPrisoner, req: func(c *call) req {
			return req{path: "/api/v1/key-persons/" + c.id(c.at.keyPerson), body: map[string]any{"risk_level": "yellow", "version": 0}}
		}},
		{route: "POST /api/v1/key-persons/{id}/visits", who: releasedPrisoner, req: func(c *call) req {
			return req{path: "/api/v1/key-persons/" + c.id(c.at.keyPerson) + "/visits", body: map[string]string{"method": "phone"}}
		}},
		{route: "GET /api/v1/care-targets", who: registryReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/care-targets?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/care-targets", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/care-targets", body: map[string]string{"person_id": c.id(c.at.person), "kind": "low_income"}}
		}},
		{route: "POST /api/v1/care-targets/{id}/status", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/care-targets/" + c.id(c.at.careTarget) + "/status", body: map[string]any{"status": "ended", "reason": "other", "version": 0}}
		}},
		{route: "POST /api/v1/care-targets/{id}/services", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/care-targets/" + c.id(c.at.careTarget) + "/services", body: map[string]string{"method": "home"}}
		}},

		// Imports and exports: an import is its uploader's, an export its
		// requester's and, above the threshold, its approver's.
		{route: "GET /api/v1/import-templates/{kind}", who: "gridmember", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/import-templates/people?format=csv"}
		}},
		{route: "POST /api/v1/imports", who: "gridmember", once: true, settle: (*fixture).waitImports, req: func(c *call) req {
			// Rows name their grid; each row out of the uploader's area is refused as the import runs.
			sheet := "户号,网格编码,地址,家庭情况,诉求与需求\n" + p("MXI%d,%s,矩阵路,,\n", c.f.next(), c.own.gridCode)
			return req{path: "/api/v1/imports?kind=households&mode=valid", body: fileUpload("households.csv", []byte(sheet), nil)}
		}},
		{route: "GET /api/v1/imports/{id}", who: "gridmember", req: func(c *call) req { return req{path: "/api/v1/imports/" + c.id(c.at.imp)} }},
		{route: "GET /api/v1/imports/{id}/errors", who: "gridmember", req: func(c *call) req { return req{path: "/api/v1/imports/" + c.id(c.at.imp) + "/errors"} }},
		{route: "POST /api/v1/exports", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/exports", body: map[string]string{"kind": "households", "org_id": c.id(c.at.org)}}
		}},
		{route: "GET /api/v1/exports", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/exports"} }},
		{route: "POST /api/v1/exports/{id}/approve", who: "leader", req: func(c *call) req {
			export := c.at.export
			if c.ok { // a success decides the request: this call gets its own
				export = c.f.newPendingExport()
			}
			return req{path: "/api/v1/exports/" + c.id(export) + "/approve", body: map[string]string{"reason": "矩阵核查"}}
		}},
		{route: "POST /api/v1/exports/{id}/reject", who: "leader", req: func(c *call) req {
			export := c.at.export
			if c.ok {
				export = c.f.newPendingExport()
			}
			return req{path: "/api/v1/exports/" + c.id(export) + "/reject", body: map[string]string{"reason": "矩阵核查"}}
		}},
		{route: "GET /api/v1/exports/{id}/file", who: "gridmember", req: func(c *call) req { return req{path: "/api/v1/exports/" + c.id(c.at.readyExport) + "/file"} }},
		{route: "GET /api/v1/registry/settings", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/registry/settings"} }},
		{route: "PUT /api/v1/registry/settings", who: "secadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/registry/settings", body: map[string]any{}}
		}},

		// Verification campaigns. The other area's campaigns are closed: an
		// answer about their state would tell they exist.
		{route: "POST /api/v1/campaigns", who: "leader", req: func(c *call) req {
			return req{path: "/api/v1/campaigns", body: map[string]string{"name": "矩阵核查", "kind": "units", "org_id": c.id(c.at.org), "due_date": dueDate()}}
		}},
		{route: "GET /api/v1/campaigns", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/campaigns"} }},
		{route: "GET /api/v1/campaigns/{id}", who: campaignSeers, req: func(c *call) req { return req{path: "/api/v1/campaigns/" + c.id(c.at.campaign)} }},
		{route: "GET /api/v1/campaigns/{id}/items", who: campaignSeers, req: func(c *call) req { return req{path: "/api/v1/campaigns/" + c.id(c.at.campaign) + "/items"} }},
		{route: "POST /api/v1/campaigns/{id}/items", who: registryWriters, req: func(c *call) req {
			// The household is already an item: permitted, it is refused as a duplicate.
			return req{path: "/api/v1/campaigns/" + c.id(c.at.campaign) + "/items", body: map[string]string{"record_id": c.id(c.at.household)}}
		}},
		{route: "POST /api/v1/campaigns/{id}/items/{item}", who: registryWriters, req: func(c *call) req {
			return req{path: "/api/v1/campaigns/" + c.id(c.at.campaign) + "/items/" + c.id(c.at.item), body: map[string]string{"result": "checked"}}
		}},
		{route: "POST /api/v1/campaigns/{id}/close", who: "leader", req: func(c *call) req {
			campaign := c.at.campaign
			if c.ok { // a success closes the campaign: this call gets its own
				campaign = c.f.newCampaign()
			}
			return req{path: "/api/v1/campaigns/" + c.id(campaign) + "/close"}
		}},
		// Screening rounds and findings. Each village has a round with a finding.
		{route: "GET /api/v1/screening/rounds", who: screeningReaders, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/screening/rounds"} }},
		{route: "POST /api/v1/screening/rounds", who: screeningWriters, req: func(c *call) req {
			return req{path: "/api/v1/screening/rounds", body: map[string]any{"title": "矩阵排查", "kind": "weekly", "org_id": c.id(c.at.org),
				"period_from": dueDate(), "period_to": dueDate(), "due_date": dueDate(), "types": []string{"neighbour"}}}
		}},
		{route: "GET /api/v1/screening/rounds/{id}", who: screeningReaders, req: func(c *call) req { return req{path: "/api/v1/screening/rounds/" + c.id(c.at.round)} }},
		{route: "GET /api/v1/screening/rounds/{id}/completeness", who: screeningReaders, req: func(c *call) req {
			return req{path: "/api/v1/screening/rounds/" + c.id(c.at.round) + "/completeness"}
		}},
		{route: "GET /api/v1/screening/rounds/{id}/export", who: screeningReaders, req: func(c *call) req {
			return req{path: "/api/v1/screening/rounds/" + c.id(c.at.round) + "/export"}
		}},
		{route: "POST /api/v1/screening/rounds/{id}/close", who: screeningWriters, req: func(c *call) req {
			round := c.at.round
			if c.ok { // a success closes the round: this call gets its own
				round = c.f.newRound()
			}
			return req{path: "/api/v1/screening/rounds/" + c.id(round) + "/close"}
		}},
		{route: "POST /api/v1/screening/rounds/{id}/zero-reports", who: screeningReporters, req: func(c *call) req {
			// The village has a finding in the round: permitted, it is refused as reported.
			return req{path: "/api/v1/screening/rounds/" + c.id(c.at.round) + "/zero-reports", body: map[string]string{"org_id": c.own.org}}
		}},
		{route: "GET /api/v1/screening/findings", who: screeningReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/screening/findings?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/screening/findings", who: screeningReporters, req: func(c *call) req {
			return req{path: "/api/v1/screening/findings", body: screeningFinding("", c.id(c.at.org))}
		}},
		{route: "GET /api/v1/screening/findings/{id}", who: screeningReaders, req: func(c *call) req {
			return req{path: "/api/v1/screening/findings/" + c.id(c.at.finding)}
		}},
		{route: "POST /api/v1/screening/findings/{id}/resolve", who: screeningReporters, req: func(c *call) req {
			finding := c.at.finding
			if c.ok { // a success closes the finding: this call gets its own
				finding = c.f.newFinding()
			}
			return req{path: "/api/v1/screening/findings/" + c.id(finding) + "/resolve", body: map[string]string{"result_note": "矩阵化解"}}
		}},
		{route: "POST /api/v1/screening/findings/{id}/to-case", who: screeningWriters, req: func(c *call) req {
			finding := c.at.finding
			if c.ok {
				finding = c.f.newFinding()
			}
			return req{path: "/api/v1/screening/findings/" + c.id(finding) + "/to-case"}
		}},
		// Patrols (一日三巡): the centres read boards and plans (gridwork.read
		// or gridwork.steer), steer plans (gridwork.steer); a member works
		// only their own patrols (gridwork.do), and the centres read them.
		{route: "GET /api/v1/patrol/plans", who: patrolReaders, req: func(c *call) req { return req{path: "/api/v1/patrol/plans?org_id=" + c.id(c.at.org)} }},
		{route: "PUT /api/v1/patrol/plans", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/patrol/plans", body: map[string]any{"org_id": c.id(c.at.org), "day": time.Now().AddDate(0, 0, 2+c.f.next()).Format(time.DateOnly),
				"windows": []map[string]string{{"from": "09:00", "to": "10:00"}}}}
		}},
		{route: "DELETE /api/v1/patrol/plans/{id}", who: "intake", req: func(c *call) req {
			plan := c.at.plan
			if c.ok { // a success removes the plan: this call gets its own
				plan = c.f.newPlan(c.at.org)
			}
			return req{path: "/api/v1/patrol/plans/" + c.id(plan)}
		}},
		{route: "GET /api/v1/patrol/board", who: patrolReaders, req: func(c *call) req { return req{path: "/api/v1/patrol/board?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/patrol/today", who: patrolMembers, once: true, req: func(c *call) req { return req{path: "/api/v1/patrol/today"} }},
		{route: "POST /api/v1/patrol/patrols", who: patrolMembers, once: true, req: func(c *call) req { return req{path: "/api/v1/patrol/patrols", body: map[string]any{}} }},
		{route: "GET /api/v1/patrol/patrols/{id}", who: "gridmember " + patrolReaders, req: func(c *call) req { return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol)} }},
		{route: "POST /api/v1/patrol/patrols/{id}/checkins", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol) + "/checkins", body: map[string]any{"lat": c.at.lat, "lng": c.at.lng, "accuracy": 10}}
		}},
		{route: "POST /api/v1/patrol/patrols/{id}/checkins/{point}/photos", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol) + "/checkins/" + c.id(c.at.point) + "/photos", body: fileUpload("photo.png", tinyPNG(), map[string]string{})}
		}},
		{route: "GET /api/v1/patrol/patrols/{id}/photos/{photo}", who: "gridmember " + patrolReaders, req: func(c *call) req {
			return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol) + "/photos/" + c.id(c.at.patrolPhoto)}
		}},
		{route: "POST /api/v1/patrol/patrols/{id}/reports", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol) + "/reports", body: map[string]any{"kind": "event", "ref": "SJ-MATRIX"}}
		}},
		{route: "POST /api/v1/patrol/patrols/{id}/end", who: "gridmember", req: func(c *call) req {
			return req{path: "/api/v1/patrol/patrols/" + c.id(c.at.patrol) + "/end", body: map[string]any{}}
		}},
		{route: "GET /api/v1/patrol/settings", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/patrol/settings"} }},
		{route: "PUT /api/v1/patrol/settings", who: "secadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/patrol/settings", body: map[string]any{"position_days": 180}}
		}},
		// Volunteers: the centre's register, shifts, hours and clues; the
		// police's confidential clues; the volunteer's own phone.
		{route: "GET /api/v1/volunteer/teams", who: volunteerReaders, req: func(c *call) req { return req{path: "/api/v1/volunteer/teams?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/volunteer/teams", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/teams", body: map[string]any{"org_id": c.id(c.at.org), "name": "矩阵志愿队", "kind": "safety"}}
		}},
		{route: "PATCH /api/v1/volunteer/teams/{id}", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/teams/" + c.id(c.at.vteam), body: version0}
		}},
		{route: "GET /api/v1/volunteer/volunteers", who: volunteerReaders, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/volunteers?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/volunteer/volunteers", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/volunteers", body: map[string]any{"team_id": c.id(c.at.vteam), "name": "矩阵志愿者", "phone": "13800138000"}}
		}},
		{route: "PATCH /api/v1/volunteer/volunteers/{id}", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/volunteers/" + c.id(c.at.volunteer), body: version0}
		}},
		{route: "GET /api/v1/volunteer/shifts", who: volunteerReaders, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/volunteer/shifts", who: volunteerWriters, req: func(c *call) req {
			start := time.Now().Add(48 * time.Hour).UnixMilli()
			return req{path: "/api/v1/volunteer/shifts", body: map[string]any{"team_id": c.id(c.at.vteam), "place": "矩阵路段", "starts_at": start,
				"ends_at": start + 7200000, "needed": 3}}
		}},
		{route: "POST /api/v1/volunteer/hours", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/hours", body: map[string]any{"volunteer_id": c.id(c.at.volunteer), "day": today(), "minutes": 30, "reason": "矩阵服务"}}
		}},
		{route: "GET /api/v1/volunteer/ranking", who: volunteerReaders, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/ranking?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/volunteer/awards", who: volunteerWriters, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/awards", body: map[string]any{"volunteer_id": c.id(c.at.volunteer), "title": "other", "period": "2020", "reason": "矩阵表彰"}}
		}},
		{route: "GET /api/v1/volunteer/clues", who: volunteerReaders, req: func(c *call) req { return req{path: "/api/v1/volunteer/clues?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/volunteer/police-clues", who: volunteerPolice, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/police-clues?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/volunteer/police-clues/{id}/receive", who: volunteerPolice, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/police-clues/" + c.id(c.at.vclue) + "/receive", body: map[string]any{}}
		}},
		{route: "GET /api/v1/volunteer/me", who: volunteers, once: true, req: func(c *call) req { return req{path: "/api/v1/volunteer/me"} }},
		{route: "POST /api/v1/volunteer/shifts/{id}/signup", who: volunteers, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts/" + c.id(c.at.vshift) + "/signup", body: map[string]any{}}
		}},
		{route: "POST /api/v1/volunteer/shifts/{id}/cancel", who: volunteers, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts/" + c.id(c.at.vshift) + "/cancel", body: map[string]any{}}
		}},
		{route: "POST /api/v1/volunteer/shifts/{id}/walk", who: volunteers, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts/" + c.id(c.at.vwalk) + "/walk", body: map[string]any{}}
		}},
		{route: "POST /api/v1/volunteer/shifts/{id}/checkins", who: volunteers, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts/" + c.id(c.at.vwalk) + "/checkins", body: map[string]any{"lat": c.at.lat, "lng": c.at.lng, "accuracy": 10}}
		}},
		{route: "POST /api/v1/volunteer/shifts/{id}/end", who: volunteers, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/shifts/" + c.id(c.at.vwalk) + "/end", body: map[string]any{}}
		}},
		{route: "POST /api/v1/volunteer/clues", who: volunteers, once: true, req: func(c *call) req {
			return req{path: "/api/v1/volunteer/clues", body: map[string]any{"kind": "police", "text": "矩阵线索", "place": "矩阵村口"}}
		}},
		{route: "POST /api/v1/registry/search", who: registryReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/registry/search", body: map[string]string{"q": c.id(c.at.name)}}
		}},
		{route: "GET /api/v1/registry/summary", who: registryReaders, req: func(c *call) req { return req{path: "/api/v1/registry/summary?org_id=" + c.id(c.at.org)} }},

		// Petitions (信访), the weekly review, the Monday list, 面对面. The
		// steps that move a petition on get a fresh one in the state they need.
		{route: "GET /api/v1/petitions", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/petitions", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions", body: map[string]any{"received_on": today(), "channel": "letter", "org_id": c.id(c.at.org), "type": "other",
				"title": "矩阵来信", "content": "矩阵来信内容", "petitioners": []map[string]string{{"name": "矩阵来信人"}}}}
		}},
		{route: "GET /api/v1/petitions/export", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions/export?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/petitions/figures", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions/figures?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/petitions/review", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions/review?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/petitions/review", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions/review", body: map[string]any{"week": today(), "held_on": today(), "org_id": c.id(c.at.org), "chair": "矩阵主持",
				"attendees": "矩阵参会", "decisions": []map[string]string{{"petition_id": c.id(c.at.petition), "kind": "note", "note": "矩阵研判"}}}}
		}},
		{route: "GET /api/v1/petitions/monday", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions/monday?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/petitions/{id}", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/petitions/" + c.id(c.at.petition)} }},
		{route: "POST /api/v1/petitions/{id}/accept", who: petitionDesk, req: func(c *call) req {
			p := c.at.petition
			if c.ok {
				p = c.f.newPetition(c.at.org, "registered")
			}
			return req{path: "/api/v1/petitions/" + c.id(p) + "/accept", body: map[string]any{"accepted": true, "on": today()}}
		}},
		{route: "POST /api/v1/petitions/{id}/route", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions/" + c.id(c.at.petition) + "/route", body: map[string]any{"route": "admin_handling", "reason": "矩阵分流"}}
		}},
		{route: "POST /api/v1/petitions/{id}/reception", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions/" + c.id(c.at.petition) + "/reception", body: map[string]any{"leader": "矩阵领导", "on": today()}}
		}},
		{route: "POST /api/v1/petitions/{id}/reply", who: petitionDesk, req: func(c *call) req {
			p := c.at.petition
			if c.ok {
				p = c.f.newPetition(c.at.org, "accepted")
			}
			return req{path: "/api/v1/petitions/" + c.id(p) + "/reply", body: map[string]any{"reply": "矩阵答复", "on": today()}}
		}},
		{route: "POST /api/v1/petitions/{id}/close", who: petitionDesk, req: func(c *call) req {
			p := c.at.petition
			if c.ok {
				p = c.f.newPetition(c.at.org, "replied")
			}
			return req{path: "/api/v1/petitions/" + c.id(p) + "/close", body: map[string]any{"satisfaction": "satisfied", "on": today()}}
		}},
		{route: "POST /api/v1/petitions/{id}/supervise", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions/" + c.id(c.at.petition) + "/supervise", body: map[string]any{"due": dueDate(), "note": "矩阵督办"}}
		}},
		{route: "POST /api/v1/petitions/{id}/flags", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/petitions/" + c.id(c.at.petition) + "/flags", body: map[string]any{"repeated": true}}
		}},
		// The 9-key call: the device platform posts with its key; the member's
		// phone (gridwork.do) accepts, arrives and closes; the centre's
		// console reads (gridwork.read) and registers numbers (gridwork.steer).
		{route: "POST /api/v1/callkey/calls", who: "public", once: true, req: func(c *call) req { return req{path: "/api/v1/callkey/calls", body: map[string]string{}} }},
		{route: "GET /api/v1/callkey/mine", who: gridworkDo, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/callkey/mine"} }},
		{route: "POST /api/v1/callkey/alerts/{id}/accept", who: gridworkDo, req: func(c *call) req {
			alert := c.at.callAlert
			if c.ok { // a success takes the alert: this call gets its own
				alert = c.f.newCallAlert("")
			}
			return req{path: "/api/v1/callkey/alerts/" + c.id(alert) + "/accept"}
		}},
		{route: "POST /api/v1/callkey/alerts/{id}/arrive", who: gridworkDo, req: func(c *call) req {
			alert := c.at.callAlert
			if c.ok {
				alert = c.f.newCallAlert(c.who)
			}
			return req{path: "/api/v1/callkey/alerts/" + c.id(alert) + "/arrive"}
		}},
		{route: "POST /api/v1/callkey/alerts/{id}/close", who: gridworkDo, req: func(c *call) req {
			alert := c.at.callAlert
			if c.ok {
				alert = c.f.newCallAlert(c.who)
			}
			return req{path: "/api/v1/callkey/alerts/" + c.id(alert) + "/close", body: map[string]string{"note": "矩阵办结"}}
		}},
		{route: "GET /api/v1/callkey/alerts", who: gridworkRead, list: true, req: func(c *call) req { return req{path: "/api/v1/callkey/alerts?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/callkey/alerts/{id}", who: gridworkRead, req: func(c *call) req { return req{path: "/api/v1/callkey/alerts/" + c.id(c.at.callAlert)} }},
		{route: "GET /api/v1/callkey/numbers", who: gridworkRead, list: true, req: func(c *call) req { return req{path: "/api/v1/callkey/numbers?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/callkey/numbers", who: gridworkSteer, req: func(c *call) req {
			return req{path: "/api/v1/callkey/numbers", body: map[string]string{"care_target_id": c.id(c.at.careTarget), "phone": fmt.Sprintf("1371%07d", c.f.next())}}
		}},
		{route: "GET /api/v1/callkey/candidates", who: gridworkSteer, req: func(c *call) req { return req{path: "/api/v1/callkey/candidates?org_id=" + c.id(c.at.org)} }},
		{route: "PUT /api/v1/callkey/numbers/{id}", who: gridworkSteer, req: func(c *call) req {
			return req{path: "/api/v1/callkey/numbers/" + c.id(c.at.callNumber), body: map[string]any{"status": "active", "version": 0}}
		}},
		{route: "GET /api/v1/callkey/settings", who: gridworkRead, req: func(c *call) req { return req{path: "/api/v1/callkey/settings?org_id=" + c.id(c.at.org)} }},
		{route: "PUT /api/v1/callkey/settings", who: gridworkSteer, req: func(c *call) req {
			return req{path: "/api/v1/callkey/settings", body: map[string]any{"org_id": c.id(c.at.org), "accept_seconds": 180, "chief_seconds": 180}}
		}},
		// Psychological protection (三级三色): pii.sensitive.psych over the
		// person's area (the health office); the grid member sees only the
		// colours of their own grids.
		{route: "GET /api/v1/psych/records", who: psychReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/psych/records?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/psych/records", who: psychReaders, req: func(c *call) req {
			// The area's person has a record already: permitted, it is refused as existing.
			return req{path: "/api/v1/psych/records", body: map[string]any{"person_id": c.id(c.at.person), "group": "disabled", "level": "3",
				"assessor": "矩阵医生", "reason": "矩阵评估", "on": today()}}
		}},
		{route: "GET /api/v1/psych/records/{id}", who: psychReaders, req: func(c *call) req { return req{path: "/api/v1/psych/records/" + c.id(c.at.psych)} }},
		{route: "POST /api/v1/psych/records/{id}/assessments", who: psychReaders, req: func(c *call) req {
			return req{path: "/api/v1/psych/records/" + c.id(c.at.psych) + "/assessments", body: map[string]any{"level": "2", "assessor": "矩阵医生",
				"reason": "矩阵复评", "on": today(), "version": 0}}
		}},
		{route: "POST /api/v1/psych/records/{id}/counselling", who: psychReaders, req: func(c *call) req {
			return req{path: "/api/v1/psych/records/" + c.id(c.at.psych) + "/counselling", body: map[string]any{"who": "矩阵咨询师", "on": today(), "note": "矩阵疏导"}}
		}},
		{route: "POST /api/v1/psych/records/{id}/referrals", who: psychReaders, req: func(c *call) req {
			return req{path: "/api/v1/psych/records/" + c.id(c.at.psych) + "/referrals", body: map[string]any{"who": "矩阵医院", "on": today()}}
		}},
		{route: "POST /api/v1/psych/records/{id}/close", who: psychReaders, req: func(c *call) req {
			return req{path: "/api/v1/psych/records/" + c.id(c.at.psych) + "/close", body: map[string]any{"reason": "矩阵结案", "version": 0}}
		}},
		{route: "GET /api/v1/psych/settings", who: "secadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/psych/settings"} }},
		{route: "PUT /api/v1/psych/settings", who: "secadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/psych/settings", body: map[string]any{"retention_days": 1095}}
		}},
		{route: "GET /api/v1/psych/visits", who: gridworkDo, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/psych/visits"} }},
		// Revealing needs personal.reveal and petition.read over the area: the desk's clerk.
		{route: "POST /api/v1/petitions/{id}/reveal", who: "xfclerk", req: func(c *call) req {
			return req{path: "/api/v1/petitions/" + c.id(c.at.petition) + "/reveal", body: map[string]any{"seq": 1, "fields": []string{"phone"}, "reason": "矩阵回访核实"}}
		}},
		{route: "GET /api/v1/visit-triggers", who: visitReaders, req: func(c *call) req { return req{path: "/api/v1/visit-triggers?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/visit-triggers", who: "intake", req: func(c *call) req {
			return req{path: "/api/v1/visit-triggers", body: map[string]any{"org_id": c.id(c.at.org), "kind": "tenant", "enabled": true, "due_days": 7, "every_days": 90, "version": 99}}
		}},
		{route: "GET /api/v1/visit-tasks", who: visitReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/visit-tasks?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/visit-tasks/mine", who: visitDoers, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/visit-tasks/mine"} }},
		{route: "GET /api/v1/visits", who: visitReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/visits?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/visits/mine", who: visitDoers, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/visits/mine"} }},
		{route: "POST /api/v1/visits", who: visitDoers, req: func(c *call) req {
			return req{path: "/api/v1/visits", body: map[string]any{"org_id": c.id(c.at.org), "label": "矩阵户", "method": "home", "finding": "normal"}}
		}},
		{route: "POST /api/v1/visits/{id}", who: visitDoers, req: func(c *call) req {
			return req{path: "/api/v1/visits/" + c.id(c.at.visit), body: map[string]any{"method": "home", "finding": "normal", "version": 0}}
		}},
		{route: "GET /api/v1/receptions", who: receptionSeers, list: true, req: func(c *call) req { return req{path: "/api/v1/receptions?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/receptions", who: receptionists, req: func(c *call) req {
			return req{path: "/api/v1/receptions", body: map[string]any{"org_id": c.id(c.at.org), "day": today(), "receivers": "矩阵接待", "attendees": 1,
				"items": []map[string]any{{"name": "矩阵来访", "matter": "矩阵事项", "outcome": "answer", "answer": "已答复"}}}}
		}},
		{route: "POST /api/v1/reception-items/{id}/reveal", who: visitDoers, req: func(c *call) req {
			return req{path: "/api/v1/reception-items/" + c.id(c.at.receptionItem) + "/reveal", body: map[string]any{"reason": "回访来访群众"}}
		}},
		{route: "GET /api/v1/receptions/{id}", who: receptionSeers, req: func(c *call) req { return req{path: "/api/v1/receptions/" + c.id(c.at.reception)} }},
		{route: "POST /api/v1/receptions/{id}/items", who: receptionists, req: func(c *call) req {
			return req{path: "/api/v1/receptions/" + c.id(c.at.reception) + "/items", body: map[string]any{"items": []map[string]any{{"name": "矩阵来访", "matter": "矩阵事项", "outcome": "answer", "answer": "已答复"}}}}
		}},
		{route: "GET /api/v1/face-to-face", who: petitionDesk, once: true, req: func(c *call) req { return req{path: "/api/v1/face-to-face"} }},
		{route: "POST /api/v1/face-to-face", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/face-to-face", body: map[string]any{"month": today()[:7], "theme": "矩阵主题", "leader": "矩阵领导", "place": "矩阵会场",
				"org_id": c.id(c.at.org), "participants": "矩阵代表"}}
		}},
		{route: "GET /api/v1/face-to-face/{id}", who: petitionDesk, req: func(c *call) req { return req{path: "/api/v1/face-to-face/" + c.id(c.at.session)} }},
		{route: "POST /api/v1/face-to-face/{id}/problems", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/face-to-face/" + c.id(c.at.session) + "/problems", body: map[string]any{"description": "矩阵问题", "unit": "矩阵单位", "due_on": dueDate()}}
		}},
		{route: "POST /api/v1/face-to-face/{id}/problems/{problem}", who: petitionDesk, req: func(c *call) req {
			return req{path: "/api/v1/face-to-face/" + c.id(c.at.session) + "/problems/" + c.id(c.at.problem), body: map[string]any{"note": "矩阵跟进"}}
		}},

		// Member tasks, the day board (日清) and town–police-station meetings.
		// The red grid: the party tree, compounds, their problem ledger, 双报到.
		{route: "GET /api/v1/party/orgs", who: partyKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/party/orgs?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/party/orgs", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/orgs", body: map[string]any{"org_id": c.id(c.at.org), "name": "矩阵新支部", "kind": "branch", "form": "area"}}
		}},
		{route: "GET /api/v1/party/orgs/{id}", who: partyKeepers, req: func(c *call) req { return req{path: "/api/v1/party/orgs/" + c.id(c.at.partyOrg)} }},
		{route: "PUT /api/v1/party/orgs/{id}", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/orgs/" + c.id(c.at.partyOrg), body: map[string]any{"version": 0, "org_id": c.at.org, "name": "矩阵党支部", "kind": "branch", "form": "area"}}
		}},
		{route: "POST /api/v1/party/orgs/{id}/retire", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/orgs/" + c.id(c.at.partyOrg) + "/retire", body: version0}
		}},
		{route: "POST /api/v1/party/members", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members", body: map[string]any{"party_org_id": c.id(c.at.partyOrg), "name": "矩阵新党员"}}
		}},
		{route: "PUT /api/v1/party/members/{id}", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members/" + c.id(c.at.partyMember), body: map[string]any{"version": 0, "party_org_id": c.at.partyOrg, "name": "矩阵党员"}}
		}},
		{route: "POST /api/v1/party/members/{id}/retire", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members/" + c.id(c.at.partyMember) + "/retire", body: version0}
		}},
		{route: "POST /api/v1/party/members/{id}/reveal", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members/" + c.id(c.at.partyMember) + "/reveal", body: map[string]any{"reason": "矩阵联系党员"}}
		}},
		{route: "POST /api/v1/party/members/{id}/households", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members/" + c.id(c.at.partyMember) + "/households", body: map[string]any{"household_id": c.at.household}}
		}},
		{route: "DELETE /api/v1/party/members/{id}/households/{link}", who: partyKeepers, req: func(c *call) req {
			// A refusal comes before the link is looked for; a success
			// removes the link: this call gets its own.
			member, link := c.at.partyMember, c.at.partyMember
			if c.ok {
				member, link = c.f.newCenterLink(c.at)
			}
			return req{path: "/api/v1/party/members/" + c.id(member) + "/households/" + c.id(link)}
		}},
		{route: "GET /api/v1/party/members/{id}/household-choices", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/members/" + c.id(c.at.partyMember) + "/household-choices?q=MXH"}
		}},
		{route: "GET /api/v1/compounds", who: partyKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/compounds?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/compounds", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compounds", body: map[string]any{"org_id": c.id(c.at.org), "name": p("矩阵小区%d", c.f.next())}}
		}},
		{route: "GET /api/v1/compounds/choices", who: registryReaders, list: true, req: func(c *call) req {
			return req{path: "/api/v1/compounds/choices?org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/compounds/{id}", who: partyKeepers, req: func(c *call) req { return req{path: "/api/v1/compounds/" + c.id(c.at.compound)} }},
		{route: "PUT /api/v1/compounds/{id}", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compounds/" + c.id(c.at.compound), body: map[string]any{"version": 0, "name": "矩阵小区"}}
		}},
		{route: "POST /api/v1/compounds/{id}/buildings", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compounds/" + c.id(c.at.compound) + "/buildings", body: map[string]any{"name": p("%d栋", c.f.next())}}
		}},
		{route: "PUT /api/v1/buildings/{id}", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/buildings/" + c.id(c.at.building), body: map[string]any{"version": 0, "name": "1栋"}}
		}},
		{route: "GET /api/v1/compound-problems", who: partyKeepers, list: true, req: func(c *call) req {
			return req{path: "/api/v1/compound-problems?org_id=" + c.id(c.at.org)}
		}},
		{route: "POST /api/v1/compound-problems", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compound-problems", body: map[string]any{"compound_id": c.id(c.at.compound), "raised_by": "branch", "title": "矩阵新问题"}}
		}},
		{route: "GET /api/v1/compound-problems/{id}", who: partyKeepers, req: func(c *call) req { return req{path: "/api/v1/compound-problems/" + c.id(c.at.cproblem)} }},
		{route: "PUT /api/v1/compound-problems/{id}", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compound-problems/" + c.id(c.at.cproblem), body: map[string]any{"version": 0, "status": "working"}}
		}},
		{route: "POST /api/v1/compound-problems/{id}/event", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/compound-problems/" + c.id(c.at.cproblem) + "/event", body: map[string]any{"version": 0, "category_code": "0101"}}
		}},
		{route: "GET /api/v1/party/reports", who: partyKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/party/reports?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/party/reports", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/reports", body: map[string]any{"kind": "org", "org_id": c.id(c.at.org), "name": "矩阵报到支部", "unit": "矩阵报到单位"}}
		}},
		{route: "POST /api/v1/party/reports/mine", who: partyMembers, once: true, req: func(c *call) req {
			return req{path: "/api/v1/party/reports/mine", body: map[string]any{"org_id": c.id(c.own.org), "address": "矩阵路2号"}}
		}},
		{route: "GET /api/v1/party/reports/{id}", who: partyKeepers, req: func(c *call) req { return req{path: "/api/v1/party/reports/" + c.id(c.at.partyReport)} }},
		{route: "POST /api/v1/party/reports/{id}/accept", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/reports/" + c.id(c.at.partyReport) + "/accept", body: version0}
		}},
		{route: "POST /api/v1/party/reports/{id}/decline", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/reports/" + c.id(c.at.partyReport) + "/decline", body: map[string]any{"version": 0, "reason": "矩阵不予接收"}}
		}},
		{route: "GET /api/v1/party/tasks", who: partyKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/party/tasks?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/party/tasks", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/tasks", body: map[string]any{"report_id": c.id(c.at.partyReport), "title": "矩阵新任务", "due_on": today()}}
		}},
		{route: "POST /api/v1/party/tasks/{id}/done", who: partyKeepers, req: func(c *call) req {
			return req{path: "/api/v1/party/tasks/" + c.id(c.at.rtask) + "/done", body: map[string]any{"version": 0, "note": "矩阵完成", "hours": 1}}
		}},
		{route: "GET /api/v1/party/board", who: partyKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/party/board?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/party/communities", who: partyMembers, once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/party/communities"} }},
		{route: "GET /api/v1/party/mine", who: partyMembers, once: true, req: func(c *call) req { return req{path: "/api/v1/party/mine"} }},
		{route: "GET /api/v1/duty/today", who: dutyDoers, once: true, req: func(c *call) req { return req{path: "/api/v1/duty/today"} }},
		{route: "GET /api/v1/duty/tasks", who: dutyReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/duty/tasks?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/duty/tasks", who: dutySteer, req: func(c *call) req {
			return req{path: "/api/v1/duty/tasks", body: map[string]any{"grid_id": c.id(c.at.grid), "worker_ids": []string{c.id(c.at.worker)}, "title": "矩阵任务", "due_on": today()}}
		}},
		// The own village's task is the demo grid member's.
		{route: "GET /api/v1/duty/tasks/{id}", who: dutyReaders + " gridmember", req: func(c *call) req { return req{path: "/api/v1/duty/tasks/" + c.id(c.at.task)} }},
		{route: "PUT /api/v1/duty/tasks/{id}", who: dutySteer, req: func(c *call) req {
			return req{path: "/api/v1/duty/tasks/" + c.id(c.at.task), body: map[string]any{"version": 0, "title": "矩阵任务", "due_on": today()}}
		}},
		{route: "POST /api/v1/duty/tasks/{id}/close", who: "gridmember " + dutySteer, req: func(c *call) req {
			return req{path: "/api/v1/duty/tasks/" + c.id(c.at.task) + "/close", body: map[string]any{"version": 0, "result": "矩阵办结"}}
		}},
		{route: "POST /api/v1/duty/tasks/{id}/carry", who: "gridmember " + dutySteer, req: func(c *call) req {
			return req{path: "/api/v1/duty/tasks/" + c.id(c.at.task) + "/carry", body: map[string]any{"version": 0, "reason": "矩阵顺延"}}
		}},
		{route: "GET /api/v1/duty/members", who: dutySteer, req: func(c *call) req { return req{path: "/api/v1/duty/members?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/duty/board", who: dutyReaders, req: func(c *call) req { return req{path: "/api/v1/duty/board?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/duty/meetings", who: dutyReaders, list: true, req: func(c *call) req { return req{path: "/api/v1/duty/meetings?org_id=" + c.id(c.at.org)} }},
		{route: "POST /api/v1/duty/meetings", who: dutySteer, req: func(c *call) req {
			return req{path: "/api/v1/duty/meetings", body: map[string]any{"org_id": c.id(c.at.org), "held_on": today(), "place": "矩阵会场",
				"decisions": []map[string]any{{"text": "矩阵决定", "worker_ids": []string{c.id(c.at.worker)}, "due_on": today()}}}}
		}},
		{route: "GET /api/v1/duty/meetings/{id}", who: dutyReaders, req: func(c *call) req { return req{path: "/api/v1/duty/meetings/" + c.id(c.at.meeting)} }},

		// Open311 and the system routes are public: they only must not fail.
		{route: "GET /open311/v2/discovery.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/discovery.xml"} }},
		{route: "GET /open311/v2/services.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/services.xml"} }},
		{route: "POST /open311/v2/requests.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/requests.xml"} }},
		{route: "GET /open311/v2/requests.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/requests.xml"} }},
		{route: "GET /open311/v2/servicerequestupdates.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/servicerequestupdates.xml"} }},
		{route: "POST /open311/v2/servicerequestupdates.xml", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/servicerequestupdates.xml"} }},
		{route: "GET /open311/v2/discovery.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/discovery.json"} }},
		{route: "GET /open311/v2/services.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/services.json"} }},
		{route: "POST /open311/v2/requests.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/requests.json"} }},
		{route: "GET /open311/v2/requests.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/requests.json"} }},
		{route: "GET /open311/v2/servicerequestupdates.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/servicerequestupdates.json"} }},
		{route: "POST /open311/v2/servicerequestupdates.json", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/servicerequestupdates.json"} }},
		{route: "GET /open311/v2/services/{service_code}", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/services/0401.json"} }},
		{route: "GET /open311/v2/requests/{service_request_id}", who: "public", once: true, req: func(c *call) req {
			return req{path: "/open311/v2/requests/" + c.own.event + ".json"}
		}},
		{route: "GET /open311/v2/tokens/{token}", who: "public", once: true, req: func(c *call) req { return req{path: "/open311/v2/tokens/" + c.own.event + ".json"} }},
		{route: "GET /healthz", who: "public", once: true, req: func(c *call) req { return req{path: "/healthz"} }},
		{route: "GET /metrics", who: "public", once: true, req: func(c *call) req { return req{path: "/metrics"} }},
		{route: "GET /api/v1/i18n/{lang}", who: "public", once: true, req: func(c *call) req { return req{path: "/api/v1/i18n/en"} }},
		{route: "GET /api/openapi.json", who: "public", once: true, req: func(c *call) req { return req{path: "/api/openapi.json"} }},

		// Red orders (红色订单) and points (党员积分). The own village's order
		// was accepted by the demo party member; a second one was served with a
		// photo. Version 0 is never the stored one: a permitted change answers 409.
		{route: "POST /api/v1/red-orders", who: redOrderPlacers, req: func(c *call) req {
			return req{path: "/api/v1/red-orders", body: map[string]any{"kind": "other", "need": "矩阵订单", "grid_id": c.id(c.at.grid)}}
		}},
		{route: "GET /api/v1/red-orders/places", who: redOrderPlacers, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/red-orders/places"} }},
		{route: "GET /api/v1/red-orders/mine", who: redOrderPlacers, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/red-orders/mine"} }},
		{route: "GET /api/v1/red-orders/tasks", who: redOrderServers, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/red-orders/tasks"} }},
		{route: "GET /api/v1/red-orders/return-visits", who: gridworkDo, once: true, list: true, req: func(c *call) req { return req{path: "/api/v1/red-orders/return-visits"} }},
		{route: "GET /api/v1/red-orders", who: redOrderManagers, list: true, req: func(c *call) req { return req{path: "/api/v1/red-orders?status=all&org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/red-orders/figures", who: redOrderManagers, list: true, req: func(c *call) req {
			return req{path: "/api/v1/red-orders/figures?org_id=" + c.id(c.at.org)}
		}},
		{route: "GET /api/v1/red-order-times", who: redOrderManagers + " sysadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/red-order-times"} }},
		{route: "POST /api/v1/red-order-times", who: "sysadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/red-order-times", body: map[string]any{"accept_hours": 24, "serve_days": 3, "version": 0}}
		}},
		{route: "GET /api/v1/red-orders/{id}", who: "resident partymember partysec", req: func(c *call) req { return req{path: "/api/v1/red-orders/" + c.id(c.at.redServed)} }},
		{route: "GET /api/v1/red-orders/{id}/assignees", who: redOrderManagers, req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redOrder) + "/assignees"}
		}},
		{route: "POST /api/v1/red-orders/{id}/assign", who: redOrderManagers, req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redOrder) + "/assign", body: map[string]any{"member_id": c.id(c.at.redMember), "version": 0}}
		}},
		{route: "POST /api/v1/red-orders/{id}/hand-on", who: redOrderManagers, req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redOrder) + "/hand-on", body: map[string]any{"kind": "event", "category_code": "0401", "version": 0}}
		}},
		{route: "POST /api/v1/red-orders/{id}/accept", who: "partymember", req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redOrder) + "/accept", body: version0}
		}},
		{route: "POST /api/v1/red-orders/{id}/result", who: "partymember", req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redOrder) + "/result", body: map[string]any{"result": "矩阵结果", "version": 0}}
		}},
		{route: "POST /api/v1/red-orders/{id}/confirm", who: "resident", req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redServed) + "/confirm", body: map[string]any{"rating": 5, "version": 0}}
		}},
		{route: "GET /api/v1/red-orders/{id}/photos/{seq}", who: "resident partymember partysec", req: func(c *call) req {
			return req{path: "/api/v1/red-orders/" + c.id(c.at.redServed) + "/photos/1"}
		}},
		{route: "GET /api/v1/points/rules", who: redOrderServers + " sysadmin", once: true, global: true, req: func(c *call) req { return req{path: "/api/v1/points/rules"} }},
		{route: "POST /api/v1/points/rules", who: "sysadmin", once: true, global: true, req: func(c *call) req {
			return req{path: "/api/v1/points/rules", body: map[string]any{"order_done": 3, "version": 0}}
		}},
		{route: "GET /api/v1/points/rankings", who: pointsKeepers, list: true, req: func(c *call) req { return req{path: "/api/v1/points/rankings?org_id=" + c.id(c.at.org)} }},
		{route: "GET /api/v1/points/ledgers/{kind}/{id}", who: pointsKeepers, req: func(c *call) req {
			return req{path: "/api/v1/points/ledgers/party_member/" + c.id(c.at.redMember)}
		}},
		{route: "POST /api/v1/points/corrections", who: pointsKeepers, req: func(c *call) req {
			return req{path: "/api/v1/points/corrections", body: map[string]any{"subject_kind": "party_member", "subject_id": c.id(c.at.redMember), "points": 1, "reason": "矩阵更正"}}
		}},
		// Anyone's own ledger: party members (the demo's grid member is one) and volunteers; an account that is neither has none (404).
		{route: "GET /api/v1/points/mine", who: redOrderServers + " gridmember volunteer", once: true, req: func(c *call) req { return req{path: "/api/v1/points/mine"} }},

		// Last, as it ends each caller's session.
		{route: "POST /api/v1/auth/logout", who: "all", once: true, req: func(c *call) req { return req{path: "/api/v1/auth/logout"} }},
	}
}

// checkTable fails the test when the table and the router disagree: a
// route without a row, a row without a route, or a route twice.
func checkTable(t *testing.T, a *testapp.App, table []row) {
	t.Helper()
	rows := map[string]bool{}
	for _, r := range table {
		if rows[r.route] {
			t.Errorf("%s is twice in the access table", r.route)
		}
		rows[r.route] = true
	}
	routes := map[string]bool{}
	for _, r := range a.Router.Routes() {
		key := r.Method + " " + r.Path
		routes[key] = true
		if !rows[key] {
			t.Errorf("%s is missing from the access table: say who may call it", key)
		}
		if r.Public != (rowOf(table, key).who == "public") && rows[key] {
			t.Errorf("%s: public is %v in the router but not in the access table", key, r.Public)
		}
	}
	for key := range rows {
		if !routes[key] {
			t.Errorf("%s is in the access table but no longer a route", key)
		}
	}
}

func rowOf(table []row, route string) row {
	for _, r := range table {
		if r.route == route {
			return r
		}
	}
	return row{}
}

// scopeCodes are the field errors a service answers when a request names
// an area or record outside the caller's grant: the same answer as for one
// that does not exist, so it says nothing about the other area.
var scopeCodes = map[string]bool{"org.not_found": true, "registry.link_unknown": true, "report.outside_area": true, "screening.area_unknown": true,
	"petition.petition_unknown": true, "callkey.care_target_unknown": true,
	"psych.person_unknown": true, "duty.grid_unknown": true, "assess.worker_unknown": true,
	"volunteer.team_not_found": true, "volunteer.not_found": true, "party.not_found": true,
	"redorder.grid_outside": true, "redorder.outside_branch": true, "points.subject_unknown": true,
	"safety.cell_area_village": true, "safety.cell_area_town": true,
	"drive.clue_area": true}

// judge checks one answer against the table.
func judge(t *testing.T, r row, method, who string, ok, permitted bool, res testapp.Response, foreign []string) {
	t.Helper()
	st := res.Status
	if st >= 500 {
		t.Fatalf("server error %d: %.300s", st, res.Body)
	}
	if r.who == "public" {
		return
	}
	if who == "anon" {
		if st != http.StatusUnauthorized {
			t.Errorf("want 401 without a session, got %d %.300s", st, res.Body)
		}
		return
	}
	scopeRefusal := false
	if st == http.StatusBadRequest || st == http.StatusUnprocessableEntity {
		for _, code := range problemCodes(res.Body) {
			scopeRefusal = scopeRefusal || scopeCodes[code]
		}
	}
	refused := st == http.StatusUnauthorized || st == http.StatusForbidden || st == http.StatusNotFound || scopeRefusal
	switch {
	case ok && refused:
		t.Errorf("the table allows this call, got %d %.300s", st, res.Body)
	case ok && method == "GET" && st != http.StatusOK:
		t.Errorf("want 200, got %d %.300s", st, res.Body)
	case ok:
	case permitted && r.list && st < 300:
		// An empty page for another area: the leak scan below checks it.
	case !refused:
		t.Errorf("want a refusal (401, 403, 404), got %d %.300s", st, res.Body)
	}
	if st < 300 && !r.global {
		for _, id := range foreign {
			if bytes.Contains(res.Body, []byte(id)) {
				t.Errorf("the answer carries %s, a record of another area: %.300s", id, res.Body)
			}
		}
	}
}

func problemCodes(b []byte) []string {
	var p struct {
		Code   string `json:"code"`
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	json.Unmarshal(b, &p)
	out := []string{p.Code}
	for _, e := range p.Errors {
		out = append(out, e.Code)
	}
	return out
}

// ---- requests ----

// area is where the records a call names lie, seen from the caller's grant.
type area int

const (
	own     area = iota // inside the caller's grant
	other               // a sibling: another county for county staff, a neighbouring village for village staff
	parent              // the area above the grant: the city, or the town
	anyArea             // the call names no record or area
)

func (a area) String() string { return [...]string{"own", "other", "parent", "-"}[a] }

// The levels the demo grants roles at.
const (
	countyLevel = iota
	villageLevel
	townLevel
)

// call is what a row builds its request from.
type call struct {
	f       *fixture
	who     string // demo username, or "anon"
	own, at *objs  // the caller's own area's records, and those of the area called
	ok      bool   // the table expects this call to succeed
	missing bool   // a record the request needs does not exist in the area
}

// id returns s, noting when the area has no such record.
func (c *call) id(s string) string {
	if s == "" {
		c.missing = true
	}
	return s
}

// req is one request: a path and a JSON body, or an upload.
type req struct {
	path string
	body any
}

// upload is a multipart body.
type upload struct {
	contentType string
	data        []byte
}

func send(cl *testapp.Client, method string, q req) testapp.Response {
	switch b := q.body.(type) {
	case nil:
		return cl.Raw(method, q.path, "", nil)
	case upload:
		return cl.Raw(method, q.path, b.contentType, b.data)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		return cl.Raw(method, q.path, "application/json", data)
	}
}

func fileUpload(name string, data []byte, fields map[string]string) upload {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", name)
	fw.Write(data)
	w.Close()
	return upload{w.FormDataContentType(), buf.Bytes()}
}

// photoUpload is a real (tiny) photo: the service checks the image before the event.
func photoUpload() upload {
	return fileUpload("photo.png", tinyPNG(), map[string]string{"kind": "before"})
}

func tinyPNG() []byte {
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2)))
	return buf.Bytes()
}

// square is a small GeoJSON polygon with its south-west corner at lng, lat.
func square(lng, lat float64) string {
	const d = 0.01
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		lng, lat, lng+d, lat, lng+d, lat+d, lng, lat+d, lng, lat)
}

func dueDate() string { return time.Now().AddDate(0, 0, 7).Format("2006-01-02") }

// today is the petition desk's day (China Standard Time).
func today() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// safetyRoot is the county (or city) at or above the call's area: the
// root of a safety index.
func safetyRoot(c *call) string {
	return c.f.one(`SELECT o.id FROM org_nodes o JOIN org_nodes v ON v.id = ? WHERE o.kind IN ('county', 'city')
		AND v.path >= o.path AND v.path < o.path || '~' ORDER BY length(o.path) DESC LIMIT 1`, c.at.org)
}

// safetyArea is the town of the call's area when it is a village (the
// area itself otherwise): an area a safety index ranks.
func safetyArea(c *call) string {
	return c.f.one("SELECT COALESCE((SELECT parent_id FROM org_nodes WHERE id = ? AND kind = 'village'), ?)", c.at.org, c.at.org)
}

// safetyReport is the path of the police's report of last month to the
// root of the call's area.
func safetyReport(c *call) string {
	root := c.id(safetyRoot(c))
	unit := c.id(c.f.one("SELECT COALESCE((SELECT id FROM units WHERE org_id = ? AND code LIKE '%-ga'), '')", root))
	return "/api/v1/safety/roots/" + root + "/months/" + lastMonth() + "/unit-reports/" + unit
}

// safetyTask is a task of a town in the call's area given by the root at
// or above it (the demo's, in the county).
func safetyTask(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT t.id FROM safety_tasks t JOIN org_nodes o ON o.id = ? WHERE t.area_id IS NOT NULL AND t.root_id = ?
		AND t.path >= o.path AND t.path < o.path || '~' ORDER BY t.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// safetyCell is a safe cell in the call's area under the root at or
// above it (the demo's, in the county).
func safetyCell(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT x.id FROM safety_cells x JOIN org_nodes o ON o.id = ? WHERE x.root_id = ?
		AND x.path >= o.path AND x.path < o.path || '~' ORDER BY x.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// driveOf is a campaign of the given status of the root at or above the
// call's area (the demo county's).
func driveOf(c *call, status string) string {
	return c.f.one("SELECT COALESCE((SELECT id FROM drives WHERE root_id = ? AND status = ? ORDER BY starts_on DESC LIMIT 1), '')", safetyRoot(c), status)
}

// driveTown is the first town under the root at or above the call's area.
func driveTown(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT t.id FROM org_nodes t JOIN org_nodes r ON r.id = ? WHERE t.kind = 'town'
		AND t.path >= r.path AND t.path < r.path || '~' ORDER BY t.code LIMIT 1), '')`, safetyRoot(c))
}

// driveAssignment is an assignment of a running campaign of the root at or
// above the call's area, in that area: the area's own when it has one.
func driveAssignment(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT s.id FROM drive_assignments s JOIN drives d ON d.id = s.drive_id JOIN org_nodes o ON o.id = ?
		WHERE d.root_id = ? AND d.status = 'running' AND s.unit_id IS NULL AND s.path >= o.path AND s.path < o.path || '~'
		ORDER BY CASE WHEN s.area_id = o.id THEN 0 ELSE 1 END, s.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// driveClue is a clue given in the call's area to a campaign of the root at
// or above it.
func driveClue(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT x.id FROM drive_clues x JOIN drives d ON d.id = x.drive_id JOIN org_nodes o ON o.id = ?
		WHERE d.root_id = ? AND x.path >= o.path AND x.path < o.path || '~' ORDER BY x.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// afWarning is a warning of the root at or above the call's area (the demo
// county's) on a grid of that area (an open one first), outside the
// caller's own area when the call is on the area above.
func afWarning(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT w.id FROM antifraud_warnings w JOIN org_nodes o ON o.id = ? JOIN org_nodes m ON m.id = ?
		WHERE w.root_id = ? AND w.grid_id IS NOT NULL AND w.path >= o.path AND w.path < o.path || '~' AND (o.id = m.id OR NOT (w.path >= m.path AND w.path < m.path || '~'))
		ORDER BY CASE WHEN w.status = 'open' THEN 0 ELSE 1 END, w.path, w.id LIMIT 1), '')`, c.at.org, c.own.org, safetyRoot(c))
}

// afUnmatched is an open warning on no grid yet, of the root at or above
// the call's area.
func afUnmatched(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT w.id FROM antifraud_warnings w JOIN org_nodes o ON o.id = ?
		WHERE w.root_id = ? AND w.grid_id IS NULL AND w.status = 'open' AND w.path >= o.path AND w.path < o.path || '~' ORDER BY w.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// situationIn is a situation of the town under the root at or above the
// call's area.
func situationIn(c *call) map[string]any {
	return map[string]any{"kind": "police", "category": "other", "occurred_at": yesterday() + " 09:00", "place": "矩阵地点", "area": c.id(driveTown(c)), "summary": "矩阵三情内容"}
}

// situationOf is a situation of the root at or above the call's area,
// lying in that area.
func situationOf(c *call) string {
	return c.f.one(`SELECT COALESCE((SELECT s.id FROM situations s JOIN org_nodes o ON o.id = ? WHERE s.root_id = ?
		AND s.path >= o.path AND s.path < o.path || '~' ORDER BY s.id LIMIT 1), '')`, c.at.org, safetyRoot(c))
}

// situationMeeting is the open scheduling meeting of the root at or above
// the call's area.
func situationMeeting(c *call) string {
	return c.f.one("SELECT COALESCE((SELECT id FROM situation_meetings WHERE root_id = ? AND status = 'open' LIMIT 1), '')", safetyRoot(c))
}

// briefingIn is a valid briefing draft (version 0: never the stored one).
func briefingIn(version int) map[string]any {
	return map[string]any{"title": "矩阵专报标题", "period_from": yesterday(), "period_to": yesterday(), "body": "", "version": version}
}

// briefingOf is the latest briefing of the given status of the root at or
// above the call's area.
func briefingOf(c *call, status string) string {
	return c.f.one("SELECT COALESCE((SELECT id FROM situation_briefings WHERE root_id = ? AND status = ? ORDER BY updated_at DESC, id LIMIT 1), '')", safetyRoot(c), status)
}

// yesterday is the day before the petition desk's (China Standard Time).
func yesterday() string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")
}

// lastQuarter is the quarter before today's (2026-Q3), China time.
func lastQuarter() string {
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	q := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()).AddDate(0, -3, 0)
	return fmt.Sprintf("%d-Q%d", q.Year(), (int(q.Month())+2)/3)
}

// lastMonth is the month before today's (YYYY-MM), China time.
func lastMonth() string {
	now := time.Now().In(time.FixedZone("CST", 8*3600))
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location()).AddDate(0, -1, 0).Format("2006-01")
}

// newPetition is a fresh petition of the area in status registered,
// accepted or replied.
func (f *fixture) newPetition(orgID, status string) string {
	p, err := f.a.Petitions.Register(f.ctx, petition.PetitionInput{ReceivedOn: today(), Channel: "visit", OrgID: orgID, Type: "other", Title: "矩阵信访",
		Content: "矩阵信访内容", Petitioners: []petition.PetitionerInput{{Name: "矩阵访民", Phone: "13800138000"}}})
	f.check(err)
	if status != "registered" {
		_, err = f.a.Petitions.Accept(f.ctx, p.ID, petition.AcceptInput{Accepted: true, On: today()})
		f.check(err)
	}
	if status == "replied" {
		_, err = f.a.Petitions.Reply(f.ctx, p.ID, petition.ReplyInput{Reply: "矩阵答复", On: today()})
		f.check(err)
	}
	return p.ID
}

// ---- the records ----

const (
	demoPassword    = "Gridgov@Demo2026"
	fixturePassword = "Matrix@Check2026"
)

// objs are the records of one area that the calls name.
type objs struct {
	org, orgCode          string // a village (the city or a town for the area above)
	town                  string // the town of the own village (where a node may move)
	grid, gridCode        string
	lat, lng              float64 // a point inside grid
	user, assignment      string  // an account of the area and one of its grants
	person                string
	idNumber, name        string // the person's
	household, house      string
	address, unit         string
	keyPerson             string // a released prisoner
	mediator              string // a 法律明白人 of the village
	careTarget            string
	event, media          string
	rule                  string   // a dispatch rule
	campaign, item        string   // a campaign over the area and one of its items
	round, finding        string   // a screening round over the village and a finding of it
	petition              string   // an accepted petition of the area
	session, problem      string   // a 面对面 session of the area and one of its problems
	export, readyExport   string   // an export request awaiting approval, and one ready
	imp                   string   // an import with a rejected row
	message               string   // an inbox message of the area's account
	centre                string   // the area's 综治中心 unit
	dispute, party        string   // a dispute case of the area and one of its parties
	callNumber, callPhone string   // a 9-key number registered for the area's care target
	callAlert             string   // an open 9-key alert of that number
	psych                 string   // a psychological-protection record of the area's person
	worker, place         string   // a roster entry of the village (the own village's: the demo grid member) and their team place
	training              string   // a 网格学堂 session of the village that worker attended
	task, meeting         string   // a member task of the village's grid for worker, and a meeting with a decision for them
	visit, reception      string   // a visit record and a reception day of the area
	receptionItem         string   // a visitor of that day
	plan, patrol          string   // a patrol plan of the village and a patrol of a member of its roster
	villageScore          string   // a counted score of a household of the village
	villageAppealed       string   // a score under appeal
	council, proposal     string   // a council of the village and its proposal under consultation
	councilMember         string   // the council's chair
	passed, followUp      string   // a passed proposal of it and a follow-up step
	point, patrolPhoto    string   // a check-in of that patrol and its photo
	vteam, volunteer      string   // a volunteer team of the village (the own village's: the demo volunteer's) and a member
	vshift, vwalk         string   // a shift of that team to come, and one on now (the own one: the demo volunteer's, walked)
	vclue                 string   // a clue for the police of the village
	partyOrg, partyMember string   // a party organisation of the village and one of its members
	compound, building    string   // a compound of the village and one of its buildings
	cproblem              string   // a problem of that compound's ledger
	partyReport, rtask    string   // an accepted 双报到 with the village and a task given to it
	redOrder, redServed   string   // a red order of the village (the own one accepted by the demo party member) and one served with a photo
	redMember             string   // a party member of the village (the own one: the demo party member)
	extra                 []string // more IDs of the area (the far county's nodes and leader)
}

// partyObjs makes the red grid's records of a village.
func (f *fixture) partyObjs(o *objs) {
	a := f.a
	po, err := a.Party.CreateOrg(f.ctx, party.OrgInput{OrgID: o.org, Name: "矩阵党支部", Kind: party.Branch, Form: "area", Secretary: "矩阵书记"})
	f.check(err)
	o.partyOrg = po.ID
	m, err := a.Party.CreateMember(f.ctx, party.MemberInput{PartyOrgID: po.ID, Name: "矩阵党员", Phone: "13800138001", GridID: o.grid})
	f.check(err)
	o.partyMember = m.ID
	c, err := a.Party.CreateCompound(f.ctx, party.CompoundInput{OrgID: o.org, Name: "矩阵小区", Address: "矩阵路1号", Lat: &o.lat, Lng: &o.lng})
	f.check(err)
	c, err = a.Party.CreateBuilding(f.ctx, c.ID, party.BuildingInput{Name: "1栋", HeadName: "矩阵楼长"})
	f.check(err)
	o.compound, o.building = c.ID, c.Buildings[0].ID
	p, err := a.Party.RaiseProblem(f.ctx, party.ProblemInput{CompoundID: c.ID, RaisedBy: "resident", Title: "矩阵问题"})
	f.check(err)
	o.cproblem = p.ID
	r, err := a.Party.Register(f.ctx, party.ReportInput{Kind: "org", OrgID: o.org, Name: "矩阵单位党支部", Unit: "矩阵单位"}, idem.Key{})
	f.check(err)
	r, err = a.Party.Accept(f.ctx, r.ID, party.Decision{Version: r.Version})
	f.check(err)
	o.partyReport = r.ID
	tk, err := a.Party.GiveTask(f.ctx, party.TaskInput{ReportID: r.ID, Title: "矩阵任务", DueOn: today()})
	f.check(err)
	o.rtask = tk.ID
}

// newCenterLink is a fresh 党员中心户 of the village's party organisation
// serving its household, and the link.
func (f *fixture) newCenterLink(o *objs) (member, link string) {
	m, err := f.a.Party.CreateMember(f.ctx, party.MemberInput{PartyOrgID: o.partyOrg, Name: "矩阵中心户", GridID: o.grid, CenterHousehold: true})
	f.check(err)
	h, err := f.a.Party.AddHousehold(f.ctx, m.ID, party.HouseholdInput{HouseholdID: o.household})
	f.check(err)
	return m.ID, h.ID
}

// ids lists the IDs of the records (for the leak scan).
func (o *objs) ids() []string {
	var out []string
	for _, id := range append([]string{o.org, o.grid, o.user, o.assignment, o.person, o.household, o.house, o.address, o.unit,
		o.keyPerson, o.mediator, o.careTarget, o.event, o.media, o.rule, o.campaign, o.item, o.round, o.finding, o.export, o.readyExport, o.imp, o.message, o.centre,
		o.petition, o.session, o.problem, o.dispute, o.party, o.callNumber, o.callAlert, o.psych, o.worker, o.place, o.task, o.meeting, o.visit, o.reception, o.receptionItem, o.plan, o.patrol, o.point, o.patrolPhoto, o.training,
		o.villageScore, o.villageAppealed, o.council, o.councilMember, o.proposal, o.passed, o.followUp,
		o.vteam, o.volunteer, o.vshift, o.vwalk, o.vclue,
		o.partyOrg, o.partyMember, o.compound, o.building, o.cproblem, o.partyReport, o.rtask,
		o.redOrder, o.redServed, o.redMember}, o.extra...) {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// fixture holds the records of every area and makes fresh ones.
type fixture struct {
	t     *testing.T
	a     *testapp.App
	ctx   context.Context // the system principal
	seq   int
	roles map[string]string // role code → id
	users map[string]string // username → id
	inbox map[string]string // demo username → a message of their own
	at    [3][3]*objs       // level, area
	// foreign lists, per level, the IDs of records outside the grant.
	foreign [3][]string
	own     *objs
	village string // the own village's id
	review  string // a duplicate review at the own village's town
}

func newFixture(t *testing.T, a *testapp.App) *fixture {
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "matrix", IP: "local"})
	f := &fixture{t: t, a: a, ctx: ctx, roles: map[string]string{}, users: map[string]string{}, inbox: map[string]string{}}
	roles, err := a.Accounts.ListRoles(ctx)
	f.check(err)
	for _, r := range roles {
		f.roles[r.Code] = r.ID
	}
	for _, acc := range a.Demo.Accounts {
		id, err := a.Accounts.UserID(ctx, acc.Username)
		f.check(err)
		f.users[acc.Username] = id
	}

	// The demo's own village (the grid member's), its town, a neighbouring
	// village, the county and the city. The two villages' events lie a few
	// dozen metres apart across their border.
	own := &objs{orgCode: a.Account("grid_member").OrgCode}
	own.org = f.one("SELECT id FROM org_nodes WHERE code = ?", own.orgCode)
	own.town = f.one("SELECT parent_id FROM org_nodes WHERE id = ?", own.org)
	county := f.one("SELECT id FROM org_nodes WHERE code = ?", "441602")
	city := f.one("SELECT parent_id FROM org_nodes WHERE id = ?", county)
	f.own, f.village = own, own.org
	own.grid = f.one("SELECT id FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", own.org)
	ownSpot, nextSpot, nextHit := f.border(own.org)
	next := &objs{org: nextHit.OrgID, grid: nextHit.GridID}
	next.orgCode = f.one("SELECT code FROM org_nodes WHERE id = ?", next.org)
	for _, o := range []*objs{own, next} {
		o.centre = f.one("SELECT id FROM units WHERE code = ?", o.orgCode+"-center")
	}

	// A second county of the city, with a town, a village and a grid.
	far := &objs{orgCode: "441621001001"}
	c2, err := a.Org.CreateNode(ctx, org.NodeInput{ParentID: city, Code: "441621", Name: "矩阵县", Kind: "county"})
	f.check(err)
	t2, err := a.Org.CreateNode(ctx, org.NodeInput{ParentID: c2.ID, Code: "441621001", Name: "矩阵镇"})
	f.check(err)
	v2, err := a.Org.CreateNode(ctx, org.NodeInput{ParentID: t2.ID, Code: far.orgCode, Name: "矩阵村"})
	f.check(err)
	far.org = v2.ID
	g, err := a.Org.CreateGrid(ctx, org.GridInput{OrgID: v2.ID, Layer: "zz", Name: "矩阵村第1网格", Households: 10, Geometry: json.RawMessage(square(115.3, 24.3))})
	f.check(err)
	far.grid = g.ID
	for _, o := range []*objs{own, next, far} {
		f.check(f.a.DB.Reader().QueryRowContext(ctx, "SELECT code, center_lat, center_lng FROM grids WHERE id = ?", o.grid).Scan(&o.gridCode, &o.lat, &o.lng))
	}

	// Exports of more than twenty rows wait for approval.
	set := registry.DefaultSettings()
	set.ExportApprovalRows = 20
	_, err = a.Registry.SaveSettings(ctx, set)
	f.check(err)

	// Accounts: one of the own village, a grid member of the neighbouring
	// and of the far village, a leader of the far county, one at the city
	// and one at the county (above the village).
	own.user, own.assignment = f.newUser("mx.own", own.org, "mediator")
	next.user, next.assignment = f.newUser("mx.next", next.org, "grid_member")
	far.user, far.assignment = f.newUser("mx.far", far.org, "grid_member")
	farLeader, _ := f.newUser("mx.farlead", c2.ID, "leader")
	far.extra = []string{c2.ID, t2.ID, farLeader}
	above := &objs{org: city, orgCode: f.one("SELECT code FROM org_nodes WHERE id = ?", city)}
	above.user, above.assignment = f.newUser("mx.city", city, "mediator")
	town := &objs{org: own.town, orgCode: f.one("SELECT code FROM org_nodes WHERE id = ?", own.town)}
	town.user, town.assignment = f.newUser("mx.county", county, "mediator")

	// Registers, events and rules of each village.
	for i, o := range []*objs{own, next, far} {
		f.registers(o, i)
		o.rule = f.newRule(o)
		m, err := a.Disputes.CreateMediator(ctx, dispute.MediatorInput{OrgID: o.org, Kind: "legal_helper", Name: "矩阵明白人", Phone: "13800138000"})
		f.check(err)
		o.mediator = m.ID
		g, err := a.Org.AddPlace(ctx, o.grid, org.PlaceInput{Role: "volunteer", NewWorker: &org.WorkerInput{Name: "矩阵志愿者", Employment: "other", Phone: "13800138000"}})
		f.check(err)
		for _, m := range g.Team {
			if m.Name == "矩阵志愿者" {
				o.worker, o.place = m.WorkerID, m.ID
			}
		}
	}
	// The own village's grid member registers the neighbouring village's
	// person again: a duplicate review at the town.
	_, err = a.Registry.CreatePerson(f.as(f.users["gridmember"]), registry.PersonInput{Name: "矩阵重登", IDNumber: next.idNumber, Kind: "registered",
		PlaceInput: registry.PlaceInput{GridID: own.grid}}, idem.Key{})
	f.check(err)
	f.review = f.one("SELECT id FROM duplicate_reviews WHERE status = 'pending'")
	f.event(own, ownSpot)
	f.event(next, nextSpot)
	for _, o := range []*objs{own, next, far} {
		f.dispute(o)
	}
	f.event(far, geo.Point{Lat: far.lat, Lng: far.lng})
	above.rule, town.rule = f.newRule(above), f.newRule(town)
	// The own event goes to the handler's department, which then sees it.
	cg := f.one("SELECT id FROM units WHERE code = ?", "441602-cg")
	e, err := a.Events.Get(ctx, own.event)
	f.check(err)
	e, err = a.Events.Act(ctx, e.ID, casework.Action{Action: "file", Version: e.Version})
	f.check(err)
	_, err = a.Events.Act(ctx, e.ID, casework.Action{Action: "dispatch", Version: e.Version, UnitIDs: []string{cg}})
	f.check(err)

	// Campaigns: the demo leader's over the own and the neighbouring
	// village, the far leader's over the far village; the other areas' are
	// closed.
	leader := f.as(f.users["leader"])
	own.campaign = f.campaign(leader, own.org, "households")
	next.campaign = f.campaign(leader, next.org, "households")
	far.campaign = f.campaign(f.as(farLeader), far.org, "households")
	for _, o := range []*objs{own, next, far} {
		o.item = o.campaign + "-" + o.household
	}
	_, err = a.Campaigns.CloseCampaign(leader, next.campaign)
	f.check(err)
	_, err = a.Campaigns.CloseCampaign(f.as(farLeader), far.campaign)
	f.check(err)

	// An accepted petition and a 面对面 session with a problem in each village.
	for _, o := range []*objs{own, next, far} {
		o.petition = f.newPetition(o.org, "accepted")
		ss, err := a.Petitions.CreateSession(f.ctx, petition.SessionInput{Month: today()[:7], Theme: "矩阵主题", Leader: "矩阵领导", Place: "矩阵会场", OrgID: o.org,
			Participants: "矩阵代表", Problems: []petition.ProblemInput{{Description: "矩阵问题", Unit: "矩阵单位", DueOn: dueDate()}}})
		f.check(err)
		o.session, o.problem = ss.ID, ss.Problems[0].ID
		// A household visit and a reception day of the village.
		v, err := a.Visits.RecordVisit(f.ctx, visit.VisitInput{OrgID: o.org, Label: "矩阵户", Method: "home", Finding: "normal"}, idem.Key{})
		f.check(err)
		rc, err := a.Visits.CreateReception(f.ctx, visit.ReceptionInput{OrgID: o.org, Day: today(), Receivers: "矩阵接待", Attendees: 1,
			Items: []visit.ItemInput{{Name: "矩阵来访", Phone: "13800138000", Matter: "矩阵事项", Outcome: "answer", Answer: "已答复"}}}, idem.Key{})
		f.check(err)
		o.visit, o.reception, o.receptionItem = v.ID, rc.ID, rc.Items[0].ID
	}

	// A member task and a town–police-station meeting in each village: the
	// own village's for the demo grid member, the neighbouring village's for
	// a member of its roster, the far village's for a roster entry made here.
	own.worker = f.one("SELECT id FROM workers WHERE user_id = ?", f.users["gridmember"])
	next.worker = f.one("SELECT id FROM workers WHERE org_id = ? AND status = 'active' ORDER BY id LIMIT 1", next.org)
	far.worker = db.NewID()
	f.check(a.DB.InTx(ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO workers (id, org_id, path, name, employment, status, started_on, version, created_at, updated_at)
			VALUES (?, ?, (SELECT path FROM org_nodes WHERE id = ?), '矩阵网格员', 'full_time', 'active', '', 1, 0, 0)`, far.worker, far.org, far.org)
		return err
	}))
	for _, o := range []*objs{own, next, far} {
		ts, err := a.Duty.Push(f.ctx, duty.PushInput{GridID: o.grid, WorkerIDs: []string{o.worker}, Title: "矩阵任务", Detail: "矩阵详情", DueOn: today()})
		f.check(err)
		o.task = ts.Items[0].ID
		m, err := a.Duty.CreateMeeting(f.ctx, duty.MeetingInput{OrgID: o.org, HeldOn: today(), Place: "矩阵会场",
			Decisions: []duty.DecisionInput{{Text: "矩阵决定", WorkerIDs: []string{o.worker}, DueOn: today()}}})
		f.check(err)
		o.meeting = m.ID
	}

	// A full-time roster member of each village, at a training session of the village.
	for _, o := range []*objs{own, next, far} {
		o.worker = db.NewID()
		err := a.DB.InTx(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO workers (id, org_id, path, name, employment, status, started_on, version, created_at, updated_at)
			SELECT ?, id, path, '矩阵网格员', 'full_time', 'active', '2025-01-01', 1, 0, 0 FROM org_nodes WHERE id = ?`, o.worker, o.org)
			return err
		})
		f.check(err)
		hours := 2.0
		tr, err := a.Assess.CreateTraining(ctx, assess.TrainingInput{OrgID: o.org, Title: "矩阵学堂", HeldOn: today(), Hours: &hours, Trainer: "矩阵讲师",
			WorkerIDs: []string{o.worker}})
		f.check(err)
		o.training = tr.ID
	}

	f.volunteers(own, next, far)

	// Exports and imports of each village's grid member.
	member := f.as(f.users["gridmember"])
	// Screening: a round over each village, launched by a mediator of the
	// area, with a finding of its grid member. Turning a finding into a case
	// needs a dispute room: a stand-in opens it here.
	farMediator, _ := f.newUser("mx.farmed", c2.ID, "mediator")
	far.extra = append(far.extra, farMediator)
	mediator := f.as(f.users["mediator"])
	for _, x := range []struct {
		o               *objs
		launcher, filer context.Context
	}{{own, mediator, member}, {next, mediator, f.as(next.user)}, {far, f.as(farMediator), f.as(far.user)}} {
		x.o.round = f.round(x.launcher, x.o.org)
		x.o.finding = f.finding(x.filer, x.o.round, x.o.org)
	}

	// A 9-key number for each village's care target, with an open alert.
	for i, o := range []*objs{own, next, far} {
		o.callPhone = fmt.Sprintf("1390000100%d", i)
		n, err := a.CallKey.Register(f.ctx, callkey.NumberInput{CareTargetID: o.careTarget, Phone: o.callPhone})
		f.check(err)
		o.callNumber = n.ID
		r, err := a.CallKey.Raise(f.ctx, "matrix", callkey.Call{Phone: o.callPhone}, idem.Key{})
		f.check(err)
		o.callAlert = r.ID
		rec, err := a.Psych.Create(f.ctx, psych.NewRecord{PersonID: o.person, Group: "disabled",
			Assessment: psych.Assessment{Level: "2", Assessor: "矩阵医生", Reason: "矩阵评估", On: today()}})
		f.check(err)
		o.psych = rec.ID
	}
	// A score sheet, scores (one under appeal), a council with a proposal
	// under consultation and a passed one with a follow-up step in each village.
	for _, o := range []*objs{own, next, far} {
		f.villageRecords(o)
	}
	// Patrols: a plan of each village, the demo grid member's patrol and
	// one of a roster member of each other village.
	for _, o := range []*objs{own, next, far} {
		o.plan = f.newPlan(o.org)
	}
	p, err := a.Patrols.Start(member, patrol.StartInput{}, idem.Key{})
	f.check(err)
	own.patrol = p.ID
	p, err = a.Patrols.CheckIn(member, p.ID, patrol.CheckinInput{Lat: &own.lat, Lng: &own.lng, Accuracy: 8}, idem.Key{})
	f.check(err)
	own.point = p.Points[0].ID
	own.patrolPhoto, err = a.Patrols.AddPhoto(member, own.patrol, own.point, "", tinyPNG())
	f.check(err)

	// Red orders: the own village's resident's order accepted by the demo
	// party member, and a second one served with a photo; the neighbouring
	// village's placed by its grid member. The far village has no party tree.
	resident, pm := f.as(f.users["resident"]), f.as(f.users["partymember"])
	own.redOrder, own.redServed = f.redOrder(resident, own.grid), f.redOrder(resident, own.grid)
	_, err = a.RedOrders.Accept(pm, own.redOrder, redorder.VersionInput{Version: 1})
	f.check(err)
	ro, err := a.RedOrders.Accept(pm, own.redServed, redorder.VersionInput{Version: 1})
	f.check(err)
	_, err = a.RedOrders.Result(pm, own.redServed, redorder.ResultInput{Result: "矩阵服务", Photos: []string{pngData()}, Version: ro.Version})
	f.check(err)
	next.redOrder = f.redOrder(f.as(next.user), next.grid)
	next.redServed = next.redOrder
	own.redMember = f.one("SELECT id FROM party_members WHERE user_id = ?", f.users["partymember"])
	next.redMember = f.one("SELECT id FROM party_members WHERE path = (SELECT path FROM org_nodes WHERE id = ?) ORDER BY id LIMIT 1", next.org)
	next.patrol, far.patrol = f.patrolOf(next), f.patrolOf(far)

	// Exports and imports of each village's grid member.
	own.export = f.newPendingExport()
	own.readyExport = f.export(member, regsheet.ExportRequest{Kind: "households", OrgID: own.org, GridID: own.grid}, "ready")
	for _, o := range []*objs{next, far} {
		o.export = f.export(f.as(o.user), regsheet.ExportRequest{Kind: "households", OrgID: o.org}, "ready")
		o.readyExport = o.export
	}
	own.imp = f.badImport(member)
	next.imp, far.imp = f.badImport(f.as(next.user)), f.badImport(f.as(far.user))

	// An inbox message for every account (notifications write them; the
	// matrix only needs one each).
	for name, id := range f.users {
		f.inbox[name] = f.message(id)
	}
	next.message, far.message = f.message(next.user), f.message(far.user)

	// The red grid: a party organisation with a member, a compound with a
	// building and a problem, and an accepted 双报到 with a task, in each village.
	for _, o := range []*objs{own, next, far} {
		f.partyObjs(o)
	}

	f.at[countyLevel] = [3]*objs{own, far, above}
	f.at[villageLevel] = [3]*objs{own, next, town}
	f.foreign[countyLevel] = far.ids()
	f.foreign[villageLevel] = append(next.ids(), far.ids()...)
	// Town staff are granted the own village's town: the own village lies in
	// it, the far county's village is another area, the city is above.
	f.at[townLevel] = [3]*objs{own, far, above}
	f.foreign[townLevel] = far.ids()
	return f
}

// villageRecords gives village o a score sheet, two scores of its household (the
// second under appeal) and a council with an open and a passed proposal.
func (f *fixture) villageRecords(o *objs) {
	_, err := f.a.Village.SaveScoring(f.ctx, o.org, village.ScoringInput{Settings: village.Settings{Display: "surname", RecogniseTop: 3, Title: "文明户"},
		SheetTitle: "矩阵评分表", Items: []village.Item{{Name: "矩阵加分", Kind: "plus", Points: 5}, {Name: "矩阵否决", Kind: "veto"}}})
	f.check(err)
	in := village.ScoreInput{HouseholdID: o.household, ItemID: f.villageItem(o.org), On: today(), Evidence: "photo", Detail: "矩阵照片",
		Photos: []string{base64.StdEncoding.EncodeToString(tinyPNG())}}
	s, err := f.a.Village.RecordScore(f.ctx, o.org, in, idem.Key{})
	f.check(err)
	o.villageScore = s.ID
	in.Evidence, in.Photos = "witness", nil
	s, err = f.a.Village.RecordScore(f.ctx, o.org, in, idem.Key{})
	f.check(err)
	_, err = f.a.Village.Appeal(f.ctx, s.ID, village.AppealInput{LodgedBy: "household", Reason: "矩阵申诉"})
	f.check(err)
	o.villageAppealed = s.ID
	c, err := f.a.Village.CreateCouncil(f.ctx, o.org, village.CouncilInput{Kind: "villagers", Name: "矩阵理事会", QuorumPercent: 50, PassPercent: 50,
		Members: []village.MemberInput{{Name: "矩阵理事长", Role: "chair", Phone: "13800138000"}}})
	f.check(err)
	o.council, o.councilMember = c.ID, c.Members[0].ID
	c, err = f.a.Village.AddMeeting(f.ctx, c.ID, village.MeetingInput{HeldOn: today(), Agenda: "矩阵议程", Attendance: map[string]string{c.Members[0].ID: "present"}})
	f.check(err)
	pin := village.ProposalInput{Kind: "finance", Title: "矩阵议题", Body: "矩阵内容", OpensOn: today(), ClosesOn: today()}
	p, err := f.a.Village.AddProposal(f.ctx, c.ID, pin)
	f.check(err)
	_, err = f.a.Village.CloseConsultation(f.ctx, p.ID)
	f.check(err)
	_, err = f.a.Village.Vote(f.ctx, p.ID, village.VoteInput{MeetingID: c.Meetings[0].ID, For: 1, Decision: "矩阵通过"})
	f.check(err)
	p, err = f.a.Village.AddFollowUp(f.ctx, p.ID, village.FollowUpInput{Step: "矩阵落实", DueOn: today()})
	f.check(err)
	o.passed, o.followUp = p.ID, p.FollowUps[0].ID
	p, err = f.a.Village.AddProposal(f.ctx, c.ID, pin)
	f.check(err)
	o.proposal = p.ID
}

// villageItem is the plus item of the sheet in force of village orgID
// ("" when it has none).
func (f *fixture) villageItem(orgID string) string {
	var id string
	f.a.DB.Reader().QueryRowContext(f.ctx, `SELECT i.id FROM village_sheet_items i JOIN village_sheets s ON s.id = i.sheet_id
		WHERE s.org_id = ? AND s.current = 1 AND i.kind = 'plus' ORDER BY i.no LIMIT 1`, orgID).Scan(&id)
	return id
}

func (f *fixture) check(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) next() int { f.seq++; return f.seq }

// one returns the single text value of a query.
func (f *fixture) one(q string, args ...any) string {
	f.t.Helper()
	var s string
	f.check(f.a.DB.Reader().QueryRowContext(f.ctx, q, args...).Scan(&s))
	return s
}

// as is ctx acting as the account id, with its grants.
func (f *fixture) as(id string) context.Context {
	grants, err := authn.LoadGrants(f.ctx, f.a.DB.Reader(), id)
	f.check(err)
	return authz.WithPrincipal(f.ctx, &authz.Principal{UserID: id, Grants: grants})
}

// newUser makes an account granted role over orgID.
func (f *fixture) newUser(username, orgID, role string) (id, assignment string) {
	u, err := f.a.Accounts.CreateUser(f.ctx, account.NewUser{Username: username, DisplayName: "矩阵" + username, Password: fixturePassword, OrgID: orgID})
	f.check(err)
	assignment, err = f.a.Accounts.Assign(f.ctx, u.ID, account.Assignment{RoleID: f.roles[role], OrgID: orgID})
	f.check(err)
	return u.ID, assignment
}

// newAssignment grants one more role to the area's account.
func (f *fixture) newAssignment(o *objs) string {
	id, err := f.a.Accounts.Assign(f.ctx, o.user, account.Assignment{RoleID: f.roles["resident"], OrgID: o.org})
	f.check(err)
	return id
}

func (f *fixture) newIDNumber() string {
	return pii.MakeID("441602", time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.next()), 7, true)
}

func (f *fixture) newPerson(o *objs) registry.Person {
	p, err := f.a.Registry.CreatePerson(f.ctx, registry.PersonInput{Name: fmt.Sprintf("矩阵人%d", f.seq), IDNumber: f.newIDNumber(), Kind: "registered",
		Phone: "13800138000", PlaceInput: registry.PlaceInput{GridID: o.grid}}, idem.Key{})
	f.check(err)
	return p
}

// registers fills an area's grid with one record of each register.
func (f *fixture) registers(o *objs, i int) {
	place := registry.PlaceInput{GridID: o.grid}
	o.name, o.idNumber = []string{"矩阵本甲", "矩阵邻乙", "矩阵外丙"}[i], f.newIDNumber()
	p, err := f.a.Registry.CreatePerson(f.ctx, registry.PersonInput{Name: o.name, IDNumber: o.idNumber, Kind: "registered", Phone: "13800138000", PlaceInput: place}, idem.Key{})
	f.check(err)
	o.person = p.ID
	h, err := f.a.Registry.SaveHousehold(f.ctx, "", registry.HouseholdInput{No: fmt.Sprintf("MXH%d", i), Address: "矩阵路8号", PlaceInput: place})
	f.check(err)
	o.household = h.ID
	house, err := f.a.Registry.SaveHouse(f.ctx, "", registry.HouseInput{Address: fmt.Sprintf("矩阵大道%d号", i), Purpose: "self_use", PlaceInput: place})
	f.check(err)
	o.house, o.address = house.ID, house.AddressID
	u, err := f.a.Registry.SaveUnit(f.ctx, "", registry.UnitInput{Name: fmt.Sprintf("矩阵小店%d", i), Kind: "shop", PlaceInput: place})
	f.check(err)
	o.unit = u.ID
	k, err := f.a.KeyPersons.CreateKeyPerson(f.ctx, keyperson.KeyPersonInput{PersonID: p.ID, Category: "released_prisoner", RiskLevel: "green"})
	f.check(err)
	o.keyPerson = k.ID
	ct, err := f.a.KeyPersons.CreateCareTarget(f.ctx, keyperson.CareTargetInput{PersonID: p.ID, Kind: "disabled"})
	f.check(err)
	o.careTarget = ct.ID
}

// event reports an event of the area at a point, with a photo.
func (f *fixture) event(o *objs, at geo.Point) {
	lat, lng := at.Lat, at.Lng
	e, _, err := f.a.Events.Create(f.ctx, casework.Report{Channel: "grid", CategoryCode: "0401", Description: "矩阵核查事件", Lat: &lat, Lng: &lng}, casework.Idempotency{})
	f.check(err)
	o.event = e.ID
	o.media, err = f.a.Events.AddMedia(f.ctx, e.ID, "before", tinyPNG())
	f.check(err)
}

// dispute opens a classified case in the area's village with one party.
func (f *fixture) dispute(o *objs) {
	c, err := f.a.Disputes.Open(f.ctx, dispute.Intake{Source: "walk_in", OrgID: o.org, Type: "neighbour", Title: "矩阵纠纷", Facts: "矩阵核查纠纷",
		Complexity: "simple", Route: "people_mediation", RouteReason: "矩阵核查", Parties: []dispute.PartyIn{{Role: "applicant", Name: "矩阵甲", Phone: "13800138000"}}}, idem.Key{})
	f.check(err)
	o.dispute, o.party = c.ID, c.Parties[0].ID
}

// border finds two points some 50 metres apart across the edge of the
// village: one inside it, one in a neighbouring village (whose grid it
// returns).
func (f *fixture) border(village string) (in, out geo.Point, outside org.Hit) {
	rows, err := f.a.DB.Reader().QueryContext(f.ctx, "SELECT geometry FROM grids WHERE org_id = ? AND layer = 'zz' AND status = 'active' ORDER BY code", village)
	f.check(err)
	var shapes []geo.MultiPolygon
	for rows.Next() {
		var geom string
		f.check(rows.Scan(&geom))
		m, err := geo.ParseGeometry([]byte(geom))
		f.check(err)
		shapes = append(shapes, m)
	}
	f.check(rows.Close())
	// The main-layer grid at a point, if any.
	at := func(p geo.Point) (org.Hit, bool) {
		hits, err := f.a.Org.Locate(f.ctx, "en", p)
		f.check(err)
		for _, h := range hits {
			if h.Layer == org.MainLayer {
				return h, true
			}
		}
		return org.Hit{}, false
	}
	const d = 0.0003 // about 30 m either way of a corner
	for _, m := range shapes {
		for _, poly := range m {
			for _, v := range poly[0] {
				var inside, beyond *geo.Point
				var hit org.Hit
				for _, off := range [][2]float64{{d, d}, {d, -d}, {-d, d}, {-d, -d}} {
					p := geo.Point{Lng: v.Lng + off[0], Lat: v.Lat + off[1]}
					h, ok := at(p)
					switch {
					case !ok:
					case h.OrgID == village:
						inside = &p
					default:
						beyond, hit = &p, h
					}
				}
				if inside != nil && beyond != nil {
					return *inside, *beyond, hit
				}
			}
		}
	}
	f.t.Fatal("no neighbouring village found")
	return
}

func (f *fixture) newRule(o *objs) string {
	r, err := f.a.Events.AddRule(f.ctx, casework.Rule{CategoryPrefix: "0401", OrgID: o.org, UnitID: f.own.centre})
	f.check(err)
	return r.ID
}

func (f *fixture) campaign(ctx context.Context, orgID, kind string) string {
	c, err := f.a.Campaigns.LaunchCampaign(ctx, campaign.CampaignInput{Name: "矩阵核查", Kind: kind, OrgID: orgID, DueDate: dueDate()})
	f.check(err)
	return c.ID
}

// newCampaign is a fresh campaign of the demo leader over the own village.
func (f *fixture) newCampaign() string {
	return f.campaign(f.as(f.users["leader"]), f.village, "units")
}

// screeningFinding is a valid finding's body.
func screeningFinding(roundID, orgID string) map[string]any {
	return map[string]any{"round_id": roundID, "org_id": orgID, "type": "neighbour", "description": "矩阵邻里纠纷", "risk": "low",
		"leader": "矩阵领导", "person": "矩阵责任人", "measures": "矩阵调解", "deadline": dueDate()}
}

func (f *fixture) round(ctx context.Context, orgID string) string {
	r, err := f.a.Screening.LaunchRound(ctx, screening.RoundInput{Title: "矩阵排查", Kind: "weekly", OrgID: orgID, PeriodFrom: dueDate(),
		PeriodTo: dueDate(), DueDate: dueDate(), Types: []string{"neighbour"}})
	f.check(err)
	return r.ID
}

func (f *fixture) finding(ctx context.Context, roundID, orgID string) string {
	x, err := f.a.Screening.FileFinding(ctx, screening.FindingInput{RoundID: roundID, OrgID: orgID, Type: "neighbour", Description: "矩阵邻里纠纷",
		Risk: "low", Leader: "矩阵领导", Person: "矩阵责任人", Measures: "矩阵调解", Deadline: dueDate()}, idem.Key{})
	f.check(err)
	return x.ID
}

// newPlan is a fresh patrol plan of the area, for a day of its own.
func (f *fixture) newPlan(orgID string) string {
	p, err := f.a.Patrols.SetPlan(f.ctx, patrol.PlanInput{OrgID: orgID, Day: time.Now().AddDate(0, 0, 400+f.next()).Format(time.DateOnly),
		Windows: []patrol.Window{{From: "08:00", To: "09:00"}}})
	f.check(err)
	return p.ID
}

// patrolOf is an open patrol of a roster member of the area, the area's
// account walking it.
func (f *fixture) patrolOf(o *objs) string {
	worker, id, now := db.NewID(), db.NewID(), time.Now().UnixMilli()
	path := f.one("SELECT path FROM org_nodes WHERE id = ?", o.org)
	f.check(f.a.DB.InTx(f.ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(f.ctx, `INSERT INTO workers (id, org_id, path, name, employment, user_id, status, started_on, version, created_at, updated_at)
			VALUES (?, ?, ?, '矩阵网格员', 'full_time', ?, 'active', '', 1, ?, ?)`, worker, o.org, path, o.user, now, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(f.ctx, `INSERT INTO patrols (id, worker_id, user_id, grid_id, path, status, started_at, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, 'open', ?, 1, ?, ?)`, id, worker, o.user, o.grid, path, now, now, now); err != nil {
			return err
		}
		o.point, o.patrolPhoto = db.NewID(), db.NewID()
		if _, err := tx.ExecContext(f.ctx, `INSERT INTO patrol_points (id, patrol_id, at, lat, lng, accuracy, created_at) VALUES (?, ?, ?, ?, ?, 5, ?)`,
			o.point, id, now, o.lat, o.lng, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(f.ctx, `INSERT INTO patrol_photos (id, patrol_id, point_id, content_type, size, data, created_by, created_at) VALUES (?, ?, ?, 'image/png', ?, ?, ?, ?)`,
			o.patrolPhoto, id, o.point, len(tinyPNG()), tinyPNG(), o.user, now)
		return err
	}))
	o.extra = append(o.extra, worker)
	return id
}

// newRound is a fresh round of the county mediator over the own village.
func (f *fixture) newRound() string { return f.round(f.as(f.users["mediator"]), f.village) }

// newFinding is a fresh finding of the demo grid member in the own village, ad hoc.
func (f *fixture) newFinding() string { return f.finding(f.as(f.users["gridmember"]), "", f.village) }

func (f *fixture) export(ctx context.Context, in regsheet.ExportRequest, status string) string {
	e, err := f.a.Sheets.RequestExport(ctx, in)
	f.check(err)
	if e.Status != status {
		f.t.Fatalf("export of %d rows is %s, want %s", e.Rows, e.Status, status)
	}
	return e.ID
}

// newCallAlert is a fresh 9-key alert of the own village's number; with
// a username, accepted by that account.
func (f *fixture) newCallAlert(acceptedBy string) string {
	r, err := f.a.CallKey.Raise(f.ctx, "matrix", callkey.Call{Phone: f.own.callPhone}, idem.Key{})
	f.check(err)
	if acceptedBy != "" {
		_, err = f.a.CallKey.Accept(f.as(f.users[acceptedBy]), r.ID)
		f.check(err)
	}
	return r.ID
}

// redOrder places a red order on a grid as the account of ctx.
func (f *fixture) redOrder(ctx context.Context, grid string) string {
	o, err := f.a.RedOrders.Place(ctx, redorder.PlaceInput{Kind: "other", Need: "矩阵红色订单", GridID: grid}, idem.Key{})
	f.check(err)
	return o.ID
}

// pngData is a small PNG as a data URL.
func pngData() string {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	var buf bytes.Buffer
	f := png.Encode(&buf, img)
	_ = f
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// newPendingExport is a fresh request of the demo grid member, above the threshold.
func (f *fixture) newPendingExport() string {
	return f.export(f.as(f.users["gridmember"]), regsheet.ExportRequest{Kind: "people", OrgID: f.village}, "pending")
}

// badImport runs an import whose one row names no grid: it leaves an error sheet.
func (f *fixture) badImport(ctx context.Context) string {
	sheet := "户号,网格编码,地址,家庭情况,诉求与需求\nMXBAD,999999999999999,矩阵路,,\n"
	job, run, err := f.a.Sheets.StartImport(ctx, regsheet.ImportInput{Kind: "households", Mode: "valid", FileName: "bad.csv",
		File: strings.NewReader(sheet), Size: int64(len(sheet))})
	f.check(err)
	if done := run(ctx); done.Status != "done" || done.Rejected != 1 {
		f.t.Fatalf("bad import: %+v", done)
	}
	return job.ID
}

func (f *fixture) message(userID string) string {
	id := fmt.Sprintf("mx-msg-%d", f.next())
	f.check(f.a.DB.InTx(f.ctx, func(tx *db.Tx) error {
		_, err := tx.ExecContext(f.ctx, "INSERT INTO inbox (id, user_id, kind, text, created_at) VALUES (?, ?, 'new', ?, ?)",
			id, userID, "矩阵消息", time.Now().UnixMilli())
		return err
	}))
	return id
}

// waitImports waits for the imports the HTTP face runs in the background.
func (f *fixture) waitImports() {
	for range 500 {
		var n int
		f.check(f.a.DB.Reader().QueryRowContext(f.ctx, "SELECT count(*) FROM imports WHERE status = 'running'").Scan(&n))
		if n == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.t.Fatal("an import is still running")
}

// volunteers gives each village a volunteer team with a member, a shift
// to come, one on now and a clue for the police; the own village's are
// the demo volunteer's, whose shift on now is walked.
func (f *fixture) volunteers(own, next, far *objs) {
	a := f.a
	me := f.users["volunteer"]
	own.volunteer = f.one("SELECT id FROM volunteers WHERE user_id = ?", me)
	own.vteam = f.one("SELECT team_id FROM volunteers WHERE id = ?", own.volunteer)
	own.vwalk = f.one(`SELECT s.id FROM volunteer_shifts s JOIN volunteer_signups u ON u.shift_id = s.id
		WHERE u.volunteer_id = ? AND s.starts_at <= ? AND s.ends_at > ?`, own.volunteer, time.Now().UnixMilli(), time.Now().UnixMilli())
	for _, o := range []*objs{next, far} {
		t, err := a.Volunteers.CreateTeam(f.ctx, volunteer.TeamInput{OrgID: o.org, Name: "矩阵平安志愿者", Kind: "safety"})
		f.check(err)
		o.vteam = t.ID
		v, err := a.Volunteers.Create(f.ctx, volunteer.VolunteerInput{TeamID: t.ID, Name: "矩阵志愿者", Phone: "13900139000"})
		f.check(err)
		o.volunteer = v.ID
		now := time.Now().UnixMilli()
		sh, err := a.Volunteers.CreateShift(f.ctx, volunteer.ShiftInput{TeamID: t.ID, Place: "矩阵路段", StartsAt: now + 60000, EndsAt: now + 7200000, Needed: 2})
		f.check(err)
		o.vwalk = sh.ID
	}
	for _, o := range []*objs{own, next, far} {
		start := time.Now().Add(72 * time.Hour).UnixMilli()
		sh, err := a.Volunteers.CreateShift(f.ctx, volunteer.ShiftInput{TeamID: o.vteam, Place: "矩阵路段", StartsAt: start, EndsAt: start + 7200000, Needed: 2})
		f.check(err)
		o.vshift = sh.ID
		o.vclue = db.NewID()
		f.check(a.DB.InTx(f.ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(f.ctx, `INSERT INTO volunteer_clues (id, volunteer_id, org_id, path, kind, text_sealed, place, status, created_at)
				SELECT ?, id, org_id, path, 'police', ?, '矩阵村口', 'new', ? FROM volunteers WHERE id = ?`,
				o.vclue, a.Volunteers.SealClue(o.vclue, "矩阵线索"), time.Now().UnixMilli(), o.volunteer)
			return err
		}))
	}
	// The demo volunteer's shift on now is walked, for its check-ins.
	_, err := a.Volunteers.Walk(f.as(me), own.vwalk, volunteer.WalkInput{}, idem.Key{})
	f.check(err)
}
