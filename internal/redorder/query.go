package redorder

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/pii"
)

func itoa(n int) string { return strconv.Itoa(n) }

// Order is a red order as its readers see it: the resident's name and
// phone masked (the phone in full only to the member serving it).
type Order struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Need          string `json:"need"`
	Address       string `json:"address"`
	Wanted        string `json:"wanted"`
	GridID        string `json:"grid_id"`
	GridName      string `json:"grid_name"`
	OrgID         string `json:"org_id"`
	OrgName       string `json:"org_name"`
	BranchID      string `json:"branch_id"`
	Branch        string `json:"branch"`
	Escalated     bool   `json:"escalated"` // given up to the committee above its branch
	Channel       string `json:"channel"`   // online, proxy
	Resident      string `json:"resident"`  // masked
	ResidentPhone string `json:"resident_phone,omitempty"`
	Status        string `json:"status"`
	Light         string `json:"light"`
	GroupID       string `json:"group_id,omitempty"`
	Group         string `json:"group,omitempty"`
	MemberID      string `json:"member_id,omitempty"`
	Member        string `json:"member,omitempty"`
	AcceptDue     *int64 `json:"accept_due,omitempty"`
	ServeDue      *int64 `json:"serve_due,omitempty"`
	PlacedAt      int64  `json:"placed_at"`
	AcceptedAt    *int64 `json:"accepted_at,omitempty"`
	ServedAt      *int64 `json:"served_at,omitempty"`
	DoneAt        *int64 `json:"done_at,omitempty"`
	Result        string `json:"result,omitempty"`
	Photos        int    `json:"photos"`
	Rating        *int   `json:"rating,omitempty"`
	Comment       string `json:"comment,omitempty"`
	ConfirmedBy   string `json:"confirmed_by,omitempty"`
	Late          bool   `json:"late"`
	HandedKind    string `json:"handed_kind,omitempty"`
	HandedRef     string `json:"handed_ref,omitempty"`
	Mine          bool   `json:"mine"` // placed by the caller
	Steps         []Step `json:"steps,omitempty"`
	Version       int    `json:"version"`
	path          string
	placedBy      string
	phoneSealed   string
	homeBranch    string
}

// Step is one thing that happened to an order.
type Step struct {
	Kind   string `json:"kind"`
	Org    string `json:"org,omitempty"`
	Member string `json:"member,omitempty"`
	Note   string `json:"note,omitempty"`
	At     int64  `json:"at"`
}

// Page is a list of orders with the count of each light.
type Page struct {
	Items  []Order        `json:"items"`
	Counts map[string]int `json:"counts"`
}

const orderCols = `o.id, o.kind, o.need, o.address, o.wanted, o.grid_id, g.name, o.org_id, n.name, o.branch_id, o.home_branch_id, o.channel,
	o.resident_name_masked, u.display_name, o.resident_phone_masked, o.resident_phone_sealed, o.status, COALESCE(o.group_id, ''), COALESCE(o.member_id, ''),
	o.accept_due, o.serve_due, o.placed_at, o.accepted_at, o.served_at, o.done_at, o.result, (SELECT COUNT(*) FROM red_order_photos ph WHERE ph.order_id = o.id),
	o.rating, o.comment, o.confirmed_by, o.late, o.handed_kind, o.handed_ref, o.version, o.path, o.placed_by`

const orderFrom = ` FROM red_orders o JOIN grids g ON g.id = o.grid_id JOIN org_nodes n ON n.id = o.org_id JOIN users u ON u.id = o.placed_by`

