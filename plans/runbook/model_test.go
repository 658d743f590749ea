package runbook

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func cfgStep(acct, name, region string) stepIn {
	return stepIn{
		ID: "config.remove/" + acct + "/" + region, Kind: "config.remove", Account: acct, AccountName: name, Region: region,
		Title:       "Remove AWS Config from " + acct + " (" + name + ") in " + region,
		Why:         "Control Tower cannot enroll an account with a recorder.",
		CLI:         []string{"aws cloudformation delete-stack-instances --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig --accounts " + acct + " --regions " + region + " --no-retain-stacks"},
		Guard:       "The OU's SCPs no longer deny config:Delete*.",
		Destructive: true,
	}
}

func headline(kind, ou string) stepIn {
	return stepIn{ID: kind + "/" + ou, Kind: kind, OU: ou, Title: kind + " " + ou, CLI: []string{"aws x --target " + ou}}
}

func ids(items []item) []string {
	var out []string
	for _, it := range items {
		if it.Step != nil {
			out = append(out, "step:"+it.Step.ID)
		} else {
			var rows []string
			for _, r := range it.Group.Rows {
				rows = append(rows, r.ID)
			}
			out = append(out, "group:"+strings.Join(rows, ","))
		}
	}
	return out
}

func nums(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("4.%d", i+1)
	}
	return out
}

func TestGroupKeepsHeadlinesAndTablesPerSegment(t *testing.T) {
	enroll := func(acct, name, prev string) stepIn {
		s := stepIn{ID: "enroll/" + acct, Kind: "enroll", Account: acct, AccountName: name,
			Title:     "Enroll " + name,
			CLI:       []string{"aws servicecatalog provision-product --provisioned-product-name " + name + " --provision-token enroll-" + acct},
			DependsOn: []string{"config.remove/" + acct + "/eu-west-1"}}
		if prev != "" {
			s.DependsOn = append(s.DependsOn, prev)
		}
		return s
	}
	steps := []stepIn{
		headline("scp.detach", "ou-aa11-11111111"),
		cfgStep("111111111111", "app-1", "eu-west-1"),
		cfgStep("111111111111", "app-1", "us-east-1"),
		cfgStep("222222222222", "app-2", "eu-west-1"),
		cfgStep("222222222222", "app-2", "us-east-1"),
		headline("ou.register", "ou-aa11-11111111"),
		cfgStep("333333333333", "loose-3", "eu-west-1"),
		enroll("333333333333", "loose-3", ""),
		cfgStep("444444444444", "loose-4", "eu-west-1"),
		enroll("444444444444", "loose-4", "enroll/333333333333"),
	}
	items := group(steps, nums(len(steps)), statusOf(nil))
	want := []string{
		"step:scp.detach/ou-aa11-11111111",
		"group:config.remove/111111111111/eu-west-1,config.remove/111111111111/us-east-1,config.remove/222222222222/eu-west-1,config.remove/222222222222/us-east-1",
		"step:ou.register/ou-aa11-11111111",
		"group:config.remove/333333333333/eu-west-1,config.remove/444444444444/eu-west-1",
		"group:enroll/333333333333,enroll/444444444444",
	}
	if got := ids(items); !reflect.DeepEqual(got, want) {
		t.Fatalf("items\n got %q\nwant %q", got, want)
	}
	cfg := items[1].Group
	if cfg.First != "4.2" || cfg.Last != "4.5" {
		t.Errorf("numbers %s–%s, want 4.2–4.5", cfg.First, cfg.Last)
	}
	if cfg.Title != "Remove AWS Config from <account-id> (<account-name>) in <region>" {
		t.Errorf("title template %q", cfg.Title)
	}
	if want := "aws cloudformation delete-stack-instances --stack-set-name AWS-Landing-Zone-Baseline-EnableConfig --accounts <account-id> --regions <region> --no-retain-stacks"; cfg.CLI[0] != want {
		t.Errorf("CLI template\n got %s\nwant %s", cfg.CLI[0], want)
	}
	if !reflect.DeepEqual(cfg.Placeholder, []string{phAccount, phAccountName, phRegion}) {
		t.Errorf("placeholders %v", cfg.Placeholder)
	}
	// The region column is left out: every step ID already ends in the region.
	if !cfg.Cols.Account || cfg.Cols.Region || cfg.Cols.OU || cfg.Cols.After || !cfg.Destructive {
		t.Errorf("columns %+v destructive %v", cfg.Cols, cfg.Destructive)
	}
	en := items[4].Group
	if !reflect.DeepEqual(en.DependsOn, []string{"config.remove/<account-id>/eu-west-1"}) {
		t.Errorf("common deps %v", en.DependsOn)
	}
	if en.Rows[0].After != "" || en.Rows[1].After != "enroll/333333333333" || !en.Cols.After {
		t.Errorf("row deps %q %q", en.Rows[0].After, en.Rows[1].After)
	}
}

