package campaign

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// CampaignKinds are what a campaign can check.
var CampaignKinds = []string{"rental_houses", "houses", "people", "households", "units"}

// ItemResults are what a member records for an item.
var ItemResults = []string{"checked", "changed", "gone"}

// campaignSource is the register table and label of each campaign kind.
var campaignSource = map[string]campaignSrc{
	"rental_houses": {"houses", "house", "a.text || ' ' || x.room_masked", " AND x.purpose = 'rental'"},
	"houses":        {"houses", "house", "a.text || ' ' || x.room_masked", ""},
	"people":        {"people", "person", "x.name || ' ' || x.id_masked", ""},
	"households":    {"households", "household", "x.no || ' ' || x.address", ""},
	"units":         {"register_units", "unit", "x.name", ""},
}

type campaignSrc struct{ table, recordType, label, where string }

func (src campaignSrc) from() string {
	if src.table == "houses" {
		return " FROM houses x JOIN addresses a ON a.id = x.address_id"
	}
	return " FROM " + src.table + " x"
}

// CampaignInput launches a campaign.
type CampaignInput struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	OrgID   string   `json:"org_id"`             // the launching area (a town)
	GridIDs []string `json:"grid_ids,omitempty"` // main-layer grids; empty = every grid of the area
	DueDate string   `json:"due_date"`           // YYYY-MM-DD
}

// Tally counts items by result.
type Tally struct {
	Total   int `json:"total"`
	Pending int `json:"pending"`
	Checked int `json:"checked"`
	Changed int `json:"changed"`
	Gone    int `json:"gone"`
	New     int `json:"new"`
}

func (t *Tally) add(result string, n int) {
	t.Total += n
	switch result {
	case "pending":
		t.Pending += n
	case "checked":
		t.Checked += n
	case "changed":
		t.Changed += n
	case "gone":
		t.Gone += n
	case "new":
		t.New += n
	}
}

// Campaign is a campaign with its totals over the items the caller may see.
type Campaign struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	OrgID     string `json:"org_id"`
	OrgName   string `json:"org_name"`
	DueDate   string `json:"due_date"`
	Status    string `json:"status"`
	CreatedBy string `json:"created_by"`
	CreatedAt int64  `json:"created_at"`
	ClosedAt  *int64 `json:"closed_at"`
	Tally
	Grids []GridTally `json:"grids,omitempty"`
	path  string
}

// GridTally is one grid's progress.
type GridTally struct {
	GridID   string `json:"grid_id"`
	GridName string `json:"grid_name"`
	Tally
}

// CampaignItem is one record to check.
type CampaignItem struct {
	ID        string `json:"id"`
	GridID    string `json:"grid_id"`
	GridName  string `json:"grid_name"`
	RecordID  string `json:"record_id"`
	Label     string `json:"label"`
	Result    string `json:"result"`
	Note      string `json:"note"`
	CheckedBy string `json:"checked_by"`
	CheckedAt *int64 `json:"checked_at"`
}

// ItemInput records a result, or (for a new item) names the record found.
type ItemInput struct {
	Result   string `json:"result,omitempty"`
	RecordID string `json:"record_id,omitempty"`
	Note     string `json:"note,omitempty"`
}

