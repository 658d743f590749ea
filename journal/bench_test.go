package journal

import (
	"testing"
	"time"
)

// BenchmarkAppend is the cost of one fsync'd journal line: the floor of every step event (a run
// journals three to five per step).
//
//	go test -run '^$' -bench Append -benchtime 300x ./journal/
func BenchmarkAppend(b *testing.B) {
	w, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	ev := Event{Time: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Step: "scp.detach/p-abcd1234/ou-ab12-cd34ef56", Event: EventIntent,
		Action: "detach SCP p-abcd1234 from OU ou-ab12-cd34ef56"}
	for b.Loop() {
		if err := w.Append(ev); err != nil {
			b.Fatal(err)
		}
	}
}
