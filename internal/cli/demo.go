package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/demo"
)

func runDemo(ctx context.Context, args []string, out io.Writer) error {
	fs, cfg := flags("demo")
	scale := fs.String("scale", "county", "county (源城区), city (all of 河源市, ~10,000 grids) or province (~50,000 grids)")
	seed := fs.Int64("seed", 2026, "random seed: the same seed builds the same demo")
	serveToo := fs.Bool("serve", false, "serve the demo when built (or when it is already there)")
	lean := fs.Bool("lean", false, "leave out the county's year of patrols beyond the first community (about a million rows, a minute to write): for tests and quick looks")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address with --serve (env GRIDGOV_ADDR)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sc, ok := demo.Scales[*scale]
	if !ok {
		return fmt.Errorf("unknown --scale %q: county, city or province", *scale)
	}
	jsonPath := filepath.Join(cfg.DataDir, "demo.json")
	a, err := app.Open(ctx, *cfg)
	if err != nil {
		return err
	}
	var n int
	err = a.DB.Reader().QueryRowContext(ctx, "SELECT count(*) FROM org_nodes").Scan(&n)
	if err == nil && n > 0 && *serveToo {
		a.Close()
		fmt.Fprintf(out, "demo data already in %s — serving it\n", cfg.DataDir)
		printAccounts(out, jsonPath)
		return serve(ctx, *cfg, out)
	}
	if err == nil {
		var res demo.Result
		res, err = demo.Build(ctx, demo.Deps{DB: a.DB, Authn: a.Authn, Registry: a.Registry, KeyPersons: a.KeyPersons, Sheets: a.Sheets,
			Petitions: a.Petitions, Disputes: a.Disputes, CallKey: a.CallKey, Psych: a.Psych, Village: a.Village, Duty: a.Duty, Visits: a.Visits, Org: a.Org, Assess: a.Assess,
			Patrols: a.Patrols, Party: a.Party, Volunteers: a.Volunteers, RedOrders: a.RedOrders, Points: a.Points, Safety: a.Safety, Drives: a.Drives, Antifraud: a.Antifraud, Situations: a.Situations, NoPatrolYear: *lean}, sc, *seed, out)
		if err == nil {
			err = a.DB.Analyze(ctx)
		}
		if err == nil {
			err = writeJSON(jsonPath, res)
		}
		if err == nil {
			fmt.Fprintf(out, "demo built in %.1fs: %d towns, %d villages, %d grids, %d households, %d team members, %d events; peak memory %d MiB\n",
				res.BuiltSeconds, res.Towns, res.Villages, res.Grids, res.Households, res.TeamMembers, res.Events, peakMiB())
		}
	}
	a.Close()
	if err != nil {
		return err
	}
	printAccounts(out, jsonPath)
	if *serveToo {
		return serve(ctx, *cfg, out)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// printAccounts shows the demo accounts from demo.json.
func printAccounts(out io.Writer, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var res demo.Result
	if json.Unmarshal(b, &res) != nil {
		return
	}
	fmt.Fprintf(out, "\nDemo accounts (password %s; written to %s):\n", demo.DemoPassword, path)
	for _, acc := range res.Accounts {
		line := fmt.Sprintf("  %-12s %-13s org %s", acc.Username, acc.Role, acc.OrgCode)
		if acc.TOTPSecret != "" {
			line += "  TOTP secret " + acc.TOTPSecret
		}
		fmt.Fprintln(out, strings.TrimRight(line, " "))
	}
	fmt.Fprintln(out)
}

// peakMiB is the process's peak resident memory.
func peakMiB() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.Sys >> 20)
	}
	return ru.Maxrss >> 10 // KiB on Linux
}
