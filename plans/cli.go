package plans

import (
	"fmt"
	"strings"
	"unicode"
)

// A step's cli[] are bash commands that work as printed. A value known only at run time (the
// account ID CreateAccount returns, an OU the plan creates) is a shell variable: the commands of the
// step that produces it set it (LOG_ARCHIVE_ACCOUNT_ID=$(aws organizations describe-create-account-status …)),
// the commands of the steps that use it read it ("$LOG_ARCHIVE_ACCOUNT_ID"). ShellVar names it, the
// same way on both sides; the runbook shows the value once a run's journal knows it.

// ShellVar is the shell variable that holds an output of a step in the CLI commands: the step ID
// without its kind, then the output name, in upper snake case ("account.create/log-archive",
// "accountId" -> LOG_ARCHIVE_ACCOUNT_ID; "landing-zone.create", "sandboxOuId" -> SANDBOX_OU_ID).
func ShellVar(step, output string) string {
	_, rest, _ := strings.Cut(step, "/")
	name := snake(rest)
	if name != "" {
		name += "_"
	}
	name += snake(output)
	if name != "" && name[0] >= '0' && name[0] <= '9' {
		name = "ACCOUNT_" + name // account IDs start step IDs; a shell variable cannot start with a digit
	}
	return name
}

// snake turns "log-archive" into LOG_ARCHIVE and "identityCenterEnabledBaselineArn" into
// IDENTITY_CENTER_ENABLED_BASELINE_ARN.
func snake(s string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			prevLower = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
			prevLower = true
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	return strings.Trim(b.String(), "_")
}

// sh renders a value for a command: a literal quoted when it needs it, a reference as its
// variable in double quotes.
func sh(v Value) string {
	if v.IsRef() {
		return `"$` + ShellVar(v.FromStep, v.Output) + `"`
	}
	return quote(v.Literal)
}

// inner renders a value inside a double-quoted string: a reference as $VAR, a literal as is.
func inner(v Value) string {
	if v.IsRef() {
		return "$" + ShellVar(v.FromStep, v.Output)
	}
	return v.Literal
}

// quote returns s as one shell word: unchanged when it is plain, else single-quoted.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_./:=@,+%", r)))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// setVar is a command that stores a command's output in the variable of a step's output.
func setVar(step, output, cmd string) string {
	return ShellVar(step, output) + "=$(" + cmd + ")"
}

// waitWhile polls a status command until its output is no longer one of the pending states.
func waitWhile(statusCmd string, seconds int, pending ...string) string {
	return fmt.Sprintf("while %s | grep -qxE '%s'; do sleep %d; done", statusCmd, strings.Join(pending, "|"), seconds)
}

// assumeRole is the command that switches the shell to a role in a member account (for a
// subshell: the credentials end with it).
func assumeRole(partition, account, role string) string {
	return fmt.Sprintf(`read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<< "$(aws sts assume-role --role-arn arn:%s:iam::%s:role/%s --role-session-name lz2ct --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)" && export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN`,
		partition, account, role)
}

// inAccount runs commands in a member account: one subshell that assumes the role lz2ct uses
// there, so the credentials do not outlive the commands. In the management account the commands
// run as they are.
func (b *builder) inAccount(account string, cmds ...string) []string {
	if account == b.mgmt {
		return cmds
	}
	return []string{"(\n  " + assumeRole(b.part, account, b.memberRole(account)) + "\n  " + strings.Join(cmds, "\n  ") + "\n)"}
}

// memberRole is the role the CLI commands assume in a member account: the one discovery could
// assume there, else OrganizationAccountAccessRole (which Organizations creates in accounts it creates).
func (b *builder) memberRole(account string) string {
	if a := b.ix.Account(account); a != nil && a.AccessRole != "" && a.AccessRole != "caller" {
		return a.AccessRole
	}
	return "OrganizationAccountAccessRole"
}
