package pgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make test ends with .ci/skipped-suites.sh: one line naming the suites
// that skipped for want of a server (the variables this package and
// s3test read), nothing when both ran.
func TestSkippedSuitesNotice(t *testing.T) {
	script, err := filepath.Abs(filepath.Join("..", "..", "..", ".ci", "skipped-suites.sh"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(pg, s3 string) string {
		cmd := exec.Command("sh", script)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
		if pg != "" {
			cmd.Env = append(cmd.Env, Env+"="+pg)
		}
		if s3 != "" {
			cmd.Env = append(cmd.Env, "MLSEC_TEST_S3_URL="+s3)
		}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v", script, err)
		}
		return string(out)
	}
	if out := run("postgres://x", "http://y"); out != "" {
		t.Errorf("both suites ran, notice %q", out)
	}
	both := run("", "")
	if strings.Count(both, "\n") != 1 || !strings.Contains(both, "PostgreSQL") || !strings.Contains(both, "S3") || !strings.Contains(both, "pg_start") {
		t.Errorf("nothing set: %q", both)
	}
	if out := run("postgres://x", ""); strings.Contains(out, "PostgreSQL") || !strings.Contains(out, "s3_start") {
		t.Errorf("S3 only: %q", out)
	}
	if out := run("", "http://y"); strings.Contains(out, "S3 (") || !strings.Contains(out, "PostgreSQL") {
		t.Errorf("PostgreSQL only: %q", out)
	}
}
