package fairness

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/mlsec/mlsec/internal/table"
)

// LoadOptions name the columns of a predictions table and how to read it.
type LoadOptions struct {
	YTrue, YPred string
	// YScore is optional ("" : no mean_score).
	YScore    string
	Sensitive []string
	// PosLabel is the positive label ("": inferred, see Labels).
	PosLabel string
	// Table options: format, forced column kinds, field size bound,
	// leading-space trimming and extra null texts for CSV.
	Table table.Options
	// Progress, when set, is called every 65,536 rows with the bytes of
	// the file read so far and its size.
	Progress func(done, total int64)
}

// ErrData is wrapped by errors about the content of the table (labels,
// scores, missing values), next to the table package's errors.
var ErrData = errors.New("bad predictions table")

// maxDistinct bounds the distinct values of one sensitive column, so a
// unique-id column passed by mistake cannot exhaust memory.
const maxDistinct = 1 << 20

// Load reads a predictions table (CSV, JSON Lines or Parquet, optionally
// gzip-compressed) as a stream into Data: the two label columns binarized
// around the positive label, the score, and each sensitive column as
// numbers or codes. Errors name the file, line and column; the file's
// SHA-256 is computed alongside.
func Load(path string, o LoadOptions) (*Data, error) {
	if o.YTrue == "" || o.YPred == "" || len(o.Sensitive) == 0 {
		return nil, fmt.Errorf("%w: the label, prediction and at least one sensitive column are required", ErrInput)
	}
	cols := []string{o.YTrue, o.YPred}
	if o.YScore != "" {
		cols = append(cols, o.YScore)
	}
	cols = append(cols, o.Sensitive...)
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c] {
			return nil, fmt.Errorf("%w: column %q is named twice (label, prediction, score and sensitive columns must differ)", ErrInput, c)
		}
		seen[c] = true
	}
	topt := o.Table
	topt.Columns = cols
	f, err := os.Open(path)
	if err != nil {
		return nil, &table.Error{File: path, Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &table.Error{File: path, Err: err}
	}
	// One pass over the bytes: the reader reads through the hash. Parquet
	// needs random access, so it is hashed apart.
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(f, h)}
	format := topt.Format
	if format == "" {
		format, _ = table.DetectFormat(path)
	}
	var rd *table.Reader
	if format == table.Parquet {
		if _, err := io.Copy(h, f); err != nil {
			return nil, &table.Error{File: path, Err: err}
		}
		rd, err = table.Open(path, topt)
	} else {
		rd, err = table.NewReader(cr, path, topt)
	}
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	progress := o.Progress
	if progress != nil {
		size := st.Size()
		o.Progress = func(_, _ int64) { progress(cr.n, size) }
	}
	// Once enough rows are read, the bytes they took tell how many rows the
	// file holds: the columns are grown once to that, instead of doubling
	// (and copying) as they fill.
	estimate := func(rows int64) int64 {
		if cr.n <= 0 || format == table.Parquet {
			return 0
		}
		return int64(float64(st.Size())/float64(cr.n)*float64(rows)*1.05) + 1024
	}
	d, err := load(rd, path, o, estimate)
	if err != nil {
		return nil, err
	}
	if format != table.Parquet {
		// Whatever the reader left unread (a trailing blank line) is part
		// of the file the digest names.
		if _, err := io.Copy(io.Discard, cr); err != nil {
			return nil, &table.Error{File: path, Err: err}
		}
	}
	d.Source = Source{Name: filepath.Base(path), SHA256: hex.EncodeToString(h.Sum(nil)), Format: string(format),
		YTrue: o.YTrue, YPred: o.YPred, YScore: o.YScore, PosLabel: d.Source.PosLabel}
	return d, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// sensCol collects one sensitive column: a code per row for each distinct
// text, and whether every distinct text is a number.
type sensCol struct {
	name   string
	codes  []uint32
	ids    map[string]uint32
	dict   []string
	num    []float64 // per code
	allNum bool
	forced table.Kind
	// missingLine is the first line with a missing value (0: none).
	missingLine int64
}

// sampleRows is when load asks for the size estimate.
const sampleRows = 1 << 16

// maxEstimate bounds the rows preallocated from an estimate.
const maxEstimate = 1 << 28

