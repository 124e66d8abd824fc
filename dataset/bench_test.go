package dataset_test

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mlsec/mlsec/dataset"
	"github.com/mlsec/mlsec/internal/cputime"
)

// writeBenchCSV writes about mb MiB of UCI Adult's rows, each extended
// with an e-mail, a phone number and a free-text note, so every
// recognizer has work: the CSV a data scan meets in practice.
func writeBenchCSV(b *testing.B, mb int, withPII bool) (string, int64) {
	b.Helper()
	in, err := os.Open(adult)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	z, err := gzip.NewReader(in)
	if err != nil {
		b.Fatal(err)
	}
	sc := bufio.NewScanner(z)
	var rows []string
	for sc.Scan() {
		if sc.Text() != "" {
			rows = append(rows, sc.Text())
		}
	}
	p := filepath.Join(b.TempDir(), "bench.csv")
	f, _ := os.Create(p)
	w := bufio.NewWriter(f)
	if withPII {
		fmt.Fprintf(w, "%s,email,phone,note\n", rows[0])
	} else {
		fmt.Fprintf(w, "%s\n", rows[0])
	}
	var n int64
	for i := 0; n < int64(mb)<<20; i++ {
		var k int
		if withPII {
			k, _ = fmt.Fprintf(w, "%s,user%d@example.com,+1 415 555 %04d,customer called about order %d on Monday\n", rows[1+i%(len(rows)-1)], i, i%10000, i)
		} else {
			k, _ = fmt.Fprintf(w, "%s\n", rows[1+i%(len(rows)-1)])
		}
		n += int64(k)
	}
	w.Flush()
	f.Close()
	st, _ := os.Stat(p)
	return p, st.Size()
}

// BenchmarkScanCSV: MB/s of CSV with the full recognizer set, on UCI
// Adult's rows (numbers and categories) and on the same rows with an
// e-mail, a phone number and a note in every row (the worst case: each
// phone is validated with libphonenumber). bench/data.sh reports CPU
// seconds and peak RSS of the command.
func BenchmarkScanCSV(b *testing.B) {
	for _, withPII := range []bool{false, true} {
		b.Run(fmt.Sprintf("pii-every-row=%v", withPII), func(b *testing.B) {
			p, size := writeBenchCSV(b, 8, withPII)
			b.SetBytes(size)
			b.ResetTimer()
			cpu0 := cputime.Process()
			for range b.N {
				rep, err := dataset.Scan(b.Context(), p, dataset.Options{})
				if err != nil || len(rep.Errors()) > 0 || rep.Found() != withPII {
					b.Fatal(err, rep.Errors())
				}
			}
			// MB per CPU second: the figure that does not depend on
			// what else runs on the machine.
			b.ReportMetric(float64(size)*float64(b.N)/1e6/(cputime.Process()-cpu0).Seconds(), "MB/cpu-s")
		})
	}
}
