package journal

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestStatusFromEvents(t *testing.T) {
	tests := []struct {
		name   string
		events []Event
		step   string
		want   StepState
	}{
		{"no events", nil, "enroll/111111111111", StepState{Step: "enroll/111111111111", Status: NotStarted}},
		{"started", []Event{{Time: at(0), Step: "a", Event: EventStarted}}, "a",
			StepState{Step: "a", Status: Running, Attempts: 1, Started: at(0), Updated: at(0)}},
		{"operation recorded", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventOperation, OperationID: "op-1"},
		}, "a", StepState{Step: "a", Status: Running, Attempts: 1, OperationID: "op-1", OperationOpen: true, Started: at(0), Updated: at(1)}},
		{"intent with a token, then a crash and a new attempt: the token stays in use", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventIntent, Action: "delete stack instances", Token: "tok"},
			{Time: at(2), Step: "a", Event: EventStarted},
		}, "a", StepState{Step: "a", Status: Running, Attempts: 2, IntentOpen: true, Token: "tok", Started: at(0), Updated: at(2)}},
		{"a failure spends the token and closes the intent", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventIntent, Action: "x", Token: "tok"},
			{Time: at(2), Step: "a", Event: EventOperation, OperationID: "op-1"},
			{Time: at(3), Step: "a", Event: EventFailed, Error: "FAILED", Advice: "fix it"},
		}, "a", StepState{Step: "a", Status: Failed, Attempts: 1, OperationID: "op-1", Token: "tok", TokenSpent: true, SpentTokens: 1,
			Error: "FAILED", Advice: "fix it", Started: at(0), Updated: at(3)}},
		{"a fresh token after a spent one", []Event{
			{Time: at(0), Step: "a", Event: EventIntent, Action: "x", Token: "tok"},
			{Time: at(1), Step: "a", Event: EventFailed, Error: "e"},
			{Time: at(2), Step: "a", Event: EventStarted},
			{Time: at(3), Step: "a", Event: EventIntent, Action: "x", Token: "tok-2"},
		}, "a", StepState{Step: "a", Status: Running, Attempts: 1, IntentOpen: true, Token: "tok-2", SpentTokens: 1, Error: "e",
			Started: at(0), Updated: at(3)}},
		{"giving up on an operation of unknown outcome keeps it open and the token in use", []Event{
			{Time: at(0), Step: "a", Event: EventIntent, Action: "x", Token: "tok"},
			{Time: at(1), Step: "a", Event: EventOperation, OperationID: "op-1"},
			{Time: at(2), Step: "a", Event: EventFailed, Error: "poll: AccessDenied", OperationID: "op-1"},
		}, "a", StepState{Step: "a", Status: Failed, OperationID: "op-1", OperationOpen: true, IntentOpen: true, Token: "tok",
			Error: "poll: AccessDenied", Started: at(0), Updated: at(2)}},
		{"waiting, confirmed, done", []Event{
			{Time: at(0), Step: "m", Event: EventStarted},
			{Time: at(1), Step: "m", Event: EventWaiting},
			{Time: at(2), Step: "m", Event: EventConfirmed, By: "ops@host", Note: "done in the console"},
		}, "m", StepState{Step: "m", Status: Waiting, Attempts: 1, Confirmed: Confirmation{By: "ops@host", At: at(2), Note: "done in the console"},
			Started: at(0), Updated: at(2)}},
		{"a failed verification clears the confirmation", []Event{
			{Time: at(0), Step: "m", Event: EventConfirmed, By: "ops"},
			{Time: at(1), Step: "m", Event: EventStarted},
			{Time: at(2), Step: "m", Event: EventFailed, Error: "not active"},
		}, "m", StepState{Step: "m", Status: Failed, Attempts: 1, Error: "not active", Started: at(0), Updated: at(2)}},
		{"succeeded keeps its note", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventSucceeded, Note: "already in place"},
		}, "a", StepState{Step: "a", Status: Done, Attempts: 1, Note: "already in place", Started: at(0), Updated: at(1)}},
		{"done", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(2), Step: "a", Event: EventSucceeded},
		}, "a", StepState{Step: "a", Status: Done, Attempts: 1, Started: at(0), Updated: at(2)}},
		{"failed keeps the error", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(3), Step: "a", Event: EventFailed, Error: "AccessDenied"},
		}, "a", StepState{Step: "a", Status: Failed, Attempts: 1, Error: "AccessDenied", Started: at(0), Updated: at(3)}},
		{"retry after failure runs again", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventFailed, Error: "x"},
			{Time: at(2), Step: "a", Event: EventStarted},
		}, "a", StepState{Step: "a", Status: Running, Attempts: 2, Error: "x", Started: at(0), Updated: at(2)}},
		{"success after failure clears the error", []Event{
			{Time: at(0), Step: "a", Event: EventStarted},
			{Time: at(1), Step: "a", Event: EventFailed, Error: "x"},
			{Time: at(2), Step: "a", Event: EventStarted},
			{Time: at(3), Step: "a", Event: EventSucceeded},
		}, "a", StepState{Step: "a", Status: Done, Attempts: 2, Started: at(0), Updated: at(3)}},
		{"other steps do not interfere", []Event{
			{Time: at(0), Step: "b", Event: EventStarted},
			{Time: at(1), Step: "b", Event: EventFailed, Error: "x"},
		}, "a", StepState{Step: "a", Status: NotStarted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range tt.events {
				if err := w.Append(ev); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			st, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Step(tt.step); got != tt.want {
				t.Errorf("Step(%q)\n got %+v\nwant %+v", tt.step, got, tt.want)
			}
			if st.Events != len(tt.events) {
				t.Errorf("Events = %d, want %d", st.Events, len(tt.events))
			}
		})
	}
}

