package demodata

import (
	"bytes"
	"os"
	"testing"
)

// The embedded copy must stay the testdata organization the other tests and docs describe.
func TestEmbeddedCopyMatchesTestdata(t *testing.T) {
	want, err := os.ReadFile("../testdata/orgs/alz2-typical.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, orgJSON) {
		t.Fatal("demodata/alz2-typical.json differs from testdata/orgs/alz2-typical.json: cp testdata/orgs/alz2-typical.json demodata/")
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
