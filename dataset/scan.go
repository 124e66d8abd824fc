package dataset

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mlsec/mlsec/internal/table"
	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/scan"
)

// Errors a file can fail with, matched with errors.Is (a table's own
// errors wrap internal/table's kinds: ragged rows, corrupt Parquet...).
var (
	// ErrLimit: an archive or compressed stream passed the scanner's limits
	// (entries, expanded bytes, compression ratio).
	ErrLimit = errors.New("over the archive limits")
	// ErrUnsupported: a file (or archive member) in a format Scan does not
	// read, such as a nested archive or a binary file.
	ErrUnsupported = errors.New("format not analysed")
)

// Options control Scan. The zero value scans with every pii recognizer and
// the scanner's default archive limits.
type Options struct {
	// Analyzer finds the entities; nil means pii.New() with defaults.
	Analyzer *pii.Analyzer
	// Limits bound archives and compressed streams; zero means
	// scan.DefaultLimits().
	Limits scan.Limits
	// NullValues are CSV texts read as missing besides the empty field
	// (e.g. "?" in UCI Adult): missing values are not analysed.
	NullValues []string
	// Progress, if set, is called with the bytes read from disk so far.
	Progress func(done int64)
}

// File is the result for one file or archive member.
type File struct {
	// Path is slash-separated, relative to the scanned root ("" root file:
	// its base name); an archive member is "archive.zip!member.csv".
	Path   string `json:"path"`
	Format string `json:"format,omitempty"`
	// Rows is the number of records read (lines for text).
	Rows    int64    `json:"rows"`
	Columns []Column `json:"columns,omitempty"`
	// Error says why the file could not be fully analysed; what was read
	// before the error is still reported.
	Error string `json:"error,omitempty"`
	err   error
}

// Err is the file's error, for errors.Is.
func (f *File) Err() error { return f.err }

// Scan analyses root (a file or a folder, walked without following symbolic
// links) and returns one File per table, text file or archive member, in
// path order. Per-file problems are in File.Error; the returned error is
// only for a root that cannot be read at all or a cancelled context.
func Scan(ctx context.Context, root string, opt Options) (*Report, error) {
	if opt.Analyzer == nil {
		a, err := pii.New()
		if err != nil {
			return nil, err
		}
		opt.Analyzer = a
	}
	if opt.Limits == (scan.Limits{}) {
		opt.Limits = scan.DefaultLimits()
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, err // an *fs.PathError: it names root
	}
	s := &scanner{opt: opt, rep: &Report{Root: root}}
	if !st.IsDir() {
		s.file(ctx, root, filepath.Base(root))
		return s.rep, ctx.Err()
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if err != nil {
			if p == root {
				return err
			}
			s.rep.Files = append(s.rep.Files, failed(rel, "", err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			s.rep.Files = append(s.rep.Files, failed(rel, "", fmt.Errorf("symbolic link not followed: %w", ErrUnsupported)))
			return nil
		case !d.Type().IsRegular():
			return nil
		}
		s.file(ctx, p, rel)
		return nil
	})
	if err != nil {
		return s.rep, err
	}
	sort.SliceStable(s.rep.Files, func(i, j int) bool { return s.rep.Files[i].Path < s.rep.Files[j].Path })
	return s.rep, ctx.Err()
}

type scanner struct {
	opt  Options
	rep  *Report
	read int64
}

func failed(rel, format string, err error) File {
	return File{Path: rel, Format: format, Error: err.Error(), err: err}
}

// file scans one file on disk.
func (s *scanner) file(ctx context.Context, p, rel string) {
	f, err := os.Open(p)
	if err != nil {
		s.rep.Files = append(s.rep.Files, failed(rel, "", err))
		return
	}
	defer f.Close()
	if strings.EqualFold(path.Ext(rel), ".zip") {
		st, err := f.Stat()
		if err != nil {
			s.rep.Files = append(s.rep.Files, failed(rel, "zip", err))
			return
		}
		s.zip(ctx, f, st.Size(), rel)
		return
	}
	if isTar(rel) {
		s.tar(ctx, &counting{r: f, n: &s.read, progress: s.opt.Progress}, rel)
		return
	}
	s.stream(ctx, &counting{r: f, n: &s.read, progress: s.opt.Progress}, rel)
}

func isTar(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".tar") || strings.HasSuffix(n, ".tgz") || strings.HasSuffix(n, ".tar.gz")
}

