package scan

// Acceptance-audit tests (issue 2). Each test states one acceptance point
// and checks it through the public Scanner API on bytes crafted here; no
// payload is ever executed. A failing test is a reproduced defect.

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func auditScan(t *testing.T, paths ...string) *Report {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := s.Scan(ctx, paths...)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func auditHas(rep *Report, rule string, min Severity) bool {
	for _, f := range rep.Findings {
		if (rule == "" || f.RuleID == rule) && f.Severity >= min {
			return true
		}
	}
	return false
}

// A protocol-0 pickle (no \x80 magic) that spends its first 4 KiB on benign
// opcodes and only then imports os.system: pickle.load runs it whole.
func auditLongP0() []byte {
	var b bytes.Buffer
	b.WriteString("(lp0\n")
	for i := 0; i < 3000; i++ {
		b.WriteString("I1\na")
	}
	b.WriteString("0cos\nsystem\n(S'echo hi'\ntR.")
	return b.Bytes()
}

// Acceptance point 1/5: content detection, scan every file whatever its name;
// a file that cannot be fully analysed is never a silent pass.
func TestAuditProtocol0PickleWithLongBenignPrefix(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"model.pkl", "notes.txt", "pytorch_model.bin"} {
		p := writeFile(t, dir, name, auditLongP0())
		rep := auditScan(t, p)
		if !auditHas(rep, "PKL001", SeverityCritical) {
			t.Errorf("%s: protocol-0 pickle with os.system after 12 KB of benign opcodes: want PKL001, got files=%+v findings=%+v",
				name, rep.Files, rep.Findings)
		}
	}
}

// Acceptance point 2: PyTorch ZIP checkpoints, every member analysed.
// torch.load unpickles archive/data.pkl whatever its protocol.
func TestAuditTorchZipDataPklProtocol0(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string][]byte{"archive/data.pkl": auditLongP0(), "archive/version": []byte("3\n")} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, t.TempDir(), "model.pt", buf.Bytes())
	rep := auditScan(t, p)
	if !auditHas(rep, "PKL001", SeverityCritical) {
		t.Errorf("torch zip whose data.pkl is a protocol-0 pickle: want PKL001, got files=%+v findings=%+v", rep.Files, rep.Findings)
	}
}

// Acceptance points 2 and 9: junk between concatenated pickles; limits are
// findings when hit, never a silent truncation.
func TestAuditResyncLimitIsAFinding(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("\x80\x04N.")
	b.Write(bytes.Repeat([]byte{0xff}, 2<<20))
	b.WriteString("\x80\x04cos\nsystem\nX\x07\x00\x00\x00echo hi\x85R.")
	p := writeFile(t, t.TempDir(), "multi.pkl", b.Bytes())
	rep := auditScan(t, p)
	if !auditHas(rep, "", SeverityMedium) {
		t.Errorf("payload stream after 2 MiB of junk: want PKL001 or a limit finding >= medium, got %+v", rep.Findings)
	}
}

// Acceptance point 9: symlinks are never followed out of the root, but a
// PATH argument that is itself a link to a folder must still be scanned (or
// be an error), never a silent pass.
func TestAuditSymlinkedFolderArgument(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	writeFile(t, real, "evil.pkl", []byte("\x80\x02cos\nsystem\nX\x07\x00\x00\x00echo hi\x85R."))
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	rep := auditScan(t, link)
	if !auditHas(rep, "", SeverityMedium) {
		t.Errorf("scan of a symlink to a folder holding a malicious pickle: want a finding >= medium, got files=%+v findings=%+v",
			rep.Files, rep.Findings)
	}
}

// Acceptance point 9: no hang on any input. A named pipe given as PATH.
func TestAuditFIFOArgumentDoesNotHang(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe.pkl")
	if err := mkfifo(p); err != nil {
		t.Skip(err)
	}
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_, _ = s.Scan(ctx, p)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		// Unblock the reader so the goroutine can end.
		if f, err := os.OpenFile(p, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Error("scan of a FIFO given as PATH did not return within 10 s (context deadline 3 s)")
	}
}

// Acceptance point 4: ordinary models made by scikit-learn produce no
// finding. KNeighborsClassifier (KDTree / DistanceMetric) pickles call the
// Cython helpers below through REDUCE (scikit-learn 1.2, Debian bookworm).
func TestAuditSklearnNeighborsAllowlisted(t *testing.T) {
	for _, mod := range []string{
		"sklearn.neighbors._kd_tree",
		"sklearn.neighbors._ball_tree",
		"sklearn.metrics._dist_metrics",
	} {
		// GLOBAL mod newObj, GLOBAL KDTree, TUPLE1, REDUCE: newObj(KDTree)
		pkl := []byte("\x80\x02c" + mod + "\nnewObj\ncsklearn.neighbors._kd_tree\nKDTree\n\x85R.")
		p := writeFile(t, t.TempDir(), "knn.pkl", pkl)
		rep := auditScan(t, p)
		for _, f := range rep.Findings {
			if f.Severity >= SeverityMedium && strings.Contains(f.Callable, "newObj") {
				t.Errorf("%s.newObj: benign sklearn helper reported: %s %s %s", mod, f.RuleID, f.Severity, f.Message)
			}
		}
	}
}

// Speed and memory: peak RSS below 100 MB whatever the input size. A
// memo-heavy pickle (what pickle.dumps writes for a dict of 300,000 small
// lists; about 15 MB) must scan within that budget.
func TestAuditMemoHeavyPickleMemory(t *testing.T) {
	le32 := func(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }
	var b bytes.Buffer
	memo := uint32(0)
	put := func() { b.WriteByte('r'); b.Write(le32(memo)); memo++ }
	str := func(s string) { b.WriteByte('X'); b.Write(le32(uint32(len(s)))); b.WriteString(s); put() }
	b.WriteString("\x80\x02}")
	put()
	for i := 0; i < 300_000; i++ {
		str("k" + strconv.Itoa(i))
		b.WriteByte(']')
		put()
		b.WriteByte('(')
		b.WriteByte('J')
		b.Write(le32(uint32(i)))
		str("v" + strconv.Itoa(i))
		b.WriteByte('J')
		b.Write(le32(uint32(i)))
		b.WriteByte('J')
		b.Write(le32(uint32(i + 1)))
		b.WriteByte(0x86) // TUPLE2
		put()
		b.WriteString("es") // APPENDS, SETITEM
	}
	b.WriteByte('.')
	p := writeFile(t, t.TempDir(), "dict.pkl", b.Bytes())
	runtime.GC()
	var peak uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak {
				peak = ms.HeapInuse
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	rep := auditScan(t, p)
	close(stop)
	<-done
	t.Logf("input %d bytes, peak heap in use %d MB, findings %d", b.Len(), peak>>20, len(rep.Findings))
	if peak > 100<<20 {
		t.Errorf("peak heap %d MB scanning a %d-byte benign pickle; the budget is 100 MB RSS", peak>>20, b.Len())
	}
}
