package table

import (
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every row of in as cells' Raw ("<nil>" for null).
func readAll(t *testing.T, in, name string, opt Options) ([]string, [][]string, []int64, error) {
	t.Helper()
	rd, err := NewReader(strings.NewReader(in), name, opt)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rd.Close()
	var rows [][]string
	var lines []int64
	for {
		row, err := rd.Next()
		if err == io.EOF {
			return rd.Columns(), rows, lines, nil
		}
		if err != nil {
			return rd.Columns(), rows, lines, err
		}
		var r []string
		for _, c := range row.Cells {
			if c.Null {
				r = append(r, "<nil>")
			} else {
				r = append(r, c.Raw)
			}
		}
		rows = append(rows, r)
		lines = append(lines, row.Line)
	}
}

func TestCSVParsing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    string
		opt   Options
		cols  []string
		rows  [][]string
		lines []int64
	}{
		{"plain", "a,b\n1,2\n3,4\n", Options{}, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{2, 3}},
		{"no final newline", "a,b\n1,2\n3,4", Options{}, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{2, 3}},
		{"crlf", "a,b\r\n1,2\r\n3,4\r\n", Options{}, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{2, 3}},
		{"quotes", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n", Options{}, []string{"a", "b"}, [][]string{{"x,y", `he said "hi"`}}, []int64{2}},
		{"embedded newline", "a,b\n\"line1\nline2\",2\n3,4\n", Options{}, []string{"a", "b"}, [][]string{{"line1\nline2", "2"}, {"3", "4"}}, []int64{2, 4}},
		{"embedded crlf kept", "a\n\"x\r\ny\"\n", Options{}, []string{"a"}, [][]string{{"x\r\ny"}}, []int64{2}},
		{"bom", "\xef\xbb\xbfa,b\n1,2\n", Options{}, []string{"a", "b"}, [][]string{{"1", "2"}}, []int64{2}},
		{"blank lines skipped", "a,b\n\n1,2\n\n\n3,4\n\n", Options{}, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}, []int64{3, 6}},
		{"empty fields are null", "a,b,c\n,\"\",x\n", Options{}, []string{"a", "b", "c"}, [][]string{{"<nil>", "<nil>", "x"}}, []int64{2}},
		{"null values", "a,b\n?,NA\n", Options{NullValues: []string{"?", "NA"}}, []string{"a", "b"}, [][]string{{"<nil>", "<nil>"}}, []int64{2}},
		{"spaces kept by default", "a,b\n1, x\n", Options{}, []string{"a", "b"}, [][]string{{"1", " x"}}, []int64{2}},
		{"trim leading space", "a, b\n1, x\n2,\t\"y\"\n", Options{TrimLeadingSpace: true}, []string{"a", "b"}, [][]string{{"1", "x"}, {"2", "y"}}, []int64{2, 3}},
		{"select and reorder", "a,b,c\n1,2,3\n", Options{Columns: []string{"c", "a"}}, []string{"c", "a"}, [][]string{{"3", "1"}}, []int64{2}},
		{"tab delimiter", "a\tb\n1\t2\n", Options{Delimiter: '\t'}, []string{"a", "b"}, [][]string{{"1", "2"}}, []int64{2}},
		{"max rows", "a\n1\n2\n3\n", Options{MaxRows: 2}, []string{"a"}, [][]string{{"1"}, {"2"}}, []int64{2, 3}},
		{"lone cr is data", "a,b\nx\ry,2\n", Options{}, []string{"a", "b"}, [][]string{{"x\ry", "2"}}, []int64{2}},
		{"utf8", "naïve,b\nçà,日本\n", Options{}, []string{"naïve", "b"}, [][]string{{"çà", "日本"}}, []int64{2}},
		{"unnamed index column", ",a\n0,x\n", Options{}, []string{"", "a"}, [][]string{{"0", "x"}}, []int64{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cols, rows, lines, err := readAll(t, tc.in, "t.csv", tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cols, tc.cols) || !reflect.DeepEqual(rows, tc.rows) || !reflect.DeepEqual(lines, tc.lines) {
				t.Errorf("got cols %q rows %q lines %v\nwant cols %q rows %q lines %v", cols, rows, lines, tc.cols, tc.rows, tc.lines)
			}
		})
	}
}

