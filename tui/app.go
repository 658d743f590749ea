package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/statefolder"
)

// ScreenID names a wizard screen. The order is the session's order; resuming a run recorded in
// the state folder goes from the start screen straight to the apply dashboard.
type ScreenID int

// The wizard's screens.
const (
	ScreenStart ScreenID = iota
	ScreenDiscovery
	ScreenChecks
	ScreenDecisions
	ScreenPlan
	ScreenApply
	ScreenLeave
	numScreens
)

var screenNames = [numScreens]string{"Connect", "Discover", "Pre-checks", "Decisions", "Plan", "Apply", "Done"}

// Options configure a wizard session.
type Options struct {
	Backend Backend
	// StateDir is the folder for the session's files; "" means ./.lz2ct/<organization-id>/.
	StateDir string
	// Command is how the user runs lz2ct (the leave screen's commands start with it); "" = "lz2ct".
	Command string
	// Snapshot, when set, opens this snapshot file instead of discovering (skips connect/discover).
	Snapshot string
	// ResumeCommand, when set, is the command that resumes a run in the state folder dir (the demo:
	// the demo itself, on the simulator it was given); nil = lz2ct resume --state DIR. "" says a
	// run cannot go on once the wizard closes (a demo whose simulator lives in its process): the
	// screens then offer r only.
	ResumeCommand func(dir string) string
	// Context bounds every background call; nil means context.Background().
	Context context.Context
	// Now is the clock; nil means time.Now (tests fix it).
	Now func() time.Time
}

// App is the root model: it owns the screens and the session (identity, snapshot, settings,
// findings, plan, files written) and routes messages. Only App returns a tea.View.
type App struct {
	c       *Common
	opts    Options
	screens [numScreens]Screen
	active  ScreenID
	help    help.Model
	full    bool // the `?` overlay
	width   int
	height  int

	identity *Identity
	snap     *inventory.Snapshot
	snapData []byte
	files    statefolder.Folder
	settings *settings.Settings // resolved; nil until the decisions form is submitted
	previous *settings.Settings // read from the state folder's settings file, if there was one
	checks   *CheckResult
	plan     *PlanResult
	written  []written // files saved, in order, for the leave screen
	status   string    // the last background error, shown above the footer
	quitting bool
	// run is how the last run ended (nil before one); resumed is true when the session resumed a
	// run recorded in the state folder (the plan screen has no plan then).
	run     *RunSummary
	resumed bool
}

type written struct{ What, Path string }

// New builds the wizard.
func New(opts Options) *App {
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	c := &Common{Ctx: ctx, Styles: DefaultStyles(), Keys: DefaultKeyMap(), Backend: opts.Backend, Now: now, Command: opts.Command,
		StateDir: opts.StateDir, ResumeCommand: opts.ResumeCommand}
	a := &App{c: c, opts: opts, help: newHelp(c.Styles)}
	a.screens[ScreenStart] = newStartScreen(c)
	a.screens[ScreenDiscovery] = newDiscoveryScreen(c)
	a.screens[ScreenChecks] = newChecksScreen(c)
	a.screens[ScreenDecisions] = newDecisionsScreen(c)
	a.screens[ScreenPlan] = newPlanScreen(c)
	a.screens[ScreenApply] = newApplyScreen(c)
	a.screens[ScreenLeave] = newLeaveScreen(c)
	return a
}

// Init starts the first screen (or opens the given snapshot).
func (a *App) Init() tea.Cmd {
	if a.opts.Snapshot != "" {
		return openSnapshot(a.opts.Snapshot)
	}
	return a.screens[ScreenStart].Init()
}

// Active is the screen on display (tests).
func (a *App) Active() ScreenID { return a.active }

func (a *App) bodyHeight() int {
	h := a.height - 3 // title, context line, footer
	if a.status != "" {
		h--
	}
	return max(h, 3)
}

func (a *App) resize() {
	for _, s := range a.screens {
		s.SetSize(max(a.width-2, 10), a.bodyHeight())
	}
	a.help.SetWidth(a.width - 2)
}

func (a *App) switchTo(id ScreenID) tea.Cmd {
	a.active = id
	a.full = false
	a.resize()
	return nil
}

