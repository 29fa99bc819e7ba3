package authz

import (
	"slices"
	"strings"
)

// Family is a group of permissions that must stay in one pair of hands
// (三员分立): the system administrator's, the security administrator's,
// the audit administrator's, and the reading of personal data, which no
// administrator does. Permissions of no family (reading the org tree, the
// grids, the user list; casework; the registers' masked lists) go with any.
type Family string

// The families. NoFamily is the zero value.
const (
	NoFamily       Family = ""
	SystemFamily   Family = "system"   // accounts, the org tree, grids, casework configuration
	SecurityFamily Family = "security" // roles, grants, security settings
	AuditFamily    Family = "audit"    // the audit log
	PersonalFamily Family = "personal" // clear personal data and the sensitive categories
)

var families = map[Perm]Family{
	UserWrite: SystemFamily, OrgWrite: SystemFamily, GridWrite: SystemFamily, GridImport: SystemFamily, EventConfig: SystemFamily,
	RoleRead: SecurityFamily, RoleWrite: SecurityFamily, RoleAssign: SecurityFamily, SecurityRead: SecurityFamily, SecurityWrite: SecurityFamily,
	AuditRead: AuditFamily,
	// A campaign's clues are read in clear, with their givers' names.
	DriveClues: PersonalFamily,
	// The lists of likely victims are read in clear by the police.
	AntifraudImport: PersonalFamily,
	// The people of a situation are read in clear.
	SituationPeople: PersonalFamily,
}

// FamilyOf returns the family of p. Every personal.* permission and every
// sensitive category (pii.*) is personal.
func FamilyOf(p Perm) Family {
	if f, ok := families[p]; ok {
		return f
	}
	if strings.HasPrefix(string(p), "personal.") || strings.HasPrefix(string(p), "pii.") {
		return PersonalFamily
	}
	return NoFamily
}

// IsAdminFamily reports whether f is one of the three administrators'.
func (f Family) IsAdminFamily() bool {
	return f == SystemFamily || f == SecurityFamily || f == AuditFamily
}

// Clash returns two permissions of perms from different families (the
// first of each in sorted order), or ok false when every
// permission of perms belongs to one family or none: the rule one account,
// and so one role, must keep.
func Clash(perms []Perm) (a, b Perm, ok bool) {
	sorted := slices.Clone(perms)
	slices.Sort(sorted)
	var first Perm
	for _, p := range sorted {
		f := FamilyOf(p)
		if f == NoFamily {
			continue
		}
		if first == "" {
			first = p
			continue
		}
		if FamilyOf(first) != f {
			return first, p, true
		}
	}
	return "", "", false
}

// HoldsAdmin reports whether perms hold a permission of an administrator family.
func HoldsAdmin(perms []Perm) bool {
	return slices.ContainsFunc(perms, func(p Perm) bool { return FamilyOf(p).IsAdminFamily() })
}

// HoldsFamily reports whether perms hold a permission of family f.
func HoldsFamily(perms []Perm, f Family) bool {
	return slices.ContainsFunc(perms, func(p Perm) bool { return FamilyOf(p) == f })
}

// NeedsTOTP reports whether an account holding perms must sign in with a
// second factor, whatever the settings say: every administrator, and
// everyone who may see personal data in clear.
func NeedsTOTP(perms []Perm) bool {
	return HoldsAdmin(perms) || slices.Contains(perms, PersonalReveal)
}

// PermsOf is the union of the permissions of grants.
func PermsOf(grants []Grant) []Perm {
	var out []Perm
	for _, g := range grants {
		for _, p := range g.Perms {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}
