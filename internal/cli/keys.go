package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/gridgov/gridgov/internal/app"
	"github.com/gridgov/gridgov/internal/audit"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/rekey"
	"github.com/gridgov/gridgov/internal/secret"
)

const keysUsage = `usage: gridgov keys list|rotate|reseal|retire ID|new [flags]
  list     the data keys and how many stored values each one seals
  rotate   put a fresh key first in the key file, then reseal every value with it
  reseal   reseal values still under an older key (after a rotation that stopped)
  retire   remove an older key from the key file once it seals nothing
  new      print a fresh key (for GRIDGOV_SECRET_KEY: put it first, restart, reseal)`

// runKeys manages the data keys (see internal/secret on rotation). Rotate
// while the nodes are stopped, or restart them after it: a running node
// only knows the keys it started with.
func runKeys(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(keysUsage)
	}
	sub := args[0]
	if sub == "new" {
		fmt.Fprintln(out, secret.NewKeyHex())
		return nil
	}
	fs, cfg := flags("keys " + sub)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.SecretKey != "" && (sub == "rotate" || sub == "retire") {
		return errors.New("the keys come from GRIDGOV_SECRET_KEY: run 'gridgov keys new', put the key first in the variable on every node, restart, then run 'gridgov keys reseal'")
	}
	return withApp(ctx, *cfg, func(ctx context.Context, a *app.App) error {
		switch sub {
		case "list":
			return listKeys(ctx, a, a.Keys, out)
		case "rotate":
			keys, err := secret.Rotate(a.Cfg.KeyFile())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "new key %s seals from now on\n", keys.Current())
			return reseal(ctx, a, keys, out)
		case "reseal":
			return reseal(ctx, a, a.Keys, out)
		case "retire":
			if fs.NArg() != 1 {
				return errors.New("usage: gridgov keys retire ID")
			}
			id := fs.Arg(0)
			n, err := rekey.Count(ctx, a.DB)
			if err != nil {
				return err
			}
			if n[id] > 0 {
				return fmt.Errorf("key %s still seals %d values: run 'gridgov keys reseal' first", id, n[id])
			}
			keys, err := secret.Retire(a.Cfg.KeyFile(), id)
			if err != nil {
				return err
			}
			if err := keyAudit(ctx, a, "key.retire", id); err != nil {
				return err
			}
			fmt.Fprintf(out, "key %s retired\n", id)
			return listKeys(ctx, a, keys, out)
		}
		return errors.New(keysUsage)
	})
}

func reseal(ctx context.Context, a *app.App, keys *secret.Keys, out io.Writer) error {
	n, err := rekey.Reseal(ctx, a.DB, keys)
	if err != nil {
		return fmt.Errorf("reseal stopped after %d values (run 'gridgov keys reseal' to go on): %w", n, err)
	}
	if err := keyAudit(ctx, a, "key.reseal", keys.Current()); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d values resealed with key %s\n", n, keys.Current())
	return listKeys(ctx, a, keys, out)
}

func listKeys(ctx context.Context, a *app.App, keys *secret.Keys, out io.Writer) error {
	n, err := rekey.Count(ctx, a.DB)
	if err != nil {
		return err
	}
	for i, id := range keys.IDs() {
		role := ""
		switch {
		case i == 0 && id == keys.Root():
			role = "current, root"
		case i == 0:
			role = "current"
		case id == keys.Root():
			role = "root"
		}
		fmt.Fprintf(out, "%s  %-13s %d values\n", id, role, n[id])
	}
	for id, k := range n {
		if !slices.Contains(keys.IDs(), id) {
			fmt.Fprintf(out, "%s  MISSING       %d values cannot be opened\n", id, k)
		}
	}
	return nil
}

func keyAudit(ctx context.Context, a *app.App, action, id string) error {
	return a.Audit.RecordAlone(ctx, a.DB, authz.SecurityWrite, audit.Entry{Action: action, ObjectType: "data_key", ObjectID: id, Result: audit.Success})
}
