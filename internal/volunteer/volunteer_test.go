package volunteer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authn"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/idem"
	"github.com/gridgov/gridgov/internal/patrol"
	"github.com/gridgov/gridgov/internal/testapp"
	"github.com/gridgov/gridgov/internal/volunteer"
)

func system() context.Context {
	ctx := authz.WithPrincipal(context.Background(), authz.System())
	return audit.WithMeta(ctx, audit.Meta{RequestID: "test", IP: "local"})
}

// as is a context acting as the account id with its grants.
func as(t *testing.T, a *testapp.App, id, name string) context.Context {
	t.Helper()
	grants, err := authn.LoadGrants(context.Background(), a.DB.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	var org string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT org_id FROM users WHERE id = ?", id).Scan(&org)
	return authz.WithPrincipal(system(), &authz.Principal{UserID: id, Username: "u" + id[:6], DisplayName: name, OrgID: org, Grants: grants})
}

// account makes an account of role over orgID.
func account_(t *testing.T, a *testapp.App, username, role, orgID string) string {
	t.Helper()
	u, err := a.Accounts.CreateUser(system(), account.NewUser{Username: username, DisplayName: username, Password: "Matrix@Check2026", OrgID: orgID})
	if err != nil {
		t.Fatal(err)
	}
	var roleID string
	a.DB.Reader().QueryRowContext(context.Background(), "SELECT id FROM roles WHERE code = ?", role).Scan(&roleID)
	if _, err := a.Accounts.Assign(system(), u.ID, account.Assignment{RoleID: roleID, OrgID: orgID}); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func code(err error) string {
	if err == nil {
		return ""
	}
	e := apperr.As(err)
	if len(e.Fields) > 0 {
		return e.Fields[0].Field + ":" + e.Fields[0].Code
	}
	return e.Code
}

func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// The whole life of a team on one app: register, shifts with capacity,
// no double booking and cancelling before the start, a shift walked as a
// patrol whose check-in is its attendance, hours from walked shifts only
// plus recorded service, the ranking and recognition, ordinary and police
// clues, and area scope.
func TestVolunteers(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	s := a.Volunteers
	q := a.DB.Reader()
	bg := context.Background()
	var village, town, otherVillage string
	if err := q.QueryRowContext(bg, "SELECT u.org_id, n.parent_id FROM users u JOIN org_nodes n ON n.id = u.org_id WHERE u.username = 'volunteer'").Scan(&village, &town); err != nil {
		t.Fatal(err)
	}
	q.QueryRowContext(bg, "SELECT id FROM org_nodes WHERE parent_id = ? AND kind = 'village' AND id <> ? ORDER BY code LIMIT 1", town, village).Scan(&otherVillage)
	staff := system()

	// Bad input names each field; nothing is written.
	_, err := s.CreateTeam(staff, volunteer.TeamInput{OrgID: village, Name: "", Kind: "army"})
	if e := apperr.As(err); e == nil || len(e.Fields) != 2 || e.Fields[0].Field != "name" || e.Fields[1].Field != "kind" {
		t.Fatalf("bad team: %v", err)
	}
	team := must(s.CreateTeam(staff, volunteer.TeamInput{OrgID: village, Name: "测试平安志愿者队", Kind: "safety", Duties: "夜间巡逻"}))(t)
	if _, err := s.Create(staff, volunteer.VolunteerInput{TeamID: team.ID, Name: "张三", Phone: "12345"}); code(err) != "phone:pii.phone_format" && !strings.HasPrefix(code(err), "phone:") {
		t.Fatalf("bad phone: %v", err)
	}
	var vols []volunteer.Volunteer
	var ctxs []context.Context
	for i := range 4 {
		user := account_(t, a, fmt.Sprintf("vt.%d", i), "volunteer", village)
		v := must(s.Create(staff, volunteer.VolunteerInput{TeamID: team.ID, Name: fmt.Sprintf("志愿者%d", i), Phone: fmt.Sprintf("1380013800%d", i), UserID: user}))(t)
		if v.PhoneMasked == "" || strings.Contains(v.PhoneMasked, fmt.Sprintf("1380013800%d", i)) || v.WorkerID == "" {
			t.Fatalf("entry: %+v", v)
		}
		vols = append(vols, v)
		ctxs = append(ctxs, as(t, a, user, v.Name))
	}
	// A volunteer is on the roster of the village (employment other).
	var emp string
	q.QueryRowContext(bg, "SELECT employment FROM workers WHERE id = ?", vols[0].WorkerID).Scan(&emp)
	if emp != "other" {
		t.Fatalf("roster employment %q", emp)
	}

	now := time.Now()
	at := func(d time.Duration) int64 { return now.Add(d).UnixMilli() }
	shift := must(s.CreateShift(staff, volunteer.ShiftInput{TeamID: team.ID, Place: "村口至学校", StartsAt: at(10 * time.Minute), EndsAt: at(130 * time.Minute), Needed: 2}))(t)
	if _, err := s.CreateShift(staff, volunteer.ShiftInput{TeamID: team.ID, Place: "", StartsAt: at(time.Hour), EndsAt: at(time.Minute), Needed: 0}); apperr.As(err) == nil || len(apperr.As(err).Fields) != 3 {
		t.Fatalf("bad shift: %v", err)
	}

	t.Run("capacity", func(t *testing.T) {
		// Three sign up at once for two places: two get them.
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range 3 {
			wg.Add(1)
			go func() { defer wg.Done(); _, errs[i] = s.SignUp(ctxs[i], shift.ID) }()
		}
		wg.Wait()
		full := 0
		for _, err := range errs {
			if code(err) == "volunteer.shift_full" {
				full++
			} else if err != nil {
				t.Fatal(err)
			}
		}
		var taken int
		q.QueryRowContext(bg, "SELECT taken FROM volunteer_shifts WHERE id = ?", shift.ID).Scan(&taken)
		if full != 1 || taken != 2 {
			t.Fatalf("full %d, taken %d", full, taken)
		}
		// Signing up again changes nothing.
		for i := range 3 {
			if errs[i] == nil {
				if _, err := s.SignUp(ctxs[i], shift.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		q.QueryRowContext(bg, "SELECT taken FROM volunteer_shifts WHERE id = ?", shift.ID).Scan(&taken)
		if taken != 2 {
			t.Fatalf("taken after a repeat: %d", taken)
		}
		// A cancelled place goes to the one left out.
		var in, out int
		for i := range 3 {
			if errs[i] != nil {
				out = i
			} else {
				in = i
			}
		}
		if _, err := s.Cancel(ctxs[in], shift.ID); err != nil {
			t.Fatal(err)
		}
		must(s.SignUp(ctxs[out], shift.ID))(t)
		// Order: ctxs 0 and 1 hold the places for what follows.
		if in == 0 || in == 1 {
			if _, err := s.Cancel(ctxs[out], shift.ID); err != nil {
				t.Fatal(err)
			}
			must(s.SignUp(ctxs[in], shift.ID))(t)
		}
	})

	t.Run("no double booking", func(t *testing.T) {
		overlap := must(s.CreateShift(staff, volunteer.ShiftInput{TeamID: team.ID, Place: "集市", StartsAt: at(60 * time.Minute), EndsAt: at(180 * time.Minute), Needed: 5}))(t)
		if _, err := s.SignUp(ctxs[0], overlap.ID); code(err) != "volunteer.double_booked" {
			t.Fatalf("overlap: %v", err)
		}
		must(s.SignUp(ctxs[3], overlap.ID))(t)
		// Cancelling after the start is refused.
		s.Now = func() time.Time { return now.Add(2 * time.Hour) }
		_, err := s.Cancel(ctxs[3], overlap.ID)
		s.Now = time.Now
		if code(err) != "volunteer.shift_started" {
			t.Fatalf("late cancel: %v", err)
		}
	})

	t.Run("walked shifts count", func(t *testing.T) {
		// Volunteer 0 walks the shift as a patrol of their roster entry and
		// checks in inside it; volunteer 1 signed up but never walked.
		p := must(s.Walk(ctxs[0], shift.ID, volunteer.WalkInput{}, idem.Key{}))(t)
		if p.WorkerID != vols[0].WorkerID || p.Status != "open" {
			t.Fatalf("patrol: %+v", p)
		}
		lat, lng := 23.74, 114.70
		p = must(s.CheckIn(ctxs[0], shift.ID, patrol.CheckinInput{Lat: &lat, Lng: &lng, Accuracy: 8, Note: "巡查正常"}, idem.Key{}))(t)
		if p.Checkins != 1 {
			t.Fatalf("check-ins: %d", p.Checkins)
		}
		must(s.End(ctxs[0], shift.ID, patrol.EndInput{}))(t)
		// Another's shift cannot be walked.
		if _, err := s.Walk(ctxs[2], shift.ID, volunteer.WalkInput{}, idem.Key{}); code(err) != "not_found" {
			t.Fatalf("walk without a place: %v", err)
		}
		must(s.RecordHours(staff, volunteer.HoursInput{VolunteerID: vols[1].ID, Day: now.In(volunteer.Zone).Format(time.DateOnly), Minutes: 45, Reason: "协助调解"}))(t)
		if _, err := s.RecordHours(staff, volunteer.HoursInput{VolunteerID: vols[1].ID, Day: "2099-01-01", Minutes: 0, Reason: ""}); apperr.As(err) == nil || len(apperr.As(err).Fields) != 3 {
			t.Fatalf("bad hours: %v", err)
		}
		r := must(s.Rank(staff, volunteer.RankingQuery{OrgID: village, TeamID: team.ID, Period: now.In(volunteer.Zone).Format("2006-01")}))(t)
		got := map[string]volunteer.Ranked{}
		for _, x := range r.Volunteers {
			got[x.VolunteerID] = x
		}
		if g := got[vols[0].ID]; g.ShiftMinutes != 120 || g.Shifts != 1 || g.Rank != 1 {
			t.Fatalf("walked: %+v", g)
		}
		if g := got[vols[1].ID]; g.ShiftMinutes != 0 || g.OtherMinutes != 45 || g.Minutes != 45 {
			t.Fatalf("not walked: %+v", g)
		}
		mine := must(s.MyPage(ctxs[0]))(t)
		if mine.Hours.Month != 120 || mine.Hours.Shifts != 1 {
			t.Fatalf("my hours: %+v", mine.Hours)
		}
		must(s.Give(staff, volunteer.AwardInput{VolunteerID: vols[0].ID, Title: "excellent", Period: now.In(volunteer.Zone).Format("2006"), Reason: "巡逻到岗率高"}))(t)
		if _, err := s.Give(staff, volunteer.AwardInput{VolunteerID: vols[0].ID, Title: "excellent", Period: now.In(volunteer.Zone).Format("2006"), Reason: "再评"}); code(err) != "volunteer.award_given" {
			t.Fatalf("second award: %v", err)
		}
	})

	t.Run("clues", func(t *testing.T) {
		lat, lng := 23.74, 114.70
		var near float64
		var ok bool
		// Place the clue inside a grid of the demo (the village's first grid centre).
		var glat, glng *float64
		if err := q.QueryRowContext(bg, "SELECT center_lat, center_lng FROM grids WHERE org_id = ? AND layer = 'zz' ORDER BY code LIMIT 1", village).Scan(&glat, &glng); err == nil && glat != nil {
			lat, lng, ok = *glat, *glng, true
		}
		_ = near
		if !ok {
			t.Fatal("no grid centre")
		}
		ordinary := must(s.Report(ctxs[0], volunteer.ClueInput{Text: "路灯不亮，巡逻看不清", Lat: &lat, Lng: &lng, CategoryCode: "1403"}, idem.Key{}))(t)
		if ordinary.EventNo == "" || ordinary.Kind != "ordinary" {
			t.Fatalf("ordinary clue: %+v", ordinary)
		}
		var channel string
		q.QueryRowContext(bg, "SELECT channel FROM events WHERE id = ?", ordinary.EventID).Scan(&channel)
		if channel != "volunteer" {
			t.Fatalf("channel %q", channel)
		}
		secret := "出租屋深夜多名陌生人聚集疑似赌博"
		police := must(s.Report(ctxs[1], volunteer.ClueInput{Kind: "police", Text: secret, Place: "村口出租屋"}, idem.Key{}))(t)
		if police.EventID != "" || police.Kind != "police" {
			t.Fatalf("police clue: %+v", police)
		}
		// A 治安 category goes to the police whatever it was marked.
		sec := must(s.Report(ctxs[1], volunteer.ClueInput{Text: "可疑车辆在学校周边徘徊", Place: "学校门口", CategoryCode: "1202"}, idem.Key{}))(t)
		if sec.Kind != "police" || sec.EventID != "" {
			t.Fatalf("security clue: %+v", sec)
		}
		var n int
		q.QueryRowContext(bg, "SELECT count(*) FROM events WHERE description = ? OR description LIKE ?", secret, "%可疑车辆在学校周边%").Scan(&n)
		if n != 0 {
			t.Fatal("a police clue became an event")
		}
		if _, err := s.Report(ctxs[1], volunteer.ClueInput{Kind: "rumour", Text: "x"}, idem.Key{}); apperr.As(err) == nil || len(apperr.As(err).Fields) != 3 {
			t.Fatalf("bad clue: %v", err)
		}
		// The centre sees the ordinary clue, never the police's.
		intake := a.Login("intake")
		var list []volunteer.Clue
		if st := intake.Do("GET", "/api/v1/volunteer/clues?org_id="+village, nil, &list); st != 200 {
			t.Fatalf("clues: %d", st)
		}
		for _, c := range list {
			if c.Kind != "ordinary" || c.ID == police.ID {
				t.Fatalf("the centre sees %+v", c)
			}
		}
		if p := intake.Fail("GET", "/api/v1/volunteer/police-clues", nil); p.Status != 403 {
			t.Fatalf("intake reads police clues: %d", p.Status)
		}
		for _, role := range []string{"leader", "grid_member", "resident", "volunteer"} {
			if p := a.Login(role).Fail("GET", "/api/v1/volunteer/police-clues", nil); p.Status != 403 {
				t.Fatalf("%s reads police clues: %d", role, p.Status)
			}
		}
		// The police of the area read it (audited) and receive it.
		pol := a.LoginAs("pcschief")
		if st := pol.Do("GET", "/api/v1/volunteer/police-clues?org_id="+village, nil, &list); st != 200 {
			t.Fatalf("police clues: %d", st)
		}
		found := false
		for _, c := range list {
			found = found || (c.ID == police.ID && c.Text == secret)
		}
		if !found {
			t.Fatal("the police do not see the clue")
		}
		var audited int
		q.QueryRowContext(bg, "SELECT count(*) FROM audit_log WHERE action = 'volunteer.police_clues_read'").Scan(&audited)
		if audited == 0 {
			t.Fatal("the read is not audited")
		}
		var got volunteer.Clue
		if st := pol.Do("POST", "/api/v1/volunteer/police-clues/"+police.ID+"/receive", map[string]any{}, &got); st != 200 || got.Status != "received" {
			t.Fatalf("receive: %d %+v", st, got)
		}
		// The clue's text is sealed at rest, and the audit does not hold it.
		var sealed string
		q.QueryRowContext(bg, "SELECT text_sealed FROM volunteer_clues WHERE id = ?", police.ID).Scan(&sealed)
		q.QueryRowContext(bg, "SELECT count(*) FROM audit_log WHERE detail LIKE ?", "%聚集赌博%").Scan(&n)
		if strings.Contains(sealed, "赌博") || n != 0 {
			t.Fatal("the clue's text is readable at rest")
		}
	})

	t.Run("area scope", func(t *testing.T) {
		// A village's centre sees its own village's volunteers, not the
		// neighbour's; a grid member has no volunteer pages.
		other := account_(t, a, "vt.intake", "intake", otherVillage)
		octx := as(t, a, other, "邻村受理员")
		if _, err := s.Teams(octx, village); code(err) != "org_id:not_found" && code(err) != "not_found" && !strings.Contains(code(err), "not_found") {
			t.Fatalf("another village's teams: %v", err)
		}
		page := must(s.List(octx, volunteer.ListQuery{}))(t)
		for _, v := range page.Items {
			if v.OrgID == village {
				t.Fatalf("the neighbour sees %s", v.Name)
			}
		}
		if _, err := s.Update(octx, vols[0].ID, volunteer.VolunteerPatch{Version: vols[0].Version}); code(err) != "not_found" {
			t.Fatalf("another village's volunteer: %v", err)
		}
		if p := a.Login("grid_member").Fail("GET", "/api/v1/volunteer/volunteers", nil); p.Status != 403 {
			t.Fatalf("grid member: %d", p.Status)
		}
		// A volunteer who left is off the roster and signs up for nothing.
		v := must(s.Update(staff, vols[3].ID, volunteer.VolunteerPatch{Status: ptr("left"), Version: vols[3].Version}))(t)
		var st string
		q.QueryRowContext(bg, "SELECT status FROM workers WHERE id = ?", v.WorkerID).Scan(&st)
		if st != "left" {
			t.Fatalf("roster status %q", st)
		}
		if _, err := s.MyPage(ctxs[3]); code(err) != "volunteer.not_registered" {
			t.Fatalf("left volunteer: %v", err)
		}
	})

	t.Run("account", func(t *testing.T) {
		// The keeper links the account a volunteer signs in with by its
		// name: one of the keeper's area, no one else's; "" unlinks it.
		fresh := account_(t, a, "vt.link", "volunteer", village)
		v := must(s.Create(staff, volunteer.VolunteerInput{TeamID: team.ID, Name: "待关联志愿者"}))(t)
		if v.HasAccount {
			t.Fatal("a new entry with an account")
		}
		intake := a.Login("intake")
		link := func(username string, version int) volunteer.Volunteer {
			t.Helper()
			var out volunteer.Volunteer
			if st := intake.Do("PATCH", "/api/v1/volunteer/volunteers/"+v.ID, map[string]any{"username": username, "version": version}, &out); st != 200 {
				t.Fatalf("link %q: %d", username, st)
			}
			return out
		}
		for name, want := range map[string]string{"vt.0": "worker.account_taken", "nobody.here": "worker.account_not_found"} {
			if p := intake.Fail("PATCH", "/api/v1/volunteer/volunteers/"+v.ID, map[string]any{"username": name, "version": v.Version}); len(p.Errors) == 0 || p.Errors[0].Code != want {
				t.Fatalf("link %s: %+v", name, p)
			}
		}
		v = link("vt.link", v.Version)
		if _, err := s.MyPage(as(t, a, fresh, v.Name)); !v.HasAccount || err != nil {
			t.Fatalf("the linked account's page: %+v %v", v, err)
		}
		v = link("", v.Version)
		if _, err := s.MyPage(as(t, a, fresh, v.Name)); v.HasAccount || code(err) != "volunteer.not_registered" {
			t.Fatalf("unlinked: %+v %v", v, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
