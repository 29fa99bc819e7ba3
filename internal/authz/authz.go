// Package authz is gridgov's permission catalogue, its built-in roles and the
// caller's grants: every role assignment holds for one org node and all that
// lies under it, and everything not granted is denied.
package authz

import (
	"context"
	"slices"
	"strings"
)

// Perm is a permission code. The catalogue is in code; roles are sets of them.
type Perm string

// The permission catalogue. Later features add their own here.
const (
	OrgRead        Perm = "org.read"
	OrgWrite       Perm = "org.write"
	GridRead       Perm = "grid.read"
	GridWrite      Perm = "grid.write"
	GridImport     Perm = "grid.import"
	GridExport     Perm = "grid.export"
	UserRead       Perm = "user.read"
	UserWrite      Perm = "user.write"
	RoleRead       Perm = "role.read"
	RoleWrite      Perm = "role.write"
	RoleAssign     Perm = "role.assign"
	SecurityRead   Perm = "security.read"
	SecurityWrite  Perm = "security.write"
	AuditRead      Perm = "audit.read"
	PersonalReveal Perm = "personal.reveal"
	// PersonalLookup finds people by an exact ID number or phone (精确查询):
	// rate-limited and audited, because a masked value plus a few guesses
	// would otherwise give the whole one.
	PersonalLookup Perm = "personal.lookup"

	EventReport    Perm = "event.report"    // report an event (grid member, resident, operator)
	EventRead      Perm = "event.read"      // every event of an area
	EventReadUnit  Perm = "event.read_unit" // the events dispatched to one's own unit
	EventIntake    Perm = "event.intake"    // verify, file, refuse, merge (受理员)
	EventDispatch  Perm = "event.dispatch"  // dispatch, escalate (派遣员)
	EventHandle    Perm = "event.handle"    // sign, return, ask for more time, report the result
	EventApprove   Perm = "event.approve"   // extensions, parking, reopening (值班长)
	EventCheck     Perm = "event.check"     // on-site re-check (网格员)
	EventSupervise Perm = "event.supervise" // supervision orders, leader cases (领导)
	EventConfig    Perm = "event.config"    // categories, units, dispatch rules, work calendar

	RegistryRead   Perm = "registry.read"   // addresses, houses, people, households, units, care targets (masked)
	RegistryWrite  Perm = "registry.write"  // keep them: add, change, move in/out, delete
	RegistryImport Perm = "registry.import" // Excel/CSV imports
	RegistryExport Perm = "registry.export" // Excel exports (masked, watermarked)
	// RegistryExportApprove approves another person's export above the threshold.
	RegistryExportApprove Perm = "registry.export_approve"
	RegistryCampaign      Perm = "registry.campaign" // launch and close verification campaigns (核查)
	KeyPersonRead         Perm = "keyperson.read"    // key persons of the categories one is granted
	KeyPersonWrite        Perm = "keyperson.write"   // register key persons, risk levels, visits and follow-ups

	DisputeRead    Perm = "dispute.read"    // dispute cases and screening rounds of an area
	DisputeReport  Perm = "dispute.report"  // file a screening finding or a dispute (in the field, at the door)
	DisputeWrite   Perm = "dispute.write"   // take in, route, mediate and close cases; run screening rounds
	DisputeSubsidy Perm = "dispute.subsidy" // the 以案定补 table and the mediators' monthly subsidy sheets
	PetitionRead   Perm = "petition.read"   // petitions (信访), weekly reviews, 面对面 sessions of an area
	PetitionWrite  Perm = "petition.write"  // register and handle petitions, record reviews and sessions

	WorkforceRead  Perm = "workforce.read"  // grid teams and the roster of the grid workforce of an area
	WorkforceWrite Perm = "workforce.write" // edit teams and the roster, move a member (their open work goes to the successor)
	GridworkDo     Perm = "gridwork.do"     // one's own day: patrols and check-ins, visits, reception notes, 9-key calls, closing the day
	GridworkRead   Perm = "gridwork.read"   // the centre's boards: day plans, who is out, visits, tasks, meetings, 9-key calls
	GridworkSteer  Perm = "gridwork.steer"  // set day plans, push tasks, visit triggers, police–grid meetings, 9-key numbers
	AssessRead     Perm = "assess.read"     // the boards and rankings of grid-member assessment, training records
	AssessWrite    Perm = "assess.write"    // offline scores, the county's weights, training sessions, 十佳网格员

	// The red grid (红色网格). Party membership is personal information:
	// the tree's members are read only with party.read.
	PartyRead       Perm = "party.read"       // the party tree, its members, compounds and buildings of an area
	PartyWrite      Perm = "party.write"      // keep the tree, its members, compounds and buildings; accept 双报到
	VillageRead     Perm = "village.read"     // a village's score sheet, scores, monthly lists, councils and proposals
	VillageWrite    Perm = "village.write"    // define the sheet and rules, decide appeals, review and publish, run councils
	VillageScore    Perm = "village.score"    // record a household's score, lodge an appeal (grid members)
	VillageOpine    Perm = "village.opine"    // give one's opinion on a proposal open for consultation (residents)
	VolunteerRead   Perm = "volunteer.read"   // volunteer teams, the register (phones masked), shifts, hours, rankings, ordinary clues
	VolunteerWrite  Perm = "volunteer.write"  // keep teams and the register, publish shifts, record other service hours, give recognition
	VolunteerDo     Perm = "volunteer.do"     // a volunteer's own phone: sign up for shifts, walk them, report clues, one's own hours
	VolunteerPolice Perm = "volunteer.police" // the clues volunteers mark for the police (涉稳/治安), of one's own area
	// Red orders (红色订单): residents place them, members serve them, the
	// branch's secretary assigns and hands them on. Points (党员积分).
	RedOrderPlace  Perm = "redorder.place"  // place a red order, or enter one on a resident's behalf (红色代办); see and rate one's own
	RedOrderServe  Perm = "redorder.serve"  // accept (接单), serve and record the result of the orders of one's branch; one's own points
	RedOrderManage Perm = "redorder.manage" // the branch's queue: assign (下单), hand on as an event or dispute, figures
	PointsRead     Perm = "points.read"     // the points ledgers and rankings of an area
	PointsWrite    Perm = "points.write"    // correct a ledger with a new entry and a reason

	// The safety index (平安指数): leaders and the centres read the monthly
	// index and drill down; the committee's staff keep the catalogue,
	// compute and publish.
	SafetyRead  Perm = "safety.read"  // the monthly index of counties and towns, each area's indicators and their records
	SafetyWrite Perm = "safety.write" // the catalogue of indicators, computing and publishing a month
	// SafetyReport is a unit's monthly report of the figures the platform
	// does not hold (criminal cases, fraud, accidents …), for its own unit.
	SafetyReport Perm = "safety.report"
	// SafetyTask is reporting progress on the 平安建设 tasks of the own
	// area (a town's centre) or the own unit; a unit's statistician
	// (safety.report) reports on its unit's too.
	SafetyTask Perm = "safety.task"
	// Special campaigns (专项行动): the committee's office runs them, leaders
	// and the centres follow them; the towns, villages, grid members and
	// units carry out what is pushed to them; residents and grid members
	// give clues, which the police of the area alone read.
	DriveRead  Perm = "drive.read"  // the campaigns of an area: their lists, progress, figures per area and clue counts
	DriveWrite Perm = "drive.write" // plan a campaign, push its lists down, close it with its results
	DriveDo    Perm = "drive.do"    // report on what a campaign pushed to one's grids, area or unit
	DriveClue  Perm = "drive.clue"  // give a campaign a confidential clue, and follow its status
	DriveClues Perm = "drive.clues" // read and verify the clues of one's area (the police), every read audited
	// Anti-fraud warnings (反诈预警劝导): the police push lists of likely
	// victims, the grid members of each person's grid reach them, the
	// centre follows, places the unmatched and sets the hours.
	AntifraudImport Perm = "antifraud.import" // push or import the police's lists of likely victims; read them in clear
	AntifraudRead   Perm = "antifraud.read"   // the tasks of an area (names masked) and the figures per town
	AntifraudWrite  Perm = "antifraud.write"  // place a person no register knew on a grid; the hours and the retention
	AntifraudDo     Perm = "antifraud.do"     // reach the people of one's own grids and record the outcome

	// The situation room's 三情 (访情、警情、舆情).
	SituationRead   Perm = "situation.read"   // the situations of an area (people masked), the daily analysis, the scheduling meetings
	SituationEnter  Perm = "situation.enter"  // enter situations by hand or from a sheet
	SituationSteer  Perm = "situation.steer"  // the day's judgement, the weekly meeting and its tasks, the feeds' sources
	SituationPeople Perm = "situation.people" // the people involved in clear, every read audited
	SituationSign   Perm = "situation.sign"   // sign off the 平安稳定专报 and issue them to units

	// Sensitive categories of key persons (PIPL art. 28): a key person of a
	// category is visible only with that category's permission.
	SensitiveReleasedPrisoner    Perm = "pii.sensitive.released_prisoner"
	SensitiveCommunityCorrection Perm = "pii.sensitive.community_correction"
	SensitiveMentalDisorder      Perm = "pii.sensitive.mental_disorder"
	SensitiveDrugUser            Perm = "pii.sensitive.drug_user"
	SensitiveHIVRisk             Perm = "pii.sensitive.hiv_risk"
	SensitiveKeyYouth            Perm = "pii.sensitive.key_youth"
	SensitiveKeyPetitioner       Perm = "pii.sensitive.key_petitioner"
	// SensitivePsych is the 三级三色 psychological-protection record of a
	// person in a special group: level, assessments, counselling.
	SensitivePsych Perm = "pii.sensitive.psych"
)

