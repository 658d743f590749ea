package sim

// authenticate applies AWS's identity rules before any operation runs: a request must be signed,
// with an access key AWS issued (a configured key or one AssumeRole handed out), for a region that
// exists in the partition and is enabled for the calling account. Each failure answers the code the
// protocol's SDKs expect.
func (c *call) authenticate(auth authInfo) *apiError {
	if !auth.signed {
		return c.authError(authMissing, "")
	}
	if auth.accessKey == "" {
		return c.authError(authInvalid, "")
	}
	if !c.st.regionKnown(auth.region) {
		return c.authError(authRegion, auth.region)
	}
	id, ok := c.s.creds.identify(auth.accessKey, c.st)
	if !ok {
		return c.authError(authInvalid, "")
	}
	c.id, c.account = id, id.account
	// A region the account has not enabled does not know the account's credentials.
	// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
	if a := c.st.account(c.account); a != nil && !a.EnabledIn(c.region) {
		return c.authError(authInvalid, "")
	}
	return nil
}

type authFailure int

const (
	authMissing authFailure = iota // no Authorization header
	authInvalid                    // an access key AWS never issued, or a disabled region
	authRegion                     // a credential scope naming a region that does not exist
)

// authError is the protocol's answer to a failed authentication.
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
func (c *call) authError(kind authFailure, region string) *apiError {
	const invalidToken = "The security token included in the request is invalid."
	badRegion := "Credential should be scoped to a valid region, not '" + region + "'."
	switch c.svc.protocol {
	case protoQuery:
		switch kind {
		case authMissing:
			return errorf(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
		case authRegion:
			return errorf(403, "SignatureDoesNotMatch", "%s", badRegion)
		}
		return errorf(403, "InvalidClientTokenId", invalidToken)
	case protoEC2:
		switch kind {
		case authMissing:
			return errorf(401, "MissingAuthenticationToken", "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.")
		case authRegion:
			return errorf(401, "AuthFailure", "%s", badRegion)
		}
		return errorf(401, "AuthFailure", "AWS was not able to validate the provided access credentials")
	case protoRESTXML:
		switch kind {
		case authMissing:
			return errorf(403, "AccessDenied", "Access Denied")
		case authRegion:
			return errorf(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; the region '%s' is wrong; expecting 'us-east-1'", region)
		}
		return errorf(403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	}
	switch kind {
	case authMissing:
		return errorf(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
	case authRegion:
		return errorf(403, "InvalidSignatureException", "%s", badRegion)
	}
	return errorf(403, "UnrecognizedClientException", invalidToken)
}
