// Package app wires gridgov together: configuration → database → services →
// HTTP handler. It holds no logic of its own.
package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/antifraud"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/callkey"
	"github.com/gridgov/gridgov/internal/campaign"
	"github.com/gridgov/gridgov/internal/casework"
	"github.com/gridgov/gridgov/internal/casework/dashboard"
	"github.com/gridgov/gridgov/internal/casework/place"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/drive"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/i18n"
	"github.com/gridgov/gridgov/internal/jobs"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/open311"
	"github.com/gridgov/gridgov/internal/org"
	"github.com/gridgov/gridgov/internal/party"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/petition"
	"github.com/gridgov/gridgov/internal/points"
	"github.com/gridgov/gridgov/internal/psych"
	"github.com/gridgov/gridgov/internal/redorder"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/regsheet"
	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/screening"
	"github.com/gridgov/gridgov/internal/secret"
	"github.com/gridgov/gridgov/internal/situation"
	"github.com/gridgov/gridgov/internal/village"
	"github.com/gridgov/gridgov/internal/visit"
	"github.com/gridgov/gridgov/internal/volunteer"
	"github.com/gridgov/gridgov/internal/workcal"
	"github.com/gridgov/gridgov/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Version is the release, set at build time.
var Version = "dev"

// App is a running gridgov's parts.
type App struct {
	Cfg      config.Config
	DB       *db.DB
	Keys     *secret.Keys
	Audit    *audit.Log
	Authn    *authn.Service
	Accounts *account.Service
	Org      *org.Service
	Events   *casework.Service
	Registry *registry.Service
	// KeyPersons, Campaigns and Sheets are the rooms built on the
	// registers: key persons and care targets, verification campaigns,
	// spreadsheet imports and exports.
	KeyPersons *keyperson.Service
	Campaigns  *campaign.Service
	Sheets     *regsheet.Service
	// Calendar keeps the work calendar's years (holidays, swapped workdays).
	Calendar *workcal.Service
	// The dispute side: the cases of the one door and their mediation, the
	// areas' 调解力量, the screening rounds (排查) and the petition desk
	// (信访) with its weekly review, Monday list and 面对面 sessions. A
	// finding or a petition becomes a case through the dispute room.
	Disputes  *dispute.Service
	Screening *screening.Service
	Petitions *petition.Service
	// CallKey is the 9-key call of elderly care targets (9键呼叫, 随叫随到).
	CallKey *callkey.Service
	// Psych is the psychological protection of special groups (三级三色).
	Psych *psych.Service
	// Party is the red grid's compounds, buildings and party tree.
	Party *party.Service
	// RedOrders are the red orders (红色订单, 红色代办); Points the party
	// members' points ledger (党员积分).
	RedOrders *redorder.Service
	Points    *points.Service
	// Duty keeps the grid members' tasks of the day, the town–police
	// station meetings (警网融合) and the same-day close (日清).
	Duty *duty.Service
	// Visits keeps the home visits (入户走访, 八必访) with their triggers
	// and tasks, and the villages' Wednesday reception days.
	Visits *visit.Service
	// Patrols are the grid members' day plans and patrols (一日三巡).
	Patrols *patrol.Service
	// Volunteers are the red grid's volunteer teams, shifts, hours and clues.
	Volunteers *volunteer.Service
	// Assess scores the grid workforce from the rooms' tallies (线上评分 +
	// 线下考核), with the 网格学堂 and the 十佳网格员.
	Assess *assess.Service
	// Village keeps the villages' score sheets (评分表, 村规民约) with their
	// public monthly lists, and the councils (村民理事会, 邻里议事会) with
	// their consultation, votes and follow-up.
	Village *village.Service
	// Safety computes the monthly safety index (平安指数) of counties and
	// towns from the rooms' records, with its catalogue of indicators.
	Safety *safety.Service
	// Drives runs the special campaigns (专项行动) and their clues.
	Drives *drive.Service
	// Antifraud runs the anti-fraud warning tasks (反诈预警劝导).
	Antifraud *antifraud.Service
	// Situations are the situation room's 三情 (访情、警情、舆情) with the
	// daily analysis, the weekly scheduling and the feeds in.
	Situations *situation.Service
	Router     *httpx.Router
	// Metrics serves the Prometheus metrics with no check, for the
	// separate metrics address (GRIDGOV_METRICS_ADDR).
	Metrics http.Handler
}