func TestReadEventsInOrder(t *testing.T) {
	dir := t.TempDir()
	if evs, err := ReadEvents(dir); err != nil || len(evs) != 0 {
		t.Fatalf("empty folder: %v %v", evs, err)
	}
	want := []Event{
		{Time: at(0), Step: "b", Event: EventStarted},
		{Time: at(1), Step: "b", Event: EventOperation, OperationID: "op-1"},
		{Time: at(2), Step: "a", Event: EventStarted},
	}
	for _, e := range want {
		if err := Append(dir, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadEvents(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events", len(got))
	}
	for i := range want {
		if !got[i].Time.Equal(want[i].Time) || got[i].Step != want[i].Step || got[i].Event != want[i].Event || got[i].OperationID != want[i].OperationID {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOutputsAndRuns(t *testing.T) {
	dir := t.TempDir()
	for _, e := range []Event{
		{Time: at(0), Event: EventRun, By: "ops@host", Note: "apply started"},
		{Time: at(1), Step: "ou.create/x", Event: EventStarted},
		{Time: at(2), Step: "ou.create/x", Event: EventOutput, Output: "ouId", Value: "ou-ab12-34567890"},
		{Time: at(3), Step: "ou.create/x", Event: EventSucceeded},
		{Time: at(4), Event: EventRun, Note: "stopped by the user"},
	} {
		if err := Append(dir, e); err != nil {
			t.Fatal(err)
		}
	}
	st, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := st.Output("ou.create/x", "ouId"); !ok || v != "ou-ab12-34567890" {
		t.Errorf("Output = %q, %v", v, ok)
	}
	if _, ok := st.Output("ou.create/x", "ouArn"); ok {
		t.Error("an output never written was found")
	}
	if len(st.Runs) != 2 || st.Runs[1].Note != "stopped by the user" || len(st.Steps) != 1 {
		t.Errorf("runs %+v, steps %d", st.Runs, len(st.Steps))
	}
	if fi, err := os.Stat(Path(dir)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}

func TestReadEmptyFolderIsNotStarted(t *testing.T) {
	st, err := Read(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 0 || st.Step("x").Status != NotStarted {
		t.Fatalf("empty folder: %+v", st)
	}
}

func TestReadMissingFolderFails(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "state folder") {
		t.Fatalf("err = %v, want a state folder error", err)
	}
}

func TestReadBadLinesNameTheLine(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"not json", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\nhello\n", "line 2"},
		{"unknown event", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"finished"}` + "\n", `"finished"`},
		{"no step", `{"time":"2026-11-27T08:00:00Z","event":"started"}` + "\n", `"step" is missing`},
		{"no time", `{"step":"a","event":"started"}` + "\n", `"time" is missing`},
		{"operation without id", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"operation"}` + "\n", `"operationId"`},
		{"failed without error", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"failed"}` + "\n", `"error" is missing`},
		{"intent without action", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"intent","token":"t"}` + "\n", `"action" is missing`},
		{"output without value", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"output","output":"ouId"}` + "\n", `"value"`},
		{"confirmed without by", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"confirmed"}` + "\n", `"by" is missing`},
		{"run with a step", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"run","note":"x"}` + "\n", `run events are about the whole run`},
		{"run without note", `{"time":"2026-11-27T08:00:00Z","event":"run"}` + "\n", `"note" is missing`},
		{"unknown field", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started","x":1}` + "\n", "unknown field"},
		{"two values", `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"} {}` + "\n", "more than one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(Path(dir), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Read(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), FileName) {
				t.Errorf("err = %v, want it to name the file", err)
			}
		})
	}
}

