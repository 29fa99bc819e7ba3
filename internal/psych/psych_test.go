package psych_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/keyperson"
	"github.com/gridgov/gridgov/internal/psych"
	"github.com/gridgov/gridgov/internal/testapp"
)

func today() string { return time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02") }

// careTarget makes a person of the demo grid member's grid with no
// record yet a care target (elderly living alone), and returns them.
func careTarget(t *testing.T, a *testapp.App) (person, kind string) {
	t.Helper()
	err := a.DB.Reader().QueryRowContext(context.Background(), `SELECT p.id FROM people p
		WHERE p.status = 'active' AND NOT EXISTS (SELECT 1 FROM psych_records r WHERE r.person_id = p.id)
		AND NOT EXISTS (SELECT 1 FROM care_targets c WHERE c.person_id = p.id) AND p.grid_id = (SELECT m.grid_id FROM grid_members m
		JOIN users u ON u.id = m.user_id WHERE u.username = 'gridmember' AND m.role = 'grid_member' LIMIT 1) ORDER BY p.id LIMIT 1`).Scan(&person)
	if err != nil {
		t.Fatal(err)
	}
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	if _, err := a.KeyPersons.CreateCareTarget(ctx, keyperson.CareTargetInput{PersonID: person, Kind: "elderly_alone"}); err != nil {
		t.Fatal(err)
	}
	return person, "elderly_alone"
}

func TestRecordSealedAuditedAndAbsentForOthers(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	person, kind := careTarget(t, a)
	health := a.Login("health")
	ctx := context.Background()

	// Not in the group named: refused by name.
	other := "left_behind_child"
	if kind == other {
		other = "disabled"
	}
	if p := health.Fail("POST", "/api/v1/psych/records", map[string]any{"person_id": person, "group": other, "level": "2",
		"assessor": "县心理健康服务中心 王医生", "reason": "独居，情绪低落", "on": today()}); p.Errors[0].Field != "group" {
		t.Fatalf("another group: %+v", p)
	}
	if p := health.Fail("POST", "/api/v1/psych/records", map[string]any{"person_id": person, "group": kind, "level": "4",
		"assessor": "", "reason": "x", "on": "2099-01-01"}); len(p.Errors) != 3 {
		t.Fatalf("bad level, assessor and date: %+v", p)
	}
	var r psych.Record
	if st := health.Do("POST", "/api/v1/psych/records", map[string]any{"person_id": person, "group": kind, "level": "2",
		"assessor": "县心理健康服务中心 王医生", "reason": "独居，近期情绪低落，睡眠差", "on": today()}, &r); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if r.Colour != "yellow" || r.EveryDays != 15 || r.Group != kind || len(r.Entries) != 1 {
		t.Fatalf("record: %+v", r)
	}
	// Counselling and a referral; a reassessment to red.
	health.Do("POST", "/api/v1/psych/records/"+r.ID+"/counselling", map[string]any{"who": "志愿心理咨询师 李老师", "on": today(), "note": "谈及子女久未联系，情绪激动"}, &r)
	health.Do("POST", "/api/v1/psych/records/"+r.ID+"/referrals", map[string]any{"who": "市第三人民医院心理科", "on": today(), "note": "建议专科评估"}, &r)
	if p := health.Fail("POST", "/api/v1/psych/records/"+r.ID+"/assessments", map[string]any{"level": "1", "assessor": "王医生", "reason": "有轻生念头",
		"on": today(), "version": r.Version + 1}); p.Status != 409 {
		t.Fatalf("stale: %+v", p)
	}
	if st := health.Do("POST", "/api/v1/psych/records/"+r.ID+"/assessments", map[string]any{"level": "1", "assessor": "王医生", "reason": "有轻生念头",
		"on": today(), "version": r.Version}, &r); st != 200 || r.Colour != "red" || r.EveryDays != 7 || len(r.Entries) != 4 {
		t.Fatalf("reassess: %d %+v", st, r)
	}
	if d, ok := a.Psych.VisitEveryDays(ctx, a.DB.Reader(), person); !ok || d != 7 {
		t.Fatalf("visit frequency: %d %v", d, ok)
	}

	// Sealed at rest: nothing of it readable in the rows.
	var group, level string
	a.DB.Reader().QueryRowContext(ctx, "SELECT group_sealed, level_sealed FROM psych_records WHERE id = ?", r.ID).Scan(&group, &level)
	if strings.Contains(group, kind) || level == "1" || level == "" {
		t.Fatalf("the record row is not sealed: %q %q", group, level)
	}
	rows, _ := a.DB.Reader().QueryContext(ctx, "SELECT who_sealed || note_sealed FROM psych_entries WHERE record_id = ?", r.ID)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		for _, plain := range []string{"王医生", "李老师", "情绪", "轻生", "医院"} {
			if strings.Contains(s, plain) {
				t.Errorf("an entry row holds %q in the clear", plain)
			}
		}
	}
	rows.Close()

	// Every read of the record is audited.
	count := func() int {
		var n int
		a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM audit_log WHERE action = 'psych.read' AND object_id = ?", r.ID).Scan(&n)
		return n
	}
	before := count()
	health.Do("GET", "/api/v1/psych/records/"+r.ID, nil, nil)
	if count() != before+1 {
		t.Fatal("the read is not audited")
	}
	var list psych.Page[psych.Record]
	health.Do("GET", "/api/v1/psych/records?level=1", nil, &list)
	found := false
	for _, it := range list.Items {
		found = found || it.ID == r.ID
		if it.Level != "1" {
			t.Errorf("the red list holds a level %s", it.Level)
		}
	}
	if !found {
		t.Fatalf("the red list: %+v", list.Items)
	}

	// Absent for every role without pii.sensitive.psych: the grid member,
	// the police officer, the centre, the leader.
	for _, role := range []string{"grid_member", "police", "intake", "leader", "civil_affairs"} {
		c := a.Login(role)
		if st := c.Do("GET", "/api/v1/psych/records/"+r.ID, nil, nil); st != 403 && st != 404 {
			t.Errorf("%s reads the record: %d", role, st)
		}
		if st := c.Do("GET", "/api/v1/psych/records", nil, nil); st != 403 && st != 404 {
			t.Errorf("%s lists the records: %d", role, st)
		}
	}

	// The grid member who visits sees the colour and the frequency, no more.
	res := a.Login("grid_member").Raw("GET", "/api/v1/psych/visits", "", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), `"colour":"red"`) || !strings.Contains(string(res.Body), `"visit_every_days":7`) {
		t.Fatalf("the member's colours: %d %s", res.Status, res.Body)
	}
	for _, hidden := range []string{kind, "王医生", "情绪", "level", "group", r.ID} {
		if strings.Contains(string(res.Body), hidden) {
			t.Errorf("the member's colours carry %q: %s", hidden, res.Body)
		}
	}
}

