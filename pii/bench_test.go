package pii_test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlsec/mlsec/pii"
	"github.com/mlsec/mlsec/pii/internal/loggen"
)

// benchText is the generated inference-log set read as plain text: JSON
// lines with ids, timestamps, prompts and answers, dense with personal
// data (about one entity per 100 bytes) and decoys.
func benchText(b *testing.B) string {
	t, err := os.ReadFile(logsPath)
	if err != nil {
		b.Fatal(err)
	}
	return string(t)
}

// typicalText is a log in which 10% of the records carry personal data and
// the rest are ordinary traffic (loggen.GenerateMix), as in most
// inference logs.
func typicalText(b *testing.B) string {
	recs, _ := loggen.GenerateMix(99, 3000, logNames(b), 0.1)
	return string(recs)
}

// benchAnalyze analyses the log one line (one record) at a time, as a
// gateway or 'mlsec pii scan' does.
func benchAnalyze(b *testing.B, text string, opts ...pii.Option) {
	lines := strings.SplitAfter(text, "\n")
	a, err := pii.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	var dst []pii.Span
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		for _, l := range lines {
			dst = a.AppendSpans(dst[:0], l)
		}
	}
	reportCPURate(b, int64(len(text)), cpu0)
}

// cpuTime is the process's user and system CPU time. The machine that runs
// the benchmarks is shared, so wall-clock MB/s understates the rate per
// core when other work competes for it; MB/cpu-s (bytes over the CPU time
// this process used, garbage collection included) does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPURate(b *testing.B, bytesPerOp int64, cpu0 time.Duration) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(bytesPerOp)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
	}
}

// BenchmarkAnalyzePatterns is the rate of the pattern recognizers (every
// type but PERSON) per core, on typical log text and on the PII-dense
// generated set (every record has personal data).
func BenchmarkAnalyzePatterns(b *testing.B) {
	b.Run("typical", func(b *testing.B) { benchAnalyze(b, typicalText(b), pii.WithEntities(pii.PatternEntities...)) })
	b.Run("dense", func(b *testing.B) { benchAnalyze(b, benchText(b), pii.WithEntities(pii.PatternEntities...)) })
}

// BenchmarkAnalyzeFull is the rate with every recognizer, PERSON included.
func BenchmarkAnalyzeFull(b *testing.B) {
	b.Run("typical", func(b *testing.B) { benchAnalyze(b, typicalText(b)) })
	b.Run("dense", func(b *testing.B) { benchAnalyze(b, benchText(b)) })
}
