package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gridgov/gridgov/internal/account"
	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/config"
	"github.com/gridgov/gridgov/internal/db"
	"github.com/gridgov/gridgov/internal/org"
)

// withApp opens the app for an operator command, acting as the system principal.
func withApp(ctx context.Context, cfg config.Config, fn func(ctx context.Context, a *app.App) error) error {
	a, err := app.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx = authz.WithPrincipal(ctx, authz.System())
	ctx = audit.WithMeta(ctx, audit.Meta{RequestID: "cli", IP: "local"})
	return fn(ctx, a)
}

func runMigrate(ctx context.Context, args []string, out io.Writer) error {
	fs, cfg := flags("migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		fmt.Fprintln(out, "migrations applied")
		return nil
	})
}

func runUser(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: gridgov user create|reset|unlock|reset-totp|disable|enable -username NAME [flags]")
	}
	sub := args[0]
	fs, cfg := flags("user " + sub)
	username := fs.String("username", "", "account name")
	password := fs.String("password", "", "password (create, reset); read from GRIDGOV_PASSWORD when empty")
	display := fs.String("name", "", "display name (create)")
	orgCode := fs.String("org", "", "org node code the account belongs to (create); its role is granted there")
	role := fs.String("role", "", "role code to grant at -org (create), e.g. sys_admin")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("-username is required")
	}
	if *password == "" {
		*password = os.Getenv("GRIDGOV_PASSWORD")
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		switch sub {
		case "create":
			orgID, err := orgIDByCode(ctx, a.DB, *orgCode)
			if err != nil {
				return err
			}
			if *display == "" {
				*display = *username
			}
			u, err := a.Accounts.CreateUser(ctx, account.NewUser{Username: *username, DisplayName: *display, Password: *password, OrgID: orgID})
			if err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "created %s (%s)\n", u.Username, u.ID)
			if *role != "" {
				needsTOTP, err := grant(ctx, a, u.ID, *role, orgID)
				if err != nil {
					return explain(err)
				}
				fmt.Fprintf(out, "granted %s at %s\n", *role, *orgCode)
				if needsTOTP {
					fmt.Fprintln(out, "the role needs TOTP: the user enrols an authenticator app at first sign-in")
				}
			}
			fmt.Fprintln(out, "the password must be changed at first sign-in")
			return nil
		case "reset":
			id, err := a.Accounts.UserID(ctx, *username)
			if err != nil {
				return explain(err)
			}
			if err := a.Accounts.ResetPassword(ctx, id, *password); err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "password of %s reset; it must be changed at next sign-in\n", *username)
		case "unlock":
			id, err := a.Accounts.UserID(ctx, *username)
			if err != nil {
				return explain(err)
			}
			if err := a.Accounts.Unlock(ctx, id); err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "%s unlocked\n", *username)
		case "reset-totp":
			id, err := a.Accounts.UserID(ctx, *username)
			if err != nil {
				return explain(err)
			}
			if err := a.Accounts.ResetTOTP(ctx, id); err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "TOTP of %s removed; it must be enrolled again at next sign-in\n", *username)
		case "disable", "enable":
			id, err := a.Accounts.UserID(ctx, *username)
			if err != nil {
				return explain(err)
			}
			u, err := a.Accounts.GetUser(ctx, id)
			if err != nil {
				return explain(err)
			}
			status := map[string]string{"disable": "disabled", "enable": "active"}[sub]
			if _, err := a.Accounts.UpdateUser(ctx, id, account.UserPatch{Status: &status, Version: u.Version}); err != nil {
				return explain(err)
			}
			fmt.Fprintf(out, "%s %sd\n", *username, sub)
		default:
			return fmt.Errorf("unknown user command %q (create, reset, unlock, reset-totp, disable, enable)", sub)
		}
		return nil
	})
}

