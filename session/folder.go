package session

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/journal"
	"github.com/lz2ct/lz2ct/plans"
	"github.com/lz2ct/lz2ct/plans/runbook"
	"github.com/lz2ct/lz2ct/settings"
	"github.com/lz2ct/lz2ct/statefolder"
)

// Folder is one organization's state folder (statefolder has its layout) as a session uses it:
// the snapshot, the settings, the plan and the runbooks a session saves, and the journal a run
// leaves. Every write goes through statefolder, private to the owner.
type Folder struct{ statefolder.Folder }

// Open returns the state folder dir; "" means the default folder of organizationID. Nothing is
// created until something is saved.
func Open(dir, organizationID string) Folder {
	if dir == "" {
		dir = statefolder.Default(organizationID)
	}
	return Folder{statefolder.Folder{Dir: filepath.Clean(dir)}}
}

// SaveSnapshot writes the snapshot file's bytes (the plan records their hash).
func (f Folder) SaveSnapshot(data []byte) error {
	return f.WriteFile(statefolder.Snapshot, data)
}

// SaveSettings writes the settings as YAML, the format `lz2ct plan --settings` reads and people edit.
func (f Folder) SaveSettings(s settings.Settings) error {
	data, err := settings.Encode(s)
	if err != nil {
		return err
	}
	return f.WriteFile(statefolder.Settings, data)
}

// Settings reads the settings a previous session saved; nil (and no error) when there are none.
func (f Folder) Settings() (*settings.Settings, error) {
	path := f.Path(statefolder.Settings)
	if ok, err := exists(path); !ok || err != nil {
		return nil, err
	}
	return settings.Load(path)
}

// RunStarted reports whether a run has started from the folder's plan: its journal exists.
func (f Folder) RunStarted() (bool, error) {
	return exists(f.Path(statefolder.Journal))
}

// SavePlan writes the folder's plan.json, unless a run has started from the plan already there
// (ErrRunStarted, with what to do instead).
func (f Folder) SavePlan(p *plans.Plan) error {
	path := f.Path(statefolder.Plan)
	if err := checkPlanPath(path); err != nil {
		return err
	}
	if err := f.Ensure(); err != nil {
		return err
	}
	return inventory.WriteAtomic(path, statefolder.FilePerm, p.EncodeTo)
}

// WritePlan writes a plan file (-o FILE). A plan.json next to a journal is the plan a run
// executes: it is never replaced (ErrRunStarted). The plan is encoded straight into the file.
func WritePlan(path string, p *plans.Plan) error {
	if err := checkPlanPath(path); err != nil {
		return err
	}
	return inventory.WriteAtomic(path, statefolder.FilePerm, p.EncodeTo)
}

// checkPlanPath refuses a path that holds the plan of a started run.
func checkPlanPath(path string) error {
	if filepath.Base(path) == statefolder.Plan {
		dir := filepath.Dir(path)
		started, err := Folder{statefolder.Folder{Dir: dir}}.RunStarted()
		if err != nil {
			return err
		}
		if started {
			return fmt.Errorf("%w: %s is the plan the run in %s executes and is kept as it is; "+
				"write the new plan elsewhere (e.g. -o plan-next.json) or use a new state folder", ErrRunStarted, path, dir)
		}
	}
	return nil
}

// Plan reads the folder's plan.json.
func (f Folder) Plan() (*plans.Plan, error) { return plans.Load(f.Path(statefolder.Plan)) }

// Journal reads the run's journal: nil (and no error) when no run has started, an error naming
// the line when the journal cannot be read — a damaged journal is never shown as "not started".
func (f Folder) Journal() (*journal.State, error) {
	if started, err := f.RunStarted(); !started || err != nil {
		return nil, err
	}
	st, err := journal.Read(f.Dir)
	if err != nil {
		return nil, fmt.Errorf("the journal of %s cannot be read (%w); the run's statuses are unknown until it is repaired", f.Dir, err)
	}
	return st, nil
}

// Runbook formats.
const (
	Markdown = "markdown"
	HTML     = "html"
)

// RunbookPath is where the folder keeps the runbook of a format.
func (f Folder) RunbookPath(format string) string {
	if format == HTML {
		return f.Path(statefolder.RunbookHTML)
	}
	return f.Path(statefolder.RunbookMD)
}

