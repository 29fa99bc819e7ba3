// Package casework is the closed loop every 综治中心, 12345 hotline and 数字城管
// centre runs: events come in from every channel, are verified and filed,
// dispatched by rule to the right unit, signed for, handled, re-checked on
// site and closed, with working-time deadlines per stage, yellow and red
// lights, supervision and the resident's rating. Every transition is one
// transaction that checks the event's version, appends to its timeline and
// writes the audit log.
package casework

import "encoding/json"

// States of an event.
const (
	Reported   = "reported"   // 待受理
	Filed      = "filed"      // 已立案, 待派遣
	Dispatched = "dispatched" // 已派遣, 待签收
	Handling   = "handling"   // 处置中
	Handled    = "handled"    // 已反馈, 待核查
	Closed     = "closed"     // 已结案
	Refused    = "refused"    // 不予立案
	Merged     = "merged"     // 已合并
)

// Stages are the timed steps of the loop; each state waits on one.
var stageOf = map[string]string{Reported: "intake", Filed: "dispatch", Dispatched: "sign", Handling: "handle", Handled: "check"}

// Open reports whether a state still needs work.
func Open(state string) bool { return stageOf[state] != "" }

// Channels events come in by.
var Channels = []string{"grid", "resident", "hotline", "police110", "petition", "video", "iot", "upper", "open311", "leader", "elderly", "walk_in", "volunteer"}

// Levels from the bottom: where a matter is handled ("小事不出村、大事不出镇"),
// up to the city's 综治中心, the last a matter can be escalated to.
var Levels = []string{"village", "town", "county", "city"}

// Ratings a resident gives.
var Ratings = []string{"satisfied", "basically", "dissatisfied"}

// Event is an event as lists and details show it.
type Event struct {
	ID           string `json:"id"`
	No           string `json:"no"`
	Channel      string `json:"channel"`
	CategoryCode string `json:"category_code"`
	CategoryName string `json:"category_name"`
	Urgency      string `json:"urgency"`
	State        string `json:"state"`
	Description  string `json:"description"`
	// PublicDescription is what the public faces show instead of the
	// description; Published is the intake desk's decision (see public.go).
	PublicDescription string   `json:"public_description"`
	Published         bool     `json:"published"`
	Address           string   `json:"address"`
	Lat               *float64 `json:"lat"`
	Lng               *float64 `json:"lng"`
	GridID            string   `json:"grid_id"`
	GridCode          string   `json:"grid_code"`
	GridName          string   `json:"grid_name"`
	OrgID             string   `json:"org_id"`
	OrgName           string   `json:"org_name"`
	Level             string   `json:"level"`
	LeadUnitID        string   `json:"lead_unit_id"`
	LeadUnitName      string   `json:"lead_unit_name"`
	Stage             string   `json:"stage"`
	StageDueAt        *int64   `json:"stage_due_at"`
	DueAt             *int64   `json:"due_at"`
	Light             string   `json:"light"`
	// StageDueDays is the calendar days in China from today to the stage
	// deadline's date: 0 due today, negative overdue; null without one.
	StageDueDays *int `json:"stage_due_days"`
	Supervised   bool `json:"supervised"`
	// SuperviseOverdue: an open supervision order of the event is past its
	// own deadline (督办逾期), a red flag on the page and the list.
	SuperviseOverdue bool              `json:"supervise_overdue"`
	LeaderCase       bool              `json:"leader_case"`
	Parked           bool              `json:"parked"`
	Extension        int               `json:"extension_requested_hours"`
	ReporterName     string            `json:"reporter_name"`
	ReporterID       string            `json:"-"`
	Attributes       map[string]string `json:"attributes"`
	MediaURL         string            `json:"media_url,omitempty"`
	ResolvedAt       string            `json:"resolved_level,omitempty"`
	Rating           *string           `json:"rating"`
	CreatedAt        int64             `json:"created_at"`
	ClosedAt         *int64            `json:"closed_at"`
	Version          int               `json:"version"`
	Units            []EventUnit       `json:"units,omitempty"`
	Timeline         []LogEntry        `json:"timeline,omitempty"`
	Duplicates       []Event           `json:"duplicates,omitempty"`
	// MergedInto is the event a merged event went into; MergedFrom the
	// events merged into this one (each only when the caller sees it).
	MergedInto *EventRef  `json:"merged_into,omitempty"`
	MergedFrom []EventRef `json:"merged_from,omitempty"`
	// OwnResult: the caller reported this event's result, and separation of
	// duties keeps them from re-checking it (the page offers no re-check).
	OwnResult bool `json:"own_result,omitempty"`
	path      string
	warnAt    *int64
}

// EventRef names another event: a merge's target or source.
type EventRef struct {
	ID    string `json:"id"`
	No    string `json:"no"`
	State string `json:"state"`
}