// mainGrids adapts the org service to what casework needs: the 综治 grid
// holding a point.
type mainGrids struct{ org *org.Service }

func (m mainGrids) Locate(ctx context.Context, lang string, p geo.Point) ([]casework.GridHit, error) {
	hits, err := m.org.Locate(ctx, lang, p)
	var out []casework.GridHit
	for _, h := range hits {
		if h.Layer == org.MainLayer {
			out = append(out, casework.GridHit{GridID: h.GridID, GridCode: h.GridCode, GridName: h.GridName, OrgID: h.OrgID, Path: h.Path})
		}
	}
	return out, err
}

// LocateGrid is the 综治 grid holding a point, for the registers.
func (m mainGrids) LocateGrid(ctx context.Context, p geo.Point) (string, error) {
	hits, err := m.Locate(ctx, "", p)
	if err != nil || len(hits) == 0 {
		return "", err
	}
	return hits[0].GridID, nil
}

// Open opens the database (migrating it), loads the key and builds the services.
func Open(ctx context.Context, cfg config.Config) (*App, error) {
	quota, err := cfg.PhotoQuota()
	if err != nil {
		return nil, err
	}
	if err := cfg.CheckMetrics(); err != nil {
		return nil, err
	}
	selfCheck, err := cfg.SelfCheckAllowed()
	if err != nil {
		return nil, err
	}
	proxies, err := httpx.ParseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("GRIDGOV_TRUSTED_PROXIES: %w", err)
	}
	keys, err := secret.Load(cfg.KeyFile(), cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	if _, err := cfg.PublicBaseURL(); err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DBURL())
	if err != nil {
		return nil, err
	}
	if err := account.EnsureBuiltins(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	if err := casework.EnsureCategories(ctx, d); err != nil {
		d.Close()
		return nil, err
	}
	log := audit.New(keys.Derive("audit-chain"))
	log.AnchorPath = cfg.AnchorFile()
	an := authn.New(d, log, keys)
	an.SecureCookie = cfg.SecureCookie
	orgs := org.New(d, log, keys)
	orgs.Accounts = account.ActiveByUsername // a roster entry's linked account
	reg := registry.New(d, log, keys, mainGrids{orgs})
	kp := keyperson.New(d, log, keys, reg)
	a := &App{Cfg: cfg, DB: d, Keys: keys, Audit: log, Authn: an,
		Accounts: account.New(d, log, an), Org: orgs, Events: casework.New(d, log, keys, mainGrids{orgs}),
		Registry: reg, KeyPersons: kp, Campaigns: campaign.New(d, log, reg), Sheets: regsheet.New(d, log, keys, reg, kp),
		Calendar: workcal.New(d, log)}
	a.Events.PhotoQuota = quota
	a.Events.SelfCheckAllowed = selfCheck
	a.Disputes = dispute.New(d, log, keys, a.Events, reg)
	a.Screening = screening.New(d, log, a.Disputes)
	a.Petitions = petition.New(d, log, keys, reg, kp, a.Disputes)
	a.CallKey = callkey.New(d, log, keys, reg, kp)
	a.Psych = psych.New(d, log, keys, reg, kp)
	a.Party = party.New(d, log, keys)
	a.Party.Events = a.Events
	a.Party.Accounts = account.ActiveByUsername // a member's linked account
	reg.Compounds = a.Party                     // houses belong to the red grid's compounds and buildings
	a.RedOrders = redorder.New(d, log, keys, mainGrids{orgs}, a.Events, a.Disputes)
	a.Points = points.New(d, log)
	a.Duty = duty.New(d, log, keys)
	a.Visits = visit.New(d, log, keys, a.Events, a.Disputes)
	a.Patrols = patrol.New(d, log, keys)
	a.Village = village.New(d, log, keys, reg)
	a.Safety = safety.New(d, log)
	a.Drives = drive.New(d, log, keys)
	a.Antifraud = antifraud.New(d, log, keys)
	a.Antifraud.Notices = a.Events // a grid's members are told how many to reach
	a.Situations = situation.New(d, log, keys, a.Org, a.Safety)
	a.Situations.Notices = a.Events // a town is told of a serious or major situation at once
	a.Safety.Notices = a.Events     // an issued bulletin reaches its readers' inboxes
	// One photo quota for each user, whatever the photos show: an event's
	// or a patrol check-in's.
	a.Patrols.PhotoQuota = quota
	a.Patrols.OtherPhotos = casework.EventPhotoBytes
	a.Events.OtherPhotos = patrol.PhotoBytes
	a.Volunteers = volunteer.New(d, log, keys, a.Org, a.Patrols, a.Events)
	a.Points.Volunteers = a.Volunteers
	// The rooms with open work tied to a member of the grid workforce hand
	// it to the successor when the roster moves the member or they leave.
	// casework keeps none: its events go to an area's holders of a
	// permission, not to a person.
	for _, r := range []org.Successor{a.CallKey, a.Duty, a.Visits, a.Patrols} {
		orgs.AddSuccessor(r)
	}
	// Assessment scores the work the rooms tally for each member.
	a.Assess = assess.New(d, log, keys, a.Events, reg, a.Patrols, a.Visits, a.CallKey, a.Duty)
	a.routes()
	a.Router.TrustedProxies = proxies
	return a, nil
}

