package table

import (
	"encoding/csv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/cputime"
)

// loopCPU runs body b.N times (b.Loop) and reports MB/cpu-s for size bytes
// per iteration.
func loopCPU(b *testing.B, size int64, body func()) {
	b.SetBytes(size)
	b.ReportAllocs()
	start, n := cputime.Process(), 0
	for b.Loop() {
		body()
		n++
	}
	if d := cputime.Process() - start; d > 0 {
		b.ReportMetric(float64(size)*float64(n)/1e6/d.Seconds(), "MB/cpu-s")
	}
}

// numericCSV writes rows×cols of numbers the way pandas' to_csv writes
// them: integers, and floats with up to 17 significant digits.
func numericCSV(tb testing.TB, rows, cols int) (string, int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for c := range cols {
		if c > 0 {
			b.WriteByte(',')
		}
		b.WriteString("c" + strconv.Itoa(c))
	}
	b.WriteByte('\n')
	buf := make([]byte, 0, 32)
	for range rows {
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			switch c % 4 {
			case 0:
				buf = strconv.AppendInt(buf[:0], int64(r.IntN(100)), 10)
			case 1:
				buf = strconv.AppendInt(buf[:0], int64(r.IntN(1000000)), 10)
			case 2:
				buf = strconv.AppendFloat(buf[:0], float64(r.IntN(100000))/1000, 'f', -1, 64)
			default:
				buf = strconv.AppendFloat(buf[:0], r.Float64(), 'g', -1, 64)
			}
			b.Write(buf)
		}
		b.WriteByte('\n')
	}
	p := filepath.Join(tb.TempDir(), "n.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p, int64(b.Len())
}

// BenchmarkReadFrameNumericCSV is the speed goal: MB/s of numeric CSV
// parsed into a Frame (README: at least 150 MB/s per core).
func BenchmarkReadFrameNumericCSV(b *testing.B) {
	p, size := numericCSV(b, 200000, 12)
	loopCPU(b, size, func() {
		fr, err := ReadFrame(p, Options{})
		if err != nil || fr.Rows != 200000 {
			b.Fatal(err)
		}
	})
}

func BenchmarkReaderNextNumericCSV(b *testing.B) {
	p, size := numericCSV(b, 200000, 12)
	loopCPU(b, size, func() {
		rd, err := Open(p, Options{ReuseRow: true})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := rd.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		rd.Close()
	})
}

func BenchmarkReadFrameJSONL(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	for range 100000 {
		sb.WriteString(`{"age":` + strconv.Itoa(r.IntN(90)) + `,"score":` + strconv.FormatFloat(r.Float64(), 'g', -1, 64) +
			`,"sex":"` + []string{"Female", "Male"}[r.IntN(2)] + `","label":` + strconv.FormatBool(r.IntN(2) == 0) + "}\n")
	}
	p := filepath.Join(b.TempDir(), "j.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	loopCPU(b, int64(sb.Len()), func() {
		if _, err := ReadFrame(p, Options{}); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkParseNumber(b *testing.B) {
	in := [][]byte{[]byte("42"), []byte("123456"), []byte("12.345"), []byte("0.8444218515250481")}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			if _, _, ok := parseNumber(s); !ok {
				b.Fatal("not a number")
			}
		}
	}
}

// BenchmarkEncodingCSVBaseline is what encoding/csv (ReuseRecord) plus
// strconv.ParseFloat does on the same data, the reason for our parser
// (doc.go).
func BenchmarkEncodingCSVBaseline(b *testing.B) {
	p, size := numericCSV(b, 200000, 12)
	loopCPU(b, size, func() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.ReuseRecord = true
		cols := make([][]float64, 12)
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			for i, s := range rec {
				v, _ := strconv.ParseFloat(s, 64)
				cols[i] = append(cols[i], v)
			}
		}
	})
}

// genCSV is an io.Reader producing a CSV of rows rows without holding it.
type genCSV struct {
	rows, i int
	buf     []byte
}

