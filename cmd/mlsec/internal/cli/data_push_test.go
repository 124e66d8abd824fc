package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/internal/s3test"
	"github.com/mlsec/mlsec/registry"
)

// TestDataPushPull: 'mlsec data push' registers a small dataset and
// uploads its bytes; 'mlsec data pull' gets them back, verified, into a
// new folder; another team's token gets neither (exit 1); a version
// registered without its bytes cannot be pulled. On the file blob store
// and, with MLSEC_TEST_S3_URL, on S3 (versitygw).
func TestDataPushPull(t *testing.T) {
	stores := map[string]string{"file": ""}
	if b := s3test.Maybe(t); b != nil {
		stores["s3"] = b.URL
	} else {
		t.Log("MLSEC_TEST_S3_URL not set: the S3 blob store case is skipped")
	}
	for name, blobURL := range stores {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(dir, "srv"), blobURL: blobURL})
			alice := newScopedToken(t, url, admin, "alice", registry.RoleMaintainer, "team-a")
			mallory := newScopedToken(t, url, admin, "mallory", registry.RoleMaintainer, "team-b")
			data := filepath.Join(dir, "adult")
			adultSlice(t, data, 300, func(_ int, l string) string { return l })
			if err := os.MkdirAll(filepath.Join(data, "docs"), 0o755); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(data, "docs", "README.txt"), []byte("UCI Adult, CC BY 4.0\n"), 0o644)

			code, out, errs := as(alice, "data", "push", data, "--name", "adult", "--classification", "internal", "--team", "team-a", "--null-values", "?", "--format", "json")
			var v registry.DatasetVersion
			if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v.Files) != 2 {
				t.Fatalf("data push: %d %s %s", code, out, errs)
			}
			// The same push again (a retry): the registered version, its bytes kept.
			code, out, errs = as(alice, "data", "push", data, "--name", "adult", "--classification", "internal", "--null-values", "?", "--format", "json")
			var again registry.DatasetVersion
			if code != 0 || json.Unmarshal([]byte(out), &again) != nil || again.Number != 1 || again.Digest != v.Digest {
				t.Fatalf("push again: %d %s %s", code, out, errs)
			}
			// Another team may not push into it or pull it.
			if code, _, errs := as(mallory, "data", "pull", "adult@1", filepath.Join(dir, "stolen")); code != 1 || !strings.Contains(errs, "scope") {
				t.Errorf("other team's pull: %d %s", code, errs)
			}
			if _, err := os.Stat(filepath.Join(dir, "stolen")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused pull left %s", filepath.Join(dir, "stolen"))
			}
			got := filepath.Join(dir, "pulled", "adult-v1")
			code, out, errs = as(alice, "data", "pull", "adult@1", got)
			if code != 0 || !strings.Contains(out, "every digest verified") {
				t.Fatalf("data pull: %d %s %s", code, out, errs)
			}
			for _, p := range []string{"adult.csv", "docs/README.txt"} {
				a, _ := os.ReadFile(filepath.Join(data, p))
				b, err := os.ReadFile(filepath.Join(got, p))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%s: pulled copy differs (%v)", p, err)
				}
			}
			// A registered (not pushed) version: its bytes are not there.
			os.WriteFile(filepath.Join(data, "adult.csv"), []byte("age\n1\n"), 0o644)
			if code, out, errs := as(alice, "data", "register", data, "--name", "adult", "--classification", "internal"); code != 0 {
				t.Fatalf("data register: %d %s %s", code, out, errs)
			}
			if code, _, errs := as(alice, "data", "pull", "adult@2", filepath.Join(dir, "v2")); code != 2 || !strings.Contains(errs, "registered without its bytes") || strings.Contains(errs, "mlsec models") {
				t.Errorf("pull of a registered version: %d %s", code, errs)
			}
		})
	}
}

// TestDataPushTooLarge: data push refuses, before registering anything,
// data the registry would not keep, and says to register it instead.
func TestDataPushTooLarge(t *testing.T) {
	t.Parallel()
	err := checkPushSize("big", []registry.DatasetFile{{Path: "a", Size: registry.MaxPushedDataset}, {Path: "b", Size: 1}})
	if err == nil || !strings.Contains(err.Error(), "mlsec data register") || exitCode(err, io.Discard) != ExitUsage {
		t.Errorf("over the limit: %v", err)
	}
	if err := checkPushSize("ok", []registry.DatasetFile{{Path: "a", Size: registry.MaxPushedDataset}}); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}
