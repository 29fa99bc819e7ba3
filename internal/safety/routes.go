package safety

import (
	"bytes"
	"io"
	"net/http"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/i18n"

	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/httpx"
)

// Page is a list answer.
type Page[T any] struct {
	Items []T `json:"items"`
}

// Routes are the safety index's endpoints. A root is a county or a city:
// its catalogue and its months; an area is a county or a town of a month.
func (s *Service) Routes() []httpx.Route {
	const tag = "safety"
	r := func(method, path, summary string, perm authz.Perm, do httpx.Endpoint) httpx.Route {
		return httpx.Route{Method: method, Path: path, Tag: tag, Summary: summary, Perm: perm, Do: do}
	}
	return []httpx.Route{
		r("GET", "/api/v1/safety/roots/{id}/catalogue", "The root's catalogue of indicators in force, with its version (the default one as version 0 before any is saved)", authz.SafetyRead, httpx.Get(s.getCatalogue)),
		r("PUT", "/api/v1/safety/roots/{id}/catalogue", "Save the catalogue as its next version (months already computed keep theirs); version is the one edited", authz.SafetyWrite, httpx.Call(s.saveCatalogue)),
		r("GET", "/api/v1/safety/roots/{id}/months", "The root's computed months, newest first, with their status", authz.SafetyRead, httpx.Get(s.months)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}", Tag: tag, Summary: "A month's ranking of counties and towns: index, rank, change and a light per indicator",
			Perm: authz.SafetyRead, Params: []httpx.Param{{Name: "level", In: "query", Desc: "county or town; both when absent"}}, Do: httpx.Get(s.ranking)},
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}/export", Tag: tag, Summary: "Every figure of the month as a workbook: the ranking, each area's indicators, the units' reports",
			Perm: authz.SafetyRead, OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportMonth},
		r("POST", "/api/v1/safety/roots/{id}/months/{month}/compute", "Compute (or recompute) a month for every county and town under the root; a published month is refused (409)", authz.SafetyWrite, httpx.Call(s.compute)),
		r("POST", "/api/v1/safety/roots/{id}/months/{month}/publish", "Publish a computed month: it is frozen from then on", authz.SafetyWrite, httpx.Call(s.publish)),
		r("GET", "/api/v1/safety/reports/mine", "The caller's unit's reports of a month (query month): one for every county or city whose catalogue names the unit, with its deadline and light", authz.SafetyReport, httpx.Get(s.myReports)),
		r("GET", "/api/v1/safety/roots/{id}/months/{month}/unit-reports", "Every reporting unit's report of the month with its light: on time, late, missing, not yet due", authz.SafetyRead, httpx.Get(s.reports)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}", Tag: tag, Summary: "A unit's report of the month: each town's figures and the document they come from",
			Access: reportReaders, Do: httpx.Get(s.report)},
		r("PUT", "/api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}", "Submit or correct the caller's unit's report: every figure of every town; refused once the month is published", authz.SafetyReport, httpx.Call(s.saveReport)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}/sheet", Tag: tag, Summary: "The report as a spreadsheet to fill in: a town a row, a figure a column",
			Access: reportReaders, OutType: "application/octet-stream", Out: []byte{}, Handler: s.reportSheet},
		{Method: "POST", Path: "/api/v1/safety/roots/{id}/months/{month}/unit-reports/{unit}/sheet", Tag: tag, Summary: "Read a filled spreadsheet (.xlsx body) into the report's figures without saving them; each bad cell named by row and figure",
			Perm: authz.SafetyReport, In: []byte{}, Out: Report{}, Handler: s.readReportSheet},
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/months/{month}/bulletin", Tag: tag, Summary: "The month's bulletin (月通报): the ranking with its lights, the root's index over the year, the committee's comments and, once issued, its number",
			Access: bulletinReaders, Do: httpx.Get(s.bulletin)},
		r("PUT", "/api/v1/safety/roots/{id}/months/{month}/bulletin", "Save the committee's comments on the month's bulletin, until it is issued", authz.SafetyWrite, httpx.Call(s.saveBulletin)),
		r("POST", "/api/v1/safety/roots/{id}/months/{month}/bulletin/issue", "Issue the bulletin of a published month: numbered within its year, sent to the readers' inboxes, kept as issued", authz.SafetyWrite, httpx.Call(s.issueBulletin)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/bulletins", Tag: tag, Summary: "The root's issued bulletins, newest first", Access: bulletinReaders, Do: httpx.Get(s.bulletins)},
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/tasks", Tag: tag, Summary: "The root's tasks of 平安建设 with their lights, rolled up per town and per unit",
			Perm: authz.SafetyRead, Params: []httpx.Param{{Name: "source", In: "query", Desc: "letter, campaign, problem, responsibility, rectification or demonstration"}}, Do: httpx.Get(s.tasks)},
		{Method: "POST", Path: "/api/v1/safety/roots/{id}/tasks", Tag: tag, Summary: "Give a task to a town, a village or a unit, with its milestones", Perm: authz.SafetyWrite, Status: http.StatusCreated, Do: httpx.Call(s.createTask)},
		{Method: "GET", Path: "/api/v1/safety/tasks/mine", Tag: tag, Summary: "The tasks the caller reports on: its unit's and its areas'", Access: taskReporters, Do: httpx.Get(s.myTasks)},
		{Method: "GET", Path: "/api/v1/safety/tasks/{id}", Tag: tag, Summary: "A task with its milestones, light and progress reports", Access: "the committee (safety.read over its county or city) and those who report on it", Do: httpx.Get(s.getTask)},
		{Method: "POST", Path: "/api/v1/safety/tasks/{id}/progress", Tag: tag, Summary: "Report progress on an open task: what was done and its evidence, a milestone reached, the task completed",
			Access: taskReporters, Do: httpx.Call(s.reportProgress)},
		r("POST", "/api/v1/safety/tasks/{id}/fail", "Judge an open task failed, with the reason: its light stays red", authz.SafetyWrite, httpx.Call(s.failTask)),
		r("GET", "/api/v1/safety/roots/{id}/reviews/{period}", "The quarterly review (季研判, period 2026-Q4): every area's index in the quarter against the quarter before, the worst-moving town indicators, the conclusion and decisions", authz.SafetyRead, httpx.Get(s.review)),
		r("PUT", "/api/v1/safety/roots/{id}/reviews/{period}", "Save the committee's conclusion on the quarter", authz.SafetyWrite, httpx.Call(s.saveReview)),
		r("POST", "/api/v1/safety/roots/{id}/reviews/{period}/decisions", "Record a decision of the quarter's review: what, who, by when", authz.SafetyWrite, httpx.Call(s.addDecision)),
		r("GET", "/api/v1/safety/roots/{id}/years/{year}", "The year's assessment (年考评): the average of the published months, the bonus, deduction and veto items, the final score, rank and grade", authz.SafetyRead, httpx.Get(s.year)),
		r("POST", "/api/v1/safety/roots/{id}/years/{year}/items", "Add a bonus (up to 10), deduction (up to 20) or veto for a county or town, with its reason", authz.SafetyWrite, httpx.Call(s.addYearItem)),
		{Method: "DELETE", Path: "/api/v1/safety/roots/{id}/years/{year}/items/{item}", Tag: tag, Summary: "Remove an item while the year is not published", Perm: authz.SafetyWrite, Do: httpx.Get(s.removeYearItem)},
		r("POST", "/api/v1/safety/roots/{id}/years/{year}/publish", "Publish a year that has ended: its items and grades no longer change", authz.SafetyWrite, httpx.Call(s.publishYear)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/cell-kinds", Tag: tag, Summary: "The kinds of safe cell (平安细胞) the root creates, with their criteria, validity and revocation rule", Access: cellWorkers, Do: httpx.Get(s.cellKinds)},
		r("PUT", "/api/v1/safety/roots/{id}/cell-kinds", "Replace the root's kinds of safe cell", authz.SafetyWrite, httpx.Call(s.saveCellKinds)),
		{Method: "GET", Path: "/api/v1/safety/roots/{id}/cells", Tag: tag, Summary: "The root's safe cells and applications (a town's centre: its own), of a kind and status",
			Access: cellWorkers, Params: []httpx.Param{{Name: "kind", In: "query"}, {Name: "status", In: "query", Desc: "applied, inspected, approved, rejected, revoked, expired"}}, Do: httpx.Get(s.cells)},
		{Method: "POST", Path: "/api/v1/safety/roots/{id}/cells", Tag: tag, Summary: "Apply for a safe cell with the self-assessment of every criterion", Perm: authz.SafetyTask, Status: http.StatusCreated, Do: httpx.Call(s.apply)},
		{Method: "GET", Path: "/api/v1/safety/cells/{id}", Tag: tag, Summary: "A safe cell with its criteria, self-assessment, inspection and decision", Access: cellWorkers, Do: httpx.Get(s.getCell)},
		r("POST", "/api/v1/safety/cells/{id}/inspect", "Record the inspection of an application: a finding on every criterion", authz.SafetyTask, httpx.Call(s.inspect)),
		r("POST", "/api/v1/safety/cells/{id}/decide", "Approve an inspected application (valid for the kind's months) or reject it with a note", authz.SafetyWrite, httpx.Call(s.decide)),
		r("POST", "/api/v1/safety/cells/{id}/revoke", "Revoke an approved cell, with the reason", authz.SafetyWrite, httpx.Call(s.revoke)),
		r("POST", "/api/v1/safety/roots/{id}/cells/sweep", "Apply the revocation rules: a valid cell with an urgent event of a listed category in its area since approval is revoked", authz.SafetyWrite, httpx.Call(s.sweepCells)),
		r("GET", "/api/v1/safety/roots/{id}/cell-coverage", "Each town's valid safe cells of each kind against its eligible count", authz.SafetyRead, httpx.Get(s.cellCoverage)),
		r("PUT", "/api/v1/safety/roots/{id}/cell-targets", "Set how many places of a kind a town should create", authz.SafetyWrite, httpx.Call(s.setCellTarget)),
		r("GET", "/api/v1/safety/areas/{id}/months/{month}", "One county's or town's indicators in a month: value, thresholds, light and points", authz.SafetyRead, httpx.Get(s.area)),
		r("GET", "/api/v1/safety/areas/{id}/months/{month}/indicators/{code}", "The records behind one indicator of an area in a month (numbers and place names only)", authz.SafetyRead, httpx.Get(s.drill)),
	}
}

