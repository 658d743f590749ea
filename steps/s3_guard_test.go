package steps_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
)

// s3Env is alz2-ct-ready served by a simulator, with the S3 steps of its plan.
type s3Env struct {
	t       *testing.T
	srv     *sim.Server
	url     string
	p       *plans.Plan
	r       *runner
	phaseOf map[string]int
}

func newS3Env(t *testing.T, opts sim.Options) *s3Env {
	t.Helper()
	snap, s := ctReady(t)
	srv := sim.New(snap, opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	p := s3Plan(t, snap, s)
	e := &s3Env{t: t, srv: srv, url: url, p: p, r: &runner{t: t, url: url, dir: t.TempDir(), plan: p}, phaseOf: map[string]int{}}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			e.phaseOf[st.ID] = ph.Number
		}
	}
	return e
}

// only selects the steps for which keep is true.
func only(keep func(*plans.Step) bool) func(*plans.Step) bool { return keep }

func (e *s3Env) step(kind string, i int) plans.Step { return stepsOf(e.p, kind)[i] }

// logBucketDelete is the deletion of ALZ's log bucket (the one with a copy to check).
func (e *s3Env) logBucketDelete() plans.Step {
	for _, st := range stepsOf(e.p, plans.KindBucketDelete) {
		if st.Params.(plans.BucketDelete).CopiedTo != "" {
			return st
		}
	}
	e.t.Fatal("no deletion of a copied log bucket in the plan")
	return plans.Step{}
}

func (e *s3Env) mutatedBucket(op, bucket string) int {
	n := 0
	for _, c := range e.srv.Calls() {
		if c.Operation == op && c.Code == "" && (c.Target == bucket || strings.HasPrefix(c.Target, bucket+"/")) {
			n++
		}
	}
	return n
}

// The dry run observes every S3 step, makes no mutating call and writes nothing; the guard of the
// log bucket's deletion refuses while no copy exists.
func TestS3DryRunIsReadOnly(t *testing.T) {
	e := newS3Env(t, sim.Options{Seed: 2})
	eng, err := engine.New(engine.Options{Plan: e.p, AWS: clientsFor(t, e.url), Folder: statefolder.Folder{Dir: e.r.dir}})
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	notes := map[string]string{}
	for _, pv := range eng.Preview(context.Background()) {
		states[pv.Step] = pv.State
		notes[pv.Step] = pv.Note + pv.Change
	}
	cp := e.step(plans.KindLogsCopy, 0)
	for id, want := range map[string]string{
		e.step(plans.KindExportBucket, 0).ID: engine.PreviewChange,
		e.step(plans.KindBucketCreate, 0).ID: engine.PreviewChange,
		cp.ID:                                engine.PreviewChange,
		e.logBucketDelete().ID:               engine.PreviewUnsafe,
	} {
		if states[id] != want {
			t.Errorf("%s: %s (%s), want %s", id, states[id], notes[id], want)
		}
	}
	src, _ := e.srv.S3Bucket(cp.Params.(plans.LogsCopy).SourceBucket)
	if n, _ := src.Current(); !strings.Contains(notes[cp.ID], fmt.Sprintf("copy %d of %d objects", n, n)) {
		t.Errorf("the copy's preview does not count the objects: %s", notes[cp.ID])
	}
	if !strings.Contains(notes[e.logBucketDelete().ID], "does not exist") {
		t.Errorf("the guard's note: %s", notes[e.logBucketDelete().ID])
	}
	for _, c := range e.srv.Calls() {
		if c.Mutating {
			t.Errorf("the dry run made a mutating call: %+v", c)
		}
	}
	if _, err := os.Stat(filepath.Join(e.r.dir, statefolder.Exports)); err == nil {
		t.Error("the dry run wrote exports")
	}
}

