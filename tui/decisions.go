package tui

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

// decisionsScreen is the migration settings form (huh). Defaults come from Settings.Resolve; every
// field is validated inline by settings.Validate itself, reporting only that field's problems,
// so the form and `lz2ct plan --settings` can never disagree on what is valid.
type decisionsScreen struct {
	c    *Common
	w, h int
	snap *inventory.Snapshot
	base settings.Settings // resolved settings the form started from (keeps fields it does not show)
	form *huh.Form
	err  error // whole-form validation after submit

	homeRegion, logEmail, auditEmail string
	governed                         []string
	deploy, configRemoval            string
	ouLimit, concurrency             string
	noMove, stackSetConc, session    string
	copyLogs                         bool
}

// The three ways to deploy Control Tower the form offers: they set ctDeploy and sharedAccounts.
const (
	deployAPINew      = "api-new"      // ctDeploy api, sharedAccounts new
	deployAPIExisting = "api-existing" // ctDeploy api, sharedAccounts existing
	deployManual      = "manual"       // ctDeploy manual (sharedAccounts as the settings file had it)
)

// deployChoice is the form's choice for resolved settings.
func deployChoice(s settings.Settings) string {
	switch {
	case s.CTDeploy == settings.CTDeployManual:
		return deployManual
	case s.BringsExistingAccounts():
		return deployAPIExisting
	}
	return deployAPINew
}

// existing reports whether the form brings ALZ's Log Archive and Security accounts.
func (s *decisionsScreen) existing() bool {
	return s.deploy == deployAPIExisting || (s.deploy == deployManual && s.base.CTDeploy == settings.CTDeployManual && s.base.BringsExistingAccounts())
}

type formDoneMsg struct{}

func newDecisionsScreen(c *Common) *decisionsScreen { return &decisionsScreen{c: c} }

func (s *decisionsScreen) Init() tea.Cmd { return nil }

// Start fills the form from resolved settings for snap.
func (s *decisionsScreen) Start(snap *inventory.Snapshot, resolved settings.Settings) tea.Cmd {
	s.snap, s.base, s.err = snap, resolved, nil
	s.homeRegion, s.logEmail, s.auditEmail = resolved.HomeRegion, resolved.LogArchiveEmail, resolved.AuditEmail
	s.governed = append([]string(nil), resolved.GovernedRegions...)
	s.deploy, s.configRemoval = deployChoice(resolved), resolved.ConfigRemoval
	s.ouLimit, s.concurrency = itoa(resolved.OUAccountLimit), itoa(resolved.AccountConcurrency)
	s.noMove = strings.Join(resolved.NoMoveOUs, ", ")
	s.stackSetConc, s.session = itoa(resolved.StackSetConcurrency), itoa(resolved.SessionHours)
	s.copyLogs = resolved.Decommission.CopyLogs
	if resolved.BringsExistingAccounts() {
		// The e-mails are the accounts' own (Resolve filled them in): the form shows none to type.
		s.logEmail, s.auditEmail = "", ""
	}
	return s.newForm()
}

// Reopen shows the form again with the values it was submitted with (coming back from the plan).
func (s *decisionsScreen) Reopen() tea.Cmd {
	if s.snap == nil {
		return nil
	}
	s.err = nil
	return s.newForm()
}

// newForm builds the form from the screen's field values and starts it.
func (s *decisionsScreen) newForm() tea.Cmd {
	s.form = s.build()
	s.form.SubmitCmd = send(formDoneMsg{})
	s.resizeForm()
	return s.form.Init()
}

