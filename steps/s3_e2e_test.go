package steps_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/checks"
	"github.com/lz2ct/lz2ct/engine"
	"github.com/lz2ct/lz2ct/engine/hooks"
	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/sim"
	"github.com/lz2ct/lz2ct/statefolder"
	"github.com/lz2ct/lz2ct/steps"
)

// End to end through the real SDK against the simulator: the S3 kinds of the planner's own plan
// for testdata/orgs/alz2-ct-ready (Control Tower deployed, decommission.copyLogs true).

var s3Kinds = []string{plans.KindExportBucket, plans.KindBucketCreate, plans.KindLogsCopy, plans.KindBucketDelete}

// ctReady is the testdata organization with Control Tower deployed and its settings.
func ctReady(t testing.TB) (*inventory.Snapshot, settings.Settings) {
	t.Helper()
	snap, err := inventory.Load(filepath.Join("..", "testdata", "orgs", "alz2-ct-ready.json"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := settings.Load(filepath.Join("..", "testdata", "settings", "alz2-ct-ready.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return snap, s.Resolve(snap)
}

// s3Plan is the planner's plan cut down to its S3 steps: dependencies on other steps dropped (they
// stand for work other kinds do), and the new Log Archive account — the output of the landing
// zone's verification in the full plan — filled in as the literal the landing zone reports.
func s3Plan(t testing.TB, snap *inventory.Snapshot, s settings.Settings) *plans.Plan {
	t.Helper()
	full, err := plans.Build(snap, s, checks.Report{})
	if err != nil {
		t.Fatal(err)
	}
	la := plans.Lit(snap.ControlTower.LandingZone.LogArchiveAccountID)
	p := *full
	keep := map[string]bool{}
	p.Phases = nil
	for _, ph := range full.Phases {
		ph.Steps = slices.DeleteFunc(slices.Clone(ph.Steps), func(st plans.Step) bool { return !slices.Contains(s3Kinds, st.Kind) })
		for i := range ph.Steps {
			st := &ph.Steps[i]
			keep[st.ID] = true
			switch prm := st.Params.(type) {
			case plans.BucketCreate:
				prm.AccountID = la
				st.Params = prm
			case plans.LogsCopy:
				prm.DestinationAccountID = la
				st.Params = prm
			}
		}
		p.Phases = append(p.Phases, ph)
	}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			st := &p.Phases[i].Steps[j]
			st.DependsOn = slices.DeleteFunc(slices.Clone(st.DependsOn), func(d string) bool { return !keep[d] })
		}
	}
	p.ExecutionOrder = slices.DeleteFunc(slices.Clone(full.ExecutionOrder), func(id string) bool { return !keep[id] })
	return &p
}

func clientsFor(t testing.TB, url string) *awsapi.Clients { return clientsAt(t, url, 0) }

// clientsAt is the client set with a client-side rate (0 = the operations' defaults, -1 = none).
func clientsAt(t testing.TB, url string, rate float64) *awsapi.Clients {
	t.Helper()
	c, err := awsapi.Load(context.Background(), awsapi.Options{EndpointURL: url, Region: "us-east-1", MaxBackoff: 5 * time.Millisecond,
		RatePerSecond: rate, Static: &aws.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE00", SecretAccessKey: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// runner runs a plan against one server, run after run on one state folder (a resume reads the
// journal the run before wrote).
type runner struct {
	t    testing.TB
	url  string
	dir  string
	plan *plans.Plan
	// noRateLimit turns the client-side rate limit off (the crash test wants many runs).
	noRateLimit bool
}

func (r *runner) run(ctx context.Context, selected func(*plans.Step) bool, wrap func(hooks.Hook) hooks.Hook) *engine.Summary {
	r.t.Helper()
	rate := 0.0
	if r.noRateLimit {
		rate = -1
	}
	return runEngine(r.t, ctx, engine.Options{Plan: r.plan, Selected: selected, AWS: clientsAt(r.t, r.url, rate), Folder: statefolder.Folder{Dir: r.dir},
		TimeScale: 1000}, wrap)
}

// stepsOf lists the plan's steps of one kind, in execution order.
func stepsOf(p *plans.Plan, kind string) []plans.Step {
	var out []plans.Step
	for _, st := range p.OrderedSteps() {
		if st.Kind == kind {
			out = append(out, *st)
		}
	}
	return out
}

// mutations counts the successful mutating calls per operation and target.
func mutations(calls []sim.Call) map[string]int {
	out := map[string]int{}
	for _, c := range calls {
		if c.Mutating && c.Code == "" && !c.Replay {
			out[c.Operation+" "+c.Target]++
		}
	}
	return out
}

// opsOfKinds is every "service:Operation" the S3 kinds may call.
func opsOfKinds() map[string]bool {
	out := map[string]bool{}
	for _, k := range s3Kinds {
		spec, _ := plans.LookupKind(k)
		for _, op := range spec.Operations {
			out[op] = true
		}
	}
	out["sts:GetCallerIdentity"] = true // the client set's identity, once per run
	return out
}

func TestS3KindsEndToEnd(t *testing.T) {
	snap, s := ctReady(t)
	srv := sim.New(snap, sim.Options{Seed: 11})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := s3Plan(t, snap, s)
	copies := stepsOf(p, plans.KindLogsCopy)
	creates := stepsOf(p, plans.KindBucketCreate)
	deletes := stepsOf(p, plans.KindBucketDelete)
	exports := stepsOf(p, plans.KindExportBucket)
	if len(copies) != 2 || len(creates) != 1 || len(deletes) != 4 || len(exports) != 1 {
		t.Fatalf("plan: %d copies, %d creates, %d deletes, %d exports", len(copies), len(creates), len(deletes), len(exports))
	}
	cp := copies[0].Params.(plans.LogsCopy)
	src, _ := srv.S3Bucket(cp.SourceBucket)
	srcObjects, srcBytes := src.Current()
	confBucket := exports[0].Params.(plans.ExportBucket)
	conf, _ := srv.S3Bucket(confBucket.Bucket)

	// Phases 0 to 5 first; then ALZ writes more logs before the decommission (its trails are
	// removed with the StackSets), and the rest of the plan runs.
	r := &runner{t: t, url: url, dir: t.TempDir(), plan: p}
	phaseOf := map[string]int{}
	for _, ph := range p.Phases {
		for _, st := range ph.Steps {
			phaseOf[st.ID] = ph.Number
		}
	}
	sum := r.run(context.Background(), func(st *plans.Step) bool { return phaseOf[st.ID] <= 5 }, nil)
	if len(sum.Failed) > 0 || len(sum.Waiting) > 0 {
		t.Fatalf("phases 0-5: failed %+v, waiting %+v", sum.Failed, sum.Waiting)
	}
	late := []sim.S3Object{{Key: "o-late/AWSLogs/late-1.json.gz", Size: 1234}, {Key: "o-late/AWSLogs/late-2.json.gz", Size: 99}}
	if err := srv.PutS3Objects(cp.SourceBucket, late...); err != nil {
		t.Fatal(err)
	}
	sum = r.run(context.Background(), nil, nil)
	if !sum.Complete() {
		t.Fatalf("failed %+v, waiting %+v, not started %+v", sum.Failed, sum.Waiting, sum.NotStarted)
	}

	// The export holds every current object of the configuration bucket.
	raw, err := os.ReadFile(filepath.Join(r.dir, "exports", "buckets", confBucket.Bucket+".index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx steps.BucketExport
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if n, _ := conf.Current(); len(idx.Objects) != n || n == 0 {
		t.Errorf("export index lists %d objects, the bucket held %d", len(idx.Objects), n)
	}
	man, err := os.ReadFile(filepath.Join(r.dir, confBucket.Path, "manifest.yaml"))
	if err != nil || !strings.Contains(string(man), "organizational_units:") {
		t.Errorf("exported manifest.yaml: %v\n%s", err, man)
	}

	// The destination: in the new Log Archive account, private, writable by ALZ's, holding every
	// log object (the late ones too) with its size.
	dest, ok := srv.S3Bucket(cp.DestinationBucket)
	if !ok || dest.Account != snap.ControlTower.LandingZone.LogArchiveAccountID || !dest.PublicAccessBlocked || !strings.Contains(dest.Policy, cp.SourceAccountID) {
		t.Fatalf("destination %+v", dest)
	}
	want := map[string]int64{}
	for _, v := range src.Versions {
		if v.Latest && !v.DeleteMarker {
			want[v.Key] = v.Size
		}
	}
	for _, o := range late {
		want[o.Key] = o.Size
	}
	got := map[string]int64{}
	for _, v := range dest.Versions {
		got[v.Key] = v.Size
	}
	if len(got) != len(want) {
		t.Errorf("destination holds %d objects, want %d", len(got), len(want))
	}
	for k, size := range want {
		if got[k] != size {
			t.Errorf("%s: %d bytes in the copy, %d in the source", k, got[k], size)
		}
	}
	jst, err := journal.Read(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	outs := jst.Outputs(copies[0].ID)
	if outs[plans.OutputObjectCount] != itoa(srcObjects) || outs[plans.OutputTotalBytes] != itoa64(srcBytes) {
		t.Errorf("first copy outputs %v, want %d objects, %d bytes", outs, srcObjects, srcBytes)
	}

	// Every ALZ bucket the plan deletes is gone, from S3 and from what discovery would report.
	for _, d := range deletes {
		b := d.Params.(plans.BucketDelete).Bucket
		if _, ok := srv.S3Bucket(b); ok {
			t.Errorf("%s still exists", b)
		}
	}
	if left := srv.Snapshot().ALZ.Buckets; len(left) != 0 {
		t.Errorf("buckets left in the snapshot: %+v", left)
	}

	// Each mutation applied once; every call is one the kinds declare.
	muts := mutations(srv.Calls())
	for k, n := range muts {
		if n != 1 {
			t.Errorf("%s applied %d times", k, n)
		}
	}
	if n := countPrefix(muts, "CopyObject "); n != len(want) {
		t.Errorf("%d CopyObject calls for %d objects", n, len(want))
	}
	// S3 blocks public access on new buckets itself: bucket.create reads that and sets only the policy.
	for op, n := range map[string]int{"CreateBucket ": 1, "PutPublicAccessBlock ": 0, "PutBucketPolicy ": 1} {
		if muts[op+cp.DestinationBucket] != n {
			t.Errorf("%s%s: %d calls, want %d", op, cp.DestinationBucket, muts[op+cp.DestinationBucket], n)
		}
	}
	for _, d := range deletes {
		if muts["DeleteBucket "+d.Params.(plans.BucketDelete).Bucket] != 1 {
			t.Errorf("DeleteBucket %s not called once", d.Params.(plans.BucketDelete).Bucket)
		}
	}
	allowed := opsOfKinds()
	for _, c := range srv.Calls() {
		if !allowed[c.Service+":"+c.Operation] {
			t.Errorf("%s:%s is called but no S3 kind declares it", c.Service, c.Operation)
		}
	}
}

func countPrefix(m map[string]int, prefix string) int {
	n := 0
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

func itoa(n int) string { return itoa64(int64(n)) }

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// BenchmarkLogsCopy copies a log bucket of 10,000 objects (the made-up ones and more) into the new
// Log Archive account against the simulator, at the client's default rate and without a limit:
// objects/s is the figure (go test ./steps -run '^$' -bench LogsCopy -benchtime 1x).
func BenchmarkLogsCopy(b *testing.B) {
	for _, rate := range []struct {
		name  string
		noLim bool
	}{{"default-rate", false}, {"no-rate-limit", true}} {
		b.Run(rate.name, func(b *testing.B) {
			t := b
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				snap, s := ctReady(t)
				srv := sim.New(snap, sim.Options{Seed: 1})
				url, err := srv.Start("127.0.0.1:0")
				if err != nil {
					b.Fatal(err)
				}
				p := s3Plan(t, snap, s)
				cp := stepsOf(p, plans.KindLogsCopy)[0]
				src := cp.Params.(plans.LogsCopy).SourceBucket
				var objs []sim.S3Object
				have, _ := srv.S3Bucket(src)
				n, _ := have.Current()
				for k := n; k < 10000; k++ {
					objs = append(objs, sim.S3Object{Key: "bench/" + itoa(k) + ".json.gz", Size: 2048})
				}
				if err := srv.PutS3Objects(src, objs...); err != nil {
					b.Fatal(err)
				}
				r := &runner{t: t, url: url, dir: b.TempDir(), plan: p, noRateLimit: rate.noLim}
				sel := func(st *plans.Step) bool { return st.ID == cp.ID || st.Kind == plans.KindBucketCreate }
				b.StartTimer()
				start := time.Now()
				sum := r.run(context.Background(), sel, nil)
				el := time.Since(start)
				b.StopTimer()
				if len(sum.Failed) > 0 {
					b.Fatalf("failed %+v", sum.Failed)
				}
				b.ReportMetric(10000/el.Seconds(), "objects/s")
				srv.Close()
			}
		})
	}
}
