// Package demo builds a living demo on the real division codes of 河源市:
// the org tree, generated town, village and grid areas that tile the real
// county outlines, several grid layers, grid teams and one account per role.
// The same generator makes the city- and province-scale data sets that
// benchmarks run on.
package demo

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base32"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/antifraud"
	"github.com/gridgov/gridgov/internal/apikey"
	"github.com/gridgov/gridgov/internal/assess"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/callkey"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/dispute"
	"github.com/gridgov/gridgov/internal/drive"
	"github.com/gridgov/gridgov/internal/duty"
	"github.com/gridgov/gridgov/internal/geo"
	"github.com/gridgov/gridgov/internal/keyperson"
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
	"github.com/gridgov/gridgov/internal/situation"
	"github.com/gridgov/gridgov/internal/village"
	"github.com/gridgov/gridgov/internal/visit"
	"github.com/gridgov/gridgov/internal/volunteer"
)

//go:embed data/heyuan-divisions.csv data/heyuan-counties.geojson
var data embed.FS

// Scale sets how much ground and how many grids the demo covers.
type Scale struct {
	Name     string
	Counties []string // county codes of 河源市; empty = all six
	// Grids per village, by kind (urban community or rural village), before
	// a random spread of ±30 %.
	CommunityGrids, VillageGrids int
	// EventsPerGrid is the year of event history per grid (城市 ~100: a
	// million events at city scale).
	EventsPerGrid int
	// DisputesPerVillage, when set, adds a year of dispute cases in every
	// village of every county, written in batches (CityDisputes): about
	// this many a village. 丹江口, a county of ~0.4 M people, accepted 2,387
	// disputes a year; 河源's ~3 M people in 1,452 villages make ~16 a
	// village, ~23,000 cases.
	DisputesPerVillage int
}

// Scales are the data sets `gridgov demo --scale` makes.
var Scales = map[string]Scale{
	"county":   {Name: "county", Counties: []string{"441602"}, CommunityGrids: 10, VillageGrids: 4, EventsPerGrid: 5},
	"city":     {Name: "city", CommunityGrids: 12, VillageGrids: 6, EventsPerGrid: 100, DisputesPerVillage: 16},
	"province": {Name: "province", CommunityGrids: 60, VillageGrids: 30, EventsPerGrid: 20},
}

// DemoPassword is every demo account's password (demo data only).
const DemoPassword = "Gridgov@Demo2026"

// Account is a demo account as written to demo.json.
type Account struct {
	Username   string `json:"username"`
	Password   string `json:"password"`
	Role       string `json:"role"`
	OrgCode    string `json:"org_code"`
	TOTPSecret string `json:"totp_secret,omitempty"`
}

// LatLng is a WGS-84 position.
type LatLng struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Result is what demo.json holds.
type Result struct {
	Scale        string    `json:"scale"`
	Accounts     []Account `json:"accounts"`
	Open311Key   string    `json:"open311_api_key"`
	AlertKey     string    `json:"alert_api_key"`
	CallKeyKey   string    `json:"callkey_api_key"`
	Center       LatLng    `json:"center"`
	Towns        int       `json:"towns"`
	Villages     int       `json:"villages"`
	Grids        int       `json:"grids"`
	Households   int       `json:"households"`
	Events       int       `json:"events"`
	Disputes     int       `json:"disputes"`
	People       int       `json:"people"`
	TeamMembers  int       `json:"team_members"`
	BuiltSeconds float64   `json:"built_seconds"`
}

