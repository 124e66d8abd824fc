package fairness

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/table"
	"github.com/parquet-go/parquet-go"
)

// rowsCSV writes a CSV of n rows whose line i is row(i), under header.
func rowsCSV(t *testing.T, header string, n int, row func(i int) string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for i := range n {
		b.WriteString(row(i) + "\n")
	}
	return b.String()
}

// featureRows renders a feature row by row, whatever its storage, so the
// two load paths can be compared. -0 and 0 render alike: they are one
// value (one group, named as Evaluate's map of values names it, which
// evalText compares).
func featureRows(f *Feature, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s numeric=%v:", f.Name, f.Numeric)
	for i := range n {
		b.WriteByte(' ')
		switch {
		case f.Numeric && f.Num != nil:
			if v := f.Num[i]; math.IsNaN(v) {
				b.WriteString("NA")
			} else {
				b.WriteString(strconv.FormatFloat(v+0, 'g', -1, 64))
			}
		case f.code(i) == MissingCode:
			b.WriteString("NA")
		case f.Numeric:
			b.WriteString(strconv.FormatFloat(f.Values[f.code(i)]+0, 'g', -1, 64))
		default:
			b.WriteString(strconv.Quote(f.Dict[f.code(i)]))
		}
	}
	return b.String()
}

// outcomeText renders each row's true label and prediction.
func outcomeText(d *Data) string {
	b := make([]byte, d.Rows())
	for r := range b {
		b[r] = '0' + d.outcome(r)
	}
	return string(b)
}

// scoreText renders the scores bit for bit, whatever their storage.
func scoreText(d *Data) string {
	if !d.hasScore() {
		return "none"
	}
	var b strings.Builder
	for i := range d.scoreLen() {
		fmt.Fprintf(&b, "%x ", math.Float64bits(d.scoreAt(i)))
	}
	return b.String()
}

// evalText evaluates d under policy and returns the JSON report or the
// error.
func evalText(d *Data, policy MissingPolicy) string {
	opt := DefaultOptions()
	opt.Missing = policy
	res, err := Evaluate(d, opt)
	if err != nil {
		return "error: " + err.Error()
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, res); err != nil {
		return "error: " + err.Error()
	}
	return b.String()
}

