package cli

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/mlsec/mlsec/internal/s3test"
)

// TestDataScanBadInput is issue 20's "Bad input" list through the command:
// a ragged CSV, a Parquet file with a corrupt footer, a gzip bomb and (when
// not running as root, who reads anything) a file without read permission
// are each named with the reason, the good file is still scanned, and the
// exit code is 1 (not fully analysed: fail closed).
func TestDataScanBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("good.csv", []byte("age,city\n39,Lyon\n50,Oslo\n"))
	write("ragged.csv", []byte("a,b\n1,2\n3\n"))
	write("corrupt.parquet", []byte("PAR1garbage-footerPAR1"))
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte("a\n"))
	zw.Write(bytes.Repeat([]byte("0\n"), 64<<20/2)) // 64 MiB of rows in about 64 KB
	zw.Close()
	write("bomb.csv.gz", gz.Bytes())
	want := map[string]string{"ragged.csv": "ragged", "corrupt.parquet": "corrupt", "bomb.csv.gz": "limit"}
	if os.Geteuid() != 0 {
		write("locked.csv", []byte("email\nx@example.com\n"))
		os.Chmod(filepath.Join(dir, "locked.csv"), 0)
		want["locked.csv"] = "permission denied"
	} else {
		t.Log("running as root: the no-permission case is skipped (root reads any file)")
	}
	code, out, errs := runCLI("data", "scan", dir, "--format", "json")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1 (files not fully analysed): %s", code, errs)
	}
	var rep struct {
		Files []struct {
			Path, Error string
			Rows        int64
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	seen := map[string]bool{}
	for _, f := range rep.Files {
		seen[f.Path] = true
		if reason, bad := want[f.Path]; bad {
			if !strings.Contains(strings.ToLower(f.Error), reason) {
				t.Errorf("%s: error %q, want it to say %q", f.Path, f.Error, reason)
			}
		} else if f.Error != "" {
			t.Errorf("%s: unexpected error %q", f.Path, f.Error)
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("%s is not reported: %s", p, out)
		}
	}
	if !seen["good.csv"] {
		t.Errorf("the scan did not go on to good.csv: %s", out)
	}
	// The table view names each bad file with its reason too.
	_, out, _ = runCLI("data", "scan", dir)
	for p := range want {
		if !strings.Contains(out, p) {
			t.Errorf("table output does not name %s:\n%s", p, out)
		}
	}
}

// TestDataLocateS3BadInput: an S3 prefix that does not exist lists
// nothing (exit 0, 0 objects); credentials the server refuses (no
// permission) are a clear error naming the bucket, exit 2: nothing could
// be judged. Against versitygw (MLSEC_TEST_S3_URL).
func TestDataLocateS3BadInput(t *testing.T) {
	bk := s3test.Fresh(t)
	b, err := blob.OpenBucket(t.Context(), bk.URL)
	if err != nil {
		t.Fatal(err)
	}
	b.WriteAll(t.Context(), "data/x.csv", []byte("a\n1\n"), nil)
	b.Close()
	desc := filepath.Join(t.TempDir(), "d.json")
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "x.csv"), []byte("a\n1\n"), 0o644)
	if code, _, errs := runCLI("data", "manifest", src, "--name", "x", "--classification", "internal", "-o", desc); code != 0 {
		t.Fatalf("manifest: %s", errs)
	}
	u, _ := url.Parse(bk.URL)
	u.Path = "/no-such-prefix/"
	code, out, errs := runCLI("data", "locate", u.String(), "--dataset", desc)
	if code != 0 || !strings.Contains(out, "0 objects") {
		t.Errorf("missing prefix: %d %s %s", code, out, errs)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	code, out, errs = runCLI("data", "locate", bk.URL, "--dataset", desc)
	if code != ExitUsage || !strings.Contains(errs, bk.Name) {
		t.Errorf("refused credentials: %d %s %s", code, out, errs)
	}
}
