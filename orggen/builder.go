// Package orggen builds synthetic ALZ organizations as inventory snapshots: Generate makes one of
// any size from a few numbers and a seed (lz2ct sim generate, tests, benchmarks); Builder lets a
// test or a hand-written testdata organization place OUs and accounts itself and still get every
// ALZ artefact (StackSets, portfolios, SCPs, Config recorders, ...) derived consistently.
//
// Everything follows docs/discovery.md, so a generated snapshot served by the simulator and
// discovered again comes back equal. Everything is drawn from one seeded PCG: the same inputs
// always give the same bytes.
package orggen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	version "github.com/hashicorp/go-version"
	"github.com/lz2ct/lz2ct/inventory"
)

// Names ALZ uses (docs/aws-behaviour.md, "ALZ artefacts"). ConfigRecorderRole and
// SecurityTopicName are modelled on ALZ's templates: nothing in lz2ct keys on them.
const (
	RecorderName         = "AWS-Landing-Zone-BaselineConfigRecorder"
	DeliveryChannelName  = "Landing-Zone-Delivery-Channel"
	ConfigRecorderRole   = "AWS-Landing-Zone-ConfigRecorderRole"
	StackSetExecRole     = "AWSCloudFormationStackSetExecutionRole"
	ControlTowerExecRole = "AWSControlTowerExecution"
	OrgAccessRole        = "OrganizationAccountAccessRole"
	AVMProductName       = "AWS-Landing-Zone-Account-Vending-Machine"
	PipelineName         = "AWS-Landing-Zone-CodePipeline"
	KMSAliasName         = "alias/AwsLandingZoneKMSKey"
	SecurityTopicName    = "AWS-Landing-Zone-Aggregate-Security-Notifications"
	// DefaultALZVersion is the last ALZ release (v2.4.x), the one most organizations still run.
	DefaultALZVersion = "2.4.1"
	DefaultHomeRegion = "us-east-1"
	DefaultDomain     = "example.com"
)

// Options configure a Builder.
type Options struct {
	Seed int64
	// ALZVersion is the landing zone solution version ("1.0.3", "2.4.1"); default DefaultALZVersion.
	ALZVersion string
	// HomeRegion is where ALZ (and, for v2, IAM Identity Center) lives; default DefaultHomeRegion.
	HomeRegion string
	// Regions are the snapshot regions (the regions discovery looked at); default [HomeRegion].
	// The home region must be one of them.
	Regions []string
	// ManifestRegions are the regions ALZ deployed its baseline to (its manifest's region list);
	// default Regions. They must be among Regions and include the home region.
	ManifestRegions []string
	// Domain is the e-mail domain of the accounts; default DefaultDomain.
	Domain string
	// NoIdentityCenter leaves IAM Identity Center out (it is in the home region otherwise for ALZ v2;
	// ALZ v1 organizations never get one).
	NoIdentityCenter bool
}

// AccountSpec describes one member account to add. The zero value is an ALZ-vended (AVM) account
// with the ALZ baseline, AWS Config recording, and the StackSet execution role.
type AccountSpec struct {
	Name  string
	Email string // default aws+<name>@<domain>
	// Status defaults to ACTIVE. A SUSPENDED account cannot be read (as in AWS).
	Status string
	// Invited accounts joined by invitation: no OrganizationAccountAccessRole, no AVM product.
	Invited bool
	// NoConfig: ALZ's EnableConfig StackSet has no instances for the account, so it has no recorder.
	NoConfig bool
	// ConfigStopped: the recorder exists but is not recording.
	ConfigStopped bool
	// ControlTowerRole: AWSControlTowerExecution already exists in the account.
	ControlTowerRole bool
	// Unreadable: none of the three roles exists, so nothing inside the account can be read.
	Unreadable bool
	// NotBaselined: the account never got ALZ's baseline StackSets (e.g. invited and never added to the manifest).
	NotBaselined bool
	// ProvisioningStatus of its AVM provisioned product; default AVAILABLE.
	ProvisioningStatus string
}

type account struct {
	spec      AccountSpec
	a         inventory.Account
	core      bool
	mgmt      bool
	ouName    string // parent OU name, for lz_<ou>_<account>_<timestamp>
	createdAt time.Time
}