// Update routes: window sizes to every screen, keys and results to the active one, session
// messages to the root.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.resize()
		return a, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, a.c.Keys.ForceQuit) {
			// A run in progress asks first, and stops at a safe point.
			if cmd, ok := a.apply().GuardQuit(); ok {
				a.full = false
				a.switchTo(ScreenApply)
				return a, cmd
			}
			return a, a.quit()
		}
		if !a.screens[a.active].Capturing() && key.Matches(msg, a.c.Keys.Help) {
			a.full = !a.full
			return a, nil
		}
		if a.full && key.Matches(msg, a.c.Keys.Back) {
			a.full = false // esc/q closes the key overlay before it means "back"
			return a, nil
		}
		return a, a.screens[a.active].Update(msg)

	case connectedMsg:
		id := msg.Identity
		a.identity = &id
		a.switchTo(ScreenDiscovery)
		return a, a.screens[ScreenDiscovery].Init()

	case snapshotMsg:
		return a, a.gotSnapshot(msg)

	case checkedMsg:
		if msg.Err == nil {
			a.checks = msg.Result
		}
		return a, a.screens[ScreenChecks].Update(msg)

	case settingsMsg:
		s := msg.Settings
		a.settings = &s
		a.plan = nil
		a.switchTo(ScreenPlan)
		cmd := a.screens[ScreenPlan].Init()
		b, dir := a.c.Backend, a.files.Dir
		return a, tea.Batch(cmd, a.save("settings", a.files.Path(statefolder.Settings), func() error { return b.SaveSettings(dir, s) }),
			a.buildPlan(s))

	case plannedMsg:
		if msg.Checks != nil {
			// The pre-checks screen shows the findings for the decisions taken from now on.
			a.checks = msg.Checks
			a.screens[ScreenChecks].(*checksScreen).SetResult(msg.Checks)
		}
		if msg.Err == nil {
			a.plan = msg.Plan
			p, b, dir := msg.Plan, a.c.Backend, a.files.Dir
			return a, tea.Batch(a.screens[ScreenPlan].Update(msg),
				a.save("plan", a.files.Path(statefolder.Plan), func() error { return b.SavePlan(dir, p) }))
		}
		return a, a.screens[ScreenPlan].Update(msg)

	case exportMsg:
		return a, a.export()

	case applyMsg:
		if a.plan == nil {
			return a, nil
		}
		a.switchTo(ScreenApply)
		return a, a.apply().Prepare(a.files.Dir, a.plan)

	case rehearseMsg:
		if a.plan == nil || a.snap == nil {
			return a, nil
		}
		return a, a.planScreen().rehearsal.Start(a.snapData, a.snap, a.plan)

	case rehearsalProgressMsg, rehearsalResultMsg, rehearsalTickMsg:
		return a, a.screens[ScreenPlan].Update(msg)

	case resumeMsg:
		a.files = statefolder.Folder{Dir: msg.Dir}
		b, dir := a.c.Backend, msg.Dir
		return a, func() tea.Msg {
			p, err := b.LoadRun(dir)
			return runLoadedMsg{Dir: dir, Plan: p, Err: err}
		}

	case runLoadedMsg:
		if msg.Err != nil {
			a.status = fmt.Sprintf("cannot resume the run in %s: %v", msg.Dir, msg.Err)
			a.resize()
			return a, nil
		}
		a.plan, a.resumed, a.status = msg.Plan, true, ""
		a.switchTo(ScreenApply)
		return a, a.apply().Resume(msg.Dir, msg.Plan)

	case runEndedMsg:
		a.run = msg.Summary
		if msg.Summary != nil {
			for i, p := range msg.Summary.Runbooks {
				a.record([]string{"runbook (Markdown)", "runbook (HTML)"}[min(i, 1)], p)
			}
		}
		return a, a.screens[ScreenApply].Update(msg)

	case exportedMsg:
		if msg.Err == nil {
			for i, p := range msg.Paths {
				a.record([]string{"runbook (Markdown)", "runbook (HTML)"}[min(i, 1)], p)
			}
		}
		return a, a.screens[ScreenPlan].Update(msg)

	case previousSettingsMsg:
		return a, a.gotPreviousSettings(msg)

	case savedMsg:
		if msg.Err != nil {
			a.status = fmt.Sprintf("could not save the %s: %v", msg.What, msg.Err)
			a.resize()
		} else {
			a.record(msg.What, msg.Path)
		}
		return a, nil

	case continueMsg:
		return a, a.forward()

	case backMsg:
		return a, a.back()
	}
	return a, a.screens[a.active].Update(msg)
}

func (a *App) record(what, path string) {
	for i, w := range a.written {
		if w.What == what {
			a.written[i].Path = path
			return
		}
	}
	a.written = append(a.written, written{what, path})
}

func (a *App) apply() *applyScreen { return a.screens[ScreenApply].(*applyScreen) }

func (a *App) planScreen() *planScreen { return a.screens[ScreenPlan].(*planScreen) }

