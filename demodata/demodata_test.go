package demodata

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/lz2ct/lz2ct/inventory"
)

// The embedded copy must stay the testdata organization the other tests and docs describe. Byte
// changes that decode to the same organization (a canonical-form change in testdata) are only
// noted, so they do not fail the build before the copy is refreshed; any change of content fails.
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
	if !reflect.DeepEqual(w, g) {
		t.Fatalf("the demo organization is no longer testdata's alz2-typical (demo %s, %d accounts, %d OUs, %d SCPs vs %s, %d, %d, %d): cp testdata/orgs/alz2-typical.json demodata/",
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
