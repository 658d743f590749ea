package sim

import (
	"encoding/xml"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
)

// STS: query protocol. https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
func init() {
	registerService(&service{
		name:     "sts",
		version:  "2011-06-15",
		protocol: protoQuery,
		xmlns:    "https://sts.amazonaws.com/doc/2011-06-15/",
		// Throttling is the query services' throttling code.
		// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
		throttle:   apiError{Status: 400, Code: "Throttling", Message: "Rate exceeded"},
		denied:     apiError{Status: 403, Code: "AccessDenied"},
		badToken:   "ValidationError",
		validation: "ValidationError",
		ops: map[string]handler{
			"GetCallerIdentity": stsRegional(stsGetCallerIdentity),
			"AssumeRole":        stsRegional(stsAssumeRole),
		},
	})
}

// stsRegional answers RegionDisabledException where the snapshot says STS is not activated for
// the calling account in the request's region.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_enable-regions.html
func stsRegional(h handler) handler {
	return func(c *call) (any, error) {
		if ar := c.st.accountRegion(c.account, c.region); ar != nil && ar.STSDisabled {
			return nil, errorf(403, "RegionDisabledException", "STS is not activated in this region for account:%s. Your account administrator can activate STS in this region using the IAM Console.", c.account)
		}
		return h(c)
	}
}

type stsCallerIdentity struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

func stsGetCallerIdentity(c *call) (any, error) {
	arn, user := callerARN(c.partition(), c.id)
	return stsCallerIdentity{Arn: arn, UserID: user, Account: c.account}, nil
}

type stsAssumeRoleResult struct {
	XMLName     xml.Name `xml:"AssumeRoleResult"`
	Credentials struct {
		AccessKeyID     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
}

// stsAssumeRole succeeds for a role that exists in an active account and whose trust policy trusts
// the caller (assumable: the management account for the roles the snapshot knows, a created role's
// own trust policy); suspended and closing accounts
// cannot be entered (docs/discovery.md).
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
func stsAssumeRole(c *call) (any, error) {
	roleARN, session := c.param("RoleArn"), c.param("RoleSessionName")
	if roleARN == "" {
		return nil, c.missing("roleArn")
	}
	if session == "" {
		return nil, c.missing("roleSessionName")
	}
	account := roleARNAccount(roleARN)
	_, role, _ := strings.Cut(roleARN, ":role/")
	if i := strings.LastIndex(role, "/"); i >= 0 {
		role = role[i+1:] // the role path is not part of the name
	}
	if !roleARNPattern.MatchString(roleARN) || account == "" || role == "" {
		return nil, errorf(400, "ValidationError", "%s is invalid", roleARN)
	}
	if len(session) < 2 || len(session) > 64 || !sessionNamePattern.MatchString(session) {
		return nil, errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	a := c.st.account(account)
	if a == nil || a.Status != inventory.AccountActive || !c.st.assumable(a.ID, role, c.id) {
		return nil, errorf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.principalARN(), roleARN)
	}
	dur := 3600
	if d, err := strconv.Atoi(c.param("DurationSeconds")); err == nil && d > 0 {
		dur = d
	}
	cred := c.s.creds.issue(a.ID, role, session)
	var out stsAssumeRoleResult
	out.Credentials.AccessKeyID = cred.AccessKeyID
	out.Credentials.SecretAccessKey = cred.SecretAccessKey
	out.Credentials.SessionToken = cred.SessionToken
	// Wall-clock expiry: the SDK refreshes credentials that expire, so it must lie in the future.
	out.Credentials.Expiration = time.Now().UTC().Add(time.Duration(dur) * time.Second).Truncate(time.Second).Format(time.RFC3339)
	arn, user := callerARN(c.partition(), identity{account: a.ID, role: role, session: session})
	out.AssumedRoleUser.Arn = arn
	out.AssumedRoleUser.AssumedRoleID = user
	return out, nil
}

// STS's input patterns (API_AssumeRole.html): a role ARN, and a session name of 2-64 characters.
var (
	roleARNPattern     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
)