const reportReaders = "the committee (safety.read over the county or city) and the unit's own reporters (safety.report)"

func (s *Service) myReports(r *http.Request) (Page[ReportRef], error) {
	out, err := s.MyReports(r.Context(), r.URL.Query().Get("month"))
	return Page[ReportRef]{Items: out}, err
}
func (s *Service) reports(r *http.Request) (Page[ReportRef], error) {
	out, err := s.Reports(r.Context(), r.PathValue("id"), r.PathValue("month"))
	return Page[ReportRef]{Items: out}, err
}
func (s *Service) report(r *http.Request) (Report, error) {
	return s.Report(r.Context(), r.PathValue("id"), r.PathValue("month"), r.PathValue("unit"))
}
func (s *Service) saveReport(r *http.Request, in ReportInput) (Report, error) {
	return s.SaveReport(r.Context(), r.PathValue("id"), r.PathValue("month"), r.PathValue("unit"), in)
}
func (s *Service) reportSheet(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	month := r.PathValue("month")
	if err := s.WriteReportSheet(r.Context(), &buf, r.PathValue("id"), month, r.PathValue("unit"), i18n.Lang(r)); err != nil {
		return err
	}
	httpx.Download(w, i18n.T(i18n.Lang(r), "ui.safety.report.sheet", nil)+"-"+month+".xlsx", httpx.XLSX, buf.Bytes())
	return nil
}

