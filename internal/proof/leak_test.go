package proof_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridgov/gridgov/internal/db/dbtest"
	"github.com/gridgov/gridgov/internal/pii"
)

// The planted values and the time the leak scan may take.
const (
	leakBudget   = 720 * time.Second // a hard stop: alone it takes three minutes on PostgreSQL, beside the browser suite in CI up to seven; four times alone is a hang
	leakName     = "漏检甲"
	leakPhone    = "13923457168"
	leakPassword = "Lk7<q&Zp#9wR!x2" // '<', '&' and '!' change under JSON and URL escaping
	leakRoom     = "3A09室"           // the precise part of the address
	leakReason   = "入户核查身份"
)

// The planted ID numbers are of 紫金县 (441621, 河源); the demo builds
// 源城区 (441602), so no demo person holds them.
var (
	leakID  = pii.MakeID("441621", time.Date(1983, 5, 17, 0, 0, 0, 0, time.UTC), 137, true)
	otherID = pii.MakeID("441621", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), 138, false)
)

// The masked forms the registers must show (身份证 region only, phone 3 + 4).
var (
	idMask    = regexp.MustCompile(`^\d{6}\*{12}$`)
	phoneMask = regexp.MustCompile(`^(1\d{2}\*{4}\d{4}|0\d{2,3}\*{4}\d{2})$`)
)

// TestNoPlaintextLeaks plants a citizen ID number, a phone number, a precise
// room and a password, and carries them through the built binary as several
// demo roles: a house with its owner's phone, a unit with its phone and the
// person with phone and precise address are registered, a resident reports
// an event about the person, the person becomes a key person and is visited,
// the full ID number is revealed once with a reason (audited), the people,
// key-person, house and unit lists are exported to Excel, a backup is made
// (SQLite), `gridgov import` loads a CSV holding the planted ID number again,
// and the grid member changes their password to the planted one and signs in
// with it.
//
// Then it looks for the planted values, plain, JSON-escaped and URL-escaped,
// everywhere the product writes: the database files with their -wal and
// -shm, the backups and every other file of the data directory (on
// PostgreSQL every text and bytea column of the test schema), the gridgov
// processes' temporary directory, the output of every gridgov process at
// debug log level, and the API answers: each GET route of the served OpenAPI
// document without path parameters as each demo role (and filtered to the
// planted grid), the planted records' pages, the lookups, and the unzipped
// exports. None may hold one; the reveal answer is the only place the full ID
// number is shown and is not scanned. Every ID-number and phone field of an
// answer and every such column of a workbook holds the masked form, and no
// file of the data directory is readable by other users. Runs on SQLite, or
// on PostgreSQL with GRIDGOV_TEST_DATABASE_URL.
func TestNoPlaintextLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs a full scenario; skipped with -short")
	}
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("file modes and SIGTERM")
	}
	ctx, cancel := context.WithTimeout(t.Context(), leakBudget)
	defer cancel()
	start := time.Now()

	// The data directory is left to gridgov to make, so its mode is gridgov's.
	g := &leakRun{bin: buildBinary(ctx, t), data: filepath.Join(t.TempDir(), "data"), tmp: t.TempDir(), out: &syncBuffer{}}
	if os.Getenv("GRIDGOV_TEST_DATABASE_URL") != "" {
		g.dbURL = dbtest.URL(t)
	}
	g.run(ctx, t, "demo", "--lean")
	demo := readDemo(t, g.data)
	// The server too logs at debug level and keeps its temporary files
	// where the scan looks.
	env := []string{"GRIDGOV_LOG_LEVEL=debug", "TMPDIR=" + g.tmp}
	if g.dbURL != "" {
		env = append(env, "GRIDGOV_DATABASE_URL="+g.dbURL)
	}
	srv := startServer(ctx, t, g.bin, g.data, env...)
	lt := &leakTest{t: t, ctx: ctx, base: srv.url, scan: newLeakScan(t)}
	t.Logf("binary built, demo loaded and served in %s", time.Since(start).Round(time.Millisecond))

	sessions := map[string]*session{}
	for _, acc := range demo.Accounts {
		sessions[acc.Username] = lt.signIn(acc.Username, acc.Password, nextOTP(t, demoAccount{acc.Username, acc.Password, acc.TOTPSecret}))
	}
	rec := lt.scenario(g, demo, sessions)
	t.Logf("scenario done in %s", time.Since(start).Round(time.Millisecond))

	lt.enumerate(demo, sessions, rec)
	t.Logf("%d API answers scanned in %s", lt.scan.answers, time.Since(start).Round(time.Millisecond))

	// The files once while the server runs (the WAL still holds the last
	// commits) and once after a clean stop has checkpointed it.
	live := lt.scan.dir("data directory", g.data)
	srv.stop(t)
	stopped := lt.scan.dir("data directory", g.data)
	lt.scan.dir("temporary directory", g.tmp)
	lt.scan.find("server output", []byte(srv.out.String()))
	lt.scan.find("command output", []byte(g.out.String()))
	checkPrivate(t, g.data)
	if g.dbURL == "" {
		for _, want := range []string{"gridgov.db", "gridgov.db-wal", "backups/"} {
			if !slices.ContainsFunc(slices.Concat(live, stopped), func(f string) bool { return strings.HasPrefix(f, want) }) {
				t.Errorf("no %s was scanned (files: %v)", want, live)
			}
		}
	} else {
		lt.scan.postgres(ctx, g.dbURL)
	}
	s := lt.scan
	t.Logf("scanned %d API answers (%d ID and phone values checked masked, %d of them workbook cells), %d files (%.1f MB), %d bytes of output, %d database values; done in %s",
		s.answers, s.fields, s.cells, s.files, float64(s.fileBytes)/1e6, len(srv.out.String())+len(g.out.String()), s.dbValues, time.Since(start).Round(time.Millisecond))
}

