package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"
)

// These tests keep action.yml, .pre-commit-hooks.yaml and the examples in
// docs/ci.md in step with the CLI: every command and flag they use must
// exist, and every action input they use must be declared.

const repoRoot = "../../../.."

var flagRE = regexp.MustCompile(`(?:^|[\s(\[,"])(--[a-z][a-z0-9-]*)`)

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// findCommand resolves "mlsec gate" style command lines in the real cobra tree.
func findCommand(t *testing.T, where string, words []string) *cobra.Command {
	t.Helper()
	if len(words) < 2 || words[0] != "mlsec" {
		t.Fatalf("%s: %q does not run mlsec SUBCOMMAND", where, strings.Join(words, " "))
	}
	c, _, err := NewRoot().Find(words[1:])
	if err != nil || c.Name() != words[1] {
		t.Fatalf("%s: mlsec has no command %q (%v)", where, words[1], err)
	}
	return c
}

func checkFlags(t *testing.T, where string, c *cobra.Command, text string) int {
	t.Helper()
	n := 0
	for _, m := range flagRE.FindAllStringSubmatch(text, -1) {
		name := strings.TrimPrefix(m[1], "--")
		if c.Flags().Lookup(name) == nil {
			t.Errorf("%s: 'mlsec %s' has no flag --%s", where, c.Name(), name)
		}
		n++
	}
	return n
}

