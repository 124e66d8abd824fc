package table

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// bigCSV builds a CSV over parallelMinBytes whose awkward parts (quoted
// newlines, doubled quotes, nulls, a column that turns to text late, a
// column null for whole chunks) cross chunk boundaries.
func bigCSV(rows int, tail string) string {
	var b strings.Builder
	b.WriteString("id,score,group,note,late,sparse,flag\n")
	for i := range rows {
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(',')
		if i%11 != 0 {
			b.WriteString(strconv.FormatFloat(float64(i)/7, 'g', -1, 64))
		}
		b.WriteString(",g" + strconv.Itoa(i%13) + ",")
		if i%5 == 0 {
			b.WriteString("\"multi\nline \"\"" + strconv.Itoa(i) + "\"\"\"")
		} else {
			b.WriteString("plain")
		}
		b.WriteByte(',')
		if i == rows-3 {
			b.WriteString("x")
		} else {
			b.WriteString(strconv.Itoa(i % 3))
		}
		b.WriteByte(',')
		if i > rows/2 && i%1000 == 0 {
			b.WriteString("7")
		}
		b.WriteString("," + []string{"true", "False"}[i%2] + "\n")
	}
	b.WriteString(tail)
	return b.String()
}

func framesEqual(t *testing.T, a, b *Frame) {
	t.Helper()
	if a.Rows != b.Rows || len(a.Columns) != len(b.Columns) {
		t.Fatalf("rows %d vs %d", a.Rows, b.Rows)
	}
	for i, c := range a.Columns {
		d := b.Columns[i]
		if c.Name != d.Name || c.Kind != d.Kind || c.Integer != d.Integer || c.Nulls != d.Nulls ||
			!reflect.DeepEqual(c.Codes, d.Codes) || !reflect.DeepEqual(c.Dict, d.Dict) || len(c.Num) != len(d.Num) {
			t.Fatalf("column %s differs: kind %v/%v int %v/%v nulls %d/%d dict %q/%q", c.Name, c.Kind, d.Kind, c.Integer, d.Integer, c.Nulls, d.Nulls, c.Dict, d.Dict)
		}
		for k := range c.Num {
			if c.Num[k] != d.Num[k] && !(math.IsNaN(c.Num[k]) && math.IsNaN(d.Num[k])) {
				t.Fatalf("column %s row %d: %v vs %v", c.Name, k, c.Num[k], d.Num[k])
			}
		}
	}
}

func TestParallelMatchesSequential(t *testing.T) {
	t.Parallel()
	in := bigCSV(250000, "")
	if len(in) < parallelMinBytes {
		t.Fatalf("test file too small: %d bytes", len(in))
	}
	// .data: the format is found by content, so the header offset must
	// account for the sniffing buffer too.
	p := writeFile(t, t.TempDir(), "big.data", in)
	rd, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !useParallel(rd) {
		t.Skip("one core: the parallel path is not used")
	}
	rd.Close()
	par, err := ReadFrame(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seq, redo, err := readFrameOnce(p, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(redo, []string{"late"}) {
		t.Fatalf("redo %q", redo)
	}
	seq2, _, err := readFrameOnce(p, Options{Columns: redo, Types: map[string]Kind{"late": KindString}}, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range seq.Columns {
		if c.Name == "late" {
			seq.Columns[i] = seq2.Columns[0]
		}
	}
	framesEqual(t, par, seq)
	note, _ := par.Column("note")
	late, _ := par.Column("late")
	sparse, _ := par.Column("sparse")
	if par.Rows != 250000 || note.Dict[0] != "multi\nline \"0\"" || late.Kind != KindString || !sparse.Integer || sparse.Nulls != 250000-124 {
		t.Errorf("rows %d note %q late %v sparse %v/%d", par.Rows, note.Dict[:2], late.Kind, sparse.Integer, sparse.Nulls)
	}
}

// TestParallelErrors checks that errors deep in a large file are reported
// exactly as the sequential reader reports them.
func TestParallelErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := map[string]struct {
		tail string
		want error
		msg  string
	}{
		"ragged":     {"1,2\n", ErrRagged, "ragged row: 2 fields, header has 7"},
		"bare quote": {"1,2,g,x\"y,1,,true\n", ErrFormat, "quote inside an unquoted field"},
		"open quote": {"1,2,g,\"never closed,1,,true\n" + strings.Repeat("9,9,g,n,1,,true\n", 1000), ErrFormat, "quoted field never closed"},
		"utf8":       {"1,2,g,\xff,1,,true\n", ErrUTF8, `column "note": invalid UTF-8`},
	}
	for name, c := range cases {
		p := writeFile(t, dir, strings.ReplaceAll(name, " ", "_")+".csv", bigCSV(200000, c.tail))
		_, err := ReadFrame(p, Options{})
		_, _, seqErr := readFrameOnce(p, Options{}, false)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || seqErr == nil || err.Error() != seqErr.Error() {
			t.Errorf("%s: %v\nsequential: %v", name, err, seqErr)
		}
		if !strings.Contains(err.Error(), filepath.Base(p)+":") {
			t.Errorf("%s: no line in %v", name, err)
		}
	}
}

func TestRecordBoundary(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int{
		"a,b\n1,2\n3":         8,
		"a,\"x\ny\"\n1":       8,
		"a,\"x\ny":            0,
		"\"a\"\"\n\"\n":       7,
		"no newline":          0,
		"\"open\nstill\nopen": 0,
		"1\n\"q\"\"\"\"\"\nz": 10,
	} {
		if got := recordBoundary([]byte(in)); got != want {
			t.Errorf("recordBoundary(%q) = %d, want %d", in, got, want)
		}
	}
}
