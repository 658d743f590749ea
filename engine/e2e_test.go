package engine_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/enginetest"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/orggen"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// End to end through the real SDK against the simulator: the engine with the kinds of steps/.

func served(t *testing.T) *inventory.Snapshot {
	t.Helper()
	p := orggen.DefaultParams()
	p.Accounts, p.OUs, p.SCPDensity = 40, 16, 0.5
	snap, err := orggen.Generate(p)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func allButFullAccess(snap *inventory.Snapshot) []string {
	var out []string
	for _, pol := range snap.Policies {
		if pol.Name != "FullAWSAccess" {
			out = append(out, pol.ID)
		}
	}
	return out
}

func clients(t *testing.T, url string) *awsapi.Clients {
	t.Helper()
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: "us-east-1", MaxBackoff: 5 * time.Millisecond,
		Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// A third of the calls throttled: the run is slower and nothing fails or repeats.
func TestThrottlingSlowsTheRunAndFailsNothing(t *testing.T) {
	snap := served(t)
	srv := sim.New(snap, sim.Options{ThrottleFraction: 0.3, Seed: 3})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := enginetest.SCPPlan(snap, enginetest.Options{Detach: true, Policies: allButFullAccess(snap)})
	dir := t.TempDir()
	w, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	e, err := engine.New(engine.Options{Plan: p, AWS: clients(t, url), Folder: statefolder.Folder{Dir: dir}, Hook: hooks.Journal(w),
		TimeScale: 1000})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := e.Run(context.Background(), context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Complete() || len(sum.Failed) > 0 {
		t.Fatalf("failed %+v, not started %+v", sum.Failed, sum.NotStarted)
	}
	throttled, applied := 0, map[string]int{}
	for _, c := range srv.Calls() {
		if strings.Contains(c.Code, "TooManyRequests") {
			throttled++
		}
		if c.Mutating && c.Code == "" {
			applied[c.Target]++
		}
	}
	if throttled == 0 {
		t.Fatal("the simulator throttled nothing: the test proves nothing")
	}
	detaches := 0
	for _, ph := range p.Phases {
		for _, s := range ph.Steps {
			if d, ok := s.Params.(plans.SCPDetach); ok {
				detaches++
				if applied[d.PolicyID+"/"+d.TargetID] != 1 {
					t.Errorf("%s/%s applied %d times", d.PolicyID, d.TargetID, applied[d.PolicyID+"/"+d.TargetID])
				}
			}
		}
	}
	if len(applied) != detaches {
		t.Errorf("%d mutations for %d planned detaches", len(applied), detaches)
	}
	t.Logf("%d calls throttled; %d detaches applied once each", throttled, detaches)
}

// The preview (apply --dry-run) makes no mutating call and says what each step would change.
func TestPreviewIsReadOnly(t *testing.T) {
	snap := served(t)
	srv := sim.New(snap, sim.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := enginetest.SCPPlan(snap, enginetest.Options{Detach: true, Manual: true})
	dir := t.TempDir()
	e, err := engine.New(engine.Options{Plan: p, AWS: clients(t, url), Folder: statefolder.Folder{Dir: dir}})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]int{}
	for _, pv := range e.Preview(context.Background()) {
		states[pv.State]++
		if pv.State == engine.PreviewChange && pv.Change == "" {
			t.Errorf("%s: no change described", pv.Step)
		}
	}
	if states[engine.PreviewChange] == 0 || states[engine.PreviewWaiting] != 1 || states[engine.PreviewError] != 0 {
		t.Errorf("preview states %v", states)
	}
	for _, c := range srv.Calls() {
		if c.Mutating {
			t.Errorf("the preview made a mutating call: %+v", c)
		}
	}
	if _, err := os.Stat(dir + "/" + statefolder.Journal); err == nil {
		t.Error("the preview wrote a journal")
	}
}