// LaunchCampaign takes the snapshot of the records and opens the campaign.
func (s *Service) LaunchCampaign(ctx context.Context, in CampaignInput) (Campaign, error) {
	p := authz.From(ctx)
	in.Name = strings.TrimSpace(in.Name)
	var f apperr.Fields
	if in.Name == "" {
		f.Add("name", "registry.required")
	}
	regkit.CheckLen(&f, "name", in.Name, 100)
	regkit.OneOf(&f, "kind", in.Kind, CampaignKinds, true)
	if in.DueDate == "" {
		f.Add("due_date", "registry.required")
	} else if _, err := time.Parse("2006-01-02", in.DueDate); err != nil || in.DueDate < s.reg.Now().In(regkit.Shanghai).Format("2006-01-02") {
		f.Add("due_date", "registry.due_date_invalid")
	}
	var path string
	if in.OrgID == "" {
		f.Add("org_id", "registry.required")
	} else {
		var err error
		path, err = org.PathIn(ctx, s.db.Reader(), authz.RegistryCampaign, in.OrgID, "org_id")
		if apperr.Is(err, "org.not_found") {
			f.Add("org_id", "registry.link_unknown")
		} else if err != nil {
			return Campaign{}, err
		}
	}
	if err := f.Err(); err != nil {
		return Campaign{}, err
	}
	grids, err := s.campaignGrids(ctx, path, in.GridIDs)
	if err != nil {
		return Campaign{}, err
	}
	src := campaignSource[in.Kind]
	id, now := db.NewID(), s.reg.Now().UnixMilli()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (id, name, kind, org_id, path, due_date, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, in.Name, in.Kind, in.OrgID, path, in.DueDate, p.UserID, now); err != nil {
			return err
		}
		for _, g := range grids {
			if _, err := tx.ExecContext(ctx, "INSERT INTO campaign_grids (campaign_id, grid_id) VALUES (?, ?)", id, g); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_items (id, campaign_id, grid_id, path, record_id, label)
				SELECT ? || x.id, ?, x.grid_id, x.path, x.id, `+src.label+src.from()+` WHERE x.grid_id = ? AND x.status = 'active'`+src.where,
				id+"-", id, g); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.RegistryCampaign, "registry.campaign_launch", "campaign", id, in.Kind)
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, id)
}

// campaignGrids checks the chosen grids lie in the area, or lists all of them.
func (s *Service) campaignGrids(ctx context.Context, path string, ids []string) ([]string, error) {
	all, err := org.MainGridsUnder(ctx, s.db.Reader(), path)
	if err != nil {
		return nil, err
	}
	in := map[string]bool{}
	for _, id := range all {
		in[id] = true
	}
	if len(ids) == 0 {
		if len(all) == 0 {
			return nil, apperr.Field("grid_ids", "registry.required")
		}
		return all, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !in[id] {
			return nil, apperr.Field("grid_ids", "registry.link_unknown")
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

const campaignCols = `c.id, c.name, c.kind, c.org_id, o.name, c.due_date, c.status, u.display_name, c.created_at, c.closed_at, c.path
	FROM campaigns c JOIN org_nodes o ON o.id = c.org_id JOIN users u ON u.id = c.created_by`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var closed sql.NullInt64
	err := sc.Scan(&c.ID, &c.Name, &c.Kind, &c.OrgID, &c.OrgName, &c.DueDate, &c.Status, &c.CreatedBy, &c.CreatedAt, &closed, &c.path)
	c.ClosedAt = regkit.Ptr(closed)
	return c, err
}

// visible is the condition on campaign c that the caller may see it: they
// launch campaigns over its area, or read registers where it has items.
func visible(p *authz.Principal) (string, []any) {
	own, oargs := authz.ScopeSQL("c.path", p.Scopes(authz.RegistryCampaign))
	items, iargs := authz.ScopeSQL("i.path", p.Scopes(authz.RegistryRead))
	return "(" + own + " OR EXISTS (SELECT 1 FROM campaign_items i WHERE i.campaign_id = c.id AND " + items + "))", append(oargs, iargs...)
}

// Campaigns lists the campaigns the caller may see, newest first, with totals.
func (s *Service) Campaigns(ctx context.Context, status string) ([]Campaign, error) {
	cond, args := visible(authz.From(ctx))
	if status != "" {
		cond += " AND c.status = ?"
		args = append(args, status)
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+campaignCols+" WHERE "+cond+" ORDER BY c.created_at DESC LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	out := []Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.tally(ctx, &out[i], false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Campaign returns one campaign with its totals per grid.
func (s *Service) Campaign(ctx context.Context, id string) (Campaign, error) {
	c, err := s.visibleCampaign(ctx, id)
	if err != nil {
		return c, err
	}
	return c, s.tally(ctx, &c, true)
}

// visibleCampaign loads a campaign the caller may see, without its totals.
func (s *Service) visibleCampaign(ctx context.Context, id string) (Campaign, error) {
	cond, args := visible(authz.From(ctx))
	c, err := scanCampaign(s.db.Reader().QueryRowContext(ctx, "SELECT "+campaignCols+" WHERE c.id = ? AND "+cond, append([]any{id}, args...)...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("campaign")
	}
	return c, err
}

// itemScope is the condition on items i the caller may see: all of them
// for whoever runs the campaign, their own grids' for a member.
func itemScope(p *authz.Principal, c Campaign) (string, []any) {
	if p.Covers(authz.RegistryCampaign, c.path) {
		return "1=1", nil
	}
	return authz.ScopeSQL("i.path", p.Scopes(authz.RegistryRead))
}

// tally counts the items the caller may see (itemScope).
func (s *Service) tally(ctx context.Context, c *Campaign, perGrid bool) error {
	p := authz.From(ctx)
	cond, args := itemScope(p, *c)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT cg.grid_id, g.name, COALESCE(i.result, ''), count(i.id) FROM campaign_grids cg JOIN grids g ON g.id = cg.grid_id
		LEFT JOIN campaign_items i ON i.campaign_id = cg.campaign_id AND i.grid_id = cg.grid_id
		WHERE cg.campaign_id = ? AND (i.id IS NULL OR `+cond+`) GROUP BY cg.grid_id, g.name, i.result ORDER BY g.name`, append([]any{c.ID}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	c.Tally = Tally{}
	byGrid := map[string]int{}
	for rows.Next() {
		var gid, name, result string
		var n int
		if err := rows.Scan(&gid, &name, &result, &n); err != nil {
			return err
		}
		c.add(result, n)
		if !perGrid {
			continue
		}
		i, ok := byGrid[gid]
		if !ok {
			if !p.Covers(authz.RegistryCampaign, c.path) && n == 0 {
				continue // an empty grid of someone else's area
			}
			i = len(c.Grids)
			byGrid[gid] = i
			c.Grids = append(c.Grids, GridTally{GridID: gid, GridName: name})
		}
		c.Grids[i].add(result, n)
	}
	return rows.Err()
}

// ItemQuery filters a campaign's items.
type ItemQuery struct {
	GridID, Result, ItemID, After string
	Limit                         int
}

// CampaignItems lists a campaign's items in the caller's scope.
func (s *Service) CampaignItems(ctx context.Context, id string, f ItemQuery) ([]CampaignItem, string, error) {
	c, err := s.visibleCampaign(ctx, id)
	if err != nil {
		return nil, "", err
	}
	p := authz.From(ctx)
	cond, args := itemScope(p, c)
	q := " AND i.campaign_id = ?"
	args = append(args, id)
	for col, v := range map[string]string{"i.grid_id": f.GridID, "i.result": f.Result, "i.id": f.ItemID} {
		if v != "" {
			q += " AND " + col + " = ?"
			args = append(args, v)
		}
	}
	pa, pargs := "", []any(nil)
	if f.After != "" {
		pa, pargs = " AND i.id > ?", []any{f.After}
	}
	limit := regkit.ClampLimit(f.Limit)
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT i.id, i.grid_id, g.name, i.record_id, i.label, i.result, i.note, COALESCE(u.display_name, ''), i.checked_at
		FROM campaign_items i JOIN grids g ON g.id = i.grid_id LEFT JOIN users u ON u.id = i.checked_by WHERE `+cond+q+pa+` ORDER BY i.id LIMIT ?`,
		append(append(args, pargs...), limit+1)...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	out := []CampaignItem{}
	for rows.Next() {
		var it CampaignItem
		var at sql.NullInt64
		if err := rows.Scan(&it.ID, &it.GridID, &it.GridName, &it.RecordID, &it.Label, &it.Result, &it.Note, &it.CheckedBy, &at); err != nil {
			return nil, "", err
		}
		it.CheckedAt = regkit.Ptr(at)
		out = append(out, it)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, rows.Err()
}

// RecordItem records what a member found for one item. Gone takes the
// record out of the register (a person counts as moved out).
func (s *Service) RecordItem(ctx context.Context, campaignID, itemID string, in ItemInput) (CampaignItem, error) {
	var f apperr.Fields
	regkit.OneOf(&f, "result", in.Result, ItemResults, true)
	regkit.CheckLen(&f, "note", in.Note, 500)
	if err := f.Err(); err != nil {
		return CampaignItem{}, err
	}
	p := authz.From(ctx)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.campaignRow(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		var path, recordID, was string
		err = tx.QueryRowContext(ctx, "SELECT path, record_id, result FROM campaign_items WHERE id = ? AND campaign_id = ?", itemID, campaignID).Scan(&path, &recordID, &was)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.RegistryWrite, path)) {
			return apperr.NotFoundf("campaign_item")
		}
		if err != nil {
			return err
		}
		if err := c.takesResults(); err != nil {
			return err
		}
		if was == "gone" || (was == "new" && in.Result == "gone") {
			return apperr.E(apperr.Conflict, "registry.item_final", "result", was)
		}
		result := in.Result
		if was == "new" {
			result = "new" // a new record stays counted as new; the note may change
		}
		if _, err := tx.ExecContext(ctx, "UPDATE campaign_items SET result = ?, note = ?, checked_by = ?, checked_at = ? WHERE id = ?",
			result, in.Note, p.UserID, s.reg.Now().UnixMilli(), itemID); err != nil {
			return err
		}
		if in.Result == "gone" {
			if err := s.reg.Retire(ctx, tx, campaignSource[c.Kind].recordType, recordID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.campaign_item", "campaign", campaignID, itemID+" "+in.Result)
	})
	if err != nil {
		return CampaignItem{}, err
	}
	return s.campaignItem(ctx, campaignID, itemID)
}

// AddNewItem adds a record found on site that the snapshot lacked (entered
// in the register first); it counts as new.
func (s *Service) AddNewItem(ctx context.Context, campaignID string, in ItemInput) (CampaignItem, error) {
	var f apperr.Fields
	if in.RecordID == "" {
		f.Add("record_id", "registry.required")
	}
	regkit.CheckLen(&f, "note", in.Note, 500)
	if err := f.Err(); err != nil {
		return CampaignItem{}, err
	}
	p := authz.From(ctx)
	itemID := campaignID + "-" + in.RecordID
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.campaignRow(ctx, tx, campaignID)
		if err != nil {
			return err
		}
		src := campaignSource[c.Kind]
		var gridID, path, label string
		err = tx.QueryRowContext(ctx, "SELECT x.grid_id, x.path, "+src.label+src.from()+
			" JOIN campaign_grids cg ON cg.grid_id = x.grid_id AND cg.campaign_id = ? WHERE x.id = ? AND x.status = 'active'"+src.where,
			campaignID, in.RecordID).Scan(&gridID, &path, &label)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Covers(authz.RegistryWrite, path)) {
			return apperr.Field("record_id", "registry.link_unknown")
		}
		if err != nil {
			return err
		}
		if err := c.takesResults(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO campaign_items (id, campaign_id, grid_id, path, record_id, label, result, note, checked_by, checked_at)
			VALUES (?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)`, itemID, campaignID, gridID, path, in.RecordID, label, in.Note, p.UserID, s.reg.Now().UnixMilli())
		if db.IsUniqueViolation(err) {
			return apperr.Field("record_id", "registry.item_exists")
		}
		if err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryWrite, "registry.campaign_item", "campaign", campaignID, itemID+" new")
	})
	if err != nil {
		return CampaignItem{}, err
	}
	return s.campaignItem(ctx, campaignID, itemID)
}