// The log bucket's deletion is refused while an object is not in the copy — logs written after
// the last copy — and goes on once it is there.
func TestBucketDeleteGuardChecksTheCopy(t *testing.T) {
	e := newS3Env(t, sim.Options{Seed: 4})
	del := e.logBucketDelete()
	prm := del.Params.(plans.BucketDelete)
	sum := e.r.run(context.Background(), only(func(st *plans.Step) bool { return st.ID != del.ID }), nil)
	if len(sum.Failed) > 0 {
		t.Fatalf("failed %+v", sum.Failed)
	}
	late := sim.S3Object{Key: "o-late/AWSLogs/after-the-copy.json.gz", Size: 4321}
	if err := e.srv.PutS3Objects(prm.Bucket, late); err != nil {
		t.Fatal(err)
	}
	sum = e.r.run(context.Background(), nil, nil)
	if len(sum.Failed) != 1 || sum.Failed[0].Step != del.ID || !strings.Contains(sum.Failed[0].Error, late.Key) ||
		!strings.Contains(sum.Failed[0].Error, plans.LogsSyncCommand(prm.Bucket, prm.CopiedTo, prm.Region)) {
		t.Fatalf("failed %+v, want the deletion refused naming %s and the sync command", sum.Failed, late.Key)
	}
	if _, ok := e.srv.S3Bucket(prm.Bucket); !ok {
		t.Fatal("the guard did not keep the bucket")
	}
	if n := e.mutatedBucket("DeleteObjects", prm.Bucket) + e.mutatedBucket("DeleteBucket", prm.Bucket); n != 0 {
		t.Errorf("%d deletions in the guarded bucket", n)
	}
	// The operator copies the straggler; resume deletes the bucket.
	if err := e.srv.PutS3Objects(prm.CopiedTo, late); err != nil {
		t.Fatal(err)
	}
	sum = e.r.run(context.Background(), nil, nil)
	if !sum.Complete() {
		t.Fatalf("after the copy: failed %+v", sum.Failed)
	}
	if _, ok := e.srv.S3Bucket(prm.Bucket); ok {
		t.Error("the bucket was not deleted once its logs were all copied")
	}
}

