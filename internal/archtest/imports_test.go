package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/mlsec/mlsec"

// pkg is the part of `go list -json` output the rules read.
type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
}

// A rule forbids packages matching from to import (directly or not, as
// transitive says) packages matching any of to, except those in allow.
type rule struct {
	name       string
	from       func(string) bool
	to         func(string) bool
	allow      func(string) bool
	transitive bool
}

func is(paths ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(paths, p) }
}

func under(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, pre := range prefixes {
			if p == pre || strings.HasPrefix(p, pre+"/") {
				return true
			}
		}
		return false
	}
}

func not(f func(string) bool) func(string) bool { return func(p string) bool { return !f(p) } }

func anyOf(fs ...func(string) bool) func(string) bool {
	return func(p string) bool {
		for _, f := range fs {
			if f(p) {
				return true
			}
		}
		return false
	}
}

// anything matches every package of the module (rules only ever see our
// own packages: edges to the standard library and other modules are
// dropped before matching).
func anything(string) bool { return true }

// leaves are the shared leaf packages: they may import each other and the
// standard library or third-party modules, never a domain package.
var leaves = anyOf(under("internal"), is("dsse"))

var rules = []rule{
	{
		name:       "evidence is a leaf: it imports no producer (producers import evidence)",
		from:       is("evidence"),
		to:         anything,
		allow:      leaves,
		transitive: true,
	},
	{
		name:       "shared leaves in internal/ and dsse import no domain package",
		from:       anyOf(under("internal"), is("dsse")),
		to:         anything,
		allow:      anyOf(leaves, is("internal/archtest")),
		transitive: true,
	},
	{
		name:       "only the binary imports the CLI",
		from:       not(under("cmd/mlsec")),
		to:         under("cmd/mlsec/internal"),
		transitive: false,
	},
	{
		name:       "library packages never import a command or a tool under cmd/, bench/, examples/, conformance/",
		from:       not(under("cmd", "bench", "examples", "conformance")),
		to:         under("cmd", "bench", "examples", "conformance"),
		transitive: true,
	},
	{
		name:       "parsers in formats/ and the pickle VM know nothing of the scanner, signing, policy or the registry",
		from:       anyOf(under("formats"), is("pickle")),
		to:         under("scan", "sign", "bom", "gate", "policy", "registry", "evidence", "report"),
		transitive: true,
	},
	{
		name:       "modelclient only talks to served models: it knows no probe, evidence, policy or registry (the gateway and the LLM probes reuse it)",
		from:       under("modelclient"),
		to:         anything,
		allow:      anyOf(leaves, under("modelclient")),
		transitive: true,
	},
	{
		name:       "probes measure served models and produce evidence; they never touch the registry, the gate or the policy engine",
		from:       under("probe"),
		to:         under("registry", "gate", "policy", "policies", "report", "scan", "sign", "bom"),
		transitive: true,
	},
	{
		name:       "the policy engine decides from evidence; it does not run checks or touch the registry",
		from:       under("policy", "policies"),
		to:         under("scan", "sign", "bom", "gate", "registry", "report"),
		transitive: true,
	},
	{
		name:       "the registry's store persists governance; it does not evaluate policy, even through the registry package (it stores the verdict as a registry.Evaluation)",
		from:       under("registry/store"),
		to:         under("policy", "policies", "gate"),
		transitive: true,
	},
	{
		name:       "the registry service decides through its consumer-side registry.Evaluator; only registry/policyeval and the wiring import the policy engine",
		from:       is("registry"),
		to:         under("policy", "policies", "gate"),
		transitive: true,
	},
	{
		name:       "the server never imports the web UI: ui plugs in through server.Pages, so authorization stays in the route table",
		from:       is("registry/server"),
		to:         under("ui"),
		transitive: true,
	},
	{
		name:       "the web UI never imports the server (only its session manager): the server calls the pages after authorizing them",
		from:       under("ui"),
		to:         is("registry/server"),
		transitive: true,
	},
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	cmd.Dir = "../.."
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(&out)
	for {
		var p pkg
		err := dec.Decode(&p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// rel turns an import path into a module-relative one, or reports false for
// packages outside the module.
func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func violations(pkgs []pkg, rules []rule) []string {
	var out []string
	for _, p := range pkgs {
		from, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		for _, r := range rules {
			if !r.from(from) {
				continue
			}
			edges := p.Imports
			if r.transitive {
				edges = p.Deps
			}
			for _, e := range edges {
				to, ok := rel(e)
				if !ok || to == from || !r.to(to) || (r.allow != nil && r.allow(to)) {
					continue
				}
				out = append(out, r.name+": "+from+" -> "+to)
			}
		}
	}
	return out
}

func TestImportGraph(t *testing.T) {
	for _, v := range violations(listPackages(t), rules) {
		t.Error(v)
	}
}

// TestRulesCatchForbiddenEdges proves each rule fires on the edge it exists
// to forbid, so a rule that silently matches nothing cannot pass.
func TestRulesCatchForbiddenEdges(t *testing.T) {
	t.Parallel()
	m := func(s string) string { return module + "/" + s }
	bad := []pkg{
		{ImportPath: m("evidence"), Deps: []string{m("scan")}},
		{ImportPath: m("internal/sarif"), Deps: []string{m("scan")}},
		{ImportPath: m("registry"), Imports: []string{m("cmd/mlsec/internal/cli")}},
		{ImportPath: m("scan"), Deps: []string{m("bench/corpus")}},
		{ImportPath: m("formats/onnx"), Deps: []string{m("scan")}},
		{ImportPath: m("policy"), Deps: []string{m("registry")}},
		{ImportPath: m("modelclient"), Deps: []string{m("evidence")}},
		{ImportPath: m("probe/attack"), Deps: []string{m("registry/client")}},
		{ImportPath: m("registry/store"), Deps: []string{m("registry"), m("policy")}},
		{ImportPath: m("registry"), Deps: []string{m("evidence"), m("policies")}},
	}
	got := violations(bad, rules)
	if len(got) != len(bad) {
		t.Fatalf("want one violation per forbidden edge (%d), got %d:\n%s", len(bad), len(got), strings.Join(got, "\n"))
	}
	ok := []pkg{
		{ImportPath: m("evidence"), Deps: []string{m("dsse"), m("internal/version")}},
		{ImportPath: m("scan"), Deps: []string{m("evidence"), m("pickle")}},
		{ImportPath: m("cmd/mlsec"), Imports: []string{m("cmd/mlsec/internal/cli")}},
		{ImportPath: m("registry/policyeval"), Deps: []string{m("registry"), m("policy"), m("policies")}},
	}
	if got := violations(ok, rules); len(got) != 0 {
		t.Errorf("allowed edges flagged: %v", got)
	}
}
