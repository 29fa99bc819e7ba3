package casework

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
)

// MaxDescription is the longest description taken (Open311's limit).
const MaxDescription = 4000

// Idempotency identifies a retried write: the same key with the same body
// returns the first result; with another body it is refused.
type Idempotency struct {
	Scope, Key, Hash string
}

// Create takes in a report. It returns the event and whether it was a
// replay of an earlier request with the same idempotency key.
func (s *Service) Create(ctx context.Context, r Report, idem Idempotency) (Event, bool, error) {
	p := authz.From(ctx)
	var f apperr.Fields
	r.Description = strings.TrimSpace(r.Description)
	if r.Channel == "" {
		r.Channel = ownChannels(p)[0] // see checkReporter for who may name another
	}
	if !slices.Contains(Channels, r.Channel) {
		f.Add("channel", "validation.one_of", "values", strings.Join(Channels, ", "))
	}
	if r.Urgency == "" {
		r.Urgency = "normal"
	}
	if r.Urgency != "normal" && r.Urgency != "urgent" {
		f.Add("urgency", "validation.one_of", "values", "normal, urgent")
	}
	if n := utf8.RuneCountInString(r.Description); n < 2 || n > MaxDescription {
		f.Add("description", "validation.length", "min", 2, "max", MaxDescription)
	}
	if len([]rune(r.Address)) > 200 {
		f.Add("address", "validation.length", "min", 0, "max", 200)
	}
	if len([]rune(r.ReporterName)) > 64 {
		f.Add("reporter_name", "validation.length", "min", 0, "max", 64)
	}
	if r.ReporterPhone != "" && !phoneOK(r.ReporterPhone) {
		f.Add("reporter_phone", "event.phone_format")
	}
	if r.MediaURL = strings.TrimSpace(r.MediaURL); r.MediaURL != "" && !mediaURLOK(r.MediaURL) {
		f.Add("media_url", "event.media_url", "max", MaxMediaURL)
	}
	switch {
	case r.Lat == nil && r.Lng == nil && strings.TrimSpace(r.Address) == "":
		f.Add("lat", "event.location_required")
	case (r.Lat == nil) != (r.Lng == nil):
		f.Add("lng", "event.location_required")
	case r.Lat != nil && (math.IsNaN(*r.Lat) || *r.Lat < -90 || *r.Lat > 90 || math.IsNaN(*r.Lng) || *r.Lng < -180 || *r.Lng > 180):
		f.Add("lat", "validation.coordinate", "min", -90, "max", 90)
	}
	if r.SelfResolved && !p.Has(authz.EventCheck) {
		f.Add("self_resolved", "event.self_resolve_grid_member")
	}
	cat, err := s.category(ctx, s.db.Reader(), "category_code", r.CategoryCode)
	if err != nil {
		f = append(f, apperr.As(err).Fields...)
	}
	if len(f) == 0 {
		f = append(f, checkAttributes(cat, r.Attributes)...)
	}
	if err := f.Err(); err != nil {
		return Event{}, false, err
	}

	// Where: the main-layer grid of the point. Anyone may report anywhere
	// (a grid member passing through the next village too); the event goes
	// to the point's area, and closing it on the spot needs the right to
	// check events there.
	var hit GridHit
	if r.Lat != nil {
		hits, err := s.grids.Locate(authz.WithPrincipal(ctx, authz.System()), "zh-CN", geo.Point{Lat: *r.Lat, Lng: *r.Lng})
		if err != nil {
			return Event{}, false, err
		}
		if len(hits) == 0 {
			return Event{}, false, apperr.Field("lat", "event.outside_grids")
		}
		hit = hits[0]
	} else {
		// An address only (hotline callers): the operator's own area takes it.
		if p.OrgID == "" {
			return Event{}, false, apperr.Field("lat", "event.location_required")
		}
		hit.OrgID = p.OrgID
	}
	var path string
	if err := s.db.Reader().QueryRowContext(ctx, "SELECT path FROM org_nodes WHERE id = ?", hit.OrgID).Scan(&path); err != nil {
		return Event{}, false, apperr.Wrap(err, "event area")
	}
	if r.SelfResolved && !p.Covers(authz.EventCheck, path) {
		return Event{}, false, apperr.Field("self_resolved", "event.self_resolve_area")
	}
	if err := checkReporter(p, path, r); err != nil {
		return Event{}, false, err
	}

	if strings.TrimSpace(r.ReporterName) == "" && p != nil && !strings.HasPrefix(p.UserID, "apikey:") {
		r.ReporterName = p.DisplayName // staff and residents report under their own name
	}
	now := s.Now()
	state, level := Reported, "village"
	switch r.Channel {
	case "hotline", "police110", "petition", "upper", "leader":
		level = "county" // these arrive at the county centre
	}
	if r.Direct {
		level = "county"
	}
	if r.SelfResolved {
		state = Closed
	}
	sc, err := s.scheduleFor(ctx, cat, r.Urgency, state, now)
	if err != nil {
		return Event{}, false, err
	}
	id := db.NewID()
	replayed := ""
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if idem.Key != "" {
			var hash, body string
			err := tx.QueryRowContext(ctx, "SELECT request_hash, body FROM idempotency_keys WHERE scope = ? AND key = ?", idem.Scope, idem.Key).Scan(&hash, &body)
			if err == nil {
				if hash != idem.Hash {
					return apperr.E(apperr.Unprocessable, "idempotency.key_reused")
				}
				replayed = body
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		no, err := nextNo(ctx, tx, now)
		if err != nil {
			return err
		}
		phone := ""
		if r.ReporterPhone != "" {
			phone = s.keys.Seal(r.ReporterPhone, "events.reporter_phone:"+id)
		}
		var grid any
		if hit.GridID != "" {
			grid = hit.GridID
		}
		var closedAt, resolved any
		if state == Closed {
			closedAt, resolved = now.UnixMilli(), "village"
		}
		ms := now.UnixMilli()
		// A public channel's report is published as its reporter wrote it;
		// any other waits for the intake desk's decision.
		published, publicDesc, publishedAt := false, "", any(nil)
		if publishedAtReport(r.Channel, cat.Code) {
			published, publicDesc, publishedAt = true, r.Description, ms
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, address, lat, lng, grid_id, org_id, path, level,
			state, stage, stage_started_at, stage_warn_at, stage_due_at, reporter_id, reporter_name, reporter_phone, attributes, media_url, resolved_level, closed_at, created_at, updated_at,
			public_description, published, published_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, no, r.Channel, cat.Code, r.Urgency, r.Description, strings.TrimSpace(r.Address), r.Lat, r.Lng, grid, hit.OrgID, path, level,
			state, sc.stage, sc.start, sc.warnAt, sc.dueAt, actorID(p), strings.TrimSpace(r.ReporterName), phone, mustJSON(nonNil(r.Attributes)),
			r.MediaURL, resolved, closedAt, ms, ms, publicDesc, published, publishedAt); err != nil {
			return err
		}
		action := "report"
		switch {
		case r.SelfResolved:
			action = "self_resolve"
		case r.Direct:
			action = "direct_report"
		}
		if _, err := s.appendLog(ctx, tx, id, action, "", state, "", r.Note, now); err != nil {
			return err
		}
		if idem.Key != "" {
			if _, err := tx.ExecContext(ctx, "INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES (?, ?, ?, 201, ?, ?)",
				idem.Scope, idem.Key, idem.Hash, id, ms); err != nil {
				return err
			}
		}
		if state == Reported {
			e := &Event{ID: id, No: no, path: path}
			if err := s.notify(ctx, tx, e, "new", "新事件 "+no+"："+cat.Name, authz.EventIntake, ""); err != nil {
				return err
			}
		}
		return s.audit.Record(ctx, tx, authz.EventReport, audit.Entry{Action: "event.report", ObjectType: "event", ObjectID: id,
			Detail: no + " " + r.Channel + " " + cat.Code})
	})
	if db.IsUniqueViolation(err) && idem.Key != "" {
		// Another request with the same key committed first: answer as it did.
		return s.Create(ctx, r, idem)
	}
	if err != nil {
		return Event{}, false, err
	}
	if replayed != "" {
		e, err := s.get(ctx, replayed)
		return e, true, err
	}
	e, err := s.get(ctx, id)
	return e, false, err
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// checkAttributes validates a report's extra fields against its category.
func checkAttributes(c Category, attrs map[string]string) apperr.Fields {
	var f apperr.Fields
	known := map[string]Attribute{}
	for _, a := range c.Attributes {
		known[a.Code] = a
		if a.Required && strings.TrimSpace(attrs[a.Code]) == "" {
			f.Add("attributes."+a.Code, "validation.required")
		}
	}
	for code, v := range attrs {
		a, ok := known[code]
		if !ok {
			f.Add("attributes."+code, "event.attribute_unknown", "code", code)
			continue
		}
		if v == "" {
			continue
		}
		switch a.Datatype {
		case "number":
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				f.Add("attributes."+code, "request.wrong_type", "want", "number")
			}
		case "singlevaluelist", "multivaluelist":
			for _, part := range strings.Split(v, ",") {
				if !slices.ContainsFunc(a.Values, func(x AttrValue) bool { return x.Key == strings.TrimSpace(part) }) {
					f.Add("attributes."+code, "event.attribute_value", "value", part)
				}
			}
		}
		if len(v) > 1000 {
			f.Add("attributes."+code, "validation.length", "min", 0, "max", 1000)
		}
	}
	return f
}

// phoneOK accepts mainland mobile numbers and landlines with area codes.
func phoneOK(s string) bool {
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	if len(s) < 7 || len(s) > 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
