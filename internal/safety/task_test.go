package safety_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gridgov/gridgov/internal/safety"
	"github.com/gridgov/gridgov/internal/testapp"
)

// Tasks of 平安建设: the demo's tasks carry the lights their dates and
// progress give; a task is given with its milestones, bad input named; a
// unit reports progress on its own tasks only, a milestone reached, the
// task completed with its evidence; the committee judges one failed; the
// index counts the tasks due in a month.
func TestTasks(t *testing.T) {
	t.Parallel()
	a := testapp.New(t)
	ctx := context.Background()
	intake, leader, ga, yj := a.Login("intake"), a.Login("leader"), a.LoginAs("gareporter"), a.LoginAs("yjreporter")
	var county, town, gaUnit string
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602'").Scan(&county)
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM org_nodes WHERE code = '441602001'").Scan(&town)
	a.DB.Reader().QueryRowContext(ctx, "SELECT id FROM units WHERE code = '441602-ga'").Scan(&gaUnit)
	base := "/api/v1/safety/roots/" + county

	var list safety.TaskList
	if st := leader.Do("GET", base+"/tasks", nil, &list); st != 200 || len(list.Rollup) == 0 {
		t.Fatalf("tasks: %d %d", st, len(list.Rollup))
	}
	sources := map[string]int{}
	for _, x := range list.Items {
		sources[x.Source]++
	}
	if len(list.Items)-sources["schedule"] != 9+24 || sources["schedule"] == 0 {
		t.Fatalf("tasks: %v", sources) // the demo's, and those its scheduling meetings pushed
	}
	why := map[string]string{}
	var dk safety.Task
	for _, x := range list.Items {
		why[x.Title] = x.Light + "/" + x.Why
		if strings.Contains(x.Title, "断卡") {
			dk = x
		}
	}
	for title, want := range map[string]string{
		"背街小巷夜间照明不足": "red/overdue", "矛盾纠纷月排查零报告制度落实": "yellow/no_progress", "城中村出租屋消防隐患集中整治": "yellow/milestone_overdue",
		"平安建设提质示范镇创建": "green/on_track", "重点青少年帮扶责任落实": "green/on_track",
	} {
		if why[title] != want {
			t.Errorf("%s: %s, want %s", title, why[title], want)
		}
	}
	if list.Rollup[0].Light != safety.Red || list.Rollup[0].Red == 0 {
		t.Errorf("the worst assignee first: %+v", list.Rollup)
	}
	if st := leader.Do("GET", base+"/tasks?source=campaign", nil, &list); st != 200 || len(list.Items) != 2 {
		t.Fatalf("campaign tasks: %d %+v", st, list.Items)
	}

	// A new task: bad input named, then given.
	today := time.Now().In(safety.Zone)
	day := func(n int) string { return today.AddDate(0, 0, n).Format("2006-01-02") }
	p := intake.Fail("POST", base+"/tasks", safety.TaskInput{Source: "x", Title: "", StartOn: day(0), DueOn: day(-1),
		Milestones: []safety.MilestoneInput{{Title: "一", DueOn: "2026/1/1"}}})
	fields := map[string]string{}
	for _, e := range p.Errors {
		fields[e.Field] = e.Code
	}
	if fields["source"] == "" || fields["title"] == "" || fields["due_on"] != "safety.task_due_before_start" || fields["area_id"] != "safety.task_assignee" ||
		fields["milestones[0].title"] == "" || fields["milestones[0].due_on"] != "validation.date" {
		t.Fatalf("bad task: %+v", p)
	}
	var task safety.Task
	in := safety.TaskInput{Source: "rectification", Title: "群众满意率整改", AreaID: town, Leader: "区委政法委 黄书记", StartOn: day(0), DueOn: day(20),
		Milestones: []safety.MilestoneInput{{Title: "逐件回访", DueOn: day(7)}}}
	if st := intake.Do("POST", base+"/tasks", in, &task); st != 201 || task.Light != safety.Green || len(task.Milestones) != 1 || task.Assignee != "上城街道" {
		t.Fatalf("create: %d %+v", st, task)
	}
	if st := leader.Do("POST", base+"/tasks", in, nil); st != 403 {
		t.Fatalf("a leader gives tasks: %d", st)
	}

	// The police's statistician reports on its unit's task only.
	var mine safety.Page[safety.Task]
	if st := ga.Do("GET", "/api/v1/safety/tasks/mine", nil, &mine); st != 200 || len(mine.Items) != 1 || mine.Items[0].ID != dk.ID {
		t.Fatalf("the police's tasks: %d %+v", st, mine)
	}
	if st := yj.Do("GET", "/api/v1/safety/tasks/"+dk.ID, nil, nil); st != 404 {
		t.Fatalf("another unit reads the task: %d", st)
	}
	if st := ga.Do("POST", "/api/v1/safety/tasks/"+task.ID+"/progress", safety.ProgressInput{Text: "已回访"}, nil); st != 404 {
		t.Fatalf("the police report on a town's task: %d", st)
	}
	if st := ga.Do("POST", "/api/v1/safety/tasks/"+dk.ID+"/progress", safety.ProgressInput{Text: "核查涉诈两卡开户人员 120 人", Evidence: "核查台账", Milestone: 1}, &task); st != 200 ||
		task.Milestones[0].DoneAt == nil || len(task.Progress) != 2 || task.Progress[0].ByName == "" {
		t.Fatalf("progress: %d %+v", st, task)
	}
	if p := ga.Fail("POST", "/api/v1/safety/tasks/"+dk.ID+"/progress", safety.ProgressInput{Text: "完成", Milestone: 1, Completes: true}); len(p.Errors) != 2 {
		t.Fatalf("complete without evidence, a milestone twice: %+v", p)
	}
	if st := ga.Do("POST", "/api/v1/safety/tasks/"+dk.ID+"/progress", safety.ProgressInput{Text: "行动完成", Evidence: "工作总结", Completes: true}, &task); st != 200 ||
		task.Status != safety.TaskDone || task.Light != safety.Green {
		t.Fatalf("complete: %d %+v", st, task)
	}
	if p := ga.Fail("POST", "/api/v1/safety/tasks/"+dk.ID+"/progress", safety.ProgressInput{Text: "再报"}); p.Code != "safety.task_closed" {
		t.Fatalf("report on a closed task: %+v", p)
	}
	// The committee judges the town's task failed.
	if st := ga.Do("POST", "/api/v1/safety/tasks/"+mine.Items[0].ID+"/fail", safety.FailInput{Reason: "x"}, nil); st != 403 {
		t.Fatalf("a unit fails tasks: %d", st)
	}
	var created safety.Task
	intake.Do("GET", base+"/tasks?source=rectification", nil, &list)
	for _, x := range list.Items {
		if x.Title == "群众满意率整改" {
			created = x
		}
	}
	if st := intake.Do("POST", "/api/v1/safety/tasks/"+created.ID+"/fail", safety.FailInput{Reason: "逾期未整改"}, &task); st != 200 || task.Light != safety.Red || task.Why != "failed" {
		t.Fatalf("fail: %d %+v", st, task)
	}

	// Last month's index counted its two tasks (and those the scheduling
	// meetings pushed), all done on time.
	last := today.AddDate(0, -1, 0).Format("2006-01")
	var d safety.Drill
	if st := leader.Do("GET", "/api/v1/safety/areas/"+county+"/months/"+last+"/indicators/task_on_time", nil, &d); st != 200 || len(d.Rows) < 2 ||
		len(d.Rows) != d.Denominator || d.Numerator != d.Denominator || d.Value.Value == nil || *d.Value.Value != 100 {
		t.Fatalf("task_on_time: %d %+v", st, d)
	}
}
