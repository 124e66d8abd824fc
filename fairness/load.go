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
	"strconv"
	"strings"

	"github.com/mlsec/mlsec/internal/table"
)

// LoadOptions name the columns of a predictions table and how to read it.
type LoadOptions struct {
	YTrue, YPred string
	// YScore is optional ("": no mean_score).
	YScore    string
	Sensitive []string
	// PosLabel is the positive label ("": inferred, see Labels).
	PosLabel string
	// Table options: format, forced column kinds, field size bound,
	// leading-space trimming and extra null texts for CSV.
	Table table.Options
}

// ErrData is wrapped by errors about the content of the table (labels,
// scores), next to the table package's errors.
var ErrData = errors.New("bad predictions table")

// maxDistinct bounds the distinct values of one sensitive column, so a
// unique-id column passed by mistake is refused with a clear message.
const maxDistinct = 1 << 20

// Load reads a predictions table (CSV, JSON Lines or Parquet, optionally
// gzip-compressed) into Data: the two label columns binarized around the
// positive label, the score, and each sensitive column as codes into its
// distinct values. It streams the table (table.ReadChunks, stream.go), so
// the peak stays close to what Data keeps; an irregular table is read
// again whole by table.ReadFrame to word the error. Errors name the file,
// line and column. The file's SHA-256 is computed alongside, on another
// core.
func Load(path string, o LoadOptions) (*Data, error) { return load(path, o, false) }

// load is Load; frame skips the stream (for the differential test).
func load(path string, o LoadOptions, frame bool) (*Data, error) {
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
	// Labels are read as text (4 bytes a row, no number parsing); Labels
	// still compares numeric texts by value, so 1 and 1.0 are one label.
	types := map[string]table.Kind{}
	for k, v := range topt.Types {
		types[k] = v
	}
	for _, c := range []string{o.YTrue, o.YPred} {
		if _, ok := types[c]; !ok {
			types[c] = table.KindString
		}
	}
	topt.Types = types
	digest := make(chan hashResult, 1)
	go func() { digest <- hashFile(path) }()
	var d *Data
	err := errIrregular
	// The stream leaves irregular tables to a second reading, which only
	// a regular file allows; anything else (a pipe) is read whole at once.
	if st, serr := os.Stat(path); !frame && serr == nil && st.Mode().IsRegular() {
		d, err = stream(path, topt, o)
	}
	if errors.Is(err, errIrregular) {
		d, err = loadFrame(path, topt, o)
	}
	h := <-digest
	if err != nil {
		return nil, err
	}
	if h.err != nil {
		return nil, &table.Error{File: path, Err: h.err}
	}
	format := topt.Format
	if format == "" {
		format, _ = table.DetectFormat(path)
	}
	d.Source = Source{Name: filepath.Base(path), SHA256: h.sum, Format: string(format),
		YTrue: o.YTrue, YPred: o.YPred, YScore: o.YScore, PosLabel: d.Source.PosLabel}
	return d, nil
}

// loadFrame is the exact path: the whole frame, then frameLoader, whose
// checks decide which error comes first and name its line.
func loadFrame(path string, topt table.Options, o LoadOptions) (*Data, error) {
	fr, err := table.ReadFrame(path, topt)
	if err != nil {
		return nil, err
	}
	f := &frameLoader{path: path, opt: topt, fr: fr}
	return f.data(o)
}

type hashResult struct {
	sum string
	err error
}

func hashFile(path string) hashResult {
	f, err := os.Open(path)
	if err != nil {
		return hashResult{err: err}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return hashResult{err: err}
	}
	return hashResult{sum: hex.EncodeToString(h.Sum(nil))}
}

// frameLoader turns a Frame into Data; its errors name the line of the
// offending row, found by reading the file again (errors only).
type frameLoader struct {
	path string
	opt  table.Options
	fr   *table.Frame
}

func (f *frameLoader) col(name string) *table.Column {
	c, _ := f.fr.Column(name)
	return c
}

// fail reports err about row (0-based) of column col with its line.
func (f *frameLoader) fail(row int, col string, err error) error {
	return &table.Error{File: f.path, Line: f.lineOf(row), Column: col, Err: err}
}

// lineOf finds the file line of data row (0-based); 0 when unknown.
func (f *frameLoader) lineOf(row int) int64 {
	o := f.opt
	o.Columns = o.Columns[:1]
	rd, err := table.Open(f.path, o)
	if err != nil {
		return 0
	}
	defer rd.Close()
	for i := 0; ; i++ {
		r, err := rd.Next()
		if err != nil {
			return 0
		}
		if i == row {
			return r.Line
		}
	}
}

