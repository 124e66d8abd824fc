package policy

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// Options configures an Engine.
type Options struct {
	// Dirs are user policy folders (or .rego files) added to the default
	// bundle; *_test.rego files are skipped.
	Dirs []string
	// DataFiles are JSON/YAML documents merged into data (e.g.
	// {"mlsec": {"bom_min_score": 70}}), over the profile's data. Each is
	// validated against docs/schemas/policy-data.schema.json (ErrData).
	DataFiles []string
	// Profile names a built-in profile (Profiles): baseline (the default
	// when empty) or strict. Its data lies beneath DataFiles, so a data
	// file can still set any key.
	Profile string
	// NoDefault leaves out the embedded default bundle: only Dirs apply.
	NoDefault bool
	// Timeout bounds one evaluation (default 10s).
	Timeout time.Duration
	// Print receives the output of print() calls; nil strips them.
	Print io.Writer
}

// Engine evaluates the gate policies. It is safe for concurrent use; the
// query is compiled once, in New.
type Engine struct {
	pq       rego.PreparedEvalQuery
	packages [][]string // package paths under mlsec.gate, as keys
	rules    map[string]Rule
	data     map[string]any
	profile  string
	timeout  time.Duration
}

// New loads, compiles and prepares the policies. Any syntax, type or
// compile error names the file and line and wraps ErrPolicy.
func New(ctx context.Context, opts Options) (*Engine, error) {
	mods := map[string]*ast.Module{}
	if !opts.NoDefault {
		def, err := loadEmbedded(false)
		if err != nil {
			return nil, err
		}
		maps.Copy(mods, def)
	}
	user, err := loadDirs(opts.Dirs, false)
	if err != nil {
		return nil, err
	}
	if err := checkUserPackages(user); err != nil {
		return nil, err
	}
	maps.Copy(mods, user)
	if len(mods) == 0 {
		return nil, fmt.Errorf("%w: no policies loaded (the default bundle is off and no --policy was given)", ErrPolicy)
	}
	data, err := loadData(opts.Profile, opts.DataFiles)
	if err != nil {
		return nil, err
	}
	comp := ast.NewCompiler().WithCapabilities(sandbox()).WithEnablePrintStatements(opts.Print != nil)
	if comp.Compile(mods); comp.Failed() {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, comp.Errors)
	}
	e := &Engine{data: data, timeout: opts.Timeout, rules: registry(comp), profile: cmp.Or(opts.Profile, DefaultProfile)}
	if e.timeout <= 0 {
		e.timeout = 10 * time.Second
	}
	seen := map[string]bool{}
	for _, m := range comp.Modules {
		if !m.Package.Path.HasPrefix(gatePath) {
			continue
		}
		var keys []string
		for _, t := range m.Package.Path[len(gatePath):] {
			s, ok := t.Value.(ast.String)
			if !ok {
				return nil, fmt.Errorf("%w: unsupported package path %s", ErrPolicy, m.Package.Path)
			}
			keys = append(keys, string(s))
		}
		if k := strings.Join(keys, "."); !seen[k] {
			seen[k] = true
			e.packages = append(e.packages, keys)
		}
	}
	if len(e.packages) == 0 {
		return nil, fmt.Errorf("%w: no module declares package %s (or a sub-package)", ErrPolicy, GatePackage)
	}
	sort.Slice(e.packages, func(i, j int) bool { return strings.Join(e.packages[i], ".") < strings.Join(e.packages[j], ".") })
	ropts := []func(*rego.Rego){
		rego.Query("data." + GatePackage),
		rego.Compiler(comp),
		rego.Store(inmem.NewFromObject(data)),
		rego.StrictBuiltinErrors(true),
	}
	if opts.Print != nil {
		ropts = append(ropts, rego.EnablePrintStatements(true), rego.PrintHook(topdown.NewPrintHook(opts.Print)))
	}
	pq, err := rego.New(ropts...).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	e.pq = pq
	return e, nil
}

