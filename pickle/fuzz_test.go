package pickle

import (
	"bytes"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

func FuzzParse(f *testing.F) {
	seeds := [][]byte{
		[]byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."),
		[]byte("cos\nsystem\n(S'echo hi'\ntR."),
		[]byte("\x80\x02}q\x00X\x01\x00\x00\x00aq\x01K\x01s."),
		[]byte("S'os'\nS'system'\n\x93S'echo hi'\n\x85R."),
		asm.New(4).Framed(func(a *asm.Asm) { a.StackGlobal("pathlib", "os.system").Unicode("id").Tuple1().Reduce().Stop() }).Bytes(),
		asm.New(4).Unicode("os").BinPut(2).Pop().BinGet(2).Unicode("system").StackGlobalOp().Stop().Bytes(),
		asm.New(2).Ext1(1).Ext2(2).Ext4(3).Stop().Bytes(),
		asm.New(5).Frame(2).BinBytes([]byte("cos\nsystem\n")).Stop().Bytes(),
		append(asm.New(2).Int(1).Stop().Bytes(), asm.New(2).Call("os", "system", "id").Stop().Bytes()...),
		joblibSample(false, nil),
		legacyTorch(false, nil),
		floatList(3000),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o := Options{MaxOps: 100_000, MaxMemo: 10_000, MaxStack: 10_000, MaxResync: 4096}
		rep, err := Analyze(bytes.NewReader(b), o)
		if err != nil {
			t.Fatalf("Analyze on bytes failed: %v", err)
		}
		for _, s := range rep.Streams {
			if s.End < s.Offset || s.End > int64(len(b)) {
				t.Fatalf("stream bounds %d-%d of %d", s.Offset, s.End, len(b))
			}
			for _, c := range s.Calls {
				_ = c.Name()
				c.Argument()
			}
		}
		Probe(b, true)
	})
}
