package plans

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/checks"
)

// fakeAWS stands in for the AWS CLI: it records every call and answers the queries the plan's
// commands make with plausible values (an operation that has finished, an account ID, ...).
const fakeAWS = `aws() {
  printf 'aws %s\n' "$*" >> "$CALLS"
  case "$*" in
    *"sts assume-role"*) echo "ASIAFAKE secret token";;
    *"describe-create-account-status"*State*) echo SUCCEEDED;;
    *"describe-create-account-status"*AccountId*) echo 111122223333;;
    *"create-account "*) echo car-1234567890;;
    *"get-landing-zone-operation"*|*"get-baseline-operation"*) echo SUCCEEDED;;
    *"create-landing-zone"*) echo op-landing-zone;;
    *"list-landing-zones"*) echo arn:aws:controltower:eu-west-1:853357229539:landingzone/FAKE;;
    *"get-landing-zone "*) echo 444455556666;;
    *"list-baselines"*) echo arn:aws:controltower:eu-west-1::baseline/FAKE;;
    *"list-enabled-baselines"*) echo arn:aws:controltower:eu-west-1:853357229539:enabledbaseline/FAKE;;
    *"enable-baseline"*) printf 'arn:aws:controltower:eu-west-1:853357229539:enabledbaseline/NEW\top-baseline\n';;
    *"list-organizational-units-for-parent"*) echo ou-wkmz-sandbox1;;
    *"create-organizational-unit"*) printf 'ou-wkmz-created1\tarn:aws:organizations::853357229539:ou/o-x/ou-wkmz-created1\n';;
    *"describe-stack-set-operation"*|*"describe-record"*) echo SUCCEEDED;;
    *"provision-product"*|*"terminate-provisioned-product"*) echo rec-fake;;
    *"list-object-versions"*) echo '{"Objects": null}';;
    *"list-pipeline-executions"*) echo Succeeded;;
    *) echo ok;;
  esac
}
`

// Every plan's commands run as printed, in execution order, in bash: no placeholder to fill in,
// every shell variable set by an earlier step before a later one reads it (set -u), exports
// written under exports/.
func TestCLIRunsAsPrinted(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed to run the plan's commands: apt-get install bash")
	}
	for _, name := range testdataOrgs {
		t.Run(name, func(t *testing.T) {
			snap, s := loadOrg(t, name)
			if name == "blockers" {
				s.LogArchiveEmail, s.AuditEmail = "fresh-log@example.org", "fresh-audit@example.org"
			}
			p := mustBuild(t, snap, s, checks.Run(checks.Input{Snapshot: snap, Settings: s}))
			dir := t.TempDir()
			var script strings.Builder
			script.WriteString("set -euo pipefail\n" + fakeAWS)
			for _, st := range p.OrderedSteps() {
				for _, c := range st.CLI {
					script.WriteString(c + "\n")
				}
				script.WriteString("echo " + quote("done "+st.ID) + " >> \"$CALLS\"\n")
			}
			calls := filepath.Join(dir, "calls.log")
			sh := filepath.Join(dir, "plan.sh")
			if err := os.WriteFile(sh, []byte(script.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bash, sh)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CALLS="+calls)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the commands do not run as printed: %v\n%s", err, tail(string(out), 20))
			}
			log, _ := os.ReadFile(calls)
			for _, st := range p.OrderedSteps() {
				if !strings.Contains(string(log), "done "+st.ID+"\n") {
					t.Errorf("the commands stopped before %s", st.ID)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "exports")); err != nil && len(stepsOfKind(p, KindExportSCP)) > 0 {
				t.Errorf("the export commands wrote nothing under exports/: %v", err)
			}
			// The values flowed: the landing zone manifest names the new accounts by ID (or
			// ALZ's, brought in).
			if st := p.Step(KindLandingZoneCreate); st != nil {
				want := `"accountId": "111122223333"`
				if id := st.Params.(LandingZoneCreate).Manifest.LogArchiveAccountID; !id.IsRef() {
					want = `"accountId": "` + id.Literal + `"`
				}
				m, err := os.ReadFile(filepath.Join(dir, "landing-zone-manifest.json"))
				if err != nil || !strings.Contains(string(m), want) {
					t.Errorf("the manifest does not carry the shared account IDs: %v\n%s", err, m)
				}
			}
		})
	}
}

func tail(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}
