package runbook

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lz2ct/lz2ct/plans"
)

// The enrollment queue repeats the same few steps for every account (SCP detach, Config removal,
// execution role, enrollment). Printed step by step that is most of a 5,000-account runbook; here
// each kind of step's commands come once, with placeholders, and every account is one row naming
// its steps by number.

// kindLabels name the steps of the queue in its rows.
var kindLabels = map[string]string{
	plans.KindSCPDetach:                     "SCP detach",
	plans.KindConfigStackSetInstancesDelete: "Config removal",
	plans.KindConfigRecorderDelete:          "Config removal",
	plans.KindIAMRoleCreate:                 "execution role",
	plans.KindStackSetInstancesCreate:       "execution role",
	plans.KindStackSetCreate:                "execution role StackSet",
	plans.KindAccountEnroll:                 "enrollment",
}

func kindLabel(kind string) string {
	if l, ok := kindLabels[kind]; ok {
		return l
	}
	return kind
}

// queueOf builds the queue view from its steps (execution order) and their stepIns and numbers.
func queueOf(steps []*plans.Step, in []stepIn, ns []string, status func(string) statusView, p *plans.Plan,
	num map[string]string, maxOrder int, sessionEnd map[string]string, notes *noteBook) *queueView {
	q := &queueView{}
	// Templates: steps grouped by signature, in order of first appearance.
	var t templater
	labelOf := map[string]string{} // step ID -> its template's label
	variants := map[string]int{}
	for _, idx := range bySignature(&t, in, seq(0, len(in))) {
		label := kindLabel(in[idx[0]].Kind)
		variants[label]++
		if variants[label] > 1 {
			label = fmt.Sprintf("%s (%d)", label, variants[label])
		}
		for _, k := range idx {
			labelOf[in[k].ID] = label
		}
		if len(idx) == 1 {
			sv := makeStep(in[idx[0]], ns[idx[0]], status)
			sv.Title = label + ": " + sv.Title
			q.Singles = append(q.Singles, sv)
			continue
		}
		g := makeGroup(&t, in, idx, ns, status)
		g.Label = label
		q.Email = q.Email || g.Cols.Email
		g.Rows, g.Pivot = nil, nil // the queue's rows say which step is whose
		q.Templates = append(q.Templates, g)
	}
	// Rows: one per wave (account), in queue order. The Shared Services account's enrollment is in
	// phase 5; its preparation is the queue's last wave.
	enrollOf := map[int]*plans.Step{}
	for i := range p.Phases {
		for j := range p.Phases[i].Steps {
			if st := &p.Phases[i].Steps[j]; st.Kind == plans.KindAccountEnroll {
				enrollOf[st.Wave] = st
			}
		}
	}
	byWave := map[int][]*plans.Step{}
	var waves []int
	here := map[string]bool{}
	for _, st := range steps {
		here[st.ID] = true
		if _, ok := byWave[st.Wave]; !ok {
			waves = append(waves, st.Wave)
		}
		byWave[st.Wave] = append(byWave[st.Wave], st)
	}
	sort.Ints(waves)
	for _, w := range waves {
		row := queueRow{Pos: strconv.Itoa(w - maxOrder)}
		var prep []string
		for _, st := range byWave[w] {
			if st.Kind == plans.KindAccountEnroll {
				continue
			}
			prep = append(prep, num[st.ID]+" "+labelOf[redact(st.ID)])
			if s := status(st.ID); s.Known && s.Status != "" && row.Status.Status == "" && s.Class() == "failed" {
				row.Status = s
				row.Status.Text = "step " + num[st.ID] + " " + s.Text
			}
		}
		row.Prepare = strings.Join(prep, ", ")
		if en := enrollOf[w]; en != nil {
			prm := en.Params.(plans.AccountEnroll)
			row.Account, row.AccountName, row.Email = redact(prm.AccountID), redact(prm.AccountName), redact(prm.AccountEmail)
			row.Into = redact(prm.OUName)
			row.Enroll, row.EnrollID = num[en.ID], redact(en.ID)
			if !here[en.ID] {
				row.Enroll += " (phase 5)"
			}
			row.Blocked = notes.cut(redact(en.Blocked))
			if row.Status.Status == "" {
				row.Status = status(en.ID)
			}
		}
		q.Known = q.Known || row.Status.Known
		q.Accounts++
		q.Rows = append(q.Rows, row)
		for _, st := range byWave[w] {
			if e := sessionEnd[st.ID]; e != "" {
				q.Rows = append(q.Rows, queueRow{SessionEnd: e})
			}
		}
	}
	q.BlockedNotes = legend(len(q.Rows), func(i int) *string { return &q.Rows[i].Blocked })
	return q
}
