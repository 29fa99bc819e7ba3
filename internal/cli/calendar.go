package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/calendar"
	"github.com/gridgov/gridgov/internal/workcal"
)

const calendarUsage = "usage: gridgov calendar import FILE [--year YYYY] [--note TEXT] [--data DIR]\n" +
	"       gridgov calendar list [YEAR] [--data DIR]"

// runCalendar loads a year of the work calendar from a file, or lists the
// loaded years (or a year's days and history).
func runCalendar(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(calendarUsage)
	}
	sub := args[0]
	fs, cfg := flags("calendar " + sub)
	year := fs.Int("year", 0, "import: refuse the file unless it is of this year")
	note := fs.String("note", "", "import: the notice the file follows, or why the year is loaded again")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	arg := ""
	if fs.NArg() > 0 { // FILE or YEAR may come before the flags
		arg = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return err
		}
	}
	switch sub {
	case "import":
		if arg == "" {
			return errors.New(calendarUsage)
		}
		b, err := readYearFile(arg)
		if err != nil {
			return err
		}
		return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
			v, err := a.Calendar.Load(ctx, workcal.LoadInput{Year: *year, Text: string(b), Source: filepath.Base(arg), Note: *note})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "%d loaded as version %d: %d holidays, %d swapped workdays\n", v.Year, v.Version, v.Holidays, v.Workdays)
			return nil
		})
	case "list":
		return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
			if arg != "" {
				y, err := strconv.Atoi(arg)
				if err != nil {
					return fmt.Errorf("%q is not a year\n%s", arg, calendarUsage)
				}
				return listYear(ctx, a, y, out)
			}
			return listYears(ctx, a, out)
		})
	}
	return fmt.Errorf("unknown subcommand %q\n%s", sub, calendarUsage)
}

// readYearFile reads a year's file, refusing one too large before reading it all.
func readYearFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, calendar.MaxYearFile+1))
	if err == nil && len(b) > calendar.MaxYearFile {
		err = fmt.Errorf("%s is larger than %d bytes", name, calendar.MaxYearFile)
	}
	return b, err
}

func listYears(ctx context.Context, a *app.App, out io.Writer) error {
	years, err := a.Calendar.Years(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "YEAR  VERSION  HOLIDAYS  WORKDAYS  LOADED            BY        NOTE")
	for _, v := range years {
		fmt.Fprintf(out, "%-4d  %7d  %8d  %8d  %s  %-8s  %s\n", v.Year, v.Version, v.Holidays, v.Workdays, when(v.LoadedAt), v.LoadedBy, v.Note)
	}
	st, err := a.Calendar.Status(ctx)
	if err != nil {
		return err
	}
	for _, n := range st.Missing {
		fmt.Fprintf(out, "warning: %d is not loaded: deadlines in %d count weekends alone until it is\n", n.Year, n.Year)
	}
	return nil
}

func listYear(ctx context.Context, a *app.App, year int, out io.Writer) error {
	y, err := a.Calendar.Get(ctx, year, 0)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(out, "# %d, version %d, loaded %s by %s: %s\n", y.Year, y.Version, when(y.LoadedAt), y.LoadedBy, y.Note)
	fmt.Fprint(out, calendar.Year{Year: y.Year, Days: y.Days}.Format())
	h, err := a.Calendar.History(ctx, year)
	if err != nil {
		return err
	}
	for _, v := range h[1:] {
		fmt.Fprintf(out, "# earlier: version %d, loaded %s by %s, %d holidays, %d workdays: %s\n", v.Version, when(v.LoadedAt), v.LoadedBy,
			v.Holidays, v.Workdays, v.Note)
	}
	return nil
}

// when writes Unix milliseconds as a local time to the minute.
func when(ms int64) string { return time.UnixMilli(ms).Format("2006-01-02 15:04") }