// TestStreamMatchesFrame holds the streaming load (stream.go) equal to
// the whole-frame path it replaced: the same rows, labels, scores,
// sensitive values and report under every missing-value policy, and the
// same error, word for word, on bad input. The tables span several chunks
// (table.ChunkRows) so that kinds, dictionaries and labels are met across
// chunk boundaries.
func TestStreamMatchesFrame(t *testing.T) {
	t.Parallel()
	big := 3*table.ChunkRows + 17
	cases := []struct {
		name, file, csv string
		o               LoadOptions
	}{
		{name: "clean", csv: rowsCSV(t, "y,p,s,sex,race", big, func(i int) string {
			return fmt.Sprintf("%d,%d,0.%03d,%s,%s", i%2, i/3%2, i%997, []string{"F", "M"}[i%2], []string{"a", "b", "c"}[i%3])
		})},
		{name: "scores: short decimals, then full precision and -0", csv: rowsCSV(t, "y,p,s,sex", big, func(i int) string {
			sc := fmt.Sprintf("0.%d", i%1000)
			switch {
			case i == 9000:
				sc = "-0"
			case i > 2*table.ChunkRows:
				sc = strconv.FormatFloat(1/float64(i+3), 'g', -1, 64)
			}
			return fmt.Sprintf("%d,%d,%s,%s", i%2, i/3%2, sc, []string{"F", "M"}[i%2])
		})},
		{name: "text labels, positive given", o: LoadOptions{PosLabel: "yes"}, csv: rowsCSV(t, "y,p,sex", big, func(i int) string {
			return fmt.Sprintf("%s,%s,%d", []string{"no", "yes"}[i%2], []string{"yes", "no"}[i/7%2], i%4)
		})},
		{name: "1 and 1.0 are one label; second value late", csv: rowsCSV(t, "y,p,sex", big, func(i int) string {
			p := "1.0"
			if i > 2*table.ChunkRows {
				p = "0"
			}
			return fmt.Sprintf("%s,%s,x%d", []string{"1", "0", "1.0"}[i%3], p, i%5)
		})},
		{name: "positive label absent", o: LoadOptions{PosLabel: "1"}, csv: rowsCSV(t, "y,p,sex", 50, func(i int) string {
			return "0,0," + strconv.Itoa(i%2)
		})},
		{name: "positive first in y_pred, labels -1/1", csv: rowsCSV(t, "y,p,sex", big, func(i int) string {
			return fmt.Sprintf("-1,%d,%d", 1-2*(i%2), i%2)
		})},
		{name: "numeric sensitive: NaN, -0 and 0, inf, late values", csv: rowsCSV(t, "y,p,age", big, func(i int) string {
			v := []string{"", "nan", "0", "-0", "inf", "17", "2.5", "-3"}[i%8]
			if i < table.ChunkRows+5 {
				v = ""
			}
			return fmt.Sprintf("%d,%d,%s", i%2, i%3%2, v)
		})},
		{name: "numbers then text in a later chunk", csv: rowsCSV(t, "y,p,grp,sex", big, func(i int) string {
			g := strconv.Itoa(i % 7)
			if i == 2*table.ChunkRows+3 {
				g = "unknown"
			}
			return fmt.Sprintf("%d,%d,%s,%s", i%2, i%5%2, g, []string{"F", "M", ""}[i%3])
		})},
		{name: "numbers then text in one chunk", csv: "y,p,grp\n1,0,3\n0,1,x\n1,1,\n0,0,3.0\n"},
		{name: "bools, and an all-empty column", csv: rowsCSV(t, "y,p,flag,none", big, func(i int) string {
			return fmt.Sprintf("%d,%d,%s,", i%2, i%3%2, []string{"true", "False", ""}[i%3])
		}), o: LoadOptions{Sensitive: []string{"flag", "none"}}},
		{name: "all-empty column forced to text", csv: "y,p,none,sex\n1,0,,F\n0,1,,M\n", o: LoadOptions{Sensitive: []string{"none", "sex"},
			Table: table.Options{Types: map[string]table.Kind{"none": table.KindString}}}},
		{name: "300 values, the 255th in a later chunk", csv: rowsCSV(t, "y,p,zip", big, func(i int) string {
			z := i % 250
			if i > table.ChunkRows+100 {
				z = i % 300
			}
			return fmt.Sprintf("%d,%d,z%d", i%2, i/2%2, z)
		})},
		{name: "jsonl with empty strings and nulls", file: "t.jsonl", csv: `{"y":1,"p":0,"sex":"F"}
{"y":0,"p":1,"sex":""}
{"y":1,"p":1,"sex":null}
{"y":0,"p":0}
{"y":1,"p":0,"sex":"M"}
`},
		{name: "forced number labels", csv: "y,p,sex\n1,0,F\n0,1.0,M\n1,1,F\n", o: LoadOptions{
			Table: table.Options{Types: map[string]table.Kind{"y": table.KindNumber, "p": table.KindNumber}}}},
		{name: "forced bool labels", csv: "y,p,sex\ntrue,false,F\nFalse,True,M\n", o: LoadOptions{
			Table: table.Options{Types: map[string]table.Kind{"y": table.KindBool, "p": table.KindBool}}}},
		// Errors: the stream gives up and the frame path words them.
		{name: "third label in y_pred early, in y_true late", csv: rowsCSV(t, "y,p,sex", big, func(i int) string {
			y, p := strconv.Itoa(i%2), strconv.Itoa(i/2%2)
			if i == 5 {
				p = "7"
			}
			if i == 3*table.ChunkRows {
				y = "9"
			}
			return y + "," + p + ",F"
		})},
		{name: "missing label late", csv: rowsCSV(t, "y,p,sex", big, func(i int) string {
			if i == 2*table.ChunkRows+1 {
				return ",1,F"
			}
			return fmt.Sprintf("%d,%d,M", i%2, i%3%2)
		})},
		{name: "third value across columns", csv: "y,p,sex\n0,0,F\n0,1,M\n0,2,M\n"},
		{name: "labels need --pos-label", csv: "y,p,sex\na,b,F\nb,a,M\n"},
		{name: "score not a number late, then a ragged line", csv: rowsCSV(t, "y,p,s,sex", big, func(i int) string {
			switch i {
			case 2 * table.ChunkRows:
				return "1,1,high,F"
			case big - 2:
				return "1,1,0.5"
			}
			return fmt.Sprintf("%d,%d,0.5,F", i%2, i%3%2)
		})},
		{name: "score with a nan", csv: "y,p,s,sex\n1,0,0.5,F\n0,1,nan,M\n"},
		{name: "score with a gap", csv: "y,p,s,sex\n1,0,0.5,F\n0,1,,M\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			file := c.file
			if file == "" {
				file = "t.csv"
			}
			path := filepath.Join(t.TempDir(), file)
			if err := os.WriteFile(path, []byte(c.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			o := c.o
			o.YTrue, o.YPred = "y", "p"
			header := strings.SplitN(c.csv, "\n", 2)[0]
			if strings.HasPrefix(header, "{") {
				header = "y,p,sex"
			}
			cols := strings.Split(header, ",")
			if o.Sensitive == nil {
				for _, col := range cols[2:] {
					if col == "s" {
						o.YScore = "s"
						continue
					}
					o.Sensitive = append(o.Sensitive, col)
				}
			}
			compareLoads(t, path, o)
		})
	}
}

// compareLoads loads path by both paths and fails on any difference.
func compareLoads(t *testing.T, path string, o LoadOptions) {
	t.Helper()
	ds, errS := load(path, o, false)
	df, errF := load(path, o, true)
	if (errS == nil) != (errF == nil) || (errS != nil && errS.Error() != errF.Error()) {
		t.Fatalf("stream error %v\nframe error  %v", errS, errF)
	}
	if errS != nil {
		t.Logf("both: %v", errS)
		return
	}
	n := df.Rows()
	if ds.Rows() != n || outcomeText(ds) != outcomeText(df) ||
		scoreText(ds) != scoreText(df) || ds.Source != df.Source {
		t.Fatalf("labels, scores or source differ: %d vs %d rows, %+v vs %+v", ds.Rows(), n, ds.Source, df.Source)
	}
	for i := range df.Features {
		if a, b := featureRows(&ds.Features[i], n), featureRows(&df.Features[i], n); a != b {
			t.Fatalf("feature %d differs:\nstream %.300s\nframe  %.300s", i, a, b)
		}
	}
	for _, p := range []MissingPolicy{MissingAuto, MissingDrop, MissingGroup, MissingError} {
		if a, b := evalText(ds, p), evalText(df, p); a != b {
			t.Fatalf("policy %s: reports differ:\nstream %.600s\nframe  %.600s", p, a, b)
		}
	}
}

type pqPred struct {
	Y     int64    `parquet:"y"`
	P     int64    `parquet:"p"`
	Score float64  `parquet:"s"`
	Sex   *string  `parquet:"sex,optional"`
	Age   *float64 `parquet:"age,optional"`
}

// TestStreamMatchesFrameParquet: the same comparison on a Parquet file
// spanning several chunks, with nulls in both sensitive columns.
func TestStreamMatchesFrameParquet(t *testing.T) {
	t.Parallel()
	rows := make([]pqPred, 3*table.ChunkRows+5)
	for i := range rows {
		r := &rows[i]
		r.Y, r.P, r.Score = int64(i%2), int64(i/3%2), float64(i%100)/100
		if i%11 != 0 {
			s := []string{"F", "M"}[i%2]
			r.Sex = &s
		}
		if i%13 != 0 {
			a := float64(i % 40)
			r.Age = &a
		}
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "t.parquet")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	compareLoads(t, path, LoadOptions{YTrue: "y", YPred: "p", YScore: "s", Sensitive: []string{"sex", "age"}})
}

// TestStreamMatchesFrameParallel: the same comparison on a CSV file large
// enough (over 8 MiB) for the table reader to parse it on every core.
func TestStreamMatchesFrameParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 9 MB file")
	}
	t.Parallel()
	path := writePredictions(t, 350_000)
	if st, err := os.Stat(path); err != nil || st.Size() < 8<<20 {
		t.Fatalf("%v: the file must exceed 8 MiB", err)
	}
	compareLoads(t, path, predsOpts)
}
