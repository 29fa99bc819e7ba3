// Package archtest holds the tests that keep gridgov's rooms apart: each
// table has an owner, and a room's SQL names only its own tables, the
// display-name joins every list needs, and the short list of exceptions
// below, each with its reason. docs/architecture.md is the map.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// owners names the rooms (packages under internal/) whose SQL may name each
// table freely: the room that keeps the table's rules. A new table needs an
// entry here.
var owners = map[string][]string{
	"schema_migrations": {"db"},
	"audit_log":         {"audit"},
	"audit_head":        {"audit"},
	"jobs":              {"jobs"},
	"job_runs":          {"jobs"},
	"leases":            {"jobs"},
	"outbox":            {"casework"},
	"org_nodes":         {"org"},
	"grids":             {"org"},
	"grid_members":      {"org"},
	"workers":           {"org"},
	"worker_log":        {"org"},
	"users":             {"account", "authn"}, // account keeps the accounts, authn their sign-in state
	"roles":             {"account"},
	"role_assignments":  {"account"},
	"sessions":          {"authn"},
	"login_attempts":    {"authn"},
	"lockouts":          {"authn"},
	"api_keys":          {"apikey"},
	"categories":        {"casework"},
	"units":             {"casework"},
	"dispatch_rules":    {"casework"},
	"events":            {"casework"},
	"event_log":         {"casework"},
	"event_units":       {"casework"},
	"event_media":       {"casework"},
	"supervisions":      {"casework"},
	"inbox":             {"casework"},
	"idempotency_keys":  {"idem"},

	// Dispute cases of the one door and their mediation (矛盾纠纷).
	"disputes":                {"dispute"},
	"dispute_parties":         {"dispute"},
	"dispute_sessions":        {"dispute"},
	"dispute_mediators":       {"dispute"},
	"dispute_session_units":   {"dispute"},
	"dispute_agreements":      {"dispute"},
	"dispute_follow_ups":      {"dispute"},
	"dispute_confirmations":   {"dispute"},
	"dispute_subsidy_rates":   {"dispute"},
	"dispute_subsidy_credits": {"dispute"},
	"dispute_log":             {"dispute"},

	// Member tasks, police–grid meetings and the same-day close (日清).
	"duty_tasks":     {"duty"},
	"duty_assignees": {"duty"},
	"duty_meetings":  {"duty"},
	"duty_decisions": {"duty"},

	"people":            {"registry"},
	"households":        {"registry"},
	"houses":            {"registry"},
	"register_units":    {"registry"},
	"addresses":         {"registry"},
	"register_log":      {"registry"},
	"search_index":      {"registry"},
	"search_fts":        {"registry"},
	"duplicate_reviews": {"registry"},
	"key_persons":       {"keyperson"},
	"visits":            {"keyperson"},
	"care_targets":      {"keyperson"},
	"campaigns":         {"campaign"},
	"mediators":         {"dispute"},
	"campaign_grids":    {"campaign"},
	"campaign_items":    {"campaign"},
	"imports":           {"regsheet"},
	"exports":           {"regsheet"},
	"calendar_years":    {"workcal"},

	// Screening rounds of disputes (排查).
	"screening_rounds":       {"screening"},
	"screening_zero_reports": {"screening"},
	"screening_findings":     {"screening"},
	// Daily dispatch and patrols (一日三巡).
	"patrol_plans":   {"patrol"},
	"patrol_tasks":   {"patrol"},
	"patrols":        {"patrol"},
	"patrol_points":  {"patrol"},
	"patrol_photos":  {"patrol"},
	"patrol_reports": {"patrol"},
	// Volunteers of the red grid (红袖章, 平安志愿者, 法律明白人).
	"volunteer_teams":   {"volunteer"},
	"volunteers":        {"volunteer"},
	"volunteer_shifts":  {"volunteer"},
	"volunteer_signups": {"volunteer"},
	"volunteer_hours":   {"volunteer"},
	"volunteer_clues":   {"volunteer"},
	"volunteer_awards":  {"volunteer"},
	// The petition desk (信访).
	"petitions":             {"petition"},
	"petitioners":           {"petition"},
	"petition_log":          {"petition"},
	"petition_supervisions": {"petition"},
	"petition_reviews":      {"petition"},
	"petition_decisions":    {"petition"},
	"face_sessions":         {"petition"},
	"face_problems":         {"petition"},
	"face_followups":        {"petition"},
	// The 9-key call (9键呼叫) and psychological protection (三级三色).
	"callkey_numbers":  {"callkey"},
	"callkey_alerts":   {"callkey"},
	"callkey_steps":    {"callkey"},
	"callkey_settings": {"callkey"},
	"psych_records":    {"psych"},
	"psych_entries":    {"psych"},
	// Village score sheets (评分表) and councils (村民理事会).
	"village_settings":        {"village"},
	"village_rules":           {"village"},
	"village_sheets":          {"village"},
	"village_sheet_items":     {"village"},
	"village_scores":          {"village"},
	"village_score_photos":    {"village"},
	"village_appeals":         {"village"},
	"village_months":          {"village"},
	"village_councils":        {"village"},
	"village_council_members": {"village"},
	"village_meetings":        {"village"},
	"village_attendance":      {"village"},
	"village_proposals":       {"village"},
	"village_opinions":        {"village"},
	"village_follow_ups":      {"village"},
	"visit_triggers":          {"visit"},
	"visit_tasks":             {"visit"},
	"visit_records":           {"visit"},
	"visit_follow_ups":        {"visit"},
	"reception_days":          {"visit"},
	"reception_items":         {"visit"},
	// Grid-member assessment, the 网格学堂 and the 十佳网格员.
	"assess_weights":    {"assess"},
	"assess_offline":    {"assess"},
	"assess_closes":     {"assess"},
	"assess_results":    {"assess"},
	"assess_awards":     {"assess"},
	"assess_trainings":  {"assess"},
	"assess_attendance": {"assess"},
	// The red grid: compounds and buildings, the party tree.
	"compounds":     {"party"},
	"buildings":     {"party"},
	"party_orgs":    {"party"},
	"party_members": {"party"},
	// The red grid's work: 党员中心户, the compound problem ledger, 双报到.
	"party_center_households": {"party"},
	"compound_problems":       {"party"},
	"party_reports":           {"party"},
	"party_report_tasks":      {"party"},
	// Red orders (红色订单) and the points ledger (党员积分).
	"red_orders":       {"redorder"},
	"red_order_steps":  {"redorder"},
	"red_order_photos": {"redorder"},
	"points_entries":   {"points"},
	// The safety index (平安指数): catalogues, months and their records.
	"safety_catalogues": {"safety"},
	"safety_indicators": {"safety"},
	"safety_months":     {"safety"},
	"safety_areas":      {"safety"},
	"safety_values":     {"safety"},
	"safety_inputs":     {"safety"},
	// Reported figures: who reports what, and the units' monthly reports.
	"safety_reporters":     {"safety"},
	"safety_reports":       {"safety"},
	"safety_report_values": {"safety"},
	"safety_bulletins":     {"safety"},
	// Tasks of 平安建设 and their lights.
	"safety_tasks":           {"safety"},
	"safety_task_milestones": {"safety"},
	"safety_task_progress":   {"safety"},
	// The quarterly review and the year's assessment.
	"safety_reviews":          {"safety"},
	"safety_review_decisions": {"safety"},
	"safety_year_items":       {"safety"},
	"safety_years":            {"safety"},
	// Safe cells (平安细胞).
	"safety_cell_kinds":   {"safety"},
	"safety_cells":        {"safety"},
	"safety_cell_targets": {"safety"},
	"drives":              {"drive"},
	"drive_areas":         {"drive"},
	"drive_units":         {"drive"},
	"drive_actions":       {"drive"},
	"drive_assignments":   {"drive"},
	"drive_clues":         {"drive"},
	"antifraud_batches":   {"antifraud"},
	"antifraud_warnings":  {"antifraud"},
	// The situation room's 三情, their analysis, scheduling and feeds.
	"situations":               {"situation"},
	"situation_people":         {"situation"},
	"situation_sources":        {"situation"},
	"situation_feed_days":      {"situation"},
	"situation_days":           {"situation"},
	"situation_meetings":       {"situation"},
	"situation_decisions":      {"situation"},
	"situation_briefings":      {"situation"},
	"situation_briefing_units": {"situation"},
}

