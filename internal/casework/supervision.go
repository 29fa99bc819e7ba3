package casework

import (
	"cmp"
	"context"
	"database/sql"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/pii"
)

// The supervision list's groups, in the order the Monday meeting (周一集中
// 督办日) takes them.
const (
	GroupOrderOverdue = "order_overdue" // a supervision order past its own deadline
	GroupEventOverdue = "event_overdue" // the event's stage deadline has passed (red light)
	GroupSupervised   = "supervised"    // supervised, within the order's deadline
)

var groupRank = map[string]int{GroupOrderOverdue: 0, GroupEventOverdue: 1, GroupSupervised: 2}

// MaxSupervisionRows is how many lines the supervision list holds: more is
// no meeting's agenda, and the caller narrows it by area.
const MaxSupervisionRows = 2000

// SupervisionRow is one line of the supervision list (督办清单): an open
// supervision order of an open event, or an overdue event that no order
// covers. The description is masked as on paper: the list is shown to a
// meeting.
type SupervisionRow struct {
	Group        string `json:"group"`
	EventID      string `json:"event_id"`
	No           string `json:"no"`
	CategoryName string `json:"category_name"`
	State        string `json:"state"`
	Stage        string `json:"stage"`
	Light        string `json:"light"`
	OrgName      string `json:"org_name"`
	LeadUnitName string `json:"lead_unit_name"`
	StageDueAt   *int64 `json:"stage_due_at,omitempty"`
	Description  string `json:"description"`
	// The supervision order, absent on an overdue event's line.
	OrderID      string `json:"order_id,omitempty"`
	OrderDueAt   *int64 `json:"order_due_at,omitempty"`
	OrderOverdue bool   `json:"order_overdue"`
	By           string `json:"by,omitempty"`
	SupervisedAt *int64 `json:"supervised_at,omitempty"`
	Note         string `json:"note,omitempty"`
}

// SupervisionList is the list and whether it was cut at its maximum.
type SupervisionList struct {
	Items  []SupervisionRow `json:"items"`
	Capped bool             `json:"capped"`
}

// supervisionScope is the condition that the caller sees an event on the
// list: its area under event.read or event.supervise. Units and reporters
// have their own lists; this one is the centre's.
func supervisionScope(p *authz.Principal) (string, []any, error) {
	if !p.Has(authz.EventRead) && !p.Has(authz.EventSupervise) {
		return "", nil, apperr.E(apperr.Forbidden, "auth.forbidden", "perm", authz.EventSupervise)
	}
	scopes := append(slices.Clone(p.Scopes(authz.EventRead)), p.Scopes(authz.EventSupervise)...)
	cond, args := authz.ScopeSQL("e.path", scopes)
	return cond, args, nil
}

// Supervision returns every open event in the caller's area (under orgID
// when given) that is supervised or overdue: first the supervision orders
// past their deadline, then the overdue events, then the supervised ones,
// each group the most pressing deadline first.
func (s *Service) Supervision(ctx context.Context, orgID string) (SupervisionList, error) {
	scope, args, err := supervisionScope(authz.From(ctx))
	if err != nil {
		return SupervisionList{}, err
	}
	where := []string{"e.state IN " + OpenStatesSQL, scope}
	if orgID != "" {
		path, err := org.PathOf(ctx, s.db.Reader(), orgID, "org_id")
		if err != nil {
			return SupervisionList{}, err
		}
		under, uargs := authz.Under("e.path", path)
		where = append(where, under)
		args = append(args, uargs...)
	}
	now := s.Now().UnixMilli()
	where = append(where, "(so.id IS NOT NULL OR (e.parked = ? AND e.stage_due_at <= ?))")
	args = append(args, false, now)
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+eventCols+`, COALESCE(so.id, ''), so.due_at, so.created_at, COALESCE(so.by_name, ''), COALESCE(so.note, '')`+
		eventFrom+` LEFT JOIN supervisions so ON so.event_id = e.id AND so.closed_at IS NULL
		WHERE `+strings.Join(where, " AND ")+" LIMIT "+strconv.Itoa(MaxSupervisionRows+1), args...)
	if err != nil {
		return SupervisionList{}, err
	}
	defer rows.Close()
	out := SupervisionList{Items: []SupervisionRow{}}
	for rows.Next() {
		var r SupervisionRow
		var due, at sql.NullInt64
		e, err := scanEvent(withMore{rows, []any{&r.OrderID, &due, &at, &r.By, &r.Note}})
		if err != nil {
			return SupervisionList{}, err
		}
		e.Light = light(&e, now)
		r.EventID, r.No, r.CategoryName, r.State, r.Stage, r.Light = e.ID, e.No, e.CategoryName, e.State, e.Stage, e.Light
		r.OrgName, r.LeadUnitName, r.StageDueAt, r.Description = e.OrgName, e.LeadUnitName, e.StageDueAt, pii.MaskText(e.Description)
		r.OrderDueAt, r.SupervisedAt = ptr(due), ptr(at)
		r.Note = pii.MaskText(r.Note)
		// The order's light is read live, as the event's is: the sweep that
		// writes "督办逾期" on the timeline may run a minute later.
		r.OrderOverdue = r.OrderDueAt != nil && *r.OrderDueAt <= now
		switch {
		case r.OrderOverdue:
			r.Group = GroupOrderOverdue
		case e.Light == "red":
			r.Group = GroupEventOverdue
		default:
			r.Group = GroupSupervised
		}
		out.Items = append(out.Items, r)
	}
	if err := rows.Err(); err != nil {
		return SupervisionList{}, err
	}
	slices.SortFunc(out.Items, func(a, b SupervisionRow) int {
		return cmp.Or(cmp.Compare(groupRank[a.Group], groupRank[b.Group]), cmp.Compare(a.deadline(), b.deadline()), cmp.Compare(a.No, b.No))
	})
	if len(out.Items) > MaxSupervisionRows {
		out.Items, out.Capped = out.Items[:MaxSupervisionRows], true
	}
	return out, nil
}

