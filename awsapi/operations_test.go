package awsapi

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/aws-operations.md from the operations table")

const docPath = "../docs/aws-operations.md"

func TestOperationsDocIsCurrent(t *testing.T) {
	want := OperationsMarkdown()
	if *update {
		if err := os.WriteFile(docPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatalf("%v (run go test ./awsapi -update)", err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with awsapi/operations.go: run go test ./awsapi -update", docPath)
	}
}

func TestOperationsTableIsComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, op := range operations {
		key := op.Service + ":" + op.Operation
		if seen[key] {
			t.Errorf("%s listed twice", key)
		}
		seen[key] = true
		if op.Protocol == "" || op.Doc == "" || op.Idempotency == "" || op.As == "" || len(op.UsedBy) == 0 {
			t.Errorf("%s: protocol, doc, idempotency, as and usedBy are all required", key)
		}
		if !strings.HasPrefix(op.Doc, "https://docs.aws.amazon.com/") {
			t.Errorf("%s: doc %q is not an AWS documentation page", key, op.Doc)
		}
		if op.IAMAction == "" || !strings.Contains(op.IAMAction, ":") {
			t.Errorf("%s: IAM action %q", key, op.IAMAction)
		}
		if got, ok := Lookup(op.Service, op.Operation); !ok || got.Operation != op.Operation {
			t.Errorf("Lookup(%s) failed", key)
		}
	}
}

func TestServiceNameMapsSDKServiceIDs(t *testing.T) {
	for id, want := range map[string]string{"Config Service": "config", "SSO Admin": "sso", "Organizations": "organizations",
		"Service Catalog": "servicecatalog", "Service Quotas": "servicequotas", "STS": "sts", "S3": "s3"} {
		if got := ServiceName(id); got != want {
			t.Errorf("ServiceName(%q) = %q, want %q", id, got, want)
		}
	}
}

func TestPolicy(t *testing.T) {
	p := Policy(true, nil)
	if p.Version != "2012-10-17" {
		t.Fatalf("version %q", p.Version)
	}
	for _, op := range operations {
		if !op.Mutating && !p.Allows(op.IAMAction) {
			t.Errorf("read-only policy misses %s", op.IAMAction)
		}
		if op.Mutating && p.Allows(op.IAMAction) {
			t.Errorf("read-only policy allows mutating %s", op.IAMAction)
		}
	}
	var assume *PolicyStatement
	for i, st := range p.Statement {
		for _, a := range st.Action {
			if a == "sts:AssumeRole" {
				assume = &p.Statement[i]
			}
		}
		if st.Effect != "Allow" || st.Sid == "" || len(st.Resource) == 0 {
			t.Errorf("statement %+v: want Allow, a Sid and resources", st)
		}
	}
	if assume == nil {
		t.Fatal("no sts:AssumeRole statement")
	}
	for _, r := range assume.Resource {
		if r == "*" {
			t.Fatal("sts:AssumeRole on * is not least privilege")
		}
	}
	if len(assume.Resource) != len(DefaultRoleNames) {
		t.Errorf("AssumeRole resources %v, want one per default role", assume.Resource)
	}
	custom := Policy(true, []string{"MyAuditRole"})
	found := false
	for _, st := range custom.Statement {
		for _, r := range st.Resource {
			if r == "arn:*:iam::*:role/MyAuditRole" {
				found = true
			}
			if strings.HasSuffix(r, "role/AWSControlTowerExecution") {
				t.Errorf("custom role list still allows %s", r)
			}
		}
	}
	if !found {
		t.Error("custom role name not in the policy")
	}
	if _, err := p.JSON(); err != nil {
		t.Fatal(err)
	}
}
