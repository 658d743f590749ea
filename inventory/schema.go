package inventory

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
)

// The schema and the field reference in docs/ are generated from the Go types, so they cannot drift
// from what Decode accepts: the structure comes from reflection, the descriptions from the doc
// comments in model.go (embedded below), and fieldNotes fills in fields whose Go comment is missing
// or says too little for someone reading a file. TestSchemaUpToDate fails when docs/ is stale.

//go:embed model.go
var modelSource []byte

// SchemaID is the $id of the snapshot JSON Schema.
const SchemaID = "https://github.com/lz2ct/lz2ct/docs/snapshot.schema.json"

// fieldNotes describes fields (keyed "Type.jsonName") beyond or instead of their Go comments.
var fieldNotes = map[string]string{
	"Snapshot.schemaVersion":   fmt.Sprintf("Version of this file format; this lz2ct reads and writes %d.", SchemaVersion),
	"Snapshot.capturedAt":      "When discovery read the organization (RFC 3339, UTC). Generated files derive it from the seed.",
	"Snapshot.organization":    "The organization itself (organizations:DescribeOrganization).",
	"Snapshot.roots":           "The organization roots (organizations:ListRoots); an organization has exactly one.",
	"Snapshot.ous":             "Every organizational unit at any depth, sorted by ID.",
	"Snapshot.accounts":        "Every account, the management account included, sorted by ID.",
	"Snapshot.policies":        "Every service control policy with its document and targets, sorted by ID.",
	"Snapshot.trustedServices": "Service principals with trusted access to the organization (organizations:ListAWSServiceAccessForOrganization). config.amazonaws.com or cloudtrail.amazonaws.com here block Control Tower.",
	"Snapshot.delegatedAdmins": "Delegated administrator accounts per service principal.",
	"Snapshot.identityCenter":  "The IAM Identity Center instance; absent when there is none. Control Tower must be deployed in its region.",
	"Snapshot.controlTower":    "Control Tower's state: its landing zone (absent when not deployed) and enabled baselines.",
	"Snapshot.alz":             "What the AWS Landing Zone solution left in the organization; absent when no ALZ was found.",

	"Organization.id":         "Organization ID (o-...).",
	"Organization.arn":        "Organization ARN.",
	"Organization.featureSet": "ALL or CONSOLIDATED_BILLING; Control Tower and SCPs need ALL.",

	"AccountIAM.controlTowerExecutionRole":     "The role AWSControlTowerExecution exists (Control Tower needs it to enroll the account).",
	"AccountIAM.stackSetExecutionRole":         "The role AWSCloudFormationStackSetExecutionRole exists (ALZ's StackSets deploy through it).",
	"AccountIAM.organizationAccountAccessRole": "The role OrganizationAccountAccessRole exists (created with accounts made by Organizations).",
	"Organization.managementAccountId":         "The management account's ID; that account is also in accounts.",
	"Organization.managementAccountEmail":      "The management account's e-mail address.",

	"Root.id":          "Root ID (r-...).",
	"Root.arn":         "Root ARN.",
	"Root.name":        "Root name (\"Root\").",
	"Root.policyTypes": "Policy types enabled on the root (SERVICE_CONTROL_POLICY, TAG_POLICY, ...).",

	"OU.id":       "OU ID (ou-<root>-<suffix>).",
	"OU.arn":      "OU ARN.",
	"OU.name":     "OU name, unique among its siblings (case-insensitively).",
	"OU.parentId": "The root or OU this OU sits in.",

	"Account.id":           "12-digit account ID.",
	"Account.arn":          "Account ARN in the organization.",
	"Account.name":         "Account name.",
	"Account.email":        "The account's root user e-mail address; Control Tower's new Log Archive and Audit accounts need addresses no account has used.",
	"Account.parentId":     "The root or OU the account sits in.",
	"Account.status":       "PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED (Organizations' Account.State); Control Tower enrolls ACTIVE accounts only.",
	"Account.joinedMethod": "INVITED or CREATED: how the account joined the organization.",
	"Account.joinedAt":     "When the account joined the organization (UTC, second precision).",

	"AccountRegion.region":  "The region these facts are about; readable accounts have one entry per snapshot region enabled for them.",
	"AccountRegion.vpcs":    "VPCs in this account and region with their network interfaces (ec2:DescribeVpcs, ec2:DescribeNetworkInterfaces).",
	"Account.optInRegions":  "Opt-in regions enabled for the account (ec2:DescribeRegions, OptInStatus opted-in). Regions that need no opt-in are always enabled; a snapshot region that is opt-in and not listed here is disabled for the account and has no regions[] entry.",
	"Account.reservedNames": "IAM roles named aws-controltower-* (iam:ListRoles): Control Tower creates roles with these names in every enrolled account.",

	"VPC.id":                "VPC ID (vpc-...).",
	"VPC.cidrBlock":         "The VPC's primary IPv4 CIDR block.",
	"VPC.isDefault":         "Whether this is the region's default VPC.",
	"VPC.name":              "The Name tag.",
	"VPC.stack":             "The aws:cloudformation:stack-name tag: the stack that created the VPC (StackSet-AWS-Landing-Zone-Baseline-PrimaryVPC-... for ALZ's baseline VPC).",
	"VPC.networkInterfaces": "Network interfaces in the VPC; an empty list means nothing runs in it.",

	"NetworkInterface.id":             "Network interface ID (eni-...).",
	"NetworkInterface.type":           "InterfaceType: interface, natGateway, lambda, vpc_endpoint, network_load_balancer, ...",
	"NetworkInterface.status":         "available, in-use, attaching, detaching or associated.",
	"NetworkInterface.description":    "The interface's description (AWS services say there what created it).",
	"AccountRegion.configRecorders":   "AWS Config configuration recorders in this account and region (at most one customer recorder, plus service-linked ones).",
	"AccountRegion.deliveryChannels":  "AWS Config delivery channels in this account and region.",
	"AccountRegion.configAggregators": "Names of AWS Config aggregators in this account and region.",

	"ConfigRecorder.name":      "Recorder name; ALZ's is AWS-Landing-Zone-BaselineConfigRecorder.",
	"ConfigRecorder.roleArn":   "The IAM role the recorder uses.",
	"ConfigRecorder.recording": "Whether the recorder is recording now (DescribeConfigurationRecorderStatus).",

	"DeliveryChannel.name":         "Delivery channel name; ALZ's is Landing-Zone-Delivery-Channel.",
	"DeliveryChannel.s3BucketName": "Bucket the channel delivers to.",
	"DeliveryChannel.snsTopicArn":  "SNS topic the channel notifies, if any.",

	"NamedResource.type": "CloudFormation resource type: AWS::SNS::Topic (sns:ListTopics), AWS::CloudTrail::Trail (cloudtrail:DescribeTrails), AWS::Logs::LogGroup (logs:DescribeLogGroups), AWS::IAM::Role (iam:ListRoles, account-wide).",
	"NamedResource.name": "The resource name Control Tower wants to create itself.",

	"Policy.id":          "Policy ID (p-...); AWS's own FullAWSAccess is p-FullAWSAccess.",
	"Policy.arn":         "Policy ARN.",
	"Policy.name":        "Policy name.",
	"Policy.description": "Policy description.",
	"Policy.awsManaged":  "True for AWS managed policies (FullAWSAccess), which cannot be edited or deleted.",

	"DelegatedAdministrator.accountId":        "The delegated administrator account.",
	"DelegatedAdministrator.servicePrincipal": "The service it administers, e.g. guardduty.amazonaws.com.",

	"IdentityCenter.instanceArn":     "Instance ARN (arn:aws:sso:::instance/ssoins-...).",
	"IdentityCenter.identityStoreId": "Identity store ID (d-...).",
	"IdentityCenter.region":          "Region the instance lives in; it must equal Control Tower's home region.",

	"ControlTower.landingZone":      "The landing zone; absent when Control Tower is not deployed.",
	"ControlTower.baselines":        "The baseline catalogue (controltower:ListBaselines in the home region): maps the opaque baseline ARNs of enabledBaselines to names.",
	"Baseline.arn":                  "Baseline ARN (arn:aws:controltower:<region>::baseline/<ID>).",
	"Baseline.name":                 "Baseline name: AWSControlTowerBaseline, IdentityCenterBaseline, BackupBaseline, ...",
	"ControlTower.enabledBaselines": "Enabled baselines (controltower:ListEnabledBaselines): an AWSControlTowerBaseline on an OU registers it, on an account enrolls it.",

	"LandingZone.arn":                    "Landing zone ARN; its region is the home region.",
	"LandingZone.version":                "Landing zone version, e.g. 3.3.",
	"LandingZone.latestAvailableVersion": "Newest landing zone version AWS offers.",
	"LandingZone.status":                 "ACTIVE, PROCESSING or FAILED.",
	"LandingZone.driftStatus":            "DRIFTED or IN_SYNC.",
	"LandingZone.homeRegion":             "Control Tower's home region.",
	"LandingZone.governedRegions":        "Regions Control Tower governs.",
	"LandingZone.securityOuName":         "Name of Control Tower's Security OU (nothing can be registered under it).",
	"LandingZone.sandboxOuName":          "Name of Control Tower's Sandbox OU, if any.",
	"LandingZone.logArchiveAccountId":    "Control Tower's Log Archive account.",
	"LandingZone.auditAccountId":         "Control Tower's Audit account.",

	"EnabledBaseline.arn":                "Enabled baseline ARN.",
	"EnabledBaseline.baselineIdentifier": "ARN of the baseline; its name is in controlTower.baselines.",
	"EnabledBaseline.targetIdentifier":   "ARN of the OU or account the baseline is enabled on.",
	"EnabledBaseline.status":             "SUCCEEDED, FAILED or UNDER_CHANGE (statusSummary.status).",
	"EnabledBaseline.baselineVersion":    "Baseline version, e.g. 4.0.",

	"ALZ.homeRegion":              "ALZ's home region: the region of its initiation stack.",
	"ALZ.manifestRegions":         "Regions ALZ deployed to: the sorted union of the StackSet instance regions.",
	"ALZ.coreOuId":                "The root-level OU named core (case-insensitive), if any.",
	"ALZ.securityAccountId":       "The core OU account named security.",
	"ALZ.logArchiveAccountId":     "The core OU account named log-archive (ALZ v2) or logging (v1.0.x).",
	"ALZ.sharedServicesAccountId": "The core OU account named shared-services.",
	"ALZ.stacks":                  "ALZ CloudFormation stacks in the management account: the initiation stack (SO0044), AVM stacks (SO0045) and stacks named AWS-Landing-Zone*.",
	"ALZ.stackSets":               "ALZ StackSets (AWS-Landing-Zone-*) in the home region with their instances.",
	"ALZ.portfolios":              "Service Catalog portfolios whose name starts with AWS Landing Zone.",
	"ALZ.products":                "Products of those portfolios and products named AWS-Landing-Zone-*.",
	"ALZ.provisionedProducts":     "Provisioned products of ALZ products (lz_core_*, lz_<ou>_<account>_*).",
	"ALZ.pipeline":                "The AWS-Landing-Zone-CodePipeline, if it exists.",
	"ALZ.buckets":                 "S3 buckets named aws-landing-zone-* or landingzone-* in the management and log archive accounts.",
	"ALZ.ssmParameters":           "SSM parameters under /org/ in the home region.",
	"ALZ.kmsAliases":              "The KMS alias alias/AwsLandingZoneKMSKey, if it exists.",

	"Stack.name":                  "Stack name.",
	"Stack.id":                    "Stack ID (its ARN).",
	"Stack.region":                "Region of the stack.",
	"Stack.description":           "Stack description; the solution ID in it tells the initiation stack (SO0044) from AVM stacks (SO0045).",
	"Stack.status":                "Stack status, e.g. CREATE_COMPLETE.",
	"Stack.terminationProtection": "Whether termination protection is on (it must be turned off before deleting).",

	"StackSet.name":        "StackSet name.",
	"StackSet.id":          "StackSet ID (<name>:<uuid>).",
	"StackSet.description": "StackSet description.",
	"StackSet.status":      "ACTIVE or DELETED.",
	"StackSet.instances":   "Stack instances, one per account and region.",

	"StackInstance.accountId": "Account of the instance.",
	"StackInstance.region":    "Region of the instance.",
	"StackInstance.status":    "CURRENT, OUTDATED or INOPERABLE (e.g. the account was suspended).",

	"Portfolio.id":            "Portfolio ID (port-...).",
	"Portfolio.name":          "Portfolio display name.",
	"Portfolio.providerName":  "Portfolio provider name.",
	"Portfolio.productIds":    "Products in the portfolio.",
	"Portfolio.constraintIds": "Constraints on the portfolio's products (launch constraints and others).",

	"Product.id":    "Product ID (prod-...).",
	"Product.name":  "Product name, e.g. AWS-Landing-Zone-Account-Vending-Machine.",
	"Product.owner": "Product owner.",

	"ProvisionedProduct.id":        "Provisioned product ID (pp-...).",
	"ProvisionedProduct.name":      "Provisioned product name.",
	"ProvisionedProduct.productId": "The product it was provisioned from.",
	"ProvisionedProduct.status":    "AVAILABLE, UNDER_CHANGE, TAINTED, ERROR or PLAN_IN_PROGRESS; a product under change cannot be terminated yet.",

	"Pipeline.name":   "Pipeline name.",
	"Pipeline.region": "Region of the pipeline (the ALZ home region).",

	"Bucket.name":      "Bucket name.",
	"Bucket.accountId": "Account that owns the bucket.",
	"Bucket.region":    "Bucket region (GetBucketLocation; empty LocationConstraint means us-east-1).",

	"SSMParameter.name":   "Parameter name.",
	"SSMParameter.region": "Region of the parameter.",
	"SSMParameter.type":   "String, StringList or SecureString (a SecureString's value is a secret); empty means String.",

	"KMSAlias.name":        "Alias name.",
	"KMSAlias.targetKeyId": "The key the alias points to.",
	"KMSAlias.region":      "Region of the alias.",

	"Problem.accountId": "Account the failed call was about; empty for organization-wide calls.",
	"Problem.region":    "Region the failed call was about; empty for global calls or the whole account.",
	"Problem.service":   "SDK service ID in lower case (organizations, sts, config, ...).",
	"Problem.operation": "The API operation that failed, e.g. AssumeRole.",
	"Problem.code":      "AWS error code, e.g. AccessDenied.",
	"Problem.message":   "AWS error message.",
}