// deadline is the line's most pressing deadline: the order's, else the
// stage's.
func (r SupervisionRow) deadline() int64 {
	if r.Group != GroupEventOverdue && r.OrderDueAt != nil {
		return *r.OrderDueAt
	}
	if r.StageDueAt != nil {
		return *r.StageDueAt
	}
	return 0
}

// withMore scans an event's columns and then more.
type withMore struct {
	rows *sql.Rows
	more []any
}

func (w withMore) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.more...)...) }

// supervisionColumns are the sheet's columns, named by the page's keys.
var supervisionColumns = []struct {
	key   string
	width float64
}{
	{"ui.supervision.group", 12}, {"ui.event.no", 14}, {"ui.event.category", 16}, {"ui.event.state", 10}, {"ui.event.light", 8},
	{"ui.event.area", 16}, {"ui.event.lead_unit", 18}, {"ui.supervision.order_due", 17}, {"ui.supervision.by", 10},
	{"ui.supervision.at", 17}, {"ui.supervision.note", 30}, {"ui.event.due", 17}, {"ui.event.description", 40},
}

// WriteSupervision writes the supervision list (under orgID when given) to
// w as a spreadsheet in lang for the Monday meeting, watermarked with who
// exported it and when, and audits the export with its row count.
func (s *Service) WriteSupervision(ctx context.Context, w io.Writer, orgID, lang string) (int, error) {
	list, err := s.Supervision(ctx, orgID)
	if err != nil {
		return 0, err
	}
	p := authz.From(ctx)
	note := ""
	if orgID != "" {
		if name, err := org.NameOf(ctx, s.db.Reader(), orgID); err == nil {
			note = "org=" + name
		}
	}
	sheet := excel.Sheet{Name: i18n.T(lang, "ui.menu.supervision", nil)}
	for _, c := range supervisionColumns {
		sheet.Columns = append(sheet.Columns, excel.Column{Title: i18n.T(lang, c.key, nil), Width: c.width})
	}
	out, err := excel.NewWriter(w, excel.XLSX, sheet, excel.Watermark{Who: p.DisplayName + "（" + p.Username + "）", At: s.Now().In(Zone), Note: note})
	if err != nil {
		return 0, err
	}
	at := func(ms *int64) string {
		if ms == nil {
			return ""
		}
		return timeText(*ms)
	}
	for _, r := range list.Items {
		stageDue := ""
		if r.StageDueAt != nil {
			stageDue = i18n.T(lang, "stage."+r.Stage, nil) + " " + timeText(*r.StageDueAt)
		}
		if err := out.Row([]string{i18n.T(lang, "ui.supervision.group_"+r.Group, nil), r.No, r.CategoryName, i18n.T(lang, "state."+r.State, nil),
			i18n.T(lang, "light."+r.Light, nil), r.OrgName, r.LeadUnitName, at(r.OrderDueAt), r.By, at(r.SupervisedAt), r.Note,
			stageDue, r.Description}); err != nil {
			out.Close()
			return 0, err
		}
	}
	if err := out.Close(); err != nil {
		return 0, err
	}
	perm := authz.EventRead
	if !p.Has(perm) {
		perm = authz.EventSupervise
	}
	err = s.audit.RecordAlone(ctx, s.db, perm, audit.Entry{Action: "event.export", ObjectType: "supervision_list",
		Detail: strings.TrimSpace("rows " + strconv.Itoa(len(list.Items)) + " " + note)})
	return len(list.Items), err
}
