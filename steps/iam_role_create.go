package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// iam-role.create: a role with its trust policy, managed and inline policies, in the management
// account (Control Tower's service roles) or in a member account through an assumed role
// (AWSControlTowerExecution). CreateRole has no idempotency token: GetRole first, and a role of
// that name already there is compared with the plan — the same trust and path, and the planned
// policies — never taken as done on its name alone
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
func init() {
	Register(Def[plans.IAMRoleCreate]{
		Observe: func(ctx context.Context, x *Exec, p plans.IAMRoleCreate) (Observation, error) {
			c, err := roleClient(ctx, x, p)
			if err != nil {
				return Observation{}, err
			}
			r, err := inspectRole(ctx, c, p)
			if err != nil {
				return Observation{}, err
			}
			where := "account " + p.AccountID
			switch {
			case !r.exists:
				return Observation{State: NotDone, Change: fmt.Sprintf("create IAM role %s%s in %s with its trust policy%s",
					rolePath(p), p.RoleName, where, policyWords(p.ManagedPolicyARNs, p.InlinePolicies))}, nil
			case len(r.drift) > 0:
				return Observation{State: Unsafe, Note: fmt.Sprintf("IAM role %s exists in %s but is not the role the plan creates: %s. lz2ct never changes a role it did not create: make it match (aws iam update-assume-role-policy, attach-role-policy, put-role-policy) or delete it, then run lz2ct resume",
					p.RoleName, where, strings.Join(r.drift, "; "))}, nil
			case len(r.missingManaged)+len(r.missingInline) > 0:
				return Observation{State: NotDone, Change: fmt.Sprintf("give the existing IAM role %s in %s its policies:%s",
					p.RoleName, where, strings.TrimPrefix(policyWords(r.missingManaged, r.missingInline), ","))}, nil
			}
			note := "exists with the planned trust policy and policies"
			if len(r.extraManaged) > 0 {
				note += "; also attached (left alone): " + strings.Join(r.extraManaged, ", ")
			}
			return Observation{State: Done, Note: note}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.IAMRoleCreate) (string, error) {
			c, err := roleClient(ctx, x, p)
			if err != nil {
				return "", err
			}
			r, err := inspectRole(ctx, c, p)
			if err != nil {
				return "", err
			}
			if len(r.drift) > 0 {
				return "", fmt.Errorf("IAM role %s in account %s changed while lz2ct looked at it: %s", p.RoleName, p.AccountID, strings.Join(r.drift, "; "))
			}
			if !r.exists {
				in := &iam.CreateRoleInput{RoleName: aws.String(p.RoleName), AssumeRolePolicyDocument: aws.String(p.TrustPolicy)}
				if p.Path != "" {
					in.Path = aws.String(p.Path)
				}
				if _, err := c.CreateRole(ctx, in); err != nil {
					return "", err
				}
				r.missingManaged, r.missingInline = p.ManagedPolicyARNs, p.InlinePolicies
			}
			// Both calls are safe to repeat: attaching an attached policy and putting the same
			// inline policy again change nothing.
			for _, arn := range r.missingManaged {
				if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(p.RoleName), PolicyArn: aws.String(arn)}); err != nil {
					return "", err
				}
			}
			for _, ip := range r.missingInline {
				if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(p.RoleName), PolicyName: aws.String(ip.Name),
					PolicyDocument: aws.String(ip.Document)}); err != nil {
					return "", err
				}
			}
			return "", nil
		},
		Verify: func(ctx context.Context, x *Exec, p plans.IAMRoleCreate) (Outputs, error) {
			c, err := roleClient(ctx, x, p)
			if err != nil {
				return nil, err
			}
			r, err := inspectRole(ctx, c, p)
			switch {
			case err != nil:
				return nil, err
			case !r.exists:
				// IAM is eventually consistent: a new role may take a moment to show.
				return nil, NotYet(fmt.Errorf("IAM role %s is not in account %s yet", p.RoleName, p.AccountID))
			case len(r.drift) > 0:
				return nil, fmt.Errorf("IAM role %s in account %s differs from the plan: %s", p.RoleName, p.AccountID, strings.Join(r.drift, "; "))
			case len(r.missingManaged)+len(r.missingInline) > 0:
				return nil, NotYet(fmt.Errorf("IAM role %s in account %s lacks%s", p.RoleName, p.AccountID, policyWords(r.missingManaged, r.missingInline)))
			}
			return nil, nil
		},
		Classify: func(err error) Class {
			switch {
			// Someone created the role between GetRole and CreateRole, or a new role is not
			// visible yet: observe again (the role is compared, never taken on its name).
			case HasCode(err, "EntityAlreadyExists", "NoSuchEntity", "ConcurrentModification"):
				return RetryLater
			}
			return DefaultClass(err)
		},
	})
}

// roleClient is IAM acting in the step's account: the caller's own credentials in the management
// account, an assumed role in a member account.
func roleClient(ctx context.Context, x *Exec, p plans.IAMRoleCreate) (*iam.Client, error) {
	cfg, err := x.Account(ctx, p.AccountID, "")
	if err != nil {
		return nil, Advise(err, "lz2ct reaches account "+p.AccountID+" through "+strings.Join(awsapi.DefaultRoleNames, ", ")+": make one of them assumable from the management account, then run lz2ct resume")
	}
	return awsapi.IAM(cfg), nil
}

func rolePath(p plans.IAMRoleCreate) string {
	if p.Path == "" {
		return "/"
	}
	return p.Path
}