// records are the ids of what the scenario registered.
type records struct {
	grid, person, house, address, unit, keyPerson, event string
}

// scenario plants the values through the API and the command line.
func (lt *leakTest) scenario(g *leakRun, demo demoFile, sessions map[string]*session) records {
	t := lt.t
	gm, resident, leader := sessions["gridmember"], sessions["resident"], sessions["leader"]
	at := func(m map[string]any) map[string]any { // the demo's centre lies in the grid member's grid
		m["lat"], m["lng"] = demo.Center.Lat, demo.Center.Lng
		return m
	}
	type created struct {
		ID        string `json:"id"`
		AddressID string `json:"address_id"`
		GridID    string `json:"grid_id"`
		GridCode  string `json:"grid_code"`
		Status    string `json:"status"`
	}
	var house, unit, person, event, keyPerson created
	lt.post(gm, "/api/v1/houses", at(map[string]any{"address": "建设大道88号2栋", "room": leakRoom, "purpose": "rental",
		"owner_name": "漏检乙", "owner_phone": leakPhone}), 201, &house)
	lt.post(gm, "/api/v1/register-units", at(map[string]any{"name": "漏检商店", "kind": "shop", "phone": leakPhone,
		"address": "建设大道88号"}), 201, &unit)
	lt.post(gm, "/api/v1/people", at(map[string]any{"name": leakName, "id_number": leakID, "kind": "registered", "phone": leakPhone,
		"address": "建设大道88号2栋", "address_detail": "建设大道88号2栋" + leakRoom, "house_id": house.ID, "residence": "tenant",
		"unit_id": unit.ID}), 201, &person)
	lt.post(resident, "/api/v1/events", at(map[string]any{"channel": "resident", "category_code": "0101",
		"description": leakName + "家门口堆放杂物，请网格员处理", "reporter_phone": leakPhone}), 201, &event)
	lt.post(gm, "/api/v1/key-persons", map[string]any{"person_id": person.ID, "category": "key_petitioner", "risk_level": "yellow"}, 201, &keyPerson)
	lt.post(gm, "/api/v1/key-persons/"+keyPerson.ID+"/visits", map[string]any{"method": "home", "finding": "normal",
		"note": "入户走访" + leakName}, 200, nil)

	// The one place the full number may be shown: not scanned.
	var shown struct {
		IDNumber string `json:"id_number"`
	}
	lt.send(gm, "/api/v1/people/"+person.ID+"/reveal", map[string]any{"fields": []string{"id_number"}, "reason": leakReason}, 200, &shown)
	if shown.IDNumber != leakID {
		t.Errorf("reveal answered %q, want the planted ID number", shown.IDNumber)
	}

	// Exports of the planted grid; above the approval threshold a second
	// person approves.
	wantInSheet := map[string][]string{"people": {maskedID(), maskedPhone()}, "key_persons": {maskedID()},
		"houses": {maskedPhone()}, "units": {maskedPhone()}}
	for _, kind := range []string{"people", "key_persons", "houses", "units"} {
		var x created
		lt.post(gm, "/api/v1/exports", map[string]any{"kind": kind, "format": "xlsx", "grid_id": person.GridID}, 201, &x)
		if x.Status == "pending" {
			lt.post(leader, "/api/v1/exports/"+x.ID+"/approve", map[string]any{}, 200, nil)
		}
		status, file := lt.get(gm, "/api/v1/exports/"+x.ID+"/file")
		if status != 200 {
			t.Fatalf("export %s: %d %s", kind, status, file)
		}
		rows, err := workbookRows(file)
		if err != nil {
			t.Fatalf("export %s: %v", kind, err)
		}
		for _, want := range wantInSheet[kind] {
			if !slices.ContainsFunc(rows, func(row []string) bool { return slices.Contains(row, want) }) {
				t.Errorf("the %s export does not show %s: the planted record is missing", kind, want)
			}
		}
	}

	if g.dbURL == "" { // `gridgov backup` is for SQLite; PostgreSQL has pg_dump
		g.run(lt.ctx, t, "backup")
	}

	// `gridgov import` of a sheet holding the planted ID number again (a
	// duplicate, rejected into the sealed error sheet) and another person
	// with the planted phone. The sheet, and the copy of its rejected rows
	// the command writes beside it, are the operator's own plain files: they
	// live in a temporary directory of the data directory, removed
	// afterwards, as `gridgov bench` does with its import files.
	dir, err := os.MkdirTemp(g.data, "import-")
	if err != nil {
		t.Fatal(err)
	}
	sheet := filepath.Join(dir, "people.csv")
	csv := "姓名,公民身份号码,人口类型,联系电话,网格编码\n" +
		leakName + "," + leakID + ",户籍人口," + leakPhone + "," + person.GridCode + "\n" +
		"漏检丁," + otherID + ",户籍人口," + leakPhone + "," + person.GridCode + "\n"
	if err := os.WriteFile(sheet, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := g.run(lt.ctx, t, "import", "people", sheet, "--mode", "valid"); !strings.Contains(out, "imported 1, rejected 1") {
		t.Errorf("import: %s", out)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}

	// The grid member takes the planted password and signs in with it.
	lt.post(gm, "/api/v1/me/password", map[string]any{"old_password": demo.account("gridmember").Password, "new_password": leakPassword}, 204, nil)
	sessions["gridmember"] = lt.signIn("gridmember", leakPassword, nextOTP(t, demo.account("gridmember")))

	return records{grid: person.GridID, person: person.ID, house: house.ID, address: house.AddressID,
		unit: unit.ID, keyPerson: keyPerson.ID, event: event.ID}
}

// enumerate asks every GET route of the OpenAPI document that has no path
// parameter as every demo role, plus the planted records' pages and the
// lookups, and scans every answer.
func (lt *leakTest) enumerate(demo demoFile, sessions map[string]*session, rec records) {
	t := lt.t
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name     string `json:"name"`
				In       string `json:"in"`
				Required bool   `json:"required"`
			} `json:"parameters"`
		} `json:"paths"`
	}
	status, body := lt.get(sessions["gridmember"], "/api/openapi.json")
	if err := json.Unmarshal(body, &doc); status != 200 || err != nil {
		t.Fatalf("openapi.json: %d %v", status, err)
	}
	type route struct {
		path     string
		required []string
		params   map[string]bool
	}
	var routes []route
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || strings.Contains(path, "{") {
			continue
		}
		r := route{path: path, params: map[string]bool{}}
		for _, p := range op.Parameters {
			if p.In == "query" {
				r.params[p.Name] = true
				if p.Required {
					r.required = append(r.required, p.Name)
				}
			}
		}
		routes = append(routes, r)
	}
	slices.SortFunc(routes, func(a, b route) int { return strings.Compare(a.path, b.path) })
	if len(routes) < 20 {
		t.Fatalf("only %d GET routes in the OpenAPI document", len(routes))
	}

	// Planted records must show up in some list (masked), or the scan of the
	// lists proves nothing.
	listed := map[string]bool{}
	planted := map[string]string{"person": rec.person, "house": rec.house, "unit": rec.unit, "key person": rec.keyPerson, "event": rec.event}
	revealAudited := false
	names := make([]string, 0, len(sessions))
	for name := range sessions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		s := sessions[name]
		fill := map[string]string{"org_id": s.orgID, "parent_id": s.orgID, "lat": fmt.Sprint(demo.Center.Lat),
			"lng": fmt.Sprint(demo.Center.Lng), "api_key": demo.Open311Key}
		for _, r := range routes {
			q := url.Values{}
			for _, p := range r.required {
				if v, ok := fill[p]; ok {
					q.Set(p, v)
				} else {
					t.Logf("%s: no value for the required parameter %s; asked without it", r.path, p)
				}
			}
			variants := []url.Values{q}
			// The planted records are the newest of their grid: ask for the
			// grid too, and for the planted person's audit rows.
			if r.params["grid_id"] {
				v := cloneValues(q)
				v.Set("grid_id", rec.grid)
				if r.params["limit"] {
					v.Set("limit", "500")
				}
				variants = append(variants, v)
			}
			if r.params["object_id"] {
				v := cloneValues(q)
				v.Set("object_id", rec.person)
				variants = append(variants, v)
			}
			for _, v := range variants {
				path := r.path
				if len(v) > 0 {
					path += "?" + v.Encode()
				}
				status, body := lt.get(s, path)
				if status == 200 {
					for what, id := range planted {
						if bytes.Contains(body, []byte(id)) {
							listed[what] = true
						}
					}
					if v.Get("object_id") == rec.person && bytes.Contains(body, []byte("registry.person_reveal")) {
						revealAudited = true
					}
				}
			}
		}
		for _, path := range []string{"/api/v1/people/" + rec.person, "/api/v1/houses/" + rec.house, "/api/v1/addresses/" + rec.address,
			"/api/v1/register-units/" + rec.unit, "/api/v1/key-persons/" + rec.keyPerson, "/api/v1/events/" + rec.event} {
			lt.get(s, path)
		}
		for _, in := range []map[string]any{{"id_number": leakID}, {"phone": leakPhone}} {
			lt.exchange(s, "/api/v1/people/lookup", in)
		}
		lt.exchange(s, "/api/v1/registry/search", map[string]any{"q": leakName})
	}
	for what := range planted {
		if !listed[what] {
			t.Errorf("the planted %s was in no list answer: the list scan did not cover it", what)
		}
	}
	if !revealAudited {
		t.Errorf("the audit log shows no reveal of the planted person")
	}
	for _, want := range []string{maskedID(), maskedPhone()} {
		if !lt.scan.seen[want] {
			t.Errorf("no answer showed the masked %s", want)
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

func maskedID() string    { return leakID[:6] + "************" }
func maskedPhone() string { return leakPhone[:3] + "****" + leakPhone[7:] }

// --- the scan ---------------------------------------------------------------------------

// plantedValue is a planted value in every form it could be written in.
type plantedValue struct {
	what  string
	forms [][2]string // name of the form, text
}

type leakScan struct {
	t        *testing.T
	values   []plantedValue
	reported map[string]bool // place and value already reported
	seen     map[string]bool // masked values seen in answers

	answers, fields, cells, files, dbValues int
	fileBytes                               int64
}

func newLeakScan(t *testing.T) *leakScan {
	s := &leakScan{t: t, reported: map[string]bool{}, seen: map[string]bool{}}
	add := func(what string, texts ...string) {
		v := plantedValue{what: what}
		for _, text := range texts {
			j, _ := json.Marshal(text)
			for _, f := range [][2]string{{"plain", text}, {"JSON-escaped", string(j[1 : len(j)-1])},
				{"URL-escaped", url.QueryEscape(text)}, {"path-escaped", url.PathEscape(text)}} {
				if !slices.ContainsFunc(v.forms, func(g [2]string) bool { return g[1] == f[1] }) {
					v.forms = append(v.forms, f)
				}
			}
		}
		s.values = append(s.values, v)
	}
	add("ID number", leakID, leakID[:17]) // also without its check character
	add("phone number", leakPhone)
	add("password", leakPassword)
	add("precise address", leakRoom)
	return s
}

// find reports each planted value b holds, once per place.
func (s *leakScan) find(where string, b []byte) {
	for _, v := range s.values {
		for _, f := range v.forms {
			if bytes.Contains(b, []byte(f[1])) {
				if key := where + "\x00" + v.what; !s.reported[key] {
					s.reported[key] = true
					s.t.Errorf("%s holds the planted %s (%s)", where, v.what, f[0])
				}
				break
			}
		}
	}
}

// check scans b, and each part of it when it is a zip file (a workbook
// compresses its sheets).
func (s *leakScan) check(where string, b []byte) {
	s.find(where, b)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			s.t.Errorf("%s: %s: %v", where, f.Name, err)
			continue
		}
		part, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			s.t.Errorf("%s: %s: %v", where, f.Name, err)
		}
		s.find(where+" » "+f.Name, part)
	}
	if rows, err := workbookRows(b); err == nil {
		s.sheetMasks(where, rows)
	}
}

