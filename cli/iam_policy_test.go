package cli

import (
	"encoding/json"
	"testing"

	"github.com/lz2ct/lz2ct/awsapi"
)

func TestIAMPolicyReadOnly(t *testing.T) {
	stdout, _, err := discoverRoot(t, "iam-policy", "--read-only")
	if err != nil {
		t.Fatal(err)
	}
	var doc awsapi.PolicyDocument
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("output is not a policy document: %v\n%s", err, stdout)
	}
	for _, action := range []string{"organizations:ListAccountsForParent", "config:DescribeConfigurationRecorders", "sts:AssumeRole", "s3:ListAllMyBuckets"} {
		if !doc.Allows(action) {
			t.Errorf("read-only policy lacks %s", action)
		}
	}
	for _, op := range awsapi.Operations() {
		if op.Mutating && doc.Allows(op.IAMAction) {
			t.Errorf("read-only policy allows mutating %s", op.IAMAction)
		}
	}
}

func TestIAMPolicyRoleNames(t *testing.T) {
	stdout, _, err := discoverRoot(t, "iam-policy", "--read-only", "--role-name", "AuditRole")
	if err != nil {
		t.Fatal(err)
	}
	var doc awsapi.PolicyDocument
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range doc.Statement {
		for _, r := range st.Resource {
			if r == "arn:*:iam::*:role/AuditRole" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("policy does not limit AssumeRole to AuditRole:\n%s", stdout)
	}
	if _, _, err := discoverRoot(t, "iam-policy", "--role-name", "bad/name"); ExitCode(err) != ExitBadInput {
		t.Errorf("bad role name: exit %d, want %d", ExitCode(err), ExitBadInput)
	}
}