// readReportSheet takes the spreadsheet as the request body, up to 2 MB.
func (s *Service) readReportSheet(w http.ResponseWriter, r *http.Request) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 2<<20))
	if err != nil {
		return apperr.E(apperr.Invalid, "request.too_large", "limit", 2<<20)
	}
	out, err := s.ReadReportSheet(r.Context(), r.PathValue("id"), r.PathValue("month"), r.PathValue("unit"), body, i18n.Lang(r))
	return httpx.Reply(w, out, err)
}

const taskReporters = "an area's task: safety.task over the area; a unit's task: its staff holding safety.task or safety.report; any task: the committee (safety.write)"

const bulletinReaders = "the committee (safety.read over the county or city); an issued bulletin also the readers of its towns (safety.read under it)"

func (s *Service) bulletin(r *http.Request) (Bulletin, error) {
	return s.Bulletin(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) saveBulletin(r *http.Request, in BulletinInput) (Bulletin, error) {
	return s.SaveBulletin(r.Context(), r.PathValue("id"), r.PathValue("month"), in)
}
func (s *Service) issueBulletin(r *http.Request, _ struct{}) (Bulletin, error) {
	return s.IssueBulletin(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) bulletins(r *http.Request) (Page[BulletinRef], error) {
	out, err := s.Bulletins(r.Context(), r.PathValue("id"))
	return Page[BulletinRef]{Items: out}, err
}

func (s *Service) tasks(r *http.Request) (TaskList, error) {
	return s.Tasks(r.Context(), r.PathValue("id"), r.URL.Query().Get("source"))
}
func (s *Service) createTask(r *http.Request, in TaskInput) (Task, error) {
	return s.CreateTask(r.Context(), r.PathValue("id"), in)
}
func (s *Service) myTasks(r *http.Request) (Page[Task], error) {
	out, err := s.MyTasks(r.Context())
	return Page[Task]{Items: out}, err
}
func (s *Service) getTask(r *http.Request) (Task, error) {
	return s.Task(r.Context(), r.PathValue("id"))
}
func (s *Service) reportProgress(r *http.Request, in ProgressInput) (Task, error) {
	return s.ReportProgress(r.Context(), r.PathValue("id"), in)
}
func (s *Service) failTask(r *http.Request, in FailInput) (Task, error) {
	return s.FailTask(r.Context(), r.PathValue("id"), in)
}

func (s *Service) review(r *http.Request) (Review, error) {
	return s.Review(r.Context(), r.PathValue("id"), r.PathValue("period"))
}
func (s *Service) saveReview(r *http.Request, in ReviewInput) (Review, error) {
	return s.SaveReview(r.Context(), r.PathValue("id"), r.PathValue("period"), in)
}
func (s *Service) addDecision(r *http.Request, in DecisionInput) (Review, error) {
	return s.AddDecision(r.Context(), r.PathValue("id"), r.PathValue("period"), in)
}
func (s *Service) year(r *http.Request) (Year, error) {
	return s.Year(r.Context(), r.PathValue("id"), r.PathValue("year"))
}
func (s *Service) addYearItem(r *http.Request, in YearItemInput) (Year, error) {
	return s.AddYearItem(r.Context(), r.PathValue("id"), r.PathValue("year"), in)
}
func (s *Service) removeYearItem(r *http.Request) (Year, error) {
	return s.RemoveYearItem(r.Context(), r.PathValue("id"), r.PathValue("year"), r.PathValue("item"))
}
func (s *Service) publishYear(r *http.Request, _ struct{}) (Year, error) {
	return s.PublishYear(r.Context(), r.PathValue("id"), r.PathValue("year"))
}

const cellWorkers = "the committee (safety.read over the county or city) and the towns' centres (safety.task under it)"

// KindList is the kinds of safe cell, as saved and read.
type KindList struct {
	Kinds []CellKind `json:"kinds"`
}

func (s *Service) cellKinds(r *http.Request) (KindList, error) {
	out, err := s.CellKinds(r.Context(), r.PathValue("id"))
	return KindList{Kinds: out}, err
}
func (s *Service) saveCellKinds(r *http.Request, in KindList) (KindList, error) {
	out, err := s.SaveCellKinds(r.Context(), r.PathValue("id"), in.Kinds)
	return KindList{Kinds: out}, err
}
func (s *Service) cells(r *http.Request) (Page[Cell], error) {
	out, err := s.Cells(r.Context(), r.PathValue("id"), r.URL.Query().Get("kind"), r.URL.Query().Get("status"))
	return Page[Cell]{Items: out}, err
}
func (s *Service) apply(r *http.Request, in CellInput) (Cell, error) {
	return s.Apply(r.Context(), r.PathValue("id"), in)
}
func (s *Service) getCell(r *http.Request) (Cell, error) {
	return s.Cell(r.Context(), r.PathValue("id"))
}
func (s *Service) inspect(r *http.Request, in InspectInput) (Cell, error) {
	return s.Inspect(r.Context(), r.PathValue("id"), in)
}
func (s *Service) decide(r *http.Request, in DecideInput) (Cell, error) {
	return s.Decide(r.Context(), r.PathValue("id"), in)
}
func (s *Service) revoke(r *http.Request, in RevokeInput) (Cell, error) {
	return s.Revoke(r.Context(), r.PathValue("id"), in)
}
func (s *Service) sweepCells(r *http.Request, _ struct{}) (Page[Cell], error) {
	out, err := s.SweepCells(r.Context(), r.PathValue("id"))
	return Page[Cell]{Items: out}, err
}
func (s *Service) cellCoverage(r *http.Request) (Coverage, error) {
	return s.CellCoverage(r.Context(), r.PathValue("id"))
}
func (s *Service) setCellTarget(r *http.Request, in TargetInput) (Coverage, error) {
	return s.SetCellTarget(r.Context(), r.PathValue("id"), in)
}

func (s *Service) getCatalogue(r *http.Request) (Catalogue, error) {
	return s.Catalogue(r.Context(), r.PathValue("id"))
}
func (s *Service) saveCatalogue(r *http.Request, in CatalogueInput) (Catalogue, error) {
	return s.SaveCatalogue(r.Context(), r.PathValue("id"), in)
}
func (s *Service) months(r *http.Request) (Page[MonthRef], error) {
	out, err := s.Months(r.Context(), r.PathValue("id"))
	return Page[MonthRef]{Items: out}, err
}
func (s *Service) ranking(r *http.Request) (Month, error) {
	return s.Ranking(r.Context(), r.PathValue("id"), r.PathValue("month"), r.URL.Query().Get("level"))
}
func (s *Service) compute(r *http.Request, _ struct{}) (Month, error) {
	return s.Compute(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) publish(r *http.Request, _ struct{}) (Month, error) {
	return s.Publish(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) area(r *http.Request) (AreaMonth, error) {
	return s.Area(r.Context(), r.PathValue("id"), r.PathValue("month"))
}
func (s *Service) drill(r *http.Request) (Drill, error) {
	return s.Drill(r.Context(), r.PathValue("id"), r.PathValue("month"), r.PathValue("code"))
}