func TestTornTailIsIgnoredAndCutOnOpen(t *testing.T) {
	dir := t.TempDir()
	good := `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\n"
	torn := `{"time":"2026-11-27T08:01:00Z","step":"a","event":"succ`
	if err := os.WriteFile(Path(dir), []byte(good+torn), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.TornTail || st.Step("a").Status != Running || st.Events != 1 {
		t.Fatalf("torn journal read as %+v", st)
	}
	if err := Append(dir, Event{Time: at(2), Step: "a", Event: EventSucceeded}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(Path(dir))
	if strings.Contains(string(data), "succ\"") || strings.Count(string(data), "\n") != 2 || strings.Contains(string(data), torn) {
		t.Fatalf("torn tail not cut before appending:\n%s", data)
	}
	st, err = Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.TornTail || st.Step("a").Status != Done {
		t.Fatalf("after repair: %+v", st.Step("a"))
	}
}

// A last line that parses but lacks its newline is still torn: Open cuts it off, so Read must not
// report the status it carries.
func TestParsableLineWithoutNewlineIsTorn(t *testing.T) {
	dir := t.TempDir()
	good := `{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\n"
	cut := `{"time":"2026-11-27T08:01:00Z","step":"a","event":"succeeded"}`
	if err := os.WriteFile(Path(dir), []byte(good+cut), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.TornTail || st.Step("a").Status != Running || st.Events != 1 {
		t.Fatalf("journal with an unterminated last line read as %+v", st)
	}
	evs, err := ReadEvents(dir)
	if err != nil || len(evs) != 1 {
		t.Fatalf("ReadEvents = %v, %v; want only the whole line", evs, err)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if data, _ := os.ReadFile(Path(dir)); string(data) != good {
		t.Fatalf("Open left %q, want only the whole line", data)
	}
}

func TestOpenCutsAWholeTornFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(Path(dir), []byte(`{"time":"20`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Append(dir, Event{Time: at(0), Step: "a", Event: EventStarted}); err != nil {
		t.Fatal(err)
	}
	st, err := Read(dir)
	if err != nil || st.Events != 1 || st.TornTail {
		t.Fatalf("st=%+v err=%v", st, err)
	}
}

func TestAppendRejectsInvalidEvents(t *testing.T) {
	dir := t.TempDir()
	err := Append(dir, Event{Step: "a", Event: "done"})
	if err == nil || !strings.Contains(err.Error(), `"event"`) {
		t.Fatalf("err = %v", err)
	}
	st, _ := Read(dir)
	if st.Events != 0 {
		t.Fatalf("invalid event was written")
	}
}

func TestAppendFillsTime(t *testing.T) {
	dir := t.TempDir()
	if err := Append(dir, Event{Step: "a", Event: EventStarted}); err != nil {
		t.Fatal(err)
	}
	st, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Step("a").Started.IsZero() {
		t.Fatal("time not filled")
	}
}

func TestConcurrentAppendsKeepWholeLines(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			step := "enroll/" + strings.Repeat(string(rune('a'+i%26)), 12)
			if err := w.Append(Event{Time: at(i), Step: step, Event: EventStarted}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	w.Close()
	if err := w.Append(Event{Time: at(0), Step: "x", Event: EventStarted}); err == nil {
		t.Error("append after close succeeded")
	}
	st, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != n {
		t.Fatalf("Events = %d, want %d", st.Events, n)
	}
	if c := st.Count(st.IDs()); c[Running] != 26 {
		t.Fatalf("Count = %v", c)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-27T08:00:00Z","step":"a","event":"started"}` + "\n"))
	f.Add([]byte(`{"time":"2026-11-27T08:00:00Z","step":"a","event":"operation","operationId":"x"}` + "\n{"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := Decode(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		n := 0
		for _, s := range st.Steps {
			if s.Status == NotStarted {
				t.Fatalf("step %q has events but is not started", s.Step)
			}
			n++
		}
		if n > st.Events {
			t.Fatalf("%d steps from %d events", n, st.Events)
		}
	})
}
