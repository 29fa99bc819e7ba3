// Package cli holds gridgov's verbs: serve, demo, migrate, user, backup,
// restore, audit and config. Each parses its own flags and calls services.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gridgov/gridgov/internal/config"
)

type verb struct {
	name, usage string
	run         func(ctx context.Context, args []string, out io.Writer) error
}

func verbs() []verb {
	return []verb{
		{"serve", "serve the web console and API", runServe},
		{"demo", "build a demo county (or city, province) into the data directory; --serve to serve it", runDemo},
		{"migrate", "apply database migrations and exit", runMigrate},
		{"user", "create|reset|unlock|reset-totp|disable|enable an account", runUser},
		{"backup", "write an online copy of the SQLite database", runBackup},
		{"restore", "put a backup in place of the SQLite database (server stopped)", runRestore},
		{"audit", "verify: check the audit log's hash chain", runAudit},
		{"config", "dump: print the configuration, secrets masked", runConfig},
		{"import", "people|houses|units|households FILE: bulk-load a register sheet (.xlsx, .csv); --template FILE writes the template", runImport},
		{"calendar", "import FILE|list [YEAR]: load a year's holidays and swapped workdays, or list the loaded years", runCalendar},
		{"keys", "list|rotate|reseal|retire ID|new: manage the data keys that seal personal data", runKeys},
		{"bench", "measure intake, the queue page, the dashboard and point→grid on a demo data set", runBench},
	}
}

// Main runs the verb named in args and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	setupLog(stderr, config.Default().LogLevel)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	for _, v := range verbs() {
		if v.name == args[0] {
			err := v.run(ctx, args[1:], stdout)
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "gridgov %s: %v\n", v.name, err)
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "gridgov: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gridgov — grid-based social governance platform\n\nUsage: gridgov <command> [flags]\n\nCommands:")
	for _, v := range verbs() {
		fmt.Fprintf(w, "  %-8s %s\n", v.name, v.usage)
	}
	fmt.Fprintln(w, "\nRun 'gridgov <command> -h' for the flags of a command.")
}

func setupLog(w io.Writer, level string) {
	var l slog.Level
	l.UnmarshalText([]byte(strings.ToUpper(level)))
	slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})))
}

// flags makes a flag set with the common flags bound to a fresh config.
func flags(name string) (*flag.FlagSet, *config.Config) {
	cfg := config.Default()
	fs := flag.NewFlagSet("gridgov "+name, flag.ContinueOnError)
	cfg.Flags(fs)
	return fs, &cfg
}