// Deps are the services the demo writes through.
type Deps struct {
	DB    *db.DB
	Authn *authn.Service
	// NoEvents leaves the event history out (tests that count their own events).
	NoEvents bool
	// Disputes, when set, gives the first county its 调解力量 (the
	// mediators' register) and writes a year of its dispute cases (with
	// the events, some turned from events of dispute categories), unless
	// NoDisputeCases.
	Disputes       *dispute.Service
	NoDisputeCases bool
	// Registry, when set, fills the base registers of the first county,
	// with key persons and care targets (KeyPersons) through a spreadsheet
	// import (Sheets).
	Registry   *registry.Service
	KeyPersons *keyperson.Service
	Sheets     *regsheet.Service
	// Petitions, when set, writes a year of the petition desk's work with
	// the events (not with NoEvents).
	Petitions *petition.Service
	// Org, when set, fills the first county's roster of the grid
	// workforce: phones, building heads, volunteers, party members, a
	// member serving two grids, members who left or moved.
	Org *org.Service
	// CallKey, with the registers, registers 9-key numbers for the first
	// county's elderly care targets and writes a year of their calls.
	CallKey *callkey.Service
	// Psych, with the registers, opens 三级三色 records for some of the
	// first county's care targets.
	Psych *psych.Service
	// Village, with the registers, gives three villages a score sheet with
	// a year of scores and published lists, and their councils.
	Village *village.Service
	// Duty, when set, writes a year of the grid members' tasks, the
	// town–police-station meetings and the day closes with the events
	// (not with NoEvents).
	Duty *duty.Service
	// Visits, when set with the registers, writes a year of home visits
	// and Wednesday reception days of the first county.
	Visits *visit.Service
	// Assess, when set, writes a year of grid-member assessment of the
	// first county: weights, offline scores, 网格学堂 and 十佳网格员.
	Assess *assess.Service
	// Party, when set, lays the red grid over the first county: compounds
	// and buildings, the party tree and its members.
	Party *party.Service
	// Patrols, when set, gives the patrols of the first county sealed
	// notes at some check-ins and photos at recent ones.
	Patrols *patrol.Service
	// NoPatrolYear leaves out the county's year of patrols beyond the first
	// community that Patrols otherwise writes (`gridgov demo --lean`).
	NoPatrolYear bool
	// Volunteers, when set, writes the first county's volunteer teams
	// (红袖章, 平安志愿者, 法律明白人) with a year of shifts, hours and clues.
	Volunteers *volunteer.Service
	// Points, when set with Party, credits the year's work to the ledger
	// (WorkPoints) after everything else is written.
	Points *points.Service
	// RedOrders, when set with Party, writes a year of red orders over the
	// branches and the points they earned.
	RedOrders *redorder.Service
	// Safety, when set, computes the safety index (平安指数) of the first
	// county and its towns for the last twelve months, published, and
	// the current month, after everything else is written.
	Safety *safety.Service
	// Drives, when set, writes the first county's special campaigns
	// (专项行动) with their assignments and clues.
	Drives *drive.Service
	// Antifraud, when set, writes the police's lists of likely fraud
	// victims of the first county, matched to the registers' residents.
	Antifraud *antifraud.Service
	// Situations, when set with Safety, writes a year of the first
	// county's 三情 with their feeds, judgements and scheduling meetings.
	Situations *situation.Service
}

type division struct {
	code, name, level, parent string
}

func loadDivisions() ([]division, error) {
	f, err := data.Open("data/heyuan-divisions.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var out []division
	for _, r := range rows[1:] {
		out = append(out, division{r[0], r[1], r[2], r[3]})
	}
	return out, nil
}

func loadOutlines() (map[string]geo.MultiPolygon, error) {
	b, err := data.ReadFile("data/heyuan-counties.geojson")
	if err != nil {
		return nil, err
	}
	fc, err := geo.ParseFeatureCollection(b)
	if err != nil {
		return nil, err
	}
	out := map[string]geo.MultiPolygon{}
	for _, f := range fc.Features {
		m, err := geo.ToWGS84(geo.GCJ02, f.Geometry) // DataV outlines are GCJ-02
		if err != nil {
			return nil, err
		}
		out[f.PropString("adcode")] = m
	}
	return out, nil
}

// shortName drops the county and town prefix and the committee suffix that
// statistical village names carry: 源城区上城街道下城社区居民委员会 → 下城社区.
func shortName(name string, prefixes ...string) string {
	for _, p := range prefixes {
		name = strings.TrimPrefix(name, p)
	}
	for _, s := range []string{"居民委员会", "村民委员会", "委员会", "居委会", "村委会"} {
		if strings.HasSuffix(name, s) {
			name = strings.TrimSuffix(name, s)
			if !strings.HasSuffix(name, "社区") && !strings.HasSuffix(name, "村") {
				if s == "居民委员会" || s == "居委会" {
					name += "社区"
				} else {
					name += "村"
				}
			}
			break
		}
	}
	return name
}

// Build writes the demo into an empty database and returns demo.json's content.
func Build(ctx context.Context, d Deps, scale Scale, seed int64, log io.Writer) (Result, error) {
	start := time.Now()
	// Every room's demo writes are audited as the demo's, from the machine itself.
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "demo", IP: "local"})
	res := Result{Scale: scale.Name}
	if err := checkEmpty(ctx, d.DB); err != nil {
		return res, err
	}
	counties, err := buildTree(ctx, d.DB, scale, seed, log, &res)
	if err != nil {
		return res, err
	}
	if err := units(ctx, d.DB, counties); err != nil {
		return res, err
	}
	if err := addAccess(ctx, d, counties[0].code, &res); err != nil {
		return res, err
	}
	if d.Disputes != nil {
		if _, err := Mediators(ctx, d.DB, d.Disputes, counties[0].code, seed); err != nil {
			return res, err
		}
	}
	if err := addHistory(ctx, d, scale, seed, counties[0].code, log, &res); err != nil {
		return res, err
	}
	res.BuiltSeconds = time.Since(start).Seconds()
	return res, nil
}