// Builder assembles one organization. Add OUs and accounts, then call Snapshot once.
type Builder struct {
	r        *rand.Rand
	opts     Options
	ver      *version.Version
	capture  time.Time
	orgID    string
	rootID   string
	mgmtID   string
	coreOUID string
	partOf   string // the random part of OU IDs that names the root ("ou-<root>-<rand>")
	ous      []inventory.OU
	ouDepth  map[string]int
	ouNames  map[string]map[string]bool // parent -> lower-cased child names, to keep names unique per parent
	ouName   map[string]string          // OU ID -> name
	accounts []*account
	byID     map[string]*account
	used     map[string]bool // every random ID handed out
	names    map[string]bool // account names, unique org-wide (e-mails derive from them)
	policies []inventory.Policy
	security string
	logging  string
	shared   string
	done     bool
}

// NewBuilder starts an organization: root, management account, the core OU with ALZ's three
// shared accounts (security, log-archive or logging for v1, shared-services).
func NewBuilder(o Options) (*Builder, error) {
	if o.ALZVersion == "" {
		o.ALZVersion = DefaultALZVersion
	}
	if o.HomeRegion == "" {
		o.HomeRegion = DefaultHomeRegion
	}
	if len(o.Regions) == 0 {
		o.Regions = []string{o.HomeRegion}
	}
	if o.Domain == "" {
		o.Domain = DefaultDomain
	}
	v, err := version.NewVersion(o.ALZVersion)
	if err != nil {
		return nil, fmt.Errorf("ALZ version %q: %w (use a release number such as 1.0.3 or 2.4.1)", o.ALZVersion, err)
	}
	if v.Segments()[0] < 1 || v.Segments()[0] > 2 {
		return nil, fmt.Errorf("ALZ version %q: the AWS Landing Zone solution only had releases 1.x and 2.x", o.ALZVersion)
	}
	homeIn := false
	for _, r := range o.Regions {
		if !inventory.IsRegion(r) {
			return nil, fmt.Errorf("region %q is not a region name", r)
		}
		homeIn = homeIn || r == o.HomeRegion
	}
	if !homeIn {
		return nil, fmt.Errorf("home region %s must be one of the regions %v", o.HomeRegion, o.Regions)
	}
	o.Regions = append([]string(nil), o.Regions...)
	if len(o.ManifestRegions) == 0 {
		o.ManifestRegions = o.Regions
	}
	o.ManifestRegions = append([]string(nil), o.ManifestRegions...)
	homeIn = false
	for _, m := range o.ManifestRegions {
		if !slices.Contains(o.Regions, m) {
			return nil, fmt.Errorf("manifest region %s must be one of the regions %v", m, o.Regions)
		}
		homeIn = homeIn || m == o.HomeRegion
	}
	if !homeIn {
		return nil, fmt.Errorf("home region %s must be one of the manifest regions %v", o.HomeRegion, o.ManifestRegions)
	}
	seed := uint64(o.Seed)
	b := &Builder{
		r:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		opts:    o,
		ver:     v,
		ouDepth: map[string]int{},
		ouNames: map[string]map[string]bool{},
		ouName:  map[string]string{},
		byID:    map[string]*account{},
		used:    map[string]bool{},
		names:   map[string]bool{},
	}
	// A fixed capture time derived from the seed (never time.Now) keeps output reproducible.
	b.capture = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(seed%(300*24*3600)) * time.Second)
	b.orgID = "o-" + b.unique(func() string { return b.alnum(10) })
	b.partOf = b.alnum(4)
	b.rootID = "r-" + b.partOf
	b.mgmtID = b.accountID()
	mgmt := &account{mgmt: true, createdAt: b.capture.AddDate(-7, 0, 0).Add(time.Duration(b.r.IntN(86400*60)) * time.Second)}
	mgmt.spec = AccountSpec{Name: "management", Email: "aws-management@" + o.Domain, Invited: true}
	mgmt.a = inventory.Account{ID: b.mgmtID, ParentID: b.rootID}
	b.addAccount(mgmt)

	b.coreOUID = b.AddOU(b.rootID, "core")
	logName := "log-archive"
	if b.IsV1() {
		logName = "logging" // ALZ v1.0.x named the log account "logging" (docs/aws-behaviour.md, "ALZ artefacts")
	}
	b.security = b.addCore("security")
	b.logging = b.addCore(logName)
	b.shared = b.addCore("shared-services")
	return b, nil
}

func (b *Builder) addCore(name string) string {
	a := &account{core: true, spec: AccountSpec{Name: name}}
	a.a = inventory.Account{ID: b.accountID(), ParentID: b.coreOUID}
	a.createdAt = b.capture.AddDate(-6, 0, 0).Add(time.Duration(b.r.IntN(86400*10)) * time.Second)
	b.addAccount(a)
	return a.a.ID
}

// IsV1 reports whether the organization runs ALZ 1.x.
func (b *Builder) IsV1() bool { return b.ver.Segments()[0] < 2 }