// tar scans each regular member of a tar archive (gzip-compressed or not)
// as it streams by, within the limits: entries, and the bytes the whole
// archive expands to (and the compression ratio when compressed). Links,
// devices and nested archives are reported, not followed or opened.
func (s *scanner) tar(ctx context.Context, r io.Reader, rel string) {
	budget := &expandBudget{left: s.opt.Limits.MaxExpandedBytes}
	br := bufio.NewReaderSize(r, 64<<10)
	var in io.Reader = br
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		cr := &counting{r: br, n: new(int64)}
		z, err := gzip.NewReader(cr)
		if err != nil {
			s.rep.Files = append(s.rep.Files, failed(rel, "tar", fmt.Errorf("gzip: %w", err)))
			return
		}
		defer z.Close()
		in = &limitReader{r: z, counted: cr.n, lim: s.opt.Limits, budget: budget}
		budget = &expandBudget{left: s.opt.Limits.MaxExpandedBytes} // the members' own budget
	}
	tr := tar.NewReader(in)
	for n := 0; ; n++ {
		if ctx.Err() != nil {
			return
		}
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			s.rep.Files = append(s.rep.Files, failed(rel, "tar", fmt.Errorf("not a readable tar archive after %d entries: %w", n, err)))
			return
		}
		if n >= s.opt.Limits.MaxEntries {
			s.rep.Files = append(s.rep.Files, failed(rel, "tar", fmt.Errorf("more than %d entries; the rest not read: %w", s.opt.Limits.MaxEntries, ErrLimit)))
			return
		}
		name := rel + "!" + h.Name
		switch {
		case h.Typeflag == tar.TypeDir:
			continue
		case h.Typeflag != tar.TypeReg:
			s.rep.Files = append(s.rep.Files, failed(name, "", fmt.Errorf("not a regular file (tar type %q): %w", h.Typeflag, ErrUnsupported)))
			continue
		case isArchive(h.Name):
			s.rep.Files = append(s.rep.Files, failed(name, "", fmt.Errorf("nested archive not opened: %w", ErrUnsupported)))
			continue
		}
		s.stream(ctx, &limitReader{r: tr, compressed: h.Size, lim: s.opt.Limits, budget: budget}, name)
	}
}

// zip scans each member of a ZIP archive within the limits.
func (s *scanner) zip(ctx context.Context, f *os.File, size int64, rel string) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		s.rep.Files = append(s.rep.Files, failed(rel, "zip", fmt.Errorf("not a readable ZIP archive: %w", err)))
		return
	}
	if len(zr.File) > s.opt.Limits.MaxEntries {
		s.rep.Files = append(s.rep.Files, failed(rel, "zip", fmt.Errorf("%d entries, more than %d: %w", len(zr.File), s.opt.Limits.MaxEntries, ErrLimit)))
		return
	}
	budget := &expandBudget{left: s.opt.Limits.MaxExpandedBytes}
	for _, m := range zr.File {
		if ctx.Err() != nil {
			return
		}
		if m.FileInfo().IsDir() {
			continue
		}
		name := rel + "!" + m.Name
		if isArchive(m.Name) {
			s.rep.Files = append(s.rep.Files, failed(name, "", fmt.Errorf("nested archive not opened: %w", ErrUnsupported)))
			continue
		}
		r, err := m.Open()
		if err != nil {
			s.rep.Files = append(s.rep.Files, failed(name, "", err))
			continue
		}
		lr := &limitReader{r: r, compressed: int64(m.CompressedSize64), lim: s.opt.Limits, budget: budget}
		s.stream(ctx, lr, name)
		r.Close()
	}
}

