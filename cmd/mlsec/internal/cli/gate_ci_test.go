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
	var setupGo, install, gateRun, upload bool
	gate := findCommand(t, path, []string{"mlsec", "gate"})
	for _, s := range a.Runs.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/setup-go@"):
			setupGo = strings.Contains(s.With["go-version-file"], "github.action_path")
		case strings.Contains(s.Run, "go install ./cmd/mlsec"):
			install = strings.Contains(s.Dir, "github.action_path")
		case strings.HasPrefix(s.Uses, "github/codeql-action/upload-sarif@"):
			upload = strings.Contains(s.With["sarif_file"], "inputs.sarif-file") && strings.Contains(s.If, "always()")
		case strings.Contains(s.Run, `mlsec "${args[@]}"`):
			gateRun = strings.Contains(s.Run, "args=(gate ")
			if n := checkFlags(t, path+" step "+s.ID, gate, s.Run); n < 8 {
				t.Errorf("only %d flags found in the gate step; the flag pattern is broken", n)
			}
			// Inputs reach the script through env, never inline.
			if strings.Contains(s.Run, "${{") {
				t.Errorf("the gate step interpolates an expression into its script: use env")
			}
		}
	}
	if !setupGo || !install || !gateRun || !upload {
		t.Errorf("setup-go from go.mod %v, go install in action_path %v, gate run %v, SARIF upload %v", setupGo, install, gateRun, upload)
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "cmd", "mlsec", "main.go")); err != nil {
		t.Errorf("go install ./cmd/mlsec: %v", err)
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
		if h.Language != "golang" {
			t.Errorf("%s: language %q, want golang (builds the real binary)", h.ID, h.Language)
		}
		c := findCommand(t, path+" "+h.ID, strings.Fields(h.Entry))
		checkFlags(t, path+" "+h.ID, c, strings.Join(h.Args, " "))
	}
	scan, ok := got["mlsec-scan"]
	if !ok || scan.Entry != "mlsec scan" {
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
	if !ok || g.Entry != "mlsec gate" || g.PassFilenames == nil || *g.PassFilenames {
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
					checkFlags(t, path+" "+id, findCommand(t, path, strings.Fields(entry)), strings.Join(args, " "))
				}
			}
		}
	}
	if workflows == 0 || configs < 2 {
		t.Errorf("%s: found %d workflow uses of the action and %d pre-commit hooks; expected examples of both", path, workflows, configs)
	}
}