// shared are the tables every room uses for its own rows: settings holds
// each room's own keys, counters each room's own sequences.
var shared = []string{"settings", "counters"}

// displayJoins are the tables any room may JOIN (never select FROM or
// write) to show a name beside its own rows: the area, the grid, the
// person who acted, the category.
var displayJoins = []string{"org_nodes", "grids", "users", "categories"}

// exceptions are the other places a room names a table it does not own,
// each with its reason. Keep this list short: a new entry is a question
// for the owner to answer instead.
var exceptions = map[string]map[string]string{
	"authz": {
		"role_assignments": "Holders: who holds a permission over an area is authz's question",
		"roles":            "Holders",
		"org_nodes":        "Holders",
		"users":            "Holders",
	},
	"authn": {
		"role_assignments": "a session's grants are read at sign-in",
		"roles":            "a session's grants are read at sign-in",
	},
	"account": {
		"sessions": "disabling an account or resetting its authority ends its sessions",
		"lockouts": "an administrator's unlock clears the lockout",
		"units":    "a user may belong to a unit; its existence and area are checked",
	},
	"open311": {
		"categories": "the Open311 service list is casework's categories",
	},
	"keyperson": {
		"people": "key persons and care targets are people: their lists join the person's row for the name and the masks",
	},
	"registry": {
		"events": "a person's page lists the events they reported",
	},
	"campaign": {
		"houses":    "a campaign's items are the registers' rows of its grids, read in one query",
		"addresses": "a campaign's items are the registers' rows of its grids, read in one query",
	},
}