// frameLabel is the label value of row i of c (ok false for a null).
func frameLabel(c *table.Column, i int) (LabelValue, bool) {
	if c.Kind == table.KindNumber {
		v := c.Num[i]
		if math.IsNaN(v) {
			return LabelValue{}, false
		}
		return LabelValue{Raw: strconv.FormatFloat(v, 'g', -1, 64), Num: v, IsNum: true}, true
	}
	code := c.Codes[i]
	if code == table.NullCode {
		return LabelValue{}, false
	}
	s := c.Dict[code]
	lv := LabelValue{Raw: s}
	if n, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && c.Kind != table.KindBool {
		lv.Num, lv.IsNum = n, true
	}
	return lv, true
}

// labels maps a label column to label indexes, row by row, caching the
// index per code (strings) or for the last value (numbers).
func (f *frameLoader) labels(lab *Labels, c *table.Column, out []uint8) error {
	missing := func(i int) error {
		return f.fail(i, c.Name, fmt.Errorf("%w: missing label; every row needs a true label and a prediction", ErrData))
	}
	if c.Kind == table.KindNumber {
		lastV, lastIdx := math.NaN(), uint8(0)
		for i, v := range c.Num {
			if v == lastV {
				out[i] = lastIdx
				continue
			}
			lv, ok := frameLabel(c, i)
			if !ok {
				return missing(i)
			}
			idx, err := lab.Index(lv)
			if err != nil {
				return f.fail(i, c.Name, err)
			}
			lastV, lastIdx, out[i] = v, idx, idx
		}
		return nil
	}
	byCode := make([]int16, len(c.Dict))
	for k := range byCode {
		byCode[k] = -1
	}
	for i, code := range c.Codes {
		if code == table.NullCode {
			return missing(i)
		}
		if byCode[code] < 0 {
			lv, _ := frameLabel(c, i)
			idx, err := lab.Index(lv)
			if err != nil {
				return f.fail(i, c.Name, err)
			}
			byCode[code] = int16(idx)
		}
		out[i] = uint8(byCode[code])
	}
	return nil
}

func (f *frameLoader) data(o LoadOptions) (*Data, error) {
	n := f.fr.Rows
	lab := Labels{PosLabel: o.PosLabel}
	yt, yp := make([]uint8, n), make([]uint8, n)
	if err := f.labels(&lab, f.col(o.YTrue), yt); err != nil {
		return nil, err
	}
	if err := f.labels(&lab, f.col(o.YPred), yp); err != nil {
		return nil, err
	}
	pos, err := lab.Positive()
	if err != nil {
		return nil, &table.Error{File: f.path, Column: o.YTrue + ", " + o.YPred, Err: err}
	}
	d := &Data{YTrue: make([]bool, n), YPred: make([]bool, n)}
	for i := range n {
		d.YTrue[i] = int(yt[i]) == pos
		d.YPred[i] = int(yp[i]) == pos
	}
	if pos >= 0 {
		d.Source.PosLabel = lab.Seen()[pos].Raw
	}
	if o.YScore != "" {
		c := f.col(o.YScore)
		if c.Kind != table.KindNumber || c.Nulls > 0 {
			for i := range n {
				raw, bad := "", false
				if c.Kind == table.KindNumber {
					bad = math.IsNaN(c.Num[i])
				} else if code := c.Codes[i]; code == table.NullCode {
					bad = true
				} else {
					raw = c.Dict[code]
					_, perr := strconv.ParseFloat(strings.TrimSpace(raw), 64)
					bad = perr != nil
				}
				if bad {
					return nil, f.fail(i, c.Name, fmt.Errorf("%w: score %q is not a number", ErrData, raw))
				}
			}
		}
		d.Score = c.Num
	}
	for _, name := range o.Sensitive {
		c := f.col(name)
		ft := Feature{Name: name}
		switch c.Kind {
		case table.KindNumber:
			ft.Numeric, ft.Num = true, c.Num
		default:
			if len(c.Dict) > maxDistinct {
				return nil, &table.Error{File: f.path, Column: name, Err: fmt.Errorf("%w: %d distinct values (at most %d); a sensitive column groups rows (sex, age band), it is not an identifier", ErrData, len(c.Dict), maxDistinct)}
			}
			ft.Dict = c.Dict
			if len(c.Dict) < int(MissingSmall) {
				ft.Small = make([]uint8, n)
				for i, code := range c.Codes {
					if code == table.NullCode {
						ft.Small[i] = MissingSmall
					} else {
						ft.Small[i] = uint8(code)
					}
				}
				c.Codes = nil // the frame's 4 bytes a row can go now
			} else {
				ft.Codes = c.Codes
			}
		}
		d.Features = append(d.Features, ft)
	}
	return d, nil
}

// MissingLine returns the file line of a MissingValueError's row, for the
// message (0 when unknown).
func MissingLine(path string, opt table.Options, err *MissingValueError) int64 {
	f := &frameLoader{path: path, opt: opt}
	f.opt.Columns = []string{err.Column}
	return f.lineOf(err.Row)
}
