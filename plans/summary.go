package plans

import (
	"fmt"
	"github.com/lz2ct/lz2ct/words"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText prints a plan as a readable summary for the terminal: totals, the phases with their
// step counts and estimates, blockers, the OU registration order and where every account goes.
// Long lists are cut at maxRows rows (0 = no limit); the JSON plan has everything.
func WriteText(w io.Writer, p *Plan, maxRows int) error {
	ew := &errWriter{w: w}
	s := p.Settings
	ew.printf("Migration plan for %s (%s)\n", p.Organization, p.CreatedFrom)
	ew.printf("Home region %s; governed regions %s; Config removal: %s; landing zone: %s\n",
		s.HomeRegion, strings.Join(s.GovernedRegions, ", "), s.ConfigRemoval, s.CTDeploy)
	blocked := p.Blocked()
	direct := 0
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			if st.Blocked != "" {
				direct++
			}
		}
	}
	e := p.Estimate
	ew.printf("Account limit per registered OU: %d", p.Limits.OUAccountLimit)
	if p.Limits.Note != "" {
		ew.printf(" (%s)", p.Limits.Note)
	}
	ew.printf("\n%d steps: %d can run, %d blocked by a pre-check finding, %d waiting for a blocked step; estimated %s (Control Tower's own time %s; %s at a time for account operations)\n\n",
		p.StepCount(), p.StepCount()-len(blocked), direct, len(blocked)-direct, HumanRange(e.Total), HumanRange(e.ControlTower), words.Count(s.AccountConcurrency, "account"))

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tSTEPS\tDESTRUCTIVE\tMANUAL\tBLOCKED\tLOWER\tUPPER")
	for i, ph := range p.Phases {
		var d, m, b int
		for _, st := range ph.Steps {
			if st.Destructive {
				d++
			}
			if st.Manual {
				m++
			}
			if st.Blocked != "" {
				b++
			}
		}
		var r Range
		if i < len(e.PerPhase) {
			r = e.PerPhase[i].Range
		}
		fmt.Fprintf(tw, "%d %s\t%d\t%d\t%d\t%d\t%s\t%s\n", ph.Number, ph.Name, len(ph.Steps), d, m, b, Human(r.LowerDuration()), Human(r.UpperDuration()))
	}
	if e.Overlap.Upper > 0 || e.Overlap.Lower > 0 {
		fmt.Fprintf(tw, "  overlap (runs during Control Tower's work)\t\t\t\t\t−%s\t−%s\n", Human(e.Overlap.LowerDuration()), Human(e.Overlap.UpperDuration()))
	}
	fmt.Fprintf(tw, "  total\t%d\t\t\t\t%s\t%s\n", p.StepCount(), Human(e.Total.LowerDuration()), Human(e.Total.UpperDuration()))
	if err := tw.Flush(); err != nil {
		return err
	}
	if e.Dominant.What != "" {
		ew.printf("The upper bound is dominated by %s: %s of it.\n", e.Dominant.What, percent(e.Dominant.Share))
	}
	writeCalendar(ew, e.Calendar, maxRows)
	writeUnrecorded(ew, e.Unrecorded, maxRows)
	writeTradeOffs(ew, e)

	var blockers int
	for _, ph := range p.Phases {
		blockers += len(ph.Blockers)
	}
	if blockers > 0 {
		ew.printf("\nBlockers the plan cannot fix (%d) — resolve them, then re-plan:\n", blockers)
		for _, ph := range p.Phases {
			for _, f := range ph.Blockers {
				ew.printf("  phase %d  %s: %s\n", ph.Number, f.Check, f.Title)
			}
		}
	}

	ew.printf("\nOU registration order (parent first; Control Tower runs one OU operation at a time):\n")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	rows := 0
	for _, e := range p.OUOrder {
		if e.Order == 0 {
			continue
		}
		if maxRows > 0 && rows == maxRows {
			fmt.Fprintf(tw, "  …\t(%d more in the JSON plan)\n", countOrdered(p)-rows)
			break
		}
		rows++
		note := e.Remedy
		if e.Created {
			note = "new OU: " + e.Reason
		}
		if e.Blocked != "" {
			note = strings.TrimPrefix(note+"; BLOCKED: "+e.Blocked, "; ")
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", e.Order, e.Path, words.Count(e.Enrolls, "account"), note)
	}
	if rows == 0 {
		fmt.Fprintln(tw, "  (none)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	skipped := 0
	for _, e := range p.OUOrder {
		if e.Skipped {
			if skipped == 0 {
				ew.printf("\nOUs not registered:\n")
			}
			skipped++
			if maxRows > 0 && skipped > maxRows {
				continue
			}
			ew.printf("  %s (%s): %s\n", e.Path, e.OUID, e.Reason)
		}
	}
	if maxRows > 0 && skipped > maxRows {
		ew.printf("  … %d more in the JSON plan\n", skipped-maxRows)
	}

	counts := map[string]int{}
	for _, a := range p.Accounts {
		counts[a.How]++
	}
	ew.printf("\nAccounts (%d): ", len(p.Accounts))
	var parts []string
	for _, how := range []string{HowOURegistration, HowEnroll, HowEnrolled, HowExcluded, HowLeftOut, HowBlocked, HowManagement} {
		if counts[how] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[how], how))
		}
	}
	ew.printf("%s\n", strings.Join(parts, ", "))
	shown := 0
	for _, a := range p.Accounts {
		if a.How != HowBlocked && a.How != HowExcluded && a.How != HowLeftOut {
			continue
		}
		if maxRows > 0 && shown == maxRows {
			ew.printf("  … more in the JSON plan\n")
			break
		}
		shown++
		ew.printf("  %s %-12s %s: %s\n", a.AccountID, a.Name, a.How, a.Reason)
	}

	if len(p.Kept) > 0 {
		ew.printf("\nKept on purpose:\n")
		for i, k := range p.Kept {
			if maxRows > 0 && i == maxRows {
				ew.printf("  … %d more in the JSON plan\n", len(p.Kept)-i)
				break
			}
			ew.printf("  %s: %s\n", k.Resource, k.Reason)
		}
	}

	ew.printf("\nEstimate assumptions:\n")
	for _, a := range p.Estimate.Assumptions {
		ew.printf("  - %s\n", a)
	}
	return ew.err
}

