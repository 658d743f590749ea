package session

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
)

// Identity is who the credentials belong to and the organization they manage.
type Identity struct {
	Account, Arn   string
	OrganizationID string
	// ManagementAccount is the organization's management account ID.
	ManagementAccount string
	// Management is true when Account is the organization's management account: only it can
	// read the whole organization.
	Management bool
	// EndpointURL is set when talking to a simulator rather than AWS.
	EndpointURL string
}

// Connection is a set of AWS clients and whose they are.
type Connection struct {
	Clients  *awsapi.Clients
	Identity Identity
}

// Close releases the connection's clients.
func (c *Connection) Close() {
	if c != nil && c.Clients != nil {
		c.Clients.Close()
	}
}

// DemoCredentials are what the demo signs its requests with: the simulator treats any access key
// it did not hand out itself as the management account's.
var DemoCredentials = aws.Credentials{AccessKeyID: "AKIALZ2CTDEMO0000000", SecretAccessKey: "demo", Source: "lz2ct demo"}

// DemoOptions are the client options for the simulator at url (the demo's, the rehearsal's): isolated
// from the user's AWS configuration, so that they reach the simulator and nothing else. scale is
// the simulator's time scale: the clients pace their calls on its clock.
func DemoOptions(url string, scale float64) awsapi.Options {
	creds := DemoCredentials
	return awsapi.Options{EndpointURL: url, Region: "eu-west-1", Static: &creds, MaxBackoff: 10 * time.Millisecond, Isolated: true, TimeScale: scale}
}

// Connect loads credentials, asks STS who they are and Organizations which account manages the
// organization. A member account's connection is returned with Management false, not an error:
// the caller says what to do (use the management account).
func Connect(ctx context.Context, o awsapi.Options) (*Connection, error) {
	c, err := awsapi.Load(ctx, o)
	if err != nil {
		return nil, err
	}
	who, err := c.CallerIdentity(ctx)
	if err != nil {
		c.Close()
		code, msg := awsapi.ErrorCode(err)
		login := "aws sso login"
		if o.Profile != "" {
			login += " --profile " + o.Profile
		}
		return nil, fmt.Errorf("sts:GetCallerIdentity: %s %s (are the credentials valid? for SSO profiles run `%s`)", code, msg, login)
	}
	id := Identity{Account: who.Account, Arn: who.Arn, EndpointURL: o.EndpointURL}
	// DescribeOrganization names the management account; members can call it too, so the answer
	// tells a member account from the management account.
	// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribeOrganization.html
	out, err := awsapi.Organizations(c.Management()).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		c.Close()
		code, msg := awsapi.ErrorCode(err)
		if code == "AWSOrganizationsNotInUseException" {
			return nil, fmt.Errorf("account %s is not in an organization", who.Account)
		}
		return nil, fmt.Errorf("organizations:DescribeOrganization as %s: %s %s", who.Arn, code, msg)
	}
	id.OrganizationID = aws.ToString(out.Organization.Id)
	id.ManagementAccount = aws.ToString(out.Organization.MasterAccountId)
	id.Management = id.ManagementAccount == who.Account
	return &Connection{Clients: c, Identity: id}, nil
}
