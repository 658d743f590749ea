package inventory

import (
	"bufio"
	"bytes"
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
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
// fsyncs the folder. When write fails, path is left as it was. A path that is a device or a pipe
// (-o /dev/null, -o /dev/stdout, a FIFO) is written to as it is: renaming over it would replace
// the device with a file, for every program on the machine when run as root.
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) error {
	if fi, err := os.Stat(path); err == nil && fi.Mode()&(os.ModeDevice|os.ModeNamedPipe|os.ModeCharDevice) != 0 {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
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
	// slices.SortFunc rather than sort.Slice: no reflection and no allocation per list (most of
	// an account's lists hold zero or one item, hundreds of thousands of times on a large
	// organization), and sorted input, the usual case, costs one pass.
	slices.Sort(s.Regions)
	sortBy(s.Roots, func(r *Root) string { return r.ID })
	for i := range s.Roots {
		slices.Sort(s.Roots[i].PolicyTypes)
	}
	sortBy(s.OUs, func(o *OU) string { return o.ID })
	sortBy(s.Accounts, func(a *Account) string { return a.ID })
	for i := range s.Accounts {
		a := &s.Accounts[i]
		a.sortFacts()
		sortBy(a.Regions, func(r *AccountRegion) string { return r.Region })
		for k := range a.Regions {
			r := &a.Regions[k]
			sortBy(r.ConfigRecorders, func(c *ConfigRecorder) string { return c.Name })
			sortBy(r.DeliveryChannels, func(c *DeliveryChannel) string { return c.Name })
			slices.Sort(r.ConfigAggregators)
			sortNamed(r.ReservedNames)
		}
	}
	sortBy(s.Policies, func(p *Policy) string { return p.ID })
	for i := range s.Policies {
		slices.Sort(s.Policies[i].Targets)
	}
	slices.Sort(s.TrustedServices)
	slices.SortFunc(s.DelegatedAdmins, func(a, b DelegatedAdministrator) int {
		return compareJoined(a.ServicePrincipal, a.AccountID, b.ServicePrincipal, b.AccountID)
	})
	if lz := s.ControlTower.LandingZone; lz != nil {
		slices.Sort(lz.GovernedRegions)
	}
	sortBy(s.ControlTower.EnabledBaselines, func(b *EnabledBaseline) string { return b.Arn })
	if z := s.ALZ; z != nil {
		slices.Sort(z.ManifestRegions)
		slices.SortFunc(z.Stacks, func(a, b Stack) int { return compareJoined(a.Region, a.Name, b.Region, b.Name) })
		sortBy(z.StackSets, func(x *StackSet) string { return x.Name })
		for i := range z.StackSets {
			slices.SortFunc(z.StackSets[i].Instances, func(a, b StackInstance) int {
				return compareJoined(a.AccountID, a.Region, b.AccountID, b.Region)
			})
		}
		sortBy(z.Portfolios, func(x *Portfolio) string { return x.ID })
		for i := range z.Portfolios {
			slices.Sort(z.Portfolios[i].ProductIDs)
			slices.Sort(z.Portfolios[i].PrincipalARNs)
			slices.Sort(z.Portfolios[i].ConstraintIDs)
		}
		sortBy(z.Products, func(x *Product) string { return x.ID })
		sortBy(z.ProvisionedProducts, func(x *ProvisionedProduct) string { return x.ID })
		sortBy(z.Buckets, func(x *Bucket) string { return x.Name })
		slices.SortFunc(z.SSMParameters, func(a, b SSMParameter) int { return compareJoined(a.Region, a.Name, b.Region, b.Name) })
		slices.SortFunc(z.KMSAliases, func(a, b KMSAlias) int { return compareJoined(a.Region, a.Name, b.Region, b.Name) })
	}
	slices.SortFunc(s.Problems, func(a, b Problem) int {
		// Code and message break ties: the sort is not stable, so two problems with the same
		// scope would otherwise come out in whatever order discovery recorded them.
		return cmp.Or(strings.Compare(a.AccountID, b.AccountID), strings.Compare(a.Region, b.Region),
			strings.Compare(a.Service, b.Service), strings.Compare(a.Operation, b.Operation),
			strings.Compare(a.Code, b.Code), strings.Compare(a.Message, b.Message))
	})
}

// sortBy sorts l by one string key of its elements, read through a pointer so that large elements
// (an Account is hundreds of bytes) are not copied for each comparison.
func sortBy[T any](l []T, key func(*T) string) {
	if len(l) < 2 {
		return
	}
	// Already sorted is the usual case (a snapshot lz2ct wrote): one pass, no swaps.
	sorted := true
	for i := 1; i < len(l) && sorted; i++ {
		sorted = key(&l[i-1]) <= key(&l[i])
	}
	if sorted {
		return
	}
	slices.SortFunc(l, func(a, b T) int { return strings.Compare(key(&a), key(&b)) })
}

// compareJoined compares a1+a2 with b1+b2 without building the two strings: Sort compares these
// keys O(n log n) times (the StackSet instances of a 10,000-account organization are hundreds of
// thousands), and the concatenations were most of its allocations. Strings compare a word at a
// time, so the parts are compared as strings, not byte by byte.
func compareJoined(a1, a2, b1, b2 string) int {
	for {
		if a1 == "" {
			if a1, a2 = a2, ""; a1 == "" {
				if b1 == "" && b2 == "" {
					return 0
				}
				return -1 // a is a prefix of b
			}
		}
		if b1 == "" {
			if b1, b2 = b2, ""; b1 == "" {
				return 1
			}
		}
		n := min(len(a1), len(b1))
		if c := strings.Compare(a1[:n], b1[:n]); c != 0 {
			return c
		}
		a1, b1 = a1[n:], b1[n:]
	}
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
