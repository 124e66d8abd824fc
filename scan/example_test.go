package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mlsec/mlsec/scan"
)

// Scan a pickle that would run a shell command when loaded. The scanner
// reads the opcodes symbolically and never executes anything.
func Example() {
	dir, _ := os.MkdirTemp("", "scan-example")
	defer os.RemoveAll(dir)
	// A protocol-0 pickle: posix.system("echo hi"), as torch.load would run it.
	payload := "cposix\nsystem\n(S'echo hi'\ntR."
	_ = os.WriteFile(filepath.Join(dir, "model.pkl"), []byte(payload), 0o644)

	s, err := scan.New(scan.Options{})
	if err != nil {
		panic(err)
	}
	rep, err := s.Scan(context.Background(), dir)
	if err != nil {
		panic(err)
	}
	for _, f := range rep.Findings {
		fmt.Println(f.Severity, f.RuleID, f.Callable)
	}
	fmt.Println("findings at or above medium:", rep.AtOrAbove(scan.SeverityMedium))
	// Output:
	// critical PKL001 posix.system
	// findings at or above medium: 1
}
