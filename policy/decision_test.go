package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden expected.json files")

// TestDecisionTable evaluates every case in testdata/decisions: input.json,
// optional data.json/data.yaml, policy/ folder and profile (a file naming
// the profile); the decision must equal expected.json, or the error must
// contain every line of error.txt.
func TestDecisionTable(t *testing.T) {
	t.Parallel()
	dirs, _ := filepath.Glob("testdata/decisions/*")
	if len(dirs) < 20 {
		t.Fatalf("only %d decision cases", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			var opts Options
			if st, err := os.Stat(filepath.Join(dir, "policy")); err == nil && st.IsDir() {
				opts.Dirs = []string{filepath.Join(dir, "policy")}
			}
			for _, n := range []string{"data.json", "data.yaml"} {
				if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
					opts.DataFiles = append(opts.DataFiles, filepath.Join(dir, n))
				}
			}
			if p, err := os.ReadFile(filepath.Join(dir, "profile")); err == nil {
				opts.Profile = strings.TrimSpace(string(p))
			}
			input, err := os.ReadFile(filepath.Join(dir, "input.json"))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var dec *Decision
			eng, err := New(ctx, opts)
			if err == nil {
				dec, err = eng.EvaluateJSON(ctx, input)
			}
			if want, rerr := os.ReadFile(filepath.Join(dir, "error.txt")); rerr == nil {
				if err == nil {
					t.Fatalf("want an error, got decision allowed=%v", dec.Allowed)
				}
				if !errors.Is(err, ErrPolicy) {
					t.Errorf("error does not wrap ErrPolicy: %v", err)
				}
				for _, line := range strings.Split(strings.TrimSpace(string(want)), "\n") {
					if !strings.Contains(err.Error(), line) {
						t.Errorf("error %q does not mention %q", err, line)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.MarshalIndent(dec, "", "  ")
			got = append(got, '\n')
			golden := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./policy/ -run TestDecisionTable -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decision differs from %s:\n%s", golden, got)
			}
		})
	}
}
