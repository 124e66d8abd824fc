package bom

import (
	"bufio"
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Ecosystems of a Dependency.
const (
	PyPI  = "pypi"
	Conda = "conda"
)

// A Dependency is one Python package the model declares it needs.
type Dependency struct {
	Ecosystem string // PyPI or Conda
	Name      string // PEP 503-normalised for PyPI, lowercased for conda
	Version   string // exact version when pinned (== or conda =), else ""
	Build     string // conda build string, if given
	// URL is a direct reference (PEP 440 "name @ URL", an editable or VCS
	// requirement, a local archive): what pip installs instead of an index
	// release, so a reviewer must see it.
	URL     string
	Sources []string
}

// PURL returns the package URL: pkg:pypi/name@version or pkg:conda/name@version?build=...
func (d Dependency) PURL() string {
	s := "pkg:" + d.Ecosystem + "/" + url.PathEscape(d.Name)
	if d.Version != "" {
		s += "@" + url.PathEscape(d.Version)
	}
	if d.Build != "" {
		s += "?build=" + url.QueryEscape(d.Build)
	}
	if d.URL != "" {
		q := "download_url"
		if isVCS(d.URL) {
			q = "vcs_url"
		}
		sep := "?"
		if d.Build != "" {
			sep = "&"
		}
		s += sep + q + "=" + url.QueryEscape(d.URL)
	}
	return s
}

func isVCS(u string) bool {
	for _, p := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

var urlLike = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

var eggName = regexp.MustCompile(`[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)`)

// directReference parses requirement lines that name a URL or path instead
// of an index release: "-e URL#egg=name", "git+https://...#egg=name",
// "./pkg-1.0-py3-none-any.whl".
func directReference(line string) (Dependency, bool) {
	for _, p := range []string{"-e ", "--editable ", "--editable="} {
		if strings.HasPrefix(line, p) {
			line = strings.TrimSpace(line[len(p):])
			break
		}
	}
	if strings.HasPrefix(line, "-") || line == "" {
		return Dependency{}, false // other options: --index-url, -r, -c
	}
	if line == "." || line == "./" {
		return Dependency{}, false // the project itself, not a dependency
	}
	name := ""
	if m := eggName.FindStringSubmatch(line); m != nil {
		name = m[1]
	} else {
		base := path.Base(strings.SplitN(line, "#", 2)[0])
		if i := strings.LastIndexByte(base, '@'); i > 0 && isVCS(line) {
			base = base[:i] // repo@rev
		}
		base = strings.TrimSuffix(base, ".git")
		for _, ext := range []string{".whl", ".tar.gz", ".zip", ".tar.bz2"} {
			if strings.HasSuffix(base, ext) {
				base = strings.SplitN(strings.TrimSuffix(base, ext), "-", 2)[0]
			}
		}
		name = base
	}
	if name == "" || name == "." || name == "/" {
		return Dependency{}, false
	}
	return Dependency{Ecosystem: PyPI, Name: NormalizePyPI(name), URL: line}, true
}

var (
	pep503       = regexp.MustCompile(`[-_.]+`)
	reqName      = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$`)
	reqSpecStart = regexp.MustCompile(`^($|[<>=!~(@])`)
	exactPin     = regexp.MustCompile(`^==\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)$`)
	condaSpec    = regexp.MustCompile(`^(?:[^:\s]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$`)
	condaExact   = regexp.MustCompile(`^==?\s*([A-Za-z0-9][A-Za-z0-9.+!_]*)(?:[= ]([A-Za-z0-9._+-]+))?$`)
)

// NormalizePyPI normalises a Python distribution name per PEP 503.
func NormalizePyPI(name string) string { return strings.ToLower(pep503.ReplaceAllString(name, "-")) }

// ParseRequirement parses one PEP 508 requirement ("scikit-learn[all]==1.2.1 ; python_version>'3'").
// It returns ok false for lines that are not requirements (options, includes,
// editable installs, bare URLs).
func ParseRequirement(line string) (Dependency, bool) {
	line = strings.TrimSpace(line)
	if i := strings.Index(line, " #"); i >= 0 {
		line = strings.TrimSpace(line[:i])
	}
	if line == "" || strings.HasPrefix(line, "#") {
		return Dependency{}, false
	}
	if i := strings.IndexByte(line, ';'); i >= 0 { // environment marker
		line = strings.TrimSpace(line[:i])
	}
	if strings.HasPrefix(line, "-") || urlLike.MatchString(line) || isVCS(line) ||
		strings.HasPrefix(line, ".") || strings.HasPrefix(line, "/") {
		return directReference(line)
	}
	m := reqName.FindStringSubmatch(line)
	if m == nil {
		return Dependency{}, false
	}
	spec := strings.TrimSpace(m[3])
	if strings.HasPrefix(spec, "@") { // PEP 440 direct reference
		return Dependency{Ecosystem: PyPI, Name: NormalizePyPI(m[1]), URL: strings.TrimSpace(spec[1:])}, true
	}
	if !reqSpecStart.MatchString(spec) {
		return directReference(line)
	}
	d := Dependency{Ecosystem: PyPI, Name: NormalizePyPI(m[1])}
	if strings.HasPrefix(spec, "(") && strings.HasSuffix(spec, ")") {
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	if p := exactPin.FindStringSubmatch(spec); p != nil {
		d.Version = p[1]
	}
	return d, true
}

// parseRequirementsTxt reads a pip requirements file.
func parseRequirementsTxt(data []byte, source string) []Dependency {
	var out []Dependency
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), len(data)+1)
	for sc.Scan() {
		if d, ok := ParseRequirement(sc.Text()); ok {
			d.Sources = []string{source}
			out = append(out, d)
		}
	}
	return out
}

// parsePyproject reads [project].dependencies of a pyproject.toml.
func parsePyproject(data []byte, source string) ([]Dependency, error) {
	var doc struct {
		Project struct {
			Dependencies []string `toml:"dependencies"`
		} `toml:"project"`
	}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var out []Dependency
	for _, r := range doc.Project.Dependencies {
		if d, ok := ParseRequirement(r); ok {
			d.Sources = []string{source}
			out = append(out, d)
		}
	}
	return out, nil
}

// parseCondaSpec parses a conda match spec such as "python=3.11.2",
// "conda-forge::numpy=1.26.4=py311h64a7726_0" or "pip<=23.0.1".
func parseCondaSpec(s string) (Dependency, bool) {
	m := condaSpec.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Dependency{}, false
	}
	d := Dependency{Ecosystem: Conda, Name: strings.ToLower(m[1])}
	if p := condaExact.FindStringSubmatch(strings.TrimSpace(m[2])); p != nil {
		d.Version, d.Build = p[1], p[2]
	}
	return d, true
}

// parseCondaYAML reads a conda environment file: conda specs and its pip section.
func parseCondaYAML(data []byte, source string) ([]Dependency, string, error) {
	var doc struct {
		Dependencies []any `yaml:"dependencies"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	var out []Dependency
	python := ""
	for _, e := range doc.Dependencies {
		switch v := e.(type) {
		case string:
			d, ok := parseCondaSpec(v)
			if !ok {
				continue
			}
			if d.Name == "python" { // the interpreter is recorded as a property
				python = d.Version
				continue
			}
			d.Sources = []string{source}
			out = append(out, d)
		case map[string]any:
			pip, _ := v["pip"].([]any)
			for _, p := range pip {
				if s, ok := p.(string); ok {
					if d, ok := ParseRequirement(s); ok {
						d.Sources = []string{source}
						out = append(out, d)
					}
				}
			}
		}
	}
	return out, python, nil
}

// parsePythonEnv reads MLflow's python_env.yaml.
func parsePythonEnv(data []byte, source string) ([]Dependency, string, error) {
	var doc struct {
		Python       scalar   `yaml:"python"`
		Build        []string `yaml:"build_dependencies"`
		Dependencies []string `yaml:"dependencies"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, "", fmt.Errorf("%s: %w", source, err)
	}
	var out []Dependency
	for _, r := range append(doc.Build, doc.Dependencies...) {
		if d, ok := ParseRequirement(r); ok {
			d.Sources = []string{source}
			out = append(out, d)
		}
	}
	return out, string(doc.Python), nil
}

// mergeDeps merges dependencies naming the same package: an unpinned mention
// folds into the pinned ones, distinct pins stay distinct. The result is sorted
// by purl.
func mergeDeps(in []Dependency) []Dependency {
	type key struct{ eco, name string }
	pinned := map[key]bool{}
	for _, d := range in {
		if d.Version != "" {
			pinned[key{d.Ecosystem, d.Name}] = true
		}
	}
	byPURL := map[string]*Dependency{}
	var loose []Dependency
	for _, d := range in {
		if d.Version == "" && pinned[key{d.Ecosystem, d.Name}] {
			loose = append(loose, d)
			continue
		}
		p := d.PURL()
		if e, ok := byPURL[p]; ok {
			e.Sources = append(e.Sources, d.Sources...)
		} else {
			c := d
			c.Sources = append([]string(nil), d.Sources...)
			byPURL[p] = &c
		}
	}
	for _, l := range loose { // credit the unpinned source to every pin of that package
		for _, e := range byPURL {
			if e.Ecosystem == l.Ecosystem && e.Name == l.Name {
				e.Sources = append(e.Sources, l.Sources...)
			}
		}
	}
	out := make([]Dependency, 0, len(byPURL))
	for _, d := range byPURL {
		sort.Strings(d.Sources)
		d.Sources = dedupSorted(d.Sources)
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PURL() < out[j].PURL() })
	return out
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// scalar keeps a YAML scalar's text as written: "3.10" must not become the
// float 3.1.
type scalar string

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		*s = scalar(strings.TrimSpace(n.Value))
	}
	return nil
}
