package cli

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlsec/mlsec/registry"
)

// gate --profile: a signed clean model with no model card is allowed with
// warnings under baseline (the default) and denied under strict.
func TestGateProfiles(t *testing.T) {
	fx := newGateFixture(t, map[string][]byte{"weights.npy": []byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", 52) + "\n\x00\x00\x80?")})
	for _, n := range []string{"README.md", "config.json"} {
		if err := os.Remove(filepath.Join(fx.model, n)); err != nil {
			t.Fatal(err)
		}
	}
	fx.sign(t)
	out, errOut, code := scanCLI(t, "gate", fx.model, "--key", fx.pub)
	if code != ExitOK || !strings.Contains(out, "Profile: baseline") || !strings.Contains(out, "WARN MLSEC-BOM-002") || strings.Contains(out, "DENY ") {
		t.Errorf("baseline: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = scanCLI(t, "gate", fx.model, "--key", fx.pub, "--profile", "strict")
	if code != ExitFindings || !strings.Contains(out, "Profile: strict") || !strings.Contains(out, "DENY MLSEC-BOM-002") {
		t.Errorf("strict: exit %d\n%s\n%s", code, out, errOut)
	}
	_, errOut, code = scanCLI(t, "gate", fx.model, "--key", fx.pub, "--profile", "lenient")
	if code != ExitUsage || !strings.Contains(errOut, `unknown policy profile "lenient" (the profiles are baseline, strict)`) {
		t.Errorf("unknown profile: exit %d\n%s", code, errOut)
	}
}

// A wrong type or a misspelled key in a data file is exit 2 naming the
// key, for gate and policy eval alike; nothing is decided.
func TestPolicyDataValidatedByEveryCommand(t *testing.T) {
	fx := newGateFixture(t, nil)
	fx.sign(t)
	dir := t.TempDir()
	wrongType := filepath.Join(dir, "limits.yaml")
	misspelled := filepath.Join(dir, "limits.json")
	os.WriteFile(wrongType, []byte("mlsec:\n  bom_min_score: high\n"), 0o644)
	os.WriteFile(misspelled, []byte(`{"mlsec": {"bom_min_scor": 70}}`), 0o644)
	input := filepath.Join(dir, "input.json")
	os.WriteFile(input, []byte(`{"subject": {"name": "m", "digest": {"sha256": "00"}}, "evidence": [], "action": {"name": "promote"}}`), 0o644)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"gate", fx.model, "--key", fx.pub, "--data", wrongType}, "mlsec.bom_min_score: got string, want integer"},
		{[]string{"gate", fx.model, "--key", fx.pub, "--data", misspelled}, "mlsec.bom_min_scor: unknown key (did you mean bom_min_score?)"},
		{[]string{"policy", "eval", "--input", input, "--data", wrongType}, "mlsec.bom_min_score: got string, want integer"},
		{[]string{"policy", "eval", "--input", input, "--data", misspelled}, "did you mean bom_min_score?"},
		{[]string{"policy", "test", "--data", misspelled}, "did you mean bom_min_score?"},
		// serve refuses to start: it would otherwise decide with a setting it ignores.
		{[]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "srv"), "--policy-data", wrongType}, "mlsec.bom_min_score: got string, want integer"},
	}
	for _, c := range cases {
		out, errOut, code := scanCLI(t, c.args...)
		if code != ExitUsage || !strings.Contains(errOut, c.want) || out != "" || strings.Contains(errOut, "%!") {
			t.Errorf("%v: exit %d, stdout %q\n%s", c.args, code, out, errOut)
		}
	}
}