func TestCSVCells(t *testing.T) {
	t.Parallel()
	in := "v\n12\n-3.5\n1e3\nnan\ninf\n0x10\nabc\nTrue\nfalse\n007\n+4\n"
	rd, err := NewReader(strings.NewReader(in), "c.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Cell{
		{Raw: "12", Num: 12, IsNum: true, Int: true},
		{Raw: "-3.5", Num: -3.5, IsNum: true},
		{Raw: "1e3", Num: 1000, IsNum: true},
		{Raw: "nan", Num: math.NaN(), IsNum: true},
		{Raw: "inf", Num: math.Inf(1), IsNum: true},
		{Raw: "0x10"}, // ParseFloat wants a p exponent in hex
		{Raw: "abc"},
		{Raw: "True", IsBool: true, Bool: true},
		{Raw: "false", IsBool: true},
		{Raw: "007", Num: 7, IsNum: true, Int: true},
		{Raw: "+4", Num: 4, IsNum: true, Int: true},
	}
	for i, w := range want {
		row, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		g := row.Cells[0]
		if g.Raw != w.Raw || g.IsNum != w.IsNum || g.Int != w.Int || g.IsBool != w.IsBool || g.Bool != w.Bool ||
			!(g.Num == w.Num || (math.IsNaN(g.Num) && math.IsNaN(w.Num))) {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
	}
}

// TestCSVBufferBoundaries reads the same input whole and one byte at a
// time with a buffer forced small, so every record crosses a refill.
func TestCSVBufferBoundaries(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,text,x\r\n")
	for i := range 3000 {
		b.WriteString(strings.Repeat("9", i%7+1))
		b.WriteString(",\"q \"\"")
		b.WriteString(strings.Repeat("é", i%300))
		b.WriteString("\"\"\nend\",")
		b.WriteString(strings.Repeat("1", i%5))
		b.WriteString("\r\n")
	}
	in := b.String()
	_, whole, wl, err := readAll(t, in, "w.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd, err := NewReader(iotest.OneByteReader(strings.NewReader(in)), "o.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole {
		row, err := rd.Next()
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		for j, c := range row.Cells {
			g := c.Raw
			if c.Null {
				g = "<nil>"
			}
			if g != whole[i][j] || row.Line != wl[i] {
				t.Fatalf("row %d col %d: %q line %d, want %q line %d", i, j, g, row.Line, whole[i][j], wl[i])
			}
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
	if len(whole) != 3000 || wl[2999] != 2+2*2999 {
		t.Fatalf("got %d rows, last line %d", len(whole), wl[len(wl)-1])
	}
	// Compare with encoding/csv, which agrees except that it turns CRLF in
	// quoted fields into LF.
	want, err := csv.NewReader(strings.NewReader(strings.ReplaceAll(in, "\r\n", "\n"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole {
		for j := range whole[i] {
			w := want[i+1][j]
			if w == "" {
				w = "<nil>"
			}
			if whole[i][j] != w {
				t.Fatalf("row %d col %d: %q, encoding/csv says %q", i, j, whole[i][j], w)
			}
		}
	}
}

func TestCSVBadInput(t *testing.T) {
	t.Parallel()
	huge := "a,b\n1," + strings.Repeat("x", 2000) + "\n"
	tests := []struct {
		name    string
		in      string
		opt     Options
		want    error
		msg     string // substring of the message
		atOpen  bool
		wantRow int // rows read before the error
	}{
		{"empty file", "", Options{}, ErrEmpty, "e.csv: empty table: no header line", true, 0},
		{"only a bom", "\xef\xbb\xbf", Options{}, ErrEmpty, "no header line", true, 0},
		{"header only", "a,b\n", Options{}, ErrEmpty, "e.csv: empty table: no data rows", false, 0},
		{"header only, blank lines", "a,b\n\n\n", Options{}, ErrEmpty, "no data rows", false, 0},
		{"missing column", "age,sex\n1,M\n", Options{Columns: []string{"sx"}}, ErrMissingColumn,
			`e.csv: column "sx": no such column: did you mean "sex"? available: "age", "sex"`, true, 0},
		{"missing type column", "age,sex\n1,M\n", Options{Types: map[string]Kind{"Age": KindNumber}}, ErrMissingColumn,
			`did you mean "age"?`, true, 0},
		{"ragged short", "a,b,c\n1,2,3\n1,2\n", Options{}, ErrRagged, `e.csv:3: column "c": ragged row: 2 fields, header has 3`, false, 1},
		{"ragged long", "a,b\n1,2,3\n", Options{}, ErrRagged, "e.csv:2: column \"b\": ragged row: 3 fields, header has 2", false, 0},
		{"invalid utf8", "a,b\n1,ok\n2,x\xff\xfe\n", Options{}, ErrUTF8, `e.csv:3: column "b": invalid UTF-8`, false, 1},
		{"invalid utf8 quoted", "a,b\n\"\xc3\",1\n", Options{}, ErrUTF8, `e.csv:2: column "a": invalid UTF-8`, false, 0},
		{"invalid utf8 header", "a,\xff\n1,2\n", Options{}, ErrUTF8, `e.csv:1: invalid UTF-8`, true, 0},
		{"huge field", huge, Options{MaxFieldBytes: 1000}, ErrFieldTooLarge, `e.csv:2: column "b": field too large`, false, 0},
		{"huge quoted field", "a\n\"" + strings.Repeat("y", 3000) + "\"\n", Options{MaxFieldBytes: 1000}, ErrFieldTooLarge, `e.csv:2: column "a"`, false, 0},
		{"huge record", "a,b\n" + strings.Repeat("x,", 5000) + "\n", Options{MaxRecordBytes: 4000}, ErrFieldTooLarge, "record longer than", false, 0},
		{"unterminated quote", "a,b\n1,\"open\n2,3\n", Options{}, ErrFormat, `e.csv:2: column "b": malformed input: quoted field never closed (opened on line 2)`, false, 0},
		{"text after quote", "a,b\n\"x\"y,1\n", Options{}, ErrFormat, "text after the closing quote", false, 0},
		{"bare quote", "a,b\nx\"y,1\n", Options{}, ErrFormat, "quote inside an unquoted field", false, 0},
		{"duplicate header", "a,b,a\n1,2,3\n", Options{}, ErrDuplicateColumn, `e.csv: column "a": duplicate column name`, true, 0},
		{"duplicate selected twice", "a,b\n1,2\n", Options{Columns: []string{"a", "a"}}, ErrDuplicateColumn, "selected twice", true, 0},
		{"forced number", "a\n1\nx\n", Options{Types: map[string]Kind{"a": KindNumber}}, ErrType, `e.csv:3: column "a": value does not match the column type: "x" is not a number`, false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := NewReader(strings.NewReader(tc.in), "e.csv", tc.opt)
			rows := 0
			if err == nil {
				if tc.atOpen {
					t.Fatal("Open succeeded, want an error")
				}
				for {
					_, err = rd.Next()
					if err != nil {
						break
					}
					rows++
				}
			} else if !tc.atOpen {
				t.Fatalf("Open: %v", err)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var te *Error
			if !errors.As(err, &te) || te.File != "e.csv" {
				t.Fatalf("error %v does not name the file", err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tc.msg)
			}
			if rows != tc.wantRow {
				t.Errorf("read %d rows before the error, want %d", rows, tc.wantRow)
			}
			if rd != nil {
				if _, again := rd.Next(); again != err {
					t.Errorf("the error did not stick: then %v", again)
				}
			}
		})
	}
}

func TestOpenGzipAndDetect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "d.csv.gz")
	writeGzip(t, p, "a,b\n1,x\n")
	rd, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	row, err := rd.Next()
	if err != nil || row.Cells[1].Raw != "x" {
		t.Fatalf("got %+v, %v", row, err)
	}
	cases := map[string]struct {
		content string
		want    Format
	}{
		"x.csv": {"a\n1\n", CSV}, "x.TSV": {"a\n1\n", CSV}, "x.jsonl.gz": {"", JSONL}, "x.ndjson": {"", JSONL},
		"x.parquet": {"", Parquet}, "adult.data": {"age,sex\n1,M\n", CSV}, "log.txt": {"\n  {\"a\":1}\n", JSONL},
		"blob": {"PAR1xxxx", Parquet},
	}
	for name, c := range cases {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := DetectFormat(path)
		if err != nil || got != c.want {
			t.Errorf("DetectFormat(%s) = %q, %v; want %q", name, got, err, c.want)
		}
	}
	gz := filepath.Join(dir, "noext")
	writeGzip(t, gz, "{\"a\":1}\n")
	if got, err := DetectFormat(gz); err != nil || got != JSONL {
		t.Errorf("gzip by content: %q, %v", got, err)
	}
	if _, err := Open(filepath.Join(dir, "absent.csv"), Options{}); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "absent.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]Kind{"number": KindNumber, "String": KindString, "bool": KindBool, " float ": KindNumber} {
		if got, err := ParseKind(s); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseKind("date"); err == nil {
		t.Error("ParseKind(date) succeeded")
	}
}

func TestReuseRow(t *testing.T) {
	t.Parallel()
	for _, reuse := range []bool{false, true} {
		rd, err := NewReader(strings.NewReader("a,b\n1,x\n,y\n"), "r.csv", Options{ReuseRow: reuse})
		if err != nil {
			t.Fatal(err)
		}
		r1, _ := rd.Next()
		first := r1.Cells[0]
		r2, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !r2.Cells[0].Null || r2.Cells[0].IsNum || r2.Cells[1].Raw != "y" {
			t.Errorf("reuse %v: second row %+v", reuse, r2.Cells)
		}
		if same := &r1.Cells[0] == &r2.Cells[0]; same != reuse {
			t.Errorf("reuse %v: cells shared %v", reuse, same)
		}
		if first.Raw != "1" || !first.IsNum {
			t.Errorf("a copied cell changed: %+v", first)
		}
	}
}
