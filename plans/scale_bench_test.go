package plans_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/settings"
)

// The scale report's benchmarks (make bench): plans and runbooks of generated 5,000-account
// organizations. They report figures; nothing here is asserted.

// scaleCase is one generated 5,000-account organization of the scale report, with the figures the
// planner before moves and ranges (commit 010d718, the base of the plans-at-scale work) gave for
// it: Control Tower time from its registrations and one-by-one enrollments, with the same figures
// (registration 10 to 10 + 2 × (n − 1) minutes, enrollment 5 to 15 minutes, one at a time, landing
// zone 30 to 60 minutes), and its runbook's size. They are recorded, not recomputed: that planner
// is gone.
type scaleCase struct {
	name                       string
	ous, depth, regions        int
	noMove                     bool
	beforeLowerH, beforeUpperH float64
	beforeLines, beforePages   int
}

// ScaleCases are the generated organizations BenchmarkScale5000 plans (and the runbook benchmark
// prints): 5,000 accounts, seed 7; wide and shallow with 4 regions; deep (6 levels) with 17
// regions; a few very large OUs (up to ~1,500 accounts) with 17 regions; and the deep one with every
// move forbidden (noMoveOUs: "*").
var scaleCases = []scaleCase{
	{name: "wide-4r", ous: 200, depth: 5, regions: 4, beforeLowerH: 43.1, beforeUpperH: 218.7, beforeLines: 28945, beforePages: 1186},
	{name: "deep-17r", ous: 60, depth: 6, regions: 17, beforeLowerH: 141.7, beforeUpperH: 518.1, beforeLines: 60177, beforePages: 2254},
	{name: "bigOUs-17r", ous: 12, depth: 6, regions: 17, beforeLowerH: 190.0, beforeUpperH: 656.3, beforeLines: 73076, beforePages: 2831},
	{name: "deep-17r-nomoves", ous: 60, depth: 6, regions: 17, noMove: true, beforeLowerH: 141.7, beforeUpperH: 518.1, beforeLines: 60177, beforePages: 2254},
}

// ScaleOrg generates a scale case's organization and settings.
func scaleOrg(b testing.TB, c scaleCase) (*inventory.Snapshot, settings.Settings, checks.Report) {
	b.Helper()
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions, params.Seed = 5000, c.ous, c.depth, c.regions, 7
	snap, err := orggen.Generate(params)
	if err != nil {
		b.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org"}
	if c.noMove {
		s.NoMoveOUs = []string{settings.AllOUs}
	}
	s = s.Resolve(snap)
	return snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s})
}

// BenchmarkScale5000 plans the scale cases and reports, besides the time to plan, Control Tower's
// own time (lower and upper bound, hours) before and after moves and ranges, the registrations and
// one-by-one enrollments, the estimate's bounds, the longest unrecorded window and the working
// sessions: go test ./plans -run '^$' -bench Scale5000 -benchtime 1x.
func BenchmarkScale5000(b *testing.B) {
	for _, c := range scaleCases {
		b.Run(c.name, func(b *testing.B) {
			snap, s, rep := scaleOrg(b, c)
			b.ResetTimer()
			var p *plans.Plan
			for i := 0; i < b.N; i++ {
				var err error
				if p, err = plans.Build(snap, s, rep); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			regs, enrolls := 0, 0
			for _, ph := range p.Phases {
				for _, st := range ph.Steps {
					switch st.Kind {
					case plans.KindBaselineEnable:
						regs++
					case plans.KindAccountEnroll:
						enrolls++
					}
				}
			}
			var worst int64
			for _, w := range p.Estimate.Unrecorded {
				worst = max(worst, w.MaxSeconds)
			}
			h := func(s int64) float64 { return float64(s) / 3600 }
			b.ReportMetric(c.beforeLowerH, "ct-before-lower-h")
			b.ReportMetric(c.beforeUpperH, "ct-before-upper-h")
			b.ReportMetric(h(p.Estimate.ControlTower.Lower), "ct-lower-h")
			b.ReportMetric(h(p.Estimate.ControlTower.Upper), "ct-upper-h")
			b.ReportMetric(h(p.Estimate.Total.Lower), "total-lower-h")
			b.ReportMetric(h(p.Estimate.Total.Upper), "total-upper-h")
			b.ReportMetric(float64(regs), "registrations")
			b.ReportMetric(float64(enrolls), "one-by-one")
			b.ReportMetric(h(worst), "unrecorded-max-h")
			b.ReportMetric(float64(len(p.Estimate.Calendar.Sessions)), "sessions")
		})
	}
}

// BenchmarkRunbookScale5000 renders the scale cases' runbooks and reports their size: Markdown
// lines, and pages of the HTML runbook printed to PDF by Chromium (as a reader prints it: headless
// Chromium's print to PDF, US Letter by default, counted with pdfinfo), against the runbook
// before (recorded lines; pages where measured): go test ./plans -run '^$' -bench RunbookScale5000
// -benchtime 1x. Printing takes minutes per case. It needs chromium and pdfinfo (Debian: apt-get
// install chromium poppler-utils).
func BenchmarkRunbookScale5000(b *testing.B) {
	chromium, err1 := exec.LookPath("chromium")
	pdfinfo, err2 := exec.LookPath("pdfinfo")
	if err1 != nil || err2 != nil {
		b.Fatalf("printing the runbook needs chromium and pdfinfo: apt-get install chromium poppler-utils (%v %v)", err1, err2)
	}
	for _, c := range scaleCases {
		b.Run(c.name, func(b *testing.B) {
			snap, s, rep := scaleOrg(b, c)
			p, err := plans.Build(snap, s, rep)
			if err != nil {
				b.Fatal(err)
			}
			var md, html bytes.Buffer
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				md.Reset()
				html.Reset()
				if err := runbook.Markdown(&md, p, nil); err != nil {
					b.Fatal(err)
				}
				if err := runbook.HTML(&html, p, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			dir := b.TempDir()
			in, out := filepath.Join(dir, "runbook.html"), filepath.Join(dir, "runbook.pdf")
			if err := os.WriteFile(in, html.Bytes(), 0o600); err != nil {
				b.Fatal(err)
			}
			if o, err := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--print-to-pdf="+out, in).CombinedOutput(); err != nil {
				b.Fatalf("chromium: %v: %s", err, o)
			}
			info, err := exec.Command(pdfinfo, out).Output()
			if err != nil {
				b.Fatalf("pdfinfo: %v", err)
			}
			m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(info)
			if m == nil {
				b.Fatalf("pdfinfo gave no page count: %s", info)
			}
			pages, _ := strconv.Atoi(string(m[1]))
			b.ReportMetric(float64(c.beforeLines), "lines-before")
			b.ReportMetric(float64(bytes.Count(md.Bytes(), []byte("\n"))), "lines")
			if c.beforePages > 0 {
				b.ReportMetric(float64(c.beforePages), "pages-before")
			}
			b.ReportMetric(float64(pages), "pages")
			b.ReportMetric(float64(html.Len())/1024, "html-KB")
		})
	}
}
