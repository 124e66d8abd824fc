package bom

import (
	"reflect"
	"testing"
)

func TestParseRequirement(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line, name, version string
		ok                  bool
	}{
		{"scikit-learn==1.2.1", "scikit-learn", "1.2.1", true},
		{"Scikit_Learn == 1.2.1", "scikit-learn", "1.2.1", true},
		{"zope.interface==6.0", "zope-interface", "6.0", true},
		{"torch[cuda]==2.3.1+cu121 ; sys_platform == 'linux'", "torch", "2.3.1+cu121", true},
		{"numpy>=1.26", "numpy", "", true},
		{"numpy==1.*", "numpy", "", true},
		{"numpy==1.26,<2", "numpy", "", true},
		{"tokenizers (==0.19.1)", "tokenizers", "0.19.1", true},
		{"requests", "requests", "", true},
		{"pkg @ https://example.org/pkg-1.0.whl", "pkg", "", true},
		{"mlflow==2.9.2  # pinned by mlflow", "mlflow", "2.9.2", true},
		{"# comment", "", "", false},
		{"-r requirements.txt", "", "", false},
		{"--index-url https://example.org/simple", "", "", false},
		{"-e .", "", "", false},
		// Direct references are kept (with their URL in the purl and a
		// property): pip installs them instead of an index release.
		{"git+https://github.com/x/y@v1", "y", "", true},
		{"-e git+https://github.com/x/evil.git#egg=evilpkg", "evilpkg", "", true},
		{"./local/pkg.whl", "pkg", "", true},
		{"./dist/mylib-1.0-py3-none-any.whl", "mylib", "", true},
		{"", "", "", false},
	}
	for _, c := range cases {
		d, ok := ParseRequirement(c.line)
		if ok != c.ok || d.Name != c.name || d.Version != c.version {
			t.Errorf("ParseRequirement(%q) = %q %q %v, want %q %q %v", c.line, d.Name, d.Version, ok, c.name, c.version, c.ok)
		}
	}
}

func TestCondaYAML(t *testing.T) {
	t.Parallel()
	deps, py, err := parseCondaYAML([]byte(`channels: [conda-forge]
dependencies:
- python=3.11.2
- conda-forge::numpy=1.26.4=py311h64a7726_0
- pip<=23.0.1
- cudatoolkit=11.*
- pip:
  - mlflow==2.9.2
  - --extra-index-url https://example.org
`), "conda.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if py != "3.11.2" {
		t.Errorf("python %q", py)
	}
	var purls []string
	for _, d := range deps {
		purls = append(purls, d.PURL())
	}
	want := []string{"pkg:conda/numpy@1.26.4?build=py311h64a7726_0", "pkg:conda/pip", "pkg:conda/cudatoolkit", "pkg:pypi/mlflow@2.9.2"}
	if !reflect.DeepEqual(purls, want) {
		t.Errorf("purls %v, want %v", purls, want)
	}
}

func TestPythonEnvAndPyproject(t *testing.T) {
	t.Parallel()
	deps, py, err := parsePythonEnv([]byte("python: 3.10\nbuild_dependencies: [pip==23.0.1, setuptools]\ndependencies: [-r requirements.txt, torch==2.1.0]\n"), "python_env.yaml")
	if err != nil || py != "3.10" {
		t.Fatalf("err %v python %q", err, py)
	}
	if len(deps) != 3 || deps[0].PURL() != "pkg:pypi/pip@23.0.1" || deps[2].PURL() != "pkg:pypi/torch@2.1.0" {
		t.Errorf("python_env deps %+v", deps)
	}
	deps, err = parsePyproject([]byte("[project]\ndependencies = [\"Pillow==10.3.0\", \"typing_extensions\"]\n[tool.poetry.dependencies]\nx = \"1\"\n"), "pyproject.toml")
	if err != nil || len(deps) != 2 || deps[0].PURL() != "pkg:pypi/pillow@10.3.0" || deps[1].PURL() != "pkg:pypi/typing-extensions" {
		t.Errorf("pyproject deps %+v, err %v", deps, err)
	}
}

func TestMergeDeps(t *testing.T) {
	t.Parallel()
	in := []Dependency{
		{Ecosystem: PyPI, Name: "torch", Sources: []string{"requirements.txt"}},
		{Ecosystem: PyPI, Name: "torch", Version: "2.3.1", Sources: []string{"MLmodel"}},
		{Ecosystem: PyPI, Name: "torch", Version: "2.3.1", Sources: []string{"conda.yaml"}},
		{Ecosystem: PyPI, Name: "numpy", Version: "1.26.4", Sources: []string{"a"}},
		{Ecosystem: PyPI, Name: "numpy", Version: "2.0.0", Sources: []string{"b"}},
		{Ecosystem: Conda, Name: "torch", Sources: []string{"conda.yaml"}},
	}
	got := mergeDeps(in)
	var summary []string
	for _, d := range got {
		summary = append(summary, d.PURL()+" "+joinSources(d.Sources))
	}
	want := []string{
		"pkg:conda/torch conda.yaml",
		"pkg:pypi/numpy@1.26.4 a",
		"pkg:pypi/numpy@2.0.0 b",
		"pkg:pypi/torch@2.3.1 MLmodel,conda.yaml,requirements.txt",
	}
	if !reflect.DeepEqual(summary, want) {
		t.Errorf("merged %v, want %v", summary, want)
	}
}

func joinSources(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
