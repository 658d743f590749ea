package cli

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/lz2ct/lz2ct/settings"
)

// SettingsFlags are the migration settings as flags, shared by every command that reads a settings
// file (check, plan), so they accept the same flags and override the file the same way.
type SettingsFlags struct {
	SettingsFile string

	// Overrides are the settings given as flags; set names the flags the user gave, so only those
	// replace the settings file's values.
	Overrides                   settings.Settings
	ExcludeOUs, ExcludeAccounts []string
	NoMoveOUs                   []string
	EnrollSharedServices        bool
	set                         map[string]bool
}

// settingsFlagNames are the flags that replace a settings file key when given (the exclusions add to
// the file's lists instead).
var settingsFlagNames = []string{"home-region", "governed-regions", "log-archive-email", "audit-email", "log-archive-name",
	"audit-name", "ct-deploy", "shared-accounts", "config-removal", "ou-account-limit", "account-concurrency", "enroll-shared-services",
	"stackset-concurrency", "session-hours"}

// register defines --settings and one flag per settings key on fl.
func (sf *SettingsFlags) register(fl *pflag.FlagSet) {
	o := &sf.Overrides
	fl.StringVar(&sf.SettingsFile, "settings", "", "migration settings file, YAML or JSON (docs/settings.md)")
	fl.StringVar(&o.HomeRegion, "home-region", "", "Control Tower home region (homeRegion)")
	fl.StringSliceVar(&o.GovernedRegions, "governed-regions", nil, "governed regions, comma-separated (governedRegions)")
	fl.StringVar(&o.LogArchiveEmail, "log-archive-email", "", "e-mail of the new Log Archive account (logArchiveEmail)")
	fl.StringVar(&o.AuditEmail, "audit-email", "", "e-mail of the new Audit account (auditEmail)")
	fl.StringVar(&o.LogArchiveAccountName, "log-archive-name", "", "name of the new Log Archive account (logArchiveAccountName)")
	fl.StringVar(&o.AuditAccountName, "audit-name", "", "name of the new Audit account (auditAccountName)")
	fl.StringVar(&o.CTDeploy, "ct-deploy", "", "how to deploy Control Tower: api or manual (ctDeploy)")
	fl.StringVar(&o.SharedAccounts, "shared-accounts", "", "Control Tower's Log Archive and Audit accounts: new, or existing (ALZ's Log Archive and Security accounts) (sharedAccounts)")
	fl.StringVar(&o.ConfigRemoval, "config-removal", "", "how to remove ALZ's AWS Config: stackset or direct (configRemoval)")
	fl.IntVar(&o.OUAccountLimit, "ou-account-limit", 0, "most accounts per registered OU, 1..1000, less when the governed regions allow less (ouAccountLimit)")
	fl.IntVar(&o.AccountConcurrency, "account-concurrency", 0, "account operations Control Tower runs at once, 1..10 (accountConcurrency)")
	fl.IntVar(&o.StackSetConcurrency, "stackset-concurrency", 0, "accounts per region a StackSet operation works on at once, 1..1000 (stackSetConcurrency)")
	fl.IntVar(&o.SessionHours, "session-hours", 0, "hours in one working session of the estimate's calendar, 1..24 (sessionHours)")
	fl.StringSliceVar(&sf.NoMoveOUs, "no-move-ou", nil, "OU ID or name path whose accounts the plan never moves, or * for every OU; repeatable (noMoveOUs, added to the file's)")
	fl.StringSliceVar(&sf.ExcludeOUs, "exclude-ou", nil, "OU ID or name path to leave alone; repeatable (exclude.ous, added to the file's)")
	fl.StringSliceVar(&sf.ExcludeAccounts, "exclude-account", nil, "account ID to leave alone; repeatable (exclude.accounts, added to the file's)")
	fl.BoolVar(&sf.EnrollSharedServices, "enroll-shared-services", true, "enroll ALZ's Shared Services account (enrollSharedServices)")
}

// record notes which settings flags the user gave; call it once the flags are parsed.
func (sf *SettingsFlags) record(fl *pflag.FlagSet) {
	sf.set = map[string]bool{}
	for _, name := range settingsFlagNames {
		sf.set[name] = fl.Changed(name)
	}
}

// load reads the settings file (if any) and applies the flags the user gave on top. An error is
// bad input.
func (sf *SettingsFlags) load() (settings.Settings, error) {
	var s settings.Settings
	if sf.SettingsFile != "" {
		loaded, err := settings.Load(sf.SettingsFile)
		if err != nil {
			return s, err
		}
		s = *loaded
	}
	o, set := sf.Overrides, sf.set
	str := func(flag string, dst *string, v string) {
		if set[flag] {
			*dst = v
		}
	}
	str("home-region", &s.HomeRegion, o.HomeRegion)
	str("log-archive-email", &s.LogArchiveEmail, o.LogArchiveEmail)
	str("audit-email", &s.AuditEmail, o.AuditEmail)
	str("log-archive-name", &s.LogArchiveAccountName, o.LogArchiveAccountName)
	str("audit-name", &s.AuditAccountName, o.AuditAccountName)
	str("ct-deploy", &s.CTDeploy, o.CTDeploy)
	str("shared-accounts", &s.SharedAccounts, o.SharedAccounts)
	str("config-removal", &s.ConfigRemoval, o.ConfigRemoval)
	if set["governed-regions"] {
		s.GovernedRegions = o.GovernedRegions
	}
	// 0 is the file's "not set", so a flag of 0 would silently fall back to the default: refuse it.
	if set["ou-account-limit"] {
		if o.OUAccountLimit == 0 {
			return s, fmt.Errorf("--ou-account-limit 0 is out of range 1..%d", settings.MaxOUAccountLimit)
		}
		s.OUAccountLimit = o.OUAccountLimit
	}
	if set["account-concurrency"] {
		if o.AccountConcurrency == 0 {
			return s, fmt.Errorf("--account-concurrency 0 is out of range 1..%d", settings.MaxAccountConcurrency)
		}
		s.AccountConcurrency = o.AccountConcurrency
	}
	for _, f := range []struct {
		flag string
		dst  *int
		v    int
	}{{"stackset-concurrency", &s.StackSetConcurrency, o.StackSetConcurrency}, {"session-hours", &s.SessionHours, o.SessionHours}} {
		if !set[f.flag] {
			continue
		}
		if f.v == 0 {
			return s, fmt.Errorf("--%s 0 is out of range (give 1 or more)", f.flag)
		}
		*f.dst = f.v
	}
	if set["enroll-shared-services"] {
		v := sf.EnrollSharedServices
		s.EnrollSharedServices = &v
	}
	s.Exclude.OUs = append(s.Exclude.OUs, sf.ExcludeOUs...)
	s.Exclude.Accounts = append(s.Exclude.Accounts, sf.ExcludeAccounts...)
	s.NoMoveOUs = append(s.NoMoveOUs, sf.NoMoveOUs...)
	return s, nil
}
