package plans

import (
	"testing"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/settings"
)

// A StackSet step's estimate counts the calls lz2ct makes itself, 100 instances a call: the
// export pages through the whole StackSet; a Config wave reads EnableConfig's instances before and
// after its operation — the whole StackSet for more than five accounts — and each wave leaves
// fewer to read. A 1,500-account organization with 4 regions holds 6,000 EnableConfig instances:
// 60 calls a reading, which the estimate once left out (a 5,000-account rehearsal ran its Config
// phase 1.7 times over the upper bound).
func TestStackSetStepsCountTheirOwnCalls(t *testing.T) {
	params := orggen.DefaultParams()
	params.Accounts, params.OUs, params.Depth, params.Regions, params.Seed = 1500, 90, 4, 4, 3
	snap, err := orggen.Generate(params)
	if err != nil {
		t.Fatal(err)
	}
	s := settings.Settings{LogArchiveEmail: "a@example.org", AuditEmail: "b@example.org"}.Resolve(snap)
	p := mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))

	held := 0
	for _, ss := range snap.ALZ.StackSets {
		if ss.Name == EnableConfigStackSet {
			held = len(ss.Instances)
		}
	}
	if held < 5000 {
		t.Fatalf("EnableConfig holds %d instances; the test wants thousands", held)
	}
	pages := func(n int) int64 { return int64((n + instancesPerPage - 1) / instancesPerPage) }
	export := p.Step(KindExportStackSet + "/" + EnableConfigStackSet)
	if export == nil {
		t.Fatal("no export of EnableConfig")
	}
	if want := int64(quickStepSeconds) + pages(held)*callUpperMillis/1000; export.EstimateSeconds < want {
		t.Fatalf("export of %d instances estimated %d s, want at least %d s (a call per 100 instances)", held, export.EstimateSeconds, want)
	}
	var large, total int64
	for _, st := range p.OrderedSteps() {
		prm, ok := st.Params.(ConfigStackSetInstancesDelete)
		if !ok {
			continue
		}
		op := stackSetRange(len(prm.Accounts), prm.Preferences).Upper
		after := held - len(prm.Accounts)*len(prm.Regions)
		own := st.EstimateSeconds - op
		switch {
		case own < stackSetOpCalls*callUpperMillis/1000:
			t.Errorf("%s: %d s beyond its operation, less than its %d calls", st.ID, own, stackSetOpCalls)
		case len(prm.Accounts) > PerAccountInstanceReads && own < (pages(held)+pages(after))*callUpperMillis/1000:
			t.Errorf("%s (%d accounts) reads %d then %d instances: %d s beyond its operation, want a call per 100", st.ID, len(prm.Accounts), held, after, own)
		case len(prm.Accounts) <= PerAccountInstanceReads && own > int64(2*len(prm.Accounts)+stackSetOpCalls)*callUpperMillis/1000:
			t.Errorf("%s (%d accounts) reads per account, yet %d s beyond its operation", st.ID, len(prm.Accounts), own)
		}
		if len(prm.Accounts) > PerAccountInstanceReads {
			large++
		}
		total += st.EstimateSeconds
		held = after
	}
	if large == 0 {
		t.Fatal("no Config wave of more than five accounts: the test reads nothing whole")
	}
	// The phase sums its waves' steps (one StackSet, one operation at a time).
	if got := p.Phases[3].EstimateSeconds; got < total {
		t.Errorf("Config phase upper bound %d s < its steps' %d s", got, total)
	}
}
