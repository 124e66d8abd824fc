package drift

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// The golden files come from testdata/gen/evidently_ref.py (Evidently 0.7's
// procedure on Debian's scipy 1.10 / numpy 1.24 / pandas 1.5), run by hand.
// Scores must agree within 1e-6 and verdicts exactly.

const tolerance = 1e-6

type goldenSpec struct {
	Kind    string `json:"kind"`
	Integer bool   `json:"integer"`
	Values  []any  `json:"values"`
}

type goldenColumn struct {
	Name      string   `json:"column_name"`
	Type      string   `json:"type"`
	Status    string   `json:"status"`
	Method    string   `json:"method"`
	Score     *float64 `json:"score"`
	Threshold float64  `json:"threshold"`
	Drift     bool     `json:"drift"`
	PSI       *float64 `json:"psi"`
}

type goldenExpected struct {
	NumberOfColumns        int            `json:"number_of_columns"`
	NumberOfDriftedColumns int            `json:"number_of_drifted_columns"`
	Share                  float64        `json:"share_of_drifted_columns"`
	DatasetDrift           bool           `json:"dataset_drift"`
	Columns                []goldenColumn `json:"columns"`
}

type goldenOptions struct {
	Method     string             `json:"method"`
	Methods    map[string]string  `json:"methods"`
	Threshold  *float64           `json:"threshold"`
	Thresholds map[string]float64 `json:"thresholds"`
	DriftShare float64            `json:"drift_share"`
	Target     string             `json:"target"`
	Prediction string             `json:"prediction"`
	Columns    []string           `json:"columns"`
}

func (o goldenOptions) options() Options {
	return Options{Method: o.Method, Methods: o.Methods, Threshold: o.Threshold, Thresholds: o.Thresholds,
		DriftShare: o.DriftShare, Target: o.Target, Prediction: o.Prediction, Columns: o.Columns}
}

type goldenCase struct {
	Name     string         `json:"name"`
	Dataset  string         `json:"dataset"`
	Options  goldenOptions  `json:"options"`
	Expected goldenExpected `json:"expected"`
}

func readGzipJSON(t testing.TB, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(zr).Decode(v); err != nil {
		t.Fatal(err)
	}
}

// specColumn builds a column as the table reader would deliver it.
func specColumn(t testing.TB, name string, s goldenSpec) *Column {
	switch s.Kind {
	case "number":
		b := NewColumnBuilder(name, KindNumber)
		for _, v := range s.Values {
			switch v := v.(type) {
			case nil:
				b.AddNull()
			case float64:
				b.AddNumber(v, s.Integer)
			case string:
				b.AddNumber(map[string]float64{"inf": math.Inf(1), "-inf": math.Inf(-1)}[v], false)
			}
		}
		return b.Finish()
	case "string", "bool":
		kind := KindString
		if s.Kind == "bool" {
			kind = KindBool
		}
		b := NewColumnBuilder(name, kind)
		for _, v := range s.Values {
			switch v := v.(type) {
			case nil:
				b.AddNull()
			case string:
				b.AddString(v)
			case bool:
				b.AddString(fmt.Sprint(v))
			}
		}
		return b.Finish()
	}
	t.Fatalf("kind %q", s.Kind)
	return nil
}

func specTable(t testing.TB, name string, cols map[string]goldenSpec) *Table {
	tb := &Table{Name: name}
	names := make([]string, 0, len(cols))
	for n := range cols {
		names = append(names, n)
	}
	// Python dicts keep insertion order, JSON (sort_keys) sorts: order is
	// not part of the expectation except target/prediction, which come first.
	sortStrings(names)
	for _, n := range names {
		c := specColumn(t, n, cols[n])
		tb.Columns = append(tb.Columns, c)
		tb.Rows = c.Rows
	}
	return tb
}

func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tolerance || math.Abs(a-b) <= 1e-9*math.Abs(b)
}