// hasGuardrailSCPs: v2.3 replaced protect-cloudtrail-config with the two guardrail SCPs.
func (b *Builder) hasGuardrailSCPs() bool {
	return b.ver.GreaterThanOrEqual(version.Must(version.NewVersion("2.3.0")))
}

// RootID, ManagementAccountID, CoreOUID and the shared account IDs, for callers placing things.
func (b *Builder) RootID() string              { return b.rootID }
func (b *Builder) ManagementAccountID() string { return b.mgmtID }
func (b *Builder) CoreOUID() string            { return b.coreOUID }
func (b *Builder) SecurityAccountID() string   { return b.security }
func (b *Builder) LogArchiveAccountID() string { return b.logging }
func (b *Builder) SharedServicesAccountID() string {
	return b.shared
}

// Rand is the builder's random source, for callers that want their own choices to follow the seed.
func (b *Builder) Rand() *rand.Rand { return b.r }

// Depth is an OU's nesting level (1 = directly under the root); 0 for the root.
func (b *Builder) Depth(id string) int { return b.ouDepth[id] }

// AddOU adds an OU under a root or OU and returns its ID. Names are made unique under their parent
// (Organizations refuses two OUs with the same name under one parent) by a numeric suffix.
func (b *Builder) AddOU(parentID, name string) string {
	if parentID != b.rootID {
		if _, ok := b.ouDepth[parentID]; !ok {
			panic("orggen: AddOU under unknown parent " + parentID)
		}
	}
	name = uniqueName(b.ouNames, parentID, name)
	id := "ou-" + b.partOf + "-" + b.unique(func() string { return b.alnum(8) })
	b.ous = append(b.ous, inventory.OU{
		ID:       id,
		Arn:      fmt.Sprintf("arn:aws:organizations::%s:ou/%s/%s", b.mgmtID, b.orgID, id),
		Name:     name,
		ParentID: parentID,
	})
	b.ouDepth[id] = b.ouDepth[parentID] + 1
	b.ouName[id] = name
	return id
}

func uniqueName(seen map[string]map[string]bool, parent, name string) string {
	m := seen[parent]
	if m == nil {
		m = map[string]bool{}
		seen[parent] = m
	}
	out := name
	for i := 2; m[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s-%d", name, i)
	}
	m[strings.ToLower(out)] = true
	return out
}

// AddAccount adds a member account under a root or OU and returns its ID. Account names are made
// unique in the organization by a numeric suffix, since e-mails derive from them.
func (b *Builder) AddAccount(parentID string, spec AccountSpec) string {
	a := &account{spec: spec}
	a.a = inventory.Account{ID: b.accountID(), ParentID: parentID}
	a.ouName = b.ouName[parentID]
	if parentID != b.rootID && a.ouName == "" {
		panic("orggen: AddAccount under unknown parent " + parentID)
	}
	// Vended between ALZ's deployment and two months before the capture.
	span := int(b.capture.AddDate(0, -2, 0).Sub(b.capture.AddDate(-6, 0, 0)) / time.Second)
	a.createdAt = b.capture.AddDate(-6, 0, 0).Add(time.Duration(b.r.IntN(span)) * time.Second)
	b.addAccount(a)
	return a.a.ID
}

func (b *Builder) addAccount(a *account) {
	if a.spec.Name == "" {
		a.spec.Name = "account"
	}
	name := a.spec.Name
	for i := 2; b.names[name]; i++ {
		name = fmt.Sprintf("%s-%d", a.spec.Name, i)
	}
	b.names[name] = true
	a.spec.Name = name
	b.accounts = append(b.accounts, a)
	b.byID[a.a.ID] = a
}

// AttachSCP creates a customer-managed SCP attached to the given targets and returns its ID.
func (b *Builder) AttachSCP(p CustomSCP, targets ...string) string {
	id := "p-" + b.unique(func() string { return b.alnum(8) })
	b.policies = append(b.policies, inventory.Policy{
		ID:          id,
		Arn:         fmt.Sprintf("arn:aws:organizations::%s:policy/%s/service_control_policy/%s", b.mgmtID, b.orgID, id),
		Name:        p.Name,
		Description: p.Description,
		Document:    p.Document,
		Targets:     append([]string{}, targets...),
	})
	return id
}

// Attach adds targets to an existing policy created by AttachSCP.
func (b *Builder) Attach(policyID string, targets ...string) {
	for i := range b.policies {
		if b.policies[i].ID == policyID {
			b.policies[i].Targets = append(b.policies[i].Targets, targets...)
			return
		}
	}
	panic("orggen: Attach to unknown policy " + policyID)
}