// PermInfo describes one permission for the roles page.
type PermInfo struct {
	Code  Perm   `json:"code"`
	Group string `json:"group"`
}

// Catalogue lists every permission in display order.
var Catalogue = []PermInfo{
	{OrgRead, "org"}, {OrgWrite, "org"},
	{GridRead, "grid"}, {GridWrite, "grid"}, {GridImport, "grid"}, {GridExport, "grid"},
	{UserRead, "account"}, {UserWrite, "account"},
	{RoleRead, "security"}, {RoleWrite, "security"}, {RoleAssign, "security"},
	{SecurityRead, "security"}, {SecurityWrite, "security"},
	{AuditRead, "audit"},
	{PersonalReveal, "personal"}, {PersonalLookup, "personal"},
	{EventReport, "event"}, {EventRead, "event"}, {EventReadUnit, "event"}, {EventIntake, "event"}, {EventDispatch, "event"},
	{EventHandle, "event"}, {EventApprove, "event"}, {EventCheck, "event"}, {EventSupervise, "event"}, {EventConfig, "event"},
	{RegistryRead, "registry"}, {RegistryWrite, "registry"}, {RegistryImport, "registry"}, {RegistryExport, "registry"},
	{RegistryExportApprove, "registry"}, {RegistryCampaign, "registry"}, {KeyPersonRead, "registry"}, {KeyPersonWrite, "registry"},
	{DisputeRead, "dispute"}, {DisputeReport, "dispute"}, {DisputeWrite, "dispute"}, {DisputeSubsidy, "dispute"},
	{PetitionRead, "dispute"}, {PetitionWrite, "dispute"},
	{WorkforceRead, "gridwork"}, {WorkforceWrite, "gridwork"}, {GridworkDo, "gridwork"}, {GridworkRead, "gridwork"}, {GridworkSteer, "gridwork"},
	{AssessRead, "gridwork"}, {AssessWrite, "gridwork"},
	{PartyRead, "party"}, {PartyWrite, "party"},
	{VillageRead, "village"}, {VillageWrite, "village"}, {VillageScore, "village"}, {VillageOpine, "village"},
	{VolunteerRead, "volunteer"}, {VolunteerWrite, "volunteer"}, {VolunteerDo, "volunteer"}, {VolunteerPolice, "volunteer"},
	{RedOrderPlace, "party"}, {RedOrderServe, "party"}, {RedOrderManage, "party"}, {PointsRead, "party"}, {PointsWrite, "party"},
	{SafetyRead, "safety"}, {SafetyWrite, "safety"}, {SafetyReport, "safety"}, {SafetyTask, "safety"},
	{DriveRead, "safety"}, {DriveWrite, "safety"}, {DriveDo, "safety"}, {DriveClue, "safety"}, {DriveClues, "safety"},
	{AntifraudImport, "safety"}, {AntifraudRead, "safety"}, {AntifraudWrite, "safety"}, {AntifraudDo, "safety"},
	{SituationRead, "safety"}, {SituationEnter, "safety"}, {SituationSteer, "safety"}, {SituationPeople, "safety"}, {SituationSign, "safety"},
	{SensitiveReleasedPrisoner, "sensitive"}, {SensitiveCommunityCorrection, "sensitive"}, {SensitiveMentalDisorder, "sensitive"},
	{SensitiveDrugUser, "sensitive"}, {SensitiveHIVRisk, "sensitive"}, {SensitiveKeyYouth, "sensitive"}, {SensitiveKeyPetitioner, "sensitive"},
	{SensitivePsych, "sensitive"},
}

