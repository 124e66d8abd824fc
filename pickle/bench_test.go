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
