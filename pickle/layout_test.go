package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// joblibSample writes what joblib.dump({"w": array}) writes (joblib >= 1.2,
// protocol 4): the wrapper, the raw array bytes outside any frame, the rest.
// payload, if set, runs after the array.
func joblibSample(object bool, payload func(*asm.Asm)) []byte {
	dt := "f8"
	if object {
		dt = "O8"
	}
	a := asm.New(4).Framed(func(a *asm.Asm) {
		a.EmptyDict().Memoize().Unicode("w").Memoize()
		a.StackGlobal("joblib.numpy_pickle", "NumpyArrayWrapper").Memoize().EmptyTuple().NewObj().Memoize()
		a.EmptyDict().Memoize().Mark()
		a.Unicode("subclass").StackGlobal("numpy", "ndarray")
		a.Unicode("shape").Int(2).Int(3).Tuple2()
		a.Unicode("order").Unicode("C")
		a.Unicode("dtype").StackGlobal("numpy", "dtype").Unicode(dt).Bool(false).Bool(true).Tuple3().Reduce().
			Mark().Int(3).Unicode("<").None().None().None().Int(-1).Int(-1).Int(0).Tuple().Build()
		a.Unicode("allow_mmap").Bool(!object)
		a.Unicode("numpy_array_alignment_bytes").Int(16)
		a.SetItems().Build()
	})
	if object {
		inner := asm.New(2).Mark()
		for i := 0; i < 6; i++ {
			inner.None()
		}
		a.Append(inner.List().Stop())
	} else {
		pad := 16 - (a.Len()+1)%16
		a.Raw(byte(pad)).Raw(bytes.Repeat([]byte{0xff}, pad)...)
		a.Raw(bytes.Repeat([]byte("\x80\x02cos\n"), 8)...) // 48 array bytes that look like opcodes
	}
	return a.Framed(func(a *asm.Asm) {
		a.SetItem()
		if payload != nil {
			payload(a)
		}
		a.Stop()
	}).Bytes()
}

var magicLE = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// legacyTorch writes torch.save's legacy layout: magic, protocol version,
// sys_info, the object (one FloatStorage of 4 elements), storage keys, raw
// storage. payload, if set, runs inside the object pickle.
func legacyTorch(computed bool, payload func(*asm.Asm)) []byte {
	var out []byte
	if computed {
		out = asm.New(2).Global("builtins", "eval").BinUnicode("0x1950a86a20f9469cfc6c").Tuple1().Reduce().Stop().Bytes()
	} else {
		out = asm.New(2).Long1(magicLE).Stop().Bytes()
	}
	out = append(out, asm.New(2).Int(1001).Stop().Bytes()...)
	out = append(out, asm.New(2).EmptyDict().BinUnicode("protocol_version").Int(1001).SetItem().Stop().Bytes()...)
	obj := asm.New(2).Global("collections", "OrderedDict").EmptyTuple().Reduce().BinUnicode("w").
		Global("torch._utils", "_rebuild_tensor_v2").Mark().
		Mark().BinUnicode("storage").Global("torch", "FloatStorage").BinUnicode("0").BinUnicode("cpu").Int(4).None().Tuple().BinPersID().
		Int(0).Int(4).Tuple1().Int(1).Tuple1().Bool(false).Global("collections", "OrderedDict").EmptyTuple().Reduce().Tuple().Reduce().SetItem()
	if payload != nil {
		payload(obj)
	}
	out = append(out, obj.Stop().Bytes()...)
	out = append(out, asm.New(2).Mark().BinUnicode("0").List().Stop().Bytes()...)
	out = binary.LittleEndian.AppendUint64(out, 4)
	return append(out, bytes.Repeat([]byte{'c'}, 16)...)
}

func system(a *asm.Asm) { a.Call("os", "system", "id").Pop() }

func TestJoblibInlineArrays(t *testing.T) {
	for _, object := range []bool{false, true} {
		rep := analyze(t, joblibSample(object, nil), Options{})
		if rep.Layout != LayoutJoblib || len(rep.Streams) != 1 || rep.Streams[0].Err != nil || rep.Trailing != nil {
			t.Fatalf("object=%v: layout %s streams %d err %v trailing %v", object, rep.Layout, len(rep.Streams), rep.Streams[0].Err, rep.Trailing)
		}
		if len(rep.Streams[0].Issues) != 0 || len(calls(rep)) != 2 {
			t.Errorf("object=%v: issues %v calls %v", object, rep.Streams[0].Issues, calls(rep))
		}
		rep = analyze(t, joblibSample(object, system), Options{})
		if _, ok := calls(rep)["os.system"]; !ok {
			t.Errorf("object=%v: payload after the array missed", object)
		}
	}
	// A shape the stream cannot back is a break, not a silent skip.
	b := joblibSample(false, nil)
	rep := analyze(t, b[:len(b)-30], Options{})
	if rep.Streams[0].Err == nil {
		t.Error("truncated array data not reported")
	}
}

