package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/lz2ct/lz2ct/plans"
)

// The whole migration, phases 0 to 6, of each testdata organization without blockers — with
// Control Tower set up by API, and for alz2-typical both with new shared accounts and bringing
// ALZ's own — through the planner's plan as lz2ct plan writes it and the engine against the
// simulator (the rehearsal: an unattended operator does the manual steps' moves, confirms them and
// types the organization ID). Every step must finish; then the real AWS CLI, asked against the
// simulated organization, must agree: an ACTIVE landing zone, every planned OU registered, no ALZ
// SCP, KMS alias, SSM parameter or StackSet the plan deletes left behind.
func TestFullMigrationOfEachTestdataOrganization(t *testing.T) {
	awsBin, err := exec.LookPath("aws")
	if err != nil {
		t.Fatal("this test asks the AWS CLI what the migrated organization looks like: pip install awscli (v1), or apt-get install awscli (.ci/run does)")
	}
	for _, c := range []struct{ org, settings string }{
		{"alz2-typical", "alz2-typical"},
		{"alz2-typical", "alz2-existing"},
		{"alz1-legacy", "alz1-legacy"},
		{"alz2-midway", "alz2-midway"},
		{"alz2-ct-ready", "alz2-ct-ready"},
	} {
		t.Run(c.settings, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join("..", "testdata", "orgs", c.org+".json"))
			if err != nil {
				t.Fatal(err)
			}
			snapshot := filepath.Join(dir, "snapshot.json")
			if err := os.WriteFile(snapshot, data, 0o600); err != nil {
				t.Fatal(err)
			}
			planFile := filepath.Join(dir, "plan.json")
			ios, _, out, errOut := iostreams.Test()
			root := NewRootCmd(&Factory{IO: ios})
			root.SetArgs([]string{"plan", "--snapshot", snapshot, "--settings", filepath.Join("..", "testdata", "settings", c.settings+".yaml"), "-o", planFile})
			if err := root.Execute(); err != nil {
				t.Fatalf("plan: %v\n%s", err, errOut)
			}
			p, err := plans.Load(planFile)
			if err != nil {
				t.Fatal(err)
			}
			out.Reset()
			opts := &RehearseOptions{IO: ios, PlanFile: planFile, TimeScale: 5000, Format: "text", Quiet: true,
				Inspect: func(url string) error { agreeWithAWSCLI(t, awsBin, url, p); return nil }}
			if err := runRehearse(&Factory{IO: ios}, opts); err != nil {
				t.Fatalf("the migration did not finish: exit %d: %v\n%s\n%s", ExitCode(err), err, out, errOut)
			}
			if !strings.Contains(out.String(), "Every step finished") {
				t.Fatalf("the rehearsal does not say every step finished:\n%s", out)
			}
		})
	}
}

// agreeWithAWSCLI asks the real AWS CLI (the management account's key the simulator knows) what the
// plan said would be so.
func agreeWithAWSCLI(t *testing.T, bin, url string, p *plans.Plan) {
	t.Helper()
	home := p.Settings.HomeRegion
	cache := map[string][]byte{} // one call per question: each AWS CLI start costs most of a second
	awsJSON := func(v any, args ...string) {
		t.Helper()
		key := strings.Join(args, " ")
		if got, ok := cache[key]; ok {
			if err := json.Unmarshal(got, v); err != nil {
				t.Fatal(err)
			}
			return
		}
		cmd := exec.Command(bin, append(args, "--output", "json")...)
		cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL="+url, "AWS_ACCESS_KEY_ID=AKIAEXAMPLEEXAMPLE00", "AWS_SECRET_ACCESS_KEY=secret",
			"AWS_DEFAULT_REGION="+home, "AWS_REGION="+home, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		got, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		if err := json.Unmarshal(got, v); err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, got)
		}
		cache[key] = got
	}

	var lzs struct{ LandingZones []struct{ Arn string } }
	awsJSON(&lzs, "controltower", "list-landing-zones")
	if len(lzs.LandingZones) != 1 {
		t.Fatalf("landing zones %+v, want one", lzs.LandingZones)
	}
	var lz struct{ LandingZone struct{ Status string } }
	awsJSON(&lz, "controltower", "get-landing-zone", "--landing-zone-identifier", lzs.LandingZones[0].Arn)
	if lz.LandingZone.Status != "ACTIVE" {
		t.Errorf("landing zone %s, want ACTIVE", lz.LandingZone.Status)
	}
	var ebs struct {
		EnabledBaselines []struct{ TargetIdentifier, BaselineIdentifier string }
	}
	awsJSON(&ebs, "controltower", "list-enabled-baselines")
	var policies struct{ Policies []struct{ Id, Name string } }
	awsJSON(&policies, "organizations", "list-policies", "--filter", "SERVICE_CONTROL_POLICY")
	var aliases struct{ Aliases []struct{ AliasName string } }
	var stackSets struct {
		Summaries []struct{ StackSetName string }
	}

	for _, st := range p.OrderedSteps() {
		switch prm := st.Params.(type) {
		case plans.BaselineEnable:
			if ou := prm.OUID; !ou.IsRef() && !slices.ContainsFunc(ebs.EnabledBaselines, func(b struct{ TargetIdentifier, BaselineIdentifier string }) bool {
				return strings.HasSuffix(b.TargetIdentifier, "/"+ou.Literal)
			}) {
				t.Errorf("%s: OU %s has no enabled baseline", st.ID, ou.Literal)
			}
		case plans.SCPDelete:
			if slices.ContainsFunc(policies.Policies, func(x struct{ Id, Name string }) bool { return x.Id == prm.PolicyID }) {
				t.Errorf("%s: SCP %s is still there", st.ID, prm.PolicyID)
			}
		case plans.KMSAliasDelete:
			aliases.Aliases = nil
			awsJSON(&aliases, "kms", "list-aliases", "--region", prm.Region)
			for _, a := range aliases.Aliases {
				if a.AliasName == prm.AliasName {
					t.Errorf("%s: KMS alias %s is still there", st.ID, prm.AliasName)
				}
			}
			if prm.ScheduleKeyDeletion { // alz1-legacy's settings choose it
				var key struct{ KeyMetadata struct{ KeyState string } }
				awsJSON(&key, "kms", "describe-key", "--key-id", prm.TargetKeyID, "--region", prm.Region)
				if key.KeyMetadata.KeyState != "PendingDeletion" {
					t.Errorf("%s: key %s is %s, not PendingDeletion", st.ID, prm.TargetKeyID, key.KeyMetadata.KeyState)
				}
			}
		case plans.SSMParametersDelete:
			var got struct{ Parameters []struct{ Name string } }
			awsJSON(&got, append([]string{"ssm", "get-parameters", "--region", prm.Region, "--names"}, prm.Names[:min(len(prm.Names), 10)]...)...)
			for _, x := range got.Parameters {
				t.Errorf("%s: SSM parameter %s is still there", st.ID, x.Name)
			}
		case plans.StackSetDelete:
			stackSets.Summaries = nil
			awsJSON(&stackSets, "cloudformation", "list-stack-sets", "--status", "ACTIVE", "--region", prm.Region)
			for _, s := range stackSets.Summaries {
				if s.StackSetName == prm.StackSetName {
					t.Errorf("%s: StackSet %s is still there", st.ID, prm.StackSetName)
				}
			}
		}
	}
}