// Jobs are the scheduled tasks every node offers; the lease and job_runs
// make each period run on one node only.
func (a *App) Jobs(node string) *jobs.Runner {
	var send casework.Sender = casework.LogSender{}
	if a.Cfg.NotifyWebhook != "" {
		send = casework.WebhookSender{URL: a.Cfg.NotifyWebhook}
	}
	return &jobs.Runner{DB: a.DB, Node: node, Jobs: []jobs.Job{
		{Name: "event.overdue", Every: time.Minute, Run: func(ctx context.Context) error {
			if _, err := a.Events.SweepOverdue(ctx); err != nil {
				return err
			}
			_, err := a.Events.SweepSupervision(ctx) // each order's own deadline
			return err
		}},
		{Name: "petition.supervision", Every: time.Minute, Run: func(ctx context.Context) error {
			_, err := a.Petitions.SweepSupervision(ctx) // each petition order's own deadline
			return err
		}},
		{Name: "callkey.escalate", Every: 10 * time.Second, Run: func(ctx context.Context) error {
			_, err := a.CallKey.Sweep(ctx) // 9-key alerts nobody accepted in time
			return err
		}},
		{Name: "antifraud.sweep", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, _, err := a.Antifraud.Sweep(ctx) // overdue warnings escalated, personal fields past the retention wiped
			return err
		}},
		{Name: "psych.expire", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := a.Psych.Expire(ctx) // closed protection records past their retention
			return err
		}},
		{Name: "duty.day_close", Every: time.Minute, Run: func(ctx context.Context) error {
			_, err := a.Duty.CarryLeftovers(ctx) // from the close hour on, what is left of the day is carried (日清)
			return err
		}},
		{Name: "visit.sweep", Every: 10 * time.Minute, Run: func(ctx context.Context) error {
			_, err := a.Visits.Sweep(ctx) // the visit triggers put the visits due on the members' lists
			return err
		}},
		{Name: "redorder.sweep", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
			_, err := a.RedOrders.Sweep(ctx) // orders nobody accepted go back to the branch or up to the committee; reminders; overdue deductions
			return err
		}},
		{Name: "points.sweep", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := a.Points.Sweep(ctx) // the party members' 双报到 tasks: hours served, tasks left undone
			return err
		}},
		{Name: "patrol.sweep", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := a.Patrols.Sweep(ctx) // today's tasks, patrols left open, positions past their retention
			return err
		}},
		{Name: "outbox", Every: 10 * time.Second, Run: func(ctx context.Context) error {
			_, err := a.Events.DeliverOutbox(ctx, send)
			return err
		}},
		{Name: "prune", Every: time.Hour, Run: a.Events.Prune},
		{Name: "auth.prune", Every: time.Hour, Run: a.Authn.Prune},
		{Name: "registry.expire", Every: time.Hour, Run: func(ctx context.Context) error {
			if err := a.Sheets.ExpireErrorSheets(ctx); err != nil {
				return err
			}
			_, err := a.Registry.Expire(ctx)
			return err
		}},
		{Name: "audit.anchor", Every: time.Minute, Run: func(ctx context.Context) error { return a.Audit.WriteAnchor(ctx, a.DB.Reader()) }},
	}}
}

