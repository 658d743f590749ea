package steps

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/statefolder"
)

func TestCloudFormationClassify(t *testing.T) {
	get := func(kind string) *Impl {
		im, ok := Lookup(kind)
		if !ok {
			t.Fatalf("%s is not registered", kind)
		}
		return im
	}
	for _, tc := range []struct {
		kind, code string
		want       Class
	}{
		{plans.KindStackSetInstancesDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindConfigStackSetInstancesDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindConfigStackSetInstancesDelete, "OperationInProgressException", RetryLater},
		{plans.KindStackSetInstancesCreate, "OperationInProgressException", RetryLater},
		{plans.KindStackSetInstancesCreate, "StackSetNotFoundException", Failed},
		{plans.KindStackSetCreate, "NameAlreadyExistsException", AlreadyDone},
		{plans.KindStackSetCreate, "LimitExceededException", Failed},
		{plans.KindStackSetDelete, "StackSetNotFoundException", AlreadyDone},
		{plans.KindStackSetDelete, "StackSetNotEmptyException", Failed},
		{plans.KindStackSetDelete, "OperationInProgressException", RetryLater},
		{plans.KindExportStackSet, "StackSetNotFoundException", Failed},
		{plans.KindStackDelete, "Throttling", RetryLater},
		{plans.KindStackDelete, "ValidationError", Failed},
	} {
		if got := get(tc.kind).Classify(apiErr(tc.code)); got != tc.want {
			t.Errorf("%s: Classify(%s) = %v, want %v", tc.kind, tc.code, got, tc.want)
		}
	}
}

