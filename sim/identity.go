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
	accessKey, region, service string
	scope                      string // <date>/<region>/<service>/aws4_request
}

// parseAuth reads the credential from the Authorization header
// ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=..., Signature=...")
// or, for presigned URLs, from X-Amz-Credential.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-request.html
func parseAuth(r *http.Request) authInfo {
	cred := ""
	if h := r.Header.Get("Authorization"); h != "" {
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
		return authInfo{}
	}
	return authInfo{accessKey: parts[0], region: parts[2], service: parts[3], scope: strings.Join(parts[1:], "/")}
}

// identity is who a request acts as.
type identity struct {
	account string
	// role and session are set for credentials from AssumeRole.
	role, session string
}

// assumedKeyPrefix starts the access key IDs AssumeRole hands out: "ASIA" (AWS's prefix for
// temporary credentials) + a 4-character tag for the role and session + the 12-digit account ID
// makes the usual 20 characters.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
const assumedKeyPrefix = "ASIA"

// credentialIssuer hands out deterministic temporary credentials and remembers which role and
// session each tag stands for (so GetCallerIdentity can answer the assumed-role ARN).
type credentialIssuer struct {
	seed     int64
	mu       sync.RWMutex
	sessions map[string]identity // access key ID -> identity
}

func newCredentialIssuer(seed int64) *credentialIssuer {
	return &credentialIssuer{seed: seed, sessions: map[string]identity{}}
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

// issue returns the credentials for a session of role in account: the same inputs and seed always
// give the same credentials.
func (ci *credentialIssuer) issue(account, role, session string) tempCredentials {
	tag := base32.StdEncoding.EncodeToString(ci.digest("tag", account, role, session))[:4]
	akid := assumedKeyPrefix + tag + account
	ci.mu.Lock()
	ci.sessions[akid] = identity{account: account, role: role, session: session}
	ci.mu.Unlock()
	secret := base64.StdEncoding.EncodeToString(ci.digest("secret", akid))[:40]
	token := base64.StdEncoding.EncodeToString(append(ci.digest("token", akid), ci.digest("token2", akid)...))
	return tempCredentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: "IQoJb3JpZ2luX2VjE" + token}
}

// identify maps an access key to the account it acts as. Keys AssumeRole handed out act as the
// account they encode (also after a restart of the simulator, when the role name is no longer
// known); every other key acts as the management account.
func (ci *credentialIssuer) identify(accessKey string, st *state) identity {
	mgmt := identity{account: st.snap.Organization.ManagementAccountID}
	if len(accessKey) != 20 || !strings.HasPrefix(accessKey, assumedKeyPrefix) {
		return mgmt
	}
	acct := accessKey[8:]
	a := st.account(acct)
	if a == nil {
		return mgmt
	}
	ci.mu.RLock()
	id, ok := ci.sessions[accessKey]
	ci.mu.RUnlock()
	if ok {
		id.account = a.ID // the interned ID
		return id
	}
	return identity{account: a.ID}
}

// callerARN is the ARN GetCallerIdentity answers for id.
func callerARN(partition string, id identity, st *state) (arn, userID string) {
	if id.role != "" {
		return "arn:" + partition + ":sts::" + id.account + ":assumed-role/" + id.role + "/" + id.session,
			"AROA" + strings.ToUpper(hex.EncodeToString(sha256Bytes(id.account + id.role))[:17]) + ":" + id.session
	}
	if id.account == st.snap.Organization.ManagementAccountID {
		return "arn:" + partition + ":iam::" + id.account + ":user/lz2ct-sim", "AIDA" + strings.ToUpper(hex.EncodeToString(sha256Bytes(id.account))[:17])
	}
	return "arn:" + partition + ":sts::" + id.account + ":assumed-role/unknown/unknown", "AROA" + strings.ToUpper(hex.EncodeToString(sha256Bytes(id.account))[:17]) + ":unknown"
}

func sha256Bytes(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// roleExists reports whether the snapshot says role exists in account a (docs/discovery.md: the
// iam flags; no flags = nothing could be read, so no role is known to work).
func roleExists(a *inventory.Account, role string) bool {
	has, tracked := trackedRoles[role]
	return a.IAM != nil && tracked && has(a.IAM)
}

func hexOf(s string) string { return hex.EncodeToString(sha256Bytes(s)) }