// fieldKeywords adds validation keywords (patterns from validate.go, enums) to some fields.
var fieldKeywords = map[string]map[string]any{
	"Snapshot.schemaVersion":           {"const": SchemaVersion},
	"Snapshot.source":                  {"examples": []string{"discover", "generator", "hand-written"}},
	"Snapshot.partition":               {"enum": []string{"aws", "aws-us-gov", "aws-cn"}},
	"Organization.id":                  {"pattern": orgIDPattern.String()},
	"Organization.featureSet":          {"enum": []string{"ALL", "CONSOLIDATED_BILLING"}},
	"Organization.managementAccountId": {"pattern": accountIDPattern.String()},
	"Organization.accountQuota":        {"minimum": 0},
	"Root.id":                          {"pattern": rootIDPattern.String()},
	"OU.id":                            {"pattern": ouIDPattern.String()},
	"Account.id":                       {"pattern": accountIDPattern.String()},
	"Account.status":                   {"enum": []string{AccountPendingActivation, AccountActive, AccountSuspended, AccountPendingClosure, AccountClosed}},
	"Account.joinedMethod":             {"enum": []string{"INVITED", "CREATED"}},
	"AccountRegion.region":             {"pattern": regionPattern.String()},
	"VPC.id":                           {"pattern": vpcIDPattern.String()},
	"NetworkInterface.id":              {"pattern": eniIDPattern.String()},
	"Policy.id":                        {"pattern": policyIDPattern.String()},
	"StackInstance.accountId":          {"pattern": accountIDPattern.String()},
	"StackInstance.region":             {"pattern": regionPattern.String()},
	"IdentityCenter.region":            {"pattern": regionPattern.String()},
	"LandingZone.homeRegion":           {"pattern": regionPattern.String()},
}

