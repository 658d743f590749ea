package plans

import (
	"fmt"
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
	ew.printf("%d steps: %d can run, %d blocked by a pre-check finding, %d waiting for a blocked step; estimated %s (%s at a time for account operations)\n\n",
		p.StepCount(), p.StepCount()-len(blocked), direct, len(blocked)-direct, Human(p.Estimate.Total()), plural(s.AccountConcurrency, "account", "accounts"))

	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tSTEPS\tDESTRUCTIVE\tMANUAL\tBLOCKED\tESTIMATE")
	for _, ph := range p.Phases {
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
		fmt.Fprintf(tw, "%d %s\t%d\t%d\t%d\t%d\t%s\n", ph.Number, ph.Name, len(ph.Steps), d, m, b, Human(ph.Estimate()))
	}
	if p.Estimate.OverlapSeconds > 0 {
		fmt.Fprintf(tw, "  overlap of phases 2–3 with 4\t\t\t\t\t−%s\n", Human(time.Duration(p.Estimate.OverlapSeconds)*time.Second))
	}
	fmt.Fprintf(tw, "  total\t%d\t\t\t\t%s\n", p.StepCount(), Human(p.Estimate.Total()))
	if err := tw.Flush(); err != nil {
		return err
	}
	if p.Estimate.OverlapSeconds > 0 {
		ew.printf("(a wave's SCP detaches and Config removal run while Control Tower registers the previous wave: only the first wave's add to the total)\n")
	}

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
		fmt.Fprintf(tw, "  %d\t%s\t%s\t%s\n", e.Order, e.Path, plural(e.Enrolls, "account", "accounts"), note)
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
		p.CreatedFrom, p.Settings.HomeRegion, "`"+strings.Join(p.Settings.GovernedRegions, "`, `")+"`", p.StepCount(), Human(p.Estimate.Total()))
	ew.printf("Steps are listed by phase; `executionOrder` in the JSON plan (and the runbook) gives the order a run takes them.\n\n")
	for _, ph := range p.Phases {
		ew.printf("## Phase %d — %s (%s)\n\n%s\n\n", ph.Number, ph.Name, Human(ph.Estimate()), ph.Summary)
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

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