// resumeCommand is the command that resumes the run in the state folder, "" when none can
// (Options.ResumeCommand).
func (a *App) resumeCommand() string {
	return resumeCommandFor(a.opts.ResumeCommand, a.opts.Command, a.files.Dir)
}

// RunStopped reports whether the wizard ends with a run stopped before it was complete (paused, or
// ctrl+c): the command exits as a stopped, resumable run does.
func (a *App) RunStopped() bool {
	r := a.lastRun()
	return r != nil && r.Stopped && !r.Complete
}

// lastRun is how the last run ended: as the root heard it, or as the dashboard has it (the
// message may not have reached the root yet, or the program ended with the run).
func (a *App) lastRun() *RunSummary {
	if a.run != nil {
		return a.run
	}
	return a.apply().summary
}

// Wait returns once a run started by the wizard has stopped (the program has ended: the run was
// asked to stop at its next safe point), so that the journal is closed and the lock released, and
// once a rehearsal has stopped, so that its temporary folder is removed.
func (a *App) Wait() {
	a.apply().Wait()
	a.planScreen().rehearsal.Wait()
}

func (a *App) quit() tea.Cmd {
	a.quitting = true
	a.apply().Stop(true)
	a.planScreen().rehearsal.Stop()
	if d, ok := a.screens[ScreenDiscovery].(*discoveryScreen); ok {
		d.cancel()
	}
	return tea.Quit
}

// forward moves to the next screen of the session.
func (a *App) forward() tea.Cmd {
	switch a.active {
	case ScreenChecks:
		if a.snap == nil {
			return nil
		}
		s := settings.Settings{}
		switch {
		case a.settings != nil:
			s = *a.settings
		case a.previous != nil:
			s = *a.previous
		}
		a.switchTo(ScreenDecisions)
		d := a.screens[ScreenDecisions].(*decisionsScreen)
		return d.Start(a.snap, s.Resolve(a.snap))
	case ScreenPlan, ScreenApply:
		if a.apply().Running() {
			return nil
		}
		l := a.screens[ScreenLeave].(*leaveScreen)
		l.set(a.Summary(), a.lastRun() != nil)
		a.switchTo(ScreenLeave)
	case ScreenLeave:
		return a.quit()
	}
	return nil
}

// back returns to the previous screen; from the start screen it quits.
func (a *App) back() tea.Cmd {
	switch a.active {
	case ScreenStart:
		return a.quit()
	case ScreenDiscovery:
		a.screens[ScreenDiscovery].(*discoveryScreen).cancel()
		a.switchTo(ScreenStart)
	case ScreenChecks:
		if a.opts.Snapshot != "" && a.identity == nil {
			return a.quit() // opened from a file: there is nothing before this screen
		}
		a.switchTo(ScreenStart)
	case ScreenPlan:
		// The form was submitted (huh has nothing left to draw): show it again with the answers given.
		a.switchTo(ScreenDecisions)
		return a.screens[ScreenDecisions].(*decisionsScreen).Reopen()
	case ScreenApply:
		switch {
		case a.apply().Running():
		case a.resumed:
			a.switchTo(ScreenStart)
		default:
			a.switchTo(ScreenPlan)
		}
	case ScreenLeave:
		if a.lastRun() != nil || a.resumed {
			a.switchTo(ScreenApply)
		} else {
			a.switchTo(ScreenPlan)
		}
	default:
		a.switchTo(a.active - 1)
	}
	return nil
}

// gotSnapshot stores the organization, decides the state folder, saves a discovered snapshot and
// reads the decisions a previous session saved there; the pre-checks run once those are known,
// so that their findings are about the decisions the form will show.
func (a *App) gotSnapshot(msg snapshotMsg) tea.Cmd {
	a.snap, a.snapData = msg.Snap, msg.Data
	a.settings, a.previous, a.checks, a.plan = nil, nil, nil, nil
	a.status = "" // an error from before (a snapshot that would not open) is no longer current
	dir := a.opts.StateDir
	if dir == "" {
		dir = statefolder.Default(msg.Snap.Organization.ID)
	}
	a.files = statefolder.Folder{Dir: dir}
	b := a.c.Backend
	var cmds []tea.Cmd
	if msg.Path != "" {
		a.record("snapshot", msg.Path)
	} else {
		data := msg.Data // the bytes the plan's snapshot hash is taken from
		cmds = append(cmds, a.save("snapshot", a.files.Path(statefolder.Snapshot), func() error { return b.SaveSnapshot(dir, data) }))
	}
	a.switchTo(ScreenChecks)
	a.screens[ScreenChecks].(*checksScreen).Wait()
	snap := a.snap
	cmds = append(cmds, func() tea.Msg {
		s, err := b.LoadSettings(dir)
		return previousSettingsMsg{Snap: snap, Settings: s, Err: err}
	})
	return tea.Batch(cmds...)
}