// SCPsOn counts the policies created so far (customer ones; FullAWSAccess and ALZ's are added by
// Snapshot) that are attached directly to target.
func (b *Builder) SCPsOn(target string) int {
	n := 0
	for _, p := range b.policies {
		for _, t := range p.Targets {
			if t == target {
				n++
			}
		}
	}
	return n
}

const alnumChars = "abcdefghijklmnopqrstuvwxyz0123456789"

func (b *Builder) alnum(n int) string {
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = alnumChars[b.r.IntN(len(alnumChars))]
	}
	return string(buf)
}

func (b *Builder) hex(n int) string {
	const h = "0123456789abcdef"
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = h[b.r.IntN(16)]
	}
	return string(buf)
}

func (b *Builder) uuid() string {
	return b.hex(8) + "-" + b.hex(4) + "-4" + b.hex(3) + "-" + "89ab"[b.r.IntN(4):][:1] + b.hex(3) + "-" + b.hex(12)
}

// unique draws from gen until it returns a value no earlier call returned.
func (b *Builder) unique(gen func() string) string {
	for {
		s := gen()
		if !b.used[s] {
			b.used[s] = true
			return s
		}
	}
}

func (b *Builder) accountID() string {
	return b.unique(func() string { return fmt.Sprintf("%012d", 100000000000+b.r.Int64N(900000000000)) })
}

func (b *Builder) scID(prefix string) string {
	return prefix + "-" + b.unique(func() string { return b.alnum(13) })
}

func (b *Builder) email(a *account) string {
	if a.spec.Email != "" {
		return a.spec.Email
	}
	return "aws+" + a.spec.Name + "@" + b.opts.Domain
}

func stamp(t time.Time) string { return t.Format("2006-01-02-15-04-05") }

