package pickle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	asm "github.com/mlsec/mlsec/internal/pickleasm"
)

// bigDict is what pickle.dumps({'k%d' % i: [i, 'v%d' % i, (i, i+1)] for
// i in range(n)}, protocol=2) writes: four memo entries per item.
func bigDict(n int) []byte {
	memo := uint32(0)
	a := asm.New(2).EmptyDict().LongBinPut(memo)
	put := func() { memo++; a.LongBinPut(memo) }
	for i := 0; i < n; i++ {
		a.BinUnicode("k" + strconv.Itoa(i))
		put()
		a.EmptyList()
		put()
		a.Mark().Int(int64(i)).BinUnicode("v" + strconv.Itoa(i))
		put()
		a.Int(int64(i)).Int(int64(i + 1)).Tuple2()
		put()
		a.Appends().SetItem()
	}
	return a.Stop().Bytes()
}

// D5: a benign pickle with millions of memo entries is analysed in
// bounded memory, with no limit hit and nothing to report.
func TestMemoHeavyBoundedMemory(t *testing.T) {
	n := 1_500_000
	if testing.Short() {
		n = 300_000
	}
	// From a file, so the input is not on the heap (it would set the GC
	// pace and hide what the analysis holds).
	path := filepath.Join(t.TempDir(), "dict.pkl")
	if err := os.WriteFile(path, bigDict(n), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := peakHeap(func() {
		rep, err := Analyze(f, Options{})
		if err != nil {
			t.Fatal(err)
		}
		st := rep.Streams[0]
		if st.Err != nil || len(st.Imports) != 0 || len(st.Issues) != 0 || st.Value.Kind != KindDict || st.Value.Len != int64(2*n) {
			t.Fatalf("err %v imports %v issues %v value %v len %d", st.Err, st.Imports, st.Issues, st.Value.Kind, st.Value.Len)
		}
	})
	runtime.ReadMemStats(&after)
	grew := int64(peak) - int64(before.HeapInuse)
	t.Logf("input %d MB, %d memo entries: heap grew by %d MB at peak, %d MB allocated in all",
		fi.Size()>>20, 4*n+1, grew>>20, (after.TotalAlloc-before.TotalAlloc)>>20)
	if grew > 64<<20 {
		t.Errorf("analysis grew the heap by %d MB", grew>>20)
	}
}

// peakHeap runs f, sampling HeapInuse every millisecond.
func peakHeap(f func()) uint64 {
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak
}

// Past the retained entries, a GET of an object used as a callable or as
// STACK_GLOBAL names is reported as unresolved, never silently resolved
// or dropped; globals and short strings stay precise.
func TestMemoBeyondRetained(t *testing.T) {
	fill := func(a *asm.Asm) *asm.Asm {
		for i := 0; i < preciseMemo+10; i++ {
			a.EmptyList().Memoize().Pop()
		}
		return a
	}
	far := uint32(preciseMemo + 100)
	// A global stored far away is still resolved.
	b := fill(asm.New(4)).Global("os", "system").LongBinPut(far).Pop().
		LongBinGet(far).Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{})
	if _, ok := calls(rep)["os.system"]; !ok || rep.Streams[0].Err != nil {
		t.Errorf("far global: calls %v err %v", calls(rep), rep.Streams[0].Err)
	}
	// Short strings for STACK_GLOBAL too.
	b = fill(asm.New(4)).Unicode("os").LongBinPut(far).Pop().Unicode("system").LongBinPut(far + 1).Pop().
		LongBinGet(far).LongBinGet(far + 1).StackGlobalOp().Stop().Bytes()
	rep = analyze(t, b, Options{})
	if _, ok := imports(rep)["os.system"]; !ok {
		t.Errorf("far strings: imports %v", imports(rep))
	}
	// A list (not retained) used as a callable: unresolved.
	b = fill(asm.New(4)).EmptyList().LongBinPut(far).Pop().
		LongBinGet(far).Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep = analyze(t, b, Options{})
	if len(issues(rep, IssueUnresolved)) != 1 {
		t.Errorf("REDUCE on an unretained entry: issues %v", rep.Streams[0].Issues)
	}
	// ... or as STACK_GLOBAL operands.
	b = fill(asm.New(4)).EmptyList().LongBinPut(far).Pop().
		LongBinGet(far).LongBinGet(far).StackGlobalOp().Stop().Bytes()
	rep = analyze(t, b, Options{})
	if len(issues(rep, IssueUnresolved)) != 1 {
		t.Errorf("STACK_GLOBAL on unretained entries: issues %v", rep.Streams[0].Issues)
	}
	// ... or as a BUILD target.
	b = fill(asm.New(4)).EmptyList().LongBinPut(far).Pop().
		LongBinGet(far).EmptyDict().Build().Stop().Bytes()
	rep = analyze(t, b, Options{})
	if len(issues(rep, IssueUnresolved)) != 1 {
		t.Errorf("BUILD on an unretained entry: issues %v", rep.Streams[0].Issues)
	}
	// Overwriting a far global with an unretained value never reads back
	// the stale global.
	b = fill(asm.New(4)).Global("builtins", "len").LongBinPut(far).Pop().
		EmptyList().LongBinPut(far).Pop().
		LongBinGet(far).Unicode("id").Tuple1().Reduce().Stop().Bytes()
	rep = analyze(t, b, Options{})
	if _, ok := calls(rep)["builtins.len"]; ok || len(issues(rep, IssueUnresolved)) != 1 {
		t.Errorf("stale far value: calls %v issues %v", calls(rep), rep.Streams[0].Issues)
	}
	// A GET of a never-stored far index is still a miss.
	b = fill(asm.New(4)).LongBinGet(far).Stop().Bytes()
	rep = analyze(t, b, Options{})
	if len(issues(rep, IssueMemoMiss)) != 1 {
		t.Errorf("far miss: issues %v", rep.Streams[0].Issues)
	}
	// Indices past MaxMemo are a limit, whatever the count.
	b = asm.New(4).None().LongBinPut(1 << 20).Stop().Bytes()
	rep = analyze(t, b, Options{MaxMemo: 1 << 20})
	var le *LimitError
	if !errors.As(rep.Streams[0].Err, &le) || le.Limit != "memo size" {
		t.Errorf("memo index limit: %v", rep.Streams[0].Err)
	}
}

// Long strings beyond the kept-bytes budget keep only a short prefix.
func TestStringBudget(t *testing.T) {
	long := bytes.Repeat([]byte("x"), 4096)
	a := asm.New(4).Mark()
	for i := 0; i < strBudget/4096+10; i++ {
		a.BinBytes(long)
	}
	b := a.List().Pop().Global("os", "system").BinBytes(long).Tuple1().Reduce().Stop().Bytes()
	rep := analyze(t, b, Options{MaxStack: 1 << 20})
	c := calls(rep)["os.system"]
	if c == nil {
		t.Fatal("call lost")
	}
	if a, _ := c.Argument(); len(a.Str) != farStringMax || a.Len != 4096 {
		t.Errorf("argument kept %d of %d bytes", len(a.Str), a.Len)
	}
}
