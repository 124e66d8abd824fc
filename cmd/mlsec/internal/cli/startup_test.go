package cli

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// Start-up budgets for mlsec's own packages. Go initialises every linked
// package before any command runs, so whatever a package builds at init
// (a parsed template, a compiled pattern with a counted repetition, a
// recognizer set) every command pays for, `mlsec version` included. Heavy
// state is built on first use instead (sync.OnceValue, internal/lazyre).
// With that, the largest init is scan's (about 100 KB of small patterns);
// a template parsed at init costs 100–400 KB and a {0,127} name pattern
// about 90 KB, so either breaks a budget.
const (
	initBudgetPerPackage = 128 << 10
	initBudgetTotal      = 512 << 10
)

// TestOwnPackagesInitLight runs this test binary as `mlsec version` with
// GODEBUG=inittrace=1 and checks what each github.com/mlsec/mlsec package
// allocates during its initialisation.
func TestOwnPackagesInitLight(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "version")
	cmd.Env = append(os.Environ(), "MLSEC_TEST_AS_CLI=1", "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mlsec version: %v\n%s", err, stderr.String())
	}
	inits := parseInitTrace(t, stderr.Bytes())
	if len(inits) < 10 {
		t.Fatalf("inittrace listed %d of our packages; the trace format changed?\n%s", len(inits), stderr.String())
	}
	total := 0
	for pkg, bytes := range inits {
		total += bytes
		if bytes > initBudgetPerPackage {
			t.Errorf("init of %s allocates %d bytes (budget %d): build that state on first use (sync.OnceValue, internal/lazyre)",
				pkg, bytes, initBudgetPerPackage)
		}
	}
	if total > initBudgetTotal {
		t.Errorf("mlsec's own packages allocate %d bytes at start-up (budget %d)", total, initBudgetTotal)
	}
}

// parseInitTrace reads lines such as
// "init github.com/mlsec/mlsec/scan @12 ms, 0.1 ms clock, 103912 bytes, 567 allocs"
// and returns the bytes per mlsec package.
func parseInitTrace(t *testing.T, trace []byte) map[string]int {
	t.Helper()
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(trace))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[0] != "init" || !strings.HasPrefix(f[1], "github.com/mlsec/mlsec/") || f[8] != "bytes," {
			continue
		}
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("inittrace line %q: %v", sc.Text(), err)
		}
		out[f[1]] += n
	}
	return out
}
