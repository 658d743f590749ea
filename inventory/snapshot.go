package inventory

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	"github.com/lz2ct/lz2ct/internal/strictjson"
)

// PathError is a problem at one place in a snapshot, named by its JSON path ("$.accounts[3].parentId").
type PathError struct {
	Path string
	Msg  string
}

func (e *PathError) Error() string { return e.Path + ": " + e.Msg }

// Decode parses and validates snapshot JSON. Errors are *PathError naming where the problem is.
//
// The decoder (internal/strictjson) reads the bytes straight into the model in one pass, rejects
// unknown and repeated members and names the JSON path of a wrong value as it goes; see
// docs/architecture.md for why it is not encoding/json.
func Decode(data []byte) (*Snapshot, error) {
	return decode(data, nil)
}

// releaseEvery is how often the decoder reports progress to a release function.
const releaseEvery = 8 << 20

// decode is Decode, telling release (when not nil) how much of data it is done with as it goes.
func decode(data []byte, release func(n int)) (*Snapshot, error) {
	defer pauseGC()()
	var s Snapshot
	if err := strictjson.UnmarshalProgress(data, &s, releaseEvery, release); err != nil {
		return nil, decodeProblem(data, err.(*strictjson.Error))
	}
	if s.SchemaVersion != SchemaVersion {
		return nil, versionProblem(data)
	}
	if err := Validate(&s); err != nil {
		return nil, err
	}
	return &s, nil
}

// decodeProblem turns the decoder's first problem into the one a reader should see first: the
// file is not JSON at all (anywhere in it), is not an object, is another version, and only then
// the decoder's own finding, which may come from further up in the file than a syntax error.
func decodeProblem(data []byte, derr *strictjson.Error) error {
	if !derr.Syntax {
		if serr := strictjson.Valid(data); serr != nil {
			derr = serr
		}
	}
	if derr.Syntax {
		return &PathError{Path: "$", Msg: syntaxMessage(data, derr)}
	}
	if first := bytes.TrimLeft(data, " \t\r\n"); first[0] != '{' {
		return &PathError{Path: "$", Msg: "a snapshot is a JSON object"}
	}
	if v, ok := strictjson.Member(data, "schemaVersion"); !ok || string(v) != fmt.Sprint(SchemaVersion) {
		return versionProblem(data)
	}
	return &PathError{Path: derr.Path, Msg: derr.Msg}
}

// versionProblem says why the version of a well-formed snapshot object is not this build's.
func versionProblem(data []byte) error {
	v, ok := strictjson.Member(data, "schemaVersion")
	if !ok {
		return &PathError{Path: "$.schemaVersion", Msg: "missing: is this an lz2ct snapshot?"}
	}
	return &PathError{Path: "$.schemaVersion", Msg: fmt.Sprintf("unsupported version %s (this lz2ct reads version %d)", v, SchemaVersion)}
}

func syntaxMessage(data []byte, e *strictjson.Error) string {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "invalid JSON: the file is empty"
	case e.Offset >= len(data):
		return "invalid JSON: the file ends early (truncated?)"
	case strings.HasPrefix(e.Msg, "unexpected data after"):
		return "unexpected data after the snapshot object"
	}
	line, col := lineCol(data, e.Offset)
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", line, col, e.Msg)
}

func lineCol(data []byte, off int) (int, int) {
	off = min(off, len(data))
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

// Encode serializes a snapshot in its canonical text form: two-space indentation, struct field
// order, a final newline. The same Snapshot value always gives the same bytes (those of
// encoding/json's indenting Encoder without HTML escaping; internal/strictjson's tests compare).
func Encode(s *Snapshot) ([]byte, error) {
	data, err := strictjson.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encode snapshot: %w", err)
	}
	return data, nil
}

// WriteTo writes the snapshot's canonical text to w as it is encoded, without holding the whole
// text in memory.
func WriteTo(w io.Writer, s *Snapshot) error {
	if err := strictjson.Encode(w, s); err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	return nil
}