// WriteMarkdown prints a compact Markdown view of the plan: the phases with every step's ID,
// title and guard, and the CLI commands. The printable runbook (lz2ct runbook) is the full form.
func WriteMarkdown(w io.Writer, p *Plan) error {
	ew := &errWriter{w: w}
	ew.printf("# Migration plan for %s\n\n", p.Organization)
	ew.printf("Made from %s. Home region `%s`, governed regions %s. %d steps, estimated %s.\n\n",
		p.CreatedFrom, p.Settings.HomeRegion, "`"+strings.Join(p.Settings.GovernedRegions, "`, `")+"`", p.StepCount(), HumanRange(p.Estimate.Total))
	ew.printf("Steps are listed by phase; `executionOrder` in the JSON plan (and the runbook) gives the order a run takes them.\n\n")
	for _, ph := range p.Phases {
		ew.printf("## Phase %d — %s (%s–%s)\n\n%s\n\n", ph.Number, ph.Name, Human(time.Duration(ph.EstimateLowerSeconds)*time.Second), Human(ph.Estimate()), ph.Summary)
		for _, f := range ph.Blockers {
			ew.printf("> **Blocker** `%s`: %s — %s\n\n", f.Check, f.Title, f.Remediation)
		}
		for _, st := range ph.Steps {
			flags := ""
			if st.Destructive {
				flags += " **destructive**"
			}
			if st.Manual {
				flags += " *manual*"
			}
			ew.printf("- [ ] `%s`%s — %s\n", st.ID, flags, mdEscape(st.Title))
			if st.Blocked != "" {
				ew.printf("  - Blocked: %s\n", mdEscape(st.Blocked))
			}
			if st.Guard != "" {
				ew.printf("  - Guard: %s\n", mdEscape(st.Guard))
			}
			for _, c := range st.CLI {
				ew.printf("  - `%s`\n", strings.ReplaceAll(c, "`", "'"))
			}
		}
		ew.printf("\n")
	}
	return ew.err
}

// HumanRange formats a lower and upper bound: "3h20m – 2d 4h" (one figure when they agree).
func HumanRange(r Range) string {
	lo, hi := Human(r.LowerDuration()), Human(r.UpperDuration())
	if lo == hi {
		return hi
	}
	return lo + " – " + hi
}

