package plans

import (
	"fmt"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

// BenchmarkBuild plans generated organizations of 5,000 and 10,000 accounts (the report figures:
// go test ./plans -run '^$' -bench Build -benchmem). Checks run outside the timer: this measures
// the planner. BenchmarkBuildWithChecks measures what lz2ct plan does after loading the snapshot.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{5000, 10000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			snap, s, rep := benchOrg(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p, err := Build(snap, s, rep)
				if err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					b.ReportMetric(float64(p.StepCount()), "steps")
				}
			}
		})
	}
}

func BenchmarkBuildWithChecks(b *testing.B) {
	for _, n := range []int{5000, 10000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			snap, s, _ := benchOrg(b, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rep := checks.Run(checks.Input{Snapshot: snap, Settings: s})
				if _, err := Build(snap, s, rep); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	snap, s, rep := benchOrg(b, 10000)
	p, err := Build(snap, s, rep)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		data, err := p.Encode()
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(data)))
	}
}

func benchOrg(b testing.TB, accounts int) (*inventory.Snapshot, settings.Settings, checks.Report) {
	b.Helper()
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions, params.Seed = accounts, accounts/25, 5, 4, 7
	snap, err := orggen.Generate(params)
	if err != nil {
		b.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "new-log@example.org", AuditEmail: "new-audit@example.org"}.Resolve(snap)
	return snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s})
}
