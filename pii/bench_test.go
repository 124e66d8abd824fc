package pii_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/cputime"
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
	cpu0 := cputime.Process()
	for b.Loop() {
		for _, l := range lines {
			dst = a.AppendSpans(dst[:0], l)
		}
	}
	reportCPURate(b, int64(len(text)), cpu0)
}

func reportCPURate(b *testing.B, bytesPerOp int64, cpu0 time.Duration) {
	if d := cputime.Process() - cpu0; d > 0 {
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

// gatewayBody is bench/gateway.sh's 1 KB KServe request: sixteen numbers,
// a name, an e-mail address, a phone number, a card number, a repeated
// note and padding.
var gatewayBody = func() []byte {
	s := `{"inputs": [{"name": "x", "shape": [4, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2, 6.7, 3.0, 5.2, 2.3, 5.9, 3.0, 4.2, 1.5, 6.3, 2.8, 5.1, 1.5]}], ` +
		`"parameters": {"customer": "Maria Schmidt", "email": "maria.schmidt@example.com", "phone": "+44 20 7946 0958", "card": "4111 1111 1111 1111", "note": "` +
		strings.Repeat("Please call me back about my order, I was charged twice last week. ", 8) + `"}}`
	return []byte(s[:len(s)-1] + `, "pad": "` + strings.Repeat("x", max(0, 1024-len(s)-11)) + `"}`)
}()

// BenchmarkRedactJSONGatewayBody is the redaction the gateway does per
// request body (every recognizer, replace operators): the CPU behind
// docs/gateway.md's per-request figures.
func BenchmarkRedactJSONGatewayBody(b *testing.B) {
	a, err := pii.New()
	if err != nil {
		b.Fatal(err)
	}
	r, err := pii.NewRedactor(a, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(gatewayBody)))
	for b.Loop() {
		out, res, err := r.RedactJSON(gatewayBody, nil)
		if err != nil || len(res.Spans) != 4 || bytes.Contains(out, []byte("Maria")) || bytes.Contains(out, []byte("4111")) {
			b.Fatalf("%v %d spans %s", err, len(res.Spans), out)
		}
	}
}
