package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"

	"github.com/lz2ct/lz2ct/plans"
)

// stackset.create: create a StackSet without instances (the plan's self-managed
// AWSControlTowerExecution StackSet, run through ALZ's StackSet roles). The StackSet's name is
// unique in its region, so the step observes it first; CreateStackSet's ClientRequestToken makes a
// repeat after a lost answer harmless, and NameAlreadyExistsException means it is there.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStackSet.html
func init() {
	Register(Def[plans.StackSetCreate]{
		Claims: func(p plans.StackSetCreate) []Claim { return stackSetClaim(p.Region, p.StackSetName) },
		Token: func(p plans.StackSetCreate) string {
			return derivedToken(plans.KindStackSetCreate, p.Region, p.StackSetName)
		},
		Observe: func(ctx context.Context, x *Exec, p plans.StackSetCreate) (Observation, error) {
			ss, err := describeStackSet(ctx, x, p.Region, p.StackSetName)
			if err != nil {
				return Observation{}, err
			}
			if ss == nil {
				return Observation{State: NotDone, Change: fmt.Sprintf("create the %s StackSet %s in %s (administration role %s, execution role %s)",
					strings.ToLower(strings.ReplaceAll(p.PermissionModel, "_", "-")), p.StackSetName, p.Region, p.AdministrationRoleARN, p.ExecutionRoleName)}, nil
			}
			if diff := stackSetDiffers(ss, p); diff != "" {
				return Observation{State: Unsafe, Note: fmt.Sprintf("a StackSet named %s exists in %s but is not the plan's (%s): delete or rename it, or re-create the plan", p.StackSetName, p.Region, diff)}, nil
			}
			return Observation{State: Done, Note: "the StackSet exists as planned"}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.StackSetCreate) (string, error) {
			in := &cloudformation.CreateStackSetInput{StackSetName: aws.String(p.StackSetName), TemplateBody: aws.String(p.TemplateBody),
				PermissionModel: cftypes.PermissionModels(p.PermissionModel), ClientRequestToken: aws.String(x.Token)}
			if p.Description != "" {
				in.Description = aws.String(p.Description)
			}
			if p.AdministrationRoleARN != "" {
				in.AdministrationRoleARN = aws.String(p.AdministrationRoleARN)
			}
			if p.ExecutionRoleName != "" {
				in.ExecutionRoleName = aws.String(p.ExecutionRoleName)
			}
			for _, c := range p.Capabilities {
				in.Capabilities = append(in.Capabilities, cftypes.Capability(c))
			}
			_, err := cfnIn(x, p.Region).CreateStackSet(ctx, in)
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.StackSetCreate) (Outputs, error) {
			ss, err := describeStackSet(ctx, x, p.Region, p.StackSetName)
			if err != nil {
				return nil, err
			}
			if ss == nil {
				return nil, NotYet(fmt.Errorf("StackSet %s does not exist yet", p.StackSetName))
			}
			if diff := stackSetDiffers(ss, p); diff != "" {
				return nil, Advise(fmt.Errorf("StackSet %s exists but is not the plan's: %s", p.StackSetName, diff),
					"someone created a StackSet of that name: delete or rename it, then run lz2ct resume")
			}
			return nil, nil
		},
		// The name is taken: by this step before a crash, or by someone else (Verify tells which).
		Classify: DoneOn("NameAlreadyExistsException"),
	})
}

// describeStackSet returns the ACTIVE StackSet of that name, or nil when there is none.
func describeStackSet(ctx context.Context, x *Exec, region, name string) (*cftypes.StackSet, error) {
	out, err := cfnIn(x, region).DescribeStackSet(ctx, &cloudformation.DescribeStackSetInput{StackSetName: aws.String(name)})
	if stackSetGone(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if out.StackSet == nil || out.StackSet.Status == cftypes.StackSetStatusDeleted {
		return nil, nil
	}
	return out.StackSet, nil
}

// stackSetDiffers says how an existing StackSet differs from the plan's ("" = it is the plan's).
func stackSetDiffers(ss *cftypes.StackSet, p plans.StackSetCreate) string {
	var d []string
	if aws.ToString(ss.TemplateBody) != p.TemplateBody {
		d = append(d, "another template")
	}
	if p.PermissionModel != "" && string(ss.PermissionModel) != p.PermissionModel {
		d = append(d, "permission model "+string(ss.PermissionModel))
	}
	if p.ExecutionRoleName != "" && aws.ToString(ss.ExecutionRoleName) != p.ExecutionRoleName {
		d = append(d, "execution role "+aws.ToString(ss.ExecutionRoleName))
	}
	if p.AdministrationRoleARN != "" && aws.ToString(ss.AdministrationRoleARN) != p.AdministrationRoleARN {
		d = append(d, "administration role "+aws.ToString(ss.AdministrationRoleARN))
	}
	for _, c := range p.Capabilities {
		if !slices.Contains(ss.Capabilities, cftypes.Capability(c)) {
			d = append(d, "without "+c)
		}
	}
	return strings.Join(d, ", ")
}