// answer scans an API answer and checks its masks.
func (s *leakScan) answer(where string, b []byte) {
	s.answers++
	s.check(where, b)
	var v any
	if json.Unmarshal(b, &v) == nil {
		s.jsonMasks(where, "", v)
	}
}

// jsonMasks checks that every ID-number or phone field present holds a
// masked value.
func (s *leakScan) jsonMasks(where, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			s.jsonMasks(where, k, x)
		}
	case []any:
		for _, x := range v {
			s.jsonMasks(where, key, x)
		}
	case string:
		s.masked(where, key, v)
	}
}

func (s *leakScan) masked(where, field, v string) {
	var re *regexp.Regexp
	switch {
	case v == "":
		return
	case strings.Contains(field, "id_number") || strings.Contains(field, "身份号码"):
		re = idMask
	case strings.Contains(field, "phone") || strings.Contains(field, "电话"):
		re = phoneMask
	default:
		return
	}
	s.fields++
	s.seen[v] = true
	if !re.MatchString(v) {
		if key := where + "\x00" + field; !s.reported[key] {
			s.reported[key] = true
			s.t.Errorf("%s: %s is %q, not masked", where, field, v)
		}
	}
}

// sheetMasks checks every cell under an ID-number or phone column title.
func (s *leakScan) sheetMasks(where string, rows [][]string) {
	var titles []string
	for _, row := range rows {
		if slices.ContainsFunc(row, func(c string) bool { return strings.Contains(c, "身份号码") || strings.HasSuffix(c, "电话") }) {
			titles = row
			continue
		}
		for i, cell := range row {
			if i < len(titles) && cell != "" {
				before := s.fields
				s.masked(where, titles[i], cell)
				s.cells += s.fields - before
			}
		}
	}
}