// Save writes the snapshot atomically: a temporary file in the same folder, fsync, rename.
// A reader never sees a half-written snapshot, and a crash leaves the old file intact. The text is
// streamed to the file, so saving a large organization needs no memory beyond the model.
func Save(path string, s *Snapshot) error {
	return WriteAtomic(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := WriteTo(bw, s); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// WriteFileAtomic writes data to path via a temporary file, fsync and rename, then fsyncs the folder.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic writes what write produces to path via a temporary file, fsync and rename, then
// fsyncs the folder. When write fails, path is left as it was.
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable; not every filesystem supports it
		d.Close()
	}
	return nil
}

// Sort puts every slice of the snapshot in canonical order (by ID, name, or region), so that two
// discoveries of the same organization serialize identically whatever order AWS paged them in.
func (s *Snapshot) Sort() {
	sort.Strings(s.Regions)
	sort.Slice(s.Roots, func(i, j int) bool { return s.Roots[i].ID < s.Roots[j].ID })
	for i := range s.Roots {
		sort.Strings(s.Roots[i].PolicyTypes)
	}
	sort.Slice(s.OUs, func(i, j int) bool { return s.OUs[i].ID < s.OUs[j].ID })
	sort.Slice(s.Accounts, func(i, j int) bool { return s.Accounts[i].ID < s.Accounts[j].ID })
	for i := range s.Accounts {
		a := &s.Accounts[i]
		a.sortFacts()
		// Most of these lists hold zero or one item: sort.Slice would still allocate (its closure
		// and swapper) for each, hundreds of thousands of times on a large organization.
		if len(a.Regions) > 1 {
			sort.Slice(a.Regions, func(i, j int) bool { return a.Regions[i].Region < a.Regions[j].Region })
		}
		for k := range a.Regions {
			r := &a.Regions[k]
			if len(r.ConfigRecorders) > 1 {
				sort.Slice(r.ConfigRecorders, func(i, j int) bool { return r.ConfigRecorders[i].Name < r.ConfigRecorders[j].Name })
			}
			if len(r.DeliveryChannels) > 1 {
				sort.Slice(r.DeliveryChannels, func(i, j int) bool { return r.DeliveryChannels[i].Name < r.DeliveryChannels[j].Name })
			}
			sort.Strings(r.ConfigAggregators)
			if len(r.ReservedNames) > 1 {
				sort.Slice(r.ReservedNames, func(i, j int) bool {
					return r.ReservedNames[i].Type+"\x00"+r.ReservedNames[i].Name < r.ReservedNames[j].Type+"\x00"+r.ReservedNames[j].Name
				})
			}
		}
	}
	sort.Slice(s.Policies, func(i, j int) bool { return s.Policies[i].ID < s.Policies[j].ID })
	for i := range s.Policies {
		sort.Strings(s.Policies[i].Targets)
	}
	sort.Strings(s.TrustedServices)
	sort.Slice(s.DelegatedAdmins, func(i, j int) bool {
		a, b := s.DelegatedAdmins[i], s.DelegatedAdmins[j]
		return lessJoined(a.ServicePrincipal, a.AccountID, b.ServicePrincipal, b.AccountID)
	})
	if lz := s.ControlTower.LandingZone; lz != nil {
		sort.Strings(lz.GovernedRegions)
	}
	sort.Slice(s.ControlTower.EnabledBaselines, func(i, j int) bool {
		return s.ControlTower.EnabledBaselines[i].Arn < s.ControlTower.EnabledBaselines[j].Arn
	})
	if z := s.ALZ; z != nil {
		sort.Strings(z.ManifestRegions)
		sort.Slice(z.Stacks, func(i, j int) bool {
			return lessJoined(z.Stacks[i].Region, z.Stacks[i].Name, z.Stacks[j].Region, z.Stacks[j].Name)
		})
		sort.Slice(z.StackSets, func(i, j int) bool { return z.StackSets[i].Name < z.StackSets[j].Name })
		for i := range z.StackSets {
			in := z.StackSets[i].Instances
			if len(in) < 2 {
				continue
			}
			sort.Slice(in, func(i, j int) bool { return lessJoined(in[i].AccountID, in[i].Region, in[j].AccountID, in[j].Region) })
		}
		sort.Slice(z.Portfolios, func(i, j int) bool { return z.Portfolios[i].ID < z.Portfolios[j].ID })
		for i := range z.Portfolios {
			sort.Strings(z.Portfolios[i].ProductIDs)
			sort.Strings(z.Portfolios[i].PrincipalARNs)
			sort.Strings(z.Portfolios[i].ConstraintIDs)
		}
		sort.Slice(z.Products, func(i, j int) bool { return z.Products[i].ID < z.Products[j].ID })
		sort.Slice(z.ProvisionedProducts, func(i, j int) bool { return z.ProvisionedProducts[i].ID < z.ProvisionedProducts[j].ID })
		sort.Slice(z.Buckets, func(i, j int) bool { return z.Buckets[i].Name < z.Buckets[j].Name })
		sort.Slice(z.SSMParameters, func(i, j int) bool {
			return lessJoined(z.SSMParameters[i].Region, z.SSMParameters[i].Name, z.SSMParameters[j].Region, z.SSMParameters[j].Name)
		})
		sort.Slice(z.KMSAliases, func(i, j int) bool {
			return lessJoined(z.KMSAliases[i].Region, z.KMSAliases[i].Name, z.KMSAliases[j].Region, z.KMSAliases[j].Name)
		})
	}
	sort.Slice(s.Problems, func(i, j int) bool {
		a, b := s.Problems[i], s.Problems[j]
		// Code and message break ties: sort.Slice is not stable, so two problems with the same
		// scope would otherwise come out in whatever order discovery recorded them.
		return strings.Join([]string{a.AccountID, a.Region, a.Service, a.Operation, a.Code, a.Message}, "\x00") <
			strings.Join([]string{b.AccountID, b.Region, b.Service, b.Operation, b.Code, b.Message}, "\x00")
	})
}