// schemaDocs holds the Go doc comments of model.go's types and fields.
type schemaDocs struct {
	types  map[string]string // type name -> doc
	fields map[string]string // "Type.GoField" -> doc
}

func parseModelDocs() schemaDocs {
	d := schemaDocs{types: map[string]string{}, fields: map[string]string{}}
	f, err := parser.ParseFile(token.NewFileSet(), "model.go", modelSource, parser.ParseComments)
	if err != nil {
		panic("inventory: model.go does not parse: " + err.Error()) // it compiled, so it parses
	}
	clean := func(cg ...*ast.CommentGroup) string {
		var parts []string
		for _, c := range cg {
			if t := strings.TrimSpace(c.Text()); c != nil && t != "" {
				parts = append(parts, strings.Join(strings.Fields(t), " "))
			}
		}
		return strings.Join(parts, " ")
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			doc := ts.Doc
			if doc == nil {
				doc = gd.Doc
			}
			if doc != nil {
				d.types[ts.Name.Name] = clean(doc)
			}
			for _, fl := range st.Fields.List {
				var groups []*ast.CommentGroup
				if fl.Doc != nil {
					groups = append(groups, fl.Doc)
				}
				if fl.Comment != nil {
					groups = append(groups, fl.Comment)
				}
				for _, n := range fl.Names {
					d.fields[ts.Name.Name+"."+n.Name] = clean(groups...)
				}
			}
		}
	}
	return d
}