func policyWords(managed []string, inline []plans.InlinePolicy) string {
	var out []string
	for _, m := range managed {
		out = append(out, "attach "+m[strings.LastIndex(m, "/")+1:])
	}
	for _, ip := range inline {
		out = append(out, "put inline policy "+ip.Name)
	}
	if len(out) == 0 {
		return ""
	}
	return ", " + strings.Join(out, ", ")
}

// roleFacts is how a role compares with the plan.
type roleFacts struct {
	exists         bool
	drift          []string // what differs and is not lz2ct's to change
	missingManaged []string
	missingInline  []plans.InlinePolicy
	extraManaged   []string
}

// inspectRole reads the role (GetRole, ListAttachedRolePolicies, GetRolePolicy) and compares it
// with the plan: trust policy and path must be the plan's, planned policies may be missing (lz2ct
// adds them), an inline policy of a planned name must have the planned document.
func inspectRole(ctx context.Context, c *iam.Client, p plans.IAMRoleCreate) (roleFacts, error) {
	var f roleFacts
	out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(p.RoleName)})
	if HasCode(err, "NoSuchEntity") {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.exists = true
	if got := aws.ToString(out.Role.Path); got != rolePath(p) {
		f.drift = append(f.drift, fmt.Sprintf("its path is %s, the plan's is %s", got, rolePath(p)))
	}
	same, got, err := samePolicy(aws.ToString(out.Role.AssumeRolePolicyDocument), p.TrustPolicy)
	if err != nil {
		return f, fmt.Errorf("IAM role %s: %w", p.RoleName, err)
	}
	if !same {
		f.drift = append(f.drift, fmt.Sprintf("its trust policy is %s, the plan's is %s", got, p.TrustPolicy))
	}
	attached := map[string]bool{}
	pages := iam.NewListAttachedRolePoliciesPaginator(c, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(p.RoleName)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return f, err
		}
		for _, ap := range page.AttachedPolicies {
			attached[aws.ToString(ap.PolicyArn)] = true
		}
	}
	for _, arn := range p.ManagedPolicyARNs {
		if !attached[arn] {
			f.missingManaged = append(f.missingManaged, arn)
		}
		delete(attached, arn)
	}
	for arn := range attached {
		f.extraManaged = append(f.extraManaged, arn)
	}
	sort.Strings(f.extraManaged)
	for _, ip := range p.InlinePolicies {
		got, err := c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(p.RoleName), PolicyName: aws.String(ip.Name)})
		if HasCode(err, "NoSuchEntity") {
			f.missingInline = append(f.missingInline, ip)
			continue
		}
		if err != nil {
			return f, err
		}
		same, doc, err := samePolicy(aws.ToString(got.PolicyDocument), ip.Document)
		if err != nil {
			return f, fmt.Errorf("IAM role %s, inline policy %s: %w", p.RoleName, ip.Name, err)
		}
		if !same {
			f.drift = append(f.drift, fmt.Sprintf("its inline policy %s is %s, the plan's is %s", ip.Name, doc, ip.Document))
		}
	}
	return f, nil
}

// samePolicy compares a policy document IAM returned (URL-encoded, RFC 3986) with the plan's,
// as policies: key order, a single value versus a one-element list, the order of list values and an
// account ID versus its root ARN as principal do not matter. It returns the decoded document.
// https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html (AssumeRolePolicyDocument)
func samePolicy(encoded, want string) (bool, string, error) {
	doc, err := url.PathUnescape(encoded)
	if err != nil {
		return false, encoded, fmt.Errorf("IAM returned a policy document that is not URL-encoded: %w", err)
	}
	a, errA := canonicalPolicy(doc)
	b, errB := canonicalPolicy(want)
	if errA != nil {
		return false, doc, fmt.Errorf("IAM returned a policy document that is not JSON: %w", errA)
	}
	if errB != nil {
		return false, doc, fmt.Errorf("the plan's policy document is not JSON (re-create the plan): %w", errB)
	}
	return a == b, doc, nil
}

// canonicalPolicy renders a policy document in one canonical JSON form.
func canonicalPolicy(doc string) (string, error) {
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return "", err
	}
	if m, ok := v.(map[string]any); ok {
		if st, ok := m["Statement"].(map[string]any); ok {
			m["Statement"] = []any{st}
		}
	}
	out, err := json.Marshal(canonicalValue("", v))
	return string(out), err
}

// canonicalValue turns every string-or-list element into a sorted list, and an account ID as AWS
// principal into the root ARN IAM stores for it.
func canonicalValue(key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = canonicalValue(k, e)
		}
		return t
	case []any:
		list := make([]any, len(t))
		for i, e := range t {
			if s, ok := e.(string); ok {
				list[i] = canonicalString(key, s)
			} else {
				list[i] = canonicalValue("", e)
			}
		}
		if allStrings(list) {
			slices.SortFunc(list, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		}
		return list
	case string:
		switch key {
		case "Action", "NotAction", "Resource", "NotResource", "AWS", "Service", "Federated", "CanonicalUser":
			return []any{canonicalString(key, t)}
		}
		return t
	}
	return v
}

func canonicalString(key, s string) string {
	if key == "AWS" && len(s) == 12 && strings.Trim(s, "0123456789") == "" {
		return "arn:aws:iam::" + s + ":root"
	}
	return s
}

func allStrings(l []any) bool {
	for _, e := range l {
		if _, ok := e.(string); !ok {
			return false
		}
	}
	return true
}