// grant gives the user the role at orgID and says whether the role needs TOTP.
func grant(ctx context.Context, a *app.App, userID, roleCode, orgID string) (bool, error) {
	roles, err := a.Accounts.ListRoles(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if r.Code == roleCode {
			_, err := a.Accounts.Assign(ctx, userID, account.Assignment{RoleID: r.ID, OrgID: orgID})
			return r.NeedsTOTP, err
		}
	}
	return false, fmt.Errorf("no role %q", roleCode)
}

func orgIDByCode(ctx context.Context, d *db.DB, code string) (string, error) {
	if code == "" {
		return "", errors.New("-org CODE is required (e.g. the county code)")
	}
	id, err := org.IDOfCode(ctx, d.Reader(), code)
	if err != nil {
		return "", fmt.Errorf("no org node with code %s", code)
	}
	return id, nil
}

func runBackup(ctx context.Context, args []string, out io.Writer) error {
	fs, cfg := flags("backup")
	dst := fs.String("out", "", "backup file to write (default DATA/backups/gridgov-TIMESTAMP.db)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		path := *dst
		if path == "" {
			path = filepath.Join(cfg.DataDir, "backups", "gridgov-"+timestamp()+".db")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := a.DB.Backup(ctx, path); err != nil {
			return err
		}
		fmt.Fprintf(out, "backup written to %s\n", path)
		return nil
	})
}

func runRestore(ctx context.Context, args []string, out io.Writer) error {
	fs, cfg := flags("restore")
	src := fs.String("from", "", "backup file to restore")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" {
		return errors.New("-from FILE is required")
	}
	if cfg.DatabaseURL != "" {
		return errors.New("restore is for SQLite; use pg_restore for PostgreSQL")
	}
	if err := db.Restore(ctx, *src, cfg.DBURL()); err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s from %s\n", cfg.DBURL(), *src)
	return nil
}

// fileList is a flag that may be given several times.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func runAudit(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: gridgov audit verify [--anchors FILE ...] [flags]")
	}
	fs, cfg := flags("audit verify")
	var files fileList
	fs.Var(&files, "anchors", "anchor file, or an excerpt of the server log, to compare the log with; repeat for several "+
		"(default: GRIDGOV_AUDIT_ANCHORS or DATA/audit-anchors.log when it exists)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if len(files) == 0 {
		if _, err := os.Stat(cfg.AnchorFile()); err == nil {
			files = append(files, cfg.AnchorFile())
		}
	}
	var anchors []audit.Anchor
	for _, f := range files {
		a, err := audit.ReadAnchorFile(f)
		if err != nil {
			return err
		}
		anchors = append(anchors, a...)
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		res, err := a.Audit.VerifyAnchored(ctx, a.DB.Reader(), anchors)
		if err != nil {
			return err
		}
		if !res.OK {
			var why []string
			if res.FirstBadSeq != nil {
				why = append(why, fmt.Sprintf("audit chain broken at row %d (%s); %d rows before it are intact", *res.FirstBadSeq, res.Reason, res.Checked))
			}
			for _, p := range res.Problems {
				why = append(why, "audit log "+p.String())
			}
			if shown := countKind(res.Problems, audit.ForgedAnchor); res.Forged > shown {
				why = append(why, fmt.Sprintf("and %d more forged anchors", res.Forged-shown))
			}
			return errors.New(strings.Join(why, "\n"))
		}
		if res.LastAnchor == nil {
			fmt.Fprintf(out, "audit chain intact: %d rows; no anchors to compare with, so a rollback of its end cannot be seen (--anchors FILE)\n", res.Checked)
			return nil
		}
		fmt.Fprintf(out, "audit chain intact: %d rows, consistent with %d anchors; the last, of %s, recorded %d rows\n",
			res.Checked, res.Anchors, res.LastAnchor.At.Format(time.RFC3339), res.LastAnchor.Count)
		return nil
	})
}

func countKind(probs []audit.AnchorProblem, kind string) int {
	n := 0
	for _, p := range probs {
		if p.Kind == kind {
			n++
		}
	}
	return n
}

func runConfig(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "dump" {
		return errors.New("usage: gridgov config dump [flags]")
	}
	fs, cfg := flags("config dump")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg.Dump(out)
	return nil
}
