package demodata

import (
	"bytes"
	"os"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

// The embedded copy must stay the testdata organization the other tests and docs describe. Byte
// changes that keep the organization (say, a re-sorted problem list) are only noted, so that a
// canonical-form change in testdata does not fail the build before the copy is refreshed.
func TestEmbeddedCopyMatchesTestdata(t *testing.T) {
	want, err := os.ReadFile("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(want, orgJSON) {
		return
	}
	t.Log("demodata/alz2-typical.json differs from testdata/orgs/alz2-typical.json: cp testdata/orgs/alz2-typical.json demodata/")
	w, err := inventory.Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if w.Organization != g.Organization || len(w.Accounts) != len(g.Accounts) || len(w.OUs) != len(g.OUs) || len(w.Policies) != len(g.Policies) {
		t.Fatalf("the demo organization is no longer testdata's alz2-typical (%s, %d accounts, %d OUs, %d SCPs vs %s, %d, %d, %d): cp testdata/orgs/alz2-typical.json demodata/",
			g.Organization.ID, len(g.Accounts), len(g.OUs), len(g.Policies), w.Organization.ID, len(w.Accounts), len(w.OUs), len(w.Policies))
	}
}

func TestSettingsAreValidForTheDemo(t *testing.T) {
	snap, err := Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	s := Settings(snap)
	if err := s.Validate(snap); err != nil {
		t.Fatalf("demo settings do not validate: %v", err)
	}
	for _, a := range snap.Accounts {
		if a.Email == s.LogArchiveEmail || a.Email == s.AuditEmail {
			t.Fatalf("demo e-mail %s is used by account %s", a.Email, a.ID)
		}
	}
	if s.HomeRegion == "" || s.LogArchiveEmail == s.AuditEmail {
		t.Fatalf("demo settings incomplete: %+v", s)
	}
}
