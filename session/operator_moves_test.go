package session

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
)

// The unattended operator moves GuardDuty's delegated administration to the Audit account the run
// created before it confirms the hand-over's manual step, and does nothing for other manual steps.
func TestDemoOperatorMovesTheDelegatedAdministration(t *testing.T) {
	snap, err := inventory.Load(filepath.Join("..", "testdata", "orgs", "alz2-typical.json"))
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := settings.Load(filepath.Join("..", "testdata", "settings", "alz2-typical.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := loaded.Resolve(snap)
	p, err := plans.Build(snap, s, checks.Run(checks.Input{Snapshot: snap, Index: inventory.NewIndex(snap), Settings: s}))
	if err != nil {
		t.Fatal(err)
	}
	var manual string
	var prm plans.DelegatedAdminVerify
	for _, st := range p.OrderedSteps() {
		if st.Kind == plans.KindDelegatedAdminVerify {
			manual, prm = st.DependsOn[0], st.Params.(plans.DelegatedAdminVerify)
		}
	}
	if manual == "" || !prm.AccountID.IsRef() {
		t.Fatalf("no delegated-admin.verify with a new Audit account in the plan (%+v)", prm)
	}
	srv := sim.New(snap, sim.Options{})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	// The Audit account stands in for the one phase 1 creates: any member account the journal names.
	audit := snap.ALZ.LogArchiveAccountID
	dir := t.TempDir()
	w, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []journal.Event{{Step: prm.AccountID.FromStep, Event: journal.EventStarted},
		{Step: prm.AccountID.FromStep, Event: journal.EventOutput, Output: prm.AccountID.Output, Value: audit},
		{Step: prm.AccountID.FromStep, Event: journal.EventSucceeded}} {
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	var out bytes.Buffer
	op := Moves{W: &out, Who: "the demo", Plan: p, Dir: dir, AWS: aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLEEXAMPLE00", "secret", "")}}
	if err := op.Before(context.Background(), "manual/security-alerting"); err != nil || out.Len() != 0 {
		t.Fatalf("another manual step: %v, %q", err, out.String())
	}
	for range 2 { // twice: a repeat changes nothing
		if err := op.Before(context.Background(), manual); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, d := range srv.Snapshot().DelegatedAdmins {
		if d.ServicePrincipal == prm.ServicePrincipal {
			got = append(got, d.AccountID)
		}
	}
	if len(got) != 1 || got[0] != audit || !strings.Contains(out.String(), "from account "+prm.FormerAccountID+" to account "+audit) {
		t.Fatalf("%s's delegated administrators %v, want %s; the demo said %q", prm.ServicePrincipal, got, audit, out.String())
	}
}
