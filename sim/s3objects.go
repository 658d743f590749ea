package sim

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// The simulator's S3: buckets with their owner, region, versioning, policy and public access block,
// and objects with keys, sizes, ETags, versions and delete markers. The snapshot models ALZ's buckets
// but no objects; the objects of those buckets are made up deterministically from the seed the first
// time a call reads them (a bucket nobody lists costs nothing, so a 5,000-account organization costs
// no more than a small one), and CopyObject, PutObject and DeleteObjects change them like any state.
// Object bodies are not stored: a made-up object's bytes are generated again on GetObject from its
// identity, and a copy shares its source's.
//
// The store lives beside the snapshot (state.s3) and survives state.reindex. Buckets other than
// ALZ's (the new Log Archive bucket lz2ct creates) exist only here: discovery does not report them.

// s3Store is every bucket of the simulated partition.
type s3Store struct {
	seed    int64
	buckets map[string]*s3Bucket
	owned   map[string][]string // account -> bucket names, sorted
	seq     uint64              // for new version IDs
	// made is when the made-up objects were last written (the snapshot's capture time).
	made time.Time
	// org is what the made-up objects' keys mention (account IDs, regions, the core OU's name).
	org orgFacts
}

type orgFacts struct {
	orgID, mgmt, home, coreOU string
	accounts                  []string
	regions                   []string
}

// s3Bucket is one bucket.
type s3Bucket struct {
	Name, Account, Region string
	Created               time.Time
	// Versioning is "" (never enabled), "Enabled" or "Suspended".
	Versioning string
	// Policy is the bucket policy document as put ("" = none); policy is its parsed form.
	Policy string
	policy *s3Policy
	// PAB is the public access block; nil = none.
	PAB *s3PAB
	// alz: the bucket is one of the snapshot's ALZ buckets (deleting it removes it there too).
	alz bool
	// made: the bucket's objects are made up on first read (ALZ's buckets).
	made bool

	once sync.Once // materializes the made-up objects
	keys map[string]*s3Key
	// sorted are the keys with at least one version or delete marker, in UTF-8 binary order (the
	// order S3 lists them in).
	sorted []string
}

// s3PAB is a public access block configuration.
type s3PAB struct {
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// s3Key is every version of one key, the newest first.
type s3Key struct {
	versions []*s3Version
}

// s3Version is an object version or a delete marker.
type s3Version struct {
	ID           string // "null" for the version an unversioned bucket holds
	Size         int64
	ETag         string // quoted, as S3 answers it
	Modified     time.Time
	DeleteMarker bool
	body         s3Body
}

// s3Body is an object's content: made-up bytes from an identity, or bytes a PutObject stored.
type s3Body struct {
	ident string
	data  []byte
}

// maxServedBody is the largest object GetObject serves: made-up logs are small, and a test that
// declares huge objects (above S3's 5 GB single-copy limit) never reads them.
const maxServedBody = 64 << 20

// bytes returns the content of an object of size n.
func (b s3Body) bytes(n int64) []byte {
	if b.data != nil {
		return b.data
	}
	return madeUpBytes(b.ident, n)
}

// madeUpBytes are n bytes of printable log-like text, the same for the same identity.
func madeUpBytes(ident string, n int64) []byte {
	h := sha256.Sum256([]byte(ident))
	r := rand.New(rand.NewPCG(binary.LittleEndian.Uint64(h[:8]), binary.LittleEndian.Uint64(h[8:16])))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789{}\":,. \n"
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[r.IntN(len(alphabet))]
	}
	return out
}

// etagOf is the quoted ETag of a body: the MD5 of the bytes for objects small enough to be single
// uploads, and for larger ones a multipart ETag ("<hash>-<parts>"), as S3 gives objects uploaded in
// parts. https://docs.aws.amazon.com/AmazonS3/latest/API/API_Object.html
func etagOf(b s3Body, size int64) string {
	if b.data != nil || size <= 16<<20 {
		sum := md5.Sum(b.bytes(size))
		return `"` + hex.EncodeToString(sum[:]) + `"`
	}
	sum := md5.Sum([]byte(b.ident))
	const part = 64 << 20
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(sum[:]), (size+part-1)/part)
}