func load(rd *table.Reader, path string, o LoadOptions, estimate func(rows int64) int64) (*Data, error) {
	fail := func(line int64, col string, err error) error {
		return &table.Error{File: path, Line: line, Column: col, Err: err}
	}
	lab := Labels{PosLabel: o.PosLabel}
	var yt, yp []uint8
	var score []float64
	hasScore := o.YScore != ""
	sens := make([]*sensCol, len(o.Sensitive))
	for i, n := range o.Sensitive {
		sens[i] = &sensCol{name: n, ids: map[string]uint32{}, allNum: true, forced: o.Table.Types[n]}
	}
	first := 3
	if !hasScore {
		first = 2
	}
	var rows int64
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		c := row.Cells
		for k, col := range []string{o.YTrue, o.YPred} {
			if c[k].Null {
				return nil, fail(row.Line, col, fmt.Errorf("%w: missing label; every row needs a true label and a prediction", ErrData))
			}
			idx, err := lab.Index(LabelValue{Raw: c[k].Raw, Num: c[k].Num, IsNum: c[k].IsNum})
			if err != nil {
				return nil, fail(row.Line, col, err)
			}
			if k == 0 {
				yt = append(yt, idx)
			} else {
				yp = append(yp, idx)
			}
		}
		if hasScore {
			s := c[2]
			if s.Null || !s.IsNum || math.IsNaN(s.Num) {
				return nil, fail(row.Line, o.YScore, fmt.Errorf("%w: score %q is not a number", ErrData, s.Raw))
			}
			score = append(score, s.Num)
		}
		for i, sc := range sens {
			cell := c[first+i]
			if cell.Null || (cell.IsNum && math.IsNaN(cell.Num)) || cell.Raw == "" {
				sc.codes = append(sc.codes, MissingCode)
				if sc.missingLine == 0 {
					sc.missingLine = row.Line
				}
				continue
			}
			id, ok := sc.ids[cell.Raw]
			if !ok {
				if len(sc.dict) >= maxDistinct {
					return nil, fail(row.Line, sc.name, fmt.Errorf("%w: more than %d distinct values; a sensitive column groups rows (sex, age band), it is not an identifier", ErrData, maxDistinct))
				}
				id = uint32(len(sc.dict))
				sc.ids[cell.Raw] = id
				sc.dict = append(sc.dict, cell.Raw)
				sc.num = append(sc.num, cell.Num)
				sc.allNum = sc.allNum && cell.IsNum
			}
			sc.codes = append(sc.codes, id)
		}
		rows++
		if rows == sampleRows && estimate != nil {
			if n := int(min(estimate(rows), maxEstimate)); n > len(yt) {
				yt, yp = slices.Grow(yt, n-len(yt)), slices.Grow(yp, n-len(yp))
				if hasScore {
					score = slices.Grow(score, n-len(score))
				}
				for _, sc := range sens {
					sc.codes = slices.Grow(sc.codes, n-len(sc.codes))
				}
			}
		}
		if o.Progress != nil && rows&0xffff == 0 {
			o.Progress(rows, 0)
		}
	}
	pos, err := lab.Positive()
	if err != nil {
		return nil, &table.Error{File: path, Column: o.YTrue + ", " + o.YPred, Err: err}
	}
	d := &Data{YTrue: make([]bool, len(yt)), YPred: make([]bool, len(yp)), Score: score}
	for i := range yt {
		d.YTrue[i] = int(yt[i]) == pos
		d.YPred[i] = int(yp[i]) == pos
	}
	if pos >= 0 {
		d.Source.PosLabel = lab.Seen()[pos].Raw
	}
	for _, sc := range sens {
		f := Feature{Name: sc.name, MissingLine: sc.missingLine}
		numeric := sc.allNum && sc.forced != table.KindString && sc.forced != table.KindBool
		if numeric {
			f.Numeric = true
			f.Num = make([]float64, len(sc.codes))
			for i, c := range sc.codes {
				if c == MissingCode {
					f.Num[i] = math.NaN()
				} else {
					f.Num[i] = sc.num[c]
				}
			}
		} else {
			f.Codes, f.Dict = sc.codes, sc.dict
		}
		d.Features = append(d.Features, f)
	}
	return d, nil
}