// Days formats a range of seconds in days, for savings: "0.4–1.2 days".
func Days(r Range) string {
	lo, hi := float64(r.Lower)/86400, float64(r.Upper)/86400
	if hi < 0.1 {
		return HumanRange(r) + " (under 0.1 days)"
	}
	if fmt.Sprintf("%.1f", lo) == fmt.Sprintf("%.1f", hi) {
		return fmt.Sprintf("%.1f days", hi)
	}
	return fmt.Sprintf("%.1f–%.1f days", lo, hi)
}

func percent(share float64) string { return fmt.Sprintf("%.0f%%", share*100) }

func writeCalendar(ew *errWriter, c Calendar, maxRows int) {
	if len(c.Sessions) == 0 {
		return
	}
	ew.printf("\nCalendar: %s of up to %d h (upper bound; one a day: %s), each ending at a safe stopping point — every account whose Config was removed is enrolled, nothing of the next wave started:\n",
		words.Count(len(c.Sessions), "working session"), c.SessionHours, words.Count(len(c.Sessions), "working day"))
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for i, se := range c.Sessions {
		if maxRows > 0 && i == maxRows {
			fmt.Fprintf(tw, "  …\t%d more sessions in the JSON plan (estimate.calendar)\n", len(c.Sessions)-i)
			break
		}
		note := ""
		if se.Long {
			note = " (a Control Tower operation outlasts the session: it runs on in AWS; lz2ct resume re-attaches)"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\tstop after %s%s\n", se.Number, se.Covers, Human(time.Duration(se.UpperSeconds)*time.Second), se.EndsAfter, note)
	}
	tw.Flush()
}

func writeUnrecorded(ew *errWriter, ws []Unrecorded, maxRows int) {
	if len(ws) == 0 {
		return
	}
	worst := ws[0]
	for _, w := range ws {
		if w.MaxSeconds > worst.MaxSeconds {
			worst = w
		}
	}
	ew.printf("\nUnrecorded window (no AWS Config recording between the removal of ALZ's recorder and enrollment), per wave; the longest is %s (%s):\n",
		Human(time.Duration(worst.MaxSeconds)*time.Second), worst.What)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  WAVE\tACCOUNTS\tMAX\tTYPICAL\tWHAT")
	for i, w := range ws {
		if maxRows > 0 && i == maxRows {
			fmt.Fprintf(tw, "  …\t%d more waves in the JSON plan (estimate.unrecorded)\n", len(ws)-i)
			break
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\n", strings.TrimPrefix(strings.TrimPrefix(waveLabel(w.FromWave, w.ToWave), "waves "), "wave "), w.Accounts,
			Human(time.Duration(w.MaxSeconds)*time.Second), Human(time.Duration(w.TypicalSeconds)*time.Second), w.What)
	}
	tw.Flush()
}

func writeTradeOffs(ew *errWriter, e Estimate) {
	m := e.Moves
	if m.Moved > 0 || m.Forbidden > 0 {
		ew.printf("\nMoves: ")
		if m.Moved > 0 {
			ew.printf("%s move before a registration (%s created for them), so registrations cover them: that saves %s of Control Tower time against enrolling them one by one.",
				words.Count(m.Moved, "account"), words.Count(m.NewOUs, "new OU"), Days(m.Saves))
		}
		if m.Forbidden > 0 {
			ew.printf(" noMoveOUs keeps %s where they are (enrolled one by one, or left out without room): that costs %s.", words.Count(m.Forbidden, "account"), Days(m.Costs))
		}
		ew.printf("\n")
	}
	if len(e.WhatIf) > 0 {
		ew.printf("\nWhat would save time (Control Tower time, lower–upper):\n")
		for _, w := range e.WhatIf {
			note := ""
			if w.Note != "" {
				note = " (" + w.Note + ")"
			}
			ew.printf("  %s%s: saves %s\n", w.Change, note, Days(w.Saves))
		}
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("*", `\*`, "_", `\_`, "<", "&lt;", ">", "&gt;").Replace(s)
}

func countOrdered(p *Plan) int {
	n := 0
	for _, e := range p.OUOrder {
		if e.Order > 0 {
			n++
		}
	}
	return n
}

// Human formats a duration for people: "45m", "3h20m", "2d 4h".
func Human(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0 && mins > 0:
		return fmt.Sprintf("%dh%02dm", hours, mins)
	case hours > 0:
		return fmt.Sprintf("%dh", hours)
	}
	return fmt.Sprintf("%dm", mins)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, args ...any) { fmt.Fprintf(e, format, args...) }
