package cli

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/evidence"
	"github.com/mlsec/mlsec/internal/llmstub"
)

// TestProbeLLM runs `mlsec probe llm` against the stub chat server (a stub:
// no LLM runs here) with one weakness switched on: the report, the exit code
// and the evidence show that family failing and only that one.
func TestProbeLLM(t *testing.T) {
	srv := httptest.NewServer(llmstub.New(llmstub.Config{Weak: llmstub.Weaknesses{LeakSystemPrompt: true}}))
	defer srv.Close()
	stdout, stderr, code := scanCLI(t, "probe", "llm", "--endpoint", srv.URL, "--served-model", "stub", "--attempts", "3", "--no-progress")
	if code != ExitFindings {
		t.Fatalf("exit %d, want 1; stderr %q\n%s", code, stderr, stdout)
	}
	for _, want := range []string{"system_prompt_extraction", "0/3", "prompt_injection", "3/3", "all", "21/24"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, stdout)
		}
	}
	dir := t.TempDir()
	ev := filepath.Join(dir, "llm.evidence.json")
	_, stderr, code = scanCLI(t, "probe", "llm", "--endpoint", srv.URL, "--family", "prompt_injection,refusal", "--attempts", "2",
		"--format", "json", "-o", filepath.Join(dir, "r.json"), "--evidence", ev, "--model-digest", strings.Repeat("cd", 32), "--model-name", "chat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(ev)
	if err != nil {
		t.Fatal(err)
	}
	var rec evidence.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	var rr evidence.RobustnessResult
	_ = json.Unmarshal(rec.Result, &rr)
	if rec.Type != evidence.TypeRobustness || rr.LLM == nil || len(rr.LLM.Families) != 2 || rr.LLM.PassRate != 1 {
		t.Errorf("evidence %s", b)
	}
	if _, _, code := scanCLI(t, "probe", "llm", "--endpoint", srv.URL, "--family", "nope"); code != ExitUsage {
		t.Errorf("bad family: exit %d", code)
	}
	if _, _, code := scanCLI(t, "probe", "llm"); code != ExitUsage {
		t.Errorf("no endpoint: exit %d", code)
	}
}