// The strict profile's documentation gaps are met by what the user
// declares on the command line, for a model whose folder holds only
// weights; a declaration that does not parse is exit 2 before any work.
func TestGateStrictWithDeclarations(t *testing.T) {
	fx := newGateFixture(t, nil)
	for _, n := range []string{"README.md", "config.json"} {
		os.Remove(filepath.Join(fx.model, n))
	}
	os.WriteFile(filepath.Join(fx.model, "weights.npy"), []byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"+strings.Repeat(" ", 52)+"\n\x00\x00\x80?"), 0o644)
	fx.sign(t)
	card := filepath.Join(t.TempDir(), "card.md")
	os.WriteFile(card, []byte("---\npipeline_tag: tabular-classification\nlibrary_name: numpy\nmodel_name: credit\n---\nScores loan applications.\n\n## Limitations\n\nTrained on 2024 data only.\n\n## Intended uses\n\nInternal triage.\n"), 0o644)
	args := []string{"gate", fx.model, "--key", fx.pub, "--profile", "strict", "--license", "apache-2.0",
		"--dataset", "loans-2024@sha256:" + strings.Repeat("ab", 32), "--model-card", card}
	out, errOut, code := scanCLI(t, args...)
	if code != ExitOK || strings.Contains(out, "MLSEC-BOM-00") {
		t.Errorf("strict with declarations: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, bad := range [][]string{{"--dataset", "loans@sha256:12"}, {"--model-card", filepath.Join(t.TempDir(), "nope.md")}} {
		_, errOut, code := scanCLI(t, append([]string{"gate", fx.model, "--key", fx.pub}, bad...)...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("%v: exit %d %s", bad, code, errOut)
		}
		_, errOut, code = scanCLI(t, append([]string{"bom", fx.model}, bad...)...)
		if code != ExitUsage || errOut == "" {
			t.Errorf("bom %v: exit %d %s", bad, code, errOut)
		}
	}
}

// mlsec profile against a real 'mlsec serve --profile strict': the server
// default shows, an admin sets a team's and a model's profile and sees
// which setting decides, a reviewer may read but not set, and an unknown
// profile is a usage error naming the profiles (client and server side).
func TestProfileCommands(t *testing.T) {
	url, admin := clientEnvWith(t, serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), workers: 1, profile: "strict"})
	rev := newToken(t, url, admin, "rev", registry.RoleReviewer)
	req, _ := http.NewRequest("POST", url+"/api/v1/models", strings.NewReader(`{"name": "fd", "team": "risk"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create model: %v %v", err, res)
	}
	res.Body.Close()
	if code, out, errs := runCLI("profile", "show"); code != 0 || !strings.Contains(out, "server default: decided under strict") {
		t.Fatalf("show default: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI("profile", "show", "--model", "fd"); code != 0 || !strings.Contains(out, "model fd (team risk): decided under strict (from the default setting)") {
		t.Fatalf("show model: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI("profile", "set", "--team", "risk", "baseline"); code != 0 || !strings.Contains(out, "team risk: decided under baseline (from the team setting)") {
		t.Fatalf("set team: %d %s %s", code, out, errs)
	}
	if code, _, errs := as(rev, "profile", "set", "--model", "fd", "baseline"); code != ExitFindings || !strings.Contains(errs, "may not do this") {
		t.Fatalf("reviewer sets: %d %s", code, errs)
	}
	if code, out, errs := as(rev, "profile", "show", "--model", "fd", "--format", "json"); code != 0 ||
		!strings.Contains(out, `"profile": "baseline"`) || !strings.Contains(out, `"source": "team"`) {
		t.Fatalf("reviewer reads: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI("profile", "set", "--model", "fd", "strict"); code != 0 || !strings.Contains(out, "decided under strict (from the model setting)") {
		t.Fatalf("set model: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCLI("profile", "unset", "--model", "fd"); code != 0 || !strings.Contains(out, "decided under baseline (from the team setting)") {
		t.Fatalf("unset model: %d %s %s", code, out, errs)
	}
	for _, args := range [][]string{
		{"profile", "set", "--model", "fd", "lenient"},
		{"profile", "set", "fd", "strict"},
		{"profile", "set", "--model", "fd", "--team", "risk", "strict"},
	} {
		if code, _, errs := runCLI(args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errs)
		} else if args[len(args)-1] == "lenient" && !strings.Contains(errs, `unknown policy profile "lenient" (the profiles are baseline, strict)`) {
			t.Errorf("%v: %s", args, errs)
		}
	}
	// The server refuses it too (a client that skips the check).
	req, _ = http.NewRequest("PUT", url+"/api/v1/teams/risk/profile", strings.NewReader(`{"profile": "lenient"}`))
	req.Header.Set("Authorization", "Bearer "+admin)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 400 {
		t.Fatalf("server-side unknown profile: %v %v", err, res)
	}
	res.Body.Close()
}

func TestServeUnknownProfile(t *testing.T) {
	err := runServe(t.Context(), serveOptions{addr: "127.0.0.1:0", dataDir: t.TempDir(), profile: "lenient"}, io.Discard, nil)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), `--profile: `) || !strings.Contains(err.Error(), "baseline, strict") {
		t.Fatalf("serve --profile lenient: %v", err)
	}
}
