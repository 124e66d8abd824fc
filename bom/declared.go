package bom

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Declared is what a user states about a model that its folder does not
// say: the BOM then records it (and says it was declared, in the model
// property mlsec:model:declared), so the licence and dataset rules can be
// met without editing the model's files.
type Declared struct {
	// Licenses replace the licences of the model card: SPDX ids (any
	// case) or licence names.
	Licenses []string
	// Datasets are added to the card's datasets; a digest, when given,
	// goes on the dataset component.
	Datasets []Dataset
	// ModelCard is a model card kept outside the folder: Markdown with
	// YAML front matter (as a Hugging Face README.md), or a YAML/JSON file
	// holding only the front matter fields. It replaces README.md.
	ModelCard string
}

// A Dataset is a dataset the user declares, with the SHA-256 digest of its
// content when known.
type Dataset struct {
	Name   string
	Digest string // lowercase hex, or ""
}

// ErrDeclared is wrapped by errors in what the user declared.
var ErrDeclared = errors.New("invalid declaration")

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ParseDataset reads NAME[@DIGEST] where DIGEST is sha256:HEX or HEX (64
// hex digits). The name is everything before the last '@', so names
// holding an '@' still parse when a digest follows.
func ParseDataset(s string) (Dataset, error) {
	name, digest := s, ""
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		name, digest = s[:i], strings.ToLower(strings.TrimPrefix(s[i+1:], "sha256:"))
		if !hex64.MatchString(digest) {
			return Dataset{}, fmt.Errorf("%w: dataset %q: the digest after '@' must be sha256:<64 hex digits>", ErrDeclared, s)
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return Dataset{}, fmt.Errorf("%w: dataset %q has no name; want NAME@sha256:DIGEST", ErrDeclared, s)
	}
	return Dataset{Name: name, Digest: digest}, nil
}

// Validate checks the declaration before any work: datasets well formed, the
// model card a readable regular file.
func (d Declared) Validate() error {
	for _, l := range d.Licenses {
		if strings.TrimSpace(l) == "" {
			return fmt.Errorf("%w: an empty licence", ErrDeclared)
		}
	}
	for _, ds := range d.Datasets {
		if ds.Name == "" || ds.Digest != "" && !hex64.MatchString(ds.Digest) {
			return fmt.Errorf("%w: dataset %+v", ErrDeclared, ds)
		}
	}
	if d.ModelCard != "" {
		st, err := os.Stat(d.ModelCard)
		if err != nil {
			return fmt.Errorf("%w: model card: %w", ErrDeclared, err)
		}
		if !st.Mode().IsRegular() {
			return fmt.Errorf("%w: model card %s is not a regular file", ErrDeclared, d.ModelCard)
		}
	}
	return nil
}

// readCardFile reads a model card given by path: Markdown with front
// matter, or a YAML/JSON document holding the front matter fields.
func (m *modelInfo) readCardFile(p string) error {
	b, err := readMeta(p)
	if err != nil {
		return err
	}
	if b == nil {
		return fmt.Errorf("%w: model card %s: not a readable file", ErrDeclared, p)
	}
	switch strings.ToLower(filepath.Ext(p)) {
	case ".yaml", ".yml", ".json":
		var fm map[string]any
		if err := yaml.Unmarshal(b, &fm); err != nil {
			return fmt.Errorf("model card %s: %w", p, err)
		}
		// A YAML document is the front matter of a card with no body.
		out, err := yaml.Marshal(fm)
		if err != nil {
			return fmt.Errorf("model card %s: %w", p, err)
		}
		b = append(append([]byte("---\n"), out...), "---\n"...)
	}
	if err := m.readReadme(b); err != nil {
		return fmt.Errorf("model card %s: %w", p, err)
	}
	m.Declared = append(m.Declared, "model-card")
	return nil
}

// useDeclared applies the user's licences and datasets.
func (m *modelInfo) useDeclared(d Declared) {
	if len(d.Licenses) > 0 {
		m.License = nil
		m.LicenseName, m.LicenseLink = "", ""
		for _, l := range d.Licenses {
			m.License = append(m.License, strings.TrimSpace(l))
		}
		m.Declared = append(m.Declared, "license")
	}
	if len(d.Datasets) > 0 {
		for _, ds := range d.Datasets {
			m.Datasets = append(m.Datasets, ds.Name)
			if ds.Digest != "" {
				m.DatasetDigests[ds.Name] = ds.Digest
			}
		}
		m.Declared = append(m.Declared, "datasets")
	}
	m.prop("declared", strings.Join(m.Declared, ","))
}