// Background runs this node's own periodic work until ctx ends: writing the
// refused requests it counted (each node keeps its own count).
func (a *App) Background(ctx context.Context) {
	go a.Audit.FlushRefusalsEvery(ctx, a.DB, time.Minute)
}

// Shutdown writes what the node still holds before it stops: the refusals
// counted since the last minute, then an anchor of the chain's end.
func (a *App) Shutdown(ctx context.Context) error {
	return errors.Join(a.Audit.FlushRefusals(ctx, a.DB), a.Audit.WriteAnchor(ctx, a.DB.Reader()))
}

// StorageWarnings names what is kept where a copy or a rollback of the data
// directory takes it along: the secret key, the audit anchors.
func (a *App) StorageWarnings() []string {
	var out []string
	if a.Cfg.SecretKey == "" && a.Cfg.InDataDir(a.Cfg.KeyFile()) {
		out = append(out, fmt.Sprintf("the secret key file %s is inside the data directory: a copy of the data carries the key that seals "+
			"its personal data and signs its audit chain; keep it on another disk (--key-file, GRIDGOV_SECRET_KEY_FILE) or set GRIDGOV_SECRET_KEY", a.Cfg.KeyFile()))
	}
	if a.Cfg.InDataDir(a.Cfg.AnchorFile()) {
		out = append(out, fmt.Sprintf("the audit anchors %s are inside the data directory: whoever rolls the data back can roll them back too; "+
			"point GRIDGOV_AUDIT_ANCHORS (--anchors) to another disk or host, and keep the server log", a.Cfg.AnchorFile()))
	}
	return out
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }

func (a *App) routes() {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rt := httpx.NewRouter(a.Authn, reg, a.auditRefused)
	a.Router = rt
	rt.Handle(a.Authn.Routes()...)
	rt.Handle(a.Accounts.Routes()...)
	rt.Handle(a.Org.Routes()...)
	rt.Handle(a.Events.Routes()...)
	rt.Handle(dashboard.New(a.DB, a.Events).Routes()...)
	rt.Handle(place.New(a.DB, mainGrids{a.Org}).Routes()...)
	rt.Handle(a.Registry.Routes()...)
	rt.Handle(a.KeyPersons.Routes()...)
	rt.Handle(a.Sheets.Routes()...)
	rt.Handle(a.Campaigns.Routes()...)
	rt.Handle(a.Disputes.Routes()...)
	rt.Handle(a.Calendar.Routes()...)
	rt.Handle(a.Screening.Routes()...)
	rt.Handle(a.Petitions.Routes()...)
	rt.Handle(a.CallKey.Routes()...)
	rt.Handle(a.Psych.Routes()...)
	rt.Handle(a.Duty.Routes()...)
	rt.Handle(a.Visits.Routes()...)
	rt.Handle(a.Patrols.Routes()...)
	rt.Handle(a.Volunteers.Routes()...)
	rt.Handle(a.Assess.Routes()...)
	rt.Handle(a.Village.Routes()...)
	rt.Handle(a.Safety.Routes()...)
	rt.Handle(a.Drives.Routes()...)
	rt.Handle(a.Antifraud.Routes()...)
	rt.Handle(a.Situations.Routes()...)
	rt.Handle(a.Party.Routes()...)
	rt.Handle(a.RedOrders.Routes()...)
	rt.Handle(a.Points.Routes()...)
	publicURL, _ := a.Cfg.PublicBaseURL() // checked by Open
	o311 := open311.New(a.Events, a.DB, a.Audit, publicURL, reg)
	rt.Handle(o311.Routes()...)
	rt.Mount("GET /open311/", o311.NotFound())
	rt.Mount("POST /open311/", o311.NotFound())

	rt.Handle(httpx.Route{Method: "GET", Path: "/healthz", Tag: "system", Summary: "Ready when the database answers", Public: true,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := a.DB.Ping(ctx); err != nil {
				return apperr.Wrap(err, "healthz")
			}
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("ok\n"))
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/v1/i18n/{lang}", Tag: "system", Summary: "The message file of a language (zh-CN, en)", Public: true,
		Out: map[string]string{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			m := i18n.Messages(i18n.Match(r.PathValue("lang")))
			if m == nil {
				return apperr.NotFoundf("language")
			}
			w.Header().Set("Cache-Control", "no-cache")
			httpx.JSON(w, 200, m)
			return nil
		}})
	rt.Handle(httpx.Route{Method: "GET", Path: "/api/openapi.json", Tag: "system", Summary: "This document", Public: true,
		Do: httpx.Get(func(*http.Request) (map[string]any, error) { return rt.OpenAPI("gridgov", Version), nil })})
	a.Metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	rt.Handle(httpx.Route{Method: "GET", Path: "/metrics", Tag: "system", Public: true, OutType: "text/plain", Out: []byte{},
		Summary: "Prometheus metrics, for a request bearing GRIDGOV_METRICS_TOKEN (not served without one set)", Handler: a.metrics})
	rt.Mount("GET /api/docs", http.RedirectHandler("/#/api-docs", http.StatusFound))
	rt.Mount("GET /", a.static())
}