// The idempotency tokens lz2ct sends fit CloudFormation's pattern, and each StackSet kind claims
// its StackSet.
func TestCloudFormationTokensAndClaims(t *testing.T) {
	pattern := regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]{0,127}$`)
	create, _ := Lookup(plans.KindStackSetCreate)
	del, _ := Lookup(plans.KindStackDelete)
	for _, tok := range []string{create.Token(plans.StackSetCreate{Region: "eu-west-1", StackSetName: "x"}),
		del.Token(plans.StackDelete{AccountID: "111111111111", Region: "eu-west-1", StackName: "AWS-Landing-Zone-Initiation"})} {
		if !pattern.MatchString(tok) {
			t.Errorf("token %q does not fit ClientRequestToken's pattern", tok)
		}
	}
	for kind, p := range map[string]plans.Params{
		plans.KindStackSetCreate:                plans.StackSetCreate{Region: "r", StackSetName: "s"},
		plans.KindStackSetInstancesCreate:       plans.StackSetInstancesCreate{Region: "r", StackSetName: "s"},
		plans.KindStackSetInstancesDelete:       plans.StackSetInstancesDelete{Region: "r", StackSetName: "s"},
		plans.KindConfigStackSetInstancesDelete: plans.ConfigStackSetInstancesDelete{StackSetInstancesDelete: plans.StackSetInstancesDelete{Region: "r", StackSetName: "s"}},
		plans.KindStackSetDelete:                plans.StackSetDelete{Region: "r", StackSetName: "s"},
	} {
		im, _ := Lookup(kind)
		if c := im.Claims(p); len(c) != 1 || c[0].Kind != StackSet || c[0].Key != "r/s" {
			t.Errorf("%s claims %+v", kind, c)
		}
	}
}

func TestCloudFormationHelpers(t *testing.T) {
	for body, want := range map[string]bool{
		`{"Resources":{"VPC":{"Type":"AWS::EC2::VPC"}}}`:                         true,
		"Resources:\n  VPC:\n    Type: AWS::EC2::VPC\n":                          true,
		"Resources:\n  VPC:\n    Type: 'AWS::EC2::VPC'":                          true,
		`{"Resources":{"A":{"Type":"AWS::EC2::VPCGatewayAttachment"}}}`:          false,
		`{"Resources":{"R":{"Type":"AWS::IAM::Role","Properties":{"A":"VPC"}}}}`: false,
	} {
		if got := templateCreatesVPC(body); got != want {
			t.Errorf("templateCreatesVPC(%q) = %v", body, got)
		}
	}
	for id, ours := range map[string]bool{"lz2ct-abc": true, "lz2ct-abc-2": true, "lz2ct-abcd": false, "someone-else": false} {
		if ourOperation(id, "lz2ct-abc") != ours {
			t.Errorf("ourOperation(%s) != %v", id, ours)
		}
	}
	p := operationPreferences(plans.StackSetPreferences{MaxConcurrentCount: 10, RegionConcurrencyType: "PARALLEL", ConcurrencyMode: "SOFT_FAILURE_TOLERANCE"})
	if aws.ToInt32(p.MaxConcurrentCount) != 10 || p.RegionConcurrencyType != cftypes.RegionConcurrencyTypeParallel ||
		p.ConcurrencyMode != cftypes.ConcurrencyModeSoftFailureTolerance || aws.ToInt32(p.FailureToleranceCount) != 0 {
		t.Errorf("preferences %+v", p)
	}
	if id, err := startStackSetOperation("op-1", apiErr("OperationIdAlreadyExistsException")); id != "op-1" || err != nil {
		t.Errorf("an operation that exists is re-attached to: %q %v", id, err)
	}
	if _, err := startStackSetOperation("op-1", apiErr("OperationInProgressException")); err == nil {
		t.Error("OperationInProgressException swallowed")
	}
}

// The instances export is written summary by summary (170,000 at 10,000 accounts x 17 regions)
// and read back without holding them: the file is still exactly what json.MarshalIndent writes,
// and a file that is not such a list is damaged.
func TestStackInstancesExportIsStreamed(t *testing.T) {
	x := &Exec{Folder: statefolder.Folder{Dir: t.TempDir()}}
	for _, n := range []int{0, 1, 3} {
		want := StackInstancesExport{Summaries: []StackInstanceDoc{}}
		rel := fmt.Sprintf("exports/stacksets/s%d.instances.json", n)
		err := x.WriteExportStream(rel, func(w io.Writer) error {
			iw := newInstancesWriter(w)
			for i := range n {
				d := StackInstanceDoc{StackSetId: "ss:1", Region: "eu-west-1", Account: fmt.Sprintf("11111111111%d", i), Status: "CURRENT", StatusReason: `quote " and <tag>`}
				d.StackInstanceStatus.DetailedStatus = "SUCCEEDED"
				want.Summaries = append(want.Summaries, d)
				if err := iw.add(d); err != nil {
					return err
				}
			}
			return iw.close()
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.ReadExport(rel)
		if err != nil {
			t.Fatal(err)
		}
		wantBytes, _ := json.MarshalIndent(want, "", "  ")
		if string(got) != string(wantBytes)+"\n" {
			t.Errorf("%d summaries:\n%s\nwant\n%s", n, got, wantBytes)
		}
		if c, err := countStackInstances(x, rel); c != n || err != nil {
			t.Errorf("%d summaries counted %d, %v", n, c, err)
		}
	}
	for name, body := range map[string]string{
		"truncated":    `{"Summaries": [{"Account": "1"}, {"Acc`,
		"no list":      `{"Summaries": {"Account": "1"}}`,
		"no summaries": `{"Other": []}`,
		"not a record": `{"Summaries": [{"Account": 1}]}`,
		"two objects":  `{"Summaries": []} {}`,
	} {
		if err := x.WriteExport("exports/bad.json", []byte(body)); err != nil {
			t.Fatal(err)
		}
		if _, err := countStackInstances(x, "exports/bad.json"); err == nil {
			t.Errorf("%s: read as an export", name)
		}
	}
	// A failed write leaves nothing behind.
	if err := x.WriteExportStream("exports/failed.json", func(w io.Writer) error {
		io.WriteString(w, "{")
		return errors.New("ListStackInstances: throttled")
	}); err == nil {
		t.Error("the write's error was lost")
	}
	if _, err := x.ReadExport("exports/failed.json"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed export left a file: %v", err)
	}
}

// The plan's estimate allows for an operation's end being seen as late as the steps' poll cadence
// lets it: the two stay one figure.
func TestPollCadenceIsTheEstimatesLag(t *testing.T) {
	for _, c := range []struct {
		kind string
		lag  int
	}{
		{plans.KindConfigStackSetInstancesDelete, plans.StackSetPollLagSeconds},
		{plans.KindStackSetInstancesDelete, plans.StackSetPollLagSeconds},
		{plans.KindStackSetInstancesCreate, plans.StackSetPollLagSeconds},
		{plans.KindBaselineEnable, plans.RegistrationPollLagSeconds},
	} {
		im, ok := Lookup(c.kind)
		if !ok {
			t.Fatalf("%s is not registered", c.kind)
		}
		if got, want := im.PollEvery().Max, time.Duration(c.lag)*time.Second; got != want {
			t.Errorf("%s polls at most every %s; the estimate allows %s", c.kind, got, want)
		}
	}
	for _, kind := range []string{plans.KindProvisionedProductTerminate, plans.KindStackDelete, plans.KindAccountClose} {
		im, ok := Lookup(kind)
		if !ok {
			t.Fatalf("%s is not registered", kind)
		}
		if got, most := im.PollEvery().Max, time.Duration(plans.DecomPollLagSeconds)*time.Second; got > most {
			t.Errorf("%s polls at most every %s; the estimate allows %s", kind, got, most)
		}
	}
}