// WriteRunbooks renders the plan as Markdown and HTML runbooks into the folder, with each step's
// status when a run has started; it returns the files written.
func (f Folder) WriteRunbooks(p *plans.Plan, opts ...runbook.Option) ([]string, error) {
	st, err := f.Journal()
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, format := range []string{Markdown, HTML} {
		var buf bytes.Buffer
		if err := RenderRunbook(&buf, format, p, st, opts...); err != nil {
			return paths, err
		}
		name := statefolder.RunbookMD
		if format == HTML {
			name = statefolder.RunbookHTML
		}
		if err := f.WriteFile(name, buf.Bytes()); err != nil {
			return paths, err
		}
		paths = append(paths, f.Path(name))
	}
	return paths, nil
}

// RenderRunbook writes the plan as a runbook in format (Markdown or HTML) to w; st, when not nil,
// adds each step's status.
func RenderRunbook(w io.Writer, format string, p *plans.Plan, st *journal.State, opts ...runbook.Option) error {
	var err error
	switch format {
	case Markdown:
		err = runbook.Markdown(w, p, st, opts...)
	case HTML:
		err = runbook.HTML(w, p, st, opts...)
	default:
		return fmt.Errorf("runbook format %q: use %s or %s", format, Markdown, HTML)
	}
	if err != nil {
		return fmt.Errorf("render the %s runbook: %w", format, err)
	}
	return nil
}

// WriteRunbook renders the runbook straight into the file at path (an -o FILE, written like
// WriteFile: atomically and private) and returns its size. It goes through a temporary file that
// is renamed into place only once the whole runbook is written, so a failure leaves path as it
// was, and the runbook (megabytes for a large organization) is never held in memory.
func WriteRunbook(path, format string, p *plans.Plan, st *journal.State, opts ...runbook.Option) (int64, error) {
	var n int64
	err := inventory.WriteAtomic(path, statefolder.FilePerm, func(w io.Writer) error {
		cw := &countWriter{w: w}
		err := RenderRunbook(cw, format, p, st, opts...)
		n = cw.n
		return err
	})
	return n, err
}

// countWriter counts what it passes on.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// LoadRun reads what `lz2ct runbook` prints: the plan (planPath, or the state folder's own) and,
// with a state folder, the run's journal. A planPath that is not the plan the folder's run
// executes is refused, since the statuses would be attached to the wrong steps.
func LoadRun(planPath, stateDir string) (*plans.Plan, *journal.State, error) {
	var st *journal.State
	if stateDir != "" {
		fi, err := os.Stat(stateDir)
		if err != nil {
			return nil, nil, fmt.Errorf("state folder %s: %w (give the folder the run was started with, e.g. .lz2ct/<organization-id>)", stateDir, err)
		}
		if !fi.IsDir() {
			return nil, nil, fmt.Errorf("state folder %s is a file, not a folder", stateDir)
		}
		if st, err = (Folder{statefolder.Folder{Dir: stateDir}}).Journal(); err != nil {
			return nil, nil, err
		}
		if st == nil {
			// No run yet: every step is "not started", and the runbook says so.
			st = &journal.State{Dir: stateDir, Steps: map[string]journal.StepState{}}
		}
	}
	folderPlan := filepath.Join(stateDir, statefolder.Plan)
	if planPath == "" {
		if ok, err := exists(folderPlan); err != nil || !ok {
			if err == nil {
				err = fmt.Errorf("state folder %s has no %s (no plan was saved there): give the plan with --plan", stateDir, statefolder.Plan)
			}
			return nil, nil, err
		}
		planPath = folderPlan
	}
	p, err := plans.Load(planPath)
	if err != nil {
		return nil, nil, err
	}
	if stateDir != "" && planPath != folderPlan {
		if err := samePlan(p, folderPlan); err != nil {
			return nil, nil, err
		}
	}
	return p, st, nil
}

// samePlan refuses a plan that differs from the state folder's plan.json, when there is one.
func samePlan(p *plans.Plan, folderPlan string) error {
	if ok, err := exists(folderPlan); err != nil || !ok {
		return err
	}
	sp, err := plans.Load(folderPlan)
	if err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	a, err1 := p.Encode()
	b, err2 := sp.Encode()
	if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
		return fmt.Errorf("--plan is not the plan the run in the state folder executes (%s, snapshot %s): "+
			"leave out --plan to print the run's own plan", folderPlan, sp.SnapshotHash)
	}
	return nil
}
