package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/mlsec/mlsec/internal/version"
)

// Limits bound the work done on hostile input. Hitting one is reported as a
// finding (ARC003 or PKL010), never silently truncated.
type Limits struct {
	MaxDepth         int     // archive and compression nesting
	MaxEntries       int     // entries per archive
	MaxExpandedBytes int64   // bytes decompressed in all from one top-level file, nested archives included
	MaxRatio         float64 // expanded/compressed ratio of each stream and of the whole file, checked past RatioGrace bytes
	RatioGrace       int64
	MaxPickleOps     int64 // opcodes per pickle stream
	MaxPickleMemo    int   // memo indices per pickle stream (memory does not grow with it)
	MaxPickleStack   int   // stack depth plus mark depth per pickle stream
	MaxPickleNesting int   // pickles embedded in pickles
	MaxJSONBytes     int64 // JSON/YAML/text configs read into memory
	InMemoryBytes    int64 // decompressed blobs larger than this spill to a temp file
}

// DefaultLimits are generous enough for real checkpoints and tight enough
// that a bomb costs seconds and megabytes.
func DefaultLimits() Limits {
	return Limits{
		MaxDepth:         8,
		MaxEntries:       100_000,
		MaxExpandedBytes: 32 << 30,
		MaxRatio:         1000,
		RatioGrace:       16 << 20,
		MaxPickleOps:     200_000_000,
		MaxPickleMemo:    1 << 28,
		MaxPickleStack:   1_000_000,
		MaxPickleNesting: 4,
		MaxJSONBytes:     64 << 20,
		InMemoryBytes:    4 << 20,
	}
}

// Options configure a Scanner. The zero value scans with the embedded rules
// and default limits on every core.
type Options struct {
	Rules   *Ruleset // nil means DefaultRuleset()
	Limits  Limits   // zero value means DefaultLimits()
	Workers int      // files scanned in parallel; 0 means GOMAXPROCS
	// Progress, if set, is called after each top-level file with the
	// number of files done and the total.
	Progress func(done, total int)
	// TempDir holds spilled decompressed blobs; "" means os.TempDir().
	TempDir string
	// Exclude lists glob patterns (path.Match syntax, plus "**/" prefixes)
	// matched against slash paths relative to a scanned folder; a matching
	// file is reported as skipped and a matching folder is not entered.
	Exclude []string
	// AllowEmpty accepts a folder holding no file at all; without it Scan
	// returns ErrNothingToScan, since a gate that passes an empty folder
	// passes a wrong path or a failed download.
	AllowEmpty bool
	// FollowSymlinks also follows links to folders (links to files are
	// always followed), under the same rule: the target must stay inside
	// the link root (see SymlinkRoots).
	FollowSymlinks bool
	// SymlinkRoots are extra folders that links met in a walk may point
	// into, besides the scanned folder itself (and, for a Hugging Face
	// cache snapshot, its repository's cache folder).
	SymlinkRoots []string
}

// A Scanner scans paths. It is safe for concurrent use.
type Scanner struct {
	opts  Options
	rules *Ruleset
}

// New returns a Scanner.
func New(opts Options) (*Scanner, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	for _, p := range opts.Exclude {
		if _, err := path.Match(strings.TrimPrefix(p, "**/"), ""); err != nil {
			return nil, fmt.Errorf("exclude pattern %q: %w", p, err)
		}
	}
	rs := opts.Rules
	if rs == nil {
		var err error
		if rs, err = DefaultRuleset(); err != nil {
			return nil, err
		}
	}
	return &Scanner{opts: opts, rules: rs}, nil
}

// ErrNotFound is returned (wrapped) when a path to scan does not exist.
var ErrNotFound = errors.New("no such file or directory")

// ErrNothingToScan is returned (wrapped) when a folder to scan holds no
// file at all and Options.AllowEmpty is not set.
var ErrNothingToScan = errors.New("nothing to scan")

// target is one file on disk to scan, with the root it was found under.
type target struct {
	path string
	root string // the folder the walk started from ("" for a file argument)
}

