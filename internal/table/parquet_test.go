package table

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

type pqRow struct {
	ID    int64     `parquet:"id"`
	Score *float64  `parquet:"score,optional"`
	Sex   string    `parquet:"sex,string"`
	Label bool      `parquet:"label"`
	Small int32     `parquet:"small"`
	F32   float32   `parquet:"f32"`
	Day   int32     `parquet:"day,date"`
	At    time.Time `parquet:"at,timestamp(millisecond)"`
	Price int64     `parquet:"price,decimal(2:10)"`
	Name  *string   `parquet:"name,optional"`
}

type pqNested struct {
	ID   int64    `parquet:"id"`
	Tags []string `parquet:"tags,list"`
	Pos  struct {
		X float64 `parquet:"x"`
	} `parquet:"pos"`
}

func writeParquet[T any](t testing.TB, path string, rows []T, opts ...parquet.WriterOption) {
	t.Helper()
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows, opts...); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// parquetFile writes pqRows(n) to dir/name and returns its path and bytes.
func parquetFile(t testing.TB, dir, name string, n int) (string, []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	writeParquet(t, p, pqRows(n))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

func pqRows(n int) []pqRow {
	rows := make([]pqRow, n)
	for i := range rows {
		s := float64(i) / 4
		name := "n" + string(rune('a'+i%26))
		rows[i] = pqRow{ID: int64(i), Sex: []string{"F", "M"}[i%2], Label: i%3 == 0, Small: int32(-i),
			F32: 0.5, Day: 19000 + int32(i), At: time.UnixMilli(1700000000000 + int64(i)).UTC(), Price: int64(i*100 + 5)}
		if i%5 != 0 {
			rows[i].Score = &s
		}
		if i%7 != 0 {
			rows[i].Name = &name
		}
	}
	return rows
}

func TestParquet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "d.parquet")
	// Small row groups and pages so reading crosses both.
	writeParquet(t, p, pqRows(1000), parquet.MaxRowsPerRowGroup(128), parquet.PageBufferSize(512))
	rd, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	want := []string{"id", "score", "sex", "label", "small", "f32", "day", "at", "price", "name"}
	if !reflect.DeepEqual(rd.Columns(), want) {
		t.Fatalf("columns %q", rd.Columns())
	}
	n := 0
	for {
		row, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		i := n
		n++
		if row.Line != int64(i+1) {
			t.Fatalf("row %d: line %d", i, row.Line)
		}
		c := row.Cells
		if !c[0].IsNum || !c[0].Int || c[0].Num != float64(i) || c[0].Raw != strconv.Itoa(i) {
			t.Fatalf("row %d id %+v", i, c[0])
		}
		if (i%5 == 0) != c[1].Null || (!c[1].Null && (c[1].Num != float64(i)/4 || c[1].Int)) {
			t.Fatalf("row %d score %+v", i, c[1])
		}
		if c[2].Raw != []string{"F", "M"}[i%2] || c[2].IsNum {
			t.Fatalf("row %d sex %+v", i, c[2])
		}
		if !c[3].IsBool || c[3].Bool != (i%3 == 0) {
			t.Fatalf("row %d label %+v", i, c[3])
		}
		if c[4].Num != float64(-i) || !c[4].Int {
			t.Fatalf("row %d small %+v", i, c[4])
		}
		if c[5].Raw != "0.5" || c[5].Num != 0.5 {
			t.Fatalf("row %d f32 %+v", i, c[5])
		}
		if i == 0 && (c[6].Raw != "2022-01-08" || c[7].Raw != "2023-11-14T22:13:20Z" || c[8].Raw != "0.05" || c[8].Num != 0.05) {
			t.Fatalf("row 0 day %q at %q price %+v", c[6].Raw, c[7].Raw, c[8])
		}
		if i == 999 && c[8].Raw != "999.05" {
			t.Fatalf("row 999 price %+v", c[8])
		}
		if (i%7 == 0) != c[9].Null {
			t.Fatalf("row %d name %+v", i, c[9])
		}
	}
	if n != 1000 {
		t.Fatalf("read %d rows", n)
	}
}

func TestParquetBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, data := parquetFile(t, dir, "good.parquet", 50)
	nested := filepath.Join(dir, "nested.parquet")
	writeParquet(t, nested, []pqNested{{ID: 1, Tags: []string{"a"}}})
	empty := filepath.Join(dir, "empty.parquet")
	writeParquet(t, empty, []pqRow{})

	corrupt := func(name string, f func([]byte) []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, f(bytes.Clone(data)), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	footerLen := func(b []byte) int { return int(b[len(b)-8]) | int(b[len(b)-7])<<8 | int(b[len(b)-6])<<16 }
	tests := []struct {
		name string
		path string
		opt  Options
		want error
		msg  string
	}{
		{"truncated", corrupt("trunc.parquet", func(b []byte) []byte { return b[:len(b)/2] }), Options{}, ErrCorrupt, "trunc.parquet: corrupt file"},
		{"bad tail magic", corrupt("magic.parquet", func(b []byte) []byte { copy(b[len(b)-4:], "XXXX"); return b }), Options{}, ErrCorrupt, "magic.parquet: corrupt file"},
		{"garbled footer", corrupt("footer.parquet", func(b []byte) []byte {
			n := footerLen(b)
			for i := len(b) - 8 - n; i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			return b
		}), Options{}, ErrCorrupt, "footer.parquet: corrupt file"},
		{"huge footer length", corrupt("len.parquet", func(b []byte) []byte { b[len(b)-5] = 0x7f; return b }), Options{}, ErrCorrupt, "len.parquet: corrupt file"},
		{"nested selected", nested, Options{Columns: []string{"tags"}}, ErrType, `nested.parquet: column "tags": value does not match the column type: nested or repeated column`},
		{"struct selected", nested, Options{Columns: []string{"pos"}}, ErrType, `column "pos"`},
		{"all columns with nesting", nested, Options{}, ErrType, "nested or repeated"},
		{"missing column", good, Options{Columns: []string{"Sex"}}, ErrMissingColumn, `did you mean "sex"?`},
		{"no rows", empty, Options{}, ErrEmpty, "empty.parquet: empty table: no data rows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rd, err := Open(tc.path, tc.opt)
			if err == nil {
				for err == nil {
					_, err = rd.Next()
				}
				rd.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tc.msg)
			}
		})
	}
	// Only the flat column of a file with nesting reads fine.
	rd, err := Open(nested, Options{Columns: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	if row, err := rd.Next(); err != nil || row.Cells[0].Num != 1 {
		t.Fatalf("id: %+v, %v", row, err)
	}
}

func TestParquetGzipAndStream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, data := parquetFile(t, dir, "d.parquet", 10)
	gz := filepath.Join(dir, "d.parquet.gz")
	writeGzip(t, gz, string(data))
	for _, open := range []func() (*Reader, error){
		func() (*Reader, error) { return Open(gz, Options{Columns: []string{"sex"}}) },
		// A plain io.Reader (no ReaderAt) is spooled to a temporary file.
		func() (*Reader, error) {
			return NewReader(io.MultiReader(bytes.NewReader(data)), "s.parquet", Options{Columns: []string{"sex"}})
		},
		func() (*Reader, error) {
			return NewReader(bytes.NewReader(data), "blob", Options{Columns: []string{"sex"}})
		},
	} {
		rd, err := open()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if row.Cells[0].Raw != []string{"F", "M"}[n%2] {
				t.Fatalf("row %d: %+v", n, row)
			}
			n++
		}
		if err := rd.Close(); err != nil || n != 10 {
			t.Fatalf("close %v, %d rows", err, n)
		}
	}
}

// TestParquetAllocationBombs: lengths in a hostile file must not reach
// parquet-go's allocations (Go cannot recover from running out of memory).
func TestParquetAllocationBombs(t *testing.T) {
	t.Parallel()
	file := func(footer []byte) []byte {
		b := append([]byte("PAR1"), footer...)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(footer)))
		return append(b, "PAR1"...)
	}
	// FileMetaData{version: 1, schema: list of 2^31-1 SchemaElements} in 9 bytes.
	huge := file([]byte{0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07})
	deep := file(bytes.Repeat([]byte{0x1c}, 100)) // structs nested 100 deep
	for name, data := range map[string][]byte{"huge list": huge, "deep nesting": deep} {
		_, err := NewReader(bytes.NewReader(data), "bomb.parquet", Options{})
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "bomb.parquet: corrupt file: footer:") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A page header claiming more bytes than its column chunk holds.
	_, data := parquetFile(t, t.TempDir(), "p.parquet", 20)
	if err := checkChunk(bytes.NewReader(data), int64(len(data)), 4, int64(len(data))); err != nil {
		t.Logf("whole-file walk: %v", err) // not a chunk: any answer but a crash is fine
	}
	if err := checkChunk(bytes.NewReader(data), int64(len(data)), int64(len(data))-2, 100); err == nil {
		t.Error("a chunk past the end of the file was accepted")
	}
}
