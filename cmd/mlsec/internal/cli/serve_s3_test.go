package cli

import (
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeFailsOnUnreachableBucket: serve refuses to start (exit 2,
// naming the blob store) when its S3 endpoint refuses connections, and,
// against the real S3 server of the test suite (MLSEC_TEST_S3_URL), when
// the bucket does not exist.
func TestServeFailsOnUnreachableBucket(t *testing.T) {
	start := func(blobURL string) error {
		return runServe(t.Context(), serveOptions{addr: "127.0.0.1:0", dataDir: filepath.Join(t.TempDir(), "data"), blobURL: blobURL}, io.Discard, nil)
	}
	if base := os.Getenv("MLSEC_TEST_S3_URL"); base != "" {
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Host = "mlsec-no-such-bucket"
		if err := start(u.String()); exitCode(err, io.Discard) != ExitUsage || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("missing bucket: %v", err)
		}
	} else {
		t.Log("MLSEC_TEST_S3_URL not set: the missing-bucket case on a real S3 server is skipped")
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "y")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	err := start("s3://models?endpoint=http://127.0.0.1:1&region=us-east-1&use_path_style=true&disable_https=true")
	if exitCode(err, io.Discard) != ExitUsage || !strings.Contains(err.Error(), "blob store s3://models cannot be reached") {
		t.Fatalf("refused endpoint: %v", err)
	}
}