func TestLegacyTorch(t *testing.T) {
	rep := analyze(t, legacyTorch(false, nil), Options{})
	if rep.Layout != LayoutTorchLegacy || len(rep.Streams) != 5 || !rep.TorchMagic.Literal || rep.Trailing != nil || rep.StorageBytes != 24 {
		t.Fatalf("layout %s streams %d magic %+v trailing %v storage %d", rep.Layout, len(rep.Streams), rep.TorchMagic, rep.Trailing, rep.StorageBytes)
	}
	rep = analyze(t, legacyTorch(false, system), Options{})
	if c, ok := calls(rep)["os.system"]; !ok || c.Offset < rep.Streams[3].Offset {
		t.Error("payload in the 4th pickle missed")
	}
	rep = analyze(t, legacyTorch(true, system), Options{})
	if rep.Layout != LayoutTorchLegacy || rep.TorchMagic == nil || rep.TorchMagic.Literal || len(rep.Streams) != 5 {
		t.Fatalf("computed magic: layout %s magic %+v streams %d", rep.Layout, rep.TorchMagic, len(rep.Streams))
	}
	if _, ok := calls(rep)["os.system"]; !ok {
		t.Error("payload after a computed magic missed")
	}
}

func TestStreamsAndJunk(t *testing.T) {
	benign := asm.New(2).Int(1).Stop().Bytes()
	evil := asm.New(4).Call("os", "system", "id").Stop().Bytes()
	p0 := asm.New(0).Call("os", "system", "id").Stop().Bytes()
	cases := []struct {
		name        string
		b           []byte
		streams     int
		junk        int
		trailing    bool
		wantPayload bool
	}{
		{"two streams", append(append([]byte{}, benign...), evil...), 2, 0, false, true},
		{"protocol 0 second stream", append(append([]byte{}, benign...), p0...), 2, 0, false, true},
		{"junk between", append(append(append([]byte{}, benign...), []byte("JUNK\x00\x01\x80garbage")...), evil...), 2, 1, false, true},
		{"trailing text", append(append([]byte{}, benign...), []byte("PK\x03\x04 not a pickle")...), 1, 0, true, false},
	}
	for _, c := range cases {
		rep := analyze(t, c.b, Options{})
		if len(rep.Streams) != c.streams || len(rep.Junk) != c.junk || (rep.Trailing != nil) != c.trailing {
			t.Errorf("%s: streams %d junk %v trailing %v", c.name, len(rep.Streams), rep.Junk, rep.Trailing)
		}
		if _, ok := calls(rep)["os.system"]; ok != c.wantPayload {
			t.Errorf("%s: payload found %v", c.name, ok)
		}
	}
}

// Frame boundary violations (fickling test_frame_boundary_* shapes).
func TestFrameViolations(t *testing.T) {
	hidden := asm.New(-1).Global("os", "system").Unicode("id").Tuple1().Reduce().Pop().Bytes()
	cases := map[string][]byte{
		"BINBYTES over-read":         asm.New(5).Frame(2).BinBytes(hidden).None().Stop().Bytes(),
		"SHORT_BINUNICODE straddles": asm.New(4).Frame(3).ShortBinUnicode("abcdef").Stop().Bytes(),
		"GLOBAL straddles":           asm.New(4).Frame(4).Global("os", "system").Stop().Bytes(),
		"BININT straddles":           asm.New(4).Frame(2).Raw('J', 1, 2, 3, 4).Stop().Bytes(),
		"frame inside frame":         asm.New(4).Frame(20).None().Frame(2).Pop().None().Stop().Bytes(),
	}
	for name, b := range cases {
		rep := analyze(t, b, Options{})
		if len(issues(rep, IssueFrame)) == 0 {
			t.Errorf("%s: no frame issue (%v)", name, rep.Streams[0].Issues)
		}
	}
	ok := asm.New(4).Framed(func(a *asm.Asm) { a.None() }).Framed(func(a *asm.Asm) { a.Stop() }).Bytes()
	if rep := analyze(t, ok, Options{}); len(rep.Streams[0].Issues) != 0 || rep.Streams[0].Err != nil {
		t.Errorf("well-framed stream flagged: %v %v", rep.Streams[0].Issues, rep.Streams[0].Err)
	}
}

