package policy

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions configures RunTests.
type TestOptions struct {
	// Dirs hold policies and their *_test.rego tests. Empty means: run the
	// default bundle's own tests.
	Dirs      []string
	DataFiles []string
	// Profile is the built-in profile whose data lies beneath DataFiles
	// (default baseline).
	Profile string
	// NoDefault leaves the default bundle out (by default its rules are
	// loaded so user tests can exercise them together with their own).
	NoDefault bool
	Timeout   time.Duration
}

// TestResult is the outcome of one test_ rule.
type TestResult struct {
	Package  string `json:"package"`
	Name     string `json:"name"`
	Location string `json:"location"`
	Pass     bool   `json:"pass"`
	Skip     bool   `json:"skip,omitempty"`
	Error    string `json:"error,omitempty"`
	Output   string `json:"output,omitempty"`
}

// RunTests runs the Rego unit tests (test_* rules in *_test.rego) with
// OPA's tester, in the same sandbox as evaluation.
func RunTests(ctx context.Context, opts TestOptions) ([]TestResult, error) {
	mods := map[string]*ast.Module{}
	if !opts.NoDefault || len(opts.Dirs) == 0 {
		def, err := loadEmbedded(len(opts.Dirs) == 0)
		if err != nil {
			return nil, err
		}
		maps.Copy(mods, def)
	}
	user, err := loadDirs(opts.Dirs, true)
	if err != nil {
		return nil, err
	}
	maps.Copy(mods, user)
	data, err := loadData(opts.Profile, opts.DataFiles)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	store := inmem.NewFromObject(data)
	txn, err := store.NewTransaction(ctx)
	if err != nil {
		return nil, err
	}
	defer store.Abort(ctx, txn)
	comp := ast.NewCompiler().WithCapabilities(sandbox()).WithEnablePrintStatements(true)
	ch, err := tester.NewRunner().SetCompiler(comp).SetStore(store).SetModules(mods).
		CapturePrintOutput(true).RaiseBuiltinErrors(true).SetTimeout(opts.Timeout).RunTests(ctx, txn)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	var out []TestResult
	for r := range ch {
		tr := TestResult{Package: r.Package, Name: r.Name, Pass: r.Pass(), Skip: r.Skip, Output: string(r.Output)}
		if r.Location != nil {
			tr.Location = fmt.Sprintf("%s:%d", r.Location.File, r.Location.Row)
		}
		if r.Error != nil {
			tr.Error = r.Error.Error()
		} else if r.Fail {
			tr.Error = "test failed"
		}
		out = append(out, tr)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Location < out[j].Location })
	return out, nil
}