func isArchive(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".zip", ".tar", ".tgz", ".7z", ".rar", ".xz", ".bz2", ".zst":
		return true
	}
	return strings.HasSuffix(strings.ToLower(name), ".tar.gz")
}

// stream scans one file's bytes: gzip is undone here (within the limits),
// then the format is chosen by name and first bytes.
func (s *scanner) stream(ctx context.Context, r io.Reader, rel string) {
	br := bufio.NewReaderSize(r, 64<<10)
	name := rel
	if head, _ := br.Peek(2); bytes.Equal(head, []byte{0x1f, 0x8b}) {
		cr := &counting{r: br, n: new(int64)}
		z, err := gzip.NewReader(cr)
		if err != nil {
			s.rep.Files = append(s.rep.Files, failed(rel, "gzip", fmt.Errorf("gzip: %w", err)))
			return
		}
		defer z.Close()
		lr := &limitReader{r: z, counted: cr.n, lim: s.opt.Limits, budget: &expandBudget{left: s.opt.Limits.MaxExpandedBytes}}
		br = bufio.NewReaderSize(lr, 64<<10)
		name = strings.TrimSuffix(strings.TrimSuffix(rel, ".gz"), ".GZ")
	}
	head, _ := br.Peek(512)
	switch kind := sniff(name, head); kind {
	case "csv", "parquet":
		s.table(ctx, br, rel, name, kind)
	case "jsonl":
		// The pii engine reads nested records by JSON path, which the
		// table reader refuses; values are not kept, so no samples.
		s.piiFile(br, rel, "jsonl", pii.FormatJSONLines)
	case "json":
		s.piiFile(br, rel, "json", pii.FormatJSON)
	case "text":
		s.piiFile(br, rel, "text", pii.FormatText)
	default:
		s.rep.Files = append(s.rep.Files, failed(rel, "", fmt.Errorf("binary or unknown format: %w", ErrUnsupported)))
	}
}

// sniff names the format: by extension first, then by content (Parquet
// magic, a JSON object per line, printable text).
func sniff(name string, head []byte) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".csv", ".tsv":
		return "csv"
	case ".jsonl", ".ndjson":
		return "jsonl"
	case ".parquet", ".pq":
		return "parquet"
	case ".json":
		return "json"
	case ".txt", ".log", ".md", ".text":
		return "text"
	}
	if bytes.HasPrefix(head, []byte("PAR1")) {
		return "parquet"
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(t, []byte("{")) {
		return "jsonl"
	}
	if bytes.HasPrefix(t, []byte("[")) {
		return "json"
	}
	if len(head) == 0 || bytes.IndexByte(head, 0) >= 0 {
		return ""
	}
	return "text"
}

// table streams a CSV, JSON Lines or Parquet table column by column.
func (s *scanner) table(ctx context.Context, r io.Reader, rel, name, kind string) {
	opt := table.Options{NullValues: s.opt.NullValues, ReuseRow: true}
	switch kind {
	case "csv":
		opt.Format = table.CSV
	case "parquet":
		opt.Format = table.Parquet
	}
	out := File{Path: rel, Format: kind}
	tr, err := table.NewReader(r, name, opt)
	if err != nil {
		s.rep.Files = append(s.rep.Files, failed(rel, kind, err))
		return
	}
	defer tr.Close()
	names := tr.Columns()
	accs := make([]*columnAcc, len(names))
	for i, n := range names {
		accs[i] = newColumnAcc(s.opt.Analyzer, n)
	}
	for {
		if err := ctx.Err(); err != nil {
			out.Error, out.err = err.Error(), err
			break
		}
		row, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			out.Error, out.err = err.Error(), err
			break
		}
		out.Rows++
		for i, c := range row.Cells {
			if c.Null || i >= len(accs) {
				continue
			}
			if c.IsNum && shortNumber(c.Raw) {
				accs[i].addClean(c.Raw)
				continue
			}
			accs[i].add(c.Raw)
		}
	}
	for _, a := range accs {
		out.Columns = append(out.Columns, a.finish())
	}
	s.rep.Files = append(s.rep.Files, out)
}