// Snapshot finishes the organization: accounts with their roles and per-region AWS Config, SCPs
// (FullAWSAccess everywhere, as AWS attaches it; ALZ's SCPs on the top-level OUs), and every ALZ
// artefact. The result is sorted (canonical) and valid. Call it once.
func (b *Builder) Snapshot() *inventory.Snapshot {
	if b.done {
		panic("orggen: Snapshot called twice")
	}
	b.done = true
	o := b.opts
	home := o.HomeRegion
	regions := append([]string(nil), o.Regions...)
	sort.Strings(regions)

	s := &inventory.Snapshot{
		SchemaVersion: inventory.SchemaVersion,
		CapturedAt:    b.capture,
		Source:        "generator",
		Partition:     "aws",
		Regions:       regions,
		Organization: inventory.Organization{
			ID:                     b.orgID,
			Arn:                    fmt.Sprintf("arn:aws:organizations::%s:organization/%s", b.mgmtID, b.orgID),
			FeatureSet:             "ALL",
			ManagementAccountID:    b.mgmtID,
			ManagementAccountEmail: b.email(b.byID[b.mgmtID]),
			AccountQuota:           (len(b.accounts)*12/10/100 + 1) * 100,
		},
		Roots: []inventory.Root{{
			ID:          b.rootID,
			Arn:         fmt.Sprintf("arn:aws:organizations::%s:root/%s/%s", b.mgmtID, b.orgID, b.rootID),
			Name:        "Root",
			PolicyTypes: []string{"SERVICE_CONTROL_POLICY"},
		}},
		OUs:             b.ous,
		TrustedServices: []string{"guardduty.amazonaws.com"},
		DelegatedAdmins: []inventory.DelegatedAdministrator{},
		ControlTower:    inventory.ControlTower{EnabledBaselines: []inventory.EnabledBaseline{}},
		Problems:        []inventory.Problem{},
	}
	if !b.IsV1() {
		// ALZ v2 made the security account GuardDuty's administrator for the organization.
		s.DelegatedAdmins = append(s.DelegatedAdmins, inventory.DelegatedAdministrator{AccountID: b.security, ServicePrincipal: "guardduty.amazonaws.com"})
	}
	if !b.IsV1() && !o.NoIdentityCenter {
		s.IdentityCenter = &inventory.IdentityCenter{
			InstanceArn:     "arn:aws:sso:::instance/ssoins-" + b.hex(16),
			IdentityStoreID: "d-" + b.hex(10),
			Region:          home,
		}
		s.TrustedServices = append(s.TrustedServices, "sso.amazonaws.com")
	}

	z := &inventory.ALZ{
		Version:                 o.ALZVersion,
		HomeRegion:              home,
		CoreOUID:                b.coreOUID,
		SecurityAccountID:       b.security,
		LogArchiveAccountID:     b.logging,
		SharedServicesAccountID: b.shared,
	}
	s.ALZ = z
	logBucket := fmt.Sprintf("aws-landing-zone-logs-%s-%s", b.logging, home)
	manifest := map[string]bool{}
	for _, r := range o.ManifestRegions {
		manifest[r] = true
	}
	manifestSorted := append([]string(nil), o.ManifestRegions...)
	sort.Strings(manifestSorted)

	// Accounts, their roles and what was read in each region.
	s.Accounts = make([]inventory.Account, 0, len(b.accounts))
	for _, a := range b.accounts {
		acc := a.a
		acc.Arn = fmt.Sprintf("arn:aws:organizations::%s:account/%s/%s", b.mgmtID, b.orgID, acc.ID)
		acc.Name = a.spec.Name
		acc.Email = b.email(a)
		acc.Status = a.spec.Status
		if acc.Status == "" {
			acc.Status = inventory.AccountActive
		}
		acc.JoinedMethod = "CREATED"
		if a.spec.Invited {
			acc.JoinedMethod = "INVITED"
		}
		acc.JoinedAt = a.createdAt.Truncate(time.Second)
		switch {
		case a.mgmt:
			// The management account is read with the caller's own credentials (docs/discovery.md).
			acc.AccessRole = "caller"
			acc.IAM = &inventory.AccountIAM{StackSetExecutionRole: true}
		case a.spec.Unreadable || acc.Status == inventory.AccountSuspended:
			// No role worked: iam null, no regions, one problem naming the account.
			s.Problems = append(s.Problems, inventory.Problem{
				AccountID: acc.ID, Service: "sts", Operation: "AssumeRole", Code: "AccessDenied",
				Message: fmt.Sprintf("User: arn:aws:sts::%s:assumed-role/lz2ct/discovery is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::%s:role/%s", b.mgmtID, acc.ID, OrgAccessRole),
			})
		default:
			iam := &inventory.AccountIAM{
				ControlTowerExecutionRole:     a.spec.ControlTowerRole,
				StackSetExecutionRole:         true,
				OrganizationAccountAccessRole: !a.spec.Invited,
			}
			acc.IAM = iam
			acc.AccessRole = StackSetExecRole
			if iam.ControlTowerExecutionRole {
				acc.AccessRole = ControlTowerExecRole
			}
		}
		if acc.IAM != nil {
			acc.Regions = make([]inventory.AccountRegion, len(regions))
			for i, r := range regions {
				ar := inventory.AccountRegion{Region: r}
				if b.hasRecorder(a) && manifest[r] {
					ar.ConfigRecorders = []inventory.ConfigRecorder{{
						Name:      RecorderName,
						RoleARN:   fmt.Sprintf("arn:aws:iam::%s:role/%s", acc.ID, ConfigRecorderRole),
						Recording: !a.spec.ConfigStopped,
					}}
					ar.DeliveryChannels = []inventory.DeliveryChannel{{
						Name:         DeliveryChannelName,
						S3BucketName: logBucket,
						SNSTopicARN:  fmt.Sprintf("arn:aws:sns:%s:%s:%s", r, b.security, SecurityTopicName),
					}}
				}
				acc.Regions[i] = ar
			}
		}
		s.Accounts = append(s.Accounts, acc)
	}

	b.alzArtefacts(s, z, manifestSorted, logBucket)
	b.scps(s)
	b.networkAndRegions(s)
	s.Sort()
	return s
}

// hasRecorder: ALZ's EnableConfig StackSet put a recorder in every baselined member account,
// unless the spec says the account has none.
func (b *Builder) hasRecorder(a *account) bool {
	return !a.mgmt && !a.spec.NoConfig && !a.spec.NotBaselined && !a.spec.Unreadable && a.spec.Status != inventory.AccountSuspended
}

func (b *Builder) baselined(a *account) bool {
	return !a.mgmt && !a.spec.NotBaselined && !a.spec.Unreadable
}

