package sim

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"

	"github.com/lz2ct/lz2ct/inventory"
)

// authInfo is what the SigV4 signature says about a request.
type authInfo struct {
	signed                     bool // an Authorization header or a presigned X-Amz-Credential was sent
	accessKey, region, service string
	scope                      string // <date>/<region>/<service>/aws4_request
}

// parseAuth reads the credential from the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=..., Signature=...")
// or, for presigned URLs, from X-Amz-Credential.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-request.html
func parseAuth(r *http.Request) authInfo {
	cred := ""
	h := r.Header.Get("Authorization")
	if h != "" {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return authInfo{signed: h != "" || cred != ""}
	}
	return authInfo{signed: true, accessKey: parts[0], region: parts[2], service: parts[3], scope: strings.Join(parts[1:], "/")}
}

// identity is who a request acts as.
type identity struct {
	account string
	// role and session are set for credentials from AssumeRole.
	role, session string
	// user is the IAM user of a configured access key.
	user string
}

// DefaultAccessKeys are the long-term access keys the simulator accepts when Options.AccessKeys is
// nil, all acting as the management account: AWS's documented example key and the keys lz2ct's own
// tests and demo use. Any other key is refused as AWS refuses an unknown one.
var DefaultAccessKeys = map[string]string{
	"AKIAIOSFODNN7EXAMPLE": "", // https://docs.aws.amazon.com/IAM/latest/UserGuide/security-creds.html
	"AKIAEXAMPLEEXAMPLE00": "",
	"AKIALZ2CTDEMO0000000": "",
}

// assumedKeyPrefix starts the access key IDs AssumeRole hands out: "ASIA" (AWS's prefix for
// temporary credentials) + a 4-character tag + the 12-digit account ID makes the usual 20
// characters. The tag's last two characters are a checksum of the seed, the account and its
// first two, so the simulator recognises the keys it issued, also after a restart with the same
// seed, and refuses made-up ones.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
const assumedKeyPrefix = "ASIA"

// credentialIssuer hands out deterministic temporary credentials and remembers which role and
// session each key stands for (so GetCallerIdentity can answer the assumed-role ARN).
type credentialIssuer struct {
	seed     int64
	keys     map[string]string // configured long-term keys -> account ("" = management)
	mu       sync.RWMutex
	sessions map[string]identity // access key ID -> identity
}

func newCredentialIssuer(seed int64, keys map[string]string) *credentialIssuer {
	if keys == nil {
		keys = DefaultAccessKeys
	}
	return &credentialIssuer{seed: seed, keys: keys, sessions: map[string]identity{}}
}

type tempCredentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

func (ci *credentialIssuer) digest(parts ...string) []byte {
	h := sha256.New()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(ci.seed))
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return h.Sum(nil)
}

func (ci *credentialIssuer) checksum(account, head string) string {
	return base32.StdEncoding.EncodeToString(ci.digest("check", account, head))[:2]
}

// issue returns the credentials for a session of role in account: the same inputs and seed always
// give the same credentials.
func (ci *credentialIssuer) issue(account, role, session string) tempCredentials {
	head := base32.StdEncoding.EncodeToString(ci.digest("tag", account, role, session))[:2]
	akid := assumedKeyPrefix + head + ci.checksum(account, head) + account
	ci.mu.Lock()
	ci.sessions[akid] = identity{account: account, role: role, session: session}
	ci.mu.Unlock()
	secret := base64.StdEncoding.EncodeToString(ci.digest("secret", akid))[:40]
	token := base64.StdEncoding.EncodeToString(append(ci.digest("token", akid), ci.digest("token2", akid)...))
	return tempCredentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: "IQoJb3JpZ2luX2VjE" + token}
}

// identify maps an access key to who it acts as: a configured long-term key, or a key AssumeRole
// handed out (acting as the account it encodes). ok is false for any other key: AWS answers
// InvalidClientTokenId for an access key it never issued.
func (ci *credentialIssuer) identify(accessKey string, st *state) (identity, bool) {
	if acct, ok := ci.keys[accessKey]; ok {
		if acct == "" {
			acct = st.snap.Organization.ManagementAccountID
		}
		if a := st.account(acct); a != nil {
			return identity{account: a.ID, user: "lz2ct-sim"}, true
		}
		return identity{}, false
	}
	if len(accessKey) != 20 || !strings.HasPrefix(accessKey, assumedKeyPrefix) {
		return identity{}, false
	}
	acct := accessKey[8:]
	a := st.account(acct)
	if a == nil || accessKey[6:8] != ci.checksum(acct, accessKey[4:6]) {
		return identity{}, false
	}
	ci.mu.RLock()
	id, ok := ci.sessions[accessKey]
	ci.mu.RUnlock()
	if ok {
		id.account = a.ID // the interned ID
		return id, true
	}
	return identity{account: a.ID, role: "unknown", session: "unknown"}, true
}

// callerARN is the ARN GetCallerIdentity answers for id.
func callerARN(partition string, id identity) (arn, userID string) {
	if id.role != "" {
		return "arn:" + partition + ":sts::" + id.account + ":assumed-role/" + id.role + "/" + id.session,
			"AROA" + strings.ToUpper(hex.EncodeToString(sha256Bytes(id.account + id.role))[:17]) + ":" + id.session
	}
	return "arn:" + partition + ":iam::" + id.account + ":user/" + id.user, "AIDA" + strings.ToUpper(hex.EncodeToString(sha256Bytes(id.account + id.user))[:17])
}

func sha256Bytes(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// roleExists reports whether the snapshot says role exists in account a: the three tracked roles
// by their iam flags (no flags = nothing could be read, so no role is known to work), and the
// aws-controltower-* roles by reservedNames.
func roleExists(a *inventory.Account, role string) bool {
	if has, tracked := trackedRoles[role]; tracked {
		return a.IAM != nil && has(a.IAM)
	}
	for _, n := range a.ReservedNames {
		if n.Type == inventory.ResourceIAMRole && n.Name == role {
			return true
		}
	}
	return false
}

// trustsCaller reports whether role in account trusts the caller, as the roles the snapshot knows
// are set up: AWSControlTowerExecution, AWSCloudFormationStackSetExecutionRole and
// OrganizationAccountAccessRole trust the management account (arn:aws:iam::<management>:root), so
// any principal of the management account may assume them and no member account's principal can.
// Control Tower's own aws-controltower-* roles trust Control Tower's roles, never a caller of the
// simulator. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access-cross-account-role.html
func trustsCaller(role string, caller identity, st *state) bool {
	if _, tracked := trackedRoles[role]; !tracked {
		return false
	}
	return caller.account == st.snap.Organization.ManagementAccountID
}

func hexOf(s string) string { return hex.EncodeToString(sha256Bytes(s)) }
