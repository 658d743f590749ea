package steps

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/lz2ct/lz2ct/plans"
)

func TestS3KindsClassify(t *testing.T) {
	for _, tc := range []struct {
		kind, code string
		want       Class
	}{
		{plans.KindBucketDelete, "NoSuchBucket", AlreadyDone},
		{plans.KindBucketDelete, "BucketNotEmpty", RetryLater},
		{plans.KindBucketDelete, "SlowDown", RetryLater},
		{plans.KindBucketDelete, "AccessDenied", Failed},
		{plans.KindBucketCreate, "BucketAlreadyExists", Failed},
		{plans.KindBucketCreate, "SlowDown", RetryLater},
		{plans.KindLogsCopy, "NoSuchBucket", Failed},
		{plans.KindLogsCopy, "InternalError", RetryLater},
		{plans.KindExportBucket, "NoSuchBucket", Failed},
	} {
		im, ok := Lookup(tc.kind)
		if !ok {
			t.Fatalf("%s is not registered", tc.kind)
		}
		if got := im.Classify(apiErr(tc.code)); got != tc.want {
			t.Errorf("%s: Classify(%s) = %v, want %v", tc.kind, tc.code, got, tc.want)
		}
	}
}

// The copy source is the bucket and the key, each path segment URL-encoded (a "+" or a space in a
// key must not turn into the other).
func TestCopySource(t *testing.T) {
	for key, want := range map[string]string{
		"AWSLogs/1/CloudTrail/x.json.gz": "b/AWSLogs/1/CloudTrail/x.json.gz",
		"a b/c+d":                        "b/a%20b/c%2Bd",
		"ümlaut/ä":                       "b/%C3%BCmlaut/%C3%A4",
	} {
		got := copySource("b", key)
		if got != want {
			t.Errorf("copySource(%q) = %q, want %q", key, got, want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != "b/"+key {
			t.Errorf("%q does not decode back to the key: %q", got, back)
		}
	}
}

func TestExportFileStaysInTheFolder(t *testing.T) {
	for key, want := range map[string]string{
		"manifest.yaml":         "manifest.yaml",
		"templates/a.template":  "templates/a.template",
		"../../etc/passwd":      "_escaped/..%2F..%2Fetc%2Fpasswd",
		"a//b":                  "_escaped/a%2F%2Fb",
		"/abs":                  "_escaped/%2Fabs",
		"./here":                "_escaped/.%2Fhere",
		"templates/../x":        "_escaped/templates%2F..%2Fx",
		"Dir with space/f.json": "Dir with space/f.json",
	} {
		if got := exportFile(key); got != want {
			t.Errorf("exportFile(%q) = %q, want %q", key, got, want)
		}
	}
}

// bucket.create adds the writer's statement to a policy already on the bucket, replacing only a
// statement with the same Sid.
func TestWithStatementKeepsOtherStatements(t *testing.T) {
	var w struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(plans.LogWriterPolicy("aws", "111111111111", "dest")), &w); err != nil {
		t.Fatal(err)
	}
	st := w.Statement[0]
	fresh, err := withStatement("", st)
	if err != nil || !hasStatement(fresh, st) {
		t.Fatalf("new policy %s: %v", fresh, err)
	}
	old := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"Other","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::dest/*"},` +
		`{"Sid":"LogCopyWriter","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::dest/*"}]}`
	merged, err := withStatement(old, st)
	if err != nil {
		t.Fatal(err)
	}
	stmts, _ := statements(merged)
	if len(stmts) != 2 || stmts[0]["Sid"] != "Other" || !hasStatement(merged, st) || !strings.Contains(merged, `"Id":"x"`) {
		t.Errorf("merged policy %s", merged)
	}
	one := `{"Version":"2012-10-17","Statement":{"Sid":"Solo","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}`
	if merged, err := withStatement(one, st); err != nil || !strings.Contains(merged, `"Solo"`) || !hasStatement(merged, st) {
		t.Errorf("a single-statement policy: %s, %v", merged, err)
	}
	if _, err := withStatement("not json", st); err == nil {
		t.Error("a policy that is not JSON was merged")
	}
}

func TestByteSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1536: "1.5 KiB", 5 << 30: "5.0 GiB", 100 << 30: "100.0 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}
