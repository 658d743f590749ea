package awsapi

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// PolicyDocument is an IAM policy document (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
type PolicyDocument struct {
	Version   string            `json:"Version"`
	Statement []PolicyStatement `json:"Statement"`
}

// PolicyStatement is one Allow statement.
type PolicyStatement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

// Policy is the least-privilege policy for the identity that runs lz2ct in the management account:
// every action of the operations table (only the read-only ones when readOnly), with AssumeRole
// limited to roleNames (nil = DefaultRoleNames) and narrower resources where the table names them.
// The roles lz2ct assumes in member accounts (AWSControlTowerExecution, ...) already allow the
// member-account reads.
func Policy(readOnly bool, roleNames []string) PolicyDocument {
	if len(roleNames) == 0 {
		roleNames = DefaultRoleNames
	}
	byResource := map[string]map[string]bool{}
	add := func(resource, action string) {
		if byResource[resource] == nil {
			byResource[resource] = map[string]bool{}
		}
		byResource[resource][action] = true
	}
	for _, op := range operations {
		if op.IAMAction == "" || (readOnly && op.Mutating) {
			continue
		}
		switch op.Resource {
		case "":
			add("*", op.IAMAction)
		case "role":
			for _, r := range roleNames {
				// Any partition and account: the member accounts are not known in advance.
				add("arn:*:iam::*:role/"+r, op.IAMAction)
			}
		default:
			add(op.Resource, op.IAMAction)
		}
	}
	doc := PolicyDocument{Version: "2012-10-17"}
	// One statement per distinct action set, so the policy stays short and reviewable.
	type group struct {
		actions   []string
		resources []string
	}
	groups := map[string]*group{}
	var order []string
	resources := make([]string, 0, len(byResource))
	for r := range byResource {
		resources = append(resources, r)
	}
	sort.Strings(resources)
	for _, r := range resources {
		acts := make([]string, 0, len(byResource[r]))
		for a := range byResource[r] {
			acts = append(acts, a)
		}
		sort.Strings(acts)
		key := fmt.Sprint(acts)
		if g, ok := groups[key]; ok {
			g.resources = append(g.resources, r)
			continue
		}
		groups[key] = &group{actions: acts, resources: []string{r}}
		order = append(order, key)
	}
	sids := map[string]string{"*": "Lz2ctRead"}
	for i, key := range order {
		g := groups[key]
		sid := sids[g.resources[0]]
		if sid == "" {
			sid = fmt.Sprintf("Lz2ctScoped%d", i)
			if len(g.actions) == 1 {
				// Named after the action it allows: Lz2ctSnsGetTopicAttributes.
				svc, act, _ := strings.Cut(g.actions[0], ":")
				sid = "Lz2ct" + strings.ToUpper(svc[:1]) + svc[1:] + act
			}
			if len(g.actions) == 1 && g.actions[0] == "sts:AssumeRole" {
				sid = "Lz2ctAssumeMemberRoles"
			}
		}
		doc.Statement = append(doc.Statement, PolicyStatement{Sid: sid, Effect: "Allow", Action: g.actions, Resource: g.resources})
	}
	return doc
}

// JSON renders the policy indented, ready for `aws iam create-policy --policy-document file://...`.
func (d PolicyDocument) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Allows reports whether the policy allows action on some resource (action names compare exactly).
func (d PolicyDocument) Allows(action string) bool {
	for _, st := range d.Statement {
		for _, a := range st.Action {
			if a == action {
				return true
			}
		}
	}
	return false
}
