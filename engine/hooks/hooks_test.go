package hooks

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
)

var st = &plans.Step{ID: "scp.detach/p-1/ou-1", Title: "Detach p-1 from ou-1"}

func TestJournalEventKeepsWhatResumeNeeds(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		ev   Event
		want journal.Event
		ok   bool
	}{
		{Event{Type: Started, Step: st, Attempt: 2}, journal.Event{Step: st.ID, Event: journal.EventStarted}, true},
		{Event{Type: Intent, Step: st, Action: "detach", Token: "t"}, journal.Event{Step: st.ID, Event: journal.EventIntent, Action: "detach", Token: "t"}, true},
		{Event{Type: Operation, Step: st, OperationID: "op"}, journal.Event{Step: st.ID, Event: journal.EventOperation, OperationID: "op"}, true},
		{Event{Type: Output, Step: st, Output: "ouId", Value: "ou-2"}, journal.Event{Step: st.ID, Event: journal.EventOutput, Output: "ouId", Value: "ou-2"}, true},
		{Event{Type: Failed, Step: st, Error: "e", Advice: "a", OperationID: "op"}, journal.Event{Step: st.ID, Event: journal.EventFailed, Error: "e", Advice: "a", OperationID: "op"}, true},
		{Event{Type: Confirmed, Step: st, By: "carol", Note: "n"}, journal.Event{Step: st.ID, Event: journal.EventConfirmed, By: "carol", Note: "n"}, true},
		{Event{Type: Run, By: "carol", Note: "apply started"}, journal.Event{Event: journal.EventRun, By: "carol", Note: "apply started"}, true},
		{Event{Type: Log, Step: st, Message: "m"}, journal.Event{}, false},
	} {
		tc.ev.Time = at
		got, ok := JournalEvent(tc.ev)
		if ok != tc.ok {
			t.Errorf("%s: journaled = %v", tc.ev.Type, ok)
			continue
		}
		if !ok {
			continue
		}
		tc.want.Time = at.UTC()
		if got != tc.want || got.Time.Location() != time.UTC {
			t.Errorf("%s: %+v, want %+v", tc.ev.Type, got, tc.want)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: the journal would refuse it: %v", tc.ev.Type, err)
		}
	}
}

func TestMultiStopsAtTheFirstError(t *testing.T) {
	var seen []string
	boom := errors.New("disk full")
	m := Multi{Func(func(Event) error { seen = append(seen, "journal"); return boom }), Func(func(Event) error { seen = append(seen, "lines"); return nil })}
	if err := m.Handle(Event{Type: Succeeded, Step: st}); !errors.Is(err, boom) || strings.Join(seen, ",") != "journal" {
		t.Errorf("err %v, seen %v: a later hook saw an event the journal refused", err, seen)
	}
}

func TestLines(t *testing.T) {
	var buf bytes.Buffer
	h := Lines(&buf)
	at := time.Date(2026, 11, 27, 8, 0, 5, 0, time.UTC)
	for _, ev := range []Event{
		{Type: Started, Step: st, Attempt: 2},
		{Type: Intent, Step: st, Action: "detach SCP p-1 from OU ou-1"},
		{Type: Failed, Step: st, Error: "AccessDeniedException: no", Advice: "grant it"},
		{Type: Log, Step: st, Message: "retrying"},
	} {
		ev.Time = at
		h.Handle(ev)
	}
	want := `08:00:05 start    scp.detach/p-1/ou-1: Detach p-1 from ou-1 (attempt 2)
08:00:05 change   scp.detach/p-1/ou-1: detach SCP p-1 from OU ou-1
08:00:05 FAILED   scp.detach/p-1/ou-1: AccessDeniedException: no
         what to do: grant it
08:00:05          scp.detach/p-1/ou-1: retrying
`
	if buf.String() != want {
		t.Errorf("lines:\n%s\nwant:\n%s", buf.String(), want)
	}
}
