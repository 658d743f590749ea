package hooks

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Lines writes one plain line per event to w, for a terminal or a log file: the CLI's progress
// (apply, resume, demo --plain). Times are the events' own (UTC), so logs from several machines
// line up.
func Lines(w io.Writer) Hook {
	var mu sync.Mutex
	return Func(func(ev Event) error {
		line := Line(ev)
		if line == "" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = fmt.Fprintln(w, line) // progress lines are best effort: a closed terminal must not stop the run
		return nil
	})
}

// Line is the plain progress line of an event ("" for none): what Lines writes and the wizard's log shows.
func Line(ev Event) string {
	at := ev.Time.UTC().Format("15:04:05")
	id := ev.StepID()
	switch ev.Type {
	case Started:
		title := ""
		if ev.Step != nil && ev.Step.Title != "" {
			title = ": " + ev.Step.Title
		}
		if ev.Attempt > 1 {
			title += fmt.Sprintf(" (attempt %d)", ev.Attempt)
		}
		return fmt.Sprintf("%s start    %s%s", at, id, title)
	case Intent:
		return fmt.Sprintf("%s change   %s: %s", at, id, ev.Action)
	case Operation:
		return fmt.Sprintf("%s waiting  %s: AWS operation %s", at, id, ev.OperationID)
	case Output:
		return fmt.Sprintf("%s output   %s: %s = %s", at, id, ev.Output, ev.Value)
	case Succeeded:
		if ev.Note != "" {
			return fmt.Sprintf("%s done     %s (%s)", at, id, ev.Note)
		}
		return fmt.Sprintf("%s done     %s", at, id)
	case Failed:
		s := fmt.Sprintf("%s FAILED   %s: %s", at, id, ev.Error)
		if ev.Advice != "" {
			s += "\n         what to do: " + ev.Advice
		}
		return s
	case Waiting:
		s := fmt.Sprintf("%s manual   %s: waiting for the operator; when it is done: lz2ct confirm %s", at, id, id)
		if ev.Note != "" {
			s += "\n         " + strings.ReplaceAll(ev.Note, "\n", "\n         ")
		}
		return s
	case Confirmed:
		return fmt.Sprintf("%s confirm  %s by %s", at, id, ev.By)
	case Run:
		return fmt.Sprintf("%s run      %s", at, ev.Note)
	case Gate:
		return fmt.Sprintf("%s confirm  %s: %s; they start once the organization ID is typed (--confirm-org)", at, id, ev.Note)
	case Log:
		if id != "" {
			return fmt.Sprintf("%s          %s: %s", at, id, ev.Message)
		}
		return fmt.Sprintf("%s          %s", at, ev.Message)
	}
	return ""
}
