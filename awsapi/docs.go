package awsapi

import (
	"fmt"
	"strings"
)

// OperationsMarkdown renders docs/aws-operations.md from the operations table. A test keeps the
// committed file equal to this output (`go test ./awsapi -update` rewrites it).
func OperationsMarkdown() string {
	var b strings.Builder
	b.WriteString("# AWS operations lz2ct calls\n\n")
	b.WriteString("Generated from `awsapi/operations.go` by `go test ./awsapi -update`; do not edit by hand.\n")
	b.WriteString("`lz2ct iam-policy [--read-only]` prints the least-privilege IAM policy derived from the same table.\n\n")
	b.WriteString("Every call goes through the SDK's standard retryer (default 10 attempts, backoff capped at 20 s, no\n")
	b.WriteString("client-wide retry quota) and a client-side token bucket per API, account and region (the rate column;\n")
	b.WriteString("`--rate` sets one rate for every API).\n")
	b.WriteString("Throttling, 5xx answers and connection errors are retried (a host name that does not resolve is not: the\n")
	b.WriteString("service is not offered in that region); a call that still fails becomes a `problem` in the snapshot unless\n")
	b.WriteString("the table says it is fatal. Member-account calls use the first role that can be assumed, in order:\n")
	b.WriteString("`" + strings.Join(DefaultRoleNames, "`, `") + "`.\n\n")
	b.WriteString("| service | operation | protocol | read/mutating | as | IAM action | client rate/s | used by |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	ops := Operations()
	for _, op := range ops {
		kind := "read"
		if op.Mutating {
			kind = "**mutating**"
		}
		rate := op.Rate
		if rate == 0 {
			rate = DefaultRatePerSecond
		}
		fmt.Fprintf(&b, "| %s | [%s](%s) | %s | %s | %s | `%s` | %g | %s |\n", op.Service, op.Operation, op.Doc,
			op.Protocol, kind, op.As, op.IAMAction, rate, strings.Join(op.UsedBy, ", "))
	}
	b.WriteString("\n## Errors and idempotency, per operation\n")
	for _, op := range ops {
		fmt.Fprintf(&b, "\n### %s:%s\n\n", op.Service, op.Operation)
		fmt.Fprintf(&b, "- Idempotency: %s\n", op.Idempotency)
		if op.Resource != "" {
			res := op.Resource
			if res == "role" {
				res = "the member-account roles (`arn:*:iam::*:role/<name>` for each role name)"
			}
			fmt.Fprintf(&b, "- Policy resource: %s\n", res)
		}
		for _, e := range op.Errors {
			fmt.Fprintf(&b, "- `%s`: %s\n", e.Code, e.Handling)
		}
		fmt.Fprintf(&b, "- Reference: %s\n", op.Doc)
	}
	return b.String()
}