// workbookRows reads every row of every sheet of an xlsx file.
func workbookRows(b []byte) ([][]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out [][]string
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// dir scans every file under root and returns their paths relative to it.
func (s *leakScan) dir(label, root string) []string {
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) { // a -wal removed meanwhile
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		names = append(names, filepath.ToSlash(rel))
		s.files++
		s.fileBytes += int64(len(b))
		s.check(label+": "+rel, b)
		return nil
	})
	if err != nil {
		s.t.Errorf("scan %s: %v", label, err)
	}
	return names
}

// postgres reads every text, JSON and bytea column of every table of the
// test schema and scans each value.
func (s *leakScan) postgres(ctx context.Context, dbURL string) {
	d, err := sql.Open("pgx", dbURL)
	if err != nil {
		s.t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		s.t.Fatal(err)
	}
	var tables []string
	columns := map[string][]string{} // table → columns
	exprs := map[string][]string{}   // table → select expressions
	for rows.Next() {
		var table, column, typ string
		if err := rows.Scan(&table, &column, &typ); err != nil {
			s.t.Fatal(err)
		}
		if _, ok := columns[table]; !ok {
			tables = append(tables, table)
		}
		columns[table] = append(columns[table], column)
		expr := quoteIdent(column)
		if typ != "bytea" { // bytea as its raw bytes, the rest as text
			expr += "::text"
		}
		exprs[table] = append(exprs[table], expr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	for _, table := range []string{"people", "houses", "register_units", "events", "audit_log", "imports", "users"} {
		if _, ok := columns[table]; !ok {
			s.t.Errorf("table %s not found in the test schema: the database scan misses it", table)
		}
	}
	for _, table := range tables {
		rows, err := d.QueryContext(ctx, "SELECT "+strings.Join(exprs[table], ", ")+" FROM "+quoteIdent(table))
		if err != nil {
			s.t.Fatalf("%s: %v", table, err)
		}
		vals := make([]sql.RawBytes, len(columns[table]))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				s.t.Fatalf("%s: %v", table, err)
			}
			for i, v := range vals {
				s.dbValues++
				s.find("database column "+table+"."+columns[table][i], v)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			s.t.Fatalf("%s: %v", table, err)
		}
	}
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// checkPrivate fails for every file or directory under root that users
// other than the owner may read or enter.
func checkPrivate(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // removed meanwhile
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s in the data directory has mode %v: other users may read it", rel, perm)
		}
		return nil
	})
}