func TestLimits(t *testing.T) {
	var le *LimitError
	// Memo GET fan-out: every GET shares the value, the op limit bounds it.
	fan := asm.New(4).EmptyList().Memoize()
	for i := 0; i < 2000; i++ {
		fan.BinGet(0)
	}
	rep := analyze(t, fan.Stop().Bytes(), Options{MaxOps: 1000})
	if !errors.As(rep.Streams[0].Err, &le) || le.Limit != "opcode count" {
		t.Errorf("ops limit: %v", rep.Streams[0].Err)
	}
	deep := asm.New(4)
	for i := 0; i < 5000; i++ {
		deep.Mark()
	}
	rep = analyze(t, deep.Stop().Bytes(), Options{MaxStack: 100})
	if !errors.As(rep.Streams[0].Err, &le) || le.Limit != "stack depth" {
		t.Errorf("stack limit: %v", rep.Streams[0].Err)
	}
	memo := asm.New(4).None()
	for i := 0; i < 200; i++ {
		memo.LongBinPut(uint32(i))
	}
	rep = analyze(t, memo.Stop().Bytes(), Options{MaxMemo: 100})
	if !errors.As(rep.Streams[0].Err, &le) || le.Limit != "memo size" {
		t.Errorf("memo limit: %v", rep.Streams[0].Err)
	}
}

// A payload after opcode 1,000,000 (where ModelAudit stops) is found
// with the default limits.
func TestPayloadAfterMillionOps(t *testing.T) {
	b := asm.New(4).EmptyList()
	for i := 0; i < 1100; i++ {
		b.Mark()
		for j := 0; j < 1000; j++ {
			b.None()
		}
		b.Appends()
	}
	b.Pop().Call("os", "system", "id").Stop()
	rep := analyze(t, b.Bytes(), Options{})
	if rep.Streams[0].Err != nil || rep.Streams[0].Ops < 1_100_000 {
		t.Fatalf("err %v ops %d", rep.Streams[0].Err, rep.Streams[0].Ops)
	}
	if _, ok := calls(rep)["os.system"]; !ok {
		t.Error("late payload missed")
	}
}

func TestLargePayloadsStream(t *testing.T) {
	big := bytes.Repeat([]byte("A"), 10<<20)
	b := asm.New(4).Global("pickle", "loads").BinBytes8(big).Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{})
	c := calls(rep)["pickle.loads"]
	a, _ := c.Argument()
	if len(a.Str) != 4096 || a.Len != 10<<20 || a.Offset() != int64(bytes.Index(b, big[:16])) {
		t.Errorf("payload kept %d of %d at %d", len(a.Str), a.Len, a.Offset())
	}
}

func TestProbe(t *testing.T) {
	pickles := map[string]string{
		"p0 call":      "cos\nsystem\n(S'echo hi'\ntR.",
		"p0 dict":      "(dp0\nS'a'\np1\nI1\ns.",
		"p1 list":      "]q\x00(K\x01K\x02e.",
		"p0 inst head": "(S'id'\nios\nsystem\n",
	}
	for name, s := range pickles {
		if !Probe([]byte(s), !strings.HasSuffix(name, "head")) {
			t.Errorf("%s not recognised", name)
		}
	}
	texts := map[string]string{
		"readme":  "# Model card\n\nThis model was trained on ...\n",
		"json":    `{"architectures": ["BertModel"], "hidden_size": 128}`,
		"yaml":    "model:\n  name: bert\n  layers: 2\n",
		"python":  "import os\nclass Model:\n    def forward(self, x):\n        return x\n",
		"config":  "cat\ndog\nfish\n",
		"note":    "N. B. this is a note\n",
		"vocab":   "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n",
		"csv":     "a,b,c\n1,2,3\n",
		"license": "Licensed under the Apache License, Version 2.0\n",
		"req":     "torch==2.1.0\nnumpy>=1.24\n",
		"int":     "I1\n",
	}
	for name, s := range texts {
		if Probe([]byte(s), true) {
			t.Errorf("%s mistaken for a pickle", name)
		}
	}
}