// metrics serves /metrics on the main address only to a request bearing the
// metrics token: request counts and latencies by route, and the process's
// memory, are not for anyone who can reach the console.
func (a *App) metrics(w http.ResponseWriter, r *http.Request) error {
	if a.Cfg.MetricsToken == "" {
		return apperr.NotFoundf("route")
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(token), []byte(a.Cfg.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
		return apperr.E(apperr.Unauthenticated, "metrics.token")
	}
	a.Metrics.ServeHTTP(w, r)
	return nil
}

// auditRefused counts a signed-in caller's refused request for the audit
// log (written by the minute, see audit.Refuse): a missing permission or
// CSRF token, or a record that is missing or in another area.
func (a *App) auditRefused(r *http.Request, route *httpx.Route, err *apperr.Error) {
	ref := audit.Refusal{Route: route.Method + " " + route.Path, Perm: route.Perm, ObjectID: pathIDs(r, route.Path)}
	switch {
	case err.Code == "auth.password_expired":
		return // the console sends the user to change it; nothing to trace
	case err.Code == "auth.csrf":
		ref.Action, ref.Detail = audit.ActionCSRF, "missing"
		if r.Header.Get("X-CSRF-Token") != "" {
			ref.Detail = "wrong"
		}
	case err.Kind == apperr.Forbidden:
		ref.Action, ref.Detail = audit.ActionDenied, err.Code
		if err.Code == "auth.forbidden" && route.Perm != "" {
			ref.Detail = string(route.Perm) // the permission the route asks for
		}
	default:
		ref.Action = audit.ActionNotFound
	}
	a.Audit.Refuse(r.Context(), ref)
}

// pathIDs joins the path values of a route (the ids of the records asked
// for); query values are never kept, they may be personal.
func pathIDs(r *http.Request, pattern string) string {
	var ids []string
	for _, seg := range strings.Split(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			v := r.PathValue(strings.TrimSuffix(strings.TrimSuffix(name, "}"), "..."))
			if len(v) > 64 || !httpx.ValidText(v) {
				v = "?"
			}
			ids = append(ids, v)
		}
	}
	return strings.Join(ids, "/")
}

// static serves the built console: hashed assets cached for long, and
// index.html (also for unknown paths, the app routes by hash) never cached.
// Text files go out gzipped (or brotli, when the build left a .br beside
// them) to a client that takes it; see static.go.
func (a *App) static() http.Handler {
	dist := web.FS()
	index, _ := fs.ReadFile(dist, "index.html")
	// Escaped for the attribute: 天地图's templates carry "&" between their parameters.
	if tile := html.EscapeString(a.Cfg.TileURL); tile != "" {
		index = []byte(strings.Replace(string(index), "<head>", `<head><meta name="gridgov-tile-url" content="`+tile+`">`, 1))
	}
	indexGz := gzipped(index)
	file := func(w http.ResponseWriter, r *http.Request) bool {
		name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if st, err := fs.Stat(dist, name); err != nil || st.IsDir() {
			return false
		}
		f, err := loadAsset(dist, name)
		if err != nil {
			return false
		}
		if strings.HasPrefix(name, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		f.serve(w, r)
		return true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/assets/") {
			if !file(w, r) {
				http.NotFound(w, r)
			}
			return
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			httpx.Error(w, r, apperr.NotFoundf("route"))
			return
		}
		if r.URL.Path != "/" && r.URL.Path != "/index.html" && file(w, r) {
			return
		}
		servePage(w, r, index, indexGz)
	})
}