// Evaluate decides for in. An empty in.Context.Time means now.
func (e *Engine) Evaluate(ctx context.Context, in Input) (*Decision, error) {
	if in.Context.Time == "" {
		in.Context.Time = time.Now().UTC().Format(time.RFC3339)
	}
	raw, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return e.EvaluateJSON(ctx, raw)
}

// EvaluateJSON decides for an input document given as JSON (what 'mlsec
// policy eval --input' reads). A missing context.time is set to now.
func (e *Engine) EvaluateJSON(ctx context.Context, input []byte) (*Decision, error) {
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("input document: %w", err)
	}
	if doc == nil {
		return nil, fmt.Errorf("input document must be a JSON object")
	}
	c, _ := doc["context"].(map[string]any)
	if c == nil {
		c = map[string]any{}
		doc["context"] = c
	}
	ts, _ := c["time"].(string)
	if ts == "" {
		ts = time.Now().UTC().Format(time.RFC3339)
		c["time"] = ts
	}
	now, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return nil, fmt.Errorf("input context.time %q is not RFC 3339: %w", ts, err)
	}
	ctx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	rs, err := e.pq.Eval(ctx, rego.EvalInput(doc))
	if err != nil {
		return nil, fmt.Errorf("%w: evaluation failed: %w", ErrPolicy, err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, fmt.Errorf("%w: data.%s is undefined", ErrPolicy, GatePackage)
	}
	root, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: data.%s is not an object", ErrPolicy, GatePackage)
	}
	return e.decide(root, doc, now)
}

// Profile is the name of the profile the engine decides with.
func (e *Engine) Profile() string { return e.profile }

// Rules returns the documented rules (from METADATA custom.id), by id.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, 0, len(e.rules))
	for _, r := range e.rules {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Rule describes one documented policy rule.
type Rule struct {
	ID string `json:"id"`
	// Kind is deny, warn or exception; "deny|warn" for a rule whose level
	// the data chooses (LevelFrom), e.g. by profile.
	Kind string `json:"kind"`
	// LevelFrom is the data.mlsec key that says whether the rule warns or
	// denies (METADATA custom.level_from), e.g. documentation_action.
	LevelFrom   string   `json:"level_from,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Remediation string   `json:"remediation,omitempty"`
	Controls    Controls `json:"controls"`
	Location    string   `json:"location"`
}

// registry reads every rule annotated with custom.id.
func registry(c *ast.Compiler) map[string]Rule {
	out := map[string]Rule{}
	for _, ar := range c.GetAnnotationSet().Flatten() {
		a := ar.Annotations
		if a == nil || a.Custom == nil {
			continue
		}
		id, _ := a.Custom["id"].(string)
		if id == "" {
			continue
		}
		r := Rule{ID: id, Title: a.Title, Description: a.Description}
		r.Remediation, _ = a.Custom["remediation"].(string)
		r.LevelFrom, _ = a.Custom["level_from"].(string)
		r.Controls = controlsFrom(a.Custom["controls"])
		if rule := ar.GetRule(); rule != nil {
			r.Kind = kindOf(ruleName(rule))
		}
		if r.Kind == "" && r.LevelFrom != "" {
			r.Kind = kindDenyOrWarn // a set the deny and warn rules read, as the data says
		}
		if a.Location != nil {
			r.Location = fmt.Sprintf("%s:%d", a.Location.File, a.Location.Row)
		}
		if prev, ok := out[id]; ok {
			// Several rules may share an id (one check, several bodies):
			// keep the first location, merge controls.
			r.Location = prev.Location
			r.Controls = prev.Controls.union(r.Controls)
			if prev.Kind != r.Kind {
				r.Kind = kindDenyOrWarn
			}
		}
		out[id] = r
	}
	return out
}

// kindDenyOrWarn is the Kind of a rule whose level the data chooses.
const kindDenyOrWarn = "deny|warn"

func kindOf(name string) string {
	switch {
	case denyName.MatchString(name):
		return "deny"
	case warnName.MatchString(name):
		return "warn"
	case name == "exception":
		return "exception"
	}
	return ""
}