// checkEmpty refuses a database that already holds an org tree.
func checkEmpty(ctx context.Context, d *db.DB) error {
	var n int
	if err := d.Reader().QueryRowContext(ctx, "SELECT count(*) FROM org_nodes").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("the database already holds an org tree (%d nodes): use an empty data directory", n)
	}
	return nil
}

// buildTree writes the org tree, the grids of every layer and the grid
// teams of the scale's counties, and returns those counties.
func buildTree(ctx context.Context, d *db.DB, scale Scale, seed int64, log io.Writer, res *Result) ([]division, error) {
	divs, err := loadDivisions()
	if err != nil {
		return nil, err
	}
	outlines, err := loadOutlines()
	if err != nil {
		return nil, err
	}
	rng := mrand.New(mrand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))
	city, counties, children := pickDivisions(divs, scale.Counties)
	w := newWriter(ctx, d)
	defer w.rollback()
	cityID := w.node(city.code, city.name, "city", "", "", nil)
	plan, cpd := planGrids(rng, scale, counties, children, outlines)
	t := &treeWriter{w: w, rng: rng, res: res, roster: mrand.New(mrand.NewPCG(uint64(seed), 31))}
	for _, c := range counties {
		spec := tileSpec(c, children, plan, cpd)
		fmt.Fprintf(log, "tiling %s: %d towns …\n", c.name, len(spec.Towns))
		tiles, err := geo.Tile(outlines[c.code], spec, seed)
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", c.name, err)
		}
		t.county(c, cityID, tiles)
		if err := w.flush(); err != nil {
			return nil, err
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := w.commit(); err != nil {
		return nil, err
	}
	if t.firstCenter != nil {
		res.Center = LatLng{t.firstCenter.Lat, t.firstCenter.Lng}
	}
	return counties, nil
}

// pickDivisions returns the city, its counties among want (all when want
// is empty) and the divisions under each code.
func pickDivisions(divs []division, want []string) (city division, counties []division, children map[string][]division) {
	wanted := map[string]bool{}
	for _, c := range want {
		wanted[c] = true
	}
	children = map[string][]division{}
	for _, dv := range divs {
		switch {
		case dv.level == "city":
			city = dv
		case dv.level == "county" && (len(wanted) == 0 || wanted[dv.code]):
			counties = append(counties, dv)
		}
		children[dv.parent] = append(children[dv.parent], dv)
	}
	return city, counties, children
}

// planGrids draws the number of grids of every village and sizes one
// lattice for every county, so neighbouring counties line up: it returns
// grids by village code and the lattice's cells per degree.
func planGrids(rng *mrand.Rand, scale Scale, counties []division, children map[string][]division, outlines map[string]geo.MultiPolygon) (map[string]int, int) {
	totalGrids, areaDeg := 0, 0.0
	plan := map[string]int{}
	for _, c := range counties {
		areaDeg += outlines[c.code].Area()
		for _, t := range children[c.code] {
			for _, v := range children[t.code] {
				per := scale.VillageGrids
				if strings.Contains(v.name, "社区") || strings.Contains(v.name, "居民委员会") {
					per = scale.CommunityGrids
				}
				g := max(1, int(math.Round(float64(per)*(0.7+0.6*rng.Float64()))))
				plan[v.code] = g
				totalGrids += g
			}
		}
	}
	return plan, int(math.Ceil(math.Sqrt(float64(totalGrids*45) / areaDeg)))
}

// tileSpec is what geo.Tile needs to cut county c into its towns, villages
// and planned grids.
func tileSpec(c division, children map[string][]division, plan map[string]int, cpd int) geo.TileSpec {
	spec := geo.TileSpec{CellsPerDegree: cpd}
	for _, t := range children[c.code] {
		ts := geo.TownSpec{Code: t.code, Name: shortName(t.name, c.name)}
		for _, v := range children[t.code] {
			ts.Villages = append(ts.Villages, geo.VillageSpec{Code: v.code, Name: shortName(v.name, c.name, t.name), Grids: plan[v.code]})
		}
		if len(ts.Villages) > 0 {
			spec.Towns = append(spec.Towns, ts)
		}
	}
	return spec
}