func TestDemoRecords(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	var list psych.Page[psych.Record]
	a.Login("health").Do("GET", "/api/v1/psych/records", nil, &list)
	colours := map[string]int{}
	for _, r := range list.Items {
		colours[r.Colour]++
	}
	if len(list.Items) < 10 || colours["red"] == 0 || colours["yellow"] == 0 || colours["green"] == 0 {
		t.Fatalf("the demo's records: %d %v", len(list.Items), colours)
	}
	var visits psych.Page[psych.Visit]
	a.Login("grid_member").Do("GET", "/api/v1/psych/visits", nil, &visits)
	if len(visits.Items) == 0 || visits.Items[0].Colour != "red" {
		t.Fatalf("the grid member's colours: %+v", visits.Items)
	}
}

func TestClosedRecordsExpire(t *testing.T) {
	t.Parallel()
	a := testapp.NewWithRegisters(t)
	person, kind := careTarget(t, a)
	health := a.Login("health")
	var r psych.Record
	if st := health.Do("POST", "/api/v1/psych/records", map[string]any{"person_id": person, "group": kind, "level": "3",
		"assessor": "王医生", "reason": "情绪平稳", "on": today()}, &r); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if p := health.Fail("POST", "/api/v1/psych/records/"+r.ID+"/close", map[string]any{"reason": "", "version": r.Version}); p.Errors[0].Field != "reason" {
		t.Fatalf("no reason: %+v", p)
	}
	if st := health.Do("POST", "/api/v1/psych/records/"+r.ID+"/close", map[string]any{"reason": "已搬离本市", "version": r.Version}, &r); st != 200 || r.Status != "closed" {
		t.Fatalf("close: %d %+v", st, r)
	}
	if p := a.Login("sec_admin").Fail("PUT", "/api/v1/psych/settings", map[string]any{"retention_days": 5}); p.Errors[0].Field != "retention_days" {
		t.Fatalf("too short: %+v", p)
	}
	if st := a.Login("sec_admin").Do("PUT", "/api/v1/psych/settings", map[string]any{"retention_days": 30}, nil); st != 200 {
		t.Fatalf("settings: %d", st)
	}
	ctx := context.Background()
	exists := func() bool {
		var n int
		a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM psych_records WHERE id = ?", r.ID).Scan(&n)
		return n == 1
	}
	a.Psych.Now = func() time.Time { return time.Now().Add(29 * 24 * time.Hour) }
	if _, err := a.Psych.Expire(ctx); err != nil || !exists() {
		t.Fatalf("expired early: %v", err)
	}
	a.Psych.Now = func() time.Time { return time.Now().Add(31 * 24 * time.Hour) }
	if _, err := a.Psych.Expire(ctx); err != nil || exists() {
		t.Fatalf("not expired: %v", err)
	}
	var entries int
	a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM psych_entries WHERE record_id = ?", r.ID).Scan(&entries)
	if entries != 0 {
		t.Fatalf("%d entries left", entries)
	}
}
