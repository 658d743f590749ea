// Package demodata holds the built-in demo organization `lz2ct demo` serves from its in-process
// simulator: a copy of testdata/orgs/alz2-typical.json (a typical ALZ 2.x organization), embedded
// in the binary so the demo needs no files and no AWS account. demodata_test.go fails when the
// copy drifts from testdata.
package demodata

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/settings"
)

//go:embed alz2-typical.json
var orgJSON []byte

// Name describes the demo organization for messages.
const Name = "alz2-typical (a simulated ALZ 2.x organization)"

// JSON returns the demo snapshot file's bytes.
func JSON() []byte { return append([]byte(nil), orgJSON...) }

// Snapshot decodes the demo organization.
func Snapshot() (*inventory.Snapshot, error) {
	s, err := inventory.Decode(orgJSON)
	if err != nil {
		return nil, fmt.Errorf("built-in demo organization: %w", err)
	}
	return s, nil
}

// Settings are the decisions the non-interactive demo takes: the defaults Resolve derives from the
// organization, plus the two e-mails Control Tower needs, made from the management account's
// address with a "+" tag so they are new to AWS (settings.Validate checks that they are unused).
func Settings(snap *inventory.Snapshot) settings.Settings {
	local, domain, ok := strings.Cut(snap.Organization.ManagementAccountEmail, "@")
	if !ok {
		local, domain = "aws", "example.com"
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	s := settings.Settings{
		LogArchiveEmail: local + "+ct-log-archive@" + domain,
		AuditEmail:      local + "+ct-audit@" + domain,
	}
	return s.Resolve(snap)
}