// Scan scans every path: files, folders (recursively) and archives. It
// returns an error only when a path cannot be read at all; problems inside
// files are findings.
func (s *Scanner) Scan(ctx context.Context, paths ...string) (*Report, error) {
	var targets []target
	var early []FileResult
	var earlyFindings []Finding
	for _, p := range paths {
		ts, res, fs, err := s.collect(p)
		if err != nil {
			return nil, err
		}
		if len(ts) == 0 && len(res) == 0 && !s.opts.AllowEmpty {
			return nil, fmt.Errorf("%s: %w: the folder holds no file", p, ErrNothingToScan)
		}
		targets = append(targets, ts...)
		early = append(early, res...)
		earlyFindings = append(earlyFindings, fs...)
	}

	results := make([]*fileScan, len(targets))
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < s.opts.Workers && w < len(targets); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				results[i] = s.scanFile(ctx, targets[i])
				if s.opts.Progress != nil {
					mu.Lock()
					done++
					s.opts.Progress(done, len(targets))
					mu.Unlock()
				}
			}
		}()
	}
	for i := range targets {
		if ctx.Err() != nil {
			break
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	dropCompanions(results)
	rep := &Report{Tool: "mlsec", Version: version.String()}
	rep.Files = append(rep.Files, early...)
	rep.Findings = append(rep.Findings, earlyFindings...)
	for _, fs := range results {
		rep.Files = append(rep.Files, fs.res)
		rep.Findings = append(rep.Findings, fs.findings...)
	}
	sortReport(rep)
	return rep, nil
}

func sortReport(rep *Report) {
	sort.SliceStable(rep.Files, func(i, j int) bool { return rep.Files[i].Path < rep.Files[j].Path })
	sort.SliceStable(rep.Findings, func(i, j int) bool {
		a, b := rep.Findings[i], rep.Findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Member != b.Member {
			return a.Member < b.Member
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		return a.RuleID < b.RuleID
	})
	counts := map[string]int{}
	for _, f := range rep.Findings {
		counts[f.Path]++
	}
	for i := range rep.Files {
		rep.Files[i].Findings = counts[rep.Files[i].Path]
	}
}

// excluded reports whether the slash path rel matches an Exclude pattern,
// either whole or (for patterns starting with "**/") at any depth.
func (s *Scanner) excluded(rel string) bool {
	for _, p := range s.opts.Exclude {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if rest, deep := strings.CutPrefix(p, "**/"); deep {
			parts := strings.Split(rel, "/")
			for i := range parts {
				if ok, _ := path.Match(rest, strings.Join(parts[i:], "/")); ok {
					return true
				}
			}
		}
	}
	return false
}

// keep appends f unless its rule is suppressed by the rules file.
func (s *Scanner) keep(fs []Finding, f Finding) []Finding {
	if s.rules.Suppressed(f.RuleID) {
		return fs
	}
	return append(fs, f)
}

func newFinding(path, member string, f Format, rule string, off int64, msg string) Finding {
	r, _ := LookupRule(rule)
	return Finding{Path: path, Member: member, Format: f, RuleID: rule, Severity: r.Severity,
		Offset: off, Message: msg, Remediation: r.Remediation}
}

// scanFile analyses one file on disk.
func (s *Scanner) scanFile(ctx context.Context, t target) *fileScan {
	fsc := &fileScan{s: s, ctx: ctx, root: t.root}
	fsc.res = FileResult{Path: t.path, Format: FormatUnknown, Status: StatusScanned}
	f, err := os.Open(t.path)
	if err != nil {
		fsc.fail(err)
		return fsc
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		fsc.fail(err)
		return fsc
	}
	fsc.res.Size = fi.Size()
	b := &blob{file: t.path, name: filepath.Base(t.path), r: f, size: fi.Size()}
	formats := fsc.analyze(b)
	if len(formats) > 0 {
		fsc.res.Format = formats[0]
		if len(formats) > 1 {
			fsc.res.Formats = formats
		}
	}
	return fsc
}

func (fs *fileScan) fail(err error) {
	fs.res.Status = StatusError
	fs.res.Reason = err.Error()
	fs.findings = fs.s.keep(fs.findings, newFinding(fs.res.Path, "", FormatUnknown, "FMT002", -1, err.Error()))
}

// A fileScan collects what is found in one top-level file, including
// everything nested in it. It is used by one goroutine only.
type fileScan struct {
	s        *Scanner
	ctx      context.Context
	root     string // the folder being walked, for references that must stay inside it
	res      FileResult
	findings []Finding
	// companions are files (absolute paths) a model in this file reads
	// as raw data: ONNX external data. See dropCompanions.
	companions []string
	// expanded counts bytes decompressed anywhere in the file, memHeld
	// the bytes its live spools hold in memory (see spool).
	expanded, memHeld int64
	// stopped is set by the first ARC003: the rest of the file is not
	// analysed (a bomb must not cost more than its first limit).
	stopped bool
}

// A blob is a byte range to analyse: a file, an archive member or a
// decompressed stream.
type blob struct {
	file   string      // the file on disk it comes from
	member string      // member path inside archives ("" for the file itself)
	name   string      // base name, a hint only: formats are detected from content
	r      io.ReaderAt // content
	size   int64
	depth  int // archive nesting depth
	// lite blobs are only sniffed by their leading magic bytes: used for
	// members that loaders treat as raw data (PyTorch tensor storages), so
	// a 100 GB checkpoint costs a few reads per member.
	lite bool
	// format is set by analyze to the format being handled.
	format Format
	// force names a format the loader will read the blob as whatever its
	// content looks like (PyTorch unpickles */data.pkl), so the blob is
	// analysed as that format too, even if sniffing says otherwise.
	force Format
	// byName is set when force comes from the name alone (model.pkl with
	// content no sniffer recognised): content that is not that format
	// either is FMT003.
	byName bool
}

// emit records a finding about b. Missing fields are filled from b and the
// rule catalogue.
func (fs *fileScan) emit(b *blob, f Finding) {
	f.Path = b.file
	if f.Member == "" {
		f.Member = b.member
	}
	if f.Format == "" {
		f.Format = b.format
	}
	r, ok := LookupRule(f.RuleID)
	if !ok {
		panic("scan: unknown rule id " + f.RuleID)
	}
	if f.Severity == 0 && r.Severity != 0 {
		f.Severity = r.Severity
	}
	if f.Remediation == "" {
		f.Remediation = r.Remediation
	}
	if f.Message == "" {
		f.Message = r.Summary
	}
	if !fs.s.rules.Suppressed(f.RuleID) {
		fs.findings = append(fs.findings, f)
	}
	if f.RuleID == "ARC003" {
		fs.stopped = true
		fs.res.Status = StatusError
		if fs.res.Reason == "" {
			fs.res.Reason = "a safety limit stopped the analysis: " + f.Message
		}
	}
}

// emitf is emit for the common case of a rule, an offset and a message.
func (fs *fileScan) emitf(b *blob, rule string, off int64, format string, args ...any) {
	fs.emit(b, Finding{RuleID: rule, Offset: off, Message: fmt.Sprintf(format, args...)})
}

// severity returns the rule's default severity, for handlers that need to
// raise or lower it explicitly.
func severity(rule string) Severity {
	r, _ := LookupRule(rule)
	return r.Severity
}

// child returns a blob for a member of b.
func (fs *fileScan) child(b *blob, name string, r io.ReaderAt, size int64) *blob {
	m := name
	if b.member != "" {
		m = b.member + "!/" + name
	}
	return &blob{file: b.file, member: m, name: pathBase(name), r: r, size: size, depth: b.depth + 1}
}

func pathBase(name string) string {
	if i := strings.LastIndexByte(strings.TrimRight(name, "/"), '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// analyze detects b's formats and runs each one's handler. It returns the
// formats detected, most specific first.
func (fs *fileScan) analyze(b *blob) []Format {
	if fs.stopped {
		return nil
	}
	if b.depth > fs.s.opts.Limits.MaxDepth {
		fs.emitf(b, "ARC003", -1, "archive nesting deeper than %d levels; not analysed", fs.s.opts.Limits.MaxDepth)
		fs.res.Status = StatusError
		return nil
	}
	if b.depth > 0 {
		fs.res.Members++
	}
	formats, err := sniff(b)
	if err != nil {
		b.format = FormatUnknown
		fs.emitf(b, "FMT002", -1, "cannot read: %v", err)
		fs.res.Status = StatusError
		return nil
	}
	if f := fs.keepPromise(b, formats); f != "" {
		b.force = f
	}
	if b.force != "" && !slices.Contains(formats, b.force) {
		formats = append([]Format{b.force}, formats...)
	}
	analysed := false
	for i, f := range formats {
		h := handlers[f]
		if h == nil {
			continue
		}
		if fs.ctx.Err() != nil {
			return formats
		}
		analysed = true
		b.format = f
		if err := h(fs, b); err != nil {
			fs.failBlob(b, err)
		}
		// A handler may refine the format (zip -> pytorch-zip); keep it.
		formats[i] = b.format
	}
	if len(formats) > 1 && formats[0] == FormatPickle && handlers[formats[1]] != nil && b.force == "" {
		b.format = formats[0]
		fs.emitf(b, "ARC006", 0, "file is both %s and %s: each loader sees different content", formats[0], formats[1])
	}
	// Text and empty files are fully read by sniffing and hold no code a
	// loader runs; unrecognised binary content is skipped, which is not clean.
	if !analysed && b.depth == 0 && fs.res.Status == StatusScanned &&
		formats[0] != FormatText && formats[0] != FormatEmpty {
		fs.res.Status = StatusSkipped
		fs.res.Reason = "unrecognised content: no analyser for it"
		if formats[0] != FormatUnknown {
			fs.res.Reason = fmt.Sprintf("%s file: recognised; mlsec has no analyser for this format", formats[0])
		}
	}
	return formats
}

// failBlob records that b could not be fully analysed (fail closed).
func (fs *fileScan) failBlob(b *blob, err error) {
	rule := "FMT001"
	var le *LimitError
	if errors.As(err, &le) {
		rule = le.Rule
	}
	fs.emit(b, Finding{RuleID: rule, Offset: offsetOf(err), Message: err.Error()})
	fs.markError(err)
}

// markError records that the file could not be fully verified, for
// handlers that report the failure with a finding of their own rule.
func (fs *fileScan) markError(err error) {
	fs.res.Status = StatusError
	if fs.res.Reason == "" {
		fs.res.Reason = err.Error()
	}
}

// LimitError reports that a safety limit stopped analysis.
type LimitError struct {
	Rule   string // ARC003 or PKL010
	Limit  string
	Offset int64
}

func (e *LimitError) Error() string {
	return "limit reached: " + e.Limit + "; the rest was not analysed"
}

// offsetError is implemented by parser errors that know where they happened.
type offsetError interface{ ErrorOffset() int64 }

func offsetOf(err error) int64 {
	var oe offsetError
	if errors.As(err, &oe) {
		return oe.ErrorOffset()
	}
	var le *LimitError
	if errors.As(err, &le) {
		return le.Offset
	}
	return -1
}
