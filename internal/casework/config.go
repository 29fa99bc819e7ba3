package casework

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

var stages = []string{"intake", "dispatch", "sign", "handle", "check"}
var datatypes = []string{"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}

// checkCategory validates a category as the configuration page sends it.
func checkCategory(c *Category, parentExists func(string) bool) error {
	var f apperr.Fields
	c.Name = strings.TrimSpace(c.Name)
	if n := utf8.RuneCountInString(c.Name); n < 1 || n > 64 {
		f.Add("name", "validation.length", "min", 1, "max", 64)
	}
	switch {
	case len(c.Code) == 2 && allDigits(c.Code):
		c.ParentCode = ""
	case len(c.Code) == 4 && allDigits(c.Code):
		c.ParentCode = c.Code[:2]
		if !parentExists(c.ParentCode) {
			f.Add("code", "event.category_parent", "parent", c.ParentCode)
		}
	default:
		f.Add("code", "event.category_code")
	}
	for urg, m := range c.Limits {
		if urg != "normal" && urg != "urgent" {
			f.Add("limits."+urg, "validation.one_of", "values", "normal, urgent")
			continue
		}
		for stage, l := range m {
			if !slices.Contains(stages, stage) {
				f.Add("limits."+urg+"."+stage, "validation.one_of", "values", strings.Join(stages, ", "))
			} else if _, err := calendar.ParseLimit(l); err != nil {
				f.Add("limits."+urg+"."+stage, "event.limit_format", "text", l)
			}
		}
	}
	seen := map[string]bool{}
	for i, a := range c.Attributes {
		field := "attributes[" + strconv.Itoa(i) + "]"
		if a.Code == "" || len(a.Code) > 32 || seen[a.Code] {
			f.Add(field+".code", "event.attribute_code")
		}
		seen[a.Code] = true
		if !slices.Contains(datatypes, a.Datatype) {
			f.Add(field+".datatype", "validation.one_of", "values", strings.Join(datatypes, ", "))
		}
		if strings.HasSuffix(a.Datatype, "list") && len(a.Values) == 0 {
			f.Add(field+".values", "validation.required")
		}
	}
	if c.Attributes == nil {
		c.Attributes = []Attribute{}
	}
	if c.Limits == nil {
		c.Limits = map[string]map[string]string{}
	}
	return f.Err()
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// SaveCategory creates or replaces a category of the configurable tree.
func (s *Service) SaveCategory(ctx context.Context, c Category) (Category, error) {
	exists := func(code string) bool {
		var n int
		s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM categories WHERE code = ?", code).Scan(&n)
		return n > 0
	}
	if err := checkCategory(&c, exists); err != nil {
		return c, err
	}
	var parent any
	if c.ParentCode != "" {
		parent = c.ParentCode
	}
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO categories (code, parent_code, name, default_unit_code, limits, closing_criterion, attributes, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, default_unit_code = excluded.default_unit_code,
			limits = excluded.limits, closing_criterion = excluded.closing_criterion, attributes = excluded.attributes, active = excluded.active,
			updated_at = excluded.updated_at`, c.Code, parent, c.Name, c.DefaultUnitCode, mustJSON(c.Limits), c.ClosingCriterion,
			mustJSON(c.Attributes), c.Active, now, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventConfig, audit.Entry{Action: "event.category", ObjectType: "category", ObjectID: c.Code, Detail: c.Name})
	})
	if err != nil {
		return c, err
	}
	return scanCategory(s.db.Reader().QueryRowContext(ctx, "SELECT "+categoryCols+" FROM categories WHERE code = ?", c.Code))
}

// CalendarConfig returns the work calendar in force.
func (s *Service) CalendarConfig(ctx context.Context) (calendar.Config, error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return calendar.Config{}, err
	}
	return cal.Config(), nil
}

// SaveCalendar replaces the work calendar (holidays, swapped workdays, hours).
func (s *Service) SaveCalendar(ctx context.Context, raw []byte) (calendar.Config, error) {
	var cfg calendar.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, apperr.Field("calendar", "event.calendar_invalid", "detail", err.Error())
	}
	if _, err := calendar.New(cfg); err != nil {
		return cfg, apperr.Field("calendar", "event.calendar_invalid", "detail", err.Error())
	}
	b, _ := json.Marshal(cfg)
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ('calendar', ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, string(b), db.Now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventConfig, audit.Entry{Action: "event.calendar", ObjectType: "settings", ObjectID: "calendar"})
	})
	return cfg, err
}

// Rule is a dispatch rule: events of a category (prefix) in an area go to a unit.
type Rule struct {
	ID             string `json:"id"`
	CategoryPrefix string `json:"category_prefix"`
	OrgID          string `json:"org_id"`
	UnitID         string `json:"unit_id"`
}

// Rules lists the dispatch rules of the caller's scope.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	cond, args := authz.ScopeSQL("path", authz.From(ctx).Scopes(authz.EventConfig))
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT id, category_prefix, org_id, unit_id FROM dispatch_rules WHERE "+cond+" ORDER BY category_prefix, path", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.CategoryPrefix, &r.OrgID, &r.UnitID); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddRule adds a dispatch rule for an area in the caller's scope.
func (s *Service) AddRule(ctx context.Context, r Rule) (Rule, error) {
	path, err := org.PathIn(ctx, s.db.Reader(), authz.EventConfig, r.OrgID, "org_id")
	if err != nil {
		return r, err
	}
	if r.CategoryPrefix == "" || !allDigits(r.CategoryPrefix) || len(r.CategoryPrefix) > 4 {
		return r, apperr.Field("category_prefix", "event.category_code")
	}
	var n int
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM units WHERE id = ? AND status = 'active'", r.UnitID).Scan(&n); err != nil || n == 0 {
		return r, apperr.Field("unit_id", "event.unit_unknown")
	}
	r.ID = db.NewID()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO dispatch_rules (id, category_prefix, org_id, path, unit_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			r.ID, r.CategoryPrefix, r.OrgID, path, r.UnitID, db.Now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventConfig, audit.Entry{Action: "event.rule", ObjectType: "dispatch_rule", ObjectID: r.ID, Detail: r.CategoryPrefix})
	})
	return r, err
}

// DeleteRule removes a dispatch rule in the caller's scope.
func (s *Service) DeleteRule(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var path string
		err := tx.QueryRowContext(ctx, "SELECT path FROM dispatch_rules WHERE id = ?", id).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !authz.From(ctx).Covers(authz.EventConfig, path)) {
			return apperr.NotFoundf("dispatch_rule")
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM dispatch_rules WHERE id = ?", id); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, authz.EventConfig, audit.Entry{Action: "event.rule_delete", ObjectType: "dispatch_rule", ObjectID: id})
	})
}
