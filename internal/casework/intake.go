package casework

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/org"
)

// MaxDescription is the longest description taken (Open311's limit).
const MaxDescription = 4000

// Idempotency identifies a retried write: the same key with the same
// fingerprint returns the first result; with another it is refused.
type Idempotency = idem.Key

// Create takes in a report. It returns the event and whether it was a
// replay of an earlier request with the same idempotency key.
func (s *Service) Create(ctx context.Context, r Report, key Idempotency) (Event, bool, error) {
	p := authz.From(ctx)
	cat, err := s.checkReport(ctx, p, &r)
	if err != nil {
		return Event{}, false, err
	}
	hit, err := s.place(ctx, p, r)
	if err != nil {
		return Event{}, false, err
	}
	if r.SelfResolved && !p.Covers(authz.EventCheck, hit.Path) {
		return Event{}, false, apperr.Field("self_resolved", "event.self_resolve_area")
	}
	if err := checkReporter(p, hit.Path, r); err != nil {
		return Event{}, false, err
	}
	if strings.TrimSpace(r.ReporterName) == "" && p != nil && !strings.HasPrefix(p.UserID, "apikey:") {
		r.ReporterName = p.DisplayName // staff and residents report under their own name
	}
	in := intake{Report: r, cat: cat, hit: hit, now: s.Now(), state: Reported, level: "village"}
	switch r.Channel {
	case "hotline", "police110", "petition", "upper", "leader":
		in.level = "county" // these arrive at the county centre
	}
	if r.Direct {
		in.level = "county"
	}
	if r.SelfResolved {
		in.state = Closed
	}
	if in.sc, err = s.scheduleFor(ctx, cat, r.Urgency, in.state, in.now); err != nil {
		return Event{}, false, err
	}
	var id string
	var replayed bool
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		id, replayed, err = idem.Do(ctx, tx, key, func() (string, error) { return s.insert(ctx, tx, in) })
		return err
	})
	if errors.Is(err, idem.ErrRaced) {
		// Another request with the same key committed first: answer as it did.
		return s.Create(ctx, r, key)
	}
	if err != nil {
		return Event{}, false, err
	}
	e, err := s.get(ctx, id)
	return e, replayed, err
}

// checkReport validates a report, filling its defaults, and returns its
// category.
func (s *Service) checkReport(ctx context.Context, p *authz.Principal, r *Report) (Category, error) {
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
	return cat, f.Err()
}

// place finds where a report goes: the main-layer grid of its point.
// Anyone may report anywhere (a grid member passing through the next
// village too); the event goes to the point's area, and closing it on the
// spot needs the right to check events there.
func (s *Service) place(ctx context.Context, p *authz.Principal, r Report) (GridHit, error) {
	if r.Lat == nil {
		// An address only (hotline callers): the operator's own area takes it.
		if p.OrgID == "" {
			return GridHit{}, apperr.Field("lat", "event.location_required")
		}
		path, err := org.PathOf(ctx, s.db.Reader(), p.OrgID, "")
		return GridHit{OrgID: p.OrgID, Path: path}, err
	}
	hits, err := s.grids.Locate(authz.WithPrincipal(ctx, authz.System()), "zh-CN", geo.Point{Lat: *r.Lat, Lng: *r.Lng})
	if err != nil {
		return GridHit{}, err
	}
	if len(hits) == 0 {
		return GridHit{}, apperr.Field("lat", "event.outside_grids")
	}
	return hits[0], nil
}

// intake is a checked report with where it goes and how it starts.
type intake struct {
	Report
	cat          Category
	hit          GridHit
	now          time.Time
	state, level string
	sc           schedule
}

// insert writes a new event with its first timeline step, its notice to
// the intake desk and its audit row, and returns its id.
func (s *Service) insert(ctx context.Context, tx *db.Tx, in intake) (string, error) {
	p := authz.From(ctx)
	id := db.NewID()
	no, err := nextNo(ctx, tx, in.now)
	if err != nil {
		return "", err
	}
	phone := ""
	if in.ReporterPhone != "" {
		phone = s.keys.Seal(in.ReporterPhone, "events.reporter_phone:"+id)
	}
	var grid any
	if in.hit.GridID != "" {
		grid = in.hit.GridID
	}
	// A matter the grid member resolved on the spot never left the grid
	// (微事不出网格): it is closed at grid level.
	var closedAt, resolved any
	if in.state == Closed {
		closedAt, resolved = in.now.UnixMilli(), "grid"
	}
	ms := in.now.UnixMilli()
	// A public channel's report is published as its reporter wrote it;
	// any other waits for the intake desk's decision.
	published, publicDesc, publishedAt := false, "", any(nil)
	if publishedAtReport(in.Channel, in.cat.Code) {
		published, publicDesc, publishedAt = true, in.Description, ms
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, no, channel, category_code, urgency, description, address, lat, lng, grid_id, org_id, path, level,
		state, stage, stage_started_at, stage_warn_at, stage_due_at, reporter_id, reporter_name, reporter_phone, attributes, media_url, resolved_level, closed_at, created_at, updated_at,
		public_description, published, published_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, no, in.Channel, in.cat.Code, in.Urgency, in.Description, strings.TrimSpace(in.Address), in.Lat, in.Lng, grid, in.hit.OrgID, in.hit.Path, in.level,
		in.state, in.sc.stage, in.sc.start, in.sc.warnAt, in.sc.dueAt, actorID(p), strings.TrimSpace(in.ReporterName), phone, mustJSON(nonNil(in.Attributes)),
		in.MediaURL, resolved, closedAt, ms, ms, publicDesc, published, publishedAt); err != nil {
		return "", err
	}
	action := "report"
	switch {
	case in.SelfResolved:
		action = "self_resolve"
	case in.Direct:
		action = "direct_report"
	}
	if _, err := s.appendLog(ctx, tx, id, action, "", in.state, "", in.Note, in.now); err != nil {
		return "", err
	}
	if in.state == Reported {
		e := &Event{ID: id, No: no, path: in.hit.Path}
		if err := s.notify(ctx, tx, e, "new", noticeText("new", "no", no, "category", in.cat.Name), authz.EventIntake, ""); err != nil {
			return "", err
		}
	}
	return id, s.audit.Record(ctx, tx, authz.EventReport, audit.Entry{Action: "event.report", ObjectType: "event", ObjectID: id,
		Detail: no + " " + in.Channel + " " + in.cat.Code})
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

// phoneOK accepts mainland mobile numbers and landlines with area codes,
// and numbers abroad written with their "+" country code (E.164, at most 15
// digits): a visitor's phone does not turn a report away.
func phoneOK(s string) bool {
	s = strings.NewReplacer("-", "", " ", "").Replace(s)
	if rest, abroad := strings.CutPrefix(s, "+"); abroad {
		return len(rest) >= 8 && len(rest) <= 15 && digits(rest)
	}
	return len(s) >= 7 && len(s) <= 12 && digits(s)
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