// previousSettingsMsg carries the decisions a previous session saved in the state folder (or a
// settings file written there for `lz2ct plan`), for the organization Snap.
type previousSettingsMsg struct {
	Snap     *inventory.Snapshot
	Settings *settings.Settings
	Err      error
}

// gotPreviousSettings runs the pre-checks with the saved decisions (defaults when there are none),
// the same settings the decisions form starts from.
func (a *App) gotPreviousSettings(msg previousSettingsMsg) tea.Cmd {
	if msg.Snap != a.snap {
		return nil // another organization was opened since
	}
	if msg.Err != nil {
		a.status = fmt.Sprintf("the saved decisions in %s cannot be read (%v); the form starts from the defaults", a.files.Path(statefolder.Settings), msg.Err)
		a.resize()
	}
	s := settings.Settings{}
	if msg.Settings != nil && a.settings == nil {
		a.previous = msg.Settings
		s = *msg.Settings
	}
	return a.screens[ScreenChecks].(*checksScreen).Start(a.snap, s.Resolve(a.snap))
}

// save runs write in the background and reports it as the file at path.
func (a *App) save(what, path string, write func() error) tea.Cmd {
	return func() tea.Msg { return savedMsg{What: what, Path: path, Err: write()} }
}

// buildPlan re-runs the pre-checks with the chosen settings (some findings depend on them) and
// builds the plan from them.
func (a *App) buildPlan(s settings.Settings) tea.Cmd {
	b, snap, data := a.c.Backend, a.snap, a.snapData
	return func() tea.Msg {
		res, err := b.Check(snap, s)
		if err != nil {
			return plannedMsg{Err: fmt.Errorf("pre-checks: %w", err)}
		}
		p, err := b.Plan(data, snap, s, res)
		if err != nil {
			return plannedMsg{Checks: res, Err: err}
		}
		return plannedMsg{Plan: p, Checks: res}
	}
}

func (a *App) export() tea.Cmd {
	if a.plan == nil {
		return nil
	}
	b, p, dir := a.c.Backend, a.plan, a.files.Dir
	return func() tea.Msg {
		paths, err := b.Runbooks(dir, p)
		return exportedMsg{Paths: paths, Err: err}
	}
}

// View draws the title and step bar, the active screen, and the key help.
func (a *App) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "lz2ct"
	if a.quitting || a.width == 0 {
		return v
	}
	st := a.c.Styles
	var b strings.Builder
	b.WriteString(a.titleBar())
	b.WriteString("\n")
	b.WriteString(st.Muted.Render(a.contextLine(a.width - 2)))
	b.WriteString("\n")
	body := a.screens[a.active].View()
	if a.full {
		keys := a.screens[a.active].Help()
		overlay := st.Header.Render("Keys on this screen") + "\n\n" +
			a.help.FullHelpView(columns(append(keys, a.c.Keys.Help, a.c.Keys.ForceQuit), 6))
		body = overlay
	}
	b.WriteString(st.App.Render(fit(body, max(a.width-2, 1), a.bodyHeight())))
	b.WriteString("\n")
	if a.status != "" {
		b.WriteString(st.Error.Render(truncate(" ! "+a.status, a.width)) + "\n")
	}
	keys := a.screens[a.active].Help()
	// Help and quit first: the line is cut at the terminal's width, and these two must survive.
	b.WriteString(truncate(" "+a.help.ShortHelpView(append([]key.Binding{a.c.Keys.Help, a.c.Keys.ForceQuit}, keys...)), a.width))
	v.SetContent(b.String())
	return v
}

// newHelp styles the key help so it reads on dark and light backgrounds alike: keys bold in the
// terminal's own colour, separators grey (the bubbles defaults are dark greys tuned for one background).
func newHelp(st *Styles) help.Model {
	h := help.New()
	h.Styles = help.Styles{
		Ellipsis: st.Muted, ShortKey: st.Key, ShortDesc: lipgloss.NewStyle(), ShortSeparator: st.Muted,
		FullKey: st.Key, FullDesc: lipgloss.NewStyle(), FullSeparator: st.Muted,
	}
	return h
}

func columns(keys []key.Binding, per int) [][]key.Binding {
	var out [][]key.Binding
	for len(keys) > per {
		out = append(out, keys[:per])
		keys = keys[per:]
	}
	return append(out, keys)
}