// SchemaField is one field of the snapshot format, for the reference in docs/snapshot.md.
type SchemaField struct {
	Path        string // e.g. accounts[].regions[].configRecorders[].name
	Type        string // JSON type as the reference shows it
	Required    bool
	Description string
}

type schemaBuilder struct {
	docs   schemaDocs
	defs   map[string]any
	fields []SchemaField
}

func (b *schemaBuilder) description(typ, goField, jsonName string) string {
	note := fieldNotes[typ+"."+jsonName]
	doc := b.docs.fields[typ+"."+goField]
	switch {
	case note == "":
		return doc
	case doc == "" || strings.Contains(note, doc) || strings.Contains(doc, " | "):
		return note // the note already says it, or the Go comment is only the list of values
	default:
		return note + " " + doc
	}
}

// typeSchema returns the schema of t, registering struct types in $defs. path is where t sits in
// a snapshot, for the field reference.
func (b *schemaBuilder) typeSchema(t reflect.Type, path string) (schema map[string]any, label string) {
	if t.String() == "time.Time" {
		return map[string]any{"type": "string", "format": "date-time"}, "time (RFC 3339)"
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner, l := b.typeSchema(t.Elem(), path)
		return map[string]any{"anyOf": []any{inner, map[string]any{"type": "null"}}}, l + " or null"
	case reflect.Slice:
		inner, l := b.typeSchema(t.Elem(), path+"[]")
		return map[string]any{"type": []string{"array", "null"}, "items": inner}, "array of " + l
	case reflect.Map:
		inner, l := b.typeSchema(t.Elem(), path+".*")
		return map[string]any{"type": "object", "additionalProperties": inner}, "object of " + l
	case reflect.String:
		return map[string]any{"type": "string"}, "string"
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}, "integer"
	case reflect.Struct:
		name := t.Name()
		if _, done := b.defs[name]; !done {
			b.defs[name] = nil // reserve: a type is described once, where first met
			b.defs[name] = b.structSchema(t, path)
		}
		return map[string]any{"$ref": "#/$defs/" + name}, name
	}
	panic("inventory: no JSON Schema mapping for " + t.String())
}