// treeWriter writes tiled counties through w, drawing households and
// names from rng and counting into res.
type treeWriter struct {
	w           *writer
	rng         *mrand.Rand
	res         *Result
	firstCenter *geo.Point  // of the first grid, where the map opens
	roster      *mrand.Rand // the roster's start dates and terms
}

// startedOn is a roster entry's first day: within the last eight years.
func (t *treeWriter) startedOn() string {
	return time.Now().AddDate(0, 0, -30-t.roster.IntN(8*365)).Format("2006-01-02")
}

// county writes a tiled county with its towns and villages.
func (t *treeWriter) county(c division, cityID string, tiles geo.TileResult) {
	countyID := t.w.node(c.code, c.name, "county", cityID, "/"+cityID+"/", tiles.Outline)
	for _, town := range tiles.Towns {
		townID := t.w.node(town.Code, town.Name, "town", countyID, t.w.paths[countyID], town.Geom)
		t.res.Towns++
		for _, v := range town.Villages {
			t.village(v, townID)
		}
	}
}

// village writes a village, its main-layer grids with their teams (one
// police officer for the whole village) and its other layers.
func (t *treeWriter) village(v geo.TileVillage, townID string) {
	villageID := t.w.node(v.Code, v.Name, "village", townID, t.w.paths[townID], v.Geom)
	t.res.Villages++
	// one police officer serves every grid of the village (一村一警): one
	// roster entry, primary on the first grid
	police := personName(t.rng)
	policeID := t.w.worker(villageID, police, "other", t.startedOn())
	for i, g := range v.Grids {
		t.grid(v, g, villageID, policeID, police, i == 0)
	}
	t.w.otherLayers(t.rng, v, villageID)
}

// grid writes one main-layer grid and its team.
func (t *treeWriter) grid(v geo.TileVillage, g geo.TileGrid, villageID, policeID, police string, policePrimary bool) {
	hh := 200 + t.rng.IntN(101)
	code := org.CodeOf(v.Code, org.MainLayer, g.Seq)
	gid := t.w.grid(code, fmt.Sprintf("%s第%d网格", v.Name, g.Seq), org.MainLayer, villageID, geo.MultiPolygon{g.Geom}, g.Interior, hh)
	t.res.Grids++
	t.res.Households += hh
	if t.firstCenter == nil {
		p := g.Interior
		t.firstCenter = &p
	}
	team := []struct{ role, name, employment string }{{"grid_chief", personName(t.rng), "full_time"},
		{"grid_member", personName(t.rng), "full_time"}, {"assistant", personName(t.rng), "other"}}
	if t.rng.IntN(3) == 0 {
		team = append(team, struct{ role, name, employment string }{"assistant", personName(t.rng), "other"})
	}
	// the roster's own details come from a second source, so the names
	// stay those of earlier demos
	if t.roster.IntN(4) == 0 {
		team[1].employment = "part_time"
	}
	for _, m := range team {
		t.w.member(gid, m.role, t.w.worker(villageID, m.name, m.employment, t.startedOn()), m.name, true)
		t.res.TeamMembers++
	}
	t.w.member(gid, "police", policeID, police, policePrimary)
	t.res.TeamMembers++
}

// addAccess makes the demo accounts in the first county and the API keys.
func addAccess(ctx context.Context, d Deps, countyCode string, res *Result) error {
	var err error
	if res.Accounts, err = accounts(ctx, d, countyCode); err != nil {
		return err
	}
	if res.Open311Key, err = apiKey(ctx, d.DB, "demo Open311 client", apikey.Open311); err != nil {
		return err
	}
	if res.AlertKey, err = apiKey(ctx, d.DB, "demo video platform", apikey.Alerts); err != nil {
		return err
	}
	res.CallKeyKey, err = apiKey(ctx, d.DB, "demo 9-key platform", apikey.CallKey)
	return err
}

