package sim

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/inventory"
)

// Stop the recorder, delete the delivery channel, delete the recorder: AWS's order and errors, and
// service-linked recorders untouchable.
func TestConfigRecorderRemoval(t *testing.T) {
	s, url := serve(t, fixture(0, testRegions), Options{})
	ctx := context.Background()
	region := testRegions[0] // the fixture's recorder "default" records here, next to a service-linked one
	c := configservice.NewFromConfig(memberConfig(t, url, region, securityID, "OrganizationAccountAccessRole"))
	stop := func(name string) error {
		_, err := c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
		return err
	}
	delRecorder := func(name string) error {
		_, err := c.DeleteConfigurationRecorder(ctx, &configservice.DeleteConfigurationRecorderInput{ConfigurationRecorderName: aws.String(name)})
		return err
	}
	delChannel := func(name string) error {
		_, err := c.DeleteDeliveryChannel(ctx, &configservice.DeleteDeliveryChannelInput{DeliveryChannelName: aws.String(name)})
		return err
	}
	wantCode(t, "channel while the recorder records", delChannel("default"), "LastDeliveryChannelDeleteFailedException")
	wantCode(t, "stop", stop("default"), "")
	wantCode(t, "stop again", stop("default"), "")
	st := must[*configservice.DescribeConfigurationRecorderStatusOutput](t, "status")(c.DescribeConfigurationRecorderStatus(ctx,
		&configservice.DescribeConfigurationRecorderStatusInput{ConfigurationRecorderNames: []string{"default"}}))
	if st.ConfigurationRecordersStatus[0].Recording {
		t.Error("the stopped recorder still records")
	}
	const linked = "AWSConfigurationRecorderForSecurityHub"
	wantCode(t, "stop a service-linked recorder", stop(linked), "UnmodifiableEntityException")
	wantCode(t, "delete a service-linked recorder", delRecorder(linked), "UnmodifiableEntityException")
	wantCode(t, "unknown recorder", stop("nope"), "NoSuchConfigurationRecorderException")
	wantCode(t, "delete channel", delChannel("default"), "")
	wantCode(t, "delete channel again", delChannel("default"), "NoSuchDeliveryChannelException")
	wantCode(t, "delete recorder", delRecorder("default"), "")
	wantCode(t, "delete recorder again", delRecorder("default"), "NoSuchConfigurationRecorderException")

	for _, a := range s.Snapshot().Accounts {
		if a.ID != securityID {
			continue
		}
		for _, ar := range a.Regions {
			if ar.Region != region {
				continue
			}
			if len(ar.DeliveryChannels) != 0 || len(ar.ConfigRecorders) != 1 || ar.ConfigRecorders[0].Name != linked {
				t.Errorf("Snapshot: recorders %+v, channels %+v", ar.ConfigRecorders, ar.DeliveryChannels)
			}
		}
	}
	var targets []string
	for _, call := range s.Calls() {
		if call.Mutating && call.Code == "" {
			targets = append(targets, call.Operation+" "+call.Target)
		}
	}
	want := "StopConfigurationRecorder " + securityID + "/" + region + "/default"
	if len(targets) != 4 || targets[0] != want || targets[2] != "DeleteDeliveryChannel "+securityID+"/"+region+"/default" {
		t.Errorf("audit: %v", targets)
	}
}

// ALZ's guardrail SCP denies Config changes to every principal but ALZ's StackSet execution role,
// in member accounts only; detaching it lifts the deny at once (the cached evaluation follows).
func TestSCPsDenyConfigChangesInMemberAccounts(t *testing.T) {
	snap := fixture(1, testRegions)
	const guard = "p-alzguard1"
	snap.Policies = append(snap.Policies, inventory.Policy{ID: guard, Arn: "arn:aws:organizations::" + mgmtID + ":policy/" + orgID + "/service_control_policy/" + guard,
		Name: "aws-landing-zone-core-mandatory-preventive-guardrails", Targets: []string{coreOU, mgmtID},
		Document: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyConfigChanges","Effect":"Deny","Action":["config:DeleteConfigurationRecorder","config:DeleteDeliveryChannel","config:StopConfigurationRecorder"],"Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole"}}}]}`})
	snap.Sort()
	s, url := serve(t, snap, Options{})
	ctx := context.Background()
	region := testRegions[1]
	stop := func(account, role string) error {
		c := configservice.NewFromConfig(memberConfig(t, url, region, account, role))
		_, err := c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
		return err
	}
	err := stop(securityID, "OrganizationAccountAccessRole")
	wantCode(t, "under the SCP", err, "AccessDeniedException")
	if !strings.Contains(err.Error(), "with an explicit deny in a service control policy: arn:aws:organizations::"+mgmtID+":policy/"+orgID+"/service_control_policy/"+guard) {
		t.Errorf("message: %v", err)
	}
	wantCode(t, "the exempt role", stop(logID, "AWSCloudFormationStackSetExecutionRole"), "")
	wantCode(t, "an account outside the OU", stop("900000000000", "OrganizationAccountAccessRole"), "")
	c := configservice.NewFromConfig(mgmtConfig(url, region))
	_, err = c.StopConfigurationRecorder(ctx, &configservice.StopConfigurationRecorderInput{ConfigurationRecorderName: aws.String("default")})
	wantCode(t, "the management account (SCPs never apply to it)", err, "")

	builds := s.st.rt.scp.builds
	wantCode(t, "still denied (cached)", stop(securityID, "OrganizationAccountAccessRole"), "AccessDeniedException")
	if s.st.rt.scp.builds != builds {
		t.Errorf("the evaluator was rebuilt without a change (%d -> %d builds)", builds, s.st.rt.scp.builds)
	}
	_, err = organizations.NewFromConfig(mgmtConfig(url, "us-east-1")).DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String(guard), TargetId: aws.String(coreOU)})
	wantCode(t, "detach", err, "")
	wantCode(t, "after the detach", stop(securityID, "OrganizationAccountAccessRole"), "")
	if s.st.rt.scp.builds != builds+1 {
		t.Errorf("%d builds after the detach, want %d", s.st.rt.scp.builds, builds+1)
	}
}