// alzArtefacts adds ALZ's stacks, StackSets, Service Catalog items, pipeline, buckets, parameters
// and KMS alias, consistent with the accounts (docs/discovery.md: manifestRegions is the union of
// the StackSet instance regions).
func (b *Builder) alzArtefacts(s *inventory.Snapshot, z *inventory.ALZ, manifestRegions []string, logBucket string) {
	o := b.opts
	home := o.HomeRegion
	mgmt := b.mgmtID
	stackArn := func(region, name string) string {
		return fmt.Sprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", region, mgmt, name, b.uuid())
	}
	z.Stacks = []inventory.Stack{{
		Name:                  "AWS-Landing-Zone-Initiation",
		ID:                    stackArn(home, "AWS-Landing-Zone-Initiation"),
		Region:                home,
		Description:           fmt.Sprintf("(SO0044) - The AWS CloudFormation template for deployment of the AWS Landing Zone Solution. Version v%s", o.ALZVersion),
		Status:                "UPDATE_COMPLETE",
		TerminationProtection: true,
		Outputs:               map[string]string{"LandingZoneSolutionVersion": o.ALZVersion},
	}}

	// StackSets. Which go to every region: AWS Config, its rules, GuardDuty and the shared topic
	// are regional; the rest are deployed in the home region only (ALZ manifest.yaml).
	type set struct {
		name, desc string
		allRegions bool
		who        func(a *account) bool
	}
	member := func(a *account) bool { return b.baselined(a) }
	config := func(a *account) bool { return b.baselined(a) && !a.spec.NoConfig }
	vpc := func(a *account) bool { return b.baselined(a) && !a.core }
	only := func(id string) func(a *account) bool { return func(a *account) bool { return a.a.ID == id } }
	sets := []set{
		{"AWS-Landing-Zone-Baseline-EnableCloudTrail", "Baseline: CloudTrail trail AWS-Landing-Zone-BaselineCloudTrail", false, member},
		{"AWS-Landing-Zone-Baseline-ConfigRole", "Baseline: IAM role for AWS Config", false, member},
		{"AWS-Landing-Zone-Baseline-EnableConfig", "Baseline: AWS Config recorder and delivery channel", true, config},
		{"AWS-Landing-Zone-Baseline-EnableConfigRulesGlobal", "Baseline: global AWS Config rules", false, config},
		{"AWS-Landing-Zone-Baseline-EnableConfigRules", "Baseline: regional AWS Config rules", true, config},
		{"AWS-Landing-Zone-Baseline-EnableNotifications", "Baseline: CloudWatch alarms for security events", false, member},
		{"AWS-Landing-Zone-Baseline-SecurityRoles", "Baseline: cross-account security roles", false, member},
		{"AWS-Landing-Zone-Baseline-IamPasswordPolicy", "Baseline: IAM password policy", false, member},
		{"AWS-Landing-Zone-Baseline-PrimaryVPC", "Baseline: primary VPC", false, vpc},
		{"AWS-Landing-Zone-SecurityRoles", "Core: security account roles", false, only(b.security)},
		{"AWS-Landing-Zone-SharedTopic", "Core: aggregate security notifications topic", true, only(b.security)},
		{"AWS-Landing-Zone-GuardDutyMaster", "Core: GuardDuty administrator", true, only(b.security)},
		{"AWS-Landing-Zone-SharedBucket", "Core: central logging bucket", false, only(b.logging)},
		{"AWS-Landing-Zone-SharedServicesAccountVPC", "Core: shared services VPC", false, only(b.shared)},
	}
	// Instances in account-ID order are already canonical, so Sort has nothing to reorder.
	byID := slices.Clone(b.accounts)
	slices.SortFunc(byID, func(x, y *account) int { return strings.Compare(x.a.ID, y.a.ID) })
	manifest := map[string]bool{}
	for _, st := range sets {
		ss := inventory.StackSet{Name: st.name, ID: st.name + ":" + b.uuid(), Description: st.desc, Status: "ACTIVE", Instances: []inventory.StackInstance{}}
		for _, a := range byID {
			if !st.who(a) {
				continue
			}
			status := "CURRENT"
			if a.spec.Status == inventory.AccountSuspended {
				status = "INOPERABLE" // suspended accounts cannot be updated any more
			}
			rs := []string{home}
			if st.allRegions {
				rs = manifestRegions
			}
			for _, r := range rs {
				ss.Instances = append(ss.Instances, inventory.StackInstance{AccountID: a.a.ID, Region: r, Status: status})
				manifest[r] = true
			}
		}
		z.StackSets = append(z.StackSets, ss)
	}
	for r := range manifest {
		z.ManifestRegions = append(z.ManifestRegions, r)
	}
	sort.Strings(z.ManifestRegions)

	// Service Catalog: the AVM product in the "AWS Landing Zone - Baseline" portfolio (v1 also had
	// "AWS Landing Zone - Core"), and one provisioned product per vended account.
	avm := inventory.Product{ID: b.scID("prod"), Name: AVMProductName, Owner: "AWS Solutions Builder Team"}
	z.Products = []inventory.Product{avm}
	principal := fmt.Sprintf("arn:aws:iam::%s:role/LandingZoneAdmin", mgmt)
	z.Portfolios = []inventory.Portfolio{{
		ID: b.scID("port"), Name: "AWS Landing Zone - Baseline", ProviderName: "AWS Solutions",
		ProductIDs: []string{avm.ID}, PrincipalARNs: []string{principal}, ConstraintIDs: []string{b.scID("cons")},
	}}
	if b.IsV1() {
		z.Portfolios = append(z.Portfolios, inventory.Portfolio{
			ID: b.scID("port"), Name: "AWS Landing Zone - Core", ProviderName: "AWS Solutions",
			ProductIDs: []string{avm.ID}, PrincipalARNs: []string{principal}, ConstraintIDs: []string{b.scID("cons")},
		})
	}
	z.ProvisionedProducts = []inventory.ProvisionedProduct{}
	for _, a := range b.accounts {
		if a.mgmt || a.spec.Invited {
			continue
		}
		ou := "core"
		if !a.core {
			ou = slug(a.ouName)
			if ou == "" {
				ou = "root"
			}
		}
		status := a.spec.ProvisioningStatus
		if status == "" {
			status = "AVAILABLE"
		}
		pp := inventory.ProvisionedProduct{
			ID:        b.scID("pp"),
			Name:      fmt.Sprintf("lz_%s_%s_%s", ou, a.spec.Name, stamp(a.createdAt)),
			ProductID: avm.ID,
			Status:    status,
		}
		z.ProvisionedProducts = append(z.ProvisionedProducts, pp)
		// Each provisioned product is a CloudFormation stack of the AVM template (SO0045).
		name := fmt.Sprintf("SC-%s-%s", mgmt, pp.ID)
		stStatus := "CREATE_COMPLETE"
		if status == "UNDER_CHANGE" {
			stStatus = "UPDATE_IN_PROGRESS"
		}
		z.Stacks = append(z.Stacks, inventory.Stack{
			Name: name, ID: stackArn(home, name), Region: home,
			Description: "(SO0045) - AWS Landing Zone Account Vending Machine: creates an account and applies the baseline",
			Status:      stStatus,
		})
	}

	z.Pipeline = &inventory.Pipeline{
		Name: PipelineName, Region: home,
		Stages:              []string{"Source", "Build", "CoreAccounts", "ServiceControlPolicy", "ServiceCatalog", "BaselineResources"},
		DisabledTransitions: []string{},
	}
	z.Buckets = []inventory.Bucket{
		{Name: fmt.Sprintf("aws-landing-zone-configuration-%s-%s", mgmt, home), AccountID: mgmt, Region: home},
		{Name: "landingzone-landingzonepipelineartifactss3bucke-" + b.alnum(12), AccountID: mgmt, Region: home},
		{Name: logBucket, AccountID: b.logging, Region: home},
	}
	if !b.IsV1() {
		z.Buckets = append(z.Buckets, inventory.Bucket{Name: fmt.Sprintf("aws-landing-zone-s3-access-logs-%s-%s", b.logging, home), AccountID: b.logging, Region: home})
	}
	logParam := "logging"
	z.SSMParameters = []inventory.SSMParameter{}
	for _, n := range []string{
		"/org/primary/account_id", "/org/primary/organization_id", "/org/primary/email_id",
		"/org/member/security/account_id", "/org/member/" + logParam + "/account_id",
		"/org/member/sharedservices/account_id", "/org/member/security/sns_topic_arn",
		"/org/member/" + logParam + "/bucket_name", "/org/primary/kms_key_arn",
	} {
		z.SSMParameters = append(z.SSMParameters, inventory.SSMParameter{Name: n, Region: home})
	}
	z.KMSAliases = []inventory.KMSAlias{{Name: KMSAliasName, TargetKeyID: b.uuid(), Region: home}}
}