// exempt rooms build or measure data across every room on purpose: the
// demo generator, the operator's commands (bench measures raw SQL against
// the ceiling) and the test harness.
var exempt = []string{"demo", "cli", "testapp", "proof", "archtest"}

var sqlWord = regexp.MustCompile(`(?i)\b(FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_]+)\b`)

func TestRoomsNameOnlyTheirOwnTables(t *testing.T) {
	tables := migratedTables(t)
	for _, tb := range tables {
		if _, ok := owners[tb]; !ok && !slices.Contains(shared, tb) {
			t.Errorf("table %s has no owner in owners: add it", tb)
		}
	}
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		room := strings.Split(filepath.ToSlash(rel), "/")[0]
		if slices.Contains(exempt, room) {
			return nil
		}
		for _, ref := range sqlRefs(t, path) {
			if !slices.Contains(tables, ref.table) || slices.Contains(owners[ref.table], room) || slices.Contains(shared, ref.table) {
				continue
			}
			if ref.verb == "JOIN" && slices.Contains(displayJoins, ref.table) {
				continue
			}
			if _, ok := exceptions[room][ref.table]; ok {
				continue
			}
			t.Errorf("%s: %s %s names a table of %s; ask its owner (see docs/architecture.md) or add a documented exception",
				ref.pos, ref.verb, ref.table, strings.Join(owners[ref.table], ", "))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type sqlRef struct{ pos, verb, table string }

// sqlRefs finds the tables named in the string literals of a Go file.
func sqlRefs(t *testing.T, path string) []sqlRef {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []sqlRef
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		for _, m := range sqlWord.FindAllStringSubmatch(s, -1) {
			out = append(out, sqlRef{fset.Position(lit.Pos()).String(), strings.ToUpper(m[1]), strings.ToLower(m[2])})
		}
		return true
	})
	return out
}

var createTable = regexp.MustCompile(`(?i)CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?([a-z_]+)`)

// migratedTables lists the tables the SQLite migrations create.
func migratedTables(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join("..", "db", "migrations", "sqlite", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			if tb := strings.ToLower(m[1]); !slices.Contains(out, tb) {
				out = append(out, tb)
			}
		}
	}
	return out
}

func TestSQLRefsFindsTablesInLiterals(t *testing.T) {
	dir := t.TempDir()
	src := "package x\nconst q = `SELECT a FROM people p JOIN org_nodes o ON o.id = p.org_id`\nvar u = \"UPDATE events SET x = 1\"\n"
	path := filepath.Join(dir, "x.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sqlRefs(t, path) {
		got = append(got, r.verb+" "+r.table)
	}
	want := []string{"FROM people", "JOIN org_nodes", "UPDATE events"}
	if !slices.Equal(got, want) {
		t.Fatalf("sqlRefs = %v, want %v", got, want)
	}
}