func TestGroupSplitsStepsThatDifferBeyondTheirTarget(t *testing.T) {
	a := cfgStep("111111111111", "app-1", "eu-west-1")
	b := cfgStep("222222222222", "app-2", "eu-west-1")
	b.Guard = "Something else entirely."
	items := group([]stepIn{a, b}, nums(2), statusOf(nil))
	if got := ids(items); len(got) != 2 || !strings.HasPrefix(got[0], "step:") || !strings.HasPrefix(got[1], "step:") {
		t.Fatalf("items %q, want two single steps", got)
	}
}

func TestGroupHeadlineRuns(t *testing.T) {
	mk := func(n int) []stepIn {
		var out []stepIn
		for i := range n {
			out = append(out, stepIn{ID: fmt.Sprintf("decommission/ssm/p%d", i), Kind: "ssm.delete",
				Resource: fmt.Sprintf("/org/member/param%d", i), Title: fmt.Sprintf("Delete /org/member/param%d", i),
				CLI: []string{fmt.Sprintf("aws ssm delete-parameter --name /org/member/param%d", i)}})
		}
		return out
	}
	if got := ids(group(mk(minHeadlineRun-1), nums(minHeadlineRun-1), statusOf(nil))); len(got) != minHeadlineRun-1 {
		t.Errorf("short run grouped: %q", got)
	}
	got := group(mk(minHeadlineRun+2), nums(minHeadlineRun+2), statusOf(nil))
	if len(got) != 1 || got[0].Group == nil || len(got[0].Group.Rows) != minHeadlineRun+2 {
		t.Fatalf("long run not grouped: %q", ids(got))
	}
	if g := got[0].Group; g.CLI[0] != "aws ssm delete-parameter --name <resource>" || !g.Cols.Resource {
		t.Errorf("resource template %q cols %+v", g.CLI[0], g.Cols)
	}
}