type actionFile struct {
	Inputs  map[string]struct{ Default string } `yaml:"inputs"`
	Outputs map[string]struct{ Value string }   `yaml:"outputs"`
	Runs    struct {
		Using string `yaml:"using"`
		Steps []struct {
			ID   string            `yaml:"id"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			Dir  string            `yaml:"working-directory"`
			With map[string]string `yaml:"with"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var inputRefRE = regexp.MustCompile(`inputs\.([a-z][a-z0-9-]*)`)

func TestActionYAMLMatchesCLI(t *testing.T) {
	path := filepath.Join(repoRoot, "action.yml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	readYAML(t, path, &a)
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	var chooser, setupGo, install, gateRun, upload bool
	gate := findCommand(t, path, []string{"mlsec", "gate"})
	for _, s := range a.Runs.Steps {
		switch {
		case s.ID == "version":
			// A release tag (the input, else the ref the action is used at)
			// runs the released binary; anything else builds from source.
			chooser = strings.Contains(s.Env["ACTION_REF"], "github.action_ref") && strings.Contains(s.Env["MLSEC_VERSION"], "inputs.version") &&
				strings.Contains(s.Run, "mode=release") && strings.Contains(s.Run, "mode=source")
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			setupGo = strings.Contains(s.With["go-version-file"], "github.action_path") && strings.Contains(s.If, "'source'")
		case strings.Contains(s.Run, "scripts/install-mlsec.sh"):
			install = strings.Contains(s.Run, "$GITHUB_ACTION_PATH/scripts/install-mlsec.sh") && strings.Contains(s.Run, "GITHUB_PATH") &&
				strings.Contains(s.Env["MLSEC_VERSION"], "steps.version.outputs.version")
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = strings.Contains(s.With["sarif_file"], "inputs.sarif-file") && strings.Contains(s.If, "always()")
		case strings.Contains(s.Run, `mlsec "${args[@]}"`):
			gateRun = strings.Contains(s.Run, "args=(gate ")
			if n := checkFlags(t, path+" step "+s.ID, gate, s.Run); n < 9 {
				t.Errorf("only %d flags found in the gate step; the flag pattern is broken", n)
			}
			// Inputs reach the script through env, never inline.
			if strings.Contains(s.Run, "${{") {
				t.Errorf("the gate step interpolates an expression into its script: use env")
			}
		}
		if s.Run != "" && s.ID != "gate" && strings.Contains(s.Run, "${{") {
			t.Errorf("step %q interpolates an expression into its script: use env", s.ID)
		}
	}
	if !chooser || !setupGo || !install || !gateRun || !upload {
		t.Errorf("version chooser %v, setup-go from go.mod for source %v, install script %v, gate run %v, SARIF upload %v", chooser, setupGo, install, gateRun, upload)
	}
	for _, f := range []string{"cmd/mlsec/main.go", "scripts/install-mlsec.sh"} {
		if _, err := os.Stat(filepath.Join(repoRoot, f)); err != nil {
			t.Errorf("the action needs %s: %v", f, err)
		}
	}
	used := map[string]bool{}
	for _, m := range inputRefRE.FindAllStringSubmatch(string(raw), -1) {
		used[m[1]] = true
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml uses undeclared input %q", m[1])
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %q is declared but never used", name)
		}
	}
	if d := a.Inputs["format"].Default; d != "table" && d != "json" {
		t.Errorf("format default %q", d)
	}
	if d := a.Inputs["fail-on"].Default; !slices.Contains([]string{"deny", "warn", "none"}, d) {
		t.Errorf("fail-on default %q", d)
	}
}

// hookWords turns a hook entry into the mlsec command line it runs:
// "scripts/pre-commit-mlsec.sh gate" runs "mlsec gate".
func hookWords(entry string) []string {
	w := strings.Fields(entry)
	if len(w) > 0 && w[0] == "scripts/pre-commit-mlsec.sh" {
		w[0] = "mlsec"
	}
	return w
}

type hook struct {
	ID            string   `yaml:"id"`
	Entry         string   `yaml:"entry"`
	Language      string   `yaml:"language"`
	Files         string   `yaml:"files"`
	Args          []string `yaml:"args"`
	PassFilenames *bool    `yaml:"pass_filenames"`
}

func TestPreCommitHooksMatchCLI(t *testing.T) {
	path := filepath.Join(repoRoot, ".pre-commit-hooks.yaml")
	var hooks []hook
	readYAML(t, path, &hooks)
	got := map[string]hook{}
	for _, h := range hooks {
		got[h.ID] = h
		words := strings.Fields(h.Entry)
		switch h.Language {
		case "script": // scripts/pre-commit-mlsec.sh SUBCOMMAND: a release binary or a source build
			if len(words) == 0 || words[0] != "scripts/pre-commit-mlsec.sh" {
				t.Errorf("%s: script entry %q does not run scripts/pre-commit-mlsec.sh", h.ID, h.Entry)
				continue
			}
			if _, err := os.Stat(filepath.Join(repoRoot, words[0])); err != nil {
				t.Errorf("%s: %v", h.ID, err)
			}
			words = hookWords(h.Entry)
		case "golang": // built by pre-commit's Go
		default:
			t.Errorf("%s: language %q, want script or golang", h.ID, h.Language)
		}
		c := findCommand(t, path+" "+h.ID, words)
		checkFlags(t, path+" "+h.ID, c, strings.Join(h.Args, " "))
	}
	for _, id := range []string{"mlsec-scan-go", "mlsec-gate-go"} {
		if h, ok := got[id]; !ok || h.Language != "golang" || !strings.HasPrefix(h.Entry, "mlsec ") {
			t.Errorf("%s hook = %+v (the from-source path pre-commit builds)", id, h)
		}
	}
	scan, ok := got["mlsec-scan"]
	if !ok || scan.Entry != "scripts/pre-commit-mlsec.sh scan" || scan.Files != got["mlsec-scan-go"].Files {
		t.Fatalf("mlsec-scan hook = %+v", scan)
	}
	re, err := regexp.Compile(scan.Files)
	if err != nil {
		t.Fatalf("mlsec-scan files: %v", err)
	}
	for name, want := range map[string]bool{"model.pkl": true, "m/pytorch_model.BIN": true, "x/config.json": true, "README.md": false, "train.py": false} {
		if re.MatchString(name) != want {
			t.Errorf("mlsec-scan files matches %s: %v", name, !want)
		}
	}
	g, ok := got["mlsec-gate"]
	if !ok || g.Entry != "scripts/pre-commit-mlsec.sh gate" || g.PassFilenames == nil || *g.PassFilenames {
		t.Errorf("mlsec-gate hook = %+v (it must not receive file names)", g)
	}
}

var fenceRE = regexp.MustCompile("(?s)```ya?ml\n(.*?)```")

// TestCIDocsExamples checks the YAML examples of docs/ci.md: the workflow
// uses only declared action inputs and the pre-commit config only existing
// hooks and flags.
func TestCIDocsExamples(t *testing.T) {
	path := filepath.Join(repoRoot, "docs", "ci.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	readYAML(t, filepath.Join(repoRoot, "action.yml"), &a)
	var hooks []hook
	readYAML(t, filepath.Join(repoRoot, ".pre-commit-hooks.yaml"), &hooks)
	ids := map[string]string{}
	for _, h := range hooks {
		ids[h.ID] = h.Entry
	}
	var workflows, configs int
	for _, m := range fenceRE.FindAllStringSubmatch(string(doc), -1) {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(m[1]), &v); err != nil {
			t.Errorf("%s: YAML example does not parse: %v\n%s", path, err, m[1])
			continue
		}
		if jobs, ok := v["jobs"].(map[string]any); ok {
			for _, j := range jobs {
				steps, _ := j.(map[string]any)["steps"].([]any)
				for _, s := range steps {
					st, _ := s.(map[string]any)
					uses, _ := st["uses"].(string)
					if strings.HasPrefix(uses, "mlsec/mlsec@") {
						workflows++
						with, _ := st["with"].(map[string]any)
						for k := range with {
							if _, ok := a.Inputs[k]; !ok {
								t.Errorf("%s: the workflow passes undeclared input %q", path, k)
							}
						}
					}
					if run, _ := st["run"].(string); strings.Contains(run, "mlsec gate") {
						checkFlags(t, path, findCommand(t, path, []string{"mlsec", "gate"}), run)
					}
				}
			}
		}
		if repos, ok := v["repos"].([]any); ok {
			for _, r := range repos {
				hs, _ := r.(map[string]any)["hooks"].([]any)
				for _, h := range hs {
					hm, _ := h.(map[string]any)
					id, _ := hm["id"].(string)
					entry, ok := ids[id]
					if !ok {
						t.Errorf("%s: no hook %q in .pre-commit-hooks.yaml", path, id)
						continue
					}
					configs++
					var args []string
					list, _ := hm["args"].([]any)
					for _, x := range list {
						s, _ := x.(string)
						args = append(args, s)
					}
					checkFlags(t, path+" "+id, findCommand(t, path, hookWords(entry)), strings.Join(args, " "))
				}
			}
		}
	}
	if workflows == 0 || configs < 2 {
		t.Errorf("%s: found %d workflow uses of the action and %d pre-commit hooks; expected examples of both", path, workflows, configs)
	}
}
