package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/excel"
	"github.com/gridgov/gridgov/internal/regsheet"
)

const importUsage = "usage: gridgov import people|houses|units|households FILE [--mode all|valid] [--data DIR]\n" +
	"       gridgov import KIND --template FILE.xlsx|FILE.csv"

// runImport loads a register sheet in bulk, or writes its template.
func runImport(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(importUsage)
	}
	kind := args[0]
	if _, ok := regsheet.Sheets[kind]; !ok {
		return fmt.Errorf("unknown kind %q\n%s", kind, importUsage)
	}
	fs, cfg := flags("import " + kind)
	mode := fs.String("mode", "all", "all: import nothing unless every row is valid; valid: import the valid rows")
	template := fs.String("template", "", "write the import template to this .xlsx or .csv file and exit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	file := ""
	if fs.NArg() > 0 { // FILE may come before the flags
		file = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	if *template != "" {
		f, err := excel.FormatOf(*template)
		if err != nil {
			return errors.New("--template: the file name must end in .xlsx or .csv")
		}
		w, err := os.Create(*template)
		if err != nil {
			return err
		}
		if err := regsheet.Template(w, kind, f); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		fmt.Fprintf(out, "template written to %s\n", *template)
		return nil
	}
	if file == "" {
		return errors.New(importUsage)
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		_, run, err := a.Sheets.StartImport(ctx, regsheet.ImportInput{Kind: kind, Mode: *mode, FileName: filepath.Base(file),
			File: f, Size: st.Size(), Limits: regsheet.BulkLimits})
		if err != nil {
			return explain(err)
		}
		job := run(ctx)
		fmt.Fprintf(out, "read %d, imported %d, rejected %d\n", job.Total, job.Imported, job.Rejected)
		if job.HasErrors {
			sheet, name, err := a.Sheets.ErrorSheet(ctx, job.ID)
			if err != nil {
				return err
			}
			path := filepath.Join(filepath.Dir(file), name)
			if err := os.WriteFile(path, sheet, 0o600); err != nil {
				return err
			}
			fmt.Fprintf(out, "rejected rows with their reasons: %s\n", path)
		}
		switch {
		case job.Status == "failed":
			return fmt.Errorf("import failed: %w", explain(job.Err))
		case job.Imported == 0:
			return errors.New("nothing imported")
		}
		return nil
	})
}