// shortNumber reports whether a numeric cell has fewer than 7 digits: no
// recognizer reports one (phone numbers have 7 to 15 digits, cards 12 to
// 19, an SSN 9; IBANs have letters, IP addresses and dates separators a
// number does not). Most cells of a numeric table are such numbers, and
// skipping the recognizers on them is most of the speed of a data scan.
func shortNumber(raw string) bool {
	digits := 0
	for i := 0; i < len(raw); i++ {
		if raw[i] >= '0' && raw[i] <= '9' {
			digits++
			if digits >= 7 {
				return false
			}
		}
	}
	return true
}

// piiFile scans text or a JSON document with the pii engine, one column
// per JSON path (array positions folded to [*]) or "text".
func (s *scanner) piiFile(r io.Reader, rel, kind string, f pii.Format) {
	out := File{Path: rel, Format: kind}
	accs := map[string]*columnAcc{}
	err := s.opt.Analyzer.ScanFile(r, f, nil, func(rec pii.Record) error {
		out.Rows++
		by := map[string][]pii.Span{}
		for _, fs := range rec.Spans {
			k := foldIndexes(fs.Field)
			by[k] = append(by[k], fs.Span)
		}
		if len(by) == 0 {
			by["text"] = nil
			if kind == "json" {
				return nil
			}
		}
		for k, spans := range by {
			a := accs[k]
			if a == nil {
				a = newColumnAcc(s.opt.Analyzer, k)
				a.overflow = true // values are not seen here
				accs[k] = a
			}
			a.addSpans(spans)
		}
		return nil
	})
	if err != nil {
		out.Error, out.err = err.Error(), err
	}
	keys := make([]string, 0, len(accs))
	for k := range accs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Columns = append(out.Columns, accs[k].finish())
	}
	s.rep.Files = append(s.rep.Files, out)
}

// foldIndexes turns "messages[2].content" into "messages[*].content", so
// a report has one line per path, not per element.
func foldIndexes(field string) string {
	if !strings.Contains(field, "[") {
		return field
	}
	var b strings.Builder
	in := false
	for _, r := range field {
		switch {
		case r == '[':
			in = true
			b.WriteString("[*")
		case r == ']':
			in = false
			b.WriteRune(r)
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// counting counts the bytes read from a file and reports progress.
type counting struct {
	r        io.Reader
	n        *int64
	progress func(int64)
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(*c.n)
	}
	return n, err
}

// expandBudget is the bytes one top-level file may still expand to.
type expandBudget struct{ left int64 }

// limitReader stops a decompressing stream past the scanner's limits: the
// expanded bytes of one top-level file, and the ratio of expanded to
// compressed bytes once past the grace size.
type limitReader struct {
	r          io.Reader
	compressed int64  // known compressed size (ZIP member), or
	counted    *int64 // compressed bytes read so far (gzip)
	expanded   int64
	lim        scan.Limits
	budget     *expandBudget
}

func (l *limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.expanded += int64(n)
	l.budget.left -= int64(n)
	if l.budget.left < 0 {
		return n, fmt.Errorf("expands to more than %d bytes: %w", l.lim.MaxExpandedBytes, ErrLimit)
	}
	comp := l.compressed
	if l.counted != nil {
		comp = *l.counted
	}
	if l.expanded > l.lim.RatioGrace && float64(l.expanded) > l.lim.MaxRatio*float64(max(comp, 1)) {
		return n, fmt.Errorf("compression ratio over %.0f (%d bytes from %d): %w", l.lim.MaxRatio, l.expanded, comp, ErrLimit)
	}
	return n, err
}
