package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/manifest"
	"github.com/mlsec/mlsec/registry"
	"github.com/mlsec/mlsec/scan"
)

// runCLI runs mlsec with args and returns the exit code, stdout and stderr.
func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeModel writes a small model folder and, next to its files, a
// signature, a BOM and a scan evidence record about its digest.
func writeModel(t *testing.T, dir string, weights []byte) string {
	t.Helper()
	files := map[string][]byte{
		"weights.bin":         weights,
		"config.json":         []byte(`{"model_type": "toy"}`),
		"tokenizer/vocab.txt": []byte("a\nb\n"),
	}
	for p, b := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := manifest.Identity(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	digest := hex.EncodeToString(d)
	rec, err := scan.Evidence(evidence.NewSubject("toy", digest), &scan.Report{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Create(filepath.Join(dir, "scan.evidence.json"))
	evidence.Write(f, rec)
	f.Close()
	os.WriteFile(filepath.Join(dir, "model.sig"), []byte(`{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "pretend": "bundle"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "toy.cdx.json"), []byte(`{"bomFormat": "CycloneDX"}`), 0o644)
	return digest
}

// clientEnv starts a server and points the CLI at it through the env.
func clientEnv(t *testing.T) (dataDir, url, admin string) {
	t.Helper()
	dataDir = filepath.Join(t.TempDir(), "data")
	url, admin = clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: dataDir})
	return dataDir, url, admin
}

// clientEnvWith starts a server with o, points the CLI at it through the
// env (with an empty config folder) and returns its URL and admin token.
func clientEnvWith(t *testing.T, o serveOptions) (url, admin string) {
	t.Helper()
	url, stderr := startServeWith(t, o)
	admin = tokenRE.FindString(stderr.String())
	if admin == "" {
		t.Fatal("no bootstrap token")
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MLSEC_SERVER", url)
	t.Setenv("MLSEC_TOKEN", admin)
	return url, admin
}

func TestPushPullRoundTrip(t *testing.T) {
	dataDir, _, _ := clientEnv(t)
	model := t.TempDir()
	weights := bytes.Repeat([]byte("w"), 100_000)
	digest := writeModel(t, model, weights)

	code, out, errs := runCLI("push", model, "--model", "toy", "--tag", "stage=dev", "--description", "first")
	if code != 0 || !strings.Contains(out, "toy version 1 sha256:"+digest+" ready") || !strings.Contains(out, "1 evidence records attached") {
		t.Fatalf("push: %d\n%s\n%s", code, out, errs)
	}
	// Same bytes again: a no-op that says so, nothing uploaded or attached.
	code, out, errs = runCLI("push", model, "--model", "toy")
	if code != 0 || !strings.Contains(out, "already in the registry: nothing to do") {
		t.Fatalf("re-push: %d\n%s\n%s", code, out, errs)
	}

	code, out, _ = runCLI("versions", "toy", "--format", "json")
	var vs []registry.Version
	if code != 0 || json.Unmarshal([]byte(out), &vs) != nil || len(vs) != 1 || vs[0].Digest != digest || vs[0].State != registry.StateReady {
		t.Fatalf("versions: %d %s", code, out)
	}
	code, out, _ = runCLI("models")
	if code != 0 || !strings.Contains(out, "toy") || !strings.Contains(out, "stage.dev") {
		t.Fatalf("models: %d %s", code, out)
	}
	// The table says what each record found.
	code, out, _ = runCLI("evidence", "toy@1")
	if code != 0 || !regexp.MustCompile(`(?m)^ID\s+TYPE\s+RESULT\s+PRODUCER`).MatchString(out) || !regexp.MustCompile(`(?m)^\d+\s+scan\s+clean \(0 files\)\s+mlsec`).MatchString(out) {
		t.Errorf("evidence table: %d\n%s", code, out)
	}
	code, out, _ = runCLI("evidence", "toy@1", "--format", "json")
	var es []registry.Evidence
	if code != 0 || json.Unmarshal([]byte(out), &es) != nil {
		t.Fatalf("evidence: %d %s", code, out)
	}
	scans := 0
	for _, e := range es {
		if e.Type == evidence.TypeScan && e.CreatedBy != registry.System.Name {
			scans++
		}
	}
	if scans != 1 {
		t.Fatalf("want exactly one pushed scan record (no duplicate from the re-push), got %s", out)
	}
	ds := strings.Repeat("ab", 32)
	code, out, _ = runCLI("lineage", "toy@1", "--add", "trained_on=sha256:"+ds, "--add", "produced_by=https://ci.example/run/1", "--commit", "abc123")
	if code != 0 || !strings.Contains(out, ds) || !strings.Contains(out, "abc123") {
		t.Fatalf("lineage: %d %s", code, out)
	}

	dst := filepath.Join(t.TempDir(), "out")
	code, out, errs = runCLI("pull", "toy", "-o", dst)
	if code != 0 || !strings.Contains(out, "6 files") {
		t.Fatalf("pull: %d\n%s\n%s", code, out, errs)
	}
	for _, p := range []string{"weights.bin", "config.json", "tokenizer/vocab.txt", "model.sig", "toy.cdx.json", "scan.evidence.json"} {
		a, _ := os.ReadFile(filepath.Join(model, p))
		b, err := os.ReadFile(filepath.Join(dst, p))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs after pull: %v", p, err)
		}
	}

	// Corrupt the stored blob of weights.bin (same length): the server
	// cuts the download before its last byte (R8), so pull fails naming the
	// file and leaves nothing of it in place.
	sum := sha256Hex(weights)
	blobPath := filepath.Join(dataDir, "blobs", "sha256", sum[:2], sum)
	bad := bytes.Clone(weights)
	bad[5000] = 'X'
	if err := os.WriteFile(blobPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	dst2 := filepath.Join(t.TempDir(), "out2")
	code, _, errs = runCLI("pull", "toy@1", "-o", dst2)
	if code != 1 || !strings.Contains(errs, "weights.bin") || !strings.Contains(errs, "incomplete") {
		t.Fatalf("tampered pull: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dst2, "weights.bin")); err == nil {
		t.Fatal("tampered file was moved into place")
	}
	leftovers, _ := filepath.Glob(filepath.Join(dst2, ".mlsec-pull-*"))
	if len(leftovers) > 0 {
		t.Fatalf("temp files left: %v", leftovers)
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestPushRejectsForeignEvidence(t *testing.T) {
	clientEnv(t)
	model := t.TempDir()
	writeModel(t, model, []byte("weights"))
	// An evidence file about other bytes is not attached: exit 1, said why.
	rec, _ := scan.Evidence(evidence.NewSubject("x", strings.Repeat("0", 64)), &scan.Report{}, time.Now())
	f, _ := os.Create(filepath.Join(model, "other.evidence.json"))
	evidence.Write(f, rec)
	f.Close()
	code, out, errs := runCLI("push", model, "--model", "toy")
	if code != 1 || !strings.Contains(errs, "other.evidence.json") || !strings.Contains(out, "toy version 1") {
		t.Fatalf("push: %d\n%s\n%s", code, out, errs)
	}
}

func TestClientAuthAndConfig(t *testing.T) {
	_, url, admin := clientEnv(t)
	// No or wrong token: 401 with a hint.
	t.Setenv("MLSEC_TOKEN", "mlsec_"+strings.Repeat("0", 64))
	code, _, errs := runCLI("models")
	if code != 2 || !strings.Contains(errs, "unauthenticated") || !strings.Contains(errs, "mlsec token create") || strings.Contains(errs, "mlsec serve") {
		t.Fatalf("bad token: %d %s", code, errs)
	}
	t.Setenv("MLSEC_TOKEN", "")
	code, _, errs = runCLI("models")
	if code != 2 || !strings.Contains(errs, "Set MLSEC_TOKEN") || !strings.Contains(errs, "--bootstrap-token-file") {
		t.Fatalf("no token: %d %s", code, errs)
	}
	t.Setenv("MLSEC_TOKEN", "mlsec_"+strings.Repeat("0", 64))
	// The flag wins over the env.
	if code, _, errs := runCLI("models", "--token", admin); code != 0 {
		t.Fatalf("--token: %d %s", code, errs)
	}
	// An auditor may read but not push: 403 with a hint.
	body, _ := json.Marshal(map[string]string{"name": "aud", "role": "auditor"})
	req, _ := http.NewRequest("POST", url+"/api/v1/tokens", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create token: %v %v", err, res)
	}
	var tok struct{ Secret string }
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	model := t.TempDir()
	writeModel(t, model, []byte("w"))
	code, _, errs = runCLI("push", model, "--model", "toy", "--token", tok.Secret)
	if code != 1 || !strings.Contains(errs, "forbidden") || !strings.Contains(errs, "role") {
		t.Fatalf("auditor push: %d %s", code, errs)
	}
	// The config file supplies server and token when neither flag nor env does.
	t.Setenv("MLSEC_SERVER", "")
	t.Setenv("MLSEC_TOKEN", "")
	cfg := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "mlsec", "config.yaml")
	os.MkdirAll(filepath.Dir(cfg), 0o700)
	os.WriteFile(cfg, []byte("server: "+url+"\ntoken: "+admin+"\n"), 0o600)
	if code, out, errs := runCLI("models", "--format", "json"); code != 0 || !strings.HasPrefix(out, "[") && out != "null\n" {
		t.Fatalf("config file: %d %q %s", code, out, errs)
	}
	// No server reachable: the hint says how to start one.
	code, _, errs = runCLI("models", "--server", "http://127.0.0.1:1")
	if code != 2 || !strings.Contains(errs, "mlsec serve") {
		t.Fatalf("unreachable: %d %s", code, errs)
	}
	if code, _, _ := runCLI("models", "--format", "xml"); code != 2 {
		t.Fatalf("bad format: %d", code)
	}
}

// TestServeWorkerEndToEnd: mlsec serve with workers analyses what mlsec
// push uploads, and mlsec evidence shows the result.
func TestServeWorkerEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncBuffer{}
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- runServe(ctx, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 2}, stderr, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("MLSEC_SERVER", "http://"+addr)
	t.Setenv("MLSEC_TOKEN", tokenRE.FindString(stderr.String()))
	model := t.TempDir()
	os.WriteFile(filepath.Join(model, "model.pkl"), []byte("\x80\x02cposix\nsystem\nq\x00X\x07\x00\x00\x00echo hiq\x01\x85q\x02Rq\x03."), 0o644)
	if code, out, errs := runCLI("push", model, "--model", "evil"); code != 0 {
		t.Fatalf("push: %d %s %s", code, out, errs)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, out, errs := runCLI("evidence", "evil@1", "--type", "scan", "--severity", "critical", "--format", "json")
		if code != 0 {
			t.Fatalf("evidence: %d %s", code, errs)
		}
		var es []registry.Evidence
		json.Unmarshal([]byte(out), &es)
		if len(es) == 1 && es[0].Producer == "mlsec-server" && strings.Contains(string(es[0].Body), "system") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no critical scan evidence after 30s: %s\n%s", out, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
