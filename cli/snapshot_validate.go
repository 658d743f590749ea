package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lz2ct/lz2ct/inventory"
	"github.com/lz2ct/lz2ct/iostreams"
	"github.com/spf13/cobra"
)

func init() {
	register("snapshot", func(f *Factory) *cobra.Command { return NewCmdSnapshotValidate(f, nil) })
}

// SnapshotValidateOptions are the inputs of lz2ct snapshot validate.
type SnapshotValidateOptions struct {
	IO   *iostreams.IOStreams
	File string
	JSON bool
}

// NewCmdSnapshotValidate builds "lz2ct snapshot validate". runF, when not nil, replaces the run function (tests).
func NewCmdSnapshotValidate(f *Factory, runF func(*SnapshotValidateOptions) error) *cobra.Command {
	opts := &SnapshotValidateOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "validate FILE|-",
		Short: "Check a snapshot file and summarize the organization in it",
		Long: `Load and validate a snapshot file, then print a one-screen summary: the organization, counts of
OUs, accounts, SCPs and regions, the deepest OU, ALZ's version and home region, Control Tower's
state, the IAM Identity Center region and what discovery could not read.

Exits 2, naming the JSON path of the first problem, when the file is not a valid snapshot.`,
		Example: `  lz2ct snapshot validate testdata/orgs/alz2-typical.json
  lz2ct snapshot validate --json org.json | jq .accounts
  lz2ct sim generate --accounts 100 -o - | lz2ct snapshot validate -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return BadInput(fmt.Errorf("snapshot validate takes one snapshot file, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if runF != nil {
				return runF(opts)
			}
			return snapshotValidateRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the summary as JSON")
	return cmd
}

// SnapshotSummary is what snapshot validate reports (its --json form).
type SnapshotSummary struct {
	File  string        `json:"file"`
	Valid bool          `json:"valid"`
	Error *SummaryError `json:"error,omitempty"`

	SchemaVersion int       `json:"schemaVersion,omitempty"`
	Source        string    `json:"source,omitempty"`
	CapturedAt    time.Time `json:"capturedAt,omitzero"`

	Organization         *inventory.Organization `json:"organization,omitempty"`
	Regions              []string                `json:"regions,omitempty"`
	OUs                  int                     `json:"ous"`
	MaxOUDepth           int                     `json:"maxOuDepth"`
	Accounts             int                     `json:"accounts"`
	AccountsByStatus     map[string]int          `json:"accountsByStatus,omitempty"`
	UnreadableAccounts   int                     `json:"unreadableAccounts"`
	SCPs                 int                     `json:"scps"`
	CustomerSCPs         int                     `json:"customerScps"`
	IdentityCenterRegion string                  `json:"identityCenterRegion,omitempty"`
	ALZ                  *ALZSummary             `json:"alz,omitempty"`
	ControlTower         ControlTowerSummary     `json:"controlTower"`
	Problems             int                     `json:"problems"`
	FirstProblems        []inventory.Problem     `json:"firstProblems,omitempty"`
}

// SummaryError says where a snapshot is invalid.
type SummaryError struct {
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// ALZSummary is the landing zone part of a summary.
type ALZSummary struct {
	Version             string   `json:"version"`
	HomeRegion          string   `json:"homeRegion"`
	ManifestRegions     []string `json:"manifestRegions,omitempty"`
	CoreOUID            string   `json:"coreOuId,omitempty"`
	StackSets           int      `json:"stackSets"`
	StackInstances      int      `json:"stackInstances"`
	ProvisionedProducts int      `json:"provisionedProducts"`
}

// ControlTowerSummary is Control Tower's state in a summary.
type ControlTowerSummary struct {
	Deployed         bool   `json:"deployed"`
	Version          string `json:"version,omitempty"`
	HomeRegion       string `json:"homeRegion,omitempty"`
	Status           string `json:"status,omitempty"`
	RegisteredOUs    int    `json:"registeredOus"`
	EnrolledAccounts int    `json:"enrolledAccounts"`
}

// summaryMaxProblems keeps the summary on one screen.
const summaryMaxProblems = 5

// SummarizeSnapshot describes a valid snapshot.
func SummarizeSnapshot(file string, s *inventory.Snapshot) SnapshotSummary {
	ix := inventory.NewIndex(s)
	org := s.Organization
	sum := SnapshotSummary{
		File: file, Valid: true,
		SchemaVersion: s.SchemaVersion, Source: s.Source, CapturedAt: s.CapturedAt,
		Organization: &org, Regions: s.Regions,
		OUs: len(s.OUs), Accounts: len(s.Accounts), SCPs: len(s.Policies),
		AccountsByStatus: map[string]int{}, Problems: len(s.Problems),
	}
	for _, ou := range s.OUs {
		sum.MaxOUDepth = max(sum.MaxOUDepth, ix.Depth(ou.ID))
		if ix.IsRegistered(ou.ID) {
			sum.ControlTower.RegisteredOUs++
		}
	}
	for _, a := range s.Accounts {
		sum.AccountsByStatus[a.Status]++
		if a.IAM == nil {
			sum.UnreadableAccounts++
		}
		if ix.IsEnrolled(a.ID) {
			sum.ControlTower.EnrolledAccounts++
		}
	}
	for _, p := range s.Policies {
		if !p.AWSManaged {
			sum.CustomerSCPs++
		}
	}
	if s.IdentityCenter != nil {
		sum.IdentityCenterRegion = s.IdentityCenter.Region
	}
	if z := s.ALZ; z != nil {
		a := &ALZSummary{Version: z.Version, HomeRegion: z.HomeRegion, ManifestRegions: z.ManifestRegions,
			CoreOUID: z.CoreOUID, StackSets: len(z.StackSets), ProvisionedProducts: len(z.ProvisionedProducts)}
		for _, ss := range z.StackSets {
			a.StackInstances += len(ss.Instances)
		}
		sum.ALZ = a
	}
	if lz := s.ControlTower.LandingZone; lz != nil {
		ct := &sum.ControlTower
		ct.Deployed, ct.Version, ct.HomeRegion, ct.Status = true, lz.Version, lz.HomeRegion, lz.Status
	}
	sum.FirstProblems = s.Problems[:min(len(s.Problems), summaryMaxProblems)]
	return sum
}

func snapshotValidateRun(opts *SnapshotValidateOptions) error {
	var s *inventory.Snapshot
	var err error
	if opts.File == "-" {
		// A snapshot piped in (e.g. from lz2ct sim generate -o -).
		var data []byte
		if data, err = io.ReadAll(opts.IO.In); err == nil {
			if s, err = inventory.Decode(data); err != nil {
				err = fmt.Errorf("snapshot on standard input: %w", err)
			}
		}
	} else {
		s, err = inventory.Load(opts.File)
	}
	if err != nil {
		if opts.JSON {
			bad := struct {
				File  string       `json:"file"`
				Valid bool         `json:"valid"`
				Error SummaryError `json:"error"`
			}{File: opts.File, Error: SummaryError{Message: err.Error()}}
			var pe *inventory.PathError
			if errors.As(err, &pe) {
				bad.Error.Path = pe.Path
			}
			if werr := writeSummaryJSON(opts.IO.Out, bad); werr != nil {
				return werr
			}
		}
		return BadInput(fmt.Errorf("%w\nFix the value at that path (docs/snapshot.md explains every field), or capture the organization again with lz2ct discover", err))
	}
	sum := SummarizeSnapshot(opts.File, s)
	if opts.JSON {
		return writeSummaryJSON(opts.IO.Out, sum)
	}
	return printSnapshotSummary(opts.IO.Out, sum)
}

func writeSummaryJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func printSnapshotSummary(out io.Writer, s SnapshotSummary) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, format string, a ...any) { fmt.Fprintf(w, "%s\t%s\n", k, fmt.Sprintf(format, a...)) }
	// Lines stay within 80 columns for the usual IDs and names: the summary fits one 80x24 screen.
	row("Snapshot", "%s: valid", s.File)
	row("", "schema %d, %s, captured %s", s.SchemaVersion, s.Source, s.CapturedAt.Format(time.RFC3339))
	o := s.Organization
	row("Organization", "%s (feature set %s)", o.ID, o.FeatureSet)
	row("Management", "%s <%s>", o.ManagementAccountID, o.ManagementAccountEmail)
	row("Regions", "%d: %s", len(s.Regions), shortRegionList(s.Regions))
	row("OUs", "%d, deepest at level %d", s.OUs, s.MaxOUDepth)
	var status []string
	for _, st := range []string{inventory.AccountActive, inventory.AccountSuspended, inventory.AccountPendingClosure} {
		if n := s.AccountsByStatus[st]; n > 0 {
			status = append(status, fmt.Sprintf("%d %s", n, strings.ToLower(strings.ReplaceAll(st, "_", " "))))
		}
	}
	row("Accounts", "%d (%s; %d unreadable)", s.Accounts, strings.Join(status, ", "), s.UnreadableAccounts)
	row("SCPs", "%d (%d customer-managed)", s.SCPs, s.CustomerSCPs)
	if z := s.ALZ; z != nil {
		v := z.Version
		if v == "" {
			v = "version unknown"
		}
		core := "no core OU"
		if z.CoreOUID != "" {
			core = "core OU " + z.CoreOUID
		}
		row("ALZ", "%s, home region %s, %s", v, z.HomeRegion, core)
		manifest := shortRegionList(z.ManifestRegions)
		if slices.Equal(z.ManifestRegions, s.Regions) {
			manifest = fmt.Sprintf("all %d snapshot regions", len(s.Regions))
		}
		row("", "manifest regions: %s", manifest)
		row("", "%d StackSets (%d instances), %d provisioned products", z.StackSets, z.StackInstances, z.ProvisionedProducts)
	} else {
		row("ALZ", "not found")
	}
	if ct := s.ControlTower; ct.Deployed {
		row("Control Tower", "landing zone %s in %s (%s)", ct.Version, ct.HomeRegion, ct.Status)
		row("", "%d OUs registered, %d accounts enrolled", ct.RegisteredOUs, ct.EnrolledAccounts)
	} else {
		row("Control Tower", "not deployed")
	}
	row("Identity Center", "%s", noneIfEmpty(s.IdentityCenterRegion))
	row("Problems", "%d", s.Problems)
	for _, p := range s.FirstProblems {
		scope := "organization"
		if p.AccountID != "" {
			scope = "account " + p.AccountID
		}
		if p.Region != "" {
			scope += " in " + p.Region
		}
		// The message is in the --json form; the code says enough on one line.
		row("", "%s: %s:%s %s", scope, p.Service, p.Operation, p.Code)
	}
	if s.Problems > len(s.FirstProblems) {
		row("", "... and %d more (see $.problems)", s.Problems-len(s.FirstProblems))
	}
	return w.Flush()
}

// shortRegionList keeps a region list on one 80-column line; --json has the whole list.
func shortRegionList(rs []string) string {
	const show = 3
	if len(rs) <= show+1 {
		return strings.Join(rs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(rs[:show], ", "), len(rs)-show)
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
