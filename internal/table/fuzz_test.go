package table

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// drain reads every row, checking the invariants that hold for any input:
// each row has one cell per column, and an error is an *Error naming the
// file.
func drain(t *testing.T, rd *Reader) ([]Row, error) {
	var rows []Row
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			var te *Error
			if !errors.As(err, &te) || te.File == "" {
				t.Fatalf("error without a file name: %v", err)
			}
			return rows, err
		}
		if len(row.Cells) != len(rd.Columns()) {
			t.Fatalf("row has %d cells, %d columns", len(row.Cells), len(rd.Columns()))
		}
		rows = append(rows, row)
	}
}

// fuzzOpen opens in, or returns nil after checking the error names the file.
func fuzzOpen(t *testing.T, in []byte, name string, opt Options) *Reader {
	rd, err := NewReader(bytes.NewReader(in), name, opt)
	if err != nil {
		var te *Error
		if !errors.As(err, &te) {
			t.Fatalf("open: error without a file name: %v", err)
		}
		return nil
	}
	return rd
}

func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n\"x\"\"y\",\"l1\nl2\"\r\n", "\xef\xbb\xbfa\n1\n", "a,b\n1\n", "a\n\"open\n",
		"a,b\nx\"y,1\n", "a,a\n1,2\n", "a\n\xff\n", "a, b\n1, 2\n", "a\n\n\n1\n\n", "a,b\n1,2", ",\n,\n",
		"a\nnan\ninf\n-0\n1e400\n0x1p-2\n", "a\n\"\"\n", "a\n\r\n1\r", "a\tb\n1\t2\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, trim bool) {
		opt := Options{MaxFieldBytes: 64, MaxRecordBytes: 1024, TrimLeadingSpace: trim, Format: CSV}
		rd := fuzzOpen(t, in, "f.csv", opt)
		if rd == nil {
			return
		}
		defer rd.Close()
		rows, err := drain(t, rd)
		if trim || !utf8.Valid(in) || bytes.ContainsRune(in, '\r') || bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) || len(in) > 900 {
			return
		}
		// Where encoding/csv reads the input cleanly, we must read the same.
		want, cerr := csv.NewReader(bytes.NewReader(in)).ReadAll()
		if cerr != nil || len(want) < 2 || hasDup(want[0]) || tooLong(want, 64) {
			return
		}
		if err != nil {
			t.Fatalf("encoding/csv reads %q, we fail: %v", in, err)
		}
		if !equalStrings(rd.Columns(), want[0]) || len(rows) != len(want)-1 {
			t.Fatalf("%q: columns %q rows %d, encoding/csv %q rows %d", in, rd.Columns(), len(rows), want[0], len(want)-1)
		}
		for i, row := range rows {
			for j, c := range row.Cells {
				if c.Raw != want[i+1][j] || c.Null != (want[i+1][j] == "") {
					t.Fatalf("%q: row %d col %d: %+v, encoding/csv %q", in, i, j, c, want[i+1][j])
				}
			}
		}
	})
}

func hasDup(names []string) bool {
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			return true
		}
		seen[n] = true
	}
	return false
}

func tooLong(recs [][]string, n int) bool {
	for _, r := range recs {
		for _, f := range r {
			if len(f) > n {
				return true
			}
		}
	}
	return false
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func FuzzJSONL(f *testing.F) {
	for _, s := range []string{
		"{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5,\"b\":null}\n", "{\"a\":{\"b\":1}}\n", "{\"a\":[1,\"]\"]}\n", "{\"a\":1}\n{\"b\":2}\n",
		"{\"a\":\"\\u00e9\\\"\"}\n", "{\"a\":1,\"a\":2}\n", "[1]\n", "{\"a\":tru}\n", "\n\n{\"a\":true}\r\n", "{\"a\":\"\xff\"}\n",
		"{}\n{}\n", "{\"a\":1e999}\n", "{\"\\u0061\":1}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rd, err := NewReader(bytes.NewReader(in), "f.jsonl", Options{MaxFieldBytes: 64, MaxRecordBytes: 1024, Format: JSONL})
		if err != nil {
			return
		}
		defer rd.Close()
		rows, err := drain(t, rd)
		if err != nil {
			return
		}
		// Every value we read is what encoding/json decodes.
		lines := nonBlankLines(in)
		if len(lines) != len(rows) {
			t.Fatalf("%q: %d rows from %d lines", in, len(rows), len(lines))
		}
		for i, ln := range lines {
			d := json.NewDecoder(bytes.NewReader(ln))
			d.UseNumber()
			var m map[string]any
			if err := d.Decode(&m); err != nil {
				t.Fatalf("%q: we read line %d, encoding/json fails: %v", in, i, err)
			}
			for j, col := range rd.Columns() {
				c := rows[i].Cells[j]
				switch v := m[col].(type) {
				case nil:
					if !c.Null {
						t.Fatalf("line %d %q: want null, got %+v", i, col, c)
					}
				case string:
					if c.Raw != v || c.IsNum {
						t.Fatalf("line %d %q: want %q, got %+v", i, col, v, c)
					}
				case json.Number:
					if c.Raw != string(v) || !c.IsNum {
						t.Fatalf("line %d %q: want number %s, got %+v", i, col, v, c)
					}
				case bool:
					if !c.IsBool || c.Bool != v {
						t.Fatalf("line %d %q: want %v, got %+v", i, col, v, c)
					}
				default:
					t.Fatalf("line %d %q: nested value %v was read as %+v", i, col, v, c)
				}
			}
		}
	})
}

func nonBlankLines(in []byte) [][]byte {
	var out [][]byte
	for _, ln := range strings.Split(string(in), "\n") {
		ln = strings.TrimRight(ln, "\r")
		if strings.Trim(ln, " \t\r") != "" {
			out = append(out, []byte(ln))
		}
	}
	if len(out) > 0 {
		out[0] = bytes.TrimPrefix(out[0], []byte("\xef\xbb\xbf"))
	}
	return out
}

// FuzzParquet feeds mutated Parquet files to the reader: any outcome but a
// panic, a hang or an error without the file name is a bug (parquet-go's
// own panics must come back as ErrCorrupt).
func FuzzParquet(f *testing.F) {
	var seed bytes.Buffer
	if err := parquet.Write(&seed, pqRows(20)); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	var nested bytes.Buffer
	if err := parquet.Write(&nested, []pqNested{{ID: 1, Tags: []string{"a"}}}); err != nil {
		f.Fatal(err)
	}
	f.Add(nested.Bytes())
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := fuzzOpen(t, in, "f.parquet", Options{Format: Parquet})
		if rd == nil {
			return
		}
		defer rd.Close()
		_, _ = drain(t, rd)
	})
}
