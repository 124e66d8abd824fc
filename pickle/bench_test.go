package pickle

import (
	"bytes"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// floatList builds what pickle.dumps([float]*n, protocol=4) writes: a
// list filled by APPENDS batches of 1000 BINFLOATs, in 64 KiB frames.
func floatList(n int) []byte {
	out := asm.New(4)
	frame := asm.New(-1).EmptyList().Memoize()
	for i := 0; i < n; i += 1000 {
		frame.Mark()
		for j := i; j < n && j < i+1000; j++ {
			frame.BinFloat(float64(j) + 0.5)
		}
		frame.Appends()
		if frame.Len() >= 64<<10 { // the framer commits at opcode boundaries
			out.Frame(uint64(frame.Len())).Append(frame)
			frame = asm.New(-1)
		}
	}
	frame.Stop()
	return out.Frame(uint64(frame.Len())).Append(frame).Bytes()
}

// BenchmarkScanLargePickle: 2,000,000 floats, about 18 MB and 2M opcodes.
func BenchmarkScanLargePickle(b *testing.B) {
	data := floatList(2_000_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Analyze(bytes.NewReader(data), Options{})
		if err != nil || rep.Streams[0].Err != nil || rep.Streams[0].Value.Len != 2_000_000 {
			b.Fatalf("err %v %v len %d", err, rep.Streams[0].Err, rep.Streams[0].Value.Len)
		}
	}
}

// deepList is what pickle.dumps of a million-deep nested list would write
// if the pickler did not stop at the recursion limit: EMPTY_LIST and
// LONG_BINPUT a million times, then a million APPENDs (the sample of
// issue 9, R4, which took 281 MB before the stack was chunked and deep
// values stopped holding what they contain).
func deepList(n int) []byte {
	out := asm.New(2)
	for i := 0; i < n; i++ {
		out.EmptyList().LongBinPut(uint32(i))
	}
	for i := 0; i < n-1; i++ {
		out.AppendOp()
	}
	return out.Stop().Bytes()
}

// BenchmarkDeepNesting: a million-deep list. Its B/op is the memory the
// analysis allocates in all (equal values on the stack are stored once);
// bench/limits.sh measures the peak RSS of `mlsec scan` on the same shape.
func BenchmarkDeepNesting(b *testing.B) {
	data := deepList(1_000_000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Analyze(bytes.NewReader(data), Options{})
		if err != nil || len(issues(rep, IssueNesting)) != 1 {
			b.Fatalf("err %v, nesting issues %v", err, issues(rep, IssueNesting))
		}
	}
}
