package steps

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/lz2ct/lz2ct/awsapi"
	"github.com/lz2ct/lz2ct/plans"
)

// ou.delete: delete an OU that holds nothing (ALZ's core OU, once its accounts moved out).
// DeleteOrganizationalUnit refuses an OU with accounts or child OUs
// (OrganizationalUnitNotEmptyException); the guard checks exactly that in Observe, by listing
// both, and names what is still there. OrganizationalUnitNotFoundException means done. The OU's
// SCP attachments go with it; export.scp saved them.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DeleteOrganizationalUnit.html
func init() {
	Register(Def[plans.OUDelete]{
		Observe: func(ctx context.Context, x *Exec, p plans.OUDelete) (Observation, error) {
			org := awsapi.Organizations(x.Management(""))
			out, err := org.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(p.OUID)})
			if HasCode(err, "OrganizationalUnitNotFoundException") {
				return Observation{State: Done, Note: "OU " + p.OUID + " does not exist (deleted)"}, nil
			}
			if err != nil {
				return Observation{}, err
			}
			ou := named{p.OUID, aws.ToString(out.OrganizationalUnit.Name)}
			accounts, ous, err := ouContents(ctx, x, p.OUID)
			if err != nil {
				return Observation{}, err
			}
			if len(accounts)+len(ous) > 0 {
				var what []string
				if len(accounts) > 0 {
					what = append(what, fmt.Sprintf("%d account%s: %s", len(accounts), plural(len(accounts)), namedList(accounts, 5)))
				}
				if len(ous) > 0 {
					what = append(what, fmt.Sprintf("%d child OU%s: %s", len(ous), plural(len(ous)), namedList(ous, 5)))
				}
				return Observation{State: Unsafe, Note: fmt.Sprintf("OU %s still holds %s; an OU is deleted only when empty. Move them out (the plan's account.move steps, or aws organizations move-account), then run lz2ct resume",
					ou, strings.Join(what, " and "))}, nil
			}
			return Observation{State: NotDone, Change: fmt.Sprintf("delete the empty OU %s", ou)}, nil
		},
		Start: func(ctx context.Context, x *Exec, p plans.OUDelete) (string, error) {
			_, err := awsapi.Organizations(x.Management("")).DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{
				OrganizationalUnitId: aws.String(p.OUID)})
			if HasCode(err, "OrganizationalUnitNotEmptyException") {
				return "", Advise(err, "something moved into OU "+p.OUID+" after lz2ct looked: run lz2ct resume to see what, move it out, then resume again")
			}
			return "", err
		},
		Verify: func(ctx context.Context, x *Exec, p plans.OUDelete) (Outputs, error) {
			_, err := awsapi.Organizations(x.Management("")).DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(p.OUID)})
			switch {
			case HasCode(err, "OrganizationalUnitNotFoundException"):
				return nil, nil
			case err != nil:
				return nil, err
			}
			return nil, NotYet(fmt.Errorf("OU %s still exists", p.OUID))
		},
		Classify: DoneOn("OrganizationalUnitNotFoundException"),
	})
}

// ouContents lists an OU's accounts and child OUs.
func ouContents(ctx context.Context, x *Exec, ou string) (accounts, ous []named, err error) {
	org := awsapi.Organizations(x.Management(""))
	ap := organizations.NewListAccountsForParentPaginator(org, &organizations.ListAccountsForParentInput{ParentId: aws.String(ou)})
	for ap.HasMorePages() {
		page, err := ap.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, a := range page.Accounts {
			accounts = append(accounts, named{aws.ToString(a.Id), aws.ToString(a.Name)})
		}
	}
	op := organizations.NewListOrganizationalUnitsForParentPaginator(org, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(ou)})
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, o := range page.OrganizationalUnits {
			ous = append(ous, named{aws.ToString(o.Id), aws.ToString(o.Name)})
		}
	}
	return accounts, ous, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