func (b *schemaBuilder) structSchema(t reflect.Type, path string) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fieldPath := name
		if path != "" {
			fieldPath = path + "." + name
		}
		// Reserve this field's row before the nested type's rows, so the reference reads top-down.
		row := len(b.fields)
		b.fields = append(b.fields, SchemaField{})
		fs, label := b.typeSchema(sf.Type, fieldPath)
		desc := b.description(t.Name(), sf.Name, name)
		p := map[string]any{}
		if ref, isRef := fs["$ref"]; isRef {
			// $ref with siblings is fine in 2020-12; the description belongs to the field.
			p["$ref"] = ref
		} else {
			for k, v := range fs {
				p[k] = v
			}
		}
		if desc != "" {
			p["description"] = desc
		}
		for k, v := range fieldKeywords[t.Name()+"."+name] {
			p[k] = v
		}
		props[name] = p
		req := !strings.Contains(opts, "omitempty")
		if req {
			required = append(required, name)
		}
		b.fields[row] = SchemaField{Path: fieldPath, Type: label, Required: req, Description: desc}
	}
	s := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if d := b.docs.types[t.Name()]; d != "" {
		s["description"] = d
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func buildSchema() (map[string]any, []SchemaField) {
	b := &schemaBuilder{docs: parseModelDocs(), defs: map[string]any{}}
	root := b.structSchema(reflect.TypeOf(Snapshot{}), "")
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "lz2ct organization snapshot"
	root["description"] = fmt.Sprintf("An AWS organization as lz2ct discovered it (schema version %d). %s See docs/snapshot.md.", SchemaVersion, b.docs.types["Snapshot"])
	root["$defs"] = b.defs
	return root, b.fields
}

// JSONSchema returns the JSON Schema (2020-12) of the snapshot file, as committed in
// docs/snapshot.schema.json: two-space indented, keys sorted, a final newline.
func JSONSchema() []byte {
	s, _ := buildSchema()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		panic("inventory: schema does not encode: " + err.Error())
	}
	return buf.Bytes()
}

// SchemaFields lists every field of the snapshot format in document order, each type described
// where it first appears.
func SchemaFields() []SchemaField {
	_, f := buildSchema()
	return f
}

// FieldReference renders SchemaFields as the Markdown table in docs/snapshot.md.
func FieldReference() string {
	var sb strings.Builder
	sb.WriteString("| field | type | required | meaning |\n|---|---|---|---|\n")
	esc := strings.NewReplacer("|", `\|`, "\n", " ")
	for _, f := range SchemaFields() {
		req := ""
		if f.Required {
			req = "yes"
		}
		fmt.Fprintf(&sb, "| `%s` | %s | %s | %s |\n", f.Path, esc.Replace(f.Type), req, esc.Replace(f.Description))
	}
	return sb.String()
}