// --- processes and clients --------------------------------------------------------------

// leakRun runs gridgov verbs on one data directory (and, on PostgreSQL, one
// test schema), keeping everything they print.
type leakRun struct {
	bin, data, tmp, dbURL string
	out                   *syncBuffer
}

func (g *leakRun) args(verb ...string) []string {
	args := slices.Concat(verb, []string{"--data", g.data})
	if g.dbURL != "" {
		args = append(args, "--db", g.dbURL)
	}
	return args
}

// run runs a gridgov verb to completion and returns its output.
func (g *leakRun) run(ctx context.Context, t *testing.T, verb ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, g.bin, g.args(verb...)...)
	// Debug logs: the scan sees everything gridgov would ever log; and
	// temporary files go where the scan looks.
	cmd.Env = append(childEnv(), "GRIDGOV_LOG_LEVEL=debug", "TMPDIR="+g.tmp)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	g.out.Write(out)
	if err != nil {
		t.Fatalf("gridgov %s: %v\n%s", strings.Join(verb, " "), err, out)
	}
	return string(out)
}

// leakTest drives the API; every answer it gets is scanned, but for send's.
type leakTest struct {
	t    *testing.T
	ctx  context.Context
	base string
	scan *leakScan
}

// session is a signed-in demo account.
type session struct {
	*client
	name, orgID string
}

