package scan

import (
	_ "embed"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// defaultRules is the embedded rules data file. It is documented in
// docs/rules.md; users extend or override it with --rules.
//
//go:embed rules.yaml
var defaultRules []byte

// A Ruleset holds the allowlists and denylists analysers consult. Build one
// with DefaultRuleset and Merge; the zero value allows nothing.
type Ruleset struct {
	Version int `yaml:"version"`
	// Suppress lists rule ids whose findings are dropped. Only an explicit
	// --rules file can set it: config found next to an artifact is never read.
	Suppress []string    `yaml:"suppress"`
	Pickle   PickleRules `yaml:"pickle"`
	Keras    KerasRules  `yaml:"keras"`
	TF       TFRules     `yaml:"tensorflow"`
	ONNX     ONNXRules   `yaml:"onnx"`
	MLflow   MLflowRules `yaml:"mlflow"`
	Hydra    HydraRules  `yaml:"hydra"`

	suppressed map[string]bool
}

// PickleRules classify the globals a pickle imports.
type PickleRules struct {
	// Allow maps a module to the names that are safe to import and call
	// from it; "*" allows every name.
	Allow map[string][]string `yaml:"allow"`
	// Deny lists dangerous references. A module entry covers its
	// submodules too (asyncio covers asyncio.unix_events).
	Deny []DenyEntry `yaml:"deny"`
	// Rebuild lists the modules (a name covers its submodules) of
	// mainstream libraries whose classes a pickle may rebuild without
	// calling them (cls.__new__ then __setstate__) and whose names it may
	// reference. Calls with arguments still need Allow.
	Rebuild []string `yaml:"rebuild"`
	// NestedLoaders are callables that deserialise their bytes argument.
	NestedLoaders []string `yaml:"nested_loaders"`
}

// A DenyEntry explains why a module or some of its names are dangerous.
type DenyEntry struct {
	Module   string   `yaml:"module"`
	Names    []string `yaml:"names"` // empty or ["*"]: every name
	Severity Severity `yaml:"severity"`
	Why      string   `yaml:"why"`
}

// KerasRules classify references in Keras configs.
type KerasRules struct {
	AllowModules   []string `yaml:"allow_modules"`   // module prefixes whose classes may be deserialised
	Gadgets        []string `yaml:"gadgets"`         // functions that touch files or load models
	UnsafeSwitches []string `yaml:"unsafe_switches"` // functions that turn safe mode off
}

// TFRules classify TensorFlow ops.
type TFRules struct {
	// Ops maps an op name to the rule id it raises (TF001, TF002, TF003).
	Ops map[string]string `yaml:"ops"`
}

// ONNXRules classify ONNX operator domains.
type ONNXRules struct {
	AllowDomains []string `yaml:"allow_domains"`
}

// MLflowRules classify MLflow loader modules.
type MLflowRules struct {
	AllowLoaders []string `yaml:"allow_loaders"`
}

// HydraRules classify Hydra/OmegaConf _target_ values.
type HydraRules struct {
	AllowTargets []string `yaml:"allow_targets"` // prefixes
}

// DefaultRuleset parses the embedded rules.
func DefaultRuleset() (*Ruleset, error) {
	rs, err := parseRuleset(defaultRules, "embedded rules.yaml")
	if err != nil {
		return nil, err
	}
	return rs, nil
}

// LoadRuleset reads a rules file and merges it over the defaults. A file
// with "replace: true" at the top replaces the defaults instead.
func LoadRuleset(path string) (*Ruleset, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules file: %w", err)
	}
	var head struct {
		Replace bool `yaml:"replace"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("rules file %s: %w", path, err)
	}
	over, err := parseRuleset(data, path)
	if err != nil {
		return nil, err
	}
	if head.Replace {
		return over, nil
	}
	base, err := DefaultRuleset()
	if err != nil {
		return nil, err
	}
	base.Merge(over)
	return base, nil
}

func parseRuleset(data []byte, name string) (*Ruleset, error) {
	var rs Ruleset
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	delete(raw, "replace")
	clean, err := yaml.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(clean)))
	dec.KnownFields(true)
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, id := range rs.Suppress {
		if _, ok := LookupRule(id); !ok {
			return nil, fmt.Errorf("%s: suppress: unknown rule id %q", name, id)
		}
	}
	for _, id := range rs.TF.Ops {
		if _, ok := LookupRule(id); !ok {
			return nil, fmt.Errorf("%s: tensorflow.ops: unknown rule id %q", name, id)
		}
	}
	rs.index()
	return &rs, nil
}

// Merge adds o's entries to rs. Deny entries of o for a module already
// denied replace the earlier ones.
func (rs *Ruleset) Merge(o *Ruleset) {
	rs.Suppress = append(rs.Suppress, o.Suppress...)
	if rs.Pickle.Allow == nil {
		rs.Pickle.Allow = map[string][]string{}
	}
	for m, names := range o.Pickle.Allow {
		rs.Pickle.Allow[m] = append(rs.Pickle.Allow[m], names...)
	}
	over := map[string]bool{}
	for _, d := range o.Pickle.Deny {
		over[d.Module] = true
	}
	kept := rs.Pickle.Deny[:0]
	for _, d := range rs.Pickle.Deny {
		if !over[d.Module] {
			kept = append(kept, d)
		}
	}
	rs.Pickle.Deny = append(kept, o.Pickle.Deny...)
	rs.Pickle.NestedLoaders = append(rs.Pickle.NestedLoaders, o.Pickle.NestedLoaders...)
	rs.Pickle.Rebuild = append(rs.Pickle.Rebuild, o.Pickle.Rebuild...)
	rs.Keras.AllowModules = append(rs.Keras.AllowModules, o.Keras.AllowModules...)
	rs.Keras.Gadgets = append(rs.Keras.Gadgets, o.Keras.Gadgets...)
	rs.Keras.UnsafeSwitches = append(rs.Keras.UnsafeSwitches, o.Keras.UnsafeSwitches...)
	if rs.TF.Ops == nil {
		rs.TF.Ops = map[string]string{}
	}
	for k, v := range o.TF.Ops {
		rs.TF.Ops[k] = v
	}
	rs.ONNX.AllowDomains = append(rs.ONNX.AllowDomains, o.ONNX.AllowDomains...)
	rs.MLflow.AllowLoaders = append(rs.MLflow.AllowLoaders, o.MLflow.AllowLoaders...)
	rs.Hydra.AllowTargets = append(rs.Hydra.AllowTargets, o.Hydra.AllowTargets...)
	rs.index()
}

func (rs *Ruleset) index() {
	rs.suppressed = map[string]bool{}
	for _, id := range rs.Suppress {
		rs.suppressed[id] = true
	}
	sort.SliceStable(rs.Pickle.Deny, func(i, j int) bool {
		// Longest module first, so the most specific entry explains a name.
		return len(rs.Pickle.Deny[i].Module) > len(rs.Pickle.Deny[j].Module)
	})
}

// Suppressed reports whether findings of a rule are dropped.
func (rs *Ruleset) Suppressed(id string) bool { return rs.suppressed[id] }
