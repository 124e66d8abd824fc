package scan

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mlsec/mlsec/internal/benchzip"
)

// TestBombSharedBudget: a 42.zip-style bomb (here 16 x 16 x 256 MiB) stops
// at the first limit of the whole file's budget: one ARC003, and the other
// 255 members are never inflated.
func TestBombSharedBudget(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	p := writeFile(t, t.TempDir(), "bomb.zip", benchzip.Bomb42(16, 256))
	s, _ := New(Options{TempDir: tmp})
	rep, err := s.Scan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.RuleID == "ARC003" {
			n++
		}
	}
	if n != 1 || rep.Files[0].Status != StatusError {
		t.Fatalf("want exactly one ARC003 and an errored file:%s", dump(rep))
	}
	if m := rep.Files[0].Members; m > 3 {
		t.Errorf("%d members analysed after the first limit, want the file stopped", m)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("spool files left behind: %v", left)
	}
}

// TestNestedBudgetIsShared: every level of nesting counts against one
// budget: three levels of 12 MiB each exceed a 32 MiB file budget although
// each stream alone is under it.
func TestNestedBudgetIsShared(t *testing.T) {
	t.Parallel()
	inner := benchzip.ZerosMember("a.dat", 12, true)
	mid := arcZip(t, arcMember{name: "inner.zip", data: string(inner), method: 8},
		arcMember{name: "b.dat", data: strings.Repeat("\x00", 12<<20), method: 8})
	outer := arcZip(t, arcMember{name: "mid.zip", data: string(mid), method: 8},
		arcMember{name: "c.dat", data: strings.Repeat("\x00", 12<<20), method: 8})
	lim := DefaultLimits()
	lim.MaxExpandedBytes, lim.MaxRatio = 32<<20, 0 // the size budget alone
	rep := arcScan(t, &lim, "nested.zip", outer)
	f := findRule(rep, "ARC003", "")
	if f == nil || !strings.Contains(f.Message, "in all") {
		t.Fatalf("no file-level MaxExpandedBytes ARC003:%s", dump(rep))
	}
}

// TestZerosNamedDataPkl: issue 9, R3. A member named data.pkl that is 64
// MiB of zeros at about 200:1 (under the bomb ratio) is not a pickle
// (FMT003) and its ratio is noted (ARC008).
func TestZerosNamedDataPkl(t *testing.T) {
	t.Parallel()
	rep := arcScan(t, nil, "model.zip", benchzip.ZerosMember("data.pkl", 64, true))
	if f := findRule(rep, "FMT003", ""); f == nil || f.Member != "data.pkl" || f.Severity != SeverityMedium {
		t.Fatalf("no FMT003 on data.pkl:%s", dump(rep))
	}
	if f := findRule(rep, "ARC008", ""); f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, ":1") {
		t.Fatalf("no ARC008 note:%s", dump(rep))
	}
	if findRule(rep, "ARC003", "") != nil {
		t.Fatalf("a 200:1 member is not a bomb:%s", dump(rep))
	}
}

// TestSpoolFilesNeverOutliveTheProcess: spool files are unlinked when
// created, so a scan killed by SIGTERM (or kill -9) leaves none. The child
// is this test binary scanning a slow gzip stream.
func TestSpoolFilesNeverOutliveTheProcess(t *testing.T) {
	if dir := os.Getenv("SPOOL_CHILD_DIR"); dir != "" {
		s, _ := New(Options{TempDir: dir, Limits: Limits{MaxDepth: 8, MaxEntries: 10, MaxExpandedBytes: 1 << 40,
			MaxRatio: 1e9, RatioGrace: 1 << 40, MaxPickleOps: 1, MaxPickleMemo: 1, MaxPickleStack: 1, MaxPickleNesting: 1,
			MaxJSONBytes: 1, InMemoryBytes: 1 << 10}})
		s.Scan(context.Background(), os.Getenv("SPOOL_CHILD_FILE"))
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	spoolDir := t.TempDir()
	// 8 GiB of zeros as a gzip stream: the child spools it for far longer
	// than the test waits.
	gz := writeFile(t, t.TempDir(), "big.gz", benchzip.GzipZeros(8<<10))
	cmd := exec.Command(os.Args[0], "-test.run=TestSpoolFilesNeverOutliveTheProcess")
	cmd.Env = append(os.Environ(), "SPOOL_CHILD_DIR="+spoolDir, "SPOOL_CHILD_FILE="+gz)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the child holds a spool file, then kill it. On Linux the
	// open file shows as "(deleted)" in /proc: created, then unlinked.
	deadline := time.Now().Add(20 * time.Second)
	for !holdsDeletedFile(cmd.Process.Pid, spoolDir) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the child never opened a spool file")
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	if left, _ := os.ReadDir(spoolDir); len(left) != 0 {
		t.Fatalf("spool files left behind after SIGTERM: %v", left)
	}
}

// holdsDeletedFile reports whether process pid has a file of dir open that
// has already been unlinked (always true where /proc does not exist).
func holdsDeletedFile(pid int, dir string) bool {
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		return runtime.GOOS != "linux"
	}
	for _, fd := range fds {
		t, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "fd", fd.Name()))
		if strings.HasPrefix(t, dir) && strings.HasSuffix(t, "(deleted)") {
			return true
		}
	}
	return false
}
