package table

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// assemble rebuilds a Frame from ReadChunks the way a consumer must:
// kinds agreed across chunks, and columns that were Mixed or changed kind
// re-read as strings.
func assemble(t *testing.T, path string, opt Options) *Frame {
	t.Helper()
	fr := &Frame{Name: path}
	var dicts []map[string]uint32
	var kinds []Kind
	var notInt []bool
	var redo []string
	bytes := int64(0)
	err := ReadChunks(path, opt, func(ch *Frame, n int64) error {
		bytes += n
		if fr.Columns == nil {
			for _, c := range ch.Columns {
				fr.Columns = append(fr.Columns, &Column{Name: c.Name})
				dicts = append(dicts, map[string]uint32{})
			}
			kinds = make([]Kind, len(ch.Columns))
			notInt = make([]bool, len(ch.Columns))
		}
		for i, c := range ch.Columns {
			out := fr.Columns[i]
			if slices.Contains(redo, c.Name) {
				continue
			}
			if c.Mixed || (c.Kind != KindUnknown && kinds[i] != KindUnknown && c.Kind != kinds[i]) {
				redo = append(redo, c.Name)
				continue
			}
			if c.Kind == KindUnknown && c.Nulls != ch.Rows {
				t.Fatalf("column %s: KindUnknown with %d nulls in %d rows", c.Name, c.Nulls, ch.Rows)
			}
			if c.Kind != KindUnknown && kinds[i] == KindUnknown {
				// The rows before were all null.
				kinds[i] = c.Kind
				for range fr.Rows {
					out.Num = append(out.Num, math.NaN())
					out.Codes = append(out.Codes, NullCode)
				}
			}
			out.Nulls += c.Nulls
			notInt[i] = notInt[i] || (c.Kind == KindNumber && !c.Integer)
			switch kinds[i] {
			case KindUnknown:
				continue
			case KindNumber:
				if c.Kind == KindUnknown {
					for range ch.Rows {
						out.Num = append(out.Num, math.NaN())
					}
				}
				out.Num = append(out.Num, c.Num...)
			default:
				if c.Kind == KindUnknown {
					for range ch.Rows {
						out.Codes = append(out.Codes, NullCode)
					}
				}
				for _, code := range c.Codes {
					if code != NullCode {
						s := c.Dict[code]
						k, ok := dicts[i][s]
						if !ok {
							k = uint32(len(out.Dict))
							dicts[i][s] = k
							out.Dict = append(out.Dict, s)
						}
						code = k
					}
					out.Codes = append(out.Codes, code)
				}
			}
		}
		fr.Rows += ch.Rows
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range fr.Columns {
		c.Kind = kinds[i]
		if c.Kind == KindUnknown {
			c.Kind = KindNumber
			c.Num = make([]float64, fr.Rows)
			for k := range c.Num {
				c.Num[k] = math.NaN()
			}
		}
		if c.Kind == KindNumber {
			c.Codes = nil
		} else {
			c.Num = nil
		}
		c.Integer = c.Kind == KindNumber && !notInt[i] && c.Nulls < fr.Rows
	}
	if len(redo) > 0 {
		o2 := opt
		o2.Columns, o2.Types = redo, map[string]Kind{}
		for _, n := range redo {
			o2.Types[n] = KindString
		}
		again, err := ReadFrame(path, o2)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range fr.Columns {
			if d, ok := again.Column(c.Name); ok {
				fr.Columns[i] = d
			}
		}
	}
	if st, err := os.Stat(path); err == nil && bytes != 0 && (bytes > st.Size() || bytes < st.Size()*9/10) {
		t.Errorf("chunks cover %d bytes of %d", bytes, st.Size())
	}
	return fr
}

func TestReadChunksMatchesReadFrame(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := bigCSV(250000, "")
	small := "a,b,c,d\n1,x,,true\n2,y,,false\nnan,NA,,true\n"
	writeGzip(t, filepath.Join(dir, "big.csv.gz"), big)
	for _, c := range []struct {
		name string
		path string
		opt  Options
	}{
		{"parallel CSV", writeFile(t, dir, "big.csv", big), Options{}},
		{"parallel CSV, pandas nulls", filepath.Join(dir, "big.csv"), Options{NullValues: PandasNullValues}},
		{"gzip, one core", filepath.Join(dir, "big.csv.gz"), Options{}},
		{"small CSV", writeFile(t, dir, "small.csv", small), Options{NullValues: PandasNullValues}},
		{"JSON Lines", writeFile(t, dir, "t.jsonl", "{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5,\"b\":null}\n"), Options{}},
		{"selected columns", filepath.Join(dir, "big.csv"), Options{Columns: []string{"late", "score"}}},
	} {
		want, err := ReadFrame(c.path, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		got := assemble(t, c.path, c.opt)
		t.Run(c.name, func(t *testing.T) { framesEqual(t, got, want) })
	}
}

func TestReadChunksErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	nop := func(*Frame, int64) error { return nil }
	ragged := writeFile(t, dir, "ragged.csv", bigCSV(200000, "1,2\n"))
	err := ReadChunks(ragged, Options{}, nop)
	_, _, seqErr := readFrameOnce(ragged, Options{}, false)
	if !errors.Is(err, ErrRagged) || seqErr == nil || err.Error() != seqErr.Error() {
		t.Errorf("ragged: %v, want %v", err, seqErr)
	}
	empty := writeFile(t, dir, "empty.csv", "a,b\n")
	if err := ReadChunks(empty, Options{}, nop); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	stop := errors.New("stop")
	for _, p := range []string{filepath.Join(dir, "ok.csv"), writeFile(t, dir, "big.csv", bigCSV(200000, ""))} {
		if p == filepath.Join(dir, "ok.csv") {
			writeFile(t, dir, "ok.csv", "a\n1\n")
		}
		if err := ReadChunks(p, Options{}, func(*Frame, int64) error { return stop }); err != stop {
			t.Errorf("%s: fn's error came back as %v", p, err)
		}
	}
}

// TestNullMarkerThatIsANumber: a marker such as "-999" must be null even
// in a numeric column, where the parser's fast path would read it as a
// number.
func TestNullMarkerThatIsANumber(t *testing.T) {
	t.Parallel()
	p := writeFile(t, t.TempDir(), "n.csv", "x\n1\n-999\n2\nnan\n")
	fr, err := ReadFrame(p, Options{NullValues: []string{"-999"}})
	if err != nil {
		t.Fatal(err)
	}
	c := fr.Columns[0]
	if c.Nulls != 2 || c.Num[0] != 1 || !math.IsNaN(c.Num[1]) || c.Num[2] != 2 {
		t.Errorf("nulls %d values %v", c.Nulls, c.Num)
	}
	s := newNullSet(PandasNullValues)
	for in, want := range map[string]bool{"NA": true, "nan": true, "#N/A N/A": true, "Nan": false, "cat": false, "": false, "NULLS": false} {
		if got := s.has([]byte(in)); got != want {
			t.Errorf("has(%q) = %v", in, got)
		}
	}
	if s.numeric {
		t.Error("pandas' markers hold no number other than NaN")
	}
}
