package sim

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/lz2ct/lz2ct/inventory"
)

// SSM Parameter Store: the reads that return values (GetParametersByPath, GetParameters) and
// DeleteParameters. The snapshot holds the parameters' names and types, never their values: the
// simulator answers a value derived from the name (a SecureString's is a secret: only
// WithDecryption shows it, otherwise the answer is a ciphertext), the same on every call.
func init() {
	registerMutation("ssm", "DeleteParameters", ssmDeleteParameters)
}

// maxParameterNames is the most names GetParameters and DeleteParameters take in one call.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html
const maxParameterNames = 10

func ssmType(p inventory.SSMParameter) string {
	if p.Type == "" {
		return "String"
	}
	return p.Type
}

// SSMValue is the value the simulator holds for a parameter: derived from its name and type. Tests
// use it to look for a SecureString's value where it must never appear.
func SSMValue(p inventory.SSMParameter) string {
	h := hexOf("ssm-value\x00" + p.Region + "\x00" + p.Name)
	switch ssmType(p) {
	case "SecureString":
		return "secret-" + h[:24]
	case "StringList":
		return h[:8] + "," + h[8:16]
	}
	return "value-" + h[:12]
}

// parameterView is one Parameter as GetParameters and GetParametersByPath answer it.
func (c *call) parameterView(p inventory.SSMParameter, decrypt bool) map[string]any {
	v := SSMValue(p)
	if ssmType(p) == "SecureString" && !decrypt {
		// Without WithDecryption a SecureString's value is its ciphertext.
		// https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-securestring.html
		v = base64.StdEncoding.EncodeToString([]byte("AQICAHi" + hexOf("ciphertext\x00"+v)))
	}
	return map[string]any{"Name": p.Name, "Type": ssmType(p), "Value": v, "Version": 1, "DataType": "text",
		"ARN": "arn:" + c.partition() + ":ssm:" + c.region + ":" + c.account + ":parameter" + p.Name, "LastModifiedDate": epoch(c.st.snap.CapturedAt)}
}

// parametersHere are the parameters of the calling account and region, sorted by name (ALZ keeps
// them in the management account).
func (c *call) parametersHere() []inventory.SSMParameter {
	if !c.isManagement() {
		return nil
	}
	return c.st.ssm[c.region]
}

func (c *call) parameter(name string) (inventory.SSMParameter, bool) {
	all := c.parametersHere()
	i, ok := slices.BinarySearchFunc(all, name, func(p inventory.SSMParameter, n string) int { return strings.Compare(p.Name, n) })
	if !ok {
		return inventory.SSMParameter{}, false
	}
	return all[i], true
}

func (c *call) parameterNames(names []string) error {
	if len(names) == 0 {
		return errorf(400, "ValidationException", "1 validation error detected: Value null at 'names' failed to satisfy constraint: Member must not be null")
	}
	if len(names) > maxParameterNames {
		return errorf(400, "ValidationException", "1 validation error detected: Value '%v' at 'names' failed to satisfy constraint: Member must have length less than or equal to %d", names, maxParameterNames)
	}
	return nil
}

// ssmGetParametersByPath pages the parameters under a path (MaxResults 1-10, default 10): with
// Recursive every level below it, otherwise only its direct children.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html
func ssmGetParametersByPath(c *call) (any, error) {
	var in struct {
		Path             string
		Recursive        bool
		WithDecryption   bool
		MaxResults       int
		NextToken        string
		ParameterFilters []ssmFilter
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.Path == "" {
		return nil, errorf(400, "ValidationException", "1 validation error detected: Value null at 'path' failed to satisfy constraint: Member must not be null")
	}
	if !strings.HasPrefix(in.Path, "/") {
		return nil, errorf(400, "ValidationException", "The parameter doesn't meet the parameter name requirements. The parameter name must begin with a forward slash \"/\".")
	}
	if len(in.ParameterFilters) > 0 {
		return nil, errorf(400, "InvalidFilterKey", "The simulator does not filter GetParametersByPath.")
	}
	prefix := strings.TrimSuffix(in.Path, "/") + "/"
	var all []inventory.SSMParameter
	for _, p := range c.parametersHere() {
		if strings.HasPrefix(p.Name, prefix) && (in.Recursive || !strings.Contains(p.Name[len(prefix):], "/")) {
			all = append(all, p)
		}
	}
	ps, next, err := page(c, all, func(p inventory.SSMParameter) string { return p.Name }, in.NextToken, in.MaxResults, 10, 10, "maxResults")
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, c.parameterView(p, in.WithDecryption))
	}
	return withToken(map[string]any{"Parameters": out}, "NextToken", next), nil
}

// ssmGetParameters returns up to 10 parameters by name, in alphabetical order; names that do not
// exist come back in InvalidParameters.
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html
func ssmGetParameters(c *call) (any, error) {
	var in struct {
		Names          []string
		WithDecryption bool
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.parameterNames(in.Names); err != nil {
		return nil, err
	}
	found := []map[string]any{}
	invalid := []string{}
	names := slices.Clone(in.Names)
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		if p, ok := c.parameter(n); ok {
			found = append(found, c.parameterView(p, in.WithDecryption))
		} else {
			invalid = append(invalid, n)
		}
	}
	return map[string]any{"Parameters": found, "InvalidParameters": invalid}, nil
}

// ssmDeleteParameters deletes up to 10 parameters; names that do not exist come back in
// InvalidParameters (a repeat is harmless). Audit target: <region>/<name>,<name>,...
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DeleteParameters.html
func ssmDeleteParameters(c *call) (any, error) {
	var in struct{ Names []string }
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := c.parameterNames(in.Names); err != nil {
		return nil, err
	}
	if err := c.setTarget(c.region, strings.Join(in.Names, ",")); err != nil {
		return nil, err
	}
	deleted, invalid := []string{}, []string{}
	gone := map[string]bool{}
	for _, n := range in.Names {
		if _, ok := c.parameter(n); ok && !gone[n] {
			deleted = append(deleted, n)
			gone[n] = true
		} else if !gone[n] {
			invalid = append(invalid, n)
		}
	}
	if len(gone) > 0 {
		keep := func(l []inventory.SSMParameter) []inventory.SSMParameter {
			return slices.DeleteFunc(l, func(p inventory.SSMParameter) bool { return p.Region == c.region && gone[p.Name] })
		}
		c.st.ssm[c.region] = keep(c.st.ssm[c.region])
		c.st.snap.ALZ.SSMParameters = keep(c.st.snap.ALZ.SSMParameters)
	}
	return map[string]any{"DeletedParameters": deleted, "InvalidParameters": invalid}, nil
}
