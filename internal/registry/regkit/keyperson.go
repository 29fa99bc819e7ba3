package regkit

import (
	"context"
	"strconv"
	"strings"

	"github.com/gridgov/gridgov/internal/apperr"
	"github.com/gridgov/gridgov/internal/authz"
	"github.com/gridgov/gridgov/internal/pii"
)

// Which key-person rows a caller may see, and their visit light, are asked
// by the key-person room and by the registers' summary (which counts them,
// never names them); they are written once, here.

// categoryScopes returns, per category the caller may see, the org paths
// where it holds both keyperson.read (or perm) and that category's
// permission.
func categoryScopes(p *authz.Principal, perm authz.Perm) map[string][]string {
	out := map[string][]string{}
	base := p.Scopes(perm)
	for _, c := range pii.Categories {
		var both []string
		for _, a := range base {
			for _, b := range p.Scopes(authz.Perm("pii.sensitive." + c)) {
				switch {
				case strings.HasPrefix(b, a):
					both = append(both, b)
				case strings.HasPrefix(a, b):
					both = append(both, a)
				}
			}
		}
		if len(both) > 0 {
			out[c] = both
		}
	}
	return out
}

// Blinder gives the blind index of a value (pii.Vault does).
type Blinder interface {
	Blind(field, value string) string
}

// CategoryFilter is the WHERE fragment admitting exactly the key-person
// rows (aliased alias) the caller may see under perm, and the category of
// each blind value.
func CategoryFilter(ctx context.Context, vault Blinder, perm authz.Perm, alias string) (string, []any, map[string]string) {
	byBlind := map[string]string{}
	var parts []string
	var args []any
	for c, paths := range categoryScopes(authz.From(ctx), perm) {
		b := vault.Blind("key_persons.category", c)
		byBlind[b] = c
		scope, sargs := authz.ScopeSQL(alias+".path", paths)
		parts = append(parts, "("+alias+".category_blind = ? AND "+scope+")")
		args = append(append(args, b), sargs...)
	}
	if len(parts) == 0 {
		return "1 = 0", nil, byBlind
	}
	return "(" + strings.Join(parts, " OR ") + ")", args, byBlind
}

// VisitLight is the light of a visit clock: red once the due time has
// passed, yellow in the last fifth of the period (at least one day), green
// before.
func VisitLight(due int64, everyDays int, now int64) string {
	switch {
	case now > due:
		return "red"
	case now > due-max(Day, int64(everyDays)*Day/5):
		return "yellow"
	}
	return "green"
}

// LightSQL is the condition that the visit light of key-person rows (alias
// a) is light at now: the rule of VisitLight in SQL, so a light filter
// happens before LIMIT and pages and exports are exact.
func LightSQL(a, light string, now int64) (string, []any, error) {
	due := a + ".next_visit_due"
	// max(day, every*day/5): a fifth of the period is more than a day from
	// six days on.
	window := "CASE WHEN " + a + ".visit_every_days > 5 THEN CAST(" + a + ".visit_every_days AS BIGINT) * " + strconv.FormatInt(Day/5, 10) +
		" ELSE " + strconv.FormatInt(Day, 10) + " END"
	switch light {
	case "red":
		return due + " < ?", []any{now}, nil
	case "yellow":
		return due + " >= ? AND " + due + " - ? < " + window, []any{now, now}, nil
	case "green":
		return due + " - ? >= " + window, []any{now}, nil
	}
	return "", nil, apperr.Field("light", "registry.code_unknown", "value", light)
}
