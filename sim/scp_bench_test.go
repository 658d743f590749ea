package sim

import (
	"testing"
)

// BenchmarkSCPDecision measures the SCP check of a member-account call on the 5,000-account
// organization: hit (the same account, action and principal again: the hot path), new-account (an
// account's first call: its evaluator is built and evaluated) and changed-path (an attachment on
// the account's path changed since the last call: its evaluator is built again).
// go test -run '^$' -bench SCPDecision ./sim/
func BenchmarkSCPDecision(b *testing.B) {
	snap := bigOrg(b)
	st := newState(copySnapshot(snap), 1)
	var members []string
	for _, a := range st.snap.Accounts {
		if a.ID != st.snap.Organization.ManagementAccountID {
			members = append(members, a.ID)
		}
	}
	principal := map[string]string{}
	for _, a := range members {
		principal[a] = "arn:aws:iam::" + a + ":role/AWSControlTowerExecution"
	}
	decide := func(account string) string {
		return st.rt.scp.decide(st, account, scpKey{principal[account], "config:DeleteConfigurationRecorder", "", "eu-west-1"})
	}
	b.Run("hit", func(b *testing.B) {
		decide(members[0])
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			decide(members[0])
		}
	})
	b.Run("new-account", func(b *testing.B) {
		decide(members[0])
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i%len(members) == 0 {
				st.rt.scp = scpCache{} // every account's first call again
			}
			decide(members[i%len(members)])
		}
	})
	b.Run("changed-path", func(b *testing.B) {
		a := members[0]
		parent := st.parentOf(a)
		saved := st.attached[parent]
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// What a DetachPolicy or AttachPolicy on the parent does to the index.
			if i%2 == 0 {
				st.attached[parent] = saved[:len(saved):len(saved)]
			} else {
				st.attached[parent] = append(saved[:len(saved):len(saved)], "p-zzzzzzzz")
			}
			decide(a)
		}
		b.StopTimer()
		st.attached[parent] = saved
		b.ReportMetric(float64(st.rt.scp.builds), "builds")
	})
}
