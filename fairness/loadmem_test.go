package fairness

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// writePredictions writes an n-row CSV like bench/fairgen's: binary
// labels, a score and two text sensitive columns (2 and 5 values).
func writePredictions(tb testing.TB, n int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "preds.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "y_true,y_pred,score,sex,race")
	r := rand.New(rand.NewPCG(3, 1))
	sexes := []string{"Female", "Male"}
	races := []string{"White", "Black", "Asian", "Other", "Native"}
	for range n {
		sc := r.Float64()
		yt := 0
		if r.Float64() < sc {
			yt = 1
		}
		yp := 0
		if sc > 0.5 {
			yp = 1
		}
		fmt.Fprintf(w, "%d,%d,%.6f,%s,%s\n", yt, yp, sc, sexes[r.IntN(2)], races[r.IntN(5)])
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

var predsOpts = LoadOptions{YTrue: "y_true", YPred: "y_pred", YScore: "score", Sensitive: []string{"sex", "race"}}

// retainedPerRow loads path and returns the heap bytes per row that the
// loaded Data keeps alive (live heap after GC, with and without it).
func retainedPerRow(tb testing.TB, path string, rows int) float64 {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := Load(path, predsOpts)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if d.Rows() != rows {
		tb.Fatalf("loaded %d rows, want %d", d.Rows(), rows)
	}
	runtime.KeepAlive(d)
	return (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(rows)
}

// TestLoadRetainedPerRow guards the compact columns: a loaded row keeps
// its score as a 4-byte decimal mantissa (the scores here have 6 places),
// its true label and prediction in two bits, and one byte per text
// sensitive column: 6.25 bytes here (6.85 measured, with the 5% spare of
// the size estimate). Keeping the labels as two booleans measures 8.65,
// the scores as float64 12.6, the table reader's 4-byte codes for the
// sensitive columns 19; the bound of 8 fails for each.
// Not parallel: parallel tests wait until it is done, so the heap it
// measures is its own.
func TestLoadRetainedPerRow(t *testing.T) {
	const rows = 200_000
	path := writePredictions(t, rows)
	got := retainedPerRow(t, path, rows)
	t.Logf("retained %.2f bytes per row", got)
	if got > 8 {
		t.Fatalf("Load keeps %.2f bytes per row of a 5-column table, want at most 8 (score 4, labels 1/4, sensitive 1 each)", got)
	}
	if got < 5 {
		t.Fatalf("Load keeps %.2f bytes per row, less than the columns themselves: the measurement is broken", got)
	}
}

// peakPerRow loads path with the command's collector setting (GOGC 25)
// and returns the largest heap in use while loading, over what was in use
// before, per row: what Data keeps plus the chunks in flight and the
// garbage the collector has not yet reclaimed. runtime/metrics is sampled
// every 100µs (it does not stop the world).
func peakPerRow(tb testing.TB, path string, rows int) float64 {
	tb.Helper()
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	inUse := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64() + sample[1].Value.Uint64()
	}
	runtime.GC()
	base := inUse()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for {
			if v := inUse(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	d, err := Load(path, predsOpts)
	close(stop)
	<-done
	if err != nil {
		tb.Fatal(err)
	}
	if d.Rows() != rows {
		tb.Fatalf("loaded %d rows, want %d", d.Rows(), rows)
	}
	runtime.KeepAlive(d)
	return (float64(peak.Load()) - float64(base)) / float64(rows)
}

// TestLoadPeakPerRow pins the heap peak of the load: 400,000 rows (10 MB,
// so the CSV is parsed on every core when there are several) peak at
// 20.5 bytes a row, the 6.85 the result keeps plus the chunks in flight
// and uncollected garbage. Building the whole frame first, as Load did
// before streaming (loadFrame), peaks at 52; the bound of 30 fails then
// and leaves room for the collector's timing. Not parallel, as above.
func TestLoadPeakPerRow(t *testing.T) {
	const rows = 400_000
	path := writePredictions(t, rows)
	got := peakPerRow(t, path, rows)
	t.Logf("heap peak %.2f bytes per row while loading", got)
	if got > 30 {
		t.Fatalf("Load peaks at %.2f heap bytes per row, want at most 30", got)
	}
}

// BenchmarkLoad200k is the load path (CSV to Data) on 200,000 rows;
// with -benchmem, B/op over 200,000 is the bytes allocated per row, and
// retained-B/row what the result keeps.
func BenchmarkLoad200k(b *testing.B) {
	const rows = 200_000
	path := writePredictions(b, rows)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path, predsOpts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(retainedPerRow(b, path, rows), "retained-B/row")
	b.ReportMetric(peakPerRow(b, path, rows), "peak-B/row")
}