func (lt *leakTest) signIn(username, password, otp string) *session {
	lt.t.Helper()
	jar, _ := cookiejar.New(nil)
	// Three minutes a request: the first board of the day makes the whole
	// county's patrol tasks, slow on a loaded runner; the scan is about
	// what the answers hold, the hard stop (leakBudget) about time.
	c := &client{t: lt.t, base: lt.base, http: &http.Client{Jar: jar, Timeout: 3 * time.Minute}}
	b, _ := json.Marshal(map[string]string{"username": username, "password": password, "otp": otp})
	status, body, _, err := c.post(lt.ctx, "/api/v1/auth/login", b, nil)
	if err != nil || status != 200 {
		lt.t.Fatalf("sign-in %s: %d %s %v", username, status, body, err)
	}
	lt.scan.answer("POST /api/v1/auth/login as "+username, body)
	var out struct {
		CSRF string `json:"csrf_token"`
		User struct {
			OrgID string `json:"org_id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.CSRF == "" {
		lt.t.Fatalf("sign-in %s: %s", username, body)
	}
	c.csrf = out.CSRF
	return &session{client: c, name: username, orgID: out.User.OrgID}
}

// post sends in as JSON, scans the answer and decodes it into out; any
// status but want fails the test.
func (lt *leakTest) post(s *session, path string, in any, want int, out any) {
	lt.t.Helper()
	body := lt.send(s, path, in, want, out)
	lt.scan.answer("POST "+path+" as "+s.name, body)
}

// send is post without the scan: for the reveal answer only.
func (lt *leakTest) send(s *session, path string, in any, want int, out any) []byte {
	lt.t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		lt.t.Fatal(err)
	}
	status, body, _, err := s.post(lt.ctx, path, b, nil)
	if err != nil || status != want {
		lt.t.Fatalf("POST %s as %s: %d %s %v", path, s.name, status, body, err)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			lt.t.Fatalf("POST %s: %s: %v", path, body, err)
		}
	}
	return body
}

// exchange posts in whatever the answer, and scans it.
func (lt *leakTest) exchange(s *session, path string, in any) {
	lt.t.Helper()
	b, _ := json.Marshal(in)
	_, body, _, err := s.post(lt.ctx, path, b, nil)
	if err != nil {
		lt.t.Fatalf("POST %s as %s: %v", path, s.name, err)
	}
	lt.scan.answer("POST "+path+" as "+s.name, body)
}

// get asks path and scans the answer, whatever its status.
func (lt *leakTest) get(s *session, path string) (int, []byte) {
	lt.t.Helper()
	req, err := http.NewRequestWithContext(lt.ctx, "GET", s.base+path, nil)
	if err != nil {
		lt.t.Fatal(err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		lt.t.Fatalf("GET %s as %s: %v", path, s.name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		lt.t.Fatalf("GET %s as %s: %v", path, s.name, err)
	}
	lt.scan.answer("GET "+path+" as "+s.name, body)
	return resp.StatusCode, body
}