func ptrVal(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func checkReport(t *testing.T, got *Report, want goldenExpected) {
	t.Helper()
	byName := map[string]ColumnResult{}
	for _, c := range got.Columns {
		byName[c.Column] = c
	}
	for _, w := range want.Columns {
		g, ok := byName[w.Name]
		if !ok {
			t.Errorf("column %s missing", w.Name)
			continue
		}
		if string(g.Type) != w.Type || g.Status != w.Status {
			t.Errorf("%s: type/status %s/%s, want %s/%s (%s)", w.Name, g.Type, g.Status, w.Type, w.Status, g.Reason)
			continue
		}
		if w.Status != StatusTested {
			continue
		}
		if g.Method != w.Method || g.Threshold != w.Threshold || g.Drift != w.Drift {
			t.Errorf("%s: method %s threshold %g drift %v, want %s %g %v (score %g, want %g)", w.Name, g.Method, g.Threshold, g.Drift, w.Method, w.Threshold, w.Drift, float64(g.Score), ptrVal(w.Score))
		}
		if !near(float64(g.Score), ptrVal(w.Score)) {
			t.Errorf("%s: %s score %.12g, want %.12g (diff %.3g)", w.Name, g.Method, float64(g.Score), ptrVal(w.Score), float64(g.Score)-ptrVal(w.Score))
		}
		if !near(float64(g.PSI), ptrVal(w.PSI)) {
			t.Errorf("%s: psi %.12g, want %.12g", w.Name, float64(g.PSI), ptrVal(w.PSI))
		}
	}
	if got.NumberOfColumns != want.NumberOfColumns || got.NumberOfDriftedColumns != want.NumberOfDriftedColumns ||
		got.DatasetDrift != want.DatasetDrift || !near(got.ShareOfDriftedColumns, want.Share) {
		t.Errorf("dataset: %d/%d share %g drift %v, want %d/%d %g %v", got.NumberOfDriftedColumns, got.NumberOfColumns,
			got.ShareOfDriftedColumns, got.DatasetDrift, want.NumberOfDriftedColumns, want.NumberOfColumns, want.Share, want.DatasetDrift)
	}
}

func TestGoldenEvidently(t *testing.T) {
	t.Parallel()
	var g struct {
		Cases    []goldenCase `json:"cases"`
		Datasets map[string]struct {
			Reference map[string]goldenSpec `json:"reference"`
			Current   map[string]goldenSpec `json:"current"`
		} `json:"datasets"`
	}
	readGzipJSON(t, filepath.Join("testdata", "golden", "cases.json.gz"), &g)
	if len(g.Cases) < 40 {
		t.Fatalf("only %d golden cases", len(g.Cases))
	}
	tables := map[string][2]*Table{}
	for name, d := range g.Datasets {
		tables[name] = [2]*Table{specTable(t, "reference", d.Reference), specTable(t, "current", d.Current)}
	}
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			tb := tables[c.Dataset]
			rep, err := Compare(tb[0], tb[1], c.Options.options())
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, rep, c.Expected)
		})
	}
}

func TestGoldenKS(t *testing.T) {
	t.Parallel()
	var g struct {
		KS []struct {
			N1, N2 int
			D, P   float64
		} `json:"ks_2samp"`
		Kstwo []struct {
			N     int
			X, SF float64
		} `json:"kstwo_sf"`
	}
	data, err := os.ReadFile(filepath.Join("testdata", "golden", "ks.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	for _, c := range g.KS {
		if got := ksPValue(c.D, c.N1, c.N2); !near(got, c.P) {
			t.Errorf("ks p(n1=%d, n2=%d, d=%g) = %.12g, want %.12g", c.N1, c.N2, c.D, got, c.P)
		}
	}
	for _, c := range g.Kstwo {
		if got := kstwoSF(c.N, c.X); !near(got, c.SF) {
			t.Errorf("kstwo.sf(%g, %d) = %.12g, want %.12g", c.X, c.N, got, c.SF)
		}
	}
}