func newS3Store(snap *inventory.Snapshot, seed int64) *s3Store {
	s := &s3Store{seed: seed, buckets: map[string]*s3Bucket{}, owned: map[string][]string{}, made: snap.CapturedAt.UTC()}
	if s.made.IsZero() {
		s.made = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	s.org = orgFacts{orgID: snap.Organization.ID, mgmt: snap.Organization.ManagementAccountID}
	if alz := snap.ALZ; alz != nil {
		s.org.home = alz.HomeRegion
		s.org.regions = append(s.org.regions, alz.ManifestRegions...)
		if ou := findOU(snap, alz.CoreOUID); ou != nil {
			s.org.coreOU = ou.Name
		}
		for _, b := range alz.Buckets {
			nb := &s3Bucket{Name: b.Name, Account: b.AccountID, Region: b.Region, Created: s.made.Add(-400 * 24 * time.Hour), alz: true, made: true}
			nb.Versioning = madeUpVersioning(b.Name)
			s.add(nb)
		}
	}
	if s.org.home == "" {
		s.org.home = "us-east-1"
	}
	if len(s.org.regions) == 0 {
		s.org.regions = []string{s.org.home}
	}
	// Up to eight accounts' logs: enough keys to page through, a small cost for any organization.
	for i := range snap.Accounts {
		if len(s.org.accounts) == 8 {
			break
		}
		s.org.accounts = append(s.org.accounts, snap.Accounts[i].ID)
	}
	sort.Strings(s.org.accounts)
	return s
}

func findOU(snap *inventory.Snapshot, id string) *inventory.OU {
	for i := range snap.OUs {
		if snap.OUs[i].ID == id {
			return &snap.OUs[i]
		}
	}
	return nil
}

// madeUpVersioning: ALZ versions its log bucket and its configuration bucket (CodePipeline's S3
// source requires a versioned bucket:
// https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html).
func madeUpVersioning(name string) string {
	if strings.HasPrefix(name, "aws-landing-zone-logs-") || strings.HasPrefix(name, "aws-landing-zone-configuration-") {
		return "Enabled"
	}
	return ""
}

// add registers a new bucket.
func (s *s3Store) add(b *s3Bucket) {
	s.buckets[b.Name] = b
	s.owned[b.Account] = insertSorted(s.owned[b.Account], b.Name)
	if !b.made {
		b.once.Do(func() {})
		b.keys = map[string]*s3Key{}
	}
}

// remove deletes a bucket.
func (s *s3Store) remove(name string) {
	b := s.buckets[name]
	if b == nil {
		return
	}
	delete(s.buckets, name)
	s.owned[b.Account] = removeSorted(s.owned[b.Account], name)
}

// objects returns the bucket's keys, making them up on first use. Readers hold the state's read
// lock and writers its write lock; once makes the one-time generation safe among readers.
func (s *s3Store) objects(b *s3Bucket) map[string]*s3Key {
	b.once.Do(func() {
		b.keys = map[string]*s3Key{}
		s.makeUp(b)
		b.sorted = make([]string, 0, len(b.keys))
		for k := range b.keys {
			b.sorted = append(b.sorted, k)
		}
		sort.Strings(b.sorted)
	})
	return b.keys
}

// sortedKeys is the bucket's key list (after objects).
func (s *s3Store) sortedKeys(b *s3Bucket) []string {
	s.objects(b)
	return b.sorted
}

// current is a key's current version: nil when it has none or its newest is a delete marker.
func (k *s3Key) current() *s3Version {
	if k == nil || len(k.versions) == 0 || k.versions[0].DeleteMarker {
		return nil
	}
	return k.versions[0]
}

// newVersionID is a fresh version ID: 32 URL-safe characters, like S3's.
func (s *s3Store) newVersionID(bucket, key string) string {
	s.seq++
	return versionID(fmt.Sprint(s.seed, bucket, key, s.seq, "new"))
}

func versionID(ident string) string {
	h := sha256.Sum256([]byte(ident))
	return base64.RawURLEncoding.EncodeToString(h[:24])[:32]
}

// put adds a new version of key (or replaces the null version of an unversioned bucket) and
// returns it. S3's versioning states decide: Enabled adds a version with a new ID; never enabled or
// Suspended replace the "null" version.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/AddingObjectstoVersionSuspendedBuckets.html
func (s *s3Store) put(b *s3Bucket, key string, v *s3Version) *s3Version {
	keys := s.objects(b)
	k := keys[key]
	if k == nil {
		k = &s3Key{}
		keys[key] = k
		b.sorted = insertSorted(b.sorted, key)
	}
	if b.Versioning == "Enabled" {
		v.ID = s.newVersionID(b.Name, key)
	} else {
		v.ID = "null"
		k.dropVersion("null")
	}
	k.versions = append([]*s3Version{v}, k.versions...)
	return v
}

func (k *s3Key) dropVersion(id string) bool {
	for i, v := range k.versions {
		if v.ID == id {
			k.versions = append(k.versions[:i:i], k.versions[i+1:]...)
			return true
		}
	}
	return false
}

// deleteVersion removes one version or delete marker permanently; it reports whether it existed
// and whether it was a delete marker.
func (s *s3Store) deleteVersion(b *s3Bucket, key, id string) (found, marker bool) {
	keys := s.objects(b)
	k := keys[key]
	if k == nil {
		return false, false
	}
	for _, v := range k.versions {
		if v.ID == id {
			marker = v.DeleteMarker
		}
	}
	if !k.dropVersion(id) {
		return false, false
	}
	if len(k.versions) == 0 {
		delete(keys, key)
		b.sorted = removeSorted(b.sorted, key)
	}
	return true, marker
}

// versionCount is how many versions and delete markers the bucket holds.
func (s *s3Store) versionCount(b *s3Bucket) int {
	n := 0
	for _, k := range s.objects(b) {
		n += len(k.versions)
	}
	return n
}

// ---- made-up objects ----

// makeUp fills one of ALZ's buckets with objects that look like what ALZ keeps there, the same
// for the same seed: CloudTrail and Config logs in the log bucket (a few hundred), S3 server access
// logs in the access-log bucket, the manifest, templates and the pipeline's source zip in the
// configuration bucket, pipeline artifacts in the artifact bucket. The versioned buckets hold some
// older versions and delete markers, so emptying them means deleting versions, not keys.
func (s *s3Store) makeUp(b *s3Bucket) {
	r := rand.New(rand.NewPCG(uint64(s.seed), binary.LittleEndian.Uint64(sha256Bytes(b.Name)[:8])))
	add := func(key string, size int64, age time.Duration) *s3Key {
		v := &s3Version{Size: size, Modified: s.made.Add(-age).Truncate(time.Second)}
		v.ID = "null"
		if b.Versioning != "" {
			v.ID = versionID(fmt.Sprint(s.seed, b.Name, key, age))
		}
		v.body = s3Body{ident: fmt.Sprint(s.seed, "/", b.Name, "/", key, "/", v.ID)}
		v.ETag = etagOf(v.body, size)
		k := b.keys[key]
		if k == nil {
			k = &s3Key{}
			b.keys[key] = k
		}
		// Versions are added oldest first; keep the newest first.
		k.versions = append([]*s3Version{v}, k.versions...)
		return k
	}
	marker := func(key string, age time.Duration) {
		v := &s3Version{DeleteMarker: true, Modified: s.made.Add(-age).Truncate(time.Second),
			ID: versionID(fmt.Sprint(s.seed, b.Name, key, age, "marker"))}
		k := b.keys[key]
		k.versions = append([]*s3Version{v}, k.versions...)
	}
	day := 24 * time.Hour
	o := s.org
	switch {
	case strings.HasPrefix(b.Name, "aws-landing-zone-logs-"):
		n := 200 + r.IntN(201)
		var keys []string
		for i := 0; i < n; i++ {
			acct := b.Account
			if len(o.accounts) > 0 {
				acct = o.accounts[r.IntN(len(o.accounts))]
			}
			region := o.regions[r.IntN(len(o.regions))]
			age := time.Duration(1+r.IntN(90*24)) * time.Hour
			t := s.made.Add(-age)
			var key string
			if r.IntN(3) == 0 {
				key = fmt.Sprintf("%s/AWSLogs/%s/Config/%s/%d/%d/%d/ConfigHistory/%s_Config_%s_ConfigHistory_AWS::S3::Bucket_%sZ_%d.json.gz",
					o.orgID, acct, region, t.Year(), int(t.Month()), t.Day(), acct, region, t.Format("20060102T150405"), t.Unix())
			} else {
				key = fmt.Sprintf("%s/AWSLogs/%s/CloudTrail/%s/%s/%s_CloudTrail_%s_%sZ_%016x.json.gz",
					o.orgID, acct, region, t.Format("2006/01/02"), acct, region, t.Format("20060102T1504"), r.Uint64())
			}
			add(key, int64(500+r.IntN(60_000)), age)
			keys = append(keys, key)
		}
		// A few objects written twice (older versions), and a few deleted (delete markers).
		for i := 0; i < 5 && len(keys) > 0; i++ {
			add(keys[r.IntN(len(keys))], int64(500+r.IntN(60_000)), time.Duration(r.IntN(23))*time.Hour)
		}
		for i := 0; i < 3 && len(keys) > 0; i++ {
			marker(keys[r.IntN(len(keys))], time.Duration(r.IntN(60))*time.Minute)
		}
	case strings.HasPrefix(b.Name, "aws-landing-zone-s3-access-logs-"):
		for i, n := 0, 30+r.IntN(31); i < n; i++ {
			age := time.Duration(1+r.IntN(30*24*60)) * time.Minute
			add(fmt.Sprintf("%s-%016X", s.made.Add(-age).Format("2006-01-02-15-04-05"), r.Uint64()), int64(300+r.IntN(2_000)), age)
		}
	case strings.HasPrefix(b.Name, "aws-landing-zone-configuration"):
		files := map[string]int64{
			"aws-landing-zone-configuration.zip": 0,
			"manifest.yaml":                      0,
			"templates/core_accounts/aws-landing-zone-logging.template":            int64(4_000 + r.IntN(4_000)),
			"templates/core_accounts/aws-landing-zone-security.template":           int64(4_000 + r.IntN(4_000)),
			"templates/core_accounts/aws-landing-zone-shared-services.template":    int64(4_000 + r.IntN(4_000)),
			"templates/aws_baseline/aws-landing-zone-enable-config.template":       int64(2_000 + r.IntN(3_000)),
			"templates/aws_baseline/aws-landing-zone-enable-cloudtrail.template":   int64(2_000 + r.IntN(3_000)),
			"templates/aws_baseline/aws-landing-zone-iam-password-policy.template": int64(1_000 + r.IntN(2_000)),
			"templates/aws_baseline/aws-landing-zone-vpc.template":                 int64(6_000 + r.IntN(6_000)),
			"templates/aws_baseline/aws-landing-zone-notifications.template":       int64(2_000 + r.IntN(3_000)),
			"templates/aws_baseline/aws-landing-zone-guardduty-master.template":    int64(2_000 + r.IntN(3_000)),
			"parameters/core_accounts/aws-landing-zone-logging.json":               int64(300 + r.IntN(700)),
			"parameters/core_accounts/aws-landing-zone-security.json":              int64(300 + r.IntN(700)),
			"parameters/aws_baseline/aws-landing-zone-vpc.json":                    int64(300 + r.IntN(700)),
			"policies/aws-landing-zone-protect-cloudtrail-config.json":             int64(400 + r.IntN(800)),
		}
		names := make([]string, 0, len(files))
		for k := range files {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, name := range names {
			size := files[name]
			if name == "manifest.yaml" {
				// Three versions of the manifest: the pipeline ran on each.
				for i, age := range []time.Duration{300 * day, 120 * day, 20 * day} {
					k := add(name, 0, age)
					m := []byte(madeUpManifest(o, i))
					k.versions[0].body = s3Body{data: m}
					k.versions[0].Size = int64(len(m))
					k.versions[0].ETag = etagOf(k.versions[0].body, int64(len(m)))
				}
				continue
			}
			if size == 0 {
				size = int64(40_000 + r.IntN(40_000))
			}
			add(name, size, 20*day)
		}
		// A template removed from the configuration: its key is hidden by a delete marker.
		add("templates/aws_baseline/aws-landing-zone-config-rules.template", int64(3_000+r.IntN(2_000)), 300*day)
		marker("templates/aws_baseline/aws-landing-zone-config-rules.template", 120*day)
	case strings.HasPrefix(b.Name, "landingzone-") && strings.Contains(b.Name, "artifact"):
		for i, n := 0, 6+r.IntN(7); i < n; i++ {
			age := time.Duration(1+r.IntN(300)) * day
			add(fmt.Sprintf("AWS-Landing-Zone-Co/SourceArti/%s", randomName(r, 7)), int64(40_000+r.IntN(200_000)), age)
		}
	}
}

func randomName(r *rand.Rand, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

// madeUpManifest is a plausible ALZ manifest.yaml (revision i of three).
func madeUpManifest(o orgFacts, i int) string {
	core := o.coreOU
	if core == "" {
		core = "core"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# AWS Landing Zone manifest (revision %d)\n---\nregion: %s\nversion: 2021-03-15\n\n", i+1, o.home)
	fmt.Fprintf(&b, "nested_ou_delimiter: \":\"\n\norganizational_units:\n  - name: %s\n    include_in_baseline_products:\n      - AWS-Landing-Zone-Account-Vending-Machine\n", core)
	b.WriteString("    core_accounts:\n      - name: primary\n        ssm_parameters:\n          - name: /org/primary/account_id\n            value: $[AccountId]\n")
	b.WriteString("      - name: security\n        email: security@example.com\n      - name: logging\n        email: logging@example.com\n")
	b.WriteString("      - name: shared-services\n        email: shared-services@example.com\n\nbaseline_resources:\n")
	for _, r := range []string{"EnableConfig", "EnableCloudTrail", "IamPasswordPolicy", "PrimaryVPC", "Notifications"} {
		fmt.Fprintf(&b, "  - name: AWS-Landing-Zone-Baseline-%s\n    baseline_products:\n      - AWS-Landing-Zone-Account-Vending-Machine\n    regions: [%s]\n", r, strings.Join(o.regions, ", "))
	}
	return b.String()
}

// ---- bucket policies ----

// s3Policy is a parsed bucket policy: what lz2ct's steps and the AWS guides rely on — Allow and
// Deny statements naming AWS account principals (or "*"), S3 actions and this bucket's resources,
// with wildcards. Conditions are not evaluated: a statement with one never allows, and always
// denies (the cautious reading).
type s3Policy struct {
	statements []s3Statement
}

type s3Statement struct {
	allow     bool
	anyone    bool
	accounts  map[string]bool
	actions   []string
	resources []string
	condition bool
}

// stringOrList reads a policy element that may be one string or a list of them.
func stringOrList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func malformedPolicy(msg string) *apiError { return errorf(400, "MalformedPolicy", "%s", msg) }

// parseS3Policy validates a bucket policy as PutBucketPolicy does (MalformedPolicy otherwise).
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
func parseS3Policy(doc []byte, partition, bucket string) (*s3Policy, *apiError) {
	var raw map[string]any
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 || doc[0] != '{' || json.Unmarshal(doc, &raw) != nil || raw == nil {
		return nil, malformedPolicy("Policies must be valid JSON and the first byte must be '{'")
	}
	var stmts []any
	switch t := raw["Statement"].(type) {
	case []any:
		stmts = t
	case map[string]any:
		stmts = []any{t}
	default:
		return nil, malformedPolicy("Missing required field Statement")
	}
	arnPrefix := "arn:" + partition + ":s3:::"
	p := &s3Policy{}
	for _, e := range stmts {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, malformedPolicy("Statement is not an object")
		}
		var st s3Statement
		switch m["Effect"] {
		case "Allow":
			st.allow = true
		case "Deny":
		default:
			return nil, malformedPolicy(fmt.Sprintf("Invalid effect: %v", m["Effect"]))
		}
		switch pr := m["Principal"].(type) {
		case string:
			if pr != "*" {
				return nil, malformedPolicy("Invalid principal in policy")
			}
			st.anyone = true
		case map[string]any:
			ids, ok := stringOrList(pr["AWS"])
			if !ok || len(pr) != 1 {
				return nil, malformedPolicy("Invalid principal in policy")
			}
			st.accounts = map[string]bool{}
			for _, id := range ids {
				if id == "*" {
					st.anyone = true
					continue
				}
				acct := id
				if strings.HasPrefix(id, "arn:") {
					parts := strings.SplitN(id, ":", 6)
					if len(parts) != 6 || parts[2] != "iam" {
						return nil, malformedPolicy("Invalid principal in policy")
					}
					acct = parts[4]
				}
				if !validAccountID(acct) {
					return nil, malformedPolicy("Invalid principal in policy")
				}
				st.accounts[acct] = true
			}
		default:
			return nil, malformedPolicy("Missing required field Principal")
		}
		actions, ok := stringOrList(m["Action"])
		if !ok || len(actions) == 0 {
			return nil, malformedPolicy("Missing required field Action")
		}
		for _, a := range actions {
			if !hasPrefixFold(a, "s3:") && a != "*" {
				return nil, malformedPolicy("Policy has invalid action")
			}
		}
		st.actions = actions
		res, ok := stringOrList(m["Resource"])
		if !ok || len(res) == 0 {
			return nil, malformedPolicy("Missing required field Resource")
		}
		for _, r := range res {
			if r != arnPrefix+bucket && !strings.HasPrefix(r, arnPrefix+bucket+"/") && r != "*" {
				return nil, malformedPolicy("Policy has invalid resource")
			}
		}
		st.resources = res
		_, st.condition = m["Condition"]
		p.statements = append(p.statements, st)
	}
	return p, nil
}

func validAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// public reports whether a statement grants access to anyone without a condition: what Block
// Public Access's BlockPublicPolicy refuses.
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
func (p *s3Policy) public() bool {
	for _, st := range p.statements {
		if st.allow && st.anyone && !st.condition {
			return true
		}
	}
	return false
}

// decide evaluates the policy for an account's request: allowed by a matching Allow, denied by a
// matching Deny (which wins).
func (p *s3Policy) decide(account, action, resource string) (allowed, denied bool) {
	if p == nil {
		return false, false
	}
	for _, st := range p.statements {
		if !(st.anyone || st.accounts[account]) || !matchAny(st.actions, action, true) || !matchAny(st.resources, resource, false) {
			continue
		}
		if !st.allow {
			denied = true
		} else if !st.condition {
			allowed = true
		}
	}
	return allowed, denied
}

func matchAny(patterns []string, s string, fold bool) bool {
	for _, p := range patterns {
		if fold {
			if globMatch(strings.ToLower(p), strings.ToLower(s)) {
				return true
			}
		} else if globMatch(p, s) {
			return true
		}
	}
	return false
}

// globMatch matches IAM wildcards: * any run of characters, ? one character.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			pattern = pattern[1:]
			if pattern == "" {
				return true
			}
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern, s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
			pattern, s = pattern[1:], s[1:]
		}
	}
	return s == ""
}