// Known reports whether p is in the catalogue.
func Known(p Perm) bool {
	return slices.ContainsFunc(Catalogue, func(i PermInfo) bool { return i.Code == p })
}

// BuiltinRole is a role seeded on first start.
type BuiltinRole struct {
	Code  string
	Perms []Perm
}

// The three administrators (三员分立) hold disjoint permissions: the system
// administrator runs accounts and the org tree, the security administrator
// roles, grants and security settings, the audit administrator reads the
// audit log. No one of them can do the others' work; Families says which
// permission belongs to whom.
var Builtins = []BuiltinRole{
	{Code: "sys_admin", Perms: []Perm{OrgRead, OrgWrite, GridRead, GridWrite, GridImport, GridExport, UserRead, UserWrite, EventConfig}},
	{Code: "sec_admin", Perms: []Perm{RoleRead, RoleWrite, RoleAssign, SecurityRead, SecurityWrite, UserRead, OrgRead}},
	{Code: "audit_admin", Perms: []Perm{AuditRead, OrgRead}},
	// The centre's intake desk is the one door (只进一扇门) for disputes too.
	// It also steers the grid workforce of its area: teams, day plans, tasks, assessment.
	// As the office of the committee for 平安建设, it keeps the safety index (平安指数).
	{Code: "intake", Perms: []Perm{OrgRead, GridRead, EventReport, EventRead, EventIntake, DisputeRead, DisputeReport, DisputeWrite,
		WorkforceRead, WorkforceWrite, GridworkRead, GridworkSteer, AssessRead, AssessWrite, VillageRead, VillageWrite, VillageScore, VolunteerRead, VolunteerWrite,
		SafetyRead, SafetyWrite, SafetyTask, DriveRead, DriveWrite, DriveDo, DriveClue, AntifraudRead, AntifraudWrite,
		SituationRead, SituationEnter, SituationSteer}},
	{Code: "dispatcher", Perms: []Perm{OrgRead, GridRead, EventRead, EventDispatch}},
	{Code: "shift_lead", Perms: []Perm{OrgRead, GridRead, GridExport, EventRead, EventIntake, EventDispatch, EventApprove}},
	{Code: "dept_handler", Perms: []Perm{OrgRead, GridRead, EventReadUnit, EventHandle}},
	{Code: "grid_member", Perms: []Perm{OrgRead, GridRead, EventReport, EventRead, EventCheck, EventHandle, DisputeReport, GridworkDo, WorkforceRead, RedOrderPlace,
		RegistryRead, RegistryWrite, RegistryImport, RegistryExport, KeyPersonRead, KeyPersonWrite, PersonalReveal, PersonalLookup,
		SensitiveReleasedPrisoner, SensitiveCommunityCorrection, SensitiveMentalDisorder, SensitiveDrugUser, SensitiveKeyYouth, SensitiveKeyPetitioner,
		VillageRead, VillageScore, DriveDo, DriveClue, AntifraudDo}},
	{Code: "leader", Perms: []Perm{OrgRead, GridRead, GridExport, EventRead, EventSupervise, RegistryRead, RegistryExportApprove, RegistryCampaign,
		DisputeRead, PetitionRead, PetitionWrite, WorkforceRead, GridworkRead, AssessRead, VillageRead, VolunteerRead, SafetyRead, DriveRead, AntifraudRead, SituationRead, SituationSign}},
	// The mediator reads the events of its area, as the leader does: the
	// disputes it is to settle are among them, and an event shows no more
	// of the reporter than a name (the phone stays sealed).
	{Code: "mediator", Perms: []Perm{OrgRead, GridRead, EventRead, DisputeRead, DisputeReport, DisputeWrite}},
	// The judge of a 人民法庭 or 法官工作站 reads only the events sent to its
	// court (the disputes brought to it), and nothing else of the area; the
	// court refers cases to mediation before trial, records judicial
	// confirmations and hears the cases routed to it.
	{Code: "judge", Perms: []Perm{OrgRead, GridRead, EventReadUnit, DisputeRead, DisputeReport, DisputeWrite}},
	{Code: "party_member", Perms: []Perm{OrgRead, GridRead, EventReport, VillageOpine, RedOrderPlace, RedOrderServe}},
	// The secretary of a community's party organisation keeps its tree and
	// its members, and accepts the organisations and members that report
	// to the community (双报到).
	// It also runs the red orders of its branches and the members' points.
	{Code: "party_secretary", Perms: []Perm{OrgRead, GridRead, EventReport, PartyRead, PartyWrite, WorkforceRead,
		RedOrderPlace, RedOrderServe, RedOrderManage, PointsRead, PointsWrite}},
	{Code: "resident", Perms: []Perm{EventReport, VillageOpine, RedOrderPlace, DriveClue}},
	// A volunteer (红袖章, 平安志愿者, 法律明白人…) uses the phone for their
	// own shifts, patrols of them, clues and hours; nothing else.
	{Code: "volunteer", Perms: []Perm{VolunteerDo}},
	// Joint management of key persons (丹江口 "四类人"): each office adds
	// follow-ups to the shared record of the categories it is responsible for.
	// The village police officer (一村一警) works the grids with their teams (警网融合).
	{Code: "police", Perms: []Perm{OrgRead, GridRead, EventReport, DisputeRead, DisputeReport, GridworkDo, GridworkRead, WorkforceRead, VolunteerPolice, RegistryRead, KeyPersonRead, KeyPersonWrite, PersonalReveal, PersonalLookup,
		SensitiveReleasedPrisoner, SensitiveDrugUser, SensitiveMentalDisorder, SensitiveKeyPetitioner, SensitiveKeyYouth, DriveDo, DriveClue, DriveClues,
		AntifraudImport, AntifraudRead, SituationRead, SituationEnter, SituationPeople}},
	{Code: "justice", Perms: []Perm{OrgRead, GridRead, DisputeRead, DisputeReport, DisputeWrite, DisputeSubsidy, RegistryRead, KeyPersonRead, KeyPersonWrite, PersonalReveal, PersonalLookup,
		SensitiveCommunityCorrection, SensitiveReleasedPrisoner}},
	{Code: "health", Perms: []Perm{OrgRead, GridRead, RegistryRead, KeyPersonRead, KeyPersonWrite, PersonalReveal, PersonalLookup,
		SensitiveMentalDisorder, SensitiveHIVRisk, SensitiveDrugUser, SensitivePsych}},
	// The petition desk (信访): petitions, their weekly review, and the
	// key-petitioner records it links them to.
	{Code: "petition_clerk", Perms: []Perm{OrgRead, GridRead, PersonalReveal, DisputeRead, DisputeReport, PetitionRead, PetitionWrite,
		KeyPersonRead, SensitiveKeyPetitioner, SituationRead, SituationEnter, SituationPeople}},
	// A unit's statistician (统计员) reports its monthly figures of the
	// safety index: the police's crimes and fraud, the emergency bureau's
	// fires and accidents.
	// It also reports its unit's progress on the committee's tasks and its
	// unit's lines of the special campaigns.
	{Code: "safety_reporter", Perms: []Perm{OrgRead, SafetyReport}},
	{Code: "civil_affairs", Perms: []Perm{OrgRead, GridRead, RegistryRead, RegistryWrite, KeyPersonRead, PersonalReveal, PersonalLookup}},
}