// EventUnit is one unit an event was sent to.
type EventUnit struct {
	UnitID   string `json:"unit_id"`
	UnitName string `json:"unit_name"`
	Lead     bool   `json:"lead"`
	State    string `json:"state"`
	DueAt    *int64 `json:"due_at"`
	SignedAt *int64 `json:"signed_at"`
	DoneAt   *int64 `json:"done_at"`
}

// LogEntry is one step of an event's timeline.
type LogEntry struct {
	Seq       int    `json:"seq"`
	At        int64  `json:"at"`
	Actor     string `json:"actor"`
	Role      string `json:"role"`
	Action    string `json:"action"`
	FromState string `json:"from_state"`
	ToState   string `json:"to_state"`
	UnitName  string `json:"unit_name"`
	Note      string `json:"note"`
	// PublicNote is what staff wrote for the public about the step; the
	// note above is internal and never published.
	PublicNote string  `json:"public_note"`
	Media      []Media `json:"media"`
}

// Media is a photo attached to an event.
type Media struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

// Report is the body that creates an event.
type Report struct {
	// Channel defaults to the account's own (resident or grid); only the
	// intake desk names another (see checkReporter).
	Channel       string            `json:"channel"`
	CategoryCode  string            `json:"category_code"`
	Urgency       string            `json:"urgency,omitempty"`
	Description   string            `json:"description"`
	Lat           *float64          `json:"lat,omitempty"`
	Lng           *float64          `json:"lng,omitempty"`
	Address       string            `json:"address,omitempty"`
	ReporterName  string            `json:"reporter_name,omitempty"`
	ReporterPhone string            `json:"reporter_phone,omitempty"`
	Attributes    map[string]string `json:"attributes,omitempty"`
	MediaURL      string            `json:"media_url,omitempty"` // a public http(s) URL of a photo or page (Open311)
	SelfResolved  bool              `json:"self_resolved,omitempty"`
	// Direct sends a major matter straight to the county centre, past the
	// village and town (直报).
	Direct bool   `json:"direct,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Action is the body of POST /events/{id}/actions.
type Action struct {
	Action       string   `json:"action"`
	Version      int      `json:"version"`
	Note         string   `json:"note,omitempty"`
	CategoryCode string   `json:"category_code,omitempty"`
	Urgency      string   `json:"urgency,omitempty"`
	UnitIDs      []string `json:"unit_ids,omitempty"`
	LeadUnitID   string   `json:"lead_unit_id,omitempty"`
	IntoID       string   `json:"into_id,omitempty"`
	Hours        int      `json:"hours,omitempty"`
	Rating       string   `json:"rating,omitempty"`
	// PublicNote is a note for the public about the step (status_notes and
	// updates on Open311), apart from the internal note.
	PublicNote string `json:"public_note,omitempty"`
	// Publish is the intake desk's decision when filing (or with the
	// publish action): true publishes the event with PublicDescription,
	// false keeps it private; absent leaves it as it is.
	Publish           *bool  `json:"publish,omitempty"`
	PublicDescription string `json:"public_description,omitempty"`
}

// Category is one class of event with its time limits.
type Category struct {
	Code             string                       `json:"code"`
	ParentCode       string                       `json:"parent_code"`
	Name             string                       `json:"name"`
	Level            int                          `json:"level"`
	DefaultUnitCode  string                       `json:"default_unit_code"`
	Limits           map[string]map[string]string `json:"limits"`
	ClosingCriterion string                       `json:"closing_criterion"`
	Attributes       []Attribute                  `json:"attributes"`
	Active           bool                         `json:"active"`
}

// Attribute is an extra field of a category (an Open311 attribute).
type Attribute struct {
	Code        string      `json:"code"`
	Datatype    string      `json:"datatype"`
	Required    bool        `json:"required"`
	Description string      `json:"description"`
	Values      []AttrValue `json:"values,omitempty"`
}

// AttrValue is one choice of a list attribute.
type AttrValue struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// The kinds of unit. A centre (综治中心) serves an area at every level; the
// county's departments (职能部门) are dispatched to from the county; the town's
// 派出所, 司法所 and 人民法庭 (or 法官工作站) and the village's 人民调解委员会 and
// 法官工作室 are the places a dispute is taken to on the spot.
const (
	KindCenter      = "center"
	KindDepartment  = "department"
	KindPolice      = "police_station"
	KindJustice     = "justice_office"
	KindTribunal    = "tribunal"
	KindMediation   = "mediation_committee"
	KindJudgeStudio = "judge_studio"
)

// Unit is a centre, a department or a dispute unit of an area.
type Unit struct {
	ID    string `json:"id"`
	Code  string `json:"code"`
	Name  string `json:"name"`
	Kind  string `json:"kind"`
	Level string `json:"level"`
	OrgID string `json:"org_id"`
	path  string
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