func (s *Service) orders(ctx context.Context, where string, args []any, limit int) ([]Order, error) {
	t, err := s.Times(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+orderCols+orderFrom+" WHERE "+where+" ORDER BY o.placed_at DESC, o.id LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	now := s.Now().UnixMilli()
	out := []Order{}
	var orgIDs, memberIDs []string
	for rows.Next() {
		var o Order
		var nameMasked, placer, phoneMasked string
		var late int
		if err := rows.Scan(&o.ID, &o.Kind, &o.Need, &o.Address, &o.Wanted, &o.GridID, &o.GridName, &o.OrgID, &o.OrgName, &o.BranchID, &o.homeBranch,
			&o.Channel, &nameMasked, &placer, &phoneMasked, &o.phoneSealed, &o.Status, &o.GroupID, &o.MemberID, &o.AcceptDue, &o.ServeDue, &o.PlacedAt,
			&o.AcceptedAt, &o.ServedAt, &o.DoneAt, &o.Result, &o.Photos, &o.Rating, &o.Comment, &o.ConfirmedBy, &late, &o.HandedKind, &o.HandedRef,
			&o.Version, &o.path, &o.placedBy); err != nil {
			rows.Close()
			return nil, err
		}
		o.Late, o.Escalated = late == 1, o.BranchID != o.homeBranch
		o.Resident, o.ResidentPhone = nameMasked, phoneMasked
		o.Mine = o.placedBy == authz.From(ctx).UserID
		if o.Channel == "online" {
			o.Resident = pii.MaskName(placer)
			if o.Mine {
				o.Resident = placer
			}
		}
		o.Light = Light(o.Status, o.AcceptDue, o.ServeDue, now, t)
		out = append(out, o)
		orgIDs = append(orgIDs, o.BranchID, o.GroupID)
		memberIDs = append(memberIDs, o.MemberID)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	q := s.db.Reader()
	orgs, err := party.OrgNames(ctx, q, orgIDs)
	if err != nil {
		return nil, err
	}
	members, err := party.MemberNames(ctx, q, memberIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Branch, out[i].Group, out[i].Member = orgs[out[i].BranchID], orgs[out[i].GroupID], members[out[i].MemberID]
	}
	return out, nil
}

// may reports how the caller may see an order: as its manager, its
// placer, a member who may take or has taken it, or the grid member of a
// return visit; "" when not at all.
func (s *Service) may(ctx context.Context, o Order) (string, error) {
	p := authz.From(ctx)
	switch {
	case p.Covers(authz.RedOrderManage, o.path):
		return "manager", nil
	case o.placedBy == p.UserID:
		return "placer", nil
	case o.Channel == "proxy" && p.Covers(authz.GridworkDo, o.path) && (o.Status == Served || o.Status == Done):
		return "visitor", nil
	}
	if !p.Covers(authz.RedOrderServe, o.path) {
		return "", nil
	}
	m, err := party.MemberOfUser(ctx, s.db.Reader(), p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if o.MemberID == m.ID {
		return "server", nil
	}
	if o.Status != Placed && o.Status != Assigned {
		return "", nil
	}
	b, err := party.BranchOf(ctx, s.db.Reader(), m)
	if err != nil {
		return "", err
	}
	ok, err := eligible(ctx, s.db.Reader(), m, b, row{branchID: o.BranchID, groupID: o.GroupID, memberID: o.MemberID})
	if ok {
		return "member", err
	}
	return "", err
}

// Get returns an order with its timeline to whoever may see it; anyone
// else is told there is no such order.
func (s *Service) Get(ctx context.Context, id string) (Order, error) {
	out, err := s.orders(ctx, "o.id = ?", []any{id}, 1)
	if err != nil {
		return Order{}, err
	}
	if len(out) == 0 {
		return Order{}, apperr.NotFoundf("red_order")
	}
	o := out[0]
	how, err := s.may(ctx, o)
	if err != nil {
		return Order{}, err
	}
	if how == "" {
		return Order{}, apperr.NotFoundf("red_order")
	}
	if how == "server" && o.Status == Accepted && o.phoneSealed != "" {
		// The member serving a 红色代办 calls the resident: the phone in full, audited.
		if ph, err := s.vault.Open("red_orders.resident_phone", o.ID, o.phoneSealed); err == nil {
			if err := s.audit.RecordAlone(ctx, s.db, authz.RedOrderServe, audit.Entry{Action: "redorder.phone_read", ObjectType: "red_order", ObjectID: o.ID}); err != nil {
				return Order{}, err
			}
			o.ResidentPhone = ph
		}
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT kind, party_org_id, member_id, note, at FROM red_order_steps WHERE order_id = ? ORDER BY at, id", id)
	if err != nil {
		return Order{}, err
	}
	var orgIDs, memberIDs []string
	for rows.Next() {
		var st Step
		if err := rows.Scan(&st.Kind, &st.Org, &st.Member, &st.Note, &st.At); err != nil {
			rows.Close()
			return Order{}, err
		}
		o.Steps = append(o.Steps, st)
		orgIDs, memberIDs = append(orgIDs, st.Org), append(memberIDs, st.Member)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Order{}, err
	}
	orgs, err := party.OrgNames(ctx, s.db.Reader(), orgIDs)
	if err != nil {
		return Order{}, err
	}
	members, err := party.MemberNames(ctx, s.db.Reader(), memberIDs)
	if err != nil {
		return Order{}, err
	}
	for i := range o.Steps {
		o.Steps[i].Org, o.Steps[i].Member = orgs[o.Steps[i].Org], members[o.Steps[i].Member]
	}
	return o, nil
}

// Query filters the branch's queue.
type Query struct {
	OrgID, BranchID, Status, Light string
	Limit                          int
}

func count(out []Order, light string) Page {
	pg := Page{Items: []Order{}, Counts: map[string]int{}}
	for _, o := range out {
		pg.Counts[o.Light]++
		if light == "" || o.Light == light {
			pg.Items = append(pg.Items, o)
		}
	}
	return pg
}

// Queue lists the orders of the caller's areas (redorder.manage), newest
// first, open ones unless a status is named, with their lights.
func (s *Service) Queue(ctx context.Context, q Query) (Page, error) {
	where, args := authz.ScopeSQL("o.path", authz.From(ctx).Scopes(authz.RedOrderManage))
	if q.OrgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.RedOrderManage, q.OrgID, "org_id")
		if err != nil {
			return Page{}, err
		}
		c, a := authz.Under("o.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	if q.BranchID != "" {
		where, args = where+" AND (o.branch_id = ? OR o.home_branch_id = ?)", append(args, q.BranchID, q.BranchID)
	}
	switch q.Status {
	case "", "open":
		where += " AND o.status IN ('placed', 'assigned', 'accepted', 'served')"
	case "all":
	case Placed, Assigned, Accepted, Served, Done, HandedOn:
		where, args = where+" AND o.status = ?", append(args, q.Status)
	default:
		return Page{}, apperr.Field("status", "validation.one_of", "values", "open, all, placed, assigned, accepted, served, done, handed_on")
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 200
	}
	out, err := s.orders(ctx, where, args, q.Limit)
	if err != nil {
		return Page{}, err
	}
	return count(out, q.Light), nil
}

// Mine lists the orders the caller placed (a resident's own orders, or a
// member's 红色代办 entries) within the areas they may still place orders in.
func (s *Service) Mine(ctx context.Context) (Page, error) {
	scope, args := authz.ScopeSQL("o.path", authz.From(ctx).Scopes(authz.RedOrderPlace))
	out, err := s.orders(ctx, scope+" AND o.placed_by = ?", append(args, authz.From(ctx).UserID), 200)
	if err != nil {
		return Page{}, err
	}
	return count(out, ""), nil
}

// Tasks lists a party member's orders: those the member may accept (held
// by their branch, given to their group or to them) and those they
// accepted and have not finished.
func (s *Service) Tasks(ctx context.Context) (Page, error) {
	m, b, err := s.member(ctx, s.db.Reader())
	if err != nil {
		return Page{}, err
	}
	scope, args := authz.ScopeSQL("o.path", authz.From(ctx).Scopes(authz.RedOrderServe))
	out, err := s.orders(ctx, scope+` AND (o.member_id = ? AND o.status IN ('assigned', 'accepted', 'served')
		OR o.member_id IS NULL AND o.status IN ('placed', 'assigned'))`, append(args, m.ID), 500)
	if err != nil {
		return Page{}, err
	}
	var keep []Order
	for _, o := range out {
		if o.MemberID == m.ID {
			keep = append(keep, o)
			continue
		}
		if ok, err := eligible(ctx, s.db.Reader(), m, b, row{branchID: o.BranchID, groupID: o.GroupID}); err != nil {
			return Page{}, err
		} else if ok {
			keep = append(keep, o)
		}
	}
	return count(keep, ""), nil
}

// ReturnVisits lists the 红色代办 orders served in the caller's grids' areas
// (gridwork.do) and waiting for the return visit that confirms them.
func (s *Service) ReturnVisits(ctx context.Context) (Page, error) {
	scope, args := authz.ScopeSQL("o.path", authz.From(ctx).Scopes(authz.GridworkDo))
	out, err := s.orders(ctx, scope+" AND o.channel = 'proxy' AND o.status = 'served'", args, 200)
	if err != nil {
		return Page{}, err
	}
	return count(out, ""), nil
}

// Figure is one month's figures of a branch or a member.
type Figure struct {
	Month     string   `json:"month"`
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Orders    int      `json:"orders"`
	Done      int      `json:"done"`
	OnTime    int      `json:"on_time"`
	OnTimePct *float64 `json:"on_time_pct,omitempty"` // of the done orders
	HandedOn  int      `json:"handed_on"`
	Rated     int      `json:"rated"`
	Rating    *float64 `json:"rating,omitempty"`        // the mean rating
	Satisfied *float64 `json:"satisfied_pct,omitempty"` // rated 4 or 5, of the rated
}

// Figures are the figures of an area month by month.
type Figures struct {
	By    string   `json:"by"`
	Items []Figure `json:"items"`
	Total Figure   `json:"total"`
}

// Figures counts the orders of an area (redorder.manage) month by month,
// by the branch they landed with (by=branch) or the member who served
// them (by=member), from one month to another (YYYY-MM, both included;
// the last twelve months when not given).
func (s *Service) Figures(ctx context.Context, orgID, by, from, to string) (Figures, error) {
	var f apperr.Fields
	if by == "" {
		by = "branch"
	}
	if by != "branch" && by != "member" {
		f.Add("by", "validation.one_of", "values", "branch, member")
	}
	now := s.Now().In(time.FixedZone("CST", 8*3600))
	if to == "" {
		to = now.Format("2006-01")
	}
	if from == "" {
		from = now.AddDate(0, -11, 0).Format("2006-01")
	}
	for field, v := range map[string]string{"from": from, "to": to} {
		if _, err := time.Parse("2006-01", v); err != nil {
			f.Add(field, "redorder.month")
		}
	}
	if err := f.Err(); err != nil {
		return Figures{}, err
	}
	where, args := authz.ScopeSQL("o.path", authz.From(ctx).Scopes(authz.RedOrderManage))
	if orgID != "" {
		path, err := org.PathIn(ctx, s.db.Reader(), authz.RedOrderManage, orgID, "org_id")
		if err != nil {
			return Figures{}, err
		}
		c, a := authz.Under("o.path", path)
		where, args = where+" AND "+c, append(args, a...)
	}
	key := "o.home_branch_id"
	if by == "member" {
		key = "o.member_id"
		where += " AND o.member_id IS NOT NULL"
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT o.month, `+key+`, COUNT(*),
		SUM(CASE WHEN o.status = 'done' THEN 1 ELSE 0 END), SUM(CASE WHEN o.status = 'done' AND o.late = 0 THEN 1 ELSE 0 END),
		SUM(CASE WHEN o.status = 'handed_on' THEN 1 ELSE 0 END), COUNT(o.rating), COALESCE(SUM(o.rating), 0),
		SUM(CASE WHEN o.rating >= 4 THEN 1 ELSE 0 END)
		FROM red_orders o WHERE `+where+` AND o.month >= ? AND o.month <= ? GROUP BY o.month, `+key+` ORDER BY o.month, `+key,
		append(args, from, to)...)
	if err != nil {
		return Figures{}, err
	}
	out := Figures{By: by, Items: []Figure{}, Total: Figure{Month: from + "…" + to}}
	var ids []string
	var sums []int
	totalSum := 0
	for rows.Next() {
		var fg Figure
		var sum, satisfied int
		if err := rows.Scan(&fg.Month, &fg.ID, &fg.Orders, &fg.Done, &fg.OnTime, &fg.HandedOn, &fg.Rated, &sum, &satisfied); err != nil {
			rows.Close()
			return Figures{}, err
		}
		finish(&fg, sum, satisfied)
		out.Items = append(out.Items, fg)
		ids, sums = append(ids, fg.ID), append(sums, satisfied)
		t := &out.Total
		t.Orders, t.Done, t.OnTime, t.HandedOn, t.Rated = t.Orders+fg.Orders, t.Done+fg.Done, t.OnTime+fg.OnTime, t.HandedOn+fg.HandedOn, t.Rated+fg.Rated
		totalSum += sum
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return Figures{}, err
	}
	sat := 0
	for _, v := range sums {
		sat += v
	}
	finish(&out.Total, totalSum, sat)
	var names map[string]string
	if by == "member" {
		names, err = party.MemberNames(ctx, s.db.Reader(), ids)
	} else {
		names, err = party.OrgNames(ctx, s.db.Reader(), ids)
	}
	if err != nil {
		return Figures{}, err
	}
	for i := range out.Items {
		out.Items[i].Name = names[out.Items[i].ID]
	}
	return out, nil
}

func finish(fg *Figure, ratingSum, satisfied int) {
	pct := func(a, b int) *float64 {
		if b == 0 {
			return nil
		}
		v := float64(int(float64(a)*1000/float64(b)+0.5)) / 10
		return &v
	}
	fg.OnTimePct = pct(fg.OnTime, fg.Done)
	fg.Satisfied = pct(satisfied, fg.Rated)
	if fg.Rated > 0 {
		v := float64(int(float64(ratingSum)*100/float64(fg.Rated)+0.5)) / 100
		fg.Rating = &v
	}
}

// Members lists whom an order's branch may give it to: the members of the
// organisation holding it and of those under it, and its groups.
func (s *Service) Members(ctx context.Context, id string) (Assignees, error) {
	r, err := s.row(ctx, s.db.Reader(), id)
	if err != nil {
		return Assignees{}, err
	}
	if !authz.From(ctx).Covers(authz.RedOrderManage, r.path) {
		return Assignees{}, apperr.NotFoundf("red_order")
	}
	ms, err := party.MembersUnder(ctx, s.db.Reader(), r.branchID)
	if err != nil {
		return Assignees{}, err
	}
	out := Assignees{Members: []Assignee{}, Groups: []Assignee{}}
	for _, m := range ms {
		out.Members = append(out.Members, Assignee{ID: m.ID, Name: m.Name, OrgID: m.PartyOrgID})
	}
	queue := []string{r.branchID}
	for len(queue) > 0 {
		cs, err := party.Children(ctx, s.db.Reader(), queue[0])
		if err != nil {
			return Assignees{}, err
		}
		queue = queue[1:]
		for _, c := range cs {
			queue = append(queue, c.ID)
			if c.Kind == party.Group {
				out.Groups = append(out.Groups, Assignee{ID: c.ID, Name: c.Name})
			}
		}
	}
	names, err := party.OrgNames(ctx, s.db.Reader(), func() []string {
		var ids []string
		for _, m := range out.Members {
			ids = append(ids, m.OrgID)
		}
		return ids
	}())
	if err != nil {
		return Assignees{}, err
	}
	for i := range out.Members {
		out.Members[i].Org = names[out.Members[i].OrgID]
	}
	return out, nil
}

// Assignee is a member or a group an order may be given to.
type Assignee struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	OrgID string `json:"-"`
	Org   string `json:"org,omitempty"`
}

// Assignees are the members and groups under an order's branch.
type Assignees struct {
	Members []Assignee `json:"members"`
	Groups  []Assignee `json:"groups"`
}

// Places are the grids an order may be placed in.
type Places struct {
	Items []org.GridRef `json:"items"`
}

// Places lists the grids under the caller's redorder.place grants (a
// resident's village), at most 300.
func (s *Service) Places(ctx context.Context) (Places, error) {
	out := Places{Items: []org.GridRef{}}
	for _, path := range authz.From(ctx).Scopes(authz.RedOrderPlace) {
		gs, err := org.MainGridRefsUnder(ctx, s.db.Reader(), path)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, gs...)
		if len(out.Items) >= 300 {
			out.Items = out.Items[:300]
			break
		}
	}
	return out, nil
}