// Grant is one role held over one org node (and its subtree).
type Grant struct {
	AssignmentID string
	Role         string
	RoleName     string
	OrgID        string
	OrgPath      string
	OrgCode      string
	OrgName      string
	Perms        []Perm
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID          string
	Username        string
	DisplayName     string
	OrgID           string
	SessionHash     string
	CSRFToken       string
	PasswordExpired bool
	TOTPEnabled     bool
	// TOTPMissing: the account must sign in with TOTP but has none yet (new,
	// or reset): the session may only enrol it (and change the password).
	TOTPMissing bool
	UnitID      string // the unit (department or centre) the user works for, if any
	Grants      []Grant
}

// Has reports whether any grant carries perm.
func (p *Principal) Has(perm Perm) bool {
	if p == nil {
		return false
	}
	for _, g := range p.Grants {
		if slices.Contains(g.Perms, perm) {
			return true
		}
	}
	return false
}

// Scopes returns the org paths where the caller holds perm, with paths
// inside another returned path dropped.
func (p *Principal) Scopes(perm Perm) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, g := range p.Grants {
		if slices.Contains(g.Perms, perm) {
			out = append(out, g.OrgPath)
		}
	}
	slices.Sort(out)
	kept := out[:0]
	for _, s := range out {
		if len(kept) > 0 && strings.HasPrefix(s, kept[len(kept)-1]) {
			continue
		}
		kept = append(kept, s)
	}
	return kept
}

// Covers reports whether perm is held over the node whose path is given.
func (p *Principal) Covers(perm Perm, path string) bool {
	for _, s := range p.Scopes(perm) {
		if strings.HasPrefix(path, s) {
			return true
		}
	}
	return false
}

// RoleFor names the role through which the caller holds perm (for audit
// rows); the first role when perm is empty.
func (p *Principal) RoleFor(perm Perm) string {
	if p == nil {
		return ""
	}
	for _, g := range p.Grants {
		if perm == "" || slices.Contains(g.Perms, perm) {
			return g.Role
		}
	}
	return ""
}

// Permissions lists every permission the caller holds somewhere, sorted.
func (p *Principal) Permissions() []Perm { return PermsOf(p.Grants) }

type ctxKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal of ctx, or nil for an anonymous request.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}

// System is the principal of operator commands run on the server itself
// (gridgov user create …): every permission over the whole tree. Its actions
// are audited under the name "system".
func System() *Principal {
	all := make([]Perm, len(Catalogue))
	for i, c := range Catalogue {
		all[i] = c.Code
	}
	return &Principal{UserID: "system", Username: "system",
		Grants: []Grant{{Role: "system", OrgPath: "/", Perms: all}}}
}
