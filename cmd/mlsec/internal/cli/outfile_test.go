package cli

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReportToPipeKeepsIt: -o naming something that is not a regular file
// (here a named pipe; /dev/null in the field) is written in place. Renaming
// the temporary over it, as for a file, replaced the machine's /dev/null
// with a regular file; a pipe shows the same without touching /dev.
func TestReportToPipeKeepsIt(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "out.pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	// A reader first, non-blocking, so the command's open for writing
	// neither blocks nor fails; the report fits in the pipe's buffer.
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code, _, errOut := runCLI(append(adultArgs, "--sensitive", "sex", "--format", "json", "-o", fifo)...)
	if code != ExitFindings {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("-o %s: the pipe was replaced (mode %v, %v)", fifo, fi.Mode(), err)
	}
	got, err := io.ReadAll(r)
	if err != nil && !strings.Contains(err.Error(), "resource temporarily unavailable") {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), `"demographic_parity_difference"`) {
		t.Fatalf("the pipe got %d bytes, not the report: %.200s", len(got), got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(fifo), ".out.pipe.tmp-*"))
	if len(leftovers) > 0 {
		t.Fatalf("temporaries left: %v", leftovers)
	}
}
