package sim

// Organizations' mutating operations. Each follows the mutation API of mutate.go; the audit target
// of each is documented in sim/README.md.
func init() {
	registerMutation("organizations", "AttachPolicy", orgMgmtOnly(orgAttachPolicy))
	registerMutation("organizations", "DetachPolicy", orgMgmtOnly(orgDetachPolicy))
}

// orgMgmtOnly limits an operation to the management account: policy attachments are changed from
// the management account (or a delegated administrator for policy management, which the snapshot
// does not model). https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
func orgMgmtOnly(h handler) handler {
	return func(c *call) (any, error) {
		if !c.isManagement() {
			return nil, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
		}
		return h(c)
	}
}

// maxSCPsPerTarget is Organizations' limit of service control policies attached to one root, OU or
// account. https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
const maxSCPsPerTarget = 5

type policyTargetIn struct {
	PolicyId string
	TargetId string
}

func (c *call) policyTarget() (policyTargetIn, error) {
	var in policyTargetIn
	if err := c.decode(&in); err != nil {
		return in, err
	}
	if _, err := c.policy(in.PolicyId); err != nil {
		return in, err
	}
	if err := c.checkTarget(in.TargetId); err != nil {
		return in, err
	}
	return in, nil
}

func constraintViolation(reason, msg string) *apiError {
	e := errorf(400, "ConstraintViolationException", "%s", msg)
	e.Extra = map[string]any{"Reason": reason}
	return e
}

// orgAttachPolicy attaches an SCP to a root, OU or account. Audit target: <policy ID>/<target ID>.
// Errors as AWS: DuplicatePolicyAttachmentException when already attached, ConstraintViolation
// (MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED) beyond 5 SCPs, PolicyTypeNotEnabledException when the
// root has SCPs disabled.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
func orgAttachPolicy(c *call) (any, error) {
	in, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.PolicyId, in.TargetId); err != nil {
		return nil, err
	}
	if !c.scpEnabled() {
		return nil, errorf(400, "PolicyTypeNotEnabledException", "This operation can be performed only for enabled policy types.")
	}
	attached := c.st.attached[in.TargetId]
	for _, id := range attached {
		if id == in.PolicyId {
			return nil, errorf(400, "DuplicatePolicyAttachmentException", "A policy with the same name is already attached.")
		}
	}
	if len(attached) >= maxSCPsPerTarget {
		return nil, constraintViolation("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
			"You have attached the maximum number of policies of this type to the entity.")
	}
	p := c.st.policyByID[in.PolicyId]
	p.Targets = insertSorted(p.Targets, in.TargetId)
	c.st.attached[in.TargetId] = insertSorted(attached, in.PolicyId)
	return map[string]any{}, nil
}

// orgDetachPolicy detaches an SCP from a root, OU or account. Audit target: <policy ID>/<target ID>.
// Errors as AWS: PolicyNotAttachedException when it is not attached there, ConstraintViolation
// (MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED) when it is the target's last SCP.
// https://docs.aws.amazon.com/organizations/latest/APIReference/API_DetachPolicy.html
func orgDetachPolicy(c *call) (any, error) {
	in, err := c.policyTarget()
	if err != nil {
		return nil, err
	}
	if err := c.setTarget(in.PolicyId, in.TargetId); err != nil {
		return nil, err
	}
	attached := c.st.attached[in.TargetId]
	found := false
	for _, id := range attached {
		found = found || id == in.PolicyId
	}
	if !found {
		return nil, errorf(400, "PolicyNotAttachedException", "The policy isn't attached to the specified target in the specified root.")
	}
	// Every root, OU and account keeps at least one SCP while SCPs are enabled.
	if len(attached) == 1 && c.scpEnabled() {
		return nil, constraintViolation("MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED",
			"You attempted to detach a policy from an entity that would leave it with fewer than the minimum number of policies of that type.")
	}
	p := c.st.policyByID[in.PolicyId]
	p.Targets = removeSorted(p.Targets, in.TargetId)
	c.st.attached[in.TargetId] = removeSorted(attached, in.PolicyId)
	return map[string]any{}, nil
}

// scpEnabled reports whether the organization's root has service control policies enabled.
func (c *call) scpEnabled() bool {
	for _, r := range c.st.snap.Roots {
		for _, t := range r.PolicyTypes {
			if t == scpType {
				return true
			}
		}
	}
	return false
}