func (g *genCSV) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.i <= g.rows {
		if g.i == 0 {
			g.buf = append(g.buf, "id,score,group,text\n"...)
		} else {
			g.buf = strconv.AppendInt(g.buf, int64(g.i), 10)
			g.buf = append(g.buf, ',')
			g.buf = strconv.AppendFloat(g.buf, float64(g.i%1000)/7, 'g', -1, 64)
			g.buf = append(g.buf, ",g"...)
			g.buf = strconv.AppendInt(g.buf, int64(g.i%50), 10)
			g.buf = append(g.buf, ",\"some text, with a comma and \"\"quotes\"\"\"\n"...)
		}
		g.i++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

// BenchmarkReaderStreamMemory streams about 130 MB of CSV through Next and
// reports the peak heap in use: it stays a few MB whatever the input size.
func BenchmarkReaderStreamMemory(b *testing.B) {
	const rows = 2_000_000
	var peak uint64
	var ms runtime.MemStats
	for b.Loop() {
		runtime.GC()
		rd, err := NewReader(&genCSV{rows: rows}, "gen.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if n++; n%200_000 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

type benchPQ struct {
	YTrue  int64   `parquet:"y_true"`
	YPred  int64   `parquet:"y_pred"`
	Score  float64 `parquet:"score"`
	Sex    string  `parquet:"sex,string,dict"`
	Race   string  `parquet:"race,string,dict"`
	Amount float64 `parquet:"amount"`
}

// BenchmarkReadFrameParquet loads 1,000,000 rows of a predictions table
// (the fairness input's shape) from Parquet; it reports rows per CPU-second.
func BenchmarkReadFrameParquet(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	rows := make([]benchPQ, 1_000_000)
	for i := range rows {
		rows[i] = benchPQ{YTrue: int64(r.IntN(2)), YPred: int64(r.IntN(2)), Score: r.Float64(),
			Sex: []string{"Female", "Male"}[r.IntN(2)], Race: []string{"White", "Black", "Asian-Pac-Islander", "Other"}[r.IntN(4)],
			Amount: float64(r.IntN(100000)) / 100}
	}
	p := filepath.Join(b.TempDir(), "p.parquet")
	writeParquet(b, p, rows)
	b.ReportAllocs()
	start, n := cputime.Process(), 0
	for b.Loop() {
		fr, err := ReadFrame(p, Options{})
		if err != nil || fr.Rows != len(rows) {
			b.Fatal(err)
		}
		n++
	}
	if d := cputime.Process() - start; d > 0 {
		b.ReportMetric(float64(len(rows))*float64(n)/d.Seconds()/1e6, "Mrows/cpu-s")
	}
}

// BenchmarkReadChunksMixedCSV reads bench/drift.sh's shape (8 floats with
// 4 decimals, 4 small integers, 8 categories of 4 to 11 values) with
// pandas' null markers, as mlsec drift does, through ReadChunks.
func BenchmarkReadChunksMixedCSV(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	var sb strings.Builder
	sb.WriteString("f0,f1,f2,f3,f4,f5,f6,f7,age,hours,kids,flag,c0,c1,c2,c3,c4,c5,c6,c7\n")
	for range 200_000 {
		for i := range 8 {
			sb.WriteString(strconv.FormatFloat(float64(10*i)+float64(2+i)*r.NormFloat64(), 'f', 4, 64))
			sb.WriteByte(',')
		}
		for _, hi := range []int{72, 98, 5, 2} {
			sb.WriteString(strconv.Itoa(r.IntN(hi)))
			sb.WriteByte(',')
		}
		for i := range 8 {
			sb.WriteString("cat" + strconv.Itoa(r.IntN(4+i)))
			if i < 7 {
				sb.WriteByte(',')
			}
		}
		sb.WriteByte('\n')
	}
	p := filepath.Join(b.TempDir(), "mixed.csv")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	opt := Options{NullValues: PandasNullValues}
	loopCPU(b, int64(sb.Len()), func() {
		if err := ReadChunks(p, opt, func(*Frame, int64) error { return nil }); err != nil {
			b.Fatal(err)
		}
	})
}