// addHistory writes the year of events with the field accounts' work of
// the day and, with a registry, the base registers of the first county.
func addHistory(ctx context.Context, d Deps, scale Scale, seed int64, countyCode string, log io.Writer, res *Result) error {
	var err error
	if scale.EventsPerGrid > 0 && !d.NoEvents {
		fmt.Fprintf(log, "writing a year of events (%d a grid) …\n", scale.EventsPerGrid)
		if res.Events, err = Events(ctx, d.DB, scale.EventsPerGrid, seed, time.Now()); err != nil {
			return err
		}
		// and today's work on the field accounts' phones
		n, err := FieldWork(ctx, d.DB, seed, time.Now())
		if err != nil {
			return err
		}
		res.Events += n
		// and the leader's supervision orders for the Monday meeting
		if _, err := Supervision(ctx, d.DB, time.Now()); err != nil {
			return err
		}
	}
	if d.Org != nil {
		n, err := Roster(ctx, d.DB, d.Org, countyCode, seed)
		if err != nil {
			return err
		}
		res.TeamMembers += n
		fmt.Fprintf(log, "filled the roster of the grid workforce (%d more team places)\n", n)
	}
	// A year of screening rounds (排查): small, and the tests of the
	// screening room count only their own rounds, so every demo has it.
	if n, err := Screening(ctx, d.DB, seed, time.Now()); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(log, "wrote a year of screening rounds (%d findings)\n", n)
	}
	// A year of patrols (一日三巡) of the first county; today's only with the
	// events (tests start their members' day themselves).
	t0 := time.Now()
	if n, err := Patrols(ctx, d.DB, d.Patrols, countyCode, seed, time.Now(), !d.NoEvents); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(log, "wrote a year of patrols (%d) in %.1fs\n", n, time.Since(t0).Seconds())
	}
	// With the patrol service (gridgov demo, not the tests' demo) the rest
	// of the county's year, written inside the database.
	if d.Patrols != nil && !d.NoPatrolYear {
		t0 := time.Now()
		if n, err := PatrolYear(ctx, d.DB, countyCode, seed, time.Now()); err != nil {
			return err
		} else if n > 0 {
			fmt.Fprintf(log, "wrote the rest of the county's year of patrols (%d) in %.1fs\n", n, time.Since(t0).Seconds())
		}
	}
	if d.Registry != nil {
		fmt.Fprintln(log, "filling the base registers of the first county …")
		if res.People, err = Registers(ctx, d, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.Petitions != nil && scale.EventsPerGrid > 0 && !d.NoEvents {
		fmt.Fprintln(log, "writing a year of petitions, weekly reviews and 面对面 sessions …")
		if _, err := Petitions(ctx, d, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.CallKey != nil && d.Registry != nil {
		n, err := CallKeys(ctx, d.DB, d.CallKey, countyCode, seed, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote a year of 9-key calls (%d)\n", n)
	}
	if d.Psych != nil && d.Registry != nil {
		if _, err := Psych(ctx, d, d.Psych, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.Village != nil && d.Registry != nil {
		n, err := Villages(ctx, d, d.Village, countyCode, seed, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote a year of village scores (%d) and councils\n", n)
	}
	if d.Duty != nil && scale.EventsPerGrid > 0 && !d.NoEvents {
		fmt.Fprintln(log, "writing a year of member tasks, town–police-station meetings and day closes …")
		if _, err := Duty(ctx, d, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.Disputes != nil && !d.NoDisputeCases {
		fmt.Fprintln(log, "writing a year of dispute cases …")
		if res.Disputes, err = Disputes(ctx, d.DB, d.Disputes, countyCode, seed, time.Now()); err != nil {
			return err
		}
		if _, err := LinkScreeningCases(ctx, d.DB); err != nil {
			return err
		}
		if scale.DisputesPerVillage > 0 {
			fmt.Fprintf(log, "writing a year of dispute cases in every village (%d a village), in batches …\n", scale.DisputesPerVillage)
			t0 := time.Now()
			n, err := CityDisputes(ctx, d, scale.DisputesPerVillage, seed, time.Now(), res)
			if err != nil {
				return err
			}
			res.Disputes += n
			fmt.Fprintf(log, "wrote %d dispute cases in %.1fs\n", n, time.Since(t0).Seconds())
		}
	}
	// Home visits and reception days come late: reception items link the
	// villages' events and dispute cases.
	if d.Visits != nil && d.Registry != nil {
		fmt.Fprintln(log, "writing a year of home visits and Wednesday reception days …")
		if _, err := Visits(ctx, d, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.Party != nil {
		c, err := Party(ctx, d.DB, d.Party, countyCode, seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "laid the red grid: %d compounds, %d buildings, %d party organisations, %d members\n", c.Compounds, c.Buildings, c.Orgs, c.Members)
		w, err := PartyWork(ctx, d.DB, d.Party, countyCode, seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "the red grid's year: %d houses in compounds, %d households of 党员中心户, %d compound problems, %d units and %d members reported, %d tasks\n",
			w.Houses, w.Households, w.Problems, w.Units, w.Members, w.Tasks)
		if d.RedOrders != nil {
			n, err := RedOrders(ctx, d.DB, d.RedOrders, countyCode, seed, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(log, "wrote %d red orders with their points\n", n)
		}
	}
	if d.Volunteers != nil {
		n, err := Volunteers(ctx, d.DB, d.Volunteers, d.Org, countyCode, seed, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote the volunteer teams with a year of shifts (%d volunteers)\n", n)
	}
	// Last, as the ranking of each month scores the work written above.
	if d.Assess != nil {
		fmt.Fprintln(log, "writing a year of grid-member assessment …")
		if _, err := Assessment(ctx, d.Assess, d.DB, countyCode, seed, time.Now()); err != nil {
			return err
		}
	}
	if d.Points != nil && d.Party != nil {
		n, err := WorkPoints(ctx, d.DB, d.Points, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "credited the year's work to the points ledgers: %d entries\n", n)
	}
	if d.Drives != nil {
		n, err := Drives(ctx, d.DB, d.Drives, countyCode, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote the county's special campaigns (%d reports on their lists)\n", n)
	}
	if d.Antifraud != nil {
		n, err := AntifraudWarnings(ctx, d.DB, d.Antifraud, countyCode, seed, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote the police's anti-fraud warning lists (%d people)\n", n)
	}
	if d.Situations != nil && d.Safety != nil {
		n, err := Situations(ctx, d.DB, d.Situations, d.Safety, countyCode, seed, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "wrote a year of 三情 (%d situations) with their judgements and scheduling meetings\n", n)
	}
	if d.Safety != nil {
		t0 := time.Now()
		n, err := SafetyIndex(ctx, d.DB, d.Safety, countyCode, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(log, "computed the safety index of %d months in %.1fs\n", n, time.Since(t0).Seconds())
	}
	return nil
}

var surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈钟廖")
var givens = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力志国荣海燕春梅鹏飞宇婷雪琳晓东晨")

func personName(rng *mrand.Rand) string {
	n := string(surnames[rng.IntN(len(surnames))]) + string(givens[rng.IntN(len(givens))])
	if rng.IntN(3) > 0 {
		n += string(givens[rng.IntN(len(givens))])
	}
	return n
}

// demoAccounts are one account per role, and the town's dispute units:
// usernames, display names, roles, and where the role is granted.
var demoAccounts = []struct {
	username, name, role string
	at                   string // "" for the county, "town" or "village" (the first village and its town)
	unit                 string // the key of a unit of the account's own area: "center", a department, "pcs", "sfs", "fy"
}{
	{"sysadmin", "系统管理员", "sys_admin", "", ""},
	{"secadmin", "安全管理员", "sec_admin", "", ""},
	{"auditadmin", "审计管理员", "audit_admin", "", ""},
	{"intake", "受理员 陈静", "intake", "", "center"},
	{"dispatcher", "派遣员 王强", "dispatcher", "", "center"},
	{"shiftlead", "值班长 刘洋", "shift_lead", "", "center"},
	{"handler", "城管局 李军", "dept_handler", "", "cg"},
	{"gridmember", "网格员 张敏", "grid_member", "village", "center"},
	{"leader", "政法委 黄书记", "leader", "", ""},
	{"mediator", "调解员 周平", "mediator", "", ""},
	{"partymember", "党员 吴红", "party_member", "village", ""},
	{"partysec", "社区党委书记 刘建华", "party_secretary", "village", ""},
	{"resident", "居民 郑春梅", "resident", "village", ""},
	{"volunteer", "志愿者 李红梅", "volunteer", "village", ""},
	{"police", "民警 何志刚", "police", "", "ga"},
	{"justice", "司法所 邱丽", "justice", "", "sf"},
	{"health", "卫健局 钟医生", "health", "", ""},
	{"civilaffairs", "民政局 罗芳", "civil_affairs", "", "mz"},
	// The statisticians who report the safety index's monthly figures.
	{"gareporter", "公安分局统计员 周涛", "safety_reporter", "", "ga"},
	{"yjreporter", "应急管理局统计员 邓丽", "safety_reporter", "", "yj"},
	// The town's dispute units (矛盾纠纷多元化解): its mediator, the heads of
	// its 司法所 and 派出所, and the judge of its 人民法庭.
	{"townmediator", "镇调解员 李秀英", "mediator", "town", "center"},
	{"sfschief", "司法所所长 林志强", "justice", "town", "sfs"},
	{"pcschief", "派出所所长 陈国栋", "police", "town", "pcs"},
	{"judge", "法庭法官 温建国", "judge", "town", "fy"},
	// The village's 人民调解委员会, and the county centre's petition desk.
	{"vmediator", "村调解员 黄桂兰", "mediator", "village", "tjw"},
	{"xfclerk", "信访干部 钟小燕", "petition_clerk", "", "center"},
}

// departments are the county's 职能部门 by key (categories name their key).
var departments = []struct{ key, name string }{
	{"cg", "城市管理和综合执法局"}, {"zj", "住房和城乡建设局"}, {"ga", "公安分局"}, {"sf", "司法局"}, {"mz", "民政局"},
	{"sw", "水务公司"}, {"gd", "供电局"}, {"rq", "燃气公司"}, {"yj", "应急管理局"}, {"zr", "自然资源局"}, {"rs", "人力资源和社会保障局"},
}

// units makes the 综治中心 of the city and of every county, town and village
// (四级中心), each county's departments, each town's 派出所, 司法所 and 人民法庭
// (every second town a 法官工作站 of the county court instead), and each
// village's 人民调解委员会 and 法官工作室.
func units(ctx context.Context, d *db.DB, counties []division) error {
	return d.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		// The city's centre, where events and cases rise to last.
		if _, err := tx.ExecContext(ctx, `INSERT INTO units (id, code, name, kind, level, org_id, path, created_at)
			SELECT ?, code || '-center', name || '综治中心', 'center', 'city', id, path, ? FROM org_nodes WHERE kind = 'city'`,
			db.NewID(), now); err != nil {
			return err
		}
		for _, c := range counties {
			path, err := pathOfCode(ctx, tx, c.code)
			if err != nil {
				return err
			}
			under, args := authz.Under("path", path)
			rows, err := tx.QueryContext(ctx, "SELECT id, code, name, kind, path FROM org_nodes WHERE "+under, args...)
			if err != nil {
				return err
			}
			type node struct{ id, code, name, kind, path string }
			var nodes []node
			for rows.Next() {
				var n node
				if err := rows.Scan(&n.id, &n.code, &n.name, &n.kind, &n.path); err != nil {
					rows.Close()
					return err
				}
				nodes = append(nodes, n)
			}
			rows.Close()
			ins := func(code, name, kind, level string, n node) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO units (id, code, name, kind, level, org_id, path, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
					db.NewID(), code, name, kind, level, n.id, n.path, now)
				return err
			}
			slices.SortFunc(nodes, func(a, b node) int { return strings.Compare(a.code, b.code) })
			towns := 0
			for _, n := range nodes {
				if err := ins(n.code+"-center", n.name+"综治中心", "center", n.kind, n); err != nil {
					return err
				}
				var more []areaUnit
				switch n.kind {
				case "county":
					for _, dep := range departments {
						more = append(more, areaUnit{dep.key, n.name + dep.name, "department"})
					}
				case "town":
					more = townUnits(c.name, n.name, towns)
					towns++
				case "village":
					more = []areaUnit{
						{"tjw", n.name + "人民调解委员会", "mediation_committee"},
						{"fgs", n.name + "法官工作室", "judge_studio"},
					}
				}
				for _, u := range more {
					if err := ins(n.code+"-"+u.key, u.name, u.kind, n.kind, n); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// areaUnit is a unit made beside an area's centre (a department, a dispute
// unit): its code suffix, name and kind.
type areaUnit struct{ key, name, kind string }

// townUnits are a town's 派出所, 司法所 and 人民法庭 as the county's police,
// justice bureau and court name them; the court keeps a tribunal in every
// second town and a 法官工作站 in the others (the i-th town of the county).
func townUnits(county, town string, i int) []areaUnit {
	short := town
	for _, suffix := range []string{"街道", "镇", "乡"} {
		short = strings.TrimSuffix(short, suffix)
	}
	court := county + "人民法院" + short + "人民法庭"
	if i%2 == 1 {
		court = county + "人民法院" + short + "法官工作站"
	}
	return []areaUnit{
		{"pcs", county + "公安分局" + short + "派出所", "police_station"},
		{"sfs", county + "司法局" + short + "司法所", "justice_office"},
		{"fy", court, "tribunal"},
	}
}

// pathOfCode is the path of the area with the division code.
func pathOfCode(ctx context.Context, q db.Querier, code string) (string, error) {
	id, err := org.IDOfCode(ctx, q, code)
	if err != nil {
		return "", err
	}
	return org.PathOf(ctx, q, id, "")
}

// demoTOTP derives a stable TOTP secret for a demo account, so the README
// and demo.json stay true across rebuilds (demo data only).
func demoTOTP(username string) string {
	sum := sha256.Sum256([]byte("gridgov demo totp " + username))
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:20])
}

// needsTOTP reports whether the built-in role must sign in with TOTP (the
// administrators and everyone who may see personal data in clear).
func needsTOTP(role string) bool {
	for _, b := range authz.Builtins {
		if b.Code == role {
			return authz.NeedsTOTP(b.Perms)
		}
	}
	return false
}

func accounts(ctx context.Context, d Deps, countyCode string) ([]Account, error) {
	var villageID, villageCode string
	q := d.DB.Reader()
	countyID, err := org.IDOfCode(ctx, q, countyCode)
	if err != nil {
		return nil, err
	}
	countyPath, err := org.PathOf(ctx, q, countyID, "")
	if err != nil {
		return nil, err
	}
	// The county's first village, by code.
	under, args := authz.Under("path", countyPath)
	if err := q.QueryRowContext(ctx, "SELECT id, code FROM org_nodes WHERE kind = 'village' AND "+under+" ORDER BY code LIMIT 1",
		args...).Scan(&villageID, &villageCode); err != nil {
		return nil, err
	}
	var townID, townCode string
	if err := q.QueryRowContext(ctx, "SELECT p.id, p.code FROM org_nodes p JOIN org_nodes v ON v.parent_id = p.id WHERE v.id = ?",
		villageID).Scan(&townID, &townCode); err != nil {
		return nil, err
	}
	hash, err := d.Authn.HashPassword(DemoPassword)
	if err != nil {
		return nil, err
	}
	var out []Account
	err = d.DB.InTx(ctx, func(tx *db.Tx) error {
		now := db.Now()
		for _, a := range demoAccounts {
			orgID, orgCode := countyID, countyCode
			switch a.at {
			case "village":
				orgID, orgCode = villageID, villageCode
			case "town":
				orgID, orgCode = townID, townCode
			}
			id := db.NewID()
			acc := Account{Username: a.username, Password: DemoPassword, Role: a.role, OrgCode: orgCode}
			var sealed any
			if needsTOTP(a.role) {
				acc.TOTPSecret = demoTOTP(a.username)
				sealed = d.Authn.SealTOTP(id, acc.TOTPSecret)
			}
			var unit any
			if a.unit != "" {
				unit = orgCode + "-" + a.unit // the centre or department of the account's own area
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, username, display_name, org_id, unit_id, password_hash, password_changed_at, must_change_password, totp_secret, created_at, updated_at)
				VALUES (?, ?, ?, ?, (SELECT id FROM units WHERE code = ?), ?, ?, ?, ?, ?, ?)`, id, a.username, a.name, orgID, unit, hash, now, false, sealed, now, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO role_assignments (id, user_id, role_id, org_id, created_at, created_by)
				SELECT ?, ?, id, ?, ?, 'demo' FROM roles WHERE code = ?`, db.NewID(), id, orgID, now, a.role); err != nil {
				return err
			}
			if a.role == "grid_member" { // the demo grid member serves the first grid of the village
				var worker string
				if err := tx.QueryRowContext(ctx, `SELECT m.worker_id FROM grid_members m JOIN grids g ON g.id = m.grid_id
					WHERE g.org_id = ? AND g.layer = 'zz' AND m.role = 'grid_member' ORDER BY g.code LIMIT 1`, villageID).Scan(&worker); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE grid_members SET user_id = ?, name = ? WHERE worker_id = ?`, id, "张敏", worker); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE workers SET user_id = ?, name = ?, employment = 'full_time' WHERE id = ?`, id, "张敏", worker); err != nil {
					return err
				}
			}
			out = append(out, acc)
		}
		return nil
	})
	return out, err
}

// apiKey makes a demo key of a scope; only its hash is stored.
func apiKey(ctx context.Context, d *db.DB, name, scope string) (string, error) {
	var key string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		var err error
		key, err = apikey.Create(ctx, tx, name, scope)
		return err
	})
	return key, err
}
