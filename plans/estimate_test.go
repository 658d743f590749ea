package plans

import "testing"

// A StackSet step's estimate counts the calls lz2ct makes itself, 100 instances a call: the
// export pages through the whole StackSet; a Config wave reads EnableConfig's instances before and
// after its operation — account by account, or the whole StackSet when that takes fewer calls —
// and each wave leaves fewer to read. A 1,500-account organization with 4 regions holds 6,000
// EnableConfig instances: 60 calls a reading of the whole set, which the estimate once left out (a
// 5,000-account rehearsal ran its Config phase 1.7 times over the upper bound), and which every
// wave of more than five accounts once paid (a 10-account wave now reads 20 times, not 120); in a
// 120-account organization with one region the whole set is the cheaper read.
func TestStackSetStepsCountTheirOwnCalls(t *testing.T) {
	var whole, perAccount int64
	for _, org := range []struct{ accounts, ous, regions, leastInstances int }{{1500, 90, 4, 5000}, {120, 5, 1, 100}} {
		w, pa := stackSetStepsCountTheirOwnCalls(t, org.accounts, org.ous, org.regions, org.leastInstances)
		whole, perAccount = whole+w, perAccount+pa
	}
	if whole == 0 || perAccount == 0 {
		t.Fatalf("%d Config waves read the whole StackSet, %d gave up on it: the test wants both", whole, perAccount)
	}
}

// stackSetStepsCountTheirOwnCalls checks one generated organization's StackSet estimates and
// returns how many Config waves of more than five accounts read the whole StackSet and how many
// gave up on it.
func stackSetStepsCountTheirOwnCalls(t *testing.T, accounts, ous, regions, leastInstances int) (whole, perAccount int64) {
	t.Helper()
	snap, p := generatedSnapshotAndPlan(t, accounts, ous, regions)

	held := 0
	for _, ss := range snap.ALZ.StackSets {
		if ss.Name == EnableConfigStackSet {
			held = len(ss.Instances)
		}
	}
	if held < leastInstances {
		t.Fatalf("EnableConfig holds %d instances; the test wants at least %d", held, leastInstances)
	}
	pages := func(n int) int64 { return int64((n + InstancesPerPage - 1) / InstancesPerPage) }
	export := p.Step(KindExportStackSet + "/" + EnableConfigStackSet)
	if export == nil {
		t.Fatal("no export of EnableConfig")
	}
	if want := int64(quickStepSeconds) + pages(held)*callUpperMillis/1000; export.EstimateSeconds < want {
		t.Fatalf("export of %d instances estimated %d s, want at least %d s (a call per 100 instances)", held, export.EstimateSeconds, want)
	}
	// A reading of a wave's accounts, as the steps do it: account by account for a few, otherwise
	// the whole StackSet if it takes at most a call per account, otherwise a call per account
	// after the calls that found out it would not.
	reading := func(accounts, held int) int64 {
		switch n := int64(accounts); {
		case accounts <= perAccountInstanceReads:
			return n
		case max(pages(held), 1) <= n:
			return max(pages(held), 1)
		default:
			return 2 * n
		}
	}
	var total int64
	for _, st := range p.OrderedSteps() {
		prm, ok := st.Params.(ConfigStackSetInstancesDelete)
		if !ok {
			continue
		}
		op := stackSetRange(len(prm.Accounts), prm.Preferences).Upper
		after := held - len(prm.Accounts)*len(prm.Regions)
		calls := reading(len(prm.Accounts), held) + reading(len(prm.Accounts), after) + stackSetOpCalls
		if own := st.EstimateSeconds - op; own != calls*callUpperMillis/1000 {
			t.Errorf("%s (%d accounts) reads %d then %d instances: %d s beyond its operation, want %d calls at %d ms",
				st.ID, len(prm.Accounts), held, after, own, calls, callUpperMillis)
		}
		switch {
		case len(prm.Accounts) > perAccountInstanceReads && pages(held) <= int64(len(prm.Accounts)):
			whole++
		case len(prm.Accounts) > perAccountInstanceReads:
			perAccount++
		}
		total += st.EstimateSeconds
		held = after
	}
	// The phase sums its waves' steps (one StackSet, one operation at a time).
	if got := p.Phases[3].EstimateSeconds; got < total {
		t.Errorf("Config phase upper bound %d s < its steps' %d s", got, total)
	}
	return whole, perAccount
}
