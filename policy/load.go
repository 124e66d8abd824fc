package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/mlsec/mlsec/policies"
)

// GatePackage is the Rego package tree the engine evaluates: the default
// rules live in mlsec.gate, user rules in mlsec.gate or any sub-package.
const GatePackage = "mlsec.gate"

// maxPolicyFile bounds one .rego or data file.
const maxPolicyFile = 8 << 20

// ErrPolicy is wrapped by every error about loading, compiling or
// evaluating a policy; a gate must treat it as "no decision", never allow.
var ErrPolicy = errors.New("policy error")

var (
	denyName   = regexp.MustCompile(`^(deny|violation)(_[A-Za-z0-9_]+)*$`)
	warnName   = regexp.MustCompile(`^warn(_[A-Za-z0-9_]+)*$`)
	gatePath   = ast.MustParseRef("data." + GatePackage)
	removedFns = []string{"http.send", "net.lookup_ip_addr", "opa.runtime", "net.cidr_expand"}
)

// sandbox returns the capabilities policies run with: this OPA version's
// builtins minus network access and the runtime environment, so a policy
// cannot leak data or depend on the machine it runs on.
func sandbox() *ast.Capabilities {
	c := ast.CapabilitiesForThisVersion()
	kept := c.Builtins[:0]
	for _, b := range c.Builtins {
		drop := false
		for _, r := range removedFns {
			drop = drop || b.Name == r
		}
		if !drop {
			kept = append(kept, b)
		}
	}
	c.Builtins = kept
	return c
}

func parseModule(name string, src []byte) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(name, string(src), ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	return m, nil
}

// loadEmbedded parses the default bundle; tests only when withTests.
func loadEmbedded(withTests bool) (map[string]*ast.Module, error) {
	out := map[string]*ast.Module{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		if strings.HasSuffix(p, "_test.rego") && !withTests {
			return nil
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		name := "policies/" + p // the path in the repository, for messages
		m, err := parseModule(name, src)
		if err != nil {
			return err
		}
		out[name] = m
		return nil
	})
	return out, err
}

// loadDirs parses every .rego file under dirs (a file path is accepted too).
// A path without any .rego file is an error: a mistyped --policy must not
// silently evaluate nothing.
func loadDirs(dirs []string, withTests bool) (map[string]*ast.Module, error) {
	out := map[string]*ast.Module{}
	for _, dir := range dirs {
		n := 0
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if p != dir && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".rego") {
				return nil
			}
			n++
			if strings.HasSuffix(p, "_test.rego") && !withTests {
				return nil
			}
			src, err := readBounded(p)
			if err != nil {
				return err
			}
			m, err := parseModule(p, src)
			if err != nil {
				return err
			}
			out[p] = m
			return nil
		})
		if err != nil {
			if errors.Is(err, ErrPolicy) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: loading %s: %w", ErrPolicy, dir, err)
		}
		if n == 0 {
			return nil, fmt.Errorf("%w: no .rego files in %s", ErrPolicy, dir)
		}
	}
	return out, nil
}

func readBounded(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxPolicyFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", p, maxPolicyFile)
	}
	return os.ReadFile(p)
}

// checkUserPackages rejects user modules that define deny/warn/exception
// rules outside mlsec.gate: they would never be evaluated, and a rule the
// user believes is enforced but is not is worse than an error.
func checkUserPackages(mods map[string]*ast.Module) error {
	names := make([]string, 0, len(mods))
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := mods[n]
		if m.Package.Path.HasPrefix(gatePath) || strings.HasSuffix(n, "_test.rego") {
			continue
		}
		for _, r := range m.Rules {
			name := ruleName(r)
			if denyName.MatchString(name) || warnName.MatchString(name) || name == "exception" {
				return fmt.Errorf("%w: %s:%d: rule %q is in package %s, which the gate does not evaluate; use package %s or %s.<name>",
					ErrPolicy, n, r.Location.Row, name, strings.TrimPrefix(m.Package.Path.String(), "data."), GatePackage, GatePackage)
			}
		}
	}
	return nil
}

func ruleName(r *ast.Rule) string {
	ref := r.Head.Ref()
	if len(ref) == 0 {
		return ""
	}
	if s, ok := ref[0].Value.(ast.Var); ok {
		return string(s)
	}
	return ""
}