// lessJoined reports whether a1+a2 < b1+b2, without building the two strings: Sort compares these
// keys O(n log n) times (the StackSet instances of a 10,000-account organization are hundreds of
// thousands), and the concatenations were most of its allocations.
func lessJoined(a1, a2, b1, b2 string) bool {
	for i := 0; ; i++ {
		ca, okA := byteAt(a1, a2, i)
		cb, okB := byteAt(b1, b2, i)
		switch {
		case !okA:
			return okB // a is a prefix of b (or equal)
		case !okB:
			return false
		case ca != cb:
			return ca < cb
		}
	}
}

func byteAt(s1, s2 string, i int) (byte, bool) {
	if i < len(s1) {
		return s1[i], true
	}
	if i -= len(s1); i < len(s2) {
		return s2[i], true
	}
	return 0, false
}

// gcPause counts the decodes in progress; the garbage collector is off while there is one.
var gcPause struct {
	sync.Mutex
	n       int
	percent int
}

// pauseGC turns the garbage collector off until the returned function is called, for a decode:
// what a decode allocates is nearly all the model it returns, so a collection during it would
// scan a growing heap to free almost nothing (it was a tenth of check's time on a 10,000-account
// snapshot). A memory limit (debug.SetMemoryLimit; lz2ct sets one) still triggers collection.
func pauseGC() func() {
	gcPause.Lock()
	if gcPause.n == 0 {
		gcPause.percent = debug.SetGCPercent(-1)
	}
	gcPause.n++
	gcPause.Unlock()
	return func() {
		gcPause.Lock()
		gcPause.n--
		if gcPause.n == 0 {
			debug.SetGCPercent(gcPause.percent)
		}
		gcPause.Unlock()
	}
}