// Above the plan's size limit the copy waits for the operator with the exact aws s3 sync command;
// the real AWS CLI runs it against the simulator, and the step is then done (confirmed or not).
func TestLogsCopyAboveTheLimitWaitsForTheOperator(t *testing.T) {
	aws1, err := exec.LookPath("aws")
	if err != nil {
		t.Fatal("this test runs the AWS CLI's aws s3 sync: install it (pip install awscli, or .ci/run does)")
	}
	e := newS3Env(t, sim.Options{Seed: 6})
	for i := range e.p.Phases {
		for j := range e.p.Phases[i].Steps {
			if st := &e.p.Phases[i].Steps[j]; st.Kind == plans.KindLogsCopy {
				prm := st.Params.(plans.LogsCopy)
				prm.ManualAboveBytes = 1 << 20
				st.Params = prm
			}
		}
	}
	cp := e.step(plans.KindLogsCopy, 0)
	prm := cp.Params.(plans.LogsCopy)
	sum := e.r.run(context.Background(), only(func(st *plans.Step) bool { return e.phaseOf[st.ID] <= 5 }), nil)
	cmd := plans.LogsSyncCommand(prm.SourceBucket, prm.DestinationBucket, prm.Region)
	if len(sum.Waiting) != 1 || sum.Waiting[0].Step != cp.ID || !strings.Contains(sum.Waiting[0].Reason, cmd) {
		t.Fatalf("waiting %+v, want %s waiting with %q", sum.Waiting, cp.ID, cmd)
	}
	if n := e.mutatedBucket("CopyObject", prm.DestinationBucket); n != 0 {
		t.Errorf("%d objects copied above the limit", n)
	}
	// A waiting copy step may be confirmed (a bucket.create step may not).
	eng, err := engine.New(engine.Options{Plan: e.p, State: mustRead(t, e.r.dir), AWS: clientsFor(t, e.url), Folder: statefolder.Folder{Dir: e.r.dir}})
	if err != nil {
		t.Fatal(err)
	}
	if err := eng.Confirm(e.step(plans.KindBucketCreate, 0).ID, "tester", ""); err == nil {
		t.Error("a bucket.create step was confirmed")
	}

	// The operator runs the printed command as ALZ's Log Archive account.
	creds, err := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(e.url),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEXAMPLEEXAMPLE00", "secret", "")}).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + prm.SourceAccountID + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("operator")})
	if err != nil {
		t.Fatal(err)
	}
	args := append(strings.Fields(cmd)[1:], "--endpoint-url", e.url, "--no-progress")
	run := exec.Command(aws1, args...)
	run.Env = append(cleanEnv(), "AWS_ACCESS_KEY_ID="+*creds.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY="+*creds.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN="+*creds.Credentials.SessionToken)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(run.Args, " "), err, out)
	}
	w, err := journal.Open(e.r.dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(journal.Event{Step: cp.ID, Event: journal.EventConfirmed, By: "operator", Note: "ran aws s3 sync"}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	sum = e.r.run(context.Background(), only(func(st *plans.Step) bool { return e.phaseOf[st.ID] <= 5 }), nil)
	if len(sum.Failed)+len(sum.Waiting) > 0 || mustRead(t, e.r.dir).Step(cp.ID).Status != journal.Done {
		t.Fatalf("after the sync: failed %+v, waiting %+v", sum.Failed, sum.Waiting)
	}
	src, _ := e.srv.S3Bucket(prm.SourceBucket)
	dst, _ := e.srv.S3Bucket(prm.DestinationBucket)
	if a, b := src.Current(); a == 0 || !sameCurrent(src, dst) {
		t.Errorf("after aws s3 sync the copy differs from the %d source objects (%d bytes)", a, b)
	}
	// An object over 5 GB cannot be copied in one call: the final copy waits too, whatever the size limit.
	if err := e.srv.PutS3Objects(prm.SourceBucket, sim.S3Object{Key: "o-late/huge.json.gz", Size: 6 << 30}); err != nil {
		t.Fatal(err)
	}
	sum = e.r.run(context.Background(), nil, nil)
	final := e.step(plans.KindLogsCopy, 1)
	if len(sum.Waiting) != 1 || sum.Waiting[0].Step != final.ID || !strings.Contains(sum.Waiting[0].Reason, "5 GB") {
		t.Fatalf("waiting %+v, want %s waiting for the object over 5 GB", sum.Waiting, final.ID)
	}
}

func sameCurrent(a, b sim.S3Bucket) bool {
	cur := func(x sim.S3Bucket) map[string]int64 {
		m := map[string]int64{}
		for _, v := range x.Versions {
			if v.Latest && !v.DeleteMarker {
				m[v.Key] = v.Size
			}
		}
		return m
	}
	ma, mb := cur(a), cur(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, v := range ma {
		if mb[k] != v {
			return false
		}
	}
	return true
}

func mustRead(t *testing.T, dir string) *journal.State {
	t.Helper()
	st, err := journal.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// cleanEnv is the environment without the developer's AWS settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
}

// A bucket that exists already, open to the public and with a policy of its own: bucket.create
// blocks public access and adds the writer's statement, keeping the other one.
func TestBucketCreateKeepsAnExistingPolicy(t *testing.T) {
	e := newS3Env(t, sim.Options{Seed: 8})
	create := e.step(plans.KindBucketCreate, 0)
	prm := create.Params.(plans.BucketCreate)
	owner := prm.AccountID.Literal
	clients := clientsFor(t, e.url)
	cfg, _, err := clients.ForAccount(context.Background(), owner)
	if err != nil {
		t.Fatal(err)
	}
	c := awsapi.S3(awsapi.InRegion(cfg, prm.Region))
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(prm.Bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(prm.Region)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(prm.Bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	other := `{"Version":"2012-10-17","Statement":[{"Sid":"Auditors","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::509183726440:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + prm.Bucket + `/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(prm.Bucket), Policy: aws.String(other)}); err != nil {
		t.Fatal(err)
	}
	sum := e.r.run(ctx, only(func(st *plans.Step) bool { return st.ID == create.ID }), nil)
	if len(sum.Failed) > 0 {
		t.Fatalf("failed %+v", sum.Failed)
	}
	b, _ := e.srv.S3Bucket(prm.Bucket)
	if !b.PublicAccessBlocked || !strings.Contains(b.Policy, `"Auditors"`) || !strings.Contains(b.Policy, `"LogCopyWriter"`) {
		t.Errorf("bucket after bucket.create: blocked %v, policy %s", b.PublicAccessBlocked, b.Policy)
	}
	if e.mutatedBucket("CreateBucket", prm.Bucket) != 1 {
		t.Error("bucket.create created an existing bucket again")
	}
	// Observed again: nothing left to do.
	sum = e.r.run(ctx, only(func(st *plans.Step) bool { return st.ID == create.ID }), nil)
	if len(sum.Failed) > 0 || sum.Previously != 1 {
		t.Errorf("second run: %+v", sum)
	}
}
