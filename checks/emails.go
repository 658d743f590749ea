package checks

import (
	"fmt"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// emailPattern is the pattern Control Tower's account factory validates e-mails against
// (common-eg-failures.html), anchored.
var emailPattern = inventory.ControlTowerEmailPattern

const srcEmails = "https://docs.aws.amazon.com/controltower/latest/userguide/common-eg-failures.html"

func init() {
	register(Check{
		ID: "email.shared-accounts", Title: "E-mails for the new Log Archive and Audit accounts",
		Severity: Blocker, Phase: PhaseDeploy,
		Reads:  "settings logArchiveEmail, auditEmail; accounts[].email; organization.managementAccountEmail",
		Why:    "Control Tower creates the Log Archive and Audit accounts with two e-mail addresses that must be valid, different and never used by any AWS account; setup fails otherwise. With sharedAccounts: existing they are the e-mails of ALZ's Log Archive and Security accounts.",
		Source: srcEmails,
		Run:    checkEmails,
	})
}

func checkEmails(in Input) []Finding {
	if in.Snapshot.ControlTower.LandingZone != nil {
		return nil // Control Tower already created its shared accounts
	}
	org := Subject{Kind: KindOrganization, ID: in.Snapshot.Organization.ID}
	if in.Settings.BringsExistingAccounts() {
		return checkExistingEmails(in, org)
	}
	used := map[string]string{} // lower-case e-mail -> account
	for _, a := range in.Snapshot.Accounts {
		used[strings.ToLower(a.Email)] = a.ID + " (" + a.Name + ")"
	}
	if e := in.Snapshot.Organization.ManagementAccountEmail; e != "" {
		if _, ok := used[strings.ToLower(e)]; !ok {
			used[strings.ToLower(e)] = in.Snapshot.Organization.ManagementAccountID + " (management)"
		}
	}
	var out []Finding
	roles := []struct{ key, label, email string }{
		{"logArchiveEmail", "Log Archive", in.Settings.LogArchiveEmail},
		{"auditEmail", "Audit", in.Settings.AuditEmail},
	}
	for _, r := range roles {
		switch {
		case r.email == "":
			out = append(out, Finding{
				Severity:    Warning,
				Title:       "No e-mail chosen yet for the " + r.label + " account",
				Subjects:    []Subject{org},
				Evidence:    []string{"settings key " + r.key + " is empty"},
				Remediation: fmt.Sprintf("Choose an address never used by any AWS account and pass --%s-email or set %s in the settings file.", strings.ToLower(strings.ReplaceAll(r.label, " ", "-")), r.key),
			})
		case !emailPattern.MatchString(r.email):
			out = append(out, Finding{
				Title:       "The " + r.label + " e-mail is not a valid address for Control Tower",
				Subjects:    []Subject{org},
				Evidence:    []string{fmt.Sprintf("%s %q does not match %s", r.key, r.email, emailPattern.String())},
				Remediation: "Use a plain address (letters, digits, . _ % + - before the @, a domain with a dot).",
			})
		default:
			if who, ok := used[strings.ToLower(r.email)]; ok {
				out = append(out, Finding{
					Title:       "The " + r.label + " e-mail is already used by an account",
					Subjects:    []Subject{org, {Kind: KindAccount, ID: strings.Fields(who)[0]}},
					Evidence:    []string{fmt.Sprintf("%s %q is the e-mail of account %s (compared case-insensitively)", r.key, r.email, who)},
					Remediation: "Choose an address no AWS account has ever used (an alias such as aws-log-archive+ct@example.com works).",
				})
			}
		}
	}
	if a, b := in.Settings.LogArchiveEmail, in.Settings.AuditEmail; a != "" && strings.EqualFold(a, b) {
		out = append(out, Finding{
			Title:       "The Log Archive and Audit e-mails are the same",
			Subjects:    []Subject{org},
			Evidence:    []string{fmt.Sprintf("logArchiveEmail and auditEmail are both %q", a)},
			Remediation: "Every AWS account needs its own e-mail address: choose two different ones.",
		})
	}
	return out
}

// checkExistingEmails: with sharedAccounts: existing the e-mails are those of ALZ's Log Archive and
// Security accounts (the console identifies an existing account by its e-mail); another address
// would name another account.
func checkExistingEmails(in Input, org Subject) []Finding {
	accts, labels := broughtAccounts(in)
	var out []Finding
	for i, a := range accts {
		key, got := "logArchiveEmail", in.Settings.LogArchiveEmail
		if labels[i] == "Security" {
			key, got = "auditEmail", in.Settings.AuditEmail
		}
		if got == "" || strings.EqualFold(got, a.Email) {
			continue
		}
		out = append(out, Finding{
			Title:       "The " + key + " is not the e-mail of ALZ's " + labels[i] + " account",
			Subjects:    []Subject{org, accountSubject(a)},
			Evidence:    []string{fmt.Sprintf("%s %q; ALZ's %s account %s has %q", key, got, labels[i], a.ID, a.Email)},
			Remediation: "With sharedAccounts: existing, leave " + key + " empty (lz2ct takes the account's) or give its current address.",
		})
	}
	return out
}
