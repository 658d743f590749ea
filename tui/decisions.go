package tui

import (
	"errors"
	"fmt"
	"regexp"
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
	ctDeploy, configRemoval          string
	ouLimit, concurrency             string
}

type formDoneMsg struct{}

func newDecisionsScreen(c *Common) *decisionsScreen { return &decisionsScreen{c: c} }

func (s *decisionsScreen) Init() tea.Cmd { return nil }

// Start fills the form from resolved settings for snap.
func (s *decisionsScreen) Start(snap *inventory.Snapshot, resolved settings.Settings) tea.Cmd {
	s.snap, s.base, s.err = snap, resolved, nil
	s.homeRegion, s.logEmail, s.auditEmail = resolved.HomeRegion, resolved.LogArchiveEmail, resolved.AuditEmail
	s.governed = append([]string(nil), resolved.GovernedRegions...)
	s.ctDeploy, s.configRemoval = resolved.CTDeploy, resolved.ConfigRemoval
	s.ouLimit, s.concurrency = itoa(resolved.OUAccountLimit), itoa(resolved.AccountConcurrency)
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
	return huh.NewForm(
		huh.NewGroup(home, governed).Title("Regions"),
		huh.NewGroup(
			email("logArchiveEmail", "Log Archive account e-mail", &s.logEmail),
			email("auditEmail", "Audit account e-mail", &s.auditEmail),
		).Title("Shared accounts").Description(sharedAccountsNote),
		huh.NewGroup(
			huh.NewSelect[string]().Key("ctDeploy").Title("Deploy Control Tower").Value(&s.ctDeploy).Options(
				huh.NewOption("by API (controltower:CreateLandingZone)", settings.CTDeployAPI),
				huh.NewOption("by hand in the console; lz2ct verifies", settings.CTDeployManual)),
			huh.NewSelect[string]().Key("configRemoval").Title("Remove ALZ's AWS Config").Value(&s.configRemoval).Options(
				huh.NewOption("delete EnableConfig StackSet instances (recommended)", settings.ConfigRemovalStackSet),
				huh.NewOption("stop and delete recorder and channel directly", settings.ConfigRemovalDirect)),
			number("ouAccountLimit", "Accounts per OU registration", fmt.Sprintf("at most %d; larger OUs are enrolled account by account", settings.MaxOUAccountLimit),
				&s.ouLimit, func(t *settings.Settings, n int) { t.OUAccountLimit = n }),
			number("accountConcurrency", "Concurrent account operations", fmt.Sprintf("1 to %d (Control Tower quota)", settings.MaxAccountConcurrency),
				&s.concurrency, func(t *settings.Settings, n int) { t.AccountConcurrency = n }),
		).Title("How"),
	).WithShowHelp(false).WithShowErrors(false).WithTheme(huh.ThemeFunc(huh.ThemeCharm))
}

// sharedAccountsNote says what the plan does with the Log Archive and Audit accounts. Control Tower
// can also take existing accounts as these two at its first set-up, when they pass its pre-launch
// checks (https://docs.aws.amazon.com/controltower/latest/userguide/accounts.html, "Considerations
// for bringing existing security or logging accounts"); the plan does not offer that yet.
const sharedAccountsNote = "The plan has Control Tower create two new accounts with these addresses. " +
	"(Control Tower can also take existing accounts, such as ALZ's, at its first set-up; this plan does not offer that yet.)"

// current is the settings the form holds right now.
func (s *decisionsScreen) current() settings.Settings {
	t := s.base
	t.HomeRegion, t.LogArchiveEmail, t.AuditEmail = s.homeRegion, strings.TrimSpace(s.logEmail), strings.TrimSpace(s.auditEmail)
	t.GovernedRegions = append([]string(nil), s.governed...)
	t.CTDeploy, t.ConfigRemoval = s.ctDeploy, s.configRemoval
	if n, err := strconv.Atoi(strings.TrimSpace(s.ouLimit)); err == nil {
		t.OUAccountLimit = n
	}
	if n, err := strconv.Atoi(strings.TrimSpace(s.concurrency)); err == nil {
		t.AccountConcurrency = n
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
	"homeRegion":         "home region",
	"governedRegions":    "governed regions",
	"logArchiveEmail":    "Log Archive account e-mail",
	"auditEmail":         "Audit account e-mail",
	"ctDeploy":           "Deploy Control Tower",
	"configRemoval":      "Remove ALZ's AWS Config",
	"ouAccountLimit":     "accounts per OU registration",
	"accountConcurrency": "concurrent account operations",
}

var settingsKey = func() *regexp.Regexp {
	keys := make([]string, 0, len(formLabels))
	for k := range formLabels {
		keys = append(keys, k)
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