func TestReplaceWord(t *testing.T) {
	tests := []struct{ s, old, want string }{
		{"enroll prod in production", "prod", "enroll X in production"},
		{"prod", "prod", "X"},
		{"a/111111111111/b", "111111111111", "a/X/b"},
		{"1111111111112", "111111111111", "1111111111112"},
		{"eu-west-1 and eu-west-12", "eu-west-1", "X and eu-west-12"},
		{"bucket-123456789012-eu-west-1", "eu-west-1", "bucket-123456789012-X"},
	}
	for _, tt := range tests {
		if got := replaceWord(tt.s, tt.old, "X"); got != tt.want {
			t.Errorf("replaceWord(%q, %q) = %q, want %q", tt.s, tt.old, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, gone string }{
		{"AccessDenied for AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"},
		{"creds ASIAXXXXXXXXXXXXXXXX expired", "XXXXXXXXXXXXXXXX"},
		{"aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"},
		{`{"SessionToken": "FwoGZXIvYXdzEJr//////////wEaDE"}`, "FwoGZXIvYXdzEJr"},
		{"X-Amz-Security-Token: IQoJb3JpZ2luX2VjEJr", "IQoJb3JpZ2luX2VjEJr"},
		{"aws configure set --secret-access-key abcdEFGH1234", "abcdEFGH1234"},
		{"Credential=AKIA/20261127, Signature=" + strings.Repeat("ab", 32), strings.Repeat("ab", 32)},
	}
	for _, tt := range tests {
		got := redact(tt.in)
		if strings.Contains(got, tt.gone) || !strings.Contains(got, "REDACTED") {
			t.Errorf("redact(%q) = %q, still has %q", tt.in, got, tt.gone)
		}
	}
	for _, keep := range []string{
		"Delete the AWS-Landing-Zone-Baseline-IamPasswordPolicy StackSet",
		"aws organizations detach-policy --policy-id p-abcd1234 --target-id ou-ab12-cd34ef56",
		"IAM password policy stays as it is",
	} {
		if got := redact(keep); got != keep {
			t.Errorf("redact(%q) = %q, want it unchanged", keep, got)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	if got := mdText("lz_core_* <b>|x"); got != `lz\_core\_\* \<b\>\|x` {
		t.Errorf("mdText = %s", got)
	}
	if got := mdCode("a`b|c"); got != "``a`b\\|c``" {
		t.Errorf("mdCode = %s", got)
	}
	if got := codeFence("x ``` y"); got != "````" {
		t.Errorf("codeFence = %s", got)
	}
}

func TestSummarizeDeps(t *testing.T) {
	num := map[string]string{}
	var deps []string
	for i := range 12 {
		id := fmt.Sprintf("account.move/1111111111%02d", i)
		deps = append(deps, id)
		num[id] = fmt.Sprint(100 + i)
	}
	deps = append(deps, "config.stackset/ou-1", "deploy/landing-zone")
	got := summarizeDeps(deps, num)
	want := []string{"12 × account.move/… (steps 100–111)", "config.stackset/ou-1", "deploy/landing-zone"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summarizeDeps = %q, want %q", got, want)
	}
	short := deps[:maxDeps]
	if got := summarizeDeps(short, num); !reflect.DeepEqual(got, short) {
		t.Errorf("a short list was summarized: %q", got)
	}
}

func TestPrintableShortensOnlyHugeCommands(t *testing.T) {
	small := "aws organizations detach-policy --policy-id p-1 --target-id ou-1"
	if printable(small, "s", 0) != small {
		t.Error("a short command was changed")
	}
	huge := "aws cloudformation delete-stack-instances --stack-set-name X --accounts " + strings.Repeat("123456789012 ", 1000)
	got := printable(huge, "decommission/stackset/X", 1)
	if len(got) > 1000 || !strings.Contains(got, `select(.id=="decommission/stackset/X") | .cli[1]`) {
		t.Errorf("huge command printed as %q", got)
	}
	// Every line that is not the jq one-liner is a shell comment: nothing truncated can run.
	for _, line := range strings.Split(got, "\n") {
		if !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "jq ") {
			t.Errorf("runnable truncated line %q", line)
		}
	}
}

// The one-pass prefilter agrees with the lower-cased copy it replaced, Unicode case folding included.
func TestMayHoldSecretMatchesLowerCasedCopy(t *testing.T) {
	for _, s := range []string{"", "plain text", "AKIAIOSFODNN7EXAMPLE", "xAsIa", "Secret", "my-TOKEN", "PassWord:",
		"Signature=ab", "signature", "tokEn\u212a", "to\u212aen", "s\u00e9cret", "pa", "akI", "aws_session_token=abc", "\u00dfecret",
		"secre", "toke", "passwor", "xsignature=", "aakia", "ssecret", "SECRE T", "t0ken", "@KIA", "[oken"} {
		if got, want := mayHoldSecret(s), holdsSecretWord(s); got != want {
			t.Errorf("mayHoldSecret(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzMayHoldSecret(f *testing.F) {
	for _, s := range []string{"AKIAIOSFODNN7EXAMPLE", "x-amz-security-TOKEN: y", "--password=p", "Signature=0f", "s\u00e9cret"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := mayHoldSecret(s), holdsSecretWord(s); got != want {
			t.Errorf("mayHoldSecret(%q) = %v, want %v", s, got, want)
		}
	})
}

// holdsSecretWord is what mayHoldSecret computes, the slow way.
func holdsSecretWord(s string) bool {
	lower := strings.ToLower(s)
	for _, w := range secretWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// The prefilter runs over every text of a runbook: a 10,000-account plan's step titles, IDs and
// commands are megabytes (go test -run '^$' -bench MayHoldSecret ./plans/runbook).
func BenchmarkMayHoldSecret(b *testing.B) {
	texts := []string{
		"RECORD_ID=$(aws servicecatalog terminate-provisioned-product --provisioned-product-id pp-00t9bbyigjqxu --region us-east-1 --query RecordDetail.RecordId --output text)",
		"while aws servicecatalog describe-record --id \"$RECORD_ID\" --region us-east-1 --query RecordDetail.Status --output text | grep -qxE 'CREATED|IN_PROGRESS|IN_PROGRESS_IN_ERROR'; do sleep 30; done",
		"Terminate provisioned product lz_nonprod_nonprod-edge-11_2023-05-20-23-02-00",
		"provisioned-product.terminate/pp-00t9bbyigjqxu",
	}
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range texts {
			if mayHoldSecret(s) {
				b.Fatalf("%q holds no secret word", s)
			}
		}
	}
}