// scps adds FullAWSAccess (attached by AWS to the root and to every OU and account when it is
// created) and ALZ's own SCPs on the top-level OUs.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html
func (b *Builder) scps(s *inventory.Snapshot) {
	full := inventory.Policy{
		ID:          FullAWSAccessID,
		Arn:         "arn:aws:organizations::aws:policy/service_control_policy/" + FullAWSAccessID,
		Name:        "FullAWSAccess",
		Description: "Allows access to every operation",
		AWSManaged:  true,
		Document:    fullAWSAccessDocument,
		Targets:     []string{b.rootID},
	}
	for _, ou := range b.ous {
		full.Targets = append(full.Targets, ou.ID)
	}
	for _, a := range b.accounts {
		full.Targets = append(full.Targets, a.a.ID)
	}
	var topNonCore []string
	for _, ou := range b.ous {
		if ou.ParentID == b.rootID && ou.ID != b.coreOUID {
			topNonCore = append(topNonCore, ou.ID)
		}
	}
	pols := []inventory.Policy{full}
	alz := func(name, desc, doc string, targets []string) {
		id := "p-" + b.unique(func() string { return b.alnum(8) })
		pols = append(pols, inventory.Policy{
			ID:          id,
			Arn:         fmt.Sprintf("arn:aws:organizations::%s:policy/%s/service_control_policy/%s", b.mgmtID, b.orgID, id),
			Name:        name,
			Description: desc,
			Document:    doc,
			Targets:     append([]string{}, targets...),
		})
	}
	if b.hasGuardrailSCPs() {
		alz("aws-landing-zone-core-mandatory-preventive-guardrails", "AWS Landing Zone mandatory preventive guardrails for the core OU", coreGuardrailsDocument, []string{b.coreOUID})
		alz("aws-landing-zone-non-core-mandatory-preventive-guardrails", "AWS Landing Zone mandatory preventive guardrails for non-core OUs", nonCoreGuardrailsDocument, topNonCore)
	} else {
		alz("protect-cloudtrail-config", "Protects the AWS Landing Zone CloudTrail and AWS Config baseline", protectCloudTrailConfigDocument, append([]string{b.coreOUID}, topNonCore...))
	}
	s.Policies = append(pols, b.policies...)
}

