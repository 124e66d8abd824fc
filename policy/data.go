package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gopkg.in/yaml.v3"

	"github.com/mlsec/mlsec/docs/schemas"
	"github.com/mlsec/mlsec/internal/suggest"
	"github.com/mlsec/mlsec/policies"
)

// ErrData is wrapped (with ErrPolicy) by every error about policy data
// that does not match docs/schemas/policy-data.schema.json: a wrong type,
// an out-of-range value or an unknown key under data.mlsec.
var ErrData = errors.New("invalid policy data")

// ErrProfile is wrapped (with ErrPolicy) when an unknown profile is asked for.
var ErrProfile = errors.New("unknown policy profile")

// DefaultProfile is the profile used when Options.Profile is empty:
// supply-chain and provenance failures deny, documentation gaps warn.
const DefaultProfile = policies.DefaultProfile

// Profiles returns the names of the built-in profiles, sorted.
func Profiles() []string {
	names, _ := fs.Glob(policies.FS, "profiles/*.json")
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(path.Base(n), ".json")
	}
	sort.Strings(out)
	return out
}

// ProfileData returns the data a built-in profile sets (the object under
// "mlsec" and nothing else), or an error wrapping ErrProfile.
func ProfileData(name string) (map[string]any, error) {
	if name == "" {
		name = DefaultProfile
	}
	if !slices.Contains(Profiles(), name) {
		return nil, fmt.Errorf("%w: %w %q (the profiles are %s)", ErrPolicy, ErrProfile, name, strings.Join(Profiles(), ", "))
	}
	raw, err := fs.ReadFile(policies.FS, "profiles/"+name+".json")
	if err != nil {
		return nil, fmt.Errorf("%w: profile %s: %w", ErrPolicy, name, err)
	}
	return decodeData("profile "+name, raw)
}

// loadData returns the data documents merged in order: the profile's data
// first, then each file (later files win on conflicting leaves; objects
// merge). Each document is validated against the policy data schema on its
// own, so an error names the file and the key.
func loadData(profile string, files []string) (map[string]any, error) {
	out, err := ProfileData(profile)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		raw, err := readBounded(f)
		if err != nil {
			return nil, fmt.Errorf("%w: data file: %w", ErrPolicy, err)
		}
		switch strings.ToLower(filepath.Ext(f)) {
		case ".yaml", ".yml":
			var y any
			if err := yaml.Unmarshal(raw, &y); err != nil {
				return nil, fmt.Errorf("%w: data file %s: %w", ErrPolicy, f, err)
			}
			// Round-trip through JSON so YAML maps become map[string]any.
			if raw, err = json.Marshal(y); err != nil {
				return nil, fmt.Errorf("%w: data file %s: %w", ErrPolicy, f, err)
			}
		}
		obj, err := decodeData("data file "+f, raw)
		if err != nil {
			return nil, err
		}
		merge(out, obj)
	}
	return out, nil
}

// decodeData decodes one data document and validates it.
func decodeData(name string, raw []byte) (map[string]any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPolicy, name, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: top level must be an object (e.g. {\"mlsec\": {...}})", ErrPolicy, name)
	}
	if err := ValidateData(obj); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPolicy, name, err)
	}
	return obj, nil
}

var dataSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	f, err := schemas.FS.Open(schemas.PolicyData)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemas.PolicyData, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemas.PolicyData)
})

// ValidateData checks a data document (the whole of data, with the mlsec
// object inside) against docs/schemas/policy-data.schema.json. The error
// wraps ErrData and names every offending key, one per line, with what was
// wrong and, for an unknown key, the nearest known one.
func ValidateData(doc map[string]any) error {
	s, err := dataSchema()
	if err != nil {
		return fmt.Errorf("policy data schema: %w", err)
	}
	// The validator wants its own JSON model (json.Number, []any, ...).
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrData, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("%w: %w", ErrData, err)
	}
	var ve *jsonschema.ValidationError
	if err := s.Validate(inst); errors.As(err, &ve) {
		lines := dataProblems(ve)
		return fmt.Errorf("%w: %s", ErrData, strings.Join(lines, "; "))
	} else if err != nil {
		return fmt.Errorf("%w: %w", ErrData, err)
	}
	return nil
}

var printer = message.NewPrinter(language.English)

// dataProblems flattens a validation error into one message per leaf, in
// the words a person fixing a YAML file needs: the key, then what is wrong.
func dataProblems(ve *jsonschema.ValidationError) []string {
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		key := strings.Join(e.InstanceLocation, ".")
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				out = append(out, unknownKey(key, p))
			}
		case *kind.Type:
			out = append(out, fmt.Sprintf("%s: got %s, want %s", key, k.Got, strings.Join(k.Want, " or ")))
		default:
			out = append(out, fmt.Sprintf("%s: %s", key, e.ErrorKind.LocalizedString(printer)))
		}
	}
	walk(ve)
	sort.Strings(out)
	return slices.Compact(out)
}

// unknownKey words an unknown key under parent, suggesting the nearest
// key the schema knows there.
func unknownKey(parent, key string) string {
	full := key
	if parent != "" {
		full = parent + "." + key
	}
	msg := fmt.Sprintf("%s: unknown key", full)
	if parent == "mlsec" && key == "profile" {
		return msg + " (choose the profile with --profile, or the registry's profile setting, not in data)"
	}
	if s := suggest.Nearest(key, knownKeys(parent), len(key)/3); s != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", s)
	}
	return msg
}

// knownKeys lists the property names the schema declares at a dotted
// location of the form "mlsec" or "mlsec.<list>.<index>".
func knownKeys(loc string) []string {
	f, err := schemas.FS.Open(schemas.PolicyData)
	if err != nil {
		return nil
	}
	defer f.Close()
	var doc struct {
		Properties struct {
			Mlsec struct {
				Properties map[string]struct {
					Items struct {
						Properties map[string]any `json:"properties"`
					} `json:"items"`
				} `json:"properties"`
			} `json:"mlsec"`
		} `json:"properties"`
	}
	if json.NewDecoder(f).Decode(&doc) != nil {
		return nil
	}
	parts := strings.Split(loc, ".")
	var keys []string
	switch {
	case len(parts) == 1 && parts[0] == "mlsec":
		for k := range doc.Properties.Mlsec.Properties {
			keys = append(keys, k)
		}
	case len(parts) == 3 && parts[0] == "mlsec":
		for k := range doc.Properties.Mlsec.Properties[parts[1]].Items.Properties {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
