package regsheet

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/httpx"
	"github.com/gridgov/gridgov/internal/registry"
	"github.com/gridgov/gridgov/internal/registry/regkit"
)

// MaxImports is how many uploaded sheets one node reads at once. Each may
// hold its file (30 MB) and a shared-string table of up to 200 MB unzipped;
// the others wait, their jobs shown as running.
const MaxImports = 2

var importSlots = make(chan struct{}, MaxImports)

// Template writes the import template of a kind.
func Template(w io.Writer, kind string, f excel.Format) error {
	sheet, ok := Sheets[kind]
	if !ok {
		return apperr.Field("kind", "registry.code_unknown", "value", kind)
	}
	return excel.WriteTemplate(w, sheet, f)
}

// Routes are the import and export endpoints. Uploads and downloads write
// files, not JSON, so they keep a raw Handler.
func (s *Service) Routes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Path: "/api/v1/import-templates/{kind}", Tag: "registry", Summary: "Import template (xlsx with drop-down lists, or csv)",
			Perm: authz.RegistryImport, Params: []httpx.Param{{Name: "format", In: "query", Desc: "xlsx (default) or csv"}}, OutType: "application/octet-stream", Out: []byte{},
			Handler: s.template},
		{Method: "POST", Path: "/api/v1/imports", Tag: "registry", Summary: "Upload a sheet to import (multipart: file); poll the job",
			Perm: authz.RegistryImport, Params: []httpx.Param{{Name: "kind", In: "query", Required: true, Desc: "people, houses, units, households"},
				{Name: "mode", In: "query", Desc: "all (default: all or nothing) or valid (import the valid rows)"}},
			Out: Import{}, Status: 202, Handler: s.upload},
		{Method: "GET", Path: "/api/v1/imports/{id}", Tag: "registry", Summary: "An import's progress and outcome (one's own)",
			Perm: authz.RegistryImport, Do: httpx.Get(s.getImport)},
		{Method: "GET", Path: "/api/v1/imports/{id}/errors", Tag: "registry", Summary: "The rejected rows with a 错误原因 column",
			Perm: authz.RegistryImport, OutType: "application/octet-stream", Out: []byte{}, Handler: s.errorSheet},
		{Method: "POST", Path: "/api/v1/exports", Tag: "registry", Summary: "Ask for a list as a spreadsheet: ready at once, or awaiting a second person's approval above the threshold",
			Perm: authz.RegistryExport, Status: 201, Do: httpx.Call(s.requestExport)},
		{Method: "GET", Path: "/api/v1/exports", Tag: "registry", Summary: "My export requests and those awaiting my approval",
			Access: "holders of registry.export (their own requests) or registry.export_approve (those awaiting them)", Do: httpx.Get(s.listExports)},
		{Method: "POST", Path: "/api/v1/exports/{id}/approve", Tag: "registry", Summary: "Approve another person's export",
			Perm: authz.RegistryExportApprove, Do: httpx.Call(s.decide(true))},
		{Method: "POST", Path: "/api/v1/exports/{id}/reject", Tag: "registry", Summary: "Reject another person's export, with a reason",
			Perm: authz.RegistryExportApprove, Do: httpx.Call(s.decide(false))},
		{Method: "GET", Path: "/api/v1/exports/{id}/file", Tag: "registry", Summary: "Download a ready or approved export (the requester only; masked, watermarked, audited)",
			Perm: authz.RegistryExport, OutType: "application/octet-stream", Out: []byte{}, Handler: s.exportFile},
	}
}

func (s *Service) template(w http.ResponseWriter, r *http.Request) error {
	kind, f := r.PathValue("kind"), excel.Format(r.URL.Query().Get("format"))
	if f == "" {
		f = excel.XLSX
	}
	if f != excel.XLSX && f != excel.CSV {
		return apperr.Field("format", "registry.code_unknown", "value", string(f))
	}
	var buf bytes.Buffer
	if err := Template(&buf, kind, f); err != nil {
		return err
	}
	download(w, Sheets[kind].Name+"导入模板."+string(f), f, buf.Bytes())
	return nil
}

// upload starts an import of a multipart file and answers 202 with the
// job; the import runs on after the request, one of MaxImports at a time.
func (s *Service) upload(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, excel.DefaultLimits.MaxBytes+1<<20)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return apperr.E(apperr.Invalid, "import.too_large", "max_mb", excel.DefaultLimits.MaxBytes>>20)
	}
	defer file.Close()
	if !httpx.ValidText(hdr.Filename) { // a filename*= parameter can carry %00
		return apperr.Field("file", "request.invalid_text")
	}
	data, err := io.ReadAll(file)
	if err != nil {
		return apperr.E(apperr.Invalid, "import.too_large", "max_mb", excel.DefaultLimits.MaxBytes>>20)
	}
	mode := r.URL.Query().Get("mode")
	if mode == "" {
		mode = "all"
	}
	job, run, err := s.StartImport(r.Context(), ImportInput{Kind: r.URL.Query().Get("kind"), Mode: mode, FileName: hdr.Filename,
		File: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		return err
	}
	// The request ends now; the job keeps the caller and request id
	// for its audit row and reports its progress in the database.
	go func(ctx context.Context) {
		defer func() {
			if p := recover(); p != nil {
				slog.Error("import panicked", "id", job.ID, "panic", p)
			}
		}()
		importSlots <- struct{}{}
		defer func() { <-importSlots }()
		run(ctx)
	}(context.WithoutCancel(r.Context()))
	httpx.JSON(w, http.StatusAccepted, job)
	return nil
}

func (s *Service) getImport(r *http.Request) (Import, error) {
	return s.GetImport(r.Context(), r.PathValue("id"))
}

func (s *Service) errorSheet(w http.ResponseWriter, r *http.Request) error {
	b, name, err := s.ErrorSheet(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f, _ := excel.FormatOf(name)
	download(w, name, f, b)
	return nil
}

func (s *Service) requestExport(r *http.Request, in ExportRequest) (Export, error) {
	return s.RequestExport(r.Context(), in)
}

func (s *Service) listExports(r *http.Request) (registry.Page[Export], error) {
	items, err := s.Exports(r.Context())
	return registry.Page[Export]{Items: items}, err
}

// decide is the approve (true) or reject (false) endpoint.
func (s *Service) decide(approve bool) func(r *http.Request, in DecisionInput) (Export, error) {
	return func(r *http.Request, in DecisionInput) (Export, error) {
		return s.DecideExport(r.Context(), r.PathValue("id"), approve, in.Reason)
	}
}

func (s *Service) exportFile(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	e, err := s.WriteExport(r.Context(), &buf, r.PathValue("id"))
	if err != nil {
		return err
	}
	name := exportSheet(e.Kind).Name + "-" + s.reg.Now().In(regkit.Shanghai).Format("20060102") + "." + e.Format
	download(w, name, excel.Format(e.Format), buf.Bytes())
	return nil
}

// DecisionInput carries an approver's reason.
type DecisionInput struct {
	Reason string `json:"reason,omitempty"`
}

func download(w http.ResponseWriter, name string, f excel.Format, b []byte) {
	ct := "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	if f == excel.CSV {
		ct = "text/csv; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