func (s *Service) campaignItem(ctx context.Context, campaignID, itemID string) (CampaignItem, error) {
	items, _, err := s.CampaignItems(ctx, campaignID, ItemQuery{ItemID: itemID})
	if err == nil && len(items) == 0 {
		err = apperr.NotFoundf("campaign_item")
	}
	if err != nil {
		return CampaignItem{}, err
	}
	return items[0], nil
}

// campaignRow loads a campaign for a change. Callers check their right to
// it before its state (takesResults), so that another area's campaign
// answers as one that does not exist, open or closed.
func (s *Service) campaignRow(ctx context.Context, tx *db.Tx, id string) (Campaign, error) {
	c, err := scanCampaign(tx.QueryRowContext(ctx, "SELECT "+campaignCols+" WHERE c.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, apperr.NotFoundf("campaign")
	}
	return c, err
}

// takesResults refuses a closed campaign.
func (c Campaign) takesResults() error {
	if c.Status != "open" {
		return apperr.E(apperr.Conflict, "registry.campaign_closed")
	}
	return nil
}

// CloseCampaign ends a campaign: no more results are taken.
func (s *Service) CloseCampaign(ctx context.Context, id string) (Campaign, error) {
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		c, err := s.campaignRow(ctx, tx, id)
		if err != nil {
			return err
		}
		if !authz.From(ctx).Covers(authz.RegistryCampaign, c.path) {
			return apperr.NotFoundf("campaign")
		}
		if err := c.takesResults(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE campaigns SET status = 'closed', closed_at = ? WHERE id = ?", s.reg.Now().UnixMilli(), id); err != nil {
			return err
		}
		return s.record(ctx, tx, authz.RegistryCampaign, "registry.campaign_close", "campaign", id, "")
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, id)
}