func (s *decisionsScreen) regions() []string {
	seen := map[string]bool{}
	var out []string
	add := func(rs ...string) {
		for _, r := range rs {
			if r != "" && !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	add(s.snap.Regions...)
	add(s.base.HomeRegion)
	add(s.base.GovernedRegions...)
	sort.Strings(out)
	return out
}

func (s *decisionsScreen) build() *huh.Form {
	regions := s.regions()
	idc := "no IAM Identity Center instance"
	if ic := s.snap.IdentityCenter; ic != nil {
		idc = "IAM Identity Center is in " + ic.Region + ": Control Tower must be deployed there"
	}
	home := huh.NewSelect[string]().Key("homeRegion").Title("Home region").
		Description(idc).Options(huh.NewOptions(regions...)...).Value(&s.homeRegion).Height(6).
		Validate(func(v string) error { return s.check("homeRegion", func(t *settings.Settings) { t.HomeRegion = v }) })
	governed := huh.NewMultiSelect[string]().Key("governedRegions").Title("Governed regions").
		Description("Control Tower deploys its controls and AWS Config here (space toggles)").
		Options(huh.NewOptions(regions...)...).Value(&s.governed).Height(8).
		Validate(func(v []string) error {
			return s.check("governedRegions", func(t *settings.Settings) { t.GovernedRegions = v })
		})
	email := func(k, title string, v *string) *huh.Input {
		return huh.NewInput().Key(k).Title(title).Value(v).Placeholder("name@example.com").
			Description("an address no AWS account has ever used").
			Validate(func(x string) error {
				return s.check(k, func(t *settings.Settings) {
					if k == "logArchiveEmail" {
						t.LogArchiveEmail = x
					} else {
						t.AuditEmail = x
					}
				})
			})
	}
	number := func(k, title, desc string, v *string, set func(*settings.Settings, int)) *huh.Input {
		return huh.NewInput().Key(k).Title(title).Description(desc).Value(v).
			Validate(func(x string) error {
				n, err := strconv.Atoi(strings.TrimSpace(x))
				if err != nil {
					return fmt.Errorf("%q is not a whole number", x)
				}
				return s.check(k, func(t *settings.Settings) { set(t, n) })
			})
	}
	deploy := huh.NewSelect[string]().Key("ctDeploy").Title("Deploy Control Tower").Value(&s.deploy).
		Options(
			huh.NewOption("by API, with two new accounts", deployAPINew),
			huh.NewOption("by API, bringing ALZ's Log Archive and Security accounts", deployAPIExisting),
			huh.NewOption("by hand in the console; lz2ct verifies", deployManual)).
		DescriptionFunc(func() string { return deployNote(s.deploy, s.snap) }, &s.deploy).
		Validate(func(v string) error {
			return s.check("sharedAccounts", func(t *settings.Settings) { applyDeploy(t, v, s.base) })
		})
	return huh.NewForm(
		huh.NewGroup(home, governed, deploy).Title("Control Tower"),
		huh.NewGroup(
			email("logArchiveEmail", "Log Archive account e-mail", &s.logEmail),
			email("auditEmail", "Audit account e-mail", &s.auditEmail),
		).Title("Shared accounts").Description(sharedAccountsNote).WithHideFunc(s.existing),
		huh.NewGroup(
			huh.NewSelect[string]().Key("configRemoval").Title("Remove ALZ's AWS Config").Value(&s.configRemoval).Options(
				huh.NewOption("delete EnableConfig StackSet instances (recommended)", settings.ConfigRemovalStackSet),
				huh.NewOption("stop and delete recorder and channel directly", settings.ConfigRemovalDirect)),
			number("ouAccountLimit", "Accounts per OU registration",
				fmt.Sprintf("1 to %d; the plan uses less when the governed regions allow less (1000 up to 15 regions, 680 at 22); an OU with more accounts moves the rest into new OUs the plan registers", settings.MaxOUAccountLimit),
				&s.ouLimit, func(t *settings.Settings, n int) { t.OUAccountLimit = n }),
			number("accountConcurrency", "Concurrent account operations",
				fmt.Sprintf("1 to %d: enrollments Control Tower runs at once (%d by default, %d with a quota increase)", settings.MaxAccountConcurrency, settings.DefaultAccountQuota, settings.MaxAccountConcurrency),
				&s.concurrency, func(t *settings.Settings, n int) { t.AccountConcurrency = n }),
			huh.NewInput().Key("noMoveOUs").Title("OUs whose accounts never move").Value(&s.noMove).Placeholder("none").
				Description("name paths or IDs, comma-separated; * for every OU: accounts there are enrolled one by one where a registration cannot cover them").
				Validate(func(x string) error {
					return s.check("noMoveOUs", func(t *settings.Settings) { t.NoMoveOUs = splitList(x) })
				}),
		).Title("How"),
		huh.NewGroup(
			number("stackSetConcurrency", "Accounts per StackSet operation",
				fmt.Sprintf("1 to %d accounts per region at once (Config removal, execution roles, decommission)", settings.MaxStackSetConcurrency),
				&s.stackSetConc, func(t *settings.Settings, n int) { t.StackSetConcurrency = n }),
			number("sessionHours", "Hours per working session",
				fmt.Sprintf("1 to %d: the length of one working session in the plan's calendar", settings.MaxSessionHours),
				&s.session, func(t *settings.Settings, n int) { t.SessionHours = n }),
			huh.NewConfirm().Key("decommission.copyLogs").Title("Copy ALZ's logs to the new Log Archive account").Value(&s.copyLogs).
				DescriptionFunc(func() string {
					if s.existing() {
						return "ALZ's Log Archive account becomes Control Tower's: its logs stay where they are (choose no)"
					}
					return "yes: copied (phase 5) before ALZ's log buckets are deleted; no: the log buckets are kept"
				}, &s.deploy).
				Validate(func(v bool) error {
					return s.check("decommission.copyLogs", func(t *settings.Settings) { t.Decommission.CopyLogs = v })
				}),
		).Title("Schedule and logs"),
	).WithShowHelp(false).WithShowErrors(false).WithTheme(huh.ThemeFunc(huh.ThemeCharm))
}

// deployNote says what a way to deploy does with the shared accounts.
func deployNote(choice string, snap *inventory.Snapshot) string {
	if snap != nil && snap.ControlTower.LandingZone != nil {
		return "Control Tower is already set up here: lz2ct verifies its landing zone and builds on it"
	}
	switch choice {
	case deployAPIExisting:
		return "Control Tower takes ALZ's Log Archive and Security accounts as its Log Archive and Audit accounts at its first set-up, when they pass its pre-launch checks (no AWS Config resources, no resources named as its own, STS on, not suspended): " +
			"the plan removes ALZ's Config from them first; no new accounts, no log copy"
	case deployManual:
		return "you set the landing zone up in the Control Tower console; lz2ct shows the steps and then verifies it"
	}
	return "lz2ct creates the Log Archive and Audit accounts with the e-mails you give next, then calls controltower:CreateLandingZone"
}

// applyDeploy sets ctDeploy and sharedAccounts for a way to deploy.
func applyDeploy(t *settings.Settings, choice string, base settings.Settings) {
	switch choice {
	case deployAPIExisting:
		t.CTDeploy, t.SharedAccounts = settings.CTDeployAPI, settings.SharedAccountsExisting
	case deployManual:
		t.CTDeploy, t.SharedAccounts = settings.CTDeployManual, settings.SharedAccountsNew
		if base.CTDeploy == settings.CTDeployManual && base.BringsExistingAccounts() {
			t.SharedAccounts = settings.SharedAccountsExisting // a settings file's choice the form keeps
		}
	default:
		t.CTDeploy, t.SharedAccounts = settings.CTDeployAPI, settings.SharedAccountsNew
	}
	if t.SharedAccounts == settings.SharedAccountsExisting {
		t.LogArchiveEmail, t.AuditEmail = "", "" // the accounts' own: Resolve fills them in
	}
}

// splitList reads a comma-separated list, without blanks.
func splitList(x string) []string {
	var out []string
	for _, p := range strings.Split(x, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// sharedAccountsNote says what the plan does with the Log Archive and Audit accounts when it
// creates new ones.
const sharedAccountsNote = "Control Tower gets two new accounts with these addresses. " +
	"(To bring ALZ's Log Archive and Security accounts instead, choose that way to deploy it.)"

// current is the settings the form holds right now.
func (s *decisionsScreen) current() settings.Settings {
	t := s.base
	t.HomeRegion, t.LogArchiveEmail, t.AuditEmail = s.homeRegion, strings.TrimSpace(s.logEmail), strings.TrimSpace(s.auditEmail)
	t.GovernedRegions = append([]string(nil), s.governed...)
	t.ConfigRemoval = s.configRemoval
	applyDeploy(&t, s.deploy, s.base)
	for _, f := range []struct {
		text string
		to   *int
	}{{s.ouLimit, &t.OUAccountLimit}, {s.concurrency, &t.AccountConcurrency}, {s.stackSetConc, &t.StackSetConcurrency}, {s.session, &t.SessionHours}} {
		if n, err := strconv.Atoi(strings.TrimSpace(f.text)); err == nil {
			*f.to = n
		}
	}
	t.NoMoveOUs = splitList(s.noMove)
	t.Decommission.CopyLogs = s.copyLogs
	// Resolve chose the default decommission steps from copyLogs (and sharedAccounts): choose them
	// again from the form's answers, unless the settings file listed its own.
	def := settings.Settings{SharedAccounts: s.base.SharedAccounts, Decommission: settings.Decommission{
		CopyLogs: s.base.Decommission.CopyLogs, CloseOldAccounts: s.base.Decommission.CloseOldAccounts}}.Resolve(nil)
	if slices.Equal(s.base.Decommission.Steps, def.Decommission.Steps) {
		t.Decommission.Steps = nil
	}
	return t
}

// check validates the form's settings with one field changed and returns that field's problems.
func (s *decisionsScreen) check(field string, change func(*settings.Settings)) error {
	t := s.current()
	change(&t)
	if field == "logArchiveEmail" || field == "auditEmail" {
		t.LogArchiveEmail, t.AuditEmail = strings.TrimSpace(t.LogArchiveEmail), strings.TrimSpace(t.AuditEmail)
	}
	r := t.Resolve(s.snap)
	var msgs []string
	var ve *settings.ValidationError
	if errors.As(r.Validate(s.snap), &ve) {
		for _, p := range ve.Problems {
			if p.Key == field || strings.HasPrefix(p.Key, field+"[") || strings.HasPrefix(p.Key, field+".") {
				msgs = append(msgs, formMessage(p))
			}
		}
	}
	if field == "homeRegion" && len(msgs) == 0 {
		// A valid setting; the pre-checks know whether Control Tower can run there.
		for _, f := range s.c.Backend.HomeRegionFindings(s.snap, r) {
			msgs = append(msgs, strings.TrimSuffix(f.Title, ".")+". "+f.Remediation)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

// formLabels name the settings keys the form shows as the form does: settings.Validate writes its
// messages for the settings file, where the keys are what the user edits; in the form they are not.
var formLabels = map[string]string{
	"homeRegion":            "home region",
	"governedRegions":       "governed regions",
	"logArchiveEmail":       "Log Archive account e-mail",
	"auditEmail":            "Audit account e-mail",
	"ctDeploy":              "Deploy Control Tower",
	"sharedAccounts":        "Deploy Control Tower",
	"configRemoval":         "Remove ALZ's AWS Config",
	"ouAccountLimit":        "accounts per OU registration",
	"accountConcurrency":    "concurrent account operations",
	"noMoveOUs":             "OUs whose accounts never move",
	"stackSetConcurrency":   "accounts per StackSet operation",
	"sessionHours":          "hours per working session",
	"decommission.copyLogs": "copy ALZ's logs",
}

var settingsKey = func() *regexp.Regexp {
	keys := make([]string, 0, len(formLabels))
	for k := range formLabels {
		keys = append(keys, regexp.QuoteMeta(k))
	}
	sort.Strings(keys)
	return regexp.MustCompile(`\b(?:the )?(` + strings.Join(keys, "|") + `)\b`)
}()

// formMessage says a settings problem in the form's words: its keys by their labels, and a
// message about the field itself ("is required: ...") with the field named.
func formMessage(p settings.FieldError) string {
	msg := settingsKey.ReplaceAllStringFunc(p.Msg, func(m string) string {
		return "the " + formLabels[strings.TrimPrefix(m, "the ")]
	})
	label, shown := formLabels[p.Key]
	switch {
	case !shown:
		// A key the form does not show (exclusions, decommission steps): the settings file has it.
		return "settings.yaml, " + p.Key + ": " + msg
	case strings.HasPrefix(msg, "is ") || strings.HasPrefix(msg, "must "):
		return strings.ToUpper(label[:1]) + label[1:] + " " + msg
	}
	return msg
}

func (s *decisionsScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	s.resizeForm()
}

func (s *decisionsScreen) resizeForm() {
	if s.form != nil && s.w > 0 {
		s.form = s.form.WithWidth(min(s.w, 100)).WithHeight(max(s.h-3, 6))
	}
}

// Capturing: every key goes to the form (an e-mail may contain q).
func (s *decisionsScreen) Capturing() bool { return true }

func (s *decisionsScreen) Help() []key.Binding {
	return []key.Binding{
		key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next / submit")),
		key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to pre-checks")),
	}
}

func (s *decisionsScreen) Update(msg tea.Msg) tea.Cmd {
	if s.form == nil {
		return nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if msg.String() == "esc" {
			return send(backMsg{})
		}
	case formDoneMsg:
		r := s.current().Resolve(s.snap)
		if err := r.Validate(s.snap); err != nil {
			// A field the form does not show (e.g. exclusions from a settings file) is wrong.
			s.err = err
			return s.newForm()
		}
		return send(settingsMsg{Settings: r})
	}
	m, cmd := s.form.Update(msg)
	if f, ok := m.(*huh.Form); ok {
		s.form = f
	}
	return cmd
}

func (s *decisionsScreen) View() string {
	st := s.c.Styles
	if s.form == nil {
		return st.Header.Render("Decisions") + "\n\nWaiting for the pre-checks…"
	}
	var b strings.Builder
	b.WriteString(st.Header.Render("Decisions") + st.Muted.Render(" — saved to settings.yaml, which lz2ct plan --settings reads") + "\n")
	if s.err != nil {
		var ve *settings.ValidationError
		if errors.As(s.err, &ve) {
			for _, p := range ve.Problems {
				b.WriteString(st.Error.Render(wrap("✖ "+formMessage(p), s.w)) + "\n")
			}
		} else {
			b.WriteString(st.Error.Render(wrap("✖ "+s.err.Error(), s.w)) + "\n")
		}
	}
	// The field errors in full, wrapped (huh's own error line is cut at the form's width).
	for _, err := range s.form.Errors() {
		b.WriteString(st.Error.Render(wrap("✖ "+err.Error(), s.w)) + "\n")
	}
	b.WriteString(s.form.View())
	return b.String()
}