// slug lower-cases a name and keeps letters, digits and dashes, as ALZ does for provisioned product names.
func slug(s string) string {
	var sb strings.Builder
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			sb.WriteRune(c)
		case c == '-' || c == ' ' || c == '_':
			sb.WriteByte('-')
		}
	}
	return sb.String()
}

// networkAndRegions adds the VPCs ALZ's VPC StackSets created (one per instance, in the home region)
// with a few network interfaces, and enables an opt-in region in some accounts. It draws from a
// hash of the seed and the IDs, not from the builder's random stream, so the rest of a generated
// organization stays what it was before these facts existed.
func (b *Builder) networkAndRegions(s *inventory.Snapshot) {
	h := func(parts ...string) string {
		sum := sha256.New()
		fmt.Fprint(sum, b.opts.Seed)
		for _, p := range parts {
			sum.Write([]byte{0})
			sum.Write([]byte(p))
		}
		return hex.EncodeToString(sum.Sum(nil))
	}
	byID := map[string]*inventory.Account{}
	for i := range s.Accounts {
		byID[s.Accounts[i].ID] = &s.Accounts[i]
	}
	n := 0
	for _, ss := range s.ALZ.StackSets {
		name := "PrimaryVPC"
		switch ss.Name {
		case "AWS-Landing-Zone-Baseline-PrimaryVPC":
		case "AWS-Landing-Zone-SharedServicesAccountVPC":
			name = "SharedServicesVPC"
		default:
			continue
		}
		stack := "StackSet-" + ss.Name + "-" + h(ss.ID)[:8] + "-" + h(ss.ID)[8:12]
		for _, in := range ss.Instances {
			a := byID[in.AccountID]
			if a == nil {
				continue
			}
			for k := range a.Regions {
				r := &a.Regions[k]
				if r.Region != in.Region {
					continue
				}
				id := h(a.ID, r.Region, ss.Name)
				v := inventory.VPC{ID: "vpc-" + id[:17], CIDRBlock: fmt.Sprintf("10.%d.%d.0/20", n/16%256, n%16*16), Name: name, Stack: stack}
				// Most baseline VPCs still run something: an instance behind a NAT gateway, a VPC
				// Lambda function; about a quarter are empty and can go.
				switch id[17] % 4 {
				case 0:
				case 1:
					v.NetworkInterfaces = []inventory.NetworkInterface{{ID: "eni-" + h(id, "fn")[:17], Type: "lambda", Status: "in-use", Description: "AWS Lambda VPC ENI-" + h(id, "name")[:12]}}
				default:
					v.NetworkInterfaces = []inventory.NetworkInterface{
						{ID: "eni-" + h(id, "i")[:17], Type: "interface", Status: "in-use", Description: "Primary network interface"},
						{ID: "eni-" + h(id, "nat")[:17], Type: "natGateway", Status: "in-use", Description: "Interface for NAT Gateway nat-" + h(id, "ngw")[:17]},
					}
				}
				r.VPCs = append(r.VPCs, v)
				n++
			}
		}
	}
	optIn := []string{"af-south-1", "ap-east-1", "eu-south-1", "me-south-1", "il-central-1"}
	for i := range s.Accounts {
		a := &s.Accounts[i]
		if x := h(a.ID, "opt-in"); x[0] < '2' { // one account in eight
			a.OptInRegions = []string{optIn[int(x[1])%len(optIn)]}
		}
	}
}