func (a *App) titleBar() string {
	line := a.titleBarWith(true)
	if ansi.StringWidth(line) > a.width {
		// Narrow terminals: the names without their numbers, so that every one fits.
		line = a.titleBarWith(false)
	}
	return truncate(line, a.width)
}

func (a *App) titleBarWith(numbers bool) string {
	st := a.c.Styles
	parts := []string{st.Title.Render("lz2ct")}
	for i := ScreenID(0); i < numScreens; i++ {
		label := screenNames[i]
		if numbers {
			label = fmt.Sprintf("%d %s", i+1, screenNames[i])
		}
		switch {
		case i == a.active:
			parts = append(parts, st.TabActive.Render("["+label+"]"))
		case i < a.active:
			parts = append(parts, st.Tab.Render(label))
		default:
			parts = append(parts, st.Muted.Padding(0, 1).Render(label))
		}
	}
	return strings.Join(parts, "")
}

// contextLine says which organization, as whom, and where the files go, in width cells: in full
// when it fits, else in a short form (the start screen shows the caller in full, and the leave
// screen the files).
func (a *App) contextLine(width int) string {
	var long, short []string
	if a.snap != nil {
		long = append(long, "organization "+a.snap.Organization.ID, plural(len(a.snap.Accounts), "account", "accounts"))
		short = append(short, a.snap.Organization.ID, plural(len(a.snap.Accounts), "account", "accounts"))
	} else if a.plan != nil && a.plan.View.Organization != "" {
		long = append(long, "organization "+a.plan.View.Organization)
		short = append(short, a.plan.View.Organization)
	}
	if a.identity != nil {
		sim := ""
		if a.identity.EndpointURL != "" {
			sim = " (simulator)"
		}
		long = append(long, "as "+a.identity.Account)
		short = append(short, "as "+a.identity.Account+sim)
		if a.identity.EndpointURL != "" {
			long = append(long, "simulator "+a.identity.EndpointURL)
		}
	}
	if a.files.Dir != "" {
		long = append(long, "files in "+a.files.Dir)
		short = append(short, "files in "+a.files.Dir)
	}
	if len(long) == 0 {
		return truncate("read-only: nothing changes in AWS until you apply a plan", width)
	}
	for _, parts := range [][]string{long, short} {
		if line := strings.Join(parts, " · "); ansi.StringWidth(line) <= width {
			return line
		}
	}
	// Still too long (a long state folder): the caller gives way, the folder is cut last.
	var rest []string
	for _, p := range short {
		if !strings.HasPrefix(p, "as ") {
			rest = append(rest, p)
		}
	}
	return truncate(strings.Join(rest, " · "), width)
}

// Summary is what the leave screen shows and the CLI prints after the wizard exits: how a run
// ended (when one ran), where each file was saved and the commands that continue from them.
func (a *App) Summary() string {
	if a.files.Dir == "" {
		return ""
	}
	var b strings.Builder
	run := a.lastRun()
	if run != nil {
		b.WriteString(RunSummaryText(run, a.opts.Command, a.files.Dir))
		b.WriteString("\n")
	}
	b.WriteString("Saved:\n")
	// Saves finish in any order; list them in the session's order.
	rank := map[string]int{"snapshot": 0, "settings": 1, "plan": 2, "runbook (Markdown)": 3, "runbook (HTML)": 4}
	ws := append([]written(nil), a.written...)
	sort.SliceStable(ws, func(i, j int) bool { return rank[ws[i].What] < rank[ws[j].What] })
	for _, w := range ws {
		fmt.Fprintf(&b, "  %-20s %s\n", w.What, w.Path)
	}
	if len(a.written) == 0 {
		b.WriteString("  nothing yet\n")
	}
	b.WriteString("\nContinue from the command line:\n")
	var cmds []string
	if run != nil || a.resumed {
		snapshot := ""
		if !a.resumed {
			snapshot = a.snapshotPath()
		}
		resume := a.resumeCommand()
		cmds = RunCommands(a.opts.Command, resume, a.files, snapshot, (run == nil || !run.Complete) && resume != "")
	} else {
		cmds = ContinueCommands(a.opts.Command, a.files, a.snapshotPath(), a.settings != nil, a.plan != nil)
	}
	for _, c := range cmds {
		b.WriteString("  " + c + "\n")
	}
	return b.String()
}

func (a *App) snapshotPath() string {
	for _, w := range a.written {
		if w.What == "snapshot" {
			return w.Path
		}
	}
	return a.files.Path(statefolder.Snapshot)
}
